//! greenroom's dry run against what a real Backstage backend (scaffolder-backend 4.2.0) answered
//! for the same template and values (`tests/fixtures/scaffold/dry-run/*/response.json`, recorded
//! with `tests/fixtures/scaffold/record/`): the same files with the same contents, the same
//! output, the same step states.

use base64::Engine;
use greenroom::scaffold::{Secrets, Template, User, dry_run, task_from_values};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scaffold/dry-run");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn read_json(path: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn files(response: &Json) -> BTreeMap<String, (String, bool)> {
    response["directoryContents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(f["base64Content"].as_str().unwrap())
                .unwrap();
            (
                f["path"].as_str().unwrap().to_owned(),
                (
                    String::from_utf8(bytes).unwrap(),
                    f["executable"].as_bool().unwrap(),
                ),
            )
        })
        .collect()
}

/// The step state changes, in order: (step, status, message).
fn step_states(response: &Json) -> Vec<(String, String, String)> {
    response["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| {
            let b = &l["body"];
            Some((
                b["stepId"].as_str()?.to_owned(),
                b["status"].as_str()?.to_owned(),
                b["message"].as_str().unwrap().to_owned(),
            ))
        })
        .collect()
}

/// Backstage's log lines without winston's colour prefix.
fn messages(response: &Json) -> Vec<String> {
    response["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["body"]["message"]
                .as_str()
                .unwrap()
                .replace("\u{1b}[32minfo\u{1b}[39m: ", "")
        })
        .collect()
}

#[test]
fn dry_runs_match_the_real_backstage() {
    let cases = cases();
    assert!(cases.len() >= 3, "{cases:?}");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let template = Template::from_file(&case.join("template/template.yaml")).unwrap();
        let values = read_json(&case.join("values.json"));
        let expected = read_json(&case.join("response.json"));
        let task = task_from_values(&template, &values, &Secrets::default(), User::default())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let result = dry_run::dry_run(&task, &mut |_| {});
        assert!(result.succeeded(), "{name}: {:?}", result.error);
        let ours = dry_run::to_backstage_json(&task, &result);

        let (want, got) = (files(&expected), files(&ours));
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>(),
            "{name}: file list"
        );
        for (path, content) in &want {
            assert_eq!(&got[path], content, "{name}: {path}");
        }
        assert_eq!(ours["output"], expected["output"], "{name}: output");
        assert_eq!(
            step_states(&ours),
            step_states(&expected),
            "{name}: step states"
        );
        assert_eq!(ours["steps"], expected["steps"], "{name}: steps");
        // The dry-run input dumps and action logs that carry no temporary paths match too.
        let ours_msgs = messages(&ours);
        for m in messages(&expected) {
            if m.contains("/tmp/") || m.starts_with("Processing ") {
                continue;
            }
            assert!(
                ours_msgs.contains(&m),
                "{name}: missing log line {m:?}\nours: {ours_msgs:#?}"
            );
        }
    }
}

/// A log line with what differs by machine made equal: Backstage names paths inside its
/// temporary workspace (`/tmp/.../dry-run-<uuid>/static/a.txt`), greenroom the same path
/// relative to it (`static/a.txt`, `./` for the workspace itself).
fn portable(m: &str) -> String {
    m.split(' ')
        .map(|word| {
            if let Some((_, rest)) = word.split_once("/dry-run-") {
                match rest.split_once('/') {
                    Some((_, path)) => path.to_owned(),
                    None => ".".to_owned(),
                }
            } else if word == "./" {
                ".".to_owned()
            } else {
                word.strip_prefix("./").unwrap_or(word).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The whole log, line for line, level prefixes included (issue 15's items 1-4, 7, 8: the
/// `info: ` prefix, values sorted and no ` {}`, one depth at a time, no copyWithoutRender line).
#[test]
fn dry_run_logs_match_the_real_backstage_line_for_line() {
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let template = Template::from_file(&case.join("template/template.yaml")).unwrap();
        let values = read_json(&case.join("values.json"));
        let expected = read_json(&case.join("response.json"));
        let task =
            task_from_values(&template, &values, &Secrets::default(), User::default()).unwrap();
        let result = dry_run::dry_run(&task, &mut |_| {});
        let ours = dry_run::to_backstage_json(&task, &result);
        let lines = |v: &Json| -> Vec<String> {
            v["log"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| portable(l["body"]["message"].as_str().unwrap()))
                .collect()
        };
        let (want, got) = (lines(&expected), lines(&ours));
        let first_difference = want.iter().zip(&got).position(|(a, b)| a != b);
        assert!(
            first_difference.is_none() && want.len() == got.len(),
            "{name}: the logs differ at line {first_difference:?} ({} vs {} lines)\nwant: {:?}\ngot:  {:?}",
            want.len(),
            got.len(),
            first_difference.map(|i| &want[i]),
            first_difference.map(|i| &got[i]),
        );
    }
}
