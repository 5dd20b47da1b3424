//! Following the disk for real: a temp folder of descriptors watched through the hub's
//! `DiskWatch` (the `notify` crate), a headless session on the hub, and files edited,
//! broken and deleted underneath it. Each step waits for the session to see the change with a
//! bounded deadline (never a fixed sleep): the portal updates without a key, keeps its page on
//! the same entity, keeps a broken file's last good entities beside its problem, and says when
//! the open entity is gone.

use greenroom::hub::watch::DiskWatch;
use greenroom::hub::{CatalogService, Hub, RunService, SearchPool, SourcesLoader, StatusService};
use greenroom::sources::files::FileSource;
use greenroom::tui::app::Screen;
use greenroom::tui::entity::rows::Tab;
use greenroom::tui::session::{PlainHost, Session};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod ui_support;

const DEADLINE: Duration = Duration::from_secs(20);

const GROUP: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n";

fn component(name: &str, description: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: {description}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
}

/// Pumps the session until `done` holds, at most [`DEADLINE`]; returns how long it took.
async fn until(
    session: &mut Session<std::io::Sink>,
    what: &str,
    done: impl Fn(&Session<std::io::Sink>) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        session.pump();
        if done(session) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{what}: not seen within {DEADLINE:?}; notice: {:?}",
            session.app.notice.as_ref().map(|n| &n.text)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn description(session: &Session<std::io::Sink>, key: &str) -> Option<String> {
    let e = session.app.catalog.get(key)?;
    e.data["metadata"]["description"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_on_disk_reach_the_open_page_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("catalog-info.yaml"), GROUP).unwrap();
    let svc = root.join("svc");
    std::fs::create_dir(&svc).unwrap();
    let file = svc.join("catalog-info.yaml");
    std::fs::write(&file, component("svc", "first words")).unwrap();

    let source = FileSource::disk(std::slice::from_ref(&root)).unwrap();
    let loader = Arc::new(SourcesLoader::new(
        vec![Box::new(source)],
        ui_support::offline(),
    ));
    let catalog = CatalogService::new(loader);
    let hub = Hub::new(
        catalog.clone(),
        StatusService::waiting(),
        RunService::new(),
        SearchPool::start(1),
    );
    let _watch = DiskWatch::start(std::slice::from_ref(&root), catalog.clone()).unwrap();
    hub.catalog.reload();
    let mut session = Session::new(
        &hub,
        ui_support::test_app("test"),
        std::io::sink(),
        (80, 24),
        Box::new(PlainHost),
    )
    .unwrap();
    until(&mut session, "the first load", |s| s.app.catalog.len() == 2).await;
    session
        .app
        .open_entity("component:default/svc", Tab::Overview);
    let on_svc = |s: &Session<std::io::Sink>| matches!(s.app.screen(), Screen::Entity(e) if e.key == "component:default/svc");

    // An edit saved in another terminal.
    std::fs::write(&file, component("svc", "second words")).unwrap();
    let took = until(&mut session, "the edit", |s| {
        description(s, "component:default/svc").as_deref() == Some("second words")
    })
    .await;
    eprintln!("an edit on disk reached the session in {took:?}");
    assert!(on_svc(&session), "the page stays on the entity");
    let notice = session.app.notice.clone().unwrap();
    assert!(!notice.error);
    assert_eq!(notice.text, "↻ catalog-info.yaml changed: read again");

    // Broken half-way through an edit: the last good entity stays, and the problem shows.
    std::fs::write(
        &file,
        component("svc", "third words").replace("name: svc", "name: [svc"),
    )
    .unwrap();
    until(&mut session, "the broken file", |s| {
        s.app.catalog.error_count() > 0
    })
    .await;
    assert_eq!(
        description(&session, "component:default/svc").as_deref(),
        Some("second words")
    );
    assert!(on_svc(&session));
    let notice = session.app.notice.clone().unwrap();
    assert!(notice.error, "{}", notice.text);
    assert!(
        notice.text.contains("catalog-info.yaml:"),
        "{}",
        notice.text
    );

    // Fixed again.
    std::fs::write(&file, component("svc", "fourth words")).unwrap();
    until(&mut session, "the fix", |s| {
        description(s, "component:default/svc").as_deref() == Some("fourth words")
    })
    .await;
    assert_eq!(session.app.catalog.error_count(), 0);

    // Deleted: the page goes, and it says why.
    std::fs::remove_file(&file).unwrap();
    until(&mut session, "the deletion", |s| {
        s.app.catalog.get("component:default/svc").is_none()
    })
    .await;
    assert!(!on_svc(&session));
    let notice = session.app.notice.clone().unwrap();
    assert!(
        notice
            .text
            .contains("component:default/svc is no longer in the catalogue"),
        "{}",
        notice.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_in_git_and_node_modules_read_nothing_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("catalog-info.yaml"), GROUP).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("node_modules/x")).unwrap();
    let source = FileSource::disk(std::slice::from_ref(&root)).unwrap();
    let catalog = CatalogService::new(Arc::new(SourcesLoader::new(
        vec![Box::new(source)],
        ui_support::offline(),
    )));
    let mut snapshots = catalog.subscribe();
    let _watch = DiskWatch::start(std::slice::from_ref(&root), catalog.clone()).unwrap();
    std::fs::write(root.join(".git/index"), "x").unwrap();
    std::fs::write(root.join("node_modules/x/catalog-info.yaml"), GROUP).unwrap();
    // Then a change that counts: the first reload seen must be the one it started.
    std::fs::write(
        root.join("catalog-info.yaml"),
        GROUP.replace("team-a", "team-b"),
    )
    .unwrap();
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < DEADLINE, "no reload");
        tokio::time::timeout(DEADLINE, snapshots.changed())
            .await
            .unwrap()
            .unwrap();
        let s = snapshots.borrow_and_update().clone();
        if s.is_loaded() {
            assert_eq!(s.trigger.as_deref(), Some("catalog-info.yaml changed"));
            assert!(s.catalog.get("group:default/team-b").is_some());
            break;
        }
    }
}
