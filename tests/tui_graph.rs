//! The relations graph on the real `App` over the bundled demo: a system and a group drawn at
//! 80×24 (reviewed snapshots), and the keys: `m` toggles it, arrows move between boxes, Enter
//! opens one (in graph mode), `d` `]` `[` `K` `T` change what is drawn.

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::{App, Screen};
use greenroom::tui::entity::rows::Tab;

mod ui_support;

use ui_support::{key, render, screen_text};

fn demo() -> ui_support::Portal {
    ui_support::app_with(
        ui_support::load(Box::new(sources::demo::source())),
        "the bundled demo",
    )
}

fn screen_key(app: &App) -> String {
    match app.screen() {
        Screen::Entity(s) => s.key.clone(),
        _ => panic!("not on an entity"),
    }
}

#[test]
fn checkout_system_graph() {
    let mut app = demo();
    app.open_entity("system:default/checkout", Tab::Relations);
    key(&mut app, KeyCode::Char('m'));
    let t = render(&mut app, 80, 24);
    insta::assert_snapshot!("graph_system_checkout_80x24", t.backend());
    let text = screen_text(&t);
    assert!(text.contains("─partOf──▶│checkout"), "{text}");
    assert!(text.contains("─ownedBy─▶│checkout-team"), "{text}");
    // Move right to the owner, open it: the group opens in graph mode.
    key(&mut app, KeyCode::Right);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("▶ group:default/checkout-team"), "{text}");
    key(&mut app, KeyCode::Enter);
    assert_eq!(screen_key(&app), "group:default/checkout-team");
    let t = render(&mut app, 80, 24);
    insta::assert_snapshot!("graph_group_checkout_team_80x24", t.backend());
    let text = screen_text(&t);
    // Two kinds of relation end at the team (members, an API it owns): each edge is named
    // at its source, whole, and the arrows meet at the team.
    assert!(
        text.contains("│mei.lin         │─memberOf─┬─▶│checkout-team"),
        "members point at their team: {text}"
    );
    assert!(text.contains("│checkout-api    │─ownedBy──┤"), "{text}");
    assert!(!text.contains("memberO…"), "{text}");
    // One step further: the components consuming the team's API, the relation named whole
    // (`consumesApi` is `consumes` on an edge, so it fits a gap at 80 columns).
    key(&mut app, KeyCode::Char(']'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("consumes▶│checkout-api"), "{text}");
    // Back returns to the system, still a graph.
    key(&mut app, KeyCode::Esc);
    assert_eq!(screen_key(&app), "system:default/checkout");
    assert!(screen_text(&render(&mut app, 80, 24)).contains("both ways · depth 1"));
}

#[test]
fn controls_change_what_is_drawn_and_the_view_scrolls() {
    let mut app = demo();
    app.open_entity("system:default/checkout", Tab::Relations);
    key(&mut app, KeyCode::Char('m'));
    key(&mut app, KeyCode::Char('d'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("outgoing · depth 1"), "{text}");
    assert!(!text.contains("checkout-api"), "incoming hidden: {text}");
    key(&mut app, KeyCode::Char(']'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("depth 2"), "{text}");
    key(&mut app, KeyCode::Char('d'));
    key(&mut app, KeyCode::Char('['));
    key(&mut app, KeyCode::Char('K'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("incoming · depth 1 · no people"), "{text}");
    key(&mut app, KeyCode::Char('T'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("dependencies"), "{text}");
    assert!(text.contains("No relations to draw"), "{text}");
    // All relations again, incoming: the parts column is taller than the screen; going down
    // it scrolls to keep the selection in view.
    for _ in 0..4 {
        key(&mut app, KeyCode::Char('T'));
    }
    key(&mut app, KeyCode::Left);
    for _ in 0..30 {
        key(&mut app, KeyCode::Down);
    }
    let text = screen_text(&render(&mut app, 80, 24));
    let selected = text.lines().nth(3).unwrap().to_owned();
    let name = selected
        .trim_start_matches(" ▶ ")
        .split_whitespace()
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        text.lines()
            .skip(4)
            .any(|l| l.contains(&name[..name.len().min(12)])),
        "the selected box {name} is on screen: {text}"
    );
    // m goes back to the tree.
    key(&mut app, KeyCode::Char('m'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("has parts"), "{text}");
}
