//! `debug:log`, `debug:wait`, and `notification:send` (which has no local meaning).

use super::ActionContext;
use serde_json::Value as Json;
use std::time::{Duration, Instant};

pub fn log(ctx: &mut ActionContext) -> Result<(), String> {
    ctx.log(serde_json::to_string_pretty(ctx.input).unwrap_or_default());
    if let Some(message) = ctx
        .input
        .get("message")
        .filter(|m| crate::scaffold::render::is_truthy(Some(m)))
    {
        let text = match message {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        ctx.log(text);
    }
    let list = ctx.input.get("listWorkspace").cloned();
    if crate::scaffold::render::is_truthy(list.as_ref()) {
        let with_contents = list.as_ref().and_then(Json::as_str) == Some("with-contents");
        let files = ctx
            .workspace
            .files()
            .map_err(|e| format!("listing the workspace: {e}"))?;
        let lines: Vec<String> = files
            .iter()
            .map(|f| {
                if with_contents {
                    format!(
                        " - {}:\n\n  {}",
                        f.path,
                        String::from_utf8_lossy(&f.content)
                    )
                } else {
                    format!("  - {}", f.path)
                }
            })
            .collect();
        ctx.log(format!("Workspace:\n{}", lines.join("\n")));
    }
    Ok(())
}

const MAX_WAIT: Duration = Duration::from_secs(600);

pub fn wait(ctx: &mut ActionContext) -> Result<(), String> {
    let num = |k: &str| {
        ctx.input
            .get(k)
            .and_then(Json::as_f64)
            .unwrap_or(0.0)
            .max(0.0)
    };
    let millis = num("minutes") * 60_000.0 + num("seconds") * 1000.0 + num("milliseconds");
    let wanted = Duration::from_millis(millis as u64);
    let max = ctx.max_wait.min(MAX_WAIT);
    if wanted > max {
        return Err(format!(
            "Waiting duration is longer than the maximum threshold of {} seconds",
            max.as_secs()
        ));
    }
    let start = Instant::now();
    while start.elapsed() < wanted {
        if ctx.cancel.is_cancelled() {
            ctx.log("Wait cancelled");
            return Ok(());
        }
        std::thread::sleep((wanted - start.elapsed()).min(Duration::from_millis(50)));
    }
    Ok(())
}

pub fn notification(ctx: &mut ActionContext) -> Result<(), String> {
    ctx.log("notification:send runs locally: no notification was sent (there is no Backstage notifications service here)");
    Ok(())
}
