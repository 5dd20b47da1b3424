//! The status store: for each target, the last good value, when it was fetched, the last
//! error and the interval. The UI reads snapshots from its own thread (a read lock and a
//! clone of `Arc`s) and is told when something changed.

use super::target::{Target, TargetId};
use super::time::format_age;
use super::value::StatusValue;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

/// What the UI is told: this target's entry changed (value, error, or in-flight state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChanged(pub TargetId);

/// Why the last fetch failed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Network trouble, timeouts, 5xx: retried with backoff.
    Transient,
    /// Rate limited; requests to that host wait until `until`.
    RateLimited,
    /// The upstream refused the request for good (400, 404, bad JSON): retried at the interval.
    Rejected,
    /// Credentials refused or missing: polling stopped until the config changes.
    Stopped,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StatusError {
    pub kind: ErrorKind,
    /// Says what to do: names the env var for auth errors, the time for rate limits.
    pub message: String,
    #[serde(skip)]
    pub at: Instant,
}

/// The state the UI draws, in the words of the research notes (§10.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    NeverLoaded,
    /// First fetch under way.
    Loading,
    Fresh,
    /// A value is shown while a newer one is fetched.
    Refreshing,
    /// Older than twice its interval.
    Stale,
    /// The last fetch failed; the last good value is still shown.
    ErrorWithValue,
    ErrorNoData,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub target: Target,
    pub value: Option<Arc<StatusValue>>,
    /// When `value` was last confirmed (a 304 counts).
    pub fetched_at: Option<Instant>,
    pub fetched_at_wall: Option<SystemTime>,
    pub error: Option<StatusError>,
    pub interval: Duration,
    pub in_flight: bool,
    /// Consecutive failures.
    pub failures: u32,
    /// When the next fetch is due, when one is scheduled.
    pub next_at: Option<Instant>,
    /// Successful fetches so far.
    pub fetches: u64,
}

impl Entry {
    fn new(target: Target, interval: Duration) -> Entry {
        Entry {
            target,
            value: None,
            fetched_at: None,
            fetched_at_wall: None,
            error: None,
            interval,
            in_flight: false,
            failures: 0,
            next_at: None,
            fetches: 0,
        }
    }

    pub fn age(&self, now: Instant) -> Option<Duration> {
        self.fetched_at.map(|t| now.saturating_duration_since(t))
    }

    /// "12s ago", or "never".
    pub fn age_text(&self, now: Instant) -> String {
        self.age(now).map_or_else(|| "never".into(), format_age)
    }

    pub fn is_stale(&self, now: Instant) -> bool {
        self.age(now).is_some_and(|a| a > self.interval * 2)
    }

    pub fn is_stopped(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.kind == ErrorKind::Stopped)
    }

    pub fn state(&self, now: Instant) -> State {
        match (&self.value, &self.error) {
            (None, Some(_)) if !self.in_flight => State::ErrorNoData,
            (None, _) if self.in_flight => State::Loading,
            (None, _) => State::NeverLoaded,
            (Some(_), Some(_)) => State::ErrorWithValue,
            (Some(_), None) if self.is_stale(now) => State::Stale,
            (Some(_), None) if self.in_flight => State::Refreshing,
            (Some(_), None) => State::Fresh,
        }
    }
}

enum Listener {
    Channel(UnboundedSender<StatusChanged>),
    Callback(Arc<dyn Fn(&TargetId) + Send + Sync>),
}

#[derive(Default)]
struct Inner {
    entries: RwLock<HashMap<TargetId, Entry>>,
    version: AtomicU64,
    listeners: Mutex<Vec<(ListenerId, Listener)>>,
    next_listener: AtomicU64,
}

/// Names a listener so it can be removed (a session that ends stops being told).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

/// Cheap to clone; every clone is the same store.
#[derive(Clone, Default)]
pub struct StatusStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for StatusStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusStore")
            .field("entries", &self.read().len())
            .finish()
    }
}

impl StatusStore {
    pub fn new() -> StatusStore {
        StatusStore::default()
    }

    /// Sends a `StatusChanged` on every change. A closed channel is dropped quietly.
    pub fn subscribe(&self, tx: UnboundedSender<StatusChanged>) -> ListenerId {
        self.add_listener(Listener::Channel(tx))
    }

    /// Calls `f` on every change, on the fetching task's thread: keep it short (wake the UI).
    /// Returns the id [`StatusStore::remove_listener`] takes.
    pub fn on_change(&self, f: impl Fn(&TargetId) + Send + Sync + 'static) -> ListenerId {
        self.add_listener(Listener::Callback(Arc::new(f)))
    }

    fn add_listener(&self, l: Listener) -> ListenerId {
        let id = ListenerId(self.inner.next_listener.fetch_add(1, Ordering::Relaxed));
        self.lock_listeners().push((id, l));
        id
    }

    /// Stops telling one listener; true when it was there.
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        let mut listeners = self.lock_listeners();
        let before = listeners.len();
        listeners.retain(|(i, _)| *i != id);
        listeners.len() != before
    }

    /// How many listeners are told of changes.
    pub fn listener_count(&self) -> usize {
        self.lock_listeners().len()
    }

    /// Bumped on every change: a UI can compare it to skip redrawing.
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::Acquire)
    }

    pub fn get(&self, id: &TargetId) -> Option<Entry> {
        self.read().get(id).cloned()
    }

    /// Entries for these targets, in order; targets not yet known come back never-loaded.
    pub fn snapshot(&self, targets: &[Target]) -> Vec<Entry> {
        let map = self.read();
        targets
            .iter()
            .map(|t| {
                map.get(&t.id)
                    .cloned()
                    .unwrap_or_else(|| Entry::new(t.clone(), Duration::ZERO))
            })
            .collect()
    }

    pub fn all(&self) -> Vec<Entry> {
        self.read().values().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<TargetId, Entry>> {
        self.inner.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_listeners(&self) -> std::sync::MutexGuard<'_, Vec<(ListenerId, Listener)>> {
        self.inner
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Changes one entry (creating it) and tells the listeners.
    pub(crate) fn update(&self, target: &Target, interval: Duration, f: impl FnOnce(&mut Entry)) {
        {
            let mut map = self
                .inner
                .entries
                .write()
                .unwrap_or_else(|e| e.into_inner());
            let entry = map
                .entry(target.id.clone())
                .or_insert_with(|| Entry::new(target.clone(), interval));
            entry.interval = interval;
            f(entry);
        }
        self.inner.version.fetch_add(1, Ordering::AcqRel);
        let mut listeners = self.lock_listeners();
        listeners.retain(|(_, l)| match l {
            Listener::Channel(tx) => tx.send(StatusChanged(target.id.clone())).is_ok(),
            Listener::Callback(f) => {
                f(&target.id);
                true
            }
        });
    }

    /// Sets an entry exactly as given and tells the listeners: for replaying a known state
    /// (the views' snapshot tests draw a fixed store this way).
    pub fn put(&self, entry: Entry) {
        let target = entry.target.clone();
        let interval = entry.interval;
        self.update(&target, interval, move |e| *e = entry);
    }

    pub(crate) fn record_ok(&self, target: &Target, interval: Duration, value: StatusValue) {
        self.update(target, interval, |e| {
            // An unchanged value keeps its Arc, so the UI can tell nothing moved.
            if e.value.as_deref() != Some(&value) {
                e.value = Some(Arc::new(value));
            }
            e.fetched_at = Some(Instant::now());
            e.fetched_at_wall = Some(SystemTime::now());
            e.error = None;
            e.failures = 0;
            e.fetches += 1;
        });
    }

    /// Keeps the last good value: only the error changes.
    pub(crate) fn record_error(&self, target: &Target, interval: Duration, error: StatusError) {
        self.update(target, interval, |e| {
            e.error = Some(error);
            e.failures += 1;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::target::{Query, Source, Widget};
    use crate::status::value::{Health, StatusValue};

    fn target() -> Target {
        Target::new(
            Source::Health,
            Widget::Health,
            Query::Health {
                url: "http://x/".into(),
                json_path: "status".into(),
                expect: "UP".into(),
            },
            "x",
        )
    }

    fn health(ok: bool) -> StatusValue {
        StatusValue::Health(Health {
            url: "http://x/".into(),
            status_code: if ok { 200 } else { 503 },
            latency_ms: 3,
            body_status: None,
            healthy: ok,
            components: vec![],
        })
    }

    #[test]
    fn removed_listeners_are_told_nothing_more() {
        let store = StatusStore::new();
        let told = Arc::new(AtomicU64::new(0));
        let seen = told.clone();
        let id = store.on_change(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let channel = store.subscribe(tx);
        assert_ne!(id, channel);
        assert_eq!(store.listener_count(), 2);
        let t = target();
        store.record_ok(&t, Duration::from_secs(1), health(true));
        assert_eq!(told.load(Ordering::SeqCst), 1);
        assert!(rx.try_recv().is_ok());
        assert!(store.remove_listener(id));
        assert!(!store.remove_listener(id), "already gone");
        store.record_ok(&t, Duration::from_secs(1), health(false));
        assert_eq!(told.load(Ordering::SeqCst), 1, "the callback was removed");
        assert!(rx.try_recv().is_ok(), "the other listener still hears");
        assert!(store.remove_listener(channel));
        assert_eq!(store.listener_count(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn states_follow_values_errors_and_age() {
        let store = StatusStore::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        store.subscribe(tx);
        let t = target();
        let interval = Duration::from_secs(30);
        assert_eq!(
            store.snapshot(std::slice::from_ref(&t))[0].state(Instant::now()),
            State::NeverLoaded
        );

        store.update(&t, interval, |e| e.in_flight = true);
        assert_eq!(
            store.get(&t.id).unwrap().state(Instant::now()),
            State::Loading
        );
        let err = StatusError {
            kind: ErrorKind::Transient,
            message: "timed out".into(),
            at: Instant::now(),
        };
        store.update(&t, interval, |e| e.in_flight = false);
        store.record_error(&t, interval, err.clone());
        assert_eq!(
            store.get(&t.id).unwrap().state(Instant::now()),
            State::ErrorNoData
        );

        store.record_ok(&t, interval, health(true));
        let e = store.get(&t.id).unwrap();
        assert_eq!(e.state(Instant::now()), State::Fresh);
        assert_eq!(e.failures, 0);

        store.record_error(&t, interval, err);
        let e = store.get(&t.id).unwrap();
        assert_eq!(e.state(Instant::now()), State::ErrorWithValue);
        assert_eq!(
            e.value.as_deref(),
            Some(&health(true)),
            "last good value kept"
        );

        store.record_ok(&t, interval, health(true));
        tokio::time::advance(Duration::from_secs(61)).await;
        let e = store.get(&t.id).unwrap();
        assert!(e.is_stale(Instant::now()));
        assert_eq!(e.state(Instant::now()), State::Stale);
        assert_eq!(e.age_text(Instant::now()), "1m ago");

        let mut changes = 0;
        while rx.try_recv().is_ok() {
            changes += 1;
        }
        assert_eq!(changes, 6);
        assert_eq!(store.version(), 6);
    }

    #[test]
    fn an_unchanged_value_keeps_its_allocation() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = StatusStore::new();
            let t = target();
            store.record_ok(&t, Duration::from_secs(1), health(true));
            let a = store.get(&t.id).unwrap().value.unwrap();
            store.record_ok(&t, Duration::from_secs(1), health(true));
            let b = store.get(&t.id).unwrap().value.unwrap();
            assert!(Arc::ptr_eq(&a, &b));
        });
    }
}
