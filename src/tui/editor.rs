//! `e`: the file on screen in the user's editor. This file decides *what* runs: the editor
//! from `$VISUAL`, then `$EDITOR`, then `vi`, split into words with a shell's quoting rules
//! (`EDITOR="code -w"`) but never given to a shell, and the arguments that open the file at a
//! line for the editors that know how. Running it is the host's business (the local host
//! suspends its terminal around it, see `terminal::LocalHost`); a session only asks.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The editor when neither `$VISUAL` nor `$EDITOR` is set (as git and lazygit do).
pub const FALLBACK: &str = "vi";

/// A file to open, at a line (1-based; 0 or 1 for the top).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditRequest {
    pub file: PathBuf,
    pub line: u32,
}

/// The editor command line from the client's variables: `$VISUAL`, else `$EDITOR`, else `vi`
/// (blank values count as unset).
pub fn editor_from(var: impl Fn(&str) -> Option<String>) -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|k| var(k))
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| FALLBACK.to_owned())
}

/// The program and its arguments that open `file` at `line` with `editor` (the variable's
/// text). Words are split as a shell would split them, with no expansion of any kind: no
/// `$VAR`, no globs, no `;`: those stay literal characters of an argument.
pub fn command(editor: &str, file: &Path, line: u32) -> Result<Vec<OsString>, String> {
    let words = shell_words::split(editor).map_err(|e| {
        format!(
            "cannot read the editor command `{}`: {e}",
            crate::text::sanitize_line(editor)
        )
    })?;
    let Some(program) = words.first() else {
        return Err("the editor command is empty ($VISUAL / $EDITOR)".into());
    };
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut argv: Vec<OsString> = words.iter().map(OsString::from).collect();
    let line = line.max(1);
    let at_line = |argv: &mut Vec<OsString>, sep: &str| {
        let mut arg = file.as_os_str().to_owned();
        arg.push(format!("{sep}{line}"));
        argv.push(arg);
    };
    match name.as_str() {
        // VS Code and its forks: `-g file:line`.
        "code" | "code-insiders" | "codium" | "cursor" | "windsurf" => {
            argv.push("-g".into());
            at_line(&mut argv, ":");
        }
        // `file:line` as the file argument.
        "subl" | "zed" | "hx" | "helix" | "mate" => at_line(&mut argv, ":"),
        // Editors that read `+line` before the file: the vi family, nano, emacs, micro,
        // kakoune, joe, ne, mcedit. Unknown editors get the file alone (a stray `+12` could
        // be taken for a second file).
        "vi" | "vim" | "nvim" | "gvim" | "mvim" | "view" | "nano" | "pico" | "emacs"
        | "emacsclient" | "micro" | "kak" | "joe" | "jed" | "ne" | "mcedit" | "vis" | "mg"
        | "ex" | "elvis" | "nvi" => {
            argv.push(format!("+{line}").into());
            argv.push(file.as_os_str().to_owned());
        }
        _ => argv.push(file.as_os_str().to_owned()),
    }
    Ok(argv)
}

/// The file behind a Backstage location reference, when it is one on this machine
/// (`file:/abs/path`); `None` for `url:`, the demo's `embedded:` and anything else.
pub fn local_file(location: &str) -> Option<PathBuf> {
    let path = Path::new(location.strip_prefix("file:")?);
    path.is_absolute().then(|| path.to_path_buf())
}

/// On an API's Definition tab: the file its `definition` is read from, when the descriptor
/// at `descriptor.line` writes it as `$text: ./path` (or `$yaml` / `$json`) and that file
/// exists beside it. Only the descriptor's own document is looked at.
pub fn definition_file(descriptor: &EditRequest) -> Option<PathBuf> {
    let text =
        crate::fsread::read_regular_string(&descriptor.file, crate::limits::FILE_BYTES).ok()?;
    let start = descriptor.line.max(1) as usize - 1;
    let target = text
        .lines()
        .skip(start)
        .enumerate()
        .take_while(|(i, l)| *i == 0 || !l.starts_with("---"))
        .find_map(|(_, l)| {
            ["$text:", "$yaml:", "$json:"]
                .iter()
                .find_map(|k| l.split_once(k).map(|(_, rest)| rest))
        })?;
    let target = target
        .trim()
        .trim_end_matches('}')
        .trim()
        .trim_matches(|c| c == '"' || c == '\'');
    if target.contains("://") || Path::new(target).is_absolute() {
        return None;
    }
    let file = descriptor.file.parent()?.join(target);
    file.is_file().then_some(file)
}

/// How an editor run ended, as the host saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditDone {
    /// It exited with status 0.
    pub success: bool,
    /// Its exit code (none when a signal ended it).
    pub code: Option<i32>,
    /// The terminal's size afterwards (it may have been resized meanwhile).
    pub size: Option<(u16, u16)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: Vec<OsString>) -> Vec<String> {
        v.into_iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn visual_wins_then_editor_then_vi() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            editor_from(env(&[("VISUAL", "nvim"), ("EDITOR", "nano")])),
            "nvim"
        );
        assert_eq!(
            editor_from(env(&[("VISUAL", "  "), ("EDITOR", "nano")])),
            "nano"
        );
        assert_eq!(editor_from(env(&[])), "vi");
    }

    #[test]
    fn words_split_like_a_shell_with_no_expansion() {
        let file = Path::new("/src/my service/catalog-info.yaml");
        assert_eq!(
            strings(command("code -w", file, 12).unwrap()),
            ["code", "-w", "-g", "/src/my service/catalog-info.yaml:12"]
        );
        assert_eq!(
            strings(command("'/opt/my editor/vim' -u NONE", file, 3).unwrap()),
            [
                "/opt/my editor/vim",
                "-u",
                "NONE",
                "+3",
                "/src/my service/catalog-info.yaml"
            ]
        );
        // Nothing a shell would do happens: `$HOME`, `;` and backticks stay literal.
        assert_eq!(
            strings(command("ed $HOME;rm -rf `x`", file, 1).unwrap()),
            [
                "ed",
                "$HOME;rm",
                "-rf",
                "`x`",
                "/src/my service/catalog-info.yaml"
            ]
        );
    }

    #[test]
    fn the_line_goes_where_each_editor_reads_it() {
        let file = Path::new("a.yaml");
        assert_eq!(
            strings(command("nano", file, 0).unwrap()),
            ["nano", "+1", "a.yaml"]
        );
        assert_eq!(strings(command("hx", file, 7).unwrap()), ["hx", "a.yaml:7"]);
        assert_eq!(
            strings(command("my-editor --wait", file, 7).unwrap()),
            ["my-editor", "--wait", "a.yaml"]
        );
    }

    #[test]
    fn only_file_locations_have_a_local_file() {
        assert_eq!(
            local_file("file:/src/a/catalog-info.yaml"),
            Some(PathBuf::from("/src/a/catalog-info.yaml"))
        );
        assert_eq!(
            local_file("url:https://github.com/x/y/catalog-info.yaml"),
            None
        );
        assert_eq!(local_file("embedded:/demo/catalog-info.yaml"), None);
        assert_eq!(local_file("file:relative.yaml"), None);
    }

    #[test]
    fn a_definition_read_with_text_is_found_in_its_own_document() {
        let dir = tempfile::tempdir().unwrap();
        let descriptor = dir.path().join("catalog-info.yaml");
        std::fs::write(dir.path().join("openapi.yaml"), "openapi: 3.0.0\n").unwrap();
        std::fs::write(
            &descriptor,
            "kind: API\nspec:\n  definition: {$text: ./other.yaml}\n---\nkind: API\nspec:\n  definition:\n    $text: ./openapi.yaml\n---\nkind: API\nspec:\n  definition: |\n    inline\n",
        )
        .unwrap();
        let at = |line| EditRequest {
            file: descriptor.clone(),
            line,
        };
        assert_eq!(
            definition_file(&at(5)),
            Some(dir.path().join("openapi.yaml"))
        );
        // The first document names a file that does not exist; the third has none.
        assert_eq!(definition_file(&at(1)), None);
        assert_eq!(definition_file(&at(10)), None);
    }

    #[test]
    fn an_empty_or_unbalanced_command_is_an_error() {
        assert!(
            command("", Path::new("a"), 1)
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            command("vim 'unclosed", Path::new("a"), 1)
                .unwrap_err()
                .contains("cannot read")
        );
    }
}
