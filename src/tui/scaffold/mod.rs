//! The scaffolder in the portal: the templates view, template forms driven by the scaffolder
//! core's form model, pickers, the review, dry runs and runs with live progress. State and
//! what actions do to it live here (the app calls in through a few hooks); drawing lives in
//! `view`; runs happen on a worker thread (`run`).

pub mod act;
pub mod editor;
pub mod form;
pub mod picker;
pub mod progress;
pub mod run;
pub mod target;
pub mod templates;
pub mod view;
pub mod wizard;

use super::app::{App, Screen};
use super::keymap::Context;
use crate::catalog::{RefContext, parse_ref};
use crate::scaffold::Template;
use crate::scaffold::exec::Registration;
use picker::PickerPopup;
use run::RunEvent;
use std::path::PathBuf;
use std::time::Instant;
use templates::TemplatesState;
use tui_textarea::TextArea;
use wizard::{Stage, Wizard};

/// Which scaffolder screen is shown (the history records it like any screen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Templates,
    /// The form, review or run of the current template (the templates when there is none).
    Wizard,
}

/// What a confirmation leads to.
pub enum OnYes {
    /// Throw the form away and leave.
    Discard,
    /// Replace the occupied target folder.
    Overwrite(PathBuf),
    /// Start another template, throwing the unfinished form away.
    Replace(Box<Template>, Option<String>),
    /// Quit greenroom, throwing the unfinished form (or the run) away; "no" brings back the
    /// popup that was open when quitting was asked for.
    Quit(Option<Box<Popup>>),
}

pub struct Confirm {
    pub question: String,
    pub yes: OnYes,
}

/// A popup over the scaffolder's screens; it takes the keys while open. It lives on the app's
/// one popup stack (`App::popups`, under any overlay opened after it).
pub enum Popup {
    Picker(Box<PickerPopup>),
    Confirm(Confirm),
    /// Asking where to create the result.
    Target {
        input: Box<TextArea<'static>>,
        error: Option<String>,
    },
}

#[derive(Default)]
pub struct ScaffoldState {
    /// The User entity ref that is "me" (OwnedEntityPicker, MyGroupsPicker, `user.ref`).
    pub user: Option<String>,
    pub templates: TemplatesState,
    pub wizard: Option<Box<Wizard>>,
    /// The home folder `~` and `$HOME` stand for in the target prompt (the client's `$HOME`
    /// when unset).
    pub home: Option<PathBuf>,
    /// The client's `$HOME` (the session's environment, not the server's).
    pub env_home: Option<PathBuf>,
    /// The "N problems on this page" notice shown, and for which page: it goes as soon as it
    /// no longer tells the truth (fixed, another page, the review).
    problems_notice: Option<(String, usize)>,
    next_id: u64,
    /// The configured Backstage sources: where templates they served run.
    pub backends: Vec<crate::sources::backstage::BackstageSource>,
    /// `[scaffold] run`: where templates run by default.
    pub run_place: crate::scaffold::config::RunPlace,
    /// The tasks started on a backend (`remote-runs.json` in the state dir), to find them
    /// again after a restart.
    pub recent_runs: Option<PathBuf>,
}

impl ScaffoldState {
    /// The backend a template will run on, or `None` to run it here; an error when it should
    /// run remotely but no configured source can take it.
    pub fn remote_backend(
        &self,
        template: &Template,
    ) -> Result<Option<crate::sources::backstage::BackstageSource>, String> {
        if !crate::scaffold::remote::runs_remotely(template, self.run_place) {
            return Ok(None);
        }
        crate::scaffold::remote::backend_for(template, &self.backends).map(|b| Some(b.clone()))
    }

    /// The folder the target prompt's text names (`~` and `$HOME` expanded), or why not.
    pub fn resolve_target(&self, typed: &str) -> Result<PathBuf, String> {
        target::resolve(typed, self.home.as_deref().or(self.env_home.as_deref()))
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A new run's id (Port's runs share the numbering).
    pub fn next_run_id(&mut self) -> u64 {
        self.next_id()
    }
}

/// The current user from the config: `[scaffold] user`, else `[status] user` when that is a
/// User ref. Written in full (`user:default/ada`).
pub fn current_user(config: &crate::config::Config) -> Option<String> {
    let given = config.scaffold.user.clone().or_else(|| {
        config
            .status
            .user
            .clone()
            .filter(|u| u.to_ascii_lowercase().starts_with("user:"))
    })?;
    let ctx = RefContext {
        default_kind: Some("User"),
        default_namespace: Some("default"),
    };
    parse_ref(given.trim(), ctx).ok().map(|r| r.canonical())
}

/// What the scaffolder screen shows now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Showing {
    Templates,
    Wizard(Stage),
}

pub fn showing(app: &App) -> Option<Showing> {
    let Screen::Scaffold(view) = app.screen() else {
        return None;
    };
    Some(match (view, &app.scaffold.wizard) {
        (View::Wizard, Some(w)) => Showing::Wizard(w.stage),
        _ => Showing::Templates,
    })
}

/// The most specific keymap context of the scaffolder screens (`None` elsewhere).
pub fn context(app: &App) -> Option<Context> {
    let showing = showing(app)?;
    if let Some(p) = app.popups.scaffold() {
        return Some(match p {
            Popup::Picker(_) => Context::Picker,
            Popup::Confirm(_) => Context::Confirm,
            Popup::Target { .. } => Context::Prompt,
        });
    }
    let w = app.scaffold.wizard.as_deref();
    Some(match showing {
        Showing::Templates => Context::Templates,
        Showing::Wizard(Stage::Form) => {
            if w.is_some_and(|w| w.form.typing()) {
                Context::Form
            } else {
                Context::Choice
            }
        }
        Showing::Wizard(Stage::Review) => Context::Review,
        Showing::Wizard(Stage::DryRun) if !w.is_some_and(Wizard::running) => Context::Preview,
        Showing::Wizard(Stage::DryRun | Stage::Create) => Context::Progress,
    })
}

/// Whether keys bound to nothing are typed (into a filter, a field, the target line), or open
/// the focused picker.
pub fn typing(app: &App) -> bool {
    if app.popups.overlay().is_some() {
        return false;
    }
    let Some(showing) = showing(app) else {
        return false;
    };
    match app.popups.scaffold() {
        Some(Popup::Picker(_) | Popup::Target { .. }) => true,
        Some(Popup::Confirm(_)) => false,
        None => match showing {
            Showing::Templates => true,
            Showing::Wizard(Stage::Form) => app.scaffold.wizard.as_ref().is_some_and(|w| {
                matches!(
                    w.form.focused().map(|s| s.kind),
                    Some(form::StopKind::Text { .. } | form::StopKind::Picker)
                )
            }),
            Showing::Wizard(_) => false,
        },
    }
}

/// The entity the scaffolder screen is about (for copying its ref).
pub fn selected_entity(app: &App) -> Option<String> {
    match showing(app)? {
        Showing::Templates => app.scaffold.templates.selected().map(|e| e.key.clone()),
        Showing::Wizard(stage) => {
            let w = app.scaffold.wizard.as_ref()?;
            let link = w
                .run
                .as_ref()
                .filter(|_| stage == Stage::Create)
                .and_then(|r| r.selected_link())
                .and_then(|l| l.entity_ref.clone());
            link.or_else(|| w.entity_key.clone())
        }
    }
}

/// When a run's spinner next turns (nothing while idle).
pub fn deadline(app: &App) -> Option<Instant> {
    app.scaffold
        .wizard
        .as_ref()
        .and_then(|w| w.run.as_ref())
        .and_then(progress::RunState::deadline)
}

pub fn on_deadline(app: &mut App, now: Instant) {
    let visible = showing(app).is_some();
    if let Some(run) = app.scaffold.wizard.as_mut().and_then(|w| w.run.as_mut())
        && run.tick(now)
        && visible
    {
        app.dirty = true;
    }
}

/// A new catalogue is about to be shown: the templates view follows it at once, and a load
/// says what became of the registered entities (the hub added them back before publishing).
pub fn after_load(
    app: &mut App,
    loaded: &std::sync::Arc<crate::catalog::Catalog>,
    change: Option<&greenroom_hub::catalog::Change>,
) {
    app.scaffold.templates.sync(loaded);
    let Some(greenroom_hub::catalog::Change::Loaded { kept, gone }) = change else {
        return;
    };
    if !gone.is_empty() {
        app.notify(
            format!("registered here, now gone: {}", gone_text(gone)),
            true,
        );
    } else if app.catalog_version > 1 && !kept.is_empty() {
        app.notify(
            format!("reloaded; kept what was registered: {}", kept.join(", ")),
            false,
        );
    }
}

fn gone_text(gone: &[Registration]) -> String {
    let what: Vec<String> = gone
        .iter()
        .map(|r| {
            format!(
                "{} ({} can no longer be read)",
                r.entity_ref.as_deref().unwrap_or("an entity"),
                r.catalog_info.display()
            )
        })
        .collect();
    what.join(", ")
}

/// A report from the worker.
pub fn on_event(app: &mut App, event: RunEvent) {
    let visible = showing(app).is_some();
    match event {
        RunEvent::Task { id, event } => {
            if let Some(run) = app
                .scaffold
                .wizard
                .as_mut()
                .and_then(|w| w.run.as_mut())
                .filter(|r| r.id == id)
            {
                run.apply(&event);
                app.dirty |= visible;
            }
        }
        RunEvent::Finished { id, result } => {
            let Some(w) = app
                .scaffold
                .wizard
                .as_mut()
                .filter(|w| w.run.as_ref().is_some_and(|r| r.id == id))
            else {
                return;
            };
            let Some(run) = w.run.as_mut() else {
                return;
            };
            run.finish(*result);
            let mut reload = false;
            let notice = match (&run.result, run.dry) {
                (Some(r), false) if r.succeeded() => {
                    w.done = true;
                    let place = match (&r.target, &run.remote) {
                        (Some(t), _) => format!(" in {}", t.display()),
                        (None, Some(b)) => format!(" on Backstage at {b}"),
                        _ => String::new(),
                    };
                    // What a remote run registered lives in that backend's catalogue: read
                    // it again so the new entity is there to open.
                    let registered_remotely = run.remote.is_some()
                        && r.output
                            .get("links")
                            .and_then(serde_json::Value::as_array)
                            .is_some_and(|l| l.iter().any(|l| l.get("entityRef").is_some()));
                    if registered_remotely {
                        reload = true;
                    }
                    let what = if w.reopened { "completed" } else { "created" };
                    Some((format!("{} {what}{place}", w.template.title), false))
                }
                (Some(r), _) if !r.succeeded() => Some((
                    format!(
                        "the run {}",
                        if r.status == crate::scaffold::exec::TaskStatus::Cancelled {
                            "was cancelled"
                        } else {
                            "failed"
                        }
                    ),
                    true,
                )),
                _ => None,
            };
            if let Some((text, error)) = notice {
                app.notify(text, error);
            }
            if reload {
                app.push_effect(crate::tui::app::Effect::Reload);
            }
            app.dirty = true;
        }
        RunEvent::Registered { id, kept, gone } => {
            // The hub has published the catalogue with them; the session installs it first.
            if let Some(run) = app
                .scaffold
                .wizard
                .as_mut()
                .and_then(|w| w.run.as_mut())
                .filter(|r| r.id == id)
            {
                run.registered = kept.clone();
            }
            if !gone.is_empty() {
                app.notify(
                    format!("registered here, now gone: {}", gone_text(&gone)),
                    true,
                );
            } else if !kept.is_empty() {
                app.notify(format!("{} added to the catalogue", kept.join(", ")), false);
            }
        }
    }
}

/// Starts filling in a template (asking first when an unfinished form would be lost).
pub fn start(app: &mut App, template: Template, entity_key: Option<String>) {
    if let Some(w) = &app.scaffold.wizard {
        let same = w.template.entity_ref == template.entity_ref;
        if same && (w.running() || w.unsaved()) {
            // Back to the form (or the run) as it is.
            show_wizard(app);
            return;
        }
        if w.running() {
            let title = w.template.title.clone();
            app.notify(
                format!("\"{title}\" is still running; open it again to follow or cancel it"),
                true,
            );
            return;
        }
        if w.unsaved() {
            let question = format!(
                "Throw away what you typed into \"{}\" and start \"{}\"?",
                w.template.title, template.title
            );
            app.popups.set_scaffold(Popup::Confirm(Confirm {
                question,
                yes: OnYes::Replace(Box::new(template), entity_key),
            }));
            return;
        }
    }
    app.scaffold.wizard = Some(Box::new(Wizard::new(template, entity_key)));
    show_wizard(app);
}

pub(crate) fn show_wizard(app: &mut App) {
    if app.screen() != &Screen::Scaffold(View::Wizard) {
        app.push(Screen::Scaffold(View::Wizard));
    }
    app.dirty = true;
}
