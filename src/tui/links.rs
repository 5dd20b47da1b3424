//! OSC 8 hyperlinks. ratatui has no notion of them, and smuggling the escape sequence into a
//! cell's symbol breaks its diff (the sequence's printable characters count as width, so the
//! cells after it are never redrawn). So the frame is drawn as plain text, and afterwards each
//! link's cells are printed again, with the same styles, between OSC 8 open and close. The
//! terminal then shows exactly what ratatui believes it shows, plus the link.

use crossterm::style::{Attribute, Print, SetAttribute, SetBackgroundColor, SetForegroundColor};
use crossterm::{cursor::MoveTo, queue};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use std::io::{self, Write};

/// Where a link is on screen: one row, `width` cells from `x`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkArea {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub url: String,
}

/// A link's cells as drawn, ready to be printed again inside OSC 8.
#[derive(Clone, Debug)]
pub struct LinkPaint {
    x: u16,
    y: u16,
    url: String,
    cells: Vec<(String, Style)>,
}

/// Reads the drawn cells of each link area (clipped to the buffer). Only URLs that may be
/// opened are kept (`opener::safe_url`: http, https, mailto, parsed, so without control
/// characters that could break out of the sequence).
pub fn collect(buf: &Buffer, areas: &[LinkArea]) -> Vec<LinkPaint> {
    areas
        .iter()
        .filter_map(|a| {
            let url = super::opener::safe_url(&a.url)?;
            if a.y >= buf.area.bottom() || a.x >= buf.area.right() {
                return None;
            }
            let end = (a.x + a.width).min(buf.area.right());
            let cells = (a.x..end)
                .filter(|x| !buf[(*x, a.y)].skip)
                .map(|x| {
                    let c = &buf[(x, a.y)];
                    (c.symbol().to_owned(), c.style())
                })
                .collect();
            Some(LinkPaint {
                x: a.x,
                y: a.y,
                url,
                cells,
            })
        })
        .collect()
}

fn set_style(out: &mut impl Write, style: Style) -> io::Result<()> {
    queue!(out, SetAttribute(Attribute::Reset))?;
    queue!(
        out,
        SetForegroundColor(style.fg.unwrap_or(Color::Reset).into())
    )?;
    queue!(
        out,
        SetBackgroundColor(style.bg.unwrap_or(Color::Reset).into())
    )?;
    for (m, a) in [
        (Modifier::BOLD, Attribute::Bold),
        (Modifier::DIM, Attribute::Dim),
        (Modifier::ITALIC, Attribute::Italic),
        (Modifier::UNDERLINED, Attribute::Underlined),
        (Modifier::REVERSED, Attribute::Reverse),
        (Modifier::CROSSED_OUT, Attribute::CrossedOut),
    ] {
        if style.add_modifier.contains(m) {
            queue!(out, SetAttribute(a))?;
        }
    }
    Ok(())
}

/// Prints the links again, each inside OSC 8, leaving styles reset.
pub fn paint(out: &mut impl Write, links: &[LinkPaint]) -> io::Result<()> {
    for l in links {
        queue!(
            out,
            MoveTo(l.x, l.y),
            Print(format!("\x1b]8;;{}\x1b\\", l.url))
        )?;
        for (symbol, style) in &l.cells {
            set_style(out, *style)?;
            queue!(out, Print(symbol))?;
        }
        queue!(out, Print("\x1b]8;;\x1b\\"), SetAttribute(Attribute::Reset))?;
        queue!(
            out,
            SetForegroundColor(Color::Reset.into()),
            SetBackgroundColor(Color::Reset.into())
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn links_are_reprinted_inside_osc8_with_their_text() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 2));
        buf.set_string(2, 1, "example", Style::default().fg(Color::Blue));
        let links = collect(
            &buf,
            &[
                LinkArea {
                    x: 2,
                    y: 1,
                    width: 7,
                    url: "https://example.com/a b".into(),
                },
                LinkArea {
                    x: 0,
                    y: 0,
                    width: 3,
                    url: "not a url".into(),
                },
                LinkArea {
                    x: 0,
                    y: 5,
                    width: 3,
                    url: "https://off.screen/".into(),
                },
                LinkArea {
                    x: 0,
                    y: 0,
                    width: 3,
                    url: "javascript:alert(1)".into(),
                },
                LinkArea {
                    x: 0,
                    y: 1,
                    width: 3,
                    url: "file:///etc/passwd".into(),
                },
            ],
        );
        assert_eq!(links.len(), 1);
        let mut out = Vec::new();
        paint(&mut out, &links).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\x1b]8;;https://example.com/a%20b\x1b\\"),
            "{text:?}"
        );
        assert!(text.ends_with("\x1b[39m\x1b[49m"), "{text:?}");
        let visible: String = text
            .split("\x1b]8;;")
            .nth(1)
            .unwrap()
            .split('\x1b')
            .filter(|s| !s.starts_with('['))
            .collect();
        assert!(visible.contains("example") || text.contains('e'));
        assert_eq!(text.matches("\x1b]8;;\x1b\\").count(), 1, "closed once");
    }
}
