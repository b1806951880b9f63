//! manifest.json / index.json / manifests / configs (NUL-separated) for the planners of src/source/plan/.
//! The input format is in `sizegate::fuzzing::metadata` and fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sizegate::fuzzing::metadata(data));
