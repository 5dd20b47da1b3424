//! A form page: the page's title and progress, then each visible field drawn by its kind —
//! text inputs (tui-textarea, masked for secrets), checkboxes, choices, pickers, lists and
//! nested groups — with its description, help and problems in words beside it.

use super::{key_for, wrap};
use crate::scaffold::form::{Choice, Field, Widget};
use crate::text::sanitize_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::scaffold::editor::{self, number_range};
use crate::tui::scaffold::form::{FormState, Stop, StopKey, StopKind};
use crate::tui::scaffold::wizard::Wizard;
use crate::tui::theme::Role;
use crate::tui::views::{fit, pad};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use serde_json::Value as Json;
use unicode_width::UnicodeWidthStr;

/// Where a text editor goes among the lines.
struct Slot {
    line: usize,
    x: u16,
    width: u16,
    height: u16,
    key: StopKey,
    focused: bool,
}

/// The page laid out as lines, with editors placed over them.
struct Page {
    lines: Vec<Line<'static>>,
    slots: Vec<Slot>,
    /// Lines of the focused field (first, last).
    focus: Option<(usize, usize)>,
}

struct Geometry {
    width: usize,
    label: usize,
}

impl Geometry {
    fn input_x(&self) -> usize {
        2 + self.label
    }

    fn input_width(&self) -> usize {
        self.width.saturating_sub(self.input_x() + 1).max(4)
    }
}

pub fn draw(frame: &mut Frame, app: &App, w: &Wizard, area: Rect) {
    let f = &w.form;
    let width = usize::from(area.width);
    let pages = f.form.pages();
    let info = pages.get(f.page);
    let (at, of) = f.page_position();
    let mut head: Vec<Line> = Vec::new();
    let page_title = info.map(|p| p.title.as_str()).unwrap_or_default();
    let progress = format!("page {at} of {of} ");
    let title = format!(
        " {} · {}",
        sanitize_line(&w.template.title),
        sanitize_line(page_title)
    );
    head.push(Line::from(vec![
        Span::styled(
            pad(&title, width.saturating_sub(progress.width())),
            app.theme.style(Role::Title),
        ),
        Span::styled(progress, app.theme.style(Role::Muted)),
    ]));
    if let Some(d) = info.and_then(|p| p.description.as_deref()) {
        for l in wrap(&sanitize_line(d), width.saturating_sub(2))
            .into_iter()
            .take(2)
        {
            head.push(Line::styled(format!(" {l}"), app.theme.style(Role::Muted)));
        }
    }
    for e in f.page_errors() {
        for l in wrap(&format!("✖ {}", sanitize_line(&e)), width.saturating_sub(2)) {
            head.push(Line::styled(format!(" {l}"), app.theme.style(Role::Error)));
        }
    }
    let [head_area, body, foot] = Layout::vertical([
        Constraint::Length(head.len() as u16 + 1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(head), head_area);

    let geometry = Geometry {
        width,
        label: (width * 3 / 10).clamp(12, 28),
    };
    let page = layout(app, f, &geometry);
    let height = usize::from(body.height);
    let scroll = match page.focus {
        Some((start, end)) if end + 1 > height => (end + 2).saturating_sub(height).min(start),
        _ => 0,
    };
    let shown: Vec<Line> = page
        .lines
        .iter()
        .skip(scroll)
        .take(height)
        .cloned()
        .collect();
    frame.render_widget(Paragraph::new(shown), body);
    for slot in &page.slots {
        if slot.line < scroll || slot.line >= scroll + height {
            continue;
        }
        let y = body.y + (slot.line - scroll) as u16;
        let rect = Rect {
            x: body.x + slot.x,
            y,
            width: slot.width.min(body.right().saturating_sub(body.x + slot.x)),
            height: slot.height.min(body.bottom() - y),
        };
        if rect.width == 0 || rect.height == 0 {
            continue;
        }
        if let Some(e) = f.editor(&slot.key) {
            let mut e = e.clone();
            e.set_style(app.theme.style(Role::Text));
            e.set_placeholder_style(app.theme.style(Role::Muted));
            e.set_cursor_style(if slot.focused {
                app.theme.style(Role::Selection)
            } else {
                app.theme.style(Role::Text)
            });
            frame.render_widget(&e, rect);
        }
    }
    let keys = [Context::Choice, Context::Form];
    let problems = f.problem_count();
    let more = (f.page + 1..f.form.page_count()).any(|p| f.form.page_shown(p));
    let next = if more {
        w.template.button_label("nextButtonText")
    } else {
        w.template.button_label("reviewButtonText")
    };
    let next = if next.is_empty() { "Next".into() } else { next };
    let footer = if problems > 0 && f.reveal_all {
        Span::styled(
            format!(
                " ✖ {problems} problem{} on this page: see the messages beside the fields",
                if problems == 1 { "" } else { "s" }
            ),
            app.theme.style(Role::Error),
        )
    } else {
        let back = if f.form.previous_page(f.page).is_some() {
            format!(
                "   {}: {}",
                key_for(app, &keys, Action::PagePrev),
                sanitize_line(&w.template.button_label("backButtonText"))
            )
        } else {
            String::new()
        };
        Span::styled(
            format!(
                " {}: {}{back}   * required",
                key_for(app, &keys, Action::PageNext),
                sanitize_line(&next),
            ),
            app.theme.style(Role::Muted),
        )
    };
    frame.render_widget(Paragraph::new(Line::from(footer)), foot);
}

fn bracketed(app: &App, focused: bool, width: usize) -> Vec<Span<'static>> {
    let edge = if focused {
        Role::BorderFocus
    } else {
        Role::Border
    };
    vec![
        Span::styled("[", app.theme.style(edge)),
        Span::raw(" ".repeat(width.saturating_sub(2))),
        Span::styled("]", app.theme.style(edge)),
    ]
}

fn scalar(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// Choices laid out on lines of `width`: `(•) a  ( ) b`, the highlighted one picked out.
fn choice_lines(
    app: &App,
    choices: &[Choice],
    is_on: &dyn Fn(&Json) -> bool,
    boxes: bool,
    highlight: Option<usize>,
    width: usize,
) -> Vec<Vec<Span<'static>>> {
    let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for (i, c) in choices.iter().enumerate() {
        let on = is_on(&c.value);
        let mark = match (boxes, on) {
            (true, true) => "[x]",
            (true, false) => "[ ]",
            (false, true) => "(•)",
            (false, false) => "( )",
        };
        let text = format!("{mark} {}", sanitize_line(&c.label));
        let w = text.width() + 2;
        if used > 0 && used + w > width {
            lines.push(Vec::new());
            used = 0;
        }
        let style = if highlight == Some(i) {
            app.theme.style(Role::Selection)
        } else if on {
            app.theme.style(Role::Accent)
        } else {
            app.theme.style(Role::Text)
        };
        let line = lines.last_mut().expect("one line at least");
        line.push(Span::styled(fit(&text, width), style));
        line.push(Span::raw("  "));
        used += w;
    }
    lines
}

fn layout(app: &App, f: &FormState, g: &Geometry) -> Page {
    let mut page = Page {
        lines: Vec::new(),
        slots: Vec::new(),
        focus: None,
    };
    let focused_stop: Option<&Stop> = f.focused();
    if f.fields.is_empty() {
        page.lines.push(Line::styled(
            "  Nothing to fill in on this page.",
            app.theme.style(Role::Muted),
        ));
    }
    for (i, field) in f.fields.iter().enumerate() {
        let start = page.lines.len();
        let focused = focused_stop.is_some_and(|s| s.field == i);
        field_block(app, f, g, i, field, focused, &mut page);
        if focused {
            page.focus = Some((start, page.lines.len().saturating_sub(1)));
        }
    }
    page
}

/// How a field's label is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LabelKind {
    /// Beside an input; a label too long for the column goes on a line of its own above.
    Input,
    /// A heading (a group, a list item): the whole line is the label's.
    Heading,
}

/// The label column of a field's input line (focus marker, indent, label, `*`), and the line
/// above it when the label does not fit the column.
fn label_spans(
    app: &App,
    field: &Field,
    focused: bool,
    marker: bool,
    kind: LabelKind,
    g: &Geometry,
) -> (Option<Line<'static>>, Vec<Span<'static>>) {
    let indent = "  ".repeat(field.depth);
    let marker = Span::styled(
        if marker { "▶ " } else { "  " },
        app.theme.style(Role::Accent),
    );
    let required = if field.required { " *" } else { "" };
    let label = format!("{indent}{}{required}", sanitize_line(&field.label));
    let style = match (kind, focused) {
        (LabelKind::Heading, _) => app.theme.style(Role::Title),
        (_, true) => app.theme.style(Role::Accent).add_modifier(Modifier::BOLD),
        (_, false) => app.theme.style(Role::Text),
    };
    let column = g.label.saturating_sub(1);
    if kind == LabelKind::Heading {
        return (
            None,
            vec![
                marker,
                Span::styled(
                    format!("{} ", fit(&label, g.width.saturating_sub(3))),
                    style,
                ),
            ],
        );
    }
    if label.width() > column {
        let above = Line::from(vec![
            marker,
            Span::styled(fit(&label, g.width.saturating_sub(2)), style),
        ]);
        return (Some(above), vec![Span::raw(" ".repeat(g.input_x()))]);
    }
    // One column between label and input.
    (
        None,
        vec![marker, Span::styled(pad(&label, column) + " ", style)],
    )
}

fn field_block(
    app: &App,
    f: &FormState,
    g: &Geometry,
    index: usize,
    field: &Field,
    focused: bool,
    page: &mut Page,
) {
    let value = f.form.value(&field.path);
    let stop = f.stops.iter().find(|s| s.field == index);
    let kind = match field.widget {
        Widget::Group | Widget::Item { .. } => LabelKind::Heading,
        _ => LabelKind::Input,
    };
    // A RepoUrlPicker's focused part carries the marker.
    let marker = focused && !matches!(field.widget, Widget::RepoUrl(_));
    let (above, mut first) = label_spans(app, field, focused, marker, kind, g);
    page.lines.extend(above);
    let iw = g.input_width();
    let muted = app.theme.style(Role::Muted);
    let mut extra_lines: Vec<Line<'static>> = Vec::new();
    let line = page.lines.len();
    let mut note: Option<String> = None;
    match &field.widget {
        _ if field.readonly => {
            let shown = if field.widget.is_masked() {
                "******".to_owned()
            } else {
                sanitize_line(&value.map(scalar).unwrap_or_default()).into_owned()
            };
            first.push(Span::styled(fit(&shown, iw), app.theme.style(Role::Text)));
            first.push(Span::styled(" (read-only)", muted));
        }
        Widget::Group => {}
        Widget::ObjectList => {
            let n = value.and_then(Json::as_array).map_or(0, Vec::len);
            first.push(Span::styled(
                format!("{n} item{}", if n == 1 { "" } else { "s" }),
                app.theme.style(Role::Text),
            ));
            if focused {
                first.push(Span::styled(
                    format!(
                        "  {}: add one",
                        key_for(app, &[Context::Choice], Action::ItemAdd)
                    ),
                    muted,
                ));
            }
        }
        Widget::Item { .. } => {
            if focused {
                first.push(Span::styled(
                    format!(
                        "{}: remove it",
                        key_for(app, &[Context::Choice], Action::ItemRemove)
                    ),
                    muted,
                ));
            }
        }
        Widget::Boolean => {
            let on = value == Some(&Json::Bool(true));
            let text = if on { "[x] yes" } else { "[ ] no" };
            let style = if focused {
                app.theme.style(Role::Selection)
            } else {
                app.theme.style(Role::Text)
            };
            first.push(Span::styled(text, style));
        }
        Widget::Select { choices, .. } => {
            let current = value.cloned();
            let is_on = |v: &Json| current.as_ref() == Some(v);
            let rows = choice_lines(app, choices, &is_on, false, None, iw);
            if rows.len() <= 1 {
                first.extend(rows.into_iter().next().unwrap_or_default());
            } else {
                let label = current
                    .as_ref()
                    .and_then(|v| choices.iter().position(|c| &c.value == v))
                    .map(|i| {
                        format!(
                            "‹ {} ›  {} of {}",
                            sanitize_line(&choices[i].label),
                            i + 1,
                            choices.len()
                        )
                    })
                    .unwrap_or_else(|| format!("‹ none chosen ›  {} choices", choices.len()));
                first.push(Span::styled(fit(&label, iw), app.theme.style(Role::Text)));
            }
        }
        Widget::Checkboxes { choices } => {
            let chosen: Vec<Json> = value.and_then(Json::as_array).cloned().unwrap_or_default();
            let is_on = |v: &Json| chosen.contains(v);
            let highlight = focused.then(|| f.sub_cursor(&field.path));
            let mut rows = choice_lines(app, choices, &is_on, true, highlight, iw).into_iter();
            first.extend(rows.next().unwrap_or_default());
            for rest in rows {
                let mut spans = vec![Span::raw(" ".repeat(g.input_x()))];
                spans.extend(rest);
                extra_lines.push(Line::from(spans));
            }
        }
        Widget::Entity(_) | Widget::EntityTags(_) => {
            let text = match value {
                Some(Json::Array(items)) if !items.is_empty() => {
                    items.iter().map(scalar).collect::<Vec<_>>().join(", ")
                }
                Some(Json::String(s)) if !s.is_empty() => {
                    let title = app
                        .catalog
                        .get(s)
                        .map(|e| e.display_name().to_owned())
                        .filter(|t| !s.ends_with(&format!("/{t}")));
                    match title {
                        Some(t) => format!("{s}  ({t})"),
                        None => s.clone(),
                    }
                }
                _ => String::new(),
            };
            if text.is_empty() {
                first.push(Span::styled(
                    fit("none chosen ▾  (enter or type to pick)", iw),
                    muted,
                ));
            } else {
                first.push(Span::styled(
                    fit(&format!("{} ▾", sanitize_line(&text)), iw),
                    app.theme.style(Role::Text),
                ));
            }
        }
        Widget::RepoUrl(_) => {
            let text = value.map(scalar).unwrap_or_default();
            if text.is_empty() {
                first.push(Span::styled("not set yet", muted));
            } else {
                first.push(Span::styled(fit(&sanitize_line(&text), iw), muted));
            }
        }
        Widget::TextArea { .. } | Widget::StringList => {
            if let Some(s) = stop {
                let lines = f.editor(&s.key).map_or(1, |e| e.lines().len());
                let rows = editor::editor_rows(field, lines);
                first.extend(bars(app, focused, iw));
                page.slots.push(Slot {
                    line,
                    x: (g.input_x() + 1) as u16,
                    width: iw.saturating_sub(2) as u16,
                    height: rows,
                    key: s.key.clone(),
                    focused,
                });
                for _ in 1..rows {
                    let mut spans = vec![Span::raw(" ".repeat(g.input_x()))];
                    spans.extend(bars(app, focused, iw));
                    extra_lines.push(Line::from(spans));
                }
            }
        }
        _ => {
            // One line of text.
            if let Some(s) = stop {
                first.extend(bracketed(app, focused, iw));
                page.slots.push(Slot {
                    line,
                    x: (g.input_x() + 1) as u16,
                    width: iw.saturating_sub(2) as u16,
                    height: 1,
                    key: s.key.clone(),
                    focused,
                });
            }
            if let Widget::Custom { name } = &field.widget {
                note = Some(format!(
                    "({} is a custom field greenroom cannot draw: a plain input here)",
                    sanitize_line(name)
                ));
            }
        }
    }
    page.lines.push(Line::from(first));
    page.lines.extend(extra_lines);
    if let Widget::RepoUrl(_) = field.widget {
        repo_parts(app, f, g, index, field, page);
    }
    // Description, help and problems under the field, indented past the marker.
    let indent = 4 + field.depth * 2;
    let text_width = g.width.saturating_sub(indent + 1);
    let mut description = field
        .description
        .as_deref()
        .map(|d| sanitize_line(d).into_owned());
    if let Some(range) = number_range(field) {
        description = Some(match description {
            Some(d) => format!("{d} ({range})"),
            None => format!("({range})"),
        });
    }
    if let Some(n) = note {
        description = Some(match description {
            Some(d) => format!("{d} {n}"),
            None => n,
        });
    }
    let pad_line =
        |text: String, style: Style| Line::styled(format!("{}{text}", " ".repeat(indent)), style);
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        if focused {
            for l in wrap(&d, text_width) {
                page.lines.push(pad_line(l, muted));
            }
        } else {
            page.lines.push(pad_line(fit(&d, text_width), muted));
        }
    }
    if focused && let Some(h) = &field.help {
        for l in wrap(&format!("ℹ {}", sanitize_line(h)), text_width) {
            page.lines.push(pad_line(l, app.theme.style(Role::Info)));
        }
    }
    for e in f.errors_for(&field.path) {
        for l in wrap(&format!("✖ {}", sanitize_line(&e)), text_width) {
            page.lines.push(pad_line(l, app.theme.style(Role::Error)));
        }
    }
}

fn bars(app: &App, focused: bool, width: usize) -> Vec<Span<'static>> {
    let edge = if focused {
        Role::BorderFocus
    } else {
        Role::Border
    };
    vec![
        Span::styled("│", app.theme.style(edge)),
        Span::raw(" ".repeat(width.saturating_sub(2))),
        Span::styled("│", app.theme.style(edge)),
    ]
}

/// RepoUrlPicker's parts, one line each: a choice from the allowed values, or text.
fn repo_parts(
    app: &App,
    f: &FormState,
    g: &Geometry,
    index: usize,
    field: &Field,
    page: &mut Page,
) {
    let iw = g.input_width();
    for part in f.repo_parts(&field.path) {
        let stop = f
            .stops
            .iter()
            .position(|s| s.field == index && s.key.part == Some(part.name));
        let focused = stop.is_some_and(|s| s == f.focus);
        let marker = if focused { "▶ " } else { "  " };
        let indent = "  ".repeat(field.depth + 1);
        let label_style = if focused {
            app.theme.style(Role::Accent).add_modifier(Modifier::BOLD)
        } else {
            app.theme.style(Role::Text)
        };
        let mut spans = vec![
            Span::styled(marker, app.theme.style(Role::Accent)),
            Span::styled(
                pad(
                    &format!("{indent}{}", sanitize_line(&part.label)),
                    g.label.saturating_sub(1),
                ) + " ",
                label_style,
            ),
        ];
        let kind = stop.map(|s| f.stops[s].kind);
        if kind == Some(StopKind::Select) {
            let choices: Vec<Choice> = part
                .allowed
                .iter()
                .map(|a| Choice {
                    value: Json::String(a.clone()),
                    label: a.clone(),
                })
                .collect();
            let current = Json::String(part.value.clone());
            let is_on = |v: &Json| *v == current;
            let rows = choice_lines(app, &choices, &is_on, false, None, iw);
            if rows.len() <= 1 {
                spans.extend(rows.into_iter().next().unwrap_or_default());
            } else {
                spans.push(Span::styled(
                    fit(&format!("‹ {} ›", sanitize_line(&part.value)), iw),
                    app.theme.style(Role::Text),
                ));
            }
        } else if let Some(s) = stop {
            spans.extend(bracketed(app, focused, iw));
            page.slots.push(Slot {
                line: page.lines.len(),
                x: (g.input_x() + 1) as u16,
                width: iw.saturating_sub(2) as u16,
                height: 1,
                key: f.stops[s].key.clone(),
                focused,
            });
        }
        page.lines.push(Line::from(spans));
    }
}
