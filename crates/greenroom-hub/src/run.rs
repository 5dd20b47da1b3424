//! Scaffolder runs for every session. Executors (the local one, a Backstage backend's
//! scaffolder; any remote run engine that reports task events) sit behind [`RunExecutor`]; each run gets a [`RunId`], keeps the events it has
//! produced, and can be followed from any session: attaching replays what happened so far,
//! then passes on what comes next, with nothing lost or repeated in between.

use greenroom_core::limits::FINISHED_RUNS_KEPT;
use greenroom_core::scaffold::exec::{CancelToken, Executor, LocalExecutor, TaskStatus};
use greenroom_core::scaffold::remote::RemoteExecutor;
use greenroom_core::scaffold::{RunResult, TaskEvent, TaskSpec};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Runs templates somewhere; blocking (the service gives each run its own thread).
pub trait RunExecutor: Send + Sync + 'static {
    fn run(&self, task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult;
    /// Asks the run to stop before its next step. Must not block (it is called under the
    /// service's lock): a remote executor sends its request from a thread of its own.
    fn cancel(&self);
    /// Where a remote run runs: the backend and, once known, its own id for the run.
    fn remote(&self) -> Option<RemoteRun> {
        None
    }
    /// Whether cancelling only stops following: the run goes on where it runs (Port's API has
    /// no cancel).
    fn follows_only(&self) -> bool {
        false
    }
    /// The folder a local run writes into (none for a dry run or a remote engine).
    fn target(&self) -> Option<std::path::PathBuf> {
        None
    }
    /// What the run does, for an audit line, when it is neither a local run, a dry run nor
    /// a Backstage task (`port.action deploy (DAY-2) on service:checkout at https://...`).
    fn audit(&self) -> Option<String> {
        None
    }
}

/// A run on a remote engine, as the hub reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteRun {
    pub backend: String,
    pub task_id: Option<String>,
}

impl RunExecutor for RemoteExecutor {
    fn run(&self, task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult {
        Executor::run(self, task, events)
    }

    fn cancel(&self) {
        self.cancel_in_background();
    }

    fn remote(&self) -> Option<RemoteRun> {
        Some(RemoteRun {
            backend: self.client().base_url().to_owned(),
            task_id: self.task_id(),
        })
    }
}

impl RunExecutor for LocalExecutor {
    fn run(&self, task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult {
        Executor::run(self, task, events)
    }

    fn cancel(&self) {
        CancelToken::cancel(&self.cancel);
    }

    fn target(&self) -> Option<std::path::PathBuf> {
        match &self.mode {
            greenroom_core::scaffold::exec::Mode::Write { target, .. } => Some(target.clone()),
            greenroom_core::scaffold::exec::Mode::DryRun => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(pub u64);

/// What a follower of a run is told.
#[derive(Clone, Debug)]
pub enum RunUpdate {
    Task(TaskEvent),
    Finished(Box<RunResult>),
}

type Sink = Box<dyn FnMut(&RunUpdate) + Send>;

struct Run {
    /// Order of starting, to forget the oldest finished runs first.
    seq: u64,
    executor: Arc<dyn RunExecutor>,
    updates: Vec<RunUpdate>,
    followers: Vec<Sink>,
    finished: bool,
}

#[derive(Default)]
struct Inner {
    runs: Mutex<HashMap<RunId, Run>>,
    next: AtomicU64,
    /// Runs on the caller's thread (headless tests).
    inline: bool,
}

/// Cheap to clone; every clone is the same service.
#[derive(Clone, Default)]
pub struct RunService {
    inner: Arc<Inner>,
}

impl RunService {
    pub fn new() -> RunService {
        RunService::default()
    }

    /// Runs start and finish on the caller's thread before [`RunService::start`] returns.
    pub fn inline() -> RunService {
        RunService {
            inner: Arc::new(Inner {
                inline: true,
                ..Inner::default()
            }),
        }
    }

    /// Whether work finishes on the caller's thread (headless tests): other blocking work for
    /// a session (Port's requests) follows the same rule.
    pub fn is_inline(&self) -> bool {
        self.inner.inline
    }

    /// Starts a run, followed from the start by `follow` (more can attach by id).
    pub fn start(
        &self,
        task: TaskSpec,
        executor: Arc<dyn RunExecutor>,
        follow: impl FnMut(&RunUpdate) + Send + 'static,
    ) -> RunId {
        let id = RunId(self.inner.next.fetch_add(1, Ordering::Relaxed) + 1);
        self.lock().insert(
            id,
            Run {
                seq: id.0,
                executor: executor.clone(),
                updates: Vec::new(),
                followers: vec![Box::new(follow)],
                finished: false,
            },
        );
        let service = self.clone();
        let body = move || {
            let result = executor.run(&task, &mut |e| {
                service.publish(id, RunUpdate::Task(e.clone()))
            });
            service.publish(id, RunUpdate::Finished(Box::new(result)));
        };
        if self.inner.inline {
            body();
            return id;
        }
        let spawned = std::thread::Builder::new()
            .name("greenroom-scaffold".into())
            .spawn(body);
        if let Err(e) = spawned {
            tracing::warn!("cannot start the scaffolder's worker: {e}");
            self.publish(
                id,
                RunUpdate::Finished(Box::new(not_started(format!(
                    "the run could not start: {e}"
                )))),
            );
        }
        id
    }

    /// Follows a run by id: what it did so far is replayed to `follow` at once, then what it
    /// does next. False when there is no such run.
    pub fn attach(&self, id: RunId, mut follow: impl FnMut(&RunUpdate) + Send + 'static) -> bool {
        let mut runs = self.lock();
        let Some(run) = runs.get_mut(&id) else {
            return false;
        };
        for u in &run.updates {
            follow(u);
        }
        if !run.finished {
            run.followers.push(Box::new(follow));
        }
        true
    }

    /// Asks a run to stop; false when it is unknown or over.
    pub fn cancel(&self, id: RunId) -> bool {
        let runs = self.lock();
        match runs.get(&id) {
            Some(run) if !run.finished => {
                run.executor.cancel();
                true
            }
            _ => false,
        }
    }

    /// Where a run runs when it is remote (`None` for local runs and unknown ids).
    pub fn remote(&self, id: RunId) -> Option<RemoteRun> {
        let executor = self.lock().get(&id)?.executor.clone();
        executor.remote()
    }

    pub fn is_finished(&self, id: RunId) -> Option<bool> {
        self.lock().get(&id).map(|r| r.finished)
    }

    /// Forgets a finished run (its events are no longer replayed).
    pub fn forget(&self, id: RunId) {
        let mut runs = self.lock();
        if runs.get(&id).is_some_and(|r| r.finished) {
            runs.remove(&id);
        }
    }

    fn publish(&self, id: RunId, update: RunUpdate) {
        let mut runs = self.lock();
        let Some(run) = runs.get_mut(&id) else {
            return;
        };
        for f in &mut run.followers {
            f(&update);
        }
        let finished = matches!(update, RunUpdate::Finished(_));
        if finished {
            run.finished = true;
            run.followers.clear();
        }
        run.updates.push(update);
        if finished {
            forget_oldest(&mut runs, FINISHED_RUNS_KEPT);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RunId, Run>> {
        self.inner.runs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Forgets the oldest finished runs past `keep` (a long-lived hub does not grow).
fn forget_oldest(runs: &mut HashMap<RunId, Run>, keep: usize) {
    let mut finished: Vec<(u64, RunId)> = runs
        .iter()
        .filter(|(_, r)| r.finished)
        .map(|(id, r)| (r.seq, *id))
        .collect();
    if finished.len() <= keep {
        return;
    }
    finished.sort();
    for (_, id) in &finished[..finished.len() - keep] {
        runs.remove(id);
    }
}

/// The result of a run that never began.
pub fn not_started(error: String) -> RunResult {
    RunResult {
        status: TaskStatus::Failed,
        output: serde_json::json!({}),
        error: Some(error),
        events: Vec::new(),
        files: Vec::new(),
        target: None,
        registrations: Vec::new(),
        step_outputs: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{Receiver, Sender, channel};

    /// Logs each message it is fed, one per step; waits for a go between steps.
    struct Scripted {
        steps: Vec<&'static str>,
        go: Mutex<Receiver<()>>,
        cancelled: std::sync::atomic::AtomicBool,
    }

    impl RunExecutor for Scripted {
        fn run(&self, _task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult {
            for s in &self.steps {
                let _ = self.go.lock().unwrap().recv();
                if self.cancelled.load(Ordering::SeqCst) {
                    let mut r = not_started("cancelled".into());
                    r.status = TaskStatus::Cancelled;
                    return r;
                }
                events(&TaskEvent::Log {
                    step_id: None,
                    message: (*s).into(),
                    status: None,
                });
            }
            let mut r = not_started(String::new());
            r.status = TaskStatus::Completed;
            r.error = None;
            r
        }

        fn cancel(&self) {
            self.cancelled.store(true, Ordering::SeqCst);
        }
    }

    fn scripted(steps: Vec<&'static str>) -> (Arc<Scripted>, Sender<()>) {
        let (tx, rx) = channel();
        (
            Arc::new(Scripted {
                steps,
                go: Mutex::new(rx),
                cancelled: Default::default(),
            }),
            tx,
        )
    }

    fn message(u: &RunUpdate) -> String {
        match u {
            RunUpdate::Task(TaskEvent::Log { message, .. }) => message.clone(),
            RunUpdate::Task(_) => "event".into(),
            RunUpdate::Finished(r) => format!("finished {:?}", r.status),
        }
    }

    fn task() -> TaskSpec {
        use greenroom_core::scaffold::{Secrets, Template, exec::User, task_from_values};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("template.yaml");
        std::fs::write(
            &file,
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  steps: []\n",
        )
        .unwrap();
        let template = Template::from_file(&file).unwrap();
        task_from_values(
            &template,
            &serde_json::json!({}),
            &Secrets::default(),
            User::default(),
        )
        .unwrap()
    }

    #[test]
    fn attaching_replays_the_past_then_follows_live() {
        let service = RunService::new();
        let (executor, go) = scripted(vec!["one", "two"]);
        let (first_tx, first) = channel();
        let id = service.start(task(), executor, move |u| {
            first_tx.send(message(u)).unwrap()
        });
        go.send(()).unwrap();
        assert_eq!(first.recv().unwrap(), "one");
        let (later_tx, later) = channel();
        assert!(service.attach(id, move |u| later_tx.send(message(u)).unwrap()));
        assert_eq!(later.recv().unwrap(), "one", "replayed");
        go.send(()).unwrap();
        assert_eq!(first.recv().unwrap(), "two");
        assert_eq!(later.recv().unwrap(), "two", "live, once");
        assert_eq!(later.recv().unwrap(), "finished Completed");
        assert!(later.recv().is_err(), "nothing after the end");
        assert_eq!(service.is_finished(id), Some(true));
        assert!(!service.attach(RunId(999), |_| {}));
        assert!(!service.cancel(id), "over");
    }

    #[test]
    fn cancel_reaches_the_executor() {
        let service = RunService::new();
        let (executor, go) = scripted(vec!["one", "two"]);
        let (tx, rx) = channel();
        let id = service.start(task(), executor, move |u| tx.send(message(u)).unwrap());
        assert!(service.cancel(id));
        go.send(()).unwrap();
        assert_eq!(rx.recv().unwrap(), "finished Cancelled");
        service.forget(id);
        assert_eq!(service.is_finished(id), None);
    }

    #[test]
    fn only_the_newest_finished_runs_are_kept() {
        let service = RunService::inline();
        let ids: Vec<RunId> = (0..FINISHED_RUNS_KEPT + 3)
            .map(|_| {
                let (executor, go) = scripted(vec![]);
                drop(go);
                service.start(task(), executor, |_| {})
            })
            .collect();
        for id in &ids[..3] {
            assert_eq!(service.is_finished(*id), None, "forgotten");
        }
        for id in &ids[3..] {
            assert_eq!(service.is_finished(*id), Some(true));
        }
    }

    #[test]
    fn an_inline_service_runs_before_returning() {
        let service = RunService::inline();
        let (executor, go) = scripted(vec!["one"]);
        go.send(()).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        service.start(task(), executor, move |u| {
            s.lock().unwrap().push(message(u))
        });
        assert_eq!(*seen.lock().unwrap(), vec!["one", "finished Completed"]);
    }
}
