//! The scaffolder core: Backstage Software Templates (`scaffolder.backstage.io/v1beta3`) read
//! from the catalogue, their forms as data, validation, `${{ }}` rendering, and local (or, later,
//! remote) execution with dry runs. Knows nothing of the terminal.

pub mod files;
pub mod form;
pub mod pickers;
pub mod render;
pub mod repo_url;
pub mod secrets;
pub mod template;
pub mod validate;

pub use files::{TemplateBase, TemplateFiles};
pub use form::{Field, FieldError, FieldPath, Form, PageInfo, ReviewRow, Widget};
pub use secrets::Secrets;
pub use template::{Step, Template, templates};
