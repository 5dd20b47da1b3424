//! Argo CD: an application's sync and health, by name or by label selector (Roadie's
//! `argocd/app-name` / `argocd/app-selector`). An empty list is `"items": null`.

use super::{FetchContext, FetchFuture, Fetched, Fetcher, enc, enc_segment, wrong_query};
use crate::status::http::{Api, AuthStyle, FetchError, GetOptions};
use crate::status::target::{Query, Source, Target};
use crate::status::value::{ArgoApp, StatusValue};
use serde_json::Value;

pub struct ArgoCd;

fn s(v: &Value, ptr: &str) -> Option<String> {
    v.pointer(ptr).and_then(Value::as_str).map(str::to_owned)
}

pub fn app(v: &Value) -> ArgoApp {
    ArgoApp {
        name: s(v, "/metadata/name").unwrap_or_default(),
        sync: s(v, "/status/sync/status").unwrap_or_else(|| "Unknown".into()),
        health: s(v, "/status/health/status").unwrap_or_else(|| "Unknown".into()),
        health_message: s(v, "/status/health/message"),
        revision: s(v, "/status/sync/revision"),
        operation: s(v, "/status/operationState/phase"),
        reconciled_at: s(v, "/status/reconciledAt"),
    }
}

impl Fetcher for ArgoCd {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a> {
        Box::pin(async move {
            let Query::ArgoApp {
                name,
                selector,
                namespace,
                project,
            } = &target.query
            else {
                return Err(wrong_query(target));
            };
            let api = Api::new(&cx.http, &cx.config, Source::ArgoCd, AuthStyle::Bearer)?;
            let mut params = Vec::new();
            if let Some(ns) = namespace {
                params.push(format!("appNamespace={}", enc(ns)));
            }
            let apps = match (name, selector) {
                (Some(name), _) => {
                    // With `project`, a missing app is a 404 rather than a 403.
                    if let Some(p) = project {
                        params.push(format!("project={}", enc(p)));
                    }
                    let path = format!(
                        "/api/v1/applications/{}{}",
                        enc_segment(name),
                        query_string(&params)
                    );
                    let v: Value = api.get_json(&path, GetOptions::default()).await?;
                    vec![app(&v)]
                }
                (None, Some(sel)) => {
                    params.push(format!("selector={}", enc(sel)));
                    if let Some(p) = project {
                        params.push(format!("projects={}", enc(p)));
                    }
                    let path = format!("/api/v1/applications{}", query_string(&params));
                    let v: Value = api.get_json(&path, GetOptions::default()).await?;
                    match v.get("items") {
                        Some(Value::Array(items)) => items.iter().map(app).collect(),
                        Some(Value::Null) | None => Vec::new(),
                        Some(_) => {
                            return Err(FetchError::Decode("\"items\" is not a list".into()));
                        }
                    }
                }
                (None, None) => return Err(wrong_query(target)),
            };
            Ok(Fetched::new(StatusValue::Apps(apps)))
        })
    }
}

fn query_string(params: &[String]) -> String {
    if params.is_empty() {
        String::new()
    } else {
        format!("?{}", params.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roadie_mock_app_reads() {
        let v: Value = serde_json::from_str(include_str!(
            "../../../../../tests/fixtures/status/argocd-application.json"
        ))
        .unwrap();
        let a = app(&v);
        assert_eq!(
            (a.name.as_str(), a.sync.as_str(), a.health.as_str()),
            ("guestbook", "Synced", "Healthy")
        );
        assert_eq!(a.operation.as_deref(), Some("Succeeded"));
    }
}
