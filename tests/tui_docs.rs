//! The Docs tab and the docs search, driven by keys on the real `App` over the bundled demo:
//! `checkout-service` → Docs shows its pages, nav and links at 80×24; pages go back and
//! forward; find in page; the search across every docs site opens the page at the match; the
//! nav sits beside the page when the terminal is wide.

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::Effect;
use greenroom::tui::rows::Tab;
use ui_support::Portal;

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
