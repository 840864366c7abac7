//! Hooks into a running computation, for progress bars and profilers.

use crate::exec::ExecStats;
use crate::key::Key;
use std::sync::{Arc, Mutex, OnceLock};

/// A task as seen by an observer.
#[derive(Debug, Clone, Copy)]
pub struct TaskEvent<'a> {
    /// Position of the task in its graph.
    pub index: usize,
    /// The task's key.
    pub key: &'a Key,
    /// Worker thread running it (0-based).
    pub thread: usize,
}

/// Receives scheduler events. Methods are called from worker threads and
/// must be cheap; all have empty defaults.
pub trait Observer: Send + Sync {
    /// A computation of `tasks` tasks on `threads` threads starts.
    fn on_start(&self, _tasks: usize, _threads: usize) {}
    /// A task starts.
    fn on_task_start(&self, _task: &TaskEvent<'_>) {}
    /// A task finished, producing `bytes` of output.
    fn on_task_end(&self, _task: &TaskEvent<'_>, _bytes: usize) {}
    /// The computation ended (also after a failure).
    fn on_end(&self, _stats: &ExecStats) {}
}

/// Registered observers with their registration numbers.
type Registry = Mutex<Vec<(u64, Arc<dyn Observer>)>>;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Default::default)
}

/// Observers registered for every computation of the process.
pub(crate) fn global_observers() -> Vec<Arc<dyn Observer>> {
    registry().lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(_, o)| o.clone()).collect()
}

/// Keeps an observer registered for every computation until dropped (like
/// dask's `with ProgressBar():`).
#[must_use = "the observer is unregistered when the guard is dropped"]
pub struct ObserverGuard(u64);

/// Registers `obs` for all computations while the returned guard lives.
pub fn register(obs: Arc<dyn Observer>) -> ObserverGuard {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    registry().lock().unwrap_or_else(|e| e.into_inner()).push((id, obs));
    ObserverGuard(id)
}

impl Drop for ObserverGuard {
    fn drop(&mut self) {
        registry().lock().unwrap_or_else(|e| e.into_inner()).retain(|(id, _)| *id != self.0);
    }
}
