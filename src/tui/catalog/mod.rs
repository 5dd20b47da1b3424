//! The catalogue feature: the list's state and what changes it (`update`: the query line and
//! its searches, hits, filter and sort), the list with its query line, facets and preview
//! (`view`), and what the header says about the catalogue cache (`cache_state`).

pub mod cache_state;
pub mod update;
pub mod view;
