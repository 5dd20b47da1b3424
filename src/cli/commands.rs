//! The subcommands.

use super::{CacheAction, Chosen, Command, Context, Failure, Style};
use crate::catalog::{Catalog, Diagnostic, Entity, RelationType, Severity};
use crate::search::{Query, SearchIndex};
use crate::sources::cache::{self, CatalogCache, Policy, SourceState};
use crate::sources::{self, Progress};
use crate::text::{sanitize_block, sanitize_line};
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn run(ctx: &Context) -> Result<u8, Failure> {
    match &ctx.cli.command {
        Some(Command::Validate { paths, json }) => validate(ctx, paths, *json),
        Some(Command::Export {
            include_rejected, ..
        }) => export(ctx, *include_rejected),
        Some(Command::Show { reference, json }) => show(ctx, reference, *json),
        Some(Command::Search { query, limit, json }) => {
            search(ctx, &query.join(" "), *limit, *json)
        }
        Some(Command::Info { json }) => info(ctx, *json),
        Some(Command::Cache { action }) => cache_command(ctx, action),
        Some(Command::Docs(args)) => super::docs::run(ctx, args),
        Some(Command::Keys { actions, json }) => keys(ctx, *actions, *json),
        Some(Command::Scaffold(args)) => crate::cli::scaffold::run(ctx, args),
        Some(Command::Action(args)) => crate::cli::action::run(ctx, args),
        Some(Command::Scorecard(args)) => crate::cli::scorecard::run(ctx, args),
        Some(Command::Status {
            reference,
            json,
            fake,
        }) => super::status::status(ctx, reference, *json, *fake),
        Some(Command::Oncall { scope, json, fake }) => {
            super::status::oncall(ctx, scope.as_deref(), *json, *fake)
        }
        Some(Command::Serve {
            listen,
            host_key,
            authorized_keys,
            status,
            json,
        }) => {
            if *status {
                return match crate::serve::print_status(&ctx.paths.state_dir, *json) {
                    Ok(text) => {
                        print!("{}", crate::text::sanitize_block(&text));
                        Ok(0)
                    }
                    Err(e) => Err(Failure::failed(e)),
                };
            }
            serve(ctx, listen, host_key, authorized_keys)
        }
        None => portal(ctx),
    }
}

/// `greenroom serve`: the portal's options, with the server's from the flags and `[serve]`.
fn serve(
    ctx: &Context,
    listen: &Option<String>,
    host_key: &Option<PathBuf>,
    authorized_keys: &[PathBuf],
) -> Result<u8, Failure> {
    let config = &ctx.config.serve;
    let config_dir = ctx
        .paths
        .config_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let options = crate::serve::ServeOptions {
        listen: listen
            .clone()
            .or_else(|| config.listen.clone())
            .unwrap_or_else(|| crate::serve::DEFAULT_LISTEN.into()),
        host_key: host_key
            .clone()
            .or_else(|| config.host_key.clone())
            .unwrap_or_else(|| ctx.paths.state_dir.join("ssh_host_ed25519_key")),
        authorized_keys: [authorized_keys, &config.authorized_keys]
            .into_iter()
            .find(|paths| !paths.is_empty())
            .map_or_else(|| vec![config_dir.join("authorized_keys")], <[_]>::to_vec),
        state_dir: ctx.paths.state_dir.clone(),
        limits: crate::serve::ServeLimits::from_config(config),
        allow_local_scaffold: config.allow_local_scaffold,
        users: config.users.clone(),
        portal: portal_options(ctx)?,
    };
    Ok(crate::serve::run(options)?)
}

/// Loads the chosen catalogue, showing progress on stderr when it takes a while. Read
/// commands go through the cache (see [`load_cached`]); `validate` always reads.
pub(super) fn load(mut chosen: Chosen) -> Catalog {
    let shown = show_progress(&mut chosen);
    let catalog = sources::load(&chosen.sources, &chosen.options);
    clear_progress(&shown);
    catalog
}

type Shown = Arc<Mutex<Option<Instant>>>;

fn show_progress(chosen: &mut Chosen) -> Shown {
    let started = Instant::now();
    let shown = Arc::new(Mutex::new(None::<Instant>));
    if std::io::stderr().is_terminal() {
        let shown = shown.clone();
        chosen.options.progress = Some(Arc::new(move |p: Progress| {
            let now = Instant::now();
            if now.duration_since(started) < Duration::from_millis(500) {
                return;
            }
            let mut last = shown.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|l| now.duration_since(l) < Duration::from_millis(100)) {
                return;
            }
            *last = Some(now);
            eprint!(
                "\rreading: {} files, {} entities…",
                p.files_read, p.entities
            );
        }));
    }
    shown
}

fn clear_progress(shown: &Shown) {
    if shown.lock().map(|s| s.is_some()).unwrap_or(false) {
        eprint!("\r\x1b[2K");
    }
}

/// The catalogue for a read command (export, show, search), through the cache: file sources
/// are revalidated by their files' (path, size, mtime) and parsed again only when something
/// changed; a remote source is used from the cache while younger than `catalog.cache_max_age`
/// (5 min by default), else fetched, and served from the cache (with a warning and its age)
/// when it cannot be reached. With `--offline` the cache alone, its age said on stderr.
pub(super) fn load_cached(ctx: &Context, chosen: Chosen) -> Result<Catalog, Failure> {
    load_through_cache(ctx, chosen, CatalogCache::new(&ctx.paths.cache_dir))
}

/// As [`load_cached`], never writing the cache: what `export` uses. An export is one pass
/// over the catalogue (often in CI, where the cache is thrown away); filling the cache would
/// cost it more than the export itself (2.8 s CPU and 230 MiB at 100k entities), so it takes
/// the cache when it is there and valid, and otherwise reads the sources as `validate` does.
pub(super) fn load_cached_read_only(ctx: &Context, chosen: Chosen) -> Result<Catalog, Failure> {
    load_through_cache(
        ctx,
        chosen,
        CatalogCache::new(&ctx.paths.cache_dir).read_only(),
    )
}

fn load_through_cache(
    ctx: &Context,
    mut chosen: Chosen,
    cache: CatalogCache,
) -> Result<Catalog, Failure> {
    let offline = ctx.cli.offline;
    if !ctx.config.catalog.cache && !offline {
        return Ok(load(chosen));
    }
    let (warm, warnings) = cache.open(&chosen.sources, &chosen.options);
    for w in &warnings {
        super::print_diagnostic(&format!("greenroom: warning: {w}"));
    }
    if warm.is_none() && !cache.writes() && !offline {
        // Nothing cached to take: a plain read, without building what only a cache keeps.
        return Ok(load(chosen));
    }
    let policy = if offline {
        Policy::Offline
    } else {
        Policy::MaxAge(ctx.config.cache_max_age())
    };
    let shown = show_progress(&mut chosen);
    let refreshed = cache.refresh(
        &chosen.sources,
        &chosen.options,
        policy,
        warm.as_ref().map(|w| w.sources.as_slice()),
        &|_| {},
    );
    clear_progress(&shown);
    for w in &refreshed.warnings {
        super::print_diagnostic(&format!("greenroom: warning: {w}"));
    }
    let now = cache.now();
    for s in &refreshed.sources {
        match &s.state {
            SourceState::Failed(_) if offline => {
                return Err(Failure::failed(format!(
                    "--offline: nothing is cached for {} yet; run once without --offline to fill the cache",
                    s.name
                )));
            }
            SourceState::Cached if offline => super::print_diagnostic(&format!(
                "greenroom: offline: {} as cached {} ago",
                s.name,
                s.age(now).map_or_else(|| "a while".into(), cache::age_text)
            )),
            SourceState::Offline(why) => super::print_diagnostic(&format!(
                "greenroom: warning: {} could not be read ({why}); using its cache from {} ago",
                s.name,
                s.age(now).map_or_else(|| "a while".into(), cache::age_text)
            )),
            _ => {}
        }
    }
    match (refreshed.catalog, warm) {
        (Some(c), _) => Ok(c),
        (None, Some(w)) => Ok(w.catalog),
        (None, None) => Ok(load(chosen)),
    }
}

/// `greenroom cache info|clear`.
fn cache_command(ctx: &Context, action: &CacheAction) -> Result<u8, Failure> {
    let cache = CatalogCache::new(&ctx.paths.cache_dir);
    match action {
        CacheAction::Clear => {
            let n = cache
                .clear()
                .map_err(|e| Failure::failed(format!("clearing {}: {e}", cache.dir().display())))?;
            println!(
                "removed {n} cache file{} from {}",
                if n == 1 { "" } else { "s" },
                sanitize_line(&cache.dir().display().to_string())
            );
            Ok(0)
        }
        CacheAction::Info { json } => {
            let files = cache.info();
            let now = cache.now();
            let age = |w: Option<u64>| {
                w.map(|s| {
                    now.duration_since(std::time::UNIX_EPOCH + Duration::from_secs(s))
                        .unwrap_or_default()
                })
            };
            if *json {
                let items: Vec<Value> = files
                    .iter()
                    .map(|f| {
                        json!({
                            "path": f.path,
                            "kind": f.kind,
                            "source": f.source,
                            "entities": f.entities,
                            "bytes": f.bytes,
                            "writtenAt": f.written_at,
                            "ageSeconds": age(f.written_at).map(|a| a.as_secs()),
                            "version": f.version,
                            "problem": f.problem,
                        })
                    })
                    .collect();
                print_json(
                    &json!({"dir": cache.dir(), "formatVersion": cache::FORMAT_VERSION, "files": items}),
                )?;
                return Ok(0);
            }
            let style = Style::for_stdout();
            let dir = sanitize_line(&cache.dir().display().to_string()).into_owned();
            if files.is_empty() {
                println!("the cache is empty ({dir})");
                return Ok(0);
            }
            println!("{}", style.dim(&format!("cache in {dir}")));
            for f in &files {
                let name = f
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                println!(
                    "{}  {}",
                    style.bold(&sanitize_line(&f.source)),
                    style.dim(f.kind)
                );
                row_line("path", &sanitize_line(&name));
                row_line("entities", &f.entities.to_string());
                row_line(
                    "age",
                    &age(f.written_at).map_or_else(|| "unknown".into(), cache::age_text),
                );
                row_line("size", &format!("{:.1} MB", f.bytes as f64 / 1_048_576.0));
                row_line(
                    "version",
                    &f.version
                        .map_or_else(|| "unknown".into(), |v| v.to_string()),
                );
                if let Some(p) = &f.problem {
                    row_line(
                        "problem",
                        &format!("{} (rebuilt on the next start)", sanitize_line(p)),
                    );
                }
            }
            Ok(0)
        }
    }
}

fn row_line(label: &str, value: &str) {
    println!("  {label:<9}{value}");
}

pub(super) use super::json::print_json;

fn sorted_diagnostics(catalog: &Catalog) -> Vec<&Diagnostic> {
    let mut d: Vec<&Diagnostic> = catalog.diagnostics().iter().collect();
    d.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.severity).cmp(&(&b.file, b.line, b.column, b.severity))
    });
    d
}

fn validate(ctx: &Context, paths: &[std::path::PathBuf], json: bool) -> Result<u8, Failure> {
    let chosen = ctx.choose_for_command(paths)?;
    let description = chosen.description.clone();
    let catalog = load(chosen);
    if catalog.is_empty() && catalog.diagnostics().is_empty() {
        // Checking nothing must not pass: a CI step pointed at the wrong folder would go green.
        return Err(Failure::failed(format!(
            "no entities in {}: directories are searched for catalog-info.yaml; name files or folders with greenroom validate PATH...",
            sanitize_line(&description)
        )));
    }
    let diagnostics = sorted_diagnostics(&catalog);
    let errors = catalog.error_count();
    if json {
        print_json(&json!({
            "entities": catalog.len(),
            "diagnostics": diagnostics,
        }))?;
    } else {
        let style = Style::for_stdout();
        let mut out = std::io::stdout().lock();
        for d in &diagnostics {
            let severity = match d.severity {
                Severity::Error => style.error("error"),
                Severity::Warning => style.warning("warning"),
            };
            let mut line = format!(
                "{}:{}:{}: {severity}: {}",
                sanitize_line(&d.file),
                d.line,
                d.column,
                sanitize_line(&d.message)
            );
            if let Some(r) = &d.entity_ref {
                line.push_str(&style.dim(&format!(" [{}]", sanitize_line(r))));
            }
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        let _ = writeln!(
            out,
            "{} entities: {} {}, {} {}",
            catalog.len(),
            errors,
            if errors == 1 { "error" } else { "errors" },
            catalog.warning_count(),
            if catalog.warning_count() == 1 {
                "warning"
            } else {
                "warnings"
            },
        );
    }
    drop(diagnostics);
    left_for_exit(catalog);
    Ok(u8::from(errors > 0))
}

fn export(ctx: &Context, include_rejected: bool) -> Result<u8, Failure> {
    let catalog = load_cached_read_only(ctx, ctx.choose_for_command(&[])?)?;
    let written = super::json::print_json_with(|out| write_export(&catalog, include_rejected, out));
    left_for_exit(catalog);
    written?;
    Ok(0)
}

/// Lets the process's exit reclaim a catalogue the command is done with: freeing it entity by
/// entity, millions of small allocations, was 9% of an export's CPU at 100k entities (profiled
/// with `perf record`), and nothing runs after a one-shot command but `exit`.
fn left_for_exit(catalog: Catalog) {
    std::mem::forget(catalog);
}

/// The entities `export` prints, sorted by ref: the first of each ref, accepted ones unless
/// `include_rejected`.
fn exported(catalog: &Catalog, include_rejected: bool) -> Vec<&Entity> {
    let mut entities: Vec<&Entity> = catalog
        .entities()
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            (include_rejected || e.is_accepted()) && catalog.position(&e.key) == Some(*i)
        })
        .map(|(_, e)| e)
        .collect();
    entities.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    entities
}

/// Writes the export as one JSON array, serialising one entity at a time straight from the
/// catalogue (no copy of it, no array of values held in memory).
fn write_export<W: Write + ?Sized>(
    catalog: &Catalog,
    include_rejected: bool,
    out: &mut W,
) -> serde_json::Result<()> {
    struct Entities<'a>(Vec<&'a Entity>);
    impl serde::Serialize for Entities<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|e| e.backstage_json()))
        }
    }
    super::json::write_json(out, &Entities(exported(catalog, include_rejected)))
}

pub(super) fn not_found(catalog: &Catalog, text: &str, candidates: &[&Entity]) -> Failure {
    if !candidates.is_empty() {
        let list: Vec<String> = candidates.iter().map(|e| e.key.clone()).collect();
        return Failure::failed(format!(
            "\"{text}\" is ambiguous; it could be any of: {}",
            list.join(", ")
        ));
    }
    let index = SearchIndex::build(catalog);
    let hits = index.search(&Query::parse(text));
    let near: Vec<String> = hits
        .iter()
        .take(3)
        .map(|h| catalog.entities()[h.entity].key.clone())
        .collect();
    if near.is_empty() {
        Failure::failed(format!("no entity matches \"{text}\""))
    } else {
        Failure::failed(format!(
            "no entity matches \"{text}\"; did you mean {}?",
            near.join(", ")
        ))
    }
}

fn show(ctx: &Context, text: &str, json: bool) -> Result<u8, Failure> {
    let catalog = load_cached(ctx, ctx.choose_for_command(&[])?)?;
    let entity = catalog
        .resolve(text)
        .map_err(|c| not_found(&catalog, text, &c))?;
    if json {
        print_json(&entity.to_backstage_json())?;
        return Ok(0);
    }
    let style = Style::for_stdout();
    let mut out = String::new();
    render_entity(&catalog, entity, &style, &mut out);
    print!("{out}");
    Ok(0)
}

fn row(out: &mut String, style: &Style, label: &str, value: &str) {
    out.push_str(&format!("  {:<13}{}\n", style.dim(label), value));
}

/// Human description of one entity; every string from the descriptor is sanitised.
fn render_entity(catalog: &Catalog, e: &Entity, style: &Style, out: &mut String) {
    let l = |s: &str| sanitize_line(s).into_owned();
    out.push_str(&format!(
        "{} {}  {}\n",
        style.accent(&l(e.kind())),
        style.bold(&l(e.display_name())),
        style.dim(&l(&e.key))
    ));
    if !e.is_accepted() {
        out.push_str(&format!(
            "  {}\n",
            style.error("Backstage would reject this entity (see problems below)")
        ));
    }
    if let Some(d) = e.description() {
        for line in sanitize_block(d).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push('\n');
    if let Some(t) = e.spec_type() {
        row(out, style, "type", &l(t));
    }
    if let Some(lc) = e.lifecycle() {
        row(out, style, "lifecycle", &l(lc));
    }
    for owner in e.related(&RelationType::OwnedBy) {
        let name = catalog.get(owner).map(|o| l(o.display_name()));
        let shown = match name {
            Some(n) => format!("{} ({n})", l(owner)),
            None => format!("{} {}", l(owner), style.warning("(not in the catalogue)")),
        };
        row(out, style, "owner", &shown);
    }
    let tags: Vec<String> = e.tags().map(l).collect();
    if !tags.is_empty() {
        row(out, style, "tags", &tags.join(", "));
    }
    for (url, title) in e.links() {
        let shown = match title {
            Some(t) => format!("{} {}", l(t), style.dim(&l(url))),
            None => l(url),
        };
        row(out, style, "link", &shown);
    }
    for (k, v) in e.annotations() {
        if k.starts_with("backstage.io/managed-by") {
            continue;
        }
        row(out, style, "annotation", &format!("{} = {}", l(k), l(v)));
    }
    if let Some(spec) = e.spec() {
        let shown = ["type", "lifecycle", "owner", "definition"];
        for (k, v) in spec.iter().filter(|(k, _)| !shown.contains(&k.as_str())) {
            let value = match v {
                Value::String(s) => l(s),
                other => l(&other.to_string()),
            };
            row(
                out,
                style,
                &format!("spec.{}", l(k)),
                &truncate(&value, 100),
            );
        }
        if let Some(def) = spec.get("definition").and_then(Value::as_str) {
            let lines = def.lines().count();
            row(
                out,
                style,
                "definition",
                &format!("{lines} lines (greenroom show --json for all of it)"),
            );
        }
    }
    if !e.relations.is_empty() {
        out.push_str(&format!("\n  {}\n", style.bold("relations")));
        for r in &e.relations {
            let missing = if catalog.get(&r.target).is_none() {
                style.warning(" (not in the catalogue)")
            } else {
                String::new()
            };
            out.push_str(&format!(
                "    {:<16}{}{missing}\n",
                r.kind.label(),
                l(&r.target)
            ));
        }
    }
    out.push_str(&format!(
        "\n  {:<13}{}\n",
        style.dim("defined in"),
        l(&e.origin.place()),
    ));
    let problems: Vec<&Diagnostic> = catalog.diagnostics_for(&e.key).collect();
    if !problems.is_empty() {
        out.push_str(&format!("\n  {}\n", style.bold("problems")));
        for d in problems {
            let sev = match d.severity {
                Severity::Error => style.error("error"),
                Severity::Warning => style.warning("warning"),
            };
            out.push_str(&format!(
                "    {}:{}: {sev}: {}\n",
                l(&d.file),
                d.line,
                l(&d.message)
            ));
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn search(ctx: &Context, text: &str, limit: usize, json: bool) -> Result<u8, Failure> {
    let chosen = ctx.choose_for_command(&[])?;
    let online = chosen.options.online;
    let catalog = load_cached(ctx, chosen)?;
    let index = SearchIndex::build(&catalog);
    let query = Query::parse(text);
    // `docs:` is answered by the TechDocs index, built only when the query asks.
    let docs = crate::techdocs::DocsAnswers::wanted(&query).then(|| {
        let docs_index = super::docs::catalog_index(ctx, &catalog, online);
        crate::techdocs::DocsAnswers::new(&docs_index, &query)
    });
    let hits = index.search_graded(
        &query,
        None,
        docs.as_ref().map(|d| d as &dyn crate::search::Levels),
    );
    let shown = &hits[..hits.len().min(limit)];
    if json {
        let items: Vec<Value> = shown
            .iter()
            .map(|h| {
                let e = &catalog.entities()[h.entity];
                json!({
                    "entityRef": e.key,
                    "kind": e.kind(),
                    "namespace": e.namespace(),
                    "name": e.name(),
                    "title": e.title(),
                    "description": e.description(),
                    "owner": e.related(&RelationType::OwnedBy).next(),
                    "type": e.spec_type(),
                    "lifecycle": e.lifecycle(),
                    "score": h.score,
                })
            })
            .collect();
        print_json(&json!({"query": text, "total": hits.len(), "items": items}))?;
        return Ok(0);
    }
    let style = Style::for_stdout();
    let mut out = std::io::stdout().lock();
    for h in shown {
        let e = &catalog.entities()[h.entity];
        let owner = e
            .related(&RelationType::OwnedBy)
            .next()
            .map(|o| o.rsplit('/').next().unwrap_or(o).to_owned())
            .unwrap_or_default();
        let line = format!(
            "{:<10} {:<32} {:<20} {:<12} {}",
            style.accent(&sanitize_line(e.kind())),
            sanitize_line(&e.entity_ref.short(Some(e.kind()))),
            sanitize_line(&owner),
            sanitize_line(e.lifecycle().unwrap_or("")),
            truncate(
                &sanitize_line(e.title().or(e.description()).unwrap_or("")),
                60
            ),
        );
        if writeln!(out, "{line}").is_err() {
            return Ok(0);
        }
    }
    if hits.is_empty() {
        let _ = writeln!(out, "no matches for \"{}\"", sanitize_line(text));
    } else if hits.len() > shown.len() {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&format!(
                "{} of {} matches (--limit for more)",
                shown.len(),
                hits.len()
            ))
        );
    }
    Ok(0)
}

fn info(ctx: &Context, json: bool) -> Result<u8, Failure> {
    let chosen = ctx.choose(&[])?;
    let p = &ctx.paths;
    let config_state = if ctx.config.file.is_some() {
        "present"
    } else {
        "not present; using defaults"
    };
    if json {
        print_json(&json!({
            "version": env!("CARGO_PKG_VERSION"),
            "config": {"path": p.config_file, "exists": ctx.config.file.is_some()},
            "cache": p.cache_dir,
            "state": p.state_dir,
            "log": p.log_file,
            "catalog": chosen.description,
        }))?;
        return Ok(0);
    }
    let style = Style::for_stdout();
    println!("greenroom {}", env!("CARGO_PKG_VERSION"));
    // Paths come from the environment and the user's arguments: shown sanitised.
    let l = |p: &std::path::Path| sanitize_line(&p.display().to_string()).into_owned();
    println!(
        "  {:<9}{} ({config_state})",
        style.dim("config"),
        l(&p.config_file)
    );
    println!("  {:<9}{}", style.dim("cache"), l(&p.cache_dir));
    println!("  {:<9}{}", style.dim("state"), l(&p.state_dir));
    println!("  {:<9}{}", style.dim("log"), l(&p.log_file));
    println!(
        "  {:<9}{}",
        style.dim("catalog"),
        sanitize_line(&chosen.description)
    );
    Ok(0)
}

/// The portal (no subcommand): the chosen catalogue and the options the portal takes.
fn portal(ctx: &Context) -> Result<u8, Failure> {
    Ok(crate::tui::run(portal_options(ctx)?)?)
}

/// What the portal opens, for the local terminal or for every SSH session.
fn portal_options(ctx: &Context) -> Result<crate::tui::PortalOptions, Failure> {
    let chosen = ctx.choose(&[])?;
    Ok(crate::tui::PortalOptions {
        config: ctx.config.clone(),
        config_file: ctx.paths.config_file.clone(),
        log_file: ctx.paths.log_file.clone(),
        state_dir: ctx.paths.state_dir.clone(),
        ui: ui_overrides(ctx),
        demo_fallback: chosen.description == super::DEMO_FALLBACK,
        sources: chosen.sources,
        load: chosen.options,
        cache: portal_cache(ctx),
        description: chosen.description,
        demo: chosen.demo,
        watch: ctx.config.catalog.watch && !ctx.cli.no_watch,
    })
}

/// The catalogue cache the portal starts from, and how (`--offline`: remote sources from the
/// cache alone); none when `catalog.cache = false`.
fn portal_cache(ctx: &Context) -> Option<(CatalogCache, Policy)> {
    if !ctx.config.catalog.cache && !ctx.cli.offline {
        return None;
    }
    let policy = if ctx.cli.offline {
        Policy::Offline
    } else {
        Policy::Refresh
    };
    Some((CatalogCache::new(&ctx.paths.cache_dir), policy))
}

fn ui_overrides(ctx: &Context) -> crate::tui::UiOverrides {
    crate::tui::UiOverrides {
        color: ctx.cli.color.clone(),
        theme: ctx.cli.theme.clone(),
        keymap: ctx.cli.keymap.clone(),
        mouse: ctx.cli.mouse,
        no_hyperlinks: ctx.cli.no_hyperlinks,
        layout: ctx.cli.layout.clone(),
    }
}

/// The effective keymap, context by context; problems in keymap.toml go to stderr and make
/// the exit status 1.
fn keys(ctx: &Context, actions: bool, json: bool) -> Result<u8, Failure> {
    use crate::tui::action::Action;
    use crate::tui::keymap::Context as KeyContext;
    let (keymap, _theme, issues) = crate::tui::look_and_feel(
        &ctx.config,
        &ctx.paths.config_file,
        &ui_overrides(ctx),
        &crate::tui::session::ClientEnv::from_process(),
    )?;
    if actions {
        if json {
            let list: Vec<Value> = Action::ALL
                .iter()
                .map(|a| json!({"action": a.name(), "description": a.description()}))
                .collect();
            print_json(&Value::Array(list))?;
        } else {
            for a in Action::ALL {
                println!("{:<30} {}", a.name(), a.description());
            }
        }
        return Ok(0);
    }
    if json {
        let contexts: serde_json::Map<String, Value> = KeyContext::ALL
            .iter()
            .map(|c| {
                let bindings: serde_json::Map<String, Value> = keymap
                    .bindings(*c)
                    .into_iter()
                    .map(|(k, a)| (k, Value::String(a.name().into())))
                    .collect();
                (c.name().to_owned(), Value::Object(bindings))
            })
            .collect();
        print_json(&json!({"base": keymap.base, "contexts": contexts, "issues": issues}))?;
    } else {
        let style = Style::for_stdout();
        println!(
            "keymap: {} (plus keymap.toml in the config dir when present)",
            keymap.base
        );
        for c in KeyContext::ALL {
            let bindings = keymap.bindings(c);
            if bindings.is_empty() {
                continue;
            }
            println!(
                "\n{} {}",
                style.bold(&format!("[{}]", c.name())),
                style.dim(&format!("— {}", c.description()))
            );
            for (k, a) in bindings {
                println!(
                    "  {:<14} {:<30} {}",
                    style.accent(&k),
                    a.name(),
                    style.dim(a.description())
                );
            }
        }
    }
    for issue in &issues {
        super::print_diagnostic(issue);
    }
    Ok(u8::from(!issues.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{LoadOptions, Source, demo, files::FileSource};

    fn load_offline(source: Box<dyn Source>) -> Catalog {
        let options = LoadOptions {
            online: false,
            ..LoadOptions::default()
        };
        sources::load(&[source], &options)
    }

    /// What `export` printed before it streamed: the whole array of values, then written.
    fn export_as_values(catalog: &Catalog, include_rejected: bool) -> Vec<u8> {
        let array = Value::Array(
            exported(catalog, include_rejected)
                .iter()
                .map(|e| e.to_backstage_json())
                .collect(),
        );
        let mut out = Vec::new();
        super::super::json::write_json(&mut out, &array).unwrap();
        out
    }

    fn export_streamed(catalog: &Catalog, include_rejected: bool) -> Vec<u8> {
        let mut out = Vec::new();
        write_export(catalog, include_rejected, &mut out).unwrap();
        out
    }

    #[test]
    fn streamed_export_is_byte_identical_on_the_demo() {
        let catalog = load_offline(Box::new(demo::source()));
        assert!(catalog.len() > 50);
        for include_rejected in [false, true] {
            let streamed = export_streamed(&catalog, include_rejected);
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(export_as_values(&catalog, include_rejected)).unwrap()
            );
        }
    }

    #[test]
    fn streamed_export_is_byte_identical_on_the_fixtures() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let source = FileSource::disk(&[root.join("backstage-examples/root.yaml")]).unwrap();
        let catalog = load_offline(Box::new(source));
        assert!(catalog.len() > 20, "{}", catalog.len());
        for include_rejected in [false, true] {
            assert_eq!(
                export_streamed(&catalog, include_rejected),
                export_as_values(&catalog, include_rejected)
            );
        }
    }

    #[test]
    fn streamed_entity_replaces_a_relations_field_in_place_like_the_value() {
        let catalog = load_offline(Box::new(demo::source()));
        let mut e = catalog
            .entities()
            .iter()
            .find(|e| !e.relations.is_empty())
            .unwrap()
            .clone();
        // A descriptor that carries its own `relations` (and terminal escapes in it).
        let mut data = serde_json::Map::new();
        data.insert("relations".into(), json!(["\u{1b}[2J", "\u{9b}31m"]));
        data.extend(e.data.clone());
        e.data = data;
        let mut a = Vec::new();
        super::super::json::write_json(&mut a, &e.backstage_json()).unwrap();
        let mut b = Vec::new();
        super::super::json::write_json(&mut b, &e.to_backstage_json()).unwrap();
        assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
    }
}
