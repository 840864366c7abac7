//! Re-reading instead of holding: the rule that keeps `x - x.mean(0)` over
//! a file in bounded memory.
//!
//! A fusion group that reads blocks of a file (a `Read` node) *and* some
//! other materialised node computed from the same file (a mean over time,
//! a climatology) cannot run on a block until that other node is done,
//! which needs every block of the file. Sharing one read of each block
//! would hold the whole file in memory meanwhile. Such a group gets its
//! own reads of the file's blocks instead: one more read and decompression
//! per block (cheap next to holding gigabytes), and each block is freed as
//! soon as the group has used it. Groups that only read the file (several
//! reductions computed together) share one read and hold each block only
//! briefly.

use crate::expr::{Node, NodeKind};

/// The cost model. Sharing a block with a group behind a barrier holds it
/// until the barrier is done: memory for as long as the barrier takes.
/// Reading it again costs one more read and decompression of the block and
/// holds nothing. A group shares the blocks its barrier depends on while
/// they total at most `hold_bytes` (`Config::hold_bytes`, default
/// `HOLD_BYTES`; a cohort: a day-of-year climatology needs the same day of
/// each year, a few blocks); past it, every block is read again (a mean
/// over the whole time axis needs the whole file).
pub(crate) const HOLD_BYTES: usize = 256 << 20;

/// How many blocks of the file node `read` a barrier may hold (at least 1).
pub(crate) fn max_held_blocks(read: &Node, hold_bytes: usize) -> usize {
    let block = read.chunks.max_block_len() * read.dtype.size();
    (hold_bytes / block.max(1)).max(1)
}

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The `Read` nodes each node is computed from (itself included).
pub(crate) fn reads_below(order: &[Arc<Node>]) -> HashMap<u64, HashSet<u64>> {
    let mut below: HashMap<u64, HashSet<u64>> = HashMap::new();
    for n in order {
        let mut s: HashSet<u64> = HashSet::new();
        if matches!(n.kind, NodeKind::Read(_)) {
            s.insert(n.token);
        }
        for i in n.inputs() {
            if let Some(b) = below.get(&i.token) {
                s.extend(b.iter().copied());
            }
        }
        below.insert(n.token, s);
    }
    below
}

/// The `Read` leaves of a fusion group (among `leaves`, its materialised
/// inputs) that the group should read again rather than share.
pub(crate) fn rereads<'a>(
    leaves: impl Iterator<Item = &'a Node> + Clone,
    below: &HashMap<u64, HashSet<u64>>,
) -> Vec<u64> {
    let mut out = vec![];
    for l in leaves.clone() {
        if !matches!(l.kind, NodeKind::Read(_)) || out.contains(&l.token) {
            continue;
        }
        let barrier =
            leaves.clone().any(|o| o.token != l.token && below.get(&o.token).is_some_and(|b| b.contains(&l.token)));
        if barrier {
            out.push(l.token);
        }
    }
    out
}
