//! A saved JSON report read as a base (`diff`, `check --baseline`), compared and rendered.
//! The input format is in `sizegate::fuzzing::report` and fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sizegate::fuzzing::report(data));
