//! A local fake of Port's REST API replaying the documented shapes (`research/portals.md`
//! §1.2-1.3), shared by the tests of the Port source, its actions, the CLI and the portal: the
//! client-credentials token, blueprints, teams, users, entity search paged with `next`, a 401
//! once a token has expired, a 429 with rate-limit headers; self-service actions (CREATE,
//! DAY-2 with a trigger condition, DELETE with approval, a DAY-2 whose backend fails), runs that
//! advance one state per read (IN_PROGRESS → SUCCESS, with log lines), runs waiting for
//! approval with their approvers, approve and decline with a reason, and a failed run with logs.
#![allow(dead_code)]

use greenroom::sources::port::PortSource;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Port {
    /// Tokens issued so far; the newest is the valid one.
    pub issued: AtomicUsize,
    /// Authorised API calls answered; after `expire_after` of them the token expires.
    pub calls: AtomicUsize,
    pub expire_after: usize,
    /// Answer the first entity search with 429.
    pub rate_limit_once: bool,
    pub limited: AtomicUsize,
    pub log: Mutex<Vec<String>>,
    /// Actions' runs, their logs and the bodies sent.
    pub runs: Mutex<Runs>,
}

pub const ID: &str = "client-id-123";
pub const SECRET: &str = "client-secret-456";

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

pub fn serve(port: Arc<Port>) -> String {
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
    let (method, full) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = full.split_once('?').unwrap_or((full, ""));
    port.log.lock().unwrap().push(format!("{method} {full}"));
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
        (m, p) if p.starts_with("/v1/actions") => {
            let (status, v) = actions_route(port, m, p, query, &body);
            reply(&mut stream, status, "", v)
        }
        _ => reply(
            &mut stream,
            "404 Not Found",
            "",
            json!({"ok": false, "error": "not_found", "message": "no such route"}),
        ),
    }
}

pub fn source(url: &str, tag: &str) -> PortSource {
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

/// Runs by id (in creation order), their log lines, and what each POST sent.
#[derive(Default)]
pub struct Runs {
    pub runs: Vec<Value>,
    pub logs: HashMap<String, Vec<String>>,
    /// Reads of each run so far (a run advances one state per read).
    pub reads: HashMap<String, usize>,
    /// `(action, body)` of each run started.
    pub sent: Vec<(String, Value)>,
    /// `(run, body)` of each approval PATCH.
    pub decisions: Vec<(String, Value)>,
    seeded: bool,
}

pub fn actions() -> Value {
    json!({"ok": true, "actions": [
        {"identifier": "scaffold_service", "title": "Scaffold a service", "icon": "Rocket",
         "description": "A new service repository with CI",
         "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "service",
            "userInputs": {
                "properties": {
                    "name": {"type": "string", "title": "Name", "pattern": "^[a-z0-9-]+$"},
                    "language": {"type": "string", "title": "Language", "enum": ["go", "python"], "default": "go"},
                    "pyVersion": {"type": "string", "title": "Python version", "default": "3.12",
                        "visible": {"jqQuery": ".form.language == \"python\""}},
                    "owners": {"type": "array", "title": "Owners", "items": {"type": "string", "format": "team"}},
                    "dbPass": {"type": "string", "title": "Database password", "encryption": "aes256-gcm"}
                },
                "required": ["name", "language"],
                "order": ["name", "language", "pyVersion", "owners", "dbPass"]
            },
            "executeActionButtonText": "Create"},
         "invocationMethod": {"type": "GITHUB", "org": "acme", "repo": "platform", "workflow": "scaffold.yml"},
         "publish": true},
        {"identifier": "restart_service", "title": "Restart", "description": "Rolling restart",
         "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "service",
            "condition": {"type": "SEARCH", "combinator": "and", "rules": [
                {"property": "lifecycle", "operator": "=", "value": "production"}]},
            "userInputs": {"properties": {
                "reason": {"type": "string", "title": "Reason"},
                "replicas": {"type": "number", "title": "Replicas", "default": 2}},
                "required": ["reason"], "order": ["reason", "replicas"]}},
         "invocationMethod": {"type": "WEBHOOK", "url": "https://hooks.example/restart"}},
        {"identifier": "delete_service", "title": "Delete service",
         "trigger": {"type": "self-service", "operation": "DELETE", "blueprintIdentifier": "service",
            "userInputs": {"properties": {"confirm": {"type": "boolean", "title": "I am sure"}}, "required": []}},
         "requiredApproval": {"type": "ANY"},
         "invocationMethod": {"type": "WEBHOOK", "url": "https://hooks.example/delete"}},
        {"identifier": "rotate_credentials", "title": "Rotate credentials",
         "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "cloudResource",
            "userInputs": {"properties": {}}}},
        {"identifier": "nightly_cleanup", "title": "Nightly cleanup",
         "trigger": {"type": "automation", "event": {"type": "TIMER_PROPERTY_EXPIRED", "blueprintIdentifier": "service"}},
         "invocationMethod": {"type": "WEBHOOK", "url": "https://hooks.example/cleanup"}}
    ]})
}

fn action_of(id: &str) -> Option<Value> {
    actions()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["identifier"] == id)
        .cloned()
}

fn run_object(
    id: &str,
    action: &Value,
    entity: Option<&str>,
    status: &str,
    by: &str,
    properties: Value,
) -> Value {
    let mut run = json!({
        "id": id,
        "action": {"identifier": action["identifier"], "title": action["title"], "icon": null, "deleted": false},
        "properties": properties,
        "status": status,
        "source": "API",
        "requiredApproval": action.get("requiredApproval").cloned().unwrap_or(json!(false)),
        "createdBy": by, "updatedBy": by,
        "createdAt": "2026-12-03T09:00:00.000Z", "updatedAt": "2026-12-03T09:00:00.000Z",
        "payload": {"type": "WEBHOOK", "url": "https://hooks.example", "headers": {"RUN_ID": id}, "body": {"port_context": {"runId": id}}}
    });
    if let Some(e) = entity {
        run["entity"] = json!({"identifier": e, "title": e});
        run["blueprint"] =
            json!({"identifier": action["trigger"]["blueprintIdentifier"], "title": "Service"});
    }
    run
}

fn seed(r: &mut Runs) {
    if r.seeded {
        return;
    }
    r.seeded = true;
    let restart = action_of("restart_service").unwrap();
    let delete = action_of("delete_service").unwrap();
    let rotate = action_of("rotate_credentials").unwrap();
    // bo asks to restart payments-api; Ann is its approver.
    let mut waiting = run_object(
        "r_waiting_ann",
        &restart,
        Some("payments-api"),
        "WAITING_FOR_APPROVAL",
        "bo@corp.example",
        json!({"reason": "memory leak", "replicas": 3}),
    );
    waiting["requiredApproval"] = json!({"type": "ANY"});
    r.runs.push(waiting);
    // Ann asks to delete ledger; only bo may approve it.
    r.runs.push(run_object(
        "r_waiting_bo",
        &delete,
        Some("ledger"),
        "WAITING_FOR_APPROVAL",
        "ann.lee@corp.example",
        json!({"confirm": true}),
    ));
    // A failed run with its log.
    let mut failed = run_object(
        "r_failed",
        &rotate,
        Some("orders-db"),
        "FAILURE",
        "ann.lee@corp.example",
        json!({}),
    );
    failed["statusLabel"] = json!("vault unreachable");
    failed["endedAt"] = json!("2026-12-03T09:01:00.000Z");
    r.runs.push(failed);
    r.logs.insert(
        "r_failed".into(),
        vec![
            "Rotating credentials for orders-db".into(),
            "error: vault at https://vault.internal unreachable (timeout)".into(),
        ],
    );
}

fn approvers(id: &str) -> Value {
    match id {
        "r_waiting_ann" => {
            json!({"ok": true, "approvers": [{"userId": "ann.lee@corp.example", "state": "PENDING", "description": null}]})
        }
        "r_waiting_bo" => {
            json!({"ok": true, "approvers": [{"userId": "bo@corp.example", "state": "PENDING", "description": null}]})
        }
        _ => json!({"ok": true, "approvers": []}),
    }
}

fn param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then_some(v)
    })
}

fn not_found(what: &str) -> (&'static str, Value) {
    (
        "404 Not Found",
        json!({"ok": false, "error": "not_found", "message": format!("{what} was not found")}),
    )
}

/// Advances a run by one read: IN_PROGRESS gets a log line per read and ends on the third read
/// (`rotate_credentials` fails, the rest succeed).
fn advance(r: &mut Runs, i: usize) {
    let id = r.runs[i]["id"].as_str().unwrap().to_owned();
    if r.runs[i]["status"] != "IN_PROGRESS" {
        return;
    }
    let n = {
        let n = r.reads.entry(id.clone()).or_default();
        *n += 1;
        *n
    };
    let fails = r.runs[i]["action"]["identifier"] == "rotate_credentials";
    let logs = r.logs.entry(id.clone()).or_default();
    match n {
        1 => {
            logs.push(format!("Picked up run {id}"));
            r.runs[i]["statusLabel"] = json!("deploying");
        }
        2 => logs.push("Applying changes \u{1b}[31m(2/2)".into()),
        _ if fails => {
            logs.push("error: vault unreachable".into());
            r.runs[i]["status"] = json!("FAILURE");
            r.runs[i]["statusLabel"] = json!("vault unreachable");
            r.runs[i]["endedAt"] = json!("2026-12-03T09:02:00.000Z");
        }
        _ => {
            logs.push("Done".into());
            r.runs[i]["status"] = json!("SUCCESS");
            r.runs[i]["statusLabel"] = json!("done");
            r.runs[i]["summary"] = json!("Restarted with 3 replicas");
            r.runs[i]["link"] = json!(["https://github.com/acme/platform/actions/runs/42"]);
            r.runs[i]["endedAt"] = json!("2026-12-03T09:02:00.000Z");
        }
    }
}

pub fn actions_route(
    port: &Port,
    method: &str,
    path: &str,
    query: &str,
    body: &Value,
) -> (&'static str, Value) {
    let mut r = port.runs.lock().unwrap();
    seed(&mut r);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", ["v1", "actions"]) => ("200 OK", actions()),
        ("GET", ["v1", "actions", "runs"]) => {
            let active = param(query, "active") == Some("true");
            let list: Vec<Value> = r
                .runs
                .iter()
                .rev()
                .filter(|run| {
                    (!active
                        || matches!(
                            run["status"].as_str(),
                            Some("IN_PROGRESS" | "WAITING_FOR_APPROVAL")
                        ))
                        && param(query, "entity").is_none_or(|e| run["entity"]["identifier"] == e)
                        && param(query, "action").is_none_or(|a| run["action"]["identifier"] == a)
                })
                .cloned()
                .collect();
            ("200 OK", json!({"ok": true, "runs": list}))
        }
        ("GET", ["v1", "actions", "runs", id]) => {
            match r.runs.iter().position(|run| run["id"] == *id) {
                Some(i) => {
                    advance(&mut r, i);
                    ("200 OK", json!({"ok": true, "run": r.runs[i]}))
                }
                None => not_found(&format!("run {id}")),
            }
        }
        ("GET", ["v1", "actions", "runs", id, "logs"]) => {
            let logs = r.logs.get(*id).cloned().unwrap_or_default();
            let offset: usize = param(query, "offset")
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            let lines: Vec<Value> = logs
                .iter()
                .enumerate()
                .skip(offset)
                .map(|(n, m)| {
                    json!({
                        "id": format!("{id}-log-{n}"), "runId": id, "message": m,
                        "createdBy": "port", "createdAt": "2026-12-03T09:00:00.000Z"
                    })
                })
                .collect();
            ("200 OK", json!({"ok": true, "runLogs": lines}))
        }
        ("GET", ["v1", "actions", "runs", id, "approvers"]) => ("200 OK", approvers(id)),
        ("PATCH", ["v1", "actions", "runs", id, "approval"]) => {
            let Some(i) = r.runs.iter().position(|run| run["id"] == *id) else {
                return not_found(&format!("run {id}"));
            };
            r.decisions.push((id.to_string(), body.clone()));
            if r.runs[i]["status"] != "WAITING_FOR_APPROVAL" {
                return (
                    "422 Unprocessable Entity",
                    json!({"ok": false, "error": "run_not_waiting_for_approval",
                    "message": format!("Run {id} is not waiting for approval")}),
                );
            }
            let (status, state) = match body["status"].as_str() {
                Some("APPROVE") => ("IN_PROGRESS", "APPROVED"),
                Some("DECLINE") => ("DECLINED", "DECLINED"),
                _ => {
                    return (
                        "422 Unprocessable Entity",
                        json!({"ok": false, "error": "invalid_body",
                    "message": "status must be APPROVE or DECLINE"}),
                    );
                }
            };
            r.runs[i]["status"] = json!(status);
            r.runs[i]["approval"] = json!({"description": body.get("description"), "userId": "ann.lee@corp.example", "state": state});
            ("200 OK", json!({"ok": true, "run": r.runs[i]}))
        }
        ("POST", ["v1", "actions", action, "runs"]) => {
            let Some(a) = action_of(action) else {
                return not_found(&format!("action {action}"));
            };
            let props = body.get("properties").cloned().unwrap_or(json!({}));
            for req in a["trigger"]["userInputs"]["required"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let k = req.as_str().unwrap();
                if props.get(k).is_none_or(|v| v.is_null() || v == "") {
                    return (
                        "422 Unprocessable Entity",
                        json!({"ok": false, "error": "invalid_action_inputs",
                        "message": format!("must have required property '{k}'")}),
                    );
                }
            }
            r.sent.push((action.to_string(), body.clone()));
            let id = format!("r_{}", r.sent.len());
            let status = if a.get("requiredApproval").is_some() {
                "WAITING_FOR_APPROVAL"
            } else {
                "IN_PROGRESS"
            };
            let run = run_object(
                &id,
                &a,
                body["entity"].as_str(),
                status,
                "ann.lee@corp.example",
                props,
            );
            r.runs.push(run.clone());
            ("202 Accepted", json!({"ok": true, "run": run}))
        }
        _ => not_found(path),
    }
}
