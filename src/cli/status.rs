//! `greenroom status REF` and `greenroom oncall [TEAM|REF]`: fetch once through the same
//! fetchers, gates and store as the portal, then print. On the bundled demo (or with
//! `--fake`) an in-process fake upstream serves the data for the command's duration.

use super::{Context, Failure, Style};
use crate::catalog::{Catalog, Entity};
use crate::config::SourceConfig;
use crate::status::fake::{FakeUpstream, start_demo};
use crate::status::oncall::{OnCallOverview, oncall_targets};
use crate::status::value::Level;
use crate::status::{Entry, State, StatusConfig, StatusService};
use crate::text::sanitize_line;
use serde_json::{Value, json};
use tokio::time::Instant;

/// Whether the catalogue is the bundled demo (the same choice `Context::choose` makes).
pub(super) fn uses_demo(ctx: &Context) -> bool {
    ctx.cli.demo
        || (ctx.cli.catalog.is_empty()
            && ctx
                .config
                .catalog
                .sources
                .iter()
                .all(|s| matches!(s, SourceConfig::Demo)))
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))
}

/// The status config to use, and the fake that serves it when it is demo data.
pub(super) async fn status_config(
    ctx: &Context,
    catalog: &Catalog,
    fake: bool,
) -> Result<(StatusConfig, Option<FakeUpstream>), Failure> {
    if fake || uses_demo(ctx) {
        let (upstream, mut config) = start_demo(catalog)
            .await
            .map_err(|e| Failure::failed(format!("cannot start the demo upstream: {e}")))?;
        // "My on-call" still means the configured person.
        config.user.clone_from(&ctx.config.status.user);
        Ok((config, Some(upstream)))
    } else {
        Ok((ctx.config.status.clone(), None))
    }
}

pub(super) fn resolve<'c>(catalog: &'c Catalog, text: &str) -> Result<&'c Entity, Failure> {
    catalog.resolve(text).map_err(|candidates| {
        if candidates.is_empty() {
            Failure::failed(format!(
                "no entity matches \"{text}\" (greenroom search {text})"
            ))
        } else {
            let list: Vec<&str> = candidates.iter().map(|e| e.key.as_str()).collect();
            Failure::failed(format!(
                "\"{text}\" is ambiguous; it could be any of: {}",
                list.join(", ")
            ))
        }
    })
}

pub(super) fn load(ctx: &Context) -> Result<Catalog, Failure> {
    let chosen = ctx.choose(&[])?;
    super::commands::load_cached(ctx, chosen)
}

fn entry_json(e: &Entry, now: Instant) -> Value {
    json!({
        "target": e.target.id,
        "source": e.target.source,
        "widget": e.target.widget,
        "label": e.target.label,
        "state": e.state(now),
        "level": e.value.as_ref().map(|v| v.level()),
        "fetchedAt": e.fetched_at_wall.map(|t| crate::status::time::format_rfc3339(
            t.duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64()))),
        "value": e.value.as_deref(),
        "error": e.error,
    })
}

fn mark(style: &Style, level: Option<Level>, state: State) -> String {
    match (level, state) {
        (_, State::ErrorNoData | State::ErrorWithValue) => style.error("✗"),
        (Some(Level::Ok), _) => style.accent("✓"),
        (Some(Level::Busy), _) => style.warning("…"),
        (Some(Level::Warning), _) => style.warning("!"),
        (Some(Level::Critical), _) => style.error("✗"),
        _ => style.dim("?"),
    }
}

pub fn status(ctx: &Context, text: &str, json_out: bool, fake: bool) -> Result<u8, Failure> {
    let catalog = load(ctx)?;
    let entity = resolve(&catalog, text)?;
    let rt = runtime()?;
    rt.block_on(async {
        let (config, _upstream) = status_config(ctx, &catalog, fake).await?;
        let demo = config.demo;
        let service = StatusService::start(config);
        let targets = service.targets_for(entity);
        let off = crate::tui::live::panel::off_sources(entity, service.config());
        service.fetch_once(&targets).await;
        let now = Instant::now();
        let entries = service.store().snapshot(&targets);
        let failed = entries.iter().filter(|e| e.error.is_some()).count();
        if json_out {
            super::commands::print_json(&json!({
                "entityRef": entity.key,
                "demo": demo,
                "sources": entries.iter().map(|e| entry_json(e, now)).collect::<Vec<_>>(),
                "warnings": off,
            }))?;
        } else {
            let style = Style::for_stdout();
            let l = |s: &str| sanitize_line(s).into_owned();
            println!(
                "{} {}{}",
                style.bold(&l(entity.display_name())),
                style.dim(&l(&entity.key)),
                if demo { style.warning("  (demo data)") } else { String::new() }
            );
            for message in &off {
                println!("  {}", style.warning(&format!("⚠ {}", l(message))));
            }
            if entries.is_empty() && off.is_empty() {
                println!(
                    "  no status sources: annotate it with pagerduty.com/service-id, github.com/project-slug, prometheus.io/rule, greenroom.dev/health-url, ..."
                );
            }
            for e in &entries {
                let level = e.value.as_ref().map(|v| v.level());
                let text = match (&e.value, &e.error) {
                    (_, Some(err)) => style.error(&l(&err.message)),
                    (Some(v), None) => l(&v.summary()),
                    (None, None) => style.dim("no data"),
                };
                println!(
                    "  {} {:<12}{}  {}",
                    mark(&style, level, e.state(now)),
                    e.target.widget.as_str(),
                    text,
                    style.dim(&format!("{} {}", e.target.source.as_str(), l(&e.target.label)))
                );
            }
        }
        Ok(u8::from(failed > 0))
    })
}

pub fn oncall(
    ctx: &Context,
    scope: Option<&str>,
    json_out: bool,
    fake: bool,
) -> Result<u8, Failure> {
    let catalog = load(ctx)?;
    let scope = scope.map(|s| resolve(&catalog, s)).transpose()?;
    let rt = runtime()?;
    rt.block_on(async {
        let (config, _upstream) = status_config(ctx, &catalog, fake).await?;
        let demo = config.demo;
        let service = StatusService::start(config);
        let targets: Vec<_> = oncall_targets(&catalog, service.config(), scope)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        service.fetch_once(&targets).await;
        let overview = OnCallOverview::build(&catalog, service.store(), service.config(), scope, Instant::now());
        let failed = overview
            .teams
            .iter()
            .flat_map(|t| &t.services)
            .chain(&overview.unowned)
            .filter(|s| s.error.is_some())
            .count();
        if json_out {
            let mut v = serde_json::to_value(&overview).unwrap_or_default();
            v["demo"] = json!(demo);
            super::commands::print_json(&v)?;
            return Ok(u8::from(failed > 0));
        }
        let style = Style::for_stdout();
        let l = |s: &str| sanitize_line(s).into_owned();
        if demo {
            println!("{}", style.warning("demo data"));
        }
        if let Some(user) = &overview.user {
            if overview.mine.is_empty() {
                println!("{} {} is not on call now\n", style.bold("my on-call:"), l(user));
            } else {
                println!("{}", style.bold("my on-call:"));
                for m in &overview.mine {
                    println!(
                        "  {} level {} until {}",
                        l(&m.service),
                        m.level,
                        m.until.as_deref().map_or_else(|| "further notice".into(), l)
                    );
                }
                println!();
            }
        }
        let groups = overview
            .teams
            .iter()
            .map(|t| (t.name.clone(), &t.services))
            .chain((!overview.unowned.is_empty()).then(|| ("(no team)".to_owned(), &overview.unowned)));
        let mut any = false;
        for (team, services) in groups {
            any = true;
            println!("{}", style.bold(&l(&team)));
            for s in services {
                let who = if let Some(err) = &s.error {
                    style.error(&l(err))
                } else if s.now.is_empty() {
                    style.warning("nobody on call")
                } else {
                    s.now
                        .iter()
                        .map(|p| {
                            format!(
                                "{} {}",
                                l(&p.name),
                                style.dim(&p.until.as_deref().map_or_else(
                                    || "(permanent)".to_owned(),
                                    |u| format!("until {}", l(u))
                                ))
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                println!("  {:<24}{}", l(&s.name), who);
                if let Some(p) = &s.escalation_policy {
                    let levels: Vec<String> = s
                        .levels
                        .iter()
                        .map(|x| format!("L{} {}", x.level, l(&x.names.join(", "))))
                        .collect();
                    println!("  {:<24}{}", "", style.dim(&format!("{}: {}", l(&p.name), levels.join(" · "))));
                }
            }
        }
        if !any {
            println!("no services with pagerduty.com/service-id or pagerduty.com/integration-key annotations");
        }
        Ok(u8::from(failed > 0))
    })
}
