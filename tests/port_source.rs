//! The `port` catalogue source against a local fake of Port's REST API that replays the
//! documented shapes (`research/portals.md` §1.2): the client-credentials token, blueprints
//! with relations, teams, users, entity search paged with `next`, a 401 once the token has
//! expired (a new one is fetched once), and a 429 with rate-limit headers (waited out).

use greenroom::catalog::{Catalog, RelationType};
use greenroom::sources::port::PortSource;
use greenroom::sources::{self, LoadOptions, Source};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Port {
    /// Tokens issued so far; the newest is the valid one.
    issued: AtomicUsize,
    /// Authorised API calls answered; after `expire_after` of them the token expires.
    calls: AtomicUsize,
    expire_after: usize,
    /// Answer the first entity search with 429.
    rate_limit_once: bool,
    limited: AtomicUsize,
    log: Mutex<Vec<String>>,
}

const ID: &str = "client-id-123";
const SECRET: &str = "client-secret-456";

fn blueprints() -> Value {
    json!({"ok": true, "blueprints": [
        {"identifier": "service", "title": "Service", "schema": {"properties": {}},
         "relations": {
            "system": {"title": "System", "target": "system", "required": false, "many": false},
            "dependsOn": {"title": "Depends on", "target": "service", "required": false, "many": true},
            "api": {"title": "API", "target": "api", "required": false, "many": true}}},
        {"identifier": "system", "title": "System", "relations": {}},
        {"identifier": "api", "title": "API", "relations": {}},
        {"identifier": "cloudResource", "title": "Cloud resource", "relations": {}},
        {"identifier": "_user", "title": "User", "relations": {}},
        {"identifier": "_team", "title": "Team", "relations": {}}
    ]})
}

/// Each blueprint's entities, served two per page.
fn entities(bp: &str) -> Vec<Value> {
    match bp {
        "service" => vec![
            json!({"identifier": "payments-api", "title": "Payments API", "blueprint": "service",
                "team": ["Payments Team"],
                "properties": {"language": "go", "lifecycle": "production",
                    "pagerduty_service_id": "PABC123", "description": "Takes payments"},
                "relations": {"system": "billing", "dependsOn": ["ledger"], "api": ["payments-rest"]},
                // Port's computed scorecard results, as its entity JSON carries them.
                "scorecards": {"production_readiness": {"level": "Silver", "rules": [
                    {"identifier": "has_team", "status": "SUCCESS", "level": "Bronze"},
                    {"identifier": "has_readme", "status": "SUCCESS", "level": "Silver"},
                    {"identifier": "has_on_call", "status": "FAILURE", "level": "Gold"}]}}}),
            json!({"identifier": "ledger", "title": "Ledger", "blueprint": "service", "team": ["Payments Team"],
                "properties": {"lifecycle": "production"}, "relations": {"system": "billing", "dependsOn": []}}),
            json!({"identifier": "checkout-web", "title": "Checkout", "blueprint": "service", "team": ["platform"],
                "properties": {}, "relations": {"system": null, "dependsOn": ["payments-api"]}}),
        ],
        "system" => vec![
            json!({"identifier": "billing", "title": "Billing", "team": ["Payments Team"],
            "properties": {}, "relations": {}}),
        ],
        "api" => vec![
            json!({"identifier": "payments-rest", "title": "Payments REST", "team": ["Payments Team"],
            "properties": {"type": "openapi"}, "relations": {}}),
        ],
        "cloudResource" => vec![
            json!({"identifier": "orders-db", "title": "Orders DB", "team": [],
            "properties": {"engine": "postgres", "size": 3}, "relations": {}}),
        ],
        _ => vec![],
    }
}

fn serve(port: Arc<Port>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let port = port.clone();
            std::thread::spawn(move || handle(stream, &port));
        }
    });
    url
}

fn handle(mut stream: TcpStream, port: &Port) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let (mut auth, mut length) = (String::new(), 0usize);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("authorization: bearer ") {
            auth = v.trim().to_owned();
        }
        if let Some(v) = lower.strip_prefix("content-length: ") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut parts = first.split(' ');
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    port.log.lock().unwrap().push(format!("{method} {path}"));
    let reply = |stream: &mut TcpStream, status: &str, headers: &str, v: Value| {
        let text = v.to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        );
    };
    if path == "/v1/auth/access_token" {
        if body["clientId"] == ID && body["clientSecret"] == SECRET {
            let n = port.issued.fetch_add(1, Ordering::SeqCst) + 1;
            port.calls.store(0, Ordering::SeqCst);
            return reply(
                &mut stream,
                "200 OK",
                "",
                json!({"ok": true, "accessToken": format!("tok-{n}"), "expiresIn": 10800, "tokenType": "Bearer"}),
            );
        }
        return reply(
            &mut stream,
            "401 Unauthorized",
            "",
            json!({"ok": false, "error": "unauthorized", "message": "Invalid client credentials"}),
        );
    }
    let valid = format!("tok-{}", port.issued.load(Ordering::SeqCst));
    let expired = port.expire_after > 0 && port.calls.load(Ordering::SeqCst) >= port.expire_after;
    if auth != valid || expired {
        return reply(
            &mut stream,
            "401 Unauthorized",
            "",
            json!({"ok": false, "error": "token_expired", "message": "Token is expired"}),
        );
    }
    port.calls.fetch_add(1, Ordering::SeqCst);
    match (method, path) {
        ("GET", "/v1/blueprints") => reply(&mut stream, "200 OK", "", blueprints()),
        ("GET", "/v1/teams") => reply(
            &mut stream,
            "200 OK",
            "",
            json!({"ok": true, "teams": [
            {"name": "Payments Team", "description": "Money in, money out"}, {"name": "platform"}]}),
        ),
        ("GET", "/v1/users") => reply(
            &mut stream,
            "200 OK",
            "",
            json!({"ok": true, "users": [
            {"email": "ann.lee@corp.example", "firstName": "Ann", "lastName": "Lee", "teams": [{"name": "Payments Team"}]},
            {"email": "bo@corp.example", "firstName": "", "lastName": "", "teams": []}]}),
        ),
        ("POST", p) if p.starts_with("/v1/blueprints/") && p.ends_with("/entities/search") => {
            if port.rate_limit_once && port.limited.fetch_add(1, Ordering::SeqCst) == 0 {
                return reply(
                    &mut stream,
                    "429 Too Many Requests",
                    "x-ratelimit-period: 60\r\nx-ratelimit-limit: 100\r\nx-ratelimit-remaining: 0\r\nx-ratelimit-reset: 1\r\n",
                    json!({"ok": false, "error": "rate_limit_exceeded", "message": "Too many requests"}),
                );
            }
            let bp = p
                .trim_start_matches("/v1/blueprints/")
                .trim_end_matches("/entities/search");
            assert!(
                body["query"]["combinator"].is_string(),
                "a query is sent: {body}"
            );
            let all = entities(bp);
            let from: usize = body["from"]
                .as_str()
                .and_then(|f| f.strip_prefix("page-"))
                .map_or(0, |n| n.parse().unwrap());
            let page: Vec<Value> = all.iter().skip(from).take(2).cloned().collect();
            let mut answer = json!({"ok": true, "entities": page});
            if from + 2 < all.len() {
                answer["next"] = json!(format!("page-{}", from + 2));
            }
            reply(&mut stream, "200 OK", "", answer)
        }
        _ => reply(
            &mut stream,
            "404 Not Found",
            "",
            json!({"ok": false, "error": "not_found", "message": "no such route"}),
        ),
    }
}

fn source(url: &str, tag: &str) -> PortSource {
    let id_env = format!("GREENROOM_TEST_PORT_ID_{tag}");
    let secret_env = format!("GREENROOM_TEST_PORT_SECRET_{tag}");
    // SAFETY: names unique to each test; set before the source reads them.
    unsafe {
        std::env::set_var(&id_env, ID);
        std::env::set_var(&secret_env, SECRET);
    }
    let mut s = PortSource::new(url);
    s.client_id_env = id_env;
    s.client_secret_env = secret_env;
    s
}

fn load(s: PortSource) -> Catalog {
    let sources: Vec<Box<dyn Source>> = vec![Box::new(s)];
    sources::load(
        &sources,
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    )
}

fn related<'a>(c: &'a Catalog, key: &str, rel: RelationType) -> Vec<&'a str> {
    c.get(key)
        .unwrap_or_else(|| panic!("{key} missing"))
        .related(&rel)
        .collect()
}

#[test]
fn port_data_becomes_a_catalogue_with_ownership_systems_and_apis() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let c = load(source(&url, "MAP"));
    assert!(c.diagnostics().is_empty(), "{:?}", c.diagnostics());
    let mut keys: Vec<&str> = c.entities().iter().map(|e| e.key.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "api:default/payments-rest",
            "component:default/checkout-web",
            "component:default/ledger",
            "component:default/payments-api",
            "group:default/payments-team",
            "group:default/platform",
            "resource:default/orders-db",
            "system:default/billing",
            "user:default/ann.lee",
            "user:default/bo",
        ]
    );
    // Ownership and membership both ways, as from files.
    let owned = related(&c, "group:default/payments-team", RelationType::OwnerOf);
    assert!(
        owned.contains(&"component:default/payments-api")
            && owned.contains(&"system:default/billing"),
        "{owned:?}"
    );
    assert_eq!(
        related(&c, "group:default/payments-team", RelationType::HasMember),
        ["user:default/ann.lee"]
    );
    assert_eq!(
        related(&c, "system:default/billing", RelationType::HasPart),
        ["component:default/ledger", "component:default/payments-api"]
    );
    assert_eq!(
        related(
            &c,
            "component:default/payments-api",
            RelationType::ConsumesApi
        ),
        ["api:default/payments-rest"]
    );
    assert_eq!(
        related(
            &c,
            "component:default/payments-api",
            RelationType::DependencyOf
        ),
        ["component:default/checkout-web"]
    );
    // Status annotations, view links and the blueprint's properties.
    let api = c.get("component:default/payments-api").unwrap();
    assert_eq!(api.annotation("pagerduty.com/service-id"), Some("PABC123"));
    assert_eq!(api.description(), Some("Takes payments"));
    assert_eq!(api.lifecycle(), Some("production"));
    assert_eq!(api.title(), Some("Payments API"));
    assert!(api.origin.place().contains(&url), "{}", api.origin.place());
    let db = c.get("resource:default/orders-db").unwrap();
    assert_eq!(db.spec_type(), Some("cloudResource"));
    assert_eq!(db.spec().unwrap()["properties"]["engine"], "postgres");
    let ann = c.get("user:default/ann.lee").unwrap();
    assert_eq!(ann.spec().unwrap()["profile"]["displayName"], "Ann Lee");
    // Paged with `next`: service has three entities, two a page.
    let log = port.log.lock().unwrap().clone();
    // One token per credential set: a second load reuses it.
    let again = load(source(&url, "MAP"));
    assert_eq!(again.entities().len(), 10);
    assert_eq!(
        port.issued.load(Ordering::SeqCst),
        1,
        "the token was cached"
    );
    assert_eq!(
        log.iter()
            .filter(|l| l.contains("/service/entities/search"))
            .count(),
        2,
        "{log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains("/_user/")),
        "Port's own blueprints are not searched"
    );
}

#[test]
fn an_expired_token_is_renewed_once_and_a_429_is_waited_out() {
    let port = Arc::new(Port {
        expire_after: 3,
        rate_limit_once: true,
        ..Port::default()
    });
    let url = serve(port.clone());
    let c = load(source(&url, "RENEW"));
    assert!(c.diagnostics().is_empty(), "{:?}", c.diagnostics());
    assert_eq!(c.entities().len(), 10);
    assert!(
        port.issued.load(Ordering::SeqCst) >= 2,
        "a new token after the 401"
    );
    assert!(
        port.limited.load(Ordering::SeqCst) >= 2,
        "the 429 was answered, then retried"
    );
}

#[test]
fn bad_credentials_name_the_variables() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let mut s = source(&url, "BAD");
    unsafe { std::env::set_var("GREENROOM_TEST_PORT_SECRET_BAD", "wrong") };
    s.client_secret_env = "GREENROOM_TEST_PORT_SECRET_BAD".into();
    let c = load(s);
    assert!(c.entities().is_empty());
    let m = &c.diagnostics()[0].message;
    assert!(m.contains("Invalid client credentials"), "{m}");
    assert!(
        m.contains("GREENROOM_TEST_PORT_ID_BAD") && m.contains("GREENROOM_TEST_PORT_SECRET_BAD"),
        "{m}"
    );

    let mut s = PortSource::new(&url);
    s.client_id_env = "GREENROOM_TEST_PORT_UNSET_ID".into();
    let c = load(s);
    assert!(
        c.diagnostics()[0]
            .message
            .contains("GREENROOM_TEST_PORT_UNSET_ID"),
        "{:?}",
        c.diagnostics()
    );
}

#[test]
fn ports_scorecards_are_shown_as_port_computed_them() {
    use greenroom::scorecard::{self, Inputs, NoLive, Outcome, facts::LocalRepos};
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let c = load(source(&url, "CARDS"));
    let loaded = scorecard::load_all(&[], false, &c);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let cards = loaded.cards;
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].id, "production_readiness");
    assert_eq!(cards[0].levels, ["Bronze", "Silver", "Gold"]);
    let inputs = Inputs {
        catalog: &c,
        live: &NoLive,
        repo: &LocalRepos,
    };
    let grades = scorecard::grade_all(&cards, &inputs);
    // Only the entity Port graded carries the card.
    assert_eq!(grades.len(), 1);
    let g = &grades[0];
    assert_eq!(g.entity, "component:default/payments-api");
    assert_eq!(cards[0].level_name(g.level), "Silver");
    let outcomes: Vec<(&str, Outcome)> = g
        .results
        .iter()
        .map(|r| (cards[0].rules[r.rule].id.as_str(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("has_team", Outcome::Pass),
            ("has_readme", Outcome::Pass),
            ("has_on_call", Outcome::Fail)
        ]
    );
    assert_eq!(g.results[2].found, "Port: FAILURE");
}
