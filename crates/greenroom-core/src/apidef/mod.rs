//! API definitions as navigable trees: an API entity's `spec.definition` (OpenAPI 2/3, AsyncAPI
//! 2/3, GraphQL SDL, gRPC `.proto`) read into [`ApiTree`]s of [`Node`]s — tags → operations →
//! parameters, bodies, responses and schemas for OpenAPI; channels → operations → messages for
//! AsyncAPI; queries, mutations and types for GraphQL; services → methods → messages for gRPC.
//!
//! Nothing here knows of a terminal: the portal's Definition tab draws these trees, and tests
//! read them directly. Every parser is total: hostile or broken text gives a located
//! [`Diagnostic`] (the caller still shows the raw text), never a panic, and the work is bounded
//! by the limits in [`crate::limits`] (`APIDEF_*`).

pub mod asyncapi;
pub mod graphql;
pub mod openapi;
pub mod proto;
mod schema;

use crate::limits;

/// The kind of definition, from the entity's `spec.type` or, failing that, the text itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    OpenApi,
    AsyncApi,
    GraphQl,
    Grpc,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::OpenApi => "OpenAPI",
            Format::AsyncApi => "AsyncAPI",
            Format::GraphQl => "GraphQL",
            Format::Grpc => "gRPC",
        }
    }

    /// The format for a `spec.type` (Backstage's well-known API types) and the text: the type
    /// decides when it names a known format, otherwise the text's first words do.
    pub fn detect(spec_type: Option<&str>, text: &str) -> Option<Format> {
        match spec_type.map(str::to_ascii_lowercase).as_deref() {
            Some("openapi" | "swagger") => return Some(Format::OpenApi),
            Some("asyncapi") => return Some(Format::AsyncApi),
            Some("graphql") => return Some(Format::GraphQl),
            Some("grpc" | "protobuf" | "proto") => return Some(Format::Grpc),
            _ => {}
        }
        let head: String = text.chars().take(4096).collect();
        let has_key = |key: &str| {
            head.lines().any(|l| {
                let l = l.trim_start().trim_start_matches(['{', '"', '\'']);
                l.starts_with(key)
                    && l[key.len()..]
                        .trim_start_matches(['"', '\''])
                        .starts_with(':')
            })
        };
        if has_key("openapi") || has_key("swagger") {
            Some(Format::OpenApi)
        } else if has_key("asyncapi") {
            Some(Format::AsyncApi)
        } else if head.contains("syntax = \"proto") || head.contains("syntax=\"proto") {
            Some(Format::Grpc)
        } else if head.contains("type Query") || head.contains("schema {") {
            Some(Format::GraphQl)
        } else {
            None
        }
    }
}

/// How a node is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A heading that groups others (a tag, "Schemas", a service).
    Group,
    /// Something one calls: an HTTP operation, a publish/subscribe, an RPC, a query field.
    Operation,
    /// A named type: a schema, a message, a GraphQL type.
    Type,
    /// A field, property, parameter or argument.
    Field,
    /// A side note: a description, a server, a cut cycle, a depth limit.
    Note,
}

/// One node of an API's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub role: Role,
    /// A short marker before the label: an HTTP method, `PUB`/`SUB`, `rpc`, `enum`, a status.
    pub badge: Option<String>,
    pub label: String,
    /// A type, a summary or a description's first line.
    pub detail: String,
    /// The line in the definition's text it comes from, when known (1-based).
    pub line: Option<u32>,
    /// What "copy" puts on the clipboard: a `curl` line, a channel, an RPC path.
    pub copy: Option<String>,
    /// Starts closed even at the top (servers: useful, but not what one comes for).
    pub folded: bool,
    pub children: Vec<Node>,
}

impl Node {
    pub fn new(role: Role, label: impl Into<String>) -> Node {
        Node {
            role,
            badge: None,
            label: label.into(),
            detail: String::new(),
            line: None,
            copy: None,
            folded: false,
            children: Vec::new(),
        }
    }

    pub fn badge(mut self, badge: impl Into<String>) -> Node {
        self.badge = Some(badge.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Node {
        self.detail = detail.into();
        self
    }

    pub fn line(mut self, line: Option<u32>) -> Node {
        self.line = line;
        self
    }

    pub fn note(text: impl Into<String>) -> Node {
        Node::new(Role::Note, text)
    }

    /// Whether this node or anything under it mentions `needle` (lower-case) in its badge,
    /// label or detail.
    pub fn matches(&self, needle: &str) -> bool {
        self.badge
            .as_deref()
            .is_some_and(|b| b.to_lowercase().contains(needle))
            || self.label.to_lowercase().contains(needle)
            || self.detail.to_lowercase().contains(needle)
    }
}

/// A problem in a definition, at a place in its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based; 0 when the problem is about the whole text.
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}:{}: {}", self.line, self.column, self.message)
        }
    }
}

/// A definition read as a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTree {
    pub format: Format,
    /// The definition's own title and version (OpenAPI/AsyncAPI `info`, a proto package).
    pub title: Option<String>,
    pub version: Option<String>,
    pub nodes: Vec<Node>,
    /// What could not be read; a definition that could not be parsed has no nodes and one
    /// diagnostic saying where it broke.
    pub diagnostics: Vec<Diagnostic>,
    /// The tree hit [`limits::APIDEF_NODES`] and was cut.
    pub truncated: bool,
}

impl ApiTree {
    fn empty(format: Format) -> ApiTree {
        ApiTree {
            format,
            title: None,
            version: None,
            nodes: Vec::new(),
            diagnostics: Vec::new(),
            truncated: false,
        }
    }

    fn failed(format: Format, line: u32, column: u32, message: impl Into<String>) -> ApiTree {
        let mut t = ApiTree::empty(format);
        t.diagnostics.push(Diagnostic {
            line,
            column,
            message: message.into(),
        });
        t
    }

    /// How many nodes the tree holds.
    pub fn count(&self) -> usize {
        fn walk(n: &[Node]) -> usize {
            n.iter().map(|c| 1 + walk(&c.children)).sum()
        }
        walk(&self.nodes)
    }
}

/// Reads a definition. `None` when the format is not one greenroom explores (the caller shows
/// the raw text).
pub fn parse(spec_type: Option<&str>, text: &str) -> Option<ApiTree> {
    let format = Format::detect(spec_type, text)?;
    if text.len() > limits::APIDEF_BYTES {
        return Some(ApiTree::failed(
            format,
            0,
            0,
            format!(
                "the definition is {} bytes; the explorer reads up to {} (the raw text is shown)",
                text.len(),
                limits::APIDEF_BYTES
            ),
        ));
    }
    let mut tree = match format {
        Format::OpenApi => openapi::parse(text),
        Format::AsyncApi => asyncapi::parse(text),
        Format::GraphQl => graphql::parse(text),
        Format::Grpc => proto::parse(text),
    };
    let mut budget = Budget::new();
    budget.cut(&mut tree.nodes);
    tree.truncated |= budget.exhausted;
    Some(tree)
}

/// Counts nodes as a tree is built and cuts it at [`limits::APIDEF_NODES`].
pub(crate) struct Budget {
    left: usize,
    pub exhausted: bool,
}

impl Budget {
    pub fn new() -> Budget {
        Budget {
            left: limits::APIDEF_NODES,
            exhausted: false,
        }
    }

    /// Takes one node from the budget; false once it is spent.
    pub fn take(&mut self) -> bool {
        if self.left == 0 {
            self.exhausted = true;
            return false;
        }
        self.left -= 1;
        true
    }

    /// Keeps the first nodes (depth first) the budget allows.
    fn cut(&mut self, nodes: &mut Vec<Node>) {
        let mut keep = 0;
        for n in nodes.iter_mut() {
            if !self.take() {
                break;
            }
            keep += 1;
            self.cut(&mut n.children);
        }
        nodes.truncate(keep);
    }
}

/// The first line of a description, trimmed.
pub(crate) fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_owned()
}

/// A word quoted for a POSIX shell: single quotes, with `'` written `'\''`. What is copied
/// is pasted into a shell by the user, so it must mean exactly the text.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_from_the_type_or_the_text() {
        assert_eq!(Format::detect(Some("openapi"), ""), Some(Format::OpenApi));
        assert_eq!(Format::detect(Some("grpc"), ""), Some(Format::Grpc));
        assert_eq!(
            Format::detect(None, "{\"openapi\": \"3.0.0\"}"),
            Some(Format::OpenApi)
        );
        assert_eq!(
            Format::detect(Some("custom"), "asyncapi: 3.0.0\n"),
            Some(Format::AsyncApi)
        );
        assert_eq!(
            Format::detect(None, "syntax = \"proto3\";\n"),
            Some(Format::Grpc)
        );
        assert_eq!(
            Format::detect(None, "type Query { a: Int }"),
            Some(Format::GraphQl)
        );
        assert_eq!(Format::detect(Some("wsdl"), "<xml/>"), None);
    }

    #[test]
    fn shell_quoting_survives_quotes_and_dollars() {
        assert_eq!(shell_quote("https://a.example/x"), "https://a.example/x");
        assert_eq!(shell_quote("it's $HOME"), r"'it'\''s $HOME'");
        assert_eq!(shell_quote("/a/{id}"), "'/a/{id}'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn the_node_budget_cuts_a_huge_tree() {
        let mut nodes: Vec<Node> = (0..limits::APIDEF_NODES + 10)
            .map(|i| Node::new(Role::Field, i.to_string()))
            .collect();
        let mut b = Budget::new();
        b.cut(&mut nodes);
        assert_eq!(nodes.len(), limits::APIDEF_NODES);
        assert!(b.exhausted);
    }

    #[test]
    fn every_demo_api_reads_cleanly() {
        let apis = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/apis");
        let mut seen = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(apis).unwrap() {
            for f in std::fs::read_dir(entry.unwrap().path()).unwrap() {
                let path = f.unwrap().path();
                if path.file_name().unwrap() == "catalog-info.yaml" {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let t = parse(None, &text).unwrap_or_else(|| panic!("{path:?}: no format"));
                assert!(t.diagnostics.is_empty(), "{path:?}: {:?}", t.diagnostics);
                assert!(t.count() > 10, "{path:?}");
                assert!(!t.truncated, "{path:?}");
                seen.insert(t.format.label());
            }
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
    }

    #[test]
    fn an_oversized_definition_is_a_diagnostic() {
        let text = format!("openapi: 3.0.0\n#{}", "x".repeat(limits::APIDEF_BYTES));
        let t = parse(None, &text).unwrap();
        assert!(t.nodes.is_empty());
        assert!(
            t.diagnostics[0]
                .message
                .contains("the explorer reads up to")
        );
    }
}
