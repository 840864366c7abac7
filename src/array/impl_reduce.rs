//! Reductions: run as a tree of per-chunk partials merged with a fan-in of
//! `split_every`, so the graph's depth grows with log(number of chunks).

use super::DArray;
use crate::dtype::{Element, Numeric};
use crate::error::Error;
use crate::expr::{reduce, Node};
use crate::kernels::reduce::{
    All, Any, Arg, Max, Mean, Min, Moment, Moments, NanMax, NanMin, NanSum, Prod, Simple, Sum,
};
use crate::kernels::Reducer;
use std::sync::Arc;

/// Default fan-in of reduction trees (dask's `split_every`).
pub const DEFAULT_SPLIT_EVERY: usize = 16;

/// Which axes to reduce and how.
///
/// ```
/// use darray::{DArray, ReduceOpts};
/// let x = DArray::<f64>::ones([4, 6, 8], [2, 3, 4])?;
/// let s = x.sum_with(&ReduceOpts::axes([0, 2]).keepdims(true).split_every(4));
/// assert_eq!(s.shape(), &[1, 6, 1]);
/// assert!(s.compute()?.iter().all(|&v| v == 32.0));
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReduceOpts {
    /// Axes to reduce (`None`: all).
    pub axes: Option<Vec<usize>>,
    /// Keep reduced axes as length 1.
    pub keepdims: bool,
    /// Fan-in of the combine tree (default 16, spread over the axes).
    pub split_every: Option<usize>,
}

impl ReduceOpts {
    /// Reduce over all axes.
    pub fn all() -> Self {
        Self::default()
    }
    /// Reduce over one axis.
    pub fn axis(a: usize) -> Self {
        ReduceOpts { axes: Some(vec![a]), ..Self::default() }
    }
    /// Reduce over several axes.
    pub fn axes(a: impl AsRef<[usize]>) -> Self {
        ReduceOpts { axes: Some(a.as_ref().to_vec()), ..Self::default() }
    }
    /// Keep reduced axes as length 1.
    pub fn keepdims(mut self, on: bool) -> Self {
        self.keepdims = on;
        self
    }
    /// Sets the tree's fan-in.
    pub fn split_every(mut self, n: usize) -> Self {
        self.split_every = Some(n);
        self
    }
}

impl<T: Element> DArray<T> {
    pub(crate) fn reduce_node<U: Element>(&self, r: Arc<dyn Reducer>, o: &ReduceOpts, no_identity: bool) -> DArray<U> {
        let node = reduce(
            r,
            self.node.clone(),
            o.axes.as_deref(),
            o.keepdims,
            o.split_every.unwrap_or(DEFAULT_SPLIT_EVERY),
            no_identity,
        );
        DArray::from_node(node)
    }
}

macro_rules! reductions {
    ([$($bound:tt)*]; $($(#[$m:meta])* $name:ident, $axis:ident, $with:ident -> $out:ty = $make:expr, $noid:expr;)*) => {
        impl<T: $($bound)*> DArray<T> {
            $(
                $(#[$m])*
                pub fn $name(&self) -> DArray<$out> {
                    self.$with(&ReduceOpts::all())
                }
                #[doc = concat!("`", stringify!($name), "` along one axis.")]
                pub fn $axis(&self, axis: usize) -> DArray<$out> {
                    self.$with(&ReduceOpts::axis(axis))
                }
                #[doc = concat!("`", stringify!($name), "` with explicit axes, keepdims and fan-in.")]
                pub fn $with(&self, o: &ReduceOpts) -> DArray<$out> {
                    self.reduce_node(Arc::new($make), o, $noid)
                }
            )*
        }
    };
}

reductions! { [Numeric];
    /// Sum of all elements (integers accumulate in `i64`/`u64`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0u8, 200, 1, 64)?;
    /// assert_eq!(x.sum().compute()?[[]], 19900u64);
    /// # Ok::<(), darray::Error>(())
    /// ```
    sum, sum_axis, sum_with -> T::Sum = Simple::<T, Sum>::new(), false;
    /// Product of all elements.
    prod, prod_axis, prod_with -> T::Sum = Simple::<T, Prod>::new(), false;
    /// Smallest element (NaN if any is NaN); an error for empty arrays.
    min, min_axis, min_with -> T = Simple::<T, Min>::new(), true;
    /// Largest element (NaN if any is NaN); an error for empty arrays.
    max, max_axis, max_with -> T = Simple::<T, Max>::new(), true;
    /// Sum ignoring NaN.
    nansum, nansum_axis, nansum_with -> T::Sum = Simple::<T, NanSum>::new(), false;
    /// Smallest element ignoring NaN (NaN where all are NaN).
    nanmin, nanmin_axis, nanmin_with -> T = Simple::<T, NanMin>::new(), true;
    /// Largest element ignoring NaN (NaN where all are NaN).
    nanmax, nanmax_axis, nanmax_with -> T = Simple::<T, NanMax>::new(), true;
    /// Arithmetic mean (`f64` for integers); NaN for empty arrays.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(1i32, 5, 1, 3)?;
    /// assert_eq!(x.mean().compute()?[[]], 2.5f64);
    /// # Ok::<(), darray::Error>(())
    /// ```
    mean, mean_axis, mean_with -> T::Mean = Mean::<T, T::Mean>::new(false), false;
    /// Mean ignoring NaN.
    nanmean, nanmean_axis, nanmean_with -> T::Mean = Mean::<T, T::Mean>::new(true), false;
}

impl<T: Numeric> DArray<T> {
    /// Variance with `ddof` delta degrees of freedom (NumPy's `var`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]), 3)?;
    /// assert_eq!(x.var(1.0).compute()?[[]], 5.0 / 3.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn var(&self, ddof: f64) -> DArray<T::Mean> {
        self.var_with(&ReduceOpts::all(), ddof)
    }
    /// Variance along one axis.
    pub fn var_axis(&self, axis: usize, ddof: f64) -> DArray<T::Mean> {
        self.var_with(&ReduceOpts::axis(axis), ddof)
    }
    /// Variance with explicit axes.
    pub fn var_with(&self, o: &ReduceOpts, ddof: f64) -> DArray<T::Mean> {
        self.reduce_node(Arc::new(Moments::<T, T::Mean>::new(Moment::Var(ddof), false)), o, false)
    }
    /// Standard deviation with `ddof` delta degrees of freedom.
    pub fn std(&self, ddof: f64) -> DArray<T::Mean> {
        self.std_with(&ReduceOpts::all(), ddof)
    }
    /// Standard deviation along one axis.
    pub fn std_axis(&self, axis: usize, ddof: f64) -> DArray<T::Mean> {
        self.std_with(&ReduceOpts::axis(axis), ddof)
    }
    /// Standard deviation with explicit axes.
    pub fn std_with(&self, o: &ReduceOpts, ddof: f64) -> DArray<T::Mean> {
        self.reduce_node(Arc::new(Moments::<T, T::Mean>::new(Moment::Std(ddof), false)), o, false)
    }
    /// Variance ignoring NaN.
    pub fn nanvar_with(&self, o: &ReduceOpts, ddof: f64) -> DArray<T::Mean> {
        self.reduce_node(Arc::new(Moments::<T, T::Mean>::new(Moment::Var(ddof), true)), o, false)
    }
    /// Standard deviation ignoring NaN.
    pub fn nanstd_with(&self, o: &ReduceOpts, ddof: f64) -> DArray<T::Mean> {
        self.reduce_node(Arc::new(Moments::<T, T::Mean>::new(Moment::Std(ddof), true)), o, false)
    }

    fn arg(&self, max: bool, o: &ReduceOpts) -> DArray<i64> {
        if o.axes.as_ref().is_some_and(|a| a.len() > 1) {
            let e = Error::Invalid(format!(
                "{} takes one axis or all, got {:?}",
                if max { "argmax" } else { "argmin" },
                o.axes
            ));
            return DArray::from_node(Node::invalid(e, crate::DType::I64, &self.node));
        }
        self.reduce_node(Arc::new(Arg::<T>::new(max)), o, true)
    }
    /// Flat index of the smallest element (the first one on ties; the
    /// first NaN if any). An error for empty arrays.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[3, 1], [1, 5]]), 1)?;
    /// assert_eq!(x.argmin().compute()?[[]], 1);
    /// assert_eq!(x.argmin_axis(0).compute()?.into_raw_vec_and_offset().0, vec![1, 0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn argmin(&self) -> DArray<i64> {
        self.arg(false, &ReduceOpts::all())
    }
    /// Index along `axis` of the smallest element.
    pub fn argmin_axis(&self, axis: usize) -> DArray<i64> {
        self.arg(false, &ReduceOpts::axis(axis))
    }
    /// `argmin` with options (at most one axis).
    pub fn argmin_with(&self, o: &ReduceOpts) -> DArray<i64> {
        self.arg(false, o)
    }
    /// Flat index of the largest element (first on ties; first NaN if any).
    pub fn argmax(&self) -> DArray<i64> {
        self.arg(true, &ReduceOpts::all())
    }
    /// Index along `axis` of the largest element.
    pub fn argmax_axis(&self, axis: usize) -> DArray<i64> {
        self.arg(true, &ReduceOpts::axis(axis))
    }
    /// `argmax` with options (at most one axis).
    pub fn argmax_with(&self, o: &ReduceOpts) -> DArray<i64> {
        self.arg(true, o)
    }
}

reductions! { [Element + Into<bool>];
    /// True if any element is true.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i32, 10, 1, 3)?;
    /// assert!(x.greater(8).any().compute()?[[]]);
    /// assert!(!x.greater(8).all().compute()?[[]]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    any, any_axis, any_with -> bool = Simple::<T, Any>::new(), false;
    /// True if every element is true.
    all, all_axis, all_with -> bool = Simple::<T, All>::new(), false;
}
