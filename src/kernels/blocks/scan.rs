//! Prefix scans along an axis, in the output type, sequentially (NumPy's
//! `cumsum` order): a block continues from the edge row of the block
//! before it, so the result does not depend on the chunking.

use super::layout::{array, split, typed};
use crate::dtype::Numeric;
use crate::error::{Error, Result};
use crate::ops::{BlockOp, ScanOp};

pub(super) fn run<T: Numeric>(
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
            let p = typed::<T>(p, op.name())?;
            let p = p.as_standard_layout();
            let (po, pn, pi) = split(p.shape(), axis);
            if po != outer || pi != inner || pn == 0 {
                return Err(Error::Internal(format!("{} carried from a block of shape {:?}", op.name(), p.shape())));
            }
            let edge = if reverse { 0 } else { pn - 1 };
            let ps = p.as_slice().expect("standard layout");
            Some((0..outer).flat_map(|o| ps[(o * pn + edge) * inner..][..inner].to_vec()).collect::<Vec<T>>())
        }
        None => None,
    };
    let init = match op {
        ScanOp::Sum | ScanOp::NanSum => T::el_from_f64(0.0),
        ScanOp::Prod | ScanOp::NanProd => T::el_from_f64(1.0),
        _ => T::default(),
    };
    let mut out = vec![init; xs.len()];
    let mut carry = vec![init; inner];
    for o in 0..outer {
        match &prev {
            Some(p) => carry.copy_from_slice(&p[o * inner..][..inner]),
            None => carry.fill(init),
        }
        for k in 0..n {
            let t = if reverse { n - 1 - k } else { k };
            let row = (o * n + t) * inner;
            let (src, dst) = (&xs[row..row + inner], &mut out[row..row + inner]);
            // Without a carry the first row is itself (NumPy's first
            // element: `-0.0` stays negative, `cummax` starts at it).
            let first = k == 0 && prev.is_none() && !matches!(op, ScanOp::NanSum | ScanOp::NanProd);
            if first {
                carry.copy_from_slice(src);
            } else {
                step(op, &mut carry, src);
            }
            dst.copy_from_slice(&carry);
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
