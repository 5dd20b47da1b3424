//! The portal's hold on live status: the service (or, in tests, a fixed store), what each
//! view or pane on screen has asked to be fetched, what was last drawn of each target (so a
//! change notice redraws only when something visible moved), and the one-second tick that
//! keeps "12s ago" true while ages are on screen. Nothing ticks when no status is shown.
//! The service is the hub's, shared by every session: this session's interest goes through
//! its [`Subscription`], which ends it when the session (and so this) is dropped.

pub mod layout_runtime;
pub mod layouts;
pub mod oncall;
pub mod panel;
pub mod panes;
pub mod update;
pub mod view;
pub mod watch;

use crate::status::{Entry, StatusConfig, StatusService, StatusStore, Target, TargetId};
use greenroom_hub::Subscription;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};
use tokio::time::Instant;

/// How often ages are redrawn while they are on screen.
pub const AGE_TICK: Duration = Duration::from_secs(1);

/// What a widget shows of an entry: when this is unchanged, so is the widget (ages aside,
/// which the tick redraws).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Drawn {
    value: usize,
    fetched_at: Option<Instant>,
    error: Option<(crate::status::ErrorKind, String)>,
    loading: bool,
    next_at: Option<Instant>,
}

impl Drawn {
    fn of(e: &Entry) -> Drawn {
        Drawn {
            // The store keeps an unchanged value's allocation, so its address says "same".
            value: e.value.as_ref().map_or(0, |v| Arc::as_ptr(v) as usize),
            fetched_at: e.fetched_at,
            error: e
                .error
                .as_ref()
                .map(|x| (x.kind.clone(), x.message.clone())),
            // A refresh under a shown value draws nothing new; a first load does.
            loading: e.value.is_none() && e.in_flight,
            // Shown only with an error ("retry in 12s").
            next_at: e.error.as_ref().and(e.next_at),
        }
    }
}

/// A frozen clock for deterministic drawings: the monotonic instant and the wall time.
#[derive(Clone, Copy, Debug)]
struct Frozen {
    now: Instant,
    unix: f64,
}

pub struct Live {
    service: Option<Subscription>,
    config: Arc<StatusConfig>,
    store: StatusStore,
    /// Each owner's targets as last told to the service.
    told: BTreeMap<String, Vec<TargetId>>,
    /// The targets on screen, per owner (a view, or a watch pane).
    on_screen: BTreeMap<String, Vec<Target>>,
    drawn: HashMap<TargetId, Drawn>,
    /// What `on_screen` was worked out for; recomputed only when this changes.
    pub(crate) view: Option<String>,
    next_tick: Option<StdInstant>,
    frozen: Option<Frozen>,
    /// Bumped when a service is attached, so interest is told again.
    pub(crate) generation: u64,
    /// Whose "my on-call" this session shows instead of `[status] user`: a `greenroom serve`
    /// session's SSH identity (`Some(None)`: a key without one, so nobody's). Kept across
    /// attaching a service.
    session_user: Option<Option<String>>,
}

impl Default for Live {
    fn default() -> Self {
        Live::with_store(StatusConfig::default(), StatusStore::new())
    }
}

impl Live {
    /// Live status read from `store` with nothing fetched: for drawing a fixed state.
    pub fn with_store(config: StatusConfig, store: StatusStore) -> Live {
        Live {
            service: None,
            config: Arc::new(config),
            store,
            told: BTreeMap::new(),
            on_screen: BTreeMap::new(),
            drawn: HashMap::new(),
            view: None,
            next_tick: None,
            frozen: None,
            generation: 0,
            session_user: None,
        }
    }

    /// Makes `user` (a User ref, or none) the one "my on-call" is for in this session, over
    /// the config's `[status] user`; the shared service and the other sessions are not
    /// affected.
    pub fn set_session_user(&mut self, user: Option<String>) {
        Arc::make_mut(&mut self.config).user.clone_from(&user);
        self.session_user = Some(user);
    }

    /// Whether this session's user was set by [`set_session_user`](Self::set_session_user)
    /// rather than read from `[status] user`.
    pub fn has_session_user(&self) -> bool {
        self.session_user.is_some()
    }

    /// Starts using a running service: its config, its store, and interest from now on.
    pub fn attach(&mut self, service: Subscription) {
        let mut config = service.scheduler().config().clone();
        if let Some(u) = &self.session_user {
            config.user.clone_from(u);
        }
        self.config = Arc::new(config);
        self.store = service.scheduler().store().clone();
        self.service = Some(service);
        self.told.clear();
        self.view = None;
        self.generation += 1;
    }

    pub fn service(&self) -> Option<&StatusService> {
        self.service.as_ref().map(Subscription::scheduler)
    }

    /// This session's hold on the shared service.
    pub fn subscription(&self) -> Option<&Subscription> {
        self.service.as_ref()
    }

    pub fn config(&self) -> &StatusConfig {
        &self.config
    }

    pub fn store(&self) -> &StatusStore {
        &self.store
    }

    /// Whether the values come from the in-process fake (the widgets say "demo data").
    pub fn is_demo(&self) -> bool {
        self.config.demo
    }

    /// Draws as if it were always `now` (and `unix` seconds on the wall clock).
    pub fn freeze_clock(&mut self, now: Instant, unix: f64) {
        self.frozen = Some(Frozen { now, unix });
    }

    pub fn now(&self) -> Instant {
        self.frozen.map_or_else(Instant::now, |f| f.now)
    }

    /// Wall-clock seconds since the epoch, for "until 14:05 (in 8m)".
    pub fn unix_now(&self) -> f64 {
        self.frozen
            .map_or_else(crate::status::time::unix_now, |f| f.unix)
    }

    pub fn entries(&self, targets: &[Target]) -> Vec<Entry> {
        self.store.snapshot(targets)
    }

    /// The targets an owner on screen shows.
    pub fn targets_of(&self, owner: &str) -> &[Target] {
        self.on_screen.get(owner).map_or(&[], Vec::as_slice)
    }

    /// Every target on screen, each once.
    pub fn all_on_screen(&self) -> Vec<Target> {
        let mut seen = std::collections::HashSet::new();
        self.on_screen
            .values()
            .flatten()
            .filter(|t| seen.insert(t.id.clone()))
            .cloned()
            .collect()
    }

    /// Says what is on screen now: owners not in `owners` lose their interest, changed ones
    /// are told, and the drawn state is taken afresh.
    pub fn set_on_screen(&mut self, owners: BTreeMap<String, Vec<Target>>) {
        if let Some(service) = &self.service {
            for gone in self.told.keys().filter(|o| !owners.contains_key(*o)) {
                service.clear_interest(gone);
            }
            for (owner, targets) in &owners {
                let ids: Vec<TargetId> = targets.iter().map(|t| t.id.clone()).collect();
                if self.told.get(owner) != Some(&ids) {
                    service.set_interest(owner, targets.iter().cloned());
                }
            }
            self.told = owners
                .iter()
                .map(|(o, ts)| (o.clone(), ts.iter().map(|t| t.id.clone()).collect()))
                .collect();
        }
        self.on_screen = owners;
        self.drawn = self
            .all_on_screen()
            .iter()
            .zip(self.store.snapshot(&self.all_on_screen()))
            .map(|(t, e)| (t.id.clone(), Drawn::of(&e)))
            .collect();
    }

    /// A target's entry changed: true when it is on screen and looks different now.
    pub fn changed(&mut self, id: &TargetId) -> bool {
        let Some(shown) = self.drawn.get_mut(id) else {
            return false;
        };
        let Some(entry) = self.store.get(id) else {
            return false;
        };
        let now = Drawn::of(&entry);
        if *shown == now {
            return false;
        }
        *shown = now;
        true
    }

    /// Asks for a fetch of these targets now.
    pub fn refresh(&self, targets: &[Target]) -> usize {
        let Some(service) = &self.service else {
            return 0;
        };
        for t in targets {
            service.scheduler().refresh(&t.id);
        }
        targets.len()
    }

    /// Ages are on screen (or not): the tick runs only while they are.
    pub fn set_ticking(&mut self, on: bool) {
        match (on, self.next_tick) {
            (true, None) => self.next_tick = Some(StdInstant::now() + AGE_TICK),
            (false, Some(_)) => self.next_tick = None,
            _ => {}
        }
    }

    pub fn is_ticking(&self) -> bool {
        self.next_tick.is_some()
    }

    pub fn deadline(&self) -> Option<StdInstant> {
        self.next_tick
    }

    /// True when the tick fell due (redraw the ages); schedules the next one.
    pub fn on_deadline(&mut self, now: StdInstant) -> bool {
        match self.next_tick {
            Some(t) if t <= now => {
                let next = t + AGE_TICK;
                self.next_tick = Some(if next <= now { now + AGE_TICK } else { next });
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::target::{Query, Source, Widget};
    use crate::status::value::{Health, StatusValue};

    fn target(url: &str) -> Target {
        Target::new(
            Source::Health,
            Widget::Health,
            Query::Health {
                url: url.into(),
                json_path: "status".into(),
                expect: "UP".into(),
            },
            url,
        )
    }

    fn entry(t: &Target, healthy: bool, at: Instant) -> Entry {
        let mut e = StatusStore::new()
            .snapshot(std::slice::from_ref(t))
            .remove(0);
        e.value = Some(Arc::new(StatusValue::Health(Health {
            url: t.label.clone(),
            status_code: if healthy { 200 } else { 503 },
            latency_ms: 1,
            body_status: None,
            healthy,
            components: vec![],
        })));
        e.fetched_at = Some(at);
        e
    }

    #[test]
    fn only_visible_changes_that_look_different_redraw() {
        let store = StatusStore::new();
        let mut live = Live::with_store(StatusConfig::default(), store.clone());
        let (shown, hidden) = (target("http://a/"), target("http://b/"));
        let at = Instant::now();
        store.put(entry(&shown, true, at));
        live.set_on_screen(BTreeMap::from([("entity".to_owned(), vec![shown.clone()])]));
        assert_eq!(live.targets_of("entity"), std::slice::from_ref(&shown));

        store.put(entry(&hidden, false, at));
        assert!(!live.changed(&hidden.id), "not on screen");
        // The same allocation and fetch time: nothing to redraw (a refresh under a value).
        let mut same = store.get(&shown.id).unwrap();
        same.in_flight = true;
        store.put(same);
        assert!(!live.changed(&shown.id));
        store.put(entry(&shown, false, at));
        assert!(live.changed(&shown.id), "a new value");
        assert!(!live.changed(&shown.id), "already taken into account");
        let mut failed = store.get(&shown.id).unwrap();
        failed.error = Some(crate::status::StatusError {
            kind: crate::status::ErrorKind::Transient,
            message: "timed out".into(),
            at,
        });
        store.put(failed);
        assert!(live.changed(&shown.id), "an error appeared");

        live.set_on_screen(BTreeMap::new());
        assert!(live.all_on_screen().is_empty());
        store.put(entry(&shown, true, at));
        assert!(!live.changed(&shown.id), "gone from the screen");
    }

    #[test]
    fn the_age_tick_runs_only_while_asked_and_keeps_its_beat() {
        let mut live = Live::default();
        assert_eq!(live.deadline(), None);
        assert!(!live.on_deadline(StdInstant::now()));
        live.set_ticking(true);
        let first = live.deadline().unwrap();
        live.set_ticking(true);
        assert_eq!(
            live.deadline(),
            Some(first),
            "asking again does not push it back"
        );
        assert!(!live.on_deadline(first - Duration::from_millis(1)));
        assert!(live.on_deadline(first));
        assert_eq!(live.deadline(), Some(first + AGE_TICK));
        // Woken late (a suspended laptop): the next tick is a second from now, not a burst.
        let late = first + AGE_TICK * 10;
        assert!(live.on_deadline(late));
        assert_eq!(live.deadline(), Some(late + AGE_TICK));
        live.set_ticking(false);
        assert_eq!(live.deadline(), None);
    }
}
