//! The entity's About on the real `App` over the bundled demo: labels and annotations on the
//! Overview (every one reachable, a long value shown whole), the `label:` search filter, and
//! the entity as loaded (`R`) with where it came from.

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::{App, Overlay, Screen};
use greenroom::tui::entity::rows::Tab;

mod ui_support;

use ui_support::{key, render, screen_text, type_text};

fn demo() -> ui_support::Portal {
    ui_support::app_with(
        ui_support::load(Box::new(sources::demo::source())),
        "the bundled demo",
    )
}

fn cursor_text(app: &App) -> String {
    let Screen::Entity(s) = app.screen() else {
        panic!("not on an entity")
    };
    app.rows()[s.cursor].plain_text()
}

#[test]
fn overview_shows_labels_and_every_annotation_is_reachable() {
    let mut app = demo();
    app.open_entity("component:default/checkout-service", Tab::Overview);
    // Walk down to the labels.
    while !cursor_text(&app).contains("encore.example/tier") {
        let before = cursor_text(&app);
        key(&mut app, KeyCode::Down);
        assert_ne!(before, cursor_text(&app), "never reached the labels");
    }
    let t = render(&mut app, 80, 24);
    insta::assert_snapshot!("about_labels_80x24", t.backend());
    let text = screen_text(&t);
    assert!(text.contains("Labels"), "{text}");
    assert!(text.contains("encore.example/language = kotlin"), "{text}");
    // Every annotation is a stop of the cursor, down to the last.
    let e = app
        .catalog
        .get("component:default/checkout-service")
        .unwrap()
        .clone();
    let last = e
        .annotations()
        .filter(|(k, _)| !k.starts_with("backstage.io/managed-by"))
        .last()
        .unwrap()
        .0
        .to_owned();
    let mut seen = 0;
    for _ in 0..200 {
        if cursor_text(&app).contains(&last) {
            break;
        }
        if cursor_text(&app).contains(" = ") {
            seen += 1;
        }
        key(&mut app, KeyCode::Down);
    }
    assert!(cursor_text(&app).contains(&last), "{}", cursor_text(&app));
    assert!(seen >= 2, "{seen}");
}

#[test]
fn a_long_value_opens_whole_in_a_popup() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("start {} end-of-value", "word ".repeat(60));
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  annotations:\n    example.com/long: \"{long}\"\n  labels:\n    tier: gold\nspec: {{type: service, lifecycle: production, owner: team}}\n"
        ),
    )
    .unwrap();
    let source: Box<dyn sources::Source> =
        Box::new(sources::files::FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let mut app = ui_support::app_with(ui_support::load(source), "test");
    app.open_entity("component:default/svc", Tab::Overview);
    while !cursor_text(&app).contains("example.com/long") {
        let before = cursor_text(&app);
        key(&mut app, KeyCode::Down);
        assert_ne!(before, cursor_text(&app), "never reached the annotation");
    }
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(!text.contains("end-of-value"), "cut on its row: {text}");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.popups.overlay(), Some(Overlay::Detail(_))));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("end-of-value"), "whole in the popup: {text}");
    assert!(text.contains("example.com/long"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.overlay().is_none());
    // The label filter finds it; another value does not (`/` on an entity page filters its
    // rows: the catalogue's search is `c` then `/`).
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "label:tier=gold");
    assert_eq!(app.search.hits.len(), 1);
    ui_support::ctrl(&mut app, 'u');
    type_text(&mut app, "label:tier=silver");
    assert_eq!(app.search.hits.len(), 0);
}

#[test]
fn the_entity_as_loaded_with_its_source() {
    let mut app = demo();
    app.open_entity("component:default/checkout-service", Tab::Overview);
    key(&mut app, KeyCode::Char('R'));
    let Some(Overlay::Detail(d)) = app.popups.overlay() else {
        panic!("no popup")
    };
    assert!(
        d.lines[0].starts_with("# from demo/components/checkout-service/catalog-info.yaml:"),
        "{:?}",
        d.lines[0]
    );
    let t = render(&mut app, 80, 24);
    let text = screen_text(&t);
    assert!(text.contains("as loaded"), "{text}");
    assert!(text.contains("apiVersion: backstage.io/v1alpha1"), "{text}");
    assert!(
        text.contains("  name: checkout-service"),
        "indentation kept: {text}"
    );
    // It scrolls, and Esc closes it.
    for _ in 0..5 {
        key(&mut app, KeyCode::Down);
    }
    let after = screen_text(&render(&mut app, 80, 24));
    assert_ne!(text, after);
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.overlay().is_none());
    assert!(matches!(app.screen(), Screen::Entity(_)));
}
