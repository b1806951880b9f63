//! Byte plumbing under the stores and the layer walk, tuned for speed and knowing nothing of
//! images: [`positioned`] reads byte ranges of one file from many threads at once, [`counting`]
//! counts (and skips) the bytes a stream hands to the tar reader, [`records`] refuses the tar
//! records the tar reader would read whole into memory when they are oversize.

pub(crate) mod counting;
pub(crate) mod positioned;
pub(crate) mod records;

use std::io::{self, Read};

/// Reads as many bytes as fit in `buf`, fewer only at the end of the stream.
pub(crate) fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
