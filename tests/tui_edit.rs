//! `e` on the real app: which file it asks the host to open and at which line (the
//! descriptor at the entity, the `$text` file of an API definition, a docs page), what it says
//! for entities with no local file, and what the session does with the host's answer (a
//! client that cannot run an editor, an editor that ran: redraw and read the files again).
//! The real terminal hand-over is in `e2e_pty.rs`.

use crossterm::event::KeyCode;
use greenroom::sources::{self, files::FileSource};
use greenroom::tui::app::Effect;
use greenroom::tui::editor::{EditDone, EditRequest};
use greenroom::tui::entity::rows::Tab;
use greenroom::tui::session::{Session, SessionHost};
use std::ffi::OsString;
use std::sync::{Arc, Mutex};

mod ui_support;

use ui_support::key;

const DESCRIPTOR: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  description: first words\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: svc-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./openapi.yaml\n";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog-info.yaml"), DESCRIPTOR).unwrap();
    std::fs::write(
        dir.path().join("openapi.yaml"),
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n",
    )
    .unwrap();
    dir
}

fn portal(dir: &std::path::Path) -> ui_support::Portal {
    let source = FileSource::disk(&[dir.to_path_buf()]).unwrap();
    ui_support::app_on_sources(vec![Box::new(source)], "test")
}

fn edits(app: &mut ui_support::Portal) -> Vec<EditRequest> {
    let mut found = Vec::new();
    while let Some(e) = app.next_effect() {
        if let Effect::Edit(r) = e {
            found.push(r);
        }
    }
    found
}

/// The bottom line of a wide frame: the hint bar.
fn hint_bar(app: &mut ui_support::Portal) -> String {
    let terminal = ui_support::render(app, 200, 24);
    ui_support::screen_text(&terminal)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn e_asks_for_the_descriptor_at_the_entity_and_the_definition_file_on_its_tab() {
    let dir = repo();
    let descriptor = dir.path().canonicalize().unwrap().join("catalog-info.yaml");
    let mut app = portal(dir.path());
    app.open_entity("component:default/svc", Tab::Overview);
    let hints = hint_bar(&mut app);
    assert!(
        hints.contains("e edit"),
        "an entity with a file hints e: {hints}"
    );
    key(&mut app, KeyCode::Char('e'));
    let asked = edits(&mut app);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].file.canonicalize().unwrap(), descriptor);
    assert_eq!(asked[0].line, 4, "the entity's line");
    // On the catalogue, the selected row's entity.
    app.open_entity("api:default/svc-api", Tab::Overview);
    key(&mut app, KeyCode::Char('e'));
    assert_eq!(edits(&mut app)[0].line, 14);
    // On the API's Definition tab: the file its definition is read from.
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('e'));
    let asked = edits(&mut app);
    assert_eq!(asked.len(), 1, "{asked:?} {:?}", app.notice);
    assert_eq!(
        asked[0].file.canonicalize().unwrap(),
        dir.path().canonicalize().unwrap().join("openapi.yaml")
    );
    assert_eq!(asked[0].line, 1);
}

#[test]
fn an_entity_with_no_local_file_says_so() {
    let mut app = ui_support::app_with(
        ui_support::load(Box::new(sources::demo::source())),
        "the bundled demo",
    );
    app.open_entity("component:default/checkout-service", Tab::Overview);
    let hints = hint_bar(&mut app);
    assert!(hints.contains("copy"), "the hint bar is drawn: {hints}");
    assert!(!hints.contains("edit"), "nothing to edit, no hint: {hints}");
    key(&mut app, KeyCode::Char('e'));
    assert!(edits(&mut app).is_empty());
    let notice = app.notice.clone().unwrap();
    assert!(notice.error);
    assert!(
        notice.text.contains("there is no local file to edit"),
        "{}",
        notice.text
    );
}

#[test]
fn a_client_that_cannot_run_an_editor_is_told_so() {
    let dir = repo();
    let mut app = portal(dir.path());
    app.open_entity("component:default/svc", Tab::Overview);
    key(&mut app, KeyCode::Char('e'));
    app.pump();
    let notice = app.notice.clone().unwrap();
    assert!(
        notice.text.contains("this client cannot run an editor"),
        "{}",
        notice.text
    );
}

/// A host whose "editor" edits the file the way a user would, and records how it was run.
struct EditingHost {
    runs: Arc<Mutex<Vec<Vec<OsString>>>>,
}

impl SessionHost for EditingHost {
    fn edit(&mut self, argv: &[OsString]) -> std::io::Result<EditDone> {
        self.runs.lock().unwrap().push(argv.to_vec());
        let file = argv.last().unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        std::fs::write(file, text.replace("first words", "second words")).unwrap();
        Ok(EditDone {
            success: true,
            code: Some(0),
            size: Some((100, 30)),
        })
    }
}

#[test]
fn after_the_editor_the_session_reads_the_files_again_and_keeps_the_page() {
    let dir = repo();
    let source = FileSource::disk(&[dir.path().to_path_buf()]).unwrap();
    let hub = greenroom::hub::Hub::inline(
        Arc::new(greenroom::hub::SourcesLoader::new(
            vec![Box::new(source)],
            ui_support::offline(),
        )),
        greenroom::hub::StatusService::waiting(),
    );
    hub.catalog.reload();
    let runs = Arc::new(Mutex::new(Vec::new()));
    let mut app = ui_support::test_app("test");
    app.settings.editor = "nvim -u NONE".into();
    let mut session = Session::new(
        &hub,
        app,
        std::io::sink(),
        (80, 24),
        Box::new(EditingHost { runs: runs.clone() }),
    )
    .unwrap();
    session.pump();
    session
        .app
        .open_entity("component:default/svc", Tab::Overview);
    session.app.act(greenroom::tui::action::Action::Edit);
    session.pump();
    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 1);
    let argv: Vec<String> = runs[0]
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    assert_eq!(argv[..4], ["nvim", "-u", "NONE", "+4"]);
    let e = session.app.catalog.get("component:default/svc").unwrap();
    assert_eq!(
        e.data["metadata"]["description"], "second words",
        "read again after the editor"
    );
    assert!(
        matches!(session.app.screen(), greenroom::tui::app::Screen::Entity(s) if s.key == "component:default/svc")
    );
    assert!(session.app.notice.as_ref().unwrap().text.contains("edited"));
}
