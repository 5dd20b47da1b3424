//! Shared by the status tests: the test catalogue, a fast config against the fake, and a wait
//! that is driven by the store's change notifications (no sleeps as assertions).

#![allow(dead_code)]

use greenroom::catalog::Catalog;
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use greenroom::status::fake::{FakeNames, FakeUpstream};
use greenroom::status::{StatusChanged, StatusConfig, StatusService, StatusStore, Target, Widget};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

pub fn catalog() -> Catalog {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/status/catalog");
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[dir]).unwrap());
    let options = LoadOptions {
        online: false,
        ..LoadOptions::default()
    };
    let catalog = sources::load(&[source], &options);
    assert_eq!(catalog.error_count(), 0, "{:?}", catalog.diagnostics());
    catalog
}

/// Every source at the fake, polling every `interval`, with short timeouts and backoff.
pub fn config(fake: &FakeUpstream, interval: Duration) -> StatusConfig {
    let mut c = fake.status_config();
    c.request_timeout = Duration::from_millis(1000);
    c.connect_timeout = Duration::from_millis(1000);
    c.backoff_base = Duration::from_millis(20);
    c.backoff_cap = Duration::from_millis(100);
    c.max_retries = 3;
    for s in [
        &mut c.pagerduty,
        &mut c.github,
        &mut c.gitlab,
        &mut c.argocd,
        &mut c.kubernetes,
        &mut c.prometheus,
    ] {
        s.interval = Some(interval);
    }
    c.health.interval = Some(interval);
    c.health.timeout = Some(Duration::from_millis(1000));
    c
}

pub struct Harness {
    pub fake: FakeUpstream,
    pub service: StatusService,
    pub changes: UnboundedReceiver<StatusChanged>,
    pub catalog: Catalog,
}

pub async fn harness(interval: Duration) -> Harness {
    harness_with(interval, |_| {}).await
}

pub async fn harness_with(interval: Duration, tweak: impl FnOnce(&mut StatusConfig)) -> Harness {
    let catalog = catalog();
    let fake = FakeUpstream::start_with(FakeNames::from_catalog(&catalog))
        .await
        .unwrap();
    let mut c = config(&fake, interval);
    tweak(&mut c);
    let service = StatusService::start(c);
    let (tx, changes) = tokio::sync::mpsc::unbounded_channel();
    service.store().subscribe(tx);
    Harness {
        fake,
        service,
        changes,
        catalog,
    }
}

impl Harness {
    pub fn targets(&self, entity: &str) -> Vec<Target> {
        let e = self.catalog.resolve(entity).unwrap();
        self.service.targets_for(e)
    }

    pub fn target(
        &self,
        entity: &str,
        widget: Widget,
        source: greenroom::status::Source,
    ) -> Target {
        self.targets(entity)
            .into_iter()
            .find(|t| t.widget == widget && t.source == source)
            .unwrap_or_else(|| panic!("{entity} has no {widget:?} target from {source:?}"))
    }

    /// Waits (at most 20 s) until `cond` holds, re-checking on every store change.
    pub async fn until(&mut self, what: &str, cond: impl Fn(&StatusStore) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !cond(self.service.store()) {
            match tokio::time::timeout_at(deadline, self.changes.recv()).await {
                Ok(Some(_)) => {}
                _ => panic!("timed out waiting for {what}"),
            }
        }
    }
}
