//! PagerDuty REST v2: the service (by id, or by integration key as the Backstage plugin finds
//! it), who is on call now for its escalation policy (lowest level, users de-duplicated), and
//! its open incidents of any age (`date_range=all`).

use super::{FetchContext, FetchFuture, Fetched, Fetcher, enc, wrong_query};
use crate::status::http::{Api, AuthStyle, FetchError, GetOptions};
use crate::status::target::{PdService, Query, Source, Target, Widget};
use crate::status::time::{parse_rfc3339, unix_now};
use crate::status::value::{
    EscalationLevel, Incident, NamedRef, OnCall, OnCallEntry, PdServiceStatus, StatusValue,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

pub struct PagerDuty;

const ACCEPT: &str = "application/vnd.pagerduty+json;version=2";

impl Fetcher for PagerDuty {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a> {
        Box::pin(async move {
            let Query::PagerDuty { service } = &target.query else {
                return Err(wrong_query(target));
            };
            let api = Api::new(
                &cx.http,
                &cx.config,
                Source::PagerDuty,
                AuthStyle::PagerDuty,
            )?
            .header("accept", ACCEPT);
            api.require_token()?;
            // Several widgets of one service (and services sharing a policy) read the same
            // documents: share them for half the shortest interval.
            let share = cx
                .config
                .interval(Source::PagerDuty, Widget::Incidents)
                .min(cx.config.interval(Source::PagerDuty, Widget::OnCall))
                / 2;
            match target.widget {
                Widget::OnCall => {
                    let svc = find_service(&api, service, share).await?;
                    oncall(&api, &svc, share).await
                }
                Widget::Incidents => {
                    let id = match service {
                        PdService::Id(id) => id.clone(),
                        PdService::IntegrationKey(_) => {
                            str_at(&find_service(&api, service, share).await?, "/id")
                        }
                    };
                    incidents(&api, &id).await.map(Fetched::new)
                }
                Widget::Service => {
                    let svc = find_service(&api, service, share).await?;
                    Ok(Fetched::new(StatusValue::Service(PdServiceStatus {
                        id: str_at(&svc, "/id"),
                        name: str_at(&svc, "/name"),
                        status: str_at(&svc, "/status"),
                        url: opt_str(&svc, "/html_url"),
                        escalation_policy: policy_of(&svc),
                    })))
                }
                _ => Err(wrong_query(target)),
            }
        })
    }
}

fn str_at(v: &Value, ptr: &str) -> String {
    opt_str(v, ptr).unwrap_or_default()
}

fn opt_str(v: &Value, ptr: &str) -> Option<String> {
    v.pointer(ptr).and_then(Value::as_str).map(str::to_owned)
}

pub fn policy_of(svc: &Value) -> Option<NamedRef> {
    let ep = svc.get("escalation_policy")?;
    Some(NamedRef {
        id: opt_str(ep, "/id")?,
        name: opt_str(ep, "/name")
            .or_else(|| opt_str(ep, "/summary"))
            .unwrap_or_default(),
        url: opt_str(ep, "/html_url"),
    })
}

async fn find_service(
    api: &Api<'_>,
    service: &PdService,
    share: Duration,
) -> Result<Value, FetchError> {
    let opts = GetOptions {
        etag: false,
        share_for: Some(share),
    };
    match service {
        PdService::Id(id) => {
            let path = format!(
                "/services/{}?time_zone=UTC&include[]=escalation_policies",
                super::enc_segment(id)
            );
            let v: Value = api.get_json(&path, opts).await?;
            v.get("service")
                .cloned()
                .ok_or_else(|| FetchError::Decode("no \"service\" in the response".into()))
        }
        PdService::IntegrationKey(key) => {
            let path = format!(
                "/services?query={}&time_zone=UTC&include[]=integrations&include[]=escalation_policies",
                enc(key)
            );
            let v: Value = api.get_json(&path, opts).await?;
            let services = v
                .get("services")
                .and_then(Value::as_array)
                .ok_or_else(|| FetchError::Decode("no \"services\" in the response".into()))?;
            // `query` matches names too; prefer the service whose integration has the key.
            let exact = services.iter().find(|s| {
                s.get("integrations")
                    .and_then(Value::as_array)
                    .is_some_and(|i| {
                        i.iter()
                            .any(|i| i.get("integration_key").and_then(Value::as_str) == Some(key))
                    })
            });
            exact
                .or(services.first())
                .cloned()
                .ok_or(FetchError::Status {
                    status: 404,
                    message: "no PagerDuty service has this integration key".into(),
                })
        }
    }
}

async fn oncall(api: &Api<'_>, svc: &Value, share: Duration) -> Result<Fetched, FetchError> {
    let policy = policy_of(svc)
        .ok_or_else(|| FetchError::Decode("the service has no escalation policy".into()))?;
    let path = format!(
        "/oncalls?time_zone=UTC&include[]=users&escalation_policy_ids[]={}&limit=100",
        enc(&policy.id)
    );
    let v: Value = api
        .get_json(
            &path,
            GetOptions {
                etag: false,
                share_for: Some(share),
            },
        )
        .await?;
    let list = v
        .get("oncalls")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchError::Decode("no \"oncalls\" in the response".into()))?;
    let all: Vec<OnCallEntry> = list.iter().filter_map(entry).collect();
    let value = lowest_level(all, svc, policy);
    // Look again just after the current shift ends, if that is before the interval.
    let next_in = value
        .entries
        .iter()
        .filter_map(|e| e.until.as_deref().and_then(parse_rfc3339))
        .map(|end| end - unix_now() + 5.0)
        .filter(|s| *s > 0.0)
        .reduce(f64::min)
        .map(Duration::from_secs_f64);
    Ok(Fetched {
        value: StatusValue::OnCall(value),
        next_in,
    })
}

pub fn entry(o: &Value) -> Option<OnCallEntry> {
    let user = o.get("user")?;
    Some(OnCallEntry {
        user_id: opt_str(user, "/id")?,
        name: opt_str(user, "/name")
            .or_else(|| opt_str(user, "/summary"))
            .unwrap_or_default(),
        email: opt_str(user, "/email"),
        level: o
            .get("escalation_level")
            .and_then(Value::as_u64)
            .unwrap_or(1) as u32,
        schedule: opt_str(o, "/schedule/summary"),
        start: opt_str(o, "/start"),
        until: opt_str(o, "/end"),
        url: opt_str(user, "/html_url"),
    })
}

/// The Backstage backend's rule: the lowest escalation level only, sorted by name, each user
/// once. All levels are kept, by name, for the escalation column.
pub fn lowest_level(mut all: Vec<OnCallEntry>, svc: &Value, policy: NamedRef) -> OnCall {
    all.sort_by(|a, b| (a.level, &a.name, &a.user_id).cmp(&(b.level, &b.name, &b.user_id)));
    let mut levels: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for e in &all {
        let names = levels.entry(e.level).or_default();
        if !names.contains(&e.name) {
            names.push(e.name.clone());
        }
    }
    let lowest = all.first().map(|e| e.level);
    let mut entries: Vec<OnCallEntry> = Vec::new();
    for e in all.into_iter().filter(|e| Some(e.level) == lowest) {
        match entries.iter_mut().find(|x| x.user_id == e.user_id) {
            // The same person on two schedules: keep the shift that lasts longest.
            Some(x) => {
                if later(e.until.as_deref(), x.until.as_deref()) {
                    x.until = e.until;
                }
            }
            None => entries.push(e),
        }
    }
    OnCall {
        service: Some(NamedRef {
            id: str_at(svc, "/id"),
            name: str_at(svc, "/name"),
            url: opt_str(svc, "/html_url"),
        }),
        escalation_policy: Some(policy),
        entries,
        levels: levels
            .into_iter()
            .map(|(level, names)| EscalationLevel { level, names })
            .collect(),
    }
}

fn later(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, _) => true, // permanent
        (_, None) => false,
        (Some(a), Some(b)) => parse_rfc3339(a) > parse_rfc3339(b),
    }
}

async fn incidents(api: &Api<'_>, service_id: &str) -> Result<StatusValue, FetchError> {
    // `date_range=all`: without it an incident opened over a month ago and still open is not
    // returned (the default window is one month).
    let path = format!(
        "/incidents?time_zone=UTC&sort_by=created_at:desc&date_range=all&statuses[]=triggered&statuses[]=acknowledged&service_ids[]={}&limit=100",
        enc(service_id)
    );
    let v: Value = api.get_json(&path, GetOptions::default()).await?;
    let list = v
        .get("incidents")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchError::Decode("no \"incidents\" in the response".into()))?;
    Ok(StatusValue::Incidents(
        list.iter()
            .map(|i| Incident {
                id: str_at(i, "/id"),
                number: i.get("incident_number").and_then(Value::as_u64),
                title: opt_str(i, "/title")
                    .or_else(|| opt_str(i, "/summary"))
                    .unwrap_or_default(),
                status: str_at(i, "/status"),
                urgency: opt_str(i, "/urgency").unwrap_or_else(|| "high".into()),
                priority: opt_str(i, "/priority/summary"),
                created_at: str_at(i, "/created_at"),
                url: opt_str(i, "/html_url"),
                assignees: i
                    .get("assignments")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|a| opt_str(a, "/assignee/summary"))
                    .collect(),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_level_dedupes_users_from_the_real_payload() {
        let v: Value = serde_json::from_str(include_str!(
            "../../../../../tests/fixtures/status/pagerduty-oncalls-include-users.json"
        ))
        .unwrap();
        let mut all: Vec<OnCallEntry> = v["oncalls"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(entry)
            .collect();
        // The same user again on another schedule at the same level, and someone at level 3.
        let mut dup = all[0].clone();
        dup.schedule = Some("Another rotation".into());
        all.push(dup);
        let mut higher = all[0].clone();
        higher.user_id = "PHIGHER".into();
        higher.level = 9;
        all.push(higher);
        let svc = serde_json::json!({"id": "PIJ90N7", "name": "My Application Service"});
        let policy = NamedRef {
            id: "PT20YPA".into(),
            name: "Engineering Escalation Policy".into(),
            url: None,
        };
        let oc = lowest_level(all, &svc, policy);
        let lowest = oc.entries[0].level;
        assert!(oc.entries.iter().all(|e| e.level == lowest));
        let mut ids: Vec<&str> = oc.entries.iter().map(|e| e.user_id.as_str()).collect();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "each user once");
        assert!(
            oc.entries.iter().any(|e| e.email.is_some()),
            "include[]=users read"
        );
        assert_eq!(oc.levels.last().unwrap().level, 9);
    }
}
