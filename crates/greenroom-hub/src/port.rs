//! Port's action runs on the hub's run service: a [`PortRunExecutor`] sends the run and
//! follows it, reporting as the scaffolder's executors do, so a Port run is followed, re-attached
//! and shown exactly like a template run.

use crate::run::RunExecutor;
use greenroom_core::scaffold::exec::Executor;
use greenroom_core::scaffold::{RunResult, TaskEvent, TaskSpec};
use greenroom_core::sources::port::actions::PortRunExecutor;

impl RunExecutor for PortRunExecutor {
    fn run(&self, task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult {
        Executor::run(self, task, events)
    }

    /// Stops following (Port has no cancel; the run goes on there).
    fn cancel(&self) {
        self.cancel.cancel();
    }

    fn follows_only(&self) -> bool {
        true
    }

    fn audit(&self) -> Option<String> {
        let on = self
            .entity
            .as_deref()
            .map(|e| format!(" on {e}"))
            .unwrap_or_default();
        Some(format!(
            "port.action {} ({}){on} at {}",
            self.action.identifier,
            self.action.operation.as_str(),
            self.source.base_url
        ))
    }
}
