//! Reading the data of chosen files again. The first read of an image takes only the tar
//! headers (it seeks past file data when it can); a pass that needs some files' bytes
//! (`explain --content`) reads them here, and only them: a plain layer tar is read at each file's
//! offset, a compressed one is inflated as far as its last wanted file.
//!
//! The store the images came from is kept open in [`DataSource`]. A store read in one pass
//! (stdin, an archive compressed as a whole) cannot give bytes a second time and says so.

use std::fmt;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use rayon::prelude::*;

use super::layer::LayerError;
use super::store::Store;
use crate::error::{Error, ErrorKind, Result};
use crate::image::{Compression, Image};

/// Read-buffer size in front of decompressors.
const DECODE_BUFFER: usize = 256 * 1024;

/// Files of a plain layer read per parallel task: positional reads let one layer be read by
/// every core.
const FILES_PER_TASK: usize = 512;

/// The place the images of a [`super::Loaded`] were read from, kept open so that the data of
/// chosen files can be read later.
pub struct DataSource {
    store: Box<dyn Store>,
}

impl fmt::Debug for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataSource")
            .field("store", &self.store.label())
            .finish()
    }
}

/// A file whose data is wanted: (layer, entry) of an image.
pub(crate) type FileKey = (u32, u32);

/// Where one wanted file's bytes lie in its layer tar: offset, length, and the file.
type Span = (u64, u64, FileKey);

impl DataSource {
    /// Keeps `store` open.
    pub(crate) fn new(store: Box<dyn Store>) -> DataSource {
        DataSource { store }
    }

    /// Fails when the store cannot read file data again (it was read in one pass), before any
    /// work is spent on a pass that needs it.
    pub(crate) fn check_rereadable(&self) -> Result<()> {
        if self.store.rereads() {
            Ok(())
        } else {
            Err(not_rereadable(self.store.label()))
        }
    }

    /// Reads the data of every file of `wanted` (entries of `image`'s layers), its first `limit`
    /// bytes at most, and hands each to `each`, which returns what is kept of it (a hash). Files
    /// whose bytes cannot be read back (sparse files, entries that are no regular file) are left
    /// out of the result; the order of the result is not `wanted`'s.
    pub(crate) fn read_files<T: Send>(
        &self,
        image: &Image,
        wanted: &[FileKey],
        limit: u64,
        each: &(dyn Fn(&mut dyn Read) -> io::Result<T> + Sync),
    ) -> Result<Vec<(FileKey, T)>> {
        // A layer that is downloaded is read once, whole: cut into runs, it would be downloaded
        // once per run.
        let tasks = tasks(image, wanted, limit, !self.store.downloads());
        let run = |(layer, spans): &(usize, Vec<Span>)| self.read_task(image, *layer, spans, each);
        let parts: Vec<Vec<(FileKey, T)>> = if self.store.parallel() {
            tasks.par_iter().map(run).collect::<Result<_>>()?
        } else {
            tasks.iter().map(run).collect::<Result<_>>()?
        };
        Ok(parts.into_iter().flatten().collect())
    }

    /// Reads the files of one task: `spans` of layer `layer`, sorted by offset.
    fn read_task<T>(
        &self,
        image: &Image,
        layer: usize,
        spans: &[Span],
        each: &(dyn Fn(&mut dyn Read) -> io::Result<T> + Sync),
    ) -> Result<Vec<(FileKey, T)>> {
        let Some(l) = image.layers.get(layer) else {
            return Ok(Vec::new());
        };
        let ranges: Vec<(u64, u64)> = spans.iter().map(|&(o, len, _)| (o, len)).collect();
        let mut out = Vec::with_capacity(spans.len());
        self.store
            .read_data(
                &l.member,
                l.contents.compression,
                &ranges,
                &mut |i, reader| {
                    if let Some(&(_, _, key)) = spans.get(i) {
                        out.push((key, each(reader)?));
                    }
                    Ok(())
                },
            )
            .map_err(|e| at_layer(e, layer))?;
        Ok(out)
    }
}

/// The wanted files (their first `limit` bytes) grouped into tasks: per layer, sorted by offset;
/// a plain layer's files cut into runs of [`FILES_PER_TASK`] (read side by side) when `split`,
/// a compressed layer's kept in one run (its stream is inflated once, front to back).
fn tasks(image: &Image, wanted: &[FileKey], limit: u64, split: bool) -> Vec<(usize, Vec<Span>)> {
    let mut by_layer: Vec<Vec<Span>> = vec![Vec::new(); image.layers.len()];
    for &(li, ei) in wanted {
        let Some(layer) = image.layers.get(li as usize) else {
            continue;
        };
        let Some(entry) = layer.contents.entries.get(ei as usize) else {
            continue;
        };
        if let Some(offset) = entry.data_offset() {
            by_layer[li as usize].push((offset, entry.size.min(limit), (li, ei)));
        }
    }
    let mut tasks = Vec::new();
    for (li, mut spans) in by_layer.into_iter().enumerate() {
        if spans.is_empty() {
            continue;
        }
        spans.sort_unstable();
        spans.dedup();
        match image.layers[li].contents.compression {
            Compression::None if split => {
                tasks.extend(spans.chunks(FILES_PER_TASK).map(|c| (li, c.to_vec())));
            }
            _ => tasks.push((li, spans)),
        }
    }
    tasks
}

/// Reads the byte ranges `spans` (offset and length in the uncompressed tar, sorted by offset)
/// of a layer blob stored with `compression`, handing each to `each` with its index. A range
/// that ends early (the blob changed since it was first read) is an error.
pub(crate) fn read_spans<R: Read + Seek>(
    mut blob: R,
    compression: Compression,
    spans: &[(u64, u64)],
    each: &mut dyn FnMut(usize, &mut dyn Read) -> io::Result<()>,
) -> std::result::Result<(), LayerError> {
    match compression {
        Compression::None => {
            for (i, &(offset, len)) in spans.iter().enumerate() {
                blob.seek(SeekFrom::Start(offset)).map_err(LayerError::Io)?;
                read_one(&mut blob, len, i, each)?;
            }
            Ok(())
        }
        Compression::Gzip | Compression::Zstd => {
            read_spans_in_order(blob, compression, spans, each)
        }
    }
}

/// [`read_spans`] of a blob that cannot seek (a registry's, downloaded again): read front to
/// back, skipping what lies between the spans.
pub(crate) fn read_spans_in_order<R: Read>(
    blob: R,
    compression: Compression,
    spans: &[(u64, u64)],
    each: &mut dyn FnMut(usize, &mut dyn Read) -> io::Result<()>,
) -> std::result::Result<(), LayerError> {
    match compression {
        Compression::None => read_stream(blob, spans, each),
        Compression::Gzip => {
            let buffered = BufReader::with_capacity(DECODE_BUFFER, blob);
            read_stream(flate2::bufread::MultiGzDecoder::new(buffered), spans, each)
        }
        Compression::Zstd => {
            let buffered = BufReader::with_capacity(DECODE_BUFFER, blob);
            let decoder =
                zstd::stream::read::Decoder::with_buffer(buffered).map_err(LayerError::Io)?;
            read_stream(decoder, spans, each)
        }
    }
}

/// Reads `spans` from a stream that cannot seek: skips to each one.
fn read_stream<R: Read>(
    mut stream: R,
    spans: &[(u64, u64)],
    each: &mut dyn FnMut(usize, &mut dyn Read) -> io::Result<()>,
) -> std::result::Result<(), LayerError> {
    let mut at = 0u64;
    for (i, &(offset, len)) in spans.iter().enumerate() {
        let gap = offset
            .checked_sub(at)
            .ok_or_else(|| changed("two files overlap"))?;
        let skipped =
            io::copy(&mut (&mut stream).take(gap), &mut io::sink()).map_err(LayerError::Io)?;
        if skipped < gap {
            return Err(changed("it ends before a file's data"));
        }
        read_one(&mut stream, len, i, each)?;
        at = offset + len;
    }
    Ok(())
}

/// Hands the next `len` bytes of `reader` to `each` as file `i`, then checks they were all
/// there.
fn read_one<R: Read>(
    reader: &mut R,
    len: u64,
    i: usize,
    each: &mut dyn FnMut(usize, &mut dyn Read) -> io::Result<()>,
) -> std::result::Result<(), LayerError> {
    let mut data = reader.take(len);
    each(i, &mut data).map_err(LayerError::Io)?;
    // What `each` left unread is read past, so that the stream stands at the file's end.
    io::copy(&mut data, &mut io::sink()).map_err(LayerError::Io)?;
    if data.limit() > 0 {
        return Err(changed("it ends inside a file's data"));
    }
    Ok(())
}

/// The error for a layer that is not what the first read found.
fn changed(how: &str) -> LayerError {
    LayerError::Io(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the layer changed since it was first read: {how}"),
    ))
}

/// The error of a store that cannot read file data again.
pub(crate) fn not_rereadable(label: &str) -> Error {
    Error::new(
        label,
        ErrorKind::Invalid(
            "the data of files cannot be read a second time from an image read in one pass (stdin, or an archive compressed as a whole); give it as a plain tar file or an OCI layout directory".into(),
        ),
    )
}

/// A layer error names the layer by its position in the image read.
fn at_layer(mut error: Error, layer: usize) -> Error {
    if let ErrorKind::Layer { index, .. } = &mut error.kind {
        *index = Some(layer);
    }
    error
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    /// What `read_spans` hands out for `spans` of `blob`.
    fn read(blob: &[u8], compression: Compression, spans: &[(u64, u64)]) -> Vec<(usize, Vec<u8>)> {
        let mut got = Vec::new();
        read_spans(Cursor::new(blob), compression, spans, &mut |i, r| {
            let mut data = Vec::new();
            r.read_to_end(&mut data)?;
            got.push((i, data));
            Ok(())
        })
        .expect("the spans are read");
        got
    }

    #[test]
    fn the_spans_of_a_plain_or_compressed_layer_are_read_and_nothing_else_is_handed_out() {
        let tar: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
        let spans = [(10, 5), (100, 0), (1000, 3)];
        let want = vec![
            (0, tar[10..15].to_vec()),
            (1, Vec::new()),
            (2, tar[1000..1003].to_vec()),
        ];
        assert_eq!(read(&tar, Compression::None, &spans), want);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).expect("gzip to memory");
        let gz = gz.finish().expect("gzip to memory");
        assert_eq!(read(&gz, Compression::Gzip, &spans), want);
        let zst = zstd::encode_all(&tar[..], 3).expect("zstd to memory");
        assert_eq!(read(&zst, Compression::Zstd, &spans), want);
    }

    #[test]
    fn a_layer_shorter_than_it_was_is_an_error_not_a_short_file() {
        let tar = vec![7u8; 100];
        for compression in [Compression::None, Compression::Zstd] {
            let blob = match compression {
                Compression::Zstd => zstd::encode_all(&tar[..], 3).expect("zstd to memory"),
                _ => tar.clone(),
            };
            let e = read_spans(Cursor::new(blob), compression, &[(90, 20)], &mut |_, r| {
                io::copy(r, &mut io::sink()).map(|_| ())
            })
            .expect_err("the file's data runs past the end");
            assert!(
                matches!(&e, LayerError::Io(io) if io.to_string().contains("changed since it was first read")),
                "{e:?}"
            );
        }
    }
}
