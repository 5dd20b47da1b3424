//! `publish:*` run locally: the result folder becomes a git repository with one commit.
//! Nothing is pushed anywhere, and the log says so. git runs with an argument vector, never
//! through a shell, and without the user's git configuration (no hooks, no signing).

use super::ActionContext;
use crate::scaffold::repo_url::RepoUrl;
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .map_err(|e| {
            format!("git is needed to initialise the repository locally, and could not be run: {e}")
        })?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `publish:github:pull-request`: in a dry run what Backstage's github module does (two log
/// lines, `remoteUrl` = the `repoUrl` input); for real, the local publish below.
pub fn pull_request(ctx: &mut ActionContext) -> Result<(), String> {
    if !ctx.dry_run {
        return run(ctx);
    }
    let repo_url = ctx.required_str("repoUrl")?.to_owned();
    ctx.log("Performing dry run of creating pull request");
    ctx.output("remoteUrl", json!(repo_url));
    ctx.log("Dry run complete");
    Ok(())
}

pub fn run(ctx: &mut ActionContext) -> Result<(), String> {
    let action = ctx.action_id.to_owned();
    let repo_url = ctx.required_str("repoUrl")?.to_owned();
    let repo = RepoUrl::parse(&repo_url).map_err(|e| e.to_string())?;
    let source = ctx.str_input("sourcePath").unwrap_or(".").to_owned();
    let dir = ctx.workspace.resolve(&source)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {source}: {e}"))?;
    let default_branch = if action.starts_with("publish:gitlab") {
        "master"
    } else {
        "main"
    };
    let branch = ctx
        .str_input("defaultBranch")
        .unwrap_or(default_branch)
        .to_owned();
    let message = ctx
        .str_input("gitCommitMessage")
        .unwrap_or("initial commit")
        .to_owned();
    let name = ctx
        .str_input("gitAuthorName")
        .unwrap_or("Scaffolder")
        .to_owned();
    let email = ctx
        .str_input("gitAuthorEmail")
        .unwrap_or("scaffolder@backstage.io")
        .to_owned();
    git(&dir, &["init", "--quiet", "--initial-branch", &branch])?;
    git(&dir, &["add", "--all"])?;
    let user_name = format!("user.name={name}");
    let user_email = format!("user.email={email}");
    git(
        &dir,
        &[
            "-c",
            &user_name,
            "-c",
            &user_email,
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "--quiet",
            "--allow-empty",
            "--no-verify",
            "-m",
            &message,
        ],
    )?;
    let commit = git(&dir, &["rev-parse", "HEAD"])?;
    let final_dir = match ctx.target {
        Some(t) if source == "." || source == "./" => t.to_path_buf(),
        Some(t) => t.join(&source),
        None => dir.clone(),
    };
    let url = format!("file://{}", final_dir.display());
    ctx.output("remoteUrl", json!(url));
    ctx.output("repoContentsUrl", json!(url));
    ctx.output("commitHash", json!(commit));
    ctx.log(format!(
        "{action} runs locally: initialised a git repository with one commit ({}) on branch {branch} in {}; nothing was pushed to {} ({})",
        &commit[..commit.len().min(12)],
        final_dir.display(),
        repo.host,
        repo.slug()
    ));
    Ok(())
}
