//! Scorecard grades, once for every session. Grading the catalogue is the expensive part of
//! the scorecard views (a second per 100k entities); every session of a process grades the
//! same cards against the same catalogue snapshot and the same live facts, so the hub keeps
//! the last board and hands the same `Arc`s to each session asking for the same inputs. A
//! session asking while another grades waits for that grading instead of starting its own.

use greenroom_core::catalog::Catalog;
use greenroom_core::scorecard::{self, Board, Inputs, Scorecard, TeamRow};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One grading of the whole catalogue.
pub struct Graded {
    /// The cards graded: the files' and, after them, Port's from the catalogue.
    pub cards: Arc<Vec<Scorecard>>,
    pub board: Arc<Board>,
    pub teams: Arc<Vec<TeamRow>>,
}

/// What a grading is for: the scorecard files (by content), the catalogue snapshot and the
/// live facts' version.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Key {
    cards: u64,
    catalog: usize,
    live: u64,
}

/// The last grading: what it was for (the catalogue held, so its address is not reused).
type Last = (Key, Arc<Catalog>, Arc<Graded>);

#[derive(Default)]
struct Inner {
    last: Mutex<Option<Last>>,
    gradings: AtomicU64,
}

/// Cheap to clone; every clone is the same service.
#[derive(Clone, Default)]
pub struct ScoreService {
    inner: Arc<Inner>,
}

/// A fingerprint of scorecards' content, so sessions that loaded the same files separately
/// share one grading.
pub fn fingerprint(cards: &[Scorecard]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{cards:?}").hash(&mut h);
    h.finish()
}

impl ScoreService {
    pub fn new() -> ScoreService {
        ScoreService::default()
    }

    /// The grades of `catalog` against `file_cards` (fingerprinted `cards_key`) and Port's
    /// cards in the catalogue, with live facts at `live_version`: the board already graded
    /// for these inputs, or graded now (once, whoever asks meanwhile waits for it).
    pub fn graded(
        &self,
        file_cards: &[Scorecard],
        cards_key: u64,
        catalog: &Arc<Catalog>,
        live_version: u64,
        live: &dyn scorecard::LiveFacts,
        repo: &dyn scorecard::RepoFiles,
    ) -> (Arc<Graded>, bool) {
        let key = Key {
            cards: cards_key,
            catalog: Arc::as_ptr(catalog) as usize,
            live: live_version,
        };
        let mut last = self.inner.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, c, g)) = last.as_ref()
            && *k == key
            && Arc::ptr_eq(c, catalog)
        {
            return (g.clone(), false);
        }
        let mut cards = file_cards.to_vec();
        for c in scorecard::port::from_catalog(catalog) {
            if !cards.iter().any(|x| x.id == c.id) {
                cards.push(c);
            }
        }
        let cards = Arc::new(cards);
        let inputs = Inputs {
            catalog,
            live,
            repo,
        };
        let grades = scorecard::grade_all(&cards, &inputs);
        let board = Board::new(cards.clone(), grades, catalog);
        let teams = board.teams(catalog);
        let graded = Arc::new(Graded {
            cards,
            board: Arc::new(board),
            teams: Arc::new(teams),
        });
        self.inner.gradings.fetch_add(1, Ordering::Relaxed);
        *last = Some((key, catalog.clone(), graded.clone()));
        (graded, true)
    }

    /// Gradings of a whole catalogue so far, by every session.
    pub fn gradings(&self) -> u64 {
        self.inner.gradings.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenroom_core::scorecard::facts::{LocalRepos, NoLive};

    #[test]
    fn the_same_inputs_are_graded_once() {
        let loaded = scorecard::sources::demo();
        let catalog = Arc::new(greenroom_core::sources::load(
            &[Box::new(greenroom_core::sources::demo::source()) as _],
            &greenroom_core::sources::LoadOptions {
                online: false,
                ..Default::default()
            },
        ));
        let key = fingerprint(&loaded.cards);
        let service = ScoreService::new();
        let (a, graded) = service.graded(&loaded.cards, key, &catalog, 1, &NoLive, &LocalRepos);
        assert!(graded);
        assert!(!a.board.grades.is_empty());
        let (b, graded) = service.graded(&loaded.cards, key, &catalog, 1, &NoLive, &LocalRepos);
        assert!(!graded);
        assert!(Arc::ptr_eq(&a.board, &b.board));
        assert_eq!(service.gradings(), 1);
        // New live facts, another catalogue or other cards: graded again.
        service.graded(&loaded.cards, key, &catalog, 2, &NoLive, &LocalRepos);
        let other = Arc::new((*catalog).clone());
        service.graded(&loaded.cards, key, &other, 2, &NoLive, &LocalRepos);
        service.graded(
            &loaded.cards[..1],
            fingerprint(&loaded.cards[..1]),
            &other,
            2,
            &NoLive,
            &LocalRepos,
        );
        assert_eq!(service.gradings(), 4);
    }
}
