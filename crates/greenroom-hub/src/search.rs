//! One search pool for every session. Each session's newest request replaces its older
//! pending one (latest wins, so fast typing never builds a backlog), a search already running
//! for a session that asks again gives up mid-scan (its answer would be stale), and sessions
//! are served in turn so one busy typist cannot starve another. Only the first [`RANKED`]
//! hits of an answer are in rank order (the list ranks the rest if someone scrolls that far).
//! Answers go back through the reply the request carries.

use greenroom_core::scorecard::Board;
use greenroom_core::search::{Facets, Hit, Levels, Query, SearchIndex};
use greenroom_core::techdocs::{DocsAnswers, DocsIndex};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Hits an answer puts in rank order: more than any screen shows. Selecting the best this
/// many and sorting only them beats sorting every hit of a one-letter query.
pub const RANKED: usize = 1_000;

pub struct SearchRequest {
    pub index: Arc<SearchIndex>,
    pub generation: u64,
    pub query: Query,
    /// Results of a query this one narrows, to search within.
    pub within: Option<Arc<Vec<Hit>>>,
    /// The graded scorecards, answering `level:` filters (none: no entity has a level).
    pub levels: Option<Arc<Board>>,
    /// The TechDocs index, answering `docs:` filters (none: no entity's docs match).
    pub docs: Option<Arc<DocsIndex>>,
}

/// Answers the filters the search index does not hold: `level:` from the board, `docs:` from
/// the docs index (each `docs:` value looked up once per search, not once per entity).
struct Outside<'a> {
    board: Option<&'a Board>,
    docs: Option<DocsAnswers>,
}

impl<'a> Outside<'a> {
    fn new(request: &'a SearchRequest) -> Outside<'a> {
        Outside {
            board: request.levels.as_deref(),
            docs: request
                .docs
                .as_deref()
                .filter(|_| DocsAnswers::wanted(&request.query))
                .map(|index| DocsAnswers::new(index, &request.query)),
        }
    }
}

impl Levels for Outside<'_> {
    fn matches_level(&self, entity: usize, value: &str) -> bool {
        self.board
            .is_some_and(|b| Levels::matches_level(b, entity, value))
    }

    fn matches_docs(&self, entity: usize, words: &str) -> bool {
        self.docs.as_ref().is_some_and(|d| d.matches(entity, words))
    }
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
    answer_unless(request, &|| false).expect("a search nobody cancels finishes")
}

/// Runs one request, giving up (None) as soon as `stale` says a newer one makes it useless.
fn answer_unless(
    request: SearchRequest,
    stale: &(dyn Fn() -> bool + Sync),
) -> Option<SearchAnswer> {
    let outside = Outside::new(&request);
    let hits = request.index.search_top_cancellable(
        &request.query,
        request.within.as_deref().map(|v| &v[..]),
        RANKED,
        Some(&outside),
        stale,
    )?;
    drop(outside);
    let facets = request.index.facets(&hits);
    Some(SearchAnswer {
        generation: request.generation,
        query: request.query,
        hits: Arc::new(hits),
        facets,
    })
}

#[derive(Default)]
struct Queue {
    /// Sessions with a request waiting, oldest first.
    order: VecDeque<u64>,
    pending: HashMap<u64, (SearchRequest, Reply)>,
    /// Per session, the flag of its search a thread is running: set when it asks again.
    running: HashMap<u64, Arc<AtomicBool>>,
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
        if let Some(stale) = queue.running.get(&client) {
            stale.store(true, Ordering::Relaxed);
        }
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

/// A request a thread has taken, with the flag its session sets by asking again.
struct Job {
    client: u64,
    stale: Arc<AtomicBool>,
    request: SearchRequest,
    reply: Reply,
}

/// The next request to run, in session order; None once the pool is gone.
fn take(shared: &Shared) -> Option<Job> {
    let mut queue = shared.lock();
    loop {
        if queue.closed {
            return None;
        }
        if let Some(client) = queue.order.pop_front()
            && let Some((request, reply)) = queue.pending.remove(&client)
        {
            let stale = Arc::new(AtomicBool::new(false));
            queue.running.insert(client, stale.clone());
            return Some(Job {
                client,
                stale,
                request,
                reply,
            });
        }
        queue = shared.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
    }
}

/// Runs a job; a search made stale while it runs answers nothing (the session's newer
/// request is in the queue).
fn run(shared: &Shared, job: Job) {
    let Job {
        client,
        stale,
        request,
        reply,
    } = job;
    let answered = answer_unless(request, &|| stale.load(Ordering::Relaxed));
    {
        let mut queue = shared.lock();
        if queue
            .running
            .get(&client)
            .is_some_and(|s| Arc::ptr_eq(s, &stale))
        {
            queue.running.remove(&client);
        }
    }
    if let Some(a) = answered {
        reply(a);
    }
}

fn serve(shared: &Shared) {
    while let Some(job) = take(shared) {
        run(shared, job);
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
            docs: None,
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
    fn a_running_search_gives_up_when_its_session_asks_again() {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        let pool = SearchPool {
            shared: Some(Arc::new(Owner(shared.clone()))),
        };
        let (tx, rx) = channel();
        let reply = |tx: std::sync::mpsc::Sender<u64>| -> Reply {
            Box::new(move |a| tx.send(a.generation).unwrap())
        };
        pool.request(7, request(1), reply(tx.clone()));
        pool.request(9, request(1), reply(tx.clone()));
        // A thread takes session 7's search; session 9 asking again does not touch it.
        let first = take(&shared).unwrap();
        assert_eq!((first.client, first.request.generation), (7, 1));
        pool.request(9, request(2), reply(tx.clone()));
        assert!(!first.stale.load(Ordering::Relaxed));
        // Session 7 asks again while its search runs: that one answers nothing, the new one does.
        pool.request(7, request(2), reply(tx.clone()));
        assert!(first.stale.load(Ordering::Relaxed));
        run(&shared, first);
        assert!(rx.try_recv().is_err(), "a stale search answered");
        let mut got = Vec::new();
        for _ in 0..2 {
            let job = take(&shared).unwrap();
            got.push((job.client, job.request.generation));
            run(&shared, job);
        }
        got.sort();
        assert_eq!(got, vec![(7, 2), (9, 2)]);
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), vec![2, 2]);
        assert!(
            shared.lock().running.is_empty(),
            "finished searches forgotten"
        );
    }

    #[test]
    fn answers_rank_the_best_hits_first() {
        use greenroom_core::sources::{self, LoadOptions, files::FileSource};
        let dir = tempfile::tempdir().unwrap();
        let mut yaml = String::new();
        for i in 0..(RANKED + 300) {
            let name = ["edge", "seat", "queue", "ledger", "xe"][i % 5];
            yaml.push_str(&format!(
                "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}-{i}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n"
            ));
        }
        std::fs::write(dir.path().join("catalog-info.yaml"), yaml).unwrap();
        let source = FileSource::disk(&[dir.path().to_path_buf()]).unwrap();
        let options = LoadOptions {
            online: false,
            ..LoadOptions::default()
        };
        let catalog = sources::load(&[Box::new(source) as _], &options);
        let index = Arc::new(SearchIndex::build(&catalog));
        let query = Query::parse("e");
        let full = index.search(&query);
        let got = answer(SearchRequest {
            index: index.clone(),
            generation: 1,
            query,
            within: None,
            levels: None,
            docs: None,
        });
        assert_eq!(got.hits.len(), full.len());
        assert_eq!(got.hits[..RANKED], full[..RANKED]);
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
