//! Fuzzy search over the catalogue, the one engine behind `greenroom search` and the portal's
//! query line.
//!
//! Each entity becomes a small document of lower-cased fields with a bitmask of the characters
//! in each; a query word whose characters are not all in a field's mask skips that field without
//! scoring. Words match name, title, tags, owner and kind fuzzily, and descriptions by word
//! prefix. Matching runs on all cores; results are ordered by score with exact and prefix name
//! matches first, then by a precomputed catalogue order, so sorting compares integers only.
//! Facet counts use small integer ids per kind, owner and lifecycle.

pub mod matcher;
pub mod query;
pub mod score;

pub use query::{Field, Query, Term};

use crate::catalog::{Catalog, Entity, RelationType};
use rayon::prelude::*;
use std::collections::HashMap;

/// How many of the hits fall in each kind, owner and lifecycle, largest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    pub kinds: Vec<(String, usize)>,
    pub owners: Vec<(String, usize)>,
    pub lifecycles: Vec<(String, usize)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Position of the entity in [`Catalog::entities`].
    pub entity: usize,
    pub score: i64,
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

/// Every entity in catalogue order (kind as [`KIND_ORDER`] ranks it, then lower-cased name,
/// then position): what an empty query answers, without building an index. The list a start
/// draws while the index is built, so it does not move when the index arrives.
pub fn listing(catalog: &Catalog) -> Vec<Hit> {
    let rank = |kind: &str| {
        KIND_ORDER
            .iter()
            .position(|k| kind.eq_ignore_ascii_case(k))
            .unwrap_or(KIND_ORDER.len())
    };
    let mut keys: Vec<(usize, String, usize)> = catalog
        .entities()
        .par_iter()
        .enumerate()
        .map(|(i, e)| (rank(e.kind()), e.name().to_lowercase(), i))
        .collect();
    keys.par_sort_unstable();
    keys.into_iter()
        .map(|(_, _, entity)| Hit { entity, score: 0 })
        .collect()
}

/// Weights of the fields a word is matched against.
const W_NAME: i32 = 4;
const W_TITLE: i32 = 3;
const W_TAG: i32 = 2;
const W_OWNER: i32 = 2;
const W_KIND: i32 = 2;
const W_DESCRIPTION: i32 = 1;
const EXACT_NAME: i64 = 100_000;
const PREFIX_NAME: i64 = 50_000;
const IN_NAME: i64 = 10_000;
/// Descriptions longer than this (bytes) get their word starts indexed: scanning a 1 KB
/// text for every occurrence of a word's first letter is what made long descriptions slow.
const LONG_TEXT: usize = 160;

/// A lower-cased text in the index's arena, and the characters it holds.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: u32,
    len: u32,
    mask: u64,
    ascii: bool,
}

/// One searchable entity. Its texts live in one arena shared by all documents, so a scan over
/// the catalogue reads memory in order instead of chasing a pointer per field.
#[derive(Clone, Debug)]
struct Doc {
    name: Span,
    title: Span,
    description: Span,
    /// A long description's word starts: a range of `SearchIndex::word_starts` (empty for
    /// a short one, which is scanned).
    description_words: (u32, u32),
    /// Tags: a range of `SearchIndex::tag_spans`.
    tags: (u32, u16),
    /// Labels as `key=value`: a range of `SearchIndex::label_spans`.
    labels: (u32, u16),
    /// The owner as written; `owner_ref` its canonical ref (both match `owner:`).
    owner: Span,
    owner_ref: Span,
    spec_type: Span,
    system: Span,
    domain: Span,
    namespace: Span,
    kind: u16,
    lifecycle: u16,
    owner_id: u16,
    mask: u64,
    /// Place in the catalogue order (kind, then name): the tie-breaker.
    order: u32,
}

/// What answers the filters whose facts are not in the index: `level:` (the graded
/// scorecards, `scorecard::Board`: grades move with live facts while the index stays) and
/// `docs:` (the TechDocs search index, built on a worker thread after the catalogue).
pub trait Levels: Sync {
    /// Whether the entity at this catalogue position has a grade satisfying `value` (`gold`,
    /// `<silver`, `>=bronze`, as typed after `level:`).
    fn matches_level(&self, entity: usize, value: &str) -> bool;

    /// Whether the TechDocs of the entity at this catalogue position hold every word of
    /// `words` (as typed after `docs:`). Without docs, nothing matches.
    fn matches_docs(&self, _entity: usize, _words: &str) -> bool {
        false
    }
}

pub struct SearchIndex {
    docs: Vec<Doc>,
    arena: String,
    /// Word starts of long descriptions, per document a sorted run (see
    /// [`score::word_starts`]).
    word_starts: Vec<(u16, u16)>,
    tag_spans: Vec<Span>,
    label_spans: Vec<Span>,
    /// Document index by catalogue order.
    by_order: Vec<u32>,
    /// Interned kind, lifecycle and owner names, by id; kinds also lower-cased in the arena.
    kinds: Vec<String>,
    kind_spans: Vec<Span>,
    lifecycles: Vec<String>,
    owners: Vec<String>,
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

/// The name part of a reference ("group:default/team-a" → "team-a").
fn ref_name(r: &str) -> &str {
    r.rsplit(['/', ':']).next().unwrap_or(r)
}

#[derive(Default)]
struct Interner {
    ids: HashMap<String, u16>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u16 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.names.len().min(u16::MAX as usize) as u16;
        self.names.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }
}

/// A document's lower-cased texts, before they move into the arena.
struct Draft {
    name: String,
    title: String,
    description: String,
    /// Word starts of a long description (empty for a short one).
    description_starts: Vec<(u16, u16)>,
    tags: Vec<String>,
    labels: Vec<String>,
    owner: String,
    owner_ref: String,
    spec_type: String,
    system: String,
    domain: String,
    namespace: String,
    kind: String,
    lifecycle: String,
    owner_name: String,
}

struct Arena {
    text: String,
}

impl Arena {
    fn push(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span {
            start,
            len: s.len() as u32,
            mask: mask_of(s),
            ascii: s.is_ascii(),
        }
    }
}

impl SearchIndex {
    pub fn build(catalog: &Catalog) -> SearchIndex {
        let drafts: Vec<Draft> = catalog
            .entities()
            .par_iter()
            .map(|e| Self::draft(catalog, e))
            .collect();
        let mut arena = Arena {
            text: String::new(),
        };
        let mut tag_spans = Vec::new();
        let mut label_spans = Vec::new();
        let mut word_starts = Vec::new();
        let mut kinds = Interner::default();
        let mut lifecycles = Interner::default();
        let mut owners = Interner::default();
        // Empty strings get id 0 in lifecycles and owners (not counted in facets).
        lifecycles.id("");
        owners.id("");
        let mut docs: Vec<Doc> = drafts
            .into_iter()
            .map(|d| {
                let tags_start = tag_spans.len() as u32;
                for t in &d.tags {
                    tag_spans.push(arena.push(t));
                }
                let labels_start = label_spans.len() as u32;
                for l in &d.labels {
                    label_spans.push(arena.push(l));
                }
                let kind_mask = mask_of(&d.kind.to_lowercase());
                let name = arena.push(&d.name);
                let title = arena.push(&d.title);
                let description = arena.push(&d.description);
                let description_words =
                    (word_starts.len() as u32, d.description_starts.len() as u32);
                word_starts.extend_from_slice(&d.description_starts);
                let owner = arena.push(&d.owner);
                let mask = name.mask
                    | title.mask
                    | description.mask
                    | owner.mask
                    | tag_spans[tags_start as usize..]
                        .iter()
                        .fold(0, |m, t| m | t.mask)
                    | kind_mask;
                Doc {
                    name,
                    title,
                    description,
                    description_words,
                    tags: (tags_start, d.tags.len().min(u16::MAX as usize) as u16),
                    labels: (labels_start, d.labels.len().min(u16::MAX as usize) as u16),
                    owner,
                    owner_ref: arena.push(&d.owner_ref),
                    spec_type: arena.push(&d.spec_type),
                    system: arena.push(&d.system),
                    domain: arena.push(&d.domain),
                    namespace: arena.push(&d.namespace),
                    kind: kinds.id(&d.kind),
                    lifecycle: lifecycles.id(&d.lifecycle),
                    owner_id: owners.id(&d.owner_name),
                    mask,
                    order: 0,
                }
            })
            .collect();
        let kind_spans: Vec<Span> = kinds
            .names
            .iter()
            .map(|k| arena.push(&k.to_lowercase()))
            .collect();
        let arena = arena.text;
        let rank = |kind: &str| {
            let lower = kind.to_lowercase();
            KIND_ORDER
                .iter()
                .position(|k| *k == lower)
                .unwrap_or(KIND_ORDER.len())
        };
        let kind_rank: Vec<usize> = kinds.names.iter().map(|k| rank(k)).collect();
        let text = |s: &Span| &arena[s.start as usize..(s.start + s.len) as usize];
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.par_sort_by(|a, b| {
            let (da, db) = (&docs[*a], &docs[*b]);
            kind_rank[da.kind as usize]
                .cmp(&kind_rank[db.kind as usize])
                .then_with(|| text(&da.name).cmp(text(&db.name)))
                .then(a.cmp(b))
        });
        for (place, i) in order.iter().enumerate() {
            docs[*i].order = place as u32;
        }
        SearchIndex {
            docs,
            arena,
            word_starts,
            tag_spans,
            label_spans,
            by_order: order.into_iter().map(|i| i as u32).collect(),
            kinds: kinds.names,
            kind_spans,
            lifecycles: lifecycles.names,
            owners: owners.names,
        }
    }

    fn draft(catalog: &Catalog, e: &Entity) -> Draft {
        let owner_ref = e
            .related(&RelationType::OwnedBy)
            .next()
            .map(str::to_owned)
            .unwrap_or_default();
        let part_of = |x: &Entity, kind: &str| {
            x.related(&RelationType::PartOf)
                .find(|r| r.starts_with(kind))
                .map(str::to_owned)
        };
        let (system, domain) = if e.is_kind("Domain") {
            (String::new(), e.name().to_lowercase())
        } else if e.is_kind("System") {
            (
                e.name().to_lowercase(),
                part_of(e, "domain:")
                    .map(|d| ref_name(&d).to_owned())
                    .unwrap_or_default(),
            )
        } else {
            let system = part_of(e, "system:");
            let domain = system
                .as_deref()
                .and_then(|s| catalog.get(s))
                .and_then(|s| part_of(s, "domain:"));
            (
                system
                    .as_deref()
                    .map(ref_name)
                    .unwrap_or_default()
                    .to_owned(),
                domain
                    .as_deref()
                    .map(ref_name)
                    .unwrap_or_default()
                    .to_owned(),
            )
        };
        // A person's or team's display name serves as their title.
        let title = match e.title() {
            Some(t) => t.to_owned(),
            None if e.display_name() != e.name() => e.display_name().to_owned(),
            None => String::new(),
        };
        let lower = |s: Option<&str>| s.unwrap_or_default().to_lowercase();
        let description = lower(e.description());
        Draft {
            name: e.name().to_lowercase(),
            title: title.to_lowercase(),
            description_starts: if description.len() > LONG_TEXT {
                score::word_starts(&description).unwrap_or_default()
            } else {
                Vec::new()
            },
            description,
            tags: e.tags().map(str::to_lowercase).collect(),
            labels: e
                .labels()
                .map(|(k, v)| format!("{k}={v}").to_lowercase())
                .collect(),
            owner: lower(e.owner()),
            owner_name: ref_name(&owner_ref).to_owned(),
            owner_ref,
            spec_type: lower(e.spec_type()),
            system,
            domain,
            namespace: e.namespace().to_lowercase(),
            kind: e.kind().to_owned(),
            lifecycle: lower(e.lifecycle()),
        }
    }

    fn text(&self, s: &Span) -> &str {
        &self.arena[s.start as usize..(s.start + s.len) as usize]
    }

    fn labels(&self, doc: &Doc) -> &[Span] {
        let start = doc.labels.0 as usize;
        &self.label_spans[start..start + doc.labels.1 as usize]
    }

    fn tags(&self, doc: &Doc) -> &[Span] {
        let start = doc.tags.0 as usize;
        &self.tag_spans[start..start + doc.tags.1 as usize]
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
        self.search_top(query, candidates, usize::MAX)
    }

    /// Like [`search_within`](Self::search_within), with `levels` answering the query's
    /// `level:` filters (without it, no entity has a level).
    pub fn search_graded(
        &self,
        query: &Query,
        candidates: Option<&[Hit]>,
        levels: Option<&dyn Levels>,
    ) -> Vec<Hit> {
        self.search_top_cancellable(query, candidates, usize::MAX, levels, &|| false)
            .unwrap_or_default()
    }

    /// Every hit, of which only the best `k` are in rank order (first); the rest follow in no
    /// particular order. A list shows a screenful, so selecting the top `k` in linear time
    /// and sorting only those beats sorting every hit of a one-letter query;
    /// [`order_from`](Self::order_from) ranks the rest when someone scrolls that far.
    pub fn search_top(&self, query: &Query, candidates: Option<&[Hit]>, k: usize) -> Vec<Hit> {
        self.search_top_cancellable(query, candidates, k, None, &|| false)
            .unwrap_or_default()
    }

    /// [`search_top`](Self::search_top) with `levels` answering `level:` filters, giving up
    /// (None) as soon as `cancelled` says so: a newer keystroke makes this search's answer
    /// useless.
    pub fn search_top_cancellable(
        &self,
        query: &Query,
        candidates: Option<&[Hit]>,
        k: usize,
        levels: Option<&dyn Levels>,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Option<Vec<Hit>> {
        let plan = Plan::new(query, self, levels);
        // Candidates become a bitset so the scan still walks the documents in memory order
        // (visiting them in ranked order would miss the cache on nearly every one).
        let allowed: Option<Vec<u64>> = candidates.map(|c| {
            let mut bits = vec![0u64; self.docs.len().div_ceil(64)];
            for h in c {
                bits[h.entity / 64] |= 1 << (h.entity % 64);
            }
            bits
        });
        // Chunks of documents, each checking for cancellation once.
        const CHUNK: usize = 4096;
        let chunks: Option<Vec<Vec<u64>>> = (0..self.docs.len().div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                if cancelled() {
                    return None;
                }
                let range = c * CHUNK..((c + 1) * CHUNK).min(self.docs.len());
                Some(
                    range
                        .filter(|i| {
                            allowed
                                .as_ref()
                                .is_none_or(|bits| bits[i / 64] & (1 << (i % 64)) != 0)
                        })
                        .filter_map(|i| self.rank_key(&plan, i))
                        .collect::<Vec<u64>>(),
                )
            })
            .collect();
        let mut keys: Vec<u64> = chunks?.concat();
        if cancelled() {
            return None;
        }
        if k < keys.len() {
            keys.select_nth_unstable(k);
            keys[..k].par_sort_unstable();
        } else {
            keys.par_sort_unstable();
        }
        Some(
            keys.into_par_iter()
                .with_min_len(4096)
                .map(|k| Hit {
                    entity: self.by_order[(k & 0xFFFF_FFFF) as usize] as usize,
                    score: i64::from(i32::MAX) - (k >> 32) as i64,
                })
                .collect(),
        )
    }

    /// Score descending, then catalogue order, packed into one integer per hit so ranking
    /// compares integers without touching the documents.
    fn rank_key(&self, plan: &Plan, i: usize) -> Option<u64> {
        let doc = &self.docs[i];
        plan.score(i, doc).map(|score| Self::pack(score, doc.order))
    }

    fn pack(score: i64, order: u32) -> u64 {
        let inverted = (i64::from(i32::MAX) - score.clamp(0, i64::from(i32::MAX))) as u64;
        inverted << 32 | u64::from(order)
    }

    /// Puts `hits[from..]` in rank order (the rest of a [`search_top`](Self::search_top)
    /// answer), so the whole list is ranked.
    pub fn order_from(&self, hits: &mut [Hit], from: usize) {
        if let Some(rest) = hits.get_mut(from..) {
            rest.par_sort_unstable_by_key(|h| Self::pack(h.score, self.docs[h.entity].order));
        }
    }

    /// Counts of the hits per kind, owner and lifecycle.
    pub fn facets(&self, hits: &[Hit]) -> Facets {
        let mut kinds = vec![0usize; self.kinds.len()];
        let mut lifecycles = vec![0usize; self.lifecycles.len()];
        let mut owners = vec![0usize; self.owners.len()];
        for h in hits {
            let d = &self.docs[h.entity];
            kinds[d.kind as usize] += 1;
            lifecycles[d.lifecycle as usize] += 1;
            owners[d.owner_id as usize] += 1;
        }
        let named = |counts: Vec<usize>, names: &[String], skip_first: bool| {
            let mut v: Vec<(String, usize)> = counts
                .into_iter()
                .enumerate()
                .skip(usize::from(skip_first))
                .filter(|(_, n)| *n > 0)
                .map(|(i, n)| (names[i].clone(), n))
                .collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        Facets {
            kinds: named(kinds, &self.kinds, false),
            owners: named(owners, &self.owners, true),
            lifecycles: named(lifecycles, &self.lifecycles, true),
        }
    }
}

/// A query word with what the scorer wants to know about it.
struct Word<'q> {
    text: &'q str,
    mask: u64,
    ascii: bool,
    /// The most an unweighted field can score for this word.
    ceiling: i32,
}

/// A query prepared for matching.
struct Plan<'q> {
    index: &'q SearchIndex,
    levels: Option<&'q dyn Levels>,
    /// Per field: values that allow, values that forbid.
    filters: Vec<(Field, Vec<&'q str>, Vec<&'q str>)>,
    words: Vec<Word<'q>>,
    phrases: Vec<(&'q str, u64)>,
    excludes: Vec<(&'q str, u64)>,
}

impl<'q> Plan<'q> {
    fn new(query: &'q Query, index: &'q SearchIndex, levels: Option<&'q dyn Levels>) -> Self {
        let mut plan = Plan {
            index,
            levels,
            filters: Vec::new(),
            words: Vec::new(),
            phrases: Vec::new(),
            excludes: Vec::new(),
        };
        for t in &query.terms {
            match t {
                Term::Fuzzy(w) => plan.words.push(Word {
                    text: w,
                    mask: mask_of(w),
                    ascii: w.is_ascii(),
                    ceiling: score::ceiling(w.chars().count()),
                }),
                Term::Phrase(p) => plan.phrases.push((p, mask_of(p))),
                Term::Exclude(x) => plan.excludes.push((x, mask_of(x))),
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

    fn text(&self, s: &Span) -> &'q str {
        let index: &'q SearchIndex = self.index;
        index.text(s)
    }

    fn kind_span(&self, doc: &Doc) -> &'q Span {
        let index: &'q SearchIndex = self.index;
        &index.kind_spans[doc.kind as usize]
    }

    fn field_matches(&self, entity: usize, doc: &Doc, field: Field, value: &str) -> bool {
        let starts = |s: &Span| self.text(s).starts_with(value);
        match field {
            Field::Kind => starts(self.kind_span(doc)),
            Field::Type => starts(&doc.spec_type),
            Field::Lifecycle => self.index.lifecycles[doc.lifecycle as usize].starts_with(value),
            Field::Namespace => starts(&doc.namespace),
            Field::System => starts(&doc.system),
            Field::Domain => starts(&doc.domain),
            Field::Tag => self.index.tags(doc).iter().any(starts),
            // `label:key` has the key (any value); `label:key=value` the key with a value
            // starting so.
            Field::Label => self.index.labels(doc).iter().any(|s| {
                let label = self.text(s);
                if value.contains('=') {
                    label.starts_with(value)
                } else {
                    label.split_once('=').is_some_and(|(k, _)| k == value)
                }
            }),
            Field::Level => self.levels.is_some_and(|l| l.matches_level(entity, value)),
            Field::Docs => self.levels.is_some_and(|l| l.matches_docs(entity, value)),
            Field::Owner => {
                let owner_ref = self.text(&doc.owner_ref);
                starts(&doc.owner)
                    || owner_ref.starts_with(value)
                    || ref_name(owner_ref).starts_with(value)
            }
        }
    }

    /// Whether any searchable text of the document contains `needle` as is.
    fn contains(&self, doc: &Doc, needle: &str, mask: u64) -> bool {
        let has = |s: &Span| s.mask & mask == mask && self.text(s).contains(needle);
        has(&doc.name)
            || has(&doc.title)
            || has(&doc.description)
            || has(&doc.owner)
            || has(self.kind_span(doc))
            || self.index.tags(doc).iter().any(has)
    }

    fn score(&self, entity: usize, doc: &Doc) -> Option<i64> {
        for (field, allow, deny) in &self.filters {
            if !allow.is_empty()
                && !allow
                    .iter()
                    .any(|v| self.field_matches(entity, doc, *field, v))
            {
                return None;
            }
            if deny
                .iter()
                .any(|v| self.field_matches(entity, doc, *field, v))
            {
                return None;
            }
        }
        // A text can only contain a word whose characters are all in its mask.
        if self
            .excludes
            .iter()
            .any(|(x, m)| doc.mask & m == *m && self.contains(doc, x, *m))
        {
            return None;
        }
        let mut total = 0i64;
        for (p, m) in &self.phrases {
            if doc.mask & m != *m {
                return None;
            }
            if self.text(&doc.name).contains(p) {
                total += 2000;
            } else if self.contains(doc, p, *m) {
                total += 500;
            } else {
                return None;
            }
        }
        for word in &self.words {
            if doc.mask & word.mask != word.mask {
                return None;
            }
            total += self.word_score(doc, word)?;
        }
        Some(total)
    }

    fn field_score(&self, s: &Span, word: &Word, weight: i32) -> Option<i32> {
        if s.mask & word.mask != word.mask {
            return None;
        }
        score::score_known(self.text(s), s.ascii, word.text, word.ascii).map(|v| v * weight)
    }

    fn description_score(&self, doc: &Doc, word: &Word) -> Option<i32> {
        let s = &doc.description;
        if s.mask & word.mask != word.mask {
            return None;
        }
        let (start, len) = doc.description_words;
        let score = if len == 0 {
            score::word_prefix(self.text(s), word.text)
        } else {
            let starts = &self.index.word_starts[start as usize..(start + len) as usize];
            score::word_prefix_indexed(self.text(s), starts, word.text)
        };
        score.map(|v| v * W_DESCRIPTION)
    }

    /// Best weighted score of one word over the fields, with name boosts.
    fn word_score(&self, doc: &Doc, word: &Word) -> Option<i64> {
        let name = self.text(&doc.name);
        let boost = if name == word.text {
            EXACT_NAME
        } else if name.starts_with(word.text) {
            PREFIX_NAME
        } else if name.contains(word.text) {
            IN_NAME
        } else {
            0
        };
        // Fields in falling weight; once the best so far beats what a lighter field could
        // possibly score, the rest are skipped.
        let mut best = self.field_score(&doc.name, word, W_NAME);
        let tags = self.index.tags(doc);
        let rest: [(i32, &[Span]); 4] = [
            (W_TITLE, std::slice::from_ref(&doc.title)),
            (W_TAG, tags),
            (W_OWNER, std::slice::from_ref(&doc.owner)),
            (W_KIND, std::slice::from_ref(self.kind_span(doc))),
        ];
        for (weight, spans) in rest {
            if best.is_some_and(|b| b >= word.ceiling * weight) {
                return Some(i64::from(best?) + boost);
            }
            let s = spans
                .iter()
                .filter_map(|s| self.field_score(s, word, weight))
                .max();
            best = best.max(s);
        }
        if best.is_none_or(|b| b < word.ceiling * W_DESCRIPTION) {
            best = best.max(self.description_score(doc, word));
        }
        Some(i64::from(best?) + boost)
    }
}

/// Character positions in `text` that the query's words match, for highlighting.
pub fn highlight(text: &str, query: &Query) -> Vec<usize> {
    let lower = text.to_lowercase();
    let mut positions: Vec<usize> = Vec::new();
    for w in query.fuzzy_words() {
        if let Some(start) = lower.find(w) {
            let first = lower[..start].chars().count();
            positions.extend(first..first + w.chars().count());
        } else if let Some(p) = score::positions(&lower, w) {
            positions.extend(p);
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
    fn the_listing_is_what_an_empty_query_answers() {
        use crate::sources::{LoadOptions, Source};
        let demo = crate::sources::load(
            &[Box::new(crate::sources::demo::source()) as Box<dyn Source>],
            &LoadOptions {
                online: false,
                ..LoadOptions::default()
            },
        );
        for catalog in [demo, generated(500), Catalog::default()] {
            let index = SearchIndex::build(&catalog);
            let list = listing(&catalog);
            assert_eq!(list.len(), catalog.len());
            assert_eq!(list, index.search(&Query::default()));
        }
    }

    /// A catalogue of `n` entities with names, titles, tags and descriptions drawn from a few
    /// words, so queries hit many entities with many equal scores.
    fn generated(n: usize) -> Catalog {
        generated_with(n, 4)
    }

    /// As [`generated`], with descriptions of `words` words.
    fn generated_with(n: usize, words: usize) -> Catalog {
        use crate::sources::{LoadOptions, Source, files::FileSource};
        const WORDS: &[&str] = &[
            "pay", "ment", "search", "seat", "order", "api", "team", "svc", "eu", "us", "edge",
            "queue",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut w = || WORDS[rng.usize(..WORDS.len())];
        let mut yaml = String::new();
        for i in 0..n {
            let kind = ["Component", "API", "Resource"][i % 3];
            let description: Vec<&str> = (0..words).map(|_| w()).collect();
            yaml.push_str(&format!(
                "---\napiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {}-{}-{i}\n  title: {} {}\n  description: {}\n  tags: [{}]\nspec:\n  type: service\n  lifecycle: production\n  owner: team-{}\n",
                w(), w(), w(), w(), description.join(" "), w(), i % 17
            ));
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("catalog-info.yaml"), yaml).unwrap();
        let source = FileSource::disk(&[dir.path().to_path_buf()]).unwrap();
        let options = LoadOptions {
            online: false,
            ..LoadOptions::default()
        };
        crate::sources::load(&[Box::new(source) as Box<dyn Source>], &options)
    }

    fn random_query(rng: &mut fastrand::Rng) -> String {
        const PARTS: &[&str] = &[
            "",
            "e",
            "a",
            "s",
            "pa",
            "se",
            "ea",
            "q",
            "api",
            "kind:comp",
            "owner:team-1",
            "-eu",
            "\"pay\"",
            "tag:se",
            "t",
            "me",
            "x",
        ];
        (0..rng.usize(1..=3))
            .map(|_| PARTS[rng.usize(..PARTS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn top_k_is_the_head_of_the_full_ranking_for_random_queries() {
        let catalog = generated(3_000);
        let index = SearchIndex::build(&catalog);
        let mut rng = fastrand::Rng::with_seed(42);
        let mut big = 0;
        for _ in 0..300 {
            let text = random_query(&mut rng);
            let query = Query::parse(&text);
            let full = index.search(&query);
            let k = [0, 1, 10, 50, 999, 5000][rng.usize(..6)];
            let mut top = index.search_top(&query, None, k);
            let head = k.min(full.len());
            assert_eq!(top[..head], full[..head], "{text:?} k={k}");
            // The rest is the same hits, in some order; ranking it gives the full order.
            let mut a: Vec<usize> = top.iter().map(|h| h.entity).collect();
            let mut b: Vec<usize> = full.iter().map(|h| h.entity).collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{text:?}");
            index.order_from(&mut top, head);
            assert_eq!(top, full, "{text:?}");
            big += usize::from(full.len() > k && k > 0);
        }
        assert!(big > 20, "too few queries left hits unranked: {big}");
    }

    #[test]
    fn long_descriptions_answer_through_their_word_starts_as_a_scan_would() {
        // Descriptions of ~60 words (~300 bytes) get their word starts indexed.
        let catalog = generated_with(500, 60);
        let indexed = SearchIndex::build(&catalog);
        assert!(indexed.docs.iter().all(|d| d.description_words.1 > 0));
        let mut scanned = SearchIndex::build(&catalog);
        scanned.word_starts.clear();
        for d in &mut scanned.docs {
            d.description_words = (0, 0);
        }
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..300 {
            let text = random_query(&mut rng);
            let query = Query::parse(&text);
            assert_eq!(indexed.search(&query), scanned.search(&query), "{text:?}");
        }
    }

    #[test]
    fn a_cancelled_search_gives_up() {
        let catalog = generated(200);
        let index = SearchIndex::build(&catalog);
        let q = Query::parse("e");
        assert!(
            index
                .search_top_cancellable(&q, None, 10, None, &|| true)
                .is_none()
        );
        let found = index
            .search_top_cancellable(&q, None, 10, None, &|| false)
            .unwrap();
        assert_eq!(found.len(), index.search(&q).len());
    }

    #[test]
    fn label_filters_match_keys_and_values() {
        use crate::sources::{self, LoadOptions, Source, files::FileSource};
        let dir = tempfile::tempdir().unwrap();
        let doc = |name: &str, labels: &str| {
            format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {name}, labels: {{{labels}}}}}\nspec: {{type: service, lifecycle: production, owner: team}}\n"
            )
        };
        let text = [
            doc("gold", "tier: Gold, team.example/cost-centre: cc-42"),
            doc("silver", "tier: silver"),
            doc("plain", ""),
        ]
        .join("---\n");
        std::fs::write(dir.path().join("catalog-info.yaml"), text).unwrap();
        let s: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
        let catalog = sources::load(&[s], &LoadOptions::default());
        let index = SearchIndex::build(&catalog);
        let names = |q: &str| {
            let mut n: Vec<String> = index
                .search(&Query::parse(q))
                .iter()
                .map(|h| catalog.entities()[h.entity].name().to_owned())
                .collect();
            n.sort();
            n
        };
        assert_eq!(names("label:tier"), ["gold", "silver"]);
        assert_eq!(names("label:tier=gold"), ["gold"]);
        assert_eq!(
            names("label:TIER=G"),
            ["gold"],
            "case-insensitive, value prefix"
        );
        assert_eq!(names("label:ti"), Vec::<String>::new(), "keys match whole");
        assert_eq!(names("-label:tier"), ["plain"]);
        assert_eq!(names("label:team.example/cost-centre=cc-42"), ["gold"]);
    }

    #[test]
    fn level_filters_are_answered_by_the_levels_given() {
        /// Entity 0 is gold, every other entity bronze.
        struct Fake;
        impl Levels for Fake {
            fn matches_level(&self, entity: usize, value: &str) -> bool {
                value == if entity == 0 { "gold" } else { "bronze" }
            }
        }
        let catalog = generated(20);
        let index = SearchIndex::build(&catalog);
        let run = |q: &str, levels: Option<&dyn Levels>| {
            let mut v: Vec<usize> = index
                .search_top_cancellable(&Query::parse(q), None, usize::MAX, levels, &|| false)
                .unwrap()
                .iter()
                .map(|h| h.entity)
                .collect();
            v.sort();
            v
        };
        assert_eq!(run("level:gold", Some(&Fake)), [0]);
        assert_eq!(run("level:bronze", Some(&Fake)).len(), catalog.len() - 1);
        assert!(!run("-level:gold", Some(&Fake)).contains(&0));
        assert_eq!(
            run("level:gold level:bronze", Some(&Fake)).len(),
            catalog.len()
        );
        // Without grades no entity has a level.
        assert!(run("level:gold", None).is_empty());
        assert_eq!(run("-level:gold", None).len(), catalog.len());
    }

    #[test]
    fn ref_names() {
        assert_eq!(ref_name("group:default/team-a"), "team-a");
        assert_eq!(ref_name("team-a"), "team-a");
        assert_eq!(ref_name("user:guest"), "guest");
    }
}
