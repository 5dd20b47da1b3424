//! Search across every docs site of the catalogue: each page cut into sections at its headings,
//! ranked by where the words are found (page title, then heading, then how often in the text),
//! with a snippet around the first match and the heading to open the page at. Building the
//! index reads and parses every page, so the portal does it on a worker thread; a query is a
//! scan over lower-cased text, fast enough to answer on every keystroke.

use super::model::{Block, Document, spans_text, walk};
use super::site::Site;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug)]
struct Section {
    entity: String,
    site: String,
    page: usize,
    page_path: String,
    page_title: String,
    heading: String,
    anchor: Option<String>,
    text: String,
    lower_title: String,
    lower_heading: String,
    lower_text: String,
}

/// One result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocsHit {
    /// The entity whose docs these are.
    pub entity: String,
    pub site: String,
    /// The page's index in its site, its path and title.
    pub page: usize,
    pub page_path: String,
    pub page_title: String,
    /// The section's heading and anchor (none before the first heading).
    pub heading: String,
    pub anchor: Option<String>,
    pub snippet: String,
    pub score: u32,
}

#[derive(Clone, Debug, Default)]
pub struct DocsIndex {
    sections: Vec<Section>,
    /// Pages that could not be read, with why.
    pub problems: Vec<String>,
    pub pages: usize,
    /// Per site (the key of the entity whose docs it is), the catalogue positions of the
    /// entities reading it (itself, and those pointing at it with `techdocs-entity`): what a
    /// `docs:` search filter answers with.
    pub readers: HashMap<String, Vec<usize>>,
}

fn sections_of(doc: &Document) -> Vec<(String, Option<String>, String)> {
    let mut out: Vec<(String, Option<String>, String)> = vec![(String::new(), None, String::new())];
    for b in &doc.blocks {
        if let Block::Heading { id, spans, .. } = b {
            out.push((spans_text(spans), Some(id.clone()), String::new()));
            continue;
        }
        let mut text = String::new();
        walk(std::slice::from_ref(b), &mut |b| match b {
            Block::Paragraph { spans } => {
                text.push_str(&spans_text(spans));
                text.push(' ');
            }
            Block::Code { text: t, .. } => {
                text.push_str(t);
                text.push(' ');
            }
            Block::Table { header, rows } => {
                for row in std::iter::once(header).chain(rows) {
                    for c in row {
                        text.push_str(&spans_text(c));
                        text.push(' ');
                    }
                }
            }
            Block::Admonition { title, .. } => {
                text.push_str(title);
                text.push(' ');
            }
            _ => {}
        });
        let last = out.last_mut().expect("one section");
        last.2.push_str(&text);
    }
    out.retain(|s| !s.0.is_empty() || !s.2.trim().is_empty());
    out
}

impl DocsIndex {
    /// Adds every page of a site (the docs of `entity`).
    pub fn add_site(&mut self, entity: &str, site: &Site) {
        for page in 0..site.pages.len() {
            match site.document(page) {
                Ok(doc) => self.add_page(entity, site, page, &doc),
                Err(e) => self
                    .problems
                    .push(format!("{} {}: {e}", site.name, site.pages[page].path)),
            }
        }
    }

    pub fn add_page(&mut self, entity: &str, site: &Site, page: usize, doc: &Document) {
        self.pages += 1;
        let p = &site.pages[page];
        for (heading, anchor, text) in sections_of(doc) {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            self.sections.push(Section {
                entity: entity.to_owned(),
                site: site.name.clone(),
                page,
                page_path: p.path.clone(),
                page_title: p.title.clone(),
                lower_title: p.title.to_lowercase(),
                lower_heading: heading.to_lowercase(),
                lower_text: text.to_lowercase(),
                heading,
                anchor,
                text,
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// The best `limit` sections holding every word of the query.
    pub fn search(&self, query: &str, limit: usize) -> Vec<DocsHit> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(u32, usize)> = self
            .sections
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((section_score(s, &words)?, i)))
            .collect();
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.truncate(limit);
        hits.into_iter()
            .map(|(score, i)| {
                let s = &self.sections[i];
                DocsHit {
                    entity: s.entity.clone(),
                    site: s.site.clone(),
                    page: s.page,
                    page_path: s.page_path.clone(),
                    page_title: s.page_title.clone(),
                    heading: s.heading.clone(),
                    anchor: s.anchor.clone(),
                    snippet: snippet(&s.text, &s.lower_text, &words[0], 90),
                    score,
                }
            })
            .collect()
    }
}

impl DocsIndex {
    /// The catalogue positions of the entities whose docs have a section holding every word
    /// of `words` (the `docs:` search filter; see [`Self::readers`]).
    pub fn entities_matching(&self, words: &str) -> HashSet<usize> {
        let words: Vec<String> = words.split_whitespace().map(str::to_lowercase).collect();
        let mut sites: HashSet<&str> = HashSet::new();
        if words.is_empty() {
            return HashSet::new();
        }
        for s in &self.sections {
            if !sites.contains(s.entity.as_str()) && section_score(s, &words).is_some() {
                sites.insert(&s.entity);
            }
        }
        sites
            .into_iter()
            .filter_map(|site| self.readers.get(site))
            .flatten()
            .copied()
            .collect()
    }
}

/// The `docs:` filters of one query, each looked up once in the docs index (not once per
/// entity the search visits): what answers them in a catalogue search.
#[derive(Clone, Debug, Default)]
pub struct DocsAnswers {
    sets: Vec<(String, HashSet<usize>)>,
}

impl DocsAnswers {
    pub fn new(index: &DocsIndex, query: &crate::search::Query) -> DocsAnswers {
        let sets = query
            .terms
            .iter()
            .filter_map(|t| match t {
                crate::search::Term::Filter {
                    field: crate::search::Field::Docs,
                    value,
                    ..
                } => Some((value.clone(), index.entities_matching(value))),
                _ => None,
            })
            .collect();
        DocsAnswers { sets }
    }

    /// Whether the query has `docs:` filters.
    pub fn wanted(query: &crate::search::Query) -> bool {
        query.terms.iter().any(|t| {
            matches!(
                t,
                crate::search::Term::Filter {
                    field: crate::search::Field::Docs,
                    ..
                }
            )
        })
    }

    /// Whether the docs of the entity at this catalogue position hold `words`.
    pub fn matches(&self, entity: usize, words: &str) -> bool {
        self.sets
            .iter()
            .any(|(v, set)| v == words && set.contains(&entity))
    }
}

/// `docs:` alone (the CLI's search; the portal's adds `level:` from its board).
impl crate::search::Levels for DocsAnswers {
    fn matches_level(&self, _entity: usize, _value: &str) -> bool {
        false
    }

    fn matches_docs(&self, entity: usize, words: &str) -> bool {
        self.matches(entity, words)
    }
}

/// How well a section answers the words (all of them must be in it), or None.
fn section_score(s: &Section, words: &[String]) -> Option<u32> {
    let mut score = 0u32;
    for w in words {
        let in_title = s.lower_title.contains(w.as_str());
        let in_heading = s.lower_heading.contains(w.as_str());
        let count = s.lower_text.matches(w.as_str()).take(10).count() as u32;
        if !(in_title || in_heading || count > 0) {
            return None;
        }
        score += 20 * u32::from(in_title) + 12 * u32::from(in_heading) + count.min(5) * 2;
        if starts_word(&s.lower_heading, w) || starts_word(&s.lower_text, w) {
            score += 3;
        }
    }
    Some(score)
}

fn starts_word(hay: &str, w: &str) -> bool {
    hay.match_indices(w).any(|(i, _)| {
        i == 0
            || !hay[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
    })
}

/// About `width` characters of `text` around the first place `word` is found.
fn snippet(text: &str, lower: &str, word: &str, width: usize) -> String {
    // Lower-casing can change lengths; find the match by characters, not bytes.
    let at_char = lower
        .find(word)
        .map(|b| lower[..b].chars().count())
        .unwrap_or(0);
    let chars: Vec<char> = text.chars().collect();
    let start = at_char.saturating_sub(width / 3).min(chars.len());
    let end = (start + width).min(chars.len());
    let mut s: String = chars[start..end].iter().collect();
    if start > 0 {
        s.insert(0, '…');
    }
    if end < chars.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> DocsIndex {
        let a = Site::in_memory(
            "Checkout",
            vec![
                ("index.md".into(), "# Overview\n\nCheckout turns a basket into an order.\n".into()),
                (
                    "runbook.md".into(),
                    "# Runbook\n\n## Rollback\n\nRoll back with argocd app rollback. Rollback is safe.\n\n## Queries\n\nPromQL for the rollback rate.\n".into(),
                ),
            ],
        );
        let b = Site::in_memory(
            "Payments",
            vec![(
                "index.md".into(),
                "# Payments\n\nA rollback of payments needs care.\n".into(),
            )],
        );
        let mut idx = DocsIndex::default();
        idx.add_site("component:default/checkout", &a);
        idx.add_site("component:default/payments", &b);
        idx
    }

    #[test]
    fn headings_rank_above_mentions_and_every_word_must_match() {
        let idx = index();
        let hits = idx.search("rollback", 10);
        assert_eq!(hits[0].heading, "Rollback");
        assert_eq!(hits[0].anchor.as_deref(), Some("rollback"));
        assert_eq!(hits[0].page_path, "runbook.md");
        assert_eq!(hits.len(), 3, "{hits:?}");
        let hits = idx.search("rollback payments", 10);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].entity, "component:default/payments");
        assert!(idx.search("nothing-like-this", 10).is_empty());
        assert!(idx.search("   ", 10).is_empty());
    }

    #[test]
    fn snippets_show_the_match() {
        let idx = index();
        let hits = idx.search("basket", 10);
        assert!(hits[0].snippet.contains("basket"), "{}", hits[0].snippet);
        let long = format!("{} needle {}", "a ".repeat(200), "b ".repeat(200));
        let s = snippet(&long, &long, "needle", 40);
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains("needle"),
            "{s}"
        );
    }
}
