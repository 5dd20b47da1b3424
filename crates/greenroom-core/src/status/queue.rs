//! A host's request slots, handed out stalest data first. A semaphore serves waiters in the
//! order they came; when a host is the bottleneck (GitHub: one request at a time, 200-300 ms
//! each) that lets a target re-polled every 15 s take the slot again and again while others
//! on screen grow old. Here each waiter says how old its data is (when it was last confirmed;
//! never beats any time) and the oldest goes first, ties in arrival order. The queue also
//! notices when it cannot keep up: a slot granted long after it was asked for marks the host
//! behind for a while, so the UI can say so.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Who goes first: older data (None: never fetched), then the earlier request.
type Key = (Option<Instant>, u64);

#[derive(Debug, Default)]
struct State {
    available: usize,
    next_seq: u64,
    waiting: BTreeMap<Key, oneshot::Sender<()>>,
    /// Until when the host counts as behind (a slot was granted late).
    behind_until: Option<Instant>,
}

#[derive(Debug)]
pub struct HostQueue {
    state: Mutex<State>,
}

/// A slot of the host; given back when dropped.
#[derive(Debug)]
pub struct HostPermit {
    queue: Arc<HostQueue>,
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        self.queue.release();
    }
}

/// Removes a waiter that gave up (its task aborted) so it is never handed a slot; if it was
/// handed one already, passes the slot on.
struct Waiting<'a> {
    queue: &'a Arc<HostQueue>,
    key: Key,
    done: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let granted = self.queue.lock().waiting.remove(&self.key).is_none();
        if granted {
            self.queue.release();
        }
    }
}

impl HostQueue {
    pub fn new(permits: usize) -> Arc<HostQueue> {
        Arc::new(HostQueue {
            state: Mutex::new(State {
                available: permits.max(1),
                ..State::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a slot. `data_from` is when the target's shown data was last confirmed;
    /// `interval` how often it should be: a slot granted more than half an interval after it
    /// was asked for marks the host behind for two intervals.
    pub async fn acquire(
        self: &Arc<Self>,
        data_from: Option<Instant>,
        interval: Duration,
    ) -> HostPermit {
        let asked = Instant::now();
        let (key, rx) = {
            let mut s = self.lock();
            let seq = s.next_seq;
            s.next_seq += 1;
            if s.available > 0 && s.waiting.is_empty() {
                s.available -= 1;
                return HostPermit {
                    queue: self.clone(),
                };
            }
            let (tx, rx) = oneshot::channel();
            let key = (data_from, seq);
            s.waiting.insert(key, tx);
            (key, rx)
        };
        let mut waiting = Waiting {
            queue: self,
            key,
            done: false,
        };
        // The sender lives in the map until it is used, and the map entry until then.
        let _ = rx.await;
        waiting.done = true;
        let now = Instant::now();
        if now.duration_since(asked) > interval / 2 {
            let mut s = self.lock();
            let until = now + interval * 2;
            if s.behind_until.is_none_or(|b| b < until) {
                s.behind_until = Some(until);
            }
        }
        HostPermit {
            queue: self.clone(),
        }
    }

    /// Hands the slot to the waiter with the oldest data, or frees it.
    fn release(&self) {
        let mut s = self.lock();
        while let Some((_, tx)) = s.waiting.pop_first() {
            if tx.send(()).is_ok() {
                return;
            }
        }
        s.available += 1;
    }

    /// Whether slots have lately been granted too late to keep data fresh.
    pub fn behind(&self) -> bool {
        self.lock().behind_until.is_some_and(|b| b > Instant::now())
    }

    /// Requests waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    const MIN: Duration = Duration::from_secs(60);

    /// Starts a task that takes a slot, records its name, and holds the slot for 250 ms (a
    /// GitHub call), all in paused time.
    fn contender(
        q: &Arc<HostQueue>,
        name: &'static str,
        data_from: Option<Instant>,
        order: &Arc<StdMutex<Vec<&'static str>>>,
    ) -> tokio::task::JoinHandle<()> {
        let (q, order) = (q.clone(), order.clone());
        tokio::spawn(async move {
            let _permit = q.acquire(data_from, MIN).await;
            order.lock().unwrap().push(name);
            tokio::time::sleep(Duration::from_millis(250)).await;
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_stalest_data_gets_the_slot_first() {
        let q = HostQueue::new(1);
        let order = Arc::new(StdMutex::new(Vec::new()));
        let t0 = Instant::now();
        tokio::time::advance(Duration::from_secs(600)).await;
        let busy = q.acquire(None, MIN).await;
        // Asked in this order while the slot is busy: fresh, old, never fetched, older.
        let tasks = vec![
            contender(&q, "fresh", Some(t0 + Duration::from_secs(590)), &order),
            contender(&q, "old", Some(t0 + Duration::from_secs(100)), &order),
            contender(&q, "never", None, &order),
            contender(&q, "older", Some(t0 + Duration::from_secs(50)), &order),
        ];
        tokio::task::yield_now().await;
        assert_eq!(q.waiting(), 4);
        drop(busy);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["never", "older", "old", "fresh"]);
        assert!(!q.behind(), "each waited about a second: not behind");
    }

    #[tokio::test(start_paused = true)]
    async fn one_at_a_time_holds_however_many_wait() {
        let q = HostQueue::new(1);
        let in_use = Arc::new(StdMutex::new((0usize, 0usize)));
        let mut tasks = Vec::new();
        for i in 0..20u64 {
            let (q, in_use) = (q.clone(), in_use.clone());
            tasks.push(tokio::spawn(async move {
                let _p = q
                    .acquire(Some(Instant::now() - Duration::from_secs(i)), MIN)
                    .await;
                {
                    let mut u = in_use.lock().unwrap();
                    u.0 += 1;
                    u.1 = u.1.max(u.0);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                in_use.lock().unwrap().0 -= 1;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(in_use.lock().unwrap().1, 1);
        // All slots came back.
        assert_eq!(q.lock().available, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_gives_up_does_not_keep_the_slot() {
        let q = HostQueue::new(1);
        let busy = q.acquire(None, MIN).await;
        let gone = {
            let q = q.clone();
            tokio::spawn(async move {
                let _p = q.acquire(None, MIN).await;
                std::future::pending::<()>().await;
            })
        };
        tokio::task::yield_now().await;
        gone.abort();
        let _ = gone.await;
        assert_eq!(q.waiting(), 0);
        drop(busy);
        let _again = tokio::time::timeout(Duration::from_secs(1), q.acquire(None, MIN))
            .await
            .expect("the slot is free again");
    }

    #[tokio::test(start_paused = true)]
    async fn a_host_that_cannot_keep_up_says_so_then_recovers() {
        let q = HostQueue::new(1);
        let interval = Duration::from_secs(15);
        let busy = q.acquire(None, interval).await;
        let late = {
            let q = q.clone();
            tokio::spawn(async move {
                let _p = q.acquire(None, interval).await;
            })
        };
        tokio::task::yield_now().await;
        // The slot is held for 10 s: the waiter gets it well past half its interval.
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(!q.behind());
        drop(busy);
        late.await.unwrap();
        assert!(q.behind());
        tokio::time::sleep(interval * 2 + Duration::from_secs(1)).await;
        assert!(!q.behind());
    }
}
