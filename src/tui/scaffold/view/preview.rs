//! A finished dry run: the tree of files that would be written beside the selected file's
//! content, or the whole step log. Nothing of it exists on disk.

use super::progress::status_mark;
use super::wrap;
use crate::text::sanitize_line;
use crate::tui::app::App;
use crate::tui::scaffold::progress::{Preview, RunState};
use crate::tui::scaffold::wizard::Wizard;
use crate::tui::theme::Role;
use crate::tui::views::{fit, pad};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, app: &App, w: &Wizard, area: Rect) {
    let Some(run) = w.run.as_ref() else {
        return;
    };
    let Some(p) = run.preview.as_ref() else {
        return;
    };
    let width = usize::from(area.width);
    let files = p.files.len();
    let heading = format!(
        " Dry run · {} · {files} file{} · nothing was written",
        sanitize_line(&w.template.title),
        if files == 1 { "" } else { "s" }
    );
    let tabs = if p.show_log {
        " files [log] "
    } else {
        " [files] log "
    };
    let mut head = vec![Line::from(vec![
        Span::styled(
            pad(&heading, width.saturating_sub(tabs.width())),
            app.theme.style(Role::Title),
        ),
        Span::styled(tabs, app.theme.style(Role::Accent)),
    ])];
    if let Some(e) = run.result.as_ref().and_then(|r| r.error.as_ref()) {
        for l in wrap(&format!("✖ {}", sanitize_line(e)), width.saturating_sub(2))
            .into_iter()
            .take(3)
        {
            head.push(Line::styled(format!(" {l}"), app.theme.style(Role::Error)));
        }
    }
    let [head_area, body] =
        Layout::vertical([Constraint::Length(head.len() as u16), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(head), head_area);
    if p.show_log {
        draw_log(frame, app, run, p, body);
    } else {
        draw_files(frame, app, p, body);
    }
}

fn draw_files(frame: &mut Frame, app: &App, p: &Preview, area: Rect) {
    let tree_w = (area.width * 35 / 100).clamp(12, 34);
    let [tree, content] =
        Layout::horizontal([Constraint::Length(tree_w), Constraint::Min(1)]).areas(area);
    let height = usize::from(tree.height);
    let offset = p.selected.saturating_sub(height.saturating_sub(1));
    let mut lines = Vec::new();
    if p.rows.is_empty() {
        lines.push(Line::styled(" (no files)", app.theme.style(Role::Muted)));
    }
    for (i, row) in p.rows.iter().enumerate().skip(offset).take(height) {
        let selected = i == p.selected;
        let style = match (selected, row.file.is_some()) {
            (true, _) => app.theme.style(Role::Selection),
            (false, true) => app.theme.style(Role::Text),
            (false, false) => app.theme.style(Role::Accent),
        };
        let text = format!(
            "{}{}{}",
            if selected { "▶" } else { " " },
            "  ".repeat(row.depth),
            sanitize_line(&row.name)
        );
        lines.push(Line::styled(pad(&text, usize::from(tree.width)), style));
    }
    frame.render_widget(Paragraph::new(lines), tree);

    let block = Block::default()
        .borders(Borders::LEFT)
        .border_style(app.theme.style(Role::Border));
    let inner = block.inner(content);
    frame.render_widget(block, content);
    let Some(file) = p.selected_file() else {
        return;
    };
    let width = usize::from(inner.width);
    let about = format!(
        " {} · {} byte{}{}",
        sanitize_line(&file.path),
        file.size,
        if file.size == 1 { "" } else { "s" },
        if file.executable {
            " · executable"
        } else {
            ""
        }
    );
    let mut lines = vec![Line::styled(
        fit(&about, width),
        app.theme.style(Role::Title),
    )];
    let height = usize::from(inner.height).saturating_sub(1);
    if file.binary {
        lines.push(Line::styled(
            " (binary content, not shown)",
            app.theme.style(Role::Muted),
        ));
    } else {
        let scroll = p.scroll.min(file.lines.len().saturating_sub(1));
        let number_w = file.lines.len().to_string().len();
        for (n, l) in file.lines.iter().enumerate().skip(scroll).take(height) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{:>number_w$} ", n + 1),
                    app.theme.style(Role::Muted),
                ),
                Span::styled(
                    fit(l, width.saturating_sub(number_w + 1)),
                    app.theme.style(Role::Text),
                ),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_log(frame: &mut Frame, app: &App, run: &RunState, p: &Preview, area: Rect) {
    let width = usize::from(area.width);
    let log = run.log_lines();
    let height = usize::from(area.height);
    let scroll = p.log_scroll.min(log.len().saturating_sub(height));
    let lines: Vec<Line> = log
        .iter()
        .skip(scroll)
        .take(height)
        .map(|(text, status)| match status {
            Some(s) => {
                let (mark, word, role) = status_mark(*s, 0);
                Line::styled(
                    fit(&format!(" {mark} {word:<9} {}", sanitize_line(text)), width),
                    app.theme.style(role),
                )
            }
            None => Line::styled(
                fit(&format!(" {}", sanitize_line(text)), width),
                app.theme.style(Role::Text),
            ),
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}
