//! Fuzzy search over the catalogue, the one engine behind `greenroom search` and the terminal
//! portal's query line.
//!
//! Each entity gets a small document of lower-cased fields and a bitmask of the characters in
//! them; a query word whose characters are not all in the mask is rejected without running the
//! matcher. Exact and prefix name matches rank first.

pub mod query;

pub use query::{Field, Query, Term};

use crate::catalog::{Catalog, Entity, RelationType};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use rayon::prelude::*;

/// One searchable entity.
#[derive(Clone, Debug)]
struct Doc {
    name: String,
    title: String,
    description: String,
    tags: Vec<String>,
    /// The owner as written and its canonical ref (`owner:team-a` and `owner:group:default/team-a`
    /// both match).
    owner: String,
    owner_ref: String,
    kind: String,
    spec_type: String,
    lifecycle: String,
    system: String,
    domain: String,
    namespace: String,
    mask: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Position of the entity in [`Catalog::entities`].
    pub entity: usize,
    pub score: i64,
}

pub struct SearchIndex {
    docs: Vec<Doc>,
}

/// Bit per character class: a-z, 0-9, and one bit for everything else.
fn char_bit(c: char) -> u64 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
        _ => 1 << 36,
    }
}

fn mask_of(s: &str) -> u64 {
    s.chars().fold(0, |m, c| m | char_bit(c))
}

fn lower(s: Option<&str>) -> String {
    s.unwrap_or_default().to_lowercase()
}

/// The name part of a reference ("group:default/team-a" → "team-a").
fn ref_name(r: &str) -> &str {
    r.rsplit(['/', ':']).next().unwrap_or(r)
}

impl SearchIndex {
    pub fn build(catalog: &Catalog) -> SearchIndex {
        let docs = catalog
            .entities()
            .par_iter()
            .map(|e| Self::doc(catalog, e))
            .collect();
        SearchIndex { docs }
    }

    fn doc(catalog: &Catalog, e: &Entity) -> Doc {
        let owner_ref = e
            .related(&RelationType::OwnedBy)
            .next()
            .map(str::to_owned)
            .unwrap_or_default();
        let system_ref = e
            .related(&RelationType::PartOf)
            .find(|r| r.starts_with("system:"))
            .map(str::to_owned);
        let domain = if e.is_kind("System") {
            e.related(&RelationType::PartOf)
                .find(|r| r.starts_with("domain:"))
                .map(|r| ref_name(r).to_owned())
        } else {
            system_ref
                .as_deref()
                .and_then(|s| catalog.get(s))
                .and_then(|sys| {
                    sys.related(&RelationType::PartOf)
                        .find(|r| r.starts_with("domain:"))
                        .map(|r| ref_name(r).to_owned())
                })
        };
        let system = if e.is_kind("System") {
            e.name().to_lowercase()
        } else {
            system_ref
                .as_deref()
                .map(ref_name)
                .unwrap_or_default()
                .to_owned()
        };
        let domain = if e.is_kind("Domain") {
            e.name().to_lowercase()
        } else {
            domain.unwrap_or_default()
        };
        let mut doc = Doc {
            name: e.name().to_lowercase(),
            title: lower(e.title())
                .chars()
                .chain(
                    // A person's or team's display name is their title.
                    if e.title().is_none() && e.display_name() != e.name() {
                        Some(e.display_name().to_lowercase())
                    } else {
                        None
                    }
                    .unwrap_or_default()
                    .chars(),
                )
                .collect(),
            description: lower(e.description()),
            tags: e.tags().map(str::to_lowercase).collect(),
            owner: lower(e.owner()),
            owner_ref,
            kind: e.kind().to_lowercase(),
            spec_type: lower(e.spec_type()),
            lifecycle: lower(e.lifecycle()),
            system,
            domain,
            namespace: e.namespace().to_lowercase(),
            mask: 0,
        };
        doc.mask = mask_of(&doc.name)
            | mask_of(&doc.title)
            | mask_of(&doc.description)
            | doc.tags.iter().fold(0, |m, t| m | mask_of(t))
            | mask_of(&doc.owner)
            | mask_of(&doc.kind);
        doc
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Every entity matching `query`, best first. An empty query matches everything in
    /// catalogue order.
    pub fn search(&self, query: &Query) -> Vec<Hit> {
        self.search_within(query, None)
    }

    /// Like [`search`](Self::search), but only among `candidates` (the hits of a query this one
    /// narrows).
    pub fn search_within(&self, query: &Query, candidates: Option<&[Hit]>) -> Vec<Hit> {
        let plan = Plan::new(query);
        let matcher = SkimMatcherV2::default().ignore_case();
        let score = |i: usize| {
            plan.score(&self.docs[i], &matcher)
                .map(|score| Hit { entity: i, score })
        };
        let mut hits: Vec<Hit> = match candidates {
            Some(c) => c.par_iter().filter_map(|h| score(h.entity)).collect(),
            None => (0..self.docs.len())
                .into_par_iter()
                .filter_map(score)
                .collect(),
        };
        hits.par_sort_unstable_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| self.docs[a.entity].name.cmp(&self.docs[b.entity].name))
                .then(a.entity.cmp(&b.entity))
        });
        hits
    }
}

/// A query prepared for matching.
struct Plan<'q> {
    /// Per field: values that allow, values that forbid.
    filters: Vec<(Field, Vec<&'q str>, Vec<&'q str>)>,
    words: Vec<(&'q str, u64)>,
    phrases: Vec<&'q str>,
    excludes: Vec<&'q str>,
}

impl<'q> Plan<'q> {
    fn new(query: &'q Query) -> Self {
        let mut plan = Plan {
            filters: Vec::new(),
            words: Vec::new(),
            phrases: Vec::new(),
            excludes: Vec::new(),
        };
        for t in &query.terms {
            match t {
                Term::Fuzzy(w) => plan.words.push((w, mask_of(w))),
                Term::Phrase(p) => plan.phrases.push(p),
                Term::Exclude(x) => plan.excludes.push(x),
                Term::Filter {
                    field,
                    value,
                    negated,
                } => {
                    let slot = match plan.filters.iter().position(|(f, _, _)| f == field) {
                        Some(i) => i,
                        None => {
                            plan.filters.push((*field, Vec::new(), Vec::new()));
                            plan.filters.len() - 1
                        }
                    };
                    let entry = &mut plan.filters[slot];
                    if *negated {
                        entry.2.push(value);
                    } else {
                        entry.1.push(value);
                    }
                }
            }
        }
        plan
    }

    fn field_matches(doc: &Doc, field: Field, value: &str) -> bool {
        let starts = |s: &str| s.starts_with(value);
        match field {
            Field::Kind => starts(&doc.kind),
            Field::Type => starts(&doc.spec_type),
            Field::Lifecycle => starts(&doc.lifecycle),
            Field::Namespace => starts(&doc.namespace),
            Field::System => starts(&doc.system),
            Field::Domain => starts(&doc.domain),
            Field::Tag => doc.tags.iter().any(|t| starts(t)),
            Field::Owner => {
                starts(&doc.owner) || starts(&doc.owner_ref) || starts(ref_name(&doc.owner_ref))
            }
        }
    }

    fn texts(doc: &Doc) -> impl Iterator<Item = &str> {
        [
            doc.name.as_str(),
            &doc.title,
            &doc.description,
            &doc.owner,
            &doc.kind,
        ]
        .into_iter()
        .chain(doc.tags.iter().map(String::as_str))
    }

    fn score(&self, doc: &Doc, matcher: &SkimMatcherV2) -> Option<i64> {
        for (field, allow, deny) in &self.filters {
            if !allow.is_empty() && !allow.iter().any(|v| Self::field_matches(doc, *field, v)) {
                return None;
            }
            if deny.iter().any(|v| Self::field_matches(doc, *field, v)) {
                return None;
            }
        }
        if self
            .excludes
            .iter()
            .any(|x| Self::texts(doc).any(|t| t.contains(x)))
        {
            return None;
        }
        let mut total = 0i64;
        for p in &self.phrases {
            if doc.name.contains(p) {
                total += 2000;
            } else if Self::texts(doc).any(|t| t.contains(p)) {
                total += 500;
            } else {
                return None;
            }
        }
        for (word, mask) in &self.words {
            if doc.mask & mask != *mask {
                return None;
            }
            total += Self::word_score(doc, word, matcher)?;
        }
        Some(total)
    }

    /// Best weighted fuzzy score of one word over the fields, with name boosts.
    fn word_score(doc: &Doc, word: &str, matcher: &SkimMatcherV2) -> Option<i64> {
        let boost = if doc.name == word {
            100_000
        } else if doc.name.starts_with(word) {
            50_000
        } else if doc.name.contains(word) {
            10_000
        } else {
            0
        };
        let weighted = |text: &str, weight: i64| {
            if text.is_empty() || mask_of(word) & !mask_of(text) != 0 {
                return None;
            }
            matcher.fuzzy_match(text, word).map(|s| s * weight)
        };
        let best = [
            weighted(&doc.name, 4),
            weighted(&doc.title, 3),
            doc.tags.iter().filter_map(|t| weighted(t, 2)).max(),
            weighted(&doc.owner, 2),
            weighted(&doc.kind, 2),
            weighted(&doc.description, 1),
        ]
        .into_iter()
        .flatten()
        .max()?;
        Some(best + boost)
    }
}

/// Character positions in `text` that the query's words match, for highlighting.
pub fn highlight(text: &str, query: &Query) -> Vec<usize> {
    let matcher = SkimMatcherV2::default().ignore_case();
    let mut positions: Vec<usize> = Vec::new();
    for w in query.fuzzy_words() {
        let lower = text.to_lowercase();
        if let Some(start) = lower.find(w) {
            let first = lower[..start].chars().count();
            positions.extend(first..first + w.chars().count());
        } else if let Some((_, idx)) = matcher.fuzzy_indices(text, w) {
            positions.extend(idx);
        }
    }
    positions.sort_unstable();
    positions.dedup();
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_reject_impossible_words() {
        let m = mask_of("payments");
        assert_eq!(m & mask_of("pay"), mask_of("pay"));
        assert_ne!(m & mask_of("pax"), mask_of("pax"));
    }

    #[test]
    fn highlight_prefers_contiguous_matches() {
        let q = Query::parse("pay");
        assert_eq!(highlight("Payments", &q), vec![0, 1, 2]);
        assert_eq!(highlight("pxaxy", &q), vec![0, 2, 4]);
        assert!(highlight("nothing", &q).is_empty());
    }

    #[test]
    fn ref_names() {
        assert_eq!(ref_name("group:default/team-a"), "team-a");
        assert_eq!(ref_name("team-a"), "team-a");
        assert_eq!(ref_name("user:guest"), "guest");
    }
}
