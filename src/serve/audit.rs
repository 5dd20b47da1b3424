//! The SSH server's audit log: who connected from where with which key, who was refused and
//! why, what each session ran that acts on the world (reloads, template runs, saved layouts,
//! Port actions and approvals), when it ended, and when the authorised keys were read again. One JSON object a line, appended, in the state dir beside the log file,
//! readable only by the server's user. Values are sanitised before they are written (a key's
//! comment or a peer's name must not carry escape sequences into someone's terminal); secrets
//! never reach it (keys appear as fingerprints).

use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// The audit log's name in the state dir.
pub const AUDIT_FILE: &str = "serve-audit.log";

/// One thing worth recording.
#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    Start {
        listen: &'a str,
        host_key: &'a str,
    },
    /// A key was accepted.
    Login {
        peer: &'a str,
        fingerprint: &'a str,
        identity: Option<&'a str>,
    },
    /// Authentication or a request was refused.
    Refused {
        peer: &'a str,
        fingerprint: Option<&'a str>,
        why: &'a str,
    },
    SessionStart {
        session: u64,
        peer: &'a str,
        fingerprint: &'a str,
        identity: Option<&'a str>,
        term: &'a str,
    },
    Action {
        session: u64,
        identity: Option<&'a str>,
        action: &'a str,
    },
    SessionEnd {
        session: u64,
        why: &'a str,
    },
    /// The authorized_keys files were read again (`why`: changed, SIGHUP).
    KeysReloaded {
        why: &'a str,
        keys: usize,
        authorities: usize,
        problems: &'a str,
    },
}

/// The audit log, shared by every connection.
pub struct Audit {
    file: Mutex<Option<std::fs::File>>,
}

impl Audit {
    /// Opens (creating 0600) the log for appending.
    pub fn open(path: &Path) -> std::io::Result<Audit> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        Ok(Audit {
            file: Mutex::new(Some(options.open(path)?)),
        })
    }

    /// A log that records nothing (tests that do not look at it).
    pub fn none() -> Audit {
        Audit {
            file: Mutex::new(None),
        }
    }

    pub fn record(&self, event: &Event<'_>) {
        let line = line(super::now(), event);
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = file.as_mut()
            && let Err(e) = f.write_all(line.as_bytes())
        {
            tracing::warn!("writing the audit log: {e}");
        }
    }
}

/// One line of the log: the time, then the event's fields, sanitised.
pub fn line(time: u64, event: &Event<'_>) -> String {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        for v in map.values_mut() {
            if let Some(s) = v.as_str() {
                *v = serde_json::Value::String(crate::text::sanitize_line(s).into_owned());
            }
        }
        map.insert("time".into(), time.into());
    }
    let mut s = value.to_string();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_with_the_time_and_no_escapes() {
        let l = line(
            42,
            &Event::Refused {
                peer: "127.0.0.1:5000",
                fingerprint: Some("SHA256:abc"),
                why: "unknown key \x1b[31m",
            },
        );
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["event"], "refused");
        assert_eq!(v["time"], 42);
        assert!(!v["why"].as_str().unwrap().contains('\x1b'));
        assert!(l.ends_with('\n'));
    }

    #[test]
    fn the_file_is_private_and_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(AUDIT_FILE);
        for _ in 0..2 {
            let audit = Audit::open(&path).unwrap();
            audit.record(&Event::SessionEnd {
                session: 1,
                why: "quit",
            });
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
