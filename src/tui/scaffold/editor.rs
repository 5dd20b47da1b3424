//! Text editors for form fields: tui-textarea set up as a one-line or several-line input,
//! masked for secrets, and the conversions between a field's value and its text.

use crate::scaffold::form::{Field, Widget};
use crate::text::sanitize_line;
use ratatui::style::Style;
use serde_json::Value as Json;
use tui_textarea::{CursorMove, Input, Key, TextArea};

/// What a masked field shows for each character.
pub const MASK: char = '•';

/// Whether a key is "clear the whole input" (ctrl-u, as in a shell's line editor; the
/// editor's own ctrl-u would undo instead).
pub fn is_clear(input: &Input) -> bool {
    input.ctrl && !input.alt && input.key == Key::Char('u')
}

/// A key for an input: ctrl-u clears it, anything else is the editor's. True when the text
/// changed.
pub fn edit(editor: &mut TextArea<'static>, input: Input) -> bool {
    if is_clear(&input) {
        return clear(editor);
    }
    editor.input(input)
}

/// Empties an input (keeping its mask and placeholder). True when there was text.
pub fn clear(editor: &mut TextArea<'static>) -> bool {
    if editor.is_empty() {
        return false;
    }
    editor.select_all();
    editor.cut();
    // What was cut may be a secret: it is not kept for ctrl-y.
    editor.set_yank_text("");
    true
}

pub fn new_editor(
    text: &str,
    multiline: bool,
    masked: bool,
    placeholder: Option<&str>,
) -> TextArea<'static> {
    // Values can come from a template's defaults: no control sequences reach the screen.
    let lines: Vec<String> = if multiline {
        crate::text::sanitize_block(text)
            .split('\n')
            .map(str::to_owned)
            .collect()
    } else {
        vec![sanitize_line(text).into_owned()]
    };
    let mut editor = TextArea::new(lines);
    editor.set_cursor_line_style(Style::default());
    if masked {
        editor.set_mask_char(MASK);
    }
    if let Some(p) = placeholder {
        editor.set_placeholder_text(sanitize_line(p).into_owned());
    }
    // A value that is already there (a default) is added to, not typed in front of.
    editor.move_cursor(CursorMove::Bottom);
    editor.move_cursor(CursorMove::End);
    editor
}

/// One-line input (filters, the target folder).
pub fn line_editor(text: &str, placeholder: &str) -> TextArea<'static> {
    new_editor(text, false, false, Some(placeholder))
}

pub fn text_of(editor: &TextArea) -> String {
    editor.lines().join("\n")
}

fn scalar(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// The text an editor starts with for a field's current value.
pub fn text_for_value(field: &Field, value: Option<&Json>) -> String {
    match value {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Array(items)) => {
            let sep = if field.widget == Widget::StringList {
                "\n"
            } else {
                ", "
            };
            items.iter().map(scalar).collect::<Vec<_>>().join(sep)
        }
        Some(other) => other.to_string(),
    }
}

/// Whether the field is edited on several lines.
pub fn is_multiline(field: &Field) -> bool {
    matches!(field.widget, Widget::TextArea { .. } | Widget::StringList)
}

/// Rows a several-line editor takes.
pub fn editor_rows(field: &Field, lines: usize) -> u16 {
    match field.widget {
        Widget::TextArea { rows } => rows.unwrap_or(3).clamp(2, 8) as u16,
        _ => (lines + 1).clamp(3, 6) as u16,
    }
}

/// What the field expects, shown in an empty input when the template gives no placeholder.
pub fn placeholder_for(field: &Field) -> Option<String> {
    if let Some(p) = &field.placeholder {
        return Some(p.clone());
    }
    let hint = match &field.widget {
        Widget::Text {
            format: Some(f), ..
        } => match f.as_str() {
            "email" => "an email address, like ada@example.com",
            "uri" => "a URL, like https://example.com",
            "date" => "a date: YYYY-MM-DD",
            "date-time" => "a date and time: YYYY-MM-DDThh:mm:ssZ",
            "time" => "a time: hh:mm:ss",
            "color" => "a colour: #rrggbb",
            "data-url" => "a data: URL, like data:text/plain;base64,…",
            _ => return None,
        },
        Widget::Number { integer: true, .. } => "a whole number",
        Widget::Number { .. } => "a number",
        Widget::StringList => "one item per line",
        Widget::Custom { .. } => {
            if let Some(Json::Array(allowed)) = field.ui_option("allowedOwners") {
                let names: Vec<String> = allowed.iter().map(scalar).collect();
                return Some(format!("one of: {}", names.join(", ")));
            }
            // What the schema's type asks for, as the plain input takes it.
            match field.schema.get("type").and_then(Json::as_str) {
                Some("object") => "JSON, like {\"key\": \"value\"}",
                Some("array") => "items separated by commas",
                Some("integer") => "a whole number",
                Some("number") => "a number",
                Some("boolean") => "yes or no",
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(hint.to_owned())
}

/// A short note on what a number field accepts (`a whole number from 1 to 10`).
pub fn number_range(field: &Field) -> Option<String> {
    let Widget::Number {
        integer,
        minimum,
        maximum,
        ..
    } = &field.widget
    else {
        return None;
    };
    let kind = if *integer {
        "a whole number"
    } else {
        "a number"
    };
    let n = |v: f64| {
        if v.fract() == 0.0 {
            format!("{}", v as i64)
        } else {
            v.to_string()
        }
    };
    Some(match (minimum, maximum) {
        (Some(a), Some(b)) => format!("{kind} from {} to {}", n(*a), n(*b)),
        (Some(a), None) => format!("{kind}, at least {}", n(*a)),
        (None, Some(b)) => format!("{kind}, at most {}", n(*b)),
        (None, None) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_editors_never_hold_newlines_on_one_line() {
        let e = new_editor("a\nb", false, true, None);
        assert_eq!(text_of(&e), "a b");
        let m = new_editor("a\nb", true, false, None);
        assert_eq!(m.lines().len(), 2);
        assert_eq!(text_of(&m), "a\nb");
    }

    #[test]
    fn the_cursor_starts_after_the_text() {
        assert_eq!(new_editor("8080", false, false, None).cursor(), (0, 4));
        assert_eq!(new_editor("a\nbcd", true, false, None).cursor(), (1, 3));
        assert_eq!(new_editor("", false, false, Some("hint")).cursor(), (0, 0));
    }

    #[test]
    fn ctrl_u_clears_the_whole_input_and_keeps_nothing_to_yank() {
        let ctrl_u = Input {
            key: Key::Char('u'),
            ctrl: true,
            ..Input::default()
        };
        let mut e = new_editor("one\ntwo", true, true, None);
        e.move_cursor(CursorMove::Top);
        assert!(edit(&mut e, ctrl_u.clone()));
        assert_eq!(text_of(&e), "");
        assert_eq!(e.yank_text(), "");
        assert!(!edit(&mut e, ctrl_u), "nothing left to clear");
    }
}
