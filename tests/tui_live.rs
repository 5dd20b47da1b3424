//! The portal with a real status service against the local fake upstream: interest follows
//! the screen (nothing is fetched for the catalogue list), the age tick runs only while ages
//! are shown, a change redraws only when it is on screen, and while every source hangs the
//! app keeps handling keys and drawing frames, keeps the last good values, and recovers when
//! the sources come back.

mod status_support;

use crossterm::event::KeyCode;
use greenroom::status::fake::Fault;
use greenroom::status::{StatusValue, TargetId};
use greenroom::tui::app::Screen;
use greenroom::tui::entity::rows::Tab;
use greenroom::tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use status_support::{Harness, harness};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(3600);
const PAYMENTS: &str = "component:default/payments";

mod ui_support;
use ui_support::Portal;

use ui_support::key;

/// A headless session on a hub whose live status is the harness's scheduler: store changes
/// reach the app through the session's own subscription, as in the portal.
fn wired(h: &Harness) -> Portal {
    let hub = greenroom_hub::Hub::inline(
        std::sync::Arc::new(greenroom_hub::catalog::FixedLoader::new(
            status_support::catalog(),
        )),
        greenroom_hub::StatusService::running(h.service.clone()),
    );
    hub.catalog.reload();
    ui_support::portal_on_hub(&hub, ui_support::test_app("status fixtures"))
}

/// Draws a frame as the runner does and returns the screen's text.
fn draw(app: &mut Portal, terminal: &mut Terminal<TestBackend>) -> String {
    let mut geometry = Default::default();
    terminal.draw(|f| geometry = views::draw(f, app)).unwrap();
    app.apply_geometry(geometry);
    app.dirty = false;
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Runs the session's side of the loop (status events, timers) until the screen satisfies
/// `cond`; fails after 20 s.
async fn until(
    app: &mut Portal,
    terminal: &mut Terminal<TestBackend>,
    what: &str,
    cond: impl Fn(&str) -> bool,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let text = draw(app, terminal);
        if cond(&text) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}; the screen:\n{text}"
        );
        // Woken by a status change or the app's own deadline (the age tick), not by polling.
        let _ = tokio::time::timeout_at(deadline, app.session.wait()).await;
        app.searches();
    }
}

fn sorted(mut ids: Vec<TargetId>) -> Vec<TargetId> {
    ids.sort();
    ids.dedup();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interest_and_the_age_tick_follow_what_is_on_screen() {
    let h = harness(LONG).await;
    let mut app = wired(&h);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    draw(&mut app, &mut terminal);
    // The catalogue list shows no status: nothing is fetched and nothing ticks.
    assert!(h.service.watched().is_empty());
    assert_eq!(app.deadline(), None, "idle stays idle");

    app.open_entity(PAYMENTS, Tab::Overview);
    let payments: Vec<TargetId> = h.targets("payments").into_iter().map(|t| t.id).collect();
    assert_eq!(h.service.watched(), sorted(payments.clone()));
    assert_eq!(app.deadline(), None, "no ages on the Overview tab");
    key(&mut app, KeyCode::Char('5'));
    assert!(app.live.is_ticking(), "ages on screen tick");
    assert!(app.deadline().is_some());
    let store = h.service.store().clone();
    let all = h.targets("payments");
    until(&mut app, &mut terminal, "payments loaded", |t| {
        t.contains("CI runs")
            && store
                .snapshot(&all)
                .iter()
                .all(|e| e.value.is_some() && !e.in_flight)
    })
    .await;
    app.session.pump_where(&|_| false);
    app.dirty = false;

    // A change to something not on screen does not redraw; a visible change does, and an
    // unchanged refetch (same value, same fetch time) does not.
    let other = h.targets("checkout").into_iter().next().unwrap();
    let mut e = h.service.store().snapshot(std::slice::from_ref(&other))[0].clone();
    e.fetched_at = Some(tokio::time::Instant::now());
    h.service.store().put(e);
    let shown = h.service.store().get(&payments[0]).unwrap();
    h.service.store().put(shown.clone());
    app.session.pump_where(&|_| false);
    assert!(!app.dirty, "nothing visible changed");
    let mut moved = shown;
    moved.fetched_at = Some(tokio::time::Instant::now());
    h.service.store().put(moved);
    app.session.wait().await;
    app.session.pump_where(&|_| false);
    assert!(app.dirty, "a visible age reset redraws");

    // Leaving clears the interest and stops the tick.
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen(), Screen::Catalog));
    assert!(h.service.watched().is_empty());
    assert!(!app.live.is_ticking());
    assert_eq!(app.deadline(), None);

    // The on-call view wants every service's on-call target.
    key(&mut app, KeyCode::Char('O'));
    let oncall: Vec<TargetId> =
        greenroom::status::oncall_targets(&h.catalog, h.service.config(), None)
            .into_iter()
            .map(|(_, t)| t.id)
            .collect();
    assert_eq!(h.service.watched(), sorted(oncall));
    assert!(app.live.is_ticking());

    // The watch wants what its panes show, one owner per pane.
    app.open_entity(PAYMENTS, Tab::Overview);
    key(&mut app, KeyCode::Char('p'));
    key(&mut app, KeyCode::Char('W'));
    assert_eq!(h.service.watched(), sorted(payments));
    key(&mut app, KeyCode::Char('x'));
    assert!(h.service.watched().is_empty(), "closing the pane drops it");
    assert!(!app.live.is_ticking());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_every_source_hangs_the_app_handles_keys_draws_and_recovers() {
    let h = harness(Duration::from_millis(400)).await;
    let mut app = wired(&h);
    let mut terminal = Terminal::new(TestBackend::new(140, 60)).unwrap();
    app.open_entity(PAYMENTS, Tab::Status);
    until(&mut app, &mut terminal, "every widget loaded", |t| {
        !t.contains("not loaded yet") && !t.contains("loading…") && t.contains("HTTP ")
    })
    .await;

    h.fake.inject("/", Fault::Hang, None);
    let hanging = until(&mut app, &mut terminal, "every source timed out", |t| {
        t.matches("✖ timed out").count() >= 8
    })
    .await;
    // The last good values stay on screen, marked.
    assert!(hanging.contains("HTTP "), "{hanging}");
    assert!(hanging.contains("showing the last good value"), "{hanging}");
    // The CI runs: the newest run's number as the fake served it (numbers count from the
    // fake's start, so this holds on any date).
    let newest = h
        .service
        .store()
        .snapshot(&h.targets("payments"))
        .into_iter()
        .find_map(|e| match e.value.as_deref() {
            Some(StatusValue::Builds(b)) => b.first().and_then(|r| r.number),
            _ => None,
        })
        .expect("a CI run was fetched");
    assert!((100..1000).contains(&newest), "run number {newest}");
    assert!(
        hanging.contains(&format!("#{newest}")),
        "the CI runs: {hanging}"
    );
    for e in h.service.store().snapshot(&h.targets("payments")) {
        assert!(e.value.is_some(), "{} lost its value", e.target.id);
    }

    // Keys are handled and frames drawn while every fetch is stuck. Not a speed test (that is
    // `cargo bench --bench search_keystrokes`): a key that waited on a hung request would wait
    // out its 1 s timeout, so 40 keys would take 40 s or more; the bound is far from both that
    // and the few milliseconds they take, so a busy machine cannot make it flaky.
    let started = std::time::Instant::now();
    for _ in 0..20 {
        let before = app.screen().clone();
        key(&mut app, KeyCode::Down);
        draw(&mut app, &mut terminal);
        assert_ne!(*app.screen(), before, "the cursor moved");
        key(&mut app, KeyCode::Up);
        draw(&mut app, &mut terminal);
    }
    key(&mut app, KeyCode::Char('1'));
    assert!(draw(&mut app, &mut terminal).contains("[1 Overview]"));
    key(&mut app, KeyCode::Char('5'));
    assert!(draw(&mut app, &mut terminal).contains("[5 Status]"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "80 keys and frames took {:?}",
        started.elapsed()
    );
    // A refresh while hanging does not block either (it would wait out the 1 s timeout).
    let t = std::time::Instant::now();
    key(&mut app, KeyCode::Char('r'));
    draw(&mut app, &mut terminal);
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );

    h.fake.clear_faults();
    key(&mut app, KeyCode::Char('r'));
    until(&mut app, &mut terminal, "every source recovered", |t| {
        !t.contains("timed out") && !t.contains("last good value") && t.contains("HTTP ")
    })
    .await;
    for e in h.service.store().snapshot(&h.targets("payments")) {
        assert!(e.error.is_none() && e.value.is_some(), "{}", e.target.id);
    }
}
