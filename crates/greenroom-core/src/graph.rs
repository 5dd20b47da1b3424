//! The catalog graph around one entity, laid out in layers: what it points at (its owner, its
//! system, what it depends on, the APIs it provides and consumes) to the right, what points at
//! it (its parts, members, dependents, what it owns) to the left, each step further out one
//! more column, up to a depth. Pure data: the portal draws the boxes and edges; tests check the
//! layout here.
//!
//! Each well-known relation is stored on both entities (`dependsOn` and `dependencyOf`); the
//! graph draws one edge per pair, in its "forward" direction (`A dependsOn B`, `A partOf B`,
//! `A ownedBy B`), so every arrow points right.

use crate::catalog::{Catalog, RelationType};
use crate::limits;
use std::collections::HashMap;

/// Which way to follow relations from the entity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// What it points at and what points at it.
    #[default]
    Both,
    /// What it points at only (columns to the right).
    Outgoing,
    /// What points at it only (columns to the left).
    Incoming,
}

impl Direction {
    pub fn next(self) -> Direction {
        match self {
            Direction::Both => Direction::Outgoing,
            Direction::Outgoing => Direction::Incoming,
            Direction::Incoming => Direction::Both,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Direction::Both => "both ways",
            Direction::Outgoing => "outgoing",
            Direction::Incoming => "incoming",
        }
    }
}

/// What to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphQuery {
    pub direction: Direction,
    /// Steps out from the entity (at least 1).
    pub depth: usize,
    /// Kinds left out (lower-case); the entity itself always shows.
    pub hide_kinds: Vec<String>,
    /// Only these relations (forward names), or all when None.
    pub relations: Option<Vec<RelationType>>,
}

impl Default for GraphQuery {
    fn default() -> Self {
        GraphQuery {
            direction: Direction::Both,
            depth: 1,
            hide_kinds: Vec::new(),
            relations: None,
        }
    }
}

/// The forward relation of a pair, and whether `kind` is already forward.
pub fn forward(kind: &RelationType) -> (RelationType, bool) {
    use RelationType::*;
    match kind {
        OwnerOf | ApiProvidedBy | ApiConsumedBy | DependencyOf | ParentOf | HasMember | HasPart => {
            (kind.reverse().expect("well-known"), false)
        }
        other => (other.clone(), true),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphNode {
    pub key: String,
    /// 0 the entity; +n n steps out along forward relations; -n n steps back.
    pub layer: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphEdge {
    pub from: usize,
    pub to: usize,
    pub relation: RelationType,
}

/// The laid-out graph: nodes, edges (between adjacent columns only), and the columns left to
/// right, each in its drawing order top to bottom.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    pub columns: Vec<Vec<usize>>,
    /// Entities left out because the graph reached [`limits::GRAPH_NODES`].
    pub cut: usize,
}

impl Graph {
    /// Where a node is: (column, row within the column).
    pub fn place(&self, node: usize) -> Option<(usize, usize)> {
        self.columns
            .iter()
            .enumerate()
            .find_map(|(c, col)| col.iter().position(|n| *n == node).map(|r| (c, r)))
    }
}

/// The graph around `root` (a canonical ref) as `q` asks.
pub fn build(catalog: &Catalog, root: &str, q: &GraphQuery) -> Graph {
    let mut g = Graph::default();
    let Some(root_entity) = catalog.get(root) else {
        return g;
    };
    let allowed = |rel: &RelationType| q.relations.as_ref().is_none_or(|r| r.contains(rel));
    let shown = |key: &str| {
        catalog
            .get(key)
            .is_none_or(|e| !q.hide_kinds.contains(&e.kind().to_lowercase()))
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    g.nodes.push(GraphNode {
        key: root_entity.key.clone(),
        layer: 0,
    });
    index.insert(root_entity.key.clone(), 0);
    let depth = q.depth.max(1) as i32;
    // Breadth first, one direction at a time; outgoing first so a node reachable both ways
    // sits on the right.
    let mut dirs = Vec::new();
    if q.direction != Direction::Incoming {
        dirs.push(1);
    }
    if q.direction != Direction::Outgoing {
        dirs.push(-1);
    }
    for sign in dirs {
        let mut frontier = vec![0usize];
        for step in 1..=depth {
            let mut next = Vec::new();
            for &n in &frontier {
                let Some(e) = catalog.get(&g.nodes[n].key) else {
                    continue;
                };
                for r in &e.relations {
                    let (rel, is_forward) = forward(&r.kind);
                    if is_forward != (sign > 0) || !allowed(&rel) || !shown(&r.target) {
                        continue;
                    }
                    if index.contains_key(&*r.target) {
                        continue;
                    }
                    if g.nodes.len() >= limits::GRAPH_NODES {
                        g.cut += 1;
                        continue;
                    }
                    index.insert(r.target.to_string(), g.nodes.len());
                    next.push(g.nodes.len());
                    g.nodes.push(GraphNode {
                        key: r.target.to_string(),
                        layer: sign * step,
                    });
                }
            }
            frontier = next;
        }
    }
    // Edges between adjacent columns, each pair once, pointing right.
    let mut seen = std::collections::HashSet::new();
    for (i, n) in g.nodes.iter().enumerate() {
        let Some(e) = catalog.get(&n.key) else {
            continue;
        };
        for r in &e.relations {
            let Some(&j) = index.get(&*r.target) else {
                continue;
            };
            let (rel, is_forward) = forward(&r.kind);
            if !allowed(&rel) {
                continue;
            }
            let (from, to) = if is_forward { (i, j) } else { (j, i) };
            if g.nodes[to].layer - g.nodes[from].layer != 1 {
                continue;
            }
            if seen.insert((from, to, rel.as_str().to_owned())) {
                g.edges.push(GraphEdge {
                    from,
                    to,
                    relation: rel,
                });
            }
        }
    }
    // Columns, ordered: next to the entity by relation then name; further out by the mean
    // row of their neighbours in the column nearer the entity (fewer crossings), then name.
    let min = g.nodes.iter().map(|n| n.layer).min().unwrap_or(0);
    let max = g.nodes.iter().map(|n| n.layer).max().unwrap_or(0);
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); (max - min + 1) as usize];
    for (i, n) in g.nodes.iter().enumerate() {
        columns[(n.layer - min) as usize].push(i);
    }
    let root_col = (-min) as usize;
    let name = |i: usize| g.nodes[i].key.clone();
    let order_from = |columns: &mut Vec<Vec<usize>>, col: usize, inner: usize| {
        let pos: HashMap<usize, usize> = columns[inner]
            .iter()
            .enumerate()
            .map(|(r, n)| (*n, r))
            .collect();
        let mut keyed: Vec<(f64, String, String, usize)> = columns[col]
            .iter()
            .map(|&n| {
                let rows: Vec<usize> = g
                    .edges
                    .iter()
                    .filter_map(|e| {
                        let other = if e.from == n {
                            e.to
                        } else if e.to == n {
                            e.from
                        } else {
                            return None;
                        };
                        pos.get(&other).copied()
                    })
                    .collect();
                let rel = g
                    .edges
                    .iter()
                    .find(|e| e.from == n || e.to == n)
                    .map(|e| e.relation.as_str().to_owned())
                    .unwrap_or_default();
                let mean = if rows.is_empty() {
                    f64::MAX
                } else {
                    rows.iter().sum::<usize>() as f64 / rows.len() as f64
                };
                (mean, rel, name(n), n)
            })
            .collect();
        keyed.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| a.1.cmp(&b.1))
                .then_with(|| a.2.cmp(&b.2))
        });
        columns[col] = keyed.into_iter().map(|k| k.3).collect();
    };
    for col in (root_col + 1)..columns.len() {
        order_from(&mut columns, col, col - 1);
    }
    for col in (0..root_col).rev() {
        order_from(&mut columns, col, col + 1);
    }
    g.columns = columns;
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{self, LoadOptions, Source, files::FileSource};

    fn catalog(text: &str) -> (Catalog, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("catalog-info.yaml"), text).unwrap();
        let s: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
        (sources::load(&[s], &LoadOptions::default()), dir)
    }

    fn shop(parts: usize) -> String {
        let mut t = String::from(
            "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: shop}\nspec: {owner: team, domain: commerce}\n---\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata: {name: commerce}\nspec: {owner: team}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team}\nspec: {type: team, children: []}\n",
        );
        for i in 0..parts {
            let dep = if i > 0 {
                format!(", dependsOn: [component:part-{}]", i - 1)
            } else {
                String::new()
            };
            t.push_str(&format!(
                "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: part-{i}}}\nspec: {{type: service, lifecycle: production, owner: team, system: shop{dep}}}\n"
            ));
        }
        t
    }

    fn column_keys(c: &Catalog, g: &Graph) -> Vec<Vec<String>> {
        let _ = c;
        g.columns
            .iter()
            .map(|col| col.iter().map(|n| g.nodes[*n].key.clone()).collect())
            .collect()
    }

    #[test]
    fn a_system_has_its_parts_left_and_its_owner_and_domain_right() {
        let (c, _d) = catalog(&shop(3));
        let g = build(&c, "system:default/shop", &GraphQuery::default());
        assert_eq!(
            column_keys(&c, &g),
            [
                vec![
                    "component:default/part-0",
                    "component:default/part-1",
                    "component:default/part-2"
                ],
                vec!["system:default/shop"],
                // By relation (ownedBy before partOf), then name.
                vec!["group:default/team", "domain:default/commerce"],
            ]
        );
        // Every edge points right, labelled by its forward relation.
        let labels: Vec<(String, String, &str)> = g
            .edges
            .iter()
            .map(|e| {
                (
                    g.nodes[e.from].key.clone(),
                    g.nodes[e.to].key.clone(),
                    e.relation.as_str(),
                )
            })
            .collect();
        assert!(labels.contains(&(
            "component:default/part-1".into(),
            "system:default/shop".into(),
            "partOf"
        )));
        assert!(labels.contains(&(
            "system:default/shop".into(),
            "group:default/team".into(),
            "ownedBy"
        )));
        for e in &g.edges {
            assert_eq!(g.nodes[e.to].layer - g.nodes[e.from].layer, 1);
        }
    }

    #[test]
    fn direction_depth_and_filters() {
        let (c, _d) = catalog(&shop(3));
        let q = GraphQuery {
            direction: Direction::Outgoing,
            depth: 2,
            ..GraphQuery::default()
        };
        let g = build(&c, "component:default/part-2", &q);
        let cols = column_keys(&c, &g);
        assert_eq!(cols[0], ["component:default/part-2"]);
        assert!(cols[1].contains(&"component:default/part-1".to_owned()));
        assert!(cols[1].contains(&"system:default/shop".to_owned()));
        assert!(
            cols[2].contains(&"component:default/part-0".to_owned()),
            "{cols:?}"
        );
        assert!(
            cols[2].contains(&"domain:default/commerce".to_owned()),
            "{cols:?}"
        );
        let q = GraphQuery {
            direction: Direction::Outgoing,
            depth: 2,
            relations: Some(vec![RelationType::DependsOn]),
            ..GraphQuery::default()
        };
        let g = build(&c, "component:default/part-2", &q);
        assert_eq!(
            column_keys(&c, &g),
            [
                vec!["component:default/part-2"],
                vec!["component:default/part-1"],
                vec!["component:default/part-0"]
            ]
        );
        let q = GraphQuery {
            hide_kinds: vec!["group".into(), "domain".into()],
            ..GraphQuery::default()
        };
        let g = build(&c, "system:default/shop", &q);
        assert_eq!(g.columns.len(), 2, "{:?}", column_keys(&c, &g));
        let g = build(
            &c,
            "system:default/shop",
            &GraphQuery {
                direction: Direction::Incoming,
                ..GraphQuery::default()
            },
        );
        assert_eq!(g.columns.last().unwrap(), &vec![0]);
    }

    #[test]
    fn fifty_parts_and_a_group_stay_bounded_and_ordered() {
        let (c, _d) = catalog(&shop(50));
        let g = build(&c, "system:default/shop", &GraphQuery::default());
        assert_eq!(g.columns[0].len(), 50);
        let names: Vec<&str> = g.columns[0]
            .iter()
            .map(|n| g.nodes[*n].key.as_str())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "same relation: by name");
        // The team owns the system and every part: 51 to its left.
        let g = build(&c, "group:default/team", &GraphQuery::default());
        assert_eq!(g.columns[0].len(), 52, "{:?}", g.columns);
        assert_eq!(g.place(0), Some((1, 0)));
    }
}
