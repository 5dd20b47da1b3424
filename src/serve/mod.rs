//! `greenroom serve`: the portal as an SSH app, one process for many people. An embedded SSH
//! server (russh) accepts public keys from authorized_keys files ([`auth`]), and each
//! client's shell channel becomes a [`Session`](crate::tui::session::Session) over the one hub
//! this process holds: one catalogue snapshot, one search pool, one live-status scheduler
//! whose interest is the union of the sessions', one cache. A session draws into its channel
//! through a bounded buffer ([`channel`]) and reads its client's bytes through its own parser
//! ([`parser`]); nothing here touches the server's own terminal. Exec, subsystems, forwarding,
//! agent and X11 are refused, and so are passwords. Who connected and what they ran goes to the
//! audit log ([`audit`]); the sessions now are in a status file `greenroom serve --status`
//! prints (and SIGUSR1 writes them to the log).

pub mod audit;
pub mod auth;
pub mod channel;
pub mod parser;

use crate::config::ServeConfig;
use crate::limits;
use crate::tui::{PortalError, PortalOptions};
use auth::{AuthorizedKeys, KeyFiles};
use greenroom_hub::{
    CachedLoader, CatalogLoader, CatalogService, Hub, RunService, SearchPool, SourcesLoader,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The default address: loopback only, until the operator chooses otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:2222";

/// What `greenroom serve` runs with.
pub struct ServeOptions {
    /// The portal's options, as the local portal takes them (its sources feed the hub).
    pub portal: PortalOptions,
    pub listen: String,
    pub host_key: PathBuf,
    /// Read in order; their keys together may connect.
    pub authorized_keys: Vec<PathBuf>,
    /// Where the sessions file and the audit log go (beside the log file).
    pub state_dir: PathBuf,
    pub limits: ServeLimits,
    pub allow_local_scaffold: bool,
    pub users: BTreeMap<String, String>,
}

/// The limits in force.
#[derive(Clone, Copy, Debug)]
pub struct ServeLimits {
    pub sessions: usize,
    pub sessions_per_key: usize,
    pub idle: Duration,
    pub output_bytes: usize,
    pub frame_interval: Duration,
    /// Between frames nobody typed for (live status, timers).
    pub background_interval: Duration,
    /// Connections not yet authenticated, in all and from one address.
    pub preauth: usize,
    pub preauth_per_ip: usize,
    /// Time from accepting a connection to its login.
    pub auth_timeout: Duration,
}

impl ServeLimits {
    pub fn from_config(c: &ServeConfig) -> ServeLimits {
        ServeLimits {
            sessions: c.max_sessions.unwrap_or(limits::SERVE_SESSIONS),
            sessions_per_key: c
                .max_sessions_per_key
                .unwrap_or(limits::SERVE_SESSIONS_PER_KEY),
            idle: c
                .idle_timeout
                .map_or(limits::SERVE_IDLE_TIMEOUT, Duration::from_secs),
            output_bytes: limits::SERVE_OUTPUT_BYTES,
            frame_interval: Duration::from_secs(1) / limits::SERVE_FRAMES_PER_SECOND,
            background_interval: Duration::from_secs(1)
                / limits::SERVE_BACKGROUND_FRAMES_PER_SECOND,
            preauth: limits::SERVE_PREAUTH_CONNECTIONS,
            preauth_per_ip: limits::SERVE_PREAUTH_PER_IP,
            auth_timeout: limits::SERVE_AUTH_TIMEOUT,
        }
    }
}

/// The sessions file's name in the state dir.
pub const SESSIONS_FILE: &str = "serve-sessions.json";

/// One running session, as `serve --status` shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: u64,
    pub identity: Option<String>,
    pub fingerprint: String,
    pub comment: String,
    pub peer: String,
    /// Seconds since the Unix epoch.
    pub since: u64,
    pub term: String,
    pub size: (u16, u16),
}

/// What the sessions file holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServerStatus {
    pub pid: u32,
    pub listen: String,
    pub started: u64,
    pub sessions: Vec<SessionInfo>,
}

/// Everything the connections share.
pub struct Shared {
    pub hub: Hub,
    pub portal: PortalOptions,
    pub keys: KeyFiles,
    pub limits: ServeLimits,
    pub allow_local_scaffold: bool,
    pub audit: audit::Audit,
    pub state_dir: PathBuf,
    sessions: Mutex<BTreeMap<u64, SessionInfo>>,
    status: Mutex<ServerStatus>,
    next_id: std::sync::atomic::AtomicU64,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        hub: Hub,
        portal: PortalOptions,
        keys: impl Into<KeyFiles>,
        limits: ServeLimits,
        allow_local_scaffold: bool,
        audit: audit::Audit,
        state_dir: PathBuf,
        listen: String,
    ) -> Shared {
        Shared {
            hub,
            portal,
            keys: keys.into(),
            limits,
            allow_local_scaffold,
            audit,
            state_dir,
            sessions: Mutex::new(BTreeMap::new()),
            next_id: std::sync::atomic::AtomicU64::new(1),
            status: Mutex::new(ServerStatus {
                pid: std::process::id(),
                listen,
                started: now(),
                sessions: Vec::new(),
            }),
        }
    }

    /// Takes a place for a session of `info`'s key, or says why there is none.
    pub fn admit(self: &Arc<Self>, info: SessionInfo) -> Result<SessionSlot, String> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if sessions.len() >= self.limits.sessions {
            return Err(format!(
                "the server is full ({} sessions); try again later",
                self.limits.sessions
            ));
        }
        let of_key = sessions
            .values()
            .filter(|s| s.fingerprint == info.fingerprint)
            .count();
        if of_key >= self.limits.sessions_per_key {
            return Err(format!(
                "this key already has {of_key} sessions open (the most is {})",
                self.limits.sessions_per_key
            ));
        }
        let id = info.id;
        sessions.insert(id, info);
        drop(sessions);
        self.publish();
        Ok(SessionSlot {
            shared: self.clone(),
            id,
        })
    }

    /// A number for a new session (`serve --status` and the audit log count from 1).
    pub fn next_session_number(&self) -> u64 {
        self.next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The sessions now.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.values().cloned().collect()
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut SessionInfo)) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = sessions.get_mut(&id) {
            f(s);
        }
    }

    /// Writes the sessions file (atomically) for `serve --status`.
    fn publish(&self) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        status.sessions = self.sessions();
        if let Err(e) = write_status(&self.state_dir.join(SESSIONS_FILE), &status) {
            tracing::warn!("writing the sessions file: {e}");
        }
    }

    /// The sessions, one line each, for the log (SIGUSR1) and `serve --status`.
    pub fn describe(&self) -> String {
        let status = self
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        describe_status(&status, now())
    }
}

/// A session's place; giving it back (dropping it) frees it and updates the sessions file.
pub struct SessionSlot {
    shared: Arc<Shared>,
    id: u64,
}

impl SessionSlot {
    pub fn resized(&self, size: (u16, u16)) {
        self.shared.update(self.id, |s| s.size = size);
        self.shared.publish();
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.shared
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
        self.shared.publish();
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn write_status(path: &Path, status: &ServerStatus) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut tmp, status)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// People's text for a server's sessions (`now` in Unix seconds).
pub fn describe_status(status: &ServerStatus, now: u64) -> String {
    use crate::text::sanitize_line as clean;
    let mut out = format!(
        "greenroom serve on {} (pid {}), {} session{}\n",
        clean(&status.listen),
        status.pid,
        status.sessions.len(),
        if status.sessions.len() == 1 { "" } else { "s" }
    );
    for s in &status.sessions {
        let age = now.saturating_sub(s.since);
        out.push_str(&format!(
            "  #{:<4} {:<28} {:<50} {:<22} {}x{} {} for {}\n",
            s.id,
            clean(s.identity.as_deref().unwrap_or("(no identity)")),
            clean(&format!("{} {}", s.fingerprint, s.comment)),
            clean(&s.peer),
            s.size.0,
            s.size.1,
            clean(&s.term),
            human_age(age)
        ));
    }
    out
}

fn human_age(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// `greenroom serve --status`: the running server's sessions, from its sessions file. An
/// error when no server has written one or its process is gone.
pub fn print_status(state_dir: &Path, json: bool) -> Result<String, String> {
    let path = state_dir.join(SESSIONS_FILE);
    let text = crate::fsread::read_regular_string(&path, limits::SETTINGS_FILE_BYTES)
        .map_err(|e| format!("no running greenroom serve here ({}: {e})", path.display()))?;
    let status: ServerStatus =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if !process_alive(status.pid) {
        return Err(format!(
            "greenroom serve (pid {}) is not running any more ({} is left from it)",
            status.pid,
            path.display()
        ));
    }
    if json {
        Ok(serde_json::to_string_pretty(&status).unwrap_or_default() + "\n")
    } else {
        Ok(describe_status(&status, now()))
    }
}

fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: kill with signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Runs the server until SIGTERM or SIGINT.
pub fn run(mut options: ServeOptions) -> Result<u8, PortalError> {
    crate::logging::init(&options.portal.log_file);
    // A file named but unreadable at start is a mistake to say now (later, on a reload, it
    // only adds no key).
    for path in &options.authorized_keys {
        AuthorizedKeys::load(path, &options.users).map_err(|e| {
            PortalError::usage(format!(
                "authorized keys: {e} (give --authorized-keys FILE or [serve] authorized_keys)"
            ))
        })?;
    }
    let (keys, problems) = KeyFiles::load(
        std::mem::take(&mut options.authorized_keys),
        std::mem::take(&mut options.users),
    );
    for p in &problems {
        eprintln!("greenroom serve: {}", crate::text::sanitize_line(p));
    }
    if keys.get().is_empty() {
        let files: Vec<String> = keys
            .paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(PortalError::usage(format!(
            "{}: no usable public key or cert-authority line: nobody could log in",
            files.join(", ")
        )));
    }
    let (host_key, generated) = auth::host_key(&options.host_key).map_err(PortalError::failed)?;
    let fingerprint = host_key
        .public_key()
        .fingerprint(russh::keys::HashAlg::Sha256);
    if generated {
        eprintln!(
            "greenroom serve: generated the host key {} ({fingerprint})",
            options.host_key.display()
        );
    }
    let audit = audit::Audit::open(&options.state_dir.join(audit::AUDIT_FILE))
        .map_err(|e| PortalError::failed(format!("opening the audit log: {e}")))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| PortalError::failed(format!("starting the runtime: {e}")))?;
    let sources = std::mem::take(&mut options.portal.sources);
    let loader: Arc<dyn CatalogLoader> = match options.portal.cache.take() {
        Some((cache, policy)) => Arc::new(CachedLoader::new(
            sources,
            options.portal.load.clone(),
            cache,
            policy,
        )),
        None => Arc::new(SourcesLoader::new(sources, options.portal.load.clone())),
    };
    let status_config = options.portal.config.status.clone();
    let demo = options.portal.demo;
    let listen = options.listen.clone();
    let result = runtime.block_on(async move {
        let catalog = CatalogService::new(loader);
        let status = crate::tui::live_status(&catalog, demo, status_config);
        let hub = Hub::new(catalog, status, RunService::new(), SearchPool::start(1));
        hub.catalog.reload();
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| PortalError::failed(format!("listening on {listen}: {e}")))?;
        let bound = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or(listen.clone());
        let shared = Arc::new(Shared::new(
            hub,
            options.portal,
            keys,
            options.limits,
            options.allow_local_scaffold,
            audit,
            options.state_dir,
            bound.clone(),
        ));
        shared.publish();
        shared.audit.record(&audit::Event::Start {
            listen: &bound,
            host_key: &fingerprint.to_string(),
        });
        let keys = shared.keys.get();
        eprintln!(
            "greenroom serve: listening on {bound} ({} authorised keys, {} certificate authorities); ssh -p PORT HOST",
            keys.len(),
            keys.authorities()
        );
        channel::serve(shared, listener, host_key).await
    });
    runtime.shutdown_background();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenroom_hub::StatusService;
    use greenroom_hub::catalog::FixedLoader;

    fn shared(dir: &Path, sessions: usize, per_key: usize) -> Arc<Shared> {
        let hub = Hub::inline(
            Arc::new(FixedLoader::new(crate::catalog::Catalog::default())),
            StatusService::waiting(),
        );
        let portal = PortalOptions {
            config: Default::default(),
            config_file: dir.join("config.toml"),
            log_file: dir.join("log"),
            state_dir: dir.to_path_buf(),
            ui: Default::default(),
            sources: Vec::new(),
            load: Default::default(),
            cache: None,
            description: String::new(),
            demo: false,
            demo_fallback: false,
            watch: false,
        };
        let limits = ServeLimits {
            sessions,
            sessions_per_key: per_key,
            ..ServeLimits::from_config(&ServeConfig::default())
        };
        Arc::new(Shared::new(
            hub,
            portal,
            AuthorizedKeys::default(),
            limits,
            false,
            audit::Audit::none(),
            dir.to_path_buf(),
            "127.0.0.1:2222".into(),
        ))
    }

    fn info(shared: &Shared, key: &str) -> SessionInfo {
        SessionInfo {
            id: shared.next_session_number(),
            identity: Some("user:default/alice".into()),
            fingerprint: key.into(),
            comment: "alice@laptop".into(),
            peer: "127.0.0.1:5000".into(),
            since: 0,
            term: "xterm".into(),
            size: (80, 24),
        }
    }

    #[test]
    fn sessions_are_limited_globally_and_per_key_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let shared = shared(dir.path(), 3, 2);
        let a1 = shared.admit(info(&shared, "A")).unwrap();
        let _a2 = shared.admit(info(&shared, "A")).unwrap();
        let e = shared.admit(info(&shared, "A")).err().unwrap();
        assert!(e.contains("already has 2 sessions"), "{e}");
        let _b1 = shared.admit(info(&shared, "B")).unwrap();
        let e = shared.admit(info(&shared, "C")).err().unwrap();
        assert!(e.contains("full (3 sessions)"), "{e}");
        // The sessions file lists them for `serve --status`.
        let text = print_status(dir.path(), false).unwrap();
        assert!(text.contains("3 sessions"), "{text}");
        assert!(text.contains("user:default/alice"), "{text}");
        a1.resized((120, 40));
        let json: ServerStatus =
            serde_json::from_str(&print_status(dir.path(), true).unwrap()).unwrap();
        assert!(json.sessions.iter().any(|s| s.size == (120, 40)));
        // Leaving frees the place.
        drop(a1);
        assert_eq!(shared.sessions().len(), 2);
        shared.admit(info(&shared, "A")).unwrap();
    }

    #[test]
    fn status_without_a_server_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let e = print_status(dir.path(), false).unwrap_err();
        assert!(e.contains("no running greenroom serve"), "{e}");
        // A file left by a process that is gone.
        let status = ServerStatus {
            pid: u32::MAX / 2,
            listen: "x".into(),
            started: 0,
            sessions: Vec::new(),
        };
        write_status(&dir.path().join(SESSIONS_FILE), &status).unwrap();
        let e = print_status(dir.path(), false).unwrap_err();
        assert!(e.contains("not running any more"), "{e}");
    }
}
