//! TechDocs: a service's docs-as-code (Markdown beside the code, built with MkDocs), read where
//! the catalogue is. Where an entity's docs come from (`backstage.io/techdocs-ref`,
//! `techdocs-entity`, a Backstage backend), the site (its `mkdocs.yml`, nav and pages), the page
//! model both Markdown and a backend's HTML become, its layout at a width, and a search across
//! every site of the catalogue, and remote docs kept with the catalogue cache for offline
//! reading. No terminal here: the portal and the CLI are faces over it.

pub mod backstage;
mod build;
pub mod cache;
pub mod highlight;
pub mod html;
pub mod layout;
pub mod markdown;
pub mod model;
pub mod search;
pub mod site;
pub mod source;

pub use cache::DocsCache;
pub use layout::{Laid, Line, Seg, Style, layout};
pub use model::{Block, Document, Link};
pub use search::{DocsAnswers, DocsHit, DocsIndex};
pub use site::{NavItem, Site, SitePage};
pub use source::{
    Backend, DocsCheck, DocsSource, NoDocs, Resolved, check_docs, docs_source, has_docs,
};

use crate::catalog::Catalog;

/// The Backstage backends among the configured sources (their docs come from their TechDocs).
pub fn backends(config: &crate::config::Config) -> Vec<Backend> {
    config
        .catalog
        .sources
        .iter()
        .filter_map(|s| match s {
            crate::config::SourceConfig::Backstage {
                base_url,
                token_env,
                ..
            } => Some(Backend {
                base_url: base_url.clone(),
                token_env: token_env.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Every docs site of the catalogue once (entities sharing docs through `techdocs-entity`
/// count once): (the entity whose docs they are, its source).
pub fn catalog_sources(catalog: &Catalog, backends: &[Backend]) -> Vec<(String, DocsSource)> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for e in catalog.entities() {
        if !source::has_docs(e) || catalog.get(&e.key).is_none_or(|x| !std::ptr::eq(x, e)) {
            continue;
        }
        if let Ok(r) = docs_source(catalog, e, backends)
            && seen.insert(r.owner_key.clone())
        {
            out.push((r.owner_key, r.source));
        }
    }
    out
}

/// Indexes every docs site of the catalogue, calling `progress(sites done, sites)` as it
/// goes. Sites that cannot be opened are listed in the index's problems.
pub fn index_catalog(
    catalog: &Catalog,
    backends: &[Backend],
    online: bool,
    cache: Option<&DocsCache>,
    progress: &dyn Fn(usize, usize),
) -> DocsIndex {
    let sources = catalog_sources(catalog, backends);
    let mut index = DocsIndex::default();
    for (position, e) in catalog.entities().iter().enumerate() {
        if source::has_docs(e)
            && let Ok(r) = docs_source(catalog, e, backends)
        {
            index.readers.entry(r.owner_key).or_default().push(position);
        }
    }
    for (i, (key, source)) in sources.iter().enumerate() {
        match Site::open_with(source, online, cache) {
            Ok(site) => index.add_site(key, &site),
            Err(e) => index.problems.push(format!("{key}: {e}")),
        }
        progress(i + 1, sources.len());
    }
    index
}
