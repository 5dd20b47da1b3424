//! A docs site: its name, its nav (from `mkdocs.yml`, or MkDocs' own order when it has none),
//! its pages, and a store the pages are read from on demand (files beside a descriptor, raw
//! files on a Git host, or a TechDocs backend's built HTML). Reads stay inside the docs folder
//! and within [`limits::DOCS_PAGE_BYTES`](crate::limits::DOCS_PAGE_BYTES) per page and
//! [`limits::DOCS_SITE_BYTES`](crate::limits::DOCS_SITE_BYTES) per site.

use super::model::Document;
use super::source::DocsSource;
use crate::limits::{DOCS_PAGE_BYTES, DOCS_SITE_BYTES, DOCS_SITE_PAGES, SETTINGS_FILE_BYTES};
use crate::sources::vfs::{PathKind, Vfs, WalkItem, normalize};
use crate::text::sanitize_line;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One entry of the nav tree: a page, an outside link, or a section of entries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NavItem {
    pub title: String,
    /// The page it opens (an index into [`Site::pages`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<NavItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SitePage {
    /// Relative to the docs folder (`runbook.md`; `runbook/` for a built site).
    pub path: String,
    pub title: String,
}

/// How pages are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

/// Reads the text of a page by its path.
pub(crate) trait Store: Send + Sync {
    fn read(&self, path: &str, max_bytes: u64) -> Result<String, String>;
}

pub struct Site {
    pub name: String,
    pub description: Option<String>,
    /// Where it was read from, for people.
    pub origin: String,
    pub nav: Vec<NavItem>,
    /// Every page: those of the nav first, in its order, then any others.
    pub pages: Vec<SitePage>,
    /// Things worth saying about the site (a nav entry with no page, a page over the limit).
    pub problems: Vec<String>,
    pub format: Format,
    /// Its pages are read over the network (a `url:` host or a TechDocs backend), so reading
    /// one may take a while.
    pub remote: bool,
    /// Served from the docs cache instead of its origin, and why (`offline: cached 2 h ago`).
    pub cached: Option<String>,
    store: Box<dyn Store>,
    /// Bytes read so far, against [`DOCS_SITE_BYTES`].
    read_bytes: AtomicU64,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .field("pages", &self.pages)
            .finish_non_exhaustive()
    }
}

/// The key a page is found by, whatever way a link spells it: `runbook.md`, `runbook/`,
/// `runbook/index.html` and `runbook` are one page; `index.md` and `` are the home page.
pub fn page_key(path: &str) -> String {
    let mut p = path.trim_start_matches("./").trim_start_matches('/');
    for suffix in ["index.html", "index.md", "README.md", "readme.md"] {
        if p == suffix {
            return String::new();
        }
        if let Some(rest) = p.strip_suffix(suffix)
            && rest.ends_with('/')
        {
            p = rest;
            break;
        }
    }
    let p = p.trim_end_matches('/');
    p.strip_suffix(".md")
        .or_else(|| p.strip_suffix(".html"))
        .unwrap_or(p)
        .to_owned()
}

impl Site {
    pub(crate) fn new(name: String, origin: String, format: Format, store: Box<dyn Store>) -> Site {
        Site {
            name,
            description: None,
            origin,
            nav: Vec::new(),
            pages: Vec::new(),
            problems: Vec::new(),
            format,
            remote: false,
            cached: None,
            store,
            read_bytes: AtomicU64::new(0),
        }
    }

    /// Opens the site of a docs source, keeping remote docs in `cache` as they are read and
    /// serving them from it when the origin cannot be asked (offline, or unreachable).
    pub fn open_with(
        source: &DocsSource,
        online: bool,
        cache: Option<&super::cache::DocsCache>,
    ) -> Result<Site, String> {
        use super::cache::{Cached, CachedSite, Recording};
        let Some(cache) = cache.filter(|_| !matches!(source, DocsSource::Files { .. })) else {
            return Site::open(source, online);
        };
        let key = source.describe();
        let live = online.then(|| Site::open(source, true));
        match live {
            Some(Ok(mut site)) => {
                let mut kept = CachedSite {
                    name: site.name.clone(),
                    description: site.description.clone(),
                    origin: site.origin.clone(),
                    html: site.format == Format::Html,
                    nav: site.nav.clone(),
                    pages: site.pages.clone(),
                    problems: site.problems.clone(),
                    ..CachedSite::default()
                };
                // Pages read before and still in the site stay until read again.
                if let Ok(old) = cache.load(&key) {
                    for p in &site.pages {
                        if let Some(t) = old.texts.get(&p.path) {
                            kept.texts.insert(p.path.clone(), t.clone());
                        }
                    }
                }
                if let Err(e) = cache.save(&key, &kept) {
                    tracing::warn!("docs cache {}: {e}", cache.path(&key).display());
                }
                let inner =
                    std::mem::replace(&mut site.store, Box::new(MemoryStore(Default::default())));
                site.store = Box::new(Recording {
                    inner,
                    cache: cache.clone(),
                    key,
                    kept: std::sync::Mutex::new(kept),
                });
                Ok(site)
            }
            other => {
                let kept = match cache.load(&key) {
                    Ok(kept) => kept,
                    Err(_) => {
                        return match other {
                            Some(err) => err,
                            None => Site::open(source, false)
                                .map_err(|e| format!("{e} (and it is not in the cache yet)")),
                        };
                    }
                };
                let age = crate::sources::cache::age_text(kept.age(cache.now()));
                let why = match other {
                    Some(Err(e)) => format!("unreachable ({e}): the copy cached {age} ago"),
                    _ => format!("offline: the copy cached {age} ago"),
                };
                let mut site = Site::new(
                    kept.name.clone(),
                    kept.origin.clone(),
                    kept.format(),
                    Box::new(Cached {
                        texts: Arc::new(kept.texts),
                        origin: sanitize_line(&kept.origin).into_owned(),
                    }),
                );
                site.description = kept.description;
                site.nav = kept.nav;
                site.pages = kept.pages;
                site.problems = kept.problems;
                site.cached = Some(why);
                Ok(site)
            }
        }
    }

    /// Opens the site of a docs source. `online`: whether `url:` docs and backends are read.
    pub fn open(source: &DocsSource, online: bool) -> Result<Site, String> {
        match source {
            DocsSource::Files { vfs, dir } => open_files(vfs.clone(), dir),
            DocsSource::Url { url } => {
                if !online {
                    return Err(format!(
                        "these docs are at {}, which is not available offline; open it in a browser",
                        sanitize_line(url)
                    ));
                }
                open_url(url)
            }
            DocsSource::Backstage { .. } => {
                if !online {
                    return Err(format!(
                        "these docs are served by {}, which is not available offline",
                        source.describe()
                    ));
                }
                super::backstage::open(source)
            }
        }
    }

    /// A site whose pages are held in memory (tests, benches, fixtures).
    pub fn in_memory(name: &str, pages: Vec<(String, String)>) -> Site {
        let mut site = Site::new(
            name.to_owned(),
            "memory".into(),
            Format::Markdown,
            Box::new(MemoryStore(pages.iter().cloned().collect())),
        );
        for (path, text) in &pages {
            let title = super::markdown::parse(text, path)
                .title()
                .unwrap_or_else(|| stem_title(path));
            site.nav.push(NavItem {
                title: title.clone(),
                page: Some(site.pages.len()),
                url: None,
                children: Vec::new(),
            });
            site.pages.push(SitePage {
                path: path.clone(),
                title,
            });
        }
        site
    }

    /// The page a link or a user's argument names (`runbook`, `runbook.md`, `runbook/`), or
    /// its title, case aside.
    pub fn find_page(&self, path: &str) -> Option<usize> {
        let key = page_key(path);
        self.pages
            .iter()
            .position(|p| page_key(&p.path) == key)
            .or_else(|| {
                self.pages
                    .iter()
                    .position(|p| p.title.eq_ignore_ascii_case(path.trim()))
            })
    }

    /// The page's text, read now (within the page and site limits).
    pub fn text(&self, page: usize) -> Result<String, String> {
        let p = self.pages.get(page).ok_or("no such page")?;
        let used = self.read_bytes.load(Ordering::Relaxed);
        let left = DOCS_SITE_BYTES.saturating_sub(used);
        if left == 0 {
            return Err(format!(
                "this site has read its {DOCS_SITE_BYTES} byte limit; not reading {}",
                p.path
            ));
        }
        let text = self.store.read(&p.path, DOCS_PAGE_BYTES.min(left))?;
        self.read_bytes
            .fetch_add(text.len() as u64, Ordering::Relaxed);
        Ok(text)
    }

    /// The page, read and parsed.
    pub fn document(&self, page: usize) -> Result<Document, String> {
        let text = self.text(page)?;
        let path = &self.pages[page].path;
        Ok(match self.format {
            Format::Markdown => super::markdown::parse(&text, path),
            Format::Html => super::html::parse(&text, path),
        })
    }

    /// The nav as indented lines (`greenroom docs REF --nav`).
    pub fn nav_lines(&self) -> Vec<(usize, String, Option<usize>)> {
        fn go(items: &[NavItem], depth: usize, out: &mut Vec<(usize, String, Option<usize>)>) {
            for i in items {
                out.push((depth, i.title.clone(), i.page));
                go(&i.children, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        go(&self.nav, 0, &mut out);
        out
    }
}

struct MemoryStore(std::collections::HashMap<String, String>);

impl Store for MemoryStore {
    fn read(&self, path: &str, max_bytes: u64) -> Result<String, String> {
        let t = self.0.get(path).ok_or_else(|| format!("no page {path}"))?;
        if t.len() as u64 > max_bytes {
            return Err(format!(
                "{path} is {} bytes, over the {max_bytes} byte limit",
                t.len()
            ));
        }
        Ok(t.clone())
    }
}

/// `guide/getting-started.md` → `Getting started`.
pub(crate) fn stem_title(path: &str) -> String {
    let stem = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".md")
        .replace(['-', '_'], " ");
    let mut c = stem.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => "Home".into(),
    }
}

/// What `mkdocs.yml` says.
#[derive(Default)]
pub(crate) struct MkDocs {
    pub site_name: Option<String>,
    pub site_description: Option<String>,
    pub docs_dir: Option<String>,
    pub nav: Option<serde_yaml::Value>,
}

pub(crate) fn parse_mkdocs(text: &str) -> Result<MkDocs, String> {
    let v: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| format!("mkdocs.yml is not valid YAML: {e}"))?;
    let s = |k: &str| {
        v.get(k)
            .and_then(serde_yaml::Value::as_str)
            .map(|s| sanitize_line(s).into_owned())
    };
    Ok(MkDocs {
        site_name: s("site_name"),
        site_description: s("site_description"),
        docs_dir: s("docs_dir"),
        nav: v.get("nav").cloned(),
    })
}

/// Builds nav items from `mkdocs.yml`'s `nav`, adding the pages it names.
pub(crate) fn nav_from_yaml(
    v: &serde_yaml::Value,
    pages: &mut Vec<SitePage>,
    known: &dyn Fn(&str) -> bool,
    problems: &mut Vec<String>,
    depth: usize,
) -> Vec<NavItem> {
    let mut out = Vec::new();
    let Some(seq) = v.as_sequence() else {
        return out;
    };
    for item in seq {
        if pages.len() >= DOCS_SITE_PAGES || depth > crate::limits::DOCS_NESTING {
            break;
        }
        let (title, target) = match item {
            serde_yaml::Value::String(path) => (None, serde_yaml::Value::String(path.clone())),
            serde_yaml::Value::Mapping(m) if m.len() == 1 => {
                let (k, v) = m.iter().next().expect("one entry");
                (k.as_str().map(|t| sanitize_line(t).into_owned()), v.clone())
            }
            _ => continue,
        };
        match target {
            serde_yaml::Value::String(path) => {
                let path = sanitize_line(&path).into_owned();
                if path.contains("://") || path.starts_with("mailto:") {
                    out.push(NavItem {
                        title: title.unwrap_or_else(|| path.clone()),
                        page: None,
                        url: Some(path),
                        children: Vec::new(),
                    });
                    continue;
                }
                let path = normalize(Path::new(&path)).to_string_lossy().into_owned();
                if path.starts_with("..") || !known(&path) {
                    problems.push(format!(
                        "the nav names {path}, which is not in the docs folder"
                    ));
                    out.push(NavItem {
                        title: format!("{} (missing)", title.unwrap_or_else(|| path.clone())),
                        page: None,
                        url: None,
                        children: Vec::new(),
                    });
                    continue;
                }
                let title = title.unwrap_or_else(|| stem_title(&path));
                let page = match pages.iter().position(|p| p.path == path) {
                    Some(i) => i,
                    None => {
                        pages.push(SitePage {
                            path: path.clone(),
                            title: title.clone(),
                        });
                        pages.len() - 1
                    }
                };
                out.push(NavItem {
                    title,
                    page: Some(page),
                    url: None,
                    children: Vec::new(),
                });
            }
            serde_yaml::Value::Sequence(_) => {
                let children = nav_from_yaml(&target, pages, known, problems, depth + 1);
                out.push(NavItem {
                    title: title.unwrap_or_default(),
                    page: None,
                    url: None,
                    children,
                });
            }
            _ => {}
        }
    }
    out
}

/// MkDocs' own order when there is no `nav`: in each folder its index (or README) first, then
/// the other pages by name, then the sub-folders by name as sections.
pub(crate) fn default_nav(
    paths: &[String],
    pages: &mut Vec<SitePage>,
    title_of: &dyn Fn(&str) -> String,
) -> Vec<NavItem> {
    fn build(
        prefix: &str,
        paths: &[String],
        pages: &mut Vec<SitePage>,
        title_of: &dyn Fn(&str) -> String,
    ) -> Vec<NavItem> {
        let mut files: Vec<&String> = Vec::new();
        let mut dirs: Vec<String> = Vec::new();
        for p in paths {
            let Some(rest) = p.strip_prefix(prefix) else {
                continue;
            };
            match rest.split_once('/') {
                Some((d, _)) => {
                    if !dirs.iter().any(|x| x == d) {
                        dirs.push(d.to_owned());
                    }
                }
                None => files.push(p),
            }
        }
        let is_index = |p: &str| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name == "index.md" || name.eq_ignore_ascii_case("readme.md")
        };
        files.sort_by_key(|p| (!is_index(p), p.to_lowercase()));
        dirs.sort_by_key(|d| d.to_lowercase());
        let mut out = Vec::new();
        for f in files {
            let title = title_of(f);
            pages.push(SitePage {
                path: f.clone(),
                title: title.clone(),
            });
            out.push(NavItem {
                title,
                page: Some(pages.len() - 1),
                url: None,
                children: Vec::new(),
            });
        }
        for d in dirs {
            let children = build(&format!("{prefix}{d}/"), paths, pages, title_of);
            out.push(NavItem {
                title: stem_title(&d),
                page: None,
                url: None,
                children,
            });
        }
        out
    }
    build("", paths, pages, title_of)
}

/// Pages read from a folder through a [`Vfs`], never from outside the docs folder.
struct FileStore {
    vfs: Arc<dyn Vfs>,
    docs: PathBuf,
    docs_identity: PathBuf,
}

impl FileStore {
    fn resolve(&self, rel: &str) -> Result<PathBuf, String> {
        let path = normalize(&self.docs.join(rel));
        if Path::new(rel).is_absolute()
            || !path.starts_with(&self.docs)
            || !self.vfs.identity(&path).starts_with(&self.docs_identity)
        {
            return Err(format!(
                "{} is outside the docs folder {}; not read",
                sanitize_line(rel),
                self.vfs.display(&self.docs)
            ));
        }
        Ok(path)
    }
}

impl Store for FileStore {
    fn read(&self, rel: &str, max_bytes: u64) -> Result<String, String> {
        let path = self.resolve(rel)?;
        match self.vfs.kind(&path) {
            PathKind::Missing => return Err(format!("no page {}", self.vfs.display(&path))),
            PathKind::Dir => return Err(format!("{} is a folder", self.vfs.display(&path))),
            PathKind::File(_) => {}
        }
        let bytes = self
            .vfs
            .read(&path, max_bytes)
            .map_err(|e| format!("{}: {e}", self.vfs.display(&path)))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn open_files(vfs: Arc<dyn Vfs>, dir: &Path) -> Result<Site, String> {
    if vfs.kind(dir) != PathKind::Dir {
        return Err(format!(
            "the docs folder {} does not exist",
            vfs.display(dir)
        ));
    }
    let mut mk = MkDocs::default();
    let mut problems = Vec::new();
    let yml = ["mkdocs.yml", "mkdocs.yaml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| matches!(vfs.kind(p), PathKind::File(_)));
    match &yml {
        Some(p) => {
            let bytes = vfs
                .read(p, SETTINGS_FILE_BYTES)
                .map_err(|e| format!("{}: {e}", vfs.display(p)))?;
            mk = parse_mkdocs(&String::from_utf8_lossy(&bytes))
                .map_err(|e| format!("{}: {e}", vfs.display(p)))?;
        }
        None => problems.push(format!(
            "no mkdocs.yml in {}; reading docs/ with MkDocs' defaults",
            vfs.display(dir)
        )),
    }
    let docs_dir = mk.docs_dir.clone().unwrap_or_else(|| "docs".into());
    let docs = normalize(&dir.join(&docs_dir));
    let dir_identity = vfs.identity(dir);
    let docs_identity = vfs.identity(&docs);
    if !docs.starts_with(dir) || !docs_identity.starts_with(&dir_identity) {
        return Err(format!(
            "docs_dir `{}` leads outside the site folder {}; not read",
            sanitize_line(&docs_dir),
            vfs.display(dir)
        ));
    }
    if vfs.kind(&docs) != PathKind::Dir {
        return Err(format!(
            "the docs folder {} does not exist",
            vfs.display(&docs)
        ));
    }
    let mut paths: Vec<String> = Vec::new();
    for item in vfs.walk(&docs, &docs_identity, &|p: &Path| {
        p.extension().is_some_and(|e| e == "md")
    }) {
        match item {
            WalkItem::File(p) => {
                if paths.len() >= DOCS_SITE_PAGES {
                    problems.push(format!(
                        "more than {DOCS_SITE_PAGES} pages; the rest are not listed"
                    ));
                    break;
                }
                if let Ok(rel) = p.strip_prefix(&docs) {
                    paths.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
            WalkItem::Outside { link, .. } => problems.push(format!(
                "{} leads outside the docs folder; not read",
                vfs.display(&link)
            )),
            WalkItem::Loop { link, .. } => {
                problems.push(format!("{} is a symlink loop", vfs.display(&link)))
            }
            WalkItem::Unreadable { path, reason } => {
                problems.push(format!("{}: {reason}", vfs.display(&path)))
            }
        }
    }
    let name = mk.site_name.clone().unwrap_or_else(|| {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "docs".into())
    });
    let store = FileStore {
        vfs: vfs.clone(),
        docs: docs.clone(),
        docs_identity,
    };
    let title_of = |p: &str| -> String {
        store
            .read(p, DOCS_PAGE_BYTES)
            .ok()
            .and_then(|t| first_heading(&t))
            .unwrap_or_else(|| stem_title(p))
    };
    let mut pages = Vec::new();
    let nav = match &mk.nav {
        Some(v) => {
            let known = |p: &str| paths.iter().any(|x| x == p);
            nav_from_yaml(v, &mut pages, &known, &mut problems, 0)
        }
        None => default_nav(&paths, &mut pages, &title_of),
    };
    // Pages the nav leaves out are still pages (links reach them).
    for p in &paths {
        if !pages.iter().any(|x| &x.path == p) {
            pages.push(SitePage {
                path: p.clone(),
                title: stem_title(p),
            });
        }
    }
    let mut site = Site::new(name, vfs.display(dir), Format::Markdown, Box::new(store));
    site.description = mk.site_description;
    site.nav = nav;
    site.pages = pages;
    site.problems = problems;
    Ok(site)
}

/// The text of the first ATX heading of a Markdown page, cheaply.
fn first_heading(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| sanitize_line(t.trim()).into_owned())
}

/// Raw files on a Git host, under the folder a `url:` ref names.
struct UrlStore {
    base: String,
    fetcher: crate::sources::http::HttpFetcher,
}

impl UrlStore {
    fn url_of(&self, rel: &str) -> Result<url::Url, String> {
        let base = self.base.trim_end_matches('/');
        // A folder on GitHub (`/tree/main/`) holds files at `/blob/main/...`.
        let base = base.replacen("/tree/", "/blob/", 1);
        let u = url::Url::parse(&format!("{base}/{rel}"))
            .map_err(|e| format!("{}: {e}", sanitize_line(&self.base)))?;
        Ok(crate::sources::http::raw_url(&u))
    }
}

impl Store for UrlStore {
    fn read(&self, rel: &str, max_bytes: u64) -> Result<String, String> {
        self.fetcher.get_text(&self.url_of(rel)?, max_bytes)
    }
}

fn open_url(url: &str) -> Result<Site, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("`{}`: {e}", sanitize_line(url)))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "`{}`: only http(s) docs URLs are read",
            sanitize_line(url)
        ));
    }
    let store = UrlStore {
        base: url.to_owned(),
        fetcher: crate::sources::http::HttpFetcher::new()?,
    };
    let yml = store.read("mkdocs.yml", SETTINGS_FILE_BYTES)?;
    let mk = parse_mkdocs(&yml)?;
    let docs_dir = mk.docs_dir.clone().unwrap_or_else(|| "docs".into());
    if normalize(Path::new(&docs_dir)).starts_with("..") || docs_dir.contains("://") {
        return Err(format!(
            "docs_dir `{}` leads outside the site",
            sanitize_line(&docs_dir)
        ));
    }
    let store = UrlStore {
        base: format!(
            "{}/{}",
            url.trim_end_matches('/'),
            docs_dir.trim_matches('/')
        ),
        fetcher: store.fetcher,
    };
    let mut problems = Vec::new();
    let mut pages = Vec::new();
    // Without a listing, only the nav (or the home page) is known.
    let nav = match &mk.nav {
        Some(v) => nav_from_yaml(v, &mut pages, &|_| true, &mut problems, 0),
        None => default_nav(&["index.md".to_owned()], &mut pages, &|p| stem_title(p)),
    };
    let mut site = Site::new(
        mk.site_name.clone().unwrap_or_else(|| "docs".into()),
        sanitize_line(url).into_owned(),
        Format::Markdown,
        Box::new(store),
    );
    site.description = mk.site_description;
    site.nav = nav;
    site.pages = pages;
    site.problems = problems;
    site.remote = true;
    Ok(site)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::vfs::DiskFs;

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let p = root.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    fn open(root: &Path) -> Result<Site, String> {
        Site::open(
            &DocsSource::Files {
                vfs: Arc::new(DiskFs::new()),
                dir: root.to_path_buf(),
            },
            false,
        )
    }

    #[test]
    fn nav_from_mkdocs_yml_with_sections_and_missing_pages() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        write(
            &root,
            &[
                (
                    "mkdocs.yml",
                    "site_name: Svc\nnav:\n  - Home: index.md\n  - Guides:\n    - Setup: guides/setup.md\n    - guides/deploy.md\n  - Gone: gone.md\n  - Grafana: https://grafana.example\n",
                ),
                ("docs/index.md", "# Home\n"),
                ("docs/guides/setup.md", "# Setup\n"),
                ("docs/guides/deploy.md", "# Deploy\n"),
                ("docs/extra.md", "# Extra\n"),
            ],
        );
        let site = open(&root).unwrap();
        assert_eq!(site.name, "Svc");
        let lines: Vec<(usize, String)> = site
            .nav_lines()
            .into_iter()
            .map(|(d, t, _)| (d, t))
            .collect();
        assert_eq!(
            lines,
            [
                (0, "Home".into()),
                (0, "Guides".into()),
                (1, "Setup".into()),
                (1, "Deploy".into()),
                (0, "Gone (missing)".into()),
                (0, "Grafana".into())
            ]
        );
        assert!(site.problems.iter().any(|p| p.contains("gone.md")));
        // Pages out of the nav are still there for links.
        assert!(site.find_page("extra.md").is_some());
        assert_eq!(
            site.find_page("guides/setup/"),
            site.find_page("guides/setup.md")
        );
        assert!(site.document(site.find_page("Setup").unwrap()).is_ok());
    }

    #[test]
    fn without_nav_mkdocs_order_index_first_then_names_then_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        write(
            &root,
            &[
                ("mkdocs.yml", "site_name: S\ndocs_dir: pages\n"),
                ("pages/zeta.md", "# Zeta page\n"),
                ("pages/alpha.md", "no heading\n"),
                ("pages/index.md", "# Welcome\n"),
                ("pages/b/index.md", "# B home\n"),
            ],
        );
        let site = open(&root).unwrap();
        let titles: Vec<String> = site.nav_lines().into_iter().map(|(_, t, _)| t).collect();
        assert_eq!(titles, ["Welcome", "Alpha", "Zeta page", "B", "B home"]);
    }

    #[test]
    fn reads_stay_inside_the_docs_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        write(
            &root,
            &[
                ("site/mkdocs.yml", "site_name: S\n"),
                ("site/docs/index.md", "# I\n"),
                ("secret.md", "# secret\n"),
            ],
        );
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("secret.md"), root.join("site/docs/leak.md")).unwrap();
        let site = open(&root.join("site")).unwrap();
        assert!(site.find_page("leak.md").is_none(), "{:?}", site.pages);
        assert!(
            site.problems.iter().any(|p| p.contains("outside")),
            "{:?}",
            site.problems
        );
        let e = site.store.read("../../secret.md", 1000).unwrap_err();
        assert!(e.contains("outside the docs folder"), "{e}");
        // docs_dir may not climb out either.
        write(
            &root,
            &[("bad/mkdocs.yml", "site_name: B\ndocs_dir: ../site/docs\n")],
        );
        let e = open(&root.join("bad")).unwrap_err();
        assert!(e.contains("leads outside"), "{e}");
    }

    #[test]
    fn page_and_site_limits_hold() {
        let big = "x".repeat((DOCS_PAGE_BYTES + 1) as usize);
        let site = Site::in_memory("s", vec![("big.md".into(), big)]);
        let e = site.text(0).unwrap_err();
        assert!(e.contains("limit"), "{e}");
        let site = Site::in_memory("s", vec![("a.md".into(), "# A\n".into())]);
        site.read_bytes.store(DOCS_SITE_BYTES, Ordering::Relaxed);
        assert!(site.text(0).unwrap_err().contains("byte limit"));
    }

    #[test]
    fn url_docs_say_where_to_look_when_offline() {
        let src = DocsSource::Url {
            url: "https://github.com/o/r/tree/main".into(),
        };
        let e = Site::open(&src, false).unwrap_err();
        assert!(
            e.contains("not available offline") && e.contains("https://github.com/o/r/tree/main"),
            "{e}"
        );
    }

    #[test]
    fn page_keys_join_every_spelling() {
        for p in [
            "runbook.md",
            "runbook/",
            "runbook/index.html",
            "runbook",
            "./runbook.md",
        ] {
            assert_eq!(page_key(p), "runbook", "{p}");
        }
        for p in ["", "index.md", "index.html", "README.md"] {
            assert_eq!(page_key(p), "", "{p}");
        }
        assert_eq!(page_key("a/b/index.md"), "a/b");
    }
}
