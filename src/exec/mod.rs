//! The threaded scheduler and its configuration.

mod pool;
pub(crate) mod run;
mod scheduler;

pub(crate) use scheduler::execute;

/// How to run a computation.
///
/// ```
/// use darray::{Config, DArray};
/// let x = DArray::<f64>::ones([100], [10]).unwrap();
/// let (sum, stats) = x.sum().compute_with(&Config::default().threads(1)).unwrap();
/// assert_eq!(sum[[]], 100.0);
/// assert_eq!(stats.tasks_run, 10 + 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Worker threads (default: all cores).
    pub threads: usize,
    /// Run the optimizer (fusion). Off: one task per operation and block.
    pub optimize: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config { threads: std::thread::available_parallelism().map_or(1, |n| n.get()), optimize: true }
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
