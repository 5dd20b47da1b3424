//! Searching off the UI thread. The worker always answers the newest request: requests that
//! queued up while it was busy are skipped, so typing fast never builds a backlog.

use super::app::AppEvent;
use crate::search::{Hit, Query, SearchIndex};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use tokio::sync::mpsc::UnboundedSender;

pub struct Request {
    pub index: Arc<SearchIndex>,
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
        let hits = request
            .index
            .search_within(&request.query, request.within.as_deref().map(|v| &v[..]));
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
