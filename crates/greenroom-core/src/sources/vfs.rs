//! The file tree descriptors are read from: the real disk, or the demo organisation embedded in
//! the binary. Both look the same to the reader, so the demo goes through the very code path a
//! user's repositories do.

use globset::GlobMatcher;
use include_dir::Dir;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Directories never worth walking into.
pub const SKIPPED_DIRS: &[&str] = &[".git", "node_modules"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKind {
    File(u64),
    Dir,
    Missing,
}

/// Something found while walking a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalkItem {
    File(PathBuf),
    /// A symlink that leads back into a directory being walked.
    Loop {
        link: PathBuf,
        target: PathBuf,
    },
    Unreadable {
        path: PathBuf,
        reason: String,
    },
    /// A symlink that leads out of the catalogue root: not followed.
    Outside {
        link: PathBuf,
        target: PathBuf,
    },
}

pub trait Vfs: Send + Sync {
    /// The Backstage location type of files read from here (`file`, or `embedded` for the demo).
    fn location_type(&self) -> &'static str;
    /// The bytes of a regular file, at most `max_bytes` of them (see [`crate::fsread`]).
    fn read(&self, path: &Path, max_bytes: u64) -> io::Result<Vec<u8>>;
    fn kind(&self, path: &Path) -> PathKind;
    /// Files under `root` (sorted) whose path relative to `root` the matcher accepts, skipping
    /// [`SKIPPED_DIRS`] and reporting symlink loops instead of following them. Symlinks are
    /// followed only while they stay below `within` (a catalogue root, in identity form); the
    /// others are reported as [`WalkItem::Outside`].
    fn walk(&self, root: &Path, within: &Path, matcher: &dyn Fn(&Path) -> bool) -> Vec<WalkItem>;
    /// A path that is the same for every spelling of the same file (symlinks resolved).
    fn identity(&self, path: &Path) -> PathBuf;
    /// How to show the path to people.
    fn display(&self, path: &Path) -> String;
    /// What the cache compares to know a file unchanged: its size and modification time (in
    /// nanoseconds since the epoch), or `None` where files carry no such stamp (the demo).
    fn stamp(&self, _path: &Path) -> Option<(u64, i64)> {
        None
    }
}

/// Lexically resolves `.` and `..` (as Node's `path.join` does), without touching the disk.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() && !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Matches a glob against paths relative to a walk root.
pub fn glob_matcher(pattern: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()?
        .compile_matcher())
}

pub struct DiskFs {
    cwd: PathBuf,
}

impl DiskFs {
    pub fn new() -> Self {
        DiskFs {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }

    /// An absolute, normalized form of a path given on the command line.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }
}

impl Default for DiskFs {
    fn default() -> Self {
        Self::new()
    }
}

impl Vfs for DiskFs {
    fn location_type(&self) -> &'static str {
        "file"
    }

    fn read(&self, path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
        Ok(crate::fsread::read_regular(path, max_bytes)?)
    }

    fn kind(&self, path: &Path) -> PathKind {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => PathKind::Dir,
            Ok(m) => PathKind::File(m.len()),
            Err(_) => PathKind::Missing,
        }
    }

    fn stamp(&self, path: &Path) -> Option<(u64, i64)> {
        let m = std::fs::metadata(path).ok()?;
        let ns = match m.modified().ok()?.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
        };
        Some((m.len(), ns))
    }

    fn walk(&self, root: &Path, within: &Path, matcher: &dyn Fn(&Path) -> bool) -> Vec<WalkItem> {
        let mut items = Vec::new();
        let outside = std::cell::RefCell::new(Vec::new());
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() > 0
                    && e.file_type().is_dir()
                    && SKIPPED_DIRS.iter().any(|s| e.file_name() == *s)
                {
                    return false;
                }
                // A link (at any depth, the root too) is followed only while it stays inside.
                if e.path_is_symlink() {
                    let real = std::fs::canonicalize(e.path());
                    if !real.as_ref().is_ok_and(|r| r.starts_with(within)) {
                        outside.borrow_mut().push(WalkItem::Outside {
                            link: e.path().to_path_buf(),
                            target: real.unwrap_or_else(|_| {
                                std::fs::read_link(e.path()).unwrap_or_default()
                            }),
                        });
                        return false;
                    }
                }
                true
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel = e.path().strip_prefix(root).unwrap_or(e.path());
                    if matcher(rel) {
                        items.push(WalkItem::File(e.path().to_path_buf()));
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    let path = err.path().map(Path::to_path_buf).unwrap_or_default();
                    match err.loop_ancestor() {
                        Some(ancestor) => items.push(WalkItem::Loop {
                            link: path,
                            target: ancestor.to_path_buf(),
                        }),
                        None => {
                            let reason = err
                                .io_error()
                                .map_or_else(|| err.to_string(), ToString::to_string);
                            items.push(WalkItem::Unreadable { path, reason });
                        }
                    }
                }
            }
        }
        items.extend(outside.into_inner());
        items
    }

    fn identity(&self, path: &Path) -> PathBuf {
        // A path that does not exist (yet) is resolved as far as it exists, so it compares
        // with the resolved roots (a root under a symlinked /tmp, say).
        match std::fs::canonicalize(path) {
            Ok(real) => real,
            Err(_) => match (path.parent(), path.file_name()) {
                (Some(parent), Some(name)) if parent != path => self.identity(parent).join(name),
                _ => path.to_path_buf(),
            },
        }
    }

    fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.cwd) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
            _ => path.display().to_string(),
        }
    }
}

/// A directory tree compiled into the binary. Paths are absolute under a virtual `/`.
pub struct EmbeddedFs {
    dir: &'static Dir<'static>,
    /// Shown before paths, e.g. `demo`.
    label: &'static str,
}

impl EmbeddedFs {
    pub const fn new(dir: &'static Dir<'static>, label: &'static str) -> Self {
        EmbeddedFs { dir, label }
    }

    fn relative(path: &Path) -> &Path {
        path.strip_prefix("/").unwrap_or(path)
    }
}

impl Vfs for EmbeddedFs {
    fn location_type(&self) -> &'static str {
        "embedded"
    }

    fn read(&self, path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
        let file = self
            .dir
            .get_file(Self::relative(path))
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        if file.contents().len() as u64 > max_bytes {
            return Err(crate::fsread::ReadError::TooLarge {
                size: Some(file.contents().len() as u64),
                limit: max_bytes,
            }
            .into());
        }
        Ok(file.contents().to_vec())
    }

    fn kind(&self, path: &Path) -> PathKind {
        let rel = Self::relative(path);
        if rel.as_os_str().is_empty() || self.dir.get_dir(rel).is_some() {
            PathKind::Dir
        } else if let Some(f) = self.dir.get_file(rel) {
            PathKind::File(f.contents().len() as u64)
        } else {
            PathKind::Missing
        }
    }

    fn walk(&self, root: &Path, _within: &Path, matcher: &dyn Fn(&Path) -> bool) -> Vec<WalkItem> {
        let rel_root = Self::relative(root);
        let start = if rel_root.as_os_str().is_empty() {
            Some(self.dir)
        } else {
            self.dir.get_dir(rel_root)
        };
        let mut files = Vec::new();
        let mut todo: Vec<&Dir> = start.into_iter().collect();
        while let Some(d) = todo.pop() {
            for f in d.files() {
                let rel = f.path().strip_prefix(rel_root).unwrap_or(f.path());
                if matcher(rel) {
                    files.push(Path::new("/").join(f.path()));
                }
            }
            todo.extend(d.dirs().filter(|sub| {
                !SKIPPED_DIRS
                    .iter()
                    .any(|s| sub.path().file_name() == Some(s.as_ref()))
            }));
        }
        files.sort();
        files.into_iter().map(WalkItem::File).collect()
    }

    fn identity(&self, path: &Path) -> PathBuf {
        normalize(path)
    }

    fn display(&self, path: &Path) -> String {
        format!("{}/{}", self.label, Self::relative(path).display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_like_path_join() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(normalize(Path::new("/../x")), PathBuf::from("/x"));
        assert_eq!(normalize(Path::new("a/../../x")), PathBuf::from("../x"));
    }

    #[test]
    fn glob_respects_separators() {
        let m = glob_matcher("*.yaml").unwrap();
        assert!(m.is_match("a.yaml"));
        assert!(!m.is_match("x/a.yaml"));
        let m = glob_matcher("**/catalog-info.{yaml,yml}").unwrap();
        assert!(m.is_match("catalog-info.yaml"));
        assert!(m.is_match("x/y/catalog-info.yml"));
    }

    #[cfg(unix)]
    #[test]
    fn disk_walk_reports_symlink_loops_and_skips_vendored_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/node_modules/x")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join("a/catalog-info.yaml"), "x").unwrap();
        std::fs::write(root.join("a/node_modules/x/catalog-info.yaml"), "x").unwrap();
        std::fs::write(root.join(".git/catalog-info.yaml"), "x").unwrap();
        std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
        let m = glob_matcher("catalog-info.yaml").unwrap();
        let fs = DiskFs::new();
        let items = fs.walk(root, root, &|p| {
            p.file_name().is_some_and(|n| m.is_match(n))
        });
        let files: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                WalkItem::File(f) => Some(f.strip_prefix(root).unwrap().to_path_buf()),
                _ => None,
            })
            .collect();
        assert_eq!(files, vec![PathBuf::from("a/catalog-info.yaml")]);
        assert!(
            items.iter().any(|i| matches!(i, WalkItem::Loop { .. })),
            "{items:?}"
        );
    }
}
