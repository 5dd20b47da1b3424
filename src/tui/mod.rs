//! The terminal portal. One loop takes terminal input, background results, signals and timers;
//! keys become named actions; the state changes; a frame is drawn only when something changed,
//! as one synchronized update. Loading and searching run elsewhere and report back.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod keymap;
pub mod keys;
pub mod layouts;
pub mod links;
pub mod live;
pub mod oncall_view;
pub mod opener;
pub mod panes;
pub mod rows;
pub mod scaffold;
pub mod scores;
pub mod search_worker;
pub mod signals;
pub mod status_panel;
mod status_runtime;
pub mod terminal;
pub mod theme;
pub mod views;
pub mod watch;

use crate::cli::{Chosen, Context, Failure};
use crate::search::SearchIndex;
use crate::sources::{self, LoadOptions, Progress, Source};
use app::{App, AppEvent, Effect, Geometry, Settings};
use crossterm::{execute, terminal as ct};
use futures_util::StreamExt;
use keymap::Keymap;
use search_worker::{Request, SearchWorker};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};
use terminal::TerminalGuard;
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

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// Colour depth from `--color`, else the config, else the environment.
pub fn color_depth(choice: Option<&str>) -> Result<ColorDepth, Failure> {
    match choice {
        None | Some("auto") => Ok(ColorDepth::detect(&env)),
        Some(c) => ColorDepth::parse(c).ok_or_else(|| {
            Failure::usage(format!(
                "--color {c}: expected auto, truecolor, 256, 16 or none"
            ))
        }),
    }
}

/// The keymap and theme in force, with any problems in the user's files.
pub fn look_and_feel(
    ctx: &Context,
    ui: &UiOverrides,
) -> Result<(Keymap, Theme, Vec<String>), Failure> {
    let config = &ctx.config.ui;
    let depth = color_depth(ui.color.as_deref().or(Some(config.color.as_str())))?;
    let config_dir = ctx
        .paths
        .config_file
        .parent()
        .map(std::path::Path::to_path_buf);
    let base = ui.keymap.as_deref().unwrap_or(&config.keymap);
    if !keymap::BUILTIN.iter().any(|(n, _)| *n == base) {
        return Err(Failure::usage(format!(
            "keymap \"{base}\": expected default, vim or emacs"
        )));
    }
    let user_keymap = config_dir.as_ref().map(|d| d.join("keymap.toml"));
    let (keymap, keymap_issues) = Keymap::load(base, user_keymap.as_deref().filter(|p| p.exists()));
    let theme_name = ui.theme.as_deref().unwrap_or(&config.theme);
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

/// Opens the portal on the chosen catalogue and runs until the user quits.
pub fn run(ctx: &Context, chosen: Chosen, ui: &UiOverrides) -> Result<u8, Failure> {
    let layout = status_runtime::layout_to_open(ctx, ui.layout.as_deref())?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the portal needs a terminal; for scripts use a subcommand (greenroom --help lists them)",
        ));
    }
    crate::logging::init(&ctx.paths.log_file);
    let (keymap, theme, issues) = look_and_feel(ctx, ui)?;
    let config = &ctx.config.ui;
    let settings = Settings {
        hyperlinks: config.hyperlinks && !ui.no_hyperlinks,
        mouse: config.mouse || ui.mouse,
        preview: config.preview,
        remote: env("SSH_CONNECTION").is_some() || env("SSH_TTY").is_some(),
        tmux: env("TMUX").is_some(),
        tmux_options: clipboard::read_tmux_option,
        opener: opener::find_opener(env),
    };
    let mut app = App::new(keymap, theme, settings, chosen.description.clone());
    app.demo = chosen.demo;
    if chosen.description == crate::cli::DEMO_FALLBACK {
        app.notify("No catalogue configured: the bundled demo (-c PATH)", false);
    }
    app.scaffold.user = scaffold::current_user(&ctx.config);
    app.scores = scores::Scores::new(load_scorecards(ctx, chosen.demo));
    if let Some(d) = app.scores.diagnostics.first() {
        app.notify(
            format!(
                "{}:{}:{}: {} (scorecard files; greenroom scorecard lists every problem)",
                d.file, d.line, d.column, d.message
            ),
            true,
        );
    }
    status_runtime::prepare_layouts(&mut app, ctx, layout.as_ref());
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
    tracing::info!(source = %chosen.description, "starting the portal");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("starting the runtime: {e}")))?;
    let sources = Arc::new(chosen.sources);
    let options = chosen.options;
    let status = ctx.config.status.clone();
    let result = runtime.block_on(event_loop(app, sources, options, status));
    // Do not wait for tasks: after a hang-up the input task can be stuck retrying reads on the
    // dead terminal (crossterm#793), and waiting for it would keep the process alive, spinning.
    runtime.shutdown_background();
    result
}

/// The scorecard files the config names, else the demo's when the catalogue is the demo
/// (Port's are added from the catalogue once it is loaded).
fn load_scorecards(ctx: &Context, demo: bool) -> crate::scorecard::Loaded {
    let paths = ctx.config.scorecard_paths();
    if paths.is_empty() && demo {
        crate::scorecard::sources::demo()
    } else {
        crate::scorecard::sources::from_paths(&paths)
    }
}

fn spawn_loader(
    sources: Arc<Vec<Box<dyn Source>>>,
    mut options: LoadOptions,
    tx: UnboundedSender<AppEvent>,
) {
    let progress_tx = tx.clone();
    let last = std::sync::Mutex::new(Instant::now());
    options.progress = Some(Arc::new(move |p: Progress| {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= Duration::from_millis(100) {
            *last = Instant::now();
            let _ = progress_tx.send(AppEvent::Progress(p));
        }
    }));
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let catalog = sources::load(&sources, &options);
        let index = Arc::new(SearchIndex::build(&catalog));
        tracing::info!(
            entities = catalog.len(),
            errors = catalog.error_count(),
            warnings = catalog.warning_count(),
            ms = started.elapsed().as_millis() as u64,
            "catalogue loaded"
        );
        let _ = tx.send(AppEvent::Loaded(Box::new(catalog), index));
    });
}

fn spawn_input(tx: UnboundedSender<AppEvent>) {
    tokio::spawn(async move {
        let mut events = crossterm::event::EventStream::new();
        loop {
            match events.next().await {
                Some(Ok(e)) => {
                    if tx.send(AppEvent::Terminal(e)).is_err() {
                        return;
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!("terminal input failed: {e}");
                    let _ = tx.send(AppEvent::Quit("terminal input failed"));
                    return;
                }
                None => {
                    let _ = tx.send(AppEvent::Quit("terminal input closed"));
                    return;
                }
            }
        }
    });
}

/// Watches the terminal for hang-up. A dead tty can make the input reader spin instead of
/// failing; poll() with no events requested sleeps until the hang-up and costs nothing.
#[cfg(unix)]
fn spawn_hangup_watch(tx: UnboundedSender<AppEvent>) {
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
                    let _ = tx.send(AppEvent::Quit("terminal hung up"));
                    return;
                }
            }
        });
}

#[cfg(not(unix))]
fn spawn_hangup_watch(_tx: UnboundedSender<AppEvent>) {}

async fn event_loop(
    mut app: App,
    sources: Arc<Vec<Box<dyn Source>>>,
    options: LoadOptions,
    status: crate::status::StatusConfig,
) -> Result<u8, Failure> {
    let (tx, mut rx) = unbounded_channel::<AppEvent>();
    let mut live = status_runtime::StatusRuntime::start(&mut app, status, tx.clone());
    // Before taking the terminal, so no signal can leave it in greenroom's modes.
    let mut signals = signals::listen();
    let mut guard = TerminalGuard::new(app.settings.mouse)
        .map_err(|e| Failure::failed(format!("cannot use the terminal: {e}")))?;
    spawn_crash_tests();
    spawn_hangup_watch(tx.clone());
    spawn_input(tx.clone());
    spawn_loader(sources.clone(), options.clone(), tx.clone());
    let worker = SearchWorker::start(tx.clone());
    let io_failed = |e: std::io::Error| Failure::failed(format!("drawing failed: {e}"));
    let mut exit_code = 0;
    loop {
        if app.dirty {
            app.dirty = false;
            let mut geometry = Geometry::default();
            let mut link_paints = Vec::new();
            execute!(std::io::stdout(), ct::BeginSynchronizedUpdate).map_err(io_failed)?;
            let drawn = guard.terminal.draw(|f| {
                geometry = views::draw(f, &app);
                link_paints = links::collect(f.buffer_mut(), &geometry.links);
            });
            if drawn.is_ok() {
                links::paint(&mut std::io::stdout(), &link_paints).map_err(io_failed)?;
            }
            execute!(std::io::stdout(), ct::EndSynchronizedUpdate).map_err(io_failed)?;
            drawn.map_err(io_failed)?;
            app.apply_geometry(geometry);
        }
        let deadline = app.deadline();
        tokio::select! {
            Some(signal) = signals.recv() => match signal {
                signals::SignalEvent::Quit { code, .. } => {
                    // A run killed by the signal leaves no temporary workspace behind.
                    crate::scaffold::exec::cleanup_all();
                    exit_code = code;
                    break;
                }
                signals::SignalEvent::Suspend => {
                    guard
                        .suspend()
                        .map_err(|e| Failure::failed(format!("resuming: {e}")))?;
                    app.dirty = true;
                }
            },
            event = rx.recv() => {
                let Some(event) = event else { break };
                app.handle(event);
                // Take everything already waiting before drawing again.
                while let Ok(event) = rx.try_recv() {
                    app.handle(event);
                }
            }
            () = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            } => app.on_deadline(Instant::now()),
        }
        live.after_events(&mut app).await;
        while let Some(effect) = app.next_effect() {
            match effect {
                Effect::Search {
                    generation,
                    query,
                    within,
                } => worker.request(Request {
                    index: app.index.clone(),
                    board: app.scores.board.clone(),
                    generation,
                    query,
                    within,
                }),
                Effect::Clipboard(text) => match clipboard::osc52(&text, app.settings.tmux) {
                    Some(seq) => {
                        let mut out = std::io::stdout();
                        let _ = out.write_all(seq.as_bytes());
                        let _ = out.flush();
                    }
                    None => app.notify("too long to copy through the terminal", true),
                },
                Effect::OpenUrl(url) => {
                    let Some(program) = app.settings.opener.clone() else {
                        continue;
                    };
                    match opener::open(&program, &url) {
                        Ok(()) => tracing::info!("opened a link with {}", program.display()),
                        Err(e) => {
                            tracing::warn!("cannot run {}: {e}", program.display());
                            // It will not open: copy it, and stop trying this opener.
                            app.settings.opener = None;
                            app.open_link(&url);
                        }
                    }
                }
                Effect::Suspend => {
                    guard
                        .suspend()
                        .map_err(|e| Failure::failed(format!("resuming: {e}")))?;
                    app.dirty = true;
                }
                Effect::SetMouse(on) => {
                    let _ = terminal::set_mouse(on);
                }
                Effect::Reload => spawn_loader(sources.clone(), options.clone(), tx.clone()),
                Effect::Scaffold(job) => scaffold::run::spawn(job, tx.clone()),
                Effect::SaveLayout(spec) => status_runtime::save_layout(&mut app, spec),
            }
        }
        if app.quit {
            break;
        }
    }
    drop(guard);
    Ok(exit_code)
}

/// Debug builds only: the panics the crash tests ask for (`GREENROOM_PANIC_TEST`), on the
/// main loop, a runtime worker and a plain thread, once the portal owns the terminal.
fn spawn_crash_tests() {
    if cfg!(debug_assertions) {
        crate::report::test_panic("main");
        tokio::spawn(async { crate::report::test_panic("task") });
        std::thread::spawn(|| crate::report::test_panic("thread"));
    }
}
