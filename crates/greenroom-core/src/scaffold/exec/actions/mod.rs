//! The built-in actions greenroom runs locally, each with the inputs and outputs of
//! Backstage's own (scaffolder-backend 4.2.0), and what a dry run does with each.

mod catalog;
mod debug;
mod fetch;
mod fs;
mod publish;

use super::workspace::Workspace;
use super::{CancelToken, Registration};
use crate::scaffold::files::TemplateBase;
use serde_json::{Map, Value as Json, json};
use std::path::Path;
use std::time::Duration;

/// What an action runs with.
pub struct ActionContext<'a> {
    pub input: &'a Json,
    /// The action's id (`publish:github`).
    pub action_id: &'a str,
    pub workspace: &'a Workspace,
    pub base: Option<&'a TemplateBase>,
    pub dry_run: bool,
    /// `templateInfo.entityRef` (`template:default/dry-run` in dry runs, as Backstage).
    pub template_ref: &'a str,
    /// The folder the result will be moved to (for the local `file://` URLs publishing makes).
    pub target: Option<&'a Path>,
    pub cancel: &'a CancelToken,
    pub max_wait: Duration,
    pub(super) log: &'a mut dyn FnMut(String),
    pub(super) outputs: &'a mut Map<String, Json>,
    pub(super) registrations: &'a mut Vec<Registration>,
}

impl ActionContext<'_> {
    pub fn log(&mut self, message: impl Into<String>) {
        (self.log)(message.into());
    }

    pub fn output(&mut self, name: &str, value: Json) {
        self.outputs.insert(name.to_owned(), value);
    }

    pub fn str_input(&self, key: &str) -> Option<&str> {
        self.input.get(key).and_then(Json::as_str)
    }

    pub fn bool_input(&self, key: &str) -> bool {
        self.input.get(key) == Some(&Json::Bool(true))
    }

    pub fn required_str(&self, key: &str) -> Result<&str, String> {
        self.str_input(key)
            .ok_or_else(|| format!("Invalid input passed to action, requires property \"{key}\""))
    }
}

type RunFn = fn(&mut ActionContext) -> Result<(), String>;

/// An action greenroom knows.
#[derive(Clone, Debug)]
pub struct ActionInfo {
    pub id: String,
    /// Whether it runs in a dry run; others are skipped with [`Self::example_output`].
    pub supports_dry_run: bool,
    /// What a dry run pretends the action output (Backstage's `generateExampleOutput`).
    pub example_output: Json,
    run: RunFn,
}

impl ActionInfo {
    pub fn run(&self, ctx: &mut ActionContext) -> Result<(), String> {
        (self.run)(ctx)
    }
}

fn info(id: &str, supports_dry_run: bool, example_output: Json, run: RunFn) -> ActionInfo {
    ActionInfo {
        id: id.to_owned(),
        supports_dry_run,
        example_output,
        run,
    }
}

/// The action for an id, if greenroom can run it locally.
pub fn lookup(id: &str) -> Option<ActionInfo> {
    let none = || json!({});
    Some(match id {
        "fetch:template" => info(id, true, none(), fetch::template),
        "fetch:template:file" => info(id, true, none(), fetch::template_file),
        "fetch:plain" => info(id, true, none(), fetch::plain),
        "fetch:plain:file" => info(id, true, none(), fetch::plain_file),
        "fs:rename" => info(id, true, none(), fs::rename),
        "fs:delete" => info(id, true, none(), fs::delete),
        "debug:log" => info(id, true, none(), debug::log),
        "debug:wait" => info(id, false, none(), debug::wait),
        "catalog:write" => info(id, true, none(), catalog::write),
        "catalog:register" => info(id, false, none(), catalog::register),
        "notification:send" => info(id, false, none(), debug::notification),
        // Backstage's github module dry-runs pull requests (it logs and outputs the repoUrl).
        "publish:github:pull-request" => info(
            id,
            true,
            json!({"remoteUrl": "<example>"}),
            publish::pull_request,
        ),
        publish if publish.starts_with("publish:") => info(
            id,
            false,
            json!({"remoteUrl": "<example>", "repoContentsUrl": "<example>", "commitHash": "<example>"}),
            publish::run,
        ),
        _ => return None,
    })
}

/// `url` of a fetch action resolved against the template's folder.
fn source_path(
    ctx: &ActionContext,
    url: &str,
) -> Result<(std::path::PathBuf, TemplateBase), String> {
    let base = ctx.base.ok_or_else(|| {
        format!("cannot fetch {url}: the template was not read from a file, so relative URLs have nothing to resolve against")
    })?;
    Ok((base.resolve(url)?, base.clone()))
}
