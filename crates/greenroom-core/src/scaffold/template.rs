//! A Software Template (`scaffolder.backstage.io/v1beta3`) as the scaffolder needs it: its form
//! pages, steps, output and presentation, and the folder its relative URLs resolve against.

use super::files::{EmbeddedFiles, TemplateBase};
use crate::catalog::{Catalog, Entity};
use serde_json::{Map, Value as Json};
use std::path::Path;
use std::sync::Arc;

pub const API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

#[derive(Clone, Debug)]
pub struct Step {
    pub id: String,
    pub name: String,
    pub action: String,
    /// `if`: a boolean or a string to render.
    pub condition: Option<Json>,
    pub each: Option<Json>,
    pub input: Json,
    /// The step as written, with its id and name filled in (Backstage's `steps` in a dry run).
    pub raw: Json,
}

#[derive(Clone, Debug)]
pub struct Template {
    /// `template:namespace/name`.
    pub entity_ref: String,
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// The entity as JSON (what a dry-run request sends as `template`).
    pub entity: Map<String, Json>,
    /// Form pages as written (with their `ui:*` keys).
    pub pages: Vec<Json>,
    pub steps: Vec<Step>,
    pub output: Json,
    pub presentation: Option<Json>,
    /// `spec.secrets.schema`, validating the `secrets` body.
    pub secrets_schema: Option<Json>,
    pub base: Option<TemplateBase>,
    /// The Backstage backend that served this template (its base URL), when it came from a
    /// `backstage` catalogue source: its steps can run there.
    pub backend: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("{0} is not a Template")]
    NotATemplate(String),
    #[error("{what} has apiVersion {found}; only {API_VERSION} templates can run")]
    WrongVersion { what: String, found: String },
    #[error("{0}: spec.steps must be a list of steps with an action each")]
    BadSteps(String),
}

fn str_at<'a>(map: &'a Map<String, Json>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Json::as_str)
}

impl Template {
    /// Reads a Template entity of the catalogue; relative URLs resolve against its file (on
    /// disk, or in the embedded demo tree).
    pub fn from_entity(entity: &Entity) -> Result<Template, TemplateError> {
        if !entity.is_kind("Template") {
            return Err(TemplateError::NotATemplate(entity.key.clone()));
        }
        let backend = crate::sources::backstage::served_by(&entity.origin.file).map(str::to_owned);
        // A served template's `file:` location is a path on the backend's machine.
        let base = match backend {
            Some(_) => None,
            None => base_of(&entity.origin.location),
        };
        let mut template = Self::from_json(&entity.data, base)?;
        template.backend = backend;
        Ok(template)
    }

    /// Reads a template from its JSON (as parsed from YAML).
    pub fn from_json(
        data: &Map<String, Json>,
        base: Option<TemplateBase>,
    ) -> Result<Template, TemplateError> {
        let meta = data
            .get("metadata")
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        let name = str_at(&meta, "name").unwrap_or("template").to_owned();
        let namespace = str_at(&meta, "namespace").unwrap_or("default");
        let entity_ref = format!("template:{namespace}/{name}");
        if !str_at(data, "kind").is_some_and(|k| k.eq_ignore_ascii_case("Template")) {
            return Err(TemplateError::NotATemplate(entity_ref));
        }
        let version = str_at(data, "apiVersion").unwrap_or_default();
        if version != API_VERSION {
            return Err(TemplateError::WrongVersion {
                what: entity_ref,
                found: version.to_owned(),
            });
        }
        let spec = data
            .get("spec")
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        let pages = match spec.get("parameters") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(a)) => a.clone(),
            Some(one) => vec![one.clone()],
        };
        let steps = match spec.get("steps") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, s)| parse_step(i, s))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| TemplateError::BadSteps(entity_ref.clone()))?,
            Some(_) => return Err(TemplateError::BadSteps(entity_ref)),
        };
        Ok(Template {
            title: str_at(&meta, "title").unwrap_or(&name).to_owned(),
            description: str_at(&meta, "description").map(str::to_owned),
            tags: meta
                .get("tags")
                .and_then(Json::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            name,
            entity_ref,
            entity: data.clone(),
            pages,
            steps,
            output: spec
                .get("output")
                .cloned()
                .unwrap_or_else(|| Json::Object(Map::new())),
            presentation: spec.get("presentation").cloned(),
            secrets_schema: spec.get("secrets").and_then(|s| s.get("schema")).cloned(),
            base,
            backend: None,
        })
    }

    /// What the template asks for that Backstage silently ignores: `copyWithoutRender`
    /// (removed in scaffolder-backend 2.0; the files it names are rendered).
    pub fn warnings(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| s.input.get("copyWithoutRender").is_some())
            .map(|s| {
                format!(
                    "step {}: copyWithoutRender is ignored (Backstage removed it in scaffolder-backend 2.0; its files are rendered); use copyWithoutTemplating",
                    s.id
                )
            })
            .collect()
    }

    /// Reads `template.yaml` from disk (the first Template document in it).
    pub fn from_file(path: &Path) -> Result<Template, String> {
        let text = crate::fsread::read_regular_string(path, crate::limits::FILE_BYTES)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let value: Json = serde::Deserialize::deserialize(doc)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if let Json::Object(map) = value
                && str_at(&map, "kind").is_some_and(|k| k.eq_ignore_ascii_case("Template"))
            {
                return Self::from_json(&map, Some(TemplateBase::disk(dir)))
                    .map_err(|e| e.to_string());
            }
        }
        Err(format!("{}: no Template in this file", path.display()))
    }

    /// A button label from `spec.presentation.buttonLabels` (`backButtonText`,
    /// `createButtonText`, `reviewButtonText`), else Backstage's default.
    pub fn button_label(&self, key: &str) -> String {
        let default = match key {
            "backButtonText" => "Back",
            "createButtonText" => "Create",
            "reviewButtonText" => "Review",
            _ => "",
        };
        self.presentation
            .as_ref()
            .and_then(|p| p.pointer(&format!("/buttonLabels/{key}")))
            .and_then(Json::as_str)
            .unwrap_or(default)
            .to_owned()
    }

    /// The page's `title`, or the scaffolder's default.
    pub fn page_title(&self, page: usize) -> String {
        self.pages
            .get(page)
            .and_then(|p| p.get("title"))
            .and_then(Json::as_str)
            .unwrap_or("Please enter the following information")
            .to_owned()
    }
}

fn parse_step(index: usize, step: &Json) -> Option<Step> {
    let map = step.as_object()?;
    let action = str_at(map, "action")?.to_owned();
    let id = str_at(map, "id").map_or_else(|| format!("step-{}", index + 1), str::to_owned);
    let name = str_at(map, "name").unwrap_or(&action).to_owned();
    let mut raw = map.clone();
    raw.insert("id".into(), Json::String(id.clone()));
    raw.insert("name".into(), Json::String(name.clone()));
    Some(Step {
        id,
        name,
        condition: map.get("if").cloned(),
        each: map.get("each").cloned(),
        input: map
            .get("input")
            .cloned()
            .unwrap_or_else(|| Json::Object(Map::new())),
        action,
        raw: Json::Object(raw),
    })
}

/// The folder of a `file:` or `embedded:` location reference.
fn base_of(location: &str) -> Option<TemplateBase> {
    let (kind, target) = location.split_once(':')?;
    let dir = Path::new(target).parent()?.to_path_buf();
    match kind {
        "file" => Some(TemplateBase::disk(dir)),
        "embedded" => Some(TemplateBase {
            files: Arc::new(EmbeddedFiles(crate::sources::demo::files())),
            dir,
        }),
        _ => None,
    }
}

/// The templates of a catalogue, sorted by title.
pub fn templates(catalog: &Catalog) -> Vec<&Entity> {
    let mut out: Vec<&Entity> = catalog
        .entities()
        .iter()
        .filter(|e| {
            e.is_kind("Template")
                && catalog
                    .position(&e.key)
                    .is_some_and(|i| std::ptr::eq(&catalog.entities()[i], *e))
        })
        .collect();
    out.sort_by_key(|e| e.display_name().to_lowercase());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn copy_without_render_is_a_warning_of_the_template() {
        let data = json!({
            "apiVersion": API_VERSION,
            "kind": "Template",
            "metadata": {"name": "t"},
            "spec": {"steps": [
                {"id": "fetch", "action": "fetch:template", "input": {"url": "./s", "copyWithoutRender": [".github/**"]}},
                {"id": "log", "action": "debug:log", "input": {"message": "m"}},
            ]},
        });
        let t = Template::from_json(data.as_object().unwrap(), None).unwrap();
        let w = t.warnings();
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("step fetch: copyWithoutRender is ignored"),
            "{w:?}"
        );
    }

    #[test]
    fn a_template_served_by_backstage_knows_its_backend_and_has_no_local_files() {
        use crate::sources::backstage::served_by;
        assert_eq!(
            served_by("file:/srv/t/template.yaml (from Backstage at http://b:7007)"),
            Some("http://b:7007")
        );
        assert_eq!(served_by("/home/me/catalog-info.yaml"), None);
    }
}
