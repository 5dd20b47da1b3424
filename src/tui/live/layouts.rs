//! Named watch layouts in the config file:
//!
//! ```toml
//! [[layouts]]
//! name = "checkout"
//! focus = 1                      # the focused pane, counted from 1 in reading order
//! zoom = false
//! panes = [                      # each pane's place in percent: [x, y, width, height]
//!   { entity = "component:default/checkout-service", at = [0, 0, 50, 50] },
//!   { entity = "component:default/payments-service", widget = "builds", at = [50, 0, 50, 50] },
//!   { entity = "component:default/checkout-service", widget = "metric", label = "checkout:orders_completed:rate5m", at = [0, 50, 50, 50] },
//!   { at = [50, 50, 50, 50] },   # an empty pane
//! ]
//! ```
//!
//! Saving edits the file with `toml_edit`, so comments and formatting elsewhere survive; a
//! layout with the same name is replaced in place. The file is written durably and atomically
//! (a temporary file beside it, flushed to disk, renamed over it, the folder flushed), and a
//! symlinked `config.toml` (dotfiles repositories) is written through: the link stays a link.

use super::panes::PaneTree;
use super::watch::Pin;
use ratatui::layout::Rect;
use std::path::{Path, PathBuf};

pub use crate::config::{LayoutSpec, PaneSpec};

/// A saved layout is data in the config; turning it into a workspace (and back) is the
/// terminal's business, so the conversion lives here.
pub trait LayoutTree: Sized {
    /// The layout of a workspace, under `name`.
    fn from_tree(name: &str, tree: &PaneTree<Option<Pin>>) -> Self;
    /// The workspace this layout describes; says what is wrong with hand-edited rectangles.
    fn to_tree(&self) -> Result<PaneTree<Option<Pin>>, String>;
}

impl LayoutTree for LayoutSpec {
    fn from_tree(name: &str, tree: &PaneTree<Option<Pin>>) -> LayoutSpec {
        let (rects, focus) = tree.to_rects();
        LayoutSpec {
            name: name.to_owned(),
            focus: focus + 1,
            zoom: tree.is_zoomed(),
            panes: rects
                .into_iter()
                .map(|(r, pin)| PaneSpec {
                    entity: pin.as_ref().map(|p| p.entity.clone()),
                    widget: pin.as_ref().and_then(|p| p.widget.clone()),
                    label: pin.as_ref().and_then(|p| p.label.clone()),
                    at: [r.x, r.y, r.width, r.height],
                })
                .collect(),
        }
    }

    fn to_tree(&self) -> Result<PaneTree<Option<Pin>>, String> {
        let panes = self
            .panes
            .iter()
            .map(|p| {
                let [x, y, width, height] = p.at;
                let pin = p.entity.as_ref().map(|e| Pin {
                    entity: e.clone(),
                    widget: p.widget.clone(),
                    label: p.label.clone(),
                });
                (
                    Rect {
                        x,
                        y,
                        width,
                        height,
                    },
                    pin,
                )
            })
            .collect();
        PaneTree::from_rects(panes, self.focus.saturating_sub(1), self.zoom)
            .map_err(|e| format!("layout \"{}\": {e}", self.name))
    }
}

/// A layout name: what the person typed, trimmed; refused when empty, too long or not plain
/// text.
pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a layout needs a name".into());
    }
    if name.chars().count() > 40 {
        return Err("keep layout names to 40 characters".into());
    }
    if name.chars().any(char::is_control) {
        return Err("a layout name cannot hold control characters".into());
    }
    Ok(name.to_owned())
}

/// The saved layout called `name`, or an error listing the saved ones.
pub fn find<'a>(
    layouts: &'a [LayoutSpec],
    name: &str,
    file: &Path,
) -> Result<&'a LayoutSpec, String> {
    if let Some(l) = layouts.iter().find(|l| l.name == name) {
        return Ok(l);
    }
    let names: Vec<String> = layouts.iter().map(|l| format!("\"{}\"", l.name)).collect();
    Err(if names.is_empty() {
        format!(
            "no layout named \"{name}\": {} has no saved layouts (save one from the watch workspace with layout.save)",
            file.display()
        )
    } else {
        format!(
            "no layout named \"{name}\"; saved layouts in {}: {}",
            file.display(),
            names.join(", ")
        )
    })
}

fn located(path: &Path, text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> String {
    let (line, column) = span.map_or((1, 1), |s| crate::config::line_col(text, s.start));
    format!("{}:{line}:{column}: {message}", path.display())
}

fn layout_table(spec: &LayoutSpec) -> toml_edit::Table {
    use toml_edit::{Array, InlineTable, Table, value};
    let mut table = Table::new();
    table.insert("name", value(spec.name.as_str()));
    table.insert("focus", value(spec.focus as i64));
    if spec.zoom {
        table.insert("zoom", value(true));
    }
    let mut panes = Array::new();
    for p in &spec.panes {
        let mut t = InlineTable::new();
        for (key, v) in [
            ("entity", &p.entity),
            ("widget", &p.widget),
            ("label", &p.label),
        ] {
            if let Some(v) = v {
                t.insert(key, v.as_str().into());
            }
        }
        let at: Array = p.at.iter().map(|n| i64::from(*n)).collect();
        t.insert("at", toml_edit::Value::Array(at));
        let mut v = toml_edit::Value::InlineTable(t);
        v.decor_mut().set_prefix("\n  ");
        panes.push_formatted(v);
    }
    panes.set_trailing("\n");
    panes.set_trailing_comma(true);
    table.insert("panes", value(panes));
    table
}

/// Saves `spec` into the config file at `path` (created with its folder when missing),
/// replacing a layout of the same name. Everything else in the file is kept as written.
/// Errors name the file, and the line and column when the file is not valid TOML.
pub fn save(path: &Path, spec: &LayoutSpec) -> Result<(), String> {
    save_observed(path, spec, &mut |_| {})
}

/// The steps of a durable write, as [`save_observed`] reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStep {
    SyncFile,
    Rename,
    SyncDir,
}

/// The file a path names once symlinks are followed (even when that file does not exist yet).
fn through_links(path: &Path) -> Result<PathBuf, String> {
    let mut p = path.to_path_buf();
    // As many hops as Linux allows before ELOOP.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(format!(
        "{}: too many levels of symbolic links",
        path.display()
    ))
}

/// [`save`], telling `observe` each durability step as it is done (for tests).
pub fn save_observed(
    path: &Path,
    spec: &LayoutSpec,
    observe: &mut dyn FnMut(WriteStep),
) -> Result<(), String> {
    let text = match crate::fsread::read_regular_string(path, crate::limits::SETTINGS_FILE_BYTES) {
        Ok(t) => t,
        Err(e) if e.is_not_found() => String::new(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| located(path, &text, e.span(), e.message()))?;
    let item = doc
        .entry("layouts")
        .or_insert(toml_edit::Item::ArrayOfTables(
            toml_edit::ArrayOfTables::new(),
        ));
    let Some(list) = item.as_array_of_tables_mut() else {
        // Only the unedited document keeps where things are.
        let span = toml_edit::ImDocument::parse(text.as_str())
            .ok()
            .and_then(|d| d.get("layouts").and_then(toml_edit::Item::span));
        return Err(located(
            path,
            &text,
            span,
            "`layouts` must be a list of [[layouts]] tables",
        ));
    };
    let table = layout_table(spec);
    let existing = list
        .iter()
        .position(|t| t.get("name").and_then(|n| n.as_str()) == Some(spec.name.as_str()));
    match existing.and_then(|i| list.get_mut(i)) {
        Some(old) => {
            // Keep the table where it is, with the comments above it.
            let decor = old.decor().clone();
            let position = old.position();
            *old = table;
            *old.decor_mut() = decor;
            if let Some(p) = position {
                old.set_position(p);
            }
        }
        None => {
            let mut table = table;
            if !text.is_empty() && !text.ends_with("\n\n") {
                table.decor_mut().set_prefix("\n");
            }
            list.push(table);
        }
    }
    // A symlinked config is written where the link points, so the link survives.
    let real = through_links(path)?;
    let dir = real
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Write beside the file, flush it to disk, rename it over the file, then flush the folder
    // (which holds the rename): a crash leaves the old config or the new one, never half.
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, doc.to_string().as_bytes())
        .map_err(|e| format!("{}: {e}", real.display()))?;
    if let Ok(meta) = std::fs::metadata(&real) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("{}: {e}", real.display()))?;
    observe(WriteStep::SyncFile);
    tmp.persist(&real)
        .map_err(|e| format!("{}: {}", real.display(), e.error))?;
    observe(WriteStep::Rename);
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    observe(WriteStep::SyncDir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::live::panes::Split;

    fn pin(entity: &str, widget: Option<&str>) -> Option<Pin> {
        Some(Pin {
            entity: entity.into(),
            widget: widget.map(String::from),
            label: None,
        })
    }

    fn grid() -> PaneTree<Option<Pin>> {
        let mut t = PaneTree::new();
        t.add_where_roomy(pin("component:default/a", None));
        t.add_where_roomy(pin("component:default/b", Some("builds")));
        t.add_where_roomy(None);
        t.add_where_roomy(pin("component:default/d", Some("metric")));
        t
    }

    #[test]
    fn a_workspace_round_trips_through_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/config.toml");
        let tree = grid();
        save(&path, &LayoutSpec::from_tree("wall", &tree)).unwrap();
        let config = crate::config::Config::load(&path).unwrap();
        let spec = find(&config.layouts, "wall", &path).unwrap();
        assert_eq!(spec.panes.len(), 4);
        // Reading order: row by row.
        assert_eq!(spec.panes[1].at, [50, 0, 50, 50]);
        assert_eq!(spec.panes[2].at, [0, 50, 50, 50]);
        let back = spec.to_tree().unwrap();
        assert_eq!(LayoutSpec::from_tree("wall", &back), *spec);
        assert_eq!(back.focused(), tree.focused());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(
                "[[layouts]]\nname = \"wall\"\nfocus = 4\npanes = [\n  { entity = \"component:default/a\", at = [0, 0, 50, 50] },"
            ),
            "{text}"
        );
    }

    #[test]
    fn saving_keeps_comments_and_replaces_a_layout_of_the_same_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# my settings\n[ui]\ntheme = \"light\"   # easier on the eyes\n\n# the wall by the coffee machine\n[[layouts]]\nname = \"wall\"\npanes = [{ at = [0, 0, 100, 100] }]\n\n[[layouts]]\nname = \"other\"\n";
        std::fs::write(&path, original).unwrap();
        let mut one = PaneTree::new();
        one.split(Split::Right, pin("component:default/x", None));
        one.split(Split::Down, None);
        save(&path, &LayoutSpec::from_tree("wall", &one)).unwrap();
        save(&path, &LayoutSpec::from_tree("new", &grid())).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# my settings\n[ui]\ntheme = \"light\"   # easier on the eyes\n\n# the wall by the coffee machine\n[[layouts]]\nname = \"wall\"\nfocus = 2\n"),
            "{text}"
        );
        let config = crate::config::Config::parse(&text, &path).unwrap();
        let names: Vec<&str> = config.layouts.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["wall", "other", "new"]);
        assert_eq!(config.layouts[0].panes.len(), 2);
        assert_eq!(config.ui.theme, "light");
    }

    #[test]
    fn a_broken_config_is_reported_with_its_place_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let broken = "[ui]\ntheme = \"dark\"\nmouse = \n";
        std::fs::write(&path, broken).unwrap();
        let e = save(&path, &LayoutSpec::from_tree("x", &grid())).unwrap_err();
        assert!(
            e.starts_with(&format!("{}:3:", path.display())),
            "located: {e}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);

        std::fs::write(&path, "layouts = 3\n").unwrap();
        let e = save(&path, &LayoutSpec::from_tree("x", &grid())).unwrap_err();
        assert!(e.contains(":1:11: `layouts` must be a list"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_config_is_written_through_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = dir.path().join("dotfiles/greenroom");
        std::fs::create_dir_all(&dotfiles).unwrap();
        std::fs::write(
            dotfiles.join("config.toml"),
            "# mine\n[ui]\ntheme = \"light\"\n",
        )
        .unwrap();
        let config_dir = dir.path().join("config/greenroom");
        std::fs::create_dir_all(&config_dir).unwrap();
        // A relative link to a link: config.toml -> ../../hop.toml -> dotfiles/greenroom/config.toml
        std::os::unix::fs::symlink(dotfiles.join("config.toml"), dir.path().join("hop.toml"))
            .unwrap();
        let link = config_dir.join("config.toml");
        std::os::unix::fs::symlink("../../hop.toml", &link).unwrap();
        save(&link, &LayoutSpec::from_tree("wall", &grid())).unwrap();
        for l in [&link, &dir.path().join("hop.toml")] {
            assert!(
                std::fs::symlink_metadata(l)
                    .unwrap()
                    .file_type()
                    .is_symlink(),
                "{} is still a link",
                l.display()
            );
        }
        let text = std::fs::read_to_string(dotfiles.join("config.toml")).unwrap();
        assert!(
            text.starts_with("# mine\n[ui]\ntheme = \"light\"\n"),
            "{text}"
        );
        assert!(text.contains("name = \"wall\""), "{text}");
        // Nothing left beside the link or the file.
        assert_eq!(std::fs::read_dir(&config_dir).unwrap().count(), 1);
        assert_eq!(std::fs::read_dir(&dotfiles).unwrap().count(), 1);

        // A link to a file that does not exist yet creates that file.
        let fresh = config_dir.join("other.toml");
        std::os::unix::fs::symlink(dotfiles.join("new.toml"), &fresh).unwrap();
        save(&fresh, &LayoutSpec::from_tree("x", &grid())).unwrap();
        assert!(
            std::fs::symlink_metadata(&fresh)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(dotfiles.join("new.toml"))
                .unwrap()
                .contains("name = \"x\"")
        );
    }

    #[test]
    fn saving_flushes_the_file_before_the_rename_and_the_folder_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let mut steps = Vec::new();
        save_observed(&path, &LayoutSpec::from_tree("wall", &grid()), &mut |s| {
            steps.push(s)
        })
        .unwrap();
        assert_eq!(
            steps,
            [WriteStep::SyncFile, WriteStep::Rename, WriteStep::SyncDir]
        );
    }

    #[test]
    fn unknown_names_list_the_saved_ones() {
        let path = Path::new("/etc/greenroom/config.toml");
        let e = find(&[], "wall", path).unwrap_err();
        assert!(e.contains("has no saved layouts"), "{e}");
        let saved = vec![
            LayoutSpec::from_tree("one", &grid()),
            LayoutSpec::from_tree("two", &grid()),
        ];
        let e = find(&saved, "wall", path).unwrap_err();
        assert_eq!(
            e,
            "no layout named \"wall\"; saved layouts in /etc/greenroom/config.toml: \"one\", \"two\""
        );
    }

    #[test]
    fn hand_edited_layouts_are_checked_when_opened() {
        let spec: LayoutSpec = toml::from_str(
            "name = \"half\"\npanes = [{ entity = \"component:default/a\", at = [0, 0, 50, 100] }]\n",
        )
        .unwrap();
        let e = spec.to_tree().unwrap_err();
        assert!(e.starts_with("layout \"half\": the panes cover 50%"), "{e}");
        assert!(toml::from_str::<LayoutSpec>("name = \"x\"\nsize = 3\n").is_err());
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(check_name("  wall  ").unwrap(), "wall");
        assert!(check_name("   ").is_err());
        assert!(check_name("a\u{1b}[31m").is_err());
        assert!(check_name(&"x".repeat(41)).is_err());
    }
}
