//! The real binary in a pseudo-terminal: open the demo, go to the templates, fill in the
//! documentation-site template from the keyboard (an owner from the picker), create it in a
//! temporary folder, and find the new entity in the catalogue list by searching for it.
#![cfg(unix)]

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

struct Session {
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<vt100::Parser>>,
}

impl Session {
    /// greenroom on the bundled demo, its config and state in `home`, working in `cwd`.
    fn start(home: &Path, cwd: &Path) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_greenroom"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("GREENROOM_CONFIG", home.join("config.toml"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env_remove("SSH_CONNECTION");
        cmd.env_remove("TMUX");
        cmd.cwd(cwd);
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let parser = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                parser.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().unwrap();
        Session {
            _master: pty.master,
            writer,
            child,
            screen,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, needle: &str) {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.text().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{needle:?} never appeared; the screen:\n{}", self.text());
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("greenroom did not exit; the screen:\n{}", self.text());
    }
}

const TAB: &str = "\t";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const CTRL_S: &str = "\x13";

#[test]
fn fill_a_template_create_it_and_find_it_in_the_catalogue() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut s = Session::start(home.path(), work.path());
    s.wait_for("190 entities");
    s.send("n");
    s.wait_for("Software templates");
    s.send("techdocs");
    s.wait_for("▶ Documentation site");
    s.send(ENTER);
    s.wait_for("page 1 of 1");
    s.send("demo-docs");
    s.wait_for("[demo-docs");
    s.send(TAB);
    s.send("Docs for the demo");
    s.send(TAB);
    // Typing on the owner field opens its picker, filtered by what was typed.
    s.send("devex");
    s.wait_for("▶ group:default/devex-team");
    s.send(ENTER);
    s.wait_for("(Developer Experience)");
    s.send(CTRL_S);
    s.wait_for("Review · Documentation site");
    s.send(ENTER);
    s.wait_for("Create it in which folder?");
    s.wait_for("./demo-docs");
    s.send(ENTER);
    s.wait_for("✔ Created in");
    s.wait_for("component:default/demo-docs added to the catalogue");
    let created = work.path().join("demo-docs");
    assert!(created.join("catalog-info.yaml").is_file());
    assert!(created.join("mkdocs.yml").is_file());
    // Back to the list, then search for the new entity.
    s.send(ESC);
    s.wait_for("Software templates");
    s.send(ESC);
    s.wait_for("191 entities");
    s.send("/");
    s.send("demo-docs");
    // " 1/191", not "191/191": the search has answered.
    s.wait_for(" 1/191");
    s.wait_for("▶ Component demo-docs");
    s.send(ENTER);
    s.wait_for("[1 Overview]");
    s.wait_for("Docs for the demo");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    // Nothing else was written where greenroom ran.
    let entries: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["demo-docs"]);
}
