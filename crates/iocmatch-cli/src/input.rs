//! Log inputs: files, gzip files or standard input, read in blocks of whole lines so that a large
//! log is scanned in parallel without being held in memory at once.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// Bytes read per block; a line longer than this grows the block until it ends.
const BLOCK: usize = 8 * 1024 * 1024;

/// Opens a log: `-` is standard input; gzip (by its magic bytes) is decompressed.
pub fn open(path: &Path) -> io::Result<Box<dyn Read>> {
    let raw: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin().lock())
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
/// `\n`); `first_line` is the 0-based number of the block's first line.
pub fn for_each_block(
    mut r: impl Read,
    mut f: impl FnMut(&[u8], usize) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + BLOCK / 2);
    let mut line_no = 0usize;
    loop {
        // What is left over from the last block holds no newline.
        let mut last_nl: Option<usize> = None;
        let mut eof = false;
        while !eof && (buf.len() < BLOCK || last_nl.is_none()) {
            let old = buf.len();
            buf.resize(old + BLOCK / 2, 0);
            let n = read_some(&mut r, &mut buf[old..])?;
            buf.truncate(old + n);
            if n == 0 {
                eof = true;
            } else if let Some(i) = memchr::memrchr(b'\n', &buf[old..]) {
                last_nl = Some(old + i);
            }
        }
        let cut = match last_nl {
            Some(i) if !eof => i + 1,
            _ => buf.len(),
        };
        if cut > 0 {
            f(&buf[..cut], line_no)?;
            line_no += memchr::memchr_iter(b'\n', &buf[..cut]).count();
        }
        buf.drain(..cut);
        if eof {
            return Ok(());
        }
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
        let mut seen = Vec::new();
        let mut blocks = 0;
        for_each_block(&data[..], |b, first| {
            if blocks > 0 {
                assert_eq!(first, memchr::memchr_iter(b'\n', &seen).count());
            }
            blocks += 1;
            seen.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert!(blocks > 1);
        assert_eq!(seen, data);
    }
}
