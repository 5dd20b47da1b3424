//! The folder a run works in: a fresh temporary directory that no path may escape (`..`,
//! absolute paths, symlinks leading out), and the move of the finished result into its target,
//! which happens whole or not at all.
//!
//! Live workspaces are registered so a handled signal can remove them ([`cleanup_all`]), and
//! the first workspace of a process sweeps ones that crashed processes left behind (older than
//! a day, owning pid gone; never another live greenroom's).

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Workspace folders are named `greenroom-scaffold-<pid>-<random>`.
const PREFIX: &str = "greenroom-scaffold-";

/// Folders of runs in progress, removable all at once.
pub struct LiveWorkspaces {
    paths: Mutex<Vec<PathBuf>>,
}

impl LiveWorkspaces {
    pub const fn new() -> LiveWorkspaces {
        LiveWorkspaces {
            paths: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PathBuf>> {
        self.paths.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, path: &Path) {
        self.lock().push(path.to_path_buf());
    }

    fn remove(&self, path: &Path) {
        self.lock().retain(|p| p != path);
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.lock().iter().any(|p| p == path)
    }

    /// Removes every registered folder (and forgets it); returns how many were removed.
    pub fn cleanup_all(&self) -> usize {
        let paths = std::mem::take(&mut *self.lock());
        paths
            .iter()
            .filter(|p| std::fs::remove_dir_all(p).is_ok())
            .count()
    }
}

impl Default for LiveWorkspaces {
    fn default() -> Self {
        Self::new()
    }
}

/// The process's live workspaces (and cross-filesystem staging folders).
pub static LIVE: LiveWorkspaces = LiveWorkspaces::new();

/// Removes the temporary folders of every scaffold run in progress. For the signal path
/// (SIGTERM, SIGHUP, SIGINT handled): call before exiting. Returns how many were removed.
pub fn cleanup_all() -> usize {
    LIVE.cleanup_all()
}

/// How old a leftover workspace must be before the sweep removes it.
const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Removes leftover workspaces in `dir`: named `greenroom-scaffold-<pid>-…`, a real folder
/// (not a link) owned by this user, last modified before `now - STALE_AFTER`, and whose pid
/// is not running. Returns what was removed.
pub fn sweep_stale(dir: &Path, now: SystemTime) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if !meta.is_dir() || !old || !owned_by_me(&meta) || process_alive(pid) {
            continue;
        }
        if std::fs::remove_dir_all(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

#[cfg(unix)]
fn owned_by_me(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid has no preconditions.
    meta.uid() == unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn owned_by_me(_meta: &std::fs::Metadata) -> bool {
    true
}

/// Whether a process with this id exists (when unsure, it does).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    if pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

pub struct Workspace {
    /// Canonical path of the temporary directory.
    root: PathBuf,
    dir: Option<tempfile::TempDir>,
    live: &'static LiveWorkspaces,
    /// What the run wrote, file by file (see [`crate::limits::SCAFFOLD_RUN_BYTES`]).
    written: std::sync::Mutex<std::collections::HashMap<PathBuf, u64>>,
    /// The most the run may write ([`crate::limits::SCAFFOLD_RUN_BYTES`]; tests lower it).
    limit: u64,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        self.live.remove(&self.root);
    }
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
        static SWEPT: std::sync::Once = std::sync::Once::new();
        SWEPT.call_once(|| {
            sweep_stale(&std::env::temp_dir(), SystemTime::now());
        });
        Self::registered_in(&LIVE)
    }

    /// A new workspace registered in `live` (tests use their own registry).
    pub fn registered_in(live: &'static LiveWorkspaces) -> io::Result<Workspace> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .tempdir()?;
        let root = std::fs::canonicalize(dir.path())?;
        live.add(&root);
        Ok(Workspace {
            root,
            dir: Some(dir),
            live,
            written: Default::default(),
            limit: crate::limits::SCAFFOLD_RUN_BYTES,
        })
    }

    /// The same workspace with another cap on what the run writes (tests).
    pub fn with_limit(mut self, limit: u64) -> Workspace {
        self.limit = limit;
        self
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
    /// Refused when the run's output would pass its limit.
    pub fn write(&self, rel: &str, content: &[u8], executable: bool) -> Result<PathBuf, String> {
        let path = self.resolve(rel)?;
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let total: u64 = written.values().sum();
        let after = total - written.get(&path).copied().unwrap_or(0) + content.len() as u64;
        if after > self.limit {
            return Err(format!(
                "writing {} would take this run's output past its {} byte limit; stopped",
                relative_name(&self.root, &path),
                self.limit
            ));
        }
        write_file(&self.root, &path, content, executable)?;
        written.insert(path.clone(), content.len() as u64);
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
        self.live.remove(&self.root);
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
    if !root.is_dir() {
        return Err("the workspace was removed (greenroom is exiting)".into());
    }
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
    LIVE.add(staging.path());
    let staged = staging.path().join("result");
    let moved = copy_tree(workspace.root(), &staged)
        .map_err(|e| format!("copying the result: {e}"))
        .and_then(|()| {
            std::fs::rename(&staged, target)
                .map_err(|e| format!("moving the result to {}: {e}", target.display()))
        });
    LIVE.remove(staging.path());
    moved
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
    fn a_run_writes_no_more_than_its_limit() {
        let ws = Workspace::new().unwrap().with_limit(10);
        ws.write("a.txt", b"123456", false).unwrap();
        // Written again: counted at its new size, not twice.
        ws.write("a.txt", b"654321", false).unwrap();
        let e = ws.write("dir/b.txt", b"123456", false).unwrap_err();
        assert!(
            e.contains("dir/b.txt") && e.contains("10 byte limit"),
            "{e}"
        );
        assert!(!ws.root().join("dir/b.txt").exists());
        ws.write("dir/b.txt", b"1234", false).unwrap();
        assert_eq!(
            crate::limits::SCAFFOLD_RUN_BYTES,
            Workspace::new().unwrap().limit
        );
    }

    #[test]
    fn live_workspaces_are_registered_and_removed_by_cleanup() {
        let ws = Workspace::new().unwrap();
        assert!(LIVE.contains(ws.root()), "the process registry knows it");
        let name = ws
            .root()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(&format!("greenroom-scaffold-{}-", std::process::id())),
            "{name}"
        );
        let root = ws.root().to_path_buf();
        drop(ws);
        assert!(!LIVE.contains(&root) && !root.exists());

        // Its own registry, so the test does not remove other tests' workspaces.
        static MINE: LiveWorkspaces = LiveWorkspaces::new();
        let a = Workspace::registered_in(&MINE).unwrap();
        let b = Workspace::registered_in(&MINE).unwrap();
        a.write("x/y.txt", b"half", false).unwrap();
        assert_eq!(MINE.cleanup_all(), 2);
        assert!(!a.root().exists() && !b.root().exists());
        // A step still running cannot bring the folder back.
        assert!(a.write("z.txt", b"late", false).is_err());
        assert!(!a.root().exists());
        drop((a, b));
        assert_eq!(MINE.cleanup_all(), 0);
    }

    #[test]
    fn the_sweep_removes_only_old_folders_of_dead_processes() {
        let tmp = tempfile::tempdir().unwrap();
        let dead = {
            let mut child = std::process::Command::new("true").spawn().unwrap();
            let pid = child.id();
            child.wait().unwrap();
            pid
        };
        let me = std::process::id();
        let mk = |name: &str| {
            let p = tmp.path().join(name);
            std::fs::create_dir(&p).unwrap();
            std::fs::write(p.join("f"), "x").unwrap();
            p
        };
        let stale = mk(&format!("greenroom-scaffold-{dead}-abc"));
        let live = mk(&format!("greenroom-scaffold-{me}-abc"));
        let legacy = mk("greenroom-scaffold-abcdef");
        let other = mk(&format!("something-else-{dead}-abc"));
        // "Now" is the folders' own modification time (the file system's clock), so the test
        // holds whatever the process's clock says (CI runs it a year ahead too).
        let made = std::fs::metadata(&stale).unwrap().modified().unwrap();
        // Not old yet: nothing goes.
        assert!(sweep_stale(tmp.path(), made + Duration::from_secs(60)).is_empty());
        // Two days on (an injected clock): only the dead process's folder goes.
        let later = made + Duration::from_secs(2 * 24 * 3600);
        assert_eq!(sweep_stale(tmp.path(), later), vec![stale.clone()]);
        assert!(!stale.exists() && live.exists() && legacy.exists() && other.exists());
        #[cfg(unix)]
        {
            // A link with the right name is not followed.
            let target = mk("precious");
            let link = tmp.path().join(format!("greenroom-scaffold-{dead}-lnk"));
            std::os::unix::fs::symlink(&target, &link).unwrap();
            assert!(sweep_stale(tmp.path(), later).is_empty());
            assert!(target.join("f").exists());
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
