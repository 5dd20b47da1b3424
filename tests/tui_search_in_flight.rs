//! Typing faster than the search worker answers: each keystroke's search is asked while the
//! previous one is still running. The portal keeps narrowing from the latest results it has
//! (so a long query typed ahead stays cheap), applies answers in order, drops stale ones, and
//! keeps the cursor on the same entity.

use crossterm::event::{Event, KeyCode, KeyEvent};
use greenroom::search::{Hit, Query};
use greenroom::sources::demo;
use greenroom::tui::app::{App, AppEvent, Effect};
use std::sync::Arc;

mod ui_support;

/// A key press without answering its search (the worker is busy).
fn press_unanswered(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.handle(AppEvent::Terminal(Event::Key(KeyEvent::from(code))));
    app.take_effects()
}

fn the_search(effects: Vec<Effect>) -> (u64, Query, Option<Arc<Vec<Hit>>>) {
    effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Search {
                generation,
                query,
                within,
            } => Some((generation, query, within)),
            _ => None,
        })
        .expect("a search was asked")
}

/// The worker's answer to one request.
fn answer(app: &mut App, (generation, query, within): (u64, Query, Option<Arc<Vec<Hit>>>)) {
    let hits = Arc::new(
        app.index
            .search_within(&query, within.as_deref().map(|v| &v[..])),
    );
    let facets = app.index.facets(&hits);
    app.handle(AppEvent::Searched {
        generation,
        query,
        hits,
        facets,
    });
}

#[test]
fn narrowing_is_kept_while_a_search_is_in_flight() {
    let mut app = ui_support::app_with(ui_support::load(Box::new(demo::source())), "demo");
    ui_support::key(&mut app, KeyCode::Char('/'));
    let p = the_search(press_unanswered(&mut app, KeyCode::Char('s')));
    answer(&mut app, p);
    let p_hits = app.search.hits.clone();
    assert!(p_hits.len() > 3);
    // "se" is asked and not answered yet; "ser" still narrows from the answered "s".
    let se = the_search(press_unanswered(&mut app, KeyCode::Char('e')));
    assert!(app.search.searching());
    let ser = the_search(press_unanswered(&mut app, KeyCode::Char('r')));
    let within = ser.2.clone().expect("narrowed while \"se\" is in flight");
    assert_eq!(*within, *p_hits);
    // The answers arrive: the stale one after the newer is dropped.
    let ser_generation = ser.0;
    answer(&mut app, ser);
    assert_eq!(app.search.hits_generation, ser_generation);
    answer(&mut app, se);
    assert_eq!(
        app.search.hits_generation, ser_generation,
        "stale answer applied"
    );
    assert!(!app.search.searching());
    // What the narrowed search found is what a full search finds, in the same order.
    assert_eq!(*app.search.hits, app.index.search(&Query::parse("ser")));
}

#[test]
fn a_query_that_does_not_narrow_searches_everything_while_one_is_in_flight() {
    let mut app = ui_support::app_with(ui_support::load(Box::new(demo::source())), "demo");
    ui_support::key(&mut app, KeyCode::Char('/'));
    let a = the_search(press_unanswered(&mut app, KeyCode::Char('a')));
    answer(&mut app, a);
    let _ab = the_search(press_unanswered(&mut app, KeyCode::Char('b')));
    // Backspace twice: "" does not narrow "a".
    let _a = the_search(press_unanswered(&mut app, KeyCode::Backspace));
    let empty = press_unanswered(&mut app, KeyCode::Backspace);
    let (_, query, within) = the_search(empty);
    assert!(query.terms.is_empty());
    assert!(within.is_none());
}

#[test]
fn the_cursor_follows_its_entity_into_the_new_results() {
    let mut app = ui_support::app_with(ui_support::load(Box::new(demo::source())), "demo");
    ui_support::key(&mut app, KeyCode::Char('/'));
    let s = the_search(press_unanswered(&mut app, KeyCode::Char('s')));
    answer(&mut app, s);
    // The cursor on a later hit whose name holds "se", then narrow to "se": it stays on it.
    let at = (1..app.search.hits.len())
        .find(|i| {
            let e = &app.catalog.entities()[app.search.hits[*i].entity];
            e.name().to_lowercase().contains("se")
        })
        .expect("a hit named *se*");
    app.search.cursor = at;
    let chosen = app.search.hits[at].entity;
    let narrower = the_search(press_unanswered(&mut app, KeyCode::Char('e')));
    answer(&mut app, narrower);
    let now = app
        .search
        .hits
        .iter()
        .position(|h| h.entity == chosen)
        .unwrap();
    assert_eq!(app.search.cursor, now);
    // And to the top when its entity is no longer found.
    let gone = the_search(press_unanswered(&mut app, KeyCode::Char('q')));
    answer(&mut app, gone);
    if app.search.hits.iter().all(|h| h.entity != chosen) {
        assert_eq!(app.search.cursor, 0);
    }
}

#[test]
fn hits_past_the_ranked_head_are_ranked_when_the_list_reaches_them() {
    use greenroom::hub::search::RANKED;
    use greenroom::sources::files::FileSource;
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::new();
    for i in 0..(RANKED * 2) {
        // Names with "e" in different places score differently.
        let name = ["edge", "seat", "queue", "ledger", "xe"][i % 5];
        yaml.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}-{i}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n"
        ));
    }
    std::fs::write(dir.path().join("catalog-info.yaml"), yaml).unwrap();
    let catalog = ui_support::load(Box::new(
        FileSource::disk(&[dir.path().to_path_buf()]).unwrap(),
    ));
    let mut app = ui_support::app_with(catalog, "files");
    ui_support::key(&mut app, KeyCode::Char('/'));
    let (generation, query, within) = the_search(press_unanswered(&mut app, KeyCode::Char('e')));
    // The worker's answer: the head ranked, the rest not.
    let hits = Arc::new(
        app.index
            .search_top(&query, within.as_deref().map(|v| &v[..]), RANKED),
    );
    let full = app.index.search(&query);
    assert_eq!(hits.len(), full.len());
    assert!(hits.len() > RANKED + 100);
    assert_ne!(*hits, full, "the tail is expected unranked");
    let facets = app.index.facets(&hits);
    app.handle(AppEvent::Searched {
        generation,
        query,
        hits,
        facets,
    });
    assert_eq!(app.search.ranked, RANKED);
    assert_eq!(app.search.hits[..RANKED], full[..RANKED]);
    // Near the top nothing more is ranked; at the bottom everything is.
    app.handle(AppEvent::Terminal(Event::Resize(80, 24)));
    assert_eq!(app.search.ranked, RANKED);
    app.search.cursor = app.search.hits.len() - 1;
    app.handle(AppEvent::Terminal(Event::Resize(80, 24)));
    assert_eq!(app.search.ranked, full.len());
    assert_eq!(*app.search.hits, full);
}

#[test]
fn a_filter_change_is_not_narrowed_from_the_list_before_it() {
    let mut app = ui_support::app_with(ui_support::load(Box::new(demo::source())), "demo");
    ui_support::key(&mut app, KeyCode::Char('/'));
    let s = the_search(press_unanswered(&mut app, KeyCode::Char('s')));
    answer(&mut app, s);
    // "se" asked, not answered; then the list keeps only the starred (nothing is).
    let se = the_search(
        press_unanswered(&mut app, KeyCode::Esc)
            .into_iter()
            .chain(press_unanswered(&mut app, KeyCode::Char('/')))
            .chain(press_unanswered(&mut app, KeyCode::Char('e')))
            .collect(),
    );
    let starred = the_search(
        press_unanswered(&mut app, KeyCode::Esc)
            .into_iter()
            .chain(press_unanswered(&mut app, KeyCode::Char('*')))
            .collect(),
    );
    assert!(starred.2.is_none());
    // The answer asked before the filter changed is dropped.
    let before = app.search.hits_generation;
    answer(&mut app, se);
    assert_eq!(
        app.search.hits_generation, before,
        "an answer for the old list applied"
    );
    // Typing before the filtered answer arrives does not narrow from the old list.
    ui_support::key(&mut app, KeyCode::Char('/'));
    let ser = the_search(press_unanswered(&mut app, KeyCode::Char('r')));
    assert!(
        ser.2.is_none(),
        "narrowed from results of the list before the filter changed"
    );
    answer(&mut app, starred);
    answer(&mut app, ser);
    assert!(app.search.hits.is_empty(), "nothing is starred");
}
