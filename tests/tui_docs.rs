//! The Docs tab and the docs search, driven by keys on the real `App` over the bundled demo:
//! `checkout-service` → Docs shows its pages, nav and links at 80×24; pages go back and
//! forward; find in page; the search across every docs site opens the page at the match; the
//! nav sits beside the page when the terminal is wide; a slow TechDocs backend (a local fake
//! holding its answers at a gate) never holds the keys, Esc stops waiting, and what was read
//! opens again offline from the cache.

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::Effect;
use greenroom::tui::entity::rows::Tab;
use ui_support::Portal;

mod docs_support;
mod ui_support;

use ui_support::{app_with, key, load, render, screen_text, type_text};

fn demo_app() -> Portal {
    app_with(load(Box::new(sources::demo::source())), "the bundled demo")
}

fn checkout_docs() -> Portal {
    let mut app = demo_app();
    app.open_entity("component:default/checkout-service", Tab::Overview);
    key(&mut app, KeyCode::Char('6'));
    render(&mut app, 80, 24);
    app
}

fn screen(app: &mut Portal, w: u16, h: u16) -> String {
    screen_text(&render(app, w, h))
}

fn header_line(app: &mut Portal) -> String {
    screen(app, 80, 24)
        .lines()
        .nth(3)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn checkout_docs_tab_at_80x24() {
    let mut app = checkout_docs();
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("[6 Docs]"), "{text}");
    assert!(text.contains("Checkout › Overview  1/4"), "{text}");
    insta::assert_snapshot!("docs_checkout_overview_80x24", text);
}

#[test]
fn the_nav_opens_the_runbook_and_pages_go_back_and_forward() {
    let mut app = checkout_docs();
    key(&mut app, KeyCode::Char('t'));
    let text = screen(&mut app, 80, 24);
    for title in ["Overview", "Architecture", "Runbook", "On-sale playbook"] {
        assert!(text.contains(title), "{title}:\n{text}");
    }
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("Checkout › Runbook  3/4"), "{text}");
    assert!(text.contains("CheckoutHighErrorRate"), "{text}");
    insta::assert_snapshot!("docs_checkout_runbook_80x24", text);
    key(&mut app, KeyCode::Char('b'));
    assert!(header_line(&mut app).contains("Overview"));
    key(&mut app, KeyCode::Char('f'));
    assert!(header_line(&mut app).contains("Runbook"));
    // With no page left to go back to, back leaves the Docs tab's screen.
    key(&mut app, KeyCode::Char('b'));
    key(&mut app, KeyCode::Char('b'));
    assert!(!app.docs_tab_shown() || header_line(&mut app).contains("Overview"));
}

#[test]
fn intra_doc_links_navigate_and_outside_links_are_copied() {
    let mut app = checkout_docs();
    // The overview's links: Checkout API, Grafana (in the table), Architecture, Runbook, ...
    for _ in 0..4 {
        key(&mut app, KeyCode::Char(']'));
    }
    key(&mut app, KeyCode::Enter);
    assert!(
        header_line(&mut app).contains("Checkout › Runbook"),
        "{}",
        header_line(&mut app)
    );
    // The runbook's first link is the Grafana dashboard: Y copies it.
    key(&mut app, KeyCode::Char(']'));
    app.take_effects();
    key(&mut app, KeyCode::Char('Y'));
    let effects = app.take_effects();
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Clipboard(u) if u == "https://grafana.encore.example/d/checkout-service/overview")),
        "{effects:?}"
    );
}

#[test]
fn find_in_page_with_n_and_shift_n() {
    let mut app = checkout_docs();
    key(&mut app, KeyCode::Char('t'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "kubectl\n");
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("find \"kubectl\": 2 lines"), "{text}");
    let first = app.docs.reader.as_ref().unwrap().scroll;
    key(&mut app, KeyCode::Char('n'));
    let second = app.docs.reader.as_ref().unwrap().scroll;
    assert!(second > first, "{first} {second}");
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.docs.reader.as_ref().unwrap().scroll, first);
    // Nothing found says so.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zzz-nowhere\n");
    key(&mut app, KeyCode::Char('n'));
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("not on this page"), "{text}");
}

#[test]
fn docs_search_opens_the_page_at_the_match() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('S'));
    app.docs.wait_index();
    type_text(&mut app, "failover");
    let text = screen(&mut app, 80, 24);
    assert!(
        text.contains("Payments Gateway › PSP routing › Failover"),
        "{text}"
    );
    key(&mut app, KeyCode::Enter);
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("payments-gateway"), "{text}");
    assert!(text.contains("Payments Gateway › PSP routing"), "{text}");
    // The page opens at the heading: it is the first line of the page.
    assert!(text.lines().nth(4).unwrap().contains("Failover"), "{text}");
}

/// `docs:` in the catalogue's search: the entities whose TechDocs hold the words. The index is
/// built on a worker when the filter is first typed; the search runs again when it arrives
/// (on the session's deadlines), without a key.
#[test]
fn the_main_search_docs_filter_finds_entities_by_their_docs() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "docs:failover");
    assert!(
        app.docs.index.is_some() || app.docs.indexing.is_some(),
        "typing docs: starts the index"
    );
    for _ in 0..6000 {
        if app.docs.index.is_some() {
            break;
        }
        let due = app
            .deadline()
            .expect("a deadline while the docs index is built");
        app.on_deadline(due.max(std::time::Instant::now()));
        app.searches();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    app.searches();
    let names = |app: &Portal| -> Vec<String> {
        let mut v: Vec<String> = app
            .search
            .hits
            .iter()
            .map(|h| app.catalog.entities()[h.entity].name().to_owned())
            .collect();
        v.sort();
        v
    };
    // payments-gateway's PSP routing page and inventory-service's on-call table.
    assert_eq!(names(&app), ["inventory-service", "payments-gateway"]);
    // Every word must be in one section of the docs; filters combine as usual.
    ui_support::ctrl(&mut app, 'u');
    type_text(&mut app, "docs:\"rollback\" kind:component");
    let rollback = names(&app);
    assert!(
        rollback.contains(&"checkout-service".to_owned()),
        "{rollback:?}"
    );
    assert!(!rollback.contains(&"payments-gateway".to_owned()) || rollback.len() > 1);
    ui_support::ctrl(&mut app, 'u');
    type_text(&mut app, "docs:\"psp failover\"");
    assert_eq!(names(&app), ["payments-gateway"]);
    ui_support::ctrl(&mut app, 'u');
    type_text(&mut app, "docs:\"failover nosuchword\"");
    assert!(names(&app).is_empty());
    ui_support::ctrl(&mut app, 'u');
    type_text(&mut app, "-docs:failover kind:component");
    let without = names(&app);
    assert!(
        !without.contains(&"payments-gateway".to_owned()),
        "{without:?}"
    );
    assert!(
        !without.contains(&"inventory-service".to_owned()),
        "{without:?}"
    );
    assert!(
        without.contains(&"checkout-service".to_owned()),
        "{without:?}"
    );
}

#[test]
fn the_palette_reaches_the_docs_search() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "docs.search\n");
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("Search all docs"), "{text}");
}

#[test]
fn wide_terminals_show_the_nav_and_headings_beside_the_page() {
    let mut app = checkout_docs();
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("▶ Overview"), "{text}");
    assert!(text.contains("On this page"), "{text}");
    insta::assert_snapshot!("docs_checkout_overview_120x30", text);
}

#[test]
fn code_scrolls_sideways() {
    let mut app = checkout_docs();
    key(&mut app, KeyCode::Char('t'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    // Architecture: its diagram is wider than 80 columns.
    let before = screen(&mut app, 80, 24);
    key(&mut app, KeyCode::Right);
    let after = screen(&mut app, 80, 24);
    assert_ne!(before, after);
    assert!(before.contains("│ fan ──POST"), "{before}");
    assert!(!after.contains("│ fan ──POST"), "{after}");
}

#[test]
fn entities_without_docs_have_no_docs_tab() {
    let mut app = demo_app();
    app.open_entity("component:default/orders-service", Tab::Overview);
    key(&mut app, KeyCode::Char('6'));
    let text = screen(&mut app, 80, 24);
    assert!(!text.contains("Docs"), "{text}");
    assert!(text.contains("no docs"), "{text}");
}

/// The portal over the fake backend's catalogue, reading docs `online` (or not), keeping
/// remote docs in a cache under `cache_dir`.
fn backend_portal(fake: &docs_support::Fake, cache_dir: &std::path::Path, online: bool) -> Portal {
    let catalog = sources::load(
        &[Box::new(sources::backstage::BackstageSource::new(
            fake.url.clone(),
        ))],
        &sources::LoadOptions::default(),
    );
    let mut app = app_with(catalog, "a TechDocs backend");
    app.docs.online = online;
    app.docs.cache = Some(greenroom::techdocs::DocsCache::new(
        &sources::cache::CatalogCache::new(cache_dir),
    ));
    app
}

/// Steps the app the way its session does (on its deadlines) until the docs worker is done.
fn settle(app: &mut Portal) {
    for _ in 0..6000 {
        if app.docs.reader.as_ref().is_none_or(|r| r.loading.is_none()) {
            return;
        }
        let due = app.deadline().expect("a deadline while docs are fetched");
        app.on_deadline(due.max(std::time::Instant::now()));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the docs never arrived");
}

/// Waits until the fake holds a request at its gate (the worker is waiting on the server).
fn until_held(fake: &docs_support::Fake) {
    for _ in 0..6000 {
        if fake.waiting() > 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("no request reached the backend");
}

#[test]
fn a_slow_backend_never_holds_the_keys_and_esc_stops_waiting() {
    let fake = docs_support::fake_backend();
    let tmp = tempfile::tempdir().unwrap();
    let mut app = backend_portal(&fake, tmp.path(), true);
    fake.close_gate();
    app.open_entity("component:default/petstore", Tab::Overview);
    key(&mut app, KeyCode::Char('6'));
    until_held(&fake);
    // The key came back while the backend holds the answer: the tab says what it waits for.
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("opening the docs at"), "{text}");
    assert!(
        text.contains("/api/techdocs/static/docs/default/component/petstore/"),
        "{text}"
    );
    assert!(text.contains("esc stops waiting"), "{text}");
    assert!(app.deadline().is_some());
    // Other keys still answer (Tab to the next tab and back).
    key(&mut app, KeyCode::Char('1'));
    assert!(!app.docs_tab_shown());
    key(&mut app, KeyCode::Char('6'));
    assert!(app.docs_tab_shown());
    key(&mut app, KeyCode::Esc);
    assert!(!app.docs_tab_shown(), "Esc leaves the tab it stopped");
    assert!(app.docs.reader.is_none());
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("stopped opening the docs"), "{text}");
    // The late answer is dropped: nothing reopens by itself.
    fake.open_gate();
    app.on_deadline(std::time::Instant::now());
    assert!(app.docs.reader.is_none());
}

#[test]
fn a_slow_page_loads_on_a_worker_and_what_was_read_opens_offline() {
    let fake = docs_support::fake_backend();
    let tmp = tempfile::tempdir().unwrap();
    let mut app = backend_portal(&fake, tmp.path(), true);
    app.open_entity("component:default/petstore", Tab::Overview);
    key(&mut app, KeyCode::Char('6'));
    settle(&mut app);
    assert!(
        header_line(&mut app).contains("Petstore › Petstore  1/2"),
        "{}",
        header_line(&mut app)
    );
    // The runbook, held by the backend: the page on screen stays, the header says what is
    // read, and Esc stops waiting without leaving.
    fake.close_gate();
    key(&mut app, KeyCode::Char('t'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    until_held(&fake);
    let head = header_line(&mut app);
    assert!(
        head.contains("Petstore › Petstore") && head.contains("reading Runbook"),
        "{head}"
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.docs_tab_shown());
    assert!(app.docs.reader.as_ref().unwrap().loading.is_none());
    assert!(screen(&mut app, 80, 24).contains("stopped reading Runbook"));
    fake.open_gate();
    key(&mut app, KeyCode::Char('t'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    assert!(
        header_line(&mut app).contains("Petstore › Runbook  2/2"),
        "{}",
        header_line(&mut app)
    );
    let runbook = screen(&mut app, 80, 24);
    // Back to the home page through history (read again from the backend, on the worker).
    key(&mut app, KeyCode::Char('b'));
    settle(&mut app);
    assert!(header_line(&mut app).contains("Petstore › Petstore"));

    // The network gone: a new session reads both pages from the cache, and says so.
    let mut offline = backend_portal(&fake, tmp.path(), false);
    fake.stop();
    offline.open_entity("component:default/petstore", Tab::Overview);
    key(&mut offline, KeyCode::Char('6'));
    settle(&mut offline);
    let head = header_line(&mut offline);
    assert!(
        head.contains("Petstore › Petstore") && head.contains("offline"),
        "{head}"
    );
    key(&mut offline, KeyCode::Char('t'));
    key(&mut offline, KeyCode::Down);
    key(&mut offline, KeyCode::Enter);
    settle(&mut offline);
    let text = screen(&mut offline, 80, 24);
    let body = |t: &str| t.lines().skip(4).take(8).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&text), body(&runbook), "{text}");
}
