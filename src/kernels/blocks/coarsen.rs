//! `coarsen`: non-overlapping windows of a block reduced to one value
//! each, NaN left out (xarray's `skipna`).

use super::layout::{array, typed};
use crate::dtype::{AnyArray, Float};
use crate::error::{Error, Result};
use crate::ops::{BlockOp, RollOp};
use ndarray::Dimension;

#[derive(Clone, Copy)]
struct Acc {
    n: usize,
    sum: f64,
    min: f64,
    max: f64,
    first: f64,
    last: f64,
    m2: f64,
}

pub(super) fn run<T: Float>(op: &BlockOp, args: &[&AnyArray], shape: &[usize]) -> Result<AnyArray> {
    let BlockOp::Coarsen { window, op } = op else { unreachable!("a coarsen step") };
    let x = typed::<T>(args[0], "coarsen")?;
    let ok = x.ndim() == window.len()
        && x.shape().iter().zip(window).zip(shape).all(|((&s, &w), &o)| w > 0 && s % w == 0 && s / w == o);
    if !ok {
        return Err(Error::Internal(format!("coarsen of {:?} by {window:?} into {shape:?}", x.shape())));
    }
    let cells: usize = shape.iter().product();
    let init = Acc { n: 0, sum: 0.0, min: f64::NAN, max: f64::NAN, first: f64::NAN, last: f64::NAN, m2: 0.0 };
    let mut acc = vec![init; cells];
    let cell = |idx: &[usize]| idx.iter().zip(window).zip(shape).fold(0, |f, ((&i, &w), &s)| f * s + i / w);
    // C order, so `first` and `last` follow the window's row-major order.
    for (idx, v) in x.indexed_iter() {
        let v = v.el_to_f64();
        if v.is_nan() {
            continue;
        }
        let a = &mut acc[cell(idx.slice())];
        if a.n == 0 {
            a.first = v;
        }
        a.n += 1;
        a.sum += v;
        a.min = a.min.min(v);
        a.max = a.max.max(v);
        a.last = v;
    }
    if matches!(op, RollOp::Var { .. } | RollOp::Std { .. }) {
        for (idx, v) in x.indexed_iter() {
            let v = v.el_to_f64();
            if !v.is_nan() {
                let a = &mut acc[cell(idx.slice())];
                let d = v - a.sum / a.n as f64;
                a.m2 += d * d;
            }
        }
    }
    let out = acc
        .iter()
        .map(|a| {
            let n = a.n as f64;
            let v = match *op {
                RollOp::Sum => a.sum,
                RollOp::Count => n,
                _ if a.n == 0 => f64::NAN,
                RollOp::Mean => a.sum / n,
                RollOp::Min => a.min,
                RollOp::Max => a.max,
                RollOp::First => a.first,
                RollOp::Last => a.last,
                RollOp::Var { ddof } | RollOp::Std { ddof } => {
                    let var = if n - ddof > 0.0 { a.m2 / (n - ddof) } else { f64::NAN };
                    if matches!(op, RollOp::Std { .. }) {
                        var.sqrt()
                    } else {
                        var
                    }
                }
            };
            T::el_from_f64(v)
        })
        .collect();
    array(shape, out)
}
