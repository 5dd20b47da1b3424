//! An in-process fake of the upstream APIs on 127.0.0.1 (ephemeral port), serving the real
//! payload shapes with values that change over time. The demo points the real fetchers at it;
//! tests script failures into it (429 with `Retry-After`, 500, malformed JSON, 401, a server
//! that never answers) and read its request log.
//!
//! Routes, each under its own prefix so one server plays every API:
//! `/pagerduty` (REST v2), `/github` (REST), `/gitlab/api/v4`, `/argocd` (`/api/v1/...`),
//! `/kubernetes` (`/apis/apps/v1/...`), `/prometheus` (`/api/v1/...`), and health endpoints as
//! `/_hosts/<host>/<path>` (see `[[status.health.rewrite]]`).

mod data;
mod names;

pub use names::FakeNames;

use super::config::{HostRewrite, StatusConfig};
use super::time::unix_now;
use crate::catalog::Catalog;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// A failure to serve instead of the real answer.
#[derive(Clone, Debug)]
pub enum Fault {
    Status {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// 200 with a body cut off mid-JSON.
    Malformed,
    /// Accepts the request and never answers.
    Hang,
    /// Answers normally after a pause.
    Delay(Duration),
    /// Answers normally after a pause drawn uniformly from `min..=max`: an upstream at a
    /// realistic latency (GitHub's API answers in 200-300 ms), for the load bench.
    Latency { min: Duration, max: Duration },
}

impl Fault {
    pub fn status(status: u16, headers: &[(&str, &str)], body: &str) -> Fault {
        Fault::Status {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        }
    }

    /// 429 with `Retry-After` (seconds or an HTTP date) and PagerDuty's documented body.
    pub fn too_many_requests(retry_after: &str) -> Fault {
        Fault::status(
            429,
            &[("retry-after", retry_after)],
            include_str!("../../../../../tests/fixtures/status/pagerduty-error-429.json"),
        )
    }

    pub fn server_error() -> Fault {
        Fault::status(
            500,
            &[],
            r#"{"error":{"message":"Internal Server Error","code":2001}}"#,
        )
    }

    pub fn unauthorized() -> Fault {
        Fault::status(
            401,
            &[],
            r#"{"error":{"message":"Unauthorized","code":2006}}"#,
        )
    }

    /// GitHub's primary limit: 403 with `x-ratelimit-remaining: 0` and the reset epoch.
    pub fn github_primary_limit(reset_epoch: u64) -> Fault {
        Fault::status(
            403,
            &[
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset_epoch.to_string()),
                ("x-ratelimit-resource", "core"),
            ],
            include_str!(
                "../../../../../tests/fixtures/status/github-error-primary-rate-limit-403.json"
            ),
        )
    }

    /// GitHub's secondary limit: 403 with `retry-after`.
    pub fn github_secondary_limit(retry_after_secs: u64) -> Fault {
        Fault::status(
            403,
            &[("retry-after", &retry_after_secs.to_string())],
            include_str!(
                "../../../../../tests/fixtures/status/github-error-secondary-rate-limit.json"
            ),
        )
    }
}

struct FaultRule {
    prefix: String,
    fault: Fault,
    remaining: Option<usize>,
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub at: Instant,
    pub path: String,
    pub query: String,
    pub if_none_match: Option<String>,
    /// The Authorization scheme (`Bearer`, `Token`); the credential itself is not kept.
    pub auth_scheme: Option<String>,
    /// The status the fake answered with (None while unanswered, e.g. hanging).
    pub status: Option<u16>,
}

#[derive(Default)]
struct InFlight {
    now: usize,
    max: usize,
}

/// The fake's clock: wall-clock seconds at its origin plus the time since (tokio's clock, so
/// paused time moves it too) plus whatever tests [`FakeUpstream::advance`]. Everything the
/// fake serves is a function of this clock and the origin, never of the date itself: a test
/// sees the same payloads whether it runs today or in ten years.
struct FakeClock {
    origin: f64,
    started: Instant,
    offset: Mutex<f64>,
}

impl FakeClock {
    fn new(origin: f64) -> FakeClock {
        FakeClock {
            origin,
            started: Instant::now(),
            offset: Mutex::new(0.0),
        }
    }

    fn now(&self) -> f64 {
        self.origin + self.started.elapsed().as_secs_f64() + *lock(&self.offset)
    }
}

struct State {
    names: FakeNames,
    clock: FakeClock,
    faults: Mutex<Vec<FaultRule>>,
    log: Mutex<Vec<Recorded>>,
    in_flight: Mutex<HashMap<String, InFlight>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running fake. Dropping it stops the server and every open connection.
pub struct FakeUpstream {
    addr: SocketAddr,
    state: Arc<State>,
    server: JoinHandle<()>,
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeUpstream {
    /// Starts on 127.0.0.1 with an ephemeral port, on the current tokio runtime.
    pub async fn start() -> std::io::Result<FakeUpstream> {
        FakeUpstream::start_with(FakeNames::default()).await
    }

    pub async fn start_with(names: FakeNames) -> std::io::Result<FakeUpstream> {
        FakeUpstream::start_at(names, unix_now()).await
    }

    /// Starts with its clock at `origin` (seconds since the epoch) instead of the wall clock:
    /// tests pin it to show that nothing the fake serves depends on the date.
    pub async fn start_at(names: FakeNames, origin: f64) -> std::io::Result<FakeUpstream> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            names,
            clock: FakeClock::new(origin),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            in_flight: Mutex::new(HashMap::new()),
        });
        let shared = state.clone();
        let server = tokio::spawn(async move {
            // Connections live in the set, so aborting the server ends them too.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let state = shared.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(&state, req).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(FakeUpstream {
            addr,
            state,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A status config pointing every fetcher at the fake (and health checks for hosts under
    /// `.encore.example` at its `/_hosts/` route). Marked as demo data.
    pub fn status_config(&self) -> StatusConfig {
        let mut c = StatusConfig {
            demo: true,
            ..StatusConfig::default()
        };
        let url = self.url();
        for (s, path) in [
            (&mut c.pagerduty, "/pagerduty"),
            (&mut c.github, "/github"),
            (&mut c.gitlab, "/gitlab/api/v4"),
            (&mut c.argocd, "/argocd"),
            (&mut c.kubernetes, "/kubernetes"),
            (&mut c.prometheus, "/prometheus"),
        ] {
            s.base_url = Some(format!("{url}{path}"));
            s.enabled = Some(true);
        }
        c.prometheus.range = Some(Duration::from_secs(15 * 60));
        c.prometheus.step = Some(Duration::from_secs(30));
        c.health.rewrite.push(self.rewrite(".encore.example"));
        c
    }

    /// A rewrite rule sending health checks for hosts ending in `suffix` to the fake.
    pub fn rewrite(&self, suffix: &str) -> HostRewrite {
        HostRewrite {
            suffix: suffix.to_owned(),
            base: format!("{}/_hosts", self.url()),
        }
    }

    /// Serves `fault` for requests whose path starts with `prefix` (e.g. `/github/`), `times`
    /// times or until cleared. Rules are tried in the order they were added.
    pub fn inject(&self, prefix: &str, fault: Fault, times: Option<usize>) {
        lock(&self.state.faults).push(FaultRule {
            prefix: prefix.to_owned(),
            fault,
            remaining: times,
        });
    }

    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.log).clone()
    }

    /// Requests whose path starts with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        lock(&self.state.log)
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .count()
    }

    /// The most requests one API (`pagerduty`, `github`, ...) ever had in flight at once.
    pub fn max_in_flight(&self, api: &str) -> usize {
        lock(&self.state.in_flight).get(api).map_or(0, |f| f.max)
    }

    pub fn clear_log(&self) {
        lock(&self.state.log).clear();
    }

    /// Moves the fake's clock (builds progress, shifts rotate) without waiting.
    pub fn advance(&self, secs: f64) {
        *lock(&self.state.clock.offset) += secs;
    }

    /// The fake's clock now, in seconds since the epoch.
    pub fn now(&self) -> f64 {
        self.state.clock.now()
    }
}

/// Starts the fake for a catalogue (names learnt from it) and returns a config pointing every
/// fetcher at it, with a rewrite for every host its `greenroom.dev/health-url`s name.
pub async fn start_demo(catalog: &Catalog) -> std::io::Result<(FakeUpstream, StatusConfig)> {
    let fake = FakeUpstream::start_with(FakeNames::from_catalog(catalog)).await?;
    let mut config = fake.status_config();
    let mut hosts: Vec<String> = catalog
        .accepted()
        .filter_map(|e| e.annotation(super::target::HEALTH_URL))
        .filter_map(|u| url::Url::parse(u).ok()?.host_str().map(str::to_owned))
        .collect();
    hosts.sort();
    hosts.dedup();
    for h in hosts {
        config.health.rewrite.push(fake.rewrite(&h));
    }
    Ok((fake, config))
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Reply {
    fn json(status: u16, v: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
        }
    }

    /// Sets a header, replacing one of the same name.
    fn header(mut self, k: &str, v: impl Into<String>) -> Reply {
        self.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(k));
        self.headers.push((k.to_owned(), v.into()));
        self
    }
}

struct InFlightGuard<'a> {
    state: &'a State,
    api: String,
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        if let Some(f) = lock(&self.state.in_flight).get_mut(&self.api) {
            f.now -= 1;
        }
    }
}

async fn handle(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let if_none_match = header("if-none-match");
    let auth_scheme =
        header("authorization").and_then(|a| a.split_whitespace().next().map(str::to_owned));
    let index = {
        let mut log = lock(&state.log);
        log.push(Recorded {
            at: Instant::now(),
            path: path.clone(),
            query: query.clone(),
            if_none_match: if_none_match.clone(),
            auth_scheme: auth_scheme.clone(),
            status: None,
        });
        log.len() - 1
    };
    let api = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_owned();
    {
        let mut f = lock(&state.in_flight);
        let e = f.entry(api.clone()).or_default();
        e.now += 1;
        e.max = e.max.max(e.now);
    }
    let _guard = InFlightGuard { state, api };

    let fault = {
        let mut faults = lock(&state.faults);
        faults
            .iter_mut()
            .find(|r| path.starts_with(&r.prefix) && r.remaining != Some(0))
            .map(|r| {
                if let Some(n) = &mut r.remaining {
                    *n -= 1;
                }
                r.fault.clone()
            })
    };
    let reply = match fault {
        Some(Fault::Hang) => std::future::pending().await,
        Some(Fault::Status {
            status,
            headers,
            body,
        }) => Reply {
            status,
            headers: headers
                .into_iter()
                .chain([("content-type".to_owned(), "application/json".to_owned())])
                .collect(),
            body: Bytes::from(body),
        },
        Some(Fault::Malformed) => Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from_static(b"{\"status\":\"success\",\"data\":{\"result\":[{\"metric\""),
        },
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            route(
                state,
                &path,
                &query,
                auth_scheme.is_some(),
                if_none_match.as_deref(),
            )
        }
        Some(Fault::Latency { min, max }) => {
            let spread = max.saturating_sub(min);
            tokio::time::sleep(min + spread.mul_f64(fastrand::f64())).await;
            route(
                state,
                &path,
                &query,
                auth_scheme.is_some(),
                if_none_match.as_deref(),
            )
        }
        None => route(
            state,
            &path,
            &query,
            auth_scheme.is_some(),
            if_none_match.as_deref(),
        ),
    };
    if let Some(r) = lock(&state.log).get_mut(index) {
        r.status = Some(reply.status);
    }
    let mut resp = Response::new(Full::new(reply.body));
    *resp.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap_or_default();
    for (k, v) in reply.headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(&v),
        ) {
            resp.headers_mut().append(k, v);
        }
    }
    resp
}

fn params(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(p: &'a [(String, String)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn all(p: &[(String, String)], key: &str) -> Vec<String> {
    p.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

fn decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={segment}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The values of a label selector (`a=b,c in (d)` → `b`, `d`): the names to answer for.
fn selector_values(selector: &str) -> Vec<String> {
    selector
        .split(',')
        .filter_map(|term| {
            term.split_once('=')
                .map(|(_, v)| v.trim_start_matches('=').trim().to_owned())
        })
        .filter(|v| !v.is_empty())
        .collect()
}

fn not_found(what: &str) -> Reply {
    Reply::json(
        404,
        &json!({"error": {"message": format!("{what} not found"), "code": 2100}}),
    )
}

fn route(
    state: &State,
    path: &str,
    query: &str,
    authorized: bool,
    if_none_match: Option<&str>,
) -> Reply {
    let t = state.clock.now();
    let t0 = state.clock.origin;
    let p = params(query);
    let names = &state.names;
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["pagerduty", rest @ ..] => {
            // Like the real API: no credentials, no data.
            if !authorized {
                return Reply::json(
                    401,
                    &json!({"error": {"message": "Unauthorized", "code": 2006}}),
                );
            }
            let reply = match rest {
                ["services", id] => Reply::json(
                    200,
                    &json!({"service": data::pd_service(names, t, &decode(id))}),
                ),
                ["services"] => match param(&p, "query") {
                    Some(key) => Reply::json(200, &data::pd_services_by_key(names, t, key)),
                    None => Reply::json(200, &json!({"services": [], "more": false})),
                },
                ["oncalls"] => {
                    let full = all(&p, "include[]").iter().any(|i| i == "users");
                    Reply::json(
                        200,
                        &data::pd_oncalls(names, t, &all(&p, "escalation_policy_ids[]"), full),
                    )
                }
                ["incidents"] => Reply::json(
                    200,
                    &data::pd_incidents(
                        t,
                        &all(&p, "service_ids[]"),
                        &all(&p, "statuses[]"),
                        param(&p, "date_range") == Some("all"),
                    ),
                ),
                _ => not_found("resource"),
            };
            reply
                .header("ratelimit-limit", "960")
                .header("ratelimit-remaining", "900")
                .header("ratelimit-reset", "30")
        }
        ["github", "repos", owner, repo, rest @ ..] => {
            let body = match rest {
                [] => data::github_repo(owner, repo),
                ["actions", "runs"] => {
                    let per_page = param(&p, "per_page")
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(30);
                    data::github_runs(t0, t, owner, repo, per_page)
                }
                _ => {
                    return Reply::json(
                        404,
                        &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
                    );
                }
            };
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let etag = format!(
                "\"{:016x}\"",
                data::hash(&[&String::from_utf8_lossy(&bytes)])
            );
            let reset = (t as u64 + 3600).to_string();
            let status = if if_none_match == Some(etag.as_str()) {
                304
            } else {
                200
            };
            Reply {
                status,
                headers: vec![(
                    "content-type".into(),
                    "application/json; charset=utf-8".into(),
                )],
                body: if status == 304 {
                    Bytes::new()
                } else {
                    Bytes::from(bytes)
                },
            }
            .header("etag", etag)
            .header("cache-control", "private, max-age=60, s-maxage=60")
            .header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "4321")
            .header("x-ratelimit-reset", reset)
            .header("x-ratelimit-resource", "core")
        }
        ["gitlab", "api", "v4", "projects", id, rest @ ..] => {
            let project = decode(id);
            match rest {
                [] => Reply::json(200, &data::gitlab_project(&project)),
                ["pipelines"] => {
                    let per_page = param(&p, "per_page")
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(20);
                    Reply::json(200, &data::gitlab_pipelines(t0, t, &project, per_page))
                        .header("x-page", "1")
                        .header("x-per-page", per_page.to_string())
                }
                _ => Reply::json(404, &json!({"message": "404 Not Found"})),
            }
        }
        ["argocd", "api", "v1", "applications"] => {
            let names = param(&p, "selector")
                .map(selector_values)
                .unwrap_or_default();
            Reply::json(200, &data::argo_list(t, &names))
        }
        ["argocd", "api", "v1", "applications", name] => {
            Reply::json(200, &data::argo_app(t, &decode(name)))
        }
        ["kubernetes", "apis", "apps", "v1", rest @ ..] => {
            let namespace = match rest {
                ["namespaces", ns, "deployments"] => decode(ns),
                ["deployments"] => "encore".to_owned(),
                _ => {
                    return Reply::json(
                        404,
                        &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}),
                    );
                }
            };
            let ids = param(&p, "labelSelector")
                .map(selector_values)
                .unwrap_or_default();
            Reply::json(200, &data::k8s_deployments(t, &ids, &namespace))
        }
        ["prometheus", "-", "ready" | "healthy"] => Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: Bytes::from_static(b"Prometheus Server is Ready.\n"),
        },
        ["prometheus", "api", "v1", "query"] => match param(&p, "query") {
            Some(q) if !q.is_empty() => Reply::json(200, &data::prom_query(names, t, q)),
            _ => Reply::json(
                400,
                &json!({"status": "error", "errorType": "bad_data", "error": "invalid parameter \"query\": no query"}),
            ),
        },
        ["prometheus", "api", "v1", "query_range"] => {
            let num = |k: &str| param(&p, k).and_then(|v| v.parse::<f64>().ok());
            let step = param(&p, "step").and_then(|s| {
                s.parse::<f64>().ok().or_else(|| {
                    crate::status::time::parse_duration(s)
                        .ok()
                        .map(|d| d.as_secs_f64())
                })
            });
            match (param(&p, "query"), num("start"), num("end"), step) {
                (Some(q), Some(start), Some(end), Some(step)) => {
                    match data::prom_range(names, q, start, end, step) {
                        Ok(v) => Reply::json(200, &v),
                        Err(e) => Reply::json(400, &e),
                    }
                }
                _ => Reply::json(
                    400,
                    &json!({"status": "error", "errorType": "bad_data", "error": "missing start, end, step or query"}),
                ),
            }
        }
        ["prometheus", "api", "v1", "alerts"] => Reply::json(200, &data::prom_alerts(names, t)),
        ["_hosts", host, ..] => {
            let (status, body) = data::health(t, host);
            Reply::json(status, &body).header(
                "content-type",
                "application/vnd.spring-boot.actuator.v3+json",
            )
        }
        _ => Reply {
            status: 404,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: Bytes::from_static(b"404 page not found\n"),
        },
    }
}
