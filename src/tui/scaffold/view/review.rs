//! The review: every value that applies, page by page, secrets masked (the core masks them;
//! the values drawn here are the review rows, never the form's values).

use super::{key_for, wrap};
use crate::text::{sanitize_block, sanitize_line};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::scaffold::wizard::Wizard;
use crate::tui::theme::Role;
use crate::tui::views::pad;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, app: &App, w: &Wizard, area: Rect) {
    let width = usize::from(area.width);
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(
                format!(" Review · {}", sanitize_line(&w.template.title)),
                app.theme.style(Role::Title),
            ),
            Line::styled(
                match app.scaffold.remote_backend(&w.template) {
                    Ok(Some(b)) => format!(
                        " Runs on Backstage at {} (its steps, its credentials). Secrets are masked. Nothing is created yet.",
                        sanitize_line(&b.base_url)
                    ),
                    Ok(None) => " Every value as it will be used; secrets are masked. Nothing is created yet.".to_owned(),
                    Err(e) => format!(" ✖ {}", sanitize_line(&e)),
                },
                app.theme.style(Role::Muted),
            ),
        ]),
        head,
    );
    let label_w = (width * 35 / 100).clamp(12, 34);
    let value_w = width.saturating_sub(label_w + 3).max(8);
    let pages = w.form.form.pages();
    let mut lines: Vec<Line> = Vec::new();
    for e in &w.review_errors {
        for l in wrap(&format!("✖ {}", sanitize_line(e)), width.saturating_sub(2)) {
            lines.push(Line::styled(format!(" {l}"), app.theme.style(Role::Error)));
        }
    }
    let mut page = usize::MAX;
    for row in &w.review {
        if row.page != page {
            page = row.page;
            let title = pages.get(page).map(|p| p.title.as_str()).unwrap_or("");
            lines.push(Line::styled(
                format!(" {}", sanitize_line(title)),
                app.theme.style(Role::Accent),
            ));
        }
        let value_style = if row.masked {
            app.theme.style(Role::Muted)
        } else {
            app.theme.style(Role::Text)
        };
        // Several-line values (textareas, lists) keep their lines.
        let value = sanitize_block(&row.value).into_owned();
        for (i, l) in wrap(&value, value_w).into_iter().enumerate() {
            let label = if i == 0 {
                pad(&sanitize_line(&row.label), label_w.saturating_sub(1)) + " "
            } else {
                " ".repeat(label_w)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("   {label}"), app.theme.style(Role::Muted)),
                Span::styled(l, value_style),
            ]));
        }
    }
    if w.review.is_empty() {
        lines.push(Line::styled(
            "   (this template asks for nothing)",
            app.theme.style(Role::Muted),
        ));
    }
    let height = usize::from(body.height);
    let scroll = w.review_scroll.min(lines.len().saturating_sub(height));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    frame.render_widget(Paragraph::new(shown), body);
    let keys = [Context::Review, Context::Global];
    let footer = format!(
        " {}: {} (choose the folder)   {}: dry run   {}: back to the form",
        key_for(app, &keys, Action::ScaffoldCreate),
        sanitize_line(&w.template.button_label("createButtonText")),
        key_for(app, &keys, Action::ScaffoldDryRun),
        key_for(app, &keys, Action::ScaffoldBack),
    );
    frame.render_widget(
        Paragraph::new(Line::styled(footer, app.theme.style(Role::Accent))),
        foot,
    );
}
