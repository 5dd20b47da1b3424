//! Port's self-service actions in the portal: the actions and my approvals inbox read from the
//! configured Port source (off the UI thread), CREATE actions beside the templates, the DAY-2
//! and DELETE actions an entity offers (`A`), the inbox (`I`, its count in the header) with
//! approve / decline and a reason, and recent runs (`P`). An action's form, review and run are
//! the scaffolder's own screens: the action is a template for the form engine, and its run is a
//! [`PortRunExecutor`] on the hub's run service, followed like any run.

use super::action::Action;
use super::app::{App, Effect, Overlay, Screen};
use super::scaffold::run::{Job, JobKind};
use super::theme::Role;
use crate::sources::port::PortSource;
use crate::sources::port::actions::{
    Actions, Decision, Operation, PortAction, PortRun, PortRunExecutor, RunsQuery, port_identity,
    port_refs,
};
use crate::text::sanitize_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Which Port list is on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortList {
    /// The DAY-2 and DELETE actions an entity offers.
    Actions { entity: String },
    /// Runs waiting for my approval.
    Inbox,
    /// Recent runs.
    Runs,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortView {
    pub list: PortList,
    pub cursor: usize,
}

/// Work for a Port source, done off the UI thread.
#[derive(Clone, Debug, PartialEq)]
pub enum PortRequest {
    /// The actions and the inbox.
    Load,
    Runs,
    Decide {
        run: String,
        decision: Decision,
        reason: String,
    },
}

/// What came back.
pub enum PortEvent {
    Loaded {
        actions: Result<Vec<PortAction>, String>,
        inbox: Result<Vec<PortRun>, String>,
    },
    Runs(Result<Vec<PortRun>, String>),
    Decided {
        run: String,
        decision: Decision,
        result: Result<Box<PortRun>, String>,
    },
}

#[derive(Default)]
pub struct PortState {
    /// The first Port source of the config; none: nothing of this module shows.
    pub source: Option<PortSource>,
    /// My email in Port (who approves): the `[scaffold] user`'s profile email.
    pub me: Option<String>,
    pub actions: Vec<PortAction>,
    pub inbox: Vec<PortRun>,
    pub runs: Vec<PortRun>,
    /// Why the last read failed.
    pub error: Option<String>,
    pub loaded: bool,
    /// The first read was asked for.
    pub requested: bool,
    /// The run and decision waiting for its reason (the reason prompt is open).
    pub deciding: Option<(String, Decision)>,
}

/// Carries out a request (blocking).
pub fn perform(source: &PortSource, me: Option<&str>, request: PortRequest) -> PortEvent {
    let api = Actions::new(source);
    match request {
        PortRequest::Load => {
            let (actions, inbox) = match &api {
                Ok(a) => (a.list(), a.waiting_for(me)),
                Err(e) => (Err(e.clone()), Err(e.clone())),
            };
            PortEvent::Loaded { actions, inbox }
        }
        PortRequest::Runs => PortEvent::Runs(api.and_then(|a| {
            a.runs(&RunsQuery {
                user_email: None,
                ..RunsQuery::default()
            })
        })),
        PortRequest::Decide {
            run,
            decision,
            reason,
        } => PortEvent::Decided {
            result: api
                .and_then(|a| a.decide(&run, decision, Some(&reason)))
                .map(Box::new),
            run,
            decision,
        },
    }
}

/// A report from Port.
pub fn on_event(app: &mut App, event: PortEvent) {
    match event {
        PortEvent::Loaded { actions, inbox } => {
            app.port.loaded = true;
            app.port.error = None;
            match actions {
                Ok(a) => {
                    app.port.actions = a;
                    let creates: Vec<PortAction> = app
                        .port
                        .actions
                        .iter()
                        .filter(|a| a.operation == Operation::Create)
                        .cloned()
                        .collect();
                    app.scaffold.templates.set_port_actions(creates);
                }
                Err(e) => app.port.error = Some(format!("Port's actions: {e}")),
            }
            match inbox {
                Ok(i) => app.port.inbox = i,
                Err(e) => app.port.error = Some(format!("Port's approvals: {e}")),
            }
        }
        PortEvent::Runs(Ok(r)) => app.port.runs = r,
        PortEvent::Runs(Err(e)) => app.notify(format!("Port's runs: {e}"), true),
        PortEvent::Decided {
            run,
            decision,
            result,
        } => match result {
            Ok(r) => {
                app.port.inbox.retain(|i| i.id != run);
                let what = match decision {
                    Decision::Approve => "approved",
                    Decision::Decline => "declined",
                };
                app.notify(format!("{} ({}) {what}", r.action_title, r.id), false);
            }
            Err(e) => app.notify(format!("run {run}: {e}"), true),
        },
    }
    app.dirty = true;
}

fn request(app: &mut App, r: PortRequest) {
    if app.port.source.is_none() {
        app.notify(
            "no Port source is configured ([[catalog.source]] type = \"port\")",
            true,
        );
        return;
    }
    app.push_effect(Effect::Port(r));
}

/// The Port source is read once the first catalogue is in (it says who I am: the
/// `[scaffold] user`'s email, for the inbox).
pub fn after_load(app: &mut App) {
    if app.port.source.is_some() && !app.port.requested && app.loading.is_none() {
        app.port.requested = true;
        app.push_effect(Effect::Port(PortRequest::Load));
    }
}

/// My email in Port: the profile email of the `[scaffold] user` entity.
pub fn my_email(app: &App) -> Option<String> {
    let user = app.scaffold.user.as_deref()?;
    let e = app.catalog.get(user)?;
    e.data
        .get("spec")?
        .pointer("/profile/email")?
        .as_str()
        .map(str::to_owned)
}

/// The actions an entity offers.
pub fn entity_actions<'a>(app: &'a App, key: &str) -> Vec<&'a PortAction> {
    let Some(e) = app.catalog.get(key) else {
        return Vec::new();
    };
    app.port
        .actions
        .iter()
        .filter(|a| a.applies_to(e))
        .collect()
}

fn rows(app: &App, view: &PortView) -> usize {
    match &view.list {
        PortList::Actions { entity } => entity_actions(app, entity).len(),
        PortList::Inbox => app.port.inbox.len(),
        PortList::Runs => app.port.runs.len(),
    }
}

fn view(app: &App) -> Option<&PortView> {
    match app.screen() {
        Screen::Port(v) => Some(v),
        _ => None,
    }
}

fn open(app: &mut App, list: PortList) {
    if let Screen::Port(v) = app.screen_mut()
        && v.list == list
    {
        return;
    }
    app.push(Screen::Port(PortView { list, cursor: 0 }));
}

/// Starts an action's form: CREATE with no entity, DAY-2/DELETE on `entity` (a catalogue key).
pub fn start_action(app: &mut App, identifier: &str, entity: Option<String>) {
    let Some(action) = app
        .port
        .actions
        .iter()
        .find(|a| a.identifier == identifier)
        .cloned()
    else {
        app.notify(format!("Port has no action {identifier}"), true);
        return;
    };
    let target = match &entity {
        Some(key) => app
            .catalog
            .get(key)
            .and_then(|e| port_identity(e).map(|(_, id)| id.to_owned())),
        None => None,
    };
    let template = action.template();
    super::scaffold::start(app, template, None);
    if let Some(w) = app.scaffold.wizard.as_deref_mut()
        && w.template.entity_ref == format!("template:port/{}", action.identifier)
        && !w.running()
    {
        w.port = Some(super::scaffold::wizard::PortTarget {
            action,
            entity: target,
            entity_key: entity,
        });
    }
}

/// Sends the reviewed form as a Port run, followed on the scaffolder's run screen.
pub fn start_run(app: &mut App) {
    let Some(source) = app.port.source.clone() else {
        app.notify("no Port source is configured", true);
        return;
    };
    let catalog = app.catalog.clone();
    let user = app.scaffold.user.clone();
    let id = app.scaffold.next_run_id();
    let Some(w) = app.scaffold.wizard.as_deref_mut() else {
        return;
    };
    let Some(port) = w.port.clone() else {
        return;
    };
    if w.running() {
        app.notify("a run is already in progress", true);
        return;
    }
    let task = match w.task(&catalog, user.as_deref()) {
        Ok(t) => t,
        Err(errors) => {
            w.review_errors = errors;
            app.notify("fix the problems listed first", true);
            return;
        }
    };
    let executor: std::sync::Arc<dyn greenroom_hub::RunExecutor> = std::sync::Arc::new(
        PortRunExecutor::new(source, port.action, port.entity, port_refs(&catalog)),
    );
    w.begin_run(id, None, None, executor.clone());
    w.stage = super::scaffold::wizard::Stage::Create;
    if let Some(run) = w.run.as_mut() {
        run.dry = false;
    }
    app.push_effect(Effect::Scaffold(Job {
        id,
        kind: JobKind::Run {
            task: Box::new(task),
            executor,
        },
    }));
}

/// The handler of the action table's Port lines.
pub fn act(app: &mut App, action: Action) {
    match action {
        Action::PortActions => {
            let Some(key) = app.current_entity() else {
                app.notify("open an entity first: its Port actions show here", true);
                return;
            };
            if app.port.source.is_none() {
                request(app, PortRequest::Load);
                return;
            }
            open(app, PortList::Actions { entity: key });
        }
        Action::PortInbox => {
            if app.port.source.is_none() {
                request(app, PortRequest::Load);
                return;
            }
            open(app, PortList::Inbox);
            request(app, PortRequest::Load);
        }
        Action::PortRuns => {
            if app.port.source.is_none() {
                request(app, PortRequest::Runs);
                return;
            }
            open(app, PortList::Runs);
            request(app, PortRequest::Runs);
        }
        Action::PortRefresh => {
            request(app, PortRequest::Load);
            if matches!(
                view(app),
                Some(PortView {
                    list: PortList::Runs,
                    ..
                })
            ) {
                request(app, PortRequest::Runs);
            }
        }
        Action::PortApprove | Action::PortDecline => decide(app, action),
        _ => {}
    }
}

fn decide(app: &mut App, action: Action) {
    let Some(v) = view(app).filter(|v| v.list == PortList::Inbox) else {
        app.notify("approve and decline in the approvals inbox (I)", true);
        return;
    };
    let Some(run) = app.port.inbox.get(v.cursor) else {
        app.notify("nothing waits for your approval", true);
        return;
    };
    let decision = if action == Action::PortApprove {
        Decision::Approve
    } else {
        Decision::Decline
    };
    let title = match decision {
        Decision::Approve => " Approve: why? (optional) ",
        Decision::Decline => " Decline: why? ",
    };
    let hint = format!(
        "{} on {} by {} · enter sends · esc cancels",
        run.action_title,
        run.entity.as_deref().unwrap_or("-"),
        run.created_by.as_deref().unwrap_or("someone")
    );
    app.port.deciding = Some((run.id.clone(), decision));
    app.open_reason_input(title, hint);
}

/// The reason prompt was answered.
pub fn submit_reason(app: &mut App, reason: String) -> Result<(), String> {
    let Some((run, decision)) = app.port.deciding.clone() else {
        return Ok(());
    };
    if decision == Decision::Decline && reason.trim().is_empty() {
        return Err("say why it is declined".into());
    }
    app.port.deciding = None;
    request(
        app,
        PortRequest::Decide {
            run,
            decision,
            reason,
        },
    );
    Ok(())
}

/// Moving and opening in a Port list; false when the action is not for it.
pub fn list_act(app: &mut App, action: Action) -> bool {
    let Some(v) = view(app).cloned() else {
        return false;
    };
    let n = rows(app, &v);
    let page = usize::from(app.geometry.body_rows.max(4) - 3);
    let cursor = match action {
        Action::Up => v.cursor.saturating_sub(1),
        Action::Down => (v.cursor + 1).min(n.saturating_sub(1)),
        Action::PageUp => v.cursor.saturating_sub(page),
        Action::PageDown => (v.cursor + page).min(n.saturating_sub(1)),
        Action::Top => 0,
        Action::Bottom => n.saturating_sub(1),
        Action::Open => {
            match &v.list {
                PortList::Actions { entity } => {
                    let id = entity_actions(app, entity)
                        .get(v.cursor)
                        .map(|a| a.identifier.clone());
                    if let Some(id) = id {
                        start_action(app, &id, Some(entity.clone()));
                    }
                }
                PortList::Inbox | PortList::Runs => {
                    let run = match &v.list {
                        PortList::Inbox => app.port.inbox.get(v.cursor),
                        _ => app.port.runs.get(v.cursor),
                    };
                    let key = run.and_then(|r| {
                        let id = r.entity.as_deref()?;
                        app.catalog
                            .entities()
                            .iter()
                            .find(|e| port_identity(e).is_some_and(|(_, i)| i == id))
                            .map(|e| e.key.clone())
                    });
                    match key {
                        Some(k) => app.open_entity(&k, crate::tui::entity::rows::Tab::Overview),
                        None => app.notify("the run acts on no entity in the catalogue", true),
                    }
                }
            }
            return true;
        }
        _ => return false,
    };
    if let Screen::Port(v) = app.screen_mut() {
        v.cursor = cursor;
    }
    true
}

/// The header's note: runs waiting for my approval.
pub fn header_note(app: &App) -> Option<String> {
    let n = app.port.inbox.len();
    (n > 0).then(|| format!(" ⧗ {n} to approve "))
}

pub fn draw(frame: &mut Frame, app: &App, v: &PortView, area: Rect) {
    let t = &app.theme;
    let width = usize::from(area.width);
    let mut lines: Vec<Line> = Vec::new();
    let (title, rows): (String, Vec<(String, String, Role)>) = match &v.list {
        PortList::Actions { entity } => (
            format!("Port actions on {}", sanitize_line(entity)),
            entity_actions(app, entity)
                .iter()
                .map(|a| {
                    let approval = if a.requires_approval {
                        " · needs approval"
                    } else {
                        ""
                    };
                    (
                        format!("{:<7} {}", a.operation.as_str(), a.title),
                        format!(
                            "{}{approval}",
                            a.description.as_deref().unwrap_or(&a.identifier)
                        ),
                        if a.operation == Operation::Delete {
                            Role::Warn
                        } else {
                            Role::Text
                        },
                    )
                })
                .collect(),
        ),
        PortList::Inbox => (
            "Waiting for my approval (a approves, d declines)".into(),
            app.port.inbox.iter().map(run_row).collect(),
        ),
        PortList::Runs => (
            "Recent Port runs".into(),
            app.port.runs.iter().map(run_row).collect(),
        ),
    };
    lines.push(Line::from(Span::styled(
        super::views::fit(&format!(" {title}"), width),
        t.style(Role::Title),
    )));
    if let Some(e) = &app.port.error {
        lines.push(Line::from(Span::styled(
            super::views::fit(&format!(" ✖ {}", sanitize_line(e)), width),
            t.style(Role::Error),
        )));
    }
    if rows.is_empty() {
        let empty = match &v.list {
            PortList::Actions { .. } if !app.port.loaded => " reading Port's actions…",
            PortList::Actions { .. } => " no Port action applies to this entity",
            PortList::Inbox => " nothing waits for your approval",
            PortList::Runs => " no runs",
        };
        lines.push(Line::from(Span::styled(empty, t.style(Role::Muted))));
    }
    let room = usize::from(area.height).saturating_sub(lines.len());
    let first = v
        .cursor
        .saturating_sub(room.saturating_sub(1) / 2)
        .min(rows.len().saturating_sub(room / 2));
    let first = first.min(v.cursor);
    for (i, (main, detail, role)) in rows.iter().enumerate().skip(first).take(room / 2) {
        let style = if i == v.cursor {
            t.style(Role::Selection)
        } else {
            t.style(*role)
        };
        let mark = if i == v.cursor { "▸ " } else { "  " };
        lines.push(Line::from(Span::styled(
            super::views::fit(&format!("{mark}{}", sanitize_line(main)), width),
            style,
        )));
        lines.push(Line::from(Span::styled(
            super::views::fit(&format!("    {}", sanitize_line(detail)), width),
            t.style(Role::Muted),
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn run_row(r: &PortRun) -> (String, String, Role) {
    use crate::sources::port::actions::RunStatus;
    let role = match r.status {
        RunStatus::Success => Role::Ok,
        RunStatus::Failure | RunStatus::Declined => Role::Error,
        RunStatus::WaitingForApproval => Role::Warn,
        _ => Role::Info,
    };
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
    (
        format!("{}{on}", r.action_title),
        format!(
            "{} · {}{label} · by {}",
            r.id,
            r.status.label(),
            r.created_by.as_deref().unwrap_or("?")
        ),
        role,
    )
}

/// Whether the reason prompt is the one open.
pub fn reason_open(app: &App) -> bool {
    matches!(app.popups.overlay(), Some(Overlay::Input(_))) && app.port.deciding.is_some()
}
