//! The Definition tab's API explorer on the bundled demo: each API kind (OpenAPI, AsyncAPI,
//! GraphQL, gRPC) rendered at 80×24 and compared with reviewed snapshots, and the keys that
//! drive it (expand, find, copy as curl, the raw text, a broken definition) on the real `App`.

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::{App, Effect, Screen};
use greenroom::tui::entity::rows::Tab;

mod ui_support;

use ui_support::{key, render, screen_text, type_text};

fn demo() -> ui_support::Portal {
    ui_support::app_with(
        ui_support::load(Box::new(sources::demo::source())),
        "the bundled demo",
    )
}

fn snapshot(app: &mut App, name: &str) -> String {
    let t = render(app, 80, 24);
    insta::assert_snapshot!(name, t.backend());
    screen_text(&t)
}

fn cursor_text(app: &App) -> String {
    let Screen::Entity(s) = app.screen() else {
        panic!("not on an entity")
    };
    app.rows()[s.cursor].plain_text()
}

fn clipboard(app: &mut App) -> Option<String> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::Clipboard(t) => Some(t),
        _ => None,
    })
}

#[test]
fn checkout_api_shows_operations_and_schemas() {
    let mut app = demo();
    app.open_entity("api:default/checkout-api", Tab::Overview);
    key(&mut app, KeyCode::Char('4'));
    let text = snapshot(&mut app, "explorer_openapi_checkout");
    assert!(text.contains("POST    /baskets"), "{text}");
    assert!(text.contains("Schemas"), "{text}");
    // Down to the first operation, open it: its parameters, body and responses.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    assert!(
        cursor_text(&app).contains("POST    /baskets"),
        "{}",
        cursor_text(&app)
    );
    key(&mut app, KeyCode::Enter);
    let text = snapshot(&mut app, "explorer_openapi_operation_open");
    assert!(
        text.contains("request body  application/json · required"),
        "{text}"
    );
    assert!(text.contains("responses  201 409 428"), "{text}");
    // C copies it as a curl line.
    app.take_effects();
    key(&mut app, KeyCode::Char('C'));
    assert_eq!(
        clipboard(&mut app).as_deref(),
        Some(
            "curl -X POST https://checkout.encore.example/api/v4/baskets -H 'Idempotency-Key: <Idempotency-Key>' -H 'Content-Type: application/json' --data @body.json"
        )
    );
}

#[test]
fn find_keeps_matches_and_the_way_to_them_and_esc_clears() {
    let mut app = demo();
    app.open_entity("api:default/checkout-api", Tab::Definition);
    key(&mut app, KeyCode::Char('F'));
    type_text(&mut app, "unavailableSeatIds");
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("find: unavailableSeatIds"), "{text}");
    assert!(
        text.contains("unavailableSeatIds  array of string"),
        "{text}"
    );
    assert!(
        !text.contains("DELETE"),
        "non-matching operations hidden: {text}"
    );
    // C on a field copies its path.
    while !cursor_text(&app).contains("unavailableSeatIds  array") {
        let before = cursor_text(&app);
        key(&mut app, KeyCode::Down);
        assert_ne!(before, cursor_text(&app), "never reached the match");
    }
    app.take_effects();
    key(&mut app, KeyCode::Char('C'));
    let copied = clipboard(&mut app).unwrap();
    assert_eq!(copied, "unavailableSeatIds", "a field in a response body");
    // Esc drops the find first, and only then goes back.
    key(&mut app, KeyCode::Esc);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("DELETE"), "{text}");
    assert!(matches!(app.screen(), Screen::Entity(_)));
}

#[test]
fn the_raw_text_is_one_key_away() {
    let mut app = demo();
    app.open_entity("api:default/checkout-api", Tab::Definition);
    key(&mut app, KeyCode::Char('R'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("raw text · R: the explorer"), "{text}");
    assert!(text.contains("   1 openapi: 3.1.0"), "{text}");
    key(&mut app, KeyCode::Char('R'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("OpenAPI Checkout API 4.7.0"), "{text}");
}

#[test]
fn asyncapi_graphql_and_grpc_render() {
    let mut app = demo();
    for (entity, name, expect) in [
        (
            "api:default/order-events",
            "explorer_asyncapi_order_events",
            "commerce.order-events.v2",
        ),
        (
            "api:default/fan-graph-api",
            "explorer_graphql_fan_graph",
            "Queries",
        ),
        (
            "api:default/inventory-api",
            "explorer_grpc_inventory",
            "HoldSeatsRequest → HoldSeatsResponse",
        ),
    ] {
        app.open_entity(entity, Tab::Definition);
        // Open the second node down (a channel, a query, a method).
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Enter);
        let text = snapshot(&mut app, name);
        assert!(text.contains(expect), "{entity}: {text}");
        assert!(
            !text.lines().skip(1).any(|l| l.contains('⚠')),
            "{entity} reads cleanly: {text}"
        );
    }
    // The gRPC method copies as its path.
    app.open_entity("api:default/inventory-api", Tab::Definition);
    while !cursor_text(&app).contains("HoldSeats") {
        key(&mut app, KeyCode::Down);
    }
    app.take_effects();
    key(&mut app, KeyCode::Char('C'));
    assert_eq!(
        clipboard(&mut app).as_deref(),
        Some("/encore.inventory.v1.InventoryService/HoldSeats")
    );
}

#[test]
fn a_broken_definition_is_located_and_its_text_still_shows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: broken}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team\n  definition: \"openapi: 3.0.0\\npaths:\\n  /a: [\\n\"\n",
    )
    .unwrap();
    let source: Box<dyn sources::Source> =
        Box::new(sources::files::FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let mut app = ui_support::app_with(ui_support::load(source), "test");
    app.open_entity("api:default/broken", Tab::Definition);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("⚠ line 4"), "{text}");
    assert!(text.contains("its text follows"), "{text}");
    assert!(text.contains("   3   /a: ["), "{text}");
}

/// A parameter's long description is cut on its line at 80 columns; Enter on it shows the row
/// whole in a popup (and what C copies), and long descriptions that cannot be selected wrap.
#[test]
fn long_values_open_whole_and_descriptions_wrap() {
    let mut app = demo();
    app.open_entity("api:default/checkout-api", Tab::Definition);
    render(&mut app, 80, 24);
    key(&mut app, KeyCode::Char('F'));
    type_text(&mut app, "admission token");
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("Signed admission token"), "{text}");
    assert!(
        !text.contains("when the on-sale is queued."),
        "the row is cut at 80 columns: {text}"
    );
    while !cursor_text(&app).contains("Signed admission token") {
        let before = cursor_text(&app);
        key(&mut app, KeyCode::Down);
        assert_ne!(before, cursor_text(&app), "never reached the parameter");
    }
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(
        text.contains("when the on-sale is queued."),
        "whole in the popup: {text}"
    );
    assert!(text.contains("C copies:"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.overlay().is_none());
    // Every row the cursor cannot stop on fits the screen: long ones are wrapped.
    key(&mut app, KeyCode::Esc);
    for _ in 0..40 {
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Enter);
        if app.popups.overlay().is_some() {
            key(&mut app, KeyCode::Esc);
        }
    }
    for row in app.rows().iter().filter(|r| !r.selectable()) {
        let w = row.plain_text().chars().count() + 3 + 2 * usize::from(row.depth);
        assert!(w <= 80, "{:?} is {w} columns", row.plain_text());
    }
}
