//! File access from outside input: only regular files are read (a named pipe never hangs a
//! load, a run or the start-up), and nothing outside the catalogue roots the user named is
//! walked or read through a Location or a symlink.

use greenroom::catalog::{Catalog, Severity};
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A guard against the bug under test: before the fix these calls never returned. The limit is
/// a generous watchdog, not a measurement.
const WATCHDOG: Duration = Duration::from_secs(120);

fn within_watchdog<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(WATCHDOG)
        .unwrap_or_else(|_| panic!("{what} hung (a FIFO was opened and read)"))
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs the binary with a private config location; killed (and the test failed) if it hangs.
fn greenroom(config: &Path, cwd: &Path, args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_greenroom"))
        .args(args)
        .current_dir(cwd)
        .env("GREENROOM_CONFIG", config)
        .env("XDG_CONFIG_HOME", cwd.join("xdg-config"))
        .env("XDG_STATE_HOME", cwd.join("xdg-state"))
        .env("XDG_CACHE_HOME", cwd.join("xdg-cache"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            // SAFETY: killing the child this test started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("greenroom {args:?} hung");
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn load(roots: &[PathBuf]) -> Catalog {
    let roots = roots.to_vec();
    within_watchdog("loading the catalogue", move || {
        let source: Box<dyn Source> = Box::new(FileSource::disk(&roots).unwrap());
        let opts = LoadOptions {
            online: false,
            ..LoadOptions::default()
        };
        sources::load(&[source], &opts)
    })
}

fn messages(catalog: &Catalog) -> Vec<String> {
    catalog
        .diagnostics()
        .iter()
        .map(|d| format!("{}:{}: {:?}: {}", d.file, d.line, d.severity, d.message))
        .collect()
}

fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: guest\n"
    )
}

#[test]
fn a_fifo_given_with_c_is_refused_with_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("catalog-info.yaml");
    mkfifo(&fifo);
    let out = greenroom(
        &tmp.path().join("none.toml"),
        tmp.path(),
        &["validate", "-c", "catalog-info.yaml"],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("catalog-info.yaml:1:1: error: cannot read: it is a named pipe (FIFO)"),
        "{stdout}"
    );
}

#[test]
fn a_fifo_as_text_or_location_target_is_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    mkfifo(&root.join("pipe.txt"));
    mkfifo(&root.join("pipe.yaml"));
    write(
        &root.join("catalog-info.yaml"),
        &format!(
            "{}  definition:\n    $text: ./pipe.txt\n---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  targets: [./pipe.yaml]\n",
            component("svc")
                .replace("kind: Component", "kind: API")
                .replace("type: service", "type: openapi")
        ),
    );
    let catalog = load(&[root.to_path_buf()]);
    let m = messages(&catalog);
    assert!(
        m.iter().any(|d| d.contains(
            "/catalog-info.yaml:10: Error: placeholder $text could not read ./pipe.txt: "
        ) && d.contains("/pipe.txt: it is a named pipe (FIFO)")),
        "{m:#?}"
    );
    assert!(
        m.iter()
            .any(|d| d.contains("/pipe.yaml:1: Error: cannot read: it is a named pipe (FIFO)")),
        "{m:#?}"
    );
}

#[test]
fn fifo_settings_files_are_refused_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    mkfifo(&config);
    let out = greenroom(&config, tmp.path(), &["info"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("config.toml: it is a named pipe (FIFO), not a regular file"),
        "{stderr}"
    );

    // keymap.toml and a theme beside a good config are reported as problems, not waited on.
    let dir = tmp.path().join("cfg");
    write(&dir.join("config.toml"), "[ui]\ntheme = \"mine\"\n");
    mkfifo(&dir.join("keymap.toml"));
    std::fs::create_dir_all(dir.join("themes")).unwrap();
    mkfifo(&dir.join("themes/mine.toml"));
    let out = greenroom(&dir.join("config.toml"), tmp.path(), &["keys"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("keymap.toml:1:1: error: not read: it is a named pipe (FIFO)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mine.toml:1:1: theme \"mine\" not read: it is a named pipe (FIFO)"),
        "{stderr}"
    );
}

#[test]
fn a_fifo_in_a_template_skeleton_fails_the_step() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tpl");
    write(
        &dir.join("template.yaml"),
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: piped\nspec:\n  owner: guest\n  type: service\n  parameters: []\n  steps:\n    - id: fetch\n      name: Fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n",
    );
    write(&dir.join("skeleton/README.md"), "hello\n");
    mkfifo(&dir.join("skeleton/pipe"));
    let values = tmp.path().join("values.yaml");
    write(&values, "{}\n");
    let out = greenroom(
        &tmp.path().join("none.toml"),
        tmp.path(),
        &[
            "scaffold",
            dir.join("template.yaml").to_str().unwrap(),
            "--values",
            values.to_str().unwrap(),
            "--dry-run",
        ],
    );
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("named pipe (FIFO)"), "{all}");
}

/// A catalogue root, and beside it a folder the user did not name.
fn root_and_outside() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    write(&root.join("inside/catalog-info.yaml"), &component("inside"));
    write(
        &outside.join("catalog-info.yaml"),
        &component("secret-outside"),
    );
    write(&outside.join("extra.yaml"), &component("extra-outside"));
    (tmp, root, outside)
}

#[test]
fn walks_do_not_follow_symlinks_out_of_the_root() {
    let (_tmp, root, outside) = root_and_outside();
    std::os::unix::fs::symlink(&outside, root.join("vendored")).unwrap();
    std::fs::create_dir_all(root.join("inside/linked")).unwrap();
    std::os::unix::fs::symlink(
        outside.join("catalog-info.yaml"),
        root.join("inside/linked/catalog-info.yaml"),
    )
    .unwrap();
    // A link within the root is still followed.
    std::os::unix::fs::symlink(root.join("inside"), root.join("alias")).unwrap();
    let catalog = load(std::slice::from_ref(&root));
    let names: Vec<&str> = catalog.entities().iter().map(|e| e.name()).collect();
    assert_eq!(names, ["inside"], "{:#?}", messages(&catalog));
    let m = messages(&catalog);
    for link in ["vendored", "inside/linked/catalog-info.yaml"] {
        assert!(
            m.iter().any(|d| d.contains(link)
                && d.contains("Warning: symlink to")
                && d.contains("outside the catalogue root")),
            "{link}: {m:#?}"
        );
    }
}

#[test]
fn location_targets_stay_inside_the_roots() {
    let (_tmp, root, outside) = root_and_outside();
    std::os::unix::fs::symlink(&outside, root.join("door")).unwrap();
    write(
        &root.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets:\n    - ./inside/catalog-info.yaml\n    - ../outside/catalog-info.yaml\n    - ../../../../../../../../etc/passwd\n    - /etc/hostname\n    - /proc/self/environ\n    - ../outside/*.yaml\n    - ./door/extra.yaml\n    - ./door/*.yaml\n",
    );
    // The descriptor given as a file: its folder is the root.
    let catalog = load(&[root.join("catalog-info.yaml")]);
    let m = messages(&catalog);
    let mut names: Vec<&str> = catalog.entities().iter().map(|e| e.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["all", "inside"], "{m:#?}");
    let line = |n: u32| {
        m.iter()
            .filter(|d| d.contains(&format!("root/catalog-info.yaml:{n}: Warning: target ")))
            .count()
    };
    for (n, target) in [
        (8, "../outside/catalog-info.yaml"),
        (9, "../../../../../../../../etc/passwd"),
        (10, "/etc/hostname"),
        (11, "/proc/self/environ"),
        (12, "../outside/*.yaml"),
        (13, "./door/extra.yaml"),
        (14, "./door/*.yaml"),
    ] {
        assert_eq!(line(n), 1, "line {n} ({target}): {m:#?}");
    }
    assert!(
        m.iter()
            .any(|d| d.contains("target /etc/hostname leads outside the catalogue root")),
        "{m:#?}"
    );
    // Nothing outside was opened: no diagnostics name those files.
    assert!(
        !m.iter()
            .any(|d| d.starts_with("/etc") || d.starts_with("/proc") || d.contains("Error")),
        "{m:#?}"
    );
    assert!(
        !catalog
            .diagnostics()
            .iter()
            .any(|d| d.severity == Severity::Error)
    );
}

#[test]
fn a_root_glob_is_refused_before_walking() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write(
        &root.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: everything\nspec:\n  targets: ['/**/catalog-info.yaml', '../**']\n",
    );
    let catalog = load(std::slice::from_ref(&root));
    let m = messages(&catalog);
    assert_eq!(catalog.len(), 1, "{m:#?}");
    assert_eq!(
        m.iter()
            .filter(|d| d.contains("leads outside the catalogue root"))
            .count(),
        2,
        "{m:#?}"
    );
}
