//! The watch workspace: panes each holding a pinned entity (or one widget of it), kept while
//! the portal runs, and the named layouts saved in the config file.

use super::layouts::{LayoutSpec, LayoutTree};
use super::panes::PaneTree;
use crate::status::Target;
use std::path::PathBuf;

/// What a pane shows: an entity, or one widget of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    pub entity: String,
    /// A widget name (`builds`, `metric`, ...); none for the whole entity.
    pub widget: Option<String>,
    /// Which one of several widgets of that name (a metric's query).
    pub label: Option<String>,
}

impl Pin {
    pub fn entity(key: &str) -> Pin {
        Pin {
            entity: key.to_owned(),
            widget: None,
            label: None,
        }
    }

    /// Just this target's widget of the entity.
    pub fn widget(key: &str, target: &Target) -> Pin {
        Pin {
            entity: key.to_owned(),
            widget: Some(target.widget.as_str().to_owned()),
            label: Some(target.label.clone()),
        }
    }

    /// Whether the pane shows this target of its entity.
    pub fn shows(&self, t: &Target) -> bool {
        self.widget
            .as_deref()
            .is_none_or(|w| w == t.widget.as_str())
            && self.label.as_deref().is_none_or(|l| l == t.label)
    }
}

pub type Panes = PaneTree<Option<Pin>>;

#[derive(Default)]
pub struct Watch {
    pub panes: Panes,
    /// Bumped on every change to the panes, so what is fetched is worked out only then.
    pub version: u64,
    /// Layouts saved in the config file.
    pub saved: Vec<LayoutSpec>,
    /// Where layouts are saved.
    pub config_file: Option<PathBuf>,
    /// The name of the layout last opened or saved: offered when saving again.
    pub name: Option<String>,
}

impl Watch {
    pub fn changed(&mut self) {
        self.version += 1;
    }

    /// Pins into the focused pane when it is empty, else into a new pane where there is
    /// most room. Returns the pane's number; `Err` with the number of the pane that already
    /// shows this pin (now focused) instead of a second pane with the same thing.
    pub fn pin(&mut self, pin: Pin) -> Result<usize, usize> {
        let same = self.panes.panes().into_iter().find(|id| {
            self.panes
                .get(*id)
                .is_some_and(|p| p.as_ref() == Some(&pin))
        });
        if let Some(id) = same {
            self.panes.set_focus(id);
            self.changed();
            return Err(self.panes.number(id).unwrap_or(1));
        }
        let id = match self.panes.focused_mut() {
            Some(slot @ None) => {
                *slot = Some(pin);
                self.panes.focus().unwrap_or_default()
            }
            _ => self.panes.add_where_roomy(Some(pin)),
        };
        self.changed();
        Ok(self.panes.number(id).unwrap_or(1))
    }

    /// Opens a saved layout.
    pub fn open(&mut self, spec: &LayoutSpec) -> Result<(), String> {
        self.panes = spec.to_tree()?;
        self.name = Some(spec.name.clone());
        self.changed();
        Ok(())
    }

    /// Records a layout saved under its name (replacing one of the same name).
    pub fn remember(&mut self, spec: LayoutSpec) {
        self.name = Some(spec.name.clone());
        match self.saved.iter_mut().find(|l| l.name == spec.name) {
            Some(old) => *old = spec,
            None => self.saved.push(spec),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_fill_the_focused_empty_pane_then_make_room() {
        let mut w = Watch::default();
        assert_eq!(w.pin(Pin::entity("component:default/a")), Ok(1));
        w.panes.split(super::super::panes::Split::Right, None);
        let n = w.pin(Pin::entity("component:default/b"));
        assert_eq!(n, Ok(2), "the empty focused pane took it");
        assert_eq!(w.panes.len(), 2);
        w.pin(Pin::entity("component:default/c")).unwrap();
        assert_eq!(w.panes.len(), 3);
        assert!(w.version >= 3);
        // The same pin again: no new pane; the one showing it is focused.
        assert_eq!(w.pin(Pin::entity("component:default/a")), Err(1));
        assert_eq!(w.panes.len(), 3);
        assert_eq!(w.panes.number(w.panes.focus().unwrap()), Some(1));
    }
}
