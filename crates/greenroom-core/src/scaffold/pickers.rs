//! The catalogue-backed field extensions as data: which entities an EntityPicker (and its
//! relatives) offers, fuzzy-filtered by what was typed, the value a choice produces, tag
//! suggestions, entity-name rules, and RepoUrlPicker's parts and allowed lists.

use super::repo_url::RepoUrl;
use crate::catalog::{Catalog, Entity, RefContext, RelationType, parse_ref};
use crate::search::matcher::Matcher;
use serde_json::Value as Json;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickerKind {
    Entity,
    MultiEntity,
    Owner,
    OwnedEntity,
    MyGroups,
}

impl PickerKind {
    pub fn from_field(name: &str) -> Option<PickerKind> {
        Some(match name {
            "EntityPicker" => PickerKind::Entity,
            "MultiEntityPicker" => PickerKind::MultiEntity,
            "OwnerPicker" => PickerKind::Owner,
            "OwnedEntityPicker" => PickerKind::OwnedEntity,
            "MyGroupsPicker" => PickerKind::MyGroups,
            _ => return None,
        })
    }
}

/// One condition of a catalogue filter: the field's value is one of these (case-insensitive),
/// or (`None`) the field merely exists.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub key: String,
    pub any_of: Option<Vec<String>>,
}

/// Backstage `catalogFilter` semantics: a set is an AND of conditions; a list of sets is OR.
pub type FilterSet = Vec<Condition>;

fn scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_set(map: &serde_json::Map<String, Json>) -> FilterSet {
    map.iter()
        .map(|(key, v)| Condition {
            key: key.clone(),
            any_of: match v {
                Json::Object(o) if o.get("exists") == Some(&Json::Bool(true)) => None,
                Json::Array(items) => Some(items.iter().filter_map(scalar_text).collect()),
                other => Some(scalar_text(other).into_iter().collect()),
            },
        })
        .collect()
}

/// Parses a `catalogFilter` (object or list of objects).
pub fn parse_filter(value: &Json) -> Vec<FilterSet> {
    match value {
        Json::Object(m) => vec![parse_set(m)],
        Json::Array(sets) => sets
            .iter()
            .filter_map(Json::as_object)
            .map(parse_set)
            .collect(),
        _ => Vec::new(),
    }
}

/// The values of a dotted field of an entity (`kind`, `spec.type`, `metadata.tags`,
/// `relations.ownedBy`), lower-cased.
fn field_values(e: &Entity, key: &str) -> Vec<String> {
    if key.eq_ignore_ascii_case("kind") {
        return vec![e.kind().to_lowercase()];
    }
    if let Some(rel) = key.strip_prefix("relations.") {
        return e
            .relations
            .iter()
            .filter(|r| r.kind.as_str().eq_ignore_ascii_case(rel))
            .map(|r| r.target.to_lowercase())
            .collect();
    }
    // Annotation and label keys hold dots of their own (`backstage.io/x`, `port.io/blueprint`).
    for map in ["metadata.annotations.", "metadata.labels."] {
        if let Some(name) = key.strip_prefix(map) {
            let field = &map["metadata.".len()..map.len() - 1];
            return e
                .data
                .get("metadata")
                .and_then(|m| m.get(field))
                .and_then(|m| m.get(name))
                .and_then(scalar_text)
                .map(|s| s.to_lowercase())
                .into_iter()
                .collect();
        }
    }
    let mut cur: Vec<&Json> = vec![];
    let mut parts = key.split('.');
    if let Some(first) = parts.next() {
        cur.extend(e.data.get(first));
    }
    for part in parts {
        cur = cur
            .into_iter()
            .flat_map(|v| match v {
                Json::Array(items) => items.iter().filter_map(|i| i.get(part)).collect::<Vec<_>>(),
                other => other.get(part).into_iter().collect(),
            })
            .collect();
    }
    cur.into_iter()
        .flat_map(|v| match v {
            Json::Array(items) => items.iter().filter_map(scalar_text).collect::<Vec<_>>(),
            other => scalar_text(other).into_iter().collect(),
        })
        .map(|s| s.to_lowercase())
        .collect()
}

fn matches_set(e: &Entity, set: &FilterSet) -> bool {
    set.iter().all(|c| {
        let values = field_values(e, &c.key);
        match &c.any_of {
            None => !values.is_empty(),
            Some(wanted) => wanted.iter().any(|w| values.contains(&w.to_lowercase())),
        }
    })
}

/// Whether an entity passes a filter (no sets: everything passes).
pub fn matches(e: &Entity, filter: &[FilterSet]) -> bool {
    filter.is_empty() || filter.iter().any(|s| matches_set(e, s))
}

/// The refs a user owns through: the user and the groups they are a member of.
pub fn ownership_refs(catalog: &Catalog, user: &str) -> Vec<String> {
    let user = user.to_lowercase();
    let mut refs = vec![user.clone()];
    if let Some(u) = catalog.get(&user) {
        refs.extend(u.related(&RelationType::MemberOf).map(str::to_lowercase));
    }
    refs
}

/// `kind:namespace/name` with the kind lower-cased, as `stringifyEntityRef` writes it.
pub fn stringify_ref(e: &Entity) -> String {
    format!("{}:{}/{}", e.kind().to_lowercase(), e.namespace(), e.name())
}

#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The value choosing it produces.
    pub value: String,
    pub title: String,
    pub kind: String,
    pub description: Option<String>,
    pub score: i64,
}

/// EntityPicker and its relatives, from their `ui:options`.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityPicker {
    pub kind: PickerKind,
    pub filter: Vec<FilterSet>,
    pub default_kind: Option<String>,
    /// `None` when the template set `defaultNamespace: false`.
    pub default_namespace: Option<String>,
    pub allow_arbitrary_values: bool,
}

impl EntityPicker {
    pub fn from_options(kind: PickerKind, options: &Json) -> EntityPicker {
        let mut filter = options
            .get("catalogFilter")
            .map(parse_filter)
            .unwrap_or_default();
        let allowed_kinds: Option<Vec<String>> = options
            .get("allowedKinds")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(scalar_text).collect());
        if filter.is_empty() {
            let kinds = match (kind, allowed_kinds) {
                (_, Some(k)) => Some(k),
                (PickerKind::Owner, None) => Some(vec!["Group".into(), "User".into()]),
                (PickerKind::MyGroups, None) => Some(vec!["Group".into()]),
                _ => None,
            };
            if let Some(kinds) = kinds {
                filter = vec![vec![Condition {
                    key: "kind".into(),
                    any_of: Some(kinds),
                }]];
            }
        }
        let default_namespace = match options.get("defaultNamespace") {
            Some(Json::Bool(false)) => None,
            Some(Json::String(s)) => Some(s.clone()),
            _ => Some("default".into()),
        };
        let default_kind = options
            .get("defaultKind")
            .and_then(Json::as_str)
            .map(str::to_owned)
            .or_else(|| (kind == PickerKind::Owner).then(|| "Group".into()));
        EntityPicker {
            kind,
            filter,
            default_kind,
            default_namespace,
            allow_arbitrary_values: kind != PickerKind::MyGroups
                && options.get("allowArbitraryValues") != Some(&Json::Bool(false)),
        }
    }

    pub fn is_multi(&self) -> bool {
        self.kind == PickerKind::MultiEntity
    }

    /// The filter with the picker's own conditions for `user` (OwnedEntityPicker adds
    /// `relations.ownedBy IN` the user's ownership refs; MyGroupsPicker asks for groups that
    /// have the user as a member).
    pub fn effective_filter(&self, catalog: &Catalog, user: Option<&str>) -> Vec<FilterSet> {
        let extra = match (self.kind, user) {
            (PickerKind::OwnedEntity, Some(u)) => Some(Condition {
                key: "relations.ownedBy".into(),
                any_of: Some(ownership_refs(catalog, u)),
            }),
            (PickerKind::MyGroups, Some(u)) => Some(Condition {
                key: "relations.hasMember".into(),
                any_of: Some(vec![u.to_lowercase()]),
            }),
            (PickerKind::OwnedEntity | PickerKind::MyGroups, None) => Some(Condition {
                key: "relations.ownedBy".into(),
                any_of: Some(Vec::new()),
            }),
            _ => None,
        };
        let mut sets = if self.filter.is_empty() {
            vec![Vec::new()]
        } else {
            self.filter.clone()
        };
        if let Some(c) = extra {
            for s in &mut sets {
                s.push(c.clone());
            }
        } else if self.filter.is_empty() {
            return Vec::new();
        }
        sets
    }

    /// Entities to offer, best match first (catalogue order when nothing is typed).
    pub fn candidates(&self, catalog: &Catalog, user: Option<&str>, typed: &str) -> Vec<Candidate> {
        let filter = self.effective_filter(catalog, user);
        let matcher = Matcher::new(typed);
        let typed = matcher.text();
        let mut out: Vec<Candidate> = catalog
            .accepted()
            .filter(|e| matches(e, &filter))
            .filter_map(|e| {
                let value = stringify_ref(e);
                let score = if typed.is_empty() {
                    0
                } else {
                    matcher.score(&Self::haystack(&value, e.display_name()))?
                };
                Some(Candidate {
                    title: e.display_name().to_owned(),
                    kind: e.kind().to_owned(),
                    description: e.description().map(str::to_owned),
                    value,
                    score,
                })
            })
            .collect();
        // Best first, equal scores in catalogue order: as every list ranks (search::matcher).
        out.sort_by_key(|c| std::cmp::Reverse(c.score));
        out
    }

    /// The text an entity is matched by: its full ref and its display name.
    pub fn haystack(value: &str, display_name: &str) -> String {
        format!("{value} {display_name}")
    }

    /// Whether a value is acceptable: one of the candidates, or (when arbitrary values are
    /// allowed) any well-formed ref. A multi-picker's value is checked item by item.
    pub fn accepts(&self, catalog: &Catalog, user: Option<&str>, value: &Json) -> bool {
        let one = |v: &str| {
            if self.allow_arbitrary_values {
                self.value_for_text(v).is_ok()
            } else {
                let key = v.to_lowercase();
                self.candidates(catalog, user, "")
                    .iter()
                    .any(|c| c.value.to_lowercase() == key)
            }
        };
        match value {
            Json::String(s) => one(s),
            Json::Array(items) => items.iter().all(|i| i.as_str().is_some_and(one)),
            _ => false,
        }
    }

    /// The value for text typed instead of choosing (when arbitrary values are allowed): the
    /// ref parsed with the picker's defaults, then written out in full.
    pub fn value_for_text(&self, text: &str) -> Result<String, String> {
        if !self.allow_arbitrary_values {
            return Err("choose one of the listed entities".into());
        }
        let ctx = RefContext {
            default_kind: self.default_kind.as_deref(),
            default_namespace: self.default_namespace.as_deref(),
        };
        let r = parse_ref(text.trim(), ctx).map_err(|e| e.to_string())?;
        Ok(format!(
            "{}:{}/{}",
            r.kind.to_lowercase(),
            r.namespace,
            r.name
        ))
    }
}

/// EntityTagsPicker: suggestions from the catalogue's tags.
#[derive(Clone, Debug, PartialEq)]
pub struct TagsPicker {
    /// `ui:options.kinds`: count tags only of these kinds.
    pub kinds: Vec<String>,
}

impl TagsPicker {
    pub fn from_options(options: &Json) -> TagsPicker {
        TagsPicker {
            kinds: options
                .get("kinds")
                .and_then(Json::as_array)
                .map(|a| a.iter().filter_map(scalar_text).collect())
                .unwrap_or_default(),
        }
    }

    /// Tags in use with how many entities carry each, most used first, fuzzy-filtered.
    pub fn suggestions(&self, catalog: &Catalog, typed: &str) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for e in catalog.accepted() {
            if !self.kinds.is_empty() && !self.kinds.iter().any(|k| e.is_kind(k)) {
                continue;
            }
            for t in e.tags() {
                *counts.entry(t.to_owned()).or_default() += 1;
            }
        }
        let matcher = Matcher::new(typed);
        let mut out: Vec<(String, usize, i64)> = counts
            .into_iter()
            .filter_map(|(t, n)| {
                let score = matcher.score(&t)?;
                Some((t, n, score))
            })
            .collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
        out.into_iter().map(|(t, n, _)| (t, n)).collect()
    }

    /// Backstage's tag rule: lower-case `[a-z0-9:+#]` words joined by single dashes, ≤ 63.
    pub fn check_tag(tag: &str) -> Result<(), String> {
        let ok_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '+' | '#');
        let ok = !tag.is_empty()
            && tag.len() <= 63
            && tag
                .split('-')
                .all(|w| !w.is_empty() && w.chars().all(ok_char));
        if ok {
            Ok(())
        } else {
            Err(format!(
                "\"{tag}\" is not a valid tag: use lower-case letters, digits, ':', '+' or '#', words joined by single dashes, at most 63 characters"
            ))
        }
    }
}

/// EntityNamePicker's rule (`KubernetesValidatorFunctions.isValidObjectName`).
pub fn check_entity_name(name: &str) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    let ok = !name.is_empty()
        && name.len() <= 63
        && bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
        && bytes
            .iter()
            .all(|b| alnum(b) || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(
            "must start and end with an alphanumeric character, and contain only alphanumeric characters, hyphens, underscores, and periods. Maximum length is 63 characters",
        )
    }
}

/// RepoUrlPicker's options.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepoUrlPicker {
    pub allowed_hosts: Vec<String>,
    pub allowed_owners: Vec<String>,
    pub allowed_organizations: Vec<String>,
    pub allowed_projects: Vec<String>,
    pub allowed_repos: Vec<String>,
    pub owner_label: Option<String>,
    pub repo_label: Option<String>,
    /// `requestUserCredentials.secretsKey`: where a token would be stored (not obtained here).
    pub secrets_key: Option<String>,
}

fn strings(options: &Json, key: &str) -> Vec<String> {
    options
        .get(key)
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(scalar_text).collect())
        .unwrap_or_default()
}

/// One part of a repository location, for a UI that edits them one by one.
#[derive(Clone, Debug, PartialEq)]
pub struct RepoPart {
    /// `host`, `owner`, `organization`, `workspace`, `project` or `repo`.
    pub name: &'static str,
    pub label: String,
    pub value: String,
    /// The allowed values, when the template limits them.
    pub allowed: Vec<String>,
}

impl RepoUrlPicker {
    pub fn from_options(options: &Json) -> RepoUrlPicker {
        RepoUrlPicker {
            allowed_hosts: strings(options, "allowedHosts"),
            allowed_owners: strings(options, "allowedOwners"),
            allowed_organizations: strings(options, "allowedOrganizations"),
            allowed_projects: strings(options, "allowedProjects"),
            allowed_repos: strings(options, "allowedRepos"),
            owner_label: options
                .get("ownerLabel")
                .and_then(Json::as_str)
                .map(str::to_owned),
            repo_label: options
                .get("repoLabel")
                .and_then(Json::as_str)
                .map(str::to_owned),
            secrets_key: options
                .get("requestUserCredentials")
                .and_then(|r| r.get("secretsKey"))
                .and_then(Json::as_str)
                .map(str::to_owned),
        }
    }

    /// The parts to edit for the current value (host first; the host's kind decides which of
    /// owner/organization/workspace/project apply). An empty value starts at the first allowed
    /// host and owner.
    pub fn parts(&self, value: Option<&str>) -> Vec<RepoPart> {
        let current = value
            .and_then(|v| RepoUrl::parse_parts(v).ok())
            .unwrap_or_else(|| RepoUrl {
                host: self.allowed_hosts.first().cloned().unwrap_or_default(),
                owner: self.allowed_owners.first().cloned(),
                ..RepoUrl::default()
            });
        let kind = super::repo_url::HostKind::of(&current.host);
        use super::repo_url::HostKind as K;
        let mut parts = vec![RepoPart {
            name: "host",
            label: "Host".into(),
            value: current.host.clone(),
            allowed: self.allowed_hosts.clone(),
        }];
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        match kind {
            K::BitbucketCloud => {
                parts.push(RepoPart {
                    name: "workspace",
                    label: "Workspace".into(),
                    value: opt(&current.workspace),
                    allowed: Vec::new(),
                });
                parts.push(RepoPart {
                    name: "project",
                    label: "Project".into(),
                    value: opt(&current.project),
                    allowed: self.allowed_projects.clone(),
                });
            }
            K::BitbucketServer => {
                parts.push(RepoPart {
                    name: "project",
                    label: "Project".into(),
                    value: opt(&current.project),
                    allowed: self.allowed_projects.clone(),
                });
            }
            K::Azure => {
                parts.push(RepoPart {
                    name: "organization",
                    label: "Organization".into(),
                    value: opt(&current.organization),
                    allowed: self.allowed_organizations.clone(),
                });
                parts.push(RepoPart {
                    name: "project",
                    label: "Project".into(),
                    value: opt(&current.project),
                    allowed: self.allowed_projects.clone(),
                });
            }
            _ => parts.push(RepoPart {
                name: "owner",
                label: self.owner_label.clone().unwrap_or_else(|| "Owner".into()),
                value: opt(&current.owner),
                allowed: self.allowed_owners.clone(),
            }),
        }
        parts.push(RepoPart {
            name: "repo",
            label: self
                .repo_label
                .clone()
                .unwrap_or_else(|| "Repository".into()),
            value: current.repo.clone(),
            allowed: self.allowed_repos.clone(),
        });
        parts
    }

    /// Composes the value from parts (`(name, value)` pairs, as from [`Self::parts`]).
    pub fn compose(parts: &[(&str, &str)]) -> String {
        let get = |n: &str| {
            parts
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        RepoUrl {
            host: get("host").unwrap_or_default(),
            owner: get("owner"),
            repo: get("repo").unwrap_or_default(),
            organization: get("organization"),
            workspace: get("workspace"),
            project: get("project"),
        }
        .to_string()
    }

    /// The picker's validation: a host, the parts the host needs, and the allowed lists.
    pub fn check(&self, value: &str) -> Result<(), String> {
        let parts = RepoUrl::parse_parts(value).map_err(|e| e.to_string())?;
        if parts.host.is_empty() {
            return Err("needs a host".into());
        }
        if let Err(super::repo_url::RepoUrlError::Missing { part, .. }) = RepoUrl::parse(value) {
            return Err(format!(
                "needs a {}",
                if part == "repo" {
                    "repository name"
                } else {
                    part
                }
            ));
        }
        let check = |what: &str, v: &Option<String>, allowed: &[String]| -> Result<(), String> {
            match v {
                Some(v) if !allowed.is_empty() && !allowed.iter().any(|a| a == v) => Err(format!(
                    "{what} must be one of: {} (not {v})",
                    allowed.join(", ")
                )),
                _ => Ok(()),
            }
        };
        check("the host", &Some(parts.host.clone()), &self.allowed_hosts)?;
        check("the owner", &parts.owner, &self.allowed_owners)?;
        check(
            "the organization",
            &parts.organization,
            &self.allowed_organizations,
        )?;
        check("the project", &parts.project, &self.allowed_projects)?;
        check(
            "the repository",
            &Some(parts.repo.clone()),
            &self.allowed_repos,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_parse_with_backstage_semantics() {
        let f = parse_filter(
            &json!([{"kind": ["Component", "API"], "spec.type": "service"}, {"metadata.annotations.x": {"exists": true}}]),
        );
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0][0].any_of.as_deref(),
            Some(&["Component".to_owned(), "API".to_owned()][..])
        );
        assert_eq!(f[1][0].any_of, None);
    }

    #[test]
    fn arbitrary_values_use_defaults() {
        let p = EntityPicker::from_options(
            PickerKind::Entity,
            &json!({"defaultKind": "Component", "defaultNamespace": "prod"}),
        );
        assert_eq!(p.value_for_text("shop").unwrap(), "component:prod/shop");
        assert_eq!(p.value_for_text("api:x/y").unwrap(), "api:x/y");
        let owner = EntityPicker::from_options(PickerKind::Owner, &json!({}));
        assert_eq!(
            owner.value_for_text("team-a").unwrap(),
            "group:default/team-a"
        );
        let strict =
            EntityPicker::from_options(PickerKind::Entity, &json!({"allowArbitraryValues": false}));
        assert!(strict.value_for_text("x").is_err());
    }

    #[test]
    fn names_and_tags() {
        assert!(check_entity_name("my-svc_1.a").is_ok());
        assert!(check_entity_name("-bad").is_err());
        assert!(check_entity_name(&"a".repeat(64)).is_err());
        assert!(TagsPicker::check_tag("java").is_ok());
        assert!(TagsPicker::check_tag("Java").is_err());
        assert!(TagsPicker::check_tag("a--b").is_err());
    }

    #[test]
    fn repo_url_parts_and_allowed_lists() {
        let p = RepoUrlPicker::from_options(
            &json!({"allowedHosts": ["github.com"], "allowedOwners": ["acme"]}),
        );
        let parts = p.parts(None);
        assert_eq!(
            parts
                .iter()
                .map(|p| (p.name, p.value.as_str()))
                .collect::<Vec<_>>(),
            [("host", "github.com"), ("owner", "acme"), ("repo", "")]
        );
        let v =
            RepoUrlPicker::compose(&[("host", "github.com"), ("owner", "acme"), ("repo", "shop")]);
        assert_eq!(v, "github.com?owner=acme&repo=shop");
        assert!(p.check(&v).is_ok());
        assert_eq!(
            p.check("github.com?owner=evil&repo=x").unwrap_err(),
            "the owner must be one of: acme (not evil)"
        );
        assert_eq!(
            p.check("gitlab.com?owner=acme&repo=x").unwrap_err(),
            "the host must be one of: github.com (not gitlab.com)"
        );
        assert_eq!(
            p.check("github.com?owner=acme").unwrap_err(),
            "needs a repository name"
        );
    }
}
