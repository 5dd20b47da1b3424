//! `greenroom scorecard [REF | --owner GROUP]`: grade entities against the scorecards, for
//! people (what fails, what was found, the fix), for CI (`--fail-below LEVEL` exits 1 when any
//! graded entity is below it), as JSON, or as markdown for a pull-request comment. Live rules
//! are fetched once through the status service (the in-process fake on the demo); `--offline`
//! grades from catalogue data alone and marks them unknown.

use super::{Context, Failure, Style};
use crate::catalog::{Catalog, Diagnostic, Entity};
use crate::scorecard::{
    self, Grade, Inputs, LiveFacts, NoLive, Outcome, Scorecard, StoreLive, facts::LocalRepos,
};
use crate::status::StatusService;
use crate::text::{sanitize_block, sanitize_line};
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ScorecardArgs {
    /// One entity to grade (kind:namespace/name, kind:name or a unique name); every entity
    /// when omitted.
    #[arg(value_name = "REF", conflicts_with = "owner")]
    pub reference: Option<String>,
    /// Grade what this group owns, its sub-groups included.
    #[arg(long, value_name = "GROUP")]
    pub owner: Option<String>,
    /// Only this scorecard (its id, metadata.name); repeatable.
    #[arg(long = "scorecard", value_name = "ID")]
    pub scorecards: Vec<String>,
    /// Scorecard files or directories to use instead of the config's [[scorecards]].
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Exit 1 when any graded entity is below this level (on the scorecards that have it).
    #[arg(long, value_name = "LEVEL")]
    pub fail_below: Option<String>,
    /// Print JSON: {"scorecards", "grades", "failBelow", "below", "diagnostics"}.
    #[arg(long)]
    pub json: bool,
    /// Output format: text (default) or markdown (for a pull-request comment).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
}

fn resolve<'c>(catalog: &'c Catalog, text: &str) -> Result<&'c Entity, Failure> {
    catalog.resolve(text).map_err(|candidates| {
        let text = sanitize_line(text);
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

pub fn run(ctx: &Context, args: &ScorecardArgs) -> Result<u8, Failure> {
    let markdown = match args.format.as_str() {
        "text" => false,
        "markdown" | "md" => true,
        other => {
            return Err(Failure::usage(format!(
                "--format takes text or markdown, not {:?}",
                sanitize_line(other)
            )));
        }
    };
    let chosen = ctx.choose_for_command(&[])?;
    let demo = chosen.demo;
    let catalog = crate::sources::load(&chosen.sources, &chosen.options);

    let paths = if args.files.is_empty() {
        ctx.config.scorecard_paths()
    } else {
        args.files.clone()
    };
    let loaded = scorecard::load_all(&paths, demo, &catalog);
    let mut cards = loaded.cards;
    if cards.is_empty() && loaded.diagnostics.is_empty() {
        return Err(Failure::usage(
            "no scorecards: name scorecard files in the config ([[scorecards]] path = \"...\") or with --file",
        ));
    }
    if !args.scorecards.is_empty() {
        for want in &args.scorecards {
            if !cards.iter().any(|c| &c.id == want) {
                let ids: Vec<&str> = cards.iter().map(|c| c.id.as_str()).collect();
                return Err(Failure::usage(format!(
                    "no scorecard `{}`; there are: {}",
                    sanitize_line(want),
                    ids.join(", ")
                )));
            }
        }
        cards.retain(|c| args.scorecards.contains(&c.id));
    }
    if let Some(level) = &args.fail_below
        && !cards.iter().any(|c| c.level_index(level).is_some())
    {
        return Err(Failure::usage(format!(
            "no scorecard has a level `{}` (levels: {})",
            sanitize_line(level),
            level_names(&cards)
        )));
    }

    let entities: Vec<&Entity> = match (&args.reference, &args.owner) {
        (Some(r), _) => vec![resolve(&catalog, r)?],
        (None, Some(owner)) => {
            let group = resolve(&catalog, owner)?;
            if !group.is_kind("Group") && !group.is_kind("User") {
                return Err(Failure::failed(format!(
                    "{} is a {}, not a Group",
                    group.key,
                    group.kind()
                )));
            }
            scorecard::owned_transitively(&catalog, &group.key)
                .iter()
                .filter_map(|k| catalog.get(k))
                .collect()
        }
        (None, None) => scorecard::gradable(&catalog).collect(),
    };

    let offline = ctx.cli.offline;
    let grades = if offline || !cards.iter().any(Scorecard::uses_live) {
        let inputs = Inputs {
            catalog: &catalog,
            live: &NoLive,
            repo: &LocalRepos,
        };
        grade(&cards, &entities, &inputs)
    } else {
        grade_live(ctx, demo, &catalog, &cards, &entities)?
    };

    let below: Vec<&Grade> = match &args.fail_below {
        Some(level) => grades
            .iter()
            .filter(|g| {
                cards[g.scorecard]
                    .level_index(level)
                    .is_some_and(|want| g.level.is_none_or(|l| l < want))
            })
            .collect(),
        None => Vec::new(),
    };
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    for d in &loaded.diagnostics {
        super::print_diagnostic(&format!(
            "{}:{}:{}: {}: {}",
            d.file, d.line, d.column, d.severity, d.message
        ));
    }

    if args.json {
        super::commands::print_json(&to_json(
            &cards,
            &grades,
            args,
            &below,
            &loaded.diagnostics,
            offline,
        ))?;
    } else if markdown {
        print!(
            "{}",
            to_markdown(&catalog, &cards, &grades, args, &below, offline)
        );
    } else {
        print!(
            "{}",
            to_text(&cards, &grades, args, &below, offline, &Style::for_stdout())
        );
    }
    if errors > 0 {
        super::print_diagnostic(&format!(
            "greenroom: {errors} scorecard file problem(s); those scorecards were not graded"
        ));
        return Ok(1);
    }
    Ok(u8::from(!below.is_empty()))
}

fn level_names(cards: &[Scorecard]) -> String {
    let mut names: Vec<&str> = cards
        .iter()
        .flat_map(|c| c.levels.iter().map(String::as_str))
        .collect();
    names.dedup();
    if names.is_empty() {
        "none; the scorecards use points only".into()
    } else {
        names.join(", ")
    }
}

fn grade(cards: &[Scorecard], entities: &[&Entity], inputs: &Inputs) -> Vec<Grade> {
    let mut out = Vec::new();
    for e in entities {
        out.extend(scorecard::grade_entity(cards, e, inputs));
    }
    out
}

/// Fetches the live facts the live rules need, once, then grades.
fn grade_live(
    ctx: &Context,
    demo: bool,
    catalog: &Catalog,
    cards: &[Scorecard],
    entities: &[&Entity],
) -> Result<Vec<Grade>, Failure> {
    let rt = super::status::runtime()?;
    rt.block_on(async {
        let (config, _upstream) = if demo {
            let (upstream, config) = crate::status::fake::start_demo(catalog)
                .await
                .map_err(|e| Failure::failed(format!("cannot start the demo upstream: {e}")))?;
            (config, Some(upstream))
        } else {
            (ctx.config.status.clone(), None)
        };
        let service = StatusService::start(config);
        // Only entities a live scorecard grades need fetching.
        let offline_inputs = Inputs {
            catalog,
            live: &NoLive,
            repo: &LocalRepos,
        };
        let mut targets = Vec::new();
        for e in entities {
            if cards
                .iter()
                .any(|c| c.uses_live() && scorecard::applies(c, e, &offline_inputs))
            {
                targets.extend(scorecard::facts::live_targets(e, service.config()));
            }
        }
        targets.sort_by(|a, b| a.id.cmp(&b.id));
        targets.dedup_by(|a, b| a.id == b.id);
        if !targets.is_empty() {
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                eprint!("fetching {} live source(s)…", targets.len());
            }
            service.fetch_once(&targets).await;
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                eprint!("\r\x1b[2K");
            }
        }
        let live = StoreLive {
            store: service.store(),
            config: service.config(),
            now: tokio::time::Instant::now(),
        };
        let inputs = Inputs {
            catalog,
            live: &live as &dyn LiveFacts,
            repo: &LocalRepos,
        };
        Ok(grade(cards, entities, &inputs))
    })
}

fn mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "✓",
        Outcome::Fail => "✗",
        Outcome::Unknown => "?",
        Outcome::Skip => "–",
    }
}

fn level_label(card: &Scorecard, g: &Grade) -> String {
    if card.levels.is_empty() {
        format!("{}%", g.percent())
    } else {
        card.level_name(g.level).to_owned()
    }
}

fn rule_json(card: &Scorecard, r: &scorecard::RuleResult) -> Value {
    let rule = &card.rules[r.rule];
    json!({
        "id": rule.id,
        "title": rule.title,
        "level": rule.level.map(|l| card.levels[l].clone()),
        "points": rule.points,
        "outcome": r.outcome,
        "checked": rule.check.describe(),
        "found": r.found,
        "fix": rule.fix,
        "ageSeconds": r.age.map(|a| a.as_secs()),
    })
}

fn to_json(
    cards: &[Scorecard],
    grades: &[Grade],
    args: &ScorecardArgs,
    below: &[&Grade],
    diagnostics: &[Diagnostic],
    offline: bool,
) -> Value {
    json!({
        "offline": offline,
        "scorecards": cards.iter().map(|c| json!({
            "id": c.id,
            "title": c.title,
            "levels": c.levels,
            "origin": c.origin,
            "unknown": c.unknown,
        })).collect::<Vec<_>>(),
        "grades": grades.iter().map(|g| {
            let card = &cards[g.scorecard];
            let next = g.next_level(card).map(|(l, rules)| json!({
                "level": card.levels[l],
                "rules": rules.iter().map(|r| card.rules[r.rule].id.clone()).collect::<Vec<_>>(),
            }));
            json!({
                "entityRef": g.entity,
                "scorecard": card.id,
                "level": card.level_name(g.level),
                "points": g.points,
                "possible": g.possible,
                "percent": g.percent(),
                "next": next,
                "rules": g.results.iter().map(|r| rule_json(card, r)).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
        "failBelow": args.fail_below,
        "below": below.iter().map(|g| json!({"entityRef": g.entity, "scorecard": cards[g.scorecard].id, "level": cards[g.scorecard].level_name(g.level)})).collect::<Vec<_>>(),
        "diagnostics": diagnostics,
    })
}

/// Human output: one block per graded entity; every rule for a single entity, else only what
/// does not pass.
fn to_text(
    cards: &[Scorecard],
    grades: &[Grade],
    args: &ScorecardArgs,
    below: &[&Grade],
    offline: bool,
    style: &Style,
) -> String {
    let mut out = String::new();
    let all_rules = args.reference.is_some();
    if offline {
        out.push_str(&style.dim("offline: live rules are unknown\n"));
    }
    if grades.is_empty() {
        out.push_str("no entity is graded by these scorecards\n");
    }
    let mut last = "";
    for g in grades {
        let card = &cards[g.scorecard];
        if g.entity != last {
            out.push_str(&format!("{}\n", style.bold(&sanitize_line(&g.entity))));
            last = &g.entity;
        }
        out.push_str(&format!(
            "  {}: {} ({}/{} points)\n",
            sanitize_line(&card.title),
            style.accent(&level_label(card, g)),
            g.points,
            g.possible
        ));
        for r in &g.results {
            if !all_rules && matches!(r.outcome, Outcome::Pass | Outcome::Skip) {
                continue;
            }
            let rule = &card.rules[r.rule];
            let level = rule
                .level
                .map(|l| format!("[{}] ", card.levels[l]))
                .unwrap_or_default();
            let m = match r.outcome {
                Outcome::Fail => style.error(mark(r.outcome)),
                Outcome::Unknown => style.warning(mark(r.outcome)),
                o => mark(o).to_owned(),
            };
            out.push_str(&format!("    {m} {level}{}", sanitize_line(&rule.title)));
            if !r.found.is_empty() {
                out.push_str(&format!(": {}", sanitize_line(&r.found)));
            }
            out.push('\n');
            if r.outcome != Outcome::Pass
                && r.outcome != Outcome::Skip
                && let Some(fix) = &rule.fix
            {
                out.push_str(&format!("        fix: {}\n", sanitize_line(fix)));
            }
        }
        if let Some((next, rules)) = g.next_level(card) {
            let ids: Vec<&str> = rules
                .iter()
                .map(|r| card.rules[r.rule].id.as_str())
                .collect();
            out.push_str(&format!(
                "    next: {} needs {}\n",
                card.levels[next],
                if ids.is_empty() {
                    "nothing more".to_owned()
                } else {
                    ids.join(", ")
                }
            ));
        }
    }
    if let Some(level) = &args.fail_below {
        if below.is_empty() {
            out.push_str(&format!(
                "\nevery graded entity is at {} or above\n",
                sanitize_line(level)
            ));
        } else {
            out.push_str(&format!(
                "\n{} below {}:\n",
                style.error(&format!("{} grade(s)", below.len())),
                sanitize_line(level)
            ));
            for g in below {
                out.push_str(&format!(
                    "  {} {}: {}\n",
                    sanitize_line(&g.entity),
                    cards[g.scorecard].id,
                    cards[g.scorecard].level_name(g.level)
                ));
            }
        }
    }
    out
}

/// Escapes what would break a markdown table cell or start markup.
fn md(s: &str) -> String {
    let s = sanitize_block(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Markdown for a pull-request comment: a summary table, then what fails per entity.
fn to_markdown(
    catalog: &Catalog,
    cards: &[Scorecard],
    grades: &[Grade],
    args: &ScorecardArgs,
    below: &[&Grade],
    offline: bool,
) -> String {
    let mut out = String::from("### Scorecards\n\n");
    if let Some(level) = &args.fail_below {
        if below.is_empty() {
            out.push_str(&format!(
                "✅ Every graded entity is at **{}** or above.\n\n",
                md(level)
            ));
        } else {
            out.push_str(&format!(
                "❌ **{}** grade(s) below **{}**.\n\n",
                below.len(),
                md(level)
            ));
        }
    }
    if offline {
        out.push_str("_Graded offline: live rules are unknown._\n\n");
    }
    if grades.is_empty() {
        out.push_str("No entity is graded by these scorecards.\n");
        return out;
    }
    out.push_str("| Entity | Scorecard | Level | Points | Next |\n|---|---|---|---|---|\n");
    for g in grades {
        let card = &cards[g.scorecard];
        let name = catalog
            .get(&g.entity)
            .map_or(g.entity.as_str(), |e| e.name());
        let next = g.next_level(card).map_or_else(
            || "—".to_owned(),
            |(l, rules)| {
                let ids: Vec<String> = rules
                    .iter()
                    .map(|r| md(&card.rules[r.rule].title))
                    .collect();
                format!("{}: {}", md(&card.levels[l]), ids.join(", "))
            },
        );
        out.push_str(&format!(
            "| `{}` | {} | **{}** | {}/{} | {} |\n",
            sanitize_line(name).replace('`', "'"),
            md(&card.title),
            md(&level_label(card, g)),
            g.points,
            g.possible,
            next
        ));
    }
    let failing: Vec<&Grade> = grades
        .iter()
        .filter(|g| {
            g.results
                .iter()
                .any(|r| matches!(r.outcome, Outcome::Fail | Outcome::Unknown))
        })
        .collect();
    if !failing.is_empty() {
        out.push_str("\n<details><summary>What fails, and the fix</summary>\n\n");
        for g in failing {
            let card = &cards[g.scorecard];
            out.push_str(&format!("**{}** · {}\n\n", md(&g.entity), md(&card.title)));
            for r in g
                .results
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Unknown))
            {
                let rule = &card.rules[r.rule];
                out.push_str(&format!(
                    "- {} {}: {}",
                    if r.outcome == Outcome::Fail {
                        "❌"
                    } else {
                        "❔"
                    },
                    md(&rule.title),
                    md(&r.found)
                ));
                if let Some(fix) = &rule.fix {
                    out.push_str(&format!(" — fix: {}", md(fix)));
                }
                out.push('\n');
            }
            out.push('\n');
        }
        out.push_str("</details>\n");
    }
    out
}
