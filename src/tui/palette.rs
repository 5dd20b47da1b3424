//! The command palette and the copy menu: one input over every action valid on the screen
//! under it (the action table's contexts), every entity of the catalogue and every theme,
//! ranked so that what the text names outright comes first; or, for `y`, over what can be
//! copied here. The palette is an entry of the popup stack; drawing is `views::overlays`.

use super::action::Action;
use super::app::{App, Screen};
use super::popups::Overlay;

/// One palette entry: an action, an entity to open, or a theme to switch to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaletteItem {
    Action(Action),
    Entity(String),
    /// A built-in theme, or one of the user's (`<config dir>/themes/<name>.toml`).
    Theme(String),
    /// One of the copy menu's choices: what it is, and the text copied.
    Copy(String, String),
}

/// Other words people type for an action in the palette.
fn palette_keywords(a: Action) -> &'static str {
    match a {
        Action::Quit => "exit close leave",
        Action::Help => "keys shortcuts keybindings bindings",
        Action::Palette => "commands",
        Action::Reload => "refresh reread",
        Action::ToggleMouse => "mouse click",
        Action::TogglePreview => "side pane",
        Action::Problems => "errors warnings lint validate diagnostics",
        Action::Templates => "scaffolder create new",
        Action::Watch => "dashboard panes",
        Action::SearchFocus => "find filter query",
        Action::DocsSearch | Action::DocsTab => "techdocs documentation runbook mkdocs",
        Action::FilterMine => "owned by me my team ownership",
        Action::FilterStarred => "favourites favorites bookmarks stars",
        Action::StarToggle => "favourite favorite bookmark",
        Action::SortNext => "order columns",
        Action::Scorecards | Action::ScorecardsTab => {
            "grades levels standards maturity readiness heat map gold silver bronze"
        }
        _ => "",
    }
}

pub struct PaletteState {
    /// The input, over every entity of the catalogue (positions in it), ranked by the same
    /// matcher and text as the pickers' entities.
    pub entities: crate::tui::filter_list::FilterList<usize>,
    pub items: Vec<PaletteItem>,
    pub cursor: usize,
    /// The themes offered: the built-in ones, then the user's.
    pub themes: Vec<String>,
    /// The copy menu (`y`): only these (what, text) are offered, filtered by what is typed.
    pub copy: Option<Vec<(String, String)>>,
}

impl PaletteState {
    /// What was typed.
    pub fn text(&self) -> String {
        self.entities.text()
    }
}

impl App {
    pub(crate) fn open_palette(&mut self) {
        use crate::scaffold::pickers::{EntityPicker, stringify_ref};
        let mut entities =
            crate::tui::filter_list::FilterList::new("", "type an action or an entity name");
        entities.set_pool(
            self.catalog
                .entities()
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    (
                        EntityPicker::haystack(&stringify_ref(e), e.display_name()),
                        i,
                    )
                })
                .collect(),
        );
        let themes = super::theme::BUILTIN
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .chain(super::theme::user_themes(
                self.settings.themes_dir.as_deref(),
            ))
            .collect();
        self.popups.push(Overlay::Palette(Box::new(PaletteState {
            entities,
            items: Vec::new(),
            cursor: 0,
            themes,
            copy: None,
        })));
        self.refilter_palette();
    }

    /// What `y` offers to copy here: the entity's ref, name and title, the selected link or
    /// operation (`curl`), its file path, its source and view URLs.
    pub fn copy_choices(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut add = |what: &str, text: String| {
            if !text.is_empty() && !out.iter().any(|(_, t)| *t == text) {
                out.push((what.to_owned(), text));
            }
        };
        let entity = self
            .current_entity()
            .and_then(|k| self.catalog.get(&k).cloned());
        if let Some(e) = &entity {
            add("ref", e.key.clone());
        }
        if let Screen::Entity(s) = self.screen()
            && let Some(row) = self.rows().get(s.cursor)
            && let Some(text) = row.copy.clone()
        {
            let what = if text.starts_with("curl ") {
                "the operation as curl"
            } else {
                "the selected value"
            };
            add(what, text);
        }
        if let Some(link) = self.selected_link() {
            add("the selected link", link);
        }
        let Some(e) = entity else {
            return out;
        };
        add("name", e.name().to_owned());
        if let Some(t) = e.title() {
            add("title", t.to_owned());
        }
        if let Some(file) = super::editor::local_file(&e.origin.location) {
            add(
                "file path",
                format!("{}:{}", file.display(), e.origin.pos.line),
            );
        }
        let annotation = |k: &str| {
            e.data
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        if let Some(url) = annotation("backstage.io/view-url") {
            add("view URL", url);
        }
        if let Some(url) = annotation("backstage.io/source-location") {
            add("source URL", url.trim_start_matches("url:").to_owned());
        }
        if let Some(url) = annotation("backstage.io/edit-url") {
            add("edit URL", url);
        }
        add("location", e.origin.location.to_string());
        out
    }

    /// `y`: the copy menu over what can be copied here (Enter copies; typing filters).
    pub(crate) fn open_copy_menu(&mut self) {
        let choices = self.copy_choices();
        if choices.is_empty() {
            self.notify("nothing to copy here", true);
            return;
        }
        self.popups.push(Overlay::Palette(Box::new(PaletteState {
            entities: crate::tui::filter_list::FilterList::new("", "what to copy"),
            items: Vec::new(),
            cursor: 0,
            themes: Vec::new(),
            copy: Some(choices),
        })));
        self.refilter_palette();
    }

    /// The actions the palette offers here: the commands that apply in the contexts of the
    /// screen under it, in table order.
    pub fn palette_actions(&self) -> Vec<Action> {
        let contexts = self.screen_contexts();
        Action::ALL
            .iter()
            .copied()
            .filter(|a| a.in_palette() && a.applies_in(&contexts))
            .collect()
    }

    /// Every action valid here, entity and theme, filtered by the palette's input and ranked so that what
    /// the text names outright comes first: an entity whose name is the text, then actions and
    /// themes whose words start with the text's words, then entities found by search, and
    /// last actions that only match fuzzily.
    pub(crate) fn refilter_palette(&mut self) {
        const EXACT_ENTITY: i64 = 5;
        const EXACT_ACTION: i64 = 4;
        const NAMED: i64 = 3;
        const ENTITY_PREFIX: i64 = 2;
        const ENTITY: i64 = 1;
        const FUZZY: i64 = 0;
        const LOOSE_ENTITY: i64 = -1;
        let actions = self.palette_actions();
        let Some(Overlay::Palette(p)) = self.popups.overlay_mut() else {
            return;
        };
        let text = p.text().trim().to_lowercase();
        let matcher = crate::search::matcher::Matcher::new(&text);
        if let Some(choices) = &p.copy {
            let mut scored: Vec<(i64, usize)> = choices
                .iter()
                .enumerate()
                .filter_map(|(i, (what, value))| {
                    let hay = format!("{what} {value}").to_lowercase();
                    let score = if text.is_empty() {
                        Some(0)
                    } else {
                        matcher.score(&hay)
                    };
                    score.map(|s| (s, i))
                })
                .collect();
            scored.sort_by_key(|(s, i)| (std::cmp::Reverse(*s), *i));
            p.items = scored
                .into_iter()
                .map(|(_, i)| PaletteItem::Copy(choices[i].0.clone(), choices[i].1.clone()))
                .collect();
            p.cursor = 0;
            return;
        }
        // (tier, score within the tier, order), highest first.
        let mut scored: Vec<((i64, i64, i64), PaletteItem)> = Vec::new();
        for (i, a) in actions.into_iter().enumerate() {
            let a = &a;
            let order = -(i as i64);
            if text.is_empty() {
                scored.push(((FUZZY, 0, order), PaletteItem::Action(*a)));
                continue;
            }
            let hay =
                format!("{} {} {}", a.name(), a.description(), palette_keywords(*a)).to_lowercase();
            let rank = if a.name() == text {
                Some((EXACT_ACTION, 0))
            } else if crate::search::matcher::words_start(&hay, &text) {
                Some((NAMED, matcher.score(&hay).unwrap_or(0)))
            } else {
                matcher.score(&hay).map(|s| (FUZZY, s))
            };
            if let Some((tier, score)) = rank {
                scored.push(((tier, score, order), PaletteItem::Action(*a)));
            }
        }
        for (i, name) in p.themes.iter().enumerate() {
            let hay = format!("theme colour color {name}");
            let order = -(i as i64);
            if text.is_empty() {
                scored.push(((FUZZY, -1, order), PaletteItem::Theme(name.clone())));
            } else if crate::search::matcher::words_start(&hay, &text) {
                scored.push(((NAMED, 0, order), PaletteItem::Theme(name.clone())));
            }
        }
        if !text.is_empty() {
            // Entities in the matcher's order; those the text names outright go first.
            let mut entities: Vec<((i64, i64, i64), PaletteItem)> = Vec::new();
            for (rank, at) in p.entities.items().enumerate() {
                let Some(e) = self.catalog.entities().get(*at) else {
                    continue;
                };
                let name = e.name().to_lowercase();
                let short = e.entity_ref.short(Some(e.kind())).to_lowercase();
                let exact = name == text
                    || short == text
                    || e.key == text
                    || e.title().is_some_and(|t| t.to_lowercase() == text);
                let tier = if exact {
                    EXACT_ENTITY
                } else if name.starts_with(&text) {
                    ENTITY_PREFIX
                } else if crate::search::matcher::words_start(&p.entities.pool()[*at].0, &text) {
                    ENTITY
                } else {
                    // Letters found here and there: after the actions that match too.
                    LOOSE_ENTITY
                };
                entities.push((
                    (tier, -(rank as i64), 0),
                    PaletteItem::Entity(e.key.clone()),
                ));
            }
            entities.sort_by_key(|s| std::cmp::Reverse(s.0));
            entities.truncate(crate::limits::PALETTE_ENTITIES);
            scored.extend(entities);
        }
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        p.items = scored.into_iter().map(|(_, i)| i).collect();
        p.cursor = 0;
    }

    /// Switches to a theme (built in, or the user's) for this session.
    pub(crate) fn use_theme(&mut self, name: &str) {
        let (theme, issues) =
            super::theme::Theme::load(name, self.settings.themes_dir.as_deref(), self.theme.depth);
        let shown = crate::text::sanitize_line(name).into_owned();
        match issues.first() {
            // A theme that is not there (removed since the palette opened) changes nothing.
            Some(i) if i.message.contains("not found") || i.message.contains("not read") => self
                .notify(
                    format!("theme {shown}: {}", crate::text::sanitize_line(&i.message)),
                    true,
                ),
            first => {
                self.theme = theme;
                let problems = match first {
                    Some(i) => format!(
                        " ({} problem{}: {})",
                        issues.len(),
                        if issues.len() == 1 { "" } else { "s" },
                        crate::text::sanitize_line(&i.to_string())
                    ),
                    None => String::new(),
                };
                self.notify(
                    format!(
                        "theme {shown} for this session; keep it with [ui] theme = \"{shown}\"{problems}"
                    ),
                    first.is_some(),
                );
            }
        }
    }
}
