//! Fuzz target `config`: the body is `greenroom::fuzzing::config`, which `tests/fuzz_corpus.rs` also
//! replays on stable over `fuzz/corpus/config/` and `fuzz/regressions/config/`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| greenroom::fuzzing::config(data));
