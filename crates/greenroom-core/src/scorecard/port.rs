//! Port's own scorecards, shown as Port computed them. Port's entity JSON carries
//! `"scorecards": {"<id>": {"level": "Silver", "rules": [{"identifier", "status", "level"}]}}`
//! (portals.md §1.5); the Port source keeps it in `spec.scorecards`. greenroom does not
//! re-grade them: each Port scorecard becomes a [`Scorecard`] whose rules read Port's statuses
//! and whose level is Port's.

use super::predicate::{Eval, Predicate};
use super::{Rule, Scorecard, ScorecardOrigin, UnknownPolicy};
use crate::catalog::{Catalog, Entity};
use serde_json::Value;

/// Port's default ladder; its first level is the implicit base.
const PORT_LADDER: &[&str] = &["Basic", "Bronze", "Silver", "Gold"];

fn results(e: &Entity) -> Option<&serde_json::Map<String, Value>> {
    e.annotation("port.io/blueprint")?;
    e.spec()?.get("scorecards")?.as_object()
}

/// The Port scorecards found on the catalogue's Port entities, ids sorted.
pub fn from_catalog(catalog: &Catalog) -> Vec<Scorecard> {
    use std::collections::BTreeMap;
    // id → (levels in the order seen, (rule id, its level) in the order seen)
    type Seen = (Vec<String>, Vec<(String, String)>);
    let mut found: BTreeMap<String, Seen> = BTreeMap::new();
    for e in catalog.accepted() {
        let Some(cards) = results(e) else { continue };
        for (id, card) in cards {
            let (levels, rules) = found.entry(id.clone()).or_default();
            let mut note = |l: &str| {
                if !l.is_empty() && !levels.iter().any(|x| x == l) {
                    levels.push(l.to_owned());
                }
            };
            if let Some(l) = card.get("level").and_then(Value::as_str) {
                note(l);
            }
            for r in card
                .get("rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(rid) = r.get("identifier").and_then(Value::as_str) else {
                    continue;
                };
                let level = r.get("level").and_then(Value::as_str).unwrap_or_default();
                note(level);
                if !rules.iter().any(|(x, _)| x == rid) {
                    rules.push((rid.to_owned(), level.to_owned()));
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(id, (mut levels, rules))| {
            // Port's ladder order first, other names after in the order seen.
            levels.sort_by_key(|l| {
                PORT_LADDER
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(l))
                    .unwrap_or(PORT_LADDER.len())
            });
            levels.retain(|l| !l.eq_ignore_ascii_case(PORT_LADDER[0]));
            let rules = rules
                .into_iter()
                .map(|(rid, level)| Rule {
                    title: rid.clone(),
                    level: levels.iter().position(|l| l.eq_ignore_ascii_case(&level)),
                    points: 1,
                    when: None,
                    check: Predicate::PortRule {
                        scorecard: id.clone(),
                        rule: rid.clone(),
                    },
                    fix: None,
                    unknown: None,
                    id: rid,
                })
                .collect();
            Scorecard {
                title: id.clone(),
                id,
                description: Some("computed by Port".into()),
                origin: ScorecardOrigin::Port,
                applies_to: None,
                levels,
                unknown: UnknownPolicy::Fail,
                rules,
            }
        })
        .collect()
}

pub fn has_results(card: &Scorecard, e: &Entity) -> bool {
    results(e).is_some_and(|r| r.contains_key(&card.id))
}

/// Port's level for the entity, as Port gave it (its base level, or a name greenroom does not
/// know, is the base).
pub fn level_of(card: &Scorecard, e: &Entity) -> Option<usize> {
    let level = results(e)?
        .get(&card.id)?
        .get("level")
        .and_then(Value::as_str)?;
    card.level_index(level)
}

/// Port's status for one rule: SUCCESS passes, FAILURE fails, anything else is unknown.
pub fn rule_result(e: &Entity, scorecard: &str, rule: &str) -> Eval {
    let status = results(e)
        .and_then(|r| r.get(scorecard))
        .and_then(|c| c.get("rules"))
        .and_then(Value::as_array)
        .and_then(|rules| {
            rules
                .iter()
                .find(|r| r.get("identifier").and_then(Value::as_str) == Some(rule))
        })
        .and_then(|r| r.get("status"))
        .and_then(Value::as_str);
    match status {
        Some(s) if s.eq_ignore_ascii_case("success") => Eval {
            found: "Port: SUCCESS".into(),
            ..Eval::pass()
        },
        Some(s) if s.eq_ignore_ascii_case("failure") => Eval::fail("Port: FAILURE".into()),
        Some(s) => Eval::unknown(format!("Port says {s}")),
        None => Eval::unknown("Port gave no result for this rule".into()),
    }
}
