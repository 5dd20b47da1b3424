//! Drawing the Docs tab (the page, its header, the nav tree and the page's headings beside it
//! when the terminal is wide, over it when asked for on a narrow one) and the docs search
//! overlay. Every string here came through the techdocs model, which sanitised it.

use super::super::docs::{Reader, SearchOverlay, nav_rows};
use crate::techdocs::{self, Link};
use crate::tui::app::{App, Geometry};
use crate::tui::links::LinkArea;
use crate::tui::theme::Role;
use crate::tui::views::{fit, pad};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use std::sync::atomic::Ordering;
use unicode_width::UnicodeWidthStr;

/// From this width the nav sits beside the page.
pub const NAV_BESIDE: u16 = 100;
const NAV_WIDTH: u16 = 28;

fn style_of(app: &App, s: techdocs::Style) -> Style {
    let mut st = app.theme.style(Role::parse(s.role).unwrap_or(Role::Text));
    if s.bold {
        st = st.add_modifier(Modifier::BOLD);
    }
    if s.italic {
        st = st.add_modifier(Modifier::ITALIC);
    }
    if s.underline {
        st = st.add_modifier(Modifier::UNDERLINED);
    }
    if s.strike {
        st = st.add_modifier(Modifier::CROSSED_OUT);
    }
    st
}

/// Cuts `skip` columns off the front of a string (code scrolled sideways).
fn skip_cols(s: &str, skip: usize) -> (String, usize) {
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used < skip {
            used += w;
            continue;
        }
        out.push(c);
    }
    (out, used)
}

pub fn draw_docs(frame: &mut Frame, app: &App, area: Rect, geometry: &mut Geometry) {
    let Some(r) = app.docs.reader.as_ref() else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                " opening the docs…",
                app.theme.style(Role::Muted),
            )),
            area,
        );
        return;
    };
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    header(frame, app, r, head);
    if let Some(l) = r.loading.as_ref().filter(|l| l.site) {
        let text = vec![
            Line::from(Span::styled(
                format!(" ⧗ {}…", l.what),
                app.theme.style(Role::Muted),
            )),
            Line::from(Span::styled(
                format!(" {} stops waiting", stop_key(app)),
                app.theme.style(Role::Muted),
            )),
        ];
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: false }),
            body,
        );
        return;
    }
    let err = match (&r.site, &r.doc) {
        (Err(e), _) | (_, Err(e)) => Some(e.clone()),
        _ => None,
    };
    if let Some(e) = err {
        let text = vec![
            Line::from(Span::styled(
                " These docs cannot be shown:",
                app.theme.style(Role::Error),
            )),
            Line::from(Span::styled(format!(" {e}"), app.theme.style(Role::Text))),
        ];
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: false }),
            body,
        );
        return;
    }
    let beside = area.width >= NAV_BESIDE;
    let (side, page) = if beside || r.nav_open {
        let [side, page] =
            Layout::horizontal([Constraint::Length(NAV_WIDTH), Constraint::Min(20)]).areas(body);
        (Some(side), page)
    } else {
        (None, body)
    };
    // The page takes the whole width when the nav is over it on a narrow screen.
    let page = if !beside && r.nav_open { body } else { page };
    r.width.store(
        usize::from(page.width.saturating_sub(2)).max(20),
        Ordering::Relaxed,
    );
    draw_page(frame, app, r, page, geometry);
    if let Some(side) = side {
        if !beside {
            frame.render_widget(Clear, side);
        }
        draw_side(frame, app, r, side);
    }
}

/// The key that stops waiting for a slow server (Back, `Esc` in every built-in map).
fn stop_key(app: &App) -> String {
    app.keymap
        .keys_for(&app.contexts(), crate::tui::action::Action::Back)
        .first()
        .map_or_else(|| "Esc".to_owned(), ToString::to_string)
}

fn header(frame: &mut Frame, app: &App, r: &Reader, area: Rect) {
    let mut spans = vec![Span::styled(
        format!(" {} ", r.site_name()),
        app.theme.style(Role::Accent),
    )];
    if let Ok(site) = &r.site
        && let Some(p) = site.pages.get(r.page)
    {
        spans.push(Span::styled(
            format!("› {}", p.title),
            app.theme.style(Role::Title),
        ));
        spans.push(Span::styled(
            format!("  {}/{}", r.page + 1, site.pages.len()),
            app.theme.style(Role::Muted),
        ));
    }
    if r.owner != r.entity {
        spans.push(Span::styled(
            format!("  docs of {}", r.owner),
            app.theme.style(Role::Muted),
        ));
    }
    if let Some(l) = r.loading.as_ref().filter(|l| !l.site) {
        spans.push(Span::styled(
            format!("  {}… ({} stops)", l.what, stop_key(app)),
            app.theme.style(Role::Muted),
        ));
    }
    if let Ok(site) = &r.site
        && let Some(why) = &site.cached
    {
        spans.push(Span::styled(
            format!("  ⚠ {why}"),
            app.theme.style(Role::Warn),
        ));
    }
    if let Some(f) = r.find.as_ref().filter(|f| !f.is_empty()) {
        let n = r.matches().len();
        spans.push(Span::styled(
            format!("  find \"{f}\": {n} lines"),
            app.theme
                .style(if n == 0 { Role::Warn } else { Role::Match }),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_page(frame: &mut Frame, app: &App, r: &Reader, area: Rect, geometry: &mut Geometry) {
    let laid = r.laid();
    let height = usize::from(area.height);
    let scroll = r.scroll.min(laid.lines.len().saturating_sub(height));
    let find = r
        .find
        .as_ref()
        .filter(|f| !f.is_empty())
        .map(|f| f.to_lowercase());
    let mut lines = Vec::new();
    let mut links = Vec::new();
    for (row, line) in laid.lines.iter().enumerate().skip(scroll).take(height) {
        let found = find
            .as_ref()
            .is_some_and(|f| line.text().to_lowercase().contains(f.as_str()));
        let mut spans = vec![Span::styled(
            if found { "▸ " } else { "  " },
            app.theme.style(Role::Match),
        )];
        let mut x = area.x + 2;
        let mut skip = if line.code { r.hscroll } else { 0 };
        for seg in &line.segs {
            // Code scrolls sideways past its bar; the prefix (list indent, bar) stays.
            let text = if skip > 0 && line.code && seg.text != "│ " && !seg.text.trim().is_empty()
            {
                let (t, used) = skip_cols(&seg.text, skip);
                skip = skip.saturating_sub(used);
                t
            } else {
                seg.text.clone()
            };
            let mut st = style_of(app, seg.style);
            if seg.link.is_some() && seg.link == r.link {
                st = st.patch(app.theme.style(Role::Selection));
            }
            let w = text.width() as u16;
            if let Some(i) = seg.link
                && let Link::External { url } = &laid.links[i].0
                && let Some(url) = crate::tui::opener::safe_url(url)
            {
                links.push((x, area.y + (row - scroll) as u16, w, url));
            }
            x += w;
            spans.push(Span::styled(text, st));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
    if app.settings.hyperlinks {
        for (x, y, w, url) in links {
            let width = w.min(area.right().saturating_sub(x));
            if width > 0 {
                geometry.links.push(LinkArea { x, y, width, url });
            }
        }
    }
}

fn draw_side(frame: &mut Frame, app: &App, r: &Reader, area: Rect) {
    let Ok(site) = &r.site else {
        return;
    };
    let focus = r.nav_open;
    let block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(app.theme.style(if focus {
            Role::BorderFocus
        } else {
            Role::Border
        }));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = vec![Line::from(Span::styled(
        pad(&site.name, width),
        app.theme.style(Role::Title),
    ))];
    for (i, row) in nav_rows(site).iter().enumerate() {
        let current = row.page == Some(r.page);
        let mut st = app.theme.style(if current {
            Role::Accent
        } else if row.page.is_some() {
            Role::Text
        } else {
            Role::Muted
        });
        if focus && i == r.nav_cursor {
            st = app.theme.style(Role::Selection);
        }
        let mark = if current { "▶ " } else { "  " };
        let text = format!("{}{mark}{}", "  ".repeat(row.depth), row.title);
        lines.push(Line::from(Span::styled(pad(&text, width), st)));
    }
    // The page's headings under the nav, when there is room.
    if let Ok(doc) = &r.doc {
        let headings: Vec<(u8, String, String)> =
            doc.headings().into_iter().filter(|h| h.0 >= 2).collect();
        if !headings.is_empty() && lines.len() + 3 < usize::from(inner.height) {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                "On this page",
                app.theme.style(Role::Muted),
            )));
            for (level, _, text) in headings {
                let indent = "  ".repeat(usize::from(level.saturating_sub(2)));
                lines.push(Line::from(Span::styled(
                    fit(&format!("{indent}{text}"), width),
                    app.theme.style(Role::Muted),
                )));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The docs search (or find-in-page) overlay.
pub fn draw_search(frame: &mut Frame, app: &App, area: Rect, o: &SearchOverlay) {
    let height = if o.find {
        3
    } else {
        (o.hits.len() as u16 * 2 + 4).clamp(6, 22)
    };
    let w = 96.min(area.width.saturating_sub(2));
    let h = height.min(area.height.saturating_sub(2));
    let rect = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y
            + if o.find {
                area.height.saturating_sub(h + 1)
            } else {
                (area.height.saturating_sub(h)) / 2
            },
        width: w,
        height: h,
    };
    frame.render_widget(Clear, rect);
    let title = if o.find {
        " Find in page "
    } else {
        " Search all docs "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::BorderFocus))
        .title(Span::styled(title, app.theme.style(Role::Title)));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return;
    }
    let [input, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let mut textarea = o.input.clone();
    textarea.set_style(app.theme.style(Role::Text));
    textarea.set_placeholder_style(app.theme.style(Role::Muted));
    textarea.set_cursor_style(app.theme.style(Role::Selection));
    frame.render_widget(&textarea, input);
    if o.find || list.height == 0 {
        return;
    }
    let width = usize::from(list.width);
    let query = o.input.lines().first().cloned().unwrap_or_default();
    let mut lines = Vec::new();
    if app.docs.index.is_none() {
        lines.push(Line::from(Span::styled(
            "indexing every docs site…",
            app.theme.style(Role::Muted),
        )));
    } else if o.hits.is_empty() {
        let text = if query.trim().is_empty() {
            format!(
                "{} pages indexed; type words to search",
                app.docs.index.as_ref().map_or(0, |i| i.pages)
            )
        } else {
            "no docs match".into()
        };
        lines.push(Line::from(Span::styled(text, app.theme.style(Role::Muted))));
    }
    let visible = usize::from(list.height) / 2;
    let offset = o.cursor.saturating_sub(visible.saturating_sub(1));
    for (i, h) in o.hits.iter().enumerate().skip(offset).take(visible.max(1)) {
        let selected = i == o.cursor;
        let base = app.theme.style(if selected {
            Role::Selection
        } else {
            Role::Text
        });
        let heading = if h.heading.is_empty() || h.heading == h.page_title {
            String::new()
        } else {
            format!(" › {}", h.heading)
        };
        let marker = if selected { "▶ " } else { "  " };
        let head = format!("{marker}{} › {}{heading}", h.site, h.page_title);
        lines.push(Line::from(Span::styled(pad(&head, width), base)));
        lines.push(Line::from(Span::styled(
            fit(&format!("    {}", h.snippet), width),
            app.theme.style(Role::Muted),
        )));
    }
    frame.render_widget(Paragraph::new(lines), list);
}
