//! How the block kernels see their blocks: typed views, blocks joined
//! along an axis without copying, `(outer, n, inner)` around an axis.

use crate::dtype::{AnyArray, Element};
use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayViewD, CowArray, IxDyn};

/// A block as a `T` view.
pub(super) fn typed<'a, T: Element>(a: &'a AnyArray, what: &str) -> Result<ArrayViewD<'a, T>> {
    T::view_any(a)
        .map(|x| x.view())
        .ok_or_else(|| Error::Internal(format!("{what} read a {:?} block as {:?}", a.dtype(), T::DTYPE)))
}

/// The arguments joined along `axis`, without copying them: row `(o, t)`
/// (the `inner` values at outer index `o` and joined position `t`) is a
/// slice of the argument holding `t`.
pub(super) struct Rows<'a, T> {
    parts: Vec<CowArray<'a, T, IxDyn>>,
    /// Per joined position: its argument, the position there, that argument's length.
    at: Vec<(usize, usize, usize)>,
    pub(super) outer: usize,
    pub(super) inner: usize,
}

impl<'a, T: Element> Rows<'a, T> {
    pub(super) fn new(args: &[&'a AnyArray], axis: usize, what: &str) -> Result<(Rows<'a, T>, Vec<usize>)> {
        let parts: Vec<CowArray<'a, T, IxDyn>> =
            args.iter().map(|a| typed::<T>(a, what).map(standard)).collect::<Result<_>>()?;
        let first = parts.first().ok_or_else(|| Error::Internal(format!("{what} of no block")))?;
        let mut shape = first.shape().to_vec();
        let (outer, _, inner) = split(&shape, axis);
        let mut at = vec![];
        for (k, p) in parts.iter().enumerate() {
            let (o, n, i) = split(p.shape(), axis);
            if (o, i) != (outer, inner) {
                return Err(Error::Internal(format!("{what} joined blocks of shapes {:?} and {:?}", shape, p.shape())));
            }
            at.extend((0..n).map(|t| (k, t, n)));
        }
        shape[axis] = at.len();
        Ok((Rows { parts, at, outer, inner }, shape))
    }

    /// One array (in standard layout) seen along `axis`.
    pub(super) fn from_array(a: ArrayD<T>, axis: usize) -> Rows<'a, T> {
        let a = a.as_standard_layout().into_owned();
        let (outer, n, inner) = split(a.shape(), axis);
        Rows { parts: vec![CowArray::from(a)], at: (0..n).map(|t| (0, t, n)).collect(), outer, inner }
    }

    /// Positions along the joined axis.
    pub(super) fn len(&self) -> usize {
        self.at.len()
    }

    #[inline]
    pub(super) fn row(&self, o: usize, t: usize) -> &[T] {
        let (k, lt, n) = self.at[t];
        let s = self.parts[k].as_slice().expect("standard layout");
        &s[(o * n + lt) * self.inner..][..self.inner]
    }
}

/// A view in standard layout: itself, or a copy.
pub(super) fn standard<T: Element>(v: ArrayViewD<'_, T>) -> CowArray<'_, T, IxDyn> {
    if v.is_standard_layout() {
        CowArray::from(v)
    } else {
        CowArray::from(v.as_standard_layout().into_owned())
    }
}

/// `(outer, n, inner)` of `shape` around `axis`.
pub(super) fn split(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
}

/// An array of `shape` from row-major values.
pub(super) fn array<T: Element>(shape: &[usize], v: Vec<T>) -> Result<AnyArray> {
    ArrayD::from_shape_vec(IxDyn(shape), v)
        .map(T::wrap)
        .map_err(|e| Error::Internal(format!("a block of shape {shape:?}: {e}")))
}

/// Lanes gathered at once: their scratch (`LANE_TILE x n` values) stays in
/// cache for lanes of a few thousand values, and the input is read in
/// contiguous runs of `LANE_TILE`.
const LANE_TILE: usize = 64;

/// Runs `f(lane, out)` on every lane along the joined axis of `rows`
/// giving `m` values each (`init` before), laid out with those `m` on a
/// leading axis (`lead`, the lane axis dropped) or in place of the lane
/// axis: `(m, outer, inner)` or `(outer, m, inner)`.
pub(super) fn map_lanes<T: Element, U: Copy>(
    rows: &Rows<'_, T>,
    m: usize,
    lead: bool,
    init: U,
    mut f: impl FnMut(&[T], &mut [U]),
) -> Vec<U> {
    let (outer, n, inner) = (rows.outer, rows.len(), rows.inner);
    let lanes = outer * inner;
    let mut out = vec![init; m * lanes];
    let mut scratch = vec![T::default(); LANE_TILE.min(inner.max(1)) * n];
    let mut res = vec![init; m];
    for o in 0..outer {
        for i0 in (0..inner).step_by(LANE_TILE) {
            let w = LANE_TILE.min(inner - i0);
            for t in 0..n {
                for (g, &v) in rows.row(o, t)[i0..i0 + w].iter().enumerate() {
                    scratch[g * n + t] = v;
                }
            }
            for g in 0..w {
                res.fill(init);
                f(&scratch[g * n..(g + 1) * n], &mut res);
                let i = i0 + g;
                for (k, &r) in res.iter().enumerate() {
                    let at = if lead { k * lanes + o * inner + i } else { (o * m + k) * inner + i };
                    out[at] = r;
                }
            }
        }
    }
    out
}
