//! Remote docs kept with the catalogue cache, so they open offline: for a `url:` site or a
//! TechDocs backend's built site, the site's name, nav and page list, and the text of every
//! page read while online. One file per site (`docs-<hash>.bin`) beside the catalogue's cache
//! files (so `greenroom cache info` lists them and `greenroom cache clear` removes them), in
//! the same framed, checksummed format, written atomically after each page read. Bounded:
//! [`DOCS_CACHE_SITE_BYTES`] of page text per site (pages past it are not kept) and
//! [`DOCS_CACHE_BYTES`] for every docs file together (the oldest sites go first).
//!
//! Local docs (`dir:` beside a descriptor, the demo) are not copied: they are on disk already.

use super::site::{Format, NavItem, SitePage, Store};
use crate::limits::{DOCS_CACHE_BYTES, DOCS_CACHE_SITE_BYTES, DOCS_NESTING};
use crate::sources::cache::codec::{DecodeError, Reader, Writer, checksum};
use crate::sources::cache::{CacheError, CatalogCache, KIND_DOCS, frame, read_framed};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where docs are cached: the catalogue cache's folder.
#[derive(Clone, Debug)]
pub struct DocsCache {
    dir: PathBuf,
    catalog: CatalogCache,
}

/// What is kept of one site.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CachedSite {
    pub written_at: u64,
    pub name: String,
    pub description: Option<String>,
    pub origin: String,
    pub html: bool,
    pub nav: Vec<NavItem>,
    pub pages: Vec<SitePage>,
    pub problems: Vec<String>,
    /// Page path → its text, as read.
    pub texts: BTreeMap<String, String>,
}

impl CachedSite {
    pub fn format(&self) -> Format {
        if self.html {
            Format::Html
        } else {
            Format::Markdown
        }
    }

    fn text_bytes(&self) -> u64 {
        self.texts.values().map(|t| t.len() as u64).sum()
    }

    /// How long ago it was written.
    pub fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(UNIX_EPOCH + Duration::from_secs(self.written_at))
            .unwrap_or_default()
    }
}

impl DocsCache {
    /// Docs kept beside the catalogue cache `catalog`.
    pub fn new(catalog: &CatalogCache) -> DocsCache {
        DocsCache {
            dir: catalog.dir().to_path_buf(),
            catalog: catalog.clone(),
        }
    }

    /// The file a site's docs are kept in (by where they come from).
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir
            .join(format!("docs-{:016x}.bin", checksum(key.as_bytes())))
    }

    pub fn now(&self) -> SystemTime {
        self.catalog.now()
    }

    /// The cached copy of the site kept under `key`.
    pub fn load(&self, key: &str) -> Result<CachedSite, CacheError> {
        let payload = read_framed(&self.path(key), KIND_DOCS)?;
        decode(&payload, key).map_err(|e| CacheError::Unusable(e.0))
    }

    /// Keeps `site` under `key` (atomically), within the size limits.
    pub fn save(&self, key: &str, site: &CachedSite) -> std::io::Result<()> {
        let mut site = site.clone();
        site.written_at = self
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let bytes = frame(KIND_DOCS, &encode(&site, key));
        let path = self.path(key);
        crate::sources::cache::write_atomic(&path, &bytes)?;
        self.evict(&path);
        Ok(())
    }

    /// Removes the oldest docs files while all of them together pass [`DOCS_CACHE_BYTES`]
    /// (never `keep`, the one just written).
    fn evict(&self, keep: &Path) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = dir
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("docs-"))
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((m.modified().ok()?, m.len(), e.path()))
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        files.sort();
        for (_, len, path) in files {
            if total <= DOCS_CACHE_BYTES {
                break;
            }
            if path != keep && std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

fn encode(site: &CachedSite, key: &str) -> Vec<u8> {
    let mut w = Writer::new();
    w.str(key);
    w.varint(site.written_at);
    w.str(&site.name);
    w.opt_str(site.description.as_deref());
    w.str(&site.origin);
    w.bool(site.html);
    nav_out(&mut w, &site.nav);
    w.len(site.pages.len());
    for p in &site.pages {
        w.str(&p.path);
        w.str(&p.title);
    }
    w.len(site.problems.len());
    for p in &site.problems {
        w.str(p);
    }
    w.len(site.texts.len());
    for (path, text) in &site.texts {
        w.str(path);
        w.str(text);
    }
    w.buf
}

fn nav_out(w: &mut Writer, items: &[NavItem]) {
    w.len(items.len());
    for i in items {
        w.str(&i.title);
        w.varint(i.page.map_or(0, |p| p as u64 + 1));
        w.opt_str(i.url.as_deref());
        nav_out(w, &i.children);
    }
}

fn nav_in(r: &mut Reader, depth: usize) -> Result<Vec<NavItem>, DecodeError> {
    if depth > DOCS_NESTING {
        return Err(DecodeError("docs nav nested too deep".into()));
    }
    let n = r.len(4)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let title = r.string()?;
        let page = match r.varint()? {
            0 => None,
            p => Some(usize::try_from(p - 1).map_err(|_| DecodeError("page number".into()))?),
        };
        let url = r.opt_string()?;
        let children = nav_in(r, depth + 1)?;
        out.push(NavItem {
            title,
            page,
            url,
            children,
        });
    }
    Ok(out)
}

fn decode(payload: &[u8], key: &str) -> Result<CachedSite, DecodeError> {
    let mut r = Reader::new(payload);
    if r.str()? != key {
        return Err(DecodeError("holds another site".into()));
    }
    let mut site = CachedSite {
        written_at: r.varint()?,
        name: r.string()?,
        description: r.opt_string()?,
        origin: r.string()?,
        html: r.bool()?,
        nav: nav_in(&mut r, 0)?,
        ..CachedSite::default()
    };
    let n = r.len(2)?;
    for _ in 0..n {
        site.pages.push(SitePage {
            path: r.string()?,
            title: r.string()?,
        });
    }
    let n = r.len(1)?;
    for _ in 0..n {
        site.problems.push(r.string()?);
    }
    let n = r.len(2)?;
    for _ in 0..n {
        let path = r.string()?;
        let text = r.string()?;
        site.texts.insert(path, text);
    }
    if site.pages.len() > crate::limits::DOCS_SITE_PAGES
        || site
            .nav
            .iter()
            .any(|i| i.page.is_some_and(|p| p >= site.pages.len()))
    {
        return Err(DecodeError("docs pages out of range".into()));
    }
    Ok(site)
}

/// A remote site's store that keeps each page it reads in the cache.
pub(crate) struct Recording {
    pub inner: Box<dyn Store>,
    pub cache: DocsCache,
    pub key: String,
    pub kept: Mutex<CachedSite>,
}

impl Store for Recording {
    fn read(&self, path: &str, max_bytes: u64) -> Result<String, String> {
        let text = self.inner.read(path, max_bytes)?;
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let old = kept.texts.get(path).map_or(0, |t| t.len() as u64);
        let fits = kept.text_bytes() - old + text.len() as u64 <= DOCS_CACHE_SITE_BYTES;
        if fits && kept.texts.get(path) != Some(&text) {
            kept.texts.insert(path.to_owned(), text.clone());
            if let Err(e) = self.cache.save(&self.key, &kept) {
                tracing::warn!("docs cache {}: {e}", self.cache.path(&self.key).display());
            }
        }
        Ok(text)
    }
}

/// Pages served from a cached copy (offline): only those read while online are there.
pub(crate) struct Cached {
    pub texts: Arc<BTreeMap<String, String>>,
    pub origin: String,
}

impl Store for Cached {
    fn read(&self, path: &str, max_bytes: u64) -> Result<String, String> {
        match self.texts.get(path) {
            Some(t) if t.len() as u64 <= max_bytes => Ok(t.clone()),
            Some(_) => Err(format!("{path} is over the {max_bytes} byte limit")),
            None => Err(format!(
                "this page was not opened while {} was reachable, so it is not in the cache",
                self.origin
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> CachedSite {
        CachedSite {
            name: "Petstore".into(),
            description: Some("pets".into()),
            origin: "http://x/".into(),
            html: true,
            nav: vec![NavItem {
                title: "Guides".into(),
                page: None,
                url: None,
                children: vec![NavItem {
                    title: "Runbook".into(),
                    page: Some(1),
                    url: None,
                    children: Vec::new(),
                }],
            }],
            pages: vec![
                SitePage {
                    path: String::new(),
                    title: "Home".into(),
                },
                SitePage {
                    path: "runbook/".into(),
                    title: "Runbook".into(),
                },
            ],
            problems: vec!["p".into()],
            texts: [("runbook/".to_owned(), "<h1>Runbook</h1>".to_owned())].into(),
            written_at: 0,
        }
    }

    #[test]
    fn a_site_round_trips_and_a_damaged_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = DocsCache::new(&CatalogCache::new(tmp.path()));
        cache.save("k", &site()).unwrap();
        let back = cache.load("k").unwrap();
        assert_eq!(back.nav, site().nav);
        assert_eq!(back.texts, site().texts);
        assert!(back.written_at > 0);
        assert_eq!(cache.load("other"), Err(CacheError::Missing));
        // A flipped byte is caught by the checksum.
        let path = cache.path("k");
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(matches!(cache.load("k"), Err(CacheError::Unusable(_))));
    }

    #[test]
    fn pages_past_the_site_limit_are_not_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = DocsCache::new(&CatalogCache::new(tmp.path()));
        let big = "x".repeat((DOCS_CACHE_SITE_BYTES / 2 + 1) as usize);
        let pages: BTreeMap<String, String> =
            [("a".to_owned(), big.clone()), ("b".to_owned(), big)].into();
        let rec = Recording {
            inner: Box::new(Cached {
                texts: Arc::new(pages),
                origin: "o".into(),
            }),
            cache: cache.clone(),
            key: "k".into(),
            kept: Mutex::new(CachedSite::default()),
        };
        rec.read("a", u64::MAX).unwrap();
        rec.read("b", u64::MAX).unwrap();
        let kept = cache.load("k").unwrap();
        assert_eq!(kept.texts.keys().collect::<Vec<_>>(), ["a"]);
    }
}
