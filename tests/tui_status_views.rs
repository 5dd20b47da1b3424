//! The live-status screens drawn from a fixed store and a frozen clock, so the snapshots are
//! exact: the Status tab (fresh, stale, refused credentials with the last good value, rate
//! limited, timed out, loading), the on-call view with "my on-call", and a 4-pane watch
//! layout, each at 80×24 and 120×40. Plus the interactions: pinning, splitting, focusing,
//! zooming, closing and saving a layout, never panicking at any size.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use greenroom::catalog::Catalog;
use greenroom::sources::{self, LoadOptions};
use greenroom::status::store::{Entry, ErrorKind, StatusError};
use greenroom::status::time::format_rfc3339;
use greenroom::status::value::*;
use greenroom::status::{StatusConfig, StatusStore, Target, Widget, targets_for};
use greenroom::tui::app::{App, AppEvent, Effect, Settings};
use greenroom::tui::entity::rows::Tab;
use greenroom::tui::keymap::Keymap;
use greenroom::tui::live::Live;
use greenroom::tui::theme::{ColorDepth, Theme};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// 2027-01-15T08:00:00Z on the frozen wall clock.
const UNIX: f64 = 1_800_000_000.0;

mod ui_support;

use ui_support::{render, screen_text};

fn demo_catalog() -> Catalog {
    let source: Box<dyn sources::Source> = Box::new(sources::demo::source());
    let opts = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    sources::load(&[source], &opts)
}

/// Every source switched on, as on the demo, but nothing is ever fetched: no service runs.
fn config() -> StatusConfig {
    let mut c: StatusConfig = toml::from_str(
        "user = \"ada.lovelace@encore.example\"\n[argocd]\nbase_url = \"http://argocd.test\"\n[kubernetes]\nbase_url = \"http://k8s.test\"\n[prometheus]\nbase_url = \"http://prometheus.test\"\n",
    )
    .unwrap();
    c.demo = true;
    c
}

struct Fixture {
    app: App,
    store: StatusStore,
    now: Instant,
}

fn fixture() -> Fixture {
    let catalog = demo_catalog();
    let index = Arc::new(greenroom::search::SearchIndex::build(&catalog));
    let mut app = App::new(
        Keymap::builtin("default").unwrap(),
        Theme::builtin("dark", ColorDepth::TrueColor).unwrap(),
        Settings {
            hyperlinks: false,
            ..Settings::default()
        },
        "the bundled demo".into(),
    );
    app.demo = true;
    app.handle(AppEvent::Loaded(Box::new(catalog), index));
    app.run_searches_inline();
    let store = StatusStore::new();
    // Far enough from the process start that "3m ago" is a valid instant.
    let now = Instant::now() + Duration::from_secs(3600);
    app.live = Live::with_store(config(), store.clone());
    app.live.freeze_clock(now, UNIX);
    app.sync_live();
    Fixture { app, store, now }
}

fn until(secs: f64) -> Option<String> {
    Some(format_rfc3339(UNIX + secs))
}

fn person(name: &str, level: u32, until_secs: Option<f64>) -> OnCallEntry {
    let slug = name.to_lowercase().replace(' ', ".");
    OnCallEntry {
        user_id: format!("P{}", slug.len()),
        name: name.into(),
        email: Some(format!("{slug}@encore.example")),
        level,
        schedule: until_secs.map(|_| "Primary rotation".into()),
        start: None,
        until: until_secs.and_then(until),
        url: None,
    }
}

const PEOPLE: [&str; 6] = [
    "Barbara Liskov",
    "Ada Lovelace",
    "Grace Hopper",
    "Edsger Dijkstra",
    "Alan Turing",
    "Radia Perlman",
];

/// A plausible, fixed value for a target; `i` varies it.
fn value_for(t: &Target, i: usize) -> StatusValue {
    match t.widget {
        Widget::OnCall => StatusValue::OnCall(OnCall {
            service: None,
            escalation_policy: Some(NamedRef {
                id: "PEP1".into(),
                name: "Team escalation".into(),
                url: None,
            }),
            entries: vec![person(PEOPLE[i % 6], 1, Some(480.0 + 60.0 * i as f64))],
            levels: vec![
                EscalationLevel {
                    level: 1,
                    names: vec![PEOPLE[i % 6].into()],
                },
                EscalationLevel {
                    level: 2,
                    names: vec![PEOPLE[(i + 1) % 6].into()],
                },
                EscalationLevel {
                    level: 3,
                    names: vec![PEOPLE[(i + 2) % 6].into()],
                },
            ],
        }),
        Widget::Incidents => StatusValue::Incidents(vec![Incident {
            id: "Q1".into(),
            number: Some(1042),
            title: "High error rate on checkout API".into(),
            status: "triggered".into(),
            urgency: "high".into(),
            priority: None,
            created_at: format_rfc3339(UNIX - 180.0),
            url: Some("https://encore.pagerduty.com/incidents/Q1".into()),
            assignees: vec![],
        }]),
        Widget::Service => StatusValue::Service(PdServiceStatus {
            id: "PCHK0UT".into(),
            name: "Checkout".into(),
            status: "critical".into(),
            url: None,
            escalation_policy: None,
        }),
        Widget::Builds => StatusValue::Builds(
            (0..3)
                .map(|k| Build {
                    id: 100 + k,
                    name: Some("CI".into()),
                    number: Some(60890 - k),
                    state: [
                        BuildState::Running,
                        BuildState::Success,
                        BuildState::Failure,
                    ][k as usize],
                    status: "completed".into(),
                    conclusion: None,
                    branch: Some("main".into()),
                    commit: Some(format!("{:x}abcdef0123", 0xa1 + k)),
                    title: Some("Fix flaky retry test".into()),
                    started_at: Some(format_rfc3339(UNIX - 120.0 * (k + 1) as f64)),
                    updated_at: None,
                    url: Some("https://github.com/encore/checkout/actions/runs/1".into()),
                    actor: Some("ada".into()),
                })
                .collect(),
        ),
        Widget::Sync => StatusValue::Apps(vec![ArgoApp {
            name: "checkout-service-prod".into(),
            sync: "Synced".into(),
            health: "Progressing".into(),
            health_message: None,
            revision: Some("9db0d01c".into()),
            operation: Some("Running".into()),
            reconciled_at: None,
        }]),
        Widget::Deployments => StatusValue::Deployments(vec![Deployment {
            name: "checkout-service".into(),
            namespace: "checkout".into(),
            desired: 4,
            ready: 3,
            available: 3,
            updated: 4,
            rollout: Rollout::Progressing,
            message: None,
        }]),
        Widget::Metric => StatusValue::Metric(Metric {
            query: t.label.clone(),
            dimension: None,
            series: (0..2)
                .map(|s| Series {
                    label: format!("pod=checkout-service-7f9c-{s}"),
                    value: Some(3.25 + s as f64 * 10.0 + i as f64),
                    points: (0..31)
                        .map(|k| {
                            let x = k as f64;
                            (UNIX - 900.0 + 30.0 * x, ((x + s as f64 * 7.0) * 0.4).sin())
                        })
                        .collect(),
                })
                .collect(),
            range_secs: 900,
            step_secs: 30,
        }),
        Widget::Alerts => StatusValue::Alerts(vec![Alert {
            name: "CheckoutHighErrorRate".into(),
            state: "firing".into(),
            severity: Some("critical".into()),
            summary: Some("CheckoutHighErrorRate on checkout-service".into()),
            active_at: Some(format_rfc3339(UNIX - 300.0)),
            value: None,
            labels: vec![],
        }]),
        Widget::Health => StatusValue::Health(Health {
            url: t.label.clone(),
            status_code: 503,
            latency_ms: 42,
            body_status: Some("DOWN".into()),
            healthy: false,
            components: vec![
                ("diskSpace".into(), "UP".into()),
                ("db".into(), "DOWN".into()),
            ],
        }),
        Widget::Command => StatusValue::Command(CommandResult {
            exit_code: Some(0),
            success: true,
            json: None,
            summary: "canary ok".into(),
        }),
    }
}

fn entry(t: &Target, value: Option<StatusValue>, age: Option<u64>, now: Instant) -> Entry {
    Entry {
        target: t.clone(),
        value: value.map(Arc::new),
        fetched_at: age.map(|a| now - Duration::from_secs(a)),
        fetched_at_wall: None,
        error: None,
        interval: Duration::from_secs(60),
        in_flight: false,
        failures: 0,
        next_at: None,
        fetches: 1,
    }
}

/// Fills the store for these targets: fresh values, ages by position.
fn fill(f: &Fixture, targets: &[Target]) {
    for (i, t) in targets.iter().enumerate() {
        f.store.put(entry(
            t,
            Some(value_for(t, i)),
            Some(5 + i as u64 * 7),
            f.now,
        ));
    }
}

fn targets(f: &Fixture, key: &str) -> Vec<Target> {
    targets_for(f.app.catalog.get(key).unwrap(), f.app.live.config())
}

/// The checkout service in every state a widget can be in.
fn checkout_states(f: &Fixture) {
    let ts = targets(f, "component:default/checkout-service");
    fill(f, &ts);
    let find = |w: Widget, n: usize| ts.iter().filter(|t| t.widget == w).nth(n).unwrap();
    let now = f.now;
    // Credentials refused: polling stopped, the last good value stays (and is stale).
    let builds = find(Widget::Builds, 0);
    let mut e = entry(builds, Some(value_for(builds, 0)), Some(180), now);
    e.error = Some(StatusError {
        kind: ErrorKind::Stopped,
        message: "GitHub refused the credentials (401 Bad credentials): set the environment variable GITHUB_TOKEN".into(),
        at: now,
    });
    f.store.put(e);
    // Rate limited: waits until the reset.
    let incidents = find(Widget::Incidents, 0);
    let mut e = entry(incidents, Some(value_for(incidents, 0)), Some(40), now);
    e.error = Some(StatusError {
        kind: ErrorKind::RateLimited,
        message: "PagerDuty rate limit (429): waiting 30s".into(),
        at: now,
    });
    e.next_at = Some(now + Duration::from_secs(25));
    f.store.put(e);
    // First load under way; and a timeout with nothing to show yet.
    let m1 = find(Widget::Metric, 1);
    let mut e = entry(m1, None, None, now);
    e.in_flight = true;
    f.store.put(e);
    let m2 = find(Widget::Metric, 2);
    let mut e = entry(m2, None, None, now);
    e.error = Some(StatusError {
        kind: ErrorKind::Transient,
        message: "timed out after 10s".into(),
        at: now,
    });
    e.next_at = Some(now + Duration::from_secs(4));
    f.store.put(e);
}

fn key(app: &mut App, code: KeyCode) {
    key_mod(app, code, KeyModifiers::NONE);
}

fn key_mod(app: &mut App, code: KeyCode, m: KeyModifiers) {
    app.handle(AppEvent::Terminal(Event::Key(KeyEvent::new(code, m))));
    app.run_searches_inline();
}

fn both_sizes(name: &str, app: &mut App) {
    for (w, h) in [(80, 24), (120, 40)] {
        let t = render(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

#[test]
fn status_tab_shows_every_state_with_words_and_ages() {
    let mut f = fixture();
    checkout_states(&f);
    f.app
        .open_entity("component:default/checkout-service", Tab::Status);
    both_sizes("status_tab", &mut f.app);
    let text = screen_text(&render(&mut f.app, 120, 40));
    for want in [
        "[5 Status] ✖",
        "demo data",
        "✖ CI runs",
        "3m ago · ⚠ stale",
        "environment variable GITHUB_TOKEN · stopped; press r to retry",
        "● running  #60890 CI",
        "ready",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    // Further down: metrics loading and timed out, the rate limit, on call.
    key(&mut f.app, KeyCode::End);
    let text = screen_text(&render(&mut f.app, 120, 40));
    for want in [
        "loading…",
        "✖ timed out after 10s · retry in 4s",
        "rate limited until 08:00:25",
        "L1 Barbara Liskov  until 08:08 UTC (in 8m)",
        "then L2 Ada Lovelace · L3 Grace Hopper (Team escalation)",
        "✖ unhealthy  HTTP 503  DOWN  42 ms",
        "✖ db DOWN · ✔ diskSpace UP",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
}

#[test]
fn widgets_fold_and_entities_without_annotations_say_what_would_fill_them() {
    let mut f = fixture();
    checkout_states(&f);
    f.app
        .open_entity("component:default/checkout-service", Tab::Status);
    let before = screen_text(&render(&mut f.app, 120, 40));
    assert!(before.contains("#60889"), "{before}");
    // The cursor starts on the first widget's header: enter folds it.
    key(&mut f.app, KeyCode::Enter);
    let after = screen_text(&render(&mut f.app, 120, 40));
    assert!(after.contains("▸ ✖ CI runs"), "{after}");
    assert!(!after.contains("#60889"), "{after}");

    f.app.open_entity("system:default/checkout", Tab::Status);
    both_sizes("status_tab_empty", &mut f.app);
    let text = screen_text(&render(&mut f.app, 80, 24));
    assert!(text.contains("No live status for this entity"), "{text}");
    assert!(text.contains("github.com/project-slug: org/repo"), "{text}");
    assert!(!text.contains("demo data"), "nothing to label: {text}");
}

#[test]
fn an_annotation_whose_source_is_off_is_explained() {
    let mut f = fixture();
    let mut c = config();
    c.argocd.base_url = None;
    f.app.live = Live::with_store(c, f.store.clone());
    f.app.live.freeze_clock(f.now, UNIX);
    f.app
        .open_entity("component:default/checkout-service", Tab::Status);
    let text = screen_text(&render(&mut f.app, 120, 40));
    assert!(
        text.contains(
            "⚠ argocd/app-name is set, but Argo CD is off: give [status.argocd] a base_url"
        ),
        "{text}"
    );
    assert!(!text.contains("Argo CD checkout-service-prod"), "{text}");
}

#[test]
fn oncall_view_lists_teams_services_people_and_my_shifts() {
    let mut f = fixture();
    let pairs = greenroom::status::oncall_targets(&f.app.catalog, f.app.live.config(), None);
    let all: Vec<Target> = pairs.iter().map(|(_, t)| t.clone()).collect();
    fill(&f, &all);
    let of = |key: &str| pairs.iter().find(|(k, _)| k == key).unwrap().1.clone();
    // One service failing with its last value kept, one never loaded.
    let failing = of("component:default/checkout-widget");
    let mut e = entry(&failing, Some(value_for(&failing, 1)), Some(400), f.now);
    e.error = Some(StatusError {
        kind: ErrorKind::Transient,
        message: "HTTP 503: Service Unavailable".into(),
        at: f.now,
    });
    e.next_at = Some(f.now + Duration::from_secs(9));
    f.store.put(e);
    f.store.put(entry(
        &of("component:default/orders-service"),
        None,
        None,
        f.now,
    ));
    key(&mut f.app, KeyCode::Char('O'));
    both_sizes("oncall", &mut f.app);
    let text = screen_text(&render(&mut f.app, 120, 40));
    assert!(text.contains("My on-call"), "{text}");
    assert!(
        text.contains("level 1  until"),
        "ada is on call somewhere: {text}"
    );
    assert!(
        text.contains("✖ HTTP 503: Service Unavailable · showing the last good value"),
        "{text}"
    );
    assert!(text.contains("not loaded yet"), "{text}");
    // Enter on a team opens the group; on a service, its Status tab.
    let team_row = f
        .app
        .rows()
        .iter()
        .position(|r| r.target.as_deref() == Some("group:default/checkout-team"))
        .unwrap();
    while !matches!(f.app.screen(), greenroom::tui::app::Screen::OnCall { cursor, .. } if *cursor == team_row)
    {
        key(&mut f.app, KeyCode::Down);
    }
    key(&mut f.app, KeyCode::Down);
    key(&mut f.app, KeyCode::Enter);
    let text = screen_text(&render(&mut f.app, 80, 24));
    assert!(text.contains("[5 Status]"), "{text}");
    assert!(text.contains("Component checkout-service"), "{text}");
}

/// Pins four things (an entity, a widget, an on-call widget, another entity) into a grid.
fn four_panes(f: &mut Fixture) {
    for key_ in [
        "component:default/checkout-service",
        "component:default/payments-gateway",
        "component:default/orders-service",
    ] {
        fill(f, &targets(f, key_));
    }
    checkout_states(f);
    let app = &mut f.app;
    // From the Overview the whole entity is pinned; from the Status tab, the widget under the
    // cursor.
    app.open_entity("component:default/checkout-service", Tab::Overview);
    key(app, KeyCode::Char('p'));
    app.open_entity("component:default/payments-gateway", Tab::Status);
    // The cursor is on the first widget (CI runs): pin just that.
    key(app, KeyCode::Char('p'));
    app.open_entity("component:default/orders-service", Tab::Overview);
    key(app, KeyCode::Char('p'));
    app.open_entity("system:default/checkout", Tab::Overview);
    key(app, KeyCode::Char('p'));
    key(app, KeyCode::Char('W'));
}

#[test]
fn four_pane_watch_layout() {
    let mut f = fixture();
    four_panes(&mut f);
    assert_eq!(f.app.watch.panes.len(), 4);
    both_sizes("watch_4_panes", &mut f.app);
    let text = screen_text(&render(&mut f.app, 80, 24));
    for want in [
        "4 pane(s)",
        "1 Checkout",
        "2 Payments Gateway · builds",
        "3 Orders",
        "4 Checkout",
        "no live status",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    // Every pane shows a status mark or words at 80×24.
    for mark in ["✔", "✖", "●"] {
        assert!(text.contains(mark), "{mark}: {text}");
    }
}

#[test]
fn panes_split_focus_resize_zoom_close_and_save() {
    let mut f = fixture();
    four_panes(&mut f);
    let app = &mut f.app;
    render(app, 80, 24);
    let focused = || ();
    focused();
    // Focus moves by direction on the grid: 4 is bottom right; left is 3... in reading order.
    let start = app.watch.panes.focus();
    key(app, KeyCode::Up);
    assert_ne!(app.watch.panes.focus(), start);
    key(app, KeyCode::Down);
    assert_eq!(app.watch.panes.focus(), start);
    key(app, KeyCode::Tab);
    assert_ne!(app.watch.panes.focus(), start);
    key(app, KeyCode::BackTab);
    assert_eq!(app.watch.panes.focus(), start);
    // Grow, then zoom shows one pane.
    let width_of = |app: &mut App| {
        render(app, 80, 24);
        let area = app.geometry.watch;
        let f = app.watch.panes.focus().unwrap();
        app.watch
            .panes
            .layout(area)
            .into_iter()
            .find(|(id, _)| *id == f)
            .unwrap()
            .1
    };
    let before = width_of(app);
    key(app, KeyCode::Char('+'));
    let after = width_of(app);
    assert!(
        after.height > before.height || after.width > before.width,
        "{before:?} → {after:?}"
    );
    key(app, KeyCode::Char('-'));
    assert_eq!(width_of(app), before);
    key(app, KeyCode::Char('z'));
    let text = screen_text(&render(app, 80, 24));
    assert!(text.contains("zoomed"), "{text}");
    assert_eq!(app.watch.panes.layout(app.geometry.watch).len(), 1);
    key(app, KeyCode::Char('z'));
    // Split right and down make empty panes; close takes them away again.
    key(app, KeyCode::Char('v'));
    key(app, KeyCode::Char('s'));
    assert_eq!(app.watch.panes.len(), 6);
    let text = screen_text(&render(app, 80, 24));
    assert!(text.contains("6 empty") || text.contains("empty"), "{text}");
    key(app, KeyCode::Char('x'));
    key(app, KeyCode::Char('x'));
    assert_eq!(app.watch.panes.len(), 4);

    // Save: a name prompt, a refused empty name, then the effect that writes the file.
    key(app, KeyCode::Char('S'));
    let text = screen_text(&render(app, 80, 24));
    assert!(text.contains("Save this layout as"), "{text}");
    key(app, KeyCode::Enter);
    let text = screen_text(&render(app, 80, 24));
    assert!(text.contains("✖ a layout needs a name"), "{text}");
    for c in "oncall wall".chars() {
        key(app, KeyCode::Char(c));
    }
    key(app, KeyCode::Enter);
    let saved = app
        .take_effects()
        .into_iter()
        .find_map(|e| match e {
            Effect::SaveLayout(spec) => Some(spec),
            _ => None,
        })
        .expect("a save effect");
    assert_eq!(saved.name, "oncall wall");
    assert_eq!(saved.panes.len(), 4);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    greenroom::tui::live::layouts::save(&path, &saved).unwrap();
    app.layout_saved(saved.clone(), Ok(()));
    let text = screen_text(&render(app, 120, 24));
    assert!(text.contains("greenroom --layout 'oncall wall'"), "{text}");
    // A broken config file is not overwritten: the prompt comes back with where it is broken.
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[ui]\ntheme = \"dark\"\nmouse = \n").unwrap();
    let result = greenroom::tui::live::layouts::save(&broken, &saved);
    app.layout_saved(saved.clone(), result);
    let text = screen_text(&render(app, 80, 24));
    assert!(text.contains("✖ not saved:"), "{text}");
    assert!(text.contains("broken.toml:3:"), "{text}");
    assert!(text.contains("oncall wall"), "the name is kept: {text}");
    key(app, KeyCode::Esc);
    assert!(app.popups.overlay().is_none());
    // Reopening it in a fresh portal gives the same panes.
    let config = greenroom::config::Config::load(&path).unwrap();
    let mut g = fixture();
    g.app.open_layout(&config.layouts[0]).unwrap();
    assert_eq!(
        <greenroom::tui::live::layouts::LayoutSpec as greenroom::tui::live::layouts::LayoutTree>::from_tree(
            "oncall wall",
            &g.app.watch.panes
        ),
        saved
    );
}

#[test]
fn live_screens_never_panic_at_any_size() {
    let mut f = fixture();
    four_panes(&mut f);
    for _ in 0..8 {
        key(&mut f.app, KeyCode::Char('v'));
    }
    for (w, h) in [
        (1, 1),
        (2, 2),
        (20, 5),
        (59, 11),
        (60, 12),
        (61, 13),
        (80, 24),
        (300, 100),
    ] {
        render(&mut f.app, w, h);
    }
    key(&mut f.app, KeyCode::Char('z'));
    render(&mut f.app, 60, 12);
    key(&mut f.app, KeyCode::Char('O'));
    for (w, h) in [(1, 1), (60, 12), (80, 24), (300, 100)] {
        render(&mut f.app, w, h);
    }
    f.app
        .open_entity("component:default/checkout-service", Tab::Status);
    for (w, h) in [(1, 1), (60, 12), (80, 24), (300, 100)] {
        render(&mut f.app, w, h);
    }
    key(&mut f.app, KeyCode::Char('W'));
    key(&mut f.app, KeyCode::Char('S'));
    for (w, h) in [(1, 1), (60, 12), (300, 100)] {
        render(&mut f.app, w, h);
    }
    key_mod(&mut f.app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(f.app.popups.overlay().is_none(), "ctrl-c closes the prompt");
}

#[test]
fn hostile_upstream_text_reaches_the_screen_harmless() {
    let mut f = fixture();
    let ts = targets(&f, "component:default/checkout-service");
    fill(&f, &ts);
    let builds = ts.iter().find(|t| t.widget == Widget::Builds).unwrap();
    let mut v = value_for(builds, 0);
    if let StatusValue::Builds(b) = &mut v {
        b[0].title = Some("evil \u{1b}]52;c;cm0gLXJm\u{7} \u{1b}[2J\u{202e}title".into());
        b[0].branch = Some("main\u{1b}[31m".into());
    }
    f.store.put(entry(builds, Some(v), Some(3), f.now));
    let mut e = entry(&ts[0], None, None, f.now);
    e.error = Some(StatusError {
        kind: ErrorKind::Rejected,
        message: "HTTP 400: \u{1b}]0;owned\u{7}bad".into(),
        at: f.now,
    });
    f.store.put(e);
    f.app
        .open_entity("component:default/checkout-service", Tab::Status);
    for screen in ["status", "watch"] {
        if screen == "watch" {
            key(&mut f.app, KeyCode::Char('p'));
            key(&mut f.app, KeyCode::Char('W'));
        }
        let t = render(&mut f.app, 160, 50);
        for cell in t.backend().buffer().content() {
            for c in cell.symbol().chars() {
                assert!(
                    !c.is_control() && c != '\u{202e}',
                    "{c:?} reached the screen"
                );
            }
        }
    }
}

/// An entity whose only status annotations are Prometheus ones, with Prometheus unconfigured:
/// one message says which annotations go unread and what to set, and nothing claims that
/// none of its annotations name a source.
#[test]
fn unconfigured_prometheus_is_one_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: metered\n  annotations:\n    prometheus.io/rule: up|job\n    prometheus.io/alert: all\nspec:\n  type: service\n  lifecycle: production\n  owner: guest\n",
    )
    .unwrap();
    let source: Box<dyn sources::Source> =
        Box::new(sources::files::FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let catalog = sources::load(&[source], &LoadOptions::default());
    let index = Arc::new(greenroom::search::SearchIndex::build(&catalog));
    let mut app = App::new(
        Keymap::builtin("default").unwrap(),
        Theme::builtin("dark", ColorDepth::TrueColor).unwrap(),
        Settings::default(),
        "test".into(),
    );
    app.handle(AppEvent::Loaded(Box::new(catalog), index));
    app.live = Live::with_store(StatusConfig::default(), StatusStore::new());
    app.open_entity("component:default/metered", Tab::Status);
    let text = screen_text(&render(&mut app, 120, 40));
    assert!(
        text.contains("⚠ prometheus.io/rule, prometheus.io/alert are set, but Prometheus is off: give [status.prometheus] a base_url"),
        "{text}"
    );
    assert_eq!(text.matches("Prometheus is off").count(), 1, "{text}");
    assert!(!text.contains("none of its annotations"), "{text}");
}

/// `greenroom serve` sessions: each session's "my on-call" is its own user's (its SSH
/// identity, a catalogue User matched by profile email), over one shared store, and never
/// the server's `[status] user`.
#[test]
fn my_oncall_is_the_session_users_not_the_configs() {
    let mut f = fixture();
    let pairs = greenroom::status::oncall_targets(&f.app.catalog, f.app.live.config(), None);
    assert!(pairs.len() >= 4, "{}", pairs.len());
    // Mei Lin is on call for every other service, Emma Laurent for the rest; the configured
    // user (ada) for none.
    for (i, (_, t)) in pairs.iter().enumerate() {
        let who = if i % 2 == 0 {
            "Mei Lin"
        } else {
            "Emma Laurent"
        };
        let value = StatusValue::OnCall(OnCall {
            service: None,
            escalation_policy: None,
            entries: vec![person(who, 1, Some(600.0))],
            levels: vec![],
        });
        f.store.put(entry(t, Some(value), Some(5), f.now));
    }
    // The on-call view is cached until something it is built from changes: a session's
    // user is set before its first frame, so here the cache is dropped by hand.
    let mine = |app: &mut App| -> Vec<String> {
        app.views.invalidate();
        let screen = app.oncall_screen();
        screen.0.mine.iter().map(|m| m.entity_ref.clone()).collect()
    };
    // Without a session user: the config's, who has no shift.
    assert!(mine(&mut f.app).is_empty());
    // A second session over the same store.
    let mut g = fixture();
    g.app.live = Live::with_store(config(), f.store.clone());
    g.app.live.freeze_clock(f.now, UNIX);
    g.app.sync_live();
    f.app
        .live
        .set_session_user(Some("user:default/mei.lin".into()));
    g.app
        .live
        .set_session_user(Some("user:default/emma.laurent".into()));
    let (mei, emma) = (mine(&mut f.app), mine(&mut g.app));
    let even: Vec<String> = pairs.iter().step_by(2).map(|(k, _)| k.clone()).collect();
    let odd: Vec<String> = pairs
        .iter()
        .skip(1)
        .step_by(2)
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(mei, even);
    assert_eq!(emma, odd);
    key(&mut f.app, KeyCode::Char('O'));
    let text = screen_text(&render(&mut f.app, 120, 40));
    assert!(
        text.contains("My on-call  (user:default/mei.lin, your SSH key)"),
        "{text}"
    );
    assert!(!text.contains("[status] user"), "{text}");
    // A key that names no catalogue user: nobody's shifts, and it says why.
    g.app.live.set_session_user(None);
    assert!(mine(&mut g.app).is_empty());
    key(&mut g.app, KeyCode::Char('O'));
    let text = screen_text(&render(&mut g.app, 120, 40));
    assert!(
        text.contains("your SSH key names no catalogue user"),
        "{text}"
    );
}
