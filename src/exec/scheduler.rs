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

use super::observe::Observer;
use super::policy::{batch_size, prefer, BATCH};
use super::pool::pool;
use super::task::{deliver, lock, run_observed};
use super::{ExecOptions, ExecStats, Executor, Sink};
use crate::error::{Error, Result};
use crate::graph::{MemoryProjection, Payload, TaskGraph, TaskId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};

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
    on_output: &'g Sink<'g>,
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

/// The threaded, locality-aware scheduler (the default executor): workers
/// take ready tasks lowest rank first (`order.rs`), run the best dependent
/// a task made ready next on the same worker, and free every result at its
/// last reader.
#[derive(Debug, Clone, Copy, Default)]
pub struct Threaded;

impl Executor for Threaded {
    fn name(&self) -> &str {
        "threaded"
    }
    fn project(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions) -> MemoryProjection {
        let (counts, dependents) = dependents_of(g);
        let rank = super::order::order(g, outputs, &counts, &dependents);
        super::memory::project(g, &rank, &counts, &dependents, opts.threads, opts.result_bytes)
    }
    fn execute(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions, sink: &Sink<'_>) -> Result<ExecStats> {
        execute(g, outputs, opts, sink)
    }
}

/// Runs every task of `g`, handing output results to `on_output`, after
/// checking the projected peak memory (with `result_bytes` of assembled
/// result) against `limit` (`Config::memory_limit`, resolved by the caller).
fn execute(g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions, on_output: &Sink<'_>) -> Result<ExecStats> {
    let n = g.tasks.len();
    if n == 0 {
        return Ok(ExecStats::default());
    }
    let pool = pool(opts.threads)?;
    let (counts, dependents) = dependents_of(g);
    let mut is_output = vec![false; n];
    for &o in outputs {
        is_output[o as usize] = true;
    }
    let rank = super::order::order(g, outputs, &counts, &dependents);
    let memory = super::memory::project(g, &rank, &counts, &dependents, opts.threads, opts.result_bytes);
    super::memory::check(&memory, opts.memory_limit)?;
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
        threads: opts.threads.max(1),
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
        observers: opts.observers.clone(),
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
    let thread = rayon::current_thread_index().unwrap_or(0);
    let out = Arc::new(run_observed(task, t, &refs, &st.observers, thread)?);
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
    let deliver = |p: Arc<Payload>| deliver(st.on_output, task, t, p);
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
    if p.is_chunk() {
        st.chunks.add(1);
    }
}

fn release(st: &State<'_>, p: &Payload) {
    st.held.sub(1);
    st.bytes.sub(p.nbytes());
    if p.is_chunk() {
        st.chunks.sub(1);
    }
}
