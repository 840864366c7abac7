//! Futures: computations that start as soon as they are submitted, as
//! dask.distributed's `Client` runs them: [`Client::submit`] one call,
//! [`Client::map`] a function over items, futures passed to later submits,
//! and [`gather`](Client::gather), [`scatter`](Client::scatter),
//! [`cancel`](Future::cancel), [`as_completed`], [`wait`] and a
//! [`progress`] bar over them.
//!
//! Each submission runs on the client's executor through the delayed
//! machinery, so a panic or an error names its task. In one process every
//! submission runs on its own thread at once. On several ranks (MPI), where
//! every rank runs the program and so submits alike, submissions run one
//! after the other in submission order on a driver thread (every rank must
//! start the same runs in the same order); `map` spreads its items over the
//! ranks by contiguous ranges and every rank receives every result (their
//! types registered with [`register_value`](crate::exec::dist::register_value)).
//!
//! ```
//! use darray::delayed::futures::{as_completed, Client};
//! let client = Client::new();
//! let squares = client.map("square", |x: &i64| x * x, (0..10).collect());
//! let total = client.submit("total", || 1000i64);
//! let plus = client.submit1("plus", |t: &i64| t + 1, &total);
//! assert_eq!(client.gather(&squares)?, (0..10).map(|x| x * x).collect::<Vec<i64>>());
//! assert_eq!(plus.result()?, 1001);
//! assert_eq!(as_completed(&squares).count(), 10);
//! # Ok::<(), darray::Error>(())
//! ```

use super::{run, unwrap_value, Delayed};
use crate::error::{Error, Result};
use crate::expr::build::closure_token;
use crate::expr::DNode;
use crate::ops::{CallFn, Value};
use crate::run::Config;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Slot<T> {
    result: Option<Result<T>>,
    /// Who is told (with the index they gave) when the result is set.
    watchers: Vec<(Sender<usize>, usize)>,
}

struct Inner<T> {
    key: String,
    slot: Mutex<Slot<T>>,
    cv: Condvar,
}

/// The result of a submission, available once it has run.
pub struct Future<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future { inner: self.inner.clone() }
    }
}

impl<T> std::fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Future({}, {})", self.inner.key, if self.done() { "finished" } else { "pending" })
    }
}

impl<T> Future<T> {
    fn pending(key: String) -> Self {
        Future {
            inner: Arc::new(Inner {
                key,
                slot: Mutex::new(Slot { result: None, watchers: vec![] }),
                cv: Condvar::new(),
            }),
        }
    }
    /// Sets the result unless there is one (a cancelled future keeps its
    /// error); tells the watchers.
    fn set(&self, r: Result<T>) {
        let mut s = lock(&self.inner.slot);
        if s.result.is_none() {
            s.result = Some(r);
            for (tx, i) in s.watchers.drain(..) {
                let _ = tx.send(i);
            }
            self.inner.cv.notify_all();
        }
    }
    fn watch(&self, tx: Sender<usize>, i: usize) {
        let mut s = lock(&self.inner.slot);
        if s.result.is_some() {
            let _ = tx.send(i);
        } else {
            s.watchers.push((tx, i));
        }
    }
    /// The submission's name and number.
    pub fn key(&self) -> &str {
        &self.inner.key
    }
    /// Whether the result (or an error) is there.
    pub fn done(&self) -> bool {
        lock(&self.inner.slot).result.is_some()
    }
    /// Cancels the future: its result becomes [`Error::Cancelled`] now,
    /// and a submission that has not started does not run (in one
    /// process; on several ranks it still runs, as the other ranks may have
    /// started it, and its result is dropped). Returns whether it was
    /// still pending.
    pub fn cancel(&self) -> bool {
        let pending = !self.done();
        self.set(Err(Error::Cancelled(self.inner.key.clone())));
        pending
    }
    fn cancelled(&self) -> bool {
        matches!(lock(&self.inner.slot).result, Some(Err(Error::Cancelled(_))))
    }
    /// Waits for the result.
    pub fn result(&self) -> Result<T>
    where
        T: Clone,
    {
        let mut s = lock(&self.inner.slot);
        loop {
            if let Some(r) = &s.result {
                return r.clone();
            }
            s = self.inner.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Runs submissions on an executor (the configuration's).
pub struct Client {
    cfg: Config,
    /// On several ranks: the driver thread's queue.
    driver: Option<Mutex<Sender<Job>>>,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Client({})", self.cfg.executor.name())
    }
}

impl Client {
    /// A client on the default configuration (MPI's executor under
    /// `mpirun`, with the `mpi` feature).
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    /// A client on `cfg`'s executor and threads.
    pub fn with_config(cfg: Config) -> Self {
        let driver = cfg.executor.to_root().map(|_| {
            let (tx, rx) = channel::<Job>();
            std::thread::Builder::new()
                .name("darray-futures".into())
                .spawn(move || {
                    for job in rx {
                        job();
                    }
                })
                .expect("a thread for the futures driver");
            Mutex::new(tx)
        });
        Client { cfg, driver }
    }

    fn spawn(&self, job: Job) {
        match &self.driver {
            Some(tx) => {
                let _ = lock(tx).send(job);
            }
            None => {
                std::thread::spawn(job);
            }
        }
    }

    /// One submission's job: waits for `args`' values, then runs `call`
    /// (given them) as one task.
    fn submit_call<R: Clone + Send + Sync + 'static>(
        &self,
        name: &str,
        wait: impl FnOnce() -> Result<Arc<CallFn>> + Send + 'static,
    ) -> Future<R> {
        let token = closure_token();
        let fut = Future::pending(format!("{name}-{:08x}", token & 0xffff_ffff));
        let (out, cfg, name) = (fut.clone(), self.cfg.clone(), name.to_string());
        let local = self.driver.is_none();
        self.spawn(Box::new(move || {
            if local && out.cancelled() {
                return;
            }
            let r = wait().and_then(|f| {
                let d = Delayed::<R>::from_parts(&name, token, vec![], f);
                let (mut v, _) = run(std::slice::from_ref(&d.node), &cfg)?;
                Ok(unwrap_value::<R>(v.pop().expect("one result")))
            });
            out.set(r);
        }));
        fut
    }

    /// Starts `f()` now; its future holds the result.
    pub fn submit<R, F>(&self, name: &str, f: F) -> Future<R>
    where
        R: Clone + Send + Sync + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        self.submit_call(name, move || Ok(once(f)))
    }

    /// Starts `f(a)` once future `a` has its result (an error of `a` is the
    /// error of this one).
    pub fn submit1<A, R, F>(&self, name: &str, f: F, a: &Future<A>) -> Future<R>
    where
        A: Clone + Send + Sync + 'static,
        R: Clone + Send + Sync + 'static,
        F: FnOnce(&A) -> R + Send + 'static,
    {
        let a = a.clone();
        self.submit_call(name, move || {
            let a = a.result()?;
            Ok(once(move || f(&a)))
        })
    }

    /// Starts `f(a, b)` once futures `a` and `b` have their results.
    pub fn submit2<A, B, R, F>(&self, name: &str, f: F, a: &Future<A>, b: &Future<B>) -> Future<R>
    where
        A: Clone + Send + Sync + 'static,
        B: Clone + Send + Sync + 'static,
        R: Clone + Send + Sync + 'static,
        F: FnOnce(&A, &B) -> R + Send + 'static,
    {
        let (a, b) = (a.clone(), b.clone());
        self.submit_call(name, move || {
            let (a, b) = (a.result()?, b.result()?);
            Ok(once(move || f(&a, &b)))
        })
    }

    /// Starts `f` on every item, as one graph of one task per item (on
    /// several ranks, the items spread over them in contiguous ranges).
    /// A failing item fails every future of the map, naming its task.
    pub fn map<A, R, F>(&self, name: &str, f: F, items: Vec<A>) -> Vec<Future<R>>
    where
        A: Send + Sync + 'static,
        R: Clone + Send + Sync + 'static,
        F: Fn(&A) -> R + Send + Sync + 'static,
    {
        let group = closure_token();
        let f = Arc::new(f);
        let nodes: Vec<Arc<DNode>> = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                let f = f.clone();
                let call: Arc<CallFn> = Arc::new(move |_: &[&Value]| Ok(Arc::new(f(&item)) as Value));
                let token = crate::key::TokenHasher::new("map").u64(group).u64(i as u64).finish();
                Arc::new(DNode {
                    token,
                    name: Arc::from(name),
                    deps: vec![],
                    f: call,
                    block: None,
                    item: Some((group, i as u32)),
                })
            })
            .collect();
        let futs: Vec<Future<R>> =
            (0..nodes.len()).map(|i| Future::pending(format!("{name}-{:08x}-{i}", group & 0xffff_ffff))).collect();
        let (outs, cfg, local) = (futs.clone(), self.cfg.clone(), self.driver.is_none());
        self.spawn(Box::new(move || {
            if local && outs.iter().all(Future::cancelled) {
                return;
            }
            match run(&nodes, &cfg) {
                Ok((values, _)) => {
                    for (fut, v) in outs.iter().zip(values) {
                        fut.set(Ok(unwrap_value::<R>(v)));
                    }
                }
                Err(e) => outs.iter().for_each(|fut| fut.set(Err(e.clone()))),
            }
        }));
        futs
    }

    /// Futures that already hold `values` (every rank holds its own copy:
    /// the program runs on every rank).
    pub fn scatter<T: Send + Sync + 'static>(&self, values: Vec<T>) -> Vec<Future<T>> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let f = Future::pending(format!("scatter-{i}"));
                f.set(Ok(v));
                f
            })
            .collect()
    }

    /// Waits for every future; the first error (in their order) if any.
    pub fn gather<T: Clone>(&self, futures: &[Future<T>]) -> Result<Vec<T>> {
        futures.iter().map(Future::result).collect()
    }
}

/// A `CallFn` running `f` once (a submission's task runs once).
fn once<R: Send + Sync + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Arc<CallFn> {
    let f = Mutex::new(Some(f));
    Arc::new(move |_: &[&Value]| {
        let f = lock(&f).take().ok_or_else(|| Error::Internal("a submission ran twice".into()))?;
        Ok(Arc::new(f()) as Value)
    })
}

/// The futures as they finish: `(position, future)`, first finished first.
pub fn as_completed<T>(futures: &[Future<T>]) -> impl Iterator<Item = (usize, Future<T>)> + '_ {
    let rx = watch_all(futures);
    (0..futures.len()).map(move |_| {
        let i = rx.recv().expect("every future reports once");
        (i, futures[i].clone())
    })
}

fn watch_all<T>(futures: &[Future<T>]) -> Receiver<usize> {
    let (tx, rx) = channel();
    for (i, f) in futures.iter().enumerate() {
        f.watch(tx.clone(), i);
    }
    rx
}

/// Which futures finished within a [`wait`], by position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Waited {
    /// Finished (a result or an error).
    pub done: Vec<usize>,
    /// Still pending when the wait ended.
    pub not_done: Vec<usize>,
}

/// Waits until every future has finished, or `timeout` has passed.
pub fn wait<T>(futures: &[Future<T>], timeout: Option<Duration>) -> Waited {
    let rx = watch_all(futures);
    let end = timeout.map(|t| Instant::now() + t);
    let mut done = vec![false; futures.len()];
    for _ in 0..futures.len() {
        let got = match end {
            None => rx.recv().ok(),
            Some(e) => rx.recv_timeout(e.saturating_duration_since(Instant::now())).ok(),
        };
        match got {
            Some(i) => done[i] = true,
            None => break,
        }
    }
    let (d, n): (Vec<usize>, Vec<usize>) = (0..futures.len()).partition(|&i| done[i]);
    Waited { done: d, not_done: n }
}

/// Draws a progress bar over the futures (on standard error, when it is a
/// terminal) until they have all finished.
pub fn progress<T>(futures: &[Future<T>]) {
    let bar = indicatif::ProgressBar::new(futures.len() as u64);
    for _ in as_completed(futures) {
        bar.inc(1);
    }
    bar.finish_and_clear();
}
