//! Fuzz target `catalog`: the body is `greenroom::fuzzing::catalog`, which `tests/fuzz_corpus.rs` also
//! replays on stable over `fuzz/corpus/catalog/` and `fuzz/regressions/catalog/`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| greenroom::fuzzing::catalog(data));
