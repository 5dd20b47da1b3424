//! What the portal's tests share: a headless session (the real session code over an inline
//! hub, so searches, reloads and runs finish before the call that asked for them returns),
//! key presses fed as greenroom input events, and frames drawn the way every session draws
//! them.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyModifiers};
use greenroom::catalog::Catalog;
use greenroom::sources::{self, LoadOptions, Source};
use greenroom::tui::app::{App, Effect, Settings};
use greenroom::tui::input::{self, Input};
use greenroom::tui::keymap::Keymap;
use greenroom::tui::session::{self, Session, SessionHost};
use greenroom::tui::theme::{ColorDepth, Theme};
use greenroom_hub::catalog::{CatalogLoader, FixedLoader, SourcesLoader};
use greenroom_hub::{Hub, StatusService};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;

/// Loads one source offline.
pub fn load(source: Box<dyn Source>) -> Catalog {
    sources::load(&[source], &offline())
}

pub fn offline() -> LoadOptions {
    LoadOptions {
        online: false,
        ..LoadOptions::default()
    }
}

/// A headless session: the app, driven through the session's own steps.
pub struct Portal {
    pub session: Session<std::io::Sink>,
}

impl std::ops::Deref for Portal {
    type Target = App;
    fn deref(&self) -> &App {
        &self.session.app
    }
}

impl std::ops::DerefMut for Portal {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.session.app
    }
}

/// The host of a headless session: links are never opened for real, only recorded.
pub struct HeadlessHost {
    pub opened: Arc<std::sync::Mutex<Vec<String>>>,
}

impl SessionHost for HeadlessHost {
    fn open_url(&mut self, _program: &std::path::Path, url: &str) -> std::io::Result<()> {
        self.opened.lock().unwrap().push(url.to_owned());
        Ok(())
    }
}

impl Portal {
    /// Feeds one input; the session answers the searches it asked for (as its hub would,
    /// soon after), and leaves every other effect queued for the test to look at.
    pub fn feed(&mut self, input: Input) {
        self.session.feed(input);
        self.searches();
    }

    /// Takes in what the hub has and answers searches only.
    pub fn searches(&mut self) {
        self.session
            .pump_where(&|e| matches!(e, Effect::Search { .. }));
    }

    /// Takes in what the hub has for the session and carries out every effect waiting
    /// (reloads and runs finish at once on the inline hub).
    pub fn pump(&mut self) {
        self.session.pump();
    }

    pub fn hub(&self) -> &Hub {
        self.session.hub()
    }
}

/// The app with the default keymap and dark theme. Hyperlinks are off so snapshots hold
/// plain text.
pub fn test_app(source: &str) -> App {
    App::new(
        Keymap::builtin("default").unwrap(),
        Theme::builtin("dark", ColorDepth::TrueColor).unwrap(),
        Settings {
            hyperlinks: false,
            ..Settings::default()
        },
        source.into(),
    )
}

/// A session on an inline hub over `loader`, the catalogue loaded and the first search done.
pub fn portal_with_loader(loader: Arc<dyn CatalogLoader>, app: App) -> Portal {
    let hub = Hub::inline(loader, StatusService::waiting());
    hub.catalog.reload();
    portal_on_hub(&hub, app)
}

/// Another session on a hub that may already have some.
pub fn portal_on_hub(hub: &Hub, app: App) -> Portal {
    let host = HeadlessHost {
        opened: Default::default(),
    };
    let session = Session::new(hub, app, std::io::sink(), (80, 24), Box::new(host)).unwrap();
    let mut portal = Portal { session };
    portal.pump();
    portal
}

/// The portal over a catalogue already read.
pub fn app_with(catalog: Catalog, source: &str) -> Portal {
    portal_with_loader(Arc::new(FixedLoader::new(catalog)), test_app(source))
}

/// The portal over sources read by the hub (so a reload reads them again).
pub fn app_on_sources(sources: Vec<Box<dyn Source>>, source: &str) -> Portal {
    portal_with_loader(
        Arc::new(SourcesLoader::new(sources, offline())),
        test_app(source),
    )
}

/// A key press, through the session.
pub fn press(app: &mut Portal, code: KeyCode, modifiers: KeyModifiers) {
    if let Some(input) = input::from_parts(code, modifiers) {
        app.feed(input);
    }
}

pub fn key(app: &mut Portal, code: KeyCode) {
    press(app, code, KeyModifiers::NONE);
}

pub fn ctrl(app: &mut Portal, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::CONTROL);
}

/// Types text; a newline is Enter.
pub fn type_text(app: &mut Portal, text: &str) {
    for input in Input::typed(text) {
        app.feed(input);
    }
}

/// Draws at a size with the sessions' frame code. Two passes: the first settles scroll
/// offsets the way a session's next frame does.
pub fn render(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    for _ in 0..2 {
        session::draw_frame(&mut terminal, app).unwrap();
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
