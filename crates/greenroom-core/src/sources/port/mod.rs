//! Port (port.io) as a catalogue source: teams, users and the entities of its blueprints,
//! read over Port's REST API and mapped to Backstage entities (see [`mapping`]).
//!
//! Auth is Port's client-credentials exchange: `POST /v1/auth/access_token` gives a token
//! valid for 3 hours, and each credential set has only one active token, so tokens are cached
//! per (API, client id) for the process and renewed ten minutes before they expire, or at once
//! when Port answers 401. Entities are read with `POST /v1/blueprints/{bp}/entities/search`,
//! following `next`. A 429 waits for the rate-limit reset (bounded) and tries again.

pub mod actions;
pub mod mapping;

use super::{Source, SourceOutput};
use crate::catalog::{Diagnostic, Severity};
use crate::yaml::Pos;
use mapping::{BlueprintMapping, BlueprintRelations, Mapper};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A `[[catalog.source]] type = "port"` entry.
#[derive(Clone, Debug)]
pub struct PortSource {
    /// `https://api.port.io` (EU) or `https://api.us.port.io` (US).
    pub base_url: String,
    pub client_id_env: String,
    pub client_secret_env: String,
    /// Blueprints to read; empty: every blueprint that is not Port's own (`_user`, ...).
    pub blueprints: Vec<String>,
    pub mapping: BTreeMap<String, BlueprintMapping>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// The longest a 429 is waited out before giving up.
    pub max_rate_wait: Duration,
}

impl PortSource {
    pub fn new(base_url: impl Into<String>) -> PortSource {
        PortSource {
            base_url: base_url.into(),
            client_id_env: "PORT_CLIENT_ID".into(),
            client_secret_env: "PORT_CLIENT_SECRET".into(),
            blueprints: Vec::new(),
            mapping: BTreeMap::new(),
            connect_timeout: crate::limits::HTTP_CONNECT_TIMEOUT,
            request_timeout: crate::limits::HTTP_REQUEST_TIMEOUT,
            max_rate_wait: crate::limits::PORT_MAX_RATE_WAIT,
        }
    }

    fn api(&self) -> String {
        self.base_url.trim_end_matches('/').to_owned()
    }

    /// Port's web app for links, when the API is one of Port's own.
    fn app_url(&self) -> Option<String> {
        let host = url::Url::parse(&self.base_url).ok()?.host_str()?.to_owned();
        match host.as_str() {
            "api.port.io" | "api.getport.io" => Some("https://app.port.io".into()),
            "api.us.port.io" | "api.us.getport.io" => Some("https://app.us.port.io".into()),
            _ => None,
        }
    }

    fn credentials(&self) -> Result<(String, String), String> {
        let get = |var: &str, what: &str| match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
            _ => Err(format!(
                "the environment variable {var} (the Port {what}) is not set"
            )),
        };
        Ok((
            get(&self.client_id_env, "client id")?,
            get(&self.client_secret_env, "client secret")?,
        ))
    }

    /// Reads everything and maps it; a failure keeps what was read before it.
    fn read(&self, progress: &dyn Fn(usize)) -> (SourceOutput, Option<String>) {
        let mut out = SourceOutput::default();
        let client = match Client::new(self) {
            Ok(c) => c,
            Err(e) => return (out, Some(e)),
        };
        let fail = |out: SourceOutput, why: String| (out, Some(why));

        // Blueprints: which to read and what their relations point at.
        let blueprints = match client.get("/v1/blueprints") {
            Ok(v) => v,
            Err(e) => return fail(out, format!("reading the blueprints: {e}")),
        };
        let mut relations: BTreeMap<String, BlueprintRelations> = BTreeMap::new();
        let mut all = Vec::new();
        for b in blueprints
            .get("blueprints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = b.get("identifier").and_then(Value::as_str) else {
                continue;
            };
            all.push(id.to_owned());
            let rels = b
                .get("relations")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, r)| Some((k.clone(), r.get("target")?.as_str()?.to_owned())))
                .collect();
            relations.insert(id.to_owned(), rels);
        }
        let wanted: Vec<String> = if self.blueprints.is_empty() {
            all.into_iter().filter(|b| !b.starts_with('_')).collect()
        } else {
            self.blueprints.clone()
        };
        let mapper = Mapper {
            location: format!("port:{}", self.api()).into(),
            app_url: self.app_url(),
            overrides: &self.mapping,
            relations: &relations,
        };

        match client.get("/v1/teams") {
            Ok(v) => out.entities.extend(
                v.get("teams")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| mapper.team(t)),
            ),
            Err(e) => return fail(out, format!("reading the teams: {e}")),
        }
        match client.get("/v1/users") {
            Ok(v) => out.entities.extend(
                v.get("users")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|u| mapper.user(u)),
            ),
            Err(e) => return fail(out, format!("reading the users: {e}")),
        }
        progress(out.entities.len());

        for bp in &wanted {
            let mut from: Option<String> = None;
            for page in 1.. {
                let mut body = json!({
                    "query": {"combinator": "and", "rules": [
                        {"property": "$identifier", "operator": "isNotEmpty"}
                    ]},
                    "limit": crate::limits::PORT_PAGE_SIZE,
                });
                if let Some(f) = &from {
                    body["from"] = json!(f);
                }
                let path = format!("/v1/blueprints/{}/entities/search", urlencode(bp));
                let v = match client.post(&path, &body) {
                    Ok(v) => v,
                    Err(e) => {
                        return fail(out, format!("reading blueprint {bp} (page {page}): {e}"));
                    }
                };
                let entities = v.get("entities").and_then(Value::as_array);
                for e in entities.into_iter().flatten() {
                    match mapper.entity_of(bp, e) {
                        Some(entity) => out.entities.push(entity),
                        None => {
                            out.diagnostics.push(self.diagnostic(&format!(
                                "an entity of blueprint {bp} has no identifier"
                            )))
                        }
                    }
                }
                progress(out.entities.len());
                from = v.get("next").and_then(Value::as_str).map(str::to_owned);
                if from.is_none() || entities.is_none_or(Vec::is_empty) {
                    break;
                }
                if page >= crate::limits::PORT_MAX_PAGES {
                    return fail(out, format!("blueprint {bp}: Port kept sending `next`"));
                }
            }
        }
        (out, None)
    }

    fn diagnostic(&self, message: &str) -> Diagnostic {
        Diagnostic::new(
            Severity::Error,
            format!("Port at {}", self.api()),
            Pos::START,
            None,
            crate::text::sanitize_line(message).into_owned(),
        )
    }
}

impl Source for PortSource {
    fn describe(&self) -> String {
        format!("Port at {}", self.base_url)
    }

    fn load(&self, opts: &super::LoadOptions) -> SourceOutput {
        let (mut out, failure) = self.read(&|n| opts.report_entities(n));
        if let Some(why) = failure {
            let message = super::remote_failure("Port", &why, out.entities.len());
            out.diagnostics.insert(0, self.diagnostic(&message));
            out.failed = Some(why);
        }
        out
    }

    fn cache_key(&self) -> Option<String> {
        Some(format!(
            "port\n{}\n{}\n{:?}\n{:?}",
            self.base_url, self.client_id_env, self.blueprints, self.mapping
        ))
    }
}

/// Tokens by (API, client id): one active token per credential set, shared by every load in
/// the process.
/// (API, client id) → (token, when it expires).
type Tokens = HashMap<(String, String), (String, Instant)>;

fn tokens() -> &'static Mutex<Tokens> {
    static TOKENS: OnceLock<Mutex<Tokens>> = OnceLock::new();
    TOKENS.get_or_init(Default::default)
}

/// One load's HTTP: the token, retries on 401 (once, with a new token) and 429 (waiting).
struct Client<'a> {
    source: &'a PortSource,
    http: reqwest::blocking::Client,
    id: String,
    secret: String,
}

impl<'a> Client<'a> {
    fn new(source: &'a PortSource) -> Result<Client<'a>, String> {
        let (id, secret) = source.credentials()?;
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(source.connect_timeout)
            .timeout(source.request_timeout)
            .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Client {
            source,
            http,
            id,
            secret,
        })
    }

    fn key(&self) -> (String, String) {
        (self.source.api(), self.id.clone())
    }

    fn token(&self, fresh: bool) -> Result<String, String> {
        let mut cache = tokens().lock().unwrap_or_else(|e| e.into_inner());
        if !fresh
            && let Some((t, until)) = cache.get(&self.key())
            && Instant::now() + crate::limits::PORT_TOKEN_RENEW_BEFORE < *until
        {
            return Ok(t.clone());
        }
        let url = format!("{}/v1/auth/access_token", self.source.api());
        let response = self
            .http
            .post(&url)
            .json(&json!({"clientId": self.id, "clientSecret": self.secret}))
            .send()
            .map_err(|e| describe(&e, &url))?;
        let status = response.status().as_u16();
        let body = read_body(response)?;
        if status == 401 || status == 403 || status == 422 {
            return Err(format!(
                "Port refused the credentials (HTTP {status}{}): check {} and {}",
                port_error(&body),
                self.source.client_id_env,
                self.source.client_secret_env
            ));
        }
        if !(200..300).contains(&status) {
            return Err(format!(
                "getting a token: HTTP {status}{}",
                port_error(&body)
            ));
        }
        let token = body
            .get("accessToken")
            .and_then(Value::as_str)
            .ok_or("Port's token answer has no accessToken")?
            .to_owned();
        let expires = body
            .get("expiresIn")
            .and_then(Value::as_u64)
            .unwrap_or(3 * 3600);
        cache.insert(
            self.key(),
            (token.clone(), Instant::now() + Duration::from_secs(expires)),
        );
        Ok(token)
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        self.call(path, None)
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value, String> {
        self.call(path, Some(body))
    }

    fn patch(&self, path: &str, body: &Value) -> Result<Value, String> {
        self.send(reqwest::Method::PATCH, path, Some(body))
    }

    fn call(&self, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let method = if body.is_some() {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        self.send(method, path, body)
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let url = format!("{}{path}", self.source.api());
        let mut fresh = false;
        let mut waited = Duration::ZERO;
        loop {
            let token = self.token(fresh)?;
            let request = match body {
                Some(b) => self.http.request(method.clone(), &url).json(b),
                None => self.http.request(method.clone(), &url),
            };
            let response = request
                .bearer_auth(&token)
                .send()
                .map_err(|e| describe(&e, &url))?;
            let status = response.status().as_u16();
            let wait = rate_limit_wait(response.headers());
            let answer = read_body(response)?;
            match status {
                200..=299 => return Ok(answer),
                401 if !fresh => fresh = true, // expired or replaced: one new token
                401 | 403 => {
                    return Err(format!(
                        "HTTP {status}{}: check the credentials in {} and {}",
                        port_error(&answer),
                        self.source.client_id_env,
                        self.source.client_secret_env
                    ));
                }
                429 => {
                    let wait = wait.unwrap_or(Duration::from_secs(1));
                    if waited + wait > self.source.max_rate_wait {
                        return Err(format!(
                            "rate limited (HTTP 429) for longer than {} s",
                            self.source.max_rate_wait.as_secs()
                        ));
                    }
                    std::thread::sleep(wait);
                    waited += wait;
                }
                _ => return Err(format!("HTTP {status}{}", port_error(&answer))),
            }
        }
    }
}

/// How long a 429 asks to wait: `Retry-After` seconds, else `x-ratelimit-reset` (seconds
/// until the window resets).
fn rate_limit_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    ["retry-after", "x-ratelimit-reset"].iter().find_map(|h| {
        let secs: f64 = headers.get(*h)?.to_str().ok()?.trim().parse().ok()?;
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
    })
}

fn read_body(response: reqwest::blocking::Response) -> Result<Value, String> {
    let mut body = Vec::new();
    response
        .take(crate::limits::PORT_PAGE_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the answer failed: {e}"))?;
    if body.len() as u64 > crate::limits::PORT_PAGE_BYTES {
        return Err(format!(
            "an answer is larger than {} bytes",
            crate::limits::PORT_PAGE_BYTES
        ));
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&body).or_else(|_| Ok(Value::Null))
}

/// `: message` of Port's `{"ok": false, "error", "message"}`.
fn port_error(body: &Value) -> String {
    let m = body
        .get("message")
        .or_else(|| body.get("error"))
        .and_then(Value::as_str);
    m.map(|m| format!(": {}", crate::text::sanitize_line(m)))
        .unwrap_or_default()
}

fn describe(e: &reqwest::Error, url: &str) -> String {
    super::backstage::describe_reqwest(e, url)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// For tests: forget cached tokens.
#[doc(hidden)]
pub fn forget_tokens() {
    tokens().lock().unwrap_or_else(|e| e.into_inner()).clear();
}
