//! Several sessions in one process over one hub: they hold the same catalogue snapshot (the
//! same `Arc`s) and the same live-status scheduler, so a target watched by two sessions is
//! fetched once, and closing a session ends its interest and removes its store callback. The
//! real session loop (`session::serve`) runs headless on scripted input, drawing into a
//! `Vec<u8>` that a terminal emulator reads back.

mod status_support;
mod ui_support;

use greenroom::hub::catalog::FixedLoader;
use greenroom::hub::{Hub, StatusService};
use greenroom::status::TargetId;
use greenroom::tui::entity::rows::Tab;
use greenroom::tui::input::{Input, Key};
use greenroom::tui::session::{self, Control, PlainHost, SessionIo};
use status_support::harness;
use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::unbounded_channel;
use ui_support::{portal_on_hub, test_app};

const LONG: Duration = Duration::from_secs(3600);
const PAYMENTS: &str = "component:default/payments";

fn sorted(mut ids: Vec<TargetId>) -> Vec<TargetId> {
    ids.sort();
    ids.dedup();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_share_one_snapshot_one_scheduler_and_one_fetch_per_target() {
    let mut h = harness(LONG).await;
    let hub = Hub::inline(
        Arc::new(FixedLoader::new(status_support::catalog())),
        StatusService::running(h.service.clone()),
    );
    hub.catalog.reload();
    let listeners = h.service.store().listener_count();
    let mut a = portal_on_hub(&hub, test_app("a"));
    let mut b = portal_on_hub(&hub, test_app("b"));
    assert_ne!(a.session.id(), b.session.id());
    assert!(Arc::ptr_eq(&a.catalog, &b.catalog), "one catalogue");
    assert!(Arc::ptr_eq(&a.index, &b.index), "one search index");
    assert_eq!(
        h.service.store().listener_count(),
        listeners + 2,
        "each session is told of changes"
    );

    // Both look at the same entity before anything is fetched.
    a.open_entity(PAYMENTS, Tab::Overview);
    b.open_entity(PAYMENTS, Tab::Overview);
    let targets = h.targets("payments");
    let ids = sorted(targets.iter().map(|t| t.id.clone()).collect());
    assert_eq!(h.service.watched(), ids);
    let owners = h.service.owners();
    let sessions: HashSet<u64> = owners.iter().map(|k| k.session).collect();
    assert_eq!(
        sessions,
        HashSet::from([a.session.id(), b.session.id()]),
        "interest is keyed by session: {owners:?}"
    );
    h.until("every payments target fetched", |s| {
        s.snapshot(&targets)
            .iter()
            .all(|e| e.fetches >= 1 && !e.in_flight)
    })
    .await;
    let mut asked = HashSet::new();
    for r in h.fake.requests() {
        assert!(
            asked.insert((r.path.clone(), r.query.clone())),
            "{}?{} was asked upstream twice for two sessions",
            r.path,
            r.query
        );
    }
    assert!(!asked.is_empty());
    for e in h.service.store().snapshot(&targets) {
        assert_eq!(e.fetches, 1, "{} fetched once", e.target.id);
    }

    // Closing one session: the other still watches, and the closed one is told nothing more.
    drop(a);
    assert_eq!(h.service.watched(), ids, "session b still wants them");
    assert_eq!(h.service.store().listener_count(), listeners + 1);
    assert!(
        h.service
            .owners()
            .iter()
            .all(|k| k.session == b.session.id())
    );
    // Closing the last: nothing is polled any more.
    drop(b);
    assert!(h.service.watched().is_empty(), "the targets stopped");
    assert!(h.service.owners().is_empty());
    assert_eq!(h.service.store().listener_count(), listeners);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_reaches_every_session_and_a_new_session_starts_from_the_same_snapshot() {
    let h = harness(LONG).await;
    let loader = Arc::new(FixedLoader::new(status_support::catalog()));
    let hub = Hub::inline(loader.clone(), StatusService::running(h.service.clone()));
    hub.catalog.reload();
    let mut a = portal_on_hub(&hub, test_app("a"));
    let mut b = portal_on_hub(&hub, test_app("b"));
    let before = a.catalog.clone();
    // Session a asks for a reload (ctrl-r); the hub reads once and both sessions take it in.
    loader.set(greenroom::catalog::Catalog::default());
    ui_support::ctrl(&mut a, 'r');
    a.pump();
    b.pump();
    assert!(!Arc::ptr_eq(&a.catalog, &before));
    assert!(Arc::ptr_eq(&a.catalog, &b.catalog));
    assert_eq!(a.catalog.len(), 0);
    let c = portal_on_hub(&hub, test_app("c"));
    assert!(Arc::ptr_eq(&c.catalog, &b.catalog));
}

/// A writer a test can read while the session owns it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    /// The screen the bytes so far draw on an 80×24 terminal.
    fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(24, 80, 0);
        parser.process(&self.0.lock().unwrap());
        parser.screen().contents()
    }

    /// Waits (at most 20 s) until the screen shows `needle`.
    async fn wait_for(&self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{needle:?} never appeared:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn hub_on_fixtures() -> Hub {
    let hub = Hub::start(
        Arc::new(FixedLoader::new(status_support::catalog())),
        StatusService::waiting(),
    );
    hub.catalog.reload();
    hub
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_loop_runs_on_scripted_input_and_draws_into_a_writer() {
    let hub = hub_on_fixtures();
    let out = Shared::default();
    let (input, rx) = unbounded_channel();
    let io = SessionIo {
        input: rx,
        output: out.clone(),
        size: (80, 24),
        host: Box::new(PlainHost),
        control: None,
    };
    let task = {
        let hub = hub.clone();
        tokio::spawn(async move { session::serve(&hub, test_app("scripted"), io).await })
    };
    out.wait_for("payments").await;
    for i in Input::typed("/checkout") {
        input.send(i).unwrap();
    }
    // Searched by the hub's pool and drawn: one hit of six.
    let screen = out.wait_for("1/6").await;
    assert!(screen.contains("/ checkout"), "{screen}");
    input.send(Input::key(Key::Enter)).unwrap();
    out.wait_for("Overview").await;
    // A resize redraws at the new size.
    input
        .send(Input::Resize {
            width: 60,
            height: 20,
        })
        .unwrap();
    input.send(Input::ctrl('c')).unwrap();
    let code = task.await.unwrap().unwrap();
    assert_eq!(code, 0);
    let bytes = out.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("\x1b[?2026h") && text.contains("\x1b[?2026l"),
        "frames are synchronized updates"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_its_input_closes_or_its_host_says_quit() {
    let hub = hub_on_fixtures();
    // Input closed (the client went away): the loop ends cleanly.
    let (input, rx) = unbounded_channel();
    let io = SessionIo {
        input: rx,
        output: Vec::new(),
        size: (80, 24),
        host: Box::new(PlainHost),
        control: None,
    };
    drop(input);
    assert_eq!(
        session::serve(&hub, test_app("closed"), io).await.unwrap(),
        0
    );

    // A terminating signal seen by the host: its exit code comes back.
    let (_input, rx) = unbounded_channel::<Input>();
    let (control, control_rx) = unbounded_channel();
    control.send(Control::Quit(143)).unwrap();
    let io = SessionIo {
        input: rx,
        output: Vec::new(),
        size: (80, 24),
        host: Box::new(PlainHost),
        control: Some(control_rx),
    };
    assert_eq!(
        session::serve(&hub, test_app("signalled"), io)
            .await
            .unwrap(),
        143
    );
}
