//! What the Status tab and the watch panes show of live status, as rows of styled pieces: each
//! widget's state (✔ ● ⚠ ✖ with words, never colour alone), its age, a stale marker, the error
//! with what to do about it, and the last good value kept under it. Everything from upstream
//! goes through `sanitize_line`. No terminal here.

use crate::catalog::Entity;
use crate::status::target::{
    ARGO_APP_NAME, ARGO_APP_SELECTOR, GITHUB_SLUG, GITLAB_ID, GITLAB_SLUG, HEALTH_URL, K8S_ID,
    K8S_SELECTOR, PD_INTEGRATION_KEY, PD_SERVICE_ID, PROM_ALERT, PROM_RULE,
};
use crate::status::time::parse_rfc3339;
use crate::status::value::{BuildState, Rollout, format_number};
use crate::status::{
    Entry, ErrorKind, Level, Source, State, StatusConfig, StatusValue, TargetId, Widget,
};
use crate::text::sanitize_line;
use crate::tui::entity::rows::{Piece, Row};
use crate::tui::theme::Role;
use std::collections::HashSet;
use tokio::time::Instant;

pub fn piece(text: impl Into<String>, role: Role) -> Piece {
    Piece {
        text: text.into(),
        role,
    }
}

fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// Shortens to `max` characters with an ellipsis.
fn short(s: &str, max: usize) -> String {
    crate::tui::views::fit(&clean(s), max)
}

/// How the rows are drawn: the clock, and the key that refreshes (for "press r").
pub struct Cx<'a> {
    pub now: Instant,
    pub unix: f64,
    pub demo: bool,
    pub refresh_key: &'a str,
    /// Widgets folded shut on this screen (node ids).
    pub collapsed: &'a HashSet<String>,
    /// Sources whose host cannot keep up with what is on screen (`GitHub`).
    pub behind: Vec<&'static str>,
}

/// Rows, and for each row the target it belongs to (to pin one widget).
#[derive(Default)]
pub struct StatusRows {
    pub rows: Vec<Row>,
    pub targets: Vec<Option<TargetId>>,
}

impl StatusRows {
    fn push(&mut self, row: Row, target: Option<&TargetId>) {
        self.rows.push(row);
        self.targets.push(target.cloned());
    }

    fn line(&mut self, depth: u16, pieces: Vec<Piece>, target: Option<&TargetId>) {
        self.push(
            Row {
                depth,
                pieces,
                ..Row::default()
            },
            target,
        );
    }

    fn blank(&mut self) {
        self.push(Row::default(), None);
    }
}

pub fn widget_title(w: Widget) -> &'static str {
    match w {
        Widget::OnCall => "On call",
        Widget::Incidents => "Incidents",
        Widget::Service => "Service",
        Widget::Builds => "CI runs",
        Widget::Deployments => "Deployment",
        Widget::Sync => "Argo CD",
        Widget::Metric => "Metric",
        Widget::Alerts => "Alerts",
        Widget::Health => "Health",
        Widget::Command => "Command",
    }
}

/// The sections of the Status tab, in order, and the widgets in each.
const SECTIONS: &[(&str, &[Widget])] = &[
    ("CI", &[Widget::Builds]),
    ("Deploys", &[Widget::Sync, Widget::Deployments]),
    ("Health", &[Widget::Health]),
    ("Metrics", &[Widget::Metric]),
    (
        "Alerts and incidents",
        &[Widget::Alerts, Widget::Incidents, Widget::Service],
    ),
    ("On call", &[Widget::OnCall]),
    ("Commands", &[Widget::Command]),
];

/// ✔ ● ⚠ ✖ for an entry, by its state and its value's level.
pub fn mark(e: &Entry, now: Instant) -> Piece {
    match e.state(now) {
        State::ErrorNoData | State::ErrorWithValue => piece("✖", Role::Error),
        State::NeverLoaded => piece("·", Role::Muted),
        State::Loading => piece("…", Role::Muted),
        State::Fresh | State::Refreshing | State::Stale => {
            level_mark(e.value.as_ref().map_or(Level::Unknown, |v| v.level()))
        }
    }
}

pub fn level_mark(level: Level) -> Piece {
    match level {
        Level::Ok => piece("✔", Role::Ok),
        Level::Busy => piece("●", Role::Info),
        Level::Warning => piece("⚠", Role::Warn),
        Level::Critical => piece("✖", Role::Error),
        Level::Unknown => piece("?", Role::Muted),
    }
}

/// "12s ago", "· ⚠ stale", or "loading…": how fresh the value is, in words.
pub fn freshness(e: &Entry, now: Instant) -> Vec<Piece> {
    match e.state(now) {
        State::NeverLoaded => vec![piece("not loaded yet", Role::Muted)],
        State::Loading => vec![piece("loading…", Role::Muted)],
        State::ErrorNoData => vec![piece("no data", Role::Error)],
        state => {
            let mut out = vec![piece(e.age_text(now), Role::Muted)];
            if e.is_stale(now) || state == State::Stale {
                out.push(piece(" · ⚠ stale", Role::Warn));
            }
            out
        }
    }
}

/// "in 8m", "3h ago": a wall-clock distance from now.
fn relative(secs: f64) -> String {
    let a = secs.abs() as u64;
    let text = match a {
        0..=59 => format!("{a}s"),
        60..=3599 => format!("{}m", a / 60),
        3600..=86_399 => format!("{}h", a / 3600),
        _ => format!("{}d", a / 86_400),
    };
    if secs >= 0.0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

/// `HH:MM UTC`, with the date when it is not within a day.
fn clock(unix: f64, now: f64) -> String {
    let text = crate::status::time::format_rfc3339(unix);
    // 2026-11-22T00:25:00Z
    let (date, time) = text.split_once('T').unwrap_or((&text, ""));
    let hm = time.get(..5).unwrap_or(time);
    if (unix - now).abs() < 86_400.0 {
        format!("{hm} UTC")
    } else {
        format!("{date} {hm} UTC")
    }
}

/// "until 00:25 UTC", or "permanent": for narrow columns.
pub fn until_short(until: Option<&str>, now: f64) -> String {
    match until.and_then(parse_rfc3339) {
        Some(t) => format!("until {}", clock(t, now)),
        None => until_text(until, now),
    }
}

/// "until 00:25 UTC (in 8m)", or "permanent".
pub fn until_text(until: Option<&str>, now: f64) -> String {
    match until.and_then(parse_rfc3339) {
        Some(t) => format!("until {} ({})", clock(t, now), relative(t - now)),
        None => match until {
            Some(raw) => format!("until {}", clean(raw)),
            None => "permanent".into(),
        },
    }
}

/// "5m ago" for an upstream timestamp.
fn since(ts: Option<&str>, now: f64) -> Option<String> {
    ts.and_then(parse_rfc3339).map(|t| relative(t - now))
}

/// Unicode block sparkline of the last `width` points, scaled between their min and max.
pub fn sparkline(points: &[(f64, f64)], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values: Vec<f64> = points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .collect();
    let shown = &values[values.len().saturating_sub(width)..];
    let (min, max) = shown
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    shown
        .iter()
        .map(|v| {
            if max > min {
                let i = ((v - min) / (max - min) * 7.0).round() as usize;
                BARS[i.min(7)]
            } else {
                BARS[3]
            }
        })
        .collect()
}

/// A series' label cut to what tells series apart: the dimension value, else the pod or
/// instance, else the first label value.
pub fn series_label(label: &str) -> String {
    if !label.contains('=') {
        return clean(label);
    }
    let pairs: Vec<(&str, &str)> = label
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    for key in ["pod", "instance"] {
        if let Some((_, v)) = pairs.iter().find(|(k, _)| *k == key) {
            return clean(v);
        }
    }
    pairs
        .first()
        .map_or_else(|| clean(label), |(_, v)| clean(v))
}

/// Padded or cut to `width` columns, keeping the end (series labels differ at the end:
/// `checkout-7f9c-0`, `checkout-7f9c-1`).
fn pad_tail(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    if text.width() <= width {
        return crate::tui::views::pad(text, width);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        tail.push(c);
    }
    let body: String = tail.into_iter().rev().collect();
    crate::tui::views::pad(&format!("…{body}"), width)
}

/// Where a widget goes among the sections (entries are shown in this order everywhere).
pub fn section_of(w: Widget) -> usize {
    SECTIONS
        .iter()
        .position(|(_, ws)| ws.contains(&w))
        .unwrap_or(SECTIONS.len())
}

/// Error lines wrap at this width: an 80-column terminal shows them whole.
const ERROR_WIDTH: usize = 74;

/// Word-wraps to lines of at most `width` columns (a longer word is cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let extra = if line.is_empty() { 0 } else { 1 };
        if !line.is_empty() && line.width() + extra + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.width() > width {
            let cut: String = line.chars().take(width).collect();
            let rest: String = line.chars().skip(width).collect();
            lines.push(cut);
            line = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The error under a widget: the message, what happens next, and the reminder that the
/// value below is the last good one.
fn error_pieces(e: &Entry, cx: &Cx) -> Option<Vec<Piece>> {
    let err = e.error.as_ref()?;
    let mut text = format!("✖ {}", clean(&err.message));
    let wait = e
        .next_at
        .map(|n| n.saturating_duration_since(cx.now).as_secs());
    match (&err.kind, wait) {
        (ErrorKind::Stopped, _) => {
            text.push_str(&format!(" · stopped; press {} to retry", cx.refresh_key));
        }
        _ if e.in_flight => text.push_str(" · retrying…"),
        (ErrorKind::RateLimited, Some(w)) => {
            text.push_str(&format!(
                " · rate limited until {}",
                clock_seconds(cx.unix + w as f64)
            ));
        }
        (_, Some(w)) => text.push_str(&format!(" · retry in {w}s")),
        (_, None) => {}
    }
    if e.value.is_some() {
        text.push_str(" · showing the last good value");
    }
    Some(vec![piece(text, Role::Error)])
}

fn clock_seconds(unix: f64) -> String {
    let text = crate::status::time::format_rfc3339(unix);
    let time = text.split_once('T').map_or("", |(_, t)| t);
    format!("{} UTC", time.trim_end_matches('Z'))
}

fn build_mark(s: BuildState) -> Piece {
    match s {
        BuildState::Success => piece("✔ success", Role::Ok),
        BuildState::Failure => piece("✖ failure", Role::Error),
        BuildState::Running => piece("● running", Role::Info),
        BuildState::Queued => piece("● queued", Role::Info),
        BuildState::Waiting => piece("● waiting", Role::Info),
        BuildState::Cancelled => piece("⚠ cancelled", Role::Warn),
        BuildState::TimedOut => piece("⚠ timed out", Role::Warn),
        BuildState::Skipped => piece("✔ skipped", Role::Muted),
        BuildState::Unknown => piece("? unknown", Role::Muted),
    }
}

/// The detail lines of a value, each with an optional link.
fn detail_lines(v: &StatusValue, unix: f64, limit: usize) -> Vec<(Vec<Piece>, Option<String>)> {
    let mut out: Vec<(Vec<Piece>, Option<String>)> = Vec::new();
    let mut line = |pieces: Vec<Piece>, link: Option<&String>| {
        out.push((pieces, link.and_then(|l| safe_link(l))))
    };
    match v {
        StatusValue::Builds(runs) if runs.is_empty() => line(
            vec![piece("no runs on the default branch", Role::Muted)],
            None,
        ),
        StatusValue::Builds(runs) => {
            for r in runs.iter().take(limit) {
                let mut p = vec![
                    build_mark(r.state),
                    piece(
                        format!(
                            "  #{} {}",
                            r.number.map_or_else(|| r.id.to_string(), |n| n.to_string()),
                            short(r.name.as_deref().unwrap_or("run"), 24)
                        ),
                        Role::Text,
                    ),
                ];
                if let Some(b) = &r.branch {
                    p.push(piece(format!("  {}", short(b, 20)), Role::Accent));
                }
                if let Some(c) = &r.commit {
                    p.push(piece(
                        format!("  {}", short(c, 8).trim_end_matches('…')),
                        Role::Muted,
                    ));
                }
                if let Some(t) = &r.title {
                    p.push(piece(format!("  {}", short(t, 40)), Role::Text));
                }
                if let Some(s) = since(r.started_at.as_deref(), unix) {
                    p.push(piece(format!("  started {s}"), Role::Muted));
                }
                if let Some(a) = &r.actor {
                    p.push(piece(format!(" by {}", short(a, 20)), Role::Muted));
                }
                line(p, r.url.as_ref());
            }
        }
        StatusValue::Deployments(list) if list.is_empty() => {
            line(vec![piece("no deployments match", Role::Muted)], None)
        }
        StatusValue::Deployments(list) => {
            for d in list.iter().take(limit) {
                let (m, state) = match d.rollout {
                    Rollout::Failed => (piece("✖", Role::Error), "rollout failed"),
                    Rollout::Progressing => (piece("●", Role::Info), "rolling out"),
                    Rollout::Complete if d.ready < d.desired => {
                        (piece("⚠", Role::Warn), "degraded")
                    }
                    Rollout::Complete => (piece("✔", Role::Ok), "rolled out"),
                };
                let mut p = vec![
                    m,
                    piece(format!(" {}", short(&d.name, 30)), Role::Text),
                    piece(format!("  {}/{} ready", d.ready, d.desired), Role::Text),
                    piece(format!("  {state}"), Role::Muted),
                    piece(format!("  ns {}", short(&d.namespace, 20)), Role::Muted),
                ];
                if let Some(m) = &d.message {
                    p.push(piece(format!("  {}", short(m, 60)), Role::Muted));
                }
                line(p, None);
            }
        }
        StatusValue::Apps(apps) if apps.is_empty() => {
            line(vec![piece("no applications match", Role::Muted)], None)
        }
        StatusValue::Apps(apps) => {
            for a in apps.iter().take(limit) {
                let health = match a.health.as_str() {
                    "Healthy" => piece("✔ Healthy", Role::Ok),
                    "Progressing" => piece("● Progressing", Role::Info),
                    "Degraded" | "Missing" => piece(format!("✖ {}", clean(&a.health)), Role::Error),
                    other => piece(format!("⚠ {}", clean(other)), Role::Warn),
                };
                let sync = if a.sync == "Synced" {
                    piece("✔ Synced", Role::Ok)
                } else {
                    piece(format!("⚠ {}", clean(&a.sync)), Role::Warn)
                };
                let mut p = vec![
                    piece(format!("{}  ", short(&a.name, 30)), Role::Text),
                    sync,
                    piece("  ", Role::Text),
                    health,
                ];
                if let Some(op) = &a.operation {
                    p.push(piece(format!("  operation {}", clean(op)), Role::Muted));
                }
                if let Some(r) = &a.revision {
                    p.push(piece(
                        format!("  {}", short(r, 8).trim_end_matches('…')),
                        Role::Muted,
                    ));
                }
                line(p, None);
                if let Some(m) = &a.health_message {
                    line(
                        vec![piece(format!("  {}", short(m, 100)), Role::Muted)],
                        None,
                    );
                }
            }
        }
        StatusValue::Metric(m) if m.series.is_empty() => {
            line(vec![piece("no data for this query", Role::Muted)], None)
        }
        StatusValue::Metric(m) => {
            for s in m.series.iter().take(limit) {
                let value = s.value.map_or_else(|| "–".into(), format_number);
                let label = series_label(&s.label);
                let mut p = vec![];
                if !label.is_empty() {
                    p.push(piece(format!("{} ", pad_tail(&label, 24)), Role::Muted));
                }
                p.push(piece(format!("{value:>8} "), Role::Title));
                p.push(piece(sparkline(&s.points, 30), Role::Accent));
                line(p, None);
            }
        }
        StatusValue::Alerts(list) if list.is_empty() => {
            line(vec![piece("✔ no alerts firing or pending", Role::Ok)], None)
        }
        StatusValue::Alerts(list) => {
            for a in list.iter().take(limit) {
                let m = if a.state == "firing" {
                    piece("✖ firing ", Role::Error)
                } else {
                    piece("⚠ pending", Role::Warn)
                };
                let mut p = vec![m, piece(format!("  {}", short(&a.name, 32)), Role::Text)];
                if let Some(s) = &a.severity {
                    p.push(piece(format!("  {}", short(s, 12)), Role::Muted));
                }
                if let Some(s) = since(a.active_at.as_deref(), unix) {
                    p.push(piece(format!("  since {s}"), Role::Muted));
                }
                if let Some(s) = &a.summary {
                    p.push(piece(format!("  {}", short(s, 60)), Role::Text));
                }
                line(p, None);
            }
        }
        StatusValue::Incidents(list) if list.is_empty() => {
            line(vec![piece("✔ no open incidents", Role::Ok)], None)
        }
        StatusValue::Incidents(list) => {
            for i in list.iter().take(limit) {
                let m = match i.status.as_str() {
                    "triggered" => piece("✖ triggered   ", Role::Error),
                    "acknowledged" => piece("⚠ acknowledged", Role::Warn),
                    other => piece(format!("● {}", short(other, 12)), Role::Info),
                };
                let mut p = vec![
                    m,
                    piece(
                        format!(
                            "  #{} {}",
                            i.number.map_or_else(|| clean(&i.id), |n| n.to_string()),
                            short(&i.title, 50)
                        ),
                        Role::Text,
                    ),
                    piece(format!("  {} urgency", short(&i.urgency, 8)), Role::Muted),
                ];
                if let Some(s) = since(Some(&i.created_at), unix) {
                    p.push(piece(format!("  opened {s}"), Role::Muted));
                }
                line(p, i.url.as_ref());
            }
        }
        StatusValue::Service(s) => {
            let m = level_mark(v.level());
            line(
                vec![
                    m,
                    piece(
                        format!(" {} is {}", short(&s.name, 40), short(&s.status, 16)),
                        Role::Text,
                    ),
                ],
                s.url.as_ref(),
            );
        }
        StatusValue::Health(h) => {
            let m = if h.healthy {
                piece("✔ healthy", Role::Ok)
            } else {
                piece("✖ unhealthy", Role::Error)
            };
            let mut p = vec![m, piece(format!("  HTTP {}", h.status_code), Role::Text)];
            if let Some(s) = &h.body_status {
                p.push(piece(format!("  {}", short(s, 16)), Role::Text));
            }
            p.push(piece(format!("  {} ms", h.latency_ms), Role::Text));
            line(p, None);
            // The components that are not up come first: they say why.
            let mut comps: Vec<&(String, String)> = h.components.iter().collect();
            comps.sort_by_key(|(_, s)| s.eq_ignore_ascii_case("UP"));
            let parts: Vec<String> = comps
                .iter()
                .take(8)
                .map(|(n, s)| {
                    let m = if s.eq_ignore_ascii_case("UP") {
                        "✔"
                    } else {
                        "✖"
                    };
                    format!("{m} {} {}", short(n, 20), short(s, 12))
                })
                .collect();
            if !parts.is_empty() {
                line(vec![piece(parts.join(" · "), Role::Muted)], None);
            }
        }
        StatusValue::OnCall(o) => {
            if o.entries.is_empty() {
                line(vec![piece("⚠ nobody on call now", Role::Warn)], None);
            }
            for p in o.entries.iter().take(limit) {
                let mut pieces = vec![
                    piece(format!("L{} ", p.level), Role::Muted),
                    piece(short(&p.name, 30), Role::Title),
                    piece(
                        format!("  {}", until_text(p.until.as_deref(), unix)),
                        Role::Text,
                    ),
                ];
                if let Some(s) = &p.schedule {
                    pieces.push(piece(format!("  {}", short(s, 30)), Role::Muted));
                }
                line(pieces, p.url.as_ref());
            }
            let later: Vec<String> = o
                .levels
                .iter()
                .filter(|l| !o.entries.iter().any(|e| e.level == l.level))
                .map(|l| {
                    format!(
                        "L{} {}",
                        l.level,
                        l.names
                            .iter()
                            .map(|n| short(n, 30))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect();
            if !later.is_empty() {
                let policy = o
                    .escalation_policy
                    .as_ref()
                    .map(|p| format!(" ({})", short(&p.name, 40)))
                    .unwrap_or_default();
                line(
                    vec![piece(
                        format!("then {}{policy}", later.join(" · ")),
                        Role::Muted,
                    )],
                    None,
                );
            }
        }
        StatusValue::Command(c) => {
            let m = if c.success {
                piece("✔", Role::Ok)
            } else {
                piece("✖", Role::Error)
            };
            let code = c
                .exit_code
                .map_or_else(|| "ended by a signal".into(), |c| format!("exit {c}"));
            line(
                vec![
                    m,
                    piece(format!(" {code}  {}", short(&c.summary, 80)), Role::Text),
                ],
                None,
            );
        }
    }
    out
}

fn safe_link(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

pub fn node_id(id: &TargetId) -> String {
    format!("status:{id}")
}

/// One widget: a header (state, title, source, age) that folds, the error if any, then the
/// value's lines (kept on error).
pub fn widget(out: &mut StatusRows, e: &Entry, cx: &Cx, limit: usize) {
    let id = &e.target.id;
    let node = node_id(id);
    let open = !cx.collapsed.contains(&node);
    let mut header = vec![
        mark(e, cx.now),
        piece(
            format!(" {:<10} ", widget_title(e.target.widget)),
            Role::Title,
        ),
        piece(
            format!("{} {}", e.target.source.label(), short(&e.target.label, 48)),
            Role::Muted,
        ),
        piece(" · ", Role::Muted),
    ];
    header.extend(freshness(e, cx.now));
    out.push(
        Row {
            pieces: header,
            node: Some((node, open)),
            ..Row::default()
        },
        Some(id),
    );
    if !open {
        return;
    }
    if let Some(p) = error_pieces(e, cx) {
        // Errors say what to do at their end ("set GITHUB_TOKEN"): wrap, never clip.
        for (i, chunk) in wrap(&p[0].text, ERROR_WIDTH).into_iter().enumerate() {
            let text = if i == 0 { chunk } else { format!("  {chunk}") };
            out.line(1, vec![piece(text, p[0].role)], Some(id));
        }
    }
    if let Some(v) = &e.value {
        for (pieces, link) in detail_lines(v, cx.unix, limit) {
            out.push(
                Row {
                    depth: 1,
                    pieces,
                    link,
                    ..Row::default()
                },
                Some(id),
            );
        }
    }
}

/// One line for a small pane: mark, widget, the gist of the value, and its freshness.
pub fn compact(e: &Entry, cx: &Cx) -> (Vec<Piece>, Vec<Piece>) {
    let title = match e.target.widget {
        Widget::Builds => "ci",
        Widget::Deployments => "k8s",
        Widget::Sync => "argo",
        Widget::Health => "health",
        Widget::Metric => "metric",
        Widget::Alerts => "alerts",
        Widget::Incidents => "pd inc",
        Widget::Service => "pd svc",
        Widget::OnCall => "oncall",
        Widget::Command => "cmd",
    };
    // An error says why before the value does: the full view keeps the last good value.
    let gist = match (&e.value, &e.error) {
        (_, Some(err)) => piece(clean(&err.message), Role::Error),
        (Some(v), None) => piece(gist(v, cx.unix), Role::Text),
        (None, None) if e.in_flight => piece("loading…", Role::Muted),
        (None, None) => piece("not loaded yet", Role::Muted),
    };
    let left = vec![
        mark(e, cx.now),
        piece(format!(" {title:<6} "), Role::Muted),
        gist,
    ];
    let mut right = Vec::new();
    if e.value.is_some() {
        right.push(piece(e.age_text(cx.now), Role::Muted));
        if e.is_stale(cx.now) {
            right.push(piece(" stale", Role::Warn));
        }
    }
    (left, right)
}

/// The value in a few words.
fn gist(v: &StatusValue, unix: f64) -> String {
    match v {
        StatusValue::Builds(runs) => match runs.first() {
            None => "no runs".into(),
            Some(r) => format!(
                "#{} {}{}",
                r.number.map_or_else(|| r.id.to_string(), |n| n.to_string()),
                build_mark(r.state)
                    .text
                    .trim_start_matches(|c: char| !c.is_alphabetic()),
                r.branch
                    .as_deref()
                    .map(|b| format!(" {}", short(b, 16)))
                    .unwrap_or_default()
            ),
        },
        StatusValue::Deployments(d) => {
            let ready: u64 = d.iter().map(|d| d.ready).sum();
            let desired: u64 = d.iter().map(|d| d.desired).sum();
            format!("{ready}/{desired} ready in {} deployment(s)", d.len())
        }
        StatusValue::Apps(a) => a
            .iter()
            .map(|a| format!("{} {}", clean(&a.sync), clean(&a.health)))
            .collect::<Vec<_>>()
            .join(", "),
        StatusValue::Metric(m) => {
            let first = m.series.first();
            let value = first
                .and_then(|s| s.value)
                .map_or_else(|| "–".into(), format_number);
            let spark = first.map(|s| sparkline(&s.points, 12)).unwrap_or_default();
            format!("{value} {spark} {}", short(&m.query, 40))
        }
        StatusValue::Alerts(a) if a.is_empty() => "none firing".into(),
        StatusValue::Alerts(a) => {
            let firing: Vec<&str> = a
                .iter()
                .filter(|a| a.state == "firing")
                .map(|a| a.name.as_str())
                .collect();
            if firing.is_empty() {
                format!("{} pending", a.len())
            } else {
                format!("{} firing: {}", firing.len(), clean(&firing.join(", ")))
            }
        }
        StatusValue::Incidents(list) if list.is_empty() => "none open".into(),
        StatusValue::Incidents(list) => {
            let triggered = list.iter().filter(|i| i.status == "triggered").count();
            format!(
                "{} open, {triggered} triggered: {}",
                list.len(),
                clean(&list[0].title)
            )
        }
        StatusValue::Service(s) => clean(&s.status),
        StatusValue::Health(h) => format!(
            "{} {} {} ms",
            h.status_code,
            h.body_status.as_deref().map(clean).unwrap_or_default(),
            h.latency_ms
        ),
        StatusValue::OnCall(o) => match o.entries.first() {
            None => "nobody on call".into(),
            Some(p) => format!(
                "{} {}",
                clean(&p.name),
                until_text(p.until.as_deref(), unix)
            ),
        },
        StatusValue::Command(c) => format!(
            "exit {} {}",
            c.exit_code
                .map_or_else(|| "signal".into(), |c| c.to_string()),
            clean(&c.summary)
        ),
    }
}

/// The worst state among entries, for a tab badge: a mark and how many are not fine.
pub fn badge(entries: &[Entry], now: Instant) -> Option<Piece> {
    if entries.is_empty() {
        return None;
    }
    let marks: Vec<Piece> = entries.iter().map(|e| mark(e, now)).collect();
    let bad = marks.iter().filter(|m| m.role == Role::Error).count();
    let warn = marks.iter().filter(|m| m.role == Role::Warn).count();
    Some(if bad > 0 {
        piece(format!("✖{bad}"), Role::Error)
    } else if warn > 0 {
        piece(format!("⚠{warn}"), Role::Warn)
    } else if marks.iter().all(|m| m.role == Role::Ok) {
        piece("✔", Role::Ok)
    } else {
        piece("●", Role::Info)
    })
}

/// Annotations greenroom reads and the source behind each.
const ANNOTATIONS: &[(&str, Source)] = &[
    (GITHUB_SLUG, Source::GitHub),
    (GITLAB_ID, Source::GitLab),
    (GITLAB_SLUG, Source::GitLab),
    (ARGO_APP_NAME, Source::ArgoCd),
    (ARGO_APP_SELECTOR, Source::ArgoCd),
    (K8S_ID, Source::Kubernetes),
    (K8S_SELECTOR, Source::Kubernetes),
    (HEALTH_URL, Source::Health),
    (PROM_RULE, Source::Prometheus),
    (PROM_ALERT, Source::Prometheus),
    (PD_SERVICE_ID, Source::PagerDuty),
    (PD_INTEGRATION_KEY, Source::PagerDuty),
];

/// What to add for each widget (the README lists the alternatives).
const SUGGESTED: &[(&str, &str)] = &[
    (
        "github.com/project-slug: org/repo",
        "CI runs (GitHub Actions)",
    ),
    ("gitlab.com/project-id: 1234", "CI pipelines (GitLab)"),
    ("argocd/app-name: my-app", "Argo CD sync and health"),
    ("backstage.io/kubernetes-id: my-app", "Kubernetes readiness"),
    ("greenroom.dev/health-url: https://…", "HTTP health check"),
    ("prometheus.io/rule: <PromQL>,…", "metrics, sparklines"),
    ("prometheus.io/alert: Name,… | all", "firing alerts"),
    ("pagerduty.com/service-id: PXXXXXX", "on call, incidents"),
];

fn source_off_reason(config: &StatusConfig, s: Source) -> String {
    if !config.enabled {
        return "live status is off ([status] enabled = false)".into();
    }
    match s {
        Source::Health => "[status.health] enabled = false".into(),
        Source::ArgoCd | Source::Kubernetes | Source::Prometheus => {
            format!("give [status.{}] a base_url", s.as_str())
        }
        _ => format!("[status.{}] enabled = false", s.as_str()),
    }
}

/// One message per status source the entity's annotations point at but the config has turned
/// off: which annotations go unread and what to set. The Status tab and `greenroom status` both
/// show these.
pub fn off_sources(entity: &Entity, config: &StatusConfig) -> Vec<String> {
    let mut by_source: Vec<(Source, Vec<&str>)> = Vec::new();
    for (key, s) in ANNOTATIONS {
        if entity.annotation(key).is_none() || config.resolve(*s).enabled {
            continue;
        }
        match by_source.iter_mut().find(|(x, _)| x == s) {
            Some((_, keys)) => keys.push(key),
            None => by_source.push((*s, vec![key])),
        }
    }
    by_source
        .into_iter()
        .map(|(s, keys)| {
            format!(
                "{} {} set, but {} is off: {}",
                keys.join(", "),
                if keys.len() == 1 { "is" } else { "are" },
                s.label(),
                source_off_reason(config, s)
            )
        })
        .collect()
}

/// The Status tab of an entity: a line saying demo data when it is, the widgets grouped by
/// section, and plain words when there is nothing to show (with the annotations that would
/// enable each widget, and sources the config has turned off).
pub fn entity_rows(
    entity: &Entity,
    config: &StatusConfig,
    entries: &[Entry],
    team: Option<&[crate::tui::live::oncall::ServiceLine]>,
    users: &crate::tui::live::oncall::Users,
    cx: &Cx,
) -> StatusRows {
    let mut out = StatusRows::default();
    if cx.demo && (!entries.is_empty() || team.is_some_and(|l| !l.is_empty())) {
        out.line(
            0,
            vec![piece(
                "● demo data: served by greenroom's built-in fake upstream, values move on their own",
                Role::Warn,
            )],
            None,
        );
        out.blank();
    }
    // A host too slow for everything on screen: its oldest data is refreshed first, and
    // people should know why some ages grow.
    for source in &cx.behind {
        if entries.iter().any(|e| e.target.source.label() == *source) {
            out.line(
                0,
                vec![piece(
                    format!(
                        "⚠ {source} cannot keep up with everything on screen: the oldest data is refreshed first"
                    ),
                    Role::Warn,
                )],
                None,
            );
        }
    }
    for (section, widgets) in SECTIONS {
        let here: Vec<&Entry> = entries
            .iter()
            .filter(|e| widgets.contains(&e.target.widget))
            .collect();
        if here.is_empty() {
            continue;
        }
        out.line(0, vec![piece(*section, Role::Title)], None);
        for e in here {
            widget(&mut out, e, cx, 5);
        }
        out.blank();
    }
    if let Some(lines) = team.filter(|l| !l.is_empty()) {
        out.line(
            0,
            vec![piece("On call for this team's services", Role::Title)],
            None,
        );
        for l in lines {
            crate::tui::live::oncall::service_rows(&mut out, l, users, cx);
        }
        out.blank();
    }
    // Annotations the entity has whose source is off: say why nothing shows for them, once per
    // source; then "none of its annotations name a source" would contradict it.
    let off = off_sources(entity, config);
    for message in &off {
        out.line(0, vec![piece(format!("⚠ {message}"), Role::Warn)], None);
    }
    if entries.is_empty() && team.is_none_or(|l| l.is_empty()) {
        if !off.is_empty() {
            return out;
        }
        out.line(
            0,
            vec![piece(
                "No live status for this entity: none of its annotations name a status source.",
                Role::Text,
            )],
            None,
        );
        out.line(
            0,
            vec![piece(
                "Add any of these under metadata.annotations to get the widget beside it:",
                Role::Muted,
            )],
            None,
        );
        for (example, what) in SUGGESTED {
            out.line(
                1,
                vec![
                    piece(format!("{example:<38}"), Role::Accent),
                    piece(format!(" {what}"), Role::Text),
                ],
                None,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{LoadOptions, Source as _, demo};
    use crate::status::{StatusStore, targets_for};

    fn rows_text(rows: &StatusRows) -> String {
        rows.rows
            .iter()
            .map(|r| format!("{r:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_host_that_cannot_keep_up_is_named_on_the_status_tab_that_shows_it() {
        let options = LoadOptions {
            online: false,
            ..LoadOptions::default()
        };
        let catalog = crate::catalog::Catalog::assemble(
            demo::source().load(&options).entities,
            Vec::new(),
            crate::catalog::Relations::Compute,
        );
        let config: StatusConfig = toml::from_str(
            "user = \"ada.lovelace@encore.example\"\n[argocd]\nbase_url = \"http://argocd.test\"\n",
        )
        .unwrap();
        let entity = catalog
            .entities()
            .iter()
            .find(|e| {
                targets_for(e, &config)
                    .iter()
                    .any(|t| t.source == crate::status::Source::GitHub)
            })
            .expect("a demo entity with GitHub status");
        let entries = StatusStore::new().snapshot(&targets_for(entity, &config));
        let collapsed = HashSet::new();
        let cx = |behind: Vec<&'static str>| Cx {
            now: Instant::now(),
            unix: 0.0,
            demo: false,
            refresh_key: "r",
            collapsed: &collapsed,
            behind,
        };
        let users = Default::default();
        let with = entity_rows(entity, &config, &entries, None, &users, &cx(vec!["GitHub"]));
        assert!(
            rows_text(&with).contains("GitHub cannot keep up"),
            "{}",
            rows_text(&with)
        );
        let without = entity_rows(entity, &config, &entries, None, &users, &cx(Vec::new()));
        assert!(!rows_text(&without).contains("cannot keep up"));
        // A slow host this entity does not use is not its concern.
        let other = entity_rows(entity, &config, &entries, None, &users, &cx(vec!["GitLab"]));
        assert!(!rows_text(&other).contains("cannot keep up"));
    }
}
