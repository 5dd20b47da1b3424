//! The catalogue cache's figures over a generated catalogue (benches/common, 1,000 entities a
//! file): a cold load; the first frame from a warm cache (the cached catalogue opened, and
//! listed in catalogue order as the portal draws it; the search index is built behind it, timed
//! on its own); a background refresh of the unchanged files (CPU,
//! against the cold load's CPU); the cache's size; and `greenroom search QUERY` as a whole
//! process from a warm cache. `cargo bench --bench cache_start [-- ENTITIES...]` (default
//! 10000 100000).

#[path = "common/mod.rs"]
mod common;

use greenroom::search::SearchIndex;
use greenroom::sources::cache::{CatalogCache, Policy};
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use std::time::{Duration, Instant};

fn cpu() -> Duration {
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Wall and CPU time of `f`, best of `runs`.
fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut best: Option<(Duration, Duration, T)> = None;
    for _ in 0..runs {
        let (c0, w0) = (cpu(), Instant::now());
        let out = f();
        let (wall, cpu) = (w0.elapsed(), cpu() - c0);
        if best.as_ref().is_none_or(|b| wall < b.0) {
            best = Some((wall, cpu, out));
        }
    }
    best.expect("one run")
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    for n in sizes {
        bench(n);
    }
}

fn bench(n: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("catalog");
    common::write_catalog(&cat, n);
    let cache_dir = tmp.path().join("xdg-cache");
    let cache = CatalogCache::new(&cache_dir.join("greenroom"));
    let sources: Vec<Box<dyn Source>> = vec![Box::new(
        FileSource::disk(std::slice::from_ref(&cat)).unwrap(),
    )];
    let opts = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    println!("== {n} entities ({} files)", n.div_ceil(1000));

    let (wall, cold_cpu, catalog) = measure(2, || sources::load(&sources, &opts));
    assert_eq!(catalog.len(), n);
    println!(
        "cold load (parse everything):              {:>8} wall, {:>8} CPU",
        ms(wall),
        ms(cold_cpu)
    );
    let (wall, cpu_fill, _) = measure(1, || {
        cache.refresh(&sources, &opts, Policy::Refresh, None, &|_| {})
    });
    println!(
        "first start, filling the cache:            {:>8} wall, {:>8} CPU",
        ms(wall),
        ms(cpu_fill)
    );
    let (wall, cpu_open, warm) = measure(5, || cache.open(&sources, &opts).0.unwrap());
    assert_eq!(warm.catalog.len(), n);
    println!(
        "first frame: cached catalogue opened:      {:>8} wall, {:>8} CPU",
        ms(wall),
        ms(cpu_open)
    );
    let (wall, cpu_frame, _) = measure(5, || {
        let w = cache.open(&sources, &opts).0.unwrap();
        greenroom::search::listing(&w.catalog)
    });
    println!(
        "first frame: opened + listed (the portal): {:>8} wall, {:>8} CPU (the index follows behind)",
        ms(wall),
        ms(cpu_frame)
    );
    let (wall, cpu_index, _) = measure(3, || SearchIndex::build(&warm.catalog));
    println!(
        "search index built (behind the first frame):{:>7} wall, {:>8} CPU",
        ms(wall),
        ms(cpu_index)
    );
    let (wall, cpu_refresh, r) = measure(5, || {
        cache.refresh(
            &sources,
            &opts,
            Policy::Refresh,
            Some(&warm.sources),
            &|_| {},
        )
    });
    assert!(r.catalog.is_none(), "unchanged");
    println!(
        "background refresh, files unchanged:       {:>8} wall, {:>8} CPU = {:.1}% of the cold load's CPU",
        ms(wall),
        ms(cpu_refresh),
        100.0 * cpu_refresh.as_secs_f64() / cold_cpu.as_secs_f64()
    );
    let bytes: u64 = cache.info().iter().map(|f| f.bytes).sum();
    let yaml: u64 = walk_bytes(&cat);
    println!(
        "cache on disk: {:.1} MB (catalogue + source files) for {:.1} MB of YAML",
        bytes as f64 / 1e6,
        yaml as f64 / 1e6
    );
    // The whole process, as a user runs it (release build when benched).
    let exe = env!("CARGO_BIN_EXE_greenroom");
    let run = || {
        let started = Instant::now();
        let out = std::process::Command::new(exe)
            .args([
                "-c",
                &cat.display().to_string(),
                "search",
                "payments",
                "api",
                "eu",
            ])
            .env("XDG_CACHE_HOME", &cache_dir)
            .env("XDG_CONFIG_HOME", tmp.path().join("cfg"))
            .env("XDG_STATE_HOME", tmp.path().join("state"))
            .env("GREENROOM_CONFIG", tmp.path().join("cfg/none.toml"))
            .output()
            .unwrap();
        assert!(out.status.success());
        started.elapsed()
    };
    // Fills greenroom's own cache (its XDG dir is this one), then the timed runs.
    run();
    let mut times: Vec<f64> = (0..5).map(|_| run().as_secs_f64() * 1000.0).collect();
    times.sort_by(f64::total_cmp);
    println!(
        "`greenroom search payments api eu`, warm:  {:>5.0} ms median, {:>5.0} ms best (whole process)",
        common::percentile(&times, 0.5),
        times[0]
    );
}

fn walk_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            total += walk_bytes(&p);
        } else {
            total += e.metadata().map_or(0, |m| m.len());
        }
    }
    total
}
