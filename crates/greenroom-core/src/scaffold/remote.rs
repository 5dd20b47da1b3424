//! Templates run on a Backstage backend's scaffolder, for steps only the company's own
//! Backstage can run (publishing, registering, internal actions): `POST /api/scaffolder/v2/tasks`
//! (values in `values`, secrets in `secrets`, never logged), then the task's live event stream
//! (`/v2/tasks/{id}/eventstream`, Server-Sent Events) read into the same [`TaskEvent`]s a local
//! run reports, reconnecting with `after=<last event id>` when the connection drops; cancel,
//! the task list (`GET /v2/tasks`), one task (`GET /v2/tasks/{id}`), the parameter schema and
//! `POST /v2/dry-run`. Blocking, like the catalogue source it shares its settings with.
//!
//! What the recorded backend taught (shared/fixtures/backstage-api/): a cancelled task ends
//! with a `cancelled` event and then `completion` "Run completed with status: failed"; static
//! (service) tokens create tasks without `createdBy`, so greenroom also keeps the ids of the
//! tasks it started ([`RecentRuns`]) to find them again after a restart.

use super::exec::workspace::WorkspaceFile;
use super::exec::{Executor, RunResult, StepStatus, TaskEvent, TaskSpec, TaskStatus};
use super::template::Template;
use crate::limits::{
    REMOTE_RUN_RECONNECT_DELAY, REMOTE_RUN_RECONNECTS, REMOTE_RUNS_KEPT, SCAFFOLDER_BODY_BYTES,
    SCAFFOLDER_DRY_RUN_UPLOAD_BYTES, SSE_LINE_BYTES,
};
use crate::sources::backstage::{BackstageSource, describe_reqwest, error_message};
use crate::text::sanitize_line;
use base64::Engine;
use serde_json::{Value as Json, json};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why a call to the scaffolder failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// The request did not get an answer, or the answer was an error (sanitised, one line).
    #[error("{0}")]
    Failed(String),
    /// `400 {errors: [...]}`: the backend's own validation of the values.
    #[error("the backend refused the values: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// reqwest's blocking clients, which may be neither made nor dropped on an async runtime's
/// thread (the portal's UI thread is one): there they are made, and dropped, on a thread of
/// their own.
struct Http {
    client: Option<reqwest::blocking::Client>,
    /// For the event stream: no whole-request timeout (a step may run for an hour).
    stream_client: Option<reqwest::blocking::Client>,
}

impl Clone for Http {
    fn clone(&self) -> Http {
        Http {
            client: self.client.clone(),
            stream_client: self.stream_client.clone(),
        }
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_ok() {
            let clients = (self.client.take(), self.stream_client.take());
            let _ = std::thread::Builder::new()
                .name("greenroom-http-drop".into())
                .spawn(move || drop(clients));
        }
    }
}

/// Runs `make` on a thread of its own when called on an async runtime's thread.
fn off_runtime<T: Send + 'static>(make: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(make());
    }
    std::thread::Builder::new()
        .name("greenroom-http".into())
        .spawn(make)
        .map_err(|e| e.to_string())?
        .join()
        .map_err(|_| "making the HTTP client failed".to_owned())
}

/// A Backstage backend's scaffolder API (`{base}/api/scaffolder`).
#[derive(Clone)]
pub struct ScaffolderClient {
    base_url: String,
    token: Option<String>,
    token_env: Option<String>,
    http: Http,
    /// The first wait before reconnecting a broken event stream (doubled each time, at most
    /// eight times this).
    pub reconnect_delay: Duration,
    /// Reconnects in a row that bring no new event before giving up.
    pub max_reconnects: usize,
}

impl std::fmt::Debug for ScaffolderClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        write!(f, "ScaffolderClient({})", self.base_url)
    }
}

/// One task as `GET /v2/tasks` and `GET /v2/tasks/{id}` describe it (secrets are never
/// returned).
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteTask {
    pub id: String,
    pub template_ref: String,
    /// The template's title (its name when it has none).
    pub title: String,
    /// `open`, `processing`, `completed`, `failed`, `cancelled`.
    pub status: String,
    pub created_at: String,
    pub created_by: Option<String>,
    /// `spec.parameters`: the values the task was created with.
    pub values: Json,
    /// The stored task spec (`steps`, `output`, `templateInfo`).
    pub spec: Json,
}

impl RemoteTask {
    pub fn from_json(v: &Json) -> Option<RemoteTask> {
        let spec = v.get("spec").cloned().unwrap_or(Json::Null);
        let info = spec.get("templateInfo");
        let meta = info
            .and_then(|i| i.get("entity"))
            .and_then(|e| e.get("metadata"));
        let name = meta.and_then(|m| m.get("name")).and_then(Json::as_str);
        Some(RemoteTask {
            id: v.get("id")?.as_str()?.to_owned(),
            template_ref: info
                .and_then(|i| i.get("entityRef"))
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned(),
            title: meta
                .and_then(|m| m.get("title"))
                .and_then(Json::as_str)
                .or(name)
                .unwrap_or_default()
                .to_owned(),
            status: v
                .get("status")
                .and_then(Json::as_str)
                .unwrap_or("open")
                .to_owned(),
            created_at: v
                .get("createdAt")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned(),
            created_by: v
                .get("createdBy")
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            values: spec.get("parameters").cloned().unwrap_or_else(|| json!({})),
            spec,
        })
    }

    /// Still running (re-attaching follows it live).
    pub fn is_running(&self) -> bool {
        matches!(self.status.as_str(), "open" | "processing")
    }

    /// The template as the task stored it (its steps, output and metadata; no form pages):
    /// what a re-attached run's progress view lists.
    pub fn template(&self) -> Option<Template> {
        let meta = self
            .spec
            .get("templateInfo")
            .and_then(|i| i.get("entity"))
            .and_then(|e| e.get("metadata"))
            .cloned()
            .unwrap_or_else(|| json!({"name": "template"}));
        let data = json!({
            "apiVersion": super::template::API_VERSION,
            "kind": "Template",
            "metadata": meta,
            "spec": {
                "steps": self.spec.get("steps").cloned().unwrap_or_else(|| json!([])),
                "output": self.spec.get("output").cloned().unwrap_or_else(|| json!({})),
            },
        });
        Template::from_json(data.as_object()?, None).ok()
    }
}

/// A task id is a UUID: anything else is refused before it becomes part of a URL path.
fn checked_id(id: &str) -> Result<&str, RemoteError> {
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(id)
    } else {
        Err(RemoteError::Failed(format!(
            "{:?} is not a task id",
            sanitize_line(id)
        )))
    }
}

impl ScaffolderClient {
    /// A client for the backend of a configured Backstage source (its URL and token).
    pub fn for_source(source: &BackstageSource) -> Result<ScaffolderClient, String> {
        let token = source.token()?;
        let (connect, request) = (source.connect_timeout, source.request_timeout);
        let http = off_runtime(move || -> Result<Http, String> {
            let build = |timeout: Option<Duration>| {
                reqwest::blocking::Client::builder()
                    .connect_timeout(connect)
                    .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
                    .timeout(timeout)
                    .build()
                    .map_err(|e| e.to_string())
            };
            Ok(Http {
                client: Some(build(Some(request))?),
                stream_client: Some(build(None)?),
            })
        })??;
        Ok(ScaffolderClient {
            base_url: source.base_url.trim_end_matches('/').to_owned(),
            token,
            token_env: source.token_env.clone(),
            http,
            reconnect_delay: REMOTE_RUN_RECONNECT_DELAY,
            max_reconnects: REMOTE_RUN_RECONNECTS,
        })
    }

    fn client(&self) -> &reqwest::blocking::Client {
        self.http
            .client
            .as_ref()
            .expect("clients live until dropped")
    }

    fn stream_client(&self) -> &reqwest::blocking::Client {
        self.http
            .stream_client
            .as_ref()
            .expect("clients live until dropped")
    }

    /// The backend's base URL (what the review screen names).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/scaffolder{path}", self.base_url)
    }

    fn authed(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        match &self.token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
    }

    /// Sends a request and reads a JSON answer (at most [`SCAFFOLDER_BODY_BYTES`]).
    fn call(
        &self,
        request: reqwest::blocking::RequestBuilder,
        url: &str,
    ) -> Result<(u16, Json), RemoteError> {
        let response = self
            .authed(request)
            .send()
            .map_err(|e| RemoteError::Failed(describe_reqwest(&e, url)))?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        response
            .take(SCAFFOLDER_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| RemoteError::Failed(format!("reading the answer of {url} failed: {e}")))?;
        if body.len() as u64 > SCAFFOLDER_BODY_BYTES {
            return Err(RemoteError::Failed(format!(
                "the answer of {url} is larger than {SCAFFOLDER_BODY_BYTES} bytes"
            )));
        }
        if status == 401 || status == 403 {
            let why = error_message(&body).unwrap_or_default();
            let fix = match &self.token_env {
                Some(var) => format!("check the token in the environment variable {var}"),
                None => "this backend needs a token: set `token_env` of its source".to_owned(),
            };
            return Err(RemoteError::Failed(format!("HTTP {status} {why}: {fix}")));
        }
        if status == 400
            && let Ok(v) = serde_json::from_slice::<Json>(&body)
            && let Some(errors) = v.get("errors").and_then(Json::as_array)
        {
            return Err(RemoteError::Invalid(
                errors.iter().map(validation_message).collect(),
            ));
        }
        if !(200..300).contains(&status) {
            let why = error_message(&body).unwrap_or_default();
            return Err(RemoteError::Failed(format!(
                "{url} answered HTTP {status} {why}"
            )));
        }
        let json = serde_json::from_slice(&body)
            .map_err(|e| RemoteError::Failed(format!("the answer of {url} is not JSON: {e}")))?;
        Ok((status, json))
    }

    /// `POST /v2/tasks`: starts the template with these values and secrets; the task's id.
    pub fn create_task(
        &self,
        template_ref: &str,
        values: &Json,
        secrets: &super::Secrets,
    ) -> Result<String, RemoteError> {
        let url = self.api("/v2/tasks");
        let mut body = json!({ "templateRef": template_ref, "values": values });
        if !secrets.is_empty() {
            body["secrets"] = secrets.to_json();
        }
        let (_, answer) = self.call(self.client().post(&url).json(&body), &url)?;
        let id = answer
            .get("id")
            .and_then(Json::as_str)
            .ok_or_else(|| RemoteError::Failed(format!("{url} answered without a task id")))?;
        Ok(checked_id(id)?.to_owned())
    }

    /// `GET /v2/tasks/{id}`.
    pub fn get_task(&self, id: &str) -> Result<RemoteTask, RemoteError> {
        let url = self.api(&format!("/v2/tasks/{}", checked_id(id)?));
        let (_, answer) = self.call(self.client().get(&url), &url)?;
        RemoteTask::from_json(&answer)
            .ok_or_else(|| RemoteError::Failed(format!("{url} answered something not a task")))
    }

    /// `GET /v2/tasks?createdBy=&order=desc:created_at&limit=`: the newest tasks first.
    pub fn list_tasks(
        &self,
        created_by: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RemoteTask>, RemoteError> {
        let url = self.api("/v2/tasks");
        let mut query = vec![
            ("order".to_owned(), "desc:created_at".to_owned()),
            ("limit".to_owned(), limit.to_string()),
        ];
        if let Some(who) = created_by {
            query.push(("createdBy".to_owned(), who.to_owned()));
        }
        let (_, answer) = self.call(self.client().get(&url).query(&query), &url)?;
        Ok(answer
            .get("tasks")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(RemoteTask::from_json)
            .collect())
    }

    /// `POST /v2/tasks/{id}/cancel`.
    pub fn cancel(&self, id: &str) -> Result<(), RemoteError> {
        let url = self.api(&format!("/v2/tasks/{}/cancel", checked_id(id)?));
        self.call(self.client().post(&url), &url).map(|_| ())
    }

    /// `GET /v2/templates/{namespace}/{kind}/{name}/parameter-schema`.
    pub fn parameter_schema(&self, template_ref: &str) -> Result<Json, RemoteError> {
        let key = crate::catalog::refs::canonical_key(
            template_ref,
            crate::catalog::RefContext {
                default_kind: Some("Template"),
                default_namespace: None,
            },
        )
        .ok_or_else(|| {
            RemoteError::Failed(format!(
                "{:?} is not a template ref",
                sanitize_line(template_ref)
            ))
        })?;
        let (kind, rest) = key.split_once(':').unwrap_or(("template", &key));
        let (ns, name) = rest.split_once('/').unwrap_or(("default", rest));
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let url = self.api(&format!(
            "/v2/templates/{}/{}/{}/parameter-schema",
            enc(ns),
            enc(kind),
            enc(name)
        ));
        self.call(self.client().get(&url), &url).map(|(_, v)| v)
    }

    /// Follows a task's event stream to its `completion` event, calling `on` with each event
    /// (`{id, type, body, ...}`) once, in order. Events up to `after` are not asked for. A
    /// dropped connection is reopened with `after=<the last event seen>`, so nothing is lost
    /// or repeated; it gives up after [`Self::max_reconnects`] reconnects in a row that bring
    /// nothing new. `stop` is asked between events (a follower that lets go).
    pub fn follow(
        &self,
        id: &str,
        mut after: Option<u64>,
        on: &mut dyn FnMut(&Json),
        stop: &dyn Fn() -> bool,
    ) -> Result<Follow, RemoteError> {
        let id = checked_id(id)?;
        let url = self.api(&format!("/v2/tasks/{id}/eventstream"));
        let mut failures = 0usize;
        let mut delay = self.reconnect_delay;
        loop {
            let mut request = self.stream_client().get(&url);
            if let Some(a) = after {
                request = request.query(&[("after", a.to_string())]);
            }
            let progress_before = after;
            let why = match self.authed(request).send() {
                Err(e) => describe_reqwest(&e, &url),
                Ok(r) if r.status() == 404 => {
                    return Err(RemoteError::Failed(format!(
                        "the backend at {} has no task {id}",
                        self.base_url
                    )));
                }
                Ok(r) if r.status() == 401 || r.status() == 403 => {
                    let status = r.status().as_u16();
                    let fix = match &self.token_env {
                        Some(var) => format!("check the token in the environment variable {var}"),
                        None => "this backend needs a token: set `token_env` of its source".into(),
                    };
                    return Err(RemoteError::Failed(format!("HTTP {status}: {fix}")));
                }
                Ok(r) if !r.status().is_success() => format!("{url} answered HTTP {}", r.status()),
                Ok(r) => {
                    let mut done = false;
                    let mut stopped = false;
                    let read = read_sse(BufReader::new(r), &mut |_kind, data| {
                        let Ok(event) = serde_json::from_str::<Json>(data) else {
                            return true;
                        };
                        let n = event.get("id").and_then(Json::as_u64);
                        if let (Some(n), Some(a)) = (n, after)
                            && n <= a
                        {
                            return true; // already seen
                        }
                        if n.is_some() {
                            after = n;
                        }
                        on(&event);
                        if event.get("type").and_then(Json::as_str) == Some("completion") {
                            done = true;
                            return false;
                        }
                        if stop() {
                            stopped = true;
                            return false;
                        }
                        true
                    });
                    if done {
                        return Ok(Follow::Completed { last: after });
                    }
                    if stopped {
                        return Ok(Follow::Stopped { last: after });
                    }
                    match read {
                        Ok(()) => "the event stream ended before the task did".to_owned(),
                        Err(e) => format!("the event stream broke: {e}"),
                    }
                }
            };
            if after != progress_before {
                failures = 0;
                delay = self.reconnect_delay;
            }
            failures += 1;
            if failures > self.max_reconnects {
                return Err(RemoteError::Failed(format!(
                    "lost the events of task {id} on {}: {why} ({} tries)",
                    self.base_url, self.max_reconnects
                )));
            }
            tracing::info!("task {id}: {why}; reconnecting after event {after:?}");
            if stop() {
                return Ok(Follow::Stopped { last: after });
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(self.reconnect_delay * 8);
        }
    }

    /// `POST /v2/dry-run` with the template, the values and its files (everything in the
    /// template's folder but `template.yaml`, as Backstage's template editor sends them).
    pub fn dry_run(&self, task: &TaskSpec) -> Result<RunResult, RemoteError> {
        let directory_contents = match &task.template.base {
            Some(base) => directory_contents(base)?,
            None => Vec::new(),
        };
        let body = json!({
            "template": Json::Object(task.template.entity.clone()),
            "values": task.values,
            "secrets": task.secrets.to_json(),
            "directoryContents": directory_contents,
        });
        let url = self.api("/v2/dry-run");
        let (_, answer) = self.call(self.client().post(&url).json(&body), &url)?;
        Ok(dry_run_result(&answer))
    }
}

/// A template known only by its parameter schema (`GET .../parameter-schema`): its form
/// pages, title and description; its steps are learnt from the task's events.
pub fn template_from_schema(template_ref: &str, backend: &str, schema: &Json) -> Option<Template> {
    let key = crate::catalog::refs::canonical_key(
        template_ref,
        crate::catalog::RefContext {
            default_kind: Some("Template"),
            default_namespace: None,
        },
    )?;
    let (_, rest) = key.split_once(':')?;
    let (namespace, name) = rest.split_once('/')?;
    let pages: Vec<Json> = schema
        .get("steps")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let mut page = s.get("schema")?.clone();
            if let (Some(obj), Some(title)) = (page.as_object_mut(), s.get("title")) {
                obj.entry("title").or_insert_with(|| title.clone());
            }
            Some(page)
        })
        .collect();
    let mut metadata = json!({"name": name, "namespace": namespace});
    for k in ["title", "description"] {
        if let Some(v) = schema.get(k) {
            metadata[k] = v.clone();
        }
    }
    let data = json!({
        "apiVersion": super::template::API_VERSION,
        "kind": "Template",
        "metadata": metadata,
        "spec": {"parameters": pages, "steps": []},
    });
    let mut template = Template::from_json(data.as_object()?, None).ok()?;
    template.backend = Some(backend.to_owned());
    Some(template)
}

/// Whether a template runs on a backend, by the config's `[scaffold] run`: `auto` runs there
/// the templates a Backstage source served.
pub fn runs_remotely(template: &Template, place: super::config::RunPlace) -> bool {
    use super::config::RunPlace;
    match place {
        RunPlace::Remote => true,
        RunPlace::Local => false,
        RunPlace::Auto => template.backend.is_some(),
    }
}

/// Whether the template could also run here: its files are at hand (`base`).
pub fn runs_locally(template: &Template) -> bool {
    template.base.is_some()
        || template
            .steps
            .iter()
            .all(|s| !s.action.starts_with("fetch:"))
}

/// The configured Backstage source a template runs on: the one that served it, else the only
/// one configured.
pub fn backend_for<'a>(
    template: &Template,
    sources: &'a [BackstageSource],
) -> Result<&'a BackstageSource, String> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    if let Some(served) = &template.backend {
        return sources
            .iter()
            .find(|s| same(&s.base_url, served))
            .ok_or_else(|| {
                format!(
                    "{} came from Backstage at {served}, which no configured source names",
                    template.entity_ref
                )
            });
    }
    match sources {
        [] => Err("running on Backstage needs a Backstage source in the config: [[catalog.source]] type = \"backstage\"".into()),
        [one] => Ok(one),
        _ => Err(format!(
            "{} came from no Backstage source, and several are configured: run it from the catalogue of the one it belongs to",
            template.entity_ref
        )),
    }
}

/// How [`ScaffolderClient::follow`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    Completed { last: Option<u64> },
    Stopped { last: Option<u64> },
}

/// One entry of a 400 `{errors: [...]}` as a person reads it: `name: requires property "x"`.
fn validation_message(e: &Json) -> String {
    let message = e.get("stack").or_else(|| e.get("message"));
    let text = message.and_then(Json::as_str).unwrap_or("invalid");
    sanitize_line(text).into_owned()
}

/// Reads Server-Sent Events, calling `on(event type, data)` for each; `on` answers whether to
/// go on. Lines longer than [`SSE_LINE_BYTES`] are an error (never buffered whole).
pub fn read_sse(
    mut reader: impl BufRead,
    on: &mut dyn FnMut(&str, &str) -> bool,
) -> std::io::Result<()> {
    let mut kind = String::new();
    let mut data = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut reader)
            .take(SSE_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(());
        }
        if line.len() > SSE_LINE_BYTES && !line.ends_with(b"\n") {
            return Err(std::io::Error::other(format!(
                "an event line is longer than {SSE_LINE_BYTES} bytes"
            )));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            if !data.is_empty() {
                let kind_or = if kind.is_empty() { "message" } else { &kind };
                if !on(kind_or, &data) {
                    return Ok(());
                }
            }
            kind.clear();
            data.clear();
            continue;
        }
        if text.starts_with(':') {
            continue;
        }
        let (field, value) = text.split_once(':').unwrap_or((text, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => value.clone_into(&mut kind),
            "data" => {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(value);
            }
            _ => {}
        }
    }
}

fn directory_contents(base: &super::TemplateBase) -> Result<Vec<Json>, RemoteError> {
    let files = base
        .files
        .list(&base.dir)
        .map_err(|e| RemoteError::Failed(format!("{}: {e}", base.dir.display())))?;
    let mut total = 0u64;
    let mut out = Vec::new();
    for f in files {
        if f.path == "template.yaml" {
            continue;
        }
        let content = base
            .files
            .read(&base.dir.join(&f.path))
            .map_err(|e| RemoteError::Failed(format!("{}: {e}", f.path)))?;
        total += content.len() as u64;
        if total > SCAFFOLDER_DRY_RUN_UPLOAD_BYTES {
            return Err(RemoteError::Failed(format!(
                "the template's files are larger than {SCAFFOLDER_DRY_RUN_UPLOAD_BYTES} bytes; not sent for a dry run"
            )));
        }
        out.push(json!({
            "path": f.path,
            "base64Content": base64::engine::general_purpose::STANDARD.encode(&content),
        }));
    }
    Ok(out)
}

/// A `POST /v2/dry-run` answer as a run's result: its log as events, its files, its output.
pub fn dry_run_result(answer: &Json) -> RunResult {
    let mut events: Vec<TaskEvent> = answer
        .get("log")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| TaskEvent::from_backstage(&json!({"type": "log", "body": l.get("body")?})))
        .collect();
    let files = answer
        .get("directoryContents")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some(WorkspaceFile {
                path: f.get("path")?.as_str()?.to_owned(),
                executable: f.get("executable").and_then(Json::as_bool).unwrap_or(false),
                content: base64::engine::general_purpose::STANDARD
                    .decode(f.get("base64Content")?.as_str()?)
                    .ok()?,
            })
        })
        .collect();
    let output = answer.get("output").cloned().unwrap_or_else(|| json!({}));
    events.push(TaskEvent::Completion {
        status: TaskStatus::Completed,
        output: output.clone(),
        error: None,
    });
    RunResult {
        status: TaskStatus::Completed,
        output,
        error: None,
        events,
        files,
        target: None,
        registrations: Vec::new(),
        step_outputs: Default::default(),
    }
}

/// Told a new task's id.
pub type OnCreated = Arc<dyn Fn(&str) + Send + Sync>;

/// Runs a template on the backend (or follows a task already there) through the
/// [`Executor`] trait: the same events and result as a local run, no files.
pub struct RemoteExecutor {
    client: ScaffolderClient,
    attach_to: Option<String>,
    task_id: Mutex<Option<String>>,
    cancel_requested: AtomicBool,
    detached: AtomicBool,
    /// Told the task's id as soon as the backend gave it (to remember it across restarts).
    pub on_created: Option<OnCreated>,
}

impl RemoteExecutor {
    /// Creates a task for each run.
    pub fn new(client: ScaffolderClient) -> RemoteExecutor {
        RemoteExecutor {
            client,
            attach_to: None,
            task_id: Mutex::new(None),
            cancel_requested: AtomicBool::new(false),
            detached: AtomicBool::new(false),
            on_created: None,
        }
    }

    /// Follows the task `id` already on the backend from its first event (a re-attach).
    pub fn attach(client: ScaffolderClient, id: &str) -> RemoteExecutor {
        let mut e = RemoteExecutor::new(client);
        e.attach_to = Some(id.to_owned());
        e
    }

    pub fn client(&self) -> &ScaffolderClient {
        &self.client
    }

    /// The backend's task id, once known.
    pub fn task_id(&self) -> Option<String> {
        self.task_id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Asks the backend to cancel the task (now, or as soon as it has an id). Blocking: one
    /// request.
    pub fn cancel(&self) -> Result<(), RemoteError> {
        self.cancel_requested.store(true, Ordering::SeqCst);
        match self.task_id() {
            Some(id) => self.client.cancel(&id),
            None => Ok(()),
        }
    }

    /// [`Self::cancel`] without waiting: the request goes from a thread of its own (callers
    /// that hold locks, like the hub's run service).
    pub fn cancel_in_background(&self) {
        self.cancel_requested.store(true, Ordering::SeqCst);
        if let Some(id) = self.task_id() {
            let client = self.client.clone();
            let spawned = std::thread::Builder::new()
                .name("greenroom-cancel".into())
                .spawn(move || {
                    if let Err(e) = client.cancel(&id) {
                        tracing::warn!("cancelling task {id}: {e}");
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!("cannot cancel: {e}");
            }
        }
    }

    /// Stops following (the task goes on running on the backend).
    pub fn detach(&self) {
        self.detached.store(true, Ordering::SeqCst);
    }
}

impl Executor for RemoteExecutor {
    fn run(&self, task: &TaskSpec, events: &mut dyn FnMut(&TaskEvent)) -> RunResult {
        let mut seen: Vec<TaskEvent> = Vec::new();
        let fail = |error: String, mut seen: Vec<TaskEvent>, events: &mut dyn FnMut(&TaskEvent)| {
            let end = TaskEvent::Completion {
                status: TaskStatus::Failed,
                output: json!({}),
                error: Some(error.clone()),
            };
            events(&end);
            seen.push(end);
            RunResult {
                status: TaskStatus::Failed,
                output: json!({}),
                error: Some(error),
                events: seen,
                files: Vec::new(),
                target: None,
                registrations: Vec::new(),
                step_outputs: Default::default(),
            }
        };
        let id = match &self.attach_to {
            Some(id) => id.clone(),
            None => match self.client.create_task(
                &task.template.entity_ref,
                &task.values,
                &task.secrets,
            ) {
                Ok(id) => id,
                Err(e) => return fail(e.to_string(), seen, events),
            },
        };
        *self.task_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id.clone());
        if let Some(f) = &self.on_created {
            f(&id);
        }
        let hello = TaskEvent::Log {
            step_id: None,
            message: format!("Task {id} on Backstage at {}", self.client.base_url),
            status: None,
        };
        events(&hello);
        seen.push(hello);
        if self.cancel_requested.load(Ordering::SeqCst)
            && let Err(e) = self.client.cancel(&id)
        {
            tracing::warn!("cancelling task {id}: {e}");
        }
        let mut cancelled = false;
        let mut end: Option<(TaskStatus, Json, Option<String>)> = None;
        let followed = self.client.follow(
            &id,
            None,
            &mut |raw| {
                if raw.get("type").and_then(Json::as_str) == Some("cancelled") {
                    cancelled = true;
                }
                let Some(mut event) = TaskEvent::from_backstage(raw) else {
                    return;
                };
                if let TaskEvent::Log {
                    status: Some(StepStatus::Cancelled),
                    ..
                } = &event
                {
                    cancelled = true;
                }
                if let TaskEvent::Completion {
                    status,
                    output,
                    error,
                } = &mut event
                {
                    // The backend reports a cancelled task as failed, after a `cancelled` event.
                    if cancelled && *status == TaskStatus::Failed {
                        *status = TaskStatus::Cancelled;
                    }
                    end = Some((*status, output.clone(), error.clone()));
                }
                events(&event);
                seen.push(event);
            },
            &|| self.detached.load(Ordering::SeqCst),
        );
        match (followed, end) {
            (Ok(_), Some((status, output, error))) => RunResult {
                status,
                output,
                error,
                events: seen,
                files: Vec::new(),
                target: None,
                registrations: Vec::new(),
                step_outputs: Default::default(),
            },
            (Ok(_), None) => fail(
                format!("stopped following task {id}; it goes on on the backend"),
                seen,
                events,
            ),
            (Err(e), _) => fail(e.to_string(), seen, events),
        }
    }
}

/// A task greenroom started on a backend, remembered across restarts (static tokens create
/// tasks without `createdBy`, so the backend's list cannot find them by user).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecentRun {
    pub backend: String,
    #[serde(rename = "taskId")]
    pub task_id: String,
    #[serde(rename = "templateRef")]
    pub template_ref: String,
}

/// The tasks started from here, newest first, kept in the state dir (`remote-runs.json`,
/// written atomically, at most [`REMOTE_RUNS_KEPT`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecentRuns {
    pub path: Option<PathBuf>,
    pub runs: Vec<RecentRun>,
}

impl RecentRuns {
    /// Reads the list (none yet, or unreadable: empty, with the reason).
    pub fn load(path: &Path) -> (RecentRuns, Option<String>) {
        let mut out = RecentRuns {
            path: Some(path.to_owned()),
            runs: Vec::new(),
        };
        match crate::fsread::read_regular_string(path, crate::limits::SETTINGS_FILE_BYTES) {
            Ok(text) => match serde_json::from_str::<Vec<RecentRun>>(&text) {
                Ok(runs) => out.runs = runs,
                Err(e) => return (out, Some(format!("{}: {e}", path.display()))),
            },
            Err(e) if !path.exists() => drop(e),
            Err(e) => return (out, Some(format!("{}: {e}", path.display()))),
        }
        (out, None)
    }

    /// Puts a run first and saves the list.
    pub fn add(&mut self, run: RecentRun) -> Result<(), String> {
        self.runs.retain(|r| r != &run);
        self.runs.insert(0, run);
        self.runs.truncate(REMOTE_RUNS_KEPT);
        let Some(path) = &self.path else {
            return Ok(());
        };
        let text = serde_json::to_string_pretty(&self.runs).map_err(|e| e.to_string())?;
        crate::sources::cache::write_atomic(path, text.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_are_split_on_blank_lines() {
        let text = "event: log\ndata: {\"id\":1}\n\n: a comment\nevent: completion\r\ndata: a\ndata: b\r\n\r\ndata: tail-without-end";
        let mut seen = Vec::new();
        read_sse(text.as_bytes(), &mut |k, d| {
            seen.push(format!("{k}={d}"));
            true
        })
        .unwrap();
        assert_eq!(seen, vec!["log={\"id\":1}", "completion=a\nb"]);
    }

    #[test]
    fn an_endless_line_is_an_error_not_a_buffer() {
        let long = format!("data: {}", "x".repeat(SSE_LINE_BYTES + 10));
        let e = read_sse(long.as_bytes(), &mut |_, _| true).unwrap_err();
        assert!(e.to_string().contains("longer than"), "{e}");
    }

    #[test]
    fn a_template_from_its_parameter_schema_has_the_backends_pages() {
        let schema: Json = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/backstage-api/scaffolder/20-template-parameter-schema.json"
        ))
        .unwrap();
        let t = template_from_schema("hello-world", "http://b", &schema).unwrap();
        assert_eq!(t.entity_ref, "template:default/hello-world");
        assert_eq!(t.title, "Hello world service");
        assert_eq!(t.pages.len(), 2);
        assert_eq!(t.pages[0]["required"], json!(["name", "owner"]));
        assert_eq!(t.backend.as_deref(), Some("http://b"));
        // Its steps come from the events.
        let mut p = super::super::exec::RunProgress::new(&t);
        p.apply(&TaskEvent::Log {
            step_id: Some("fetch".into()),
            message: "Beginning step Render skeleton".into(),
            status: Some(StepStatus::Processing),
        });
        assert_eq!(p.steps[0].name, "Render skeleton");
        assert_eq!(p.steps[0].status, StepStatus::Processing);
    }

    #[test]
    fn the_client_is_made_and_dropped_safely_on_an_async_thread() {
        // The portal's UI thread runs inside tokio: reqwest's blocking client panics when made
        // or dropped there unless it is moved off it.
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let c =
                ScaffolderClient::for_source(&BackstageSource::new("http://127.0.0.1:9/")).unwrap();
            let again = c.clone();
            drop(c);
            drop(again);
        });
    }

    #[test]
    fn task_ids_cannot_walk_paths() {
        assert!(checked_id("0c618692-86d8-4060-9716-d7a4c057160e").is_ok());
        assert!(checked_id("../../catalog").is_err());
        assert!(checked_id("").is_err());
    }

    #[test]
    fn the_client_never_shows_its_token() {
        let mut s = BackstageSource::new("http://127.0.0.1:9/");
        unsafe { std::env::set_var("GREENROOM_REMOTE_UNIT_TOKEN", "s3cret-token") };
        s.token_env = Some("GREENROOM_REMOTE_UNIT_TOKEN".into());
        let c = ScaffolderClient::for_source(&s).unwrap();
        assert_eq!(format!("{c:?}"), "ScaffolderClient(http://127.0.0.1:9)");
    }

    #[test]
    fn recent_runs_persist_newest_first_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/remote-runs.json");
        let (mut runs, why) = RecentRuns::load(&path);
        assert_eq!((runs.runs.len(), why), (0, None));
        for i in 0..REMOTE_RUNS_KEPT + 2 {
            runs.add(RecentRun {
                backend: "http://b".into(),
                task_id: format!("t{i}"),
                template_ref: "template:default/x".into(),
            })
            .unwrap();
        }
        let (again, why) = RecentRuns::load(&path);
        assert_eq!(why, None);
        assert_eq!(again.runs.len(), REMOTE_RUNS_KEPT);
        assert_eq!(again.runs[0].task_id, format!("t{}", REMOTE_RUNS_KEPT + 1));
        std::fs::write(&path, "not json").unwrap();
        let (broken, why) = RecentRuns::load(&path);
        assert!(broken.runs.is_empty() && why.is_some());
    }
}
