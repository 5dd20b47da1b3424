//! Kubernetes deployments labelled for the entity (`backstage.io/kubernetes-id`), their replicas
//! and whether the rollout is complete (the `kubectl rollout status` rule). Every
//! `status.*Replicas` field is omitted when zero.

use super::{FetchContext, FetchFuture, Fetched, Fetcher, enc, enc_segment, wrong_query};
use crate::status::http::{Api, AuthStyle, FetchError, GetOptions};
use crate::status::target::{Query, Source, Target};
use crate::status::value::{Deployment, Rollout, StatusValue};
use serde_json::Value;

pub struct Kubernetes;

fn n(v: &Value, ptr: &str) -> u64 {
    v.pointer(ptr).and_then(Value::as_u64).unwrap_or(0)
}

pub fn deployment(d: &Value) -> Deployment {
    let desired = d
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let (ready, available, updated, replicas) = (
        n(d, "/status/readyReplicas"),
        n(d, "/status/availableReplicas"),
        n(d, "/status/updatedReplicas"),
        n(d, "/status/replicas"),
    );
    let conditions = d
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let progressing = conditions
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Progressing"));
    let failed = progressing
        .and_then(|c| c.get("reason"))
        .and_then(Value::as_str)
        == Some("ProgressDeadlineExceeded");
    let complete = n(d, "/status/observedGeneration") >= n(d, "/metadata/generation")
        && updated == desired
        && available == desired
        && replicas == updated;
    Deployment {
        name: d
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        namespace: d
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned(),
        desired,
        ready,
        available,
        updated,
        rollout: if failed {
            Rollout::Failed
        } else if complete {
            Rollout::Complete
        } else {
            Rollout::Progressing
        },
        message: progressing
            .and_then(|c| c.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

impl Fetcher for Kubernetes {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a> {
        Box::pin(async move {
            let Query::KubeDeployments {
                selector,
                namespace,
            } = &target.query
            else {
                return Err(wrong_query(target));
            };
            let api = Api::new(&cx.http, &cx.config, Source::Kubernetes, AuthStyle::Bearer)?;
            let base = match namespace {
                Some(ns) => format!("/apis/apps/v1/namespaces/{}/deployments", enc_segment(ns)),
                None => "/apis/apps/v1/deployments".to_owned(),
            };
            let path = format!("{base}?labelSelector={}&limit=100", enc(selector));
            let v: Value = api.get_json(&path, GetOptions::default()).await?;
            let items = v
                .get("items")
                .and_then(Value::as_array)
                .ok_or_else(|| FetchError::Decode("no \"items\" in the DeploymentList".into()))?;
            Ok(Fetched::new(StatusValue::Deployments(
                items.iter().map(deployment).collect(),
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_k3s_capture_is_a_complete_rollout_and_missing_fields_are_zero() {
        let v: Value = serde_json::from_str(include_str!(
            "../../../../../tests/fixtures/status/kubernetes-deployments-list.json"
        ))
        .unwrap();
        let d = deployment(&v["items"][0]);
        assert_eq!((d.desired, d.ready, d.rollout), (2, 2, Rollout::Complete));
        let mut crashing = v["items"][0].clone();
        crashing["status"]
            .as_object_mut()
            .unwrap()
            .remove("readyReplicas");
        crashing["status"]
            .as_object_mut()
            .unwrap()
            .remove("availableReplicas");
        let d = deployment(&crashing);
        assert_eq!((d.ready, d.rollout), (0, Rollout::Progressing));
    }
}
