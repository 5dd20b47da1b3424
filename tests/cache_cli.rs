//! The catalogue cache as the command line uses it, run as the real binary: read commands fill
//! and reuse it (a changed descriptor is still seen), `--offline` serves a remote catalogue from
//! it alone and says how old it is (or fails clearly when it is empty), an unreachable backend
//! is served from it with a warning, a damaged cache is a warning and is rebuilt, `greenroom
//! cache info|clear` show and clear it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn greenroom(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_greenroom"));
    c.env("GREENROOM_CONFIG", home.join("config.toml"))
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("XDG_STATE_HOME", home.join("xdg-state"))
        .env("NO_COLOR", "1");
    c
}

fn run(home: &Path, args: &[&str]) -> Output {
    greenroom(home).args(args).output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn component(name: &str, owner: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn setup() -> (tempfile::TempDir, String) {
    let home = tempfile::tempdir().unwrap();
    let cat = home.path().join("cat");
    write(
        &cat,
        "pay/catalog-info.yaml",
        &component("payments", "team-pay"),
    );
    write(
        &cat,
        "ship/catalog-info.yaml",
        &component("shipping", "team-ship"),
    );
    let cat = cat.display().to_string();
    (home, cat)
}

fn cache_files(home: &Path) -> Vec<PathBuf> {
    let dir = home.join("xdg-cache/greenroom/catalog");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// A Backstage backend that answers one `by-query` request with one entity, then is gone
/// (its port refuses connections).
fn one_shot_backstage() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
            line.clear();
        }
        let body = serde_json::json!({
            "items": [{
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Component",
                "metadata": {"name": "remote-pay", "namespace": "default", "annotations": {
                    "backstage.io/managed-by-location": "url:https://git.example/pay/catalog-info.yaml"}},
                "spec": {"type": "service", "lifecycle": "production", "owner": "team-pay"},
                "relations": []
            }],
            "totalItems": 1,
            "pageInfo": {}
        })
        .to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        // The listener drops here: the backend is gone.
    });
    url
}

fn backstage_config(home: &Path, url: &str) {
    std::fs::write(
        home.join("config.toml"),
        format!("[[catalog.source]]\ntype = \"backstage\"\nbase_url = \"{url}\"\n"),
    )
    .unwrap();
}

#[test]
fn offline_with_an_empty_cache_fails_clearly() {
    let home = tempfile::tempdir().unwrap();
    backstage_config(home.path(), "http://127.0.0.1:9");
    let o = run(home.path(), &["--offline", "search", "payments"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("--offline: nothing is cached for Backstage at http://127.0.0.1:9")
            && err(&o).contains("run once without --offline"),
        "{}",
        err(&o)
    );
    assert!(out(&o).is_empty());
}

#[test]
fn a_remote_catalogue_is_served_from_the_cache_offline_and_when_unreachable() {
    let home = tempfile::tempdir().unwrap();
    let url = one_shot_backstage();
    backstage_config(home.path(), &url);
    let o = run(home.path(), &["search", "remote"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("remote-pay"), "{}", out(&o));
    // The backend is gone. Offline: the cache, with its age.
    let o = run(home.path(), &["--offline", "show", "remote-pay", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["spec"]["owner"], "team-pay");
    assert!(
        err(&o).contains(&format!(
            "greenroom: offline: Backstage at {url} as cached "
        )) && err(&o).contains(" s ago"),
        "{}",
        err(&o)
    );
    // Online but older than the max age (0 here): asked, unreachable, served from the cache.
    std::fs::write(
        home.path().join("config.toml"),
        format!("[catalog]\ncache_max_age = 0\n\n[[catalog.source]]\ntype = \"backstage\"\nbase_url = \"{url}\"\n"),
    )
    .unwrap();
    let o = run(home.path(), &["search", "remote"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("remote-pay"), "{}", out(&o));
    assert!(
        err(&o).contains(&format!("warning: Backstage at {url} could not be read"))
            && err(&o).contains("using its cache from"),
        "{}",
        err(&o)
    );
}

#[test]
fn offline_files_are_read_from_disk_with_no_network() {
    let (home, cat) = setup();
    let o = run(
        home.path(),
        &["-c", &cat, "--offline", "search", "payments"],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("payments"));
    // The source and the assembled catalogue: the next start opens it at once.
    assert_eq!(
        cache_files(home.path()).len(),
        2,
        "the source and the catalogue are cached"
    );
}

#[test]
fn a_changed_or_new_descriptor_is_seen_through_the_cache() {
    let (home, cat) = setup();
    let cat_path = PathBuf::from(&cat);
    run(home.path(), &["-c", &cat, "search", "payments"]);
    write(
        &cat_path,
        "pay/catalog-info.yaml",
        &component("payments", "team-money-people"),
    );
    write(
        &cat_path,
        "new/catalog-info.yaml",
        &component("newcomer", "team-pay"),
    );
    let o = run(home.path(), &["-c", &cat, "show", "payments", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["spec"]["owner"], "team-money-people");
    let o = run(home.path(), &["-c", &cat, "search", "newcomer"]);
    assert!(out(&o).contains("newcomer"), "{}", out(&o));
}

#[test]
fn a_damaged_cache_is_a_warning_and_is_rebuilt() {
    let (home, cat) = setup();
    run(home.path(), &["-c", &cat, "search", "payments"]);
    for f in cache_files(home.path()) {
        let mut b = std::fs::read(&f).unwrap();
        let n = b.len();
        b[n - 3] ^= 0xff;
        std::fs::write(&f, b).unwrap();
    }
    let o = run(home.path(), &["-c", &cat, "search", "payments"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("payments"));
    assert!(
        err(&o).contains("is ignored and will be rebuilt") && err(&o).contains("checksum"),
        "{}",
        err(&o)
    );
    let o = run(home.path(), &["-c", &cat, "search", "payments"]);
    assert!(err(&o).is_empty(), "rebuilt: {}", err(&o));
}

#[test]
fn cache_info_and_clear() {
    let (home, cat) = setup();
    let o = run(home.path(), &["cache", "info"]);
    assert!(out(&o).contains("the cache is empty"), "{}", out(&o));
    run(home.path(), &["-c", &cat, "search", "payments"]);
    let o = run(home.path(), &["cache", "info", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        assert_eq!(f["entities"], 2);
        assert_eq!(f["version"], v["formatVersion"]);
        assert!(f["bytes"].as_u64().unwrap() > 32);
        assert!(f["ageSeconds"].as_u64().is_some());
        assert!(f["problem"].is_null());
        assert!(f["source"].as_str().unwrap().starts_with("files in "));
    }
    let o = run(home.path(), &["cache", "info"]);
    let text = out(&o);
    let version = format!("version  {}", greenroom::sources::cache::FORMAT_VERSION);
    for word in [
        "entities 2",
        "age",
        "size",
        version.as_str(),
        "path     source-",
    ] {
        assert!(text.contains(word), "{word}: {text}");
    }
    let o = run(home.path(), &["cache", "clear"]);
    assert!(out(&o).contains("removed 2 cache files"), "{}", out(&o));
    assert!(cache_files(home.path()).is_empty());
}

#[test]
fn the_cache_can_be_turned_off() {
    let (home, cat) = setup();
    std::fs::write(
        home.path().join("config.toml"),
        "[catalog]\ncache = false\n",
    )
    .unwrap();
    let o = run(home.path(), &["-c", &cat, "search", "payments"]);
    assert!(out(&o).contains("payments"), "{}", err(&o));
    assert!(cache_files(home.path()).is_empty());
}

/// Tests never write into the real user's cache: every test file that runs the binary points
/// `XDG_CACHE_HOME` (and the state dir, where the log goes) at a temp dir.
#[test]
fn every_test_running_the_binary_keeps_out_of_the_users_cache() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap().flatten() {
                files.push(e.path());
            }
        } else {
            files.push(p);
        }
    }
    let runner = concat!("CARGO_BIN_EXE_", "greenroom");
    let mut checked = 0;
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
    {
        let text = std::fs::read_to_string(f).unwrap();
        if !text.contains(runner) {
            continue;
        }
        checked += 1;
        for var in ["XDG_CACHE_HOME", "XDG_STATE_HOME"] {
            assert!(
                text.contains(var),
                "{} runs the binary without setting {var}",
                f.display()
            );
        }
    }
    assert!(checked >= 8, "{checked}");
}

#[test]
fn export_takes_the_cache_when_valid_but_never_writes_it() {
    let (home, cat) = setup();
    let cat_path = PathBuf::from(&cat);
    // Cold: the sources are read, nothing is written.
    let o = run(home.path(), &["-c", &cat, "export"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("\"payments\""), "{}", out(&o));
    assert!(
        cache_files(home.path()).is_empty(),
        "export filled the cache: {:?}",
        cache_files(home.path())
    );
    // Filled by a search; an export after a change sees it and leaves the cache as it was.
    run(home.path(), &["-c", &cat, "search", "payments"]);
    let files = cache_files(home.path());
    assert_eq!(files.len(), 2);
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    write(
        &cat_path,
        "pay/catalog-info.yaml",
        &component("payments", "team-money-people"),
    );
    let o = run(home.path(), &["-c", &cat, "export"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("team-money-people"), "{}", out(&o));
    let after: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(cache_files(home.path()), files);
    assert!(before == after, "export rewrote the cache");
}
