//! `y`, the copy menu, on the real `App` over the bundled demo: it lists what can be copied
//! where the cursor is (the ref first, the selected operation as `curl`, name, URLs,
//! location), typing filters it through the palette's matcher, Enter copies one, Esc leaves.

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::{App, Effect, Overlay, PaletteItem};
use greenroom::tui::entity::rows::Tab;

mod ui_support;

use ui_support::{key, render, screen_text, type_text};

fn demo() -> ui_support::Portal {
    ui_support::app_with(
        ui_support::load(Box::new(sources::demo::source())),
        "the bundled demo",
    )
}

fn clipboard(app: &mut App) -> Option<String> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::Clipboard(t) => Some(t),
        _ => None,
    })
}

fn offered(app: &App) -> Vec<String> {
    match app.popups.overlay() {
        Some(Overlay::Palette(p)) => p
            .items
            .iter()
            .map(|i| match i {
                PaletteItem::Copy(what, _) => what.clone(),
                other => panic!("not a copy item: {other:?}"),
            })
            .collect(),
        _ => panic!("no copy menu"),
    }
}

#[test]
fn y_offers_the_ref_first_and_enter_copies_it() {
    let mut app = demo();
    app.open_entity("component:default/checkout-service", Tab::Overview);
    key(&mut app, KeyCode::Char('y'));
    let menu = offered(&app);
    assert_eq!(menu[0], "ref");
    for what in ["name", "location"] {
        assert!(menu.iter().any(|m| m == what), "{what} missing: {menu:?}");
    }
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains(" Copy "), "{text}");
    assert!(
        text.contains("component:default/checkout-service"),
        "{text}"
    );
    app.take_effects();
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        clipboard(&mut app).as_deref(),
        Some("component:default/checkout-service")
    );
    assert!(app.popups.overlay().is_none());
    assert!(app.notice.as_ref().unwrap().text.starts_with("copied ref"));
}

#[test]
fn on_an_operation_the_menu_offers_curl_and_typing_filters() {
    let mut app = demo();
    app.open_entity("api:default/checkout-api", Tab::Definition);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('y'));
    let menu = offered(&app);
    assert!(
        menu.iter().any(|m| m == "the operation as curl"),
        "{menu:?}"
    );
    type_text(&mut app, "curl");
    assert_eq!(offered(&app)[0], "the operation as curl");
    app.take_effects();
    key(&mut app, KeyCode::Enter);
    assert!(
        clipboard(&mut app)
            .unwrap()
            .starts_with("curl -X POST https://checkout.encore.example/api/v4/baskets")
    );
}

#[test]
fn esc_leaves_the_menu_without_copying() {
    let mut app = demo();
    app.open_entity("component:default/checkout-service", Tab::Overview);
    key(&mut app, KeyCode::Char('y'));
    app.take_effects();
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.overlay().is_none());
    assert_eq!(clipboard(&mut app), None);
}
