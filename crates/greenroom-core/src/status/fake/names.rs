//! What the fake learns from a catalogue so its data reads like the demo's: service names and
//! teams for PagerDuty ids, which alerts belong to which service. Without a catalogue every id
//! still gets plausible data.

use crate::catalog::{Catalog, RelationType};
use crate::status::target::{PD_INTEGRATION_KEY, PD_SERVICE_ID, PROM_ALERT, PROM_RULE};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default)]
pub struct FakeNames {
    /// PagerDuty service id → (name, team).
    pd: BTreeMap<String, (String, Option<String>)>,
    /// Integration key → service id.
    pd_keys: BTreeMap<String, String>,
    /// Prometheus query → service name.
    prom: BTreeMap<String, String>,
    /// (alert name, service).
    alerts: BTreeSet<(String, String)>,
}

const DEFAULT_ALERTS: [(&str, &str); 3] = [
    ("HighErrorRate", "encore"),
    ("HighLatency", "encore"),
    ("PodCrashLooping", "encore"),
];

impl FakeNames {
    pub fn from_catalog(catalog: &Catalog) -> FakeNames {
        let mut n = FakeNames::default();
        for e in catalog.accepted() {
            let name = e.display_name().to_owned();
            let team = e
                .related(&RelationType::OwnedBy)
                .next()
                .and_then(|o| catalog.get(o))
                .map(|g| g.display_name().to_owned());
            let id = e.annotation(PD_SERVICE_ID).map(str::to_owned);
            let key = e.annotation(PD_INTEGRATION_KEY);
            if let Some(key) = key {
                let id = id
                    .clone()
                    .unwrap_or_else(|| format!("PS{:05X}", super::data::hash(&[key]) % 0xFFFFF));
                n.pd_keys.insert(key.to_owned(), id);
            }
            if let Some(id) = id.or_else(|| key.and_then(|k| n.pd_keys.get(k).cloned())) {
                n.pd.insert(id, (name.clone(), team));
            }
            for rule in e
                .annotation(PROM_RULE)
                .into_iter()
                .flat_map(|r| r.split(','))
            {
                let q = rule.split('|').next().unwrap_or("").trim();
                if !q.is_empty() {
                    n.prom.insert(q.to_owned(), e.name().to_owned());
                }
            }
            if let Some(alerts) = e.annotation(PROM_ALERT) {
                let names: Vec<&str> = if alerts.trim().eq_ignore_ascii_case("all") {
                    DEFAULT_ALERTS.iter().map(|(a, _)| *a).collect()
                } else {
                    alerts
                        .split(',')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .collect()
                };
                for a in names {
                    n.alerts.insert((a.to_owned(), e.name().to_owned()));
                }
            }
        }
        n
    }

    pub fn pd_name(&self, id: &str) -> Option<String> {
        self.pd.get(id).map(|(n, _)| n.clone())
    }

    pub fn pd_team(&self, id: &str) -> Option<String> {
        self.pd.get(id).and_then(|(_, t)| t.clone())
    }

    pub fn pd_id_for_key(&self, key: &str) -> Option<String> {
        self.pd_keys.get(key).cloned()
    }

    /// The policy's name, when a known team has that policy id.
    pub fn pd_policy_name(&self, policy_id: &str) -> Option<String> {
        self.pd
            .values()
            .filter_map(|(_, t)| t.as_ref())
            .find_map(|team| {
                (format!("PEP{:05X}", super::data::hash(&[team]) % 0xFFFFF) == policy_id)
                    .then(|| format!("{team} escalation"))
            })
    }

    pub fn prom_service(&self, query: &str) -> Option<String> {
        self.prom.get(query).cloned()
    }

    pub fn alerts(&self) -> Vec<(String, String)> {
        if self.alerts.is_empty() {
            DEFAULT_ALERTS
                .iter()
                .map(|(a, s)| ((*a).to_owned(), (*s).to_owned()))
                .collect()
        } else {
            self.alerts.iter().cloned().collect()
        }
    }
}
