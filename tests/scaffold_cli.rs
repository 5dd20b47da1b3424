//! `greenroom scaffold`: exit codes, the same validation messages as the form, the dry-run JSON
//! in Backstage's shape, and the refusal to overwrite without --force.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn features() -> PathBuf {
    fixtures().join("scaffold/dry-run/greenroom-features")
}

fn greenroom(dir: &Path, args: &[&str]) -> Output {
    // The cache, state and config dirs: a temp dir of their own, never the user's.
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("GREENROOM_CONFIG", dir.join("no-config.toml"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn dry_run_json_has_backstages_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let template = features().join("template/template.yaml");
    let values = features().join("values.json");
    let out = greenroom(
        tmp.path(),
        &[
            "scaffold",
            template.to_str().unwrap(),
            "--values",
            values.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: Json = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["log", "directoryContents", "output", "steps"] {
        assert!(body.get(key).is_some(), "{key}");
    }
    let first = &body["directoryContents"][0];
    assert!(
        first["path"].is_string()
            && first["base64Content"].is_string()
            && first["executable"].is_boolean()
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "a dry run writes nothing"
    );
}

#[test]
fn invalid_values_exit_1_with_the_forms_messages() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("values.yaml"),
        "name: Not Valid\nowner: group:default/a\n",
    )
    .unwrap();
    let template = features().join("template/template.yaml");
    let out = greenroom(
        tmp.path(),
        &[
            "scaffold",
            template.to_str().unwrap(),
            "--values",
            "values.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "/name (1): Name must match ^[a-z0-9-]+$: lower-case letters, digits and dashes only."
        ),
        "{err}"
    );
    assert!(
        err.contains("/repoUrl (1): Repository is required."),
        "{err}"
    );
    let out = greenroom(
        tmp.path(),
        &[
            "scaffold",
            template.to_str().unwrap(),
            "--values",
            "values.yaml",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let body: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["errors"][0]["path"], "/name");
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let template = features().join("template/template.yaml");
    let t = template.to_str().unwrap();
    for args in [
        vec!["scaffold", t, "--values", "missing.yaml"],
        vec!["scaffold", "template:default/no-such-template", "--demo"],
        vec!["scaffold", t, "--secret", "token"],
        vec![
            "scaffold",
            t,
            "--secret",
            "token=GREENROOM_SURELY_UNSET_VAR",
        ],
        vec!["scaffold"],
    ] {
        let out = greenroom(tmp.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn writes_into_dot_name_and_refuses_to_overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let template = fixtures().join("scaffold/dry-run/create-app-nodejs/template/template.yaml");
    let values = fixtures().join("scaffold/dry-run/create-app-nodejs/values.json");
    let args = [
        "scaffold",
        template.to_str().unwrap(),
        "--values",
        values.to_str().unwrap(),
    ];
    let out = greenroom(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let made = tmp.path().join("ticket-service");
    assert_eq!(
        std::fs::read_to_string(made.join("index.js")).unwrap(),
        "console.log('Hello from ticket-service!');\n"
    );
    assert!(text(&out.stdout).contains("registered: component:default/ticket-service"));
    assert!(text(&out.stderr).contains("nothing was pushed"));
    std::fs::write(made.join("local-change.txt"), "mine").unwrap();
    let out = greenroom(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("pass --force"),
        "{}",
        text(&out.stderr)
    );
    assert!(made.join("local-change.txt").exists());
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(greenroom(tmp.path(), &forced).status.code(), Some(0));
    assert!(!made.join("local-change.txt").exists());
}

#[test]
fn templates_are_found_by_ref_in_the_chosen_catalogue() {
    let tmp = tempfile::tempdir().unwrap();
    let template = fixtures().join("templates/create-app-example-nodejs-template/template.yaml");
    std::fs::write(
        tmp.path().join("v.yaml"),
        "name: svc\nrepoUrl: github.com?owner=o&repo=svc\n",
    )
    .unwrap();
    for reference in [
        "template:default/example-nodejs-template",
        "example-nodejs-template",
    ] {
        let out = greenroom(
            tmp.path(),
            &[
                "-c",
                template.to_str().unwrap(),
                "scaffold",
                reference,
                "--values",
                "v.yaml",
                "--dry-run",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{reference}: {}",
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("=== index.js") && stdout.contains("Hello from svc!"),
            "{stdout}"
        );
    }
    let out = greenroom(
        tmp.path(),
        &[
            "-c",
            template.to_str().unwrap(),
            "scaffold",
            "component:default/nothing",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}
