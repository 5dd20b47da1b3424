//! Event stream to [`Node`] trees, one document at a time.

use super::scalar::{resolve_plain, resolve_tagged};
use super::{Node, NodeValue, Pos, YamlError};
use crate::limits;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::{HashMap, HashSet};

/// Bounds that keep hostile input (alias bombs, anchor bombs, absurd nesting) from exhausting
/// the machine. The defaults are the constants in [`crate::limits`].
#[derive(Clone, Debug)]
pub struct Limits {
    /// Nodes that aliases may copy in one document, in total.
    pub max_alias_nodes: usize,
    /// Deepest nesting of maps and lists.
    pub max_depth: usize,
    /// Nodes one document may materialise, anchored nodes counted again per anchor.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_alias_nodes: limits::YAML_ALIAS_NODES,
            max_depth: limits::YAML_DEPTH,
            max_nodes: limits::YAML_DOCUMENT_NODES,
        }
    }
}

/// One `---` document of a file: its root node (None for an empty document) or its first error.
#[derive(Clone, Debug)]
pub struct RawDocument {
    /// Where the document starts (the `---` line, or its first content).
    pub start: Pos,
    pub result: Result<Option<Node>, YamlError>,
}

/// Splits `text` into documents and parses each separately.
pub fn parse_documents(text: &str, limits: &Limits) -> Vec<RawDocument> {
    let mut docs = Vec::new();
    for chunk in split_documents(text) {
        parse_chunk(chunk.text, chunk.line_offset, limits, &mut docs);
    }
    docs
}

struct Chunk<'a> {
    text: &'a str,
    line_offset: u32,
}

/// Cuts the text at document markers. `---` and `...` at column 0 always delimit documents in
/// YAML (they cannot occur inside any scalar or collection), so cutting there is exact, and it
/// lets a syntax error in one document leave the others readable.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut chunk_start = 0usize;
    let mut chunk_line = 0u32;
    let mut chunk_has_content = false;
    let mut offset = 0usize;
    for (line_no, line) in (0u32..).zip(text.split_inclusive('\n')) {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let is_marker = |m: &str| {
            trimmed.starts_with(m)
                && trimmed[3..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '\t')
        };
        if is_marker("---") || (trimmed.starts_with('%') && chunk_has_content) {
            if chunk_has_content {
                chunks.push(Chunk {
                    text: &text[chunk_start..offset],
                    line_offset: chunk_line,
                });
                chunk_start = offset;
                chunk_line = line_no;
                chunk_has_content = false;
            }
            if !trimmed.starts_with('%') {
                chunk_has_content = true;
            }
        } else if is_marker("...") {
            let end = offset + line.len();
            chunks.push(Chunk {
                text: &text[chunk_start..end],
                line_offset: chunk_line,
            });
            chunk_start = end;
            chunk_line = line_no + 1;
            chunk_has_content = false;
        } else {
            let t = trimmed.trim_start();
            if !t.is_empty() && !t.starts_with('#') && !t.starts_with('%') {
                chunk_has_content = true;
            }
        }
        offset += line.len();
    }
    if chunk_start < text.len() {
        chunks.push(Chunk {
            text: &text[chunk_start..],
            line_offset: chunk_line,
        });
    }
    chunks
}

fn pos_of(span: &Span, line_offset: u32) -> Pos {
    Pos::new(
        span.start.line() as u32 + line_offset,
        span.start.col() as u32 + 1,
    )
}

/// Where a chunk's text ends (just after its last character). The reader places empty nodes at
/// a text's end (`? ` as the last line) one line past it when there is no final newline.
fn end_of(text: &str, line_offset: u32) -> Pos {
    let text = text.replace("\r\n", "\n");
    let breaks = text.matches(['\n', '\r']).count() as u32;
    let last = text.rsplit(['\n', '\r']).next().unwrap_or("");
    Pos::new(line_offset + breaks + 1, last.chars().count() as u32 + 1)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
        /// Nodes built in the document when this collection opened (its size is the difference).
        start: usize,
        /// This collection is (inside) a complex map key, which becomes a string.
        in_key: bool,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: HashSet<String>,
        pos: Pos,
        anchor: usize,
        start: usize,
        in_key: bool,
    },
}

impl Frame {
    /// The index the next child will have (the value of an entry, for a map).
    fn next_index(&self) -> usize {
        match self {
            Frame::Seq { items, .. } => items.len(),
            Frame::Map { entries, .. } => entries.len(),
        }
    }

    fn child(&self, index: usize) -> Option<&Node> {
        match self {
            Frame::Seq { items, .. } => items.get(index),
            Frame::Map { entries, .. } => entries.get(index).map(|(_, v)| v),
        }
    }

    /// Whether a node completed now would be placed as a map key (or inside one).
    fn next_is_key(&self) -> bool {
        match self {
            Frame::Seq { in_key, .. } => *in_key,
            Frame::Map { key, in_key, .. } => *in_key || key.is_none(),
        }
    }
}

/// What an anchor refers to. Anchored nodes are not copied when they are defined: the anchor
/// records where the node sits in the tree being built, and only an alias copies it.
enum Anchor {
    /// Child indexes from the document root (map entries by their index, meaning the value).
    At { path: Vec<usize>, size: usize },
    /// Anchors on or inside complex map keys, which are replaced by their string form: a copy.
    Copy { node: Node, size: usize },
}

struct Builder<'l> {
    limits: &'l Limits,
    line_offset: u32,
    /// No position is past this: the end of the chunk's text.
    end: Pos,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    alias_nodes: usize,
    /// Nodes in the tree so far (alias copies included).
    built: usize,
    /// What the budget is charged: `built` plus each anchored node and its path once more.
    charged: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    fn error(&self, pos: Pos, message: impl Into<String>) -> YamlError {
        YamlError {
            pos,
            message: message.into(),
        }
    }

    /// Charges `n` nodes to the document's budget.
    fn charge(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.charged = self.charged.saturating_add(n);
        if self.charged > self.limits.max_nodes {
            return Err(self.error(
                pos,
                format!(
                    "the document holds more than {} nodes (anchored nodes count once more per \
                     anchor); refusing what looks like an anchor or alias bomb",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    /// Counts one new node of the tree.
    fn build_one(&mut self, pos: Pos) -> Result<usize, YamlError> {
        let start = self.built;
        self.built += 1;
        self.charge(1, pos)?;
        Ok(start)
    }

    fn in_key(&self) -> bool {
        self.stack.last().is_some_and(Frame::next_is_key)
    }

    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error(
                pos,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Records an anchor on a node about to be placed at the top of the stack.
    fn record_anchor(
        &mut self,
        anchor: usize,
        node: &Node,
        size: usize,
        in_key: bool,
    ) -> Result<(), YamlError> {
        if self.stack.is_empty() {
            // The document root: nothing can follow it, so no alias can refer to it.
            return Ok(());
        }
        let record = if in_key {
            self.charge(size.saturating_add(1), node.pos)?;
            Anchor::Copy {
                node: node.clone(),
                size,
            }
        } else {
            let path: Vec<usize> = self.stack.iter().map(Frame::next_index).collect();
            self.charge(size.saturating_add(path.len()), node.pos)?;
            Anchor::At { path, size }
        };
        self.anchors.insert(anchor, record);
        Ok(())
    }

    /// The node an anchor refers to, and its size in nodes.
    fn anchored(&self, anchor: usize) -> Option<(&Node, usize)> {
        match self.anchors.get(&anchor)? {
            Anchor::Copy { node, size } => Some((node, *size)),
            Anchor::At { path, size } => {
                let mut node: Option<&Node> = None;
                for (level, &index) in path.iter().enumerate() {
                    node = Some(match node {
                        Some(n) => match &n.value {
                            NodeValue::Seq(items) => items.get(index)?,
                            NodeValue::Map(entries) => &entries.get(index)?.1,
                            _ => return None,
                        },
                        None => {
                            let frame = self.stack.get(level)?;
                            match frame.child(index) {
                                Some(child) => child,
                                // The child at this index is the next open collection.
                                None if index == frame.next_index() => continue,
                                None => return None,
                            }
                        }
                    });
                }
                node.map(|n| (n, *size))
            }
        }
    }

    /// Places a finished node into its parent (or makes it the document root).
    fn complete(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), YamlError> {
        if anchor > 0 {
            let in_key = self.in_key();
            self.record_anchor(anchor, &node, size, in_key)?;
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, key, seen, ..
            }) => match key.take() {
                None => {
                    let pos = node.pos;
                    let name = key_string(&node);
                    if !seen.insert(name.clone()) {
                        return Err(YamlError {
                            pos,
                            message: format!("map keys must be unique; \"{name}\" is repeated"),
                        });
                    }
                    *key = Some(Node::new(NodeValue::Str(name), pos));
                }
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = pos_of(&span, self.line_offset).min(self.end);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                self.build_one(pos)?;
                let v = match (&tag, style) {
                    (Some(t), _) if t.is_yaml_core_schema() => resolve_tagged(&t.suffix, &value)
                        .ok_or_else(|| {
                            self.error(pos, format!("\"{value}\" is not a valid !!{}", t.suffix))
                        })?,
                    (Some(_), _) => NodeValue::Str(value.into_owned()),
                    (None, ScalarStyle::Plain) => resolve_plain(&value),
                    (None, _) => NodeValue::Str(value.into_owned()),
                };
                self.complete(Node::new(v, pos), anchor, 1)
            }
            Event::SequenceStart(anchor, _) => {
                let in_key = self.in_key();
                let start = self.build_one(pos)?;
                self.open(
                    Frame::Seq {
                        items: Vec::new(),
                        pos,
                        anchor,
                        start,
                        in_key,
                    },
                    pos,
                )
            }
            Event::MappingStart(anchor, _) => {
                let in_key = self.in_key();
                let start = self.build_one(pos)?;
                self.open(
                    Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        seen: HashSet::new(),
                        pos,
                        anchor,
                        start,
                        in_key,
                    },
                    pos,
                )
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, start) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        pos,
                        anchor,
                        start,
                        ..
                    }) => (Node::new(NodeValue::Seq(items), pos), anchor, start),
                    Some(Frame::Map {
                        entries,
                        pos,
                        anchor,
                        start,
                        ..
                    }) => (Node::new(NodeValue::Map(entries), pos), anchor, start),
                    None => return Err(self.error(pos, "unbalanced collection end")),
                };
                let size = self.built - start;
                self.complete(node, anchor, size)
            }
            Event::Alias(id) => {
                let Some((_, size)) = self.anchored(id) else {
                    return Err(self.error(pos, "alias to an unknown anchor"));
                };
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(self.error(
                        pos,
                        format!(
                            "aliases expand to more than {} nodes; refusing what looks like an alias bomb",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                self.built += size;
                self.charge(size, pos)?;
                let mut copy = match self.anchored(id) {
                    Some((target, _)) => target.clone(),
                    None => return Err(self.error(pos, "alias to an unknown anchor")),
                };
                copy.pos = pos;
                self.complete(copy, 0, size)
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }
}

/// Map keys become strings as JavaScript's `String(key)` makes them.
fn key_string(node: &Node) -> String {
    match &node.value {
        NodeValue::Str(s) => s.clone(),
        NodeValue::Null => String::new(),
        NodeValue::Bool(b) => b.to_string(),
        NodeValue::Int(i) => i.to_string(),
        NodeValue::Float(_) => match node.to_json() {
            serde_json::Value::Null => "NaN".into(),
            v => v.to_string(),
        },
        NodeValue::Seq(_) | NodeValue::Map(_) => node.to_json().to_string(),
    }
}

/// Where the implicit key lacking its `:` starts, given where the reader noticed (1-based
/// `line`, 0-based `column`): the nearest line above at the key's indentation with only deeper
/// lines (its continuation), blanks and comments between. Returns (1-based line, 0-based
/// column), or None when the text does not look like that.
fn implicit_key_start(text: &str, line: usize, column: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let content = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    };
    // The key's indentation: that of the line where the reader stopped (the next key), or at
    // the end of the text, that of the last line with content.
    let mut above = line.checked_sub(1)?;
    let key_indent = match lines.get(above) {
        Some(l) if indent(l) == column && !l.trim().is_empty() => column,
        Some(_) => return None,
        None => {
            above = lines.len();
            indent(lines.iter().rev().find(|l| content(l))?)
        }
    };
    for i in (0..above).rev() {
        let l = lines[i];
        if !content(l) {
            continue;
        }
        let n = indent(l);
        if n > key_indent {
            continue;
        }
        // A list item's key sits after `- `.
        return (n == key_indent).then_some((i + 1, n));
    }
    None
}

fn parse_chunk(text: &str, line_offset: u32, limits: &Limits, out: &mut Vec<RawDocument>) {
    let mut parser = Parser::new_from_str(text);
    let mut builder: Option<Builder> = None;
    let mut doc_start = Pos::new(line_offset + 1, 1);
    let end = end_of(text, line_offset);
    while let Some(item) = parser.next_event() {
        match item {
            Err(e) => {
                let m = e.marker();
                let mut pos = Pos::new(m.line() as u32 + line_offset, m.col() as u32 + 1).min(end);
                let message = if e.info().contains("recursion limit") {
                    "nesting too deep (the YAML reader's recursion limit)".to_owned()
                } else if e.info().contains("simple key expect ':'") {
                    // The reader notices a missing `:` where the next key starts; Backstage's
                    // reader (and a person) points at the key that lacks it.
                    if let Some((line, column)) = implicit_key_start(text, m.line(), m.col()) {
                        pos = Pos::new(line as u32 + line_offset, column as u32 + 1).min(end);
                    }
                    "implicit map keys need to be on a single line and followed by `:` and a \
                     value (a missing `:`?)"
                        .to_owned()
                } else {
                    e.info().to_owned()
                };
                out.push(RawDocument {
                    start: doc_start,
                    result: Err(YamlError { pos, message }),
                });
                return;
            }
            Ok((Event::DocumentStart(_), span)) => {
                doc_start = pos_of(&span, line_offset).min(end);
                builder = Some(Builder {
                    limits,
                    line_offset,
                    end,
                    stack: Vec::new(),
                    anchors: HashMap::new(),
                    alias_nodes: 0,
                    built: 0,
                    charged: 0,
                    root: None,
                });
            }
            Ok((Event::DocumentEnd, _)) => {
                if let Some(b) = builder.take() {
                    let root = b.root.filter(|n| n.value != NodeValue::Null);
                    out.push(RawDocument {
                        start: doc_start,
                        result: Ok(root),
                    });
                }
            }
            Ok((event, span)) => {
                if let Some(b) = builder.as_mut()
                    && let Err(e) = b.event(event, span)
                {
                    out.push(RawDocument {
                        start: doc_start,
                        result: Err(e),
                    });
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<RawDocument> {
        parse_documents(text, &Limits::default())
    }

    #[test]
    fn multi_document_with_a_broken_middle() {
        let d = docs("a: 1\n---\nb: [unclosed\n---\nc: 3\n");
        assert_eq!(d.len(), 3);
        assert!(d[0].result.as_ref().unwrap().is_some());
        let err = d[1].result.as_ref().unwrap_err();
        assert!(err.pos.line >= 3, "{err:?}");
        assert_eq!(d[1].start.line, 2);
        let c = d[2].result.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(c.get("c").unwrap().pos, Pos::new(5, 4));
    }

    #[test]
    fn empty_and_comment_documents_are_null() {
        let d = docs("# just a comment\n---\n---\na: 1\n---\n");
        let roots: Vec<_> = d
            .iter()
            .filter_map(|d| d.result.as_ref().unwrap().as_ref())
            .collect();
        assert_eq!(roots.len(), 1);
    }

    /// Where Backstage's reader (the `yaml` package 2.x) puts a missing `:` after an implicit
    /// key: at the key, not where the next key starts (checked against `yaml` 2.9.1).
    #[test]
    fn a_key_without_its_colon_is_reported_where_backstage_reports_it() {
        let at = |text: &str| {
            let d = docs(text);
            let e = d[0].result.as_ref().unwrap_err().clone();
            assert!(e.message.contains("implicit map keys"), "{e:?}");
            (e.pos.line, e.pos.column)
        };
        let head =
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\n";
        // Before a sibling key.
        assert_eq!(
            at(&format!("{head}  description no colon\n  tags: [a]\n")),
            (5, 3)
        );
        // Continued on a deeper line, then a blank and a comment.
        assert_eq!(
            at(&format!(
                "{head}  description no colon\n    continued here\n\n  # note\n  tags: [a]\n"
            )),
            (5, 3)
        );
        // The last line of the file.
        assert_eq!(
            at(&format!("{head}spec:\n  type: service\n  owner\n")),
            (7, 3)
        );
        // In a list item's map.
        assert_eq!(at("- a\n- b: c\n  d e\n  f: g\n"), (3, 3));
        // After a document marker, lines count from the file's start.
        assert_eq!(at(&format!("---\n{head}  oops\n  tags: []\n")), (6, 3));
    }

    #[test]
    fn duplicate_keys_are_an_error_at_the_second_key() {
        let d = docs("a: 1\nb: 2\na: 3\n");
        let err = d[0].result.as_ref().unwrap_err();
        assert_eq!(err.pos, Pos::new(3, 1));
        assert!(err.message.contains("unique"));
    }

    #[test]
    fn merge_keys_are_plain_keys() {
        let d = docs("base: &b {x: 1}\nother:\n  <<: *b\n");
        let root = d[0].result.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(
            root.to_json(),
            serde_json::json!({"base": {"x": 1}, "other": {"<<": {"x": 1}}})
        );
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let d = docs(&text);
        let err = d[0].result.as_ref().unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err:?}");
    }

    /// The anchor bomb of issue 9: `&a0 [&a1 [ ... [x, x, ...]]]`, one level per line, no alias.
    fn anchor_bomb(depth: usize, width: usize) -> String {
        let mut text = String::from("bomb:\n");
        for level in 0..depth {
            text.push_str(&format!("  &a{level} [\n"));
        }
        text.push_str("  ");
        text.push_str(&"x, ".repeat(width));
        text.push('x');
        text.push_str(&"]".repeat(depth));
        text.push('\n');
        text
    }

    #[test]
    fn nested_anchors_are_refused_where_the_budget_runs_out() {
        // 0.4 MB (12.6 s and 2.9 GB before) and 1.6 MB (out of memory before).
        for width in [130_000, 520_000] {
            let text = anchor_bomb(100, width);
            let d = docs(&text);
            let err = d[0].result.as_ref().unwrap_err();
            assert!(err.message.contains("anchor or alias bomb"), "{err:?}");
            assert!(err.message.contains("1000000 nodes"), "{err:?}");
            // Each anchor, innermost first, charges its subtree and its path once more; the
            // budget runs out at the anchor whose charge passes a million nodes.
            let nodes = width + 1 + 100;
            let mut charged = nodes;
            let mut level = 100;
            while charged <= 1_000_000 {
                level -= 1;
                charged += (nodes - level) + (level + 1);
            }
            assert_eq!(err.pos, Pos::new(2 + level as u32, 3), "{err:?}");
        }
    }

    #[test]
    fn the_node_budget_counts_every_node_and_alias_copy() {
        let limits = Limits {
            max_nodes: 10,
            ..Limits::default()
        };
        // The map, three keys, a list of two, two more values: nine nodes. A tenth key is
        // fine, its value is the eleventh node and refused.
        let ok = parse_documents("a: [1, 2]\nb: 3\nc: 4\n", &limits);
        assert!(ok[0].result.is_ok(), "{:?}", ok[0].result);
        let over = parse_documents("a: [1, 2]\nb: 3\nc: 4\nd: 5\n", &limits);
        assert_eq!(over[0].result.as_ref().unwrap_err().pos, Pos::new(4, 4));
        // Aliases count what they copy.
        let alias = parse_documents("a: &x [1, 2]\nb: *x\n", &limits);
        assert!(alias[0].result.is_err(), "{:?}", alias[0].result);
    }

    #[test]
    fn anchors_and_aliases_load_as_before() {
        let text = "\
outer: &outer
  inner: &inner [1, &one one, {k: &deep v}]
  more: *inner
again: *outer
scalar: *one
deep: *deep
list:
  - &item {name: a}
  - *item
  - [*item, *inner]
? &key [complex, key]
: *key
redefined: &one two
after: *one
";
        let root = docs(text)[0].result.clone().unwrap().unwrap();
        let expected: serde_json::Value = serde_json::json!({
            "outer": {"inner": [1, "one", {"k": "v"}], "more": [1, "one", {"k": "v"}]},
            "again": {"inner": [1, "one", {"k": "v"}], "more": [1, "one", {"k": "v"}]},
            "scalar": "one",
            "deep": "v",
            "list": [{"name": "a"}, {"name": "a"}, [{"name": "a"}, [1, "one", {"k": "v"}]]],
            "[\"complex\",\"key\"]": ["complex", "key"],
            "redefined": "two",
            "after": "two",
        });
        assert_eq!(root.to_json(), expected);
        // An alias copy sits where the alias is; its insides keep the anchored positions.
        let more = root.at(&["outer", "more"]).unwrap();
        assert_eq!(more.pos, Pos::new(3, 9));
        assert_eq!(more.at(&["1"]).unwrap().pos, Pos::new(2, 21));
        assert_eq!(root.get("after").unwrap().pos, Pos::new(14, 8));
    }

    #[test]
    fn an_anchor_cannot_be_aliased_inside_itself() {
        let d = docs("a: &a [1, *a]\n");
        let err = d[0].result.as_ref().unwrap_err();
        assert!(err.message.contains("unknown anchor"), "{err:?}");
    }

    #[test]
    fn positions_stay_inside_the_text() {
        // An empty key as the last line, without a final newline (found by fuzzing).
        let d = docs("a: 1\n? ");
        let root = d[0].result.as_ref().unwrap().as_ref().unwrap();
        let (k, v) = &root.as_map().unwrap()[1];
        assert_eq!((k.pos, v.pos), (Pos::new(2, 3), Pos::new(2, 3)));
        // With the newline, the empty last line exists.
        let d = docs("a: 1\n? \n");
        let root = d[0].result.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(root.as_map().unwrap()[1].0.pos, Pos::new(3, 1));
        let err = docs("[a, ? ")[0].result.clone().unwrap_err();
        assert_eq!(err.pos, Pos::new(1, 7));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        let d = docs(&text);
        let err = d[0].result.as_ref().unwrap_err();
        assert!(err.message.contains("nesting"), "{err:?}");
    }

    #[test]
    fn quoted_scalars_stay_strings_and_tags_apply() {
        let d = docs("a: '1'\nb: !!str 2\nc: \"true\"\nd: !custom 5\n");
        let root = d[0].result.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": "1", "b": "2", "c": "true", "d": "5"})
        );
    }

    #[test]
    fn document_end_marker_and_directives() {
        let d = docs("%YAML 1.2\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n");
        let roots: Vec<_> = d
            .iter()
            .map(|d| d.result.as_ref().unwrap().as_ref().unwrap().to_json())
            .collect();
        assert_eq!(
            roots,
            vec![serde_json::json!({"a": 1}), serde_json::json!({"b": 2})]
        );
    }

    #[test]
    fn block_scalars_keep_their_text() {
        let d = docs("definition: |\n  line one\n  line two\nnext: x\n");
        let root = d[0].result.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(
            root.get("definition").unwrap().as_str(),
            Some("line one\nline two\n")
        );
    }
}
