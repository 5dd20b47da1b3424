//! greenroom's own input events: what a session is fed, whatever the client is. The local
//! host maps crossterm's events into these; a remote host (SSH) will parse its client's bytes
//! into the same. Inside the session they become the key events the keymap and the text
//! inputs read.

use crossterm::event as ct;

/// A key, without the terminal library's type: the one key type of the portal. Keymaps name
/// it in chords (`keys::Chord`, where it is `keys::Code`), sessions are fed it, and the SSH
/// host's parser (`serve::parser`) produces it. The order is the chords' sort order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

/// Modifier keys held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mods {
    pub shift: bool,
    pub ctrl: bool,
    pub alt: bool,
    pub meta: bool,
}

impl Mods {
    pub const NONE: Mods = Mods {
        shift: false,
        ctrl: false,
        alt: false,
        meta: false,
    };
    pub const CTRL: Mods = Mods {
        shift: false,
        ctrl: true,
        alt: false,
        meta: false,
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    Press,
    ScrollUp,
    ScrollDown,
    /// Moves, drags and releases: nothing greenroom reacts to.
    Other,
}

/// One event from the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Key(Key, Mods),
    /// A key released (terminals reporting releases): ignored.
    KeyUp(Key, Mods),
    Mouse {
        kind: MouseKind,
        column: u16,
        row: u16,
    },
    /// Bracketed paste: the text as the client sent it (sanitised before use).
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    Focus(bool),
    /// The client's input ended (closed, failed, hung up): the session ends.
    Closed(&'static str),
}

impl Input {
    pub fn key(key: Key) -> Input {
        Input::Key(key, Mods::NONE)
    }

    pub fn ctrl(c: char) -> Input {
        Input::Key(Key::Char(c), Mods::CTRL)
    }

    /// Text typed, one key per character; a newline is Enter.
    pub fn typed(text: &str) -> Vec<Input> {
        text.chars()
            .map(|c| match c {
                '\n' => Input::key(Key::Enter),
                c => Input::key(Key::Char(c)),
            })
            .collect()
    }

    /// From the local terminal's event (None for events greenroom has no use for).
    pub fn from_crossterm(e: ct::Event) -> Option<Input> {
        Some(match e {
            ct::Event::Key(k) => {
                let key = key_from(k.code)?;
                let mods = mods_from(k.modifiers);
                if k.kind == ct::KeyEventKind::Release {
                    Input::KeyUp(key, mods)
                } else {
                    Input::Key(key, mods)
                }
            }
            ct::Event::Mouse(m) => Input::Mouse {
                kind: match m.kind {
                    ct::MouseEventKind::Down(_) => MouseKind::Press,
                    ct::MouseEventKind::ScrollUp => MouseKind::ScrollUp,
                    ct::MouseEventKind::ScrollDown => MouseKind::ScrollDown,
                    _ => MouseKind::Other,
                },
                column: m.column,
                row: m.row,
            },
            ct::Event::Paste(text) => Input::Paste(text),
            ct::Event::Resize(width, height) => Input::Resize { width, height },
            ct::Event::FocusGained => Input::Focus(true),
            ct::Event::FocusLost => Input::Focus(false),
        })
    }

    /// The event the app's keymap and text inputs read (None for `Closed`).
    pub fn to_event(&self) -> Option<ct::Event> {
        Some(match self {
            Input::Key(k, m) => ct::Event::Key(ct::KeyEvent::new(key_to(*k), mods_to(*m))),
            Input::KeyUp(k, m) => ct::Event::Key(ct::KeyEvent::new_with_kind(
                key_to(*k),
                mods_to(*m),
                ct::KeyEventKind::Release,
            )),
            Input::Mouse { kind, column, row } => ct::Event::Mouse(ct::MouseEvent {
                kind: match kind {
                    MouseKind::Press => ct::MouseEventKind::Down(ct::MouseButton::Left),
                    MouseKind::ScrollUp => ct::MouseEventKind::ScrollUp,
                    MouseKind::ScrollDown => ct::MouseEventKind::ScrollDown,
                    MouseKind::Other => ct::MouseEventKind::Moved,
                },
                column: *column,
                row: *row,
                modifiers: ct::KeyModifiers::NONE,
            }),
            Input::Paste(text) => ct::Event::Paste(text.clone()),
            Input::Resize { width, height } => ct::Event::Resize(*width, *height),
            Input::Focus(true) => ct::Event::FocusGained,
            Input::Focus(false) => ct::Event::FocusLost,
            Input::Closed(_) => return None,
        })
    }
}

fn key_from(code: ct::KeyCode) -> Option<Key> {
    use ct::KeyCode as C;
    Some(match code {
        C::Char(c) => Key::Char(c),
        C::Enter => Key::Enter,
        C::Esc => Key::Esc,
        C::Backspace => Key::Backspace,
        C::Tab => Key::Tab,
        C::BackTab => Key::BackTab,
        C::Up => Key::Up,
        C::Down => Key::Down,
        C::Left => Key::Left,
        C::Right => Key::Right,
        C::Home => Key::Home,
        C::End => Key::End,
        C::PageUp => Key::PageUp,
        C::PageDown => Key::PageDown,
        C::Delete => Key::Delete,
        C::Insert => Key::Insert,
        C::F(n) => Key::F(n),
        _ => return None,
    })
}

fn key_to(k: Key) -> ct::KeyCode {
    use ct::KeyCode as C;
    match k {
        Key::Char(c) => C::Char(c),
        Key::Enter => C::Enter,
        Key::Esc => C::Esc,
        Key::Backspace => C::Backspace,
        Key::Tab => C::Tab,
        Key::BackTab => C::BackTab,
        Key::Up => C::Up,
        Key::Down => C::Down,
        Key::Left => C::Left,
        Key::Right => C::Right,
        Key::Home => C::Home,
        Key::End => C::End,
        Key::PageUp => C::PageUp,
        Key::PageDown => C::PageDown,
        Key::Delete => C::Delete,
        Key::Insert => C::Insert,
        Key::F(n) => C::F(n),
    }
}

fn mods_from(m: ct::KeyModifiers) -> Mods {
    Mods {
        shift: m.contains(ct::KeyModifiers::SHIFT),
        ctrl: m.contains(ct::KeyModifiers::CONTROL),
        alt: m.contains(ct::KeyModifiers::ALT),
        meta: m.contains(ct::KeyModifiers::SUPER) || m.contains(ct::KeyModifiers::META),
    }
}

fn mods_to(m: Mods) -> ct::KeyModifiers {
    let mut out = ct::KeyModifiers::NONE;
    if m.shift {
        out |= ct::KeyModifiers::SHIFT;
    }
    if m.ctrl {
        out |= ct::KeyModifiers::CONTROL;
    }
    if m.alt {
        out |= ct::KeyModifiers::ALT;
    }
    if m.meta {
        out |= ct::KeyModifiers::SUPER;
    }
    out
}

/// A key event as the app reads it, from crossterm's parts (tests and hosts that have them).
pub fn from_parts(code: ct::KeyCode, modifiers: ct::KeyModifiers) -> Option<Input> {
    Input::from_crossterm(ct::Event::Key(ct::KeyEvent::new(code, modifiers)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_events_map_both_ways() {
        let cases = [
            ct::Event::Key(ct::KeyEvent::new(
                ct::KeyCode::Char('r'),
                ct::KeyModifiers::CONTROL | ct::KeyModifiers::ALT,
            )),
            ct::Event::Key(ct::KeyEvent::new(
                ct::KeyCode::F(5),
                ct::KeyModifiers::SHIFT,
            )),
            ct::Event::Key(ct::KeyEvent::new(
                ct::KeyCode::BackTab,
                ct::KeyModifiers::SHIFT,
            )),
            ct::Event::Paste("hi\x1b[31m".into()),
            ct::Event::Resize(100, 30),
            ct::Event::FocusLost,
        ];
        for e in cases {
            let input = Input::from_crossterm(e.clone()).unwrap();
            assert_eq!(input.to_event(), Some(e));
        }
        let released = ct::KeyEvent::new_with_kind(
            ct::KeyCode::Enter,
            ct::KeyModifiers::NONE,
            ct::KeyEventKind::Release,
        );
        assert_eq!(
            Input::from_crossterm(ct::Event::Key(released)),
            Some(Input::KeyUp(Key::Enter, Mods::NONE))
        );
        assert_eq!(
            Input::from_crossterm(ct::Event::Key(ct::KeyEvent::new(
                ct::KeyCode::CapsLock,
                ct::KeyModifiers::NONE
            ))),
            None,
            "keys greenroom has no use for are dropped"
        );
        assert_eq!(Input::Closed("x").to_event(), None);
        assert_eq!(Input::typed("a\n").len(), 2);
    }

    #[test]
    fn a_mouse_press_keeps_its_cell() {
        let e = ct::Event::Mouse(ct::MouseEvent {
            kind: ct::MouseEventKind::Down(ct::MouseButton::Right),
            column: 3,
            row: 7,
            modifiers: ct::KeyModifiers::NONE,
        });
        let input = Input::from_crossterm(e).unwrap();
        assert_eq!(
            input,
            Input::Mouse {
                kind: MouseKind::Press,
                column: 3,
                row: 7
            }
        );
    }
}
