//! Running a template: the [`Executor`] trait with task events shaped like Backstage's
//! (so a run on a Backstage server — `POST /v2/tasks` and its event stream — can implement the
//! same trait), and the local executor that runs the built-in actions in a temporary
//! workspace and moves the result into place only when every step succeeded.

pub mod actions;
mod local;
pub mod workspace;

pub use local::{LocalExecutor, Mode};
pub use workspace::{Workspace, WorkspaceFile, cleanup_all};

use super::secrets::Secrets;
use super::template::Template;
use serde::Serialize;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A step's state, as Backstage's log events carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Open,
    Processing,
    Completed,
    Failed,
    Skipped,
    Cancelled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    Completed,
    Failed,
    Cancelled,
}

/// What a run reports as it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskEvent {
    /// A log line. With `status`, the step `step_id` changed state (`processing` when it
    /// begins, then `completed`, `failed` or `skipped`).
    Log {
        step_id: Option<String>,
        message: String,
        status: Option<StepStatus>,
    },
    /// The end: the rendered `output` (links, text) on success, the first error otherwise.
    Completion {
        status: TaskStatus,
        output: Json,
        error: Option<String>,
    },
}

impl TaskEvent {
    /// The event as a Backstage log entry (`{body: {message, stepId?, status?}}`); the
    /// completion becomes `{body: {message, output?, error?}}`.
    pub fn to_backstage(&self) -> Json {
        match self {
            TaskEvent::Log {
                step_id,
                message,
                status,
            } => {
                let mut body = serde_json::Map::new();
                if let Some(id) = step_id {
                    body.insert("stepId".into(), json!(id));
                }
                if let Some(s) = status {
                    body.insert("status".into(), json!(s));
                }
                body.insert("message".into(), json!(message));
                json!({ "body": body })
            }
            TaskEvent::Completion {
                status,
                output,
                error,
            } => {
                let mut body = serde_json::Map::new();
                body.insert(
                    "message".into(),
                    json!(format!(
                        "Run completed with status: {}",
                        json!(status).as_str().unwrap_or_default()
                    )),
                );
                if *status == TaskStatus::Completed {
                    body.insert("output".into(), output.clone());
                }
                if let Some(e) = error {
                    body.insert("error".into(), json!({ "name": "Error", "message": e }));
                }
                json!({ "body": body })
            }
        }
    }
}

impl TaskEvent {
    /// Reads one event of a Backstage task's event stream (`GET /v2/tasks/{id}/eventstream`
    /// or `/events`: `{type, body: {message, stepId?, status?, output?, error?}}`), which is
    /// how a run on a Backstage server reports through the same events. `None` for events
    /// that carry nothing to show.
    pub fn from_backstage(event: &Json) -> Option<TaskEvent> {
        let body = event.get("body")?;
        let message = body
            .get("message")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let status = |s: &str| match s {
            "open" => Some(StepStatus::Open),
            "processing" => Some(StepStatus::Processing),
            "completed" => Some(StepStatus::Completed),
            "failed" => Some(StepStatus::Failed),
            "skipped" => Some(StepStatus::Skipped),
            "cancelled" => Some(StepStatus::Cancelled),
            _ => None,
        };
        match event.get("type").and_then(Json::as_str)? {
            "log" | "cancelled" => Some(TaskEvent::Log {
                step_id: body.get("stepId").and_then(Json::as_str).map(str::to_owned),
                // winston's colour codes are not part of the message.
                message: message
                    .replace("\u{1b}[32minfo\u{1b}[39m: ", "")
                    .replace("\u{1b}[31merror\u{1b}[39m: ", ""),
                status: body.get("status").and_then(Json::as_str).and_then(status),
            }),
            "completion" => {
                let failed = message.ends_with("failed");
                Some(TaskEvent::Completion {
                    status: if failed {
                        TaskStatus::Failed
                    } else {
                        TaskStatus::Completed
                    },
                    output: body.get("output").cloned().unwrap_or_else(|| json!({})),
                    error: body
                        .get("error")
                        .and_then(|e| e.get("message"))
                        .and_then(Json::as_str)
                        .map(str::to_owned),
                })
            }
            _ => None,
        }
    }
}

/// Step states and logs folded from events, for a progress view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunProgress {
    pub steps: Vec<StepProgress>,
    /// Log lines that belong to no step.
    pub task_log: Vec<String>,
    pub finished: Option<TaskStatus>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepProgress {
    pub id: String,
    pub name: String,
    pub status: StepStatus,
    pub log: Vec<String>,
}

impl RunProgress {
    /// Every step of the template, not yet started.
    pub fn new(template: &Template) -> RunProgress {
        RunProgress {
            steps: template
                .steps
                .iter()
                .map(|s| StepProgress {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    status: StepStatus::Open,
                    log: Vec::new(),
                })
                .collect(),
            ..RunProgress::default()
        }
    }

    pub fn apply(&mut self, event: &TaskEvent) {
        match event {
            TaskEvent::Log {
                step_id: Some(id),
                message,
                status,
            } => {
                if !self.steps.iter().any(|s| &s.id == id) {
                    // A step the template as known here does not list (a remote task whose
                    // template came from its parameter schema): shown as it begins.
                    let name = message
                        .strip_prefix("Beginning step ")
                        .unwrap_or(id)
                        .to_owned();
                    self.steps.push(StepProgress {
                        id: id.clone(),
                        name,
                        status: StepStatus::Open,
                        log: Vec::new(),
                    });
                }
                if let Some(step) = self.steps.iter_mut().find(|s| &s.id == id) {
                    step.log.push(message.clone());
                    if let Some(s) = status {
                        step.status = *s;
                    }
                }
            }
            TaskEvent::Log {
                step_id: None,
                message,
                ..
            } => self.task_log.push(message.clone()),
            TaskEvent::Completion { status, .. } => self.finished = Some(*status),
        }
    }
}

/// The signed-in person templates see as `user.ref` and `user.entity`.
#[derive(Clone, Debug, Default)]
pub struct User {
    pub entity_ref: Option<String>,
    pub entity: Option<Json>,
}

/// Everything a run needs.
#[derive(Clone)]
pub struct TaskSpec {
    pub template: Template,
    /// The form's `values` (no secrets).
    pub values: Json,
    pub secrets: Secrets,
    pub user: User,
    /// More strings to keep out of logs (password fields' values).
    pub sensitive: Vec<String>,
}

impl std::fmt::Debug for TaskSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskSpec")
            .field("template", &self.template.entity_ref)
            .field("secrets", &self.secrets)
            .finish_non_exhaustive()
    }
}

/// Stops a run at the next step boundary (or during `debug:wait`).
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Entities a `catalog:register` step added, to put into the open catalogue at once.
#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    /// The descriptor file in the final target (in a dry run: its workspace path).
    pub catalog_info: PathBuf,
    /// Its entities as JSON, in file order.
    pub entities: Vec<Json>,
    /// The ref `catalog:register` reports (first non-generated Component, …).
    pub entity_ref: Option<String>,
}

impl Registration {
    /// The catalogue with this registration's entities added, read from the new descriptor
    /// file exactly as any catalogue file is (so they carry their origin and relations).
    pub fn add_to(&self, catalog: &crate::catalog::Catalog) -> crate::catalog::Catalog {
        add_registered(catalog, std::slice::from_ref(self))
    }
}

/// The catalogue with every registered descriptor's entities added (an entity already in the
/// catalogue under the same ref is replaced by the new one).
pub fn add_registered(
    catalog: &crate::catalog::Catalog,
    registrations: &[Registration],
) -> crate::catalog::Catalog {
    use crate::sources::{LoadOptions, Source, files::FileSource};
    let paths: Vec<PathBuf> = registrations
        .iter()
        .map(|r| r.catalog_info.clone())
        .collect();
    let Ok(source) = FileSource::disk(&paths) else {
        return catalog.clone();
    };
    let sources: Vec<Box<dyn Source>> = vec![Box::new(source)];
    let added = crate::sources::load(
        &sources,
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    );
    let new_keys: std::collections::HashSet<&str> =
        added.entities().iter().map(|e| e.key.as_str()).collect();
    let mut entities: Vec<crate::catalog::Entity> = catalog
        .entities()
        .iter()
        .filter(|e| !new_keys.contains(e.key.as_str()))
        .cloned()
        .collect();
    entities.extend(added.entities().iter().cloned());
    // Warnings about references to nothing are worked out again over the whole: the old ones
    // (the new file read alone knows no owner) would be wrong or doubled.
    let mut stale = catalog.dangling_ref_warnings();
    stale.extend(added.dangling_ref_warnings());
    let mut diagnostics: Vec<crate::catalog::Diagnostic> = Vec::new();
    for d in catalog.diagnostics().iter().chain(added.diagnostics()) {
        match stale.iter().position(|s| s == d) {
            Some(i) => {
                stale.swap_remove(i);
            }
            None => diagnostics.push(d.clone()),
        }
    }
    crate::catalog::Catalog::assemble(entities, diagnostics, crate::catalog::Relations::Compute)
}

/// Called with each registration after the result is in place.
pub type RegisterHook = Arc<dyn Fn(&Registration) + Send + Sync>;

#[derive(Clone, Debug)]
pub struct RunResult {
    pub status: TaskStatus,
    pub output: Json,
    pub error: Option<String>,
    /// Every event of the run (each was also delivered as it happened).
    pub events: Vec<TaskEvent>,
    /// The files the run produced: what was written (relative to the target) or, in a dry
    /// run, what would have been.
    pub files: Vec<WorkspaceFile>,
    /// Where the result was put (not for dry runs or failed runs).
    pub target: Option<PathBuf>,
    pub registrations: Vec<Registration>,
    /// Outputs of each step by id.
    pub step_outputs: BTreeMap<String, Json>,
}

impl RunResult {
    pub fn succeeded(&self) -> bool {
        self.status == TaskStatus::Completed
    }
}

/// Runs templates somewhere: locally (files in a folder) or, later, on a Backstage server.
pub trait Executor: Send + Sync {
    /// Runs the task, calling `events` for each event as it happens.
    fn run(&self, task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UI runs the executor on a worker thread and sends events back over a channel.
    #[test]
    fn runs_can_move_to_a_worker_thread() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<LocalExecutor>();
        send_sync::<TaskSpec>();
        send_sync::<RunResult>();
        send_sync::<crate::scaffold::Form>();
        let (tx, rx) = std::sync::mpsc::channel::<TaskEvent>();
        let event = TaskEvent::Log {
            step_id: Some("a".into()),
            message: "m".into(),
            status: Some(StepStatus::Processing),
        };
        tx.send(event.clone()).unwrap();
        assert_eq!(
            rx.recv().unwrap().to_backstage(),
            json!({"body": {"stepId": "a", "status": "processing", "message": "m"}})
        );
    }
}
