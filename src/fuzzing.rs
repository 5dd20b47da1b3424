//! The bodies of the fuzz targets in `fuzz/` (cargo fuzz, nightly), kept in the library so the
//! stable test `tests/fuzz_corpus.rs` replays every corpus and regression file through exactly
//! the same code: a seed or a fixed crasher that crashes again fails `cargo test`.
//!
//! Each function takes raw bytes and must never panic, hang or allocate without bound, whatever
//! the bytes. Not part of greenroom's API.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::scaffold::exec::User;
use crate::scaffold::render::{RenderContext, RenderOptions, Renderer};
use crate::scaffold::{Form, Secrets, Template};
use crate::search::{self, SearchIndex, query::Query};
use crate::sources::vfs::{PathKind, Vfs, WalkItem, normalize};
use crate::sources::{self, LoadOptions, Source, files::FileSource};
use crate::status::config::StatusConfig;
use crate::status::fetch::{argocd, github, gitlab, health, kubernetes, pagerduty, prometheus};
use crate::tui::keymap::Keymap;
use crate::tui::theme::{ColorDepth, Theme, parse_color};
use crate::yaml::{self, Limits, NodeValue};
use arbitrary::Unstructured;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A target's body: any bytes, never a panic.
pub type Target = fn(&[u8]);

/// Every target, by the name of its folder under `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("yaml", yaml),
    ("catalog", catalog),
    ("render", render),
    ("template", template),
    ("search", search),
    ("status", status),
    ("config", config),
];

/// Inputs larger than this are cut: the targets look for crashes, not for the size limits
/// (which have their own tests), and small inputs keep the fuzzer fast.
const MAX_INPUT: usize = 64 * 1024;

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(&data[..data.len().min(MAX_INPUT)]).into_owned()
}

// ---------------------------------------------------------------- YAML

/// The YAML reader: every document, its JSON, and positions that stay inside the text.
pub fn yaml(data: &[u8]) {
    let text = text(data);
    // YAML breaks lines at CR LF, LF and a lone CR.
    let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count() as u32;
    for doc in yaml::parse_documents(&text, &Limits::default()) {
        match doc.result {
            Ok(Some(node)) => {
                let _ = node.to_json();
                let mut todo = vec![&node];
                while let Some(n) = todo.pop() {
                    assert!(
                        n.pos.line >= 1 && n.pos.line <= lines && n.pos.column >= 1,
                        "position {} outside the text",
                        n.pos
                    );
                    match &n.value {
                        NodeValue::Seq(items) => todo.extend(items),
                        NodeValue::Map(entries) => {
                            todo.extend(entries.iter().flat_map(|(k, v)| [k, v]))
                        }
                        _ => {}
                    }
                }
            }
            Ok(None) => {}
            Err(e) => assert!(e.pos.line >= 1 && e.pos.column >= 1, "{e:?}"),
        }
    }
    let _ = yaml::parse_single(&text, &Limits::default());
}

// ---------------------------------------------------------------- catalogue

/// A file tree in memory, for loading catalogues without touching the disk.
pub struct MemFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemFs {
    /// Reads the archive format of the `catalog` corpus: lines `#=== NAME` start a file (NAME
    /// relative to `/cat`), everything up to the next such line is its content. Text before the
    /// first marker is `/cat/catalog-info.yaml`.
    pub fn from_archive(text: &str) -> MemFs {
        let mut files = BTreeMap::new();
        let mut name = PathBuf::from("/cat/catalog-info.yaml");
        let mut content = String::new();
        for line in text.split_inclusive('\n') {
            if let Some(rest) = line.strip_prefix("#=== ") {
                files.insert(name, std::mem::take(&mut content).into_bytes());
                name = normalize(&Path::new("/cat").join(rest.trim()));
            } else {
                content.push_str(line);
            }
        }
        files.insert(name, content.into_bytes());
        MemFs { files }
    }

    fn is_dir(&self, path: &Path) -> bool {
        path == Path::new("/")
            || self
                .files
                .keys()
                .any(|f| f.starts_with(path) && f.as_path() != path)
    }
}

impl Vfs for MemFs {
    fn location_type(&self) -> &'static str {
        "file"
    }

    fn read(&self, path: &Path, _max_bytes: u64) -> io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn kind(&self, path: &Path) -> PathKind {
        let path = normalize(path);
        match self.files.get(&path) {
            Some(f) => PathKind::File(f.len() as u64),
            None if self.is_dir(&path) => PathKind::Dir,
            None => PathKind::Missing,
        }
    }

    fn walk(&self, root: &Path, _within: &Path, matcher: &dyn Fn(&Path) -> bool) -> Vec<WalkItem> {
        let root = normalize(root);
        self.files
            .keys()
            .filter_map(|f| {
                let rel = f.strip_prefix(&root).ok()?;
                let skipped = rel.components().any(|c| {
                    crate::sources::vfs::SKIPPED_DIRS
                        .iter()
                        .any(|s| c.as_os_str() == *s)
                });
                (!skipped && matcher(rel)).then(|| WalkItem::File(f.clone()))
            })
            .collect()
    }

    fn identity(&self, path: &Path) -> PathBuf {
        normalize(path)
    }

    fn display(&self, path: &Path) -> String {
        path.display().to_string()
    }
}

fn offline() -> LoadOptions {
    LoadOptions {
        online: false,
        ..LoadOptions::default()
    }
}

/// Catalogue loading over an in-memory tree (Locations, placeholders, validation, relations),
/// then what the portal derives from it: the search index and the status targets.
pub fn catalog(data: &[u8]) {
    let fs = MemFs::from_archive(&text(data));
    let root = if data.first() == Some(&b'/') {
        PathBuf::from("/cat")
    } else {
        PathBuf::from("/cat/catalog-info.yaml")
    };
    let source: Box<dyn Source> = Box::new(FileSource::new(Arc::new(fs), vec![root], "fuzz"));
    let catalog = sources::load(&[source], &offline());
    derive(&catalog);
}

fn derive(catalog: &Catalog) {
    for d in catalog.diagnostics() {
        let _ = d.to_string();
    }
    let _ = catalog.dangling_ref_warnings();
    let config = StatusConfig::default();
    for e in catalog.entities() {
        let _ = crate::status::target::targets_for(e, &config);
        let _ = catalog.resolve(&e.key);
    }
    let index = SearchIndex::build(catalog);
    let _ = index.search(&Query::parse("a"));
}

// ---------------------------------------------------------------- scaffolder

fn render_context() -> RenderContext {
    RenderContext::new(&json!({
        "parameters": {
            "name": "checkout",
            "owner": "group:default/payments",
            "repoUrl": "github.com?owner=encore&repo=checkout",
            "tags": ["a", "b"],
            "count": 3,
            "flag": true,
            "nested": {"x": null, "y": [1, 2.5, "é"]},
        },
        "steps": {"fetch": {"output": {"path": "out"}}},
        "user": {"ref": "user:default/ada", "entity": {"metadata": {"name": "ada"}}},
        "secrets": {"token": "s3cret"},
    }))
}

/// `${{ }}` rendering: as text, as a typed value, and over a JSON tree when the input is JSON.
/// The first byte picks the options.
pub fn render(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let options = RenderOptions {
        cookiecutter_compat: flags & 1 != 0,
        trim_blocks: flags & 2 != 0,
        lstrip_blocks: flags & 4 != 0,
    };
    let source = text(rest);
    let renderer = Renderer::new(options);
    let ctx = render_context();
    let _ = renderer.render(&source, &ctx);
    let _ = renderer.render_value(&source, &ctx);
    if let Ok(tree) = serde_json::from_str::<Json>(&source) {
        let _ = renderer.render_tree(&tree, &ctx);
    }
}

/// Template → form → dry run: a Template document, its form filled with the defaults (and,
/// when the input has a second document, those values), validation, then a dry run.
pub fn template(data: &[u8]) {
    let text = text(data);
    let docs = yaml::parse_documents(&text, &Limits::default());
    let mut nodes = docs.into_iter().filter_map(|d| d.result.ok().flatten());
    let Some(Json::Object(entity)) = nodes.next().map(|n| n.to_json()) else {
        return;
    };
    let Ok(template) = Template::from_json(&entity, None) else {
        return;
    };
    let secrets = Secrets::default();
    let values = nodes
        .next()
        .map_or(Json::Object(Map::new()), |n| n.to_json());
    let form = Form::with_values(&template, &values, &secrets);
    for page in 0..form.page_count().min(16) {
        let _ = form.page_shown(page);
        for f in form.visible_fields(page) {
            let _ = form.value(&f.path);
        }
        let _ = form.validate_page(page);
    }
    let _ = form.review();
    let user = User {
        entity_ref: Some("user:default/ada".into()),
        entity: None,
    };
    if let Ok(task) = crate::scaffold::task_from_values(&template, &values, &secrets, user) {
        let result = crate::scaffold::dry_run::dry_run(&task, &mut |_| {});
        let _ = crate::scaffold::dry_run::to_backstage_json(&task, &result);
    }
}

// ---------------------------------------------------------------- search

fn demo_index() -> &'static (Catalog, SearchIndex) {
    static INDEX: OnceLock<(Catalog, SearchIndex)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let source: Box<dyn Source> = Box::new(sources::demo::source());
        let catalog = sources::load(&[source], &offline());
        let index = SearchIndex::build(&catalog);
        (catalog, index)
    })
}

/// The search query language over the demo catalogue: parse, search, narrow keystroke by
/// keystroke as the portal does, facets, highlighting.
pub fn search(data: &[u8]) {
    let text = text(&data[..data.len().min(1024)]);
    let (catalog, index) = demo_index();
    let query = Query::parse(&text);
    let hits = index.search(&query);
    let _ = index.facets(&hits);
    for hit in hits.iter().take(5) {
        if let Some(e) = catalog.entities().get(hit.entity) {
            let _ = search::highlight(e.name(), &query);
            let _ = search::highlight(&e.key, &query);
        }
    }
    // Typing, as the portal does: a query that narrows the previous one searches only within
    // its hits, which must give exactly what a full search gives.
    let mut previous: Option<(Query, Vec<search::Hit>)> = None;
    for end in text
        .char_indices()
        .map(|(i, _)| i)
        .skip(1)
        .chain([text.len()])
        .take(32)
    {
        let q = Query::parse(&text[..end]);
        let within = previous
            .as_ref()
            .filter(|(p, _)| q.narrows(p))
            .map(|(_, h)| h.as_slice());
        let hits = index.search_within(&q, within);
        if within.is_some() {
            assert_eq!(
                hits,
                index.search(&q),
                "narrowing to {q:?} from {:?} changed the hits",
                previous.as_ref().map(|(p, _)| p)
            );
        }
        previous = Some((q, hits));
    }
}

// ---------------------------------------------------------------- status bodies

/// Object keys the status parsers look for, so generated JSON reaches their inner branches.
const KEYS: &[&str] = &[
    "activeAt",
    "alertname",
    "alerts",
    "annotations",
    "assignee",
    "assignments",
    "availableReplicas",
    "components",
    "conditions",
    "created_at",
    "data",
    "email",
    "end",
    "error",
    "errorType",
    "escalation_level",
    "escalation_policy",
    "generation",
    "health",
    "html_url",
    "id",
    "incident_number",
    "incidents",
    "items",
    "labels",
    "message",
    "metadata",
    "metric",
    "name",
    "namespace",
    "observedGeneration",
    "oncalls",
    "operationState",
    "phase",
    "priority",
    "readyReplicas",
    "reason",
    "reconciledAt",
    "replicas",
    "result",
    "resultType",
    "revision",
    "schedule",
    "service",
    "severity",
    "spec",
    "start",
    "state",
    "status",
    "summary",
    "sync",
    "title",
    "type",
    "updatedReplicas",
    "urgency",
    "user",
    "value",
    "values",
];

/// Strings the parsers compare against, and a few awkward ones.
const WORDS: &[&str] = &[
    "success",
    "error",
    "firing",
    "pending",
    "Synced",
    "OutOfSync",
    "Healthy",
    "Degraded",
    "Progressing",
    "completed",
    "in_progress",
    "queued",
    "failure",
    "UP",
    "DOWN",
    "matrix",
    "vector",
    "scalar",
    "string",
    "2024-05-01T12:00:00Z",
    "2024-05-01T12:00:00.123+02:00",
    "1e308",
    "-0",
    "NaN",
    "+Inf",
    "",
    "é",
    "\u{1b}[31m",
    "9999999999999999999999",
];

/// Generates a JSON value from unstructured bytes (the structure-aware input of `status`).
pub fn arbitrary_json(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Json> {
    let top = if depth == 0 { 5 } else { 7 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Json::Null,
        1 => Json::Bool(u.arbitrary()?),
        2 => Json::from(u.arbitrary::<i64>()?),
        3 => serde_json::Number::from_f64(u.arbitrary()?).map_or(Json::Null, Json::Number),
        4 => Json::String((*u.choose(WORDS)?).to_owned()),
        5 => Json::String(u.arbitrary()?),
        6 => {
            let n = u.int_in_range(0..=6)?;
            Json::Array(
                (0..n)
                    .map(|_| arbitrary_json(u, depth - 1))
                    .collect::<arbitrary::Result<_>>()?,
            )
        }
        _ => {
            let n = u.int_in_range(0..=6)?;
            let mut map = Map::new();
            for _ in 0..n {
                let key = if u.ratio(1, 8)? {
                    u.arbitrary::<String>()?
                } else {
                    (*u.choose(KEYS)?).to_owned()
                };
                map.insert(key, arbitrary_json(u, depth - 1)?);
            }
            Json::Object(map)
        }
    })
}

/// The status body parsers (Argo CD, Kubernetes, Prometheus, PagerDuty, health, the build
/// states of GitHub and GitLab). The first byte picks the parser; the rest is the body when it
/// is JSON (the recorded payloads in the corpus), else the bytes generate a JSON value.
pub fn status(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let rest = &rest[..rest.len().min(MAX_INPUT)];
    let body = match serde_json::from_slice::<Json>(rest) {
        Ok(v) => v,
        Err(_) => match arbitrary_json(&mut Unstructured::new(rest), 6) {
            Ok(v) => v,
            Err(_) => return,
        },
    };
    let string = |v: &Json| v.as_str().map(str::to_owned);
    match which % 8 {
        0 => {
            let _ = argocd::app(&body);
            for item in body
                .get("items")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let _ = argocd::app(item);
            }
        }
        1 => {
            let _ = kubernetes::deployment(&body);
            for item in body
                .get("items")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let _ = kubernetes::deployment(item);
            }
        }
        2 => {
            let data = prometheus::data(body.clone()).unwrap_or(body);
            let dimension = data.pointer("/result/0/metric/job").and_then(Json::as_str);
            let _ = prometheus::fold(&data, &data, dimension);
            let _ = prometheus::fold(&data, &Json::Null, None);
        }
        3 => {
            let data = prometheus::data(body.clone()).unwrap_or(body);
            let names = vec!["HighLatency".to_owned()];
            let labels = vec![("severity".to_owned(), "page".to_owned())];
            let _ = prometheus::alerts(&data, &[], &[]);
            let _ = prometheus::alerts(&data, &names, &labels);
        }
        4 => {
            let entries: Vec<_> = body
                .get("oncalls")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(pagerduty::entry)
                .collect();
            let svc = body.get("service").unwrap_or(&body);
            if let Some(policy) = pagerduty::policy_of(svc) {
                let _ = pagerduty::lowest_level(entries, svc, policy);
            }
        }
        5 => {
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let path = body
                .pointer("/components/db/details/path")
                .and_then(Json::as_str)
                .unwrap_or("status");
            let _ = health::read_body(&bytes, path);
            let _ = health::read_body(rest, "status");
            let _ = health::read_body(rest, "components.db.status");
        }
        6 => {
            let runs = body.get("workflow_runs").and_then(Json::as_array);
            for r in runs.into_iter().flatten() {
                let status = r.get("status").and_then(string);
                let conclusion = r.get("conclusion").and_then(string);
                let _ = github::build_state(status.as_deref(), conclusion.as_deref());
                for t in ["created_at", "updated_at", "run_started_at"] {
                    if let Some(s) = r.get(t).and_then(Json::as_str) {
                        let _ = crate::status::time::parse_rfc3339(s);
                    }
                }
            }
        }
        _ => {
            for p in body.as_array().into_iter().flatten() {
                let _ = gitlab::build_state(p.get("status").and_then(Json::as_str).unwrap_or(""));
                if let Some(s) = p.get("created_at").and_then(Json::as_str) {
                    let _ = crate::status::time::parse_rfc3339(s);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- config, keymap, theme

fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
}

/// `config.toml`, `keymap.toml` or a theme file (the first byte picks which, the rest is the
/// file), read as the portal reads them.
pub fn config(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = text(rest);
    let dir = scratch_dir();
    match which % 3 {
        0 => {
            if let Ok(config) = Config::parse(&text, &dir.join("config.toml")) {
                let _ = config.load_options();
            }
        }
        1 => {
            let path = dir.join(format!("keymap-{}.toml", std::process::id()));
            if std::fs::write(&path, &text).is_ok() {
                for base in ["default", "vim", "emacs"] {
                    let (map, issues) = Keymap::load(base, Some(&path));
                    drop(map);
                    for i in issues {
                        let _ = format!("{i:?}");
                    }
                }
            }
        }
        _ => {
            let themes = dir.join("themes");
            let _ = std::fs::create_dir_all(&themes);
            if std::fs::write(themes.join("fuzz.toml"), &text).is_ok() {
                for depth in [
                    ColorDepth::TrueColor,
                    ColorDepth::Ansi256,
                    ColorDepth::Ansi16,
                    ColorDepth::None,
                ] {
                    let _ = Theme::load("fuzz", Some(&themes), depth);
                }
            }
            for word in text.split_whitespace().take(16) {
                let _ = parse_color(word);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(archive: &str, root: &str) -> Catalog {
        let fs = MemFs::from_archive(archive);
        let source: Box<dyn Source> = Box::new(FileSource::new(
            Arc::new(fs),
            vec![PathBuf::from(root)],
            "t",
        ));
        sources::load(&[source], &offline())
    }

    /// The in-memory tree goes through Locations, globs and placeholders like the disk does,
    /// so the `catalog` target reaches them.
    #[test]
    fn an_archive_loads_like_a_directory() {
        let archive = "\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: root}
spec: {targets: [./c/*.yaml]}
#=== c/one.yaml
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: one}
spec: {type: openapi, lifecycle: production, owner: x, definition: {$text: ../d/api.yaml}}
#=== d/api.yaml
openapi: 3.0.0
";
        let catalog = load(archive, "/cat/catalog-info.yaml");
        let api = catalog
            .get("api:default/one")
            .expect("loaded through the Location");
        assert_eq!(
            api.data.get("spec").and_then(|s| s.get("definition")),
            Some(&json!("openapi: 3.0.0\n"))
        );
        let walked = load(archive, "/cat");
        assert!(walked.get("location:default/root").is_some());
    }

    #[test]
    fn generated_status_bodies_use_the_parsers_keys() {
        let mut rng = fastrand::Rng::with_seed(7);
        let bytes: Vec<u8> = (0..1 << 16).map(|_| rng.u8(..)).collect();
        let mut u = Unstructured::new(&bytes);
        let mut found = false;
        for _ in 0..64 {
            let v = arbitrary_json(&mut u, 4).unwrap();
            found |= v
                .as_object()
                .is_some_and(|m| m.keys().any(|k| KEYS.contains(&k.as_str())));
        }
        assert!(found);
    }
}
