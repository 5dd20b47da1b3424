//! What a keystroke costs end to end, as a user feels it: the key goes to a real `Session`
//! (the same code every terminal runs), its search hops to the hub's `SearchPool` thread, the
//! answer comes back through the session's channel, and the frame is drawn the way a session
//! draws it (the full crossterm byte stream, into a sink, 80×24). Realistic queries are typed
//! and then erased with backspace; each keystroke is timed from the key to the first frame
//! showing its results. A second pass types each query as one burst (faster than results
//! arrive) and times the last key to the settled frame. Prints p50/p90/p99/max.
//!
//! `cargo bench --bench keystroke_frame [-- ENTITIES]` (default 100000; 1000000 with
//! `GREENROOM_BENCH_1M=1` or `-- 1000000`).

#[path = "common/mod.rs"]
mod common;

use greenroom::hub::catalog::SourcesLoader;
use greenroom::hub::{CatalogService, Hub, RunService, SearchPool, StatusService};
use greenroom::sources::{LoadOptions, Source, files::FileSource};
use greenroom::tui::app::{App, Settings};
use greenroom::tui::input::{Input, Key};
use greenroom::tui::keymap::Keymap;
use greenroom::tui::session::{PlainHost, Session};
use greenroom::tui::theme::{ColorDepth, Theme};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    session: Session<std::io::Sink>,
    runtime: tokio::runtime::Runtime,
}

impl Harness {
    /// A key press, through the session; its search goes to the pool.
    fn key(&mut self, input: Input) {
        self.session.feed(input);
        self.session.pump();
    }

    fn draw(&mut self) {
        self.session.app.dirty = true;
        self.session.draw().unwrap();
    }

    /// Waits for answers until the app has its newest results, then draws.
    fn settle(&mut self) {
        loop {
            self.session.pump();
            if !self.session.app.search.searching() {
                break;
            }
            let session = &mut self.session;
            assert!(self.runtime.block_on(session.wait()), "the hub went away");
        }
        self.draw();
    }
}

fn char_key(c: char) -> Input {
    Input::typed(&c.to_string()).remove(0)
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
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let loader = SourcesLoader::new(
        vec![source],
        LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    );
    let hub = Hub::new(
        CatalogService::inline(Arc::new(loader)),
        StatusService::waiting(),
        RunService::inline(),
        SearchPool::start(1),
    );
    let started = Instant::now();
    hub.catalog.reload();
    let load = started.elapsed();
    println!(
        "catalogue: {} entities loaded and indexed in {:.2} s",
        hub.catalog.current().catalog.len(),
        load.as_secs_f64(),
    );
    let app = App::new(
        Keymap::builtin("default").unwrap(),
        Theme::builtin("dark", ColorDepth::TrueColor).unwrap(),
        Settings {
            hyperlinks: false,
            ..Settings::default()
        },
        "bench".into(),
    );
    let session = Session::new(&hub, app, std::io::sink(), (80, 24), Box::new(PlainHost)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut h = Harness { session, runtime };
    h.settle();
    h.key(char_key('/'));
    h.settle();
    let backspace = Input::key(Key::Backspace);

    let (mut typing, mut erasing, mut bursts) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..3 {
        for q in QUERIES {
            // Typed one key at a time, each waited for.
            for c in q.chars() {
                let t = Instant::now();
                h.key(char_key(c));
                h.settle();
                if round > 0 {
                    typing.push(ms(t.elapsed()));
                }
            }
            for _ in q.chars() {
                let t = Instant::now();
                h.key(backspace.clone());
                h.settle();
                if round > 0 {
                    erasing.push(ms(t.elapsed()));
                }
            }
            // The whole query as one burst, then the last key to the settled frame.
            let mut last = Instant::now();
            for c in q.chars() {
                last = Instant::now();
                h.key(char_key(c));
                // A frame after every key, as the runner draws while typing.
                h.draw();
            }
            h.settle();
            if round > 0 {
                bursts.push(ms(last.elapsed()));
            }
            for _ in q.chars() {
                h.key(backspace.clone());
            }
            h.settle();
        }
    }
    println!(
        "keystroke to settled frame, {n} entities (session, search pool thread, frame drawn):"
    );
    report("typing, each key waited for", typing.clone());
    report("backspace, each key waited for", erasing.clone());
    report("burst typing: last key to settled frame", bursts);
    let mut all = typing;
    all.extend(erasing);
    report("typing and backspace together", all);
}
