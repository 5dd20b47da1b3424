//! The catalogue feature: the list with its query line, facets and preview (`view`), and what
//! the header says about the catalogue cache (`cache_state`). The list's state and keys are
//! still in `app.rs`.

pub mod cache_state;
pub mod view;
