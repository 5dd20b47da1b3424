//! The help overlay and the command palette, drawn over the screen and clamped to it.

use super::super::action::Action;
use super::super::app::{App, Geometry, Overlay, PaletteItem};
use super::super::keymap::Context;
use super::{fit, pad};
use crate::text::sanitize_line;
use crate::tui::theme::Role;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Draws every overlay on the popup stack, bottom first, so the one in front is on top (the
/// scaffolder's popups are drawn by its view, over its form).
pub fn draw(frame: &mut Frame, app: &App, area: Rect, geometry: &mut Geometry) {
    for overlay in app.popups.iter() {
        match overlay {
            Overlay::Help { scroll, .. } => help(frame, app, area, *scroll, geometry),
            Overlay::Palette(p) => palette(frame, app, area, p),
            Overlay::Input(i) => crate::tui::live::view::draw_input(frame, app, area, i),
            Overlay::DocsSearch(o) => {
                crate::tui::entity::docs::view::draw_search(frame, app, area, o)
            }
            Overlay::Detail(d) => detail(frame, app, area, d, geometry),
            Overlay::Scaffold(_) => {}
        }
    }
}

/// A centred rectangle of at most `width`×`height`, always inside `area`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2)).max(1);
    let h = height.min(area.height.saturating_sub(2)).max(1);
    Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w.min(area.width),
        height: h.min(area.height),
    }
}

/// The lines of the help overlay: the keys in force for this screen first, then every context.
pub fn help_lines(app: &App) -> Vec<(String, Role)> {
    let mut lines = Vec::new();
    let in_force = app.contexts();
    let mut order: Vec<Context> = in_force
        .iter()
        .copied()
        .filter(|c| *c != Context::Help)
        .collect();
    let rest: Vec<Context> = Context::ALL
        .iter()
        .copied()
        .filter(|c| !order.contains(c) && *c != Context::Help)
        .collect();
    order.extend(rest);
    lines.push((
        format!(
            "Keymap: {} (change with [ui] keymap = \"vim\" | \"emacs\", or keymap.toml)",
            app.keymap.base
        ),
        Role::Muted,
    ));
    for context in order {
        let bindings = app.keymap.bindings(context);
        if bindings.is_empty() {
            continue;
        }
        lines.push((String::new(), Role::Text));
        let here = if in_force.contains(&context) {
            "  (here)"
        } else {
            ""
        };
        lines.push((
            format!("{} — {}{here}", context.name(), context.description()),
            Role::Title,
        ));
        for (keys, action) in bindings {
            lines.push((format!("  {keys:<12} {}", action.description()), Role::Text));
        }
    }
    lines.push((String::new(), Role::Text));
    lines.push((
        "Search: words match fuzzily; kind: type: owner: tag: label: lifecycle: system: domain: ns:"
            .into(),
        Role::Muted,
    ));
    lines.push((
        "filter (prefix match); -filter or -word excludes; \"quoted phrase\" matches as is.".into(),
        Role::Muted,
    ));
    lines
}

/// The help's lines as shown: all of them, or those its `/` filter keeps.
pub fn help_view(app: &App) -> Vec<(String, Role)> {
    let lines = help_lines(app);
    match help_filter(app) {
        Some(f) => f.apply(lines),
        None => lines,
    }
}

/// The help's `/` filter, when the help is open and has one.
fn help_filter(app: &App) -> Option<&crate::tui::app::HelpFilter> {
    app.popups.iter().find_map(|o| match o {
        Overlay::Help {
            filter: Some(f), ..
        } => Some(f.as_ref()),
        _ => None,
    })
}

fn help(frame: &mut Frame, app: &App, area: Rect, scroll: usize, geometry: &mut Geometry) {
    let rect = centred(area, 96, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::BorderFocus))
        .title(Span::styled(
            " Keys in force (? or Esc closes) ",
            app.theme.style(Role::Title),
        ));
    let mut inner = block.inner(rect);
    frame.render_widget(block, rect);
    if let Some(f) = help_filter(app) {
        // The filter line on top: `/ ` and what is typed (or kept, once Enter was pressed).
        let [line, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let [mark, input] =
            Layout::horizontal([Constraint::Length(2), Constraint::Min(1)]).areas(line);
        frame.render_widget(
            Paragraph::new(Span::styled("/ ", app.theme.style(Role::Accent))),
            mark,
        );
        if f.typing {
            f.list.draw_input(frame, input, &app.theme);
        } else {
            let kept = format!(
                "{}  ({} keys · / edits · esc clears)",
                sanitize_line(&f.list.typed()),
                f.list.len()
            );
            frame.render_widget(
                Paragraph::new(Span::styled(
                    fit(&kept, usize::from(input.width)),
                    app.theme.style(Role::Muted),
                )),
                input,
            );
        }
        inner = rest;
    }
    let lines = help_view(app);
    let scroll = scroll.min(lines.len().saturating_sub(usize::from(inner.height)));
    geometry.help_rows = inner.height;
    geometry.help_scroll = Some(scroll);
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(usize::from(inner.height))
        .map(|(t, role)| {
            Line::from(Span::styled(
                fit(t, usize::from(inner.width)),
                app.theme.style(*role),
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// A value or the entity's YAML shown whole: sanitised, wrapped to the popup, scrolling.
fn detail(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    d: &super::super::app::Detail,
    geometry: &mut Geometry,
) {
    let rect = centred(area, 100, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let title = format!(" {} (Esc closes) ", fit(&sanitize_line(&d.title), 70));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::BorderFocus))
        .title(Span::styled(title, app.theme.style(Role::Title)));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = usize::from(inner.width).max(1);
    let lines: Vec<String> = d
        .lines
        .iter()
        .flat_map(|l| {
            let clean = sanitize_line(l);
            // Keep the indentation (YAML), wrapping what follows it under it.
            let rest = clean.trim_start_matches(' ');
            let indent = (clean.len() - rest.len()).min(width / 2);
            crate::tui::live::panel::wrap(rest, width - indent)
                .into_iter()
                .map(|w| format!("{}{w}", " ".repeat(indent)))
                .collect::<Vec<_>>()
        })
        .collect();
    let height = usize::from(inner.height);
    let scroll = d.scroll.min(lines.len().saturating_sub(height));
    geometry.help_rows = inner.height;
    geometry.help_scroll = Some(scroll);
    geometry.detail_lines = lines.len();
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(height)
        .map(|t| {
            let role = if t.starts_with('#') {
                Role::Muted
            } else {
                Role::Text
            };
            Line::from(Span::styled(t.clone(), app.theme.style(role)))
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

fn palette(frame: &mut Frame, app: &App, area: Rect, p: &super::super::app::PaletteState) {
    let height = (p.items.len() as u16 + 3).clamp(4, 20);
    let rect = centred(area, 90, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::BorderFocus))
        .title(Span::styled(
            if p.copy.is_some() {
                " Copy "
            } else {
                " Command palette "
            },
            app.theme.style(Role::Title),
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return;
    }
    let [input, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    p.entities.draw_input(frame, input, &app.theme);
    let visible = usize::from(list.height);
    let offset = p.cursor.saturating_sub(visible.saturating_sub(1));
    let width = usize::from(list.width);
    let mut lines = Vec::new();
    for (i, item) in p.items.iter().enumerate().skip(offset).take(visible) {
        let selected = i == p.cursor;
        let base = if selected {
            app.theme.style(Role::Selection)
        } else {
            app.theme.style(Role::Text)
        };
        let marker = if selected { "▶ " } else { "  " };
        let (label, detail) = match item {
            PaletteItem::Action(a) => {
                let keys = action_keys(app, *a);
                (
                    format!("{} {}", action_icon(*a), a.description()),
                    format!("{}  {keys}", a.name()),
                )
            }
            PaletteItem::Entity(k) => match app.catalog.get(k) {
                Some(e) => (
                    format!(
                        "→ {} {}",
                        sanitize_line(e.kind()),
                        sanitize_line(&e.entity_ref.short(Some(e.kind())))
                    ),
                    sanitize_line(e.title().unwrap_or("")).into_owned(),
                ),
                None => (sanitize_line(k).into_owned(), String::new()),
            },
            PaletteItem::Copy(what, text) => {
                (format!("⧉ {what}"), sanitize_line(text).into_owned())
            }
            PaletteItem::Theme(name) => (
                // A user theme's name is a file name: no control sequences reach the screen.
                format!("◐ Theme: {}", sanitize_line(name)),
                if app.theme.name == *name {
                    "in use".to_owned()
                } else {
                    "switch to it for this session".to_owned()
                },
            ),
        };
        let left = width * 55 / 100;
        lines.push(Line::from(vec![
            Span::styled(marker, base),
            // A column between the label and the detail, even when the label is cut.
            Span::styled(format!("{} ", pad(&label, left.saturating_sub(3))), base),
            Span::styled(
                pad(&detail, width.saturating_sub(left)),
                if selected {
                    base
                } else {
                    app.theme.style(Role::Muted)
                },
            ),
        ]));
    }
    if p.items.is_empty() {
        lines.push(Line::from(Span::styled(
            "  nothing matches",
            app.theme.style(Role::Muted),
        )));
    }
    frame.render_widget(Paragraph::new(lines), list);
}

/// Every key bound to an action, in any context (global first), each once.
pub fn action_keys(app: &App, action: Action) -> String {
    let mut keys: Vec<String> = Vec::new();
    for context in Context::ALL {
        for (k, a) in app.keymap.bindings(context) {
            if a == action && !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    keys.join(", ")
}

fn action_icon(_a: Action) -> &'static str {
    "⚙"
}
