//! Backstage's `catalog.rules` in greenroom's config, through the real binary: a kind not
//! allowed from a file fails the whole file (none of its entities is exported) with the
//! backend's error; a files source's own rules allow kinds from its own files only, not from the
//! files its Locations lead to; Backstage's default (Component, API, Location) applies when
//! only sources have rules.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn run(home: &Path, args: &[&str]) -> (Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .args(args)
        .env("GREENROOM_CONFIG", home.join("config.toml"))
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("XDG_STATE_HOME", home.join("xdg-state"))
        .env("NO_COLOR", "1")
        .current_dir(home)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {stderr}", String::from_utf8_lossy(&o.stdout)));
    (v, stderr)
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: NAME\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";
const GROUP: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: NAME\nspec:\n  type: team\n  children: []\n";

fn doc(template: &str, name: &str) -> String {
    template.replace("NAME", name)
}

fn names(export: &Value) -> Vec<String> {
    let mut v: Vec<String> = export
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_disallowed_kind_drops_every_entity_of_its_file() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(h, "cat/svc/catalog-info.yaml", &doc(COMPONENT, "svc"));
    write(
        h,
        "cat/mixed/catalog-info.yaml",
        &format!(
            "{}---\n{}",
            doc(COMPONENT, "mixed-svc"),
            doc(GROUP, "team-a")
        ),
    );
    write(
        h,
        "config.toml",
        "[[catalog.source]]\ntype = \"files\"\npath = \"cat\"\n\n[[catalog.rules]]\nallow = [\"Component\", \"Location\"]\n",
    );
    let (export, _) = run(h, &["export"]);
    assert_eq!(names(&export), ["svc"]);
    let (validate, _) = run(h, &["validate", "--json"]);
    let diags = validate["diagnostics"].as_array().unwrap();
    let rule: Vec<&Value> = diags
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("is not of an allowed kind for that location")
        })
        .collect();
    assert_eq!(rule.len(), 1, "{diags:#?}");
    let m = rule[0]["message"].as_str().unwrap();
    assert!(m.starts_with("Entity group:default/team-a at file:"), "{m}");
    assert!(
        m.contains("mixed/catalog-info.yaml, originated at file:"),
        "{m}"
    );
    assert!(
        m.contains("catalog.rules allow Component, Location here"),
        "{m}"
    );
    assert!(m.contains("none of the 2 entities in this file"), "{m}");
    assert_eq!(rule[0]["severity"], "error");
    assert_eq!(rule[0]["line"], 13, "at the entity's name");
}

#[test]
fn a_sources_own_rules_cover_its_files_not_where_its_locations_lead() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        "org/catalog-info.yaml",
        &format!(
            "{}---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  targets: [./more/teams.yaml]\n",
            doc(GROUP, "team-a")
        ),
    );
    write(h, "org/more/teams.yaml", &doc(GROUP, "team-b"));
    write(
        h,
        "config.toml",
        "[[catalog.source]]\ntype = \"files\"\npath = \"org/catalog-info.yaml\"\nrules = [{ allow = [\"Group\"] }]\n",
    );
    // Own file: Group allowed by the source's rule; Location by Backstage's default. The
    // Location's target: only the default rules, so its Group is refused.
    let (export, _) = run(h, &["export"]);
    assert_eq!(names(&export), ["more", "team-a"]);
    // With a global rule for files under org/, the target's Group is fine too.
    write(
        h,
        "config.toml",
        &format!(
            "[[catalog.source]]\ntype = \"files\"\npath = \"org/catalog-info.yaml\"\nrules = [{{ allow = [\"Group\"] }}]\n\n[[catalog.rules]]\nallow = [\"Location\", \"Group\"]\nlocations = [{{ type = \"file\", pattern = \"{}/org/**\" }}]\n",
            h.canonicalize().unwrap().display()
        ),
    );
    let (export, _) = run(h, &["export"]);
    assert_eq!(names(&export), ["more", "team-a", "team-b"]);
}
