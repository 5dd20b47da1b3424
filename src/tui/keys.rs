//! Keys as people write them in keymap files (`ctrl-k`, `shift-tab`, `G`, `g g`) and as the
//! terminal reports them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// One key with its modifiers. Letters carry their case instead of a shift flag, so `G` and
/// `shift-g` are the same chord, whatever the terminal reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chord {
    pub code: Code,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The key of a chord: the portal's one key type.
pub use super::input::Key as Code;

const NAMED: &[(&str, Code)] = &[
    ("enter", Code::Enter),
    ("esc", Code::Esc),
    ("tab", Code::Tab),
    ("backtab", Code::BackTab),
    ("backspace", Code::Backspace),
    ("delete", Code::Delete),
    ("insert", Code::Insert),
    ("up", Code::Up),
    ("down", Code::Down),
    ("left", Code::Left),
    ("right", Code::Right),
    ("home", Code::Home),
    ("end", Code::End),
    ("pageup", Code::PageUp),
    ("pagedown", Code::PageDown),
    ("space", Code::Char(' ')),
];

impl Chord {
    pub const fn plain(code: Code) -> Chord {
        Chord {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    pub fn from_event(e: &KeyEvent) -> Option<Chord> {
        let code = match e.code {
            KeyCode::Char(c) => Code::Char(c),
            KeyCode::Enter => Code::Enter,
            KeyCode::Esc => Code::Esc,
            KeyCode::Tab => Code::Tab,
            KeyCode::BackTab => Code::BackTab,
            KeyCode::Backspace => Code::Backspace,
            KeyCode::Delete => Code::Delete,
            KeyCode::Insert => Code::Insert,
            KeyCode::Up => Code::Up,
            KeyCode::Down => Code::Down,
            KeyCode::Left => Code::Left,
            KeyCode::Right => Code::Right,
            KeyCode::Home => Code::Home,
            KeyCode::End => Code::End,
            KeyCode::PageUp => Code::PageUp,
            KeyCode::PageDown => Code::PageDown,
            KeyCode::F(n) => Code::F(n),
            _ => return None,
        };
        let m = e.modifiers;
        let shift =
            m.contains(KeyModifiers::SHIFT) && !matches!(code, Code::Char(_) | Code::BackTab);
        Some(Chord {
            code,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift,
        })
    }

    /// Parses one chord: `a`, `G`, `?`, `ctrl-k`, `alt-x`, `shift-tab`, `f5`, `pagedown`.
    pub fn parse(text: &str) -> Result<Chord, String> {
        let mut chord = Chord::plain(Code::Esc);
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let strip = |p: &str| lower.starts_with(p) && rest.len() > p.len();
            if strip("ctrl-") {
                chord.ctrl = true;
                rest = &rest[5..];
            } else if strip("alt-") {
                chord.alt = true;
                rest = &rest[4..];
            } else if strip("shift-") {
                chord.shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let mut chars = rest.chars();
        chord.code = match (chars.next(), chars.next()) {
            (Some(c), None) => Code::Char(c),
            _ => {
                if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
                    *code
                } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
                    && (1..=12).contains(&n)
                {
                    Code::F(n)
                } else {
                    return Err(format!(
                        "\"{text}\" is not a key (try a, G, ctrl-k, alt-x, enter, f2, pagedown)"
                    ));
                }
            }
        };
        if chord.shift {
            chord = match chord.code {
                Code::Char(c) => Chord {
                    code: Code::Char(c.to_ascii_uppercase()),
                    shift: false,
                    ..chord
                },
                Code::Tab => Chord {
                    code: Code::BackTab,
                    shift: false,
                    ..chord
                },
                _ => chord,
            };
        }
        Ok(chord)
    }

    /// Keys that legacy terminals send as other keys: ctrl-h is Backspace, ctrl-i Tab, ctrl-m
    /// Enter, ctrl-[ Esc.
    pub fn legacy_twin(&self) -> Option<&'static str> {
        if !self.ctrl || self.alt {
            return None;
        }
        match self.code {
            Code::Char('h') => Some("backspace"),
            Code::Char('i') => Some("tab"),
            Code::Char('m') => Some("enter"),
            Code::Char('[') => Some("esc"),
            _ => None,
        }
    }

    /// Why a terminal can never deliver this chord as written (legacy keyboard encoding, which
    /// is what greenroom reads): what reaches greenroom instead, or that nothing distinct does.
    pub fn untypeable(&self) -> Option<String> {
        if !self.ctrl {
            return None;
        }
        let nothing = |what: &str| Some(format!("terminals send {what}, not a key of its own"));
        match self.code {
            // Control codes 0x1C-0x1F and 0x00 arrive as these chords.
            Code::Char(c) if !self.alt || c.is_ascii_punctuation() || c.is_ascii_digit() => {
                let arrives = match c {
                    ']' => Some("ctrl-5 (byte 0x1D)"),
                    '\\' => Some("ctrl-4 (byte 0x1C)"),
                    '^' => Some("ctrl-6 (byte 0x1E)"),
                    '_' | '/' => Some("ctrl-7 (byte 0x1F)"),
                    '@' | '2' => Some("ctrl-space (byte 0x00)"),
                    '3' => Some("esc (byte 0x1B)"),
                    '8' => Some("backspace (byte 0x7F)"),
                    _ => None,
                };
                if let Some(arrives) = arrives {
                    return Some(format!("terminals send it as {arrives}"));
                }
                if c.is_ascii_uppercase() {
                    return Some(format!(
                        "terminals send ctrl-{c} exactly as ctrl-{}, without shift",
                        c.to_ascii_lowercase()
                    ));
                }
                let typeable = c.is_ascii_lowercase()
                    || matches!(c, ' ' | '[' | '4' | '5' | '6' | '7')
                    || !c.is_ascii();
                if typeable {
                    None
                } else {
                    nothing(&format!("plain {c} for ctrl-{c}"))
                }
            }
            Code::Enter | Code::Tab | Code::Esc | Code::Backspace | Code::Delete if !self.alt => {
                nothing(&format!(
                    "the same bytes for ctrl-{0} as for {0}",
                    Chord::plain(self.code)
                ))
            }
            _ => None,
        }
    }

    pub fn is_plain_char(&self) -> bool {
        matches!(self.code, Code::Char(_)) && !self.ctrl && !self.alt
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            Code::Char(' ') => f.write_str("space"),
            Code::Char(c) => write!(f, "{c}"),
            Code::F(n) => write!(f, "f{n}"),
            other => {
                let name = NAMED
                    .iter()
                    .find(|(_, c)| *c == other)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

/// A key sequence (`g g`).
pub type Keys = Vec<Chord>;

pub fn parse_keys(text: &str) -> Result<Keys, String> {
    let keys: Result<Keys, String> = text.split_whitespace().map(Chord::parse).collect();
    match keys {
        Ok(k) if k.is_empty() => Err("empty key".into()),
        Ok(k) if k.len() > 3 => Err(format!("\"{text}\": at most three keys in a sequence")),
        other => other,
    }
}

pub fn keys_to_string(keys: &[Chord]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for s in [
            "a",
            "G",
            "?",
            "ctrl-k",
            "alt-x",
            "ctrl-alt-d",
            "enter",
            "f5",
            "pagedown",
            "space",
            "backtab",
        ] {
            assert_eq!(Chord::parse(s).unwrap().to_string(), s, "{s}");
        }
        assert_eq!(Chord::parse("shift-g").unwrap(), Chord::parse("G").unwrap());
        assert_eq!(
            Chord::parse("shift-tab").unwrap(),
            Chord::parse("backtab").unwrap()
        );
        assert_eq!(Chord::parse("Ctrl-K").unwrap().to_string(), "ctrl-K");
        assert!(Chord::parse("hyper-x").is_err());
        assert!(Chord::parse("f13").is_err());
        assert_eq!(keys_to_string(&parse_keys("g  g").unwrap()), "g g");
    }

    #[test]
    fn events_normalise_shift_on_letters() {
        let e = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Chord::from_event(&e), Some(Chord::parse("G").unwrap()));
        let e = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            Chord::from_event(&e),
            Some(Chord::parse("backtab").unwrap())
        );
        let e = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(Chord::from_event(&e), Some(Chord::parse("ctrl-c").unwrap()));
    }

    #[test]
    fn untypeable_chords_say_why() {
        let why = |s: &str| Chord::parse(s).unwrap().untypeable();
        assert!(
            why("ctrl-]").unwrap().contains("ctrl-5"),
            "{:?}",
            why("ctrl-]")
        );
        assert!(why("ctrl-\\").unwrap().contains("ctrl-4"));
        assert!(why("ctrl-/").unwrap().contains("ctrl-7"));
        assert!(why("ctrl-K").unwrap().contains("ctrl-k"));
        assert!(why("ctrl-,").is_some());
        assert!(why("ctrl-enter").is_some());
        assert!(why("ctrl-alt-]").is_some());
        for ok in [
            "ctrl-k",
            "ctrl-space",
            "ctrl-5",
            "alt-]",
            "]",
            "ctrl-alt-d",
            "ctrl-up",
            "f5",
        ] {
            assert_eq!(why(ok), None, "{ok}");
        }
    }

    #[test]
    fn legacy_twins() {
        assert_eq!(
            Chord::parse("ctrl-h").unwrap().legacy_twin(),
            Some("backspace")
        );
        assert_eq!(Chord::parse("ctrl-k").unwrap().legacy_twin(), None);
    }
}
