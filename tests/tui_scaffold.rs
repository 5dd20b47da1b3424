//! The scaffolder's screens: every fixture template's first form page, the templates view, the
//! review, a dry run's preview and a run's progress, rendered into ratatui's TestBackend and
//! compared with reviewed snapshots; the kitchen-sink form filled entirely from key events;
//! secrets absent from every rendered buffer; registration reaching the catalogue and search.

use crossterm::event::{Event, KeyCode};
use greenroom::catalog::Catalog;
use greenroom::scaffold::form::Widget;
use greenroom::scaffold::{FieldPath, Template};
use greenroom::search::Query;
use greenroom::sources::{self, Source, files::FileSource};
use greenroom::tui::action::Action;
use greenroom::tui::app::{App, AppEvent, Effect};
use greenroom::tui::scaffold::form::StopKind;
use greenroom::tui::scaffold::run::{self, Job};
use greenroom::tui::scaffold::wizard::{Stage, Wizard};
use greenroom::tui::scaffold::{self as scaffold, Popup};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const USER: &str = "user:default/amelia.park";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load(source: Box<dyn Source>) -> Catalog {
    ui_support::load(source)
}

mod ui_support;
use ui_support::Portal;

use ui_support::{ctrl, key, render, type_text};

fn app_with(catalog: Catalog) -> Portal {
    let mut app = ui_support::app_with(catalog, "test");
    app.scaffold.user = Some(USER.into());
    app
}

fn examples_app() -> Portal {
    let root = fixtures().join("backstage-examples/root.yaml");
    app_with(load(Box::new(FileSource::disk(&[root]).unwrap())))
}

fn demo_app() -> Portal {
    app_with(load(Box::new(sources::demo::source())))
}

fn template(rel: &str) -> Template {
    Template::from_file(&fixtures().join("templates").join(rel)).unwrap()
}

fn kitchen_sink() -> Template {
    template("backstage-repo-sample-templates/bui-kitchen-sink-demo/template.yaml")
}

fn screen(app: &mut Portal) -> String {
    let t = render(app, 80, 24);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn wizard(app: &App) -> &Wizard {
    app.scaffold.wizard.as_deref().expect("a template is open")
}

/// Runs a job on the hub's run service (inline: at once) and hands back its events without
/// passing them to the session, so a test can feed them part way.
fn execute(app: &Portal, job: Job) -> Vec<run::RunEvent> {
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = events.clone();
    run::start(app.hub(), job, move |e| sink.lock().unwrap().push(e));
    std::mem::take(&mut *events.lock().unwrap())
}

/// Lets the session carry out what the app asked for: runs go to the hub's run service
/// (inline here, so they finish at once) and their events come back through the session.
fn run_jobs(app: &mut Portal) {
    app.pump();
}

/// Every file named template.yaml under a folder, in a stable order.
fn template_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.file_name().is_some_and(|n| n == "template.yaml"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_template_renders_its_first_page() {
    let files = template_files(&fixtures().join("templates"));
    assert_eq!(files.len(), 4);
    for file in files {
        let mut app = examples_app();
        let t = Template::from_file(&file).unwrap();
        let name = t.name.clone();
        scaffold::start(&mut app, t, None);
        assert_eq!(wizard(&app).stage, Stage::Form);
        insta::assert_snapshot!(
            format!("form_{name}_80x24"),
            render(&mut app, 80, 24).backend()
        );
    }
}

#[test]
fn every_demo_template_renders_its_first_page() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('n'));
    insta::assert_snapshot!("templates_80x24", render(&mut app, 80, 24).backend());
    insta::assert_snapshot!("templates_120x40", render(&mut app, 120, 40).backend());
    let count = app.scaffold.templates.entries.len();
    assert_eq!(count, 5);
    for i in 0..count {
        app.scaffold.templates.move_cursor(i);
        let name = app.scaffold.templates.selected().unwrap().name.clone();
        key(&mut app, KeyCode::Enter);
        insta::assert_snapshot!(
            format!("form_demo_{name}_80x24"),
            render(&mut app, 80, 24).backend()
        );
        // Nothing typed yet: Esc leaves without asking.
        key(&mut app, KeyCode::Esc);
        assert!(
            app.popups.scaffold().is_none(),
            "{name}: asked although nothing was typed"
        );
        assert!(app.scaffold.wizard.is_none());
        assert_eq!(scaffold::showing(&app), Some(scaffold::Showing::Templates));
    }
}

#[test]
fn templates_filter_fuzzily_and_template_entities_lead_to_them() {
    let mut app = demo_app();
    // From the catalogue: a Template entity selected, n shows it in the templates view.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "kind:template rust");
    key(&mut app, KeyCode::Enter);
    let s = screen(&mut app);
    assert!(s.contains("u use template"), "{s}");
    // u uses it straight away.
    key(&mut app, KeyCode::Char('u'));
    assert_eq!(wizard(&app).template.name, "rust-axum-service");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert!(app.scaffold.wizard.is_none());
    // On something else, u says what it needs.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Home);
    assert!(!app.selected_entity().unwrap().starts_with("template:"));
    key(&mut app, KeyCode::Char('u'));
    assert!(app.scaffold.wizard.is_none());
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("select a template")
    );
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "kind:template rust");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(
        app.scaffold.templates.selected().map(|e| e.name.as_str()),
        Some("rust-axum-service")
    );
    type_text(&mut app, "kafka");
    let s = screen(&mut app);
    assert!(s.contains("▶ Go Kafka consumer"), "best match first: {s}");
    assert!(app.scaffold.templates.shown().len() < 5, "{s}");
    assert!(s.contains("Steps  1."), "{s}");
    ctrl(&mut app, 'l');
    assert_eq!(app.scaffold.templates.shown().len(), 5);
    // The palette reaches the view too.
    key(&mut app, KeyCode::Esc);
    app.act(Action::Templates);
    assert_eq!(scaffold::showing(&app), Some(scaffold::Showing::Templates));
}

#[test]
fn a_page_with_problems_cannot_be_left_forward() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('n'));
    let at = app
        .scaffold
        .templates
        .shown()
        .iter()
        .position(|i| app.scaffold.templates.entries[*i].name == "techdocs-site")
        .unwrap();
    app.scaffold.templates.move_cursor(at);
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "Not Docs");
    key(&mut app, KeyCode::Tab);
    ctrl(&mut app, 's');
    assert_eq!(wizard(&app).stage, Stage::Form);
    insta::assert_snapshot!("form_problems_80x24", render(&mut app, 80, 24).backend());
    let s = screen(&mut app);
    assert!(s.contains("✖ 3 problems on this page"), "{s}");
    assert!(s.contains("Description is required."), "{s}");
    // Typed into: Esc asks first; n keeps the form, y throws it away.
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.popups.scaffold(), Some(Popup::Confirm(_))));
    insta::assert_snapshot!(
        "form_confirm_discard_80x24",
        render(&mut app, 80, 24).backend()
    );
    key(&mut app, KeyCode::Char('n'));
    assert!(app.popups.scaffold().is_none());
    assert_eq!(wizard(&app).stage, Stage::Form);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('y'));
    assert!(app.scaffold.wizard.is_none());
}

#[test]
fn conditional_pages_and_fields_come_and_go_with_keys() {
    // Pages with `when`: the provider chosen decides the next page.
    let mut app = examples_app();
    let t = template("backstage-repo-sample-templates/conditional-parameters-demo/template.yaml");
    scaffold::start(&mut app, t, None);
    assert_eq!(wizard(&app).form.page_position(), (1, 2));
    type_text(&mut app, "shop");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    assert_eq!(
        wizard(&app).form.page_position(),
        (1, 3),
        "AWS adds its page"
    );
    key(&mut app, KeyCode::Right);
    assert!(screen(&mut app).contains("page 1 of 3"));
    ctrl(&mut app, 's');
    let s = screen(&mut app);
    assert!(
        s.contains("GCP Configuration") && s.contains("page 2 of 3"),
        "{s}"
    );
    // Fields from `dependencies`: they follow the value they depend on.
    let data = json!({
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "deps"},
        "spec": {"parameters": {
            "properties": {"kind": {"title": "Kind", "type": "string", "enum": ["web", "worker"]}},
            "dependencies": {"kind": {"oneOf": [
                {"properties": {"kind": {"const": "web"}, "port": {"title": "Port", "type": "integer"}}},
                {"properties": {"kind": {"const": "worker"}, "queue": {"title": "Queue", "type": "string"}}}
            ]}}
        }, "steps": [{"action": "debug:log"}]}
    });
    let mut app = examples_app();
    scaffold::start(
        &mut app,
        Template::from_json(data.as_object().unwrap(), None).unwrap(),
        None,
    );
    key(&mut app, KeyCode::Right);
    let s = screen(&mut app);
    assert!(s.contains("Port") && !s.contains("Queue"), "{s}");
    key(&mut app, KeyCode::Right);
    let s = screen(&mut app);
    assert!(s.contains("Queue") && !s.contains("Port"), "{s}");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "jobs");
    assert_eq!(
        wizard(&app).form.form.values(),
        json!({"kind": "worker", "queue": "jobs"})
    );
}

/// Clears the focused one-line editor from the keyboard.
fn clear_field(app: &mut Portal) {
    key(app, KeyCode::End);
    for _ in 0..80 {
        key(app, KeyCode::Backspace);
    }
}

/// Fills the focused stop from the keyboard, as a person reading the screen would.
fn fill_focused(app: &mut Portal) {
    let w = wizard(app);
    let stop = w.form.focused().unwrap().clone();
    let field = w.form.fields[stop.field].clone();
    match (stop.kind, &field.widget) {
        (StopKind::Text { multiline: false }, _) if stop.key.part.is_some() => {
            let text = if stop.key.part == Some("owner") {
                "acme"
            } else {
                "ticket-service"
            };
            type_text(app, text);
        }
        (StopKind::Text { multiline: false }, widget) => {
            let text = match widget {
                Widget::Text { format, .. } => match format.as_deref() {
                    Some("email") => "ada@example.com",
                    Some("uri") => "https://example.com/ticket-service",
                    Some("date") => "2024-05-31",
                    Some("date-time") => "2024-05-31T10:00:00Z",
                    Some("time") => "10:00:00",
                    Some("color") => "#00ff00",
                    Some("data-url") => "data:text/plain;base64,aGVsbG8=",
                    _ => "ticket-service",
                },
                Widget::Password => "pa55word-kitchen",
                Widget::Secret => "s3cr3t-deploy-token",
                Widget::Number { .. } => {
                    clear_field(app);
                    "6"
                }
                Widget::Custom { name } if name == "RepoOwnerPicker" => "backstage",
                Widget::Custom { .. } => "main",
                _ => "ticket-service",
            };
            type_text(app, text);
        }
        (StopKind::Text { multiline: true }, Widget::StringList) => {
            type_text(app, "alpha");
            ctrl(app, 'o');
            type_text(app, "beta");
        }
        (StopKind::Text { multiline: true }, _) => type_text(app, "line one\nline two"),
        (StopKind::Toggle, _) => key(app, KeyCode::Char(' ')),
        (StopKind::Select, _) if field.label == "Region" => {
            // Through the chooser: filter, then Enter.
            key(app, KeyCode::Enter);
            assert!(matches!(app.popups.scaffold(), Some(Popup::Picker(_))));
            type_text(app, "us");
            key(app, KeyCode::Enter);
        }
        (StopKind::Select, _) => key(app, KeyCode::Left),
        (StopKind::Checkboxes, _) => {
            key(app, KeyCode::Char(' '));
            key(app, KeyCode::Right);
            key(app, KeyCode::Char(' '));
        }
        (StopKind::Picker, Widget::EntityTags(_)) => {
            key(app, KeyCode::Enter);
            key(app, KeyCode::Char(' '));
            type_text(app, "new-tag");
            let Some(Popup::Picker(p)) = app.popups.scaffold() else {
                panic!("no tags picker");
            };
            let typed = p.items().position(|i| i.typed).expect("offered as typed");
            for _ in 0..typed {
                key(app, KeyCode::Down);
            }
            key(app, KeyCode::Char(' '));
            key(app, KeyCode::Enter);
        }
        (StopKind::Picker, Widget::Entity(p)) if p.is_multi() => {
            key(app, KeyCode::Enter);
            key(app, KeyCode::Char(' '));
            key(app, KeyCode::Down);
            key(app, KeyCode::Char(' '));
            key(app, KeyCode::Enter);
        }
        (StopKind::Picker, _) => {
            // Typing on a picker field opens it with what was typed.
            if field.label == "Owner" {
                type_text(app, "guest");
            } else {
                key(app, KeyCode::Enter);
            }
            key(app, KeyCode::Enter);
        }
        (StopKind::List, _) => key(app, KeyCode::Char('+')),
        (StopKind::Item, _) => {}
    }
    assert!(
        app.popups.scaffold().is_none(),
        "{}: a popup is still open",
        field.label
    );
}

#[test]
fn kitchen_sink_every_field_filled_from_the_keyboard() {
    let mut app = examples_app();
    scaffold::start(&mut app, kitchen_sink(), None);
    let mut filled = std::collections::HashSet::new();
    let mut page_turns = 0;
    for _ in 0..400 {
        let w = wizard(&app);
        if w.stage == Stage::Review {
            break;
        }
        let stop = w.form.focused().cloned();
        if let Some(stop) = &stop
            && filled.insert((w.form.page, stop.key.clone()))
        {
            fill_focused(&mut app);
            if stop.kind == StopKind::List {
                // Focus moved into the new item.
                continue;
            }
        }
        let before = (wizard(&app).form.page, wizard(&app).form.focus);
        key(&mut app, KeyCode::Tab);
        // Tab goes round from the last field to the first: the page is done.
        if wizard(&app).form.focus <= before.1 {
            ctrl(&mut app, 's');
            let w = wizard(&app);
            if !(w.stage == Stage::Review || w.form.page != before.0) {
                let errors = format!("{:?}", w.form.errors);
                panic!("stuck on page {}: {errors}\n{}", before.0, screen(&mut app));
            }
            page_turns += 1;
        }
    }
    if wizard(&app).stage != Stage::Review {
        panic!("not at the review:\n{}", screen(&mut app));
    }
    let w = wizard(&app);
    assert_eq!(page_turns, 6, "five pages on, then the review");
    assert!(w.review_errors.is_empty(), "{:?}", w.review_errors);
    // Every field that holds a value has one.
    for page in 0..w.form.form.page_count() {
        for f in w.form.form.fields(page) {
            if f.widget.holds_value() {
                assert!(
                    w.form.form.value(&f.path).is_some(),
                    "{} ({}) has no value",
                    f.label,
                    f.path
                );
            }
        }
    }
    let values = w.form.form.values();
    assert_eq!(values["name"], json!("ticket-service"));
    assert_eq!(values["description"], json!("line one\nline two"));
    assert_eq!(values["replicas"], json!(6));
    assert_eq!(values["enabled"], json!(false));
    assert_eq!(values["consent"], json!(true));
    assert_eq!(
        values["environment"],
        json!("production"),
        "Left wraps round"
    );
    assert_eq!(values["region"], json!("us-east-1"));
    assert_eq!(values["features"], json!(["logging", "metrics"]));
    assert_eq!(values["tags"], json!(["alpha", "beta"]));
    assert_eq!(
        values["contacts"],
        json!([{"name": "ticket-service", "role": "Designer", "primary": true}])
    );
    assert_eq!(
        values["owner"],
        json!({"displayName": "ticket-service", "slack": "ticket-service"})
    );
    assert_eq!(values["ownerRef"], json!("user:default/guest"));
    assert_eq!(values["myGroups"], json!("group:default/team-b"));
    assert_eq!(values["relatedEntities"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        values["entityTags"].as_array().unwrap()[1],
        json!("new-tag")
    );
    assert_eq!(
        values["repoUrl"],
        json!("gitlab.com?owner=acme&repo=ticket-service"),
        "Left on the host goes round to the other allowed host"
    );
    assert_eq!(values["repoOwner"], json!("backstage"));
    assert!(
        values.get("deployToken").is_none(),
        "secrets stay out of values"
    );
    assert_eq!(
        w.form.form.secrets().get("deployToken"),
        Some("s3cr3t-deploy-token")
    );
    let review = screen(&mut app);
    assert!(review.contains("******"), "{review}");
    for secret in ["s3cr3t-deploy-token", "pa55word-kitchen"] {
        assert!(!review.contains(secret), "{review}");
    }
    insta::assert_snapshot!(
        "review_kitchen_sink_80x24",
        render(&mut app, 80, 24).backend()
    );
    // Scrolled to the end, still masked.
    app.act(Action::Bottom);
    let end = screen(&mut app);
    assert!(
        end.contains("Deploy token") && end.contains("******"),
        "{end}"
    );
    assert!(!end.contains("s3cr3t"), "{end}");
}

/// A template with a password and a secret that both end up in a log and a file.
fn secret_template(dir: &Path) -> Template {
    std::fs::create_dir_all(dir.join("skeleton")).unwrap();
    std::fs::write(
        dir.join("skeleton/config.txt"),
        "token=${{ values.token }}\npassword=${{ values.pw }}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("template.yaml"),
        r#"apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: secretive
  title: Secretive
spec:
  owner: team-a
  type: service
  parameters:
    - title: Credentials
      required: [pw, token]
      properties:
        pw:
          title: Password
          type: string
          ui:widget: password
        token:
          title: Token
          type: string
          ui:field: Secret
  steps:
    - id: log
      name: Log them
      action: debug:log
      input:
        message: 'pw=${{ parameters.pw }} token=${{ secrets.token }}'
    - id: fetch
      name: Write them
      action: fetch:template
      input:
        url: ./skeleton
        values:
          pw: ${{ parameters.pw }}
          token: ${{ secrets.token }}
"#,
    )
    .unwrap();
    Template::from_file(&dir.join("template.yaml")).unwrap()
}

fn assert_no_secrets(app: &mut Portal, what: &str) {
    for (w, h) in [(80, 24), (200, 60)] {
        let t = render(app, w, h);
        let buf = t.backend().buffer();
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        for secret in ["hunter2-pass", "tok-SECRET-42"] {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    }
}

#[test]
fn secrets_never_reach_the_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = examples_app();
    scaffold::start(&mut app, secret_template(&tmp.path().join("tpl")), None);
    type_text(&mut app, "hunter2-pass");
    assert_no_secrets(&mut app, "the form (password)");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "tok-SECRET-42");
    assert_no_secrets(&mut app, "the form (secret)");
    let s = screen(&mut app);
    assert!(s.contains("••••••••••••"), "masked input: {s}");
    ctrl(&mut app, 's');
    assert_eq!(wizard(&app).stage, Stage::Review);
    assert_no_secrets(&mut app, "the review");
    // Dry run: the log and the files.
    key(&mut app, KeyCode::Char('d'));
    run_jobs(&mut app);
    let run = wizard(&app).run.as_ref().unwrap();
    assert!(run.succeeded(), "{:?}", run.result.as_ref().unwrap().error);
    assert_no_secrets(&mut app, "the dry run's files");
    let s = screen(&mut app);
    assert!(s.contains("token=***"), "{s}");
    key(&mut app, KeyCode::Tab);
    assert_no_secrets(&mut app, "the dry run's log");
    // A real run: every step's log.
    key(&mut app, KeyCode::Char('c'));
    let Some(Popup::Target { .. }) = app.popups.scaffold() else {
        panic!("no target prompt");
    };
    let target = tmp.path().join("out");
    set_target(&mut app, &target.display().to_string());
    assert_no_secrets(&mut app, "the target prompt");
    key(&mut app, KeyCode::Enter);
    run_jobs(&mut app);
    assert!(wizard(&app).run.as_ref().unwrap().succeeded());
    for step in 0..2 {
        app.act(Action::Top);
        for _ in 0..step {
            app.act(Action::Down);
        }
        assert_no_secrets(&mut app, "the run's log");
    }
    // The file itself has the values: the run wrote what the template asked for.
    let written = std::fs::read_to_string(target.join("config.txt")).unwrap();
    assert!(written.contains("tok-SECRET-42"));
}

/// Replaces what the target prompt holds.
fn set_target(app: &mut Portal, text: &str) {
    let Some(Popup::Target { input, .. }) = app.popups.scaffold() else {
        panic!("no target prompt");
    };
    let n = input.lines().join("").chars().count();
    key(app, KeyCode::End);
    for _ in 0..n {
        key(app, KeyCode::Backspace);
    }
    type_text(app, text);
}

fn open_techdocs(app: &mut Portal) {
    key(app, KeyCode::Char('n'));
    type_text(app, "techdocs");
    key(app, KeyCode::Enter);
    assert_eq!(wizard(app).template.name, "techdocs-site");
}

fn fill_techdocs(app: &mut Portal) {
    type_text(app, "demo-docs");
    key(app, KeyCode::Tab);
    type_text(app, "Docs for the demo");
    key(app, KeyCode::Tab);
    type_text(app, "devex");
    insta::assert_snapshot!("picker_owner_80x24", render(app, 80, 24).backend());
    key(app, KeyCode::Enter);
    ctrl(app, 's');
    assert_eq!(wizard(app).stage, Stage::Review);
}

#[test]
fn dry_run_preview_and_progress() {
    let mut app = demo_app();
    open_techdocs(&mut app);
    fill_techdocs(&mut app);
    insta::assert_snapshot!("review_techdocs_80x24", render(&mut app, 80, 24).backend());
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(wizard(&app).stage, Stage::DryRun);
    // Part way: the events so far, as they arrive.
    let jobs: Vec<Job> = app
        .take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Scaffold(j) => Some(j),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 1);
    assert!(
        scaffold::deadline(&app).is_some(),
        "the spinner turns while running"
    );
    let events = execute(&app, jobs[0].clone());
    let total = events.len();
    let mut events = events.into_iter();
    // Up to the second step's start: the first done, the second running, the third pending.
    for e in events.by_ref() {
        let begins_publish = matches!(&e, run::RunEvent::Task { event: greenroom::scaffold::TaskEvent::Log { step_id: Some(id), status: Some(greenroom::scaffold::exec::StepStatus::Processing), .. }, .. } if id == "publish");
        app.handle(AppEvent::Scaffold(e));
        if begins_publish {
            break;
        }
    }
    assert!(events.len() < total);
    insta::assert_snapshot!("progress_dry_run_80x24", render(&mut app, 80, 24).backend());
    for e in events {
        app.handle(AppEvent::Scaffold(e));
    }
    assert!(
        scaffold::deadline(&app).is_none(),
        "idle again once finished"
    );
    insta::assert_snapshot!("dry_run_files_80x24", render(&mut app, 80, 24).backend());
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let s = screen(&mut app);
    assert!(
        s.contains("▶ README.md") || s.contains("getting-started"),
        "{s}"
    );
    key(&mut app, KeyCode::Tab);
    insta::assert_snapshot!("dry_run_log_80x24", render(&mut app, 80, 24).backend());
    insta::assert_snapshot!("dry_run_files_120x40", {
        key(&mut app, KeyCode::Tab);
        render(&mut app, 120, 40).backend().to_string()
    });
    // Nothing was written anywhere: back to the review.
    key(&mut app, KeyCode::Esc);
    assert_eq!(wizard(&app).stage, Stage::Review);
}

#[test]
fn create_registers_the_new_entity_in_the_open_catalogue() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = demo_app();
    let before = app.catalog.len();
    open_techdocs(&mut app);
    fill_techdocs(&mut app);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.popups.scaffold(), Some(Popup::Target { .. })));
    insta::assert_snapshot!("create_target_80x24", {
        let s = screen(&mut app);
        // The resolved folder depends on where the tests run.
        s.lines()
            .map(|l| match l.split_once('→') {
                Some((before, _)) => format!("{before}→ (the folder, resolved)"),
                None => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    // An occupied folder asks before replacing it.
    let target = tmp.path().join("demo-docs");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("keep.txt"), "mine").unwrap();
    set_target(&mut app, &target.display().to_string());
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.popups.scaffold(), Some(Popup::Confirm(_))),
        "asks first"
    );
    key(&mut app, KeyCode::Char('n'));
    assert!(
        app.take_effects()
            .iter()
            .all(|e| !matches!(e, Effect::Scaffold(_)))
    );
    assert!(target.join("keep.txt").exists(), "nothing replaced");
    std::fs::remove_file(target.join("keep.txt")).unwrap();
    // Empty folders are fine without asking.
    key(&mut app, KeyCode::Enter);
    set_target(&mut app, &target.display().to_string());
    key(&mut app, KeyCode::Enter);
    assert!(app.popups.scaffold().is_none());
    assert_eq!(wizard(&app).stage, Stage::Create);
    run_jobs(&mut app);
    let run = wizard(&app).run.as_ref().unwrap();
    assert!(run.succeeded(), "{:?}", run.result.as_ref().unwrap().error);
    assert_eq!(run.registered, ["component:default/demo-docs"]);
    assert!(target.join("catalog-info.yaml").exists());
    assert!(target.join(".git").exists(), "publish ran locally");
    let s = screen(&mut app);
    assert!(s.contains("✔ Created in"), "{s}");
    assert!(s.contains("Open in catalog"), "{s}");
    // In the catalogue at once, with no stale problems, and found by search.
    assert_eq!(app.catalog.len(), before + 1);
    let e = app.catalog.get("component:default/demo-docs").unwrap();
    assert_eq!(e.owner(), Some("group:default/devex-team"));
    assert_eq!(
        app.catalog.warning_count(),
        0,
        "{:?}",
        app.catalog.diagnostics()
    );
    let hits = app.index.search(&Query::parse("demo-docs"));
    assert_eq!(
        hits.first()
            .map(|h| app.catalog.entities()[h.entity].key.as_str()),
        Some("component:default/demo-docs")
    );
    // The output links: copied with Y; x opens only http, https and mailto links, so this
    // file:// URL (a local publish) is not handed to a browser; the entity opens with Enter.
    key(&mut app, KeyCode::Char('Y'));
    let copied: Vec<Effect> = app.take_effects();
    let url = format!("file://{}", target.display());
    assert!(
        copied.contains(&Effect::Clipboard(url.clone())),
        "{copied:?}"
    );
    key(&mut app, KeyCode::Char('x'));
    assert!(app.take_effects().is_empty());
    let notice = app.notice.as_ref().unwrap();
    assert!(
        notice.error && notice.text.contains("not opened (file:)"),
        "{}",
        notice.text
    );
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.current_entity().as_deref(),
        Some("component:default/demo-docs")
    );
    // A reload keeps it (registered again on top of what was read).
    app.hub().catalog.reload();
    run_jobs(&mut app);
    assert!(app.catalog.get("component:default/demo-docs").is_some());
}

#[test]
fn no_size_makes_the_screens_panic() {
    let mut app = examples_app();
    scaffold::start(&mut app, kitchen_sink(), None);
    let sizes = [
        (0, 0),
        (1, 1),
        (5, 3),
        (20, 8),
        (59, 11),
        (60, 12),
        (61, 13),
        (80, 24),
        (100, 30),
        (250, 80),
    ];
    let check = |app: &mut Portal, what: &str| {
        for (w, h) in sizes {
            let t = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render(app, w, h)));
            assert!(t.is_ok(), "{what} at {w}x{h}");
        }
    };
    check(&mut app, "form page 1");
    ctrl(&mut app, 's');
    check(&mut app, "a page with problems");
    // The picker page, a picker open.
    for _ in 0..5 {
        let w = app.scaffold.wizard.as_deref_mut().unwrap();
        w.form.form.set_text(&FieldPath::key("name"), "x").ok();
        w.form.form.set_text(&FieldPath::key("email"), "a@b.c").ok();
        w.form.refresh();
        ctrl(&mut app, 's');
    }
    check(&mut app, "the pickers page");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.popups.scaffold(), Some(Popup::Picker(_))));
    check(&mut app, "a picker");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    check(&mut app, "the discard question");
    key(&mut app, KeyCode::Char('n'));
    let mut demo = demo_app();
    key(&mut demo, KeyCode::Char('n'));
    check(&mut demo, "templates");
    open_techdocs_from_view(&mut demo);
    fill_techdocs_quietly(&mut demo);
    check(&mut demo, "review");
    key(&mut demo, KeyCode::Char('d'));
    check(&mut demo, "running");
    run_jobs(&mut demo);
    check(&mut demo, "dry run files");
    key(&mut demo, KeyCode::Tab);
    check(&mut demo, "dry run log");
    key(&mut demo, KeyCode::Char('c'));
    check(&mut demo, "the target prompt");
}

fn open_techdocs_from_view(app: &mut Portal) {
    type_text(app, "techdocs");
    key(app, KeyCode::Enter);
}

fn fill_techdocs_quietly(app: &mut Portal) {
    type_text(app, "demo-docs");
    key(app, KeyCode::Tab);
    type_text(app, "Docs");
    key(app, KeyCode::Tab);
    type_text(app, "devex");
    key(app, KeyCode::Enter);
    ctrl(app, 's');
}

#[test]
fn picker_notes_who_i_am_and_honours_arbitrary_values() {
    let mut app = examples_app();
    app.scaffold.user = None;
    let t = {
        let data = json!({
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "pickers"},
            "spec": {"parameters": {"properties": {
                "mine": {"title": "Mine", "type": "string", "ui:field": "OwnedEntityPicker"},
                "strict": {"title": "Strict", "type": "string", "ui:field": "EntityPicker",
                    "ui:options": {"allowArbitraryValues": false, "catalogFilter": {"kind": "Group"}}}
            }}, "steps": [{"action": "debug:log"}]}
        });
        Template::from_json(data.as_object().unwrap(), None).unwrap()
    };
    scaffold::start(&mut app, t, None);
    key(&mut app, KeyCode::Enter);
    let s = screen(&mut app);
    assert!(s.contains("does not know who you are"), "{s}");
    assert!(s.contains("[scaffold] user"), "{s}");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "no-such-group-at-all");
    key(&mut app, KeyCode::Enter);
    let Some(Popup::Picker(p)) = app.popups.scaffold() else {
        panic!("the picker closed on a value it must not take");
    };
    assert!(p.error.is_some());
    assert!(
        !screen(&mut app).contains("as typed"),
        "no typed values offered"
    );
}

#[test]
fn read_only_fields_are_shown_and_skipped() {
    let mut app = examples_app();
    let data = json!({
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "ro"},
        "spec": {"parameters": {"properties": {
            "region": {"title": "Region", "type": "string", "default": "eu-west-1", "ui:readonly": true},
            "name": {"title": "Name", "type": "string", "description": "What to call it"},
            "note": {"title": "A label far too long to fit in the label column at all", "type": "string"}
        }}, "steps": [{"action": "debug:log"}]}
    });
    scaffold::start(
        &mut app,
        Template::from_json(data.as_object().unwrap(), None).unwrap(),
        None,
    );
    let s = screen(&mut app);
    assert!(s.contains("eu-west-1 (read-only)"), "{s}");
    assert!(
        s.contains("A label far too long to fit in the label column at all"),
        "a long label has a line of its own: {s}"
    );
    // Focus starts on the first editable field and never lands on the read-only one.
    assert_eq!(wizard(&app).form.focused_field().unwrap().label, "Name");
    for _ in 0..4 {
        key(&mut app, KeyCode::Tab);
        assert_ne!(wizard(&app).form.focused_field().unwrap().label, "Region");
    }
    type_text(&mut app, "x");
    assert_eq!(
        wizard(&app).form.form.value(&FieldPath::key("region")),
        Some(&json!("eu-west-1"))
    );
    assert_eq!(
        wizard(&app).form.form.value(&FieldPath::key("name")),
        Some(&json!("x"))
    );
    // Pasted text goes into the focused field, on one line, without control sequences.
    key(&mut app, KeyCode::Tab);
    app.handle(AppEvent::Terminal(Event::Paste(
        "two\nlines\u{1b}[31m".into(),
    )));
    assert_eq!(
        wizard(&app).form.form.value(&FieldPath::key("note")),
        Some(&json!("two lines"))
    );
    assert_eq!(
        scaffold::showing(&app),
        Some(scaffold::Showing::Wizard(Stage::Form))
    );
}

#[test]
fn lists_grow_and_shrink_from_the_keyboard() {
    let data = json!({
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "lists"},
        "spec": {"parameters": {"properties": {
            "contacts": {"title": "Contacts", "type": "array", "items": {
                "type": "object", "properties": {"name": {"title": "Name", "type": "string"}}
            }},
            "tags": {"title": "Tags", "type": "array", "items": {"type": "string"}}
        }}, "steps": [{"action": "debug:log"}]}
    });
    let mut app = examples_app();
    scaffold::start(
        &mut app,
        Template::from_json(data.as_object().unwrap(), None).unwrap(),
        None,
    );
    let contacts = |app: &App| {
        wizard(app)
            .form
            .form
            .value(&FieldPath::key("contacts"))
            .cloned()
    };
    // On the list's heading: + adds an item and goes to its first field.
    key(&mut app, KeyCode::Char('+'));
    type_text(&mut app, "ada");
    // From a text field inside an item, ctrl-o adds another.
    ctrl(&mut app, 'o');
    type_text(&mut app, "bob");
    assert_eq!(
        contacts(&app),
        Some(json!([{"name": "ada"}, {"name": "bob"}]))
    );
    // Removing is done on an item's heading, never from a text field.
    app.act(Action::ItemRemove);
    assert_eq!(contacts(&app).unwrap().as_array().unwrap().len(), 2);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(
        wizard(&app).form.focused_field().unwrap().label,
        "Contacts #2"
    );
    key(&mut app, KeyCode::Char('-'));
    assert_eq!(contacts(&app), Some(json!([{"name": "ada"}])));
    let s = screen(&mut app);
    assert!(s.contains("1 item") && s.contains("Contacts #1"), "{s}");
    // A string list: one item per line.
    while wizard(&app).form.focused_field().unwrap().label != "Tags" {
        key(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "alpha\nbeta\ngamma");
    assert_eq!(
        wizard(&app).form.form.value(&FieldPath::key("tags")),
        Some(&json!(["alpha", "beta", "gamma"]))
    );
    key(&mut app, KeyCode::Up);
    assert_eq!(
        wizard(&app).form.focused_field().unwrap().label,
        "Tags",
        "up moves a line"
    );
}

#[test]
fn a_run_is_cancelled_from_the_keyboard_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = json!({
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "slow"},
        "spec": {"parameters": [], "steps": [
            {"id": "wait", "name": "Wait", "action": "debug:wait", "input": {"seconds": 30}},
            {"id": "log", "name": "Log", "action": "debug:log", "input": {"message": "never"}}
        ]}
    });
    let mut app = examples_app();
    scaffold::start(
        &mut app,
        Template::from_json(data.as_object().unwrap(), None).unwrap(),
        None,
    );
    ctrl(&mut app, 's');
    assert_eq!(wizard(&app).stage, Stage::Review);
    key(&mut app, KeyCode::Enter);
    let target = tmp.path().join("slow");
    set_target(&mut app, &target.display().to_string());
    key(&mut app, KeyCode::Enter);
    assert_eq!(wizard(&app).stage, Stage::Create);
    // Esc while it runs asks it to stop; the worker sees that at once.
    key(&mut app, KeyCode::Esc);
    assert!(wizard(&app).run.as_ref().unwrap().cancelling);
    let started = std::time::Instant::now();
    run_jobs(&mut app);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let run = wizard(&app).run.as_ref().unwrap();
    assert_eq!(
        run.result.as_ref().map(|r| r.status),
        Some(greenroom::scaffold::exec::TaskStatus::Cancelled)
    );
    assert!(!target.exists(), "nothing written");
    let s = screen(&mut app);
    assert!(s.contains("⊘ cancelled"), "{s}");
    // Esc again goes back to the review to try again.
    key(&mut app, KeyCode::Esc);
    assert_eq!(wizard(&app).stage, Stage::Review);
}

#[test]
fn a_session_without_local_scaffold_cannot_create_but_can_dry_run() {
    // `greenroom serve` sessions: writing on the server is off unless allow_local_scaffold.
    let mut app = demo_app();
    app.settings.local_scaffold = false;
    open_techdocs(&mut app);
    fill_techdocs(&mut app);
    key(&mut app, KeyCode::Enter);
    assert!(app.popups.scaffold().is_none(), "no target prompt");
    let s = screen(&mut app);
    assert!(s.contains("off on this server"), "{s}");
    assert!(app.take_effects().is_empty(), "nothing was started");
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(wizard(&app).stage, Stage::DryRun, "the dry run works");
}
