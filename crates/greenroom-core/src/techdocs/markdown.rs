//! Markdown pages (MkDocs' dialect) into the [`Document`] model, with pulldown-cmark: tables,
//! task lists, footnotes, strikethrough and heading ids as MkDocs' extensions give them, and
//! MkDocs admonitions (`!!! note "Title"`, collapsible `??? warning`), which CommonMark does not
//! know: they are cut out of the text first (outside code fences) and their indented bodies
//! read as Markdown of their own.

use super::build::{Builder, Container, InlineKind};
use super::model::Document;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Parses the Markdown of the page at `page` (its path relative to the docs folder, for links).
pub fn parse(source: &str, page: &str) -> Document {
    // Escape sequences are cut out of the whole text first: the parser splits text into
    // pieces, and a sequence split across two would survive piecewise cleaning.
    let source = crate::text::sanitize_block(source);
    let mut b = Builder::new(page);
    feed(&mut b, &source, 0);
    b.finish()
}

/// `!!! kind "Title"` / `??? kind` / `???+ kind`: (kind, title, collapsible).
fn admonition_start(line: &str) -> Option<(String, String, bool)> {
    let line = line.trim_end();
    let (rest, collapsible) = if let Some(r) = line.strip_prefix("!!!") {
        (r, false)
    } else if let Some(r) = line.strip_prefix("???") {
        (r.strip_prefix('+').unwrap_or(r), true)
    } else {
        return None;
    };
    if !rest.starts_with(' ') {
        return None;
    }
    let rest = rest.trim();
    let (kind, title) = match rest.split_once(char::is_whitespace) {
        Some((k, t)) => (k, Some(t.trim())),
        None => (rest, None),
    };
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let title = match title {
        // `""` hides the title in MkDocs; the kind still says what it is here.
        Some(t) if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') => {
            t[1..t.len() - 1].to_owned()
        }
        Some(t) if !t.is_empty() => t.to_owned(),
        _ => {
            let mut c = kind.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    };
    Some((kind.to_lowercase(), title, collapsible))
}

fn fence_marker(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with("```") {
        Some("```")
    } else if t.starts_with("~~~") {
        Some("~~~")
    } else {
        None
    }
}

fn feed(b: &mut Builder, source: &str, depth: usize) {
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let mut chunk = String::new();
    let mut fence: Option<&str> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(m) = fence_marker(line) {
            match fence {
                None => fence = Some(m),
                Some(open) if open == m => fence = None,
                Some(_) => {}
            }
        }
        if fence.is_none()
            && depth < crate::limits::DOCS_NESTING
            && let Some((kind, title, collapsible)) = admonition_start(line)
        {
            events(b, &chunk);
            chunk.clear();
            let mut body = String::new();
            i += 1;
            while i < lines.len() {
                let l = lines[i];
                if let Some(rest) = l.strip_prefix("    ").or_else(|| l.strip_prefix('\t')) {
                    body.push_str(rest);
                } else if l.trim().is_empty() {
                    body.push('\n');
                } else {
                    break;
                }
                i += 1;
            }
            b.open(Container::Admonition {
                kind: crate::text::sanitize_line(&kind).into_owned(),
                title: crate::text::sanitize_line(&title).into_owned(),
                collapsible,
            });
            feed(b, &body, depth + 1);
            b.close();
            continue;
        }
        chunk.push_str(line);
        i += 1;
    }
    events(b, &chunk);
}

fn level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn events(b: &mut Builder, text: &str) {
    if text.trim().is_empty() {
        return;
    }
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES;
    // Code block text arrives in pieces; images collect their alt text.
    let mut code: Option<(Option<String>, String)> = None;
    let mut image: Option<(String, String)> = None;
    for event in Parser::new_ext(text, opts) {
        if let Some((_, buf)) = &mut code {
            match event {
                Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let (lang, buf) = code.take().expect("in a code block");
                    b.code(lang.as_deref(), &buf);
                }
                _ => {}
            }
            continue;
        }
        if let Some((_, alt)) = &mut image {
            match event {
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                Event::End(TagEnd::Image) => {
                    let (url, alt) = image.take().expect("in an image");
                    image_span(b, &alt, &url);
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => b.start_inline(InlineKind::Paragraph),
                Tag::Heading { level: l, id, .. } => b.start_inline(InlineKind::Heading {
                    level: level(l),
                    id: id.map(|i| i.to_string()),
                }),
                Tag::BlockQuote(_) => b.open(Container::Quote),
                Tag::CodeBlock(kind) => {
                    let lang = match kind {
                        CodeBlockKind::Fenced(info) => info
                            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                            .next()
                            .map(str::to_owned)
                            .filter(|l| !l.is_empty()),
                        CodeBlockKind::Indented => None,
                    };
                    code = Some((lang, String::new()));
                }
                Tag::List(start) => b.open(Container::List { start }),
                Tag::Item => b.open(Container::Item),
                Tag::FootnoteDefinition(label) => b.open(Container::Footnote {
                    label: label.to_string(),
                }),
                Tag::Table(_) => b.start_table(),
                Tag::TableHead => b.table_head(true),
                Tag::TableRow => {}
                Tag::TableCell => b.start_inline(InlineKind::Cell),
                Tag::Emphasis => b.mark.emphasis = true,
                Tag::Strong => b.mark.strong = true,
                Tag::Strikethrough => b.mark.strike = true,
                Tag::Link { dest_url, .. } => b.push_link(Some(&dest_url)),
                Tag::Image { dest_url, .. } => image = Some((dest_url.to_string(), String::new())),
                _ => {}
            },
            Event::End(end) => match end {
                TagEnd::Paragraph | TagEnd::Heading(_) => b.end_inline(),
                TagEnd::BlockQuote(_)
                | TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::FootnoteDefinition => b.close(),
                TagEnd::Table => b.end_table(),
                TagEnd::TableHead => b.table_head(false),
                TagEnd::TableRow => b.end_row(),
                TagEnd::TableCell => b.end_inline(),
                TagEnd::Emphasis => b.mark.emphasis = false,
                TagEnd::Strong => b.mark.strong = false,
                TagEnd::Strikethrough => b.mark.strike = false,
                TagEnd::Link => b.pop_link(),
                _ => {}
            },
            Event::Text(t) => b.text(&t),
            Event::Code(t) => {
                let was = b.mark;
                b.mark.code = true;
                b.text(&t);
                b.mark = was;
            }
            Event::SoftBreak => b.text(" "),
            Event::HardBreak => b.line_break(),
            Event::Rule => b.push(super::model::Block::Rule),
            Event::TaskListMarker(done) => b.task(done),
            Event::FootnoteReference(label) => {
                let was = b.mark;
                b.mark.emphasis = false;
                b.text(&format!("[{label}]"));
                b.mark = was;
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => b.text(&t),
            // Raw HTML is never interpreted; a page's `<br>` still breaks the line.
            Event::InlineHtml(t) | Event::Html(t) => {
                if t.trim().eq_ignore_ascii_case("<br>") || t.trim().eq_ignore_ascii_case("<br/>") {
                    b.line_break();
                }
            }
        }
    }
    if let Some((lang, buf)) = code.take() {
        b.code(lang.as_deref(), &buf);
    }
    b.end_inline();
}

/// An image: its alt text in brackets, linked to the picture.
pub(crate) fn image_span(b: &mut Builder, alt: &str, url: &str) {
    let alt = if alt.trim().is_empty() {
        "image"
    } else {
        alt.trim()
    };
    b.push_link(Some(url));
    let was = b.mark;
    b.mark.emphasis = true;
    b.text(&format!("[image: {alt}]"));
    b.mark = was;
    b.pop_link();
}

#[cfg(test)]
mod tests {
    use super::super::model::{Block, Link, spans_text};
    use super::*;

    #[test]
    fn every_kind_of_block() {
        let md = "# Title {#top}\n\nSome *em* and **strong** and `code` and ~~gone~~.[^1]\n\n\
- [x] done\n- [ ] todo\n\n1. one\n2. two\n\n> quoted\n\n```sh\necho hi\n```\n\n\
| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\n![a cat](img/cat.png)\n\n[^1]: The note.\n";
        let doc = parse(md, "index.md");
        let b = &doc.blocks;
        assert!(matches!(&b[0], Block::Heading { level: 1, id, .. } if id == "top"));
        let Block::Paragraph { spans } = &b[1] else {
            panic!("{b:?}")
        };
        assert!(spans.iter().any(|s| s.mark.emphasis && s.text == "em"));
        assert!(spans.iter().any(|s| s.mark.strong && s.text == "strong"));
        assert!(spans.iter().any(|s| s.mark.code && s.text == "code"));
        assert!(spans.iter().any(|s| s.mark.strike && s.text == "gone"));
        assert!(spans_text(spans).ends_with("[1]"));
        let Block::List { start: None, items } = &b[2] else {
            panic!("{:?}", b[2])
        };
        assert_eq!(items[0].task, Some(true));
        assert_eq!(items[1].task, Some(false));
        assert!(matches!(&b[3], Block::List { start: Some(1), items } if items.len() == 2));
        assert!(matches!(&b[4], Block::Quote { .. }));
        assert_eq!(
            b[5],
            Block::Code {
                lang: Some("sh".into()),
                text: "echo hi".into()
            }
        );
        let Block::Table { header, rows } = &b[6] else {
            panic!("{:?}", b[6])
        };
        assert_eq!(header.len(), 2);
        assert_eq!(rows.len(), 1);
        assert_eq!(b[7], Block::Rule);
        let Block::Paragraph { spans } = &b[8] else {
            panic!("{:?}", b[8])
        };
        assert_eq!(spans[0].text, "[image: a cat]");
        assert_eq!(
            spans[0].link,
            Some(Link::Page {
                path: "img/cat.png".into(),
                anchor: None
            })
        );
        assert!(matches!(&b[9], Block::Footnote { label, .. } if label == "1"));
    }

    #[test]
    fn admonitions_hold_markdown_and_fences_hide_them() {
        let md = "Intro\n\n!!! warning \"PCI DSS scope\"\n    Card data **never** here.\n\n    - a list\n\n??? note\n    Folded.\n\nAfter\n\n```\n!!! not an admonition\n```\n";
        let doc = parse(md, "index.md");
        let b = &doc.blocks;
        let Block::Admonition {
            kind,
            title,
            collapsible,
            blocks,
        } = &b[1]
        else {
            panic!("{b:?}")
        };
        assert_eq!(
            (kind.as_str(), title.as_str(), *collapsible),
            ("warning", "PCI DSS scope", false)
        );
        assert!(matches!(&blocks[0], Block::Paragraph { .. }));
        assert!(matches!(&blocks[1], Block::List { .. }));
        assert!(
            matches!(&b[2], Block::Admonition { kind, title, collapsible: true, .. } if kind == "note" && title == "Note")
        );
        assert!(matches!(&b[3], Block::Paragraph { spans } if spans_text(spans) == "After"));
        assert!(matches!(&b[4], Block::Code { text, .. } if text == "!!! not an admonition"));
    }

    #[test]
    fn escape_sequences_never_reach_the_model() {
        let doc = parse(
            "# T\x1b]0;owned\x07itle\n\ntext\x1b[31m red\n\n```\x1b[2J\nrm\x1b[1m\n```\n",
            "a.md",
        );
        let json = serde_json::to_string(&doc).unwrap();
        assert!(!json.contains("\\u001b"), "{json}");
        assert_eq!(doc.title().as_deref(), Some("Title"));
    }

    #[test]
    fn deep_nesting_is_flattened_not_followed() {
        let md = ">".repeat(10_000) + " deep\n";
        let doc = parse(&md, "a.md");
        let mut depth = 0;
        let mut blocks = &doc.blocks;
        while let Some(Block::Quote { blocks: inner }) = blocks.first() {
            depth += 1;
            blocks = inner;
        }
        assert!(depth < crate::limits::DOCS_NESTING, "{depth}");
        assert!(doc.plain_text().contains("deep"));
    }

    #[test]
    fn duplicate_headings_get_distinct_anchors() {
        let doc = parse("## Steps\n\n## Steps\n", "a.md");
        let ids: Vec<String> = doc.headings().into_iter().map(|h| h.1).collect();
        assert_eq!(ids, ["steps", "steps_1"]);
    }
}
