//! Lays a [`Document`] out at a width, as lines of styled text with no terminal in them: the
//! portal turns the styles into theme colours, the CLI into ANSI or nothing. Paragraphs wrap at
//! word boundaries, tables shrink their widest columns to fit and wrap inside cells, code keeps
//! its lines whole (a reader scrolls them sideways) and takes syntax colours (see
//! [`super::highlight`]), and every link gets a number so a reader
//! can select and follow it.

use super::model::{Block, Document, Link, Mark, Span};
use std::collections::HashMap;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How a piece of text looks: a theme role (`text`, `title`, `accent`, `muted`, `link`, `ok`,
/// `warn`, `error`, `info`) and modifiers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    pub role: &'static str,
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub strike: bool,
}

impl Style {
    pub fn role(role: &'static str) -> Style {
        Style {
            role,
            ..Style::default()
        }
    }

    fn bold(mut self) -> Style {
        self.bold = true;
        self
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Seg {
    pub text: String,
    pub style: Style,
    /// The link it belongs to: an index into [`Laid::links`].
    pub link: Option<usize>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line {
    pub segs: Vec<Seg>,
    /// A code line: never wrapped, scrolled sideways by a reader.
    pub code: bool,
}

impl Line {
    pub fn text(&self) -> String {
        self.segs.iter().map(|s| s.text.as_str()).collect()
    }

    pub fn width(&self) -> usize {
        self.segs.iter().map(|s| s.text.width()).sum()
    }
}

/// A laid-out page.
#[derive(Clone, Debug, Default)]
pub struct Laid {
    pub lines: Vec<Line>,
    /// Every link, in reading order, with the first line it is on.
    pub links: Vec<(Link, usize)>,
    /// Heading anchor → its line.
    pub anchors: HashMap<String, usize>,
}

fn seg(text: impl Into<String>, style: Style) -> Seg {
    Seg {
        text: text.into(),
        style,
        link: None,
    }
}

fn span_style(mark: Mark, linked: bool) -> Style {
    Style {
        role: if linked {
            "link"
        } else if mark.code {
            "accent"
        } else {
            "text"
        },
        bold: mark.strong,
        italic: mark.emphasis,
        underline: linked,
        strike: mark.strike,
    }
}

fn admonition_role(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "warning" | "caution" | "attention" => ("warn", "⚠"),
        "danger" | "error" | "failure" | "fail" | "bug" | "missing" => ("error", "✖"),
        "success" | "check" | "done" => ("ok", "✔"),
        "tip" | "hint" | "important" => ("ok", "★"),
        "question" | "help" | "faq" => ("info", "?"),
        _ => ("info", "ℹ"),
    }
}

/// Lays the document out at `width` columns (at least 20).
pub fn layout(doc: &Document, width: usize) -> Laid {
    let mut l = Layouter {
        width: width.max(20),
        out: Laid::default(),
        link_ids: HashMap::new(),
        highlight_left: crate::limits::HIGHLIGHT_BYTES,
    };
    l.blocks(&doc.blocks, &[], &[]);
    while l.out.lines.last().is_some_and(|x| x.segs.is_empty()) {
        l.out.lines.pop();
    }
    l.out
}

struct Layouter {
    width: usize,
    out: Laid,
    link_ids: HashMap<(Link, usize), usize>,
    /// Code this page may still colour (see [`crate::limits::HIGHLIGHT_BYTES`]).
    highlight_left: usize,
}

fn prefix_width(p: &[Seg]) -> usize {
    p.iter().map(|s| s.text.width()).sum()
}

impl Layouter {
    fn blank(&mut self) {
        if self.out.lines.last().is_some_and(|l| !l.segs.is_empty()) {
            self.out.lines.push(Line::default());
        }
    }

    fn push_line(&mut self, segs: Vec<Seg>, code: bool) {
        let at = self.out.lines.len();
        for s in &segs {
            if let Some(i) = s.link
                && self.out.links[i].1 == usize::MAX
            {
                self.out.links[i].1 = at;
            }
        }
        self.out.lines.push(Line { segs, code });
    }

    /// Blocks under a prefix: `first` before the first line of the first block, `rest`
    /// before every other line.
    fn blocks(&mut self, blocks: &[Block], first: &[Seg], rest: &[Seg]) {
        for (i, b) in blocks.iter().enumerate() {
            let p = if i == 0 { first } else { rest };
            if i > 0 {
                self.prefixed_blank(rest);
            }
            self.block(b, p, rest);
        }
    }

    /// A blank line that keeps a quote's or admonition's bar.
    fn prefixed_blank(&mut self, rest: &[Seg]) {
        let bar: Vec<Seg> = rest
            .iter()
            .map(|s| seg(s.text.trim_end(), s.style))
            .filter(|s| !s.text.is_empty())
            .collect();
        if bar.is_empty() {
            self.blank();
        } else {
            let at = self.out.lines.len();
            self.out.lines.push(Line {
                segs: bar,
                code: false,
            });
            let _ = at;
        }
    }

    fn block(&mut self, b: &Block, first: &[Seg], rest: &[Seg]) {
        match b {
            Block::Heading { level, id, spans } => {
                let at = self.out.lines.len();
                self.out.anchors.entry(id.clone()).or_insert(at);
                let style = match level {
                    1 | 2 => Style::role("title").bold(),
                    _ => Style::role("accent").bold(),
                };
                let marker = match level {
                    1 | 2 => String::new(),
                    n => format!("{} ", "#".repeat(usize::from(*n))),
                };
                let mut p = first.to_vec();
                if !marker.is_empty() {
                    p.push(seg(marker, Style::role("muted")));
                }
                let restyled: Vec<Span> = spans.to_vec();
                let start = self.out.lines.len();
                self.wrap(&restyled, &p, rest, Some(style));
                if *level <= 2 {
                    let w = self.out.lines[start..]
                        .iter()
                        .map(Line::width)
                        .max()
                        .unwrap_or(0)
                        .saturating_sub(prefix_width(first))
                        .min(self.width - prefix_width(rest));
                    let rule = if *level == 1 { "═" } else { "─" };
                    let mut segs = rest.to_vec();
                    segs.push(seg(rule.repeat(w), Style::role("muted")));
                    self.push_line(segs, false);
                }
            }
            Block::Paragraph { spans } => self.wrap(spans, first, rest, None),
            Block::List { start, items } => {
                // A loose list (an item of several blocks) keeps a blank line between items.
                let loose = items.iter().any(|i| i.blocks.len() > 1);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 && loose {
                        self.prefixed_blank(rest);
                    }
                    let bullet = match start {
                        Some(n) => format!("{}. ", n + i as u64),
                        None => "• ".to_owned(),
                    };
                    let mut f = first_or_rest(first, rest, i).to_vec();
                    f.push(seg(bullet.clone(), Style::role("muted")));
                    let mut r = rest.to_vec();
                    r.push(seg(" ".repeat(bullet.width()), Style::role("text")));
                    if let Some(done) = item.task {
                        let (mark, role) = if done {
                            ("[x] ", "ok")
                        } else {
                            ("[ ] ", "muted")
                        };
                        f.push(seg(mark, Style::role(role)));
                        r.push(seg("    ", Style::role("text")));
                    }
                    if item.blocks.is_empty() {
                        self.push_line(f, false);
                    } else {
                        // Items of a tight list follow each other without blank lines.
                        for (j, b) in item.blocks.iter().enumerate() {
                            if j > 0 {
                                self.prefixed_blank(&r);
                            }
                            self.block(b, if j == 0 { &f } else { &r }, &r);
                        }
                    }
                }
            }
            Block::Code { lang, text } => {
                let muted = Style::role("muted");
                let mut head = first.to_vec();
                head.push(seg(
                    format!("┌─ {}", lang.as_deref().unwrap_or("code")),
                    muted,
                ));
                self.push_line(head, false);
                let coloured = lang
                    .as_deref()
                    .filter(|_| text.len() <= self.highlight_left)
                    .and_then(|l| super::highlight::highlight(l, text));
                if coloured.is_some() {
                    self.highlight_left -= text.len();
                }
                match coloured {
                    Some(lines) => {
                        for runs in lines {
                            let mut segs = rest.to_vec();
                            segs.push(seg("│ ", muted));
                            segs.extend(runs.into_iter().map(|(t, r)| seg(t, Style::role(r))));
                            self.push_line(segs, true);
                        }
                    }
                    None => {
                        for line in text.split('\n') {
                            let mut segs = rest.to_vec();
                            segs.push(seg("│ ", muted));
                            segs.push(seg(line, Style::role("accent")));
                            self.push_line(segs, true);
                        }
                    }
                }
                let mut foot = rest.to_vec();
                foot.push(seg("└─", muted));
                self.push_line(foot, false);
            }
            Block::Quote { blocks } => {
                let bar = seg("▌ ", Style::role("muted"));
                let mut f = first.to_vec();
                f.push(bar.clone());
                let mut r = rest.to_vec();
                r.push(bar);
                self.blocks(blocks, &f, &r);
            }
            Block::Admonition {
                kind,
                title,
                collapsible,
                blocks,
            } => {
                let (role, icon) = admonition_role(kind);
                let bar = seg("┃ ", Style::role(role));
                let mut head = first.to_vec();
                head.push(bar.clone());
                let fold = if *collapsible { " ▾" } else { "" };
                let title_span = Span::plain(format!("{icon} {title}{fold}"));
                let mut r = rest.to_vec();
                r.push(bar);
                self.wrap(&[title_span], &head, &r, Some(Style::role(role).bold()));
                if !blocks.is_empty() {
                    self.blocks(blocks, &r, &r);
                }
            }
            Block::Table { header, rows } => self.table(header, rows, first, rest),
            Block::Rule => {
                let mut segs = first.to_vec();
                let w = self.width.saturating_sub(prefix_width(first)).max(1);
                segs.push(seg("─".repeat(w), Style::role("muted")));
                self.push_line(segs, false);
            }
            Block::Footnote { label, blocks } => {
                let mut f = first.to_vec();
                let mark = format!("[{label}] ");
                f.push(seg(mark.clone(), Style::role("muted")));
                let mut r = rest.to_vec();
                r.push(seg(" ".repeat(mark.width()), Style::role("text")));
                self.blocks(blocks, &f, &r);
            }
        }
    }

    fn link_id(&mut self, link: &Link, span_no: usize) -> usize {
        // One id per link span: two spans with the same target are two places to select.
        *self
            .link_ids
            .entry((link.clone(), span_no))
            .or_insert_with(|| {
                self.out.links.push((link.clone(), usize::MAX));
                self.out.links.len() - 1
            })
    }

    /// Word-wraps spans under the prefixes; `over` replaces every span's style (headings).
    /// Words are slices of the spans' text, and each goes onto the end of the line's last
    /// segment when style and link agree: a paragraph costs a few segments per line, not two
    /// allocations per word (what made a 200 KB page slow to open).
    fn wrap(&mut self, spans: &[Span], first: &[Seg], rest: &[Seg], over: Option<Style>) {
        let base_no = self.out.links.len() + self.out.lines.len() * 1000;
        let rest_width = prefix_width(rest);
        let mut line = first.to_vec();
        let mut used = prefix_width(first);
        let mut empty = true;
        let mut space_before = false;
        for (n, s) in spans.iter().enumerate() {
            let style = over.unwrap_or_else(|| span_style(s.mark, s.link.is_some()));
            let link = s.link.as_ref().map(|l| self.link_id(l, base_no + n));
            for (k, part) in s.text.split('\n').enumerate() {
                if k > 0 {
                    // A forced break.
                    self.push_line(std::mem::replace(&mut line, rest.to_vec()), false);
                    used = rest_width;
                    empty = true;
                    space_before = false;
                }
                let mut words = part.split(' ').peekable();
                while let Some(text) = words.next() {
                    if text.is_empty() {
                        // Between two spaces, or a leading / trailing one.
                        space_before = true;
                        continue;
                    }
                    let glued = !space_before;
                    // A space follows this word when another piece of this part does.
                    space_before = words.peek().is_some();
                    self.place_word(
                        text,
                        style,
                        link,
                        glued,
                        (&mut line, &mut used, &mut empty),
                        rest,
                        rest_width,
                    );
                }
            }
        }
        if !empty || line.len() > rest.len() {
            self.push_line(line, false);
        }
    }

    /// Puts one word on the line being built, breaking the line before it (or inside it, when
    /// it is longer than a line) as needed.
    #[allow(clippy::too_many_arguments)]
    fn place_word(
        &mut self,
        text: &str,
        style: Style,
        link: Option<usize>,
        glued: bool,
        (line, used, empty): (&mut Vec<Seg>, &mut usize, &mut bool),
        rest: &[Seg],
        rest_width: usize,
    ) {
        let w = text.width();
        let space = usize::from(!(*empty || glued));
        if !*empty && *used + space + w > self.width {
            self.push_line(std::mem::replace(line, rest.to_vec()), false);
            *used = rest_width;
            *empty = true;
        }
        if !*empty && space == 1 {
            // A space inside one link is part of it (underlined, selected with it).
            let inner = link.is_some() && line.last().is_some_and(|s| s.link == link);
            if inner {
                append(line, " ", style, link);
            } else {
                append(line, " ", Style::role("text"), None);
            }
            *used += 1;
        }
        // A word longer than the line is cut where it must be.
        let room = self.width.saturating_sub(rest_width).max(1);
        if w > self.width.saturating_sub(*used) && w > room {
            let mut piece = String::new();
            let mut pw = 0;
            for c in text.chars() {
                let cw = c.width().unwrap_or(0);
                if *used + pw + cw > self.width && (pw > 0 || !*empty) {
                    append(line, &piece, style, link);
                    piece.clear();
                    self.push_line(std::mem::replace(line, rest.to_vec()), false);
                    *used = rest_width;
                    pw = 0;
                }
                piece.push(c);
                pw += cw;
            }
            *used += pw;
            append(line, &piece, style, link);
        } else {
            *used += w;
            append(line, text, style, link);
        }
        *empty = false;
    }

    fn table(
        &mut self,
        header: &[Vec<Span>],
        rows: &[Vec<Vec<Span>>],
        first: &[Seg],
        rest: &[Seg],
    ) {
        let cols = std::iter::once(header)
            .chain(rows.iter().map(Vec::as_slice))
            .map(<[Vec<Span>]>::len)
            .max()
            .unwrap_or(0);
        if cols == 0 {
            return;
        }
        let cell_text =
            |c: Option<&Vec<Span>>| c.map(|s| super::model::spans_text(s)).unwrap_or_default();
        let mut natural = vec![1usize; cols];
        for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
            for (i, w) in natural.iter_mut().enumerate() {
                *w = (*w).max(cell_text(row.get(i)).width());
            }
        }
        // Borders: "│ " before each cell and " │" after the last: 3 per column + 1.
        let avail = self
            .width
            .saturating_sub(prefix_width(rest) + 3 * cols + 1)
            .max(cols * 3);
        let mut widths = natural.clone();
        while widths.iter().sum::<usize>() > avail {
            let (i, w) = widths
                .iter()
                .enumerate()
                .max_by_key(|(_, w)| **w)
                .map(|(i, w)| (i, *w))
                .expect("columns");
            if w <= 3 {
                break;
            }
            widths[i] = w - 1;
        }
        let border = Style::role("muted");
        let rule = |l: &str, m: &str, r: &str| -> String {
            let inner: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
            format!("{l}{}{r}", inner.join(m))
        };
        let mut top = first.to_vec();
        top.push(seg(rule("┌", "┬", "┐"), border));
        self.push_line(top, false);
        // A header of empty cells (`| | |`) is not drawn.
        if header
            .iter()
            .any(|c| !super::model::spans_text(c).trim().is_empty())
        {
            self.table_row(header, &widths, rest, true);
            let mut mid = rest.to_vec();
            mid.push(seg(rule("├", "┼", "┤"), border));
            self.push_line(mid, false);
        }
        for row in rows {
            self.table_row(row, &widths, rest, false);
        }
        let mut bottom = rest.to_vec();
        bottom.push(seg(rule("└", "┴", "┘"), border));
        self.push_line(bottom, false);
    }

    fn table_row(&mut self, row: &[Vec<Span>], widths: &[usize], rest: &[Seg], head: bool) {
        // Each cell wrapped on its own, then the cells side by side.
        let cells: Vec<Vec<Line>> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let mut sub = Layouter {
                    width: *w,
                    out: Laid::default(),
                    link_ids: HashMap::new(),
                    highlight_left: 0,
                };
                sub.out.links = std::mem::take(&mut self.out.links);
                let over = head.then(|| Style::role("title").bold());
                if let Some(spans) = row.get(i) {
                    sub.wrap(spans, &[], &[], over);
                }
                self.out.links = std::mem::take(&mut sub.out.links);
                sub.out.lines
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let border = Style::role("muted");
        for k in 0..height {
            let mut segs = rest.to_vec();
            for (i, w) in widths.iter().enumerate() {
                segs.push(seg(if i == 0 { "│ " } else { " │ " }, border));
                let line = cells[i].get(k);
                let used = line.map_or(0, Line::width);
                if let Some(line) = line {
                    segs.extend(line.segs.iter().cloned());
                }
                segs.push(seg(" ".repeat(w.saturating_sub(used)), Style::role("text")));
            }
            segs.push(seg(" │", border));
            self.push_line(segs, false);
        }
    }
}

fn first_or_rest<'a>(first: &'a [Seg], rest: &'a [Seg], i: usize) -> &'a [Seg] {
    if i == 0 { first } else { rest }
}

/// Adds text to the end of a line: onto its last segment when style and link agree (fewer
/// spans to draw), else as a new segment.
fn append(line: &mut Vec<Seg>, text: &str, style: Style, link: Option<usize>) {
    match line.last_mut() {
        Some(last) if last.style == style && last.link == link => last.text.push_str(text),
        _ => line.push(Seg {
            text: text.to_owned(),
            style,
            link,
        }),
    }
}

/// The laid-out page as plain text (piped output, tests).
pub fn plain(laid: &Laid) -> String {
    let mut out = String::new();
    for l in &laid.lines {
        out.push_str(l.text().trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::markdown::parse;
    use super::*;

    #[test]
    fn paragraphs_wrap_within_the_width() {
        let doc = parse(&"word ".repeat(60), "a.md");
        let laid = layout(&doc, 40);
        assert!(laid.lines.len() > 5);
        assert!(
            laid.lines.iter().all(|l| l.width() <= 40),
            "{}",
            plain(&laid)
        );
    }

    #[test]
    fn code_is_never_wrapped_and_is_marked() {
        let long = "x".repeat(200);
        let doc = parse(&format!("```\n{long}\n```\n"), "a.md");
        let laid = layout(&doc, 40);
        let code: Vec<&Line> = laid.lines.iter().filter(|l| l.code).collect();
        assert_eq!(code.len(), 1);
        assert!(code[0].text().ends_with(&long));
    }

    #[test]
    fn tables_fit_the_width() {
        let doc = parse(
            "| Dependency | Symptom in logs | Owner |\n|---|---|---|\n| inventory-service | `HoldSeats DEADLINE_EXCEEDED` and a long explanation of it | `#team-seating` |\n",
            "a.md",
        );
        for width in [40, 60, 80] {
            let laid = layout(&doc, width);
            assert!(
                laid.lines.iter().all(|l| l.width() <= width),
                "{width}:\n{}",
                plain(&laid)
            );
            assert!(plain(&laid).contains("┌"));
        }
    }

    #[test]
    fn links_are_numbered_and_anchors_located() {
        let doc = parse(
            "# Top\n\nSee [the runbook](runbook.md#alerts) and [x](https://x.example).\n\n## Alerts\n",
            "index.md",
        );
        let laid = layout(&doc, 80);
        assert_eq!(laid.links.len(), 2);
        assert_eq!(laid.links[0].1, 3);
        assert_eq!(laid.anchors["top"], 0);
        assert!(laid.lines[laid.anchors["alerts"]].text().contains("Alerts"));
        let linked: Vec<&Seg> = laid.lines[3]
            .segs
            .iter()
            .filter(|s| s.link == Some(0))
            .collect();
        assert_eq!(
            linked.iter().map(|s| s.text.as_str()).collect::<String>(),
            "the runbook"
        );
    }
}
