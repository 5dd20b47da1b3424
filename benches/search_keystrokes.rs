//! Typing realistic queries character by character over a generated catalogue of 100,000
//! entities, through the search engine and narrowing the portal uses; prints p50/p99 latency per
//! keystroke. `cargo bench --bench search_keystrokes [-- ENTITIES] [--long]`: `--long` gives
//! every entity a 1 KB description (150 words) instead of 8 words.

#[path = "common/mod.rs"]
mod common;

use greenroom::search::{Hit, Query, SearchIndex};
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use std::sync::Arc;
use std::time::Instant;

const QUERIES: &[&str] = &[
    "checkout",
    "payments api",
    "kind:component pay",
    "owner:team-42 search",
    "tag:java order",
    "-lifecycle:deprecated ticket",
    "scanner eu",
    "wallet-sdk",
    "fraud worker us",
    "lifecycle:production refund",
    "\"seat map\"",
    "inventory-db-apac",
];

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let long = std::env::args().any(|a| a == "--long");
    let dir = tempfile::tempdir().unwrap();
    common::write_catalog_with(dir.path(), n, if long { 150 } else { 8 });
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
    let index = SearchIndex::build(&catalog);
    let build = started.elapsed();
    println!(
        "catalogue: {} entities loaded in {:.2} s, index built in {:.0} ms",
        catalog.len(),
        load.as_secs_f64(),
        build.as_secs_f64() * 1e3
    );

    // The first empty query, as the portal shows on start.
    let mut samples = Vec::new();
    for round in 0..3 {
        for q in QUERIES {
            let mut previous: Option<(Query, Arc<Vec<Hit>>)> = None;
            for end in q.char_indices().map(|(i, c)| i + c.len_utf8()) {
                let query = Query::parse(&q[..end]);
                let within = previous
                    .as_ref()
                    .filter(|(pq, _)| query.narrows(pq))
                    .map(|(_, hits)| hits.clone());
                let t = Instant::now();
                let hits = index.search_within(&query, within.as_deref().map(|v| &v[..]));
                let t_facets = Instant::now();
                let facets = index.facets(&hits);
                if std::env::var_os("SLOW").is_some() && t.elapsed().as_secs_f64() > 0.010 {
                    eprintln!("   facets {:.2} ms", t_facets.elapsed().as_secs_f64() * 1e3);
                }
                let ms = t.elapsed().as_secs_f64() * 1e3;
                std::hint::black_box(&facets);
                if round > 0 {
                    samples.push(ms);
                    if std::env::var_os("SLOW").is_some() && ms > 10.0 {
                        eprintln!(
                            "{ms:6.2} ms  {:>6} hits  narrowed={}  {:?}",
                            hits.len(),
                            within.is_some(),
                            &q[..end]
                        );
                    }
                }
                previous = Some((query, Arc::new(hits)));
            }
        }
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "keystrokes: {}  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        samples.len(),
        common::percentile(&samples, 0.50),
        common::percentile(&samples, 0.90),
        common::percentile(&samples, 0.99),
        samples.last().copied().unwrap_or(0.0)
    );
}
