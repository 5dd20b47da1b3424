//! `greenroom serve` end to end with the real OpenSSH client: the real binary serves the demo
//! on a loopback port, and `ssh` runs in a pseudo-terminal as a person would run it. An
//! authorised key sees the catalogue and its own screen (two at once, each its own size and
//! resizes), an unknown key is refused, `ssh host cmd` and `-L` forwarding are refused, and
//! the server's sessions file, audit log and host key are what they should be. Everything the
//! server and the client write stays in a temporary directory (XDG dirs, config, known_hosts).
//!
//! `ssh` and `ssh-keygen` come from Debian's `openssh-client`; `.ci/setup` installs it. Outside
//! CI a machine without it skips these tests with a notice; with `CI=true` they fail.
#![cfg(unix)]

mod status_support;

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);

fn have_openssh() -> bool {
    let ok = |p: &str| {
        Command::new(p)
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if ok("ssh") && Command::new("ssh-keygen").arg("-?").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI needs the OpenSSH client (.ci/setup installs openssh-client)"
    );
    eprintln!(
        "SKIPPING the OpenSSH end-to-end tests: no ssh/ssh-keygen (apt install openssh-client)"
    );
    false
}

/// Generates alice's and bob's (authorised) and mallory's (not) keys in `dir`, and an
/// authorized_keys file with alice's and bob's.
fn make_keys(dir: &Path) {
    for (name, comment) in [
        ("alice", "alice@laptop"),
        ("bob", "bob@desk"),
        ("mallory", "mallory@evil"),
    ] {
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
            .arg(dir.join(name))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let alice = std::fs::read_to_string(dir.join("alice.pub")).unwrap();
    let bob = std::fs::read_to_string(dir.join("bob.pub")).unwrap();
    std::fs::write(dir.join("authorized_keys"), alice + &bob).unwrap();
}

/// A running `greenroom serve` on the demo, in its own directory.
struct Server {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    /// Generates alice's and bob's (authorised) and mallory's (not) keys, then starts the
    /// server with `config` as its config file.
    fn start(config: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        make_keys(dir.path());
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_greenroom"))
            .args([
                "--demo",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--authorized-keys",
            ])
            .arg(dir.path().join("authorized_keys"))
            .env("GREENROOM_CONFIG", dir.path().join("config.toml"))
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("XDG_CONFIG_HOME", dir.path().join("xdg-config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("server: {line}");
                if let Some(rest) = line.split("listening on 127.0.0.1:").nth(1) {
                    let port: u16 = rest.split(' ').next().unwrap().parse().unwrap();
                    let _ = tx.send(port);
                }
            }
        });
        let port = rx.recv_timeout(WAIT).expect("the server never listened");
        Server { child, port, dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state/greenroom")
    }

    fn ssh_args(&self, key: &str) -> Vec<String> {
        ssh_args(self.dir.path(), self.port, key)
    }

    /// `ssh` without a terminal, for what must be refused.
    fn ssh_plain(&self, key: &str, extra: &[&str]) -> std::process::Output {
        let mut cmd = Command::new("ssh");
        cmd.args(self.ssh_args(key))
            .args(extra)
            .stdin(Stdio::null())
            .env("HOME", self.dir.path());
        cmd.output().unwrap()
    }

    fn client(&self, key: &str, size: (u16, u16)) -> Client {
        ssh_client(self.dir.path(), self.port, key, size)
    }

    /// The running server's sessions, as `greenroom serve --status --json` prints them.
    fn status(&self) -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_greenroom"))
            .args(["serve", "--status", "--json"])
            .env("GREENROOM_CONFIG", self.path("config.toml"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn wait_for_sessions(&self, n: usize) -> serde_json::Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let s = self.status();
            if s["sessions"].as_array().map(Vec::len) == Some(n) {
                return s;
            }
            assert!(Instant::now() < deadline, "never {n} sessions: {s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn audit(&self) -> String {
        std::fs::read_to_string(self.state().join("serve-audit.log")).unwrap_or_default()
    }
}

/// ssh's arguments for `key` in `dir`, isolated from the user's own ssh config and known hosts.
fn ssh_args(dir: &Path, port: u16, key: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "-F",
        "/dev/null",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push("-o".into());
    args.push(format!(
        "UserKnownHostsFile={}",
        dir.join("known_hosts").display()
    ));
    args.extend(["-i".into(), dir.join(key).display().to_string()]);
    args.extend(["-p".into(), port.to_string()]);
    args
}

/// `ssh -t` with `key` to the server on `port`, in a pseudo-terminal of `size`.
fn ssh_client(dir: &Path, port: u16, key: &str, size: (u16, u16)) -> Client {
    let mut args = ssh_args(dir, port, key);
    args.extend(["-t".into(), "-o".into(), "SendEnv=COLORTERM".into()]);
    args.push("127.0.0.1".into());
    Client::start(&args, size, dir)
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: SIGTERM to the server this test started.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

/// `ssh -t` in a pseudo-terminal, its screen read back through a terminal emulator.
struct Client {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<vt100::Parser>>,
}

impl Client {
    fn start(args: &[String], size: (u16, u16), home: &Path) -> Client {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: size.1,
                cols: size.0,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new("ssh");
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("COLORTERM", "truecolor");
        cmd.env("HOME", home);
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(size.1, size.0, 0)));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let parser = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                parser.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().unwrap();
        Client {
            master: pty.master,
            writer,
            child,
            screen,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never appeared:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Waits until the screen shows every one of `present` and none of `absent` (a frame
    /// can be read half drawn).
    fn wait_until(&self, present: &[&str], absent: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text();
            if present.iter().all(|n| text.contains(n)) && !absent.iter().any(|n| text.contains(n))
            {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "never {present:?} without {absent:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn resize(&mut self, cols: u16, rows: u16) {
        self.screen.lock().unwrap().set_size(rows, cols);
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    /// Waits for ssh to exit; its status.
    fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            assert!(Instant::now() < deadline, "ssh never exited");
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn an_authorised_key_gets_the_portal_with_its_identity_and_leaves_cleanly() {
    if !have_openssh() {
        return;
    }
    let server = Server::start("");
    let mut alice = server.client("alice", (80, 24));
    let screen = alice.wait_for("190/190");
    assert!(screen.contains("checkout"), "{screen}");
    // A search answers over the channel: the parser, the shared pool, the drawing.
    alice.send(b"/checkout-serv");
    alice.wait_for("1/");
    // The session is listed with its identity, key and size.
    let status = server.wait_for_sessions(1);
    let s = &status["sessions"][0];
    assert_eq!(s["identity"], "user:default/alice");
    assert_eq!(s["comment"], "alice@laptop");
    assert_eq!(s["size"], serde_json::json!([80, 24]));
    assert_eq!(s["term"], "xterm-256color");
    // A resize reaches the session: it redraws at the new width and the status follows.
    alice.resize(100, 30);
    let deadline = Instant::now() + WAIT;
    while server.status()["sessions"][0]["size"] != serde_json::json!([100, 30]) {
        assert!(Instant::now() < deadline, "the resize never arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Esc leaves the search (a lone Esc, told apart from a sequence by the timeout), then
    // ctrl-c quits: ssh exits 0 and the terminal is given back.
    alice.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    alice.send(b"\x03");
    assert_eq!(alice.wait_exit(), 0);
    server.wait_for_sessions(0);
    let audit = server.audit();
    for event in ["\"login\"", "\"session_start\"", "\"session_end\""] {
        assert!(
            audit.contains(event),
            "{event} not in the audit log:\n{audit}"
        );
    }
    // The host key was generated private, and the same key serves the next start.
    let key = server.state().join("ssh_host_ed25519_key");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn each_key_is_its_own_user_for_mine_and_my_on_call_not_the_servers() {
    if !have_openssh() {
        return;
    }
    // The server's own config names a user: no session may see it as theirs.
    let server = Server::start(
        "[status]\nuser = \"user:default/olivia.grant\"\n[scaffold]\nuser = \"olivia.grant\"\n\
         [serve.users]\n\"alice@laptop\" = \"mei.lin\"\n\"bob@desk\" = \"user:default/emma.laurent\"\n",
    );
    let mut alice = server.client("alice", (100, 30));
    let mut bob = server.client("bob", (100, 30));
    alice.wait_for("190/190");
    bob.wait_for("190/190");
    let status = server.wait_for_sessions(2);
    let mut identities: Vec<_> = status["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["identity"].as_str().unwrap().to_owned())
        .collect();
    identities.sort();
    assert_eq!(
        identities,
        ["user:default/emma.laurent", "user:default/mei.lin"]
    );
    // M keeps what the session's user and their groups own: mei.lin is in the checkout team,
    // emma.laurent in identity.
    alice.send(b"M");
    bob.send(b"M");
    alice.wait_until(&["mine", "checkout-service"], &["auth-service"]);
    bob.wait_until(&["mine", "auth-service"], &["checkout-service"]);
    // My on-call is for the session's user too, never the server's [status] user.
    alice.send(b"O");
    bob.send(b"O");
    alice.wait_until(
        &["My on-call", "user:default/mei.lin, your SSH key"],
        &["olivia"],
    );
    bob.wait_until(
        &["My on-call", "user:default/emma.laurent, your SSH key"],
        &["olivia"],
    );
}

/// Makes a CA in `dir` and a key `name` with a certificate from it for `principal`, valid
/// over `validity` (ssh-keygen's `-V`, relative to now).
fn make_certificate(dir: &Path, name: &str, principal: &str, validity: &str) {
    if !dir.join("ca").exists() {
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "org-ca", "-f"])
            .arg(dir.join("ca"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(dir.join(name))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-s"])
        .arg(dir.join("ca"))
        .args([
            "-I",
            &format!("{name}'s key"),
            "-n",
            principal,
            "-V",
            validity,
        ])
        .arg(dir.join(format!("{name}.pub")))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(dir.join(format!("{name}-cert.pub")).exists());
}

/// Replaces a file as an editor saves it: a new file renamed over the old.
fn replace_file(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn authorized_keys_are_read_again_without_a_restart_and_org_ca_certificates_log_in() {
    if !have_openssh() {
        return;
    }
    let server = Server::start("[serve.users]\n\"carol.ops\" = \"mei.lin\"\n");
    let dir = server.dir.path();
    make_certificate(dir, "carol", "carol.ops", "-5m:+1h");
    make_certificate(dir, "dave", "dave", "-2h:-1h");
    // Bob may log in now.
    let out = server.ssh_plain("bob", &["-T", "127.0.0.1"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs a terminal"),
        "bob got in (and was told the portal needs a terminal): {out:?}"
    );
    // The file changes: bob is gone, the organisation's CA is trusted.
    let alice = std::fs::read_to_string(dir.join("alice.pub")).unwrap();
    let ca = std::fs::read_to_string(dir.join("ca.pub")).unwrap();
    replace_file(
        &dir.join("authorized_keys"),
        &format!("{alice}cert-authority {ca}"),
    );
    let deadline = Instant::now() + WAIT;
    while !server.audit().contains("keys_reloaded") {
        assert!(
            Instant::now() < deadline,
            "never read again:\n{}",
            server.audit()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = server.ssh_plain("bob", &["-T", "127.0.0.1"]);
    assert_eq!(
        out.status.code(),
        Some(255),
        "bob's key was removed: {out:?}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied"));
    // Carol's certificate names carol.ops, who is mei.lin in the catalogue.
    let mut carol = server.client("carol", (80, 24));
    carol.wait_for("190/190");
    let status = server.wait_for_sessions(1);
    assert_eq!(status["sessions"][0]["identity"], "user:default/mei.lin");
    assert!(
        status["sessions"][0]["comment"]
            .as_str()
            .unwrap()
            .contains("carol's key"),
        "{status}"
    );
    carol.send(b"q");
    carol.wait_exit();
    // Dave's certificate has expired (the client may not even offer it; the server's check
    // of an offered one is in serve::auth's tests).
    let out = server.ssh_plain("dave", &["-T", "127.0.0.1"]);
    assert_eq!(out.status.code(), Some(255), "{out:?}");
    assert_eq!(
        server.audit().matches("\"login\"").count(),
        2,
        "bob's and carol's only"
    );
    // SIGHUP reads the files again too.
    // SAFETY: a signal to the server this test started.
    unsafe {
        libc::kill(server.child.id() as libc::pid_t, libc::SIGHUP);
    }
    let deadline = Instant::now() + WAIT;
    while !server.audit().contains("SIGHUP") {
        assert!(
            Instant::now() < deadline,
            "SIGHUP did nothing:\n{}",
            server.audit()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn connections_waiting_to_authenticate_are_capped_per_address_and_timed_out() {
    if !have_openssh() {
        return;
    }
    let limits = greenroom::serve::ServeLimits {
        preauth: 10,
        preauth_per_ip: 2,
        auth_timeout: Duration::from_secs(2),
        ..greenroom::serve::ServeLimits::from_config(&Default::default())
    };
    let server = InProcess::start_with(limits);
    let banner = |c: &mut std::net::TcpStream| -> String {
        c.set_read_timeout(Some(WAIT)).unwrap();
        let mut buf = [0u8; 64];
        let n = c.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let connect = || std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    // Two connections that say nothing: each is greeted.
    let mut silent: Vec<_> = (0..2).map(|_| connect()).collect();
    for c in &mut silent {
        assert!(banner(c).starts_with("SSH-2.0-"));
    }
    // A third from the same address is closed before a byte of SSH.
    let mut third = connect();
    assert_eq!(banner(&mut third), "", "closed at once");
    // So is a real client meanwhile (it is refused, not queued).
    let out = Command::new("ssh")
        .args(ssh_args(server.dir.path(), server.port, "alice"))
        .args(["-T", "127.0.0.1"])
        .env("HOME", server.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255), "{out:?}");
    // The silent ones are dropped when their time to log in is up ...
    for c in &mut silent {
        let mut rest = Vec::new();
        let _ = c.read_to_end(&mut rest);
    }
    // ... and their places are free again: alice logs in, and her session does not count
    // as waiting.
    let mut alice = server.client();
    alice.wait_for("payments");
    let mut more: Vec<_> = (0..2).map(|_| connect()).collect();
    for c in &mut more {
        assert!(banner(c).starts_with("SSH-2.0-"), "alice no longer counts");
    }
    alice.send(b"q");
    alice.wait_exit();
}

#[test]
fn two_clients_at_once_see_the_same_catalogue_each_on_their_own_screen() {
    if !have_openssh() {
        return;
    }
    let server = Server::start("");
    let mut a = server.client("alice", (80, 24));
    let mut b = server.client("alice", (100, 30));
    a.wait_for("190/190");
    b.wait_for("190/190");
    server.wait_for_sessions(2);
    a.send(b"/payments");
    a.wait_for("/ payments");
    // b did not see a's typing.
    std::thread::sleep(Duration::from_millis(300));
    assert!(!b.text().contains("/ payments"), "{}", b.text());
    // Killing a client ends its session only.
    drop(a);
    let status = server.wait_for_sessions(1);
    assert_eq!(status["sessions"][0]["size"], serde_json::json!([100, 30]));
    b.send(b"q");
    b.wait_exit();
    server.wait_for_sessions(0);
}

#[test]
fn unknown_keys_commands_and_forwarding_are_refused() {
    if !have_openssh() {
        return;
    }
    let server = Server::start("");
    // An unknown key: no session at all.
    let out = server.ssh_plain("mallory", &["-T", "127.0.0.1"]);
    assert_eq!(out.status.code(), Some(255), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Permission denied"), "{err}");
    // A command: refused, and nothing ran.
    let out = server.ssh_plain("alice", &["127.0.0.1", "id"]);
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    // Forwarding: the direct-tcpip channel is refused, whether opened by -W ...
    let out = server.ssh_plain("alice", &["-W", "127.0.0.1:9", "127.0.0.1"]);
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("forwarding failed"), "{err}");
    // ... or by -L: ssh listens locally, and a connection to it is closed at once.
    let local = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let lport = local.local_addr().unwrap().port();
    drop(local);
    let mut forward = Command::new("ssh")
        .args(server.ssh_args("alice"))
        .args([
            "-N",
            "-L",
            &format!("127.0.0.1:{lport}:127.0.0.1:9"),
            "127.0.0.1",
        ])
        .env("HOME", server.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let mut conn = loop {
        match std::net::TcpStream::connect(("127.0.0.1", lport)) {
            Ok(c) => break c,
            Err(_) => {
                assert!(Instant::now() < deadline, "ssh -L never listened");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    conn.set_read_timeout(Some(WAIT)).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        conn.read(&mut buf).unwrap_or(0),
        0,
        "the forwarded connection was closed"
    );
    let _ = forward.kill();
    let _ = forward.wait();
    // No terminal: the portal says it needs one.
    let out = server.ssh_plain("alice", &["-T", "127.0.0.1"]);
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs a terminal"),
        "{out:?}"
    );
    let audit = server.audit();
    for why in ["unknown key", "exec", "port forwarding", "needs a terminal"] {
        assert!(audit.contains(why), "{why} not in the audit log:\n{audit}");
    }
    server.wait_for_sessions(0);
}

/// The server in this process over the status tests' catalogue and fake upstream, so the test
/// can count what is asked upstream.
struct InProcess {
    runtime: tokio::runtime::Runtime,
    harness: status_support::Harness,
    shared: Arc<greenroom::serve::Shared>,
    port: u16,
    dir: tempfile::TempDir,
}

impl InProcess {
    fn start() -> InProcess {
        InProcess::start_with(greenroom::serve::ServeLimits::from_config(
            &Default::default(),
        ))
    }

    fn start_with(limits: greenroom::serve::ServeLimits) -> InProcess {
        use greenroom::hub::catalog::FixedLoader;
        use greenroom::hub::{Hub, StatusService};
        use greenroom::serve::{Shared, audit::Audit, auth, channel};
        let dir = tempfile::tempdir().unwrap();
        make_keys(dir.path());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let harness = runtime.block_on(status_support::harness(Duration::from_secs(3600)));
        let hub = runtime.block_on(async {
            let hub = Hub::start(
                Arc::new(FixedLoader::new(status_support::catalog())),
                StatusService::running(harness.service.clone()),
            );
            hub.catalog.reload();
            hub
        });
        let portal = greenroom::tui::PortalOptions {
            config: Default::default(),
            config_file: dir.path().join("config.toml"),
            log_file: dir.path().join("greenroom.log"),
            state_dir: dir.path().join("state"),
            ui: Default::default(),
            sources: Vec::new(),
            load: Default::default(),
            cache: None,
            description: "the status fixtures".into(),
            demo: false,
            demo_fallback: false,
            watch: false,
        };
        let text = std::fs::read_to_string(dir.path().join("authorized_keys")).unwrap();
        let (keys, _) = auth::AuthorizedKeys::parse(&text, &Default::default());
        let (host_key, _) = auth::host_key(&dir.path().join("host_key")).unwrap();
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
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(channel::serve(shared.clone(), listener, host_key));
        InProcess {
            runtime,
            harness,
            shared,
            port,
            dir,
        }
    }

    fn client(&self) -> Client {
        ssh_client(self.dir.path(), self.port, "alice", (80, 24))
    }

    fn wait(&self, what: &str, cond: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !cond(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

#[test]
fn two_clients_watching_one_service_cause_one_upstream_request_and_leaving_ends_interest() {
    if !have_openssh() {
        return;
    }
    let server = InProcess::start();
    let targets = server.harness.targets("payments");
    let mut ids: Vec<_> = targets.iter().map(|t| t.id.clone()).collect();
    ids.sort();
    let service = server.harness.service.clone();
    let mut a = server.client();
    let mut b = server.client();
    server.wait("two sessions", |s| s.shared.sessions().len() == 2);
    for c in [&mut a, &mut b] {
        c.wait_for("payments");
        c.send(b"/payments");
        c.wait_for("/ payments");
        c.send(b"\r");
        c.wait_for("Overview");
        c.send(b"5");
    }
    server.wait("both sessions watch payments", |_| {
        let owners = service.owners();
        let sessions: std::collections::HashSet<u64> = owners.iter().map(|k| k.session).collect();
        sessions.len() == 2 && service.watched() == ids
    });
    server.wait("every payments target fetched", |_| {
        service
            .store()
            .snapshot(&targets)
            .iter()
            .all(|e| e.fetches >= 1 && !e.in_flight)
    });
    let mut asked = std::collections::HashSet::new();
    for r in server.harness.fake.requests() {
        assert!(
            asked.insert((r.path.clone(), r.query.clone())),
            "{}?{} was asked upstream twice for two SSH sessions",
            r.path,
            r.query
        );
    }
    assert!(!asked.is_empty());
    for e in service.store().snapshot(&targets) {
        assert_eq!(e.fetches, 1, "{} fetched once", e.target.id);
    }
    // Killing one client: its session and its interest end; the other still watches.
    drop(a);
    server.wait("one session left", |s| s.shared.sessions().len() == 1);
    server.wait("only b's interest", |_| {
        let owners = service.owners();
        let sessions: std::collections::HashSet<u64> = owners.iter().map(|k| k.session).collect();
        sessions.len() == 1
    });
    assert_eq!(service.watched(), ids);
    drop(b);
    server.wait("no session", |s| s.shared.sessions().is_empty());
    server.wait("nothing watched", |_| service.watched().is_empty());
    drop(server.runtime);
}

/// A session whose frame rate is capped draws no second frame before the interval is over,
/// however much input arrives; uncapped, each batch of input draws.
#[test]
fn the_frame_rate_cap_holds_frames_back() {
    use greenroom::hub::catalog::FixedLoader;
    use greenroom::hub::{Hub, StatusService};
    use greenroom::tui::input::Input;
    use greenroom::tui::session::{PlainHost, Session};
    let frames = |cap: Option<Duration>| -> usize {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let hub = Hub::inline(
                Arc::new(FixedLoader::new(status_support::catalog())),
                StatusService::waiting(),
            );
            hub.catalog.reload();
            let out = SharedOut::default();
            let mut session = Session::new(
                &hub,
                ui_test_app(),
                out.clone(),
                (80, 24),
                Box::new(PlainHost),
            )
            .unwrap();
            session.set_frame_interval(cap);
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let task = tokio::spawn(session.run(rx, None));
            for i in Input::typed("/checkout") {
                tx.send(i).unwrap();
                // Each key on its own, as a person types.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tx.send(Input::ctrl('c')).unwrap();
            task.await.unwrap().unwrap();
            let bytes = out.0.lock().unwrap().clone();
            String::from_utf8_lossy(&bytes)
                .matches("\x1b[?2026h")
                .count()
        })
    };
    assert_eq!(frames(Some(Duration::from_secs(3600))), 1);
    assert!(frames(None) >= 2, "uncapped, the typing is drawn");
}

/// Live status arriving draws no frame before the background interval is over (fifty
/// sessions must not each redraw on every fetch), while a key's frame is not held back and
/// shows what arrived. Without the background cap, the arrivals draw.
#[test]
fn live_status_draws_at_the_background_rate_and_keys_at_once() {
    use greenroom::hub::catalog::FixedLoader;
    use greenroom::hub::{Hub, StatusService};
    use greenroom::status::fake::Fault;
    use greenroom::tui::input::{Input, Key};
    use greenroom::tui::session::{PlainHost, Session};
    let run = |background: Option<Duration>| -> (usize, usize, usize) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let harness = status_support::harness(Duration::from_secs(3600)).await;
            // Every answer takes 1 s: the tab is drawn well before its status arrives.
            let slow = Duration::from_secs(1);
            harness.fake.inject(
                "/",
                Fault::Latency {
                    min: slow,
                    max: slow,
                },
                None,
            );
            let hub = Hub::start(
                Arc::new(FixedLoader::new(status_support::catalog())),
                StatusService::running(harness.service.clone()),
            );
            hub.catalog.reload();
            let out = SharedOut::default();
            let mut session = Session::new(
                &hub,
                ui_test_app(),
                out.clone(),
                (100, 30),
                Box::new(PlainHost),
            )
            .unwrap();
            session.set_frame_interval(Some(Duration::from_millis(1)));
            session.set_background_interval(background);
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let task = tokio::spawn(session.run(rx, None));
            let frames = || {
                String::from_utf8_lossy(&out.0.lock().unwrap())
                    .matches("\x1b[?2026h")
                    .count()
            };
            let wait = |what: &str, cond: &dyn Fn() -> bool| {
                let deadline = Instant::now() + WAIT;
                while !cond() {
                    assert!(Instant::now() < deadline, "timed out: {what}");
                    std::thread::sleep(Duration::from_millis(20));
                }
            };
            for i in Input::typed("/payments") {
                tx.send(i).unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tx.send(Input::key(Key::Enter)).unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            tx.send(Input::key(Key::Char('5'))).unwrap();
            let targets = harness.targets("payments");
            let store = harness.service.store().clone();
            wait("the Status tab asks", &|| {
                store.snapshot(&targets).iter().any(|e| e.in_flight)
            });
            tokio::time::sleep(Duration::from_millis(300)).await;
            let asked = frames();
            wait("every payments target answered", &|| {
                store
                    .snapshot(&targets)
                    .iter()
                    .all(|e| e.value.is_some() || e.error.is_some())
            });
            tokio::time::sleep(Duration::from_millis(500)).await;
            let arrived = frames();
            tx.send(Input::key(Key::Down)).unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            let keyed = frames();
            tx.send(Input::ctrl('c')).unwrap();
            task.await.unwrap().unwrap();
            (asked, arrived, keyed)
        })
    };
    let (asked, arrived, keyed) = run(Some(Duration::from_secs(3600)));
    assert_eq!(arrived, asked, "status arriving drew nothing");
    assert!(keyed > arrived, "the key drew at once");
    let (asked, arrived, _) = run(None);
    assert!(arrived > asked, "without the cap, arrivals draw");
}

#[derive(Clone, Default)]
struct SharedOut(Arc<Mutex<Vec<u8>>>);

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn ui_test_app() -> greenroom::tui::app::App {
    use greenroom::tui::app::{App, Settings};
    use greenroom::tui::keymap::Keymap;
    use greenroom::tui::theme::{ColorDepth, Theme};
    App::new(
        Keymap::builtin("default").unwrap(),
        Theme::builtin("dark", ColorDepth::TrueColor).unwrap(),
        Settings {
            hyperlinks: false,
            ..Settings::default()
        },
        "test".into(),
    )
}
