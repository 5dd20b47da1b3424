//! Port's self-service actions in the portal: the actions and my approvals inbox read from the
//! configured Port source (off the UI thread), CREATE actions beside the templates, the DAY-2
//! and DELETE actions an entity offers (its page's Actions tab, `A`), the inbox (`I`, its count in the header) with
//! approve / decline and a reason; the recent runs (`P`, both Backstage's and Port's) are
//! `runs.rs`'s, drawn in the same frame. An action's form, review and run are
//! the scaffolder's own screens: the action is a template for the form engine, and its run is a
//! [`PortRunExecutor`] on the hub's run service, followed like any run.

pub mod runs;

use super::action::Action;
use super::app::{App, Effect, Overlay, Screen};
use super::theme::Role;
use crate::limits::PORT_INBOX_REFRESH;
use crate::sources::port::PortSource;
use crate::sources::port::actions::{
    Actions, Decision, Operation, PortAction, PortRun, PortRunExecutor, port_identity, port_refs,
};
use crate::text::sanitize_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::time::Instant;

/// Which Port list is on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortList {
    /// Runs waiting for my approval.
    Inbox,
    /// Recent runs, Backstage's and Port's (`runs.rs`).
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
    /// Why the last read failed.
    pub error: Option<String>,
    pub loaded: bool,
    /// The first read was asked for.
    pub requested: bool,
    /// The run and decision waiting for its reason (the reason prompt is open).
    pub deciding: Option<(String, Decision)>,
    /// When the actions and the inbox are read again (every [`PORT_INBOX_REFRESH`]).
    pub next_read: Option<Instant>,
}

/// Carries out a request (blocking).
/// The audit line for a request that acts on the world (an approval or a decline, with its
/// reason); none for reading.
pub fn audit_line(request: &PortRequest, source: &PortSource) -> Option<String> {
    match request {
        PortRequest::Decide {
            run,
            decision,
            reason,
        } => {
            let reason: String = reason.chars().take(200).collect();
            Some(format!(
                "port.{} run {run} at {} (reason: {reason:?})",
                match decision {
                    Decision::Approve => "approve",
                    Decision::Decline => "decline",
                },
                source.base_url
            ))
        }
        PortRequest::Load | PortRequest::Runs => None,
    }
}

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
            app.port.next_read = Some(Instant::now() + PORT_INBOX_REFRESH);
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

/// When the inbox is next read (the header's count follows teammates' new runs).
pub fn deadline(app: &App) -> Option<Instant> {
    app.port.next_read
}

/// Reads the actions and the inbox again once their time has come.
pub fn on_deadline(app: &mut App, now: Instant) {
    if app.port.next_read.is_some_and(|t| t <= now) && app.port.source.is_some() {
        app.port.next_read = None;
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

/// The entity page's Actions tab: the DAY-2 and DELETE actions it offers (Enter fills one's
/// form), or why there are none.
pub fn action_rows(app: &App, e: &crate::catalog::Entity) -> Vec<super::entity::rows::Row> {
    use super::entity::rows::{Piece, Row};
    let text = |t: String, role: Role| Piece {
        text: sanitize_line(&t).into_owned(),
        role,
    };
    if app.port.source.is_none() {
        return vec![Row::text(vec![text(
            "no Port source is configured ([[catalog.source]] type = \"port\")".into(),
            Role::Muted,
        )])];
    }
    let actions = entity_actions(app, &e.key);
    if actions.is_empty() {
        let why = if app.port.loaded {
            "no Port action applies to this entity"
        } else {
            "reading Port's actions…"
        };
        let mut rows = vec![Row::text(vec![text(why.into(), Role::Muted)])];
        if let Some(err) = &app.port.error {
            rows.push(Row::text(vec![text(format!("✖ {err}"), Role::Error)]));
        }
        return rows;
    }
    actions
        .iter()
        .map(|a| {
            let approval = if a.requires_approval {
                " · needs approval"
            } else {
                ""
            };
            let role = if a.operation == Operation::Delete {
                Role::Warn
            } else {
                Role::Text
            };
            Row {
                action: Some(a.identifier.clone()),
                ..Row::text(vec![
                    text(format!("{:<7} ", a.operation.as_str()), role),
                    text(a.title.clone(), Role::Accent),
                    text(
                        format!(
                            "  {}{approval}",
                            a.description.as_deref().unwrap_or(&a.identifier)
                        ),
                        Role::Muted,
                    ),
                ])
            }
        })
        .collect()
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
        PortList::Inbox => app.port.inbox.len(),
        PortList::Runs => app.runs.rows.len(),
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
    let Some(port) = app.scaffold.wizard.as_deref().and_then(|w| w.port.clone()) else {
        return;
    };
    let refs = port_refs(&app.catalog);
    super::scaffold::act::launch(app, move |_| {
        Ok(super::scaffold::act::Launch {
            executor: std::sync::Arc::new(PortRunExecutor::new(
                source,
                port.action,
                port.entity,
                refs,
            )),
            target: None,
            remote: None,
            dry: false,
        })
    });
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
            let from_port = app
                .catalog
                .get(&key)
                .is_some_and(|e| port_identity(e).is_some());
            if !from_port {
                app.notify(
                    "Port's actions are for entities read from Port (this one is not)",
                    true,
                );
                return;
            }
            app.switch_tab(Some(super::entity::rows::Tab::Actions), 0);
        }
        Action::PortInbox => {
            if app.port.source.is_none() {
                request(app, PortRequest::Load);
                return;
            }
            open(app, PortList::Inbox);
            request(app, PortRequest::Load);
        }
        Action::Runs | Action::RunsRerun => runs::act(app, action),
        Action::PortRefresh => {
            if matches!(
                view(app),
                Some(PortView {
                    list: PortList::Runs,
                    ..
                })
            ) {
                runs::load(app);
            } else {
                request(app, PortRequest::Load);
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
                PortList::Runs => runs::reopen(app, v.cursor),
                PortList::Inbox => {
                    let key = app
                        .port
                        .inbox
                        .get(v.cursor)
                        .and_then(|r| r.entity.as_deref())
                        .and_then(|id| runs::port_entity_key(app, id));
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
    if v.list == PortList::Runs {
        return runs::draw(frame, app, v, area);
    }
    let t = &app.theme;
    let width = usize::from(area.width);
    let mut lines: Vec<Line> = Vec::new();
    let (title, rows): (String, Vec<(String, String, Role)>) = match &v.list {
        PortList::Inbox => (
            "Waiting for my approval (a approves, d declines)".into(),
            app.port.inbox.iter().map(run_row).collect(),
        ),
        PortList::Runs => (String::new(), Vec::new()),
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
            PortList::Inbox => " nothing waits for your approval",
            PortList::Runs => "",
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
