//! Secret values: kept apart from `values`, never printed by `Debug`, and redacted from every
//! log line the scaffolder writes.

use std::collections::BTreeMap;
use std::fmt;

/// Task secrets by name (`${{ secrets.name }}`). `Debug` shows names only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(BTreeMap<String, String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "***")))
            .finish()
    }
}

impl Secrets {
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The secrets as the `secrets` template variable.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect(),
        )
    }

    /// The same names with every value `***` (what a dry run renders with).
    pub fn redacted_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.keys().map(|k| (k.clone(), "***".into())).collect())
    }
}

/// What replaces a value computed from a secret.
pub const DERIVED: &str = "<derived from a secret>";

/// Derived values shorter than this many characters are not searched for (a secret's first
/// letter or its length would otherwise blank out every such character in the logs).
pub const DERIVED_MIN_CHARS: usize = 4;

/// Parts of a derived value (path segments, words) searched for on their own from this length.
pub const DERIVED_MIN_PART_CHARS: usize = 8;

/// Replaces every occurrence of the given values with `***`, and of values derived from
/// secrets (rendered step inputs that read `secrets`) with [`DERIVED`].
#[derive(Clone, Default)]
pub struct Redactor {
    values: Vec<String>,
    derived: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Redactor({} values, {} derived)",
            self.values.len(),
            self.derived.len()
        )
    }
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut r = Redactor::default();
        r.extend(values);
        r
    }

    pub fn extend(&mut self, values: impl IntoIterator<Item = String>) {
        for v in values {
            if !v.is_empty() && !self.values.contains(&v) {
                self.values.push(v);
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Adds values computed from secrets, each also as it appears inside JSON text, and each
    /// of its path segments and words of [`DERIVED_MIN_PART_CHARS`] or more (actions quote
    /// paths normalised: `./missing-x` becomes `…/missing-x`).
    pub fn extend_derived(&mut self, values: impl IntoIterator<Item = String>) {
        let mut all = Vec::new();
        for v in values {
            all.extend(
                v.split(|c: char| c == '/' || c == '\\' || c.is_whitespace())
                    .filter(|p| p.len() < v.len() && p.chars().count() >= DERIVED_MIN_PART_CHARS)
                    .map(str::to_owned),
            );
            all.push(v);
        }
        for v in all {
            if v.chars().count() < DERIVED_MIN_CHARS {
                continue;
            }
            let quoted = serde_json::to_string(&v).unwrap_or_default();
            let escaped = quoted[1..quoted.len() - 1].to_owned();
            for form in [v, escaped] {
                if !self.derived.contains(&form) {
                    self.derived.push(form);
                }
            }
        }
        self.derived.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        // Derived values first: one may contain the secret itself.
        for v in &self.derived {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), DERIVED);
            }
        }
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "***");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_values_and_redactor_masks() {
        let mut s = Secrets::default();
        s.insert("token", "hunter2");
        assert_eq!(format!("{s:?}"), "{\"token\": \"***\"}");
        let r = Redactor::new(["hunter2".to_owned(), "hunter".to_owned()]);
        assert_eq!(r.redact("a hunter2 b hunter"), "a *** b ***");
        let mut r = r;
        r.extend_derived([
            "2retnuh".to_owned(),
            "ab".to_owned(),
            "x\"hunter2".to_owned(),
        ]);
        assert_eq!(
            r.redact("2retnuh ab {\"k\":\"x\\\"hunter2\"}"),
            "<derived from a secret> ab {\"k\":\"<derived from a secret>\"}"
        );
    }
}
