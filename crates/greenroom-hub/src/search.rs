//! One search pool for every session. Each session's newest request replaces its older
//! pending one (latest wins, so fast typing never builds a backlog), and sessions are served
//! in turn so one busy typist cannot starve another. Answers go back through the reply the
//! request carries.

use greenroom_core::scorecard::Board;
use greenroom_core::search::{Facets, Hit, Levels, Query, SearchIndex};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};

pub struct SearchRequest {
    pub index: Arc<SearchIndex>,
    pub generation: u64,
    pub query: Query,
    /// Results of a query this one narrows, to search within.
    pub within: Option<Arc<Vec<Hit>>>,
    /// The graded scorecards, answering `level:` filters (none: no entity has a level).
    pub levels: Option<Arc<Board>>,
}

pub struct SearchAnswer {
    pub generation: u64,
    pub query: Query,
    pub hits: Arc<Vec<Hit>>,
    pub facets: Facets,
}

/// Where an answer goes (a session's event channel).
pub type Reply = Box<dyn FnOnce(SearchAnswer) + Send>;

/// Runs one request here and now.
pub fn answer(request: SearchRequest) -> SearchAnswer {
    let hits = request.index.search_graded(
        &request.query,
        request.within.as_deref().map(|v| &v[..]),
        request.levels.as_deref().map(|b| b as &dyn Levels),
    );
    let facets = request.index.facets(&hits);
    SearchAnswer {
        generation: request.generation,
        query: request.query,
        hits: Arc::new(hits),
        facets,
    }
}

#[derive(Default)]
struct Queue {
    /// Sessions with a request waiting, oldest first.
    order: VecDeque<u64>,
    pending: HashMap<u64, (SearchRequest, Reply)>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// Closes the queue when the last handle goes, so the threads end.
struct Owner(Arc<Shared>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.ready.notify_all();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Cheap to clone; every clone is the same pool.
#[derive(Clone)]
pub struct SearchPool {
    shared: Option<Arc<Owner>>,
}

impl SearchPool {
    /// A pool of `threads` searching threads (at least one).
    pub fn start(threads: usize) -> SearchPool {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        for n in 0..threads.max(1) {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("greenroom-search-{n}"))
                .spawn(move || serve(&shared));
            if let Err(e) = spawned {
                tracing::warn!("cannot start a search thread: {e}");
            }
        }
        SearchPool {
            shared: Some(Arc::new(Owner(shared))),
        }
    }

    /// A pool that answers on the caller's thread before `request` returns (headless tests).
    pub fn inline() -> SearchPool {
        SearchPool { shared: None }
    }

    /// Asks for a search for session `client`; replaces that session's request still waiting.
    pub fn request(&self, client: u64, request: SearchRequest, reply: Reply) {
        let Some(owner) = &self.shared else {
            reply(answer(request));
            return;
        };
        let shared = &owner.0;
        let mut queue = shared.lock();
        if queue.pending.insert(client, (request, reply)).is_none() {
            queue.order.push_back(client);
        }
        drop(queue);
        shared.ready.notify_one();
    }

    /// Requests waiting (not yet taken by a thread).
    pub fn waiting(&self) -> usize {
        self.shared.as_ref().map_or(0, |o| o.0.lock().pending.len())
    }
}

fn serve(shared: &Shared) {
    loop {
        let (request, reply) = {
            let mut queue = shared.lock();
            loop {
                if queue.closed {
                    return;
                }
                if let Some(client) = queue.order.pop_front()
                    && let Some(job) = queue.pending.remove(&client)
                {
                    break job;
                }
                queue = shared.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
            }
        };
        reply(answer(request));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenroom_core::catalog::Catalog;
    use std::sync::mpsc::channel;

    fn index() -> Arc<SearchIndex> {
        Arc::new(SearchIndex::build(&Catalog::default()))
    }

    fn request(generation: u64) -> SearchRequest {
        SearchRequest {
            index: index(),
            generation,
            query: Query::default(),
            within: None,
            levels: None,
        }
    }

    #[test]
    fn the_newest_request_of_a_session_replaces_the_waiting_one() {
        // Built by hand with no thread, so the queue can be inspected.
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        let pool = SearchPool {
            shared: Some(Arc::new(Owner(shared.clone()))),
        };
        let (tx, rx) = channel();
        for g in 1..=3 {
            let tx = tx.clone();
            pool.request(
                7,
                request(g),
                Box::new(move |a| tx.send((7, a.generation)).unwrap()),
            );
        }
        let tx2 = tx.clone();
        pool.request(
            9,
            request(1),
            Box::new(move |a| tx2.send((9, a.generation)).unwrap()),
        );
        assert_eq!(pool.waiting(), 2, "one per session");
        let worker = {
            let shared = shared.clone();
            std::thread::spawn(move || serve(&shared))
        };
        let mut got = vec![rx.recv().unwrap(), rx.recv().unwrap()];
        got.sort();
        assert_eq!(got, vec![(7, 3), (9, 1)], "only the newest of session 7");
        drop(pool);
        worker.join().unwrap();
    }

    #[test]
    fn the_threads_answer_and_end_with_the_pool() {
        let pool = SearchPool::start(2);
        let (tx, rx) = channel();
        pool.request(
            1,
            request(5),
            Box::new(move |a| tx.send(a.generation).unwrap()),
        );
        assert_eq!(rx.recv().unwrap(), 5);
        drop(pool);
    }

    #[test]
    fn an_inline_pool_answers_before_returning() {
        let pool = SearchPool::inline();
        let got = Arc::new(Mutex::new(None));
        let g = got.clone();
        pool.request(
            1,
            request(4),
            Box::new(move |a| *g.lock().unwrap() = Some(a.generation)),
        );
        assert_eq!(*got.lock().unwrap(), Some(4));
    }
}
