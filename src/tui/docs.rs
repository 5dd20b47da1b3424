//! The state of the docs reader (an entity's Docs tab) and of the docs search overlay: the open
//! site and page, its layout at the last drawn width, scroll, the selected link, page history,
//! find-in-page, and the catalogue-wide docs index built on a worker thread. No drawing here
//! (`views::docs`) and no key handling (`app::docs`).

use crate::techdocs::{self, Backend, DocsHit, DocsIndex, Document, Laid, Site};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use tui_textarea::TextArea;

/// Where a reader is: a page and how far down it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub page: usize,
    pub scroll: usize,
}

pub struct Reader {
    /// The entity whose Docs tab this is.
    pub entity: String,
    /// The entity whose docs these are (after `techdocs-entity`).
    pub owner: String,
    pub site: Result<Arc<Site>, String>,
    pub page: usize,
    pub doc: Result<Document, String>,
    pub scroll: usize,
    /// Columns code lines are scrolled sideways by.
    pub hscroll: usize,
    /// The selected link (an index into the layout's links).
    pub link: Option<usize>,
    pub back: Vec<Place>,
    pub forward: Vec<Place>,
    /// Find in page: the text and the match under the cursor.
    pub find: Option<String>,
    pub find_at: usize,
    /// The nav tree is shown (beside the page when wide, over it when narrow) and has focus.
    pub nav_open: bool,
    pub nav_cursor: usize,
    /// The width the page was last drawn at (layouts follow it).
    pub width: AtomicUsize,
    laid: Mutex<Option<(usize, Arc<Laid>)>>,
    /// A heading to scroll to once the page is laid out.
    pub anchor: Option<String>,
}

impl Reader {
    /// Opens the docs of `entity` (nothing fetched if the site cannot be opened: the error is
    /// what the tab shows).
    pub fn open(
        catalog: &crate::catalog::Catalog,
        entity: &str,
        backends: &[Backend],
        online: bool,
    ) -> Reader {
        let mut start = None;
        let mut owner = entity.to_owned();
        let site = match catalog.get(entity) {
            None => Err(format!("{entity} is not in the catalogue")),
            Some(e) => techdocs::docs_source(catalog, e, backends)
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    start = r.start_page;
                    owner = r.owner_key;
                    Site::open(&r.source, online).map(Arc::new)
                }),
        };
        let page = match (&site, &start) {
            (Ok(s), Some(p)) => s.find_page(p).unwrap_or(0),
            _ => 0,
        };
        let mut r = Reader {
            entity: entity.to_owned(),
            owner,
            site,
            page,
            doc: Err(String::new()),
            scroll: 0,
            hscroll: 0,
            link: None,
            back: Vec::new(),
            forward: Vec::new(),
            find: None,
            find_at: 0,
            nav_open: false,
            nav_cursor: 0,
            width: AtomicUsize::new(80),
            laid: Mutex::new(None),
            anchor: None,
        };
        r.load(page);
        r
    }

    /// Shows another page of the site (from the top, or at `anchor`).
    pub fn load(&mut self, page: usize) {
        self.page = page;
        self.doc = match &self.site {
            Ok(site) if page < site.pages.len() => site.document(page),
            Ok(site) if site.pages.is_empty() => Err(format!("{} has no pages", site.name)),
            Ok(_) => Err("no such page".into()),
            Err(e) => Err(e.clone()),
        };
        self.scroll = 0;
        self.hscroll = 0;
        self.link = None;
        self.find_at = 0;
        *self.laid.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if let Ok(site) = &self.site {
            self.nav_cursor = nav_rows(site)
                .iter()
                .position(|r| r.page == Some(page))
                .unwrap_or(self.nav_cursor);
        }
    }

    /// The page laid out at the last drawn width (cached).
    pub fn laid(&self) -> Arc<Laid> {
        let width = self.width.load(Ordering::Relaxed).max(20);
        let mut cache = self.laid.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((w, laid)) = cache.as_ref()
            && *w == width
        {
            return laid.clone();
        }
        let laid = Arc::new(match &self.doc {
            Ok(doc) => techdocs::layout(doc, width),
            Err(_) => Laid::default(),
        });
        *cache = Some((width, laid.clone()));
        laid
    }

    /// Lines that hold the find text (case aside).
    pub fn matches(&self) -> Vec<usize> {
        let Some(find) = self.find.as_ref().filter(|f| !f.is_empty()) else {
            return Vec::new();
        };
        let find = find.to_lowercase();
        self.laid()
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.text().to_lowercase().contains(&find))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn site_name(&self) -> String {
        match &self.site {
            Ok(s) => s.name.clone(),
            Err(_) => "Docs".into(),
        }
    }
}

/// One row of the nav tree as drawn: depth, title, page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavRow {
    pub depth: usize,
    pub title: String,
    pub page: Option<usize>,
}

/// The nav as rows (sections always open: docs navs are short).
pub fn nav_rows(site: &Site) -> Vec<NavRow> {
    site.nav_lines()
        .into_iter()
        .map(|(depth, title, page)| NavRow { depth, title, page })
        .collect()
}

/// The docs search overlay: a query line and its results, answered on every keystroke.
pub struct SearchOverlay {
    pub input: TextArea<'static>,
    pub hits: Vec<DocsHit>,
    pub cursor: usize,
    /// Find in the page on screen instead of searching every site.
    pub find: bool,
}

/// Everything the portal keeps for docs.
#[derive(Default)]
pub struct DocsState {
    /// Backstage backends the catalogue came from (their TechDocs serve their entities' docs).
    pub backends: Vec<Backend>,
    /// Whether `url:` docs and backends are read.
    pub online: bool,
    pub reader: Option<Reader>,
    /// The catalogue-wide index, once built.
    pub index: Option<Arc<DocsIndex>>,
    /// The worker building it.
    pub indexing: Option<Receiver<DocsIndex>>,
}

impl DocsState {
    /// Starts indexing every docs site of the catalogue on a worker thread.
    pub fn start_index(&mut self, catalog: Arc<crate::catalog::Catalog>) {
        if self.index.is_some() || self.indexing.is_some() {
            return;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let backends = self.backends.clone();
        let online = self.online;
        let spawned = std::thread::Builder::new()
            .name("docs-index".into())
            .spawn(move || {
                let index = techdocs::index_catalog(&catalog, &backends, online, &|_, _| {});
                let _ = tx.send(index);
            });
        if spawned.is_ok() {
            self.indexing = Some(rx);
        }
    }

    /// Takes the finished index if the worker is done; true when it just arrived.
    pub fn poll_index(&mut self) -> bool {
        let Some(rx) = &self.indexing else {
            return false;
        };
        match rx.try_recv() {
            Ok(index) => {
                self.index = Some(Arc::new(index));
                self.indexing = None;
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => {
                self.indexing = None;
                self.index = Some(Arc::new(DocsIndex::default()));
                true
            }
        }
    }

    /// Waits for the worker (tests).
    pub fn wait_index(&mut self) {
        if let Some(rx) = self.indexing.take() {
            self.index = Some(Arc::new(rx.recv().unwrap_or_default()));
        }
    }

    /// Forgets what was read from the old catalogue (a reload).
    pub fn reset(&mut self) {
        self.reader = None;
        self.index = None;
        self.indexing = None;
    }
}
