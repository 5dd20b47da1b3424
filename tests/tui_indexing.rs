//! The first frame does not wait for the search index: the hub publishes the catalogue before
//! its index, the session draws the list in catalogue order with "indexing…", a query typed
//! meanwhile is kept (every keystroke) and runs when the index arrives.

mod ui_support;

use greenroom::hub::catalog::{CatalogService, FixedLoader, Indexing};
use greenroom::hub::{Hub, RunService, SearchPool, StatusService};
use greenroom::sources::demo;
use std::sync::Arc;
use ui_support::{load, portal_on_hub, render, screen_text, test_app, type_text};

fn hub_indexing_by_hand() -> Hub {
    let loader = Arc::new(FixedLoader::new(load(Box::new(demo::source()))));
    let catalog = CatalogService::with_mode(loader, true, Indexing::Manual);
    let hub = Hub::new(
        catalog,
        StatusService::waiting(),
        RunService::inline(),
        SearchPool::inline(),
    );
    hub.catalog.reload();
    hub
}

#[test]
fn the_list_is_drawn_before_the_index_and_a_query_typed_meanwhile_runs_when_it_arrives() {
    let hub = hub_indexing_by_hand();
    let mut app = portal_on_hub(&hub, test_app("demo"));
    assert!(app.indexing);
    let total = app.catalog.len();
    assert_eq!(app.search.hits.len(), total, "the whole catalogue, listed");
    let screen = screen_text(&render(&mut app, 80, 24));
    assert!(
        screen.contains(&format!("indexing… {total}/{total}")),
        "{screen}"
    );
    // The same order as the index gives an empty query.
    let listed: Vec<usize> = app.search.hits.iter().map(|h| h.entity).collect();

    type_text(&mut app, "/checkout");
    assert_eq!(app.search.text(), "checkout", "no keystroke lost");
    let screen = screen_text(&render(&mut app, 80, 24));
    assert!(screen.contains("/ checkout"), "{screen}");
    assert!(screen.contains("indexing…"), "{screen}");
    assert_eq!(
        app.search.hits.len(),
        total,
        "the query waits for the index"
    );

    assert!(hub.catalog.finish_indexing());
    app.searches();
    assert!(!app.indexing);
    let names: Vec<&str> = app
        .search
        .hits
        .iter()
        .map(|h| app.catalog.entities()[h.entity].name())
        .collect();
    assert!(!names.is_empty() && names.len() < total, "{names:?}");
    assert_eq!(names[0], "checkout", "the exact name first: {names:?}");
    let screen = screen_text(&render(&mut app, 80, 24));
    assert!(!screen.contains("indexing…"), "{screen}");
    assert!(screen.contains("checkout-service"), "{screen}");

    // The index answers an empty query with what the listing showed.
    let full = app.index.search(&greenroom::search::Query::default());
    assert_eq!(
        full.iter().map(|h| h.entity).collect::<Vec<_>>(),
        listed,
        "the listing did not move when the index arrived"
    );
}

#[test]
fn a_reload_behind_a_query_keeps_its_hits_until_the_new_index_answers() {
    let hub = hub_indexing_by_hand();
    let mut app = portal_on_hub(&hub, test_app("demo"));
    assert!(hub.catalog.finish_indexing());
    app.searches();
    type_text(&mut app, "/checkout");
    let before: Vec<String> = app
        .search
        .hits
        .iter()
        .map(|h| app.catalog.entities()[h.entity].key.clone())
        .collect();
    assert!(!app.indexing && before.len() > 1);

    hub.catalog.reload();
    app.searches();
    assert!(app.indexing, "the new catalogue waits for its index");
    let during: Vec<String> = app
        .search
        .hits
        .iter()
        .map(|h| app.catalog.entities()[h.entity].key.clone())
        .collect();
    assert_eq!(
        during, before,
        "the hits carried over, on the new catalogue"
    );
    let screen = screen_text(&render(&mut app, 80, 24));
    assert!(screen.contains("indexing…"), "{screen}");

    assert!(hub.catalog.finish_indexing());
    app.searches();
    assert!(!app.indexing);
    let after: Vec<String> = app
        .search
        .hits
        .iter()
        .map(|h| app.catalog.entities()[h.entity].key.clone())
        .collect();
    assert_eq!(after, before);
    assert!(!app.search.facets.kinds.is_empty(), "the index's facets");
}
