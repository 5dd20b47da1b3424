//! Recent runs (`P`): one list of the Backstage tasks and Port's action runs, newest first.
//! Backstage's are every configured backend's `GET /v2/tasks?createdBy=<me>` plus the tasks
//! started from here that `remote-runs.json` remembers (static tokens create tasks without a
//! creator, so the backend's list cannot find them by user); Port's are `GET /v1/actions/runs`.
//! Enter re-opens a run on the scaffolder's run screen: one still going is followed live, a
//! finished one is replayed from its first event, with its log; this is how a run is found
//! again after quitting greenroom. `u` fills the template's (or action's) form with the run's
//! values again and shows the review, where Enter runs it. Lists are read off the UI thread.

use crate::catalog::RefContext;
use crate::catalog::refs::canonical_key;
use crate::limits::REMOTE_RUNS_LISTED;
use crate::scaffold::TaskSpec;
use crate::scaffold::remote::{RecentRuns, RemoteExecutor, RemoteTask, ScaffolderClient};
use crate::sources::backstage::BackstageSource;
use crate::sources::port::PortSource;
use crate::sources::port::actions::{Actions, PortRun, PortRunExecutor, RunStatus, RunsQuery};
use crate::text::sanitize_line;
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, Screen};
use crate::tui::port::{PortList, PortView};
use crate::tui::scaffold::act::{Launch, launch_task};
use crate::tui::scaffold::wizard::{PortTarget, Wizard};
use crate::tui::theme::Role;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::path::PathBuf;
use std::sync::Arc;

/// One run of the list.
#[derive(Clone, Debug)]
pub enum RunRow {
    /// A task on a Backstage backend (its base URL).
    Backstage {
        backend: String,
        task: RemoteTask,
    },
    Port(PortRun),
}

impl RunRow {
    fn created_at(&self) -> &str {
        match self {
            RunRow::Backstage { task, .. } => &task.created_at,
            RunRow::Port(r) => r.created_at.as_deref().unwrap_or_default(),
        }
    }
}

#[derive(Default)]
pub struct RunsState {
    pub rows: Vec<RunRow>,
    /// What could not be read (one line per source).
    pub errors: Vec<String>,
    pub loaded: bool,
}

/// What reading the list needs (taken from the app, so the worker needs nothing else).
#[derive(Clone, Debug)]
pub struct RunsRequest {
    pub backends: Vec<BackstageSource>,
    pub recent: Option<PathBuf>,
    /// The `[scaffold] user` ref: Backstage's `createdBy`.
    pub user: Option<String>,
    pub port: Option<PortSource>,
}

/// Requests are told apart by what they read from (effects are compared in tests).
impl PartialEq for RunsRequest {
    fn eq(&self, other: &RunsRequest) -> bool {
        let urls = |r: &RunsRequest| -> Vec<String> {
            r.backends.iter().map(|b| b.base_url.clone()).collect()
        };
        urls(self) == urls(other)
            && self.recent == other.recent
            && self.user == other.user
            && self.port.is_some() == other.port.is_some()
    }
}

pub struct RunsLoaded {
    pub rows: Vec<RunRow>,
    pub errors: Vec<String>,
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Reads every source's runs (blocking).
pub fn perform(request: RunsRequest) -> RunsLoaded {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let remembered = request
        .recent
        .as_deref()
        .map(|p| RecentRuns::load(p).0.runs)
        .unwrap_or_default();
    for source in &request.backends {
        let client = match ScaffolderClient::for_source(source) {
            Ok(c) => c,
            Err(e) => {
                errors.push(format!("Backstage at {}: {e}", source.base_url));
                continue;
            }
        };
        let backend = client.base_url().to_owned();
        let mut tasks = match client.list_tasks(request.user.as_deref(), REMOTE_RUNS_LISTED) {
            Ok(t) => t,
            Err(e) => {
                // The backend does not answer: asking it for each remembered task would not
                // either.
                errors.push(format!("Backstage at {backend}: {e}"));
                continue;
            }
        };
        for r in remembered
            .iter()
            .filter(|r| same_url(&r.backend, &backend))
            .take(REMOTE_RUNS_LISTED)
        {
            if tasks.iter().any(|t| t.id == r.task_id) {
                continue;
            }
            // A task the backend no longer has is left out.
            if let Ok(t) = client.get_task(&r.task_id) {
                tasks.push(t);
            }
        }
        rows.extend(tasks.into_iter().map(|task| RunRow::Backstage {
            backend: backend.clone(),
            task,
        }));
    }
    if let Some(port) = &request.port {
        match Actions::new(port).and_then(|a| a.runs(&RunsQuery::default())) {
            Ok(runs) => rows.extend(runs.into_iter().map(RunRow::Port)),
            Err(e) => errors.push(format!("Port: {e}")),
        }
    }
    // ISO 8601 times: newest first, as text.
    rows.sort_by(|a, b| b.created_at().cmp(a.created_at()));
    RunsLoaded { rows, errors }
}

/// Asks for the list again (off the UI thread).
pub fn load(app: &mut App) {
    if app.scaffold.backends.is_empty() && app.port.source.is_none() {
        app.notify(
            "no runs to list: configure a Backstage or Port source ([[catalog.source]])",
            true,
        );
        return;
    }
    let request = RunsRequest {
        backends: app.scaffold.backends.clone(),
        recent: app.scaffold.recent_runs.clone(),
        user: app.scaffold.user.clone(),
        port: app.port.source.clone(),
    };
    app.push_effect(Effect::Runs(request));
}

/// The list came back.
pub fn on_loaded(app: &mut App, loaded: RunsLoaded) {
    app.runs.rows = loaded.rows;
    app.runs.errors = loaded.errors;
    app.runs.loaded = true;
    let last = app.runs.rows.len().saturating_sub(1);
    if let Screen::Port(v) = app.screen_mut()
        && v.list == PortList::Runs
    {
        v.cursor = v.cursor.min(last);
    }
    app.dirty = true;
}

/// `P`: the list, read again.
pub fn open(app: &mut App) {
    let here = matches!(app.screen(), Screen::Port(v) if v.list == PortList::Runs);
    if !here {
        app.push(Screen::Port(PortView {
            list: PortList::Runs,
            cursor: 0,
        }));
    }
    load(app);
}

/// The catalogue key of the entity Port calls `id`.
pub fn port_entity_key(app: &App, id: &str) -> Option<String> {
    app.catalog
        .entities()
        .iter()
        .find(|e| crate::sources::port::actions::port_identity(e).is_some_and(|(_, i)| i == id))
        .map(|e| e.key.clone())
}

fn template_key(template_ref: &str) -> Option<String> {
    canonical_key(
        template_ref,
        RefContext {
            default_kind: Some("Template"),
            default_namespace: None,
        },
    )
}

/// Whether a new wizard may take the screen; says why not.
fn wizard_free(app: &mut App) -> bool {
    let Some(w) = app.scaffold.wizard.as_deref() else {
        return true;
    };
    let why = if w.running() {
        format!(
            "\"{}\" is still running: follow it (n, then its form) or cancel it first",
            w.template.title
        )
    } else if w.unsaved() {
        format!(
            "\"{}\" has a form with what you typed: finish or leave it (Esc) first",
            w.template.title
        )
    } else {
        return true;
    };
    app.notify(why, true);
    false
}

/// Whether the run screen follows this Backstage task now.
fn followed_here(app: &App, id: &str) -> bool {
    app.scaffold
        .wizard
        .as_deref()
        .and_then(|w| w.run.as_ref())
        .filter(|r| r.running())
        .and_then(|r| r.cancel.remote())
        .and_then(|remote| remote.task_id)
        .is_some_and(|t| t == id)
}

/// Enter: follows the selected run on the run screen.
pub fn reopen(app: &mut App, index: usize) {
    let Some(row) = app.runs.rows.get(index).cloned() else {
        return;
    };
    let id = match &row {
        RunRow::Backstage { task, .. } => task.id.clone(),
        RunRow::Port(r) => r.id.clone(),
    };
    if followed_here(app, &id) {
        crate::tui::scaffold::show_wizard(app);
        return;
    }
    if !wizard_free(app) {
        return;
    }
    match row {
        RunRow::Backstage { backend, task } => {
            let Some(source) = app
                .scaffold
                .backends
                .iter()
                .find(|s| same_url(&s.base_url, &backend))
                .cloned()
            else {
                app.notify(
                    format!("no configured source is Backstage at {backend}"),
                    true,
                );
                return;
            };
            let Some(mut template) = task.template() else {
                app.notify(
                    format!("task {} holds no template to follow", task.id),
                    true,
                );
                return;
            };
            // The steps the task stored (what ran), where the form is the catalogue's.
            template.backend = Some(backend.clone());
            let key = template_key(&task.template_ref).filter(|k| app.catalog.get(k).is_some());
            // The task as it was created: its template and values (secrets are never
            // returned), not the form's (which has no pages here).
            let spec = TaskSpec {
                template: template.clone(),
                values: task.values.clone(),
                secrets: Default::default(),
                user: Default::default(),
                sensitive: Vec::new(),
            };
            let mut w = Wizard::new(template, key);
            w.reopened = true;
            app.scaffold.wizard = Some(Box::new(w));
            crate::tui::scaffold::show_wizard(app);
            launch_task(
                app,
                Some(spec),
                Box::new(move |_| {
                    let client = ScaffolderClient::for_source(&source)
                        .map_err(|e| format!("cannot reach Backstage at {backend}: {e}"))?;
                    Ok(Launch {
                        executor: Arc::new(RemoteExecutor::attach(client, &task.id)),
                        target: None,
                        remote: Some(backend),
                        dry: false,
                    })
                }),
            );
        }
        RunRow::Port(run) => {
            let Some(source) = app.port.source.clone() else {
                app.notify("no Port source is configured", true);
                return;
            };
            let Some(action) = app
                .port
                .actions
                .iter()
                .find(|a| a.identifier == run.action)
                .cloned()
            else {
                app.notify(
                    format!(
                        "Port's actions do not include {} (yet?): r reads them again",
                        run.action
                    ),
                    true,
                );
                return;
            };
            let entity_key = run.entity.as_deref().and_then(|e| port_entity_key(app, e));
            let mut w = Wizard::new(action.template(), None);
            w.reopened = true;
            w.port = Some(PortTarget {
                action: action.clone(),
                entity: run.entity.clone(),
                entity_key,
            });
            app.scaffold.wizard = Some(Box::new(w));
            crate::tui::scaffold::show_wizard(app);
            launch_task(
                app,
                Some(TaskSpec {
                    template: action.template(),
                    values: run.properties.clone(),
                    secrets: Default::default(),
                    user: Default::default(),
                    sensitive: Vec::new(),
                }),
                Box::new(move |_| {
                    Ok(Launch {
                        executor: Arc::new(PortRunExecutor::attach(source, action, &run.id)),
                        target: None,
                        remote: None,
                        dry: false,
                    })
                }),
            );
        }
    }
}

/// `u`: the run's template (or action) with the run's values, at the review.
pub fn rerun(app: &mut App, index: usize) {
    let Some(row) = app.runs.rows.get(index).cloned() else {
        app.notify("select a run first", true);
        return;
    };
    if !wizard_free(app) {
        return;
    }
    let catalog = app.catalog.clone();
    app.scaffold.templates.sync(&catalog);
    let (entity_ref, values) = match row {
        RunRow::Backstage { task, .. } => {
            let key = template_key(&task.template_ref);
            let template = key.as_ref().and_then(|k| {
                app.scaffold
                    .templates
                    .entries
                    .iter()
                    .find(|e| &e.key == k)
                    .and_then(|e| e.template.clone().ok())
            });
            let Some(template) = template else {
                app.notify(
                    format!(
                        "{} is not a template in this catalogue: its form cannot be filled again",
                        sanitize_line(&task.template_ref)
                    ),
                    true,
                );
                return;
            };
            let entity_ref = template.entity_ref.clone();
            app.scaffold.wizard = None;
            crate::tui::scaffold::start(app, template, key);
            (entity_ref, task.values)
        }
        RunRow::Port(run) => {
            if !app.port.actions.iter().any(|a| a.identifier == run.action) {
                app.notify(
                    format!("Port's actions do not include {}", run.action),
                    true,
                );
                return;
            }
            let entity_key = run.entity.as_deref().and_then(|e| port_entity_key(app, e));
            app.scaffold.wizard = None;
            crate::tui::port::start_action(app, &run.action, entity_key);
            (format!("template:port/{}", run.action), run.properties)
        }
    };
    let user = app.scaffold.user.clone();
    if let Some(w) = app.scaffold.wizard.as_deref_mut()
        && w.template.entity_ref == entity_ref
    {
        w.form = crate::tui::scaffold::form::FormState::with_values(&w.template, &values);
        w.to_review(&catalog, user.as_deref());
        app.notify(
            "the same values as that run: Enter runs it again, Esc changes them",
            false,
        );
    }
}

/// The selected row of the runs list.
pub fn selected(app: &App) -> Option<usize> {
    match app.screen() {
        Screen::Port(v) if v.list == PortList::Runs => Some(v.cursor),
        _ => None,
    }
}

/// The handler of the action table's runs lines.
pub fn act(app: &mut App, action: Action) {
    match action {
        Action::Runs => open(app),
        Action::RunsRerun => match selected(app) {
            Some(i) => rerun(app, i),
            None => app.notify("u runs again a run of the recent runs (P)", true),
        },
        _ => {}
    }
}

fn status_role(status: &str) -> Role {
    match status {
        "completed" | "success" => Role::Ok,
        "failed" | "failure" | "declined" | "cancelled" => Role::Error,
        "waiting for approval" => Role::Warn,
        _ => Role::Info,
    }
}

/// The rows as drawn: (main line, detail line, role).
pub fn lines(app: &App) -> Vec<(String, String, Role)> {
    app.runs
        .rows
        .iter()
        .map(|row| match row {
            RunRow::Backstage { backend, task } => (
                format!("{} · Backstage", task.title),
                format!(
                    "{} · {} · {} · by {} · {}",
                    task.id,
                    task.status,
                    task.created_at,
                    task.created_by.as_deref().unwrap_or("a service token"),
                    backend
                ),
                status_role(&task.status),
            ),
            RunRow::Port(r) => {
                let on = r
                    .entity
                    .as_deref()
                    .map(|e| format!(" on {e}"))
                    .unwrap_or_default();
                let label = r
                    .status_label
                    .as_deref()
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default();
                let role = match r.status {
                    RunStatus::Success => Role::Ok,
                    RunStatus::Failure | RunStatus::Declined => Role::Error,
                    RunStatus::WaitingForApproval => Role::Warn,
                    _ => Role::Info,
                };
                (
                    format!("{}{on} · Port", r.action_title),
                    format!(
                        "{} · {}{label} · {} · by {}",
                        r.id,
                        r.status.label(),
                        r.created_at.as_deref().unwrap_or("?"),
                        r.created_by.as_deref().unwrap_or("?")
                    ),
                    role,
                )
            }
        })
        .collect()
}

/// The list's screen: a title, what could not be read, the rows.
pub fn draw(frame: &mut Frame, app: &App, v: &PortView, area: Rect) {
    let t = &app.theme;
    let width = usize::from(area.width);
    let fit = crate::tui::views::fit;
    let mut out: Vec<Line> = vec![Line::from(Span::styled(
        fit(" Recent runs (Enter follows one, u runs it again)", width),
        t.style(Role::Title),
    ))];
    for e in &app.runs.errors {
        out.push(Line::from(Span::styled(
            fit(&format!(" ✖ {}", sanitize_line(e)), width),
            t.style(Role::Error),
        )));
    }
    let rows = lines(app);
    if rows.is_empty() {
        let empty = if app.runs.loaded {
            " no runs"
        } else {
            " reading the runs…"
        };
        out.push(Line::from(Span::styled(empty, t.style(Role::Muted))));
    }
    let room = usize::from(area.height).saturating_sub(out.len());
    let first = v
        .cursor
        .saturating_sub(room.saturating_sub(1) / 2)
        .min(rows.len().saturating_sub(room / 2))
        .min(v.cursor);
    for (i, (main, detail, role)) in rows.iter().enumerate().skip(first).take(room / 2) {
        let (mark, style) = if i == v.cursor {
            ("▸ ", t.style(Role::Selection))
        } else {
            ("  ", t.style(*role))
        };
        out.push(Line::from(Span::styled(
            fit(&format!("{mark}{}", sanitize_line(main)), width),
            style,
        )));
        out.push(Line::from(Span::styled(
            fit(&format!("    {}", sanitize_line(detail)), width),
            t.style(Role::Muted),
        )));
    }
    frame.render_widget(Paragraph::new(out), area);
}
