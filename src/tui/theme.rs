//! Themes name colours by role (`accent`, `error`, `selection`…), never by widget. The built-in
//! themes live in `themes/`; a user theme in the config dir inherits one and overrides roles.
//! Colours are brought down to what the terminal can show (truecolor, 256, 16, none).

use indexmap::IndexMap;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

macro_rules! roles {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// The roles a theme gives a style to; `[roles]` in a theme file names them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Role {
            $(#[doc = $doc] $variant,)*
        }

        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];

            /// The name in theme files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Role::$variant => $name,)*
                }
            }

            pub fn parse(name: &str) -> Option<Role> {
                match name {
                    $($name => Some(Role::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

roles! {
    Text => "text", "Ordinary text.";
    Muted => "muted", "Secondary text: details, placeholders, labels.";
    Title => "title", "Titles and headings.";
    Accent => "accent", "What draws the eye: prompts, marks, pending keys.";
    Border => "border", "Borders.";
    BorderFocus => "border_focus", "The border of what has the focus.";
    Selection => "selection", "The selected row.";
    Match => "match", "Characters a search matched.";
    Link => "link", "Links.";
    Ok => "ok", "Good news: passing, healthy, done.";
    Warn => "warn", "Warnings.";
    Error => "error", "Errors and failures.";
    Info => "info", "Neutral news: running, loading.";
    Bar => "bar", "The header bar.";
    Key => "key", "Keys in the hint bar.";
}

/// The role names, as theme files spell them.
pub fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.name()).collect()
}

/// The user's themes: the names of the `.toml` files in `themes_dir` that are not built-in
/// names, sorted, at most `limits::USER_THEMES` of them.
pub fn user_themes(themes_dir: Option<&Path>) -> Vec<String> {
    let Some(entries) = themes_dir.and_then(|d| std::fs::read_dir(d).ok()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".toml")?;
            (!stem.is_empty() && !BUILTIN.iter().any(|(b, _)| *b == stem)).then(|| stem.to_owned())
        })
        .collect();
    names.sort();
    names.truncate(crate::limits::USER_THEMES);
    names
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    pub fn parse(s: &str) -> Option<ColorDepth> {
        Some(match s {
            "none" | "mono" | "never" => ColorDepth::None,
            "16" | "ansi" => ColorDepth::Ansi16,
            "256" => ColorDepth::Ansi256,
            "truecolor" | "24bit" => ColorDepth::TrueColor,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ColorDepth::None => "none",
            ColorDepth::Ansi16 => "16",
            ColorDepth::Ansi256 => "256",
            ColorDepth::TrueColor => "truecolor",
        }
    }

    /// What the environment says the terminal supports. `NO_COLOR` (non-empty) wins; over SSH
    /// `COLORTERM` is usually not forwarded, so `TERM` and `TERM_PROGRAM` are consulted too.
    pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> ColorDepth {
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        let term = env("TERM").unwrap_or_default();
        if term == "dumb" {
            return ColorDepth::None;
        }
        let colorterm = env("COLORTERM").unwrap_or_default();
        let program = env("TERM_PROGRAM").unwrap_or_default();
        if matches!(colorterm.as_str(), "truecolor" | "24bit")
            || term.contains("direct")
            || term.contains("truecolor")
            || term == "xterm-kitty"
            || term == "alacritty"
            || term.starts_with("wezterm")
            || matches!(
                program.as_str(),
                "iTerm.app" | "WezTerm" | "vscode" | "ghostty"
            )
        {
            ColorDepth::TrueColor
        } else if term.contains("256") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }
}

#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    pub depth: ColorDepth,
    styles: IndexMap<Role, Style>,
}

#[derive(Deserialize)]
struct ThemeFile {
    inherits: Option<String>,
    #[serde(default)]
    roles: IndexMap<String, toml::Spanned<RoleSpec>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RoleSpec {
    Fg(String),
    Full {
        fg: Option<String>,
        bg: Option<String>,
        #[serde(default)]
        bold: bool,
        #[serde(default)]
        italic: bool,
        #[serde(default)]
        underline: bool,
        #[serde(default)]
        reverse: bool,
        #[serde(default)]
        dim: bool,
    },
}

/// A problem in a theme file, with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThemeIssue {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ThemeIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

pub fn parse_color(s: &str) -> Result<Color, String> {
    let named = [
        ("reset", Color::Reset),
        ("default", Color::Reset),
        ("black", Color::Black),
        ("red", Color::Red),
        ("green", Color::Green),
        ("yellow", Color::Yellow),
        ("blue", Color::Blue),
        ("magenta", Color::Magenta),
        ("cyan", Color::Cyan),
        ("gray", Color::Gray),
        ("darkgray", Color::DarkGray),
        ("lightred", Color::LightRed),
        ("lightgreen", Color::LightGreen),
        ("lightyellow", Color::LightYellow),
        ("lightblue", Color::LightBlue),
        ("lightmagenta", Color::LightMagenta),
        ("lightcyan", Color::LightCyan),
        ("white", Color::White),
    ];
    let lower = s.to_ascii_lowercase();
    if let Some((_, c)) = named.iter().find(|(n, _)| *n == lower) {
        return Ok(*c);
    }
    if let Some(hex) = lower.strip_prefix('#')
        && hex.len() == 6
        && let Ok(v) = u32::from_str_radix(hex, 16)
    {
        return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    if let Some(n) = lower.strip_prefix('@').and_then(|n| n.parse::<u8>().ok()) {
        return Ok(Color::Indexed(n));
    }
    Err(format!(
        "\"{s}\" is not a colour (a name like cyan or darkgray, #rrggbb, or @0..@255)"
    ))
}

/// The xterm 256-colour palette entry closest to an RGB colour.
fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            (v - 35) / 40
        }
    };
    let (lr, lg, lb) = (level(r), level(g), level(b));
    let cube = 16 + 36 * lr + 6 * lg + lb;
    let steps = [0u8, 95, 135, 175, 215, 255];
    let cube_rgb = (steps[lr as usize], steps[lg as usize], steps[lb as usize]);
    let avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let gray_index = if avg > 238 {
        23
    } else {
        avg.saturating_sub(3) / 10
    } as u8;
    let gray = 8 + 10 * gray_index;
    let dist = |(a, b2, c): (u8, u8, u8)| {
        let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
        d(a, r) + d(b2, g) + d(c, b)
    };
    if dist((gray, gray, gray)) < dist(cube_rgb) {
        232 + gray_index
    } else {
        cube
    }
}

/// The ANSI 16 colour closest to an RGB colour.
fn rgb_to_16(r: u8, g: u8, b: u8) -> Color {
    const TABLE: [(Color, (u8, u8, u8)); 16] = [
        (Color::Black, (0, 0, 0)),
        (Color::Red, (205, 0, 0)),
        (Color::Green, (0, 205, 0)),
        (Color::Yellow, (205, 205, 0)),
        (Color::Blue, (0, 0, 238)),
        (Color::Magenta, (205, 0, 205)),
        (Color::Cyan, (0, 205, 205)),
        (Color::Gray, (229, 229, 229)),
        (Color::DarkGray, (127, 127, 127)),
        (Color::LightRed, (255, 0, 0)),
        (Color::LightGreen, (0, 255, 0)),
        (Color::LightYellow, (255, 255, 0)),
        (Color::LightBlue, (92, 92, 255)),
        (Color::LightMagenta, (255, 0, 255)),
        (Color::LightCyan, (0, 255, 255)),
        (Color::White, (255, 255, 255)),
    ];
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
    TABLE
        .iter()
        .min_by_key(|(_, (cr, cg, cb))| d(*cr, r) + d(*cg, g) + d(*cb, b))
        .map_or(Color::Reset, |(c, _)| *c)
}

fn indexed_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        16..=231 => {
            let i = i - 16;
            let steps = [0u8, 95, 135, 175, 215, 255];
            (
                steps[(i / 36) as usize],
                steps[(i / 6 % 6) as usize],
                steps[(i % 6) as usize],
            )
        }
        232..=255 => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
        _ => (128, 128, 128),
    }
}

/// A colour as the terminal can show it.
pub fn downsample(c: Color, depth: ColorDepth) -> Option<Color> {
    match (depth, c) {
        (ColorDepth::None, _) => None,
        (ColorDepth::TrueColor, c) => Some(c),
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Some(Color::Indexed(rgb_to_256(r, g, b))),
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => Some(rgb_to_16(r, g, b)),
        (ColorDepth::Ansi16, Color::Indexed(i)) if i >= 16 => {
            let (r, g, b) = indexed_to_rgb(i);
            Some(rgb_to_16(r, g, b))
        }
        (_, c) => Some(c),
    }
}

impl Theme {
    /// A built-in theme by name.
    pub fn builtin(name: &str, depth: ColorDepth) -> Option<Theme> {
        let mut issues = Vec::new();
        let mut theme = Theme {
            name: name.to_owned(),
            depth,
            styles: IndexMap::new(),
        };
        let text = BUILTIN.iter().find(|(n, _)| *n == name)?.1;
        theme.apply(&format!("themes/{name}.toml"), text, &mut issues, 0);
        Some(theme)
    }

    /// `name` is a built-in theme or a file in `themes_dir` (`<name>.toml`).
    pub fn load(
        name: &str,
        themes_dir: Option<&Path>,
        depth: ColorDepth,
    ) -> (Theme, Vec<ThemeIssue>) {
        let mut issues = Vec::new();
        let mut theme = Theme {
            name: name.to_owned(),
            depth,
            styles: IndexMap::new(),
        };
        // Every theme starts from the dark one, so a role left out is never unstyled.
        theme.apply("themes/default.toml", BUILTIN[0].1, &mut issues, 0);
        if let Some((n, text)) = BUILTIN.iter().find(|(n, _)| *n == name) {
            theme.apply(&format!("themes/{n}.toml"), text, &mut issues, 0);
        } else {
            let path = themes_dir.map(|d| d.join(format!("{name}.toml")));
            let read = path
                .as_ref()
                .map(|p| crate::fsread::read_regular_string(p, crate::limits::SETTINGS_FILE_BYTES));
            match read {
                Some(Ok(text)) => {
                    let file = path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
                    theme.apply(&file, &text, &mut issues, 0);
                }
                Some(Err(e)) if !e.is_not_found() => issues.push(ThemeIssue {
                    file: path.map(|p| p.display().to_string()).unwrap_or_default(),
                    line: 1,
                    column: 1,
                    message: format!("theme \"{name}\" not read: {e}; using dark"),
                }),
                _ => issues.push(ThemeIssue {
                    file: path.map(|p| p.display().to_string()).unwrap_or_else(|| "(config)".into()),
                    line: 1,
                    column: 1,
                    message: format!(
                        "theme \"{name}\" not found (built in: dark, light, high-contrast, mono); using dark"
                    ),
                }),
            }
        }
        if depth == ColorDepth::None {
            theme.name = format!("{} (no colour)", theme.name);
        }
        (theme, issues)
    }

    fn apply(&mut self, file_name: &str, text: &str, issues: &mut Vec<ThemeIssue>, depth: usize) {
        let located = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = crate::config::line_col(text, span.start);
            ThemeIssue {
                file: file_name.to_owned(),
                line,
                column,
                message,
            }
        };
        let file: ThemeFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                issues.push(located(e.span().unwrap_or(0..0), e.message().to_owned()));
                return;
            }
        };
        if let Some(parent) = &file.inherits
            && depth < 4
        {
            match BUILTIN.iter().find(|(n, _)| n == parent) {
                Some((n, t)) => self.apply(&format!("themes/{n}.toml"), t, issues, depth + 1),
                None => issues.push(located(
                    0..0,
                    format!("inherits = \"{parent}\": no such built-in theme"),
                )),
            }
        }
        for (role, spec) in file.roles {
            let span = spec.span();
            let Some(role) = Role::parse(&role) else {
                issues.push(located(
                    span,
                    format!(
                        "\"{role}\" is not a role (roles: {})",
                        role_names().join(", ")
                    ),
                ));
                continue;
            };
            let style = match spec.into_inner() {
                RoleSpec::Fg(fg) => parse_color(&fg).map(|c| Style::default().fg(c)),
                RoleSpec::Full {
                    fg,
                    bg,
                    bold,
                    italic,
                    underline,
                    reverse,
                    dim,
                } => (|| {
                    let mut s = Style::default();
                    if let Some(fg) = fg {
                        s = s.fg(parse_color(&fg)?);
                    }
                    if let Some(bg) = bg {
                        s = s.bg(parse_color(&bg)?);
                    }
                    for (on, m) in [
                        (bold, Modifier::BOLD),
                        (italic, Modifier::ITALIC),
                        (underline, Modifier::UNDERLINED),
                        (reverse, Modifier::REVERSED),
                        (dim, Modifier::DIM),
                    ] {
                        if on {
                            s = s.add_modifier(m);
                        }
                    }
                    Ok(s)
                })(),
            };
            match style {
                Ok(s) => {
                    self.styles.insert(role, s);
                }
                Err(e) => issues.push(located(span, e)),
            }
        }
    }

    /// The style of a role, brought down to the terminal's colour depth. Without colour,
    /// selection is shown in reverse video so it never depends on colour.
    pub fn style(&self, role: Role) -> Style {
        let s = self.styles.get(&role).copied().unwrap_or_default();
        let mut out = Style::default()
            .add_modifier(s.add_modifier)
            .remove_modifier(s.sub_modifier);
        if let Some(fg) = s.fg.and_then(|c| downsample(c, self.depth)) {
            out = out.fg(fg);
        }
        if let Some(bg) = s.bg.and_then(|c| downsample(c, self.depth)) {
            out = out.bg(bg);
        }
        if self.depth == ColorDepth::None && role == Role::Selection {
            out = out.add_modifier(Modifier::REVERSED);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_load_cleanly_and_define_every_role() {
        for (name, text) in BUILTIN {
            let (theme, issues) = Theme::load(name, None, ColorDepth::TrueColor);
            assert!(issues.is_empty(), "{name}: {issues:?}");
            let file: ThemeFile = toml::from_str(text).unwrap();
            if file.inherits.is_none() {
                for role in Role::ALL {
                    assert!(
                        file.roles.contains_key(role.name()),
                        "{name} lacks {}",
                        role.name()
                    );
                }
            }
            assert_ne!(theme.style(Role::Selection), Style::default(), "{name}");
        }
    }

    #[test]
    fn role_names_round_trip_and_are_the_theme_files_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(*role));
        }
        assert_eq!(Role::parse("border_focus"), Some(Role::BorderFocus));
        assert_eq!(Role::parse("sparkle"), None);
        assert_eq!(role_names().len(), Role::ALL.len());
    }

    #[test]
    fn detection() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            ColorDepth::detect(&env(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")])),
            ColorDepth::None
        );
        assert_eq!(
            ColorDepth::detect(&env(&[("NO_COLOR", ""), ("COLORTERM", "truecolor")])),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::detect(&env(&[("TERM", "xterm-256color")])),
            ColorDepth::Ansi256
        );
        assert_eq!(
            ColorDepth::detect(&env(&[("TERM", "screen")])),
            ColorDepth::Ansi16
        );
        assert_eq!(
            ColorDepth::detect(&env(&[("TERM", "dumb")])),
            ColorDepth::None
        );
    }

    #[test]
    fn downsampling() {
        assert_eq!(
            downsample(Color::Rgb(255, 0, 0), ColorDepth::Ansi256),
            Some(Color::Indexed(196))
        );
        assert_eq!(
            downsample(Color::Rgb(128, 128, 128), ColorDepth::Ansi256),
            Some(Color::Indexed(244))
        );
        assert_eq!(
            downsample(Color::Rgb(250, 10, 10), ColorDepth::Ansi16),
            Some(Color::LightRed)
        );
        assert_eq!(
            downsample(Color::Indexed(21), ColorDepth::Ansi16),
            Some(Color::Blue)
        );
        assert_eq!(downsample(Color::Cyan, ColorDepth::None), None);
    }

    #[test]
    fn no_colour_keeps_modifiers_and_reverses_selection() {
        let t = Theme::builtin("dark", ColorDepth::None).unwrap();
        let s = t.style(Role::Selection);
        assert_eq!((s.fg, s.bg), (None, None));
        assert!(s.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn user_theme_errors_are_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "inherits = \"light\"\n[roles]\naccent = \"#ff8800\"\nerror = \"blood\"\nsparkle = \"red\"\n",
        )
        .unwrap();
        let (theme, issues) = Theme::load("mine", Some(dir.path()), ColorDepth::TrueColor);
        assert_eq!(theme.style(Role::Accent).fg, Some(Color::Rgb(255, 136, 0)));
        let lines: Vec<(usize, &str)> = issues
            .iter()
            .map(|i| (i.line, i.message.as_str()))
            .collect();
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == 4 && m.contains("\"blood\" is not a colour")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == 5 && m.contains("\"sparkle\" is not a role")),
            "{lines:?}"
        );
        let (_, issues) = Theme::load("absent", Some(dir.path()), ColorDepth::TrueColor);
        assert!(issues[0].message.contains("not found"));
    }
}
