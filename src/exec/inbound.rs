//! What a process running one share of a graph receives (`dist`), read by
//! the scheduler's caller thread (`scheduler::Part`).

use crate::error::Error;
use crate::graph::Payload;

/// What a rank receives for a run.
pub enum Inbound {
    /// The result of a task run elsewhere.
    Result(u32, Payload),
    /// The computation failed elsewhere.
    Failed(Error),
    /// A worker finished the last local task, or failed (the executor's
    /// own wake-up, never sent by a transport).
    Wake,
    /// Rank `from`'s digest.
    Digest { from: u32, digest: u64 },
    /// Rank 0's verdict on the digests.
    Verdict(Option<String>),
}
