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

use super::inbound::Inbound;
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
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

struct State<'g> {
    g: &'g TaskGraph,
    part: Option<&'g Part<'g>>,
    /// Local tasks not yet run (a part's; the whole graph's otherwise).
    left: AtomicUsize,
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

/// One process's share of a graph run over several (`exec::dist`): the
/// tasks it runs, the results it receives from others (an inbox, which also
/// reports a failure elsewhere; the caller's thread reads it), and the
/// results others read (`export`).
pub(crate) struct Part<'a> {
    /// Tasks run here.
    pub local: &'a [bool],
    /// Tasks whose results arrive in `inbox` (dependencies of local tasks
    /// and outputs run elsewhere).
    pub imported: &'a [bool],
    /// Local tasks whose result `export` is handed.
    pub exported: &'a [bool],
    pub export: &'a (dyn Fn(TaskId, &Arc<Payload>) -> Result<()> + Sync),
    /// A sender into the inbox: workers wake the waiting caller with it.
    pub wake: Sender<Inbound>,
}

/// Each task's dependents in CSR form: those of `t` are
/// `dependents[off[t]..off[t + 1]]`; with `only`, the dependents in it.
fn dependents_of(g: &TaskGraph, only: Option<&[bool]>) -> (Vec<u32>, Vec<TaskId>) {
    let n = g.tasks.len();
    let keep = |i: usize| only.is_none_or(|o| o[i]);
    let mut counts = vec![0u32; n + 1];
    for (i, t) in g.tasks.iter().enumerate() {
        if !keep(i) {
            continue;
        }
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
        if !keep(i) {
            continue;
        }
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
        let (counts, dependents) = dependents_of(g, None);
        let rank = super::order::order(g, outputs, &counts, &dependents);
        super::memory::project(g, &rank, &counts, &dependents, opts.threads, opts.result_bytes)
    }
    fn execute(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions, sink: &Sink<'_>) -> Result<ExecStats> {
        execute(g, outputs, opts, sink, None)
    }
}

/// Runs every task of `g`, handing output results to `on_output`, after
/// checking the projected peak memory (with `result_bytes` of assembled
/// result) against `limit` (`Config::memory_limit`, resolved by the caller).
/// With a `part`, runs only its local tasks, taking imported results from
/// its inbox, until every local task has run and every imported result
/// has arrived.
pub(crate) fn execute(
    g: &TaskGraph,
    outputs: &[TaskId],
    opts: &ExecOptions,
    on_output: &Sink<'_>,
    part: Option<(&Part<'_>, &Receiver<Inbound>)>,
) -> Result<ExecStats> {
    let (part, inbox) = match part {
        Some((p, i)) => (Some(p), Some(i)),
        None => (None, None),
    };
    let n = g.tasks.len();
    if n == 0 {
        return Ok(ExecStats::default());
    }
    let pool = pool(opts.threads)?;
    let (full_counts, full_dependents) = dependents_of(g, None);
    let mut is_output = vec![false; n];
    for &o in outputs {
        is_output[o as usize] = true;
    }
    let rank = super::order::order(g, outputs, &full_counts, &full_dependents);
    // The projection is of the whole graph on this process: an upper bound
    // for a part of it.
    let memory = super::memory::project(g, &rank, &full_counts, &full_dependents, opts.threads, opts.result_bytes);
    super::memory::check(&memory, opts.memory_limit)?;
    let (counts, dependents) = match part {
        Some(p) => dependents_of(g, Some(p.local)),
        None => (full_counts, full_dependents),
    };
    let local = |i: usize| part.is_none_or(|p| p.local[i]);
    let ready: BinaryHeap<Reverse<(u32, TaskId)>> = g
        .tasks
        .iter()
        .enumerate()
        .filter(|(i, t)| t.deps.is_empty() && local(*i))
        .map(|(i, _)| Reverse((rank[i], i as TaskId)))
        .collect();
    let initial = ready.len();
    let st = State {
        g,
        part,
        left: AtomicUsize::new((0..n).filter(|&i| local(i)).count()),
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
    match part {
        None => pool.scope(|s| {
            for _ in 0..workers {
                s.spawn(|s| worker(&st, s, None));
            }
        }),
        // The caller's thread waits for imports outside the pool, so a
        // rank with one worker thread still runs its tasks meanwhile.
        Some(p) => pool.in_place_scope(|s| {
            for _ in 0..workers {
                s.spawn(|s| worker(&st, s, None));
            }
            receive(&st, s, p, inbox.expect("a part has an inbox"), g.tasks.len());
        }),
    }
    let stats = ExecStats {
        tasks_run: st.run.load(SeqCst),
        peak_results_held: st.held.peak.load(SeqCst),
        peak_chunks_held: st.chunks.peak.load(SeqCst),
        peak_bytes_held: st.bytes.peak.load(SeqCst),
        memory,
        comm: Default::default(),
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
                fail(st, e);
                break;
            }
        }
        if st.left.fetch_sub(1, AcqRel) == 1 {
            if let Some(p) = st.part {
                let _ = p.wake.send(Inbound::Wake);
            }
        }
        if next.is_some() {
            spawn_more(st, s);
        }
    }
    st.active.fetch_sub(1, SeqCst);
    // An import may have queued work after this worker found the queue
    // empty but before it left: whoever sees the other's change spawns.
    if st.part.is_some() && !st.failed.load(Relaxed) {
        spawn_more(st, s);
    }
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
    if let Some(p) = st.part {
        if p.exported[ti] {
            (p.export)(t, &out)?;
        }
    }
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

/// Records the first failure and stops the workers (and the caller
/// waiting for imports).
fn fail(st: &State<'_>, e: Error) {
    st.failed.store(true, SeqCst);
    lock(&st.error).get_or_insert(e);
    if let Some(p) = st.part {
        let _ = p.wake.send(Inbound::Wake);
    }
}

/// The caller's loop of a part run: installs imported results (making
/// their local dependents ready) until every local task has run and every
/// import has arrived, or something failed here or elsewhere.
fn receive<'s>(st: &'s State<'_>, s: &rayon::Scope<'s>, p: &Part<'_>, inbox: &Receiver<Inbound>, n: usize) {
    let mut imports = (0..n).filter(|&i| p.imported[i]).count();
    while !st.failed.load(SeqCst) && (imports > 0 || st.left.load(SeqCst) > 0) {
        let Ok(msg) = inbox.recv() else {
            fail(st, Error::Internal("the transport closed during a run".into()));
            return;
        };
        match msg {
            Inbound::Wake => {}
            Inbound::Failed(e) => fail(st, e),
            Inbound::Digest { .. } | Inbound::Verdict(_) => {
                fail(st, Error::Internal("a graph digest during a run".into()));
            }
            Inbound::Result(t, payload) => {
                let ti = t as usize;
                if !p.imported[ti] {
                    fail(st, Error::Internal(format!("received task {t}, which this process does not read")));
                    return;
                }
                imports -= 1;
                if let Err(e) = install(st, s, t, Arc::new(payload)) {
                    fail(st, e);
                }
            }
        }
    }
}

/// An imported result: delivered if an output, held for its local
/// dependents, which may become ready.
fn install<'s>(st: &'s State<'_>, s: &rayon::Scope<'s>, t: TaskId, out: Arc<Payload>) -> Result<()> {
    let ti = t as usize;
    let task = &st.g.tasks[ti];
    if st.is_output[ti] {
        deliver(st.on_output, task, t, out.clone())?;
    }
    let deps = &st.dependents[st.dep_off[ti] as usize..st.dep_off[ti + 1] as usize];
    if deps.is_empty() {
        return Ok(());
    }
    hold(st, &out);
    *lock(&st.slots[ti]) = Some(out);
    let ready: Vec<TaskId> =
        deps.iter().copied().filter(|&u| st.waiting[u as usize].fetch_sub(1, AcqRel) == 1).collect();
    if !ready.is_empty() {
        let mut q = lock(&st.ready);
        for u in ready {
            q.push(Reverse((st.rank[u as usize], u)));
        }
        drop(q);
        spawn_more(st, s);
    }
    Ok(())
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
