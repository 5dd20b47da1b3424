//! The `port` catalogue source against a local fake of Port's REST API that replays the
//! documented shapes (`research/portals.md` §1.2): the client-credentials token, blueprints
//! with relations, teams, users, entity search paged with `next`, a 401 once the token has
//! expired (a new one is fetched once), and a 429 with rate-limit headers (waited out).

use greenroom::catalog::{Catalog, RelationType};
use greenroom::sources::port::PortSource;
use greenroom::sources::{self, LoadOptions, Source};
use std::sync::Arc;
use std::sync::atomic::Ordering;

mod port_fake;
use port_fake::{Port, serve, source};

fn load(s: PortSource) -> Catalog {
    let sources: Vec<Box<dyn Source>> = vec![Box::new(s)];
    sources::load(
        &sources,
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    )
}

fn related<'a>(c: &'a Catalog, key: &str, rel: RelationType) -> Vec<&'a str> {
    c.get(key)
        .unwrap_or_else(|| panic!("{key} missing"))
        .related(&rel)
        .collect()
}

#[test]
fn port_data_becomes_a_catalogue_with_ownership_systems_and_apis() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let c = load(source(&url, "MAP"));
    assert!(c.diagnostics().is_empty(), "{:?}", c.diagnostics());
    let mut keys: Vec<&str> = c.entities().iter().map(|e| e.key.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "api:default/payments-rest",
            "component:default/checkout-web",
            "component:default/ledger",
            "component:default/payments-api",
            "group:default/payments-team",
            "group:default/platform",
            "resource:default/orders-db",
            "system:default/billing",
            "user:default/ann.lee",
            "user:default/bo",
        ]
    );
    // Ownership and membership both ways, as from files.
    let owned = related(&c, "group:default/payments-team", RelationType::OwnerOf);
    assert!(
        owned.contains(&"component:default/payments-api")
            && owned.contains(&"system:default/billing"),
        "{owned:?}"
    );
    assert_eq!(
        related(&c, "group:default/payments-team", RelationType::HasMember),
        ["user:default/ann.lee"]
    );
    assert_eq!(
        related(&c, "system:default/billing", RelationType::HasPart),
        ["component:default/ledger", "component:default/payments-api"]
    );
    assert_eq!(
        related(
            &c,
            "component:default/payments-api",
            RelationType::ConsumesApi
        ),
        ["api:default/payments-rest"]
    );
    assert_eq!(
        related(
            &c,
            "component:default/payments-api",
            RelationType::DependencyOf
        ),
        ["component:default/checkout-web"]
    );
    // Status annotations, view links and the blueprint's properties.
    let api = c.get("component:default/payments-api").unwrap();
    assert_eq!(api.annotation("pagerduty.com/service-id"), Some("PABC123"));
    assert_eq!(api.description(), Some("Takes payments"));
    assert_eq!(api.lifecycle(), Some("production"));
    assert_eq!(api.title(), Some("Payments API"));
    assert!(api.origin.place().contains(&url), "{}", api.origin.place());
    let db = c.get("resource:default/orders-db").unwrap();
    assert_eq!(db.spec_type(), Some("cloudResource"));
    assert_eq!(db.spec().unwrap()["properties"]["engine"], "postgres");
    let ann = c.get("user:default/ann.lee").unwrap();
    assert_eq!(ann.spec().unwrap()["profile"]["displayName"], "Ann Lee");
    // Paged with `next`: service has three entities, two a page.
    let log = port.log.lock().unwrap().clone();
    // One token per credential set: a second load reuses it.
    let again = load(source(&url, "MAP"));
    assert_eq!(again.entities().len(), 10);
    assert_eq!(
        port.issued.load(Ordering::SeqCst),
        1,
        "the token was cached"
    );
    assert_eq!(
        log.iter()
            .filter(|l| l.contains("/service/entities/search"))
            .count(),
        2,
        "{log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains("/_user/")),
        "Port's own blueprints are not searched"
    );
}

#[test]
fn an_expired_token_is_renewed_once_and_a_429_is_waited_out() {
    let port = Arc::new(Port {
        expire_after: 3,
        rate_limit_once: true,
        ..Port::default()
    });
    let url = serve(port.clone());
    let c = load(source(&url, "RENEW"));
    assert!(c.diagnostics().is_empty(), "{:?}", c.diagnostics());
    assert_eq!(c.entities().len(), 10);
    assert!(
        port.issued.load(Ordering::SeqCst) >= 2,
        "a new token after the 401"
    );
    assert!(
        port.limited.load(Ordering::SeqCst) >= 2,
        "the 429 was answered, then retried"
    );
}

#[test]
fn bad_credentials_name_the_variables() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let mut s = source(&url, "BAD");
    unsafe { std::env::set_var("GREENROOM_TEST_PORT_SECRET_BAD", "wrong") };
    s.client_secret_env = "GREENROOM_TEST_PORT_SECRET_BAD".into();
    let c = load(s);
    assert!(c.entities().is_empty());
    let m = &c.diagnostics()[0].message;
    assert!(m.contains("Invalid client credentials"), "{m}");
    assert!(
        m.contains("GREENROOM_TEST_PORT_ID_BAD") && m.contains("GREENROOM_TEST_PORT_SECRET_BAD"),
        "{m}"
    );

    let mut s = PortSource::new(&url);
    s.client_id_env = "GREENROOM_TEST_PORT_UNSET_ID".into();
    let c = load(s);
    assert!(
        c.diagnostics()[0]
            .message
            .contains("GREENROOM_TEST_PORT_UNSET_ID"),
        "{:?}",
        c.diagnostics()
    );
}

#[test]
fn ports_scorecards_are_shown_as_port_computed_them() {
    use greenroom::scorecard::{self, Inputs, NoLive, Outcome, facts::LocalRepos};
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let c = load(source(&url, "CARDS"));
    let loaded = scorecard::load_all(&[], false, &c);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let cards = loaded.cards;
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].id, "production_readiness");
    assert_eq!(cards[0].levels, ["Bronze", "Silver", "Gold"]);
    let inputs = Inputs {
        catalog: &c,
        live: &NoLive,
        repo: &LocalRepos,
    };
    let grades = scorecard::grade_all(&cards, &inputs);
    // Only the entity Port graded carries the card.
    assert_eq!(grades.len(), 1);
    let g = &grades[0];
    assert_eq!(g.entity, "component:default/payments-api");
    assert_eq!(cards[0].level_name(g.level), "Silver");
    let outcomes: Vec<(&str, Outcome)> = g
        .results
        .iter()
        .map(|r| (cards[0].rules[r.rule].id.as_str(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("has_team", Outcome::Pass),
            ("has_readme", Outcome::Pass),
            ("has_on_call", Outcome::Fail)
        ]
    );
    assert_eq!(g.results[2].found, "Port: FAILURE");
}
