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
pub use entity::{BackstageJson, Entity, Origin, RefSite, Verdict};
pub use refs::{EntityRef, RefContext, parse_ref};
pub use relations::{Edge, Relation, RelationType};

use rayon::prelude::*;
#[cfg(test)]
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;

/// Backstage's order of an entity's relations: by type name, then target (the enum order
/// breaks a tie between a well-known type and an `Other` spelled the same).
fn relation_order(a: &Relation, b: &Relation) -> std::cmp::Ordering {
    (a.kind.as_str(), &a.target)
        .cmp(&(b.kind.as_str(), &b.target))
        .then_with(|| a.kind.cmp(&b.kind))
}

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
    /// the relations whose source it is (`BuiltinKindsEntityProcessor` + stitching). Runs on
    /// all cores over positions: each reference is looked up once, the relations pointing at
    /// an entity share its key (one allocation per entity, not per relation), edges are
    /// sorted by (source position, relation) and handed to their entities; the result is
    /// [`compute_relations_sequential`]'s, tested.
    fn compute_relations(&mut self) {
        let index = &self.index;
        let keys: Vec<Arc<str>> = self
            .entities
            .par_iter()
            .map(|e| Arc::from(e.key.as_str()))
            .collect();
        let keys = &keys;
        let mut edges: Vec<(usize, Relation)> = self
            .entities
            .par_iter()
            .filter(|e| e.is_accepted())
            .flat_map_iter(|e| {
                let source = index.get(&e.key).copied();
                e.ref_sites.iter().flat_map(move |site| {
                    let target = index.get(site.target.as_str()).copied();
                    let kind = site.relation.clone();
                    let reverse = kind.reverse().unwrap_or_else(|| kind.clone());
                    let forward = source.map(|s| {
                        let to = match target {
                            Some(t) => keys[t].clone(),
                            None => Arc::from(site.target.as_str()),
                        };
                        (s, Relation { kind, target: to })
                    });
                    let backward = target.zip(source).map(|(t, s)| {
                        (
                            t,
                            Relation {
                                kind: reverse,
                                target: keys[s].clone(),
                            },
                        )
                    });
                    forward.into_iter().chain(backward)
                })
            })
            .collect();
        edges.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| relation_order(&a.1, &b.1)));
        edges.dedup();
        let mut computed: Vec<Vec<Relation>> = Vec::new();
        computed.resize_with(self.entities.len(), Vec::new);
        for (i, r) in edges {
            computed[i].push(r);
        }
        self.entities
            .par_iter_mut()
            .zip(computed)
            .for_each(|(e, computed)| {
                e.relations = if !e.is_accepted() {
                    Vec::new()
                } else if e.relations_given {
                    // A remote entity: what its portal said, plus what local entities imply.
                    let mut all = std::mem::take(&mut e.relations);
                    all.extend(computed);
                    all.sort_by(relation_order);
                    all.dedup();
                    all
                } else {
                    computed
                };
            });
    }

    /// The one-core way [`compute_relations`](Self::compute_relations) replaced, kept to test
    /// that the parallel one gives the same relations.
    #[cfg(test)]
    fn compute_relations_sequential(&mut self) {
        let mut by_source: HashMap<String, BTreeSet<Relation>> = HashMap::new();
        for e in self.entities.iter().filter(|e| e.is_accepted()) {
            for site in &e.ref_sites {
                for edge in Edge::pair(&e.key, site.relation.clone(), &site.target) {
                    by_source.entry(edge.source).or_default().insert(Relation {
                        kind: edge.kind,
                        target: edge.target.into(),
                    });
                }
            }
        }
        for e in self.entities.iter_mut() {
            let computed = by_source.remove(&e.key).unwrap_or_default();
            e.relations = if !e.is_accepted() {
                Vec::new()
            } else if e.relations_given {
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
        let found: Vec<Diagnostic> = self
            .entities
            .par_iter()
            .filter(|e| e.is_accepted())
            .flat_map_iter(|e| {
                let by_name = &by_name;
                e.ref_sites.iter().filter_map(move |site| {
                    let target = &site.target;
                    let message = match self.get(target) {
                        Some(t) if t.is_accepted() => return None,
                        Some(_) => format!(
                            "spec.{} \"{}\" refers to {target}, which Backstage rejects (see its errors)",
                            site.field, site.written
                        ),
                        None => {
                            let near: Vec<&str> = by_name
                                .get(site.target_name())
                                .map(|v| v.iter().copied().filter(|k| *k != target.as_str()).collect())
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
                    Some(Diagnostic::new(
                        Severity::Warning,
                        &*e.origin.file,
                        site.pos,
                        Some(e.key.clone()),
                        message,
                    ))
                })
            })
            .collect();
        diagnostics.extend(found);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{LoadOptions, Source, demo, files::FileSource};

    fn entities_of(source: &dyn Source) -> Vec<Entity> {
        let options = LoadOptions {
            online: false,
            ..LoadOptions::default()
        };
        source.load(&options).entities
    }

    /// A catalogue big enough for rayon to split: components depending on each other, on
    /// missing things, and duplicates.
    fn generated(n: usize) -> Vec<Entity> {
        let dir = tempfile::tempdir().unwrap();
        let mut yaml = String::from(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n  children: []\n",
        );
        for i in 0..n {
            yaml.push_str(&format!(
                "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n  dependsOn: [component:c{}, component:c{}, resource:missing-{}]\n",
                i % (n - 7),
                (i * 7) % n,
                (i * 13 + 1) % n,
                i % 5
            ));
        }
        std::fs::write(dir.path().join("catalog-info.yaml"), yaml).unwrap();
        entities_of(&FileSource::disk(&[dir.path().to_path_buf()]).unwrap())
    }

    /// Some entities came with relations of their own (as from a remote portal), repeated and
    /// of unknown types, to exercise the merge.
    fn with_given(mut entities: Vec<Entity>) -> Vec<Entity> {
        for (i, e) in entities.iter_mut().enumerate().filter(|(i, _)| i % 3 == 0) {
            e.relations_given = true;
            e.relations = vec![
                Relation {
                    kind: RelationType::Other("zzCustom".into()),
                    target: format!("component:default/x{i}").into(),
                },
                Relation {
                    kind: RelationType::OwnedBy,
                    target: "group:default/team".into(),
                },
                Relation {
                    kind: RelationType::OwnedBy,
                    target: "group:default/team".into(),
                },
                Relation {
                    kind: RelationType::Other("apiProvidedBy2".into()),
                    target: "a".into(),
                },
            ];
        }
        entities
    }

    fn assert_same_as_sequential(entities: Vec<Entity>) {
        let parallel = Catalog::assemble(entities.clone(), Vec::new(), Relations::Compute);
        let mut sequential = Catalog::assemble(entities, Vec::new(), Relations::Given);
        sequential.compute_relations_sequential();
        assert_eq!(parallel.len(), sequential.len());
        let mut with_relations = 0;
        for (p, s) in parallel.entities().iter().zip(sequential.entities()) {
            assert_eq!(p.key, s.key);
            assert_eq!(p.relations, s.relations, "{}", p.key);
            with_relations += usize::from(!p.relations.is_empty());
        }
        assert!(with_relations > 0);
    }

    #[test]
    fn parallel_relations_are_the_sequential_ones_on_the_demo() {
        assert_same_as_sequential(entities_of(&demo::source()));
        assert_same_as_sequential(with_given(entities_of(&demo::source())));
    }

    #[test]
    fn parallel_relations_are_the_sequential_ones_on_the_fixtures() {
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        let source = FileSource::disk(&[fixtures.join("backstage-examples/root.yaml")]).unwrap();
        let entities = entities_of(&source);
        assert!(entities.len() > 20, "{}", entities.len());
        assert_same_as_sequential(entities.clone());
        assert_same_as_sequential(with_given(entities));
    }

    #[test]
    fn parallel_relations_are_the_sequential_ones_on_a_large_catalogue() {
        let entities = generated(5_000);
        assert!(entities.len() > 5_000);
        assert_same_as_sequential(entities.clone());
        assert_same_as_sequential(with_given(entities));
    }

    #[test]
    fn relations_to_one_entity_share_its_key() {
        let catalog = Catalog::assemble(generated(200), Vec::new(), Relations::Compute);
        let to_team: Vec<&Relation> = catalog
            .entities()
            .iter()
            .flat_map(|e| &e.relations)
            .filter(|r| &*r.target == "group:default/team")
            .collect();
        assert!(to_team.len() >= 100, "{}", to_team.len());
        assert!(
            to_team
                .windows(2)
                .all(|w| Arc::ptr_eq(&w[0].target, &w[1].target))
        );
        // A reference to nothing keeps its target as written (canonical), unshared.
        let missing = catalog
            .entities()
            .iter()
            .flat_map(|e| &e.relations)
            .find(|r| r.target.starts_with("resource:default/missing-"))
            .unwrap();
        assert_eq!(&*missing.target, "resource:default/missing-0");
    }

    #[test]
    fn a_sites_target_name_is_the_part_after_the_namespace() {
        let site = RefSite {
            field: "owner",
            relation: RelationType::OwnedBy,
            written: "Team-A".into(),
            target: "group:default/team-a".into(),
            pos: crate::yaml::Pos::START,
        };
        assert_eq!(site.target_name(), "team-a");
    }

    #[test]
    fn dangling_ref_warnings_come_in_catalogue_order() {
        let catalog = Catalog::assemble(generated(5_000), Vec::new(), Relations::Compute);
        let warnings = catalog.dangling_ref_warnings();
        // Each fifth-missing resource, for each component.
        assert!(warnings.len() >= 5_000, "{}", warnings.len());
        let place = |d: &Diagnostic| (d.line, d.column);
        assert!(warnings.windows(2).all(|w| place(&w[0]) <= place(&w[1])));
        assert!(warnings[0].message.contains("resource:default/missing-0"));
        // The catalogue's own diagnostics hold the same warnings, plus the duplicates' errors.
        let from_assembly: Vec<&Diagnostic> = catalog
            .diagnostics()
            .iter()
            .filter(|d| !d.is_error())
            .collect();
        assert_eq!(from_assembly.len(), warnings.len());
        assert!(catalog.error_count() >= 7);
    }
}
