//! Fuzz target `status`: the body is `greenroom::fuzzing::status`, which `tests/fuzz_corpus.rs` also
//! replays on stable over `fuzz/corpus/status/` and `fuzz/regressions/status/`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| greenroom::fuzzing::status(data));
