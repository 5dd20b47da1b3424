//! `$text`, `$json` and `$yaml` substitutions, with Backstage's rules: only a map with exactly
//! one key, that key a known `$resolver`, and a string value, is replaced; anything else (a JSON
//! Schema `$ref` beside other keys, `$openapi` of a plugin greenroom lacks) is left alone.
//!
//! Where greenroom does better than Backstage: a relative path is read relative to the file that
//! contains it (Backstage cannot do that for `file` locations), and an http(s) URL is fetched
//! when online. Paths may not leave the catalogue root, so a descriptor cannot pull
//! `/proc/self/environ` or `~/.ssh` into an exported catalogue.

use super::http::HttpFetcher;
use super::vfs::{PathKind, Vfs, normalize};
use crate::catalog::Problem;
use crate::yaml::{Limits, Node, NodeValue, Pos, parse_single};
use std::path::Path;

pub struct PlaceholderContext<'a> {
    pub vfs: &'a dyn Vfs,
    /// The descriptor file holding the placeholders.
    pub file: &'a Path,
    /// Files may be read only below this directory (in identity form).
    pub root: &'a Path,
    pub http: Option<&'a HttpFetcher>,
    pub max_bytes: u64,
    pub limits: &'a Limits,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Resolver {
    Text,
    Json,
    Yaml,
}

impl Resolver {
    fn from_key(key: &str) -> Option<Resolver> {
        match key {
            "$text" => Some(Resolver::Text),
            "$json" => Some(Resolver::Json),
            "$yaml" => Some(Resolver::Yaml),
            _ => None,
        }
    }
}

/// A placeholder that could not be resolved.
#[derive(Debug)]
pub struct Failed {
    /// Where the placeholder map is (later checks of that node would only repeat the failure).
    pub node: Pos,
    pub problem: Problem,
}

/// Replaces every placeholder in `node`; returns the ones that failed.
pub fn substitute(node: &mut Node, ctx: &PlaceholderContext<'_>) -> Vec<Failed> {
    let mut failed = Vec::new();
    walk(node, ctx, &mut failed);
    failed
}

fn walk(node: &mut Node, ctx: &PlaceholderContext<'_>, problems: &mut Vec<Failed>) {
    if let NodeValue::Map(entries) = &node.value
        && let [(key, value)] = entries.as_slice()
        && let (Some(resolver), Some(target)) =
            (key.as_str().and_then(Resolver::from_key), value.as_str())
    {
        let key_name = key.as_str().unwrap_or_default().to_owned();
        let target = target.to_owned();
        match resolve(resolver, &target, node.pos, ctx) {
            Ok(replacement) => *node = replacement,
            Err(message) => problems.push(Failed {
                node: node.pos,
                problem: Problem::error(
                    value.pos,
                    format!("placeholder {key_name} could not read {target}: {message}"),
                ),
            }),
        }
        return;
    }
    match &mut node.value {
        NodeValue::Map(entries) => entries.iter_mut().for_each(|(_, v)| walk(v, ctx, problems)),
        NodeValue::Seq(items) => items.iter_mut().for_each(|v| walk(v, ctx, problems)),
        _ => {}
    }
}

fn resolve(
    resolver: Resolver,
    target: &str,
    pos: Pos,
    ctx: &PlaceholderContext<'_>,
) -> Result<Node, String> {
    let text = read_target(target, ctx)?;
    match resolver {
        Resolver::Text => Ok(Node::new(NodeValue::Str(text), pos)),
        Resolver::Json => {
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "invalid JSON at line {} column {}: {e}",
                    e.line(),
                    e.column()
                )
            })?;
            Ok(Node::from_json(&value, pos))
        }
        Resolver::Yaml => {
            let node = parse_single(&text, ctx.limits).map_err(|e| format!("invalid YAML: {e}"))?;
            let value = node.map_or(serde_json::Value::Null, |n| n.to_json());
            Ok(Node::from_json(&value, pos))
        }
    }
}

fn read_target(target: &str, ctx: &PlaceholderContext<'_>) -> Result<String, String> {
    if let Ok(url) = url::Url::parse(target)
        && url.scheme().len() > 1
    {
        return match url.scheme() {
            "http" | "https" => match ctx.http {
                Some(http) => http.get_text(&url, ctx.max_bytes),
                None => Err("greenroom is offline, so URLs are not fetched".into()),
            },
            other => Err(format!(
                "{other}: URLs are not supported; use a relative path or an http(s) URL"
            )),
        };
    }
    let rel = Path::new(target);
    if rel.is_absolute() {
        return Err("absolute paths are not read; use a path relative to this file".into());
    }
    let dir = ctx.file.parent().unwrap_or(Path::new("/"));
    let path = normalize(&dir.join(rel));
    if !ctx.vfs.identity(&path).starts_with(ctx.root) {
        return Err(format!(
            "it is outside the catalogue root {}; point greenroom at a folder that holds both",
            ctx.vfs.display(ctx.root)
        ));
    }
    match ctx.vfs.kind(&path) {
        PathKind::Missing => Err(format!("no such file {}", ctx.vfs.display(&path))),
        PathKind::Dir => Err(format!("{} is a directory", ctx.vfs.display(&path))),
        PathKind::File(len) if len > ctx.max_bytes => Err(format!(
            "{} is {len} bytes, over the {} byte limit",
            ctx.vfs.display(&path),
            ctx.max_bytes
        )),
        PathKind::File(_) => {
            let bytes = ctx
                .vfs
                .read(&path, ctx.max_bytes)
                .map_err(|e| format!("{}: {e}", ctx.vfs.display(&path)))?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::vfs::DiskFs;

    fn run(yaml: &str, files: &[(&str, &str)]) -> (serde_json::Value, Vec<Problem>) {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        for (name, content) in files {
            let p = root.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        let file = root.join("sub/catalog-info.yaml");
        let limits = Limits::default();
        let vfs = DiskFs::new();
        let ctx = PlaceholderContext {
            vfs: &vfs,
            file: &file,
            root: &root,
            http: None,
            max_bytes: 1 << 20,
            limits: &limits,
        };
        let mut node = parse_single(yaml, &limits).unwrap().unwrap();
        let problems = substitute(&mut node, &ctx)
            .into_iter()
            .map(|f| f.problem)
            .collect();
        (node.to_json(), problems)
    }

    #[test]
    fn text_json_yaml_relative_to_the_file() {
        let (v, p) = run(
            "a: {$text: ./def.txt}\nb: {$json: ../data.json}\nc: {$yaml: ./one.yaml}\n",
            &[
                ("sub/def.txt", "hello\n"),
                ("data.json", "{\"x\": [1, 2]}"),
                ("sub/one.yaml", "k: v\n"),
            ],
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            v,
            serde_json::json!({"a": "hello\n", "b": {"x": [1, 2]}, "c": {"k": "v"}})
        );
    }

    #[test]
    fn non_placeholders_are_left_alone() {
        let (v, p) = run(
            "a: {$ref: '#/x', type: object}\nb: {$ref: '#/y'}\nc: {$text: 5}\nd: {$openapi: ./x}\n",
            &[],
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            v,
            serde_json::json!({"a": {"$ref": "#/x", "type": "object"}, "b": {"$ref": "#/y"}, "c": {"$text": 5}, "d": {"$openapi": "./x"}})
        );
    }

    #[test]
    fn failures_are_located_problems() {
        let (_, p) = run(
            "a: {$text: ./missing.txt}\nb: {$yaml: ./two.yaml}\nc: {$text: ../../escape.txt}\nd: {$text: /etc/passwd}\ne: {$json: ./bad.json}\nf: {$text: https://example.com/x}\n",
            &[
                ("sub/two.yaml", "a: 1\n---\nb: 2\n"),
                ("sub/bad.json", "{nope"),
            ],
        );
        let msgs: Vec<_> = p.iter().map(|p| (p.pos.line, p.message.as_str())).collect();
        assert_eq!(p.len(), 6, "{msgs:?}");
        assert!(
            msgs[0].1.contains("no such file") && msgs[0].0 == 1,
            "{msgs:?}"
        );
        assert!(msgs[1].1.contains("exactly one document"), "{msgs:?}");
        assert!(msgs[2].1.contains("outside the catalogue root"), "{msgs:?}");
        assert!(msgs[3].1.contains("absolute paths"), "{msgs:?}");
        assert!(msgs[4].1.contains("invalid JSON"), "{msgs:?}");
        assert!(msgs[5].1.contains("offline"), "{msgs:?}");
    }
}
