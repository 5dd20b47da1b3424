//! `greenroom serve`'s figures.
//!
//! 1. Memory per additional session on a generated catalogue (default 10,000 entities): the
//!    process's resident memory before and after opening sessions on one hub, each drawn once
//!    at 80×24 (the sessions run in-process, without SSH, so only the session's own cost is
//!    counted).
//! 2. Keystroke to frame over SSH on loopback: the real server (`serve::channel`) on the demo
//!    catalogue, 50 russh clients with a pty and a shell, 10 of them typing a search key by key
//!    (each waiting for its frame); the time from sending a key to receiving the end of the
//!    frame it caused, client side, frame-rate cap included.
//! 3. CPU used by the server and the 50 idle sessions over 3 s once the typing stops.
//! 4. Upstream requests with 1 and with 50 sessions watching the same 20 services, against
//!    the in-process fake of the upstream APIs with every interval at 3 s, counted over 15 s
//!    once every session watches: (a) 50 sessions of the hub each holding interest in the 20
//!    services' 80 targets (PagerDuty, GitHub, Prometheus, health), as a session's live view
//!    does; (b) 50 real SSH sessions, each in the on-call view (`O`, the 20 services' on-call).
//!
//!    Requests vary with what the fake's data does (a running build is polled every 15 s),
//!    so the bench also prints the scheduler's fetches: how often each target was fetched.
//!
//! `cargo bench --bench serve_sessions [-- ENTITIES SESSIONS TYPISTS] [--upstream]`
//! (`--profile dev` for a debug build; `--upstream`: only figure 4, `--upstream --ssh` its
//! SSH half.)

#[path = "common/mod.rs"]
mod common;

use greenroom::hub::catalog::FixedLoader;
use greenroom::hub::{Hub, StatusService};
use greenroom::serve::{ServeLimits, Shared, audit::Audit, auth, channel};
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use greenroom::tui::app::{App, Settings};
use greenroom::tui::keymap::Keymap;
use greenroom::tui::session::{PlainHost, Session};
use greenroom::tui::theme::{ColorDepth, Theme};
use russh::keys::PrivateKeyWithHashAlg;
use russh::{ChannelMsg, client};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn cpu() -> Duration {
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    t(ru.ru_utime) + t(ru.ru_stime)
}

fn app() -> App {
    App::new(
        Keymap::builtin("default").unwrap(),
        Theme::builtin("dark", ColorDepth::TrueColor).unwrap(),
        Settings::default(),
        "bench".into(),
    )
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let entities = args.first().copied().unwrap_or(10_000);
    let sessions = args.get(1).copied().unwrap_or(50);
    let typists = args.get(2).copied().unwrap_or(10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // `--upstream`: only the upstream figures (4).
    let upstream_only = std::env::args().any(|a| a == "--upstream");
    if upstream_only {
        let services = services_catalog(20);
        // `--ssh`: only the SSH half.
        if !std::env::args().any(|a| a == "--ssh") {
            for watchers in [1, sessions] {
                runtime.block_on(upstream_by_interest(&services, watchers));
            }
        }
        for watchers in [1, sessions] {
            runtime.block_on(upstream_over_ssh(&services, watchers));
        }
        return;
    }
    runtime.block_on(memory(entities));
    // Loaded outside the runtime (a source may use a blocking HTTP client).
    let demo: Box<dyn Source> = Box::new(sources::demo::source());
    let options = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    let catalog = sources::load(&[demo], &options);
    runtime.block_on(keystrokes(catalog, sessions, typists));
    let services = services_catalog(20);
    for watchers in [1, sessions] {
        runtime.block_on(upstream_by_interest(&services, watchers));
    }
    for watchers in [1, sessions] {
        runtime.block_on(upstream_over_ssh(&services, watchers));
    }
}

/// The refresh interval of every source in the upstream figures.
const UPSTREAM_INTERVAL: Duration = Duration::from_secs(3);
/// How long upstream requests are counted.
const UPSTREAM_WINDOW: Duration = Duration::from_secs(15);

/// `n` services with all four live sources, owned by teams of ten.
fn services_catalog(n: usize) -> greenroom::catalog::Catalog {
    use std::fmt::Write as _;
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
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    sources::load(
        &[source],
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    )
}

/// The fake upstream for `catalog` and a status scheduler on it, every interval 3 s.
async fn upstream(
    catalog: &greenroom::catalog::Catalog,
) -> (
    greenroom::status::fake::FakeUpstream,
    greenroom::status::StatusService,
) {
    use greenroom::status::fake::{FakeNames, FakeUpstream};
    let fake = FakeUpstream::start_with(FakeNames::from_catalog(catalog))
        .await
        .unwrap();
    let mut config = fake.status_config();
    for s in [
        &mut config.pagerduty,
        &mut config.github,
        &mut config.prometheus,
    ] {
        s.interval = Some(UPSTREAM_INTERVAL);
    }
    config.health.interval = Some(UPSTREAM_INTERVAL);
    let scheduler = greenroom::status::StatusService::start(config);
    (fake, scheduler)
}

/// What upstream was asked over [`UPSTREAM_WINDOW`] from now, for `targets`: requests, the
/// targets' fetches, and the most fetches of one target.
async fn count_upstream(
    fake: &greenroom::status::fake::FakeUpstream,
    scheduler: &greenroom::status::StatusService,
    targets: &[greenroom::status::Target],
) -> String {
    // Past the first fetch of everything watched.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before: Vec<u64> = scheduler
        .store()
        .snapshot(targets)
        .iter()
        .map(|e| e.fetches)
        .collect();
    fake.clear_log();
    let c0 = cpu();
    tokio::time::sleep(UPSTREAM_WINDOW).await;
    let used = cpu() - c0;
    let requests = fake.requests().len();
    let after: Vec<u64> = scheduler
        .store()
        .snapshot(targets)
        .iter()
        .map(|e| e.fetches)
        .collect();
    let fetches: Vec<u64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    let refreshes = UPSTREAM_WINDOW.as_secs_f64() / UPSTREAM_INTERVAL.as_secs_f64();
    format!(
        "{requests} requests ({:.1} per refresh), {} fetches of {} targets, at most {} of one; CPU {:.1} s",
        requests as f64 / refreshes,
        fetches.iter().sum::<u64>(),
        targets.len(),
        fetches.iter().max().copied().unwrap_or(0),
        used.as_secs_f64()
    )
}

/// 4a: `watchers` sessions of one hub, each interested in every target of the 20 services.
async fn upstream_by_interest(catalog: &greenroom::catalog::Catalog, watchers: usize) {
    let (fake, scheduler) = upstream(catalog).await;
    let targets: Vec<_> = catalog
        .entities()
        .iter()
        .filter(|e| e.is_kind("Component"))
        .flat_map(|e| scheduler.targets_for(e))
        .collect();
    let status = StatusService::running(scheduler.clone());
    let subscriptions: Vec<_> = (0..watchers as u64)
        .map(|session| {
            let s = status.subscribe(session, |_| {}).unwrap();
            s.set_interest("watch", targets.clone());
            s
        })
        .collect();
    let counted = count_upstream(&fake, &scheduler, &targets).await;
    println!(
        "upstream, {watchers} session(s) watching the same 20 services, {} s at a {} s interval: {counted}",
        UPSTREAM_WINDOW.as_secs(),
        UPSTREAM_INTERVAL.as_secs(),
    );
    drop(subscriptions);
}

/// 4b: `watchers` SSH sessions on the real server, each in the on-call view.
async fn upstream_over_ssh(catalog: &greenroom::catalog::Catalog, watchers: usize) {
    let (fake, scheduler) = upstream(catalog).await;
    let targets: Vec<_> = greenroom::status::oncall_targets(catalog, scheduler.config(), None)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let (shared, addr, key, _dir) = start_server(
        catalog.clone(),
        StatusService::running(scheduler.clone()),
        watchers,
    )
    .await;
    let config = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    let mut clients = Vec::new();
    for _ in 0..watchers {
        let (handle, mut read, write) =
            open_session(config.clone(), addr, key.clone(), "svc-").await;
        write.data(&b"O"[..]).await.unwrap();
        let mut seen = Vec::new();
        while let Some(msg) = read.wait().await {
            if let ChannelMsg::Data { data } = msg {
                seen.extend_from_slice(&data);
                if String::from_utf8_lossy(&seen).contains("My on-call") {
                    break;
                }
            }
        }
        // Keep reading (a client that stops reading would stall its session).
        let drain = tokio::spawn(async move { while read.wait().await.is_some() {} });
        clients.push((handle, write, drain));
    }
    assert_eq!(shared.sessions().len(), watchers);
    let counted = count_upstream(&fake, &scheduler, &targets).await;
    println!(
        "upstream, {watchers} SSH session(s) in the on-call view of the same 20 services, {} s at a {} s interval: {counted}",
        UPSTREAM_WINDOW.as_secs(),
        UPSTREAM_INTERVAL.as_secs(),
    );
    for (handle, _write, drain) in clients {
        drop(handle);
        drain.abort();
    }
}

/// The SSH server on `catalog` and `status`, for `sessions` sessions of one key; its address
/// and the client's key (and the temporary folder it lives in).
async fn start_server(
    catalog: greenroom::catalog::Catalog,
    status: StatusService,
    sessions: usize,
) -> (
    Arc<Shared>,
    std::net::SocketAddr,
    Arc<russh::keys::PrivateKey>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(Arc::new(FixedLoader::new(catalog)), status);
    hub.catalog.reload();
    let client_key = Arc::new(auth::new_ed25519().unwrap());
    let line = format!(
        "{} bench@host",
        client_key.public_key().to_openssh().unwrap()
    );
    let (keys, _) = auth::AuthorizedKeys::parse(&line, &Default::default());
    let portal = greenroom::tui::PortalOptions {
        config: Default::default(),
        config_file: dir.path().join("config.toml"),
        log_file: dir.path().join("log"),
        state_dir: dir.path().join("state"),
        ui: Default::default(),
        sources: Vec::new(),
        load: Default::default(),
        cache: None,
        description: "bench".into(),
        demo: false,
        demo_fallback: false,
        watch: false,
    };
    let mut limits = ServeLimits::from_config(&Default::default());
    limits.sessions = sessions + 1;
    limits.sessions_per_key = sessions + 1;
    // Every client connects at once from 127.0.0.1.
    limits.preauth = sessions + 1;
    limits.preauth_per_ip = sessions + 1;
    let shared = Arc::new(Shared::new(
        hub,
        portal,
        keys,
        limits,
        false,
        Audit::none(),
        dir.path().join("state"),
        "127.0.0.1:0".into(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let host_key = auth::new_ed25519().unwrap();
    tokio::spawn(channel::serve(shared.clone(), listener, host_key));
    (shared, addr, client_key, dir)
}

/// A russh client with a pty and the portal, once its first frame showing `until` arrived.
async fn open_session(
    config: Arc<client::Config>,
    addr: std::net::SocketAddr,
    key: Arc<russh::keys::PrivateKey>,
    until: &str,
) -> (
    client::Handle<Client>,
    russh::ChannelReadHalf,
    russh::ChannelWriteHalf<client::Msg>,
) {
    let mut handle = client::connect(config, addr, Client).await.unwrap();
    let auth = handle
        .authenticate_publickey("bench", PrivateKeyWithHashAlg::new(key, None))
        .await
        .unwrap();
    assert!(auth.success());
    let channel = handle.channel_open_session().await.unwrap();
    channel
        .request_pty(false, "xterm-256color", 80, 24, 0, 0, &[])
        .await
        .unwrap();
    channel.request_shell(false).await.unwrap();
    let (mut read, write) = channel.split();
    let mut seen = Vec::new();
    while let Some(msg) = read.wait().await {
        if let ChannelMsg::Data { data } = msg {
            seen.extend_from_slice(&data);
            if String::from_utf8_lossy(&seen).contains(until) {
                break;
            }
        }
    }
    (handle, read, write)
}

async fn memory(entities: usize) {
    let tmp = tempfile::tempdir().unwrap();
    common::write_catalog(tmp.path(), entities);
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[tmp.path().to_path_buf()]).unwrap());
    let options = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    let catalog = sources::load(&[source], &options);
    assert_eq!(catalog.len(), entities);
    let hub = Hub::inline(
        Arc::new(FixedLoader::new(catalog)),
        StatusService::waiting(),
    );
    hub.catalog.reload();
    // One session first: what every session shares is paid for.
    let mut kept = Vec::new();
    let open = |n: usize, kept: &mut Vec<Session<std::io::Sink>>| {
        for _ in 0..n {
            let mut s =
                Session::new(&hub, app(), std::io::sink(), (80, 24), Box::new(PlainHost)).unwrap();
            s.pump();
            s.draw().unwrap();
            kept.push(s);
        }
    };
    open(1, &mut kept);
    let before = rss_bytes();
    let extra = 20;
    open(extra, &mut kept);
    let after = rss_bytes();
    println!(
        "memory per additional session, {entities} entities: {:.2} MiB ({extra} sessions: RSS {:.1} -> {:.1} MiB)",
        (after.saturating_sub(before)) as f64 / extra as f64 / 1048576.0,
        before as f64 / 1048576.0,
        after as f64 / 1048576.0
    );
}

struct Client;

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

async fn keystrokes(catalog: greenroom::catalog::Catalog, sessions: usize, typists: usize) {
    let (shared, addr, client_key, _dir) =
        start_server(catalog, StatusService::waiting(), sessions).await;

    let config = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    let started = Instant::now();
    let mut tasks = Vec::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel();
    let (samples_tx, mut samples_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<f64>>();
    // 1: type, 2: leave.
    let (phase_tx, phase_rx) = tokio::sync::watch::channel(0u8);
    for n in 0..sessions {
        let config = config.clone();
        let key = client_key.clone();
        let ready = ready_tx.clone();
        let samples_tx = samples_tx.clone();
        let mut phase = phase_rx.clone();
        let typing = n < typists;
        tasks.push(tokio::spawn(async move {
            let (handle, mut read, write) = open_session(config, addr, key, "190/190").await;
            let _ = ready.send(());
            let _ = phase.wait_for(|p| *p >= 1).await;
            if typing {
                let keys: [&[u8]; 11] = [
                    b"/", b"c", b"h", b"e", b"c", b"k", b"\x15", b"p", b"a", b"y", b"\x15",
                ];
                let mut samples = Vec::new();
                for _round in 0..3 {
                    for k in keys {
                        let t0 = Instant::now();
                        write.data(k).await.unwrap();
                        // Until the end of a frame (a synchronized update's end).
                        let mut buf = Vec::new();
                        while let Some(msg) = read.wait().await {
                            if let ChannelMsg::Data { data } = msg {
                                buf.extend_from_slice(&data);
                                if buf.windows(8).any(|w| w == b"\x1b[?2026l") {
                                    break;
                                }
                            }
                        }
                        samples.push(t0.elapsed().as_secs_f64() * 1000.0);
                    }
                    // Esc leaves the search; drain what it drew.
                    write.data(&b"\x1b"[..]).await.unwrap();
                    while let Ok(Some(_)) =
                        tokio::time::timeout(Duration::from_millis(150), read.wait()).await
                    {
                    }
                }
                let _ = samples_tx.send(samples);
            }
            let _ = phase.wait_for(|p| *p >= 2).await;
            drop(handle);
        }));
    }
    drop(ready_tx);
    drop(samples_tx);
    for _ in 0..sessions {
        ready_rx.recv().await.unwrap();
    }
    println!(
        "{sessions} SSH sessions connected and drawn in {:.1} s ({} on the server)",
        started.elapsed().as_secs_f64(),
        shared.sessions().len()
    );
    let _ = phase_tx.send(1);
    let mut samples = Vec::new();
    for _ in 0..typists {
        samples.extend(samples_rx.recv().await.unwrap());
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "keystroke to frame over SSH, {sessions} sessions, {typists} typing ({} keys): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        samples.len(),
        common::percentile(&samples, 0.5),
        common::percentile(&samples, 0.99),
        samples.last().copied().unwrap_or(0.0)
    );
    // Everyone idle: what the whole process (server and clients) spends.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let c0 = cpu();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let used = cpu() - c0;
    println!(
        "CPU over 3 s with {sessions} idle SSH sessions (server and clients in one process): {:.3} s",
        used.as_secs_f64()
    );
    let _ = phase_tx.send(2);
    for t in tasks {
        t.await.unwrap();
    }
}
