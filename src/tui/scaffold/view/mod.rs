//! Drawing the scaffolder's screens: the templates list, a template's form, the review, a
//! run's progress, a dry run's files, and the popups over them. Pure functions of the app's
//! state; every string from a template, the catalogue or a run is sanitised here.

mod form;
mod popup;
mod preview;
mod progress;
mod review;
mod templates;

use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::scaffold::form::StopKind;
use crate::tui::scaffold::wizard::Stage;
use crate::tui::scaffold::{Popup, Showing, showing};
use ratatui::Frame;
use ratatui::layout::Rect;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(showing) = showing(app) else {
        return;
    };
    let wizard = app.scaffold.wizard.as_deref();
    match (showing, wizard) {
        (Showing::Wizard(Stage::Form), Some(w)) => form::draw(frame, app, w, area),
        (Showing::Wizard(Stage::Review), Some(w)) => review::draw(frame, app, w, area),
        (Showing::Wizard(Stage::DryRun), Some(w)) if !w.running() => {
            preview::draw(frame, app, w, area)
        }
        (Showing::Wizard(Stage::DryRun | Stage::Create), Some(w)) => {
            progress::draw(frame, app, w, area)
        }
        _ => templates::draw(frame, app, area),
    }
    popup::draw(frame, app, area);
}

/// Whether a scaffolder action's hint fits the state on screen: the focused field's kind, a
/// several-choice picker, a run going or ended, a Template entity selected.
pub fn hint_fits(app: &App, action: Action) -> bool {
    use Action::*;
    let w = app.scaffold.wizard.as_deref();
    let stop = w.and_then(|w| w.form.focused()).map(|s| s.kind);
    let running = w.and_then(|w| w.run.as_ref()).is_some_and(|r| r.running());
    match action {
        ScaffoldStart => showing(app) == Some(Showing::Templates) || template_selected(app),
        FormToggle => matches!(stop, Some(StopKind::Toggle | StopKind::Checkboxes)),
        ChoiceNext => matches!(stop, Some(StopKind::Select | StopKind::Checkboxes)),
        FormActivate => matches!(stop, Some(StopKind::Select | StopKind::Picker)),
        ItemAdd => matches!(stop, Some(StopKind::List)),
        ItemRemove => matches!(stop, Some(StopKind::Item)),
        PickerMark => matches!(app.popups.scaffold(), Some(Popup::Picker(p)) if p.multi),
        CopyLink | Templates => !running,
        _ => true,
    }
}

/// Whether a Template entity is selected or open: it can be used from there.
fn template_selected(app: &App) -> bool {
    app.current_entity()
        .and_then(|k| app.catalog.get(&k).map(|e| e.is_kind("Template")))
        .unwrap_or(false)
}

/// The first key bound to an action in `contexts` (for prose like "ctrl-s: Next"; the
/// screen's own contexts, not a popup's that may be open over it).
pub fn key_for(app: &App, contexts: &[Context], action: Action) -> String {
    app.keymap
        .keys_for(contexts, action)
        .into_iter()
        .next()
        .unwrap_or_else(|| format!(": {}", action.name()))
}

/// Words wrapped to `width` columns (words longer than a line are cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in para.split(' ') {
            let w = word.width();
            if used > 0 && used + 1 + w > width {
                out.push(std::mem::take(&mut line));
                used = 0;
            }
            if used > 0 {
                line.push(' ');
                used += 1;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
        }
        out.push(line);
    }
    out
}

/// A centred rectangle of at most `width`×`height`, always inside `area`.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width
        .min(area.width.saturating_sub(2))
        .max(1)
        .min(area.width);
    let h = height
        .min(area.height.saturating_sub(2))
        .max(1)
        .min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        for w in 0..5 {
            assert!(
                wrap("some words here", w)
                    .iter()
                    .all(|l| l.width() <= w.max(1))
            );
        }
    }

    #[test]
    fn centred_stays_inside_any_area() {
        for (w, h) in [(0, 0), (1, 1), (3, 2), (80, 24)] {
            let area = Rect::new(5, 5, w, h);
            let r = centred(area, 100, 100);
            assert!(r.right() <= area.right().max(r.x) && r.bottom() <= area.bottom().max(r.y));
            assert!(r.x >= area.x && r.y >= area.y);
        }
    }
}
