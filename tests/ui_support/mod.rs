//! What the portal's TestBackend tests share: an app over a catalogue, key presses, and frames
//! drawn the way the runner draws them.
#![allow(dead_code)]

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use greenroom::catalog::Catalog;
use greenroom::search::SearchIndex;
use greenroom::sources::{self, LoadOptions, Source};
use greenroom::tui::app::{App, AppEvent, Settings};
use greenroom::tui::keymap::Keymap;
use greenroom::tui::theme::{ColorDepth, Theme};
use greenroom::tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;

/// Loads one source offline.
pub fn load(source: Box<dyn Source>) -> Catalog {
    let opts = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    sources::load(&[source], &opts)
}

/// The app with the default keymap and dark theme, the catalogue loaded and the first search
/// done. Hyperlinks are off so snapshots hold plain text.
pub fn app_with(catalog: Catalog, source: &str) -> App {
    let index = Arc::new(SearchIndex::build(&catalog));
    let mut app = App::new(
        Keymap::builtin("default").unwrap(),
        Theme::builtin("dark", ColorDepth::TrueColor).unwrap(),
        Settings {
            hyperlinks: false,
            ..Settings::default()
        },
        source.into(),
    );
    app.handle(AppEvent::Loaded(Box::new(catalog), index));
    app.run_searches_inline();
    app
}

/// A key press, with searches answered at once (the runner's worker would answer soon after).
pub fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    app.handle(AppEvent::Terminal(Event::Key(KeyEvent::new(
        code, modifiers,
    ))));
    app.run_searches_inline();
}

pub fn key(app: &mut App, code: KeyCode) {
    press(app, code, KeyModifiers::NONE);
}

pub fn ctrl(app: &mut App, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::CONTROL);
}

/// Types text; a newline is Enter.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        if c == '\n' {
            key(app, KeyCode::Enter);
        } else {
            key(app, KeyCode::Char(c));
        }
    }
}

/// Draws at a size. Two passes: the first settles scroll offsets the way the runner does.
pub fn render(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    for _ in 0..2 {
        let mut geometry = Default::default();
        terminal.draw(|f| geometry = views::draw(f, app)).unwrap();
        app.apply_geometry(geometry);
    }
    terminal
}

/// The screen's text, row by row.
pub fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
