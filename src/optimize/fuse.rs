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
pub(crate) fn plan(
    order: &[Arc<Node>],
    consumers: &HashMap<u64, usize>,
    roots: &HashSet<u64>,
    fuse: bool,
) -> HashSet<u64> {
    let mut cost: HashMap<u64, Option<usize>> = HashMap::new();
    let mut out = HashSet::new();
    for n in order {
        // Ops to recompute this node from sources alone, if possible.
        let c = match &n.kind {
            NodeKind::Source(_) | NodeKind::FromArray(_) => Some(0),
            // Views cost nothing to redo: they only change how leaves are read,
            // and over a held node each consumer reads its chunks through the
            // view (copying them into a chunk of the view's own would only
            // add work and memory). A rechunk is a view only over sources,
            // which fill any window.
            NodeKind::Transpose { input, .. } | NodeKind::Slice { input, .. } if out.contains(&input.token) => Some(0),
            NodeKind::Transpose { input, .. } | NodeKind::Slice { input, .. } | NodeKind::Rechunk { input } => {
                cost.get(&input.token).copied().flatten()
            }
            NodeKind::Elementwise { inputs, .. } => inputs
                .iter()
                .try_fold(1usize, |acc, i| cost.get(&i.token).copied().flatten().map(|c| acc + c))
                .filter(|&c| c <= MAX_RECOMPUTE_OPS),
            _ => None,
        };
        cost.insert(n.token, c);
        let shared = consumers.get(&n.token).copied().unwrap_or(0) > 1;
        let materialise = !fuse
            || roots.contains(&n.token)
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
    for n in order {
        let moves_blocks = match &n.kind {
            NodeKind::Rechunk { .. } => out.contains(&n.token) && cost.get(&n.token).copied().flatten().is_none(),
            NodeKind::Concat { .. }
            | NodeKind::Contract { .. }
            | NodeKind::Take { .. }
            | NodeKind::Reshape { .. }
            | NodeKind::Overlap { .. } => true,
            _ => false,
        };
        if moves_blocks {
            for i in n.inputs() {
                out.insert(i.token);
            }
        }
    }
    out
}
