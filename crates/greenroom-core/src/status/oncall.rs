//! The on-call overview: every team (Group) with its PagerDuty services, who is on call now,
//! until when and the escalation levels, plus "my on-call" for the configured user. Pure data
//! built from the catalogue and a store snapshot; the view and the CLI only draw it.

use super::config::StatusConfig;
use super::store::{State, StatusStore};
use super::target::{Target, Widget, targets_for};
use super::value::{EscalationLevel, NamedRef, OnCallEntry, StatusValue};
use crate::catalog::{Catalog, Entity, RelationType};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnCallOverview {
    pub teams: Vec<TeamOnCall>,
    /// Services whose owner is not a Group in the catalogue.
    pub unowned: Vec<ServiceOnCall>,
    /// The configured user's shifts now (empty when no `[status] user` is set).
    pub mine: Vec<MyShift>,
    /// The `[status] user` the "mine" list is for.
    pub user: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamOnCall {
    pub team_ref: String,
    pub name: String,
    pub services: Vec<ServiceOnCall>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOnCall {
    pub entity_ref: String,
    pub name: String,
    #[serde(skip)]
    pub target: Target,
    pub state: State,
    /// Seconds since the value was fetched.
    pub age_secs: Option<u64>,
    pub error: Option<String>,
    pub escalation_policy: Option<NamedRef>,
    /// Lowest level, one entry per person.
    pub now: Vec<OnCallEntry>,
    pub levels: Vec<EscalationLevel>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MyShift {
    pub entity_ref: String,
    pub service: String,
    pub level: u32,
    pub until: Option<String>,
}

/// The on-call targets of the services in scope: the whole catalogue, one team's services, or
/// one entity. These are what the on-call view puts in `set_interest`.
pub fn oncall_targets(
    catalog: &Catalog,
    config: &StatusConfig,
    scope: Option<&Entity>,
) -> Vec<(String, Target)> {
    services_in_scope(catalog, scope)
        .into_iter()
        .filter_map(|e| {
            targets_for(e, config)
                .into_iter()
                .find(|t| t.widget == Widget::OnCall)
                .map(|t| (e.key.clone(), t))
        })
        .collect()
}

fn services_in_scope<'c>(catalog: &'c Catalog, scope: Option<&Entity>) -> Vec<&'c Entity> {
    let has_pd = |e: &Entity| {
        e.annotation(super::target::PD_SERVICE_ID).is_some()
            || e.annotation(super::target::PD_INTEGRATION_KEY).is_some()
    };
    let mut out: Vec<&Entity> = catalog
        .accepted()
        .filter(|e| has_pd(e))
        .filter(|e| match scope {
            None => true,
            Some(s) if s.is_kind("Group") => e.related(&RelationType::OwnedBy).any(|o| o == s.key),
            Some(s) => e.key == s.key,
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// How the configured user is recognised in on-call entries: PagerDuty user id or email, or
/// a catalogue User's profile email and display name.
fn user_matchers(catalog: &Catalog, user: &str) -> Vec<String> {
    let mut keys = vec![user.to_lowercase()];
    let entity = catalog
        .resolve(user)
        .ok()
        .or_else(|| catalog.resolve(&format!("user:{user}")).ok())
        .filter(|e| e.is_kind("User"));
    if let Some(e) = entity {
        if let Some(email) = e
            .spec()
            .and_then(|s| s.get("profile"))
            .and_then(|p| p.get("email"))
            .and_then(|m| m.as_str())
        {
            keys.push(email.to_lowercase());
        }
        keys.push(e.display_name().to_lowercase());
    }
    keys
}

impl OnCallOverview {
    pub fn build(
        catalog: &Catalog,
        store: &StatusStore,
        config: &StatusConfig,
        scope: Option<&Entity>,
        now: Instant,
    ) -> OnCallOverview {
        let targets = oncall_targets(catalog, config, scope);
        let entries = store.snapshot(&targets.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>());
        let mut teams: BTreeMap<String, Vec<ServiceOnCall>> = BTreeMap::new();
        let mut unowned = Vec::new();
        let matchers = config.user.as_deref().map(|u| user_matchers(catalog, u));
        let mut mine = Vec::new();
        for ((key, target), entry) in targets.into_iter().zip(entries) {
            let Some(entity) = catalog.get(&key) else {
                continue;
            };
            let (policy, people, levels) = match entry.value.as_deref() {
                Some(StatusValue::OnCall(o)) => (
                    o.escalation_policy.clone(),
                    o.entries.clone(),
                    o.levels.clone(),
                ),
                _ => (None, Vec::new(), Vec::new()),
            };
            if let Some(m) = &matchers {
                for p in &people {
                    let ids = [Some(&p.user_id), p.email.as_ref(), Some(&p.name)];
                    if ids
                        .into_iter()
                        .flatten()
                        .any(|v| m.contains(&v.to_lowercase()))
                    {
                        mine.push(MyShift {
                            entity_ref: key.clone(),
                            service: entity.display_name().to_owned(),
                            level: p.level,
                            until: p.until.clone(),
                        });
                    }
                }
            }
            let service = ServiceOnCall {
                entity_ref: key.clone(),
                name: entity.display_name().to_owned(),
                state: entry.state(now),
                age_secs: entry.age(now).map(|a: Duration| a.as_secs()),
                error: entry.error.as_ref().map(|e| e.message.clone()),
                target,
                escalation_policy: policy,
                now: people,
                levels,
            };
            let owner = entity
                .related(&RelationType::OwnedBy)
                .find(|o| catalog.get(o).is_some_and(|g| g.is_kind("Group")));
            match owner {
                Some(o) => teams.entry(o.to_owned()).or_default().push(service),
                None => unowned.push(service),
            }
        }
        OnCallOverview {
            teams: teams
                .into_iter()
                .map(|(team_ref, services)| TeamOnCall {
                    name: catalog
                        .get(&team_ref)
                        .map_or_else(|| team_ref.clone(), |g| g.display_name().to_owned()),
                    team_ref,
                    services,
                })
                .collect(),
            unowned,
            mine,
            user: config.user.clone(),
        }
    }
}
