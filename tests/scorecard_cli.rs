//! `greenroom scorecard` as the real binary: the CI gate's exit codes, JSON, markdown, the
//! demo's grades, located diagnostics for bad scorecard files, sanitised output.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary with a private config location (the developer's own config never leaks in).
fn greenroom(config_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_greenroom"));
    c.env("GREENROOM_CONFIG", config_dir.join("config.toml"))
        .env("XDG_CONFIG_HOME", config_dir.join("xdg-config"))
        .env("XDG_CACHE_HOME", config_dir.join("xdg-cache"))
        .env("XDG_STATE_HOME", config_dir.join("xdg-state"))
        .env("NO_COLOR", "1")
        .current_dir(config_dir);
    c
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn out(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out(o)))
}

const CARD: &str = r#"
apiVersion: greenroom.dev/v1alpha1
kind: Scorecard
metadata: { name: basics, title: Basics }
spec:
  appliesTo: { field: { path: kind, equals: Component } }
  levels: [Bronze, Silver]
  rules:
    - id: owner
      title: Has an owner
      level: Bronze
      check: { owner: { resolvable: true } }
      fix: Set spec.owner to the owning team.
    - id: runbook
      title: Runbook link
      level: Silver
      check: { link: { type: runbook } }
      fix: Add a runbook link.
    - id: on-call-now
      title: Someone on call
      level: Silver
      check: { live: oncall }
"#;

const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: owned
  links: [{ url: "https://r.example", title: Runbook, type: runbook }]
spec: { type: service, lifecycle: production, owner: team-a }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ownerless, description: "\e[31mred\e[0m" }
spec: { type: service, lifecycle: production, owner: "" }
"#;

/// A repository with a catalogue and a config naming the scorecard file.
fn repo(catalog: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "repo/catalog-info.yaml", catalog);
    write(dir.path(), "cards/basics.yaml", CARD);
    write(
        dir.path(),
        "config.toml",
        "[[scorecards]]\npath = \"cards\"\n",
    );
    dir
}

#[test]
fn fail_below_bronze_fails_a_ci_step_on_a_missing_owner() {
    let dir = repo(CATALOG);
    let o = greenroom(dir.path())
        .args([
            "scorecard",
            "-c",
            "repo",
            "--fail-below",
            "bronze",
            "--offline",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    let text = out(&o);
    assert!(
        text.contains("✗ [Bronze] Has an owner: spec.owner is not set"),
        "{text}"
    );
    assert!(
        text.contains("fix: Set spec.owner to the owning team."),
        "{text}"
    );
    assert!(text.contains("1 grade(s) below bronze"), "{text}");
    assert!(
        text.contains("component:default/ownerless basics: Unrated"),
        "{text}"
    );

    // With the owner set, the same step passes.
    let fixed = CATALOG.replace("owner: \"\"", "owner: team-a");
    let dir = repo(&fixed);
    let o = greenroom(dir.path())
        .args([
            "scorecard",
            "-c",
            "repo",
            "--fail-below",
            "bronze",
            "--offline",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    // But not at Silver: offline, the live rule is unknown and counts as a failure.
    let o = greenroom(dir.path())
        .args([
            "scorecard",
            "-c",
            "repo",
            "--fail-below",
            "silver",
            "--offline",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("? [Silver] Someone on call: offline: live facts are not fetched"));
}

#[test]
fn json_has_levels_rules_findings_and_the_gate() {
    let dir = repo(CATALOG);
    let o = greenroom(dir.path())
        .args([
            "scorecard",
            "-c",
            "repo",
            "--json",
            "--fail-below",
            "silver",
            "--offline",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["offline"], true);
    assert_eq!(v["scorecards"][0]["id"], "basics");
    assert_eq!(
        v["scorecards"][0]["levels"],
        serde_json::json!(["Bronze", "Silver"])
    );
    let grades = v["grades"].as_array().unwrap();
    assert_eq!(grades.len(), 2);
    let owned = &grades[0];
    assert_eq!(owned["entityRef"], "component:default/owned");
    assert_eq!(owned["level"], "Bronze");
    assert_eq!(owned["next"]["level"], "Silver");
    assert_eq!(owned["next"]["rules"], serde_json::json!(["on-call-now"]));
    let live = &owned["rules"][2];
    assert_eq!(live["outcome"], "unknown");
    assert_eq!(live["checked"], "someone is on call now");
    let ownerless = &grades[1];
    assert_eq!(ownerless["level"], "Unrated");
    assert_eq!(ownerless["rules"][0]["outcome"], "fail");
    assert_eq!(ownerless["rules"][0]["found"], "spec.owner is not set");
    assert_eq!(v["below"].as_array().unwrap().len(), 2);
}

#[test]
fn markdown_is_a_pull_request_comment() {
    let dir = repo(CATALOG);
    let o = greenroom(dir.path())
        .args([
            "scorecard",
            "-c",
            "repo",
            "--format",
            "markdown",
            "--fail-below",
            "bronze",
            "--offline",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let md = out(&o);
    assert!(md.starts_with("### Scorecards\n"), "{md}");
    assert!(md.contains("❌ **1** grade(s) below **bronze**."), "{md}");
    assert!(
        md.contains("| `ownerless` | Basics | **Unrated** | 0/3 | Bronze: Has an owner |"),
        "{md}"
    );
    assert!(
        md.contains(
            "- ❌ Has an owner: spec.owner is not set — fix: Set spec.owner to the owning team."
        ),
        "{md}"
    );
    assert!(md.contains("<details>"));
}

#[test]
fn usage_errors_exit_2_and_bad_files_are_located() {
    let dir = repo(CATALOG);
    let run = |args: &[&str]| greenroom(dir.path()).args(args).output().unwrap();
    let o = run(&["scorecard", "-c", "repo", "--fail-below", "platinum"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no scorecard has a level `platinum` (levels: Bronze, Silver)"));
    let o = run(&["scorecard", "-c", "repo", "--scorecard", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no scorecard `nope`; there are: basics"));
    let o = run(&["scorecard", "-c", "repo", "--format", "html"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["scorecard", "-c", "repo", "nothing-here"]);
    assert_eq!(o.status.code(), Some(1));
    // No scorecards anywhere.
    let o = run(&[
        "scorecard",
        "-c",
        "repo",
        "--file",
        "empty-dir-that-is-missing.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o)
            .contains("empty-dir-that-is-missing.yaml:1:1: error: cannot read the scorecard file")
    );
    std::fs::remove_file(dir.path().join("config.toml")).unwrap();
    let o = run(&["scorecard", "-c", "repo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no scorecards"), "{}", err(&o));
    // A broken file: located, and the step fails even though nothing was below a level.
    write(
        dir.path(),
        "bad.yaml",
        &CARD.replace(
            "level: Silver\n      check: { link",
            "level: Gold\n      check: { link",
        ),
    );
    let o = run(&["scorecard", "-c", "repo", "--file", "bad.yaml", "--offline"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("bad.yaml:16:14: error: level `Gold` is not one of the scorecard's levels (Bronze, Silver)"),
        "{}",
        err(&o)
    );
}

#[test]
fn escape_sequences_from_descriptors_never_reach_the_terminal() {
    let evil = CATALOG.replace(
        "metadata: { name: ownerless,",
        "metadata: { name: ownerless, links: [{ url: \"https://x\", type: \"\\e]0;pwned\\a\\e[2Jchat\" }],",
    );
    let dir = repo(&evil);
    for args in [
        &["scorecard", "-c", "repo", "--offline"][..],
        &[
            "scorecard",
            "-c",
            "repo",
            "--offline",
            "--format",
            "markdown",
        ][..],
    ] {
        let o = greenroom(dir.path()).args(args).output().unwrap();
        let text = out(&o);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(text.contains("the links are: chat"), "{text}");
    }
}

#[test]
fn the_demo_says_why_checkout_is_silver_not_gold() {
    let dir = tempfile::tempdir().unwrap();
    let o = greenroom(dir.path())
        .args([
            "scorecard",
            "--demo",
            "checkout-service",
            "--scorecard",
            "production-readiness",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v = json(&o);
    let g = &v["grades"][0];
    assert_eq!(g["level"], "Silver");
    assert_eq!(g["next"]["level"], "Gold");
    assert_eq!(g["next"]["rules"], serde_json::json!(["runbook-link"]));
    let rule = g["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "runbook-link")
        .unwrap();
    assert_eq!(rule["found"], "0 matching; the links are: dashboard, chat");
    // The whole demo: some services Gold, some below Silver.
    let o = greenroom(dir.path())
        .args([
            "scorecard",
            "--demo",
            "--scorecard",
            "production-readiness",
            "--json",
            "--fail-below",
            "silver",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let levels: Vec<&str> = v["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["level"].as_str().unwrap())
        .collect();
    assert!(
        levels.iter().filter(|l| **l == "Gold").count() >= 10,
        "{levels:?}"
    );
    assert!(
        levels.iter().filter(|l| **l == "Bronze").count() >= 3,
        "{levels:?}"
    );
}

#[test]
fn owner_grades_what_a_team_owns_transitively() {
    let dir = tempfile::tempdir().unwrap();
    let o = greenroom(dir.path())
        .args([
            "scorecard",
            "--demo",
            "--owner",
            "checkout-team",
            "--scorecard",
            "production-readiness",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v = json(&o);
    let refs: Vec<&str> = v["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["entityRef"].as_str().unwrap())
        .collect();
    assert!(
        refs.contains(&"component:default/checkout-service"),
        "{refs:?}"
    );
    assert!(
        refs.contains(&"component:default/orders-service"),
        "{refs:?}"
    );
    assert!(
        !refs.contains(&"component:default/payments-gateway"),
        "{refs:?}"
    );
}
