//! Prefix scans along an axis, in the output type, sequentially (NumPy's
//! `cumsum` order): a block continues from the edge row of the block
//! before it, so the result does not depend on the chunking.

use super::layout::{array, split, typed};
use crate::dtype::{CastFrom, Numeric};
use crate::error::{Error, Result};
use crate::ops::{BlockOp, ScanOp};

/// A scan of a block of `T` into `U` (the same type, or a widening the
/// kernel does as it reads: `f32` into `f64`).
pub(super) fn run<T: Numeric, U: Numeric + CastFrom<T>>(
    op: &BlockOp,
    args: &[&crate::dtype::AnyArray],
    shape: &[usize],
) -> Result<crate::dtype::AnyArray> {
    let BlockOp::Scan { op, axis, reverse } = *op else { unreachable!("a scan step") };
    let x = typed::<T>(args[0], op.name())?;
    let x = x.as_standard_layout();
    if x.shape() != shape {
        return Err(Error::Internal(format!("{} of a block of shape {:?} into {shape:?}", op.name(), x.shape())));
    }
    let (outer, n, inner) = split(shape, axis);
    let xs = x.as_slice().expect("standard layout");
    // The carry: the previous output block's edge row along the axis.
    let prev = match args.get(1) {
        Some(p) => {
            let p = typed::<U>(p, op.name())?;
            let p = p.as_standard_layout();
            let (po, pn, pi) = split(p.shape(), axis);
            if po != outer || pi != inner || pn == 0 {
                return Err(Error::Internal(format!("{} carried from a block of shape {:?}", op.name(), p.shape())));
            }
            let edge = if reverse { 0 } else { pn - 1 };
            let ps = p.as_slice().expect("standard layout");
            Some((0..outer).flat_map(|o| ps[(o * pn + edge) * inner..][..inner].to_vec()).collect::<Vec<U>>())
        }
        None => None,
    };
    let init = match op {
        ScanOp::Sum | ScanOp::NanSum => U::el_from_f64(0.0),
        ScanOp::Prod | ScanOp::NanProd => U::el_from_f64(1.0),
        _ => U::default(),
    };
    // Rows appended as they are scanned (no first pass of fill values).
    let mut out: Vec<U> = Vec::with_capacity(xs.len());
    let mut carry = vec![init; inner];
    let mut row_u = vec![init; inner];
    for o in 0..outer {
        match &prev {
            Some(p) => carry.copy_from_slice(&p[o * inner..][..inner]),
            None => carry.fill(init),
        }
        let base = out.len();
        for k in 0..n {
            let t = if reverse { n - 1 - k } else { k };
            let row = (o * n + t) * inner;
            row_u.iter_mut().zip(&xs[row..row + inner]).for_each(|(d, &v)| *d = U::cast_from(v));
            // Without a carry the first row is itself (NumPy's first
            // element: `-0.0` stays negative, `cummax` starts at it).
            let first = k == 0 && prev.is_none() && !matches!(op, ScanOp::NanSum | ScanOp::NanProd);
            if first {
                carry.copy_from_slice(&row_u);
            } else {
                step(op, &mut carry, &row_u);
            }
            out.extend_from_slice(&carry);
        }
        // A backward scan appended its rows last first: put them in order.
        if reverse {
            let rows: Vec<U> = out[base..].chunks(inner.max(1)).rev().flatten().copied().collect();
            out.truncate(base);
            out.extend_from_slice(&rows);
        }
    }
    array(shape, out)
}

/// `carry = carry (op) src`, elementwise.
#[inline]
fn step<T: Numeric>(op: ScanOp, carry: &mut [T], src: &[T]) {
    let zip = carry.iter_mut().zip(src);
    match op {
        ScanOp::Sum => zip.for_each(|(c, &v)| *c = c.add_(v)),
        ScanOp::Prod => zip.for_each(|(c, &v)| *c = c.mul_(v)),
        ScanOp::NanSum => zip.for_each(|(c, &v)| {
            if !v.el_is_nan() {
                *c = c.add_(v)
            }
        }),
        ScanOp::NanProd => zip.for_each(|(c, &v)| {
            if !v.el_is_nan() {
                *c = c.mul_(v)
            }
        }),
        // NaN once a NaN is seen (NumPy's `maximum.accumulate`).
        ScanOp::Max => zip.for_each(|(c, &v)| {
            if v.el_is_nan() || (!c.el_is_nan() && v > *c) {
                *c = v
            }
        }),
        ScanOp::Min => zip.for_each(|(c, &v)| {
            if v.el_is_nan() || (!c.el_is_nan() && v < *c) {
                *c = v
            }
        }),
        ScanOp::Fill => zip.for_each(|(c, &v)| {
            if !v.el_is_nan() {
                *c = v
            }
        }),
    }
}
