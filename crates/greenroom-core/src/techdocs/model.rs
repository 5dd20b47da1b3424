//! The document model every TechDocs page becomes, whether it was Markdown read from a
//! repository or HTML built by a TechDocs backend: blocks of styled spans, with links already
//! told apart (another page of the site, a heading on this page, or an outside URL). It knows
//! nothing of a terminal; `layout` lays it out at a width for the portal and the CLI.
//!
//! Every string in it has been sanitised on the way in (see [`crate::text`]), so no reader of
//! the model has to remember to.

use serde::Serialize;

/// A whole page.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Document {
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Heading {
        level: u8,
        /// The anchor MkDocs gives it (`#the-runbook`), for links and the table of contents.
        id: String,
        spans: Vec<Span>,
    },
    Paragraph {
        spans: Vec<Span>,
    },
    List {
        /// The first number of an ordered list.
        start: Option<u64>,
        items: Vec<ListItem>,
    },
    Code {
        lang: Option<String>,
        text: String,
    },
    Quote {
        blocks: Vec<Block>,
    },
    /// MkDocs' `!!! note "Title"` (and `??? warning`, collapsible in a browser).
    Admonition {
        kind: String,
        title: String,
        collapsible: bool,
        blocks: Vec<Block>,
    },
    Table {
        header: Vec<Vec<Span>>,
        rows: Vec<Vec<Vec<Span>>>,
    },
    Rule,
    /// A footnote's text (`[^1]: ...`), shown at the end where it was written.
    Footnote {
        label: String,
        blocks: Vec<Block>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListItem {
    /// `Some(done)` for a task list item (`- [x]`).
    pub task: Option<bool>,
    pub blocks: Vec<Block>,
}

/// A run of text with one look.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Span {
    pub text: String,
    #[serde(skip_serializing_if = "Mark::is_plain")]
    pub mark: Mark,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            ..Span::default()
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Mark {
    pub strong: bool,
    pub emphasis: bool,
    pub code: bool,
    pub strike: bool,
}

impl Mark {
    pub fn is_plain(&self) -> bool {
        *self == Mark::default()
    }
}

/// Where a link goes, resolved against the page it is on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Link {
    /// A page of the same site (its path relative to the docs folder) and maybe a heading.
    Page {
        path: String,
        anchor: Option<String>,
    },
    /// A heading on this page.
    Anchor { anchor: String },
    /// Anything else, as written (only http, https and mailto are ever opened).
    External { url: String },
}

impl Document {
    /// The headings, in order: (level, anchor, text). The table of contents.
    pub fn headings(&self) -> Vec<(u8, String, String)> {
        let mut out = Vec::new();
        walk(&self.blocks, &mut |b| {
            if let Block::Heading { level, id, spans } = b {
                out.push((*level, id.clone(), spans_text(spans)));
            }
        });
        out
    }

    /// The first heading's text, the page's title when the nav gives none.
    pub fn title(&self) -> Option<String> {
        self.blocks.iter().find_map(|b| match b {
            Block::Heading { spans, .. } => Some(spans_text(spans)),
            _ => None,
        })
    }

    /// Plain text of every block, one line per block, for search and piping.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        walk(&self.blocks, &mut |b| match b {
            Block::Heading { spans, .. } | Block::Paragraph { spans } => {
                out.push_str(&spans_text(spans));
                out.push('\n');
            }
            Block::Code { text, .. } => {
                out.push_str(text);
                out.push('\n');
            }
            Block::Table { header, rows } => {
                for row in std::iter::once(header).chain(rows) {
                    let cells: Vec<String> = row.iter().map(|c| spans_text(c)).collect();
                    out.push_str(&cells.join(" | "));
                    out.push('\n');
                }
            }
            Block::Admonition { title, .. } => {
                out.push_str(title);
                out.push('\n');
            }
            _ => {}
        });
        out
    }
}

/// The text of spans, marks dropped.
pub fn spans_text(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

/// Visits every block, depth first, containers before what they hold.
pub fn walk(blocks: &[Block], f: &mut dyn FnMut(&Block)) {
    for b in blocks {
        f(b);
        match b {
            Block::Quote { blocks }
            | Block::Admonition { blocks, .. }
            | Block::Footnote { blocks, .. } => walk(blocks, f),
            Block::List { items, .. } => {
                for item in items {
                    walk(&item.blocks, f);
                }
            }
            _ => {}
        }
    }
}

/// MkDocs' anchor for a heading: lower case, punctuation dropped, spaces as `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else if c.is_whitespace() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Resolves a link written on the page at `page` (a path relative to the docs folder) into a
/// [`Link`]: `other.md#x` and `../guide/` are pages of the site, `#x` a heading here, anything
/// with a scheme (or `//host`) is outside.
pub fn resolve_link(page: &str, href: &str) -> Link {
    let href = href.trim();
    if let Some(anchor) = href.strip_prefix('#') {
        return Link::Anchor {
            anchor: anchor.to_owned(),
        };
    }
    let has_scheme = href.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme || href.starts_with("//") || href.starts_with('/') {
        return Link::External {
            url: href.to_owned(),
        };
    }
    let (path, anchor) = match href.split_once('#') {
        Some((p, a)) => (p, Some(a.to_owned()).filter(|a| !a.is_empty())),
        None => (href, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let base = page.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut parts: Vec<&str> = if base.is_empty() {
        Vec::new()
    } else {
        base.split('/').collect()
    };
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut joined = parts.join("/");
    // Built sites link to folders (`guide/`, `guide/index.html`): the page is `guide.md` or
    // `guide/index.md`; the site decides which exists (see `Site::find_page`).
    if path.ends_with('/') && !joined.is_empty() {
        joined.push('/');
    }
    Link::Page {
        path: joined,
        anchor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_mkdocs_anchors() {
        assert_eq!(slug("CheckoutHighErrorRate"), "checkouthigherrorrate");
        assert_eq!(slug("Useful queries"), "useful-queries");
        assert_eq!(slug("What's new?  (v2)"), "whats-new-v2");
    }

    #[test]
    fn links_resolve_against_the_page() {
        assert_eq!(
            resolve_link("index.md", "runbook.md#alerts"),
            Link::Page {
                path: "runbook.md".into(),
                anchor: Some("alerts".into())
            }
        );
        assert_eq!(
            resolve_link("guide/setup.md", "../index.md"),
            Link::Page {
                path: "index.md".into(),
                anchor: None
            }
        );
        assert_eq!(
            resolve_link("a.md", "#x"),
            Link::Anchor { anchor: "x".into() }
        );
        for url in [
            "https://x.example/a",
            "mailto:a@b.c",
            "javascript:alert(1)",
            "//evil",
        ] {
            assert_eq!(
                resolve_link("a.md", url),
                Link::External { url: url.into() }
            );
        }
        // Never above the docs folder.
        assert_eq!(
            resolve_link("a.md", "../../etc/passwd"),
            Link::Page {
                path: "etc/passwd".into(),
                anchor: None
            }
        );
    }
}
