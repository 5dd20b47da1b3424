//! The real binary in a pseudo-terminal: search, open an entity, quit, and check the terminal
//! was given back; and the ways out that are not a keypress (SIGTERM, SIGHUP, the terminal
//! going away); the Docs tab on the demo, and on a TechDocs backend that holds its answers.
#![cfg(unix)]

mod docs_support;

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

struct Session {
    /// Everything the app wrote, for sequences the screen model does not keep (OSC 52).
    raw: Arc<Mutex<Vec<u8>>>,
    reader_done: Arc<std::sync::atomic::AtomicBool>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<vt100::Parser>>,
    _config: tempfile::TempDir,
    /// Kills the app when the session is dropped, so a failing test leaves no greenroom
    /// running behind it.
    _reaper: Reaper,
}

struct Reaper(Box<dyn portable_pty::ChildKiller + Send + Sync>);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

impl Session {
    fn start(args: &[&str]) -> Session {
        Self::start_reading_until(args, None)
    }

    fn start_program(program: &str, args: &[&str]) -> Session {
        Self::start_full(program, args, None, tempfile::tempdir().unwrap())
    }

    /// Starts greenroom; the terminal is drained in the background until `stop_after` shows
    /// (then the reader lets go of the terminal), or for the whole session.
    fn start_reading_until(args: &[&str], stop_after: Option<&'static str>) -> Session {
        Self::start_full(
            env!("CARGO_BIN_EXE_greenroom"),
            args,
            stop_after,
            tempfile::tempdir().unwrap(),
        )
    }

    /// Starts greenroom with its config file (`config.toml`) and state in `config`.
    fn start_in(
        args: &[&str],
        stop_after: Option<&'static str>,
        config: tempfile::TempDir,
    ) -> Session {
        Self::start_full(env!("CARGO_BIN_EXE_greenroom"), args, stop_after, config)
    }

    /// greenroom on the bundled demo, working in `cwd` (where a template run writes).
    fn start_demo_in(cwd: &std::path::Path) -> Session {
        Self::start_at(
            env!("CARGO_BIN_EXE_greenroom"),
            &[],
            None,
            tempfile::tempdir().unwrap(),
            cwd,
            &[],
        )
    }

    /// greenroom with extra environment variables, its config and state in `config`.
    fn start_with_env(args: &[&str], env: &[(&str, &str)], config: tempfile::TempDir) -> Session {
        Self::start_at(
            env!("CARGO_BIN_EXE_greenroom"),
            args,
            None,
            config,
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
            env,
        )
    }

    fn start_full(
        program: &str,
        args: &[&str],
        stop_after: Option<&'static str>,
        config: tempfile::TempDir,
    ) -> Session {
        Self::start_at(
            program,
            args,
            stop_after,
            config,
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
            &[],
        )
    }

    fn start_at(
        program: &str,
        args: &[&str],
        stop_after: Option<&'static str>,
        config: tempfile::TempDir,
        cwd: &std::path::Path,
        env: &[(&str, &str)],
    ) -> Session {
        Self::start_pty(program, args, stop_after, config, cwd, env)
    }

    /// As `start_at`, with environment variables set on top (after the defaults).
    fn start_pty(
        program: &str,
        args: &[&str],
        stop_after: Option<&'static str>,
        config: tempfile::TempDir,
        cwd: &std::path::Path,
        env: &[(&str, &str)],
    ) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("GREENROOM_CONFIG", config.path().join("config.toml"));
        cmd.env("XDG_STATE_HOME", config.path().join("state"));
        cmd.env("XDG_CACHE_HOME", config.path().join("cache"));
        cmd.env_remove("SSH_CONNECTION");
        cmd.env_remove("TMUX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(cwd);
        let child = pty.slave.spawn_command(cmd).unwrap();
        let reaper = Reaper(child.clone_killer());
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        // Drain the terminal continuously so the app never blocks writing.
        let mut reader = pty.master.try_clone_reader().unwrap();
        let parser = screen.clone();
        let reader_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = reader_done.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_in = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                raw_in.lock().unwrap().extend_from_slice(&buf[..n]);
                let mut p = parser.lock().unwrap();
                p.process(&buf[..n]);
                if stop_after.is_some_and(|s| p.screen().contents().contains(s)) {
                    break;
                }
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let writer = pty.master.take_writer().unwrap();
        Session {
            raw,
            reader_done,
            master: pty.master,
            writer,
            child,
            screen,
            _config: config,
            _reaper: reaper,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, needle: &str) {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.text().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{needle:?} never appeared; the screen:\n{}", self.text());
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("greenroom did not exit; the screen:\n{}", self.text());
    }

    /// The terminal is as the shell left it: main screen, cursor shown, no paste or mouse
    /// modes, and the line discipline back in canonical mode with echo.
    fn assert_restored(&self) {
        // Let the last bytes arrive.
        std::thread::sleep(Duration::from_millis(200));
        let parser = self.screen.lock().unwrap();
        let s = parser.screen();
        assert!(!s.alternate_screen(), "still on the alternate screen");
        assert!(!s.hide_cursor(), "cursor still hidden");
        assert!(!s.bracketed_paste(), "bracketed paste still on");
        assert_eq!(s.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
        let fd = self.master.as_raw_fd().unwrap();
        // SAFETY: a zeroed termios filled in by tcgetattr on a valid descriptor.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
        assert!(
            t.c_lflag & libc::ICANON != 0,
            "raw mode left on (no ICANON)"
        );
        assert!(t.c_lflag & libc::ECHO != 0, "raw mode left on (no ECHO)");
    }
}

fn examples() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/backstage-examples/root.yaml")
        .display()
        .to_string()
}

#[test]
fn search_open_quit_restores_the_terminal() {
    let mut s = Session::start(&["-c", &examples(), "--offline"]);
    s.wait_for("69 entities");
    s.send("/");
    s.send("shuffle");
    s.wait_for("1/69");
    s.send("\r");
    s.wait_for("Component shuffle-api");
    s.wait_for("[1 Overview]");
    // Jump to the owner, then back.
    s.send("o");
    s.wait_for("User guest");
    s.send("\x1b");
    s.wait_for("Component shuffle-api");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    s.assert_restored();
}

/// Without a configured catalogue the portal opens the bundled demo and says so.
#[test]
fn the_portal_says_when_it_opens_the_demo_because_nothing_is_configured() {
    let mut s = Session::start(&[]);
    s.wait_for("No catalogue configured: the bundled demo (-c PATH)");
    s.wait_for("190/190");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_restored();
}

/// Every terminating signal, from `kill`, `timeout` or a process manager, gives the terminal
/// back (main screen, mouse off, cursor shown, cooked mode) and exits with 128 + the signal.
#[test]
fn terminating_signals_restore_the_terminal_and_exit_128_plus_the_signal() {
    for (signal, code) in [
        (libc::SIGTERM, 143),
        (libc::SIGHUP, 129),
        (libc::SIGINT, 130),
        (libc::SIGQUIT, 131),
        (libc::SIGUSR1, 138),
        (libc::SIGPIPE, 141),
    ] {
        let mut s = Session::start(&["-c", &examples(), "--offline", "--mouse"]);
        s.wait_for("69 entities");
        assert_ne!(
            s.screen.lock().unwrap().screen().mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "--mouse turns capture on"
        );
        let pid = s.child.process_id().unwrap() as libc::pid_t;
        // SAFETY: signalling our own child.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let status = s.wait_exit();
        assert_eq!(
            (status.exit_code(), status.signal()),
            (code, None),
            "signal {signal}"
        );
        s.assert_restored();
    }
}

/// An abort cannot go through the event loop; its handler still gives the terminal back
/// before the process dies of it.
#[test]
fn an_abort_restores_the_terminal() {
    let mut s = Session::start(&["-c", &examples(), "--offline", "--mouse"]);
    s.wait_for("69 entities");
    let pid = s.child.process_id().unwrap() as libc::pid_t;
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGABRT) }, 0);
    let status = s.wait_exit();
    assert!(status.signal().is_some(), "died of the abort: {status:?}");
    s.assert_restored();
}

/// A panic on the main loop, a runtime worker (tokio would catch it and keep drawing) or a plain
/// thread restores the terminal, prints a short sanitised message naming the log file, writes
/// the full report with a backtrace there, and exits 101.
#[test]
fn a_panic_on_any_thread_restores_reports_and_exits() {
    for place in ["main", "task", "thread"] {
        let config = tempfile::tempdir().unwrap();
        let log = config.path().join("state/greenroom/greenroom.log");
        let mut s = Session::start_with_env(
            &["-c", &examples(), "--offline", "--mouse"],
            &[("GREENROOM_PANIC_TEST", place)],
            config,
        );
        let status = s.wait_exit();
        assert_eq!(
            (status.exit_code(), status.signal()),
            (101, None),
            "{place}"
        );
        s.assert_restored();
        s.wait_for(&format!("greenroom crashed: test panic ({place})"));
        s.wait_for("The full report (with a backtrace) is in");
        let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
        assert!(
            !raw.contains("pwned\x07"),
            "the message reached the terminal raw"
        );
        let report = std::fs::read_to_string(&log).unwrap();
        assert!(
            report.contains(&format!("test panic ({place})")),
            "{report}"
        );
        assert!(report.contains("Backtrace:"), "{report}");
    }
}

#[test]
fn exits_instead_of_spinning_when_the_terminal_goes_away() {
    let s = Session::start_reading_until(&["-c", &examples(), "--offline"], Some("69 entities"));
    s.wait_for("69 entities");
    while !s.reader_done.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = s.child.process_id().unwrap();
    // Closing every handle on the terminal is what a dropped SSH link looks like from inside.
    let Session {
        master,
        writer,
        mut child,
        ..
    } = s;
    drop(writer);
    drop(master);
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            // A hang-up, not a crash: nothing after it may print to the dead terminal and
            // panic (ratatui's drop used to, showing the cursor).
            assert_ne!(status.exit_code(), 101, "greenroom crashed on the hang-up");
            break;
        }
        assert!(
            start.elapsed() < WAIT,
            "greenroom (pid {pid}) is still running after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn paste_copy_mouse_and_suspend() {
    let mut s = Session::start(&["-c", &examples(), "--offline"]);
    s.wait_for("69 entities");
    // Mouse capture stays off unless asked for.
    assert_eq!(
        s.screen.lock().unwrap().screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
    // Bracketed paste goes into the query, on one line.
    s.send("\x1b[200~wayback\narchive\x1b[201~");
    s.wait_for("/ wayback archive");
    s.send("\r");
    s.wait_for("[1 Overview]");
    // y opens the copy menu, the ref first; Enter copies it through OSC 52.
    s.send("y");
    s.wait_for(" Copy ");
    s.send("\r");
    s.wait_for("copied ref");
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    assert!(
        raw.contains("\x1b]52;c;Y29tcG9uZW50OmRlZmF1bHQvd2F5YmFjay1hcmNoaXZl\x07"),
        "OSC 52 with component:default/wayback-archive"
    );
    s.wait_for("[1 Overview]");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_restored();
}

/// Inside tmux (a stand-in `tmux` on PATH answers the option queries, as tmux 3.3 does), a
/// copy goes out both through tmux's passthrough and plain; while tmux's `set-clipboard` is
/// `external` (its default) the user is told it will not arrive, and how to fix it. With no
/// `xdg-open` on PATH, `x` copies the link instead of claiming to open it.
#[test]
fn tmux_copies_and_links_without_an_opener() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let setting = tmp.path().join("set-clipboard");
    let argv = tmp.path().join("argv");
    std::fs::write(&setting, "external\n").unwrap();
    // Shell builtins only: PATH holds nothing but this script.
    let script = format!(
        "#!/bin/sh\nprintf '%s ' \"$@\" >> '{argv}'; echo >> '{argv}'\ncase \"$3\" in\n  set-clipboard) read -r v < '{setting}'; echo \"$v\" ;;\n  allow-passthrough) echo off ;;\n  *) exit 1 ;;\nesac\n",
        argv = argv.display(),
        setting = setting.display()
    );
    let tmux = bin.join("tmux");
    std::fs::write(&tmux, script).unwrap();
    std::fs::set_permissions(&tmux, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = bin.display().to_string();
    let mut s = Session::start_pty(
        env!("CARGO_BIN_EXE_greenroom"),
        &["-c", &examples(), "--offline"],
        None,
        tempfile::tempdir().unwrap(),
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            ("PATH", &path),
            ("TMUX", "/tmp/tmux-test/default,1,0"),
            ("DISPLAY", ":0"),
        ],
    );
    s.wait_for("69 entities");
    s.send("/artist-lookup\r");
    s.wait_for("[1 Overview]");
    s.send("y");
    s.wait_for(" Copy ");
    s.send("\r");
    s.wait_for("not copied: tmux needs `set -g set-clipboard on`");
    let ref_b64 = "Y29tcG9uZW50OmRlZmF1bHQvYXJ0aXN0LWxvb2t1cA=="; // component:default/artist-lookup
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    assert!(
        raw.contains(&format!(
            "\x1bPtmux;\x1b\x1b]52;c;{ref_b64}\x07\x1b\\\x1b]52;c;{ref_b64}\x07"
        )),
        "passthrough and plain OSC 52"
    );
    let asked = std::fs::read_to_string(&argv).unwrap();
    assert!(asked.contains("show-options -gv set-clipboard"), "{asked}");
    // Once tmux forwards copies, x on a link copies it (there is no xdg-open) and says so.
    std::fs::write(&setting, "on\n").unwrap();
    for _ in 0..10 {
        if s.text()
            .lines()
            .any(|l| l.contains('▶') && l.contains("https://"))
        {
            break;
        }
        s.send("\x1b[B");
        std::thread::sleep(Duration::from_millis(150));
    }
    s.send("x");
    s.wait_for("so copied instead");
    let text = s.text();
    assert!(!text.contains("opening"), "{text}");
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    // https://example.com/user
    assert!(
        raw.contains("\x1b]52;c;aHR0cHM6Ly9leGFtcGxlLmNvbS91c2Vy\x07"),
        "the link copied"
    );
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_restored();
}

/// ctrl-z gives the terminal back and stops greenroom like any job; `fg` takes it back. Stopping needs a job-control shell (a process group that is not orphaned), as in
/// real use, so greenroom runs under `bash` with monitor mode on.
#[test]
fn ctrl_z_suspends_and_resumes() {
    let script = format!(
        "set -m; {} -c {} --offline; sleep 2; fg; echo greenroom-exited",
        env!("CARGO_BIN_EXE_greenroom"),
        examples()
    );
    let mut s = Session::start_program("bash", &["--norc", "--noprofile", "-c", &script]);
    s.wait_for("69 entities");
    let shell = s.child.process_id().unwrap();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    let pid: u32 = children.split_whitespace().next().unwrap().parse().unwrap();
    let state = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        stat[stat.rfind(')').unwrap() + 2..].chars().next().unwrap()
    };
    s.send("\x1a");
    let start = Instant::now();
    while state() != 'T' {
        assert!(
            start.elapsed() < WAIT,
            "not stopped after ctrl-z (state {})",
            state()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !s.screen.lock().unwrap().screen().alternate_screen(),
        "terminal given back while stopped"
    );
    // The shell runs `fg` two seconds later.
    let start = Instant::now();
    while !s.screen.lock().unwrap().screen().alternate_screen() {
        assert!(
            start.elapsed() < WAIT,
            "did not take the terminal back after SIGCONT"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    s.wait_for("69 entities");
    s.send("q");
    s.wait_for("greenroom-exited");
    s.assert_restored();
}

/// SIGTSTP sent from outside (not the keyboard) stops greenroom the same way: the terminal is
/// given back first, and taken again when the shell continues it.
#[test]
fn sigtstp_from_outside_restores_stops_and_resumes() {
    let script = format!(
        "set -m; {} -c {} --offline --mouse; read -r _; fg; echo greenroom-exited $?",
        env!("CARGO_BIN_EXE_greenroom"),
        examples()
    );
    let mut s = Session::start_program("bash", &["--norc", "--noprofile", "-c", &script]);
    s.wait_for("69 entities");
    let shell = s.child.process_id().unwrap();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    let pid: u32 = children.split_whitespace().next().unwrap().parse().unwrap();
    let state = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        stat[stat.rfind(')').unwrap() + 2..].chars().next().unwrap()
    };
    // SAFETY: signalling a process this test started.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTSTP) }, 0);
    let start = Instant::now();
    while state() != 'T' {
        assert!(start.elapsed() < WAIT, "not stopped (state {})", state());
        std::thread::sleep(Duration::from_millis(20));
    }
    s.assert_restored();
    // The shell is reading a line; Enter makes it run `fg`.
    s.send("\r");
    let start = Instant::now();
    while !s.screen.lock().unwrap().screen().alternate_screen() {
        assert!(start.elapsed() < WAIT, "did not take the terminal back");
        std::thread::sleep(Duration::from_millis(20));
    }
    s.wait_for("69 entities");
    assert_ne!(
        s.screen.lock().unwrap().screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse capture back on"
    );
    s.send("q");
    s.wait_for("greenroom-exited 0");
    s.assert_restored();
}

/// The screen with what changes by itself every second taken out: ages and countdowns.
fn without_ages(text: &str) -> String {
    let ages = regex::Regex::new(r"\b(\d+[smhd] ago|now|in \d+[smhd]|retry in \d+s)\b").unwrap();
    ages.replace_all(text, "").into_owned()
}

impl Session {
    /// Waits, without sending anything, until `cond` holds for the screen.
    fn wait_until(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            let text = self.text();
            if cond(&text) {
                return text;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{what} never happened; the screen:\n{}", self.text());
    }
}

#[test]
fn demo_status_moves_and_a_four_pane_layout_is_saved_and_reopened() {
    let config = tempfile::tempdir().unwrap();
    let config_file = config.path().join("config.toml");
    let mut s = Session::start_in(&["--demo"], None, config);
    s.wait_for("190 entities");
    s.send("/checkout-service");
    s.wait_for("Component checkout-service");
    s.send("\r");
    s.wait_for("[1 Overview]");
    s.send("5");
    s.wait_for("[5 Status]");
    s.wait_for("DEMO DATA");
    // Down to the metrics and alerts; then no more keys.
    s.send("\x1b[F");
    let loaded = s.wait_until("the widgets on screen loaded", |t| {
        t.contains("Metric")
            && t.contains("ago")
            && !t.contains("loading…")
            && !t.contains("not loaded yet")
    });
    let before = without_ages(&loaded);
    let moved = s.wait_until("a value changed by itself", |t| without_ages(t) != before);
    assert!(
        moved.contains("[5 Status]"),
        "still on the Status tab:\n{moved}"
    );

    // Four components pinned from the list make a 2×2 watch.
    s.send("c");
    s.send("/");
    s.send("\x0c"); // ctrl-l clears the query
    s.send("kind:component");
    s.wait_for("kind:component");
    s.send("\x1b");
    // Leaving the query line shows the list's hints (and keeps "\x1b p" from reading as alt-p).
    s.wait_for("/ search  enter open");
    for i in 0..4 {
        if i > 0 {
            s.send("\x1b[B");
        }
        s.send("p");
        s.wait_for(&format!("→ pane {}", i + 1));
    }
    s.send("W");
    s.wait_for("4 pane(s)");
    let watch = s.wait_until("the panes show status", |t| t.matches("ago").count() >= 4);
    for n in 1..=4 {
        assert!(
            watch.contains(&format!("┌ {n} ")) || watch.contains(&format!("┌▶ {n} ")),
            "pane {n}:\n{watch}"
        );
    }
    s.send("S");
    s.wait_for("Save this layout as");
    s.send("e2e-wall\r");
    s.wait_for("saved layout");
    s.send("q");
    assert!(s.wait_exit().success());
    let saved = std::fs::read_to_string(&config_file).unwrap();
    assert!(saved.contains("name = \"e2e-wall\""), "{saved}");
    assert_eq!(saved.matches("at = [").count(), 4, "{saved}");

    // Reopened by name: straight into the watch with the four panes, updating.
    let Session {
        _config: config, ..
    } = s;
    let mut again = Session::start_in(&["--demo", "--layout", "e2e-wall"], None, config);
    again.wait_for("layout e2e-wall");
    again.wait_for("4 pane(s)");
    let reopened = again.wait_until("the reopened panes show status", |t| {
        t.matches("ago").count() >= 4
    });
    for n in 1..=4 {
        assert!(
            reopened.contains(&format!("┌ {n} ")) || reopened.contains(&format!("┌▶ {n} ")),
            "pane {n}:\n{reopened}"
        );
    }
    again.send("q");
    assert!(again.wait_exit().success());
    again.assert_restored();
}

#[test]
fn an_unknown_layout_name_is_a_plain_error_listing_the_saved_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[layouts]]\nname = \"wall\"\npanes = [{ at = [0, 0, 100, 100] }]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .args(["--demo", "--layout", "nope"])
        .env("GREENROOM_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no layout named \"nope\"; saved layouts in") && err.contains("\"wall\""),
        "{err}"
    );
}

/// Open the demo, go to the templates, fill in the documentation-site template from the
/// keyboard (an owner from the picker), create it in a temporary folder, and find the new entity
/// in the catalogue list by searching for it.
const TAB: &str = "\t";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const CTRL_S: &str = "\x13";

#[test]
fn fill_a_template_create_it_and_find_it_in_the_catalogue() {
    let work = tempfile::tempdir().unwrap();
    let mut s = Session::start_demo_in(work.path());
    s.wait_for("190 entities");
    s.send("n");
    s.wait_for("Software templates");
    s.send("techdocs");
    s.wait_for("▶ Documentation site");
    s.send(ENTER);
    s.wait_for("page 1 of 1");
    s.send("demo-docs");
    s.wait_for("[demo-docs");
    s.send(TAB);
    s.send("Docs for the demo");
    s.send(TAB);
    // Typing on the owner field opens its picker, filtered by what was typed.
    s.send("devex");
    s.wait_for("▶ group:default/devex-team");
    s.send(ENTER);
    s.wait_for("(Developer Experience)");
    s.send(CTRL_S);
    s.wait_for("Review · Documentation site");
    s.send(ENTER);
    s.wait_for("Create it in which folder?");
    s.wait_for("./demo-docs");
    s.send(ENTER);
    s.wait_for("✔ Created in");
    s.wait_for("component:default/demo-docs added to the catalogue");
    let created = work.path().join("demo-docs");
    assert!(created.join("catalog-info.yaml").is_file());
    assert!(created.join("mkdocs.yml").is_file());
    // Back to the list, then search for the new entity.
    s.send(ESC);
    s.wait_for("Software templates");
    s.send(ESC);
    s.wait_for("191 entities");
    s.send("/");
    s.send("demo-docs");
    // " 1/191", not "191/191": the search has answered.
    s.wait_for(" 1/191");
    s.wait_for("▶ Component demo-docs");
    s.send(ENTER);
    s.wait_for("[1 Overview]");
    s.wait_for("Docs for the demo");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    // Nothing else was written where greenroom ran.
    let entries: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["demo-docs"]);
}

#[test]
fn the_docs_tab_shows_a_runbook_with_its_nav_and_find() {
    let mut s = Session::start(&["--demo"]);
    s.wait_for("190/190");
    s.send("/");
    s.send("checkout-service");
    s.wait_for("checkout-service");
    s.send("\r");
    s.wait_for("Component checkout-service");
    s.send("6");
    s.wait_for("Checkout › Overview  1/4");
    // The nav tree, down to the runbook.
    s.send("t");
    s.send("\x1b[B");
    s.send("\x1b[B");
    s.send("\r");
    s.wait_for("Checkout › Runbook  3/4");
    s.wait_for("CheckoutHighErrorRate");
    s.send("/");
    s.send("kubectl");
    s.send("\r");
    s.wait_for("find \"kubectl\": 2 lines");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_restored();
}

#[test]
fn a_slow_techdocs_backend_leaves_the_portal_answering_and_esc_stops_waiting() {
    let fake = docs_support::fake_backend();
    let config = tempfile::tempdir().unwrap();
    std::fs::write(
        config.path().join("config.toml"),
        format!(
            "[[catalog.source]]\ntype = \"backstage\"\nbase_url = \"{}\"\n",
            fake.url
        ),
    )
    .unwrap();
    fake.close_gate();
    let mut s = Session::start_in(&[], None, config);
    s.wait_for("1/1");
    s.send("\r");
    s.wait_for("Component petstore");
    s.send("6");
    s.wait_for("opening the docs at");
    s.wait_for("esc stops waiting");
    // The backend holds the answer; the portal still answers keys.
    s.send("?");
    s.wait_for("Keys in force");
    s.send("\x1b");
    s.wait_until("help closed", |t| {
        !t.contains("Keys in force") && t.contains("esc stops waiting")
    });
    s.send("\x1b");
    s.wait_for("stopped opening the docs");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_restored();
    fake.open_gate();
}

/// `e` hands the terminal to `$EDITOR` (main screen, cooked mode, greenroom reading none of
/// the keys), runs it as a direct child with the descriptor at the entity's line, then takes
/// the terminal back and reads the edited file again.
#[test]
fn e_opens_the_descriptor_in_the_editor_at_its_line_and_reloads_on_return() {
    use std::os::unix::fs::PermissionsExt;
    let config = tempfile::tempdir().unwrap();
    let dir = config.path().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    let descriptor = dir.join("catalog-info.yaml");
    std::fs::write(
        &descriptor,
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: edit-me\n  description: first words\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n",
    )
    .unwrap();
    // A fake `vi` (the name picks the `+LINE FILE` form): it records its arguments and the
    // terminal's modes, reads a line the user types, and edits the file.
    let bin = config.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let out = config.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let editor = bin.join("vi");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {out}/args.tmp\nstty -a > {out}/stty\nmv {out}/args.tmp {out}/args\nIFS= read -r line\nprintf '%s\\n' \"$line\" > {out}/typed\nsed -i 's/first words/second words/' \"$2\"\n",
            out = out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let editor_command = format!("'{}'", editor.display());
    let cache = config.path().join("cache");
    let mut s = Session::start_with_env(
        &["-c", dir.to_str().unwrap()],
        &[
            ("EDITOR", editor_command.as_str()),
            ("VISUAL", ""),
            ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ],
        config,
    );
    s.wait_for("2 entities");
    s.send("/edit-me");
    s.wait_for(" 1/2");
    s.send(ENTER);
    s.wait_for("first words");
    s.send("e");
    let args = out.join("args");
    let start = Instant::now();
    while !args.exists() {
        assert!(start.elapsed() < WAIT, "the editor never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read_to_string(&args).unwrap(),
        format!("+12\n{}\n", descriptor.display())
    );
    let stty = std::fs::read_to_string(out.join("stty")).unwrap();
    assert!(
        stty.split_whitespace().any(|w| w == "icanon"),
        "the editor got a raw terminal: {stty}"
    );
    assert!(
        !s.screen.lock().unwrap().screen().alternate_screen(),
        "the editor got the alternate screen"
    );
    // `q` would quit greenroom if its reader were still taking keys.
    s.send("q typed for the editor\r");
    s.wait_for("second words");
    assert_eq!(
        std::fs::read_to_string(out.join("typed")).unwrap(),
        "q typed for the editor\n"
    );
    assert!(s.screen.lock().unwrap().screen().alternate_screen());
    assert!(s.child.try_wait().unwrap().is_none(), "greenroom exited");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    s.assert_restored();
}
