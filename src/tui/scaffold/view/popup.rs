//! Popups over the scaffolder's screens — the chooser, yes/no questions, the target folder —
//! centred and clamped to the frame.

use super::{centred, key_for, wrap};
use crate::text::sanitize_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::scaffold::Popup;
use crate::tui::scaffold::editor::text_of;
use crate::tui::scaffold::picker::PickerPopup;
use crate::tui::theme::Role;
use crate::tui::views::{fit, pad};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_textarea::TextArea;
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    match app.popups.scaffold() {
        Some(Popup::Picker(p)) => picker(frame, app, p, area),
        Some(Popup::Confirm(c)) => {
            let question = sanitize_line(&c.question).into_owned();
            let here = [Context::Confirm];
            let keys = format!(
                "{}: yes   {}: no",
                key_for(app, &here, Action::ConfirmYes),
                key_for(app, &here, Action::ConfirmNo)
            );
            question_box(
                frame,
                app,
                area,
                " Are you sure? ",
                &question,
                None,
                "",
                &keys,
            );
        }
        Some(Popup::Target { input, error }) => {
            let typed = text_of(input);
            // Where it would go, as Enter would read it (`~` expanded), or why it would not.
            let resolved = match app.scaffold.resolve_target(&typed) {
                Ok(p) => std::path::absolute(&p)
                    .map(|p| format!("→ {}", p.display()))
                    .unwrap_or_default(),
                Err(_) if typed.trim().is_empty() => String::new(),
                Err(e) => format!("✖ {e}"),
            };
            let here = [Context::Prompt];
            let keys = format!(
                "{}: create   {}: cancel",
                key_for(app, &here, Action::ConfirmYes),
                key_for(app, &here, Action::ConfirmNo)
            );
            let text = "Create it in which folder? It must not exist yet, or be empty (you are asked before anything is replaced).";
            let mut after = sanitize_line(&resolved).into_owned();
            if let Some(e) = error {
                after = format!("✖ {}", sanitize_line(e));
            }
            question_box(
                frame,
                app,
                area,
                " Create ",
                text,
                Some(&**input),
                &after,
                &keys,
            );
        }
        None => {}
    }
}

fn frame_block<'a>(app: &App, title: &'a str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::BorderFocus))
        .title(Span::styled(title, app.theme.style(Role::Title)))
}

/// A box with a question, optionally an input line and a line after it, and the keys.
#[allow(clippy::too_many_arguments)]
fn question_box(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    title: &str,
    text: &str,
    input: Option<&TextArea<'static>>,
    after: &str,
    keys: &str,
) {
    let width = area.width.saturating_sub(4).min(70);
    let inner_w = usize::from(width.saturating_sub(2));
    let lines: Vec<String> = wrap(text, inner_w);
    let after: Vec<String> = if after.is_empty() {
        Vec::new()
    } else {
        wrap(after, inner_w)
    };
    let height = (lines.len() + after.len()) as u16 + 3 + u16::from(input.is_some());
    let rect = centred(area, width, height);
    frame.render_widget(Clear, rect);
    let block = frame_block(app, title);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return;
    }
    let [text_area, input_area, after_area, keys_area] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(u16::from(input.is_some())),
        Constraint::Length(after.len() as u16),
        Constraint::Length(1),
    ])
    .areas(inner);
    let styled = |lines: &[String]| -> Vec<Line<'static>> {
        lines
            .iter()
            .map(|l| {
                let style = if l.starts_with('✖') {
                    app.theme.style(Role::Error)
                } else {
                    app.theme.style(Role::Muted)
                };
                Line::styled(l.clone(), style)
            })
            .collect()
    };
    let question: Vec<Line> = lines
        .iter()
        .map(|l| Line::styled(l.clone(), app.theme.style(Role::Text)))
        .collect();
    frame.render_widget(Paragraph::new(question), text_area);
    frame.render_widget(Paragraph::new(styled(&after)), after_area);
    if let Some(input) = input {
        let mut e = input.clone();
        e.set_style(app.theme.style(Role::Text));
        e.set_placeholder_style(app.theme.style(Role::Muted));
        e.set_cursor_style(app.theme.style(Role::Selection));
        frame.render_widget(&e, input_area);
    }
    frame.render_widget(
        Paragraph::new(Line::styled(
            fit(keys, inner_w),
            app.theme.style(Role::Accent),
        )),
        keys_area,
    );
}

fn picker(frame: &mut Frame, app: &App, p: &PickerPopup, area: Rect) {
    let width = area.width.saturating_sub(4).min(80);
    let inner_w = usize::from(width.saturating_sub(2));
    let mut notes: Vec<(String, Role)> = Vec::new();
    if let Some(n) = &p.note {
        notes.extend(
            wrap(&sanitize_line(n), inner_w)
                .into_iter()
                .map(|l| (l, Role::Warn)),
        );
    }
    if p.multi {
        let marked: Vec<String> = p
            .marked
            .iter()
            .map(|v| sanitize_line(v.as_str().unwrap_or(&v.to_string())).into_owned())
            .collect();
        let text = if marked.is_empty() {
            format!(
                "{}: mark several, {}: done",
                key_for(app, &[Context::Picker], Action::PickerMark),
                key_for(app, &[Context::Picker], Action::PickerChoose)
            )
        } else {
            format!("chosen: {}", marked.join(", "))
        };
        notes.push((fit(&text, inner_w), Role::Accent));
    }
    if let Some(e) = &p.error {
        notes.extend(
            wrap(&format!("✖ {}", sanitize_line(e)), inner_w)
                .into_iter()
                .map(|l| (l, Role::Error)),
        );
    }
    let list_h = (p.list.len().max(1) as u16).min(12);
    let height = 1 + list_h + notes.len() as u16 + 2;
    let rect = centred(area, width, height);
    frame.render_widget(Clear, rect);
    let title = format!(
        " {} ",
        fit(&sanitize_line(&p.title), inner_w.saturating_sub(2))
    );
    let block = frame_block(app, &title);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return;
    }
    let [input, list, notes_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(notes.len() as u16),
    ])
    .areas(inner);
    let [prompt, line] =
        Layout::horizontal([Constraint::Length(2), Constraint::Min(1)]).areas(input);
    frame.render_widget(Span::styled("› ", app.theme.style(Role::Accent)), prompt);
    p.list.draw_input(frame, line, &app.theme);

    let visible = usize::from(list.height);
    let offset = p.list.offset(visible);
    let mark_w = if p.multi { 4 } else { 0 };
    let longest = |compact: bool| {
        p.items()
            .map(|i| {
                let l = sanitize_line(&i.label);
                mark_w
                    + if compact {
                        compact_ref(&l).width()
                    } else {
                        l.width()
                    }
            })
            .max()
            .unwrap_or(0)
    };
    let has_detail = p.items().any(|i| !i.detail.is_empty());
    let (mut label_w, mut detail_w) = picker_columns(inner_w, longest(false), has_detail);
    // Refs that do not fit lose what tells them apart least: the default namespace.
    let compact = longest(false) > label_w;
    if compact {
        (label_w, detail_w) = picker_columns(inner_w, longest(true), has_detail);
    }
    let mut lines = Vec::new();
    if p.list.is_empty() {
        lines.push(Line::styled(
            "  nothing to choose",
            app.theme.style(Role::Muted),
        ));
    }
    for (i, item) in p.items().enumerate().skip(offset).take(visible) {
        let selected = i == p.cursor();
        let base = if selected {
            app.theme.style(Role::Selection)
        } else if item.typed {
            app.theme.style(Role::Accent)
        } else {
            app.theme.style(Role::Text)
        };
        let mark = match (p.multi, p.is_marked(item)) {
            (true, true) => "[x] ",
            (true, false) => "[ ] ",
            (false, _) => "",
        };
        let marker = if selected { "▶ " } else { "  " };
        let text = sanitize_line(&item.label);
        let text = if compact {
            compact_ref(&text)
        } else {
            text.into_owned()
        };
        let label = format!("{mark}{text}");
        let mut spans = vec![
            Span::styled(marker, base),
            Span::styled(pad(&label, label_w), base),
        ];
        if detail_w > 0 {
            spans.push(Span::styled(
                format!("  {}", pad(&sanitize_line(&item.detail), detail_w)),
                if selected {
                    base
                } else {
                    app.theme.style(Role::Muted)
                },
            ));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), list);
    let notes: Vec<Line> = notes
        .into_iter()
        .map(|(t, role)| Line::styled(t, app.theme.style(role)))
        .collect();
    frame.render_widget(Paragraph::new(notes), notes_area);
}

/// The widths of the chooser's label and detail columns in a row `inner_w` wide (after the
/// 2-column marker, with a 2-column gap between them): the label as wide as the longest needs,
/// up to three fifths; the detail the rest, or none at all when fewer than 12 columns would be
/// left for it (the label matters more).
fn picker_columns(inner_w: usize, longest: usize, has_detail: bool) -> (usize, usize) {
    const GAP: usize = 2;
    const MIN_DETAIL: usize = 12;
    let room = inner_w.saturating_sub(2);
    if !has_detail {
        return (room, 0);
    }
    let label = longest.min(room * 3 / 5);
    let detail = room.saturating_sub(label + GAP);
    if detail < MIN_DETAIL {
        (room, 0)
    } else {
        (label, detail)
    }
}

/// `kind:default/name` shown as `kind:name`, as Backstage shows refs in the default namespace.
fn compact_ref(label: &str) -> String {
    match label.split_once(":default/") {
        Some((kind, name))
            if !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            format!("{kind}:{name}")
        }
        _ => label.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_never_touch_and_the_detail_goes_first() {
        // 80 columns: both, the label as wide as it needs.
        assert_eq!(picker_columns(76, 30, true), (30, 42));
        // 60 columns: the label capped, a gap, the rest for the detail.
        let (l, d) = picker_columns(54, 34, true);
        assert_eq!((l, d), (31, 19));
        assert_eq!(2 + l + 2 + d, 54);
        // Too narrow for a useful detail: the label takes the row.
        assert_eq!(picker_columns(24, 30, true), (22, 0));
        assert_eq!(picker_columns(54, 10, false), (52, 0));
        assert_eq!(picker_columns(0, 10, true), (0, 0));
    }

    #[test]
    fn refs_lose_only_the_default_namespace() {
        assert_eq!(compact_ref("group:default/encore"), "group:encore");
        assert_eq!(
            compact_ref("group:payments/encore"),
            "group:payments/encore"
        );
        assert_eq!(compact_ref("a b:default/x"), "a b:default/x");
        assert_eq!(compact_ref("plain choice"), "plain choice");
    }
}
