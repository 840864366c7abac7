//! Which executor a process starts with: MPI's when an MPI launcher
//! started it (feature `mpi`), the threaded scheduler otherwise.

use crate::error::{Error, Result};
use crate::exec::{ExecOptions, ExecStats, Executor, Sink, Threaded};
use crate::graph::{MemoryProjection, TaskGraph, TaskId};
use std::sync::Arc;

/// The executor of a process started by an MPI launcher whose MPI could
/// not start: every run fails saying why.
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) struct Unavailable(pub String);

impl Executor for Unavailable {
    fn name(&self) -> &str {
        "mpi (unavailable)"
    }
    fn project(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions) -> MemoryProjection {
        Threaded.project(g, outputs, opts)
    }
    fn execute(&self, _: &TaskGraph, _: &[TaskId], _: &ExecOptions, _: &Sink<'_>) -> Result<ExecStats> {
        Err(Error::Comm(self.0.clone()))
    }
}

/// The executor `Config::default` uses: MPI's when the process was started
/// by an MPI launcher (feature `mpi`), the threaded scheduler otherwise.
pub(crate) fn default_executor() -> Arc<dyn Executor> {
    #[cfg(feature = "mpi")]
    if super::mpi::launched() {
        return match super::mpi::executor() {
            Ok(e) => e,
            Err(e) => Arc::new(Unavailable(e.to_string())),
        };
    }
    Arc::new(Threaded)
}

/// Worker threads by default: the cores, shared among the ranks an MPI
/// launcher started on this machine.
pub(crate) fn default_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let local = ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse::<usize>().ok())
        .unwrap_or(1);
    (cores / local.max(1)).max(1)
}
