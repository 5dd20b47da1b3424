//! Copying over SSH: OSC 52 asks the user's own terminal to set its clipboard, which works from
//! a remote machine where no clipboard tool could. Inside tmux the sequence goes out twice:
//! wrapped in tmux's passthrough (which reaches the outer terminal when `allow-passthrough` is
//! on) and plain (which tmux itself forwards when `set-clipboard` is on). tmux's defaults
//! (`external`, passthrough off) drop both, so tmux's options are read (a fixed argv, no
//! shell) to say so instead of claiming a copy that never arrived.

use base64::Engine;

/// Terminals and tmux cap OSC 52 payloads; beyond this, copying is refused rather than cut.
pub const MAX_BYTES: usize = 74_994;

/// The escape sequences that copy `text`, or None when it is too long.
pub fn osc52(text: &str, tmux: bool) -> Option<String> {
    if text.len() > MAX_BYTES {
        return None;
    }
    let payload = base64::engine::general_purpose::STANDARD.encode(text);
    let seq = format!("\x1b]52;c;{payload}\x07");
    Some(if tmux {
        // tmux passthrough: DCS tmux; <sequence with ESC doubled> ST, then the plain sequence
        // for tmux's own clipboard handling. Whichever tmux allows arrives (both set the same).
        format!("\x1bPtmux;{}\x1b\\{seq}", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    })
}

/// Reads one of tmux's global options; `None` when it cannot be read.
pub type TmuxOptions = fn(&str) -> Option<String>;

/// `tmux show-options -gv NAME`, run with an argument list (the name is one of ours).
pub fn read_tmux_option(name: &str) -> Option<String> {
    let out = std::process::Command::new("tmux")
        .args(["show-options", "-gv", name])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether a copy from inside tmux reaches the terminal, as far as tmux's options tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TmuxCopy {
    /// `set-clipboard on`, or `allow-passthrough` on.
    Passes,
    /// Neither: tmux drops the copy. Holds `set-clipboard`'s value.
    Dropped(String),
    /// The options could not be read (no tmux on PATH, an old tmux).
    Unknown,
}

pub fn tmux_copy(read: TmuxOptions) -> TmuxCopy {
    let clipboard = read("set-clipboard");
    let passthrough = read("allow-passthrough");
    if clipboard.as_deref() == Some("on") || matches!(passthrough.as_deref(), Some("on" | "all")) {
        return TmuxCopy::Passes;
    }
    match clipboard {
        Some(value) => TmuxCopy::Dropped(value),
        None => TmuxCopy::Unknown,
    }
}

/// What to tell the user after a copy: the note after "copied …", or an error when tmux drops
/// it (with the line that fixes it).
pub fn copy_note(tmux: bool, read: TmuxOptions) -> Result<&'static str, String> {
    if !tmux {
        return Ok(" (OSC 52)");
    }
    match tmux_copy(read) {
        TmuxCopy::Passes => Ok(" (OSC 52 via tmux)"),
        TmuxCopy::Unknown => Ok(" (OSC 52 via tmux; if nothing arrives: set -g set-clipboard on)"),
        TmuxCopy::Dropped(value) => Err(format!(
            "not copied: tmux needs `set -g set-clipboard on` (now {value})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_tmux_forms() {
        assert_eq!(osc52("hi", false).unwrap(), "\x1b]52;c;aGk=\x07");
        // Inside tmux: the passthrough, then the plain sequence tmux forwards itself.
        assert_eq!(
            osc52("hi", true).unwrap(),
            "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\\x1b]52;c;aGk=\x07"
        );
        assert!(osc52(&"x".repeat(MAX_BYTES + 1), false).is_none());
        assert!(osc52(&"x".repeat(MAX_BYTES + 1), true).is_none());
    }

    #[test]
    fn tmux_settings_decide_what_is_said() {
        fn defaults(name: &str) -> Option<String> {
            match name {
                "set-clipboard" => Some("external".into()),
                "allow-passthrough" => Some("off".into()),
                _ => None,
            }
        }
        fn clipboard_on(name: &str) -> Option<String> {
            (name == "set-clipboard").then(|| "on".into())
        }
        fn passthrough_on(name: &str) -> Option<String> {
            Some(if name == "set-clipboard" { "off" } else { "on" }.into())
        }
        fn unreadable(_: &str) -> Option<String> {
            None
        }
        assert_eq!(tmux_copy(defaults), TmuxCopy::Dropped("external".into()));
        assert_eq!(tmux_copy(clipboard_on), TmuxCopy::Passes);
        assert_eq!(tmux_copy(passthrough_on), TmuxCopy::Passes);
        assert_eq!(tmux_copy(unreadable), TmuxCopy::Unknown);
        let e = copy_note(true, defaults).unwrap_err();
        assert!(e.contains("set -g set-clipboard on"), "{e}");
        assert!(e.contains("external"), "{e}");
        assert_eq!(copy_note(true, clipboard_on), Ok(" (OSC 52 via tmux)"));
        assert!(
            copy_note(true, unreadable)
                .unwrap()
                .contains("set-clipboard on")
        );
        // Outside tmux nothing is asked.
        fn never(_: &str) -> Option<String> {
            panic!("tmux asked outside tmux")
        }
        assert_eq!(copy_note(false, never), Ok(" (OSC 52)"));
    }
}
