//! The catalogue: entities of every kind, their relations and the problems found reading them.
//! Knows nothing of where entities come from (see `sources`) or of the terminal.

pub mod diagnostics;
pub mod entity;
pub mod format;
pub mod kinds;
mod last_good;
pub mod refs;
pub mod relations;
pub mod validate;

pub use diagnostics::{Diagnostic, Problem, Severity};
pub use entity::{Entity, Origin, RefSite, Verdict};
pub use refs::{EntityRef, RefContext, parse_ref};
pub use relations::{Edge, Relation, RelationType};

use std::collections::{BTreeSet, HashMap};

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    entities: Vec<Entity>,
    /// Canonical ref → position in `entities`. Holds the first entity of each ref.
    index: HashMap<String, usize>,
    diagnostics: Vec<Diagnostic>,
}

/// How relations come to be: computed from spec as Backstage's processors do, or already
/// given (a remote Backstage server sends them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relations {
    Compute,
    Given,
}

impl Catalog {
    /// Builds the catalogue from loaded entities: finds duplicate refs, computes relations in
    /// both directions from accepted entities, and warns about references to nothing.
    pub fn assemble(
        mut entities: Vec<Entity>,
        mut diagnostics: Vec<Diagnostic>,
        relations: Relations,
    ) -> Catalog {
        let mut index = HashMap::with_capacity(entities.len());
        for i in 0..entities.len() {
            let key = entities[i].key.clone();
            match index.get(&key) {
                None => {
                    index.insert(key, i);
                }
                Some(&first) => {
                    let (a, b) = (&entities[first].origin, &entities[i].origin);
                    diagnostics.push(Diagnostic::new(
                        Severity::Error,
                        &*b.file,
                        b.pos,
                        Some(key.clone()),
                        format!(
                            "duplicate entity {}: also defined at {}:{}; Backstage keeps the one it read first and reports a conflict for this one",
                            entities[i].entity_ref, a.file, a.pos
                        ),
                    ));
                    entities[i].verdict = Verdict::Rejected;
                }
            }
        }
        let mut catalog = Catalog {
            entities,
            index,
            diagnostics: Vec::new(),
        };
        if relations == Relations::Compute {
            catalog.compute_relations();
            catalog.warn_dangling_refs(&mut diagnostics);
        }
        catalog.diagnostics = diagnostics;
        catalog
    }

    /// A catalogue assembled before (the cache's copy): entities with their relations and
    /// verdicts, and every diagnostic, taken as they are; only the index is rebuilt.
    pub fn from_parts(entities: Vec<Entity>, diagnostics: Vec<Diagnostic>) -> Catalog {
        let mut index = HashMap::with_capacity(entities.len());
        for (i, e) in entities.iter().enumerate() {
            index.entry(e.key.clone()).or_insert(i);
        }
        Catalog {
            entities,
            index,
            diagnostics,
        }
    }

    /// Every accepted entity emits both directions of each spec reference; an entity serves
    /// the relations whose source it is (`BuiltinKindsEntityProcessor` + stitching).
    fn compute_relations(&mut self) {
        let mut by_source: HashMap<String, BTreeSet<Relation>> = HashMap::new();
        for e in self.entities.iter().filter(|e| e.is_accepted()) {
            for site in &e.ref_sites {
                for edge in Edge::pair(&e.key, site.relation.clone(), &site.target.canonical()) {
                    by_source.entry(edge.source).or_default().insert(Relation {
                        kind: edge.kind,
                        target: edge.target,
                    });
                }
            }
        }
        for e in self.entities.iter_mut() {
            let computed = by_source.remove(&e.key).unwrap_or_default();
            e.relations = if !e.is_accepted() {
                Vec::new()
            } else if e.relations_given {
                // A remote entity: what its portal said, plus what local entities imply.
                let mut all: BTreeSet<Relation> =
                    std::mem::take(&mut e.relations).into_iter().collect();
                all.extend(computed);
                all.into_iter().collect()
            } else {
                computed.into_iter().collect()
            };
        }
        // BTreeSet order is (type enum order, target); Backstage sorts by type name.
        for e in self.entities.iter_mut() {
            e.relations
                .sort_by(|a, b| (a.kind.as_str(), &a.target).cmp(&(b.kind.as_str(), &b.target)));
        }
    }

    fn warn_dangling_refs(&self, diagnostics: &mut Vec<Diagnostic>) {
        let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
        for e in &self.entities {
            by_name
                .entry(e.name().to_lowercase())
                .or_default()
                .push(&e.key);
        }
        for e in self.entities.iter().filter(|e| e.is_accepted()) {
            for site in &e.ref_sites {
                let target = site.target.canonical();
                let message = match self.get(&target) {
                    Some(t) if t.is_accepted() => continue,
                    Some(_) => format!(
                        "spec.{} \"{}\" refers to {target}, which Backstage rejects (see its errors)",
                        site.field, site.written
                    ),
                    None => {
                        let near: Vec<&str> = by_name
                            .get(&site.target.name.to_lowercase())
                            .map(|v| v.iter().copied().filter(|k| *k != target).collect())
                            .unwrap_or_default();
                        let hint = match near.as_slice() {
                            [] => String::new(),
                            [one] => format!("; did you mean {one}?"),
                            many => format!("; did you mean one of {}?", many.join(", ")),
                        };
                        format!(
                            "spec.{} \"{}\" refers to {target}, which is not in the catalogue{hint}",
                            site.field, site.written
                        )
                    }
                };
                diagnostics.push(Diagnostic::new(
                    Severity::Warning,
                    &*e.origin.file,
                    site.pos,
                    Some(e.key.clone()),
                    message,
                ));
            }
        }
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The warnings about references to nothing that assembling this catalogue produced (so a
    /// caller assembling it again with more entities can drop them: they are recomputed).
    pub fn dangling_ref_warnings(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        self.warn_dangling_refs(&mut out);
        out
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// Entities a real Backstage would store.
    pub fn accepted(&self) -> impl Iterator<Item = &Entity> {
        self.entities.iter().filter(|e| e.is_accepted())
    }

    /// Looks up by canonical ref (`kind:namespace/name`, any case).
    pub fn get(&self, key: &str) -> Option<&Entity> {
        let i = match self.index.get(key) {
            Some(i) => *i,
            None => *self.index.get(&key.to_lowercase())?,
        };
        self.entities.get(i)
    }

    pub fn position(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// Resolves what a person typed: a full ref, `kind:name`, `namespace/name` or a bare name
    /// (unique across kinds). Returns every candidate when the text is ambiguous.
    pub fn resolve(&self, text: &str) -> Result<&Entity, Vec<&Entity>> {
        if let Ok((kind, namespace, name)) = refs::split_ref(text) {
            let name = name.to_lowercase();
            let matches: Vec<&Entity> = self
                .entities
                .iter()
                .filter(|e| {
                    e.name().to_lowercase() == name
                        && kind.is_none_or(|k| e.kind().eq_ignore_ascii_case(k))
                        && namespace.is_none_or(|n| e.namespace().eq_ignore_ascii_case(n))
                        && self
                            .index
                            .get(&e.key)
                            .is_some_and(|i| std::ptr::eq(&self.entities[*i], *e))
                })
                .collect();
            let in_default: Vec<&Entity> = matches
                .iter()
                .copied()
                .filter(|e| e.namespace().eq_ignore_ascii_case(refs::DEFAULT_NAMESPACE))
                .collect();
            return match (matches.as_slice(), in_default.as_slice()) {
                ([one], _) => Ok(one),
                (_, [one]) if namespace.is_none() => Ok(one),
                _ => Err(matches),
            };
        }
        Err(Vec::new())
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }

    /// Problems about one entity.
    pub fn diagnostics_for<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Diagnostic> {
        self.diagnostics
            .iter()
            .filter(move |d| d.entity_ref.as_deref() == Some(key))
    }
}
