//! An SSH client's keystrokes arrive as raw bytes (the client's terminal is in raw mode at its
//! end); the local host gets events from crossterm instead, whose byte parser is private. This
//! turns the bytes into the session's own [`Input`] events: UTF-8 text, control keys, CSI and
//! SS3 sequences with xterm modifiers, Alt as an Esc prefix, bracketed paste (capped), SGR
//! mouse and focus reports. A lone Esc is ambiguous until more bytes come or the host's short
//! timeout ([`InputParser::flush`]) says it was the key.

use crate::limits;
use crate::tui::input::{Input, Key, Mods, MouseKind};

const ESC: u8 = 0x1b;
const PASTE_END: &[u8] = b"\x1b[201~";

/// One client's input parser.
#[derive(Debug, Default)]
pub struct InputParser {
    /// Bytes of a sequence not yet complete.
    pending: Vec<u8>,
    /// Inside a bracketed paste: the text so far.
    paste: Option<Vec<u8>>,
}

/// What one step of parsing found.
enum Step {
    /// An input and the bytes it took.
    Event(Option<Input>, usize),
    /// The bytes so far may be the start of a sequence: wait for more.
    Incomplete,
}

impl InputParser {
    pub fn new() -> InputParser {
        InputParser::default()
    }

    /// Takes bytes from the client; returns the inputs they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Input> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        self.parse(&mut out, false);
        out
    }

    /// True when bytes wait for the rest of a sequence (the host flushes them after
    /// [`limits::SERVE_ESC_TIMEOUT`]). A paste in progress waits for its end instead.
    pub fn waiting(&self) -> bool {
        self.paste.is_none() && !self.pending.is_empty()
    }

    /// No more bytes came in time: what waits is keys as typed (a lone Esc is the Esc key).
    pub fn flush(&mut self) -> Vec<Input> {
        let mut out = Vec::new();
        if self.paste.is_none() {
            self.parse(&mut out, true);
        }
        out
    }

    fn parse(&mut self, out: &mut Vec<Input>, eager: bool) {
        let mut at = 0;
        loop {
            if let Some(paste) = self.paste.as_mut() {
                let rest = &self.pending[at..];
                match find(rest, PASTE_END) {
                    Some(end) => {
                        keep_paste(paste, &rest[..end]);
                        let text = String::from_utf8_lossy(paste).into_owned();
                        out.push(Input::Paste(text));
                        self.paste = None;
                        at += end + PASTE_END.len();
                        continue;
                    }
                    None => {
                        // Keep a tail that may be the start of the end marker.
                        let keep = partial_suffix(rest, PASTE_END);
                        keep_paste(paste, &rest[..rest.len() - keep]);
                        at = self.pending.len() - keep;
                        break;
                    }
                }
            }
            if at >= self.pending.len() {
                break;
            }
            match step(&self.pending[at..], eager) {
                Step::Event(input, used) => {
                    at += used;
                    match input {
                        Some(Input::Paste(_)) => self.paste = Some(Vec::new()),
                        Some(i) => out.push(i),
                        None => {}
                    }
                }
                Step::Incomplete => break,
            }
        }
        self.pending.drain(..at);
    }
}

fn keep_paste(paste: &mut Vec<u8>, bytes: &[u8]) {
    let room = limits::SERVE_PASTE_BYTES.saturating_sub(paste.len());
    paste.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How many bytes at the end of `bytes` are a proper prefix of `marker`.
fn partial_suffix(bytes: &[u8], marker: &[u8]) -> usize {
    (1..marker.len())
        .rev()
        .find(|&n| n <= bytes.len() && bytes[bytes.len() - n..] == marker[..n])
        .unwrap_or(0)
}

fn key(k: Key, mods: Mods) -> Option<Input> {
    Some(Input::Key(k, mods))
}

fn with(shift: bool, alt: bool, ctrl: bool) -> Mods {
    Mods {
        shift,
        alt,
        ctrl,
        meta: false,
    }
}

/// One event from the start of `b` (never empty). `eager`: no more bytes will come now.
fn step(b: &[u8], eager: bool) -> Step {
    match b[0] {
        ESC => escape(b, eager),
        _ => plain(b, eager, false),
    }
}

/// A byte that does not start an escape sequence (with Alt when it followed an Esc).
fn plain(b: &[u8], eager: bool, alt: bool) -> Step {
    let m = |ctrl| with(false, alt, ctrl);
    let (input, used) = match b[0] {
        b'\r' | b'\n' => (key(Key::Enter, m(false)), 1),
        b'\t' => (key(Key::Tab, m(false)), 1),
        0x7f | 0x08 => (key(Key::Backspace, m(false)), 1),
        0x00 => (key(Key::Char(' '), m(true)), 1),
        c @ 0x01..=0x1a => (key(Key::Char((b'a' + c - 1) as char), m(true)), 1),
        c @ 0x1c..=0x1f => (key(Key::Char((b'4' + c - 0x1c) as char), m(true)), 1),
        c if c < 0x80 => (key(Key::Char(c as char), m(false)), 1),
        _ => {
            let len = utf8_len(b[0]);
            if b.len() < len && !eager {
                return Step::Incomplete;
            }
            let end = len.min(b.len());
            match std::str::from_utf8(&b[..end]) {
                Ok(s) => (
                    s.chars().next().and_then(|c| key(Key::Char(c), m(false))),
                    end,
                ),
                // Not UTF-8: skip the byte.
                Err(_) => (None, 1),
            }
        }
    };
    Step::Event(input, used)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn escape(b: &[u8], eager: bool) -> Step {
    let Some(&next) = b.get(1) else {
        return if eager {
            Step::Event(key(Key::Esc, Mods::NONE), 1)
        } else {
            Step::Incomplete
        };
    };
    match next {
        b'[' => csi(b, eager),
        b'O' => match b.get(2) {
            None if !eager => Step::Incomplete,
            None => Step::Event(key(Key::Char('O'), with(false, true, false)), 2),
            Some(&c) => Step::Event(ss3(c), 3),
        },
        ESC => Step::Event(key(Key::Esc, Mods::NONE), 1),
        _ => match plain(&b[1..], eager, true) {
            Step::Event(input, used) => Step::Event(input, used + 1),
            Step::Incomplete => Step::Incomplete,
        },
    }
}

fn ss3(c: u8) -> Option<Input> {
    let k = match c {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        b'P' => Key::F(1),
        b'Q' => Key::F(2),
        b'R' => Key::F(3),
        b'S' => Key::F(4),
        b'M' => Key::Enter,
        _ => return None,
    };
    key(k, Mods::NONE)
}

/// The longest CSI sequence considered; anything longer is dropped as garbage.
const CSI_MAX: usize = 64;

fn csi(b: &[u8], eager: bool) -> Step {
    // ESC [ params final, where params are 0x30..=0x3f and the final byte 0x40..=0x7e.
    let mut end = 2;
    while end < b.len() && (0x20..0x40).contains(&b[end]) {
        end += 1;
        if end > CSI_MAX {
            return Step::Event(None, end);
        }
    }
    let Some(&fin) = b.get(end) else {
        return if eager {
            // A cut sequence: Alt-[ and the rest as typed keys.
            Step::Event(key(Key::Char('['), with(false, true, false)), 2)
        } else {
            Step::Incomplete
        };
    };
    let used = end + 1;
    let params = std::str::from_utf8(&b[2..end]).unwrap_or("");
    if let Some(sgr) = params.strip_prefix('<') {
        return Step::Event(mouse(sgr, fin), used);
    }
    let nums: Vec<u16> = params
        .split(';')
        .map(|p| p.split(':').next().unwrap_or("").parse().unwrap_or(0))
        .collect();
    let first = nums.first().copied().unwrap_or(0);
    let mods = modifiers(nums.get(1).copied().unwrap_or(1));
    let k = match fin {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        b'P' => Key::F(1),
        b'Q' => Key::F(2),
        b'R' => Key::F(3),
        b'S' => Key::F(4),
        b'Z' => return Step::Event(key(Key::BackTab, with(true, false, false)), used),
        b'I' => return Step::Event(Some(Input::Focus(true)), used),
        b'O' => return Step::Event(Some(Input::Focus(false)), used),
        b'~' => match first {
            1 | 7 => Key::Home,
            2 => Key::Insert,
            3 => Key::Delete,
            4 | 8 => Key::End,
            5 => Key::PageUp,
            6 => Key::PageDown,
            11..=15 => Key::F((first - 10) as u8),
            17..=21 => Key::F((first - 11) as u8),
            23 | 24 => Key::F((first - 12) as u8),
            // The start of a bracketed paste: the parser collects it.
            200 => return Step::Event(Some(Input::Paste(String::new())), used),
            _ => return Step::Event(None, used),
        },
        _ => return Step::Event(None, used),
    };
    Step::Event(key(k, mods), used)
}

/// xterm's modifier parameter: 1 + (shift 1, alt 2, ctrl 4, meta 8).
fn modifiers(param: u16) -> Mods {
    let bits = param.saturating_sub(1);
    Mods {
        shift: bits & 1 != 0,
        alt: bits & 2 != 0,
        ctrl: bits & 4 != 0,
        meta: bits & 8 != 0,
    }
}

/// An SGR mouse report: `<button;column;row` then `M` (press) or `m` (release), 1-based.
fn mouse(params: &str, fin: u8) -> Option<Input> {
    let mut it = params.split(';').map(|p| p.parse::<u16>().ok());
    let (button, column, row) = (it.next()??, it.next()??, it.next()??);
    let kind = match (button & !0b1_1100, fin) {
        (64, _) => MouseKind::ScrollUp,
        (65, _) => MouseKind::ScrollDown,
        (0..=2, b'M') if button & 32 == 0 => MouseKind::Press,
        _ => MouseKind::Other,
    };
    Some(Input::Mouse {
        kind,
        column: column.saturating_sub(1),
        row: row.saturating_sub(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: char) -> Input {
        Input::key(Key::Char(c))
    }

    fn all(bytes: &[u8]) -> Vec<Input> {
        let mut p = InputParser::new();
        let mut out = p.feed(bytes);
        out.extend(p.flush());
        out
    }

    #[test]
    fn text_and_control_keys() {
        assert_eq!(all(b"ab"), vec![k('a'), k('b')]);
        assert_eq!(
            all("é→".as_bytes()),
            vec![k('é'), k('→')],
            "multi-byte UTF-8"
        );
        assert_eq!(
            all(b"\r\t\x7f\x03"),
            vec![
                Input::key(Key::Enter),
                Input::key(Key::Tab),
                Input::key(Key::Backspace),
                Input::ctrl('c'),
            ]
        );
    }

    #[test]
    fn a_lone_esc_waits_for_the_timeout_and_a_sequence_does_not() {
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b"), vec![]);
        assert!(p.waiting(), "a lone Esc may start a sequence");
        assert_eq!(p.flush(), vec![Input::key(Key::Esc)]);
        assert!(!p.waiting());
        // The same Esc followed by the rest of a sequence in the next packet is one key.
        assert_eq!(p.feed(b"\x1b"), vec![]);
        assert_eq!(p.feed(b"[A"), vec![Input::key(Key::Up)]);
        // Esc then a letter: Alt.
        assert_eq!(
            p.feed(b"\x1bx"),
            vec![Input::Key(Key::Char('x'), with(false, true, false))]
        );
        // Two Escs: the first is the key.
        assert_eq!(p.feed(b"\x1b\x1b"), vec![Input::key(Key::Esc)]);
        assert_eq!(p.flush(), vec![Input::key(Key::Esc)]);
    }

    #[test]
    fn csi_and_ss3_keys_with_modifiers() {
        assert_eq!(
            all(b"\x1b[1;5C\x1bOP\x1b[5~\x1b[3;2~\x1b[Z\x1b[15~\x1b[24~"),
            vec![
                Input::Key(Key::Right, Mods::CTRL),
                Input::key(Key::F(1)),
                Input::key(Key::PageUp),
                Input::Key(Key::Delete, with(true, false, false)),
                Input::Key(Key::BackTab, with(true, false, false)),
                Input::key(Key::F(5)),
                Input::key(Key::F(12)),
            ]
        );
        // Unknown sequences are dropped, not typed.
        assert_eq!(all(b"\x1b[99~\x1b[?1;2cq"), vec![k('q')]);
    }

    #[test]
    fn bracketed_paste_split_across_packets_and_capped() {
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b[200~hel"), vec![]);
        assert!(
            !p.waiting(),
            "a paste waits for its end, not the Esc timeout"
        );
        assert_eq!(p.flush(), vec![]);
        assert_eq!(p.feed(b"lo\x1b[20"), vec![]);
        assert_eq!(
            p.feed(b"1~x"),
            vec![Input::Paste("hello".into()), k('x')],
            "the end marker split across packets still ends it"
        );
        let mut big = b"\x1b[200~".to_vec();
        big.extend(std::iter::repeat_n(b'a', limits::SERVE_PASTE_BYTES + 10));
        big.extend_from_slice(PASTE_END);
        match &all(&big)[..] {
            [Input::Paste(t)] => assert_eq!(t.len(), limits::SERVE_PASTE_BYTES),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sgr_mouse_and_focus() {
        assert_eq!(
            all(b"\x1b[<0;10;5M\x1b[<0;10;5m\x1b[<64;1;1M\x1b[I"),
            vec![
                Input::Mouse {
                    kind: MouseKind::Press,
                    column: 9,
                    row: 4
                },
                Input::Mouse {
                    kind: MouseKind::Other,
                    column: 9,
                    row: 4
                },
                Input::Mouse {
                    kind: MouseKind::ScrollUp,
                    column: 0,
                    row: 0
                },
                Input::Focus(true),
            ]
        );
    }

    #[test]
    fn garbage_never_panics_or_grows() {
        let mut p = InputParser::new();
        let junk: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let _ = p.feed(&junk);
        let _ = p.flush();
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b'1', 1000));
        let _ = p.feed(&long);
        let _ = p.flush();
        assert!(p.pending.len() < CSI_MAX + 8, "{}", p.pending.len());
    }
}
