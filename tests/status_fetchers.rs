//! Every fetcher against the in-process fake serving the real payload shapes: the happy path,
//! then 500, malformed JSON, a server that never answers, 429 with `Retry-After` (the next
//! request really waits), and 401 (the source stops, naming the env var to fix).

mod status_support;

use greenroom::status::fake::{FakeUpstream, Fault};
use greenroom::status::value::{BuildState, StatusValue};
use greenroom::status::{ErrorKind, Source, State, StatusService, Widget};
use status_support::{Harness, config, harness};
use std::time::Duration;
use tokio::time::Instant;

const LONG: Duration = Duration::from_secs(3600);

fn state(h: &Harness, t: &greenroom::status::Target) -> (State, greenroom::status::Entry) {
    let e = h.service.store().get(&t.id).expect("fetched");
    (e.state(Instant::now()), e)
}

/// Fetches once after forgetting shared responses, so the request really goes out.
async fn fetch(h: &Harness, t: &greenroom::status::Target) -> greenroom::status::Entry {
    h.service.clear_cache();
    h.service.fetch_once(std::slice::from_ref(t)).await;
    h.service.store().get(&t.id).expect("fetched")
}

async fn fault_matrix(entity: &str, source: Source, widget: Widget, prefix: &str, fix: &str) {
    let h = harness(LONG).await;
    let t = h.target(entity, widget, source);

    let ok = fetch(&h, &t).await;
    assert_eq!(ok.state(Instant::now()), State::Fresh, "{:?}", ok.error);
    let good = ok.value.clone().unwrap();

    h.fake.inject(prefix, Fault::server_error(), Some(1));
    let e = fetch(&h, &t).await;
    let err = e.error.as_ref().expect("500 is an error");
    assert_eq!(err.kind, ErrorKind::Transient, "{}", err.message);
    assert!(err.message.contains("500"), "{}", err.message);
    assert_eq!(e.state(Instant::now()), State::ErrorWithValue);
    assert_eq!(e.value.as_deref(), Some(&*good), "last good value kept");

    let e = fetch(&h, &t).await;
    assert_eq!(
        e.state(Instant::now()),
        State::Fresh,
        "recovers: {:?}",
        e.error
    );

    h.fake.inject(prefix, Fault::Malformed, Some(1));
    let e = fetch(&h, &t).await;
    let err = e.error.as_ref().expect("malformed JSON is an error");
    assert_eq!(err.kind, ErrorKind::Rejected, "{}", err.message);
    assert!(e.value.is_some());

    h.fake.inject(prefix, Fault::Hang, Some(1));
    let started = Instant::now();
    let e = fetch(&h, &t).await;
    let err = e.error.as_ref().expect("a hang is an error");
    assert!(err.message.contains("timed out"), "{}", err.message);
    assert_eq!(err.kind, ErrorKind::Transient);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the request timeout applies"
    );
    assert!(e.value.is_some());

    h.fake
        .inject(prefix, Fault::too_many_requests("1"), Some(1));
    let e = fetch(&h, &t).await;
    assert_eq!(e.error.as_ref().unwrap().kind, ErrorKind::RateLimited);
    let e = fetch(&h, &t).await;
    assert_eq!(e.state(Instant::now()), State::Fresh, "{:?}", e.error);
    let log = h.fake.requests();
    let limited = log.iter().position(|r| r.status == Some(429)).unwrap();
    let gap = log[limited + 1].at - log[limited].at;
    assert!(
        gap >= Duration::from_millis(900),
        "Retry-After: 1 honoured, waited {gap:?}"
    );

    let before = e.value.clone().unwrap();
    h.fake.inject(prefix, Fault::unauthorized(), Some(1));
    let e = fetch(&h, &t).await;
    let err = e.error.as_ref().unwrap();
    assert_eq!(err.kind, ErrorKind::Stopped);
    assert!(err.message.contains(fix), "names {fix}: {}", err.message);
    assert!(e.is_stopped());
    assert_eq!(e.value.as_deref(), Some(&*before), "last good value kept");
}

#[tokio::test]
async fn pagerduty_oncall_faults() {
    fault_matrix(
        "payments",
        Source::PagerDuty,
        Widget::OnCall,
        "/pagerduty/",
        "PAGERDUTY_TOKEN",
    )
    .await;
}

#[tokio::test]
async fn pagerduty_incidents_faults() {
    fault_matrix(
        "payments",
        Source::PagerDuty,
        Widget::Incidents,
        "/pagerduty/",
        "PAGERDUTY_TOKEN",
    )
    .await;
}

#[tokio::test]
async fn pagerduty_service_by_integration_key_faults() {
    fault_matrix(
        "checkout",
        Source::PagerDuty,
        Widget::Service,
        "/pagerduty/",
        "PAGERDUTY_TOKEN",
    )
    .await;
}

#[tokio::test]
async fn github_faults() {
    fault_matrix(
        "payments",
        Source::GitHub,
        Widget::Builds,
        "/github/",
        "GITHUB_TOKEN",
    )
    .await;
}

#[tokio::test]
async fn gitlab_faults() {
    fault_matrix(
        "payments",
        Source::GitLab,
        Widget::Builds,
        "/gitlab/",
        "GITLAB_TOKEN",
    )
    .await;
}

#[tokio::test]
async fn argocd_faults() {
    fault_matrix(
        "payments",
        Source::ArgoCd,
        Widget::Sync,
        "/argocd/",
        "ARGOCD_TOKEN",
    )
    .await;
    fault_matrix(
        "checkout",
        Source::ArgoCd,
        Widget::Sync,
        "/argocd/",
        "ARGOCD_TOKEN",
    )
    .await;
}

#[tokio::test]
async fn kubernetes_faults() {
    fault_matrix(
        "payments",
        Source::Kubernetes,
        Widget::Deployments,
        "/kubernetes/",
        "KUBERNETES_TOKEN",
    )
    .await;
}

#[tokio::test]
async fn prometheus_faults() {
    fault_matrix(
        "payments",
        Source::Prometheus,
        Widget::Metric,
        "/prometheus/",
        "token_env",
    )
    .await;
    fault_matrix(
        "payments",
        Source::Prometheus,
        Widget::Alerts,
        "/prometheus/",
        "token_env",
    )
    .await;
}

#[tokio::test]
async fn pagerduty_reads_lowest_level_all_dates_and_integration_keys() {
    let h = harness(LONG).await;
    let targets = h.targets("payments");
    h.service.fetch_once(&targets).await;
    let oncall = h.target("payments", Widget::OnCall, Source::PagerDuty);
    let (_, e) = state(&h, &oncall);
    let Some(StatusValue::OnCall(o)) = e.value.as_deref() else {
        panic!("{:?}", e.error)
    };
    assert_eq!(
        o.entries.len(),
        1,
        "the user on two level-1 schedules shows once"
    );
    assert_eq!(o.entries[0].level, 1);
    assert!(
        o.entries[0]
            .email
            .as_deref()
            .unwrap()
            .ends_with("@encore.example")
    );
    assert!(o.entries[0].until.is_some());
    assert_eq!(o.levels.len(), 3);
    assert_eq!(
        o.service.as_ref().unwrap().name,
        "Payments API",
        "the fake learnt the catalogue's names"
    );
    assert_eq!(
        o.escalation_policy.as_ref().unwrap().name,
        "Payments escalation"
    );
    let log = h.fake.requests();
    let incidents = log
        .iter()
        .find(|r| r.path == "/pagerduty/incidents")
        .unwrap();
    assert!(
        incidents.query.contains("date_range=all"),
        "{}",
        incidents.query
    );
    assert!(incidents.query.contains("statuses[]=triggered"));
    let oncalls = log.iter().find(|r| r.path == "/pagerduty/oncalls").unwrap();
    assert!(oncalls.query.contains("include[]=users"));
    assert!(
        log.iter()
            .filter(|r| r.path.starts_with("/pagerduty"))
            .all(|r| r.auth_scheme.as_deref() == Some("Token"))
    );
    // One service lookup serves the on-call and service widgets.
    assert_eq!(h.fake.count("/pagerduty/services/PPAY001"), 1);

    let svc = h.target("checkout", Widget::Service, Source::PagerDuty);
    h.service.fetch_once(std::slice::from_ref(&svc)).await;
    let (_, e) = state(&h, &svc);
    let Some(StatusValue::Service(s)) = e.value.as_deref() else {
        panic!("{:?}", e.error)
    };
    assert!(s.id.starts_with('P'));
    assert!(
        ["active", "warning", "critical"].contains(&s.status.as_str()),
        "{}",
        s.status
    );
    assert!(
        h.fake
            .requests()
            .iter()
            .any(|r| r.path == "/pagerduty/services" && r.query.contains("query=8f7e6d5c"))
    );
}

#[tokio::test]
async fn github_reads_runs_on_the_default_branch_and_revalidates_with_etags() {
    let h = harness(LONG).await;
    let t = h.target("payments", Widget::Builds, Source::GitHub);
    let mut fetched = Vec::new();
    for _ in 0..4 {
        h.service.fetch_once(std::slice::from_ref(&t)).await;
        fetched.push(h.service.store().get(&t.id).unwrap().fetched_at.unwrap());
    }
    let (st, e) = state(&h, &t);
    assert_eq!(st, State::Fresh);
    assert_eq!(e.fetches, 4);
    assert!(
        fetched.windows(2).all(|w| w[1] > w[0]),
        "a 304 counts as a refresh"
    );
    let Some(StatusValue::Builds(runs)) = e.value.as_deref() else {
        panic!()
    };
    assert_eq!(runs.len(), 10);
    assert!(runs.iter().all(|r| r.branch.as_deref() == Some("main")));
    assert!(
        runs[1..]
            .iter()
            .all(|r| matches!(r.state, BuildState::Success | BuildState::Failure))
    );
    let runs_requests: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/github/repos/encore/payments/actions/runs")
        .collect();
    assert_eq!(runs_requests.len(), 4);
    assert!(runs_requests[0].query.contains("branch=main"));
    assert!(runs_requests[0].if_none_match.is_none());
    assert!(
        runs_requests[1..].iter().any(|r| r.status == Some(304)
            && r.if_none_match
                .as_deref()
                .is_some_and(|e| e.starts_with('"'))),
        "conditional requests with the quoted ETag get 304s"
    );
    assert_eq!(
        h.fake.count("/github/repos/encore/payments"),
        5,
        "repo metadata fetched once"
    );
}

#[tokio::test]
async fn github_primary_and_secondary_rate_limits_block_the_host() {
    let h = harness(LONG).await;
    let t = h.target("payments", Widget::Builds, Source::GitHub);
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    h.fake
        .inject("/github/", Fault::github_primary_limit(reset), Some(1));
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    let (_, e) = state(&h, &t);
    assert_eq!(e.error.as_ref().unwrap().kind, ErrorKind::RateLimited);
    // Another repository on the same host waits too.
    let other = h.target("ledger", Widget::Builds, Source::GitHub);
    h.service.fetch_once(std::slice::from_ref(&other)).await;
    let log = h.fake.requests();
    let limited = log.iter().position(|r| r.status == Some(403)).unwrap();
    let gap = log[limited + 1].at - log[limited].at;
    assert!(
        gap >= Duration::from_millis(900),
        "x-ratelimit-reset honoured: {gap:?}"
    );
    assert_eq!(state(&h, &other).0, State::Fresh);

    h.fake
        .inject("/github/", Fault::github_secondary_limit(1), Some(1));
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    assert_eq!(state(&h, &t).1.error.unwrap().kind, ErrorKind::RateLimited);
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    let log = h.fake.requests();
    let limited = log.iter().rposition(|r| r.status == Some(403)).unwrap();
    assert!(log[limited + 1].at - log[limited].at >= Duration::from_millis(900));

    // A 403 that is not a rate limit is a permission problem: stop.
    h.fake.inject(
        "/github/",
        Fault::status(
            403,
            &[("x-ratelimit-remaining", "4000")],
            r#"{"message":"Resource not accessible by integration"}"#,
        ),
        Some(1),
    );
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    let err = state(&h, &t).1.error.unwrap();
    assert_eq!(err.kind, ErrorKind::Stopped);
    assert!(
        err.message.contains("GITHUB_TOKEN") && err.message.contains("not accessible"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn pagerduty_ratelimit_reset_without_retry_after() {
    let h = harness(LONG).await;
    let t = h.target("payments", Widget::Incidents, Source::PagerDuty);
    h.fake.inject(
        "/pagerduty/",
        Fault::status(
            429,
            &[
                ("ratelimit-limit", "960"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", "1"),
            ],
            include_str!("fixtures/status/pagerduty-error-429.json"),
        ),
        Some(1),
    );
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    let err = state(&h, &t).1.error.unwrap();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    assert_eq!(state(&h, &t).0, State::Fresh);
    let log = h.fake.requests();
    assert!(log[1].at - log[0].at >= Duration::from_millis(900));
}

#[tokio::test]
async fn a_missing_token_stops_before_any_request_and_names_the_variable() {
    let fake = FakeUpstream::start().await.unwrap();
    let mut c = config(&fake, LONG);
    c.demo = false;
    c.pagerduty.token_env = Some("GREENROOM_TEST_NO_SUCH_TOKEN".into());
    let service = StatusService::start(c);
    let catalog = status_support::catalog();
    let targets: Vec<_> = service
        .targets_for(catalog.resolve("payments").unwrap())
        .into_iter()
        .filter(|t| t.source == Source::PagerDuty)
        .collect();
    service.fetch_once(&targets).await;
    for t in &targets {
        let e = service.store().get(&t.id).unwrap();
        let err = e.error.unwrap();
        assert_eq!(err.kind, ErrorKind::Stopped);
        assert!(
            err.message.contains("GREENROOM_TEST_NO_SUCH_TOKEN"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("greenroom-demo"));
    }
    assert_eq!(fake.count("/pagerduty"), 0);
}

#[tokio::test]
async fn an_unreachable_host_is_a_transient_error() {
    let fake = FakeUpstream::start().await.unwrap();
    let mut c = config(&fake, LONG);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    c.kubernetes.base_url = Some(format!("http://127.0.0.1:{port}"));
    let service = StatusService::start(c);
    let catalog = status_support::catalog();
    let t = service
        .targets_for(catalog.resolve("payments").unwrap())
        .into_iter()
        .find(|t| t.source == Source::Kubernetes)
        .unwrap();
    service.fetch_once(std::slice::from_ref(&t)).await;
    let err = service.store().get(&t.id).unwrap().error.unwrap();
    assert_eq!(err.kind, ErrorKind::Transient);
    assert!(err.message.contains("connect"), "{}", err.message);
}

#[tokio::test]
async fn health_checks_read_spring_bodies_even_on_503() {
    let h = harness(LONG).await;
    let t = h.target("payments", Widget::Health, Source::Health);
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    let (st, e) = state(&h, &t);
    assert_eq!(st, State::Fresh);
    let Some(StatusValue::Health(v)) = e.value.as_deref() else {
        panic!()
    };
    assert_eq!(v.url, "https://payments.encore.example/actuator/health");
    assert!(
        h.fake
            .count("/_hosts/payments.encore.example/actuator/health")
            == 1
    );
    if v.status_code == 200 {
        assert!(v.healthy && v.body_status.as_deref() == Some("UP"));
        assert!(v.components.iter().any(|(k, _)| k == "diskSpace"));
    }

    h.fake.inject(
        "/_hosts/",
        Fault::status(
            503,
            &[],
            include_str!("fixtures/status/spring-actuator-health-down.json"),
        ),
        Some(1),
    );
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    let (st, e) = state(&h, &t);
    assert_eq!(
        st,
        State::Fresh,
        "an answered DOWN is a value, not a failed fetch"
    );
    let Some(StatusValue::Health(v)) = e.value.as_deref() else {
        panic!()
    };
    assert_eq!(
        (v.status_code, v.healthy, v.body_status.as_deref()),
        (503, false, Some("DOWN"))
    );

    h.fake.inject("/_hosts/", Fault::Hang, Some(1));
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    let (st, e) = state(&h, &t);
    assert_eq!(st, State::ErrorWithValue);
    assert!(e.error.unwrap().message.contains("timed out"));
}

#[tokio::test]
async fn commands_get_entity_fields_as_separate_argv_elements_never_a_shell() {
    use greenroom::status::config::CommandSource;
    let command = |name: &str, program: &str, args: &[&str], json: bool| CommandSource {
        name: name.into(),
        program: program.into(),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        kinds: vec![],
        annotation: Some("argocd/app-name".into()),
        json,
        interval: None,
        timeout: Some(Duration::from_millis(300)),
    };
    let marker = std::env::temp_dir().join(format!("greenroom-shell-{}", std::process::id()));
    let injected = format!(
        "$(touch {}); `touch {}`",
        marker.display(),
        marker.display()
    );
    let h = status_support::harness_with(LONG, |c| {
        c.commands = vec![
            command(
                "echo",
                "/bin/echo",
                &["{name}", &injected, "{annotation:github.com/project-slug}"],
                false,
            ),
            command(
                "json",
                "printf",
                &[r#"{"service": "%s", "ok": true}"#, "{ref}"],
                true,
            ),
            command("fails", "/bin/false", &[], false),
            command("slow", "/bin/sleep", &["5"], false),
        ];
    })
    .await;
    let targets: Vec<_> = h
        .targets("payments")
        .into_iter()
        .filter(|t| t.source == Source::Command)
        .collect();
    assert_eq!(targets.len(), 4);
    assert!(
        h.targets("checkout")
            .iter()
            .all(|t| t.source != Source::Command),
        "only entities with the annotation"
    );
    let started = Instant::now();
    h.service.fetch_once(&targets).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the slow one was cut off"
    );
    let get = |name: &str| {
        let t = targets.iter().find(|t| t.label == name).unwrap();
        h.service.store().get(&t.id).unwrap()
    };
    let Some(StatusValue::Command(echo)) = get("echo").value.as_deref().cloned() else {
        panic!()
    };
    assert_eq!(echo.summary, format!("payments {injected} encore/payments"));
    assert!(echo.success && echo.exit_code == Some(0));
    assert!(!marker.exists(), "nothing was run through a shell");
    let Some(StatusValue::Command(json)) = get("json").value.as_deref().cloned() else {
        panic!()
    };
    assert_eq!(json.json.unwrap()["service"], "component:default/payments");
    let Some(StatusValue::Command(fails)) = get("fails").value.as_deref().cloned() else {
        panic!()
    };
    assert_eq!((fails.success, fails.exit_code), (false, Some(1)));
    let slow = get("slow");
    assert!(slow.error.unwrap().message.contains("timed out"));
}
