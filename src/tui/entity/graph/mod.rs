//! The Relations tab's graph mode: which graph to draw (direction, depth, kind and relation
//! presets), which box is selected, and how the keys move through it. The layout itself is the
//! core's (`graph::build`); drawing is `view`. No terminal here.

pub mod view;

use crate::catalog::{Catalog, RelationType};
use crate::graph::{self, Graph, GraphQuery};

/// Kinds left out, by preset: `K` cycles them.
pub const KIND_PRESETS: &[(&str, &[&str])] = &[
    ("all kinds", &[]),
    ("no people", &["user", "group"]),
    (
        "software only",
        &["user", "group", "domain", "location", "template"],
    ),
];

/// Relations drawn, by preset: `T` cycles them.
pub fn relation_preset(i: usize) -> (&'static str, Option<Vec<RelationType>>) {
    use RelationType::*;
    match i % 5 {
        0 => ("all relations", None),
        1 => ("dependencies", Some(vec![DependsOn])),
        2 => ("APIs", Some(vec![ProvidesApi, ConsumesApi])),
        3 => ("ownership", Some(vec![OwnedBy])),
        _ => ("structure", Some(vec![PartOf, ChildOf, MemberOf])),
    }
}

pub const RELATION_PRESETS: usize = 5;

/// The deepest the graph goes (each step is a column).
pub const MAX_DEPTH: usize = 6;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphView {
    /// The Relations tab shows the graph instead of the tree.
    pub on: bool,
    pub direction: graph::Direction,
    pub depth: usize,
    pub kinds: usize,
    pub relations: usize,
    /// The selected box, as the entity's ref (kept across re-layouts).
    pub selected: Option<String>,
}

impl Default for GraphView {
    fn default() -> Self {
        GraphView {
            on: false,
            direction: graph::Direction::Both,
            depth: 1,
            kinds: 0,
            relations: 0,
            selected: None,
        }
    }
}

impl GraphView {
    pub fn query(&self) -> GraphQuery {
        GraphQuery {
            direction: self.direction,
            depth: self.depth,
            hide_kinds: KIND_PRESETS[self.kinds % KIND_PRESETS.len()]
                .1
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
            relations: relation_preset(self.relations).1,
        }
    }

    /// The graph around `root` as this view asks.
    pub fn graph(&self, catalog: &Catalog, root: &str) -> Graph {
        graph::build(catalog, root, &self.query())
    }

    /// One line saying what is drawn and the keys that change it.
    pub fn describe(&self) -> String {
        format!(
            "{} · depth {} · {} · {}",
            self.direction.label(),
            self.depth,
            KIND_PRESETS[self.kinds % KIND_PRESETS.len()].0,
            relation_preset(self.relations).0
        )
    }

    /// The selected node's index in `g` (the entity itself when none or gone).
    pub fn selected_node(&self, g: &Graph) -> usize {
        self.selected
            .as_ref()
            .and_then(|k| g.nodes.iter().position(|n| &n.key == k))
            .unwrap_or(0)
    }

    /// Moves the selection: `dy` within the column, `dx` to the next column (nearest row).
    pub fn step(&mut self, g: &Graph, dx: isize, dy: isize) {
        let Some((c, r)) = g.place(self.selected_node(g)) else {
            return;
        };
        let (c2, r2) = if dx != 0 {
            let c2 = (c as isize + dx).clamp(0, g.columns.len() as isize - 1) as usize;
            if g.columns[c2].is_empty() {
                return;
            }
            // The row nearest in height: columns are drawn top-aligned.
            (c2, r.min(g.columns[c2].len() - 1))
        } else {
            let len = g.columns[c].len() as isize;
            (c, (r as isize + dy).clamp(0, len - 1) as usize)
        };
        self.selected = Some(g.nodes[g.columns[c2][r2]].key.clone());
    }
}
