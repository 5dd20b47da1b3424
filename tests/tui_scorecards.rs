//! Scorecards in the portal, as key sequences on the real `App` and TestBackend renders at
//! 80×24: the entity's Scorecards tab (why checkout-service is Silver, not Gold), the team view,
//! the overview (worst first, not re-graded on redraw), and the `level:` search filter.

use crossterm::event::KeyCode;
use greenroom::scorecard::sources;
use greenroom::tui::app::Screen;
use greenroom::tui::entity::rows::Tab;
use greenroom::tui::entity::scores::Scores;

mod ui_support;

use ui_support::{Portal, key, render, screen_text, type_text};

/// The demo catalogue with its bundled scorecards, live facts offline (no service attached).
fn demo_app() -> Portal {
    let catalog = ui_support::load(Box::new(greenroom::sources::demo::source()));
    let mut app = ui_support::app_with(catalog, "the bundled demo");
    app.scores = Scores::new(sources::demo());
    app.sync_scores();
    app
}

fn open(app: &mut Portal, name: &str) {
    key(app, KeyCode::Char('/'));
    type_text(app, name);
    key(app, KeyCode::Enter);
}

#[test]
fn the_tab_says_why_checkout_is_silver_and_what_gold_takes() {
    let mut app = demo_app();
    open(&mut app, "checkout-service");
    key(&mut app, KeyCode::Char('7'));
    assert!(matches!(app.screen(), Screen::Entity(s) if s.tab == Tab::Scorecards));
    let text: Vec<String> = app.rows().iter().map(|r| r.plain_text()).collect();
    let text = text.join("\n");
    assert!(
        text.contains("Production readiness  Silver  · 14/16 points"),
        "{text}"
    );
    assert!(
        text.contains("next: Gold needs Runbook linked from the catalogue"),
        "{text}"
    );
    assert!(
        text.contains("✗ Runbook linked from the catalogue"),
        "{text}"
    );
    assert!(
        text.contains("found: 0 matching; the links are: dashboard, chat"),
        "{text}"
    );
    assert!(
        text.contains("fix: Add a metadata.links entry with type runbook"),
        "{text}"
    );
    // Offline here: live rules are unknown, and say so.
    assert!(text.contains("? Someone is on call now"), "{text}");
    assert!(text.contains("found: not fetched yet"), "{text}");
    // Scroll to the production-readiness card and snapshot.
    for _ in 0..24 {
        key(&mut app, KeyCode::Down);
    }
    let t = render(&mut app, 80, 24);
    insta::assert_snapshot!("scorecards_tab_80x24", screen_text(&t));
    // The overview is a key away from here too.
    key(&mut app, KeyCode::Char('%'));
    assert!(matches!(app.screen(), Screen::Scorecards { .. }));
}

#[test]
fn the_overview_ranks_teams_worst_first_and_opens_the_team_view() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('%'));
    assert!(matches!(app.screen(), Screen::Scorecards { .. }));
    let t = render(&mut app, 80, 24);
    insta::assert_snapshot!("scorecards_overview_80x24", screen_text(&t));
    // Worst first: the first team's lowest level is no higher than any later team's.
    let teams = app.scores.teams.clone();
    let cards = app.scores.cards.clone();
    let ready = cards
        .iter()
        .position(|c| c.id == "production-readiness")
        .unwrap();
    let worst: Vec<i64> = teams
        .iter()
        .map(|t| {
            t.cells
                .iter()
                .zip(cards.iter())
                .filter(|(_, c)| !c.levels.is_empty())
                .filter_map(|(cell, _)| cell.as_ref())
                .map(|c| c.worst.map_or(-1, |l| l as i64))
                .min()
                .unwrap()
        })
        .collect();
    assert!(worst.windows(2).all(|w| w[0] <= w[1]), "{worst:?}");
    assert!(teams[0].cells[ready].is_some());
    // Enter opens the first team on its Scorecards tab: the team view.
    let first = teams[0].group.clone();
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.screen(), Screen::Entity(s) if s.key == first && s.tab == Tab::Scorecards)
    );
}

#[test]
fn the_team_view_rolls_up_what_a_group_owns_transitively() {
    let mut app = demo_app();
    open(&mut app, "kind:group checkout-team");
    key(&mut app, KeyCode::Char('7'));
    let rows = app.rows();
    let text: Vec<String> = rows.iter().map(|r| r.plain_text()).collect();
    let text = text.join("\n");
    assert!(text.contains("Production readiness"), "{text}");
    assert!(text.contains("Silver   checkout-service"), "{text}");
    // Entities are rows to open; Enter opens the entity's own Scorecards tab.
    let t = render(&mut app, 80, 24);
    insta::assert_snapshot!("scorecards_team_80x24", screen_text(&t));
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.screen(), Screen::Entity(s) if s.tab == Tab::Scorecards && s.key.starts_with("component:"))
    );
    // Parent groups include what their sub-groups own.
    let all = greenroom::scorecard::owned_transitively(
        &app.catalog,
        "group:default/commerce-engineering",
    );
    assert!(all.contains(&"component:default/checkout-service".to_owned()));
}

#[test]
fn level_filter_finds_what_is_below_a_level() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "level:<silver kind:component");
    let board = app.scores.board.clone().unwrap();
    let keys: Vec<String> = app
        .search
        .hits
        .iter()
        .map(|h| app.catalog.entities()[h.entity].key.clone())
        .collect();
    assert!(
        keys.contains(&"component:default/demand-forecasting".to_owned()),
        "{keys:?}"
    );
    // Any scorecard counts: offline, every production service is Unrated on the live card.
    assert!(keys.contains(&"component:default/checkout-service".to_owned()));
    // A website at Gold on the only laddered card that grades it is not below Silver.
    assert!(
        !keys.contains(&"component:default/encore-web".to_owned()),
        "{keys:?}"
    );
    let below = greenroom::scorecard::LevelFilter::parse("<silver").unwrap();
    for k in &keys {
        assert!(board.matches_level(k, &below), "{k}");
    }
    // Negated: everything graded Gold somewhere is left out.
    ui_support::ctrl(&mut app, 'u');
    type_text(&mut app, "kind:component type:service -level:gold");
    let keys: Vec<String> = app
        .search
        .hits
        .iter()
        .map(|h| app.catalog.entities()[h.entity].key.clone())
        .collect();
    assert!(keys.contains(&"component:default/checkout-service".to_owned()));
    assert!(!keys.contains(&"component:default/orders-service".to_owned()));
}

#[test]
fn redrawing_the_overview_never_grades_again() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('%'));
    let before = app.scores.gradings;
    for _ in 0..5 {
        render(&mut app, 80, 24);
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(app.scores.gradings, before);
    // A new catalogue grades again, once.
    let catalog = ui_support::load(Box::new(greenroom::sources::demo::source()));
    let index = std::sync::Arc::new(greenroom::search::SearchIndex::build(&catalog));
    app.handle(greenroom::tui::app::AppEvent::Loaded(
        Box::new(catalog),
        index,
    ));
    render(&mut app, 80, 24);
    assert_eq!(app.scores.gradings, before + 1);
}

#[test]
fn without_scorecards_the_tab_and_overview_say_how_to_add_them() {
    let catalog = ui_support::load(Box::new(greenroom::sources::demo::source()));
    let mut app = ui_support::app_with(catalog, "the bundled demo");
    open(&mut app, "checkout-service");
    key(&mut app, KeyCode::Char('7'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("No scorecards are configured."), "{text}");
    assert!(text.contains("[[scorecards]] path"), "{text}");
    // A team's tab (the team view) and the overview say the same, not an empty board.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    ui_support::ctrl(&mut app, 'u');
    type_text(&mut app, "kind:group commerce-engineering");
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.screen(), Screen::Entity(s) if s.key == "group:default/commerce-engineering")
    );
    key(&mut app, KeyCode::Char('7'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("No scorecards are configured."), "{text}");
    key(&mut app, KeyCode::Char('%'));
    assert!(matches!(app.screen(), Screen::Scorecards { .. }));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("No scorecards are configured."), "{text}");
    assert!(text.contains("[[scorecards]] path"), "{text}");
    assert_eq!(app.hub().scores.gradings(), 1, "graded (nothing) once");
}

#[test]
fn two_sessions_on_one_hub_share_one_grading() {
    use greenroom::hub::catalog::FixedLoader;
    use greenroom::hub::{Hub, StatusService};
    use std::sync::Arc;
    let catalog = ui_support::load(Box::new(greenroom::sources::demo::source()));
    let hub = Hub::inline(
        Arc::new(FixedLoader::new(catalog)),
        StatusService::waiting(),
    );
    hub.catalog.reload();
    let session = || {
        // Each session loads the scorecard files itself, as every SSH session does.
        let mut app = ui_support::test_app("the bundled demo");
        app.scores = Scores::new(sources::demo());
        ui_support::portal_on_hub(&hub, app)
    };
    let (mut a, mut b) = (session(), session());
    key(&mut a, KeyCode::Char('%'));
    key(&mut b, KeyCode::Char('%'));
    let (ta, tb) = (
        screen_text(&render(&mut a, 80, 24)),
        screen_text(&render(&mut b, 80, 24)),
    );
    assert!(ta.contains("commerce"), "{ta}");
    assert_eq!(ta, tb);
    assert_eq!(hub.scores.gradings(), 1, "one grading for two sessions");
    assert_eq!(a.scores.gradings + b.scores.gradings, 1);
    assert!(Arc::ptr_eq(
        a.scores.board.as_ref().unwrap(),
        b.scores.board.as_ref().unwrap()
    ));
    // A session of its own (another process) grades for itself.
    let mut alone = demo_app();
    key(&mut alone, KeyCode::Char('%'));
    assert_eq!(hub.scores.gradings(), 1);
}
