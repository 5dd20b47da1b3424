//! Scorecards in the portal: the cards (files or the demo's, plus Port's from the catalogue),
//! the graded board behind the `level:` filter, the team view and the overview, and the rows
//! those views show. The board is graded again only when the catalogue changes, or when live
//! facts changed while a view that shows them is open: a redraw alone never re-grades.

use super::rows::{Piece, Row};
use crate::catalog::{Catalog, Diagnostic, Entity};
use crate::scorecard::{
    self, Board, Grade, Inputs, Outcome, Scorecard, StoreLive, TeamRow, facts::LocalRepos,
};
use crate::text::sanitize_line;
use crate::tui::theme::Role;
use std::sync::Arc;

/// The actions the table routes here: the Scorecards tab and the overview.
pub fn act(app: &mut crate::tui::app::App, action: crate::tui::action::Action) {
    use crate::tui::action::Action;
    use crate::tui::app::Screen;
    match action {
        Action::Scorecards if !matches!(app.screen(), Screen::Scorecards { .. }) => {
            app.push(Screen::Scorecards {
                cursor: 0,
                scroll: 0,
                filter: String::new(),
            });
        }
        Action::ScorecardsTab => app.switch_tab(Some(super::rows::Tab::Scorecards), 0),
        _ => {}
    }
}

#[derive(Default)]
pub struct Scores {
    /// Scorecards from files (the config's, or the demo's).
    file_cards: Vec<Scorecard>,
    /// Their content's fingerprint: sessions with the same files share gradings.
    cards_key: u64,
    /// Where the grading is done and kept: the hub's, shared by every session (a session
    /// takes its hub's when it starts; an app alone has one of its own).
    pub shared: greenroom_hub::scores::ScoreService,
    pub diagnostics: Vec<Diagnostic>,
    pub cards: Arc<Vec<Scorecard>>,
    pub board: Option<Arc<Board>>,
    pub teams: Arc<Vec<TeamRow>>,
    /// What the board was graded for: the catalogue and the status store's version.
    graded_for: Option<(usize, u64)>,
    /// Gradings of the whole catalogue so far (the overview must not add any on redraw).
    pub gradings: u64,
}

impl Scores {
    pub fn new(loaded: scorecard::Loaded) -> Scores {
        Scores {
            cards_key: greenroom_hub::scores::fingerprint(&loaded.cards),
            file_cards: loaded.cards,
            diagnostics: loaded.diagnostics,
            ..Scores::default()
        }
    }

    pub fn uses_live(&self) -> bool {
        self.cards.iter().any(Scorecard::uses_live)
    }

    /// Grades the catalogue again when it changed, or (with `live_version`) when the live
    /// facts did. Returns whether the board changed.
    pub fn ensure(
        &mut self,
        catalog: &Arc<Catalog>,
        live: &crate::tui::live::Live,
        live_version: Option<u64>,
    ) -> bool {
        let cat = Arc::as_ptr(catalog) as usize;
        let version = match (live_version, self.graded_for) {
            (Some(v), _) if self.uses_live() => v,
            (_, Some((c, v))) if c == cat => v,
            _ => live.store().version(),
        };
        if self.graded_for == Some((cat, version)) {
            return false;
        }
        let live_facts = StoreLive {
            store: live.store(),
            config: live.config(),
            now: live.now(),
        };
        let (graded, fresh) = self.shared.graded(
            &self.file_cards,
            self.cards_key,
            catalog,
            version,
            &live_facts,
            &LocalRepos,
        );
        if fresh {
            self.gradings += 1;
        }
        self.graded_for = Some((cat, version));
        let changed = self
            .board
            .as_deref()
            .is_none_or(|b| b.grades != graded.board.grades);
        self.cards = graded.cards.clone();
        self.board = Some(graded.board.clone());
        self.teams = graded.teams.clone();
        changed
    }
}

fn piece(text: impl Into<String>, role: Role) -> Piece {
    Piece {
        text: text.into(),
        role,
    }
}

fn line(pieces: Vec<Piece>) -> Row {
    Row {
        pieces,
        ..Row::default()
    }
}

/// The theme role of a level: the base level is an error, the top level ok, the rest a
/// warning (the level's name is always written too: state is never colour alone).
pub fn level_role(card: &Scorecard, level: Option<usize>) -> Role {
    match level {
        None => Role::Error,
        Some(l) if l + 1 == card.levels.len() => Role::Ok,
        Some(_) => Role::Warn,
    }
}

fn mark(o: Outcome) -> (&'static str, Role) {
    match o {
        Outcome::Pass => ("✓", Role::Ok),
        Outcome::Fail => ("✗", Role::Error),
        Outcome::Unknown => ("?", Role::Warn),
        Outcome::Skip => ("–", Role::Muted),
    }
}

/// Words wrapped to `width` columns (rows are drawn one line each).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const TEXT_WIDTH: usize = 68;

fn level_text(card: &Scorecard, g: &Grade) -> String {
    if card.levels.is_empty() {
        format!("{}%", g.percent())
    } else {
        card.level_name(g.level).to_owned()
    }
}

/// The Scorecards tab of an entity: per scorecard its level, the next level and what it takes,
/// then the rules grouped by level with pass/fail/unknown, what was found and the fix.
pub fn entity_rows(cards: &[Scorecard], grades: &[Grade], no_cards: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    if no_cards {
        rows.push(line(vec![piece(
            "No scorecards are configured.",
            Role::Text,
        )]));
        rows.push(line(vec![piece(
            "Add [[scorecards]] path = \"...\" to config.toml (README: Scorecards).",
            Role::Muted,
        )]));
        return rows;
    }
    if grades.is_empty() {
        rows.push(line(vec![piece(
            "No scorecard applies to this entity.",
            Role::Muted,
        )]));
        return rows;
    }
    for g in grades {
        let card = &cards[g.scorecard];
        if !rows.is_empty() {
            rows.push(Row::default());
        }
        rows.push(line(vec![
            piece(sanitize_line(&card.title).into_owned(), Role::Title),
            piece("  ", Role::Text),
            piece(level_text(card, g), level_role(card, g.level)),
            piece(
                format!("  · {}/{} points", g.points, g.possible),
                Role::Muted,
            ),
        ]));
        match g.next_level(card) {
            Some((next, blocking)) => {
                let titles: Vec<String> = blocking
                    .iter()
                    .map(|r| sanitize_line(&card.rules[r.rule].title).into_owned())
                    .collect();
                let text = format!(
                    "next: {} needs {}",
                    card.levels[next],
                    if titles.is_empty() {
                        "nothing more".into()
                    } else {
                        titles.join(", ")
                    }
                );
                for (i, l) in wrap(&text, TEXT_WIDTH).into_iter().enumerate() {
                    let indent = if i == 0 { "  " } else { "        " };
                    rows.push(line(vec![piece(format!("{indent}{l}"), Role::Accent)]));
                }
            }
            None if !card.levels.is_empty() => {
                rows.push(line(vec![piece("  the top level", Role::Ok)]));
            }
            None => {}
        }
        // Rules grouped by level, lowest first; a points-only card in one group.
        let groups: Vec<Option<usize>> = if card.levels.is_empty() {
            vec![None]
        } else {
            (0..card.levels.len()).map(Some).collect()
        };
        for level in groups {
            let in_level: Vec<&scorecard::RuleResult> = g
                .results
                .iter()
                .filter(|r| card.rules[r.rule].level == level)
                .collect();
            if in_level.is_empty() {
                continue;
            }
            if let Some(l) = level {
                rows.push(line(vec![piece(
                    format!("  {}", sanitize_line(&card.levels[l])),
                    Role::Muted,
                )]));
            }
            for r in in_level {
                let rule = &card.rules[r.rule];
                let (m, role) = mark(r.outcome);
                let mut pieces = vec![
                    piece(format!("    {m} "), role),
                    piece(sanitize_line(&rule.title).into_owned(), Role::Text),
                ];
                let passing = matches!(r.outcome, Outcome::Pass | Outcome::Skip);
                if passing && !r.found.is_empty() {
                    pieces.push(piece(format!("  {}", sanitize_line(&r.found)), Role::Muted));
                }
                rows.push(line(pieces));
                if passing {
                    continue;
                }
                let checked = format!("checked: {}", rule.check.describe());
                let found = format!("found: {}", r.found);
                let mut extra = vec![(checked, Role::Muted), (found, role)];
                if let Some(fix) = &rule.fix {
                    extra.push((format!("fix: {fix}"), Role::Accent));
                }
                for (text, role) in extra {
                    for (i, l) in wrap(&sanitize_line(&text), TEXT_WIDTH - 4)
                        .into_iter()
                        .enumerate()
                    {
                        let indent = if i == 0 { "        " } else { "          " };
                        rows.push(line(vec![piece(format!("{indent}{l}"), role)]));
                    }
                }
            }
        }
    }
    rows
}

/// The team view (a Group's Scorecards tab): everything it owns, sub-groups included, graded;
/// per scorecard the spread of levels, then each entity worst first (Enter opens it).
pub fn team_rows(catalog: &Catalog, board: Option<&Board>, group: &Entity) -> Vec<Row> {
    let mut rows = Vec::new();
    let Some(board) = board else {
        rows.push(line(vec![piece("Grading…", Role::Muted)]));
        return rows;
    };
    let owned = scorecard::owned_transitively(catalog, &group.key);
    let graded: Vec<&Grade> = owned.iter().flat_map(|k| board.of(k)).collect();
    rows.push(line(vec![piece(
        format!(
            "{} owned, sub-groups included · {} graded",
            owned.len(),
            graded
                .iter()
                .map(|g| &g.entity)
                .collect::<std::collections::HashSet<_>>()
                .len()
        ),
        Role::Muted,
    )]));
    if graded.is_empty() {
        rows.push(line(vec![piece(
            "No scorecard applies to anything this group owns.",
            Role::Muted,
        )]));
        return rows;
    }
    for (ci, card) in board.cards.iter().enumerate() {
        let mut of_card: Vec<&Grade> = graded
            .iter()
            .copied()
            .filter(|g| g.scorecard == ci)
            .collect();
        if of_card.is_empty() {
            continue;
        }
        of_card.sort_by(|a, b| {
            a.level
                .cmp(&b.level)
                .then(a.percent().cmp(&b.percent()))
                .then(a.entity.cmp(&b.entity))
        });
        rows.push(Row::default());
        let mut head = vec![piece(sanitize_line(&card.title).into_owned(), Role::Title)];
        if !card.levels.is_empty() {
            let mut counts = vec![0usize; card.levels.len() + 1];
            for g in &of_card {
                counts[g.level.map_or(0, |l| l + 1)] += 1;
            }
            for (i, n) in counts.iter().enumerate().rev() {
                if *n > 0 {
                    let level = i.checked_sub(1);
                    head.push(piece(
                        format!("  {n} {}", card.level_name(level)),
                        level_role(card, level),
                    ));
                }
            }
        }
        rows.push(line(head));
        for g in of_card {
            let name = catalog
                .get(&g.entity)
                .map_or(g.entity.as_str(), |e| e.name());
            let level = level_text(card, g);
            let next = g.next_level(card).map(|(_, b)| b.len());
            let mut pieces = vec![
                piece("  ", Role::Text),
                piece(format!("{:<8}", level), level_role(card, g.level)),
                piece(format!(" {}", sanitize_line(name)), Role::Text),
            ];
            if let Some(n) = next {
                pieces.push(piece(
                    format!(
                        "  {n} rule{} to the next level",
                        if n == 1 { "" } else { "s" }
                    ),
                    Role::Muted,
                ));
            }
            rows.push(Row {
                target: Some(g.entity.clone()),
                ..line(pieces)
            });
        }
    }
    rows
}

/// Column width of a scorecard in the overview: what the terminal's width leaves, shared.
fn cell_width(cards: usize, width: u16) -> usize {
    let room = usize::from(width.max(40)).saturating_sub(TEAM_COLUMN + 4);
    (room / cards.max(1)).clamp(10, 24)
}
/// Column width of the team names in the overview.
pub const TEAM_COLUMN: usize = 22;

fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        format!("{s:<width$}")
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The overview's column headings: the scorecards' titles.
pub fn overview_header(cards: &[Scorecard], width: u16) -> String {
    let cell = cell_width(cards.len(), width);
    let mut s = format!("  {}", fit("team", TEAM_COLUMN));
    for c in cards {
        s.push_str(&fit(&sanitize_line(&c.title), cell - 1));
        s.push(' ');
    }
    s
}

/// Teams × scorecards, worst first: each cell the lowest level of what the team owns and how
/// many of its graded entities are at the top (points-only cards: the mean percentage).
pub fn overview_rows(
    catalog: &Catalog,
    cards: &[Scorecard],
    teams: &[TeamRow],
    width: u16,
) -> Vec<Row> {
    let cell = cell_width(cards.len(), width);
    if cards.is_empty() {
        return vec![
            line(vec![piece("No scorecards are configured.", Role::Text)]),
            line(vec![piece(
                "Add [[scorecards]] path = \"...\" to config.toml (README: Scorecards).",
                Role::Muted,
            )]),
        ];
    }
    if teams.is_empty() {
        return vec![line(vec![piece(
            "No team owns anything a scorecard grades.",
            Role::Muted,
        )])];
    }
    teams
        .iter()
        .map(|t| {
            let name = catalog.get(&t.group).map_or(t.group.as_str(), |g| g.name());
            let mut pieces = vec![piece(
                format!("{} ", fit(&sanitize_line(name), TEAM_COLUMN - 1)),
                Role::Text,
            )];
            for (ci, team_cell) in t.cells.iter().enumerate() {
                let card = &cards[ci];
                match team_cell {
                    None => pieces.push(piece(fit("·", cell), Role::Muted)),
                    Some(c) if card.levels.is_empty() => {
                        let mean = c.mean_percent.round() as u32;
                        let role = match mean {
                            100 => Role::Ok,
                            50..=99 => Role::Warn,
                            _ => Role::Error,
                        };
                        pieces.push(piece(fit(&format!("{mean}% avg"), cell), role));
                    }
                    Some(c) => {
                        let top = c.per_level.last().copied().unwrap_or(0);
                        let text = format!("{} {top}/{}", card.level_name(c.worst), c.graded);
                        pieces.push(piece(fit(&text, cell), level_role(card, c.worst)));
                    }
                }
            }
            Row {
                target: Some(t.group.clone()),
                ..line(pieces)
            }
        })
        .collect()
}

/// The status targets live scorecard rules read for these entities (those a live scorecard
/// grades), at most [`crate::limits::SCORECARD_LIVE_TARGETS`] of them.
pub fn live_targets<'a>(
    cards: &[Scorecard],
    catalog: &Catalog,
    entities: impl Iterator<Item = &'a Entity>,
    config: &crate::status::StatusConfig,
) -> Vec<crate::status::Target> {
    let live: Vec<&Scorecard> = cards.iter().filter(|c| c.uses_live()).collect();
    if live.is_empty() {
        return Vec::new();
    }
    let inputs = Inputs {
        catalog,
        live: &scorecard::NoLive,
        repo: &LocalRepos,
    };
    let mut out = Vec::new();
    for e in entities {
        if live.iter().any(|c| scorecard::applies(c, e, &inputs)) {
            out.extend(scorecard::facts::live_targets(e, config));
            if out.len() >= crate::limits::SCORECARD_LIVE_TARGETS {
                out.truncate(crate::limits::SCORECARD_LIVE_TARGETS);
                break;
            }
        }
    }
    out
}
