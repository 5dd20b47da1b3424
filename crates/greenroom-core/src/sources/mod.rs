//! Where entities come from. Every source turns its input into [`Entity`] values and located
//! [`Diagnostic`]s; [`load`] merges the sources into one [`Catalog`]. Descriptor files on disk
//! and the embedded demo are here; a Backstage server, Port and the local cache plug in beside
//! them through the same [`Source`] trait.

pub mod backstage;
pub mod cache;
pub mod demo;
pub mod files;
pub mod http;
pub mod placeholders;
pub mod port;
pub mod rules;
pub mod vfs;

use crate::catalog::validate::CheckOptions;
use crate::catalog::{Catalog, Diagnostic, Entity, Relations};
use crate::yaml::Limits;
use std::sync::Arc;

pub const DEFAULT_PATTERN: &str = "catalog-info.{yaml,yml}";
pub const DEFAULT_MAX_FILE_BYTES: u64 = crate::limits::FILE_BYTES;

/// Called as work progresses, from any thread.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub files_read: usize,
    pub entities: usize,
}

#[derive(Clone)]
pub struct LoadOptions {
    /// File names picked up when walking a directory (a glob on the name).
    pub pattern: String,
    pub check: CheckOptions,
    /// Fetch `$text`/`$json`/`$yaml` URLs over the network.
    pub online: bool,
    pub max_file_bytes: u64,
    pub yaml: Limits,
    pub progress: Option<ProgressFn>,
    /// Backstage's `catalog.rules`, when configured (see [`rules`]).
    pub rules: Option<Arc<rules::CatalogRules>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            pattern: DEFAULT_PATTERN.into(),
            check: CheckOptions::default(),
            online: true,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            yaml: Limits::default(),
            progress: None,
            rules: None,
        }
    }
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("pattern", &self.pattern)
            .field("online", &self.online)
            .field("max_file_bytes", &self.max_file_bytes)
            .finish_non_exhaustive()
    }
}

impl LoadOptions {
    /// Reports `entities` read so far by a remote source (no files).
    pub fn report_entities(&self, entities: usize) {
        if let Some(p) = &self.progress {
            p(Progress {
                files_read: 0,
                entities,
            });
        }
    }
}

/// How a remote source says it stopped early: why, and what it kept.
pub fn remote_failure(from: &str, why: &str, kept: usize) -> String {
    if kept == 0 {
        format!("reading the catalogue from {from} failed: {why}")
    } else {
        format!(
            "reading the catalogue from {from} failed: {why} (kept the {kept} entities read before it)"
        )
    }
}

/// What one source produced.
#[derive(Debug, Default)]
pub struct SourceOutput {
    pub entities: Vec<Entity>,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the entities arrive with their relations (a remote catalogue computed them).
    pub relations_given: bool,
    /// Why a remote source could not be read (whole or in part): the cache then serves what it
    /// read before.
    pub failed: Option<String>,
}

/// A provider of entities.
pub trait Source: Send + Sync {
    /// A short description for people ("files in ./catalog", "the bundled demo").
    fn describe(&self) -> String;
    fn load(&self, opts: &LoadOptions) -> SourceOutput;
    /// What identifies this source's entry in the cache (its kind and what it reads), or
    /// `None` for a source not worth caching (the bundled demo).
    fn cache_key(&self) -> Option<String> {
        None
    }
    /// The file source behind this one, whose output the cache revalidates by stamps.
    fn as_files(&self) -> Option<&files::FileSource> {
        None
    }
}

/// Loads every source and assembles one catalogue. Sources load one after another, each
/// using all cores; their entities are merged in the order the sources are given.
pub fn load(sources: &[Box<dyn Source>], opts: &LoadOptions) -> Catalog {
    merge(
        sources
            .iter()
            .map(|s| (s.describe(), s.load(opts)))
            .collect(),
    )
}

/// Assembles the outputs of several sources (named for people) into one catalogue. An entity
/// ref that two sources both hold is kept from the source listed first (the config's order is
/// the precedence) and the other one is dropped, with a warning naming both sources.
pub fn merge(outputs: Vec<(String, SourceOutput)>) -> Catalog {
    let mut entities = Vec::new();
    let mut diagnostics = Vec::new();
    let mut relations_given = !outputs.is_empty();
    let several = outputs.len() > 1;
    let mut first_source: std::collections::HashMap<String, usize> =
        std::collections::HashMap::new();
    for (i, (name, out)) in outputs.iter().enumerate() {
        relations_given &= out.relations_given;
        if !several {
            break;
        }
        for e in &out.entities {
            match first_source.get(&e.key) {
                None => {
                    first_source.insert(e.key.clone(), i);
                }
                Some(&j) if j != i => diagnostics.push(Diagnostic::new(
                    crate::catalog::Severity::Warning,
                    &*e.origin.file,
                    e.origin.pos,
                    Some(e.key.clone()),
                    format!(
                        "{} comes from two sources: {} (kept: sources listed first take precedence) and {name} (this one, dropped)",
                        e.entity_ref, outputs[j].0
                    ),
                )),
                Some(_) => {}
            }
        }
    }
    for (i, (_, out)) in outputs.into_iter().enumerate() {
        if several {
            entities.extend(
                out.entities
                    .into_iter()
                    .filter(|e| first_source.get(&e.key) == Some(&i)),
            );
        } else {
            entities.extend(out.entities);
        }
        diagnostics.extend(out.diagnostics);
    }
    let relations = if relations_given {
        Relations::Given
    } else {
        Relations::Compute
    };
    Catalog::assemble(entities, diagnostics, relations)
}
