//! The folder typed into the scaffolder's "create it where?" prompt, read the way a person
//! means it: `~` and `$HOME` stand for the home folder, as in a shell. Only those two are
//! expanded (no shell runs, no other variable is read), and anything that would otherwise
//! create a folder literally named `~…` or `$NAME` is refused with a message instead.

use std::path::{Component, Path, PathBuf};

/// The folder `typed` names, `~` and `$HOME` expanded with `home`; relative paths stay
/// relative (to the current folder). The error says what to type instead.
pub fn resolve(typed: &str, home: Option<&Path>) -> Result<PathBuf, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err("type the folder to create the result in".into());
    }
    let (base, rest) = match split_home(typed) {
        Some(rest) => {
            let home = home
                .filter(|h| !h.as_os_str().is_empty())
                .ok_or("HOME is not set, so ~ and $HOME cannot be expanded: type the full path")?;
            (Some(home), rest)
        }
        None => (None, typed),
    };
    if let Some(name) = other_variable(rest) {
        return Err(format!(
            "${name} is not expanded here (only ~ and $HOME are): type the folder in full"
        ));
    }
    let rest_path = Path::new(rest);
    for c in rest_path.components() {
        if let Component::Normal(part) = c
            && part.to_string_lossy().starts_with('~')
        {
            return Err(format!(
                "that would create a folder literally named \"{}\"; for your home folder, start with ~/",
                part.to_string_lossy()
            ));
        }
    }
    Ok(match base {
        Some(home) => home.join(rest.trim_start_matches('/')),
        None => rest_path.to_path_buf(),
    })
}

/// What follows a leading `~`, `$HOME` or `${HOME}` (which must end there or at a `/`).
fn split_home(typed: &str) -> Option<&str> {
    ["~", "${HOME}", "$HOME"].iter().find_map(|prefix| {
        let rest = typed.strip_prefix(prefix)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    })
}

/// The first `$NAME` or `${NAME}` in `text`, which a shell would have expanded.
fn other_variable(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let inner = after.strip_prefix('{').unwrap_or(after);
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(name);
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> Option<&'static Path> {
        Some(Path::new("/home/ada"))
    }

    #[test]
    fn tilde_and_home_are_the_home_folder() {
        for typed in ["~", "$HOME", "${HOME}", " ~/ ", "~/"] {
            assert_eq!(
                resolve(typed, home()).unwrap(),
                Path::new("/home/ada"),
                "{typed}"
            );
        }
        for typed in [
            "~/src/app",
            "$HOME/src/app",
            "${HOME}/src/app",
            "~//src/app",
        ] {
            assert_eq!(
                resolve(typed, home()).unwrap(),
                Path::new("/home/ada/src/app"),
                "{typed}"
            );
        }
    }

    #[test]
    fn other_paths_are_kept_as_typed() {
        assert_eq!(resolve("./app", home()).unwrap(), Path::new("./app"));
        assert_eq!(resolve("/srv/app", home()).unwrap(), Path::new("/srv/app"));
        assert_eq!(resolve("backup~", home()).unwrap(), Path::new("backup~"));
        assert_eq!(resolve("a$/b$1", home()).unwrap(), Path::new("a$/b$1"));
        // No home needed when none is used.
        assert_eq!(resolve("./app", None).unwrap(), Path::new("./app"));
    }

    #[test]
    fn a_literal_tilde_folder_is_never_made() {
        for typed in ["~ada/src", "./~", "src/~/app", "~app", "$HOME/~"] {
            let e = resolve(typed, home()).unwrap_err();
            assert!(e.contains("literally named \"~"), "{typed}: {e}");
        }
    }

    #[test]
    fn no_other_variable_is_expanded() {
        for (typed, name) in [
            ("$USER/app", "USER"),
            ("${PWD}/x", "PWD"),
            ("$HOMEDIR/x", "HOMEDIR"),
            ("~/$XDG_DATA_HOME", "XDG_DATA_HOME"),
        ] {
            let e = resolve(typed, home()).unwrap_err();
            assert!(e.starts_with(&format!("${name} is not expanded")), "{e}");
        }
    }

    #[test]
    fn without_a_home_it_says_so() {
        assert!(
            resolve("~/app", None)
                .unwrap_err()
                .contains("HOME is not set")
        );
        assert!(
            resolve("$HOME", Some(Path::new("")))
                .unwrap_err()
                .contains("HOME is not set")
        );
        assert!(
            resolve("  ", home())
                .unwrap_err()
                .contains("type the folder")
        );
    }
}
