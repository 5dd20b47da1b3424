//! `fetch:template`, `fetch:template:file`, `fetch:plain` and `fetch:plain:file`, reading from
//! the template's own folder and writing only inside the workspace.

use super::{ActionContext, source_path};
use crate::scaffold::render::{RenderContext, RenderOptions, Renderer};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;
use std::path::Path;

const MODE_FILE: u32 = 0o100644;
const MODE_EXECUTABLE: u32 = 0o100755;

/// Text files are rendered; anything with a NUL byte or invalid UTF-8 is copied as it is.
fn is_binary(content: &[u8]) -> bool {
    content.iter().take(8000).any(|b| *b == 0) || std::str::from_utf8(content).is_err()
}

/// A rendered path is skipped when empty, absolute or with an empty segment: how templates
/// make files and folders conditional.
fn is_skipped(path: &str) -> bool {
    path.is_empty() || path.starts_with('/') || path.contains("//")
}

fn join_rel(base: &str, rel: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.is_empty() || base == "." {
        rel.to_owned()
    } else {
        format!("{base}/{rel}")
    }
}

/// `copyWithoutTemplating` globs (globby semantics: `*` stays within a folder, `!` negates).
struct CopyOnly {
    include: GlobSet,
    exclude: GlobSet,
}

impl CopyOnly {
    fn new(patterns: &[String]) -> Result<CopyOnly, String> {
        let mut include = GlobSetBuilder::new();
        let mut exclude = GlobSetBuilder::new();
        for p in patterns {
            let (set, pattern) = match p.strip_prefix('!') {
                Some(neg) => (&mut exclude, neg),
                None => (&mut include, p.as_str()),
            };
            let pattern = pattern.trim_start_matches("./");
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .or_else(|_| Glob::new(pattern))
                .map_err(|e| format!("copyWithoutTemplating pattern {p:?}: {e}"))?;
            set.add(glob);
        }
        Ok(CopyOnly {
            include: include.build().map_err(|e| e.to_string())?,
            exclude: exclude.build().map_err(|e| e.to_string())?,
        })
    }

    fn matches(&self, path: &str) -> bool {
        self.include.is_match(path) && !self.exclude.is_match(path)
    }
}

fn render_options(ctx: &ActionContext) -> RenderOptions {
    RenderOptions {
        cookiecutter_compat: ctx.bool_input("cookiecutterCompat"),
        trim_blocks: ctx.bool_input("trimBlocks"),
        lstrip_blocks: ctx.bool_input("lstripBlocks"),
    }
}

fn values_context(ctx: &ActionContext) -> (Json, RenderContext) {
    let values = ctx
        .input
        .get("values")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let name = if ctx.bool_input("cookiecutterCompat") {
        "cookiecutter"
    } else {
        "values"
    };
    let context = RenderContext::new(&json!({ name: values.clone() }));
    (values, context)
}

pub fn template(ctx: &mut ActionContext) -> Result<(), String> {
    let url = ctx.required_str("url")?.to_owned();
    let target = ctx.str_input("targetPath").unwrap_or("./").to_owned();
    let copy_only: Option<Vec<String>> = match ctx.input.get("copyWithoutTemplating") {
        None => None,
        Some(Json::Array(items)) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        ),
        Some(_) => return Err("Fetch action input copyWithoutTemplating must be an Array".into()),
    };
    // `copyWithoutRender` is ignored, as Backstage ignores it (silently); the template's
    // validation warns about it instead (`Template::warnings`).
    let extension = match ctx.input.get("templateFileExtension") {
        Some(Json::Bool(true)) => Some(".njk".to_owned()),
        Some(Json::String(s)) if !s.is_empty() => Some(if s.starts_with('.') {
            s.clone()
        } else {
            format!(".{s}")
        }),
        _ => None,
    };
    if extension.is_some() && (copy_only.is_some() || ctx.bool_input("cookiecutterCompat")) {
        return Err("Fetch action input extension incompatible with copyWithoutTemplating and cookiecutterCompat".into());
    }
    let replace = ctx.bool_input("replace");
    ctx.workspace.resolve(&target)?;
    ctx.log("Fetching template content from remote URL");
    let (dir, base) = source_path(ctx, &url)?;
    if !base.files.is_dir(&dir) {
        return Err(format!(
            "the template folder {url} does not exist ({})",
            dir.display()
        ));
    }
    ctx.log("Listing files and directories in template");
    let files = base
        .files
        .list(&dir)
        .map_err(|e| format!("reading {url}: {e}"))?;
    let mut dirs = BTreeSet::new();
    for f in &files {
        let mut prefix = String::new();
        let parts: Vec<&str> = f.path.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            prefix.push_str(part);
            prefix.push('/');
            dirs.insert(prefix.clone());
        }
    }
    let copy_only = copy_only.map(|p| CopyOnly::new(&p)).transpose()?;
    let (values, context) = values_context(ctx);
    ctx.log(with_values(
        &format!(
            "Processing {} template files/directories with input values",
            files.len() + dirs.len()
        ),
        &values,
    ));
    let renderer = Renderer::new(render_options(ctx));
    let mut entries: Vec<(String, Option<&crate::scaffold::files::SourceFile>)> =
        dirs.into_iter().map(|d| (d, None)).collect();
    entries.extend(files.iter().map(|f| (f.path.clone(), Some(f))));
    // As Backstage lists them: one depth at a time, each depth sorted (`dir/` keeps its slash).
    entries.sort_by(|a, b| (depth(&a.0), &a.0).cmp(&(depth(&b.0), &b.0)));
    for (location, file) in entries {
        let (render_contents, rendered) = match &extension {
            Some(ext) => {
                let is_template = file.is_some() && location.ends_with(ext.as_str());
                let local = if is_template {
                    &location[..location.len() - ext.len()]
                } else {
                    &location[..]
                };
                (is_template, renderer.render(local, &context))
            }
            None => (
                !copy_only
                    .as_ref()
                    .is_some_and(|c| c.matches(location.trim_end_matches('/'))),
                renderer.render(&location, &context),
            ),
        };
        let local = rendered.map_err(|e| format!("rendering the path {location}: {e}"))?;
        if is_skipped(&local) {
            continue;
        }
        let out_rel = join_rel(&target, local.trim_end_matches('/'));
        let out_path = ctx.workspace.resolve(&out_rel)?;
        if std::fs::symlink_metadata(&out_path).is_ok() && !replace {
            continue;
        }
        if !render_contents && extension.is_none() {
            ctx.log(format!(
                "Copying file/directory {location} without processing."
            ));
        }
        let Some(file) = file else {
            ctx.log(format!(
                "Writing directory {location} to template output path."
            ));
            std::fs::create_dir_all(&out_path).map_err(|e| format!("creating {out_rel}: {e}"))?;
            continue;
        };
        let source = dir.join(&file.path);
        let content = base
            .files
            .read(&source)
            .map_err(|e| format!("reading {location}: {e}"))?;
        let executable = file.executable;
        if is_binary(&content) {
            ctx.log(format!(
                "Copying file binary or symbolic link at {location}, to template output path."
            ));
            ctx.workspace.write(&out_rel, &content, executable)?;
            continue;
        }
        let mode = if executable {
            MODE_EXECUTABLE
        } else {
            MODE_FILE
        };
        ctx.log(format!(
            "Writing file {location} to template output path with mode {mode}."
        ));
        let text = String::from_utf8_lossy(&content);
        let output = if render_contents {
            renderer
                .render(&text, &context)
                .map_err(|e| format!("rendering {location}: {e}"))?
        } else {
            text.into_owned()
        };
        ctx.workspace
            .write(&out_rel, output.as_bytes(), executable)?;
    }
    ctx.log(format!("Template result written to {target}"));
    Ok(())
}

/// How deep a listed entry is (`a/b/` and `a/b.txt` are both 1).
fn depth(location: &str) -> usize {
    location.trim_end_matches('/').matches('/').count()
}

/// A log line with its values as Backstage's logger appends them: ` ` and the JSON with keys
/// sorted, nothing when there are none.
fn with_values(message: &str, values: &Json) -> String {
    fn sorted(v: &Json) -> Json {
        match v {
            Json::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Json::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Json::Array(a) => Json::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    match values {
        Json::Object(m) if m.is_empty() => message.to_owned(),
        Json::Null => message.to_owned(),
        v => format!(
            "{message} {}",
            serde_json::to_string(&sorted(v)).unwrap_or_default()
        ),
    }
}

pub fn template_file(ctx: &mut ActionContext) -> Result<(), String> {
    let url = ctx.required_str("url")?.to_owned();
    let target = ctx.required_str("targetPath")?.to_owned();
    let out_path = ctx.workspace.resolve(&target)?;
    ctx.log("Fetching template file content from remote URL");
    let (source, base) = source_path(ctx, &url)?;
    if !base.files.is_file(&source) {
        return Err(format!(
            "the template file {url} does not exist ({})",
            source.display()
        ));
    }
    if std::fs::symlink_metadata(&out_path).is_ok() && !ctx.bool_input("replace") {
        ctx.log(format!(
            "File {target} already exists in workspace, not replacing."
        ));
        return Ok(());
    }
    let (values, context) = values_context(ctx);
    ctx.log(with_values(
        "Processing template file with input values",
        &values,
    ));
    let content = base
        .files
        .read(&source)
        .map_err(|e| format!("reading {url}: {e}"))?;
    let executable = base.files.is_executable(&source);
    let output = if is_binary(&content) {
        content
    } else {
        Renderer::new(render_options(ctx))
            .render(&String::from_utf8_lossy(&content), &context)
            .map_err(|e| format!("rendering {url}: {e}"))?
            .into_bytes()
    };
    ctx.workspace.write(&target, &output, executable)?;
    ctx.log(format!("Template file has been written to {target}"));
    Ok(())
}

fn copy_file(
    ctx: &mut ActionContext,
    source: &Path,
    base: &crate::scaffold::files::TemplateBase,
    out_rel: &str,
) -> Result<(), String> {
    let content = base
        .files
        .read(source)
        .map_err(|e| format!("reading {}: {e}", source.display()))?;
    ctx.workspace
        .write(out_rel, &content, base.files.is_executable(source))?;
    Ok(())
}

pub fn plain(ctx: &mut ActionContext) -> Result<(), String> {
    let url = ctx.required_str("url")?.to_owned();
    let target = ctx.str_input("targetPath").unwrap_or("./").to_owned();
    ctx.workspace.resolve(&target)?;
    ctx.log("Fetching plain content from remote URL");
    let (source, base) = source_path(ctx, &url)?;
    if base.files.is_file(&source) {
        return copy_file(ctx, &source, &base, &target);
    }
    if !base.files.is_dir(&source) {
        return Err(format!("{url} does not exist ({})", source.display()));
    }
    for f in base
        .files
        .list(&source)
        .map_err(|e| format!("reading {url}: {e}"))?
    {
        copy_file(
            ctx,
            &source.join(&f.path),
            &base,
            &join_rel(&target, &f.path),
        )?;
    }
    Ok(())
}

pub fn plain_file(ctx: &mut ActionContext) -> Result<(), String> {
    let url = ctx.required_str("url")?.to_owned();
    let target = ctx.required_str("targetPath")?.to_owned();
    ctx.workspace.resolve(&target)?;
    ctx.log("Fetching plain content from remote URL");
    let (source, base) = source_path(ctx, &url)?;
    if !base.files.is_file(&source) {
        return Err(format!("{url} is not a file ({})", source.display()));
    }
    copy_file(ctx, &source, &base, &target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_only_globs_follow_globby() {
        let c = CopyOnly::new(&[
            ".github/workflows/*".into(),
            "!.github/workflows/keep.yaml".into(),
        ])
        .unwrap();
        assert!(c.matches(".github/workflows/ci.yaml"));
        assert!(!c.matches(".github/workflows/keep.yaml"));
        assert!(!c.matches(".github/workflows/sub/x.yaml"));
        assert!(is_skipped("") && is_skipped("/x") && is_skipped("a//b") && !is_skipped("a/b"));
    }
}
