//! The local executor: Backstage's workflow semantics (step `if` and `each`, outputs, skipping
//! after a failure unless `always()`/`failure()`, dry runs) over a temporary workspace that
//! becomes the target folder only when every step succeeded.

use super::actions::{self, ActionContext, ActionInfo};
use super::workspace::{self, Workspace};
use super::{
    CancelToken, Executor, RegisterHook, Registration, RunResult, StepStatus, TaskEvent, TaskSpec,
    TaskStatus,
};
use crate::scaffold::render::{RenderContext, RenderOptions, Renderer, StatusChecks, is_truthy};
use crate::scaffold::secrets::Redactor;
use crate::scaffold::template::Step;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The template ref a dry run reports, as Backstage's dry-run endpoint does.
pub const DRY_RUN_TEMPLATE_REF: &str = "template:default/dry-run";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Run every step that supports it in a workspace that is thrown away; report its files.
    DryRun,
    /// Run and move the result into `target`. An occupied target is replaced only with
    /// `overwrite`.
    Write { target: PathBuf, overwrite: bool },
}

#[derive(Clone)]
pub struct LocalExecutor {
    pub mode: Mode,
    pub cancel: CancelToken,
    /// Longest `debug:wait` allowed (Backstage: 10 minutes).
    pub max_wait: Duration,
    /// Called for each `catalog:register` once the result is in place.
    pub on_register: Option<RegisterHook>,
}

impl LocalExecutor {
    pub fn dry_run() -> LocalExecutor {
        LocalExecutor {
            mode: Mode::DryRun,
            cancel: CancelToken::default(),
            max_wait: Duration::from_secs(600),
            on_register: None,
        }
    }

    pub fn write_to(target: impl Into<PathBuf>, overwrite: bool) -> LocalExecutor {
        let target = target.into();
        // Absolute, so the file:// URLs publishing reports mean the same from anywhere.
        let target = std::path::absolute(&target)
            .map(|t| crate::sources::vfs::normalize(&t))
            .unwrap_or(target);
        LocalExecutor {
            mode: Mode::Write { target, overwrite },
            ..Self::dry_run()
        }
    }
}

enum Outcome {
    Completed(Map<String, Json>),
    Skipped(String, Map<String, Json>),
}

/// `JSON.stringify(each, …)` as the runner logs it: values as JavaScript text.
fn each_log(key: &str, value: &Json) -> String {
    fn text(v: &Json) -> String {
        match v {
            Json::Array(a) => a
                .iter()
                .map(|i| if i.is_null() { String::new() } else { text(i) })
                .collect::<Vec<_>>()
                .join(","),
            Json::Object(_) => "[object Object]".into(),
            Json::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    json!({"key": key, "value": text(value)}).to_string()
}

/// The text of every rendered input value whose source reads `secrets`: what a log line
/// must not show even after a filter changed it (`reverse`, `replace`, `join`…).
fn derived_from_secrets(source: &Json, rendered: &Json, out: &mut Vec<String>) {
    fn texts(v: &Json, out: &mut Vec<String>) {
        match v {
            Json::String(s) => out.push(s.clone()),
            Json::Number(n) => out.push(n.to_string()),
            Json::Array(items) => items.iter().for_each(|i| texts(i, out)),
            Json::Object(map) => map.values().for_each(|i| texts(i, out)),
            Json::Bool(_) | Json::Null => {}
        }
    }
    match (source, rendered) {
        (Json::String(s), _) if s.contains("secrets") => texts(rendered, out),
        (Json::Array(a), Json::Array(b)) => a
            .iter()
            .zip(b)
            .for_each(|(s, r)| derived_from_secrets(s, r, out)),
        (Json::Object(a), Json::Object(b)) => {
            for (k, s) in a {
                if let Some(r) = b.get(k) {
                    derived_from_secrets(s, r, out);
                }
            }
        }
        _ => {}
    }
}

struct Run<'a> {
    exec: &'a LocalExecutor,
    task: &'a TaskSpec,
    sink: &'a mut dyn FnMut(&TaskEvent),
    events: Vec<TaskEvent>,
    redactor: Redactor,
    status: StatusChecks,
    renderer: Renderer,
    steps: Map<String, Json>,
    registrations: Vec<Registration>,
    task_id: String,
}

impl Run<'_> {
    fn emit(&mut self, step_id: Option<&str>, message: &str, status: Option<StepStatus>) {
        let event = TaskEvent::Log {
            step_id: step_id.map(str::to_owned),
            message: self.redactor.redact(message),
            status,
        };
        (self.sink)(&event);
        self.events.push(event);
    }

    fn dry(&self) -> bool {
        self.exec.mode == Mode::DryRun
    }

    fn context(&self, secrets: Option<Json>, each: Option<(&str, &Json)>) -> RenderContext {
        let user = json!({
            "entity": self.task.user.entity.clone().unwrap_or(Json::Null),
            "ref": self.task.user.entity_ref.clone().unwrap_or_default(),
        });
        let mut vars = json!({
            "parameters": self.task.values,
            "steps": Json::Object(self.steps.clone()),
            "user": user,
            "context": {"task": {"id": self.task_id}},
            "environment": {"parameters": {}, "secrets": {}},
        });
        if let Some(s) = secrets {
            vars["secrets"] = s;
        }
        if let Some((k, v)) = each {
            vars["each"] = json!({"key": k, "value": v});
        }
        RenderContext::new(&vars)
    }

    /// Renders a step's field; a render that hits a resource limit is an error naming what
    /// was rendered (other failures keep the source text, as Backstage does).
    fn render(
        &self,
        value: &Json,
        ctx: &RenderContext,
        what: &str,
    ) -> Result<Option<Json>, String> {
        self.renderer
            .try_render_tree(value, ctx)
            .map_err(|e| format!("rendering {what}: {e}"))
    }

    fn execute(mut self) -> RunResult {
        let template = &self.task.template;
        let steps = template.steps.clone();
        let mut result = RunResult {
            status: TaskStatus::Failed,
            output: json!({}),
            error: None,
            events: Vec::new(),
            files: Vec::new(),
            target: None,
            registrations: Vec::new(),
            step_outputs: BTreeMap::new(),
        };
        if let Mode::Write {
            target,
            overwrite: false,
        } = &self.exec.mode
            && workspace::is_occupied(target)
        {
            let message = format!(
                "{} already exists and is not empty; nothing was written (confirm to replace it)",
                target.display()
            );
            return self.finish(result, TaskStatus::Failed, Some(message));
        }
        let ws = match Workspace::new() {
            Ok(ws) => ws,
            Err(e) => {
                return self.finish(
                    result,
                    TaskStatus::Failed,
                    Some(format!("creating a workspace: {e}")),
                );
            }
        };
        self.task_id = ws
            .root()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Backstage's dry run counts the hidden step that collects the workspace.
        let counted = steps.len() + usize::from(self.dry());
        self.emit(
            None,
            &format!("Starting up task with {counted} steps"),
            None,
        );
        let mut first_error: Option<String> = None;
        let mut cancelled = false;
        for step in &steps {
            if self.exec.cancel.is_cancelled() {
                cancelled = true;
                self.emit(
                    Some(&step.id),
                    &format!("Step {} has been cancelled.", step.id),
                    Some(StepStatus::Cancelled),
                );
                continue;
            }
            if self.status.failed.load(Ordering::SeqCst) {
                let runs_anyway = match &step.condition {
                    Some(Json::String(cond)) => {
                        self.status.invoked.store(false, Ordering::SeqCst);
                        let ctx = self.context(Some(self.task.secrets.to_json()), None);
                        let _ = self.render(&Json::String(cond.clone()), &ctx, "if");
                        self.status.invoked.load(Ordering::SeqCst)
                    }
                    _ => false,
                };
                if !runs_anyway {
                    let msg = format!("Skipping step {} because a previous step failed", step.id);
                    self.emit(Some(&step.id), &msg, Some(StepStatus::Skipped));
                    continue;
                }
            }
            self.emit(
                Some(&step.id),
                &format!("Beginning step {}", step.name),
                Some(StepStatus::Processing),
            );
            match self.execute_step(step, &ws) {
                Ok(Outcome::Completed(output)) => {
                    self.steps
                        .insert(step.id.clone(), json!({ "output": output }));
                    self.emit(
                        Some(&step.id),
                        &format!("Finished step {}", step.name),
                        Some(StepStatus::Completed),
                    );
                }
                Ok(Outcome::Skipped(reason, output)) => {
                    // A dry run's skipped action still "outputs" its examples.
                    if reason.contains("dry-run") {
                        self.steps
                            .insert(step.id.clone(), json!({ "output": output }));
                    }
                    self.emit(Some(&step.id), &reason, Some(StepStatus::Skipped));
                }
                Err(message) => {
                    let message = self.redactor.redact(&message);
                    self.emit(Some(&step.id), &message, Some(StepStatus::Failed));
                    self.status.failed.store(true, Ordering::SeqCst);
                    first_error.get_or_insert(format!("{} ({}): {message}", step.name, step.id));
                }
            }
        }
        result.step_outputs = self
            .steps
            .iter()
            .map(|(k, v)| (k.clone(), v.get("output").cloned().unwrap_or(Json::Null)))
            .collect();
        if self.dry() {
            result.files = ws.files().unwrap_or_default();
        }
        if cancelled {
            return self.finish(
                result,
                TaskStatus::Cancelled,
                Some("the run was cancelled; nothing was written".into()),
            );
        }
        if let Some(e) = first_error {
            let e = if self.dry() {
                e
            } else {
                format!("{e}; nothing was written")
            };
            return self.finish(result, TaskStatus::Failed, Some(e));
        }
        result.output = match self.render_output() {
            Ok(output) => output,
            Err(e) => {
                let e = if self.dry() {
                    e
                } else {
                    format!("{e}; nothing was written")
                };
                return self.finish(result, TaskStatus::Failed, Some(e));
            }
        };
        if let Mode::Write { target, overwrite } = &self.exec.mode {
            result.files = ws.files().unwrap_or_default();
            if let Err(e) = workspace::move_into_place(ws, target, *overwrite) {
                result.files.clear();
                return self.finish(result, TaskStatus::Failed, Some(e));
            }
            result.target = Some(target.clone());
            for r in &mut self.registrations {
                r.catalog_info = target.join(&r.catalog_info);
                if let Some(hook) = &self.exec.on_register {
                    hook(r);
                }
            }
        }
        result.registrations = std::mem::take(&mut self.registrations);
        self.finish(result, TaskStatus::Completed, None)
    }

    fn finish(
        mut self,
        mut result: RunResult,
        status: TaskStatus,
        error: Option<String>,
    ) -> RunResult {
        let error = error.map(|e| self.redactor.redact(&e));
        let event = TaskEvent::Completion {
            status,
            output: result.output.clone(),
            error: error.clone(),
        };
        (self.sink)(&event);
        self.events.push(event);
        result.status = status;
        result.error = error;
        result.events = std::mem::take(&mut self.events);
        result
    }

    /// `spec.output` rendered without secrets; links and text whose `if` is falsy dropped.
    fn render_output(&self) -> Result<Json, String> {
        let ctx = self.context(None, None);
        let mut output = match self.render(&self.task.template.output, &ctx, "the output") {
            Ok(o) => o.unwrap_or_else(|| json!({})),
            Err(e) => return Err(e),
        };
        for key in ["links", "text"] {
            if let Some(Json::Array(items)) = output.get_mut(key) {
                // An `if` that rendered undefined is gone, and the item stays (as in Backstage).
                items.retain(|i| i.get("if").is_none() || is_truthy(i.get("if")));
                for i in items.iter_mut() {
                    if let Json::Object(o) = i {
                        o.remove("if");
                    }
                }
            }
        }
        Ok(output)
    }

    fn execute_step(&mut self, step: &Step, ws: &Workspace) -> Result<Outcome, String> {
        let secrets = self.task.secrets.to_json();
        let ctx = self.context(Some(secrets.clone()), None);
        let skipped_by_if = match &step.condition {
            Some(Json::Bool(false)) => true,
            Some(c @ Json::String(_)) if step.each.is_none() => {
                !is_truthy(self.render(c, &ctx, "its if")?.as_ref())
            }
            _ => false,
        };
        if skipped_by_if {
            return Ok(Outcome::Skipped(
                format!(
                    "Skipping step {} because its if condition was false",
                    step.id
                ),
                Map::new(),
            ));
        }
        let action: ActionInfo = actions::lookup(&step.action).ok_or_else(|| {
            format!(
                "Template action with ID '{}' is not registered.",
                step.action
            )
        })?;
        if self.dry() {
            let redacted = self.context(Some(self.task.secrets.redacted_json()), None);
            let debug_input = self
                .render(&step.input, &redacted, "its input")?
                .unwrap_or_else(|| json!({}));
            let text = serde_json::to_string_pretty(&debug_input).unwrap_or_default();
            self.emit(
                Some(&step.id),
                &format!(
                    "Running {} in dry-run mode with inputs (secrets redacted): {text}",
                    action.id
                ),
                None,
            );
            if !action.supports_dry_run {
                let output = action
                    .example_output
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                return Ok(Outcome::Skipped(
                    format!("Skipping because {} does not support dry-run", action.id),
                    output,
                ));
            }
        }
        let iterations: Vec<Option<(String, Json)>> = match &step.each {
            None => vec![None],
            Some(each) => match self.render(each, &ctx, "its each")? {
                None => {
                    return Err(format!(
                        "Invalid value on action {}.each parameter, \"{}\" cannot be resolved to a value",
                        action.id,
                        each.as_str().unwrap_or_default()
                    ));
                }
                Some(Json::Array(items)) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Some((i.to_string(), v)))
                    .collect(),
                Some(Json::Object(map)) => map.into_iter().map(|(k, v)| Some((k, v))).collect(),
                Some(_) => {
                    return Err(format!(
                        "Invalid value on action {}.each parameter, must resolve to an array or object",
                        action.id
                    ));
                }
            },
        };
        let mut outputs = Map::new();
        for iteration in iterations {
            let ctx = match &iteration {
                Some((k, v)) => self.context(Some(secrets.clone()), Some((k, v))),
                None => ctx.clone(),
            };
            if let Some((k, v)) = &iteration {
                let should_run = match &step.condition {
                    Some(c) => is_truthy(self.render(c, &ctx, "its if")?.as_ref()),
                    None => true,
                };
                if !should_run {
                    self.emit(
                        Some(&step.id),
                        &format!("Skipping step each: {}", each_log(k, v)),
                        None,
                    );
                    continue;
                }
                self.emit(
                    Some(&step.id),
                    &format!("Running step each: {}", each_log(k, v)),
                    None,
                );
            }
            let input = self
                .render(&step.input, &ctx, "its input")?
                .unwrap_or_else(|| json!({}));
            let mut derived = Vec::new();
            derived_from_secrets(&step.input, &input, &mut derived);
            self.redactor.extend_derived(derived);
            let mut step_outputs = Map::new();
            let mut lines: Vec<String> = Vec::new();
            let result = {
                let mut log = |m: String| lines.push(m);
                let mut actx = ActionContext {
                    input: &input,
                    action_id: &action.id,
                    workspace: ws,
                    base: self.task.template.base.as_ref(),
                    dry_run: self.dry(),
                    template_ref: if self.dry() {
                        DRY_RUN_TEMPLATE_REF
                    } else {
                        &self.task.template.entity_ref
                    },
                    target: match &self.exec.mode {
                        Mode::Write { target, .. } => Some(target.as_path()),
                        Mode::DryRun => None,
                    },
                    cancel: &self.exec.cancel,
                    max_wait: self.exec.max_wait,
                    log: &mut log,
                    outputs: &mut step_outputs,
                    registrations: &mut self.registrations,
                };
                action.run(&mut actx)
            };
            for line in lines {
                self.emit(Some(&step.id), &line, None);
            }
            result?;
            for (k, v) in step_outputs {
                if iteration.is_some() {
                    let slot = outputs.entry(k).or_insert_with(|| Json::Array(Vec::new()));
                    if let Json::Array(a) = slot {
                        a.push(v);
                    }
                } else {
                    outputs.insert(k, v);
                }
            }
        }
        Ok(Outcome::Completed(outputs))
    }
}

impl Executor for LocalExecutor {
    fn run(&self, task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult {
        let mut redactor = Redactor::new(task.secrets.iter().map(|(_, v)| v.to_owned()));
        redactor.extend(task.sensitive.iter().cloned());
        let status = StatusChecks::default();
        Run {
            exec: self,
            task,
            sink: events,
            events: Vec::new(),
            redactor,
            renderer: Renderer::with_status(RenderOptions::default(), status.clone()),
            status,
            steps: Map::new(),
            registrations: Vec::new(),
            task_id: String::new(),
        }
        .execute()
    }
}
