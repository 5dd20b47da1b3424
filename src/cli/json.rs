//! JSON output for every `--json` writer. serde_json escapes only U+0000-U+001F, so C1
//! controls (U+0080-U+009F: a raw U+009B is a CSI to many terminals), DEL, the line and
//! paragraph separators and bidirectional overrides ("Trojan Source") from descriptors and APIs
//! would reach a terminal that shows the output raw. This formatter writes them as `\uXXXX`
//! escapes: the data is unchanged for a JSON reader, and inert on a screen.

use super::Failure;
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io::{self, Write};

/// Characters JSON allows raw that a terminal may act on.
fn must_escape(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}') || crate::text::is_bidi_control(c)
}

/// serde_json's pretty output, with [`must_escape`] characters escaped in strings and keys.
pub struct SafeFormatter<'a>(PrettyFormatter<'a>);

impl Default for SafeFormatter<'_> {
    fn default() -> Self {
        SafeFormatter(PrettyFormatter::new())
    }
}

impl Formatter for SafeFormatter<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Every character to escape is U+007F or above: plain ASCII goes out as it is
        // (most of an export), without decoding it character by character.
        if fragment.bytes().all(|b| b < 0x7f) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if must_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` as pretty JSON with terminal-inert escapes, and a newline.
pub fn write_json<W: Write + ?Sized, T: Serialize + ?Sized>(
    out: &mut W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, SafeFormatter::default());
    value.serialize(&mut ser)?;
    writeln!(out).map_err(serde_json::Error::io)
}

/// The `--json` output of every subcommand, on stdout. A closed pipe (`| head`) is not an
/// error worth reporting.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    print_json_with(|out| write_json(out, value))
}

/// Runs `write` on a buffered stdout (pretty JSON is one `write` call per line unbuffered),
/// flushing at the end; a closed pipe is not an error worth reporting.
pub fn print_json_with(
    write: impl FnOnce(&mut dyn Write) -> serde_json::Result<()>,
) -> Result<(), Failure> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    write(&mut out)
        .and_then(|()| out.flush().map_err(serde_json::Error::io))
        .or_else(|e| {
            if e.io_error_kind() == Some(io::ErrorKind::BrokenPipe) {
                Ok(())
            } else {
                Err(Failure::failed(format!("writing output: {e}")))
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_string(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn c1_and_bidi_controls_are_escaped_and_read_back_unchanged() {
        let nasty = "a\u{9b}31mred \u{202e}evil\u{2066} \u{7f}\u{85}\u{2028}ok ü 日本";
        let v = serde_json::json!({ nasty: [nasty, {"k": nasty}] });
        let s = to_string(&v);
        for escape in [
            "\\u009b", "\\u202e", "\\u2066", "\\u007f", "\\u0085", "\\u2028",
        ] {
            assert!(s.contains(escape), "{escape} in {s}");
        }
        assert!(!s.chars().any(must_escape), "{s:?}");
        assert!(s.contains("ok ü 日本"));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }

    #[test]
    fn plain_ascii_passes_and_a_lone_del_is_still_escaped() {
        let v = serde_json::json!(["plain text: 0-9 ~}", "\u{7f}", "x\u{7f}"]);
        let s = to_string(&v);
        assert!(s.contains("\"plain text: 0-9 ~}\""), "{s}");
        assert!(s.contains("\"\\u007f\""), "{s}");
        assert!(s.contains("\"x\\u007f\""), "{s}");
    }

    #[test]
    fn layout_is_serde_jsons_pretty_one() {
        let v = serde_json::json!({"a": [1, {"b": null}], "c": "\u{1b}[2J", "d": []});
        let mut expected = serde_json::to_string_pretty(&v).unwrap();
        expected.push('\n');
        assert_eq!(to_string(&v), expected);
    }
}
