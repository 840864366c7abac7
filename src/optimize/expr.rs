//! The expression as optimizer rules see it: a cheap handle on one node.

use crate::chunks::Chunks;
use crate::dtype::DType;
use crate::error::Result;
use crate::expr::{elementwise, Node, NodeKind};
use crate::ops::{ElemOp, ReduceOp, SourceOp};
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
    /// The elementwise operation the node applies, if it is one.
    pub fn elementwise_op(&self) -> Option<&ElemOp> {
        match &self.0.kind {
            NodeKind::Elementwise { kernel, .. } => Some(kernel.op()),
            _ => None,
        }
    }
    /// The source operation that generates the node's values, if any.
    pub fn source_op(&self) -> Option<&SourceOp> {
        match &self.0.kind {
            NodeKind::Source(s) => Some(s.op()),
            _ => None,
        }
    }
    /// The reduction the node computes (over axes or over groups), if any.
    pub fn reduce_op(&self) -> Option<ReduceOp> {
        match &self.0.kind {
            NodeKind::Reduce { reducer, .. } | NodeKind::GroupReduce { reducer, .. } => Some(reducer.op()),
            _ => None,
        }
    }
    /// A new elementwise node: the built-in `op` over `inputs`, broadcast
    /// together (an error if `op` does not take their element types, or
    /// their shapes do not broadcast).
    ///
    /// ```
    /// use darray::ops::{BinaryOp, ElemOp};
    /// use darray::optimize::Expr;
    /// use darray::DArray;
    /// let x = DArray::<f64>::ones([4], [2])?;
    /// let y = Expr::elementwise(ElemOp::Binary(BinaryOp::Add), &[x.expr(), x.expr()])?;
    /// assert_eq!(DArray::<f64>::from_expr(y)?.compute()?[[0]], 2.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn elementwise(op: ElemOp, inputs: &[Expr]) -> Result<Expr> {
        let dtypes: Vec<DType> = inputs.iter().map(Expr::dtype).collect();
        let out = op.out_dtype(&dtypes)?;
        let n = elementwise(op, inputs.iter().map(|e| e.0.clone()).collect(), out);
        match n.error() {
            Some(e) => Err(e.clone()),
            None => Ok(Expr(n)),
        }
    }
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({} {:?} {} {:016x})", self.0.label, self.0.shape, self.0.dtype.name(), self.0.token)
    }
}
