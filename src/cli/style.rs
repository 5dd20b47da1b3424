//! Minimal colour for human CLI output: only on a terminal, never with `NO_COLOR`.

use std::io::IsTerminal;

#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn for_stdout() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    pub fn error(&self, s: &str) -> String {
        self.paint("1;31", s)
    }

    pub fn warning(&self, s: &str) -> String {
        self.paint("1;33", s)
    }

    pub fn accent(&self, s: &str) -> String {
        self.paint("36", s)
    }
}
