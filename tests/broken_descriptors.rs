//! A suite of broken descriptors: each yields the right diagnostic at the right line, the load
//! finishes, and the good entities beside the broken ones still load.

use greenroom::catalog::{Catalog, Diagnostic, Severity};
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const GOOD: &str = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: good-service
spec:
  type: service
  lifecycle: production
  owner: user:someone
";

fn component(name: &str) -> String {
    GOOD.replace("good-service", name)
}

/// A catalogue in a temporary directory: `files` relative to its root, plus a good component.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new(files: &[(&str, &[u8])]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("catalog-info.yaml"), GOOD).unwrap();
        for (name, content) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        Tree { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Loads the given roots (default: the whole directory) with a watchdog, so a hang fails the
    /// test instead of stalling the run.
    fn load(&self, roots: &[&str], opts: LoadOptions) -> Catalog {
        let roots: Vec<PathBuf> = if roots.is_empty() {
            vec![self.dir.path().to_path_buf()]
        } else {
            roots.iter().map(|r| self.path(r)).collect()
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let source: Box<dyn Source> = Box::new(FileSource::disk(&roots).unwrap());
            let _ = tx.send(sources::load(&[source], &opts));
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("loading did not finish within 60 s")
    }

    fn load_all(&self) -> Catalog {
        self.load(&[], offline())
    }
}

fn offline() -> LoadOptions {
    LoadOptions {
        online: false,
        ..LoadOptions::default()
    }
}

/// The one diagnostic about `file` whose message starts with or contains `needle` (warnings
/// that quote another problem do not count as that problem).
fn find<'a>(catalog: &'a Catalog, file: &str, needle: &str) -> &'a Diagnostic {
    let matching: Vec<&Diagnostic> = catalog
        .diagnostics()
        .iter()
        .filter(|d| Path::new(&d.file).ends_with(file) && d.message.contains(needle))
        .filter(|d| {
            d.message.starts_with("Backstage would") == needle.starts_with("Backstage would")
        })
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one diagnostic in {file} containing {needle:?}; all: {:#?}",
        catalog.diagnostics()
    );
    matching[0]
}

fn assert_at(d: &Diagnostic, severity: Severity, line: u32, column: u32) {
    assert_eq!(
        (d.severity, d.line, d.column),
        (severity, line, column),
        "{d}"
    );
}

fn assert_good_loaded(catalog: &Catalog) {
    let good = catalog
        .get("component:default/good-service")
        .expect("the good entity beside the broken one loads");
    assert!(good.is_accepted());
}

#[test]
fn bad_yaml_fails_its_document_only() {
    let text = format!(
        "{}---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\n  tags: [a, b\nspec: {{}}\n---\n{}",
        component("before"),
        component("after")
    );
    let tree = Tree::new(&[("svc/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    let d = find(&catalog, "svc/catalog-info.yaml", "YAML syntax error");
    assert_eq!(d.severity, Severity::Error);
    assert!((14..=15).contains(&d.line), "{d}");
    assert!(
        catalog
            .get("component:default/before")
            .unwrap()
            .is_accepted()
    );
    assert!(
        catalog
            .get("component:default/after")
            .unwrap()
            .is_accepted()
    );
    assert_good_loaded(&catalog);
    // Backstage would store nothing from this file: said once, at the file.
    let w = find(
        &catalog,
        "svc/catalog-info.yaml",
        "Backstage would store none",
    );
    assert_at(w, Severity::Warning, 1, 1);
    assert!(w.message.contains("the 2 entities"), "{w}");
}

#[test]
fn wrong_types_point_at_the_value() {
    let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: typed\n  tags: wrong\nspec:\n  type: service\n  lifecycle: 3\n  owner: [a, b]\n";
    let tree = Tree::new(&[("t/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    assert_at(
        find(
            &catalog,
            "t/catalog-info.yaml",
            "metadata.tags must be a list",
        ),
        Severity::Error,
        5,
        9,
    );
    assert_at(
        find(
            &catalog,
            "t/catalog-info.yaml",
            "spec.lifecycle must be a string",
        ),
        Severity::Error,
        8,
        14,
    );
    assert_at(
        find(
            &catalog,
            "t/catalog-info.yaml",
            "spec.owner must be a string",
        ),
        Severity::Error,
        9,
        10,
    );
    let e = catalog.get("component:default/typed").unwrap();
    assert!(!e.is_accepted(), "kept, flagged as rejected");
    assert_good_loaded(&catalog);
}

#[test]
fn unknown_root_key() {
    let text = format!("{}status:\n  items: []\n", component("rooted"));
    let tree = Tree::new(&[("r/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    let d = find(
        &catalog,
        "r/catalog-info.yaml",
        "unknown root field \"status\"",
    );
    assert_at(d, Severity::Error, 9, 1);
    assert_eq!(d.entity_ref.as_deref(), Some("component:default/rooted"));
    assert_good_loaded(&catalog);
}

#[test]
fn missing_required_field() {
    let text = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: no-def\nspec:\n  type: openapi\n  lifecycle: production\n  owner: user:x\n";
    let tree = Tree::new(&[("m/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    let d = find(
        &catalog,
        "m/catalog-info.yaml",
        "spec.definition is missing",
    );
    assert_at(d, Severity::Error, 6, 3);
    assert!(
        d.message
            .contains("an API needs type, lifecycle, owner, definition"),
        "{d}"
    );
    assert_good_loaded(&catalog);
}

#[test]
fn missing_envelope_field_fails_the_document_and_names_it() {
    let text = format!(
        "kind: Component\nmetadata:\n  name: no-version\nspec: {{}}\n---\n{}",
        component("sibling")
    );
    let tree = Tree::new(&[("e/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    let d = find(&catalog, "e/catalog-info.yaml", "apiVersion is missing");
    assert_at(d, Severity::Error, 1, 1);
    assert_eq!(
        d.entity_ref.as_deref(),
        Some("component:default/no-version")
    );
    assert!(
        catalog
            .get("component:default/sibling")
            .unwrap()
            .is_accepted()
    );
    assert_good_loaded(&catalog);
}

#[test]
fn bad_names() {
    let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: My Service\n  namespace: Prod\n  tags: [Java, ok-tag]\n  labels:\n    team: Platform Team\nspec:\n  type: service\n  lifecycle: production\n  owner: user:x\n";
    let tree = Tree::new(&[("n/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    assert_at(
        find(
            &catalog,
            "n/catalog-info.yaml",
            "metadata.name \"My Service\" is not valid",
        ),
        Severity::Error,
        4,
        9,
    );
    assert_at(
        find(
            &catalog,
            "n/catalog-info.yaml",
            "metadata.namespace \"Prod\" is not valid",
        ),
        Severity::Error,
        5,
        14,
    );
    assert_at(
        find(&catalog, "n/catalog-info.yaml", "tag \"Java\" is not valid"),
        Severity::Error,
        6,
        10,
    );
    assert_at(
        find(
            &catalog,
            "n/catalog-info.yaml",
            "label value \"Platform Team\"",
        ),
        Severity::Error,
        8,
        11,
    );
    assert_good_loaded(&catalog);
}

#[test]
fn missing_text_file() {
    let text = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders\nspec:\n  type: openapi\n  lifecycle: production\n  owner: user:x\n  definition:\n    $text: ./openapi.yaml\n";
    let tree = Tree::new(&[("a/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    let d = find(
        &catalog,
        "a/catalog-info.yaml",
        "placeholder $text could not read ./openapi.yaml",
    );
    assert_at(d, Severity::Error, 10, 12);
    assert!(d.message.contains("no such file"), "{d}");
    assert_eq!(
        catalog.diagnostics_for("api:default/orders").count(),
        1,
        "no follow-on type error"
    );
    assert_good_loaded(&catalog);
}

#[test]
fn location_cycle() {
    let a = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: a\nspec:\n  targets: [./b.yaml]\n";
    let b = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: b\nspec:\n  targets:\n    - ./catalog-info.yaml\n    - ./a.yaml\n";
    let tree = Tree::new(&[("a.yaml", a.as_bytes()), ("b.yaml", b.as_bytes())]);
    let catalog = tree.load(&["a.yaml"], offline());
    let d = find(&catalog, "b.yaml", "Location cycle");
    assert_at(d, Severity::Error, 8, 7);
    let cycle = d.message.split(';').next().unwrap();
    let files: Vec<&str> = cycle
        .trim_start_matches("Location cycle: ")
        .split(" → ")
        .collect();
    assert_eq!(files.len(), 3, "{d}");
    assert!(
        files[0].ends_with("a.yaml")
            && files[1].ends_with("b.yaml")
            && files[2].ends_with("a.yaml"),
        "{d}"
    );
    assert!(catalog.get("location:default/a").is_some());
    assert!(catalog.get("location:default/b").is_some());
    assert_good_loaded(&catalog);
}

#[test]
fn duplicate_refs_across_files() {
    let tree = Tree::new(&[(
        "dup/catalog-info.yaml",
        component("Good-Service").as_bytes(),
    )]);
    let catalog = tree.load_all();
    let d = find(&catalog, "dup/catalog-info.yaml", "duplicate entity");
    assert_at(d, Severity::Error, 4, 9);
    assert!(d.message.contains("also defined at"), "{d}");
    // The first one read (the root's) is the one in force.
    let first = catalog.get("component:default/good-service").unwrap();
    assert_eq!(first.name(), "good-service");
    assert_good_loaded(&catalog);
}

#[test]
fn non_utf8_is_read_like_backstage_with_a_located_warning() {
    let mut bytes = component("latin1").into_bytes();
    let at = bytes.windows(5).position(|w| w == b"owner").unwrap();
    bytes.splice(at..at, b"# caf\xE9\n  ".iter().copied());
    let tree = Tree::new(&[("u/catalog-info.yaml", &bytes)]);
    let catalog = tree.load_all();
    let d = find(&catalog, "u/catalog-info.yaml", "not valid UTF-8");
    assert_at(d, Severity::Warning, 8, 8);
    assert!(
        catalog
            .get("component:default/latin1")
            .unwrap()
            .is_accepted()
    );
    assert_good_loaded(&catalog);
}

#[test]
fn alias_bomb() {
    let mut text = component("bomb");
    text.push_str("  x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n");
    for i in 1..=9 {
        let p = i - 1;
        text.push_str(&format!(
            "  x{i}: &x{i} [*x{p}, *x{p}, *x{p}, *x{p}, *x{p}, *x{p}, *x{p}, *x{p}, *x{p}, *x{p}]\n"
        ));
    }
    let tree = Tree::new(&[("b/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    let d = find(&catalog, "b/catalog-info.yaml", "alias bomb");
    assert_eq!(d.severity, Severity::Error);
    // x3's eighth alias is where the copies pass 10,000 nodes.
    assert_eq!(d.line, 12, "{d}");
    assert!(catalog.get("component:default/bomb").is_none());
    assert_good_loaded(&catalog);
}

/// Issue 9: nested anchors without any alias (`&a0 [&a1 [ ... [x, x, ...]]]`), 1.6 MB, which
/// ran out of memory: refused at the anchor where the document's node budget runs out, and the
/// rest of the catalogue loads.
#[test]
fn anchor_bomb() {
    let depth = 100;
    let mut text = component("anchors");
    text.push_str("  bomb:\n");
    for level in 0..depth {
        text.push_str(&format!("    &a{level} [\n"));
    }
    text.push_str("    ");
    text.push_str(&"x, ".repeat(520_000));
    text.push('x');
    text.push_str(&"]".repeat(depth));
    text.push('\n');
    let tree = Tree::new(&[("n/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    let d = find(&catalog, "n/catalog-info.yaml", "anchor or alias bomb");
    // The ~520,000 nodes built, plus the innermost anchor (line 10 + 99) charging its ~520,000
    // once more, pass the budget of a million.
    assert_at(d, Severity::Error, 10 + 99, 5);
    assert!(catalog.get("component:default/anchors").is_none());
    assert_good_loaded(&catalog);
}

/// 10 MB of descriptors: over the default size limit it is refused with a located error; with
/// the limit raised it loads completely.
#[test]
fn ten_megabyte_file() {
    let mut text = String::with_capacity(10 * 1024 * 1024 + 4096);
    let mut n = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&component(&format!("bulk-{n}")));
        text.push_str("  description: ");
        text.push_str(&"padding ".repeat(40));
        text.push_str("\n---\n");
        n += 1;
    }
    let tree = Tree::new(&[("big/catalog-info.yaml", text.as_bytes())]);
    let catalog = tree.load_all();
    let d = find(&catalog, "big/catalog-info.yaml", "over the 8.0 MB limit");
    assert_at(d, Severity::Error, 1, 1);
    assert_good_loaded(&catalog);

    let raised = LoadOptions {
        max_file_bytes: 16 * 1024 * 1024,
        ..offline()
    };
    let catalog = tree.load(&[], raised);
    assert_eq!(
        catalog.error_count(),
        0,
        "{:?}",
        catalog.diagnostics().first()
    );
    assert_eq!(catalog.len(), n + 1);
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_a_walked_directory() {
    let tree = Tree::new(&[("deep/catalog-info.yaml", component("deep").as_bytes())]);
    std::os::unix::fs::symlink(tree.dir.path(), tree.path("deep/loop")).unwrap();
    let catalog = tree.load_all();
    let d = find(&catalog, "deep/loop", "symlink loop");
    assert_at(d, Severity::Warning, 1, 1);
    assert!(catalog.get("component:default/deep").unwrap().is_accepted());
    assert_good_loaded(&catalog);
}

#[test]
fn missing_location_target_and_what_backstage_would_drop() {
    let loc = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: team-catalog\nspec:\n  targets:\n    - ./svc-a.yaml\n    - ./gone.yaml\n";
    let optional = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: maybe\nspec:\n  presence: optional\n  target: ./gone-too.yaml\n";
    let tree = Tree::new(&[
        ("loc.yaml", loc.as_bytes()),
        ("svc-a.yaml", component("svc-a").as_bytes()),
        ("opt.yaml", optional.as_bytes()),
    ]);
    let catalog = tree.load(&["loc.yaml", "opt.yaml"], offline());
    let d = find(&catalog, "loc.yaml", "target ./gone.yaml does not exist");
    assert_at(d, Severity::Error, 8, 7);
    assert!(
        !catalog
            .get("location:default/team-catalog")
            .unwrap()
            .is_accepted()
    );
    assert!(
        catalog
            .get("component:default/svc-a")
            .unwrap()
            .is_accepted(),
        "greenroom keeps it"
    );
    let w = find(
        &catalog,
        "loc.yaml",
        "Backstage would store none of this Location or the 1 entities",
    );
    assert_at(w, Severity::Warning, 4, 9);
    // presence: optional → no problem at all.
    assert_eq!(catalog.diagnostics_for("location:default/maybe").count(), 0);
}

#[test]
fn globs_in_location_targets() {
    let loc = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets: ['./services/**/*.yaml', './none/*.yaml']\n";
    let tree = Tree::new(&[
        ("all.yaml", loc.as_bytes()),
        ("services/a/x.yaml", component("glob-a").as_bytes()),
        ("services/b/c/y.yaml", component("glob-b").as_bytes()),
        ("services/readme.md", b"not yaml"),
    ]);
    let catalog = tree.load(&["all.yaml"], offline());
    assert!(catalog.get("component:default/glob-a").is_some());
    assert!(catalog.get("component:default/glob-b").is_some());
    let d = find(&catalog, "all.yaml", "./none/*.yaml does not exist");
    assert_eq!(d.line, 6);
}
