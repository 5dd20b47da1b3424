//! Port's self-service actions against the local fake of Port's API (`tests/port_fake`):
//! listing actions and which entities a DAY-2 action applies to, running one through the
//! scaffolder's executor shape (steps, log lines, output links), a failed run with its logs,
//! runs waiting for my approval, approving and declining with a reason.

mod port_fake;

use greenroom::catalog::Catalog;
use greenroom::scaffold::exec::{StepStatus, TaskStatus};
use greenroom::scaffold::{Executor, Form, TaskEvent, User, task_from_values};
use greenroom::sources::port::actions::{
    Actions, Decision, Operation, PortRunExecutor, RunStatus, RunsQuery, port_refs,
};
use greenroom::sources::{self, LoadOptions, Source};
use port_fake::{Port, serve, source};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn catalogue(s: &greenroom::sources::port::PortSource) -> Catalog {
    let sources: Vec<Box<dyn Source>> = vec![Box::new(s.clone())];
    sources::load(
        &sources,
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    )
}

#[test]
fn actions_list_and_select_their_entities() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let s = source(&url, "ACT_LIST");
    let actions = Actions::new(&s).unwrap().list().unwrap();
    let ids: Vec<&str> = actions.iter().map(|a| a.identifier.as_str()).collect();
    assert_eq!(
        ids,
        [
            "delete_service",
            "restart_service",
            "rotate_credentials",
            "scaffold_service"
        ],
        "self-service only, by title"
    );
    let c = catalogue(&s);
    let restart = actions
        .iter()
        .find(|a| a.identifier == "restart_service")
        .unwrap();
    assert_eq!(restart.operation, Operation::Day2);
    let on: Vec<&str> = c
        .entities()
        .iter()
        .filter(|e| restart.applies_to(e))
        .map(|e| e.key.as_str())
        .collect();
    // lifecycle = production: payments-api and ledger, not checkout-web (no lifecycle).
    assert_eq!(
        on,
        ["component:default/payments-api", "component:default/ledger"]
    );
    let rotate = actions
        .iter()
        .find(|a| a.identifier == "rotate_credentials")
        .unwrap();
    assert!(rotate.applies_to(c.get("resource:default/orders-db").unwrap()));
    assert!(!rotate.applies_to(c.get("component:default/ledger").unwrap()));
    let create = actions
        .iter()
        .find(|a| a.identifier == "scaffold_service")
        .unwrap();
    assert!(
        !c.entities().iter().any(|e| create.applies_to(e)),
        "CREATE is not on entities"
    );
}

fn executor(
    s: &greenroom::sources::port::PortSource,
    id: &str,
    entity: Option<&str>,
) -> PortRunExecutor {
    let actions = Actions::new(s).unwrap().list().unwrap();
    let action = actions.into_iter().find(|a| a.identifier == id).unwrap();
    let c = catalogue(s);
    let mut e = PortRunExecutor::new(s.clone(), action, entity.map(str::to_owned), port_refs(&c));
    e.poll = Duration::ZERO;
    e
}

fn run(
    e: &PortRunExecutor,
    values: serde_json::Value,
) -> (greenroom::scaffold::RunResult, Vec<TaskEvent>) {
    let template = e.action.template();
    let form = Form::with_values(&template, &values, &Default::default());
    let task = task_from_values(&template, &form.values(), &form.secrets(), User::default())
        .unwrap_or_else(|errors| panic!("{errors:?}"));
    let mut seen = Vec::new();
    let result = e.run(&task, &mut |ev| seen.push(ev.clone()));
    (result, seen)
}

fn logs(events: &[TaskEvent], step: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            TaskEvent::Log {
                step_id: Some(s),
                message,
                ..
            } if s == step && !message.is_empty() => Some(message.clone()),
            _ => None,
        })
        .collect()
}

fn step_status(events: &[TaskEvent], step: &str) -> Option<StepStatus> {
    events.iter().rev().find_map(|e| match e {
        TaskEvent::Log {
            step_id: Some(s),
            status: Some(st),
            ..
        } if s == step => Some(*st),
        _ => None,
    })
}

#[test]
fn a_day2_run_follows_status_and_logs_to_its_output_links() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let s = source(&url, "ACT_RUN");
    let e = executor(&s, "restart_service", Some("payments-api"));
    let (result, events) = run(&e, json!({"reason": "deploy stuck"}));
    assert_eq!(result.status, TaskStatus::Completed, "{:?}", result.error);
    assert_eq!(result.events, events);
    let sent = port.runs.lock().unwrap().sent.clone();
    assert_eq!(
        sent,
        [(
            "restart_service".to_owned(),
            json!({"properties": {"reason": "deploy stuck", "replicas": 2}, "entity": "payments-api"})
        )],
        "the default replicas go too"
    );
    assert_eq!(step_status(&events, "request"), Some(StepStatus::Completed));
    assert_eq!(step_status(&events, "run"), Some(StepStatus::Completed));
    let run_log = logs(&events, "run");
    assert!(
        run_log.contains(&"Picked up run r_1".to_owned()),
        "{run_log:?}"
    );
    assert!(
        run_log.contains(&"Status: deploying".to_owned()),
        "{run_log:?}"
    );
    assert!(
        run_log.iter().all(|l| !l.contains('\u{1b}')),
        "escape sequences from Port's log are stripped: {run_log:?}"
    );
    assert_eq!(
        result.output["links"],
        json!([{"title": "Link", "url": "https://github.com/acme/platform/actions/runs/42"}])
    );
    assert_eq!(
        result.output["text"][0]["content"],
        "Restarted with 3 replicas"
    );
    assert_eq!(result.output["runId"], "r_1");
}

#[test]
fn a_failed_run_keeps_its_logs_and_says_why() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let s = source(&url, "ACT_FAIL");
    let e = executor(&s, "rotate_credentials", Some("orders-db"));
    let (result, events) = run(&e, json!({}));
    assert_eq!(result.status, TaskStatus::Failed);
    assert_eq!(result.error.as_deref(), Some("vault unreachable"));
    assert_eq!(step_status(&events, "run"), Some(StepStatus::Failed));
    assert!(logs(&events, "run").contains(&"error: vault unreachable".to_owned()));

    // The seeded failed run reads back with its log.
    let api = Actions::new(&s).unwrap();
    let failed = api.get_run("r_failed").unwrap();
    assert_eq!(failed.status, RunStatus::Failure);
    let lines: Vec<String> = api
        .logs("r_failed", 0)
        .unwrap()
        .into_iter()
        .map(|l| l.message)
        .collect();
    assert_eq!(
        lines[1],
        "error: vault at https://vault.internal unreachable (timeout)"
    );
}

#[test]
fn a_refused_run_fails_the_request_step_with_ports_message() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let s = source(&url, "ACT_REFUSED");
    let api = Actions::new(&s).unwrap();
    let e = api
        .run("restart_service", Some("ledger"), &json!({}))
        .unwrap_err();
    assert!(
        e.contains("HTTP 422") && e.contains("must have required property 'reason'"),
        "{e}"
    );
}

#[test]
fn approvals_inbox_approve_and_decline_with_a_reason() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let s = source(&url, "ACT_APPROVE");
    let api = Actions::new(&s).unwrap();
    let all: Vec<String> = api
        .waiting_for(None)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(all, ["r_waiting_bo", "r_waiting_ann"]);
    let mine = api.waiting_for(Some("Ann.Lee@corp.example")).unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].id, "r_waiting_ann");
    assert_eq!(mine[0].entity.as_deref(), Some("payments-api"));
    assert_eq!(mine[0].created_by.as_deref(), Some("bo@corp.example"));

    let approved = api
        .decide("r_waiting_ann", Decision::Approve, Some("go ahead"))
        .unwrap();
    assert_eq!(approved.status, RunStatus::InProgress);
    assert_eq!(approved.approval_note.as_deref(), Some("go ahead"));
    let declined = api
        .decide(
            "r_waiting_bo",
            Decision::Decline,
            Some("not during the freeze"),
        )
        .unwrap();
    assert_eq!(declined.status, RunStatus::Declined);
    let decisions = port.runs.lock().unwrap().decisions.clone();
    assert_eq!(
        decisions[0].1,
        json!({"status": "APPROVE", "description": "go ahead"})
    );
    assert_eq!(
        decisions[1].1,
        json!({"status": "DECLINE", "description": "not during the freeze"})
    );
    assert!(api.waiting_for(None).unwrap().is_empty());
    let again = api
        .decide("r_waiting_ann", Decision::Approve, None)
        .unwrap_err();
    assert!(again.contains("is not waiting for approval"), "{again}");

    let runs = api
        .runs(&RunsQuery {
            entity: Some("payments-api".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(runs.len(), 1);
}

#[test]
fn a_run_that_needs_approval_waits_then_ends_declined() {
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let s = source(&url, "ACT_WAIT");
    let e = executor(&s, "delete_service", Some("ledger"));
    let decider = {
        let s = s.clone();
        std::thread::spawn(move || {
            let api = Actions::new(&s).unwrap();
            // The run appears as r_1 once sent; decline it from "another user".
            loop {
                if let Ok(r) = api.get_run("r_1")
                    && r.status == RunStatus::WaitingForApproval
                {
                    api.decide("r_1", Decision::Decline, Some("keep it"))
                        .unwrap();
                    return;
                }
                std::thread::yield_now();
            }
        })
    };
    let (result, events) = run(&e, json!({"confirm": true}));
    decider.join().unwrap();
    assert_eq!(result.status, TaskStatus::Failed);
    assert_eq!(result.error.as_deref(), Some("Declined: keep it"));
    assert_eq!(step_status(&events, "approval"), Some(StepStatus::Failed));
    assert_eq!(step_status(&events, "run"), Some(StepStatus::Skipped));
    assert!(logs(&events, "approval").contains(&"Waiting for approval".to_owned()));
}

#[test]
fn an_entity_input_picks_among_its_blueprints_entities() {
    use greenroom::scaffold::pickers::{matches, parse_filter};
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let s = source(&url, "ACT_PICK");
    let c = catalogue(&s);
    // What an `entity` input of blueprint `service` filters on: annotation keys hold dots.
    let filter = parse_filter(&json!({"metadata.annotations.port.io/blueprint": "service"}));
    let mut picked: Vec<&str> = c
        .entities()
        .iter()
        .filter(|e| matches(e, &filter))
        .map(|e| e.key.as_str())
        .collect();
    picked.sort();
    assert_eq!(
        picked,
        [
            "component:default/checkout-web",
            "component:default/ledger",
            "component:default/payments-api"
        ]
    );
}
