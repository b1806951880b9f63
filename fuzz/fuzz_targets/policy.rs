//! A sizegate.yml: read, its errors rendered, or checked against a fixed image in every format.
//! The input format is in `sizegate::fuzzing::policy` and fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sizegate::fuzzing::policy(data));
