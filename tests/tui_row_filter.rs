//! `/` on an entity tab filters its rows through the one filter-list component: relations,
//! ownership, links, the API explorer's tree, on the real `App` over the bundled demo. Typing
//! narrows as it goes, Enter keeps the filter, Esc clears it (and only then goes back).

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::{App, Screen};
use greenroom::tui::entity::rows::Tab;

mod ui_support;

use ui_support::{key, render, screen_text, type_text};

fn demo() -> ui_support::Portal {
    ui_support::app_with(
        ui_support::load(Box::new(sources::demo::source())),
        "the bundled demo",
    )
}

fn texts(app: &App) -> Vec<String> {
    app.rows().iter().map(|r| r.plain_text()).collect()
}

#[test]
fn slash_keeps_the_rows_that_match_and_esc_clears() {
    let mut app = demo();
    app.open_entity("component:default/checkout-service", Tab::Relations);
    let all = texts(&app);
    assert!(all.iter().any(|t| t.contains("checkout-api")), "{all:?}");
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "checkout-api");
    let kept = texts(&app);
    assert!(kept.len() < all.len(), "{kept:?}");
    assert!(kept[0].starts_with("/ checkout-api: "), "{kept:?}");
    assert!(
        kept[1..].iter().all(|t| t.contains("checkout-api")),
        "{kept:?}"
    );
    // Enter keeps it; the screen says so.
    key(&mut app, KeyCode::Enter);
    assert!(app.popups.overlay().is_none());
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("/ checkout-api: "), "{text}");
    // The cursor moves among what is kept, and Enter opens it.
    key(&mut app, KeyCode::Down);
    let Screen::Entity(s) = app.screen() else {
        panic!()
    };
    let row = app.rows()[s.cursor].clone();
    assert!(row.plain_text().contains("checkout-api"));
    // Esc clears the filter and stays on the page; Esc again goes back.
    key(&mut app, KeyCode::Esc);
    assert_eq!(texts(&app), all);
    assert!(matches!(app.screen(), Screen::Entity(_)));
}

#[test]
fn the_api_tree_and_other_tabs_filter_the_same_way() {
    let mut app = demo();
    app.open_entity("api:default/checkout-api", Tab::Definition);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "baskets");
    let kept = texts(&app);
    assert!(kept.len() > 1, "{kept:?}");
    assert!(
        kept[1..]
            .iter()
            .all(|t| t.to_lowercase().contains("basket")),
        "{kept:?}"
    );
    assert!(
        kept.iter().any(|t| t.contains("POST    /baskets")),
        "{kept:?}"
    );
    // Esc while typing drops the filter.
    key(&mut app, KeyCode::Esc);
    assert!(!texts(&app)[0].starts_with("/ "));
    // Nothing matching: only the line that says so.
    app.open_entity("group:default/checkout-team", Tab::Ownership);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zzzzqqq");
    let kept = texts(&app);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].contains(": 0 of "), "{kept:?}");
}
