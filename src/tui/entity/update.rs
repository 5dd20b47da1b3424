//! The entity page's state and what changes it: which entity and tab, the cursor, expanded
//! tree nodes, the tab's filter (`/`), the Definition tab's raw text and find, the graph mode;
//! the rows each tab shows (built once per change, `view_model`), switching tabs, and the
//! entity as loaded or in the user's editor. Drawing is `view`; the rows themselves are
//! `rows`, `apiview` and `scores`.

use crate::tui::action::Action;
use crate::tui::app::{App, Effect, Overlay, Screen, live_screens};
use crate::tui::entity::rows::{self, Row, Tab};
use std::collections::HashSet;
use std::sync::Arc;
use tui_textarea::TextArea;

/// The rows that match `text`, through the one filter-list component (so a word ranks and
/// matches as in every other list), kept in their order under a line saying what is kept;
/// with each kept row's position in `rows` (None for that line).
pub(crate) fn filter_rows(rows: Vec<Row>, text: &str) -> (Vec<Row>, Vec<Option<usize>>) {
    let mut list = crate::tui::filter_list::FilterList::new(text, "");
    list.set_pool(
        rows.iter()
            .enumerate()
            .filter(|(_, r)| !r.pieces.is_empty())
            .map(|(i, r)| (r.plain_text(), i))
            .collect(),
    );
    let keep: HashSet<usize> = list.items().copied().collect();
    let total = rows.iter().filter(|r| !r.pieces.is_empty()).count();
    let mut out = vec![Row::text(vec![rows::Piece {
        text: format!(
            "/ {}: {} of {total} rows (esc clears)",
            crate::text::sanitize_line(text),
            keep.len()
        ),
        role: crate::tui::theme::Role::Muted,
    }])];
    let mut origin = vec![None];
    for (i, r) in rows.into_iter().enumerate() {
        if keep.contains(&i) {
            out.push(r);
            origin.push(Some(i));
        }
    }
    (out, origin)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityScreen {
    pub key: String,
    pub tab: Tab,
    pub cursor: usize,
    pub scroll: usize,
    pub expanded: HashSet<String>,
    pub transitive: bool,
    /// The Definition tab: raw text or explorer, and the find within it.
    pub definition: crate::tui::entity::apiview::DefinitionView,
    /// The Relations tab's graph mode.
    pub graph: crate::tui::entity::graph::GraphView,
    /// `/` on an entity tab: only the rows that match this (the one filter-list component).
    pub filter: String,
}

impl EntityScreen {
    pub(crate) fn new(key: String, tab: Tab) -> Self {
        EntityScreen {
            key,
            tab,
            cursor: 0,
            scroll: 0,
            expanded: HashSet::new(),
            transitive: false,
            definition: Default::default(),
            graph: Default::default(),
            filter: String::new(),
        }
    }
}

impl App {
    /// The rows of the current entity tab (or the problems, on-call or scorecards list), only
    /// those that match when the list is filtered (`/`), under a line that says so.
    /// Built once per change and shared by update and draw (`view_model`).
    pub fn rows(&self) -> Arc<Vec<Row>> {
        self.views.rows(|| {
            let rows = self.rows_unfiltered();
            match self.row_filter() {
                Some(text) if !text.is_empty() => filter_rows(rows, text).0,
                _ => rows,
            }
        })
    }

    /// With a `/` filter on, each row's position in the unfiltered rows (None for the line
    /// saying what the filter keeps): what maps a cursor to data kept beside the rows.
    pub fn rows_origin(&self) -> Option<Vec<Option<usize>>> {
        let text = self.row_filter().filter(|t| !t.is_empty())?;
        Some(filter_rows(self.rows_unfiltered(), text).1)
    }

    /// The `/` filter of the list on screen, when it has one.
    pub fn row_filter(&self) -> Option<&str> {
        match self.screen() {
            Screen::Entity(s) => Some(&s.filter),
            Screen::Problems { filter, .. }
            | Screen::OnCall { filter, .. }
            | Screen::Scorecards { filter, .. } => Some(filter),
            _ => None,
        }
    }

    /// Sets the filter of the list on screen (the cursor back on the first row).
    pub(crate) fn set_row_filter(&mut self, text: String) {
        match self.screen_mut() {
            Screen::Entity(s) => {
                s.filter = text;
                s.cursor = 0;
                s.scroll = 0;
            }
            Screen::Problems {
                cursor,
                scroll,
                filter,
            }
            | Screen::OnCall {
                cursor,
                scroll,
                filter,
            }
            | Screen::Scorecards {
                cursor,
                scroll,
                filter,
            } => {
                *filter = text;
                *cursor = 0;
                *scroll = 0;
            }
            _ => {}
        }
        // The on-call cursor stops on services only.
        self.settle_oncall_cursor();
        self.dirty = true;
    }

    /// `/` on an entity tab, the problems, on-call or scorecards list: the filter prompt,
    /// applied as it is typed.
    pub(crate) fn open_row_filter(&mut self) {
        let Some(current) = self.row_filter().map(str::to_owned) else {
            return;
        };
        let title = if matches!(self.screen(), Screen::Entity(_)) {
            " Filter this tab "
        } else {
            " Filter this list "
        };
        let mut input = TextArea::new(vec![current]);
        input.move_cursor(tui_textarea::CursorMove::End);
        input.set_placeholder_text("words to keep the rows that have them");
        input.set_cursor_line_style(ratatui::style::Style::default());
        self.popups
            .push(Overlay::Input(Box::new(live_screens::NameInput {
                input,
                purpose: live_screens::InputPurpose::FilterRows,
                title,
                hint: "keeps the rows that match · enter keeps it · esc clears".into(),
                error: None,
            })));
    }

    pub(crate) fn rows_unfiltered(&self) -> Vec<Row> {
        match self.screen() {
            Screen::Entity(s) => match self.catalog.get(&s.key) {
                Some(e) => match s.tab {
                    Tab::Overview => rows::overview(&self.catalog, e),
                    Tab::Relations => rows::relations_tree(&self.catalog, e, &s.expanded),
                    Tab::Ownership => rows::ownership(&self.catalog, e, s.transitive),
                    Tab::Definition => {
                        let rows = crate::tui::entity::apiview::rows(e, &s.definition, &s.expanded);
                        if s.definition.raw {
                            rows
                        } else {
                            crate::tui::entity::apiview::wrap_long(
                                rows,
                                usize::from(self.geometry.width),
                            )
                        }
                    }
                    Tab::Status => self.status_rows_for_screen().unwrap_or_default(),
                    Tab::Docs => Vec::new(),
                    Tab::Scorecards => self.scorecard_rows(e),
                    Tab::Actions => crate::tui::port::action_rows(self, e),
                },
                None => Vec::new(),
            },
            Screen::Problems { .. } => rows::problems(&self.catalog),
            Screen::Scorecards { .. } => crate::tui::entity::scores::overview_rows(
                &self.catalog,
                &self.scores.cards,
                &self.scores.teams,
                self.geometry.width,
            ),
            Screen::OnCall { .. } => self.status_rows_for_screen().unwrap_or_default(),
            Screen::Catalog | Screen::Scaffold(_) | Screen::Watch | Screen::Port(_) => Vec::new(),
        }
    }

    /// Keeps an entity screen's cursor on a row it can stop on (rows change with tabs, trees
    /// opening and closing, and reloads).
    pub(crate) fn settle_cursor(&mut self) {
        if !matches!(self.screen(), Screen::Entity(_)) {
            return;
        }
        let rows = self.rows();
        if let Screen::Entity(s) = self.screen_position_mut() {
            let ok = |i: usize| rows.get(i).is_some_and(Row::selectable);
            if !ok(s.cursor) {
                let after = (s.cursor..rows.len()).find(|i| ok(*i));
                let before = (0..s.cursor.min(rows.len())).rev().find(|i| ok(*i));
                s.cursor = after.or(before).unwrap_or(0);
            }
        }
    }

    pub(crate) fn selected_link(&self) -> Option<String> {
        match self.screen() {
            Screen::Entity(_) if self.docs_tab_shown() => self.docs_selected_link(),
            Screen::Entity(s) => self.rows().get(s.cursor).and_then(|r| r.link.clone()),
            _ => None,
        }
    }

    pub(crate) fn toggle_node(&mut self, want: Option<bool>) {
        let rows = self.rows();
        if let Screen::Entity(s) = self.screen_mut()
            && let Some((id, open)) = rows.get(s.cursor).and_then(|r| r.node.clone())
        {
            let target = want.unwrap_or(!open);
            if target != open {
                // Root groups start open, so their ids record being closed; deeper nodes record
                // being open.
                if !s.expanded.remove(&id) {
                    s.expanded.insert(id);
                }
            }
        }
    }

    pub fn switch_tab(&mut self, tab: Option<Tab>, delta: isize) {
        let catalog = self.catalog.clone();
        if let Screen::Entity(s) = self.screen_mut()
            && let Some(e) = catalog.get(&s.key)
        {
            let tabs = Tab::for_entity(e);
            let next = match tab {
                Some(t) if tabs.contains(&t) => t,
                Some(_) => return,
                None => {
                    let i = tabs.iter().position(|t| *t == s.tab).unwrap_or(0) as isize;
                    tabs[(i + delta).rem_euclid(tabs.len() as isize) as usize]
                }
            };
            s.tab = next;
            s.cursor = 0;
            s.scroll = 0;
        } else if let Some(t) = tab
            && let Some(key) = self.current_entity()
        {
            self.open_entity(&key, t);
        }
    }

    /// The Relations tab's graph keys; true when the action was the graph's.
    pub(crate) fn graph_act(&mut self, action: Action) -> bool {
        if self.popups.overlay().is_some() {
            return false;
        }
        let catalog = self.catalog.clone();
        let Screen::Entity(s) = self.screen_mut() else {
            return false;
        };
        if s.tab != Tab::Relations {
            return false;
        }
        let v = &mut s.graph;
        let key = s.key.clone();
        match action {
            Action::GraphToggle => {
                v.on = !v.on;
                return true;
            }
            _ if !v.on => return false,
            Action::GraphDirection => v.direction = v.direction.next(),
            Action::GraphDeeper => {
                v.depth = (v.depth + 1).min(crate::tui::entity::graph::MAX_DEPTH)
            }
            Action::GraphShallower => v.depth = v.depth.saturating_sub(1).max(1),
            Action::GraphKinds => {
                v.kinds = (v.kinds + 1) % crate::tui::entity::graph::KIND_PRESETS.len()
            }
            Action::GraphRelations => {
                v.relations = (v.relations + 1) % crate::tui::entity::graph::RELATION_PRESETS
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Expand
            | Action::Collapse
            | Action::Top
            | Action::Bottom => {
                let g = v.graph(&catalog, &key);
                let (dx, dy) = match action {
                    Action::Up => (0, -1),
                    Action::Down => (0, 1),
                    Action::PageUp => (0, -5),
                    Action::PageDown => (0, 5),
                    Action::Top => (0, -100_000),
                    Action::Bottom => (0, 100_000),
                    Action::Expand => (1, 0),
                    _ => (-1, 0),
                };
                v.step(&g, dx, dy);
            }
            Action::Open | Action::Toggle => {
                let g = v.graph(&catalog, &key);
                let n = v.selected_node(&g);
                let target = g.nodes[n].key.clone();
                if target == key {
                    self.notify("this is the entity itself: move to another box first", true);
                } else {
                    self.open_entity(&target, Tab::Relations);
                    // The entity opens in graph mode too.
                    if let Screen::Entity(s) = self.screen_mut() {
                        s.graph.on = true;
                    }
                }
            }
            _ => return false,
        }
        true
    }

    /// The entity as loaded: its YAML in Backstage's stored form, and where it came from.
    pub(crate) fn show_raw_entity(&mut self) {
        let Some(e) = self
            .current_entity()
            .and_then(|k| self.catalog.get(&k).cloned())
        else {
            self.notify("select an entity first", true);
            return;
        };
        let mut lines = vec![
            format!("# from {}", e.origin.place()),
            format!("# location {}", e.origin.location),
        ];
        match serde_yaml::to_string(&e.data) {
            Ok(text) => lines.extend(text.lines().map(str::to_owned)),
            Err(err) => lines.push(format!("# could not be written as YAML: {err}")),
        }
        self.show_detail(format!("{} as loaded", e.key), lines);
    }

    /// Whether the entity on screen was read from a file on this machine (so `e` can open it).
    pub fn current_entity_has_local_file(&self) -> bool {
        self.current_entity()
            .and_then(|k| self.catalog.get(&k))
            .is_some_and(|e| crate::tui::editor::local_file(&e.origin.location).is_some())
    }

    /// `e`: asks the host to open the file on screen in the editor: the docs page on the Docs
    /// tab, the definition's `$text` file on an API's Definition tab, else the entity's
    /// descriptor at its line. Entities read from a server or the bundled demo have no file
    /// here, and it says so.
    pub(crate) fn edit_on_screen(&mut self) {
        let Some(e) = self
            .current_entity()
            .and_then(|k| self.catalog.get(&k).cloned())
        else {
            self.notify("select an entity first", true);
            return;
        };
        let Some(descriptor) = crate::tui::editor::local_file(&e.origin.location) else {
            self.notify(
                format!(
                    "{} was read from {}: there is no local file to edit",
                    crate::text::sanitize_line(&e.key),
                    crate::text::sanitize_line(&e.origin.place())
                ),
                true,
            );
            return;
        };
        let mut request = crate::tui::editor::EditRequest {
            file: descriptor,
            line: e.origin.pos.line,
        };
        if let Screen::Entity(s) = self.screen()
            && s.key == e.key
        {
            match s.tab {
                Tab::Docs => {
                    if let Some(file) = self.docs_page_file() {
                        request = crate::tui::editor::EditRequest { file, line: 1 };
                    }
                }
                Tab::Definition => {
                    if let Some(file) = crate::tui::editor::definition_file(&request) {
                        request = crate::tui::editor::EditRequest { file, line: 1 };
                    }
                }
                _ => {}
            }
        }
        self.effects.push(Effect::Edit(request));
    }

    /// On an API's Definition tab, switches between the explorer and the raw text; elsewhere
    /// shows the entity as loaded.
    pub(crate) fn toggle_definition_raw(&mut self) {
        let on_tab = matches!(self.screen(), Screen::Entity(s) if s.tab == Tab::Definition);
        if !on_tab {
            self.show_raw_entity();
            return;
        }
        if let Screen::Entity(s) = self.screen_mut() {
            s.definition.raw = !s.definition.raw;
            s.cursor = 0;
            s.scroll = 0;
        }
    }

    /// Opens the find prompt over the Definition tab (opening the tab first).
    pub(crate) fn open_definition_find(&mut self) {
        let has = matches!(self.screen(), Screen::Entity(s)
            if self.catalog.get(&s.key).is_some_and(|e| Tab::for_entity(e).contains(&Tab::Definition)));
        if !has {
            self.notify("only an API has a definition to find in", true);
            return;
        }
        if !matches!(self.screen(), Screen::Entity(s) if s.tab == Tab::Definition) {
            self.switch_tab(Some(Tab::Definition), 0);
        }
        let current = match self.screen() {
            Screen::Entity(s) => s.definition.find.clone(),
            _ => String::new(),
        };
        if let Screen::Entity(s) = self.screen_mut() {
            s.definition.raw = false;
        }
        let mut input = TextArea::new(vec![current]);
        input.move_cursor(tui_textarea::CursorMove::End);
        input.set_placeholder_text("a path, method, operation, type or field");
        input.set_cursor_line_style(ratatui::style::Style::default());
        self.popups
            .push(Overlay::Input(Box::new(live_screens::NameInput {
                input,
                purpose: live_screens::InputPurpose::FindInDefinition,
                title: " Find in the definition ",
                hint: "shows what matches and the way to it · enter keeps it · esc clears".into(),
                error: None,
            })));
    }

    /// Sets the find within the Definition tab, the cursor on the first row it can stop on.
    pub(crate) fn set_definition_find(&mut self, text: String) {
        if let Screen::Entity(s) = self.screen_mut() {
            s.definition.find = text;
            s.cursor = 0;
            s.scroll = 0;
        }
        self.settle_cursor();
        self.dirty = true;
    }

    /// The Scorecards tab: a Group's roll-up, or the entity graded now (live facts as the
    /// status store has them).
    pub(crate) fn scorecard_rows(&self, e: &crate::catalog::Entity) -> Vec<Row> {
        let cards = &self.scores.cards;
        if e.is_kind("Group") && !cards.is_empty() {
            return crate::tui::entity::scores::team_rows(
                &self.catalog,
                self.scores.board.as_deref(),
                e,
            );
        }
        let live = crate::scorecard::StoreLive {
            store: self.live.store(),
            config: self.live.config(),
            now: self.live.now(),
        };
        let inputs = crate::scorecard::Inputs {
            catalog: &self.catalog,
            live: &live,
            repo: &crate::scorecard::facts::LocalRepos,
        };
        let grades = crate::scorecard::grade_entity(cards, e, &inputs);
        crate::tui::entity::scores::entity_rows(cards, &grades, cards.is_empty())
    }
}
