//! `greenroom docs`: an entity's TechDocs in the terminal. A page laid out at the terminal's
//! width (styled and with OSC 8 links on a terminal, plain text when piped), the site's nav,
//! `--json` for the page's structure, and `--search` across every docs site of the catalogue.

use super::commands::{load, not_found};
use super::{Context, Failure, print_json};
use crate::catalog::Catalog;
use crate::techdocs::{self, DocsIndex, Laid, Link, Site};
use crate::text::sanitize_line;
use serde_json::json;
use std::io::{IsTerminal, Write};

#[derive(Debug, clap::Args)]
pub struct DocsArgs {
    /// The entity whose docs to show (kind:namespace/name, kind:name, or a unique name).
    /// With --search it narrows the search to that entity's docs.
    #[arg(value_name = "REF", required_unless_present = "search")]
    pub reference: Option<String>,
    /// The page: its path in the docs folder (runbook.md, guides/setup), or its title. The
    /// site's first page when omitted.
    #[arg(value_name = "PAGE")]
    pub page: Option<String>,
    /// Print the site's nav as a tree instead of a page.
    #[arg(long, conflicts_with = "page")]
    pub nav: bool,
    /// Search every docs site of the catalogue (or REF's) for these words, best first.
    #[arg(long, value_name = "QUERY", conflicts_with_all = ["page", "nav"])]
    pub search: Option<String>,
    /// At most this many search results.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    /// Lay the page out at this many columns (default: the terminal's width, else 80).
    #[arg(long, value_name = "COLUMNS")]
    pub width: Option<usize>,
    /// Print JSON: the page's blocks and the nav; the nav; or the search results.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &DocsArgs) -> Result<u8, Failure> {
    let chosen = ctx.choose_for_command(&[])?;
    let online = chosen.options.online;
    let catalog = load(chosen);
    let backends = techdocs::backends(&ctx.config);
    let cache = docs_cache(ctx);
    let open = Open {
        backends: &backends,
        online,
        cache: cache.as_ref(),
    };
    if let Some(query) = &args.search {
        return search(&catalog, &open, args, query);
    }
    let text = args.reference.as_deref().unwrap_or_default();
    let (key, site, start) = open_site(&catalog, &open, text)?;
    if let Some(why) = &site.cached {
        eprintln!("{}: {}", site.name, sanitize_line(why));
    }
    if args.nav {
        return nav(&key, &site, args.json);
    }
    let page = match args.page.as_deref().or(start.as_deref()) {
        Some(p) => site.find_page(p).ok_or_else(|| {
            let pages: Vec<&str> = site.pages.iter().map(|p| p.path.as_str()).collect();
            Failure::failed(format!(
                "{} has no page \"{p}\"; its pages: {}",
                site.name,
                pages.join(", ")
            ))
        })?,
        None if site.pages.is_empty() => {
            return Err(Failure::failed(format!("{} has no pages", site.name)));
        }
        None => 0,
    };
    let doc = site
        .document(page)
        .map_err(|e| Failure::failed(format!("{}: {e}", site.pages[page].path)))?;
    if args.json {
        print_json(&json!({
            "entity": key,
            "site": site.name,
            "description": site.description,
            "origin": site.origin,
            "page": site.pages[page],
            "nav": site.nav,
            "document": doc,
        }))?;
        return Ok(0);
    }
    let terminal = std::io::stdout().is_terminal();
    let width = args.width.unwrap_or_else(|| {
        terminal
            .then(|| crossterm::terminal::size().ok())
            .flatten()
            .map_or(80, |(w, _)| usize::from(w))
    });
    let laid = techdocs::layout(&doc, width);
    let style = super::Style::for_stdout();
    let text = if style.color {
        ansi(&laid, !ctx.cli.no_hyperlinks)
    } else {
        techdocs::layout::plain(&laid)
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    // The outside links in full, so they can be copied from any terminal or pipe.
    let mut urls: Vec<&str> = Vec::new();
    for (link, _) in &laid.links {
        if let Link::External { url } = link
            && !urls.contains(&url.as_str())
        {
            urls.push(url);
        }
    }
    if !urls.is_empty() {
        let _ = writeln!(out, "\n{}", style.dim("Links:"));
        for (i, url) in urls.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {url}", i + 1);
        }
    }
    // Where the other pages are, on a terminal only (a pipe gets the page alone).
    if terminal && site.pages.len() > 1 {
        let others: Vec<&str> = site.pages.iter().map(|p| p.path.as_str()).collect();
        let _ = writeln!(
            out,
            "\n{}",
            style.dim(&format!(
                "{} · page {} of {}: {} · --nav for the tree",
                site.name,
                page + 1,
                site.pages.len(),
                others.join(" ")
            ))
        );
    }
    Ok(0)
}

/// How sites are opened: the backends, whether the network is asked, the docs cache.
struct Open<'a> {
    backends: &'a [techdocs::Backend],
    online: bool,
    cache: Option<&'a techdocs::DocsCache>,
}

/// Every docs site of the catalogue indexed (for `docs:` in `greenroom search`).
pub(super) fn catalog_index(ctx: &Context, catalog: &Catalog, online: bool) -> DocsIndex {
    let backends = techdocs::backends(&ctx.config);
    let cache = docs_cache(ctx);
    techdocs::index_catalog(catalog, &backends, online, cache.as_ref(), &|_, _| {})
}

/// Remote docs are kept with the catalogue cache (unless `catalog.cache = false`).
fn docs_cache(ctx: &Context) -> Option<techdocs::DocsCache> {
    (ctx.config.catalog.cache || ctx.cli.offline).then(|| {
        techdocs::DocsCache::new(&crate::sources::cache::CatalogCache::new(
            &ctx.paths.cache_dir,
        ))
    })
}

/// The site of an entity's docs: (whose docs, the site, the page `techdocs-entity-path` names).
fn open_site(
    catalog: &Catalog,
    open: &Open,
    text: &str,
) -> Result<(String, Site, Option<String>), Failure> {
    let entity = catalog
        .resolve(text)
        .map_err(|c| not_found(catalog, text, &c))?;
    let resolved = techdocs::docs_source(catalog, entity, open.backends)
        .map_err(|e| Failure::failed(format!("{} has no docs: {e}", entity.key)))?;
    let site = Site::open_with(&resolved.source, open.online, open.cache)
        .map_err(|e| Failure::failed(format!("{} has no docs to show: {e}", entity.key)))?;
    Ok((resolved.owner_key, site, resolved.start_page))
}

fn nav(key: &str, site: &Site, json: bool) -> Result<u8, Failure> {
    if json {
        print_json(&json!({
            "entity": key,
            "site": site.name,
            "nav": site.nav,
            "pages": site.pages,
            "problems": site.problems,
        }))?;
        return Ok(0);
    }
    let style = super::Style::for_stdout();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}  {}", style.bold(&site.name), style.dim(key));
    for (depth, title, page) in site.nav_lines() {
        let path = page
            .map(|p| style.dim(&format!("  {}", site.pages[p].path)))
            .unwrap_or_default();
        let _ = writeln!(out, "{}{title}{path}", "  ".repeat(depth + 1));
    }
    for p in &site.problems {
        let _ = writeln!(out, "{}", style.warning(&format!("⚠ {p}")));
    }
    Ok(0)
}

fn search(catalog: &Catalog, open: &Open, args: &DocsArgs, query: &str) -> Result<u8, Failure> {
    let index = match &args.reference {
        Some(text) => {
            let (key, site, _) = open_site(catalog, open, text)?;
            let mut index = DocsIndex::default();
            index.add_site(&key, &site);
            index
        }
        None => {
            techdocs::index_catalog(catalog, open.backends, open.online, open.cache, &|_, _| {})
        }
    };
    let hits = index.search(query, args.limit);
    if args.json {
        print_json(&json!({
            "query": query,
            "total": hits.len(),
            "items": hits,
            "problems": index.problems,
        }))?;
        return Ok(0);
    }
    let style = super::Style::for_stdout();
    let mut out = std::io::stdout().lock();
    if hits.is_empty() {
        let _ = writeln!(
            out,
            "no docs match \"{}\" ({} pages searched)",
            sanitize_line(query),
            index.pages
        );
    }
    for h in &hits {
        let at = match &h.anchor {
            Some(a) => format!("{}#{a}", h.page_path),
            None => h.page_path.clone(),
        };
        let heading = if h.heading.is_empty() || h.heading == h.page_title {
            String::new()
        } else {
            format!(" › {}", h.heading)
        };
        let _ = writeln!(
            out,
            "{} {}{}  {}",
            style.accent(&h.site),
            style.bold(&h.page_title),
            heading,
            style.dim(&format!("{} {at}", h.entity))
        );
        let _ = writeln!(out, "    {}", h.snippet);
    }
    for p in &index.problems {
        eprintln!("greenroom: {}", sanitize_line(p));
    }
    Ok(0)
}

/// The page with ANSI styles, and OSC 8 hyperlinks on outside http(s)/mailto links.
fn ansi(laid: &Laid, hyperlinks: bool) -> String {
    let mut out = String::new();
    for line in &laid.lines {
        for s in &line.segs {
            let st = s.style;
            let mut codes: Vec<&str> = Vec::new();
            match st.role {
                "title" => codes.push("1"),
                "accent" => codes.push("36"),
                "muted" => codes.push("2"),
                "link" => codes.push("94"),
                "ok" => codes.push("32"),
                "warn" => codes.push("33"),
                "error" => codes.push("31"),
                "info" => codes.push("34"),
                _ => {}
            }
            if st.bold {
                codes.push("1");
            }
            if st.italic {
                codes.push("3");
            }
            if st.underline {
                codes.push("4");
            }
            if st.strike {
                codes.push("9");
            }
            let url = s.link.and_then(|i| match &laid.links[i].0 {
                Link::External { url } => crate::tui::opener::safe_url(url),
                _ => None,
            });
            if let (true, Some(url)) = (hyperlinks, &url) {
                out.push_str(&format!("\x1b]8;;{url}\x1b\\"));
            }
            if codes.is_empty() {
                out.push_str(&s.text);
            } else {
                out.push_str(&format!("\x1b[{}m{}\x1b[0m", codes.join(";"), s.text));
            }
            if hyperlinks && url.is_some() {
                out.push_str("\x1b]8;;\x1b\\");
            }
        }
        out.push('\n');
    }
    out
}
