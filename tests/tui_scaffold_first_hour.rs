//! The scaffolder, the clipboard and links as a newcomer meets them in their first hour (issue
//! 8), driven by keys on the real `App`: defaults edited at their end and cleared with ctrl-u,
//! `~` in the target folder, ctrl-c asking before typed input is lost, ctrl-r on the templates,
//! a problem notice that goes once the problem is fixed, the picker at 60 columns, links that
//! are copied where they cannot be opened, only safe schemes opened, and copies inside tmux.

mod ui_support;
use ui_support::Portal;

use crossterm::event::KeyCode;
use greenroom::catalog::Catalog;
use greenroom::scaffold::Template;
use greenroom::sources::{self, files::FileSource};
use greenroom::tui::app::{App, AppEvent, Effect, Screen};
use greenroom::tui::scaffold::wizard::{Stage, Wizard};
use greenroom::tui::scaffold::{self as scaffold, OnYes, Popup};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use ui_support::{ctrl, key, render, screen_text, type_text};

fn demo_app() -> Portal {
    ui_support::app_with(ui_support::load(Box::new(sources::demo::source())), "test")
}

fn examples_catalog() -> Catalog {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/backstage-examples/root.yaml");
    ui_support::load(Box::new(FileSource::disk(&[root]).unwrap()))
}

fn template(data: Json) -> Template {
    Template::from_json(data.as_object().unwrap(), None).unwrap()
}

fn wizard(app: &App) -> &Wizard {
    app.scaffold.wizard.as_deref().expect("a template is open")
}

fn screen(app: &mut Portal, w: u16, h: u16) -> String {
    screen_text(&render(app, w, h))
}

fn notice(app: &App) -> Option<String> {
    app.notice.as_ref().map(|n| n.text.clone())
}

/// Lets the session carry out what the app asked for: runs go to the hub's run service
/// (inline here, so they finish at once) and their events come back through the session.
fn run_jobs(app: &mut Portal) {
    app.pump();
}

/// A service form: a name (with a default), a port (a number with a default), a description.
fn service_template() -> Template {
    template(json!({
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "service", "title": "Service"},
        "spec": {
            "parameters": [{
                "title": "Service",
                "required": ["name", "port", "description"],
                "properties": {
                    "name": {"title": "Name", "type": "string", "default": "svc"},
                    "port": {"title": "Port", "type": "integer", "default": 8080},
                    "description": {"title": "Description", "type": "string"}
                }
            }],
            "steps": [{
                "id": "write",
                "name": "Write the descriptor",
                "action": "catalog:write",
                "input": {"entity": {
                    "apiVersion": "backstage.io/v1alpha1",
                    "kind": "Component",
                    "metadata": {"name": "${{ parameters.name }}"},
                    "spec": {"type": "service", "lifecycle": "experimental", "owner": "team-a"}
                }}
            }],
            "output": {"links": [
                {"title": "Evil", "url": "javascript:alert(document.cookie)"},
                {"title": "Repository", "url": "https://example.com/svc"}
            ]}
        }
    }))
}

fn values(app: &App) -> Json {
    wizard(app).form.form.values()
}

#[test]
fn a_default_is_typed_after_and_ctrl_u_clears_the_field() {
    let mut app = demo_app();
    scaffold::start(&mut app, service_template(), None);
    // The name's default: typing goes after it, not in front.
    type_text(&mut app, "-api");
    assert_eq!(values(&app)["name"], "svc-api");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "1");
    assert_eq!(values(&app)["port"], 80801, "not 180 80 or 808 180");
    // ctrl-u empties the field (the editor's own ctrl-u would undo instead).
    ctrl(&mut app, 'u');
    let form = &wizard(&app).form;
    assert_eq!(
        form.editor(&form.focused().unwrap().key).unwrap().lines(),
        [""]
    );
    type_text(&mut app, "9090");
    assert_eq!(values(&app)["port"], 9090);
    // The target prompt and the filters clear the same way.
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "A service");
    ctrl(&mut app, 's');
    assert_eq!(wizard(&app).stage, Stage::Review);
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 'u');
    let Some(Popup::Target { input, .. }) = app.popups.scaffold() else {
        panic!("no target prompt");
    };
    assert_eq!(input.lines(), [""], "the proposed ./svc-api is cleared");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('y'));
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.screen(), &Screen::Scaffold(scaffold::View::Templates));
    type_text(&mut app, "kafka");
    assert_eq!(app.scaffold.templates.text(), "kafka");
    assert!(app.scaffold.templates.shown().len() < 5);
    ctrl(&mut app, 'u');
    assert_eq!(app.scaffold.templates.text(), "");
    assert_eq!(app.scaffold.templates.shown().len(), 5);
}

/// Fills the service form and opens the target prompt, cleared.
fn to_target_prompt(app: &mut Portal) {
    scaffold::start(app, service_template(), None);
    key(app, KeyCode::Tab);
    key(app, KeyCode::Tab);
    type_text(app, "A service");
    ctrl(app, 's');
    assert_eq!(wizard(app).stage, Stage::Review);
    key(app, KeyCode::Enter);
    assert!(matches!(app.popups.scaffold(), Some(Popup::Target { .. })));
    ctrl(app, 'u');
}

fn target_error(app: &App) -> Option<String> {
    match app.popups.scaffold() {
        Some(Popup::Target { error, .. }) => error.clone(),
        _ => None,
    }
}

#[test]
fn tilde_in_the_target_folder_is_the_home_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let mut app = demo_app();
    app.scaffold.home = Some(home.clone());
    to_target_prompt(&mut app);
    type_text(&mut app, "~/src/svc");
    // The prompt shows where it will go.
    let s = screen(&mut app, 200, 30);
    assert!(
        s.contains(&format!("→ {}", home.join("src/svc").display())),
        "{s}"
    );
    key(&mut app, KeyCode::Enter);
    assert!(app.popups.scaffold().is_none(), "{:?}", target_error(&app));
    run_jobs(&mut app);
    let run = wizard(&app).run.as_ref().unwrap();
    assert!(run.succeeded(), "{:?}", run.result.as_ref().unwrap().error);
    assert!(home.join("src/svc/catalog-info.yaml").exists());
    assert!(!Path::new("~").exists(), "no folder named ~ here");

    // $HOME too; another variable, ~user or a ~ folder are refused, and nothing is made.
    let mut app = demo_app();
    app.scaffold.home = Some(home.clone());
    to_target_prompt(&mut app);
    for (typed, says) in [
        ("~ada/svc", "literally named \"~ada\""),
        ("./~", "literally named \"~\""),
        ("$USER/svc", "$USER is not expanded"),
    ] {
        ctrl(&mut app, 'u');
        type_text(&mut app, typed);
        key(&mut app, KeyCode::Enter);
        let e = target_error(&app).unwrap_or_else(|| panic!("{typed} was accepted"));
        assert!(e.contains(says), "{typed}: {e}");
        assert!(screen(&mut app, 120, 30).contains(says), "shown");
        assert!(app.take_effects().is_empty(), "{typed}: nothing runs");
    }
    assert!(!Path::new("~").exists() && !Path::new("~ada").exists());
    ctrl(&mut app, 'u');
    type_text(&mut app, "$HOME/other");
    key(&mut app, KeyCode::Enter);
    run_jobs(&mut app);
    assert!(home.join("other/catalog-info.yaml").exists());
}

fn quit_question(app: &App) -> Option<String> {
    match app.popups.scaffold() {
        Some(Popup::Confirm(c)) if matches!(c.yes, OnYes::Quit(_)) => Some(c.question.clone()),
        _ => None,
    }
}

#[test]
fn ctrl_c_asks_before_typed_input_is_lost() {
    // Nothing typed: ctrl-c quits at once.
    let mut app = demo_app();
    scaffold::start(&mut app, service_template(), None);
    ctrl(&mut app, 'c');
    assert!(app.quit);

    // Typed into the form: asked, as Esc asks; no keeps everything.
    let mut app = demo_app();
    scaffold::start(&mut app, service_template(), None);
    type_text(&mut app, "-api");
    ctrl(&mut app, 'c');
    assert!(!app.quit);
    let q = quit_question(&app).expect("asks");
    assert!(
        q.contains("Quit, throwing away what you typed into \"Service\""),
        "{q}"
    );
    assert!(screen(&mut app, 80, 24).contains("Quit, throwing away"));
    key(&mut app, KeyCode::Char('n'));
    assert!(!app.quit && app.popups.scaffold().is_none());
    assert_eq!(values(&app)["name"], "svc-api");
    // q is typed into a text field, not a quit.
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    assert_eq!(values(&app)["name"], "svc-apiq");
    // ctrl-c twice quits; so does yes.
    ctrl(&mut app, 'c');
    ctrl(&mut app, 'c');
    assert!(app.quit);
    let mut app = demo_app();
    scaffold::start(&mut app, service_template(), None);
    type_text(&mut app, "x");
    ctrl(&mut app, 'c');
    key(&mut app, KeyCode::Char('y'));
    assert!(app.quit);

    // In the target prompt, on the review, and from a picker or a Discard question.
    for at in ["prompt", "review", "help", "discard"] {
        let mut app = demo_app();
        to_target_prompt(&mut app);
        type_text(&mut app, "./somewhere");
        match at {
            "prompt" => {}
            "review" => key(&mut app, KeyCode::Esc),
            "help" => {
                key(&mut app, KeyCode::Esc);
                key(&mut app, KeyCode::F(1));
                assert!(app.popups.overlay().is_some());
            }
            _ => {
                key(&mut app, KeyCode::Esc);
                key(&mut app, KeyCode::Esc);
                key(&mut app, KeyCode::Esc);
                assert!(matches!(app.popups.scaffold(), Some(Popup::Confirm(_))));
            }
        }
        ctrl(&mut app, 'c');
        assert!(!app.quit, "{at}");
        assert!(quit_question(&app).is_some(), "{at}: asks");
        assert!(
            app.popups.overlay().is_none(),
            "{at}: the question is in view"
        );
        key(&mut app, KeyCode::Esc);
        assert!(!app.quit, "{at}");
        assert!(app.scaffold.wizard.is_some(), "{at}: the form is kept");
        match at {
            "prompt" => {
                let Some(Popup::Target { input, .. }) = app.popups.scaffold() else {
                    panic!("the prompt is back");
                };
                assert_eq!(input.lines(), ["./somewhere"], "as typed");
            }
            "discard" => assert!(
                matches!(app.popups.scaffold(), Some(Popup::Confirm(_))),
                "the discard question is back"
            ),
            _ => assert!(app.popups.scaffold().is_none(), "{at}"),
        }
    }

    // A finished run leaves nothing to lose.
    let tmp = tempfile::tempdir().unwrap();
    let mut app = demo_app();
    to_target_prompt(&mut app);
    type_text(&mut app, &tmp.path().join("done").display().to_string());
    key(&mut app, KeyCode::Enter);
    run_jobs(&mut app);
    assert!(wizard(&app).run.as_ref().unwrap().succeeded());
    ctrl(&mut app, 'c');
    assert!(app.quit);
}

#[test]
fn ctrl_r_on_the_templates_reloads_them() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('n'));
    assert!(screen(&mut app, 80, 24).contains("5/5"));
    app.take_effects();
    ctrl(&mut app, 'r');
    assert!(
        app.take_effects().contains(&Effect::Reload),
        "ctrl-r reloads the catalogue"
    );
    assert!(
        screen(&mut app, 80, 24).contains("ctrl-r reload"),
        "and says so"
    );
    // What was read shows at once, without another key.
    let catalog = examples_catalog();
    let count = catalog
        .entities()
        .iter()
        .filter(|e| e.is_kind("Template"))
        .count();
    assert_ne!(count, 5);
    let index = std::sync::Arc::new(greenroom::search::SearchIndex::build(&catalog));
    app.handle(AppEvent::Loaded(Box::new(catalog), index));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains(&format!("{count}/{count}")), "{s}");
}

#[test]
fn the_problem_notice_goes_once_the_problems_are_fixed() {
    let mut app = demo_app();
    scaffold::start(&mut app, service_template(), None);
    // The name cleared and no description: two problems.
    ctrl(&mut app, 'u');
    ctrl(&mut app, 's');
    assert_eq!(
        notice(&app).as_deref(),
        Some("2 problems on this page: see the messages beside the fields")
    );
    // Focus went to the first problem (the name); fixing it leaves one.
    type_text(&mut app, "svc");
    assert_eq!(
        notice(&app).as_deref(),
        Some("1 problem on this page: see the messages beside the fields")
    );
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "A service");
    assert_eq!(notice(&app), None, "fixed: the notice goes");
    ctrl(&mut app, 's');
    assert_eq!(wizard(&app).stage, Stage::Review);
    let s = screen(&mut app, 80, 24);
    assert!(!s.contains("problem"), "{s}");

    // Straight on to the review once fixed (within the notice's seconds): no stale notice.
    let mut app = demo_app();
    scaffold::start(&mut app, service_template(), None);
    ctrl(&mut app, 's');
    assert!(notice(&app).unwrap().starts_with("1 problem"));
    let pasted = "A service";
    app.handle(AppEvent::Terminal(crossterm::event::Event::Paste(
        pasted.into(),
    )));
    ctrl(&mut app, 's');
    assert_eq!(wizard(&app).stage, Stage::Review);
    assert_eq!(notice(&app), None);
    assert!(!screen(&mut app, 80, 24).contains("1 problem"));
}

#[test]
fn the_owner_picker_fits_60_columns() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "techdocs");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.popups.scaffold(), Some(Popup::Picker(_))));
    let t = render(&mut app, 60, 24);
    let s = screen_text(&t);
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("group:"))
        .map(|l| l.split('│').nth(1).unwrap())
        .collect();
    assert!(rows.len() >= 10, "{s}");
    for row in &rows {
        // The ref, at least two spaces, then the group's title: never run together.
        let label = row[row.char_indices().nth(2).unwrap().0..]
            .split("  ")
            .next()
            .unwrap();
        assert!(!label.contains(' '), "{row:?}");
        assert!(
            row.trim_end().len() > label.len() + 4,
            "the title is there: {row:?}"
        );
    }
    insta::assert_snapshot!("picker_owner_60x24", t.backend());
}

/// An entity with a link, and the app on its link row.
fn on_entity_link(app: &mut Portal) -> String {
    app.open_entity(
        "component:default/checkout-service",
        greenroom::tui::entity::rows::Tab::Overview,
    );
    let link = |app: &App| match app.screen() {
        Screen::Entity(s) => app.rows()[s.cursor].link.clone(),
        _ => None,
    };
    for _ in 0..40 {
        if link(app).is_some() {
            break;
        }
        key(app, KeyCode::Down);
    }
    let url = link(app).expect("a link row");
    app.take_effects();
    url
}

#[test]
fn x_copies_a_link_when_nothing_here_can_open_it() {
    let mut app = demo_app();
    app.settings.opener = None;
    let url = on_entity_link(&mut app);
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.take_effects(), vec![Effect::Clipboard(url.clone())]);
    let n = notice(&app).unwrap();
    assert!(
        n.contains("no xdg-open here to open it, so copied instead") || n.contains("no open here"),
        "{n}"
    );
    assert!(!n.contains("opening"), "{n}");
    // With an opener it opens, and says with what.
    app.settings.opener = Some("/usr/bin/xdg-open".into());
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.take_effects(), vec![Effect::OpenUrl(url)]);
    assert!(notice(&app).unwrap().ends_with("with xdg-open"));
}

#[test]
fn template_output_links_open_only_with_a_safe_scheme() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = demo_app();
    to_target_prompt(&mut app);
    type_text(&mut app, &tmp.path().join("svc").display().to_string());
    key(&mut app, KeyCode::Enter);
    run_jobs(&mut app);
    assert!(wizard(&app).run.as_ref().unwrap().succeeded());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Evil") && s.contains("Repository"), "{s}");
    // The first link: javascript: is never handed to an opener, by x or Enter.
    for k in [KeyCode::Char('x'), KeyCode::Enter] {
        key(&mut app, k);
        assert_eq!(app.take_effects(), vec![], "{k:?}");
        let n = notice(&app).unwrap();
        assert!(n.contains("not opened (javascript:)"), "{n}");
        assert!(app.notice.as_ref().unwrap().error);
    }
    // Copying it is still possible: it is only text.
    key(&mut app, KeyCode::Char('Y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Clipboard(
            "javascript:alert(document.cookie)".into()
        )]
    );
    // The https one opens; without an opener it is copied and the notice says so.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::OpenUrl("https://example.com/svc".into())]
    );
    app.settings.opener = None;
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Clipboard("https://example.com/svc".into())]
    );
    assert!(notice(&app).unwrap().contains("copied instead"));
}

#[test]
fn copying_inside_tmux_says_when_tmux_drops_it() {
    fn tmux_defaults(name: &str) -> Option<String> {
        match name {
            "set-clipboard" => Some("external".into()),
            "allow-passthrough" => Some("off".into()),
            _ => None,
        }
    }
    fn clipboard_on(name: &str) -> Option<String> {
        Some(if name == "set-clipboard" { "on" } else { "off" }.into())
    }
    let mut app = demo_app();
    app.settings.tmux = true;
    app.settings.tmux_options = tmux_defaults;
    let url = on_entity_link(&mut app);
    key(&mut app, KeyCode::Char('Y'));
    // Sent anyway (the outer terminal may still get it), but not claimed as copied.
    assert_eq!(app.take_effects(), vec![Effect::Clipboard(url.clone())]);
    let n = app.notice.clone().unwrap();
    assert!(n.error, "{}", n.text);
    assert!(
        n.text.contains("set -g set-clipboard on") && !n.text.starts_with("copied"),
        "{}",
        n.text
    );
    assert!(screen(&mut app, 200, 30).contains("set-clipboard on"));
    app.settings.tmux_options = clipboard_on;
    key(&mut app, KeyCode::Char('Y'));
    let n = notice(&app).unwrap();
    assert!(
        n.starts_with("copied link") && n.ends_with("(OSC 52 via tmux)"),
        "{n}"
    );
}

/// One matcher behind every filtered list: the same text over the same items ranks them the
/// same in the templates list, a choices picker, an entity picker (and the core's candidates
/// it reads) and the command palette's entities.
#[test]
fn palette_pickers_and_templates_rank_the_same_text_identically() {
    use greenroom::scaffold::form::Choice;
    use greenroom::scaffold::pickers::{EntityPicker, PickerKind, stringify_ref};
    use greenroom::search::matcher;
    use greenroom::tui::app::{Overlay, PaletteItem};
    use greenroom::tui::scaffold::picker::{PickContext, PickSource, PickerPopup};
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('n'));
    for text in ["ts", "svc", "e i", "kfk"] {
        // The templates list.
        ctrl(&mut app, 'u');
        type_text(&mut app, text);
        let t = &app.scaffold.templates;
        let hays: Vec<String> = t.entries.iter().map(|e| e.haystack()).collect();
        let want = matcher::rank(text, hays.iter().map(String::as_str));
        assert_eq!(t.shown(), &want[..], "templates, {text:?}");
        // A choices picker over the same texts.
        let cx = PickContext {
            catalog: &app.catalog,
            user: None,
        };
        let choices = hays
            .iter()
            .map(|h| Choice {
                value: json!(h),
                label: h.clone(),
            })
            .collect();
        let key_path = wizard_key();
        let picker = PickerPopup::new(
            key_path,
            "t".into(),
            PickSource::Choices(choices),
            false,
            None,
            text,
            &cx,
        );
        let picked: Vec<&str> = picker.items().map(|i| i.label.as_str()).collect();
        let want_labels: Vec<&str> = want.iter().map(|i| hays[*i].as_str()).collect();
        assert_eq!(picked, want_labels, "choices picker, {text:?}");
    }
    // Entities: the entity picker, the core's candidates and the palette agree.
    let entity_picker = EntityPicker::from_options(
        PickerKind::Entity,
        &json!({"catalogFilter": {"kind": "Component"}}),
    );
    let catalog = app.catalog.clone();
    let cx = PickContext {
        catalog: &catalog,
        user: None,
    };
    for text in ["pay", "svc api", "ord"] {
        let popup = PickerPopup::new(
            wizard_key(),
            "owner".into(),
            PickSource::Entities(entity_picker.clone()),
            false,
            None,
            text,
            &cx,
        );
        let picked: Vec<String> = popup
            .items()
            .filter(|i| !i.typed)
            .map(|i| i.label.clone())
            .collect();
        let core: Vec<String> = entity_picker
            .candidates(&catalog, None, text)
            .into_iter()
            .map(|c| c.value)
            .collect();
        assert_eq!(picked, core, "tui picker and core candidates, {text:?}");
        assert!(!picked.is_empty(), "{text:?} finds components");
        // The palette lists the same components in the same order (entities whose name the
        // text starts or names go first there, so the texts here start no name).
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char(':'));
        ctrl(&mut app, 'u');
        type_text(&mut app, text);
        let Some(Overlay::Palette(p)) = app.popups.overlay() else {
            panic!("the palette is not open");
        };
        let palette: Vec<String> = p
            .items
            .iter()
            .filter_map(|i| match i {
                PaletteItem::Entity(k) => app.catalog.get(k),
                _ => None,
            })
            .filter(|e| e.is_kind("Component") && !e.name().starts_with(text))
            .map(stringify_ref)
            .collect();
        // The palette puts entities whose name the text starts first; the rest keep the
        // matcher's order.
        let picked: Vec<String> = picked
            .into_iter()
            .filter(|r| !r.rsplit('/').next().unwrap().starts_with(text))
            .collect();
        let n = palette.len().min(picked.len());
        assert!(n > 0, "{text:?}");
        assert_eq!(palette[..n], picked[..n], "palette and picker, {text:?}");
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char('n'));
    }
}

fn wizard_key() -> greenroom::tui::scaffold::form::StopKey {
    greenroom::tui::scaffold::form::StopKey {
        path: Default::default(),
        part: None,
    }
}
