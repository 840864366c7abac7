//! Executors: peers behind one trait that run a task graph. The threaded,
//! locality-aware scheduler (`scheduler.rs`) is the default; `InOrder`
//! runs the tasks one by one in graph order on the calling thread (the
//! simplest correct executor, used as the test oracle).

pub mod dist;
mod inbound;
mod inorder;
pub mod memory;
pub mod observe;
mod order;
mod policy;
mod pool;
pub(crate) mod run;
mod scheduler;
mod task;

pub use inorder::InOrder;
pub(crate) use memory::available_memory;
pub use memory::{keep_freed_memory, MemoryLimit};
pub use observe::{register, Observer, ObserverGuard, TaskEvent};
pub use pool::MAX_THREADS;
pub use scheduler::Threaded;

use crate::error::Result;
use crate::graph::{MemoryProjection, Payload, TaskGraph, TaskId};
use std::sync::Arc;

/// Called with each output task's result as soon as it is ready (on the
/// worker that made it); the result is handed over whole when no other
/// task reads it. An error fails the computation like a failing task.
pub type Sink<'a> = dyn Fn(TaskId, Arc<Payload>) -> Result<()> + Sync + 'a;

/// What an executor is asked to do besides running the tasks.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ExecOptions {
    /// Worker threads (an executor may use fewer).
    pub threads: usize,
    /// Observers to notify (the configuration's and the registered ones).
    pub observers: Vec<Arc<dyn Observer>>,
    /// The memory limit in bytes, resolved: a run whose projected peak
    /// exceeds it is refused before any task runs.
    pub memory_limit: Option<u64>,
    /// Bytes of the result the caller assembles, for the projection.
    pub result_bytes: u64,
}

/// Runs a task graph. Implementations are peers (as cubed's executors
/// are): they differ in where and in what order tasks run, never in what a
/// task computes (`run::run_task`, shared). A task's `owner` says where it
/// would like to run; a single-process executor may ignore it.
pub trait Executor: Send + Sync {
    /// A short name, for messages and `Debug`.
    fn name(&self) -> &str;
    /// The projected peak memory of running `outputs` of `g` (all its
    /// tasks) as this executor would.
    fn project(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions) -> MemoryProjection;
    /// Runs every task of `g` (dependencies first), handing the results of
    /// `outputs` to `sink`; checks the projection against
    /// `opts.memory_limit` first. The first failure stops the run and is
    /// returned, naming its task.
    fn execute(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions, sink: &Sink<'_>) -> Result<ExecStats>;
    /// This process's rank among the processes running the program (0 in
    /// one process).
    fn rank(&self) -> u32 {
        0
    }
    /// The same executor handing outputs to rank 0 only (others' sinks see
    /// none), where it runs on several processes: what a writer on rank 0
    /// uses.
    fn to_root(&self) -> Option<Arc<dyn Executor>> {
        None
    }
    /// Returns once every rank has called it (immediately in one process).
    fn barrier(&self) -> Result<()> {
        Ok(())
    }
    /// The least of every rank's `v` (`v` in one process): what ranks
    /// agree on before planning where a plan depends on the machine (the
    /// memory limit and the re-read budget it sets).
    fn agree_min(&self, v: u64) -> Result<u64> {
        Ok(v)
    }
}

/// Counts from one run of the scheduler. They do not depend on timing, so
/// tests can assert on them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecStats {
    /// Tasks executed.
    pub tasks_run: usize,
    /// Most task results (chunks and partials) held at once.
    pub peak_results_held: usize,
    /// Most chunk arrays (not reduction partials) held at once.
    pub peak_chunks_held: usize,
    /// Most bytes of task results held at once.
    pub peak_bytes_held: usize,
    /// The peak memory projected before the run (checked against
    /// `Config::memory_limit`).
    pub memory: crate::graph::MemoryProjection,
    /// This rank's communication in the run (zeros in one process).
    pub comm: CommStats,
}

/// Counts of one rank's communication, cumulative since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommStats {
    /// This process's rank.
    pub rank: u32,
    /// Processes in the computation.
    pub ranks: u32,
    /// Task results sent (a message split in pieces counts once).
    pub messages_sent: u64,
    /// Task results received.
    pub messages_received: u64,
    /// Bytes of encoded task results sent.
    pub bytes_sent: u64,
    /// Bytes of encoded task results received.
    pub bytes_received: u64,
}
