//! Log inputs: files, gzip files or standard input, read in blocks of whole lines so that a large
//! log is scanned in parallel without being held in memory at once.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// Bytes read per block; a line longer than this grows the block until it ends.
const BLOCK: usize = 8 * 1024 * 1024;

/// Opens a log: `-` is standard input; gzip (by its magic bytes) is decompressed.
pub fn open(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    let mut buffered = BufReader::with_capacity(64 * 1024, raw);
    let head = io::BufRead::fill_buf(&mut buffered)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(MultiGzDecoder::new(buffered)))
    } else {
        Ok(Box::new(buffered))
    }
}

/// Calls `f(block, first_line)` for consecutive blocks of whole lines (the last may lack its
/// `\n`); `first_line` is the 0-based number of the block's first line. With `read_ahead`, a
/// second thread reads the next block while `f` works on this one.
pub fn for_each_block(
    r: impl Read + Send + 'static,
    read_ahead: bool,
    mut f: impl FnMut(&[u8], usize) -> io::Result<()>,
) -> io::Result<()> {
    if !read_ahead {
        let mut reader = Blocks::new(r);
        while let Some((block, first_line)) = reader.next_block()? {
            f(block, first_line)?;
        }
        return Ok(());
    }
    // The reader fills owned copies of its blocks; two are in flight at most, and spent ones
    // come back to be reused. It is not joined: if `f` fails (a closed pipe), the process goes
    // on without waiting for a read that may block, and the reader stops at its next send.
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<io::Result<(Vec<u8>, usize)>>(1);
    let (spent_tx, spent_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut reader = Blocks::new(r);
        loop {
            let next = match reader.next_block() {
                Ok(Some((block, first_line))) => {
                    let mut owned = spent_rx.try_recv().unwrap_or_default();
                    owned.clear();
                    owned.extend_from_slice(block);
                    Ok((owned, first_line))
                }
                Ok(None) => return,
                Err(e) => Err(e),
            };
            let failed = next.is_err();
            if full_tx.send(next).is_err() || failed {
                return;
            }
        }
    });
    for next in full_rx {
        let (block, first_line) = next?;
        f(&block, first_line)?;
        let _ = spent_tx.send(block);
    }
    Ok(())
}

/// Reads blocks of whole lines into one buffer that is allocated (and zeroed) once: what follows
/// the last newline of a block moves to the front for the next.
struct Blocks<R> {
    r: R,
    buf: Vec<u8>,
    /// Bytes of `buf` holding data.
    filled: usize,
    /// The start of the data not yet handed out.
    start: usize,
    line_no: usize,
    eof: bool,
}

impl<R: Read> Blocks<R> {
    fn new(r: R) -> Self {
        Blocks {
            r,
            buf: vec![0; BLOCK + BLOCK / 2],
            filled: 0,
            start: 0,
            line_no: 0,
            eof: false,
        }
    }

    /// The next block and the number of its first line, or `None` at the end.
    fn next_block(&mut self) -> io::Result<Option<(&[u8], usize)>> {
        // Move the unfinished line left over from the last block to the front.
        self.buf.copy_within(self.start..self.filled, 0);
        self.filled -= self.start;
        self.start = 0;
        let mut last_nl = None;
        while !self.eof && (self.filled < BLOCK || last_nl.is_none()) {
            if self.filled == self.buf.len() {
                // A line longer than the buffer: grow until it ends.
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let old = self.filled;
            let n = read_some(&mut self.r, &mut self.buf[old..])?;
            self.filled += n;
            if n == 0 {
                self.eof = true;
            } else if let Some(i) = memchr::memrchr(b'\n', &self.buf[old..self.filled]) {
                last_nl = Some(old + i);
            }
        }
        let cut = match last_nl {
            Some(i) if !self.eof => i + 1,
            _ => self.filled,
        };
        if cut == 0 {
            return Ok(None);
        }
        self.start = cut;
        let first_line = self.line_no;
        let block = &self.buf[..cut];
        self.line_no += memchr::memchr_iter(b'\n', block).count();
        Ok(Some((block, first_line)))
    }
}

fn read_some(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_hold_whole_lines_and_count_them() {
        let mut data = Vec::new();
        for i in 0..2_000_000 {
            data.extend_from_slice(format!("{i}\n").as_bytes());
        }
        data.extend_from_slice(&vec![b'x'; 3 * BLOCK]);
        data.extend_from_slice(b"\nlast");
        for read_ahead in [false, true] {
            let mut seen = Vec::new();
            let mut blocks = 0;
            for_each_block(io::Cursor::new(data.clone()), read_ahead, |b, first| {
                assert_eq!(first, memchr::memchr_iter(b'\n', &seen).count());
                assert!(b.ends_with(b"\n") || seen.len() + b.len() == data.len());
                blocks += 1;
                seen.extend_from_slice(b);
                Ok(())
            })
            .unwrap();
            assert!(blocks > 1);
            assert_eq!(seen, data, "read ahead: {read_ahead}");
        }
    }
}
