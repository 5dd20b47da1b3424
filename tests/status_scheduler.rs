//! The scheduler and store together against the fake: only targets of interest are fetched,
//! interest changes take effect at once, shared targets run once, GitHub and PagerDuty see one
//! request at a time, failures back off and then fall back to the interval, `Retry-After`
//! delays the next request, auth failures stop polling, and while every source hangs the
//! store keeps the last good values and recovers when the sources come back.

mod status_support;

use greenroom::status::fake::Fault;
use greenroom::status::oncall::{OnCallOverview, oncall_targets};
use greenroom::status::value::StatusValue;
use greenroom::status::{ErrorKind, Source, State, Widget};
use status_support::harness;
use std::time::Duration;
use tokio::time::Instant;

const LONG: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn nothing_runs_without_interest_and_interest_changes_start_and_stop_fetching() {
    let mut h = harness(Duration::from_millis(100)).await;
    // Idle means idle: no interest, no requests.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.requests().len(), 0);
    assert!(h.service.watched().is_empty());

    let payments = h.targets("payments");
    let n = payments.len();
    h.service.set_interest("entity-view", payments.clone());
    // The same targets wanted by a pane too: still one task each.
    h.service.set_interest("pane-1", payments.clone());
    assert_eq!(h.service.watched().len(), n);
    h.until("every payments target fetched twice", |s| {
        s.snapshot(&payments).iter().all(|e| e.fetches >= 2)
    })
    .await;

    h.service.clear_interest("entity-view");
    assert_eq!(h.service.watched().len(), n, "the pane still wants them");
    h.service.clear_interest("pane-1");
    assert!(h.service.watched().is_empty());
    // Let any request already on the wire land, then nothing more may come.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = h.fake.requests().len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        h.fake.requests().len(),
        after,
        "targets no longer of interest stopped"
    );
    // Values stay in the store for when the entity is opened again.
    assert!(
        h.service
            .store()
            .snapshot(&payments)
            .iter()
            .all(|e| e.value.is_some())
    );
}

#[tokio::test]
async fn services_sharing_an_escalation_policy_fetch_it_once() {
    let mut h = harness(LONG).await;
    let catalog = status_support::catalog();
    let team = catalog.resolve("payments-team").unwrap();
    let targets: Vec<_> = oncall_targets(&catalog, h.service.config(), Some(team))
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(targets.len(), 2, "payments and ledger");
    h.service.set_interest("oncall-view", targets.clone());
    h.until("both on-calls loaded", |s| {
        s.snapshot(&targets).iter().all(|e| e.value.is_some())
    })
    .await;
    // Both services of one team share a policy (the fake gives a team one policy).
    assert_eq!(h.fake.count("/pagerduty/oncalls"), 1);
    assert_eq!(h.fake.count("/pagerduty/services/"), 2);
}

#[tokio::test]
async fn github_and_pagerduty_get_one_request_at_a_time() {
    let mut h = harness(LONG).await;
    h.fake
        .inject("/github/", Fault::Delay(Duration::from_millis(60)), None);
    h.fake
        .inject("/pagerduty/", Fault::Delay(Duration::from_millis(60)), None);
    h.fake.inject(
        "/kubernetes/",
        Fault::Delay(Duration::from_millis(60)),
        None,
    );
    let mut all = Vec::new();
    for e in ["payments", "ledger", "checkout"] {
        all.extend(h.targets(e));
    }
    h.service.set_interest("everything", all.clone());
    h.until("all loaded", |s| {
        s.snapshot(&all).iter().all(|e| e.value.is_some())
    })
    .await;
    assert!(h.fake.count("/github/") >= 4);
    assert!(h.fake.count("/pagerduty/") >= 5);
    assert_eq!(h.fake.max_in_flight("github"), 1);
    assert_eq!(h.fake.max_in_flight("pagerduty"), 1);
}

#[tokio::test]
async fn failures_back_off_then_fall_back_to_the_interval_and_recover_on_refresh() {
    let mut h = harness(LONG).await;
    let t = h.target("payments", Widget::Deployments, Source::Kubernetes);
    h.fake.inject("/kubernetes/", Fault::server_error(), None);
    h.service.set_interest("v", [t.clone()]);
    // 1 attempt + max_retries (3) quick retries, then the normal (hour-long) interval.
    h.until("retries exhausted", |s| {
        s.get(&t.id).is_some_and(|e| {
            e.failures == 4
                && e.next_at
                    .is_some_and(|n| n > Instant::now() + Duration::from_secs(1800))
        })
    })
    .await;
    assert_eq!(
        h.fake.count("/kubernetes/"),
        4,
        "requests follow the backoff schedule"
    );
    let e = h.service.store().get(&t.id).unwrap();
    assert_eq!(e.state(Instant::now()), State::ErrorNoData);
    assert_eq!(e.error.unwrap().kind, ErrorKind::Transient);

    h.fake.clear_faults();
    h.service.refresh(&t.id);
    h.until("recovered", |s| {
        s.get(&t.id)
            .is_some_and(|e| e.value.is_some() && e.error.is_none())
    })
    .await;
    assert_eq!(h.fake.count("/kubernetes/"), 5);
}

#[tokio::test]
async fn retry_after_holds_the_next_scheduled_request() {
    let mut h = harness(LONG).await;
    let t = h.target("payments", Widget::Incidents, Source::PagerDuty);
    h.fake
        .inject("/pagerduty/", Fault::too_many_requests("1"), Some(1));
    h.service.set_interest("v", [t.clone()]);
    h.until("loaded after the 429", |s| {
        s.get(&t.id).is_some_and(|e| e.value.is_some())
    })
    .await;
    let log = h.fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].status, Some(429));
    let gap = log[1].at - log[0].at;
    assert!(gap >= Duration::from_millis(900), "waited {gap:?}");
}

#[tokio::test]
async fn credentials_refused_stop_the_source_until_refreshed() {
    let mut h = harness(Duration::from_millis(50)).await;
    let a = h.target("payments", Widget::Builds, Source::GitHub);
    let b = h.target("ledger", Widget::Builds, Source::GitHub);
    h.fake.inject("/github/", Fault::unauthorized(), Some(1));
    h.service.set_interest("v", [a.clone(), b.clone()]);
    h.until("both stopped", |s| {
        [&a, &b]
            .iter()
            .all(|t| s.get(&t.id).is_some_and(|e| e.is_stopped()))
    })
    .await;
    for t in [&a, &b] {
        let err = h.service.store().get(&t.id).unwrap().error.unwrap();
        assert!(err.message.contains("GITHUB_TOKEN"), "{}", err.message);
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        h.fake.count("/github/"),
        1,
        "one 401 stops the whole source: no polling (interval 50 ms), no second target asking"
    );
    assert!(h.service.watched().is_empty());

    h.service.refresh(&a.id);
    h.until("restarted", |s| {
        s.get(&a.id)
            .is_some_and(|e| e.value.is_some() && e.error.is_none())
    })
    .await;
    h.service.refresh(&b.id);
    h.until("the other restarted", |s| {
        s.get(&b.id)
            .is_some_and(|e| e.value.is_some() && e.error.is_none())
    })
    .await;
}

#[tokio::test]
async fn while_every_source_hangs_last_values_stay_and_they_recover() {
    let mut h = harness(Duration::from_millis(250)).await;
    let mut all = h.targets("payments");
    all.extend(h.targets("checkout"));
    h.service.set_interest("v", all.clone());
    h.until("all fresh", |s| {
        s.snapshot(&all)
            .iter()
            .all(|e| e.state(Instant::now()) == State::Fresh)
    })
    .await;
    let before: Vec<_> = h
        .service
        .store()
        .snapshot(&all)
        .into_iter()
        .map(|e| e.value)
        .collect();

    h.fake.inject("/", Fault::Hang, None);
    h.until("every source timed out", |s| {
        s.snapshot(&all).iter().all(|e| {
            e.error
                .as_ref()
                .is_some_and(|err| err.message.contains("timed out"))
        })
    })
    .await;
    let during = h.service.store().snapshot(&all);
    for (e, old) in during.iter().zip(&before) {
        assert_eq!(
            e.state(Instant::now()),
            State::ErrorWithValue,
            "{}",
            e.target.id
        );
        assert!(e.value.is_some() && old.is_some());
    }
    // The store answers readers at once while every fetch is stuck.
    let read = Instant::now();
    for _ in 0..1000 {
        let _ = h.service.store().snapshot(&all);
    }
    assert!(read.elapsed() < Duration::from_secs(1));

    h.fake.clear_faults();
    h.until("every source recovered", |s| {
        s.snapshot(&all)
            .iter()
            .all(|e| e.error.is_none() && e.value.is_some())
    })
    .await;
}

#[tokio::test]
async fn the_oncall_overview_groups_services_by_team_and_finds_my_shifts() {
    let h = harness(LONG).await;
    let catalog = status_support::catalog();
    let targets: Vec<_> = oncall_targets(&catalog, h.service.config(), None)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(targets.len(), 3);
    h.service.fetch_once(&targets).await;
    let mut config = h.service.config().clone();
    let first = h.service.store().get(&targets[0].id).unwrap();
    let Some(StatusValue::OnCall(o)) = first.value.as_deref() else {
        panic!()
    };
    config.user = o.entries[0].email.clone();
    let overview =
        OnCallOverview::build(&catalog, h.service.store(), &config, None, Instant::now());
    let teams: Vec<&str> = overview.teams.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(teams, ["Payments", "Storefront"]);
    assert_eq!(overview.teams[0].services.len(), 2);
    for s in overview.teams.iter().flat_map(|t| &t.services) {
        assert_eq!(s.state, State::Fresh);
        assert!(!s.now.is_empty() && s.escalation_policy.is_some() && s.levels.len() == 3);
    }
    assert!(
        !overview.mine.is_empty(),
        "the configured user is on call somewhere"
    );

    // A catalogue User ref works too: Ada's profile email.
    config.user = Some("user:default/ada".into());
    let overview =
        OnCallOverview::build(&catalog, h.service.store(), &config, None, Instant::now());
    let ada_on_call = overview
        .teams
        .iter()
        .flat_map(|t| &t.services)
        .any(|s| s.now.iter().any(|p| p.name == "Ada Lovelace"));
    assert_eq!(!overview.mine.is_empty(), ada_on_call);

    let one = OnCallOverview::build(
        &catalog,
        h.service.store(),
        &config,
        catalog.resolve("checkout").ok(),
        Instant::now(),
    );
    assert_eq!(one.teams.len(), 1);
    assert_eq!(one.teams[0].services[0].name, "checkout");
}

#[tokio::test]
async fn injected_latency_holds_each_answer_at_least_its_minimum() {
    let h = harness(LONG).await;
    let min = Duration::from_millis(200);
    h.fake.inject(
        "/github/",
        Fault::Latency {
            min,
            max: Duration::from_millis(300),
        },
        None,
    );
    let t = h.target("payments", Widget::Builds, Source::GitHub);
    let started = Instant::now();
    h.service.fetch_once(std::slice::from_ref(&t)).await;
    assert!(started.elapsed() >= min, "{:?}", started.elapsed());
    let entry = h.service.store().get(&t.id).unwrap();
    assert!(entry.value.is_some() && entry.error.is_none(), "{entry:?}");
    assert!(h.fake.count("/github/") >= 1);
}
