//! What the portal says about the catalogue cache: the hub's loader (`greenroom_hub::
//! CachedLoader`) publishes the cached catalogue at once and refreshes it behind; the header
//! says per source how fresh what is shown is ("fresh", "refreshing (cached 5 min ago)",
//! "offline (cached 2 h ago): why").

use crate::sources::cache::{SourceState, SourceStatus};
use crate::tui::app::App;
use std::time::SystemTime;

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
