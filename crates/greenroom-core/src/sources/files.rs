//! Descriptor files: walked from directories, followed through Location entities, read in
//! parallel a wave at a time (every file one Location level down reads in the same wave).
//!
//! The reading follows Backstage's `file` locations: multi-document YAML, Location `target` and
//! `targets` relative to the containing file, globs, `presence: optional`. Where Backstage would
//! drop entities greenroom keeps (it stores nothing under a Location once any file it reads
//! fails), greenroom keeps them and says so in a warning.

use super::cache::codec::{DecodeError, Reader, Writer};
use super::http::HttpFetcher;
use super::placeholders::{PlaceholderContext, substitute};
use super::vfs::{DiskFs, PathKind, Vfs, WalkItem, glob_matcher, normalize};
use super::{LoadOptions, Progress, Source, SourceOutput};
use crate::catalog::entity::{ANNOTATION_LOCATION, ANNOTATION_ORIGIN_LOCATION};
use crate::catalog::kinds::SORTED_SPEC_LISTS;
use crate::catalog::validate::{check_entity, check_envelope, identity_pos};
use crate::catalog::{Diagnostic, Entity, EntityRef, Origin, Problem, RefSite, Severity, Verdict};
use crate::yaml::{Node, NodeValue, Pos, parse_documents};
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Descriptor files on some file tree.
pub struct FileSource {
    vfs: Arc<dyn Vfs>,
    roots: Vec<PathBuf>,
    label: String,
    /// Kinds this source's own files may hold, besides `catalog.rules` (see [`super::rules`]).
    pub rules: Vec<super::rules::CatalogRule>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}: no such file or directory")]
pub struct MissingPath(pub String);

impl FileSource {
    /// Files and directories on disk, as given on the command line or in the config.
    pub fn disk(paths: &[PathBuf]) -> Result<Self, MissingPath> {
        let fs = DiskFs::new();
        let roots: Vec<PathBuf> = paths.iter().map(|p| fs.absolute(p)).collect();
        for (given, abs) in paths.iter().zip(&roots) {
            if fs.kind(abs) == PathKind::Missing {
                return Err(MissingPath(given.display().to_string()));
            }
        }
        let label = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Ok(FileSource {
            vfs: Arc::new(fs),
            roots,
            label: format!("files in {label}"),
            rules: Vec::new(),
        })
    }

    /// The files and folders it reads on this machine's disk, to watch for changes (none for
    /// the bundled demo's embedded tree).
    pub fn disk_roots(&self) -> Vec<PathBuf> {
        if self.vfs.location_type() == "file" {
            self.roots.clone()
        } else {
            Vec::new()
        }
    }

    pub fn new(vfs: Arc<dyn Vfs>, roots: Vec<PathBuf>, label: impl Into<String>) -> Self {
        FileSource {
            vfs,
            roots,
            label: label.into(),
            rules: Vec::new(),
        }
    }
}

impl Source for FileSource {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn load(&self, opts: &LoadOptions) -> SourceOutput {
        self.load_stamped(opts).0
    }

    fn cache_key(&self) -> Option<String> {
        // The demo's embedded files carry no stamps: it is not cached.
        self.vfs.stamp(self.roots.first()?)?;
        let roots: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
        // Files are shown relative to the working directory: part of what was cached.
        let cwd = std::env::current_dir().unwrap_or_default();
        Some(format!(
            "files\n{}\n{}\n{:?}",
            cwd.display(),
            roots.join("\n"),
            self.rules
        ))
    }

    fn as_files(&self) -> Option<&FileSource> {
        Some(self)
    }
}

/// What a file source's output was read from, so a later start can tell, without parsing
/// anything, that nothing changed: every file read with its (size, mtime), every walk made
/// (directory, pattern) with the files it found, and every path looked at and found missing or
/// a directory. Replaying the walks and stamping the files again is the whole check.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stamps {
    pub files: Vec<(PathBuf, u64, i64)>,
    pub walks: Vec<WalkRecord>,
    /// Paths looked at that were not files: (path, is a directory).
    pub probes: Vec<(PathBuf, bool)>,
    /// A descriptor used `$text`/`$json`/`$yaml` placeholders, whose targets (maybe URLs) are
    /// not stamped: such a source is always read again.
    pub volatile: bool,
}

/// One walk: files under `base` (within `within`) matching `glob` on the name or the
/// relative path.
#[derive(Clone, Debug, PartialEq)]
pub struct WalkRecord {
    pub base: PathBuf,
    pub within: PathBuf,
    pub glob: String,
    pub on_name: bool,
    pub files: Vec<PathBuf>,
}

fn walk_files(vfs: &dyn Vfs, w: &WalkRecord) -> Option<Vec<PathBuf>> {
    let matcher = glob_matcher(&w.glob).ok()?;
    if vfs.kind(&w.base) != PathKind::Dir {
        return Some(Vec::new());
    }
    let on_name = w.on_name;
    let items = vfs.walk(&w.base, &w.within, &|rel: &Path| {
        if on_name {
            rel.file_name().is_some_and(|n| matcher.is_match(n))
        } else {
            matcher.is_match(rel)
        }
    });
    Some(
        items
            .into_iter()
            .filter_map(|i| match i {
                WalkItem::File(f) => Some(f),
                _ => None,
            })
            .collect(),
    )
}

impl Stamps {
    /// Whether the files on `vfs` are still what these stamps recorded.
    pub fn still_valid(&self, vfs: &dyn Vfs) -> bool {
        if self.volatile {
            return false;
        }
        let probes_hold = self.probes.iter().all(|(p, dir)| match vfs.kind(p) {
            PathKind::Dir => *dir,
            PathKind::Missing => !*dir,
            PathKind::File(_) => false,
        });
        probes_hold
            && self
                .walks
                .par_iter()
                .all(|w| walk_files(vfs, w).is_some_and(|f| f == w.files))
            && self
                .files
                .par_iter()
                .all(|(p, size, mtime)| vfs.stamp(p) == Some((*size, *mtime)))
    }

    pub fn encode(&self, w: &mut super::cache::codec::Writer) {
        let path = |w: &mut super::cache::codec::Writer, p: &Path| w.str(&p.to_string_lossy());
        w.len(self.files.len());
        for (p, size, mtime) in &self.files {
            path(w, p);
            w.varint(*size);
            w.i64(*mtime);
        }
        w.len(self.walks.len());
        for walk in &self.walks {
            path(w, &walk.base);
            path(w, &walk.within);
            w.str(&walk.glob);
            w.bool(walk.on_name);
            w.len(walk.files.len());
            for f in &walk.files {
                path(w, f);
            }
        }
        w.len(self.probes.len());
        for (p, dir) in &self.probes {
            path(w, p);
            w.bool(*dir);
        }
        w.bool(self.volatile);
    }

    pub fn decode(
        r: &mut super::cache::codec::Reader<'_>,
    ) -> Result<Stamps, super::cache::codec::DecodeError> {
        let mut s = Stamps::default();
        for _ in 0..r.len(3)? {
            s.files.push((r.str()?.into(), r.varint()?, r.i64()?));
        }
        for _ in 0..r.len(5)? {
            let base = r.str()?.into();
            let within = r.str()?.into();
            let glob = r.string()?;
            let on_name = r.bool()?;
            let mut files = Vec::new();
            for _ in 0..r.len(1)? {
                files.push(r.str()?.into());
            }
            s.walks.push(WalkRecord {
                base,
                within,
                glob,
                on_name,
                files,
            });
        }
        for _ in 0..r.len(2)? {
            s.probes.push((r.str()?.into(), r.bool()?));
        }
        s.volatile = r.bool()?;
        Ok(s)
    }
}

impl FileSource {
    /// Whether the files are still as `stamps` recorded (see [`Stamps`]).
    pub fn unchanged(&self, stamps: &Stamps) -> bool {
        stamps.still_valid(&*self.vfs)
    }

    /// Reads the files, and the stamps of what was read (empty where the file tree has none).
    pub fn load_stamped(&self, opts: &LoadOptions) -> (SourceOutput, Stamps) {
        let (out, stamps, _) = self.load_with(opts, None, false);
        (out, stamps)
    }

    /// As [`FileSource::load_stamped`], taking each file whose (path, size, mtime) is in `memo`
    /// from there instead of parsing it, and returning the memo of this read (every file's
    /// parsed form) for the next one.
    pub fn load_memo(
        &self,
        opts: &LoadOptions,
        memo: Option<&Memo<'_>>,
    ) -> (SourceOutput, Stamps, MemoOut) {
        self.load_with(opts, memo, true)
    }

    /// Reads the files; `remember`: also encode each one into the returned memo. Without the
    /// cache nobody keeps the memo, and encoding it (about the cache's size: 150 MB at 100k
    /// entities, copied once more at the end) was 10-20% of a load's CPU and peak memory.
    fn load_with(
        &self,
        opts: &LoadOptions,
        memo: Option<&Memo<'_>>,
        remember: bool,
    ) -> (SourceOutput, Stamps, MemoOut) {
        let http = if opts.online {
            HttpFetcher::new().ok()
        } else {
            None
        };
        let mut loader = Loader {
            ctx: ReadCtx {
                vfs: &*self.vfs,
                opts,
                http: http.as_ref(),
            },
            entities: Vec::new(),
            entity_reader: Vec::new(),
            diagnostics: Vec::new(),
            locations: Vec::new(),
            seen: HashMap::new(),
            files_read: 0,
            roots: Vec::new(),
            stamps: Stamps::default(),
            memo,
            remember,
            memo_out: MemoOut::default(),
            own_rules: &self.rules,
        };
        loader.run(&self.roots);
        let output = SourceOutput {
            entities: loader.entities,
            diagnostics: loader.diagnostics,
            relations_given: false,
            ..SourceOutput::default()
        };
        let mut memo_out = loader.memo_out;
        if !remember {
            return (output, loader.stamps, memo_out);
        }
        let mut w = Writer::new();
        w.len(memo_out.files);
        w.buf.extend_from_slice(&memo_out.bytes);
        memo_out.bytes = w.buf;
        (output, loader.stamps, memo_out)
    }
}

type LocId = usize;

/// A file read in a wave: what was read, its stamp, its memo bytes (when it may be
/// remembered) and whether it came from the memo.
type WaveRead = (FileRead, Option<(u64, i64)>, Option<Vec<u8>>, bool);

/// A location that reads files: an implicit root (a file given or found by walking), or a
/// Location entity.
struct LocRecord {
    /// The Location entity, when there is one.
    entity: Option<usize>,
    file: String,
    pos: Pos,
    /// The first thing that made Backstage fail this location.
    failure: Option<String>,
}

struct Task {
    path: PathBuf,
    reader: LocId,
    /// Placeholders may read only below this directory (identity form).
    root_dir: Arc<Path>,
    /// Identities of the files on the way here, for cycle detection.
    chain: Arc<Vec<PathBuf>>,
    origin: Arc<str>,
    from_walk: bool,
}

/// Where a file was first read from.
struct Seen {
    reader: LocId,
    from_walk: bool,
}

struct ReadCtx<'a> {
    vfs: &'a dyn Vfs,
    opts: &'a LoadOptions,
    http: Option<&'a HttpFetcher>,
}

/// The targets of a Location entity as written.
struct LocationSpecRead {
    location_type: Option<String>,
    targets: Vec<(String, Pos)>,
    optional: bool,
}

enum DocRead {
    /// Failed before becoming an entity (syntax, root type, envelope): fails the reader.
    Broken {
        identity: Option<(EntityRef, Value, Pos)>,
        problems: Vec<Problem>,
    },
    Entity {
        identity: EntityRef,
        data: Value,
        pos: Pos,
        problems: Vec<Problem>,
        sites: Vec<RefSite>,
        location: Option<LocationSpecRead>,
    },
}

struct FileRead {
    /// The text holds `$text`/`$json`/`$yaml` placeholders (their targets are not stamped).
    placeholders: bool,
    display: String,
    /// Problems about the file as a whole (size, encoding, reading).
    problems: Vec<Problem>,
    docs: Vec<DocRead>,
}

struct Loader<'a> {
    ctx: ReadCtx<'a>,
    entities: Vec<Entity>,
    /// For each entity, the location that read its file.
    entity_reader: Vec<LocId>,
    diagnostics: Vec<Diagnostic>,
    locations: Vec<LocRecord>,
    seen: HashMap<PathBuf, Seen>,
    files_read: usize,
    /// The roots the user named (directories, identity form): nothing outside them is read.
    roots: Vec<Arc<Path>>,
    stamps: Stamps,
    memo: Option<&'a Memo<'a>>,
    /// Whether to encode what is read into `memo_out` (only the cache keeps it).
    remember: bool,
    memo_out: MemoOut,
    own_rules: &'a [super::rules::CatalogRule],
}

impl Loader<'_> {
    fn run(&mut self, roots: &[PathBuf]) {
        let mut wave = self.root_tasks(roots);
        while !wave.is_empty() {
            let ctx = &self.ctx;
            let memo = self.memo;
            let remember = self.remember;
            let reads: Vec<WaveRead> = wave
                .par_iter()
                .map(|t| {
                    // Stamped before reading: a change while reading shows as a change later.
                    let stamp = ctx.vfs.stamp(&t.path);
                    let remembered = memo
                        .zip(stamp)
                        .and_then(|(m, s)| m.get(&t.path, s, t.from_walk));
                    if let Some((read, bytes)) = remembered {
                        return (read, stamp, Some(bytes.to_vec()), true);
                    }
                    let read = read_file(ctx, t);
                    let bytes = (remember && stamp.is_some() && !read.placeholders).then(|| {
                        let mut w = Writer::new();
                        encode_read(&mut w, &read);
                        w.buf
                    });
                    (read, stamp, bytes, false)
                })
                .collect();
            let mut next = Vec::new();
            for (task, (read, stamp, bytes, reused)) in wave.iter().zip(reads) {
                if reused {
                    self.memo_out.reused += 1;
                } else {
                    self.memo_out.parsed += 1;
                }
                if let (Some((size, mtime)), Some(bytes)) = (stamp, bytes) {
                    let mut w = Writer::new();
                    w.str(&task.path.to_string_lossy());
                    w.varint(size);
                    w.i64(mtime);
                    w.bool(task.from_walk);
                    w.len(bytes.len());
                    self.memo_out.bytes.extend_from_slice(&w.buf);
                    self.memo_out.bytes.extend_from_slice(&bytes);
                    self.memo_out.files += 1;
                }
                match stamp {
                    Some((size, mtime)) => self.stamps.files.push((task.path.clone(), size, mtime)),
                    None => self.stamps.probes.push((task.path.clone(), false)),
                }
                self.stamps.volatile |= read.placeholders;
                self.absorb(task, read, &mut next);
            }
            wave = next;
        }
        self.warn_dropped();
    }

    fn location_ref(&self, path: &Path) -> Arc<str> {
        format!("{}:{}", self.ctx.vfs.location_type(), path.display()).into()
    }

    fn new_location(&mut self, entity: Option<usize>, file: String, pos: Pos) -> LocId {
        self.locations.push(LocRecord {
            entity,
            file,
            pos,
            failure: None,
        });
        self.locations.len() - 1
    }

    fn fail(&mut self, loc: LocId, reason: String) {
        self.locations[loc].failure.get_or_insert(reason);
    }

    fn root_tasks(&mut self, roots: &[PathBuf]) -> Vec<Task> {
        let vfs = self.ctx.vfs;
        let pattern = self.ctx.opts.pattern.clone();
        let matcher = match glob_matcher(&pattern) {
            Ok(m) => m,
            Err(e) => {
                self.diagnostics.push(Diagnostic::new(
                    Severity::Error,
                    "(config)",
                    Pos::START,
                    None,
                    format!("file pattern \"{pattern}\" is not a valid glob: {e}"),
                ));
                return Vec::new();
            }
        };
        let match_path = pattern.contains('/');
        let mut tasks = Vec::new();
        for root in roots {
            let (files, root_dir) = match vfs.kind(root) {
                PathKind::Dir => {
                    let within = vfs.identity(root);
                    self.stamps.probes.push((root.clone(), true));
                    let items = vfs.walk(root, &within, &|rel: &Path| {
                        if match_path {
                            matcher.is_match(rel)
                        } else {
                            rel.file_name().is_some_and(|n| matcher.is_match(n))
                        }
                    });
                    self.stamps.walks.push(WalkRecord {
                        base: root.clone(),
                        within: within.clone(),
                        glob: pattern.clone(),
                        on_name: !match_path,
                        files: items
                            .iter()
                            .filter_map(|i| match i {
                                WalkItem::File(f) => Some(f.clone()),
                                _ => None,
                            })
                            .collect(),
                    });
                    let mut files = Vec::new();
                    for item in items {
                        match item {
                            WalkItem::File(f) => files.push(f),
                            WalkItem::Loop { link, target } => self.diagnostics.push(Diagnostic::new(
                                Severity::Warning,
                                vfs.display(&link),
                                Pos::START,
                                None,
                                format!(
                                    "symlink loop: this leads back to {}, so it is not followed",
                                    vfs.display(&target)
                                ),
                            )),
                            WalkItem::Unreadable { path, reason } => {
                                self.diagnostics.push(Diagnostic::new(
                                    Severity::Warning,
                                    vfs.display(&path),
                                    Pos::START,
                                    None,
                                    format!("not read: {reason}"),
                                ))
                            }
                            WalkItem::Outside { link, target } => {
                                self.diagnostics.push(outside_walk(vfs, &link, &target, root))
                            }
                        }
                    }
                    (files, root.clone())
                }
                PathKind::File(_) => (
                    vec![root.clone()],
                    root.parent()
                        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf),
                ),
                PathKind::Missing => {
                    self.stamps.probes.push((root.clone(), false));
                    self.diagnostics.push(Diagnostic::new(
                        Severity::Error,
                        vfs.display(root),
                        Pos::START,
                        None,
                        "no such file or directory",
                    ));
                    continue;
                }
            };
            let from_walk = vfs.kind(root) == PathKind::Dir;
            let root_dir: Arc<Path> = vfs.identity(&root_dir).into();
            if !self.roots.contains(&root_dir) {
                self.roots.push(root_dir.clone());
            }
            for f in files {
                let identity = vfs.identity(&f);
                if self.seen.contains_key(&identity) {
                    continue;
                }
                let reader = self.new_location(None, vfs.display(&f), Pos::START);
                self.seen
                    .insert(identity.clone(), Seen { reader, from_walk });
                tasks.push(Task {
                    origin: self.location_ref(&f),
                    path: f,
                    reader,
                    root_dir: root_dir.clone(),
                    chain: Arc::new(vec![identity]),
                    from_walk,
                });
            }
        }
        tasks
    }

    fn absorb(&mut self, task: &Task, read: FileRead, next: &mut Vec<Task>) {
        let first_entity = self.entities.len();
        self.absorb_docs(task, read, next);
        self.enforce_rules(task, first_entity);
        if let Some(progress) = &self.ctx.opts.progress {
            progress(Progress {
                files_read: self.files_read,
                entities: self.entities.len(),
            });
        }
    }

    /// `catalog.rules`: an entity of a kind not allowed from this file fails the whole read of
    /// the file, as Backstage fails the location's processing: none of its entities is stored.
    fn enforce_rules(&mut self, task: &Task, first_entity: usize) {
        let Some(rules) = self.ctx.opts.rules.clone() else {
            if self.own_rules.is_empty() {
                return;
            }
            let defaults = super::rules::CatalogRules::from_config(&[], true).unwrap_or_default();
            return self.enforce_with(&defaults, task, first_entity);
        };
        self.enforce_with(&rules, task, first_entity);
    }

    fn enforce_with(
        &mut self,
        rules: &super::rules::CatalogRules,
        task: &Task,
        first_entity: usize,
    ) {
        let location_type = self.ctx.vfs.location_type();
        let target = task.path.display().to_string();
        let own: &[super::rules::CatalogRule] = if self.locations[task.reader].entity.is_none() {
            self.own_rules
        } else {
            &[]
        };
        let Some(bad) = (first_entity..self.entities.len())
            .find(|&i| !rules.allows(self.entities[i].kind(), location_type, &target, own))
        else {
            return;
        };
        let e = &self.entities[bad];
        let allowed = rules.allowed_kinds(location_type, &target, own);
        // As Backstage's `stringifyEntityRef` writes it: the kind lower-cased.
        let r = &e.entity_ref;
        let message = format!(
            "Entity {}:{}/{} at {location_type}:{target}, originated at {}, is not of an allowed kind for that location (catalog.rules allow {} here); Backstage stores none of the {} entities in this file",
            r.kind.to_lowercase(),
            r.namespace,
            r.name,
            e.origin.origin_location,
            if allowed.is_empty() {
                "nothing".to_owned()
            } else {
                allowed.join(", ")
            },
            self.entities.len() - first_entity,
        );
        let (file, pos, key) = (e.origin.file.to_string(), e.origin.pos, e.key.clone());
        self.fail(task.reader, format!("{file}:{pos}: {message}"));
        self.diagnostics.push(Diagnostic::new(
            Severity::Error,
            &file,
            pos,
            Some(key),
            message,
        ));
        for e in &mut self.entities[first_entity..] {
            e.verdict = Verdict::Rejected;
            e.ref_sites.clear();
        }
    }

    fn absorb_docs(&mut self, task: &Task, read: FileRead, next: &mut Vec<Task>) {
        self.files_read += 1;
        let file = read.display;
        for p in read.problems {
            if p.severity == Severity::Error {
                self.fail(task.reader, format!("{file}:{}: {}", p.pos, p.message));
            }
            self.diagnostics.push(p.locate(&file, None));
        }
        let file_arc: Arc<str> = file.as_str().into();
        let location = self.location_ref(&task.path);
        for doc in read.docs {
            match doc {
                DocRead::Broken { identity, problems } => {
                    if let Some(first) = problems.first() {
                        self.fail(
                            task.reader,
                            format!("{file}:{}: {}", first.pos, first.message),
                        );
                    }
                    let key = identity.as_ref().map(|(id, _, _)| id.canonical());
                    for p in problems {
                        self.diagnostics.push(p.locate(&file, key.clone()));
                    }
                    if let Some((id, data, pos)) = identity {
                        self.push_entity(
                            id,
                            data,
                            pos,
                            &file_arc,
                            &location,
                            task,
                            Verdict::Rejected,
                            Vec::new(),
                        );
                    }
                }
                DocRead::Entity {
                    identity,
                    data,
                    pos,
                    problems,
                    sites,
                    location: location_spec,
                } => {
                    let key = identity.canonical();
                    let rejected = problems.iter().any(|p| p.severity == Severity::Error);
                    for p in problems {
                        self.diagnostics.push(p.locate(&file, Some(key.clone())));
                    }
                    let verdict = if rejected {
                        Verdict::Rejected
                    } else {
                        Verdict::Accepted
                    };
                    let sites = if rejected { Vec::new() } else { sites };
                    let index = self.push_entity(
                        identity, data, pos, &file_arc, &location, task, verdict, sites,
                    );
                    if let Some(spec) = location_spec
                        && self.entities[index].kind() == "Location"
                    {
                        let loc = self.new_location(Some(index), file.clone(), pos);
                        if rejected && !spec.targets.is_empty() {
                            self.diagnostics.push(Diagnostic::new(
                                Severity::Warning,
                                &file,
                                pos,
                                Some(key.clone()),
                                "Backstage rejects this Location, so it would not read its targets; greenroom reads them anyway",
                            ));
                        }
                        self.follow(task, loc, index, &spec, next);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_entity(
        &mut self,
        identity: EntityRef,
        mut data: Value,
        pos: Pos,
        file: &Arc<str>,
        location: &Arc<str>,
        task: &Task,
        verdict: Verdict,
        ref_sites: Vec<RefSite>,
    ) -> usize {
        normalize_entity(&mut data, location, &task.origin);
        let data = match data {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        self.entities.push(Entity {
            data,
            key: identity.canonical(),
            entity_ref: identity,
            origin: Origin {
                file: file.clone(),
                pos,
                location: location.clone(),
                origin_location: task.origin.clone(),
            },
            verdict,
            ref_sites,
            relations: Vec::new(),
            relations_given: false,
        });
        self.entity_reader.push(task.reader);
        self.entities.len() - 1
    }

    /// The named root that `path` (resolved) lies in, if any.
    fn root_of(&self, path: &Path) -> Option<Arc<Path>> {
        let identity = self.ctx.vfs.identity(path);
        self.roots.iter().find(|r| identity.starts_with(r)).cloned()
    }

    /// A Location entity's own failure: Backstage would not store it.
    fn location_error(&mut self, loc: LocId, entity: usize, file: &str, pos: Pos, message: String) {
        let key = self.entities[entity].key.clone();
        self.fail(loc, format!("{file}:{pos}: {message}"));
        self.entities[entity].verdict = Verdict::Rejected;
        self.entities[entity].ref_sites.clear();
        self.diagnostics.push(Diagnostic::new(
            Severity::Error,
            file,
            pos,
            Some(key),
            message,
        ));
    }

    /// Resolves a Location's targets and queues the files they name.
    fn follow(
        &mut self,
        task: &Task,
        loc: LocId,
        entity: usize,
        spec: &LocationSpecRead,
        next: &mut Vec<Task>,
    ) {
        let vfs = self.ctx.vfs;
        let file = vfs.display(&task.path);
        let key = self.entities[entity].key.clone();
        let own_type = vfs.location_type();
        let location_type = spec.location_type.as_deref().unwrap_or(own_type);
        let dir = task.path.parent().unwrap_or(Path::new("/")).to_path_buf();
        for (target, pos) in &spec.targets {
            if location_type != own_type && !(location_type == "file" && own_type == "embedded") {
                if location_type == "url" {
                    self.diagnostics.push(Diagnostic::new(
                        Severity::Warning,
                        &file,
                        *pos,
                        Some(key.clone()),
                        format!("url:{target} is not read: greenroom reads url locations through a Backstage server source, not from files"),
                    ));
                } else {
                    self.location_error(loc, entity, &file, *pos, format!(
                        "no processor can read a location of type \"{location_type}\" (target {target})"
                    ));
                }
                continue;
            }
            if target.ends_with('/') || target.ends_with(std::path::MAIN_SEPARATOR) {
                self.location_error(loc, entity, &file, *pos, format!(
                    "target {target} ends with a path separator; name files (a glob like {target}**/catalog-info.yaml works)"
                ));
                continue;
            }
            let path = normalize(&dir.join(target));
            let is_glob = target.contains(['*', '?', '[', '{']);
            // A glob is confined by where its walk starts; a plain target by where it leads.
            let start = if is_glob {
                glob_base(&path).0
            } else {
                path.clone()
            };
            let Some(within) = self.root_of(&start) else {
                self.diagnostics.push(Diagnostic::new(
                    Severity::Warning,
                    &file,
                    *pos,
                    Some(key.clone()),
                    format!(
                        "target {target} leads outside the catalogue root {} (to {}), so it is not read; point greenroom at a folder that holds both",
                        vfs.display(&task.root_dir),
                        vfs.display(&vfs.identity(&start)),
                    ),
                ));
                continue;
            };
            let files = if is_glob {
                let (base, rest) = glob_base(&path);
                self.stamps.walks.push(WalkRecord {
                    base: base.clone(),
                    within: within.to_path_buf(),
                    glob: rest.to_string_lossy().into_owned(),
                    on_name: false,
                    files: Vec::new(),
                });
                let walk = self.stamps.walks.len() - 1;
                let base_is_dir = vfs.kind(&base) == PathKind::Dir;
                self.stamps.probes.push((base, base_is_dir));
                let expanded = expand_glob(vfs, &path, &within);
                if let Ok((files, _)) = &expanded {
                    self.stamps.walks[walk].files = files.clone();
                }
                match expanded {
                    Ok((files, outside)) => {
                        for (link, real) in outside {
                            self.diagnostics.push(Diagnostic::new(
                                Severity::Warning,
                                &file,
                                *pos,
                                Some(key.clone()),
                                format!(
                                    "target {target}: {} is a symlink to {}, outside the catalogue root {}; not followed",
                                    vfs.display(&link),
                                    real.display(),
                                    vfs.display(&within)
                                ),
                            ));
                        }
                        files
                    }
                    Err(e) => {
                        self.location_error(
                            loc,
                            entity,
                            &file,
                            *pos,
                            format!("target {target} is not a valid glob: {e}"),
                        );
                        continue;
                    }
                }
            } else {
                let kind = vfs.kind(&path);
                if !matches!(kind, PathKind::File(_)) {
                    self.stamps
                        .probes
                        .push((path.clone(), kind == PathKind::Dir));
                }
                match kind {
                    PathKind::File(_) => vec![path.clone()],
                    PathKind::Dir => {
                        self.location_error(loc, entity, &file, *pos, format!(
                            "target {target} is a directory; Locations read files (try {target}/**/catalog-info.yaml)"
                        ));
                        continue;
                    }
                    PathKind::Missing => Vec::new(),
                }
            };
            if files.is_empty() {
                if !spec.optional {
                    self.location_error(loc, entity, &file, *pos, format!(
                        "target {target} does not exist (looked for {}); mark the Location `presence: optional` if that is expected",
                        vfs.display(&path)
                    ));
                }
                continue;
            }
            for f in files {
                let identity = vfs.identity(&f);
                if task.chain.contains(&identity) {
                    let mut names: Vec<String> =
                        task.chain.iter().map(|p| vfs.display(p)).collect();
                    names.push(vfs.display(&f));
                    self.diagnostics.push(Diagnostic::new(
                        Severity::Error,
                        &file,
                        *pos,
                        Some(key.clone()),
                        format!(
                            "Location cycle: {}; the file is already being read, so this target is skipped",
                            names.join(" → ")
                        ),
                    ));
                    continue;
                }
                if let Some(seen) = self.seen.get(&identity) {
                    if !seen.from_walk {
                        let first = match self.locations[seen.reader].entity {
                            Some(e) => format!("Location {}", self.entities[e].entity_ref),
                            None => format!("the root {}", self.locations[seen.reader].file),
                        };
                        self.diagnostics.push(Diagnostic::new(
                            Severity::Warning,
                            &file,
                            *pos,
                            Some(key.clone()),
                            format!(
                                "{} is already read through {first}; Backstage reports a conflict for the entities it reads a second time",
                                vfs.display(&f)
                            ),
                        ));
                    }
                    continue;
                }
                self.seen.insert(
                    identity.clone(),
                    Seen {
                        reader: loc,
                        from_walk: false,
                    },
                );
                let mut chain = (*task.chain).clone();
                chain.push(identity);
                next.push(Task {
                    path: f,
                    reader: loc,
                    root_dir: within.clone(),
                    chain: Arc::new(chain),
                    origin: task.origin.clone(),
                    from_walk: false,
                });
            }
        }
    }

    /// Warns, at each failed location, about the entities Backstage would not store.
    fn warn_dropped(&mut self) {
        let mut children: HashMap<LocId, Vec<usize>> = HashMap::new();
        for (entity, reader) in self.entity_reader.iter().enumerate() {
            children.entry(*reader).or_default().push(entity);
        }
        let own_location: HashMap<usize, LocId> = self
            .locations
            .iter()
            .enumerate()
            .filter_map(|(id, l)| l.entity.map(|e| (e, id)))
            .collect();
        let count_under = |loc: LocId| -> usize {
            let mut count = 0;
            let mut todo = vec![loc];
            while let Some(l) = todo.pop() {
                for &e in children.get(&l).into_iter().flatten() {
                    if self.entities[e].is_accepted() {
                        count += 1;
                    }
                    if let Some(&sub) = own_location.get(&e) {
                        todo.push(sub);
                    }
                }
            }
            count
        };
        let mut warnings = Vec::new();
        for (id, l) in self.locations.iter().enumerate() {
            let Some(failure) = &l.failure else { continue };
            let count = count_under(id);
            if count == 0 {
                continue;
            }
            let (subject, key) = match l.entity {
                Some(e) => (
                    format!("this Location or the {count} entities it reads"),
                    Some(self.entities[e].key.clone()),
                ),
                None => (
                    format!("the {count} entities this file holds or leads to"),
                    None,
                ),
            };
            warnings.push(Diagnostic::new(
                Severity::Warning,
                &l.file,
                l.pos,
                key,
                format!(
                    "Backstage would store none of {subject}: a real backend stores nothing under a Location when reading any of its files fails ({failure}); greenroom keeps them"
                ),
            ));
        }
        self.diagnostics.extend(warnings);
    }
}

/// Every file's parsed form from an earlier read, by (path, size, mtime) and whether it was
/// found by walking (a templated file found by walking is skipped, not parsed): what lets a
/// refresh parse only the files that changed. Entries are decoded only when used.
#[derive(Default)]
pub struct Memo<'a> {
    files: HashMap<PathBuf, (u64, i64, bool, &'a [u8])>,
}

impl<'a> Memo<'a> {
    /// The memo in `bytes` (as [`MemoOut::bytes`] wrote it).
    pub fn parse(bytes: &'a [u8]) -> Result<Memo<'a>, DecodeError> {
        let mut r = Reader::new(bytes);
        let n = r.len(5)?;
        let mut files = HashMap::with_capacity(n);
        for _ in 0..n {
            let path = PathBuf::from(r.str()?);
            let (size, mtime, from_walk) = (r.varint()?, r.i64()?, r.bool()?);
            let len = r.len(1)?;
            files.insert(path, (size, mtime, from_walk, r.bytes(len)?));
        }
        Ok(Memo { files })
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    fn get(&self, path: &Path, stamp: (u64, i64), from_walk: bool) -> Option<(FileRead, &'a [u8])> {
        let &(size, mtime, walk, bytes) = self.files.get(path)?;
        if (size, mtime, walk) != (stamp.0, stamp.1, from_walk) {
            return None;
        }
        let read = decode_read(&mut Reader::new(bytes)).ok()?;
        Some((read, bytes))
    }
}

/// The memo a read leaves for the next one, and how many files it took from the old memo
/// and how many it parsed.
#[derive(Debug, Default)]
pub struct MemoOut {
    pub bytes: Vec<u8>,
    pub files: usize,
    pub reused: usize,
    pub parsed: usize,
}

fn encode_problems(w: &mut Writer, problems: &[Problem]) {
    w.len(problems.len());
    for p in problems {
        w.problem(p);
    }
}

fn decode_problems(r: &mut Reader<'_>) -> Result<Vec<Problem>, DecodeError> {
    (0..r.len(3)?).map(|_| r.problem()).collect()
}

fn encode_read(w: &mut Writer, read: &FileRead) {
    w.bool(read.placeholders);
    w.str(&read.display);
    encode_problems(w, &read.problems);
    w.len(read.docs.len());
    for d in &read.docs {
        match d {
            DocRead::Broken { identity, problems } => {
                w.u8(0);
                match identity {
                    None => w.bool(false),
                    Some((id, data, pos)) => {
                        w.bool(true);
                        w.entity_ref(id);
                        w.value(data);
                        w.pos(*pos);
                    }
                }
                encode_problems(w, problems);
            }
            DocRead::Entity {
                identity,
                data,
                pos,
                problems,
                sites,
                location,
            } => {
                w.u8(1);
                w.entity_ref(identity);
                w.value(data);
                w.pos(*pos);
                encode_problems(w, problems);
                w.len(sites.len());
                for s in sites {
                    w.ref_site(s);
                }
                match location {
                    None => w.bool(false),
                    Some(l) => {
                        w.bool(true);
                        w.opt_str(l.location_type.as_deref());
                        w.len(l.targets.len());
                        for (t, pos) in &l.targets {
                            w.str(t);
                            w.pos(*pos);
                        }
                        w.bool(l.optional);
                    }
                }
            }
        }
    }
}

fn decode_read(r: &mut Reader<'_>) -> Result<FileRead, DecodeError> {
    let placeholders = r.bool()?;
    let display = r.string()?;
    let problems = decode_problems(r)?;
    let mut docs = Vec::new();
    for _ in 0..r.len(2)? {
        docs.push(match r.u8()? {
            0 => {
                let identity = if r.bool()? {
                    Some((r.entity_ref()?, r.value()?, r.pos()?))
                } else {
                    None
                };
                DocRead::Broken {
                    identity,
                    problems: decode_problems(r)?,
                }
            }
            1 => {
                let identity = r.entity_ref()?;
                let data = r.value()?;
                let pos = r.pos()?;
                let problems = decode_problems(r)?;
                let sites = (0..r.len(8)?)
                    .map(|_| r.ref_site())
                    .collect::<Result<Vec<_>, _>>()?;
                let location = if r.bool()? {
                    let location_type = r.opt_string()?;
                    let targets = (0..r.len(3)?)
                        .map(|_| Ok((r.string()?, r.pos()?)))
                        .collect::<Result<Vec<_>, DecodeError>>()?;
                    Some(LocationSpecRead {
                        location_type,
                        targets,
                        optional: r.bool()?,
                    })
                } else {
                    None
                };
                DocRead::Entity {
                    identity,
                    data,
                    pos,
                    problems,
                    sites,
                    location,
                }
            }
            _ => return Err(DecodeError("malformed cache data (document)".into())),
        });
    }
    Ok(FileRead {
        placeholders,
        display,
        problems,
        docs,
    })
}

fn has_glob_char(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// A glob's longest literal prefix (where its walk starts) and the pattern below it.
fn glob_base(pattern: &Path) -> (PathBuf, PathBuf) {
    let mut base = PathBuf::new();
    let mut rest = PathBuf::new();
    for c in pattern.components() {
        let s = c.as_os_str().to_string_lossy();
        if rest.as_os_str().is_empty() && !has_glob_char(&s) {
            base.push(c.as_os_str());
        } else {
            rest.push(c.as_os_str());
        }
    }
    (base, rest)
}

/// A located warning for a symlink a walk did not follow out of its root.
fn outside_walk(vfs: &dyn Vfs, link: &Path, target: &Path, root: &Path) -> Diagnostic {
    Diagnostic::new(
        Severity::Warning,
        vfs.display(link),
        Pos::START,
        None,
        format!(
            "symlink to {}, outside the catalogue root {}; not followed",
            target.display(),
            vfs.display(root)
        ),
    )
}

/// Files matching an absolute glob, found by walking from its longest literal prefix, and the
/// symlinks (link, where it leads) not followed because they leave `within`.
#[allow(clippy::type_complexity)]
fn expand_glob(
    vfs: &dyn Vfs,
    pattern: &Path,
    within: &Path,
) -> Result<(Vec<PathBuf>, Vec<(PathBuf, PathBuf)>), globset::Error> {
    let (base, rest) = glob_base(pattern);
    let matcher = glob_matcher(&rest.to_string_lossy())?;
    if vfs.kind(&base) != PathKind::Dir {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut files = Vec::new();
    let mut outside = Vec::new();
    for item in vfs.walk(&base, within, &|rel: &Path| matcher.is_match(rel)) {
        match item {
            WalkItem::File(f) => files.push(f),
            WalkItem::Outside { link, target } => outside.push((link, target)),
            WalkItem::Loop { .. } | WalkItem::Unreadable { .. } => {}
        }
    }
    Ok((files, outside))
}

/// Text of a descriptor: UTF-8 (BOM dropped) or UTF-16 with a BOM. Anything else is read as
/// Node does, with U+FFFD for bad bytes, and a warning at the first one.
fn decode(bytes: &[u8]) -> (String, Option<Problem>) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode(rest);
    }
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return (utf16(rest, true), None);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return (utf16(rest, false), None);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), None),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let line = valid.matches('\n').count() as u32 + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            let byte = bytes[e.valid_up_to()];
            (
                String::from_utf8_lossy(bytes).into_owned(),
                Some(Problem::warning(
                    Pos::new(line, column),
                    format!(
                        "not valid UTF-8 (byte 0x{byte:02X}); read with U+FFFD in place of bad bytes, as Backstage does. Save the file as UTF-8"
                    ),
                )),
            )
        }
    }
}

fn read_file(ctx: &ReadCtx<'_>, task: &Task) -> FileRead {
    let vfs = ctx.vfs;
    let mut read = FileRead {
        placeholders: false,
        display: vfs.display(&task.path),
        problems: Vec::new(),
        docs: Vec::new(),
    };
    match vfs.kind(&task.path) {
        PathKind::File(len) if len > ctx.opts.max_file_bytes => {
            read.problems.push(Problem::error(
                Pos::START,
                format!(
                    "file is {:.1} MB, over the {:.1} MB limit for a descriptor; not read (raise catalog.max_file_bytes in the config if it is meant to be this big)",
                    len as f64 / 1_048_576.0,
                    ctx.opts.max_file_bytes as f64 / 1_048_576.0
                ),
            ));
            return read;
        }
        PathKind::File(_) => {}
        PathKind::Dir | PathKind::Missing => {
            read.problems
                .push(Problem::error(Pos::START, "not a readable file"));
            return read;
        }
    }
    let bytes = match vfs.read(&task.path, ctx.opts.max_file_bytes) {
        Ok(b) => b,
        Err(e) => {
            read.problems
                .push(Problem::error(Pos::START, format!("cannot read: {e}")));
            return read;
        }
    };
    let (text, encoding_problem) = decode(&bytes);
    // A templated descriptor found by walking is a template's skeleton, not an entity.
    if task.from_walk && text.contains("${{") {
        return read;
    }
    read.problems.extend(encoding_problem);
    read.placeholders = ["$text", "$json", "$yaml"].iter().any(|p| text.contains(p));
    for raw in parse_documents(&text, &ctx.opts.yaml) {
        let root = match raw.result {
            Ok(Some(root)) => root,
            Ok(None) => continue,
            Err(e) => {
                read.docs.push(DocRead::Broken {
                    identity: None,
                    problems: vec![Problem::error(
                        e.pos,
                        format!("YAML syntax error: {}", e.message),
                    )],
                });
                continue;
            }
        };
        read.docs.push(read_document(ctx, task, root));
    }
    read
}

fn read_document(ctx: &ReadCtx<'_>, task: &Task, mut root: Node) -> DocRead {
    let pos = identity_pos(&root);
    let identity = match check_envelope(&root) {
        Ok(id) => id,
        Err(failure) => {
            return DocRead::Broken {
                identity: failure.identity.map(|id| (id, root.into_json(), pos)),
                problems: failure.problems,
            };
        }
    };
    let placeholder_ctx = PlaceholderContext {
        vfs: ctx.vfs,
        file: &task.path,
        root: &task.root_dir,
        http: ctx.http,
        max_bytes: ctx.opts.max_file_bytes,
        limits: &ctx.opts.yaml,
    };
    let failed = substitute(&mut root, &placeholder_ctx);
    let (checked, sites) = check_entity(&root, &identity, &ctx.opts.check);
    let failed_at: Vec<Pos> = failed.iter().map(|f| f.node).collect();
    let mut problems: Vec<Problem> = failed.into_iter().map(|f| f.problem).collect();
    problems.extend(checked.into_iter().filter(|p| !failed_at.contains(&p.pos)));
    let location = (identity.kind == "Location").then(|| location_spec(&root));
    DocRead::Entity {
        identity,
        data: root.into_json(),
        pos,
        problems,
        sites,
        location,
    }
}

fn location_spec(root: &Node) -> LocationSpecRead {
    let spec = root.get("spec");
    let string_at = |key: &str| {
        spec.and_then(|s| s.get(key))
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    let mut targets = Vec::new();
    if let Some(t) = spec.and_then(|s| s.get("target"))
        && let Some(s) = t.as_str()
    {
        targets.push((s.to_owned(), t.pos));
    }
    if let Some(NodeValue::Seq(items)) = spec.and_then(|s| s.get("targets")).map(|n| &n.value) {
        targets.extend(
            items
                .iter()
                .filter_map(|n| n.as_str().map(|s| (s.to_owned(), n.pos))),
        );
    }
    LocationSpecRead {
        location_type: string_at("type"),
        targets,
        optional: string_at("presence").as_deref() == Some("optional"),
    }
}

/// Brings an entity into the form Backstage stores: default namespace filled in, the processor's
/// string lists sorted (JavaScript's default sort, by UTF-16 code units), location annotations.
fn normalize_entity(data: &mut Value, location: &str, origin: &str) {
    let Some(obj) = data.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
        if !meta.contains_key("namespace") {
            meta.insert("namespace".into(), Value::String("default".into()));
        }
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(a) = annotations {
            a.insert(ANNOTATION_LOCATION.into(), Value::String(location.into()));
            a.insert(
                ANNOTATION_ORIGIN_LOCATION.into(),
                Value::String(origin.into()),
            );
        }
    }
    if let Some(Value::Object(spec)) = obj.get_mut("spec") {
        for key in SORTED_SPEC_LISTS {
            if let Some(Value::Array(items)) = spec.get_mut(*key)
                && items.iter().all(Value::is_string)
            {
                items.sort_by(|a, b| {
                    let (a, b) = (
                        a.as_str().unwrap_or_default(),
                        b.as_str().unwrap_or_default(),
                    );
                    a.encode_utf16().cmp(b.encode_utf16())
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_handles_boms_and_reports_bad_bytes() {
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1").0, "a: 1");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: ü".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).0, "a: ü");
        let (text, problem) = decode(b"a: 1\nb: x\xFFy\n");
        assert_eq!(text, "a: 1\nb: x\u{FFFD}y\n");
        assert_eq!(problem.unwrap().pos, Pos::new(2, 5));
    }

    #[test]
    fn a_load_without_the_cache_encodes_no_memo() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b"] {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
            std::fs::write(
                dir.path().join(name).join("catalog-info.yaml"),
                format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n"),
            )
            .unwrap();
        }
        let source = FileSource::disk(&[dir.path().to_path_buf()]).unwrap();
        let opts = LoadOptions {
            online: false,
            ..LoadOptions::default()
        };
        let (plain, plain_stamps, none) = source.load_with(&opts, None, false);
        assert!(none.bytes.is_empty());
        assert_eq!((none.files, none.parsed), (0, 2));
        let (kept, kept_stamps, memo) = source.load_memo(&opts, None);
        assert_eq!(memo.files, 2);
        assert!(Memo::parse(&memo.bytes).unwrap().len() == 2);
        let json = |o: &SourceOutput| -> Vec<String> {
            o.entities
                .iter()
                .map(|e| serde_json::to_string(&e.backstage_json()).unwrap())
                .collect()
        };
        assert_eq!(json(&plain), json(&kept));
        assert_eq!(plain.entities.len(), 2);
        assert_eq!(plain_stamps.files.len(), kept_stamps.files.len());
    }

    #[test]
    fn normalize_sorts_processor_lists_and_fills_namespace() {
        let mut v = serde_json::json!({
            "metadata": {"name": "x"},
            "spec": {"providesApis": ["b", "a", "C"], "other": ["z", "y"], "members": ["b", 1]}
        });
        normalize_entity(&mut v, "file:/x.yaml", "file:/root.yaml");
        assert_eq!(v["metadata"]["namespace"], "default");
        assert_eq!(
            v["spec"]["providesApis"],
            serde_json::json!(["C", "a", "b"])
        );
        assert_eq!(v["spec"]["other"], serde_json::json!(["z", "y"]));
        assert_eq!(v["spec"]["members"], serde_json::json!(["b", 1]));
        assert_eq!(
            v["metadata"]["annotations"][ANNOTATION_LOCATION],
            "file:/x.yaml"
        );
    }
}
