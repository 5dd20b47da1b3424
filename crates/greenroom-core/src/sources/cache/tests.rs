//! The cache's promises: the same catalogue back, unchanged files not parsed again, changes and
//! new files seen, damaged/truncated/older/foreign files ignored with a warning and rebuilt,
//! unreachable remote sources served from the cache with their age.

use super::*;
use crate::catalog::EntityRef;
use crate::catalog::Origin;
use crate::catalog::Verdict;
use crate::sources::files::FileSource;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn component(name: &str, owner: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )
}

fn clock_at(secs: u64) -> (Clock, Arc<Mutex<SystemTime>>) {
    let t = Arc::new(Mutex::new(UNIX_EPOCH + Duration::from_secs(secs)));
    let c = t.clone();
    (Arc::new(move || *c.lock().unwrap()), t)
}

fn opts() -> LoadOptions {
    LoadOptions {
        online: false,
        ..LoadOptions::default()
    }
}

fn files(dir: &Path) -> Vec<Box<dyn Source>> {
    vec![Box::new(FileSource::disk(&[dir.to_path_buf()]).unwrap())]
}

fn json_of(c: &Catalog) -> (Vec<serde_json::Value>, Vec<String>) {
    (
        c.entities().iter().map(Entity::to_backstage_json).collect(),
        c.diagnostics().iter().map(ToString::to_string).collect(),
    )
}

fn nothing(_: &[SourceStatus]) {}

#[test]
fn a_refreshed_catalogue_opens_from_the_cache_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha", "team-a"));
    write(
        &cat,
        "b/catalog-info.yaml",
        &component("beta", "team-missing"),
    );
    write(
        &cat,
        "team/catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n  description:\nspec:\n  type: team\n  children: []\n",
    );
    let cache = CatalogCache::new(&tmp.path().join("cache"));
    let sources = files(&cat);
    assert!(
        cache.open(&sources, &opts()).0.is_none(),
        "nothing cached yet"
    );
    let fresh = cache.refresh(&sources, &opts(), Policy::Refresh, None, &nothing);
    assert!(fresh.warnings.is_empty(), "{:?}", fresh.warnings);
    let loaded = fresh.catalog.unwrap();
    assert_eq!(fresh.sources[0].state, SourceState::Fresh);
    let (warm, warnings) = cache.open(&sources, &opts());
    assert!(warnings.is_empty());
    let warm = warm.unwrap();
    assert_eq!(json_of(&warm.catalog), json_of(&loaded));
    assert_eq!(
        json_of(&loaded),
        json_of(&crate::sources::load(&sources, &opts()))
    );
    assert_eq!(warm.sources[0].entities, 3);
    assert!(warm.catalog.get("component:default/alpha").is_some());
    // Relations come back too.
    let alpha = warm.catalog.get("component:default/alpha").unwrap();
    assert!(!alpha.relations.is_empty());
}

#[test]
fn unchanged_files_are_not_read_again_and_changes_are_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha", "team-a"));
    write(
        &cat,
        "loc/catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  targets: [\"../more/*.yaml\"]\n",
    );
    write(&cat, "more/x.yaml", &component("x", "team-a"));
    let cache = CatalogCache::new(&tmp.path().join("cache"));
    let sources = files(&cat);
    cache.refresh(&sources, &opts(), Policy::Refresh, None, &nothing);
    let warm = cache.open(&sources, &opts()).0.unwrap();
    let again = cache.refresh(
        &sources,
        &opts(),
        Policy::Refresh,
        Some(&warm.sources),
        &nothing,
    );
    assert!(
        again.catalog.is_none(),
        "nothing changed: the warm catalogue holds"
    );
    assert_eq!(again.sources[0].state, SourceState::Fresh);

    // A changed file (size differs).
    write(&cat, "a/catalog-info.yaml", &component("alpha", "team-bb"));
    let changed = cache.refresh(
        &sources,
        &opts(),
        Policy::Refresh,
        Some(&warm.sources),
        &nothing,
    );
    let c = changed.catalog.expect("a change is read");
    assert_eq!(
        c.get("component:default/alpha").unwrap().owner(),
        Some("team-bb")
    );
    // A new file in the walk, then one only a Location's glob finds.
    let warm = cache.open(&sources, &opts()).0.unwrap();
    write(&cat, "c/catalog-info.yaml", &component("gamma", "team-a"));
    let c = cache
        .refresh(
            &sources,
            &opts(),
            Policy::Refresh,
            Some(&warm.sources),
            &nothing,
        )
        .catalog
        .expect("a new file is read");
    assert!(c.get("component:default/gamma").is_some());
    let warm = cache.open(&sources, &opts()).0.unwrap();
    write(&cat, "more/y.yaml", &component("y", "team-a"));
    let c = cache
        .refresh(
            &sources,
            &opts(),
            Policy::Refresh,
            Some(&warm.sources),
            &nothing,
        )
        .catalog
        .expect("a file a Location's glob now matches is read");
    assert!(c.get("component:default/y").is_some());
    // A removed file.
    let warm = cache.open(&sources, &opts()).0.unwrap();
    std::fs::remove_file(cat.join("more/x.yaml")).unwrap();
    let c = cache
        .refresh(
            &sources,
            &opts(),
            Policy::Refresh,
            Some(&warm.sources),
            &nothing,
        )
        .catalog
        .expect("a removed file is seen");
    assert!(c.get("component:default/x").is_none());
}

fn cached_files(cache: &CatalogCache) -> Vec<PathBuf> {
    cache.info().into_iter().map(|i| i.path).collect()
}

/// Damages every cache file with `damage`, then checks the start ignores them with a warning
/// containing `expect`, and a refresh rebuilds them.
fn damaged_cache_is_rebuilt(damage: impl Fn(&mut Vec<u8>), expect: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha", "team-a"));
    let cache = CatalogCache::new(&tmp.path().join("cache"));
    let sources = files(&cat);
    cache.refresh(&sources, &opts(), Policy::Refresh, None, &nothing);
    let paths = cached_files(&cache);
    assert_eq!(paths.len(), 2, "{paths:?}");
    for p in &paths {
        let mut b = std::fs::read(p).unwrap();
        damage(&mut b);
        std::fs::write(p, b).unwrap();
    }
    let (warm, warnings) = cache.open(&sources, &opts());
    assert!(warm.is_none());
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(expect) && w.contains("rebuilt")),
        "{warnings:?}"
    );
    assert!(cache.info().iter().all(|i| i.problem.is_some()));
    let r = cache.refresh(&sources, &opts(), Policy::Refresh, None, &nothing);
    assert!(r.catalog.unwrap().get("component:default/alpha").is_some());
    let (warm, warnings) = cache.open(&sources, &opts());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(warm.is_some(), "rebuilt");
}

#[test]
fn a_corrupt_cache_is_ignored_and_rebuilt() {
    damaged_cache_is_rebuilt(
        |b| {
            let n = b.len();
            b[n - 5] ^= 0x40;
        },
        "checksum",
    );
}

#[test]
fn a_truncated_cache_is_ignored_and_rebuilt() {
    damaged_cache_is_rebuilt(|b| b.truncate(b.len() / 2), "truncated");
    damaged_cache_is_rebuilt(|b| b.truncate(10), "not a greenroom cache");
}

#[test]
fn a_cache_written_by_an_older_version_is_ignored_and_rebuilt() {
    // An "older greenroom": the previous format (2: reference sites with three-part targets)
    // and format 0, with a payload that is fine by its own checksum.
    damaged_cache_is_rebuilt(
        |b| b[8..12].copy_from_slice(&(FORMAT_VERSION - 1).to_le_bytes()),
        "older greenroom (cache format 2, this one reads 3)",
    );
    damaged_cache_is_rebuilt(|b| b[8..12].copy_from_slice(&0u32.to_le_bytes()), "older");
    damaged_cache_is_rebuilt(
        |b| b[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes()),
        "newer",
    );
}

#[test]
fn a_foreign_file_in_place_of_the_cache_is_ignored() {
    damaged_cache_is_rebuilt(
        |b| *b = b"{\"not\": \"a cache\"}".to_vec(),
        "not a greenroom cache",
    );
}

/// A remote catalogue that can be switched off.
struct Remote {
    up: Arc<AtomicBool>,
    loads: Arc<AtomicUsize>,
    name: String,
}

impl Source for Remote {
    fn describe(&self) -> String {
        format!("Backstage at {}", self.name)
    }

    fn load(&self, _opts: &LoadOptions) -> SourceOutput {
        self.loads.fetch_add(1, Ordering::SeqCst);
        if !self.up.load(Ordering::SeqCst) {
            return SourceOutput {
                failed: Some("connection refused".into()),
                relations_given: true,
                ..SourceOutput::default()
            };
        }
        let r = EntityRef::new("Component", "default", "remote-svc");
        let mut data = serde_json::Map::new();
        data.insert("kind".into(), "Component".into());
        data.insert("metadata".into(), serde_json::json!({"name": "remote-svc"}));
        SourceOutput {
            entities: vec![Entity {
                data,
                key: r.canonical(),
                entity_ref: r,
                origin: Origin {
                    file: format!("Backstage at {}", self.name).into(),
                    pos: Pos { line: 0, column: 0 },
                    location: "url:x".into(),
                    origin_location: "url:x".into(),
                },
                verdict: Verdict::Accepted,
                ref_sites: Vec::new(),
                relations: Vec::new(),
                relations_given: true,
            }],
            relations_given: true,
            ..SourceOutput::default()
        }
    }

    fn cache_key(&self) -> Option<String> {
        Some(format!("test-remote\n{}", self.name))
    }
}

fn remote(name: &str) -> (Box<dyn Source>, Arc<AtomicBool>, Arc<AtomicUsize>) {
    let up = Arc::new(AtomicBool::new(true));
    let loads = Arc::new(AtomicUsize::new(0));
    (
        Box::new(Remote {
            up: up.clone(),
            loads: loads.clone(),
            name: name.into(),
        }),
        up,
        loads,
    )
}

#[test]
fn an_unreachable_remote_source_serves_its_cache_with_its_age() {
    let tmp = tempfile::tempdir().unwrap();
    let (clock, now) = clock_at(1_000_000);
    let cache = CatalogCache::new(tmp.path()).with_clock(clock);
    let (source, up, loads) = remote("b1");
    let sources = vec![source];
    let first = cache.refresh(&sources, &opts(), Policy::Refresh, None, &nothing);
    assert_eq!(first.sources[0].state, SourceState::Fresh);
    // Within the max age a command does not ask again.
    *now.lock().unwrap() += Duration::from_secs(60);
    let warm = cache.open(&sources, &opts()).0.unwrap();
    let r = cache.refresh(
        &sources,
        &opts(),
        Policy::MaxAge(Duration::from_secs(300)),
        Some(&warm.sources),
        &nothing,
    );
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    assert!(r.catalog.is_none());
    assert_eq!(r.sources[0].state, SourceState::Cached);
    // Two hours later, the server is down.
    *now.lock().unwrap() += Duration::from_secs(7200 - 60);
    up.store(false, Ordering::SeqCst);
    let seen = Mutex::new(Vec::new());
    let r = cache.refresh(
        &sources,
        &opts(),
        Policy::Refresh,
        Some(&warm.sources),
        &|s| seen.lock().unwrap().push(s[0].state.clone()),
    );
    assert_eq!(
        r.sources[0].state,
        SourceState::Offline("connection refused".into())
    );
    assert_eq!(
        r.sources[0].state_text(cache.now()),
        "offline (cached 2 h ago): connection refused"
    );
    assert_eq!(seen.lock().unwrap()[0], SourceState::Refreshing);
    let c = r.catalog.unwrap();
    assert!(c.get("component:default/remote-svc").is_some());
    assert!(
        c.diagnostics()
            .iter()
            .any(|d| d.message.contains("showing what was cached 2 h ago")),
        "{:?}",
        c.diagnostics()
    );
    // Offline: the cache alone, no request.
    let before = loads.load(Ordering::SeqCst);
    let r = cache.refresh(
        &sources,
        &opts(),
        Policy::Offline,
        Some(&warm.sources),
        &nothing,
    );
    assert_eq!(loads.load(Ordering::SeqCst), before);
    assert_eq!(r.sources[0].state, SourceState::Cached);
    assert_eq!(
        r.sources[0].age(cache.now()),
        Some(Duration::from_secs(7200))
    );
    assert_eq!(r.sources[0].state_text(cache.now()), "cached 2 h ago");
}

#[test]
fn an_offline_refresh_that_sees_changed_files_rewrites_the_assembled_catalogue() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha", "team-a"));
    let cache = CatalogCache::new(&tmp.path().join("cache"));
    let sources = files(&cat);
    cache.refresh(&sources, &opts(), Policy::Refresh, None, &nothing);
    let warm = cache.open(&sources, &opts()).0.unwrap();
    write(&cat, "a/catalog-info.yaml", &component("alpha", "team-bb"));
    let r = cache.refresh(
        &sources,
        &opts(),
        Policy::Offline,
        Some(&warm.sources),
        &nothing,
    );
    let owner = |c: &Catalog| {
        c.get("component:default/alpha")
            .unwrap()
            .owner()
            .unwrap()
            .to_owned()
    };
    assert_eq!(owner(&r.catalog.expect("the change is read")), "team-bb");
    // The next start opens the changed catalogue at once, and finds nothing more to do.
    let warm = cache.open(&sources, &opts()).0.unwrap();
    assert_eq!(owner(&warm.catalog), "team-bb");
    let again = cache.refresh(
        &sources,
        &opts(),
        Policy::Offline,
        Some(&warm.sources),
        &nothing,
    );
    assert!(again.catalog.is_none(), "the warm catalogue holds");
}

#[test]
fn offline_with_nothing_cached_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CatalogCache::new(tmp.path());
    let (source, _, loads) = remote("b2");
    let sources = vec![source];
    assert!(cache.open(&sources, &opts()).0.is_none());
    let r = cache.refresh(&sources, &opts(), Policy::Offline, None, &nothing);
    assert!(
        matches!(&r.sources[0].state, SourceState::Failed(w) if w.contains("nothing is cached"))
    );
    assert_eq!(loads.load(Ordering::SeqCst), 0);
    assert!(cache.info().is_empty(), "offline writes nothing");
}

#[test]
fn one_ref_from_two_sources_is_a_warning_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CatalogCache::new(tmp.path());
    let (a, _, _) = remote("first");
    let (b, _, _) = remote("second");
    let r = cache.refresh(&[a, b], &opts(), Policy::Refresh, None, &nothing);
    let c = r.catalog.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(&*c.entities()[0].origin.file, "Backstage at first");
    let d: Vec<&Diagnostic> = c
        .diagnostics()
        .iter()
        .filter(|d| d.message.contains("two sources"))
        .collect();
    assert_eq!(d.len(), 1, "{:?}", c.diagnostics());
    assert!(d[0].message.contains("Backstage at first (kept"));
    assert!(
        d[0].message
            .contains("Backstage at second (this one, dropped)")
    );
}

#[test]
fn info_lists_files_and_clear_removes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha", "team-a"));
    let cache = CatalogCache::new(&tmp.path().join("cache"));
    let sources = files(&cat);
    cache.refresh(&sources, &opts(), Policy::Refresh, None, &nothing);
    let info = cache.info();
    assert_eq!(info.len(), 2);
    for i in &info {
        assert_eq!(i.entities, 1);
        assert_eq!(i.version, Some(FORMAT_VERSION));
        assert!(i.problem.is_none());
        assert!(i.source.starts_with("files in"), "{}", i.source);
        assert!(i.bytes > 32);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&info[0].path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "cache files are private");
    }
    assert_eq!(cache.clear().unwrap(), 2);
    assert!(cache.info().is_empty());
    assert_eq!(cache.clear().unwrap(), 0);
}

#[test]
fn a_refresh_parses_only_the_files_that_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    write(&cat, "a/catalog-info.yaml", &component("alpha", "team-a"));
    write(&cat, "b/catalog-info.yaml", &component("beta", "team-a"));
    // A broken document, a rejected entity, a Location with targets, a placeholder.
    write(&cat, "broken/catalog-info.yaml", "kind: [\n");
    write(
        &cat,
        "bad/catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bad_name!\nspec:\n  type: service\n",
    );
    write(
        &cat,
        "loc/catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  type: file\n  targets: [\"../more/x.yaml\"]\n  presence: optional\n",
    );
    write(&cat, "more/x.yaml", &component("x", "team-a"));
    write(
        &cat,
        "ph/catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ph\n  description:\n    $text: ./README.md\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n",
    );
    write(&cat, "ph/README.md", "hello");
    let source = FileSource::disk(std::slice::from_ref(&cat)).unwrap();
    let (first, _, memo_out) = source.load_memo(&opts(), None);
    assert_eq!(memo_out.parsed, 7);
    assert_eq!(
        memo_out.files, 6,
        "the file with a placeholder is not remembered"
    );
    let memo = crate::sources::files::Memo::parse(&memo_out.bytes).unwrap();
    assert_eq!(memo.len(), 6);
    let (again, _, out) = source.load_memo(&opts(), Some(&memo));
    assert_eq!((out.parsed, out.reused), (1, 6));
    let both = |o: SourceOutput| json_of(&crate::sources::merge(vec![("s".into(), o)]));
    assert_eq!(both(again), both(first));

    write(&cat, "b/catalog-info.yaml", &component("beta", "team-bbb"));
    let (changed, _, out) = source.load_memo(&opts(), Some(&memo));
    assert_eq!((out.parsed, out.reused), (2, 5));
    let fresh = source.load_stamped(&opts()).0;
    let changed = both(changed);
    assert_eq!(changed, both(fresh));
    assert!(changed.0.iter().any(|e| e["spec"]["owner"] == "team-bbb"));
}

#[test]
fn a_catalogue_of_many_blocks_comes_back_the_same_and_smaller_than_plain() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    let n = codec::BLOCK * 2 + 7;
    let mut yaml = String::new();
    for i in 0..n {
        yaml.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{i}\n  description: {}\n  annotations:\n    github.com/project-slug: acme/svc-{i}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-{}\n  system: sys-{}\n",
            "long text ".repeat(i % 9),
            i % 13,
            i % 5
        ));
    }
    write(&cat, "all/catalog-info.yaml", &yaml);
    let cache = CatalogCache::new(&tmp.path().join("cache"));
    let sources = files(&cat);
    let loaded = cache
        .refresh(&sources, &opts(), Policy::Refresh, None, &nothing)
        .catalog
        .unwrap();
    assert_eq!(loaded.len(), n);
    let (warm, warnings) = cache.open(&sources, &opts());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(json_of(&warm.unwrap().catalog), json_of(&loaded));
    // The string table: repeated keys and values are written once per block.
    let mut tabled = codec::Writer::new();
    tabled.entities(loaded.entities());
    let plain: usize = loaded
        .entities()
        .iter()
        .map(|e| serde_json::to_vec(&e.data).unwrap().len())
        .sum();
    assert!(
        tabled.buf.len() * 2 < plain,
        "{} bytes encoded for {plain} bytes of JSON data",
        tabled.buf.len()
    );
    // Any cut through the blocks is an error, never a panic.
    for cut in [1, 5, tabled.buf.len() / 3, tabled.buf.len() - 1] {
        assert!(codec::Reader::new(&tabled.buf[..cut]).entities().is_err());
    }
    let mut damaged = tabled.buf.clone();
    let at = damaged.len() / 2;
    damaged[at] = 0xff;
    let _ = codec::Reader::new(&damaged).entities();
}
