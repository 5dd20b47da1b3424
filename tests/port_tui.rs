//! Port's self-service actions in the portal, keyboard only, against the local fake of Port
//! (`tests/port_fake`): the header's approvals count, an entity's actions (`A`), a DAY-2
//! action's form, review and run followed to its output link, the approvals inbox (`I`) with
//! approve and decline and a reason, a CREATE action beside the templates (`n`), and runs (`P`).

mod port_fake;
mod ui_support;

use crossterm::event::KeyCode;
use greenroom::sources::Source;
use greenroom::tui::app::Screen;
use greenroom_hub::catalog::SourcesLoader;
use port_fake::{Port, serve, source};
use serde_json::json;
use std::sync::Arc;
use ui_support::*;

fn portal(tag: &str) -> (Portal, Arc<Port>) {
    // Runs are read again at once (the fake moves one state per read).
    unsafe { std::env::set_var("GREENROOM_PORT_POLL_MS", "0") };
    let port = Arc::new(Port::default());
    let url = serve(port.clone());
    let s = source(&url, tag);
    let mut app = test_app("Port");
    app.port.source = Some(s.clone());
    app.scaffold.user = Some("user:default/ann.lee".into());
    let sources: Vec<Box<dyn Source>> = vec![Box::new(s)];
    let mut p = portal_with_loader(Arc::new(SourcesLoader::new(sources, offline())), app);
    p.pump();
    (p, port)
}

fn screen(p: &mut Portal) -> String {
    screen_text(&render(p, 80, 24))
}

#[test]
fn run_a_day2_action_then_approve_a_teammates_run_from_the_inbox() {
    let (mut p, port) = portal("TUI_DAY2");
    // What acts on Port is told to the session's audit hook (`greenroom serve`'s audit log).
    let audit = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = audit.clone();
    p.session.set_audit(Arc::new(move |line| {
        log.lock().unwrap().push(line.to_owned())
    }));
    let s = screen(&mut p);
    assert!(s.lines().next().unwrap().contains("⧗ 1 to approve"), "{s}");

    p.open_entity(
        "component:default/payments-api",
        greenroom::tui::entity::rows::Tab::Overview,
    );
    key(&mut p, KeyCode::Char('A'));
    let s = screen(&mut p);
    // The entity page's Actions tab.
    assert!(s.contains("[8 Actions"), "{s}");
    assert!(
        s.contains("DELETE  Delete service") && s.contains("DAY-2   Restart"),
        "{s}"
    );
    key(&mut p, KeyCode::Down);
    key(&mut p, KeyCode::Enter);
    let s = screen(&mut p);
    assert!(
        s.contains("Reason") && s.contains("Replicas"),
        "the action's form: {s}"
    );
    type_text(&mut p, "deploy stuck");
    ctrl(&mut p, 's');
    let s = screen(&mut p);
    assert!(s.contains("deploy stuck"), "the review: {s}");
    key(&mut p, KeyCode::Enter);
    p.pump();
    let s = screen(&mut p);
    assert!(
        s.contains("Send the run to Port") && s.contains("Run"),
        "{s}"
    );
    assert!(
        s.contains("https://github.com/acme/platform/actions/runs/42"),
        "the output link: {s}"
    );
    let sent = port.runs.lock().unwrap().sent.clone();
    assert_eq!(
        sent,
        [(
            "restart_service".to_owned(),
            json!({"properties": {"reason": "deploy stuck", "replicas": 2}, "entity": "payments-api"})
        )]
    );

    // The inbox: bo's restart waits for Ann.
    key(&mut p, KeyCode::Char('I'));
    p.pump();
    let s = screen(&mut p);
    assert!(s.contains("Waiting for my approval"), "{s}");
    assert!(s.contains("Restart on payments-api"), "{s}");
    assert!(s.contains("by bo@corp.example"), "{s}");
    let hints = s.lines().last().unwrap();
    assert!(
        hints.contains("a approve") && hints.contains("d decline"),
        "{hints}"
    );
    assert!(
        !s.contains("r_waiting_bo"),
        "bo's own approvals are not Ann's: {s}"
    );
    key(&mut p, KeyCode::Char('a'));
    type_text(&mut p, "go ahead");
    key(&mut p, KeyCode::Enter);
    p.pump();
    let s = screen(&mut p);
    assert!(s.contains("Restart (r_waiting_ann) approved"), "{s}");
    assert!(s.contains("nothing waits for your approval"), "{s}");
    assert!(!s.contains("to approve"), "the count is gone: {s}");
    let decisions = port.runs.lock().unwrap().decisions.clone();
    assert_eq!(
        decisions,
        [(
            "r_waiting_ann".to_owned(),
            json!({"status": "APPROVE", "description": "go ahead"})
        )]
    );
    let audit = audit.lock().unwrap().clone();
    let url = &p.port.source.as_ref().unwrap().base_url;
    assert_eq!(
        audit,
        [
            format!("port.action restart_service (DAY-2) on payments-api at {url}"),
            format!("port.approve run r_waiting_ann at {url} (reason: \"go ahead\")"),
            "port.decided r_waiting_ann: Port took it".to_owned(),
        ],
        "reads (the inbox, the runs) are not audited"
    );
}

#[test]
fn declining_asks_for_a_reason() {
    let (mut p, port) = portal("TUI_DECLINE");
    key(&mut p, KeyCode::Char('I'));
    p.pump();
    key(&mut p, KeyCode::Char('d'));
    let s = screen(&mut p);
    assert!(s.contains("Decline: why?"), "{s}");
    key(&mut p, KeyCode::Enter);
    p.pump();
    let s = screen(&mut p);
    assert!(s.contains("say why it is declined"), "{s}");
    assert!(port.runs.lock().unwrap().decisions.is_empty());
    type_text(&mut p, "not during the freeze");
    key(&mut p, KeyCode::Enter);
    p.pump();
    let s = screen(&mut p);
    assert!(s.contains("declined"), "{s}");
    let decisions = port.runs.lock().unwrap().decisions.clone();
    assert_eq!(
        decisions[0].1,
        json!({"status": "DECLINE", "description": "not during the freeze"})
    );
    // Esc on the prompt sends nothing.
    let (mut p, port) = portal("TUI_DECLINE_ESC");
    key(&mut p, KeyCode::Char('I'));
    p.pump();
    key(&mut p, KeyCode::Char('a'));
    key(&mut p, KeyCode::Esc);
    p.pump();
    assert!(port.runs.lock().unwrap().decisions.is_empty());
    assert!(screen(&mut p).contains("Restart on payments-api"));
}

#[test]
fn create_actions_sit_beside_the_templates_and_run_from_there() {
    let (mut p, port) = portal("TUI_CREATE");
    key(&mut p, KeyCode::Char('n'));
    type_text(&mut p, "scaffold a service");
    let s = screen(&mut p);
    assert!(s.contains("Scaffold a service"), "{s}");
    key(&mut p, KeyCode::Enter);
    let s = screen(&mut p);
    assert!(s.contains("Name") && s.contains("Language"), "{s}");
    assert!(!s.contains("Python version"), "shown only for python: {s}");
    type_text(&mut p, "billing-api");
    ctrl(&mut p, 's');
    key(&mut p, KeyCode::Char('d'));
    assert!(
        screen(&mut p).contains("a Port action has no dry run"),
        "no dry run on Port"
    );
    key(&mut p, KeyCode::Enter);
    p.pump();
    let sent = port.runs.lock().unwrap().sent.clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "scaffold_service");
    assert_eq!(sent[0].1["properties"]["name"], "billing-api");
    assert_eq!(sent[0].1["properties"]["language"], "go");
    assert!(
        sent[0].1.get("entity").is_none(),
        "CREATE acts on no entity"
    );
    assert!(matches!(p.screen(), Screen::Scaffold(_)));
}

#[test]
fn an_entity_outside_the_condition_offers_no_day2_action_and_runs_list() {
    let (mut p, _port) = portal("TUI_NONE");
    p.open_entity(
        "component:default/checkout-web",
        greenroom::tui::entity::rows::Tab::Overview,
    );
    key(&mut p, KeyCode::Char('A'));
    let s = screen(&mut p);
    assert!(s.contains("DELETE  Delete service"), "{s}");
    assert!(!s.contains("Restart"), "not in production: {s}");

    key(&mut p, KeyCode::Char('P'));
    p.pump();
    let s = screen(&mut p);
    assert!(s.contains("Recent runs"), "{s}");
    assert!(s.contains("Rotate credentials on orders-db · Port"), "{s}");
    assert!(s.contains("r_failed · failed (vault unreachable)"), "{s}");
}

/// Moves the runs list's cursor to the run with this id.
fn select_run(p: &mut Portal, id: &str) {
    let i = p
        .runs
        .rows
        .iter()
        .position(|r| matches!(r, greenroom::tui::port::runs::RunRow::Port(r) if r.id == id))
        .unwrap_or_else(|| panic!("{id} is not listed"));
    key(p, KeyCode::Home);
    for _ in 0..i {
        key(p, KeyCode::Down);
    }
}

#[test]
fn a_port_run_reopens_with_its_log_and_runs_again_with_its_values() {
    let (mut p, port) = portal("TUI_RUNS");
    key(&mut p, KeyCode::Char('P'));
    p.pump();
    // A finished run: its steps and its whole log, read from Port.
    select_run(&mut p, "r_failed");
    key(&mut p, KeyCode::Enter);
    p.pump();
    assert!(matches!(p.screen(), Screen::Scaffold(_)));
    let run = p.scaffold.wizard.as_ref().unwrap().run.as_ref().unwrap();
    assert_eq!(
        run.result.as_ref().unwrap().status,
        greenroom::scaffold::exec::TaskStatus::Failed
    );
    let log: Vec<String> = run
        .progress
        .steps
        .iter()
        .flat_map(|s| s.log.clone())
        .collect();
    assert!(
        log.iter()
            .any(|l| l == "error: vault at https://vault.internal unreachable (timeout)"),
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l == "Following run r_failed in Port"),
        "{log:?}"
    );
    assert!(
        port.runs.lock().unwrap().sent.is_empty(),
        "re-opening sends no run"
    );
    let s = screen(&mut p);
    assert!(s.contains("vault unreachable"), "{s}");

    // Again with the same values: the review, then Enter sends them.
    key(&mut p, KeyCode::Char('P'));
    p.pump();
    select_run(&mut p, "r_waiting_ann");
    key(&mut p, KeyCode::Char('u'));
    let w = p.scaffold.wizard.as_ref().unwrap();
    assert_eq!(w.stage, greenroom::tui::scaffold::wizard::Stage::Review);
    assert!(w.review_errors.is_empty(), "{:?}", w.review_errors);
    let s = screen(&mut p);
    assert!(s.contains("memory leak"), "{s}");
    key(&mut p, KeyCode::Enter);
    p.pump();
    let sent = port.runs.lock().unwrap().sent.clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "restart_service");
    assert_eq!(sent[0].1["properties"]["reason"], "memory leak");
    assert_eq!(sent[0].1["properties"]["replicas"], 3);
    assert_eq!(sent[0].1["entity"], "payments-api");
}

#[test]
fn esc_on_a_port_run_says_it_only_stops_following() {
    let (mut p, _port) = portal("TUI_ESC");
    let action = p
        .port
        .actions
        .iter()
        .find(|a| a.identifier == "delete_service")
        .cloned()
        .unwrap();
    let source = p.port.source.clone().unwrap();
    greenroom::tui::scaffold::start(&mut p, action.template(), None);
    let executor = Arc::new(greenroom::sources::port::actions::PortRunExecutor::attach(
        source,
        action,
        "r_waiting_bo",
    ));
    let w = p.scaffold.wizard.as_mut().unwrap();
    w.begin_run(99, None, None, executor);
    w.stage = greenroom::tui::scaffold::wizard::Stage::Create;
    key(&mut p, KeyCode::Esc);
    let notice = p
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        notice.contains("stopped following: the run goes on in Port"),
        "{notice}"
    );
    assert!(!notice.contains("before its next step"), "{notice}");
    // Quitting leaves it running there, and says so.
    key(&mut p, KeyCode::Char('q'));
    let s = screen(&mut p);
    assert!(s.contains("is still running in Port. Quit?"), "{s}");
}

#[test]
fn the_approvals_count_follows_new_runs_without_a_key() {
    let (mut p, port) = portal("TUI_COUNT");
    assert!(
        screen(&mut p)
            .lines()
            .next()
            .unwrap()
            .contains("⧗ 1 to approve")
    );
    // A teammate asks again meanwhile.
    {
        let mut r = port.runs.lock().unwrap();
        let mut again = r.runs[0].clone();
        again["id"] = json!("r_waiting_ann_2");
        r.runs.push(again);
    }
    // Not yet: nothing is read before its time.
    p.on_deadline(std::time::Instant::now());
    p.pump();
    assert!(
        screen(&mut p)
            .lines()
            .next()
            .unwrap()
            .contains("⧗ 1 to approve")
    );
    let later = std::time::Instant::now()
        + greenroom::limits::PORT_INBOX_REFRESH
        + std::time::Duration::from_secs(1);
    p.on_deadline(later);
    p.pump();
    let s = screen(&mut p);
    assert!(s.lines().next().unwrap().contains("⧗ 2 to approve"), "{s}");
}
