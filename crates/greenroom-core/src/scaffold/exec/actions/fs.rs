//! `fs:rename` and `fs:delete`, confined to the workspace.

use super::ActionContext;
use crate::scaffold::exec::workspace::relative_name;
use serde_json::Value as Json;

pub fn rename(ctx: &mut ActionContext) -> Result<(), String> {
    let Some(Json::Array(files)) = ctx.input.get("files") else {
        return Err("files must be an Array".into());
    };
    for file in files.clone() {
        let (Some(from), Some(to)) = (
            file.get("from").and_then(Json::as_str),
            file.get("to").and_then(Json::as_str),
        ) else {
            return Err("each file must have a from and to property".into());
        };
        let overwrite = file.get("overwrite") == Some(&Json::Bool(true));
        let source = ctx.workspace.resolve(from)?;
        let dest = ctx.workspace.resolve(to)?;
        if std::fs::symlink_metadata(&source).is_err() {
            return Err(format!(
                "Failed to rename file {from} to {to}: {from} does not exist"
            ));
        }
        if std::fs::symlink_metadata(&dest).is_ok() {
            if !overwrite {
                return Err(format!(
                    "Failed to rename file {from} to {to}: {to} already exists"
                ));
            }
            let removed = if dest.is_dir() {
                std::fs::remove_dir_all(&dest)
            } else {
                std::fs::remove_file(&dest)
            };
            removed.map_err(|e| format!("replacing {to}: {e}"))?;
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("creating the folder of {to}: {e}"))?;
            // The folder may have been created through a path checked before; check again.
            ctx.workspace.resolve(to)?;
        }
        std::fs::rename(&source, &dest)
            .map_err(|e| format!("Failed to rename file {from} to {to}: {e}"))?;
        ctx.log(format!("File {from} renamed to {to} successfully"));
    }
    Ok(())
}

pub fn delete(ctx: &mut ActionContext) -> Result<(), String> {
    let Some(Json::Array(patterns)) = ctx.input.get("files") else {
        return Err("files must be an Array".into());
    };
    let root = ctx.workspace.root().to_path_buf();
    let mut matched = Vec::new();
    for p in patterns.iter().filter_map(Json::as_str) {
        // A plain path is checked like any other (and refused if it escapes).
        ctx.workspace.resolve(p.trim_start_matches('!'))?;
        let glob = globset::GlobBuilder::new(p.trim_start_matches("./"))
            .literal_separator(true)
            .build()
            .map_err(|e| format!("fs:delete pattern {p:?}: {e}"))?
            .compile_matcher();
        for entry in walkdir::WalkDir::new(&root)
            .min_depth(1)
            .follow_links(false)
        {
            let entry = entry.map_err(|e| e.to_string())?;
            let rel = relative_name(&root, entry.path());
            if glob.is_match(&rel)
                && !matched
                    .iter()
                    .any(|(r, _): &(String, _)| rel.starts_with(&format!("{r}/")) || *r == rel)
            {
                matched.push((rel, entry.path().to_path_buf()));
            }
        }
    }
    for (rel, path) in matched {
        let removed = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(_) => continue,
        };
        removed.map_err(|e| format!("Failed to delete file {rel}: {e}"))?;
        ctx.log(format!("File {rel} deleted successfully"));
    }
    Ok(())
}
