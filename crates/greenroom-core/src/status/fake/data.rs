//! The fake's payloads: the real response bodies from `tests/fixtures/status/` used as
//! templates, with ids, names and states derived from a hash of what was asked and from the
//! clock, so any id gets a stable identity and values that move (a build queues, runs and
//! finishes; an incident triggers, is acknowledged and resolves; on-call rotates).

use super::names::FakeNames;
use crate::status::time::format_rfc3339;
use serde_json::{Value, json};
use std::f64::consts::TAU;
use std::sync::OnceLock;

macro_rules! fixture {
    ($file:literal) => {{
        static CELL: OnceLock<Value> = OnceLock::new();
        CELL.get_or_init(|| {
            serde_json::from_str(include_str!(concat!(
                "../../../../../tests/fixtures/status/",
                $file
            )))
            .expect("the fixture is JSON")
        })
    }};
}

/// FNV-1a, mixed: stable across runs and platforms, unlike `DefaultHasher`'s promise.
pub fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    // FNV's low bits are weak (ids differing in one character often agree modulo small
    // numbers): finish with MurmurHash3's fmix64.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Where in its cycle a thing is: (cycle number, seconds into it). Each id gets its own offset
/// so the demo's services do not all change at once.
fn cycle(t: f64, period: f64, id: &str) -> (i64, f64) {
    let offset = (hash(&[id, "offset"]) % 10_000) as f64 / 10_000.0 * period;
    let x = t + offset;
    ((x / period).floor() as i64, x.rem_euclid(period))
}

const PEOPLE: [&str; 12] = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Margaret Hamilton",
    "Dennis Ritchie",
    "Frances Allen",
    "Ken Thompson",
    "Radia Perlman",
    "John Backus",
];

const COMMITS: [&str; 8] = [
    "Bump dependencies",
    "Fix flaky retry test",
    "Add request tracing to checkout",
    "Tune connection pool size",
    "Handle empty basket in totals",
    "Update README",
    "Speed up integration tests",
    "Refactor config loading",
];

fn person(i: u64) -> (&'static str, String, String) {
    let name = PEOPLE[(i % PEOPLE.len() as u64) as usize];
    let slug = name.to_lowercase().replace(' ', ".");
    let id = format!("PU{:05X}", hash(&[name]) % 0xFFFFF);
    (name, format!("{slug}@encore.example"), id)
}

fn pd_id(prefix: &str, seed: &str) -> String {
    format!("{prefix}{:05X}", hash(&[seed]) % 0xFFFFF)
}

// ---------------------------------------------------------------- PagerDuty

/// A service id and its escalation policy: services of one team share one policy.
fn policy_for(names: &FakeNames, service_id: &str) -> (String, String) {
    let team = names.pd_team(service_id).unwrap_or_else(|| {
        ["Platform", "Payments", "Storefront"][(hash(&[service_id]) % 3) as usize].to_owned()
    });
    (pd_id("PEP", &team), format!("{team} escalation"))
}

pub fn pd_service(names: &FakeNames, t: f64, id: &str) -> Value {
    let mut s = fixture!("pagerduty-service.json")["service"].clone();
    let (ep_id, ep_name) = policy_for(names, id);
    let name = names.pd_name(id).unwrap_or_else(|| format!("Service {id}"));
    let incidents = pd_incident_list(t, id, true);
    let status = if incidents.iter().any(|i| i["status"] == "triggered") {
        "critical"
    } else if incidents.is_empty() {
        "active"
    } else {
        "warning"
    };
    s["id"] = json!(id);
    s["name"] = json!(name);
    s["summary"] = json!(name);
    s["status"] = json!(status);
    s["html_url"] = json!(format!(
        "https://encore.pagerduty.com/service-directory/{id}"
    ));
    s["self"] = json!(format!("https://api.pagerduty.com/services/{id}"));
    s["escalation_policy"] = json!({
        "id": ep_id, "type": "escalation_policy", "summary": ep_name, "name": ep_name,
        "self": format!("https://api.pagerduty.com/escalation_policies/{ep_id}"),
        "html_url": format!("https://encore.pagerduty.com/escalation_policies/{ep_id}"),
    });
    s
}

pub fn pd_services_by_key(names: &FakeNames, t: f64, key: &str) -> Value {
    let id = names.pd_id_for_key(key).unwrap_or_else(|| pd_id("PS", key));
    let mut s = pd_service(names, t, &id);
    s["integrations"] = json!([{
        "id": pd_id("PI", key), "type": "generic_events_api_inbound_integration",
        "summary": "Events API v2", "integration_key": key,
    }]);
    let mut list = fixture!("pagerduty-services-list.json").clone();
    list["services"] = json!([s]);
    list["more"] = json!(false);
    list
}

const ROTATION: f64 = 600.0;

pub fn pd_oncalls(names: &FakeNames, t: f64, policy_ids: &[String], full_users: bool) -> Value {
    let template = &fixture!("pagerduty-oncalls-include-users.json")["oncalls"][0];
    let mut out = Vec::new();
    for ep in policy_ids {
        let ep_name = names
            .pd_policy_name(ep)
            .unwrap_or_else(|| "Escalation policy".into());
        let h = hash(&[ep]);
        let slot = (t / ROTATION).floor();
        let day = (t / 86_400.0).floor();
        let primary = person(h.wrapping_add(slot as u64));
        let secondary = person(h.wrapping_add(day as u64).wrapping_add(5));
        let manager = person(h.wrapping_add(9));
        let shifts = [
            // The same person twice at level 1 (two schedules): the fetcher shows them once.
            (
                1,
                &primary,
                "Primary rotation",
                Some((slot * ROTATION, (slot + 1.0) * ROTATION)),
            ),
            (
                1,
                &primary,
                "Follow-the-sun",
                Some((slot * ROTATION, (slot + 1.0) * ROTATION + 300.0)),
            ),
            (
                2,
                &secondary,
                "Secondary rotation",
                Some((day * 86_400.0, (day + 1.0) * 86_400.0)),
            ),
            (3, &manager, "", None),
        ];
        for (level, (name, email, uid), schedule, window) in shifts {
            let mut o = template.clone();
            o["user"] = if full_users {
                let mut u = template["user"].clone();
                u["id"] = json!(uid);
                u["name"] = json!(name);
                u["summary"] = json!(name);
                u["email"] = json!(email);
                u["html_url"] = json!(format!("https://encore.pagerduty.com/users/{uid}"));
                u["self"] = json!(format!("https://api.pagerduty.com/users/{uid}"));
                u["job_title"] = json!("Engineer");
                u["time_zone"] = json!("Europe/London");
                u
            } else {
                json!({"id": uid, "type": "user_reference", "summary": name,
                       "self": format!("https://api.pagerduty.com/users/{uid}"),
                       "html_url": format!("https://encore.pagerduty.com/users/{uid}")})
            };
            o["escalation_policy"] =
                json!({"id": ep, "type": "escalation_policy_reference", "summary": ep_name});
            o["escalation_level"] = json!(level);
            match window {
                Some((start, end)) => {
                    let sid = pd_id("PSC", &format!("{ep}{schedule}"));
                    o["schedule"] = json!({"id": sid, "type": "schedule_reference", "summary": schedule,
                        "self": format!("https://api.pagerduty.com/schedules/{sid}")});
                    o["start"] = json!(format_rfc3339(start));
                    o["end"] = json!(format_rfc3339(end));
                }
                // A user named directly in the policy: a permanent on-call.
                None => {
                    o["schedule"] = Value::Null;
                    o["start"] = Value::Null;
                    o["end"] = Value::Null;
                }
            }
            out.push(o);
        }
    }
    json!({"oncalls": out, "limit": 100, "offset": 0, "more": false, "total": null})
}

const INCIDENT_PERIOD: f64 = 300.0;
const TITLES: [&str; 5] = [
    "High error rate on checkout API",
    "Latency above SLO",
    "Disk usage over 90%",
    "Queue consumer lag growing",
    "Elevated 5xx from upstream",
];

/// Open incidents of a service now. `all_dates`: PagerDuty's default window is one month, so
/// the old still-open incident only shows with `date_range=all`.
fn pd_incident_list(t: f64, service_id: &str, all_dates: bool) -> Vec<Value> {
    let template = &fixture!("pagerduty-incidents.json")["incidents"][0];
    let mut out = Vec::new();
    let (c, phase) = cycle(t, INCIDENT_PERIOD, service_id);
    let mut make = |number: u64, title: &str, status: &str, urgency: &str, created: f64| {
        let mut i = template.clone();
        let id = pd_id("Q", &format!("{service_id}{number}"));
        i["id"] = json!(id);
        i["incident_number"] = json!(number);
        i["title"] = json!(title);
        i["summary"] = json!(format!("[#{number}] {title}"));
        i["status"] = json!(status);
        i["urgency"] = json!(urgency);
        i["created_at"] = json!(format_rfc3339(created));
        i["html_url"] = json!(format!("https://encore.pagerduty.com/incidents/{id}"));
        i["service"] = json!({"id": service_id, "type": "service_reference"});
        out.push(i);
    };
    if hash(&[service_id, &c.to_string()]).is_multiple_of(3) && phase < 150.0 {
        let status = if phase < 60.0 {
            "triggered"
        } else {
            "acknowledged"
        };
        let title = TITLES[(hash(&[service_id, "t", &c.to_string()]) % 5) as usize];
        make(
            1000 + c.rem_euclid(1000) as u64,
            title,
            status,
            "high",
            t - phase,
        );
    }
    if all_dates && hash(&[service_id]).is_multiple_of(4) {
        make(
            17,
            "Certificate renewal job keeps failing",
            "acknowledged",
            "low",
            t - 40.0 * 86_400.0,
        );
    }
    out
}

pub fn pd_incidents(t: f64, service_ids: &[String], statuses: &[String], all_dates: bool) -> Value {
    let incidents: Vec<Value> = service_ids
        .iter()
        .flat_map(|s| pd_incident_list(t, s, all_dates))
        .filter(|i| statuses.is_empty() || statuses.iter().any(|s| i["status"] == s.as_str()))
        .collect();
    json!({"incidents": incidents, "limit": 100, "offset": 0, "more": false, "total": null})
}

// ---------------------------------------------------------------- CI

const BUILD_PERIOD: f64 = 120.0;

/// (status, conclusion) of the run in `c`, `phase` seconds into its cycle.
fn run_state(slug: &str, c: i64, phase: f64) -> (&'static str, Option<&'static str>) {
    if phase < 8.0 {
        ("queued", None)
    } else if phase < 75.0 {
        ("in_progress", None)
    } else if hash(&[slug, &c.to_string()]).is_multiple_of(5) {
        ("completed", Some("failure"))
    } else {
        ("completed", Some("success"))
    }
}

/// The run number a build cycle shows: counted from the fake's origin (`t0`, when it
/// started), from a per-project base, so numbers look real (`#412`) and never depend on the
/// date: a run started at any instant shows the same number `base + cycles since start`.
fn run_number(t0: f64, project: &str, c: i64) -> i64 {
    let (c0, _) = cycle(t0, BUILD_PERIOD, project);
    let base = 100 + (hash(&[project, "run-base"]) % 800) as i64;
    base + (c - c0)
}

pub fn github_repo(owner: &str, repo: &str) -> Value {
    json!({
        "id": hash(&[owner, repo]) % 1_000_000_000,
        "name": repo,
        "full_name": format!("{owner}/{repo}"),
        "private": true,
        "html_url": format!("https://github.com/{owner}/{repo}"),
        "default_branch": "main",
        "owner": {"login": owner, "type": "Organization"},
    })
}

pub fn github_runs(t0: f64, t: f64, owner: &str, repo: &str, per_page: usize) -> Value {
    let slug = format!("{owner}/{repo}");
    let template = &fixture!("github-actions-runs.json")["workflow_runs"][0];
    let (c, phase) = cycle(t, BUILD_PERIOD, &slug);
    let runs: Vec<Value> = (0..per_page.clamp(1, 30) as i64)
        .map(|k| {
            let rc = c - k;
            let (status, conclusion) = if k == 0 {
                run_state(&slug, rc, phase)
            } else {
                run_state(&slug, rc, BUILD_PERIOD)
            };
            let start = t - phase - k as f64 * BUILD_PERIOD;
            let id = (hash(&[&slug]) % 90_000 + 10_000) * 100_000 + rc.rem_euclid(100_000) as u64;
            let sha = format!(
                "{:016x}{:016x}",
                hash(&[&slug, &rc.to_string()]),
                hash(&[&rc.to_string(), &slug])
            );
            let (actor, _, _) = person(hash(&[&slug, "actor", &rc.to_string()]));
            let login = actor.to_lowercase().replace(' ', "-");
            let mut r = template.clone();
            r["id"] = json!(id);
            r["name"] = json!("CI");
            r["head_branch"] = json!("main");
            r["head_sha"] = json!(sha);
            r["run_number"] = json!(run_number(t0, &slug, rc));
            r["display_title"] = json!(COMMITS[(hash(&[&sha]) % 8) as usize]);
            r["status"] = json!(status);
            r["conclusion"] = json!(conclusion);
            r["html_url"] = json!(format!("https://github.com/{slug}/actions/runs/{id}"));
            r["created_at"] = json!(format_rfc3339(start));
            r["run_started_at"] = json!(format_rfc3339(start));
            // Stable within a stage, so an unchanged run list keeps its ETag.
            let updated = match status {
                "queued" => start,
                "in_progress" => start + 8.0,
                _ => start + 75.0,
            };
            r["updated_at"] = json!(format_rfc3339(updated));
            r["actor"]["login"] = json!(login);
            r["head_commit"]["id"] = json!(sha);
            r["head_commit"]["message"] = r["display_title"].clone();
            r["repository"]["full_name"] = json!(slug);
            r["repository"]["name"] = json!(repo);
            r
        })
        .collect();
    json!({"total_count": runs.len(), "workflow_runs": runs})
}

pub fn gitlab_project(project: &str) -> Value {
    let id = project
        .parse::<u64>()
        .unwrap_or_else(|_| hash(&[project]) % 10_000_000);
    json!({
        "id": id,
        "path_with_namespace": project,
        "default_branch": "main",
        "web_url": format!("https://gitlab.com/{project}"),
    })
}

pub fn gitlab_pipelines(t0: f64, t: f64, project: &str, per_page: usize) -> Value {
    let template = &fixture!("gitlab-pipelines.json")[1];
    let (c, phase) = cycle(t, BUILD_PERIOD, project);
    let pid = gitlab_project(project)["id"].clone();
    Value::Array(
        (0..per_page.clamp(1, 30) as i64)
            .map(|k| {
                let rc = c - k;
                let (status, conclusion) =
                    run_state(project, rc, if k == 0 { phase } else { BUILD_PERIOD });
                let status = match (status, conclusion) {
                    ("queued", _) => "pending",
                    ("in_progress", _) => "running",
                    (_, Some("failure")) => "failed",
                    _ => "success",
                };
                let start = t - phase - k as f64 * BUILD_PERIOD;
                let id =
                    700_000_000 + hash(&[project]) % 1_000_000 * 100 + rc.rem_euclid(100) as u64;
                let mut p = template.clone();
                p["id"] = json!(id);
                p["iid"] = json!(run_number(t0, project, rc));
                p["project_id"] = pid.clone();
                p["sha"] = json!(format!(
                    "{:016x}{:016x}",
                    hash(&[project, &rc.to_string()]),
                    hash(&[&rc.to_string()])
                ));
                p["ref"] = json!("main");
                p["status"] = json!(status);
                p["source"] = json!("push");
                p["created_at"] = json!(format_rfc3339(start));
                p["updated_at"] = json!(format_rfc3339(match status {
                    "pending" => start,
                    "running" => start + 8.0,
                    _ => start + 75.0,
                }));
                p["web_url"] = json!(format!("https://gitlab.com/{project}/-/pipelines/{id}"));
                p
            })
            .collect(),
    )
}

// ---------------------------------------------------------------- Argo CD, Kubernetes

pub fn argo_app(t: f64, name: &str) -> Value {
    let mut a = fixture!("argocd-application.json").clone();
    let (c, phase) = cycle(t, 300.0, name);
    let rev = format!(
        "{:016x}{:016x}{:08x}",
        hash(&[name, &c.to_string()]),
        hash(&[&c.to_string(), name]),
        c.rem_euclid(1 << 30)
    );
    let (sync, health, op) = if phase < 30.0 {
        ("OutOfSync", "Healthy", "Succeeded")
    } else if phase < 45.0 {
        ("Synced", "Progressing", "Running")
    } else if hash(&[name, "degraded", &c.to_string()]).is_multiple_of(6) && phase < 120.0 {
        ("Synced", "Degraded", "Succeeded")
    } else {
        ("Synced", "Healthy", "Succeeded")
    };
    a["metadata"]["name"] = json!(name);
    a["metadata"]["uid"] = json!(format!("{:016x}", hash(&[name, "uid"])));
    a["spec"]["source"]["path"] = json!(name);
    a["status"]["sync"]["status"] = json!(sync);
    a["status"]["sync"]["revision"] = json!(rev);
    a["status"]["health"] = if health == "Degraded" {
        json!({"status": health, "message": "Deployment has 1 unavailable replica"})
    } else {
        json!({"status": health})
    };
    a["status"]["operationState"]["phase"] = json!(op);
    a["status"]["operationState"]["startedAt"] = json!(format_rfc3339(t - phase + 30.0));
    a["status"]["reconciledAt"] = json!(format_rfc3339(t - (t % 30.0)));
    a
}

pub fn argo_list(t: f64, names: &[String]) -> Value {
    let items: Vec<Value> = names.iter().map(|n| argo_app(t, n)).collect();
    json!({"metadata": {"resourceVersion": format!("{}", t as u64)},
           "items": if items.is_empty() { Value::Null } else { Value::Array(items) }})
}

pub fn k8s_deployments(t: f64, ids: &[String], namespace: &str) -> Value {
    let mut list = fixture!("kubernetes-deployments-list.json").clone();
    let template = list["items"][0].clone();
    let items: Vec<Value> = ids
        .iter()
        .map(|id| {
            let (c, phase) = cycle(t, 300.0, id);
            let desired = 2 + hash(&[id]) % 3;
            // A rolling update in the first 40 s of each cycle.
            let updated = if phase < 40.0 {
                1 + (phase / 40.0 * desired as f64) as u64
            } else {
                desired
            }
            .min(desired);
            let ready = if phase < 40.0 {
                updated.saturating_sub(1).max(1)
            } else {
                desired
            };
            let mut d = template.clone();
            d["metadata"]["name"] = json!(id);
            d["metadata"]["namespace"] = json!(namespace);
            d["metadata"]["generation"] = json!(c.rem_euclid(100_000) + 1);
            d["metadata"]["labels"] = json!({"app": id, "backstage.io/kubernetes-id": id});
            d["spec"]["replicas"] = json!(desired);
            let status = &mut d["status"];
            status["observedGeneration"] = json!(c.rem_euclid(100_000) + 1);
            status["replicas"] = json!(desired.max(updated));
            status["updatedReplicas"] = json!(updated);
            status["readyReplicas"] = json!(ready);
            status["availableReplicas"] = json!(ready);
            if phase < 40.0 {
                status["unavailableReplicas"] = json!(desired - ready);
            }
            d
        })
        .collect();
    list["items"] = Value::Array(items);
    list["metadata"]["resourceVersion"] = json!(format!("{}", t as u64));
    list
}

// ---------------------------------------------------------------- Prometheus

/// The size a metric's values should have, read from its name, so the demo's numbers look
/// like what they measure (a p99 in seconds, a ratio below 1, a request rate in the tens).
fn metric_scale(query: &str, h: u64) -> f64 {
    let q = query.to_ascii_lowercase();
    let spread = 1.0 + (h >> 8) as f64 % 7.0 / 3.0;
    // Durations first: "duration" contains "ratio".
    if q.contains("duration") || q.contains("latency") || q.contains("seconds") || q.contains("p99")
    {
        0.08 * spread
    } else if q.contains("ratio")
        || q.contains("error_rate")
        || q.contains("declines")
        || q.contains("errors")
    {
        0.004 * spread
    } else if q.contains("cpu") || q.contains("utili") || q.contains("saturation") {
        0.25 * spread
    } else if q.contains("bytes") || q.contains("memory") {
        2.0e8 * spread
    } else if q.starts_with("up") {
        1.0
    } else if q.contains("lag") || q.contains("depth") || q.contains("backlog") {
        40.0 * spread
    } else {
        // Rates and counts: tens to hundreds per second.
        10f64.powi((h % 2) as i32 + 1) * spread
    }
}

/// A metric that moves: a slow sine, a faster wobble and a little deterministic noise.
pub fn metric_value(query: &str, series: &str, t: f64) -> f64 {
    let h = hash(&[query, series]);
    let base = metric_scale(query, h);
    let phase = (h >> 16) as f64 % 1000.0 / 1000.0 * TAU;
    let step = (t / 15.0).floor();
    let noise = (hash(&[query, series, &step.to_string()]) % 1000) as f64 / 1000.0 - 0.5;
    let v = base
        * (1.0
            + 0.35 * (TAU * t / 600.0 + phase).sin()
            + 0.1 * (TAU * t / 97.0).sin()
            + 0.08 * noise);
    if query.to_ascii_lowercase().starts_with("up") {
        return 1.0;
    }
    let digits = 10f64.powi(4 - base.log10().floor() as i32).max(1.0);
    (v * digits).round() / digits
}

fn metric_labels(query: &str, names: &FakeNames) -> Vec<Value> {
    let name: String = query
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let service = names.prom_service(query).unwrap_or_else(|| "encore".into());
    (0..2)
        .map(|i| {
            let mut m = json!({
                "instance": format!("10.0.{}.{}:9090", hash(&[query]) % 250, 10 + i),
                "job": service, "service": service, "component": service,
                "pod": format!("{service}-{:05x}-{i}", hash(&[query]) % 0xFFFFF),
            });
            if !name.is_empty() && name.len() == query.len() {
                m["__name__"] = json!(name);
            }
            m
        })
        .collect()
}

pub fn prom_query(names: &FakeNames, t: f64, query: &str) -> Value {
    let result: Vec<Value> = metric_labels(query, names)
        .into_iter()
        .map(|m| {
            let v = metric_value(query, m["instance"].as_str().unwrap_or(""), t);
            json!({"metric": m, "value": [(t * 1000.0).round() / 1000.0, format!("{v}")]})
        })
        .collect();
    json!({"status": "success", "data": {"resultType": "vector", "result": result}})
}

pub fn prom_range(
    names: &FakeNames,
    query: &str,
    start: f64,
    end: f64,
    step: f64,
) -> Result<Value, Value> {
    if step <= 0.0 || end < start {
        return Err(fixture!("prometheus-error-bad-data-400.json").clone());
    }
    if (end - start) / step > 11_000.0 {
        return Err(json!({"status": "error", "errorType": "bad_data",
            "error": "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}));
    }
    let result: Vec<Value> = metric_labels(query, names)
        .into_iter()
        .map(|m| {
            let inst = m["instance"].as_str().unwrap_or("").to_owned();
            let n = ((end - start) / step).floor() as i64;
            let values: Vec<Value> = (0..=n)
                .map(|k| {
                    let ts = start + k as f64 * step;
                    json!([ts, format!("{}", metric_value(query, &inst, ts))])
                })
                .collect();
            json!({"metric": m, "values": values})
        })
        .collect();
    Ok(json!({"status": "success", "data": {"resultType": "matrix", "result": result}}))
}

pub fn prom_alerts(names: &FakeNames, t: f64) -> Value {
    let template = &fixture!("prometheus-alerts.json")["data"]["alerts"][0];
    let mut alerts = Vec::new();
    for (alert, service) in names.alerts() {
        let key = format!("{alert}/{service}");
        let (c, phase) = cycle(t, 420.0, &key);
        if !hash(&[&key, &c.to_string()]).is_multiple_of(3) || phase >= 240.0 {
            continue;
        }
        let mut a = template.clone();
        a["labels"] = json!({
            "alertname": alert, "service": service,
            "severity": if hash(&[&alert]).is_multiple_of(2) { "critical" } else { "warning" },
        });
        a["annotations"] = json!({"summary": format!("{alert} on {service}")});
        a["state"] = json!(if phase < 60.0 { "pending" } else { "firing" });
        a["activeAt"] = json!(format_rfc3339(t - phase));
        alerts.push(a);
    }
    json!({"status": "success", "data": {"alerts": alerts}})
}

// ---------------------------------------------------------------- health

/// (HTTP status, body) of a Spring Boot health endpoint on `host`.
pub fn health(t: f64, host: &str) -> (u16, Value) {
    let service = host.split('.').next().unwrap_or(host);
    let (_, phase) = cycle(t, 400.0, service);
    if hash(&[service]).is_multiple_of(3) && phase < 30.0 {
        let mut down = fixture!("spring-actuator-health-up-details.json").clone();
        down["status"] = json!("DOWN");
        down["components"]["db"]["status"] = json!("DOWN");
        down["components"]["db"]["details"] = json!({"error": "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available"});
        return (503, down);
    }
    let mut up = fixture!("spring-actuator-health-up-details.json").clone();
    let free = 46_753_374_208u64.saturating_sub(((t % 86_400.0) * 10_000.0) as u64);
    up["components"]["diskSpace"]["details"]["free"] = json!(free);
    up["components"]["diskSpace"]["details"]["path"] = json!(format!("/srv/{service}"));
    (200, up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_queues_runs_and_finishes() {
        let t0 = 1_800_000_000.0;
        let states: Vec<String> = (0..240)
            .map(|s| {
                github_runs(t0, t0 + s as f64, "encore", "payments", 1)["workflow_runs"][0]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        for s in ["queued", "in_progress", "completed"] {
            assert!(states.iter().any(|x| x == s), "{s} never seen");
        }
    }

    #[test]
    fn run_numbers_do_not_depend_on_the_date() {
        // The same fake started in 2017, 2027, 2040 and 2100: the newest run's number is the
        // project's base (or one more, by where the origin falls in a cycle), never a count
        // of cycles since 1970.
        for origin in [1.5e9, 1.8e9, 2.2e9, 4.1e9] {
            for (dt, most) in [(0.0, 1), (1.0, 1), (3_600.0, 31)] {
                let runs = github_runs(origin, origin + dt, "encore", "payments", 3);
                let n = runs["workflow_runs"][0]["run_number"].as_i64().unwrap();
                let base = 100 + (hash(&["encore/payments", "run-base"]) % 800) as i64;
                assert!(
                    (base..=base + most).contains(&n),
                    "origin {origin}, +{dt}s: #{n}, base {base}"
                );
                let older = runs["workflow_runs"][2]["run_number"].as_i64().unwrap();
                assert_eq!(older, n - 2);
                let p = gitlab_pipelines(origin, origin + dt, "encore/payments", 1);
                let iid = p[0]["iid"].as_i64().unwrap();
                assert!((100..1000 + most).contains(&iid), "{iid}");
            }
        }
    }

    #[test]
    fn incidents_trigger_and_resolve_and_old_ones_need_all_dates() {
        let t0 = 1_800_000_000.0;
        let ids: Vec<String> = (0..12).map(|i| format!("PSVC{i}")).collect();
        let counts: Vec<usize> = (0..60)
            .map(|k| {
                pd_incidents(t0 + k as f64 * 30.0, &ids, &[], false)["incidents"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .collect();
        assert!(counts.iter().any(|c| *c > 0) && counts.iter().any(|c| *c != counts[0]));
        let all = pd_incidents(t0, &ids, &[], true)["incidents"]
            .as_array()
            .unwrap()
            .len();
        let month = pd_incidents(t0, &ids, &[], false)["incidents"]
            .as_array()
            .unwrap()
            .len();
        assert!(
            all > month,
            "an incident older than a month needs date_range=all"
        );
    }

    #[test]
    fn metrics_have_believable_sizes() {
        for t in [0.0, 300.0, 4_000.0] {
            let p99 = metric_value("checkout:http_request_duration_seconds:p99", "a", t);
            assert!((0.01..2.0).contains(&p99), "{p99}");
            let ratio = metric_value("checkout:payment_declines:ratio_rate5m", "a", t);
            assert!((0.0..0.1).contains(&ratio), "{ratio}");
            let rate = metric_value("sum(rate(http_requests_total[5m]))", "a", t);
            assert!((1.0..2_000.0).contains(&rate), "{rate}");
            assert_eq!(metric_value("up", "a", t), 1.0);
        }
    }

    #[test]
    fn metrics_move_and_ranges_are_bounded() {
        let a = metric_value("rate(http_requests_total[5m])", "x", 1_800_000_000.0);
        let b = metric_value("rate(http_requests_total[5m])", "x", 1_800_000_120.0);
        assert_ne!(a, b);
        let names = FakeNames::default();
        assert!(prom_range(&names, "up", 0.0, 100_000.0, 1.0).is_err());
        let r = prom_range(&names, "up", 0.0, 60.0, 15.0).unwrap();
        assert_eq!(
            r["data"]["result"][0]["values"].as_array().unwrap().len(),
            5
        );
    }
}
