//! greenroom's core: the catalogue, its sources and search, live status and the scaffolder.
//!
//! Nothing here knows of a terminal or a command line: this crate does not depend on ratatui,
//! crossterm, tui-textarea or clap, so the compiler keeps the rule. The terminal portal, the
//! command line and (next) the SSH server are faces over it.

pub mod apidef;
pub mod catalog;
pub mod config;
pub mod fsread;
pub mod graph;
pub mod limits;
pub mod scaffold;
pub mod scorecard;
pub mod search;
pub mod sources;
pub mod stars;
pub mod status;
pub mod techdocs;
#[cfg(test)]
pub(crate) mod test_body_server;
pub mod text;
pub mod yaml;
