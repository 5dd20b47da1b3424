//! The templates view's state: every Template entity of the open catalogue, read once per
//! catalogue, fuzzy-filtered by what is typed.

use super::editor::{line_editor, text_of};
use crate::catalog::Catalog;
use crate::scaffold::{Form, Template, templates};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use std::sync::Arc;
use tui_textarea::TextArea;

/// One template as listed.
pub struct TemplateEntry {
    /// The entity's key in the catalogue.
    pub key: String,
    /// The template, or why it cannot run here.
    pub template: Result<Template, String>,
    pub title: String,
    pub name: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub kind: Option<String>,
    pub tags: Vec<String>,
    /// Page titles with how many fields each has now.
    pub pages: Vec<(String, usize)>,
    /// `(name, action)` of each step.
    pub steps: Vec<(String, String)>,
}

impl TemplateEntry {
    fn new(e: &crate::catalog::Entity) -> TemplateEntry {
        let template = Template::from_entity(e).map_err(|e| e.to_string());
        let (pages, steps) = match &template {
            Ok(t) => {
                let form = Form::new(t);
                (
                    form.pages()
                        .iter()
                        .map(|p| (p.title.clone(), form.visible_fields(p.index).len()))
                        .collect(),
                    t.steps
                        .iter()
                        .map(|s| (s.name.clone(), s.action.clone()))
                        .collect(),
                )
            }
            Err(_) => (Vec::new(), Vec::new()),
        };
        TemplateEntry {
            key: e.key.clone(),
            title: e.display_name().to_owned(),
            name: e.name().to_owned(),
            description: e.description().map(str::to_owned),
            owner: crate::tui::rows::owner_of(e),
            kind: e.spec_type().map(str::to_owned),
            tags: e.tags().map(str::to_owned).collect(),
            template,
            pages,
            steps,
        }
    }

    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.title,
            self.name,
            self.tags.join(" "),
            self.owner.as_deref().unwrap_or_default(),
            self.description.as_deref().unwrap_or_default()
        )
    }
}

pub struct TemplatesState {
    pub filter: TextArea<'static>,
    pub entries: Vec<TemplateEntry>,
    /// Entries matching the filter, best first.
    pub shown: Vec<usize>,
    pub cursor: usize,
    /// The catalogue the entries were read from.
    source: Option<Arc<Catalog>>,
}

impl Default for TemplatesState {
    fn default() -> Self {
        TemplatesState {
            filter: line_editor("", "type to filter templates: name, tag, owner, words"),
            entries: Vec::new(),
            shown: Vec::new(),
            cursor: 0,
            source: None,
        }
    }
}

impl TemplatesState {
    /// Reads the templates again when the catalogue changed (loaded, reloaded, registered).
    pub fn sync(&mut self, catalog: &Arc<Catalog>) {
        if self
            .source
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, catalog))
        {
            return;
        }
        let selected = self.selected().map(|e| e.key.clone());
        self.entries = templates(catalog)
            .into_iter()
            .map(TemplateEntry::new)
            .collect();
        self.source = Some(catalog.clone());
        self.refilter();
        if let Some(k) = selected {
            self.select(&k);
        }
    }

    pub fn text(&self) -> String {
        text_of(&self.filter)
    }

    pub fn refilter(&mut self) {
        let text = self.text();
        let text = text.trim();
        let matcher = SkimMatcherV2::default().ignore_case();
        let mut scored: Vec<(i64, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                if text.is_empty() {
                    return Some((0, i));
                }
                matcher.fuzzy_match(&e.haystack(), text).map(|s| (s, i))
            })
            .collect();
        scored.sort_by_key(|(s, i)| (std::cmp::Reverse(*s), *i));
        self.shown = scored.into_iter().map(|(_, i)| i).collect();
        self.cursor = 0;
    }

    pub fn clear(&mut self) {
        self.filter = TemplatesState::default().filter;
        self.refilter();
    }

    pub fn selected(&self) -> Option<&TemplateEntry> {
        self.shown.get(self.cursor).map(|i| &self.entries[*i])
    }

    /// Puts the cursor on a template (clearing a filter that hides it).
    pub fn select(&mut self, key: &str) {
        if !self.shown.iter().any(|i| self.entries[*i].key == key) {
            self.clear();
        }
        if let Some(at) = self.shown.iter().position(|i| self.entries[*i].key == key) {
            self.cursor = at;
        }
    }

    pub fn move_cursor(&mut self, to: usize) {
        self.cursor = to.min(self.shown.len().saturating_sub(1));
    }
}
