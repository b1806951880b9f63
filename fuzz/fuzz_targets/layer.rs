//! One layer blob (the first byte picks plain, gzip or zstd), scanned seekable and streamed.
//! The input format is in `sizegate::fuzzing::layer` and fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sizegate::fuzzing::layer(data));
