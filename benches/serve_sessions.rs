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
//!
//! `cargo bench --bench serve_sessions [-- ENTITIES SESSIONS TYPISTS]`
//! (`--profile dev` for a debug build.)

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
    runtime.block_on(memory(entities));
    // Loaded outside the runtime (a source may use a blocking HTTP client).
    let demo: Box<dyn Source> = Box::new(sources::demo::source());
    let options = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    let catalog = sources::load(&[demo], &options);
    runtime.block_on(keystrokes(catalog, sessions, typists));
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
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(
        Arc::new(FixedLoader::new(catalog)),
        StatusService::waiting(),
    );
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
        description: "the bundled demo".into(),
        demo: false,
        demo_fallback: false,
        watch: false,
    };
    let mut limits = ServeLimits::from_config(&Default::default());
    limits.sessions = sessions + 1;
    limits.sessions_per_key = sessions + 1;
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
            // Until the first frame with the catalogue in it.
            let mut seen = Vec::new();
            while let Some(msg) = read.wait().await {
                if let ChannelMsg::Data { data } = msg {
                    seen.extend_from_slice(&data);
                    if String::from_utf8_lossy(&seen).contains("190/190") {
                        break;
                    }
                }
            }
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
