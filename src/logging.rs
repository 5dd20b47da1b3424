//! Logs go to a file in the state directory, never to the terminal (the portal owns the
//! screen). `GREENROOM_LOG` sets the filter (`info` by default, e.g. `greenroom=debug`).
//! The file is private (0600) and its directory is not writable by others (0700 when created):
//! logs name hosts, entities and paths, and panic reports land here too.

use std::fs::File;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

/// Opens the log file for appending, creating it (and its directory) private to the user, and
/// tightening a file or directory left readable or writable by others.
pub fn open(file: &Path) -> std::io::Result<File> {
    if let Some(dir) = file.parent() {
        create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let out = options.open(file)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = out.metadata()?;
        if meta.permissions().mode() & 0o077 != 0 {
            out.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(out)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir)?;
        let mode = meta.permissions().mode();
        // SAFETY: getuid cannot fail.
        let mine = std::os::unix::fs::MetadataExt::uid(&meta) == unsafe { libc::getuid() };
        if mine && mode & 0o022 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & !0o022))?;
        }
    }
    Ok(())
}

/// Starts logging to `file`; does nothing (and says nothing) when the file cannot be opened.
pub fn init(file: &Path) {
    let Ok(out) = open(file) else {
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_log_file_is_private_and_its_directory_not_writable_by_others() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("state/greenroom/greenroom.log");
        open(&log).unwrap();
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(log.parent().unwrap()) & 0o022, 0);
        // A file and directory left open by an older version are tightened.
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(
            log.parent().unwrap(),
            std::fs::Permissions::from_mode(0o777),
        )
        .unwrap();
        open(&log).unwrap();
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(log.parent().unwrap()), 0o755);
    }
}
