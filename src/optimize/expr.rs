//! The expression as optimizer rules see it: a cheap handle on one node.

use crate::chunks::Chunks;
use crate::dtype::DType;
use crate::expr::Node;
use std::sync::Arc;

/// A node of a lazy expression, for optimizer rules ([`Rule`](super::Rule)):
/// what it computes, its inputs, and its shape, type and chunks. Get one
/// from an array with `DArray::expr`; turn one back with
/// `DArray::from_expr`.
#[derive(Clone)]
pub struct Expr(pub(crate) Arc<Node>);

impl Expr {
    /// The stable token naming the node's tasks (equal for equal
    /// operations on equal inputs).
    pub fn token(&self) -> u64 {
        self.0.token
    }
    /// The operation's name, as task keys show it (`add`, `sum`, ...).
    pub fn name(&self) -> &str {
        &self.0.label
    }
    /// The shape of its result.
    pub fn shape(&self) -> &[usize] {
        &self.0.shape
    }
    /// Its element type.
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }
    /// Its chunk grid.
    pub fn chunks(&self) -> &Chunks {
        &self.0.chunks
    }
    /// Its direct inputs, in order.
    pub fn inputs(&self) -> Vec<Expr> {
        self.0.inputs().into_iter().map(|i| Expr(i.clone())).collect()
    }
    /// True when both are the same node (the same token).
    pub fn same(&self, other: &Expr) -> bool {
        self.0.token == other.0.token
    }
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({} {:?} {} {:016x})", self.0.label, self.0.shape, self.0.dtype.name(), self.0.token)
    }
}
