//! The relations graph drawn in the terminal: one box per entity (its kind on the border, its
//! name inside), columns left to right as `graph::build` lays them out, and between columns
//! edges that share a bus line and end in `──relation─▶` at their target. The view scrolls to
//! keep the selected box in sight; its full ref is on the line above the graph.

use crate::graph::Graph;
use crate::text::sanitize_line;
use crate::tui::app::{App, EntityScreen};
use crate::tui::theme::Role;
use crate::tui::views::fit;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// A box's width and the gap between columns: three columns fit 80 columns exactly.
pub const BOX_W: usize = 18;
pub const GAP: usize = 13;
/// Rows per box and the space under it.
const BOX_H: usize = 3;
const PITCH: usize = BOX_H + 1;

struct Canvas {
    w: usize,
    h: usize,
    cells: Vec<(char, &'static str)>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Canvas {
        Canvas {
            w,
            h,
            cells: vec![(' ', "text"); w * h],
        }
    }

    fn get(&self, x: usize, y: usize) -> char {
        if x < self.w && y < self.h {
            self.cells[y * self.w + x].0
        } else {
            ' '
        }
    }

    fn put(&mut self, x: usize, y: usize, c: char, role: &'static str) {
        if x < self.w && y < self.h {
            self.cells[y * self.w + x] = (c, role);
        }
    }

    fn text(&mut self, x: usize, y: usize, s: &str, role: &'static str) {
        for (i, c) in s.chars().enumerate() {
            self.put(x + i, y, c, role);
        }
    }
}

fn col_x(c: usize) -> usize {
    c * (BOX_W + GAP)
}

/// Lays the graph out on a canvas as big as it needs.
fn paint(app: &App, g: &Graph, selected: usize) -> Canvas {
    let cols = g.columns.len();
    let rows = g.columns.iter().map(Vec::len).max().unwrap_or(1);
    let mut cv = Canvas::new(
        cols * (BOX_W + GAP) - GAP.min(cols * (BOX_W + GAP)),
        rows * PITCH,
    );
    let place: Vec<(usize, usize)> = (0..g.nodes.len())
        .map(|n| g.place(n).unwrap_or((0, 0)))
        .collect();
    // Edges first, boxes over them. Each gap has a bus line; a label names the relation on
    // the side where every arrow carries one relation: at the targets (`──partOf─▶`) when
    // no target gathers two kinds of relation, else at the sources (`──memberOf──┐`, the bus
    // beside the targets) when no source sends two; else at the targets, cut to fit.
    for gap in 0..cols.saturating_sub(1) {
        let edges: Vec<_> = g
            .edges
            .iter()
            .filter(|e| place[e.from].0 == gap && place[e.to].0 == gap + 1)
            .collect();
        if edges.is_empty() {
            continue;
        }
        let labels_of = |end_of: &dyn Fn(&crate::graph::GraphEdge) -> usize, n: usize| {
            let mut l: Vec<&str> = edges
                .iter()
                .filter(|e| end_of(e) == n)
                .map(|e| short_label(e.relation.as_str()))
                .collect();
            l.sort_unstable();
            l.dedup();
            l
        };
        let mut targets: Vec<usize> = edges.iter().map(|e| e.to).collect();
        targets.sort_unstable();
        targets.dedup();
        let mut sources: Vec<usize> = edges.iter().map(|e| e.from).collect();
        sources.sort_unstable();
        sources.dedup();
        let one_each = |ends: &[usize], end_of: &dyn Fn(&crate::graph::GraphEdge) -> usize| {
            ends.iter().all(|n| labels_of(end_of, *n).len() == 1)
        };
        let at_sources = !one_each(&targets, &|e| e.to) && one_each(&sources, &|e| e.from);
        let end = col_x(gap + 1);
        let start = col_x(gap) + BOX_W;
        let bus = if at_sources { end - 3 } else { start + 2 };
        let mid = |n: usize| place[n].1 * PITCH + 1;
        let mut lo = usize::MAX;
        let mut hi = 0;
        for e in &edges {
            let (ys, yt) = (mid(e.from), mid(e.to));
            lo = lo.min(ys).min(yt);
            hi = hi.max(ys).max(yt);
            for x in start..bus {
                cv.put(x, ys, '─', "muted");
            }
        }
        for y in lo..=hi {
            cv.put(bus, y, '│', "muted");
        }
        if at_sources {
            for s in &sources {
                let label = fit(&labels_of(&|e| e.from, *s).join(","), bus - start - 2);
                cv.text(start + 1, mid(*s), &label, "info");
            }
        }
        // The segment into each target (labelled with the relations ending there).
        for t in targets {
            let y = mid(t);
            for x in bus + 1..end - 1 {
                cv.put(x, y, '─', "muted");
            }
            if !at_sources {
                let label = fit(&labels_of(&|e| e.to, t).join(","), end - bus - 3);
                cv.text(bus + 2, y, &label, "info");
            }
            cv.put(end - 1, y, '▶', "muted");
        }
        // Junctions where the bus meets a segment.
        for y in lo..=hi {
            let up = y > lo;
            let down = y < hi;
            let left = cv.get(bus - 1, y) == '─';
            let right = cv.get(bus + 1, y) == '─';
            let c = match (up, down, left, right) {
                (true, true, true, true) => '┼',
                (true, true, true, false) => '┤',
                (true, true, false, true) => '├',
                (false, true, true, true) => '┬',
                (true, false, true, true) => '┴',
                (false, true, true, false) => '┐',
                (false, true, false, true) => '┌',
                (true, false, true, false) => '┘',
                (true, false, false, true) => '└',
                (false, false, true, true) => '─',
                _ => '│',
            };
            cv.put(bus, y, c, "muted");
        }
    }
    for (n, node) in g.nodes.iter().enumerate() {
        let (c, r) = place[n];
        let (x, y) = (col_x(c), r * PITCH);
        let e = app.catalog.get(&node.key);
        let kind = e.map_or_else(
            || node.key.split(':').next().unwrap_or("?").to_owned(),
            |e| e.kind().to_owned(),
        );
        let name = e.map_or_else(
            || node.key.rsplit('/').next().unwrap_or(&node.key).to_owned(),
            |e| e.name().to_owned(),
        );
        let border = if n == selected {
            "border_focus"
        } else if n == 0 {
            "accent"
        } else {
            "border"
        };
        let inner = BOX_W - 2;
        let title = fit(&sanitize_line(&kind), inner.saturating_sub(2));
        cv.put(x, y, '┌', border);
        cv.put(x + 1, y, '─', border);
        cv.text(x + 2, y, &title, "muted");
        for i in x + 2 + title.chars().count()..x + BOX_W - 1 {
            cv.put(i, y, '─', border);
        }
        cv.put(x + BOX_W - 1, y, '┐', border);
        cv.put(x, y + 1, '│', border);
        let role = if n == selected {
            "selection"
        } else if n == 0 {
            "accent"
        } else if e.is_none() {
            "warn"
        } else {
            "text"
        };
        let shown = fit(&sanitize_line(&name), inner);
        let padded = format!("{shown:<inner$}");
        cv.text(x + 1, y + 1, &padded, role);
        cv.put(x + BOX_W - 1, y + 1, '│', border);
        cv.put(x, y + 2, '└', border);
        for i in x + 1..x + BOX_W - 1 {
            cv.put(i, y + 2, '─', border);
        }
        cv.put(x + BOX_W - 1, y + 2, '┘', border);
    }
    cv
}

pub fn draw(frame: &mut Frame, app: &App, s: &EntityScreen, area: Rect) {
    let [status, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let g = s.graph.graph(&app.catalog, &s.key);
    let selected = s.graph.selected_node(&g);
    let sel_key = g.nodes.get(selected).map(|n| n.key.as_str()).unwrap_or("");
    let mut spans = vec![
        Span::styled(" ▶ ", app.theme.style(Role::Accent)),
        Span::styled(
            sanitize_line(sel_key).into_owned(),
            app.theme.style(Role::Title),
        ),
        Span::styled(
            format!("  {}", s.graph.describe()),
            app.theme.style(Role::Muted),
        ),
    ];
    if g.cut > 0 {
        spans.push(Span::styled(
            format!("  ⚠ {} more not drawn", g.cut),
            app.theme.style(Role::Warn),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), status);
    if g.nodes.len() == 1 {
        frame.render_widget(
            Paragraph::new(Span::styled(
                " No relations to draw with these filters (d direction, ] deeper, K kinds, T relations).",
                app.theme.style(Role::Muted),
            )),
            body,
        );
        return;
    }
    let cv = paint(app, &g, selected);
    let (w, h) = (usize::from(body.width), usize::from(body.height));
    let (c, r) = g.place(selected).unwrap_or((0, 0));
    // Scroll just enough to show the selected box (and its neighbours' edges when they fit).
    let right = col_x(c) + BOX_W;
    let sx = right.saturating_sub(w).min(col_x(c));
    let bottom = r * PITCH + BOX_H;
    let sy = bottom.saturating_sub(h).min(r * PITCH);
    let mut lines = Vec::new();
    for y in sy..(sy + h).min(cv.h) {
        let mut spans: Vec<Span> = Vec::new();
        let mut run = String::new();
        let mut role = "";
        for x in sx..(sx + w).min(cv.w) {
            let (ch, rl) = cv.cells[y * cv.w + x];
            if rl != role && !run.is_empty() {
                spans.push(Span::styled(std::mem::take(&mut run), style(app, role)));
            }
            role = rl;
            run.push(ch);
        }
        if !run.is_empty() {
            spans.push(Span::styled(run, style(app, role)));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), body);
}

/// A relation's name as an edge label: at most 8 characters, so one fits a gap at 80 columns.
fn short_label(relation: &str) -> &str {
    match relation {
        "dependsOn" => "depends",
        "providesApi" => "provides",
        "consumesApi" => "consumes",
        other => other,
    }
}

fn style(app: &App, role: &str) -> Style {
    app.theme.style(Role::parse(role).unwrap_or(Role::Text))
}
