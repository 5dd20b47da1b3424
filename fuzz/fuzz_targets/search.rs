//! Fuzz target `search`: the body is `greenroom::fuzzing::search`, which `tests/fuzz_corpus.rs` also
//! replays on stable over `fuzz/corpus/search/` and `fuzz/regressions/search/`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| greenroom::fuzzing::search(data));
