//! The JavaScript-flavoured parts of Backstage templating that Jinja lacks: strict equality
//! operators in expressions, `+` as JavaScript's (nunjucks compiles `a + b` to JavaScript's
//! `+`: text when either side is text, `undefined` spelt out, `NaN` for numbers with an
//! undefined side), and how JavaScript turns a value into text.

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

/// The name `+` is rewritten to call ([`js_add`]).
pub const JS_ADD: &str = "__js_add";

/// Rewrites every binary `+` inside the `${{ … }}` regions of `source` (outside string
/// literals) into a call of [`JS_ADD`], keeping Jinja's precedence: `a + b - c` becomes
/// `(__js_add(a, b) - c)`; comparisons, `and`/`or`/`not`, `in`, `if`/`else`, commas, colons and
/// `=` bind looser and split the operands; filters, tests, `*` and `~` bind tighter and stay
/// inside them. `{% %}` tags keep Jinja's `+`.
pub fn rewrite_plus(source: &str, expr_start: &str) -> String {
    if !source.contains('+') {
        return source.to_owned();
    }
    let mut out = String::with_capacity(source.len() + 16);
    let mut rest = source;
    while let Some(at) = rest.find(expr_start) {
        out.push_str(&rest[..at + expr_start.len()]);
        let after = &rest[at + expr_start.len()..];
        let Some(end) = region_end(after) else {
            out.push_str(after);
            return out;
        };
        out.push_str(&rewrite_expression(&after[..end]));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Where the expression region ends (the `}}` outside strings and brackets).
fn region_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = string_end(text, i),
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return text[i..].starts_with("}}").then_some(i),
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The index just past the string literal starting at `start`.
fn string_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The index just past the bracket group starting at `start` (its closing bracket).
fn group_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                i = string_end(text, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[derive(Clone, Copy, PartialEq)]
enum Piece {
    /// Part of an operand.
    Atom,
    /// An operator binding tighter than `+` (`*`, `~`, `|`, `.`): a sign after it is unary.
    Tight,
    Plus,
    Minus,
    /// Binds looser than `+`: ends the operands.
    Split,
}

/// One expression (or the inside of a bracket group) with its `+` rewritten.
fn rewrite_expression(expr: &str) -> String {
    let bytes = expr.as_bytes();
    let mut pieces: Vec<(Piece, String)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let rest = &expr[i..];
        let (piece, len, text) = match c {
            b'\'' | b'"' => {
                let end = string_end(expr, i);
                (Piece::Atom, end - i, None)
            }
            b'(' | b'[' | b'{' => {
                let end = group_end(expr, i);
                let close_len = usize::from(end > i + 1 && end <= expr.len());
                let inner_end = end.saturating_sub(close_len).max(i + 1);
                let inner = rewrite_expression(&expr[i + 1..inner_end]);
                let text = format!("{}{inner}{}", c as char, &expr[inner_end..end]);
                (Piece::Atom, end - i, Some(text))
            }
            c if c.is_ascii_digit() => {
                // A number literal whole, with its exponent's sign (`1e-5`).
                let b = rest.as_bytes();
                let mut len = 0;
                while len < b.len()
                    && (b[len].is_ascii_alphanumeric()
                        || b[len] == b'.'
                        || b[len] == b'_'
                        || (matches!(b[len], b'+' | b'-') && matches!(b[len - 1], b'e' | b'E')))
                {
                    len += 1;
                }
                (Piece::Atom, len, None)
            }
            b'+' => (Piece::Plus, 1, None),
            b'-' => (Piece::Minus, 1, None),
            b'=' | b'!' | b'<' | b'>' => {
                let len = if rest.len() > 1 && rest.as_bytes()[1] == b'=' {
                    2
                } else {
                    1
                };
                (Piece::Split, len, None)
            }
            b',' | b':' => (Piece::Split, 1, None),
            b'*' | b'/' | b'%' | b'~' | b'|' | b'.' => (Piece::Tight, 1, None),
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let len = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$')
                    .count();
                let word = &rest[..len];
                let after_is = pieces
                    .iter()
                    .rev()
                    .find(|(_, t)| !t.trim().is_empty())
                    .is_some_and(|(_, t)| t.trim() == "is");
                let split = matches!(word, "and" | "or" | "in" | "if" | "else")
                    || (word == "not" && !after_is);
                (if split { Piece::Split } else { Piece::Atom }, len, None)
            }
            _ => {
                let ch_len = rest.chars().next().map_or(1, char::len_utf8);
                (Piece::Atom, ch_len, None)
            }
        };
        let text = text.unwrap_or_else(|| expr[i..i + len].to_owned());
        pieces.push((piece, text));
        i += len.max(1);
    }
    // Segments between splitters; in each, fold the binary `+`/`-` chain.
    let mut out = String::with_capacity(expr.len() + 16);
    let mut segment: Vec<(Piece, String)> = Vec::new();
    for p in pieces {
        if p.0 == Piece::Split {
            out.push_str(&fold(&segment));
            segment.clear();
            out.push_str(&p.1);
        } else {
            segment.push(p);
        }
    }
    out.push_str(&fold(&segment));
    out
}

/// One segment's operands and operators, `+` made a call when there is one.
fn fold(segment: &[(Piece, String)]) -> String {
    let whole: String = segment.iter().map(|(_, t)| t.as_str()).collect();
    let mut operands: Vec<String> = vec![String::new()];
    let mut ops: Vec<Piece> = Vec::new();
    let mut has_operand = false;
    for (piece, text) in segment {
        match piece {
            Piece::Plus | Piece::Minus if has_operand => {
                ops.push(*piece);
                operands.push(String::new());
                has_operand = false;
            }
            Piece::Tight => {
                operands.last_mut().expect("one operand").push_str(text);
                has_operand = false;
            }
            _ => {
                operands.last_mut().expect("one operand").push_str(text);
                if !text.trim().is_empty() {
                    has_operand = true;
                }
            }
        }
    }
    if !ops.contains(&Piece::Plus) {
        return whole;
    }
    let lead = &whole[..whole.len() - whole.trim_start().len()];
    let trail = &whole[whole.trim_end().len()..];
    let mut acc = operands[0].trim().to_owned();
    for (op, operand) in ops.iter().zip(&operands[1..]) {
        acc = match op {
            Piece::Plus => format!("{JS_ADD}({acc}, {})", operand.trim()),
            _ => format!("({acc} - {})", operand.trim()),
        };
    }
    format!("{lead}{acc}{trail}")
}

/// JavaScript's `a + b`: text when either side is text (or a list or object, which JavaScript
/// turns into text first), with `undefined` and `null` spelt out; otherwise numbers, where
/// undefined is `NaN`, null 0 and booleans 0 or 1.
pub fn js_add(a: &Value, b: &Value) -> Value {
    let texty = |v: &Value| {
        matches!(
            v.kind(),
            ValueKind::String
                | ValueKind::Seq
                | ValueKind::Iterable
                | ValueKind::Map
                | ValueKind::Plain
        )
    };
    if texty(a) || texty(b) {
        return Value::from(format!("{}{}", js_string(a), js_string(b)));
    }
    if let (Ok(x), Ok(y)) = (i64::try_from(a.clone()), i64::try_from(b.clone()))
        && a.is_integer()
        && b.is_integer()
        && let Some(sum) = x.checked_add(y)
    {
        return Value::from(sum);
    }
    Value::from(js_number(a) + js_number(b))
}

/// `String(value)`: [`to_js_string`], except that undefined and null are spelt out.
fn js_string(v: &Value) -> String {
    match v.kind() {
        ValueKind::Undefined => "undefined".into(),
        ValueKind::None => "null".into(),
        _ => to_js_string(v),
    }
}

/// `Number(value)` for what is not text.
fn js_number(v: &Value) -> f64 {
    match v.kind() {
        ValueKind::None => 0.0,
        ValueKind::Bool => f64::from(u8::from(v.is_true())),
        ValueKind::Number => f64::try_from(v.clone()).unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
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
    fn plus_becomes_a_call_with_jinjas_precedence() {
        let r = |s: &str| rewrite_plus(s, "${{");
        assert_eq!(r("${{ a + b }}"), "${{ __js_add(a, b) }}");
        assert_eq!(r("x + y ${{ a }}"), "x + y ${{ a }}");
        assert_eq!(r("${{ 'a+b' ~ c }}"), "${{ 'a+b' ~ c }}");
        assert_eq!(
            r("${{ a + b - c + d }}"),
            "${{ __js_add((__js_add(a, b) - c), d) }}"
        );
        assert_eq!(r("${{ -a + b * -1 }}"), "${{ __js_add(-a, b * -1) }}");
        assert_eq!(
            r("${{ a + b == 'x' and not c + d | upper }}"),
            "${{ __js_add(a, b) == 'x' and not __js_add(c, d | upper) }}"
        );
        assert_eq!(
            r("${{ f(a + 1, {'k': b + c})[0] + 'x' if d is not defined else e }}"),
            "${{ __js_add(f(__js_add(a, 1), {'k': __js_add(b, c)})[0], 'x') if d is not defined else e }}"
        );
        assert_eq!(
            r("${{ a is not none + b }}"),
            "${{ __js_add(a is not none, b) }}"
        );
        assert_eq!(r("${{ 1e-5 + x }}"), "${{ __js_add(1e-5, x) }}");
        assert_eq!(
            r("{% set x = a + b %}${{ c + d }}"),
            "{% set x = a + b %}${{ __js_add(c, d) }}"
        );
        assert_eq!(r("${{ a + '}}' }}tail"), "${{ __js_add(a, '}}') }}tail");
    }

    #[test]
    fn plus_is_javascripts() {
        let add = |a: Value, b: Value| to_js_string(&js_add(&a, &b));
        assert_eq!(
            add(Value::from("ledger"), Value::UNDEFINED),
            "ledgerundefined"
        );
        assert_eq!(add(Value::UNDEFINED, Value::from("-x")), "undefined-x");
        assert_eq!(add(Value::UNDEFINED, Value::from(1)), "NaN");
        assert_eq!(add(Value::from(2), Value::from(3)), "5");
        assert_eq!(add(Value::from(0.5), Value::from(1)), "1.5");
        assert_eq!(add(Value::from("a"), Value::from(())), "anull");
        assert_eq!(add(Value::from(1), Value::from("2")), "12");
        assert_eq!(add(Value::from(true), Value::from(1)), "2");
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
