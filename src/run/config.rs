//! How to run a computation: one configuration for the optimizer, the
//! executor and the observers.

use crate::exec::{available_memory, Executor, MemoryLimit, Observer};
use crate::optimize::Rule;
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
#[non_exhaustive]
pub struct Config {
    /// Worker threads (default: all cores).
    pub threads: usize,
    /// Run the optimizer (fusion). Off: one task per operation and block.
    pub optimize: bool,
    /// Observers of this computation (besides globally registered ones).
    pub observers: Vec<Arc<dyn Observer>>,
    /// Bytes of a file's blocks a computation may hold while it waits for
    /// an aggregate of the same file (`x - x.mean(0)`) before it reads them
    /// again instead (see [`Config::hold_bytes`]).
    pub hold_bytes: HoldBytes,
    /// The most memory a computation may plan to use (see
    /// [`Config::memory_limit`]).
    pub memory_limit: MemoryLimit,
    /// What runs the task graph (default: the threaded scheduler).
    pub executor: Arc<dyn Executor>,
    /// Optimizer rules of the user's, run before the built-in ones.
    pub rules: Vec<Arc<dyn Rule>>,
    /// Names of rules not to run (see [`Config::without_rule`]).
    pub disabled_rules: Vec<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("threads", &self.threads)
            .field("optimize", &self.optimize)
            .field("observers", &self.observers.len())
            .field("hold_bytes", &self.hold_bytes)
            .field("memory_limit", &self.memory_limit)
            .field("executor", &self.executor.name())
            .field("rules", &self.rules.iter().map(|r| r.name().to_string()).collect::<Vec<_>>())
            .field("disabled_rules", &self.disabled_rules)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threads: crate::exec::dist::default_threads(),
            optimize: true,
            observers: vec![],
            hold_bytes: HoldBytes::Auto,
            memory_limit: MemoryLimit::Auto,
            executor: crate::exec::dist::default_executor(),
            rules: vec![],
            disabled_rules: vec![],
        }
    }
}

impl Config {
    /// Sets the number of worker threads (at least 1; more than
    /// [`MAX_THREADS`](crate::MAX_THREADS) is an error when the computation runs).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }
    /// Turns the optimizer on or off.
    pub fn optimize(mut self, on: bool) -> Self {
        self.optimize = on;
        self
    }
    /// Sets the re-read budget: when part of a computation needs an aggregate
    /// of a file before it can use the file's blocks (`x - x.mean(0)` read
    /// from HDF5), it holds those blocks while they total at most `bytes`
    /// (each block read and decompressed once) and otherwise reads each
    /// again once the aggregate is known, so memory stays bounded whatever
    /// the file's size. The default, [`HoldBytes::Auto`], follows the
    /// machine's free memory; `Plan::hold_bytes` (from
    /// [`DArray::explain`](crate::DArray::explain)) shows the budget used
    /// and `Plan::reread_blocks` what was read twice.
    ///
    /// ```
    /// use darray::{Config, HoldBytes};
    /// let cfg = Config::default().hold_bytes(64 << 20);
    /// assert_eq!(cfg.hold_bytes, HoldBytes::Bytes(64 << 20));
    /// ```
    pub fn hold_bytes(mut self, bytes: usize) -> Self {
        self.hold_bytes = HoldBytes::Bytes(bytes);
        self
    }
    /// Sets the memory limit. Before a computation runs, its peak memory is
    /// projected from the task graph (results held for their readers, the
    /// blocks the workers build at once, and the assembled result; see
    /// `ExecStats::memory`), and a projection above the limit is refused
    /// with [`Error::MemoryLimit`](crate::Error::MemoryLimit) before anything
    /// runs. The default, [`MemoryLimit::Auto`], is 80 % of the memory
    /// available when the computation starts.
    ///
    /// ```
    /// use darray::{Config, DArray, Error, MemoryLimit};
    /// let x = DArray::<f64>::ones([1000, 1000], [100, 100])?;
    /// let small = Config::default().memory_limit(MemoryLimit::Bytes(1 << 20));
    /// // The 8 MB result alone does not fit in 1 MiB ...
    /// assert!(matches!(x.compute_with(&small), Err(Error::MemoryLimit { .. })));
    /// // ... but its sum streams through a few blocks at a time.
    /// let (s, stats) = x.sum().compute_with(&small)?;
    /// assert_eq!(s[[]], 1e6);
    /// assert!(stats.memory.peak <= 1 << 20);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn memory_limit(mut self, limit: MemoryLimit) -> Self {
        self.memory_limit = limit;
        self
    }
    /// Adds an observer (a profiler, a progress bar) to this computation.
    pub fn observe(mut self, obs: Arc<dyn Observer>) -> Self {
        self.observers.push(obs);
        self
    }
    /// Adds an optimizer rule of the user's: its rewrites run before the
    /// built-in rules (see [`Rule`] for an example).
    pub fn rule(mut self, r: Arc<dyn Rule>) -> Self {
        self.rules.push(r);
        self
    }
    /// Leaves out the rule named `name` (`"fuse"` is the same as
    /// `optimize(false)`; `"rechunk-plan"`, `"reread"`, `"cull"` and user
    /// rules may go too). Rules the plan is not valid without
    /// (`"group-layout"`, `"materialise"`) and unknown names are an error
    /// when the computation is planned.
    ///
    /// ```
    /// use darray::{Config, DArray, Error};
    /// let x = DArray::<f64>::ones([8], [2])?;
    /// let g = x.sum().graph_with(&Config::default().without_rule("fuse"))?;
    /// assert_eq!(g.len(), 4 + 4 + 1); // ones, partials, aggregate
    /// let bad = x.sum().graph_with(&Config::default().without_rule("materialise"));
    /// assert!(matches!(bad, Err(Error::Invalid(_))));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn without_rule(mut self, name: &str) -> Self {
        self.disabled_rules.push(name.to_string());
        self
    }
    /// Sets the executor that runs the task graph ([`Threaded`](crate::exec::Threaded) by
    /// default; [`InOrder`](crate::exec::InOrder) runs tasks one by one).
    pub fn executor(mut self, e: Arc<dyn Executor>) -> Self {
        self.executor = e;
        self
    }
}

/// The re-read budget ([`Config::hold_bytes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HoldBytes {
    /// A quarter of the memory limit in force when the computation is
    /// planned ([`MemoryLimit::Auto`]: 80 % of the memory available, the
    /// cgroup's room or `MemAvailable`), a quarter of the available memory
    /// when there is no limit, and [`HoldBytes::FALLBACK`] where neither
    /// can be read. So a file that fits comfortably is decompressed once,
    /// and one larger than memory is streamed twice in bounded memory.
    #[default]
    Auto,
    /// At most this many bytes.
    Bytes(usize),
}

impl HoldBytes {
    /// The budget where the memory available cannot be read: 256 MiB.
    pub const FALLBACK: usize = 256 << 20;

    /// The budget in bytes under the memory limit in force, `limit`
    /// (in bytes, as [`MemoryLimit::resolve`] gives it; `None`: no limit,
    /// and then the memory available is read now).
    ///
    /// ```
    /// use darray::{HoldBytes, MemoryLimit};
    /// assert_eq!(HoldBytes::Bytes(10).resolve(Some(4)), 10);
    /// assert_eq!(HoldBytes::Auto.resolve(MemoryLimit::Bytes(400 << 20).resolve()), 100 << 20);
    /// ```
    pub fn resolve(self, limit: Option<u64>) -> usize {
        match self {
            HoldBytes::Bytes(b) => b,
            HoldBytes::Auto => {
                limit.or_else(available_memory).map_or(Self::FALLBACK, |b| usize::try_from(b / 4).unwrap_or(usize::MAX))
            }
        }
    }
}
