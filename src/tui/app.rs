//! The portal's state and what each action does to it. Keys become actions through the keymap;
//! actions change state and may ask for effects (a search, a clipboard write); the runner
//! performs effects. Nothing here touches the terminal, so it is all testable directly.

use super::action::Action;
use super::keymap::{Context, Keymap, Lookup};
use super::keys::Chord;
use super::scaffold;
use super::theme::Theme;
use crate::catalog::Catalog;
use crate::search::{Facets, Hit, Query, SearchIndex};
use crate::sources::Progress;
use crate::tui::entity::rows::{self, Row, Tab};
use crossterm::event::{Event, KeyEvent, KeyEventKind, MouseEventKind};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tui_textarea::TextArea;

#[path = "entity/docs/update.rs"]
mod docs;
#[path = "live/update.rs"]
pub mod live_screens;

/// The contexts in force when `most` is the most specific one: the keymap tries them in this
/// order, the hint bar and the palette read them.
pub fn contexts_with(most: Context) -> Vec<Context> {
    match most {
        Context::Global => vec![Context::Global],
        Context::Catalog
        | Context::Entity
        | Context::Problems
        | Context::OnCall
        | Context::Watch
        | Context::Help
        | Context::Review
        | Context::Preview
        | Context::Progress
        | Context::Port => vec![most, Context::Global],
        Context::Tree => vec![Context::Tree, Context::Entity, Context::Global],
        Context::Docs => vec![Context::Docs, Context::Entity, Context::Global],
        Context::Choice => vec![Context::Choice, Context::Form],
        Context::Search
        | Context::Palette
        | Context::Templates
        | Context::Form
        | Context::Picker
        | Context::Confirm
        | Context::Prompt
        | Context::Input => vec![most],
    }
}

/// The handlers the action table names, one per feature: each performs the actions the table
/// routes to it.
pub mod handlers {
    use super::{Action, App, scaffold};

    /// Moving, opening, navigating, copying: every screen's actions.
    pub fn general(app: &mut App, action: Action) {
        app.act_general(action);
    }

    /// The scaffolder's: templates, forms, pickers, review, runs.
    pub fn scaffold(app: &mut App, action: Action) {
        scaffold::act::act(app, action);
    }

    /// Live status, on call and the watch workspace.
    pub fn live(app: &mut App, action: Action) {
        app.act_live(action);
    }

    /// Port's self-service actions, runs and approvals.
    pub fn port(app: &mut App, action: Action) {
        super::super::port::act(app, action);
    }

    /// Scorecards: the entity's tab (a team's roll-up) and the overview.
    pub fn scores(app: &mut App, action: Action) {
        crate::tui::entity::scores::act(app, action);
    }
}

/// Empties a one-line input; true when there was something to remove.
fn clear_text(input: &mut TextArea<'static>) -> bool {
    input.cancel_selection();
    input.move_cursor(tui_textarea::CursorMove::End);
    input.delete_line_by_head()
}

/// The rows that match `text`, through the one filter-list component (so a word ranks and
/// matches as in every other list), kept in their order under a line saying what is kept.
fn filter_rows(rows: Vec<Row>, text: &str) -> Vec<Row> {
    let mut list = super::filter_list::FilterList::new(text, "");
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
        role: super::theme::Role::Muted,
    }])];
    out.extend(
        rows.into_iter()
            .enumerate()
            .filter(|(i, _)| keep.contains(i))
            .map(|(_, r)| r),
    );
    out
}

/// Something the runner does on the app's behalf.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Search {
        generation: u64,
        query: Query,
        /// Results of a query this one narrows, to search within.
        within: Option<Arc<Vec<Hit>>>,
    },
    Clipboard(String),
    OpenUrl(String),
    Suspend,
    /// `e`: open a file in the user's editor (the host suspends its terminal around it).
    Edit(super::editor::EditRequest),
    SetMouse(bool),
    Reload,
    /// Run a template (or register what it created) on the scaffolder's worker.
    Scaffold(scaffold::run::Job),
    /// Ask the Port source (actions, inbox, runs, a decision), off the UI thread.
    Port(super::port::PortRequest),
    /// Save a watch layout into the config file.
    SaveLayout(crate::tui::live::layouts::LayoutSpec),
}

impl Effect {
    /// Work the hub does for the session (search, reload, runs, saving a layout), as opposed
    /// to what the session does at its own terminal (clipboard, links, suspend, mouse).
    pub fn is_hub_request(&self) -> bool {
        matches!(
            self,
            Effect::Search { .. }
                | Effect::Reload
                | Effect::Scaffold(_)
                | Effect::Port(_)
                | Effect::SaveLayout(_)
        )
    }
}

/// Messages into the app from the session and the hub.
pub enum AppEvent {
    Terminal(Event),
    /// A catalogue read outside the hub (tests): installed as a new snapshot would be.
    Loaded(Box<Catalog>, Arc<SearchIndex>),
    /// The hub published a catalogue snapshot (a load's progress, a new catalogue).
    Snapshot(Arc<greenroom_hub::CatalogSnapshot>),
    Searched {
        generation: u64,
        query: Query,
        hits: Arc<Vec<Hit>>,
        facets: Facets,
    },
    /// Input closed, the tty hung up, or a terminating signal arrived.
    Quit(&'static str),
    /// Progress and results of a template run.
    Scaffold(scaffold::run::RunEvent),
    /// What the Port source answered.
    Port(Box<super::port::PortEvent>),
    /// A live status entry changed.
    Status(crate::status::TargetId),
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub hyperlinks: bool,
    pub mouse: bool,
    /// Show the preview pane beside the list when there is room.
    pub preview: bool,
    /// Running over SSH: opening a link copies it instead.
    pub remote: bool,
    /// Inside tmux: OSC 52 goes through tmux's passthrough and tmux's own clipboard.
    pub tmux: bool,
    /// How tmux's options are read, to say when tmux drops copies.
    pub tmux_options: super::clipboard::TmuxOptions,
    /// Where the user's themes are (`<config dir>/themes`), offered in the palette.
    pub themes_dir: Option<std::path::PathBuf>,
    /// The program that opens links here; None when there is none (links are copied).
    /// The default assumes the platform's opener; the portal looks for it on PATH.
    pub opener: Option<std::path::PathBuf>,
    /// Template runs may write on this machine's disk (off for SSH sessions unless
    /// `[serve] allow_local_scaffold`; dry runs always work).
    pub local_scaffold: bool,
    /// The editor command line for `e` (`$VISUAL`, `$EDITOR`, else `vi`).
    pub editor: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            hyperlinks: true,
            mouse: false,
            preview: true,
            remote: false,
            tmux: false,
            tmux_options: super::clipboard::read_tmux_option,
            themes_dir: None,
            opener: Some(super::opener::OPENER.into()),
            local_scaffold: true,
            editor: super::editor::FALLBACK.into(),
        }
    }
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
    fn new(key: String, tab: Tab) -> Self {
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    Catalog,
    Entity(Box<EntityScreen>),
    Problems {
        cursor: usize,
        scroll: usize,
    },
    /// The templates view, or the form / review / run of a template.
    Scaffold(scaffold::View),
    /// Who is on call, for every team.
    OnCall {
        cursor: usize,
        scroll: usize,
    },
    /// The watch workspace (its panes live in `App::watch`).
    Watch,
    /// A Port list: an entity's actions, my approvals inbox, recent runs.
    Port(super::port::PortView),
    /// Teams × scorecards, worst first.
    Scorecards {
        cursor: usize,
        scroll: usize,
    },
}

pub struct SearchState {
    pub input: TextArea<'static>,
    pub focused: bool,
    pub query: Query,
    pub generation: u64,
    /// The latest results and the query they answer.
    pub hits: Arc<Vec<Hit>>,
    pub hits_query: Query,
    pub hits_generation: u64,
    /// How many of `hits` are in rank order (the worker ranks the best; the rest is ranked
    /// when the list scrolls near it).
    pub ranked: usize,
    /// The generation at which the catalogue on screen was installed (or the list filter
    /// changed): results of searches asked before it hold another list and are dropped.
    pub catalog_generation: u64,
    pub facets: Facets,
    pub cursor: usize,
    pub offset: usize,
}

impl SearchState {
    fn new() -> Self {
        let mut input = TextArea::default();
        input.set_placeholder_text(
            "type to search: words, kind: owner: tag: type: lifecycle: -negate \"phrase\"",
        );
        input.set_cursor_line_style(ratatui::style::Style::default());
        SearchState {
            input,
            focused: false,
            query: Query::default(),
            generation: 0,
            hits: Arc::new(Vec::new()),
            hits_query: Query::default(),
            hits_generation: 0,
            ranked: 0,
            catalog_generation: 0,
            facets: Facets::default(),
            cursor: 0,
            offset: 0,
        }
    }

    pub fn text(&self) -> String {
        self.input.lines().first().cloned().unwrap_or_default()
    }

    /// Whether results for the current query are still being computed.
    pub fn searching(&self) -> bool {
        self.hits_generation != self.generation
    }
}

/// Which entities the catalogue list keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ListFilter {
    #[default]
    All,
    /// Owned by the configured user or one of their groups.
    Mine,
    Starred,
}

/// The catalogue list's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ListSort {
    #[default]
    Relevance,
    Name,
    Kind,
    Owner,
    Lifecycle,
}

impl ListSort {
    fn next(self) -> ListSort {
        match self {
            ListSort::Relevance => ListSort::Name,
            ListSort::Name => ListSort::Kind,
            ListSort::Kind => ListSort::Owner,
            ListSort::Owner => ListSort::Lifecycle,
            ListSort::Lifecycle => ListSort::Relevance,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ListSort::Relevance => "relevance",
            ListSort::Name => "name",
            ListSort::Kind => "kind",
            ListSort::Owner => "owner",
            ListSort::Lifecycle => "lifecycle",
        }
    }
}

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

pub enum Overlay {
    Help {
        scroll: usize,
    },
    Palette(Box<PaletteState>),
    /// A one-line prompt (a layout's name).
    Input(Box<live_screens::NameInput>),
    /// Search every docs site, or find in the docs page on screen.
    DocsSearch(Box<crate::tui::entity::docs::SearchOverlay>),
    /// A value shown whole (a long annotation), or the entity as loaded.
    Detail(Box<Detail>),
}

/// Text shown whole in a scrolling popup; its lines are sanitised and wrapped when drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: usize,
}

#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    pub until: Instant,
}

/// Screen areas from the last frame, for mouse hits and page sizes.
#[derive(Clone, Debug, Default)]
pub struct Geometry {
    pub list: ratatui::layout::Rect,
    pub body_rows: u16,
    /// Scroll offsets the frame settled on (keeping the cursor in view).
    pub list_offset: Option<usize>,
    pub doc_scroll: Option<usize>,
    /// Links on screen, to be made OSC 8 hyperlinks after the frame is drawn.
    pub links: Vec<crate::tui::links::LinkArea>,
    /// The watch workspace's pane area (moving focus by direction follows what is seen).
    pub watch: ratatui::layout::Rect,
    /// The terminal's width at the last frame.
    pub width: u16,
    /// The help overlay: the lines it has room for and the scroll it settled on.
    pub help_rows: u16,
    pub help_scroll: Option<usize>,
    /// The detail popup: its wrapped line count at the last frame.
    pub detail_lines: usize,
}

pub struct App {
    pub catalog: Arc<Catalog>,
    pub index: Arc<SearchIndex>,
    /// The hub's `catalog_version` of the catalogue on screen (0: none yet).
    pub catalog_version: u64,
    pub source: String,
    pub loading: Option<Progress>,
    pub demo: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    pub settings: Settings,
    pub search: SearchState,
    history: Vec<Screen>,
    at: usize,
    pub overlay: Option<Overlay>,
    pub pending: Vec<Chord>,
    pub notice: Option<Notice>,
    pub quit: bool,
    pub dirty: bool,
    pub geometry: Geometry,
    effects: Vec<Effect>,
    /// The scaffolder's screens (templates, form, runs).
    pub scaffold: scaffold::ScaffoldState,
    /// Port's actions, inbox and runs.
    pub port: super::port::PortState,
    /// Live status: the service, what is on screen, the age tick.
    pub live: super::live::Live,
    /// The watch workspace's panes and saved layouts.
    pub watch: crate::tui::live::watch::Watch,
    /// Each catalogue source's state, from the cache's start and refresh.
    pub sources: Vec<crate::sources::cache::SourceStatus>,
    /// How far a background refresh (behind a cached catalogue) has got.
    pub refresh_progress: Option<Progress>,
    /// The Docs tab's reader and the docs search index.
    pub docs: crate::tui::entity::docs::DocsState,
    /// Starred entities (kept in the state dir).
    pub stars: crate::stars::Stars,
    /// What the catalogue list keeps and its order.
    pub list_filter: ListFilter,
    pub list_sort: ListSort,
    /// Scorecards and the graded board.
    pub scores: crate::tui::entity::scores::Scores,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, settings: Settings, source: String) -> App {
        let catalog = Arc::new(Catalog::default());
        let index = Arc::new(SearchIndex::build(&catalog));
        App {
            catalog,
            index,
            catalog_version: 0,
            source,
            loading: Some(Progress {
                files_read: 0,
                entities: 0,
            }),
            demo: false,
            keymap,
            theme,
            settings,
            search: SearchState::new(),
            history: vec![Screen::Catalog],
            at: 0,
            overlay: None,
            pending: Vec::new(),
            notice: None,
            quit: false,
            dirty: true,
            geometry: Geometry::default(),
            effects: Vec::new(),
            scaffold: scaffold::ScaffoldState::default(),
            port: Default::default(),
            live: super::live::Live::default(),
            watch: crate::tui::live::watch::Watch::default(),
            sources: Vec::new(),
            refresh_progress: None,
            docs: crate::tui::entity::docs::DocsState::default(),
            stars: crate::stars::Stars::default(),
            list_filter: ListFilter::All,
            list_sort: ListSort::Relevance,
            scores: crate::tui::entity::scores::Scores::default(),
        }
    }

    /// Installs a loaded catalogue and starts the search for the current query.
    ///
    /// The hits on screen are positions in the catalogue they were searched in, so they are
    /// carried over to the new one by entity ref in the same step (dropping entities that are
    /// gone): the list never indexes one catalogue with another's hits, and the cursor stays
    /// on the same entity while the new search runs. Results of searches asked before this
    /// point are dropped when they arrive (see `catalog_generation`).
    pub fn set_catalog(&mut self, catalog: Arc<Catalog>, index: Arc<SearchIndex>) {
        self.docs.reset();
        let old = std::mem::replace(&mut self.catalog, catalog);
        let keep = self
            .search
            .hits
            .get(self.search.cursor)
            .and_then(|h| old.entities().get(h.entity))
            .map(|e| e.key.clone());
        let hits: Vec<Hit> = self
            .search
            .hits
            .iter()
            .filter_map(|h| {
                let key = &old.entities().get(h.entity)?.key;
                Some(Hit {
                    entity: self.catalog.position(key)?,
                    score: h.score,
                })
            })
            .collect();
        self.search.cursor = keep
            .and_then(|k| {
                hits.iter()
                    .position(|h| self.catalog.entities()[h.entity].key == k)
            })
            .unwrap_or_else(|| self.search.cursor.min(hits.len().saturating_sub(1)));
        self.search.ranked = self.search.ranked.min(hits.len());
        self.search.hits = Arc::new(hits);
        self.index = index;
        self.loading = None;
        self.search.generation += 1;
        self.search.catalog_generation = self.search.generation;
        self.effects.push(Effect::Search {
            generation: self.search.generation,
            query: self.search.query.clone(),
            within: None,
        });
        // Entities that disappeared on reload leave their screens, and the one on screen
        // says so.
        let catalog = self.catalog.clone();
        if let Screen::Entity(e) = self.screen()
            && catalog.get(&e.key).is_none()
        {
            let gone = format!(
                "{} is no longer in the catalogue (its descriptor changed or was deleted)",
                crate::text::sanitize_line(&e.key)
            );
            self.notify(gone, true);
        }
        self.history.retain(|s| match s {
            Screen::Entity(e) => catalog.get(&e.key).is_some(),
            _ => true,
        });
        if self.history.is_empty() {
            self.history.push(Screen::Catalog);
        }
        self.at = self.at.min(self.history.len() - 1);
        self.dirty = true;
    }

    /// Takes in the hub's newest snapshot: a newer catalogue is installed (the same `Arc`s
    /// every session holds), load progress is shown while nothing is loaded.
    /// Each source's state (fresh, refreshing from the cache, offline with its age) goes to
    /// the header; a refresh behind a cached catalogue shows its progress there.
    pub fn install_snapshot(&mut self, snapshot: &greenroom_hub::CatalogSnapshot) {
        if self.sources != snapshot.sources {
            self.sources = snapshot.sources.clone();
            self.dirty = true;
        }
        if !crate::tui::catalog::cache_state::refreshing_in(&self.sources)
            && self.refresh_progress.is_some()
        {
            self.refresh_progress = None;
            self.dirty = true;
        }
        if snapshot.catalog_version > self.catalog_version {
            self.catalog_version = snapshot.catalog_version;
            scaffold::after_load(self, &snapshot.catalog, Some(&snapshot.change));
            if let Some(why) = &snapshot.trigger {
                self.followed_disk(why, &snapshot.catalog);
            }
            self.set_catalog(snapshot.catalog.clone(), snapshot.index.clone());
            super::port::after_load(self);
        } else if let Some(p) = snapshot.progress {
            if self.loading.is_some() && self.loading != Some(p) {
                self.loading = Some(p);
                self.dirty = true;
            } else if self.loading.is_none()
                && crate::tui::catalog::cache_state::refreshing_in(&self.sources)
                && self.refresh_progress != Some(p)
            {
                self.refresh_progress = Some(p);
                self.dirty = true;
            }
        }
    }

    /// The disk watcher read the catalogue again: say so in the header, or, when it brought
    /// a new problem (a descriptor that stopped reading), say what is wrong at once.
    fn followed_disk(&mut self, why: &str, catalog: &Catalog) {
        let known: HashSet<(&str, u32, &str)> = self
            .catalog
            .diagnostics()
            .iter()
            .map(|d| (d.file.as_str(), d.line, d.message.as_str()))
            .collect();
        let new_error = catalog.diagnostics().iter().find(|d| {
            d.is_error() && !known.contains(&(d.file.as_str(), d.line, d.message.as_str()))
        });
        let why = crate::text::sanitize_line(why);
        match new_error {
            Some(d) => self.notify(
                format!(
                    "↻ {why}: {}:{}: {} (! lists the problems)",
                    crate::text::sanitize_line(&d.file),
                    d.line,
                    crate::text::sanitize_line(&d.message)
                ),
                true,
            ),
            None => self.notify(format!("↻ {why}: read again"), false),
        }
    }

    /// Remembers what the last frame laid out.
    pub fn apply_geometry(&mut self, g: Geometry) {
        self.geometry = g.clone();
        if let Some(o) = g.list_offset {
            self.search.offset = o;
        }
        if let (Some(Overlay::Help { scroll }), Some(drawn)) = (&mut self.overlay, g.help_scroll) {
            *scroll = drawn;
        }
        if let (Some(Overlay::Detail(d)), Some(drawn)) = (&mut self.overlay, g.help_scroll) {
            d.scroll = drawn;
        }
        if let Some(scroll) = g.doc_scroll {
            match self.screen_mut() {
                Screen::Entity(s) => s.scroll = scroll,
                Screen::Problems { scroll: s, .. }
                | Screen::OnCall { scroll: s, .. }
                | Screen::Scorecards { scroll: s, .. } => *s = scroll,
                Screen::Catalog | Screen::Scaffold(_) | Screen::Watch | Screen::Port(_) => {}
            }
        }
    }

    pub fn push_effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// The oldest effect waiting, so that effects pushed while one is carried out (a link
    /// that cannot be opened is copied instead) are carried out in the same turn.
    pub fn next_effect(&mut self) -> Option<Effect> {
        (!self.effects.is_empty()).then(|| self.effects.remove(0))
    }

    pub fn screen(&self) -> &Screen {
        &self.history[self.at]
    }

    pub(crate) fn screen_mut(&mut self) -> &mut Screen {
        &mut self.history[self.at]
    }

    pub fn can_go_back(&self) -> bool {
        self.at > 0
    }

    /// Opens a screen after the current one, dropping any forward history (as browsers do).
    pub fn push(&mut self, screen: Screen) {
        self.history.truncate(self.at + 1);
        self.history.push(screen);
        self.at += 1;
        // Bound history so a long session does not grow without limit.
        if self.history.len() > 200 {
            self.history.remove(0);
            self.at -= 1;
        }
        self.dirty = true;
    }

    pub fn open_entity(&mut self, key: &str, tab: Tab) {
        let Some(e) = self.catalog.get(key) else {
            self.notify(format!("{key} is not in the catalogue"), true);
            return;
        };
        let key = e.key.clone();
        if let Screen::Entity(current) = self.screen()
            && current.key == key
        {
            let mut s = current.clone();
            s.tab = tab;
            s.cursor = 0;
            s.scroll = 0;
            *self.screen_mut() = Screen::Entity(s);
            self.dirty = true;
            self.settle_cursor();
            self.sync_live();
            return;
        }
        self.push(Screen::Entity(Box::new(EntityScreen::new(key, tab))));
        self.settle_cursor();
        self.sync_live();
    }

    pub fn notify(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
            until: Instant::now() + Duration::from_secs(4),
        });
        self.dirty = true;
    }

    /// When the app next needs waking without input (a notice to expire).
    pub fn deadline(&self) -> Option<Instant> {
        let notice = self.notice.as_ref().map(|n| n.until);
        notice
            .into_iter()
            .chain(scaffold::deadline(self))
            .chain(self.live.deadline())
            // While the docs index is built, look for it now and then.
            .chain(
                self.docs
                    .indexing
                    .as_ref()
                    .map(|_| Instant::now() + Duration::from_millis(100)),
            )
            // While remote docs are fetched, look for them often enough to feel immediate.
            .chain(
                self.docs
                    .reader
                    .as_ref()
                    .and_then(|r| r.loading.as_ref())
                    .map(|_| Instant::now() + Duration::from_millis(30)),
            )
            .min()
    }

    pub fn on_deadline(&mut self, now: Instant) {
        scaffold::on_deadline(self, now);
        if self.notice.as_ref().is_some_and(|n| n.until <= now) {
            self.notice = None;
            self.dirty = true;
        }
        if self.live.on_deadline(now) {
            self.dirty = true;
        }
        self.sync_docs();
    }

    /// The contexts in force, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        contexts_with(self.context())
    }

    /// The most specific context in force (an overlay's, or the screen's).
    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Help { .. } | Overlay::Detail(_)) => Context::Help,
            Some(Overlay::Palette(_) | Overlay::DocsSearch(_)) => Context::Palette,
            Some(Overlay::Input(_)) => Context::Input,
            None => self.screen_context(),
        }
    }

    /// The contexts of the screen under any overlay (what the palette offers actions for).
    pub fn screen_contexts(&self) -> Vec<Context> {
        contexts_with(self.screen_context())
    }

    fn screen_context(&self) -> Context {
        if let Some(context) = scaffold::context(self) {
            return context;
        }
        match self.screen() {
            Screen::Catalog if self.search.focused => Context::Search,
            Screen::Catalog => Context::Catalog,
            Screen::Entity(e)
                if matches!(e.tab, Tab::Relations | Tab::Ownership | Tab::Definition) =>
            {
                Context::Tree
            }
            Screen::Entity(e) if e.tab == Tab::Docs => Context::Docs,
            Screen::Entity(_) => Context::Entity,
            Screen::Problems { .. } | Screen::Scorecards { .. } => Context::Problems,
            Screen::Scaffold(_) => Context::Global,
            Screen::OnCall { .. } => Context::OnCall,
            Screen::Watch => Context::Watch,
            Screen::Port(_) => Context::Port,
        }
    }

    pub fn handle(&mut self, event: AppEvent) {
        self.handle_inner(event);
        self.rank_hits_in_view();
        self.sync_docs();
        self.sync_live();
        self.sync_scores();
    }

    /// Grades again when the catalogue changed, or when live facts changed while a view that
    /// shows them across entities (the overview, a team's roll-up) is open; a change that
    /// alters the board redraws, and a `level:` search is asked again.
    pub fn sync_scores(&mut self) {
        if self.loading.is_some() {
            return;
        }
        let across = match self.screen() {
            Screen::Scorecards { .. } => true,
            Screen::Entity(s) => {
                s.tab == Tab::Scorecards
                    && self.catalog.get(&s.key).is_some_and(|e| e.is_kind("Group"))
            }
            _ => false,
        };
        let version = across.then(|| self.live.store().version());
        let catalog = self.catalog.clone();
        if self.scores.ensure(&catalog, &self.live, version) {
            self.dirty = true;
            if crate::scorecard::has_level_terms(&self.search.query) {
                self.search.generation += 1;
                self.effects.push(Effect::Search {
                    generation: self.search.generation,
                    query: self.search.query.clone(),
                    within: None,
                });
            }
        }
    }

    /// The search worker ranks only the best hits (see `hub::search::RANKED`); when the
    /// list comes within two pages of the unranked rest, the rest is ranked once, here.
    fn rank_hits_in_view(&mut self) {
        let near = self.search.cursor.max(self.search.offset) + 2 * self.page().max(1) + 1;
        if self.search.ranked < self.search.hits.len() && near > self.search.ranked {
            let from = self.search.ranked;
            let hits: &mut Vec<Hit> = Arc::make_mut(&mut self.search.hits);
            self.index.order_from(hits, from);
            self.search.ranked = self.search.hits.len();
        }
    }

    fn handle_inner(&mut self, event: AppEvent) {
        match event {
            AppEvent::Terminal(e) => self.on_terminal(e),
            AppEvent::Loaded(catalog, index) => {
                let catalog = Arc::new(*catalog);
                scaffold::after_load(self, &catalog, None);
                self.catalog_version += 1;
                self.set_catalog(catalog, index);
                super::port::after_load(self);
            }
            AppEvent::Snapshot(snapshot) => self.install_snapshot(&snapshot),
            AppEvent::Scaffold(e) => scaffold::on_event(self, e),
            AppEvent::Port(e) => super::port::on_event(self, *e),
            AppEvent::Searched {
                generation,
                query,
                hits,
                facets,
            } => {
                if generation >= self.search.hits_generation
                    && generation >= self.search.catalog_generation
                    && generation <= self.search.generation
                {
                    // The cursor stays on the same entity: hits hold catalogue positions, so
                    // finding it compares integers (no ref strings, no entity lookups).
                    let keep = self.search.hits.get(self.search.cursor).map(|h| h.entity);
                    let (hits, ranked) = self.shape_hits(hits);
                    self.search.ranked = ranked;
                    self.search.hits = hits;
                    self.search.hits_query = query;
                    self.search.hits_generation = generation;
                    self.search.facets = facets;
                    self.search.cursor = keep
                        .and_then(|k| self.search.hits.iter().position(|h| h.entity == k))
                        .unwrap_or(0);
                    self.dirty = true;
                }
            }
            AppEvent::Quit(_) => self.quit = true,
            AppEvent::Status(id) => self.on_status_changed(&id),
        }
    }

    fn on_terminal(&mut self, event: Event) {
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.on_key(k),
            Event::Paste(text) => self.on_paste(&text),
            Event::Resize(..) => self.dirty = true,
            Event::Mouse(m) if self.settings.mouse => match m.kind {
                MouseEventKind::ScrollDown => self.act(Action::Down),
                MouseEventKind::ScrollUp => self.act(Action::Up),
                MouseEventKind::Down(_) => self.click(m.column, m.row),
                _ => {}
            },
            Event::FocusGained | Event::FocusLost | Event::Key(_) | Event::Mouse(_) => {}
        }
    }

    fn click(&mut self, column: u16, row: u16) {
        let list = self.geometry.list;
        if matches!(self.screen(), Screen::Catalog)
            && self.overlay.is_none()
            && list.contains((column, row).into())
            && row > list.y
        {
            let index = self.search.offset + usize::from(row - list.y - 1);
            if index < self.search.hits.len() {
                self.search.cursor = index;
                self.dirty = true;
            }
        }
    }

    /// Bracketed paste: into the query or palette input, on one line.
    fn on_paste(&mut self, text: &str) {
        let clean = crate::text::sanitize_line(text).into_owned();
        if self.live_paste(&clean) {
            return;
        }
        if self.docs_paste(&clean) {
            return;
        }
        if let Some(Overlay::Palette(p)) = &mut self.overlay {
            p.entities.insert_str(&clean);
            self.refilter_palette();
            return;
        }
        if scaffold::act::paste(self, text) {
            return;
        }
        if !matches!(self.screen(), Screen::Catalog) {
            self.history.truncate(self.at + 1);
            self.push(Screen::Catalog);
        }
        self.search.focused = true;
        self.search.input.insert_str(clean);
        self.query_changed();
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        let Some(chord) = Chord::from_event(&key) else {
            return;
        };
        self.dirty = true;
        let contexts = self.contexts();
        let typing = self.search.focused && self.overlay.is_none()
            || matches!(
                self.overlay,
                Some(Overlay::Palette(_) | Overlay::Input(_) | Overlay::DocsSearch(_))
            )
            || scaffold::typing(self);
        match self.keymap.lookup(&contexts, &self.pending, chord) {
            Lookup::Action(a) => {
                self.pending.clear();
                self.act(a);
            }
            Lookup::Pending => self.pending.push(chord),
            Lookup::None => {
                let had_pending = !self.pending.is_empty();
                self.pending.clear();
                if typing && !had_pending {
                    self.type_key(key);
                }
            }
        }
    }

    /// A key not bound in a typing context edits the text.
    fn type_key(&mut self, key: KeyEvent) {
        use tui_textarea::{Input, Key};
        let input = Input::from(key);
        if matches!(input.key, Key::Enter | Key::Tab) || (input.ctrl && input.key == Key::Char('m'))
        {
            return;
        }
        if matches!(self.overlay, Some(Overlay::Input(_))) {
            self.live_type_key(input);
            return;
        }
        // ctrl-u clears the line, as in a shell (the editor would undo one edit).
        let clear_line = input.ctrl && !input.alt && input.key == Key::Char('u');
        if self.docs_type_key(input.clone(), clear_line) {
            return;
        }
        if let Some(Overlay::Palette(p)) = &mut self.overlay {
            if p.entities.edit(input) {
                self.refilter_palette();
            }
            return;
        }
        if scaffold::act::type_key(self, key) {
            return;
        }
        let changed = if clear_line {
            clear_text(&mut self.search.input)
        } else {
            self.search.input.input(input)
        };
        if changed {
            self.query_changed();
        }
    }

    /// Re-parses the query line and asks for a search when the query changed.
    fn query_changed(&mut self) {
        let query = Query::parse(&self.search.text());
        if query == self.search.query {
            return;
        }
        // The latest results answer `hits_query` whether or not a newer search is in flight,
        // so a query that narrows it searches only among them (typing ahead of the worker
        // stays cheap). Not across a catalogue change: carried-over hits miss new entities.
        let within = (query.narrows(&self.search.hits_query)
            && self.search.hits_generation >= self.search.catalog_generation)
            .then(|| self.search.hits.clone());
        self.search.query = query.clone();
        self.search.generation += 1;
        self.search.offset = 0;
        self.effects.push(Effect::Search {
            generation: self.search.generation,
            query,
            within,
        });
    }

    fn selected_hit_key(&self) -> Option<String> {
        self.search
            .hits
            .get(self.search.cursor)
            .and_then(|h| self.catalog.entities().get(h.entity))
            .map(|e| e.key.clone())
    }

    /// The rows of the current entity tab (or problems pane), only those that match when
    /// the tab is filtered (`/`), under a line that says so.
    pub fn rows(&self) -> Vec<Row> {
        let rows = self.rows_unfiltered();
        match self.screen() {
            Screen::Entity(s) if !s.filter.is_empty() => filter_rows(rows, &s.filter),
            _ => rows,
        }
    }

    /// Sets the filter of the entity tab on screen (the cursor back on the first row).
    pub(crate) fn set_row_filter(&mut self, text: String) {
        if let Screen::Entity(s) = self.screen_mut() {
            s.filter = text;
            s.cursor = 0;
            s.scroll = 0;
        }
        self.dirty = true;
    }

    /// `/` on an entity tab: the filter prompt, applied as it is typed.
    fn open_row_filter(&mut self) {
        let Screen::Entity(s) = self.screen() else {
            return;
        };
        let current = s.filter.clone();
        let mut input = TextArea::new(vec![current]);
        input.move_cursor(tui_textarea::CursorMove::End);
        input.set_placeholder_text("words to keep the rows that have them");
        input.set_cursor_line_style(ratatui::style::Style::default());
        self.overlay = Some(Overlay::Input(Box::new(live_screens::NameInput {
            input,
            purpose: live_screens::InputPurpose::FilterRows,
            title: " Filter this tab ",
            hint: "keeps the rows that match · enter keeps it · esc clears".into(),
            error: None,
        })));
    }

    fn rows_unfiltered(&self) -> Vec<Row> {
        match self.screen() {
            Screen::Entity(s) => match self.catalog.get(&s.key) {
                Some(e) => match s.tab {
                    Tab::Overview => rows::overview(&self.catalog, e),
                    Tab::Relations => rows::relations_tree(&self.catalog, e, &s.expanded),
                    Tab::Ownership => rows::ownership(&self.catalog, e, s.transitive),
                    Tab::Definition => {
                        crate::tui::entity::apiview::rows(e, &s.definition, &s.expanded)
                    }
                    Tab::Status => self.status_rows_for_screen().unwrap_or_default(),
                    Tab::Docs => Vec::new(),
                    Tab::Scorecards => self.scorecard_rows(e),
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

    /// The entity the cursor is on (list row, relation, problem), if any.
    pub fn selected_entity(&self) -> Option<String> {
        match self.screen() {
            Screen::Catalog => self.selected_hit_key(),
            Screen::Entity(s) => {
                let rows = self.rows();
                rows.get(s.cursor)
                    .and_then(|r| r.target.clone())
                    .or_else(|| Some(s.key.clone()))
            }
            Screen::Problems { cursor, .. }
            | Screen::OnCall { cursor, .. }
            | Screen::Scorecards { cursor, .. } => {
                self.rows().get(*cursor).and_then(|r| r.target.clone())
            }
            Screen::Scaffold(_) => scaffold::selected_entity(self),
            Screen::Watch => self.focused_pane_entity(),
            Screen::Port(v) => match &v.list {
                super::port::PortList::Actions { entity } => Some(entity.clone()),
                _ => None,
            },
        }
    }

    /// The entity the screen is about (the open one, or the selected list row).
    pub fn current_entity(&self) -> Option<String> {
        match self.screen() {
            Screen::Entity(s) => Some(s.key.clone()),
            _ => self.selected_entity(),
        }
    }

    /// The furthest a view of `len` rows scrolls: its last screenful at the top.
    pub(crate) fn max_scroll(&self, len: usize) -> usize {
        len.saturating_sub(usize::from(self.geometry.body_rows).max(1))
    }

    pub(crate) fn page(&self) -> usize {
        usize::from(self.geometry.body_rows.max(2) - 1)
    }

    fn move_cursor(&mut self, action: Action) {
        let page = self.page();
        let step = |cursor: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            match action {
                Action::Up => cursor.saturating_sub(1),
                Action::Down => (cursor + 1).min(len - 1),
                Action::PageUp => cursor.saturating_sub(page),
                Action::PageDown => (cursor + page).min(len - 1),
                Action::Top => 0,
                Action::Bottom => len - 1,
                _ => cursor,
            }
        };
        if matches!(self.overlay, Some(Overlay::Help { .. })) {
            // Scrolling stops at the last screenful, so the way back up is one key away.
            let lines = super::views::help_lines(self).len();
            let max = lines.saturating_sub(usize::from(self.geometry.help_rows).max(1));
            if let Some(Overlay::Help { scroll }) = &mut self.overlay {
                *scroll = step((*scroll).min(max), max + 1);
            }
            return;
        }
        if let Some(Overlay::Palette(p)) = &mut self.overlay {
            p.cursor = step(p.cursor, p.items.len());
            return;
        }
        if matches!(self.overlay, Some(Overlay::Detail(_))) {
            let lines = self.geometry.detail_lines;
            let max = lines.saturating_sub(usize::from(self.geometry.help_rows).max(1));
            if let Some(Overlay::Detail(d)) = &mut self.overlay {
                d.scroll = step(d.scroll.min(max), max + 1);
            }
            return;
        }
        match self.screen() {
            Screen::Catalog => {
                self.search.cursor = step(self.search.cursor, self.search.hits.len());
            }
            Screen::Problems { cursor, .. } | Screen::Scorecards { cursor, .. } => {
                let len = self.rows().len();
                let c = step(*cursor, len);
                if let Screen::Problems { cursor, .. } | Screen::Scorecards { cursor, .. } =
                    self.screen_mut()
                {
                    *cursor = c;
                }
            }
            Screen::Entity(s) => {
                let rows = self.rows();
                let selectable: Vec<usize> =
                    (0..rows.len()).filter(|i| rows[*i].selectable()).collect();
                let mut cursor = s.cursor;
                let mut scroll = s.scroll;
                if selectable.is_empty() {
                    // Nothing to select (a definition): move the view, down to the last
                    // screenful.
                    let max = self.max_scroll(rows.len());
                    scroll = step(scroll.min(max), max + 1);
                } else {
                    let at = selectable.iter().position(|i| *i == cursor).unwrap_or(0);
                    cursor = selectable[step(at, selectable.len())];
                    // At the ends, show the rows before the first and after the last stop too.
                    if action == Action::Bottom {
                        scroll = rows.len().saturating_sub(page + 1);
                    } else if cursor == selectable[0] {
                        scroll = 0;
                    }
                }
                if let Screen::Entity(s) = self.screen_mut() {
                    s.cursor = cursor;
                    s.scroll = scroll;
                }
            }
            Screen::Scaffold(_) => {}
            Screen::OnCall { .. } => self.live_move_cursor(&step, action == Action::Bottom),
            Screen::Watch | Screen::Port(_) => {}
        }
    }

    /// Copies through the terminal (OSC 52) and says how, or that tmux will drop it.
    pub(crate) fn copy(&mut self, text: String, what: &str) {
        let shown = crate::text::sanitize_line(&text).into_owned();
        self.effects.push(Effect::Clipboard(text));
        match super::clipboard::copy_note(self.settings.tmux, self.settings.tmux_options) {
            Ok(how) => self.notify(format!("copied {what}: {shown}{how}"), false),
            Err(why) => self.notify(why, true),
        }
    }

    /// Opens a link in the browser, or copies it where that cannot work (over SSH, no
    /// opener), saying which. Only http, https and mailto links are opened.
    pub(crate) fn open_link(&mut self, url: &str) {
        let Some(url) = super::opener::safe_url(url) else {
            let scheme = url
                .split_once(':')
                .map(|(s, _)| format!(" ({}:)", crate::text::sanitize_line(s)))
                .unwrap_or_default();
            let copy = self
                .keymap
                .keys_for(&self.contexts(), Action::CopyLink)
                .first()
                .map(|k| format!("; {k} copies it"))
                .unwrap_or_default();
            self.notify(
                format!("not opened{scheme}: only http, https and mailto links open{copy}"),
                true,
            );
            return;
        };
        if self.settings.remote {
            self.copy(url, "link (remote session, so not opened here)");
            return;
        }
        match &self.settings.opener {
            Some(opener) => {
                let name = opener
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.notify(
                    format!("opening {} with {name}", crate::text::sanitize_line(&url)),
                    false,
                );
                self.effects.push(Effect::OpenUrl(url));
            }
            None => {
                let why = format!(
                    "link (no {} here to open it, so copied instead)",
                    super::opener::OPENER
                );
                self.copy(url, &why);
            }
        }
    }

    fn selected_link(&self) -> Option<String> {
        match self.screen() {
            Screen::Entity(_) if self.docs_tab_shown() => self.docs_selected_link(),
            Screen::Entity(s) => self.rows().get(s.cursor).and_then(|r| r.link.clone()),
            _ => None,
        }
    }

    fn toggle_node(&mut self, want: Option<bool>) {
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
    fn graph_act(&mut self, action: Action) -> bool {
        if self.overlay.is_some() {
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

    /// The refs the "mine" filter keeps as owners: the configured user and their groups.
    pub fn my_owners(&self) -> Option<Vec<String>> {
        let user = self.scaffold.user.clone()?;
        let mut owners = vec![user.clone()];
        if let Some(u) = self.catalog.get(&user) {
            owners.extend(
                u.related(&crate::catalog::RelationType::MemberOf)
                    .map(str::to_owned),
            );
        }
        Some(owners)
    }

    /// Applies the list filter and order to fresh search results, and says how many of the
    /// shaped hits are in rank order: the pool ranks only the first
    /// [`RANKED`](crate::hub::search::RANKED); filtering keeps that head's order, sorting by
    /// a field orders everything.
    fn shape_hits(&self, hits: Arc<Vec<Hit>>) -> (Arc<Vec<Hit>>, usize) {
        let ranked = hits.len().min(crate::hub::search::RANKED);
        if self.list_filter == ListFilter::All && self.list_sort == ListSort::Relevance {
            return (hits, ranked);
        }
        let owners = self.my_owners().unwrap_or_default();
        let entities = self.catalog.entities();
        let keeps = |h: &&Hit| {
            let Some(e) = entities.get(h.entity) else {
                return false;
            };
            match self.list_filter {
                ListFilter::All => true,
                ListFilter::Starred => self.stars.contains(&e.key),
                ListFilter::Mine => rows::owner_of(e).is_some_and(|o| owners.contains(&o)),
            }
        };
        let head = hits[..ranked].iter().filter(keeps).count();
        let mut out: Vec<Hit> = hits.iter().filter(keeps).cloned().collect();
        let field = |h: &Hit| -> (String, String) {
            let e = &entities[h.entity];
            let f = match self.list_sort {
                ListSort::Relevance => String::new(),
                ListSort::Name => e.name().to_lowercase(),
                ListSort::Kind => e.kind().to_lowercase(),
                ListSort::Owner => rows::owner_of(e).unwrap_or_else(|| "~".into()),
                ListSort::Lifecycle => e.lifecycle().unwrap_or("~").to_lowercase(),
            };
            (f, e.name().to_lowercase())
        };
        if self.list_sort != ListSort::Relevance {
            out.sort_by_cached_key(field);
            let all = out.len();
            return (Arc::new(out), all);
        }
        (Arc::new(out), head)
    }

    /// Searches again from scratch (the filter or order changed). Results asked before hold
    /// another list: they are dropped, and nothing narrows from them.
    fn research(&mut self) {
        self.search.generation += 1;
        self.search.catalog_generation = self.search.generation;
        self.search.cursor = 0;
        self.search.offset = 0;
        self.effects.push(Effect::Search {
            generation: self.search.generation,
            query: self.search.query.clone(),
            within: None,
        });
    }

    /// A few words on the list's filter and order, for the query line; empty when neither
    /// is set.
    pub fn list_note(&self) -> String {
        let mut parts = Vec::new();
        match self.list_filter {
            ListFilter::All => {}
            ListFilter::Mine => parts.push("mine".to_owned()),
            ListFilter::Starred => parts.push("★ starred".to_owned()),
        }
        if self.list_sort != ListSort::Relevance {
            parts.push(format!("by {}", self.list_sort.label()));
        }
        parts.join(" · ")
    }

    /// Shows text whole in the detail popup (sanitised and wrapped when drawn).
    pub(crate) fn show_detail(&mut self, title: String, lines: Vec<String>) {
        self.overlay = Some(Overlay::Detail(Box::new(Detail {
            title,
            lines,
            scroll: 0,
        })));
    }

    /// The entity as loaded: its YAML in Backstage's stored form, and where it came from.
    fn show_raw_entity(&mut self) {
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
            .is_some_and(|e| super::editor::local_file(&e.origin.location).is_some())
    }

    /// `e`: asks the host to open the file on screen in the editor: the docs page on the Docs
    /// tab, the definition's `$text` file on an API's Definition tab, else the entity's
    /// descriptor at its line. Entities read from a server or the bundled demo have no file
    /// here, and it says so.
    fn edit_on_screen(&mut self) {
        let Some(e) = self
            .current_entity()
            .and_then(|k| self.catalog.get(&k).cloned())
        else {
            self.notify("select an entity first", true);
            return;
        };
        let Some(descriptor) = super::editor::local_file(&e.origin.location) else {
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
        let mut request = super::editor::EditRequest {
            file: descriptor,
            line: e.origin.pos.line,
        };
        if let Screen::Entity(s) = self.screen()
            && s.key == e.key
        {
            match s.tab {
                Tab::Docs => {
                    if let Some(file) = self.docs_page_file() {
                        request = super::editor::EditRequest { file, line: 1 };
                    }
                }
                Tab::Definition => {
                    if let Some(file) = super::editor::definition_file(&request) {
                        request = super::editor::EditRequest { file, line: 1 };
                    }
                }
                _ => {}
            }
        }
        self.effects.push(Effect::Edit(request));
    }

    /// On an API's Definition tab, switches between the explorer and the raw text; elsewhere
    /// shows the entity as loaded.
    fn toggle_definition_raw(&mut self) {
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
    fn open_definition_find(&mut self) {
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
        self.overlay = Some(Overlay::Input(Box::new(live_screens::NameInput {
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

    /// Keeps an entity screen's cursor on a row it can stop on (rows change with tabs, trees
    /// opening and closing, and reloads).
    fn settle_cursor(&mut self) {
        if !matches!(self.screen(), Screen::Entity(_)) {
            return;
        }
        let rows = self.rows();
        if let Screen::Entity(s) = self.screen_mut() {
            let ok = |i: usize| rows.get(i).is_some_and(Row::selectable);
            if !ok(s.cursor) {
                let after = (s.cursor..rows.len()).find(|i| ok(*i));
                let before = (0..s.cursor.min(rows.len())).rev().find(|i| ok(*i));
                s.cursor = after.or(before).unwrap_or(0);
            }
        }
    }

    /// Performs one named action, through its handler in the action table.
    pub fn act(&mut self, action: Action) {
        self.dirty = true;
        (action.handler())(self, action);
        self.settle_cursor();
        self.settle_oncall_cursor();
        self.sync_live();
    }

    /// The actions shared by every screen (moving, opening, navigating, copying). A scaffolder
    /// screen gives them its own meaning first (moving in a form, quitting asks first).
    fn act_general(&mut self, action: Action) {
        if scaffold::act::act(self, action) {
            return;
        }
        if super::port::list_act(self, action) {
            return;
        }
        if self.docs_act(action) {
            return;
        }
        if self.graph_act(action) {
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.overlay = match self.overlay {
                    Some(Overlay::Help { .. }) => None,
                    _ => Some(Overlay::Help { scroll: 0 }),
                }
            }
            Action::Palette => self.open_palette(),
            Action::Suspend => self.effects.push(Effect::Suspend),
            Action::ToggleMouse => {
                self.settings.mouse = !self.settings.mouse;
                self.effects.push(Effect::SetMouse(self.settings.mouse));
                let state = if self.settings.mouse {
                    "on (shift-drag selects text)"
                } else {
                    "off"
                };
                self.notify(format!("mouse capture {state}"), false);
            }
            Action::Reload => {
                self.effects.push(Effect::Reload);
                self.loading = Some(Progress {
                    files_read: 0,
                    entities: 0,
                });
            }
            Action::Back => {
                if self.overlay.take().is_some() {
                    return;
                }
                // Esc first drops the tab's filter, then a find in the definition, then goes
                // back.
                if let Screen::Entity(s) = self.screen()
                    && !s.filter.is_empty()
                {
                    self.set_row_filter(String::new());
                    return;
                }
                if let Screen::Entity(s) = self.screen()
                    && s.tab == Tab::Definition
                    && !s.definition.find.is_empty()
                {
                    self.set_definition_find(String::new());
                    return;
                }
                if self.at > 0 {
                    self.at -= 1;
                }
            }
            Action::Forward if self.at + 1 < self.history.len() => self.at += 1,
            Action::Home if !matches!(self.screen(), Screen::Catalog) => {
                self.push(Screen::Catalog);
            }
            Action::Problems => self.push(Screen::Problems {
                cursor: 0,
                scroll: 0,
            }),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => self.move_cursor(action),
            Action::SearchFocus => {
                self.overlay = None;
                if !matches!(self.screen(), Screen::Catalog) {
                    self.push(Screen::Catalog);
                }
                // The query still shown is selected, so typing replaces it (as fzf and k9s
                // do); an arrow key keeps it for editing.
                if !self.search.focused && !self.search.text().is_empty() {
                    self.search.input.select_all();
                }
                self.search.focused = true;
            }
            Action::SearchClear => {
                // Clearing never leaves the query line: the next word typed must be a query,
                // not commands (`q` quits, `p` pins).
                if self.search.text().is_empty() {
                    return;
                }
                self.search.input = SearchState::new().input;
                self.search.cursor = 0;
                self.query_changed();
            }
            Action::SearchDone => {
                self.search.input.cancel_selection();
                self.search.focused = false;
            }
            Action::Open => self.open_selected(),
            Action::Owner => {
                let owner = self
                    .current_entity()
                    .and_then(|k| self.catalog.get(&k).and_then(rows::owner_of));
                match owner {
                    Some(o) => self.open_entity(&o, Tab::Overview),
                    None => self.notify("no owner recorded for this entity", true),
                }
            }
            Action::WhoOwns => {
                if let Some(k) = self.current_entity() {
                    self.open_entity(&k, Tab::Ownership);
                }
            }
            Action::NextTab => self.switch_tab(None, 1),
            Action::PrevTab => self.switch_tab(None, -1),
            Action::Overview => self.switch_tab(Some(Tab::Overview), 0),
            Action::Relations => self.switch_tab(Some(Tab::Relations), 0),
            Action::Ownership => self.switch_tab(Some(Tab::Ownership), 0),
            Action::Definition => self.switch_tab(Some(Tab::Definition), 0),
            Action::Toggle => self.toggle_node(None),
            Action::Expand => self.toggle_node(Some(true)),
            Action::Collapse => self.toggle_node(Some(false)),
            Action::ToggleTransitive => {
                if let Screen::Entity(s) = self.screen_mut() {
                    s.transitive = !s.transitive;
                }
            }
            Action::Edit => self.edit_on_screen(),
            Action::CopyMenu => self.open_copy_menu(),
            Action::FilterRows => self.open_row_filter(),
            Action::CopyRef => match self.current_entity() {
                Some(k) => self.copy(k, "ref"),
                None => self.notify("nothing selected to copy", true),
            },
            Action::CopyLink => match self.selected_link() {
                Some(l) => self.copy(l, "link"),
                None => self.notify("select a link first (Links or annotations)", true),
            },
            Action::OpenLink => match self.selected_link() {
                Some(l) => self.open_link(&l),
                None => self.notify("select a link first (Links or annotations)", true),
            },
            Action::GraphToggle => {
                if let Some(k) = self.current_entity() {
                    self.open_entity(&k, Tab::Relations);
                    if let Screen::Entity(s) = self.screen_mut() {
                        s.graph.on = true;
                    }
                }
            }
            Action::GraphDirection
            | Action::GraphDeeper
            | Action::GraphShallower
            | Action::GraphKinds
            | Action::GraphRelations => self.notify(
                "these keys work on the relations graph (m on the Relations tab)",
                true,
            ),
            Action::DefinitionRaw => self.toggle_definition_raw(),
            Action::StarToggle => match self.current_entity() {
                Some(k) => match self.stars.toggle(&k) {
                    Ok(true) => self.notify(
                        format!("★ starred {}", crate::text::sanitize_line(&k)),
                        false,
                    ),
                    Ok(false) => self.notify(
                        format!("unstarred {}", crate::text::sanitize_line(&k)),
                        false,
                    ),
                    Err(e) => self.notify(format!("star not saved: {e}"), true),
                },
                None => self.notify("select an entity to star", true),
            },
            Action::FilterMine => {
                if self.list_filter == ListFilter::Mine {
                    self.list_filter = ListFilter::All;
                } else if self.scaffold.user.is_none() {
                    self.notify(
                        "who are you? set [scaffold] user = \"user:default/you\" in the config file",
                        true,
                    );
                    return;
                } else {
                    self.list_filter = ListFilter::Mine;
                }
                if !matches!(self.screen(), Screen::Catalog) {
                    self.push(Screen::Catalog);
                }
                self.research();
            }
            Action::FilterStarred => {
                self.list_filter = if self.list_filter == ListFilter::Starred {
                    ListFilter::All
                } else {
                    ListFilter::Starred
                };
                if self.list_filter == ListFilter::Starred && self.stars.keys.is_empty() {
                    self.notify("nothing starred yet: s stars the selected entity", false);
                }
                if !matches!(self.screen(), Screen::Catalog) {
                    self.push(Screen::Catalog);
                }
                self.research();
            }
            Action::SortNext => {
                self.list_sort = self.list_sort.next();
                self.notify(format!("sorted by {}", self.list_sort.label()), false);
                self.research();
            }
            Action::DefinitionFind => self.open_definition_find(),
            Action::CopyItem => {
                let row = match self.screen() {
                    Screen::Entity(s) => self.rows().get(s.cursor).cloned(),
                    _ => None,
                };
                match row.and_then(|r| r.copy) {
                    Some(text) => {
                        let what = if text.starts_with("curl ") {
                            "curl line"
                        } else {
                            "path"
                        };
                        self.copy(text, what)
                    }
                    None => self.notify(
                        "nothing to copy here: select an operation or a field on the Definition tab",
                        true,
                    ),
                }
            }
            Action::TogglePreview => {
                // Too narrow for the preview: say so rather than toggle something unseen.
                let width = self.geometry.width;
                let need = super::views::PREVIEW_MIN_WIDTH;
                let narrow = width > 0 && width < need;
                if narrow && self.settings.preview {
                    self.notify(
                        format!("the preview needs {need} columns; this terminal has {width}"),
                        true,
                    );
                    return;
                }
                self.settings.preview = !self.settings.preview;
                let text = match (self.settings.preview, narrow) {
                    (false, _) => "preview off".to_owned(),
                    (true, true) => {
                        format!("preview on from {need} columns; this terminal has {width}")
                    }
                    (true, false) => "preview on".to_owned(),
                };
                self.notify(text, false);
            }
            // With no page to go back (or forward) to, the docs keys move between screens.
            Action::DocsBack => self.act_general(Action::Back),
            Action::DocsForward => self.act_general(Action::Forward),
            // The table routes the scaffolder's and live status's actions to their handlers.
            _ => {}
        }
    }

    fn open_selected(&mut self) {
        if let Some(Overlay::Palette(p)) = &self.overlay {
            let item = p.items.get(p.cursor).cloned();
            self.overlay = None;
            match item {
                Some(PaletteItem::Action(a)) => self.act(a),
                Some(PaletteItem::Entity(k)) => self.open_entity(&k, Tab::Overview),
                Some(PaletteItem::Theme(name)) => self.use_theme(&name),
                Some(PaletteItem::Copy(what, text)) => self.copy(text, &what),
                None => {}
            }
            return;
        }
        match self.screen() {
            Screen::Catalog => {
                self.search.focused = false;
                self.settle_search();
                if let Some(k) = self.selected_hit_key() {
                    self.open_entity(&k, Tab::Overview);
                }
            }
            Screen::Entity(s) => {
                let rows = self.rows();
                let row = rows.get(s.cursor).cloned();
                match row {
                    Some(Row {
                        target: Some(t), ..
                    }) => {
                        // From the Scorecards tab (a team's roll-up) to the entity's grades.
                        let tab = if s.tab == Tab::Scorecards {
                            Tab::Scorecards
                        } else {
                            Tab::Overview
                        };
                        self.open_entity(&t, tab)
                    }
                    Some(Row { node: Some(_), .. }) => self.toggle_node(None),
                    Some(Row { link: Some(_), .. }) => self.act(Action::OpenLink),
                    Some(Row {
                        copy: Some(value),
                        pieces,
                        ..
                    }) if s.tab == Tab::Overview => {
                        let title = pieces
                            .first()
                            .map(|p| p.text.trim().to_owned())
                            .unwrap_or_default();
                        self.show_detail(title, value.lines().map(str::to_owned).collect());
                    }
                    _ => {}
                }
            }
            Screen::Problems { cursor, .. } => {
                match self.rows().get(*cursor).and_then(|r| r.target.clone()) {
                    Some(t) => self.open_entity(&t, Tab::Overview),
                    None => self.notify("this problem is about a file, not an entity", true),
                }
            }
            Screen::Scaffold(_) => {}
            Screen::Scorecards { cursor, .. } => {
                if let Some(t) = self.rows().get(*cursor).and_then(|r| r.target.clone()) {
                    self.open_entity(&t, Tab::Scorecards);
                }
            }
            Screen::OnCall { cursor, .. } => {
                match self.rows().get(*cursor).and_then(|r| r.target.clone()) {
                    Some(t) => self.open_entity(&t, Tab::Status),
                    None => self.notify("nothing to open on this line", true),
                }
            }
            Screen::Watch => self.open_focused_pane(),
            Screen::Port(_) => {}
        }
    }

    /// Brings the results up to date with the query right now. Enter typed straight after the
    /// query must open what the query finds, not what the previous one found while the worker
    /// is still busy.
    fn settle_search(&mut self) {
        if !self.search.searching() {
            return;
        }
        let a = self.search_now(self.search.generation, self.search.query.clone(), None);
        self.handle(AppEvent::Searched {
            generation: a.generation,
            query: a.query,
            hits: a.hits,
            facets: a.facets,
        });
        self.search.cursor = 0;
    }

    /// The Scorecards tab: a Group's roll-up, or the entity graded now (live facts as the
    /// status store has them).
    fn scorecard_rows(&self, e: &crate::catalog::Entity) -> Vec<Row> {
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

    fn open_palette(&mut self) {
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
        self.overlay = Some(Overlay::Palette(Box::new(PaletteState {
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
    fn open_copy_menu(&mut self) {
        let choices = self.copy_choices();
        if choices.is_empty() {
            self.notify("nothing to copy here", true);
            return;
        }
        self.overlay = Some(Overlay::Palette(Box::new(PaletteState {
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
    fn refilter_palette(&mut self) {
        const EXACT_ENTITY: i64 = 5;
        const EXACT_ACTION: i64 = 4;
        const NAMED: i64 = 3;
        const ENTITY_PREFIX: i64 = 2;
        const ENTITY: i64 = 1;
        const FUZZY: i64 = 0;
        const LOOSE_ENTITY: i64 = -1;
        let actions = self.palette_actions();
        let Some(Overlay::Palette(p)) = &mut self.overlay else {
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
    fn use_theme(&mut self, name: &str) {
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

    /// Runs pending searches synchronously (tests and the first frame before workers start).
    pub fn run_searches_inline(&mut self) {
        for effect in self.take_effects() {
            match effect {
                Effect::Search {
                    generation,
                    query,
                    within,
                } => {
                    let a = self.search_now(generation, query, within);
                    self.handle(AppEvent::Searched {
                        generation: a.generation,
                        query: a.query,
                        hits: a.hits,
                        facets: a.facets,
                    });
                }
                other => self.effects.push(other),
            }
        }
    }

    /// The search the hub's pool would answer, on this thread (with this session's grades for
    /// `level:` filters).
    pub fn search_request(
        &self,
        generation: u64,
        query: Query,
        within: Option<Arc<Vec<Hit>>>,
    ) -> greenroom_hub::search::SearchRequest {
        greenroom_hub::search::SearchRequest {
            index: self.index.clone(),
            generation,
            query,
            within,
            levels: self.scores.board.clone(),
        }
    }

    fn search_now(
        &self,
        generation: u64,
        query: Query,
        within: Option<Arc<Vec<Hit>>>,
    ) -> greenroom_hub::search::SearchAnswer {
        greenroom_hub::search::answer(self.search_request(generation, query, within))
    }
}
