//! What a keystroke costs end to end, as a user feels it: the key goes to the real `App`, its
//! search hops to the real search worker thread, the answer comes back as an event, and the
//! frame is drawn into a ratatui `TestBackend` (80×24). Realistic queries are typed and then
//! erased with backspace; each keystroke is timed from the key to the first frame showing its
//! results. A second pass types each query as one burst (faster than results arrive) and
//! times the last key to the settled frame. Prints p50/p90/p99/max.
//!
//! `cargo bench --bench keystroke_frame [-- ENTITIES]` (default 100000; 1000000 with
//! `GREENROOM_BENCH_1M=1` or `-- 1000000`).

#[path = "common/mod.rs"]
mod common;

use crossterm::event::{Event, KeyCode, KeyEvent};
use greenroom::search::SearchIndex;
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use greenroom::tui::app::{App, AppEvent, Effect, Settings};
use greenroom::tui::keymap::Keymap;
use greenroom::tui::search_worker::{Request, SearchWorker};
use greenroom::tui::theme::{ColorDepth, Theme};
use greenroom::tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const QUERIES: &[&str] = &[
    "checkout",
    "payments api",
    "kind:component pay",
    "owner:team-payments search",
    "tag:java order",
    "-lifecycle:deprecated ticket",
    "scanner eu",
    "wallet-sdk",
    "fraud worker us",
    "lifecycle:production refund",
    "\"seat map\"",
    "inventory-db-apac",
    "e",
];

struct Harness {
    app: App,
    worker: SearchWorker,
    events: UnboundedReceiver<AppEvent>,
    terminal: Terminal<TestBackend>,
}

impl Harness {
    /// Hands the app's searches to the worker, as the runner does.
    fn dispatch(&mut self) {
        for effect in self.app.take_effects() {
            if let Effect::Search {
                generation,
                query,
                within,
            } = effect
            {
                self.worker.request(Request {
                    index: self.app.index.clone(),
                    generation,
                    query,
                    within,
                });
            }
        }
    }

    fn key(&mut self, code: KeyCode) {
        self.app
            .handle(AppEvent::Terminal(Event::Key(KeyEvent::from(code))));
        self.dispatch();
    }

    fn draw(&mut self) {
        let app = &mut self.app;
        let mut geometry = Default::default();
        self.terminal
            .draw(|f| geometry = views::draw(f, app))
            .unwrap();
        app.apply_geometry(geometry);
    }

    /// Waits for answers until the app has its newest results, then draws.
    fn settle(&mut self) {
        while self.app.search.searching() {
            let event = self.events.blocking_recv().expect("the worker answers");
            self.app.handle(event);
            self.dispatch();
        }
        self.draw();
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "  {what:<44} {:>4} keys  p50 {:6.2} ms  p90 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms",
        samples.len(),
        common::percentile(&samples, 0.50),
        common::percentile(&samples, 0.90),
        common::percentile(&samples, 0.99),
        samples.last().copied().unwrap_or(0.0)
    );
}

fn main() {
    let mut n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    if std::env::var_os("GREENROOM_BENCH_1M").is_some() {
        n = 1_000_000;
    }
    let dir = tempfile::tempdir().unwrap();
    common::write_related_catalog(dir.path(), n, 100);
    let started = Instant::now();
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let catalog = sources::load(
        &[source],
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    );
    let load = started.elapsed();
    let started = Instant::now();
    let index = Arc::new(SearchIndex::build(&catalog));
    let build = started.elapsed();
    println!(
        "catalogue: {} entities loaded in {:.2} s, index built in {:.0} ms",
        catalog.len(),
        load.as_secs_f64(),
        ms(build)
    );
    let (tx, events) = unbounded_channel();
    let mut h = Harness {
        app: App::new(
            Keymap::builtin("default").unwrap(),
            Theme::builtin("dark", ColorDepth::TrueColor).unwrap(),
            Settings {
                hyperlinks: false,
                ..Settings::default()
            },
            "bench".into(),
        ),
        worker: SearchWorker::start(tx),
        events,
        terminal: Terminal::new(TestBackend::new(80, 24)).unwrap(),
    };
    h.app.handle(AppEvent::Loaded(Box::new(catalog), index));
    h.dispatch();
    h.settle();
    h.key(KeyCode::Char('/'));
    h.settle();

    let (mut typing, mut erasing, mut bursts) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..3 {
        for q in QUERIES {
            // Typed one key at a time, each waited for.
            for c in q.chars() {
                let t = Instant::now();
                h.key(KeyCode::Char(c));
                h.settle();
                if round > 0 {
                    typing.push(ms(t.elapsed()));
                }
            }
            for _ in q.chars() {
                let t = Instant::now();
                h.key(KeyCode::Backspace);
                h.settle();
                if round > 0 {
                    erasing.push(ms(t.elapsed()));
                }
            }
            // The whole query as one burst, then the last key to the settled frame.
            let mut last = Instant::now();
            for c in q.chars() {
                last = Instant::now();
                h.key(KeyCode::Char(c));
                // A frame after every key, as the runner draws while typing.
                h.draw();
            }
            h.settle();
            if round > 0 {
                bursts.push(ms(last.elapsed()));
            }
            for _ in q.chars() {
                h.key(KeyCode::Backspace);
            }
            h.settle();
        }
    }
    println!("keystroke to settled frame, {n} entities (worker thread + TestBackend draw):");
    report("typing, each key waited for", typing.clone());
    report("backspace, each key waited for", erasing.clone());
    report("burst typing: last key to settled frame", bursts);
    let mut all = typing;
    all.extend(erasing);
    report("typing and backspace together", all);
}
