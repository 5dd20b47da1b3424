//! Running templates locally: results appear whole or not at all, paths never escape, an
//! occupied target is kept unless confirmed, secrets never reach logs, dry runs or the review,
//! and the step semantics (if, each, always()/failure(), outputs) are Backstage's.

use greenroom::scaffold::exec::{
    Executor, LocalExecutor, RunProgress, StepStatus, TaskEvent, TaskSpec, TaskStatus, User,
    add_registered,
};
use greenroom::scaffold::{FieldPath, Form, Secrets, Template, dry_run, task_from_values};
use serde_json::{Value as Json, json};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Writes a template folder: `template.yaml` (steps as YAML) plus files.
fn template_dir(dir: &Path, parameters: &str, steps: &str, files: &[(&str, &str)]) -> Template {
    let yaml = format!(
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: test-template\nspec:\n  parameters:\n{parameters}\n  steps:\n{steps}\n  output:\n    links:\n      - title: Repo\n        url: ${{{{ steps['publish'].output.remoteUrl }}}}\n"
    );
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("template.yaml"), yaml).unwrap();
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    Template::from_file(&dir.join("template.yaml")).unwrap()
}

const NO_PARAMS: &str = "    - properties:\n        name: {type: string}";

fn task(template: Template, values: Json) -> TaskSpec {
    task_from_values(&template, &values, &Secrets::default(), User::default()).unwrap()
}

fn run(exec: &LocalExecutor, task: &TaskSpec) -> (greenroom::scaffold::RunResult, Vec<TaskEvent>) {
    let mut events = Vec::new();
    let result = exec.run(task, &mut |e| events.push(e.clone()));
    (result, events)
}

fn states(events: &[TaskEvent]) -> Vec<(String, StepStatus)> {
    events
        .iter()
        .filter_map(|e| match e {
            TaskEvent::Log {
                step_id: Some(id),
                status: Some(s),
                ..
            } => Some((id.clone(), *s)),
            _ => None,
        })
        .collect()
}

#[test]
fn writes_the_result_and_initialises_a_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let t = template_dir(
        &tmp.path().join("tpl"),
        NO_PARAMS,
        "    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n        values: {name: '${{ parameters.name }}'}\n    - id: publish\n      action: publish:github\n      input: {repoUrl: 'github.com?owner=acme&repo=${{ parameters.name }}'}\n    - id: register\n      action: catalog:register\n      input: {repoContentsUrl: \"${{ steps['publish'].output.repoContentsUrl }}\", catalogInfoPath: /catalog-info.yaml}",
        &[(
            "skeleton/catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name }}\nspec:\n  type: service\n  owner: group:default/team-a\n  lifecycle: experimental\n",
        )],
    );
    let target = tmp.path().join("out/shop");
    let hooked = Arc::new(Mutex::new(Vec::new()));
    let mut exec = LocalExecutor::write_to(&target, false);
    let seen = hooked.clone();
    exec.on_register = Some(Arc::new(move |r| {
        seen.lock().unwrap().push(r.entity_ref.clone())
    }));
    let (result, events) = run(&exec, &task(t, json!({"name": "shop"})));
    assert!(result.succeeded(), "{:?}", result.error);
    assert!(target.join("catalog-info.yaml").is_file());
    assert!(target.join(".git").is_dir());
    let messages: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            TaskEvent::Log { message, .. } => Some(message.clone()),
            _ => None,
        })
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with(
            "publish:github runs locally: initialised a git repository with one commit"
        )),
        "{messages:?}"
    );
    let remote = result.output["links"][0]["url"].as_str().unwrap();
    assert_eq!(remote, format!("file://{}", target.display()));
    let log = std::process::Command::new("git")
        .args(["log", "--format=%s"])
        .current_dir(&target)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&log.stdout).trim(),
        "initial commit"
    );
    assert_eq!(
        result.step_outputs["publish"]["commitHash"]
            .as_str()
            .map(str::len),
        Some(40)
    );
    // The new entity reaches the open catalogue.
    assert_eq!(
        *hooked.lock().unwrap(),
        vec![Some("component:default/shop".to_owned())]
    );
    let catalog = add_registered(&Default::default(), &result.registrations);
    let e = catalog.get("component:default/shop").unwrap();
    assert_eq!(e.owner(), Some("group:default/team-a"));
    assert_eq!(
        catalog.warning_count(),
        1,
        "team-a is not in an empty catalogue"
    );
    // Into a catalogue that has the owner: no stale warning from reading the file alone, and
    // the catalogue's own warnings are not doubled.
    let dir = tmp.path().join("org");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: orphan}\nspec: {type: service, lifecycle: production, owner: nobody}\n",
    )
    .unwrap();
    let org = greenroom::sources::load(
        &[
            Box::new(greenroom::sources::files::FileSource::disk(&[dir]).unwrap())
                as Box<dyn greenroom::sources::Source>,
        ],
        &greenroom::sources::LoadOptions {
            online: false,
            ..Default::default()
        },
    );
    assert_eq!(org.warning_count(), 1, "{:?}", org.diagnostics());
    let with_shop = add_registered(&org, &result.registrations);
    assert!(with_shop.get("component:default/shop").is_some());
    assert_eq!(
        with_shop.warning_count(),
        1,
        "only the orphan's: {:?}",
        with_shop.diagnostics()
    );
    assert_eq!(
        states(&events).last(),
        Some(&("register".to_owned(), StepStatus::Completed))
    );
}

#[test]
fn a_failing_step_leaves_no_output_and_later_steps_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let t = template_dir(
        &tmp.path().join("tpl"),
        NO_PARAMS,
        "    - id: fetch\n      action: fetch:template\n      input: {url: ./skeleton}\n    - id: broken\n      action: fetch:plain\n      input: {url: ./no-such-folder}\n    - id: after\n      action: debug:log\n      input: {message: never}\n    - id: cleanup\n      if: ${{ always() }}\n      action: debug:log\n      input: {message: cleaning up}\n    - id: report\n      if: ${{ failure() }}\n      action: debug:log\n      input: {message: it failed}",
        &[("skeleton/a.txt", "a"), ("skeleton/b/c.txt", "c")],
    );
    let target = tmp.path().join("result");
    let (result, events) = run(
        &LocalExecutor::write_to(&target, false),
        &task(t, json!({})),
    );
    assert_eq!(result.status, TaskStatus::Failed);
    assert!(
        result
            .error
            .as_deref()
            .unwrap()
            .contains("nothing was written"),
        "{:?}",
        result.error
    );
    assert!(!target.exists(), "no partial output");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "only the template folder is there"
    );
    assert_eq!(
        states(&events),
        [
            ("fetch".into(), StepStatus::Processing),
            ("fetch".into(), StepStatus::Completed),
            ("broken".into(), StepStatus::Processing),
            ("broken".into(), StepStatus::Failed),
            ("after".into(), StepStatus::Skipped),
            ("cleanup".into(), StepStatus::Processing),
            ("cleanup".into(), StepStatus::Completed),
            ("report".into(), StepStatus::Processing),
            ("report".into(), StepStatus::Completed),
        ]
    );
    let mut progress = RunProgress::new(&result_template(&events));
    for e in &events {
        progress.apply(e);
    }
    assert_eq!(progress.finished, Some(TaskStatus::Failed));
}

/// A template with the steps the events mention, for folding events into progress.
fn result_template(events: &[TaskEvent]) -> Template {
    let mut ids: Vec<String> = Vec::new();
    for (id, _) in states(events) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let steps: Vec<Json> = ids
        .iter()
        .map(|id| json!({"id": id, "action": "debug:log"}))
        .collect();
    Template::from_json(
        json!({"apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": {"name": "x"}, "spec": {"steps": steps}})
            .as_object()
            .unwrap(),
        None,
    )
    .unwrap()
}

#[test]
fn paths_that_escape_the_workspace_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "    - id: up\n      action: fetch:template\n      input: {url: ./skeleton, targetPath: ../escaped}",
            "refused path \"../escaped\"",
        ),
        (
            "    - id: abs\n      action: fetch:template:file\n      input: {url: ./skeleton/a.txt, targetPath: /tmp/greenroom-escaped.txt}",
            "absolute paths are not allowed",
        ),
        (
            "    - id: rename\n      action: fs:rename\n      input: {files: [{from: x, to: ../../y}]}",
            "would escape the workspace",
        ),
        (
            "    - id: delete\n      action: fs:delete\n      input: {files: ['../*']}",
            "would escape the workspace",
        ),
        (
            "    - id: name\n      action: fetch:template\n      input: {url: ./named, values: {name: ../../outside}}",
            "would escape the workspace",
        ),
        (
            "    - id: write\n      action: catalog:write\n      input: {filePath: ../catalog-info.yaml, entity: {kind: Component, metadata: {name: x}}}",
            "would escape the workspace",
        ),
    ];
    for (i, (steps, expected)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        let t = template_dir(
            &dir.join("tpl"),
            NO_PARAMS,
            steps,
            &[
                ("skeleton/a.txt", "a"),
                ("named/${{ values.name }}/x.txt", "x"),
            ],
        );
        let target = dir.join("out");
        let (result, _) = run(
            &LocalExecutor::write_to(&target, false),
            &task(t, json!({})),
        );
        let error = result.error.clone().unwrap_or_default();
        assert!(
            !result.succeeded() && error.contains(expected),
            "case {i}: {error}"
        );
        assert!(!target.exists());
        assert!(
            !dir.join("escaped").exists()
                && !dir.join("outside").exists()
                && !dir.join("y").exists()
        );
    }
    assert!(!Path::new("/tmp/greenroom-escaped.txt").exists());

    #[cfg(unix)]
    {
        // A skeleton symlink that leads out of the template folder is refused, not copied.
        let dir = tmp.path().join("symlink");
        let secret_dir = dir.join("private");
        std::fs::create_dir_all(&secret_dir).unwrap();
        std::fs::write(secret_dir.join("key.pem"), "PRIVATE").unwrap();
        let t = template_dir(
            &dir.join("tpl"),
            NO_PARAMS,
            "    - id: fetch\n      action: fetch:template\n      input: {url: ./skeleton}",
            &[("skeleton/ok.txt", "ok")],
        );
        std::os::unix::fs::symlink(secret_dir.join("key.pem"), dir.join("tpl/skeleton/key.pem"))
            .unwrap();
        let result = dry_run::dry_run(&task(t, json!({})), &mut |_| {});
        assert!(
            result
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("leads outside the template folder"),
            "{:?}",
            result.error
        );
        assert!(result.files.iter().all(|f| f.content != b"PRIVATE"));
    }
}

#[test]
fn an_occupied_target_needs_confirmation() {
    let tmp = tempfile::tempdir().unwrap();
    let t = template_dir(
        &tmp.path().join("tpl"),
        NO_PARAMS,
        "    - id: fetch\n      action: fetch:template\n      input: {url: ./skeleton}",
        &[("skeleton/new.txt", "new")],
    );
    let target = tmp.path().join("existing");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("mine.txt"), "keep me").unwrap();
    let spec = task(t, json!({}));
    let (result, events) = run(&LocalExecutor::write_to(&target, false), &spec);
    assert!(
        result
            .error
            .unwrap()
            .contains("already exists and is not empty")
    );
    assert!(states(&events).is_empty(), "no step ran");
    assert_eq!(
        std::fs::read_to_string(target.join("mine.txt")).unwrap(),
        "keep me"
    );
    let (result, _) = run(&LocalExecutor::write_to(&target, true), &spec);
    assert!(result.succeeded());
    assert!(!target.join("mine.txt").exists());
    assert_eq!(
        std::fs::read_to_string(target.join("new.txt")).unwrap(),
        "new"
    );
    // An empty folder is not occupied.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(
        run(&LocalExecutor::write_to(&empty, false), &spec)
            .0
            .succeeded()
    );
}

#[test]
fn secrets_never_reach_logs_dry_runs_or_the_review() {
    let tmp = tempfile::tempdir().unwrap();
    let params = "    - properties:\n        name: {title: Name, type: string}\n        password: {title: Password, type: string, ui:widget: password}\n        token: {title: Token, type: string, ui:field: Secret}";
    let steps = "    - id: log\n      action: debug:log\n      input:\n        message: 'token ${{ secrets.token }} password ${{ parameters.password }}'\n    - id: fetch\n      action: fetch:template\n      input: {url: ./skeleton, values: {name: '${{ parameters.name }}', auth: '${{ secrets.token }}'}}\n    - id: broken\n      action: fetch:plain\n      input: {url: './missing-${{ secrets.token }}'}";
    let t = template_dir(
        &tmp.path().join("tpl"),
        params,
        steps,
        &[("skeleton/README.md", "# ${{ values.name }}\n")],
    );
    let mut form = Form::new(&t);
    form.set_text(&FieldPath::key("name"), "shop").unwrap();
    form.set_text(&FieldPath::key("password"), "pw-Zebra-42")
        .unwrap();
    form.set_text(&FieldPath::key("token"), "tok-Quokka-99")
        .unwrap();
    let review = format!("{:?}", form.review());
    assert!(
        review.contains("Token: ******") && review.contains("Password: ******"),
        "{review}"
    );
    let spec = TaskSpec {
        template: t.clone(),
        values: form.values(),
        secrets: form.secrets(),
        user: User::default(),
        sensitive: form.sensitive_values(),
    };
    assert!(!spec.values.to_string().contains("tok-Quokka-99"));
    assert!(!format!("{spec:?}").contains("tok-Quokka-99"));
    let dry = dry_run::dry_run(&spec, &mut |_| {});
    let body = dry_run::to_backstage_json(&spec, &dry).to_string();
    let (real, events) = run(
        &LocalExecutor::write_to(tmp.path().join("out"), false),
        &spec,
    );
    let logs = format!("{events:?} {:?} {:?}", real.error, dry.events);
    for secret in ["tok-Quokka-99", "pw-Zebra-42"] {
        assert!(!body.contains(secret), "dry-run output shows {secret}");
        assert!(!logs.contains(secret), "logs show {secret}");
    }
    assert!(logs.contains("token *** password ***"), "{logs}");
    assert!(
        body.contains("\\\"auth\\\": \\\"***\\\""),
        "dry-run input dumps show secrets as ***"
    );
}

#[test]
fn each_if_and_outputs_follow_backstage() {
    let tmp = tempfile::tempdir().unwrap();
    let steps = "    - id: files\n      each: ${{ parameters.envs }}\n      if: ${{ each.value.enabled }}\n      action: fetch:template:file\n      input:\n        url: ./env.txt\n        targetPath: 'envs/${{ each.key }}.txt'\n        values: {region: '${{ each.value.region }}'}\n    - id: never\n      if: false\n      action: debug:log\n      input: {message: no}\n    - id: publish\n      action: publish:gitlab\n      input: {repoUrl: 'gitlab.com?owner=acme&repo=x'}";
    let t = template_dir(
        &tmp.path().join("tpl"),
        NO_PARAMS,
        steps,
        &[("env.txt", "region=${{ values.region }}\n")],
    );
    let values = json!({"envs": {"prod": {"enabled": true, "region": "eu"}, "dev": {"enabled": false, "region": "us"}}});
    let spec = TaskSpec {
        template: t,
        values,
        secrets: Secrets::default(),
        user: User::default(),
        sensitive: vec![],
    };
    let result = dry_run::dry_run(&spec, &mut |_| {});
    assert!(result.succeeded(), "{:?}", result.error);
    assert_eq!(
        result
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>(),
        ["envs/prod.txt"]
    );
    assert_eq!(result.files[0].content, b"region=eu\n");
    assert_eq!(
        result.output["links"][0]["url"],
        json!("<example>"),
        "publish is skipped in a dry run with example outputs"
    );
    let states = states(&result.events);
    assert!(states.contains(&("never".into(), StepStatus::Skipped)));
    assert!(states.contains(&("publish".into(), StepStatus::Skipped)));
    let target = tmp.path().join("real");
    let (real, _) = run(&LocalExecutor::write_to(&target, false), &spec);
    assert!(real.succeeded(), "{:?}", real.error);
    let branch = std::process::Command::new("git")
        .args(["branch", "--show-current"])
        .current_dir(&target)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&branch.stdout).trim(),
        "master",
        "publish:gitlab's default branch"
    );
}

#[test]
fn waits_are_bounded_and_cancellable() {
    let tmp = tempfile::tempdir().unwrap();
    let t = template_dir(
        &tmp.path().join("tpl"),
        NO_PARAMS,
        "    - id: wait\n      action: debug:wait\n      input: {minutes: 11}",
        &[],
    );
    let spec = task(t, json!({}));
    let (result, _) = run(&LocalExecutor::write_to(tmp.path().join("a"), false), &spec);
    assert!(result.error.unwrap().contains("longer than the maximum"));
    let t = template_dir(
        &tmp.path().join("tpl2"),
        NO_PARAMS,
        "    - id: wait\n      action: debug:wait\n      input: {seconds: 30}\n    - id: next\n      action: debug:log\n      input: {message: x}",
        &[],
    );
    let exec = LocalExecutor::write_to(tmp.path().join("b"), false);
    let cancel = exec.cancel.clone();
    let started = std::time::Instant::now();
    let handle = std::thread::spawn(move || exec.run(&task(t, json!({})), &mut |_| {}));
    std::thread::sleep(std::time::Duration::from_millis(200));
    cancel.cancel();
    let result = handle.join().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(result.status, TaskStatus::Cancelled);
    assert!(!tmp.path().join("b").exists());
}

#[test]
fn templates_from_the_catalogue_resolve_skeletons_against_their_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/templates/create-app-example-nodejs-template/template.yaml");
    let source: Box<dyn greenroom::sources::Source> =
        Box::new(greenroom::sources::files::FileSource::disk(&[root]).unwrap());
    let catalog = greenroom::sources::load(&[source], &Default::default());
    let templates = greenroom::scaffold::templates(&catalog);
    assert_eq!(templates.len(), 1);
    let t = Template::from_entity(templates[0]).unwrap();
    assert_eq!(t.entity_ref, "template:default/example-nodejs-template");
    let spec = task(
        t,
        json!({"name": "svc", "repoUrl": "github.com?owner=o&repo=svc"}),
    );
    let result = dry_run::dry_run(&spec, &mut |_| {});
    assert!(result.succeeded(), "{:?}", result.error);
    let paths: Vec<&str> = result.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["catalog-info.yaml", "index.js", "package.json"]);
}

/// The events of a run on a real Backstage server (recorded SSE streams) fold into the same
/// progress as local runs: the seam a remote executor plugs into.
#[test]
fn backstage_event_streams_map_to_the_same_events() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scaffold/events");
    let read = |name: &str| -> Vec<TaskEvent> {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter_map(|d| TaskEvent::from_backstage(&serde_json::from_str(d).unwrap()))
            .collect()
    };
    let failing = read("29b-failing-task-eventstream.txt");
    let mut progress = RunProgress::new(&result_template(&failing));
    failing.iter().for_each(|e| progress.apply(e));
    assert_eq!(progress.finished, Some(TaskStatus::Failed));
    let statuses: Vec<(&str, StepStatus)> = progress
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.status))
        .collect();
    assert_eq!(statuses[0], ("hello", StepStatus::Completed));
    assert_eq!(statuses[1], ("boom", StepStatus::Failed));
    assert!(
        progress.steps[0]
            .log
            .iter()
            .any(|l| l == "about to fail (greenroom)")
    );
    let live = read("25-task-eventstream-live.txt");
    match live.last() {
        Some(TaskEvent::Completion {
            status: TaskStatus::Completed,
            output,
            ..
        }) => assert!(output.get("links").is_some()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_ascii_expressions_fail_the_step_with_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    let t = template_dir(
        &tmp.path().join("tpl"),
        NO_PARAMS,
        "    - id: fetch\n      name: Fetch the skeleton\n      action: fetch:template\n      input: {url: ./skeleton}",
        &[("skeleton/README.md", "# title\n${{ é \u{1b}[2J }}\n")],
    );
    let result = dry_run::dry_run(&task(t, json!({})), &mut |_| {});
    assert_eq!(result.status, TaskStatus::Failed);
    let e = result.error.unwrap_or_default();
    for part in [
        "Fetch the skeleton (fetch)",
        "rendering README.md",
        "syntax error",
        "line 2",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    assert!(!e.contains('\u{1b}'), "{e:?}");
}

/// Templates read only their own folder: `file://` URLs, absolute paths, `..` and symbolic
/// links leading out are refused with an error naming the step, in dry runs and real runs,
/// by every action that reads files.
#[test]
fn reads_are_confined_to_the_template_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let private = tmp.path().join("private");
    std::fs::create_dir_all(&private).unwrap();
    std::fs::write(private.join("key.pem"), "PRIVATE KEY").unwrap();
    let key = private.join("key.pem");
    let (key, private_dir) = (key.display(), private.display());
    let cases = [
        format!("fetch:plain:file\n      input: {{url: 'file://{key}', targetPath: key.pem}}"),
        format!("fetch:plain:file\n      input: {{url: '{key}', targetPath: key.pem}}"),
        "fetch:plain:file\n      input: {url: ../private/key.pem, targetPath: key.pem}".into(),
        format!("fetch:plain\n      input: {{url: 'file://{private_dir}'}}"),
        "fetch:plain\n      input: {url: ../private}".into(),
        "fetch:plain\n      input: {url: ./skeleton/../../private}".into(),
        format!("fetch:plain\n      input: {{url: '{private_dir}'}}"),
        "fetch:template\n      input: {url: ../private}".into(),
        format!("fetch:template\n      input: {{url: 'file://{private_dir}'}}"),
        "fetch:template:file\n      input: {url: ../private/key.pem, targetPath: key.pem}".into(),
        format!("fetch:template:file\n      input: {{url: 'file://{key}', targetPath: key.pem}}"),
        "fetch:plain\n      input: {url: ./dirlink}".into(),
        "fetch:template\n      input: {url: ./dirlink}".into(),
        "fetch:plain:file\n      input: {url: ./keylink, targetPath: key.pem}".into(),
        "fetch:template:file\n      input: {url: ./keylink, targetPath: key.pem}".into(),
        "fetch:plain:file\n      input: {url: ./dirlink/key.pem, targetPath: key.pem}".into(),
    ];
    for (i, case) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        let steps = format!("    - id: grab\n      name: Grab\n      action: {case}");
        let t = template_dir(
            &dir.join("tpl"),
            NO_PARAMS,
            &steps,
            &[("skeleton/ok.txt", "ok")],
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&private, dir.join("tpl/dirlink")).unwrap();
            std::os::unix::fs::symlink(private.join("key.pem"), dir.join("tpl/keylink")).unwrap();
        }
        let spec = task(t, json!({}));
        let dry = dry_run::dry_run(&spec, &mut |_| {});
        let target = dir.join("out");
        let (real, events) = run(&LocalExecutor::write_to(&target, false), &spec);
        for (mode, result) in [("dry run", &dry), ("run", &real)] {
            let e = result.error.clone().unwrap_or_default();
            assert!(
                !result.succeeded() && e.starts_with("Grab (grab): refused"),
                "case {i} ({case}), {mode}: {e}"
            );
            assert!(
                e.contains("outside the template's folder"),
                "case {i}, {mode}: {e}"
            );
            assert!(
                result.files.iter().all(|f| f.content != b"PRIVATE KEY"),
                "case {i}, {mode}"
            );
        }
        assert!(!format!("{events:?}").contains("PRIVATE KEY"));
        assert!(!target.exists(), "case {i}");
    }
    // Links that stay inside the folder still work.
    let dir = tmp.path().join("inside");
    let t = template_dir(
        &dir.join("tpl"),
        NO_PARAMS,
        "    - id: grab\n      action: fetch:plain\n      input: {url: ./alias}\n    - id: one\n      action: fetch:plain:file\n      input: {url: ./skeleton/../skeleton/ok.txt, targetPath: one.txt}",
        &[("skeleton/ok.txt", "ok")],
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("tpl/skeleton"), dir.join("tpl/alias")).unwrap();
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir.join("tpl/alias")).unwrap();
    let dry = dry_run::dry_run(&task(t, json!({})), &mut |_| {});
    assert!(dry.succeeded(), "{:?}", dry.error);
    assert_eq!(
        dry.files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>(),
        ["ok.txt", "one.txt"]
    );
}

/// A runaway loop in a skeleton file, or an output bomb in a step's input, fails its step with
/// an error naming the step and the limit; nothing is written.
#[test]
fn hostile_templates_fail_their_step_at_a_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "    - id: fetch\n      name: Fetch\n      action: fetch:template\n      input: {url: ./skeleton}",
            "Fetch (fetch): rendering loop.txt: the template did more than",
        ),
        (
            "    - id: log\n      name: Log\n      action: debug:log\n      input: {message: \"${{ 'x' * 10000000 }}\"}",
            "Log (log): rendering its input: the rendered text would be larger than the limit of",
        ),
    ];
    for (i, (steps, expected)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        let t = template_dir(
            &dir.join("tpl"),
            NO_PARAMS,
            steps,
            &[(
                "skeleton/loop.txt",
                "{% for i in range(100000) %}{% for j in range(100000) %}${{ j }}{% endfor %}{% endfor %}",
            )],
        );
        let spec = task(t, json!({}));
        let dry = dry_run::dry_run(&spec, &mut |_| {});
        let target = dir.join("out");
        let (real, _) = run(&LocalExecutor::write_to(&target, false), &spec);
        for result in [&dry, &real] {
            let e = result.error.clone().unwrap_or_default();
            assert!(!result.succeeded() && e.contains(expected), "case {i}: {e}");
        }
        assert!(!target.exists());
    }
}

/// The bundled demo's templates render within the limits.
#[test]
fn the_demo_templates_render_within_the_limits() {
    let sources: Vec<Box<dyn greenroom::sources::Source>> =
        vec![Box::new(greenroom::sources::demo::source())];
    let catalog = greenroom::sources::load(
        &sources,
        &greenroom::sources::LoadOptions {
            online: false,
            ..Default::default()
        },
    );
    let templates = greenroom::scaffold::templates(&catalog);
    assert!(templates.len() >= 5);
    for entity in templates {
        let t = Template::from_entity(entity).unwrap();
        let values = json!({"name": "svc", "component_id": "svc", "repoUrl": "github.com?owner=o&repo=svc", "owner": "group:default/team-a", "description": "d"});
        let form = Form::with_values(&t, &values, &Secrets::default());
        let spec = TaskSpec {
            template: t.clone(),
            values: form.values(),
            secrets: Secrets::default(),
            user: User::default(),
            sensitive: vec![],
        };
        let result = dry_run::dry_run(&spec, &mut |_| {});
        assert!(result.succeeded(), "{}: {:?}", t.entity_ref, result.error);
        assert!(!result.files.is_empty(), "{}", t.entity_ref);
    }
}

/// A value computed from a secret (`replace`, `reverse`, `list | join`, …) is as secret as the
/// secret: step logs, errors and input dumps show `<derived from a secret>` instead.
#[test]
fn values_derived_from_secrets_never_reach_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let steps = "    - id: log\n      action: debug:log\n      input:\n        message: \"${{ secrets.token | replace('Quokka', 'Q') }}\"\n    - id: rev\n      action: debug:log\n      input:\n        message: \"${{ secrets.token | reverse }}\"\n    - id: spaced\n      action: debug:log\n      input:\n        message: \"${{ secrets.token | list | join(' ') }}\"\n    - id: fetch\n      action: fetch:template\n      input: {url: ./skeleton, values: {auth: \"${{ secrets.token | upper }}\", name: plain-name}}\n    - id: broken\n      action: fetch:plain\n      input: {url: \"./missing-${{ secrets.token | lower }}\"}";
    let t = template_dir(
        &tmp.path().join("tpl"),
        NO_PARAMS,
        steps,
        &[("skeleton/README.md", "# ${{ values.name }}\n")],
    );
    let mut secrets = Secrets::default();
    secrets.insert("token", "tok-Quokka-99");
    let spec = TaskSpec {
        template: t,
        values: json!({}),
        secrets,
        user: User::default(),
        sensitive: vec![],
    };
    let dry = dry_run::dry_run(&spec, &mut |_| {});
    let (real, events) = run(
        &LocalExecutor::write_to(tmp.path().join("out"), false),
        &spec,
    );
    let logs = format!(
        "{events:?} {:?} {:?} {:?}",
        real.error, dry.events, dry.error
    );
    for derived in [
        "tok-Quokka-99",
        "tok-Q-99",
        "99-akkouQ-kot",
        "t o k - Q u o k k a - 9 9",
        "TOK-QUOKKA-99",
        "tok-quokka-99",
    ] {
        assert!(!logs.contains(derived), "logs show {derived}: {logs}");
    }
    assert!(logs.contains("<derived from a secret>"), "{logs}");
    assert!(
        logs.contains("plain-name"),
        "values not derived from a secret stay"
    );
}
