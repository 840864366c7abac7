//! The threaded scheduler and its configuration.

pub mod observe;
mod order;
mod pool;
pub(crate) mod run;
mod scheduler;

pub use observe::{register, Observer, ObserverGuard, TaskEvent};
pub(crate) use scheduler::execute;
use std::sync::Arc;

/// How to run a computation.
///
/// ```
/// use darray::{Config, DArray};
/// let x = DArray::<f64>::ones([100], [10]).unwrap();
/// let (sum, stats) = x.sum().compute_with(&Config::default().threads(1)).unwrap();
/// assert_eq!(sum[[]], 100.0);
/// assert_eq!(stats.tasks_run, 10 + 1);
/// ```
#[derive(Clone)]
pub struct Config {
    /// Worker threads (default: all cores).
    pub threads: usize,
    /// Run the optimizer (fusion). Off: one task per operation and block.
    pub optimize: bool,
    /// Observers of this computation (besides globally registered ones).
    pub observers: Vec<Arc<dyn Observer>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("threads", &self.threads)
            .field("optimize", &self.optimize)
            .field("observers", &self.observers.len())
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            optimize: true,
            observers: vec![],
        }
    }
}

impl Config {
    /// Sets the number of worker threads (at least 1).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }
    /// Turns the optimizer on or off.
    pub fn optimize(mut self, on: bool) -> Self {
        self.optimize = on;
        self
    }
    /// Adds an observer (a profiler, a progress bar) to this computation.
    pub fn observe(mut self, obs: Arc<dyn Observer>) -> Self {
        self.observers.push(obs);
        self
    }
    /// Shows a progress bar on standard error while computing (only when
    /// standard error is a terminal).
    pub fn progress(self, on: bool) -> Self {
        if on {
            self.observe(Arc::new(crate::diagnostics::ProgressBar::new()))
        } else {
            self
        }
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
}
