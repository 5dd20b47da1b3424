//! Fuzz target `render`: the body is `greenroom::fuzzing::render`, which `tests/fuzz_corpus.rs` also
//! replays on stable over `fuzz/corpus/render/` and `fuzz/regressions/render/`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| greenroom::fuzzing::render(data));
