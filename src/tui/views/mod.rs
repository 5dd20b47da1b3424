//! Drawing: reads the app's state and paints it. Layout adapts to the terminal: a preview pane
//! beside the list from 120 columns, everything usable at 80×24, a notice below 60×12, and no
//! panic at any size.

mod overlays;

use super::catalog::view as catalog;
use super::entity::view as document;
use super::live::view as status;
use super::scaffold::view as scaffold;

use super::action::Action;
use super::app::{App, Geometry, Screen};
use super::keys::keys_to_string;
use crate::text::sanitize_line;
use crate::tui::theme::Role;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

pub use overlays::{help_lines, help_view};

pub const MIN_WIDTH: u16 = 60;
/// The catalogue shows its preview pane from this width.
pub const PREVIEW_MIN_WIDTH: u16 = 120;
pub const MIN_HEIGHT: u16 = 12;

/// Paints one frame and returns the geometry the app needs for mouse hits and scrolling.
pub fn draw(frame: &mut Frame, app: &App) -> Geometry {
    let area = frame.area();
    let mut geometry = Geometry {
        width: area.width,
        ..Geometry::default()
    };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, app, area);
        return geometry;
    }
    let [header, body, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, app, header);
    geometry.body_rows = body.height;
    match app.screen() {
        Screen::Catalog => catalog::draw(frame, app, body, &mut geometry),
        Screen::Entity(s) => document::draw_entity(frame, app, s, body, &mut geometry),
        Screen::Problems { cursor, scroll, .. } => {
            document::draw_problems(frame, app, *cursor, *scroll, body, &mut geometry)
        }
        Screen::Scaffold(_) => scaffold::draw(frame, app, body),
        Screen::OnCall { cursor, scroll, .. } => {
            status::draw_oncall(frame, app, *cursor, *scroll, body, &mut geometry)
        }
        Screen::Watch => status::draw_watch(frame, app, body, &mut geometry),
        Screen::Port(v) => crate::tui::port::draw(frame, app, v, body),
        Screen::Scorecards { cursor, scroll, .. } => {
            document::draw_scorecards(frame, app, *cursor, *scroll, body, &mut geometry)
        }
    }
    draw_hints(frame, app, hints);
    overlays::draw(frame, app, area, &mut geometry);
    geometry
}

/// Text clipped to a display width, with an ellipsis when it had to be cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Text padded or clipped to exactly `width` columns.
pub fn pad(text: &str, width: usize) -> String {
    let t = fit(text, width);
    let w = t.width();
    format!("{t}{}", " ".repeat(width.saturating_sub(w)))
}

fn too_small(frame: &mut Frame, app: &App, area: Rect) {
    let text = format!(
        "greenroom needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {}×{}. Enlarge it, or press q to quit.",
        area.width, area.height
    );
    let p = Paragraph::new(text)
        .style(app.theme.style(Role::Warn))
        .wrap(Wrap { trim: true });
    frame.render_widget(p, area);
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let bar = app.theme.style(Role::Bar);
    let mut left = vec![Span::styled(
        " greenroom ",
        app.theme.style(Role::Title).patch(bar),
    )];
    if app.demo {
        left.push(Span::styled(
            " DEMO DATA ",
            app.theme
                .style(Role::Warn)
                .patch(bar)
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    let right: Vec<Span> = if let Some(notice) = &app.notice {
        let role = if notice.error { Role::Error } else { Role::Ok };
        let mark = if notice.error { "✖ " } else { "✔ " };
        // A long notice is cut to the room beside the title rather than not shown.
        let fixed: usize = left.iter().map(|s| s.content.width()).sum();
        let room = usize::from(area.width).saturating_sub(fixed + 5);
        vec![Span::styled(
            format!(" {mark}{} ", fit(&sanitize_line(&notice.text), room)),
            app.theme.style(role).patch(bar),
        )]
    } else if let Some(p) = app.loading {
        vec![Span::styled(
            format!(" reading… {} files, {} entities ", p.files_read, p.entities),
            app.theme.style(Role::Info).patch(bar),
        )]
    } else {
        let c = &app.catalog;
        let mut spans = Vec::new();
        if let Some(note) = crate::tui::port::header_note(app) {
            spans.push(Span::styled(note, app.theme.style(Role::Warn).patch(bar)));
        }
        spans.push(Span::styled(format!(" {} entities ", c.len()), bar));
        let errors = c.error_count();
        let warnings = c.warning_count();
        spans.push(Span::styled(
            format!(" ✖ {errors} "),
            if errors > 0 {
                app.theme.style(Role::Error).patch(bar)
            } else {
                bar
            },
        ));
        spans.push(Span::styled(
            format!(" ⚠ {warnings} "),
            if warnings > 0 {
                app.theme.style(Role::Warn).patch(bar)
            } else {
                bar
            },
        ));
        spans
    };
    let right_width: usize = right.iter().map(|s| s.content.width()).sum();
    let width = usize::from(area.width);
    // The source gives way (with an ellipsis) so the counts and notices always show.
    let fixed: usize = left.iter().map(|s| s.content.width()).sum();
    // Two spaces around the source, one column to spare.
    let room = width.saturating_sub(fixed + right_width + 3);
    let source = crate::tui::catalog::cache_state::header_text(app, std::time::SystemTime::now())
        .unwrap_or_else(|| app.source.clone());
    let source = sanitize_line(&source).into_owned();
    if room >= 8 {
        left.push(Span::styled(format!(" {} ", fit(&source, room)), bar));
    }
    let left_width: usize = left.iter().map(|s| s.content.width()).sum();
    let mut spans = left;
    if left_width + right_width <= width {
        spans.push(Span::styled(
            " ".repeat(width - left_width - right_width),
            bar,
        ));
        spans.extend(right);
    } else {
        spans.push(Span::styled(
            " ".repeat(width.saturating_sub(left_width)),
            bar,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The actions worth a hint right now, with their labels: those the action table hints in the
/// contexts in force, in table order, less those the state rules out (a form field's kind, a
/// run still going, an entity that is not a template).
pub fn hint_actions(app: &App) -> Vec<(Action, &'static str)> {
    let contexts = app.contexts();
    Action::ALL
        .iter()
        .copied()
        .filter(|a| a.hinted_in(&contexts) && hint_fits(app, *a))
        .map(|a| (a, a.hint()))
        .collect()
}

/// Whether a hinted action makes sense in the state on screen.
fn hint_fits(app: &App, action: Action) -> bool {
    use crate::tui::entity::rows::Tab;
    let status_tab = matches!(app.screen(), Screen::Entity(s) if s.tab == Tab::Status);
    match action {
        Action::StatusRefresh => !matches!(app.screen(), Screen::Entity(_)) || status_tab,
        Action::StatusTab => !status_tab,
        // The explorer's and the graph's keys, only where they act.
        Action::DefinitionFind | Action::CopyItem | Action::DefinitionRaw => {
            matches!(app.screen(), Screen::Entity(s) if s.tab == Tab::Definition)
        }
        Action::GraphToggle => {
            matches!(app.screen(), Screen::Entity(s) if s.tab == Tab::Relations)
        }
        // Only entities read from a file here have something to open.
        Action::Edit => app.current_entity_has_local_file(),
        // Deciding is for the inbox's runs.
        Action::PortApprove | Action::PortDecline => matches!(
            app.screen(),
            Screen::Port(v) if v.list == crate::tui::port::PortList::Inbox
        ),
        Action::RunsRerun => crate::tui::port::runs::selected(app).is_some(),
        Action::GraphDirection
        | Action::GraphDeeper
        | Action::GraphShallower
        | Action::GraphKinds
        | Action::GraphRelations => {
            matches!(app.screen(), Screen::Entity(s) if s.tab == Tab::Relations && s.graph.on)
        }
        _ => scaffold::hint_fits(app, action),
    }
}

fn draw_hints(frame: &mut Frame, app: &App, area: Rect) {
    let contexts = app.contexts();
    let mut spans = Vec::new();
    let mut used = 0usize;
    let width = usize::from(area.width);
    if !app.pending.is_empty() {
        let text = format!(" {} … ", keys_to_string(&app.pending));
        used += text.width();
        spans.push(Span::styled(text, app.theme.style(Role::Accent)));
    }
    let with_keys: Vec<(String, &str, Action)> = hint_actions(app)
        .into_iter()
        .filter_map(|(action, label)| {
            let key = app.keymap.keys_for(&contexts, action).into_iter().next()?;
            Some((key, label, action))
        })
        .collect();
    // The help hint is how people find everything else: it keeps its place at the end.
    let help = with_keys
        .iter()
        .find(|(_, _, a)| *a == Action::Help)
        .cloned();
    let reserved = help
        .as_ref()
        .map_or(0, |(k, l, _)| format!(" {k} {l} ").width());
    let mut shown: Vec<&(String, &str, Action)> = Vec::new();
    for hint in with_keys.iter().filter(|(_, _, a)| *a != Action::Help) {
        let piece = format!(" {} {} ", hint.0, hint.1).width();
        if used + piece + reserved > width {
            break;
        }
        used += piece;
        shown.push(hint);
    }
    shown.extend(help.as_ref().filter(|_| used + reserved <= width));
    for (key, label, _) in shown {
        spans.push(Span::styled(format!(" {key}"), app.theme.style(Role::Key)));
        spans.push(Span::styled(
            format!(" {label} "),
            app.theme.style(Role::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Styled spans from rows' pieces.
pub fn spans_of(app: &App, pieces: &[crate::tui::entity::rows::Piece]) -> Vec<Span<'static>> {
    pieces
        .iter()
        .map(|p| Span::styled(p.text.clone(), app.theme.style(p.role)))
        .collect()
}

pub fn base_style(app: &App) -> Style {
    app.theme.style(Role::Text)
}
