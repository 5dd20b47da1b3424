//! Opening links. One rule says which URLs may be opened or printed as OSC 8 hyperlinks:
//! http, https and mailto, after parsing (so `javascript:`, `file:` and anything with control
//! characters never reach a browser or the terminal). The program that opens them is found on
//! PATH once (`open` on macOS, `xdg-open` elsewhere, and only with a graphical session, since
//! xdg-open would otherwise start a text browser on the terminal the portal is drawing on);
//! where there is none, links are copied instead, and the user is told which happened.

use std::path::{Path, PathBuf};

/// The URL, normalised, when it may be opened or printed as a hyperlink.
pub fn safe_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https" | "mailto").then(|| parsed.to_string())
}

/// The platform's opener, by name.
pub const OPENER: &str = if cfg!(target_os = "macos") {
    "open"
} else {
    "xdg-open"
};

/// The opener to run here, as a path found on `PATH`, or None when links cannot be opened
/// (no opener, or no graphical session for xdg-open). `env` reads the environment.
pub fn find_opener(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let graphical = cfg!(target_os = "macos")
        || ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| env(v).is_some_and(|s| !s.is_empty()));
    if !graphical {
        return None;
    }
    let path = env("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(OPENER))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Starts `opener URL` (the URL one argument, no shell), without waiting for it; a thread
/// reaps it when it exits, so no zombie is left behind.
pub fn open(opener: &Path, url: &str) -> std::io::Result<()> {
    let mut child = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let name = opener.display().to_string();
    std::thread::Builder::new()
        .name("greenroom-opener".into())
        .spawn(move || match child.wait() {
            Ok(s) if !s.success() => tracing::warn!("{name} exited with {s}"),
            Ok(_) => {}
            Err(e) => tracing::warn!("waiting for {name}: {e}"),
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_are_opened() {
        assert_eq!(
            safe_url("https://example.com/a b").as_deref(),
            Some("https://example.com/a%20b")
        );
        assert!(safe_url("http://x.example").is_some());
        assert!(safe_url("mailto:ada@example.com").is_some());
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<b>",
            "vbscript:x",
            "ssh://host",
            "not a url",
            "",
            "https://exa\u{1b}]52;c;AAAA\u{7}mple.com",
        ] {
            assert_eq!(safe_url(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_opener_is_found_on_path_only_with_a_display() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let path = bin.display().to_string();
        let env = |display: bool| {
            let path = path.clone();
            move |k: &str| match k {
                "PATH" => Some(format!("relative/dir:{path}")),
                "DISPLAY" if display => Some(":0".into()),
                _ => None,
            }
        };
        assert_eq!(find_opener(env(true)), None, "not installed");
        let opener = bin.join(OPENER);
        std::fs::write(&opener, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(find_opener(env(true)), None, "not executable");
            std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert_eq!(find_opener(env(true)), Some(opener));
        if !cfg!(target_os = "macos") {
            assert_eq!(find_opener(env(false)), None, "no graphical session");
        }
        assert_eq!(find_opener(|_| None), None, "no PATH");
    }

    #[cfg(unix)]
    #[test]
    fn the_url_is_one_argument_and_no_shell_reads_it() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("args");
        let opener = tmp.path().join("opener");
        std::fs::write(
            &opener,
            format!(
                "#!/bin/sh\nprintf '%s|' \"$#\" \"$1\" > '{}.tmp'\nmv '{0}.tmp' '{0}'\n",
                out.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
        let url = "https://example.com/a?b=1&c=$(touch pwned);d";
        open(&opener, url).unwrap();
        // The opener runs on its own; wait (bounded) for what it wrote.
        for _ in 0..500 {
            if out.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(std::fs::read_to_string(&out).unwrap(), format!("1|{url}|"));
        assert!(!Path::new("pwned").exists(), "nothing ran the URL");
        assert!(open(&tmp.path().join("missing"), url).is_err());
    }
}
