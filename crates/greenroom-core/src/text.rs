//! Making outside text safe for a terminal. Descriptors and API payloads can carry escape
//! sequences (to recolour, retitle, move the cursor, write the clipboard, or spoof a link) and
//! bidirectional overrides; none of that may reach the screen.

use std::borrow::Cow;

/// For one-line places (list rows, titles): newlines and tabs become spaces.
pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    sanitize(s, false)
}

/// For multi-line places (descriptions, definitions): newlines stay, tabs become four spaces.
pub fn sanitize_block(s: &str) -> Cow<'_, str> {
    sanitize(s, true)
}

fn needs_work(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Explicit embeddings, overrides and isolates ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn sanitize(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    // A newline kept as it is needs no copy: multi-line text (a whole docs page, a
    // definition) is borrowed unless something in it must change.
    if !s
        .chars()
        .any(|c| needs_work(c) && !(keep_newlines && c == '\n'))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' => out.push(' '),
            '\t' if keep_newlines => out.push_str("    "),
            '\t' => out.push(' '),
            '\u{1b}' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | '_' | '^' | 'X') => skip_string(&mut chars),
                // Two-character sequences (ESC 7, ESC c, ESC ( B ...): drop the next char too.
                Some('(' | ')' | '*' | '+' | '#' | '%') => {
                    chars.next();
                }
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' | '\u{98}' => skip_string(&mut chars),
            c if needs_work(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Control Sequence: parameters and intermediates up to a final byte in `@`..=`~`.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC, DCS, APC, PM, SOS: up to BEL or String Terminator (ESC \ or U+009C).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            sanitize_line("plain text ü 日本"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn strips_every_kind_of_sequence() {
        let nasty = "a\x1b[31mred\x1b[0m b\x1b]0;title\x07 c\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ d\x1bPdcs\x1b\\ e\x1b(B f\u{9b}2J g\x07h\x08i\x7f\r\u{202E}rtl\u{2066}";
        assert_eq!(sanitize_line(nasty), "ared b clink d e f ghirtl");
    }

    #[test]
    fn line_and_block_modes() {
        assert_eq!(sanitize_line("a\nb\tc"), "a b c");
        assert_eq!(sanitize_block("a\nb\tc"), "a\nb    c");
        // Clean multi-line text is borrowed, not copied; anything to change still is.
        assert!(matches!(sanitize_block("a\nb\n"), Cow::Borrowed(_)));
        assert!(matches!(sanitize_line("a\nb"), Cow::Owned(_)));
        assert_eq!(sanitize_block("a\n\x1b[31mb\r\n"), "a\nb\n");
    }

    #[test]
    fn unterminated_sequences_do_not_leak() {
        assert_eq!(sanitize_line("ok\x1b]52;c;AAAA"), "ok");
        assert_eq!(sanitize_line("ok\x1b[1;2"), "ok");
        assert_eq!(sanitize_line("ok\x1b"), "ok");
    }
}
