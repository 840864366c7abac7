//! Variance of anomalies in one pass (`anomaly-var`): the spread of
//! `x - x.mean(B)` over all of `x`, the most common statistic of a
//! climate analysis, without holding or reading `x` twice.
//!
//! The anomaly's mean over everything is zero (each point's anomalies sum
//! to zero along `B`), so its variance is the sum over the points of the
//! squared deviations along `B`, divided by `N - ddof`:
//!
//! ```text
//! var(x - mean_B(x), ddof) = sum(var_B(x, 0)) * N_B / (N - ddof)
//! ```
//!
//! `var_B` is a blocked reduction whose partials merge per point (Chan's
//! update), so the whole statistic is one streaming pass beside the mean,
//! reading each block once, with nothing held. The two-pass form holds
//! every block of `x` until the mean is known (or reads it again). The
//! result equals the two-pass one to rounding (the one-pass form never
//! subtracts a rounded mean from rounded values).
//!
//! It applies to `var`/`std` over all axes of `x - m` or `m - x`, where
//! `m = x.mean_axis(B)` (the leading axes, or any with `keepdims`) is
//! broadcast back over `x`, of floating-point `x` with `N - ddof > 0`.
//! NaN propagates as in the two-pass form (a NaN makes its point's
//! variance NaN). The NaN-skipping forms and grouped anomalies are left
//! to the two-pass form: a grouped variance beside the grouped mean makes
//! each run of a group a slice shared by two partials, which the fusion
//! then materialises and holds (tried on C1: twice the time, three times
//! the memory).

use super::expr::Expr;
use super::rule::Rule;
use crate::error::Result;
use crate::expr::{elementwise, reduce};
use crate::expr::{Node, NodeKind};
use crate::ops::{BinaryOp, ElemOp, ReduceOp, Scalar, UnaryOp};
use std::sync::Arc;

pub(super) struct AnomalyVar;

impl Rule for AnomalyVar {
    fn name(&self) -> &str {
        "anomaly-var"
    }
    fn rewrite(&self, e: &Expr) -> Result<Option<Expr>> {
        Ok(one_pass(&e.0).map(Expr))
    }
}

/// The one-pass form of `n`, when `n` is the variance or standard
/// deviation of an anomaly against a mean of the same array.
fn one_pass(n: &Arc<Node>) -> Option<Arc<Node>> {
    let NodeKind::Reduce { reducer, input: y, axes, keepdims, split_every } = &n.kind else { return None };
    let (ddof, sqrt) = match reducer.op() {
        ReduceOp::Var { ddof } => (ddof, false),
        ReduceOp::Std { ddof } => (ddof, true),
        _ => return None,
    };
    let nd = y.shape.len();
    if *keepdims || axes.len() != nd || !y.dtype.is_float() {
        return None;
    }
    let NodeKind::Elementwise { kernel, inputs } = &y.kind else { return None };
    if kernel.op() != &ElemOp::Binary(BinaryOp::Sub) || inputs.len() != 2 {
        return None;
    }
    // `x - m` or `m - x`: the same squares.
    let (x, b) = [(&inputs[0], &inputs[1]), (&inputs[1], &inputs[0])]
        .into_iter()
        .find_map(|(x, m)| Some((x.clone(), mean_axes(m, x)?)))?;
    if x.shape != y.shape || x.dtype != y.dtype {
        return None;
    }
    let n_all = x.shape.iter().map(|&s| s as f64).product::<f64>();
    let n_b = b.iter().map(|&a| x.shape[a] as f64).product::<f64>();
    if n_all - ddof <= 0.0 || n_all == 0.0 {
        return None;
    }
    let dt = y.dtype;
    // Squared deviations along B, per point (merged per point across blocks).
    let var_b = reduce(ReduceOp::Var { ddof: 0.0 }, x, Some(&b), false, *split_every, dt);
    let total = reduce(ReduceOp::Sum, var_b, None, false, *split_every, dt);
    let scale = ElemOp::ScalarRight { op: BinaryOp::Mul, scalar: Scalar::from_f64(dt, n_b / (n_all - ddof)) };
    let var = elementwise(scale, vec![total], dt);
    let out = if sqrt { elementwise(ElemOp::Unary(UnaryOp::Sqrt), vec![var], dt) } else { var };
    (out.dtype == n.dtype && out.shape == n.shape && out.error().is_none()).then_some(out)
}

/// The axes `m` is the mean of `x` along, when `m` broadcast against `x`
/// gives each point its own mean: the leading axes without `keepdims`,
/// any axes with it.
fn mean_axes(m: &Arc<Node>, x: &Arc<Node>) -> Option<Vec<usize>> {
    let NodeKind::Reduce { reducer, input, axes, keepdims, .. } = &m.kind else { return None };
    if reducer.op() != ReduceOp::Mean || input.token != x.token || axes.is_empty() {
        return None;
    }
    let nd = x.shape.len();
    let fits = if *keepdims {
        m.shape.len() == nd && (0..nd).all(|a| m.shape[a] == if axes.contains(&a) { 1 } else { x.shape[a] })
    } else {
        // Broadcasting aligns trailing axes: the reduced ones must lead.
        axes.iter().enumerate().all(|(i, &a)| i == a) && m.shape[..] == x.shape[axes.len()..]
    };
    fits.then(|| axes.clone())
}
