//! `$text` over http(s): Backstage fetches it through its URL readers; greenroom fetches it when
//! online and gives a located error when it cannot.

use greenroom::catalog::Catalog;
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

/// Serves `/spec.yaml` with a body and anything else with 404, for as many requests as come.
fn serve(body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request_line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            reader.read_line(&mut request_line).unwrap();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
                    break;
                }
            }
            let response = if request_line.starts_with("GET /spec.yaml ") {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_string()
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}")
}

fn load(base: &str, online: bool) -> (Catalog, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: remote\nspec:\n  type: openapi\n  lifecycle: production\n  owner: user:x\n  definition:\n    $text: {base}/spec.yaml\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: missing\nspec:\n  type: openapi\n  lifecycle: production\n  owner: user:x\n  definition:\n    $text: {base}/nope.yaml\n"
    );
    std::fs::write(dir.path().join("catalog-info.yaml"), text).unwrap();
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[dir.path().to_path_buf()]).unwrap());
    let opts = LoadOptions {
        online,
        ..LoadOptions::default()
    };
    (sources::load(&[source], &opts), dir)
}

#[test]
fn online_text_is_fetched_and_failures_are_located() {
    let base = serve("openapi: 3.0.0\ninfo: {title: Remote, version: '1'}\npaths: {}\n");
    let (catalog, _dir) = load(&base, true);
    let remote = catalog.get("api:default/remote").unwrap();
    assert!(remote.is_accepted(), "{:?}", catalog.diagnostics());
    assert!(
        remote
            .spec_str("definition")
            .unwrap()
            .starts_with("openapi: 3.0.0")
    );
    let missing: Vec<_> = catalog.diagnostics_for("api:default/missing").collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!((missing[0].line, missing[0].column), (21, 12));
    assert!(
        missing[0].message.contains("answered HTTP 404"),
        "{}",
        missing[0].message
    );
}

#[test]
fn offline_text_is_a_located_error() {
    let base = serve("never read");
    let (catalog, _dir) = load(&base, false);
    let d: Vec<_> = catalog.diagnostics_for("api:default/remote").collect();
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].column), (10, 12));
    assert!(d[0].message.contains("offline"));
    assert!(!catalog.get("api:default/remote").unwrap().is_accepted());
}
