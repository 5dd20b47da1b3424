//! One SSH connection and the session on its channel. The handler answers russh: public keys
//! from the authorised list (nothing else), one session channel with a pty and a shell, the
//! client's size, resizes and allow-listed variables; exec, subsystems, X11, agent and port
//! forwarding are refused. Before any of that, a connection takes a place in the [`Gate`]
//! (connections waiting to authenticate, capped in all and per address) and must log in
//! within the time allowed. The shell becomes a [`Session`] on the shared hub:
//!
//! - output goes through [`ChannelOut`], a writer whose bytes queue for a task that sends them
//!   as the client's SSH window allows; past [`ServeLimits::output_bytes`] queued the client is
//!   too slow and its session ends instead of growing memory;
//! - input bytes go through a bounded queue (the connection waits when the session is behind)
//!   to [`pump_input`], which parses them with the session's own [`InputParser`], flushes a
//!   lone Esc after a short timeout, and ends the session after the idle timeout.
//!
//! Nothing here calls the server's own terminal: the screen modes are bytes on the channel.

use super::auth::AuthorizedKey;
use super::parser::InputParser;
use super::{ServeLimits, SessionInfo, SessionSlot, Shared, audit::Event};
use crate::limits;
use crate::tui::input::Input;
use crate::tui::session::{ClientEnv, Session, SessionHost};
use crate::tui::{PortalError, terminal};
use bytes::Bytes;
use russh::keys::ssh_key::{HashAlg, PrivateKey};
use russh::server::{
    Auth, Config, Handler, Msg, PublicKeyOffer, Session as SshSession, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, ChannelWriteHalf, MethodKind, MethodSet, Pty};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};

/// Variables a client may set (`SendEnv`): the terminal's colours and language. Anything else
/// is ignored.
pub const ENV_ALLOWED: &[&str] = &["COLORTERM", "LANG", "LC_ALL", "NO_COLOR"];

/// What the screen modes a session starts with are, as bytes: the alternate screen, bracketed
/// paste on, the cursor hidden.
const ENTER_BYTES: &[u8] = b"\x1b[?1049h\x1b[?2004h\x1b[?25l";

/// russh's server settings for greenroom: public keys only, a constant delay on rejections,
/// few attempts, keepalives, no Nagle.
pub fn server_config(limits: &ServeLimits, host_key: PrivateKey) -> Config {
    Config {
        methods: MethodSet::from(&[MethodKind::PublicKey][..]),
        auth_rejection_time: limits::SERVE_AUTH_REJECTION,
        // OpenSSH asks with "none" first to learn the methods: that answer need not wait.
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![host_key],
        max_auth_attempts: limits::SERVE_AUTH_ATTEMPTS,
        // The session's own idle timeout closes first, with a message; this catches the rest.
        inactivity_timeout: Some(limits.idle + Duration::from_secs(60)),
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..Config::default()
    }
}

/// Serves on `listener` until SIGTERM or SIGINT; SIGUSR1 writes the sessions to the log and
/// to stderr; SIGHUP (and any change to them) reads the authorized_keys files again.
///
/// Each connection first takes a place among those not yet authenticated (at most
/// [`ServeLimits::preauth`] in all and [`ServeLimits::preauth_per_ip`] from one address; past
/// that it is closed before a byte of SSH is sent), and must log in within
/// [`ServeLimits::auth_timeout`].
pub async fn serve(
    shared: Arc<Shared>,
    listener: TcpListener,
    host_key: PrivateKey,
) -> Result<u8, PortalError> {
    let config = Arc::new(server_config(&shared.limits, host_key));
    let (shutdown, _) = broadcast::channel::<()>(1);
    let gate = Arc::new(Gate::new(
        shared.limits.preauth,
        shared.limits.preauth_per_ip,
    ));
    let follow = tokio::spawn(follow_keys(shared.clone()));
    let accept = async {
        loop {
            let (socket, peer) = match listener.accept().await {
                Ok(c) => c,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(e) => {
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Some(waiting) = gate.enter(peer.ip()) else {
                gate.refused(&shared, &peer.to_string());
                drop(socket);
                continue;
            };
            let mut connection = Connection::new(shared.clone(), peer.to_string());
            connection.waiting = Some(waiting);
            tokio::spawn(run_connection(
                shared.clone(),
                config.clone(),
                socket,
                connection,
                shutdown.subscribe(),
            ));
        }
    };
    let stop = stop_signal(shared.clone());
    let code = tokio::select! {
        never = accept => never,
        code = stop => code,
    };
    follow.abort();
    let _ = shutdown.send(());
    // Let the sessions say goodbye.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(code)
}

/// One connection from its first byte: the SSH handshake, authentication within the time
/// allowed, then the session until it ends or the server stops.
async fn run_connection(
    shared: Arc<Shared>,
    config: Arc<Config>,
    socket: tokio::net::TcpStream,
    connection: Connection,
    mut shutdown: broadcast::Receiver<()>,
) {
    let peer = connection.peer.clone();
    let authenticated = connection.authenticated.clone();
    let deadline = tokio::time::Instant::now() + shared.limits.auth_timeout;
    let timed_out = |shared: &Shared| {
        tracing::info!(peer = %peer, "no login within the time allowed");
        shared.audit.record(&Event::Refused {
            peer: &peer,
            fingerprint: None,
            why: "no authentication within the time allowed",
        });
    };
    let session = match tokio::time::timeout_at(
        deadline,
        russh::server::run_stream(config, socket, connection),
    )
    .await
    {
        Ok(Ok(session)) => session,
        Ok(Err(e)) => {
            tracing::debug!(peer = %peer, "SSH handshake failed: {e}");
            return;
        }
        Err(_) => return timed_out(&shared),
    };
    let handle = session.handle();
    tokio::pin!(session);
    let mut clock = true;
    loop {
        tokio::select! {
            _ = &mut session => return,
            _ = tokio::time::sleep_until(deadline), if clock => {
                if authenticated.load(Ordering::SeqCst) {
                    clock = false;
                    continue;
                }
                timed_out(&shared);
                let _ = handle
                    .disconnect(
                        russh::Disconnect::ByApplication,
                        "authentication timed out".into(),
                        String::new(),
                    )
                    .await;
                return;
            }
            _ = shutdown.recv() => {
                let _ = handle
                    .disconnect(
                        russh::Disconnect::ByApplication,
                        "the portal is shutting down".into(),
                        String::new(),
                    )
                    .await;
                return;
            }
        }
    }
}

/// Reads the authorized_keys files again when one changes (looked at every
/// [`limits::SERVE_KEYS_POLL`]).
async fn follow_keys(shared: Arc<Shared>) {
    if shared.keys.paths().is_empty() {
        return;
    }
    let mut tick = tokio::time::interval(limits::SERVE_KEYS_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let keys = shared.clone();
        let reloaded = tokio::task::spawn_blocking(move || keys.keys.reload_if_changed()).await;
        if let Ok(Some(r)) = reloaded {
            keys_reloaded(&shared, "a file changed", &r);
        }
    }
}

/// Says what a reload found: the audit log, the log, stderr.
fn keys_reloaded(shared: &Shared, why: &str, r: &super::auth::Reloaded) {
    let problems = r.problems.join("; ");
    shared.audit.record(&Event::KeysReloaded {
        why,
        keys: r.keys,
        authorities: r.authorities,
        problems: &problems,
    });
    tracing::info!(
        "authorized keys read again ({why}): {} keys, {} CAs",
        r.keys,
        r.authorities
    );
    eprintln!(
        "greenroom serve: authorized keys read again ({why}): {} keys, {} certificate authorities",
        r.keys, r.authorities
    );
    for p in &r.problems {
        eprintln!("greenroom serve: {}", crate::text::sanitize_line(p));
    }
}

/// The connections not yet authenticated, counted in all and per address.
pub struct Gate {
    total: usize,
    per_ip: usize,
    counts: Mutex<(usize, std::collections::HashMap<std::net::IpAddr, usize>)>,
    /// Refusals since the audit log last said so (one line a second at most, so a flood
    /// cannot fill the disk).
    refused: Mutex<(usize, Option<std::time::Instant>)>,
}

/// A place in the [`Gate`], given back when dropped.
pub struct Waiting {
    gate: Arc<Gate>,
    ip: std::net::IpAddr,
}

impl Gate {
    pub fn new(total: usize, per_ip: usize) -> Gate {
        Gate {
            total,
            per_ip,
            counts: Mutex::new((0, std::collections::HashMap::new())),
            refused: Mutex::new((0, None)),
        }
    }

    /// A place for a connection from `ip`, or none when the server or that address has as
    /// many waiting as allowed.
    pub fn enter(self: &Arc<Self>, ip: std::net::IpAddr) -> Option<Waiting> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let of_ip = counts.1.get(&ip).copied().unwrap_or(0);
        if counts.0 >= self.total || of_ip >= self.per_ip {
            return None;
        }
        counts.0 += 1;
        counts.1.insert(ip, of_ip + 1);
        Some(Waiting {
            gate: self.clone(),
            ip,
        })
    }

    /// Connections waiting now (in all, from `ip`).
    pub fn waiting(&self, ip: std::net::IpAddr) -> (usize, usize) {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        (counts.0, counts.1.get(&ip).copied().unwrap_or(0))
    }

    fn refused(&self, shared: &Shared, peer: &str) {
        let mut r = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        r.0 += 1;
        let now = std::time::Instant::now();
        if r.1
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1))
        {
            let why = format!(
                "too many connections waiting to authenticate ({} refused since the last such line)",
                r.0
            );
            tracing::info!(peer = %peer, "{why}");
            shared.audit.record(&Event::Refused {
                peer,
                fingerprint: None,
                why: &why,
            });
            *r = (0, Some(now));
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut counts = self.gate.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.0 = counts.0.saturating_sub(1);
        if let Some(n) = counts.1.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.1.remove(&self.ip);
            }
        }
    }
}

#[cfg(unix)]
async fn stop_signal(shared: Arc<Shared>) -> u8 {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut usr1), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::user_defined1()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    loop {
        tokio::select! {
            _ = term.recv() => return 143,
            _ = int.recv() => return 130,
            _ = usr1.recv() => {
                let text = shared.describe();
                tracing::info!("{text}");
                eprint!("{text}");
            }
            _ = hup.recv() => {
                let keys = shared.clone();
                if let Ok(r) = tokio::task::spawn_blocking(move || keys.keys.reload()).await {
                    keys_reloaded(&shared, "SIGHUP", &r);
                }
            }
        }
    }
}

#[cfg(not(unix))]
async fn stop_signal(_shared: Arc<Shared>) -> u8 {
    let _ = tokio::signal::ctrl_c().await;
    130
}

/// One client connection.
pub struct Connection {
    shared: Arc<Shared>,
    peer: String,
    key: Option<AuthorizedKey>,
    channel: Option<ChannelState>,
    /// Its place among the connections not yet authenticated (given back on login, or when
    /// the connection ends).
    waiting: Option<Waiting>,
    /// Set on login: the connection's task stops the authentication clock.
    authenticated: Arc<AtomicBool>,
}

/// The connection's session channel, before and after its shell starts.
struct ChannelState {
    id: ChannelId,
    write: Option<ChannelWriteHalf<Msg>>,
    term: Option<String>,
    size: (u16, u16),
    env: Vec<(String, String)>,
    input: Option<mpsc::Sender<Incoming>>,
    slot: Option<Arc<SessionSlot>>,
}

/// What the connection hands the session's input task.
#[derive(Debug)]
pub enum Incoming {
    Bytes(Bytes),
    Resize(u16, u16),
}

fn clamp_size(cols: u32, rows: u32) -> (u16, u16) {
    let (max_c, max_r) = limits::SERVE_MAX_SIZE;
    let c = cols.clamp(1, u32::from(max_c)) as u16;
    let r = rows.clamp(1, u32::from(max_r)) as u16;
    (c, r)
}

impl Connection {
    pub fn new(shared: Arc<Shared>, peer: String) -> Connection {
        Connection {
            shared,
            peer,
            key: None,
            channel: None,
            waiting: None,
            authenticated: Arc::new(AtomicBool::new(false)),
        }
    }

    fn unknown_key(&self, key: &russh::keys::PublicKey) {
        let fp = key.fingerprint(HashAlg::Sha256).to_string();
        tracing::info!(peer = %self.peer, "unknown key {fp}");
        self.shared.audit.record(&Event::Refused {
            peer: &self.peer,
            fingerprint: Some(&fp),
            why: "unknown key",
        });
    }

    /// A key (or certificate) was accepted: recorded, and the connection no longer counts as
    /// waiting to authenticate.
    fn logged_in(&mut self, found: AuthorizedKey) -> Auth {
        self.shared.audit.record(&Event::Login {
            peer: &self.peer,
            fingerprint: &found.fingerprint,
            identity: found.identity.as_deref(),
        });
        tracing::info!(peer = %self.peer, fingerprint = %found.fingerprint, "logged in");
        self.key = Some(found);
        self.authenticated.store(true, Ordering::SeqCst);
        self.waiting = None;
        Auth::Accept
    }

    fn refuse(&self, why: &str) {
        tracing::info!(peer = %self.peer, "refused: {why}");
        self.shared.audit.record(&Event::Refused {
            peer: &self.peer,
            fingerprint: self.key.as_ref().map(|k| k.fingerprint.as_str()),
            why,
        });
    }

    fn ours(&self, channel: ChannelId) -> Option<&ChannelState> {
        self.channel.as_ref().filter(|c| c.id == channel)
    }

    /// Says `message` on the channel's stderr, then ends the channel with status 1.
    fn say_and_close(session: &mut SshSession, channel: ChannelId, message: &str) {
        let text = format!(
            "greenroom serve: {}\r\n",
            crate::text::sanitize_line(message)
        );
        let _ = session.extended_data(channel, 1, text.into_bytes());
        let _ = session.exit_status_request(channel, 1);
        let _ = session.eof(channel);
        let _ = session.close(channel);
    }

    /// Starts the portal on the channel.
    fn start(&mut self, channel: ChannelId, session: &mut SshSession) -> Result<(), String> {
        let Some(key) = self.key.clone() else {
            return Err("not authenticated".into());
        };
        let Some(state) = self.channel.as_mut().filter(|c| c.id == channel) else {
            return Err("no such channel".into());
        };
        let Some(term) = state.term.clone() else {
            return Err("the portal needs a terminal: connect with ssh -t".into());
        };
        let Some(write) = state.write.take() else {
            return Err("the portal is already running on this channel".into());
        };
        let id = self.shared.next_session_number();
        let slot = Arc::new(self.shared.admit(SessionInfo {
            id,
            identity: key.identity.clone(),
            fingerprint: key.fingerprint.clone(),
            comment: key.comment.clone(),
            peer: self.peer.clone(),
            since: super::now(),
            term: crate::text::sanitize_line(&term).into_owned(),
            size: state.size,
        })?);
        let mut vars: Vec<(&str, String)> = vec![
            ("TERM", term.clone()),
            // The portal is remote: links are copied, not opened on the server.
            ("SSH_CONNECTION", self.peer.clone()),
        ];
        for (k, v) in &state.env {
            if let Some(allowed) = ENV_ALLOWED.iter().find(|a| **a == k.as_str()) {
                vars.push((allowed, v.clone()));
            }
        }
        if let Some(user) = &key.identity {
            vars.push(("USER", user.clone()));
        }
        let env = ClientEnv::from_pairs(vars);
        let mut app = crate::tui::new_app(&self.shared.portal, &env).map_err(|e| e.message)?;
        // The identity is this session's user: "mine" (M), my on-call, Port's approvals and
        // the scaffolder's `user`, whatever the server's own config says.
        app.scaffold.user = key.identity.clone();
        app.live.set_session_user(key.identity.clone());
        app.scaffold.env_home = None;
        app.settings.local_scaffold = self.shared.allow_local_scaffold;
        // Stars are kept per identity, not in the server's own list.
        let stars_file = self
            .shared
            .state_dir
            .join("serve-stars")
            .join(key.fingerprint.replace(['/', ':', '+'], "_"));
        app.stars = crate::stars::Stars::load(stars_file).0;
        let mouse = app.settings.mouse;

        let (input_tx, input_rx) = mpsc::channel(64);
        state.input = Some(input_tx);
        state.slot = Some(slot.clone());
        let sink = OutSink::start(write, self.shared.limits.output_bytes);
        self.shared.audit.record(&Event::SessionStart {
            session: id,
            peer: &self.peer,
            fingerprint: &key.fingerprint,
            identity: key.identity.as_deref(),
            term: &term,
        });
        let _ = session.channel_success(channel);
        let shared = self.shared.clone();
        let size = state.size;
        tokio::spawn(async move {
            let why = run_session(&shared, app, sink, input_rx, size, mouse, &key, id).await;
            shared.audit.record(&Event::SessionEnd { session: id, why });
            drop(slot);
        });
        Ok(())
    }
}

/// Runs one session to its end; returns why it ended.
#[allow(clippy::too_many_arguments)]
async fn run_session(
    shared: &Arc<Shared>,
    app: crate::tui::app::App,
    sink: Arc<OutSink>,
    input: mpsc::Receiver<Incoming>,
    size: (u16, u16),
    mouse: bool,
    key: &AuthorizedKey,
    id: u64,
) -> &'static str {
    let mut out = ChannelOut::new(sink.clone());
    let _ = out.write_all(ENTER_BYTES);
    if mouse {
        let _ = crossterm::execute!(out, crossterm::event::EnableMouseCapture);
    }
    let _ = out.flush();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let reason = Arc::new(Mutex::new("quit"));
    let idle = shared.limits.idle;
    let pump = tokio::spawn({
        let reason = reason.clone();
        async move {
            let why = pump_input(input, events_tx, idle).await;
            *reason.lock().unwrap_or_else(|e| e.into_inner()) = why;
        }
    });
    let mut session = match Session::new(&shared.hub, app, out, size, Box::new(SshHost)) {
        Ok(s) => s,
        Err(_) => return "could not start",
    };
    session.set_frame_interval(Some(shared.limits.frame_interval));
    session.set_background_interval(Some(shared.limits.background_interval));
    let audit_shared = shared.clone();
    let identity = key.identity.clone();
    session.set_audit(Arc::new(move |action| {
        audit_shared.audit.record(&Event::Action {
            session: id,
            identity: identity.as_deref(),
            action,
        });
    }));
    let result = session.run(events_rx, None).await;
    // When the client left, the input task has just said so; when the user quit it still
    // waits for input.
    let abort = pump.abort_handle();
    if tokio::time::timeout(Duration::from_millis(50), pump)
        .await
        .is_err()
    {
        abort.abort();
    }
    let why = match result {
        Ok(_) if sink.overflowed() => "the client was too slow to take its output",
        Ok(_) => *reason.lock().unwrap_or_else(|e| e.into_inner()),
        Err(_) if sink.overflowed() => "the client was too slow to take its output",
        Err(_) => "the channel failed",
    };
    let mut out = ChannelOut::new(sink.clone());
    let _ = out.write_all(terminal::RESTORE_BYTES);
    if why == IDLE {
        let _ = write!(
            out,
            "greenroom serve: closed after {} min without input\r\n",
            idle.as_secs() / 60
        );
    }
    let _ = out.flush();
    sink.end(0);
    why
}

/// Why a session ended when its client typed nothing for the idle timeout.
pub const IDLE: &str = "idle";

/// Turns the connection's bytes and resizes into the session's inputs, with a lone Esc
/// flushed after [`limits::SERVE_ESC_TIMEOUT`], until the connection goes (or the session
/// does), or nothing arrives for `idle`. Returns why it stopped.
pub async fn pump_input(
    mut from: mpsc::Receiver<Incoming>,
    to: mpsc::UnboundedSender<Input>,
    idle: Duration,
) -> &'static str {
    let mut parser = InputParser::new();
    let send = |inputs: Vec<Input>| inputs.into_iter().all(|i| to.send(i).is_ok());
    loop {
        let waiting = parser.waiting();
        let wait = if waiting {
            limits::SERVE_ESC_TIMEOUT
        } else {
            idle
        };
        let ok = match tokio::time::timeout(wait, from.recv()).await {
            Ok(Some(Incoming::Bytes(b))) => send(parser.feed(&b)),
            Ok(Some(Incoming::Resize(width, height))) => {
                send(vec![Input::Resize { width, height }])
            }
            Ok(None) => {
                let _ = to.send(Input::Closed("the client left"));
                return "the client left";
            }
            Err(_) if waiting => send(parser.flush()),
            Err(_) => {
                let _ = to.send(Input::Closed("idle"));
                return IDLE;
            }
        };
        if !ok {
            return "the session ended";
        }
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        let key = offer.public_key;
        let keys = self.shared.keys.get();
        if keys.find(key).is_some() {
            return Ok(Auth::Accept);
        }
        if keys.accepts_certificates() {
            // Maybe a certificate's key (russh offers the key inside it): the signature and
            // then the certificate are checked next.
            return Ok(Auth::Accept);
        }
        self.unknown_key(key);
        Ok(Auth::reject())
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let key = key.public_key;
        // The signature is verified by now: the client holds the key.
        let Some(found) = self.shared.keys.get().find(key).cloned() else {
            self.unknown_key(key);
            return Ok(Auth::reject());
        };
        Ok(self.logged_in(found))
    }

    async fn auth_openssh_certificate(
        &mut self,
        user: &str,
        certificate: &russh::keys::Certificate,
    ) -> Result<Auth, Self::Error> {
        // The client holds the certificate's key; whether a trusted CA vouches for it, and as
        // whom, is checked here.
        match self
            .shared
            .keys
            .get()
            .certificate(certificate, user, super::now())
        {
            Ok(found) => Ok(self.logged_in(found)),
            Err(why) => {
                let fp = certificate
                    .public_key()
                    .fingerprint(HashAlg::Sha256)
                    .to_string();
                tracing::info!(peer = %self.peer, "certificate refused ({fp}): {why}");
                self.shared.audit.record(&Event::Refused {
                    peer: &self.peer,
                    fingerprint: Some(&fp),
                    why: &why,
                });
                Ok(Auth::reject())
            }
        }
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        self.refuse("password authentication");
        Ok(Auth::reject())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        if self.channel.is_some() {
            self.refuse("a second session channel on one connection");
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        }
        let id = channel.id();
        // The handler's callbacks carry the channel's requests and data; only the write half
        // is kept (it waits for the client's window, which is the backpressure).
        let (_read, write) = channel.split();
        self.channel = Some(ChannelState {
            id,
            write: Some(write),
            term: None,
            size: (80, 24),
            env: Vec::new(),
            input: None,
            slot: None,
        });
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        match self.channel.as_mut().filter(|c| c.id == channel) {
            Some(state) if state.input.is_none() => {
                state.term = Some(term.chars().take(64).collect());
                state.size = clamp_size(cols, rows);
                session.channel_success(channel)?;
            }
            _ => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        value: &str,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        // OpenSSH sends these without asking for a reply: none is sent either way.
        if let Some(state) = self.channel.as_mut().filter(|c| c.id == channel)
            && ENV_ALLOWED.contains(&name)
            && state.env.len() < ENV_ALLOWED.len()
        {
            state
                .env
                .push((name.to_owned(), value.chars().take(256).collect()));
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        if self.ours(channel).is_none() {
            session.channel_failure(channel)?;
            return Ok(());
        }
        if let Err(why) = self.start(channel, session) {
            self.refuse(&why);
            session.channel_success(channel)?;
            Self::say_and_close(session, channel, &why);
        }
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        let command = String::from_utf8_lossy(&data[..data.len().min(200)]).into_owned();
        self.refuse(&format!("exec {command:?}"));
        session.channel_failure(channel)?;
        Self::say_and_close(
            session,
            channel,
            "commands are not available here; connect without one for the portal",
        );
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse(&format!("subsystem {name:?}"));
        session.channel_failure(channel)?;
        Self::say_and_close(session, channel, "no subsystems (sftp) here");
        Ok(())
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single: bool,
        _protocol: &str,
        _cookie: &str,
        _screen: u32,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse("X11 forwarding");
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn agent_request(
        &mut self,
        _channel: ChannelId,
        _session: &mut SshSession,
    ) -> Result<bool, Self::Error> {
        self.refuse("agent forwarding");
        Ok(false)
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        host: &str,
        port: u32,
        _originator: &str,
        _originator_port: u32,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse(&format!("port forwarding to {host}:{port}"));
        reply
            .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn tcpip_forward(
        &mut self,
        address: &str,
        port: &mut u32,
        _session: &mut SshSession,
    ) -> Result<bool, Self::Error> {
        self.refuse(&format!("remote port forwarding from {address}:{port}"));
        Ok(false)
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.ours(channel).and_then(|c| c.input.clone()) {
            // Waits when the session is behind: the connection reads no more meanwhile.
            let _ = tx.send(Incoming::Bytes(Bytes::copy_from_slice(data))).await;
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        let size = clamp_size(cols, rows);
        if let Some(state) = self.channel.as_mut().filter(|c| c.id == channel) {
            state.size = size;
            if let Some(slot) = &state.slot {
                slot.resized(size);
            }
            if let Some(tx) = state.input.clone() {
                let _ = tx.send(Incoming::Resize(size.0, size.1)).await;
            }
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        if let Some(state) = self.channel.as_mut().filter(|c| c.id == channel) {
            // The client's input ended: the session ends with it.
            state.input = None;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        if self.ours(channel).is_some() {
            self.channel = None;
        }
        Ok(())
    }
}

/// The session's host over SSH: nothing to suspend (ctrl-z redraws), and links are never
/// opened on the server.
struct SshHost;

impl SessionHost for SshHost {
    fn open_url(&mut self, _program: &std::path::Path, _url: &str) -> io::Result<()> {
        Err(io::Error::other("links are not opened on the server"))
    }
}

/// What the output task sends.
enum Out {
    Data(Bytes),
    End(u32),
}

/// The queue between a session's writer and its channel.
pub struct OutSink {
    tx: mpsc::UnboundedSender<Out>,
    queued: Arc<AtomicUsize>,
    overflow: Arc<AtomicBool>,
    cap: usize,
}

impl OutSink {
    /// A sink over a channel's write half, sending on its own task.
    fn start(write: ChannelWriteHalf<Msg>, cap: usize) -> Arc<OutSink> {
        let (sink, mut rx) = OutSink::new(cap);
        let queued = sink.queued.clone();
        let overflow = sink.overflow.clone();
        tokio::spawn(async move {
            while let Some(out) = rx.recv().await {
                match out {
                    Out::Data(bytes) => {
                        let n = bytes.len();
                        if overflow.load(Ordering::SeqCst) {
                            // Too slow: drop what is queued and close.
                            let _ = write.close().await;
                            return;
                        }
                        if write.data_bytes(bytes).await.is_err() {
                            return;
                        }
                        queued.fetch_sub(n, Ordering::SeqCst);
                    }
                    Out::End(code) => {
                        let _ = write.exit_status(code).await;
                        let _ = write.eof().await;
                        let _ = write.close().await;
                        return;
                    }
                }
            }
        });
        sink
    }

    /// A sink and the other end of its queue (tests read it).
    fn new(cap: usize) -> (Arc<OutSink>, mpsc::UnboundedReceiver<Out>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let sink = Arc::new(OutSink {
            tx,
            queued: Arc::new(AtomicUsize::new(0)),
            overflow: Arc::new(AtomicBool::new(false)),
            cap,
        });
        (sink, rx)
    }

    pub fn overflowed(&self) -> bool {
        self.overflow.load(Ordering::SeqCst)
    }

    /// Bytes queued and not yet taken by the client.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    fn end(&self, code: u32) {
        let _ = self.tx.send(Out::End(code));
    }
}

/// A session's writer: collects a frame, and on flush queues it for the channel. Fails (and
/// marks the client too slow) when the queue would pass the cap; once it has failed, or the
/// channel is gone, it takes and drops everything (the session is ending, and the
/// terminal's last words must not end up on the server's stderr).
pub struct ChannelOut {
    buf: Vec<u8>,
    sink: Arc<OutSink>,
    failed: bool,
}

impl ChannelOut {
    pub fn new(sink: Arc<OutSink>) -> ChannelOut {
        ChannelOut {
            buf: Vec::new(),
            sink,
            failed: false,
        }
    }

    fn fail(&mut self, why: &str) -> io::Result<()> {
        self.buf.clear();
        if self.failed {
            return Ok(());
        }
        self.failed = true;
        Err(io::Error::new(io::ErrorKind::BrokenPipe, why.to_owned()))
    }
}

impl Write for ChannelOut {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Ok(data.len());
        }
        let queued = self.sink.queued() + self.buf.len() + data.len();
        if self.sink.overflowed() || queued > self.sink.cap {
            self.sink.overflow.store(true, Ordering::SeqCst);
            self.fail("the client is too slow")?;
            return Ok(data.len());
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let bytes = Bytes::from(std::mem::take(&mut self.buf));
        let n = bytes.len();
        self.sink.queued.fetch_add(n, Ordering::SeqCst);
        if self.sink.tx.send(Out::Data(bytes)).is_err() {
            // The client has gone: its input closes too, which ends the session. Until then
            // (and for the terminal's last words as it is dropped) output goes nowhere.
            self.sink.queued.fetch_sub(n, Ordering::SeqCst);
            self.failed = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::input::Key;

    #[test]
    fn the_output_queue_is_capped_and_a_slow_client_is_marked() {
        let (sink, mut rx) = OutSink::new(100);
        let mut out = ChannelOut::new(sink.clone());
        out.write_all(&[b'x'; 60]).unwrap();
        out.flush().unwrap();
        assert_eq!(sink.queued(), 60);
        assert!(matches!(rx.try_recv(), Ok(Out::Data(b)) if b.len() == 60));
        // Nobody takes the bytes (a stalled client): the next frame does not fit.
        let e = out.write_all(&[b'y'; 50]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        assert!(sink.overflowed());
        // Failed once: what follows is dropped quietly (the session is ending).
        out.write_all(b"z").unwrap();
        out.flush().unwrap();
        assert!(rx.try_recv().is_err(), "nothing more was queued");
        // A channel that went away takes output quietly (the input's end ends the session).
        let (sink, rx) = OutSink::new(100);
        drop(rx);
        let mut out = ChannelOut::new(sink.clone());
        out.write_all(b"a").unwrap();
        out.flush().unwrap();
        assert_eq!(sink.queued(), 0);
        assert!(!sink.overflowed());
    }

    #[tokio::test(start_paused = true)]
    async fn input_is_parsed_a_lone_esc_is_flushed_and_idle_ends_it() {
        let (tx, rx) = mpsc::channel(8);
        let (to, mut events) = mpsc::unbounded_channel();
        let idle = Duration::from_secs(600);
        let pump = tokio::spawn(pump_input(rx, to, idle));
        tx.send(Incoming::Bytes(Bytes::from_static(b"q\x1b")))
            .await
            .unwrap();
        assert_eq!(events.recv().await, Some(Input::key(Key::Char('q'))));
        // The Esc comes out after the short timeout, not the idle one.
        let before = tokio::time::Instant::now();
        assert_eq!(events.recv().await, Some(Input::key(Key::Esc)));
        assert!(before.elapsed() <= limits::SERVE_ESC_TIMEOUT * 2);
        tx.send(Incoming::Resize(100, 30)).await.unwrap();
        assert_eq!(
            events.recv().await,
            Some(Input::Resize {
                width: 100,
                height: 30
            })
        );
        // Then nothing for the idle timeout: the session is told to close.
        assert_eq!(events.recv().await, Some(Input::Closed("idle")));
        assert_eq!(pump.await.unwrap(), IDLE);
        drop(tx);
    }

    #[tokio::test]
    async fn the_client_leaving_closes_the_session_input() {
        let (tx, rx) = mpsc::channel(8);
        let (to, mut events) = mpsc::unbounded_channel();
        let pump = tokio::spawn(pump_input(rx, to, Duration::from_secs(600)));
        drop(tx);
        assert_eq!(events.recv().await, Some(Input::Closed("the client left")));
        assert_eq!(pump.await.unwrap(), "the client left");
    }

    #[test]
    fn the_gate_counts_waiting_connections_in_all_and_per_address() {
        let gate = Arc::new(Gate::new(3, 2));
        let a: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let b: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = gate.enter(a).unwrap();
        let a2 = gate.enter(a).unwrap();
        assert!(gate.enter(a).is_none(), "two from one address at most");
        let b1 = gate.enter(b).unwrap();
        assert_eq!(gate.waiting(a), (3, 2));
        let c: std::net::IpAddr = "10.0.0.3".parse().unwrap();
        assert!(gate.enter(c).is_none(), "three in all at most");
        // Logging in (or leaving) gives the place back.
        drop(a1);
        assert_eq!(gate.waiting(a), (2, 1));
        let _c1 = gate.enter(c).unwrap();
        drop((a2, b1));
        assert_eq!(gate.waiting(a), (1, 0));
        assert_eq!(gate.waiting(b), (1, 0));
    }

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp_size(0, 0), (1, 1));
        assert_eq!(clamp_size(100_000, 100_000), limits::SERVE_MAX_SIZE);
        assert_eq!(clamp_size(80, 24), (80, 24));
    }
}
