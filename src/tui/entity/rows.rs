//! What the entity tabs and the problems pane show, as rows: text in styled pieces, and
//! optionally an entity to open, a link, or a tree node to expand. Handling keys and drawing
//! both read these rows, so what is selected is always what is shown. No terminal here.

use crate::catalog::{Catalog, Entity, RelationType, Severity};
use crate::text::{sanitize_block, sanitize_line};
use crate::tui::theme::Role;
use std::collections::{BTreeMap, HashSet};

/// A piece of a row with the theme role that styles it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub role: Role,
}

fn piece(text: impl Into<String>, role: Role) -> Piece {
    Piece {
        text: text.into(),
        role,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub depth: u16,
    pub pieces: Vec<Piece>,
    /// Enter opens this entity.
    pub target: Option<String>,
    /// An http(s) link that can be opened or copied.
    pub link: Option<String>,
    /// A tree node that can expand: its id and whether it is open.
    pub node: Option<(String, bool)>,
    /// What the copy action puts on the clipboard for this row (an API operation's `curl`
    /// line, a path in a definition).
    pub copy: Option<String>,
    /// The line of the entity's text (its definition) this row shows.
    pub line: Option<u32>,
    /// Enter fills in this Port action's form (its identifier), on the entity.
    pub action: Option<String>,
}

impl Row {
    pub(crate) fn text(pieces: Vec<Piece>) -> Row {
        Row {
            pieces,
            ..Row::default()
        }
    }

    fn blank() -> Row {
        Row::default()
    }

    fn heading(title: &str) -> Row {
        Row::text(vec![piece(title, Role::Title)])
    }

    /// Whether the cursor stops on this row.
    pub fn selectable(&self) -> bool {
        self.target.is_some()
            || self.link.is_some()
            || self.node.is_some()
            || self.copy.is_some()
            || self.action.is_some()
    }

    pub fn plain_text(&self) -> String {
        self.pieces.iter().map(|p| p.text.as_str()).collect()
    }
}

/// The tabs of the entity screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Relations,
    Ownership,
    Definition,
    /// Live status: CI, deploys, health, metrics, alerts, incidents, on call.
    Status,
    /// TechDocs, for entities that have them.
    Docs,
    /// Scorecards: levels, failing rules and their fix; for a Group, its roll-up.
    Scorecards,
    /// Port's DAY-2 and DELETE actions on an entity read from Port; Enter fills one's form.
    Actions,
}

impl Tab {
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Relations => "Relations",
            Tab::Ownership => "Ownership",
            Tab::Definition => "Definition",
            Tab::Status => "Status",
            Tab::Docs => "Docs",
            Tab::Scorecards => "Scorecards",
            Tab::Actions => "Actions",
        }
    }

    /// The tab's number, as its key in the default keymap (a tab an entity lacks leaves a
    /// gap rather than renumbering the rest).
    pub fn number(self) -> usize {
        match self {
            Tab::Overview => 1,
            Tab::Relations => 2,
            Tab::Ownership => 3,
            Tab::Definition => 4,
            Tab::Status => 5,
            Tab::Docs => 6,
            Tab::Scorecards => 7,
            Tab::Actions => 8,
        }
    }

    /// The tabs an entity has (Definition only for APIs; Status for all, saying what
    /// annotations would fill it when none do).
    pub fn for_entity(e: &Entity) -> Vec<Tab> {
        let mut tabs = vec![Tab::Overview, Tab::Relations, Tab::Ownership];
        if e.is_kind("API") {
            tabs.push(Tab::Definition);
        }
        tabs.push(Tab::Status);
        if crate::techdocs::has_docs(e) {
            tabs.push(Tab::Docs);
        }
        tabs.push(Tab::Scorecards);
        if crate::sources::port::actions::port_identity(e).is_some() {
            tabs.push(Tab::Actions);
        }
        tabs
    }
}

/// `group:default/team-a` → `team-a (Team A)` when the catalogue knows it.
fn entity_label(catalog: &Catalog, key: &str) -> Vec<Piece> {
    match catalog.get(key) {
        Some(e) => {
            let mut p = vec![
                piece(format!("{:<10} ", sanitize_line(e.kind())), Role::Muted),
                piece(
                    sanitize_line(&e.entity_ref.short(Some(e.kind()))),
                    Role::Accent,
                ),
            ];
            if e.display_name() != e.name() {
                p.push(piece(
                    format!("  {}", sanitize_line(e.display_name())),
                    Role::Text,
                ));
            }
            if !e.is_accepted() {
                p.push(piece("  ✖ rejected", Role::Error));
            }
            p
        }
        None => vec![
            piece(sanitize_line(key).into_owned(), Role::Accent),
            piece("  ⚠ not in the catalogue", Role::Warn),
        ],
    }
}

fn entity_row(catalog: &Catalog, key: &str, depth: u16) -> Row {
    Row {
        depth,
        pieces: entity_label(catalog, key),
        target: Some(key.to_owned()),
        ..Row::default()
    }
}

fn field_row(label: &str, value: Vec<Piece>) -> Row {
    let mut pieces = vec![piece(format!("{label:<11} "), Role::Muted)];
    pieces.extend(value);
    Row::text(pieces)
}

/// The owner's ref, from the ownedBy relation (or read from the spec for rejected entities,
/// which have no relations).
pub fn owner_of(e: &Entity) -> Option<String> {
    e.related(&RelationType::OwnedBy)
        .next()
        .map(str::to_owned)
        .or_else(|| {
            let ctx = crate::catalog::RefContext {
                default_kind: Some("Group"),
                default_namespace: Some(e.namespace()),
            };
            crate::catalog::parse_ref(e.owner()?, ctx)
                .ok()
                .map(|r| r.canonical())
        })
}

/// Spec values as `key = text` lines: nested maps one level down as `key.sub`, string lists
/// joined.
fn spec_lines(key: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>, depth: usize) {
    use serde_json::Value;
    match value {
        Value::String(s) => out.push((key.to_owned(), s.clone())),
        Value::Array(items) if items.iter().all(Value::is_string) => out.push((
            key.to_owned(),
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        )),
        Value::Object(map) if depth == 0 && !map.is_empty() => {
            for (k, v) in map {
                spec_lines(&format!("{key}.{k}"), v, out, depth + 1);
            }
        }
        other => out.push((key.to_owned(), other.to_string())),
    }
}

/// A `key = value` row of the Overview (a label or an annotation): a link when the value is
/// one, and always something to copy and to show whole.
fn key_value_row(k: &str, v: &str, copy: String) -> Row {
    let link = crate::tui::opener::safe_url(v);
    let role = if link.is_some() {
        Role::Link
    } else {
        Role::Text
    };
    Row {
        link,
        copy: Some(copy),
        ..Row::text(vec![
            piece(format!("  {}", sanitize_line(k)), Role::Muted),
            piece(" = ", Role::Muted),
            piece(sanitize_line(v).into_owned(), role),
        ])
    }
}

/// Groups that own an entity, the owner first, then up through parents to the root.
pub fn owner_chain(catalog: &Catalog, e: &Entity) -> Vec<String> {
    let mut chain = Vec::new();
    let mut next = owner_of(e);
    while let Some(key) = next {
        if chain.contains(&key) {
            break;
        }
        next = catalog
            .get(&key)
            .and_then(|g| g.related(&RelationType::ChildOf).next().map(str::to_owned));
        chain.push(key);
    }
    chain
}

/// Sub-groups of a group, depth first, with their depth.
pub fn subgroups(catalog: &Catalog, group: &str) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    let mut seen = HashSet::from([group.to_owned()]);
    fn walk(
        catalog: &Catalog,
        key: &str,
        depth: u16,
        seen: &mut HashSet<String>,
        out: &mut Vec<(String, u16)>,
    ) {
        let Some(g) = catalog.get(key) else { return };
        for child in g.related(&RelationType::ParentOf) {
            if seen.insert(child.to_owned()) {
                out.push((child.to_owned(), depth));
                walk(catalog, child, depth + 1, seen, out);
            }
        }
    }
    walk(catalog, group, 0, &mut seen, &mut out);
    out
}

/// What a group or user owns; with `transitive`, also what its sub-groups own (groups only).
pub fn owned(catalog: &Catalog, owner: &str, transitive: bool) -> Vec<(String, String)> {
    let mut owners = vec![owner.to_owned()];
    if transitive {
        owners.extend(subgroups(catalog, owner).into_iter().map(|(k, _)| k));
    }
    let mut out = Vec::new();
    for o in &owners {
        if let Some(e) = catalog.get(o) {
            out.extend(
                e.related(&RelationType::OwnerOf)
                    .map(|t| (t.to_owned(), o.clone())),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Overview: the entity's metadata, spec, links, annotations and relations grouped by type.
pub fn overview(catalog: &Catalog, e: &Entity) -> Vec<Row> {
    let mut rows = Vec::new();
    if !e.is_accepted() {
        rows.push(Row::text(vec![piece(
            "✖ Backstage would reject this entity; see Problems below",
            Role::Error,
        )]));
        rows.push(Row::blank());
    }
    if let Some(d) = e.description() {
        for line in sanitize_block(d).lines() {
            rows.push(Row::text(vec![piece(line.to_owned(), Role::Text)]));
        }
        rows.push(Row::blank());
    }
    if let Some(owner) = owner_of(e) {
        rows.push(Row {
            target: Some(owner.clone()),
            ..field_row("owner", entity_label(catalog, &owner))
        });
    } else if let Some(o) = e.owner() {
        rows.push(field_row(
            "owner",
            vec![piece(sanitize_line(o).into_owned(), Role::Text)],
        ));
    }
    for (label, value) in [("type", e.spec_type()), ("lifecycle", e.lifecycle())] {
        if let Some(v) = value {
            rows.push(field_row(
                label,
                vec![piece(sanitize_line(v).into_owned(), Role::Text)],
            ));
        }
    }
    for part_of in e.related(&RelationType::PartOf) {
        rows.push(Row {
            target: Some(part_of.to_owned()),
            ..field_row("part of", entity_label(catalog, part_of))
        });
    }
    let tags: Vec<String> = e.tags().map(|t| sanitize_line(t).into_owned()).collect();
    if !tags.is_empty() {
        rows.push(field_row(
            "tags",
            vec![piece(tags.join(", "), Role::Accent)],
        ));
    }
    rows.push(field_row(
        "ref",
        vec![piece(sanitize_line(&e.key).into_owned(), Role::Text)],
    ));
    let labels: Vec<(&str, &str)> = e.labels().collect();
    if !labels.is_empty() {
        rows.push(Row::blank());
        rows.push(Row::heading("Labels"));
        for (k, v) in labels {
            rows.push(key_value_row(k, v, v.to_owned()));
        }
    }
    let links: Vec<(&str, Option<&str>)> = e.links().collect();
    if !links.is_empty() {
        rows.push(Row::blank());
        rows.push(Row::heading("Links"));
        for (url, title) in links {
            let shown = sanitize_line(url).into_owned();
            let mut pieces = vec![piece("  ", Role::Text)];
            if let Some(t) = title {
                pieces.push(piece(format!("{}  ", sanitize_line(t)), Role::Text));
            }
            pieces.push(piece(shown, Role::Link));
            rows.push(Row {
                link: crate::tui::opener::safe_url(url),
                ..Row::text(pieces)
            });
        }
    }
    let mut by_type: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &e.relations {
        by_type.entry(r.kind.label()).or_default().push(&r.target);
    }
    if !by_type.is_empty() {
        rows.push(Row::blank());
        rows.push(Row::heading("Relations"));
        for (label, targets) in by_type {
            rows.push(Row::text(vec![piece(format!("  {label}"), Role::Muted)]));
            for t in targets {
                rows.push(entity_row(catalog, t, 2));
            }
        }
    }
    if let Some(spec) = e.spec() {
        let skip = ["type", "lifecycle", "owner", "definition"];
        let rest: Vec<_> = spec
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .collect();
        if !rest.is_empty() {
            rows.push(Row::blank());
            rows.push(Row::heading("Spec"));
            let mut lines = Vec::new();
            for (k, v) in rest {
                spec_lines(k, v, &mut lines, 0);
            }
            for (k, value) in lines {
                rows.push(Row {
                    copy: Some(value.clone()),
                    ..field_row(
                        &format!("  {}", sanitize_line(&k)),
                        vec![piece(sanitize_line(&value).into_owned(), Role::Text)],
                    )
                });
            }
        }
    }
    // Labels and annotations: every one a row the cursor stops on, so all are reachable;
    // Enter shows a long value whole, copy takes the value.
    let annotations: Vec<(&str, &str)> = e
        .annotations()
        .filter(|(k, _)| !k.starts_with("backstage.io/managed-by"))
        .collect();
    if !annotations.is_empty() {
        rows.push(Row::blank());
        rows.push(Row::heading("Annotations"));
        for (k, v) in annotations {
            rows.push(key_value_row(k, v, v.to_owned()));
        }
    }
    let problems: Vec<_> = catalog.diagnostics_for(&e.key).collect();
    if !problems.is_empty() {
        rows.push(Row::blank());
        rows.push(Row::heading("Problems"));
        for d in problems {
            let (mark, role) = match d.severity {
                Severity::Error => ("✖ error", Role::Error),
                Severity::Warning => ("⚠ warning", Role::Warn),
            };
            rows.push(Row::text(vec![
                piece(format!("  {mark} "), role),
                piece(
                    format!("{}:{} ", sanitize_line(&d.file), d.line),
                    Role::Muted,
                ),
                piece(sanitize_line(&d.message).into_owned(), Role::Text),
            ]));
        }
    }
    rows.push(Row::blank());
    rows.push(Row::text(vec![
        piece("defined in  ", Role::Muted),
        piece(sanitize_line(&e.origin.place()).into_owned(), Role::Muted),
    ]));
    rows
}

/// The relation groups a tree node shows, in reading order.
const TREE_GROUPS: &[(RelationType, &str)] = &[
    (RelationType::DependsOn, "depends on"),
    (RelationType::DependencyOf, "depended on by"),
    (RelationType::ProvidesApi, "provides APIs"),
    (RelationType::ConsumesApi, "consumes APIs"),
    (RelationType::ApiProvidedBy, "provided by"),
    (RelationType::ApiConsumedBy, "consumed by"),
    (RelationType::HasPart, "has parts"),
    (RelationType::PartOf, "part of"),
];

/// Relations: an expandable tree. Each entity node opens into its relation groups; a node
/// already on the path is not expanded again.
pub fn relations_tree(catalog: &Catalog, root: &Entity, expanded: &HashSet<String>) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut path = vec![root.key.clone()];
    tree_groups(catalog, root, "", 0, expanded, &mut path, &mut rows, true);
    if rows.is_empty() {
        rows.push(Row::text(vec![piece(
            "No dependencies, APIs or parts recorded for this entity.",
            Role::Muted,
        )]));
    }
    rows
}

#[allow(clippy::too_many_arguments)]
fn tree_groups(
    catalog: &Catalog,
    e: &Entity,
    id: &str,
    depth: u16,
    expanded: &HashSet<String>,
    path: &mut Vec<String>,
    rows: &mut Vec<Row>,
    top: bool,
) {
    for (kind, label) in TREE_GROUPS {
        let targets: Vec<&str> = e.related(kind).collect();
        if targets.is_empty() {
            continue;
        }
        let group_id = format!("{id}/{}", kind.as_str());
        // The root's groups start open; deeper ones start closed.
        let open = expanded.contains(&group_id) != top;
        rows.push(Row {
            depth,
            pieces: vec![piece(format!("{label} ({})", targets.len()), Role::Title)],
            node: Some((group_id.clone(), open)),
            ..Row::default()
        });
        if !open {
            continue;
        }
        for t in targets {
            let node_id = format!("{group_id}/{t}");
            let cycle = path.iter().any(|p| p == t);
            let child = catalog.get(t);
            let has_children = !cycle
                && child.is_some_and(|c| {
                    TREE_GROUPS
                        .iter()
                        .any(|(k, _)| c.related(k).next().is_some())
                });
            let open = has_children && expanded.contains(&node_id);
            let mut row = entity_row(catalog, t, depth + 1);
            if cycle {
                row.pieces.push(piece("  ↻ already above", Role::Muted));
            }
            if has_children {
                row.node = Some((node_id.clone(), open));
            }
            rows.push(row);
            if let (true, Some(c)) = (open, child) {
                path.push(t.to_owned());
                tree_groups(catalog, c, &node_id, depth + 2, expanded, path, rows, false);
                path.pop();
            }
        }
    }
}

/// Ownership: for a group its members, sub-group tree and what it owns; for a user their groups
/// and what they own; for anything else the owner chain and the people to ask.
pub fn ownership(catalog: &Catalog, e: &Entity, transitive: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    if e.is_kind("Group") {
        let members: Vec<&str> = e.related(&RelationType::HasMember).collect();
        rows.push(Row::heading(&format!("Members ({})", members.len())));
        for m in members {
            rows.push(entity_row(catalog, m, 1));
        }
        let subs = subgroups(catalog, &e.key);
        rows.push(Row::blank());
        rows.push(Row::heading(&format!("Sub-groups ({})", subs.len())));
        for (g, depth) in subs {
            rows.push(entity_row(catalog, &g, depth + 1));
        }
        if let Some(parent) = e.related(&RelationType::ChildOf).next() {
            rows.push(Row::blank());
            rows.push(Row {
                target: Some(parent.to_owned()),
                ..field_row("parent", entity_label(catalog, parent))
            });
        }
        owned_section(catalog, &e.key, transitive, true, &mut rows);
    } else if e.is_kind("User") {
        let groups: Vec<&str> = e.related(&RelationType::MemberOf).collect();
        rows.push(Row::heading(&format!("Member of ({})", groups.len())));
        for g in &groups {
            rows.push(entity_row(catalog, g, 1));
        }
        owned_section(catalog, &e.key, false, false, &mut rows);
        for g in groups {
            let through = owned(catalog, g, false);
            if !through.is_empty() {
                rows.push(Row::blank());
                rows.push(Row::heading(&format!(
                    "Owned through {} ({})",
                    sanitize_line(g.rsplit('/').next().unwrap_or(g)),
                    through.len()
                )));
                for (t, _) in through {
                    rows.push(entity_row(catalog, &t, 1));
                }
            }
        }
    } else {
        let chain = owner_chain(catalog, e);
        rows.push(Row::heading("Owner chain"));
        if chain.is_empty() {
            rows.push(Row::text(vec![piece("  no owner recorded", Role::Warn)]));
        }
        for (i, g) in chain.iter().enumerate() {
            rows.push(entity_row(catalog, g, i as u16 + 1));
        }
        if let Some(owner) = chain.first().and_then(|k| catalog.get(k)) {
            rows.push(Row::blank());
            if owner.is_kind("User") {
                rows.push(Row::heading("Person to ask"));
                rows.push(entity_row(catalog, &owner.key, 1));
            } else {
                let members: Vec<&str> = owner.related(&RelationType::HasMember).collect();
                rows.push(Row::heading(&format!("People to ask ({})", members.len())));
                for m in members {
                    rows.push(entity_row(catalog, m, 1));
                }
            }
        }
    }
    rows
}

fn owned_section(
    catalog: &Catalog,
    owner: &str,
    transitive: bool,
    is_group: bool,
    rows: &mut Vec<Row>,
) {
    let items = owned(catalog, owner, transitive);
    rows.push(Row::blank());
    let scope = match (is_group, transitive) {
        (false, _) => "",
        (true, true) => ", including sub-groups (t: direct only)",
        (true, false) => ", directly (t: include sub-groups)",
    };
    rows.push(Row::heading(&format!("Owns ({}{scope})", items.len())));
    let mut by_kind: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (t, via) in items {
        let kind = catalog
            .get(&t)
            .map_or_else(|| "?".to_owned(), |e| e.kind().to_owned());
        by_kind.entry(kind).or_default().push((t, via));
    }
    for (kind, list) in by_kind {
        rows.push(Row::text(vec![piece(
            format!("  {kind} ({})", list.len()),
            Role::Muted,
        )]));
        for (t, via) in list {
            let mut row = entity_row(catalog, &t, 2);
            if via != owner {
                row.pieces.push(piece(
                    format!("  via {}", via.rsplit('/').next().unwrap_or(&via)),
                    Role::Muted,
                ));
            }
            rows.push(row);
        }
    }
}

/// An API's definition, line by line.
pub fn definition(e: &Entity) -> Vec<Row> {
    match e.spec_str("definition") {
        Some(def) => sanitize_block(def)
            .lines()
            .enumerate()
            .map(|(i, l)| {
                Row::text(vec![
                    piece(format!("{:>4} ", i + 1), Role::Muted),
                    piece(l.to_owned(), Role::Text),
                ])
            })
            .collect(),
        None => vec![Row::text(vec![piece(
            "This API has no definition.",
            Role::Muted,
        )])],
    }
}

/// Problems pane: errors first, then warnings, each opening its entity.
pub fn problems(catalog: &Catalog) -> Vec<Row> {
    let mut diags: Vec<_> = catalog.diagnostics().iter().collect();
    diags.sort_by(|a, b| (a.severity, &a.file, a.line).cmp(&(b.severity, &b.file, b.line)));
    if diags.is_empty() {
        return vec![Row::text(vec![piece(
            "✔ No problems: every descriptor reads cleanly.",
            Role::Ok,
        )])];
    }
    diags
        .into_iter()
        .map(|d| {
            let (mark, role) = match d.severity {
                Severity::Error => ("✖ ", Role::Error),
                Severity::Warning => ("⚠ ", Role::Warn),
            };
            // The message first (what is wrong), then where: the file and the entity.
            let mut pieces = vec![
                piece(mark, role),
                piece(sanitize_line(&d.message).into_owned(), Role::Text),
                piece(
                    format!("{}:{}:{}", sanitize_line(&d.file), d.line, d.column),
                    Role::Muted,
                ),
            ];
            if let Some(r) = &d.entity_ref {
                pieces.push(piece(sanitize_line(r).into_owned(), Role::Accent));
            }
            Row {
                target: d.entity_ref.clone().filter(|r| catalog.get(r).is_some()),
                ..Row::text(pieces)
            }
        })
        .collect()
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

    const ORG: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: org}
spec: {type: organization, children: [team]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team, title: The Team}
spec: {type: team, parent: org, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ada}
spec: {memberOf: [team]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: svc, description: \"line one\\nline \\u001b[31mtwo\"}
spec: {type: service, lifecycle: production, owner: team, dependsOn: [component:lib], providesApis: [api]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: lib}
spec: {type: library, lifecycle: production, owner: org, dependsOn: [component:svc]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: api}
spec: {type: openapi, lifecycle: production, owner: team, definition: \"openapi: 3.0.0\\ninfo: {}\\n\"}
";

    #[test]
    fn owner_chain_and_transitive_ownership() {
        let (c, _d) = catalog(ORG);
        let svc = c.get("component:default/svc").unwrap();
        assert_eq!(
            owner_chain(&c, svc),
            ["group:default/team", "group:default/org"]
        );
        let direct: Vec<String> = owned(&c, "group:default/org", false)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(direct, ["component:default/lib"]);
        let all: Vec<String> = owned(&c, "group:default/org", true)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            all,
            [
                "api:default/api",
                "component:default/lib",
                "component:default/svc"
            ]
        );
    }

    #[test]
    fn overview_sanitises_and_links_targets() {
        let (c, _d) = catalog(ORG);
        let rows = overview(&c, c.get("component:default/svc").unwrap());
        let text: Vec<String> = rows.iter().map(Row::plain_text).collect();
        assert_eq!(text[0], "line one");
        assert_eq!(text[1], "line two", "escape sequence stripped");
        let owner = rows
            .iter()
            .find(|r| r.plain_text().starts_with("owner"))
            .unwrap();
        assert_eq!(owner.target.as_deref(), Some("group:default/team"));
        assert!(
            rows.iter()
                .any(|r| r.target.as_deref() == Some("component:default/lib"))
        );
    }

    #[test]
    fn relations_tree_expands_and_stops_at_cycles() {
        let (c, _d) = catalog(ORG);
        let svc = c.get("component:default/svc").unwrap();
        let rows = relations_tree(&c, svc, &HashSet::new());
        let labels: Vec<String> = rows.iter().map(Row::plain_text).collect();
        assert!(labels[0].starts_with("depends on (1)"), "{labels:?}");
        let lib = rows
            .iter()
            .find(|r| r.target.as_deref() == Some("component:default/lib"))
            .unwrap();
        let (lib_id, open) = lib.node.clone().unwrap();
        assert!(!open);
        let rows = relations_tree(
            &c,
            svc,
            &HashSet::from([lib_id.clone(), format!("{lib_id}/dependsOn")]),
        );
        let text: Vec<String> = rows.iter().map(Row::plain_text).collect();
        assert!(
            text.iter().any(|t| t.contains("↻ already above")),
            "{text:#?}"
        );
    }

    #[test]
    fn ownership_views() {
        let (c, _d) = catalog(ORG);
        let team = ownership(&c, c.get("group:default/team").unwrap(), false);
        let text: Vec<String> = team.iter().map(Row::plain_text).collect();
        assert!(text.contains(&"Members (1)".to_string()), "{text:#?}");
        assert!(
            team.iter()
                .any(|r| r.target.as_deref() == Some("user:default/ada"))
        );
        let ada = ownership(&c, c.get("user:default/ada").unwrap(), false);
        assert!(
            ada.iter()
                .any(|r| r.plain_text().starts_with("Owned through team (2)"))
        );
        let svc = ownership(&c, c.get("component:default/svc").unwrap(), false);
        assert!(svc.iter().any(|r| r.plain_text() == "People to ask (1)"));
    }

    #[test]
    fn definition_is_numbered() {
        let (c, _d) = catalog(ORG);
        let rows = definition(c.get("api:default/api").unwrap());
        assert_eq!(rows[0].plain_text(), "   1 openapi: 3.0.0");
    }
}
