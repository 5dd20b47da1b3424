//! Problems found while reading a catalogue, each pinned to a file position.

use crate::yaml::Pos;
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem, in the shape `greenroom validate --json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as shown to people: relative to the working directory when inside it.
    pub file: String,
    pub line: u32,
    pub column: u32,
    #[serde(rename = "entityRef")]
    pub entity_ref: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        file: impl Into<String>,
        pos: Pos,
        entity_ref: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            file: file.into(),
            line: pos.line,
            column: pos.column,
            entity_ref,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }
}

/// `file:line:col: severity: message [entity]`, the format editors and CI annotators parse.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.severity, self.message
        )?;
        if let Some(r) = &self.entity_ref {
            write!(f, " [{r}]")?;
        }
        Ok(())
    }
}

/// A problem found inside one document, before the file it belongs to is known.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub severity: Severity,
    pub pos: Pos,
    pub message: String,
}

impl Problem {
    pub fn error(pos: Pos, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            pos,
            message: message.into(),
        }
    }

    pub fn warning(pos: Pos, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            pos,
            message: message.into(),
        }
    }

    pub fn locate(self, file: &str, entity_ref: Option<String>) -> Diagnostic {
        Diagnostic::new(self.severity, file, self.pos, entity_ref, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_and_json_forms() {
        let d = Diagnostic::new(
            Severity::Error,
            "a/catalog-info.yaml",
            Pos::new(3, 5),
            Some("component:default/x".into()),
            "spec.owner is required",
        );
        assert_eq!(
            d.to_string(),
            "a/catalog-info.yaml:3:5: error: spec.owner is required [component:default/x]"
        );
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({"severity": "error", "file": "a/catalog-info.yaml", "line": 3,
                "column": 5, "entityRef": "component:default/x", "message": "spec.owner is required"})
        );
    }
}
