//! A .dive-ci: read, its errors rendered, or checked against a fixed image in every format.
//! The input format is in `sizegate::fuzzing::dive_ci` and fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sizegate::fuzzing::dive_ci(data));
