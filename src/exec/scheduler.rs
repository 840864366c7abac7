//! A dependency-counting scheduler on a rayon pool.
//!
//! - Static priority (`order.rs`): a depth-first post-order from the outputs,
//!   refined so that work which frees held results comes first: few
//!   intermediates are alive at once (the aim of dask's `order`).
//! - Locality: when a task completes, the best dependent it made ready runs
//!   next on the same thread, while its inputs are hot in cache; others go
//!   to the shared ready queue.
//! - Every result is freed as soon as its last dependent has run.
//! - Workers are rayon jobs that never block: each runs tasks until the
//!   queue is empty and then returns, and whoever makes tasks ready spawns
//!   workers up to the thread count. Calling `compute` from inside a rayon
//!   pool (even this one) therefore cannot deadlock.

use super::observe::{global_observers, Observer, TaskEvent};
use super::pool::pool;
use super::run::run_task;
use super::{Config, ExecStats};
use crate::error::{Error, Result};
use crate::graph::{MemoryProjection, Payload, TaskGraph, TaskId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};

/// Called with each output task's result as soon as it is ready, on the
/// worker that made it; the result is handed over whole when no other task
/// reads it. An error fails the computation like a failing task.
pub(crate) type OnOutput<'a> = dyn Fn(TaskId, Arc<Payload>) -> Result<()> + Sync + 'a;

struct State<'g> {
    g: &'g TaskGraph,
    threads: usize,
    dep_off: Vec<u32>,
    dependents: Vec<TaskId>,
    waiting: Vec<AtomicU32>,
    uses_left: Vec<AtomicU32>,
    is_output: Vec<bool>,
    rank: Vec<u32>,
    slots: Vec<Mutex<Option<Arc<Payload>>>>,
    ready: Mutex<BinaryHeap<Reverse<(u32, TaskId)>>>,
    active: AtomicUsize,
    failed: AtomicBool,
    error: Mutex<Option<Error>>,
    on_output: &'g OnOutput<'g>,
    observers: Vec<Arc<dyn Observer>>,
    run: AtomicUsize,
    held: Counter,
    chunks: Counter,
    bytes: Counter,
}

/// A level with its peak.
#[derive(Default)]
struct Counter {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Counter {
    fn add(&self, n: usize) {
        let v = self.now.fetch_add(n, Relaxed) + n;
        self.peak.fetch_max(v, Relaxed);
    }
    fn sub(&self, n: usize) {
        self.now.fetch_sub(n, Relaxed);
    }
}

/// Each task's dependents in CSR form: those of `t` are
/// `dependents[off[t]..off[t + 1]]`.
fn dependents_of(g: &TaskGraph) -> (Vec<u32>, Vec<TaskId>) {
    let n = g.tasks.len();
    let mut counts = vec![0u32; n + 1];
    for t in &g.tasks {
        for &d in &t.deps {
            counts[d as usize + 1] += 1;
        }
    }
    for i in 0..n {
        counts[i + 1] += counts[i];
    }
    let mut fill = counts.clone();
    let mut dependents = vec![0; counts[n] as usize];
    for (i, t) in g.tasks.iter().enumerate() {
        for &d in &t.deps {
            dependents[fill[d as usize] as usize] = i as TaskId;
            fill[d as usize] += 1;
        }
    }
    (counts, dependents)
}

/// The memory projection of running `g` on `threads` workers, as `execute`
/// computes it before it starts.
pub(crate) fn project(g: &TaskGraph, outputs: &[TaskId], threads: usize, result_bytes: u64) -> MemoryProjection {
    let (counts, dependents) = dependents_of(g);
    let rank = super::order::order(g, outputs, &counts, &dependents);
    super::memory::project(g, &rank, &counts, &dependents, threads, result_bytes)
}

/// Runs every task of `g`, handing output results to `on_output`, after
/// checking the projected peak memory (with `result_bytes` of assembled
/// result) against `limit` (`Config::memory_limit`, resolved by the caller).
pub(crate) fn execute(
    g: &TaskGraph,
    outputs: &[TaskId],
    cfg: &Config,
    result_bytes: u64,
    limit: Option<u64>,
    on_output: &OnOutput<'_>,
) -> Result<ExecStats> {
    let n = g.tasks.len();
    if n == 0 {
        return Ok(ExecStats::default());
    }
    let pool = pool(cfg.threads)?;
    let (counts, dependents) = dependents_of(g);
    let mut is_output = vec![false; n];
    for &o in outputs {
        is_output[o as usize] = true;
    }
    let rank = super::order::order(g, outputs, &counts, &dependents);
    let memory = super::memory::project(g, &rank, &counts, &dependents, cfg.threads, result_bytes);
    super::memory::check(&memory, limit)?;
    let ready: BinaryHeap<Reverse<(u32, TaskId)>> = g
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.deps.is_empty())
        .map(|(i, _)| Reverse((rank[i], i as TaskId)))
        .collect();
    let initial = ready.len();
    let st = State {
        g,
        threads: cfg.threads.max(1),
        waiting: g.tasks.iter().map(|t| AtomicU32::new(t.deps.len() as u32)).collect(),
        uses_left: (0..n).map(|i| AtomicU32::new(counts[i + 1] - counts[i])).collect(),
        dep_off: counts,
        dependents,
        is_output,
        rank,
        slots: (0..n).map(|_| Mutex::new(None)).collect(),
        ready: Mutex::new(ready),
        active: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
        error: Mutex::new(None),
        on_output,
        observers: cfg.observers.iter().cloned().chain(global_observers()).collect(),
        run: AtomicUsize::new(0),
        held: Counter::default(),
        chunks: Counter::default(),
        bytes: Counter::default(),
    };
    let workers = st.threads.min(initial);
    st.active.store(workers, SeqCst);
    for o in &st.observers {
        o.on_start(n, st.threads);
    }
    pool.scope(|s| {
        for _ in 0..workers {
            s.spawn(|s| worker(&st, s, None));
        }
    });
    let stats = ExecStats {
        tasks_run: st.run.load(SeqCst),
        peak_results_held: st.held.peak.load(SeqCst),
        peak_chunks_held: st.chunks.peak.load(SeqCst),
        peak_bytes_held: st.bytes.peak.load(SeqCst),
        memory,
    };
    for o in &st.observers {
        o.on_end(&stats);
    }
    match st.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(stats),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Spawns workers while there is queued work and fewer than `threads` run.
fn spawn_more<'s>(st: &'s State<'_>, s: &rayon::Scope<'s>) {
    loop {
        let a = st.active.load(SeqCst);
        if a >= st.threads || lock(&st.ready).is_empty() {
            return;
        }
        if st.active.compare_exchange(a, a + 1, SeqCst, SeqCst).is_ok() {
            s.spawn(|s| worker(st, s, None));
        }
    }
}

/// Most ready tasks a worker takes from the shared queue at once.
const BATCH: usize = 16;

/// How many of `queued` ready tasks a worker takes at once: enough to spare
/// the lock, and enough left for the other workers. (The memory plan
/// replays this rule, `memory::project`.)
pub(super) fn batch_size(queued: usize, threads: usize) -> usize {
    (queued / (4 * threads)).clamp(1, BATCH)
}

/// Offers `u`, just made ready, as the task to run next after `best`: the
/// lower rank wins; returns the task to queue instead, if any.
pub(super) fn prefer(best: &mut Option<TaskId>, u: TaskId, rank: &[u32]) -> Option<TaskId> {
    match *best {
        Some(b) if rank[b as usize] <= rank[u as usize] => Some(u),
        Some(b) => {
            *best = Some(u);
            Some(b)
        }
        None => {
            *best = Some(u);
            None
        }
    }
}

fn worker<'s>(st: &'s State<'_>, s: &rayon::Scope<'s>, mut next: Option<TaskId>) {
    // Tasks taken from the queue in one lock, lowest rank first: with tiny
    // tasks, one lock per task would make the queue the bottleneck.
    let mut batch: std::collections::VecDeque<TaskId> = std::collections::VecDeque::with_capacity(BATCH);
    loop {
        if st.failed.load(Relaxed) {
            break;
        }
        let t = match next.take().or_else(|| batch.pop_front()) {
            Some(t) => t,
            None => {
                let mut q = lock(&st.ready);
                // Leave enough for the other workers.
                let take = batch_size(q.len(), st.threads);
                for _ in 0..take {
                    match q.pop() {
                        Some(Reverse((_, t))) => batch.push_back(t),
                        None => break,
                    }
                }
                let more = !q.is_empty();
                drop(q);
                match batch.pop_front() {
                    Some(t) => {
                        if more {
                            spawn_more(st, s);
                        }
                        t
                    }
                    None => break,
                }
            }
        };
        match run_one(st, t) {
            Ok(made_ready) => next = made_ready,
            Err(e) => {
                st.failed.store(true, SeqCst);
                lock(&st.error).get_or_insert(e);
                break;
            }
        }
        if next.is_some() {
            spawn_more(st, s);
        }
    }
    st.active.fetch_sub(1, SeqCst);
}

/// Runs task `t`; returns the best dependent it made ready (others queued).
fn run_one(st: &State<'_>, t: TaskId) -> Result<Option<TaskId>> {
    let task = &st.g.tasks[t as usize];
    let inputs: Vec<Arc<Payload>> = task
        .deps
        .iter()
        .map(|&d| lock(&st.slots[d as usize]).clone().expect("a dependency's result is held until its dependents run"))
        .collect();
    let refs: Vec<&Payload> = inputs.iter().map(|a| &**a).collect();
    let observed = !st.observers.is_empty();
    let event = TaskEvent { index: t as usize, key: &task.key, thread: rayon::current_thread_index().unwrap_or(0) };
    if observed {
        for o in &st.observers {
            o.on_task_start(&event);
        }
    }
    let result = catch_unwind(AssertUnwindSafe(|| run_task(task, &refs)));
    if observed {
        let bytes = result.as_ref().map_or(0, |r| r.as_ref().map_or(0, Payload::nbytes));
        for o in &st.observers {
            o.on_task_end(&event, bytes);
        }
    }
    let out = match result {
        Ok(Ok(p)) => Arc::new(p),
        Ok(Err(e)) => return Err(Error::TaskFailed { task: task.key.to_string(), source: Box::new(e) }),
        Err(p) => return Err(Error::TaskPanicked { task: task.key.to_string(), message: panic_message(p) }),
    };
    drop(refs);
    drop(inputs);
    st.run.fetch_add(1, Relaxed);
    // Free inputs whose last dependent this was.
    for &d in &task.deps {
        if st.uses_left[d as usize].fetch_sub(1, AcqRel) == 1 {
            if let Some(p) = lock(&st.slots[d as usize]).take() {
                release(st, &p);
            }
        }
    }
    let ti = t as usize;
    let deps = &st.dependents[st.dep_off[ti] as usize..st.dep_off[ti + 1] as usize];
    let deliver = |p: Arc<Payload>| match catch_unwind(AssertUnwindSafe(|| (st.on_output)(t, p))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Error::TaskFailed { task: task.key.to_string(), source: Box::new(e) }),
        Err(p) => Err(Error::TaskPanicked { task: task.key.to_string(), message: panic_message(p) }),
    };
    if deps.is_empty() {
        if st.is_output[ti] {
            deliver(out)?;
        }
        return Ok(None);
    }
    if st.is_output[ti] {
        deliver(out.clone())?;
    }
    hold(st, &out);
    *lock(&st.slots[ti]) = Some(out);
    let mut best: Option<TaskId> = None;
    let mut others = vec![];
    for &u in deps {
        if st.waiting[u as usize].fetch_sub(1, AcqRel) == 1 {
            others.extend(prefer(&mut best, u, &st.rank));
        }
    }
    if !others.is_empty() {
        let mut q = lock(&st.ready);
        for u in others {
            q.push(Reverse((st.rank[u as usize], u)));
        }
    }
    Ok(best)
}

fn hold(st: &State<'_>, p: &Payload) {
    st.held.add(1);
    st.bytes.add(p.nbytes());
    if matches!(p, Payload::Array(_)) {
        st.chunks.add(1);
    }
}

fn release(st: &State<'_>, p: &Payload) {
    st.held.sub(1);
    st.bytes.sub(p.nbytes());
    if matches!(p, Payload::Array(_)) {
        st.chunks.sub(1);
    }
}
