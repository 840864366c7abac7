//! Stencils and moving windows: `map_overlap` gives each block a halo of
//! its neighbours' values; `rolling_mean` is `rolling(..).mean()` with
//! its own argument checks.

use super::impl_ops::TypedBlockFn;
use super::DArray;
use crate::dtype::{Element, Float};
use crate::error::Error;
use crate::expr::{build::closure_token, Node, NodeKind, Pad};
use crate::key::TokenHasher;
use ndarray::ArrayD;
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
        // A complete window of values (min_periods = window) is NaN where
        // it holds a NaN, as this function has always said.
        x.rolling(axis, window).center(center).mean()
    }
}
