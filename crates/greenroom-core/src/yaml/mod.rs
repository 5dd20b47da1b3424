//! YAML with positions.
//!
//! Descriptor diagnostics must point at the offending node, which serde-based YAML readers cannot
//! do, so descriptors are read into a small tree of [`Node`]s that carry their line and column.
//! The rules follow the `yaml` npm package Backstage uses: YAML 1.2 core schema, merge keys off,
//! unique map keys, and each `---` document parsed on its own so one broken document does not
//! take its neighbours down.

mod parse;
mod scalar;

pub use parse::{Limits, RawDocument, parse_documents};

use serde_json::{Map, Value};
use std::fmt;

/// A position in a text file, both 1-based, columns counted in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };

    pub fn new(line: u32, column: u32) -> Self {
        Pos { line, column }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One YAML node with the position where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys are kept as nodes (for their positions) and already stringified, as JavaScript does.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn new(value: NodeValue, pos: Pos) -> Self {
        Node { value, pos }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            NodeValue::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` when this node is a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node under `key` when this node is a map.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Follows a path of map keys and sequence indexes (given as decimal strings).
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        let mut node = self;
        for part in path {
            node = match &node.value {
                NodeValue::Map(_) => node.get(part)?,
                NodeValue::Seq(items) => items.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// A short name of the node's type for messages ("a string", "a list", ...).
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) | NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a map",
        }
    }

    /// The JSON value of this node, as `JSON.parse(JSON.stringify(yaml.toJS()))` would give.
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => float_to_json(*f),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.as_str().unwrap_or_default().to_owned(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// [`to_json`](Self::to_json), consuming the tree: its strings move into the value
    /// instead of being copied (what reading a descriptor does, once per entity).
    pub fn into_json(self) -> Value {
        match self.value {
            NodeValue::Str(s) => Value::String(s),
            NodeValue::Seq(items) => Value::Array(items.into_iter().map(Node::into_json).collect()),
            NodeValue::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = match k.value {
                        NodeValue::Str(s) => s,
                        _ => String::new(),
                    };
                    map.insert(key, v.into_json());
                }
                Value::Object(map)
            }
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(b),
            NodeValue::Int(i) => Value::from(i),
            NodeValue::Float(f) => float_to_json(f),
        }
    }

    /// Builds a node tree from JSON, every node at `pos` (used for substituted values).
    pub fn from_json(value: &Value, pos: Pos) -> Node {
        let v = match value {
            Value::Null => NodeValue::Null,
            Value::Bool(b) => NodeValue::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => NodeValue::Int(i),
                None => NodeValue::Float(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => NodeValue::Str(s.clone()),
            Value::Array(items) => {
                NodeValue::Seq(items.iter().map(|i| Node::from_json(i, pos)).collect())
            }
            Value::Object(map) => NodeValue::Map(
                map.iter()
                    .map(|(k, v)| {
                        (
                            Node::new(NodeValue::Str(k.clone()), pos),
                            Node::from_json(v, pos),
                        )
                    })
                    .collect(),
            ),
        };
        Node::new(v, pos)
    }
}

/// JavaScript numbers are doubles and print integral values without a fraction; JSON cannot hold
/// NaN or infinities (JSON.stringify writes null).
fn float_to_json(f: f64) -> Value {
    if !f.is_finite() {
        return Value::Null;
    }
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        return Value::from(f as i64);
    }
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// A YAML problem at a position.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.pos.line, self.pos.column
        )
    }
}

/// Parses a text that must hold exactly one YAML document (used by `$yaml`).
pub fn parse_single(text: &str, limits: &Limits) -> Result<Option<Node>, YamlError> {
    let docs = parse_documents(text, limits);
    let mut found = Vec::new();
    for doc in docs {
        match doc.result {
            Err(e) => return Err(e),
            Ok(Some(node)) => found.push(node),
            Ok(None) => {}
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        n => Err(YamlError {
            pos: Pos::START,
            message: format!("expected exactly one document of data, found {n}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        parse_single(text, &Limits::default()).unwrap().unwrap()
    }

    #[test]
    fn positions_are_one_based() {
        let n = one("a: 1\nb:\n  c: [x, y]\n");
        assert_eq!(n.get("a").unwrap().pos, Pos::new(1, 4));
        let c = n.at(&["b", "c"]).unwrap();
        assert_eq!(c.pos, Pos::new(3, 6));
        assert_eq!(n.at(&["b", "c", "1"]).unwrap().pos, Pos::new(3, 10));
        assert_eq!(n.entry("b").unwrap().0.pos, Pos::new(2, 1));
    }

    #[test]
    fn integral_floats_become_integers_like_javascript() {
        let n = one("a: 1.0\nb: 1.5\nc: .inf\n");
        assert_eq!(
            n.to_json(),
            serde_json::json!({"a": 1, "b": 1.5, "c": null})
        );
    }

    #[test]
    fn json_round_trip_keeps_structure() {
        let v = serde_json::json!({"a": [1, "x", {"b": null}], "c": true});
        assert_eq!(Node::from_json(&v, Pos::START).to_json(), v);
    }

    #[test]
    fn into_json_is_to_json() {
        let n = one(
            "z: 1\na: [1.0, -2, 2.5, .nan, null, true, 'x', {k: v, 1: one}]\nm:\n  b: text\n  a: ~\n",
        );
        let expected = n.to_json();
        assert_eq!(
            serde_json::to_string(&n.into_json()).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
        assert!(
            expected
                .to_string()
                .starts_with(r#"{"z":1,"a":[1,-2,2.5,null"#)
        );
    }

    #[test]
    fn more_than_one_document_is_refused_by_parse_single() {
        let err = parse_single("a: 1\n---\nb: 2\n", &Limits::default()).unwrap_err();
        assert!(err.message.contains("exactly one document"), "{err}");
    }
}
