//! A Dockerfile, NUL, then the created_by of each layer (NUL-separated): layers attributed to its stages.
//! The input format is in `sizegate::fuzzing::attribution` and fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sizegate::fuzzing::attribution(data));
