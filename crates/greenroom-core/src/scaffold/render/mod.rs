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
//! * `+` as JavaScript's in `${{ }}` (`'a' + undefined` is `aundefined`, as Backstage renders
//!   it); `{% %}` tags keep Jinja's `+`.
//!
//! Not supported: nunjucks regex literals (`r/…/`).
//!
//! Every render is bounded (`crate::limits`): minijinja's fuel stops runaway loops, and the text
//! one render produces (and what the amplifying filters `indent`, `center`, `replace`, `join`
//! would make) is capped. Hitting a limit is an error that [`RenderError::is_limit`] tells
//! apart, so a step fails with it instead of keeping its input's source text.

mod filters;
mod guard;
pub mod js;

use crate::limits::{TEMPLATE_FUEL, TEMPLATE_OUTPUT_BYTES};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};
use serde_json::{Map, Value as Json};
use std::cell::Cell;
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
#[error("{message}")]
pub struct RenderError {
    message: String,
    limit: bool,
}

impl RenderError {
    pub fn new(message: impl Into<String>) -> RenderError {
        RenderError {
            message: message.into(),
            limit: false,
        }
    }

    /// Whether rendering stopped at a resource limit (fuel or output size) rather than at a
    /// mistake in the template.
    pub fn is_limit(&self) -> bool {
        self.limit
    }

    fn output_limit() -> RenderError {
        RenderError {
            message: format!("{OUTPUT_LIMIT} {TEMPLATE_OUTPUT_BYTES} bytes"),
            limit: true,
        }
    }
}

/// How an output-size refusal starts (filters raise it as a minijinja error).
const OUTPUT_LIMIT: &str = "the rendered text would be larger than the limit of";

/// The error a filter returns when its result would pass [`TEMPLATE_OUTPUT_BYTES`].
pub(crate) fn check_size(bytes: usize) -> Result<(), minijinja::Error> {
    if bytes > TEMPLATE_OUTPUT_BYTES {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{OUTPUT_LIMIT} {TEMPLATE_OUTPUT_BYTES} bytes"),
        ));
    }
    Ok(())
}

impl From<minijinja::Error> for RenderError {
    fn from(e: minijinja::Error) -> Self {
        let out_of_fuel = e.kind() == ErrorKind::OutOfFuel;
        let too_large = e.detail().is_some_and(|d| d.starts_with(OUTPUT_LIMIT));
        let mut text = if out_of_fuel {
            format!(
                "the template did more than {TEMPLATE_FUEL} units of work (a loop that runs too long?)"
            )
        } else {
            e.kind().to_string()
        };
        if let Some(detail) = e.detail().filter(|_| !out_of_fuel) {
            text = if too_large {
                detail.to_owned()
            } else {
                format!("{text}: {detail}")
            };
        }
        if let Some(line) = e.line() {
            text = format!("{text} (line {line})");
        }
        // Details can quote the template or its values: no escape sequence leaves here.
        RenderError {
            message: crate::text::sanitize_line(&text).into_owned(),
            limit: out_of_fuel || too_large,
        }
    }
}

thread_local! {
    /// Bytes the formatter has emitted in the render running on this thread (captured blocks
    /// and macro output included), so one render cannot build gigabytes out of sight.
    static EMITTED: Cell<usize> = const { Cell::new(0) };
}

/// The variables a template sees, converted once and shared by many renders.
#[derive(Clone, Debug)]
pub struct RenderContext(Value);

impl RenderContext {
    pub fn new(vars: &Json) -> RenderContext {
        RenderContext(Value::from(Serde(vars)))
    }
}

pub struct Renderer {
    env: Environment<'static>,
    syntax: minijinja::syntax::SyntaxConfig,
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
        env.set_syntax(syntax.clone());
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_fuel(Some(TEMPLATE_FUEL));
        env.set_formatter(|out, _state, value| {
            let text = js::to_js_string(value);
            let total = EMITTED.get().saturating_add(text.len());
            check_size(total)?;
            EMITTED.set(total);
            out.write_str(&text)
                .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write"))
        });
        env.add_global("null", Value::from(()));
        env.add_global("undefined", Value::UNDEFINED);
        env.add_function(js::JS_ADD, |a: Value, b: Value| js::js_add(&a, &b));
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
        guard::install(&mut env);
        if options.cookiecutter_compat {
            // Backstage adds `jsonify` (JSON.stringify) for cookiecutter templates.
            env.add_filter("jsonify", filters::jsonify);
        }
        Renderer {
            env,
            syntax,
            expr_start,
        }
    }

    /// Renders a template to text (file contents, paths, mixed strings).
    pub fn render(&self, source: &str, ctx: &RenderContext) -> Result<String, RenderError> {
        if !self.has_template_syntax(source) {
            return Ok(source.to_owned());
        }
        let source = js::rewrite_operators(source, self.expr_start);
        let source = js::rewrite_plus(&source, self.expr_start);
        // Compiled with the size guards (see `guard`): every byte written passes the
        // formatter's count, so the output never grows past the limit.
        let (main, blocks) = guard::compile_template(&source, self.syntax.clone())?;
        let mut text = String::new();
        EMITTED.set(0);
        let mut out = minijinja::machinery::make_string_output(&mut text);
        minijinja::machinery::eval(
            &self.env,
            &main,
            ctx.0.clone(),
            &blocks,
            &mut out,
            AutoEscape::None,
        )?;
        drop(out);
        Ok(text)
    }

    fn has_template_syntax(&self, source: &str) -> bool {
        source.contains(self.expr_start) || source.contains("{%") || source.contains("{#")
    }

    /// Renders one string value: a sole expression keeps its type (`None` when undefined);
    /// anything else becomes text.
    pub fn render_value(
        &self,
        source: &str,
        ctx: &RenderContext,
    ) -> Result<Option<Json>, RenderError> {
        if let Some(expr) = js::sole_expression(source, self.expr_start) {
            let expr =
                js::rewrite_operators(&format!("{}{expr}}}}}", self.expr_start), self.expr_start);
            let expr = js::rewrite_plus(&expr, self.expr_start);
            let inner = &expr[self.expr_start.len()..expr.len() - 2];
            let compiled = guard::compile_expression(inner)?;
            EMITTED.set(0);
            let mut sink = String::new();
            let value = minijinja::machinery::eval(
                &self.env,
                &compiled,
                ctx.0.clone(),
                &Default::default(),
                &mut minijinja::machinery::make_string_output(&mut sink),
                AutoEscape::None,
            )?
            .0
            .unwrap_or(Value::UNDEFINED);
            let json = to_json(&value);
            let size = match &json {
                None => 0,
                Some(Json::String(s)) => s.len(),
                Some(other) => serde_json::to_string(other).map_or(0, |t| t.len()),
            };
            if size > TEMPLATE_OUTPUT_BYTES {
                return Err(RenderError::output_limit());
            }
            return Ok(json);
        }
        self.render(source, ctx).map(|s| Some(Json::String(s)))
    }

    /// Renders every string leaf of a JSON tree as the workflow runner does: a failing render
    /// keeps the original string, an undefined sole expression drops its object key (and
    /// becomes `null` inside an array, as `JSON.stringify` makes of it). A render that hits a
    /// resource limit keeps its source text too; [`Self::try_render_tree`] reports it instead.
    pub fn render_tree(&self, input: &Json, ctx: &RenderContext) -> Option<Json> {
        self.tree(input, ctx, false)
            .unwrap_or_else(|_| Some(input.clone()))
    }

    /// [`Self::render_tree`], except that a leaf hitting a resource limit is an error (what
    /// the executor uses: a step must not run on its input's unrendered source).
    pub fn try_render_tree(
        &self,
        input: &Json,
        ctx: &RenderContext,
    ) -> Result<Option<Json>, RenderError> {
        self.tree(input, ctx, true)
    }

    fn tree(
        &self,
        input: &Json,
        ctx: &RenderContext,
        strict: bool,
    ) -> Result<Option<Json>, RenderError> {
        Ok(match input {
            Json::String(s) => match self.render_value(s, ctx) {
                Ok(v) => v,
                Err(e) if strict && e.is_limit() => return Err(e),
                Err(_) => Some(input.clone()),
            },
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.tree(i, ctx, strict)?.unwrap_or(Json::Null));
                }
                Some(Json::Array(out))
            }
            Json::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    if let Some(v) = self.tree(v, ctx, strict)? {
                        out.insert(k.clone(), v);
                    }
                }
                Some(Json::Object(out))
            }
            other => Some(other.clone()),
        })
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

    fn ctx() -> RenderContext {
        RenderContext::new(&json!({
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
    fn title_capitalises_space_separated_words_as_nunjucks() {
        let r = Renderer::new(RenderOptions::default());
        let c = RenderContext::new(&json!({"n": "ledger-api for pAYMENTS"}));
        assert_eq!(
            r.render("${{ n | title }}", &c).unwrap(),
            "Ledger-api For Payments"
        );
    }

    #[test]
    fn jsonify_exists_in_cookiecutter_mode_only() {
        let cookie = Renderer::new(RenderOptions {
            cookiecutter_compat: true,
            ..Default::default()
        });
        let c = RenderContext::new(&json!({"cookiecutter": {"tags": ["a", "b"], "o": {"k": 1}}}));
        assert_eq!(
            cookie
                .render(
                    "{{ cookiecutter.tags | jsonify }} {{ cookiecutter.o | jsonify }}",
                    &c
                )
                .unwrap(),
            r#"["a","b"] {"k":1}"#
        );
        let plain = Renderer::new(RenderOptions::default());
        assert!(plain.render("${{ values | jsonify }}", &c).is_err());
    }

    #[test]
    fn cookiecutter_switches_delimiters() {
        let r = Renderer::new(RenderOptions {
            cookiecutter_compat: true,
            ..Default::default()
        });
        let c = RenderContext::new(&json!({"cookiecutter": {"name": "x"}}));
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

    /// A template that doubles a string (or a list) in a loop makes 2^n bytes out of a few
    /// instructions: fuel does not see it, and before the value cap 26 doublings built a 64 MiB
    /// string (64 would exhaust memory). Each must stop at the limit with a located error.
    #[test]
    fn doubling_a_value_in_a_loop_stops_at_the_value_limit() {
        let r = Renderer::new(RenderOptions::default());
        let loop_of = |op: &str| {
            format!(
                "head\n{{% set ns = namespace(s='x', l=[1]) %}}\n{{% for i in range(26) %}}{{% set ns.s = {op} %}}{{% endfor %}}${{{{ ns.s | length }}}}"
            )
        };
        for op in [
            "ns.s ~ ns.s",
            "ns.s + ns.s",
            "ns.s * 2",
            "(ns.s ~ '') ~ ns.s",
            "[ns.s, ns.s] | join('')",
        ] {
            let err = r.render(&loop_of(op), &ctx()).unwrap_err();
            assert!(err.is_limit(), "{op}: {err}");
            assert!(err.to_string().contains("limit of"), "{op}: {err}");
            assert!(err.to_string().contains("(line 3)"), "{op}: {err}");
        }
        let lists = "{% set ns = namespace(l=[1]) %}{% for i in range(26) %}{% set ns.l = ns.l + ns.l %}{% endfor %}${{ ns.l | length }}";
        assert!(r.render(lists, &ctx()).unwrap_err().is_limit());
        // One expression joining two large parameters is capped the same way.
        let big = "y".repeat(TEMPLATE_OUTPUT_BYTES / 2 + 1);
        let c = RenderContext::new(&json!({"big": big}));
        let err = r.render_value("${{ big ~ big }}", &c).unwrap_err();
        assert!(err.is_limit(), "{err}");
        assert!(
            r.render_value("${{ big + big }}", &c)
                .unwrap_err()
                .is_limit()
        );
        // Below the limit everything still works, with the operators' usual meaning
        // (inside `${{ }}`, `+` is JavaScript's: `[1] + [2]` is the text "12").
        assert_eq!(
            r.render(
                "${{ 'a' ~ 1 ~ none }}|${{ 1 + 2 }}|${{ [1] + [2] }}|${{ 'ab' * 2 }}|${{ 2 * 3 }}",
                &ctx()
            )
            .unwrap(),
            "a1None|3|12|abab|6"
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
