//! The scaffolder core: Backstage Software Templates (`scaffolder.backstage.io/v1beta3`) read
//! from the catalogue, their forms as data, validation, `${{ }}` rendering, and local (or, later,
//! remote) execution with dry runs. Knows nothing of the terminal.

pub mod render;
pub mod repo_url;
