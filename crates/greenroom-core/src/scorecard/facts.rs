//! What rules read besides the catalogue: live facts from the status service (on call now, the
//! last CI run, firing alerts, health), each with its age, and files in the entity's repository
//! folder (confined to it, read through `fsread`).

use crate::catalog::Entity;
use crate::fsread;
use crate::limits;
use crate::status::store::StatusStore;
use crate::status::target::{Widget, targets_for};
use crate::status::value::StatusValue;
use crate::status::{Entry, StatusConfig};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The live facts rules can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiveFact {
    /// Someone is on call now (PagerDuty).
    OnCall,
    /// The last finished CI run on the default branch succeeded (GitHub Actions, GitLab).
    Ci,
    /// No Prometheus alert is firing.
    Alerts,
    /// The health endpoint says UP.
    Health,
}

impl LiveFact {
    pub fn parse(s: &str) -> Option<LiveFact> {
        Some(match s {
            "oncall" | "on-call" => LiveFact::OnCall,
            "ci" => LiveFact::Ci,
            "alerts" => LiveFact::Alerts,
            "health" => LiveFact::Health,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LiveFact::OnCall => "oncall",
            LiveFact::Ci => "ci",
            LiveFact::Alerts => "alerts",
            LiveFact::Health => "health",
        }
    }

    pub fn widget(self) -> Widget {
        match self {
            LiveFact::OnCall => Widget::OnCall,
            LiveFact::Ci => Widget::Builds,
            LiveFact::Alerts => Widget::Alerts,
            LiveFact::Health => Widget::Health,
        }
    }

    /// The annotations that name a source for it (for the "found"/"fix" words).
    pub fn annotations(self) -> &'static str {
        match self {
            LiveFact::OnCall => "pagerduty.com/service-id or pagerduty.com/integration-key",
            LiveFact::Ci => "github.com/project-slug or gitlab.com/project-id",
            LiveFact::Alerts => "prometheus.io/alert",
            LiveFact::Health => "greenroom.dev/health-url",
        }
    }
}

/// What the status service knows of one fact for one entity.
#[derive(Clone, Debug)]
pub enum LiveObs {
    /// A value and how old it is.
    Value {
        value: Arc<StatusValue>,
        age: Duration,
        stale: bool,
    },
    /// The entity names no source for it.
    NoSource,
    /// A source is named but the config has it turned off.
    Disabled,
    /// Not fetched (yet), or every fetch failed (the reason).
    NoData(String),
    /// Grading offline: nothing is fetched.
    Offline,
}

pub trait LiveFacts: Sync {
    fn observe(&self, entity: &Entity, fact: LiveFact) -> LiveObs;
}

/// Offline: every live fact is unknown.
pub struct NoLive;

impl LiveFacts for NoLive {
    fn observe(&self, _: &Entity, _: LiveFact) -> LiveObs {
        LiveObs::Offline
    }
}

/// Live facts read from the status store (what the portal or `fetch_once` filled in).
pub struct StoreLive<'a> {
    pub store: &'a StatusStore,
    pub config: &'a StatusConfig,
    pub now: Instant,
}

impl LiveFacts for StoreLive<'_> {
    fn observe(&self, entity: &Entity, fact: LiveFact) -> LiveObs {
        let targets: Vec<_> = targets_for(entity, self.config)
            .into_iter()
            .filter(|t| t.widget == fact.widget())
            .collect();
        if targets.is_empty() {
            let mut all_on = self.config.clone();
            all_on.enabled = true;
            for s in [
                &mut all_on.pagerduty,
                &mut all_on.github,
                &mut all_on.gitlab,
                &mut all_on.prometheus,
            ] {
                s.enabled = Some(true);
            }
            all_on.health.enabled = Some(true);
            let named = targets_for(entity, &all_on)
                .iter()
                .any(|t| t.widget == fact.widget());
            return if named {
                LiveObs::Disabled
            } else {
                LiveObs::NoSource
            };
        }
        let entries: Vec<Entry> = targets
            .iter()
            .filter_map(|t| self.store.get(&t.id))
            .collect();
        observe_entries(&entries, self.now)
    }
}

/// The status targets live rules read for an entity (what to fetch, or to show interest in).
pub fn live_targets(entity: &Entity, config: &StatusConfig) -> Vec<crate::status::Target> {
    let widgets = [
        LiveFact::OnCall,
        LiveFact::Ci,
        LiveFact::Alerts,
        LiveFact::Health,
    ]
    .map(LiveFact::widget);
    targets_for(entity, config)
        .into_iter()
        .filter(|t| widgets.contains(&t.widget))
        .collect()
}

/// The freshest value among the entries, else why there is none.
pub fn observe_entries(entries: &[Entry], now: Instant) -> LiveObs {
    let best = entries
        .iter()
        .filter(|e| e.value.is_some())
        .min_by_key(|e| e.age(now).unwrap_or(Duration::MAX));
    match best {
        Some(e) => LiveObs::Value {
            value: e.value.clone().expect("filtered"),
            age: e.age(now).unwrap_or_default(),
            stale: e.is_stale(now),
        },
        None => match entries.iter().find_map(|e| e.error.as_ref()) {
            Some(err) => LiveObs::NoData(format!("the last fetch failed: {}", err.message)),
            None => LiveObs::NoData("not fetched yet".into()),
        },
    }
}

/// A file in an entity's repository folder.
#[derive(Clone, Debug, PartialEq)]
pub enum FileLookup {
    Found(String),
    Missing,
    /// The repository cannot be read (not a file source, refused path, unreadable file).
    Unavailable(String),
}

pub trait RepoFiles: Sync {
    /// `path` is relative (checked when the scorecard was parsed).
    fn read(&self, entity: &Entity, path: &str) -> FileLookup;
}

/// Reads from the folder holding the entity's descriptor: a `file:` location on disk, or the
/// bundled demo. Reads never leave that folder (`..` refused, symlinks resolved and checked).
pub struct LocalRepos;

/// A relative path with no `..`, no root and no prefix.
pub fn is_confined(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

impl RepoFiles for LocalRepos {
    fn read(&self, entity: &Entity, path: &str) -> FileLookup {
        if !is_confined(path) {
            return FileLookup::Unavailable(format!("{path} is not inside the repository"));
        }
        let location = &*entity.origin.location;
        if let Some(rest) = location.strip_prefix("embedded:") {
            let dir = Path::new(rest.trim_start_matches('/'))
                .parent()
                .unwrap_or(Path::new(""));
            let file = dir.join(path);
            return match crate::sources::demo::files().get_file(&file) {
                Some(f) => match f.contents_utf8() {
                    Some(s) => FileLookup::Found(s.to_owned()),
                    None => FileLookup::Unavailable(format!("{path} is not UTF-8 text")),
                },
                None => FileLookup::Missing,
            };
        }
        let Some(file) = location.strip_prefix("file:") else {
            return FileLookup::Unavailable(format!(
                "the entity was not read from files ({}), so its repository cannot be read",
                location.split(':').next().unwrap_or("remote")
            ));
        };
        let Some(root) = Path::new(file).parent() else {
            return FileLookup::Unavailable("the descriptor has no folder".into());
        };
        read_confined(root, path)
    }
}

/// Reads `rel` under `root`, refusing anything that resolves outside it.
pub fn read_confined(root: &Path, rel: &str) -> FileLookup {
    let Ok(root) = root.canonicalize() else {
        return FileLookup::Unavailable(format!("{} cannot be read", root.display()));
    };
    let joined: PathBuf = root.join(rel);
    let real = match joined.canonicalize() {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileLookup::Missing,
        Err(e) => return FileLookup::Unavailable(format!("{rel}: {e}")),
    };
    if !real.starts_with(&root) {
        return FileLookup::Unavailable(format!(
            "{rel} leads outside the repository folder; not read"
        ));
    }
    match fsread::read_regular(&real, limits::SCORECARD_REPO_FILE_BYTES) {
        Ok(bytes) => FileLookup::Found(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.is_not_found() => FileLookup::Missing,
        Err(e) => FileLookup::Unavailable(format!("{rel}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        std::fs::write(repo.join("README.md"), "hello").unwrap();
        std::fs::write(dir.path().join("secret"), "s3cret").unwrap();
        assert_eq!(
            read_confined(&repo, "README.md"),
            FileLookup::Found("hello".into())
        );
        assert_eq!(read_confined(&repo, "CODEOWNERS"), FileLookup::Missing);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret"), repo.join("link")).unwrap();
            assert!(matches!(
                read_confined(&repo, "link"),
                FileLookup::Unavailable(m) if m.contains("outside")
            ));
        }
        assert!(!is_confined("../secret"));
        assert!(!is_confined("/etc/passwd"));
        assert!(is_confined(".github/CODEOWNERS"));
    }

    #[test]
    fn a_big_file_is_refused_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![b'a'; (limits::SCORECARD_REPO_FILE_BYTES + 1) as usize];
        std::fs::write(dir.path().join("big"), big).unwrap();
        assert!(matches!(
            read_confined(dir.path(), "big"),
            FileLookup::Unavailable(m) if m.contains("limit")
        ));
    }
}
