//! Scorecard grading benchmark: a synthetic catalogue of N entities (default 100,000; a tenth
//! of them deliberately missing things) graded against 3 scorecards of 15 catalogue-only rules
//! each (fields, annotations, labels, tags, links, owner resolution with members, relations,
//! TechDocs, all/any/not). Prints the time to grade everything (best and median of R runs), the
//! time to roll up teams for the overview, and grades per second. Goal: ≤ 1 s for 100k.
//!
//!     cargo bench --bench scorecards -- --entities 100000 --runs 5

use greenroom::catalog::Catalog;
use greenroom::scorecard::{self, Board, Inputs, NoLive, facts::LocalRepos};
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The catalogue, and its folder (kept: the `docs` rule looks for the `dir:.` docs site).
fn catalogue(n: u64) -> (Catalog, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mkdocs.yml"), "site_name: bench\n").unwrap();
    let teams = n.div_ceil(20);
    let mut yaml = String::new();
    for t in 0..teams {
        let _ = write!(
            yaml,
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{ name: team-{t} }}\nspec: {{ type: team, children: [] }}\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {{ name: user-{t} }}\nspec: {{ memberOf: [team-{t}] }}\n---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {{ name: sys-{t} }}\nspec: {{ owner: team-{t} }}\n---\n"
        );
    }
    let entities = n.saturating_sub(teams * 3);
    // Files stay far below the 8 MiB descriptor limit.
    let mut file = 0;
    for i in 0..entities {
        if i > 0 && i % 5_000 == 0 {
            std::fs::write(dir.path().join(format!("part-{file}.yaml")), &yaml).unwrap();
            yaml.clear();
            file += 1;
        }
        let broken = i % 10 == 0;
        let links = if broken {
            "[]".to_owned()
        } else {
            format!(
                "[{{ url: 'https://runbooks.example/svc-{i}', title: Runbook, type: runbook }}]"
            )
        };
        let _ = write!(
            yaml,
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{i}\n  description: Service {i}\n  labels: {{ tier: tier-{} }}\n  tags: [go, grpc]\n  links: {links}\n  annotations:\n    pagerduty.com/service-id: PSVC{i}\n    github.com/project-slug: acme/svc-{i}\n{}spec: {{ type: service, lifecycle: {}, owner: {}, system: sys-{} }}\n---\n",
            i % 3 + 1,
            if i % 4 == 0 {
                "    backstage.io/techdocs-ref: 'dir:.'\n"
            } else {
                ""
            },
            if broken { "experimental" } else { "production" },
            if broken {
                "nobody".to_owned()
            } else {
                format!("team-{}", i % teams)
            },
            i % teams,
        );
    }
    std::fs::write(dir.path().join(format!("part-{file}.yaml")), &yaml).unwrap();
    let targets: Vec<String> = (0..=file).map(|f| format!("./part-{f}.yaml")).collect();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {{ name: bench }}\nspec: {{ targets: [{}] }}\n",
            targets.join(", ")
        ),
    )
    .unwrap();
    let src: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let catalog = sources::load(
        &[src],
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    );
    (catalog, dir)
}

/// 15 catalogue-only rules: 5 Bronze, 5 Silver, 5 Gold.
fn card(id: &str) -> String {
    format!(
        r#"apiVersion: greenroom.dev/v1alpha1
kind: Scorecard
metadata: {{ name: {id} }}
spec:
  appliesTo: {{ all: [ {{ field: {{ path: kind, equals: Component }} }}, {{ field: {{ path: spec.type, in: [service, website] }} }} ] }}
  levels: [Bronze, Silver, Gold]
  rules:
    - {{ id: owner, level: Bronze, check: {{ owner: {{ kind: Group, resolvable: true, minMembers: 1 }} }} }}
    - {{ id: description, level: Bronze, check: {{ field: {{ path: metadata.description }} }} }}
    - {{ id: system, level: Bronze, check: {{ relation: {{ type: partOf, targetKind: System }} }} }}
    - {{ id: lifecycle, level: Bronze, check: {{ field: {{ path: spec.lifecycle, in: [experimental, production, deprecated] }} }} }}
    - {{ id: type, level: Bronze, check: {{ field: {{ path: spec.type, notIn: [unknown] }} }} }}
    - {{ id: pagerduty, level: Silver, check: {{ any: [ {{ annotation: pagerduty.com/service-id }}, {{ annotation: pagerduty.com/integration-key }} ] }} }}
    - {{ id: ci, level: Silver, check: {{ annotation: {{ key: github.com/project-slug, matches: '^[a-z0-9-]+/[a-z0-9-]+$' }} }} }}
    - {{ id: tier, level: Silver, check: {{ label: {{ key: tier, in: [tier-1, tier-2, tier-3] }} }} }}
    - {{ id: tags, level: Silver, check: {{ field: {{ path: metadata.tags, minItems: 2 }} }} }}
    - {{ id: not-experimental, level: Silver, check: {{ not: {{ field: {{ path: spec.lifecycle, equals: experimental }} }} }} }}
    - {{ id: runbook, level: Gold, check: {{ link: {{ type: runbook }} }} }}
    - {{ id: docs, level: Gold, check: {{ any: [ {{ docs: techdocs }}, {{ link: {{ type: docs }} }} ] }} }}
    - {{ id: go, level: Gold, check: {{ tag: {{ in: [go, rust] }} }} }}
    - {{ id: production, level: Gold, when: {{ field: {{ path: spec.lifecycle, equals: production }} }}, check: {{ label: tier }} }}
    - {{ id: provides, level: Gold, check: {{ not: {{ relation: {{ type: dependsOn, min: 5 }} }} }} }}
"#
    )
}

fn main() {
    let n = arg("--entities", 100_000);
    let runs = arg("--runs", 5).max(1);
    let t = Instant::now();
    let (catalog, _dir) = catalogue(n);
    println!(
        "catalogue: {} entities read in {:.2?}",
        catalog.len(),
        t.elapsed()
    );
    assert!(
        catalog.len() as u64 >= n,
        "only {} entities read: {:?}",
        catalog.len(),
        catalog.diagnostics().first()
    );
    let mut cards = Vec::new();
    for id in ["readiness", "operations", "hygiene"] {
        let parsed = scorecard::parse_scorecards(&card(id), id);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        cards.extend(parsed.cards);
    }
    assert!(cards.iter().all(|c| c.rules.len() == 15 && !c.uses_live()));
    let inputs = Inputs {
        catalog: &catalog,
        live: &NoLive,
        repo: &LocalRepos,
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut grades = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        grades = scorecard::grade_all(&cards, &inputs);
        times.push(t.elapsed());
    }
    times.sort();
    let graded = grades.len();
    let rules = graded * 15;
    let best = times[0];
    let median = times[times.len() / 2];
    println!(
        "graded: {graded} (entity, scorecard) pairs, {rules} rule results; best {best:.2?}, median {median:.2?} over {runs} runs"
    );
    println!(
        "rate: {:.0} rule results/s (best)",
        rules as f64 / best.as_secs_f64()
    );
    let gold = grades.iter().filter(|g| g.level == Some(2)).count();
    let base = grades.iter().filter(|g| g.level.is_none()).count();
    println!("levels: {gold} Gold, {base} Unrated (a tenth of the services are broken on purpose)");
    let cards = Arc::new(cards);
    let t = Instant::now();
    let board = Board::new(cards, grades, &catalog);
    let teams = board.teams(&catalog);
    println!(
        "overview: board and {} team rows in {:.2?}",
        teams.len(),
        t.elapsed()
    );
    println!(
        "goal (≤ 1 s for 100k entities × 3 scorecards × 15 rules): {}",
        if median <= Duration::from_secs(1) {
            "met"
        } else {
            "NOT met"
        }
    );
}
