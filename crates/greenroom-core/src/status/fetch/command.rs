//! A status from a program named in the config. The program runs directly (never through a
//! shell) with the entity's fields as separate argv elements, no stdin, a time limit, and is
//! killed if the fetch is dropped. Its exit code is the status; stdout may carry JSON.

use super::{FetchContext, FetchFuture, Fetched, Fetcher, wrong_query};
use crate::status::http::FetchError;
use crate::status::target::{Query, Target};
use crate::status::value::{CommandResult, StatusValue};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncReadExt;

pub struct CommandRunner;

const MAX_OUTPUT: u64 = crate::limits::COMMAND_OUTPUT_BYTES;

impl Fetcher for CommandRunner {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a> {
        Box::pin(async move {
            let Query::Command { name, argv } = &target.query else {
                return Err(wrong_query(target));
            };
            let source = cx.config.command(name).ok_or_else(|| {
                FetchError::Config(format!("no [[status.command]] named \"{name}\""))
            })?;
            let timeout = source.timeout.unwrap_or(Duration::from_secs(10));
            let mut child = tokio::process::Command::new(&source.program)
                .args(argv)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| FetchError::Config(format!("cannot run {}: {e}", source.program)))?;
            let mut stdout = child.stdout.take().expect("piped");
            let mut stderr = child.stderr.take().expect("piped");
            let run = async {
                let mut out = Vec::new();
                let mut err = Vec::new();
                let mut stdout = (&mut stdout).take(MAX_OUTPUT);
                let mut stderr = (&mut stderr).take(MAX_OUTPUT);
                let (a, b, status) = tokio::join!(
                    stdout.read_to_end(&mut out),
                    stderr.read_to_end(&mut err),
                    child.wait()
                );
                a.and(b).and(status).map(|s| (s, out, err))
            };
            let (status, out, err) = match tokio::time::timeout(timeout, run).await {
                Ok(r) => r.map_err(|e| FetchError::Config(format!("{}: {e}", source.program)))?,
                // Dropping `run` drops the child, and kill_on_drop ends it.
                Err(_) => return Err(FetchError::Timeout(timeout)),
            };
            let text = String::from_utf8_lossy(&out);
            let json = if source.json && !text.trim().is_empty() {
                Some(serde_json::from_str(text.trim()).map_err(|e| {
                    FetchError::Decode(format!("{} printed no JSON: {e}", source.program))
                })?)
            } else {
                None
            };
            let first_line = |s: &str| {
                s.lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(str::to_owned)
            };
            let summary = if source.json {
                first_line(&String::from_utf8_lossy(&err))
            } else {
                first_line(&text).or_else(|| first_line(&String::from_utf8_lossy(&err)))
            }
            .unwrap_or_default();
            Ok(Fetched::new(StatusValue::Command(CommandResult {
                exit_code: status.code(),
                success: status.success(),
                json,
                summary: summary.chars().take(200).collect(),
            })))
        })
    }
}
