//! The fetchers: one per upstream, behind one trait. A fetcher turns a `Target` into a
//! `StatusValue` with as few requests as the API allows; scheduling, gating and retrying are
//! the scheduler's job.

pub mod argocd;
pub mod command;
pub mod github;
pub mod gitlab;
pub mod health;
pub mod kubernetes;
pub mod pagerduty;
pub mod prometheus;

use super::config::StatusConfig;
use super::http::{FetchError, Http, host_key};
use super::target::{Query, Source, Target};
use super::value::StatusValue;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Fetched, FetchError>> + Send + 'a>>;

/// A fetched value, and when the fetcher would like to look again if sooner than the interval
/// (a build is running; an on-call shift ends).
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    pub value: StatusValue,
    pub next_in: Option<Duration>,
}

impl Fetched {
    pub fn new(value: StatusValue) -> Fetched {
        Fetched {
            value,
            next_in: None,
        }
    }
}

/// What a fetch may use.
pub struct FetchContext {
    pub http: Arc<Http>,
    pub config: Arc<StatusConfig>,
}

pub trait Fetcher: Send + Sync {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a>;
}

/// The fetcher for a source.
pub fn fetcher(source: Source) -> &'static dyn Fetcher {
    match source {
        Source::PagerDuty => &pagerduty::PagerDuty,
        Source::GitHub => &github::GitHub,
        Source::GitLab => &gitlab::GitLab,
        Source::ArgoCd => &argocd::ArgoCd,
        Source::Kubernetes => &kubernetes::Kubernetes,
        Source::Prometheus => &prometheus::Prometheus,
        Source::Health => &health::HealthCheck,
        Source::Command => &command::CommandRunner,
    }
}

/// The gate a target's requests go through, and how many requests it lets in at once.
pub fn gate_of(target: &Target, config: &StatusConfig) -> (String, usize) {
    let permits = config.resolve(target.source).concurrency;
    let key = match (&target.query, target.source) {
        (Query::Health { url, .. }, _) => host_key(Source::Health, url),
        (Query::Command { name, .. }, _) => format!("command@{name}"),
        (_, source) => host_key(
            source,
            config.resolve(source).base_url.as_deref().unwrap_or(""),
        ),
    };
    (key, permits)
}

pub(crate) fn wrong_query(target: &Target) -> FetchError {
    FetchError::Config(format!(
        "target {} does not belong to {}",
        target.id,
        target.source.label()
    ))
}

/// Percent-encodes a query-string or path-segment value.
pub(crate) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Percent-encodes a path segment (GitLab wants `group%2Fproject`, spaces as `%20`).
pub(crate) fn enc_segment(s: &str) -> String {
    enc(s).replace('+', "%20")
}
