//! The portal sitting idle: starts the real binary in a pseudo-terminal on the bundled demo,
//! waits until the catalogue is shown, then measures for 10 s how much CPU time the process
//! uses and how many bytes it writes to the terminal (0 means no redraw).
//! `cargo bench --bench idle_cpu [-- SECONDS]`

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
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

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let exe = env!("CARGO_BIN_EXE_greenroom");
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut cmd = CommandBuilder::new(exe);
    cmd.env("TERM", "xterm-256color");
    cmd.env("GREENROOM_CONFIG", config.path().join("config.toml"));
    cmd.env("XDG_STATE_HOME", config.path().join("state"));
    let mut child = pty.slave.spawn_command(cmd).unwrap();
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
    let start = Instant::now();
    while !screen
        .lock()
        .unwrap()
        .screen()
        .contents()
        .contains(" entities ")
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the portal did not show the catalogue"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let start-up work (index build, first search) settle before measuring.
    std::thread::sleep(Duration::from_secs(1));
    let (cpu0, bytes0) = (cpu_seconds(pid), bytes.load(Ordering::SeqCst));
    std::thread::sleep(Duration::from_secs(seconds));
    let (cpu1, bytes1) = (cpu_seconds(pid), bytes.load(Ordering::SeqCst));
    let mut writer = pty.master.take_writer().unwrap();
    let _ = writer.write_all(b"q");
    let _ = child.wait();
    println!(
        "idle {seconds} s on the demo: {:.3} s CPU, {} bytes written to the terminal",
        cpu1 - cpu0,
        bytes1 - bytes0
    );
}
