//! A fake TechDocs backend for the docs tests: a Backstage catalogue API with one entity
//! (`component:default/petstore`) and its TechDocs (metadata, built HTML, search index) served
//! from the pre-built site in `tests/fixtures/techdocs-site/`. The TechDocs requests can be held
//! at a gate (a slow backend, without wall-clock timing), and the server can be stopped (the
//! network gone). Every request is logged.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long a held request waits at most: a test that forgets to open the gate fails instead of
/// hanging.
const GATE_LIMIT: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Gate {
    closed: Mutex<bool>,
    opened: Condvar,
    /// TechDocs requests waiting at the gate now.
    waiting: Mutex<usize>,
}

pub struct Fake {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
    gate: Arc<Gate>,
    stopped: Arc<AtomicBool>,
}

impl Fake {
    /// Holds every TechDocs request until [`Fake::open_gate`].
    pub fn close_gate(&self) {
        *self.gate.closed.lock().unwrap() = true;
    }

    pub fn open_gate(&self) {
        *self.gate.closed.lock().unwrap() = false;
        self.gate.opened.notify_all();
    }

    /// Requests held at the gate right now.
    pub fn waiting(&self) -> usize {
        *self.gate.waiting.lock().unwrap()
    }

    /// Answers nothing any more (connections are closed at once): the backend is gone.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// How many requests asked for `suffix`.
    pub fn asked(&self, suffix: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with(suffix))
            .count()
    }
}

pub fn fake_backend() -> Fake {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/techdocs-site");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let gate = Arc::new(Gate::default());
    let stopped = Arc::new(AtomicBool::new(false));
    let entity = serde_json::json!({
        "items": [{
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {
                "name": "petstore",
                "namespace": "default",
                "annotations": {
                    "backstage.io/techdocs-ref": "dir:.",
                    "backstage.io/managed-by-location": "url:https://github.com/example/petstore/blob/main/catalog-info.yaml"
                }
            },
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"},
            "relations": []
        }],
        "totalItems": 1,
        "pageInfo": {}
    })
    .to_string();
    let (log, held, gone) = (requests.clone(), gate.clone(), stopped.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if gone.load(Ordering::SeqCst) {
                continue;
            }
            let (dir, entity, log, held) = (dir.clone(), entity.clone(), log.clone(), held.clone());
            // One thread per connection, so a held request does not hold the others.
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                log.lock().unwrap().push(path.clone());
                let path = path.split('?').next().unwrap().to_owned();
                if path.starts_with("/api/techdocs/") {
                    *held.waiting.lock().unwrap() += 1;
                    let closed = held.closed.lock().unwrap();
                    let _ = held
                        .opened
                        .wait_timeout_while(closed, GATE_LIMIT, |closed| *closed)
                        .unwrap();
                    *held.waiting.lock().unwrap() -= 1;
                }
                let body = if path == "/api/catalog/entities/by-query" {
                    Some(entity)
                } else if path == "/api/techdocs/metadata/techdocs/default/component/petstore" {
                    std::fs::read_to_string(dir.join("metadata.json")).ok()
                } else if let Some(rest) =
                    path.strip_prefix("/api/techdocs/static/docs/default/component/petstore/")
                {
                    let rest = if rest.is_empty() || rest.ends_with('/') {
                        format!("{rest}index.html")
                    } else {
                        rest.to_owned()
                    };
                    (!rest.contains(".."))
                        .then(|| std::fs::read_to_string(dir.join(rest)).ok())
                        .flatten()
                } else {
                    None
                };
                let mut out = stream;
                let _ = match body {
                    Some(b) => write!(
                        out,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                        b.len()
                    ),
                    None => write!(
                        out,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                    ),
                };
            });
        }
    });
    Fake {
        url,
        requests,
        gate,
        stopped,
    }
}
