//! The portal sitting idle: starts the real binary in a pseudo-terminal, waits until the
//! catalogue is shown, then measures for 10 s how much CPU time the process uses and how many
//! bytes it writes to the terminal (0 means no redraw). Three runs: the bundled demo; a folder
//! of 1,000 descriptor files followed on disk (the hub's `DiskWatch`: inotify, nothing should
//! run while nothing changes) and the same folder with `--no-watch`, to compare; then, in the
//! watched run, how long a new descriptor saved on disk takes to reach the screen.
//! `cargo bench --bench idle_cpu [-- SECONDS]`

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// utime + stime of a process, in seconds, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("reading /proc/PID/stat");
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks / hz
}

/// `files` descriptors in folders of 10 (one Group owning them all).
fn write_catalogue(root: &Path, files: usize) {
    std::fs::write(
        root.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n",
    )
    .unwrap();
    for i in 1..files {
        let dir = root
            .join(format!("svc-{:03}", i / 10))
            .join(format!("c{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("catalog-info.yaml"),
            component(&format!("svc-{i}")),
        )
        .unwrap();
    }
}

fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: a service\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
}

/// The real binary in an 80×24 pseudo-terminal, its screen parsed as it draws.
struct Portal {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    pid: u32,
    bytes: Arc<AtomicUsize>,
    screen: Arc<Mutex<vt100::Parser>>,
    _dirs: tempfile::TempDir,
}

impl Portal {
    fn start(args: &[&str]) -> Portal {
        let exe = env!("CARGO_BIN_EXE_greenroom");
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        // Config, state and cache in a temp folder: never the user's.
        let dirs = tempfile::tempdir().unwrap();
        let mut cmd = CommandBuilder::new(exe);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("GREENROOM_CONFIG", dirs.path().join("config.toml"));
        cmd.env("XDG_STATE_HOME", dirs.path().join("state"));
        cmd.env("XDG_CACHE_HOME", dirs.path().join("cache"));
        cmd.env("XDG_CONFIG_HOME", dirs.path().join("config"));
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let pid = child.process_id().unwrap();
        let bytes = Arc::new(AtomicUsize::new(0));
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let (b, s) = (bytes.clone(), screen.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                b.fetch_add(n, Ordering::SeqCst);
                s.lock().unwrap().process(&buf[..n]);
            }
        });
        Portal {
            child,
            master: pty.master,
            pid,
            bytes,
            screen,
            _dirs: dirs,
        }
    }

    /// Waits until the screen shows `text`; how long that took.
    fn until(&self, text: &str, limit: Duration) -> Duration {
        let start = Instant::now();
        while !self
            .screen
            .lock()
            .unwrap()
            .screen()
            .contents()
            .contains(text)
        {
            assert!(
                start.elapsed() < limit,
                "the portal did not show {text:?}:\n{}",
                self.screen.lock().unwrap().screen().contents()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        start.elapsed()
    }

    /// CPU seconds and bytes drawn while nothing happens for `seconds`.
    fn idle(&self, seconds: u64) -> (f64, usize) {
        // Let start-up work (index build, first search) settle before measuring.
        std::thread::sleep(Duration::from_secs(1));
        let (cpu0, bytes0) = (cpu_seconds(self.pid), self.bytes.load(Ordering::SeqCst));
        std::thread::sleep(Duration::from_secs(seconds));
        let (cpu1, bytes1) = (cpu_seconds(self.pid), self.bytes.load(Ordering::SeqCst));
        (cpu1 - cpu0, bytes1 - bytes0)
    }

    fn quit(mut self) {
        let mut writer = self.master.take_writer().unwrap();
        let _ = writer.write_all(b"q");
        let _ = self.child.wait();
    }
}

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let limit = Duration::from_secs(60);

    let demo = Portal::start(&[]);
    demo.until(" entities ", limit);
    let (cpu, bytes) = demo.idle(seconds);
    demo.quit();
    println!("idle {seconds} s on the demo: {cpu:.3} s CPU, {bytes} bytes written to the terminal");

    const FILES: usize = 1000;
    let folder = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(folder.path()).unwrap();
    write_catalogue(&root, FILES);
    let root_arg = root.to_string_lossy().into_owned();
    let shown = format!("{FILES} entities");

    let unwatched = Portal::start(&["--no-watch", "-c", &root_arg]);
    unwatched.until(&shown, limit);
    let (cpu_off, bytes_off) = unwatched.idle(seconds);
    unwatched.quit();

    let watched = Portal::start(&["-c", &root_arg]);
    let first = watched.until(&shown, limit);
    let (cpu_on, bytes_on) = watched.idle(seconds);
    // A descriptor saved in another terminal: how long until the portal shows it.
    let added = root.join("svc-new").join("catalog-info.yaml");
    std::fs::create_dir_all(added.parent().unwrap()).unwrap();
    let saved = Instant::now();
    std::fs::write(&added, component("svc-new")).unwrap();
    // The list's count (the header shows the "read again" notice for a few seconds instead
    // of its own count).
    watched.until(&format!("{0}/{0}", FILES + 1), limit);
    let follow = saved.elapsed();
    watched.quit();
    println!(
        "idle {seconds} s over {FILES} descriptor files: watched {cpu_on:.3} s CPU, {bytes_on} bytes; \
         --no-watch {cpu_off:.3} s CPU, {bytes_off} bytes"
    );
    println!(
        "a new descriptor saved on disk reached the screen in {:.0} ms (of which {} ms is the quiet \
         the watcher waits for; the first load took {:.0} ms)",
        follow.as_secs_f64() * 1e3,
        greenroom::limits::WATCH_QUIET.as_millis(),
        first.as_secs_f64() * 1e3
    );
}
