//! A template run as the portal asks for it and hears of it. The session hands the job to the
//! hub's run service (which runs it off the UI thread and keeps its events for re-attaching)
//! and, when `catalog:register` steps added entities, to the hub's catalogue service, which
//! adds them for every session; this module turns what comes back into [`RunEvent`]s.

use crate::scaffold::exec::Registration;
use crate::scaffold::{RunResult, TaskEvent, TaskSpec};
use greenroom_hub::Hub;
use greenroom_hub::RunExecutor;
use greenroom_hub::run::RunUpdate;
use std::sync::Arc;

/// Work for the scaffolder.
#[derive(Clone)]
pub struct Job {
    pub id: u64,
    pub kind: JobKind,
}

impl Job {
    /// For the audit log: the template and where it writes (`dry run` when nowhere), or what
    /// the executor says it does (a Port action).
    pub fn describe(&self) -> String {
        let JobKind::Run { task, executor } = &self.kind;
        if let Some(what) = executor.audit() {
            return what;
        }
        let to = match (executor.remote(), executor.target()) {
            (Some(remote), _) => format!("on {}", remote.backend),
            (None, Some(target)) => format!("into {}", target.display()),
            (None, None) => "dry run".to_owned(),
        };
        format!("scaffold.run {} {to}", task.template.entity_ref)
    }
}

#[derive(Clone)]
pub enum JobKind {
    /// Run a task (for real or dry); what it registers is added to the catalogue.
    Run {
        task: Box<TaskSpec>,
        /// Local, a Backstage backend's scaffolder, or a Port action run.
        executor: Arc<dyn RunExecutor>,
    },
}

impl std::fmt::Debug for Job {
    // A task holds secrets: only say what kind of job this is.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let JobKind::Run { task, .. } = &self.kind;
        write!(f, "Job({}, run {})", self.id, task.template.entity_ref)
    }
}

impl PartialEq for Job {
    fn eq(&self, other: &Job) -> bool {
        self.id == other.id
    }
}

/// What the session is told of a run.
pub enum RunEvent {
    Task {
        id: u64,
        event: TaskEvent,
    },
    Finished {
        id: u64,
        result: Box<RunResult>,
    },
    /// The hub added the run's registrations to the catalogue (published to every session):
    /// the refs added, and what could not be read.
    Registered {
        id: u64,
        kept: Vec<String>,
        gone: Vec<Registration>,
    },
}

/// The result of a run that never began.
pub fn not_started(error: String) -> RunResult {
    greenroom_hub::run::not_started(error)
}

/// Starts a job on the hub's run service; its events go to `send` (from the run's worker, or
/// at once on an inline hub). Returns the run's id in the service.
pub fn start(
    hub: &Hub,
    job: Job,
    send: impl Fn(RunEvent) + Send + Sync + 'static,
) -> greenroom_hub::RunId {
    let id = job.id;
    let (task, executor): (Box<TaskSpec>, Arc<dyn greenroom_hub::run::RunExecutor>) = match job.kind
    {
        JobKind::Run { task, executor } => (task, executor),
    };
    let catalog = hub.catalog.clone();
    hub.runs.start(*task, executor, move |update| match update {
        RunUpdate::Task(event) => send(RunEvent::Task {
            id,
            event: event.clone(),
        }),
        RunUpdate::Finished(result) => {
            let registrations = if result.succeeded() {
                result.registrations.clone()
            } else {
                Vec::new()
            };
            send(RunEvent::Finished {
                id,
                result: result.clone(),
            });
            if !registrations.is_empty() {
                let out = catalog.register(registrations);
                send(RunEvent::Registered {
                    id,
                    kept: out.kept,
                    gone: out.gone,
                });
            }
        }
    })
}
