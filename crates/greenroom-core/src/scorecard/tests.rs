//! Predicate and level semantics: tri-state results, skip, how unknown counts, the level
//! ladder, points, located diagnostics, the `level:` filter and team roll-ups.

use super::facts::{LiveFact, LiveObs};
use super::*;
use crate::catalog::Catalog;
use crate::sources::files::FileSource;
use crate::sources::{LoadOptions, Source};
use crate::status::value::{Build, BuildState, OnCall, OnCallEntry, StatusValue};

const ORG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: payments }
spec: { type: team, children: [payments-core] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: payments-core }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: empty-team }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ada }
spec: { memberOf: [payments, payments-core] }
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: { name: billing }
spec: { owner: payments }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: good
  description: All there.
  annotations: { pagerduty.com/service-id: PGOOD, backstage.io/techdocs-ref: "dir:." }
  tags: [go, grpc]
  links: [{ url: "https://r.example/good", title: Runbook, type: runbook }]
spec: { type: service, lifecycle: production, owner: payments-core, system: billing }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: silver
  description: No runbook.
  annotations: { pagerduty.com/service-id: PSILV }
  links: [{ url: "https://d.example", title: Dashboard, type: dashboard }]
spec: { type: service, lifecycle: production, owner: payments, system: billing }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: orphan }
spec: { type: service, lifecycle: production, owner: nobody-team }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: lonely, description: Owned by a team of nobody. }
spec: { type: service, lifecycle: experimental, owner: empty-team, system: billing }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: lib, description: A library. }
spec: { type: library, lifecycle: production, owner: payments }
"#;

const CARD: &str = r#"
apiVersion: greenroom.dev/v1alpha1
kind: Scorecard
metadata: { name: ready, title: Ready }
spec:
  appliesTo: { field: { path: spec.type, equals: service } }
  levels: [Bronze, Silver, Gold]
  rules:
    - id: owner
      level: Bronze
      points: 3
      check: { owner: { kind: Group, resolvable: true, minMembers: 1 } }
      fix: Set spec.owner to a team.
    - id: system
      level: Bronze
      check: { relation: { type: partOf, targetKind: System } }
    - id: oncall
      level: Silver
      check: { annotation: pagerduty.com/service-id }
    - id: prod-alerts
      level: Silver
      when: { field: { path: spec.lifecycle, equals: production } }
      check: { not: { tag: legacy } }
    - id: runbook
      level: Gold
      check: { link: { type: runbook } }
      fix: Add a runbook link.
    - id: live-oncall
      level: Gold
      check: { live: oncall }
"#;

fn catalog(text: &str) -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog-info.yaml"), text).unwrap();
    let src: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let c = crate::sources::load(&[src], &LoadOptions::default());
    (dir, c)
}

fn card(text: &str) -> Scorecard {
    let out = parse_scorecards(text, "card.yaml");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    out.cards.into_iter().next().unwrap()
}

/// Live facts given per entity name.
struct FakeLive(Vec<(&'static str, LiveFact, LiveObs)>);

impl LiveFacts for FakeLive {
    fn observe(&self, e: &Entity, fact: LiveFact) -> LiveObs {
        self.0
            .iter()
            .find(|(n, f, _)| *n == e.name() && *f == fact)
            .map_or(LiveObs::NoData("not fetched yet".into()), |(_, _, o)| {
                o.clone()
            })
    }
}

fn on_call(names: &[&str]) -> LiveObs {
    LiveObs::Value {
        value: Arc::new(StatusValue::OnCall(OnCall {
            service: None,
            escalation_policy: None,
            entries: names
                .iter()
                .map(|n| OnCallEntry {
                    user_id: n.to_string(),
                    name: n.to_string(),
                    email: None,
                    level: 1,
                    schedule: None,
                    start: None,
                    until: None,
                    url: None,
                })
                .collect(),
            levels: vec![],
        })),
        age: Duration::from_secs(42),
        stale: false,
    }
}

fn grade_of(cards: &[Scorecard], c: &Catalog, live: &dyn LiveFacts, name: &str) -> Grade {
    let inputs = Inputs {
        catalog: c,
        live,
        repo: &LocalRepos,
    };
    let e = c.resolve(name).unwrap();
    grade_entity(cards, e, &inputs).into_iter().next().unwrap()
}

use super::facts::LocalRepos;

fn result<'g>(card: &Scorecard, g: &'g Grade, id: &str) -> &'g RuleResult {
    g.results
        .iter()
        .find(|r| card.rules[r.rule].id == id)
        .unwrap()
}

#[test]
fn a_service_passing_everything_is_gold() {
    let (_d, c) = catalog(ORG);
    let cards = vec![card(CARD)];
    let live = FakeLive(vec![("good", LiveFact::OnCall, on_call(&["Ada"]))]);
    let g = grade_of(&cards, &c, &live, "good");
    assert_eq!(cards[0].level_name(g.level), "Gold");
    assert_eq!((g.points, g.possible), (8, 8));
    let r = result(&cards[0], &g, "live-oncall");
    assert_eq!(r.outcome, Outcome::Pass);
    assert_eq!(r.found, "on call: Ada (42s ago)");
    assert_eq!(r.age, Some(Duration::from_secs(42)));
    assert!(g.next_level(&cards[0]).is_none());
}

#[test]
fn a_failing_gold_rule_keeps_silver_and_says_what_it_takes() {
    let (_d, c) = catalog(ORG);
    let cards = vec![card(CARD)];
    let live = FakeLive(vec![("silver", LiveFact::OnCall, on_call(&["Ada"]))]);
    let g = grade_of(&cards, &c, &live, "silver");
    assert_eq!(cards[0].level_name(g.level), "Silver");
    let r = result(&cards[0], &g, "runbook");
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.found, "0 matching; the links are: dashboard");
    let (next, blocking) = g.next_level(&cards[0]).unwrap();
    assert_eq!(cards[0].levels[next], "Gold");
    let ids: Vec<&str> = blocking
        .iter()
        .map(|r| cards[0].rules[r.rule].id.as_str())
        .collect();
    assert_eq!(ids, ["runbook"]);
}

#[test]
fn a_bronze_failure_keeps_the_base_level_even_if_higher_rules_pass() {
    let (_d, c) = catalog(ORG);
    let cards = vec![card(CARD)];
    let g = grade_of(&cards, &c, &NoLive, "orphan");
    assert_eq!(g.level, None);
    assert_eq!(cards[0].level_name(g.level), BASE_LEVEL);
    let r = result(&cards[0], &g, "owner");
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(
        r.found,
        "the owner group:default/nobody-team is not in the catalogue"
    );
    let lonely = grade_of(&cards, &c, &NoLive, "lonely");
    assert_eq!(
        result(&cards[0], &lonely, "owner").found,
        "the owner group:default/empty-team has 0 member(s)"
    );
}

#[test]
fn when_false_is_skip_and_skips_do_not_count() {
    let (_d, c) = catalog(ORG);
    let cards = vec![card(CARD)];
    let g = grade_of(&cards, &c, &NoLive, "lonely");
    let r = result(&cards[0], &g, "prod-alerts");
    assert_eq!(r.outcome, Outcome::Skip);
    assert!(r.found.starts_with("not applicable"), "{}", r.found);
    // 6 rules, one skipped: its point is not possible.
    assert_eq!(g.possible, 3 + 1 + 1 + 1 + 1);
}

#[test]
fn unknown_counts_as_the_policy_says() {
    let (_d, c) = catalog(ORG);
    let mut cards = vec![card(CARD)];
    // Offline: the live rule is unknown.
    let g = grade_of(&cards, &c, &NoLive, "good");
    let r = result(&cards[0], &g, "live-oncall");
    assert_eq!(r.outcome, Outcome::Unknown);
    assert_eq!(r.found, "offline: live facts are not fetched");
    assert_eq!(cards[0].level_name(g.level), "Silver", "fail by default");
    assert_eq!((g.points, g.possible), (7, 8));

    cards[0].unknown = UnknownPolicy::Pass;
    let g = grade_of(&cards, &c, &NoLive, "good");
    assert_eq!(cards[0].level_name(g.level), "Gold");
    assert_eq!((g.points, g.possible), (8, 8));

    cards[0].unknown = UnknownPolicy::Ignore;
    let g = grade_of(&cards, &c, &NoLive, "good");
    assert_eq!(cards[0].level_name(g.level), "Gold");
    assert_eq!((g.points, g.possible), (7, 7));

    // A rule's own policy wins over the card's.
    cards[0].rules[5].unknown = Some(UnknownPolicy::Fail);
    let g = grade_of(&cards, &c, &NoLive, "good");
    assert_eq!(cards[0].level_name(g.level), "Silver");
}

#[test]
fn live_facts_fail_with_what_was_found_and_unknown_without_data() {
    let (_d, c) = catalog(ORG);
    let cards = vec![card(CARD)];
    let live = FakeLive(vec![("good", LiveFact::OnCall, on_call(&[]))]);
    let g = grade_of(&cards, &c, &live, "good");
    let r = result(&cards[0], &g, "live-oncall");
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.found, "nobody is on call now (42s ago)");
    let live = FakeLive(vec![(
        "good",
        LiveFact::OnCall,
        LiveObs::NoData("the last fetch failed: HTTP 500".into()),
    )]);
    let r = grade_of(&cards, &c, &live, "good");
    assert_eq!(
        result(&cards[0], &r, "live-oncall").outcome,
        Outcome::Unknown
    );
    let live = FakeLive(vec![("good", LiveFact::OnCall, LiveObs::NoSource)]);
    let r = grade_of(&cards, &c, &live, "good");
    assert_eq!(result(&cards[0], &r, "live-oncall").outcome, Outcome::Fail);
}

#[test]
fn max_age_turns_old_data_into_unknown() {
    let (_d, c) = catalog(ORG);
    let text = CARD.replace(
        "{ live: oncall }",
        "{ live: { fact: oncall, maxAge: 30s } }",
    );
    let cards = vec![card(&text)];
    let live = FakeLive(vec![("good", LiveFact::OnCall, on_call(&["Ada"]))]);
    let g = grade_of(&cards, &c, &live, "good");
    let r = result(&cards[0], &g, "live-oncall");
    assert_eq!(r.outcome, Outcome::Unknown);
    assert_eq!(r.found, "the data is older than 30s (42s ago)");
}

#[test]
fn ci_rule_reads_the_last_finished_run_on_the_default_branch() {
    let (_d, c) = catalog(ORG);
    let text = CARD.replace("{ live: oncall }", "{ live: ci }");
    let cards = vec![card(&text)];
    let build = |n: u64, state: BuildState, branch: &str| Build {
        id: n,
        name: None,
        number: Some(n),
        state,
        status: "completed".into(),
        conclusion: Some(format!("{state:?}").to_lowercase()),
        branch: Some(branch.into()),
        commit: None,
        title: None,
        started_at: None,
        updated_at: None,
        url: None,
        actor: None,
    };
    let obs = |builds| LiveObs::Value {
        value: Arc::new(StatusValue::Builds(builds)),
        age: Duration::from_secs(5),
        stale: false,
    };
    // Running on main and a failure on a feature branch are passed over.
    let live = FakeLive(vec![(
        "good",
        LiveFact::Ci,
        obs(vec![
            build(9, BuildState::Running, "main"),
            build(8, BuildState::Failure, "feature/x"),
            build(7, BuildState::Success, "main"),
        ]),
    )]);
    let g = grade_of(&cards, &c, &live, "good");
    let r = result(&cards[0], &g, "live-oncall");
    assert_eq!(r.outcome, Outcome::Pass, "{}", r.found);
    assert_eq!(r.found, "run #7 on main: success (5s ago)");
    let live = FakeLive(vec![(
        "good",
        LiveFact::Ci,
        obs(vec![build(7, BuildState::Failure, "main")]),
    )]);
    let g = grade_of(&cards, &c, &live, "good");
    assert_eq!(result(&cards[0], &g, "live-oncall").outcome, Outcome::Fail);
}

#[test]
fn combinators_are_three_valued() {
    let (_d, c) = catalog(ORG);
    let inputs = Inputs {
        catalog: &c,
        live: &NoLive,
        repo: &LocalRepos,
    };
    let e = c.resolve("good").unwrap();
    let p = |y: &str| {
        let n = crate::yaml::parse_single(y, &Default::default())
            .unwrap()
            .unwrap();
        Predicate::parse(&n, 0).unwrap().eval(e, &inputs).outcome
    };
    let t = "{ tag: go }";
    let f = "{ tag: java }";
    let u = "{ live: health }";
    assert_eq!(p(&format!("all: [{t}, {u}]")), Outcome::Unknown);
    assert_eq!(p(&format!("all: [{f}, {u}]")), Outcome::Fail);
    assert_eq!(p(&format!("any: [{f}, {u}]")), Outcome::Unknown);
    assert_eq!(p(&format!("any: [{t}, {u}]")), Outcome::Pass);
    assert_eq!(p(&format!("not: {u}")), Outcome::Unknown);
    assert_eq!(p(&format!("not: {f}")), Outcome::Pass);
    assert_eq!(
        p("field: { path: metadata.tags, minItems: 2 }"),
        Outcome::Pass
    );
    assert_eq!(
        p("field: { path: metadata.tags, minItems: 3 }"),
        Outcome::Fail
    );
    assert_eq!(
        p("field: { path: spec.lifecycle, notIn: [experimental] }"),
        Outcome::Pass
    );
    assert_eq!(
        p("field: { path: spec.nothing, exists: false }"),
        Outcome::Pass
    );
    assert_eq!(
        p("field: { path: metadata.name, matches: '^go+d$' }"),
        Outcome::Pass
    );
    // `dir:.` with no site in the folder: the docs do not resolve; with one, they do.
    assert_eq!(p("docs: techdocs"), Outcome::Fail);
    std::fs::write(_d.path().join("mkdocs.yml"), "site_name: good\n").unwrap();
    assert_eq!(p("docs: techdocs"), Outcome::Pass);
    assert_eq!(p("link: { title: '(?i)^runbook$' }"), Outcome::Pass);
    assert_eq!(
        p("relation: { type: partOf, targetKind: Domain }"),
        Outcome::Fail
    );
    assert_eq!(p("owner: { in: [group:payments-core] }"), Outcome::Pass);
    assert_eq!(p("owner: { in: [payments] }"), Outcome::Fail);
}

#[test]
fn file_rules_read_the_entitys_folder_only() {
    let (dir, c) = catalog(ORG);
    std::fs::write(dir.path().join("README.md"), "# hi").unwrap();
    std::fs::write(dir.path().join("CODEOWNERS"), "* @acme/payments\n").unwrap();
    let inputs = Inputs {
        catalog: &c,
        live: &NoLive,
        repo: &LocalRepos,
    };
    let e = c.resolve("good").unwrap();
    let p = |y: &str| {
        let n = crate::yaml::parse_single(y, &Default::default())
            .unwrap()
            .unwrap();
        Predicate::parse(&n, 0).unwrap().eval(e, &inputs)
    };
    assert_eq!(p("file: { path: README.md }").outcome, Outcome::Pass);
    assert_eq!(
        p("file: { path: [.github/CODEOWNERS, CODEOWNERS], contains: '@acme/payments' }").outcome,
        Outcome::Pass
    );
    let r = p("file: { path: CODEOWNERS, contains: '@acme/billing' }");
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.found, "CODEOWNERS does not contain \"@acme/billing\"");
    let r = p("file: { path: LICENSE }");
    assert_eq!(r.found, "no LICENSE in the repository");
    assert_eq!(
        p("file: { path: LICENSE, exists: false }").outcome,
        Outcome::Pass
    );
}

#[test]
fn bad_files_give_located_diagnostics() {
    let cases = [
        ("kind: Scorecard\n", 1, "scorecard needs `apiVersion`"),
        (
            "apiVersion: greenroom.dev/v1alpha1\nkind: Scorecard\nmetadata: { name: x }\nspec:\n  levels: [Bronze]\n  rules:\n    - id: a\n      level: Platinum\n      check: { tag: x }\n",
            8,
            "level `Platinum` is not one of the scorecard's levels (Bronze)",
        ),
        (
            "apiVersion: greenroom.dev/v1alpha1\nkind: Scorecard\nmetadata: { name: x }\nspec:\n  rules:\n    - id: a\n      check: { feild: { path: x } }\n",
            7,
            "unknown predicate `feild`",
        ),
        (
            "apiVersion: greenroom.dev/v1alpha1\nkind: Scorecard\nmetadata: { name: x }\nspec:\n  rules:\n    - id: a\n      check:\n        file: { path: ../../etc/passwd }\n",
            8,
            "must stay inside the repository",
        ),
        (
            "apiVersion: greenroom.dev/v1alpha1\nkind: Scorecard\nmetadata: { name: x }\nspec:\n  rules:\n    - id: a\n      check: { field: { path: a, matches: '(' } }\n",
            7,
            "not a valid regular expression",
        ),
        (
            "apiVersion: greenroom.dev/v1alpha1\nkind: Scorecard\nmetadata: { name: x }\nspec:\n  rules:\n    - id: a\n      check: { live: weather }\n",
            7,
            "unknown live fact `weather`",
        ),
        ("a: [\n", 2, ""),
    ];
    for (text, line, message) in cases {
        let out = parse_scorecards(text, "cards/x.yaml");
        assert!(out.cards.is_empty(), "{text}");
        let d = &out.diagnostics[0];
        assert_eq!(d.file, "cards/x.yaml");
        assert_eq!(d.line, line, "{text}: {d:?}");
        assert!(d.message.contains(message), "{text}: {}", d.message);
    }
}

#[test]
fn the_nesting_and_rule_limits_are_enforced() {
    let mut deep = "{ tag: x }".to_owned();
    for _ in 0..=crate::limits::SCORECARD_PREDICATE_DEPTH {
        deep = format!("{{ not: {deep} }}");
    }
    let text = format!(
        "apiVersion: greenroom.dev/v1alpha1\nkind: Scorecard\nmetadata: {{ name: x }}\nspec:\n  rules:\n    - id: a\n      check: {deep}\n"
    );
    let out = parse_scorecards(&text, "x.yaml");
    assert!(out.diagnostics[0].message.contains("nest deeper"));
    let mut many = String::from(
        "apiVersion: greenroom.dev/v1alpha1\nkind: Scorecard\nmetadata: { name: x }\nspec:\n  rules:\n",
    );
    for i in 0..=crate::limits::SCORECARD_RULES {
        many.push_str(&format!("    - {{ id: r{i}, check: {{ tag: x }} }}\n"));
    }
    let out = parse_scorecards(&many, "x.yaml");
    assert!(out.diagnostics[0].message.contains("over the limit"));
}

#[test]
fn level_filter_compares_on_each_scorecards_ladder() {
    let card = card(CARD);
    let f = |s: &str| LevelFilter::parse(s).unwrap();
    assert!(f("<silver").matches(&card, Some(0)));
    assert!(f("<silver").matches(&card, None));
    assert!(!f("<silver").matches(&card, Some(1)));
    assert!(f("<=silver").matches(&card, Some(1)));
    assert!(f("gold").matches(&card, Some(2)));
    assert!(!f("gold").matches(&card, Some(1)));
    assert!(f(">=bronze").matches(&card, Some(0)));
    assert!(!f(">bronze").matches(&card, Some(0)));
    assert!(f("unrated").matches(&card, None));
    assert!(!f("platinum").matches(&card, Some(2)));
    assert!(LevelFilter::parse("<").is_none());
}

#[test]
fn teams_roll_up_transitively_worst_first() {
    let (_d, c) = catalog(ORG);
    let cards = Arc::new(vec![card(CARD)]);
    let inputs = Inputs {
        catalog: &c,
        live: &NoLive,
        repo: &LocalRepos,
    };
    let board = Board::new(cards.clone(), grade_all(&cards, &inputs), &c);
    // payments owns `silver` and, through payments-core, `good`; the library is not graded.
    let owned = owned_transitively(&c, "group:default/payments");
    assert!(owned.contains(&"component:default/good".to_owned()));
    let rows = board.teams(&c);
    let names: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(
        names,
        [
            "group:default/empty-team",
            "group:default/payments",
            "group:default/payments-core"
        ]
    );
    let payments = rows[1].cells[0].as_ref().unwrap();
    assert_eq!(payments.graded, 2);
    assert_eq!(payments.worst, Some(1));
    assert!(board.matches_level(
        "component:default/orphan",
        &LevelFilter::parse("<bronze").unwrap()
    ));
}

#[test]
fn port_scorecards_show_ports_results_as_they_are() {
    let text = r#"
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: api
  annotations: { port.io/blueprint: service }
spec:
  type: service
  lifecycle: production
  owner: payments
  scorecards:
    production_readiness:
      level: Silver
      rules:
        - { identifier: has_team, status: SUCCESS, level: Bronze }
        - { identifier: has_on_call, status: FAILURE, level: Gold }
        - { identifier: has_readme, status: SUCCESS, level: Silver }
"#;
    let (_d, c) = catalog(text);
    let cards = port::from_catalog(&c);
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].levels, ["Bronze", "Silver", "Gold"]);
    let g = grade_of(&cards, &c, &NoLive, "api");
    assert_eq!(cards[0].level_name(g.level), "Silver");
    assert_eq!(result(&cards[0], &g, "has_on_call").outcome, Outcome::Fail);
    assert_eq!(result(&cards[0], &g, "has_team").found, "Port: SUCCESS");
}

#[test]
fn the_demo_is_graded_with_reasons() {
    let c = crate::sources::load(
        &[Box::new(crate::sources::demo::source())],
        &LoadOptions::default(),
    );
    let loaded = sources::demo();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let cards = &loaded.cards;
    let ids: Vec<&str> = cards.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "operational-health",
            "production-readiness",
            "repository-hygiene"
        ]
    );
    let inputs = Inputs {
        catalog: &c,
        live: &NoLive,
        repo: &LocalRepos,
    };
    let ready = cards
        .iter()
        .position(|c| c.id == "production-readiness")
        .unwrap();
    let grades: Vec<Grade> = grade_all(cards, &inputs)
        .into_iter()
        .filter(|g| g.scorecard == ready)
        .collect();
    let level = |name: &str| {
        let g = grades
            .iter()
            .find(|g| g.entity == format!("component:default/{name}"))
            .unwrap();
        cards[ready].level_name(g.level).to_owned()
    };
    assert_eq!(level("checkout-service"), "Silver");
    assert_eq!(level("orders-service"), "Gold");
    assert_eq!(level("demand-forecasting"), "Bronze");
    let gold = grades.iter().filter(|g| g.level == Some(2)).count();
    let below_silver = grades.iter().filter(|g| g.level < Some(1)).count();
    assert!(
        gold >= 10 && below_silver >= 3,
        "{gold} gold, {below_silver} below silver"
    );
    // Why checkout is not Gold: the runbook is not linked.
    let checkout = grades
        .iter()
        .find(|g| g.entity == "component:default/checkout-service")
        .unwrap();
    let (next, blocking) = checkout.next_level(&cards[ready]).unwrap();
    assert_eq!(cards[ready].levels[next], "Gold");
    assert_eq!(blocking.len(), 1);
    let rule = &cards[ready].rules[blocking[0].rule];
    assert_eq!(rule.id, "runbook-link");
    assert_eq!(
        blocking[0].found,
        "0 matching; the links are: dashboard, chat"
    );
    assert!(rule.fix.as_deref().unwrap().contains("type runbook"));
    // The repository rules read the bundled files.
    let hygiene = cards
        .iter()
        .position(|c| c.id == "repository-hygiene")
        .unwrap();
    let g = grade_entity(
        &cards[hygiene..=hygiene],
        c.resolve("checkout-service").unwrap(),
        &inputs,
    );
    assert_eq!(g[0].percent(), 100, "{:?}", g[0].results);
}

/// Counts what it is asked: a predicate shared by scorecards is evaluated once per entity.
struct CountingLive(std::sync::atomic::AtomicUsize);

impl LiveFacts for CountingLive {
    fn observe(&self, _: &Entity, _: LiveFact) -> LiveObs {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        LiveObs::NoData("not fetched yet".into())
    }
}

#[test]
fn a_predicate_shared_by_scorecards_is_evaluated_once_and_grades_the_same() {
    let (_d, c) = catalog(ORG);
    let shared = |id: &str| {
        card(&format!(
            "apiVersion: greenroom.dev/v1alpha1\nkind: Scorecard\nmetadata: {{ name: {id} }}\nspec:\n  appliesTo: {{ field: {{ path: kind, equals: Component }} }}\n  levels: [Bronze, Silver]\n  rules:\n    - {{ id: owner, level: Bronze, check: {{ owner: {{ kind: Group, resolvable: true, minMembers: 1 }} }} }}\n    - {{ id: oncall, level: Silver, when: {{ field: {{ path: spec.lifecycle, equals: production }} }}, check: {{ live: oncall }} }}\n    - {{ id: oncall-again, level: Silver, check: {{ live: oncall }} }}\n"
        ))
    };
    let mut cards = vec![shared("one"), shared("two"), card(CARD)];
    cards.extend(sources::demo().cards);
    let live = CountingLive(Default::default());
    let inputs = Inputs {
        catalog: &c,
        live: &live,
        repo: &LocalRepos,
    };
    let all = grade_all(&cards, &inputs);
    let components = c
        .entities()
        .iter()
        .filter(|e| e.is_kind("Component"))
        .count();
    let asked = live.0.load(std::sync::atomic::Ordering::Relaxed);
    let alone_live = CountingLive(Default::default());
    let alone_inputs = Inputs {
        catalog: &c,
        live: &alone_live,
        repo: &LocalRepos,
    };
    let alone: Vec<Grade> = gradable(&c)
        .flat_map(|e| {
            cards
                .iter()
                .enumerate()
                .filter(|(_, k)| applies(k, e, &alone_inputs))
                .map(|(i, k)| grade(k, i, e, &alone_inputs))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(all, alone, "shared evaluation grades as each card alone");
    assert!(alone_live.0.load(std::sync::atomic::Ordering::Relaxed) > asked);
    // The two cards alone: `live: oncall`, written four times, is asked once per component.
    let live = CountingLive(Default::default());
    let inputs = Inputs {
        catalog: &c,
        live: &live,
        repo: &LocalRepos,
    };
    grade_all(&cards[..2], &inputs);
    assert_eq!(
        live.0.load(std::sync::atomic::Ordering::Relaxed),
        components
    );
}
