//! Owning the terminal: raw mode, the alternate screen, bracketed paste, optional mouse capture,
//! and putting all of it back on every way out (normal exit, error, panic, signals, ctrl-z).
//! The panic hook (`crate::report`) and the signal handlers (`super::signals`) call in here.

//! These statics belong to the local host only: a session draws to whatever writer it is
//! given and never touches them.

use crossterm::{cursor, event, execute, terminal};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

/// Whether the terminal is currently in greenroom's mode (so restoring twice is harmless).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

/// The terminal's settings before raw mode, for [`restore_from_signal`] (which may not take
/// locks, so it cannot ask crossterm). Replaced on every entry; the old copy is leaked (one
/// small struct per ctrl-z).
#[cfg(unix)]
static SAVED_TERMIOS: AtomicPtr<libc::termios> = AtomicPtr::new(std::ptr::null_mut());

/// What [`restore`] writes, as bytes: mouse reporting off (every mode crossterm turns on),
/// bracketed paste off, synchronized update ended, main screen, cursor shown. The SSH host
/// writes the same to a channel when its session ends.
pub const RESTORE_BYTES: &[u8] = b"\x1b[?1006l\x1b[?1015l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?2004l\x1b[?2026l\x1b[?1049l\x1b[?25h";

/// Puts the terminal back from inside a signal handler (an abort): only async-signal-safe
/// calls (`write`, `tcsetattr`), no locks, no allocation.
#[cfg(unix)]
pub fn restore_from_signal() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    // SAFETY: write(2) of a static buffer and tcsetattr(3) with a termios saved by `enter`;
    // both are async-signal-safe.
    unsafe {
        let _ = libc::write(
            libc::STDOUT_FILENO,
            RESTORE_BYTES.as_ptr().cast(),
            RESTORE_BYTES.len(),
        );
        let saved = SAVED_TERMIOS.load(Ordering::SeqCst);
        if !saved.is_null() {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved);
        }
    }
}

#[cfg(unix)]
fn save_termios() {
    // SAFETY: tcgetattr fills a zeroed termios; on failure nothing is saved.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut t) } == 0 {
        SAVED_TERMIOS.store(Box::into_raw(Box::new(t)), Ordering::SeqCst);
    }
}

/// Puts the terminal back as it was. Safe to call at any time, any number of times, from a
/// panic hook or a signal path.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(out, event::DisableMouseCapture);
    }
    let _ = execute!(
        out,
        event::DisableBracketedPaste,
        terminal::EndSynchronizedUpdate,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

fn enter(mouse: bool) -> io::Result<()> {
    #[cfg(unix)]
    save_termios();
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(
        out,
        terminal::EnterAlternateScreen,
        event::EnableBracketedPaste,
        cursor::Hide
    )?;
    set_mouse(mouse)?;
    Ok(())
}

/// Turns mouse capture on or off (off by default: capture breaks the terminal's own text
/// selection, and a dropped SSH session leaves less garbage behind).
pub fn set_mouse(on: bool) -> io::Result<()> {
    let mut out = io::stdout();
    if on {
        execute!(out, event::EnableMouseCapture)?;
    } else if MOUSE.load(Ordering::SeqCst) {
        execute!(out, event::DisableMouseCapture)?;
    }
    MOUSE.store(on, Ordering::SeqCst);
    Ok(())
}

/// The terminal while greenroom owns it; dropping it restores everything.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    pub fn new(mouse: bool) -> io::Result<TerminalGuard> {
        if let Err(e) = enter(mouse) {
            restore();
            return Err(e);
        }
        Ok(TerminalGuard { _private: () })
    }
}

/// The host's side of the switch that stops the terminal input reader while an editor owns
/// the terminal (a reader left running would take the editor's keystrokes).
pub struct InputGate {
    pause: tokio::sync::watch::Sender<bool>,
    parked: std::sync::mpsc::Receiver<()>,
}

/// The input reader's side: it drops its reader when told to pause, says so, and starts a new
/// one on resume.
pub struct InputGateRx {
    pub pause: tokio::sync::watch::Receiver<bool>,
    pub parked: std::sync::mpsc::Sender<()>,
}

pub fn input_gate() -> (InputGate, InputGateRx) {
    let (pause_tx, pause_rx) = tokio::sync::watch::channel(false);
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    (
        InputGate {
            pause: pause_tx,
            parked: parked_rx,
        },
        InputGateRx {
            pause: pause_rx,
            parked: parked_tx,
        },
    )
}

impl InputGate {
    /// Stops the reader and waits (a little) until it has let go of the terminal.
    fn pause(&self) {
        while self.parked.try_recv().is_ok() {}
        if self.pause.send(true).is_ok()
            && self
                .parked
                // Generous: on a loaded machine the reader task can take a while to be
                // scheduled, and an editor started beside a live reader loses its keys.
                .recv_timeout(std::time::Duration::from_secs(10))
                .is_err()
        {
            tracing::warn!("the input reader did not stop before the editor started");
        }
        // Takes crossterm's reader lock once: a reader thread still inside a poll has left.
        let _ = event::poll(std::time::Duration::ZERO);
    }

    fn resume(&self) {
        let _ = self.pause.send(false);
    }
}

/// The local host's part of a session: suspending the process, running the editor, and
/// mouse modes on the process's terminal.
pub struct LocalHost {
    pub input: InputGate,
}

/// Runs `work`, which blocks for as long as the user likes, without holding up the runtime's
/// other tasks (live status keeps fetching meanwhile).
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

impl super::session::SessionHost for LocalHost {
    /// `e`: the terminal back in its own modes (main screen, cooked), the input reader
    /// stopped, the editor run as a direct child (no shell) until it exits, then greenroom's
    /// modes again.
    fn edit(&mut self, argv: &[std::ffi::OsString]) -> io::Result<super::editor::EditDone> {
        let Some((program, args)) = argv.split_first() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no editor"));
        };
        let mouse = MOUSE.load(Ordering::SeqCst);
        blocking(|| {
            self.input.pause();
            restore();
            let status = std::process::Command::new(program).args(args).status();
            let entered = enter(mouse);
            self.input.resume();
            entered?;
            let status = status?;
            Ok(super::editor::EditDone {
                success: status.success(),
                code: status.code(),
                size: terminal::size().ok(),
            })
        })
    }

    /// ctrl-z or SIGTSTP: give the terminal back, stop like any job, and take it again on `fg`.
    #[cfg(unix)]
    fn suspend(&mut self) -> io::Result<()> {
        let mouse = MOUSE.load(Ordering::SeqCst);
        restore();
        // Stops here; resumes when the shell sends SIGCONT (`fg`).
        super::signals::stop_self();
        enter(mouse)
    }

    fn set_mouse(&mut self, on: bool, _out: &mut dyn Write) -> io::Result<()> {
        set_mouse(on)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
