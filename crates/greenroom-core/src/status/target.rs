//! What to fetch: a `Target` is one widget's query against one upstream, derived from an
//! entity's annotations with the Backstage conventions. Two entities that ask the same thing
//! get the same `TargetId`, so it is fetched once.

use super::config::StatusConfig;
use crate::catalog::{Entity, RelationType};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

pub const PD_SERVICE_ID: &str = "pagerduty.com/service-id";
pub const PD_INTEGRATION_KEY: &str = "pagerduty.com/integration-key";
pub const GITHUB_SLUG: &str = "github.com/project-slug";
pub const GITLAB_ID: &str = "gitlab.com/project-id";
pub const GITLAB_SLUG: &str = "gitlab.com/project-slug";
pub const ARGO_APP_NAME: &str = "argocd/app-name";
pub const ARGO_APP_SELECTOR: &str = "argocd/app-selector";
pub const ARGO_APP_NAMESPACE: &str = "argocd/app-namespace";
pub const ARGO_PROJECT: &str = "argocd/project-name";
pub const K8S_ID: &str = "backstage.io/kubernetes-id";
pub const K8S_SELECTOR: &str = "backstage.io/kubernetes-label-selector";
pub const K8S_NAMESPACE: &str = "backstage.io/kubernetes-namespace";
pub const PROM_RULE: &str = "prometheus.io/rule";
pub const PROM_ALERT: &str = "prometheus.io/alert";
pub const PROM_LABELS: &str = "prometheus.io/labels";
/// greenroom's own: the URL of a health endpoint (Spring Boot Actuator or any HTTP URL).
pub const HEALTH_URL: &str = "greenroom.dev/health-url";
/// Dotted path to the status in the JSON body (default `status`).
pub const HEALTH_JSON_PATH: &str = "greenroom.dev/health-json-path";
/// The value at that path that means healthy (default `UP`, compared case-insensitively).
pub const HEALTH_EXPECT: &str = "greenroom.dev/health-expect";

/// An upstream system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    PagerDuty,
    GitHub,
    GitLab,
    ArgoCd,
    Kubernetes,
    Prometheus,
    Health,
    Command,
}

impl Source {
    pub const ALL: [Source; 8] = [
        Source::PagerDuty,
        Source::GitHub,
        Source::GitLab,
        Source::ArgoCd,
        Source::Kubernetes,
        Source::Prometheus,
        Source::Health,
        Source::Command,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::PagerDuty => "pagerduty",
            Source::GitHub => "github",
            Source::GitLab => "gitlab",
            Source::ArgoCd => "argocd",
            Source::Kubernetes => "kubernetes",
            Source::Prometheus => "prometheus",
            Source::Health => "health",
            Source::Command => "command",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::PagerDuty => "PagerDuty",
            Source::GitHub => "GitHub",
            Source::GitLab => "GitLab",
            Source::ArgoCd => "Argo CD",
            Source::Kubernetes => "Kubernetes",
            Source::Prometheus => "Prometheus",
            Source::Health => "health check",
            Source::Command => "command",
        }
    }
}

/// What a target shows; the UI groups widgets by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Widget {
    OnCall,
    Incidents,
    Service,
    Builds,
    Deployments,
    Sync,
    Metric,
    Alerts,
    Health,
    Command,
}

impl Widget {
    pub fn as_str(self) -> &'static str {
        match self {
            Widget::OnCall => "oncall",
            Widget::Incidents => "incidents",
            Widget::Service => "service",
            Widget::Builds => "builds",
            Widget::Deployments => "deployments",
            Widget::Sync => "sync",
            Widget::Metric => "metric",
            Widget::Alerts => "alerts",
            Widget::Health => "health",
            Widget::Command => "command",
        }
    }
}

/// How a PagerDuty service is named in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PdService {
    Id(String),
    IntegrationKey(String),
}

/// The request parameters of a target.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Query {
    PagerDuty {
        service: PdService,
    },
    GitHubRuns {
        owner: String,
        repo: String,
    },
    GitLabPipelines {
        project: String,
    },
    ArgoApp {
        name: Option<String>,
        selector: Option<String>,
        namespace: Option<String>,
        project: Option<String>,
    },
    KubeDeployments {
        selector: String,
        namespace: Option<String>,
    },
    PromMetric {
        query: String,
        dimension: Option<String>,
    },
    PromAlerts {
        /// Empty means every alert (`all`).
        names: Vec<String>,
        labels: Vec<(String, String)>,
    },
    Health {
        url: String,
        json_path: String,
        expect: String,
    },
    Command {
        name: String,
        argv: Vec<String>,
    },
}

/// The identity of a target: equal queries get equal ids.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetId(Arc<str>);

impl Serialize for TargetId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl TargetId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Target {
    pub id: TargetId,
    pub source: Source,
    pub widget: Widget,
    pub query: Query,
    /// A short human label: the slug, the query, the URL.
    pub label: String,
}

impl Target {
    pub fn new(source: Source, widget: Widget, query: Query, label: impl Into<String>) -> Target {
        let params = serde_json::to_string(&query).unwrap_or_default();
        let id = format!("{}/{}:{params}", source.as_str(), widget.as_str());
        Target {
            id: TargetId(id.into()),
            source,
            widget,
            query,
            label: label.into(),
        }
    }
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Every target an entity's annotations ask for, for the sources that are enabled.
pub fn targets_for(entity: &Entity, config: &StatusConfig) -> Vec<Target> {
    let mut out = Vec::new();
    let on = |s: Source| config.resolve(s).enabled;
    let ann = |k: &str| {
        entity
            .annotation(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };

    if on(Source::PagerDuty) {
        // The Backstage plugin prefers the integration key when both are given.
        let service = ann(PD_INTEGRATION_KEY)
            .map(|k| PdService::IntegrationKey(k.to_owned()))
            .or_else(|| ann(PD_SERVICE_ID).map(|id| PdService::Id(id.to_owned())));
        if let Some(service) = service {
            let label = match &service {
                PdService::Id(id) => id.clone(),
                PdService::IntegrationKey(_) => "integration key".into(),
            };
            for w in [Widget::OnCall, Widget::Incidents, Widget::Service] {
                let q = Query::PagerDuty {
                    service: service.clone(),
                };
                out.push(Target::new(Source::PagerDuty, w, q, label.clone()));
            }
        }
    }
    if on(Source::GitHub)
        && let Some(slug) = ann(GITHUB_SLUG)
        && let Some((owner, repo)) = slug.split_once('/')
        && !owner.is_empty()
        && !repo.is_empty()
    {
        let q = Query::GitHubRuns {
            owner: owner.to_owned(),
            repo: repo.trim_end_matches('/').to_owned(),
        };
        out.push(Target::new(Source::GitHub, Widget::Builds, q, slug));
    }
    if on(Source::GitLab)
        && let Some(project) = ann(GITLAB_ID).or_else(|| ann(GITLAB_SLUG))
    {
        let q = Query::GitLabPipelines {
            project: project.to_owned(),
        };
        out.push(Target::new(Source::GitLab, Widget::Builds, q, project));
    }
    if on(Source::ArgoCd) {
        let name = ann(ARGO_APP_NAME);
        let selector = ann(ARGO_APP_SELECTOR);
        if name.is_some() || selector.is_some() {
            let q = Query::ArgoApp {
                name: name.map(String::from),
                // Roadie: one or the other; the name wins when both are set.
                selector: if name.is_some() {
                    None
                } else {
                    selector.map(String::from)
                },
                namespace: ann(ARGO_APP_NAMESPACE).map(String::from),
                project: ann(ARGO_PROJECT).map(String::from),
            };
            out.push(Target::new(
                Source::ArgoCd,
                Widget::Sync,
                q,
                name.or(selector).unwrap_or_default(),
            ));
        }
    }
    if on(Source::Kubernetes) {
        let selector = ann(K8S_SELECTOR)
            .map(String::from)
            .or_else(|| ann(K8S_ID).map(|id| format!("{K8S_ID}={id}")));
        if let Some(selector) = selector {
            let q = Query::KubeDeployments {
                selector: selector.clone(),
                namespace: ann(K8S_NAMESPACE).map(String::from),
            };
            out.push(Target::new(
                Source::Kubernetes,
                Widget::Deployments,
                q,
                selector,
            ));
        }
    }
    if on(Source::Prometheus) {
        for rule in ann(PROM_RULE).into_iter().flat_map(split_list) {
            let (query, dimension) = match rule.split_once('|') {
                Some((q, d)) => (
                    q.trim(),
                    Some(d.trim().to_owned()).filter(|d| !d.is_empty()),
                ),
                None => (rule, None),
            };
            let q = Query::PromMetric {
                query: query.to_owned(),
                dimension,
            };
            out.push(Target::new(Source::Prometheus, Widget::Metric, q, query));
        }
        if let Some(alerts) = ann(PROM_ALERT) {
            let names: Vec<String> = if alerts.eq_ignore_ascii_case("all") {
                Vec::new()
            } else {
                split_list(alerts).map(String::from).collect()
            };
            let labels = ann(PROM_LABELS)
                .into_iter()
                .flat_map(split_list)
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let q = Query::PromAlerts { names, labels };
            out.push(Target::new(Source::Prometheus, Widget::Alerts, q, alerts));
        }
    }
    if on(Source::Health)
        && let Some(url) = ann(HEALTH_URL)
        && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        let q = Query::Health {
            url: url.to_owned(),
            json_path: ann(HEALTH_JSON_PATH).unwrap_or("status").to_owned(),
            expect: ann(HEALTH_EXPECT).unwrap_or("UP").to_owned(),
        };
        out.push(Target::new(Source::Health, Widget::Health, q, url));
    }
    if config.enabled {
        for c in &config.commands {
            if let Some(argv) = command_argv(entity, c) {
                let q = Query::Command {
                    name: c.name.clone(),
                    argv,
                };
                out.push(Target::new(Source::Command, Widget::Command, q, &c.name));
            }
        }
    }
    out
}

/// The argv for a command source and an entity: each template element becomes one argument
/// (never a shell word list). `None` when the command does not apply to the entity.
fn command_argv(entity: &Entity, c: &super::config::CommandSource) -> Option<Vec<String>> {
    let kind_ok = if c.kinds.is_empty() {
        entity.is_kind("Component")
    } else {
        c.kinds.iter().any(|k| entity.is_kind(k))
    };
    if !kind_ok
        || c.annotation
            .as_deref()
            .is_some_and(|a| entity.annotation(a).is_none())
    {
        return None;
    }
    c.args
        .iter()
        .map(|a| fill_placeholders(a, entity))
        .collect()
}

fn fill_placeholders(template: &str, e: &Entity) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let key = &rest[start + 1..start + len];
        let value = match key {
            "ref" => e.key.clone(),
            "kind" => e.kind().to_owned(),
            "namespace" => e.namespace().to_owned(),
            "name" => e.name().to_owned(),
            "owner" => e.related(&RelationType::OwnedBy).next()?.to_owned(),
            k => match k.strip_prefix("annotation:") {
                Some(a) => e.annotation(a)?.to_owned(),
                None => rest[start..=start + len].to_owned(),
            },
        };
        out.push_str(&value);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::sources::{self, LoadOptions, Source as CatalogSource, files::FileSource};

    fn catalog() -> Catalog {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/status/catalog");
        let source: Box<dyn CatalogSource> = Box::new(FileSource::disk(&[dir]).unwrap());
        sources::load(
            &[source],
            &LoadOptions {
                online: false,
                ..LoadOptions::default()
            },
        )
    }

    fn everything_on() -> StatusConfig {
        let mut c = StatusConfig::default();
        for s in [&mut c.argocd, &mut c.kubernetes, &mut c.prometheus] {
            s.base_url = Some("http://127.0.0.1:1".into());
        }
        c
    }

    #[test]
    fn annotations_map_to_targets_with_backstage_conventions() {
        let catalog = catalog();
        let payments = catalog.resolve("payments").unwrap();
        let targets = targets_for(payments, &everything_on());
        let widgets: Vec<(Source, Widget)> = targets.iter().map(|t| (t.source, t.widget)).collect();
        assert_eq!(
            widgets,
            [
                (Source::PagerDuty, Widget::OnCall),
                (Source::PagerDuty, Widget::Incidents),
                (Source::PagerDuty, Widget::Service),
                (Source::GitHub, Widget::Builds),
                (Source::GitLab, Widget::Builds),
                (Source::ArgoCd, Widget::Sync),
                (Source::Kubernetes, Widget::Deployments),
                (Source::Prometheus, Widget::Metric),
                (Source::Prometheus, Widget::Metric),
                (Source::Prometheus, Widget::Alerts),
                (Source::Health, Widget::Health),
            ]
        );
        assert_eq!(
            targets[3].query,
            Query::GitHubRuns {
                owner: "encore".into(),
                repo: "payments".into()
            }
        );
        assert_eq!(
            targets[6].query,
            Query::KubeDeployments {
                selector: "backstage.io/kubernetes-id=payments".into(),
                namespace: None
            }
        );
        assert_eq!(
            targets[7].query,
            Query::PromMetric {
                query: "sum(rate(http_requests_total{service=\"payments\"}[5m]))".into(),
                dimension: Some("instance".into())
            }
        );
        assert_eq!(
            targets[9].query,
            Query::PromAlerts {
                names: vec!["HighErrorRate".into(), "HighLatency".into()],
                labels: vec![]
            }
        );
        // Equal queries, equal ids: shared targets are fetched once.
        assert_eq!(targets_for(payments, &everything_on())[0].id, targets[0].id);
        let ids: std::collections::HashSet<_> = targets.iter().map(|t| &t.id).collect();
        assert_eq!(ids.len(), targets.len());
    }

    #[test]
    fn integration_keys_win_and_self_hosted_sources_need_a_base_url() {
        let catalog = catalog();
        let checkout = catalog.resolve("checkout").unwrap();
        let targets = targets_for(checkout, &StatusConfig::default());
        assert!(matches!(
            &targets[0].query,
            Query::PagerDuty { service: PdService::IntegrationKey(k) } if k.starts_with("8f7e")
        ));
        assert!(
            targets.iter().all(|t| t.source != Source::ArgoCd),
            "no Argo CD base_url configured"
        );
        let on = targets_for(checkout, &everything_on());
        let argo = on.iter().find(|t| t.source == Source::ArgoCd).unwrap();
        assert!(
            matches!(&argo.query, Query::ArgoApp { selector: Some(s), name: None, .. } if s == "app=checkout")
        );
        let off = StatusConfig {
            enabled: false,
            ..StatusConfig::default()
        };
        assert!(targets_for(checkout, &off).is_empty());
    }

    #[test]
    fn command_arguments_are_filled_per_element() {
        let catalog = catalog();
        let payments = catalog.resolve("payments").unwrap();
        assert_eq!(
            fill_placeholders("--svc={name}", payments).as_deref(),
            Some("--svc=payments")
        );
        assert_eq!(
            fill_placeholders("{owner} {ref} {annotation:argocd/app-name}", payments).as_deref(),
            Some("group:default/payments-team component:default/payments payments")
        );
        assert_eq!(
            fill_placeholders("{unknown}", payments).as_deref(),
            Some("{unknown}")
        );
        assert_eq!(fill_placeholders("{annotation:none/such}", payments), None);
    }
}
