//! Following the disk: the roots of the file sources are watched (inotify, FSEvents, … through
//! the `notify` crate; nothing runs while nothing changes), changes are debounced (quiet for
//! [`WATCH_QUIET`], at most [`WATCH_MAX_DELAY`] behind a stream of them), and then the
//! [`CatalogService`] reads the catalogue again and publishes it to every session, saying
//! which file changed. Changes inside `.git` and `node_modules` (never read as descriptors)
//! and reads (access events) are ignored.
//!
//! [`Debouncer`] is the timing alone, over instants it is given, so it is tested without a
//! clock.

use crate::CatalogService;
use greenroom_core::limits::{WATCH_MAX_DELAY, WATCH_QUIET};
use greenroom_core::sources::vfs::SKIPPED_DIRS;
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// When to act on a burst of changes: once it has been quiet for `quiet`, or `max_delay`
/// after its first change if it never goes quiet.
#[derive(Clone, Debug)]
pub struct Debouncer {
    quiet: Duration,
    max_delay: Duration,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Debouncer {
    pub fn new(quiet: Duration, max_delay: Duration) -> Debouncer {
        Debouncer {
            quiet,
            max_delay,
            first: None,
            last: None,
        }
    }

    /// A change seen at `now`.
    pub fn change(&mut self, now: Instant) {
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// When to act, if a burst is waiting.
    pub fn due(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + self.quiet).min(first + self.max_delay))
    }

    /// True (and the burst forgotten) when it is time to act at `now`.
    pub fn fire(&mut self, now: Instant) -> bool {
        if self.due().is_some_and(|d| d <= now) {
            self.first = None;
            self.last = None;
            true
        } else {
            false
        }
    }
}

/// Whether a change to `path` can matter to the catalogue: a file below a folder root (not in
/// `.git` or `node_modules`), or a file root itself (its folder is watched for it alone).
fn relevant(path: &Path, dirs: &[PathBuf], files: &[PathBuf]) -> bool {
    let below = |d: &PathBuf| {
        path.strip_prefix(d).is_ok_and(|rest| {
            !rest
                .components()
                .any(|c| SKIPPED_DIRS.iter().any(|s| c.as_os_str() == *s))
        })
    };
    files.iter().any(|f| f == path) || dirs.iter().any(below)
}

/// The watch on the file sources' roots; dropping it stops watching.
pub struct DiskWatch {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DiskWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DiskWatch {
    /// Watches `roots` (folders recursively; a file through its folder) and reloads `catalog`
    /// after each burst of changes. Call inside a tokio runtime. An error names the root that
    /// cannot be watched (too many watches: `fs.inotify.max_user_watches`).
    pub fn start(roots: &[PathBuf], catalog: CatalogService) -> Result<DiskWatch, String> {
        let (tx, rx) = unbounded_channel::<PathBuf>();
        let files: Vec<PathBuf> = roots.iter().filter(|r| r.is_file()).cloned().collect();
        let dirs: Vec<PathBuf> = roots.iter().filter(|r| !r.is_file()).cloned().collect();
        let file_roots = files.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else { return };
                if matches!(event.kind, EventKind::Access(_)) {
                    return;
                }
                for path in event.paths {
                    if relevant(&path, &dirs, &file_roots) {
                        let _ = tx.send(path);
                    }
                }
            })
            .map_err(|e| format!("cannot watch the disk: {e}"))?;
        for root in roots {
            let (path, mode) = if root.is_file() {
                match root.parent() {
                    Some(parent) => (parent.to_path_buf(), RecursiveMode::NonRecursive),
                    None => continue,
                }
            } else {
                (root.clone(), RecursiveMode::Recursive)
            };
            watcher
                .watch(&path, mode)
                .map_err(|e| format!("cannot watch {}: {e}", path.display()))?;
        }
        let task = tokio::spawn(follow(rx, catalog));
        Ok(DiskWatch {
            _watcher: watcher,
            task,
        })
    }
}

/// Waits for changes, debounces them, and reloads once per burst.
async fn follow(mut rx: UnboundedReceiver<PathBuf>, catalog: CatalogService) {
    let mut debounce = Debouncer::new(WATCH_QUIET, WATCH_MAX_DELAY);
    let mut changed: Vec<PathBuf> = Vec::new();
    loop {
        let due = debounce.due();
        tokio::select! {
            path = rx.recv() => {
                let Some(path) = path else { return };
                debounce.change(Instant::now());
                if !changed.contains(&path) && changed.len() < 100 {
                    changed.push(path);
                }
            }
            () = sleep_until(due) => {
                if debounce.fire(Instant::now()) {
                    let why = describe(&changed);
                    changed.clear();
                    tracing::info!("{why}: reading the catalogue again");
                    catalog.reload_because(why);
                }
            }
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

/// "catalog-info.yaml changed", "3 files changed". An editor's temporary file, gone by now
/// (saved through a rename), is not counted.
fn describe(changed: &[PathBuf]) -> String {
    let named: Vec<&PathBuf> = changed.iter().filter(|p| p.is_file()).collect();
    match named.as_slice() {
        [one] => format!(
            "{} changed",
            one.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
        [] if changed.len() == 1 => "a file changed".to_owned(),
        [] => format!("{} files changed", changed.len()),
        _ => format!("{} files changed", named.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_fires_once_after_it_goes_quiet() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut d = Debouncer::new(ms(300), ms(2000));
        assert_eq!(d.due(), None);
        assert!(!d.fire(t0 + ms(5000)), "nothing waiting");
        d.change(t0);
        d.change(t0 + ms(100));
        assert_eq!(d.due(), Some(t0 + ms(400)));
        assert!(!d.fire(t0 + ms(399)));
        assert!(d.fire(t0 + ms(400)));
        assert!(!d.fire(t0 + ms(800)), "only once");
    }

    #[test]
    fn changes_that_never_stop_still_fire_at_the_max_delay() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut d = Debouncer::new(ms(300), ms(2000));
        let mut fired = Vec::new();
        for i in 0..40 {
            let now = t0 + ms(i * 100);
            if d.fire(now) {
                fired.push(i * 100);
            }
            d.change(now);
        }
        assert_eq!(fired, [2000]);
    }

    #[test]
    fn git_node_modules_and_neighbours_of_a_file_root_do_not_count() {
        let dirs = [PathBuf::from("/src/app")];
        let files = [PathBuf::from("/home/me/catalog-info.yaml")];
        let counts = |p: &str| relevant(Path::new(p), &dirs, &files);
        assert!(counts("/src/app/catalog-info.yaml"));
        assert!(counts("/src/app/svc/openapi.yaml"));
        assert!(!counts("/src/app/.git/index.lock"));
        assert!(!counts("/src/app/node_modules/x/catalog-info.yaml"));
        assert!(counts("/home/me/catalog-info.yaml"));
        assert!(!counts("/home/me/.bash_history"));
    }
}
