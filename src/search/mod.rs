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
    /// The kind as written, and its place in the list order for empty queries.
    kind_display: String,
    kind_rank: u8,
    /// The owner's name for the owner facet.
    owner_name: String,
    spec_type: String,
    lifecycle: String,
    system: String,
    domain: String,
    namespace: String,
    mask: u64,
}

/// How many of the hits fall in each kind, owner and lifecycle, largest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    pub kinds: Vec<(String, usize)>,
    pub owners: Vec<(String, usize)>,
    pub lifecycles: Vec<(String, usize)>,
}

/// Order of kinds when nothing ranks the list: what people look for most, first.
const KIND_ORDER: &[&str] = &[
    "component",
    "api",
    "resource",
    "system",
    "domain",
    "group",
    "user",
    "template",
    "location",
];

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
        // A person's or team's display name serves as their title.
        let title = match e.title() {
            Some(t) => t.to_lowercase(),
            None if e.display_name() != e.name() => e.display_name().to_lowercase(),
            None => String::new(),
        };
        let kind = e.kind().to_lowercase();
        let mut doc = Doc {
            name: e.name().to_lowercase(),
            title,
            description: lower(e.description()),
            tags: e.tags().map(str::to_lowercase).collect(),
            owner: lower(e.owner()),
            owner_name: ref_name(&owner_ref).to_owned(),
            owner_ref,
            kind_rank: KIND_ORDER
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(KIND_ORDER.len()) as u8,
            kind_display: e.kind().to_owned(),
            kind,
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
            let (da, db) = (&self.docs[a.entity], &self.docs[b.entity]);
            b.score
                .cmp(&a.score)
                .then(da.kind_rank.cmp(&db.kind_rank))
                .then_with(|| da.name.cmp(&db.name))
                .then(a.entity.cmp(&b.entity))
        });
        hits
    }

    /// Counts of the hits per kind, owner and lifecycle.
    pub fn facets(&self, hits: &[Hit]) -> Facets {
        use std::collections::HashMap;
        let mut kinds: HashMap<&str, usize> = HashMap::new();
        let mut owners: HashMap<&str, usize> = HashMap::new();
        let mut lifecycles: HashMap<&str, usize> = HashMap::new();
        for h in hits {
            let d = &self.docs[h.entity];
            *kinds.entry(&d.kind_display).or_default() += 1;
            if !d.owner_name.is_empty() {
                *owners.entry(&d.owner_name).or_default() += 1;
            }
            if !d.lifecycle.is_empty() {
                *lifecycles.entry(&d.lifecycle).or_default() += 1;
            }
        }
        let sorted = |m: HashMap<&str, usize>| {
            let mut v: Vec<(String, usize)> =
                m.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        Facets {
            kinds: sorted(kinds),
            owners: sorted(owners),
            lifecycles: sorted(lifecycles),
        }
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
