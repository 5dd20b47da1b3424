//! The "type to filter a list" component: a one-line input over a pool of items, the items
//! that match (ranked by the core's one matcher, `search::matcher`, so the same text ranks the
//! same in every list), a cursor, and the scroll window to draw. The templates list and the
//! scaffolder's pickers are this component; the palette ranks with the same matcher.
//!
//! The pool is read once (when the list opens or its source changes); typing only filters it,
//! and text that extends the previous text re-scores only what matched before (a fuzzy match
//! of the longer text is always a match of the shorter), so a keystroke in a large pool costs
//! the matches, not the pool.

use super::action::Action;
use super::scaffold::editor::{edit, line_editor, text_of};
use crate::search::matcher::{self, Matcher};
use crate::tui::theme::Role;
use tui_textarea::{Input, Key, TextArea};

pub struct FilterList<T> {
    input: TextArea<'static>,
    placeholder: String,
    /// Every item with the text it is matched by.
    pool: Vec<(String, T)>,
    /// Positions in the pool of the items that match, best first.
    shown: Vec<usize>,
    /// The text `shown` answers.
    shown_for: String,
    /// An item listed after the matches (the picker's "use what was typed").
    extra: Option<T>,
    pub cursor: usize,
}

impl<T> FilterList<T> {
    pub fn new(text: &str, placeholder: &str) -> FilterList<T> {
        FilterList {
            input: line_editor(text, placeholder),
            placeholder: placeholder.to_owned(),
            pool: Vec::new(),
            shown: Vec::new(),
            shown_for: String::new(),
            extra: None,
            cursor: 0,
        }
    }

    /// Replaces the pool (a new catalogue): filtered again, the cursor kept where it fits.
    pub fn set_pool(&mut self, pool: Vec<(String, T)>) {
        self.pool = pool;
        self.shown_for.clear();
        self.shown = self.rank(None);
        self.shown_for = self.typed();
        self.clamp();
    }

    pub fn pool(&self) -> &[(String, T)] {
        &self.pool
    }

    /// The input, to draw.
    pub fn input(&self) -> &TextArea<'static> {
        &self.input
    }

    /// What was typed, as typed.
    pub fn text(&self) -> String {
        text_of(&self.input)
    }

    /// What was typed, without surrounding spaces (what is matched).
    pub fn typed(&self) -> String {
        self.text().trim().to_owned()
    }

    /// A key for the input (ctrl-u clears; Enter is not text). True when the text changed.
    pub fn edit(&mut self, input: Input) -> bool {
        if input.key == Key::Enter || !edit(&mut self.input, input) {
            return false;
        }
        self.text_changed();
        true
    }

    /// Pasted or inserted text.
    pub fn insert_str(&mut self, text: &str) {
        self.input.insert_str(text);
        self.text_changed();
    }

    /// Empties the input. True when there was text.
    pub fn clear(&mut self) -> bool {
        if self.text().is_empty() {
            return false;
        }
        self.input = line_editor("", &self.placeholder);
        self.text_changed();
        true
    }

    fn text_changed(&mut self) {
        let typed = self.typed();
        if typed != self.shown_for {
            let within = Matcher::new(&typed)
                .narrows(&self.shown_for)
                .then(|| std::mem::take(&mut self.shown));
            self.shown = self.rank(within);
            self.shown_for = typed;
        }
        self.cursor = 0;
    }

    /// The pool positions matching the text, best first; `within` narrows to earlier matches
    /// (kept in pool order, so ties rank as they do over the whole pool).
    fn rank(&self, within: Option<Vec<usize>>) -> Vec<usize> {
        let m = Matcher::new(&self.text());
        match within {
            Some(mut earlier) => {
                earlier.sort_unstable();
                let hays = earlier.iter().map(|i| (*i, self.pool[*i].0.as_str()));
                matcher::rank_scored(&m, hays)
                    .into_iter()
                    .map(|(i, _)| i)
                    .collect()
            }
            None => {
                let hays = self.pool.iter().map(|(h, _)| h.as_str()).enumerate();
                matcher::rank_scored(&m, hays)
                    .into_iter()
                    .map(|(i, _)| i)
                    .collect()
            }
        }
    }

    /// Sets the item listed after the matches.
    pub fn set_extra(&mut self, extra: Option<T>) {
        self.extra = extra;
        self.clamp();
    }

    /// Pool positions of the matches, best first.
    pub fn shown(&self) -> &[usize] {
        &self.shown
    }

    /// How many rows the list has (the matches and the extra item).
    pub fn len(&self) -> usize {
        self.shown.len() + usize::from(self.extra.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, row: usize) -> Option<&T> {
        match self.shown.get(row) {
            Some(i) => Some(&self.pool[*i].1),
            None if row == self.shown.len() => self.extra.as_ref(),
            None => None,
        }
    }

    /// The rows, in order.
    pub fn items(&self) -> impl Iterator<Item = &T> {
        self.shown
            .iter()
            .map(|i| &self.pool[*i].1)
            .chain(self.extra.as_ref())
    }

    pub fn selected(&self) -> Option<&T> {
        self.get(self.cursor)
    }

    pub fn move_cursor(&mut self, to: usize) {
        self.cursor = to.min(self.len().saturating_sub(1));
    }

    fn clamp(&mut self) {
        self.move_cursor(self.cursor);
    }

    /// Moves the cursor for a movement action; false for any other action.
    pub fn step(&mut self, action: Action, page: usize) -> bool {
        let to = match action {
            Action::Up => self.cursor.saturating_sub(1),
            Action::Down => self.cursor + 1,
            Action::PageUp => self.cursor.saturating_sub(page),
            Action::PageDown => self.cursor + page,
            Action::Top => 0,
            Action::Bottom => usize::MAX,
            _ => return false,
        };
        self.move_cursor(to);
        true
    }

    /// Draws the input line in the theme's colours.
    pub fn draw_input(
        &self,
        frame: &mut ratatui::Frame,
        area: ratatui::layout::Rect,
        theme: &super::theme::Theme,
    ) {
        let mut line = self.input.clone();
        line.set_style(theme.style(Role::Text));
        line.set_placeholder_style(theme.style(Role::Muted));
        line.set_cursor_style(theme.style(Role::Selection));
        frame.render_widget(&line, area);
    }

    /// The first row to draw in `visible` rows so that the cursor is in view.
    pub fn offset(&self, visible: usize) -> usize {
        self.cursor.saturating_sub(visible.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn typed(list: &mut FilterList<&'static str>, text: &str) {
        for c in text.chars() {
            list.edit(Input::from(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }

    fn list(names: &[&'static str]) -> FilterList<&'static str> {
        let mut l = FilterList::new("", "type to filter");
        l.set_pool(names.iter().map(|n| (n.to_string(), *n)).collect());
        l
    }

    const NAMES: &[&str] = &[
        "typescript-library",
        "rust-axum-service",
        "techdocs-site",
        "go-kafka-consumer",
        "nextjs-website",
        "rust-cli",
    ];

    #[test]
    fn typing_ranks_with_the_core_matcher_and_narrowing_changes_nothing() {
        let mut l = list(NAMES);
        assert_eq!(l.len(), NAMES.len());
        for prefix in ["r", "ru", "rus", "rust", "rust ", "rust s"] {
            l.clear();
            typed(&mut l, prefix);
            let want = matcher::rank(prefix, NAMES.iter().copied());
            assert_eq!(l.shown(), &want[..], "{prefix:?} typed at once");
        }
        // Typed one key at a time (narrowing each step) gives the same as typed at once.
        l.clear();
        typed(&mut l, "st");
        assert_eq!(l.shown(), &matcher::rank("st", NAMES.iter().copied())[..]);
    }

    #[test]
    fn cursor_moves_within_the_rows_and_resets_on_typing() {
        let mut l = list(NAMES);
        assert!(l.step(Action::Bottom, 3));
        assert_eq!(l.cursor, NAMES.len() - 1);
        assert!(l.step(Action::PageUp, 3));
        assert_eq!(l.cursor, NAMES.len() - 4);
        assert!(!l.step(Action::Open, 3));
        typed(&mut l, "rust");
        assert_eq!(l.cursor, 0);
        assert_eq!(l.selected(), Some(&"rust-axum-service"));
        l.set_extra(Some("use “rust” as typed"));
        assert_eq!(l.len(), 3);
        l.step(Action::Bottom, 3);
        assert_eq!(l.selected(), Some(&"use “rust” as typed"));
        assert_eq!(l.offset(2), 1);
    }

    #[test]
    fn ctrl_u_clears_and_enter_is_not_text() {
        let mut l = list(NAMES);
        typed(&mut l, "kafka");
        assert_eq!(l.len(), 1);
        assert!(!l.edit(Input::from(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE
        ))));
        assert!(l.edit(Input::from(KeyEvent::new(
            KeyCode::Char('u'),
            KeyModifiers::CONTROL
        ))));
        assert_eq!(l.text(), "");
        assert_eq!(l.len(), NAMES.len());
    }
}
