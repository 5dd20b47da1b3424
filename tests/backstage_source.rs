//! The `backstage` catalogue source against a local server replaying what a real Backstage
//! backend answered (`tests/fixtures/backstage-api/by-query/`): cursor paging followed to the
//! end gives exactly the entities and relations `GET /api/catalog/entities` served; a bad
//! token names the environment variable; a backend that hangs mid-page keeps what was read
//! and says which page failed; a remote group gains the relations local files imply.

use greenroom::catalog::Catalog;
use greenroom::sources::backstage::BackstageSource;
use greenroom::sources::cache::{CatalogCache, Policy, SourceState};
use greenroom::sources::files::FileSource;
use greenroom::sources::{self, LoadOptions, Source};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "greenroom-static-token-0123456789";

fn fixture(name: &str) -> String {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backstage-api/by-query");
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// How the replaying backend misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Normal,
    /// Page 3 sends its headers and half its body, then nothing.
    HangOnPage3,
}

struct Backend {
    url: String,
    /// The query strings asked for, in order.
    requests: Arc<Mutex<Vec<String>>>,
}

/// Serves `/api/catalog/entities/by-query`: the first page without a cursor, then the page
/// whose cursor the previous page named, as the recorded backend did. Needs the bearer token.
fn backend(mode: Mode) -> Backend {
    let pages: Vec<String> = (1..=5).map(|i| fixture(&format!("page{i}.json"))).collect();
    let mut by_cursor = std::collections::HashMap::new();
    for (i, p) in pages.iter().enumerate() {
        let v: Value = serde_json::from_str(p).unwrap();
        if let Some(next) = v["pageInfo"]["nextCursor"].as_str() {
            by_cursor.insert(next.to_owned(), i + 1);
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    let served = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (pages, by_cursor, log, served) = (
                pages.clone(),
                by_cursor.clone(),
                log.clone(),
                served.clone(),
            );
            std::thread::spawn(move || serve(stream, &pages, &by_cursor, &log, &served, mode));
        }
    });
    Backend { url, requests }
}

fn serve(
    mut stream: TcpStream,
    pages: &[String],
    by_cursor: &std::collections::HashMap<String, usize>,
    log: &Mutex<Vec<String>>,
    served: &AtomicUsize,
    mode: Mode,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let mut authorized = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if line.to_ascii_lowercase().starts_with("authorization:") {
            authorized = line.trim_end().ends_with(&format!("Bearer {TOKEN}"));
        }
    }
    let target = first.split(' ').nth(1).unwrap_or("/").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    log.lock().unwrap().push(query.to_owned());
    let reply = |stream: &mut TcpStream, status: &str, body: &str| {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    if path != "/api/catalog/entities/by-query" {
        return reply(&mut stream, "404 Not Found", "{}");
    }
    if !authorized {
        return reply(
            &mut stream,
            "401 Unauthorized",
            &fixture("bad-token-401.json"),
        );
    }
    let cursor = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("cursor="))
        .map(|c| {
            url::form_urlencoded::parse(format!("c={c}").as_bytes())
                .next()
                .unwrap()
                .1
                .into_owned()
        });
    let index = match cursor {
        None => 0,
        Some(c) => match by_cursor.get(&c) {
            Some(i) => *i,
            None => {
                return reply(
                    &mut stream,
                    "400 Bad Request",
                    r#"{"error":{"name":"InputError","message":"Malformed cursor"}}"#,
                );
            }
        },
    };
    served.fetch_add(1, Ordering::SeqCst);
    let body = &pages[index];
    if mode == Mode::HangOnPage3 && index == 2 {
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
            body.len(),
            &body[..body.len() / 2]
        );
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    reply(&mut stream, "200 OK", body);
}

fn source(url: &str, token_env: &str) -> BackstageSource {
    let mut s = BackstageSource::new(url);
    s.token_env = Some(token_env.into());
    s.page_size = 2;
    s.request_timeout = Duration::from_secs(2);
    s
}

fn load(sources: Vec<Box<dyn Source>>) -> Catalog {
    sources::load(
        &sources,
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    )
}

/// Sorted (kind, name) → the entity as served, relations sorted.
fn normalised(entities: impl Iterator<Item = Value>) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = entities
        .map(|mut e| {
            let key = format!(
                "{}:{}/{}",
                e["kind"].as_str().unwrap().to_lowercase(),
                e["metadata"]["namespace"].as_str().unwrap_or("default"),
                e["metadata"]["name"].as_str().unwrap().to_lowercase()
            );
            if let Some(r) = e["relations"].as_array_mut() {
                r.sort_by_key(|r| (r["type"].to_string(), r["targetRef"].to_string()));
            }
            (key, e)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn paging_to_the_end_gives_what_the_backend_serves() {
    let b = backend(Mode::Normal);
    // SAFETY: set before any thread of this test reads the environment; the name is unique.
    unsafe { std::env::set_var("GREENROOM_TEST_BS_TOKEN_OK", TOKEN) };
    let catalog = load(vec![Box::new(source(&b.url, "GREENROOM_TEST_BS_TOKEN_OK"))]);
    assert!(
        catalog.diagnostics().is_empty(),
        "{:?}",
        catalog.diagnostics()
    );
    let served: Vec<Value> = serde_json::from_str(&fixture("all-entities.json")).unwrap();
    let ours = catalog.entities().iter().map(|e| e.to_backstage_json());
    assert_eq!(normalised(ours), normalised(served.into_iter()));
    // Five pages: the first with the limit, the rest by cursor alone.
    let requests = b.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 5, "{requests:?}");
    assert_eq!(requests[0], "limit=2");
    assert!(
        requests[1..]
            .iter()
            .all(|q| q.starts_with("limit=2&cursor="))
    );
    // Ownership works on served relations as on files.
    let team = catalog.get("group:default/team-stage").unwrap();
    assert!(
        team.related(&greenroom::catalog::RelationType::HasMember)
            .any(|t| t == "user:default/ada")
    );
}

#[test]
fn a_bad_token_names_the_variable_and_a_missing_one_too() {
    let b = backend(Mode::Normal);
    unsafe { std::env::set_var("GREENROOM_TEST_BS_TOKEN_BAD", "not-the-token") };
    let catalog = load(vec![Box::new(source(
        &b.url,
        "GREENROOM_TEST_BS_TOKEN_BAD",
    ))]);
    assert!(catalog.entities().is_empty());
    let d = &catalog.diagnostics()[0];
    assert!(d.is_error());
    assert!(d.message.contains("HTTP 401"), "{}", d.message);
    assert!(d.message.contains("Illegal token"), "{}", d.message);
    assert!(
        d.message.contains("GREENROOM_TEST_BS_TOKEN_BAD"),
        "{}",
        d.message
    );
    assert!(
        !d.message.contains("DefaultAuthService"),
        "no stack: {}",
        d.message
    );

    let catalog = load(vec![Box::new(source(
        &b.url,
        "GREENROOM_TEST_BS_TOKEN_UNSET_XYZ",
    ))]);
    let m = &catalog.diagnostics()[0].message;
    assert!(
        m.contains("GREENROOM_TEST_BS_TOKEN_UNSET_XYZ") && m.contains("is not set"),
        "{m}"
    );
    assert!(
        b.requests.lock().unwrap().len() == 1,
        "no request without a token"
    );
}

#[test]
fn a_backend_that_hangs_mid_page_keeps_what_was_read() {
    let b = backend(Mode::HangOnPage3);
    unsafe { std::env::set_var("GREENROOM_TEST_BS_TOKEN_HANG", TOKEN) };
    let catalog = load(vec![Box::new(source(
        &b.url,
        "GREENROOM_TEST_BS_TOKEN_HANG",
    ))]);
    assert_eq!(catalog.entities().len(), 4, "pages 1 and 2");
    let d = &catalog.diagnostics()[0];
    assert!(d.message.contains("page 3"), "{}", d.message);
    assert!(d.message.contains("kept the 4 entities"), "{}", d.message);
}

#[test]
fn nothing_listening_says_what_failed() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let catalog = load(vec![Box::new(BackstageSource::new(format!(
        "http://127.0.0.1:{port}"
    )))]);
    let d = &catalog.diagnostics()[0];
    assert!(d.message.contains("could not connect"), "{}", d.message);
}

#[test]
fn remote_entities_gain_the_relations_local_files_imply() {
    let b = backend(Mode::Normal);
    unsafe { std::env::set_var("GREENROOM_TEST_BS_TOKEN_MIX", TOKEN) };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: local-thing\nspec:\n  type: service\n  lifecycle: production\n  owner: team-stage\n  system: greenroom-demo\n",
    )
    .unwrap();
    let files: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let catalog = load(vec![
        Box::new(source(&b.url, "GREENROOM_TEST_BS_TOKEN_MIX")),
        files,
    ]);
    let team = catalog.get("group:default/team-stage").unwrap();
    let owned: Vec<&str> = team
        .related(&greenroom::catalog::RelationType::OwnerOf)
        .collect();
    assert!(
        owned.contains(&"component:default/local-thing"),
        "{owned:?}"
    );
    assert!(
        owned.contains(&"component:default/ticket-service"),
        "served ones kept: {owned:?}"
    );
    let local = catalog.get("component:default/local-thing").unwrap();
    assert!(
        local
            .related(&greenroom::catalog::RelationType::PartOf)
            .any(|t| t == "system:default/greenroom-demo")
    );
    assert!(
        !catalog
            .diagnostics()
            .iter()
            .any(|d| d.message.contains("team-stage")),
        "the owner resolves to the remote group: {:?}",
        catalog.diagnostics()
    );
}

mod backstage_support;
use backstage_support::LiveBackstage;

/// A real Backstage backend (`.ci/backstage.sh`) with Backstage's own example catalogue.
fn live_backstage() -> Option<LiveBackstage> {
    backstage_support::start("tests/fixtures/backstage-examples/root.yaml")
}

/// `GET /api/catalog/entities` once the backend has finished processing: the same answer
/// three times in a row, a second apart (entities appear before their relations are stitched).
fn settled_entities(b: &LiveBackstage) -> Vec<Value> {
    let client = reqwest::blocking::Client::new();
    let mut last = String::new();
    let mut same = 0;
    for _ in 0..120 {
        let body = client
            .get(format!("{}/api/catalog/entities", b.url))
            .bearer_auth(&b.token)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.text())
            .unwrap_or_default();
        let count = serde_json::from_str::<Vec<Value>>(&body).map_or(0, |v| v.len());
        if body == last && count > 50 {
            same += 1;
            if same == 3 {
                return serde_json::from_str(&body).unwrap();
            }
        } else {
            same = 0;
        }
        last = body;
        std::thread::sleep(Duration::from_secs(1));
    }
    panic!("the backend did not settle in 120 s: {last}");
}

#[test]
fn a_real_backstage_read_as_a_source_equals_what_it_serves() {
    let Some(b) = live_backstage() else { return };
    let served = settled_entities(&b);
    unsafe { std::env::set_var("GREENROOM_TEST_BS_TOKEN_LIVE", &b.token) };
    let mut source = BackstageSource::new(&b.url);
    source.token_env = Some("GREENROOM_TEST_BS_TOKEN_LIVE".into());
    source.page_size = 10; // several pages
    let catalog = load(vec![Box::new(source)]);
    assert!(
        catalog.diagnostics().iter().all(|d| !d.is_error()),
        "{:?}",
        catalog.diagnostics()
    );
    let ours = catalog.entities().iter().map(|e| e.to_backstage_json());
    assert_eq!(normalised(ours), normalised(served.clone().into_iter()));
    assert!(catalog.entities().len() > 50);

    // A filter is applied by the backend, and every page keeps it (it travels in the cursor).
    let mut apis = BackstageSource::new(&b.url);
    apis.token_env = Some("GREENROOM_TEST_BS_TOKEN_LIVE".into());
    apis.page_size = 2;
    apis.filter = vec!["kind=api".into()];
    let catalog = load(vec![Box::new(apis)]);
    assert!(catalog.entities().len() > 2);
    assert!(catalog.entities().iter().all(|e| e.kind() == "API"));

    // Read through the cache, then with the backend stopped: the cached start shows the same
    // entities with their age, and a refresh says the source is offline and keeps them.
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = CatalogCache::new(cache_dir.path());
    let mut cached = BackstageSource::new(&b.url);
    cached.token_env = Some("GREENROOM_TEST_BS_TOKEN_LIVE".into());
    cached.request_timeout = Duration::from_secs(5);
    let sources: Vec<Box<dyn Source>> = vec![Box::new(cached)];
    let opts = LoadOptions::default();
    let first = cache.refresh(&sources, &opts, Policy::Refresh, None, &|_| {});
    assert_eq!(first.sources[0].state, SourceState::Fresh);
    let want = normalised(served.into_iter());
    let entities = |c: &Catalog| normalised(c.entities().iter().map(|e| e.to_backstage_json()));
    assert_eq!(entities(first.catalog.as_ref().unwrap()), want);
    drop(b); // stops the backend
    let (warm, warnings) = cache.open(&sources, &opts);
    assert!(warnings.is_empty(), "{warnings:?}");
    let warm = warm.expect("a cached start");
    assert_eq!(entities(&warm.catalog), want);
    assert!(warm.sources[0].age(cache.now()).is_some());
    let r = cache.refresh(
        &sources,
        &opts,
        Policy::Refresh,
        Some(&warm.sources),
        &|_| {},
    );
    assert!(
        matches!(&r.sources[0].state, SourceState::Offline(_)),
        "{:?}",
        r.sources[0]
    );
    assert!(
        r.sources[0]
            .state_text(cache.now())
            .starts_with("offline (cached ")
    );
    assert_eq!(entities(r.catalog.as_ref().unwrap()), want);
}
