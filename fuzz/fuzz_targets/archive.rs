//! A whole image archive (docker-archive, oci-archive, plain or gzip/zstd), read from a file and as a stream.
//! The input format is in `sizegate::fuzzing::archive` and fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sizegate::fuzzing::archive(data));
