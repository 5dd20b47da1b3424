//! What loading costs a user: generates a related catalogue (100 documents a file: teams,
//! people, systems, components, APIs, resources with relations) and runs the real binary on it
//! as a child process, printing wall time, CPU time (user + system, from `wait4`) and peak
//! memory (max RSS) for `greenroom -c DIR export --json`, `greenroom validate DIR`, and the
//! portal's first full list in a pseudo-terminal (start to the list drawn, with the memory it
//! holds then). Medians of the runs.
//!
//! `cargo bench --bench load [-- SIZES... [--runs N] [--only export|validate|portal]]`
//! Sizes default to 10000 and 100000; 1,000,000 only when asked (`-- 1000000`) or with
//! `GREENROOM_BENCH_1M=1`. `GREENROOM_BIN=path` measures another build of the binary (to
//! compare before and after a change). `--keep DIR` writes each catalogue into `DIR/SIZE` and
//! leaves it there (to profile the binary on it, e.g. with `perf record`).

#[path = "common/mod.rs"]
mod common;

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One run of a child process.
#[derive(Clone, Copy, Debug, Default)]
struct Figures {
    wall: f64,
    cpu: f64,
    /// Peak resident memory, MiB.
    peak_mib: f64,
    /// Resident memory when measured (the portal after its first list), MiB.
    rss_mib: f64,
}

fn timeval(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// A temp folder with a config that turns the catalogue cache off.
fn no_cache_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[catalog]\ncache = false\n",
    )
    .unwrap();
    home
}

/// Runs `exe args` with stdout to /dev/null and measures it with `wait4` (which reaps it).
#[allow(clippy::zombie_processes)]
fn run_child(exe: &str, args: &[&str]) -> Figures {
    // The catalogue cache off and every dir in a temp folder: the figures are the load
    // itself (not a cache fill), and nothing lands in the user's cache.
    let home = no_cache_home();
    let started = Instant::now();
    let child = Command::new(exe)
        .args(args)
        .env("GREENROOM_CONFIG", home.path().join("config.toml"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting greenroom");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our child's, not yet waited for; the pointers are to live locals.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(pid, child.id() as i32, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
        "{exe} {args:?} failed: status {status}"
    );
    Figures {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        // ru_maxrss is in KiB on Linux.
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        rss_mib: 0.0,
    }
}

/// A `/proc/PID/status` field in KiB, as MiB.
fn proc_status_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// utime + stime of a live process, from /proc.
fn proc_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(close) = stat.rfind(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// The portal in an 80×24 pseudo-terminal: time from start until the footer shows the whole
/// catalogue (`N entities`, no longer reading), then its CPU, peak and current memory.
fn run_portal(exe: &str, dir: &Path, n: usize) -> Figures {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let config = no_cache_home();
    let mut cmd = CommandBuilder::new(exe);
    cmd.args(["-c", dir.to_str().unwrap()]);
    cmd.env("TERM", "xterm-256color");
    cmd.env("GREENROOM_CONFIG", config.path().join("config.toml"));
    cmd.env("XDG_CACHE_HOME", config.path().join("cache"));
    cmd.env("XDG_STATE_HOME", config.path().join("state"));
    let started = Instant::now();
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let pid = child.process_id().unwrap();
    let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let s = screen.clone();
    let drain = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(k) = reader.read(&mut buf) {
            if k == 0 {
                break;
            }
            s.lock().unwrap().process(&buf[..k]);
        }
    });
    let footer = format!(" {n} entities ");
    let counter = format!("{n}/{n}");
    let wall = loop {
        let text = screen.lock().unwrap().screen().contents();
        if text.contains(&footer) && text.contains(&counter) {
            break started.elapsed().as_secs_f64();
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the portal never showed {n} entities:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    // Let the allocator settle the way a user sees it a moment later.
    std::thread::sleep(Duration::from_millis(300));
    let figures = Figures {
        wall,
        cpu: proc_cpu_seconds(pid),
        peak_mib: proc_status_mib(pid, "VmHWM:"),
        rss_mib: proc_status_mib(pid, "VmRSS:"),
    };
    let _ = child.kill();
    let _ = child.wait();
    drop(pty.master);
    let _ = drain.join();
    figures
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn report(what: &str, runs: &[Figures], with_rss: bool) {
    let m = |f: fn(&Figures) -> f64| median(runs.iter().map(f).collect());
    let mut line = format!(
        "  {what:<28} wall {:7.2} s   CPU {:7.2} s   peak {:8.1} MiB",
        m(|f| f.wall),
        m(|f| f.cpu),
        m(|f| f.peak_mib)
    );
    if with_rss {
        line.push_str(&format!("   after load {:8.1} MiB", m(|f| f.rss_mib)));
    }
    println!("{line}   ({} runs)", runs.len());
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Numbers are sizes, except the value after a flag.
    let mut sizes: Vec<usize> = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || !args[i - 1].starts_with("--"))
        .filter_map(|(_, a)| a.parse().ok())
        .collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: usize = flag("--runs").and_then(|r| r.parse().ok()).unwrap_or(3);
    let only = flag("--only");
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
        if std::env::var_os("GREENROOM_BENCH_1M").is_some() {
            sizes.push(1_000_000);
        }
    }
    let exe = std::env::var("GREENROOM_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_greenroom").to_owned());
    println!("binary: {exe}");
    let wanted = |what: &str| only.as_deref().is_none_or(|o| o == what);
    let keep = flag("--keep").map(std::path::PathBuf::from);
    for n in sizes {
        let temp = tempfile::tempdir().unwrap();
        let kept = keep.as_ref().map(|k| k.join(n.to_string()));
        let dir = kept.as_deref().unwrap_or(temp.path());
        if let Some(kept) = &kept {
            let _ = std::fs::remove_dir_all(kept);
            std::fs::create_dir_all(kept).unwrap();
        }
        let t = Instant::now();
        common::write_related_catalog(dir, n, 100);
        let bytes: u64 = walk_size(dir);
        println!(
            "{n} entities ({} files, {:.1} MiB of YAML, written in {:.1} s):",
            n.div_ceil(100),
            bytes as f64 / 1048576.0,
            t.elapsed().as_secs_f64()
        );
        let d = dir.to_str().unwrap();
        if wanted("export") {
            let r: Vec<Figures> = (0..runs)
                .map(|_| run_child(&exe, &["-c", d, "export", "--json"]))
                .collect();
            report("export --json", &r, false);
        }
        if wanted("validate") {
            let r: Vec<Figures> = (0..runs)
                .map(|_| run_child(&exe, &["validate", d]))
                .collect();
            report("validate", &r, false);
        }
        if wanted("portal") {
            let r: Vec<Figures> = (0..runs).map(|_| run_portal(&exe, dir, n)).collect();
            report("portal: first full list", &r, true);
        }
    }
}

fn walk_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            walk_size(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}
