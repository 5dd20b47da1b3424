//! The scaffolder core: Backstage Software Templates (`scaffolder.backstage.io/v1beta3`) read
//! from the catalogue, their forms as data, validation, `${{ }}` rendering, and local or remote
//! (a Backstage backend's scaffolder, `remote`) execution with dry runs. Knows nothing of the terminal.

pub mod config;
pub mod dry_run;
pub mod exec;
pub mod files;
pub mod form;
pub mod pickers;
pub mod remote;
pub mod render;
pub mod repo_url;
pub mod secrets;
pub mod template;
pub mod validate;
pub mod yaml_out;

pub use exec::{Executor, LocalExecutor, RunProgress, RunResult, TaskEvent, TaskSpec, User};
pub use files::{TemplateBase, TemplateFiles};
pub use form::{Field, FieldError, FieldPath, Form, PageInfo, ReviewRow, Widget};
pub use secrets::Secrets;
pub use template::{Step, Template, templates};

/// The command line's path to a task: values (and secrets) given whole, validated page by page
/// exactly as the form validates them, defaults filled in. Errors carry the form's messages.
pub fn task_from_values(
    template: &Template,
    values: &serde_json::Value,
    secrets: &Secrets,
    user: User,
) -> Result<TaskSpec, Vec<FieldError>> {
    let form = Form::with_values(template, values, secrets);
    let mut errors = form.validate();
    // `spec.secrets.schema` checks the secrets given besides the form's Secret fields.
    if let Some(schema) = &template.secrets_schema {
        let mut all = form.secrets();
        for (k, v) in secrets.iter() {
            all.insert(k, v);
        }
        errors.extend(
            validate::validate(schema, &all.to_json())
                .into_iter()
                .map(|e| {
                    let mut path = vec!["secrets".to_owned()];
                    path.extend(e.path);
                    FieldError {
                        path: FieldPath(path),
                        page: 0,
                        message: format!("Secret {}", e.message),
                    }
                }),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut all_secrets = form.secrets();
    for (k, v) in secrets.iter() {
        all_secrets.insert(k, v);
    }
    Ok(TaskSpec {
        template: template.clone(),
        values: form.values(),
        sensitive: form.sensitive_values(),
        secrets: all_secrets,
        user,
    })
}
