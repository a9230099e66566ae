//! Log inputs: files, gzip files or standard input, read in blocks of whole lines so that a large
//! log is scanned in parallel without being held in memory at once.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use memmap2::Mmap;

/// Bytes read per block; a line longer than this grows the block until it ends.
const BLOCK: usize = 8 * 1024 * 1024;

/// Whether data starting with `head` is gzip (by its magic bytes).
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// A log opened for scanning.
pub struct Input {
    /// A large plain file mapped into memory, and how many of its leading bytes (its whole
    /// lines) are scanned from the map.
    mapped: Option<(Mmap, usize)>,
    /// What is read after the map: the whole input when nothing is mapped; else the file from
    /// the end of the mapped lines on (its unfinished last line, and whatever was appended since
    /// it was opened).
    rest: Box<dyn Read + Send>,
}

#[cfg(test)]
impl Input {
    /// Whether part of the input is scanned from a map.
    fn is_mapped(&self) -> bool {
        self.mapped.is_some()
    }
}

/// Files of at most this size are small: read rather than mapped (a map's setup pays only for
/// large files), and scanned side by side (see `scan`).
pub const SMALL_FILE: u64 = 1024 * 1024;

/// Opens a log: `-` is standard input; gzip (by its magic bytes) is decompressed. With
/// `map_as` (the name the input is reported under), a large plain regular file is mapped (see
/// [`crate::mapped`]); without, it is read.
pub fn open(path: &Path, map_as: Option<&str>) -> io::Result<Input> {
    if path.as_os_str() == "-" {
        return Ok(Input {
            mapped: None,
            rest: stream(Box::new(io::stdin()))?,
        });
    }
    let mut file = File::open(path)?;
    if let Some(name) = map_as {
        if let Some((map, lines_end)) = map_lines(&file, name)? {
            file.seek(SeekFrom::Start(lines_end as u64))?;
            return Ok(Input {
                mapped: Some((map, lines_end)),
                rest: Box::new(file),
            });
        }
    }
    Ok(Input {
        mapped: None,
        rest: stream(Box::new(file))?,
    })
}

/// Maps `file` if it is a large plain regular file, with the end of its last whole line.
/// A file without a newline maps no lines and is read instead.
#[cfg(unix)]
fn map_lines(file: &File, name: &str) -> io::Result<Option<(Mmap, usize)>> {
    let md = file.metadata()?;
    if !md.is_file() || md.len() <= SMALL_FILE || usize::try_from(md.len()).is_err() {
        return Ok(None);
    }
    let Some(map) = crate::mapped::map(file, md.len()) else {
        return Ok(None);
    };
    // The file may have shrunk since its size was read: these reads of the map are guarded as
    // the scan's are.
    let lines_end = {
        let _scanning = crate::mapped::Scanning::new(name, &map);
        if is_gzip(&map) {
            return Ok(None);
        }
        memchr::memrchr(b'\n', &map)
    };
    Ok(lines_end.map(|i| (map, i + 1)))
}

/// Mapping is for Unix only: elsewhere every file is read.
#[cfg(not(unix))]
fn map_lines(_: &File, _: &str) -> io::Result<Option<(Mmap, usize)>> {
    Ok(None)
}

/// A stream, decompressed if it starts as gzip does.
fn stream(raw: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut buffered = BufReader::with_capacity(64 * 1024, raw);
    let head = io::BufRead::fill_buf(&mut buffered)?;
    if is_gzip(head) {
        Ok(Box::new(MultiGzDecoder::new(buffered)))
    } else {
        Ok(Box::new(buffered))
    }
}

/// Calls `f(block)` for consecutive blocks of whole lines (the last may lack its `\n`). With
/// `read_ahead`, a second thread reads the next block while `f` works on this one (the mapped
/// part of an input needs no reading: its blocks are its map's). `name` is the input's name
/// in the message if a mapped file shrinks under the scan.
pub fn for_each_block(
    input: Input,
    read_ahead: bool,
    name: &str,
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    #[cfg(unix)]
    if let Some((map, lines_end)) = &input.mapped {
        let _scanning = crate::mapped::Scanning::new(name, map);
        // A block's pages cost less mapped in one call than faulted in a few at a time. On one
        // thread the call comes before the block's scan; with threads to spare (`read_ahead`)
        // a second thread maps the next block in while this one is scanned. The blocks are
        // found one ahead, not all at once: finding one touches the page at its end, and
        // touching every block's end first would map a page (or a large folio) per block.
        let mut blocks = whole_line_blocks(&map[..*lines_end]).peekable();
        std::thread::scope(|scope| -> io::Result<()> {
            let mut start = 0;
            let mut ahead: Option<std::thread::ScopedJoinHandle<()>> = None;
            while let Some(block) = blocks.next() {
                if read_ahead {
                    if let Some(t) = ahead.take() {
                        let _ = t.join();
                    }
                    let next = start + block.len();
                    // A thread that cannot be started leaves the next block to page faults.
                    ahead = blocks.peek().and_then(|b| {
                        let len = b.len();
                        std::thread::Builder::new()
                            .spawn_scoped(scope, move || crate::mapped::populate(map, next, len))
                            .ok()
                    });
                } else {
                    crate::mapped::populate(map, start, block.len());
                }
                f(block)?;
                crate::mapped::release(map, start, block.len());
                start += block.len();
            }
            Ok(())
        })?;
    }
    #[cfg(not(unix))]
    let _ = name;
    let mut reader = Blocks::new(input.rest);
    if !read_ahead {
        let mut buf = Vec::new();
        while reader.next_block(&mut buf)? {
            f(&buf)?;
        }
        return Ok(());
    }
    // Blocks travel to the consumer and their buffers come back to be filled again: two blocks
    // are in flight at most. The reader is not joined: if `f` fails (a closed pipe), the process
    // goes on without waiting for a read that may block, and the reader stops at its next send.
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(1);
    let (spent_tx, spent_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || loop {
        let mut buf = spent_rx.try_recv().unwrap_or_default();
        let next = match reader.next_block(&mut buf) {
            Ok(true) => Ok(buf),
            Ok(false) => return,
            Err(e) => Err(e),
        };
        let failed = next.is_err();
        if full_tx.send(next).is_err() || failed {
            return;
        }
    });
    for next in full_rx {
        let block = next?;
        f(&block)?;
        let _ = spent_tx.send(block);
    }
    Ok(())
}

/// `bytes` in consecutive blocks of about [`BLOCK`] bytes, each ending just after a `\n` (or at
/// the end of `bytes`); a line longer than a block is a block of its own.
fn whole_line_blocks(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start == bytes.len() {
            return None;
        }
        let want = start + BLOCK;
        let end = if want >= bytes.len() {
            bytes.len()
        } else if let Some(i) = memchr::memrchr(b'\n', &bytes[start..want]) {
            start + i + 1
        } else {
            memchr::memchr(b'\n', &bytes[want..]).map_or(bytes.len(), |i| want + i + 1)
        };
        let block = &bytes[start..end];
        start = end;
        Some(block)
    })
}

/// Reads blocks of whole lines, each into a buffer the caller owns; the unfinished line at the
/// end of a read is kept for the next block.
struct Blocks<R> {
    r: R,
    /// The start of a line that the last block did not finish.
    rest: Vec<u8>,
    eof: bool,
}

impl<R: Read> Blocks<R> {
    fn new(r: R) -> Self {
        Blocks {
            r,
            rest: Vec::new(),
            eof: false,
        }
    }

    /// Fills `buf` with the next block; false at the end. Reads go straight into `buf`'s spare
    /// capacity, which is not zeroed first.
    fn next_block(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        buf.clear();
        buf.reserve(BLOCK + BLOCK / 2);
        buf.append(&mut self.rest);
        let mut scanned = 0; // bytes of `buf` known to hold no newline
        let mut last_nl = None;
        while !self.eof && (buf.len() < BLOCK || last_nl.is_none()) {
            let want = (BLOCK + BLOCK / 2).saturating_sub(buf.len()).max(BLOCK / 2);
            let n = read_into(&mut self.r, buf, want)?;
            if n == 0 {
                self.eof = true;
            } else if let Some(i) = memchr::memrchr(b'\n', &buf[scanned..]) {
                last_nl = Some(scanned + i);
            }
            scanned = buf.len();
        }
        let cut = match last_nl {
            Some(i) if !self.eof => i + 1,
            _ => buf.len(),
        };
        if cut == 0 {
            return Ok(false);
        }
        self.rest.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        Ok(true)
    }
}

/// Appends up to `max` bytes from `r` to `buf`; returns how many (0 at the end).
fn read_into(r: &mut impl Read, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    loop {
        match r.by_ref().take(max as u64).read_to_end(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block of `input`, checking that each but the last ends a line.
    fn blocks_of(input: Input, read_ahead: bool) -> (Vec<u8>, usize) {
        let (mut seen, mut blocks) = (Vec::new(), 0);
        let mut last_open = false;
        for_each_block(input, read_ahead, "test input", |b| {
            assert!(
                !last_open,
                "a block that does not end a line came before another"
            );
            last_open = !b.ends_with(b"\n");
            blocks += 1;
            seen.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        (seen, blocks)
    }

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("iocmatch-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn remove(paths: &[std::path::PathBuf]) {
        for p in paths {
            std::fs::remove_file(p).unwrap();
        }
    }

    /// Many short lines, one line of three blocks, and an unfinished last line.
    fn sample() -> Vec<u8> {
        let mut data = Vec::new();
        for i in 0..2_000_000 {
            data.extend_from_slice(format!("{i}\n").as_bytes());
        }
        data.extend_from_slice(&vec![b'x'; 3 * BLOCK]);
        data.extend_from_slice(b"\nlast");
        data
    }

    #[test]
    fn streamed_blocks_hold_whole_lines() {
        let data = sample();
        for read_ahead in [false, true] {
            let input = Input {
                mapped: None,
                rest: Box::new(io::Cursor::new(data.clone())),
            };
            let (seen, blocks) = blocks_of(input, read_ahead);
            assert!(blocks > 1);
            assert_eq!(seen, data, "read ahead: {read_ahead}");
        }
    }

    #[test]
    fn mapped_files_give_the_same_bytes_as_reads() {
        let data = sample();
        let path = temp_file("mapped.log", &data);
        for read_ahead in [false, true] {
            let input = open(&path, Some("test input")).unwrap();
            assert!(input.is_mapped());
            let (seen, blocks) = blocks_of(input, read_ahead);
            assert!(blocks > 1);
            assert_eq!(seen, data, "read ahead: {read_ahead}");
        }
        assert!(!open(&path, None).unwrap().is_mapped());
        let small = temp_file("small.log", b"a\nb\n");
        assert!(!open(&small, Some("test input")).unwrap().is_mapped());
        remove(&[path, small]);
    }

    /// Lines appended after the file was mapped are read after the map, the unfinished last
    /// line of the map joined with them.
    #[test]
    fn lines_appended_after_mapping_are_read_too() {
        let mut data = sample();
        let path = temp_file("growing.log", &data);
        let input = open(&path, Some("test input")).unwrap();
        assert!(input.is_mapped());
        let more = b" line\nappended\n";
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        io::Write::write_all(&mut f, more).unwrap();
        data.extend_from_slice(more);
        let (seen, _) = blocks_of(input, false);
        assert_eq!(seen, data);
        remove(&[path]);
    }

    /// A large file without a newline is not mapped (a map would hold no whole line): all of it
    /// is read.
    #[test]
    fn one_long_line_is_read_whole() {
        let data = vec![b'y'; 2 * SMALL_FILE as usize];
        let path = temp_file("one-line.log", &data);
        let input = open(&path, Some("test input")).unwrap();
        assert!(!input.is_mapped());
        let (seen, _) = blocks_of(input, false);
        assert_eq!(seen, data);
        remove(&[path]);
    }

    #[test]
    fn gzip_files_are_not_mapped() {
        let data = sample();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, &data).unwrap();
        let path = temp_file("packed.log.gz", &gz.finish().unwrap());
        assert!(std::fs::metadata(&path).unwrap().len() > SMALL_FILE);
        let input = open(&path, Some("test input")).unwrap();
        assert!(!input.is_mapped());
        assert_eq!(blocks_of(input, false).0, data);
        remove(&[path]);
    }
}
