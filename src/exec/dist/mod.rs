//! Running one graph over several processes (ranks), SPMD: every rank
//! builds the same graph, checks that it did (a digest of keys and
//! dependencies compared on rank 0), runs the tasks placement gives it
//! (`place.rs`) on its own threaded scheduler, and sends each result to the
//! ranks that read it. There is no central scheduler: each rank knows from
//! the graph what it will receive and from whom.
//!
//! The network is a [`Transport`]: MPI (`mpi.rs`, feature `mpi`), or
//! threads of one process ([`LocalRanks`], for tests and examples). The
//! dry run (`dryrun.rs`) places a graph on any number of ranks without
//! running it.

mod dryrun;
mod launch;
mod local;
#[cfg(feature = "mpi")]
pub mod mpi;
mod place;
mod routes;
mod value;
mod wire;

pub use super::inbound::Inbound;
pub use super::CommStats;
pub use dryrun::{dry_run, DryRun, NetworkModel, RankLoad};
pub(crate) use launch::{default_executor, default_threads};
pub use local::LocalRanks;
pub use value::register_value;

use super::scheduler::{execute, Part};
use super::{ExecOptions, ExecStats, Executor, Sink};
use crate::error::{Error, Result};
use crate::graph::{MemoryProjection, Payload, TaskGraph, TaskId};
use crate::key::TokenHasher;
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

pub(crate) use place::place;

/// A message between ranks, tagged by the run it belongs to.
#[derive(Clone)]
pub enum Message {
    /// A rank's digest of the graph (to rank 0).
    Digest(u64),
    /// Rank 0's answer: `None` when every digest matched.
    Verdict(Option<String>),
    /// A task's result.
    Result(u32, Arc<Payload>),
    /// The run failed on the sending rank.
    Abort(String),
}

/// The network between the ranks of one computation.
pub trait Transport: Send + Sync {
    /// This process's rank.
    fn rank(&self) -> u32;
    /// Processes in the computation.
    fn size(&self) -> u32;
    /// Starts delivering run `run`'s messages to `inbox`, those that came
    /// before first.
    fn open(&self, run: u64, inbox: Sender<Inbound>);
    /// Hands `msg` over for rank `to`; never waits for the network.
    fn send(&self, to: u32, run: u64, msg: Message) -> Result<()>;
    /// Hands `msg` over for each of `to` (a transport may encode it once).
    fn send_many(&self, to: &[u32], run: u64, msg: Message) -> Result<()> {
        to.iter().try_for_each(|&r| self.send(r, run, msg.clone()))
    }
    /// Waits until every message of `run` handed over has left, then stops
    /// delivering the run (its late messages are dropped).
    fn close(&self, run: u64) -> Result<()>;
    /// Counts so far.
    fn stats(&self) -> CommStats;
    /// The next run's number: runs are numbered in the order the program
    /// starts them, alike on every rank, by every executor of the transport.
    fn next_run(&self) -> u64;
}

/// Whether every rank receives the outputs (what `compute` gives on every
/// rank) or only rank 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gather {
    /// Every rank receives every output.
    #[default]
    All,
    /// Only rank 0 receives outputs; the others' sinks see none.
    Root,
}

/// The executor of one rank of a computation over a [`Transport`].
///
/// ```
/// use darray::{DArray, Config};
/// use darray::exec::dist::LocalRanks;
/// // Three ranks as threads of this process, each building the program.
/// let results = LocalRanks::new(3).run(|_rank, exec| {
///     let x = DArray::<f64>::linspace(0.0, 1.0, 1000, true, 100)?;
///     let cfg = Config::default().threads(1).executor(exec);
///     x.sum().compute_with(&cfg).map(|(v, _)| v.first().copied().unwrap())
/// });
/// for r in results {
///     assert!((r? - 500.0).abs() < 1e-9);
/// }
/// # Ok::<(), darray::Error>(())
/// ```
pub struct Distributed {
    transport: Arc<dyn Transport>,
    gather: Gather,
}

impl Distributed {
    /// The executor of this process's rank over `transport`.
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        Distributed { transport, gather: Gather::All }
    }
    /// The same transport, outputs going to `gather`.
    pub fn gather(&self, gather: Gather) -> Self {
        Distributed { transport: self.transport.clone(), gather }
    }
    /// This process's rank.
    pub fn rank(&self) -> u32 {
        self.transport.rank()
    }
    /// Processes in the computation.
    pub fn size(&self) -> u32 {
        self.transport.size()
    }
    /// Communication counts so far.
    pub fn comm_stats(&self) -> CommStats {
        self.transport.stats()
    }
}

impl std::fmt::Debug for Distributed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Distributed(rank {} of {})", self.rank(), self.size())
    }
}

/// A digest of what every rank must agree on: keys and dependencies.
fn digest(g: &TaskGraph, outputs: &[TaskId]) -> u64 {
    let mut h = TokenHasher::new("graph-digest");
    h.u64(g.tasks.len() as u64);
    for t in &g.tasks {
        h.u64(t.key.token).str(&t.key.label);
        h.u64(t.key.block.len() as u64);
        for &b in t.key.block.iter() {
            h.u64(b as u64);
        }
        h.u64(t.deps.len() as u64);
        for &d in &t.deps {
            h.u64(d as u64);
        }
    }
    for &o in outputs {
        h.u64(o as u64);
    }
    h.finish()
}

impl Executor for Distributed {
    fn name(&self) -> &str {
        "distributed"
    }
    fn project(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions) -> MemoryProjection {
        super::Threaded.project(g, outputs, opts)
    }
    fn execute(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions, sink: &Sink<'_>) -> Result<ExecStats> {
        let tr = &*self.transport;
        let run = tr.next_run();
        let (tx, rx) = channel();
        tr.open(run, tx.clone());
        let result = (|| -> Result<ExecStats> {
            agree(tr, run, digest(g, outputs), &rx, &tx)?;
            let before = tr.stats();
            let plan = Share::new(g, outputs, tr.rank(), tr.size(), self.gather);
            let export = |t: TaskId, p: &Arc<Payload>| -> Result<()> {
                match plan.readers(t) {
                    [] => Ok(()),
                    to => tr.send_many(to, run, Message::Result(t, p.clone())),
                }
            };
            let wanted: Vec<TaskId> = match (self.gather, tr.rank()) {
                (Gather::Root, r) if r != 0 => vec![],
                _ => outputs.to_vec(),
            };
            let part = Part {
                local: &plan.local,
                imported: &plan.imported,
                exported: &plan.exported,
                export: &export,
                wake: tx.clone(),
            };
            let r = execute(g, &wanted, opts, sink, Some((&part, &rx)));
            if let Err(e) = &r {
                if !matches!(e, Error::RankFailed { .. }) {
                    let message = e.to_string();
                    for to in (0..tr.size()).filter(|&r| r != tr.rank()) {
                        let _ = tr.send(to, run, Message::Abort(message.clone()));
                    }
                }
            }
            let mut stats = r?;
            let after = tr.stats();
            stats.comm = CommStats {
                rank: after.rank,
                ranks: after.ranks,
                messages_sent: after.messages_sent - before.messages_sent,
                messages_received: after.messages_received - before.messages_received,
                bytes_sent: after.bytes_sent - before.bytes_sent,
                bytes_received: after.bytes_received - before.bytes_received,
            };
            Ok(stats)
        })();
        let closed = tr.close(run);
        let stats = result?;
        closed?;
        Ok(stats)
    }
    fn rank(&self) -> u32 {
        self.transport.rank()
    }
    fn to_root(&self) -> Option<Arc<dyn Executor>> {
        Some(Arc::new(self.gather(Gather::Root)))
    }
    fn agree_min(&self, v: u64) -> Result<u64> {
        let tr = &*self.transport;
        if tr.size() == 1 {
            return Ok(v);
        }
        let run = tr.next_run();
        let (tx, rx) = channel();
        tr.open(run, tx);
        let closed = || Error::Internal("the transport closed during a run".into());
        let r = (|| {
            if tr.rank() == 0 {
                let mut min = v;
                for _ in 1..tr.size() {
                    match rx.recv().map_err(|_| closed())? {
                        Inbound::Digest { digest, .. } => min = min.min(digest),
                        Inbound::Failed(e) => return Err(e),
                        _ => return Err(Error::Internal("a task result while agreeing on a value".into())),
                    }
                }
                for to in 1..tr.size() {
                    tr.send(to, run, Message::Verdict(Some(min.to_string())))?;
                }
                Ok(min)
            } else {
                tr.send(0, run, Message::Digest(v))?;
                match rx.recv().map_err(|_| closed())? {
                    Inbound::Verdict(Some(m)) => m.parse().map_err(|_| Error::Internal(format!("agreed value {m:?}"))),
                    Inbound::Failed(e) => Err(e),
                    _ => Err(Error::Internal("no agreed value".into())),
                }
            }
        })();
        tr.close(run)?;
        r
    }
    fn barrier(&self) -> Result<()> {
        // An empty run: its digests are compared on rank 0, and rank 0
        // answers once every rank has sent one.
        let g = TaskGraph { tasks: vec![], outputs: vec![] };
        self.execute(&g, &[], &ExecOptions { threads: 1, ..Default::default() }, &|_, _| Ok(())).map(|_| ())
    }
}

/// Rank 0 collects every rank's digest and answers; a rank that built
/// another graph (arrays made in another order, another input) fails on
/// every rank before anything runs.
fn agree(
    tr: &dyn Transport,
    run: u64,
    mine: u64,
    rx: &std::sync::mpsc::Receiver<Inbound>,
    tx: &Sender<Inbound>,
) -> Result<()> {
    let n = tr.size();
    if n == 1 {
        return Ok(());
    }
    let closed = || Error::Internal("the transport closed during a run".into());
    if tr.rank() == 0 {
        let mut differ = vec![];
        let mut seen = 1;
        while seen < n {
            match rx.recv().map_err(|_| closed())? {
                Inbound::Digest { from, digest } => {
                    seen += 1;
                    if digest != mine {
                        differ.push(from);
                    }
                }
                Inbound::Failed(e) => return Err(e),
                _ => return Err(Error::Internal("a task result before the graphs were compared".into())),
            }
        }
        let verdict = (!differ.is_empty()).then(|| {
            format!(
                "ranks {differ:?} built another task graph than rank 0 (every rank must run the same program \
                 and build its arrays in the same order)"
            )
        });
        for to in 1..n {
            tr.send(to, run, Message::Verdict(verdict.clone()))?;
        }
        verdict.map_or(Ok(()), |v| Err(Error::GraphMismatch(v)))
    } else {
        tr.send(0, run, Message::Digest(mine))?;
        // Ranks that had their verdict first may already send results:
        // kept, and put back once this rank has its own.
        let mut early = vec![];
        let verdict = loop {
            match rx.recv().map_err(|_| closed())? {
                Inbound::Verdict(v) => break v,
                Inbound::Failed(e) => return Err(e),
                other => early.push(other),
            }
        };
        for m in early {
            let _ = tx.send(m);
        }
        verdict.map_or(Ok(()), |v| Err(Error::GraphMismatch(v)))
    }
}

/// One rank's share of a graph: what it runs, receives and sends.
struct Share {
    local: Vec<bool>,
    imported: Vec<bool>,
    exported: Vec<bool>,
    /// The ranks reading each exported task (CSR over tasks).
    off: Vec<u32>,
    to: Vec<u32>,
}

impl Share {
    fn new(g: &TaskGraph, outputs: &[TaskId], me: u32, ranks: u32, gather: Gather) -> Share {
        let owner = place(g, ranks);
        let n = g.tasks.len();
        let local: Vec<bool> = owner.iter().map(|&o| o == me).collect();
        let mut imported = vec![false; n];
        let mut readers: Vec<Vec<u32>> = vec![vec![]; n];
        for (i, t) in g.tasks.iter().enumerate() {
            for &d in &t.deps {
                let d = d as usize;
                if owner[d] != owner[i] {
                    if owner[i] == me {
                        imported[d] = true;
                    }
                    if owner[d] == me && !readers[d].contains(&owner[i]) {
                        readers[d].push(owner[i]);
                    }
                }
            }
        }
        let receivers: Vec<u32> = match gather {
            Gather::All => (0..ranks).collect(),
            Gather::Root => vec![0],
        };
        for &o in outputs {
            let o = o as usize;
            if owner[o] == me {
                for &r in &receivers {
                    if r != me && !readers[o].contains(&r) {
                        readers[o].push(r);
                    }
                }
            } else if receivers.contains(&me) {
                imported[o] = true;
            }
        }
        let exported = readers.iter().map(|r| !r.is_empty()).collect();
        let mut off = vec![0u32; n + 1];
        let mut to = vec![];
        for (i, mut r) in readers.into_iter().enumerate() {
            r.sort_unstable();
            to.extend(r);
            off[i + 1] = to.len() as u32;
        }
        Share { local, imported, exported, off, to }
    }
    fn readers(&self, t: TaskId) -> &[u32] {
        &self.to[self.off[t as usize] as usize..self.off[t as usize + 1] as usize]
    }
}
