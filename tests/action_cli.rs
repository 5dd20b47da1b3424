//! `greenroom action` against the local fake of Port (`tests/port_fake`): list (all, and what
//! an entity offers), run a DAY-2 action to the end, a run refused for invalid values, a failed
//! run's log, the runs waiting for my approval, approve and decline with a reason. Every
//! directory the binary would write to is a temporary one.

mod port_fake;

use port_fake::{ID, Port, SECRET, serve};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

struct Setup {
    home: tempfile::TempDir,
    port: Arc<Port>,
}

fn setup() -> Setup {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("greenroom.toml"),
        format!(
            "[scaffold]\nuser = \"user:default/ann.lee\"\n\n[[catalog.source]]\ntype = \"port\"\nbase_url = \"{url}\"\nclient_id_env = \"T_PORT_ID\"\nclient_secret_env = \"T_PORT_SECRET\"\n"
        ),
    )
    .unwrap();
    Setup { home, port }
}

fn greenroom(s: &Setup, args: &[&str]) -> (i32, String, String) {
    let home: &Path = s.home.path();
    let out = Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .arg("--config")
        .arg(home.join("greenroom.toml"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("XDG_STATE_HOME", home.join("xdg-state"))
        .env("T_PORT_ID", ID)
        .env("T_PORT_SECRET", SECRET)
        .env("GREENROOM_PORT_POLL_MS", "0")
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
fn list_actions_and_what_an_entity_offers() {
    let s = setup();
    let (code, out, err) = greenroom(&s, &["action", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CREATE   scaffold_service"), "{out}");
    assert!(
        out.contains("DELETE   delete_service") && out.contains("(needs approval)"),
        "{out}"
    );
    assert!(
        !out.contains("nightly_cleanup"),
        "automations are not listed: {out}"
    );

    let (code, out, err) = greenroom(&s, &["action", "list", "payments-api", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["delete_service", "restart_service"]);
    let (code, out, _) = greenroom(&s, &["action", "list", "checkout-web", "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["actions"].as_array().unwrap().len(),
        1,
        "restart needs lifecycle production: {v}"
    );
}

#[test]
fn run_a_day2_action_to_the_end() {
    let s = setup();
    let values = s.home.path().join("values.yaml");
    std::fs::write(&values, "reason: stuck deploy\nreplicas: 3\n").unwrap();
    let (code, out, err) = greenroom(
        &s,
        &[
            "action",
            "run",
            "restart_service",
            "payments-api",
            "--values",
            values.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed");
    assert_eq!(v["runId"], "r_1");
    assert_eq!(
        v["output"]["links"][0]["url"],
        "https://github.com/acme/platform/actions/runs/42"
    );
    let sent = s.port.runs.lock().unwrap().sent.clone();
    assert_eq!(
        sent[0].1,
        json!({"properties": {"reason": "stuck deploy", "replicas": 3}, "entity": "payments-api"})
    );

    // Human output: the live log, then the links.
    let (code, out, err) = greenroom(
        &s,
        &[
            "action",
            "run",
            "Restart",
            "ledger",
            "--values",
            values.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("https://github.com/acme/platform/actions/runs/42"),
        "{out}"
    );

    // A DAY-2 action needs its entity; the form's validation comes first.
    let (code, _, err) = greenroom(&s, &["action", "run", "restart_service"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("name the entity it acts on"), "{err}");
    let (code, _, err) = greenroom(&s, &["action", "run", "restart_service", "ledger"]);
    assert_eq!(code, 1);
    assert!(err.to_lowercase().contains("reason"), "{err}");
    let (code, _, err) = greenroom(
        &s,
        &[
            "action",
            "run",
            "restart_service",
            "checkout-web",
            "--values",
            values.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("does not apply to component:default/checkout-web"),
        "{err}"
    );
}

#[test]
fn a_failed_run_exits_1_and_its_log_reads_back() {
    let s = setup();
    let (code, out, err) = greenroom(&s, &["action", "run", "rotate_credentials", "orders-db"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("vault unreachable"), "{err}");
    let (code, out, err) = greenroom(&s, &["action", "logs", "r_failed"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("r_failed Rotate credentials: failed (vault unreachable)"),
        "{out}"
    );
    assert!(
        out.contains("error: vault at https://vault.internal unreachable"),
        "{out}"
    );
}

#[test]
fn the_approvals_inbox_approve_and_decline() {
    let s = setup();
    // Ann (the [scaffold] user, ann.lee@corp.example in Port) approves only her runs.
    let (code, out, err) = greenroom(&s, &["action", "runs", "--waiting", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["r_waiting_ann"]);
    let (_, out, _) = greenroom(
        &s,
        &["action", "runs", "--waiting", "--me", "bo@corp.example"],
    );
    assert!(
        out.starts_with("r_waiting_bo") && out.contains("on ledger by ann.lee@corp.example"),
        "{out}"
    );

    let (code, out, err) = greenroom(
        &s,
        &["action", "approve", "r_waiting_ann", "--reason", "go"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "r_waiting_ann approved: in progress");
    let (code, out, err) = greenroom(
        &s,
        &[
            "action",
            "approve",
            "r_waiting_bo",
            "--decline",
            "--reason",
            "freeze",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["run"]["status"], "DECLINED");
    assert_eq!(v["run"]["approvalNote"], "freeze");
    let decisions = s.port.runs.lock().unwrap().decisions.clone();
    assert_eq!(
        decisions[1].1,
        json!({"status": "DECLINE", "description": "freeze"})
    );
    let (code, _, err) = greenroom(&s, &["action", "approve", "r_waiting_bo"]);
    assert_eq!(code, 1);
    assert!(err.contains("is not waiting for approval"), "{err}");
}

#[test]
fn without_a_port_source_it_says_what_to_configure() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .args(["--config", "/nonexistent/greenroom.toml", "action", "list"])
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_CACHE_HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no Port source is configured"), "{err}");
}
