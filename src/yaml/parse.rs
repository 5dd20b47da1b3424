//! Event stream to [`Node`] trees, one document at a time.

use super::scalar::{resolve_plain, resolve_tagged};
use super::{Node, NodeValue, Pos, YamlError};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::{HashMap, HashSet};

/// Bounds that keep hostile input (alias bombs, absurd nesting) from exhausting the machine.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Nodes that aliases may copy in one document, in total.
    pub max_alias_nodes: usize,
    /// Deepest nesting of maps and lists.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_alias_nodes: 10_000,
            max_depth: 256,
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

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: HashSet<String>,
        pos: Pos,
        anchor: usize,
    },
}

struct Builder<'l> {
    limits: &'l Limits,
    line_offset: u32,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    fn error(&self, pos: Pos, message: impl Into<String>) -> YamlError {
        YamlError {
            pos,
            message: message.into(),
        }
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

    /// Places a finished node into its parent (or makes it the document root).
    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
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
        let pos = pos_of(&span, self.line_offset);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let v = match (&tag, style) {
                    (Some(t), _) if t.is_yaml_core_schema() => resolve_tagged(&t.suffix, &value)
                        .ok_or_else(|| {
                            self.error(pos, format!("\"{value}\" is not a valid !!{}", t.suffix))
                        })?,
                    (Some(_), _) => NodeValue::Str(value.into_owned()),
                    (None, ScalarStyle::Plain) => resolve_plain(&value),
                    (None, _) => NodeValue::Str(value.into_owned()),
                };
                self.complete(Node::new(v, pos), anchor)
            }
            Event::SequenceStart(anchor, _) => self.open(
                Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                },
                pos,
            ),
            Event::MappingStart(anchor, _) => self.open(
                Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    seen: HashSet::new(),
                    pos,
                    anchor,
                },
                pos,
            ),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, pos, anchor }) => {
                        (Node::new(NodeValue::Seq(items), pos), anchor)
                    }
                    Some(Frame::Map {
                        entries,
                        pos,
                        anchor,
                        ..
                    }) => (Node::new(NodeValue::Map(entries), pos), anchor),
                    None => return Err(self.error(pos, "unbalanced collection end")),
                };
                self.complete(node, anchor)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(self.error(pos, "alias to an unknown anchor"));
                };
                self.alias_nodes += count_nodes(target);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(self.error(
                        pos,
                        format!(
                            "aliases expand to more than {} nodes; refusing what looks like an alias bomb",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                let mut copy = target.clone();
                copy.pos = pos;
                self.complete(copy, 0)
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        count += 1;
        match &n.value {
            NodeValue::Seq(items) => todo.extend(items),
            NodeValue::Map(entries) => todo.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
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

fn parse_chunk(text: &str, line_offset: u32, limits: &Limits, out: &mut Vec<RawDocument>) {
    let mut parser = Parser::new_from_str(text);
    let mut builder: Option<Builder> = None;
    let mut doc_start = Pos::new(line_offset + 1, 1);
    while let Some(item) = parser.next_event() {
        match item {
            Err(e) => {
                let m = e.marker();
                let pos = Pos::new(m.line() as u32 + line_offset, m.col() as u32 + 1);
                let message = if e.info().contains("recursion limit") {
                    "nesting too deep (the YAML reader's recursion limit)".to_owned()
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
                doc_start = pos_of(&span, line_offset);
                builder = Some(Builder {
                    limits,
                    line_offset,
                    stack: Vec::new(),
                    anchors: HashMap::new(),
                    alias_nodes: 0,
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
