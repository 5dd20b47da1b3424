//! Drawing live status: the on-call view, the watch workspace's panes, the name prompt, and
//! the Status tab's badge. Reads state only.

use super::super::app::live_screens::{NameInput, PaneView};
use super::super::app::{App, Geometry};
use crate::text::sanitize_line;
use crate::tui::entity::rows::Row;
use crate::tui::entity::view::draw_rows;
use crate::tui::live::panel::wrap;
use crate::tui::live::watch::Pin;
use crate::tui::theme::Role;
use crate::tui::views::{fit, spans_of};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

fn demo_badge(app: &App) -> Option<Span<'static>> {
    app.live.is_demo().then(|| {
        Span::styled(
            " DEMO DATA ",
            app.theme.style(Role::Warn).add_modifier(Modifier::REVERSED),
        )
    })
}

pub fn draw_oncall(
    frame: &mut Frame,
    app: &App,
    cursor: usize,
    scroll: usize,
    area: Rect,
    geometry: &mut Geometry,
) {
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let shown = app.oncall_screen();
    let (overview, rows) = &*shown;
    let (total, covered) = crate::tui::live::oncall::counts(overview);
    let mut spans = vec![
        Span::styled(" On call now ", app.theme.style(Role::Title)),
        Span::styled(
            format!(
                " {total} services in {} teams · {covered} with someone on call ",
                overview.teams.len()
            ),
            app.theme.style(Role::Muted),
        ),
    ];
    spans.extend(demo_badge(app));
    frame.render_widget(Paragraph::new(Line::from(spans)), title);
    geometry.body_rows = body.height;
    let scroll = draw_rows(
        frame,
        app,
        &rows.rows,
        Some(cursor),
        scroll,
        body,
        &mut geometry.links,
    );
    geometry.doc_scroll = Some(scroll);
}

pub fn draw_watch(frame: &mut Frame, app: &App, area: Rect, geometry: &mut Geometry) {
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let panes = &app.watch.panes;
    let mut spans = vec![Span::styled(" Watch ", app.theme.style(Role::Title))];
    if let Some(name) = &app.watch.name {
        spans.push(Span::styled(
            format!(" layout {} ", sanitize_line(name)),
            app.theme.style(Role::Accent),
        ));
    }
    spans.push(Span::styled(
        format!(" {} pane(s) ", panes.len()),
        app.theme.style(Role::Muted),
    ));
    if panes.is_zoomed() {
        spans.push(Span::styled(" ⤢ zoomed ", app.theme.style(Role::Info)));
    }
    spans.extend(demo_badge(app));
    frame.render_widget(Paragraph::new(Line::from(spans)), title);
    geometry.watch = body;
    if panes.is_empty() {
        draw_empty_workspace(frame, app, body);
        return;
    }
    for (id, rect) in panes.layout(body) {
        let focused = panes.focus() == Some(id);
        let number = panes.number(id).unwrap_or(0);
        let pin = panes.get(id).cloned().flatten();
        draw_pane(frame, app, rect, number, focused, pin.as_ref());
    }
}

/// The key for an action in the workspace's own contexts (not those of a prompt open over
/// it), for hints written into the panes; an unbound action is named as people read it.
fn key(app: &App, action: super::super::action::Action) -> String {
    use super::super::keymap::Context;
    app.keymap
        .keys_for(
            &[
                Context::Watch,
                Context::Catalog,
                Context::Entity,
                Context::Global,
            ],
            action,
        )
        .into_iter()
        .next()
        .unwrap_or_else(|| format!("\"{}\" (palette)", action.description()))
}

fn draw_empty_workspace(frame: &mut Frame, app: &App, area: Rect) {
    use super::super::action::Action;
    let mut lines = vec![
        Line::from(Span::styled(
            "Nothing pinned yet.",
            app.theme.style(Role::Title),
        )),
        Line::from(""),
        Line::from(Span::styled(
            format!(
                "Select an entity in the catalogue (or open one) and press {} to pin it here; on the Status tab, {} pins just the selected widget.",
                key(app, Action::Pin),
                key(app, Action::Pin)
            ),
            app.theme.style(Role::Text),
        )),
        Line::from(Span::styled(
            format!(
                "Each pin takes the roomiest pane. {} splits right, {} splits down, {} zooms, {} closes, {} saves the layout.",
                key(app, Action::SplitRight),
                key(app, Action::SplitDown),
                key(app, Action::Zoom),
                key(app, Action::ClosePane),
                key(app, Action::SaveLayout)
            ),
            app.theme.style(Role::Muted),
        )),
    ];
    if !app.watch.saved.is_empty() {
        let names: Vec<String> = app
            .watch
            .saved
            .iter()
            .map(|l| sanitize_line(&l.name).into_owned())
            .collect();
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(
                "Saved layouts (greenroom --layout NAME): {}",
                names.join(", ")
            ),
            app.theme.style(Role::Muted),
        )));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

fn pane_title(app: &App, number: usize, pin: Option<&Pin>) -> String {
    let Some(pin) = pin else {
        return format!(" {number} empty ");
    };
    let name = match app.catalog.get(&pin.entity) {
        Some(e) => sanitize_line(e.display_name()).into_owned(),
        None => sanitize_line(&pin.entity).into_owned(),
    };
    match &pin.widget {
        Some(w) => format!(" {number} {name} · {} ", sanitize_line(w)),
        None => format!(" {number} {name} "),
    }
}

fn draw_pane(
    frame: &mut Frame,
    app: &App,
    rect: Rect,
    number: usize,
    focused: bool,
    pin: Option<&Pin>,
) {
    if rect.width < 2 || rect.height < 2 {
        return;
    }
    let border = if focused {
        app.theme.style(Role::BorderFocus)
    } else {
        app.theme.style(Role::Border)
    };
    let marker = if focused { "▶" } else { "" };
    let title = fit(
        &format!("{marker}{}", pane_title(app, number, pin)),
        usize::from(rect.width.saturating_sub(2)),
    );
    let title_style = if focused {
        app.theme.style(Role::Title).add_modifier(Modifier::BOLD)
    } else {
        app.theme.style(Role::Muted)
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(title, title_style));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let Some(pin) = pin else {
        let text = format!(
            "empty: pin an entity with {} (from the catalogue or an entity)",
            key(app, super::super::action::Action::Pin)
        );
        frame.render_widget(
            Paragraph::new(Span::styled(text, app.theme.style(Role::Muted)))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    };
    if app.catalog.get(&pin.entity).is_none() {
        let text = if app.loading.is_some() {
            "reading the catalogue…".to_owned()
        } else {
            format!("⚠ {} is not in the catalogue", sanitize_line(&pin.entity))
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, app.theme.style(Role::Warn)))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let height = usize::from(inner.height);
    match app.pane_rows(pin, height) {
        PaneView::Rows(rows) if rows.is_empty() => {
            let what = if pin.widget.is_some() {
                "this widget is gone: the entity no longer has it"
            } else {
                "no live status: the entity has no status annotations (see its Status tab)"
            };
            frame.render_widget(
                Paragraph::new(Span::styled(what, app.theme.style(Role::Muted)))
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                inner,
            );
        }
        PaneView::Rows(rows) => draw_plain_rows(frame, app, &rows, inner),
        PaneView::Compact(lines) => {
            let width = usize::from(inner.width);
            let fits = lines.len() <= height;
            let shown = if fits {
                lines.len()
            } else {
                height.saturating_sub(1)
            };
            let mut out: Vec<Line> = Vec::new();
            for (left, right) in lines.iter().take(shown) {
                let right_text: String = right.iter().map(|p| p.text.as_str()).collect();
                let right_w = right_text.width();
                // The age keeps its place at the right; the gist gives way.
                let room = width.saturating_sub(right_w + 1);
                let mut spans = Vec::new();
                let mut used = 0;
                for p in left {
                    let t = fit(&p.text, room.saturating_sub(used));
                    used += t.width();
                    spans.push(Span::styled(t, app.theme.style(p.role)));
                    if used >= room {
                        break;
                    }
                }
                if right_w < width {
                    spans.push(Span::raw(" ".repeat(width - used - right_w)));
                    spans.extend(spans_of(app, right));
                }
                out.push(Line::from(spans));
            }
            if !fits {
                out.push(Line::from(Span::styled(
                    fit(
                        &format!(
                            "+{} more · {} zooms",
                            lines.len() - shown,
                            key(app, super::super::action::Action::Zoom)
                        ),
                        width,
                    ),
                    app.theme.style(Role::Muted),
                )));
            }
            frame.render_widget(Paragraph::new(out), inner);
        }
    }
}

/// Rows without a cursor, clipped to the area; error rows wrap so what to do stays visible.
fn draw_plain_rows(frame: &mut Frame, app: &App, rows: &[Row], area: Rect) {
    let width = usize::from(area.width);
    let mut lines: Vec<Line> = Vec::new();
    for row in rows {
        let tree = match &row.node {
            Some((_, true)) => "▾ ",
            Some((_, false)) => "▸ ",
            None => "",
        };
        let indent = format!("{}{tree}", "  ".repeat(usize::from(row.depth)));
        if let [only] = row.pieces.as_slice()
            && only.role == Role::Error
        {
            let room = width.saturating_sub(indent.width()).max(8);
            for part in crate::tui::live::panel::wrap(only.text.trim_start(), room) {
                lines.push(Line::from(vec![
                    Span::raw(indent.clone()),
                    Span::styled(part, app.theme.style(Role::Error)),
                ]));
            }
            continue;
        }
        let mut spans = vec![Span::raw(indent)];
        spans.extend(spans_of(app, &row.pieces));
        lines.push(Line::from(spans));
    }
    lines.truncate(usize::from(area.height));
    frame.render_widget(Paragraph::new(lines), area);
}

/// The name prompt, centred and clamped to the screen, tall enough for its whole note (an
/// error names a file, line and column).
pub fn draw_input(frame: &mut Frame, app: &App, area: Rect, input: &NameInput) {
    let width = 72.min(area.width.saturating_sub(2)).max(1);
    let (text, role) = match &input.error {
        Some(e) => (format!("✖ {e}"), Role::Error),
        None => (input.hint.clone(), Role::Muted),
    };
    let mut note = wrap(
        &sanitize_line(&text),
        usize::from(width.saturating_sub(2)).max(1),
    );
    note.truncate(6);
    let height = (3 + note.len() as u16).min(area.height).max(1);
    let rect = Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width: width.min(area.width),
        height: height.min(area.height),
    };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::BorderFocus))
        .title(Span::styled(input.title, app.theme.style(Role::Title)));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return;
    }
    let [field, below] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let mut textarea = input.input.clone();
    textarea.set_style(app.theme.style(Role::Text));
    textarea.set_placeholder_style(app.theme.style(Role::Muted));
    textarea.set_cursor_style(app.theme.style(Role::Selection));
    frame.render_widget(&textarea, field);
    let lines: Vec<Line> = note
        .into_iter()
        .map(|l| Line::from(Span::styled(l, app.theme.style(role))))
        .collect();
    frame.render_widget(Paragraph::new(lines), below);
}

/// The Status tab's label mark: the worst widget state at a glance (✖2, ⚠1, ✔).
pub fn tab_badge(app: &App, key: &str) -> Option<Span<'static>> {
    let e = app.catalog.get(key)?;
    let targets = crate::status::targets_for(e, app.live.config());
    let entries = app.live.entries(&targets);
    crate::tui::live::panel::badge(&entries, app.live.now())
        .map(|p| Span::styled(p.text, app.theme.style(p.role)))
}
