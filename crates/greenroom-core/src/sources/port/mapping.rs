//! How Port's data becomes Backstage entities: blueprints → kinds, properties → spec fields and
//! annotations, Port relations → Backstage relation types, teams → Groups, users → Users.
//!
//! The result is an entity as a descriptor would have written it (`spec.owner`,
//! `spec.system`, `spec.dependsOn`, ...) plus the reference sites that imply relations, so the
//! catalogue computes both directions exactly as it does for files: ownership, on-call and
//! status then work the same on Port data. What has no Backstage meaning is kept, never
//! dropped: unmapped blueprints become `Resource`s typed by their blueprint, every property is
//! in `spec.properties`, unmapped relations keep their Port name.

use crate::catalog::entity::{ANNOTATION_LOCATION, ANNOTATION_ORIGIN_LOCATION, Verdict};
use crate::catalog::{Entity, EntityRef, Origin, RefSite, RelationType};
use crate::yaml::Pos;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How one blueprint maps (`[catalog.source.mapping.<blueprint>]` in the config).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BlueprintMapping {
    /// The Backstage kind (`Component`, `API`, `System`, `Domain`, `Resource`, ...).
    pub kind: Option<String>,
    /// `spec.type`; default: the `type` property, else what the kind usually has.
    #[serde(rename = "type")]
    pub spec_type: Option<String>,
    /// Annotation → property holding its value (`"pagerduty.com/service-id" = "pd_id"`).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Port relation id → Backstage relation type (`dependsOn`, `partOf`, `consumesApi`, ...).
    #[serde(default)]
    pub relations: BTreeMap<String, String>,
}

/// A blueprint's relations as `GET /v1/blueprints` describes them: id → target blueprint.
pub type BlueprintRelations = BTreeMap<String, String>;

/// The default kind (and spec.type) of a blueprint with the common names.
fn default_kind(blueprint: &str) -> (&'static str, Option<&'static str>) {
    match blueprint.to_ascii_lowercase().as_str() {
        "service" | "microservice" | "component" | "app" | "application" => {
            ("Component", Some("service"))
        }
        "website" | "frontend" => ("Component", Some("website")),
        "library" => ("Component", Some("library")),
        "api" => ("API", Some("openapi")),
        "system" => ("System", None),
        "domain" => ("Domain", None),
        "_team" | "team" => ("Group", Some("team")),
        "_user" | "user" => ("User", None),
        _ => ("Resource", None),
    }
}

/// Properties whose names say which status annotation they hold.
const ANNOTATION_PROPERTIES: &[(&str, &[&str])] = &[
    (
        "pagerduty.com/service-id",
        &[
            "pagerduty_service_id",
            "pagerdutyServiceId",
            "pagerduty_service",
        ],
    ),
    (
        "github.com/project-slug",
        &[
            "github_project_slug",
            "github_repo",
            "repository_slug",
            "repo",
        ],
    ),
    (
        "gitlab.com/project-slug",
        &["gitlab_project_slug", "gitlab_project"],
    ),
    (
        "argocd/app-name",
        &["argocd_app", "argocd_app_name", "argocdApp"],
    ),
    (
        "backstage.io/kubernetes-id",
        &["kubernetes_id", "k8s_id", "kubernetesId"],
    ),
    ("prometheus.io/rule", &["prometheus_rule", "prometheusRule"]),
    (
        "greenroom.dev/health-url",
        &["health_url", "healthcheck_url", "healthUrl"],
    ),
    ("backstage.io/techdocs-ref", &["techdocs_ref"]),
];

/// A Backstage-valid name for a Port identifier or team name (`Payments Team` →
/// `payments-team`): letters, digits, `-_.`, at most 63, alphanumeric at both ends.
pub fn entity_name(identifier: &str) -> String {
    let mut out = String::with_capacity(identifier.len());
    for c in identifier.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed: String = out
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(63)
        .collect();
    let trimmed = trimmed
        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned();
    if trimmed.is_empty() {
        // Nothing usable left (`💥`): a stable name from the identifier's bytes (FNV-1a).
        let h = identifier.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        format!("port-{h:08x}")
    } else {
        trimmed
    }
}

/// What turns Port's answers into entities.
pub struct Mapper<'a> {
    /// Shown as the entities' location (`port:https://api.port.io`).
    pub location: Arc<str>,
    /// `https://app.port.io` (for view links), when the API is one of Port's own.
    pub app_url: Option<String>,
    pub overrides: &'a BTreeMap<String, BlueprintMapping>,
    pub relations: &'a BTreeMap<String, BlueprintRelations>,
}

impl Mapper<'_> {
    fn kind_of(&self, blueprint: &str) -> (String, Option<String>) {
        let (kind, ty) = default_kind(blueprint);
        let o = self.overrides.get(blueprint);
        let kind = o
            .and_then(|m| m.kind.clone())
            .unwrap_or_else(|| kind.to_owned());
        let ty = o
            .and_then(|m| m.spec_type.clone())
            .or_else(|| ty.map(str::to_owned))
            .or_else(|| (kind == "Resource").then(|| blueprint.to_owned()));
        (kind, ty)
    }

    fn entity(&self, data: Value, sites: Vec<RefSite>) -> Option<Entity> {
        let Value::Object(data) = data else {
            return None;
        };
        let kind = data.get("kind")?.as_str()?.to_owned();
        let name = data.get("metadata")?.get("name")?.as_str()?.to_owned();
        let entity_ref = EntityRef::new(kind, "default", name);
        Some(Entity {
            data,
            key: entity_ref.canonical(),
            entity_ref,
            origin: Origin {
                file: format!("Port at {}", self.location.trim_start_matches("port:")).into(),
                pos: Pos { line: 0, column: 0 },
                location: self.location.clone(),
                origin_location: self.location.clone(),
            },
            verdict: Verdict::Accepted,
            ref_sites: sites,
            relations: Vec::new(),
            relations_given: false,
        })
    }

    fn annotations(&self, extra: Vec<(String, String)>) -> Map<String, Value> {
        let mut a = Map::new();
        a.insert(ANNOTATION_LOCATION.into(), json!(&*self.location));
        a.insert(ANNOTATION_ORIGIN_LOCATION.into(), json!(&*self.location));
        for (k, v) in extra {
            a.insert(k, Value::String(v));
        }
        a
    }

    /// A Port team (`GET /v1/teams`) as a Group.
    pub fn team(&self, team: &Value) -> Option<Entity> {
        let raw = team.get("name")?.as_str()?;
        let name = entity_name(raw);
        let mut spec = json!({"type": "team", "children": []});
        if let Some(d) = team.get("description").and_then(Value::as_str) {
            spec["profile"] = json!({"displayName": raw, "description": d});
        } else {
            spec["profile"] = json!({"displayName": raw});
        }
        let data = json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Group",
            "metadata": {
                "name": name,
                "namespace": "default",
                "title": raw,
                "annotations": self.annotations(vec![("port.io/team".into(), raw.into())]),
            },
            "spec": spec,
        });
        self.entity(data, Vec::new())
    }

    /// A Port user (`GET /v1/users`) as a User, member of their teams.
    pub fn user(&self, user: &Value) -> Option<Entity> {
        let email = user.get("email")?.as_str()?;
        let name = entity_name(email.split('@').next().unwrap_or(email));
        let display: Vec<&str> = ["firstName", "lastName"]
            .iter()
            .filter_map(|k| user.get(*k).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .collect();
        let teams: Vec<String> = user
            .get("teams")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().or_else(|| t.get("name")?.as_str()))
            .map(entity_name)
            .collect();
        let mut profile = json!({"email": email});
        if !display.is_empty() {
            profile["displayName"] = json!(display.join(" "));
        }
        let sites = teams
            .iter()
            .map(|t| {
                site(
                    "memberOf",
                    RelationType::MemberOf,
                    EntityRef::new("Group", "default", t),
                )
            })
            .collect();
        let data = json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "User",
            "metadata": {
                "name": name,
                "namespace": "default",
                "annotations": self.annotations(vec![]),
            },
            "spec": {"profile": profile, "memberOf": teams},
        });
        self.entity(data, sites)
    }

    /// An entity of a blueprint (`POST /v1/blueprints/{bp}/entities/search`).
    pub fn entity_of(&self, blueprint: &str, e: &Value) -> Option<Entity> {
        let identifier = e.get("identifier")?.as_str()?;
        let name = entity_name(identifier);
        let (kind, spec_type) = self.kind_of(blueprint);
        let props = e
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let prop_str = |k: &str| props.get(k).and_then(Value::as_str).map(str::to_owned);

        let mut spec = Map::new();
        if let Some(t) = prop_str("type").or(spec_type) {
            spec.insert("type".into(), json!(t));
        }
        if let Some(l) = prop_str("lifecycle") {
            spec.insert("lifecycle".into(), json!(l));
        }
        let mut sites = Vec::new();
        let owner = e
            .get("team")
            .and_then(|t| match t {
                Value::Array(a) => a.first().and_then(Value::as_str),
                Value::String(s) => Some(s.as_str()),
                _ => None,
            })
            .map(entity_name);
        if let Some(owner) = &owner {
            spec.insert("owner".into(), json!(format!("group:default/{owner}")));
            sites.push(site(
                "spec.owner",
                RelationType::OwnedBy,
                EntityRef::new("Group", "default", owner),
            ));
        }

        // Relations: Port's `{relation: id | [ids] | null}`, typed by the blueprint schema.
        let schema = self.relations.get(blueprint);
        let overrides = self.overrides.get(blueprint);
        let mut other: Map<String, Value> = Map::new();
        if let Some(rels) = e.get("relations").and_then(Value::as_object) {
            for (rel, targets) in rels {
                let ids: Vec<&str> = match targets {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                if ids.is_empty() {
                    continue;
                }
                let target_bp = schema
                    .and_then(|s| s.get(rel))
                    .map_or(rel.as_str(), String::as_str);
                let (target_kind, _) = self.kind_of(target_bp);
                let relation = overrides
                    .and_then(|m| m.relations.get(rel))
                    .map(|r| RelationType::parse(r))
                    .unwrap_or_else(|| default_relation(rel, &target_kind));
                let refs: Vec<String> = ids
                    .iter()
                    .map(|id| format!("{}:default/{}", target_kind.to_lowercase(), entity_name(id)))
                    .collect();
                match spec_field(&relation, &target_kind) {
                    Some((field, many)) => {
                        let value = if many { json!(refs) } else { json!(refs[0]) };
                        spec.entry(field).or_insert(value);
                    }
                    None => {
                        other.insert(rel.clone(), json!(refs));
                    }
                }
                for id in ids {
                    sites.push(site(
                        "relations",
                        relation.clone(),
                        EntityRef::new(target_kind.clone(), "default", entity_name(id)),
                    ));
                }
            }
        }
        if !other.is_empty() {
            spec.insert("relations".into(), Value::Object(other));
        }
        if !props.is_empty() {
            spec.insert("properties".into(), Value::Object(props.clone()));
        }
        // Port's computed scorecard results, kept as Port gave them (see `scorecard::port`).
        if let Some(cards) = e
            .get("scorecards")
            .filter(|c| c.as_object().is_some_and(|m| !m.is_empty()))
        {
            spec.insert("scorecards".into(), cards.clone());
        }

        let mut extra = vec![
            ("port.io/blueprint".to_owned(), blueprint.to_owned()),
            ("port.io/identifier".to_owned(), identifier.to_owned()),
        ];
        for (annotation, names) in ANNOTATION_PROPERTIES {
            if let Some(v) = names.iter().find_map(|n| prop_str(n)) {
                extra.push(((*annotation).to_owned(), v));
            }
        }
        if let Some(m) = overrides {
            for (annotation, prop) in &m.annotations {
                match props.get(prop) {
                    Some(Value::String(v)) => extra.push((annotation.clone(), v.clone())),
                    Some(v @ (Value::Number(_) | Value::Bool(_))) => {
                        extra.push((annotation.clone(), v.to_string()));
                    }
                    _ => {}
                }
            }
        }
        if let Some(app) = &self.app_url {
            extra.push((
                "backstage.io/view-url".to_owned(),
                format!(
                    "{app}/{blueprint}Entity?identifier={}",
                    urlencode(identifier)
                ),
            ));
        }
        let mut metadata = json!({
            "name": name,
            "namespace": "default",
            "annotations": self.annotations(extra),
        });
        if let Some(t) = e
            .get("title")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            metadata["title"] = json!(t);
        }
        if let Some(d) = prop_str("description") {
            metadata["description"] = json!(d);
        }
        let tags: Vec<String> = props
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(entity_name)
            .map(|t| t.to_lowercase())
            .collect();
        if !tags.is_empty() {
            metadata["tags"] = json!(tags);
        }
        let data = json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": kind,
            "metadata": metadata,
            "spec": spec,
        });
        self.entity(data, sites)
    }
}

fn site(field: &'static str, relation: RelationType, target: EntityRef) -> RefSite {
    let target = target.canonical();
    RefSite {
        field,
        written: target.clone(),
        relation,
        target,
        pos: Pos { line: 0, column: 0 },
    }
}

/// The Backstage relation a Port relation most likely means, from its name and target kind.
fn default_relation(rel: &str, target_kind: &str) -> RelationType {
    let rel = rel.to_ascii_lowercase();
    match target_kind {
        "System" | "Domain" => RelationType::PartOf,
        "Group" | "User" if rel.contains("own") || rel.contains("team") => RelationType::OwnedBy,
        "API" if rel.contains("provid") || rel.contains("expos") => RelationType::ProvidesApi,
        "API" => RelationType::ConsumesApi,
        _ if rel.contains("depend") || rel.contains("uses") => RelationType::DependsOn,
        _ if rel.contains("parent") => RelationType::ChildOf,
        _ => RelationType::Other(rel),
    }
}

/// The spec field a descriptor would write a relation in, and whether it is a list.
fn spec_field(relation: &RelationType, target_kind: &str) -> Option<(String, bool)> {
    let field = match (relation, target_kind) {
        (RelationType::PartOf, "System") => ("system", false),
        (RelationType::PartOf, "Domain") => ("domain", false),
        (RelationType::DependsOn, _) => ("dependsOn", true),
        (RelationType::ProvidesApi, _) => ("providesApis", true),
        (RelationType::ConsumesApi, _) => ("consumesApis", true),
        (RelationType::ChildOf, _) => ("parent", false),
        _ => return None,
    };
    Some((field.0.to_owned(), field.1))
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_backstage_names() {
        assert_eq!(entity_name("Payments Team"), "Payments-Team");
        assert_eq!(entity_name("payments-api"), "payments-api");
        assert_eq!(entity_name("--a  b--"), "a-b");
        assert_eq!(entity_name(&"x".repeat(100)).len(), 63);
        assert!(entity_name("💥").starts_with("port-"));
    }

    #[test]
    fn a_service_maps_to_a_component_with_owner_system_and_annotations() {
        let overrides = BTreeMap::new();
        let mut relations = BTreeMap::new();
        relations.insert(
            "service".to_owned(),
            BTreeMap::from([
                ("system".to_owned(), "system".to_owned()),
                ("dependsOn".to_owned(), "service".to_owned()),
                ("slack".to_owned(), "channel".to_owned()),
            ]),
        );
        let m = Mapper {
            location: "port:https://api.port.io".into(),
            app_url: Some("https://app.port.io".into()),
            overrides: &overrides,
            relations: &relations,
        };
        let e = m
            .entity_of(
                "service",
                &json!({"identifier": "payments-api", "title": "Payments API", "team": ["Payments Team"],
                    "properties": {"language": "go", "lifecycle": "production", "pagerduty_service_id": "PABC123",
                        "tags": ["Tier 1"]},
                    "relations": {"system": "billing", "dependsOn": ["ledger", "auth"], "slack": "pay-alerts"}}),
            )
            .unwrap();
        assert_eq!(e.key, "component:default/payments-api");
        let spec = e.spec().unwrap();
        assert_eq!(spec["type"], "service");
        assert_eq!(spec["owner"], "group:default/Payments-Team");
        assert_eq!(spec["system"], "system:default/billing");
        assert_eq!(
            spec["dependsOn"],
            json!(["component:default/ledger", "component:default/auth"])
        );
        assert_eq!(
            spec["relations"]["slack"],
            json!(["resource:default/pay-alerts"])
        );
        assert_eq!(spec["properties"]["language"], "go");
        assert_eq!(e.annotation("pagerduty.com/service-id"), Some("PABC123"));
        assert_eq!(
            e.annotation("backstage.io/view-url"),
            Some("https://app.port.io/serviceEntity?identifier=payments-api")
        );
        assert_eq!(e.title(), Some("Payments API"));
        let kinds: Vec<&str> = e.ref_sites.iter().map(|s| s.relation.as_str()).collect();
        assert_eq!(
            kinds,
            ["ownedBy", "partOf", "dependsOn", "dependsOn", "slack"]
        );
    }

    #[test]
    fn overrides_pick_kind_type_annotations_and_relations() {
        let overrides = BTreeMap::from([(
            "cloudResource".to_owned(),
            BlueprintMapping {
                kind: Some("Resource".into()),
                spec_type: Some("database".into()),
                annotations: BTreeMap::from([("greenroom.dev/health-url".into(), "probe".into())]),
                relations: BTreeMap::from([("usedBy".into(), "dependencyOf".into())]),
            },
        )]);
        let relations = BTreeMap::new();
        let m = Mapper {
            location: "port:http://127.0.0.1:1".into(),
            app_url: None,
            overrides: &overrides,
            relations: &relations,
        };
        let e = m
            .entity_of(
                "cloudResource",
                &json!({"identifier": "orders-db", "properties": {"probe": "https://x/health"},
                    "relations": {"usedBy": ["orders"]}}),
            )
            .unwrap();
        assert_eq!(e.key, "resource:default/orders-db");
        assert_eq!(e.spec_type(), Some("database"));
        assert_eq!(
            e.annotation("greenroom.dev/health-url"),
            Some("https://x/health")
        );
        assert_eq!(e.ref_sites[0].relation, RelationType::DependencyOf);
        assert!(e.annotation("backstage.io/view-url").is_none());
    }
}
