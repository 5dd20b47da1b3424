//! GitLab pipelines on the project's default branch. GitLab documents no ETag for pipelines,
//! so only the project lookup is shared (hourly).

use super::{FetchContext, FetchFuture, Fetcher, enc, enc_segment, wrong_query};
use crate::status::fetch::github::active_builds_sooner;
use crate::status::http::{Api, AuthStyle, GetOptions};
use crate::status::target::{Query, Source, Target, Widget};
use crate::status::value::{Build, BuildState};
use serde::Deserialize;
use std::time::Duration;

pub struct GitLab;

#[derive(Deserialize)]
struct Project {
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct Pipeline {
    id: u64,
    iid: Option<u64>,
    name: Option<String>,
    sha: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    status: Option<String>,
    source: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    web_url: Option<String>,
}

pub fn build_state(status: &str) -> BuildState {
    match status {
        "created" | "waiting_for_resource" | "preparing" | "pending" | "scheduled" => {
            BuildState::Queued
        }
        "running" => BuildState::Running,
        "manual" => BuildState::Waiting,
        "success" => BuildState::Success,
        "failed" => BuildState::Failure,
        "canceled" | "canceling" => BuildState::Cancelled,
        "skipped" => BuildState::Skipped,
        _ => BuildState::Unknown,
    }
}

impl Fetcher for GitLab {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a> {
        Box::pin(async move {
            let Query::GitLabPipelines { project } = &target.query else {
                return Err(wrong_query(target));
            };
            let api = Api::new(&cx.http, &cx.config, Source::GitLab, AuthStyle::Bearer)?;
            // A numeric id or the URL-encoded path (`group%2Fproject`).
            let project_path = format!("/projects/{}", enc_segment(project));
            let meta: Project = api
                .get_json(
                    &project_path,
                    GetOptions {
                        etag: false,
                        share_for: Some(Duration::from_secs(3600)),
                    },
                )
                .await?;
            let mut path = format!("{project_path}/pipelines?per_page=10&order_by=id&sort=desc");
            if let Some(b) = &meta.default_branch {
                path.push_str(&format!("&ref={}", enc(b)));
            }
            let pipelines: Vec<Pipeline> = api.get_json(&path, GetOptions::default()).await?;
            let builds = pipelines
                .into_iter()
                .map(|p| {
                    let status = p.status.unwrap_or_default();
                    Build {
                        id: p.id,
                        name: p.name.or(p.source),
                        number: p.iid,
                        state: build_state(&status),
                        status,
                        conclusion: None,
                        branch: p.git_ref,
                        commit: p.sha,
                        title: None,
                        started_at: p.created_at,
                        updated_at: p.updated_at,
                        url: p.web_url,
                        actor: None,
                    }
                })
                .collect();
            Ok(active_builds_sooner(
                builds,
                cx.config.interval(Source::GitLab, Widget::Builds),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_gitlab_payload_parses() {
        let p: Vec<Pipeline> = serde_json::from_str(include_str!(
            "../../../../../tests/fixtures/status/gitlab-pipelines.json"
        ))
        .unwrap();
        assert_eq!(p.len(), 5);
        assert_eq!(
            build_state(p[1].status.as_deref().unwrap()),
            BuildState::Failure
        );
        assert_eq!(build_state("waiting_for_resource"), BuildState::Queued);
    }
}
