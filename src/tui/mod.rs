//! The terminal portal. A session (`session.rs`) takes greenroom's own input events, turns
//! keys into named actions, changes the app's state and draws a frame only when something
//! changed, as one synchronized update; the hub (`greenroom_hub`) loads, searches, polls and
//! runs for every session. This file is the local host: one hub and one session on the
//! process's terminal, with the signals and the hang-up watcher that only it has.

pub mod action;
pub mod app;
pub mod catalog;
pub mod clipboard;
pub mod editor;
pub mod entity;
pub mod filter_list;
pub mod input;
pub mod keymap;
pub mod keys;
pub mod links;
pub mod live;
pub mod opener;
pub mod output;
pub mod palette;
pub mod popups;
pub mod port;
pub mod scaffold;
pub mod session;
pub mod signals;
pub mod terminal;
pub mod theme;
pub mod view_model;
pub mod views;

use crate::config::Config;
use crate::sources::cache::{CatalogCache, Policy};
use crate::sources::{LoadOptions, Source};
use app::{App, Settings};
use futures_util::StreamExt;
use greenroom_hub::{
    CachedLoader, CatalogLoader, CatalogService, Hub, RunService, SearchPool, SourcesLoader,
    StatusService,
};
use input::Input;
use keymap::Keymap;
use session::{ClientEnv, Control, Session};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use terminal::{LocalHost, TerminalGuard};
use theme::{ColorDepth, Theme};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// Choices from the command line that override the config's `[ui]` section.
#[derive(Clone, Debug, Default)]
pub struct UiOverrides {
    pub color: Option<String>,
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub mouse: bool,
    pub no_hyperlinks: bool,
    /// `--layout NAME`: open straight into the watch workspace with a saved layout.
    pub layout: Option<String>,
}

/// Everything the portal needs from whoever starts it (the command line), so the portal does
/// not reach into the command line's types.
pub struct PortalOptions {
    pub config: Config,
    pub config_file: PathBuf,
    pub log_file: PathBuf,
    /// Where per-user state lives (the starred entities).
    pub state_dir: PathBuf,
    pub ui: UiOverrides,
    pub sources: Vec<Box<dyn Source>>,
    pub load: LoadOptions,
    /// The catalogue cache to start from and how (`--offline`: remote sources from the cache
    /// alone); none when `catalog.cache = false`.
    pub cache: Option<(CatalogCache, Policy)>,
    /// The catalogue, for people.
    pub description: String,
    /// The bundled demo is (among) the catalogue.
    pub demo: bool,
    /// No catalogue was configured, so the demo stands in (the portal says so).
    pub demo_fallback: bool,
    /// Follow the disk: watch the file sources' roots and read changes as they are saved.
    pub watch: bool,
}

/// Why the portal could not run: a usage problem (exit 2) or a failure (exit 1).
#[derive(Debug)]
pub struct PortalError {
    pub message: String,
    pub usage: bool,
}

impl PortalError {
    pub fn usage(message: impl Into<String>) -> PortalError {
        PortalError {
            message: message.into(),
            usage: true,
        }
    }

    pub fn failed(message: impl Into<String>) -> PortalError {
        PortalError {
            message: message.into(),
            usage: false,
        }
    }
}

/// Colour depth from `--color`, else the config, else the client's environment.
pub fn color_depth(choice: Option<&str>, env: &ClientEnv) -> Result<ColorDepth, PortalError> {
    match choice {
        None | Some("auto") => Ok(env.color_depth()),
        Some(c) => ColorDepth::parse(c).ok_or_else(|| {
            PortalError::usage(format!(
                "--color {c}: expected auto, truecolor, 256, 16 or none"
            ))
        }),
    }
}

/// The keymap and theme in force, with any problems in the user's files.
pub fn look_and_feel(
    config: &Config,
    config_file: &Path,
    ui: &UiOverrides,
    env: &ClientEnv,
) -> Result<(Keymap, Theme, Vec<String>), PortalError> {
    let ui_config = &config.ui;
    let depth = color_depth(ui.color.as_deref().or(Some(ui_config.color.as_str())), env)?;
    let config_dir = config_file.parent().map(Path::to_path_buf);
    let base = ui.keymap.as_deref().unwrap_or(&ui_config.keymap);
    if !keymap::BUILTIN.iter().any(|(n, _)| *n == base) {
        return Err(PortalError::usage(format!(
            "keymap \"{base}\": expected default, vim or emacs"
        )));
    }
    let user_keymap = config_dir.as_ref().map(|d| d.join("keymap.toml"));
    let (keymap, keymap_issues) = Keymap::load(base, user_keymap.as_deref().filter(|p| p.exists()));
    let theme_name = ui.theme.as_deref().unwrap_or(&ui_config.theme);
    let theme_name = if depth == ColorDepth::None && theme_name == "dark" {
        "mono"
    } else {
        theme_name
    };
    let themes_dir = config_dir.as_ref().map(|d| d.join("themes"));
    let (theme, theme_issues) = Theme::load(theme_name, themes_dir.as_deref(), depth);
    let issues = keymap_issues
        .iter()
        .map(ToString::to_string)
        .chain(theme_issues.iter().map(ToString::to_string))
        .collect();
    Ok((keymap, theme, issues))
}

/// A session's app for a client: its look and feel, settings from its environment, the
/// notices it opens with, and the layout `--layout` asked for.
pub fn new_app(options: &PortalOptions, env: &ClientEnv) -> Result<App, PortalError> {
    let layout = live::layout_runtime::layout_to_open(
        &options.config.layouts,
        &options.config_file,
        options.ui.layout.as_deref(),
    )?;
    let (keymap, theme, issues) =
        look_and_feel(&options.config, &options.config_file, &options.ui, env)?;
    let config = &options.config.ui;
    let ui = &options.ui;
    let settings = Settings {
        hyperlinks: config.hyperlinks && !ui.no_hyperlinks,
        mouse: config.mouse || ui.mouse,
        preview: config.preview,
        remote: env.remote(),
        tmux: env.tmux(),
        tmux_options: clipboard::read_tmux_option,
        themes_dir: options.config_file.parent().map(|d| d.join("themes")),
        opener: env.opener(),
        local_scaffold: true,
        editor: env.editor(),
    };
    let mut app = App::new(keymap, theme, settings, options.description.clone());
    app.demo = options.demo;
    app.docs.backends = crate::techdocs::backends(&options.config);
    app.docs.online = options.load.online;
    app.docs.cache = options
        .cache
        .as_ref()
        .map(|(cache, _)| crate::techdocs::DocsCache::new(cache));
    if options.demo_fallback {
        app.notify("No catalogue configured: the bundled demo (-c PATH)", false);
    }
    app.scaffold.user = scaffold::current_user(&options.config);
    app.scaffold.backends = options.config.backstage_sources();
    app.scaffold.run_place = options.config.scaffold.run;
    app.scaffold.recent_runs = Some(options.state_dir.join("remote-runs.json"));
    app.scaffold.env_home = env.home();
    app.port.source = options.config.port_sources().into_iter().next();
    app.scores = entity::scores::Scores::new(load_scorecards(&options.config, options.demo));
    if let Some(d) = app.scores.diagnostics.first() {
        app.notify(
            format!(
                "{}:{}:{}: {} (scorecard files; greenroom scorecard lists every problem)",
                d.file, d.line, d.column, d.message
            ),
            true,
        );
    }
    live::layout_runtime::prepare_layouts(
        &mut app,
        &options.config.layouts,
        &options.config_file,
        layout.as_ref(),
    );
    let (stars, stars_problem) = crate::stars::Stars::load(options.state_dir.join("starred"));
    app.stars = stars;
    if let Some(problem) = stars_problem {
        tracing::warn!("starred entities: {problem}");
    }
    for issue in &issues {
        tracing::warn!("{issue}");
    }
    if let Some(first) = issues.first() {
        let more = if issues.len() > 1 {
            format!(" (+{} more in the log)", issues.len() - 1)
        } else {
            String::new()
        };
        app.notify(format!("{first}{more}"), true);
    }
    Ok(app)
}

/// The scorecard files the config names, else the demo's when the catalogue is the demo
/// (Port's are added from the catalogue once it is loaded).
fn load_scorecards(config: &Config, demo: bool) -> crate::scorecard::Loaded {
    let paths = config.scorecard_paths();
    if paths.is_empty() && demo {
        crate::scorecard::sources::demo()
    } else {
        crate::scorecard::sources::from_paths(&paths)
    }
}

/// The hub's live status for this configuration: at once, or on the demo once its catalogue
/// is in (served by the in-process fake). Call inside the runtime.
pub fn live_status(
    catalog: &CatalogService,
    demo: bool,
    config: crate::status::StatusConfig,
) -> StatusService {
    if demo {
        let status = StatusService::waiting();
        greenroom_hub::status::start_demo(&status, catalog, config);
        status
    } else {
        StatusService::start(config)
    }
}

/// Opens the portal on the chosen catalogue and runs until the user quits.
pub fn run(options: PortalOptions) -> Result<u8, PortalError> {
    // The layout is checked before anything else, so a wrong name is a plain error.
    live::layout_runtime::layout_to_open(
        &options.config.layouts,
        &options.config_file,
        options.ui.layout.as_deref(),
    )?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(PortalError::usage(
            "the portal needs a terminal; for scripts use a subcommand (greenroom --help lists them)",
        ));
    }
    crate::logging::init(&options.log_file);
    let env = ClientEnv::from_process();
    let app = new_app(&options, &env)?;
    tracing::info!(source = %options.description, "starting the portal");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| PortalError::failed(format!("starting the runtime: {e}")))?;
    let watch_roots: Vec<PathBuf> = if options.watch {
        options
            .sources
            .iter()
            .filter_map(|s| s.as_files())
            .flat_map(|f| f.disk_roots())
            .collect()
    } else {
        Vec::new()
    };
    let loader: Arc<dyn CatalogLoader> = match options.cache {
        Some((cache, policy)) => Arc::new(CachedLoader::new(
            options.sources,
            options.load,
            cache,
            policy,
        )),
        None => Arc::new(SourcesLoader::new(options.sources, options.load)),
    };
    let status = options.config.status.clone();
    let demo = options.demo;
    let result = runtime.block_on(async move {
        let catalog = CatalogService::new(loader);
        let mut app = app;
        // Kept for the session's lifetime; dropping it stops watching.
        let _watch = match watch_roots.is_empty() {
            true => None,
            false => match greenroom_hub::watch::DiskWatch::start(&watch_roots, catalog.clone()) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::warn!("not following the disk: {e}");
                    app.notify(format!("not following the disk: {e}"), true);
                    None
                }
            },
        };
        let status = live_status(&catalog, demo, status);
        let hub = Hub::new(catalog, status, RunService::new(), SearchPool::start(1));
        local_host(&hub, app).await
    });
    // Do not wait for tasks: after a hang-up the input task can be stuck retrying reads on the
    // dead terminal (crossterm#793), and waiting for it would keep the process alive, spinning.
    runtime.shutdown_background();
    result
}

/// One session on the process's terminal.
async fn local_host(hub: &Hub, app: App) -> Result<u8, PortalError> {
    hub.catalog.reload();
    // Before taking the terminal, so no signal can leave it in greenroom's modes.
    let mut signals = signals::listen();
    let guard = TerminalGuard::new(app.settings.mouse)
        .map_err(|e| PortalError::failed(format!("cannot use the terminal: {e}")))?;
    spawn_crash_tests();
    let (input_tx, input_rx) = unbounded_channel();
    spawn_hangup_watch(input_tx.clone());
    let (gate, gate_rx) = terminal::input_gate();
    spawn_input(input_tx, gate_rx);
    let (control_tx, control_rx) = unbounded_channel();
    tokio::spawn(async move {
        while let Some(signal) = signals.recv().await {
            let control = match signal {
                signals::SignalEvent::Quit { code, .. } => {
                    // A run killed by the signal leaves no temporary workspace behind.
                    crate::scaffold::exec::cleanup_all();
                    Control::Quit(code)
                }
                signals::SignalEvent::Suspend => Control::Suspend,
            };
            if control_tx.send(control).is_err() {
                return;
            }
        }
    });
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let io_failed = |e: std::io::Error| PortalError::failed(format!("drawing failed: {e}"));
    let session = Session::new(
        hub,
        app,
        std::io::stdout(),
        size,
        Box::new(LocalHost { input: gate }),
    )
    .map_err(io_failed)?;
    let code = session
        .run(input_rx, Some(control_rx))
        .await
        .map_err(io_failed)?;
    drop(guard);
    Ok(code)
}

/// The process's terminal input, as greenroom's input events. While an editor runs (`e`) the
/// reader is dropped, so it reads none of the editor's keys, and a new one starts after.
fn spawn_input(tx: UnboundedSender<Input>, gate: terminal::InputGateRx) {
    let terminal::InputGateRx { mut pause, parked } = gate;
    tokio::spawn(async move {
        loop {
            let mut events = crossterm::event::EventStream::new();
            loop {
                tokio::select! {
                    event = events.next() => match event {
                        Some(Ok(e)) => {
                            let Some(input) = Input::from_crossterm(e) else {
                                continue;
                            };
                            if tx.send(input).is_err() {
                                return;
                            }
                        }
                        Some(Err(e)) => {
                            tracing::warn!("terminal input failed: {e}");
                            let _ = tx.send(Input::Closed("terminal input failed"));
                            return;
                        }
                        None => {
                            let _ = tx.send(Input::Closed("terminal input closed"));
                            return;
                        }
                    },
                    Ok(()) = pause.changed() => {
                        if *pause.borrow_and_update() {
                            break;
                        }
                    }
                }
            }
            drop(events);
            let _ = parked.send(());
            if pause.wait_for(|paused| !*paused).await.is_err() {
                return;
            }
        }
    });
}

/// Watches the terminal for hang-up. A dead tty can make the input reader spin instead of
/// failing; poll() with no events requested sleeps until the hang-up and costs nothing.
#[cfg(unix)]
fn spawn_hangup_watch(tx: UnboundedSender<Input>) {
    let _ = std::thread::Builder::new()
        .name("greenroom-hangup".into())
        .spawn(move || {
            loop {
                let mut fds = libc::pollfd {
                    fd: libc::STDIN_FILENO,
                    events: 0,
                    revents: 0,
                };
                // SAFETY: one valid pollfd, for the lifetime of the call.
                let n = unsafe { libc::poll(&mut fds, 1, -1) };
                if n < 0 {
                    if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                        continue;
                    }
                    return;
                }
                if fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                    let _ = tx.send(Input::Closed("terminal hung up"));
                    return;
                }
            }
        });
}

#[cfg(not(unix))]
fn spawn_hangup_watch(_tx: UnboundedSender<Input>) {}

/// Debug builds only: the panics the crash tests ask for (`GREENROOM_PANIC_TEST`), on the
/// main loop, a runtime worker and a plain thread, once the portal owns the terminal.
fn spawn_crash_tests() {
    if cfg!(debug_assertions) {
        crate::report::test_panic("main");
        tokio::spawn(async { crate::report::test_panic("task") });
        std::thread::spawn(|| crate::report::test_panic("thread"));
    }
}
