//! A Dockerfile, read as `check --dockerfile` reads it.
//! The input format is in `sizegate::fuzzing::dockerfile` and fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sizegate::fuzzing::dockerfile(data));
