//! `${{ }}` templating with the semantics of Backstage's scaffolder (nunjitsu, a nunjucks
//! subset), built on minijinja:
//!
//! * only `${{ … }}` is an expression (a bare `{{ }}` passes through), unless
//!   `cookiecutterCompat` switches the delimiters to `{{ }}`; `{% %}` tags and `{# #}` comments;
//! * a string that is exactly one expression keeps the expression's type, and an undefined
//!   result drops the key it was the value of;
//! * output is text as JavaScript makes it (`[1,2]` → `1,2`, `null` → empty), never escaped;
//! * `===`/`!==`, the filters `parseRepoUrl`, `parseEntityRef`, `pick`, `projectSlug`, `dump`
//!   and the nunjucks built-ins; `always()`/`failure()` for step conditions.
//!
//! Not supported: nunjucks regex literals (`r/…/`), `+` between strings and numbers.

mod filters;
pub mod js;

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde_json::{Map, Value as Json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// `{{ }}` delimiters and the `cookiecutter` variable (fetch:template's option).
    pub cookiecutter_compat: bool,
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
}

/// The state behind the `always()` and `failure()` globals of step conditions.
#[derive(Clone, Debug, Default)]
pub struct StatusChecks {
    /// Whether an earlier step failed.
    pub failed: Arc<AtomicBool>,
    /// Set when a condition called `always()` or `failure()`.
    pub invoked: Arc<AtomicBool>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

impl From<minijinja::Error> for RenderError {
    fn from(e: minijinja::Error) -> Self {
        let mut text = e.kind().to_string();
        if let Some(detail) = e.detail() {
            text = format!("{text}: {detail}");
        }
        if let Some(line) = e.line() {
            text = format!("{text} (line {line})");
        }
        // Details can quote the template or its values: no escape sequence leaves here.
        RenderError(crate::text::sanitize_line(&text).into_owned())
    }
}

/// The variables a template sees, converted once and shared by many renders.
#[derive(Clone, Debug)]
pub struct Context(Value);

impl Context {
    pub fn new(vars: &Json) -> Context {
        Context(Value::from(Serde(vars)))
    }
}

pub struct Renderer {
    env: Environment<'static>,
    expr_start: &'static str,
}

impl Renderer {
    pub fn new(options: RenderOptions) -> Renderer {
        Self::with_status(options, StatusChecks::default())
    }

    pub fn with_status(options: RenderOptions, status: StatusChecks) -> Renderer {
        let mut env = Environment::new();
        let expr_start = if options.cookiecutter_compat {
            "{{"
        } else {
            "${{"
        };
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .block_delimiters("{%", "%}")
            .variable_delimiters(expr_start, "}}")
            .comment_delimiters("{#", "#}")
            .trim_blocks(options.trim_blocks)
            .lstrip_blocks(options.lstrip_blocks)
            .keep_trailing_newline(true)
            .build()
            .expect("static delimiters are valid");
        env.set_syntax(syntax);
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_formatter(|out, _state, value| {
            out.write_str(&js::to_js_string(value))
                .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write"))
        });
        env.add_global("null", Value::from(()));
        env.add_global("undefined", Value::UNDEFINED);
        let (failed, invoked) = (status.failed.clone(), status.invoked.clone());
        env.add_function("always", move || {
            invoked.store(true, Ordering::SeqCst);
            true
        });
        let invoked = status.invoked.clone();
        env.add_function("failure", move || {
            invoked.store(true, Ordering::SeqCst);
            failed.load(Ordering::SeqCst)
        });
        filters::install(&mut env);
        Renderer { env, expr_start }
    }

    /// Renders a template to text (file contents, paths, mixed strings).
    pub fn render(&self, source: &str, ctx: &Context) -> Result<String, RenderError> {
        if !self.has_template_syntax(source) {
            return Ok(source.to_owned());
        }
        let source = js::rewrite_operators(source, self.expr_start);
        Ok(self.env.render_str(&source, ctx.0.clone())?)
    }

    fn has_template_syntax(&self, source: &str) -> bool {
        source.contains(self.expr_start) || source.contains("{%") || source.contains("{#")
    }

    /// Renders one string value: a sole expression keeps its type (`None` when undefined);
    /// anything else becomes text.
    pub fn render_value(&self, source: &str, ctx: &Context) -> Result<Option<Json>, RenderError> {
        if let Some(expr) = js::sole_expression(source, self.expr_start) {
            let expr =
                js::rewrite_operators(&format!("{}{expr}}}}}", self.expr_start), self.expr_start);
            let inner = &expr[self.expr_start.len()..expr.len() - 2];
            let compiled = self.env.compile_expression(inner)?;
            let value = compiled.eval(ctx.0.clone())?;
            return Ok(to_json(&value));
        }
        self.render(source, ctx).map(|s| Some(Json::String(s)))
    }

    /// Renders every string leaf of a JSON tree as the workflow runner does: a failing render
    /// keeps the original string, an undefined sole expression drops its object key (and
    /// becomes `null` inside an array, as `JSON.stringify` makes of it).
    pub fn render_tree(&self, input: &Json, ctx: &Context) -> Option<Json> {
        match input {
            Json::String(s) => match self.render_value(s, ctx) {
                Ok(v) => v,
                Err(_) => Some(input.clone()),
            },
            Json::Array(items) => Some(Json::Array(
                items
                    .iter()
                    .map(|i| self.render_tree(i, ctx).unwrap_or(Json::Null))
                    .collect(),
            )),
            Json::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    if let Some(v) = self.render_tree(v, ctx) {
                        out.insert(k.clone(), v);
                    }
                }
                Some(Json::Object(out))
            }
            other => Some(other.clone()),
        }
    }
}

/// The JSON form of a template value; `None` for undefined.
fn to_json(value: &Value) -> Option<Json> {
    if value.is_undefined() {
        return None;
    }
    let json = serde_json::to_value(value).unwrap_or(Json::Null);
    Some(normalize_numbers(json))
}

/// Integral floats become integers, as JavaScript has one number type.
fn normalize_numbers(v: Json) -> Json {
    match v {
        Json::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9e15 => {
                Json::from(f as i64)
            }
            _ => Json::Number(n),
        },
        Json::Array(a) => Json::Array(a.into_iter().map(normalize_numbers).collect()),
        Json::Object(o) => Json::Object(
            o.into_iter()
                .map(|(k, v)| (k, normalize_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The scaffolder's `isTruthy`: arrays are true when not empty, everything else as in
/// JavaScript (`""`, `0`, `null`, `false` are false; objects are true).
pub fn is_truthy(value: Option<&Json>) -> bool {
    match value {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Json::String(s)) => !s.is_empty(),
        Some(Json::Array(a)) => !a.is_empty(),
        Some(Json::Object(_)) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context::new(&json!({
            "parameters": {
                "name": "svc", "count": 3, "flag": true, "list": [1, 2],
                "obj": {"a": 1}, "repoUrl": "github.com?owner=acme&repo=shop",
                "owner": "group:default/team-a", "empty": ""
            },
            "steps": {"publish": {"output": {"remoteUrl": "https://x"}}},
            "user": {"ref": "user:default/ada", "entity": {"metadata": {"name": "ada"}}},
        }))
    }

    fn value(src: &str) -> Option<Json> {
        Renderer::new(RenderOptions::default())
            .render_value(src, &ctx())
            .unwrap()
    }

    #[test]
    fn sole_expression_keeps_type() {
        assert_eq!(value("${{ parameters.count }}"), Some(json!(3)));
        assert_eq!(value("${{ parameters.flag }}"), Some(json!(true)));
        assert_eq!(value("${{ parameters.list }}"), Some(json!([1, 2])));
        assert_eq!(value("${{ parameters.obj }}"), Some(json!({"a": 1})));
        assert_eq!(value("${{ parameters.missing }}"), None);
        assert_eq!(value("${{ parameters.name === 'svc' }}"), Some(json!(true)));
        assert_eq!(
            value("${{ parameters.name !== \"svc\" }}"),
            Some(json!(false))
        );
    }

    #[test]
    fn mixed_text_is_a_string() {
        assert_eq!(value("x-${{ parameters.list }}"), Some(json!("x-1,2")));
        assert_eq!(value("${{ parameters.count }} "), Some(json!("3 ")));
        assert_eq!(
            value("{% if parameters.flag %}false{% endif %}"),
            Some(json!("false"))
        );
        assert_eq!(
            value("a ${{ parameters.obj }}"),
            Some(json!("a [object Object]"))
        );
        assert_eq!(value("[${{ parameters.missing }}]"), Some(json!("[]")));
    }

    #[test]
    fn bare_braces_pass_through() {
        assert_eq!(
            value("{{ github.sha }} ${{ parameters.name }}"),
            Some(json!("{{ github.sha }} svc"))
        );
        assert_eq!(
            value("${{ '${{ github.sha }}' }}"),
            Some(json!("${{ github.sha }}"))
        );
        assert_eq!(
            value("{% raw %}${{ github.sha }}{% endraw %}"),
            Some(json!("${{ github.sha }}"))
        );
    }

    #[test]
    fn cookiecutter_switches_delimiters() {
        let r = Renderer::new(RenderOptions {
            cookiecutter_compat: true,
            ..Default::default()
        });
        let c = Context::new(&json!({"cookiecutter": {"name": "x"}}));
        assert_eq!(
            r.render("{{ cookiecutter.name }} ${{ y }}", &c).unwrap(),
            "x $"
        );
    }

    #[test]
    fn backstage_filters() {
        assert_eq!(
            value("${{ parameters.repoUrl | parseRepoUrl }}"),
            Some(json!({"host": "github.com", "owner": "acme", "repo": "shop"}))
        );
        assert_eq!(
            value("${{ parameters.repoUrl | projectSlug }}"),
            Some(json!("acme/shop"))
        );
        assert_eq!(
            value("${{ parameters.owner | parseEntityRef }}"),
            Some(json!({"kind": "group", "namespace": "default", "name": "team-a"}))
        );
        assert_eq!(
            value(
                "${{ 'team-b' | parseEntityRef({defaultKind: 'group', defaultNamespace: 'x'}) | pick('namespace') }}"
            ),
            Some(json!("x"))
        );
        assert_eq!(value("${{ parameters | pick('obj.a') }}"), Some(json!(1)));
        assert_eq!(
            value("${{ parameters.name | dump }}"),
            Some(json!("\"svc\""))
        );
        assert_eq!(
            value("${{ parameters.obj | dump(2) }}"),
            Some(json!("{\n  \"a\": 1\n}"))
        );
    }

    #[test]
    fn steps_user_and_member_access() {
        assert_eq!(
            value("${{ steps['publish'].output.remoteUrl }}"),
            Some(json!("https://x"))
        );
        assert_eq!(value("${{ steps['nope'].output.remoteUrl }}"), None);
        assert_eq!(
            value("${{ user.entity.metadata.name }}-${{ user.ref }}"),
            Some(json!("ada-user:default/ada"))
        );
    }

    #[test]
    fn tree_drops_undefined_keys_and_keeps_failures() {
        let r = Renderer::new(RenderOptions::default());
        let out = r
            .render_tree(
                &json!({"a": "${{ parameters.missing }}", "b": "${{ parameters.name | parseRepoUrl }}", "c": ["${{ parameters.missing }}"], "d": 1}),
                &ctx(),
            )
            .unwrap();
        assert_eq!(
            out,
            json!({"b": "${{ parameters.name | parseRepoUrl }}", "c": [null], "d": 1})
        );
    }

    #[test]
    fn truthiness_is_the_scaffolders() {
        assert!(!is_truthy(Some(&json!([]))));
        assert!(is_truthy(Some(&json!({}))));
        assert!(is_truthy(Some(&json!("false"))));
        assert!(!is_truthy(Some(&json!(0))));
        assert!(!is_truthy(None));
    }

    #[test]
    fn status_globals() {
        let status = StatusChecks::default();
        let r = Renderer::with_status(RenderOptions::default(), status.clone());
        assert_eq!(
            r.render_value("${{ failure() }}", &ctx()).unwrap(),
            Some(json!(false))
        );
        assert!(status.invoked.load(Ordering::SeqCst));
        status.failed.store(true, Ordering::SeqCst);
        assert_eq!(
            r.render_value("${{ failure() }}", &ctx()).unwrap(),
            Some(json!(true))
        );
    }

    #[test]
    fn trailing_newline_kept_and_loops_work() {
        let r = Renderer::new(RenderOptions::default());
        assert_eq!(
            r.render(
                "{% for x in parameters.list %}${{ x }};{% endfor %}\n",
                &ctx()
            )
            .unwrap(),
            "1;2;\n"
        );
        assert_eq!(
            r.render("{% set n = parameters.name | upper %}${{ n }}", &ctx())
                .unwrap(),
            "SVC"
        );
    }
}
