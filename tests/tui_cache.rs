//! The portal's start from the catalogue cache, on the real `App`: the first catalogue comes
//! from the cache before any refresh, the refresh of unchanged files sends no second catalogue,
//! a change does; the header shows each source's state and age.

mod ui_support;

use greenroom::catalog::Catalog;
use greenroom::sources::cache::{CatalogCache, Policy, SourceState, SourceStatus};
use greenroom::sources::files::FileSource;
use greenroom::sources::{LoadOptions, Source};
use greenroom::tui::app::AppEvent;
use greenroom::tui::cache_state;
use std::path::Path;
use std::time::{Duration, SystemTime};
use ui_support::{app_with, render, screen_text};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
}

/// What the loader sent: (event kind, entity count or states).
#[derive(Debug, PartialEq)]
enum Seen {
    Loaded(usize),
    Sources(Vec<SourceState>),
}

fn start(sources: &[Box<dyn Source>], cache: &CatalogCache) -> (Vec<Seen>, Vec<AppEvent>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    cache_state::run(sources, &opts, cache, Policy::Refresh, &tx);
    drop(tx);
    let mut seen = Vec::new();
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        match &e {
            AppEvent::Loaded(c, _) => seen.push(Seen::Loaded(c.len())),
            AppEvent::Sources(s) => {
                seen.push(Seen::Sources(s.iter().map(|s| s.state.clone()).collect()))
            }
            _ => {}
        }
        events.push(e);
    }
    (seen, events)
}

#[test]
fn the_first_catalogue_comes_from_the_cache_then_a_refresh_follows() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha"));
    write(&cat, "b/catalog-info.yaml", &component("beta"));
    let cache = CatalogCache::new(&tmp.path().join("cache"));
    let sources: Vec<Box<dyn Source>> = vec![Box::new(
        FileSource::disk(std::slice::from_ref(&cat)).unwrap(),
    )];

    // Cold: nothing cached, one catalogue after reading.
    let (seen, _) = start(&sources, &cache);
    assert_eq!(
        seen.iter().filter(|s| matches!(s, Seen::Loaded(_))).count(),
        1
    );
    assert_eq!(seen.last(), Some(&Seen::Loaded(2)));

    // Warm and unchanged: the cached catalogue first, marked refreshing, then fresh; no second
    // catalogue.
    let (seen, events) = start(&sources, &cache);
    assert_eq!(seen[0], Seen::Sources(vec![SourceState::Refreshing]));
    assert_eq!(seen[1], Seen::Loaded(2));
    assert_eq!(seen.last(), Some(&Seen::Sources(vec![SourceState::Fresh])));
    assert_eq!(
        seen.iter().filter(|s| matches!(s, Seen::Loaded(_))).count(),
        1
    );

    // The app fed the first two events (before the refresh ends) shows the list and says it
    // is refreshing.
    let mut app = app_with(Catalog::default(), "files in cat");
    let mut events = events.into_iter();
    app.handle(events.next().unwrap());
    app.handle(events.next().unwrap());
    app.run_searches_inline();
    let screen = screen_text(&render(&mut app, 120, 20));
    assert!(
        screen.contains("alpha") && screen.contains("beta"),
        "{screen}"
    );
    assert!(screen.contains("refreshing (cached"), "{screen}");
    for e in events {
        app.handle(e);
    }
    let screen = screen_text(&render(&mut app, 120, 20));
    assert!(!screen.contains("refreshing"), "{screen}");
    assert!(screen.contains("files in cat"), "{screen}");

    // A change: the cached catalogue, then the new one.
    write(&cat, "c/catalog-info.yaml", &component("gamma"));
    let (seen, _) = start(&sources, &cache);
    let loaded: Vec<&Seen> = seen
        .iter()
        .filter(|s| matches!(s, Seen::Loaded(_)))
        .collect();
    assert_eq!(loaded, [&Seen::Loaded(2), &Seen::Loaded(3)]);
}

#[test]
fn the_header_names_each_source_with_its_state_and_age() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let status = |name: &str, state, age| SourceStatus {
        name: String::from(name),
        state,
        entities: 3,
        cached_at: Some(now - Duration::from_secs(age)),
    };
    let mut app = app_with(Catalog::default(), "files in ./cat");
    assert_eq!(cache_state::header_text(&app, now), None);
    app.handle(AppEvent::Sources(vec![status(
        "files in ./cat",
        SourceState::Refreshing,
        300,
    )]));
    assert_eq!(
        cache_state::header_text(&app, now).unwrap(),
        "files in ./cat · refreshing (cached 5 min ago)"
    );
    app.handle(AppEvent::Progress(greenroom::sources::Progress {
        files_read: 1200,
        entities: 1300,
    }));
    assert_eq!(
        cache_state::header_text(&app, now).unwrap(),
        "files in ./cat · refreshing (cached 5 min ago), 1200 files read"
    );
    app.handle(AppEvent::Sources(vec![
        status("files in ./cat", SourceState::Fresh, 0),
        status(
            "Backstage at http://bs",
            SourceState::Offline("connection refused".into()),
            7200,
        ),
    ]));
    assert_eq!(
        cache_state::header_text(&app, now).unwrap(),
        "files in ./cat: fresh · Backstage at http://bs: offline (cached 2 h ago): connection refused"
    );
    // On screen (the age is measured from the real clock here: only the words are checked).
    let screen = screen_text(&render(&mut app, 160, 14));
    assert!(
        screen.contains("Backstage at http://bs: offline (cached"),
        "{screen}"
    );
    app.handle(AppEvent::Sources(vec![status(
        "files in ./cat",
        SourceState::Fresh,
        0,
    )]));
    assert_eq!(
        cache_state::header_text(&app, now),
        None,
        "all fresh: the usual header"
    );
}
