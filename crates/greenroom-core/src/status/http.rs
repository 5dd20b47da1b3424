//! HTTP for the fetchers: one reqwest client with connect and request timeouts, per-host gates
//! (a semaphore and a "blocked until" from rate limits), an ETag cache for conditional
//! requests, a short-lived response cache so targets that share a request make it once, and
//! the mapping of responses to `FetchError`s.

use super::config::StatusConfig;
use super::target::Source;
use super::time::{parse_retry_after, until_epoch};
use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::Semaphore;
use tokio::time::Instant;

pub const USER_AGENT: &str = concat!("greenroom/", env!("CARGO_PKG_VERSION"));

/// Why a fetch failed, and so what the scheduler does next.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(String),
    /// Requests to the host wait until `wait` has passed (`None`: no hint, back off).
    #[error("{message}")]
    RateLimited {
        wait: Option<Duration>,
        message: String,
    },
    /// 401, a 403 that is not a rate limit, or a missing token: stop until the config changes.
    #[error("{0}")]
    Auth(String),
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("unexpected response: {0}")]
    Decode(String),
    /// The body passed its size limit (announced, or while it streamed): not read further.
    #[error("{}", too_large(*.limit, *.declared))]
    TooLarge { limit: u64, declared: Option<u64> },
    /// The source cannot run as configured (no base URL, bad program).
    #[error("{0}")]
    Config(String),
}

fn too_large(limit: u64, declared: Option<u64>) -> String {
    match declared {
        Some(n) => format!(
            "the response is {n} bytes, over the {limit}-byte limit; not read (check the URL)"
        ),
        None => format!(
            "the response is larger than the {limit}-byte limit; stopped reading it (check the URL)"
        ),
    }
}

/// The body of `resp`, refused at once when its Content-Length is over `limit`, and read chunk
/// by chunk otherwise, stopping as soon as it passes `limit`: at most `limit` bytes are kept
/// and at most one chunk more is read, whatever the server sends.
pub(crate) async fn read_body(
    mut resp: reqwest::Response,
    limit: u64,
    timeout: Option<Duration>,
) -> Result<Bytes, FetchError> {
    if let Some(declared) = resp.content_length()
        && declared > limit
    {
        return Err(FetchError::TooLarge {
            limit,
            declared: Some(declared),
        });
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| map_reqwest(&e, timeout))? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(FetchError::TooLarge {
                limit,
                declared: None,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

impl FetchError {
    /// Worth a quick retry: network trouble, 408, 429, 5xx other than 501.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::RateLimited { .. } => {
                true
            }
            FetchError::Status { status, .. } => {
                *status == 408 || (*status >= 500 && *status != 501)
            }
            _ => false,
        }
    }

    pub fn stops(&self) -> bool {
        matches!(self, FetchError::Auth(_) | FetchError::Config(_))
    }
}

/// A request slot for one upstream host: how many at once, and until when it is blocked.
#[derive(Debug)]
pub struct Gate {
    /// The host's slots, stalest data first.
    pub permits: Arc<super::queue::HostQueue>,
    blocked_until: Mutex<Option<Instant>>,
    /// Credentials refused: every target of this source and host stops with this message.
    stopped: Mutex<Option<String>>,
}

impl Gate {
    pub fn stopped(&self) -> Option<String> {
        self.stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn stop(&self, message: &str) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = Some(message.to_owned());
    }

    pub fn resume(&self) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub fn blocked_until(&self) -> Option<Instant> {
        let b = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
        b.filter(|t| *t > Instant::now())
    }

    /// Extends the block (never shortens it: the longest hint wins).
    pub fn block_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut b = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
        if b.is_none_or(|t| t < until) {
            *b = Some(until);
        }
    }
}

#[derive(Clone, Debug)]
struct Validated {
    etag: String,
    body: Bytes,
}

/// A response as the fetchers see it.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Served from a 304 (the ETag matched) or the shared cache.
    pub reused: bool,
}

impl Response {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, FetchError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| FetchError::Decode(format!("{e} in a {}-byte body", self.body.len())))
    }
}

/// Shared by every fetcher of a status service.
pub struct Http {
    pub client: reqwest::Client,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    /// Caps requests in flight across all hosts.
    pub global: Arc<Semaphore>,
    etags: Mutex<HashMap<String, Validated>>,
    shared: Mutex<HashMap<String, (Instant, Response)>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Http")
    }
}

impl Http {
    pub fn new(config: &StatusConfig) -> Http {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(USER_AGENT)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .expect("the TLS backend initialises");
        Http {
            client,
            gates: Mutex::new(HashMap::new()),
            global: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            etags: Mutex::new(HashMap::new()),
            shared: Mutex::new(HashMap::new()),
        }
    }

    /// The gate for a host key (`source@host:port`), created with `permits` slots.
    pub fn gate(&self, host: &str, permits: usize) -> Arc<Gate> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        gates
            .entry(host.to_owned())
            .or_insert_with(|| {
                Arc::new(Gate {
                    permits: super::queue::HostQueue::new(permits),
                    blocked_until: Mutex::new(None),
                    stopped: Mutex::new(None),
                })
            })
            .clone()
    }

    /// Host keys (`source@host:port`) whose slots lately came too late to keep data fresh.
    pub fn behind(&self) -> Vec<String> {
        let gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<String> = gates
            .iter()
            .filter(|(_, g)| g.permits.behind())
            .map(|(k, _)| k.clone())
            .collect();
        out.sort();
        out
    }

    /// Forgets shared responses (not ETags), so the next fetch of every target asks upstream.
    pub fn clear_shared(&self) {
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn shared_get(&self, url: &str, max_age: Duration) -> Option<Response> {
        let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let (at, r) = shared.get(url)?;
        (at.elapsed() < max_age).then(|| Response {
            reused: true,
            ..r.clone()
        })
    }

    fn shared_put(&self, url: &str, r: &Response) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: entries older than the longest sharing window (1 h) are of no use.
        if shared.len() > 4096 {
            shared.retain(|_, (at, _)| at.elapsed() < Duration::from_secs(3600));
        }
        shared.insert(url.to_owned(), (Instant::now(), r.clone()));
    }
}

/// How a request authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthStyle {
    Bearer,
    /// PagerDuty: `Token token=...` unless the value already names its scheme.
    PagerDuty,
    None,
}

/// One upstream API as a fetch sees it: base URL, token, headers, and what to say on errors.
pub struct Api<'a> {
    pub http: &'a Http,
    pub source: Source,
    pub base: String,
    pub host_key: String,
    token: Option<super::config::Secret>,
    token_env: Option<String>,
    auth: AuthStyle,
    headers: Vec<(&'static str, &'static str)>,
    timeout: Option<Duration>,
}

/// Per request: whether to use ETags, and how long another target may reuse the response.
#[derive(Clone, Copy, Debug, Default)]
pub struct GetOptions {
    pub etag: bool,
    pub share_for: Option<Duration>,
}

impl<'a> Api<'a> {
    pub fn new(
        http: &'a Http,
        config: &StatusConfig,
        source: Source,
        auth: AuthStyle,
    ) -> Result<Api<'a>, FetchError> {
        let resolved = config.resolve(source);
        let base = resolved.base_url.ok_or_else(|| {
            FetchError::Config(format!(
                "{} has no base_url: set [status.{}] base_url in the config file",
                source.label(),
                source.as_str()
            ))
        })?;
        Ok(Api {
            http,
            source,
            host_key: host_key(source, &base),
            base,
            token: config.token(source),
            token_env: resolved.token_env,
            auth,
            headers: Vec::new(),
            timeout: None,
        })
    }

    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Stops before any request when the token this source must have is missing.
    pub fn require_token(&self) -> Result<(), FetchError> {
        if self.token.is_some() {
            return Ok(());
        }
        Err(FetchError::Auth(match &self.token_env {
            Some(var) => format!(
                "{} needs a token: set the environment variable {var}",
                self.source.label()
            ),
            None => format!(
                "{} needs a token: set token_env in [status.{}]",
                self.source.label(),
                self.source.as_str()
            ),
        }))
    }

    /// GET `base + path_and_query`; 2xx and 304 come back, everything else is a `FetchError`.
    pub async fn get(
        &self,
        path_and_query: &str,
        opts: GetOptions,
    ) -> Result<Response, FetchError> {
        let url = format!("{}{path_and_query}", self.base);
        if let Some(max_age) = opts.share_for
            && let Some(r) = self.http.shared_get(&url, max_age)
        {
            return Ok(r);
        }
        let mut req = self.http.client.get(&url);
        for (k, v) in &self.headers {
            req = req.header(*k, *v);
        }
        if let Some(t) = self.timeout {
            req = req.timeout(t);
        }
        if let Some(token) = &self.token {
            let value = match self.auth {
                AuthStyle::Bearer => Some(format!("Bearer {}", token.expose())),
                AuthStyle::PagerDuty => {
                    let t = token.expose();
                    Some(if t.starts_with("Token ") || t.starts_with("Bearer ") {
                        t.to_owned()
                    } else {
                        format!("Token token={t}")
                    })
                }
                AuthStyle::None => None,
            };
            if let Some(v) = value
                && let Ok(mut hv) = HeaderValue::from_str(&v)
            {
                hv.set_sensitive(true);
                req = req.header(reqwest::header::AUTHORIZATION, hv);
            }
        }
        let cached = if opts.etag {
            let etags = self.http.etags.lock().unwrap_or_else(|e| e.into_inner());
            etags.get(&url).cloned()
        } else {
            None
        };
        if let Some(c) = &cached {
            // Verbatim, quotes included: stripped quotes never match (octokit.js#2563).
            req = req.header(reqwest::header::IF_NONE_MATCH, &c.etag);
        }
        let timeout = self.timeout;
        let resp = req.send().await.map_err(|e| map_reqwest(&e, timeout))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = read_body(resp, crate::limits::STATUS_BODY_BYTES, timeout).await?;
        let response = Response {
            status: status.as_u16(),
            headers,
            body,
            reused: false,
        };
        self.note_rate_limit(&response);
        if status == StatusCode::NOT_MODIFIED
            && let Some(c) = cached
        {
            let r = Response {
                body: c.body,
                reused: true,
                ..response
            };
            if opts.share_for.is_some() {
                self.http.shared_put(&url, &r);
            }
            return Ok(r);
        }
        if !status.is_success() {
            return Err(self.classify(&response));
        }
        if opts.etag
            && let Some(etag) = response.headers.get(reqwest::header::ETAG)
            && let Ok(etag) = etag.to_str()
        {
            let mut etags = self.http.etags.lock().unwrap_or_else(|e| e.into_inner());
            etags.insert(
                url.clone(),
                Validated {
                    etag: etag.to_owned(),
                    body: response.body.clone(),
                },
            );
        }
        if opts.share_for.is_some() {
            self.http.shared_put(&url, &response);
        }
        Ok(response)
    }

    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path_and_query: &str,
        opts: GetOptions,
    ) -> Result<T, FetchError> {
        self.get(path_and_query, opts).await?.json()
    }

    /// A successful response that used the last request of the window still blocks the host
    /// until the window resets, so the next request does not earn a 403.
    fn note_rate_limit(&self, r: &Response) {
        if (200..300).contains(&r.status)
            && let Some(wait) = exhausted_quota_wait(self.source, &r.headers)
        {
            self.http.gate(&self.host_key, 1).block_for(wait);
        }
    }

    fn classify(&self, r: &Response) -> FetchError {
        let message = error_message(&r.body);
        if let Some(wait) = rate_limit_wait(self.source, r) {
            let wait_text = wait.map_or_else(
                || "backing off".to_owned(),
                |w| format!("waiting {}s", w.as_secs().max(1)),
            );
            return FetchError::RateLimited {
                wait,
                message: format!(
                    "{} rate limit ({}): {wait_text}",
                    self.source.label(),
                    r.status
                ),
            };
        }
        match r.status {
            401 | 403 => {
                let fix = match &self.token_env {
                    Some(var) if self.token.is_some() => {
                        format!("check the token in the environment variable {var}")
                    }
                    Some(var) => format!("set the environment variable {var}"),
                    None => format!("set token_env in [status.{}]", self.source.as_str()),
                };
                FetchError::Auth(format!(
                    "{} refused the credentials ({} {}): {fix}",
                    self.source.label(),
                    r.status,
                    if message.is_empty() {
                        reason(r.status)
                    } else {
                        &message
                    }
                ))
            }
            status => FetchError::Status {
                status,
                message: if message.is_empty() {
                    reason(status).to_owned()
                } else {
                    message
                },
            },
        }
    }
}

fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
}

/// `source@host:port`: requests to one API on one host share a gate.
pub fn host_key(source: Source, url: &str) -> String {
    let authority = url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
        })
        .unwrap_or_else(|| url.to_owned());
    format!("{}@{authority}", source.as_str())
}

pub(crate) fn map_reqwest(e: &reqwest::Error, timeout: Option<Duration>) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout(timeout.unwrap_or(Duration::from_secs(10)))
    } else if e.is_connect() {
        FetchError::Connect(root_cause(e))
    } else if e.is_decode() || e.is_body() {
        FetchError::Decode(root_cause(e))
    } else {
        FetchError::Connect(root_cause(e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The upstream's own error text, from the shapes the APIs use (first 200 characters).
fn error_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => [
            v.pointer("/error/message"),
            v.get("message"),
            v.get("error"),
            v.pointer("/errors/0/message"),
        ]
        .into_iter()
        .flatten()
        .find_map(|m| m.as_str().map(str::to_owned))
        .unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    };
    text.chars().take(200).collect()
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// `Some(wait)` when the response is a rate limit; the wait is `None` when no header says how
/// long (the scheduler then backs off). GitHub: `retry-after`, else `x-ratelimit-reset` when
/// `x-ratelimit-remaining: 0`, else the secondary-limit message means at least a minute.
/// PagerDuty: `ratelimit-reset` seconds. GitLab: `Retry-After`, else `RateLimit-Reset` epoch.
pub fn rate_limit_wait(source: Source, r: &Response) -> Option<Option<Duration>> {
    let now = SystemTime::now();
    let h = &r.headers;
    let retry_after = h
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now));
    match (source, r.status) {
        (Source::GitHub, 403 | 429) => {
            if retry_after.is_some() {
                return Some(retry_after);
            }
            if header_u64(h, "x-ratelimit-remaining") == Some(0) {
                return Some(header_u64(h, "x-ratelimit-reset").map(|e| until_epoch(e, now)));
            }
            let text = String::from_utf8_lossy(&r.body).to_lowercase();
            if r.status == 429 || text.contains("secondary rate limit") {
                return Some(Some(Duration::from_secs(60)));
            }
            None
        }
        (_, 429) => Some(
            retry_after.or_else(|| header_u64(h, "ratelimit-reset").map(|s| reset_value(s, now))),
        ),
        (_, 503) if retry_after.is_some() => Some(retry_after),
        _ => None,
    }
}

/// `ratelimit-reset` is seconds from now at PagerDuty and an epoch at GitLab: a value larger
/// than a day of seconds can only be an epoch.
fn reset_value(v: u64, now: SystemTime) -> Duration {
    if v > 86_400 {
        until_epoch(v, now)
    } else {
        Duration::from_secs(v)
    }
}

/// How long to hold the host after a successful response, from its quota headers: until the
/// reset when the quota is spent, and pacing (the time left shared among the requests left)
/// once under 10% remains, so the quota lasts until the window resets.
fn exhausted_quota_wait(source: Source, h: &HeaderMap) -> Option<Duration> {
    let now = SystemTime::now();
    let (limit, remaining, reset) = match source {
        Source::GitHub => (
            header_u64(h, "x-ratelimit-limit"),
            header_u64(h, "x-ratelimit-remaining")?,
            header_u64(h, "x-ratelimit-reset").map(|e| until_epoch(e, now))?,
        ),
        Source::PagerDuty | Source::GitLab => (
            header_u64(h, "ratelimit-limit"),
            header_u64(h, "ratelimit-remaining")?,
            header_u64(h, "ratelimit-reset").map(|s| reset_value(s, now))?,
        ),
        _ => return None,
    };
    if remaining == 0 {
        Some(reset)
    } else if limit.is_some_and(|l| remaining * 10 < l) {
        Some(reset / remaining as u32)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&'static str, &str)], body: &str) -> Response {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        Response {
            status,
            headers: h,
            body: Bytes::from(body.to_owned()),
            reused: false,
        }
    }

    #[test]
    fn github_rate_limits_are_told_from_permission_errors() {
        let body = include_str!(
            "../../../../tests/fixtures/status/github-error-primary-rate-limit-403.json"
        );
        let reset = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 120;
        let primary = response(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset.to_string()),
            ],
            body,
        );
        let wait = rate_limit_wait(Source::GitHub, &primary).unwrap().unwrap();
        assert!(
            wait > Duration::from_secs(110) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );

        let secondary_body = include_str!(
            "../../../../tests/fixtures/status/github-error-secondary-rate-limit.json"
        );
        let secondary = response(403, &[("retry-after", "30")], secondary_body);
        assert_eq!(
            rate_limit_wait(Source::GitHub, &secondary),
            Some(Some(Duration::from_secs(30)))
        );
        let secondary_bare = response(403, &[("x-ratelimit-remaining", "12")], secondary_body);
        assert_eq!(
            rate_limit_wait(Source::GitHub, &secondary_bare),
            Some(Some(Duration::from_secs(60)))
        );

        let forbidden = response(
            403,
            &[("x-ratelimit-remaining", "4999")],
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert_eq!(rate_limit_wait(Source::GitHub, &forbidden), None);
    }

    #[test]
    fn pagerduty_and_gitlab_resets() {
        let body = include_str!("../../../../tests/fixtures/status/pagerduty-error-429.json");
        let pd = response(
            429,
            &[("ratelimit-remaining", "0"), ("ratelimit-reset", "20")],
            body,
        );
        assert_eq!(
            rate_limit_wait(Source::PagerDuty, &pd),
            Some(Some(Duration::from_secs(20)))
        );
        let bare = response(429, &[], "");
        assert_eq!(rate_limit_wait(Source::PagerDuty, &bare), Some(None));
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(45));
        let gl = response(429, &[("retry-after", &date)], "Retry later");
        let wait = rate_limit_wait(Source::GitLab, &gl).unwrap().unwrap();
        assert!(wait >= Duration::from_secs(43), "{wait:?}");
        assert_eq!(
            rate_limit_wait(Source::GitLab, &response(500, &[], "")),
            None
        );
    }

    #[test]
    fn error_messages_come_from_each_shape() {
        let pd = include_str!("../../../../tests/fixtures/status/pagerduty-error-generic.json");
        assert!(!error_message(pd.as_bytes()).is_empty());
        let argo = include_str!("../../../../tests/fixtures/status/argocd-error-404.json");
        assert!(error_message(argo.as_bytes()).contains("not found"));
        assert_eq!(error_message(b"Retry later\n"), "Retry later");
    }

    #[test]
    fn a_spent_or_low_quota_holds_the_host() {
        let epoch = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let h = |remaining: &str, reset: u64| {
            response(
                200,
                &[
                    ("x-ratelimit-limit", "5000"),
                    ("x-ratelimit-remaining", remaining),
                    ("x-ratelimit-reset", &(epoch + reset).to_string()),
                ],
                "",
            )
            .headers
        };
        let spent = exhausted_quota_wait(Source::GitHub, &h("0", 100)).unwrap();
        assert!(spent > Duration::from_secs(95), "{spent:?}");
        let low = exhausted_quota_wait(Source::GitHub, &h("100", 1000)).unwrap();
        assert!(
            low > Duration::from_secs(8) && low <= Duration::from_secs(10),
            "{low:?}"
        );
        assert_eq!(exhausted_quota_wait(Source::GitHub, &h("4000", 1000)), None);
        let pd = response(
            200,
            &[
                ("ratelimit-limit", "960"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", "20"),
            ],
            "",
        );
        assert_eq!(
            exhausted_quota_wait(Source::PagerDuty, &pd.headers),
            Some(Duration::from_secs(20))
        );
    }

    /// What may be in flight between the server's counter and the reader: socket buffers on
    /// both sides of a loopback connection (the server's send buffer is made small).
    pub(crate) const SOCKET_SLACK: u64 = 8 * 1024 * 1024;

    #[tokio::test]
    async fn status_bodies_stop_at_the_limit_whatever_the_server_sends() {
        use crate::limits::STATUS_BODY_BYTES;
        use crate::test_body_server::{Body, start};
        for body in [Body::Endless, Body::Announced2Gb] {
            let server = start(body);
            let config: StatusConfig =
                toml::from_str(&format!("[prometheus]\nbase_url = \"{}\"\n", server.url)).unwrap();
            let http = Http::new(&config);
            let api = Api::new(&http, &config, Source::Prometheus, AuthStyle::None).unwrap();
            let e = api
                .get("/api/v1/query?query=up", GetOptions::default())
                .await
                .unwrap_err();
            let served = server.served();
            match body {
                Body::Endless => {
                    assert_eq!(
                        e,
                        FetchError::TooLarge {
                            limit: STATUS_BODY_BYTES,
                            declared: None
                        }
                    );
                    assert!(
                        served > STATUS_BODY_BYTES && served <= STATUS_BODY_BYTES + SOCKET_SLACK,
                        "{served} bytes served"
                    );
                    assert!(e.to_string().contains("stopped reading it"), "{e}");
                }
                Body::Announced2Gb => {
                    assert_eq!(
                        e,
                        FetchError::TooLarge {
                            limit: STATUS_BODY_BYTES,
                            declared: Some(2_147_483_648)
                        }
                    );
                    assert_eq!(served, 0);
                }
            }
        }
    }

    #[test]
    fn host_keys_separate_apis_on_one_host() {
        assert_eq!(
            host_key(Source::GitHub, "https://api.github.com"),
            "github@api.github.com:443"
        );
        assert_ne!(
            host_key(Source::GitHub, "http://127.0.0.1:9/github"),
            host_key(Source::PagerDuty, "http://127.0.0.1:9/pagerduty")
        );
    }
}
