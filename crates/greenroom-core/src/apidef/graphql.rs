//! GraphQL SDL (read with `graphql-parser`) as a tree: queries, mutations and subscriptions
//! (the root types' fields, with their arguments), then every type — objects, interfaces,
//! inputs, enums, unions, scalars — with its fields. A root field copies as `Query.name`.

use super::{ApiTree, Diagnostic, Format, Node, Role, first_line};
use crate::limits;
use graphql_parser::schema::{self as gql, Definition, TypeDefinition, TypeExtension};

type Doc<'a> = gql::Document<'a, String>;
type GqlType<'a> = gql::Type<'a, String>;

/// A type as written: `[Seat!]!`.
fn type_name(t: &GqlType<'_>) -> String {
    let mut out = String::new();
    let mut stack = vec![(t, false)];
    // Iterative, so a deep `[[[[...]]]]` cannot overflow the stack here.
    while let Some((t, closing)) = stack.pop() {
        if closing {
            match t {
                gql::Type::ListType(_) => out.push(']'),
                gql::Type::NonNullType(_) => out.push('!'),
                gql::Type::NamedType(_) => {}
            }
            continue;
        }
        match t {
            gql::Type::NamedType(n) => out.push_str(n),
            gql::Type::ListType(inner) => {
                out.push('[');
                stack.push((t, true));
                stack.push((inner, false));
            }
            gql::Type::NonNullType(inner) => {
                stack.push((t, true));
                stack.push((inner, false));
            }
        }
    }
    out
}

/// The deepest bracket nesting in a text, outside strings and comments (roughly: enough to
/// refuse what would recurse too deep in the parser).
pub(crate) fn nesting(text: &str, hash_comments: bool) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '#' if hash_comments => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if !hash_comments && chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '[' | '{' | '(' | '<' => {
                depth += 1;
                max = max.max(depth);
            }
            ']' | '}' | ')' | '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The text with a description before `schema { ... }` blanked out (spaces, newlines kept so
/// positions hold): the 2021 spec allows it, `graphql-parser` 0.4 does not, and real schemas
/// (the demo's among them) start that way.
fn blank_schema_description(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let mut i = 0;
    // The last string seen at the top level, and whether only blanks and comments follow it.
    let mut last: Option<(usize, usize)> = None;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                let start = i;
                if b[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i = (i + 3).min(b.len());
                } else {
                    i += 1;
                    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i = (i + 1).min(b.len());
                }
                if depth == 0 {
                    last = Some((start, i));
                }
                continue;
            }
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            c if c.is_ascii_whitespace() || c == b',' => {}
            _ if depth == 0 => {
                let word_end = b[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .map_or(b.len(), |n| i + n);
                if &b[i..word_end] == b"schema"
                    && let Some((start, end)) = last
                {
                    let mut out = String::with_capacity(text.len());
                    out.push_str(&text[..start]);
                    out.extend(
                        text[start..end]
                            .chars()
                            .map(|c| if c == '\n' { '\n' } else { ' ' }),
                    );
                    out.push_str(&text[end..]);
                    return std::borrow::Cow::Owned(out);
                }
                last = None;
                i = word_end.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    std::borrow::Cow::Borrowed(text)
}

/// `schema parse error: Parse error at 3:5\nUnexpected ...` → (3, 5, the rest on one line).
fn locate(message: &str) -> (u32, u32, String) {
    let text = message.trim_start_matches("schema parse error: ");
    let mut lines = text.lines();
    let head = lines.next().unwrap_or_default();
    let (line, column) = head
        .rsplit(' ')
        .next()
        .and_then(|p| p.split_once(':'))
        .and_then(|(l, c)| Some((l.parse().ok()?, c.parse().ok()?)))
        .unwrap_or((0, 0));
    let rest: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
    let what = if rest.is_empty() {
        head.to_owned()
    } else {
        rest.join("; ")
    };
    (line, column, format!("GraphQL: {what}"))
}

fn pos(p: graphql_parser::Pos) -> Option<u32> {
    u32::try_from(p.line).ok().filter(|l| *l > 0)
}

fn describe(d: &Option<String>) -> String {
    d.as_deref().map(first_line).unwrap_or_default()
}

fn field_node(f: &gql::Field<'_, String>, copy: Option<String>, role: Role) -> Node {
    let args: Vec<String> = f
        .arguments
        .iter()
        .map(|a| format!("{}: {}", a.name, type_name(&a.value_type)))
        .collect();
    let label = if args.is_empty() {
        f.name.clone()
    } else {
        format!("{}({})", f.name, args.join(", "))
    };
    let mut detail = type_name(&f.field_type);
    let d = describe(&f.description);
    if !d.is_empty() {
        detail.push_str(&format!(" — {d}"));
    }
    if f.directives.iter().any(|d| d.name == "deprecated") {
        detail.push_str(" (deprecated)");
    }
    let mut node = Node::new(role, label).detail(detail).line(pos(f.position));
    node.copy = copy;
    for a in &f.arguments {
        node.children.push(input_node(a));
    }
    node
}

fn input_node(a: &gql::InputValue<'_, String>) -> Node {
    let mut detail = type_name(&a.value_type);
    if let Some(v) = &a.default_value {
        detail.push_str(&format!(" = {v}"));
    }
    let d = describe(&a.description);
    if !d.is_empty() {
        detail.push_str(&format!(" — {d}"));
    }
    Node::new(Role::Field, a.name.clone())
        .badge("arg")
        .detail(detail)
        .line(pos(a.position))
}

pub fn parse(text: &str) -> ApiTree {
    if nesting(text, true) > limits::APIDEF_NESTING {
        return ApiTree::failed(
            Format::GraphQl,
            0,
            0,
            format!(
                "brackets nest deeper than {}; not read",
                limits::APIDEF_NESTING
            ),
        );
    }
    let text = blank_schema_description(text);
    let doc: Doc<'_> = match graphql_parser::parse_schema::<String>(&text) {
        Ok(d) => d,
        Err(e) => {
            let (line, column, message) = locate(&e.to_string());
            return ApiTree::failed(Format::GraphQl, line, column, message);
        }
    };
    let mut tree = ApiTree::empty(Format::GraphQl);
    let (mut query, mut mutation, mut subscription) = (
        "Query".to_owned(),
        "Mutation".to_owned(),
        "Subscription".to_owned(),
    );
    for d in &doc.definitions {
        if let Definition::SchemaDefinition(s) = d {
            query = s.query.clone().unwrap_or(query);
            mutation = s.mutation.clone().unwrap_or(mutation);
            subscription = s.subscription.clone().unwrap_or(subscription);
        }
    }
    // Root fields, extensions (`extend type Query`) included.
    let roots = [
        (&query, "Queries", "query"),
        (&mutation, "Mutations", "mutation"),
        (&subscription, "Subscriptions", "subscription"),
    ];
    for (name, title, _) in roots {
        let mut group = Node::new(Role::Group, title);
        for d in &doc.definitions {
            let fields = match d {
                Definition::TypeDefinition(TypeDefinition::Object(o)) if &o.name == name => {
                    &o.fields
                }
                Definition::TypeExtension(TypeExtension::Object(o)) if &o.name == name => &o.fields,
                _ => continue,
            };
            for f in fields {
                group.children.push(field_node(
                    f,
                    Some(format!("{name}.{}", f.name)),
                    Role::Operation,
                ));
            }
        }
        if !group.children.is_empty() {
            group.detail = group.children.len().to_string();
            tree.nodes.push(group);
        }
    }
    let mut types = Node::new(Role::Group, "Types");
    for d in &doc.definitions {
        let Definition::TypeDefinition(t) = d else {
            continue;
        };
        let node = match t {
            TypeDefinition::Object(o) => {
                if [&query, &mutation, &subscription].contains(&&o.name) {
                    continue;
                }
                let mut n = Node::new(Role::Type, o.name.clone())
                    .badge("type")
                    .detail(describe(&o.description))
                    .line(pos(o.position));
                if !o.implements_interfaces.is_empty() {
                    n.detail = format!(
                        "implements {} {}",
                        o.implements_interfaces.join(" & "),
                        n.detail
                    );
                }
                n.children = o
                    .fields
                    .iter()
                    .map(|f| field_node(f, None, Role::Field))
                    .collect();
                n
            }
            TypeDefinition::Interface(i) => {
                let mut n = Node::new(Role::Type, i.name.clone())
                    .badge("interface")
                    .detail(describe(&i.description))
                    .line(pos(i.position));
                n.children = i
                    .fields
                    .iter()
                    .map(|f| field_node(f, None, Role::Field))
                    .collect();
                n
            }
            TypeDefinition::InputObject(i) => {
                let mut n = Node::new(Role::Type, i.name.clone())
                    .badge("input")
                    .detail(describe(&i.description))
                    .line(pos(i.position));
                n.children = i.fields.iter().map(input_node).collect();
                for c in &mut n.children {
                    c.badge = None;
                }
                n
            }
            TypeDefinition::Enum(e) => {
                let mut n = Node::new(Role::Type, e.name.clone())
                    .badge("enum")
                    .detail(describe(&e.description))
                    .line(pos(e.position));
                n.children = e
                    .values
                    .iter()
                    .map(|v| {
                        Node::new(Role::Field, v.name.clone())
                            .detail(describe(&v.description))
                            .line(pos(v.position))
                    })
                    .collect();
                n
            }
            TypeDefinition::Union(u) => Node::new(Role::Type, u.name.clone())
                .badge("union")
                .detail(u.types.join(" | "))
                .line(pos(u.position)),
            TypeDefinition::Scalar(s) => Node::new(Role::Type, s.name.clone())
                .badge("scalar")
                .detail(describe(&s.description))
                .line(pos(s.position)),
        };
        types.children.push(node);
    }
    if !types.children.is_empty() {
        types.detail = types.children.len().to_string();
        tree.nodes.push(types);
    }
    if tree.nodes.is_empty() {
        tree.diagnostics.push(Diagnostic {
            line: 0,
            column: 0,
            message: "no types in this schema".into(),
        });
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
"The schema"
schema { query: Root, mutation: Mutation }
scalar DateTime
"A seat"
type Seat implements Node { id: ID!, row: String, price(currency: String = "GBP"): Int }
interface Node { id: ID! }
enum Status { ON, OFF }
union Thing = Seat | Venue
input Filter { city: String!, near: [Float!] }
type Root {
  "Find seats"
  seats(filter: Filter!, first: Int = 20): [Seat!]!
  old: String @deprecated
}
extend type Root { venue(id: ID!): Venue }
type Mutation { hold(ids: [ID!]!): Boolean }
type Venue { id: ID! }
"#;

    #[test]
    fn queries_mutations_and_types() {
        let t = parse(SDL);
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        let groups: Vec<&str> = t.nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(groups, ["Queries", "Mutations", "Types"]);
        let q = &t.nodes[0].children;
        assert_eq!(q[0].label, "seats(filter: Filter!, first: Int)");
        assert_eq!(q[0].detail, "[Seat!]! — Find seats");
        assert_eq!(q[0].copy.as_deref(), Some("Root.seats"));
        assert_eq!(q[0].children[1].detail, "Int = 20");
        assert!(q[1].detail.contains("deprecated"));
        assert_eq!(q[2].label, "venue(id: ID!)", "extensions count");
        assert_eq!(q[0].line, Some(12), "where its description starts");
        let types: Vec<String> = t.nodes[2]
            .children
            .iter()
            .map(|n| format!("{} {}", n.badge.as_deref().unwrap_or(""), n.label))
            .collect();
        assert_eq!(
            types,
            [
                "scalar DateTime",
                "type Seat",
                "interface Node",
                "enum Status",
                "union Thing",
                "input Filter",
                "type Venue"
            ]
        );
        assert!(t.nodes[2].children[1].detail.starts_with("implements Node"));
        assert_eq!(t.nodes[2].children[4].detail, "Seat | Venue");
    }

    #[test]
    fn a_described_schema_definition_reads() {
        let t = parse(
            "\"\"\"\nThe API \"quoted\"\n\"\"\"\nschema { query: Q }\n\"q\" type Q { a: Int }\n",
        );
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        assert_eq!(t.nodes[0].children[0].label, "a");
        assert_eq!(t.nodes[0].children[0].line, Some(5));
        assert_eq!(
            blank_schema_description("\"x\" type A { b: Int }"),
            "\"x\" type A { b: Int }"
        );
    }

    #[test]
    fn malformed_sdl_is_located() {
        let t = parse("type Query {\n  a: Int\n  b(: Int\n}\n");
        assert!(t.nodes.is_empty());
        let d = &t.diagnostics[0];
        assert_eq!(d.line, 3, "{d:?}");
        assert!(d.message.starts_with("GraphQL:"), "{d:?}");
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!(
            "type Query {{ a: {}Int{} }}",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let t = parse(&deep);
        assert!(t.diagnostics[0].message.contains("nest deeper"));
        let ok = format!(
            "type Query {{ a: {}Int{} }}",
            "[".repeat(10),
            "]".repeat(10)
        );
        let t = parse(&ok);
        assert_eq!(
            t.nodes[0].children[0].detail,
            format!("{}Int{}", "[".repeat(10), "]".repeat(10))
        );
    }
}
