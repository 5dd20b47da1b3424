//! Logs go to a file in the state directory, never to the terminal (the portal owns the
//! screen). `GREENROOM_LOG` sets the filter (`info` by default, e.g. `greenroom=debug`).

use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

/// Starts logging to `file`; does nothing (and says nothing) when the file cannot be opened.
pub fn init(file: &Path) {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(out) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    else {
        return;
    };
    let filter =
        EnvFilter::try_from_env("GREENROOM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(out))
        .try_init();
}
