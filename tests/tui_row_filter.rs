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

fn problems_demo() -> ui_support::Portal {
    // A catalogue with two broken descriptors, so the problems list has rows to keep.
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(
        root.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: alpha-svc}\nspec: {type: service, lifecycle: production}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: beta-svc}\nspec: {type: service, owner: team-a}\n",
    )
    .unwrap();
    let source = greenroom::sources::files::FileSource::disk(std::slice::from_ref(&root)).unwrap();
    let app = ui_support::app_with(ui_support::load(Box::new(source)), "two broken");
    std::mem::forget(dir);
    app
}

#[test]
fn slash_filters_the_problems_list_and_enter_opens_what_is_kept() {
    let mut app = problems_demo();
    key(&mut app, KeyCode::Char('!'));
    assert!(
        matches!(app.screen(), Screen::Problems { .. }),
        "! opens the problems"
    );
    let all = texts(&app);
    assert!(all.iter().any(|t| t.contains("alpha-svc")), "{all:?}");
    assert!(all.iter().any(|t| t.contains("beta-svc")), "{all:?}");
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "beta");
    key(&mut app, KeyCode::Enter);
    let kept = texts(&app);
    assert!(kept[0].starts_with("/ beta: "), "{kept:?}");
    assert!(
        kept[1..].iter().all(|t| !t.contains("alpha-svc")),
        "{kept:?}"
    );
    assert!(kept[1..].iter().any(|t| t.contains("beta-svc")), "{kept:?}");
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("/ beta: "), "{text}");
    // The cursor moves among what is kept; Enter opens its entity.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    let Screen::Entity(s) = app.screen() else {
        panic!("Enter opens the entity: {:?}", texts(&app))
    };
    assert_eq!(s.key, "component:default/beta-svc");
    // Back on the list the filter is still there; Esc clears it, Esc again goes back.
    key(&mut app, KeyCode::Esc);
    assert!(texts(&app)[0].starts_with("/ beta: "));
    key(&mut app, KeyCode::Esc);
    assert_eq!(texts(&app), all);
    assert!(matches!(app.screen(), Screen::Problems { .. }));
}

#[test]
fn slash_filters_the_on_call_list() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('O'));
    assert!(matches!(app.screen(), Screen::OnCall { .. }));
    let all = texts(&app);
    assert!(all.iter().any(|t| t.contains("checkout")), "{all:?}");
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "payments");
    let kept = texts(&app);
    assert!(kept.len() < all.len(), "{kept:?}");
    assert!(kept[0].starts_with("/ payments: "), "{kept:?}");
    assert!(
        kept[1..]
            .iter()
            .all(|t| t.to_lowercase().contains("payments")),
        "{kept:?}"
    );
    key(&mut app, KeyCode::Enter);
    // The cursor stops on a kept service; Enter opens it on its Status tab.
    let Screen::OnCall { cursor, .. } = app.screen() else {
        panic!()
    };
    let row = app.rows()[*cursor].clone();
    assert!(
        row.plain_text().to_lowercase().contains("payments"),
        "{row:?}"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(texts(&app).len(), all.len());
}

#[test]
fn slash_in_the_help_keeps_the_keys_that_match() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('?'));
    let full = screen_text(&render(&mut app, 100, 40));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "graph");
    let text = screen_text(&render(&mut app, 100, 40));
    assert!(text.contains("/ graph"), "{text}");
    assert!(text.contains("Relations as a graph"), "{text}");
    assert!(!text.contains("Jump to the owner"), "{text}");
    assert_ne!(text, full);
    // Enter keeps it (q and ? are keys again, not text); Esc clears it, Esc closes.
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&mut app, 100, 40));
    assert!(text.contains("esc clears"), "{text}");
    assert!(text.contains("Relations as a graph"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert!(
        app.popups.overlay().is_some(),
        "the first Esc clears the filter"
    );
    let text = screen_text(&render(&mut app, 100, 40));
    assert!(text.contains("Jump to the owner"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.overlay().is_none());
}
