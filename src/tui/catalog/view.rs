//! The catalogue pane: the query line, facet counts, the list, and a preview beside it on wide
//! terminals.

use super::super::app::{App, Geometry};
use crate::search::highlight;
use crate::text::sanitize_line;
use crate::tui::entity::rows;
use crate::tui::theme::Role;
use crate::tui::views::{fit, pad, spans_of};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, app: &App, area: Rect, geometry: &mut Geometry) {
    let [query, facets, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    draw_query(frame, app, query);
    draw_facets(frame, app, facets);
    let (list, preview) = if app.settings.preview
        && rest.width >= crate::tui::views::PREVIEW_MIN_WIDTH
    {
        let [l, p] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
            .areas(rest);
        (l, Some(p))
    } else {
        (rest, None)
    };
    draw_list(frame, app, list, geometry);
    if let Some(p) = preview {
        draw_preview(frame, app, p);
    }
}

fn draw_query(frame: &mut Frame, app: &App, area: Rect) {
    let s = &app.search;
    let mut count = if app.loading.is_some() {
        "reading…".to_owned()
    } else if app.indexing {
        // The list is the catalogue in order; a query typed now runs when the index is in.
        format!("indexing… {}/{}", s.hits.len(), app.catalog.len())
    } else if s.searching() {
        format!("{}/{} …", s.hits.len(), app.catalog.len())
    } else {
        format!("{}/{}", s.hits.len(), app.catalog.len())
    };
    let note = app.list_note();
    if !note.is_empty() {
        count = format!("{note} · {count}");
    }
    let prompt_style = if s.focused {
        app.theme.style(Role::Accent).add_modifier(Modifier::BOLD)
    } else {
        app.theme.style(Role::Muted)
    };
    let count_width = count.width() as u16 + 1;
    let [prompt, input, counter] = Layout::horizontal([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(count_width),
    ])
    .areas(area);
    frame.render_widget(Span::styled("/ ", prompt_style), prompt);
    if s.focused || !s.text().is_empty() {
        let mut textarea = s.input.clone();
        textarea.set_style(app.theme.style(Role::Text));
        textarea.set_placeholder_style(app.theme.style(Role::Muted));
        textarea.set_selection_style(app.theme.style(Role::Selection));
        if s.focused {
            textarea.set_cursor_style(app.theme.style(Role::Selection));
        } else {
            textarea.set_cursor_style(app.theme.style(Role::Text));
        }
        frame.render_widget(&textarea, input);
    } else {
        frame.render_widget(
            Span::styled(
                fit(
                    "press / to search (kind: owner: tag: lifecycle: -negate \"phrase\")",
                    usize::from(input.width),
                ),
                app.theme.style(Role::Muted),
            ),
            input,
        );
    }
    frame.render_widget(
        Span::styled(format!(" {count}"), app.theme.style(Role::Muted)),
        counter,
    );
}

fn draw_facets(frame: &mut Frame, app: &App, area: Rect) {
    let f = &app.search.facets;
    let mut spans = Vec::new();
    let part =
        |label: &str, items: &[(String, usize)], max: usize, spans: &mut Vec<Span<'static>>| {
            if items.is_empty() {
                return;
            }
            spans.push(Span::styled(
                format!("{label} "),
                app.theme.style(Role::Muted),
            ));
            for (i, (name, n)) in items.iter().take(max).enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" · ", app.theme.style(Role::Muted)));
                }
                spans.push(Span::styled(
                    sanitize_line(name).into_owned(),
                    app.theme.style(Role::Accent),
                ));
                spans.push(Span::styled(format!(" {n}"), app.theme.style(Role::Text)));
            }
            if items.len() > max {
                spans.push(Span::styled(
                    format!(" +{}", items.len() - max),
                    app.theme.style(Role::Muted),
                ));
            }
            spans.push(Span::styled("  ", app.theme.style(Role::Muted)));
        };
    part("kind", &f.kinds, 6, &mut spans);
    part("lifecycle", &f.lifecycles, 3, &mut spans);
    part("owner", &f.owners, 4, &mut spans);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The flag column that marks entities Backstage would reject: `✖` and a space.
const FLAG_WIDTH: usize = 2;

struct Columns {
    kind: usize,
    name: usize,
    owner: usize,
    lifecycle: usize,
    title: usize,
}

/// The columns of the list at a width, after the cursor marker (and the rejected-entity flag
/// column, when `flags`).
fn columns(width: usize, flags: bool) -> Columns {
    let body = width.saturating_sub(2 + if flags { FLAG_WIDTH } else { 0 });
    let kind = 10;
    let lifecycle = if body >= 70 { 13 } else { 0 };
    let owner = if body >= 60 { 18.min(body / 5) } else { 0 };
    let rest = body.saturating_sub(kind + lifecycle + owner);
    let name = (rest * 55 / 100).max(16).min(rest);
    Columns {
        kind,
        name,
        owner,
        lifecycle,
        title: rest.saturating_sub(name),
    }
}

fn draw_list(frame: &mut Frame, app: &App, area: Rect, geometry: &mut Geometry) {
    geometry.list = area;
    // Rejected entities are flagged in a column of their own, there only when some are.
    let flags = app.catalog.entities().iter().any(|e| !e.is_accepted());
    let cols = columns(usize::from(area.width), flags);
    let header_style = app.theme.style(Role::Muted).add_modifier(Modifier::BOLD);
    let mut header = vec![
        Span::raw(if flags { "    " } else { "  " }),
        Span::styled(pad("KIND", cols.kind), header_style),
        Span::styled(pad("NAME", cols.name), header_style),
    ];
    if cols.owner > 0 {
        header.push(Span::styled(pad("OWNER", cols.owner), header_style));
    }
    if cols.lifecycle > 0 {
        header.push(Span::styled(pad("LIFECYCLE", cols.lifecycle), header_style));
    }
    header.push(Span::styled(pad("TITLE", cols.title), header_style));
    let mut lines = vec![Line::from(header)];

    let s = &app.search;
    let visible = usize::from(area.height.saturating_sub(1));
    // Keep the selection on screen with the least scrolling.
    let offset = if s.cursor < s.offset {
        s.cursor
    } else if visible > 0 && s.cursor >= s.offset + visible {
        s.cursor + 1 - visible
    } else {
        s.offset
    };
    geometry.list_offset = Some(offset);
    if app.loading.is_none() && s.hits.is_empty() && !s.searching() {
        let msg = if app.catalog.is_empty() {
            "The catalogue is empty. Point greenroom at descriptors with -c PATH or a [[catalog.source]] in the config."
        } else {
            "Nothing matches. Esc clears the query; kind: owner: tag: filters narrow it."
        };
        lines.push(Line::from(Span::styled(
            format!("  {msg}"),
            app.theme.style(Role::Muted),
        )));
    }
    for (row, hit) in s.hits.iter().enumerate().skip(offset).take(visible) {
        // Hits and catalogue are installed together (`App::set_catalog`); a hit that does
        // not index this catalogue is skipped rather than trusted.
        let Some(e) = app.catalog.entities().get(hit.entity) else {
            continue;
        };
        let selected = row == s.cursor;
        let base = if selected {
            app.theme.style(Role::Selection)
        } else {
            app.theme.style(Role::Text)
        };
        let marker = if selected { "▶ " } else { "  " };
        let mut spans = vec![Span::styled(marker, base)];
        if flags {
            let flag = if e.is_accepted() { "  " } else { "✖ " };
            spans.push(Span::styled(
                flag,
                if selected {
                    base
                } else {
                    app.theme.style(Role::Error)
                },
            ));
        }
        let kind_text = sanitize_line(e.kind()).into_owned();
        let kind_style = if e.is_accepted() {
            app.theme.style(Role::Muted)
        } else {
            app.theme.style(Role::Error)
        };
        spans.push(Span::styled(
            pad(&kind_text, cols.kind),
            if selected { base } else { kind_style },
        ));
        // The name, with the characters the query matched picked out.
        let name = sanitize_line(&e.entity_ref.short(Some(e.kind()))).into_owned();
        let name_fit = format!("{} ", pad(&name, cols.name.saturating_sub(1)));
        let matched = highlight(&name, &s.hits_query);
        // On the selected row the match keeps the selection's colours (a match colour on the
        // selection colour is unreadable in some themes) and is picked out by underline.
        let match_style = if selected {
            base.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            base.patch(app.theme.style(Role::Match))
        };
        for (i, c) in name_fit.chars().enumerate() {
            let style = if matched.contains(&i) && c != '…' {
                match_style
            } else {
                base
            };
            spans.push(Span::styled(c.to_string(), style));
        }
        if cols.owner > 0 {
            let owner = rows::owner_of(e)
                .map(|o| o.rsplit('/').next().unwrap_or(&o).to_owned())
                .unwrap_or_default();
            let owner = pad(&sanitize_line(&owner), cols.owner - 1);
            spans.push(Span::styled(format!("{owner} "), base));
        }
        if cols.lifecycle > 0 {
            let lifecycle = pad(
                &sanitize_line(e.lifecycle().unwrap_or("")),
                cols.lifecycle - 1,
            );
            spans.push(Span::styled(format!("{lifecycle} "), base));
        }
        let title = e.title().or(e.description()).unwrap_or("");
        spans.push(Span::styled(
            pad(&sanitize_line(title), cols.title),
            if selected {
                base
            } else {
                app.theme.style(Role::Muted)
            },
        ));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_preview(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::default()
        .borders(Borders::LEFT)
        .border_style(app.theme.style(Role::Border));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(key) = app.selected_entity() else {
        return;
    };
    let Some(e) = app.catalog.get(&key) else {
        return;
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!(" {} ", sanitize_line(e.kind())),
                app.theme.style(Role::Muted),
            ),
            Span::styled(
                sanitize_line(e.display_name()).into_owned(),
                app.theme.style(Role::Title),
            ),
        ]),
        Line::default(),
    ];
    for row in rows::overview(&app.catalog, e)
        .iter()
        .take(usize::from(inner.height))
    {
        let mut spans = vec![Span::raw(format!(
            " {}",
            "  ".repeat(usize::from(row.depth))
        ))];
        spans.extend(spans_of(app, &row.pieces));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_every_width() {
        for flags in [false, true] {
            let lead = 2 + if flags { FLAG_WIDTH } else { 0 };
            for w in 0..300 {
                let c = columns(w, flags);
                assert!(
                    lead + c.kind + c.name + c.owner + c.lifecycle + c.title
                        <= w.max(lead + c.kind + c.name),
                    "{w}"
                );
            }
            let c = columns(80, flags);
            assert!(c.owner > 0 && c.lifecycle > 0 && c.title > 0);
        }
    }
}
