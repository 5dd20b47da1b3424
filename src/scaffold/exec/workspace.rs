//! The folder a run works in: a fresh temporary directory that no path may escape (`..`,
//! absolute paths, symlinks leading out), and the move of the finished result into its target,
//! which happens whole or not at all.

use std::io;
use std::path::{Component, Path, PathBuf};

pub struct Workspace {
    /// Canonical path of the temporary directory.
    root: PathBuf,
    dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Workspace({})", self.root.display())
    }
}

/// A file of the workspace, for listings and dry-run results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceFile {
    /// Relative, `/`-separated.
    pub path: String,
    pub content: Vec<u8>,
    pub executable: bool,
}

impl Workspace {
    /// A new empty workspace in the system's temporary folder.
    pub fn new() -> io::Result<Workspace> {
        let dir = tempfile::Builder::new()
            .prefix("greenroom-scaffold-")
            .tempdir()?;
        let root = std::fs::canonicalize(dir.path())?;
        Ok(Workspace {
            root,
            dir: Some(dir),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a path given by a template to a path inside the workspace, refusing absolute
    /// paths, `..` that leaves the workspace, and existing symlinks that lead outside it.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf, String> {
        resolve_inside(&self.root, rel)
    }

    /// Writes a file (creating folders), refusing paths that escape.
    pub fn write(&self, rel: &str, content: &[u8], executable: bool) -> Result<PathBuf, String> {
        let path = self.resolve(rel)?;
        write_file(&self.root, &path, content, executable)?;
        Ok(path)
    }

    /// Every file, depth first with each folder's entries sorted by name (as Node lists them).
    pub fn files(&self) -> io::Result<Vec<WorkspaceFile>> {
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&self.root)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = entry.map_err(io::Error::other)?;
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = relative_name(&self.root, entry.path());
            if rel.starts_with(".git/") {
                continue;
            }
            let content = if entry.file_type().is_symlink() {
                std::fs::read_link(entry.path())?
                    .to_string_lossy()
                    .into_owned()
                    .into_bytes()
            } else {
                std::fs::read(entry.path())?
            };
            out.push(WorkspaceFile {
                executable: is_executable(entry.path()),
                path: rel,
                content,
            });
        }
        Ok(out)
    }

    /// Takes the directory out of automatic clean-up (it is about to be moved).
    fn release(&mut self) -> PathBuf {
        if let Some(d) = self.dir.take() {
            let _ = d.keep();
        }
        self.root.clone()
    }
}

pub fn relative_name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(unix)]
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
pub fn is_executable(_path: &Path) -> bool {
    false
}

/// `root` joined with `rel`, if that stays inside `root` lexically and on disk.
pub fn resolve_inside(root: &Path, rel: &str) -> Result<PathBuf, String> {
    let refuse = |why: &str| Err(format!("refused path {rel:?}: {why}"));
    let given = Path::new(rel);
    if given.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') {
        return refuse("absolute paths are not allowed; paths are relative to the workspace");
    }
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in given.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return refuse("it would escape the workspace");
                }
            }
            Component::Normal(p) => parts.push(p),
            Component::RootDir | Component::Prefix(_) => {
                return refuse(
                    "absolute paths are not allowed; paths are relative to the workspace",
                );
            }
        }
    }
    // Walk down from the root: every existing step must stay inside once symlinks resolve.
    let mut cur = root.to_path_buf();
    for p in &parts {
        cur.push(p);
        match std::fs::symlink_metadata(&cur) {
            Err(_) => break,
            Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(&cur) {
                Ok(real) if real.starts_with(root) => {}
                _ => {
                    return refuse(
                        "it goes through a symbolic link that leads outside the workspace",
                    );
                }
            },
            Ok(_) => {}
        }
    }
    let mut out = root.to_path_buf();
    out.extend(parts);
    Ok(out)
}

/// Writes a file below `root`, creating its folders, never following a symlink out.
pub fn write_file(
    root: &Path,
    path: &Path,
    content: &[u8],
    executable: bool,
) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("creating {}: {e}", relative_name(root, parent)))?;
        let real = std::fs::canonicalize(parent).map_err(|e| e.to_string())?;
        if !real.starts_with(root) {
            return Err(format!(
                "refused path {:?}: it would escape the workspace",
                relative_name(root, path)
            ));
        }
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        std::fs::remove_file(path).map_err(|e| e.to_string())?;
    }
    std::fs::write(path, content)
        .map_err(|e| format!("writing {}: {e}", relative_name(root, path)))?;
    set_executable(path, executable);
    Ok(())
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) {
    use std::os::unix::fs::PermissionsExt;
    if executable {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
    }
}

#[cfg(not(unix))]
fn set_executable(_path: &Path, _executable: bool) {}

/// Whether a target folder exists with something in it (or is a file).
pub fn is_occupied(target: &Path) -> bool {
    match std::fs::symlink_metadata(target) {
        Err(_) => false,
        Ok(m) if m.is_dir() => std::fs::read_dir(target)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true),
        Ok(_) => true,
    }
}

/// Moves a finished workspace into `target`. Same filesystem: one rename. Otherwise the
/// contents are copied into a staging folder beside the target, which is then renamed, so the
/// target never holds a half-copied result. An occupied target is replaced only with
/// `overwrite` (the old one is moved aside first and restored if the move fails).
pub fn move_into_place(
    mut workspace: Workspace,
    target: &Path,
    overwrite: bool,
) -> Result<(), String> {
    if is_occupied(target) && !overwrite {
        return Err(format!(
            "{} already exists and is not empty; nothing was written (confirm to replace it)",
            target.display()
        ));
    }
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    let backup = if std::fs::symlink_metadata(target).is_ok() {
        let aside = tempfile::Builder::new()
            .prefix(".greenroom-replaced-")
            .tempdir_in(&parent)
            .map_err(|e| e.to_string())?
            .keep();
        let aside = aside.join("old");
        std::fs::rename(target, &aside)
            .map_err(|e| format!("moving the old {} aside: {e}", target.display()))?;
        Some(aside)
    } else {
        None
    };
    let result = place(&mut workspace, target, &parent);
    match (&result, backup) {
        (Ok(()), Some(old)) => {
            let _ = std::fs::remove_dir_all(old.parent().unwrap_or(&old));
        }
        (Err(_), Some(old)) => {
            let _ = std::fs::rename(&old, target);
            let _ = std::fs::remove_dir_all(old.parent().unwrap_or(&old));
        }
        _ => {}
    }
    result
}

fn place(workspace: &mut Workspace, target: &Path, parent: &Path) -> Result<(), String> {
    match std::fs::rename(workspace.root(), target) {
        Ok(()) => {
            workspace.release();
            return Ok(());
        }
        Err(e) if e.raw_os_error() == Some(18) || e.kind() == io::ErrorKind::CrossesDevices => {}
        Err(e) => return Err(format!("moving the result to {}: {e}", target.display())),
    }
    // Another filesystem: copy next to the target, then rename in one step.
    let staging = tempfile::Builder::new()
        .prefix(".greenroom-staging-")
        .tempdir_in(parent)
        .map_err(|e| format!("staging next to {}: {e}", target.display()))?;
    let staged = staging.path().join("result");
    copy_tree(workspace.root(), &staged).map_err(|e| format!("copying the result: {e}"))?;
    std::fs::rename(&staged, target)
        .map_err(|e| format!("moving the result to {}: {e}", target.display()))?;
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if ft.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else if ft.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_refused() {
        let ws = Workspace::new().unwrap();
        assert!(ws.resolve("a/b/../c.txt").is_ok());
        for bad in ["../x", "a/../../x", "/etc/passwd"] {
            let e = ws.resolve(bad).unwrap_err();
            assert!(e.starts_with("refused path"), "{bad}: {e}");
        }
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(outside.path(), ws.root().join("link")).unwrap();
            let e = ws.write("link/evil.txt", b"x", false).unwrap_err();
            assert!(e.contains("symbolic link"), "{e}");
            assert!(!outside.path().join("evil.txt").exists());
            std::os::unix::fs::symlink(ws.root().join("sub"), ws.root().join("inner")).unwrap();
            std::fs::create_dir(ws.root().join("sub")).unwrap();
            assert!(ws.write("inner/ok.txt", b"x", false).is_ok());
        }
    }

    #[test]
    fn occupied_targets_are_kept_unless_confirmed() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep.txt"), "mine").unwrap();
        let ws = Workspace::new().unwrap();
        ws.write("new.txt", b"new", false).unwrap();
        let e = move_into_place(ws, &target, false).unwrap_err();
        assert!(e.contains("already exists"), "{e}");
        assert_eq!(
            std::fs::read_to_string(target.join("keep.txt")).unwrap(),
            "mine"
        );
        let ws = Workspace::new().unwrap();
        ws.write("new.txt", b"new", false).unwrap();
        move_into_place(ws, &target, true).unwrap();
        assert!(!target.join("keep.txt").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("new.txt")).unwrap(),
            "new"
        );
        let leftovers: Vec<_> = std::fs::read_dir(parent.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only the target remains");
    }
}
