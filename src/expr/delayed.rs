//! Delayed calls as expression nodes: a DAG of user calls, deduplicated by
//! token like array nodes, that array blocks can be built from.

use crate::ops::CallFn;
use std::sync::Arc;

/// A node of a delayed graph.
pub(crate) struct DNode {
    pub(crate) token: u64,
    pub(crate) name: Arc<str>,
    pub(crate) deps: Vec<Arc<DNode>>,
    pub(crate) f: Arc<CallFn>,
}
