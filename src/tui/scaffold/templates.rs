//! The templates view's state: every Template entity of the open catalogue, read once per
//! catalogue, fuzzy-filtered by what is typed.

use crate::catalog::Catalog;
use crate::scaffold::{Form, Template, templates};
use crate::tui::filter_list::FilterList;
use std::sync::Arc;

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

/// The key of a Port CREATE action's entry.
pub const PORT_KEY: &str = "port-action:";

impl TemplateEntry {
    /// A Port CREATE action, listed beside the templates.
    fn port(action: &crate::sources::port::actions::PortAction) -> TemplateEntry {
        let template = action.template();
        let form = Form::new(&template);
        TemplateEntry {
            key: format!("{PORT_KEY}{}", action.identifier),
            title: action.title.clone(),
            name: action.identifier.clone(),
            description: action.description.clone(),
            owner: None,
            kind: Some("Port action".into()),
            tags: vec!["port".into()],
            pages: form
                .pages()
                .iter()
                .map(|p| (p.title.clone(), form.visible_fields(p.index).len()))
                .collect(),
            steps: template
                .steps
                .iter()
                .map(|s| (s.name.clone(), s.action.clone()))
                .collect(),
            template: Ok(template),
        }
    }

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
            owner: crate::tui::entity::rows::owner_of(e),
            kind: e.spec_type().map(str::to_owned),
            tags: e.tags().map(str::to_owned).collect(),
            template,
            pages,
            steps,
        }
    }

    /// The text the filter matches: title, name, tags, owner, description.
    pub fn haystack(&self) -> String {
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
    /// The filter over the entries (items are positions in `entries`).
    pub list: FilterList<usize>,
    pub entries: Vec<TemplateEntry>,
    /// The catalogue the entries were read from.
    source: Option<Arc<Catalog>>,
    /// Port's CREATE actions, listed after the templates.
    port: Vec<crate::sources::port::actions::PortAction>,
}

const PLACEHOLDER: &str = "type to filter templates: name, tag, owner, words";

impl Default for TemplatesState {
    fn default() -> Self {
        TemplatesState {
            list: FilterList::new("", PLACEHOLDER),
            entries: Vec::new(),
            source: None,
            port: Vec::new(),
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
            .chain(self.port.iter().map(TemplateEntry::port))
            .collect();
        self.source = Some(catalog.clone());
        self.list.set_pool(
            self.entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.haystack(), i))
                .collect(),
        );
        self.list.cursor = 0;
        if let Some(k) = selected {
            self.select(&k);
        }
    }

    /// Port's CREATE actions (read from Port) join the list.
    pub fn set_port_actions(&mut self, actions: Vec<crate::sources::port::actions::PortAction>) {
        self.port = actions;
        if let Some(c) = self.source.take() {
            self.sync(&c);
        }
    }

    pub fn text(&self) -> String {
        self.list.text()
    }

    /// Entries matching the filter, best first (positions in `entries`).
    pub fn shown(&self) -> &[usize] {
        self.list.shown()
    }

    pub fn cursor(&self) -> usize {
        self.list.cursor
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }

    pub fn selected(&self) -> Option<&TemplateEntry> {
        self.list.selected().map(|i| &self.entries[*i])
    }

    /// Puts the cursor on a template (clearing a filter that hides it).
    pub fn select(&mut self, key: &str) {
        if !self.shown().iter().any(|i| self.entries[*i].key == key) {
            self.clear();
        }
        if let Some(at) = self
            .shown()
            .iter()
            .position(|i| self.entries[*i].key == key)
        {
            self.list.cursor = at;
        }
    }

    pub fn move_cursor(&mut self, to: usize) {
        self.list.move_cursor(to);
    }
}
