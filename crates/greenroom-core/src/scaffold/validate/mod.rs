//! JSON Schema (draft-07) validation of form values, for the keywords templates use, with
//! messages in plain words that name the field by its label and say what it expects.
//!
//! `pattern` is checked with the `regex` crate: ECMAScript patterns with lookaround or
//! backreferences cannot be checked and are skipped (reported by [`unsupported_patterns`]).

mod describe;

pub use describe::describe as describe_pattern;

use serde_json::{Map, Value as Json};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ValidationError {
    /// Where in the values the problem is (property names and array indices).
    pub path: Vec<String>,
    /// The JSON Schema keyword that failed (`required`, `pattern`, …).
    pub keyword: &'static str,
    pub message: String,
}

impl ValidationError {
    /// The path as a JSON pointer (`/owner/displayName`).
    pub fn pointer(&self) -> String {
        self.path.iter().map(|p| format!("/{p}")).collect()
    }
}

/// Validates `value` against `schema` (a JSON Schema without `ui:*` keys; they are ignored
/// anyway). A property that is absent is checked only by `required`.
pub fn validate(schema: &Json, value: &Json) -> Vec<ValidationError> {
    let mut v = Validator {
        errors: Vec::new(),
        titles: Default::default(),
    };
    v.check(schema, value, &mut Vec::new(), None);
    v.errors
}

/// Whether `value` satisfies `schema` (used to pick conditional branches).
pub fn is_valid(schema: &Json, value: &Json) -> bool {
    validate(schema, value).is_empty()
}

/// Patterns in a schema that cannot be checked here (ECMAScript-only syntax).
pub fn unsupported_patterns(schema: &Json) -> Vec<String> {
    let mut out = Vec::new();
    walk_patterns(schema, &mut out);
    out
}

fn walk_patterns(schema: &Json, out: &mut Vec<String>) {
    match schema {
        Json::Object(map) => {
            if let Some(Json::String(p)) = map.get("pattern")
                && regex::Regex::new(p).is_err()
            {
                out.push(p.clone());
            }
            map.values().for_each(|v| walk_patterns(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| walk_patterns(v, out)),
        _ => {}
    }
}

/// How a field is named in messages: its `title`, else its key.
fn label_of(schema: &Json, path: &[String]) -> String {
    schema
        .get("title")
        .and_then(Json::as_str)
        .map(str::to_owned)
        .or_else(|| path.last().cloned())
        .unwrap_or_else(|| "The value".into())
}

fn type_words(t: &str) -> &'static str {
    match t {
        "string" => "text",
        "number" => "a number",
        "integer" => "a whole number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "a group of values",
        "null" => "empty",
        _ => "of another type",
    }
}

fn has_type(value: &Json, t: &str) -> bool {
    match t {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn show(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn num(n: f64) -> String {
    crate::scaffold::render::js::number_to_string(n)
}

/// Checks a string `format`; unknown formats pass (as in ajv's default set).
pub fn format_problem(format: &str, s: &str) -> Option<&'static str> {
    let ok = match format {
        "email" => {
            let parts: Vec<&str> = s.split('@').collect();
            parts.len() == 2
                && !parts[0].is_empty()
                && parts[1].contains('.')
                && !parts[1].starts_with('.')
                && !parts[1].ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        "uri" | "url" => url::Url::parse(s).is_ok_and(|u| !u.scheme().is_empty()),
        "date" => is_date(s),
        "date-time" => s
            .split_once(['T', 't', ' '])
            .is_some_and(|(d, t)| is_date(d) && is_time(t, true)),
        "time" => is_time(s, false),
        "data-url" => s.starts_with("data:"),
        _ => true,
    };
    if ok {
        return None;
    }
    Some(match format {
        "email" => "an email address, like name@example.com",
        "uri" | "url" => "a full URL, like https://example.com/path",
        "date" => "a date, like 2024-05-31",
        "date-time" => "a date and time, like 2024-05-31T14:30:00Z",
        "time" => "a time, like 14:30:00",
        "data-url" => "a data URL (data:…)",
        _ => "in the expected format",
    })
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

fn is_date(s: &str) -> bool {
    let mut it = s.split('-');
    let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return false;
    };
    let (Some(y), Some(m), Some(d)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12).contains(&m) && d >= 1 && d <= days[(m - 1) as usize]
}

/// `HH:MM:SS[.frac][Z|±HH:MM]`; the offset is required in date-times.
fn is_time(s: &str, need_offset: bool) -> bool {
    let (clock, offset) = match s.find(['Z', 'z', '+', '-']) {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s, None),
    };
    let clock = clock.split('.').next().unwrap_or(clock);
    let parts: Vec<&str> = clock.split(':').collect();
    let ok_clock = match parts.as_slice() {
        [h, m, sec] => {
            digits(h, 2).is_some_and(|h| h < 24)
                && digits(m, 2).is_some_and(|m| m < 60)
                && digits(sec, 2).is_some_and(|s| s <= 60)
        }
        _ => false,
    };
    let ok_offset = match offset {
        None => !need_offset,
        Some("Z" | "z") => true,
        Some(o) => {
            let o = &o[1..];
            o.split_once(':').is_some_and(|(h, m)| {
                digits(h, 2).is_some_and(|h| h < 24) && digits(m, 2).is_some_and(|m| m < 60)
            })
        }
    };
    ok_clock && ok_offset
}

struct Validator {
    errors: Vec<ValidationError>,
    /// Titles of properties seen so far, by path: a `required` in a conditional branch names
    /// a property described elsewhere.
    titles: std::collections::HashMap<Vec<String>, String>,
}

impl Validator {
    fn push(&mut self, path: &[String], keyword: &'static str, message: String) {
        self.errors.push(ValidationError {
            path: path.to_vec(),
            keyword,
            message,
        });
    }

    /// `label` overrides the label when the caller knows better (required properties).
    fn check(&mut self, schema: &Json, value: &Json, path: &mut Vec<String>, label: Option<&str>) {
        let Some(s) = schema.as_object() else {
            if schema == &Json::Bool(false) {
                let l = label.map_or_else(|| label_of(schema, path), str::to_owned);
                self.push(path, "false", format!("{l} is not allowed here."));
            }
            return;
        };
        let label = label.map_or_else(|| label_of(schema, path), str::to_owned);

        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Json::String(t) => vec![t.as_str()],
                Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
                let words: Vec<&str> = types.iter().map(|t| type_words(t)).collect();
                self.push(
                    path,
                    "type",
                    format!("{label} must be {}.", words.join(" or ")),
                );
                return;
            }
        }
        if let Some(Json::Array(options)) = s.get("enum")
            && !options.contains(value)
        {
            let names: Vec<String> = match s.get("enumNames") {
                Some(Json::Array(n)) if n.len() == options.len() => n.iter().map(show).collect(),
                _ => options.iter().map(show).collect(),
            };
            self.push(
                path,
                "enum",
                format!("{label} must be one of: {}.", names.join(", ")),
            );
        }
        if let Some(c) = s.get("const")
            && c != value
        {
            self.push(path, "const", format!("{label} must be {}.", show(c)));
        }
        match value {
            Json::String(text) => self.check_string(s, text, path, &label),
            Json::Number(n) => self.check_number(s, n.as_f64().unwrap_or(0.0), path, &label),
            Json::Array(items) => self.check_array(s, items, path, &label),
            Json::Object(map) => self.check_object(s, map, value, path),
            _ => {}
        }
        self.check_combinators(s, value, path, &label);
    }

    fn check_string(&mut self, s: &Map<String, Json>, text: &str, path: &[String], label: &str) {
        let len = text.chars().count() as u64;
        if let Some(min) = s.get("minLength").and_then(Json::as_u64)
            && len < min
        {
            let msg = if min == 1 {
                format!("{label} must not be empty.")
            } else {
                format!("{label} must be at least {min} characters long.")
            };
            self.push(path, "minLength", msg);
        }
        if let Some(max) = s.get("maxLength").and_then(Json::as_u64)
            && len > max
        {
            self.push(
                path,
                "maxLength",
                format!("{label} must be at most {max} characters long."),
            );
        }
        if let Some(p) = s.get("pattern").and_then(Json::as_str)
            && let Ok(re) = regex::Regex::new(p)
            && !re.is_match(text)
        {
            let msg = match describe::describe(p) {
                Some(words) => format!("{label} must match {p}: {words}."),
                None => format!("{label} must match the pattern {p}."),
            };
            self.push(path, "pattern", msg);
        }
        if let Some(f) = s.get("format").and_then(Json::as_str)
            && let Some(expected) = format_problem(f, text)
        {
            self.push(path, "format", format!("{label} must be {expected}."));
        }
    }

    fn check_number(&mut self, s: &Map<String, Json>, n: f64, path: &[String], label: &str) {
        let get = |k: &str| s.get(k).and_then(Json::as_f64);
        if let Some(min) = get("minimum") {
            let exclusive = s.get("exclusiveMinimum") == Some(&Json::Bool(true));
            if n < min || (exclusive && n == min) {
                let words = if exclusive {
                    "greater than"
                } else {
                    "at least"
                };
                self.push(
                    path,
                    "minimum",
                    format!("{label} must be {words} {}.", num(min)),
                );
            }
        }
        if let Some(max) = get("maximum") {
            let exclusive = s.get("exclusiveMaximum") == Some(&Json::Bool(true));
            if n > max || (exclusive && n == max) {
                let words = if exclusive { "less than" } else { "at most" };
                self.push(
                    path,
                    "maximum",
                    format!("{label} must be {words} {}.", num(max)),
                );
            }
        }
        if let Some(min) = get("exclusiveMinimum")
            && n <= min
        {
            self.push(
                path,
                "exclusiveMinimum",
                format!("{label} must be greater than {}.", num(min)),
            );
        }
        if let Some(max) = get("exclusiveMaximum")
            && n >= max
        {
            self.push(
                path,
                "exclusiveMaximum",
                format!("{label} must be less than {}.", num(max)),
            );
        }
        if let Some(m) = get("multipleOf")
            && m > 0.0
            && ((n / m) - (n / m).round()).abs() > 1e-9
        {
            self.push(
                path,
                "multipleOf",
                format!("{label} must be a multiple of {}.", num(m)),
            );
        }
    }

    fn check_array(
        &mut self,
        s: &Map<String, Json>,
        items: &[Json],
        path: &mut Vec<String>,
        label: &str,
    ) {
        let n = items.len() as u64;
        if let Some(min) = s.get("minItems").and_then(Json::as_u64)
            && n < min
        {
            let msg = if min == 1 {
                format!("{label} needs at least one item.")
            } else {
                format!("{label} needs at least {min} items.")
            };
            self.push(path, "minItems", msg);
        }
        if let Some(max) = s.get("maxItems").and_then(Json::as_u64)
            && n > max
        {
            self.push(
                path,
                "maxItems",
                format!("{label} can have at most {max} items."),
            );
        }
        if s.get("uniqueItems") == Some(&Json::Bool(true)) {
            for (i, a) in items.iter().enumerate() {
                if items[..i].contains(a) {
                    self.push(
                        path,
                        "uniqueItems",
                        format!("{label} lists {} more than once.", show(a)),
                    );
                    break;
                }
            }
        }
        match s.get("items") {
            Some(Json::Array(tuple)) => {
                for (i, (item, schema)) in items.iter().zip(tuple).enumerate() {
                    path.push(i.to_string());
                    self.check(schema, item, path, None);
                    path.pop();
                }
            }
            Some(schema) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    let item_label = format!("{label} item {}", i + 1);
                    let own = schema.get("title").is_some();
                    self.check(schema, item, path, (!own).then_some(item_label.as_str()));
                    path.pop();
                }
            }
            None => {}
        }
    }

    fn check_object(
        &mut self,
        s: &Map<String, Json>,
        map: &Map<String, Json>,
        value: &Json,
        path: &mut Vec<String>,
    ) {
        let props = s.get("properties").and_then(Json::as_object);
        for (key, prop) in props.into_iter().flatten() {
            if let Some(t) = prop.get("title").and_then(Json::as_str) {
                let mut p = path.clone();
                p.push(key.clone());
                self.titles.insert(p, t.to_owned());
            }
        }
        if let Some(Json::Array(required)) = s.get("required") {
            for key in required.iter().filter_map(Json::as_str) {
                if map.get(key).is_none_or(|v| v.is_null()) {
                    path.push(key.to_owned());
                    let label = self
                        .titles
                        .get(path.as_slice())
                        .cloned()
                        .unwrap_or_else(|| key.to_owned());
                    self.push(path, "required", format!("{label} is required."));
                    path.pop();
                }
            }
        }
        if let Some(props) = props {
            for (key, schema) in props {
                if let Some(v) = map.get(key) {
                    path.push(key.clone());
                    self.check(schema, v, path, None);
                    path.pop();
                }
            }
        }
        if s.get("additionalProperties") == Some(&Json::Bool(false)) {
            for key in map.keys() {
                if !props.is_some_and(|p| p.contains_key(key)) {
                    path.push(key.clone());
                    self.push(
                        path,
                        "additionalProperties",
                        format!("{key} is not a known field here."),
                    );
                    path.pop();
                }
            }
        }
        if let Some(Json::Object(deps)) = s.get("dependencies") {
            for (key, dep) in deps {
                if !map.contains_key(key) {
                    continue;
                }
                match dep {
                    Json::Array(needed) => {
                        for other in needed.iter().filter_map(Json::as_str) {
                            if !map.contains_key(other) {
                                path.push(other.to_owned());
                                let label = self
                                    .titles
                                    .get(path.as_slice())
                                    .cloned()
                                    .unwrap_or_else(|| other.to_owned());
                                self.push(
                                    path,
                                    "dependencies",
                                    format!("{label} is required when {key} is set."),
                                );
                                path.pop();
                            }
                        }
                    }
                    schema => self.check(schema, value, path, None),
                }
            }
        }
    }

    fn check_combinators(
        &mut self,
        s: &Map<String, Json>,
        value: &Json,
        path: &mut Vec<String>,
        label: &str,
    ) {
        if let Some(Json::Array(all)) = s.get("allOf") {
            for sub in all {
                self.check(sub, value, path, Some(label));
            }
        }
        for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            let Some(Json::Array(options)) = s.get(keyword) else {
                continue;
            };
            let results: Vec<Vec<ValidationError>> = options
                .iter()
                .map(|o| {
                    let mut v = Validator {
                        errors: Vec::new(),
                        titles: self.titles.clone(),
                    };
                    v.check(o, value, &mut path.clone(), Some(label));
                    v.errors
                })
                .collect();
            let passing = results.iter().filter(|r| r.is_empty()).count();
            if passing == 0 {
                // One option: its own errors say more than "matches no option".
                if options.len() == 1 {
                    self.errors.extend(results.into_iter().flatten());
                } else if let Some(choices) = const_titles(options) {
                    self.push(
                        path,
                        keyword,
                        format!("{label} must be one of: {}.", choices.join(", ")),
                    );
                } else {
                    // The option whose discriminating constants match, with the fewest
                    // problems, explains best.
                    let best = results
                        .into_iter()
                        .min_by_key(|r| {
                            let mismatched =
                                r.iter().any(|e| matches!(e.keyword, "const" | "enum"));
                            (mismatched, r.len())
                        })
                        .unwrap_or_default();
                    self.errors.extend(best);
                }
            } else if exactly_one && passing > 1 && const_titles(options).is_none() {
                self.push(
                    path,
                    keyword,
                    format!("{label} matches more than one of the allowed forms."),
                );
            }
        }
        if let Some(not) = s.get("not")
            && is_valid(not, value)
        {
            self.push(
                path,
                "not",
                format!("{label} has a value that is not allowed."),
            );
        }
        if let Some(cond) = s.get("if") {
            let branch = if is_valid(cond, value) {
                s.get("then")
            } else {
                s.get("else")
            };
            if let Some(b) = branch {
                self.check(b, value, path, Some(label));
            }
        }
    }
}

/// For `oneOf: [{const, title}, …]`, the titles (or values) people choose from.
fn const_titles(options: &[Json]) -> Option<Vec<String>> {
    options
        .iter()
        .map(|o| {
            let c = o.get("const")?;
            Some(
                o.get("title")
                    .and_then(Json::as_str)
                    .map_or_else(|| show(c), str::to_owned),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(schema: Json, value: Json) -> Vec<String> {
        validate(&schema, &value)
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    #[test]
    fn required_and_types() {
        let s = json!({"required": ["name"], "properties": {"name": {"title": "Name", "type": "string"}, "n": {"type": "integer"}}});
        assert_eq!(messages(s.clone(), json!({})), ["Name is required."]);
        assert_eq!(
            messages(s, json!({"name": "x", "n": 1.5})),
            ["n must be a whole number."]
        );
    }

    #[test]
    fn patterns_are_explained() {
        let s = json!({"properties": {"name": {"title": "Name", "type": "string", "pattern": "^[a-z0-9-]+$"}}});
        assert_eq!(
            messages(s.clone(), json!({"name": "Bad Name"})),
            ["Name must match ^[a-z0-9-]+$: lower-case letters, digits and dashes only."]
        );
        assert!(messages(s, json!({"name": "ok-1"})).is_empty());
        let s = json!({"properties": {"x": {"type": "string", "pattern": "^(a|b)c$"}}});
        assert_eq!(
            messages(s, json!({"x": "zz"})),
            ["x must match the pattern ^(a|b)c$."]
        );
        assert_eq!(
            unsupported_patterns(&json!({"pattern": "^(?!x)"})),
            ["^(?!x)"]
        );
    }

    #[test]
    fn lengths_ranges_formats() {
        let s = json!({"properties": {
            "a": {"title": "A", "type": "string", "minLength": 3, "maxLength": 4},
            "n": {"title": "N", "type": "number", "minimum": 1, "maximum": 10},
            "x": {"title": "X", "type": "number", "exclusiveMinimum": 0},
            "e": {"title": "Email", "type": "string", "format": "email"},
            "u": {"title": "Site", "type": "string", "format": "uri"},
            "d": {"title": "Day", "type": "string", "format": "date"},
            "t": {"title": "At", "type": "string", "format": "date-time"},
            "h": {"title": "Hour", "type": "string", "format": "time"},
        }});
        assert_eq!(
            messages(
                s.clone(),
                json!({"a": "ab", "n": 11, "x": 0, "e": "nope", "u": "example.com", "d": "2024-02-30", "t": "2024-01-01", "h": "25:00:00"})
            ),
            [
                "A must be at least 3 characters long.",
                "N must be at most 10.",
                "X must be greater than 0.",
                "Email must be an email address, like name@example.com.",
                "Site must be a full URL, like https://example.com/path.",
                "Day must be a date, like 2024-05-31.",
                "At must be a date and time, like 2024-05-31T14:30:00Z.",
                "Hour must be a time, like 14:30:00.",
            ]
        );
        assert!(messages(s, json!({"a": "abc", "n": 1, "x": 0.1, "e": "a@b.io", "u": "https://x.io", "d": "2024-02-29", "t": "2024-01-01T10:00:00+02:00", "h": "10:00:00"})).is_empty());
    }

    #[test]
    fn enums_arrays_and_conditionals() {
        let s = json!({
            "properties": {
                "env": {"title": "Environment", "enum": ["dev", "prod"], "enumNames": ["Development", "Production"]},
                "f": {"title": "Features", "type": "array", "uniqueItems": true, "minItems": 1, "items": {"enum": ["a", "b"]}},
                "kind": {"type": "string"},
                "port": {"title": "Port", "type": "integer"}
            },
            "if": {"properties": {"kind": {"const": "web"}}},
            "then": {"required": ["port"]}
        });
        assert_eq!(
            messages(
                s.clone(),
                json!({"env": "qa", "f": ["a", "a", "c"], "kind": "web"})
            ),
            [
                "Environment must be one of: Development, Production.",
                "Features lists a more than once.",
                "Features item 3 must be one of: a, b.",
                "Port is required.",
            ]
        );
        assert!(messages(s, json!({"kind": "cli", "f": ["a"]})).is_empty());
    }

    #[test]
    fn dependencies_with_one_of() {
        let s = json!({
            "properties": {"db": {"type": "boolean"}},
            "dependencies": {"db": {"oneOf": [
                {"properties": {"db": {"const": false}}},
                {"properties": {"db": {"const": true}, "engine": {"title": "Engine", "type": "string"}}, "required": ["engine"]}
            ]}}
        });
        assert_eq!(
            messages(s.clone(), json!({"db": true})),
            ["Engine is required."]
        );
        assert!(messages(s, json!({"db": false})).is_empty());
    }
}
