//! The catalogue service: one load for every session. It asks a [`CatalogLoader`] for
//! catalogues (a loader may hand over several in a row: a cached one first, then the refreshed
//! one), adds what the scaffolder registered, builds the search index once, and publishes each
//! result as an immutable [`CatalogSnapshot`] on a `watch` channel. Sessions hold the same
//! `Arc`s; nothing is copied per session.
//!
//! A catalogue is published before its search index exists (building it is most of a warm
//! start at 100k entities): the snapshot carries the catalogue in list order and says it is
//! indexing, the index is built on a worker thread, and a second snapshot hands it over
//! (`Change::Indexed`). Sessions draw the list at once and hold searches typed meanwhile.

use greenroom_core::catalog::Catalog;
use greenroom_core::scaffold::exec::{Registration, add_registered};
use greenroom_core::search::{Hit, SearchIndex};
use greenroom_core::sources::cache::{CatalogCache, Policy};
use greenroom_core::sources::{self, LoadOptions, Progress, ProgressFn, Source};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// How often load progress is published at most (a redraw per file would be wasted work).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// How each source stands (fresh, refreshing from the cache, offline with its age...): the
/// cache's own words, so the header and `greenroom cache info` say the same.
pub use greenroom_core::sources::cache::{SourceState, SourceStatus};

/// What a loader hands over: a catalogue (none when the one shown still holds and only the
/// sources' states moved) and how each source stands.
pub struct Loaded {
    pub catalog: Option<Catalog>,
    pub sources: Vec<SourceStatus>,
}

/// Reads the catalogue. Runs on a worker thread; calls `publish` once per catalogue worth
/// showing (the cache seam: a cached catalogue, then the refreshed one) and `progress` as it
/// reads.
/// Hands a loaded catalogue (or only new source states) to the service; callable from any
/// thread the loader uses.
pub type Publish<'a> = dyn Fn(Loaded) + Sync + 'a;

pub trait CatalogLoader: Send + Sync + 'static {
    fn load(&self, progress: ProgressFn, publish: &Publish<'_>);
}

/// The loader over configured sources: one read, one catalogue.
pub struct SourcesLoader {
    sources: Vec<Box<dyn Source>>,
    options: LoadOptions,
}

impl SourcesLoader {
    pub fn new(sources: Vec<Box<dyn Source>>, options: LoadOptions) -> SourcesLoader {
        SourcesLoader { sources, options }
    }
}

impl CatalogLoader for SourcesLoader {
    fn load(&self, progress: ProgressFn, publish: &Publish<'_>) {
        let mut options = self.options.clone();
        options.progress = Some(progress);
        let catalog = sources::load(&self.sources, &options);
        let sources = self
            .sources
            .iter()
            .map(|s| SourceStatus {
                name: s.describe(),
                state: SourceState::Fresh,
                entities: 0,
                cached_at: Some(SystemTime::now()),
            })
            .collect();
        publish(Loaded {
            catalog: Some(catalog),
            sources,
        });
    }
}

/// The loader over configured sources with the catalogue cache: the cached catalogue is
/// published at once (its sources marked refreshing), then each source's state as the
/// refresh moves, then the refreshed catalogue (or only the states, when nothing changed).
/// With [`Policy::Offline`] remote sources come from the cache alone.
///
/// The cached catalogue is published on the first load only: on a reload (`ctrl-r`, a change
/// on disk) the sessions already show it, and handing it over again would announce the
/// reload before the change it was for is there.
pub struct CachedLoader {
    sources: Vec<Box<dyn Source>>,
    options: LoadOptions,
    cache: CatalogCache,
    policy: Policy,
    loaded_once: std::sync::atomic::AtomicBool,
}

impl CachedLoader {
    pub fn new(
        sources: Vec<Box<dyn Source>>,
        options: LoadOptions,
        cache: CatalogCache,
        policy: Policy,
    ) -> CachedLoader {
        CachedLoader {
            sources,
            options,
            cache,
            policy,
            loaded_once: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl CatalogLoader for CachedLoader {
    fn load(&self, progress: ProgressFn, publish: &Publish<'_>) {
        let mut options = self.options.clone();
        options.progress = Some(progress);
        let started = Instant::now();
        let (warm, warnings) = self.cache.open(&self.sources, &options);
        for w in &warnings {
            tracing::warn!("{w}");
        }
        let warm_sources = warm.as_ref().map(|w| {
            let mut states = w.sources.clone();
            if self.policy != Policy::Offline {
                for s in &mut states {
                    if s.state == SourceState::Cached {
                        s.state = SourceState::Refreshing;
                    }
                }
            }
            states
        });
        let first = !self
            .loaded_once
            .swap(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(w) = warm.filter(|_| first) {
            tracing::info!(
                entities = w.catalog.len(),
                ms = started.elapsed().as_millis() as u64,
                "cached catalogue opened"
            );
            publish(Loaded {
                catalog: Some(w.catalog),
                sources: warm_sources.clone().unwrap_or_default(),
            });
        }
        let refreshed = self.cache.refresh(
            &self.sources,
            &options,
            self.policy,
            warm_sources.as_deref(),
            &|states: &[SourceStatus]| {
                publish(Loaded {
                    catalog: None,
                    sources: states.to_vec(),
                })
            },
        );
        for w in &refreshed.warnings {
            tracing::warn!("{w}");
        }
        publish(Loaded {
            catalog: refreshed.catalog,
            sources: refreshed.sources,
        });
    }
}

/// A loader handing over a catalogue read elsewhere (tests, benches); `set` changes what the
/// next load hands over.
pub struct FixedLoader(Mutex<Catalog>);

impl FixedLoader {
    pub fn new(catalog: Catalog) -> FixedLoader {
        FixedLoader(Mutex::new(catalog))
    }

    pub fn set(&self, catalog: Catalog) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = catalog;
    }
}

impl CatalogLoader for FixedLoader {
    fn load(&self, _progress: ProgressFn, publish: &Publish<'_>) {
        let catalog = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        publish(Loaded {
            catalog: Some(catalog),
            sources: Vec::new(),
        });
    }
}

/// Why a snapshot was published.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Nothing loaded yet.
    Start,
    /// Reading: only `progress` moved.
    Progress,
    /// A catalogue was loaded. `kept` names what was registered before and is still there;
    /// `gone` says what was registered and can no longer be read.
    Loaded {
        kept: Vec<String>,
        gone: Vec<Registration>,
    },
    /// The scaffolder registered entities.
    Registered,
    /// Only the sources' states moved (a refresh started, failed or found nothing new).
    Sources,
    /// The search index of the catalogue published before is built.
    Indexed,
}

/// When the service builds a catalogue's search index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indexing {
    /// Before publishing the catalogue (headless tests: one snapshot, ready to search).
    Before,
    /// After publishing it, on a worker thread: the first frame does not wait for it.
    Background,
    /// After publishing it, when [`CatalogService::finish_indexing`] is called (tests of
    /// what sessions do meanwhile).
    Manual,
}

/// One immutable state of the catalogue, shared by every session.
pub struct CatalogSnapshot {
    pub catalog: Arc<Catalog>,
    /// The catalogue's search index; while [`CatalogSnapshot::indexing`], an empty one (it
    /// finds nothing, so no hit can point past the catalogue).
    pub index: Arc<SearchIndex>,
    /// Whether the index is still being built; `listing` is the list meanwhile.
    pub indexing: bool,
    /// Every entity in catalogue order, what an empty query answers (the list drawn while
    /// the index is built).
    pub listing: Arc<Vec<Hit>>,
    /// Bumped on every publish.
    pub version: u64,
    /// Bumped when the catalogue itself changes (0: nothing loaded yet).
    pub catalog_version: u64,
    /// Some while a load runs.
    pub progress: Option<Progress>,
    pub sources: Vec<SourceStatus>,
    /// What the scaffolder registered, added to every catalogue loaded since.
    pub registered: Arc<Vec<Registration>>,
    pub change: Change,
    /// What started the load that published this catalogue, when it was not a person (the
    /// disk watcher: "catalog-info.yaml changed"); sessions say so in their header.
    pub trigger: Option<Arc<str>>,
}

impl CatalogSnapshot {
    /// Whether any catalogue has been loaded yet.
    pub fn is_loaded(&self) -> bool {
        self.catalog_version > 0
    }
}

/// What registering did: the refs added, and what can no longer be read.
#[derive(Clone, Debug, Default)]
pub struct RegisterOutcome {
    pub kept: Vec<String>,
    pub gone: Vec<Registration>,
    /// The snapshot that has them.
    pub version: u64,
}

struct State {
    registered: Vec<Registration>,
    /// What the load in progress found gone (a loader may publish several catalogues).
    gone: Vec<Registration>,
    /// Bumped per reload; a load superseded by a newer one publishes nothing more.
    load_generation: u64,
    /// Why the load in progress was started, when not by a person.
    trigger: Option<Arc<str>>,
}

struct Inner {
    loader: Arc<dyn CatalogLoader>,
    /// Loads on the caller's thread (headless tests).
    inline: bool,
    indexing: Indexing,
    /// A catalogue waiting for its index ([`Indexing::Manual`]).
    unindexed: Mutex<Option<(u64, Arc<Catalog>)>>,
    tx: watch::Sender<Arc<CatalogSnapshot>>,
    state: Mutex<State>,
}

/// Cheap to clone; every clone is the same service.
#[derive(Clone)]
pub struct CatalogService {
    inner: Arc<Inner>,
}

impl CatalogService {
    /// A service with nothing loaded yet; call [`CatalogService::reload`] to read.
    pub fn new(loader: Arc<dyn CatalogLoader>) -> CatalogService {
        CatalogService::with_mode(loader, false, Indexing::Background)
    }

    /// A service whose [`CatalogService::reload`] loads before returning (headless tests).
    pub fn inline(loader: Arc<dyn CatalogLoader>) -> CatalogService {
        CatalogService::with_mode(loader, true, Indexing::Before)
    }

    /// A service loading on the caller's thread (`inline`) or a worker, building indexes as
    /// `indexing` says.
    pub fn with_mode(
        loader: Arc<dyn CatalogLoader>,
        inline: bool,
        indexing: Indexing,
    ) -> CatalogService {
        let catalog = Arc::new(Catalog::default());
        let index = Arc::new(SearchIndex::build(&catalog));
        let (tx, _) = watch::channel(Arc::new(CatalogSnapshot {
            catalog,
            index,
            indexing: false,
            listing: Arc::new(Vec::new()),
            version: 0,
            catalog_version: 0,
            progress: Some(Progress {
                files_read: 0,
                entities: 0,
            }),
            sources: Vec::new(),
            registered: Arc::new(Vec::new()),
            change: Change::Start,
            trigger: None,
        }));
        CatalogService {
            inner: Arc::new(Inner {
                loader,
                inline,
                indexing,
                unindexed: Mutex::new(None),
                tx,
                state: Mutex::new(State {
                    registered: Vec::new(),
                    gone: Vec::new(),
                    load_generation: 0,
                    trigger: None,
                }),
            }),
        }
    }

    /// Every snapshot from now on; the current one is there at once.
    pub fn subscribe(&self) -> watch::Receiver<Arc<CatalogSnapshot>> {
        self.inner.tx.subscribe()
    }

    pub fn current(&self) -> Arc<CatalogSnapshot> {
        self.inner.tx.borrow().clone()
    }

    /// Reads the catalogue again on a worker thread; snapshots follow as it goes.
    pub fn reload(&self) {
        if self.inner.inline {
            self.reload_now();
            return;
        }
        let generation = self.next_generation();
        let service = self.clone();
        let spawned = std::thread::Builder::new()
            .name("greenroom-load".into())
            .spawn(move || service.load(generation));
        if let Err(e) = spawned {
            tracing::warn!("cannot start the catalogue loader: {e}");
        }
    }

    /// Reads the catalogue here and now (tests, and hosts without threads to spare).
    pub fn reload_now(&self) {
        let generation = self.next_generation();
        self.load(generation);
    }

    /// As [`CatalogService::reload`], saying why (the disk watcher's "x.yaml changed"): the
    /// catalogue it publishes carries the reason, for sessions to show.
    pub fn reload_because(&self, why: impl Into<Arc<str>>) {
        let why = why.into();
        if self.inner.inline {
            let generation = self.next_generation();
            self.lock().trigger = Some(why);
            self.load(generation);
            return;
        }
        let generation = self.next_generation();
        self.lock().trigger = Some(why);
        let service = self.clone();
        let spawned = std::thread::Builder::new()
            .name("greenroom-load".into())
            .spawn(move || service.load(generation));
        if let Err(e) = spawned {
            tracing::warn!("cannot start the catalogue loader: {e}");
        }
    }

    fn next_generation(&self) -> u64 {
        let mut state = self.lock();
        state.load_generation += 1;
        state.gone.clear();
        state.trigger = None;
        state.load_generation
    }

    fn load(&self, generation: u64) {
        let started = Instant::now();
        let this = self.clone();
        let last = Mutex::new(None::<Instant>);
        let progress: ProgressFn = Arc::new(move |p: Progress| {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|l| l.elapsed() < PROGRESS_EVERY) {
                return;
            }
            *last = Some(Instant::now());
            this.publish_progress(generation, p);
        });
        self.inner.loader.load(progress, &|loaded| {
            self.install(generation, loaded, started);
        });
    }

    fn publish_progress(&self, generation: u64, p: Progress) {
        let state = self.lock();
        if state.load_generation != generation {
            return;
        }
        let current = self.current();
        let refreshing = current
            .sources
            .iter()
            .any(|s| s.state == SourceState::Refreshing);
        if current.progress.is_none() && current.is_loaded() && !refreshing {
            // A reload: sessions keep showing the catalogue they have, without a bar. A
            // refresh behind a cached catalogue shows its progress in the header instead.
            return;
        }
        self.send(&current, |s| {
            s.progress = Some(p);
            s.change = Change::Progress;
        });
    }

    fn install(&self, generation: u64, loaded: Loaded, started: Instant) {
        let mut state = self.lock();
        if state.load_generation != generation {
            return;
        }
        let Some(catalog) = loaded.catalog else {
            let current = self.current();
            self.send(&current, |s| {
                s.sources = loaded.sources;
                s.change = Change::Sources;
            });
            return;
        };
        let current = self.current();
        // A descriptor that stopped reading keeps what it last gave, beside its error.
        let catalog = if current.is_loaded() {
            let (catalog, files) = catalog.keep_last_good(&current.catalog);
            for f in &files {
                tracing::info!("{f} does not read now; keeping its entities as last read");
            }
            catalog
        } else {
            catalog
        };
        let (catalog, kept, gone) = with_registered(catalog, &mut state.registered);
        state.gone.extend(gone);
        let gone = state.gone.clone();
        let catalog = Arc::new(catalog);
        let before = self.inner.indexing == Indexing::Before;
        let (index, listing) = if before {
            let index = Arc::new(SearchIndex::build(&catalog));
            (index, Arc::new(Vec::new()))
        } else {
            let empty = Arc::new(SearchIndex::build(&Catalog::default()));
            (empty, Arc::new(greenroom_core::search::listing(&catalog)))
        };
        tracing::info!(
            entities = catalog.len(),
            errors = catalog.error_count(),
            warnings = catalog.warning_count(),
            ms = started.elapsed().as_millis() as u64,
            "catalogue loaded"
        );
        let registered = Arc::new(state.registered.clone());
        let trigger = state.trigger.clone();
        let published = catalog.clone();
        let catalog_version = current.catalog_version + 1;
        self.send(&current, |s| {
            s.catalog = catalog;
            s.index = index;
            s.indexing = !before;
            s.listing = listing;
            s.catalog_version = catalog_version;
            s.progress = None;
            s.sources = loaded.sources;
            s.registered = registered;
            s.change = Change::Loaded { kept, gone };
            s.trigger = trigger;
        });
        drop(state);
        match self.inner.indexing {
            Indexing::Before => {}
            Indexing::Manual => {
                *self.unindexed() = Some((catalog_version, published));
            }
            Indexing::Background => {
                let service = self.clone();
                let spawned = std::thread::Builder::new()
                    .name("greenroom-index".into())
                    .spawn(move || service.index(catalog_version, &published));
                if let Err(e) = spawned {
                    tracing::warn!("cannot start the search indexer: {e}");
                }
            }
        }
    }

    fn unindexed(&self) -> std::sync::MutexGuard<'_, Option<(u64, Arc<Catalog>)>> {
        self.inner
            .unindexed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Builds the index of the catalogue published as `catalog_version` and hands it over,
    /// unless a newer catalogue replaced it meanwhile.
    fn index(&self, catalog_version: u64, catalog: &Arc<Catalog>) {
        if self.current().catalog_version != catalog_version {
            return;
        }
        let started = Instant::now();
        let index = Arc::new(SearchIndex::build(catalog));
        tracing::info!(
            entities = catalog.len(),
            ms = started.elapsed().as_millis() as u64,
            "search index built"
        );
        let _state = self.lock();
        let current = self.current();
        if current.catalog_version != catalog_version || !Arc::ptr_eq(&current.catalog, catalog) {
            return;
        }
        self.send(&current, |s| {
            s.index = index;
            s.indexing = false;
            s.listing = Arc::new(Vec::new());
            s.change = Change::Indexed;
        });
    }

    /// Builds the index of the catalogue waiting for one ([`Indexing::Manual`]); returns
    /// whether there was one.
    pub fn finish_indexing(&self) -> bool {
        let Some((version, catalog)) = self.unindexed().take() else {
            return false;
        };
        self.index(version, &catalog);
        true
    }

    /// Adds what a scaffolder run registered to the catalogue, for every session and every
    /// later load. Blocks while the descriptors are read: call it off the UI thread.
    pub fn register(&self, registrations: Vec<Registration>) -> RegisterOutcome {
        let mut state = self.lock();
        let current = self.current();
        let catalog = add_registered(&current.catalog, &registrations);
        let (kept, gone) = partition(&catalog, registrations);
        let refs: Vec<String> = kept.iter().filter_map(|r| r.entity_ref.clone()).collect();
        for r in gone.iter().chain(&kept) {
            state
                .registered
                .retain(|o| o.catalog_info != r.catalog_info);
        }
        state.registered.extend(kept);
        let index = Arc::new(SearchIndex::build(&catalog));
        let registered = Arc::new(state.registered.clone());
        let version = self.send(&current, |s| {
            s.catalog = Arc::new(catalog);
            s.index = index;
            s.indexing = false;
            s.listing = Arc::new(Vec::new());
            s.catalog_version += 1;
            s.registered = registered;
            s.change = Change::Registered;
            s.trigger = None;
        });
        RegisterOutcome {
            kept: refs,
            gone,
            version,
        }
    }

    /// Publishes a copy of `current` changed by `f`, with the next version; returns it.
    fn send(&self, current: &CatalogSnapshot, f: impl FnOnce(&mut CatalogSnapshot)) -> u64 {
        let mut next = CatalogSnapshot {
            catalog: current.catalog.clone(),
            index: current.index.clone(),
            indexing: current.indexing,
            listing: current.listing.clone(),
            version: current.version + 1,
            catalog_version: current.catalog_version,
            progress: current.progress,
            sources: current.sources.clone(),
            registered: current.registered.clone(),
            change: current.change.clone(),
            trigger: current.trigger.clone(),
        };
        f(&mut next);
        let version = next.version;
        self.inner.tx.send_replace(Arc::new(next));
        version
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Registered descriptors whose entity is in `catalog` (kept) and those that are not (gone).
fn partition(
    catalog: &Catalog,
    registrations: Vec<Registration>,
) -> (Vec<Registration>, Vec<Registration>) {
    registrations.into_iter().partition(|r| {
        r.entity_ref
            .as_deref()
            .is_none_or(|k| catalog.get(k).is_some())
    })
}

/// A freshly loaded catalogue with the registrations added again; the ones that can no
/// longer be read leave the list.
fn with_registered(
    loaded: Catalog,
    registered: &mut Vec<Registration>,
) -> (Catalog, Vec<String>, Vec<Registration>) {
    if registered.is_empty() {
        return (loaded, Vec::new(), Vec::new());
    }
    let catalog = add_registered(&loaded, registered);
    let (kept, gone) = partition(&catalog, std::mem::take(registered));
    let refs = kept.iter().filter_map(|r| r.entity_ref.clone()).collect();
    *registered = kept;
    (catalog, refs, gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: NAME\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";

    fn write(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
        let path = dir.join(name).join("catalog-info.yaml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, COMPONENT.replace("NAME", name)).unwrap();
        path
    }

    /// Hands over a cached catalogue, then a fresh one, counting loads.
    struct TwoStep {
        dir: std::path::PathBuf,
        loads: AtomicUsize,
    }

    impl CatalogLoader for TwoStep {
        fn load(&self, progress: ProgressFn, publish: &Publish<'_>) {
            self.loads.fetch_add(1, Ordering::SeqCst);
            progress(Progress {
                files_read: 1,
                entities: 1,
            });
            let source: Box<dyn Source> = Box::new(
                sources::files::FileSource::disk(std::slice::from_ref(&self.dir)).unwrap(),
            );
            let opts = LoadOptions {
                online: false,
                ..LoadOptions::default()
            };
            let catalog = sources::load(std::slice::from_ref(&source), &opts);
            publish(Loaded {
                catalog: Some(Catalog::default()),
                sources: vec![SourceStatus {
                    name: "cache".into(),
                    state: SourceState::Refreshing,
                    entities: 0,
                    cached_at: Some(SystemTime::now() - Duration::from_secs(60)),
                }],
            });
            publish(Loaded {
                catalog: Some(catalog),
                sources: vec![SourceStatus {
                    name: "cache".into(),
                    state: SourceState::Fresh,
                    entities: 1,
                    cached_at: Some(SystemTime::now()),
                }],
            });
        }
    }

    fn service(dir: &std::path::Path) -> (CatalogService, Arc<TwoStep>) {
        let loader = Arc::new(TwoStep {
            dir: dir.to_path_buf(),
            loads: AtomicUsize::new(0),
        });
        (
            CatalogService::with_mode(loader.clone(), false, Indexing::Before),
            loader,
        )
    }

    #[test]
    fn every_subscriber_sees_the_same_snapshots_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "payments");
        let (service, loader) = service(dir.path());
        let mut a = service.subscribe();
        let b = service.subscribe();
        assert!(!a.borrow().is_loaded());
        assert!(a.borrow().progress.is_some(), "loading from the start");
        service.reload_now();
        assert_eq!(loader.loads.load(Ordering::SeqCst), 1);
        assert!(a.has_changed().unwrap());
        let seen = a.borrow_and_update().clone();
        assert!(Arc::ptr_eq(&seen, &b.borrow()), "one snapshot for all");
        assert_eq!(
            seen.catalog_version, 2,
            "the cached one, then the fresh one"
        );
        assert_eq!(seen.sources[0].state, SourceState::Fresh);
        assert!(seen.progress.is_none());
        assert!(seen.catalog.get("component:default/payments").is_some());
        assert_eq!(seen.index.len(), seen.catalog.len());
    }

    #[test]
    fn a_reload_shows_no_progress_over_a_loaded_catalogue() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "payments");
        let (service, _) = service(dir.path());
        service.reload_now();
        let before = service.current();
        let generation = service.next_generation();
        service.publish_progress(
            generation,
            Progress {
                files_read: 3,
                entities: 3,
            },
        );
        assert_eq!(service.current().version, before.version);
    }

    #[test]
    fn registrations_are_applied_once_and_survive_reloads() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "payments");
        let (service, _) = service(dir.path());
        service.reload_now();
        let created = tempfile::tempdir().unwrap();
        let file = write(created.path(), "fresh");
        let registration = Registration {
            catalog_info: file.clone(),
            entities: Vec::new(),
            entity_ref: Some("component:default/fresh".into()),
        };
        let out = service.register(vec![registration]);
        assert_eq!(out.kept, vec!["component:default/fresh".to_owned()]);
        assert!(out.gone.is_empty());
        let snap = service.current();
        assert_eq!(snap.version, out.version);
        assert_eq!(snap.change, Change::Registered);
        assert!(snap.catalog.get("component:default/fresh").is_some());
        assert_eq!(snap.registered.len(), 1);

        service.reload_now();
        let snap = service.current();
        assert!(snap.catalog.get("component:default/fresh").is_some());
        assert_eq!(
            snap.change,
            Change::Loaded {
                kept: vec!["component:default/fresh".into()],
                gone: vec![]
            }
        );

        // Its folder removed: the next load says it is gone and stops adding it.
        drop(created);
        service.reload_now();
        let snap = service.current();
        assert!(snap.catalog.get("component:default/fresh").is_none());
        match &snap.change {
            Change::Loaded { kept, gone } => {
                assert!(kept.is_empty());
                assert_eq!(gone.len(), 1);
                assert_eq!(gone[0].catalog_info, file);
            }
            other => panic!("{other:?}"),
        }
        assert!(snap.registered.is_empty());
    }

    #[test]
    fn the_catalogue_is_published_before_its_index_which_follows() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "payments");
        write(dir.path(), "audit");
        let loader = Arc::new(TwoStep {
            dir: dir.path().to_path_buf(),
            loads: AtomicUsize::new(0),
        });
        let service = CatalogService::with_mode(loader, true, Indexing::Manual);
        service.reload_now();
        let first = service.current();
        assert!(first.indexing, "published before the index");
        assert_eq!(first.catalog.len(), 2);
        assert!(first.index.is_empty(), "an empty index finds nothing");
        let names: Vec<&str> = first
            .listing
            .iter()
            .map(|h| first.catalog.entities()[h.entity].name())
            .collect();
        assert_eq!(names, ["audit", "payments"], "the list meanwhile, in order");

        assert!(service.finish_indexing());
        let second = service.current();
        assert!(!second.indexing);
        assert_eq!(second.change, Change::Indexed);
        assert!(
            Arc::ptr_eq(&second.catalog, &first.catalog),
            "the same catalogue"
        );
        assert_eq!(second.catalog_version, first.catalog_version);
        assert_eq!(second.index.len(), 2);
        assert!(!service.finish_indexing(), "nothing left to index");
    }

    #[test]
    fn an_index_built_for_a_replaced_catalogue_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "payments");
        let loader = Arc::new(TwoStep {
            dir: dir.path().to_path_buf(),
            loads: AtomicUsize::new(0),
        });
        let service = CatalogService::with_mode(loader, true, Indexing::Manual);
        service.reload_now();
        let stale = service.unindexed().take().unwrap();
        service.reload_now();
        let before = service.current().version;
        service.index(stale.0, &stale.1);
        assert_eq!(service.current().version, before, "nothing published");
        assert!(service.current().indexing);
        assert!(service.finish_indexing());
        assert!(!service.current().indexing);
    }

    #[test]
    fn in_the_background_the_index_arrives_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "payments");
        let service = CatalogService::new(Arc::new(TwoStep {
            dir: dir.path().to_path_buf(),
            loads: AtomicUsize::new(0),
        }));
        service.reload_now();
        let mut rx = service.subscribe();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            while rx.borrow_and_update().indexing {
                rx.changed().await.unwrap();
            }
        });
        let snap = service.current();
        assert_eq!(snap.index.len(), 1);
        assert!(snap.listing.is_empty());
    }

    #[test]
    fn a_superseded_load_publishes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "payments");
        let (service, _) = service(dir.path());
        let stale = service.next_generation();
        let _newer = service.next_generation();
        service.load(stale);
        assert_eq!(service.current().version, 0);
    }
}
