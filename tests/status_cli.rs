//! `greenroom status` and `greenroom oncall` run against the in-process fake (`--fake`).

use serde_json::Value;
use std::process::Command;

/// The cache, state and config dirs of a run: a temp dir, never the user's.
fn private_dirs(c: &mut Command) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    c.env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"));
    home
}

fn greenroom(args: &[&str]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_greenroom"));
    let _home = private_dirs(&mut c);
    let out = c
        .args(["--config", "/nonexistent/greenroom.toml", "-c"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/status/catalog"
        ))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn status_prints_every_source_of_an_entity() {
    let (code, out, err) = greenroom(&["status", "payments", "--fake", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entityRef"], "component:default/payments");
    assert_eq!(v["demo"], true);
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 11);
    for s in sources {
        assert_eq!(s["state"], "fresh", "{s}");
        assert!(s["value"]["type"].is_string());
        assert!(s["fetchedAt"].as_str().unwrap().ends_with('Z'));
    }

    let (code, out, _) = greenroom(&["status", "checkout", "--fake"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("(demo data)") && out.contains("oncall") && out.contains("health"),
        "{out}"
    );

    let (code, _, err) = greenroom(&["status", "no-such-service", "--fake"]);
    assert_eq!(code, 1);
    assert!(err.contains("no entity matches"), "{err}");
}

#[test]
fn oncall_lists_teams_services_and_people() {
    let (code, out, err) = greenroom(&["oncall", "--fake", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let teams = v["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 2);
    assert_eq!(teams[0]["name"], "Payments");
    let first = &teams[0]["services"][0];
    assert!(
        first["now"][0]["name"]
            .as_str()
            .is_some_and(|n| n.contains(' '))
    );
    assert_eq!(first["escalationPolicy"]["name"], "Payments escalation");

    let (code, out, _) = greenroom(&["oncall", "storefront-team", "--fake"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Storefront") && out.contains("checkout") && !out.contains("Payments"),
        "{out}"
    );
}

/// Prometheus annotations without a configured Prometheus: the same one message as the Status
/// tab, in the human output and as `warnings` in JSON; not a failure.
#[test]
fn status_says_when_an_annotated_source_is_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: metered\n  annotations:\n    prometheus.io/rule: up|job\nspec:\n  type: service\n  lifecycle: production\n  owner: guest\n",
    )
    .unwrap();
    let run = |json: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_greenroom"));
        let _home = private_dirs(&mut c);
        c.args([
            "--config",
            "/nonexistent/greenroom.toml",
            "status",
            "metered",
            "-c",
        ])
        .arg(dir.path())
        .env("NO_COLOR", "1");
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let out = run(false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("⚠ prometheus.io/rule is set, but Prometheus is off: give [status.prometheus] a base_url"),
        "{text}"
    );
    assert!(!text.contains("no status sources"), "{text}");
    let v: Value = serde_json::from_slice(&run(true).stdout).unwrap();
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(1), "{v}");
}
