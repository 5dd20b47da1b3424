//! Fuzz target `template`: the body is `greenroom::fuzzing::template`, which `tests/fuzz_corpus.rs` also
//! replays on stable over `fuzz/corpus/template/` and `fuzz/regressions/template/`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| greenroom::fuzzing::template(data));
