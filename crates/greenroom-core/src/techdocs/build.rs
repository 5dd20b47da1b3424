//! Builds a [`Document`] from a stream of "open this, text, close that" calls, so the Markdown
//! reader and the HTML reader share one place that knows how blocks nest, how marks and links
//! apply to text, and that every string is sanitised. Nesting deeper than
//! [`limits::DOCS_NESTING`](crate::limits::DOCS_NESTING) is flattened instead of followed, so no
//! page can make the layout recurse without bound.

use super::model::{Block, Document, Link, ListItem, Mark, Span, slug};
use crate::text::{sanitize_block, sanitize_line};
use std::collections::HashMap;

pub(crate) enum Container {
    Quote,
    List {
        start: Option<u64>,
    },
    Item,
    Footnote {
        label: String,
    },
    Admonition {
        kind: String,
        title: String,
        collapsible: bool,
    },
}

struct Frame {
    container: Option<Container>,
    blocks: Vec<Block>,
    items: Vec<ListItem>,
    task: Option<bool>,
}

#[derive(Clone)]
pub(crate) enum InlineKind {
    Paragraph,
    Heading { level: u8, id: Option<String> },
    Cell,
}

#[derive(Default)]
struct TableBuild {
    header: Vec<Vec<Span>>,
    rows: Vec<Vec<Vec<Span>>>,
    row: Vec<Vec<Span>>,
    in_head: bool,
}

pub(crate) struct Builder {
    frames: Vec<Frame>,
    /// Containers not opened because the nesting limit was reached; their closes are ignored.
    suppressed: usize,
    inline: Option<(InlineKind, Vec<Span>)>,
    pub mark: Mark,
    links: Vec<Option<Link>>,
    table: Option<TableBuild>,
    page: String,
    ids: HashMap<String, usize>,
}

impl Builder {
    /// A builder for the page at `page` (relative to the docs folder; links resolve from it).
    pub fn new(page: &str) -> Builder {
        Builder {
            frames: vec![Frame {
                container: None,
                blocks: Vec::new(),
                items: Vec::new(),
                task: None,
            }],
            suppressed: 0,
            inline: None,
            mark: Mark::default(),
            links: Vec::new(),
            table: None,
            page: page.to_owned(),
            ids: HashMap::new(),
        }
    }

    pub fn open(&mut self, c: Container) {
        self.end_inline();
        if self.frames.len() >= crate::limits::DOCS_NESTING {
            self.suppressed += 1;
            return;
        }
        self.frames.push(Frame {
            container: Some(c),
            blocks: Vec::new(),
            items: Vec::new(),
            task: None,
        });
    }

    pub fn close(&mut self) {
        self.end_inline();
        if self.suppressed > 0 {
            self.suppressed -= 1;
            return;
        }
        if self.frames.len() < 2 {
            return;
        }
        let f = self.frames.pop().expect("two frames");
        let block = match f.container.expect("a pushed frame has a container") {
            Container::Quote => Block::Quote { blocks: f.blocks },
            Container::List { start } => Block::List {
                start,
                items: f.items,
            },
            Container::Item => {
                let parent = self.frames.last_mut().expect("root");
                parent.items.push(ListItem {
                    task: f.task,
                    blocks: f.blocks,
                });
                return;
            }
            Container::Footnote { label } => Block::Footnote {
                label,
                blocks: f.blocks,
            },
            Container::Admonition {
                kind,
                title,
                collapsible,
            } => Block::Admonition {
                kind,
                title,
                collapsible,
                blocks: f.blocks,
            },
        };
        self.push(block);
    }

    /// Marks the list item being built as a task, done or not.
    pub fn task(&mut self, done: bool) {
        if let Some(f) = self.frames.last_mut() {
            f.task = Some(done);
        }
    }

    pub fn push(&mut self, block: Block) {
        self.end_inline();
        self.frames.last_mut().expect("root").blocks.push(block);
    }

    pub fn start_inline(&mut self, kind: InlineKind) {
        self.end_inline();
        self.inline = Some((kind, Vec::new()));
    }

    pub fn in_inline(&self) -> bool {
        self.inline.is_some()
    }

    pub fn push_link(&mut self, href: Option<&str>) {
        let link = href.map(|h| super::model::resolve_link(&self.page, &sanitize_line(h)));
        self.links.push(link);
    }

    pub fn pop_link(&mut self) {
        self.links.pop();
    }

    /// Text in the current mark and link (a paragraph opens if none is).
    pub fn text(&mut self, text: &str) {
        let clean = sanitize_line(text);
        self.raw_text(&clean);
    }

    /// A forced line break inside a paragraph.
    pub fn line_break(&mut self) {
        self.raw_text("\n");
    }

    fn raw_text(&mut self, clean: &str) {
        if clean.is_empty() {
            return;
        }
        if self.inline.is_none() {
            if clean.trim().is_empty() {
                return;
            }
            self.inline = Some((InlineKind::Paragraph, Vec::new()));
        }
        // The link is cloned only for a new span (most text continues the last one).
        let link = self.links.iter().rev().find_map(Option::as_ref);
        let spans = &mut self.inline.as_mut().expect("opened above").1;
        if let Some(last) = spans.last_mut()
            && last.mark == self.mark
            && last.link.as_ref() == link
        {
            last.text.push_str(clean);
            return;
        }
        spans.push(Span {
            text: clean.to_owned(),
            mark: self.mark,
            link: link.cloned(),
        });
    }

    pub fn end_inline(&mut self) {
        let Some((kind, mut spans)) = self.inline.take() else {
            return;
        };
        trim_spans(&mut spans);
        match kind {
            InlineKind::Paragraph => {
                if !spans.is_empty() {
                    self.frames
                        .last_mut()
                        .expect("root")
                        .blocks
                        .push(Block::Paragraph { spans });
                }
            }
            InlineKind::Heading { level, id } => {
                let base = id
                    .map(|i| sanitize_line(&i).into_owned())
                    .unwrap_or_else(|| slug(&super::model::spans_text(&spans)));
                let n = self.ids.entry(base.clone()).or_insert(0);
                let id = if *n == 0 { base } else { format!("{base}_{n}") };
                *n += 1;
                self.frames
                    .last_mut()
                    .expect("root")
                    .blocks
                    .push(Block::Heading { level, id, spans });
            }
            InlineKind::Cell => {
                if let Some(t) = &mut self.table {
                    t.row.push(spans);
                }
            }
        }
    }

    pub fn code(&mut self, lang: Option<&str>, text: &str) {
        let lang = lang
            .map(|l| sanitize_line(l).trim().to_owned())
            .filter(|l| !l.is_empty());
        let text = sanitize_block(text.strip_suffix('\n').unwrap_or(text)).into_owned();
        self.push(Block::Code { lang, text });
    }

    pub fn start_table(&mut self) {
        self.end_inline();
        self.table = Some(TableBuild::default());
    }

    pub fn table_head(&mut self, on: bool) {
        self.end_inline();
        if let Some(t) = &mut self.table {
            t.in_head = on;
            if !on && !t.row.is_empty() {
                t.header = std::mem::take(&mut t.row);
            }
        }
    }

    pub fn end_row(&mut self) {
        self.end_inline();
        if let Some(t) = &mut self.table {
            let row = std::mem::take(&mut t.row);
            if t.in_head {
                t.header = row;
            } else if !row.is_empty() {
                t.rows.push(row);
            }
        }
    }

    pub fn end_table(&mut self) {
        self.end_inline();
        if let Some(mut t) = self.table.take() {
            if !t.row.is_empty() {
                let row = std::mem::take(&mut t.row);
                t.rows.push(row);
            }
            if t.header.is_empty() && !t.rows.is_empty() {
                t.header = t.rows.remove(0);
            }
            self.push(Block::Table {
                header: t.header,
                rows: t.rows,
            });
        }
    }

    pub fn finish(mut self) -> Document {
        self.end_table();
        self.end_inline();
        while self.frames.len() > 1 || self.suppressed > 0 {
            self.close();
        }
        Document {
            blocks: self.frames.pop().map(|f| f.blocks).unwrap_or_default(),
        }
    }
}

/// Drops leading and trailing white space of a run of spans (and the spans left empty).
fn trim_spans(spans: &mut Vec<Span>) {
    while let Some(first) = spans.first_mut() {
        let t = first.text.trim_start().to_owned();
        if t.is_empty() {
            spans.remove(0);
        } else {
            first.text = t;
            break;
        }
    }
    while let Some(last) = spans.last_mut() {
        let t = last.text.trim_end().to_owned();
        if t.is_empty() {
            spans.pop();
        } else {
            last.text = t;
            break;
        }
    }
}
