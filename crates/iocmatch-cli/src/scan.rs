//! `iocmatch scan` over its inputs, in input order. A large input is read block by block and
//! each block is scanned on every thread. A small file would keep one thread busy at a time that
//! way, so runs of small files are scanned side by side instead, one file per thread, and their
//! records are written out in order when the run is done. Runs are short (four files per
//! thread) and their files small and uncompressed, so the records held back stay bounded.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use iocmatch::allow::Allowlist;
use iocmatch::{LogState, Matcher};
use rayon::prelude::*;

use crate::args::Output;
use crate::input::{self, SMALL_FILE};
use crate::render::{self, Place};

/// Files scanned side by side per thread before their records are written.
const RUN_PER_THREAD: usize = 4;

/// How one input is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Read, never mapped (files scanned side by side: one mapped file at a time is what the
    /// `SIGBUS` handler can tell apart).
    Buffered,
    /// Mapped if large and plain, else in blocks, each read after the last one's scan.
    InTurn,
    /// Mapped if large and plain, else in blocks, the next read while this one is scanned.
    Ahead,
}

/// What every input's scan shares.
pub struct Scanner<'a> {
    pub m: &'a Matcher,
    /// With `--show-suppressed`: the allowlist whose hits are marked instead of dropped.
    pub shown_allow: Option<&'a Allowlist>,
    pub output: Output,
    pub pool: &'a rayon::ThreadPool,
    /// Whether large plain files are mapped (else read, as small ones are).
    pub map_large_files: bool,
}

/// How the scan of one input went.
pub struct Outcome {
    /// The input's name, as its records give it.
    pub name: String,
    /// Whether a match was reported (not one an allowlist would suppress).
    pub any: bool,
    /// Bytes read.
    pub bytes: usize,
    /// The error that stopped the input early, if any.
    pub result: io::Result<()>,
}

/// The name an input is reported under.
fn display_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

impl Scanner<'_> {
    /// Scans `files` in order, writing every record to `out` and calling `done` with each
    /// input's outcome, in order. Returns early only when `done` fails.
    pub fn scan_all(
        &self,
        files: &[PathBuf],
        out: &mut impl Write,
        mut done: impl FnMut(Outcome) -> io::Result<()>,
    ) -> io::Result<()> {
        let threads = self.pool.current_num_threads();
        let mut i = 0;
        while i < files.len() {
            let run = if threads > 1 {
                small_files(&files[i..], RUN_PER_THREAD * threads)
            } else {
                0
            };
            if run >= 2 {
                let scanned: Vec<(Vec<u8>, Outcome)> = self.pool.install(|| {
                    files[i..i + run]
                        .par_iter()
                        .map(|path| {
                            let mut records = Vec::new();
                            let outcome = self.scan_input(path, Reading::Buffered, &mut records);
                            (records, outcome)
                        })
                        .collect()
                });
                for (records, outcome) in scanned {
                    // A failed write is the file's error, as it is when records are streamed.
                    // Flushed at once, as streamed records are after each block: a later mapped
                    // file cut short ends the process without flushing what is still buffered.
                    let outcome = match out.write_all(&records).and_then(|()| out.flush()) {
                        Ok(()) => outcome,
                        Err(e) => Outcome {
                            result: Err(e),
                            ..outcome
                        },
                    };
                    done(outcome)?;
                }
                i += run;
            } else {
                // Reading the next block beside the scan is worth it only with threads to spare.
                let reading = if threads > 1 {
                    Reading::Ahead
                } else {
                    Reading::InTurn
                };
                let outcome = self.scan_input(&files[i], reading, out);
                done(outcome)?;
                i += 1;
            }
        }
        Ok(())
    }

    /// Scans one input block by block, writing its records to `sink` as each block is done.
    fn scan_input(&self, path: &Path, reading: Reading, sink: &mut impl Write) -> Outcome {
        let name = display_name(path);
        let (mut any, mut bytes) = (false, 0);
        let mut found = Vec::new();
        let mut lines_before = 0;
        // What the scan knows of the log's Zeek header, from block to block.
        let mut log = LogState::default();
        let may_map = self.map_large_files && reading != Reading::Buffered;
        let map_as = may_map.then_some(name.as_str());
        let result = input::open(path, map_as).and_then(|r| {
            input::for_each_block(r, reading == Reading::Ahead, &name, |block| {
                bytes += block.len();
                found.clear();
                let first_line = lines_before;
                lines_before += self
                    .pool
                    .install(|| self.m.scan_log_into(block, &mut log, &mut found));
                for lm in &found {
                    let matched = &block[lm.line_start + lm.m.start..lm.line_start + lm.m.end];
                    let holder = self.shown_allow.and_then(|allow| {
                        let kind = self.m.indicator(lm.m.indicator).kind;
                        allow.holder(kind, std::str::from_utf8(matched).ok()?)
                    });
                    match holder {
                        Some(list) => list.count_suppressed(),
                        None => any = true,
                    }
                    let place = Place {
                        file: &name,
                        line: first_line + lm.line + 1,
                        start: lm.m.start,
                        end: lm.m.end,
                        matched,
                    };
                    let (id, how) = (lm.m.indicator, lm.m.how);
                    let mut rec = match self.output {
                        Output::Json => render::match_json(self.m, &place, id, how),
                        Output::Text => render::match_text(self.m, &place, id, how),
                    };
                    if let Some(list) = holder {
                        render::mark_suppressed(&mut rec, &list.name, self.output);
                    }
                    writeln!(sink, "{rec}")?;
                }
                // Each block's records go out before the next block is read, so that an input
                // that ends the run (a mapped file truncated under the scan) loses at most the
                // records of the block it was in. A buffer sink (files side by side) holds them.
                sink.flush()
            })
        });
        Outcome {
            name,
            any,
            bytes,
            result,
        }
    }
}

/// How many of the leading `files` (at most `limit`) are small, uncompressed regular files:
/// those are scanned side by side. Standard input, large files, gzip files (whose size on disk
/// says little of what they hold), and anything that cannot be opened are not.
fn small_files(files: &[PathBuf], limit: usize) -> usize {
    files
        .iter()
        .take(limit)
        .take_while(|p| p.as_os_str() != "-" && is_small_plain_file(p))
        .count()
}

fn is_small_plain_file(path: &Path) -> bool {
    let small = std::fs::metadata(path).is_ok_and(|md| md.is_file() && md.len() <= SMALL_FILE);
    small && {
        let mut magic = [0u8; 2];
        std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut magic))
            .is_ok_and(|n| !input::is_gzip(&magic[..n]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_take_small_plain_files_only() {
        let dir = std::env::temp_dir().join(format!("iocmatch-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = |name: &str, bytes: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let a = file("a.log", b"x\n");
        let empty = file("empty.log", b"");
        let gz = file("b.log.gz", &[0x1f, 0x8b, 8, 0]);
        let big = file("big.log", &vec![b'x'; SMALL_FILE as usize + 1]);
        let stdin = PathBuf::from("-");
        let missing = dir.join("missing.log");
        let run = |files: &[&PathBuf], limit| {
            let owned: Vec<PathBuf> = files.iter().map(|p| p.to_path_buf()).collect();
            small_files(&owned, limit)
        };
        assert_eq!(run(&[&a, &empty, &a, &big, &a], 64), 3);
        assert_eq!(run(&[&a, &a, &a, &a], 2), 2);
        for stop in [&gz, &big, &stdin, &missing, &dir] {
            assert_eq!(run(&[&a, stop, &a], 64), 1, "{stop:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
