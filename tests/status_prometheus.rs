//! The Prometheus fetcher against a real Prometheus (Debian's package) on 127.0.0.1:
//! `GREENROOM_TEST_PROMETHEUS_URL` when set (CI starts it with `.ci/prometheus.sh`), else this
//! test starts one itself with that script. Under `CI=true` a Prometheus that cannot be
//! started fails the test.

use greenroom::catalog::Catalog;
use greenroom::sources::{self, LoadOptions, Source as CatalogSource, files::FileSource};
use greenroom::status::value::StatusValue;
use greenroom::status::{ErrorKind, Source, StatusConfig, StatusService, Target, Widget};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tokio::time::Instant;

/// Stops the server this test started.
struct Server {
    dir: tempfile::TempDir,
    url: String,
    started: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.started {
            let _ = Command::new("bash")
                .arg(script())
                .args(["stop", &self.dir.path().display().to_string()])
                .status();
        }
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/prometheus.sh")
}

fn prometheus() -> Option<Server> {
    let dir = tempfile::tempdir().unwrap();
    if let Ok(url) = std::env::var("GREENROOM_TEST_PROMETHEUS_URL") {
        return Some(Server {
            dir,
            url,
            started: false,
        });
    }
    let out = Command::new("bash")
        .arg(script())
        .args(["start", &dir.path().display().to_string()])
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let url = stdout
        .lines()
        .find_map(|l| l.strip_prefix("GREENROOM_TEST_PROMETHEUS_URL="))
        .map(str::to_owned);
    match url {
        Some(url) if out.status.success() => Some(Server {
            dir,
            url,
            started: true,
        }),
        _ => {
            let why = format!(
                "cannot start Prometheus with .ci/prometheus.sh: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{why}");
            }
            // Straight to the process's stderr: the test harness captures eprintln!, which
            // would hide the notice in a passing `cargo test` run.
            let _ = writeln!(
                std::io::stderr(),
                "\nSKIPPING the real-Prometheus test outside CI: {why}"
            );
            None
        }
    }
}

fn catalog() -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: prometheus-itself
  annotations:
    prometheus.io/rule: up|job,job:up:sum,up{
    prometheus.io/alert: all
    prometheus.io/labels: component=greenroom-demo
spec:
  type: service
  lifecycle: production
  owner: nobody
"#,
    )
    .unwrap();
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

async fn fetch_until(
    service: &StatusService,
    t: &Target,
    what: &str,
    ok: impl Fn(&StatusValue) -> bool,
) -> StatusValue {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        service.fetch_once(std::slice::from_ref(t)).await;
        let e = service.store().get(&t.id).unwrap();
        if let Some(v) = e.value.as_deref().filter(|v| ok(v)) {
            return v.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{what}: last {:?} / {:?}",
            e.value,
            e.error
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prometheus_fetcher_reads_a_real_prometheus() {
    let Some(server) = tokio::task::spawn_blocking(prometheus).await.unwrap() else {
        return;
    };
    let mut config = StatusConfig::default();
    config.prometheus.base_url = Some(server.url.clone());
    config.prometheus.range = Some(Duration::from_secs(60));
    config.prometheus.step = Some(Duration::from_secs(1));
    let catalog = tokio::task::spawn_blocking(catalog).await.unwrap();
    let service = StatusService::start(config);
    let targets = service.targets_for(catalog.resolve("prometheus-itself").unwrap());
    let find = |widget: Widget, label: &str| {
        targets
            .iter()
            .find(|t| t.source == Source::Prometheus && t.widget == widget && t.label == label)
            .unwrap_or_else(|| panic!("no {label} target in {targets:?}"))
            .clone()
    };

    // `up` grouped by job: the server scrapes itself every second.
    let up = fetch_until(&service, &find(Widget::Metric, "up"), "up has a value and a range", |v| {
        matches!(v, StatusValue::Metric(m) if m.series.first().is_some_and(|s| s.value.is_some() && s.points.len() >= 2))
    })
    .await;
    let StatusValue::Metric(m) = up else {
        unreachable!()
    };
    assert_eq!(m.series[0].label, "prometheus");
    assert_eq!(m.series[0].value, Some(1.0));
    assert!(
        m.series[0].points.windows(2).all(|w| w[0].0 < w[1].0),
        "oldest first"
    );

    // The recording rule from the test rules file.
    fetch_until(
        &service,
        &find(Widget::Metric, "job:up:sum"),
        "the recording rule evaluates",
        |v| matches!(v, StatusValue::Metric(m) if m.series.iter().any(|s| s.value == Some(1.0))),
    )
    .await;

    // `all` alerts, filtered by prometheus.io/labels: only the always-firing one.
    let alerts = fetch_until(
        &service,
        &find(Widget::Alerts, "all"),
        "AlwaysFiring fires",
        |v| matches!(v, StatusValue::Alerts(a) if a.iter().any(|a| a.state == "firing")),
    )
    .await;
    let StatusValue::Alerts(a) = alerts else {
        unreachable!()
    };
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (a[0].name.as_str(), a[0].severity.as_deref()),
        ("AlwaysFiring", Some("warning"))
    );
    assert_eq!(
        a[0].summary.as_deref(),
        Some("Synthetic alert for fixture capture")
    );

    // A query Prometheus cannot parse is the upstream refusing it, not a transient failure.
    let bad = find(Widget::Metric, "up{");
    service.fetch_once(std::slice::from_ref(&bad)).await;
    let err = service
        .store()
        .get(&bad.id)
        .unwrap()
        .error
        .expect("a parse error");
    assert_eq!(err.kind, ErrorKind::Rejected);
    assert!(
        err.message.contains("400") && err.message.contains("parse error"),
        "{}",
        err.message
    );
    drop(server);
}
