//! The command-line faces, run as the real binary.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn examples_root() -> PathBuf {
    fixtures().join("backstage-examples/root.yaml")
}

/// The binary with a private, empty config location, so the developer's own config never leaks
/// into a test.
fn greenroom(config_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_greenroom"));
    c.env("GREENROOM_CONFIG", config_dir.join("config.toml"))
        .env("XDG_CONFIG_HOME", config_dir.join("xdg-config"))
        .env("XDG_CACHE_HOME", config_dir.join("xdg-cache"))
        .env("XDG_STATE_HOME", config_dir.join("xdg-state"))
        .env("NO_COLOR", "1");
    c
}

fn run(args: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = greenroom(dir.path()).args(args).output().unwrap();
    (out, dir)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

const SERVICE: &str = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  title: Payments Service
  description: Takes the money
spec:
  type: service
  lifecycle: production
  owner: team-pay
  dependsOn: [resource:ledger]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-pay
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-ui
spec:
  type: website
  lifecycle: experimental
  owner: team-pay
";

#[test]
fn validate_human_output_and_exit_codes() {
    let root = examples_root();
    let (out, _d) = run(&["validate", "--offline", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "errors mean exit 1");
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    // file:line:col: severity: message
    let parts: Vec<&str> = first.splitn(5, ':').collect();
    assert!(parts[0].ends_with(".yaml"), "{first}");
    assert!(
        parts[1].parse::<u32>().is_ok() && parts[2].parse::<u32>().is_ok(),
        "{first}"
    );
    assert!(
        text.trim_end().ends_with("warnings"),
        "summary last: {text}"
    );

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "catalog-info.yaml", SERVICE);
    let (out, _d) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings alone exit 0: {}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains(
            "warning: spec.dependsOn \"resource:ledger\" refers to resource:default/ledger"
        )
    );

    let (out, _d) = run(&["validate", "/no/such/place"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/no/such/place: no such file or directory"));
    let (out, _d) = run(&["validate", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validate_json_shape() {
    let root = examples_root();
    let (out, _d) = run(&["validate", "--offline", "--json", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["entities"], 69);
    let diags = v["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty());
    for d in diags {
        let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["severity", "file", "line", "column", "entityRef", "message"]
        );
        assert!(matches!(d["severity"].as_str(), Some("error" | "warning")));
    }
}

#[test]
fn export_is_backstages_entities_shape() {
    let root = examples_root();
    let (out, _d) = run(&["export", "--offline", "-c", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    let items = v.as_array().unwrap();
    assert_eq!(
        items.len(),
        62,
        "61 accepted by Backstage + petstore-webhook"
    );
    for e in items {
        for key in ["apiVersion", "kind", "metadata", "spec", "relations"] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
        assert!(
            e["metadata"]["annotations"]["backstage.io/managed-by-location"]
                .as_str()
                .unwrap()
                .starts_with("file:/")
        );
    }
    let team_a = items
        .iter()
        .find(|e| e["kind"] == "Group" && e["metadata"]["name"] == "team-a")
        .unwrap();
    assert!(team_a["relations"].as_array().unwrap().contains(
        &serde_json::json!({"type": "hasMember", "targetRef": "user:development/guest"})
    ));
    let (out, _d) = run(&[
        "export",
        "--offline",
        "--include-rejected",
        "-c",
        root.to_str().unwrap(),
    ]);
    assert_eq!(json(&out).as_array().unwrap().len(), 69);
}

#[test]
fn show_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "catalog-info.yaml", SERVICE);
    let c = file.to_str().unwrap();

    let (out, _d) = run(&["show", "-c", c, "payments"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Payments Service"), "{text}");
    assert!(text.contains("group:default/team-pay"), "{text}");
    assert!(text.contains("depends on"), "{text}");

    let (out, _d) = run(&["show", "-c", c, "--json", "component:payments"]);
    let v = json(&out);
    assert_eq!(v["metadata"]["name"], "payments");
    assert_eq!(
        v["relations"],
        serde_json::json!([
            {"type": "dependsOn", "targetRef": "resource:default/ledger"},
            {"type": "ownedBy", "targetRef": "group:default/team-pay"}
        ])
    );

    let (out, _d) = run(&["show", "-c", c, "paymnts"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("did you mean component:default/payments"),
        "{}",
        stderr(&out)
    );

    let (out, _d) = run(&["search", "-c", c, "--json", "payments"]);
    let v = json(&out);
    assert_eq!(v["total"], 2);
    assert_eq!(
        v["items"][0]["entityRef"], "component:default/payments",
        "exact name first"
    );
    assert_eq!(v["items"][1]["entityRef"], "component:default/payments-ui");

    let (out, _d) = run(&[
        "search",
        "-c",
        c,
        "--limit",
        "1",
        "pay",
        "kind:component",
        "-lifecycle:production",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("payments-ui") && !text.contains("payments "),
        "{text}"
    );
}

#[test]
fn text_from_descriptors_reaches_the_terminal_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let nasty = SERVICE.replace(
        "description: Takes the money",
        "description: \"Takes \\e]0;pwned\\a\\e[2Jthe \\e]52;c;cm0gLXJmIH4=\\amoney\\u202E\"",
    );
    let file = write(dir.path(), "catalog-info.yaml", &nasty);
    for args in [
        vec!["show", "-c", file.to_str().unwrap(), "payments"],
        vec!["search", "-c", file.to_str().unwrap(), "money"],
        vec!["validate", file.to_str().unwrap()],
    ] {
        let (out, _d) = run(&args);
        let text = stdout(&out);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202E}'),
            "{args:?}: {text:?}"
        );
    }
    let (out, _d) = run(&["show", "-c", file.to_str().unwrap(), "payments"]);
    assert!(
        stdout(&out).contains("Takes pwnedthe money") || stdout(&out).contains("Takes the money")
    );
}

#[test]
fn config_sources_info_and_located_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "cat/catalog-info.yaml", SERVICE);
    write(
        dir.path(),
        "config.toml",
        "[catalog]\npattern = \"catalog-info.yaml\"\n\n[[catalog.source]]\ntype = \"files\"\npath = \"cat\"\n",
    );
    let out = greenroom(dir.path())
        .args(["search", "--json", "payments"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["total"], 2, "the config's source is used");

    let out = greenroom(dir.path())
        .args(["info", "--json"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["config"]["exists"], true);
    assert!(
        v["config"]["path"]
            .as_str()
            .unwrap()
            .ends_with("config.toml")
    );
    assert!(v["log"].as_str().unwrap().contains("greenroom"));
    assert!(v["catalog"].as_str().unwrap().contains("cat"), "{v}");

    write(
        dir.path(),
        "config.toml",
        "[catalog]\npattern = \"x\"\nbogus = 1\n",
    );
    let out = greenroom(dir.path()).args(["info"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("config.toml:3:1: unknown field `bogus`"),
        "{err}"
    );

    // Without any config: the bundled demo.
    let empty = tempfile::tempdir().unwrap();
    let out = greenroom(empty.path())
        .args(["info", "--json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["config"]["exists"], false);
    assert!(
        json(&out)["catalog"]
            .as_str()
            .unwrap()
            .contains("bundled demo")
    );
}

/// A panic in a command prints one short sanitised line naming the log file (no backtrace on
/// the terminal), writes the full report there, and exits 101.
#[test]
fn a_panic_is_reported_briefly_with_the_full_report_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = greenroom(dir.path())
        .args(["info"])
        .env("GREENROOM_PANIC_TEST", "cli")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(101));
    let err = stderr(&out);
    assert!(err.contains("greenroom crashed: test panic (cli)"), "{err}");
    assert!(
        !err.contains('\x1b'),
        "escape sequences reached the terminal: {err:?}"
    );
    assert!(!err.contains("Backtrace"), "{err}");
    let log = dir.path().join("xdg-state/greenroom/greenroom.log");
    assert!(err.contains(&log.display().to_string()), "{err}");
    let report = std::fs::read_to_string(&log).unwrap();
    assert!(
        report.contains("test panic (cli)") && report.contains("Backtrace:"),
        "{report}"
    );
}

/// With no path, no -c and nothing configured, validate checks the current directory (not the
/// demo, which would pass forever); finding nothing there is an error; `--demo` is said so.
#[test]
fn validate_without_a_path_checks_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    write(
        &repo,
        "catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Bad Name\nspec:\n  type: service\n  lifecycle: production\n  owner: guest\n",
    );
    let out = greenroom(dir.path())
        .arg("validate")
        .current_dir(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("catalog-info.yaml:4:"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for args in [&["validate"][..], &["export"], &["search", "checkout"]] {
        let out = greenroom(dir.path())
            .args(args)
            .current_dir(&empty)
            .output()
            .unwrap();
        assert!(
            !stdout(&out).contains("checkout-service"),
            "{args:?} read the demo: {}",
            stdout(&out)
        );
        if args[0] == "validate" {
            assert_eq!(out.status.code(), Some(1));
            assert!(stderr(&out).contains("no entities in"), "{}", stderr(&out));
        }
    }

    let out = greenroom(dir.path())
        .args(["validate", "--demo"])
        .current_dir(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("bundled demo"), "{}", stderr(&out));
}

/// Options after the query words are options (global ones too); `--` ends them.
#[test]
fn search_takes_options_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "catalog-info.yaml", SERVICE);
    let file = file.to_str().unwrap();
    let (out, _) = run(&[
        "search",
        "payments",
        "-type:website",
        "-c",
        file,
        "--json",
        "-n",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["query"], "payments -type:website");
    let refs: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["entityRef"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["component:default/payments"]);
    let (out, _) = run(&["search", "-c", file, "--json", "--", "payments", "--json"]);
    assert_eq!(json(&out)["query"], "payments --json");
}

/// `--help` describes every subcommand and the exit statuses; `help CMD` describes one.
#[test]
fn help_describes_every_subcommand() {
    let (out, _) = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for cmd in [
        "validate", "export", "show", "search", "keys", "scaffold", "status", "oncall", "info",
    ] {
        assert!(
            text.contains(&format!("\n  {cmd} ")),
            "{cmd} missing: {text}"
        );
    }
    assert!(text.contains("128+N"), "{text}");
    let (out, _) = run(&["help", "search"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("after `--` every word is part of the query"));
}

/// `greenroom keys` reports a binding no terminal can send (ctrl-] arrives as ctrl-5) with
/// file and line, and exits 1; the built-in vim map has none.
#[test]
fn keys_reports_untypeable_bindings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "keymap.toml",
        "inherits = \"vim\"\n[global]\n\"ctrl-]\" = \"nav.forward\"\n",
    );
    let out = greenroom(dir.path()).arg("keys").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("keymap.toml:3:")
            && err.contains("can never be typed")
            && err.contains("ctrl-5"),
        "{err}"
    );
    let (out, _) = run(&["keys", "--keymap", "vim"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("ctrl-]"));
}
