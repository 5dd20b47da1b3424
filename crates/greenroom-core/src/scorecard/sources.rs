//! Where scorecards come from: the files the config names (`[[scorecards]] path = ...`), the
//! set bundled with the demo (`demo/scorecards/`), and Port's own scorecards when a Port source
//! filled the catalogue. Problems are located diagnostics; a broken file costs only itself.

use super::{Scorecard, parse_scorecards, port};
use crate::catalog::{Catalog, Diagnostic, Severity};
use crate::fsread::read_regular_string;
use crate::limits;
use crate::yaml::Pos;
use std::path::{Path, PathBuf};

/// The scorecards found and the problems met reading them.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub cards: Vec<Scorecard>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    fn add(&mut self, cards: Vec<Scorecard>, file: &str) {
        for c in cards {
            if self.cards.iter().any(|x| x.id == c.id) {
                self.diagnostics.push(Diagnostic::new(
                    Severity::Error,
                    file,
                    Pos::START,
                    None,
                    format!(
                        "scorecard `{}` is already defined elsewhere; this one is ignored",
                        c.id
                    ),
                ));
            } else {
                self.cards.push(c);
            }
        }
    }
}

/// The scorecards bundled with the demo organisation.
pub fn demo() -> Loaded {
    let mut out = Loaded::default();
    let Some(dir) = crate::sources::demo::files().get_dir("scorecards") else {
        return out;
    };
    let mut files: Vec<_> = dir.files().collect();
    files.sort_by_key(|f| f.path());
    for f in files {
        let name = format!("demo/{}", f.path().display());
        let parsed = parse_scorecards(f.contents_utf8().unwrap_or_default(), &name);
        out.diagnostics.extend(parsed.diagnostics);
        out.add(parsed.cards, &name);
    }
    out
}

/// Reads scorecard files (a directory means its `*.yaml`/`*.yml` files).
pub fn from_paths(paths: &[PathBuf]) -> Loaded {
    let mut out = Loaded::default();
    for path in paths {
        let mut files = Vec::new();
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(rd) => {
                    for e in rd.flatten() {
                        let p = e.path();
                        if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                            files.push(p);
                        }
                    }
                }
                Err(e) => out.diagnostics.push(io_diag(path, &e.to_string())),
            }
            files.sort();
        } else {
            files.push(path.clone());
        }
        for f in files {
            let shown = f.display().to_string();
            match read_regular_string(&f, limits::SCORECARD_FILE_BYTES) {
                Ok(text) => {
                    let parsed = parse_scorecards(&text, &shown);
                    out.diagnostics.extend(parsed.diagnostics);
                    out.add(parsed.cards, &shown);
                }
                Err(e) => out.diagnostics.push(io_diag(&f, &e.to_string())),
            }
        }
    }
    out
}

fn io_diag(path: &Path, message: &str) -> Diagnostic {
    Diagnostic::new(
        Severity::Error,
        path.display().to_string(),
        Pos::START,
        None,
        format!("cannot read the scorecard file: {message}"),
    )
}

/// Every scorecard: the configured files, else the demo's when the catalogue is the demo; and
/// Port's from the catalogue.
pub fn load_all(paths: &[PathBuf], demo_catalogue: bool, catalog: &Catalog) -> Loaded {
    let mut out = from_paths(paths);
    if paths.is_empty() && demo_catalogue {
        let d = demo();
        out.diagnostics.extend(d.diagnostics);
        out.add(d.cards, "demo/scorecards");
    }
    let port = port::from_catalog(catalog);
    out.add(port, "Port");
    out
}
