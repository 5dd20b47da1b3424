//! Writes JSON data as YAML the way Backstage's `catalog:write` does (`yaml.stringify` of the
//! `yaml` package): block style, two-space indents, plain scalars where they read back as the
//! same string, double quotes otherwise (single quotes when that avoids escaping), `|` blocks
//! for multi-line text. Long lines are not folded (the package folds at 80 columns).

use serde_json::Value as Json;

fn looks_like_other_type(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null" | "~" | "true" | "false" | ".inf" | "-.inf" | "+.inf" | ".nan"
    ) {
        return true;
    }
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if t.starts_with("0x") && t.len() > 2 && t[2..].chars().all(|c| c.is_ascii_hexdigit()) {
        return true;
    }
    if t.starts_with("0o") && t.len() > 2 && t[2..].chars().all(|c| ('0'..='7').contains(&c)) {
        return true;
    }
    // Decimal integers and floats (`1`, `1.5`, `.5`, `1e3`).
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (digits(a) || a.is_empty())
                && (digits(b) || b.is_empty())
                && !(a.is_empty() && b.is_empty())
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s || looks_like_other_type(s) {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "[]{},#&*!|>'\"%@`".contains(first) {
        return true;
    }
    if "-?:".contains(first) && s.chars().nth(1).is_none_or(|c| c == ' ') {
        return true;
    }
    s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| c.is_control() && c != '\t')
}

fn quoted(s: &str) -> String {
    if s.contains('"') && !s.contains('\'') && !s.chars().any(char::is_control) {
        format!("'{s}'")
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

fn scalar(s: &str) -> String {
    if needs_quotes(s) {
        quoted(s)
    } else {
        s.to_owned()
    }
}

fn number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if !n.is_i64() && !n.is_u64() => crate::scaffold::render::js::number_to_string(f),
        _ => n.to_string(),
    }
}

/// The YAML document for a value, ending with a newline.
pub fn to_yaml(value: &Json) -> String {
    let mut out = String::new();
    match value {
        Json::Object(m) if !m.is_empty() => write_map(m, 0, &mut out),
        Json::Array(a) if !a.is_empty() => write_seq(a, 0, &mut out),
        other => {
            out.push_str(&inline(other, 0).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

/// A value that fits after `key: ` (or `- `), or `None` for a nested block.
fn inline(v: &Json, indent: usize) -> Option<String> {
    Some(match v {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => number(n),
        Json::String(s)
            if s.contains('\n') && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') =>
        {
            let trimmed = s.trim_end_matches('\n');
            let trailing = s.len() - trimmed.len();
            let chomp = match trailing {
                0 => "-",
                1 => "",
                _ => "+",
            };
            let pad = " ".repeat(indent + 2);
            let mut block = format!("|{chomp}");
            if s.starts_with(' ') {
                block = format!("|2{chomp}");
            }
            for line in s[..s.len() - trailing.min(1)].split('\n') {
                block.push('\n');
                if !line.is_empty() {
                    block.push_str(&pad);
                    block.push_str(line);
                }
            }
            block
        }
        Json::String(s) => scalar(s),
        Json::Array(a) if a.is_empty() => "[]".into(),
        Json::Object(m) if m.is_empty() => "{}".into(),
        _ => return None,
    })
}

fn write_map(m: &serde_json::Map<String, Json>, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let mut first = true;
    for (k, v) in m {
        if !first || !out.ends_with("- ") {
            out.push_str(&pad);
        }
        first = false;
        out.push_str(&scalar(k));
        out.push(':');
        match inline(v, indent) {
            Some(s) => {
                out.push(' ');
                out.push_str(&s);
                out.push('\n');
            }
            None => {
                out.push('\n');
                match v {
                    Json::Object(inner) => write_map(inner, indent + 2, out),
                    Json::Array(items) => write_seq(items, indent + 2, out),
                    _ => {}
                }
            }
        }
    }
}

fn write_seq(items: &[Json], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for v in items {
        out.push_str(&pad);
        out.push_str("- ");
        match inline(v, indent) {
            Some(s) => {
                out.push_str(&s);
                out.push('\n');
            }
            None => match v {
                Json::Object(inner) => write_map(inner, indent + 2, out),
                Json::Array(inner) => {
                    out.push('\n');
                    write_seq(inner, indent + 2, out);
                }
                _ => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_the_yaml_package() {
        let v = json!({
            "a": "group:default/x", "b": "8080", "c": 8080, "d": "yes", "e": "", "f": "a: b", "g": "- x",
            "h": "multi\nline\n", "i": "true", "j": null, "k": [], "l": {}, "m": [1, {"x": 1, "y": [2]}],
            "n": "#x", "o": " lead", "p": "it's", "q": "\"q\"", "r": "x #y", "s": "1.5", "t": "~",
            "ee": "multi\nline", "ff": "http://x.io/a?b=c&d", "hh": "?x", "mm": "2024-01-01", "nn": "x:", "pp": 1.5
        });
        assert_eq!(
            to_yaml(&v),
            "a: group:default/x\nb: \"8080\"\nc: 8080\nd: yes\ne: \"\"\nf: \"a: b\"\ng: \"- x\"\nh: |\n  multi\n  line\ni: \"true\"\nj: null\nk: []\nl: {}\nm:\n  - 1\n  - x: 1\n    y:\n      - 2\nn: \"#x\"\no: \" lead\"\np: it's\nq: '\"q\"'\nr: \"x #y\"\ns: \"1.5\"\nt: \"~\"\nee: |-\n  multi\n  line\nff: http://x.io/a?b=c&d\nhh: ?x\nmm: 2024-01-01\nnn: \"x:\"\npp: 1.5\n"
        );
    }
}
