//! Starred entities: refs the user marked, kept across sessions in the state dir (one ref a
//! line), written atomically (a temporary file beside it, then renamed) so a crash never
//! leaves half a list.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stars {
    /// Where they are kept; None keeps them for this session only.
    pub path: Option<PathBuf>,
    pub keys: BTreeSet<String>,
}

impl Stars {
    /// Reads the list at `path` (none yet is an empty list). A file that cannot be read
    /// gives an empty list and the reason.
    pub fn load(path: PathBuf) -> (Stars, Option<String>) {
        let mut stars = Stars {
            path: Some(path.clone()),
            keys: BTreeSet::new(),
        };
        let text = match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (stars, None),
            Err(e) => return (stars, Some(format!("{}: {e}", path.display()))),
            Ok(m) if !m.is_file() => {
                return (
                    stars,
                    Some(format!("{}: not a regular file", path.display())),
                );
            }
            Ok(m) if m.len() > crate::limits::SETTINGS_FILE_BYTES => {
                return (
                    stars,
                    Some(format!(
                        "{}: larger than {} bytes, not read",
                        path.display(),
                        crate::limits::SETTINGS_FILE_BYTES
                    )),
                );
            }
            Ok(_) => match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => return (stars, Some(format!("{}: {e}", path.display()))),
            },
        };
        stars.keys = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
        (stars, None)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains(key)
    }

    /// Stars or unstars `key`, saving the list; returns whether it is now starred.
    pub fn toggle(&mut self, key: &str) -> Result<bool, String> {
        let now = if self.keys.remove(key) {
            false
        } else {
            self.keys.insert(key.to_owned());
            true
        };
        self.save()?;
        Ok(now)
    }

    /// Writes the list: a temporary file in the same folder, synced, renamed over the old.
    pub fn save(&self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut text = String::from("# greenroom: starred entities, one ref a line\n");
        for k in &self.keys {
            text.push_str(k);
            text.push('\n');
        }
        tmp.write_all(text.as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        tmp.persist(path)
            .map_err(|e| format!("{}: {}", path.display(), e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_persist_and_toggle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/starred");
        let (mut s, err) = Stars::load(path.clone());
        assert!(err.is_none());
        assert!(s.keys.is_empty());
        assert_eq!(s.toggle("component:default/a"), Ok(true));
        assert_eq!(s.toggle("api:default/b"), Ok(true));
        assert_eq!(s.toggle("component:default/a"), Ok(false));
        let (again, err) = Stars::load(path.clone());
        assert!(err.is_none());
        assert_eq!(
            again.keys.into_iter().collect::<Vec<_>>(),
            ["api:default/b"]
        );
        // Only the list is left in the folder: no temporary files.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("state"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["starred"]);
    }

    #[test]
    fn an_unreadable_list_is_a_reason_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let (s, err) = Stars::load(dir.path().to_path_buf());
        assert!(s.keys.is_empty());
        assert!(err.unwrap().contains("not a regular file"));
    }
}
