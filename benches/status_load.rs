//! Load benchmark: watches N entities (default 200) with 4 status sources each (PagerDuty,
//! GitHub Actions, Prometheus, HTTP health) against the in-process fake for a while (default
//! 60 s), with greenroom's default intervals, and prints requests per minute per source, the
//! schedule's expected fetch rate, requests per 5-second window (a storm would show as a
//! spike), CPU time and peak RSS. Then it drops all interest and checks that nothing runs.
//!
//! Every upstream answers after a realistic latency (default 200-300 ms per call, as GitHub's
//! API does; `--latency-ms 0` for an instant fake), so a host limited to one request at a time
//! shows whether it keeps up: the bench prints, per source, how many targets' data was older
//! than twice their interval at the end (stale on screen).
//!
//!     cargo bench --bench status_load -- --seconds 60 --entities 200 --latency-ms 200

use greenroom::sources::{self, LoadOptions, Source as CatalogSource, files::FileSource};
use greenroom::status::fake::{FakeNames, FakeUpstream, Fault};
use greenroom::status::{StatusService, Target};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;
use tokio::time::Instant;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn catalogue(n: u64) -> greenroom::catalog::Catalog {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::new();
    for team in 0..n.div_ceil(10) {
        let _ = write!(
            yaml,
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{team}\nspec:\n  type: team\n  children: []\n---\n"
        );
    }
    for i in 0..n {
        let _ = write!(
            yaml,
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{i}\n  annotations:\n    pagerduty.com/service-id: PSVC{i:04}\n    github.com/project-slug: encore/svc-{i}\n    prometheus.io/rule: 'sum(rate(http_requests_total{{service=\"svc-{i}\"}}[5m]))'\n    greenroom.dev/health-url: https://svc-{i}.encore.example/actuator/health\nspec:\n  type: service\n  lifecycle: production\n  owner: team-{}\n---\n",
            i / 10
        );
    }
    std::fs::write(dir.path().join("catalog-info.yaml"), yaml).unwrap();
    let source: Box<dyn CatalogSource> =
        Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    sources::load(
        &[source],
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    )
}

struct Usage {
    cpu: Duration,
    max_rss_kib: i64,
}

fn usage() -> Usage {
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Usage {
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        max_rss_kib: ru.ru_maxrss,
    }
}

fn main() {
    let seconds = arg("--seconds", 60);
    let n = arg("--entities", 200);
    // The lower bound of the latency; the upper is 100 ms more.
    let latency = Duration::from_millis(arg("--latency-ms", 200));
    let catalog = catalogue(n);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let fake = FakeUpstream::start_with(FakeNames::from_catalog(&catalog)).await.unwrap();
        if !latency.is_zero() {
            fake.inject(
                "/",
                Fault::Latency {
                    min: latency,
                    max: latency + Duration::from_millis(100),
                },
                None,
            );
        }
        let config = fake.status_config();
        let service = StatusService::start(config);
        let targets: Vec<Target> = catalog
            .entities()
            .iter()
            .filter(|e| e.is_kind("Component"))
            .flat_map(|e| service.targets_for(e))
            .collect();
        let mut per_source: BTreeMap<&str, (usize, f64, String)> = BTreeMap::new();
        for t in &targets {
            let interval = service.config().interval(t.source, t.widget);
            let slot = per_source.entry(t.source.as_str()).or_default();
            slot.0 += 1;
            slot.1 += 60.0 / interval.as_secs_f64();
            let i = greenroom::status::time::format_duration(interval);
            if !slot.2.split('/').any(|x| x == i) {
                slot.2 = if slot.2.is_empty() { i } else { format!("{}/{i}", slot.2) };
            }
        }
        println!(
            "watching {n} entities, {} targets (PagerDuty on-call/incidents/service, GitHub runs, Prometheus metric, health) for {seconds} s, upstream latency {} ms",
            targets.len(),
            if latency.is_zero() { "0".to_owned() } else { format!("{}-{}", latency.as_millis(), latency.as_millis() + 100) }
        );
        let before = usage();
        let started = Instant::now();
        service.set_interest("bench", targets.clone());
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let elapsed = started.elapsed().as_secs_f64();
        let after = usage();
        let log = fake.requests();
        let fetches: u64 = service.store().snapshot(&targets).iter().map(|e| e.fetches).sum();
        let errors = service.store().snapshot(&targets).iter().filter(|e| e.error.is_some()).count();

        // The first fetch of every target happens at once (the person just opened them);
        // after that, requests follow each target's interval.
        let warmup = 5.0;
        let steady_secs = elapsed - warmup;
        println!(
            "\n{:<12}{:>8}{:>10}{:>12}{:>16}{:>18}",
            "source", "targets", "interval", "first 5 s", "requests/min", "scheduled/min"
        );
        let prefix = |s: &str| match s {
            "health" => "/_hosts/".to_owned(),
            other => format!("/{other}/"),
        };
        let (mut total_first, mut total_steady) = (0, 0);
        for (source, (count, expected, intervals)) in &per_source {
            let of_source: Vec<_> = log.iter().filter(|r| r.path.starts_with(&prefix(source))).collect();
            let first = of_source.iter().filter(|r| (r.at - started).as_secs_f64() < warmup).count();
            let steady = of_source.len() - first;
            total_first += first;
            total_steady += steady;
            println!(
                "{source:<12}{count:>8}{intervals:>10}{first:>12}{:>16.0}{:>18.0}",
                steady as f64 * 60.0 / steady_secs,
                expected
            );
        }
        println!(
            "{:<12}{:>8}{:>10}{total_first:>12}{:>16.0}",
            "total",
            targets.len(),
            "",
            total_steady as f64 * 60.0 / steady_secs
        );
        println!(
            "(scheduled/min = fetches the intervals call for; Prometheus makes 2 requests a fetch, GitHub re-polls every 15 s while a run is queued or running, PagerDuty shares service and policy documents between widgets)"
        );
        println!(
            "\nfetches recorded: {fetches}; targets in error: {errors}; GitHub 304s: {}",
            log.iter().filter(|r| r.status == Some(304)).count()
        );
        // Freshness: a target whose last good answer is older than twice its interval (or
        // that never got one) is stale on screen.
        let now = Instant::now();
        let mut stale: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (t, e) in targets.iter().zip(service.store().snapshot(&targets)) {
            let interval = service.config().interval(t.source, t.widget);
            let slot = stale.entry(t.source.as_str()).or_default();
            slot.1 += 1;
            if e.fetched_at.is_none_or(|at| now - at > interval * 2) {
                slot.0 += 1;
            }
        }
        let stale_text: Vec<String> = stale
            .iter()
            .map(|(s, (k, of))| format!("{s} {k}/{of}"))
            .collect();
        println!("stale at the end (no good answer within 2 intervals): {}", stale_text.join(", "));
        println!(
            "max in flight: github {}, pagerduty {}, prometheus {}, health {}",
            fake.max_in_flight("github"),
            fake.max_in_flight("pagerduty"),
            fake.max_in_flight("prometheus"),
            fake.max_in_flight("_hosts")
        );
        let mut buckets = vec![0usize; (elapsed / 5.0).floor() as usize];
        for r in &log {
            let i = ((r.at - started).as_secs_f64() / 5.0) as usize;
            if let Some(b) = buckets.get_mut(i) {
                *b += 1;
            }
        }
        println!("requests per 5 s window: {buckets:?}");
        let steady_max = buckets.iter().skip(1).max().copied().unwrap_or(0);
        let steady_mean = buckets.iter().skip(1).sum::<usize>() as f64 / (buckets.len().max(2) - 1) as f64;
        println!("after the first load: busiest 5 s window {steady_max} requests, mean {steady_mean:.0}");
        let cpu = after.cpu - before.cpu;
        println!(
            "CPU: {:.2} s over {elapsed:.1} s ({:.1}% of one core; greenroom and the in-process fake together)",
            cpu.as_secs_f64(),
            cpu.as_secs_f64() / elapsed * 100.0
        );
        println!("peak RSS: {:.1} MiB", after.max_rss_kib as f64 / 1024.0);

        service.clear_interest("bench");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle_from = fake.requests().len();
        let idle_cpu = usage().cpu;
        tokio::time::sleep(Duration::from_secs(5)).await;
        println!(
            "after dropping interest: {} requests and {:.3} s CPU in 5 s",
            fake.requests().len() - idle_from,
            (usage().cpu - idle_cpu).as_secs_f64()
        );
    });
}
