//! Schema plumbing for forms: the `ui:*` split scaffolder-react does, and resolving the
//! conditional parts of an object schema (`allOf`, `oneOf`/`anyOf`, `dependencies`,
//! `if`/`then`/`else`) against the current values, as react-jsonschema-form's
//! `retrieveSchema` does, so the form shows exactly the fields that apply now.

use crate::scaffold::validate::is_valid;
use serde_json::{Map, Value as Json};

/// Splits a page schema into the JSON Schema (no `ui:*` keys) and the parallel uiSchema, as
/// scaffolder-react's `extractSchemaFromStep`: recursion through `properties` and `items`;
/// ui keys found inside `anyOf`/`oneOf`/`allOf`/`dependencies`/`then`/`else` merge into the
/// parent's uiSchema node.
pub fn split_ui(node: &Json) -> (Json, Json) {
    let Some(map) = node.as_object() else {
        return (node.clone(), Json::Object(Map::new()));
    };
    let mut schema = Map::new();
    let mut ui = Map::new();
    for (key, value) in map {
        if key.starts_with("ui:") {
            ui.insert(key.clone(), value.clone());
            continue;
        }
        match (key.as_str(), value) {
            ("properties", Json::Object(props)) => {
                let mut out = Map::new();
                for (name, prop) in props {
                    let (s, u) = split_ui(prop);
                    out.insert(name.clone(), s);
                    merge_into(&mut ui, name, u);
                }
                schema.insert(key.clone(), Json::Object(out));
            }
            ("items", Json::Object(_)) => {
                let (s, u) = split_ui(value);
                schema.insert(key.clone(), s);
                merge_into(&mut ui, "items", u);
            }
            ("anyOf" | "oneOf" | "allOf", Json::Array(options)) => {
                let mut out = Vec::new();
                for o in options {
                    let (s, u) = split_ui(o);
                    out.push(s);
                    merge_objects(&mut ui, u);
                }
                schema.insert(key.clone(), Json::Array(out));
            }
            ("dependencies", Json::Object(deps)) => {
                let mut out = Map::new();
                for (name, dep) in deps {
                    let (s, u) = split_ui(dep);
                    out.insert(name.clone(), s);
                    merge_objects(&mut ui, u);
                }
                schema.insert(key.clone(), Json::Object(out));
            }
            ("then" | "else", Json::Object(_)) => {
                let (s, u) = split_ui(value);
                schema.insert(key.clone(), s);
                merge_objects(&mut ui, u);
            }
            _ => {
                schema.insert(key.clone(), value.clone());
            }
        }
    }
    (Json::Object(schema), Json::Object(ui))
}

fn merge_into(ui: &mut Map<String, Json>, key: &str, value: Json) {
    if value.as_object().is_some_and(Map::is_empty) {
        return;
    }
    match ui.get_mut(key) {
        Some(existing) => merge_json(existing, value),
        None => {
            ui.insert(key.to_owned(), value);
        }
    }
}

fn merge_objects(ui: &mut Map<String, Json>, value: Json) {
    if let Json::Object(map) = value {
        for (k, v) in map {
            merge_into(ui, &k, v);
        }
    }
}

/// Deep merge: objects merge key by key, anything else is replaced.
pub fn merge_json(into: &mut Json, from: Json) {
    match (into, from) {
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge_json(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, other) => *slot = other,
    }
}

/// Merges one schema into another as `allOf` means it for forms: properties merge, `required`
/// lists join, other keywords are taken where the target lacks them.
fn merge_schema(into: &mut Map<String, Json>, from: &Map<String, Json>) {
    for (k, v) in from {
        match k.as_str() {
            "properties" => {
                let target = into
                    .entry("properties")
                    .or_insert_with(|| Json::Object(Map::new()));
                if let (Json::Object(t), Json::Object(f)) = (target, v) {
                    for (name, prop) in f {
                        match t.get_mut(name) {
                            Some(existing) => merge_json(existing, prop.clone()),
                            None => {
                                t.insert(name.clone(), prop.clone());
                            }
                        }
                    }
                }
            }
            "required" => {
                let target = into
                    .entry("required")
                    .or_insert_with(|| Json::Array(Vec::new()));
                if let (Json::Array(t), Json::Array(f)) = (target, v) {
                    for r in f {
                        if !t.contains(r) {
                            t.push(r.clone());
                        }
                    }
                }
            }
            _ => {
                into.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
}

const CONDITIONAL_KEYS: [&str; 7] = [
    "allOf",
    "anyOf",
    "oneOf",
    "dependencies",
    "if",
    "then",
    "else",
];

/// The object schema that applies to `value` now: conditional parts that hold are merged in,
/// the rest dropped. The result has no conditional keywords at the top level.
pub fn resolve(schema: &Json, value: &Json) -> Json {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    let mut out: Map<String, Json> = map
        .iter()
        .filter(|(k, _)| !CONDITIONAL_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut merge = |sub: &Json| {
        if let Json::Object(m) = resolve(sub, value) {
            merge_schema(&mut out, &m);
        }
    };
    if let Some(Json::Array(all)) = map.get("allOf") {
        all.iter().for_each(&mut merge);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Json::Array(options)) = map.get(key)
            && options
                .iter()
                .any(|o| o.get("properties").is_some() || o.get("required").is_some())
            && let Some(chosen) = choose_option(options, value)
        {
            merge(chosen);
        }
    }
    if let Some(cond) = map.get("if") {
        let branch = if is_valid(cond, value) {
            map.get("then")
        } else {
            map.get("else")
        };
        if let Some(b) = branch {
            merge(b);
        }
    }
    if let (Some(Json::Object(deps)), Some(obj)) = (map.get("dependencies"), value.as_object()) {
        for (key, dep) in deps {
            if !obj.contains_key(key) {
                continue;
            }
            match dep {
                Json::Array(needed) => merge(&serde_json::json!({ "required": needed })),
                Json::Object(d) => {
                    let without_one_of: Map<String, Json> = d
                        .iter()
                        .filter(|(k, _)| k.as_str() != "oneOf")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    merge(&Json::Object(without_one_of));
                    if let Some(Json::Array(options)) = d.get("oneOf")
                        && let Some(chosen) = choose_dependency_option(options, key, &obj[key])
                    {
                        merge(chosen);
                    }
                }
                _ => {}
            }
        }
    }
    Json::Object(out)
}

/// RJSF's choice for a dependency's `oneOf`: the option whose schema for the dependency key
/// accepts the key's current value.
fn choose_dependency_option<'a>(options: &'a [Json], key: &str, value: &Json) -> Option<&'a Json> {
    options.iter().find(|o| {
        o.get("properties")
            .and_then(|p| p.get(key))
            .is_some_and(|s| is_valid(s, value))
    })
}

/// For an object-level `oneOf`/`anyOf`: the first option the value satisfies, else the one
/// whose constants match, else the first.
fn choose_option<'a>(options: &'a [Json], value: &Json) -> Option<&'a Json> {
    options
        .iter()
        .find(|o| is_valid(o, value))
        .or_else(|| {
            options.iter().find(|o| {
                o.get("properties")
                    .and_then(Json::as_object)
                    .is_some_and(|props| {
                        props.iter().any(|(k, p)| {
                            p.get("const").is_some() && value.get(k).is_some_and(|v| is_valid(p, v))
                        })
                    })
            })
        })
        .or_else(|| options.first())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ui_keys_move_to_a_parallel_tree() {
        let page = json!({
            "title": "P",
            "ui:order": ["b", "*"],
            "properties": {
                "a": {"type": "string", "ui:widget": "textarea", "ui:options": {"rows": 3}},
                "b": {"type": "array", "items": {"type": "string", "ui:placeholder": "x"}}
            },
            "dependencies": {"a": {"properties": {"c": {"type": "string", "ui:help": "h"}}}}
        });
        let (schema, ui) = split_ui(&page);
        assert_eq!(
            schema,
            json!({"title": "P", "properties": {"a": {"type": "string"}, "b": {"type": "array", "items": {"type": "string"}}},
                   "dependencies": {"a": {"properties": {"c": {"type": "string"}}}}})
        );
        assert_eq!(
            ui,
            json!({"ui:order": ["b", "*"], "a": {"ui:widget": "textarea", "ui:options": {"rows": 3}},
                   "b": {"items": {"ui:placeholder": "x"}}, "c": {"ui:help": "h"}})
        );
    }

    #[test]
    fn resolves_conditionals_against_values() {
        let s = json!({
            "properties": {"kind": {"enum": ["web", "cli"]}, "db": {"type": "boolean"}},
            "allOf": [{"if": {"properties": {"kind": {"const": "web"}}, "required": ["kind"]},
                       "then": {"properties": {"port": {"type": "integer"}}, "required": ["port"]}}],
            "dependencies": {"db": {"oneOf": [
                {"properties": {"db": {"const": false}}},
                {"properties": {"db": {"const": true}, "engine": {"type": "string"}}}
            ]}}
        });
        let keys = |v: Json| -> Vec<String> {
            resolve(&s, &v)["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(keys(json!({})), ["kind", "db"]);
        assert_eq!(keys(json!({"kind": "web"})), ["kind", "db", "port"]);
        assert_eq!(
            keys(json!({"kind": "cli", "db": true})),
            ["kind", "db", "engine"]
        );
        assert_eq!(keys(json!({"kind": "cli", "db": false})), ["kind", "db"]);
        assert_eq!(
            resolve(&s, &json!({"kind": "web"}))["required"],
            json!(["port"])
        );
    }
}
