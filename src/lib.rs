//! greenroom: a developer portal for the terminal.
//!
//! The core (`greenroom-core`: catalogue, sources, search, status, scaffolder) knows nothing of
//! the terminal; this crate holds the faces over it: the command line and the portal. The core's
//! modules are re-exported under their old paths so `greenroom::catalog` keeps meaning what it
//! always meant.

pub use greenroom_core::{
    apidef, catalog, config, fsread, graph, limits, scaffold, scorecard, search, sources, stars,
    status, techdocs, text, yaml,
};
pub use greenroom_hub as hub;

pub mod cli;
#[doc(hidden)]
pub mod fuzzing;
pub mod logging;
pub mod report;
pub mod tui;
