//! TechDocs end to end: the demo's seven sites all open and every page renders at 80 and 120
//! columns; snapshots of rendered pages (headings, a table, code, admonitions); nav and
//! intra-doc links; docs search ranking over the demo; `techdocs-entity` reuse; and a
//! TechDocs backend (its metadata, built HTML and search index) served by a local fake from a
//! pre-built MkDocs-shaped site (`tests/fixtures/techdocs-site/`).

use docs_support::fake_backend;
use greenroom::catalog::Catalog;
use greenroom::sources::{self, LoadOptions, Source};
use greenroom::techdocs::{self, DocsSource, Link, Site, layout, layout::plain};

mod docs_support;

fn load(source: Box<dyn Source>) -> Catalog {
    let opts = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    sources::load(&[source], &opts)
}

fn demo() -> Catalog {
    load(Box::new(sources::demo::source()))
}

fn site_of(catalog: &Catalog, key: &str) -> Site {
    let e = catalog.get(key).unwrap();
    let r = techdocs::docs_source(catalog, e, &[]).unwrap();
    Site::open(&r.source, false).unwrap()
}

fn page(site: &Site, path: &str, width: usize) -> String {
    let doc = site.document(site.find_page(path).unwrap()).unwrap();
    plain(&layout(&doc, width))
}

#[test]
fn the_demos_seven_sites_all_render_at_80_and_120() {
    let catalog = demo();
    let sites = techdocs::catalog_sources(&catalog, &[]);
    assert_eq!(
        sites.len(),
        7,
        "{:?}",
        sites.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    let mut pages = 0;
    for (key, source) in &sites {
        let site = Site::open(source, false).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert!(site.problems.is_empty(), "{key}: {:?}", site.problems);
        assert!(!site.nav.is_empty(), "{key}");
        for (i, p) in site.pages.iter().enumerate() {
            let doc = site
                .document(i)
                .unwrap_or_else(|e| panic!("{key} {}: {e}", p.path));
            assert!(doc.title().is_some(), "{key} {} has no heading", p.path);
            for width in [80, 120] {
                let laid = layout(&doc, width);
                for l in laid.lines.iter().filter(|l| !l.code) {
                    assert!(
                        l.width() <= width,
                        "{key} {} at {width}: {:?}",
                        p.path,
                        l.text()
                    );
                }
                // Every intra-doc link leads to a page of the site.
                for (link, _) in &laid.links {
                    if let Link::Page { path, .. } = link
                        && !path.starts_with("img/")
                    {
                        assert!(
                            site.find_page(path).is_some(),
                            "{key} {}: link to {path}",
                            p.path
                        );
                    }
                }
            }
            pages += 1;
        }
    }
    assert_eq!(pages, 24, "every page of the seven sites");
}

#[test]
fn checkout_runbook_at_80_and_120() {
    let catalog = demo();
    let site = site_of(&catalog, "component:default/checkout-service");
    insta::assert_snapshot!("checkout_runbook_80", page(&site, "runbook.md", 80));
    insta::assert_snapshot!("checkout_runbook_120", page(&site, "runbook.md", 120));
}

#[test]
fn admonitions_at_80_and_120() {
    let catalog = demo();
    let checkout = site_of(&catalog, "component:default/checkout-service");
    insta::assert_snapshot!(
        "checkout_architecture_80",
        page(&checkout, "architecture.md", 80)
    );
    let payments = site_of(&catalog, "component:default/payments-gateway");
    insta::assert_snapshot!("payments_index_120", page(&payments, "index.md", 120));
}

#[test]
fn nav_and_intra_doc_links() {
    let catalog = demo();
    let site = site_of(&catalog, "component:default/checkout-service");
    let titles: Vec<String> = site.nav_lines().into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(
        titles,
        ["Overview", "Architecture", "Runbook", "On-sale playbook"]
    );
    let doc = site.document(0).unwrap();
    let laid = layout(&doc, 80);
    let targets: Vec<usize> = laid
        .links
        .iter()
        .filter_map(|(l, _)| match l {
            Link::Page { path, .. } => site.find_page(path),
            _ => None,
        })
        .collect();
    assert_eq!(targets, [1, 2, 3], "{:?}", laid.links);
}

#[test]
fn docs_search_ranks_headings_first_across_the_demo() {
    let catalog = demo();
    let index = techdocs::index_catalog(&catalog, &[], false, None, &|_, _| {});
    assert!(index.problems.is_empty(), "{:?}", index.problems);
    let hits = index.search("failover", 5);
    assert_eq!(hits[0].site, "Payments Gateway");
    assert_eq!(hits[0].heading, "Failover");
    assert_eq!(hits[0].anchor.as_deref(), Some("failover"));
    let hits = index.search("CheckoutHighErrorRate", 5);
    assert_eq!(hits[0].entity, "component:default/checkout-service");
    assert_eq!(hits[0].page_path, "runbook.md");
    // Every word must be found.
    assert!(index.search("checkout zzzunknown", 5).is_empty());
}

#[test]
fn techdocs_entity_reuses_another_entitys_docs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let write = |p: &str, t: &str| {
        let p = root.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    };
    write(
        "catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: lib\n  annotations:\n    backstage.io/techdocs-ref: dir:./site\nspec: {type: library, lifecycle: production, owner: team-a}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: app\n  annotations:\n    backstage.io/techdocs-entity: component:default/lib\n    backstage.io/techdocs-entity-path: /guide\nspec: {type: service, lifecycle: production, owner: team-a}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: none\nspec: {type: service, lifecycle: production, owner: team-a}\n",
    );
    write("site/mkdocs.yml", "site_name: Lib\n");
    write("site/docs/index.md", "# Lib\n");
    write("site/docs/guide.md", "# Guide\n");
    let catalog = load(Box::new(
        greenroom::sources::files::FileSource::disk(std::slice::from_ref(&root)).unwrap(),
    ));
    let app = catalog.get("component:default/app").unwrap();
    let r = techdocs::docs_source(&catalog, app, &[]).unwrap();
    assert_eq!(r.owner_key, "component:default/lib");
    assert_eq!(r.start_page.as_deref(), Some("guide"));
    let site = Site::open(&r.source, false).unwrap();
    assert_eq!(site.pages[site.find_page("guide").unwrap()].title, "Guide");
    let none = catalog.get("component:default/none").unwrap();
    let e = techdocs::docs_source(&catalog, none, &[]).unwrap_err();
    assert!(e.0.contains("no backstage.io/techdocs-ref"), "{e}");
    // The `docs:` search filter: the site is indexed once, and both entities reading it match.
    let index = techdocs::index_catalog(&catalog, &[], false, None, &|_, _| {});
    let pos = |key: &str| catalog.position(key).unwrap();
    let mut got: Vec<usize> = index.entities_matching("GUIDE").into_iter().collect();
    got.sort();
    let mut want = vec![pos("component:default/lib"), pos("component:default/app")];
    want.sort();
    assert_eq!(got, want);
    assert!(index.entities_matching("guide nosuchword").is_empty());
    assert!(index.entities_matching("  ").is_empty());
}

#[test]
fn a_techdocs_backends_built_site_renders_through_its_api() {
    let fake = fake_backend();
    let catalog = sources::load(
        &[Box::new(
            greenroom::sources::backstage::BackstageSource::new(fake.url.clone()),
        )],
        &LoadOptions::default(),
    );
    let e = catalog
        .get("component:default/petstore")
        .expect("read from the backend");
    let r = techdocs::docs_source(&catalog, e, &[]).unwrap();
    assert!(
        matches!(r.source, DocsSource::Backstage { .. }),
        "{:?}",
        r.source
    );
    // Offline, it says where the docs are instead of failing silently.
    let offline = Site::open(&r.source, false).unwrap_err();
    assert!(offline.contains("not available offline"), "{offline}");
    let site = Site::open(&r.source, true).unwrap();
    assert_eq!(site.name, "Petstore");
    assert_eq!(
        site.description.as_deref(),
        Some("How the petstore sells pets")
    );
    let titles: Vec<String> = site.nav_lines().into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(titles, ["Petstore", "Runbook"]);

    let home = site.document(0).unwrap();
    let text = home.plain_text();
    assert!(
        !text.contains("injected") && !text.contains("Material"),
        "{text}"
    );
    let laid = layout(&home, 80);
    let pages: Vec<(Option<usize>, Option<String>)> = laid
        .links
        .iter()
        .filter_map(|(l, _)| match l {
            Link::Page { path, anchor } if !path.starts_with("img/") => {
                Some((site.find_page(path), anchor.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        pages,
        [(Some(1), None), (Some(1), Some("restarting".into()))],
        "{:?}",
        laid.links
    );

    let runbook = site.document(1).unwrap();
    insta::assert_snapshot!("backstage_runbook_80", plain(&layout(&runbook, 80)));
    let back: Vec<Option<usize>> = layout(&runbook, 80)
        .links
        .iter()
        .filter_map(|(l, _)| match l {
            Link::Page { path, .. } => Some(site.find_page(path)),
            _ => None,
        })
        .collect();
    assert_eq!(back, [Some(0)]);

    let mut index = techdocs::DocsIndex::default();
    index.add_site(&r.owner_key, &site);
    let hits = index.search("restart", 5);
    assert_eq!(hits[0].page_path, "runbook/");
    assert_eq!(hits[0].anchor.as_deref(), Some("restarting"));
    let asked = fake.requests.lock().unwrap().clone();
    assert!(
        asked
            .iter()
            .any(|p| p.ends_with("/search/search_index.json")),
        "{asked:?}"
    );
}

#[test]
fn a_backend_without_the_docs_says_so() {
    let fake = fake_backend();
    let src = DocsSource::Backstage {
        base_url: fake.url.clone(),
        token_env: None,
        namespace: "default".into(),
        kind: "component".into(),
        name: "unbuilt".into(),
    };
    let e = Site::open(&src, true).unwrap_err();
    assert!(e.contains("404") && e.contains("not built yet"), "{e}");
}

#[test]
fn a_backends_docs_are_kept_with_the_catalogue_cache_and_open_offline() {
    let fake = fake_backend();
    let tmp = tempfile::tempdir().unwrap();
    let catalog_cache = greenroom::sources::cache::CatalogCache::new(tmp.path());
    let cache = techdocs::DocsCache::new(&catalog_cache);
    let src = DocsSource::Backstage {
        base_url: fake.url.clone(),
        token_env: None,
        namespace: "default".into(),
        kind: "component".into(),
        name: "petstore".into(),
    };
    // Offline with nothing cached: where the docs are, and that they are not cached yet.
    let e = Site::open_with(&src, false, Some(&cache)).unwrap_err();
    assert!(
        e.contains("not available offline") && e.contains("not in the cache"),
        "{e}"
    );
    // Online: read from the backend, the home page kept as it is read.
    let site = Site::open_with(&src, true, Some(&cache)).unwrap();
    assert!(site.remote && site.cached.is_none());
    let home = site.document(0).unwrap().plain_text();
    drop(site);
    // Offline: the same site from the cache, the page read before, and a clear word for the
    // page never read.
    let offline = Site::open_with(&src, false, Some(&cache)).unwrap();
    assert!(!offline.remote);
    let why = offline.cached.clone().unwrap();
    assert!(why.starts_with("offline: the copy cached"), "{why}");
    assert_eq!(offline.name, "Petstore");
    let titles: Vec<String> = offline.nav_lines().into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(titles, ["Petstore", "Runbook"]);
    assert_eq!(offline.document(0).unwrap().plain_text(), home);
    let e = offline.document(1).unwrap_err();
    assert!(e.contains("not in the cache"), "{e}");
    // Online but the backend is gone: the cached copy, saying why.
    fake.stop();
    let unreachable = Site::open_with(&src, true, Some(&cache)).unwrap();
    let why = unreachable.cached.clone().unwrap();
    assert!(why.starts_with("unreachable"), "{why}");
    assert_eq!(unreachable.document(0).unwrap().plain_text(), home);
    // `greenroom cache info` lists it; `cache clear` removes it with the catalogue's files.
    let info = catalog_cache.info();
    assert!(
        info.iter()
            .any(|f| f.kind == "docs" && f.problem.is_none() && f.source.contains("petstore")),
        "{info:?}"
    );
    assert_eq!(catalog_cache.clear().unwrap(), 1);
    assert!(Site::open_with(&src, false, Some(&cache)).is_err());
}
