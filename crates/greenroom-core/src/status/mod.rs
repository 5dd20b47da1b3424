//! Live status and on-call: fetchers for the systems an entity's annotations point at, a
//! scheduler that polls only what someone is looking at, and a store of last good values with
//! their age. No terminal in here; the UI reads the store and is told when it changes.
//!
//! ```no_run
//! # async fn demo(catalog: greenroom_core::catalog::Catalog) {
//! use greenroom_core::status::{StatusService, StatusConfig};
//! let service = StatusService::start(StatusConfig::default());
//! let (tx, mut changed) = tokio::sync::mpsc::unbounded_channel();
//! service.store().subscribe(tx);
//! let entity = catalog.get("component:default/payments").unwrap();
//! let targets = service.targets_for(entity);
//! service.set_interest("entity-view", targets.clone());
//! while let Some(_) = changed.recv().await {
//!     for entry in service.store().snapshot(&targets) {
//!         let now = tokio::time::Instant::now();
//!         println!("{:?} {}", entry.state(now), entry.age_text(now));
//!     }
//! }
//! # }
//! ```

pub mod config;
#[cfg(feature = "fake-upstream")]
pub mod fake;
pub mod fetch;
pub mod http;
pub mod oncall;
pub mod queue;
pub mod scheduler;
pub mod store;
pub mod target;
pub mod time;
pub mod value;

pub use config::StatusConfig;
pub use oncall::{OnCallOverview, oncall_targets};
pub use scheduler::{InterestKey, StatusService};
pub use store::{Entry, ErrorKind, ListenerId, State, StatusChanged, StatusError, StatusStore};
pub use target::{Source, Target, TargetId, Widget, targets_for};
pub use value::{Level, StatusValue};
