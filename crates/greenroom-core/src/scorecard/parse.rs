//! Reading scorecard files: YAML (the catalogue's own reader, so positions and limits are the
//! same), one scorecard per `---` document, every problem a located diagnostic
//! (`file:line:col: message`). A document with an error is left out whole: a half-read
//! scorecard would grade people against standards nobody wrote.

use super::predicate::{ParseError, Predicate, string_of};
use super::{Rule, Scorecard, ScorecardOrigin, UnknownPolicy};
use crate::catalog::{Diagnostic, Severity};
use crate::limits;
use crate::text::sanitize_line;
use crate::yaml::{Limits, Node, NodeValue, parse_documents};
use std::collections::HashSet;

pub const API_VERSION: &str = "greenroom.dev/v1alpha1";

/// The scorecards read from one file and the problems found.
#[derive(Clone, Debug, Default)]
pub struct ParseOutcome {
    pub cards: Vec<Scorecard>,
    pub diagnostics: Vec<Diagnostic>,
}

fn fail<T>(node: &Node, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        pos: node.pos,
        message: message.into(),
    })
}

fn map_only(node: &Node, what: &str, allowed: &[&str]) -> Result<(), ParseError> {
    let Some(entries) = node.as_map() else {
        return fail(
            node,
            format!("{what} must be a map, not {}", node.type_name()),
        );
    };
    for (k, _) in entries {
        let key = k.as_str().unwrap_or_default();
        if !allowed.contains(&key) {
            return fail(
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

fn required<'n>(node: &'n Node, key: &str, what: &str) -> Result<&'n Node, ParseError> {
    node.get(key).ok_or_else(|| ParseError {
        pos: node.pos,
        message: format!("{what} needs `{key}`"),
    })
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn policy(node: &Node) -> Result<UnknownPolicy, ParseError> {
    match node.as_str() {
        Some("fail") => Ok(UnknownPolicy::Fail),
        Some("pass") => Ok(UnknownPolicy::Pass),
        Some("ignore") => Ok(UnknownPolicy::Ignore),
        _ => fail(node, "unknown must be fail, pass or ignore"),
    }
}

/// Reads every scorecard in a file's text. `file` is how the file is shown to people.
pub fn parse_scorecards(text: &str, file: &str) -> ParseOutcome {
    let mut out = ParseOutcome::default();
    let diag = |pos, message: String| Diagnostic::new(Severity::Error, file, pos, None, message);
    for doc in parse_documents(text, &Limits::default()) {
        match doc.result {
            Err(e) => out.diagnostics.push(diag(e.pos, e.message)),
            Ok(None) => {}
            Ok(Some(node)) => match scorecard(&node, file) {
                Ok(card) => {
                    if out.cards.iter().any(|c| c.id == card.id) {
                        out.diagnostics.push(diag(
                            node.pos,
                            format!("scorecard `{}` is defined twice in this file", card.id),
                        ));
                    } else {
                        out.cards.push(card);
                    }
                }
                Err(e) => out.diagnostics.push(diag(e.pos, e.message)),
            },
        }
    }
    out
}

fn scorecard(node: &Node, file: &str) -> Result<Scorecard, ParseError> {
    map_only(
        node,
        "a scorecard",
        &["apiVersion", "kind", "metadata", "spec"],
    )?;
    let api = required(node, "apiVersion", "a scorecard")?;
    if api.as_str() != Some(API_VERSION) {
        return fail(api, format!("apiVersion must be {API_VERSION}"));
    }
    let kind = required(node, "kind", "a scorecard")?;
    if kind.as_str() != Some("Scorecard") {
        return fail(kind, "kind must be Scorecard");
    }
    let meta = required(node, "metadata", "a scorecard")?;
    map_only(meta, "metadata", &["name", "title", "description", "owner"])?;
    let name_node = required(meta, "name", "metadata")?;
    let id = string_of(name_node, "metadata.name")?;
    if !is_id(&id) {
        return fail(
            name_node,
            "metadata.name must be 1-63 letters, digits, `-`, `_` or `.`",
        );
    }
    let title = meta
        .get("title")
        .map(|t| string_of(t, "title"))
        .transpose()?
        .unwrap_or_else(|| id.clone());
    let description = meta
        .get("description")
        .map(|t| string_of(t, "description"))
        .transpose()?;
    let spec = required(node, "spec", "a scorecard")?;
    map_only(spec, "spec", &["appliesTo", "levels", "unknown", "rules"])?;
    let applies_to = spec
        .get("appliesTo")
        .map(|p| Predicate::parse(p, 0))
        .transpose()?;
    let mut levels = Vec::new();
    if let Some(l) = spec.get("levels") {
        let Some(items) = l.as_seq() else {
            return fail(l, "levels must be a list of names, lowest first");
        };
        for item in items {
            let name = string_of(item, "a level")?;
            if name.trim().is_empty() {
                return fail(item, "a level needs a name");
            }
            if name.eq_ignore_ascii_case(super::BASE_LEVEL) {
                return fail(
                    item,
                    format!(
                        "`{}` is the implicit base level; leave it out",
                        super::BASE_LEVEL
                    ),
                );
            }
            if levels
                .iter()
                .any(|x: &String| x.eq_ignore_ascii_case(&name))
            {
                return fail(
                    item,
                    format!("level `{}` is listed twice", sanitize_line(&name)),
                );
            }
            levels.push(name);
        }
    }
    let unknown = spec
        .get("unknown")
        .map(policy)
        .transpose()?
        .unwrap_or_default();
    let rules_node = required(spec, "rules", "spec")?;
    let Some(rule_nodes) = rules_node.as_seq() else {
        return fail(rules_node, "rules must be a list");
    };
    if rule_nodes.is_empty() {
        return fail(rules_node, "a scorecard needs at least one rule");
    }
    if rule_nodes.len() > limits::SCORECARD_RULES {
        return fail(
            rules_node,
            format!(
                "{} rules, over the limit of {}",
                rule_nodes.len(),
                limits::SCORECARD_RULES
            ),
        );
    }
    let mut seen = HashSet::new();
    let mut rules = Vec::with_capacity(rule_nodes.len());
    for r in rule_nodes {
        map_only(
            r,
            "a rule",
            &[
                "id",
                "title",
                "level",
                "points",
                "when",
                "check",
                "fix",
                "remediation",
                "unknown",
            ],
        )?;
        let id_node = required(r, "id", "a rule")?;
        let rid = string_of(id_node, "id")?;
        if !is_id(&rid) {
            return fail(
                id_node,
                "a rule id must be 1-63 letters, digits, `-`, `_` or `.`",
            );
        }
        if !seen.insert(rid.clone()) {
            return fail(id_node, format!("rule id `{rid}` is used twice"));
        }
        let check = Predicate::parse(required(r, "check", "a rule")?, 0)?;
        let level = match r.get("level") {
            None if levels.is_empty() => None,
            None => {
                return fail(
                    r,
                    format!("rule `{rid}` needs a level: one of {}", levels.join(", ")),
                );
            }
            Some(l) => {
                let name = string_of(l, "level")?;
                match levels.iter().position(|x| x.eq_ignore_ascii_case(&name)) {
                    Some(i) => Some(i),
                    None if levels.is_empty() => {
                        return fail(l, "this scorecard has no `levels`, so rules take no level");
                    }
                    None => {
                        return fail(
                            l,
                            format!(
                                "level `{}` is not one of the scorecard's levels ({})",
                                sanitize_line(&name),
                                levels.join(", ")
                            ),
                        );
                    }
                }
            }
        };
        let points = match r.get("points") {
            None => 1,
            Some(p) => match p.value {
                NodeValue::Int(i) if (0..=1000).contains(&i) => i as u32,
                _ => return fail(p, "points must be a whole number from 0 to 1000"),
            },
        };
        let fix = match (r.get("fix"), r.get("remediation")) {
            (Some(f), None) | (None, Some(f)) => Some(string_of(f, "fix")?),
            (Some(_), Some(r2)) => return fail(r2, "give `fix` or `remediation`, not both"),
            (None, None) => None,
        };
        rules.push(Rule {
            title: r
                .get("title")
                .map(|t| string_of(t, "title"))
                .transpose()?
                .unwrap_or_else(|| check.describe()),
            id: rid,
            level,
            points,
            when: r.get("when").map(|w| Predicate::parse(w, 0)).transpose()?,
            check,
            fix,
            unknown: r.get("unknown").map(policy).transpose()?,
        });
    }
    Ok(Scorecard {
        id,
        title,
        description,
        origin: ScorecardOrigin::File {
            file: file.to_owned(),
        },
        applies_to,
        levels,
        unknown,
        rules,
    })
}
