use super::*;

fn one_file_tar(header: &mut tar::Header, data: &[u8]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    header.set_size(data.len() as u64);
    header.set_cksum();
    b.append_data(header, "./etc/x", data).expect("append");
    b.into_inner().expect("finish")
}

#[test]
fn blank_owner_fields_read_as_zero() {
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o640);
    let tar = one_file_tar(&mut h, b"hello");
    let got = scan_seekable(io::Cursor::new(&tar), tar.len() as u64).expect("scans");
    assert_eq!(got.entries.len(), 1);
    let e = &got.entries[0];
    assert_eq!(
        (got.path(e), e.size, e.mode, e.uid, e.gid),
        (&b"/etc/x"[..], 5, 0o640, 0, 0)
    );
}

#[test]
fn plain_tar_is_read_the_same_seekable_or_streamed() {
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o644);
    // Base-256 (GNU) ids past u32 are kept as they are.
    h.set_uid(5_000_000_000);
    h.set_gid(1000);
    let tar = one_file_tar(&mut h, &[7u8; 1500]);
    let a = scan_seekable(io::Cursor::new(&tar), tar.len() as u64).expect("seekable");
    let b = scan_stream(&tar[..], tar.len() as u64).expect("stream");
    assert_eq!(a.entries, b.entries);
    assert_eq!(a.path(&a.entries[0]), b.path(&b.entries[0]));
    assert_eq!(a.entries[0].uid, 5_000_000_000);
}

fn tar_of(files: &[(&str, usize)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, size) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(*size as u64);
        h.set_cksum();
        b.append_data(&mut h, name, &vec![b'x'; *size][..])
            .expect("append");
    }
    b.into_inner().expect("finish")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip to memory");
    enc.finish().expect("gzip to memory")
}

/// The error of a blob read both ways, which must agree.
fn error_of(blob: &[u8]) -> String {
    let seekable = scan_seekable(io::Cursor::new(blob), blob.len() as u64);
    let streamed = scan_stream(blob, blob.len() as u64);
    let (a, b) = (format!("{seekable:?}"), format!("{streamed:?}"));
    assert_eq!(a, b, "read from a file and from a stream alike");
    a
}

fn expect(error: LayerError) -> String {
    format!("{:?}", Err::<LayerContents, _>(error))
}

#[test]
fn a_layer_cut_short_is_truncated_and_says_where() {
    let tar = tar_of(&[("a", 100), ("b", 1000)]);
    let cases = [
        (300, Cut::Header(HeaderAt::First)),
        (512 + 512 + 300, Cut::Header(HeaderAt::After("a".into()))),
        (
            512 * 3 + 600,
            Cut::Data {
                entry: "b".into(),
                present: 600,
                size: 1000,
            },
        ),
    ];
    for (len, cut) in cases {
        let want = LayerError::Truncated {
            compression: None,
            cut,
        };
        assert_eq!(error_of(&tar[..len]), expect(want.clone()), "cut at {len}");
        // A gzip stream that is whole around a cut tar: the tar ends, not the stream.
        assert_eq!(
            error_of(&gzip(&tar[..len])),
            expect(want),
            "gzip, cut at {len}"
        );
    }
}

#[test]
fn a_header_with_a_wrong_checksum_is_corrupt() {
    let mut tar = tar_of(&[("a", 100), ("b", 10)]);
    tar[512 + 512 + 1] ^= 1;
    let want = || LayerError::CorruptHeader {
        header: HeaderAt::After("a".into()),
        reason: "archive header checksum mismatch".into(),
    };
    assert_eq!(error_of(&tar), expect(want()));
    assert_eq!(error_of(&gzip(&tar)), expect(want()));
}

#[test]
fn a_sparse_file_of_absurd_size_is_a_corrupt_header_of_that_entry() {
    let huge = MAX_SPARSE_SIZE * 2;
    let base256 = |field: &mut [u8; 12]| {
        field[0] = 0x80;
        field[4..].copy_from_slice(&huge.to_be_bytes());
    };
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(EntryType::GNUSparse);
    h.set_path("big").expect("path");
    h.set_size(0);
    let gnu = h.as_gnu_mut().expect("GNU header");
    base256(&mut gnu.realsize);
    // One block at `huge`, of no bytes: the file is all hole.
    base256(&mut gnu.sparse[0].offset);
    gnu.sparse[0].numbytes = *b"00000000000\0";
    h.set_cksum();
    let mut tar = h.as_bytes().to_vec();
    tar.extend_from_slice(&[0; 1024]);
    let want = LayerError::CorruptHeader {
        header: HeaderAt::Of("big".into()),
        reason: format!("sparse file /big claims {huge} bytes"),
    };
    assert_eq!(error_of(&tar), expect(want));
}

#[test]
fn bad_compressed_data_is_corrupt_data() {
    let mut gz = gzip(&tar_of(&[("a", 20_000)]));
    for b in &mut gz[40..60] {
        *b ^= 0x55;
    }
    let want = LayerError::CorruptData {
        compression: "gzip",
        reason: "corrupt deflate stream".into(),
    };
    assert_eq!(error_of(&gz), expect(want));
}

#[test]
fn xz_and_bzip2_are_named() {
    let xz = [0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2];
    let want = LayerError::Unsupported { compression: "xz" };
    assert_eq!(error_of(&xz), expect(want));
    let want = LayerError::Unsupported {
        compression: "bzip2",
    };
    assert_eq!(error_of(b"BZh91AY&SY"), expect(want));
}

/// Hands out `data`, then fails the way a disk does.
struct FailingDisk<'a>(&'a [u8]);

impl Read for FailingDisk<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::from_raw_os_error(5));
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_failed_read_is_an_io_error_not_a_broken_layer() {
    let tar = tar_of(&[("a", 100), ("b", 5000)]);
    let gz = gzip(&tar);
    for blob in [&tar[..2000], &gz[..gz.len() / 2]] {
        let got = scan_stream(FailingDisk(blob), tar.len() as u64);
        assert!(
            matches!(&got, Err(LayerError::Io(e)) if e.raw_os_error() == Some(5)),
            "{got:?}"
        );
    }
}

#[test]
fn sniffs_magic_bytes() {
    assert_eq!(sniff_compression(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
    assert_eq!(
        sniff_compression(&[0x28, 0xb5, 0x2f, 0xfd]),
        Compression::Zstd
    );
    assert_eq!(sniff_compression(b"usr/"), Compression::None);
    assert_eq!(sniff_compression(&[]), Compression::None);
}

/// A GNU-magic header of type `typeflag` claiming `size` bytes, with no data after it.
fn record_header(typeflag: u8, size: u64) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
    h.set_size(size);
    h.as_old_mut().linkflag = [typeflag];
    h.set_cksum();
    h.as_bytes().to_vec()
}

#[test]
fn an_oversize_long_name_or_pax_header_is_refused_before_it_is_read() {
    let huge = 5 << 30;
    for (flag, record) in [
        (b'L', Record::GnuLongName),
        (b'K', Record::GnuLongLink),
        (b'x', Record::Pax),
        (b'g', Record::PaxGlobal),
    ] {
        let mut tar = tar_of(&[("a", 10)]);
        tar.truncate(1024);
        tar.extend(record_header(flag, huge));
        // A few zeros stand for the gigabytes the header claims.
        tar.extend([0; 4096]);
        let want = LayerError::Oversize {
            at: HeaderAt::After("a".into()),
            oversize: Oversize { record, size: huge },
        };
        assert_eq!(error_of(&tar), expect(want.clone()), "{record}");
        assert_eq!(error_of(&gzip(&tar)), expect(want), "{record}, gzip");
    }
    let first = record_header(b'L', huge);
    let want = LayerError::Oversize {
        at: HeaderAt::First,
        oversize: Oversize {
            record: Record::GnuLongName,
            size: huge,
        },
    };
    assert_eq!(error_of(&first), expect(want));
}

#[test]
fn a_long_name_or_pax_header_within_the_caps_is_read() {
    let name = "d/".repeat(150) + "file";
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    b.append_data(&mut h, &name, &b"abc"[..])
        .expect("GNU long name");
    let pax_name = "p/".repeat(200) + "file";
    b.append_pax_extensions([("path", pax_name.as_bytes())])
        .expect("PAX header");
    let mut h = tar::Header::new_ustar();
    h.set_size(2);
    h.set_mode(0o644);
    h.set_path("short").expect("path");
    h.set_cksum();
    b.append(&h, &b"xy"[..]).expect("PAX entry");
    let tar = b.into_inner().expect("finish");
    for blob in [tar.clone(), gzip(&tar)] {
        let got = scan_seekable(io::Cursor::new(&blob), blob.len() as u64).expect("scans");
        let streamed = scan_stream(&blob[..], blob.len() as u64).expect("streams");
        for contents in [&got, &streamed] {
            let paths: Vec<&[u8]> = contents.entries.iter().map(|e| contents.path(e)).collect();
            assert_eq!(
                paths,
                [
                    format!("/{name}").as_bytes(),
                    format!("/{pax_name}").as_bytes()
                ]
            );
        }
    }
}

#[test]
fn a_pax_path_or_link_name_over_the_name_cap_is_refused() {
    let long = "n".repeat(70_000);
    let pax_entry = |key: &str, kind: EntryType| {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_path("a").expect("path");
        h.set_cksum();
        b.append(&h, &[][..]).expect("first entry");
        b.append_pax_extensions([(key, long.as_bytes())])
            .expect("PAX header");
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(kind);
        h.set_size(0);
        h.set_path("b").expect("path");
        h.set_cksum();
        b.append(&h, &[][..]).expect("PAX entry");
        b.into_inner().expect("finish")
    };
    let path = pax_entry("path", EntryType::Regular);
    let want = LayerError::Oversize {
        at: HeaderAt::After("a".into()),
        oversize: Oversize {
            record: Record::PaxPath,
            size: 70_000,
        },
    };
    assert_eq!(error_of(&path), expect(want));
    let link = pax_entry("linkpath", EntryType::Symlink);
    let want = LayerError::Oversize {
        at: HeaderAt::Of("b".into()),
        oversize: Oversize {
            record: Record::PaxLinkPath,
            size: 70_000,
        },
    };
    assert_eq!(error_of(&link), expect(want));
}
