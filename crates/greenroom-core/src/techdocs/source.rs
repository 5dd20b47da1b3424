//! Where an entity's docs come from, as Backstage decides it: `backstage.io/techdocs-entity`
//! (another entity's docs, with `techdocs-entity-path` for a page in them), then
//! `backstage.io/techdocs-ref` (`dir:` relative to the descriptor, or `url:`), and for an entity
//! read from a Backstage backend, that backend's TechDocs API. An entity without any of these
//! has no docs, and [`NoDocs`] says why in words a user can act on.

use crate::catalog::{Catalog, Entity, RefContext, parse_ref};
use crate::sources::vfs::{DiskFs, EmbeddedFs, PathKind, Vfs, normalize};
use std::path::PathBuf;
use std::sync::Arc;

pub const ANNOTATION_REF: &str = "backstage.io/techdocs-ref";
pub const ANNOTATION_ENTITY: &str = "backstage.io/techdocs-entity";
pub const ANNOTATION_ENTITY_PATH: &str = "backstage.io/techdocs-entity-path";

/// How many `techdocs-entity` hops are followed before giving up (a loop).
const MAX_HOPS: usize = 4;

#[derive(Clone)]
pub enum DocsSource {
    /// A folder holding `mkdocs.yml` (on disk, or in the embedded demo).
    Files { vfs: Arc<dyn Vfs>, dir: PathBuf },
    /// `url:` a folder holding `mkdocs.yml` on a Git host, read raw when online.
    Url { url: String },
    /// A TechDocs backend: its metadata and built static site.
    Backstage {
        base_url: String,
        token_env: Option<String>,
        namespace: String,
        kind: String,
        name: String,
    },
}

impl std::fmt::Debug for DocsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.describe())
    }
}

impl DocsSource {
    /// Where the docs are, for people.
    pub fn describe(&self) -> String {
        match self {
            DocsSource::Files { vfs, dir } => vfs.display(dir),
            DocsSource::Url { url } => url.clone(),
            DocsSource::Backstage {
                base_url,
                namespace,
                kind,
                name,
                ..
            } => format!(
                "{}/api/techdocs/static/docs/{namespace}/{kind}/{name}/",
                base_url.trim_end_matches('/')
            ),
        }
    }
}

/// Why an entity has no docs to show.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoDocs(pub String);

/// What the docs of an entity are: where, whose (the entity whose docs they are, after
/// `techdocs-entity`), and the page to open first (`techdocs-entity-path`).
#[derive(Clone, Debug)]
pub struct Resolved {
    pub source: DocsSource,
    pub owner_key: String,
    pub start_page: Option<String>,
}

/// A Backstage backend the catalogue was read from: its base URL and token variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub base_url: String,
    pub token_env: Option<String>,
}

/// Whether an entity has docs at all (cheap: annotations only), for tabs and lists.
pub fn has_docs(e: &Entity) -> bool {
    e.annotation(ANNOTATION_REF).is_some() || e.annotation(ANNOTATION_ENTITY).is_some()
}

/// The Backstage base URL an entity was read from (see `sources::backstage`).
pub fn backstage_base(e: &Entity) -> Option<&str> {
    let file = e.origin.file.as_ref();
    let (_, rest) = file.rsplit_once(" (from Backstage at ")?;
    rest.strip_suffix(')')
}

/// Resolves where an entity's docs are.
pub fn docs_source(
    catalog: &Catalog,
    e: &Entity,
    backends: &[Backend],
) -> Result<Resolved, NoDocs> {
    let mut e = e;
    let mut start_page = None;
    for _ in 0..MAX_HOPS {
        let Some(other) = e.annotation(ANNOTATION_ENTITY) else {
            return own_source(e, backends).map(|source| Resolved {
                source,
                owner_key: e.key.clone(),
                start_page,
            });
        };
        let ctx = RefContext {
            default_kind: Some("Component"),
            default_namespace: Some(e.namespace()),
        };
        let r = parse_ref(other, ctx).map_err(|err| {
            NoDocs(format!(
                "its {ANNOTATION_ENTITY} annotation `{}` is not an entity ref: {err}",
                crate::text::sanitize_line(other)
            ))
        })?;
        start_page = e
            .annotation(ANNOTATION_ENTITY_PATH)
            .map(|p| p.trim_start_matches('/').to_owned())
            .or(start_page);
        e = catalog.get(&r.canonical()).ok_or_else(|| {
            NoDocs(format!(
                "its docs are those of {}, which is not in the catalogue",
                r.canonical()
            ))
        })?;
    }
    Err(NoDocs(format!(
        "{ANNOTATION_ENTITY} annotations lead round in a loop (more than {MAX_HOPS} hops)"
    )))
}

fn own_source(e: &Entity, backends: &[Backend]) -> Result<DocsSource, NoDocs> {
    if let Some(base) = backstage_base(e) {
        if e.annotation(ANNOTATION_REF).is_none() {
            return Err(NoDocs(format!(
                "it has no {ANNOTATION_REF} annotation, so its Backstage builds no docs for it"
            )));
        }
        let token_env = backends
            .iter()
            .find(|b| b.base_url.trim_end_matches('/') == base.trim_end_matches('/'))
            .and_then(|b| b.token_env.clone());
        return Ok(DocsSource::Backstage {
            base_url: base.to_owned(),
            token_env,
            namespace: e.namespace().to_lowercase(),
            kind: e.kind().to_lowercase(),
            name: e.name().to_owned(),
        });
    }
    let Some(r) = e.annotation(ANNOTATION_REF) else {
        return Err(NoDocs(format!(
            "it has no {ANNOTATION_REF} annotation (add `{ANNOTATION_REF}: dir:.` beside a mkdocs.yml)"
        )));
    };
    let r = r.trim();
    if let Some(dir) = r.strip_prefix("dir:") {
        let location = e.origin.location.as_ref();
        let (kind, file) = location.split_once(':').unwrap_or(("", location));
        let vfs: Arc<dyn Vfs> = match kind {
            "file" => Arc::new(DiskFs::new()),
            "embedded" => Arc::new(EmbeddedFs::new(crate::sources::demo::files(), "demo")),
            _ => {
                return Err(NoDocs(format!(
                    "`dir:` docs are read beside a descriptor file, and this one came from {}",
                    crate::text::sanitize_line(location)
                )));
            }
        };
        let base = PathBuf::from(file);
        let base = base.parent().map(PathBuf::from).unwrap_or_default();
        let dir = normalize(&base.join(dir.trim()));
        return Ok(DocsSource::Files { vfs, dir });
    }
    if let Some(url) = r.strip_prefix("url:") {
        return Ok(DocsSource::Url {
            url: url.trim().to_owned(),
        });
    }
    Err(NoDocs(format!(
        "its {ANNOTATION_REF} `{}` is neither `dir:` nor `url:`",
        crate::text::sanitize_line(r)
    )))
}

/// Whether an entity's docs can be read, as far as can be told without fetching anything (the
/// scorecards' `docs: techdocs` rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocsCheck {
    /// The docs folder is there, with a `mkdocs.yml` or a `docs/` folder: where.
    Resolves(String),
    /// No docs, or they point at nothing: why.
    Missing(String),
    /// Cannot be told without a fetch (a `url:` ref, docs a Backstage builds): why.
    Unchecked(String),
}

/// Resolves an entity's docs as the Docs tab does and checks the site is there: a `dir:`
/// folder holding `mkdocs.yml` (or a `docs/` folder, which MkDocs reads by default).
pub fn check_docs(catalog: &Catalog, e: &Entity) -> DocsCheck {
    if !has_docs(e) {
        return DocsCheck::Missing(format!("no {ANNOTATION_REF} annotation"));
    }
    // A `dir:` ref of an entity read from elsewhere than files (Port, a URL location) is
    // relative to a repository greenroom cannot see.
    let location = e.origin.location.as_ref();
    let read_from_files = location.starts_with("file:") || location.starts_with("embedded:");
    if e.annotation(ANNOTATION_ENTITY).is_none()
        && backstage_base(e).is_none()
        && !read_from_files
        && e.annotation(ANNOTATION_REF)
            .is_some_and(|r| r.trim().starts_with("dir:"))
    {
        return DocsCheck::Unchecked(format!(
            "`dir:` docs beside a descriptor read from {}, which greenroom cannot read",
            location.split(':').next().unwrap_or("elsewhere")
        ));
    }
    match docs_source(catalog, e, &[]) {
        Err(NoDocs(why)) => DocsCheck::Missing(why),
        Ok(resolved) => match resolved.source {
            DocsSource::Files { vfs, dir } => {
                if vfs.kind(&dir) != PathKind::Dir {
                    return DocsCheck::Missing(format!(
                        "the docs folder {} does not exist",
                        vfs.display(&dir)
                    ));
                }
                let site = ["mkdocs.yml", "mkdocs.yaml"]
                    .iter()
                    .any(|n| matches!(vfs.kind(&dir.join(n)), PathKind::File(_)))
                    || vfs.kind(&dir.join("docs")) == PathKind::Dir;
                if site {
                    DocsCheck::Resolves(vfs.display(&dir))
                } else {
                    DocsCheck::Missing(format!(
                        "{} has neither a mkdocs.yml nor a docs/ folder",
                        vfs.display(&dir)
                    ))
                }
            }
            DocsSource::Url { url } => {
                DocsCheck::Unchecked(format!("the docs are at {url}; not fetched to check"))
            }
            DocsSource::Backstage { base_url, .. } => DocsCheck::Unchecked(format!(
                "the docs are built by the Backstage at {base_url}; not asked to check"
            )),
        },
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;
    use crate::sources::{LoadOptions, Source, files::FileSource};

    fn component(name: &str, annotations: &str) -> String {
        format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations: {{ {annotations} }}\nspec: {{ type: service, lifecycle: production, owner: team }}\n"
        )
    }

    #[test]
    fn docs_resolve_only_when_the_site_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("site/mkdocs.yml", "site_name: x\n");
        write("bare/docs/index.md", "# x\n");
        write("empty/.keep", "");
        let mut yaml = String::new();
        for (name, ann) in [
            ("site", "backstage.io/techdocs-ref: 'dir:site'"),
            ("bare", "backstage.io/techdocs-ref: 'dir:./bare'"),
            ("empty", "backstage.io/techdocs-ref: 'dir:empty'"),
            ("gone", "backstage.io/techdocs-ref: 'dir:nowhere'"),
            (
                "url",
                "backstage.io/techdocs-ref: 'url:https://git.example/x'",
            ),
            ("borrow", "backstage.io/techdocs-entity: component:site"),
            (
                "dangling",
                "backstage.io/techdocs-entity: component:missing",
            ),
            ("none", "a.example/x: y"),
        ] {
            yaml.push_str(&component(name, ann));
        }
        write("catalog-info.yaml", &yaml);
        let source = FileSource::disk(&[dir.path().to_path_buf()]).unwrap();
        let catalog = crate::sources::load(
            &[Box::new(source) as Box<dyn Source>],
            &LoadOptions {
                online: false,
                ..LoadOptions::default()
            },
        );
        let check = |name: &str| {
            check_docs(
                &catalog,
                catalog.get(&format!("component:default/{name}")).unwrap(),
            )
        };
        assert!(matches!(check("site"), DocsCheck::Resolves(w) if w.ends_with("site")));
        assert!(matches!(check("bare"), DocsCheck::Resolves(_)));
        assert!(matches!(check("borrow"), DocsCheck::Resolves(_)));
        assert!(
            matches!(check("empty"), DocsCheck::Missing(w) if w.contains("neither a mkdocs.yml")),
            "{:?}",
            check("empty")
        );
        assert!(matches!(check("gone"), DocsCheck::Missing(w) if w.contains("does not exist")));
        assert!(
            matches!(check("dangling"), DocsCheck::Missing(w) if w.contains("not in the catalogue"))
        );
        assert!(
            matches!(check("none"), DocsCheck::Missing(w) if w.contains("no backstage.io/techdocs-ref"))
        );
        assert!(matches!(check("url"), DocsCheck::Unchecked(w) if w.contains("not fetched")));
    }
}
