//! Where a template's own files (skeletons) are read from: the disk, the demo tree compiled into
//! the binary, or memory (a dry run's `directoryContents`, tests). Reading is all the scaffolder
//! does here; writing happens only in its workspace.

use crate::sources::vfs::normalize;
use include_dir::Dir;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file below a directory being fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Relative to the fetched directory, `/`-separated.
    pub path: String,
    pub executable: bool,
}

pub trait TemplateFiles: Send + Sync {
    /// The files below `dir` (absolute within this source), sorted by path. Symbolic links are
    /// not followed out of the tree.
    fn list(&self, dir: &Path) -> io::Result<Vec<SourceFile>>;
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    fn is_executable(&self, _path: &Path) -> bool {
        false
    }
    /// Where a path really is, symbolic links resolved (an error when it does not exist).
    /// Trees without links answer with the path itself.
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(normalize(path))
    }
}

/// A template's base: the folder its `template.yaml` is in, in some file tree. Relative
/// action URLs (`./skeleton`) resolve against it.
#[derive(Clone)]
pub struct TemplateBase {
    pub files: Arc<dyn TemplateFiles>,
    pub dir: PathBuf,
}

impl std::fmt::Debug for TemplateBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TemplateBase({})", self.dir.display())
    }
}

impl TemplateBase {
    pub fn disk(dir: impl Into<PathBuf>) -> TemplateBase {
        TemplateBase {
            files: Arc::new(DiskFiles),
            dir: dir.into(),
        }
    }

    /// Resolves an action's `url` input against the template's folder, confining reads as
    /// writes are confined: `file://` URLs, absolute paths, `..` leading out and symbolic links
    /// whose real path is outside the folder are refused (a shared template must not copy
    /// `~/.ssh` into the repository it generates). Remote URLs are not fetched locally.
    pub fn resolve(&self, url: &str) -> Result<PathBuf, String> {
        let refuse = |why: &str| {
            Err(format!(
                "refused {url:?}: {why}; a template reads only files inside the template's folder ({})",
                self.dir.display()
            ))
        };
        if url.starts_with("file:") {
            return refuse("file: URLs point outside the template's folder");
        }
        if url.contains("://") {
            return Err(format!(
                "fetching {url} is not supported when running locally: greenroom reads skeletons only from the template's own folder"
            ));
        }
        if Path::new(url).is_absolute() || url.starts_with('/') || url.starts_with('\\') {
            return refuse("absolute paths point outside the template's folder");
        }
        let dir = normalize(&self.dir);
        let path = normalize(&dir.join(url));
        if !path.starts_with(&dir) {
            return refuse("it leads outside the template's folder");
        }
        // Symbolic links: where the path really is must be inside where the folder really is.
        if let Ok(real) = self.files.real_path(&path) {
            let real_dir = self.files.real_path(&dir).unwrap_or(dir);
            if !real.starts_with(&real_dir) {
                return refuse("a symbolic link leads outside the template's folder");
            }
        }
        Ok(path)
    }
}

/// Files on disk.
pub struct DiskFiles;

impl TemplateFiles for DiskFiles {
    fn list(&self, dir: &Path) -> io::Result<Vec<SourceFile>> {
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such directory: {}", dir.display()),
            ));
        }
        let mut out = Vec::new();
        // Walked where it really is (the folder itself may be a link that stays inside).
        let real_dir = std::fs::canonicalize(dir)?;
        for entry in walkdir::WalkDir::new(&real_dir)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = entry.map_err(io::Error::other)?;
            let ft = entry.file_type();
            if ft.is_dir() {
                continue;
            }
            if ft.is_symlink() {
                // A link is read through (its content copied), but only within the folder.
                let inside = std::fs::canonicalize(entry.path())
                    .is_ok_and(|real| real.starts_with(&real_dir) && real.is_file());
                if !inside {
                    return Err(io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        format!(
                            "refused: the symbolic link {} leads outside the template folder (or to a folder)",
                            entry.path().display()
                        ),
                    ));
                }
            }
            let rel = entry.path().strip_prefix(&real_dir).unwrap_or(entry.path());
            let path = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push(SourceFile {
                executable: self.is_executable(entry.path()),
                path,
            });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        // Skeleton files come from whoever wrote the template: a FIFO must not hang the run.
        Ok(crate::fsread::read_regular(
            path,
            crate::limits::FILE_BYTES,
        )?)
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    #[cfg(unix)]
    fn is_executable(&self, path: &Path) -> bool {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(path)
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
}

/// A tree compiled into the binary (the demo), under a virtual `/`.
pub struct EmbeddedFiles(pub &'static Dir<'static>);

impl EmbeddedFiles {
    fn rel(path: &Path) -> &Path {
        path.strip_prefix("/").unwrap_or(path)
    }
}

impl TemplateFiles for EmbeddedFiles {
    fn list(&self, dir: &Path) -> io::Result<Vec<SourceFile>> {
        let rel_root = Self::rel(dir);
        let start = if rel_root.as_os_str().is_empty() {
            Some(self.0)
        } else {
            self.0.get_dir(rel_root)
        };
        let start = start.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such directory: {}", dir.display()),
            )
        })?;
        let mut out = Vec::new();
        let mut todo = vec![start];
        while let Some(d) = todo.pop() {
            for f in d.files() {
                let rel = f.path().strip_prefix(rel_root).unwrap_or(f.path());
                out.push(SourceFile {
                    path: rel.to_string_lossy().replace('\\', "/"),
                    executable: false,
                });
            }
            todo.extend(d.dirs());
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0
            .get_file(Self::rel(path))
            .map(|f| f.contents().to_vec())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no such file: {}", path.display()),
                )
            })
    }

    fn is_dir(&self, path: &Path) -> bool {
        let rel = Self::rel(path);
        rel.as_os_str().is_empty() || self.0.get_dir(rel).is_some()
    }

    fn is_file(&self, path: &Path) -> bool {
        self.0.get_file(Self::rel(path)).is_some()
    }
}

/// Files held in memory: absolute path → (content, executable).
#[derive(Default)]
pub struct MemoryFiles {
    files: BTreeMap<PathBuf, (Vec<u8>, bool)>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(
        &mut self,
        path: impl Into<PathBuf>,
        content: impl Into<Vec<u8>>,
        executable: bool,
    ) {
        self.files
            .insert(normalize(&path.into()), (content.into(), executable));
    }
}

impl TemplateFiles for MemoryFiles {
    fn list(&self, dir: &Path) -> io::Result<Vec<SourceFile>> {
        let out: Vec<SourceFile> = self
            .files
            .iter()
            .filter_map(|(p, (_, x))| {
                let rel = p.strip_prefix(dir).ok()?;
                (!rel.as_os_str().is_empty()).then(|| SourceFile {
                    path: rel.to_string_lossy().replace('\\', "/"),
                    executable: *x,
                })
            })
            .collect();
        if out.is_empty() && !self.is_dir(dir) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such directory: {}", dir.display()),
            ));
        }
        Ok(out)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .map(|(c, _)| c.clone())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no such file: {}", path.display()),
                )
            })
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|p| p.starts_with(path) && p != path)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&normalize(path))
    }

    fn is_executable(&self, path: &Path) -> bool {
        self.files.get(&normalize(path)).is_some_and(|(_, x)| *x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use include_dir::include_dir;

    static TREE: Dir<'static> =
        include_dir!("$CARGO_MANIFEST_DIR/../../tests/fixtures/scaffold/dry-run/create-app-nodejs");

    #[test]
    fn embedded_and_memory_trees_list_like_the_disk() {
        let embedded = EmbeddedFiles(&TREE);
        let listed: Vec<String> = embedded
            .list(Path::new("/template/content"))
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(listed, ["catalog-info.yaml", "index.js", "package.json"]);
        assert!(
            embedded.is_dir(Path::new("/template")) && embedded.is_file(Path::new("/values.json"))
        );
        let disk_root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/scaffold/dry-run/create-app-nodejs");
        let on_disk: Vec<String> = DiskFiles
            .list(&disk_root.join("template/content"))
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(listed, on_disk);
        let mut mem = MemoryFiles::new();
        mem.insert("/t/skeleton/a.txt", "a", false);
        mem.insert("/t/skeleton/b/c.sh", "c", true);
        let listed = mem.list(Path::new("/t/skeleton")).unwrap();
        assert_eq!(
            listed[1],
            SourceFile {
                path: "b/c.sh".into(),
                executable: true
            }
        );
        assert!(mem.list(Path::new("/t/none")).is_err());
        let base = TemplateBase {
            files: Arc::new(EmbeddedFiles(&TREE)),
            dir: "/template".into(),
        };
        assert_eq!(
            base.resolve("./content").unwrap(),
            PathBuf::from("/template/content")
        );
        assert!(base.resolve("https://github.com/x/y").is_err());
        for outside in [
            "file:///etc/shadow",
            "file:../values.json",
            "/values.json",
            "../values.json",
            "./content/../../values.json",
        ] {
            let e = base.resolve(outside).unwrap_err();
            assert!(e.starts_with("refused"), "{outside}: {e}");
        }
    }
}
