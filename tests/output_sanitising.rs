//! What the command line prints is inert on a terminal: `--json` escapes C1 and bidirectional
//! controls, and every diagnostic (config, keymap and theme problems, the user's own arguments
//! echoed back) is stripped of escape sequences.

use std::path::Path;
use std::process::{Command, Output};

fn greenroom(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .args(args)
        .current_dir(dir)
        .env("GREENROOM_CONFIG", dir.join("cfg/config.toml"))
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .env("XDG_STATE_HOME", dir.join("xdg-state"))
        .env("XDG_CACHE_HOME", dir.join("xdg-cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Characters a terminal may act on: C0 but newline and tab, DEL, C1, bidi controls.
fn terminal_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        })
        .collect()
}

const NASTY: &str = "pay\u{9b}31m \u{202e}txt.exe\u{1b}]0;owned\u{7}";

#[test]
fn every_json_output_escapes_c1_and_bidi_controls() {
    let tmp = tempfile::tempdir().unwrap();
    // YAML double-quoted strings take \u and \x escapes: the file itself stays plain.
    let yaml_nasty: String = NASTY
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c.to_string()
            } else {
                format!("\\u{:04x}", u32::from(c))
            }
        })
        .collect();
    write(
        &tmp.path().join("cat/catalog-info.yaml"),
        &format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: pay\n  description: \"{yaml_nasty}\"\n  labels:\n    bad: \"{yaml_nasty}\"\nspec:\n  type: service\n  lifecycle: production\n  owner: guest\n"
        ),
    );
    for args in [
        &["-c", "cat", "show", "pay", "--json"][..],
        &["-c", "cat", "export", "--include-rejected"],
        &["-c", "cat", "search", "pay", "--json"],
        &["-c", "cat", "validate", "--json"],
    ] {
        let out = greenroom(tmp.path(), args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(terminal_controls(&stdout), [], "{args:?}: {stdout}");
        if args[2] != "validate" {
            assert!(
                stdout.contains("\\u009b31m \\u202etxt.exe\\u001b]0;owned\\u0007"),
                "{args:?}: {stdout}"
            );
        }
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        if args[2] == "show" {
            assert_eq!(v["metadata"]["description"], NASTY, "read back unchanged");
        }
        if args[2] == "validate" {
            // The label value is invalid, and its diagnostic quotes it.
            assert!(
                v["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["message"].as_str().unwrap().contains(NASTY)),
                "{v:#}"
            );
        }
    }
}

/// Files in the config folder: name and content.
type Files = Vec<(&'static str, String)>;

#[test]
fn config_keymap_and_theme_problems_are_printed_without_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("cfg");
    // TOML basic strings carry the escapes as \u escapes.
    let esc = "\\u001b]0;owned\\u0007\\u001b[31m\\u009b2J\\u202e";
    let cases: Vec<(Files, Vec<&str>)> = vec![
        (
            vec![("config.toml", format!("[ui]\nkeymap = \"{esc}vim\"\n"))],
            vec!["keys"],
        ),
        (
            vec![("config.toml", format!("[catalog]\n\"pat{esc}\" = 1\n"))],
            vec!["info"],
        ),
        (
            vec![("config.toml", format!("[ui]\ncolor = \"{esc}\"\n"))],
            vec!["keys"],
        ),
        (
            vec![
                ("config.toml", "[ui]\ntheme = \"mine\"\n".to_owned()),
                (
                    "keymap.toml",
                    format!("[global]\n\"{esc}x\" = \"app.quit\"\n\"y\" = \"{esc}zz\"\n"),
                ),
                (
                    "themes/mine.toml",
                    format!(
                        "inherits = \"{esc}\"\n[roles]\naccent = \"{esc}\"\n\"{esc}\" = \"red\"\n"
                    ),
                ),
            ],
            vec!["keys"],
        ),
        (
            vec![("config.toml", format!("[ui]\ntheme = \"{esc}\"\n"))],
            vec!["keys"],
        ),
        (
            vec![(
                "config.toml",
                format!("[[layouts]]\nname = \"{esc}\"\npanes = []\n"),
            )],
            vec!["--layout", "\u{1b}[31mnope"],
        ),
    ];
    for (files, args) in cases {
        let _ = std::fs::remove_dir_all(&cfg);
        for (name, text) in &files {
            write(&cfg.join(name), text);
        }
        let out = greenroom(tmp.path(), &args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.trim().is_empty(), "{args:?} reports a problem");
        assert_eq!(terminal_controls(&stderr), [], "{args:?}: {stderr:?}");
    }
}

#[test]
fn the_users_own_arguments_are_echoed_without_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["--demo", "show", "\u{1b}]0;x\u{7}pay"][..],
        &["--demo", "status", "\u{9b}2Jnothing"],
        &["-c", "\u{1b}[31mmissing"],
        &["--demo", "--color", "\u{1b}]52;c;AAAA\u{7}", "keys"],
    ] {
        let out = greenroom(tmp.path(), args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("greenroom: "), "{args:?}: {stderr:?}");
        assert_eq!(terminal_controls(&stderr), [], "{args:?}: {stderr:?}");
    }
}
