//! The templates view: the filter line, the matching templates, and the selected one's
//! description, owner, tags, form pages and steps (beside the list when there is room).

use super::wrap;
use crate::text::sanitize_line;
use crate::tui::app::App;
use crate::tui::scaffold::templates::TemplateEntry;
use crate::tui::theme::Role;
use crate::tui::views::{fit, pad};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.scaffold.templates;
    let width = usize::from(area.width);
    let [title, filter, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let count = format!("{}/{} ", t.shown().len(), t.entries.len());
    let mut heading = vec![Span::styled(
        " Software templates",
        app.theme.style(Role::Title),
    )];
    if let Some(w) = app.scaffold.wizard.as_deref() {
        let state = if w.running() {
            Some("running")
        } else if w.unsaved() {
            Some("unfinished")
        } else {
            None
        };
        if let Some(state) = state {
            heading.push(Span::styled(
                format!(
                    "  ({state}: {}; Enter on it resumes)",
                    sanitize_line(&w.template.title)
                ),
                app.theme.style(Role::Warn),
            ));
        }
    }
    let used: usize = heading.iter().map(|s| s.content.width()).sum();
    heading.push(Span::raw(
        " ".repeat(width.saturating_sub(used + count.width())),
    ));
    heading.push(Span::styled(count, app.theme.style(Role::Muted)));
    frame.render_widget(Paragraph::new(Line::from(heading)), title);
    let [prompt, input] =
        Layout::horizontal([Constraint::Length(3), Constraint::Min(1)]).areas(filter);
    frame.render_widget(Span::styled(" › ", app.theme.style(Role::Accent)), prompt);
    t.list.draw_input(frame, input, &app.theme);

    let (list, details) = if rest.width >= 110 {
        let [l, d] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(rest);
        (l, d)
    } else {
        let list_height = (t.shown().len() as u16 + 1).clamp(3, (rest.height / 2).max(3));
        let [l, d] =
            Layout::vertical([Constraint::Length(list_height), Constraint::Min(0)]).areas(rest);
        (l, d)
    };
    draw_list(frame, app, list);
    let block = if rest.width >= 110 {
        Block::default().borders(Borders::LEFT)
    } else {
        Block::default().borders(Borders::TOP)
    }
    .border_style(app.theme.style(Role::Border));
    let inner = block.inner(details);
    frame.render_widget(block, details);
    if let Some(e) = t.selected() {
        draw_details(frame, app, e, inner);
    }
}

fn draw_list(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.scaffold.templates;
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    let mut lines = Vec::new();
    if t.entries.is_empty() {
        lines.push(Line::styled(
            "  No templates in this catalogue: templates are entities of kind Template (scaffolder.backstage.io/v1beta3).",
            app.theme.style(Role::Muted),
        ));
    } else if t.shown().is_empty() {
        lines.push(Line::styled(
            "  Nothing matches the filter (ctrl-l clears it).",
            app.theme.style(Role::Muted),
        ));
    }
    let offset = t.list.offset(height);
    let title_w = (width * 45 / 100).max(12);
    let name_w = (width * 30 / 100).max(8);
    let owner_w = width.saturating_sub(2 + title_w + name_w);
    for (row, i) in t.shown().iter().enumerate().skip(offset).take(height) {
        let e = &t.entries[*i];
        let selected = row == t.cursor();
        let base = if selected {
            app.theme.style(Role::Selection)
        } else {
            app.theme.style(Role::Text)
        };
        let dim = if selected {
            base
        } else {
            app.theme.style(Role::Muted)
        };
        let owner = e
            .owner
            .as_deref()
            .map(|o| o.rsplit('/').next().unwrap_or(o))
            .unwrap_or("");
        let mut title = sanitize_line(&e.title).into_owned();
        if e.template.is_err() {
            title = format!("✖ {title}");
        }
        lines.push(Line::from(vec![
            Span::styled(if selected { "▶ " } else { "  " }, base),
            Span::styled(pad(&title, title_w.saturating_sub(1)) + " ", base),
            Span::styled(
                pad(&sanitize_line(&e.name), name_w.saturating_sub(1)) + " ",
                dim,
            ),
            Span::styled(pad(&sanitize_line(owner), owner_w), dim),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_details(frame: &mut Frame, app: &App, e: &TemplateEntry, area: Rect) {
    let width = usize::from(area.width).saturating_sub(1);
    let muted = app.theme.style(Role::Muted);
    let text = app.theme.style(Role::Text);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(" {}", sanitize_line(&e.title)),
            app.theme.style(Role::Title),
        ),
        Span::styled(format!("  {}", sanitize_line(&e.key)), muted),
    ])];
    if let Some(d) = &e.description {
        for l in wrap(&sanitize_line(d), width.saturating_sub(1))
            .into_iter()
            .take(3)
        {
            lines.push(Line::styled(format!(" {l}"), text));
        }
    }
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!(" {name:<7}"), muted),
            Span::styled(fit(&value, width.saturating_sub(8)), text),
        ])
    };
    let mut facts = Vec::new();
    if let Some(o) = &e.owner {
        facts.push(format!("owner {}", sanitize_line(o)));
    }
    if let Some(k) = &e.kind {
        facts.push(format!("type {}", sanitize_line(k)));
    }
    if !facts.is_empty() {
        lines.push(field("About", facts.join(" · ")));
    }
    if !e.tags.is_empty() {
        let tags: Vec<String> = e
            .tags
            .iter()
            .map(|t| sanitize_line(t).into_owned())
            .collect();
        lines.push(field("Tags", tags.join(" · ")));
    }
    match &e.template {
        Err(why) => {
            for l in wrap(
                &format!("✖ cannot be used here: {}", sanitize_line(why)),
                width.saturating_sub(1),
            ) {
                lines.push(Line::styled(format!(" {l}"), app.theme.style(Role::Error)));
            }
        }
        Ok(_) => {
            for (i, (title, n)) in e.pages.iter().enumerate() {
                let label = if i == 0 { "Pages" } else { "" };
                lines.push(field(
                    label,
                    format!(
                        "{}. {} ({n} field{})",
                        i + 1,
                        sanitize_line(title),
                        if *n == 1 { "" } else { "s" }
                    ),
                ));
            }
            for (i, (name, action)) in e.steps.iter().enumerate() {
                let label = if i == 0 { "Steps" } else { "" };
                lines.push(field(
                    label,
                    format!(
                        "{}. {} ({})",
                        i + 1,
                        sanitize_line(name),
                        sanitize_line(action)
                    ),
                ));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}
