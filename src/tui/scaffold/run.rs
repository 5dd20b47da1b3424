//! Runs off the UI thread. The executor blocks, so a run goes to a worker thread that sends
//! each task event back through the app's event channel; when `catalog:register` steps added
//! entities, the worker also builds the catalogue with them and its search index, so the loop
//! only swaps them in.

use crate::catalog::Catalog;
use crate::scaffold::exec::{Executor, LocalExecutor, Registration, add_registered};
use crate::scaffold::{RunResult, TaskEvent, TaskSpec};
use crate::search::SearchIndex;
use crate::tui::app::AppEvent;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Work for the scaffolder's worker.
#[derive(Clone)]
pub struct Job {
    pub id: u64,
    pub kind: JobKind,
}

#[derive(Clone)]
pub enum JobKind {
    /// Run a task (for real or dry); registrations are added to `catalog`.
    Run {
        task: Box<TaskSpec>,
        executor: LocalExecutor,
        catalog: Arc<Catalog>,
    },
    /// Add registered descriptors to `catalog` (again, after a reload).
    Register {
        registrations: Vec<Registration>,
        catalog: Arc<Catalog>,
    },
}

impl std::fmt::Debug for Job {
    // A task holds secrets: only say what kind of job this is.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            JobKind::Run { task, .. } => format!("run {}", task.template.entity_ref),
            JobKind::Register { registrations, .. } => {
                format!("register {} descriptors", registrations.len())
            }
        };
        write!(f, "Job({}, {kind})", self.id)
    }
}

impl PartialEq for Job {
    fn eq(&self, other: &Job) -> bool {
        self.id == other.id
    }
}

/// What the worker reports.
pub enum RunEvent {
    Task {
        id: u64,
        event: TaskEvent,
    },
    Finished {
        id: u64,
        result: Box<RunResult>,
    },
    /// The catalogue `base` with the registered entities added, and its index.
    Registered {
        id: u64,
        base: Arc<Catalog>,
        catalog: Box<Catalog>,
        index: Arc<SearchIndex>,
        registrations: Vec<Registration>,
    },
}

fn register(
    id: u64,
    registrations: Vec<Registration>,
    base: Arc<Catalog>,
    send: &mut dyn FnMut(RunEvent),
) {
    let catalog = add_registered(&base, &registrations);
    let index = Arc::new(SearchIndex::build(&catalog));
    send(RunEvent::Registered {
        id,
        base,
        catalog: Box::new(catalog),
        index,
        registrations,
    });
}

/// The result of a run that never began.
pub fn not_started(error: String) -> RunResult {
    RunResult {
        status: crate::scaffold::exec::TaskStatus::Failed,
        output: serde_json::json!({}),
        error: Some(error),
        events: Vec::new(),
        files: Vec::new(),
        target: None,
        registrations: Vec::new(),
        step_outputs: Default::default(),
    }
}

/// Does a job here and now, reporting through `send` (the worker thread's body; tests call it
/// directly).
pub fn execute(job: Job, send: &mut dyn FnMut(RunEvent)) {
    let id = job.id;
    match job.kind {
        JobKind::Run {
            task,
            executor,
            catalog,
        } => {
            let result = executor.run(&task, &mut |event| {
                send(RunEvent::Task {
                    id,
                    event: event.clone(),
                })
            });
            let registrations = if result.succeeded() {
                result.registrations.clone()
            } else {
                Vec::new()
            };
            send(RunEvent::Finished {
                id,
                result: Box::new(result),
            });
            if !registrations.is_empty() {
                register(id, registrations, catalog, send);
            }
        }
        JobKind::Register {
            registrations,
            catalog,
        } => register(id, registrations, catalog, send),
    }
}

/// Starts a job on its own thread; its events arrive as [`AppEvent::Scaffold`].
pub fn spawn(job: Job, tx: UnboundedSender<AppEvent>) {
    let id = job.id;
    let failed = tx.clone();
    let spawned = std::thread::Builder::new()
        .name("greenroom-scaffold".into())
        .spawn(move || {
            execute(job, &mut |event| {
                let _ = tx.send(AppEvent::Scaffold(event));
            })
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the scaffolder's worker: {e}");
        let _ = failed.send(AppEvent::Scaffold(RunEvent::Finished {
            id,
            result: Box::new(not_started(format!("the run could not start: {e}"))),
        }));
    }
}
