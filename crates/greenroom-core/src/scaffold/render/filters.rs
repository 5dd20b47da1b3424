//! Filters: Backstage's own (`parseRepoUrl`, `parseEntityRef`, `pick`, `projectSlug`) and the
//! nunjucks built-ins templates use that minijinja does not have (or has with another meaning).
//! Filters whose result can be far larger than their input (`indent`, `center`, `replace`,
//! `join`) refuse results past the output limit before building them.

use super::{check_size, js};
use crate::catalog::{RefContext, parse_ref};
use crate::scaffold::repo_url::RepoUrl;
use minijinja::value::{Kwargs, Rest, Serde, StringInput, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value};

fn fail(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

pub fn install(env: &mut Environment<'static>) {
    env.add_filter("parseRepoUrl", parse_repo_url);
    env.add_filter("projectSlug", project_slug);
    env.add_filter("parseEntityRef", parse_entity_ref);
    env.add_filter("pick", pick);
    env.add_filter("dump", dump);
    env.add_filter("capitalize", capitalize);
    env.add_filter("title", title);
    env.add_filter("truncate", truncate);
    env.add_filter("wordcount", wordcount);
    env.add_filter("selectattr", selectattr);
    env.add_filter("rejectattr", rejectattr);
    env.add_filter("center", center);
    env.add_filter("nl2br", nl2br);
    env.add_filter("striptags", striptags);
    env.add_filter("forceescape", forceescape);
    env.add_filter("urlize", |v: Value| v);
    env.add_filter("random", random);
    env.add_filter("string", |v: Value| js::to_js_string(&v));
    env.add_filter("join", join);
    env.add_filter("indent", indent);
    env.add_filter("replace", replace);
}

/// minijinja's `indent`, refused when the indented text would pass the output limit.
fn indent(
    value: StringInput<'_>,
    width: Option<usize>,
    first: Option<bool>,
    blank: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let requested: Option<usize> = kwargs.peek("width")?;
    let w = width.or(requested).unwrap_or(4);
    let lines = value.as_str().split('\n').count();
    check_size(w.saturating_mul(lines).saturating_add(value.as_str().len()))?;
    minijinja::filters::indent(value, width, first, blank, kwargs)
}

/// minijinja's `replace`, refused when the result would pass the output limit.
fn replace(
    state: &mut State,
    value: StringInput<'_>,
    from: StringInput<'_>,
    to: StringInput<'_>,
) -> Result<Value, Error> {
    let (v, f) = (value.as_str(), from.as_str());
    let hits = if f.is_empty() {
        v.chars().count() + 1
    } else {
        v.matches(f).count()
    };
    check_size(
        hits.saturating_mul(to.as_str().len())
            .saturating_add(v.len()),
    )?;
    minijinja::filters::replace(state, value, from, to)
}

fn json_of(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

fn parse_repo_url(url: String) -> Result<Value, Error> {
    let parsed = RepoUrl::parse(&url).map_err(|e| fail(e.to_string()))?;
    Ok(Value::from(Serde(parsed)))
}

fn project_slug(url: String) -> Result<String, Error> {
    Ok(RepoUrl::parse(&url)
        .map_err(|e| fail(e.to_string()))?
        .slug())
}

fn parse_entity_ref(reference: Value, options: Option<Value>) -> Result<Value, Error> {
    let opt = |k: &str| {
        options
            .as_ref()
            .and_then(|o| o.get_attr(k).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
    };
    let (default_kind, default_namespace) = (opt("defaultKind"), opt("defaultNamespace"));
    let ctx = RefContext {
        default_kind: default_kind.as_deref(),
        default_namespace: default_namespace.as_deref(),
    };
    let r = if let Some(text) = reference.as_str() {
        parse_ref(text, ctx).map_err(|e| fail(e.to_string()))?
    } else {
        let part = |k: &str| {
            reference
                .get_attr(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        };
        let name = part("name").ok_or_else(|| fail("Entity reference must have a name"))?;
        let kind = part("kind")
            .or(default_kind)
            .ok_or_else(|| fail(format!("Entity reference \"{name}\" had missing kind")))?;
        let namespace = part("namespace")
            .or(default_namespace)
            .unwrap_or_else(|| "default".into());
        crate::catalog::EntityRef::new(kind, namespace, name)
    };
    Ok(Value::from(Serde(serde_json::json!({
        "kind": r.kind, "namespace": r.namespace, "name": r.name
    }))))
}

/// `lodash.get(obj, path)`: dots and `[index]` segments.
fn pick(value: Value, path: String) -> Value {
    let mut cur = value;
    for seg in path
        .split(['.', '[', ']'])
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_matches(['"', '\'']))
    {
        let next = match cur.kind() {
            ValueKind::Seq => seg
                .parse::<usize>()
                .ok()
                .and_then(|i| cur.get_item(&Value::from(i)).ok()),
            _ => cur.get_attr(seg).ok(),
        };
        match next {
            Some(v) if !v.is_undefined() => cur = v,
            _ => return Value::UNDEFINED,
        }
    }
    cur
}

/// `JSON.stringify(value, null, spaces)`.
/// nunjucks' `title`: each space-separated word capitalised (first letter upper, the rest
/// lower), so `ledger-api` is `Ledger-api` (minijinja's would give `Ledger-Api`).
fn title(value: StringInput<'_>) -> Value {
    let words: Vec<String> = value
        .as_str()
        .split(' ')
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect();
    Value::from(words.join(" "))
}

/// `jsonify` of cookiecutter templates: `JSON.stringify` (compact).
pub(super) fn jsonify(value: Value) -> Result<Value, Error> {
    if value.is_undefined() {
        return Ok(Value::UNDEFINED);
    }
    serde_json::to_string(&json_of(&value))
        .map(Value::from)
        .map_err(|e| fail(e.to_string()))
}

fn dump(value: Value, spaces: Option<Value>) -> Result<Value, Error> {
    if value.is_undefined() {
        return Ok(Value::UNDEFINED);
    }
    let json = json_of(&value);
    let indent = spaces.and_then(|s| {
        s.as_i64()
            .map(|n| " ".repeat(n.clamp(0, 10) as usize))
            .or_else(|| s.as_str().map(|t| t.chars().take(10).collect()))
    });
    let text = match indent.filter(|i| !i.is_empty()) {
        None => serde_json::to_string(&json),
        Some(indent) => {
            let mut buf = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
            serde::Serialize::serialize(&json, &mut ser)
                .map(|()| String::from_utf8_lossy(&buf).into_owned())
        }
    };
    text.map(Value::from).map_err(|e| fail(e.to_string()))
}

fn capitalize(s: String) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.as_str().to_lowercase().chars())
            .collect(),
        None => String::new(),
    }
}

/// nunjucks `truncate(length=255, killwords=false, end="...")`.
fn truncate(
    s: String,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
) -> String {
    let length = length.unwrap_or(255);
    if s.chars().count() <= length {
        return s;
    }
    let end = end.unwrap_or_else(|| "...".into());
    let cut: String = s.chars().take(length).collect();
    if killwords.unwrap_or(false) {
        return cut + &end;
    }
    match cut.rfind(' ') {
        Some(i) => cut[..i].to_owned() + &end,
        None => cut + &end,
    }
}

fn wordcount(s: String) -> usize {
    s.split_whitespace().count()
}

fn attr_filter(
    state: &mut State,
    value: Value,
    args: &[Value],
    keep: bool,
) -> Result<Vec<Value>, Error> {
    let attr = args
        .first()
        .and_then(|a| a.as_str().map(str::to_owned))
        .ok_or_else(|| fail("selectattr needs an attribute name"))?;
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let v = item.get_attr(&attr).unwrap_or(Value::UNDEFINED);
        let passes = match args.get(1).and_then(|t| t.as_str()) {
            None => v.is_true(),
            Some(test) => {
                let rest: Vec<Value> = std::iter::once(v)
                    .chain(args[2..].iter().cloned())
                    .collect();
                state.perform_test(test, &rest)?
            }
        };
        if passes == keep {
            out.push(item);
        }
    }
    Ok(out)
}

fn selectattr(state: &mut State, value: Value, args: Rest<Value>) -> Result<Vec<Value>, Error> {
    attr_filter(state, value, &args, true)
}

fn rejectattr(state: &mut State, value: Value, args: Rest<Value>) -> Result<Vec<Value>, Error> {
    attr_filter(state, value, &args, false)
}

fn center(s: String, width: Option<usize>) -> Result<String, Error> {
    let width = width.unwrap_or(80);
    let len = s.chars().count();
    if len >= width {
        return Ok(s);
    }
    check_size(width.saturating_add(s.len()))?;
    let left = (width - len) / 2;
    let right = width - len - left;
    Ok(format!("{}{s}{}", " ".repeat(left), " ".repeat(right)))
}

fn nl2br(s: String) -> String {
    s.replace("\r\n", "<br />\n").replace('\n', "<br />\n")
}

fn striptags(s: String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn forceescape(s: String) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn random(value: Value) -> Result<Value, Error> {
    let items: Vec<Value> = value.try_iter()?.collect();
    if items.is_empty() {
        return Ok(Value::UNDEFINED);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as usize)
        .unwrap_or(0);
    Ok(items[nanos % items.len()].clone())
}

/// nunjucks `join(sep="", attr)`, with JavaScript's text for each item.
fn join(value: Value, sep: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let attr: Option<String> = kwargs.get("attribute")?;
    kwargs.assert_all_used()?;
    let sep = sep.unwrap_or_default();
    if let Some(s) = value.as_str() {
        let n = s.chars().count();
        check_size(n.saturating_mul(sep.len()).saturating_add(s.len()))?;
        return Ok(s.chars().map(String::from).collect::<Vec<_>>().join(&sep));
    }
    let mut items: Vec<String> = Vec::new();
    let mut size = 0usize;
    for v in value.try_iter()? {
        let text = match &attr {
            Some(a) => js::to_js_string(&v.get_attr(a).unwrap_or(Value::UNDEFINED)),
            None => js::to_js_string(&v),
        };
        size = size.saturating_add(text.len()).saturating_add(sep.len());
        check_size(size)?;
        items.push(text);
    }
    Ok(items.join(&sep))
}
