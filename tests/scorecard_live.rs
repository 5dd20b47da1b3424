//! Live scorecard rules against the fake upstream (`greenroom_core::status::fake`), which
//! replays the real payload shapes of PagerDuty, GitHub, Prometheus and health endpoints: each
//! rule passes or fails with what was found and the data's age; a failed fetch is unknown with
//! the reason; offline everything live is unknown.

use greenroom::catalog::Catalog;
use greenroom::scorecard::{
    self, Grade, Inputs, NoLive, Outcome, StoreLive, facts::LocalRepos, sources,
};
use greenroom::sources::LoadOptions;
use greenroom::status::fake::{FakeNames, FakeUpstream, Fault};
use greenroom::status::{StatusConfig, StatusService};

/// A fixed moment for the fake's clock: nothing here depends on today's date.
const ORIGIN: f64 = 1_790_000_000.0;

/// The demo catalogue (loaded outside any runtime: loading runs its own), and a runtime.
fn setup() -> (Catalog, tokio::runtime::Runtime) {
    let catalog = demo();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (catalog, rt)
}

fn demo() -> Catalog {
    greenroom::sources::load(
        &[Box::new(greenroom::sources::demo::source())],
        &LoadOptions::default(),
    )
}

async fn fake(catalog: &Catalog) -> (FakeUpstream, StatusConfig) {
    let fake = FakeUpstream::start_at(FakeNames::from_catalog(catalog), ORIGIN)
        .await
        .unwrap();
    let mut config = fake.status_config();
    config
        .health
        .rewrite
        .push(fake.rewrite("checkout.encore.example"));
    (fake, config)
}

async fn grade_checkout(
    catalog: &Catalog,
    service: &StatusService,
) -> (Vec<scorecard::Scorecard>, Grade) {
    let cards: Vec<_> = sources::demo()
        .cards
        .into_iter()
        .filter(|c| c.id == "operational-health")
        .collect();
    let e = catalog.resolve("checkout-service").unwrap();
    let targets = scorecard::facts::live_targets(e, service.config());
    assert_eq!(targets.len(), 4, "on-call, CI, alerts, health");
    service.fetch_once(&targets).await;
    let live = StoreLive {
        store: service.store(),
        config: service.config(),
        now: tokio::time::Instant::now(),
    };
    let inputs = Inputs {
        catalog,
        live: &live,
        repo: &LocalRepos,
    };
    let g = scorecard::grade_entity(&cards, e, &inputs).remove(0);
    (cards, g)
}

fn by_id<'g>(card: &scorecard::Scorecard, g: &'g Grade, id: &str) -> &'g scorecard::RuleResult {
    g.results
        .iter()
        .find(|r| card.rules[r.rule].id == id)
        .unwrap()
}

#[test]
fn live_rules_read_the_fetched_facts_with_their_age() {
    let (catalog, rt) = setup();
    rt.block_on(async {
        let (_fake, config) = fake(&catalog).await;
        let service = StatusService::start(config);
        let (cards, g) = grade_checkout(&catalog, &service).await;
        for r in &g.results {
            let id = &cards[0].rules[r.rule].id;
            assert!(
                matches!(r.outcome, Outcome::Pass | Outcome::Fail),
                "{id}: {:?} {}",
                r.outcome,
                r.found
            );
            assert!(r.age.is_some(), "{id} has an age");
            assert!(
                r.found.ends_with("ago)") || r.found.ends_with("(now)"),
                "{id}: {}",
                r.found
            );
        }
        let oncall = by_id(&cards[0], &g, "on-call-now");
        assert!(oncall.found.starts_with("on call: ") || oncall.found.starts_with("nobody"));
        let ci = by_id(&cards[0], &g, "ci-green");
        assert!(ci.found.starts_with("run #"), "{}", ci.found);
        let health = by_id(&cards[0], &g, "healthy");
        assert!(health.found.starts_with("HTTP "), "{}", health.found);
    });
}

#[test]
fn a_failed_fetch_is_unknown_with_the_reason_and_counts_as_a_failure() {
    let (catalog, rt) = setup();
    rt.block_on(async {
        let (fake, config) = fake(&catalog).await;
        fake.inject("/pagerduty/", Fault::unauthorized(), None);
        let service = StatusService::start(config);
        let (cards, g) = grade_checkout(&catalog, &service).await;
        let oncall = by_id(&cards[0], &g, "on-call-now");
        assert_eq!(oncall.outcome, Outcome::Unknown);
        assert!(
            oncall.found.starts_with("the last fetch failed: "),
            "{}",
            oncall.found
        );
        // The card says unknown counts as fail, and on-call is its Bronze rule.
        assert_eq!(g.level, None);
    });
}

#[test]
fn offline_every_live_rule_is_unknown() {
    let catalog = demo();
    let cards = sources::demo().cards;
    let inputs = Inputs {
        catalog: &catalog,
        live: &NoLive,
        repo: &LocalRepos,
    };
    let e = catalog.resolve("checkout-service").unwrap();
    let card = cards
        .iter()
        .position(|c| c.id == "operational-health")
        .unwrap();
    let g = scorecard::grade(&cards[card], card, e, &inputs);
    assert!(g.results.iter().all(|r| r.outcome == Outcome::Unknown));
    assert_eq!(cards[card].level_name(g.level), "Unrated");
}
