//! The catalogue cache: every source's last output kept in the XDG cache dir, so a start draws
//! its first frame at once and works with the network down, and a refresh of unchanged files
//! parses nothing.
//!
//! On disk (`<cache dir>/catalog/`), one file per source (`source-<hash>.bin`: its output, and
//! for files the stamps of what was read) and one per set of sources (`catalog-<hash>.bin`: the
//! assembled catalogue, relations and diagnostics included, which is what a start reads). Each
//! file is a 32-byte header (magic, format version, kind, payload length, checksum) and a
//! payload in [`codec`]'s encoding, written to a temporary file beside it, synced and renamed,
//! so a reader sees the old file or the new one, never half of one. A file that is missing,
//! damaged, truncated, too big or of another format version is ignored with a warning and
//! rebuilt.
//!
//! The rule for using it ([`Policy`]): a file source is revalidated by its stamps (every file
//! read, with its size and mtime, and every directory walk replayed), and parsed again only
//! when something changed; a remote source (Backstage, Port) is served from the cache when it
//! is younger than the policy's max age, and fetched otherwise; when fetching fails, its cached
//! entities are served and its state says so, with their age. `--offline` ([`Policy::Offline`])
//! asks no server: remote sources come from the cache alone; files, being local, are still
//! revalidated (and read with no `$text` URL fetched).

pub mod codec;

use super::{LoadOptions, Source, SourceOutput, files::Stamps};
use crate::catalog::{Catalog, Diagnostic, Entity, Severity};
use crate::yaml::Pos;
use codec::{DecodeError, Reader, Writer};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The payload encoding's version; a file of any other version is rebuilt. 2: entities in
/// blocks with string tables (see [`codec`]). 3: a reference site's target is its canonical
/// ref (one string, not three), a relation's target shared.
pub const FORMAT_VERSION: u32 = 3;
const MAGIC: &[u8; 8] = b"GRCACHE\0";
const HEADER: usize = 32;
const KIND_SOURCE: u8 = 1;
const KIND_CATALOG: u8 = 2;
/// A docs site's pages (see `techdocs::cache`).
pub const KIND_DOCS: u8 = 3;

/// Why a cache file was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheError {
    Missing,
    /// Present but not usable (damaged, another version, unreadable): rebuilt.
    Unusable(String),
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced, then renamed over
/// it (and the directory synced), so no reader ever sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// A whole cache file: header and payload.
pub fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&[kind, 0, 0, 0]);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&codec::checksum(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Checks a cache file's header and checksum and returns its payload.
pub fn unframe(kind: u8, bytes: &[u8]) -> Result<&[u8], CacheError> {
    let unusable = |why: &str| Err(CacheError::Unusable(why.to_owned()));
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return unusable("not a greenroom cache file");
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
    if version != FORMAT_VERSION {
        let who = if version < FORMAT_VERSION {
            "an older"
        } else {
            "a newer"
        };
        return Err(CacheError::Unusable(format!(
            "written by {who} greenroom (cache format {version}, this one reads {FORMAT_VERSION})"
        )));
    }
    if bytes[12] != kind {
        return unusable("a cache file of another kind");
    }
    let len = word(16);
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != len {
        return unusable("truncated (or extended) since it was written");
    }
    if codec::checksum(payload) != word(24) {
        return unusable("damaged: its checksum does not match");
    }
    Ok(payload)
}

pub(crate) fn read_framed(path: &Path, kind: u8) -> Result<Vec<u8>, CacheError> {
    let bytes = match crate::fsread::read_regular(path, crate::limits::CACHE_FILE_BYTES) {
        Ok(b) => b,
        Err(e) if e.is_not_found() => return Err(CacheError::Missing),
        Err(e) => return Err(CacheError::Unusable(e.to_string())),
    };
    let payload = unframe(kind, &bytes)?.to_vec();
    Ok(payload)
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn time(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Where one source stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceState {
    /// Read (or revalidated) just now.
    Fresh,
    /// Served from the cache; a refresh is on its way.
    Refreshing,
    /// Served from the cache without asking (`--offline`, or younger than the max age).
    Cached,
    /// Could not be read: served from the cache (its age in [`SourceStatus::cached_at`]).
    Offline(String),
    /// Could not be read and nothing was cached.
    Failed(String),
    /// Not cached (the bundled demo), read every time.
    Uncached,
}

/// One source as the header and `greenroom cache info` show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceStatus {
    pub name: String,
    pub state: SourceState,
    pub entities: usize,
    /// When what is shown was read from the source.
    pub cached_at: Option<SystemTime>,
}

/// "12 s", "5 min", "3 h", "2 d": an age for people.
pub fn age_text(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

impl SourceStatus {
    pub fn age(&self, now: SystemTime) -> Option<Duration> {
        self.cached_at
            .map(|t| now.duration_since(t).unwrap_or_default())
    }

    /// "fresh", "refreshing (cached 5 min ago)", "cached 5 min ago", "offline (cached 2 h
    /// ago): why", "failed: why".
    pub fn state_text(&self, now: SystemTime) -> String {
        let age = self
            .age(now)
            .map_or_else(String::new, |a| format!(" (cached {} ago)", age_text(a)));
        match &self.state {
            SourceState::Fresh => "fresh".into(),
            SourceState::Uncached => "read".into(),
            SourceState::Refreshing => format!("refreshing{age}"),
            SourceState::Cached => self.age(now).map_or_else(
                || "cached".into(),
                |a| format!("cached {} ago", age_text(a)),
            ),
            SourceState::Offline(why) => format!("offline{age}: {why}"),
            SourceState::Failed(why) => format!("failed: {why}"),
        }
    }
}

/// When a command may use the cache instead of asking a remote source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Ask every remote source (the portal's background refresh).
    Refresh,
    /// Use a remote source's cached copy while younger than this.
    MaxAge(Duration),
    /// No network: remote sources from the cache alone (failed when nothing is cached);
    /// files revalidated as usual.
    Offline,
}

/// The catalogue as cached: what a start draws first.
#[derive(Debug)]
pub struct Warm {
    pub catalog: Catalog,
    pub sources: Vec<SourceStatus>,
    /// When the catalogue was assembled.
    pub written_at: SystemTime,
}

/// A refresh's result.
#[derive(Debug)]
pub struct Refreshed {
    /// `None` when the warm catalogue given to [`CatalogCache::refresh`] still holds.
    pub catalog: Option<Catalog>,
    pub sources: Vec<SourceStatus>,
    /// Cache files ignored (damaged, another version) or not written.
    pub warnings: Vec<String>,
}

/// One cache file, for `greenroom cache info`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileInfo {
    pub path: PathBuf,
    /// `source`, `catalog` or `docs`.
    pub kind: &'static str,
    /// The source it holds ("files in ./catalog", "Backstage at ..."), or every source joined.
    pub source: String,
    pub entities: usize,
    pub bytes: u64,
    pub written_at: Option<u64>,
    pub version: Option<u32>,
    /// Why it would not be used, if so.
    pub problem: Option<String>,
}

/// A source's cache entry.
struct SourceEntry {
    description: String,
    written_at: SystemTime,
    stamps: Option<Stamps>,
    payload: Vec<u8>,
    /// Where the files' memo (see [`super::files::Memo`]) lies in `payload`.
    memo: std::ops::Range<usize>,
    /// Where the output starts in `payload`.
    output_at: usize,
}

impl SourceEntry {
    fn output(&self) -> Result<SourceOutput, DecodeError> {
        let mut r = Reader::new(&self.payload[self.output_at..]);
        let relations_given = r.bool()?;
        let entities = r.entities()?;
        let diagnostics = r.diagnostics()?;
        Ok(SourceOutput {
            entities,
            diagnostics,
            relations_given,
            failed: None,
        })
    }
}

pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The cache of one user's catalogue sources.
#[derive(Clone)]
pub struct CatalogCache {
    dir: PathBuf,
    clock: Clock,
    /// False: reads only (see [`CatalogCache::read_only`]).
    writes: bool,
}

impl std::fmt::Debug for CatalogCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogCache")
            .field("dir", &self.dir)
            .finish()
    }
}

fn hash_name(prefix: &str, key: &str) -> String {
    format!("{prefix}-{:016x}.bin", codec::checksum(key.as_bytes()))
}

/// What makes a source's output differ besides the source itself: the load options.
fn full_key(source: &dyn Source, opts: &LoadOptions) -> Option<String> {
    let key = source.cache_key()?;
    // Not `online`: `--offline` must find the same entry (descriptors with placeholders are
    // read again anyway, see `Stamps::volatile`).
    Some(format!(
        "{key}\n{}\n{:?}\n{}\n{:?}",
        opts.pattern, opts.check.extra_kinds, opts.max_file_bytes, opts.rules
    ))
}

impl CatalogCache {
    /// The cache under `cache_dir` (the app's XDG cache dir): files go in `catalog/` below it.
    pub fn new(cache_dir: &Path) -> CatalogCache {
        CatalogCache {
            dir: cache_dir.join("catalog"),
            clock: Arc::new(SystemTime::now),
            writes: true,
        }
    }

    /// The same cache, used but never written: a one-shot command (`export`) takes what is
    /// cached and still valid, and leaves filling the cache (seconds of CPU and hundreds of
    /// MiB at 100k entities) to the commands and the portal that start again and again.
    pub fn read_only(mut self) -> Self {
        self.writes = false;
        self
    }

    /// Whether this cache writes what it reads.
    pub fn writes(&self) -> bool {
        self.writes
    }

    /// The same cache reading the time from `clock` (tests).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }

    fn catalog_path(&self, keys: &[Option<String>]) -> PathBuf {
        let all: Vec<&str> = keys.iter().map(|k| k.as_deref().unwrap_or("-")).collect();
        self.dir.join(hash_name("catalog", &all.join("\u{1}")))
    }

    fn source_path(&self, key: &str) -> PathBuf {
        self.dir.join(hash_name("source", key))
    }

    fn read_source(&self, key: &str) -> Result<SourceEntry, CacheError> {
        let payload = read_framed(&self.source_path(key), KIND_SOURCE)?;
        type Head = (
            String,
            String,
            SystemTime,
            Option<Stamps>,
            std::ops::Range<usize>,
            usize,
        );
        let decode = |payload: &[u8]| -> Result<Head, DecodeError> {
            let mut r = Reader::new(payload);
            let stored_key = r.string()?;
            let description = r.string()?;
            let written_at = time(r.varint()?);
            let stamps = if r.bool()? {
                Some(Stamps::decode(&mut r)?)
            } else {
                None
            };
            let memo_len = r.len(1)?;
            let memo_at = payload.len() - r.remaining();
            r.bytes(memo_len)?;
            let memo = memo_at..memo_at + memo_len;
            Ok((
                stored_key,
                description,
                written_at,
                stamps,
                memo,
                payload.len() - r.remaining(),
            ))
        };
        let (stored_key, description, written_at, stamps, memo, output_at) =
            decode(&payload).map_err(|e| CacheError::Unusable(e.0))?;
        if stored_key != key {
            return Err(CacheError::Unusable("holds another source".into()));
        }
        Ok(SourceEntry {
            description,
            written_at,
            stamps,
            payload,
            memo,
            output_at,
        })
    }

    fn write_source(
        &self,
        key: &str,
        description: &str,
        written_at: SystemTime,
        stamps: Option<&Stamps>,
        memo: &[u8],
        output: &SourceOutput,
    ) -> std::io::Result<()> {
        if !self.writes {
            return Ok(());
        }
        let mut w = Writer::new();
        w.str(key);
        w.str(description);
        w.varint(secs(written_at));
        w.bool(stamps.is_some());
        if let Some(s) = stamps {
            s.encode(&mut w);
        }
        w.len(memo.len());
        w.buf.extend_from_slice(memo);
        w.bool(output.relations_given);
        w.entities(&output.entities);
        w.diagnostics(&output.diagnostics);
        write_atomic(&self.source_path(key), &frame(KIND_SOURCE, &w.buf))
    }

    fn write_catalog(
        &self,
        keys: &[Option<String>],
        statuses: &[SourceStatus],
        catalog: &Catalog,
    ) -> std::io::Result<()> {
        if !self.writes {
            return Ok(());
        }
        let mut w = Writer::new();
        w.varint(secs(self.now()));
        w.len(keys.len());
        for (k, s) in keys.iter().zip(statuses) {
            w.opt_str(k.as_deref());
            w.str(&s.name);
            w.varint(s.cached_at.map_or(0, secs));
            w.len(s.entities);
        }
        w.entities(catalog.entities());
        w.diagnostics(catalog.diagnostics());
        write_atomic(&self.catalog_path(keys), &frame(KIND_CATALOG, &w.buf))
    }

    /// The cached catalogue of these sources, at once: the assembled copy when there is one,
    /// else assembled from the sources' own entries. `None` (with the reasons as warnings)
    /// when nothing usable is cached for some source.
    pub fn open(
        &self,
        sources: &[Box<dyn Source>],
        opts: &LoadOptions,
    ) -> (Option<Warm>, Vec<String>) {
        let mut warnings = Vec::new();
        let keys: Vec<Option<String>> = sources.iter().map(|s| full_key(&**s, opts)).collect();
        if keys.iter().all(Option::is_none) {
            return (None, warnings);
        }
        let path = self.catalog_path(&keys);
        match read_framed(&path, KIND_CATALOG)
            .and_then(|p| decode_catalog(&p, &keys).map_err(|e| CacheError::Unusable(e.0)))
        {
            Ok(warm) => return (Some(warm), warnings),
            Err(CacheError::Missing) => {}
            Err(CacheError::Unusable(why)) => warnings.push(format!(
                "the cached catalogue {} is ignored and will be rebuilt: {why}",
                path.display()
            )),
        }
        // Assemble from the sources' entries (another combination of sources was cached).
        let mut outputs = Vec::new();
        let mut statuses = Vec::new();
        for (s, key) in sources.iter().zip(&keys) {
            let Some(key) = key else {
                outputs.push((s.describe(), s.load(opts)));
                statuses.push(SourceStatus {
                    name: s.describe(),
                    state: SourceState::Uncached,
                    entities: outputs.last().map_or(0, |o| o.1.entities.len()),
                    cached_at: None,
                });
                continue;
            };
            let entry = match self.read_source(key) {
                Ok(e) => e,
                Err(e) => {
                    self.warn_entry(key, e, &mut warnings);
                    return (None, warnings);
                }
            };
            match entry.output() {
                Ok(out) => {
                    statuses.push(SourceStatus {
                        name: entry.description.clone(),
                        state: SourceState::Cached,
                        entities: out.entities.len(),
                        cached_at: Some(entry.written_at),
                    });
                    outputs.push((entry.description, out));
                }
                Err(e) => {
                    self.warn_entry(key, CacheError::Unusable(e.0), &mut warnings);
                    return (None, warnings);
                }
            }
        }
        let written_at = statuses
            .iter()
            .filter_map(|s| s.cached_at)
            .min()
            .unwrap_or_else(|| self.now());
        let catalog = super::merge(outputs);
        (
            Some(Warm {
                catalog,
                sources: statuses,
                written_at,
            }),
            warnings,
        )
    }

    fn warn_entry(&self, key: &str, e: CacheError, warnings: &mut Vec<String>) {
        if let CacheError::Unusable(why) = e {
            warnings.push(format!(
                "the cache file {} is ignored and will be rebuilt: {why}",
                self.source_path(key).display()
            ));
        }
    }

    /// Brings the catalogue up to date under `policy`, reporting each source's state as it
    /// changes. Given the sources of the `warm` catalogue [`CatalogCache::open`] returned (the
    /// catalogue itself may have gone to the screen), a refresh that finds every source
    /// unchanged returns no catalogue (keep the warm one) and writes nothing.
    pub fn refresh(
        &self,
        sources: &[Box<dyn Source>],
        opts: &LoadOptions,
        policy: Policy,
        warm: Option<&[SourceStatus]>,
        report: &(dyn Fn(&[SourceStatus]) + Sync),
    ) -> Refreshed {
        let now = self.now();
        let mut warnings = Vec::new();
        let keys: Vec<Option<String>> = sources.iter().map(|s| full_key(&**s, opts)).collect();
        let mut statuses: Vec<SourceStatus> = sources
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let cached = warm.and_then(|w| w.get(i));
                SourceStatus {
                    name: s.describe(),
                    state: if keys[i].is_none() {
                        SourceState::Uncached
                    } else {
                        SourceState::Refreshing
                    },
                    entities: cached.map_or(0, |c| c.entities),
                    cached_at: cached.and_then(|c| c.cached_at),
                }
            })
            .collect();
        report(&statuses);
        // Each source: its output, when read or decoded, and whether the cache entry is new.
        let mut outputs: Vec<Option<SourceOutput>> = Vec::new();
        let mut entries: Vec<Option<SourceEntry>> = Vec::new();
        let mut changed = false;
        for (i, source) in sources.iter().enumerate() {
            let Some(key) = &keys[i] else {
                // The demo is read every time; it is part of the warm catalogue too.
                let out = if warm.is_some() {
                    None
                } else {
                    Some(source.load(opts))
                };
                statuses[i].entities = out
                    .as_ref()
                    .map_or(statuses[i].entities, |o| o.entities.len());
                outputs.push(out);
                entries.push(None);
                report(&statuses);
                continue;
            };
            let entry = match self.read_source(key) {
                Ok(e) => Some(e),
                Err(e) => {
                    self.warn_entry(key, e, &mut warnings);
                    None
                }
            };
            let status = &mut statuses[i];
            // Offline means no network: a files source is still revalidated on disk.
            let out = match (&entry, source.as_files()) {
                (Some(e), None) if policy == Policy::Offline => {
                    status.state = SourceState::Cached;
                    status.cached_at = Some(e.written_at);
                    None
                }
                (None, None) if policy == Policy::Offline => {
                    status.state =
                        SourceState::Failed("offline, and nothing is cached for it".into());
                    changed = true;
                    Some(SourceOutput::default())
                }
                (Some(e), Some(files)) if e.stamps.as_ref().is_some_and(|s| files.unchanged(s)) => {
                    status.state = SourceState::Fresh;
                    status.cached_at = Some(e.written_at);
                    None
                }
                (_, Some(files)) => {
                    // Only the files that changed are parsed; the others come from the memo.
                    let memo = entry
                        .as_ref()
                        .and_then(|e| super::files::Memo::parse(&e.payload[e.memo.clone()]).ok());
                    let (out, stamps, memo_out) = files.load_memo(opts, memo.as_ref());
                    tracing::debug!(
                        parsed = memo_out.parsed,
                        reused = memo_out.reused,
                        "files source read"
                    );
                    status.state = SourceState::Fresh;
                    status.cached_at = Some(now);
                    status.entities = out.entities.len();
                    if let Err(e) = self.write_source(
                        key,
                        &source.describe(),
                        now,
                        Some(&stamps),
                        &memo_out.bytes,
                        &out,
                    ) {
                        warnings.push(format!("the catalogue cache was not written: {e}"));
                    }
                    changed = true;
                    Some(out)
                }
                (Some(e), None) if matches!(policy, Policy::MaxAge(max) if now.duration_since(e.written_at).unwrap_or_default() <= max) =>
                {
                    status.state = SourceState::Cached;
                    status.cached_at = Some(e.written_at);
                    None
                }
                (_, None) => {
                    let out = source.load(opts);
                    changed = true;
                    match (&out.failed, &entry) {
                        (Some(why), Some(e)) => {
                            status.state = SourceState::Offline(why.clone());
                            status.cached_at = Some(e.written_at);
                            None
                        }
                        (Some(why), None) => {
                            status.state = SourceState::Failed(why.clone());
                            status.cached_at = None;
                            status.entities = out.entities.len();
                            Some(out)
                        }
                        (None, _) => {
                            status.state = SourceState::Fresh;
                            status.cached_at = Some(now);
                            status.entities = out.entities.len();
                            if let Err(e) =
                                self.write_source(key, &source.describe(), now, None, &[], &out)
                            {
                                warnings.push(format!("the catalogue cache was not written: {e}"));
                            }
                            Some(out)
                        }
                    }
                }
            };
            outputs.push(out);
            entries.push(entry);
            report(&statuses);
        }
        // A cached copy whose entry date moved (a source served from an older entry) is a change.
        let warm_holds = warm.is_some_and(|w| {
            w.len() == statuses.len()
                && w.iter()
                    .zip(&statuses)
                    .all(|(a, b)| a.cached_at == b.cached_at)
        });
        if !changed && warm_holds {
            return Refreshed {
                catalog: None,
                sources: statuses,
                warnings,
            };
        }
        let mut named = Vec::new();
        for (i, out) in outputs.into_iter().enumerate() {
            let out = match out {
                Some(o) => o,
                None => match entries[i].as_ref().map(SourceEntry::output) {
                    Some(Ok(o)) => o,
                    Some(Err(e)) => {
                        warnings.push(format!("the cache of {} is damaged: {e}", statuses[i].name));
                        sources[i].load(opts)
                    }
                    None => sources[i].load(opts),
                },
            };
            if let SourceState::Offline(why) | SourceState::Failed(why) = &statuses[i].state {
                let mut out = out;
                let age = statuses[i].age(now).map_or_else(String::new, |a| {
                    format!("; showing what was cached {} ago", age_text(a))
                });
                out.diagnostics.insert(
                    0,
                    Diagnostic::new(
                        Severity::Warning,
                        statuses[i].name.clone(),
                        Pos::START,
                        None,
                        format!("{} could not be read: {why}{age}", statuses[i].name),
                    ),
                );
                named.push((statuses[i].name.clone(), out));
            } else {
                named.push((statuses[i].name.clone(), out));
            }
        }
        let catalog = super::merge(named);
        // Offline, the assembled copy is rewritten too (files may have changed on disk), unless
        // a source had nothing cached: the copy would hold it empty.
        let complete = policy != Policy::Offline
            || !statuses
                .iter()
                .any(|s| matches!(s.state, SourceState::Failed(_)));
        if complete
            && keys.iter().any(Option::is_some)
            && let Err(e) = self.write_catalog(&keys, &statuses, &catalog)
        {
            warnings.push(format!("the catalogue cache was not written: {e}"));
        }
        Refreshed {
            catalog: Some(catalog),
            sources: statuses,
            warnings,
        }
    }

    /// Every cache file, with what it holds.
    pub fn info(&self) -> Vec<FileInfo> {
        let mut out = Vec::new();
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return out;
        };
        let mut paths: Vec<PathBuf> = dir
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "bin"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let kind_byte = if name.starts_with("source-") {
                KIND_SOURCE
            } else if name.starts_with("docs-") {
                KIND_DOCS
            } else {
                KIND_CATALOG
            };
            let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
            let mut info = FileInfo {
                path: path.clone(),
                kind: match kind_byte {
                    KIND_SOURCE => "source",
                    KIND_DOCS => "docs",
                    _ => "catalog",
                },
                source: String::new(),
                entities: 0,
                bytes,
                written_at: None,
                version: None,
                problem: None,
            };
            let read = std::fs::read(&path).map_err(|e| e.to_string());
            match read {
                Ok(b) => {
                    if b.len() >= 12 && &b[..8] == MAGIC {
                        info.version =
                            Some(u32::from_le_bytes(b[8..12].try_into().unwrap_or_default()));
                    }
                    match unframe(kind_byte, &b) {
                        Ok(p) => {
                            if let Err(e) = describe_payload(kind_byte, p, &mut info) {
                                info.problem = Some(e.0);
                            }
                        }
                        Err(CacheError::Unusable(why)) => info.problem = Some(why),
                        Err(CacheError::Missing) => {}
                    }
                }
                Err(e) => info.problem = Some(e),
            }
            out.push(info);
        }
        out
    }

    /// Removes every cache file; returns how many there were.
    pub fn clear(&self) -> std::io::Result<usize> {
        let mut n = 0;
        let dir = match std::fs::read_dir(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        for e in dir.filter_map(Result::ok) {
            let p = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".bin") || name.starts_with(".tmp-") {
                std::fs::remove_file(&p)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

fn describe_payload(kind: u8, p: &[u8], info: &mut FileInfo) -> Result<(), DecodeError> {
    let mut r = Reader::new(p);
    if kind == KIND_DOCS {
        // The site's key (where it comes from), when written, its name: pages count as entries.
        info.source = format!("docs of {}", r.string()?);
        info.written_at = Some(r.varint()?);
        return Ok(());
    }
    if kind == KIND_SOURCE {
        let _key = r.str()?;
        info.source = r.string()?;
        info.written_at = Some(r.varint()?);
        if r.bool()? {
            Stamps::decode(&mut r)?;
        }
        let memo = r.len(1)?;
        r.bytes(memo)?;
        r.bool()?;
        info.entities = r.len(16)?;
    } else {
        info.written_at = Some(r.varint()?);
        let n = r.len(3)?;
        let mut names = Vec::new();
        for _ in 0..n {
            r.opt_string()?;
            names.push(r.string()?);
            r.varint()?;
            r.varint()?;
        }
        info.source = names.join("; ");
        info.entities = r.len(16)?;
    }
    Ok(())
}

fn decode_catalog(payload: &[u8], keys: &[Option<String>]) -> Result<Warm, DecodeError> {
    let mut r = Reader::new(payload);
    let written_at = time(r.varint()?);
    let n = r.len(3)?;
    if n != keys.len() {
        return Err(DecodeError("holds other sources".into()));
    }
    let mut sources = Vec::with_capacity(n);
    for key in keys {
        let stored = r.opt_string()?;
        if stored.as_deref() != key.as_deref() {
            return Err(DecodeError("holds other sources".into()));
        }
        let name = r.string()?;
        let at = r.varint()?;
        let entities = r.varint()? as usize;
        sources.push(SourceStatus {
            name,
            state: if key.is_some() {
                SourceState::Cached
            } else {
                SourceState::Uncached
            },
            entities,
            cached_at: (key.is_some() && at > 0).then(|| time(at)),
        });
    }
    let entities: Vec<Entity> = r.entities()?;
    let diagnostics = r.diagnostics()?;
    if !r.is_empty() {
        return Err(DecodeError("trailing data".into()));
    }
    Ok(Warm {
        catalog: Catalog::from_parts(entities, diagnostics),
        sources,
        written_at,
    })
}

#[cfg(test)]
mod tests;
