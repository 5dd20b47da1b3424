//! Owning the terminal: raw mode, the alternate screen, bracketed paste, optional mouse capture,
//! and putting all of it back on every way out (normal exit, error, panic, signals, ctrl-z).

use crossterm::{cursor, event, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Whether the terminal is currently in greenroom's mode (so restoring twice is harmless).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

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

/// Restores the terminal before the default panic report is printed, so the report is
/// readable and the shell is usable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// The terminal while greenroom owns it; dropping it restores everything.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    pub fn new(mouse: bool) -> io::Result<TerminalGuard> {
        install_panic_hook();
        if let Err(e) = enter(mouse) {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal })
    }

    /// ctrl-z: give the terminal back, stop like any job, and take it again on `fg`.
    #[cfg(unix)]
    pub fn suspend(&mut self) -> io::Result<()> {
        let mouse = MOUSE.load(Ordering::SeqCst);
        restore();
        // SAFETY: raising a signal in our own process; SIGTSTP keeps its default action, so the
        // process stops here and resumes when the shell sends SIGCONT.
        unsafe {
            libc::raise(libc::SIGTSTP);
        }
        enter(mouse)?;
        self.terminal.clear()
    }

    #[cfg(not(unix))]
    pub fn suspend(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
