//! greenroom: a developer portal for the terminal.
//!
//! The core (catalogue, sources, search) knows nothing of the terminal; the command line and
//! the portal are faces over it.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod fsread;
#[doc(hidden)]
pub mod fuzzing;
pub mod limits;
pub mod logging;
pub mod report;
pub mod scaffold;
pub mod search;
pub mod sources;
pub mod status;
#[cfg(test)]
pub(crate) mod test_body_server;
pub mod text;
pub mod tui;
pub mod yaml;
