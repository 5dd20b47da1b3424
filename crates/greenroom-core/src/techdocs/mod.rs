//! TechDocs: a service's docs-as-code (Markdown beside the code, built with MkDocs), read where
//! the catalogue is. Where an entity's docs come from (`backstage.io/techdocs-ref`,
//! `techdocs-entity`, a Backstage backend), the site (its `mkdocs.yml`, nav and pages), the page
//! model both Markdown and a backend's HTML become, its layout at a width, and a search across
//! every site of the catalogue. No terminal here: the portal and the CLI are faces over it.

pub mod backstage;
mod build;
pub mod html;
pub mod layout;
pub mod markdown;
pub mod model;
pub mod search;
pub mod site;
pub mod source;

pub use layout::{Laid, Line, Seg, Style, layout};
pub use model::{Block, Document, Link};
pub use search::{DocsHit, DocsIndex};
pub use site::{NavItem, Site, SitePage};
pub use source::{DocsSource, NoDocs, docs_source};
