//! Fuzz target `yaml`: the body is `greenroom::fuzzing::yaml`, which `tests/fuzz_corpus.rs` also
//! replays on stable over `fuzz/corpus/yaml/` and `fuzz/regressions/yaml/`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| greenroom::fuzzing::yaml(data));
