//! greenroom's hub: the services every session shares, one set per process. A session (the
//! local terminal now; SSH clients next) subscribes to them instead of owning a catalogue,
//! a scheduler or worker threads of its own:
//!
//! - [`catalog::CatalogService`]: loads the catalogue and publishes immutable snapshots;
//! - [`status::StatusService`]: the one live-status scheduler, with interest per session;
//! - [`run::RunService`]: scaffolder runs by id, with cancel and re-attach;
//! - [`search::SearchPool`]: searches for every session, latest request wins;
//! - [`scores::ScoreService`]: scorecard grades, graded once for every session.
//!
//! No terminal and no command line here: this crate depends on neither.

pub mod catalog;
pub mod run;
pub mod scores;
pub mod search;
pub mod status;
pub mod watch;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use catalog::{
    CachedLoader, CatalogLoader, CatalogService, CatalogSnapshot, SourceState, SourceStatus,
    SourcesLoader,
};
pub use run::{RemoteRun, RunExecutor, RunId, RunService};
pub use search::SearchPool;

pub mod port;
pub use status::{StatusService, Subscription};

/// The shared services. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    pub catalog: CatalogService,
    pub status: StatusService,
    pub runs: RunService,
    pub search: SearchPool,
    pub scores: scores::ScoreService,
    sessions: Arc<AtomicU64>,
}

impl Hub {
    pub fn new(
        catalog: CatalogService,
        status: StatusService,
        runs: RunService,
        search: SearchPool,
    ) -> Hub {
        Hub {
            catalog,
            status,
            runs,
            search,
            scores: scores::ScoreService::new(),
            sessions: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A hub over a loader with worker threads, and live status as given.
    pub fn start(loader: Arc<dyn CatalogLoader>, status: StatusService) -> Hub {
        Hub::new(
            CatalogService::new(loader),
            status,
            RunService::new(),
            SearchPool::start(1),
        )
    }

    /// A hub whose searches and runs finish before the call that asked for them returns:
    /// headless sessions in tests step through them deterministically.
    pub fn inline(loader: Arc<dyn CatalogLoader>, status: StatusService) -> Hub {
        Hub::new(
            CatalogService::inline(loader),
            status,
            RunService::inline(),
            SearchPool::inline(),
        )
    }

    /// A new session's id (never 0, which is the process's own interest).
    pub fn new_session_id(&self) -> u64 {
        self.sessions.fetch_add(1, Ordering::Relaxed) + 1
    }
}
