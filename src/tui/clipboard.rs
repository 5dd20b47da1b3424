//! Copying over SSH: OSC 52 asks the user's own terminal to set its clipboard, which works from
//! a remote machine where no clipboard tool could. Inside tmux it is wrapped in tmux's
//! passthrough so it reaches the outer terminal.

use base64::Engine;

/// Terminals and tmux cap OSC 52 payloads; beyond this, copying is refused rather than cut.
pub const MAX_BYTES: usize = 74_994;

/// The escape sequence that copies `text`, or None when it is too long.
pub fn osc52(text: &str, tmux: bool) -> Option<String> {
    if text.len() > MAX_BYTES {
        return None;
    }
    let payload = base64::engine::general_purpose::STANDARD.encode(text);
    let seq = format!("\x1b]52;c;{payload}\x07");
    Some(if tmux {
        // tmux passthrough: DCS tmux; <sequence with ESC doubled> ST
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_tmux_forms() {
        assert_eq!(osc52("hi", false).unwrap(), "\x1b]52;c;aGk=\x07");
        assert_eq!(
            osc52("hi", true).unwrap(),
            "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        assert!(osc52(&"x".repeat(MAX_BYTES + 1), false).is_none());
    }
}
