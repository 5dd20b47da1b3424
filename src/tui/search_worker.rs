//! Searching off the UI thread. The worker always answers the newest request: requests that
//! queued up while it was busy are skipped, so typing fast never builds a backlog.

use super::app::AppEvent;
use crate::search::{Hit, Query, SearchIndex};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use tokio::sync::mpsc::UnboundedSender;

pub struct Request {
    pub index: Arc<SearchIndex>,
    /// The graded scorecards, for `level:` filters.
    pub board: Option<Arc<crate::scorecard::Board>>,
    pub generation: u64,
    pub query: Query,
    pub within: Option<Arc<Vec<Hit>>>,
}

pub struct SearchWorker {
    tx: Sender<Request>,
}

impl SearchWorker {
    pub fn start(events: UnboundedSender<AppEvent>) -> SearchWorker {
        let (tx, rx) = channel::<Request>();
        std::thread::Builder::new()
            .name("greenroom-search".into())
            .spawn(move || serve(rx, events))
            .expect("spawning the search thread");
        SearchWorker { tx }
    }

    pub fn request(&self, r: Request) {
        let _ = self.tx.send(r);
    }
}

fn serve(rx: Receiver<Request>, events: UnboundedSender<AppEvent>) {
    while let Ok(mut request) = rx.recv() {
        while let Ok(newer) = rx.try_recv() {
            request = newer;
        }
        let mut hits = request
            .index
            .search_within(&request.query, request.within.as_deref().map(|v| &v[..]));
        filter_levels(request.board.as_deref(), &request.query, &mut hits);
        let facets = request.index.facets(&hits);
        let sent = events.send(AppEvent::Searched {
            generation: request.generation,
            query: request.query,
            hits: Arc::new(hits),
            facets,
        });
        if sent.is_err() {
            return;
        }
    }
}

/// Applies the query's `level:` filters; without a graded board they match nothing.
pub fn filter_levels(board: Option<&crate::scorecard::Board>, query: &Query, hits: &mut Vec<Hit>) {
    match board {
        Some(b) => b.filter_hits(query, hits),
        None if crate::scorecard::has_level_terms(query) => hits.clear(),
        None => {}
    }
}
