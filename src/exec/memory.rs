//! The memory plan: the peak bytes a run will hold, projected from the task
//! graph before anything runs (as cubed does), so a computation that cannot
//! fit is refused with a typed error instead of being found out when the
//! process dies.
//!
//! The projection replays the scheduler's worker loop (`project`, with the
//! scheduler's own batch and next-task rules) on each task's projected
//! result size: the results held for their readers at the peak, plus the
//! results the workers build at once, plus the assembled result.

use super::policy::{batch_size, prefer};
use crate::error::{Error, Result};
use crate::graph::{MemoryProjection, TaskGraph, TaskId};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// A memory limit for a computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemoryLimit {
    /// 80 % of the memory available when the computation starts (the cgroup
    /// limit or the kernel's `MemAvailable`, whichever is lower); no limit
    /// where neither can be read.
    Auto,
    /// At most this many bytes.
    Bytes(u64),
    /// No check.
    Unlimited,
}

impl MemoryLimit {
    /// The limit in bytes, if any, read now.
    pub fn resolve(self) -> Option<u64> {
        match self {
            MemoryLimit::Auto => available_memory().map(|b| b / 5 * 4),
            MemoryLimit::Bytes(b) => Some(b),
            MemoryLimit::Unlimited => None,
        }
    }
}

/// The bytes this process may still allocate: the lower of the kernel's
/// estimate of available memory and the room left under a cgroup limit.
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    let read = |p: &str| std::fs::read_to_string(p).ok().and_then(|s| s.trim().parse::<u64>().ok());
    // cgroup v2 ("max" does not parse: no limit), then v1.
    let cgroup = match (read("/sys/fs/cgroup/memory.max"), read("/sys/fs/cgroup/memory.current")) {
        (Some(max), Some(cur)) => Some(max.saturating_sub(cur)),
        _ => match (
            read("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
            read("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
        ) {
            // v1 reports "no limit" as a huge number.
            (Some(max), Some(cur)) if max < 1 << 60 => Some(max.saturating_sub(cur)),
            _ => None,
        },
    };
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Asks the C library's allocator to keep freed chunk-sized buffers for
/// the next ones instead of handing them back to the kernel, so a run does
/// not fault in (and the kernel zero) every block afresh. With glibc's
/// defaults, blocks above its adaptive threshold (at most 32 MiB) are
/// mapped and unmapped one by one, and freed heap tops are trimmed: about
/// one page fault per 4 kB of every block, 10-15 % of a file workload's
/// time. This raises the mapping threshold to 32 MiB and the trim
/// threshold to 1 GiB (freed memory stays in the process, as in most
/// allocators but glibc's).
///
/// It changes the whole process's allocator, so it is the program's
/// choice, not the library's: the crate's own binaries (the examples and
/// the benchmark suite) call it first thing. Blocks of 32 MiB or more are
/// still mapped one by one (glibc's ceiling for the threshold). Returns
/// false where the allocator is not 64-bit glibc's (nothing changed) or
/// refused a setting.
///
/// ```
/// let kept = darray::exec::keep_freed_memory();
/// assert_eq!(kept, cfg!(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")));
/// ```
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
    {
        // SAFETY: `mallopt` only sets allocator parameters; both values
        // are within glibc's accepted ranges (the mapping threshold at
        // most HEAP_MAX_SIZE / 2 = 32 MiB on 64-bit targets).
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20) == 1 && libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
    {
        false
    }
}

/// Replays the scheduler's worker loop (`scheduler::worker`) with each
/// task's projected result size: each worker takes ready tasks from the
/// queue by rank in batches and follows each with the best dependent it
/// made ready; `threads` workers take turns, one task each. For one thread
/// that is exactly the order of a run, so `held` bounds the measured peak;
/// for more, real timings shift the order, and a graph with many tasks
/// ready at once (block products) can hold up to about twice the
/// projection: it is a plan, not a guarantee.
pub(crate) fn project(
    g: &TaskGraph,
    rank: &[u32],
    dep_off: &[u32],
    dependents: &[TaskId],
    threads: usize,
    result: u64,
) -> MemoryProjection {
    let n = g.tasks.len();
    let threads = threads.max(1);
    let mut waiting: Vec<u32> = g.tasks.iter().map(|t| t.deps.len() as u32).collect();
    let mut uses: Vec<u32> = (0..n).map(|t| dep_off[t + 1] - dep_off[t]).collect();
    let mut ready: BinaryHeap<Reverse<(u32, TaskId)>> =
        (0..n).filter(|&t| waiting[t] == 0).map(|t| Reverse((rank[t], t as TaskId))).collect();
    let mut batch: Vec<VecDeque<TaskId>> = vec![VecDeque::new(); threads];
    let mut next: Vec<Option<TaskId>> = vec![None; threads];
    let (mut held, mut peak_held, mut largest, mut largest_held) = (0u64, 0u64, 0u64, 0u64);
    let mut done = 0;
    while done < n {
        let mut progressed = false;
        for w in 0..threads {
            let t = match next[w].take().or_else(|| batch[w].pop_front()) {
                Some(t) => t,
                None => {
                    for _ in 0..batch_size(ready.len(), threads) {
                        match ready.pop() {
                            Some(Reverse((_, t))) => batch[w].push_back(t),
                            None => break,
                        }
                    }
                    match batch[w].pop_front() {
                        Some(t) => t,
                        None => continue,
                    }
                }
            };
            progressed = true;
            done += 1;
            let task = &g.tasks[t as usize];
            largest = largest.max(task.est_bytes);
            for &d in &task.deps {
                let d = d as usize;
                uses[d] -= 1;
                if uses[d] == 0 {
                    held -= g.tasks[d].est_bytes;
                }
            }
            let ti = t as usize;
            if uses[ti] > 0 {
                largest_held = largest_held.max(task.est_bytes);
                held += task.est_bytes;
                peak_held = peak_held.max(held);
            }
            for &u in &dependents[dep_off[ti] as usize..dep_off[ti + 1] as usize] {
                waiting[u as usize] -= 1;
                if waiting[u as usize] == 0 {
                    if let Some(q) = prefer(&mut next[w], u, rank) {
                        ready.push(Reverse((rank[q as usize], q)));
                    }
                }
            }
        }
        if !progressed {
            break; // unreachable for a graph without cycles
        }
    }
    // With several workers, real timings shift the replayed order: each
    // further worker may keep one more result alive.
    let held = peak_held + (threads as u64 - 1) * largest_held;
    let in_flight = threads as u64 * largest;
    MemoryProjection { held, in_flight, result, peak: held + in_flight + result, threads }
}

/// Refuses a computation whose projection exceeds `limit` (resolved once
/// per computation, from `Config::memory_limit`).
pub(crate) fn check(p: &MemoryProjection, limit: Option<u64>) -> Result<()> {
    match limit {
        Some(limit) if p.peak > limit => Err(Error::MemoryLimit { needed: p.peak, limit, detail: p.to_string() }),
        _ => Ok(()),
    }
}
