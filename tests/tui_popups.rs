//! The app's one popup stack on the real `App`: a popup opened over another is in front and
//! takes the keys, Esc pops only the top (what was under it comes back as it was), and the
//! screen under them all is unchanged.

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::{Overlay, Screen};
use greenroom::tui::keymap::Context;

mod ui_support;

use ui_support::{key, render, screen_text};

fn demo() -> ui_support::Portal {
    ui_support::app_with(
        ui_support::load(Box::new(sources::demo::source())),
        "the bundled demo",
    )
}

fn help_scroll(app: &greenroom::tui::app::App) -> Option<usize> {
    match app.popups.overlay() {
        Some(Overlay::Help { scroll, .. }) => Some(*scroll),
        _ => None,
    }
}

#[test]
fn esc_pops_the_top_popup_and_shows_the_one_under_it() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('?'));
    render(&mut app, 80, 24);
    key(&mut app, KeyCode::End);
    render(&mut app, 80, 24);
    let scrolled = help_scroll(&app).expect("help is open");
    assert!(scrolled > 0, "End scrolls the help");

    // The palette opens over the help, in front, and takes the keys.
    key(&mut app, KeyCode::Char(':'));
    assert_eq!(app.popups.len(), 2);
    assert!(matches!(app.popups.top(), Some(Overlay::Palette(_))));
    assert_eq!(app.context(), Context::Palette);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(
        text.contains("Keys in force"),
        "the help is still drawn under it: {text}"
    );

    // Esc closes the palette only: the help is back, scrolled where it was.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.popups.len(), 1);
    assert_eq!(help_scroll(&app), Some(scrolled));
    assert_eq!(app.context(), Context::Help);

    // Esc again closes the help; the catalogue was under it all along.
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty());
    assert!(matches!(app.screen(), Screen::Catalog));
    assert_eq!(app.context(), Context::Catalog);
}

#[test]
fn focusing_the_query_closes_every_popup() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('?'));
    key(&mut app, KeyCode::Char(':'));
    assert_eq!(app.popups.len(), 2);
    // From the palette: the action runs once the palette is gone, and `/` closes the rest.
    ui_support::type_text(&mut app, "type a search query");
    key(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", app.popups.len());
    assert!(app.search.focused);
}

/// A keystroke builds the screen's rows once for the action and once after it settles, and
/// drawing shares them; drawing again without a change builds nothing.
#[test]
fn a_keystroke_builds_the_rows_at_most_twice_and_a_redraw_never() {
    let mut app = demo();
    app.open_entity(
        "component:default/checkout-service",
        greenroom::tui::entity::rows::Tab::Overview,
    );
    render(&mut app, 80, 24);
    let before = app.views.built();
    key(&mut app, KeyCode::Down);
    render(&mut app, 80, 24);
    let per_key = app.views.built() - before;
    assert!((1..=2).contains(&per_key), "{per_key} builds for one key");
    let before = app.views.built();
    render(&mut app, 80, 24);
    render(&mut app, 80, 24);
    assert_eq!(app.views.built(), before, "a redraw reuses the rows");
}

/// The on-call view scans the catalogue once per change, not on every draw.
#[test]
fn the_oncall_view_is_built_once_per_change() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('O'));
    assert!(
        matches!(app.screen(), Screen::OnCall { .. }),
        "O opens on call"
    );
    render(&mut app, 80, 24);
    let before = app.views.built();
    render(&mut app, 80, 24);
    assert_eq!(
        app.views.built(),
        before,
        "a redraw reuses the on-call view"
    );
    key(&mut app, KeyCode::Down);
    render(&mut app, 80, 24);
    assert!(app.views.built() > before, "a key builds it again");
}
