//! greenroom: a developer portal for the terminal.
//!
//! The core (catalogue, sources, search) knows nothing of the terminal; the command line and
//! the portal are faces over it.

pub mod catalog;
pub mod cli;
pub mod config;
#[doc(hidden)]
pub mod fuzzing;
pub mod limits;
pub mod logging;
pub mod scaffold;
pub mod search;
pub mod sources;
pub mod status;
pub mod text;
pub mod tui;
pub mod yaml;
