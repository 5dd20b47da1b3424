//! `greenroom docs` as the real binary: a page plain when piped, `--json` structure, `--nav`,
//! `--search` ranked with snippets, and exit status 1 with a reason when there are no docs or
//! no such page.

use serde_json::Value;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path();
    Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .env("GREENROOM_CONFIG", c.join("config.toml"))
        .env("XDG_CONFIG_HOME", c.join("xdg-config"))
        .env("XDG_CACHE_HOME", c.join("xdg-cache"))
        .env("XDG_STATE_HOME", c.join("xdg-state"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn a_page_piped_is_plain_text_with_its_links() {
    let o = run(&[
        "docs",
        "--demo",
        "checkout-service",
        "runbook",
        "--width",
        "80",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Runbook\n═══════\n"), "{out}");
    assert!(out.contains("│ Redis                 │"), "{out}");
    assert!(!out.contains('\x1b'), "no escapes when piped");
    assert!(
        out.contains("Links:\n  [1] https://grafana.encore.example/d/checkout-service/overview"),
        "{out}"
    );
}

#[test]
fn json_gives_the_page_structure_and_the_nav() {
    let o = run(&["docs", "--demo", "payments-gateway", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["entity"], "component:default/payments-gateway");
    assert_eq!(v["site"], "Payments Gateway");
    assert_eq!(v["page"]["path"], "index.md");
    assert_eq!(v["nav"].as_array().unwrap().len(), 4);
    let blocks = v["document"]["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "heading");
    assert!(blocks.iter().any(|b| b["type"] == "admonition"
        && b["kind"] == "warning"
        && b["title"] == "PCI DSS scope"));
    assert!(blocks.iter().any(|b| b["type"] == "table"));
}

#[test]
fn nav_prints_the_tree() {
    let o = run(&["docs", "--demo", "component:checkout-service", "--nav"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("Checkout  component:default/checkout-service\n"),
        "{out}"
    );
    assert!(out.contains("  Runbook  runbook.md\n"), "{out}");
    let o = run(&["docs", "--demo", "checkout-service", "--nav", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["nav"][2]["title"], "Runbook");
    assert_eq!(v["pages"][2]["path"], "runbook.md");
}

#[test]
fn search_ranks_and_json_lists_hits() {
    let o = run(&["docs", "--demo", "--search", "failover", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let items = v["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert_eq!(items[0]["site"], "Payments Gateway");
    assert_eq!(items[0]["heading"], "Failover");
    assert!(
        items[0]["snippet"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("fail")
    );
    let scores: Vec<u64> = items.iter().map(|i| i["score"].as_u64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let o = run(&["docs", "--demo", "--search", "failover", "-n", "1"]);
    let out = stdout(&o);
    assert!(
        out.starts_with("Payments Gateway PSP routing › Failover"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn no_docs_no_page_and_unknown_entities_exit_1_with_a_reason() {
    let o = run(&["docs", "--demo", "orders-service"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("component:default/orders-service has no docs: it has no backstage.io/techdocs-ref annotation"), "{}", stderr(&o));
    let o = run(&["docs", "--demo", "checkout-service", "nope.md"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Checkout has no page \"nope.md\"; its pages: index.md, architecture.md, runbook.md, on-sale.md"), "{}", stderr(&o));
    let o = run(&["docs", "--demo", "no-such-thing-at-all"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no entity matches"), "{}", stderr(&o));
    // No REF and no --search is a usage error.
    let o = run(&["docs", "--demo"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_page_by_title_and_the_first_page_by_default() {
    let o = run(&["docs", "--demo", "checkout-service", "On-sale playbook"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = stdout(&o).lines().next().unwrap_or_default().to_owned();
    let o = run(&["docs", "--demo", "checkout-service", "on-sale"]);
    assert_eq!(stdout(&o).lines().next().unwrap_or_default(), first);
    let o = run(&["docs", "--demo", "checkout-service"]);
    assert!(stdout(&o).starts_with("Checkout\n"), "{}", stdout(&o));
}

/// `docs:` in `greenroom search`: the entities whose TechDocs hold the words, combined with the
/// other filters, as in the portal.
#[test]
fn search_with_a_docs_filter_lists_entities_by_their_docs() {
    let names = |args: &[&str]| -> Vec<String> {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let mut n: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(&["search", "--demo", "docs:failover", "--json"]),
        ["inventory-service", "payments-gateway"]
    );
    assert_eq!(
        names(&["search", "--demo", "docs:\"psp failover\"", "--json"]),
        ["payments-gateway"]
    );
    let without = names(&[
        "search",
        "--demo",
        "kind:component",
        "-docs:failover",
        "--json",
    ]);
    assert!(
        without.contains(&"checkout-service".to_owned()),
        "{without:?}"
    );
    assert!(
        !without.contains(&"payments-gateway".to_owned()),
        "{without:?}"
    );
}
