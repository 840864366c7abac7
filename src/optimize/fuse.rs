//! Fusion: decides which nodes become tasks of their own ("materialised")
//! and which are inlined into their consumers' fused per-chunk programs.
//!
//! Elementwise operations and sources are inlined into their consumer, so a
//! chain like `((x + 1) * 2 - x).sum()` runs as one task per chunk that makes
//! one pass over the data. A node read by several consumers is materialised
//! once and shared, unless it is cheap to produce again (sources and short
//! elementwise chains over them): recomputing those costs less than holding
//! their chunks until every consumer has run.

use crate::expr::{Node, NodeKind};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Elementwise steps above which a multiply-read chain is held, not redone.
const MAX_RECOMPUTE_OPS: usize = 8;

/// Tokens of the nodes that get tasks of their own.
///
/// Operations that move whole blocks (a rechunk of held chunks, concatenate,
/// products, take, reshape, overlap) read their inputs' blocks, so those
/// inputs are materialised too; that can turn a rechunk planned as a view
/// over a source into one over held chunks, which needs blocks of its own.
/// The plan is therefore repeated with those inputs forced until it is
/// stable (it only grows, so this ends).
pub(crate) fn plan(
    order: &[Arc<Node>],
    consumers: &HashMap<u64, usize>,
    roots: &HashSet<u64>,
    fuse: bool,
) -> HashSet<u64> {
    let mut forced = HashSet::new();
    loop {
        let (out, needed) = plan_once(order, consumers, roots, fuse, &forced);
        if needed.is_subset(&out) {
            return out;
        }
        forced.extend(needed);
        forced.extend(out);
    }
}

/// One round of the plan with the `forced` nodes materialised: the nodes
/// that get tasks, and the inputs that block-moving operations read.
fn plan_once(
    order: &[Arc<Node>],
    consumers: &HashMap<u64, usize>,
    roots: &HashSet<u64>,
    fuse: bool,
    forced: &HashSet<u64>,
) -> (HashSet<u64>, HashSet<u64>) {
    let mut cost: HashMap<u64, Option<usize>> = HashMap::new();
    // Whether a node, inlined, reads chunks of a materialised node: such a
    // group can only read windows inside one chunk of it.
    let mut windowed: HashMap<u64, bool> = HashMap::new();
    let mut out = HashSet::new();
    for n in order {
        let reads_chunks = n.inputs().iter().any(|i| out.contains(&i.token) || windowed[&i.token]);
        // Ops to recompute this node from sources alone, if possible.
        let c = match &n.kind {
            NodeKind::Source(_) | NodeKind::FromArray(_) => Some(0),
            // Views cost nothing to redo: they only change how leaves are read,
            // and over a held node each consumer reads its chunks through the
            // view (copying them into a chunk of the view's own would only
            // add work and memory).
            NodeKind::Transpose { input, .. } | NodeKind::Slice { input, .. } if out.contains(&input.token) => Some(0),
            NodeKind::Transpose { input, .. } | NodeKind::Slice { input, .. } => cost[&input.token],
            // A rechunk is a view only over sources, which fill any window;
            // over chunks (even through views) its blocks straddle them.
            NodeKind::Rechunk { input } => cost[&input.token].filter(|_| !reads_chunks),
            NodeKind::Elementwise { inputs, .. } => inputs
                .iter()
                .try_fold(1usize, |acc, i| cost[&i.token].map(|c| acc + c))
                .filter(|&c| c <= MAX_RECOMPUTE_OPS),
            _ => None,
        };
        cost.insert(n.token, c);
        windowed.insert(n.token, reads_chunks);
        let shared = consumers.get(&n.token).copied().unwrap_or(0) > 1;
        let materialise = !fuse
            || roots.contains(&n.token)
            || forced.contains(&n.token)
            || match &n.kind {
                NodeKind::Source(_) | NodeKind::FromArray(_) => false,
                NodeKind::Elementwise { .. } | NodeKind::Transpose { .. } | NodeKind::Slice { .. } => {
                    shared && c.is_none()
                }
                NodeKind::Rechunk { .. } => c.is_none(),
                _ => true,
            };
        if materialise {
            out.insert(n.token);
        }
    }
    // Operations that move whole blocks read their inputs' blocks.
    let mut needed = HashSet::new();
    for n in order {
        let moves_blocks = match &n.kind {
            NodeKind::Rechunk { .. } => out.contains(&n.token) && cost[&n.token].is_none(),
            NodeKind::Concat { .. }
            | NodeKind::Contract { .. }
            | NodeKind::Take { .. }
            | NodeKind::Reshape { .. }
            | NodeKind::Overlap { .. } => true,
            _ => false,
        };
        if moves_blocks {
            needed.extend(n.inputs().iter().map(|i| i.token));
        }
    }
    (out, needed)
}
