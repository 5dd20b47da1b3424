//! The typed values fetchers produce: plain data, no terminal in it. Timestamps are kept as the
//! upstream wrote them (RFC 3339) so nothing is lost; `Level` says good or bad at a glance.

use serde::Serialize;
use serde_json::Value;

/// How a value looks at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Ok,
    /// In progress, pending, degraded but serving.
    Busy,
    Warning,
    Critical,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "data")]
pub enum StatusValue {
    OnCall(OnCall),
    Incidents(Vec<Incident>),
    Service(PdServiceStatus),
    Builds(Vec<Build>),
    Deployments(Vec<Deployment>),
    Apps(Vec<ArgoApp>),
    Metric(Metric),
    Alerts(Vec<Alert>),
    Health(Health),
    Command(CommandResult),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedRef {
    pub id: String,
    pub name: String,
    pub url: Option<String>,
}

/// Who is on call now for a service: the lowest escalation level, one entry per user.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnCall {
    pub service: Option<NamedRef>,
    pub escalation_policy: Option<NamedRef>,
    pub entries: Vec<OnCallEntry>,
    /// Every level, for the escalation column.
    pub levels: Vec<EscalationLevel>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EscalationLevel {
    pub level: u32,
    pub names: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnCallEntry {
    pub user_id: String,
    pub name: String,
    pub email: Option<String>,
    pub level: u32,
    pub schedule: Option<String>,
    pub start: Option<String>,
    /// `None`: a permanent on-call (a user named directly in the escalation policy).
    pub until: Option<String>,
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub id: String,
    pub number: Option<u64>,
    pub title: String,
    /// triggered | acknowledged | resolved
    pub status: String,
    /// high | low
    pub urgency: String,
    pub priority: Option<String>,
    pub created_at: String,
    pub url: Option<String>,
    pub assignees: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PdServiceStatus {
    pub id: String,
    pub name: String,
    /// active | warning | critical | maintenance | disabled
    pub status: String,
    pub url: Option<String>,
    pub escalation_policy: Option<NamedRef>,
}

/// A CI run's state, the same for GitHub Actions and GitLab pipelines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildState {
    Queued,
    Running,
    Success,
    Failure,
    Cancelled,
    Skipped,
    TimedOut,
    Waiting,
    Unknown,
}

impl BuildState {
    pub fn is_active(self) -> bool {
        matches!(
            self,
            BuildState::Queued | BuildState::Running | BuildState::Waiting
        )
    }

    pub fn level(self) -> Level {
        match self {
            BuildState::Success | BuildState::Skipped => Level::Ok,
            BuildState::Queued | BuildState::Running | BuildState::Waiting => Level::Busy,
            BuildState::Cancelled | BuildState::TimedOut => Level::Warning,
            BuildState::Failure => Level::Critical,
            BuildState::Unknown => Level::Unknown,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Build {
    pub id: u64,
    pub name: Option<String>,
    pub number: Option<u64>,
    pub state: BuildState,
    /// The upstream's own words (`in_progress`, `completed`, `failed`, ...).
    pub status: String,
    pub conclusion: Option<String>,
    pub branch: Option<String>,
    pub commit: Option<String>,
    pub title: Option<String>,
    pub started_at: Option<String>,
    pub updated_at: Option<String>,
    pub url: Option<String>,
    pub actor: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rollout {
    Complete,
    Progressing,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub name: String,
    pub namespace: String,
    pub desired: u64,
    pub ready: u64,
    pub available: u64,
    pub updated: u64,
    pub rollout: Rollout,
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArgoApp {
    pub name: String,
    /// Synced | OutOfSync | Unknown
    pub sync: String,
    /// Healthy | Progressing | Degraded | Suspended | Missing | Unknown
    pub health: String,
    pub health_message: Option<String>,
    pub revision: Option<String>,
    /// Running | Succeeded | Failed | Error | Terminating
    pub operation: Option<String>,
    pub reconciled_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub query: String,
    pub dimension: Option<String>,
    pub series: Vec<Series>,
    pub range_secs: u64,
    pub step_secs: u64,
}

/// One line of a metric: the instant value and the recent range for a sparkline.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Series {
    pub label: String,
    pub value: Option<f64>,
    /// `(unix seconds, value)`, oldest first; `NaN` samples dropped.
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub name: String,
    /// firing | pending
    pub state: String,
    pub severity: Option<String>,
    pub summary: Option<String>,
    pub active_at: Option<String>,
    pub value: Option<f64>,
    pub labels: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub url: String,
    pub status_code: u16,
    pub latency_ms: u64,
    /// The status read from the JSON body (`UP`, `DOWN`, ...), if any.
    pub body_status: Option<String>,
    pub healthy: bool,
    /// Spring Boot `components.<name>.status`, when the body has them.
    pub components: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandResult {
    /// `None` when the program was ended by a signal.
    pub exit_code: Option<i32>,
    pub success: bool,
    pub json: Option<Value>,
    /// The first line of stdout (or stderr when stdout is empty), trimmed.
    pub summary: String,
}

impl StatusValue {
    pub fn level(&self) -> Level {
        match self {
            StatusValue::OnCall(o) if o.entries.is_empty() => Level::Warning,
            StatusValue::OnCall(_) => Level::Ok,
            StatusValue::Incidents(list) => {
                if list
                    .iter()
                    .any(|i| i.status == "triggered" && i.urgency == "high")
                {
                    Level::Critical
                } else if list.is_empty() {
                    Level::Ok
                } else {
                    Level::Warning
                }
            }
            StatusValue::Service(s) => match s.status.as_str() {
                "active" => Level::Ok,
                "warning" => Level::Warning,
                "critical" => Level::Critical,
                "maintenance" | "disabled" => Level::Busy,
                _ => Level::Unknown,
            },
            StatusValue::Builds(b) => b.first().map_or(Level::Unknown, |b| {
                // A running build over a red one is still red until it finishes.
                if b.state.is_active() {
                    Level::Busy
                } else {
                    b.state.level()
                }
            }),
            StatusValue::Deployments(d) => d
                .iter()
                .map(|d| match d.rollout {
                    Rollout::Failed => Level::Critical,
                    _ if d.ready == 0 && d.desired > 0 => Level::Critical,
                    Rollout::Progressing => Level::Busy,
                    Rollout::Complete if d.ready < d.desired => Level::Warning,
                    Rollout::Complete => Level::Ok,
                })
                .max()
                .unwrap_or(Level::Unknown),
            StatusValue::Apps(apps) => apps
                .iter()
                .map(|a| match (a.health.as_str(), a.sync.as_str()) {
                    ("Degraded" | "Missing", _) => Level::Critical,
                    ("Progressing", _) => Level::Busy,
                    ("Healthy", "Synced") => Level::Ok,
                    ("Healthy", _) | ("Suspended", _) => Level::Warning,
                    _ => Level::Unknown,
                })
                .max()
                .unwrap_or(Level::Unknown),
            StatusValue::Metric(_) => Level::Ok,
            StatusValue::Alerts(a) => {
                if a.iter().any(|a| a.state == "firing") {
                    Level::Critical
                } else if a.is_empty() {
                    Level::Ok
                } else {
                    Level::Warning
                }
            }
            StatusValue::Health(h) => {
                if h.healthy {
                    Level::Ok
                } else {
                    Level::Critical
                }
            }
            StatusValue::Command(c) => {
                if c.success {
                    Level::Ok
                } else {
                    Level::Critical
                }
            }
        }
    }

    /// One line for the CLI and compact widgets.
    pub fn summary(&self) -> String {
        match self {
            StatusValue::OnCall(o) => {
                if o.entries.is_empty() {
                    return "nobody on call".into();
                }
                let names: Vec<&str> = o.entries.iter().map(|e| e.name.as_str()).collect();
                let until = o.entries.iter().filter_map(|e| e.until.as_deref()).min();
                match until {
                    Some(u) => format!("{} until {u}", names.join(", ")),
                    None => format!("{} (permanent)", names.join(", ")),
                }
            }
            StatusValue::Incidents(list) if list.is_empty() => "no open incidents".into(),
            StatusValue::Incidents(list) => {
                let triggered = list.iter().filter(|i| i.status == "triggered").count();
                format!(
                    "{} open ({triggered} triggered): {}",
                    list.len(),
                    list[0].title
                )
            }
            StatusValue::Service(s) => format!("{} is {}", s.name, s.status),
            StatusValue::Builds(b) => match b.first() {
                None => "no runs".into(),
                Some(r) => format!(
                    "{} #{} {} on {}",
                    r.name.as_deref().unwrap_or("run"),
                    r.number.map_or_else(|| r.id.to_string(), |n| n.to_string()),
                    r.conclusion.as_deref().unwrap_or(&r.status),
                    r.branch.as_deref().unwrap_or("?")
                ),
            },
            StatusValue::Deployments(d) if d.is_empty() => "no deployments".into(),
            StatusValue::Deployments(d) => d
                .iter()
                .map(|d| format!("{} {}/{} ready", d.name, d.ready, d.desired))
                .collect::<Vec<_>>()
                .join(", "),
            StatusValue::Apps(a) if a.is_empty() => "no applications".into(),
            StatusValue::Apps(a) => a
                .iter()
                .map(|a| format!("{} {} {}", a.name, a.sync, a.health))
                .collect::<Vec<_>>()
                .join(", "),
            StatusValue::Metric(m) if m.series.is_empty() => format!("{}: no data", m.query),
            StatusValue::Metric(m) => {
                let values: Vec<String> = m
                    .series
                    .iter()
                    .take(3)
                    .map(|s| {
                        let v = s.value.map_or_else(|| "–".into(), format_number);
                        if s.label.is_empty() {
                            v
                        } else {
                            format!("{}={v}", s.label)
                        }
                    })
                    .collect();
                format!("{}: {}", m.query, values.join(" "))
            }
            StatusValue::Alerts(a) if a.is_empty() => "no alerts".into(),
            StatusValue::Alerts(a) => {
                let firing = a.iter().filter(|a| a.state == "firing").count();
                let names: Vec<&str> = a.iter().map(|a| a.name.as_str()).collect();
                format!(
                    "{firing} firing, {} pending: {}",
                    a.len() - firing,
                    names.join(", ")
                )
            }
            StatusValue::Health(h) => format!(
                "{} {}{} in {} ms",
                if h.healthy { "healthy" } else { "unhealthy" },
                h.status_code,
                h.body_status
                    .as_deref()
                    .map(|s| format!(" {s}"))
                    .unwrap_or_default(),
                h.latency_ms
            ),
            StatusValue::Command(c) => format!(
                "exit {}{}",
                c.exit_code
                    .map_or_else(|| "by signal".into(), |c| c.to_string()),
                if c.summary.is_empty() {
                    String::new()
                } else {
                    format!(": {}", c.summary)
                }
            ),
        }
    }
}

/// `0.42`, `17`, `1.2k`, `3.4M`: short enough for a widget.
pub fn format_number(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        format!("{v}")
    } else if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a == a.trunc() {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}
