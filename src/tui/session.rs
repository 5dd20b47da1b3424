//! One user's portal: a session over the hub. It is fed greenroom's own [`Input`] events,
//! draws to any writer (the local terminal, an SSH channel, a `Vec<u8>` in tests) at a size
//! it is told, and knows its client through a [`ClientEnv`] rather than the process's
//! environment. The catalogue, live status, runs and searches are the hub's, shared with every
//! other session; the app's effects are split into what this session does at its own terminal
//! (clipboard, links, suspend, mouse) and requests to the hub (search, reload, run, save
//! layout). Signals and hang-ups are the host's business: it closes the input or sends a
//! [`Control`].
//!
//! The loop is [`Session::run`]; its steps ([`Session::feed`], [`Session::pump`],
//! [`Session::draw`], [`Session::wait`]) are public so headless tests drive the same code.

use super::app::{App, AppEvent, Effect, Geometry};
use super::input::Input;
use super::live::layout_runtime as status_runtime;
use super::output::LatchedOutput;
use super::theme::ColorDepth;
use super::{clipboard, editor, links, opener, scaffold, views};
use crossterm::{event as ctevent, execute, terminal as ct};
use greenroom_hub::status::StatusState;
use greenroom_hub::{CatalogSnapshot, Hub};
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::watch;

/// The client's environment: what the session knows of the terminal at the other end and of
/// its user. The local host reads it from the process; a remote host from its client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientEnv {
    vars: BTreeMap<String, String>,
}

impl ClientEnv {
    /// The variables a session reads: terminal type and colours, tmux, SSH, the desktop (for
    /// opening links), PATH (to find the opener), the user and their home.
    pub const VARS: &'static [&'static str] = &[
        "TERM",
        "COLORTERM",
        "TERM_PROGRAM",
        "NO_COLOR",
        "TMUX",
        "SSH_CONNECTION",
        "SSH_TTY",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "PATH",
        "HOME",
        "USER",
        "VISUAL",
        "EDITOR",
    ];

    /// This process's environment (the local host).
    pub fn from_process() -> ClientEnv {
        ClientEnv::from_pairs(
            Self::VARS
                .iter()
                .filter_map(|k| Some((*k, std::env::var(k).ok()?))),
        )
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> ClientEnv {
        ClientEnv {
            vars: pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    pub fn var(&self, key: &str) -> Option<String> {
        self.vars.get(key).cloned()
    }

    pub fn term(&self) -> Option<String> {
        self.var("TERM")
    }

    /// Colours the client's terminal shows, from its variables.
    pub fn color_depth(&self) -> ColorDepth {
        ColorDepth::detect(&|k| self.var(k))
    }

    pub fn tmux(&self) -> bool {
        self.var("TMUX").is_some()
    }

    /// Over SSH: links are copied rather than opened on a machine the user is not at.
    pub fn remote(&self) -> bool {
        self.var("SSH_CONNECTION").is_some() || self.var("SSH_TTY").is_some()
    }

    pub fn user(&self) -> Option<String> {
        self.var("USER")
    }

    pub fn home(&self) -> Option<PathBuf> {
        self.var("HOME").map(PathBuf::from)
    }

    /// The editor command line for `e` (`$VISUAL`, `$EDITOR`, else `vi`).
    pub fn editor(&self) -> String {
        editor::editor_from(|k| self.var(k))
    }

    /// The program that opens links for this client, if it has one.
    pub fn opener(&self) -> Option<PathBuf> {
        opener::find_opener(|k| self.var(k))
    }
}

/// What only the host can do for a session.
pub trait SessionHost: Send {
    /// ctrl-z: give the terminal back, stop, and take it again on resume.
    fn suspend(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Opens a link with the client's opener program (the local host runs it).
    fn open_url(&mut self, program: &std::path::Path, url: &str) -> io::Result<()> {
        opener::open(program, url)
    }

    /// `e`: runs the editor (`argv[0]` with its arguments, no shell) on the client's terminal
    /// and waits for it: the terminal is the editor's meanwhile. A host that cannot (a remote
    /// client) says so with [`io::ErrorKind::Unsupported`].
    fn edit(&mut self, _argv: &[std::ffi::OsString]) -> io::Result<editor::EditDone> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this client cannot run an editor",
        ))
    }

    /// Mouse reporting on or off (the local host also remembers it for restoring).
    fn set_mouse(&mut self, on: bool, mut out: &mut dyn Write) -> io::Result<()> {
        if on {
            execute!(&mut out, ctevent::EnableMouseCapture)
        } else {
            execute!(&mut out, ctevent::DisableMouseCapture)
        }
    }
}

/// A host with nothing of its own (tests, and clients that cannot be suspended).
pub struct PlainHost;

impl SessionHost for PlainHost {}

/// What a host tells a session from outside its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// End now with this exit code (a terminating signal).
    Quit(u8),
    /// The host was suspended (SIGTSTP): give the terminal back and stop.
    Suspend,
}

/// A session's connection to its client.
pub struct SessionIo<W: Write> {
    pub input: UnboundedReceiver<Input>,
    pub output: W,
    /// Columns and rows.
    pub size: (u16, u16),
    pub host: Box<dyn SessionHost>,
    pub control: Option<UnboundedReceiver<Control>>,
}

pub struct Session<W: Write> {
    pub app: App,
    id: u64,
    hub: Hub,
    terminal: Terminal<CrosstermBackend<LatchedOutput<W>>>,
    host: Box<dyn SessionHost>,
    tx: UnboundedSender<AppEvent>,
    rx: UnboundedReceiver<AppEvent>,
    snapshots: watch::Receiver<Arc<CatalogSnapshot>>,
    status: watch::Receiver<StatusState>,
    /// Frames drawn (for tests and figures).
    pub frames: u64,
    /// The shortest time between two frames (a remote host caps each client's frame rate).
    frame_interval: Option<std::time::Duration>,
    /// The shortest time between two frames that no input asked for (live status, timers):
    /// a server with many sessions redraws each at most this often for changes nobody typed.
    background_interval: Option<std::time::Duration>,
    /// Input arrived since the last frame (its frame is due at `frame_interval`).
    typed: bool,
    last_frame: Option<Instant>,
    /// Told of each request to the hub that acts on the world (reload, template run, saved
    /// layout), by name: the SSH host's audit log.
    audit: Option<AuditHook>,
}

/// Told the name of each request to the hub that acts on the world.
pub type AuditHook = Arc<dyn Fn(&str) + Send + Sync>;

/// The cursor is shown once more as the session ends, through the latched output: on a client
/// that went away (hang-up, closed channel) that write fails quietly here, so ratatui's own
/// drop, which would print the failure to a dead stderr and panic, finds nothing left to do.
impl<W: Write> Drop for Session<W> {
    fn drop(&mut self) {
        let _ = self.terminal.show_cursor();
    }
}

impl<W: Write> Session<W> {
    /// A session for `app` on the hub, drawing to `output` at `size`. Takes the hub's current
    /// catalogue snapshot and live status at once.
    pub fn new(
        hub: &Hub,
        app: App,
        output: W,
        size: (u16, u16),
        host: Box<dyn SessionHost>,
    ) -> io::Result<Session<W>> {
        let mut app = app;
        // Grades are the hub's: every session shows the same board, graded once.
        app.scores.shared = hub.scores.clone();
        let area = Rect::new(0, 0, size.0.max(1), size.1.max(1));
        let terminal = Terminal::with_options(
            CrosstermBackend::new(LatchedOutput::new(output)),
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        )?;
        let (tx, rx) = unbounded_channel();
        let mut snapshots = hub.catalog.subscribe();
        let mut status = hub.status.state();
        // Both are taken in the first pump.
        snapshots.mark_changed();
        status.mark_changed();
        Ok(Session {
            app,
            id: hub.new_session_id(),
            hub: hub.clone(),
            terminal,
            host,
            tx,
            rx,
            snapshots,
            status,
            frames: 0,
            frame_interval: None,
            background_interval: None,
            typed: false,
            last_frame: None,
            audit: None,
        })
    }

    /// Draws at most one frame per `interval` (None: whenever something changed).
    pub fn set_frame_interval(&mut self, interval: Option<std::time::Duration>) {
        self.frame_interval = interval;
    }

    /// Draws what changed without input (live status, timers) at most once per `interval`;
    /// a key's frame still follows within the frame interval.
    pub fn set_background_interval(&mut self, interval: Option<std::time::Duration>) {
        self.background_interval = interval;
    }

    /// Calls `audit` with the name of every request to the hub that acts on the world.
    pub fn set_audit(&mut self, audit: AuditHook) {
        self.audit = Some(audit);
    }

    /// When the next frame may be drawn, if a change waits for the frame-rate cap.
    fn frame_due(&self) -> Option<Instant> {
        let interval = match (self.frame_interval, self.background_interval) {
            (Some(f), Some(b)) if !self.typed => f.max(b),
            (None, Some(b)) if !self.typed => b,
            (f, _) => f?,
        };
        let due = self.last_frame? + interval;
        (self.app.dirty && due > Instant::now()).then_some(due)
    }

    fn audit(&self, action: &str) {
        if let Some(audit) = &self.audit {
            audit(action);
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The writer the session draws to.
    pub fn output(&self) -> &W {
        self.terminal.backend().writer().get_ref()
    }

    /// One input event from the client.
    pub fn feed(&mut self, input: Input) {
        match input {
            Input::Closed(why) => {
                tracing::info!("session {} ends: {why}", self.id);
                self.app.handle(AppEvent::Quit(why));
            }
            Input::Resize { width, height } => {
                let area = Rect::new(0, 0, width.max(1), height.max(1));
                if let Err(e) = self.terminal.resize(area) {
                    tracing::warn!("resizing: {e}");
                }
                self.app.dirty = true;
            }
            other => {
                if let Some(event) = other.to_event() {
                    self.app.handle(AppEvent::Terminal(event));
                }
            }
        }
    }

    /// Takes in everything waiting (snapshots, live status, search answers, run events) and
    /// carries out the effects asked for, until nothing more is waiting. On an inline hub
    /// that includes the searches and runs the effects start.
    pub fn pump(&mut self) {
        self.pump_where(&|_| true);
    }

    /// As [`Session::pump`], carrying out only the effects `take` picks; the others stay
    /// queued in the app, in order (tests look at what was asked for).
    pub fn pump_where(&mut self, take: &dyn Fn(&Effect) -> bool) {
        loop {
            let mut took = false;
            if self.snapshots.has_changed().unwrap_or(false) {
                self.take_snapshot();
                took = true;
            }
            if self.status.has_changed().unwrap_or(false) {
                self.take_status();
                took = true;
            }
            while let Ok(event) = self.rx.try_recv() {
                // Registrations are published before they are reported: show the catalogue
                // with them before the notice that says so.
                if matches!(
                    event,
                    AppEvent::Scaffold(scaffold::run::RunEvent::Registered { .. })
                ) {
                    self.take_snapshot();
                }
                self.app.handle(event);
                took = true;
            }
            took |= self.perform_effects(take);
            if !took {
                return;
            }
        }
    }

    /// Installs the hub's newest catalogue snapshot (a no-op when it is the one on screen).
    fn take_snapshot(&mut self) {
        let snapshot = self.snapshots.borrow_and_update().clone();
        self.app.handle(AppEvent::Snapshot(snapshot));
    }

    fn take_status(&mut self) {
        let state = self.status.borrow_and_update().clone();
        self.on_status(state);
    }

    fn on_status(&mut self, state: StatusState) {
        match state {
            StatusState::Waiting => {}
            StatusState::Running(_) => {
                let tx = self.tx.clone();
                let subscription = self.hub.status.subscribe(self.id, move |id| {
                    // On the fetching task: only a send; the loop decides whether to redraw.
                    let _ = tx.send(AppEvent::Status(id.clone()));
                });
                if let Some(s) = subscription {
                    self.app.attach_status(s);
                }
            }
            StatusState::Failed(why) => self.app.notify(why, true),
        }
    }

    /// Carries out the app's effects `take` picks; true when there were any.
    fn perform_effects(&mut self, take: &dyn Fn(&Effect) -> bool) -> bool {
        let mut any = false;
        let mut kept = Vec::new();
        while let Some(effect) = self.app.next_effect() {
            if !take(&effect) {
                kept.push(effect);
                continue;
            }
            any = true;
            if effect.is_hub_request() {
                self.hub_request(effect);
            } else if let Err(e) = self.session_effect(effect) {
                tracing::warn!("session {}: {e}", self.id);
            }
        }
        for effect in kept {
            self.app.push_effect(effect);
        }
        any
    }

    /// Work for the hub.
    fn hub_request(&mut self, effect: Effect) {
        match effect {
            // The index is still being built: the query waits (the app asks again, with the
            // newest query, when the index arrives).
            Effect::Search { .. } if self.app.indexing => {}
            Effect::Search {
                generation,
                query,
                within,
            } => {
                let tx = self.tx.clone();
                self.hub.search.request(
                    self.id,
                    self.app.search_request(generation, query, within),
                    Box::new(move |a| {
                        let _ = tx.send(AppEvent::Searched {
                            generation: a.generation,
                            query: a.query,
                            hits: a.hits,
                            facets: a.facets,
                        });
                    }),
                );
            }
            Effect::Reload => {
                self.audit("catalog.reload");
                self.hub.catalog.reload();
            }
            Effect::Scaffold(job) => {
                self.audit(&job.describe());
                let tx = self.tx.clone();
                scaffold::run::start(&self.hub, job, move |e| {
                    let _ = tx.send(AppEvent::Scaffold(e));
                });
            }
            Effect::SaveLayout(spec) => {
                self.audit(&format!("layout.save {}", spec.name));
                status_runtime::save_layout(&mut self.app, spec);
            }
            Effect::Port(request) => {
                let Some(source) = self.app.port.source.clone() else {
                    return;
                };
                let me = super::port::my_email(&self.app);
                let tx = self.tx.clone();
                // An approval or a decline acts on the world: said before it is sent, and
                // Port's answer after.
                let decision = super::port::audit_line(&request, &source);
                if let Some(line) = &decision {
                    self.audit(line);
                }
                let audit = self.audit.clone().filter(|_| decision.is_some());
                let work = move || {
                    let event = super::port::perform(&source, me.as_deref(), request);
                    if let (Some(audit), super::port::PortEvent::Decided { run, result, .. }) =
                        (&audit, &event)
                    {
                        audit(&match result {
                            Ok(_) => format!("port.decided {run}: Port took it"),
                            Err(e) => format!("port.decided {run}: failed: {e}"),
                        });
                    }
                    let _ = tx.send(AppEvent::Port(Box::new(event)));
                };
                // Blocking HTTP: a thread of its own, or at once on an inline hub (tests).
                if self.hub.runs.is_inline() {
                    work();
                } else if let Err(e) = std::thread::Builder::new()
                    .name("greenroom-port".into())
                    .spawn(work)
                {
                    self.app.notify(format!("cannot ask Port: {e}"), true);
                }
            }
            Effect::Runs(request) => {
                let tx = self.tx.clone();
                let work = move || {
                    let loaded = super::port::runs::perform(request);
                    let _ = tx.send(AppEvent::Runs(Box::new(loaded)));
                };
                // Blocking HTTP, as Port's requests above.
                if self.hub.runs.is_inline() {
                    work();
                } else if let Err(e) = std::thread::Builder::new()
                    .name("greenroom-runs".into())
                    .spawn(work)
                {
                    self.app.notify(format!("cannot read the runs: {e}"), true);
                }
            }
            other => tracing::warn!("not a hub request: {other:?}"),
        }
    }

    /// What this session does at its own terminal.
    fn session_effect(&mut self, effect: Effect) -> io::Result<()> {
        match effect {
            Effect::Clipboard(text) => match clipboard::osc52(&text, self.app.settings.tmux) {
                Some(seq) => {
                    let out = self.terminal.backend_mut().writer_mut();
                    out.write_all(seq.as_bytes())?;
                    out.flush()?;
                }
                None => self
                    .app
                    .notify("too long to copy through the terminal", true),
            },
            Effect::OpenUrl(url) => {
                let Some(program) = self.app.settings.opener.clone() else {
                    return Ok(());
                };
                match self.host.open_url(&program, &url) {
                    Ok(()) => tracing::info!("opened a link with {}", program.display()),
                    Err(e) => {
                        tracing::warn!("cannot run {}: {e}", program.display());
                        // It will not open: copy it, and stop trying this opener.
                        self.app.settings.opener = None;
                        self.app.open_link(&url);
                    }
                }
            }
            Effect::Suspend => self.suspend()?,
            Effect::Edit(request) => self.edit(&request)?,
            Effect::SetMouse(on) => {
                let out = self.terminal.backend_mut().writer_mut();
                self.host.set_mouse(on, out)?;
            }
            other => tracing::warn!("not a session effect: {other:?}"),
        }
        Ok(())
    }

    /// Hands the terminal to the editor, then takes it back, redraws and reloads the
    /// catalogue (the file may have changed).
    fn edit(&mut self, request: &editor::EditRequest) -> io::Result<()> {
        let argv = match editor::command(&self.app.settings.editor, &request.file, request.line) {
            Ok(argv) => argv,
            Err(e) => {
                self.app.notify(e, true);
                return Ok(());
            }
        };
        let program = crate::text::sanitize_line(&argv[0].to_string_lossy()).into_owned();
        let file = crate::text::sanitize_line(&request.file.display().to_string()).into_owned();
        tracing::info!("editing {file} with {program}");
        match self.host.edit(&argv) {
            Ok(done) => {
                if let Some((width, height)) = done.size {
                    self.feed(super::input::Input::Resize { width, height });
                }
                self.terminal.clear()?;
                self.app.dirty = true;
                if done.success {
                    self.app
                        .notify(format!("edited {file}; reading it again"), false);
                } else {
                    let how = done.code.map_or("was stopped by a signal".to_owned(), |c| {
                        format!("exited with status {c}")
                    });
                    self.app
                        .notify(format!("{program} {how}; reading {file} again"), true);
                }
                self.app.act(super::action::Action::Reload);
            }
            Err(e) if e.kind() == io::ErrorKind::Unsupported => {
                self.app.notify(format!("{e}: open {file} yourself"), true);
            }
            Err(e) => {
                // The host gave the terminal back; draw everything again.
                self.terminal.clear()?;
                self.app.dirty = true;
                self.app.notify(
                    format!("cannot run {program} ($VISUAL / $EDITOR): {e}"),
                    true,
                );
            }
        }
        Ok(())
    }

    fn suspend(&mut self) -> io::Result<()> {
        self.host.suspend()?;
        self.terminal.clear()?;
        self.app.dirty = true;
        Ok(())
    }

    /// Draws a frame when something changed, as one synchronized update.
    pub fn draw(&mut self) -> io::Result<()> {
        if !self.app.dirty {
            return Ok(());
        }
        self.app.dirty = false;
        self.typed = false;
        execute!(
            self.terminal.backend_mut().writer_mut(),
            ct::BeginSynchronizedUpdate
        )?;
        let drawn = draw_frame(&mut self.terminal, &mut self.app);
        if let Ok(paints) = &drawn {
            links::paint(self.terminal.backend_mut().writer_mut(), paints)?;
        }
        execute!(
            self.terminal.backend_mut().writer_mut(),
            ct::EndSynchronizedUpdate
        )?;
        drawn?;
        self.frames += 1;
        self.last_frame = Some(Instant::now());
        Ok(())
    }

    /// Waits for the next thing to handle that is not input: a snapshot, a status change, an
    /// answer or the app's next deadline. False when the hub has gone.
    pub async fn wait(&mut self) -> bool {
        let deadline = self.app.deadline();
        tokio::select! {
            changed = self.snapshots.changed() => {
                self.take_snapshot();
                changed.is_ok()
            }
            changed = self.status.changed() => {
                self.take_status();
                changed.is_ok()
            }
            event = self.rx.recv() => match event {
                Some(e) => {
                    self.app.handle(e);
                    true
                }
                None => false,
            },
            () = sleep_until(deadline) => {
                self.app.on_deadline(Instant::now());
                true
            }
        }
    }

    /// Runs until the user quits, the input ends, or the host says quit. Returns the exit
    /// code (0, or the one a `Control::Quit` carried).
    pub async fn run(
        mut self,
        mut input: UnboundedReceiver<Input>,
        mut control: Option<UnboundedReceiver<Control>>,
    ) -> io::Result<u8> {
        let mut exit_code = 0;
        loop {
            self.pump();
            if self.app.quit {
                break;
            }
            let frame_due = self.frame_due();
            if frame_due.is_none() {
                self.draw()?;
            }
            let deadline = self.app.deadline();
            tokio::select! {
                Some(c) = async {
                    match control.as_mut() {
                        Some(c) => c.recv().await,
                        None => std::future::pending().await,
                    }
                } => match c {
                    Control::Quit(code) => {
                        exit_code = code;
                        break;
                    }
                    Control::Suspend => self.suspend()?,
                },
                event = input.recv() => {
                    self.typed = true;
                    self.feed(event.unwrap_or(Input::Closed("input closed")));
                    // Take everything already waiting before drawing again.
                    while let Ok(event) = input.try_recv() {
                        self.feed(event);
                    }
                }
                changed = self.snapshots.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    self.take_snapshot();
                }
                changed = self.status.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    self.take_status();
                }
                event = self.rx.recv() => {
                    let Some(event) = event else { break };
                    // Answers to what the user did (search results, runs, Port) are drawn as
                    // soon as a key would be; live status arriving is background.
                    if !matches!(event, AppEvent::Status(_)) {
                        self.typed = true;
                    }
                    self.app.handle(event);
                }
                () = sleep_until(deadline) => self.app.on_deadline(Instant::now()),
                // The frame-rate cap is over: the loop draws what changed.
                () = sleep_until(frame_due) => {}
            }
        }
        Ok(exit_code)
    }
}

/// `Session::run(hub, io)`: a session for `app` on the hub over a client's connection, run
/// until it ends. Returns the exit code.
pub async fn serve<W: Write>(hub: &Hub, app: App, io: SessionIo<W>) -> io::Result<u8> {
    let session = Session::new(hub, app, io.output, io.size, io.host)?;
    session.run(io.input, io.control).await
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

/// Draws the app into a terminal the way every session does (the frame, then the link areas
/// it laid out), and keeps the geometry for mouse hits and page sizes. Returns the links to
/// paint as OSC 8 hyperlinks over the frame.
pub fn draw_frame<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
) -> io::Result<Vec<links::LinkPaint>> {
    let mut geometry = Geometry::default();
    let mut paints = Vec::new();
    terminal.draw(|f| {
        geometry = views::draw(f, app);
        paints = links::collect(f.buffer_mut(), &geometry.links);
    })?;
    app.apply_geometry(geometry);
    Ok(paints)
}
