//! GitHub Actions: the latest workflow runs on the repository's default branch. Both requests
//! are conditional (ETag), so an unchanged repository costs no primary quota.

use super::{FetchContext, FetchFuture, Fetched, Fetcher, enc, enc_segment, wrong_query};
use crate::status::http::{Api, AuthStyle, GetOptions};
use crate::status::target::{Query, Source, Target, Widget};
use crate::status::value::{Build, BuildState, StatusValue};
use serde::Deserialize;
use std::time::Duration;

pub struct GitHub;

#[derive(Deserialize)]
struct Repo {
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct Runs {
    workflow_runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    id: u64,
    name: Option<String>,
    display_title: Option<String>,
    run_number: Option<u64>,
    status: Option<String>,
    conclusion: Option<String>,
    head_branch: Option<String>,
    head_sha: Option<String>,
    html_url: Option<String>,
    run_started_at: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    actor: Option<Actor>,
}

#[derive(Deserialize)]
struct Actor {
    login: Option<String>,
}

/// Backstage's `WorkflowRunStatus` mapping.
pub fn build_state(status: Option<&str>, conclusion: Option<&str>) -> BuildState {
    match (status, conclusion) {
        (Some("queued" | "requested" | "pending"), _) => BuildState::Queued,
        (Some("waiting" | "action_required"), _) => BuildState::Waiting,
        (Some("in_progress"), _) => BuildState::Running,
        (Some("completed") | None, Some(c)) => match c {
            "success" | "neutral" => BuildState::Success,
            "failure" | "startup_failure" => BuildState::Failure,
            "cancelled" | "stale" => BuildState::Cancelled,
            "skipped" => BuildState::Skipped,
            "timed_out" => BuildState::TimedOut,
            "action_required" => BuildState::Waiting,
            _ => BuildState::Unknown,
        },
        _ => BuildState::Unknown,
    }
}

impl Fetcher for GitHub {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a> {
        Box::pin(async move {
            let Query::GitHubRuns { owner, repo } = &target.query else {
                return Err(wrong_query(target));
            };
            let api = Api::new(&cx.http, &cx.config, Source::GitHub, AuthStyle::Bearer)?
                .header("accept", "application/vnd.github+json")
                .header("x-github-api-version", "2022-11-28");
            let repo_path = format!("/repos/{}/{}", enc_segment(owner), enc_segment(repo));
            // The default branch rarely changes: ask at most hourly (and then conditionally).
            let meta: Repo = api
                .get_json(
                    &repo_path,
                    GetOptions {
                        etag: true,
                        share_for: Some(Duration::from_secs(3600)),
                    },
                )
                .await?;
            let branch = meta.default_branch.unwrap_or_else(|| "main".into());
            let runs: Runs = api
                .get_json(
                    &format!(
                        "{repo_path}/actions/runs?branch={}&per_page=10&exclude_pull_requests=true",
                        enc(&branch)
                    ),
                    GetOptions {
                        etag: true,
                        share_for: None,
                    },
                )
                .await?;
            let builds: Vec<Build> = runs
                .workflow_runs
                .into_iter()
                .map(|r| Build {
                    id: r.id,
                    state: build_state(r.status.as_deref(), r.conclusion.as_deref()),
                    name: r.name,
                    number: r.run_number,
                    status: r.status.unwrap_or_default(),
                    conclusion: r.conclusion,
                    branch: r.head_branch,
                    commit: r.head_sha,
                    title: r.display_title,
                    started_at: r.run_started_at.or(r.created_at),
                    updated_at: r.updated_at,
                    url: r.html_url,
                    actor: r.actor.and_then(|a| a.login),
                })
                .collect();
            Ok(active_builds_sooner(
                builds,
                cx.config.interval(Source::GitHub, Widget::Builds),
            ))
        })
    }
}

/// While a run is queued or running, look again four times as often (§10.1: 15 s at 60 s).
pub(crate) fn active_builds_sooner(builds: Vec<Build>, interval: Duration) -> Fetched {
    let active = builds.iter().any(|b| b.state.is_active());
    Fetched {
        value: StatusValue::Builds(builds),
        next_in: active.then(|| interval / 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_payload_parses() {
        let runs: Runs = serde_json::from_str(include_str!(
            "../../../../../tests/fixtures/status/github-actions-runs.json"
        ))
        .unwrap();
        let r = &runs.workflow_runs[0];
        assert_eq!(r.id, 30433642);
        assert_eq!(
            build_state(r.status.as_deref(), r.conclusion.as_deref()),
            BuildState::Queued
        );
        assert_eq!(
            build_state(Some("completed"), Some("failure")),
            BuildState::Failure
        );
        assert_eq!(
            build_state(Some("completed"), Some("skipped")),
            BuildState::Skipped
        );
        assert_eq!(build_state(Some("weird"), None), BuildState::Unknown);
    }
}
