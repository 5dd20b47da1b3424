//! A template's form as data, for any UI: pages, the fields visible now (conditional fields
//! come and go as values change), values set by path, defaults, validation with plain
//! messages, the review listing with secrets masked, and the final `values` and `secrets`.

pub mod field;
pub mod schema;

pub use field::{Choice, Field, FieldPath, Widget};

use super::pickers::{EntityPicker, PickerKind, RepoUrlPicker, TagsPicker, check_entity_name};
use super::render::{RenderContext, RenderOptions, Renderer, is_truthy};
use super::secrets::Secrets;
use super::template::Template;
use super::validate::{ValidationError, validate};
use serde_json::{Map, Value as Json};
use std::collections::{BTreeSet, HashSet};

/// One page as written in the template.
#[derive(Clone, Debug)]
struct PageDef {
    title: String,
    description: Option<String>,
    schema: Json,
    ui: Json,
    /// `when: ${{ … }}` (a newer Backstage's page condition).
    when: Option<Json>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PageInfo {
    pub index: usize,
    pub title: String,
    pub description: Option<String>,
    /// False when the page's `when` condition is false for the current values.
    pub shown: bool,
}

/// A problem with a value, to show beside its field.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    #[serde(serialize_with = "pointer")]
    pub path: FieldPath,
    pub page: usize,
    pub message: String,
}

fn pointer<S: serde::Serializer>(p: &FieldPath, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.pointer())
}

/// A row of the review page.
#[derive(Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub page: usize,
    pub path: FieldPath,
    pub label: String,
    /// The value as shown: masked values are `******` (or the template's mask text).
    pub value: String,
    pub masked: bool,
}

impl std::fmt::Debug for ReviewRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.label, self.value)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("there is no field at {0}")]
    NoField(String),
    #[error("{0} is read-only")]
    ReadOnly(String),
    #[error("{0}")]
    Invalid(String),
}

const MASK: &str = "******";

pub struct Form {
    pages: Vec<PageDef>,
    values: Json,
    /// Paths a person set or cleared: defaults no longer apply there.
    touched: HashSet<FieldPath>,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may hold secrets: show only which keys are set.
        let keys: Vec<&String> = self
            .values
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        f.debug_struct("Form")
            .field("pages", &self.pages.len())
            .field("keys", &keys)
            .finish()
    }
}

fn get_path<'a>(root: &'a Json, path: &FieldPath) -> Option<&'a Json> {
    let mut cur = root;
    for seg in &path.0 {
        cur = match cur {
            Json::Object(m) => m.get(seg)?,
            Json::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Sets a value, creating objects (or arrays, for numeric segments) on the way.
fn set_path(root: &mut Json, path: &[String], value: Option<Json>) {
    let Some((first, rest)) = path.split_first() else {
        if let Some(v) = value {
            *root = v;
        }
        return;
    };
    if rest.is_empty() {
        match (root, value) {
            (Json::Object(m), Some(v)) => {
                m.insert(first.clone(), v);
            }
            (Json::Object(m), None) => {
                m.remove(first);
            }
            (Json::Array(a), v) => {
                if let Ok(i) = first.parse::<usize>() {
                    match v {
                        Some(v) if i < a.len() => a[i] = v,
                        Some(v) if i == a.len() => a.push(v),
                        None if i < a.len() => a[i] = Json::Null,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        return;
    }
    let next_is_index = rest[0].parse::<usize>().is_ok();
    let child = match root {
        Json::Object(m) => m.entry(first.clone()).or_insert_with(|| {
            if next_is_index {
                Json::Array(Vec::new())
            } else {
                Json::Object(Map::new())
            }
        }),
        Json::Array(a) => match first.parse::<usize>() {
            Ok(i) if i < a.len() => &mut a[i],
            _ => return,
        },
        _ => return,
    };
    if !(child.is_object() || child.is_array()) {
        *child = if next_is_index {
            Json::Array(Vec::new())
        } else {
            Json::Object(Map::new())
        };
    }
    set_path(child, rest, value);
}

fn str_of<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

fn show_scalar(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        Json::Array(a) => a.iter().map(show_scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `enum` (+ `enumNames` or `ui:options.enumNames`) or `oneOf`/`anyOf` of `const`s.
fn choices_of(schema: &Json, ui: &Json) -> Option<Vec<Choice>> {
    if let Some(Json::Array(values)) = schema.get("enum") {
        let names = schema
            .get("enumNames")
            .or_else(|| ui.get("ui:options").and_then(|o| o.get("enumNames")))
            .and_then(Json::as_array)
            .filter(|n| n.len() == values.len());
        return Some(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| Choice {
                    value: v.clone(),
                    label: names
                        .and_then(|n| n[i].as_str())
                        .map_or_else(|| show_scalar(v), str::to_owned),
                })
                .collect(),
        );
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Json::Array(options)) = schema.get(key) {
            let choices: Option<Vec<Choice>> = options
                .iter()
                .map(|o| {
                    let v = o.get("const")?;
                    Some(Choice {
                        value: v.clone(),
                        label: str_of(o, "title").map_or_else(|| show_scalar(v), str::to_owned),
                    })
                })
                .collect();
            if choices.is_some() {
                return choices;
            }
        }
    }
    None
}

fn type_of(schema: &Json) -> &str {
    match schema.get("type") {
        Some(Json::String(t)) => t,
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ if schema.get("properties").is_some() => "object",
        _ if schema.get("items").is_some() => "array",
        _ => "string",
    }
}

/// The input a property needs, from its `ui:field`, `ui:widget`, type, format and choices.
pub fn widget_for(schema: &Json, ui: &Json) -> Widget {
    let options = ui
        .get("ui:options")
        .cloned()
        .unwrap_or(Json::Object(Map::new()));
    if let Some(name) = str_of(ui, "ui:field") {
        if let Some(kind) = PickerKind::from_field(name) {
            return Widget::Entity(EntityPicker::from_options(kind, &options));
        }
        return match name {
            "Secret" => Widget::Secret,
            "EntityNamePicker" => Widget::EntityName,
            "EntityTagsPicker" => Widget::EntityTags(TagsPicker::from_options(&options)),
            "RepoUrlPicker" => Widget::RepoUrl(RepoUrlPicker::from_options(&options)),
            other => Widget::Custom {
                name: other.to_owned(),
            },
        };
    }
    let widget = str_of(ui, "ui:widget");
    match widget {
        Some("hidden") => return Widget::Hidden,
        Some("password") => return Widget::Password,
        _ => {}
    }
    let radio = widget == Some("radio");
    let choices = choices_of(schema, ui);
    match type_of(schema) {
        "array" => {
            let items = schema.get("items").cloned().unwrap_or(Json::Null);
            if let Some(c) = choices_of(&items, &Json::Null) {
                Widget::Checkboxes { choices: c }
            } else if type_of(&items) == "object" {
                Widget::ObjectList
            } else {
                Widget::StringList
            }
        }
        "object" => Widget::Group,
        "boolean" => match choices {
            Some(c) => Widget::Select { choices: c, radio },
            None if radio || widget == Some("select") => Widget::Select {
                choices: vec![
                    Choice {
                        value: Json::Bool(true),
                        label: "Yes".into(),
                    },
                    Choice {
                        value: Json::Bool(false),
                        label: "No".into(),
                    },
                ],
                radio,
            },
            None => Widget::Boolean,
        },
        t @ ("integer" | "number") => match choices {
            Some(c) => Widget::Select { choices: c, radio },
            None => Widget::Number {
                integer: t == "integer",
                minimum: schema.get("minimum").and_then(Json::as_f64),
                maximum: schema.get("maximum").and_then(Json::as_f64),
                slider: matches!(widget, Some("range" | "updown")),
            },
        },
        _ => match choices {
            Some(c) => Widget::Select { choices: c, radio },
            None if widget == Some("textarea") => Widget::TextArea {
                rows: options.get("rows").and_then(Json::as_u64),
            },
            None => {
                let format = str_of(schema, "format").map(str::to_owned).or_else(|| {
                    widget
                        .and_then(|w| match w {
                            "email" => Some("email"),
                            "uri" => Some("uri"),
                            "date" => Some("date"),
                            "datetime" => Some("date-time"),
                            "time" => Some("time"),
                            "color" => Some("color"),
                            "file" => Some("data-url"),
                            _ => None,
                        })
                        .map(str::to_owned)
                });
                Widget::Text {
                    format,
                    input_type: str_of(&options, "inputType").map(str::to_owned),
                }
            }
        },
    }
}

/// Property names in `ui:order` order (`*` stands for the rest; names missing from the
/// order go at the end).
fn ordered_keys(props: &Map<String, Json>, ui: &Json) -> Vec<String> {
    let all: Vec<String> = props.keys().cloned().collect();
    let Some(Json::Array(order)) = ui.get("ui:order") else {
        return all;
    };
    let order: Vec<&str> = order.iter().filter_map(Json::as_str).collect();
    let named: Vec<String> = order
        .iter()
        .filter(|k| **k != "*" && props.contains_key(**k))
        .map(|k| (*k).to_owned())
        .collect();
    let rest: Vec<String> = all.iter().filter(|k| !named.contains(k)).cloned().collect();
    let mut out = Vec::new();
    let mut rest_placed = false;
    for k in order {
        if k == "*" {
            out.extend(rest.iter().cloned());
            rest_placed = true;
        } else if props.contains_key(k) && !out.iter().any(|o| o == k) {
            out.push(k.to_owned());
        }
    }
    if !rest_placed {
        out.extend(rest);
    }
    out
}

/// Every property name a schema can ever have at its top level (through conditionals).
fn all_property_names(schema: &Json, out: &mut BTreeSet<String>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if let Some(Json::Object(props)) = map.get("properties") {
        out.extend(props.keys().cloned());
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Json::Array(subs)) = map.get(key) {
            subs.iter().for_each(|s| all_property_names(s, out));
        }
    }
    if let Some(Json::Object(deps)) = map.get("dependencies") {
        deps.values().for_each(|d| all_property_names(d, out));
    }
    for key in ["then", "else"] {
        if let Some(s) = map.get(key) {
            all_property_names(s, out);
        }
    }
}

impl Form {
    /// A form for a template, with its defaults applied.
    pub fn new(template: &Template) -> Form {
        let pages = template
            .pages
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let (schema, ui) = schema::split_ui(raw);
                PageDef {
                    title: template.page_title(i),
                    description: str_of(raw, "description").map(str::to_owned),
                    when: raw.get("when").cloned(),
                    schema,
                    ui,
                }
            })
            .collect();
        let mut form = Form {
            pages,
            values: Json::Object(Map::new()),
            touched: HashSet::new(),
        };
        form.apply_defaults();
        form
    }

    /// A form filled with given values and secrets (the command line's path): every given
    /// key counts as set by the person; defaults fill the rest.
    pub fn with_values(template: &Template, values: &Json, secrets: &Secrets) -> Form {
        let mut form = Form::new(template);
        form.values = Json::Object(Map::new());
        form.touched.clear();
        if let Json::Object(m) = values {
            for (k, v) in m {
                form.touched.insert(FieldPath::key(k));
                set_path(&mut form.values, std::slice::from_ref(k), Some(v.clone()));
            }
        }
        for (k, v) in secrets.iter() {
            form.touched.insert(FieldPath::key(k));
            set_path(
                &mut form.values,
                &[k.to_owned()],
                Some(Json::String(v.to_owned())),
            );
        }
        form.apply_defaults();
        form
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn pages(&self) -> Vec<PageInfo> {
        (0..self.pages.len())
            .map(|i| PageInfo {
                index: i,
                title: self.pages[i].title.clone(),
                description: self.pages[i].description.clone(),
                shown: self.page_shown(i),
            })
            .collect()
    }

    /// Whether a page applies: its `when` renders truthy against the current values.
    pub fn page_shown(&self, page: usize) -> bool {
        let Some(def) = self.pages.get(page) else {
            return false;
        };
        match &def.when {
            None => true,
            Some(Json::Bool(b)) => *b,
            Some(Json::String(expr)) => {
                let ctx = RenderContext::new(&serde_json::json!({ "parameters": self.values }));
                Renderer::new(RenderOptions::default())
                    .render_value(expr, &ctx)
                    .map(|v| is_truthy(v.as_ref()))
                    .unwrap_or(true)
            }
            Some(_) => true,
        }
    }

    /// The page after `from` that applies, if `from` validates (a page with errors cannot be
    /// left forward); `Err` carries its errors. `Ok(None)`: the next stop is the review.
    pub fn next_page(&self, from: usize) -> Result<Option<usize>, Vec<FieldError>> {
        let errors = self.validate_page(from);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((from + 1..self.pages.len()).find(|p| self.page_shown(*p)))
    }

    /// The page before `from` that applies.
    pub fn previous_page(&self, from: usize) -> Option<usize> {
        (0..from).rev().find(|p| self.page_shown(*p))
    }

    /// Every field of a page that applies now, in display order, hidden ones included.
    pub fn fields(&self, page: usize) -> Vec<Field> {
        let Some(def) = self.pages.get(page) else {
            return Vec::new();
        };
        let resolved = schema::resolve(&def.schema, &self.values);
        let mut out = Vec::new();
        self.object_fields(&resolved, &def.ui, &FieldPath::default(), page, 0, &mut out);
        out
    }

    /// The fields to draw: [`Self::fields`] without hidden ones.
    pub fn visible_fields(&self, page: usize) -> Vec<Field> {
        self.fields(page)
            .into_iter()
            .filter(Field::is_shown)
            .collect()
    }

    /// The field at a path, on whichever page applies.
    pub fn field(&self, path: &FieldPath) -> Option<Field> {
        (0..self.pages.len())
            .filter(|p| self.page_shown(*p))
            .flat_map(|p| self.fields(p))
            .find(|f| &f.path == path)
    }

    fn object_fields(
        &self,
        resolved: &Json,
        ui: &Json,
        path: &FieldPath,
        page: usize,
        depth: usize,
        out: &mut Vec<Field>,
    ) {
        let Some(props) = resolved.get("properties").and_then(Json::as_object) else {
            return;
        };
        let required: Vec<&str> = resolved
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let empty = Json::Object(Map::new());
        for key in ordered_keys(props, ui) {
            let prop = &props[&key];
            let prop_ui = ui.get(&key).unwrap_or(&empty);
            let fpath = path.child(key.clone());
            let widget = widget_for(prop, prop_ui);
            let value = get_path(&self.values, &fpath);
            let field = Field {
                label: str_of(prop_ui, "ui:title")
                    .or_else(|| str_of(prop, "title"))
                    .unwrap_or(&key)
                    .to_owned(),
                description: str_of(prop_ui, "ui:description")
                    .or_else(|| str_of(prop, "description"))
                    .map(str::to_owned),
                help: str_of(prop_ui, "ui:help").map(str::to_owned),
                placeholder: str_of(prop_ui, "ui:placeholder").map(str::to_owned),
                required: required.contains(&key.as_str()),
                readonly: prop_ui.get("ui:readonly") == Some(&Json::Bool(true))
                    || prop_ui.get("ui:disabled") == Some(&Json::Bool(true))
                    || prop.get("readOnly") == Some(&Json::Bool(true)),
                autofocus: prop_ui.get("ui:autofocus") == Some(&Json::Bool(true)),
                default: prop.get("default").cloned(),
                depth,
                schema: prop.clone(),
                ui: prop_ui.clone(),
                page,
                path: fpath.clone(),
                widget: widget.clone(),
            };
            out.push(field);
            match widget {
                Widget::Group => {
                    let sub = schema::resolve(prop, value.unwrap_or(&empty));
                    self.object_fields(&sub, prop_ui, &fpath, page, depth + 1, out);
                }
                Widget::ObjectList => {
                    let items_schema = prop.get("items").cloned().unwrap_or(Json::Null);
                    let items_ui = prop_ui.get("items").unwrap_or(&empty);
                    let label = out.last().map(|f| f.label.clone()).unwrap_or_default();
                    let count = value.and_then(Json::as_array).map_or(0, Vec::len);
                    for i in 0..count {
                        let ipath = fpath.child(i.to_string());
                        out.push(Field {
                            label: format!("{label} #{}", i + 1),
                            description: None,
                            help: None,
                            placeholder: None,
                            widget: Widget::Item { index: i },
                            required: false,
                            readonly: false,
                            autofocus: false,
                            default: None,
                            depth: depth + 1,
                            schema: items_schema.clone(),
                            ui: items_ui.clone(),
                            page,
                            path: ipath.clone(),
                        });
                        let item_value = get_path(&self.values, &ipath).unwrap_or(&empty);
                        let sub = schema::resolve(&items_schema, item_value);
                        self.object_fields(&sub, items_ui, &ipath, page, depth + 2, out);
                    }
                }
                _ => {}
            }
        }
    }

    fn shown_fields(&self) -> Vec<Field> {
        (0..self.pages.len())
            .filter(|p| self.page_shown(*p))
            .flat_map(|p| self.fields(p))
            .collect()
    }

    /// Fills in defaults of fields that apply and were never set, until nothing changes
    /// (a default can make a conditional field appear, which may have its own default).
    fn apply_defaults(&mut self) {
        for _ in 0..8 {
            let mut changed = false;
            for f in self.shown_fields() {
                if self.touched.contains(&f.path) || get_path(&self.values, &f.path).is_some() {
                    continue;
                }
                let Some(default) = f.default.clone() else {
                    continue;
                };
                if f.widget.holds_value() || matches!(f.widget, Widget::Group | Widget::ObjectList)
                {
                    set_path(&mut self.values, &f.path.0, Some(default));
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    pub fn value(&self, path: &FieldPath) -> Option<&Json> {
        get_path(&self.values, path)
    }

    /// Sets a field's value (`Json::Null` clears it).
    pub fn set(&mut self, path: &FieldPath, value: Json) -> Result<(), FormError> {
        let field = self
            .field(path)
            .ok_or_else(|| FormError::NoField(path.pointer()))?;
        if field.readonly {
            return Err(FormError::ReadOnly(field.label));
        }
        self.touched.insert(path.clone());
        let value = (!value.is_null()).then_some(value);
        set_path(&mut self.values, &path.0, value);
        self.apply_defaults();
        Ok(())
    }

    pub fn clear(&mut self, path: &FieldPath) -> Result<(), FormError> {
        self.set(path, Json::Null)
    }

    /// Sets a field from what was typed, converted for its widget: numbers parsed, booleans
    /// from yes/no/true/false, choices by label or value, lists one item per line (or comma).
    /// Empty text clears the field.
    pub fn set_text(&mut self, path: &FieldPath, text: &str) -> Result<(), FormError> {
        let field = self
            .field(path)
            .ok_or_else(|| FormError::NoField(path.pointer()))?;
        let value = parse_text(&field, text)?;
        self.set(path, value)
    }

    /// Appends an empty item to an object list; returns its index.
    pub fn add_item(&mut self, path: &FieldPath) -> Result<usize, FormError> {
        let field = self
            .field(path)
            .ok_or_else(|| FormError::NoField(path.pointer()))?;
        if field.widget != Widget::ObjectList && field.widget != Widget::StringList {
            return Err(FormError::Invalid(format!("{} is not a list", field.label)));
        }
        let mut items = get_path(&self.values, path)
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        items.push(if field.widget == Widget::ObjectList {
            Json::Object(Map::new())
        } else {
            Json::String(String::new())
        });
        let index = items.len() - 1;
        self.set(path, Json::Array(items))?;
        Ok(index)
    }

    pub fn remove_item(&mut self, path: &FieldPath, index: usize) -> Result<(), FormError> {
        let mut items = get_path(&self.values, path)
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        if index < items.len() {
            items.remove(index);
        }
        self.set(path, Json::Array(items))
    }

    /// Secret field paths (on any page) and which top-level keys are known but do not apply.
    fn secret_paths(&self) -> Vec<FieldPath> {
        (0..self.pages.len())
            .flat_map(|p| self.fields(p))
            .filter(|f| f.widget == Widget::Secret)
            .map(|f| f.path)
            .collect()
    }

    /// Values with fields that no longer apply removed, secrets still in.
    fn applicable_values(&self) -> Json {
        let mut out = self.values.clone();
        let mut known = BTreeSet::new();
        for p in &self.pages {
            all_property_names(&p.schema, &mut known);
        }
        let applying: BTreeSet<String> = self
            .shown_fields()
            .into_iter()
            .filter_map(|f| f.path.0.first().cloned())
            .collect();
        if let Json::Object(m) = &mut out {
            m.retain(|k, _| !known.contains(k) || applying.contains(k));
        }
        out
    }

    /// The `values` to send: what applies now, without Secret fields.
    pub fn values(&self) -> Json {
        let mut out = self.applicable_values();
        for p in self.secret_paths() {
            set_path(&mut out, &p.0, None);
        }
        out
    }

    /// Secret fields' values, by field name.
    pub fn secrets(&self) -> Secrets {
        let mut s = Secrets::default();
        for p in self.secret_paths() {
            if let Some(Json::String(v)) = get_path(&self.values, &p) {
                s.insert(p.last(), v);
            }
        }
        s
    }

    /// Every string that must never be shown or logged: Secret and password values.
    pub fn sensitive_values(&self) -> Vec<String> {
        self.shown_fields()
            .into_iter()
            .filter(|f| f.widget.is_masked())
            .filter_map(|f| {
                get_path(&self.values, &f.path)
                    .and_then(Json::as_str)
                    .map(str::to_owned)
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// Validates one page as the scaffolder does (the page's schema against all values), plus
    /// the checks of field extensions (entity names, tags, repository URLs).
    pub fn validate_page(&self, page: usize) -> Vec<FieldError> {
        let Some(def) = self.pages.get(page) else {
            return Vec::new();
        };
        if !self.page_shown(page) {
            return Vec::new();
        }
        let values = self.applicable_values();
        let mut errors: Vec<FieldError> = validate(&def.schema, &values)
            .into_iter()
            .map(|e: ValidationError| FieldError {
                path: FieldPath(e.path),
                page,
                message: e.message,
            })
            .collect();
        let fields = self.fields(page);
        for f in &fields {
            let Some(v) = get_path(&values, &f.path) else {
                continue;
            };
            if let Some(message) = extension_problem(f, v)
                && !errors.iter().any(|e| e.path == f.path)
            {
                errors.push(FieldError {
                    path: f.path.clone(),
                    page,
                    message,
                });
            }
        }
        // In the order the fields are shown (a stable sort keeps one field's errors in order).
        let position = |p: &FieldPath| {
            fields
                .iter()
                .position(|f| &f.path == p)
                .unwrap_or(usize::MAX)
        };
        errors.sort_by_key(|e| position(&e.path));
        errors
    }

    /// Every page that applies, validated.
    pub fn validate(&self) -> Vec<FieldError> {
        (0..self.pages.len())
            .flat_map(|p| self.validate_page(p))
            .collect()
    }

    /// The review listing: every value that applies, labelled, with secrets masked.
    pub fn review(&self) -> Vec<ReviewRow> {
        let mut rows = Vec::new();
        for page in (0..self.pages.len()).filter(|p| self.page_shown(*p)) {
            let mut parents: Vec<String> = Vec::new();
            for f in self.fields(page) {
                parents.truncate(f.depth);
                let review = f.ui.get("ui:backstage").and_then(|b| b.get("review"));
                let review_name = review.and_then(|r| str_of(r, "name"));
                let own_label = review_name.unwrap_or(&f.label).to_owned();
                if !f.widget.holds_value() {
                    while parents.len() < f.depth {
                        parents.push(String::new());
                    }
                    parents.push(own_label);
                    continue;
                }
                let Some(value) = get_path(&self.values, &f.path) else {
                    continue;
                };
                if review.and_then(|r| r.get("show")) == Some(&Json::Bool(false)) {
                    continue;
                }
                let mask = review.and_then(|r| str_of(r, "mask"));
                let (shown, masked) = if f.widget.is_masked() {
                    (mask.unwrap_or(MASK).to_owned(), true)
                } else if let Some(m) = mask {
                    (m.to_owned(), true)
                } else {
                    (display_value(&f, value), false)
                };
                let label = parents
                    .iter()
                    .filter(|p| !p.is_empty())
                    .cloned()
                    .chain(std::iter::once(own_label))
                    .collect::<Vec<_>>()
                    .join(" / ");
                rows.push(ReviewRow {
                    page,
                    path: f.path.clone(),
                    label,
                    value: shown,
                    masked,
                });
            }
        }
        rows
    }
}

/// A value as people read it: choices by their label, lists joined.
fn display_value(f: &Field, value: &Json) -> String {
    let label_of = |choices: &[Choice], v: &Json| {
        choices
            .iter()
            .find(|c| &c.value == v)
            .map_or_else(|| show_scalar(v), |c| c.label.clone())
    };
    match (&f.widget, value) {
        (Widget::Select { choices, .. }, v) => label_of(choices, v),
        (Widget::Checkboxes { choices }, Json::Array(items)) => items
            .iter()
            .map(|v| label_of(choices, v))
            .collect::<Vec<_>>()
            .join(", "),
        (Widget::Boolean, Json::Bool(b)) => if *b { "Yes" } else { "No" }.into(),
        (_, Json::Object(_)) => value.to_string(),
        (_, v) => show_scalar(v),
    }
}

/// What a field extension's own validation says about a value.
fn extension_problem(f: &Field, value: &Json) -> Option<String> {
    match (&f.widget, value) {
        (Widget::EntityName, Json::String(s)) => check_entity_name(s)
            .err()
            .map(|m| format!("{} {m}.", f.label)),
        (Widget::EntityTags(_), Json::Array(tags)) => tags
            .iter()
            .filter_map(Json::as_str)
            .find_map(|t| TagsPicker::check_tag(t).err())
            .map(|m| format!("{}: {m}.", f.label)),
        (Widget::RepoUrl(p), Json::String(s)) => {
            p.check(s).err().map(|m| format!("{} {m}.", f.label))
        }
        _ => None,
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "on" => Some(true),
        "false" | "no" | "n" | "0" | "off" => Some(false),
        _ => None,
    }
}

fn choice_for(choices: &[Choice], text: &str) -> Option<Json> {
    let t = text.trim();
    choices
        .iter()
        .find(|c| c.label.eq_ignore_ascii_case(t) || show_scalar(&c.value).eq_ignore_ascii_case(t))
        .map(|c| c.value.clone())
}

fn list_items(text: &str) -> Vec<String> {
    let sep = if text.contains('\n') { '\n' } else { ',' };
    text.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Converts typed text into a value for a field (empty text: `Null`, which clears).
pub fn parse_text(f: &Field, text: &str) -> Result<Json, FormError> {
    if text.trim().is_empty() && !matches!(f.widget, Widget::TextArea { .. }) || text.is_empty() {
        return Ok(Json::Null);
    }
    let label = &f.label;
    let number = |integer: bool| -> Result<Json, FormError> {
        let t = text.trim();
        if integer {
            t.parse::<i64>()
                .map(Json::from)
                .map_err(|_| FormError::Invalid(format!("{label} must be a whole number, like 3.")))
        } else {
            t.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| {
                    if f.fract() == 0.0 && f.abs() < 9e15 {
                        Json::from(f as i64)
                    } else {
                        Json::from(f)
                    }
                })
                .ok_or_else(|| FormError::Invalid(format!("{label} must be a number, like 2.5.")))
        }
    };
    Ok(match &f.widget {
        Widget::Number { integer, .. } => number(*integer)?,
        Widget::Boolean => Json::Bool(
            parse_bool(text)
                .ok_or_else(|| FormError::Invalid(format!("{label} must be yes or no.")))?,
        ),
        Widget::Select { choices, .. } => choice_for(choices, text).ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|c| c.label.as_str()).collect();
            FormError::Invalid(format!("{label} must be one of: {}.", names.join(", ")))
        })?,
        Widget::Checkboxes { choices } => Json::Array(
            list_items(text)
                .iter()
                .map(|t| {
                    choice_for(choices, t).ok_or_else(|| {
                        let names: Vec<&str> = choices.iter().map(|c| c.label.as_str()).collect();
                        FormError::Invalid(format!(
                            "{label}: \"{t}\" is not one of: {}.",
                            names.join(", ")
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        Widget::StringList | Widget::EntityTags(_) => {
            Json::Array(list_items(text).into_iter().map(Json::String).collect())
        }
        Widget::Entity(p) if p.is_multi() => {
            Json::Array(list_items(text).into_iter().map(Json::String).collect())
        }
        Widget::Custom { .. } | Widget::Hidden => match type_of(&f.schema) {
            "integer" => number(true)?,
            "number" => number(false)?,
            "boolean" => Json::Bool(
                parse_bool(text)
                    .ok_or_else(|| FormError::Invalid(format!("{label} must be yes or no.")))?,
            ),
            "array" => Json::Array(list_items(text).into_iter().map(Json::String).collect()),
            // A custom field that fills in an object (a backend's own picker): typed as JSON.
            "object" => match serde_json::from_str::<Json>(text.trim()) {
                Ok(v @ Json::Object(_)) => v,
                _ => {
                    return Err(FormError::Invalid(format!(
                        "{label} must be a JSON object, like {{\"key\": \"value\"}}."
                    )));
                }
            },
            _ => Json::String(text.to_owned()),
        },
        _ => Json::String(text.to_owned()),
    })
}
