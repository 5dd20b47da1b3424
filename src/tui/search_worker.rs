//! Searching off the UI thread. The worker always answers the newest request: requests that
//! queued up while it was busy are skipped, and a search running when a newer one is asked
//! gives up, so typing fast never builds a backlog. Only the first [`RANKED`] hits are put
//! in rank order (the list ranks the rest if someone scrolls that far).

use super::app::AppEvent;
use crate::search::{Hit, Query, SearchIndex};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use tokio::sync::mpsc::UnboundedSender;

pub struct Request {
    pub index: Arc<SearchIndex>,
    pub generation: u64,
    pub query: Query,
    pub within: Option<Arc<Vec<Hit>>>,
}

/// Hits ranked by the worker: more than any screen shows.
pub const RANKED: usize = 1_000;

pub struct SearchWorker {
    tx: Sender<Request>,
    /// The newest generation asked for: a search for an older one stops.
    newest: Arc<AtomicU64>,
}

impl SearchWorker {
    pub fn start(events: UnboundedSender<AppEvent>) -> SearchWorker {
        let (tx, rx) = channel::<Request>();
        let newest = Arc::new(AtomicU64::new(0));
        let seen = newest.clone();
        std::thread::Builder::new()
            .name("greenroom-search".into())
            .spawn(move || serve(rx, events, &seen))
            .expect("spawning the search thread");
        SearchWorker { tx, newest }
    }

    pub fn request(&self, r: Request) {
        self.newest.fetch_max(r.generation, Ordering::SeqCst);
        let _ = self.tx.send(r);
    }
}

fn serve(rx: Receiver<Request>, events: UnboundedSender<AppEvent>, newest: &AtomicU64) {
    while let Ok(mut request) = rx.recv() {
        while let Ok(newer) = rx.try_recv() {
            request = newer;
        }
        let generation = request.generation;
        let stale = || newest.load(Ordering::SeqCst) > generation;
        let Some(hits) = request.index.search_top_cancellable(
            &request.query,
            request.within.as_deref().map(|v| &v[..]),
            RANKED,
            &stale,
        ) else {
            // A newer request is in the channel: answer that one.
            continue;
        };
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
