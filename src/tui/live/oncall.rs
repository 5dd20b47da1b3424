//! The on-call view as rows: "my on-call" for the configured user, then every team with its
//! services, who is on call now and until when, and the escalation levels after them. Teams,
//! services and people who are catalogue users can be opened with Enter.

use crate::catalog::Catalog;
use crate::status::Entry;
use crate::status::oncall::{OnCallOverview, ServiceOnCall};
use crate::text::sanitize_line;
use crate::tui::entity::rows::Row;
use crate::tui::live::panel::{Cx, StatusRows, freshness, mark, piece, until_short, until_text};
use crate::tui::theme::Role;
use std::collections::HashMap;

/// A service's on-call summary and its store entry (for the mark and the age).
pub type ServiceLine = (ServiceOnCall, Entry);

/// Catalogue users by lower-cased email and display name, to open the person on call.
#[derive(Default)]
pub struct Users(HashMap<String, String>);

impl Users {
    pub fn of(catalog: &Catalog) -> Users {
        let mut map = HashMap::new();
        for e in catalog.accepted().filter(|e| e.is_kind("User")) {
            if let Some(email) = e
                .spec()
                .and_then(|s| s.get("profile"))
                .and_then(|p| p.get("email"))
                .and_then(|m| m.as_str())
            {
                map.insert(email.to_lowercase(), e.key.clone());
            }
            map.insert(e.display_name().to_lowercase(), e.key.clone());
        }
        Users(map)
    }

    fn find(&self, email: Option<&str>, name: &str) -> Option<&String> {
        email
            .and_then(|m| self.0.get(&m.to_lowercase()))
            .or_else(|| self.0.get(&name.to_lowercase()))
    }
}

fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// Pairs each service of the overview with its store entry.
pub fn lines(
    services: &[ServiceOnCall],
    entries: &HashMap<crate::status::TargetId, Entry>,
) -> Vec<ServiceLine> {
    services
        .iter()
        .filter_map(|s| entries.get(&s.target.id).map(|e| (s.clone(), e.clone())))
        .collect()
}

/// A service: the row to open it (state, name, who is on call now, until when, age), then
/// one row for the person on call (opens them when they are a catalogue user) and the
/// escalation levels after them.
pub fn service_rows(out: &mut StatusRows, (s, e): &ServiceLine, users: &Users, cx: &Cx) {
    let id = &s.target.id;
    let who = match (&s.error, s.now.first()) {
        (Some(err), None) => piece(format!("✖ {}", clean(err)), Role::Error),
        (_, Some(p)) => {
            let more = if s.now.len() > 1 {
                format!(" +{}", s.now.len() - 1)
            } else {
                String::new()
            };
            piece(
                crate::tui::views::pad(&format!("{}{more}", clean(&p.name)), 17),
                Role::Title,
            )
        }
        (None, None) if e.value.is_some() => piece("⚠ nobody on call", Role::Warn),
        (None, None) => piece("", Role::Muted),
    };
    let mut pieces = vec![
        mark(e, cx.now),
        piece(
            format!(" {} ", crate::tui::views::pad(&clean(&s.name), 20)),
            Role::Text,
        ),
        who,
    ];
    if let Some(p) = s.now.first() {
        pieces.push(piece(
            format!(" {}", until_short(p.until.as_deref(), cx.unix)),
            Role::Text,
        ));
    }
    pieces.push(piece(" · ", Role::Muted));
    pieces.extend(freshness(e, cx.now));
    out.rows.push(Row {
        depth: 1,
        pieces,
        target: Some(s.entity_ref.clone()),
        ..Row::default()
    });
    out.targets.push(Some(id.clone()));

    let mut levels: Vec<String> = Vec::new();
    for l in &s.levels {
        levels.push(format!(
            "L{} {}",
            l.level,
            l.names
                .iter()
                .map(|n| clean(n))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(err) = s.error.as_ref().filter(|_| !s.now.is_empty()) {
        out.rows.push(Row {
            depth: 3,
            pieces: vec![piece(
                format!("✖ {} · showing the last good value", clean(err)),
                Role::Error,
            )],
            ..Row::default()
        });
        out.targets.push(Some(id.clone()));
    }
    if levels.is_empty() {
        return;
    }
    let policy = s
        .escalation_policy
        .as_ref()
        .map(|p| format!("{}: ", clean(&p.name)))
        .unwrap_or_default();
    let person = s
        .now
        .first()
        .and_then(|p| users.find(p.email.as_deref(), &p.name));
    let mut pieces = vec![piece(
        format!("{policy}{}", levels.join(" · ")),
        Role::Muted,
    )];
    if let Some(user) = person {
        pieces.push(piece(format!("  → {}", clean(user)), Role::Link));
    }
    out.rows.push(Row {
        depth: 3,
        pieces,
        target: person.cloned(),
        ..Row::default()
    });
    out.targets.push(Some(id.clone()));
}

/// The whole view: my on-call first (when a user is configured, or `from_session`: the
/// session's own user, a `greenroom serve` SSH identity), then each team.
pub fn rows(
    catalog: &Catalog,
    overview: &OnCallOverview,
    entries: &HashMap<crate::status::TargetId, Entry>,
    users: &Users,
    cx: &Cx,
    from_session: bool,
) -> StatusRows {
    let mut out = StatusRows::default();
    let text = |out: &mut StatusRows, depth: u16, pieces| {
        out.rows.push(Row {
            depth,
            pieces,
            ..Row::default()
        });
        out.targets.push(None);
    };
    match &overview.user {
        Some(user) => {
            text(
                &mut out,
                0,
                vec![
                    piece("My on-call", Role::Title),
                    piece(
                        if from_session {
                            format!("  ({}, your SSH key)", clean(user))
                        } else {
                            format!("  ([status] user = {})", clean(user))
                        },
                        Role::Muted,
                    ),
                ],
            );
            if overview.mine.is_empty() {
                text(&mut out, 1, vec![piece("not on call now", Role::Muted)]);
            }
            for m in &overview.mine {
                out.rows.push(Row {
                    depth: 1,
                    pieces: vec![
                        piece("● ", Role::Info),
                        piece(crate::tui::views::pad(&clean(&m.service), 20), Role::Text),
                        piece(format!(" level {}  ", m.level), Role::Muted),
                        piece(until_text(m.until.as_deref(), cx.unix), Role::Text),
                    ],
                    target: Some(m.entity_ref.clone()),
                    ..Row::default()
                });
                out.targets.push(None);
            }
        }
        None if from_session => text(
            &mut out,
            0,
            vec![piece(
                "My on-call: your SSH key names no catalogue user ([serve.users] on the server)",
                Role::Muted,
            )],
        ),
        None => text(
            &mut out,
            0,
            vec![piece(
                "My on-call: set [status] user = \"your PagerDuty email\" in the config",
                Role::Muted,
            )],
        ),
    }
    let groups = overview
        .teams
        .iter()
        .map(|t| (Some(t.team_ref.as_str()), t.name.as_str(), &t.services))
        .chain((!overview.unowned.is_empty()).then_some((None, "(no team)", &overview.unowned)));
    let mut any = false;
    for (team_ref, name, services) in groups {
        any = true;
        text(&mut out, 0, Vec::new());
        let mut pieces = vec![piece(clean(name), Role::Title)];
        if let Some(r) = team_ref
            && let Some(g) = catalog.get(r)
        {
            pieces.push(piece(
                format!("  {}", clean(&g.entity_ref.short(Some("Group")))),
                Role::Muted,
            ));
        }
        pieces.push(piece(
            format!("  {} service(s)", services.len()),
            Role::Muted,
        ));
        out.rows.push(Row {
            pieces,
            target: team_ref.map(str::to_owned),
            ..Row::default()
        });
        out.targets.push(None);
        for line in self::lines(services, entries) {
            service_rows(&mut out, &line, users, cx);
        }
    }
    if !any {
        text(&mut out, 0, Vec::new());
        text(
            &mut out,
            0,
            vec![piece(
                "No services to show: annotate components with pagerduty.com/service-id or pagerduty.com/integration-key.",
                Role::Text,
            )],
        );
    }
    out
}

/// How many services have someone on call, for the title.
pub fn counts(overview: &OnCallOverview) -> (usize, usize) {
    let services = overview
        .teams
        .iter()
        .flat_map(|t| &t.services)
        .chain(&overview.unowned);
    let (mut total, mut covered) = (0, 0);
    for s in services {
        total += 1;
        if !s.now.is_empty() {
            covered += 1;
        }
    }
    (total, covered)
}
