//! The choosing popup: a filter line over a list, for catalogue pickers (EntityPicker and its
//! relatives, EntityTagsPicker) and for fixed choices (selects, checkbox groups, allowed repo
//! parts). One or many may be chosen; typed values are offered when the field allows them.

use super::form::StopKey;
use crate::catalog::Catalog;
use crate::scaffold::form::Choice;
use crate::scaffold::pickers::{EntityPicker, PickerKind, TagsPicker};
use crate::tui::filter_list::FilterList;
use serde_json::Value as Json;
use tui_textarea::Input;

/// Where the items come from.
#[derive(Clone, Debug)]
pub enum PickSource {
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
    /// The filter over every item the source offers (read once when the popup opens), and
    /// "use what was typed" after the matches when the field takes typed values.
    pub list: FilterList<Item>,
    pub source: PickSource,
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

fn allows_typing(source: &PickSource) -> bool {
    match source {
        PickSource::Entities(p) => p.allow_arbitrary_values,
        PickSource::Tags(_) => true,
        PickSource::Choices(_) => false,
    }
}

fn user_note(source: &PickSource, user: Option<&str>) -> Option<String> {
    let PickSource::Entities(p) = source else {
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

const PLACEHOLDER: &str = "type to filter";

/// Everything a source offers, read once when the popup opens (a catalogue can be large;
/// typing then only filters this).
fn pool(source: &PickSource, cx: &PickContext) -> Vec<(String, Item)> {
    let item = |value: Json, label: String, detail: String| Item {
        value,
        label,
        detail,
        typed: false,
    };
    match source {
        PickSource::Entities(p) => p
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
        PickSource::Tags(t) => t
            .suggestions(cx.catalog, "")
            .into_iter()
            .map(|(tag, n)| {
                let detail = format!("{n} entit{}", if n == 1 { "y" } else { "ies" });
                (tag.clone(), item(Json::String(tag.clone()), tag, detail))
            })
            .collect(),
        PickSource::Choices(choices) => choices
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
        source: PickSource,
        multi: bool,
        current: Option<&Json>,
        typed: &str,
        cx: &PickContext,
    ) -> PickerPopup {
        let marked = match current {
            Some(Json::Array(items)) if multi => items.clone(),
            _ => Vec::new(),
        };
        let mut list = FilterList::new(typed, PLACEHOLDER);
        list.set_pool(pool(&source, cx));
        let mut popup = PickerPopup {
            target,
            title,
            list,
            note: user_note(&source, cx.user),
            source,
            multi,
            marked,
            error: None,
        };
        popup.text_changed();
        // Start on the current value of a one-choice picker.
        let at = current
            .filter(|_| !multi && typed.is_empty())
            .and_then(|v| popup.list.items().position(|i| &i.value == v));
        if let Some(i) = at {
            popup.list.cursor = i;
        }
        popup
    }

    /// The rows: the matches, best first, then what was typed when the field takes it.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.list.items()
    }

    pub fn cursor(&self) -> usize {
        self.list.cursor
    }

    /// A key for the filter line.
    pub fn edit(&mut self, input: Input) {
        if self.list.edit(input) {
            self.text_changed();
        }
    }

    /// Pasted text, or a space typed in a one-choice picker.
    pub fn insert_str(&mut self, text: &str) {
        self.list.insert_str(text);
        self.text_changed();
    }

    /// Replaces the filter text.
    pub fn set_filter(&mut self, text: &str) {
        self.list.clear();
        self.insert_str(text);
    }

    pub fn typed(&self) -> String {
        self.list.typed()
    }

    /// After the filter text changed: offers what was typed (when the field takes typed
    /// values and no listed item is it), and forgets the last error.
    fn text_changed(&mut self) {
        let typed = self.typed();
        let listed = |i: &Item| i.label == typed || i.value.as_str() == Some(typed.as_str());
        let offer = allows_typing(&self.source)
            && !typed.is_empty()
            && !self
                .list
                .shown()
                .iter()
                .any(|i| listed(&self.list.pool()[*i].1));
        self.list.set_extra(offer.then(|| Item {
            value: Json::String(typed.clone()),
            label: format!("use “{typed}” as typed"),
            detail: String::new(),
            typed: true,
        }));
        self.error = None;
    }

    pub fn move_cursor(&mut self, to: usize) {
        self.list.move_cursor(to);
    }

    /// The value an item stands for: typed text becomes a full entity ref (or is checked as
    /// a tag).
    fn value_of(&self, item: &Item) -> Result<Json, String> {
        if !item.typed {
            return Ok(item.value.clone());
        }
        let text = item.value.as_str().unwrap_or_default();
        match &self.source {
            PickSource::Entities(p) => p.value_for_text(text).map(Json::String),
            PickSource::Tags(_) => TagsPicker::check_tag(text).map(|()| Json::String(text.into())),
            PickSource::Choices(_) => Err("choose one of the listed values".into()),
        }
    }

    pub fn is_marked(&self, item: &Item) -> bool {
        self.marked.contains(&item.value)
    }

    /// Space in a several-choice picker: the highlighted item in or out of the choice.
    pub fn mark(&mut self) {
        let Some(item) = self.list.selected().cloned() else {
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
                    self.set_filter("");
                }
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Enter: the highlighted item (one-choice), or everything marked (several; the
    /// highlighted item when nothing is marked). `Err` keeps the popup open with a reason.
    pub fn choose(&mut self) -> Result<Picked, String> {
        let current = self.list.selected().cloned();
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
            PickSource::Choices(choices()),
            false,
            Some(&json!("staging")),
            "",
            &cx,
        );
        assert_eq!(p.cursor(), 1, "starts on the current value");
        p.set_filter("prod");
        assert_eq!(p.items().count(), 1);
        assert_eq!(p.choose(), Ok(Picked::One(json!("production"))));
        p.set_filter("zzz");
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
            PickSource::Tags(TagsPicker { kinds: vec![] }),
            true,
            Some(&json!(["java"])),
            "Bad Tag",
            &cx,
        );
        assert!(p.items().next().unwrap().typed);
        p.mark();
        assert!(p.error.as_deref().unwrap().contains("not a valid tag"));
        p.set_filter("rust");
        p.mark();
        assert_eq!(
            p.choose(),
            Ok(Picked::Many(vec![json!("java"), json!("rust")]))
        );
    }
}
