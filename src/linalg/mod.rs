//! Linear algebra on blocked arrays, as task graphs of small dense steps
//! (`ops::DenseOp`, run by faer on each task's blocks): tall-and-skinny QR
//! and SVD, the randomized SVD, LU with partial pivoting, solves,
//! Cholesky, inverses, least squares, norms, `einsum`, and EOF analysis. Products (`dot`,
//! `matmul`, `tensordot`) are `DArray` methods.
//!
//! Like every operation these are lazy and defer errors: a result of a bad
//! input (not 2-D, not square, shapes that do not match) is an array that
//! fails at `compute()` with a typed error, and a matrix without the
//! factorisation asked (singular, not positive definite) fails there with
//! `Error::Linalg`. Results are `f32` or `f64` as the input; each dense
//! step runs on one thread, the graph's tasks in parallel (the first dense
//! step sets faer's process-wide parallelism to `Par::Seq`).

mod einsum;
mod eof;
mod lstsq;
mod lu;
mod norm;
mod qr;
mod svd;
mod triangular;

pub use einsum::einsum;
pub use eof::{eof, Eof};
pub use lstsq::{lstsq, Lstsq};
pub use lu::{inv, lu, solve};
pub use norm::{norm, NormOrd};
pub use qr::{qr, sfqr, tsqr};
pub use svd::{svd, svd_compressed};
pub use triangular::{cholesky, solve_triangular};

use crate::array::DArray;
use crate::dtype::{Element, Float};
use crate::error::Error;
use crate::expr::{self, Node, NodeKind};
use crate::ops::DenseOp;
use std::sync::Arc;

/// A block argument of a dense step: a node, its flat block index, the part.
type Arg = (Arc<Node>, usize, usize);

/// A dense step of `parts` outputs, the first of `shape`, of type `U`.
fn step<U: Element>(op: DenseOp, args: Vec<Arg>, shape: &[usize], parts: usize) -> Arc<Node> {
    expr::dense(op, args, shape.to_vec(), U::DTYPE, parts)
}

/// Part `p` (of `shape`, type `U`) of a block as a node of its own: a copy
/// where the block is one part of several, else the node itself.
fn part<U: Element>(a: &Arg, shape: &[usize]) -> Arc<Node> {
    let (n, block, p) = a;
    let single = match &n.kind {
        NodeKind::Dense { parts, .. } => *parts == 1,
        _ => n.chunks.nblocks() == 1,
    };
    if single && *block == 0 && *p == 0 {
        return n.clone();
    }
    step::<U>(DenseOp::Copy, vec![a.clone()], shape, 1)
}

/// An array from a grid of one-block nodes (rows of equal heights, columns
/// of equal widths).
fn join<T: Element>(grid: Vec<Vec<Arc<Node>>>) -> DArray<T> {
    let rows: Vec<Arc<Node>> = grid.into_iter().map(|row| expr::concat(row, 1)).collect();
    DArray::from_node(expr::concat(rows, 0))
}

/// Zeros of `shape` as one block: the blocks a factor has no values for,
/// and the factors of an array without rows or columns.
fn zeros<T: Float>(shape: &[usize]) -> DArray<T> {
    let one: Vec<usize> = shape.iter().map(|&s| s.max(1)).collect();
    DArray::<T>::zeros(shape, one).unwrap_or_else(|e| {
        let chunks = crate::chunks::Chunks::from_sizes(shape.iter().map(|&s| vec![s]).collect());
        DArray::from_node(Node::invalid_shaped(e, T::DTYPE, shape.to_vec(), chunks))
    })
}

/// The error of a matrix argument that is not 2-D (or already failed).
fn matrix_error<T: Element>(a: &DArray<T>, what: &str) -> Option<Error> {
    if let Some(e) = a.error() {
        return Some(e.clone());
    }
    (a.ndim() != 2).then(|| Error::Shape(format!("{what} needs a 2-D array, not one of shape {:?}", a.shape())))
}

/// The error of a square matrix argument.
fn square_error<T: Element>(a: &DArray<T>, what: &str) -> Option<Error> {
    matrix_error(a, what).or_else(|| {
        (a.shape()[0] != a.shape()[1])
            .then(|| Error::Shape(format!("{what} needs a square matrix, not one of shape {:?}", a.shape())))
    })
}

/// `a` with square blocks: its columns chunked as its rows.
fn square_blocks<T: Element>(a: &DArray<T>) -> DArray<T> {
    let rows = a.chunks()[0].clone();
    a.rechunk(vec![rows.clone(), rows])
}

/// The flat index of block `(i, j)` of a 2-D grid with `nj` block columns.
fn at(i: usize, j: usize, nj: usize) -> usize {
    i * nj + j
}

/// The error of a right-hand side `b` for a matrix `a` whose own error is
/// `a_err`: `b`'s own, or a shape that is not a vector or matrix of `a`'s
/// number of rows.
fn rhs_error<T: Element>(a: &DArray<T>, a_err: Option<Error>, b: &DArray<T>, what: &str) -> Option<Error> {
    a_err.or_else(|| b.error().cloned()).or_else(|| {
        (!(1..=2).contains(&b.ndim()) || b.shape()[0] != a.shape()[0]).then(|| {
            Error::Shape(format!("{what} of a {:?} matrix with a right-hand side of shape {:?}", a.shape(), b.shape()))
        })
    })
}

/// A right-hand side as a matrix (a vector as one column), its rows
/// chunked as `rows`, and whether it was a vector.
fn rhs<T: Element>(b: &DArray<T>, rows: &[usize]) -> (DArray<T>, bool) {
    let vector = b.ndim() == 1;
    let b2 = if vector { b.expand_dims(1) } else { b.clone() };
    let cols = b2.chunks().get(1).cloned().unwrap_or_default();
    (b2.rechunk(vec![rows.to_vec(), cols]), vector)
}

/// Undoes `rhs`: a one-column result as a vector.
fn unrhs<T: Element>(x: DArray<T>, vector: bool) -> DArray<T> {
    if vector {
        x.slice(&crate::s![.., 0])
    } else {
        x
    }
}
