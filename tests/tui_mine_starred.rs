//! "Mine", starred and sorting on the catalogue, as key sequences on the real `App` over the
//! bundled demo: `M` keeps what the configured user or their groups own, `s` stars (kept in a
//! file, written atomically), `*` keeps the starred, `>` cycles the order.

use crossterm::event::KeyCode;
use greenroom::sources;
use greenroom::tui::app::App;

mod ui_support;

use ui_support::{key, render, screen_text, type_text};

fn demo() -> ui_support::Portal {
    ui_support::app_with(
        ui_support::load(Box::new(sources::demo::source())),
        "the bundled demo",
    )
}

fn hit_keys(app: &App) -> Vec<String> {
    app.search
        .hits
        .iter()
        .map(|h| app.catalog.entities()[h.entity].key.clone())
        .collect()
}

#[test]
fn mine_keeps_what_i_and_my_groups_own() {
    let mut app = demo();
    let all = app.search.hits.len();
    // No user configured: it says how to set one, and the list stays whole.
    key(&mut app, KeyCode::Char('M'));
    assert!(app.notice.as_ref().unwrap().error);
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("[scaffold] user")
    );
    assert_eq!(app.search.hits.len(), all);

    app.scaffold.user = Some("user:default/mei.lin".into());
    key(&mut app, KeyCode::Char('M'));
    let mine = hit_keys(&app);
    assert!(!mine.is_empty() && mine.len() < all, "{}", mine.len());
    assert!(mine.contains(&"component:default/checkout-service".to_owned()));
    for k in &mine {
        let e = app.catalog.get(k).unwrap();
        let owner = greenroom::tui::entity::rows::owner_of(e).unwrap();
        assert!(
            owner == "group:default/checkout-team" || owner == "user:default/mei.lin",
            "{k} owned by {owner}"
        );
    }
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("mine · "), "{text}");
    // Search words narrow within mine.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "api");
    assert!(hit_keys(&app).iter().all(|k| mine.contains(k)));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('M'));
    assert_eq!(app.search.hits.len(), all);
}

#[test]
fn stars_are_kept_and_filter_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state/starred");
    let mut app = demo();
    app.stars = greenroom::stars::Stars::load(file.clone()).0;
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let second = hit_keys(&app)[2].clone();
    key(&mut app, KeyCode::Char('s'));
    assert!(app.notice.as_ref().unwrap().text.starts_with("★ starred"));
    // Star one more from its entity page.
    app.open_entity(
        "api:default/checkout-api",
        greenroom::tui::entity::rows::Tab::Overview,
    );
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Char('*'));
    let mut starred = hit_keys(&app);
    starred.sort();
    let mut want = vec![second.clone(), "api:default/checkout-api".to_owned()];
    want.sort();
    assert_eq!(starred, want);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("★ starred · 2/190"), "{text}");
    // On disk, for the next session.
    let (again, problem) = greenroom::stars::Stars::load(file);
    assert!(problem.is_none());
    assert!(again.contains(&second) && again.contains("api:default/checkout-api"));
    // Unstar from the filtered list; * shows everything again.
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('*'));
    key(&mut app, KeyCode::Char('*'));
    assert_eq!(app.search.hits.len(), 1);
    key(&mut app, KeyCode::Char('*'));
    assert_eq!(app.search.hits.len(), 190);
}

#[test]
fn the_catalogue_sorts_by_column() {
    let mut app = demo();
    let names = |app: &App| -> Vec<String> {
        app.search
            .hits
            .iter()
            .map(|h| app.catalog.entities()[h.entity].name().to_lowercase())
            .collect()
    };
    key(&mut app, KeyCode::Char('>'));
    let by_name = names(&app);
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    assert!(screen_text(&render(&mut app, 80, 24)).contains("by name · 190/190"));
    key(&mut app, KeyCode::Char('>'));
    let kinds: Vec<String> = app
        .search
        .hits
        .iter()
        .map(|h| app.catalog.entities()[h.entity].kind().to_lowercase())
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(kinds, sorted);
    for _ in 0..3 {
        key(&mut app, KeyCode::Char('>'));
    }
    assert_eq!(app.list_sort, greenroom::tui::app::ListSort::Relevance);
}
