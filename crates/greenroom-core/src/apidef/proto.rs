//! gRPC `.proto` files (proto2, proto3, editions) as a tree: services → methods (request and
//! response, streaming marked) → the messages' fields, expanded through the file's own message
//! types; then every message and enum. A method copies as its gRPC path
//! (`/package.Service/Method`).
//!
//! No well-kept light parser exists for just this (the full ones pull in a protobuf runtime),
//! so this is a small careful one for the service/message/enum subset: a tokenizer and a
//! recursive descent with its depth bounded ([`limits::APIDEF_NESTING`]), that records a
//! located diagnostic for anything it does not understand and skips past it. It never panics
//! (fuzzed by the unit tests' hostile inputs), and options, imports, reserved ranges and
//! extensions are read over, not interpreted.

use super::{ApiTree, Diagnostic, Format, Node, Role, first_line};
use crate::limits;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Word(String),
    Str(String),
    Sym(char),
}

#[derive(Clone, Debug)]
struct Tok {
    kind: Kind,
    line: u32,
    column: u32,
    /// The `//` or `/* */` comment right above this token (a leading doc comment).
    doc: Option<String>,
}

fn tokenize(text: &str) -> Result<Vec<Tok>, Diagnostic> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks: Vec<Tok> = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    let mut doc: Vec<String> = Vec::new();
    let mut last_tok_line = 0u32;
    let bump = |i: &mut usize, line: &mut u32, col: &mut u32, c: char| {
        *i += 1;
        if c == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            if c == '\n' && i > 0 && chars[i - 1] == '\n' {
                // A blank line ends a doc comment: it belongs to nothing.
                doc.clear();
            }
            bump(&mut i, &mut line, &mut col, c);
            continue;
        }
        let (tline, tcol) = (line, col);
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            let start = i + 2;
            while i < chars.len() && chars[i] != '\n' {
                let ch = chars[i];
                bump(&mut i, &mut line, &mut col, ch);
            }
            if tline != last_tok_line {
                doc.push(chars[start..i].iter().collect::<String>().trim().to_owned());
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            bump(&mut i, &mut line, &mut col, '/');
            bump(&mut i, &mut line, &mut col, '*');
            let start = i;
            loop {
                if i >= chars.len() {
                    return Err(Diagnostic {
                        line: tline,
                        column: tcol,
                        message: "a /* comment that never ends".into(),
                    });
                }
                if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    let body: String = chars[start..i].iter().collect();
                    bump(&mut i, &mut line, &mut col, '*');
                    bump(&mut i, &mut line, &mut col, '/');
                    if tline != last_tok_line {
                        doc.extend(
                            body.lines()
                                .map(|l| l.trim().trim_start_matches('*').trim().to_owned()),
                        );
                    }
                    break;
                }
                let ch = chars[i];
                bump(&mut i, &mut line, &mut col, ch);
            }
            continue;
        }
        let kind = if c == '"' || c == '\'' {
            let quote = c;
            bump(&mut i, &mut line, &mut col, c);
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None | Some('\n') => {
                        return Err(Diagnostic {
                            line: tline,
                            column: tcol,
                            message: "a string that never ends".into(),
                        });
                    }
                    Some(&ch) if ch == quote => {
                        bump(&mut i, &mut line, &mut col, ch);
                        break;
                    }
                    Some('\\') => {
                        bump(&mut i, &mut line, &mut col, '\\');
                        if let Some(&e) = chars.get(i) {
                            s.push(e);
                            bump(&mut i, &mut line, &mut col, e);
                        }
                    }
                    Some(&ch) => {
                        s.push(ch);
                        bump(&mut i, &mut line, &mut col, ch);
                    }
                }
            }
            Kind::Str(s)
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            let mut s = String::new();
            while let Some(&ch) = chars.get(i) {
                if ch.is_alphanumeric() || ch == '_' || ch == '.' {
                    s.push(ch);
                    bump(&mut i, &mut line, &mut col, ch);
                } else {
                    break;
                }
            }
            Kind::Word(s)
        } else {
            bump(&mut i, &mut line, &mut col, c);
            Kind::Sym(c)
        };
        let d = (!doc.is_empty()).then(|| doc.join("\n"));
        doc.clear();
        last_tok_line = tline;
        toks.push(Tok {
            kind,
            line: tline,
            column: tcol,
            doc: d,
        });
    }
    Ok(toks)
}

#[derive(Clone, Debug, Default)]
struct Field {
    label: Option<String>,
    ty: String,
    name: String,
    number: String,
    line: u32,
    doc: Option<String>,
    oneof: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct Message {
    full: String,
    fields: Vec<Field>,
    line: u32,
    doc: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct Enum {
    full: String,
    values: Vec<(String, String, u32)>,
    line: u32,
    doc: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct Rpc {
    name: String,
    input: String,
    input_stream: bool,
    output: String,
    output_stream: bool,
    line: u32,
    doc: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct Service {
    name: String,
    rpcs: Vec<Rpc>,
    line: u32,
    doc: Option<String>,
}

struct Parser {
    toks: Vec<Tok>,
    i: usize,
    diagnostics: Vec<Diagnostic>,
    package: Option<String>,
    syntax: Option<String>,
    services: Vec<Service>,
    messages: Vec<Message>,
    enums: Vec<Enum>,
}

/// Most problems reported for one file; past it parsing stops.
const MAX_DIAGNOSTICS: usize = 20;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }

    fn is_sym(&self, c: char) -> bool {
        matches!(self.peek(), Some(Tok { kind: Kind::Sym(s), .. }) if *s == c)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok { kind: Kind::Word(s), .. }) if s == w)
    }

    fn here(&self) -> (u32, u32) {
        match self.peek().or(self.toks.last()) {
            Some(t) => (t.line, t.column),
            None => (1, 1),
        }
    }

    fn error(&mut self, message: impl Into<String>) {
        let (line, column) = self.here();
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(Diagnostic {
                line,
                column,
                message: message.into(),
            });
        }
    }

    fn stopped(&self) -> bool {
        self.i >= self.toks.len() || self.diagnostics.len() >= MAX_DIAGNOSTICS
    }

    fn word(&mut self, what: &str) -> Option<String> {
        match self.peek().map(|t| t.kind.clone()) {
            Some(Kind::Word(w)) => {
                self.i += 1;
                Some(w)
            }
            other => {
                let found = describe(other.as_ref());
                self.error(format!("expected {what}, found {found}"));
                None
            }
        }
    }

    fn expect(&mut self, c: char) -> bool {
        if self.is_sym(c) {
            self.i += 1;
            true
        } else {
            let found = describe(self.peek().map(|t| &t.kind));
            self.error(format!("expected `{c}`, found {found}"));
            false
        }
    }

    /// Skips to just past the next `;` at this level, or past a `{ ... }` block, whichever
    /// ends the statement.
    fn skip_statement(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.next() {
            match t.kind {
                Kind::Sym('{') => depth += 1,
                Kind::Sym('}') if depth <= 1 => {
                    if depth == 0 {
                        // The enclosing block's end: leave it for the caller.
                        self.i -= 1;
                    }
                    return;
                }
                Kind::Sym('}') => depth -= 1,
                Kind::Sym(';') if depth == 0 => return,
                _ => {}
            }
        }
    }

    /// Skips `[ ... ]` field options when present.
    fn skip_options(&mut self) {
        if !self.is_sym('[') {
            return;
        }
        let mut depth = 0usize;
        while let Some(t) = self.next() {
            match t.kind {
                Kind::Sym('[') => depth += 1,
                Kind::Sym(']') => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    fn file(&mut self) {
        while !self.stopped() {
            let doc = self.peek().and_then(|t| t.doc.clone());
            match self.peek().map(|t| t.kind.clone()) {
                Some(Kind::Word(w)) => match w.as_str() {
                    "syntax" | "edition" => {
                        self.i += 1;
                        if self.expect('=')
                            && let Some(Tok {
                                kind: Kind::Str(s), ..
                            }) = self.peek().cloned()
                        {
                            self.syntax = Some(s);
                        }
                        self.skip_statement();
                    }
                    "package" => {
                        self.i += 1;
                        self.package = self.word("a package name");
                        self.skip_statement();
                    }
                    "import" | "option" => self.skip_statement(),
                    "service" => self.service(doc),
                    "message" => self.message("", doc, 0),
                    "enum" => self.enumeration("", doc),
                    "extend" => self.skip_statement(),
                    other => {
                        self.error(format!(
                            "unexpected `{other}` (expected service, message, enum, import, option or package)"
                        ));
                        self.skip_statement();
                    }
                },
                Some(Kind::Sym(';')) => self.i += 1,
                other => {
                    let found = describe(other.as_ref());
                    self.error(format!("unexpected {found} at the top level"));
                    self.i += 1;
                }
            }
        }
    }

    fn service(&mut self, doc: Option<String>) {
        let (line, _) = self.here();
        self.i += 1;
        let Some(name) = self.word("a service name") else {
            self.skip_statement();
            return;
        };
        let mut s = Service {
            name,
            line,
            doc,
            ..Service::default()
        };
        if !self.expect('{') {
            self.skip_statement();
            return;
        }
        while !self.stopped() && !self.is_sym('}') {
            if self.is_word("rpc") {
                let t = self.next().expect("peeked");
                if let Some(rpc) = self.rpc(t) {
                    s.rpcs.push(rpc);
                }
            } else if self.is_sym(';') {
                self.i += 1;
            } else {
                if !self.is_word("option") {
                    let found = describe(self.peek().map(|t| &t.kind));
                    self.error(format!(
                        "expected `rpc` in service {}, found {found}",
                        s.name
                    ));
                }
                self.skip_statement();
            }
        }
        self.expect('}');
        self.services.push(s);
    }

    fn rpc(&mut self, start: Tok) -> Option<Rpc> {
        let name = self.word("a method name")?;
        let mut r = Rpc {
            name,
            line: start.line,
            doc: start.doc,
            ..Rpc::default()
        };
        let ends = |p: &mut Parser, stream: &mut bool, ty: &mut String| -> bool {
            if !p.expect('(') {
                return false;
            }
            if p.is_word("stream") {
                p.i += 1;
                *stream = true;
            }
            match p.word("a message type") {
                Some(t) => *ty = t,
                None => return false,
            }
            p.expect(')')
        };
        if !ends(self, &mut r.input_stream, &mut r.input) {
            self.skip_statement();
            return None;
        }
        if !self.is_word("returns") {
            self.error(format!("expected `returns` after rpc {}", r.name));
            self.skip_statement();
            return None;
        }
        self.i += 1;
        if !ends(self, &mut r.output_stream, &mut r.output) {
            self.skip_statement();
            return None;
        }
        if self.is_sym('{') {
            self.i += 1;
            while !self.stopped() && !self.is_sym('}') {
                self.skip_statement();
            }
            self.expect('}');
        } else {
            self.expect(';');
        }
        Some(r)
    }

    fn message(&mut self, scope: &str, doc: Option<String>, depth: usize) {
        let (line, _) = self.here();
        self.i += 1;
        let Some(name) = self.word("a message name") else {
            self.skip_statement();
            return;
        };
        let full = if scope.is_empty() {
            name
        } else {
            format!("{scope}.{name}")
        };
        if depth >= limits::APIDEF_NESTING {
            self.error("messages nest too deep");
            self.skip_statement();
            return;
        }
        if !self.expect('{') {
            self.skip_statement();
            return;
        }
        let mut m = Message {
            full: full.clone(),
            line,
            doc,
            ..Message::default()
        };
        self.body(&mut m, None, depth);
        self.expect('}');
        self.messages.push(m);
    }

    /// A message's (or a oneof's) fields and nested declarations, up to its `}`.
    fn body(&mut self, m: &mut Message, oneof: Option<&str>, depth: usize) {
        while !self.stopped() && !self.is_sym('}') {
            let Some(t) = self.peek().cloned() else {
                return;
            };
            let Kind::Word(w) = &t.kind else {
                if self.is_sym(';') {
                    self.i += 1;
                } else {
                    let found = describe(Some(&t.kind));
                    self.error(format!(
                        "expected a field in message {}, found {found}",
                        m.full
                    ));
                    self.skip_statement();
                }
                continue;
            };
            match w.as_str() {
                "message" => self.message(&m.full.clone(), t.doc.clone(), depth + 1),
                "enum" => self.enumeration(&m.full.clone(), t.doc.clone()),
                "option" | "reserved" | "extensions" | "extend" => self.skip_statement(),
                "oneof" if oneof.is_none() => {
                    self.i += 1;
                    let Some(name) = self.word("a oneof name") else {
                        self.skip_statement();
                        continue;
                    };
                    if self.expect('{') {
                        self.body(m, Some(&name), depth);
                        self.expect('}');
                    } else {
                        self.skip_statement();
                    }
                }
                _ => {
                    if let Some(f) = self.field(t.clone(), oneof) {
                        m.fields.push(f);
                    } else {
                        self.skip_statement();
                    }
                }
            }
        }
    }

    fn field(&mut self, start: Tok, oneof: Option<&str>) -> Option<Field> {
        let mut f = Field {
            line: start.line,
            doc: start.doc,
            oneof: oneof.map(str::to_owned),
            ..Field::default()
        };
        if self.is_word("repeated") || self.is_word("optional") || self.is_word("required") {
            f.label = self.word("a label");
        }
        if self.is_word("map") {
            self.i += 1;
            if !self.expect('<') {
                return None;
            }
            let k = self.word("a key type")?;
            if !self.expect(',') {
                return None;
            }
            let v = self.word("a value type")?;
            if !self.expect('>') {
                return None;
            }
            f.ty = format!("map<{k}, {v}>");
        } else {
            f.ty = self.word("a field type")?;
            if f.ty == "group" {
                self.error("proto2 groups are not shown");
                return None;
            }
        }
        f.name = self.word("a field name")?;
        if !self.expect('=') {
            return None;
        }
        f.number = self.word("a field number")?;
        self.skip_options();
        if !self.expect(';') {
            return None;
        }
        Some(f)
    }

    fn enumeration(&mut self, scope: &str, doc: Option<String>) {
        let (line, _) = self.here();
        self.i += 1;
        let Some(name) = self.word("an enum name") else {
            self.skip_statement();
            return;
        };
        let full = if scope.is_empty() {
            name
        } else {
            format!("{scope}.{name}")
        };
        if !self.expect('{') {
            self.skip_statement();
            return;
        }
        let mut e = Enum {
            full,
            line,
            doc,
            ..Enum::default()
        };
        while !self.stopped() && !self.is_sym('}') {
            if self.is_word("option") || self.is_word("reserved") {
                self.skip_statement();
                continue;
            }
            if self.is_sym(';') {
                self.i += 1;
                continue;
            }
            let (line, _) = self.here();
            let Some(name) = self.word("an enum value") else {
                self.skip_statement();
                continue;
            };
            if !self.expect('=') {
                self.skip_statement();
                continue;
            }
            let mut number = String::new();
            if self.is_sym('-') {
                self.i += 1;
                number.push('-');
            }
            number.push_str(&self.word("a number").unwrap_or_default());
            self.skip_options();
            self.expect(';');
            e.values.push((name, number, line));
        }
        self.expect('}');
        self.enums.push(e);
    }
}

fn describe(k: Option<&Kind>) -> String {
    match k {
        None => "the end of the file".into(),
        Some(Kind::Word(w)) => format!("`{w}`"),
        Some(Kind::Str(s)) => format!("the string \"{s}\""),
        Some(Kind::Sym(c)) => format!("`{c}`"),
    }
}

/// Builds the tree from what was parsed.
struct Builder<'p> {
    messages: HashMap<&'p str, &'p Message>,
    enums: HashMap<&'p str, &'p Enum>,
    package: Option<&'p str>,
    made: usize,
    truncated: bool,
}

impl<'p> Builder<'p> {
    /// The full name a type name in `scope` refers to, by protobuf's scoping (innermost
    /// scope first), when `known` holds it.
    fn scoped<T>(&self, known: &HashMap<&'p str, T>, scope: &str, ty: &str) -> Option<String> {
        let ty = ty.strip_prefix('.').unwrap_or(ty);
        let ty = match self.package {
            Some(p) => ty
                .strip_prefix(p)
                .and_then(|t| t.strip_prefix('.'))
                .unwrap_or(ty),
            None => ty,
        };
        let mut scope = scope.to_owned();
        loop {
            let name = if scope.is_empty() {
                ty.to_owned()
            } else {
                format!("{scope}.{ty}")
            };
            if known.contains_key(name.as_str()) {
                return Some(name);
            }
            if scope.is_empty() {
                return None;
            }
            scope = scope
                .rsplit_once('.')
                .map_or(String::new(), |(s, _)| s.to_owned());
        }
    }

    fn resolve(&self, scope: &str, ty: &str) -> Option<&'p Message> {
        let name = self.scoped(&self.messages, scope, ty)?;
        self.messages.get(name.as_str()).copied()
    }

    fn resolve_enum(&self, scope: &str, ty: &str) -> Option<&'p Enum> {
        let name = self.scoped(&self.enums, scope, ty)?;
        self.enums.get(name.as_str()).copied()
    }

    fn fields(&mut self, m: &'p Message, stack: &mut Vec<&'p str>) -> Vec<Node> {
        if stack.len() >= limits::APIDEF_SCHEMA_DEPTH {
            return vec![Node::note("… deeper levels not shown")];
        }
        if self.made >= limits::APIDEF_NODES {
            self.truncated = true;
            return Vec::new();
        }
        stack.push(&m.full);
        let mut out = Vec::new();
        for f in &m.fields {
            let mut detail = f.ty.clone();
            if let Some(o) = &f.oneof {
                detail.push_str(&format!(" · oneof {o}"));
            }
            detail.push_str(&format!(" = {}", f.number));
            if let Some(d) = &f.doc {
                detail.push_str(&format!(" — {}", first_line(d)));
            }
            let mut n = Node::new(Role::Field, f.name.clone())
                .detail(detail)
                .line(Some(f.line));
            n.badge = f.label.clone();
            let inner =
                f.ty.strip_prefix("map<")
                    .and_then(|t| t.split_once(", "))
                    .map_or(f.ty.as_str(), |(_, v)| v.trim_end_matches('>'));
            if let Some(sub) = self.resolve(&m.full, inner) {
                if stack.contains(&sub.full.as_str()) {
                    n.children
                        .push(Node::note(format!("↻ {} (cycle: shown above)", sub.full)));
                } else {
                    n.children = self.fields(sub, stack);
                }
            } else if let Some(e) = self.resolve_enum(&m.full, inner) {
                n.children = enum_values(e);
            }
            out.push(n);
        }
        stack.pop();
        self.made += out.len();
        out
    }
}

fn enum_values(e: &Enum) -> Vec<Node> {
    e.values
        .iter()
        .map(|(name, number, line)| {
            Node::new(Role::Field, name.clone())
                .detail(format!("= {number}"))
                .line(Some(*line))
        })
        .collect()
}

fn doc_line(d: &Option<String>) -> String {
    d.as_deref().map(first_line).unwrap_or_default()
}

pub fn parse(text: &str) -> ApiTree {
    if super::graphql::nesting(text, false) > limits::APIDEF_NESTING {
        return ApiTree::failed(
            Format::Grpc,
            0,
            0,
            format!(
                "brackets nest deeper than {}; not read",
                limits::APIDEF_NESTING
            ),
        );
    }
    let toks = match tokenize(text) {
        Ok(t) => t,
        Err(d) => return ApiTree::failed(Format::Grpc, d.line, d.column, d.message),
    };
    let mut p = Parser {
        toks,
        i: 0,
        diagnostics: Vec::new(),
        package: None,
        syntax: None,
        services: Vec::new(),
        messages: Vec::new(),
        enums: Vec::new(),
    };
    p.file();
    let mut tree = ApiTree::empty(Format::Grpc);
    tree.title = p.package.clone();
    tree.version = p.syntax.clone();
    let mut b = Builder {
        messages: p.messages.iter().map(|m| (m.full.as_str(), m)).collect(),
        enums: p.enums.iter().map(|e| (e.full.as_str(), e)).collect(),
        package: p.package.as_deref(),
        made: 0,
        truncated: false,
    };
    let prefix = p
        .package
        .as_deref()
        .map(|p| format!("{p}."))
        .unwrap_or_default();
    if !p.services.is_empty() {
        let mut group = Node::new(Role::Group, "Services").detail(p.services.len().to_string());
        for s in &p.services {
            let mut sn = Node::new(Role::Type, s.name.clone())
                .badge("service")
                .detail(doc_line(&s.doc))
                .line(Some(s.line));
            for r in &s.rpcs {
                let stream = |on: bool| if on { "stream " } else { "" };
                let mut detail = format!(
                    "{}{} → {}{}",
                    stream(r.input_stream),
                    r.input,
                    stream(r.output_stream),
                    r.output
                );
                let d = doc_line(&r.doc);
                if !d.is_empty() {
                    detail.push_str(&format!(" — {d}"));
                }
                let mut rn = Node::new(Role::Operation, r.name.clone())
                    .badge("rpc")
                    .detail(detail)
                    .line(Some(r.line));
                rn.copy = Some(format!("/{prefix}{}/{}", s.name, r.name));
                if let Some(d) = &r.doc {
                    for l in d
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .skip(1)
                        .take(6)
                    {
                        rn.children.push(Node::note(l));
                    }
                }
                for (word, ty, streaming) in [
                    ("request", &r.input, r.input_stream),
                    ("response", &r.output, r.output_stream),
                ] {
                    let mut n =
                        Node::new(Role::Group, word).detail(format!("{}{ty}", stream(streaming)));
                    match b.resolve("", ty) {
                        Some(m) => n.children = b.fields(m, &mut Vec::new()),
                        None => n.detail.push_str(" (defined elsewhere)"),
                    }
                    rn.children.push(n);
                }
                sn.children.push(rn);
            }
            group.children.push(sn);
        }
        tree.nodes.push(group);
    }
    if !p.messages.is_empty() {
        let mut group = Node::new(Role::Group, "Messages").detail(p.messages.len().to_string());
        let mut sorted: Vec<&Message> = p.messages.iter().collect();
        sorted.sort_by_key(|m| m.line);
        for m in sorted {
            let mut n = Node::new(Role::Type, m.full.clone())
                .badge("message")
                .detail(doc_line(&m.doc))
                .line(Some(m.line));
            n.children = b.fields(m, &mut Vec::new());
            group.children.push(n);
        }
        tree.nodes.push(group);
    }
    if !p.enums.is_empty() {
        let mut group = Node::new(Role::Group, "Enums").detail(p.enums.len().to_string());
        for e in &p.enums {
            let mut n = Node::new(Role::Type, e.full.clone())
                .badge("enum")
                .detail(doc_line(&e.doc))
                .line(Some(e.line));
            n.children = enum_values(e);
            group.children.push(n);
        }
        tree.nodes.push(group);
    }
    tree.truncated = b.truncated;
    tree.diagnostics = p.diagnostics;
    if tree.nodes.is_empty() && tree.diagnostics.is_empty() {
        tree.diagnostics.push(Diagnostic {
            line: 0,
            column: 0,
            message: "no services, messages or enums in this file".into(),
        });
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROTO: &str = r#"syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
option go_package = "x;y";

// The shop.
// It sells things.
service Shop {
  // Buy one thing.
  rpc Buy(BuyRequest) returns (Order);
  rpc Watch(stream WatchRequest) returns (stream Order) {
    option (google.api.http) = { get: "/v1/watch" };
  }
}

message BuyRequest {
  string item_id = 1; // not a doc of the next field
  repeated Line lines = 2 [deprecated = true];
  map<string, Money> prices = 3;
  oneof pay { string card = 4; string voucher = 5; }
  message Line { int32 qty = 1; Status status = 2; }
  enum Status { STATUS_UNSPECIFIED = 0; OK = 1; }
  reserved 9, 10;
}
message Money { int64 units = 1; string currency = 2; }
message Order { string id = 1; Order previous = 2; .shop.v1.Money total = 3; google.protobuf.Timestamp at = 4; }
message WatchRequest {}
"#;

    fn find<'n>(nodes: &'n [Node], label: &str) -> &'n Node {
        nodes.iter().find(|n| n.label == label).unwrap_or_else(|| {
            panic!(
                "{label} not in {:?}",
                nodes.iter().map(|n| &n.label).collect::<Vec<_>>()
            )
        })
    }

    #[test]
    fn services_methods_and_messages() {
        let t = parse(PROTO);
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        assert_eq!(t.title.as_deref(), Some("shop.v1"));
        assert_eq!(t.version.as_deref(), Some("proto3"));
        let shop = find(&find(&t.nodes, "Services").children, "Shop");
        assert_eq!(shop.detail, "The shop.");
        let buy = find(&shop.children, "Buy");
        assert_eq!(buy.detail, "BuyRequest → Order — Buy one thing.");
        assert_eq!(buy.copy.as_deref(), Some("/shop.v1.Shop/Buy"));
        assert_eq!(buy.line, Some(10));
        let watch = find(&shop.children, "Watch");
        assert_eq!(watch.detail, "stream WatchRequest → stream Order");
        let req = find(&buy.children, "request");
        let fields: Vec<(&str, &str)> = req
            .children
            .iter()
            .map(|f| (f.label.as_str(), f.detail.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("item_id", "string = 1"),
                ("lines", "Line = 2"),
                ("prices", "map<string, Money> = 3"),
                ("card", "string · oneof pay = 4"),
                ("voucher", "string · oneof pay = 5"),
            ]
        );
        assert_eq!(req.children[1].badge.as_deref(), Some("repeated"));
        // Nested types resolve in scope, and their enums list values.
        let lines = &req.children[1];
        assert_eq!(lines.children[1].label, "status");
        assert_eq!(lines.children[1].children[1].label, "OK");
        assert_eq!(
            req.children[2].children[0].label, "units",
            "map values expand"
        );
        let resp = find(&buy.children, "response");
        let previous = find(&resp.children, "previous");
        assert!(previous.children[0].label.starts_with("↻ Order"));
        assert_eq!(
            find(&resp.children, "total").children.len(),
            2,
            "package-qualified"
        );
        let msgs = find(&t.nodes, "Messages");
        assert!(msgs.children.iter().any(|m| m.label == "BuyRequest.Line"));
        let enums = find(&t.nodes, "Enums");
        assert_eq!(enums.children[0].label, "BuyRequest.Status");
    }

    #[test]
    fn malformed_proto_is_located_and_the_rest_still_read() {
        let t = parse(
            "syntax = \"proto3\";\nmessage A {\n  string = 1;\n  int32 ok = 2;\n}\nservice S { rpc M(A) returns A; }\n",
        );
        assert_eq!(t.diagnostics[0].line, 3, "{:?}", t.diagnostics);
        assert!(t.diagnostics[0].message.contains("expected a field name"));
        let a = find(&find(&t.nodes, "Messages").children, "A");
        assert_eq!(a.children.len(), 1);
        assert!(
            t.diagnostics
                .iter()
                .any(|d| d.line == 6 && d.message.contains("expected `(`")),
            "{:?}",
            t.diagnostics
        );
        let t = parse("message A { /* never closed");
        assert_eq!(t.diagnostics[0].line, 1);
        assert!(t.diagnostics[0].message.contains("never ends"));
        let t = parse("message A { string s = 1; string t = \"oops");
        assert!(t.diagnostics[0].message.contains("string that never ends"));
    }

    #[test]
    fn hostile_input_never_panics() {
        let deep = format!("{}{}", "message A {".repeat(200), "}".repeat(200));
        let t = parse(&deep);
        assert!(t.diagnostics[0].message.contains("nest deeper"));
        let samples = [
            "",
            "}",
            "{",
            "message",
            "message {",
            "service S { rpc",
            "service S { rpc M(",
            "enum E { A = -",
            "message M { map<",
            "message M { oneof o { oneof",
            "syntax = ",
            "\"",
            "/*",
            "//",
            "message M { repeated repeated a = 1; }",
            "enum E { A = 1 [x = { y: 1 }]; }",
            "rpc M(A) returns (B);",
            "message M { group G = 1 { int32 a = 1; } }",
        ];
        for s in samples {
            let _ = parse(s);
        }
        // Every prefix of a real file.
        for (i, _) in PROTO.char_indices() {
            let _ = parse(&PROTO[..i]);
        }
    }
}
