//! The entity page and its tabs: its state and what changes it (`update`), the rows each tab
//! shows (`rows`), the page and the problems pane drawn (`view`), the API explorer
//! (`apiview`), the relations graph (`graph`), the docs reader (`docs`) and scorecards
//! (`scores`).

pub mod apiview;
pub mod docs;
pub mod graph;
pub mod rows;
pub mod scores;
pub mod update;
pub mod view;
