//! Built TechDocs pages (MkDocs HTML from a TechDocs backend) into the same [`Document`] model
//! as Markdown. The HTML is tokenised by html5gum and assembled into a small tree here; nothing
//! in it is ever executed or fetched: scripts, styles, forms and frames are dropped, images
//! become their alt text and link. Only the content area is read (MkDocs Material's
//! `article.md-content__inner`, the default theme's `[role=main]`, `<main>`, else `<body>`).

use super::build::{Builder, Container, InlineKind};
use super::model::{Block, Document};
use html5gum::{DefaultEmitter, Token, Tokenizer};
use std::collections::BTreeMap;

/// How deep the element tree may go; deeper elements are flattened into their parent.
const MAX_TREE_DEPTH: usize = 256;

#[derive(Debug)]
enum Node {
    El {
        name: String,
        attrs: BTreeMap<String, String>,
        children: Vec<Node>,
    },
    Text(String),
}

impl Node {
    fn name(&self) -> &str {
        match self {
            Node::El { name, .. } => name,
            Node::Text(_) => "",
        }
    }

    fn attr(&self, key: &str) -> Option<&str> {
        match self {
            Node::El { attrs, .. } => attrs.get(key).map(String::as_str),
            Node::Text(_) => None,
        }
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }

    fn children(&self) -> &[Node] {
        match self {
            Node::El { children, .. } => children,
            Node::Text(_) => &[],
        }
    }

    fn text(&self, out: &mut String) {
        match self {
            Node::Text(t) => out.push_str(t),
            Node::El { children, .. } => children.iter().for_each(|c| c.text(out)),
        }
    }
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
const SKIP: &[&str] = &[
    "script", "style", "nav", "header", "footer", "form", "button", "svg", "noscript", "template",
    "iframe", "object", "head", "title", "select", "textarea", "label", "canvas", "video", "audio",
];
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "ul",
    "ol",
    "table",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "hr",
    "details",
    "section",
    "article",
];

fn tree(html: &str) -> Node {
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut stack: Vec<Node> = vec![Node::El {
        name: "#root".into(),
        attrs: BTreeMap::new(),
        children: Vec::new(),
    }];
    let close_top = |stack: &mut Vec<Node>| {
        if stack.len() > 1 {
            let n = stack.pop().expect("len > 1");
            if let Some(Node::El { children, .. }) = stack.last_mut() {
                children.push(n);
            }
        }
    };
    let open_index = |stack: &[Node], name: &str, stop: &[&str]| -> Option<usize> {
        for (i, n) in stack.iter().enumerate().rev() {
            if n.name() == name {
                return Some(i);
            }
            if stop.contains(&n.name()) {
                return None;
            }
        }
        None
    };
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_lowercase();
                // Implied ends: a block closes an open <p>; <li>, <tr>, <td> close their kin.
                if BLOCKS.contains(&name.as_str()) && stack.last().is_some_and(|n| n.name() == "p")
                {
                    close_top(&mut stack);
                }
                let kin: Option<(&str, &[&str])> = match name.as_str() {
                    "li" => Some(("li", &["ul", "ol"])),
                    "tr" => Some(("tr", &["table", "thead", "tbody", "tfoot"])),
                    "td" | "th" => Some(("td|th", &["tr", "table"])),
                    "dt" | "dd" => Some(("dt|dd", &["dl"])),
                    _ => None,
                };
                if let Some((kin, stop)) = kin {
                    for k in kin.split('|') {
                        if let Some(i) = open_index(&stack, k, stop) {
                            while stack.len() > i {
                                close_top(&mut stack);
                            }
                        }
                    }
                }
                let attrs = tag
                    .attributes
                    .iter()
                    .map(|(k, v)| {
                        (
                            String::from_utf8_lossy(k).to_lowercase(),
                            String::from_utf8_lossy(&v.value).into_owned(),
                        )
                    })
                    .collect();
                let node = Node::El {
                    name: name.clone(),
                    attrs,
                    children: Vec::new(),
                };
                if VOID.contains(&name.as_str())
                    || tag.self_closing
                    || stack.len() >= MAX_TREE_DEPTH
                {
                    if let Some(Node::El { children, .. }) = stack.last_mut() {
                        children.push(node);
                    }
                } else {
                    stack.push(node);
                }
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_lowercase();
                if let Some(i) = stack.iter().rposition(|n| n.name() == name)
                    && i > 0
                {
                    while stack.len() > i {
                        close_top(&mut stack);
                    }
                }
            }
            Token::String(s) => {
                if let Some(Node::El { children, .. }) = stack.last_mut() {
                    let s = String::from_utf8_lossy(&s).into_owned();
                    match children.last_mut() {
                        Some(Node::Text(t)) => t.push_str(&s),
                        _ => children.push(Node::Text(s)),
                    }
                }
            }
            _ => {}
        }
    }
    while stack.len() > 1 {
        close_top(&mut stack);
    }
    stack.pop().expect("root")
}

/// The content area of a built page.
fn content(root: &Node) -> &Node {
    fn find<'a>(n: &'a Node, want: &dyn Fn(&Node) -> bool) -> Option<&'a Node> {
        if want(n) {
            return Some(n);
        }
        if SKIP.contains(&n.name()) {
            return None;
        }
        n.children().iter().find_map(|c| find(c, want))
    }
    let tests: [&dyn Fn(&Node) -> bool; 4] = [
        &|n| n.name() == "article" && n.has_class("md-content__inner"),
        &|n| n.attr("role") == Some("main"),
        &|n| n.name() == "main",
        &|n| n.name() == "body",
    ];
    tests.iter().find_map(|t| find(root, *t)).unwrap_or(root)
}

/// Parses a built page at `page` (its path in the site, for links).
pub fn parse(html: &str, page: &str) -> Document {
    let html = crate::text::sanitize_block(html);
    let root = tree(&html);
    let mut b = Builder::new(page);
    let mut c = Conv {
        b: &mut b,
        lang: None,
    };
    c.children(content(&root), false);
    b.finish()
}

/// The `<title>` of a page, if it has one.
pub fn title(html: &str) -> Option<String> {
    fn find(n: &Node) -> Option<&Node> {
        if n.name() == "title" {
            return Some(n);
        }
        n.children().iter().find_map(find)
    }
    let root = tree(html);
    let mut s = String::new();
    find(&root)?.text(&mut s);
    let s = crate::text::sanitize_line(s.trim()).into_owned();
    (!s.is_empty()).then_some(s)
}

struct Conv<'a> {
    b: &'a mut Builder,
    lang: Option<String>,
}

fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

fn lang_class(n: &Node) -> Option<String> {
    n.attr("class")?
        .split_whitespace()
        .find_map(|c| {
            c.strip_prefix("language-")
                .or_else(|| c.strip_prefix("lang-"))
        })
        .map(str::to_owned)
}

impl Conv<'_> {
    fn children(&mut self, n: &Node, in_pre: bool) {
        for c in n.children() {
            self.node(c, in_pre);
        }
    }

    fn inline(&mut self, kind: InlineKind, n: &Node) {
        self.b.start_inline(kind);
        self.children(n, false);
        self.b.end_inline();
    }

    fn node(&mut self, n: &Node, in_pre: bool) {
        let Node::El { name, .. } = n else {
            if let Node::Text(t) = n {
                let t = collapse(t);
                if !self.b.in_inline() && t.trim().is_empty() {
                    return;
                }
                self.b.text(&t);
            }
            return;
        };
        if SKIP.contains(&name.as_str()) {
            return;
        }
        match name.as_str() {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = name.as_bytes()[1] - b'0';
                let id = n.attr("id").map(str::to_owned);
                self.inline(InlineKind::Heading { level, id }, n);
            }
            "p" => {
                if n.has_class("admonition-title") {
                    return;
                }
                self.inline(InlineKind::Paragraph, n);
            }
            "ul" | "ol" => {
                let start = (name == "ol").then(|| {
                    n.attr("start")
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(1)
                });
                self.b.open(Container::List { start });
                for li in n.children().iter().filter(|c| c.name() == "li") {
                    self.b.open(Container::Item);
                    self.children(li, false);
                    self.b.close();
                }
                self.b.close();
            }
            "input" => {
                if n.attr("type")
                    .is_some_and(|t| t.eq_ignore_ascii_case("checkbox"))
                {
                    self.b.task(n.attr("checked").is_some());
                }
            }
            "pre" => {
                let mut text = String::new();
                n.text(&mut text);
                let lang = lang_class(n)
                    .or_else(|| n.children().iter().find_map(lang_class))
                    .or_else(|| self.lang.clone());
                self.b.code(lang.as_deref(), &text);
            }
            "blockquote" => {
                self.b.open(Container::Quote);
                self.children(n, false);
                self.b.close();
            }
            "div" | "details" | "aside" if n.has_class("admonition") || name == "details" => {
                let class = n.attr("class").unwrap_or("");
                let kind = class
                    .split_whitespace()
                    .find(|c| *c != "admonition")
                    .unwrap_or("note")
                    .to_lowercase();
                let mut title = String::new();
                if let Some(t) = n
                    .children()
                    .iter()
                    .find(|c| c.has_class("admonition-title") || c.name() == "summary")
                {
                    t.text(&mut title);
                }
                let title = collapse(&title).trim().to_owned();
                self.b.open(Container::Admonition {
                    kind: crate::text::sanitize_line(&kind).into_owned(),
                    title: crate::text::sanitize_line(if title.is_empty() {
                        &kind
                    } else {
                        &title
                    })
                    .into_owned(),
                    collapsible: name == "details",
                });
                for c in n.children() {
                    if c.name() != "summary" && !c.has_class("admonition-title") {
                        self.node(c, false);
                    }
                }
                self.b.close();
            }
            "table" => {
                if n.has_class("highlighttable") {
                    // Code with line numbers: only the code cell.
                    let mut code = None;
                    find_class(n, "code", &mut code);
                    if let Some(c) = code {
                        self.children(c, false);
                    }
                    return;
                }
                self.b.start_table();
                self.table_part(n);
                self.b.end_table();
            }
            "hr" => self.b.push(Block::Rule),
            "br" => self.b.line_break(),
            "img" => {
                let alt = n.attr("alt").unwrap_or("");
                let src = n.attr("src").unwrap_or("");
                super::markdown::image_span(self.b, alt, src);
            }
            "a" => {
                if n.has_class("headerlink") {
                    return;
                }
                self.b.push_link(n.attr("href"));
                self.children(n, in_pre);
                self.b.pop_link();
            }
            "em" | "i" | "strong" | "b" | "del" | "s" | "code" | "kbd" => {
                let was = self.b.mark;
                match name.as_str() {
                    "em" | "i" => self.b.mark.emphasis = true,
                    "strong" | "b" => self.b.mark.strong = true,
                    "del" | "s" => self.b.mark.strike = true,
                    _ => self.b.mark.code = true,
                }
                self.children(n, in_pre);
                self.b.mark = was;
            }
            _ => {
                let was = self.lang.clone();
                if let Some(l) = lang_class(n) {
                    self.lang = Some(l);
                }
                if BLOCKS.contains(&name.as_str()) {
                    self.b.end_inline();
                }
                self.children(n, in_pre);
                if BLOCKS.contains(&name.as_str()) {
                    self.b.end_inline();
                }
                self.lang = was;
            }
        }
    }

    fn table_part(&mut self, n: &Node) {
        for c in n.children() {
            match c.name() {
                "thead" => {
                    self.b.table_head(true);
                    self.table_part(c);
                    self.b.table_head(false);
                }
                "tbody" | "tfoot" => self.table_part(c),
                "tr" => {
                    for cell in c
                        .children()
                        .iter()
                        .filter(|x| matches!(x.name(), "td" | "th"))
                    {
                        self.inline(InlineKind::Cell, cell);
                    }
                    self.b.end_row();
                }
                _ => {}
            }
        }
    }
}

fn find_class<'a>(n: &'a Node, class: &str, out: &mut Option<&'a Node>) {
    if out.is_some() {
        return;
    }
    if n.has_class(class) {
        *out = Some(n);
        return;
    }
    for c in n.children() {
        find_class(c, class, out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{Link, spans_text};
    use super::*;

    const PAGE: &str = r##"<!doctype html><html><head><title>Runbook - Checkout</title>
<script>if (a<b) { document.write("<h1>evil</h1>") }</script><style>h1{}</style></head>
<body><nav class="md-nav"><a href="../">Home</a></nav>
<article class="md-content__inner md-typeset">
<h1 id="runbook">Runbook<a class="headerlink" href="#runbook">&para;</a></h1>
<p>Alerts go to <strong>PagerDuty</strong> &amp; <a href="../architecture/#saga">the saga</a>.<br>Next line</p>
<div class="admonition warning"><p class="admonition-title">PCI DSS scope</p><p>Never log cards.</p></div>
<ul><li>one<li><input type="checkbox" checked disabled> two</ul>
<div class="language-sh highlight"><pre><span></span><code>kubectl get pods
echo &lt;ok&gt;</code></pre></div>
<table><thead><tr><th>A<th>B</thead><tbody><tr><td>1<td><code>2</code></tr></tbody></table>
<img src="pic.png" alt="diagram">
</article><footer>made with mkdocs</footer></body></html>"##;

    #[test]
    fn the_content_area_becomes_the_model() {
        let doc = parse(PAGE, "runbook/index.html");
        let b = &doc.blocks;
        assert!(
            matches!(&b[0], Block::Heading { level: 1, id, spans } if id == "runbook" && spans_text(spans) == "Runbook"),
            "{b:?}"
        );
        let Block::Paragraph { spans } = &b[1] else {
            panic!("{b:?}")
        };
        assert_eq!(
            spans_text(spans),
            "Alerts go to PagerDuty & the saga.\nNext line"
        );
        assert!(spans.iter().any(|s| s.link
            == Some(Link::Page {
                path: "architecture/".into(),
                anchor: Some("saga".into())
            })));
        assert!(
            matches!(&b[2], Block::Admonition { kind, title, .. } if kind == "warning" && title == "PCI DSS scope")
        );
        let Block::List { items, .. } = &b[3] else {
            panic!("{:?}", b[3])
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].task, Some(true));
        assert_eq!(
            b[4],
            Block::Code {
                lang: Some("sh".into()),
                text: "kubectl get pods\necho <ok>".into()
            }
        );
        let Block::Table { header, rows } = &b[5] else {
            panic!("{:?}", b[5])
        };
        assert_eq!((header.len(), rows.len()), (2, 1));
        let text = doc.plain_text();
        assert!(
            !text.contains("evil") && !text.contains("mkdocs") && !text.contains("Home"),
            "{text}"
        );
        assert!(text.contains("[image: diagram]") || format!("{b:?}").contains("[image: diagram]"));
        assert_eq!(title(PAGE).as_deref(), Some("Runbook - Checkout"));
    }

    #[test]
    fn hostile_markup_stays_bounded_and_clean() {
        let deep = "<div>".repeat(100_000) + "x\x1b]52;c;AAAA\x07y";
        let doc = parse(&deep, "a.html");
        assert_eq!(doc.plain_text().trim(), "xy");
        let doc = parse("<p>a</b></i></p></div><td>loose", "a.html");
        assert!(doc.plain_text().contains("loose"));
    }
}
