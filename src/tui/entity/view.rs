//! The entity screen (title, tabs and the tab's rows) and the problems pane: both are lists of
//! rows with a cursor.

use super::super::app::{App, EntityScreen, Geometry};
use crate::text::sanitize_line;
use crate::tui::entity::rows::{Row, Tab};
use crate::tui::links::LinkArea;
use crate::tui::theme::Role;
use crate::tui::views::spans_of;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn draw_entity(
    frame: &mut Frame,
    app: &App,
    s: &EntityScreen,
    area: Rect,
    geometry: &mut Geometry,
) {
    let Some(e) = app.catalog.get(&s.key) else {
        return;
    };
    let [title, tabs, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let mut spans = vec![
        Span::styled(
            format!(" {} ", sanitize_line(e.kind())),
            app.theme.style(Role::Accent),
        ),
        Span::styled(
            sanitize_line(&e.entity_ref.short(Some(e.kind()))).into_owned(),
            app.theme.style(Role::Title),
        ),
    ];
    if e.display_name() != e.name() {
        spans.push(Span::styled(
            format!("  {}", sanitize_line(e.display_name())),
            app.theme.style(Role::Text),
        ));
    }
    for v in [e.spec_type(), e.lifecycle()].into_iter().flatten() {
        spans.push(Span::styled(
            format!("  · {}", sanitize_line(v)),
            app.theme.style(Role::Muted),
        ));
    }
    if !e.is_accepted() {
        spans.push(Span::styled(
            "  ✖ rejected by Backstage",
            app.theme.style(Role::Error),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);

    let mut tab_spans = vec![Span::raw(" ")];
    for t in Tab::for_entity(e) {
        let label = format!("{} {}", t.number(), t.title());
        if t == s.tab {
            tab_spans.push(Span::styled(
                format!("[{label}]"),
                app.theme
                    .style(Role::Accent)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ));
        } else {
            tab_spans.push(Span::styled(
                format!(" {label} "),
                app.theme.style(Role::Muted),
            ));
        }
        if t == Tab::Status
            && let Some(badge) = crate::tui::live::view::tab_badge(app, &s.key)
        {
            tab_spans.push(Span::raw(" "));
            tab_spans.push(badge);
        }
        tab_spans.push(Span::raw(" "));
    }
    if s.tab == Tab::Ownership && (e.is_kind("Group")) {
        let scope = if s.transitive {
            "including sub-groups"
        } else {
            "direct"
        };
        tab_spans.push(Span::styled(
            format!("  ownership: {scope}"),
            app.theme.style(Role::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(tab_spans)), tabs);

    if s.tab == Tab::Docs {
        geometry.body_rows = body.height;
        crate::tui::entity::docs::view::draw_docs(frame, app, body, geometry);
        return;
    }
    geometry.body_rows = body.height;
    if s.tab == Tab::Relations && s.graph.on {
        crate::tui::entity::graph::view::draw(frame, app, s, body);
        return;
    }
    let rows = app.rows();
    let has_cursor = rows.iter().any(Row::selectable);
    let scroll = draw_rows(
        frame,
        app,
        &rows,
        has_cursor.then_some(s.cursor),
        s.scroll,
        body,
        &mut geometry.links,
    );
    geometry.doc_scroll = Some(scroll);
}

/// The scorecards overview: a title, the column headings, then teams × scorecards.
pub fn draw_scorecards(
    frame: &mut Frame,
    app: &App,
    cursor: usize,
    scroll: usize,
    area: Rect,
    geometry: &mut Geometry,
) {
    let [title, header, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let teams = app.scores.teams.len();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" Scorecards ", app.theme.style(Role::Title)),
            Span::styled(
                format!(" {teams} teams, worst first · lowest level, top-level/graded"),
                app.theme.style(Role::Muted),
            ),
        ])),
        title,
    );
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            crate::tui::entity::scores::overview_header(&app.scores.cards, area.width),
            app.theme.style(Role::Muted).add_modifier(Modifier::BOLD),
        ))),
        header,
    );
    let rows = app.rows();
    geometry.body_rows = body.height;
    let scroll = draw_rows(
        frame,
        app,
        &rows,
        Some(cursor),
        scroll,
        body,
        &mut geometry.links,
    );
    geometry.doc_scroll = Some(scroll);
}

pub fn draw_problems(
    frame: &mut Frame,
    app: &App,
    cursor: usize,
    scroll: usize,
    area: Rect,
    geometry: &mut Geometry,
) {
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let c = &app.catalog;
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" Problems ", app.theme.style(Role::Title)),
            Span::styled(
                format!(" ✖ {} errors ", c.error_count()),
                app.theme.style(Role::Error),
            ),
            Span::styled(
                format!(" ⚠ {} warnings", c.warning_count()),
                app.theme.style(Role::Warn),
            ),
            Span::styled("   enter opens the entity", app.theme.style(Role::Muted)),
        ])),
        title,
    );
    let rows = app.rows();
    geometry.body_rows = body.height;
    geometry.doc_scroll = Some(draw_problem_list(frame, app, &rows, cursor, scroll, body));
}

/// The lines one problem takes at a width. The one under the cursor is shown whole: its mark
/// and message wrapped under a hanging indent, then where it is (file:line:col) and the entity.
/// The others take one line each: the message (cut to fit) and the file's name and line.
fn problem_lines(app: &App, row: &Row, width: usize, selected: bool) -> Vec<Line<'static>> {
    let [mark, message, place, entity @ ..] = &row.pieces[..] else {
        // "No problems": one plain line.
        let mut spans = vec![Span::raw("  ")];
        spans.extend(spans_of(app, &row.pieces));
        return vec![Line::from(spans)];
    };
    let indent = 2 + mark.text.width();
    let room = width.saturating_sub(indent).max(10);
    if !selected {
        let file = place.text.rsplit('/').next().unwrap_or(&place.text);
        // file:line, without the column.
        let short = file.rsplit_once(':').map_or(file, |(f, _)| f);
        let short = crate::tui::views::fit(short, room / 2);
        let text = crate::tui::views::fit(&message.text, room.saturating_sub(short.width() + 2));
        let gap = room.saturating_sub(text.width() + short.width());
        return vec![Line::from(vec![
            Span::raw("  "),
            Span::styled(mark.text.clone(), app.theme.style(mark.role)),
            Span::styled(text, app.theme.style(Role::Text)),
            Span::raw(" ".repeat(gap)),
            Span::styled(short.to_owned(), app.theme.style(Role::Muted)),
        ])];
    }
    let base = app.theme.style(Role::Selection);
    let mut lines = Vec::new();
    for (i, text) in crate::tui::live::panel::wrap(&message.text, room)
        .into_iter()
        .enumerate()
    {
        let mut spans = if i == 0 {
            vec![
                Span::styled("▶ ", base),
                Span::styled(mark.text.clone(), app.theme.style(mark.role).patch(base)),
            ]
        } else {
            vec![Span::styled(" ".repeat(indent), base)]
        };
        spans.push(Span::styled(text, base));
        lines.push(Line::from(spans).style(base));
    }
    let mut place_text = place.text.clone();
    if let Some(e) = entity.first() {
        place_text.push_str(&format!("  {}", e.text));
    }
    for text in crate::tui::live::panel::wrap(&place_text, room) {
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(indent)),
            Span::styled(text, app.theme.style(Role::Muted)),
        ]));
    }
    lines
}

/// Problems, one line each and the one under the cursor (file-level problems too) whole,
/// kept in view; returns the index of the first problem shown.
fn draw_problem_list(
    frame: &mut Frame,
    app: &App,
    rows: &[Row],
    cursor: usize,
    scroll: usize,
    area: Rect,
) -> usize {
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    let cursor = cursor.min(rows.len().saturating_sub(1));
    let blocks: Vec<Vec<Line>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| problem_lines(app, r, width, i == cursor))
        .collect();
    let mut scroll = scroll.min(cursor);
    while scroll < cursor && blocks[scroll..=cursor].iter().map(Vec::len).sum::<usize>() > height {
        scroll += 1;
    }
    let lines: Vec<Line> = blocks
        .into_iter()
        .skip(scroll)
        .flatten()
        .take(height)
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
    scroll
}

/// Draws rows with the cursor kept in view; returns the scroll offset used.
pub(crate) fn draw_rows(
    frame: &mut Frame,
    app: &App,
    rows: &[Row],
    cursor: Option<usize>,
    scroll: usize,
    area: Rect,
    link_areas: &mut Vec<LinkArea>,
) -> usize {
    let height = usize::from(area.height);
    let scroll = match cursor {
        Some(c) if c < scroll => c,
        Some(c) if height > 0 && c >= scroll + height => c + 1 - height,
        _ => scroll.min(rows.len().saturating_sub(height.max(1))),
    };
    let mut lines = Vec::new();
    let mut links = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(scroll).take(height) {
        let selected = cursor == Some(i) && row.selectable();
        let base = if selected {
            app.theme.style(Role::Selection)
        } else {
            app.theme.style(Role::Text)
        };
        let marker = if selected { "▶" } else { " " };
        let tree = match &row.node {
            Some((_, true)) => "▾ ",
            Some((_, false)) => "▸ ",
            None => "",
        };
        let indent = format!("{marker} {}{tree}", "  ".repeat(usize::from(row.depth)));
        let mut x = area.x + indent.width() as u16;
        let mut spans = vec![Span::styled(indent, base)];
        for piece in spans_of(app, &row.pieces) {
            let w = piece.content.width() as u16;
            if let Some(url) = &row.link
                && row
                    .pieces
                    .iter()
                    .any(|p| p.role == Role::Link && p.text == piece.content)
            {
                links.push((x, area.y + (i - scroll) as u16, w, url.clone()));
            }
            x += w;
            spans.push(if selected {
                Span::styled(piece.content, piece.style.patch(base))
            } else {
                piece
            });
        }
        let mut line = Line::from(spans);
        if selected {
            line = line.style(base);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
    if app.settings.hyperlinks {
        for (x, y, w, url) in links {
            let width = w.min(area.right().saturating_sub(x));
            link_areas.push(LinkArea { x, y, width, url });
        }
    }
    scroll
}
