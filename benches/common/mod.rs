//! A generated catalogue of realistic-looking entities, written as descriptor files so the
//! benchmarks go through the same loading path as real repositories.

use std::fmt::Write as _;
use std::path::Path;

const AREAS: &[&str] = &[
    "payments",
    "checkout",
    "orders",
    "inventory",
    "search",
    "ticket",
    "seat",
    "venue",
    "fraud",
    "identity",
    "notification",
    "pricing",
    "catalog",
    "analytics",
    "gateway",
    "scanner",
    "wallet",
    "refund",
    "loyalty",
    "partner",
    "billing",
    "ledger",
    "promo",
    "review",
    "media",
];
const SUFFIXES: &[&str] = &[
    "service", "api", "worker", "ui", "db", "queue", "sdk", "cache", "web", "job",
];
const REGIONS: &[&str] = &["eu", "us", "apac"];
const TAGS: &[&str] = &[
    "java",
    "go",
    "rust",
    "typescript",
    "kafka",
    "postgres",
    "grpc",
    "legacy",
    "pci",
    "gdpr",
];
const WORDS: &[&str] = &[
    "handles", "the", "ticket", "checkout", "flow", "for", "fans", "and", "partners", "with",
    "low", "latency", "stores", "orders", "events", "payments", "across", "regions", "serves",
    "search",
];

/// A small deterministic generator, so every run measures the same catalogue.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// Writes `n` entities into `dir` as multi-document files of 1,000 entities each.
#[allow(dead_code)]
pub fn write_catalog(dir: &Path, n: usize) {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let teams: u64 = 200;
    let mut file = String::new();
    let mut file_no = 0;
    for i in 0..n {
        let area = rng.pick(AREAS);
        let suffix = rng.pick(SUFFIXES);
        let region = rng.pick(REGIONS);
        let name = format!("{area}-{suffix}-{region}-{i:05}");
        let team = format!("team-{}", rng.next_u64() % teams);
        let description: Vec<&str> = (0..8).map(|_| rng.pick(WORDS)).collect();
        let tags = format!("[{}, {}]", rng.pick(TAGS), rng.pick(TAGS));
        let lifecycle = ["production", "experimental", "deprecated"][(rng.next_u64() % 3) as usize];
        let roll = rng.next_u64() % 100;
        let body = if (i as u64) < teams {
            format!(
                "kind: Group\nmetadata:\n  name: team-{i}\n  title: Team {i}\nspec:\n  type: team\n  children: []\n"
            )
        } else if roll < 55 {
            format!(
                "kind: Component\nmetadata:\n  name: {name}\n  title: {area} {suffix} ({region})\n  description: {}\n  tags: {tags}\nspec:\n  type: service\n  lifecycle: {lifecycle}\n  owner: {team}\n",
                description.join(" ")
            )
        } else if roll < 70 {
            format!(
                "kind: API\nmetadata:\n  name: {name}\n  description: {}\n  tags: {tags}\nspec:\n  type: openapi\n  lifecycle: {lifecycle}\n  owner: {team}\n  definition: \"openapi: 3.0.0\"\n",
                description.join(" ")
            )
        } else if roll < 85 {
            format!(
                "kind: Resource\nmetadata:\n  name: {name}\n  tags: {tags}\nspec:\n  type: database\n  owner: {team}\n"
            )
        } else {
            format!(
                "kind: User\nmetadata:\n  name: user-{i}\nspec:\n  profile:\n    displayName: {} {}\n  memberOf: [{team}]\n",
                rng.pick(AREAS),
                rng.pick(WORDS)
            )
        };
        let _ = write!(file, "apiVersion: backstage.io/v1alpha1\n{body}---\n");
        if (i + 1) % 1000 == 0 || i + 1 == n {
            let sub = dir.join(format!("repo-{file_no:03}"));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join("catalog-info.yaml"), &file).unwrap();
            file.clear();
            file_no += 1;
        }
    }
}

/// Percentile of sorted samples.
#[allow(dead_code)]
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// Writes `n` entities into `dir`, `per_file` documents a file, as an organisation looks: teams
/// (groups with parents), people in them, systems, and components, APIs and resources owned by
/// teams, part of systems, depending on and providing each other, so assembly has relations to
/// compute in both directions. Every reference points at an entity written earlier, so nothing
/// dangles. Deterministic: every run measures the same catalogue.
#[allow(dead_code)]
pub fn write_related_catalog(dir: &Path, n: usize, per_file: usize) {
    let mut rng = Rng::new(0x2545_F491_4F6C_DD1D);
    let mut groups: Vec<String> = Vec::new();
    let mut systems: Vec<String> = Vec::new();
    let mut components: Vec<String> = Vec::new();
    let mut apis: Vec<String> = Vec::new();
    let mut resources: Vec<String> = Vec::new();
    let mut file = String::new();
    let mut file_no = 0;
    let pick_from = |rng: &mut Rng, v: &[String]| -> Option<String> {
        (!v.is_empty()).then(|| v[(rng.next_u64() % v.len() as u64) as usize].clone())
    };
    for i in 0..n {
        let area = rng.pick(AREAS);
        let suffix = rng.pick(SUFFIXES);
        let region = rng.pick(REGIONS);
        let description: Vec<&str> = (0..10).map(|_| rng.pick(WORDS)).collect();
        let description = description.join(" ");
        let tags = format!("[{}, {}]", rng.pick(TAGS), rng.pick(TAGS));
        let lifecycle = ["production", "experimental", "deprecated"][(rng.next_u64() % 3) as usize];
        let roll = rng.next_u64() % 100;
        // One team per ~50 entities and one system per ~40, at least one of each first.
        let body = if groups.is_empty() || roll < 2 {
            let name = format!("team-{area}-{i}");
            let parent = pick_from(&mut rng, &groups)
                .map(|p| format!("  parent: {p}\n"))
                .unwrap_or_default();
            groups.push(name.clone());
            format!(
                "kind: Group\nmetadata:\n  name: {name}\n  title: Team {area} {i}\n  description: {description}\nspec:\n  type: team\n{parent}  children: []\n"
            )
        } else if systems.is_empty() || roll < 5 {
            let name = format!("{area}-{region}-system-{i}");
            let owner = pick_from(&mut rng, &groups).unwrap();
            systems.push(name.clone());
            format!(
                "kind: System\nmetadata:\n  name: {name}\n  description: {description}\nspec:\n  owner: {owner}\n"
            )
        } else if roll < 55 {
            let name = format!("{area}-{suffix}-{region}-{i}");
            let owner = pick_from(&mut rng, &groups).unwrap();
            let system = pick_from(&mut rng, &systems).unwrap();
            let mut extra = String::new();
            let mut deps: Vec<String> = Vec::new();
            for _ in 0..rng.next_u64() % 3 {
                if let Some(c) = pick_from(&mut rng, &components) {
                    deps.push(format!("component:{c}"));
                }
            }
            if let Some(r) = pick_from(&mut rng, &resources) {
                deps.push(format!("resource:{r}"));
            }
            if !deps.is_empty() {
                let _ = writeln!(extra, "  dependsOn: [{}]", deps.join(", "));
            }
            if let Some(api) = pick_from(&mut rng, &apis) {
                let _ = writeln!(extra, "  consumesApis: [{api}]");
            }
            if rng.next_u64().is_multiple_of(4)
                && let Some(api) = pick_from(&mut rng, &apis)
            {
                let _ = writeln!(extra, "  providesApis: [{api}]");
            }
            components.push(name.clone());
            format!(
                "kind: Component\nmetadata:\n  name: {name}\n  title: {area} {suffix} ({region})\n  description: {description}\n  tags: {tags}\nspec:\n  type: service\n  lifecycle: {lifecycle}\n  owner: {owner}\n  system: {system}\n{extra}"
            )
        } else if roll < 70 {
            let name = format!("{area}-{suffix}-api-{region}-{i}");
            let owner = pick_from(&mut rng, &groups).unwrap();
            let system = pick_from(&mut rng, &systems).unwrap();
            apis.push(name.clone());
            format!(
                "kind: API\nmetadata:\n  name: {name}\n  description: {description}\n  tags: {tags}\nspec:\n  type: openapi\n  lifecycle: {lifecycle}\n  owner: {owner}\n  system: {system}\n  definition: \"openapi: 3.0.0\"\n"
            )
        } else if roll < 82 {
            let name = format!("{area}-{suffix}-db-{region}-{i}");
            let owner = pick_from(&mut rng, &groups).unwrap();
            let system = pick_from(&mut rng, &systems).unwrap();
            resources.push(name.clone());
            format!(
                "kind: Resource\nmetadata:\n  name: {name}\n  tags: {tags}\nspec:\n  type: database\n  owner: {owner}\n  system: {system}\n"
            )
        } else {
            let team = pick_from(&mut rng, &groups).unwrap();
            format!(
                "kind: User\nmetadata:\n  name: user-{i}\nspec:\n  profile:\n    displayName: {} {}\n    email: user-{i}@example.com\n  memberOf: [{team}]\n",
                rng.pick(AREAS),
                rng.pick(WORDS)
            )
        };
        let _ = write!(file, "apiVersion: backstage.io/v1alpha1\n{body}---\n");
        if (i + 1) % per_file == 0 || i + 1 == n {
            let sub = dir
                .join(format!("repo-{:03}", file_no / 100))
                .join(format!("{file_no:05}"));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join("catalog-info.yaml"), &file).unwrap();
            file.clear();
            file_no += 1;
        }
    }
}
