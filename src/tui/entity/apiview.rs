//! The Definition tab's API explorer: an API's definition read by `apidef` into a tree and shown
//! as rows that expand and collapse, with a find that keeps only what matches (and the way to
//! it), diagnostics above, and the raw text one key away. No terminal here: the rows are drawn
//! by the entity view like every other tab's.
//!
//! The tree is parsed once per definition text and kept (a one-entry cache per thread), since
//! rows are asked for on every key and frame.

use super::rows::{Piece, Row};
use crate::apidef::{self, ApiTree, Node, Role};
use crate::catalog::Entity;
use crate::text::{sanitize_block, sanitize_line};
use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What the Definition tab shows besides the tree's open nodes (kept in the entity screen's
/// `expanded` set, under ids starting `api:`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefinitionView {
    /// The raw text instead of the explorer.
    pub raw: bool,
    /// Find: only nodes whose badge, label or detail contain this (case-insensitive), with
    /// their ancestors; empty shows everything.
    pub find: String,
}

thread_local! {
    static CACHE: RefCell<Option<(u64, Option<Arc<ApiTree>>)>> = const { RefCell::new(None) };
}

/// The explorer's tree of an API entity's definition, or None when it has no definition or
/// one in a format the explorer does not read.
pub fn tree(e: &Entity) -> Option<Arc<ApiTree>> {
    let text = e.spec_str("definition")?;
    let ty = e.spec_type();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (ty, text).hash(&mut h);
    let key = h.finish();
    CACHE.with(|c| {
        if let Some((k, t)) = &*c.borrow()
            && *k == key
        {
            return t.clone();
        }
        let t = apidef::parse(ty, text).map(Arc::new);
        *c.borrow_mut() = Some((key, t.clone()));
        t
    })
}

fn piece(text: impl Into<String>, role: &'static str) -> Piece {
    Piece {
        text: text.into(),
        role: crate::tui::theme::Role::parse(role).unwrap_or(crate::tui::theme::Role::Text),
    }
}

/// A method or marker's colour: reads green, writes amber, deletes red.
fn badge_role(badge: &str) -> &'static str {
    match badge {
        "GET" | "HEAD" | "SUB" | "RECV" | "query" => "ok",
        "POST" | "PUB" | "SEND" | "rpc" => "info",
        "PUT" | "PATCH" => "warn",
        "DELETE" => "error",
        _ => "accent",
    }
}

/// The Definition tab's rows.
pub fn rows(e: &Entity, view: &DefinitionView, expanded: &HashSet<String>) -> Vec<Row> {
    let Some(text) = e.spec_str("definition") else {
        return vec![Row::text(vec![piece(
            "This API has no definition.",
            "muted",
        )])];
    };
    let tree = tree(e);
    if view.raw || tree.is_none() {
        let mut rows = Vec::new();
        let what = match &tree {
            Some(_) => "raw text · R: the explorer",
            None => "raw text (the explorer reads OpenAPI, AsyncAPI, GraphQL and gRPC)",
        };
        rows.push(Row::text(vec![piece(what, "muted")]));
        rows.extend(raw_rows(text));
        return rows;
    }
    let tree = tree.expect("checked above");
    let mut rows = vec![header(&tree, view)];
    for d in &tree.diagnostics {
        rows.push(Row::text(vec![
            piece("⚠ ", "warn"),
            piece(sanitize_line(&d.to_string()).into_owned(), "warn"),
        ]));
    }
    if tree.nodes.is_empty() {
        rows.push(Row::text(vec![piece(
            "the definition could not be read as a tree; its text follows",
            "muted",
        )]));
        rows.extend(raw_rows(text));
        return rows;
    }
    if tree.truncated {
        rows.push(Row::text(vec![piece(
            format!(
                "⚠ the tree is cut at {} nodes; R shows all the raw text",
                crate::limits::APIDEF_NODES
            ),
            "warn",
        )]));
    }
    let needle = view.find.trim().to_lowercase();
    let before = rows.len();
    // While finding, nodes open and close on their own ids, so what was opened before the
    // find does not close the way to a match.
    let root = if needle.is_empty() { "api" } else { "apifind" };
    walk(&tree.nodes, root, 0, expanded, &needle, &[], &mut rows);
    if rows.len() == before {
        rows.push(Row::text(vec![piece(
            format!("nothing matches \"{}\"", sanitize_line(&view.find)),
            "muted",
        )]));
    }
    rows
}

fn header(tree: &ApiTree, view: &DefinitionView) -> Row {
    let mut pieces = vec![piece(format!("{} ", tree.format.label()), "accent")];
    if let Some(t) = &tree.title {
        pieces.push(piece(sanitize_line(t).into_owned(), "title"));
    }
    if let Some(v) = &tree.version {
        pieces.push(piece(format!(" {}", sanitize_line(v)), "muted"));
    }
    if view.find.trim().is_empty() {
        pieces.push(piece("  · F find · C copy · R raw", "muted"));
    } else {
        pieces.push(piece(
            format!("  · find: {}", sanitize_line(view.find.trim())),
            "info",
        ));
    }
    Row::text(pieces)
}

fn raw_rows(text: &str) -> Vec<Row> {
    sanitize_block(text)
        .lines()
        .enumerate()
        .map(|(i, l)| {
            Row::text(vec![
                piece(format!("{:>4} ", i + 1), "muted"),
                piece(l.to_owned(), "text"),
            ])
        })
        .collect()
}

/// Whether a node or anything under it matches.
fn any_match(n: &Node, needle: &str) -> bool {
    n.matches(needle) || n.children.iter().any(|c| any_match(c, needle))
}

/// The rows of some nodes: top-level groups start open (their ids record being closed), deeper
/// nodes start closed (their ids record being open). With a find, only matches and the way to
/// them show, all open.
fn walk(
    nodes: &[Node],
    id: &str,
    depth: u16,
    expanded: &HashSet<String>,
    needle: &str,
    path: &[String],
    rows: &mut Vec<Row>,
) {
    for (i, n) in nodes.iter().enumerate() {
        if !needle.is_empty() && !any_match(n, needle) {
            continue;
        }
        let node_id = format!("{id}.{i}");
        let has_children = !n.children.is_empty();
        let open = if !needle.is_empty() {
            // A match shows its inside only when asked; the way to a match is open.
            n.children.iter().any(|c| any_match(c, needle)) != expanded.contains(&node_id)
        } else {
            // Top-level groups start open, and so does a lone child of one (a proto file's one
            // service).
            let default_open = (depth == 0 && !n.folded) || (depth == 1 && nodes.len() == 1);
            has_children && (expanded.contains(&node_id) != default_open)
        };
        let mut pieces = Vec::new();
        if let Some(b) = &n.badge {
            let b = sanitize_line(b);
            let width = if n.role == Role::Operation { 7 } else { 0 };
            pieces.push(piece(format!("{b:<width$} "), badge_role(&b)));
        }
        let label_role = match n.role {
            Role::Group => "title",
            Role::Operation => "accent",
            Role::Type => "accent",
            Role::Field => "text",
            Role::Note => "muted",
        };
        pieces.push(piece(sanitize_line(&n.label).into_owned(), label_role));
        if !n.detail.is_empty() {
            pieces.push(piece(format!("  {}", sanitize_line(&n.detail)), "muted"));
        }
        // The copy of a field or type is its path from the nearest named type:
        // `Basket.items.seatId` (a body's content type names no type, so it starts afresh).
        let mine: Vec<String> = match n.role {
            Role::Type if n.label.contains('/') => Vec::new(),
            Role::Type => vec![n.label.clone()],
            Role::Operation => Vec::new(),
            Role::Field => path.iter().cloned().chain([n.label.clone()]).collect(),
            Role::Group | Role::Note => path.to_vec(),
        };
        let copy = n.copy.clone().or_else(|| {
            (matches!(n.role, Role::Field | Role::Type) && !mine.is_empty()).then(|| mine.join("."))
        });
        rows.push(Row {
            depth,
            pieces,
            node: has_children.then(|| (node_id.clone(), open)),
            copy: copy.map(|c| sanitize_line(&c).into_owned()),
            line: n.line,
            ..Row::default()
        });
        if open {
            walk(
                &n.children,
                &node_id,
                depth + 1,
                expanded,
                needle,
                &mine,
                rows,
            );
        }
    }
}

/// The explorer's rows at `width` columns (the screen's): a row that cannot be selected
/// (descriptions, notes, diagnostics) and is wider than its room is wrapped, each continuation
/// a row of its own at the same depth, so every word can be read; selectable rows stay one
/// line (Enter shows them whole). `width` 0 (nothing drawn yet) leaves the rows as they are.
pub fn wrap_long(rows: Vec<Row>, width: usize) -> Vec<Row> {
    use unicode_width::UnicodeWidthStr;
    if width == 0 {
        return rows;
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        // The marker and indentation the list draws before a row, and a column to spare.
        let room = width.saturating_sub(3 + 2 * usize::from(row.depth)).max(10);
        let text = row.plain_text();
        if row.selectable() || text.width() <= room {
            out.push(row);
            continue;
        }
        let first_role = row
            .pieces
            .first()
            .map_or(super::super::theme::Role::Text, |p| p.role);
        let rest_role = row.pieces.last().map_or(first_role, |p| p.role);
        for (i, line) in crate::tui::scaffold::view::wrap(&text, room)
            .into_iter()
            .enumerate()
        {
            out.push(Row {
                depth: row.depth,
                pieces: vec![Piece {
                    text: line,
                    role: if i == 0 { first_role } else { rest_role },
                }],
                line: row.line,
                ..Row::default()
            });
        }
    }
    out
}

/// A selected row shown whole (Enter on a leaf of the explorer): its title and its lines.
pub fn whole(row: &Row) -> (String, Vec<String>) {
    let title = row
        .pieces
        .iter()
        .map(|p| p.text.trim())
        .find(|t| !t.is_empty())
        .unwrap_or("definition")
        .to_owned();
    let mut lines = vec![row.plain_text().trim().to_owned()];
    if let Some(copy) = &row.copy {
        lines.push(String::new());
        lines.push(format!("C copies: {copy}"));
    }
    if let Some(line) = row.line {
        lines.push(format!("line {line} of the definition"));
    }
    (title, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_notes_wrap_and_selectable_rows_stay_whole() {
        let long = "Signed admission token from the waiting room, when the on-sale is queued and the fan waits";
        let note = Row {
            depth: 2,
            pieces: vec![piece(long, "muted")],
            ..Row::default()
        };
        let field = Row {
            depth: 2,
            pieces: vec![piece(long, "text")],
            copy: Some("Basket.token".into()),
            ..Row::default()
        };
        let rows = wrap_long(vec![note.clone(), field.clone()], 40);
        let notes: Vec<&Row> = rows.iter().filter(|r| r.copy.is_none()).collect();
        assert!(notes.len() > 2, "{rows:?}");
        assert!(
            notes
                .iter()
                .all(|r| r.depth == 2 && r.plain_text().chars().count() <= 33)
        );
        let joined: Vec<String> = notes.iter().map(|r| r.plain_text()).collect();
        assert_eq!(joined.join(" "), long, "every word kept, in order");
        assert_eq!(rows.last(), Some(&field), "the selectable row is one line");
        assert_eq!(
            wrap_long(vec![note.clone()], 0),
            vec![note],
            "nothing drawn yet"
        );
        let (title, lines) = whole(&field);
        assert_eq!(title, long);
        assert_eq!(lines[0], long);
        assert!(lines.contains(&"C copies: Basket.token".to_owned()));
    }

    #[test]
    fn badges_colour_by_what_they_do() {
        assert_eq!(badge_role("GET"), "ok");
        assert_eq!(badge_role("DELETE"), "error");
        assert_eq!(badge_role("type"), "accent");
    }
}
