//! JSON Schema (as OpenAPI and AsyncAPI use it) turned into tree nodes, following local `$ref`s
//! (`#/components/schemas/X`) through the document. A `$ref` already being expanded higher up
//! is a cycle and is cut with a note; expansion stops at [`limits::APIDEF_SCHEMA_DEPTH`]; a
//! `$ref` that points nowhere becomes a located diagnostic.

use super::{Diagnostic, Node, Role, first_line};
use crate::limits;
use crate::yaml::{Node as Y, NodeValue};

/// The document refs resolve in, the refs being expanded, and the problems found.
pub(crate) struct Resolver<'a> {
    pub root: &'a Y,
    stack: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Nodes made so far: expansion stops at [`limits::APIDEF_NODES`], so refs that fan out
    /// (every schema naming ten others) cannot make the work explode before the tree is cut.
    made: usize,
    pub truncated: bool,
}

/// The 1-based line of a YAML node.
pub(crate) fn line_of(n: &Y) -> Option<u32> {
    (n.pos.line > 0).then_some(n.pos.line)
}

/// A scalar as text (numbers and booleans too).
pub(crate) fn text(n: &Y) -> Option<String> {
    match &n.value {
        NodeValue::Str(s) => Some(s.clone()),
        NodeValue::Int(i) => Some(i.to_string()),
        NodeValue::Float(f) => Some(f.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn str_at<'n>(n: &'n Y, key: &str) -> Option<&'n str> {
    n.get(key).and_then(Y::as_str)
}

/// The last segment of a ref, unescaped: `#/components/schemas/Basket` → `Basket`.
pub(crate) fn ref_name(r: &str) -> String {
    r.rsplit('/')
        .next()
        .unwrap_or(r)
        .replace("~1", "/")
        .replace("~0", "~")
}

impl<'a> Resolver<'a> {
    pub fn new(root: &'a Y) -> Resolver<'a> {
        Resolver {
            root,
            stack: Vec::new(),
            diagnostics: Vec::new(),
            made: 0,
            truncated: false,
        }
    }

    /// The node a local ref points at (`#/a/b~1c`), or None for other documents and misses.
    pub fn lookup(&self, r: &str) -> Option<&'a Y> {
        let pointer = r.strip_prefix('#')?;
        let mut node = self.root;
        for part in pointer.split('/').skip(1) {
            let part = part.replace("~1", "/").replace("~0", "~");
            node = match &node.value {
                NodeValue::Map(_) => node.get(&part)?,
                NodeValue::Seq(items) => items.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Follows a node's `$ref` chain (bounded) to the node it stands for; records a missing
    /// local target as a diagnostic. Returns the node and the last ref followed.
    pub fn deref(&mut self, mut n: &'a Y) -> (&'a Y, Option<String>) {
        let mut last = None;
        for _ in 0..limits::APIDEF_SCHEMA_DEPTH {
            let Some(r) = str_at(n, "$ref") else { break };
            match self.lookup(r) {
                Some(target) => {
                    last = Some(r.to_owned());
                    n = target;
                }
                None => {
                    self.missing(n, r);
                    break;
                }
            }
        }
        (n, last)
    }

    fn missing(&mut self, n: &Y, r: &str) {
        if !r.starts_with('#') {
            return;
        }
        let at = n.get("$ref").unwrap_or(n);
        let d = Diagnostic {
            line: at.pos.line,
            column: at.pos.column,
            message: format!("$ref {r} points at nothing in this definition"),
        };
        if !self.diagnostics.contains(&d) {
            self.diagnostics.push(d);
        }
    }

    /// A one-line summary of a schema's type: `string (date-time)`, `array of Seat`, `Basket`,
    /// `one of A | B`.
    pub fn type_of(&mut self, n: &'a Y) -> String {
        self.type_of_depth(n, 0)
    }

    fn type_of_depth(&mut self, n: &'a Y, depth: usize) -> String {
        if depth > 3 {
            return "…".into();
        }
        if let Some(r) = str_at(n, "$ref") {
            return ref_name(r);
        }
        for (key, word) in [
            ("oneOf", "one of"),
            ("anyOf", "any of"),
            ("allOf", "all of"),
        ] {
            if let Some(items) = n.get(key).and_then(Y::as_seq) {
                let names: Vec<String> = items
                    .iter()
                    .take(6)
                    .map(|i| self.type_of_depth(i, depth + 1))
                    .collect();
                return format!("{word} {}", names.join(" | "));
            }
        }
        let ty = match n.get("type") {
            Some(t) => match &t.value {
                NodeValue::Seq(items) => {
                    items.iter().filter_map(text).collect::<Vec<_>>().join("|")
                }
                _ => text(t).unwrap_or_default(),
            },
            None if n.get("properties").is_some() => "object".into(),
            None if n.get("items").is_some() => "array".into(),
            None => String::new(),
        };
        let mut out = if ty.starts_with("array") {
            match n.get("items") {
                Some(items) => format!("array of {}", self.type_of_depth(items, depth + 1)),
                None => ty,
            }
        } else {
            ty
        };
        if let Some(f) = str_at(n, "format") {
            out.push_str(&format!(" ({f})"));
        }
        if let Some(values) = n.get("enum").and_then(Y::as_seq) {
            let v: Vec<String> = values.iter().take(8).filter_map(text).collect();
            let more = if values.len() > 8 { ", …" } else { "" };
            out.push_str(&format!(" enum: {}{more}", v.join(", ")));
        }
        if out.is_empty() { "any".into() } else { out }
    }

    /// The children that show a schema's inside: its properties (each typed, `required`
    /// marked, expanded in turn), the inside of an array's items, the variants of
    /// oneOf/anyOf/allOf. Follows `$ref`s, cutting cycles and stopping at the depth limit.
    pub fn expand(&mut self, n: &'a Y, depth: usize) -> Vec<Node> {
        if depth >= limits::APIDEF_SCHEMA_DEPTH {
            return vec![Node::note("… deeper levels not shown")];
        }
        if self.made >= limits::APIDEF_NODES {
            self.truncated = true;
            return Vec::new();
        }
        if let Some(r) = str_at(n, "$ref") {
            if self.stack.iter().any(|s| s == r) {
                return vec![Node::note(format!(
                    "↻ {} (cycle: shown above)",
                    ref_name(r)
                ))];
            }
            let Some(target) = self.lookup(r) else {
                self.missing(n, r);
                let note = if r.starts_with('#') {
                    format!("⚠ {r} not found")
                } else {
                    format!("{r} (in another document, not followed)")
                };
                return vec![Node::note(note)];
            };
            self.stack.push(r.to_owned());
            let out = self.expand(target, depth);
            self.stack.pop();
            return out;
        }
        let mut out = Vec::new();
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(items) = n.get(key).and_then(Y::as_seq) {
                for (i, item) in items.iter().enumerate() {
                    let label = match str_at(item, "$ref") {
                        Some(r) => ref_name(r),
                        None => str_at(item, "title")
                            .map(str::to_owned)
                            .unwrap_or_else(|| format!("variant {}", i + 1)),
                    };
                    let mut node = Node::new(Role::Type, label)
                        .badge(key)
                        .detail(self.type_of(item))
                        .line(line_of(item));
                    node.children = self.expand(item, depth + 1);
                    out.push(node);
                }
            }
        }
        if let Some(items) = n.get("items") {
            out.extend(self.expand(items, depth + 1));
        }
        if let Some(props) = n.get("properties").and_then(Y::as_map) {
            let required: Vec<&str> = n
                .get("required")
                .and_then(Y::as_seq)
                .map(|s| s.iter().filter_map(Y::as_str).collect())
                .unwrap_or_default();
            for (k, v) in props {
                let name = k.as_str().unwrap_or_default();
                out.push(self.field(name, v, required.contains(&name), depth));
            }
        }
        if let Some(extra) = n.get("additionalProperties")
            && extra.as_map().is_some()
        {
            out.push(self.field("{key}", extra, false, depth));
        }
        self.made += out.len();
        out
    }

    /// One named property (or parameter, or header) with its type and what is inside.
    pub fn field(&mut self, name: &str, schema: &'a Y, required: bool, depth: usize) -> Node {
        let mut detail = self.type_of(schema);
        if required {
            detail.push_str(" · required");
        }
        let (resolved, _) = self.deref(schema);
        if let Some(d) = str_at(resolved, "description").or_else(|| str_at(schema, "description")) {
            let d = first_line(d);
            if !d.is_empty() {
                detail.push_str(&format!(" — {d}"));
            }
        }
        let mut node = Node::new(Role::Field, name)
            .detail(detail)
            .line(line_of(schema));
        node.children = self.expand(schema, depth + 1);
        node
    }

    /// A named schema (a component) as a type node with its inside.
    pub fn named(&mut self, name: &str, schema: &'a Y, pointer: &str) -> Node {
        let mut node = Node::new(Role::Type, name)
            .detail(self.type_of(schema))
            .line(line_of(schema));
        if let Some(d) = str_at(schema, "description") {
            let d = first_line(d);
            if !d.is_empty() {
                node.detail.push_str(&format!(" — {d}"));
            }
        }
        self.stack.push(pointer.to_owned());
        node.children = self.expand(schema, 0);
        self.stack.pop();
        node
    }
}
