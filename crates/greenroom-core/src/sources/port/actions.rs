//! Port's self-service actions (`research/portals.md` §1.2-1.3): the actions a Port
//! organisation offers (`GET /v1/actions`), which entities a DAY-2 or DELETE action applies to
//! (its trigger condition), its `userInputs` as a form of the scaffolder's own form engine (the
//! action becomes a [`Template`] whose one page is the JSON Schema the inputs describe), runs
//! (`POST /v1/actions/{id}/runs`, the run, its logs, the runs list), approvals (runs waiting
//! for me; `PATCH /v1/actions/runs/{id}/approval`), and [`PortRunExecutor`], which puts a Port
//! run behind the scaffolder's executor shape (steps, log lines, output links) so one run view
//! serves local runs and Port's.
//!
//! Port evaluates `jqQuery` expressions in its web app; greenroom understands the common
//! visibility form (`.form.x == "v"`, `!=`, a bare `.form.x`, joined by `and`/`or` of the same
//! field) by turning it into the form's `if`/`then`/`else`, and shows other fields always (with
//! a note). Dynamic defaults, enums and `required` expressions are left to Port's own
//! validation when the run is sent.

use super::{Client, PortSource, urlencode};
use crate::catalog::{Catalog, Entity};
use crate::scaffold::exec::{
    CancelToken, Executor, RunResult, StepStatus, TaskEvent, TaskSpec, TaskStatus,
};
use crate::scaffold::{Secrets, Template};
use crate::text::sanitize_line;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// What kind of self-service an action is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Operation {
    /// Creates something: offered beside the templates.
    #[serde(rename = "CREATE")]
    Create,
    /// Acts on an existing entity.
    #[serde(rename = "DAY-2")]
    Day2,
    /// Deletes an entity.
    #[serde(rename = "DELETE")]
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Day2 => "DAY-2",
            Operation::Delete => "DELETE",
        }
    }
}

/// One self-service action.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortAction {
    pub identifier: String,
    pub title: String,
    pub description: Option<String>,
    pub operation: Operation,
    /// The blueprint whose entities it creates or acts on.
    pub blueprint: Option<String>,
    /// `trigger.condition` (a SEARCH query) selecting the entities a DAY-2/DELETE action shows
    /// on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Json>,
    /// `trigger.userInputs` as Port wrote it.
    #[serde(skip)]
    pub user_inputs: Json,
    pub requires_approval: bool,
    /// The button's text (`executeActionButtonText`), else "Execute".
    pub button: String,
}

/// Reads `GET /v1/actions`: self-service actions only (automations are skipped), each string
/// cleaned of control characters.
pub fn parse_actions(body: &Json) -> Vec<PortAction> {
    body.get("actions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(parse_action)
        .collect()
}

fn clean(v: Option<&Json>) -> Option<String> {
    v.and_then(Json::as_str)
        .map(|s| sanitize_line(s).into_owned())
        .filter(|s| !s.is_empty())
}

fn parse_action(a: &Json) -> Option<PortAction> {
    let trigger = a.get("trigger")?;
    if trigger.get("type").and_then(Json::as_str) != Some("self-service") {
        return None;
    }
    let identifier = clean(a.get("identifier"))?;
    let operation = match trigger.get("operation").and_then(Json::as_str)? {
        "CREATE" => Operation::Create,
        "DAY-2" | "DAY_2" => Operation::Day2,
        "DELETE" => Operation::Delete,
        _ => return None,
    };
    let requires_approval = match a.get("requiredApproval") {
        Some(Json::Bool(b)) => *b,
        Some(Json::Object(o)) => o.get("type").and_then(Json::as_str).is_some(),
        _ => false,
    };
    Some(PortAction {
        title: clean(a.get("title")).unwrap_or_else(|| identifier.clone()),
        description: clean(a.get("description")),
        blueprint: clean(trigger.get("blueprintIdentifier")),
        condition: trigger.get("condition").filter(|c| c.is_object()).cloned(),
        user_inputs: trigger
            .get("userInputs")
            .cloned()
            .unwrap_or_else(|| json!({"properties": {}})),
        button: clean(trigger.get("executeActionButtonText")).unwrap_or_else(|| "Execute".into()),
        requires_approval,
        operation,
        identifier,
    })
}

/// The Port identifier and blueprint of a catalogue entity read from Port.
pub fn port_identity(e: &Entity) -> Option<(&str, &str)> {
    Some((
        e.annotation("port.io/blueprint")?,
        e.annotation("port.io/identifier")?,
    ))
}

impl PortAction {
    /// Whether a DAY-2/DELETE action is offered on this entity: it came from Port, is of the
    /// action's blueprint, and passes the trigger condition. Rules greenroom cannot evaluate
    /// count as passing (Port still checks when the run is sent).
    pub fn applies_to(&self, e: &Entity) -> bool {
        if self.operation == Operation::Create {
            return false;
        }
        let Some((blueprint, _)) = port_identity(e) else {
            return false;
        };
        if self.blueprint.as_deref().is_some_and(|b| b != blueprint) {
            return false;
        }
        self.condition.as_ref().is_none_or(|c| query_matches(c, e))
    }

    /// The action as a template for the form engine: one page from `userInputs` (or one per
    /// `steps` entry), and the steps a Port run goes through.
    pub fn template(&self) -> Template {
        let pages = input_pages(&self.user_inputs, &self.title);
        let mut steps =
            vec![json!({"id": "request", "name": "Send the run to Port", "action": "port:run"})];
        if self.requires_approval {
            steps.push(json!({"id": "approval", "name": "Approval", "action": "port:approval"}));
        }
        steps.push(json!({"id": "run", "name": "Run", "action": "port:backend"}));
        let mut data = Map::new();
        data.insert(
            "apiVersion".into(),
            json!(crate::scaffold::template::API_VERSION),
        );
        data.insert("kind".into(), json!("Template"));
        data.insert(
            "metadata".into(),
            json!({
                "name": self.identifier,
                "namespace": "port",
                "title": self.title,
                "description": self.description,
                "tags": ["port", self.operation.as_str().to_lowercase()],
            }),
        );
        data.insert(
            "spec".into(),
            json!({
                "type": "port-action",
                "parameters": pages,
                "steps": steps,
                "presentation": {"buttonLabels": {"createButtonText": self.button}},
            }),
        );
        Template::from_json(&data, None).expect("a generated template is valid")
    }

    /// Input names whose value is JSON typed as text (Port's `object` inputs).
    fn json_inputs(&self) -> Vec<String> {
        self.user_inputs
            .get("properties")
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, p)| p.get("type").and_then(Json::as_str) == Some("object"))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The `properties` a run sends: the form's values and secrets, with entity, user and team
    /// picks turned back into what Port expects (identifiers, emails, team names) and `object`
    /// inputs parsed from their JSON text.
    pub fn properties(
        &self,
        values: &Json,
        secrets: &Secrets,
        refs: &BTreeMap<String, String>,
    ) -> Result<Json, String> {
        let mut out = values.as_object().cloned().unwrap_or_default();
        for (k, v) in secrets.iter() {
            out.insert(k.to_owned(), json!(v));
        }
        let back = |v: &Json| match v {
            Json::String(s) => refs
                .get(&s.to_lowercase())
                .map_or_else(|| v.clone(), |p| json!(p)),
            other => other.clone(),
        };
        for (k, v) in out.iter_mut() {
            let kind = self.user_inputs.pointer(&format!(
                "/properties/{}",
                k.replace('~', "~0").replace('/', "~1")
            ));
            let is_picked = |s: Option<&Json>| {
                matches!(
                    s.and_then(|s| s.get("format")).and_then(Json::as_str),
                    Some("entity" | "user" | "team")
                )
            };
            if is_picked(kind) || is_picked(kind.and_then(|s| s.get("items"))) {
                let new = match &*v {
                    Json::Array(items) => Json::Array(items.iter().map(back).collect()),
                    other => back(other),
                };
                *v = new;
            }
        }
        for k in self.json_inputs() {
            if let Some(Json::String(text)) = out.get(&k) {
                let parsed: Json = if text.trim().is_empty() {
                    json!({})
                } else {
                    serde_json::from_str(text).map_err(|e| format!("{k} is not JSON: {e}"))?
                };
                out.insert(k, parsed);
            }
        }
        Ok(Json::Object(out))
    }
}

/// What each catalogue entity read from Port is called in Port: entities by identifier, users
/// by email, teams by name. Keys are lower-case entity refs.
pub fn port_refs(catalog: &Catalog) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in catalog.entities() {
        let port = e
            .annotation("port.io/identifier")
            .or_else(|| e.annotation("port.io/team"))
            .map(str::to_owned)
            .or_else(|| {
                (e.is_kind("User") && e.origin.location.starts_with("port:"))
                    .then(|| {
                        e.data
                            .get("spec")
                            .and_then(|s| s.pointer("/profile/email"))
                            .and_then(Json::as_str)
                            .map(str::to_owned)
                    })
                    .flatten()
            });
        if let Some(p) = port {
            out.insert(e.key.to_lowercase(), p);
        }
    }
    out
}

// ------------------------------------------------------------------ userInputs → form

/// The form pages of `userInputs`: `steps` (each with its own `order`) or one page in
/// `order`.
fn input_pages(inputs: &Json, title: &str) -> Vec<Json> {
    let props = inputs
        .get("properties")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let required: Vec<String> = inputs
        .get("required")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect();
    let order: Vec<String> = str_list(inputs.get("order"));
    let steps: Vec<(String, Vec<String>)> = inputs
        .get("steps")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|s| {
            (
                clean(s.get("title")).unwrap_or_else(|| title.to_owned()),
                str_list(s.get("order")),
            )
        })
        .filter(|(_, o)| !o.is_empty())
        .collect();
    if steps.is_empty() {
        return vec![page(title, &props, &required, &order)];
    }
    let mut pages: Vec<Json> = steps
        .iter()
        .map(|(t, o)| {
            let sub: Map<String, Json> = o
                .iter()
                .filter_map(|k| Some((k.clone(), props.get(k)?.clone())))
                .collect();
            page(t, &sub, &required, o)
        })
        .collect();
    // Inputs no step names still get asked.
    let rest: Map<String, Json> = props
        .iter()
        .filter(|(k, _)| !steps.iter().any(|(_, o)| o.contains(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !rest.is_empty() {
        pages.push(page(title, &rest, &required, &[]));
    }
    pages
}

fn str_list(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect()
}

/// One page: JSON Schema with the `ui:*` keys the form engine reads.
fn page(title: &str, props: &Map<String, Json>, required: &[String], order: &[String]) -> Json {
    let mut properties = Map::new();
    let mut conditional: Vec<Json> = Vec::new();
    for (name, input) in props {
        let schema = field_schema(input);
        match input.get("visible") {
            Some(Json::Bool(false)) => {
                let mut s = schema;
                s["ui:widget"] = json!("hidden");
                properties.insert(name.clone(), s);
            }
            Some(Json::Object(q)) if q.contains_key("jqQuery") => {
                let expr = q.get("jqQuery").and_then(Json::as_str).unwrap_or_default();
                match visibility(expr) {
                    Some(cond) => conditional.push(cond.schema(name, schema)),
                    None => {
                        let mut s = schema;
                        note(&mut s, "shown always: Port decides when it applies");
                        properties.insert(name.clone(), s);
                    }
                }
            }
            _ => {
                properties.insert(name.clone(), schema);
            }
        }
    }
    let mut keys: Vec<String> = order
        .iter()
        .filter(|k| props.contains_key(*k))
        .cloned()
        .collect();
    keys.push("*".into());
    let req: Vec<&String> = required
        .iter()
        .filter(|r| properties.contains_key(*r))
        .collect();
    let mut page = json!({
        "title": title,
        "type": "object",
        "properties": properties,
        "required": req,
        "ui:order": keys,
    });
    if !conditional.is_empty() {
        page["allOf"] = Json::Array(conditional);
    }
    page
}

fn note(schema: &mut Json, text: &str) {
    let d = schema
        .get("description")
        .and_then(Json::as_str)
        .map(|d| format!("{d} ({text})"))
        .unwrap_or_else(|| format!("({text})"));
    schema["description"] = json!(d);
}

/// One input as a JSON Schema property with the form engine's `ui:*` keys.
fn field_schema(input: &Json) -> Json {
    let mut s = Map::new();
    for key in [
        "title",
        "description",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "enumColors",
    ] {
        if let Some(v) = input.get(key)
            && key != "enumColors"
        {
            s.insert(key.into(), v.clone());
        }
    }
    let ty = input.get("type").and_then(Json::as_str).unwrap_or("string");
    let format = input.get("format").and_then(Json::as_str);
    if let Some(Json::Array(choices)) = input.get("enum") {
        s.insert("enum".into(), Json::Array(choices.clone()));
    }
    let dynamic = |v: Option<&Json>| v.is_some_and(|v| v.get("jqQuery").is_some());
    if let Some(d) = input.get("default").filter(|d| !dynamic(Some(d))) {
        s.insert("default".into(), d.clone());
    }
    let picker = |format: Option<&str>, blueprint: Option<&Json>, multi: bool| -> Option<Json> {
        let field = if multi {
            "MultiEntityPicker"
        } else {
            "EntityPicker"
        };
        let filter = match format? {
            "entity" => match blueprint.and_then(Json::as_str) {
                Some(bp) => json!({"metadata.annotations.port.io/blueprint": bp}),
                None => json!({"metadata.annotations.port.io/identifier": {"exists": true}}),
            },
            "user" => json!({"kind": "User"}),
            "team" => json!({"kind": "Group"}),
            _ => return None,
        };
        Some(json!({"ui:field": field, "ui:options": {"catalogFilter": filter}}))
    };
    match ty {
        "number" | "integer" | "boolean" => {
            s.insert("type".into(), json!(ty));
        }
        "object" => {
            s.insert("type".into(), json!("string"));
            s.insert("ui:widget".into(), json!("textarea"));
            s.insert("ui:placeholder".into(), json!("{\"key\": \"value\"}"));
            if let Some(d) = s.get("default").filter(|d| !d.is_string()).cloned() {
                s.insert("default".into(), json!(d.to_string()));
            }
            note(&mut Json::Object(s.clone()), "JSON");
            let d = s
                .get("description")
                .and_then(Json::as_str)
                .map(|d| format!("{d} (JSON)"))
                .unwrap_or_else(|| "(JSON)".into());
            s.insert("description".into(), json!(d));
        }
        "array" => {
            s.insert("type".into(), json!("array"));
            let items = input
                .get("items")
                .cloned()
                .unwrap_or(json!({"type": "string"}));
            let item_format = items.get("format").and_then(Json::as_str);
            if let Some(ui) = picker(item_format, items.get("blueprint"), true) {
                s.insert("items".into(), json!({"type": "string"}));
                merge(&mut s, ui);
            } else {
                let mut item = Map::new();
                item.insert(
                    "type".into(),
                    items.get("type").cloned().unwrap_or(json!("string")),
                );
                if let Some(e) = items.get("enum").filter(|e| e.is_array()) {
                    item.insert("enum".into(), e.clone());
                }
                s.insert("items".into(), Json::Object(item));
            }
        }
        _ => {
            s.insert("type".into(), json!("string"));
            if let Some(ui) = picker(format, input.get("blueprint"), false) {
                merge(&mut s, ui);
            } else {
                match format {
                    Some("multi-line" | "markdown" | "yaml") => {
                        s.insert("ui:widget".into(), json!("textarea"));
                    }
                    Some(f @ ("email" | "url" | "date-time" | "ipv4" | "ipv6")) => {
                        let f = if f == "url" { "uri" } else { f };
                        s.insert("format".into(), json!(f));
                    }
                    _ => {}
                }
            }
            if input.get("encryption").is_some() {
                // Masked and kept out of every log; Port encrypts it on its side.
                s.insert("ui:widget".into(), json!("password"));
            }
        }
    }
    if matches!(input.get("enum"), Some(Json::Object(_))) {
        let mut j = Json::Object(s);
        note(&mut j, "choices computed by Port");
        return j;
    }
    if let Some(Json::Array(deps)) = input.get("dependsOn")
        && !deps.is_empty()
    {
        let names: Vec<&str> = deps.iter().filter_map(Json::as_str).collect();
        let mut j = Json::Object(s);
        note(&mut j, &format!("after {}", names.join(", ")));
        return j;
    }
    Json::Object(s)
}

fn merge(into: &mut Map<String, Json>, from: Json) {
    if let Json::Object(m) = from {
        into.extend(m);
    }
}

/// A visibility condition greenroom evaluates: `field` equals (or not) one of `values`, or is
/// truthy.
#[derive(Debug, PartialEq)]
struct Visibility {
    field: String,
    values: Vec<Json>,
    negate: bool,
}

impl Visibility {
    /// `allOf` entry: `if` the condition holds `then` the field exists.
    fn schema(&self, name: &str, field: Json) -> Json {
        let test = json!({"properties": {self.field.clone(): {"enum": self.values}}, "required": [self.field]});
        let shown = json!({"properties": {name: field}});
        if self.negate {
            json!({"if": test, "else": shown})
        } else {
            json!({"if": test, "then": shown})
        }
    }
}

/// Reads `.form.x == "v"`, `.form.x != "v"`, `.form.x` (truthy), and `or`/`and` chains of
/// equalities of one field (`.form.x == "a" or .form.x == "b"`).
fn visibility(expr: &str) -> Option<Visibility> {
    let expr = expr.trim();
    let ors: Vec<&str> = expr.split(" or ").collect();
    if ors.len() > 1 {
        let parts: Vec<Visibility> = ors.iter().map(|p| visibility(p)).collect::<Option<_>>()?;
        let field = parts[0].field.clone();
        if parts.iter().any(|p| p.field != field || p.negate) {
            return None;
        }
        return Some(Visibility {
            field,
            values: parts.into_iter().flat_map(|p| p.values).collect(),
            negate: false,
        });
    }
    if expr.contains(" and ") || expr.contains('|') {
        return None;
    }
    let path = |s: &str| -> Option<String> {
        let name = s.trim().strip_prefix(".form.")?;
        (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .then(|| name.to_owned())
    };
    for (op, negate) in [("==", false), ("!=", true)] {
        if let Some((l, r)) = expr.split_once(op) {
            let field = path(l)?;
            let value: Json = serde_json::from_str(r.trim()).ok()?;
            return Some(Visibility {
                field,
                values: vec![value],
                negate,
            });
        }
    }
    Some(Visibility {
        field: path(expr)?,
        values: vec![json!(true)],
        negate: false,
    })
}

// ------------------------------------------------------------------ trigger conditions

/// Whether an entity passes a Port search query (`{combinator, rules}`); unknown rules pass.
pub fn query_matches(q: &Json, e: &Entity) -> bool {
    let rules = q.get("rules").and_then(Json::as_array);
    let mut results = rules.into_iter().flatten().map(|r| {
        if r.get("rules").is_some() {
            query_matches(r, e)
        } else {
            rule_matches(r, e).unwrap_or(true)
        }
    });
    match q.get("combinator").and_then(Json::as_str) {
        Some("or") => results.any(|b| b),
        _ => results.all(|b| b),
    }
}

/// The values of a Port property of an entity read from Port.
fn property_values(e: &Entity, property: &str) -> Vec<Json> {
    let one = |v: Option<&Json>| -> Vec<Json> {
        match v {
            Some(Json::Array(a)) => a.clone(),
            Some(Json::Null) | None => Vec::new(),
            Some(v) => vec![v.clone()],
        }
    };
    match property {
        "$identifier" => one(e
            .annotation("port.io/identifier")
            .map(|s| json!(s))
            .as_ref()),
        "$blueprint" => one(e.annotation("port.io/blueprint").map(|s| json!(s)).as_ref()),
        "$title" => vec![json!(e.display_name())],
        "$team" => e
            .relations
            .iter()
            .filter(|r| r.kind.as_str() == "ownedBy")
            .map(|r| json!(r.target.rsplit('/').next().unwrap_or(&r.target)))
            .collect(),
        p => one(e
            .data
            .get("spec")
            .and_then(|s| s.get("properties"))
            .and_then(|s| s.get(p))),
    }
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.to_lowercase(),
        other => other.to_string(),
    }
}

fn rule_matches(r: &Json, e: &Entity) -> Option<bool> {
    let property = r.get("property")?.as_str()?;
    let op = r.get("operator")?.as_str()?;
    let have = property_values(e, property);
    let value = r.get("value");
    if value.is_some_and(|v| v.get("context").is_some() || v.get("jqQuery").is_some()) {
        return None;
    }
    let wanted: Vec<String> = match value {
        Some(Json::Array(a)) => a.iter().map(text).collect(),
        Some(v) => vec![text(v)],
        None => Vec::new(),
    };
    let texts: Vec<String> = have.iter().map(text).collect();
    let w = wanted.first();
    let number = |f: fn(f64, f64) -> bool| -> Option<bool> {
        let target = value?.as_f64()?;
        Some(
            have.iter()
                .any(|h| h.as_f64().is_some_and(|h| f(h, target))),
        )
    };
    Some(match op {
        "=" => w.is_some_and(|w| texts.contains(w)),
        "!=" => w.is_none_or(|w| !texts.contains(w)),
        "in" | "containsAny" => texts.iter().any(|t| wanted.contains(t)),
        "notIn" => !texts.iter().any(|t| wanted.contains(t)),
        "contains" => w.is_some_and(|w| texts.iter().any(|t| t.contains(w.as_str()))),
        "doesNotContains" => w.is_none_or(|w| !texts.iter().any(|t| t.contains(w.as_str()))),
        "beginsWith" => w.is_some_and(|w| texts.iter().any(|t| t.starts_with(w.as_str()))),
        "doesNotBeginsWith" => w.is_none_or(|w| !texts.iter().any(|t| t.starts_with(w.as_str()))),
        "endsWith" => w.is_some_and(|w| texts.iter().any(|t| t.ends_with(w.as_str()))),
        "doesNotEndsWith" => w.is_none_or(|w| !texts.iter().any(|t| t.ends_with(w.as_str()))),
        "isEmpty" => texts.iter().all(|t| t.is_empty() || t == "\"\""),
        "isNotEmpty" => texts.iter().any(|t| !t.is_empty() && t != "\"\""),
        ">" => number(|a, b| a > b)?,
        ">=" => number(|a, b| a >= b)?,
        "<" => number(|a, b| a < b)?,
        "<=" => number(|a, b| a <= b)?,
        _ => return None,
    })
}

// ------------------------------------------------------------------ runs

/// A run's state as Port reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    InProgress,
    WaitingForApproval,
    Success,
    Failure,
    Declined,
    Unknown,
}

impl RunStatus {
    fn parse(s: &str) -> RunStatus {
        match s {
            "IN_PROGRESS" => RunStatus::InProgress,
            "WAITING_FOR_APPROVAL" => RunStatus::WaitingForApproval,
            "SUCCESS" => RunStatus::Success,
            "FAILURE" => RunStatus::Failure,
            "DECLINED" => RunStatus::Declined,
            _ => RunStatus::Unknown,
        }
    }

    pub fn is_over(self) -> bool {
        matches!(
            self,
            RunStatus::Success | RunStatus::Failure | RunStatus::Declined
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            RunStatus::InProgress => "in progress",
            RunStatus::WaitingForApproval => "waiting for approval",
            RunStatus::Success => "succeeded",
            RunStatus::Failure => "failed",
            RunStatus::Declined => "declined",
            RunStatus::Unknown => "unknown",
        }
    }
}

/// One action run (the shared run object of the execute, get, list and approval answers).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortRun {
    pub id: String,
    pub action: String,
    pub action_title: String,
    pub status: RunStatus,
    pub status_label: Option<String>,
    /// The entity it acts on (DAY-2/DELETE).
    pub entity: Option<String>,
    pub blueprint: Option<String>,
    pub links: Vec<String>,
    pub summary: Option<String>,
    pub created_by: Option<String>,
    pub created_at: Option<String>,
    pub ended_at: Option<String>,
    /// The approver's reason, once approved or declined.
    pub approval_note: Option<String>,
    /// The inputs as sent (secrets are Port's encrypted form, never shown).
    #[serde(skip)]
    pub properties: Json,
}

fn identifier_of(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::String(s) => Some(sanitize_line(s).into_owned()),
        o => clean(o.get("identifier")),
    }
}

pub fn parse_run(r: &Json) -> Option<PortRun> {
    let id = clean(r.get("id"))?;
    let action = r.get("action");
    let links = match r.get("link") {
        Some(Json::String(s)) => vec![s.clone()],
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Some(PortRun {
        id,
        action: identifier_of(action).unwrap_or_default(),
        action_title: action
            .and_then(|a| clean(a.get("title")))
            .or_else(|| identifier_of(action))
            .unwrap_or_default(),
        status: RunStatus::parse(r.get("status").and_then(Json::as_str).unwrap_or_default()),
        status_label: clean(r.get("statusLabel")),
        entity: identifier_of(r.get("entity")),
        blueprint: identifier_of(r.get("blueprint")),
        links: links
            .iter()
            .map(|l| sanitize_line(l).into_owned())
            .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
            .collect(),
        summary: clean(r.get("summary")),
        created_by: clean(r.get("createdBy")),
        created_at: clean(r.get("createdAt")),
        ended_at: clean(r.get("endedAt")),
        approval_note: r.get("approval").and_then(|a| clean(a.get("description"))),
        properties: r.get("properties").cloned().unwrap_or(Json::Null),
    })
}

/// One log line of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunLog {
    pub message: String,
    pub created_at: Option<String>,
}

/// Which runs to list (`GET /v1/actions/runs`).
#[derive(Clone, Debug, Default)]
pub struct RunsQuery {
    pub entity: Option<String>,
    pub action: Option<String>,
    pub active: Option<bool>,
    pub user_email: Option<String>,
    pub limit: Option<usize>,
}

/// Approve or decline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Decline,
}

/// Port's actions API for one source (its URL and credentials).
pub struct Actions<'a> {
    client: Client<'a>,
}

impl<'a> Actions<'a> {
    pub fn new(source: &'a PortSource) -> Result<Actions<'a>, String> {
        Ok(Actions {
            client: Client::new(source)?,
        })
    }

    /// Self-service actions, by title.
    pub fn list(&self) -> Result<Vec<PortAction>, String> {
        let body = self.client.get("/v1/actions")?;
        let mut actions = parse_actions(&body);
        actions.sort_by_key(|a| a.title.to_lowercase());
        Ok(actions)
    }

    /// Starts a run (`entity`: the identifier a DAY-2/DELETE run acts on).
    pub fn run(
        &self,
        action: &str,
        entity: Option<&str>,
        properties: &Json,
    ) -> Result<PortRun, String> {
        let mut body = json!({"properties": properties});
        if let Some(e) = entity {
            body["entity"] = json!(e);
        }
        let answer = self
            .client
            .post(&format!("/v1/actions/{}/runs", urlencode(action)), &body)?;
        answer
            .get("run")
            .and_then(parse_run)
            .ok_or_else(|| "Port's answer has no run".to_owned())
    }

    pub fn get_run(&self, id: &str) -> Result<PortRun, String> {
        let answer = self
            .client
            .get(&format!("/v1/actions/runs/{}", urlencode(id)))?;
        answer
            .get("run")
            .and_then(parse_run)
            .ok_or_else(|| format!("Port's answer has no run {id}"))
    }

    /// A run's log lines from `offset` on.
    pub fn logs(&self, id: &str, offset: usize) -> Result<Vec<RunLog>, String> {
        let answer = self.client.get(&format!(
            "/v1/actions/runs/{}/logs?offset={offset}&limit={}",
            urlencode(id),
            crate::limits::PORT_RUN_LOG_PAGE
        ))?;
        Ok(answer
            .get("runLogs")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| {
                Some(RunLog {
                    message: crate::text::sanitize_block(l.get("message")?.as_str()?).into_owned(),
                    created_at: clean(l.get("createdAt")),
                })
            })
            .collect())
    }

    pub fn runs(&self, q: &RunsQuery) -> Result<Vec<PortRun>, String> {
        let mut params = vec![("version".to_owned(), "v2".to_owned())];
        let mut add = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                params.push((k.to_owned(), v));
            }
        };
        add("entity", q.entity.clone());
        add("action", q.action.clone());
        add("active", q.active.map(|a| a.to_string()));
        add("user_email", q.user_email.clone());
        add(
            "limit",
            Some(
                q.limit
                    .unwrap_or(crate::limits::PORT_RUNS_LISTED)
                    .to_string(),
            ),
        );
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        let answer = self.client.get(&format!("/v1/actions/runs?{query}"))?;
        Ok(answer
            .get("runs")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(parse_run)
            .collect())
    }

    /// Runs waiting for approval that `me` (an email) may decide: every waiting run Port
    /// shows this token, less those whose approvers list names others but not `me`.
    pub fn waiting_for(&self, me: Option<&str>) -> Result<Vec<PortRun>, String> {
        let waiting: Vec<PortRun> = self
            .runs(&RunsQuery {
                active: Some(true),
                ..RunsQuery::default()
            })?
            .into_iter()
            .filter(|r| r.status == RunStatus::WaitingForApproval)
            .collect();
        let Some(me) = me else {
            return Ok(waiting);
        };
        let mut out = Vec::new();
        for run in waiting {
            let approvers = self.client.get(&format!(
                "/v1/actions/runs/{}/approvers?include_pending_approvers=true",
                urlencode(&run.id)
            ));
            let list: Vec<Json> = approvers
                .ok()
                .and_then(|a| a.get("approvers").and_then(Json::as_array).cloned())
                .unwrap_or_default();
            let mine = list.iter().any(|a| {
                let who = a.get("userId").and_then(Json::as_str).unwrap_or_default();
                let state = a.get("state").and_then(Json::as_str).unwrap_or_default();
                who.eq_ignore_ascii_case(me)
                    && !matches!(state, "APPROVED" | "DECLINED" | "APPROVE" | "DECLINE")
            });
            if list.is_empty() || mine {
                out.push(run);
            }
        }
        Ok(out)
    }

    /// Approves or declines a run waiting for approval, with a reason.
    pub fn decide(
        &self,
        id: &str,
        decision: Decision,
        reason: Option<&str>,
    ) -> Result<PortRun, String> {
        let mut body = json!({"status": match decision {
            Decision::Approve => "APPROVE",
            Decision::Decline => "DECLINE",
        }});
        if let Some(r) = reason.filter(|r| !r.trim().is_empty()) {
            body["description"] = json!(r);
        }
        let answer = self.client.patch(
            &format!("/v1/actions/runs/{}/approval", urlencode(id)),
            &body,
        )?;
        match answer.get("run").and_then(parse_run) {
            Some(run) => Ok(run),
            None => self.get_run(id),
        }
    }
}

/// Runs a Port action as a scaffolder task: sends the run, waits out its approval, follows its
/// status and logs until it ends, and reports it as steps (`request`, `approval`, `run`), log
/// lines and output links. Cancelling stops following; the run itself goes on in Port (Port
/// has no cancel).
#[derive(Clone)]
pub struct PortRunExecutor {
    pub source: PortSource,
    pub action: PortAction,
    /// The identifier of the entity a DAY-2/DELETE run acts on.
    pub entity: Option<String>,
    /// Entity refs → what Port calls them ([`port_refs`]).
    pub refs: BTreeMap<String, String>,
    pub poll: Duration,
    pub cancel: CancelToken,
    /// Follows this run already in Port (re-opened from the runs list) instead of sending one.
    pub attach_to: Option<String>,
}

impl PortRunExecutor {
    pub fn new(
        source: PortSource,
        action: PortAction,
        entity: Option<String>,
        refs: BTreeMap<String, String>,
    ) -> PortRunExecutor {
        PortRunExecutor {
            source,
            action,
            entity,
            refs,
            poll: poll_interval(),
            cancel: CancelToken::default(),
            attach_to: None,
        }
    }

    /// Follows the run `id` already in Port, from its start: its status, approval and log.
    pub fn attach(source: PortSource, action: PortAction, id: &str) -> PortRunExecutor {
        let mut e = PortRunExecutor::new(source, action, None, BTreeMap::new());
        e.attach_to = Some(id.to_owned());
        e
    }

    /// Where Port's web app shows the run, when the API is Port's own.
    fn run_page(&self, id: &str) -> Option<String> {
        self.source
            .app_url()
            .map(|a| format!("{a}/organization/run?runId={}", urlencode(id)))
    }
}

/// [`crate::limits::PORT_RUN_POLL`], or `GREENROOM_PORT_POLL_MS` (for tests against a fake).
fn poll_interval() -> Duration {
    std::env::var("GREENROOM_PORT_POLL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(crate::limits::PORT_RUN_POLL, Duration::from_millis)
}

impl Executor for PortRunExecutor {
    fn run(&self, task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult {
        let mut all: Vec<TaskEvent> = Vec::new();
        let redactor = crate::scaffold::secrets::Redactor::new(
            task.secrets
                .iter()
                .map(|(_, v)| v.to_owned())
                .chain(task.sensitive.iter().cloned()),
        );
        let mut emit = |e: TaskEvent, all: &mut Vec<TaskEvent>| {
            let e = match e {
                TaskEvent::Log {
                    step_id,
                    message,
                    status,
                } => TaskEvent::Log {
                    step_id,
                    message: redactor.redact(&message),
                    status,
                },
                other => other,
            };
            events(&e);
            all.push(e);
        };
        let log = |step: &str, message: String, status: Option<StepStatus>| TaskEvent::Log {
            step_id: Some(step.to_owned()),
            message,
            status,
        };
        let finish =
            |status: TaskStatus, output: Json, error: Option<String>, all: Vec<TaskEvent>| {
                RunResult {
                    status,
                    output,
                    error,
                    events: all,
                    files: Vec::new(),
                    target: None,
                    registrations: Vec::new(),
                    step_outputs: BTreeMap::new(),
                }
            };
        let fail = |step: &str,
                    why: String,
                    mut all: Vec<TaskEvent>,
                    emit: &mut dyn FnMut(TaskEvent, &mut Vec<TaskEvent>)| {
            emit(log(step, why.clone(), Some(StepStatus::Failed)), &mut all);
            let done = TaskEvent::Completion {
                status: TaskStatus::Failed,
                output: Json::Null,
                error: Some(why.clone()),
            };
            emit(done, &mut all);
            finish(TaskStatus::Failed, Json::Null, Some(why), all)
        };

        if let Some(id) = &self.attach_to {
            emit(
                log(
                    "request",
                    format!("Following run {id} in Port"),
                    Some(StepStatus::Processing),
                ),
                &mut all,
            );
        } else {
            emit(
                log(
                    "request",
                    format!("Sending \"{}\" to Port", self.action.title),
                    Some(StepStatus::Processing),
                ),
                &mut all,
            );
        }
        let api = match Actions::new(&self.source) {
            Ok(a) => a,
            Err(e) => return fail("request", e, all, &mut emit),
        };
        let mut run = if let Some(id) = &self.attach_to {
            match api.get_run(id) {
                Ok(r) => r,
                Err(e) => {
                    return fail(
                        "request",
                        format!("reading run {id} failed: {e}"),
                        all,
                        &mut emit,
                    );
                }
            }
        } else {
            let properties = match self
                .action
                .properties(&task.values, &task.secrets, &self.refs)
            {
                Ok(p) => p,
                Err(e) => return fail("request", e, all, &mut emit),
            };
            match api.run(&self.action.identifier, self.entity.as_deref(), &properties) {
                Ok(r) => r,
                Err(e) => {
                    return fail(
                        "request",
                        format!("Port refused the run: {e}"),
                        all,
                        &mut emit,
                    );
                }
            }
        };
        let said = if self.attach_to.is_some() {
            format!("Run {}: {}", run.id, run.status.label())
        } else {
            format!("Run {} created: {}", run.id, run.status.label())
        };
        emit(log("request", said, Some(StepStatus::Completed)), &mut all);

        let cancelled = |all: Vec<TaskEvent>,
                         emit: &mut dyn FnMut(TaskEvent, &mut Vec<TaskEvent>),
                         id: &str| {
            let mut all = all;
            let why = format!("stopped following run {id}; it goes on in Port");
            emit(
                TaskEvent::Completion {
                    status: TaskStatus::Cancelled,
                    output: Json::Null,
                    error: Some(why.clone()),
                },
                &mut all,
            );
            finish(TaskStatus::Cancelled, Json::Null, Some(why), all)
        };

        let mut label = run.status_label.clone();
        let mut waited_for_approval = false;
        let mut running_announced = false;
        let mut offset = 0usize;
        let mut polls = 0usize;
        loop {
            if run.status == RunStatus::WaitingForApproval && !waited_for_approval {
                waited_for_approval = true;
                emit(
                    log(
                        "approval",
                        "Waiting for approval".into(),
                        Some(StepStatus::Processing),
                    ),
                    &mut all,
                );
            }
            if run.status != RunStatus::WaitingForApproval && waited_for_approval {
                waited_for_approval = false;
                let note = run
                    .approval_note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                if run.status == RunStatus::Declined {
                    let why = format!("Declined{note}");
                    emit(
                        log("run", String::new(), Some(StepStatus::Skipped)),
                        &mut all,
                    );
                    return fail("approval", why, all, &mut emit);
                }
                emit(
                    log(
                        "approval",
                        format!("Approved{note}"),
                        Some(StepStatus::Completed),
                    ),
                    &mut all,
                );
            }
            if matches!(
                run.status,
                RunStatus::InProgress | RunStatus::Success | RunStatus::Failure
            ) && !running_announced
            {
                running_announced = true;
                if self.action.requires_approval && !all.iter().any(|e| matches!(e, TaskEvent::Log { step_id: Some(s), status: Some(StepStatus::Completed), .. } if s == "approval")) {
                    emit(log("approval", "Approved".into(), Some(StepStatus::Completed)), &mut all);
                }
                emit(
                    log("run", "Running".into(), Some(StepStatus::Processing)),
                    &mut all,
                );
            }
            if running_announced {
                match api.logs(&run.id, offset) {
                    Ok(lines) => {
                        offset += lines.len();
                        for l in lines {
                            emit(log("run", l.message, None), &mut all);
                        }
                    }
                    Err(e) => emit(
                        log("run", format!("reading the log failed: {e}"), None),
                        &mut all,
                    ),
                }
                if run.status_label != label {
                    label = run.status_label.clone();
                    if let Some(l) = &label {
                        emit(log("run", format!("Status: {l}"), None), &mut all);
                    }
                }
            }
            if run.status.is_over() {
                break;
            }
            if self.cancel.is_cancelled() {
                return cancelled(all, &mut emit, &run.id);
            }
            polls += 1;
            if polls > crate::limits::PORT_RUN_MAX_POLLS {
                return cancelled(all, &mut emit, &run.id);
            }
            std::thread::sleep(self.poll);
            if self.cancel.is_cancelled() {
                return cancelled(all, &mut emit, &run.id);
            }
            match api.get_run(&run.id) {
                Ok(r) => run = r,
                Err(e) => emit(
                    log("run", format!("reading the run failed: {e}"), None),
                    &mut all,
                ),
            }
        }

        let mut links: Vec<Json> = Vec::new();
        if let Some(page) = self.run_page(&run.id) {
            links.push(json!({"title": "The run in Port", "url": page}));
        }
        for l in &run.links {
            links.push(json!({"title": "Link", "url": l}));
        }
        let mut output = json!({"links": links, "runId": run.id});
        if let Some(s) = &run.summary {
            output["text"] = json!([{"title": "Summary", "content": s}]);
        }
        if run.status == RunStatus::Success {
            emit(
                log(
                    "run",
                    run.status_label
                        .clone()
                        .unwrap_or_else(|| "Succeeded".into()),
                    Some(StepStatus::Completed),
                ),
                &mut all,
            );
            emit(
                TaskEvent::Completion {
                    status: TaskStatus::Completed,
                    output: output.clone(),
                    error: None,
                },
                &mut all,
            );
            finish(TaskStatus::Completed, output, None, all)
        } else {
            let why = run
                .status_label
                .clone()
                .or_else(|| run.summary.clone())
                .unwrap_or_else(|| format!("the run {}", run.status.label()));
            let mut r = fail("run", why, all, &mut emit);
            r.output = output;
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaffold::Form;
    use crate::scaffold::form::{FieldPath, Widget};

    fn action(inputs: Json) -> PortAction {
        parse_action(&json!({
            "identifier": "scaffold", "title": "Scaffold",
            "trigger": {"type": "self-service", "operation": "CREATE",
                "blueprintIdentifier": "service", "userInputs": inputs},
            "requiredApproval": {"type": "ANY"}
        }))
        .unwrap()
    }

    #[test]
    fn actions_parse_with_operation_and_approval() {
        let body = json!({"ok": true, "actions": [
            {"identifier": "restart", "title": "Restart\u{1b}[31m", "trigger": {"type": "self-service",
              "operation": "DAY-2", "blueprintIdentifier": "service",
              "condition": {"type": "SEARCH", "combinator": "and", "rules": []}}},
            {"identifier": "nightly", "trigger": {"type": "automation", "event": {"type": "TIMER_PROPERTY_EXPIRED"}}},
            {"identifier": "drop", "trigger": {"type": "self-service", "operation": "DELETE"}, "requiredApproval": true}
        ]});
        let a = parse_actions(&body);
        assert_eq!(a.len(), 2, "automations are not self-service");
        assert_eq!(a[0].operation, Operation::Day2);
        assert!(!a[0].title.contains('\u{1b}'));
        assert!(a[0].condition.is_some());
        assert!(!a[0].requires_approval);
        assert_eq!(a[1].operation, Operation::Delete);
        assert!(a[1].requires_approval);
        assert_eq!(a[1].title, "drop");
    }

    #[test]
    fn user_inputs_become_a_form_of_the_form_engine() {
        let a = action(json!({
            "properties": {
                "name": {"type": "string", "title": "Name", "pattern": "^[a-z-]+$"},
                "replicas": {"type": "number", "default": 2},
                "public": {"type": "boolean"},
                "language": {"type": "string", "enum": ["go", "python"], "default": "go"},
                "pyArgs": {"type": "string", "visible": {"jqQuery": ".form.language == \"python\""}},
                "tags": {"type": "array", "items": {"type": "string"}},
                "config": {"type": "object", "default": {"a": 1}},
                "domain": {"type": "string", "format": "entity", "blueprint": "domain"},
                "owners": {"type": "array", "items": {"type": "string", "format": "team"}},
                "oncall": {"type": "string", "format": "user"},
                "dbPass": {"type": "string", "encryption": "aes256-gcm"},
                "secretHidden": {"type": "string", "visible": false, "default": "x"}
            },
            "required": ["name", "language"],
            "order": ["name", "language", "pyArgs", "replicas"]
        }));
        let t = a.template();
        assert_eq!(
            t.steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["request", "approval", "run"]
        );
        let mut form = Form::new(&t);
        let names = |form: &Form| -> Vec<String> {
            form.visible_fields(0)
                .iter()
                .map(|f| f.path.last().to_owned())
                .collect()
        };
        let shown = names(&form);
        assert_eq!(
            &shown[..3],
            ["name", "language", "replicas"],
            "order, then the rest: {shown:?}"
        );
        assert!(
            !shown.contains(&"pyArgs".to_owned()),
            "hidden until python: {shown:?}"
        );
        assert!(!shown.contains(&"secretHidden".to_owned()));
        assert_eq!(form.values()["replicas"], json!(2));
        assert_eq!(
            form.values()["secretHidden"],
            json!("x"),
            "a hidden input keeps its default"
        );
        form.set(&FieldPath::key("language"), json!("python"))
            .unwrap();
        assert!(names(&form).contains(&"pyArgs".to_owned()));
        let field = |form: &Form, k: &str| form.field(&FieldPath::key(k)).unwrap();
        assert!(field(&form, "name").required);
        assert!(matches!(field(&form, "public").widget, Widget::Boolean));
        assert!(matches!(
            field(&form, "replicas").widget,
            Widget::Number { .. }
        ));
        assert!(matches!(
            field(&form, "language").widget,
            Widget::Select { .. }
        ));
        assert!(matches!(field(&form, "tags").widget, Widget::StringList));
        assert!(matches!(
            field(&form, "config").widget,
            Widget::TextArea { .. }
        ));
        assert!(matches!(field(&form, "dbPass").widget, Widget::Password));
        let Widget::Entity(p) = field(&form, "domain").widget else {
            panic!("entity picker")
        };
        assert!(!p.is_multi());
        let Widget::Entity(p) = field(&form, "owners").widget else {
            panic!("team picker")
        };
        assert!(p.is_multi());
        assert!(matches!(field(&form, "oncall").widget, Widget::Entity(_)));
        // Validation is the form's: the pattern and required inputs.
        form.set_text(&FieldPath::key("name"), "Bad Name").unwrap();
        let errors = form.validate();
        assert!(
            errors.iter().any(|e| e.path == FieldPath::key("name")),
            "{errors:?}"
        );
    }

    #[test]
    fn steps_make_pages() {
        let a = action(json!({
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}},
            "steps": [{"title": "First", "order": ["b"]}, {"title": "Second", "order": ["a"]}]
        }));
        let form = Form::new(&a.template());
        let titles: Vec<String> = form.pages().iter().map(|p| p.title.clone()).collect();
        assert_eq!(titles, ["First", "Second", "Scaffold"]);
        assert_eq!(form.visible_fields(0)[0].path.last(), "b");
        assert_eq!(form.visible_fields(2)[0].path.last(), "c");
    }

    #[test]
    fn visibility_expressions() {
        assert_eq!(
            visibility(".form.lang == \"go\" or .form.lang == \"rust\"")
                .unwrap()
                .values,
            vec![json!("go"), json!("rust")]
        );
        assert!(visibility(".form.x != 3").unwrap().negate);
        assert_eq!(
            visibility(".form.enabled").unwrap().values,
            vec![json!(true)]
        );
        assert!(visibility(".user.roles | contains([\"Admin\"])").is_none());
        assert!(visibility(".form.a == 1 or .form.b == 2").is_none());
    }

    #[test]
    fn properties_turn_picks_back_into_port_values() {
        let a = action(json!({"properties": {
            "domain": {"type": "string", "format": "entity"},
            "owners": {"type": "array", "items": {"type": "string", "format": "team"}},
            "config": {"type": "object"},
            "name": {"type": "string"}
        }}));
        let refs = BTreeMap::from([
            (
                "system:default/billing".to_owned(),
                "billing-dom".to_owned(),
            ),
            (
                "group:default/payments-team".to_owned(),
                "Payments Team".to_owned(),
            ),
        ]);
        let mut secrets = Secrets::default();
        secrets.insert("token", "s3cret");
        let p = a
            .properties(
                &json!({"domain": "system:default/billing", "owners": ["group:default/payments-team", "other"],
                        "config": "{\"a\": [1]}", "name": "group:default/payments-team"}),
                &secrets,
                &refs,
            )
            .unwrap();
        assert_eq!(p["domain"], json!("billing-dom"));
        assert_eq!(p["owners"], json!(["Payments Team", "other"]));
        assert_eq!(p["config"], json!({"a": [1]}));
        assert_eq!(
            p["name"],
            json!("group:default/payments-team"),
            "plain text stays"
        );
        assert_eq!(p["token"], json!("s3cret"));
        let e = a
            .properties(&json!({"config": "{nope"}), &secrets, &refs)
            .unwrap_err();
        assert!(e.starts_with("config is not JSON"), "{e}");
    }

    #[test]
    fn runs_parse_the_shared_run_object() {
        let r = parse_run(&json!({
            "id": "r_1", "action": {"identifier": "restart", "title": "Restart", "deleted": false},
            "entity": {"identifier": "payments-api"}, "blueprint": {"identifier": "service"},
            "status": "FAILURE", "statusLabel": "exit 1", "link": ["https://ci/1", "javascript:x"],
            "summary": "boom", "createdBy": "ann@corp", "approval": {"description": "ok go", "state": "APPROVED"}
        }))
        .unwrap();
        assert_eq!(r.status, RunStatus::Failure);
        assert_eq!(r.action_title, "Restart");
        assert_eq!(r.entity.as_deref(), Some("payments-api"));
        assert_eq!(r.links, ["https://ci/1"], "only web links");
        assert_eq!(r.approval_note.as_deref(), Some("ok go"));
        assert!(r.status.is_over());
    }
}
