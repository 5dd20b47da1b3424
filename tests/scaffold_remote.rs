//! Remote template runs on a Backstage backend's scaffolder. First against a local server
//! replaying what a real backend answered (`tests/fixtures/backstage-api/scaffolder/`): a task
//! that completes (its event stream dropped mid-way and resumed with `after=`), one that fails
//! mid-way, one cancelled, the backend's own validation errors, the task list, the parameter
//! schema and a dry run. Then against a REAL backend started by `.ci/backstage.sh` (skipped
//! outside CI when it cannot start): complete, fail, cancel while waiting, and re-attach after
//! the client "restarts".

use greenroom::hub::RunService;
use greenroom::hub::run::RunUpdate;
use greenroom::scaffold::exec::{Executor, RunProgress, StepStatus, TaskEvent, TaskStatus};
use greenroom::scaffold::remote::{
    RecentRuns, RemoteError, RemoteExecutor, RemoteTask, ScaffolderClient,
};
use greenroom::scaffold::{Secrets, TaskSpec, Template, User};
use greenroom::sources::backstage::BackstageSource;
use serde_json::{Value as Json, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "greenroom-static-token-0123456789";

fn fixture(name: &str) -> String {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backstage-api/scaffolder");
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// The events of a recorded stream, each as its `event:`/`data:` block.
fn stream_events(name: &str) -> Vec<(u64, String)> {
    fixture(name)
        .split("\n\n")
        .filter(|b| b.contains("data:"))
        .map(|b| {
            let data = b.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
            let v: Json = serde_json::from_str(data).unwrap();
            (v["id"].as_u64().unwrap(), format!("{}\n\n", b.trim_end()))
        })
        .collect()
}

/// A request the fake saw: method, path, query, body.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: String,
    body: String,
    authorized: bool,
}

struct Fake {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// Replays the recorded scaffolder. Task `0c61…` (hello-world) streams its 20 events, but the
/// first connection breaks after event 9; `b1a1…` fails; `c5cc…` is cancelled. A create
/// without `name` gets the recorded 400; an unknown template the 404.
fn fake() -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || serve(stream, &log));
        }
    });
    Fake { url, seen }
}

fn serve(mut stream: TcpStream, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let mut authorized = false;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("authorization:") {
            authorized = line.trim_end().ends_with(&format!("Bearer {TOKEN}"));
        }
        if let Some(n) = lower.strip_prefix("content-length:") {
            length = n.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("/").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let (path, query) = (path.to_owned(), query.to_owned());
    let body = String::from_utf8(body).unwrap();
    let connections = {
        let mut l = log.lock().unwrap();
        l.push(Seen {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            body: body.clone(),
            authorized,
        });
        l.iter().filter(|s| s.path == path).count()
    };
    let reply = |stream: &mut TcpStream, status: &str, body: &str| {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    if !authorized {
        return reply(
            &mut stream,
            "401 Unauthorized",
            r#"{"error":{"name":"AuthenticationError","message":"Illegal token"}}"#,
        );
    }
    let after: u64 = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("after="))
        .map_or(0, |a| a.parse().unwrap());
    let sse = |stream: &mut TcpStream, events: Vec<(u64, String)>, stop_after: Option<u64>| {
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
        );
        for (id, block) in events {
            // Backstage re-sends the completion event whatever `after` says.
            if id <= after && !block.starts_with("event: completion") {
                continue;
            }
            let _ = stream.write_all(block.as_bytes());
            let _ = stream.flush();
            if Some(id) == stop_after {
                // The connection drops mid-task.
                return;
            }
        }
    };
    match (method.as_str(), path.as_str()) {
        ("POST", "/api/scaffolder/v2/tasks") => {
            let v: Json = serde_json::from_str(&body).unwrap();
            match v["templateRef"].as_str() {
                Some("template:default/hello-world") if v["values"].get("name").is_none() => reply(
                    &mut stream,
                    "400 Bad Request",
                    &fixture("28-create-task-400-missing-required.json"),
                ),
                Some("template:default/hello-world") => {
                    reply(&mut stream, "201 Created", &fixture("23-create-task.json"))
                }
                Some("template:default/always-fails") => reply(
                    &mut stream,
                    "201 Created",
                    &fixture("29-create-failing-task.json"),
                ),
                Some("template:default/slow-wait") => reply(
                    &mut stream,
                    "201 Created",
                    &fixture("30-create-slow-task.json"),
                ),
                _ => reply(
                    &mut stream,
                    "404 Not Found",
                    &fixture("28c-create-task-404-template.json"),
                ),
            }
        }
        ("GET", "/api/scaffolder/v2/tasks/0c618692-86d8-4060-9716-d7a4c057160e/eventstream") => {
            let stop = (connections == 1).then_some(9);
            sse(
                &mut stream,
                stream_events("25-task-eventstream-live.txt"),
                stop,
            )
        }
        ("GET", "/api/scaffolder/v2/tasks/b1a12fd1-b80e-4ed5-a786-bb9acaa915bb/eventstream") => {
            sse(
                &mut stream,
                stream_events("29b-failing-task-eventstream.txt"),
                None,
            )
        }
        ("GET", "/api/scaffolder/v2/tasks/c5cc1d4c-aa34-49f0-9a01-570aa76dea03/eventstream") => {
            sse(
                &mut stream,
                stream_events("30b-cancelled-task-eventstream.txt"),
                None,
            )
        }
        ("POST", "/api/scaffolder/v2/tasks/c5cc1d4c-aa34-49f0-9a01-570aa76dea03/cancel") => {
            reply(&mut stream, "200 OK", &fixture("30c-cancel-task.json"))
        }
        // grace's tasks were all made with a static token: none has her as creator.
        ("GET", "/api/scaffolder/v2/tasks")
            if query.contains("createdBy=user%3Adefault%2Fgrace") =>
        {
            reply(&mut stream, "200 OK", r#"{"tasks":[],"totalTasks":0}"#)
        }
        ("GET", "/api/scaffolder/v2/tasks") => {
            reply(&mut stream, "200 OK", &fixture("31-tasks-list.json"))
        }
        ("GET", "/api/scaffolder/v2/tasks/0c618692-86d8-4060-9716-d7a4c057160e") => {
            reply(&mut stream, "200 OK", &fixture("24-get-task.json"))
        }
        ("GET", "/api/scaffolder/v2/templates/default/template/hello-world/parameter-schema") => {
            reply(
                &mut stream,
                "200 OK",
                &fixture("20-template-parameter-schema.json"),
            )
        }
        ("GET", "/api/scaffolder/v2/templates/default/template/always-fails/parameter-schema")
        | ("GET", "/api/scaffolder/v2/templates/default/template/slow-wait/parameter-schema") => {
            reply(&mut stream, "200 OK", r#"{"title":"T","steps":[]}"#)
        }
        ("GET", p) if p.ends_with("/parameter-schema") => reply(
            &mut stream,
            "404 Not Found",
            &fixture("20b-parameter-schema-404.json"),
        ),
        ("POST", "/api/scaffolder/v2/dry-run") => {
            reply(&mut stream, "200 OK", &fixture("32-dry-run.json"))
        }
        _ => reply(&mut stream, "404 Not Found", "{}"),
    }
}

fn client(url: &str, token_var: &str, token: &str) -> ScaffolderClient {
    unsafe { std::env::set_var(token_var, token) };
    let mut source = BackstageSource::new(url);
    source.token_env = Some(token_var.into());
    let mut c = ScaffolderClient::for_source(&source).unwrap();
    c.reconnect_delay = Duration::from_millis(1);
    c
}

fn template(name: &str) -> Template {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "tests/fixtures/backstage-scaffolder/templates/{name}/template.yaml"
    ));
    Template::from_file(&file).unwrap()
}

fn task(name: &str, values: Json, secrets: Secrets) -> TaskSpec {
    TaskSpec {
        template: template(name),
        values,
        secrets,
        user: User::default(),
        sensitive: Vec::new(),
    }
}

fn run(
    executor: &RemoteExecutor,
    task: &TaskSpec,
) -> (greenroom::scaffold::RunResult, RunProgress) {
    let mut progress = RunProgress::new(&task.template);
    let result = executor.run(task, &mut |e| progress.apply(e));
    (result, progress)
}

fn step(progress: &RunProgress, id: &str) -> StepStatus {
    progress.steps.iter().find(|s| s.id == id).unwrap().status
}

#[test]
fn a_task_completes_through_a_dropped_stream_without_losing_or_repeating_events() {
    let fake = fake();
    let client = client(&fake.url, "GREENROOM_TEST_REMOTE_TOKEN_A", TOKEN);
    let mut secrets = Secrets::default();
    secrets.insert("apiKey", "hunter2-secret");
    let task = task(
        "hello-world",
        json!({"name": "my-new-svc", "owner": "group:default/team-stage"}),
        secrets,
    );
    let executor = RemoteExecutor::new(client);
    let (result, progress) = run(&executor, &task);
    assert_eq!(result.status, TaskStatus::Completed, "{:?}", result.error);
    assert_eq!(
        result.output["links"][0]["url"],
        "https://example.com/my-new-svc"
    );
    for id in ["log-start", "fetch", "list", "wait"] {
        assert_eq!(step(&progress, id), StepStatus::Completed, "{id}");
    }
    // 20 events from the backend (one is a completion) + the "Task … on Backstage" line:
    // none twice although the stream was read in two connections.
    assert_eq!(result.events.len(), 21, "{:#?}", result.events);
    let fetch_log = &progress.steps.iter().find(|s| s.id == "fetch").unwrap().log;
    assert_eq!(
        fetch_log
            .iter()
            .filter(|l| l.starts_with("Writing file README.md"))
            .count(),
        1
    );
    assert_eq!(
        executor.task_id().as_deref(),
        Some("0c618692-86d8-4060-9716-d7a4c057160e")
    );
    let seen = fake.seen.lock().unwrap().clone();
    let create = seen.iter().find(|s| s.method == "POST").unwrap();
    let body: Json = serde_json::from_str(&create.body).unwrap();
    assert_eq!(body["templateRef"], "template:default/hello-world");
    assert_eq!(body["values"]["name"], "my-new-svc");
    assert_eq!(
        body["secrets"]["apiKey"], "hunter2-secret",
        "secrets go in `secrets`"
    );
    assert!(body["values"].get("apiKey").is_none());
    let streams: Vec<&str> = seen
        .iter()
        .filter(|s| s.path.ends_with("/eventstream"))
        .map(|s| s.query.as_str())
        .collect();
    assert_eq!(
        streams,
        vec!["", "after=9"],
        "resumed after the last event seen"
    );
    assert!(seen.iter().all(|s| s.authorized));
    // Nothing says the secret: not the events, not the result.
    assert!(!format!("{:?}", result.events).contains("hunter2"));
    assert!(!format!("{task:?}").contains("hunter2"));
}

#[test]
fn a_failing_task_reports_the_failed_step_and_skips_the_rest() {
    let fake = fake();
    let executor = RemoteExecutor::new(client(&fake.url, "GREENROOM_TEST_REMOTE_TOKEN_B", TOKEN));
    let (result, progress) = run(
        &executor,
        &task("always-fails", json!({}), Secrets::default()),
    );
    assert_eq!(result.status, TaskStatus::Failed);
    assert!(
        result
            .error
            .as_deref()
            .unwrap()
            .starts_with("ENOENT: no such file or directory"),
        "{:?}",
        result.error
    );
    assert_eq!(step(&progress, "hello"), StepStatus::Completed);
    assert_eq!(step(&progress, "boom"), StepStatus::Failed);
    assert_eq!(step(&progress, "never"), StepStatus::Skipped);
    let boom = progress.steps.iter().find(|s| s.id == "boom").unwrap();
    assert!(
        boom.log.iter().any(|l| l.contains("lstat")),
        "{:?}",
        boom.log
    );
}

#[test]
fn a_cancelled_task_ends_cancelled_although_the_backend_says_failed() {
    let fake = fake();
    let executor = RemoteExecutor::new(client(&fake.url, "GREENROOM_TEST_REMOTE_TOKEN_C", TOKEN));
    executor.cancel().unwrap(); // asked before the task exists: sent as soon as it does
    let (result, progress) = run(&executor, &task("slow-wait", json!({}), Secrets::default()));
    assert_eq!(result.status, TaskStatus::Cancelled);
    assert_eq!(step(&progress, "two"), StepStatus::Skipped);
    let seen = fake.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|s| s.path.ends_with("/cancel") && s.method == "POST")
    );
}

#[test]
fn backend_errors_are_said_plainly() {
    let fake = fake();
    let c = client(&fake.url, "GREENROOM_TEST_REMOTE_TOKEN_D", TOKEN);
    let e = c
        .create_task(
            "template:default/hello-world",
            &json!({"owner": "x"}),
            &Secrets::default(),
        )
        .unwrap_err();
    assert_eq!(
        e,
        RemoteError::Invalid(vec!["instance requires property \"name\"".into()])
    );
    let e = c
        .create_task("template:default/nope", &json!({}), &Secrets::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("HTTP 404 (NotFoundError: Template template:default/nope not found)"),
        "{e}"
    );
    assert!(!e.contains("node_modules"), "no stack: {e}");
    let bad = client(&fake.url, "GREENROOM_TEST_REMOTE_TOKEN_E", "wrong-token");
    let e = bad.list_tasks(None, 5).unwrap_err().to_string();
    assert!(e.contains("GREENROOM_TEST_REMOTE_TOKEN_E"), "{e}");
    // A failed create is a failed run with the reason, not a hang or a panic.
    let executor = RemoteExecutor::new(c);
    let (result, _) = run(
        &executor,
        &task("hello-world", json!({"owner": "x"}), Secrets::default()),
    );
    assert_eq!(result.status, TaskStatus::Failed);
    assert!(result.error.unwrap().contains("requires property"));
}

#[test]
fn tasks_list_schema_and_dry_run_read_the_recorded_answers() {
    let fake = fake();
    let c = client(&fake.url, "GREENROOM_TEST_REMOTE_TOKEN_F", TOKEN);
    let tasks = c.list_tasks(Some("user:default/ada"), 20).unwrap();
    let summary: Vec<(&str, &str)> = tasks
        .iter()
        .map(|t| (t.template_ref.as_str(), t.status.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("template:default/slow-wait", "failed"),
            ("template:default/always-fails", "failed"),
            ("template:default/hello-world", "completed"),
        ]
    );
    assert_eq!(
        tasks[2].values["name"], "my-new-svc",
        "re-run with the same values"
    );
    let query = fake
        .seen
        .lock()
        .unwrap()
        .iter()
        .find(|s| s.path == "/api/scaffolder/v2/tasks" && s.method == "GET")
        .unwrap()
        .query
        .clone();
    assert!(query.contains("createdBy=user%3Adefault%2Fada"), "{query}");
    assert!(query.contains("order=desc%3Acreated_at"), "{query}");
    // A task's own spec gives the steps to show when re-attaching.
    let t = c.get_task("0c618692-86d8-4060-9716-d7a4c057160e").unwrap();
    let steps: Vec<String> = t
        .template()
        .unwrap()
        .steps
        .iter()
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(steps, ["log-start", "fetch", "list", "wait"]);
    assert_eq!(t.title, "Hello world service");
    assert!(!t.is_running());

    let schema = c.parameter_schema("hello-world").unwrap();
    assert_eq!(schema["steps"][0]["title"], "Service details");
    let e = c
        .parameter_schema("template:default/nope")
        .unwrap_err()
        .to_string();
    assert!(e.contains("404"), "{e}");

    let dry = c
        .dry_run(&task(
            "hello-world",
            json!({"name": "dry-svc"}),
            Secrets::default(),
        ))
        .unwrap();
    let files: Vec<&str> = dry.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, ["out/README.md", "out/catalog-info.yaml"]);
    assert_eq!(dry.output["links"][0]["url"], "https://example.com/dry-svc");
    let sent: Json = serde_json::from_str(
        &fake
            .seen
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.path.ends_with("/dry-run"))
            .unwrap()
            .body,
    )
    .unwrap();
    let sent_files: Vec<&str> = sent["directoryContents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        sent_files,
        ["skeleton/README.md", "skeleton/catalog-info.yaml"]
    );
    assert_eq!(sent["template"]["metadata"]["name"], "hello-world");
}

#[test]
fn remote_runs_go_through_the_hub_with_cancel_and_reattach() {
    let fake = fake();
    let c = client(&fake.url, "GREENROOM_TEST_REMOTE_TOKEN_G", TOKEN);
    let service = RunService::inline();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let id = service.start(
        task("always-fails", json!({}), Secrets::default()),
        Arc::new(RemoteExecutor::new(c)),
        move |u| s.lock().unwrap().push(u.clone()),
    );
    let remote = service.remote(id).unwrap();
    assert_eq!(remote.backend, fake.url);
    assert_eq!(
        remote.task_id.as_deref(),
        Some("b1a12fd1-b80e-4ed5-a786-bb9acaa915bb")
    );
    let replayed = Arc::new(Mutex::new(0));
    let r = replayed.clone();
    assert!(service.attach(id, move |_| *r.lock().unwrap() += 1));
    assert_eq!(*replayed.lock().unwrap(), seen.lock().unwrap().len());
    assert!(matches!(
        seen.lock().unwrap().last(),
        Some(RunUpdate::Finished(r)) if r.status == TaskStatus::Failed
    ));
}

/// `greenroom scaffold REF --remote` with a config naming the fake as a Backstage source. The
/// fake serves no catalogue, so the template comes from its parameter schema.
fn cli(fake: &Fake, token: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[catalog.source]]\ntype = \"backstage\"\nbase_url = \"{}\"\ntoken_env = \"GR_TEST_CLI_TOKEN\"\n\n[catalog]\ncache = false\n",
            fake.url
        ),
    )
    .unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .args(args)
        .current_dir(dir.path())
        .env("GREENROOM_CONFIG", &config)
        .env("GR_TEST_CLI_TOKEN", token)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_cli_runs_remotely_and_exits_by_the_tasks_end() {
    let fake = fake();
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "name: my-new-svc\n").unwrap();
    let values = values.to_str().unwrap();

    let out = cli(
        &fake,
        TOKEN,
        &[
            "scaffold",
            "hello-world",
            "--remote",
            "--values",
            values,
            "--json",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Json = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["status"], "completed");
    assert_eq!(v["taskId"], "0c618692-86d8-4060-9716-d7a4c057160e");
    assert_eq!(
        v["output"]["links"][0]["url"],
        "https://example.com/my-new-svc"
    );
    // The form's defaults from the schema were filled in before sending.
    let create: Json = serde_json::from_str(
        &fake
            .seen
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.method == "POST")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(create["values"]["owner"], "group:default/team-stage");
    assert_eq!(create["values"]["language"], "rust");

    // Failing: exit 1 and the failing step's log on stderr.
    let out = cli(&fake, TOKEN, &["scaffold", "always-fails", "--remote"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("step boom failed; its log:"), "{stderr}");
    assert!(
        stderr.contains("  Error: ENOENT: no such file or directory"),
        "{stderr}"
    );
    assert!(
        stderr.contains("running template:default/always-fails on Backstage at"),
        "{stderr}"
    );

    // Cancelled: 130.
    let out = cli(
        &fake,
        TOKEN,
        &["scaffold", "slow-wait", "--remote", "--json"],
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Json = serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(v["status"], "cancelled");

    // Invalid values are the form's messages, exit 1, nothing sent.
    std::fs::write(dir.path().join("bad.yaml"), "name: Not Valid\n").unwrap();
    let bad = dir.path().join("bad.yaml");
    let before = fake
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.method == "POST")
        .count();
    let out = cli(
        &fake,
        TOKEN,
        &[
            "scaffold",
            "hello-world",
            "--remote",
            "--values",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        fake.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.method == "POST")
            .count(),
        before
    );

    // No Backstage source: a usage error saying what to configure.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .args([
            "scaffold",
            "tests/fixtures/backstage-scaffolder/templates/hello-world/template.yaml",
            "--remote",
            "--values",
            values,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("GREENROOM_CONFIG", dir.path().join("none.toml"))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("type = \"backstage\""));
}

// ------------------------------------------------------------------ the portal

mod ui_support;

/// The portal with the fake as its one Backstage source and `template` served by it.
fn portal(fake: &Fake, token_var: &str, name: &str) -> (ui_support::Portal, tempfile::TempDir) {
    use greenroom::tui::scaffold;
    let empty = greenroom::catalog::Catalog::assemble(
        Vec::new(),
        Vec::new(),
        greenroom::catalog::Relations::Compute,
    );
    let mut app = ui_support::app_with(empty, "test");
    unsafe { std::env::set_var(token_var, TOKEN) };
    let mut source = BackstageSource::new(&fake.url);
    source.token_env = Some(token_var.into());
    app.scaffold.backends = vec![source];
    let state = tempfile::tempdir().unwrap();
    app.scaffold.recent_runs = Some(state.path().join("remote-runs.json"));
    let mut t = template(name);
    t.base = None; // as served: its files are on the backend
    t.backend = Some(fake.url.clone());
    scaffold::start(&mut app, t, None);
    (app, state)
}

fn screen(app: &mut ui_support::Portal) -> String {
    ui_support::screen_text(&ui_support::render(app, 100, 30))
}

#[test]
fn the_portal_runs_a_served_template_on_its_backend_and_follows_it() {
    use crossterm::event::KeyCode;
    use greenroom::tui::scaffold::wizard::Stage;
    let fake = fake();
    let (mut app, state) = portal(&fake, "GREENROOM_TEST_REMOTE_TOKEN_TUI", "hello-world");
    ui_support::type_text(&mut app, "tui-svc");
    ui_support::ctrl(&mut app, 's');
    ui_support::ctrl(&mut app, 's');
    assert_eq!(app.scaffold.wizard.as_ref().unwrap().stage, Stage::Review);
    let review = screen(&mut app);
    assert!(
        review.contains(&format!("Runs on Backstage at {}", fake.url)),
        "{review}"
    );
    // Enter creates: no folder to ask for, the task runs there.
    ui_support::key(&mut app, KeyCode::Enter);
    app.pump();
    let w = app.scaffold.wizard.as_ref().unwrap();
    assert_eq!(w.stage, Stage::Create);
    let run = w.run.as_ref().unwrap();
    assert_eq!(run.remote.as_deref(), Some(fake.url.as_str()));
    assert!(
        run.succeeded(),
        "{:?}",
        run.result.as_ref().map(|r| &r.error)
    );
    let shown = screen(&mut app);
    assert!(
        shown.contains("Running · Hello world service on Backstage at"),
        "{shown}"
    );
    assert!(shown.contains("✔ Completed on Backstage at"), "{shown}");
    assert!(
        shown.contains("https://example.com/my-new-svc"),
        "output links: {shown}"
    );
    let create: Json = serde_json::from_str(
        &fake
            .seen
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.method == "POST")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(create["values"]["name"], "tui-svc");
    // Remembered for after a restart.
    let (recent, _) = RecentRuns::load(&state.path().join("remote-runs.json"));
    assert_eq!(
        recent.runs[0].task_id,
        "0c618692-86d8-4060-9716-d7a4c057160e"
    );
    assert_eq!(recent.runs[0].backend, fake.url);
}

#[test]
fn the_portal_shows_a_remote_failure_and_its_step() {
    use crossterm::event::KeyCode;
    let fake = fake();
    let (mut app, _state) = portal(&fake, "GREENROOM_TEST_REMOTE_TOKEN_TUI2", "always-fails");
    ui_support::ctrl(&mut app, 's');
    ui_support::key(&mut app, KeyCode::Enter);
    app.pump();
    let run = app.scaffold.wizard.as_ref().unwrap().run.as_ref().unwrap();
    assert_eq!(run.result.as_ref().unwrap().status, TaskStatus::Failed);
    let shown = screen(&mut app);
    assert!(shown.contains("✖ ENOENT"), "{shown}");
    assert!(
        shown.contains("Fetch a folder that does not exist"),
        "{shown}"
    );
}

#[test]
fn the_portals_dry_run_of_a_served_template_is_the_backends() {
    use greenroom::tui::scaffold::wizard::Stage;
    let fake = fake();
    let (mut app, _state) = portal(&fake, "GREENROOM_TEST_REMOTE_TOKEN_TUI3", "hello-world");
    ui_support::type_text(&mut app, "dry-svc");
    ui_support::ctrl(&mut app, 's');
    ui_support::ctrl(&mut app, 's');
    ui_support::type_text(&mut app, "d");
    app.pump();
    let w = app.scaffold.wizard.as_ref().unwrap();
    assert_eq!(w.stage, Stage::DryRun);
    let run = w.run.as_ref().unwrap();
    assert!(
        run.dry && run.succeeded(),
        "{:?}",
        run.result.as_ref().map(|r| &r.error)
    );
    let seen = fake.seen.lock().unwrap().clone();
    let sent = seen
        .iter()
        .find(|s| s.method == "POST" && s.path == "/api/scaffolder/v2/dry-run")
        .expect("the dry run went to the backend");
    let body: Json = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body["values"]["name"], "dry-svc");
    assert!(
        !seen.iter().any(|s| s.path == "/api/scaffolder/v2/tasks"),
        "a dry run creates no task"
    );
    // The backend's files and log are what the preview shows.
    let files: Vec<&str> = run
        .result
        .as_ref()
        .unwrap()
        .files
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(files, ["out/README.md", "out/catalog-info.yaml"]);
    let shown = screen(&mut app);
    assert!(shown.contains("README.md"), "{shown}");
}

#[test]
fn the_runs_list_finds_a_remembered_task_after_a_restart_and_follows_it() {
    use crossterm::event::KeyCode;
    use greenroom::tui::port::runs::RunRow;
    let fake = fake();
    let (mut app, state) = portal(&fake, "GREENROOM_TEST_REMOTE_TOKEN_TUI4", "hello-world");
    // Back on the catalogue, with no form open (as after a restart).
    app.scaffold.wizard = None;
    ui_support::key(&mut app, KeyCode::Esc);
    app.pump();
    // The task started before greenroom was quit; the backend lists none by this user.
    app.scaffold.user = Some("user:default/grace".into());
    let (mut recent, _) = RecentRuns::load(&state.path().join("remote-runs.json"));
    recent
        .add(greenroom::scaffold::remote::RecentRun {
            backend: fake.url.clone(),
            task_id: "0c618692-86d8-4060-9716-d7a4c057160e".into(),
            template_ref: "template:default/hello-world".into(),
        })
        .unwrap();
    ui_support::key(&mut app, KeyCode::Char('P'));
    app.pump();
    let listed = fake
        .seen
        .lock()
        .unwrap()
        .iter()
        .find(|s| s.path == "/api/scaffolder/v2/tasks")
        .map(|s| s.query.clone())
        .unwrap();
    assert!(
        listed.contains("createdBy=user%3Adefault%2Fgrace"),
        "{listed}"
    );
    assert_eq!(app.runs.rows.len(), 1, "{:?}", app.runs.errors);
    assert!(
        matches!(&app.runs.rows[0], RunRow::Backstage { task, .. } if task.status == "completed")
    );
    let shown = screen(&mut app);
    assert!(shown.contains("Recent runs"), "{shown}");
    assert!(shown.contains("Hello world service · Backstage"), "{shown}");
    assert!(
        shown.contains("0c618692-86d8-4060-9716-d7a4c057160e · completed"),
        "{shown}"
    );
    // Enter follows it from its first event: no new task, every step as it ran.
    ui_support::key(&mut app, KeyCode::Enter);
    app.pump();
    let w = app.scaffold.wizard.as_ref().unwrap();
    let run = w.run.as_ref().unwrap();
    assert!(
        run.succeeded(),
        "{:?}",
        run.result.as_ref().map(|r| &r.error)
    );
    assert!(
        !fake.seen.lock().unwrap().iter().any(|s| s.method == "POST"),
        "re-attaching creates no task"
    );
    let shown = screen(&mut app);
    assert!(shown.contains("✔ Completed on Backstage at"), "{shown}");
    assert!(shown.contains("https://example.com/my-new-svc"), "{shown}");
    // Found again, not made now.
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        notice.starts_with("Hello world service completed on Backstage at"),
        "{notice}"
    );
}

#[test]
fn a_listed_task_runs_again_with_its_values_at_the_review() {
    use crossterm::event::KeyCode;
    use greenroom::tui::port::runs::RunRow;
    use greenroom::tui::scaffold::wizard::Stage;
    let fake = fake();
    // The catalogue holds the template (as the backend's own catalogue does).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/backstage-scaffolder/all.yaml");
    let files = greenroom::sources::files::FileSource::disk(&[root]).unwrap();
    let mut app = ui_support::app_with(ui_support::load(Box::new(files)), "test");
    unsafe { std::env::set_var("GREENROOM_TEST_REMOTE_TOKEN_TUI5", TOKEN) };
    let mut source = BackstageSource::new(&fake.url);
    source.token_env = Some("GREENROOM_TEST_REMOTE_TOKEN_TUI5".into());
    app.scaffold.backends = vec![source];
    app.pump();
    ui_support::key(&mut app, KeyCode::Char('P'));
    app.pump();
    let i = app
        .runs
        .rows
        .iter()
        .position(|r| matches!(r, RunRow::Backstage { task, .. } if task.template_ref == "template:default/hello-world"))
        .expect("the hello-world task is listed");
    ui_support::key(&mut app, KeyCode::Home);
    for _ in 0..i {
        ui_support::key(&mut app, KeyCode::Down);
    }
    ui_support::key(&mut app, KeyCode::Char('u'));
    let w =
        app.scaffold.wizard.as_ref().unwrap_or_else(|| {
            panic!("no form: {:?}", app.notice.as_ref().map(|n| n.text.clone()))
        });
    assert_eq!(w.template.entity_ref, "template:default/hello-world");
    assert_eq!(w.stage, Stage::Review);
    assert!(w.review_errors.is_empty(), "{:?}", w.review_errors);
    let values = w.form.form.values();
    assert_eq!(values["name"], "my-new-svc");
    assert_eq!(values["language"], "rust");
    assert_eq!(values["slow"], true);
    let shown = screen(&mut app);
    assert!(shown.contains("my-new-svc"), "{shown}");
}

#[test]
fn custom_fields_the_backend_names_are_plain_inputs_with_a_note() {
    use crossterm::event::KeyCode;
    let fake = fake();
    let (mut app, _state) = portal(&fake, "GREENROOM_TEST_REMOTE_TOKEN_TUI6", "hello-world");
    // A template known only by its parameter schema, with three field extensions of the
    // company's own Backstage.
    let schema = json!({"title": "Custom", "steps": [{"title": "Details", "schema": {
    "required": ["branch"],
    "properties": {
        "branch": {"title": "Branch", "type": "string", "ui:field": "RepoBranchPicker"},
        "quota": {"title": "Quota", "type": "object", "ui:field": "AcmeQuotaPicker"},
        "replicas": {"title": "Replicas", "type": "integer", "ui:field": "AcmeReplicas"}
    }}}]});
    let t = greenroom::scaffold::remote::template_from_schema(
        "template:default/custom",
        &fake.url,
        &schema,
    )
    .unwrap();
    app.scaffold.wizard = None;
    greenroom::tui::scaffold::start(&mut app, t, None);
    let shown = screen(&mut app);
    assert!(
        shown.contains(
            "(RepoBranchPicker is a custom field greenroom cannot draw: a plain input here)"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("AcmeQuotaPicker is a custom field"),
        "{shown}"
    );
    ui_support::type_text(&mut app, "main");
    ui_support::key(&mut app, KeyCode::Tab);
    assert!(screen(&mut app).contains("JSON, like {\"key\": \"value\"}"));
    ui_support::type_text(&mut app, "{\"cpu\": 2}");
    ui_support::key(&mut app, KeyCode::Tab);
    ui_support::type_text(&mut app, "3");
    ui_support::ctrl(&mut app, 's');
    let w = app.scaffold.wizard.as_ref().unwrap();
    assert_eq!(
        w.stage,
        greenroom::tui::scaffold::wizard::Stage::Review,
        "{shown}"
    );
    ui_support::key(&mut app, KeyCode::Enter);
    app.pump();
    let create: Json = serde_json::from_str(
        &fake
            .seen
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.method == "POST")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(
        create["values"],
        json!({"branch": "main", "quota": {"cpu": 2}, "replicas": 3})
    );
}

// ------------------------------------------------------------------ the real backend

mod backstage_support;

/// `.ci/backstage.sh` with the scaffolder test catalogue (or the backend named by
/// GREENROOM_TEST_BACKSTAGE_URL and _TOKEN, started with that catalogue).
fn live_backstage() -> Option<backstage_support::LiveBackstage> {
    backstage_support::from_env_or_start("tests/fixtures/backstage-scaffolder/all.yaml")
}

/// The backend reads its catalogue in the background: wait until it knows the template.
fn wait_for_template(c: &ScaffolderClient, name: &str) {
    for _ in 0..240 {
        if c.parameter_schema(name).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("the backend never served the template {name}");
}

#[test]
fn a_real_backstage_runs_fails_cancels_and_is_reattached() {
    let Some(b) = live_backstage() else { return };
    let c = client(&b.url, "GREENROOM_TEST_REMOTE_TOKEN_LIVE", &b.token);
    for t in ["hello-world", "always-fails", "slow-wait"] {
        wait_for_template(&c, t);
    }

    // Completes, with its rendered output.
    let executor = RemoteExecutor::new(c.clone());
    let hello = task(
        "hello-world",
        json!({"name": "live-svc", "owner": "group:default/team-stage", "language": "go"}),
        Secrets::default(),
    );
    let (result, progress) = run(&executor, &hello);
    assert_eq!(result.status, TaskStatus::Completed, "{:?}", result.error);
    assert_eq!(
        result.output["links"][0]["url"],
        "https://example.com/live-svc"
    );
    assert_eq!(step(&progress, "fetch"), StepStatus::Completed);
    assert_eq!(step(&progress, "wait"), StepStatus::Skipped);
    let said = &progress.steps[0].log;
    assert!(
        said.iter()
            .any(|l| l == "Creating live-svc owned by group:default/team-stage in go"),
        "{said:?}"
    );
    // The backend validates too.
    let e = c
        .create_task(
            "template:default/hello-world",
            &json!({"owner": "x"}),
            &Secrets::default(),
        )
        .unwrap_err();
    assert!(
        matches!(&e, RemoteError::Invalid(m) if m[0].contains("requires property \"name\"")),
        "{e}"
    );

    // Fails mid-way.
    let executor = RemoteExecutor::new(c.clone());
    let (result, progress) = run(
        &executor,
        &task("always-fails", json!({}), Secrets::default()),
    );
    assert_eq!(result.status, TaskStatus::Failed);
    assert_eq!(step(&progress, "boom"), StepStatus::Failed);
    assert_eq!(step(&progress, "never"), StepStatus::Skipped);
    assert!(result.error.unwrap().contains("ENOENT"));

    // Cancelled while its first step waits.
    let executor = Arc::new(RemoteExecutor::new(c.clone()));
    let slow = task("slow-wait", json!({"seconds": 30}), Secrets::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = {
        let (executor, slow) = (executor.clone(), slow.clone());
        std::thread::spawn(move || {
            executor.run(&slow, &mut |e| {
                let _ = tx.send(e.clone());
            })
        })
    };
    loop {
        let e = rx.recv_timeout(Duration::from_secs(60)).expect("events");
        if matches!(&e, TaskEvent::Log { step_id: Some(s), status: Some(StepStatus::Processing), .. } if s == "one")
        {
            break;
        }
    }
    executor.cancel().unwrap();
    let result = worker.join().unwrap();
    assert_eq!(result.status, TaskStatus::Cancelled, "{:?}", result.error);

    // Re-attached after the client "restarts": the first follower lets go mid-task, a new
    // one (knowing only the id, as from the recent-runs file) follows it to the end, seeing
    // every step from the start.
    let first = Arc::new(RemoteExecutor::new(c.clone()));
    let dir = tempfile::tempdir().unwrap();
    let (mut recent, _) = RecentRuns::load(&dir.path().join("remote-runs.json"));
    let short = task("slow-wait", json!({"seconds": 2}), Secrets::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = {
        let (first, short) = (first.clone(), short.clone());
        std::thread::spawn(move || {
            first.run(&short, &mut |e| {
                let _ = tx.send(e.clone());
            })
        })
    };
    rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let task_id = first.task_id().unwrap();
    recent
        .add(greenroom::scaffold::remote::RecentRun {
            backend: b.url.clone(),
            task_id: task_id.clone(),
            template_ref: "template:default/slow-wait".into(),
        })
        .unwrap();
    first.detach();
    let _ = worker.join();
    let (restarted, _) = RecentRuns::load(&dir.path().join("remote-runs.json"));
    let remembered = &restarted.runs[0].task_id;
    let stored: RemoteTask = c.get_task(remembered).unwrap();
    let again = RemoteExecutor::attach(c.clone(), remembered);
    let spec = TaskSpec {
        template: stored.template().unwrap(),
        values: stored.values.clone(),
        secrets: Secrets::default(),
        user: User::default(),
        sensitive: Vec::new(),
    };
    let (result, progress) = run(&again, &spec);
    assert_eq!(result.status, TaskStatus::Completed, "{:?}", result.error);
    for id in ["one", "log", "two"] {
        assert_eq!(step(&progress, id), StepStatus::Completed, "{id}");
    }
    assert_eq!(
        progress.steps[1]
            .log
            .iter()
            .filter(|l| l.as_str() == "halfway")
            .count(),
        1
    );
    // And the backend lists it.
    let listed = c.list_tasks(None, 10).unwrap();
    assert!(
        listed
            .iter()
            .any(|t| &t.id == remembered && t.status == "completed")
    );
}
