//! The `[status]` part of the config file: where each upstream lives, the *name* of the
//! environment variable holding its token, how often to poll, and user-defined command sources.
//!
//! ```toml
//! [status]
//! user = "ada@example.com"          # "my on-call": PagerDuty email or user id, or a User ref
//! max_in_flight = 16                # requests in flight across all hosts
//! connect_timeout = "4s"
//! request_timeout = "10s"
//!
//! [status.pagerduty]                # annotations pagerduty.com/service-id | integration-key
//! base_url = "https://api.pagerduty.com"
//! token_env = "PAGERDUTY_TOKEN"     # the variable's NAME; the token itself never goes here
//! interval = "5m"                   # service status; on-call and incidents below
//! intervals = { oncall = "5m", incidents = "60s" }
//!
//! [status.github]                   # github.com/project-slug
//! token_env = "GITHUB_TOKEN"
//!
//! [status.gitlab]                   # gitlab.com/project-id | project-slug
//! base_url = "https://gitlab.example.com/api/v4"
//!
//! [status.argocd]                   # argocd/app-name | argocd/app-selector
//! base_url = "https://argocd.example.com"
//! token_env = "ARGOCD_TOKEN"
//!
//! [status.kubernetes]               # backstage.io/kubernetes-id | kubernetes-label-selector
//! base_url = "https://k8s.example.com:6443"
//! token_env = "KUBERNETES_TOKEN"
//!
//! [status.prometheus]               # prometheus.io/rule, prometheus.io/alert
//! base_url = "http://prometheus.example.com:9090"
//! range = "30m"                     # sparkline window and step
//! step = "1m"
//! intervals = { alerts = "60s" }
//!
//! [status.health]                   # greenroom.dev/health-url
//! timeout = "5s"
//! [[status.health.rewrite]]         # send https://<x>.internal.example/... elsewhere
//! suffix = ".internal.example"
//! base = "http://127.0.0.1:8080/_hosts"   # becomes <base>/<host>/<path>
//!
//! [[status.command]]                # a status from any program; never run through a shell
//! name = "canary"
//! program = "/usr/local/bin/canary-status"
//! args = ["--service", "{name}", "--namespace", "{namespace}"]
//! kinds = ["Component"]             # default Component
//! annotation = "example.com/canary" # only entities carrying it (optional)
//! json = true                       # read stdout as JSON
//! interval = "60s"
//! timeout = "10s"
//! ```
//!
//! Command arguments come from the catalogue, so write them as `--service={name}` or after
//! `--`, where a value cannot pose as an option. The program inherits greenroom's environment.
//!
//! Every source also takes `enabled = false`, `concurrency = N` (requests at once per host;
//! GitHub and PagerDuty are always 1) and `interval`. Durations are `500ms`, `30s`, `5m`, `1h`.

use super::target::{Source, Widget};
use super::time::parse_duration;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Secs(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => parse_duration(&t).map_err(serde::de::Error::custom),
    }
}

fn de_opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    de_duration(d).map(Some)
}

fn de_duration_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Duration>, D::Error> {
    let raw = BTreeMap::<String, String>::deserialize(d)?;
    raw.into_iter()
        .map(|(k, v)| {
            parse_duration(&v)
                .map(|d| (k, d))
                .map_err(serde::de::Error::custom)
        })
        .collect()
}

/// A token read from the environment. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The token, for building one request header; never for printing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusConfig {
    /// `false` turns every fetcher off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Who "my on-call" is about: a PagerDuty email or user id, or a catalogue User ref whose
    /// profile email is used.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default = "default_in_flight")]
    pub max_in_flight: usize,
    #[serde(default = "default_connect", deserialize_with = "de_duration")]
    pub connect_timeout: Duration,
    #[serde(default = "default_request", deserialize_with = "de_duration")]
    pub request_timeout: Duration,
    /// Full-jitter exponential backoff after failures: `rand(0, min(cap, base·2^n))`.
    #[serde(default = "default_backoff_base", deserialize_with = "de_duration")]
    pub backoff_base: Duration,
    #[serde(default = "default_backoff_cap", deserialize_with = "de_duration")]
    pub backoff_cap: Duration,
    /// Quick retries before falling back to the normal interval (with the error shown).
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// ± fraction of each interval, so many targets never poll one host in lockstep.
    #[serde(default = "default_jitter")]
    pub jitter: f64,
    #[serde(default)]
    pub pagerduty: SourceSettings,
    #[serde(default)]
    pub github: SourceSettings,
    #[serde(default)]
    pub gitlab: SourceSettings,
    #[serde(default)]
    pub argocd: SourceSettings,
    #[serde(default)]
    pub kubernetes: SourceSettings,
    #[serde(default)]
    pub prometheus: SourceSettings,
    #[serde(default)]
    pub health: HealthSettings,
    #[serde(default, rename = "command")]
    pub commands: Vec<CommandSource>,
    /// Set when every source points at the in-process fake: the UI says "demo data".
    #[serde(skip)]
    pub demo: bool,
}

fn yes() -> bool {
    true
}
fn default_in_flight() -> usize {
    16
}
fn default_connect() -> Duration {
    Duration::from_secs(4)
}
fn default_request() -> Duration {
    Duration::from_secs(10)
}
fn default_backoff_base() -> Duration {
    Duration::from_secs(1)
}
fn default_backoff_cap() -> Duration {
    Duration::from_secs(300)
}
fn default_retries() -> u32 {
    5
}
fn default_jitter() -> f64 {
    0.15
}

impl Default for StatusConfig {
    fn default() -> Self {
        toml::from_str("").expect("an empty [status] table is valid")
    }
}

/// One upstream API.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    pub enabled: Option<bool>,
    pub base_url: Option<String>,
    /// Name of the environment variable that holds the token.
    pub token_env: Option<String>,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub interval: Option<Duration>,
    /// Per-widget intervals: `oncall`, `incidents`, `service`, `builds`, `deployments`, `sync`,
    /// `metric`, `alerts`.
    #[serde(default, deserialize_with = "de_duration_map")]
    pub intervals: BTreeMap<String, Duration>,
    pub concurrency: Option<usize>,
    /// Prometheus: the sparkline's window and step.
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub range: Option<Duration>,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub step: Option<Duration>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSettings {
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub interval: Option<Duration>,
    /// The whole check's budget; latency is the measurement, so tighter than requests.
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub timeout: Option<Duration>,
    pub concurrency: Option<usize>,
    #[serde(default)]
    pub rewrite: Vec<HostRewrite>,
}

/// Sends health checks for hosts ending in `suffix` to `base/<host>/<path>` instead.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HostRewrite {
    pub suffix: String,
    pub base: String,
}

/// A status read from a program. Each of `args` becomes exactly one argv element after
/// `{ref}`, `{kind}`, `{namespace}`, `{name}`, `{owner}` and `{annotation:KEY}` are filled in.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSource {
    pub name: String,
    pub program: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Entity kinds it applies to (default: Component).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Only entities that carry this annotation.
    pub annotation: Option<String>,
    #[serde(default)]
    pub json: bool,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub interval: Option<Duration>,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub timeout: Option<Duration>,
}

/// A source's settings with defaults filled in.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub enabled: bool,
    pub base_url: Option<String>,
    pub token_env: Option<String>,
    pub concurrency: usize,
}

impl StatusConfig {
    pub fn settings(&self, source: Source) -> Option<&SourceSettings> {
        match source {
            Source::PagerDuty => Some(&self.pagerduty),
            Source::GitHub => Some(&self.github),
            Source::GitLab => Some(&self.gitlab),
            Source::ArgoCd => Some(&self.argocd),
            Source::Kubernetes => Some(&self.kubernetes),
            Source::Prometheus => Some(&self.prometheus),
            Source::Health | Source::Command => None,
        }
    }

    /// Defaults: the public SaaS endpoints and their usual variable names; self-hosted systems
    /// (Argo CD, Kubernetes, Prometheus) are off until given a `base_url`.
    pub fn resolve(&self, source: Source) -> Resolved {
        let (default_url, default_env) = match source {
            Source::PagerDuty => (Some("https://api.pagerduty.com"), Some("PAGERDUTY_TOKEN")),
            Source::GitHub => (Some("https://api.github.com"), Some("GITHUB_TOKEN")),
            Source::GitLab => (Some("https://gitlab.com/api/v4"), Some("GITLAB_TOKEN")),
            Source::ArgoCd => (None, Some("ARGOCD_TOKEN")),
            Source::Kubernetes => (None, Some("KUBERNETES_TOKEN")),
            Source::Prometheus | Source::Health | Source::Command => (None, None),
        };
        let serial = matches!(source, Source::GitHub | Source::PagerDuty);
        match self.settings(source) {
            Some(s) => {
                let base_url = s
                    .base_url
                    .clone()
                    .or(default_url.map(String::from))
                    .map(|u| u.trim_end_matches('/').to_owned());
                Resolved {
                    enabled: self.enabled && s.enabled.unwrap_or(base_url.is_some()),
                    base_url,
                    token_env: s.token_env.clone().or(default_env.map(String::from)),
                    concurrency: if serial {
                        1
                    } else {
                        s.concurrency.unwrap_or(4).max(1)
                    },
                }
            }
            None => Resolved {
                enabled: self.enabled
                    && (source != Source::Health || self.health.enabled.unwrap_or(true)),
                base_url: None,
                token_env: None,
                concurrency: self.health.concurrency.unwrap_or(4).max(1),
            },
        }
    }

    /// The token for a source, read from its environment variable now (so a changed
    /// environment needs no restart). Empty counts as unset.
    pub fn token(&self, source: Source) -> Option<Secret> {
        if self.demo {
            // The in-process fake wants a credential, like the real APIs, but any will do.
            return Some(Secret("greenroom-demo".into()));
        }
        let var = self.resolve(source).token_env?;
        std::env::var(var)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(|t| Secret(t.trim().to_owned()))
    }

    /// How often a widget of a source is refreshed.
    pub fn interval(&self, source: Source, widget: Widget) -> Duration {
        let default = match widget {
            Widget::OnCall | Widget::Service => 300,
            Widget::Incidents | Widget::Builds | Widget::Alerts | Widget::Command => 60,
            Widget::Sync => 30,
            Widget::Deployments => 15,
            Widget::Metric | Widget::Health => 30,
        };
        let default = Duration::from_secs(default);
        match source {
            Source::Health => self.health.interval.unwrap_or(default),
            Source::Command => default,
            _ => {
                let s = self.settings(source).expect("an API source");
                s.intervals
                    .get(widget.as_str())
                    .copied()
                    .or(s.interval)
                    .unwrap_or(default)
            }
        }
        .max(Duration::from_millis(10))
    }

    pub fn command(&self, name: &str) -> Option<&CommandSource> {
        self.commands.iter().find(|c| c.name == name)
    }

    /// Where a health check for `url` really goes, after the `[[status.health.rewrite]]` rules.
    pub fn rewrite_health_url(&self, url: &str) -> String {
        let Ok(parsed) = url::Url::parse(url) else {
            return url.to_owned();
        };
        let Some(host) = parsed.host_str() else {
            return url.to_owned();
        };
        for r in &self.health.rewrite {
            let suffix = r.suffix.trim_start_matches('*');
            if host.ends_with(suffix) || host == suffix.trim_start_matches('.') {
                let mut out = format!("{}/{host}{}", r.base.trim_end_matches('/'), parsed.path());
                if let Some(q) = parsed.query() {
                    out.push('?');
                    out.push_str(q);
                }
                return out;
            }
        }
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> StatusConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_point_at_the_public_apis() {
        let c = StatusConfig::default();
        let pd = c.resolve(Source::PagerDuty);
        assert!(pd.enabled);
        assert_eq!(pd.base_url.as_deref(), Some("https://api.pagerduty.com"));
        assert_eq!(pd.token_env.as_deref(), Some("PAGERDUTY_TOKEN"));
        assert_eq!(pd.concurrency, 1);
        assert!(!c.resolve(Source::Prometheus).enabled, "needs a base_url");
        assert!(c.resolve(Source::Health).enabled);
        assert_eq!(
            c.interval(Source::GitHub, Widget::Builds),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn settings_parse_with_durations_and_overrides() {
        let c = parse(
            r#"
            user = "ada@encore.example"
            request_timeout = "2s"
            [pagerduty]
            token_env = "PD_KEY"
            intervals = { oncall = "90s" }
            concurrency = 8
            [prometheus]
            base_url = "http://127.0.0.1:9090/"
            interval = "250ms"
            [health]
            rewrite = [{ suffix = ".encore.example", base = "http://127.0.0.1:1/_hosts" }]
            [[command]]
            name = "canary"
            program = "/bin/echo"
            args = ["{name}"]
            "#,
        );
        assert_eq!(c.request_timeout, Duration::from_secs(2));
        assert_eq!(
            c.interval(Source::PagerDuty, Widget::OnCall),
            Duration::from_secs(90)
        );
        assert_eq!(c.resolve(Source::PagerDuty).concurrency, 1, "always serial");
        let prom = c.resolve(Source::Prometheus);
        assert!(prom.enabled);
        assert_eq!(prom.base_url.as_deref(), Some("http://127.0.0.1:9090"));
        assert_eq!(
            c.interval(Source::Prometheus, Widget::Metric),
            Duration::from_millis(250)
        );
        assert_eq!(
            c.rewrite_health_url("https://payments.encore.example/actuator/health?x=1"),
            "http://127.0.0.1:1/_hosts/payments.encore.example/actuator/health?x=1"
        );
        assert_eq!(
            c.rewrite_health_url("https://other.example/health"),
            "https://other.example/health"
        );
        assert_eq!(c.commands[0].args, ["{name}"]);
    }

    #[test]
    fn unknown_keys_and_bad_durations_are_errors() {
        assert!(toml::from_str::<StatusConfig>("[github]\ntoken = \"x\"\n").is_err());
        assert!(toml::from_str::<StatusConfig>("request_timeout = \"soon\"\n").is_err());
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let s = Secret::new("ghp_supersecret");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    }
}
