//! Delayed calls as expression nodes: a DAG of user calls, deduplicated by
//! token like array nodes, that array blocks can be built from.

use crate::ops::{BlockValueFn, CallFn};
use std::sync::Arc;

/// A node of a delayed graph.
pub(crate) struct DNode {
    pub(crate) token: u64,
    pub(crate) name: Arc<str>,
    pub(crate) deps: Vec<Arc<DNode>>,
    pub(crate) f: Arc<CallFn>,
    /// A block of an array (`to_delayed`): its value is that block,
    /// converted; `deps` and `f` are unused.
    pub(crate) block: Option<ArrayBlock>,
    /// The task's key as item `index` of group `token` (a futures `map`),
    /// so placement spreads a group's items over the ranks; `None`: the
    /// call's own token, alone.
    pub(crate) item: Option<(u64, u32)>,
}

/// Block `flat` (row-major) of the array node `node`, as a delayed value.
pub(crate) struct ArrayBlock {
    pub(crate) node: Arc<super::Node>,
    pub(crate) flat: usize,
    pub(crate) convert: Arc<BlockValueFn>,
}

impl DNode {
    /// The array nodes whose blocks the graph of `roots` reads, once each.
    pub(crate) fn arrays(roots: &[Arc<DNode>]) -> Vec<Arc<super::Node>> {
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<Arc<super::Node>> = vec![];
        let mut stack: Vec<&Arc<DNode>> = roots.iter().collect();
        while let Some(n) = stack.pop() {
            if !seen.insert(n.token) {
                continue;
            }
            if let Some(b) = &n.block {
                if !out.iter().any(|o| o.token == b.node.token) {
                    out.push(b.node.clone());
                }
            }
            stack.extend(n.deps.iter());
        }
        out
    }
}
