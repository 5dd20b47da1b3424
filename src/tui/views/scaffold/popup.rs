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
use crate::tui::views::{fit, pad};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_textarea::TextArea;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    match &app.scaffold.popup {
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
            let resolved = std::path::absolute(typed.trim())
                .map(|p| format!("→ {}", p.display()))
                .unwrap_or_default();
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
        .border_style(app.theme.style("border_focus"))
        .title(Span::styled(title, app.theme.style("title")))
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
                    app.theme.style("error")
                } else {
                    app.theme.style("muted")
                };
                Line::styled(l.clone(), style)
            })
            .collect()
    };
    let question: Vec<Line> = lines
        .iter()
        .map(|l| Line::styled(l.clone(), app.theme.style("text")))
        .collect();
    frame.render_widget(Paragraph::new(question), text_area);
    frame.render_widget(Paragraph::new(styled(&after)), after_area);
    if let Some(input) = input {
        let mut e = input.clone();
        e.set_style(app.theme.style("text"));
        e.set_placeholder_style(app.theme.style("muted"));
        e.set_cursor_style(app.theme.style("selection"));
        frame.render_widget(&e, input_area);
    }
    frame.render_widget(
        Paragraph::new(Line::styled(fit(keys, inner_w), app.theme.style("accent"))),
        keys_area,
    );
}

fn picker(frame: &mut Frame, app: &App, p: &PickerPopup, area: Rect) {
    let width = area.width.saturating_sub(4).min(80);
    let inner_w = usize::from(width.saturating_sub(2));
    let mut notes: Vec<(String, &'static str)> = Vec::new();
    if let Some(n) = &p.note {
        notes.extend(
            wrap(&sanitize_line(n), inner_w)
                .into_iter()
                .map(|l| (l, "warn")),
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
        notes.push((fit(&text, inner_w), "accent"));
    }
    if let Some(e) = &p.error {
        notes.extend(
            wrap(&format!("✖ {}", sanitize_line(e)), inner_w)
                .into_iter()
                .map(|l| (l, "error")),
        );
    }
    let list_h = (p.items.len().max(1) as u16).min(12);
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
    frame.render_widget(Span::styled("› ", app.theme.style("accent")), prompt);
    let mut e = p.filter.clone();
    e.set_style(app.theme.style("text"));
    e.set_placeholder_style(app.theme.style("muted"));
    e.set_cursor_style(app.theme.style("selection"));
    frame.render_widget(&e, line);

    let visible = usize::from(list.height);
    let offset = p.cursor.saturating_sub(visible.saturating_sub(1));
    let label_w = inner_w * 55 / 100;
    let mut lines = Vec::new();
    if p.items.is_empty() {
        lines.push(Line::styled(
            "  nothing to choose",
            app.theme.style("muted"),
        ));
    }
    for (i, item) in p.items.iter().enumerate().skip(offset).take(visible) {
        let selected = i == p.cursor;
        let base = if selected {
            app.theme.style("selection")
        } else if item.typed {
            app.theme.style("accent")
        } else {
            app.theme.style("text")
        };
        let mark = match (p.multi, p.is_marked(item)) {
            (true, true) => "[x] ",
            (true, false) => "[ ] ",
            (false, _) => "",
        };
        let marker = if selected { "▶ " } else { "  " };
        let label = format!("{mark}{}", sanitize_line(&item.label));
        lines.push(Line::from(vec![
            Span::styled(marker, base),
            Span::styled(pad(&label, label_w.saturating_sub(2)), base),
            Span::styled(
                pad(
                    &sanitize_line(&item.detail),
                    inner_w.saturating_sub(label_w),
                ),
                if selected {
                    base
                } else {
                    app.theme.style("muted")
                },
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), list);
    let notes: Vec<Line> = notes
        .into_iter()
        .map(|(t, role)| Line::styled(t, app.theme.style(role)))
        .collect();
    frame.render_widget(Paragraph::new(notes), notes_area);
}
