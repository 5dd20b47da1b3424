//! What actions, typed keys and pastes do on the scaffolder's screens. The app hands them here
//! first; whatever is not the scaffolder's goes back to it (`false`).

use super::editor::{edit, line_editor, text_of};
use super::form::{Moved, Stop, StopKind};
use super::picker::{PickContext, PickSource, Picked, PickerPopup};
use super::run::{Job, JobKind};
use super::wizard::Stage;
use super::{Confirm, OnYes, Popup, Showing, View, show_wizard, showing, start};
use crate::scaffold::Template;
use crate::scaffold::exec::{LocalExecutor, workspace};
use crate::scaffold::form::Widget;
use crate::scaffold::remote::{RecentRun, RecentRuns, RemoteExecutor, ScaffolderClient};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, Screen};
use crate::tui::entity::rows::Tab;
use crossterm::event::KeyEvent;
use greenroom_hub::RunExecutor;
use serde_json::Value as Json;
use std::path::PathBuf;
use std::sync::Arc;
use tui_textarea::{Input, Key};

/// Actions that mean something only on the scaffolder's screens.
fn is_own(action: Action) -> bool {
    use Action::*;
    matches!(
        action,
        FieldNext
            | FieldPrev
            | FormActivate
            | FormToggle
            | ChoiceNext
            | ChoicePrev
            | ItemAdd
            | ItemRemove
            | PageNext
            | PagePrev
            | FormCancel
            | PickerChoose
            | PickerMark
            | PickerClose
            | ConfirmYes
            | ConfirmNo
            | ScaffoldCreate
            | ScaffoldDryRun
            | ScaffoldBack
            | ScaffoldCancel
            | ScaffoldToggleLog
    )
}

/// Handles an action if it is the scaffolder's; false hands it back to the app.
pub fn act(app: &mut App, action: Action) -> bool {
    if action == Action::Quit {
        return ask_before_quit(app);
    }
    // The help overlay and the palette take their keys first.
    if app.popups.overlay().is_some()
        && !matches!(action, Action::Templates | Action::ScaffoldStart)
    {
        return false;
    }
    match action {
        Action::Templates => {
            open_templates(app);
            return true;
        }
        Action::ScaffoldStart => {
            start_selected(app);
            return true;
        }
        _ => {}
    }
    let Some(showing) = showing(app) else {
        if is_own(action) {
            app.notify(
                "that works in a template's form: n lists the templates",
                true,
            );
            return true;
        }
        return false;
    };
    let catalog = app.catalog.clone();
    app.scaffold.templates.sync(&catalog);
    let handled = if app.popups.scaffold().is_some() {
        popup_act(app, action)
    } else {
        match showing {
            Showing::Templates => templates_act(app, action),
            Showing::Wizard(Stage::Form) => form_act(app, action),
            Showing::Wizard(Stage::Review) => review_act(app, action),
            Showing::Wizard(Stage::DryRun) => dry_run_act(app, action),
            Showing::Wizard(Stage::Create) => create_act(app, action),
        }
    };
    settle_problems_notice(app);
    handled
}

/// The templates view, with the current Template entity (if any) selected.
fn open_templates(app: &mut App) {
    let current = app.current_entity();
    let catalog = app.catalog.clone();
    let t = &mut app.scaffold.templates;
    t.sync(&catalog);
    if let Some(k) = current.filter(|k| catalog.get(k).is_some_and(|e| e.is_kind("Template"))) {
        t.select(&k);
    }
    if app.screen() != &Screen::Scaffold(View::Templates) {
        app.push(Screen::Scaffold(View::Templates));
    }
}

/// Starts the selected template (templates view), or the Template entity in view.
fn start_selected(app: &mut App) {
    let catalog = app.catalog.clone();
    app.scaffold.templates.sync(&catalog);
    let key = if showing(app) == Some(Showing::Templates) {
        app.scaffold.templates.selected().map(|e| e.key.clone())
    } else {
        app.current_entity()
            .filter(|k| catalog.get(k).is_some_and(|e| e.is_kind("Template")))
    };
    let Some(key) = key else {
        app.notify("select a template first (n lists them)", true);
        return;
    };
    if let Some(id) = key.strip_prefix(super::templates::PORT_KEY) {
        let id = id.to_owned();
        crate::tui::port::start_action(app, &id, None);
        return;
    }
    let Some(entry) = app.scaffold.templates.entries.iter().find(|e| e.key == key) else {
        app.notify(format!("{key} is not a template in this catalogue"), true);
        return;
    };
    match &entry.template {
        Ok(t) => {
            let t = t.clone();
            start(app, t, Some(key));
        }
        Err(e) => {
            let e = e.clone();
            app.notify(format!("cannot use this template: {e}"), true);
        }
    }
}

fn page(app: &App) -> usize {
    usize::from(app.geometry.body_rows.max(4) - 3)
}

fn templates_act(app: &mut App, action: Action) -> bool {
    let page = page(app);
    let t = &mut app.scaffold.templates;
    if t.list.step(action, page) {
        return true;
    }
    match action {
        Action::SearchClear => t.clear(),
        Action::Open => start_selected(app),
        _ => return false,
    }
    true
}

fn pick_context(app: &App) -> PickContext<'_> {
    PickContext {
        catalog: &app.catalog,
        user: app.scaffold.user.as_deref(),
    }
}

/// Opens the chooser for the focused select, checkbox group or catalogue picker.
fn open_picker(app: &mut App, typed: &str) {
    let Some(w) = app.scaffold.wizard.as_deref() else {
        return;
    };
    let Some(stop) = w.form.focused().cloned() else {
        return;
    };
    let field = &w.form.fields[stop.field];
    let (source, multi) = match (stop.kind, &field.widget) {
        (StopKind::Select, _) => (PickSource::Choices(w.form.focused_choices()), false),
        (StopKind::Checkboxes, _) => (PickSource::Choices(w.form.focused_choices()), true),
        (StopKind::Picker, Widget::Entity(p)) => (PickSource::Entities(p.clone()), p.is_multi()),
        (StopKind::Picker, Widget::EntityTags(t)) => (PickSource::Tags(t.clone()), true),
        _ => return,
    };
    let title = match stop.key.part {
        Some(name) => {
            let part = w
                .form
                .repo_parts(&stop.key.path)
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.label.clone())
                .unwrap_or_default();
            format!("{} · {part}", field.label)
        }
        None => field.label.clone(),
    };
    let current = w.form.stop_value(&stop);
    let popup = PickerPopup::new(
        stop.key,
        title,
        source,
        multi,
        current.as_ref(),
        typed,
        &pick_context(app),
    );
    app.popups.set_scaffold(Popup::Picker(Box::new(popup)));
}

fn form_act(app: &mut App, action: Action) -> bool {
    let catalog = app.catalog.clone();
    let user = app.scaffold.user.clone();
    let Some(w) = app.scaffold.wizard.as_deref_mut() else {
        return false;
    };
    let f = &mut w.form;
    match action {
        Action::FieldNext => f.cycle_focus(1),
        Action::FieldPrev => f.cycle_focus(-1),
        Action::Down => {
            f.move_vertically(1);
        }
        Action::Up => {
            f.move_vertically(-1);
        }
        Action::FormActivate => match f.focused().map(|s| s.kind) {
            Some(StopKind::Text { multiline: true }) => f.new_line(),
            Some(StopKind::Text { .. } | StopKind::Item) | None => {
                if f.move_focus(1) == Moved::Edge {
                    return form_act(app, Action::PageNext);
                }
            }
            Some(StopKind::Toggle) => f.toggle(),
            Some(StopKind::Select | StopKind::Checkboxes | StopKind::Picker) => {
                open_picker(app, "")
            }
            Some(StopKind::List) => {
                f.add_item();
            }
        },
        Action::FormToggle => match f.focused().map(|s| s.kind) {
            Some(StopKind::Picker) => open_picker(app, ""),
            Some(StopKind::List) => {
                f.add_item();
            }
            _ => f.toggle(),
        },
        Action::ChoiceNext => f.choose_step(1),
        Action::ChoicePrev => f.choose_step(-1),
        Action::ItemAdd => {
            if !f.add_item() {
                app.notify("no list here to add to", true);
            }
        }
        Action::ItemRemove => {
            if !f.remove_item() {
                app.notify(
                    "to remove a list item, go to its heading (#1, #2, …) and remove it there",
                    true,
                );
            }
        }
        Action::PageNext => match f.next_page() {
            Ok(Some(_)) => {}
            Ok(None) => w.to_review(&catalog, user.as_deref()),
            Err(n) => {
                let page = f.page;
                let text = problems_text(n);
                app.notify(text.clone(), true);
                app.scaffold.problems_notice = Some((text, page));
            }
        },
        Action::PagePrev => {
            if !f.previous_page() {
                app.notify("this is the first page (Esc leaves the form)", false);
            }
        }
        Action::FormCancel => leave_form(app),
        _ => return false,
    }
    true
}

/// Quitting (`q`, ctrl-c) while a form holds typed input or a run is going asks first, as Esc
/// does; the same key again, or yes, quits. False lets the app quit at once.
fn ask_before_quit(app: &mut App) -> bool {
    if let Some(Popup::Confirm(Confirm {
        yes: OnYes::Quit(_),
        ..
    })) = app.popups.scaffold()
    {
        app.popups.take_scaffold();
        return false;
    }
    let Some(w) = app.scaffold.wizard.as_deref() else {
        return false;
    };
    let elsewhere = w.run.as_ref().map(|r| {
        (
            r.cancel.remote().map(|r| r.backend),
            r.cancel.follows_only(),
        )
    });
    let question = if w.running() {
        match elsewhere {
            // A run on Backstage or Port survives quitting: the runs list finds it again.
            Some((Some(backend), _)) => format!(
                "\"{}\" is still running on Backstage at {backend}. Quit? It goes on there (P finds it again)",
                w.template.title
            ),
            Some((None, true)) => format!(
                "\"{}\" is still running in Port. Quit? It goes on there (P finds it again)",
                w.template.title
            ),
            _ => format!(
                "\"{}\" is still running. Quit anyway, cancelling it?",
                w.template.title
            ),
        }
    } else if w.unsaved() {
        format!(
            "Quit, throwing away what you typed into \"{}\"?",
            w.template.title
        )
    } else {
        return false;
    };
    // Asked where it can be seen: over the form, whatever was in front of it.
    app.popups.close_overlays();
    show_wizard(app);
    let behind = app.popups.take_scaffold().map(Box::new);
    app.popups.set_scaffold(Popup::Confirm(Confirm {
        question,
        yes: OnYes::Quit(behind),
    }));
    true
}

fn problems_text(n: usize) -> String {
    format!(
        "{n} problem{} on this page: see the messages beside the fields",
        if n == 1 { "" } else { "s" }
    )
}

/// Takes down the "N problems" notice once it is no longer true: the problems were fixed, or
/// the form is on another page or stage.
fn settle_problems_notice(app: &mut App) {
    let Some((text, page)) = app.scaffold.problems_notice.take() else {
        return;
    };
    if app.notice.as_ref().is_none_or(|n| n.text != text) {
        return;
    }
    let now = app
        .scaffold
        .wizard
        .as_deref()
        .filter(|w| w.stage == Stage::Form && w.form.page == page && showing(app).is_some())
        .map(|w| w.form.problem_count());
    match now {
        Some(n) if n > 0 => {
            // Still problems here: the count follows what is left.
            let text = problems_text(n);
            if let Some(notice) = app.notice.as_mut() {
                notice.text.clone_from(&text);
            }
            app.scaffold.problems_notice = Some((text, page));
        }
        _ => {
            app.notice = None;
            app.dirty = true;
        }
    }
}

/// Esc on the form: leave, asking first when something typed would be lost.
fn leave_form(app: &mut App) {
    let Some(w) = app.scaffold.wizard.as_deref() else {
        return;
    };
    if w.unsaved() {
        app.popups.set_scaffold(Popup::Confirm(Confirm {
            question: format!("Throw away what you typed into \"{}\"?", w.template.title),
            yes: OnYes::Discard,
        }));
    } else {
        discard(app);
    }
}

fn discard(app: &mut App) {
    app.scaffold.wizard = None;
    if app.can_go_back() {
        app.act(Action::Back);
    } else {
        open_templates(app);
    }
}

fn review_act(app: &mut App, action: Action) -> bool {
    let page = page(app);
    let Some(w) = app.scaffold.wizard.as_deref_mut() else {
        return false;
    };
    let last = w.review.len();
    match action {
        Action::Up => w.review_scroll = w.review_scroll.saturating_sub(1),
        Action::Down => w.review_scroll = (w.review_scroll + 1).min(last),
        Action::PageUp => w.review_scroll = w.review_scroll.saturating_sub(page),
        Action::PageDown => w.review_scroll = (w.review_scroll + page).min(last),
        Action::Top => w.review_scroll = 0,
        Action::Bottom => w.review_scroll = last,
        Action::ScaffoldBack => w.back_to_form(),
        Action::ScaffoldDryRun if w.port.is_some() => {
            app.notify("a Port action has no dry run: Enter sends it to Port", true);
        }
        Action::ScaffoldCreate if w.port.is_some() => {
            if w.review_errors.is_empty() {
                crate::tui::port::start_run(app);
            } else {
                app.notify(
                    "fix the problems listed first (Esc goes back to the form)",
                    true,
                );
            }
        }
        Action::ScaffoldDryRun => dry_run(app),
        Action::ScaffoldCreate => ask_target(app),
        _ => return false,
    }
    true
}

/// How a reviewed form is run: on what, where it shows, and whether it is a dry run.
pub struct Launch {
    pub executor: Arc<dyn RunExecutor>,
    /// The folder a local run writes into.
    pub target: Option<PathBuf>,
    /// The backend a remote run (or dry run) goes to, as the screens name it.
    pub remote: Option<String>,
    pub dry: bool,
}

/// What builds a run's executor once the task is known (an error is told, and nothing runs).
/// HTTP clients are made here, never before: one made and then dropped on the portal's
/// async thread would panic (reqwest's blocking client).
pub type MakeLaunch<'a> =
    Box<dyn FnOnce(&crate::scaffold::TaskSpec) -> Result<Launch, String> + 'a>;

/// The start of every run from the wizard (local, dry, Backstage, Port): refuses a second run
/// and a form with problems, builds the task as the command line does, then hands it with the
/// executor `make` chooses to the hub's run service, followed on the run screen.
pub fn launch(
    app: &mut App,
    make: impl FnOnce(&crate::scaffold::TaskSpec) -> Result<Launch, String>,
) {
    launch_task(app, None, Box::new(make));
}

/// [`launch`] with the task given (following a run that already exists: its stored values).
pub fn launch_task(app: &mut App, given: Option<crate::scaffold::TaskSpec>, make: MakeLaunch<'_>) {
    let catalog = app.catalog.clone();
    let user = app.scaffold.user.clone();
    let id = app.scaffold.next_id();
    let Some(w) = app.scaffold.wizard.as_deref_mut() else {
        return;
    };
    if w.running() {
        app.notify("a run is already in progress", true);
        return;
    }
    let task = match given.map_or_else(|| w.task(&catalog, user.as_deref()), Ok) {
        Ok(t) => t,
        Err(errors) => {
            w.review_errors = errors;
            app.notify("fix the problems listed first", true);
            return;
        }
    };
    let Launch {
        executor,
        target,
        remote,
        dry,
    } = match make(&task) {
        Ok(l) => l,
        Err(e) => {
            app.notify(e, true);
            return;
        }
    };
    w.begin_run(id, target, remote, executor.clone());
    w.stage = if dry { Stage::DryRun } else { Stage::Create };
    if let Some(run) = w.run.as_mut() {
        run.dry = dry;
    }
    app.push_effect(Effect::Scaffold(Job {
        id,
        kind: JobKind::Run {
            task: Box::new(task),
            executor,
        },
    }));
}

/// Starts the wizard's task on a Backstage backend, followed live like a local run.
fn start_remote(app: &mut App, source: &crate::sources::backstage::BackstageSource) {
    let recent = app.scaffold.recent_runs.clone();
    launch(app, move |task| {
        let client = ScaffolderClient::for_source(source)
            .map_err(|e| format!("cannot run on Backstage: {e}"))?;
        let backend = client.base_url().to_owned();
        let mut executor = RemoteExecutor::new(client);
        let template_ref = task.template.entity_ref.clone();
        let remembered = backend.clone();
        executor.on_created = Some(Arc::new(move |task_id: &str| {
            let Some(path) = &recent else { return };
            let (mut runs, _) = RecentRuns::load(path);
            if let Err(e) = runs.add(RecentRun {
                backend: remembered.clone(),
                task_id: task_id.to_owned(),
                template_ref: template_ref.clone(),
            }) {
                tracing::warn!("remembering the task: {e}");
            }
        }));
        Ok(Launch {
            executor: Arc::new(executor),
            target: None,
            remote: Some(backend),
            dry: false,
        })
    });
}

/// A dry run: on the template's Backstage backend (`POST /v2/dry-run`) when it runs there,
/// else here.
fn dry_run(app: &mut App) {
    let Some(w) = app.scaffold.wizard.as_deref() else {
        return;
    };
    match app.scaffold.remote_backend(&w.template) {
        Ok(Some(source)) => launch(app, move |_| {
            let client = ScaffolderClient::for_source(&source)
                .map_err(|e| format!("cannot dry-run on Backstage: {e}"))?;
            Ok(Launch {
                remote: Some(client.base_url().to_owned()),
                executor: Arc::new(RemoteDryRun(client)),
                target: None,
                dry: true,
            })
        }),
        Ok(None) => start_run(app, None, false),
        Err(e) => app.notify(e, true),
    }
}

/// A dry run on the backend: one request; its log, files and output come back whole.
struct RemoteDryRun(ScaffolderClient);

impl RunExecutor for RemoteDryRun {
    fn run(
        &self,
        task: &crate::scaffold::TaskSpec,
        events: &mut dyn FnMut(&crate::scaffold::TaskEvent),
    ) -> crate::scaffold::RunResult {
        match self.0.dry_run(task) {
            Ok(result) => {
                for e in &result.events {
                    events(e);
                }
                result
            }
            Err(e) => {
                let why = format!(
                    "the dry run on Backstage at {} failed: {e}",
                    self.0.base_url()
                );
                let end = crate::scaffold::TaskEvent::Completion {
                    status: crate::scaffold::exec::TaskStatus::Failed,
                    output: serde_json::json!({}),
                    error: Some(why.clone()),
                };
                events(&end);
                let mut r = super::run::not_started(why);
                r.events.push(end);
                r
            }
        }
    }

    /// One request, over when it answers: nothing to stop.
    fn cancel(&self) {}

    fn remote(&self) -> Option<greenroom_hub::run::RemoteRun> {
        Some(greenroom_hub::run::RemoteRun {
            backend: self.0.base_url().to_owned(),
            task_id: None,
        })
    }
}

fn ask_target(app: &mut App) {
    let Some(w) = app.scaffold.wizard.as_deref() else {
        return;
    };
    if !app.settings.local_scaffold {
        app.notify(
            "runs that write files are off on this server (the dry run works; [serve] allow_local_scaffold)",
            true,
        );
        return;
    }
    if !w.review_errors.is_empty() {
        app.notify(
            "fix the problems listed first (Esc goes back to the form)",
            true,
        );
        return;
    }
    match app.scaffold.remote_backend(&w.template) {
        Ok(Some(source)) => return start_remote(app, &source),
        Ok(None) => {}
        Err(e) => {
            app.notify(e, true);
            return;
        }
    }
    let Some(w) = app.scaffold.wizard.as_deref() else {
        return;
    };
    let default = w.default_target();
    app.popups.set_scaffold(Popup::Target {
        input: Box::new(line_editor(&default, "a folder, like ./my-service")),
        error: None,
    });
}

/// Starts a dry run (`target` none) or a run into `target`, on the worker.
fn start_run(app: &mut App, target: Option<PathBuf>, overwrite: bool) {
    launch(app, move |_| {
        let executor: Arc<dyn RunExecutor> = Arc::new(match &target {
            Some(t) => LocalExecutor::write_to(t, overwrite),
            None => LocalExecutor::dry_run(),
        });
        Ok(Launch {
            dry: target.is_none(),
            target: target.map(|t| std::path::absolute(&t).unwrap_or(t)),
            executor,
            remote: None,
        })
    });
}

fn dry_run_act(app: &mut App, action: Action) -> bool {
    let page = page(app);
    let Some(w) = app.scaffold.wizard.as_deref_mut() else {
        return false;
    };
    let Some(run) = w.run.as_mut() else {
        return false;
    };
    if run.running() {
        return match action {
            Action::ScaffoldCancel | Action::ScaffoldBack => {
                run.cancel.cancel();
                w.stage = Stage::Review;
                true
            }
            Action::Up => {
                run.move_cursor(run.cursor.saturating_sub(1));
                true
            }
            Action::Down => {
                run.move_cursor(run.cursor + 1);
                true
            }
            _ => false,
        };
    }
    let log_len = run.log_lines().len();
    let Some(p) = run.preview.as_mut() else {
        return false;
    };
    let log_end = log_len.saturating_sub(page);
    match action {
        Action::ScaffoldToggleLog => p.show_log = !p.show_log,
        Action::Up if p.show_log => p.log_scroll = p.log_scroll.saturating_sub(1),
        Action::Down if p.show_log => p.log_scroll = (p.log_scroll + 1).min(log_end),
        Action::PageUp if p.show_log => p.log_scroll = p.log_scroll.saturating_sub(page),
        Action::PageDown if p.show_log => p.log_scroll = (p.log_scroll + page).min(log_end),
        Action::Top if p.show_log => p.log_scroll = 0,
        Action::Bottom if p.show_log => p.log_scroll = log_end,
        Action::Up => p.step(-1),
        Action::Down => p.step(1),
        Action::PageUp => p.scroll = p.scroll.saturating_sub(page),
        Action::PageDown => {
            let len = p.selected_file().map_or(0, |f| f.lines.len());
            p.scroll = (p.scroll + page).min(len.saturating_sub(1));
        }
        Action::Top => p.first(false),
        Action::Bottom => p.first(true),
        Action::ScaffoldBack | Action::ScaffoldCancel => w.stage = Stage::Review,
        Action::ScaffoldDryRun => dry_run(app),
        Action::ScaffoldCreate => ask_target(app),
        _ => return false,
    }
    true
}

fn create_act(app: &mut App, action: Action) -> bool {
    let page = page(app);
    let Some(w) = app.scaffold.wizard.as_deref_mut() else {
        return false;
    };
    let Some(run) = w.run.as_mut() else {
        return false;
    };
    match action {
        Action::Up => run.move_cursor(run.cursor.saturating_sub(1)),
        Action::Down => run.move_cursor(run.cursor + 1),
        Action::Top => run.move_cursor(0),
        Action::Bottom => run.move_cursor(usize::MAX),
        Action::PageUp => {
            let len = run
                .shown_step()
                .map_or(0, |i| run.progress.steps[i].log.len());
            run.log_scroll = (run.log_scroll + page).min(len.saturating_sub(1));
        }
        Action::PageDown => run.log_scroll = run.log_scroll.saturating_sub(page),
        Action::ScaffoldCancel if run.running() => {
            run.cancel.cancel();
            run.cancelling = true;
            let text = match &run.remote {
                Some(b) => format!("cancelling: asked Backstage at {b} to cancel the task"),
                None if run.cancel.follows_only() => {
                    "stopped following: the run goes on in Port (its API has no cancel); P finds it again".to_owned()
                }
                None => "cancelling: the run stops before its next step".to_owned(),
            };
            app.notify(text, false);
        }
        Action::ScaffoldBack if run.running() => {
            app.notify("a run is in progress; Esc cancels it", true);
        }
        Action::ScaffoldCancel | Action::ScaffoldBack => {
            if run.succeeded() {
                app.act(Action::Back);
            } else {
                w.stage = Stage::Review;
            }
        }
        Action::Open | Action::OpenLink => open_output_link(app),
        Action::CopyLink | Action::CopyRef => {
            let target = run
                .selected_link()
                .and_then(|l| l.target().map(str::to_owned));
            match target {
                Some(t) => copy(app, t),
                None => app.notify("select one of the output links first", true),
            }
        }
        _ => return false,
    }
    true
}

fn copy(app: &mut App, text: String) {
    app.copy(text, "output link");
}

/// Enter on an output link: an entity opens in the portal, a URL in the browser (copied
/// instead over SSH).
fn open_output_link(app: &mut App) {
    let Some(link) = app
        .scaffold
        .wizard
        .as_ref()
        .and_then(|w| w.run.as_ref())
        .and_then(|r| r.selected_link())
        .cloned()
    else {
        app.notify("select one of the output links first", true);
        return;
    };
    if let Some(r) = &link.entity_ref {
        if app.catalog.get(r).is_some() {
            app.open_entity(r, Tab::Overview);
            return;
        }
        if link.url.is_none() {
            app.notify(format!("{r} is not in the catalogue (yet)"), true);
            return;
        }
    }
    let Some(url) = link.url else {
        return;
    };
    // The template chose this URL: the same rule as entity links (http, https, mailto).
    app.open_link(&url);
}

fn popup_act(app: &mut App, action: Action) -> bool {
    let page = page(app);
    let Some(popup) = app.popups.take_scaffold() else {
        return false;
    };
    match popup {
        Popup::Picker(mut p) => {
            let handled = match action {
                Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom => p.list.step(action, page),
                Action::PickerMark if p.multi => {
                    p.mark();
                    true
                }
                Action::PickerMark => {
                    // A space in a one-choice filter is just a space.
                    p.insert_str(" ");
                    true
                }
                Action::PickerClose => return true,
                Action::PickerChoose => match p.choose() {
                    Ok(picked) => {
                        apply_pick(app, &p.target, picked);
                        return true;
                    }
                    Err(_) => true,
                },
                _ => false,
            };
            app.popups.set_scaffold(Popup::Picker(p));
            handled
        }
        Popup::Confirm(c) => match action {
            Action::ConfirmYes => {
                match c.yes {
                    OnYes::Discard => discard(app),
                    OnYes::Overwrite(target) => start_run(app, Some(target), true),
                    OnYes::Replace(template, key) => {
                        app.scaffold.wizard = None;
                        start(app, *template, key);
                    }
                    OnYes::Quit(_) => {
                        if let Some(run) = app
                            .scaffold
                            .wizard
                            .as_ref()
                            .and_then(|w| w.run.as_ref())
                            .filter(|r| r.running())
                            .filter(|r| r.cancel.remote().is_none() && !r.cancel.follows_only())
                        {
                            // Local runs stop; remote ones go on (the runs list re-attaches).
                            run.cancel.cancel();
                        }
                        app.quit = true;
                    }
                }
                true
            }
            Action::ConfirmNo => {
                // Not quitting: back to what was open (a prompt, a picker), as it was.
                if let OnYes::Quit(Some(behind)) = c.yes {
                    app.popups.set_scaffold(*behind);
                }
                true
            }
            _ => {
                app.popups.set_scaffold(Popup::Confirm(c));
                false
            }
        },
        Popup::Target { input, error } => match action {
            Action::ConfirmYes => {
                let target = match app.scaffold.resolve_target(&text_of(&input)) {
                    Ok(t) => t,
                    Err(e) => {
                        app.popups.set_scaffold(Popup::Target {
                            input,
                            error: Some(e),
                        });
                        return true;
                    }
                };
                if workspace::is_occupied(&target) {
                    app.popups.set_scaffold(Popup::Confirm(Confirm {
                        question: format!(
                            "{} already exists and is not empty. Replace everything in it?",
                            crate::text::sanitize_line(&target.display().to_string())
                        ),
                        yes: OnYes::Overwrite(target),
                    }));
                } else {
                    start_run(app, Some(target), false);
                }
                true
            }
            Action::ConfirmNo => true,
            _ => {
                app.popups.set_scaffold(Popup::Target { input, error });
                false
            }
        },
    }
}

/// Puts what was chosen in a picker into the form.
fn apply_pick(app: &mut App, target: &super::form::StopKey, picked: Picked) {
    let Some(w) = app.scaffold.wizard.as_deref_mut() else {
        return;
    };
    let f = &mut w.form;
    let Some(stop): Option<Stop> = f.stops.iter().find(|s| &s.key == target).cloned() else {
        return;
    };
    match (stop.kind, picked) {
        (StopKind::Select, Picked::One(v)) => f.choose(&stop, v),
        (StopKind::Checkboxes, Picked::Many(values)) => {
            let choices = f.focused_choices();
            f.set_many(&stop.key.path, &choices, values);
        }
        (_, Picked::One(v)) => f.set_value(&stop.key.path, v),
        (_, Picked::Many(values)) => f.set_value(&stop.key.path, Json::Array(values)),
    }
}

/// A key bound to nothing, on a scaffolder screen: typed into the filter, field or target
/// line, or (on a picker field) opening the picker with it. True when it was the scaffolder's.
pub fn type_key(app: &mut App, key: KeyEvent) -> bool {
    let handled = type_key_here(app, key);
    settle_problems_notice(app);
    handled
}

fn type_key_here(app: &mut App, key: KeyEvent) -> bool {
    let Some(showing) = showing(app) else {
        return false;
    };
    let input = Input::from(key);
    match app.popups.scaffold_mut() {
        Some(Popup::Picker(p)) => {
            p.edit(input);
            return true;
        }
        Some(Popup::Target { input: line, error }) => {
            if input.key != Key::Enter && edit(line, input) {
                *error = None;
            }
            return true;
        }
        Some(Popup::Confirm(_)) => return true,
        None => {}
    }
    match showing {
        Showing::Templates => {
            app.scaffold.templates.list.edit(input);
        }
        Showing::Wizard(Stage::Form) => {
            let Some(w) = app.scaffold.wizard.as_deref_mut() else {
                return true;
            };
            match w.form.focused().map(|s| s.kind) {
                Some(StopKind::Text { .. }) => {
                    w.form.input(input);
                }
                Some(StopKind::Picker) => {
                    if let Key::Char(c) = input.key
                        && !input.ctrl
                        && !input.alt
                    {
                        open_picker(app, &c.to_string());
                    }
                }
                _ => {}
            }
        }
        Showing::Wizard(_) => {}
    }
    true
}

/// Bracketed paste on a scaffolder screen goes to the filter, field or line in focus (and
/// never falls through to the catalogue search).
pub fn paste(app: &mut App, text: &str) -> bool {
    let handled = paste_here(app, text);
    settle_problems_notice(app);
    handled
}

fn paste_here(app: &mut App, text: &str) -> bool {
    let Some(showing) = showing(app) else {
        return false;
    };
    let line = crate::text::sanitize_line(text).into_owned();
    match app.popups.scaffold_mut() {
        Some(Popup::Picker(p)) => {
            p.insert_str(&line);
        }
        Some(Popup::Target { input, .. }) => {
            input.insert_str(line);
        }
        Some(Popup::Confirm(_)) => {}
        None => match showing {
            Showing::Templates => {
                app.scaffold.templates.list.insert_str(&line);
            }
            Showing::Wizard(Stage::Form) => {
                if let Some(w) = app.scaffold.wizard.as_deref_mut() {
                    w.form.paste(text);
                }
            }
            Showing::Wizard(_) => {}
        },
    }
    app.dirty = true;
    true
}

/// For tests and callers outside the portal: start a template directly.
pub fn start_template(app: &mut App, template: Template) {
    start(app, template, None);
}
