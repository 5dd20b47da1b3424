//! The portal's start from the catalogue cache, through the hub's `CachedLoader` and the real
//! `App`: the first catalogue comes from the cache before any refresh, the refresh of unchanged
//! files sends no second catalogue, a change does; the header shows each source's state and age.

mod ui_support;

use greenroom::catalog::Catalog;
use greenroom::sources::cache::{CatalogCache, Policy, SourceState, SourceStatus};
use greenroom::sources::files::FileSource;
use greenroom::sources::{LoadOptions, ProgressFn, Source};
use greenroom::tui::catalog::cache_state;
use greenroom_hub::catalog::{Loaded, Publish};
use greenroom_hub::{CachedLoader, CatalogLoader, CatalogService, CatalogSnapshot};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use ui_support::{render, screen_text, test_app};

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

/// What the loader handed over: a catalogue (its size) or only the sources' states.
#[derive(Debug, PartialEq)]
enum Seen {
    Loaded(usize),
    Sources(Vec<SourceState>),
}

/// The cached loader, stopped after each hand-over until the test has looked at the snapshot
/// it made (so no intermediate snapshot is missed).
struct Stepped {
    inner: CachedLoader,
    seen: Mutex<mpsc::Sender<Option<Seen>>>,
    go_on: Mutex<mpsc::Receiver<()>>,
}

impl CatalogLoader for Stepped {
    fn load(&self, progress: ProgressFn, publish: &Publish<'_>) {
        self.inner.load(progress, &|loaded: Loaded| {
            let seen = match &loaded.catalog {
                Some(c) => Seen::Loaded(c.len()),
                None => Seen::Sources(loaded.sources.iter().map(|s| s.state.clone()).collect()),
            };
            publish(loaded);
            self.seen.lock().unwrap().send(Some(seen)).unwrap();
            self.go_on.lock().unwrap().recv().unwrap();
        });
        self.seen.lock().unwrap().send(None).unwrap();
    }
}

/// Starts the portal's loader over `sources` and the cache; each hand-over with the snapshot
/// the hub published for it.
fn start(sources: Vec<Box<dyn Source>>, cache: &CatalogCache) -> Vec<(Seen, Arc<CatalogSnapshot>)> {
    let opts = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    let (seen_tx, seen_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel();
    let loader = Stepped {
        inner: CachedLoader::new(sources, opts, cache.clone(), Policy::Refresh),
        seen: Mutex::new(seen_tx),
        go_on: Mutex::new(go_rx),
    };
    let service = CatalogService::new(Arc::new(loader));
    service.reload();
    let mut out = Vec::new();
    while let Some(seen) = seen_rx.recv_timeout(Duration::from_secs(60)).unwrap() {
        out.push((seen, service.current()));
        go_tx.send(()).unwrap();
    }
    out
}

fn files(cat: &Path) -> Vec<Box<dyn Source>> {
    vec![Box::new(
        FileSource::disk(std::slice::from_ref(&cat.to_path_buf())).unwrap(),
    )]
}

#[test]
fn the_first_catalogue_comes_from_the_cache_then_a_refresh_follows() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha"));
    write(&cat, "b/catalog-info.yaml", &component("beta"));
    let cache = CatalogCache::new(&tmp.path().join("cache"));

    // Cold: nothing cached, one catalogue after reading.
    let steps = start(files(&cat), &cache);
    let seen: Vec<&Seen> = steps.iter().map(|(s, _)| s).collect();
    assert_eq!(
        seen.iter().filter(|s| matches!(s, Seen::Loaded(_))).count(),
        1
    );
    assert_eq!(seen.last(), Some(&&Seen::Loaded(2)));

    // Warm and unchanged: the cached catalogue first, marked refreshing, then only the
    // states (fresh); no second catalogue.
    let steps = start(files(&cat), &cache);
    let seen: Vec<&Seen> = steps.iter().map(|(s, _)| s).collect();
    assert_eq!(seen[0], &Seen::Loaded(2));
    assert_eq!(steps[0].1.sources[0].state, SourceState::Refreshing);
    assert_eq!(seen.last(), Some(&&Seen::Sources(vec![SourceState::Fresh])));
    assert_eq!(
        seen.iter().filter(|s| matches!(s, Seen::Loaded(_))).count(),
        1
    );

    // The app given the first snapshot (before the refresh ends) shows the list and says it
    // is refreshing; after the last, the usual header.
    let mut app = test_app("files in cat");
    app.install_snapshot(&steps[0].1);
    app.run_searches_inline();
    let screen = screen_text(&render(&mut app, 120, 20));
    assert!(
        screen.contains("alpha") && screen.contains("beta"),
        "{screen}"
    );
    assert!(screen.contains("refreshing (cached"), "{screen}");
    app.install_snapshot(&steps.last().unwrap().1);
    let screen = screen_text(&render(&mut app, 120, 20));
    assert!(!screen.contains("refreshing"), "{screen}");
    assert!(screen.contains("files in cat"), "{screen}");
    assert!(screen.contains("alpha"), "the catalogue stays: {screen}");

    // A change: the cached catalogue, then the new one.
    write(&cat, "c/catalog-info.yaml", &component("gamma"));
    let steps = start(files(&cat), &cache);
    let loaded: Vec<&Seen> = steps
        .iter()
        .map(|(s, _)| s)
        .filter(|s| matches!(s, Seen::Loaded(_)))
        .collect();
    assert_eq!(loaded, [&Seen::Loaded(2), &Seen::Loaded(3)]);
}

#[test]
fn a_reload_hands_over_only_the_new_catalogue_not_the_cached_one_first() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha"));
    let cache = CatalogCache::new(&tmp.path().join("cache"));
    // Warm the cache.
    start(files(&cat), &cache);

    let (seen_tx, seen_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel();
    let loader = Stepped {
        inner: CachedLoader::new(
            files(&cat),
            LoadOptions {
                online: false,
                ..LoadOptions::default()
            },
            cache.clone(),
            Policy::Refresh,
        ),
        seen: Mutex::new(seen_tx),
        go_on: Mutex::new(go_rx),
    };
    let service = CatalogService::new(Arc::new(loader));
    let load = |why: Option<&str>| {
        match why {
            Some(why) => service.reload_because(why),
            None => service.reload(),
        }
        let mut seen = Vec::new();
        while let Some(s) = seen_rx.recv_timeout(Duration::from_secs(60)).unwrap() {
            seen.push((s, service.current()));
            go_tx.send(()).unwrap();
        }
        seen
    };
    // The first load starts from the cache.
    let first = load(None);
    assert_eq!(first[0].0, Seen::Loaded(1));

    // A file changes and the watcher reloads: the one catalogue handed over is the new one,
    // and it carries the reason; the old one is not published again ahead of it.
    write(&cat, "b/catalog-info.yaml", &component("beta"));
    let reload = load(Some("b/catalog-info.yaml changed"));
    let loaded: Vec<&Seen> = reload
        .iter()
        .map(|(s, _)| s)
        .filter(|s| matches!(s, Seen::Loaded(_)))
        .collect();
    assert_eq!(loaded, [&Seen::Loaded(2)]);
    let (_, snapshot) = reload
        .iter()
        .find(|(s, _)| matches!(s, Seen::Loaded(_)))
        .unwrap();
    assert_eq!(
        snapshot.trigger.as_deref(),
        Some("b/catalog-info.yaml changed")
    );
}

/// A snapshot with these sources (and progress), as the hub publishes during a refresh.
fn snapshot(
    sources: Vec<SourceStatus>,
    progress: Option<greenroom::sources::Progress>,
) -> CatalogSnapshot {
    let catalog = Arc::new(Catalog::default());
    CatalogSnapshot {
        index: Arc::new(greenroom::search::SearchIndex::build(&catalog)),
        indexing: false,
        listing: Arc::new(Vec::new()),
        catalog,
        version: 1,
        catalog_version: 0,
        progress,
        sources,
        registered: Arc::new(Vec::new()),
        change: greenroom_hub::catalog::Change::Sources,
        trigger: None,
    }
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
    let mut app = test_app("files in ./cat");
    app.loading = None;
    assert_eq!(cache_state::header_text(&app, now), None);
    app.install_snapshot(&snapshot(
        vec![status("files in ./cat", SourceState::Refreshing, 300)],
        None,
    ));
    assert_eq!(
        cache_state::header_text(&app, now).unwrap(),
        "files in ./cat · refreshing (cached 5 min ago)"
    );
    let refreshing = app.sources.clone();
    app.install_snapshot(&snapshot(
        refreshing,
        Some(greenroom::sources::Progress {
            files_read: 1200,
            entities: 1300,
        }),
    ));
    assert_eq!(
        cache_state::header_text(&app, now).unwrap(),
        "files in ./cat · refreshing (cached 5 min ago), 1200 files read"
    );
    app.install_snapshot(&snapshot(
        vec![
            status("files in ./cat", SourceState::Fresh, 0),
            status(
                "Backstage at http://bs",
                SourceState::Offline("connection refused".into()),
                7200,
            ),
        ],
        None,
    ));
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
    app.install_snapshot(&snapshot(
        vec![status("files in ./cat", SourceState::Fresh, 0)],
        None,
    ));
    assert_eq!(
        cache_state::header_text(&app, now),
        None,
        "all fresh: the usual header"
    );
}
