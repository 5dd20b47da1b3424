//! The one popup stack: everything drawn over the screen that takes the keys while open —
//! help, the palette, a one-line prompt, the docs search, a detail view, and the scaffolder's
//! chooser, question and target prompt — in one `Vec`, the top in front. Esc pops the top,
//! showing what was under it. The scaffolder's popup belongs to its form, so it sits under any
//! overlay opened after it, and only one of it is open at a time (`set_scaffold` replaces it).

use super::app::live_screens::NameInput;
use super::app::{Detail, PaletteState};
use super::entity::docs::SearchOverlay;
use super::scaffold;

/// One entry of the stack.
pub enum Overlay {
    Help {
        scroll: usize,
        /// `/`: the keys kept by what is typed.
        filter: Option<Box<super::app::HelpFilter>>,
    },
    Palette(Box<PaletteState>),
    /// A one-line prompt (a layout's name, a tab's filter, a find, a reason).
    Input(Box<NameInput>),
    /// Search every docs site, or find in the docs page on screen.
    DocsSearch(Box<SearchOverlay>),
    /// A value shown whole (a long annotation), or the entity as loaded.
    Detail(Box<Detail>),
    /// The scaffolder's popup over its form (drawn by the scaffolder's view).
    Scaffold(scaffold::Popup),
}

impl Overlay {
    fn is_scaffold(&self) -> bool {
        matches!(self, Overlay::Scaffold(_))
    }
}

/// The stack, bottom first.
#[derive(Default)]
pub struct Popups {
    stack: Vec<Overlay>,
}

impl Popups {
    /// Everything open, bottom first.
    pub fn iter(&self) -> impl Iterator<Item = &Overlay> {
        self.stack.iter()
    }

    pub fn len(&self) -> usize {
        self.stack.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }

    /// The popup in front, whatever it is.
    pub fn top(&self) -> Option<&Overlay> {
        self.stack.last()
    }

    /// Opens `overlay` in front of everything.
    pub fn push(&mut self, overlay: Overlay) {
        self.stack.push(overlay);
    }

    /// The overlay in front when it is not the scaffolder's popup (those answer to the
    /// scaffolder's screens, through [`Popups::scaffold`]).
    pub fn overlay(&self) -> Option<&Overlay> {
        self.stack.last().filter(|o| !o.is_scaffold())
    }

    pub fn overlay_mut(&mut self) -> Option<&mut Overlay> {
        self.stack.last_mut().filter(|o| !o.is_scaffold())
    }

    /// Closes the overlay in front (not the scaffolder's popup); the one under it, if any, is
    /// in front again. Returns what was closed.
    pub fn pop_overlay(&mut self) -> Option<Overlay> {
        if self.overlay().is_some() {
            self.stack.pop()
        } else {
            None
        }
    }

    /// Closes every overlay over the screen (the scaffolder's popup stays with its form).
    pub fn close_overlays(&mut self) {
        self.stack.retain(Overlay::is_scaffold);
    }

    /// The scaffolder's popup, if one is open.
    pub fn scaffold(&self) -> Option<&scaffold::Popup> {
        self.stack.iter().rev().find_map(|o| match o {
            Overlay::Scaffold(p) => Some(p),
            _ => None,
        })
    }

    pub fn scaffold_mut(&mut self) -> Option<&mut scaffold::Popup> {
        self.stack.iter_mut().rev().find_map(|o| match o {
            Overlay::Scaffold(p) => Some(p),
            _ => None,
        })
    }

    /// Takes the scaffolder's popup off the stack.
    pub fn take_scaffold(&mut self) -> Option<scaffold::Popup> {
        let at = self.stack.iter().rposition(Overlay::is_scaffold)?;
        match self.stack.remove(at) {
            Overlay::Scaffold(p) => Some(p),
            _ => None,
        }
    }

    /// Opens the scaffolder's popup in place of the one open (under any overlay).
    pub fn set_scaffold(&mut self, popup: scaffold::Popup) {
        let at = match self.stack.iter().rposition(Overlay::is_scaffold) {
            Some(at) => {
                self.stack.remove(at);
                at
            }
            None => self
                .stack
                .iter()
                .position(|o| !o.is_scaffold())
                .unwrap_or(self.stack.len()),
        };
        self.stack.insert(at, Overlay::Scaffold(popup));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirm(q: &str) -> scaffold::Popup {
        scaffold::Popup::Confirm(scaffold::Confirm {
            question: q.into(),
            yes: scaffold::OnYes::Discard,
        })
    }

    fn question(p: Option<&scaffold::Popup>) -> Option<&str> {
        match p {
            Some(scaffold::Popup::Confirm(c)) => Some(&c.question),
            _ => None,
        }
    }

    #[test]
    fn esc_pops_the_top_and_shows_what_was_under_it() {
        let mut p = Popups::default();
        p.push(Overlay::Help {
            scroll: 3,
            filter: None,
        });
        p.push(Overlay::Help {
            scroll: 7,
            filter: None,
        });
        assert_eq!(p.len(), 2);
        assert!(matches!(
            p.pop_overlay(),
            Some(Overlay::Help { scroll: 7, .. })
        ));
        assert!(matches!(p.overlay(), Some(Overlay::Help { scroll: 3, .. })));
        assert!(p.pop_overlay().is_some());
        assert!(p.pop_overlay().is_none());
        assert!(p.is_empty());
    }

    #[test]
    fn the_scaffolders_popup_stays_under_overlays_and_is_not_popped_as_one() {
        let mut p = Popups::default();
        p.push(Overlay::Help {
            scroll: 0,
            filter: None,
        });
        p.set_scaffold(confirm("first?"));
        // Opened under the help overlay: the overlay is still in front.
        assert!(matches!(p.top(), Some(Overlay::Help { .. })));
        assert_eq!(question(p.scaffold()), Some("first?"));
        // Replaced in place, never two.
        p.set_scaffold(confirm("second?"));
        assert_eq!(p.len(), 2);
        assert_eq!(question(p.scaffold()), Some("second?"));
        p.close_overlays();
        assert_eq!(p.len(), 1);
        assert!(p.overlay().is_none() && p.pop_overlay().is_none());
        assert_eq!(question(p.take_scaffold().as_ref()), Some("second?"));
        assert!(p.is_empty());
    }
}
