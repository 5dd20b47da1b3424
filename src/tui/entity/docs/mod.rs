//! The state of the docs reader (an entity's Docs tab) and of the docs search overlay: the open
//! site and page, its layout at the last drawn width, scroll, the selected link, page history,
//! find-in-page, and the catalogue-wide docs index built on a worker thread. Remote docs (a
//! `url:` host, a TechDocs backend) are opened and their pages read on worker threads, so a
//! slow server never holds the UI: the reader says what it waits for, and Esc stops waiting.
//! No drawing here (`view`) and no key handling (`update`).

pub mod update;
pub mod view;

use crate::techdocs::{
    self, Backend, DocsCache, DocsHit, DocsIndex, DocsSource, Document, Laid, Site,
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use tui_textarea::TextArea;

/// What a worker brings back.
enum Fetched {
    /// The site opened (or not), its first page read.
    Site {
        site: Result<Arc<Site>, String>,
        page: usize,
        doc: Result<Document, String>,
    },
    /// A page of the open site, and where to show it from.
    Page {
        page: usize,
        doc: Result<Document, String>,
        scroll: usize,
        anchor: Option<String>,
    },
}

/// Work the reader waits for on a worker thread.
pub struct Loading {
    /// What it waits for, for people (`opening the docs at …`, `reading Runbook`).
    pub what: String,
    /// Opening the site itself (stopping leaves the tab), or reading one of its pages.
    pub site: bool,
    rx: Receiver<Fetched>,
    cancel: Arc<AtomicBool>,
}

impl Drop for Loading {
    /// A reader closed or replaced stops waiting: the worker's answer is dropped.
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Runs `work` on a worker thread; what it returns arrives through [`Reader::poll`].
fn spawn(
    what: String,
    site: bool,
    work: impl FnOnce(&AtomicBool) -> Option<Fetched> + Send + 'static,
) -> Loading {
    let (tx, rx) = std::sync::mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let spawned = std::thread::Builder::new()
        .name("docs-fetch".into())
        .spawn(move || {
            if let Some(f) = work(&flag)
                && !flag.load(Ordering::Relaxed)
            {
                let _ = tx.send(f);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("docs worker: {e}");
    }
    Loading {
        what,
        site,
        rx,
        cancel,
    }
}

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
    /// A worker opening the site or reading a page, when one is under way.
    pub loading: Option<Loading>,
    /// The page (and heading) to go to once the site has opened (a docs search result).
    pub then: Option<(usize, Option<String>)>,
}

impl Reader {
    /// Opens the docs of `entity` (nothing fetched if the site cannot be opened: the error is
    /// what the tab shows). Docs on disk open at once; remote docs open on a worker thread
    /// (see [`Reader::loading`]), kept in `cache` as they are read and served from it offline.
    pub fn open(
        catalog: &crate::catalog::Catalog,
        entity: &str,
        backends: &[Backend],
        online: bool,
        cache: Option<&DocsCache>,
    ) -> Reader {
        // The code grammars load on a worker while the first page opens.
        static WARM: std::sync::Once = std::sync::Once::new();
        WARM.call_once(|| {
            let _ = std::thread::Builder::new()
                .name("docs-grammars".into())
                .spawn(techdocs::highlight::warm_up);
        });
        let mut start = None;
        let mut owner = entity.to_owned();
        let source = match catalog.get(entity) {
            None => Err(format!("{entity} is not in the catalogue")),
            Some(e) => techdocs::docs_source(catalog, e, backends)
                .map_err(|e| e.to_string())
                .map(|r| {
                    start = r.start_page;
                    owner = r.owner_key;
                    r.source
                }),
        };
        let mut r = Reader {
            entity: entity.to_owned(),
            owner,
            site: Err(String::new()),
            page: 0,
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
            loading: None,
            then: None,
        };
        match source {
            Err(e) => r.site = Err(e),
            Ok(source @ DocsSource::Files { .. }) => {
                r.site = Site::open(&source, online).map(Arc::new);
                let page = first_page(&r.site, start.as_deref());
                r.load(page);
            }
            Ok(source) => {
                let cache = cache.cloned();
                let what = format!("opening the docs at {}", source.describe());
                r.loading = Some(spawn(what, true, move |cancel| {
                    let site = Site::open_with(&source, online, cache.as_ref()).map(Arc::new);
                    if cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    let page = first_page(&site, start.as_deref());
                    let doc = page_of(&site, page);
                    Some(Fetched::Site { site, page, doc })
                }));
            }
        }
        r
    }

    /// Shows another page of the site from the top.
    pub fn load(&mut self, page: usize) {
        self.load_at(page, 0, None);
    }

    /// Shows another page of the site, `scroll` lines down or at the heading `anchor`. A page
    /// of a remote site is read on a worker; it shows when it arrives (see [`Reader::poll`]).
    pub fn load_at(&mut self, page: usize, scroll: usize, anchor: Option<String>) {
        if let Ok(site) = &self.site
            && site.remote
            && page < site.pages.len()
        {
            let site = site.clone();
            let what = format!("reading {}", site.pages[page].title);
            self.loading = Some(spawn(what, false, move |_| {
                let doc = site.document(page);
                Some(Fetched::Page {
                    page,
                    doc,
                    scroll,
                    anchor,
                })
            }));
            return;
        }
        let doc = page_of(&self.site, page);
        self.show(page, doc, scroll, anchor);
    }

    /// Takes what a worker brought, if it is done; true when something changed.
    pub fn poll(&mut self) -> bool {
        let Some(loading) = &self.loading else {
            return false;
        };
        let fetched = match loading.rx.try_recv() {
            Ok(f) => f,
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => {
                let what = self
                    .loading
                    .take()
                    .map(|l| l.what.clone())
                    .unwrap_or_default();
                if self.site.is_err() {
                    self.site = Err(format!("{what} failed: the worker stopped"));
                }
                return true;
            }
        };
        self.loading = None;
        self.apply(fetched);
        true
    }

    fn apply(&mut self, fetched: Fetched) {
        match fetched {
            Fetched::Site { site, page, doc } => {
                self.site = site;
                self.show(page, doc, 0, None);
                if let Some((page, anchor)) = self.then.take()
                    && self.site.is_ok()
                {
                    self.load_at(page, 0, anchor);
                }
            }
            Fetched::Page {
                page,
                doc,
                scroll,
                anchor,
            } => self.show(page, doc, scroll, anchor),
        }
    }

    /// Stops waiting for the worker (its answer is dropped); returns whether it was opening
    /// the site (rather than reading a page of it), or None when nothing was under way.
    pub fn cancel(&mut self) -> Option<bool> {
        let loading = self.loading.take()?;
        loading.cancel.store(true, Ordering::Relaxed);
        Some(loading.site)
    }

    /// Waits for the worker (tests).
    pub fn wait(&mut self) {
        if let Some(loading) = self.loading.take()
            && let Ok(f) = loading.rx.recv()
        {
            self.apply(f);
        }
    }

    fn show(
        &mut self,
        page: usize,
        doc: Result<Document, String>,
        scroll: usize,
        anchor: Option<String>,
    ) {
        self.page = page;
        self.doc = doc;
        self.scroll = scroll;
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
        if let Some(a) = anchor {
            if let Some(line) = self.laid().anchors.get(&a) {
                self.scroll = *line;
            }
            self.anchor = Some(a);
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

/// The page to open first: the one `techdocs-entity-path` names, else the first.
fn first_page(site: &Result<Arc<Site>, String>, start: Option<&str>) -> usize {
    match (site, start) {
        (Ok(s), Some(p)) => s.find_page(p).unwrap_or(0),
        _ => 0,
    }
}

/// A page of the site, read and parsed.
fn page_of(site: &Result<Arc<Site>, String>, page: usize) -> Result<Document, String> {
    match site {
        Ok(site) if page < site.pages.len() => site.document(page),
        Ok(site) if site.pages.is_empty() => Err(format!("{} has no pages", site.name)),
        Ok(_) => Err("no such page".into()),
        Err(e) => Err(e.clone()),
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
    /// Where remote docs are kept for offline reading (beside the catalogue cache).
    pub cache: Option<DocsCache>,
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
        let cache = self.cache.clone();
        let spawned = std::thread::Builder::new()
            .name("docs-index".into())
            .spawn(move || {
                let index = techdocs::index_catalog(
                    &catalog,
                    &backends,
                    online,
                    cache.as_ref(),
                    &|_, _| {},
                );
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
