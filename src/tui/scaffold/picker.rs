//! The choosing popup: a filter line over a list, for catalogue pickers (EntityPicker and its
//! relatives, EntityTagsPicker) and for fixed choices (selects, checkbox groups, allowed repo
//! parts). One or many may be chosen; typed values are offered when the field allows them.

use super::editor::{line_editor, text_of};
use super::form::StopKey;
use crate::catalog::Catalog;
use crate::scaffold::form::Choice;
use crate::scaffold::pickers::{EntityPicker, PickerKind, TagsPicker};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use serde_json::Value as Json;
use tui_textarea::TextArea;

/// Where the items come from.
#[derive(Clone, Debug)]
pub enum Source {
    Entities(EntityPicker),
    Tags(TagsPicker),
    Choices(Vec<Choice>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub value: Json,
    pub label: String,
    pub detail: String,
    /// "Use what was typed" rather than a listed item.
    pub typed: bool,
}

/// What pickers look things up in: the open catalogue and who "I" am.
#[derive(Clone, Copy)]
pub struct PickContext<'a> {
    pub catalog: &'a Catalog,
    pub user: Option<&'a str>,
}

pub struct PickerPopup {
    /// The field (or repo part) the choice is for.
    pub target: StopKey,
    pub title: String,
    pub filter: TextArea<'static>,
    pub source: Source,
    /// Every item the source offers, with the text the filter matches against.
    pool: Vec<(String, Item)>,
    pub items: Vec<Item>,
    pub cursor: usize,
    pub multi: bool,
    /// Chosen so far (several-choice pickers), in the order chosen.
    pub marked: Vec<Json>,
    /// Why the list may be short or empty (no current user configured, …).
    pub note: Option<String>,
    /// A problem with the last attempt to choose.
    pub error: Option<String>,
}

/// What choosing produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Picked {
    One(Json),
    Many(Vec<Json>),
}

fn allows_typing(source: &Source) -> bool {
    match source {
        Source::Entities(p) => p.allow_arbitrary_values,
        Source::Tags(_) => true,
        Source::Choices(_) => false,
    }
}

fn user_note(source: &Source, user: Option<&str>) -> Option<String> {
    let Source::Entities(p) = source else {
        return None;
    };
    match (p.kind, user) {
        (PickerKind::OwnedEntity, None) => Some(
            "Lists what you own, but greenroom does not know who you are: set [scaffold] user = \"user:default/<you>\" in the config.".into(),
        ),
        (PickerKind::MyGroups, None) => Some(
            "Lists your groups, but greenroom does not know who you are: set [scaffold] user = \"user:default/<you>\" in the config.".into(),
        ),
        (PickerKind::OwnedEntity | PickerKind::MyGroups, Some(u)) => {
            Some(format!("You are {u} ([scaffold] user in the config)."))
        }
        _ => None,
    }
}

/// Everything a source offers, read once when the popup opens (a catalogue can be large;
/// typing then only filters this).
fn pool(source: &Source, cx: &PickContext) -> Vec<(String, Item)> {
    let item = |value: Json, label: String, detail: String| Item {
        value,
        label,
        detail,
        typed: false,
    };
    match source {
        Source::Entities(p) => p
            .candidates(cx.catalog, cx.user, "")
            .into_iter()
            .map(|c| {
                // What the core's picker matches: the ref and the display name.
                let hay = format!("{} {}", c.value, c.title);
                let detail = match &c.description {
                    Some(d) => format!("{} — {d}", c.title),
                    None => c.title.clone(),
                };
                (hay, item(Json::String(c.value.clone()), c.value, detail))
            })
            .collect(),
        Source::Tags(t) => t
            .suggestions(cx.catalog, "")
            .into_iter()
            .map(|(tag, n)| {
                let detail = format!("{n} entit{}", if n == 1 { "y" } else { "ies" });
                (tag.clone(), item(Json::String(tag.clone()), tag, detail))
            })
            .collect(),
        Source::Choices(choices) => choices
            .iter()
            .map(|c| {
                let raw = match &c.value {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let detail = if raw == c.label { String::new() } else { raw };
                (
                    c.label.clone(),
                    item(c.value.clone(), c.label.clone(), detail),
                )
            })
            .collect(),
    }
}

impl PickerPopup {
    pub fn new(
        target: StopKey,
        title: String,
        source: Source,
        multi: bool,
        current: Option<&Json>,
        typed: &str,
        cx: &PickContext,
    ) -> PickerPopup {
        let marked = match current {
            Some(Json::Array(items)) if multi => items.clone(),
            _ => Vec::new(),
        };
        let mut popup = PickerPopup {
            target,
            title,
            filter: line_editor(typed, "type to filter"),
            note: user_note(&source, cx.user),
            pool: pool(&source, cx),
            source,
            items: Vec::new(),
            cursor: 0,
            multi,
            marked,
            error: None,
        };
        popup.refilter();
        // Start on the current value of a one-choice picker.
        if let Some(v) = current
            && !multi
            && typed.is_empty()
            && let Some(i) = popup.items.iter().position(|i| &i.value == v)
        {
            popup.cursor = i;
        }
        popup
    }

    pub fn typed(&self) -> String {
        text_of(&self.filter).trim().to_owned()
    }

    /// The items for the filter text: best matches first (the source's order when nothing
    /// is typed), then what was typed when the field takes typed values.
    pub fn refilter(&mut self) {
        let typed = self.typed();
        let matcher = SkimMatcherV2::default().ignore_case();
        let mut scored: Vec<(i64, usize)> = self
            .pool
            .iter()
            .enumerate()
            .filter_map(|(i, (hay, _))| {
                if typed.is_empty() {
                    return Some((0, i));
                }
                matcher.fuzzy_match(hay, &typed).map(|s| (s, i))
            })
            .collect();
        scored.sort_by_key(|(s, i)| (std::cmp::Reverse(*s), *i));
        let mut items: Vec<Item> = scored
            .into_iter()
            .map(|(_, i)| self.pool[i].1.clone())
            .collect();
        if allows_typing(&self.source)
            && !typed.is_empty()
            && !items
                .iter()
                .any(|i| i.label == typed || i.value.as_str() == Some(typed.as_str()))
        {
            items.push(Item {
                value: Json::String(typed.clone()),
                label: format!("use “{typed}” as typed"),
                detail: String::new(),
                typed: true,
            });
        }
        self.items = items;
        self.cursor = self.cursor.min(self.items.len().saturating_sub(1));
        if !typed.is_empty() {
            self.cursor = 0;
        }
        self.error = None;
    }

    pub fn move_cursor(&mut self, to: usize) {
        self.cursor = to.min(self.items.len().saturating_sub(1));
    }

    /// The value an item stands for: typed text becomes a full entity ref (or is checked as
    /// a tag).
    fn value_of(&self, item: &Item) -> Result<Json, String> {
        if !item.typed {
            return Ok(item.value.clone());
        }
        let text = item.value.as_str().unwrap_or_default();
        match &self.source {
            Source::Entities(p) => p.value_for_text(text).map(Json::String),
            Source::Tags(_) => TagsPicker::check_tag(text).map(|()| Json::String(text.into())),
            Source::Choices(_) => Err("choose one of the listed values".into()),
        }
    }

    pub fn is_marked(&self, item: &Item) -> bool {
        self.marked.contains(&item.value)
    }

    /// Space in a several-choice picker: the highlighted item in or out of the choice.
    pub fn mark(&mut self) {
        let Some(item) = self.items.get(self.cursor).cloned() else {
            return;
        };
        match self.value_of(&item) {
            Ok(v) => {
                if let Some(i) = self.marked.iter().position(|m| *m == v) {
                    self.marked.remove(i);
                } else {
                    self.marked.push(v);
                }
                if item.typed {
                    self.filter = line_editor("", "type to filter");
                    self.refilter();
                }
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Enter: the highlighted item (one-choice), or everything marked (several; the
    /// highlighted item when nothing is marked). `Err` keeps the popup open with a reason.
    pub fn choose(&mut self) -> Result<Picked, String> {
        let current = self.items.get(self.cursor).cloned();
        let result = if self.multi {
            if self.marked.is_empty()
                && let Some(item) = &current
            {
                self.value_of(item).map(|v| Picked::Many(vec![v]))
            } else {
                Ok(Picked::Many(self.marked.clone()))
            }
        } else {
            match &current {
                Some(item) => self.value_of(item).map(Picked::One),
                None if self.typed().is_empty() => Err("nothing to choose".into()),
                None => Err("nothing matches; only listed values can be chosen".into()),
            }
        };
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn choices() -> Vec<Choice> {
        ["development", "staging", "production"]
            .iter()
            .map(|c| Choice {
                value: json!(c),
                label: (*c).to_owned(),
            })
            .collect()
    }

    fn key() -> StopKey {
        StopKey {
            path: Default::default(),
            part: None,
        }
    }

    #[test]
    fn choices_filter_and_choose() {
        let catalog = Catalog::default();
        let cx = PickContext {
            catalog: &catalog,
            user: None,
        };
        let mut p = PickerPopup::new(
            key(),
            "Environment".into(),
            Source::Choices(choices()),
            false,
            Some(&json!("staging")),
            "",
            &cx,
        );
        assert_eq!(p.cursor, 1, "starts on the current value");
        p.filter = line_editor("prod", "");
        p.refilter();
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.choose(), Ok(Picked::One(json!("production"))));
        p.filter = line_editor("zzz", "");
        p.refilter();
        assert!(p.choose().is_err(), "no typed values for fixed choices");
    }

    #[test]
    fn several_choices_are_marked_and_typed_tags_checked() {
        let catalog = Catalog::default();
        let cx = PickContext {
            catalog: &catalog,
            user: None,
        };
        let mut p = PickerPopup::new(
            key(),
            "Tags".into(),
            Source::Tags(TagsPicker { kinds: vec![] }),
            true,
            Some(&json!(["java"])),
            "Bad Tag",
            &cx,
        );
        assert!(p.items[0].typed);
        p.mark();
        assert!(p.error.as_deref().unwrap().contains("not a valid tag"));
        p.filter = line_editor("rust", "");
        p.refilter();
        p.mark();
        assert_eq!(
            p.choose(),
            Ok(Picked::Many(vec![json!("java"), json!("rust")]))
        );
    }
}
