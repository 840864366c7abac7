//! `topk` / `argtopk` of whole lanes (dask's semantics: the `k` largest,
//! largest first; `k < 0` the smallest, smallest first).

use super::layout::{array, map_lanes, Rows};
use crate::dtype::{AnyArray, Numeric};
use crate::error::{Error, Result};
use crate::ops::BlockOp;
use std::cmp::Ordering;

/// NumPy's sort order: NaN after every number.
#[inline]
fn order<T: Numeric>(a: T, b: T) -> Ordering {
    match (a.el_is_nan(), b.el_is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

pub(super) fn run<T: Numeric>(op: &BlockOp, args: &[&AnyArray], shape: &[usize]) -> Result<AnyArray> {
    let BlockOp::TopK { axis, k, arg } = *op else { unreachable!("a topk step") };
    let (rows, joined) = Rows::<T>::new(args, axis, op.name())?;
    let m = k.unsigned_abs();
    let mut want = joined.clone();
    want[axis] = m;
    if want != shape || m > rows.len() {
        return Err(Error::Internal(format!("{} of {joined:?} into {shape:?}", op.name())));
    }
    // Positions ranked by value (descending for k > 0), ties by position.
    let mut idx: Vec<usize> = vec![];
    let mut rank = |lane: &[T]| -> Vec<usize> {
        idx.clear();
        idx.extend(0..lane.len());
        let cmp = |a: &usize, b: &usize| {
            let o = order(lane[*a], lane[*b]);
            (if k > 0 { o.reverse() } else { o }).then(a.cmp(b))
        };
        if m > 0 && m < idx.len() {
            idx.select_nth_unstable_by(m - 1, cmp);
        }
        idx.truncate(m);
        idx.sort_unstable_by(cmp);
        idx.clone()
    };
    if arg {
        let out = map_lanes(&rows, m, false, 0i64, |lane: &[T], res| {
            res.iter_mut().zip(rank(lane)).for_each(|(r, p)| *r = p as i64)
        });
        array(shape, out)
    } else {
        let out = map_lanes(&rows, m, false, T::default(), |lane: &[T], res| {
            res.iter_mut().zip(rank(lane)).for_each(|(r, p)| *r = lane[p])
        });
        array(shape, out)
    }
}
