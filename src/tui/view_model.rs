//! Screen view models, computed once per change and shared by update and draw. The rows of an
//! entity tab (or the problems, on-call and scorecards lists) and the on-call overview are
//! built from the catalogue, the live store and the screen's state; a keystroke used to build
//! them several times (moving the cursor, settling it, drawing). Now the first reader builds
//! them and the rest share that, until the app says something changed (`invalidate`: every
//! action and event, a screen change, a new catalogue or status service, a tick, a new width).

use super::entity::rows::Row;
use super::live::panel::StatusRows;
use crate::status::oncall::OnCallOverview;
use std::sync::{Arc, OnceLock};

#[derive(Default)]
pub struct ViewModels {
    rows: OnceLock<Arc<Vec<Row>>>,
    oncall: OnceLock<Arc<(OnCallOverview, StatusRows)>>,
    /// How many times a view model was built (for tests and the bench).
    built: std::sync::atomic::AtomicU64,
}

impl ViewModels {
    /// The rows on screen, built by `make` unless they already were since the last change.
    pub fn rows(&self, make: impl FnOnce() -> Vec<Row>) -> Arc<Vec<Row>> {
        self.rows
            .get_or_init(|| {
                self.count();
                Arc::new(make())
            })
            .clone()
    }

    /// The on-call view's overview and rows, likewise.
    pub fn oncall(
        &self,
        make: impl FnOnce() -> (OnCallOverview, StatusRows),
    ) -> Arc<(OnCallOverview, StatusRows)> {
        self.oncall
            .get_or_init(|| {
                self.count();
                Arc::new(make())
            })
            .clone()
    }

    /// Something they are built from changed: the next reader builds them again.
    pub fn invalidate(&mut self) {
        self.rows.take();
        self.oncall.take();
    }

    pub fn built(&self) -> u64 {
        self.built.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count(&self) {
        self.built
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_once_until_invalidated() {
        let mut v = ViewModels::default();
        let a = v.rows(|| vec![Row::text(vec![])]);
        let b = v.rows(|| panic!("built twice"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(v.built(), 1);
        v.invalidate();
        let c = v.rows(Vec::new);
        assert!(c.is_empty());
        assert_eq!(v.built(), 2);
    }
}
