//! `greenroom scaffold`: the template run without the form, on the same code path (the form
//! model validates the values and fills defaults; the local executor runs the steps, or with
//! `--remote` the Backstage backend the template came from, followed live; Ctrl-C cancels it).

use crate::catalog::refs::canonical_key;
use crate::catalog::{Catalog, RefContext};
use crate::cli::{Context, Failure};
use crate::scaffold::dry_run;
use crate::scaffold::exec::{
    Executor, LocalExecutor, RunResult, StepStatus, TaskEvent, TaskSpec, TaskStatus, User,
};
use crate::scaffold::form::FieldError;
use crate::scaffold::remote::{self, RemoteExecutor, ScaffolderClient};
use crate::scaffold::secrets::Secrets;
use crate::scaffold::template::Template;
use crate::text::sanitize_line;
use serde_json::{Value as Json, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, clap::Args)]
pub struct ScaffoldArgs {
    /// The template: a ref (template:default/name, or just its name) in the chosen catalogue,
    /// or the path of a template.yaml.
    #[arg(value_name = "TEMPLATE_REF")]
    pub template: String,
    /// Form values as YAML or JSON (an object of the template's parameters).
    #[arg(long, value_name = "FILE")]
    pub values: Option<PathBuf>,
    /// A secret from an environment variable: NAME=ENV_VAR (repeatable). Secret values are
    /// never printed.
    #[arg(long = "secret", value_name = "NAME=ENV_VAR")]
    pub secrets: Vec<String>,
    /// Show the files that would be written, their contents and the step log; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where to put the result (default: ./<name from the values, or the template's name>).
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Replace an existing non-empty output folder.
    #[arg(long)]
    pub force: bool,
    /// The user templates see as user.ref (an entity ref in the catalogue).
    #[arg(long, value_name = "REF")]
    pub user: Option<String>,
    /// Print JSON: with --dry-run, Backstage's POST /v2/dry-run response shape.
    #[arg(long)]
    pub json: bool,
    /// Run on the Backstage backend the template came from (a configured `backstage`
    /// source), following its steps live: exit 0 when it completes, 1 when it fails (with the
    /// failing step's log), 130 when cancelled (Ctrl-C cancels the task; a second Ctrl-C
    /// leaves it running). With --dry-run: the backend's POST /v2/dry-run.
    #[arg(long, conflicts_with_all = ["output", "force"])]
    pub remote: bool,
}

pub(super) fn read_values(path: Option<&Path>) -> Result<Json, Failure> {
    let Some(path) = path else {
        return Ok(json!({}));
    };
    let text = crate::fsread::read_regular_string(path, crate::limits::SETTINGS_FILE_BYTES)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    let value: Json = serde_yaml::from_str(&text)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    match value {
        Json::Object(_) => Ok(value),
        Json::Null => Ok(json!({})),
        _ => Err(Failure::usage(format!(
            "{}: the values must be an object of parameter names and values",
            path.display()
        ))),
    }
}

pub(super) fn read_secrets(specs: &[String]) -> Result<Secrets, Failure> {
    let mut secrets = Secrets::default();
    for spec in specs {
        let (name, var) = spec
            .split_once('=')
            .filter(|(n, v)| !n.is_empty() && !v.is_empty())
            .ok_or_else(|| Failure::usage(format!("--secret {spec}: expected NAME=ENV_VAR")))?;
        let value = std::env::var(var).map_err(|_| {
            Failure::usage(format!(
                "--secret {name}: the environment variable {var} is not set"
            ))
        })?;
        secrets.insert(name, value);
    }
    Ok(secrets)
}

fn find_template(ctx: &Context, text: &str) -> Result<(Template, Option<Catalog>), Failure> {
    let as_path = Path::new(text);
    if (text.ends_with(".yaml") || text.ends_with(".yml")) && as_path.is_file() {
        return Template::from_file(as_path)
            .map(|t| (t, None))
            .map_err(Failure::usage);
    }
    let chosen = ctx.choose(&[])?;
    let catalog = crate::sources::load(&chosen.sources, &chosen.options);
    let by_key = canonical_key(
        text,
        RefContext {
            default_kind: Some("Template"),
            default_namespace: None,
        },
    )
    .and_then(|k| catalog.get(&k))
    .filter(|e| e.is_kind("Template"));
    let entity = match by_key {
        Some(e) => e,
        None => match catalog.resolve(text) {
            Ok(e) if e.is_kind("Template") => e,
            Ok(e) => {
                return Err(Failure::usage(format!(
                    "{} is a {}, not a Template",
                    e.key,
                    e.kind()
                )));
            }
            Err(candidates) if candidates.is_empty() => {
                return Err(Failure::usage(format!(
                    "no template \"{text}\" in {}",
                    chosen.description
                )));
            }
            Err(candidates) => {
                let list: Vec<&str> = candidates.iter().map(|e| e.key.as_str()).collect();
                return Err(Failure::usage(format!(
                    "\"{text}\" could be any of: {}",
                    list.join(", ")
                )));
            }
        },
    };
    let template = Template::from_entity(entity).map_err(|e| Failure::usage(e.to_string()))?;
    Ok((template, Some(catalog)))
}

/// `./<name>` from the values (`name`, `component_id`, `componentId`), else the template's.
fn default_target(template: &Template, values: &Json) -> Result<PathBuf, Failure> {
    let name = ["name", "component_id", "componentId"]
        .iter()
        .find_map(|k| values.get(*k).and_then(Json::as_str))
        .unwrap_or(&template.name);
    let single = Path::new(name).components().count() == 1
        && !name.contains(['/', '\\'])
        && name != ".."
        && name != ".";
    if !single {
        return Err(Failure::usage(format!(
            "cannot use \"{name}\" as a folder name; choose the output folder with --output"
        )));
    }
    Ok(PathBuf::from(".").join(name))
}

pub(super) fn report_errors(errors: &[FieldError], json_out: bool) -> Result<u8, Failure> {
    if json_out {
        print_json(&json!({ "errors": errors }))?;
    } else {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "greenroom: the values are not valid:");
        for e in errors {
            let _ = writeln!(
                err,
                "  {} ({}): {}",
                sanitize_line(&e.path.pointer()),
                e.page + 1,
                sanitize_line(&e.message)
            );
        }
    }
    Ok(1)
}

use crate::cli::print_json;

pub(super) fn live_log(event: &TaskEvent) {
    if let TaskEvent::Log {
        step_id,
        message,
        status,
    } = event
    {
        let mut err = std::io::stderr().lock();
        let mark = match status {
            Some(s) => format!(" [{}]", json!(s).as_str().unwrap_or_default()),
            None => String::new(),
        };
        for (i, line) in message.lines().enumerate() {
            let prefix = if i == 0 {
                step_id.as_deref().unwrap_or("task")
            } else {
                ""
            };
            let _ = writeln!(
                err,
                "{prefix:>12}{} {}",
                if i == 0 { &mark } else { "" },
                sanitize_line(line)
            );
        }
    }
}

pub(super) fn print_output(result: &RunResult) {
    let mut out = std::io::stdout().lock();
    if let Some(links) = result.output.get("links").and_then(Json::as_array) {
        for l in links {
            let title = l.get("title").and_then(Json::as_str).unwrap_or("link");
            let to = l
                .get("url")
                .or_else(|| l.get("entityRef"))
                .and_then(Json::as_str)
                .unwrap_or("");
            let _ = writeln!(out, "link: {} {}", sanitize_line(title), sanitize_line(to));
        }
    }
    if let Some(text) = result.output.get("text").and_then(Json::as_array) {
        for t in text {
            let _ = writeln!(
                out,
                "\n## {}",
                sanitize_line(t.get("title").and_then(Json::as_str).unwrap_or(""))
            );
            for line in t
                .get("content")
                .and_then(Json::as_str)
                .unwrap_or("")
                .lines()
            {
                let _ = writeln!(out, "{}", sanitize_line(line));
            }
        }
    }
}

pub fn run(ctx: &Context, args: &ScaffoldArgs) -> Result<u8, Failure> {
    let values = read_values(args.values.as_deref())?;
    let secrets = read_secrets(&args.secrets)?;
    let (template, catalog) = match find_template(ctx, &args.template) {
        Ok(found) => found,
        // Not in the catalogue at hand: the backend's parameter schema gives the form.
        Err(e) if args.remote => (schema_template(ctx, &args.template).ok_or(e)?, None),
        Err(e) => return Err(e),
    };
    let user = User {
        entity_ref: args.user.clone(),
        entity: args.user.as_deref().and_then(|u| {
            let key = canonical_key(
                u,
                RefContext {
                    default_kind: Some("User"),
                    default_namespace: None,
                },
            )?;
            catalog
                .as_ref()?
                .get(&key)
                .map(|e| Json::Object(e.data.clone()))
        }),
    };
    let task = match crate::scaffold::task_from_values(&template, &values, &secrets, user) {
        Ok(t) => t,
        Err(errors) => return report_errors(&errors, args.json),
    };
    for w in template.warnings() {
        crate::cli::print_diagnostic(&format!("greenroom: warning: {}", sanitize_line(&w)));
    }
    if args.remote {
        return run_remote(ctx, args, &task);
    }
    if args.dry_run {
        let result = if args.json {
            dry_run::dry_run(&task, &mut |_| {})
        } else {
            dry_run::dry_run(&task, &mut live_log)
        };
        if args.json {
            print_json(&dry_run::to_backstage_json(&task, &result))?;
        } else {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "Would write {} files (dry run, nothing written):",
                result.files.len()
            );
            for f in &result.files {
                let mode = if f.executable { " (executable)" } else { "" };
                let _ = writeln!(out, "\n=== {}{mode}", sanitize_line(&f.path));
                match std::str::from_utf8(&f.content) {
                    Ok(text) => {
                        for line in text.lines() {
                            let _ = writeln!(out, "{}", sanitize_line(line));
                        }
                    }
                    Err(_) => {
                        let _ = writeln!(out, "[{} bytes of binary content]", f.content.len());
                    }
                }
            }
            drop(out);
            print_output(&result);
        }
        if let Some(e) = &result.error {
            crate::cli::print_diagnostic(&format!("greenroom: the dry run failed: {e}"));
        }
        return Ok(u8::from(!result.succeeded()));
    }
    let target = match &args.output {
        Some(dir) => dir.clone(),
        None => default_target(&template, &task.values)?,
    };
    let executor = LocalExecutor::write_to(&target, args.force);
    let result = if args.json {
        executor.run(&task, &mut |_| {})
    } else {
        executor.run(&task, &mut live_log)
    };
    if args.json {
        print_json(&json!({
            "status": result.status,
            "target": result.target,
            "files": result.files.iter().map(|f| &f.path).collect::<Vec<_>>(),
            "output": result.output,
            "registered": result.registrations.iter().filter_map(|r| r.entity_ref.clone()).collect::<Vec<_>>(),
            "error": result.error,
        }))?;
    } else if result.succeeded() {
        println!(
            "Created {} ({} files)",
            target.display(),
            result.files.len()
        );
        for r in &result.registrations {
            if let Some(e) = &r.entity_ref {
                println!(
                    "registered: {} ({})",
                    sanitize_line(e),
                    r.catalog_info.display()
                );
            }
        }
        print_output(&result);
    }
    if let Some(e) = &result.error {
        let hint = if e.contains("already exists") && !args.force {
            " (pass --force to replace it)"
        } else {
            ""
        };
        crate::cli::print_diagnostic(&format!("greenroom: {e}{hint}"));
    }
    Ok(u8::from(!result.succeeded()))
}

/// A template from the parameter schema of the first configured backend that knows it.
fn schema_template(ctx: &Context, template_ref: &str) -> Option<Template> {
    ctx.config.backstage_sources().iter().find_map(|source| {
        let client = ScaffolderClient::for_source(source).ok()?;
        let schema = client.parameter_schema(template_ref).ok()?;
        remote::template_from_schema(template_ref, client.base_url(), &schema)
    })
}

/// `--remote`: the task on the template's backend, followed live.
fn run_remote(ctx: &Context, args: &ScaffoldArgs, task: &TaskSpec) -> Result<u8, Failure> {
    let sources = ctx.config.backstage_sources();
    let source = remote::backend_for(&task.template, &sources).map_err(Failure::usage)?;
    let client = ScaffolderClient::for_source(source).map_err(Failure::failed)?;
    if args.dry_run {
        let result = client
            .dry_run(task)
            .map_err(|e| Failure::failed(format!("the backend's dry run failed: {e}")))?;
        if args.json {
            print_json(&dry_run::to_backstage_json(task, &result))?;
        } else {
            for e in &result.events {
                live_log(e);
            }
            for f in &result.files {
                println!("would write: {}", sanitize_line(&f.path));
            }
            print_output(&result);
        }
        return Ok(0);
    }
    let executor = Arc::new(RemoteExecutor::new(client));
    let cancelled = Arc::new(AtomicBool::new(false));
    {
        let (executor, cancelled) = (executor.clone(), cancelled.clone());
        let _ = std::thread::Builder::new()
            .name("greenroom-ctrl-c".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if tokio::signal::ctrl_c().await.is_err() {
                        return;
                    }
                    cancelled.store(true, Ordering::SeqCst);
                    eprintln!("greenroom: cancelling the task (Ctrl-C again leaves it running)");
                    executor.cancel_in_background();
                    if tokio::signal::ctrl_c().await.is_ok() {
                        if let Some(id) = executor.task_id() {
                            eprintln!("greenroom: task {id} goes on on the backend");
                        }
                        std::process::exit(130);
                    }
                });
            });
    }
    if !args.json {
        eprintln!(
            "greenroom: running {} on Backstage at {}",
            sanitize_line(&task.template.entity_ref),
            sanitize_line(executor.client().base_url())
        );
    }
    let result = if args.json {
        executor.run(task, &mut |_| {})
    } else {
        executor.run(task, &mut live_log)
    };
    let failed_step = failed_step_log(&result.events);
    if args.json {
        print_json(&json!({
            "status": result.status,
            "backend": executor.client().base_url(),
            "taskId": executor.task_id(),
            "output": result.output,
            "error": result.error,
            "failedStep": failed_step.as_ref().map(|(id, log)| json!({"id": id, "log": log})),
        }))?;
    } else if result.succeeded() {
        print_output(&result);
    } else if let Some((id, log)) = &failed_step {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "greenroom: step {} failed; its log:",
            sanitize_line(id)
        );
        for line in log.iter().flat_map(|l| l.lines()) {
            let _ = writeln!(err, "  {}", sanitize_line(line));
        }
    }
    if let Some(e) = &result.error
        && !args.json
    {
        crate::cli::print_diagnostic(&format!("greenroom: {e}"));
    }
    Ok(match result.status {
        TaskStatus::Completed => 0,
        TaskStatus::Cancelled => 130,
        TaskStatus::Failed if cancelled.load(Ordering::SeqCst) => 130,
        TaskStatus::Failed => 1,
    })
}

/// The first step that failed, with every log line it wrote.
fn failed_step_log(events: &[TaskEvent]) -> Option<(String, Vec<String>)> {
    let failed = events.iter().find_map(|e| match e {
        TaskEvent::Log {
            step_id: Some(id),
            status: Some(StepStatus::Failed),
            ..
        } => Some(id.clone()),
        _ => None,
    })?;
    let log = events
        .iter()
        .filter_map(|e| match e {
            TaskEvent::Log {
                step_id: Some(id),
                message,
                ..
            } if *id == failed => Some(message.clone()),
            _ => None,
        })
        .collect();
    Some((failed, log))
}
