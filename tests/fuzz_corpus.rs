//! Replays every fuzz corpus and regression file on stable, through the very functions the
//! cargo-fuzz targets call (`greenroom::fuzzing`): a seed, or a crasher that was fixed, that
//! crashes again fails `cargo test`. This is how CI runs each target briefly without nightly.
//! The targets themselves, and how to run them, are in `fuzz/` (README, "Fuzzing").

use greenroom::fuzzing::TARGETS;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs one target over its corpus and regressions; returns the files replayed and every
/// file that panicked, with its message.
fn replay(name: &str, target: fn(&[u8])) -> (usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    let mut failures = Vec::new();
    for folder in ["corpus", "regressions"] {
        for file in files_in(&root.join(folder).join(name)) {
            let data = std::fs::read(&file).unwrap();
            replayed += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| target(&data))) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{}: {message}", file.display()));
            }
        }
    }
    (replayed, failures)
}

fn check(name: &str) {
    let target = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no fuzz target {name}"));
    let (replayed, failures) = replay(name, target);
    assert!(replayed > 0, "fuzz/corpus/{name}/ has no seeds");
    assert!(failures.is_empty(), "{name}: {failures:#?}");
}

#[test]
fn every_target_has_a_test_here() {
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "yaml", "catalog", "render", "template", "search", "status", "config"
        ]
    );
    for name in names {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/fuzz_targets")
            .join(format!("{name}.rs"));
        assert!(bin.is_file(), "{} is missing", bin.display());
    }
}

#[test]
fn the_replay_reports_a_crashing_file() {
    fn crashes_on_x(data: &[u8]) {
        assert!(!data.contains(&b'x'), "found an x");
    }
    // Every yaml seed holds an x somewhere ("x0", "text", ...): the replay must say which.
    let (replayed, failures) = replay("yaml", crashes_on_x);
    assert!(replayed > 0);
    assert!(!failures.is_empty());
    assert!(failures[0].contains("fuzz/corpus/yaml/") && failures[0].contains("found an x"));
}

#[test]
fn yaml() {
    check("yaml");
}

#[test]
fn catalog() {
    check("catalog");
}

#[test]
fn render() {
    check("render");
}

#[test]
fn template() {
    check("template");
}

#[test]
fn search() {
    check("search");
}

#[test]
fn status() {
    check("status");
}

#[test]
fn config() {
    check("config");
}
