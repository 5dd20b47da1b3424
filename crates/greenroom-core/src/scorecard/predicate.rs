//! The predicates rules are built from, read from YAML (with positions for diagnostics) and
//! evaluated to pass/fail/unknown with words for what was checked and what was found.
//!
//! Each predicate is a map with one key naming it (`field:`, `annotation:`, `owner:`...), so a
//! file reads like the table in the README. `all`/`any`/`not` combine them three-valued:
//! `all` fails if any part fails, else is unknown if any part is unknown; `any` passes if any
//! part passes, else is unknown if any is; `not` swaps pass and fail.

use super::Inputs;
use super::facts::{FileLookup, LiveFact, LiveObs};
use super::{Outcome, UnknownPolicy};
use crate::catalog::{Entity, RefContext, RelationType, parse_ref};
use crate::status::time::format_age;
use crate::status::value::{BuildState, StatusValue};
use crate::text::sanitize_line;
use crate::yaml::{Node, NodeValue, Pos};
use regex::Regex;
use serde_json::Value;
use std::time::Duration;

/// A comparison on a value (a field, an annotation, a label).
#[derive(Clone, Debug)]
pub enum Op {
    /// Present and not empty (`exists: true`), or absent (`exists: false`).
    Exists(bool),
    Equals(Value),
    In(Vec<String>),
    NotIn(Vec<String>),
    Contains(String),
    Matches(Regex),
    /// `gt`, `gte`, `lt`, `lte` on numbers (numeric strings count).
    Compare(&'static str, f64),
    /// A list with at least this many items.
    MinItems(usize),
}

#[derive(Clone, Debug)]
pub enum Predicate {
    /// A dotted path into the entity (`spec.lifecycle`, `metadata.description`).
    Field {
        path: Vec<String>,
        op: Op,
    },
    Annotation {
        key: String,
        op: Op,
    },
    Label {
        key: String,
        op: Op,
    },
    /// Has any of these tags.
    Tag(Vec<String>),
    /// At least `min` links matching every given constraint.
    Link {
        types: Vec<String>,
        title: Option<Regex>,
        url: Option<Regex>,
        min: usize,
    },
    Owner {
        set: bool,
        resolvable: bool,
        kind: Option<String>,
        min_members: usize,
        one_of: Vec<String>,
    },
    /// Relations of a type (optionally to given kinds), counted.
    Relation {
        kind: RelationType,
        target_kinds: Vec<String>,
        min: usize,
        max: Option<usize>,
    },
    /// The entity's TechDocs resolve (`techdocs::check_docs`): the annotation is set and its
    /// `dir:` folder holds a site; unknown when that cannot be told without a fetch.
    TechDocs,
    /// A file in the entity's repository folder: the first of `paths` that exists.
    File {
        paths: Vec<String>,
        exists: bool,
        contains: Option<String>,
        matches: Option<Regex>,
    },
    Live {
        fact: LiveFact,
        max_age: Option<Duration>,
    },
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
    /// Port's own result for one of its rules (Port scorecards only).
    PortRule {
        scorecard: String,
        rule: String,
    },
}

/// A located problem in a scorecard file.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
}

fn err<T>(node: &Node, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        pos: node.pos,
        message: message.into(),
    })
}

pub(crate) fn string_of(node: &Node, what: &str) -> Result<String, ParseError> {
    match &node.value {
        NodeValue::Str(s) => Ok(s.clone()),
        NodeValue::Int(i) => Ok(i.to_string()),
        NodeValue::Float(f) => Ok(f.to_string()),
        NodeValue::Bool(b) => Ok(b.to_string()),
        _ => err(
            node,
            format!("{what} must be a string, not {}", node.type_name()),
        ),
    }
}

/// A string or a list of strings.
fn strings_of(node: &Node, what: &str) -> Result<Vec<String>, ParseError> {
    match &node.value {
        NodeValue::Seq(items) => items.iter().map(|i| string_of(i, what)).collect(),
        _ => Ok(vec![string_of(node, what)?]),
    }
}

fn bool_of(node: &Node, what: &str) -> Result<bool, ParseError> {
    match node.value {
        NodeValue::Bool(b) => Ok(b),
        _ => err(node, format!("{what} must be true or false")),
    }
}

fn count_of(node: &Node, what: &str) -> Result<usize, ParseError> {
    match node.value {
        NodeValue::Int(i) if i >= 0 => Ok(i as usize),
        _ => err(node, format!("{what} must be a whole number, 0 or more")),
    }
}

fn number_of(node: &Node, what: &str) -> Result<f64, ParseError> {
    match node.value {
        NodeValue::Int(i) => Ok(i as f64),
        NodeValue::Float(f) => Ok(f),
        _ => err(node, format!("{what} must be a number")),
    }
}

fn regex_of(node: &Node, what: &str) -> Result<Regex, ParseError> {
    let s = string_of(node, what)?;
    regex::RegexBuilder::new(&s)
        .size_limit(crate::limits::SCORECARD_REGEX_BYTES)
        .build()
        .or_else(|e| {
            err(
                node,
                format!("{what} is not a valid regular expression: {e}"),
            )
        })
}

fn map_of<'n>(node: &'n Node, what: &str) -> Result<&'n [(Node, Node)], ParseError> {
    node.as_map().ok_or_else(|| ParseError {
        pos: node.pos,
        message: format!("{what} must be a map, not {}", node.type_name()),
    })
}

/// Refuses keys not in `allowed` (a typo would otherwise silently weaken a rule).
fn only_keys(node: &Node, what: &str, allowed: &[&str]) -> Result<(), ParseError> {
    for (k, _) in map_of(node, what)? {
        let key = k.as_str().unwrap_or_default();
        if !allowed.contains(&key) {
            return err(
                k,
                format!(
                    "unknown key `{}` in {what}; expected one of: {}",
                    sanitize_line(key),
                    allowed.join(", ")
                ),
            );
        }
    }
    Ok(())
}

const OP_KEYS: &[&str] = &[
    "exists", "equals", "in", "notIn", "contains", "matches", "gt", "gte", "lt", "lte", "minItems",
];

/// The one comparison in a map (none means `exists: true`).
fn op_of(node: &Node, what: &str) -> Result<Op, ParseError> {
    let mut found: Option<Op> = None;
    for (k, v) in map_of(node, what)? {
        let key = k.as_str().unwrap_or_default();
        if !OP_KEYS.contains(&key) {
            continue;
        }
        let op = match key {
            "exists" => Op::Exists(bool_of(v, "exists")?),
            "equals" => Op::Equals(v.to_json()),
            "in" => Op::In(strings_of(v, "in")?),
            "notIn" => Op::NotIn(strings_of(v, "notIn")?),
            "contains" => Op::Contains(string_of(v, "contains")?),
            "matches" => Op::Matches(regex_of(v, "matches")?),
            "minItems" => Op::MinItems(count_of(v, "minItems")?),
            "gt" => Op::Compare(">", number_of(v, key)?),
            "gte" => Op::Compare(">=", number_of(v, key)?),
            "lt" => Op::Compare("<", number_of(v, key)?),
            _ => Op::Compare("<=", number_of(v, key)?),
        };
        if found.is_some() {
            return err(
                k,
                format!("{what} takes one comparison; `{key}` is a second"),
            );
        }
        found = Some(op);
    }
    Ok(found.unwrap_or(Op::Exists(true)))
}

impl Predicate {
    /// Reads a predicate: a map with one key naming it.
    pub fn parse(node: &Node, depth: usize) -> Result<Predicate, ParseError> {
        if depth > crate::limits::SCORECARD_PREDICATE_DEPTH {
            return err(
                node,
                format!(
                    "predicates nest deeper than {} levels",
                    crate::limits::SCORECARD_PREDICATE_DEPTH
                ),
            );
        }
        let entries = map_of(node, "a predicate")?;
        let [(name, arg)] = entries else {
            return err(
                node,
                format!(
                    "a predicate is a map with exactly one key (field, annotation, label, tag, link, owner, relation, docs, file, live, all, any, not); this one has {}",
                    entries.len()
                ),
            );
        };
        let name_str = name.as_str().unwrap_or_default();
        Ok(match name_str {
            "field" => {
                only_keys(arg, "field", &[&["path"], OP_KEYS].concat())?;
                let path = arg
                    .get("path")
                    .ok_or_else(|| ParseError {
                        pos: arg.pos,
                        message: "field needs `path` (e.g. spec.lifecycle)".into(),
                    })
                    .and_then(|p| string_of(p, "path"))?;
                Predicate::Field {
                    path: path.split('.').map(str::to_owned).collect(),
                    op: op_of(arg, "field")?,
                }
            }
            "annotation" | "label" => {
                if let NodeValue::Str(key) = &arg.value {
                    let (key, op) = (key.clone(), Op::Exists(true));
                    return Ok(if name_str == "annotation" {
                        Predicate::Annotation { key, op }
                    } else {
                        Predicate::Label { key, op }
                    });
                }
                only_keys(arg, name_str, &[&["key"], OP_KEYS].concat())?;
                let key = arg
                    .get("key")
                    .ok_or_else(|| ParseError {
                        pos: arg.pos,
                        message: format!("{name_str} needs `key`"),
                    })
                    .and_then(|k| string_of(k, "key"))?;
                let op = op_of(arg, name_str)?;
                if name_str == "annotation" {
                    Predicate::Annotation { key, op }
                } else {
                    Predicate::Label { key, op }
                }
            }
            "tag" => match &arg.value {
                NodeValue::Map(_) => {
                    only_keys(arg, "tag", &["in"])?;
                    let list = arg.get("in").ok_or_else(|| ParseError {
                        pos: arg.pos,
                        message: "tag needs a name or `in: [...]`".into(),
                    })?;
                    Predicate::Tag(strings_of(list, "tag")?)
                }
                _ => Predicate::Tag(strings_of(arg, "tag")?),
            },
            "link" => {
                only_keys(arg, "link", &["type", "title", "url", "min"])?;
                Predicate::Link {
                    types: arg
                        .get("type")
                        .map(|t| strings_of(t, "type"))
                        .transpose()?
                        .unwrap_or_default(),
                    title: arg.get("title").map(|t| regex_of(t, "title")).transpose()?,
                    url: arg.get("url").map(|t| regex_of(t, "url")).transpose()?,
                    min: arg
                        .get("min")
                        .map(|m| count_of(m, "min"))
                        .transpose()?
                        .unwrap_or(1),
                }
            }
            "owner" => {
                only_keys(
                    arg,
                    "owner",
                    &["set", "resolvable", "kind", "minMembers", "in"],
                )?;
                Predicate::Owner {
                    set: arg
                        .get("set")
                        .map(|b| bool_of(b, "set"))
                        .transpose()?
                        .unwrap_or(true),
                    resolvable: arg
                        .get("resolvable")
                        .map(|b| bool_of(b, "resolvable"))
                        .transpose()?
                        .unwrap_or(false),
                    kind: arg.get("kind").map(|k| string_of(k, "kind")).transpose()?,
                    min_members: arg
                        .get("minMembers")
                        .map(|m| count_of(m, "minMembers"))
                        .transpose()?
                        .unwrap_or(0),
                    one_of: arg
                        .get("in")
                        .map(|l| strings_of(l, "in"))
                        .transpose()?
                        .unwrap_or_default(),
                }
            }
            "relation" => {
                only_keys(arg, "relation", &["type", "targetKind", "min", "max"])?;
                let kind = arg
                    .get("type")
                    .ok_or_else(|| ParseError {
                        pos: arg.pos,
                        message: "relation needs `type` (partOf, dependsOn, providesApi...)".into(),
                    })
                    .and_then(|t| string_of(t, "type"))?;
                let kind = RelationType::parse(&kind);
                if let RelationType::Other(o) = &kind {
                    return err(
                        arg,
                        format!("`{}` is not a Backstage relation type", sanitize_line(o)),
                    );
                }
                Predicate::Relation {
                    kind,
                    target_kinds: arg
                        .get("targetKind")
                        .map(|t| strings_of(t, "targetKind"))
                        .transpose()?
                        .unwrap_or_default(),
                    min: arg
                        .get("min")
                        .map(|m| count_of(m, "min"))
                        .transpose()?
                        .unwrap_or(1),
                    max: arg.get("max").map(|m| count_of(m, "max")).transpose()?,
                }
            }
            "docs" => match arg.as_str() {
                Some("techdocs") => Predicate::TechDocs,
                _ => return err(arg, "docs takes `techdocs`"),
            },
            "file" => {
                only_keys(arg, "file", &["path", "exists", "contains", "matches"])?;
                let p = arg.get("path").ok_or_else(|| ParseError {
                    pos: arg.pos,
                    message: "file needs `path` (or a list of alternatives)".into(),
                })?;
                let paths = strings_of(p, "path")?;
                if let Some(bad) = paths.iter().find(|p| !super::facts::is_confined(p)) {
                    return err(
                        p,
                        format!(
                            "file path `{}` must stay inside the repository (relative, no `..`)",
                            sanitize_line(bad)
                        ),
                    );
                }
                Predicate::File {
                    paths,
                    exists: arg
                        .get("exists")
                        .map(|b| bool_of(b, "exists"))
                        .transpose()?
                        .unwrap_or(true),
                    contains: arg
                        .get("contains")
                        .map(|c| string_of(c, "contains"))
                        .transpose()?,
                    matches: arg
                        .get("matches")
                        .map(|c| regex_of(c, "matches"))
                        .transpose()?,
                }
            }
            "live" => {
                let (fact_node, max_age) = match &arg.value {
                    NodeValue::Map(_) => {
                        only_keys(arg, "live", &["fact", "maxAge"])?;
                        let f = arg.get("fact").ok_or_else(|| ParseError {
                            pos: arg.pos,
                            message: "live needs `fact` (oncall, ci, alerts, health)".into(),
                        })?;
                        let age = match arg.get("maxAge") {
                            Some(a) => Some(
                                crate::status::time::parse_duration(&string_of(a, "maxAge")?)
                                    .or_else(|e| err(a, format!("maxAge: {e}")))?,
                            ),
                            None => None,
                        };
                        (f, age)
                    }
                    _ => (arg, None),
                };
                let name = string_of(fact_node, "fact")?;
                let Some(fact) = LiveFact::parse(&name) else {
                    return err(
                        fact_node,
                        format!(
                            "unknown live fact `{}`; expected oncall, ci, alerts or health",
                            sanitize_line(&name)
                        ),
                    );
                };
                Predicate::Live { fact, max_age }
            }
            "all" | "any" => {
                let items = arg.as_seq().ok_or_else(|| ParseError {
                    pos: arg.pos,
                    message: format!("{name_str} takes a list of predicates"),
                })?;
                if items.is_empty() {
                    return err(arg, format!("{name_str} needs at least one predicate"));
                }
                let parts = items
                    .iter()
                    .map(|i| Predicate::parse(i, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                if name_str == "all" {
                    Predicate::All(parts)
                } else {
                    Predicate::Any(parts)
                }
            }
            "not" => Predicate::Not(Box::new(Predicate::parse(arg, depth + 1)?)),
            other => {
                return err(
                    name,
                    format!(
                        "unknown predicate `{}`; expected one of field, annotation, label, tag, link, owner, relation, docs, file, live, all, any, not",
                        sanitize_line(other)
                    ),
                );
            }
        })
    }

    pub fn uses_live(&self) -> bool {
        match self {
            Predicate::Live { .. } => true,
            Predicate::All(p) | Predicate::Any(p) => p.iter().any(Predicate::uses_live),
            Predicate::Not(p) => p.uses_live(),
            _ => false,
        }
    }

    /// What the predicate checks, in words (shown beside every result).
    pub fn describe(&self) -> String {
        match self {
            Predicate::Field { path, op } => format!("{} {}", path.join("."), op.describe()),
            Predicate::Annotation { key, op } => format!("annotation {key} {}", op.describe()),
            Predicate::Label { key, op } => format!("label {key} {}", op.describe()),
            Predicate::Tag(tags) => format!("has a tag of: {}", tags.join(", ")),
            Predicate::Link {
                types,
                title,
                url,
                min,
            } => {
                let mut s = format!("at least {min} link");
                if *min != 1 {
                    s.push('s');
                }
                if !types.is_empty() {
                    s.push_str(&format!(" of type {}", types.join("/")));
                }
                if let Some(t) = title {
                    s.push_str(&format!(" titled /{t}/"));
                }
                if let Some(u) = url {
                    s.push_str(&format!(" with URL /{u}/"));
                }
                s
            }
            Predicate::Owner {
                set,
                resolvable,
                kind,
                min_members,
                one_of,
            } => {
                if !set {
                    return "spec.owner is not set".into();
                }
                let mut s = "spec.owner is set".to_owned();
                if *resolvable || kind.is_some() || *min_members > 0 {
                    s.push_str(", in the catalogue");
                }
                if let Some(k) = kind {
                    s.push_str(&format!(", a {k}"));
                }
                if *min_members > 0 {
                    s.push_str(&format!(", with at least {min_members} member(s)"));
                }
                if !one_of.is_empty() {
                    s.push_str(&format!(", one of {}", one_of.join(", ")));
                }
                s
            }
            Predicate::Relation {
                kind,
                target_kinds,
                min,
                max,
            } => {
                let to = if target_kinds.is_empty() {
                    String::new()
                } else {
                    format!(" a {}", target_kinds.join("/"))
                };
                match max {
                    Some(m) => format!("{} {to} between {min} and {m} times", kind.as_str()),
                    None => format!("{}{to} (at least {min})", kind.as_str()),
                }
            }
            Predicate::TechDocs => {
                "TechDocs set up and found (backstage.io/techdocs-ref leads to a docs folder)"
                    .into()
            }
            Predicate::File {
                paths,
                exists,
                contains,
                matches,
            } => {
                let which = paths.join(" or ");
                match (exists, contains, matches) {
                    (false, _, _) => format!("no {which} in the repository"),
                    (_, Some(c), _) => format!("{which} contains \"{c}\""),
                    (_, _, Some(m)) => format!("{which} matches /{m}/"),
                    _ => format!("{which} exists in the repository"),
                }
            }
            Predicate::Live { fact, max_age } => {
                let what = match fact {
                    LiveFact::OnCall => "someone is on call now",
                    LiveFact::Ci => "the last CI run on the default branch succeeded",
                    LiveFact::Alerts => "no alert is firing",
                    LiveFact::Health => "the health check says UP",
                };
                match max_age {
                    Some(a) => format!("{what} (data younger than {})", fmt_dur(*a)),
                    None => what.to_owned(),
                }
            }
            Predicate::All(p) => p
                .iter()
                .map(Predicate::describe)
                .collect::<Vec<_>>()
                .join(" and "),
            Predicate::Any(p) => format!(
                "one of: {}",
                p.iter()
                    .map(Predicate::describe)
                    .collect::<Vec<_>>()
                    .join("; or ")
            ),
            Predicate::Not(p) => format!("not ({})", p.describe()),
            Predicate::PortRule { rule, .. } => format!("Port rule {rule}"),
        }
    }

    /// Evaluates the predicate for an entity.
    pub fn eval(&self, e: &Entity, inputs: &Inputs) -> Eval {
        match self {
            Predicate::Field { path, op } => {
                let mut v: Option<&Value> = None;
                let mut map = Some(&e.data);
                for part in path {
                    v = map.and_then(|m| small_get(m, part));
                    map = v.and_then(Value::as_object);
                }
                op.eval(v, &|| path.join("."))
            }
            Predicate::Annotation { key, op } => {
                let v = metadata(e)
                    .and_then(|m| small_get(m, "annotations"))
                    .and_then(Value::as_object)
                    .and_then(|a| small_get(a, key));
                op.eval(v, &|| format!("annotation {key}"))
            }
            Predicate::Label { key, op } => {
                let v = metadata(e)
                    .and_then(|m| small_get(m, "labels"))
                    .and_then(Value::as_object)
                    .and_then(|a| small_get(a, key));
                op.eval(v, &|| format!("label {key}"))
            }
            Predicate::Tag(tags) => {
                let have = metadata(e)
                    .and_then(|m| small_get(m, "tags"))
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                if have
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|t| tags.iter().any(|w| w == t))
                {
                    Eval::pass()
                } else {
                    let have: Vec<&str> = e.tags().collect();
                    Eval::fail(if have.is_empty() {
                        "no tags".to_owned()
                    } else {
                        format!("tags are {}", have.join(", "))
                    })
                }
            }
            Predicate::Link {
                types,
                title,
                url,
                min,
            } => {
                let links = metadata(e)
                    .and_then(|m| small_get(m, "links"))
                    .and_then(Value::as_array);
                let all = links.map_or(&[][..], Vec::as_slice);
                let n = all
                    .iter()
                    .filter(|l| {
                        let s = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or_default();
                        (types.is_empty()
                            || types.iter().any(|t| t.eq_ignore_ascii_case(s("type"))))
                            && title.as_ref().is_none_or(|r| r.is_match(s("title")))
                            && url.as_ref().is_none_or(|r| r.is_match(s("url")))
                    })
                    .count();
                if n >= *min {
                    Eval::pass()
                } else if all.is_empty() {
                    Eval::fail("no links".into())
                } else {
                    let kinds: Vec<&str> = all
                        .iter()
                        .map(|l| {
                            l.get("type")
                                .and_then(Value::as_str)
                                .or_else(|| l.get("title").and_then(Value::as_str))
                                .unwrap_or("untyped")
                        })
                        .collect();
                    Eval::fail(format!("{n} matching; the links are: {}", kinds.join(", ")))
                }
            }
            Predicate::Owner {
                set,
                resolvable,
                kind,
                min_members,
                one_of,
            } => eval_owner(
                e,
                inputs,
                *set,
                *resolvable,
                kind.as_deref(),
                *min_members,
                one_of,
            ),
            Predicate::Relation {
                kind,
                target_kinds,
                min,
                max,
            } => {
                let n = e
                    .related(kind)
                    .filter(|t| {
                        target_kinds.is_empty()
                            || target_kinds.iter().any(|k| {
                                t.split_once(':')
                                    .is_some_and(|(tk, _)| tk.eq_ignore_ascii_case(k))
                            })
                    })
                    .count();
                if n >= *min && max.is_none_or(|m| n <= m) {
                    Eval::pass()
                } else {
                    Eval::fail(format!("{n} {} relation(s)", kind.as_str()))
                }
            }
            Predicate::TechDocs => match crate::techdocs::check_docs(inputs.catalog, e) {
                crate::techdocs::DocsCheck::Resolves(_) => Eval::pass(),
                crate::techdocs::DocsCheck::Missing(why) => Eval::fail(why),
                crate::techdocs::DocsCheck::Unchecked(why) => Eval::unknown(why),
            },
            Predicate::File {
                paths,
                exists,
                contains,
                matches,
            } => {
                let mut unavailable = None;
                for p in paths {
                    match inputs.repo.read(e, p) {
                        FileLookup::Found(text) => {
                            if !exists {
                                return Eval::fail(format!("{p} exists"));
                            }
                            if let Some(c) = contains
                                && !text.contains(c.as_str())
                            {
                                return Eval::fail(format!("{p} does not contain \"{c}\""));
                            }
                            if let Some(m) = matches
                                && !m.is_match(&text)
                            {
                                return Eval::fail(format!("{p} does not match /{m}/"));
                            }
                            return Eval::pass();
                        }
                        FileLookup::Missing => {}
                        FileLookup::Unavailable(why) => {
                            unavailable.get_or_insert(why);
                        }
                    }
                }
                match unavailable {
                    Some(why) => Eval::unknown(why),
                    None if !exists => Eval::pass(),
                    None => Eval::fail(format!("no {} in the repository", paths.join(" or "))),
                }
            }
            Predicate::Live { fact, max_age } => eval_live(e, inputs, *fact, *max_age),
            Predicate::All(parts) => {
                let mut unknown: Option<Eval> = None;
                let mut age = None;
                for p in parts {
                    let r = p.eval(e, inputs);
                    age = max_opt(age, r.age);
                    match r.outcome {
                        Outcome::Fail => return Eval { age, ..r },
                        Outcome::Unknown => {
                            unknown.get_or_insert(r);
                        }
                        _ => {}
                    }
                }
                match unknown {
                    Some(u) => Eval { age, ..u },
                    None => Eval {
                        age,
                        ..Eval::pass()
                    },
                }
            }
            Predicate::Any(parts) => {
                let mut found = Vec::new();
                let mut any_unknown = false;
                let mut age = None;
                for p in parts {
                    let r = p.eval(e, inputs);
                    age = max_opt(age, r.age);
                    match r.outcome {
                        Outcome::Pass => return Eval { age, ..r },
                        Outcome::Unknown => any_unknown = true,
                        _ => {}
                    }
                    found.push(r.found);
                }
                Eval {
                    outcome: if any_unknown {
                        Outcome::Unknown
                    } else {
                        Outcome::Fail
                    },
                    found: found.join("; "),
                    age,
                }
            }
            Predicate::Not(p) => {
                let r = p.eval(e, inputs);
                match r.outcome {
                    Outcome::Pass => Eval {
                        outcome: Outcome::Fail,
                        found: format!("it holds: {}", p.describe()),
                        age: r.age,
                    },
                    Outcome::Fail => Eval {
                        age: r.age,
                        ..Eval::pass()
                    },
                    _ => r,
                }
            }
            Predicate::PortRule { scorecard, rule } => super::port::rule_result(e, scorecard, rule),
        }
    }
}

/// A key of a JSON object. Entity objects are small (a handful of metadata keys, a few
/// annotations): comparing the keys in order beats hashing the one looked up, and grading looks
/// up several per rule for every entity.
fn small_get<'a>(m: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    if m.len() <= 12 {
        m.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        m.get(key)
    }
}

fn metadata(e: &Entity) -> Option<&serde_json::Map<String, Value>> {
    small_get(&e.data, "metadata").and_then(Value::as_object)
}

fn max_opt(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// A predicate's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Eval {
    pub outcome: Outcome,
    /// What was found (empty for a plain pass).
    pub found: String,
    pub age: Option<Duration>,
}

impl Eval {
    pub fn pass() -> Eval {
        Eval {
            outcome: Outcome::Pass,
            found: String::new(),
            age: None,
        }
    }
    pub fn fail(found: String) -> Eval {
        Eval {
            outcome: Outcome::Fail,
            found,
            age: None,
        }
    }
    pub fn unknown(found: String) -> Eval {
        Eval {
            outcome: Outcome::Unknown,
            found,
            age: None,
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{}\"", truncate(s, 60)),
        other => truncate(&other.to_string(), 60),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Op {
    pub fn describe(&self) -> String {
        match self {
            Op::Exists(true) => "is set".into(),
            Op::Exists(false) => "is not set".into(),
            Op::Equals(v) => format!("is {}", show(v)),
            Op::In(l) => format!("is one of {}", l.join(", ")),
            Op::NotIn(l) => format!("is none of {}", l.join(", ")),
            Op::Contains(s) => format!("contains \"{s}\""),
            Op::Matches(r) => format!("matches /{r}/"),
            Op::Compare(op, n) => format!("{op} {n}"),
            Op::MinItems(n) => format!("has at least {n} item(s)"),
        }
    }

    /// `what` names the value in the words of a failure (built only then).
    fn eval(&self, v: Option<&Value>, what: &dyn Fn() -> String) -> Eval {
        let present = v.filter(|v| !is_empty(v));
        let found = || match present {
            None => format!("{} is not set", what()),
            Some(v) => format!("{} is {}", what(), show(v)),
        };
        let ok = match self {
            Op::Exists(want) => present.is_some() == *want,
            Op::Equals(want) => present == Some(want),
            Op::In(list) => present
                .and_then(Value::as_str)
                .is_some_and(|s| list.iter().any(|l| l == s)),
            Op::NotIn(list) => !present
                .and_then(Value::as_str)
                .is_some_and(|s| list.iter().any(|l| l == s)),
            Op::Contains(needle) => match present {
                Some(Value::String(s)) => s.contains(needle.as_str()),
                Some(Value::Array(a)) => a.iter().any(|i| i.as_str() == Some(needle)),
                _ => false,
            },
            Op::Matches(r) => present
                .and_then(Value::as_str)
                .is_some_and(|s| r.is_match(s)),
            Op::Compare(op, n) => present.and_then(as_number).is_some_and(|x| match *op {
                ">" => x > *n,
                ">=" => x >= *n,
                "<" => x < *n,
                _ => x <= *n,
            }),
            Op::MinItems(n) => present
                .and_then(Value::as_array)
                .is_some_and(|a| a.len() >= *n),
        };
        if ok {
            Eval::pass()
        } else {
            Eval::fail(found())
        }
    }
}

fn eval_owner(
    e: &Entity,
    inputs: &Inputs,
    set: bool,
    resolvable: bool,
    kind: Option<&str>,
    min_members: usize,
    one_of: &[String],
) -> Eval {
    let owner = e.owner().map(str::trim).filter(|o| !o.is_empty());
    let Some(owner) = owner else {
        return if set {
            Eval::fail("spec.owner is not set".into())
        } else {
            Eval::pass()
        };
    };
    if !set {
        return Eval::fail(format!("spec.owner is {owner}"));
    }
    let ctx = RefContext {
        default_kind: Some("Group"),
        default_namespace: Some(e.namespace()),
    };
    let Ok(r) = parse_ref(owner, ctx) else {
        return Eval::fail(format!("spec.owner \"{owner}\" is not an entity reference"));
    };
    let key = r.canonical();
    if !one_of.is_empty()
        && !one_of
            .iter()
            .any(|o| parse_ref(o, ctx).is_ok_and(|w| w.canonical() == key))
    {
        return Eval::fail(format!("the owner is {key}"));
    }
    let needs_entity = resolvable || kind.is_some() || min_members > 0;
    if !needs_entity {
        return Eval::pass();
    }
    let Some(target) = inputs.catalog.get(&key).filter(|t| t.is_accepted()) else {
        return Eval::fail(format!("the owner {key} is not in the catalogue"));
    };
    if let Some(k) = kind
        && !target.is_kind(k)
    {
        return Eval::fail(format!("the owner {key} is a {}", target.kind()));
    }
    if min_members > 0 {
        let n = target.related(&RelationType::HasMember).count();
        if n < min_members {
            return Eval::fail(format!("the owner {key} has {n} member(s)"));
        }
    }
    Eval::pass()
}

fn eval_live(e: &Entity, inputs: &Inputs, fact: LiveFact, max_age: Option<Duration>) -> Eval {
    let (value, age, stale) = match inputs.live.observe(e, fact) {
        LiveObs::Offline => {
            return Eval::unknown("offline: live facts are not fetched".into());
        }
        LiveObs::NoSource => {
            return Eval::fail(format!("no source: none of {} is set", fact.annotations()));
        }
        LiveObs::Disabled => {
            return Eval::unknown(format!(
                "{} is set, but that status source is off in the config",
                fact.annotations()
            ));
        }
        LiveObs::NoData(why) => return Eval::unknown(why),
        LiveObs::Value { value, age, stale } => (value, age, stale),
    };
    let aged = |mut r: Eval| {
        r.age = Some(age);
        if !r.found.is_empty() || r.outcome != Outcome::Pass {
            r.found = format!("{} ({})", r.found, format_age(age));
        } else {
            r.found = format_age(age);
        }
        r
    };
    if let Some(max) = max_age
        && age > max
    {
        return aged(Eval::unknown(format!(
            "the data is older than {}",
            fmt_dur(max)
        )));
    }
    let r = match (fact, &*value) {
        (LiveFact::OnCall, StatusValue::OnCall(o)) => {
            let mut names: Vec<&str> = o.entries.iter().map(|x| x.name.as_str()).collect();
            names.dedup();
            if names.is_empty() {
                Eval::fail("nobody is on call now".into())
            } else {
                Eval {
                    found: format!("on call: {}", names.join(", ")),
                    ..Eval::pass()
                }
            }
        }
        (LiveFact::Ci, StatusValue::Builds(builds)) => {
            let finished = builds.iter().find(|b| {
                !b.state.is_active()
                    && b.branch
                        .as_deref()
                        .is_none_or(|br| matches!(br, "main" | "master" | "trunk" | "develop"))
            });
            match finished {
                None => Eval::unknown("no finished run on the default branch".into()),
                Some(b) => {
                    let id = b
                        .number
                        .map_or_else(|| format!("run {}", b.id), |n| format!("run #{n}"));
                    let text = format!(
                        "{id} on {}: {}",
                        b.branch.as_deref().unwrap_or("the default branch"),
                        b.conclusion.as_deref().unwrap_or(&b.status)
                    );
                    if matches!(b.state, BuildState::Success | BuildState::Skipped) {
                        Eval {
                            found: text,
                            ..Eval::pass()
                        }
                    } else {
                        Eval::fail(text)
                    }
                }
            }
        }
        (LiveFact::Alerts, StatusValue::Alerts(alerts)) => {
            let firing: Vec<&str> = alerts
                .iter()
                .filter(|a| a.state == "firing")
                .map(|a| a.name.as_str())
                .collect();
            if firing.is_empty() {
                Eval {
                    found: "none firing".into(),
                    ..Eval::pass()
                }
            } else {
                Eval::fail(format!("firing: {}", firing.join(", ")))
            }
        }
        (LiveFact::Health, StatusValue::Health(h)) => {
            let text = format!(
                "HTTP {}{}",
                h.status_code,
                h.body_status
                    .as_deref()
                    .map(|s| format!(", {s}"))
                    .unwrap_or_default()
            );
            if h.healthy {
                Eval {
                    found: text,
                    ..Eval::pass()
                }
            } else {
                Eval::fail(text)
            }
        }
        (_, other) => Eval::unknown(format!("unexpected data: {}", other.summary())),
    };
    let mut r = aged(r);
    if stale {
        r.found.push_str(", stale");
    }
    r
}

/// How an unknown result is described alongside a policy (for the views).
pub fn policy_words(p: UnknownPolicy) -> &'static str {
    match p {
        UnknownPolicy::Fail => "unknown counts as fail",
        UnknownPolicy::Pass => "unknown counts as pass",
        UnknownPolicy::Ignore => "unknown is left out",
    }
}
