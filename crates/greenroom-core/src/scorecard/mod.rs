//! Scorecards: a company's standards written once, as data, and graded against every entity.
//!
//! A scorecard file (YAML, see `parse`) says which entities it applies to, its ordered levels
//! (Bronze, Silver, Gold...) and its rules; each rule has a level, points, an optional `when`
//! guard and a `check` built from the predicates in `predicate` (entity fields, annotations,
//! labels, tags, links, relations, owner, docs, repository files, live facts, `all`/`any`/`not`).
//! Grading gives every rule a tri-state result (pass, fail, unknown) or skip, says what was
//! checked and what was found, and derives the entity's level (the highest level whose rules,
//! and all below, pass) and points. Port's own scorecards come in as they are (`port`).
//!
//! Nothing here knows of a terminal: the portal and the CLI draw [`Grade`]s.

pub mod facts;
pub mod parse;
pub mod port;
pub mod predicate;
pub mod sources;

pub use facts::{FileLookup, LiveFact, LiveFacts, LiveObs, NoLive, RepoFiles, StoreLive};
pub use parse::{ParseOutcome, parse_scorecards};
pub use predicate::Predicate;
pub use sources::{Loaded, load_all};

use crate::catalog::{Catalog, Entity};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The name of the implicit level below the first named one (Port calls it "Basic").
pub const BASE_LEVEL: &str = "Unrated";

/// A rule's result for one entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    /// Data is missing: a live fact not fetched (yet), offline, a fetch failed, a file source
    /// not readable. How it counts is the scorecard's `unknown` policy.
    Unknown,
    /// Not applicable: the rule's `when` guard does not hold.
    Skip,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
            Outcome::Skip => "skip",
        }
    }
}

/// How `unknown` counts towards levels and points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownPolicy {
    /// As a failure: a gate never passes on missing data (the default).
    #[default]
    Fail,
    /// As a pass: the benefit of the doubt.
    Pass,
    /// Left out, as a skip is.
    Ignore,
}

impl UnknownPolicy {
    fn counts_as(self, o: Outcome) -> Outcome {
        match (o, self) {
            (Outcome::Unknown, UnknownPolicy::Fail) => Outcome::Fail,
            (Outcome::Unknown, UnknownPolicy::Pass) => Outcome::Pass,
            (Outcome::Unknown, UnknownPolicy::Ignore) => Outcome::Skip,
            (o, _) => o,
        }
    }
}

/// Where a scorecard came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScorecardOrigin {
    /// A YAML file (the config's `[[scorecards]]`, or the bundled demo set).
    File { file: String },
    /// Port computed it; greenroom shows its results as they are.
    Port,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    /// Index into the scorecard's levels; `None` when the scorecard has no levels (points only).
    pub level: Option<usize>,
    pub points: u32,
    pub when: Option<Predicate>,
    pub check: Predicate,
    /// What to do when it fails.
    pub fix: Option<String>,
    /// Overrides the scorecard's policy for this rule.
    pub unknown: Option<UnknownPolicy>,
}

#[derive(Clone, Debug)]
pub struct Scorecard {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub origin: ScorecardOrigin,
    /// Which entities it grades (None: every entity).
    pub applies_to: Option<Predicate>,
    /// Ordered, lowest first; the implicit base level [`BASE_LEVEL`] is below them all.
    pub levels: Vec<String>,
    pub unknown: UnknownPolicy,
    pub rules: Vec<Rule>,
}

impl Scorecard {
    /// The level's index by name (any case).
    pub fn level_index(&self, name: &str) -> Option<usize> {
        self.levels
            .iter()
            .position(|l| l.eq_ignore_ascii_case(name))
    }

    /// The name of a level (None: the base level).
    pub fn level_name(&self, level: Option<usize>) -> &str {
        level
            .and_then(|i| self.levels.get(i))
            .map_or(BASE_LEVEL, String::as_str)
    }

    /// Whether any rule needs the status service.
    pub fn uses_live(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.check.uses_live() || r.when.as_ref().is_some_and(Predicate::uses_live))
    }
}

/// What grading may look at besides the entity.
pub struct Inputs<'a> {
    pub catalog: &'a Catalog,
    pub live: &'a dyn LiveFacts,
    pub repo: &'a dyn RepoFiles,
}

/// One rule's result for one entity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleResult {
    /// Index into the scorecard's rules.
    #[serde(skip)]
    pub rule: usize,
    pub outcome: Outcome,
    /// What was found, in words ("spec.owner is not set", "2 on call now: Ada, Lin").
    pub found: String,
    /// The age of the live data the result rests on.
    #[serde(skip)]
    pub age: Option<Duration>,
}

/// One entity graded against one scorecard.
#[derive(Clone, Debug, PartialEq)]
pub struct Grade {
    /// Index into the list of scorecards graded.
    pub scorecard: usize,
    pub entity: String,
    pub results: Vec<RuleResult>,
    /// The level reached (None: the base level).
    pub level: Option<usize>,
    pub points: u32,
    pub possible: u32,
}

impl Grade {
    /// Points as a percentage (100 when nothing counted).
    pub fn percent(&self) -> u32 {
        (self.points * 100)
            .checked_div(self.possible)
            .unwrap_or(100)
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }

    /// The rules standing between this entity and the next level (those at or below it that do
    /// not count as passed), or None at the top level.
    pub fn next_level(&self, card: &Scorecard) -> Option<(usize, Vec<&RuleResult>)> {
        let next = self.level.map_or(0, |l| l + 1);
        if next >= card.levels.len() {
            return None;
        }
        let blocking = self
            .results
            .iter()
            .filter(|r| {
                let rule = &card.rules[r.rule];
                rule.level.is_some_and(|l| l <= next)
                    && rule.unknown.unwrap_or(card.unknown).counts_as(r.outcome) == Outcome::Fail
            })
            .collect();
        Some((next, blocking))
    }
}

/// Evaluates a scorecard's rules for an entity it applies to (see [`applies`]).
pub fn grade(card: &Scorecard, index: usize, entity: &Entity, inputs: &Inputs) -> Grade {
    grade_by(card, index, entity, &mut |p: &Predicate, _, _| {
        p.eval(entity, inputs)
    })
}

/// [`grade`], each predicate evaluated by `eval` (given the predicate, the rule's index and
/// whether it is the rule's `when`): a memo shares results between scorecards.
fn grade_by(
    card: &Scorecard,
    index: usize,
    entity: &Entity,
    eval: &mut dyn FnMut(&Predicate, usize, bool) -> predicate::Eval,
) -> Grade {
    let port_level = match card.origin {
        ScorecardOrigin::Port => Some(port::level_of(card, entity)),
        _ => None,
    };
    let mut results = Vec::with_capacity(card.rules.len());
    for (i, rule) in card.rules.iter().enumerate() {
        let guard = rule.when.as_ref().map(|w| eval(w, i, true));
        let r = match guard {
            Some(g) if g.outcome != Outcome::Pass => RuleResult {
                rule: i,
                outcome: Outcome::Skip,
                found: format!("not applicable: {}", g.found),
                age: g.age,
            },
            _ => {
                let e = eval(&rule.check, i, false);
                RuleResult {
                    rule: i,
                    outcome: e.outcome,
                    found: e.found,
                    age: e.age,
                }
            }
        };
        results.push(r);
    }
    let (level, points, possible) = score(card, &results);
    Grade {
        scorecard: index,
        entity: entity.key.clone(),
        results,
        level: port_level.unwrap_or(level),
        points,
        possible,
    }
}

/// The level (highest whose rules, and all below, count as passed) and the points.
pub fn score(card: &Scorecard, results: &[RuleResult]) -> (Option<usize>, u32, u32) {
    let mut lowest_failing = card.levels.len();
    let (mut points, mut possible) = (0, 0);
    for r in results {
        let rule = &card.rules[r.rule];
        let counted = rule.unknown.unwrap_or(card.unknown).counts_as(r.outcome);
        match counted {
            Outcome::Pass => {
                points += rule.points;
                possible += rule.points;
            }
            Outcome::Fail => {
                possible += rule.points;
                if let Some(l) = rule.level {
                    lowest_failing = lowest_failing.min(l);
                }
            }
            _ => {}
        }
    }
    let level = lowest_failing.checked_sub(1);
    (level, points, possible)
}

/// Whether a scorecard grades this entity (its `appliesTo` holds; unknown counts as no).
pub fn applies(card: &Scorecard, entity: &Entity, inputs: &Inputs) -> bool {
    match card.origin {
        ScorecardOrigin::Port => port::has_results(card, entity),
        _ => card
            .applies_to
            .as_ref()
            .is_none_or(|p| p.eval(entity, inputs).outcome == Outcome::Pass),
    }
}

/// The entities scorecards grade: every entity once (the first of a duplicated ref), those
/// Backstage would reject included, since a missing owner is exactly what a gate must catch.
pub fn gradable(catalog: &Catalog) -> impl Iterator<Item = &Entity> {
    catalog.entities().iter().filter(|e| {
        catalog
            .get(&e.key)
            .is_some_and(|first| std::ptr::eq(first, *e))
    })
}

/// Every (scorecard, entity) grade for the [`gradable`] entities of the catalogue.
/// Entities are graded on all cores; the order is the catalogue's. A predicate that several
/// scorecards (or rules) share is evaluated once per entity.
pub fn grade_all(cards: &[Scorecard], inputs: &Inputs) -> Vec<Grade> {
    use rayon::prelude::*;
    let plan = Plan::new(cards);
    let entities: Vec<&Entity> = gradable(inputs.catalog).collect();
    entities
        .par_iter()
        .with_min_len(64)
        .flat_map_iter(|e| plan.grade_entity(cards, e, inputs))
        .collect()
}

/// Every scorecard that applies to one entity, graded.
pub fn grade_entity(cards: &[Scorecard], entity: &Entity, inputs: &Inputs) -> Vec<Grade> {
    Plan::new(cards).grade_entity(cards, entity, inputs)
}

/// The distinct predicates of a set of scorecards, numbered: each scorecard's `appliesTo`
/// and each rule's `when` and `check` refer to their number, so a predicate written in
/// several scorecards is evaluated once per entity (see [`Plan::grade_entity`]).
struct Plan<'c> {
    predicates: Vec<&'c Predicate>,
    /// Per scorecard: its `appliesTo`'s number, and per rule (`when`, `check`).
    cards: Vec<(Option<usize>, Vec<RulePlan>)>,
}

/// A rule's `when` and `check`, by number.
type RulePlan = (Option<usize>, usize);

impl<'c> Plan<'c> {
    fn new(cards: &'c [Scorecard]) -> Plan<'c> {
        let mut numbers: HashMap<String, usize> = HashMap::new();
        let mut predicates: Vec<&'c Predicate> = Vec::new();
        let mut number = |p: &'c Predicate| -> usize {
            *numbers.entry(format!("{p:?}")).or_insert_with(|| {
                predicates.push(p);
                predicates.len() - 1
            })
        };
        let cards = cards
            .iter()
            .map(|c| {
                let applies = c.applies_to.as_ref().map(&mut number);
                let rules = c
                    .rules
                    .iter()
                    .map(|r| (r.when.as_ref().map(&mut number), number(&r.check)))
                    .collect();
                (applies, rules)
            })
            .collect();
        Plan { predicates, cards }
    }

    fn grade_entity(&self, cards: &[Scorecard], e: &Entity, inputs: &Inputs) -> Vec<Grade> {
        let mut memo: Vec<Option<predicate::Eval>> = vec![None; self.predicates.len()];
        let mut eval = |n: usize| -> predicate::Eval {
            memo[n]
                .get_or_insert_with(|| self.predicates[n].eval(e, inputs))
                .clone()
        };
        let mut out = Vec::new();
        for (i, card) in cards.iter().enumerate() {
            let (applies_to, rules) = &self.cards[i];
            let applies = match card.origin {
                ScorecardOrigin::Port => port::has_results(card, e),
                _ => applies_to.is_none_or(|n| eval(n).outcome == Outcome::Pass),
            };
            if applies {
                out.push(grade_by(
                    card,
                    i,
                    e,
                    &mut |p, r, when| match (when, rules.get(r)) {
                        (true, Some((Some(n), _))) | (false, Some((_, n))) => eval(*n),
                        _ => p.eval(e, inputs),
                    },
                ));
            }
        }
        out
    }
}

/// Grades indexed by entity, for lookups from the portal's views and the search filter.
#[derive(Clone, Debug, Default)]
pub struct Board {
    pub cards: Arc<Vec<Scorecard>>,
    pub grades: Vec<Grade>,
    by_entity: HashMap<String, Vec<usize>>,
    /// Grades by the entity's position in the catalogue graded (search hits are positions).
    by_position: HashMap<usize, Vec<usize>>,
}

impl Board {
    pub fn new(cards: Arc<Vec<Scorecard>>, grades: Vec<Grade>, catalog: &Catalog) -> Board {
        let mut by_entity: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_position: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, g) in grades.iter().enumerate() {
            by_entity.entry(g.entity.clone()).or_default().push(i);
            if let Some(p) = catalog.position(&g.entity) {
                by_position.entry(p).or_default().push(i);
            }
        }
        Board {
            cards,
            grades,
            by_entity,
            by_position,
        }
    }

    pub fn of(&self, entity: &str) -> impl Iterator<Item = &Grade> {
        self.by_entity
            .get(entity)
            .into_iter()
            .flatten()
            .map(|i| &self.grades[*i])
    }

    /// Whether any of the entity's grades satisfies a `level:` filter.
    pub fn matches_level(&self, entity: &str, filter: &LevelFilter) -> bool {
        self.of(entity)
            .any(|g| filter.matches(&self.cards[g.scorecard], g.level))
    }
}

/// Whether the query has `level:` filters (answered by the graded board, see
/// [`search::Levels`](crate::search::Levels)).
pub fn has_level_terms(query: &crate::search::Query) -> bool {
    query.terms.iter().any(|t| {
        matches!(
            t,
            crate::search::Term::Filter {
                field: crate::search::Field::Level,
                ..
            }
        )
    })
}

/// `level:` search filters: whether any grade of the entity at that catalogue position
/// satisfies the value (an unparsable value, or an entity no scorecard grades, matches no
/// level).
impl crate::search::Levels for Board {
    fn matches_level(&self, entity: usize, value: &str) -> bool {
        let Some(filter) = LevelFilter::parse(value) else {
            return false;
        };
        self.by_position.get(&entity).is_some_and(|grades| {
            grades.iter().any(|i| {
                let g = &self.grades[*i];
                filter.matches(&self.cards[g.scorecard], g.level)
            })
        })
    }
}

/// A `level:` search filter: `level:gold`, `level:<silver`, `level:>=bronze`, `level:unrated`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelFilter {
    pub cmp: std::cmp::Ordering,
    /// With `cmp` Equal, whether the test is `<=`/`>=` rather than exact.
    pub or_equal: bool,
    pub level: String,
}

impl LevelFilter {
    pub fn parse(text: &str) -> Option<LevelFilter> {
        use std::cmp::Ordering::*;
        let (cmp, or_equal, rest) = if let Some(r) = text.strip_prefix("<=") {
            (Less, true, r)
        } else if let Some(r) = text.strip_prefix(">=") {
            (Greater, true, r)
        } else if let Some(r) = text.strip_prefix('<') {
            (Less, false, r)
        } else if let Some(r) = text.strip_prefix('>') {
            (Greater, false, r)
        } else {
            (Equal, true, text.strip_prefix('=').unwrap_or(text))
        };
        let level = rest.trim();
        (!level.is_empty()).then(|| LevelFilter {
            cmp,
            or_equal,
            level: level.to_owned(),
        })
    }

    /// Whether a grade's level on a scorecard satisfies the filter. Scorecards without a level
    /// of that name do not match (except the base level, which every scorecard has).
    pub fn matches(&self, card: &Scorecard, level: Option<usize>) -> bool {
        if self.level.is_empty() {
            return false;
        }
        let want: Option<usize> = if self.level.eq_ignore_ascii_case(BASE_LEVEL) {
            None
        } else {
            match card.level_index(&self.level) {
                Some(i) => Some(i),
                None => return false,
            }
        };
        // None (base) orders below Some(0).
        let ord = level.cmp(&want);
        ord == self.cmp || (self.or_equal && ord == std::cmp::Ordering::Equal)
    }
}

/// Teams ranked worst first for the overview: per group, for each scorecard, the lowest and
/// the spread of levels of the entities it owns (transitively).
#[derive(Clone, Debug, PartialEq)]
pub struct TeamRow {
    pub group: String,
    /// Per scorecard (same order as the board's cards): None when nothing owned is graded.
    pub cells: Vec<Option<TeamCell>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TeamCell {
    /// The lowest level among what the team owns (None: the base level).
    pub worst: Option<usize>,
    pub graded: usize,
    /// How many are at each level, the base level first.
    pub per_level: Vec<usize>,
    /// The mean percentage of points.
    pub mean_percent: f64,
}

impl TeamCell {
    /// Sum of levels reached over graded entities, base counted as 0 (for sorting).
    pub fn mean_rank(&self) -> f64 {
        let total: usize = self.per_level.iter().enumerate().map(|(i, n)| i * n).sum();
        total as f64 / self.graded.max(1) as f64
    }
}

/// Everything a group owns, directly or through its sub-groups (as the Ownership tab's `t`).
pub fn owned_transitively(catalog: &Catalog, group: &str) -> Vec<String> {
    use crate::catalog::RelationType;
    let mut groups = vec![group.to_owned()];
    let mut seen: std::collections::HashSet<String> = groups.iter().cloned().collect();
    let mut i = 0;
    while i < groups.len() {
        if let Some(g) = catalog.get(&groups[i]) {
            for child in g.related(&RelationType::ParentOf) {
                if seen.insert(child.to_owned()) {
                    groups.push(child.to_owned());
                }
            }
        }
        i += 1;
    }
    let mut out: Vec<String> = groups
        .iter()
        .filter_map(|g| catalog.get(g))
        .flat_map(|g| g.related(&RelationType::OwnerOf).map(str::to_owned))
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Board {
    /// One row per Group that owns something graded, worst first: the lowest level over the
    /// scorecards with levels, then the lowest mean level, then the lowest mean percentage of
    /// points, then the name.
    pub fn teams(&self, catalog: &Catalog) -> Vec<TeamRow> {
        let mut rows = Vec::new();
        for g in catalog.accepted().filter(|e| e.is_kind("Group")) {
            let owned = owned_transitively(catalog, &g.key);
            let mut cells: Vec<Option<TeamCell>> = vec![None; self.cards.len()];
            for key in &owned {
                for grade in self.of(key) {
                    let card = &self.cards[grade.scorecard];
                    let cell = cells[grade.scorecard].get_or_insert_with(|| TeamCell {
                        worst: grade.level,
                        graded: 0,
                        per_level: vec![0; card.levels.len() + 1],
                        mean_percent: 0.0,
                    });
                    cell.mean_percent = (cell.mean_percent * cell.graded as f64
                        + f64::from(grade.percent()))
                        / (cell.graded + 1) as f64;
                    cell.graded += 1;
                    cell.worst = cell.worst.min(grade.level);
                    cell.per_level[grade.level.map_or(0, |l| l + 1)] += 1;
                }
            }
            if cells.iter().any(Option::is_some) {
                rows.push(TeamRow {
                    group: g.key.clone(),
                    cells,
                });
            }
        }
        let cards = &self.cards;
        let key = |r: &TeamRow| -> (f64, f64, f64) {
            let laddered: Vec<&TeamCell> = r
                .cells
                .iter()
                .zip(cards.iter())
                .filter(|(_, card)| !card.levels.is_empty())
                .filter_map(|(c, _)| c.as_ref())
                .collect();
            let worst = laddered
                .iter()
                .map(|c| c.worst.map_or(0.0, |l| l as f64 + 1.0))
                .fold(f64::INFINITY, f64::min);
            let mean =
                laddered.iter().map(|c| c.mean_rank()).sum::<f64>() / laddered.len().max(1) as f64;
            let points: Vec<f64> = r
                .cells
                .iter()
                .zip(cards.iter())
                .filter(|(_, card)| card.levels.is_empty())
                .filter_map(|(c, _)| c.as_ref().map(|c| c.mean_percent))
                .collect();
            let pct = points.iter().sum::<f64>() / points.len().max(1) as f64;
            (worst, mean, pct)
        };
        rows.sort_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.total_cmp(&kb.0)
                .then(ka.1.total_cmp(&kb.1))
                .then(ka.2.total_cmp(&kb.2))
                .then_with(|| a.group.cmp(&b.group))
        });
        rows
    }
}

#[cfg(test)]
mod tests;
