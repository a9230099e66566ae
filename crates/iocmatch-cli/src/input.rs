//! Log inputs: files, gzip files or standard input, read in blocks of whole lines so that a large
//! log is scanned in parallel without being held in memory at once.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// Bytes read per block; a line longer than this grows the block until it ends.
const BLOCK: usize = 8 * 1024 * 1024;

/// Whether data starting with `head` is gzip (by its magic bytes).
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// Opens a log: `-` is standard input; gzip (by its magic bytes) is decompressed.
pub fn open(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    let mut buffered = BufReader::with_capacity(64 * 1024, raw);
    let head = io::BufRead::fill_buf(&mut buffered)?;
    if is_gzip(head) {
        Ok(Box::new(MultiGzDecoder::new(buffered)))
    } else {
        Ok(Box::new(buffered))
    }
}

/// Calls `f(block)` for consecutive blocks of whole lines (the last may lack its `\n`). With
/// `read_ahead`, a second thread reads the next block while `f` works on this one.
pub fn for_each_block(
    r: impl Read + Send + 'static,
    read_ahead: bool,
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut reader = Blocks::new(r);
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
            for_each_block(io::Cursor::new(data.clone()), read_ahead, |b| {
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
