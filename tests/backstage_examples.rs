//! greenroom reads Backstage's own example catalogue and must reach the verdicts, and compute
//! the relations, that a real Backstage backend (catalog-backend 4.0.0) did. The backend's answer
//! is recorded in tests/fixtures/backstage-api/.

use greenroom::catalog::{Catalog, Severity};
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load_examples() -> Catalog {
    let root = fixtures().join("backstage-examples/root.yaml");
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[root]).unwrap());
    // The recording was made offline ($text over https failed there too).
    let opts = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    sources::load(&[source], &opts)
}

fn read_json(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join("backstage-api").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn key_of(e: &Value) -> String {
    format!(
        "{}:{}/{}",
        e["kind"].as_str().unwrap(),
        e["metadata"]["namespace"].as_str().unwrap(),
        e["metadata"]["name"].as_str().unwrap()
    )
    .to_lowercase()
}

/// Drops what the server sets itself: uid, etag, status, and the managed-by annotations (which
/// name the server's paths).
fn without_server_fields(mut e: Value) -> Value {
    let meta = e["metadata"].as_object_mut().unwrap();
    meta.remove("uid");
    meta.remove("etag");
    if let Some(Value::Object(a)) = meta.get_mut("annotations") {
        a.retain(|k, _| !k.starts_with("backstage.io/managed-by-"));
    }
    e.as_object_mut().unwrap().remove("status");
    e
}

/// The entity the backend generated for its config location; not part of the descriptors.
fn is_server_generated(key: &str) -> bool {
    key.starts_with("location:default/generated-")
}

/// Where greenroom does better than Backstage (see ../shared/README.md): a relative `$text` from
/// a file location is read relative to the file instead of failing.
const GREENROOM_ACCEPTS: &[&str] = &["api:default/petstore-webhook"];

#[test]
fn accepted_entities_match_the_backend_field_for_field_with_the_same_relations() {
    let catalog = load_examples();
    let expected: Vec<Value> = read_json("examples-entities.json")
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !is_server_generated(&key_of(e)))
        .cloned()
        .collect();
    assert_eq!(expected.len(), 61);
    for want in &expected {
        let key = key_of(want);
        let ours = catalog
            .get(&key)
            .unwrap_or_else(|| panic!("{key} is missing from greenroom's catalogue"));
        assert!(
            ours.is_accepted(),
            "{key} was accepted by Backstage but rejected by greenroom: {:?}",
            catalog.diagnostics_for(&key).collect::<Vec<_>>()
        );
        let mut got = without_server_fields(ours.to_backstage_json());
        // Entities greenroom accepts beyond Backstage add their relations to others.
        got["relations"]
            .as_array_mut()
            .unwrap()
            .retain(|r| !GREENROOM_ACCEPTS.contains(&r["targetRef"].as_str().unwrap()));
        let want = without_server_fields(want.clone());
        for field in ["apiVersion", "kind", "metadata", "spec", "relations"] {
            assert_eq!(got[field], want[field], "{key}: {field} differs");
        }
    }
    let team_c = catalog.get("group:default/team-c").unwrap();
    assert!(
        team_c
            .related(&greenroom::catalog::RelationType::OwnerOf)
            .any(|t| t == "api:default/petstore-webhook"),
        "the extra accepted API is owned by team-c"
    );
    let accepted: BTreeSet<String> = catalog.accepted().map(|e| e.key.clone()).collect();
    let mut want: BTreeSet<String> = expected.iter().map(key_of).collect();
    want.extend(GREENROOM_ACCEPTS.iter().map(|s| s.to_string()));
    assert_eq!(accepted, want);
}

#[test]
fn rejected_entities_are_rejected_with_backstages_reason() {
    let catalog = load_examples();
    let errors = read_json("examples-errors.json");
    let errors = errors.as_array().unwrap();
    assert_eq!(errors.len(), 8);
    // Backstage's words → what greenroom's message must say about the same problem.
    let reason_in_our_words: BTreeMap<&str, &str> = [
        (
            "No processor recognized the entity",
            "is not built into Backstage",
        ),
        (
            "must have required property 'definition'",
            "spec.definition is missing",
        ),
        ("could not read location https://", "is offline"),
        ("could not form a URL out of", ""),
    ]
    .into_iter()
    .collect();
    for err in errors {
        let key = err["entityRef"].as_str().unwrap();
        let entity = catalog
            .get(key)
            .unwrap_or_else(|| panic!("{key} not kept by greenroom"));
        let backstage_message = err["errors"][0]["message"].as_str().unwrap();
        let ours: Vec<String> = catalog
            .diagnostics_for(key)
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.message.clone())
            .collect();
        if GREENROOM_ACCEPTS.contains(&key) {
            assert!(
                entity.is_accepted(),
                "{key}: greenroom reads the relative $text"
            );
            assert!(ours.is_empty(), "{key}: {ours:?}");
            let definition = entity.spec_str("definition").unwrap();
            assert!(
                definition.contains("webhooks:"),
                "{key}: the definition is the file's text"
            );
            continue;
        }
        assert!(
            !entity.is_accepted(),
            "{key} should be rejected, as Backstage did"
        );
        let (_, our_words) = reason_in_our_words
            .iter()
            .find(|(theirs, _)| backstage_message.contains(*theirs))
            .unwrap_or_else(|| panic!("unexpected Backstage reason {backstage_message}"));
        assert!(
            ours.iter().any(|m| m.contains(our_words)),
            "{key}: Backstage said {backstage_message:?}; greenroom said {ours:?}"
        );
    }
}

#[test]
fn every_problem_is_located_in_the_file_that_has_it() {
    let catalog = load_examples();
    for d in catalog.diagnostics() {
        assert!(d.line >= 1 && d.column >= 1, "{d}");
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(&d.file);
        let path = if path.exists() {
            path
        } else {
            PathBuf::from(&d.file)
        };
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is not a file", d.file));
        assert!(text.lines().count() >= d.line as usize, "{d}");
    }
    let mcp = catalog
        .diagnostics_for("api:default/backstage-mcp-server")
        .next()
        .unwrap();
    assert!(
        mcp.file.ends_with("apis/backstage-mcp-server-api.yaml"),
        "{mcp}"
    );
    assert_eq!((mcp.line, mcp.column), (10, 3), "points at spec:");
}
