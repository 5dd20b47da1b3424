//! The portal's router: `App`, the state every feature hangs off, with the navigation history
//! (back, forward, home), the one popup stack (`popups`), the screen's view models (`views`),
//! key and paste routing through the keymap, and the actions every screen shares (moving,
//! opening, copying). What a feature does lives in its folder as an `impl App` of its own:
//! `catalog::update`, `entity::update`, `entity::docs::update`, `live::update`, `palette`,
//! `scaffold::act`, `port`. Actions change state and may ask for effects (a search, a
//! clipboard write) that the session performs. Nothing here touches the terminal.

use super::action::Action;
pub use super::catalog::update::{ListFilter, ListSort, SearchState};
pub use super::entity::update::EntityScreen;
use super::keymap::{Context, Keymap, Lookup};
use super::keys::Chord;
pub use super::palette::{PaletteItem, PaletteState};
pub use super::popups::{Overlay, Popups};
use super::scaffold;
use super::theme::{Role, Theme};
use crate::catalog::Catalog;
use crate::search::{Facets, Hit, Query, SearchIndex};
use crate::sources::Progress;
use crate::tui::entity::rows::{self, Row, Tab};
use crossterm::event::{Event, KeyEvent, KeyEventKind, MouseEventKind};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tui_textarea::TextArea;

pub use super::live::update as live_screens;

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
    /// Ask the Port source (actions, inbox, a decision), off the UI thread.
    Port(super::port::PortRequest),
    /// Read the recent runs (Backstage tasks, Port runs), off the UI thread.
    Runs(super::port::runs::RunsRequest),
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
                | Effect::Runs(_)
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
    /// The recent runs were read.
    Runs(Box<super::port::runs::RunsLoaded>),
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
pub enum Screen {
    Catalog,
    Entity(Box<EntityScreen>),
    Problems {
        cursor: usize,
        scroll: usize,
        /// The `/` filter (empty: every row).
        filter: String,
    },
    /// The templates view, or the form / review / run of a template.
    Scaffold(scaffold::View),
    /// Who is on call, for every team.
    OnCall {
        cursor: usize,
        scroll: usize,
        /// The `/` filter (empty: every row).
        filter: String,
    },
    /// The watch workspace (its panes live in `App::watch`).
    Watch,
    /// A Port list: an entity's actions, my approvals inbox, recent runs.
    Port(super::port::PortView),
    /// Teams × scorecards, worst first.
    Scorecards {
        cursor: usize,
        scroll: usize,
        /// The `/` filter (empty: every row).
        filter: String,
    },
}

/// The help's `/` filter: the one filter-list component over the help's lines (each line of
/// keys, matched by its keys and description), typed into until Enter keeps it or Esc clears.
pub struct HelpFilter {
    pub list: crate::tui::filter_list::FilterList<usize>,
    pub typing: bool,
}

impl HelpFilter {
    /// The help's lines as `/` shows them: those kept, in their order, each group under its
    /// context's title.
    pub fn apply(&self, lines: Vec<(String, Role)>) -> Vec<(String, Role)> {
        let keep: HashSet<usize> = self.list.items().copied().collect();
        let mut out = Vec::new();
        let mut title: Option<usize> = None;
        let mut title_shown = None;
        for (i, line) in lines.iter().enumerate() {
            if line.1 == Role::Title {
                title = Some(i);
            } else if keep.contains(&i) {
                if title_shown != title
                    && let Some(t) = title
                {
                    out.push(lines[t].clone());
                    title_shown = title;
                }
                out.push(line.clone());
            }
        }
        out
    }
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
    /// The hub is still building the index of the catalogue on screen: the list shows the
    /// catalogue in its order, and searches typed meanwhile wait for the index (the query
    /// line keeps every keystroke; the newest query runs when the index arrives).
    pub indexing: bool,
    /// The hub's `catalog_version` of the catalogue on screen (0: none yet).
    pub catalog_version: u64,
    pub source: String,
    pub loading: Option<Progress>,
    pub demo: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    pub settings: Settings,
    pub search: SearchState,
    pub(crate) history: Vec<Screen>,
    pub(crate) at: usize,
    /// Everything open over the screen, the top in front (Esc pops it).
    pub popups: Popups,
    /// The screen's view models (rows, the on-call overview), built once per change.
    pub views: super::view_model::ViewModels,
    pub pending: Vec<Chord>,
    pub notice: Option<Notice>,
    pub quit: bool,
    pub dirty: bool,
    pub geometry: Geometry,
    pub(crate) effects: Vec<Effect>,
    /// The scaffolder's screens (templates, form, runs).
    pub scaffold: scaffold::ScaffoldState,
    /// Port's actions and inbox.
    pub port: super::port::PortState,
    /// The recent runs list (Backstage tasks and Port runs).
    pub runs: super::port::runs::RunsState,
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
            indexing: false,
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
            popups: Popups::default(),
            views: Default::default(),
            pending: Vec::new(),
            notice: None,
            quit: false,
            dirty: true,
            geometry: Geometry::default(),
            effects: Vec::new(),
            scaffold: scaffold::ScaffoldState::default(),
            port: Default::default(),
            runs: Default::default(),
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
        self.views.invalidate();
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
            self.indexing = snapshot.indexing;
            self.set_catalog(snapshot.catalog.clone(), snapshot.index.clone());
            if self.indexing {
                self.show_listing(snapshot.listing.clone());
            }
            super::port::after_load(self);
        } else if self.indexing
            && !snapshot.indexing
            && Arc::ptr_eq(&snapshot.catalog, &self.catalog)
        {
            // The index arrived: the newest query runs now (the listing already answers an
            // empty one, in the same order; the search adds its facets).
            self.indexing = false;
            self.index = snapshot.index.clone();
            self.search.generation += 1;
            self.effects.push(Effect::Search {
                generation: self.search.generation,
                query: self.search.query.clone(),
                within: None,
            });
            self.dirty = true;
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

    /// While the index is built: the catalogue in list order answers an empty query at once
    /// (the search asked by `set_catalog` waits for the index, see [`App::indexing`]).
    fn show_listing(&mut self, listing: Arc<Vec<Hit>>) {
        if !self.search.query.is_empty() {
            return;
        }
        let generation = self.search.generation;
        self.handle(AppEvent::Searched {
            generation,
            query: self.search.query.clone(),
            hits: listing,
            facets: Default::default(),
        });
        // The answer stands in for the search held back: nothing is on its way.
        self.search.hits_generation = generation;
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
        if g.width != self.geometry.width {
            self.views.invalidate();
        }
        self.geometry = g.clone();
        if let Some(o) = g.list_offset {
            self.search.offset = o;
        }
        if let (Some(Overlay::Help { scroll, .. }), Some(drawn)) =
            (self.popups.overlay_mut(), g.help_scroll)
        {
            *scroll = drawn;
        }
        if let (Some(Overlay::Detail(d)), Some(drawn)) = (self.popups.overlay_mut(), g.help_scroll)
        {
            d.scroll = drawn;
        }
        if let Some(scroll) = g.doc_scroll {
            match self.screen_position_mut() {
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

    /// The screen, to move its cursor or scroll only: what its view model is built from stays.
    pub(crate) fn screen_position_mut(&mut self) -> &mut Screen {
        &mut self.history[self.at]
    }

    /// The screen, to change it (its view model is built again when next read).
    pub(crate) fn screen_mut(&mut self) -> &mut Screen {
        self.views.invalidate();
        &mut self.history[self.at]
    }

    pub fn can_go_back(&self) -> bool {
        self.at > 0
    }

    /// Opens a screen after the current one, dropping any forward history (as browsers do).
    pub fn push(&mut self, screen: Screen) {
        self.views.invalidate();
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
            .chain(super::port::deadline(self))
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
        self.views.invalidate();
        scaffold::on_deadline(self, now);
        super::port::on_deadline(self, now);
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
        match self.popups.overlay() {
            Some(Overlay::Help {
                filter: Some(f), ..
            }) if f.typing => Context::Input,
            Some(Overlay::Help { .. } | Overlay::Detail(_)) => Context::Help,
            Some(Overlay::Palette(_) | Overlay::DocsSearch(_)) => Context::Palette,
            Some(Overlay::Input(_)) => Context::Input,
            None | Some(Overlay::Scaffold(_)) => self.screen_context(),
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
            self.views.invalidate();
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

    fn handle_inner(&mut self, event: AppEvent) {
        self.views.invalidate();
        match event {
            AppEvent::Terminal(e) => self.on_terminal(e),
            AppEvent::Loaded(catalog, index) => {
                let catalog = Arc::new(*catalog);
                scaffold::after_load(self, &catalog, None);
                self.catalog_version += 1;
                // Loaded with its index: nothing to wait for.
                self.indexing = false;
                self.set_catalog(catalog, index);
                super::port::after_load(self);
            }
            AppEvent::Snapshot(snapshot) => self.install_snapshot(&snapshot),
            AppEvent::Scaffold(e) => scaffold::on_event(self, e),
            AppEvent::Port(e) => super::port::on_event(self, *e),
            AppEvent::Runs(loaded) => super::port::runs::on_loaded(self, *loaded),
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

    /// Bracketed paste: into the query or palette input, on one line.
    fn on_paste(&mut self, text: &str) {
        let clean = crate::text::sanitize_line(text).into_owned();
        if self.live_paste(&clean) {
            return;
        }
        if self.docs_paste(&clean) {
            return;
        }
        if let Some(Overlay::Palette(p)) = self.popups.overlay_mut() {
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
        let typing = self.search.focused && self.popups.overlay().is_none()
            || matches!(
                self.popups.overlay(),
                Some(Overlay::Palette(_) | Overlay::Input(_) | Overlay::DocsSearch(_))
            )
            || self.context() == Context::Input
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
        if matches!(self.popups.overlay(), Some(Overlay::Input(_))) {
            self.live_type_key(input);
            return;
        }
        if let Some(Overlay::Help {
            filter: Some(f),
            scroll,
        }) = self.popups.overlay_mut()
        {
            if f.list.edit(input) {
                *scroll = 0;
            }
            return;
        }
        // ctrl-u clears the line, as in a shell (the editor would undo one edit).
        let clear_line = input.ctrl && !input.alt && input.key == Key::Char('u');
        if self.docs_type_key(input.clone(), clear_line) {
            return;
        }
        if let Some(Overlay::Palette(p)) = self.popups.overlay_mut() {
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
            Screen::Port(_) => None,
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
        if matches!(self.popups.overlay(), Some(Overlay::Help { .. })) {
            // Scrolling stops at the last screenful, so the way back up is one key away.
            let lines = super::views::help_view(self).len();
            let max = lines.saturating_sub(usize::from(self.geometry.help_rows).max(1));
            if let Some(Overlay::Help { scroll, .. }) = self.popups.overlay_mut() {
                *scroll = step((*scroll).min(max), max + 1);
            }
            return;
        }
        if let Some(Overlay::Palette(p)) = self.popups.overlay_mut() {
            p.cursor = step(p.cursor, p.items.len());
            return;
        }
        if matches!(self.popups.overlay(), Some(Overlay::Detail(_))) {
            let lines = self.geometry.detail_lines;
            let max = lines.saturating_sub(usize::from(self.geometry.help_rows).max(1));
            if let Some(Overlay::Detail(d)) = self.popups.overlay_mut() {
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
                    self.screen_position_mut()
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
                if let Screen::Entity(s) = self.screen_position_mut() {
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

    /// Shows text whole in the detail popup (sanitised and wrapped when drawn).
    pub(crate) fn show_detail(&mut self, title: String, lines: Vec<String>) {
        self.popups.push(Overlay::Detail(Box::new(Detail {
            title,
            lines,
            scroll: 0,
        })));
    }

    /// `/` in the help, and the keys of its filter line; true when the action was for it.
    fn help_filter_act(&mut self, action: Action) -> bool {
        let Some(Overlay::Help { filter, scroll }) = self.popups.overlay_mut() else {
            return false;
        };
        match (action, filter.as_mut()) {
            (Action::FilterRows, Some(f)) => f.typing = true,
            (Action::FilterRows, None) => {
                let lines = super::views::help_lines(self);
                let mut list = super::filter_list::FilterList::new("", "keys or words");
                list.set_pool(
                    lines
                        .iter()
                        .enumerate()
                        .filter(|(_, (t, role))| *role == Role::Text && !t.trim().is_empty())
                        .map(|(i, (t, _))| (t.trim().to_owned(), i))
                        .collect(),
                );
                if let Some(Overlay::Help { filter, scroll }) = self.popups.overlay_mut() {
                    *filter = Some(Box::new(HelpFilter { list, typing: true }));
                    *scroll = 0;
                }
            }
            (Action::InputSubmit, Some(f)) if f.typing => f.typing = false,
            (Action::InputCancel, Some(f)) if f.typing => {
                *filter = None;
                *scroll = 0;
            }
            // Esc on a kept filter clears it before closing the help.
            (Action::Back, Some(_)) => {
                *filter = None;
                *scroll = 0;
            }
            _ => return false,
        }
        true
    }

    /// Performs one named action, through its handler in the action table.
    pub fn act(&mut self, action: Action) {
        self.dirty = true;
        self.views.invalidate();
        if self.help_filter_act(action) {
            return;
        }
        (action.handler())(self, action);
        self.views.invalidate();
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
                if matches!(self.popups.overlay(), Some(Overlay::Help { .. })) {
                    self.popups.pop_overlay();
                } else {
                    self.popups.push(Overlay::Help {
                        scroll: 0,
                        filter: None,
                    });
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
                if self.popups.pop_overlay().is_some() {
                    return;
                }
                // Esc first drops the tab's (or list's) filter, then a find in the definition,
                // then goes back.
                if self.row_filter().is_some_and(|f| !f.is_empty()) {
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
                filter: String::new(),
            }),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => self.move_cursor(action),
            Action::SearchFocus => {
                self.popups.close_overlays();
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
        if let Some(Overlay::Palette(p)) = self.popups.overlay() {
            let item = p.items.get(p.cursor).cloned();
            self.popups.pop_overlay();
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
                let key = s.key.clone();
                match row {
                    Some(Row {
                        action: Some(id), ..
                    }) => super::port::start_action(self, &id, Some(key)),
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
                    // A leaf of the API explorer (a field, a parameter with a long
                    // description): shown whole.
                    Some(row) if s.tab == Tab::Definition && row.selectable() => {
                        let (title, lines) = crate::tui::entity::apiview::whole(&row);
                        self.show_detail(title, lines);
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
}
