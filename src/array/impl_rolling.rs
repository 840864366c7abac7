//! Moving windows: `rolling(axis, window)` and its reductions, with
//! pandas' and xarray's semantics (`center`, `min_periods`). Each block's
//! task reads the neighbouring blocks its windows reach, however far.

use super::DArray;
use crate::dtype::{CastFrom, Element, Float, Numeric};
use crate::error::Error;
use crate::expr::build::blockwise;
use crate::ops::RollOp;

/// The reductions of a window type (`Rolling`, `Coarsen`): each calls its
/// `reduce` with the matching `RollOp`.
macro_rules! window_reductions {
    ($ty:ident) => {
        impl<T: Numeric> $ty<T>
        where
            T::Mean: CastFrom<T>,
        {
            /// Sum of each window (NaN left out).
            pub fn sum(&self) -> DArray<T::Mean> {
                self.reduce(RollOp::Sum)
            }
            /// Mean of each window.
            pub fn mean(&self) -> DArray<T::Mean> {
                self.reduce(RollOp::Mean)
            }
            /// Smallest value of each window.
            pub fn min(&self) -> DArray<T::Mean> {
                self.reduce(RollOp::Min)
            }
            /// Largest value of each window.
            pub fn max(&self) -> DArray<T::Mean> {
                self.reduce(RollOp::Max)
            }
            /// Variance of each window with `ddof` delta degrees of freedom
            /// (pandas' default is 1).
            pub fn var(&self, ddof: f64) -> DArray<T::Mean> {
                self.reduce(RollOp::Var { ddof })
            }
            /// Standard deviation of each window with `ddof` delta degrees
            /// of freedom.
            pub fn std(&self, ddof: f64) -> DArray<T::Mean> {
                self.reduce(RollOp::Std { ddof })
            }
            /// Values in each window that are not NaN.
            pub fn count(&self) -> DArray<T::Mean> {
                self.reduce(RollOp::Count)
            }
        }
    };
}
pub(super) use window_reductions;

window_reductions!(Rolling);

/// A moving window along one axis of an array, from [`DArray::rolling`]:
/// its reductions give an array of the same shape, in `f64` for integers
/// (pandas' float results), where position `i` reduces the window ending
/// at `i` (or, with [`center`](Rolling::center), centred on it, the
/// extra position of an even window before it), clipped to the array.
/// NaN are left out; a window holding fewer than `min_periods` other
/// values (by default, the window's length) gives NaN.
///
/// ```
/// use darray::DArray;
/// let x = DArray::<f64>::arange(0.0, 6.0, 1.0, 4)?;
/// let s = x.rolling(0, 3).sum().compute()?.into_raw_vec_and_offset().0;
/// assert!(s[0].is_nan() && s[1].is_nan());
/// assert_eq!(s[2..], [3.0, 6.0, 9.0, 12.0]);
/// let m = x.rolling(0, 3).center(true).min_periods(1).max().compute()?;
/// assert_eq!(m.into_raw_vec_and_offset().0, vec![1.0, 2.0, 3.0, 4.0, 5.0, 5.0]);
/// let y = DArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 8.0]), 2)?;
/// let v = y.rolling(0, 2).var(1.0).compute()?.into_raw_vec_and_offset().0;
/// assert_eq!(v[1..], [0.5, 2.0, 8.0]);
/// // `count` asks `min_periods` of the window's positions, as pandas does.
/// let z = DArray::from_array(ndarray::arr1(&[1.0, f64::NAN, 3.0]), 2)?;
/// let c = z.rolling(0, 2).count().compute()?.into_raw_vec_and_offset().0;
/// assert!(c[0].is_nan());
/// assert_eq!(c[1..], [1.0, 1.0]);
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone)]
pub struct Rolling<T> {
    x: DArray<T>,
    axis: usize,
    window: usize,
    center: bool,
    min_periods: Option<usize>,
}

impl<T: Element> DArray<T> {
    /// A moving window of `window` positions along `axis` (pandas'
    /// `rolling`); see [`Rolling`].
    pub fn rolling(&self, axis: usize, window: usize) -> Rolling<T> {
        Rolling { x: self.clone(), axis, window, center: false, min_periods: None }
    }
}

impl<T: Numeric> Rolling<T>
where
    T::Mean: CastFrom<T>,
{
    /// Centres the window on its position.
    pub fn center(mut self, on: bool) -> Self {
        self.center = on;
        self
    }

    /// Values a window needs (not NaN) for a result; at most the window.
    pub fn min_periods(mut self, n: usize) -> Self {
        self.min_periods = Some(n);
        self
    }

    fn reduce(&self, op: RollOp) -> DArray<T::Mean> {
        let (x, w) = (&self.x, self.window);
        if let Some(e) = x.error() {
            return x.failed_as(e.clone());
        }
        let min_periods = self.min_periods.unwrap_or(w);
        if w == 0 {
            return x.failed_as(Error::Invalid("a rolling window of 0 positions".into()));
        }
        if min_periods > w {
            return x.failed_as(Error::Invalid(format!("min_periods {min_periods} is larger than the window {w}")));
        }
        // The window of position i is [i + after + 1 - window, i + after].
        let after = if self.center { (w - 1) / 2 } else { 0 };
        x.cast::<T::Mean>().window_node(op, self.axis, w - 1 - after, after, min_periods)
    }
}

impl<T: Float> DArray<T> {
    /// The moving window `op` over `i - before ..= i + after` along `axis`.
    pub(crate) fn window_node(
        &self,
        op: RollOp,
        axis: usize,
        before: usize,
        after: usize,
        min_periods: usize,
    ) -> DArray<T> {
        if let Some(e) = self.error() {
            return self.failed_with(e.clone());
        }
        if axis >= self.ndim() {
            return self.failed_with(Error::Axis { axis, ndim: self.ndim() });
        }
        DArray::from_node(blockwise::rolling(self.node.clone(), op, axis, before, after, min_periods, T::DTYPE))
    }
}
