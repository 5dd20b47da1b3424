//! The JavaScript-flavoured parts of Backstage templating that Jinja lacks: strict equality
//! operators in expressions, and how JavaScript turns a value into text.

use minijinja::Value;
use minijinja::value::ValueKind;

/// Rewrites the JavaScript-isms nunjitsu accepts inside expression and tag regions (outside
/// string literals) into Jinja: `===`/`!==` become `==`/`!=`, and bare keys of object literals
/// (`{defaultKind: 'group'}`) are quoted.
pub fn rewrite_operators(source: &str, expr_start: &str) -> String {
    if !source.contains("==") && !source.contains(':') {
        return source.to_owned();
    }
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let mut code_end: Option<&str> = None;
    let mut quote: Option<u8> = None;
    let mut brackets: Vec<u8> = Vec::new();
    while i < bytes.len() {
        let rest = &source[i..];
        match code_end {
            None => {
                if rest.starts_with(expr_start) {
                    out.push_str(expr_start);
                    i += expr_start.len();
                    code_end = Some("}}");
                    brackets.clear();
                    continue;
                }
                if rest.starts_with("{%") {
                    out.push_str("{%");
                    i += 2;
                    code_end = Some("%}");
                    brackets.clear();
                    continue;
                }
            }
            Some(end) => {
                if let Some(q) = quote {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        // Copy the escape and the escaped character whole.
                        let ch_len = rest[1..].chars().next().map_or(1, char::len_utf8);
                        out.push_str(&rest[..1 + ch_len]);
                        i += 1 + ch_len;
                        continue;
                    }
                    if bytes[i] == q {
                        quote = None;
                    }
                } else if bytes[i] == b'\'' || bytes[i] == b'"' {
                    quote = Some(bytes[i]);
                } else if rest.starts_with("===") {
                    out.push_str("==");
                    i += 3;
                    continue;
                } else if rest.starts_with("!==") {
                    out.push_str("!=");
                    i += 3;
                    continue;
                } else if brackets.is_empty() && rest.starts_with(end) {
                    out.push_str(end);
                    i += end.len();
                    code_end = None;
                    continue;
                } else if matches!(bytes[i], b'{' | b'(' | b'[') {
                    brackets.push(bytes[i]);
                } else if matches!(bytes[i], b'}' | b')' | b']') {
                    brackets.pop();
                }
                if matches!(bytes[i], b'{' | b',') && brackets.last() == Some(&b'{') {
                    out.push(bytes[i] as char);
                    i += 1;
                    i += quote_bare_key(&source[i..], &mut out);
                    continue;
                }
            }
        }
        let ch = rest.chars().next().unwrap_or('\0');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// After `{` or `,` in an object literal: if an identifier and `:` follow, writes the
/// identifier quoted and returns how many bytes it consumed.
fn quote_bare_key(rest: &str, out: &mut String) -> usize {
    let trimmed = rest.trim_start();
    let ws = rest.len() - trimmed.len();
    let ident_len = trimmed
        .char_indices()
        .take_while(|(n, c)| {
            c.is_ascii_alphabetic() || *c == '_' || *c == '$' || (*n > 0 && c.is_ascii_digit())
        })
        .count();
    if ident_len == 0 || !trimmed[ident_len..].trim_start().starts_with(':') {
        return 0;
    }
    out.push_str(&rest[..ws]);
    out.push('\'');
    out.push_str(&trimmed[..ident_len]);
    out.push('\'');
    ws + ident_len
}

/// If `source` is exactly one `${{ … }}` (nothing before or after, one expression), the
/// expression inside it. Such a value keeps its native type when rendered.
pub fn sole_expression<'a>(source: &'a str, start: &str) -> Option<&'a str> {
    let inner = source.strip_prefix(start)?.strip_suffix("}}")?;
    // The first `}}` outside a string literal must be the final one. Walk by character (not
    // by byte): slicing inside a multi-byte character would panic.
    let mut quote: Option<char> = None;
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    chars.next();
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                let rest = &inner[i..];
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if rest.starts_with("}}")
                    || rest.starts_with(start)
                    || rest.starts_with("{%")
                {
                    return None;
                }
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    Some(inner)
}

/// A number as JavaScript prints it: integral values without a fraction.
pub fn number_to_string(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

/// `String(value)` as nunjitsu renders output: undefined and null are empty, arrays join their
/// items with commas, objects are `[object Object]`.
pub fn to_js_string(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        ValueKind::Bool => if value.is_true() { "true" } else { "false" }.into(),
        ValueKind::Number => {
            if value.is_integer() {
                value.to_string()
            } else {
                f64::try_from(value.clone()).map_or_else(|_| value.to_string(), number_to_string)
            }
        }
        ValueKind::String => value.as_str().unwrap_or_default().to_owned(),
        ValueKind::Seq | ValueKind::Iterable => match value.try_iter() {
            Ok(items) => items
                .map(|v| to_js_string(&v))
                .collect::<Vec<_>>()
                .join(","),
            Err(_) => String::new(),
        },
        ValueKind::Map | ValueKind::Plain => "[object Object]".into(),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_code() {
        assert_eq!(
            rewrite_operators("a === b ${{ x === 'a===b' and y !== 2 }}", "${{"),
            "a === b ${{ x == 'a===b' and y != 2 }}"
        );
        assert_eq!(
            rewrite_operators("{% if a === 1 %}x === y{% endif %}", "${{"),
            "{% if a == 1 %}x === y{% endif %}"
        );
        assert_eq!(
            rewrite_operators("${{ x | f({a: 1, b_2: {c: 'k:v'}}) }}", "${{"),
            "${{ x | f({'a': 1, 'b_2': {'c': 'k:v'}}) }}"
        );
    }

    #[test]
    fn finds_sole_expressions() {
        assert_eq!(sole_expression("${{ a.b }}", "${{"), Some(" a.b "));
        assert_eq!(sole_expression("${{ '}}' }}", "${{"), Some(" '}}' "));
        assert_eq!(sole_expression(" ${{ a }}", "${{"), None);
        assert_eq!(sole_expression("${{ a }}-${{ b }}", "${{"), None);
        assert_eq!(sole_expression("${{ a }}x", "${{"), None);
    }

    #[test]
    fn sole_expressions_with_non_ascii_text() {
        // Each of these panicked by slicing inside a multi-byte character.
        for (source, inner) in [
            ("${{ é }}", Some(" é ")),
            ("${{ '🦀' }}", Some(" '🦀' ")),
            ("${{ x }}é${{ y }}", None),
            (
                "${{ 'e\u{301}' ~ \"\\ü\" }}",
                Some(" 'e\u{301}' ~ \"\\ü\" "),
            ),
            ("${{ 日本 }}", Some(" 日本 ")),
            ("${{ '\u{1b}[31m' }}", Some(" '\u{1b}[31m' ")),
            ("${{ 'é", None),
        ] {
            assert_eq!(sole_expression(source, "${{"), inner, "{source}");
        }
        assert_eq!(
            rewrite_operators("${{ 'é' === \"ü\" and {ß: 1} }}", "${{"),
            "${{ 'é' == \"ü\" and {ß: 1} }}"
        );
    }

    #[test]
    fn js_strings() {
        assert_eq!(number_to_string(3.0), "3");
        assert_eq!(number_to_string(0.5), "0.5");
        let v = Value::from(minijinja::value::Serde(
            serde_json::json!([1, [2, null], {"a": 1}, true]),
        ));
        assert_eq!(to_js_string(&v), "1,2,,[object Object],true");
    }
}
