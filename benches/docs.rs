//! TechDocs figures: opening a 200 KB Markdown page (parse and lay out at 80 columns), the docs
//! search over every demo site per keystroke, and indexing a 1,000-page site on a worker
//! thread while the "UI" thread keeps ticking (its longest tick shows it is never blocked); the
//! syntax grammars' load and a first highlight.
//! `cargo bench --bench docs`

use greenroom::sources::{self, LoadOptions};
use greenroom::techdocs::{self, DocsIndex, Site};
use std::time::{Duration, Instant};

/// A page of about `bytes` of realistic Markdown: headings, paragraphs with marks and links,
/// lists, tables, code and admonitions.
fn big_page(bytes: usize) -> String {
    let mut s = String::from("# A very long runbook\n\n");
    let mut i = 0;
    while s.len() < bytes {
        i += 1;
        s.push_str(&format!(
            "## Section {i}\n\nSome *emphasis*, **strong** text, `code`, and a [link](other.md#s{i}) \
             to [outside](https://example.com/{i}). The quick brown fox jumps over the lazy dog \
             while the checkout saga compensates step {i} and retries with backoff.\n\n\
             - item one with words\n- [x] a done task\n- [ ] a task to do\n\n\
             | Alert | Meaning | Owner |\n|---|---|---|\n| A{i} | something is wrong in step {i} | #team |\n\n\
             ```sh\nkubectl -n checkout rollout restart deploy/checkout-{i}\n```\n\n\
             !!! warning \"Careful {i}\"\n    Do not page twice for step {i}.\n\n"
        ));
    }
    s
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    // 0. The code grammars, loaded once on the first code block.
    let t = Instant::now();
    techdocs::highlight::warm_up();
    println!(
        "load the syntax grammars (once per process): {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let rust = "fn main() {\n    let x = \"y\"; // z\n}\n".repeat(50);
    let t = Instant::now();
    let lines = techdocs::highlight::highlight("rust", &rust).map_or(0, |l| l.len());
    println!(
        "highlight a {}-line Rust block (first, grammar compiled lazily): {:.2} ms",
        lines,
        t.elapsed().as_secs_f64() * 1e3
    );
    // 1. Opening a 200 KB page.
    let page = big_page(200 * 1024);
    let (mut times, mut parse, mut lay) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..20 {
        let t = Instant::now();
        let doc = techdocs::markdown::parse(&page, "runbook.md");
        let parsed = t.elapsed();
        let laid = techdocs::layout(&doc, 80);
        std::hint::black_box(laid.lines.len());
        times.push(t.elapsed());
        parse.push(parsed);
        lay.push(t.elapsed() - parsed);
    }
    println!(
        "open a {} KB Markdown page (parse + layout at 80 cols): p50 {:.2} ms (parse {:.2}, layout {:.2}), max {:.2} ms (goal <= 30 ms)",
        page.len() / 1024,
        percentile(times.clone(), 0.5).as_secs_f64() * 1e3,
        percentile(parse, 0.5).as_secs_f64() * 1e3,
        percentile(lay, 0.5).as_secs_f64() * 1e3,
        percentile(times, 1.0).as_secs_f64() * 1e3
    );
    if std::env::var_os("GREENROOM_BENCH_PAGE_ONLY").is_some() {
        return;
    }

    // 2. Searching every demo site per keystroke.
    let catalog = sources::load(
        &[Box::new(sources::demo::source())],
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    );
    let t = Instant::now();
    let index = techdocs::index_catalog(&catalog, &[], false, None, &|_, _| {});
    println!(
        "index the demo's docs: {} pages in {:.1} ms",
        index.pages,
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut times = Vec::new();
    for query in [
        "rollback deploy",
        "psp failover",
        "kubectl pods",
        "on-call escalation",
        "barcode",
    ] {
        for n in 1..=query.len() {
            let t = Instant::now();
            std::hint::black_box(index.search(&query[..n], 50));
            times.push(t.elapsed());
        }
    }
    println!(
        "docs search per keystroke over the demo ({} keystrokes): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (goal <= 5 ms)",
        times.len(),
        percentile(times.clone(), 0.5).as_secs_f64() * 1e3,
        percentile(times.clone(), 0.99).as_secs_f64() * 1e3,
        percentile(times, 1.0).as_secs_f64() * 1e3
    );

    // 3. Indexing 1,000 pages on a worker while the UI thread ticks.
    let pages: Vec<(String, String)> = (0..1000)
        .map(|i| {
            (
                format!("p{i}.md"),
                big_page(3 * 1024).replace("A very long runbook", &format!("Page {i}")),
            )
        })
        .collect();
    let site = Site::in_memory("Big", pages);
    let started = Instant::now();
    let worker = std::thread::spawn(move || {
        let mut idx = DocsIndex::default();
        idx.add_site("component:default/big", &site);
        idx
    });
    let mut ticks = 0;
    let mut longest = Duration::ZERO;
    while !worker.is_finished() {
        let t = Instant::now();
        std::thread::sleep(Duration::from_millis(1));
        longest = longest.max(t.elapsed());
        ticks += 1;
    }
    let idx = worker.join().unwrap();
    let took = started.elapsed();
    let hit = Instant::now();
    let hits = idx.search("compensates step", 50).len();
    println!(
        "index 1,000 pages (3 KB each) on a worker: {:.0} ms; the UI thread ticked {ticks} times meanwhile, longest tick {:.1} ms; then a search over them: {:.2} ms ({hits} hits)",
        took.as_secs_f64() * 1e3,
        longest.as_secs_f64() * 1e3,
        hit.elapsed().as_secs_f64() * 1e3
    );
}
