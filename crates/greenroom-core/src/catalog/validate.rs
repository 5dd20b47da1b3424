//! Backstage's checks on one descriptor document, in its order: the envelope (a failure there
//! fails the Location that read the file), then the root-field whitelist, field formats, the
//! full entity schema, the kind's own schema, and the references that become relations.
//!
//! Backstage stops at the first problem; greenroom reports them all, each at its node, in plain
//! words, and keeps Backstage's verdict: any error means Backstage would reject the entity.

use super::diagnostics::Problem;
use super::entity::RefSite;
use super::format::{self, KEY_RULE, KIND_RULE, NAME_RULE, NAMESPACE_RULE, TAG_RULE};
use super::kinds::{self, FieldType, KindDef};
use super::refs::{EntityRef, RefContext, RefError, parse_ref};
use crate::yaml::{Node, NodeValue, Pos};

const ROOT_FIELDS: [&str; 4] = ["apiVersion", "kind", "metadata", "spec"];

/// Settings that change verdicts.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Kinds the user's Backstage has processors for beyond the built-in ones.
    pub extra_kinds: Vec<String>,
}

/// What the envelope check found out about a document that failed it.
#[derive(Debug)]
pub struct EnvelopeFailure {
    /// Kind and name, when they could be read, so the problem can name the entity.
    pub identity: Option<EntityRef>,
    pub problems: Vec<Problem>,
}

fn describe(node: &Node) -> &'static str {
    node.type_name()
}

/// The envelope gate (`EntityEnvelope` schema, plus the collector's annotations check). A
/// document failing it never becomes an entity in Backstage, and the Location that read it fails.
pub fn check_envelope(root: &Node) -> Result<EntityRef, EnvelopeFailure> {
    if root.as_map().is_none() {
        return Err(EnvelopeFailure {
            identity: None,
            problems: vec![Problem::error(
                root.pos,
                format!(
                    "expected a map (an entity) at the document root, got {}",
                    describe(root)
                ),
            )],
        });
    }
    let mut problems = Vec::new();
    let mut required_string = |parent: &Node, key: &str, path: &str| -> Option<String> {
        match parent.get(key) {
            None => {
                problems.push(Problem::error(
                    parent.pos,
                    format!(
                        "{path} is missing; every entity needs apiVersion, kind and metadata.name"
                    ),
                ));
                None
            }
            Some(n) => match n.as_str() {
                Some(s) if !s.is_empty() => Some(s.to_owned()),
                Some(_) => {
                    problems.push(Problem::error(n.pos, format!("{path} must not be empty")));
                    None
                }
                None => {
                    problems.push(Problem::error(
                        n.pos,
                        format!("{path} must be a string, found {}", describe(n)),
                    ));
                    None
                }
            },
        }
    };
    required_string(root, "apiVersion", "apiVersion");
    let kind = required_string(root, "kind", "kind");
    let mut name = None;
    let mut namespace = None;
    match root.get("metadata") {
        None => problems.push(Problem::error(
            root.pos,
            "metadata is missing; every entity needs apiVersion, kind and metadata.name",
        )),
        Some(meta) if meta.as_map().is_none() => problems.push(Problem::error(
            meta.pos,
            format!("metadata must be a map, found {}", describe(meta)),
        )),
        Some(meta) => {
            name = required_string(meta, "name", "metadata.name");
            if let Some(ns) = meta.get("namespace") {
                match ns.as_str() {
                    Some(s) if !s.is_empty() => namespace = Some(s.to_owned()),
                    Some(_) => problems.push(Problem::error(
                        ns.pos,
                        "metadata.namespace must not be empty",
                    )),
                    None => problems.push(Problem::error(
                        ns.pos,
                        format!(
                            "metadata.namespace must be a string, found {}",
                            describe(ns)
                        ),
                    )),
                }
            }
            if let Some(a) = meta.get("annotations")
                && a.as_map().is_none()
            {
                problems.push(Problem::error(
                    a.pos,
                    format!("metadata.annotations must be a map, found {}", describe(a)),
                ));
            }
        }
    }
    let identity = match (kind, name) {
        (Some(k), Some(n)) => Some(EntityRef::new(
            k,
            namespace.unwrap_or_else(|| super::refs::DEFAULT_NAMESPACE.into()),
            n,
        )),
        _ => None,
    };
    match identity {
        Some(id) if problems.is_empty() => Ok(id),
        identity => Err(EnvelopeFailure { identity, problems }),
    }
}

/// Everything after the envelope. Returns the problems and, when the references all parse,
/// the spec references that become relations.
pub fn check_entity(
    root: &Node,
    identity: &EntityRef,
    opts: &CheckOptions,
) -> (Vec<Problem>, Vec<RefSite>) {
    let mut p = Vec::new();
    check_root_fields(root, &mut p);
    check_metadata(root, &mut p);
    let kind_def = check_kind(root, identity, opts, &mut p);
    let mut sites = Vec::new();
    if let (Some(def), Some(spec)) = (kind_def, root.get("spec"))
        && spec.as_map().is_some()
    {
        check_spec(def, spec, &mut p);
        sites = reference_sites(def, spec, identity, &mut p);
    }
    (p, sites)
}

fn check_root_fields(root: &Node, p: &mut Vec<Problem>) {
    for (k, _) in root.as_map().unwrap_or_default() {
        let key = k.as_str().unwrap_or_default();
        if !ROOT_FIELDS.contains(&key) {
            let hint = if matches!(key, "relations" | "status") {
                format!(" ({key} is written by the catalogue, not by hand)")
            } else {
                String::new()
            };
            p.push(Problem::error(
                k.pos,
                format!(
                    "unknown root field \"{key}\"{hint}; a descriptor has only apiVersion, kind, metadata and spec"
                ),
            ));
        }
    }
    if let Some(v) = root.get("apiVersion").and_then(Node::as_str)
        && !format::is_api_version(v)
    {
        let pos = root.get("apiVersion").map_or(root.pos, |n| n.pos);
        p.push(Problem::error(
            pos,
            format!("apiVersion \"{v}\" is not valid; expected <group>/<version> such as backstage.io/v1alpha1"),
        ));
    }
    if let Some(n) = root.get("kind")
        && let Some(v) = n.as_str()
        && !format::is_kind(v)
    {
        p.push(Problem::error(
            n.pos,
            format!("kind \"{v}\" is not valid; expected {KIND_RULE}"),
        ));
    }
    if let Some(spec) = root.get("spec")
        && spec.as_map().is_none()
    {
        p.push(Problem::error(
            spec.pos,
            format!("spec must be a map, found {}", describe(spec)),
        ));
    }
}

fn non_empty_string(node: &Node, path: &str, p: &mut Vec<Problem>) -> Option<String> {
    match node.as_str() {
        Some("") => {
            p.push(Problem::error(
                node.pos,
                format!("{path} must not be empty"),
            ));
            None
        }
        Some(s) => Some(s.to_owned()),
        None => {
            p.push(Problem::error(
                node.pos,
                format!("{path} must be a string, found {}", describe(node)),
            ));
            None
        }
    }
}

fn check_metadata(root: &Node, p: &mut Vec<Problem>) {
    let Some(meta) = root.get("metadata") else {
        return;
    };
    if let Some(n) = meta.get("name")
        && let Some(name) = n.as_str()
        && !format::is_object_name(name)
    {
        p.push(Problem::error(
            n.pos,
            format!("metadata.name \"{name}\" is not valid; expected {NAME_RULE}"),
        ));
    }
    if let Some(n) = meta.get("namespace")
        && let Some(ns) = n.as_str()
        && !format::is_dns_label(ns)
    {
        p.push(Problem::error(
            n.pos,
            format!("metadata.namespace \"{ns}\" is not valid; expected {NAMESPACE_RULE}"),
        ));
    }
    if let Some(t) = meta.get("title") {
        non_empty_string(t, "metadata.title", p);
    }
    // EntityMeta's schema: `description` is a string (empty allowed); a `description:` left
    // empty is YAML null, which Backstage's validator rejects.
    if let Some(d) = meta.get("description")
        && d.as_str().is_none()
    {
        p.push(Problem::error(
            d.pos,
            format!(
                "metadata.description must be a string, found {}; Backstage rejects the entity (write a description or remove the key)",
                describe(d)
            ),
        ));
    }
    for (field, values_are_names) in [("labels", true), ("annotations", false)] {
        let Some(map_node) = meta.get(field) else {
            continue;
        };
        let Some(entries) = map_node.as_map() else {
            p.push(Problem::error(
                map_node.pos,
                format!(
                    "metadata.{field} must be a map, found {}",
                    describe(map_node)
                ),
            ));
            continue;
        };
        for (k, v) in entries {
            let key = k.as_str().unwrap_or_default();
            if !format::is_qualified_key(key) {
                p.push(Problem::error(
                    k.pos,
                    format!("metadata.{field} key \"{key}\" is not valid; expected {KEY_RULE}"),
                ));
            }
            match v.as_str() {
                None => p.push(Problem::error(
                    v.pos,
                    format!("metadata.{field}.{key} must be a string, found {}", describe(v)),
                )),
                Some(value) if values_are_names && !format::is_label_value(value) => {
                    p.push(Problem::error(
                        v.pos,
                        format!(
                            "label value \"{value}\" is not valid; expected empty or {NAME_RULE} (free text belongs in annotations)"
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    if let Some(tags) = meta.get("tags") {
        match tags.as_seq() {
            None => p.push(Problem::error(
                tags.pos,
                format!("metadata.tags must be a list, found {}", describe(tags)),
            )),
            Some(items) => {
                for (i, t) in items.iter().enumerate() {
                    if let Some(tag) = non_empty_string(t, &format!("metadata.tags[{i}]"), p)
                        && !format::is_tag(&tag)
                    {
                        p.push(Problem::error(
                            t.pos,
                            format!("tag \"{tag}\" is not valid; expected {TAG_RULE}"),
                        ));
                    }
                }
            }
        }
    }
    if let Some(links) = meta.get("links") {
        check_links(links, p);
    }
}

fn check_links(links: &Node, p: &mut Vec<Problem>) {
    let Some(items) = links.as_seq() else {
        p.push(Problem::error(
            links.pos,
            format!("metadata.links must be a list, found {}", describe(links)),
        ));
        return;
    };
    for (i, link) in items.iter().enumerate() {
        let path = format!("metadata.links[{i}]");
        if link.as_map().is_none() {
            p.push(Problem::error(
                link.pos,
                format!("{path} must be a map with a url, found {}", describe(link)),
            ));
            continue;
        }
        match link.get("url") {
            None => p.push(Problem::error(link.pos, format!("{path}.url is missing"))),
            Some(u) => {
                if let Some(url) = non_empty_string(u, &format!("{path}.url"), p)
                    && !format::is_absolute_url(&url)
                {
                    p.push(Problem::error(
                        u.pos,
                        format!("{path}.url \"{url}\" is not an absolute URL"),
                    ));
                }
            }
        }
        for key in ["title", "type"] {
            if let Some(n) = link.get(key) {
                non_empty_string(n, &format!("{path}.{key}"), p);
            }
        }
        if let Some(n) = link.get("icon")
            && let Some(icon) = non_empty_string(n, &format!("{path}.icon"), p)
            && !format::is_object_name(&icon)
        {
            p.push(Problem::error(
                n.pos,
                format!("{path}.icon \"{icon}\" is not valid; expected {NAME_RULE}"),
            ));
        }
    }
}

/// Finds the kind's definition and checks that it accepts the apiVersion. A kind without a
/// processor is kept but marked as one Backstage would reject.
fn check_kind(
    root: &Node,
    identity: &EntityRef,
    opts: &CheckOptions,
    p: &mut Vec<Problem>,
) -> Option<&'static KindDef> {
    let kind = identity.kind.as_str();
    let kind_pos = root.get("kind").map_or(root.pos, |n| n.pos);
    let Some(def) = kinds::builtin(kind) else {
        if opts.extra_kinds.iter().any(|k| k == kind) {
            return None;
        }
        let message = match kinds::builtin_ignoring_case(kind) {
            Some(d) => format!(
                "kind \"{kind}\" is not known to Backstage, which compares kinds case-sensitively; did you mean \"{}\"?",
                d.kind
            ),
            None => format!(
                "kind \"{kind}\" is not built into Backstage; a backend without a processor for it rejects the entity (\"No processor recognized the entity as valid\"). If yours has one, list the kind under catalog.extra_kinds in the config"
            ),
        };
        p.push(Problem::error(kind_pos, message));
        return None;
    };
    let api_version = root
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or_default();
    if !def.api_versions.contains(&api_version) {
        let pos = root.get("apiVersion").map_or(root.pos, |n| n.pos);
        p.push(Problem::error(
            pos,
            format!(
                "kind {} does not accept apiVersion \"{api_version}\"; expected {}",
                def.kind,
                def.api_versions.join(" or ")
            ),
        ));
        return None;
    }
    match root.get("spec") {
        None => {
            p.push(Problem::error(
                root.pos,
                format!(
                    "spec is missing; {} {} needs spec with {}",
                    article(def.kind),
                    def.kind,
                    required_list(def)
                ),
            ));
            None
        }
        Some(_) => Some(def),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

fn required_list(def: &KindDef) -> String {
    let req: Vec<_> = def.required().collect();
    if req.is_empty() {
        "any of its optional fields".into()
    } else {
        req.join(", ")
    }
}

fn check_spec(def: &KindDef, spec: &Node, p: &mut Vec<Problem>) {
    for f in def.fields {
        let path = format!("spec.{}", f.name);
        let Some(node) = spec.get(f.name) else {
            if f.required {
                p.push(Problem::error(
                    spec.pos,
                    format!(
                        "{path} is missing; {} {} needs {}",
                        article(def.kind),
                        def.kind,
                        required_list(def)
                    ),
                ));
            }
            continue;
        };
        check_type(node, f.ty, &path, p);
    }
}

fn check_type(node: &Node, ty: FieldType, path: &str, p: &mut Vec<Problem>) {
    match ty {
        FieldType::Str => {
            non_empty_string(node, path, p);
        }
        FieldType::StrList => match node.as_seq() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    non_empty_string(item, &format!("{path}[{i}]"), p);
                }
            }
            None => p.push(Problem::error(
                node.pos,
                format!("{path} must be a list of strings, found {}", describe(node)),
            )),
        },
        FieldType::Object(members) => {
            if node.as_map().is_none() {
                p.push(Problem::error(
                    node.pos,
                    format!("{path} must be a map, found {}", describe(node)),
                ));
                return;
            }
            for m in members {
                if let Some(v) = node.get(m) {
                    non_empty_string(v, &format!("{path}.{m}"), p);
                }
            }
        }
        FieldType::ObjectList(required) => {
            let Some(items) = node.as_seq() else {
                p.push(Problem::error(
                    node.pos,
                    format!("{path} must be a list, found {}", describe(node)),
                ));
                return;
            };
            for (i, item) in items.iter().enumerate() {
                if item.as_map().is_none() {
                    p.push(Problem::error(
                        item.pos,
                        format!("{path}[{i}] must be a map, found {}", describe(item)),
                    ));
                    continue;
                }
                for r in required {
                    match item.get(r) {
                        None => p.push(Problem::error(
                            item.pos,
                            format!("{path}[{i}].{r} is missing"),
                        )),
                        Some(v) if v.as_str().is_none() => p.push(Problem::error(
                            v.pos,
                            format!("{path}[{i}].{r} must be a string, found {}", describe(v)),
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
        FieldType::ObjectOrObjectList => {
            let ok = match &node.value {
                NodeValue::Map(_) => true,
                NodeValue::Seq(items) => items.iter().all(|i| i.as_map().is_some()),
                _ => false,
            };
            if !ok {
                p.push(Problem::error(
                    node.pos,
                    format!(
                        "{path} must be a map or a list of maps, found {}",
                        describe(node)
                    ),
                ));
            }
        }
        FieldType::Enum(allowed) => match node.as_str() {
            Some(s) if allowed.contains(&s) => {}
            _ => p.push(Problem::error(
                node.pos,
                format!(
                    "{path} must be one of {}",
                    allowed
                        .iter()
                        .map(|a| format!("\"{a}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        },
    }
}

/// Parses the spec's references with each field's default kind and the entity's namespace.
fn reference_sites(
    def: &KindDef,
    spec: &Node,
    identity: &EntityRef,
    p: &mut Vec<Problem>,
) -> Vec<RefSite> {
    let mut sites = Vec::new();
    for f in def.fields {
        let Some(rule) = &f.refers else { continue };
        let Some(node) = spec.get(f.name) else {
            continue;
        };
        let values: Vec<(&Node, Option<usize>)> = match &node.value {
            NodeValue::Str(_) => vec![(node, None)],
            NodeValue::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, n)| (n, Some(i)))
                .collect(),
            _ => continue,
        };
        for (n, index) in values {
            let Some(text) = n.as_str().filter(|s| !s.is_empty()) else {
                continue;
            };
            let ctx = RefContext {
                default_kind: rule.default_kind,
                default_namespace: Some(&identity.namespace),
            };
            let path = match index {
                Some(i) => format!("spec.{}[{i}]", f.name),
                None => format!("spec.{}", f.name),
            };
            match parse_ref(text, ctx) {
                Ok(target) => sites.push(RefSite {
                    field: f.name,
                    relation: rule.relation.clone(),
                    written: text.to_owned(),
                    target: target.canonical(),
                    pos: n.pos,
                }),
                Err(RefError::MissingKind(_)) => p.push(Problem::error(
                    n.pos,
                    format!(
                        "{path} \"{text}\" needs a kind, such as \"component:{text}\" or \"resource:{text}\"; {} has no default kind",
                        f.name
                    ),
                )),
                Err(e) => p.push(Problem::error(n.pos, format!("{path}: {e}"))),
            }
        }
    }
    sites
}

/// Where the document's identity is written, for problems about the entity as a whole.
pub fn identity_pos(root: &Node) -> Pos {
    root.at(&["metadata", "name"]).map_or(root.pos, |n| n.pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_single};

    fn node(text: &str) -> Node {
        parse_single(text, &Limits::default()).unwrap().unwrap()
    }

    fn check(text: &str) -> (Vec<Problem>, Vec<RefSite>) {
        let root = node(text);
        let id = check_envelope(&root).expect("envelope");
        check_entity(&root, &id, &CheckOptions::default())
    }

    const GOOD: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  namespace: ops\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  dependsOn: [resource:db, component:other/x]\n";

    #[test]
    fn an_empty_description_is_null_and_rejected_like_backstage() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  description:\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";
        let (p, _) = check(text);
        let d: Vec<&Problem> = p
            .iter()
            .filter(|p| {
                p.message
                    .starts_with("metadata.description must be a string, found null")
            })
            .collect();
        assert_eq!(d.len(), 1, "{p:?}");
        assert_eq!(d[0].severity, crate::catalog::Severity::Error);
        assert_eq!(d[0].pos.line, 5);
        // An empty string is a string.
        let (p, _) = check(&text.replace("description:", "description: \"\""));
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn good_component_has_no_problems_and_its_refs() {
        let (p, sites) = check(GOOD);
        assert!(p.is_empty(), "{p:?}");
        let targets: Vec<_> = sites.iter().map(|s| s.target.clone()).collect();
        assert_eq!(
            targets,
            ["group:ops/team-a", "resource:ops/db", "component:other/x"]
        );
        assert_eq!(sites[0].pos, Pos::new(9, 10));
    }

    #[test]
    fn envelope_failures_name_the_field_and_position() {
        let root = node("kind: Component\nmetadata:\n  name: 5\n");
        let f = check_envelope(&root).unwrap_err();
        let msgs: Vec<_> = f
            .problems
            .iter()
            .map(|p| (p.pos, p.message.as_str()))
            .collect();
        assert!(
            msgs.iter()
                .any(|(_, m)| m.contains("apiVersion is missing")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|(pos, m)| *pos == Pos::new(3, 9)
                    && m.contains("metadata.name must be a string")),
            "{msgs:?}"
        );
        let root = node("- a\n- b\n");
        assert!(
            check_envelope(&root).unwrap_err().problems[0]
                .message
                .contains("got a list")
        );
    }

    #[test]
    fn unknown_root_field_and_missing_required() {
        let (p, _) = check(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\nspec:\n  type: service\nrelations: []\n",
        );
        let msgs: Vec<_> = p.iter().map(|p| (p.pos.line, p.message.clone())).collect();
        assert!(
            msgs.iter()
                .any(|(l, m)| *l == 7 && m.contains("unknown root field \"relations\"")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|(_, m)| m.contains("spec.lifecycle is missing")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|(_, m)| m.contains("spec.owner is missing")),
            "{msgs:?}"
        );
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let (p, _) = check(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  tags: [Java]\nspec:\n  type: service\n  lifecycle: production\n  owner: [a, b]\n",
        );
        assert!(
            p.iter()
                .any(|p| p.pos == Pos::new(9, 10)
                    && p.message.contains("spec.owner must be a string")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|p| p.pos == Pos::new(5, 10) && p.message.contains("tag \"Java\"")),
            "{p:?}"
        );
    }

    #[test]
    fn depends_on_needs_a_kind() {
        let (p, sites) = check(
            "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: r\nspec:\n  type: database\n  owner: a\n  dependsOn: [artists-db]\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("needs a kind"));
        assert_eq!(p[0].pos, Pos::new(8, 15));
        assert_eq!(sites.len(), 1);
    }

    #[test]
    fn kinds_are_case_sensitive_and_unknown_kinds_rejected_unless_allowed() {
        let (p, _) = check(
            "apiVersion: backstage.io/v1alpha1\nkind: component\nmetadata:\n  name: x\nspec: {}\n",
        );
        assert!(p[0].message.contains("did you mean \"Component\""), "{p:?}");
        let text =
            "apiVersion: backstage.io/v1alpha1\nkind: AiResource\nmetadata:\n  name: x\nspec: {}\n";
        let (p, _) = check(text);
        assert!(p[0].message.contains("not built into Backstage"));
        let root = node(text);
        let id = check_envelope(&root).unwrap();
        let opts = CheckOptions {
            extra_kinds: vec!["AiResource".into()],
        };
        assert!(check_entity(&root, &id, &opts).0.is_empty());
    }

    #[test]
    fn api_version_must_match_the_kind() {
        let (p, _) = check(
            "apiVersion: backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: x\n  steps: []\n",
        );
        assert!(p[0].message.contains("does not accept apiVersion"), "{p:?}");
        let (p, _) = check(
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: x\n  steps: [{id: a}]\n",
        );
        assert!(
            p[0].message.contains("spec.steps[0].action is missing"),
            "{p:?}"
        );
    }

    #[test]
    fn metadata_formats() {
        let (p, _) = check(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: -bad\n  namespace: Prod\n  labels:\n    ok: fine\n    bad: has spaces\n  annotations:\n    a: 1\n  links:\n    - url: /relative\n    - title: x\nspec: {}\n",
        );
        let msgs: Vec<_> = p.iter().map(|p| p.message.as_str()).collect();
        for want in [
            "metadata.name \"-bad\"",
            "metadata.namespace \"Prod\"",
            "label value \"has spaces\"",
            "metadata.annotations.a must be a string",
            "metadata.links[0].url \"/relative\" is not an absolute URL",
            "metadata.links[1].url is missing",
        ] {
            assert!(
                msgs.iter().any(|m| m.contains(want)),
                "missing {want}: {msgs:?}"
            );
        }
    }

    #[test]
    fn location_presence_enum() {
        let (p, _) = check(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n  presence: maybe\n",
        );
        assert!(
            p[0].message
                .contains("must be one of \"required\", \"optional\""),
            "{p:?}"
        );
    }
}
