//! A real Backstage backend for the tests that need one (`tests/backstage_source.rs`,
//! `tests/scaffold_remote.rs`): `.ci/backstage.sh` started with a catalogue file and stopped
//! when dropped, or a backend someone else started with that catalogue
//! (GREENROOM_TEST_BACKSTAGE_URL and _TOKEN, where the caller allows it). When it cannot start,
//! the test is skipped with a notice outside CI and fails in CI (`CI=true`).

use std::path::PathBuf;

pub struct LiveBackstage {
    /// None: a backend someone else started.
    dir: Option<tempfile::TempDir>,
    pub url: String,
    pub token: String,
}

impl Drop for LiveBackstage {
    fn drop(&mut self) {
        let Some(dir) = &self.dir else { return };
        let _ = std::process::Command::new("bash")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".ci/backstage.sh"))
            .args(["stop", &dir.path().display().to_string()])
            .status();
    }
}

/// The backend named by GREENROOM_TEST_BACKSTAGE_URL and _TOKEN when both are set, else
/// [`start`].
#[allow(dead_code)]
pub fn from_env_or_start(catalog: &str) -> Option<LiveBackstage> {
    if let (Ok(url), Ok(token)) = (
        std::env::var("GREENROOM_TEST_BACKSTAGE_URL"),
        std::env::var("GREENROOM_TEST_BACKSTAGE_TOKEN"),
    ) {
        return Some(LiveBackstage {
            dir: None,
            url,
            token,
        });
    }
    start(catalog)
}

/// Starts `.ci/backstage.sh` with `catalog` (a descriptor file, relative to the repository)
/// as its one location; `None` (skipped) outside CI when it cannot start.
pub fn start(catalog: &str) -> Option<LiveBackstage> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(root.join(".ci/backstage.sh"))
        .arg("start")
        .arg(dir.path())
        .arg(root.join(catalog))
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let find = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::to_owned)
    };
    match (
        find("GREENROOM_TEST_BACKSTAGE_URL="),
        find("GREENROOM_TEST_BACKSTAGE_TOKEN="),
    ) {
        (Some(url), Some(token)) if out.status.success() => Some(LiveBackstage {
            dir: Some(dir),
            url,
            token,
        }),
        _ => {
            let why = format!(
                "cannot start Backstage with .ci/backstage.sh: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{why}");
            }
            eprintln!("SKIPPING the real-Backstage test outside CI: {why}");
            None
        }
    }
}
