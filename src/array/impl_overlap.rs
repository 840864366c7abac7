//! Stencils and moving windows: `map_overlap` gives each block a halo of
//! its neighbours' values; `rolling_mean` is built on it.

use super::impl_ops::TypedBlockFn;
use super::DArray;
use crate::dtype::{Element, Float};
use crate::error::Error;
use crate::expr::{build::closure_token, Node, NodeKind, Pad};
use crate::key::TokenHasher;
use ndarray::{ArrayD, Axis};
use std::marker::PhantomData;
use std::sync::Arc;

/// How `map_overlap` fills the halo past the array's edges, named after
/// NumPy's `pad` modes (`[a b c d]` padded by 3 on the left shown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Boundary<T> {
    /// No halo past the edges: blocks at an edge are extended inwards only
    /// (dask's `boundary="none"`).
    None,
    /// A constant: `v v v | a b c d`.
    Constant(T),
    /// The edge value: `a a a | a b c d`.
    Edge,
    /// Mirrored about the edge value: `d c b | a b c d` (depth below the
    /// axis length).
    Reflect,
    /// Mirrored including the edge value: `c b a | a b c d` (depth at most
    /// the axis length).
    Symmetric,
    /// Periodic: `b c d | a b c d` (depth at most the axis length).
    Wrap,
}

impl<T: Element> DArray<T> {
    /// Runs `f` on every block extended by `depth[a]` positions of its
    /// neighbours on each side of axis `a` (filled past the array's edges as
    /// `boundary` says) and trims its result back to the block: stencils,
    /// smoothing, finite differences. `f` gets the extended block and the
    /// block index and must return an array of the same shape. A halo may
    /// reach past the next block (any depth works); each block's task reads
    /// just the neighbours it needs.
    ///
    /// ```
    /// use darray::{Boundary, DArray};
    /// use ndarray::{s, ArrayD, Axis};
    /// // A centred three-point sum along a periodic axis.
    /// let x = DArray::<f64>::arange(0.0, 8.0, 1.0, 3)?;
    /// let y = x.map_overlap(&[1], Boundary::Wrap, |b: ArrayD<f64>, _| {
    ///     let mut out = b.clone();
    ///     let n = b.len();
    ///     for i in 1..n - 1 {
    ///         out[i] = b[i - 1] + b[i] + b[i + 1];
    ///     }
    ///     out
    /// });
    /// assert_eq!(y.compute()?.into_raw_vec_and_offset().0, vec![8.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 13.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn map_overlap<U: Element>(
        &self,
        depth: &[usize],
        boundary: Boundary<T>,
        f: impl Fn(ArrayD<T>, &[usize]) -> ArrayD<U> + Send + Sync + 'static,
    ) -> DArray<U> {
        if let Some(e) = self.error() {
            return DArray::from_node(Node::invalid(e.clone(), U::DTYPE, &self.node));
        }
        let bad = |m: String| DArray::from_node(Node::invalid(Error::Invalid(m), U::DTYPE, &self.node));
        if depth.len() != self.ndim() {
            return bad(format!("{} depths for an array of {} dimensions", depth.len(), self.ndim()));
        }
        for (a, (&d, &n)) in depth.iter().zip(self.shape()).enumerate() {
            let most = match boundary {
                Boundary::Reflect => n.saturating_sub(1),
                Boundary::Symmetric | Boundary::Wrap => n,
                _ => usize::MAX,
            };
            if d > most && n > 0 {
                return bad(format!("depth {d} along axis {a} of length {n} is more than {boundary:?} padding allows"));
            }
        }
        let (pad, pad_bits) = match boundary {
            Boundary::None => (Pad::None, 0),
            Boundary::Constant(v) => (Pad::Constant(T::wrap(ArrayD::from_elem(vec![], v))), 1 + (v.el_bits() << 3)),
            Boundary::Edge => (Pad::Edge, 2),
            Boundary::Reflect => (Pad::Reflect, 3),
            Boundary::Symmetric => (Pad::Symmetric, 4),
            Boundary::Wrap => (Pad::Wrap, 5),
        };
        let n = &self.node;
        let token =
            TokenHasher::new("map_overlap").u64(closure_token()).usizes(depth).u64(pad_bits).u64(n.token).finish();
        let kind = NodeKind::Overlap {
            f: Arc::new(TypedBlockFn(f, PhantomData)),
            input: n.clone(),
            depth: depth.to_vec(),
            pad,
        };
        DArray::from_node(Node::new(token, "map_overlap", n.shape.clone(), n.chunks.clone(), U::DTYPE, kind))
    }
}

impl<T: Float> DArray<T> {
    /// Moving mean over `window` positions along `axis`, as pandas and
    /// xarray compute `rolling(window, center).mean()`: the window ends at
    /// the position (or, with `center`, is centred on it, the extra
    /// position of an even window before it); positions whose window is
    /// not complete, or holds a NaN, are NaN. A bad axis, or a window that
    /// is empty or longer than the axis, gives an array carrying the error.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::arange(0.0, 6.0, 1.0, 4)?;
    /// let m = x.rolling_mean(0, 3, false).compute()?;
    /// assert!(m[0].is_nan() && m[1].is_nan());
    /// assert_eq!(m.as_slice().unwrap()[2..], [1.0, 2.0, 3.0, 4.0]);
    /// let c = x.rolling_mean(0, 3, true).compute()?;
    /// assert_eq!(c.as_slice().unwrap()[1..5], [1.0, 2.0, 3.0, 4.0]);
    /// assert!(x.rolling_mean(0, 7, false).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn rolling_mean(&self, axis: usize, window: usize, center: bool) -> DArray<T> {
        let x = self;
        if x.error().is_some() {
            return x.clone();
        }
        let nd = x.ndim();
        let bad = |e: Error| DArray::from_node(Node::invalid(e, T::DTYPE, &x.node));
        if axis >= nd {
            return bad(Error::Axis { axis, ndim: nd });
        }
        if window == 0 || window > x.shape()[axis] {
            return bad(Error::Invalid(format!("window {window} for axis {axis} of length {}", x.shape()[axis])));
        }
        // The window of position i is [i + after + 1 - window, i + after].
        let after = if center { (window - 1) / 2 } else { 0 };
        let before = window - 1 - after;
        let d = before.max(after);
        let mut depth = vec![0; nd];
        depth[axis] = d;
        let nan = T::nan();
        x.map_overlap(&depth, Boundary::Constant(nan), move |b: ArrayD<T>, _| {
            let mut out = ArrayD::from_elem(b.raw_dim(), nan);
            let n = b.shape()[axis];
            for (lane, mut o) in b.lanes(Axis(axis)).into_iter().zip(out.lanes_mut(Axis(axis))) {
                // A running sum of the window's finite values (in f64) and
                // counts of its NaN and infinities (a sum would turn
                // inf - inf into NaN once an infinity leaves the window).
                let mut w = Window::default();
                for e in 0..n {
                    w.add(lane[e].el_to_f64(), 1);
                    if e >= window {
                        w.add(lane[e - window].el_to_f64(), -1);
                    }
                    // The window ending at e is position e - after's; the
                    // halo (depth >= before, after) holds every window of
                    // the block's own positions.
                    if e + 1 >= window && e >= after {
                        o[e - after] = T::el_from_f64(w.mean(window));
                    }
                }
            }
            out
        })
    }
}

/// The running state of a moving window. The sum of its finite values is
/// compensated (Neumaier, as pandas does): a plain running sum loses every
/// small value added next to a large one for good (`[1e16, 1, 1]` would
/// average to 0 once 1e16 has left the window).
#[derive(Default)]
struct Window {
    sum: f64,
    comp: f64,
    nan: i64,
    pos_inf: i64,
    neg_inf: i64,
}

impl Window {
    /// Adds (`k = 1`) or removes (`k = -1`) a value.
    fn add(&mut self, v: f64, k: i64) {
        if v.is_nan() {
            self.nan += k;
        } else if v == f64::INFINITY {
            self.pos_inf += k;
        } else if v == f64::NEG_INFINITY {
            self.neg_inf += k;
        } else {
            let x = k as f64 * v;
            let t = self.sum + x;
            self.comp += if self.sum.abs() >= x.abs() { (self.sum - t) + x } else { (x - t) + self.sum };
            self.sum = t;
        }
    }
    /// The mean of a full window of `n` values.
    fn mean(&self, n: usize) -> f64 {
        match (self.nan > 0, self.pos_inf > 0, self.neg_inf > 0) {
            (true, _, _) | (false, true, true) => f64::NAN,
            (false, true, false) => f64::INFINITY,
            (false, false, true) => f64::NEG_INFINITY,
            _ => (self.sum + self.comp) / n as f64,
        }
    }
}
