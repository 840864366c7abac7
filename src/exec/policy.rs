//! The scheduling rules the threaded scheduler follows and the memory plan
//! replays (kept in one place so the two cannot drift apart).

use crate::graph::TaskId;

/// Most ready tasks a worker takes from the shared queue at once.
pub(crate) const BATCH: usize = 16;

/// How many of `queued` ready tasks a worker takes at once: enough to spare
/// the lock, and enough left for the other workers. (The memory plan
/// replays this rule, `memory::project`.)
pub(crate) fn batch_size(queued: usize, threads: usize) -> usize {
    (queued / (4 * threads)).clamp(1, BATCH)
}

/// Offers `u`, just made ready, as the task to run next after `best`: the
/// lower rank wins; returns the task to queue instead, if any.
pub(crate) fn prefer(best: &mut Option<TaskId>, u: TaskId, rank: &[u32]) -> Option<TaskId> {
    match *best {
        Some(b) if rank[b as usize] <= rank[u as usize] => Some(u),
        Some(b) => {
            *best = Some(u);
            Some(b)
        }
        None => {
            *best = Some(u);
            None
        }
    }
}
