//! A Backstage backend as a catalogue source: the entities its catalog serves, exactly as it
//! serves them (its relations, its processing errors), read with
//! `GET /api/catalog/entities/by-query` and cursor paging.
//!
//! Why by-query and not `GET /entities`: the plain list has no paging a client can rely on
//! (offset paging shifts while the catalogue changes and is slow on large catalogues); the
//! cursor is the documented way to read everything once. Each page is read whole before the
//! next is asked for, as a plain page loop would, so the speed is the backend's.
//!
//! Failures never lose what was read: an error on page N keeps pages 1..N-1 and says which
//! page failed; 401/403 name the environment variable that holds the token.

use super::{Source, SourceOutput};
use crate::catalog::entity::{ANNOTATION_LOCATION, ANNOTATION_ORIGIN_LOCATION, Verdict};
use crate::catalog::{Diagnostic, Entity, EntityRef, Origin, Relation, RelationType, Severity};
use crate::yaml::Pos;
use serde_json::{Map, Value};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

/// A `[[catalog.source]] type = "backstage"` entry.
#[derive(Clone, Debug)]
pub struct BackstageSource {
    /// The backend's base URL (`https://backstage.example.com`); `/api/catalog` is appended.
    pub base_url: String,
    /// The environment variable holding a static or service token; `None` for guest setups.
    pub token_env: Option<String>,
    /// Backstage's `filter` query values (`kind=component`, `metadata.namespace=payments`),
    /// each one an alternative as in the REST API.
    pub filter: Vec<String>,
    /// Only entities in this namespace.
    pub namespace: Option<String>,
    /// Entities asked for per page.
    pub page_size: usize,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

impl BackstageSource {
    pub fn new(base_url: impl Into<String>) -> BackstageSource {
        BackstageSource {
            base_url: base_url.into(),
            token_env: None,
            filter: Vec::new(),
            namespace: None,
            page_size: crate::limits::BACKSTAGE_PAGE_SIZE,
            connect_timeout: crate::limits::HTTP_CONNECT_TIMEOUT,
            request_timeout: crate::limits::HTTP_REQUEST_TIMEOUT,
        }
    }

    fn api(&self) -> String {
        format!("{}/api/catalog", self.base_url.trim_end_matches('/'))
    }

    /// The query of the first page.
    fn first_query(&self) -> Vec<(String, String)> {
        let mut q = vec![("limit".to_owned(), self.page_size.to_string())];
        let ns = self
            .namespace
            .as_ref()
            .map(|n| format!("metadata.namespace={n}"));
        if self.filter.is_empty() {
            q.extend(ns.map(|n| ("filter".to_owned(), n)));
        } else {
            for f in &self.filter {
                let f = match &ns {
                    Some(n) => format!("{f},{n}"),
                    None => f.clone(),
                };
                q.push(("filter".to_owned(), f));
            }
        }
        q
    }

    /// The token from `token_env` (`None` for guest setups); an error names the unset variable.
    pub fn token(&self) -> Result<Option<String>, String> {
        let Some(var) = &self.token_env else {
            return Ok(None);
        };
        match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_owned())),
            _ => Err(format!(
                "the environment variable {var} (the Backstage token) is not set"
            )),
        }
    }

    /// Reads every page. Returns the items read and, when it stopped early, why.
    pub fn fetch(&self, progress: &dyn Fn(usize)) -> (Vec<Value>, Option<String>) {
        let mut items = Vec::new();
        let token = match self.token() {
            Ok(t) => t,
            Err(e) => return (items, Some(e)),
        };
        let client = match reqwest::blocking::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(c) => c,
            Err(e) => return (items, Some(e.to_string())),
        };
        let url = format!("{}/entities/by-query", self.api());
        let mut query = self.first_query();
        for page in 1.. {
            let mut request = client.get(&url).query(&query);
            if let Some(t) = &token {
                request = request.bearer_auth(t);
            }
            let body = match request.send() {
                Ok(r) => match self.read_page(r) {
                    Ok(b) => b,
                    Err(e) => return (items, Some(format!("page {page}: {e}"))),
                },
                Err(e) => {
                    return (
                        items,
                        Some(format!("page {page}: {}", describe_reqwest(&e, &url))),
                    );
                }
            };
            let Some(page_items) = body.get("items").and_then(Value::as_array) else {
                return (
                    items,
                    Some(format!("page {page}: the answer has no `items` list")),
                );
            };
            items.extend(page_items.iter().cloned());
            progress(items.len());
            let next = body
                .get("pageInfo")
                .and_then(|p| p.get("nextCursor"))
                .and_then(Value::as_str);
            match next {
                Some(cursor) if !page_items.is_empty() => {
                    // Later pages carry only the cursor: it encodes the filter and order.
                    query = vec![
                        ("limit".to_owned(), self.page_size.to_string()),
                        ("cursor".to_owned(), cursor.to_owned()),
                    ];
                }
                _ => break,
            }
            if page >= crate::limits::BACKSTAGE_MAX_PAGES {
                return (
                    items,
                    Some(format!(
                        "stopped after {page} pages: the backend kept sending cursors"
                    )),
                );
            }
        }
        (items, None)
    }

    fn read_page(&self, response: reqwest::blocking::Response) -> Result<Value, String> {
        let status = response.status();
        let mut body = Vec::new();
        response
            .take(crate::limits::BACKSTAGE_PAGE_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| format!("reading the answer failed: {e}"))?;
        if body.len() as u64 > crate::limits::BACKSTAGE_PAGE_BYTES {
            return Err(format!(
                "a page is larger than {} bytes; lower `page_size`",
                crate::limits::BACKSTAGE_PAGE_BYTES
            ));
        }
        if status == 401 || status == 403 {
            let why = error_message(&body).unwrap_or_default();
            let fix = match &self.token_env {
                Some(var) => format!("check the token in the environment variable {var}"),
                None => "this backend needs a token: set `token_env` to the name of an \
                         environment variable holding one"
                    .to_owned(),
            };
            return Err(format!("HTTP {} {why}: {fix}", status.as_u16()));
        }
        if !status.is_success() {
            let why = error_message(&body).unwrap_or_default();
            return Err(format!("HTTP {} {why}", status.as_u16()));
        }
        serde_json::from_slice(&body).map_err(|e| format!("the answer is not JSON: {e}"))
    }

    /// Turns served items into entities (relations as served) and diagnostics (the entity's
    /// `status.items` errors, and items too broken to show).
    pub fn convert(&self, items: Vec<Value>) -> SourceOutput {
        let mut out = SourceOutput {
            relations_given: true,
            ..SourceOutput::default()
        };
        let file: Arc<str> = self.base_url.trim_end_matches('/').into();
        for item in items {
            let Value::Object(mut data) = item else {
                out.diagnostics.push(
                    self.diagnostic(None, "the backend served an entity that is not an object"),
                );
                continue;
            };
            let relations = data.remove("relations");
            let status = data.remove("status");
            let Some(entity_ref) = identity(&data) else {
                out.diagnostics.push(self.diagnostic(
                    None,
                    "the backend served an entity without kind, metadata.name or namespace",
                ));
                continue;
            };
            let key = entity_ref.canonical();
            for message in status_errors(status.as_ref()) {
                out.diagnostics
                    .push(self.diagnostic(Some(key.clone()), &message));
            }
            let mut relations: Vec<Relation> = relations
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| {
                    Some(Relation {
                        kind: RelationType::parse(r.get("type")?.as_str()?),
                        target: r.get("targetRef")?.as_str()?.to_lowercase().into(),
                    })
                })
                .collect();
            relations
                .sort_by(|a, b| (a.kind.as_str(), &a.target).cmp(&(b.kind.as_str(), &b.target)));
            relations.dedup();
            let annotation = |k: &str| -> Arc<str> {
                data.get("metadata")
                    .and_then(|m| m.get("annotations"))
                    .and_then(|a| a.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or(&file)
                    .into()
            };
            let location = annotation(ANNOTATION_LOCATION);
            let origin = Origin {
                file: format!("{location}{FROM_BACKSTAGE}{file})").into(),
                // Remote: no line to point at.
                pos: Pos { line: 0, column: 0 },
                location,
                origin_location: annotation(ANNOTATION_ORIGIN_LOCATION),
            };
            out.entities.push(Entity {
                data,
                key,
                entity_ref,
                origin,
                verdict: Verdict::Accepted,
                ref_sites: Vec::new(),
                relations,
                relations_given: true,
            });
        }
        out
    }

    fn diagnostic(&self, entity_ref: Option<String>, message: &str) -> Diagnostic {
        Diagnostic::new(
            Severity::Error,
            self.base_url.trim_end_matches('/'),
            Pos::START,
            entity_ref,
            crate::text::sanitize_line(message).into_owned(),
        )
    }
}

impl Source for BackstageSource {
    fn describe(&self) -> String {
        format!("Backstage at {}", self.base_url)
    }

    fn load(&self, opts: &super::LoadOptions) -> SourceOutput {
        let (items, failure) = self.fetch(&|n| opts.report_entities(n));
        let read = items.len();
        let mut out = self.convert(items);
        if let Some(why) = failure {
            let message = super::remote_failure(&self.api(), &why, read);
            out.diagnostics.insert(0, self.diagnostic(None, &message));
            out.failed = Some(why);
        }
        out
    }

    fn cache_key(&self) -> Option<String> {
        Some(format!(
            "backstage\n{}\n{:?}\n{:?}",
            self.base_url, self.filter, self.namespace
        ))
    }
}

/// What an entity's origin says after its location when a Backstage backend served it.
const FROM_BACKSTAGE: &str = " (from Backstage at ";

/// The backend that served an entity, from its origin's `file` (`None` for entities read
/// from files).
pub fn served_by(origin_file: &str) -> Option<&str> {
    let (_, rest) = origin_file.rsplit_once(FROM_BACKSTAGE)?;
    rest.strip_suffix(')')
}

/// `kind:namespace/name` of a served entity.
fn identity(data: &Map<String, Value>) -> Option<EntityRef> {
    let kind = data.get("kind")?.as_str()?;
    let meta = data.get("metadata")?;
    let name = meta.get("name")?.as_str()?;
    let namespace = meta
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or(crate::catalog::refs::DEFAULT_NAMESPACE);
    (!kind.is_empty() && !name.is_empty()).then(|| EntityRef::new(kind, namespace, name))
}

/// The messages of `status.items` entries of level `error` (Backstage's processing errors).
fn status_errors(status: Option<&Value>) -> Vec<String> {
    status
        .and_then(|s| s.get("items"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|i| i.get("level").and_then(Value::as_str) == Some("error"))
        .map(|i| {
            let message = i
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("a processing error");
            let name = i
                .get("error")
                .and_then(|e| e.get("name"))
                .and_then(Value::as_str);
            match name {
                Some(n) => format!("Backstage reports {n}: {message}"),
                None => format!("Backstage reports: {message}"),
            }
        })
        .collect()
}

/// `error.message` of Backstage's error body (`{"error": {"name", "message"}, ...}`), never
/// its stack.
pub(crate) fn error_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    let name = e.get("name").and_then(Value::as_str).unwrap_or("Error");
    let message = e.get("message").and_then(Value::as_str).unwrap_or("");
    Some(crate::text::sanitize_line(&format!("({name}: {message})")).into_owned())
}

/// A request failure for people: timeouts and refused connections said plainly.
pub(crate) fn describe_reqwest(e: &reqwest::Error, url: &str) -> String {
    if e.is_timeout() {
        format!("{url} did not answer in time")
    } else if e.is_connect() {
        format!("could not connect to {url}")
    } else {
        super::http::describe_error(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn served_entities_keep_their_relations_and_errors() {
        let s = BackstageSource::new("http://127.0.0.1:7007/");
        let out = s.convert(vec![
            json!({
                "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                "metadata": {"name": "Ticket-Service", "namespace": "default",
                    "annotations": {"backstage.io/managed-by-location": "url:https://x/y.yaml"}},
                "spec": {"owner": "team-stage"},
                "relations": [
                    {"type": "ownedBy", "targetRef": "group:default/team-stage"},
                    {"type": "customRel", "targetRef": "Resource:default/DB"}
                ],
                "status": {"items": [{"type": "backstage.io/catalog-processing", "level": "error",
                    "message": "InputError: bad \u{1b}[31mthing", "error": {"name": "InputError"}}]}
            }),
            json!(["not an entity"]),
            json!({"kind": "Component", "metadata": {}}),
        ]);
        assert!(out.relations_given);
        assert_eq!(out.entities.len(), 1);
        let e = &out.entities[0];
        assert_eq!(e.key, "component:default/ticket-service");
        assert!(!e.data.contains_key("relations") && !e.data.contains_key("status"));
        assert_eq!(e.relations.len(), 2);
        assert_eq!(e.relations[0].kind.as_str(), "customRel");
        assert_eq!(&*e.relations[0].target, "resource:default/db");
        assert_eq!(&*e.origin.location, "url:https://x/y.yaml");
        assert_eq!(out.diagnostics.len(), 3, "{:?}", out.diagnostics);
        let d = &out.diagnostics[0];
        assert_eq!(
            d.entity_ref.as_deref(),
            Some("component:default/ticket-service")
        );
        assert!(d.message.contains("InputError") && !d.message.contains('\u{1b}'));
    }

    #[test]
    fn filters_and_namespace_make_the_first_query() {
        let mut s = BackstageSource::new("http://h");
        s.page_size = 500;
        assert_eq!(s.first_query(), vec![("limit".into(), "500".into())]);
        s.namespace = Some("payments".into());
        s.filter = vec!["kind=component".into(), "kind=api".into()];
        assert_eq!(
            s.first_query(),
            vec![
                ("limit".into(), "500".into()),
                (
                    "filter".into(),
                    "kind=component,metadata.namespace=payments".into()
                ),
                (
                    "filter".into(),
                    "kind=api,metadata.namespace=payments".into()
                ),
            ]
        );
    }

    #[test]
    fn a_missing_token_names_the_variable() {
        let mut s = BackstageSource::new("http://127.0.0.1:9");
        s.token_env = Some("GREENROOM_TEST_SURELY_UNSET_TOKEN".into());
        let (items, why) = s.fetch(&|_| {});
        assert!(items.is_empty());
        assert!(why.unwrap().contains("GREENROOM_TEST_SURELY_UNSET_TOKEN"));
    }
}
