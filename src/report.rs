//! How greenroom reports what went wrong. color-eyre is the report hook: errors that reach
//! `main` are eyre reports, printed as one sanitised line. A panic on any thread (the main
//! loop, the runtime's workers, the search worker, a template run) ends the process: the
//! terminal is restored first, the full report with a backtrace goes to the log file, a short
//! sanitised message with the log file's path goes to stderr, and the exit status is 101.
//! Exiting from the hook matters: tokio catches a panicking task and would otherwise keep the
//! app drawing in a terminal that is no longer in its modes.

use crate::text::{sanitize_block, sanitize_line};
use color_eyre::config::{HookBuilder, PanicHook};
use std::io::Write;
use std::panic::PanicHookInfo;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The exit status after a panic (the same as Rust's default).
pub const PANIC_EXIT: i32 = 101;

static LOG_FILE: OnceLock<PathBuf> = OnceLock::new();

/// Installs the eyre hook and the panic hook. Call first thing in `main`.
pub fn install() {
    let (panic_hook, eyre_hook) = HookBuilder::blank().display_env_section(false).into_hooks();
    let _ = eyre_hook.install();
    std::panic::set_hook(Box::new(move |info| on_panic(&panic_hook, info)));
}

/// Where panic reports go once the paths are known.
pub fn set_log_file(path: &Path) {
    let _ = LOG_FILE.set(path.to_path_buf());
}

/// The panic's message and where it happened, on one sanitised line.
fn short_message(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    let location = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    sanitize_line(&format!("{message}{location}")).into_owned()
}

fn on_panic(hook: &PanicHook, info: &PanicHookInfo<'_>) {
    // Holding stdout stops other threads drawing between the restore and the exit.
    let stdout = std::io::stdout();
    let _hold = stdout.lock();
    crate::tui::terminal::restore();
    let thread = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned();
    let full = format!(
        "panic on thread '{thread}':\n{}\n\nBacktrace:\n{}\n",
        hook.panic_report(info),
        std::backtrace::Backtrace::force_capture()
    );
    let short = short_message(info);
    let logged = LOG_FILE.get().filter(|path| append(path, &full).is_ok());
    let mut err = std::io::stderr().lock();
    let _ = match logged {
        Some(path) => writeln!(
            err,
            "greenroom crashed: {short}\nThe full report (with a backtrace) is in {}",
            sanitize_line(&path.display().to_string())
        ),
        None => writeln!(err, "greenroom crashed: {short}\n{}", sanitize_block(&full)),
    };
    let _ = err.flush();
    std::process::exit(PANIC_EXIT);
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = crate::logging::open(path)?;
    file.write_all(text.as_bytes())
}

/// A test aid in debug builds only: panics when `GREENROOM_PANIC_TEST` names `place`, so the
/// tests can see the crash path of the real binary.
pub fn test_panic(place: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("GREENROOM_PANIC_TEST").is_ok_and(|v| v == place) {
        panic!("test panic ({place}) \x1b]0;pwned\x07");
    }
    #[cfg(not(debug_assertions))]
    let _ = place;
}
