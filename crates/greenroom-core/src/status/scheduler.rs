//! The scheduler: one tokio task per target of interest, and nothing else. Each task polls at
//! its interval with jitter (`MissedTickBehavior::Delay`, so a suspended laptop does not wake
//! to a burst), goes through its host's gate (a semaphore, and "blocked until" from
//! `Retry-After`/rate-limit resets) and the global in-flight cap, backs off with full jitter on
//! transient failures, and stops on credentials refused. A host's slots go to the target
//! whose shown data is oldest (see `queue`), and a host that cannot keep up is reported. Targets nobody looks at are not
//! fetched: the UI says what is on screen with `set_interest`.

use super::config::StatusConfig;
use super::fetch::{FetchContext, Fetched, fetcher, gate_of};
use super::http::{FetchError, Http};
use super::store::{ErrorKind, StatusError, StatusStore};
use super::target::{Target, TargetId, targets_for};
use crate::catalog::Entity;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// `rand(0, min(cap, base·2^attempt))`: full jitter (AWS, "Exponential Backoff and Jitter").
pub fn full_jitter(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let ceiling = base
        .saturating_mul(2u32.saturating_pow(attempt.min(30)))
        .min(cap);
    ceiling.mul_f64(fastrand::f64())
}

/// `interval · (1 ± jitter)`.
pub fn jittered(interval: Duration, jitter: f64) -> Duration {
    let j = jitter.clamp(0.0, 0.9);
    interval.mul_f64(1.0 - j + 2.0 * j * fastrand::f64())
}

/// Who wants a set of targets: a view or pane (`view`) of one session (`session`; 0 is the
/// process itself, as the CLI and the benches use it). A session's views are cleared together
/// when it ends.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterestKey {
    pub session: u64,
    pub view: String,
}

impl InterestKey {
    pub fn new(session: u64, view: impl Into<String>) -> InterestKey {
        InterestKey {
            session,
            view: view.into(),
        }
    }
}

impl From<&str> for InterestKey {
    fn from(view: &str) -> InterestKey {
        InterestKey::new(0, view)
    }
}

impl From<&String> for InterestKey {
    fn from(view: &String) -> InterestKey {
        InterestKey::new(0, view.as_str())
    }
}

struct Running {
    task: JoinHandle<()>,
    wake: Arc<Notify>,
}

#[derive(Default)]
struct Interest {
    /// Interest per owner (a session's view or pane): the union is what runs.
    by_owner: BTreeMap<InterestKey, Vec<Target>>,
    running: HashMap<TargetId, Running>,
}

struct Inner {
    cx: Arc<FetchContext>,
    store: StatusStore,
    handle: Handle,
    interest: Mutex<Interest>,
}

/// The live status service. Cheap to clone; dropping the last clone stops every task.
#[derive(Clone)]
pub struct StatusService {
    inner: Arc<Inner>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let interest = self.interest.get_mut().unwrap_or_else(|e| e.into_inner());
        for (_, r) in interest.running.drain() {
            r.task.abort();
        }
    }
}

impl StatusService {
    /// Starts the service on the current tokio runtime. No task runs until `set_interest`.
    pub fn start(config: StatusConfig) -> StatusService {
        StatusService::with_handle(config, Handle::current())
    }

    /// Starts the service on a runtime owned elsewhere (the UI thread has none).
    pub fn with_handle(config: StatusConfig, handle: Handle) -> StatusService {
        let http = {
            // reqwest's client registers with the runtime it is built on.
            let _guard = handle.enter();
            Arc::new(Http::new(&config))
        };
        StatusService {
            inner: Arc::new(Inner {
                cx: Arc::new(FetchContext {
                    http,
                    config: Arc::new(config),
                }),
                store: StatusStore::new(),
                handle,
                interest: Mutex::new(Interest::default()),
            }),
        }
    }

    pub fn store(&self) -> &StatusStore {
        &self.inner.store
    }

    pub fn config(&self) -> &StatusConfig {
        &self.inner.cx.config
    }

    /// Whether the data comes from the in-process fake (the UI says "demo data").
    pub fn is_demo(&self) -> bool {
        self.inner.cx.config.demo
    }

    /// The targets an entity's annotations ask for.
    pub fn targets_for(&self, entity: &Entity) -> Vec<Target> {
        targets_for(entity, &self.inner.cx.config)
    }

    /// Replaces what `owner` (a session's view or pane) is looking at. Targets nobody wants
    /// any more stop at once; new ones start now. A target several owners want runs once.
    pub fn set_interest(
        &self,
        owner: impl Into<InterestKey>,
        targets: impl IntoIterator<Item = Target>,
    ) {
        let owner = owner.into();
        let mut interest = self.lock();
        let list: Vec<Target> = targets.into_iter().collect();
        if list.is_empty() {
            interest.by_owner.remove(&owner);
        } else {
            interest.by_owner.insert(owner, list);
        }
        self.reconcile(&mut interest);
    }

    pub fn clear_interest(&self, owner: impl Into<InterestKey>) {
        self.set_interest(owner, Vec::new());
    }

    /// Ends every interest of one session (it closed): its targets stop unless another
    /// session watches them.
    pub fn clear_session(&self, session: u64) {
        let mut interest = self.lock();
        interest.by_owner.retain(|k, _| k.session != session);
        self.reconcile(&mut interest);
    }

    /// The owners with interest now, for tests and diagnostics.
    pub fn owners(&self) -> Vec<InterestKey> {
        self.lock().by_owner.keys().cloned().collect()
    }

    /// Targets being polled now (a target stopped by an auth error is not).
    pub fn watched(&self) -> Vec<TargetId> {
        let mut ids: Vec<TargetId> = self
            .lock()
            .running
            .iter()
            .filter(|(_, r)| !r.task.is_finished())
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Fetches a watched target now instead of at its next tick (a "refresh" key); a stopped
    /// target is restarted.
    pub fn refresh(&self, id: &TargetId) {
        let mut interest = self.lock();
        // Refreshing a target its source's refused credentials stopped tries them again.
        if let Some(target) = interest.by_owner.values().flatten().find(|t| &t.id == id) {
            let (host, permits) = gate_of(target, &self.inner.cx.config);
            self.inner.cx.http.gate(&host, permits).resume();
        }
        if let Some(r) = interest.running.get(id) {
            if r.task.is_finished() {
                interest.running.remove(id);
                self.reconcile(&mut interest);
            } else {
                r.wake.notify_one();
            }
        }
    }

    /// The sources whose host cannot keep up with what is on screen (slots granted late), by
    /// name (`GitHub`), each once: the UI says so.
    pub fn behind(&self) -> Vec<&'static str> {
        let hosts = self.inner.cx.http.behind();
        let mut out: Vec<&'static str> = crate::status::Source::ALL
            .iter()
            .filter(|s| {
                hosts
                    .iter()
                    .any(|h| h.starts_with(&format!("{}@", s.as_str())))
            })
            .map(|s| s.label())
            .collect();
        out.dedup();
        out
    }

    /// Drops responses kept for sharing between targets, so the next fetches ask upstream
    /// (a manual "refresh everything").
    pub fn clear_cache(&self) {
        self.inner.cx.http.clear_shared();
    }

    /// Fetches each target once, through the same gates, and records the results (the CLI's
    /// `status` and `oncall`). Returns when all are done.
    pub async fn fetch_once(&self, targets: &[Target]) {
        let mut set = tokio::task::JoinSet::new();
        for t in targets {
            let inner = self.inner.clone();
            let t = t.clone();
            set.spawn(async move {
                let interval = inner.cx.config.interval(t.source, t.widget);
                fetch_gated(&inner.cx, &inner.store, &t, interval).await
            });
        }
        while set.join_next().await.is_some() {}
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Interest> {
        self.inner
            .interest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn reconcile(&self, interest: &mut Interest) {
        let mut wanted: HashMap<TargetId, Target> = HashMap::new();
        for t in interest.by_owner.values().flatten() {
            wanted.entry(t.id.clone()).or_insert_with(|| t.clone());
        }
        interest.running.retain(|id, r| {
            let keep = wanted.contains_key(id);
            if !keep {
                r.task.abort();
            }
            keep
        });
        for (id, target) in wanted {
            if interest.running.contains_key(&id) {
                continue;
            }
            let wake = Arc::new(Notify::new());
            let task = self.inner.handle.spawn(run_target(
                self.inner.cx.clone(),
                self.inner.store.clone(),
                target,
                wake.clone(),
            ));
            interest.running.insert(id, Running { task, wake });
        }
    }
}

/// Clears the in-flight mark however the fetch ends (including the task being aborted).
struct InFlight<'a> {
    store: &'a StatusStore,
    target: &'a Target,
    interval: Duration,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.store
            .update(self.target, self.interval, |e| e.in_flight = false);
    }
}

/// One fetch: waits for the host to be unblocked and for a slot, then fetches and records.
async fn fetch_gated(
    cx: &FetchContext,
    store: &StatusStore,
    target: &Target,
    interval: Duration,
) -> Result<Fetched, FetchError> {
    let (host, permits) = gate_of(target, &cx.config);
    let gate = cx.http.gate(&host, permits);
    let (_host_permit, _global_permit) = loop {
        if let Some(until) = gate.blocked_until() {
            tokio::time::sleep_until(until).await;
        }
        // The slot goes to the target whose shown data is oldest, counting a failed attempt
        // as an answer (else a target that keeps failing would take the slot from the rest).
        let data_from = store.get(&target.id).and_then(|e| {
            let tried = e.error.as_ref().map(|err| err.at);
            e.fetched_at.max(tried)
        });
        let host_permit = gate.permits.acquire(data_from, interval).await;
        let global = cx
            .http
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        // Another target of the source may have been refused its credentials meanwhile: no
        // request, the same message. A rate limit may have arrived too: wait again.
        if let Some(message) = gate.stopped() {
            let e = FetchError::Auth(message);
            store.record_error(target, interval, status_error(&e));
            return Err(e);
        }
        if gate.blocked_until().is_none() {
            break (host_permit, global);
        }
    };
    store.update(target, interval, |e| e.in_flight = true);
    let _mark = InFlight {
        store,
        target,
        interval,
    };
    let result = fetcher(target.source).fetch(target, cx).await;
    match &result {
        Ok(f) => store.record_ok(target, interval, f.value.clone()),
        Err(e) => {
            if let FetchError::RateLimited { wait: Some(w), .. } = e {
                gate.block_for(*w);
            }
            if let FetchError::Auth(message) = e {
                gate.stop(message);
            }
            store.record_error(target, interval, status_error(e));
        }
    }
    result
}

fn status_error(e: &FetchError) -> StatusError {
    let kind = match e {
        FetchError::RateLimited { .. } => ErrorKind::RateLimited,
        e if e.stops() => ErrorKind::Stopped,
        e if e.is_transient() => ErrorKind::Transient,
        _ => ErrorKind::Rejected,
    };
    StatusError {
        kind,
        message: e.to_string(),
        at: Instant::now(),
    }
}

async fn run_target(cx: Arc<FetchContext>, store: StatusStore, target: Target, wake: Arc<Notify>) {
    let config = cx.config.clone();
    let interval = config.interval(target.source, target.widget);
    // A small random start spreads many new targets over the first second or so.
    let start = Instant::now()
        + interval
            .min(Duration::from_secs(10))
            .mul_f64(0.1 * fastrand::f64());
    let mut ticks = tokio::time::interval_at(start, interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut failures: u32 = 0;
    let mut first = true;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = wake.notified() => {}
        }
        let result = fetch_gated(&cx, &store, &target, interval).await;
        let next = match result {
            Ok(f) => {
                failures = 0;
                // Targets that appear together (an entity opened, a pane added) load at once,
                // then spread over a whole interval so their refreshes do not stay in step.
                let normal = if std::mem::take(&mut first) {
                    interval.mul_f64(0.5 + fastrand::f64())
                } else {
                    jittered(interval, config.jitter)
                };
                f.next_in
                    .map_or(normal, |n| n.clamp(Duration::from_millis(10), normal))
            }
            Err(e) if e.stops() => {
                // Stays in the store with its message; `refresh` or a new config restarts it.
                store.update(&target, interval, |e| e.next_at = None);
                return;
            }
            Err(e) if e.is_transient() && failures < config.max_retries => {
                failures += 1;
                let backoff = full_jitter(config.backoff_base, config.backoff_cap, failures - 1);
                match e {
                    // The gate holds every request to the host until then; add a little jitter
                    // so the waiting targets do not all fire at the same instant.
                    FetchError::RateLimited { wait: Some(w), .. } => {
                        w + config.backoff_base.mul_f64(fastrand::f64())
                    }
                    _ => backoff,
                }
            }
            Err(_) => {
                // Out of quick retries, or not worth one: back to the normal interval.
                failures = 0;
                jittered(interval, config.jitter)
            }
        };
        let at = Instant::now() + next;
        store.update(&target, interval, |e| e.next_at = Some(at));
        ticks.reset_at(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_the_capped_ceiling() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        for attempt in 0..40 {
            let d = full_jitter(base, cap, attempt);
            let ceiling = (base * 2u32.pow(attempt.min(20))).min(cap);
            assert!(d <= ceiling, "{attempt}: {d:?}");
        }
        let spread: Vec<Duration> = (0..50).map(|_| full_jitter(base, cap, 5)).collect();
        assert!(spread.iter().any(|d| *d < Duration::from_millis(500)));
        assert!(spread.iter().any(|d| *d > Duration::from_millis(500)));
    }

    #[test]
    fn jitter_is_bounded() {
        for _ in 0..100 {
            let d = jittered(Duration::from_secs(60), 0.15);
            assert!(
                d >= Duration::from_secs(51) && d <= Duration::from_secs(69),
                "{d:?}"
            );
        }
    }
}
