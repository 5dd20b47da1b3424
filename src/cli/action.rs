//! `greenroom action`: Port's self-service actions from the command line: list them (all, or
//! those an entity offers), run one with values from a file (validated by the same form model
//! the portal's form uses) and follow it to the end, list runs, read a run's log, and approve or
//! decline a run waiting for approval.

use crate::catalog::Catalog;
use crate::cli::{Context, Failure};
use crate::scaffold::exec::{Executor, TaskStatus, User};
use crate::sources::port::PortSource;
use crate::sources::port::actions::{
    Actions, Decision, Operation, PortAction, PortRun, PortRunExecutor, RunsQuery, port_identity,
    port_refs,
};
use crate::text::sanitize_line;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ActionArgs {
    #[command(subcommand)]
    pub command: ActionCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ActionCommand {
    /// The self-service actions of the configured Port source; with REF, those that entity
    /// offers (DAY-2 and DELETE actions whose trigger condition selects it).
    List {
        #[arg(value_name = "REF")]
        entity: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Run an action (its identifier or title) and follow it to the end: approval, status and
    /// log lines. DAY-2 and DELETE actions need the entity. Exit status: 0 succeeded, 1 invalid
    /// values, refused, failed or declined.
    Run {
        #[arg(value_name = "ACTION")]
        action: String,
        #[arg(value_name = "REF")]
        entity: Option<String>,
        /// Input values as YAML or JSON (an object of the action's inputs).
        #[arg(long, value_name = "FILE")]
        values: Option<PathBuf>,
        /// A secret input from an environment variable: NAME=ENV_VAR (repeatable).
        #[arg(long = "secret", value_name = "NAME=ENV_VAR")]
        secrets: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Recent runs (of an entity with REF); --waiting: runs waiting for my approval.
    Runs {
        #[arg(value_name = "REF")]
        entity: Option<String>,
        /// Only runs waiting for approval by me (--me, else the email of [scaffold] user).
        #[arg(long)]
        waiting: bool,
        /// My email in Port (who approves).
        #[arg(long, value_name = "EMAIL")]
        me: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A run's status and log.
    Logs {
        #[arg(value_name = "RUN_ID")]
        run: String,
        #[arg(long)]
        json: bool,
    },
    /// Approve (or with --decline, decline) a run waiting for approval.
    Approve {
        #[arg(value_name = "RUN_ID")]
        run: String,
        #[arg(long)]
        decline: bool,
        /// Why (shown to the requester).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn port(ctx: &Context) -> Result<PortSource, Failure> {
    ctx.config.port_sources().into_iter().next().ok_or_else(|| {
        Failure::failed(
            "no Port source is configured: add [[catalog.source]] type = \"port\" to the config \
             file (greenroom info prints where it is)",
        )
    })
}

fn api(source: &PortSource) -> Result<Actions<'_>, Failure> {
    Actions::new(source).map_err(Failure::failed)
}

fn port_failed(what: &str, e: String) -> Failure {
    Failure::failed(format!("{what}: {e}"))
}

pub fn run(ctx: &Context, args: &ActionArgs) -> Result<u8, Failure> {
    let source = port(ctx)?;
    match &args.command {
        ActionCommand::List { entity, json } => list(ctx, &source, entity.as_deref(), *json),
        ActionCommand::Run {
            action,
            entity,
            values,
            secrets,
            json,
        } => run_action(
            ctx,
            &source,
            action,
            entity.as_deref(),
            values,
            secrets,
            *json,
        ),
        ActionCommand::Runs {
            entity,
            waiting,
            me,
            json,
        } => runs(ctx, &source, entity.as_deref(), *waiting, me.clone(), *json),
        ActionCommand::Logs { run, json } => logs(&source, run, *json),
        ActionCommand::Approve {
            run,
            decline,
            reason,
            json,
        } => approve(&source, run, *decline, reason.as_deref(), *json),
    }
}

/// The entity a REF names, read from Port.
fn port_entity<'c>(
    catalog: &'c Catalog,
    text: &str,
) -> Result<&'c crate::catalog::Entity, Failure> {
    let e = super::status::resolve(catalog, text)?;
    if port_identity(e).is_none() {
        return Err(Failure::failed(format!(
            "{} does not come from Port; Port's actions act on Port's entities",
            e.key
        )));
    }
    Ok(e)
}

fn list(
    ctx: &Context,
    source: &PortSource,
    entity: Option<&str>,
    json_out: bool,
) -> Result<u8, Failure> {
    let mut actions = api(source)?
        .list()
        .map_err(|e| port_failed("reading Port's actions", e))?;
    if let Some(text) = entity {
        let catalog = super::status::load(ctx)?;
        let e = port_entity(&catalog, text)?;
        actions.retain(|a| a.applies_to(e));
    }
    if json_out {
        super::print_json(&json!({"actions": actions}))?;
        return Ok(0);
    }
    for a in &actions {
        let approval = if a.requires_approval {
            "  (needs approval)"
        } else {
            ""
        };
        println!(
            "{:<8} {:<28} {}{approval}",
            a.operation.as_str(),
            a.identifier,
            a.title
        );
    }
    if actions.is_empty() {
        println!("no actions");
    }
    Ok(0)
}

fn find_action(actions: Vec<PortAction>, text: &str) -> Result<PortAction, Failure> {
    let names: Vec<String> = actions.iter().map(|a| a.identifier.clone()).collect();
    actions
        .into_iter()
        .find(|a| a.identifier == text || a.title.eq_ignore_ascii_case(text))
        .ok_or_else(|| {
            Failure::failed(format!(
                "Port has no self-service action \"{}\"; there are: {}",
                sanitize_line(text),
                names.join(", ")
            ))
        })
}

fn run_action(
    ctx: &Context,
    source: &PortSource,
    action: &str,
    entity: Option<&str>,
    values: &Option<PathBuf>,
    secrets: &[String],
    json_out: bool,
) -> Result<u8, Failure> {
    let values = super::scaffold::read_values(values.as_deref())?;
    let secrets = super::scaffold::read_secrets(secrets)?;
    let actions = api(source)?
        .list()
        .map_err(|e| port_failed("reading Port's actions", e))?;
    let action = find_action(actions, action)?;
    let catalog = super::status::load(ctx)?;
    let identifier = match (action.operation, entity) {
        (Operation::Create, _) => None,
        (_, None) => {
            return Err(Failure::usage(format!(
                "{} is a {} action: name the entity it acts on (greenroom action run {} REF)",
                action.identifier,
                action.operation.as_str(),
                action.identifier
            )));
        }
        (_, Some(text)) => {
            let e = port_entity(&catalog, text)?;
            if !action.applies_to(e) {
                return Err(Failure::failed(format!(
                    "{} does not apply to {} (its trigger condition does not select it)",
                    action.identifier, e.key
                )));
            }
            port_identity(e).map(|(_, id)| id.to_owned())
        }
    };
    let template = action.template();
    let task =
        match crate::scaffold::task_from_values(&template, &values, &secrets, User::default()) {
            Ok(t) => t,
            Err(errors) => return super::scaffold::report_errors(&errors, json_out),
        };
    let executor = PortRunExecutor::new(source.clone(), action, identifier, port_refs(&catalog));
    let result = if json_out {
        executor.run(&task, &mut |_| {})
    } else {
        executor.run(&task, &mut super::scaffold::live_log)
    };
    if json_out {
        super::print_json(&json!({
            "status": result.status,
            "runId": result.output.get("runId"),
            "output": result.output,
            "error": result.error,
            "log": result.events.iter().map(|e| e.to_backstage()).collect::<Vec<_>>(),
        }))?;
    } else {
        super::scaffold::print_output(&result);
        if let Some(e) = &result.error {
            crate::cli::print_diagnostic(&format!("greenroom: {e}"));
        }
    }
    Ok(u8::from(result.status != TaskStatus::Completed))
}

fn print_runs(runs: &[PortRun]) {
    for r in runs {
        let on = r
            .entity
            .as_deref()
            .map(|e| format!(" on {e}"))
            .unwrap_or_default();
        let by = r
            .created_by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default();
        println!(
            "{:<20} {:<22} {}{on}{by}",
            r.id,
            r.status.label(),
            r.action_title
        );
    }
    if runs.is_empty() {
        println!("no runs");
    }
}

/// My email: given, else the profile email of `[scaffold] user` in the catalogue.
fn my_email(ctx: &Context, me: Option<String>) -> Result<Option<String>, Failure> {
    if me.is_some() {
        return Ok(me);
    }
    let Some(user) = ctx.config.scaffold.user.as_deref() else {
        return Ok(None);
    };
    let catalog = super::status::load(ctx)?;
    Ok(catalog.resolve(user).ok().and_then(|e| {
        e.data
            .get("spec")?
            .pointer("/profile/email")?
            .as_str()
            .map(str::to_owned)
    }))
}

fn runs(
    ctx: &Context,
    source: &PortSource,
    entity: Option<&str>,
    waiting: bool,
    me: Option<String>,
    json_out: bool,
) -> Result<u8, Failure> {
    let port = api(source)?;
    let runs = if waiting {
        let me = my_email(ctx, me)?;
        port.waiting_for(me.as_deref())
            .map_err(|e| port_failed("reading the runs waiting for approval", e))?
    } else {
        let identifier = match entity {
            Some(text) => {
                let catalog = super::status::load(ctx)?;
                let e = port_entity(&catalog, text)?;
                port_identity(e).map(|(_, id)| id.to_owned())
            }
            None => None,
        };
        port.runs(&RunsQuery {
            entity: identifier,
            ..RunsQuery::default()
        })
        .map_err(|e| port_failed("reading the runs", e))?
    };
    if json_out {
        super::print_json(&json!({"runs": runs}))?;
    } else {
        print_runs(&runs);
    }
    Ok(0)
}

fn logs(source: &PortSource, id: &str, json_out: bool) -> Result<u8, Failure> {
    let port = api(source)?;
    let run = port
        .get_run(id)
        .map_err(|e| port_failed(&format!("reading run {}", sanitize_line(id)), e))?;
    let lines = port
        .logs(id, 0)
        .map_err(|e| port_failed("reading the run's log", e))?;
    if json_out {
        super::print_json(&json!({"run": run, "logs": lines}))?;
        return Ok(0);
    }
    println!(
        "{} {}: {}{}",
        run.id,
        run.action_title,
        run.status.label(),
        run.status_label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default()
    );
    for l in &lines {
        for line in l.message.lines() {
            println!("  {}", sanitize_line(line));
        }
    }
    for link in &run.links {
        println!("link: {link}");
    }
    Ok(0)
}

fn approve(
    source: &PortSource,
    id: &str,
    decline: bool,
    reason: Option<&str>,
    json_out: bool,
) -> Result<u8, Failure> {
    let decision = if decline {
        Decision::Decline
    } else {
        Decision::Approve
    };
    let run = api(source)?
        .decide(id, decision, reason)
        .map_err(|e| port_failed(&format!("deciding run {}", sanitize_line(id)), e))?;
    if json_out {
        super::print_json(&json!({"run": run}))?;
    } else {
        println!(
            "{} {}: {}",
            run.id,
            if decline { "declined" } else { "approved" },
            run.status.label()
        );
    }
    Ok(0)
}
