//! Fusion: decides which nodes become tasks of their own ("materialised")
//! and which are inlined into their consumers' fused per-chunk programs.
//! Nodes that block-moving operations read are forced by `materialise.rs`;
//! the driver repeats the two until the plan is stable.
//!
//! Elementwise operations and sources are inlined into their consumer, so a
//! chain like `((x + 1) * 2 - x).sum()` runs as one task per chunk that makes
//! one pass over the data. A node read by several consumers is materialised
//! once and shared, unless it is cheap to produce again (sources and short
//! elementwise chains over them): recomputing those costs less than holding
//! their chunks until every consumer has run.

use super::rule::{PhysicalPlan, Rule};
use crate::error::Result;
use crate::expr::{Node, NodeKind};
use std::collections::{HashMap, HashSet};

/// Elementwise steps above which a multiply-read chain is held, not redone.
const MAX_RECOMPUTE_OPS: usize = 8;

/// The fusion rule (`fuse`): recomputes the materialised set from the
/// nodes other rules force (`PhysicalPlan::forced`).
pub(super) struct Fusion;

impl Rule for Fusion {
    fn name(&self) -> &str {
        "fuse"
    }
    fn plan(&self, p: &mut PhysicalPlan) -> Result<bool> {
        let roots: HashSet<u64> = p.roots.iter().map(|r| r.token).collect();
        let (out, views) = plan(p, &roots);
        let changed = out != p.materialised || views != p.views;
        p.materialised = out;
        p.views = views;
        Ok(changed)
    }
}

/// True when `n` can be produced again from sources alone, reading no
/// chunk of another task: the precondition of inlining it anywhere, and of
/// rechunking it as a mere change of view (`rechunk_plan.rs`).
pub(super) fn from_sources(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Source(_) | NodeKind::FromArray(_) => true,
        NodeKind::Elementwise { .. }
        | NodeKind::Transpose { .. }
        | NodeKind::Slice { .. }
        | NodeKind::Rechunk { .. } => n.inputs().iter().all(|i| from_sources(i)),
        _ => false,
    }
}

/// The nodes that get tasks of their own with `p.forced` materialised, and
/// the rechunks among them that are views over sources (they fill any
/// window, so they move no blocks).
fn plan(p: &PhysicalPlan, roots: &HashSet<u64>) -> (HashSet<u64>, HashSet<u64>) {
    let (order, consumers, forced) = (&p.order, &p.consumers, &p.forced);
    let mut cost: HashMap<u64, Option<usize>> = HashMap::new();
    // Whether a node, inlined, reads chunks of a materialised node: such a
    // group can only read windows inside one chunk of it.
    let mut windowed: HashMap<u64, bool> = HashMap::new();
    let mut out = HashSet::new();
    let mut views = HashSet::new();
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
        let materialise = roots.contains(&n.token)
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
            if matches!(n.kind, NodeKind::Rechunk { .. }) && c.is_some() {
                views.insert(n.token);
            }
        }
    }
    (out, views)
}
