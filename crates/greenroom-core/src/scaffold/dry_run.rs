//! Dry runs: the same executor with nothing written outside a throw-away workspace, and the
//! result in the shape of Backstage's `POST /v2/dry-run` response (`log`,
//! `directoryContents: [{path, executable, base64Content}]`, `output`, `steps`).

use super::exec::{Executor, LocalExecutor, RunResult, TaskEvent, TaskSpec};
use base64::Engine;
use serde_json::{Value as Json, json};

/// winston's `info: ` level prefix in green, as Backstage's task logs carry it.
pub const INFO: &str = "\u{1b}[32minfo\u{1b}[39m: ";

/// Runs a template in dry-run mode, calling `events` as it goes.
pub fn dry_run(task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult {
    LocalExecutor::dry_run().run(task, events)
}

/// The dry-run response body Backstage would send for this result. A failed run adds
/// `error` (Backstage answers 500 instead).
pub fn to_backstage_json(task: &TaskSpec, result: &RunResult) -> Json {
    let log: Vec<Json> = result
        .events
        .iter()
        .filter_map(|e| match e {
            // A step's own log lines carry the logger's level, coloured, as Backstage's do.
            TaskEvent::Log {
                step_id: Some(id),
                message,
                status: None,
            } => Some(
                TaskEvent::Log {
                    step_id: Some(id.clone()),
                    message: format!("{INFO}{message}"),
                    status: None,
                }
                .to_backstage(),
            ),
            TaskEvent::Log { .. } => Some(e.to_backstage()),
            TaskEvent::Completion { .. } => None,
        })
        .collect();
    let files: Vec<Json> = result
        .files
        .iter()
        .map(|f| {
            json!({
                "path": f.path,
                "executable": f.executable,
                "base64Content": base64::engine::general_purpose::STANDARD.encode(&f.content),
            })
        })
        .collect();
    let steps: Vec<Json> = task.template.steps.iter().map(|s| s.raw.clone()).collect();
    let mut out = json!({
        "log": log,
        "directoryContents": files,
        "output": result.output,
        "steps": steps,
    });
    if let Some(e) = &result.error {
        out["error"] = json!({ "name": "Error", "message": e });
    }
    out
}
