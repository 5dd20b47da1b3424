//! Live status for every session: one scheduler and one store per process. A session
//! subscribes and gets a [`Subscription`]: its interest is keyed by (session, view), so two
//! sessions watching the same target cause one fetch, and dropping the subscription ends the
//! session's interest and removes its change callback from the store.
//!
//! On the bundled demo the service starts once the catalogue is in (the in-process fake
//! upstream learns its names from it), so sessions watch [`StatusService::state`] for it.

use greenroom_core::status::{
    InterestKey, ListenerId, StatusConfig, StatusService as Scheduler, Target, TargetId,
};
use std::time::Duration;
use tokio::sync::watch;

/// Whether live status runs.
#[derive(Clone)]
pub enum StatusState {
    /// Not yet: the demo waits for its catalogue.
    Waiting,
    Running(Scheduler),
    /// It cannot start; why, for people.
    Failed(String),
}

/// The hub's live status. Cheap to clone.
#[derive(Clone)]
pub struct StatusService {
    state: watch::Sender<StatusState>,
}

impl StatusService {
    /// Starts the scheduler now, on the current runtime.
    pub fn start(config: StatusConfig) -> StatusService {
        let (state, _) = watch::channel(StatusState::Running(Scheduler::start(config)));
        StatusService { state }
    }

    /// Live status over a scheduler already running (tests share theirs).
    pub fn running(scheduler: Scheduler) -> StatusService {
        let (state, _) = watch::channel(StatusState::Running(scheduler));
        StatusService { state }
    }

    /// Live status that starts later ([`StatusService::set`]).
    pub fn waiting() -> StatusService {
        let (state, _) = watch::channel(StatusState::Waiting);
        StatusService { state }
    }

    pub fn set(&self, state: StatusState) {
        self.state.send_replace(state);
    }

    /// The state now and every change to come.
    pub fn state(&self) -> watch::Receiver<StatusState> {
        self.state.subscribe()
    }

    /// The scheduler, when it runs.
    pub fn scheduler(&self) -> Option<Scheduler> {
        match &*self.state.borrow() {
            StatusState::Running(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// Session `session`'s hold on live status; `on_change` is called (on a fetching task:
    /// keep it short) whenever an entry changes. None until the scheduler runs.
    pub fn subscribe(
        &self,
        session: u64,
        on_change: impl Fn(&TargetId) + Send + Sync + 'static,
    ) -> Option<Subscription> {
        Some(Subscription::new(self.scheduler()?, session, on_change))
    }
}

/// One session's interest in live status. Dropping it ends every interest of the session.
pub struct Subscription {
    scheduler: Scheduler,
    session: u64,
    listener: ListenerId,
}

impl Subscription {
    pub fn new(
        scheduler: Scheduler,
        session: u64,
        on_change: impl Fn(&TargetId) + Send + Sync + 'static,
    ) -> Subscription {
        let listener = scheduler.store().on_change(on_change);
        Subscription {
            scheduler,
            session,
            listener,
        }
    }

    pub fn session(&self) -> u64 {
        self.session
    }

    /// The shared scheduler (its store, config, refresh).
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// Replaces what `view` of this session looks at.
    pub fn set_interest(&self, view: &str, targets: impl IntoIterator<Item = Target>) {
        self.scheduler
            .set_interest(InterestKey::new(self.session, view), targets);
    }

    pub fn clear_interest(&self, view: &str) {
        self.scheduler
            .clear_interest(InterestKey::new(self.session, view));
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.scheduler.clear_session(self.session);
        self.scheduler.store().remove_listener(self.listener);
    }
}

/// The demo polls faster than real sources would be asked to, so a person sees builds,
/// metrics and deployments move within seconds. It is all in-process.
pub fn demo_pace(c: &mut StatusConfig) {
    let s = Duration::from_secs;
    c.github.interval = Some(s(10));
    c.gitlab.interval = Some(s(10));
    c.argocd.interval = Some(s(10));
    c.kubernetes.interval = Some(s(8));
    c.prometheus.interval = Some(s(8));
    c.pagerduty.intervals.insert("oncall".into(), s(30));
    c.pagerduty.intervals.insert("incidents".into(), s(15));
    c.pagerduty.intervals.insert("service".into(), s(30));
    c.health.interval = Some(s(10));
}

/// On the demo: once the catalogue is loaded, starts the in-process fake upstream for it and
/// the scheduler against it. The fake serves for as long as the task's runtime runs.
#[cfg(feature = "fake-upstream")]
pub fn start_demo(
    status: &StatusService,
    catalog: &crate::catalog::CatalogService,
    user_config: StatusConfig,
) {
    let status = status.clone();
    let mut snapshots = catalog.subscribe();
    tokio::spawn(async move {
        let snapshot = loop {
            let s = snapshots.borrow_and_update().clone();
            if s.is_loaded() {
                break s;
            }
            if snapshots.changed().await.is_err() {
                return;
            }
        };
        match greenroom_core::status::fake::start_demo(&snapshot.catalog).await {
            Ok((fake, mut config)) => {
                // "My on-call" still means the configured person.
                config.user.clone_from(&user_config.user);
                demo_pace(&mut config);
                tracing::info!(url = %fake.url(), "demo status served by the in-process fake");
                status.set(StatusState::Running(Scheduler::start(config)));
                // The fake lives as long as this task: until the runtime ends.
                std::future::pending::<()>().await;
                drop(fake);
            }
            Err(e) => {
                tracing::warn!("cannot start the demo upstream: {e}");
                status.set(StatusState::Failed(format!(
                    "no live status: cannot start the demo upstream: {e}"
                )));
            }
        }
    });
}
