//! One field of a form as a UI draws it: where its value lives, how it is labelled and which
//! kind of input edits it.

use crate::scaffold::pickers::{EntityPicker, RepoUrlPicker, TagsPicker};
use serde_json::Value as Json;
use std::fmt;

/// Where a value lives in the values object: property names and array indices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<String>);

impl FieldPath {
    pub fn key(key: &str) -> FieldPath {
        FieldPath(vec![key.to_owned()])
    }

    /// Parses `/a/b/0` or `a.b.0`.
    pub fn parse(text: &str) -> FieldPath {
        let sep = if text.contains('/') { '/' } else { '.' };
        FieldPath(
            text.split(sep)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    pub fn child(&self, key: impl Into<String>) -> FieldPath {
        let mut p = self.0.clone();
        p.push(key.into());
        FieldPath(p)
    }

    /// A JSON pointer (`/owner/displayName`).
    pub fn pointer(&self) -> String {
        self.0.iter().map(|p| format!("/{p}")).collect()
    }

    pub fn last(&self) -> &str {
        self.0.last().map_or("", String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pointer())
    }
}

/// One choice of a select, radio group or checkbox group.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub value: Json,
    pub label: String,
}

/// The kind of input a field needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Widget {
    /// One line of text. `format` (email, uri, date, date-time, time, color, data-url) tells
    /// what is expected; `input_type` is `ui:options.inputType`.
    Text {
        format: Option<String>,
        input_type: Option<String>,
    },
    /// Several lines (`ui:widget: textarea`).
    TextArea {
        rows: Option<u64>,
    },
    /// Masked text (`ui:widget: password`); the value stays in `values` as in Backstage, but
    /// is never shown and is redacted from logs.
    Password,
    /// Masked text whose value goes to `secrets`, never to `values` (`ui:field: Secret`).
    Secret,
    Number {
        integer: bool,
        minimum: Option<f64>,
        maximum: Option<f64>,
        /// `ui:widget: range` (a slider) or `updown`.
        slider: bool,
    },
    Boolean,
    /// One of fixed choices (`enum` + `enumNames`, or `oneOf` of `const`s). `radio` when the
    /// template asked for radio buttons.
    Select {
        choices: Vec<Choice>,
        radio: bool,
    },
    /// Any of fixed choices: an array of enums.
    Checkboxes {
        choices: Vec<Choice>,
    },
    /// A list of free strings, one per line.
    StringList,
    /// A list of objects; each item's fields follow as their own rows, after an
    /// [`Widget::Item`] row.
    ObjectList,
    /// The header of one item of an [`Widget::ObjectList`].
    Item {
        index: usize,
    },
    /// A nested object; its fields follow as their own rows.
    Group,
    /// EntityPicker, MultiEntityPicker, OwnerPicker, OwnedEntityPicker, MyGroupsPicker.
    Entity(EntityPicker),
    /// EntityNamePicker: a name with Kubernetes-style rules.
    EntityName,
    EntityTags(TagsPicker),
    /// RepoUrlPicker: host, owner, repo (and organisation/workspace/project) composed into
    /// `host?owner=..&repo=..`.
    RepoUrl(RepoUrlPicker),
    /// A field that keeps its (default) value without being shown (`ui:widget: hidden`).
    Hidden,
    /// A custom field extension greenroom does not know (`RepoOwnerPicker`, your own): edited
    /// as text of the schema's type.
    Custom {
        name: String,
    },
}

impl Widget {
    /// Whether the value is never to be shown (review rows, logs).
    pub fn is_masked(&self) -> bool {
        matches!(self, Widget::Password | Widget::Secret)
    }

    /// Whether the field holds a value of its own (groups and list headers do not).
    pub fn holds_value(&self) -> bool {
        !matches!(
            self,
            Widget::Group | Widget::ObjectList | Widget::Item { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub path: FieldPath,
    /// The page the field is on.
    pub page: usize,
    /// `title` (or `ui:title`), else the property name.
    pub label: String,
    pub description: Option<String>,
    pub help: Option<String>,
    pub placeholder: Option<String>,
    pub widget: Widget,
    pub required: bool,
    pub readonly: bool,
    pub autofocus: bool,
    pub default: Option<Json>,
    /// Nesting below the page (0 for a page's own properties).
    pub depth: usize,
    /// The field's schema (conditionals resolved, no `ui:*` keys).
    pub schema: Json,
    /// Its uiSchema node.
    pub ui: Json,
}

impl Field {
    pub fn ui_option(&self, key: &str) -> Option<&Json> {
        self.ui.get("ui:options").and_then(|o| o.get(key))
    }

    /// Whether the form shows the field (hidden fields still hold values).
    pub fn is_shown(&self) -> bool {
        self.widget != Widget::Hidden
    }
}
