//! The portal's start from the catalogue cache: the cached catalogue goes to the screen at once,
//! a background refresh follows (its progress and each source's state reported as they change),
//! and the header says per source how fresh what is shown is ("fresh", "refreshing (cached
//! 5 min ago)", "offline (cached 2 h ago): why"). Kept apart from the runner so the loading path
//! stays one call there.

use super::app::{App, AppEvent};
use crate::catalog::Catalog;
use crate::search::SearchIndex;
use crate::sources::cache::{CatalogCache, Policy, SourceState, SourceStatus};
use crate::sources::{LoadOptions, Source};
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use tokio::sync::mpsc::UnboundedSender;

/// Sends the cached catalogue (if any) and then the refreshed one, with source states, from a
/// blocking worker.
pub fn spawn(
    sources: Arc<Vec<Box<dyn Source>>>,
    options: LoadOptions,
    cache: CatalogCache,
    policy: Policy,
    tx: UnboundedSender<AppEvent>,
) {
    tokio::task::spawn_blocking(move || run(&sources, &options, &cache, policy, &tx));
}

fn loaded(catalog: Catalog, tx: &UnboundedSender<AppEvent>) {
    let index = Arc::new(SearchIndex::build(&catalog));
    let _ = tx.send(AppEvent::Loaded(Box::new(catalog), index));
}

/// The work [`spawn`] does, callable directly (tests).
pub fn run(
    sources: &[Box<dyn Source>],
    options: &LoadOptions,
    cache: &CatalogCache,
    policy: Policy,
    tx: &UnboundedSender<AppEvent>,
) {
    let started = Instant::now();
    let (warm, warnings) = cache.open(sources, options);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let warm_sources = warm.as_ref().map(|w| {
        let mut s = w.sources.clone();
        if policy != Policy::Offline {
            for st in &mut s {
                if st.state == SourceState::Cached {
                    st.state = SourceState::Refreshing;
                }
            }
        }
        s
    });
    if let Some(w) = warm {
        tracing::info!(
            entities = w.catalog.len(),
            ms = started.elapsed().as_millis() as u64,
            "cached catalogue opened"
        );
        let _ = tx.send(AppEvent::Sources(warm_sources.clone().unwrap_or_default()));
        loaded(w.catalog, tx);
    }
    let refreshed = cache.refresh(
        sources,
        options,
        policy,
        warm_sources.as_deref(),
        &|s: &[SourceStatus]| {
            let _ = tx.send(AppEvent::Sources(s.to_vec()));
        },
    );
    for w in &refreshed.warnings {
        tracing::warn!("{w}");
    }
    let _ = tx.send(AppEvent::Sources(refreshed.sources));
    if let Some(catalog) = refreshed.catalog {
        tracing::info!(
            entities = catalog.len(),
            errors = catalog.error_count(),
            warnings = catalog.warning_count(),
            ms = started.elapsed().as_millis() as u64,
            "catalogue refreshed"
        );
        loaded(catalog, tx);
    }
}

/// The header's words for the sources' states, when any source is cached: each source's state
/// with its age, or one summary when they all agree.
pub fn header_text(app: &App, now: SystemTime) -> Option<String> {
    let sources = &app.sources;
    if sources.is_empty()
        || sources
            .iter()
            .all(|s| s.state == SourceState::Uncached || s.state == SourceState::Fresh)
    {
        return None;
    }
    let mut parts: Vec<String> = sources
        .iter()
        .map(|s| {
            let mut text = s.state_text(now);
            if s.state == SourceState::Refreshing
                && let Some(p) = app.refresh_progress
            {
                text = format!("{text}, {} files read", p.files_read);
            }
            if sources.len() == 1 {
                text
            } else {
                format!("{}: {text}", s.name)
            }
        })
        .collect();
    if sources.len() == 1 {
        parts.insert(0, sources[0].name.clone());
        return Some(parts.join(" · "));
    }
    Some(parts.join(" · "))
}

/// Whether a background refresh is under way (its progress is worth showing).
pub fn refreshing(app: &App) -> bool {
    refreshing_in(&app.sources)
}

pub fn refreshing_in(sources: &[SourceStatus]) -> bool {
    sources.iter().any(|s| s.state == SourceState::Refreshing)
}
