//! The catalogue list's state and what changes it: the query line and its searches (asked of
//! the hub's pool, latest wins, narrowing within the last results), the hits and their lazy
//! ranking, the list filter (mine, starred) and sort, and a click on a row. Drawing is `view`.

use crate::search::{Facets, Hit, Query};
use crate::tui::app::{App, AppEvent, Effect, Screen};
use crate::tui::entity::rows;
use std::sync::Arc;
use tui_textarea::TextArea;

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
    pub(crate) fn new() -> Self {
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
    pub(crate) fn next(self) -> ListSort {
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

impl App {
    /// The search worker ranks only the best hits (see `hub::search::RANKED`); when the
    /// list comes within two pages of the unranked rest, the rest is ranked once, here.
    pub(crate) fn rank_hits_in_view(&mut self) {
        let near = self.search.cursor.max(self.search.offset) + 2 * self.page().max(1) + 1;
        if self.search.ranked < self.search.hits.len() && near > self.search.ranked {
            let from = self.search.ranked;
            let hits: &mut Vec<Hit> = Arc::make_mut(&mut self.search.hits);
            self.index.order_from(hits, from);
            self.search.ranked = self.search.hits.len();
        }
    }

    pub(crate) fn click(&mut self, column: u16, row: u16) {
        let list = self.geometry.list;
        if matches!(self.screen(), Screen::Catalog)
            && self.popups.overlay().is_none()
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

    /// Re-parses the query line and asks for a search when the query changed.
    pub(crate) fn query_changed(&mut self) {
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
        if crate::tui::entity::docs::update::has_docs_terms(&query) {
            // `docs:` is answered by the TechDocs index: built once, on a worker; the
            // search runs again when it arrives (`sync_docs`).
            self.docs.start_index(self.catalog.clone());
        }
        self.search.query = query.clone();
        self.search.generation += 1;
        self.search.offset = 0;
        self.effects.push(Effect::Search {
            generation: self.search.generation,
            query,
            within,
        });
    }

    pub(crate) fn selected_hit_key(&self) -> Option<String> {
        self.search
            .hits
            .get(self.search.cursor)
            .and_then(|h| self.catalog.entities().get(h.entity))
            .map(|e| e.key.clone())
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
    pub(crate) fn shape_hits(&self, hits: Arc<Vec<Hit>>) -> (Arc<Vec<Hit>>, usize) {
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

    /// Searches the same query again, where facts outside the index changed (the TechDocs
    /// index arrived for `docs:`); the cursor stays on its entity when it is still a hit.
    pub(crate) fn research_keeping_cursor(&mut self) {
        self.search.generation += 1;
        self.effects.push(Effect::Search {
            generation: self.search.generation,
            query: self.search.query.clone(),
            within: None,
        });
    }

    /// Searches again from scratch (the filter or order changed). Results asked before hold
    /// another list: they are dropped, and nothing narrows from them.
    pub(crate) fn research(&mut self) {
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

    /// Brings the results up to date with the query right now. Enter typed straight after the
    /// query must open what the query finds, not what the previous one found while the worker
    /// is still busy.
    pub(crate) fn settle_search(&mut self) {
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

    /// Runs pending searches synchronously (tests and the first frame before workers start).
    pub fn run_searches_inline(&mut self) {
        for effect in self.take_effects() {
            match effect {
                // Held until the index arrives (see `App::indexing`).
                Effect::Search { .. } if self.indexing => {}
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
            docs: self.docs.index.clone(),
        }
    }

    pub(crate) fn search_now(
        &self,
        generation: u64,
        query: Query,
        within: Option<Arc<Vec<Hit>>>,
    ) -> greenroom_hub::search::SearchAnswer {
        greenroom_hub::search::answer(self.search_request(generation, query, within))
    }
}
