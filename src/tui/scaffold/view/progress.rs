//! A run as it happens: each step with its state in a symbol and a word, the selected step's
//! log, and at the end the result, what was registered, and the template's output links and
//! text.

use super::wrap;
use crate::scaffold::exec::{StepStatus, TaskStatus};
use crate::text::{sanitize_block, sanitize_line};
use crate::tui::app::App;
use crate::tui::scaffold::progress::RunState;
use crate::tui::scaffold::wizard::Wizard;
use crate::tui::theme::Role;
use crate::tui::views::{fit, pad};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

/// A step's state as a symbol, a word and a theme role (never colour alone).
pub fn status_mark(status: StepStatus, spinner: usize) -> (&'static str, &'static str, Role) {
    match status {
        StepStatus::Open => ("○", "pending", Role::Muted),
        StepStatus::Processing => (SPINNER[spinner % SPINNER.len()], "running", Role::Accent),
        StepStatus::Completed => ("✔", "done", Role::Ok),
        StepStatus::Failed => ("✖", "failed", Role::Error),
        StepStatus::Skipped => ("↷", "skipped", Role::Muted),
        StepStatus::Cancelled => ("⊘", "cancelled", Role::Warn),
    }
}

pub fn draw(frame: &mut Frame, app: &App, w: &Wizard, area: Rect) {
    let Some(run) = w.run.as_ref() else {
        return;
    };
    let width = usize::from(area.width);
    let title = sanitize_line(&w.template.title).into_owned();
    let heading = match (&run.target, &run.remote) {
        (Some(t), _) => format!(
            " Creating · {title} → {}",
            sanitize_line(&t.display().to_string())
        ),
        (None, Some(b)) => format!(" Running · {title} on Backstage at {}", sanitize_line(b)),
        (None, None) => format!(" Dry run · {title} (nothing is written)"),
    };
    let (state, role) = match run.progress.finished {
        None if run.cancelling => ("cancelling…".to_owned(), Role::Warn),
        None => (
            format!("{} running", SPINNER[run.spinner % 4]),
            Role::Accent,
        ),
        Some(TaskStatus::Completed) => ("✔ completed".into(), Role::Ok),
        Some(TaskStatus::Failed) => ("✖ failed".into(), Role::Error),
        Some(TaskStatus::Cancelled) => ("⊘ cancelled".into(), Role::Warn),
    };
    let state = format!("{state} ");
    let head = Line::from(vec![
        Span::styled(
            pad(&heading, width.saturating_sub(state.width())),
            app.theme.style(Role::Title),
        ),
        Span::styled(state, app.theme.style(role)),
    ]);
    let steps = step_lines(app, run, width);
    let result = if run.running() {
        Vec::new()
    } else {
        result_lines(app, run, width)
    };
    let body_h = area.height.saturating_sub(1);
    let steps_h = (steps.len() as u16).min(body_h / 3).max(1);
    let result_h = (result.len() as u16).min(body_h.saturating_sub(steps_h + 3) * 2 / 3 + 1);
    let [head_area, steps_area, log_title, log_area, result_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(steps_h),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(result_h),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(head), head_area);
    let steps_off = run
        .cursor
        .min(run.progress.steps.len().saturating_sub(1))
        .saturating_sub(usize::from(steps_h).saturating_sub(1));
    frame.render_widget(
        Paragraph::new(steps.into_iter().skip(steps_off).collect::<Vec<_>>()),
        steps_area,
    );
    let shown = run.shown_step();
    let log: Vec<String> = match shown {
        Some(i) => run.progress.steps[i]
            .log
            .iter()
            .flat_map(|l| {
                sanitize_block(l)
                    .lines()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect(),
        None => run.progress.task_log.clone(),
    };
    let name = shown
        .map(|i| sanitize_line(&run.progress.steps[i].name).into_owned())
        .unwrap_or_else(|| "task".into());
    let rule = format!("── log: {name} ");
    frame.render_widget(
        Paragraph::new(Line::styled(
            format!("{rule}{}", "─".repeat(width.saturating_sub(rule.width()))),
            app.theme.style(Role::Border),
        )),
        log_title,
    );
    let height = usize::from(log_area.height);
    let end = log.len().saturating_sub(run.log_scroll.min(log.len()));
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = log[start..end]
        .iter()
        .map(|l| {
            Line::styled(
                format!("  {}", fit(l, width.saturating_sub(3))),
                app.theme.style(Role::Text),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), log_area);
    frame.render_widget(Paragraph::new(result), result_area);
}

fn step_lines(app: &App, run: &RunState, width: usize) -> Vec<Line<'static>> {
    run.progress
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (mark, word, role) = status_mark(s.status, run.spinner);
            let selected = i == run.cursor;
            let base = if selected {
                app.theme.style(Role::Selection)
            } else {
                app.theme.style(Role::Text)
            };
            let lines = if s.log.is_empty() {
                String::new()
            } else {
                format!(
                    "  {} log line{}",
                    s.log.len(),
                    if s.log.len() == 1 { "" } else { "s" }
                )
            };
            let status_style: Style = if selected {
                base
            } else {
                app.theme.style(role)
            };
            Line::from(vec![
                Span::styled(if selected { "▶ " } else { "  " }, base),
                Span::styled(format!("{mark} {}", pad(word, 10)), status_style),
                Span::styled(
                    fit(
                        &format!("{}{lines}", sanitize_line(&s.name)),
                        width.saturating_sub(15),
                    ),
                    base,
                ),
            ])
        })
        .collect()
}

fn result_lines(app: &App, run: &RunState, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let Some(result) = &run.result else {
        return lines;
    };
    let w = width.saturating_sub(3);
    if result.succeeded() {
        let text = match (&result.target, &run.remote) {
            (Some(t), _) => format!("✔ Created in {}", t.display()),
            (None, Some(b)) => format!("✔ Completed on Backstage at {b}"),
            (None, None) => "✔ The dry run completed".into(),
        };
        for l in wrap(&sanitize_line(&text), w) {
            lines.push(Line::styled(format!(" {l}"), app.theme.style(Role::Ok)));
        }
    } else if let Some(e) = &result.error {
        for l in wrap(&format!("✖ {}", sanitize_line(e)), w) {
            lines.push(Line::styled(format!(" {l}"), app.theme.style(Role::Error)));
        }
    }
    if !run.registered.is_empty() {
        let text = format!(
            "In the catalogue now: {} (search for it, or Enter on the link below)",
            run.registered.join(", ")
        );
        for l in wrap(&sanitize_line(&text), w) {
            lines.push(Line::styled(format!(" {l}"), app.theme.style(Role::Ok)));
        }
    }
    let steps = run.progress.steps.len();
    if !run.output.links.is_empty() {
        lines.push(Line::styled(" Links", app.theme.style(Role::Accent)));
    }
    for (i, link) in run.output.links.iter().enumerate() {
        let selected = run.cursor == steps + i;
        let base = if selected {
            app.theme.style(Role::Selection)
        } else {
            app.theme.style(Role::Text)
        };
        let target = link.target().unwrap_or_default();
        let title_w = (width / 3).clamp(8, 30);
        lines.push(Line::from(vec![
            Span::styled(if selected { "▶ " } else { "  " }, base),
            Span::styled(pad(&sanitize_line(&link.title), title_w) + " ", base),
            Span::styled(
                fit(&sanitize_line(target), width.saturating_sub(title_w + 4)),
                if selected {
                    base
                } else {
                    app.theme.style(Role::Link)
                },
            ),
        ]));
    }
    for (title, content) in &run.output.text {
        if !title.is_empty() {
            lines.push(Line::styled(
                format!(" {}", sanitize_line(title)),
                app.theme.style(Role::Accent),
            ));
        }
        for l in sanitize_block(content).lines() {
            for part in wrap(l, w) {
                lines.push(Line::styled(
                    format!("   {part}"),
                    app.theme.style(Role::Text),
                ));
            }
        }
    }
    lines
}
