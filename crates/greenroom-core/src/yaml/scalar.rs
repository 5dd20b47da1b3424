//! Plain-scalar resolution with the YAML 1.2 core schema (the `yaml` npm package's default), so
//! `on`, `yes` and `0755` mean what they mean to Backstage, not what YAML 1.1 made of them.

use super::NodeValue;

pub fn resolve_plain(s: &str) -> NodeValue {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    if let Some(v) = resolve_number(s) {
        return v;
    }
    NodeValue::Str(s.to_owned())
}

/// Resolves a scalar explicitly tagged `!!int`, `!!float`, `!!bool` or `!!null`.
pub fn resolve_tagged(tag: &str, s: &str) -> Option<NodeValue> {
    match tag {
        "str" => Some(NodeValue::Str(s.to_owned())),
        "null" => Some(NodeValue::Null),
        "bool" => match resolve_plain(s) {
            v @ NodeValue::Bool(_) => Some(v),
            _ => None,
        },
        "int" | "float" => resolve_number(s),
        _ => None,
    }
}

fn resolve_number(s: &str) -> Option<NodeValue> {
    let first = s.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(hex) = s.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(int_or_float(i64::from_str_radix(hex, 16).ok(), hex, 16));
        }
        return None;
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return Some(int_or_float(i64::from_str_radix(oct, 8).ok(), oct, 8));
        }
        return None;
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        let parsed = s.parse::<i64>().ok();
        return Some(match parsed {
            Some(i) => NodeValue::Int(i),
            None => NodeValue::Float(s.parse::<f64>().unwrap_or(f64::INFINITY)),
        });
    }
    match unsigned {
        ".inf" | ".Inf" | ".INF" => {
            let inf = if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            return Some(NodeValue::Float(inf));
        }
        _ => {}
    }
    if is_core_float(unsigned) {
        return s.parse::<f64>().ok().map(NodeValue::Float);
    }
    None
}

fn int_or_float(parsed: Option<i64>, digits: &str, radix: u32) -> NodeValue {
    match parsed {
        Some(i) => NodeValue::Int(i),
        None => {
            let f = digits
                .chars()
                .filter_map(|c| c.to_digit(radix))
                .fold(0f64, |acc, d| acc * f64::from(radix) + f64::from(d));
            NodeValue::Float(f)
        }
    }
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without the sign.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
    };
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_not_yaml_1_1() {
        assert_eq!(resolve_plain("yes"), NodeValue::Str("yes".into()));
        assert_eq!(resolve_plain("on"), NodeValue::Str("on".into()));
        assert_eq!(resolve_plain("True"), NodeValue::Bool(true));
        assert_eq!(resolve_plain("~"), NodeValue::Null);
        assert_eq!(resolve_plain(""), NodeValue::Null);
    }

    #[test]
    fn numbers() {
        assert_eq!(resolve_plain("42"), NodeValue::Int(42));
        assert_eq!(resolve_plain("-7"), NodeValue::Int(-7));
        assert_eq!(resolve_plain("0755"), NodeValue::Int(755));
        assert_eq!(resolve_plain("0x1F"), NodeValue::Int(31));
        assert_eq!(resolve_plain("0o17"), NodeValue::Int(15));
        assert_eq!(resolve_plain("1.5"), NodeValue::Float(1.5));
        assert_eq!(resolve_plain(".5"), NodeValue::Float(0.5));
        assert_eq!(resolve_plain("1e3"), NodeValue::Float(1000.0));
        assert_eq!(resolve_plain("-.inf"), NodeValue::Float(f64::NEG_INFINITY));
        assert_eq!(resolve_plain("1.0.0"), NodeValue::Str("1.0.0".into()));
        assert_eq!(resolve_plain("1_000"), NodeValue::Str("1_000".into()));
        assert_eq!(resolve_plain("."), NodeValue::Str(".".into()));
        assert_eq!(resolve_plain("+"), NodeValue::Str("+".into()));
        assert_eq!(resolve_plain("0x"), NodeValue::Str("0x".into()));
    }

    #[test]
    fn explicit_tags() {
        assert_eq!(
            resolve_tagged("str", "12"),
            Some(NodeValue::Str("12".into()))
        );
        assert_eq!(resolve_tagged("int", "12"), Some(NodeValue::Int(12)));
        assert_eq!(resolve_tagged("bool", "x"), None);
    }
}
