//! Every signal the portal cares about, in one place. Terminating signals (SIGTERM, SIGHUP,
//! SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM) end the portal through the normal path,
//! so the terminal is restored, and the process exits with 128 + the signal's number as shells
//! expect. SIGTSTP sent from outside suspends the way ctrl-z does (restore, stop, take the
//! terminal back on SIGCONT). SIGABRT (an abort, from `kill -ABRT` or inside) cannot wait for
//! the event loop: its handler restores the terminal with async-signal-safe calls only, then
//! lets the abort proceed.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// What a signal asks of the event loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalEvent {
    /// End the portal and exit with this status (128 + the signal).
    Quit { name: &'static str, code: u8 },
    /// Give the terminal back and stop, as ctrl-z does.
    Suspend,
}

/// The signals that end the portal, with their names.
#[cfg(unix)]
pub const TERMINATING: &[(libc::c_int, &str)] = &[
    (libc::SIGTERM, "SIGTERM"),
    (libc::SIGHUP, "SIGHUP"),
    (libc::SIGINT, "SIGINT"),
    (libc::SIGQUIT, "SIGQUIT"),
    (libc::SIGUSR1, "SIGUSR1"),
    (libc::SIGUSR2, "SIGUSR2"),
    (libc::SIGPIPE, "SIGPIPE"),
    (libc::SIGALRM, "SIGALRM"),
];

/// The exit status for a process ended by signal `signal`: 128 + its number.
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(u8::MAX)
}

/// Starts listening (call before taking the terminal, so no signal falls in a gap). Must run
/// inside the tokio runtime.
pub fn listen() -> UnboundedReceiver<SignalEvent> {
    let (tx, rx) = unbounded_channel();
    spawn_listeners(&tx);
    install_abort_handler();
    rx
}

#[cfg(unix)]
fn spawn_listeners(tx: &UnboundedSender<SignalEvent>) {
    use tokio::signal::unix::{SignalKind, signal};
    for &(number, name) in TERMINATING {
        let tx = tx.clone();
        match signal(SignalKind::from_raw(number)) {
            Ok(mut s) => {
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        tracing::info!("{name}: quitting");
                        let code = exit_code(number);
                        let _ = tx.send(SignalEvent::Quit { name, code });
                    }
                });
            }
            Err(e) => tracing::warn!("cannot handle {name}: {e}"),
        }
    }
    let tx = tx.clone();
    match signal(SignalKind::from_raw(libc::SIGTSTP)) {
        Ok(mut s) => {
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    tracing::info!("SIGTSTP: suspending");
                    if tx.send(SignalEvent::Suspend).is_err() {
                        return;
                    }
                }
            });
        }
        Err(e) => tracing::warn!("cannot handle SIGTSTP: {e}"),
    }
}

#[cfg(not(unix))]
fn spawn_listeners(_tx: &UnboundedSender<SignalEvent>) {}

/// Stops the process the way a terminal's ctrl-z does (SIGTSTP with its default action), even
/// though [`listen`] handles SIGTSTP; returns once the process is continued.
#[cfg(unix)]
pub fn stop_self() {
    // SAFETY: plain sigaction calls on zero-initialised structs; the previous action (tokio's
    // handler) is put back once the process continues.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut default.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGTSTP, &default, &mut previous);
        libc::raise(libc::SIGTSTP);
        libc::sigaction(libc::SIGTSTP, &previous, std::ptr::null_mut());
    }
}

#[cfg(unix)]
extern "C" fn on_abort(_: libc::c_int) {
    super::terminal::restore_from_signal();
    // SAFETY: async-signal-safe calls; with the default action back, the abort goes on as the
    // kernel would have done it (core dump, killed by SIGABRT).
    unsafe {
        libc::signal(libc::SIGABRT, libc::SIG_DFL);
        libc::raise(libc::SIGABRT);
    }
}

#[cfg(unix)]
fn install_abort_handler() {
    // SAFETY: installing a handler that only makes async-signal-safe calls.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_abort as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        action.sa_flags = libc::SA_RESETHAND;
        libc::sigaction(libc::SIGABRT, &action, std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
fn install_abort_handler() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(exit_code(libc::SIGTERM), 143);
        assert_eq!(exit_code(libc::SIGHUP), 129);
        assert_eq!(exit_code(libc::SIGINT), 130);
    }
}
