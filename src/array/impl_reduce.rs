//! Reductions: run as a tree of per-chunk partials merged with a fan-in of
//! `split_every`, so the graph's depth grows with log(number of chunks).

use super::DArray;
use crate::dtype::{Element, Numeric};
use crate::expr::reduce;
use crate::ops::ReduceOp;

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
    /// The reduction `op` over the axes of `o`, giving `U`.
    pub(crate) fn reduce_node<U: Element>(&self, op: ReduceOp, o: &ReduceOpts) -> DArray<U> {
        let node = reduce(
            op,
            self.node.clone(),
            o.axes.as_deref(),
            o.keepdims,
            o.split_every.unwrap_or(DEFAULT_SPLIT_EVERY),
            U::DTYPE,
        );
        DArray::from_node(node)
    }
}

/// The one table of reductions: calls `$m!` with an entry per reduction,
/// `doc; name, name_axis, name_with (params) [bound] -> Out = op` and, for
/// those grouped reductions have too, `group "doc"`. It generates the
/// methods of both `DArray` (here) and `GroupBy` (`impl_group.rs`).
macro_rules! reduction_table {
    ($m:ident) => {
        $m! {
            /// Sum of all elements (integers accumulate in `i64`/`u64`).
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::arange(0u8, 200, 1, 64)?;
            /// assert_eq!(x.sum().compute()?[[]], 19900u64);
            /// # Ok::<(), darray::Error>(())
            /// ```
            sum, sum_axis, sum_with () [Numeric] -> T::Sum = ReduceOp::Sum, group "Sum of each group.";
            /// Product of all elements.
            prod, prod_axis, prod_with () [Numeric] -> T::Sum = ReduceOp::Prod, group "Product of each group.";
            /// Smallest element (NaN if any is NaN); an error for empty arrays.
            min, min_axis, min_with () [Numeric] -> T = ReduceOp::Min,
                group "Smallest value of each group (NaN if any is NaN).";
            /// Largest element (NaN if any is NaN); an error for empty arrays.
            max, max_axis, max_with () [Numeric] -> T = ReduceOp::Max,
                group "Largest value of each group (NaN if any is NaN).";
            /// Sum ignoring NaN.
            nansum, nansum_axis, nansum_with () [Numeric] -> T::Sum = ReduceOp::NanSum,
                group "Sum of each group, NaN skipped.";
            /// Smallest element ignoring NaN (NaN where all are NaN).
            nanmin, nanmin_axis, nanmin_with () [Numeric] -> T = ReduceOp::NanMin,
                group "Smallest value of each group, NaN skipped.";
            /// Largest element ignoring NaN (NaN where all are NaN).
            nanmax, nanmax_axis, nanmax_with () [Numeric] -> T = ReduceOp::NanMax,
                group "Largest value of each group, NaN skipped.";
            /// Arithmetic mean (`f64` for integers); NaN for empty arrays.
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::arange(1i32, 5, 1, 3)?;
            /// assert_eq!(x.mean().compute()?[[]], 2.5f64);
            /// # Ok::<(), darray::Error>(())
            /// ```
            mean, mean_axis, mean_with () [Numeric] -> T::Mean = ReduceOp::Mean, group "Mean of each group.";
            /// Mean ignoring NaN.
            nanmean, nanmean_axis, nanmean_with () [Numeric] -> T::Mean = ReduceOp::NanMean,
                group "Mean of each group, NaN skipped.";
            /// Variance with `ddof` delta degrees of freedom (NumPy's `var`).
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]), 3)?;
            /// assert_eq!(x.var(1.0).compute()?[[]], 5.0 / 3.0);
            /// # Ok::<(), darray::Error>(())
            /// ```
            var, var_axis, var_with (ddof: f64) [Numeric] -> T::Mean = ReduceOp::Var { ddof },
                group "Variance of each group with `ddof` delta degrees of freedom.";
            /// Standard deviation with `ddof` delta degrees of freedom.
            std, std_axis, std_with (ddof: f64) [Numeric] -> T::Mean = ReduceOp::Std { ddof },
                group "Standard deviation of each group.";
            /// Variance ignoring NaN, with `ddof` delta degrees of freedom
            /// (NumPy's `nanvar`: NaN where no more than `ddof` values remain).
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::from_array(ndarray::arr2(&[[1.0, f64::NAN, 3.0], [4.0, 4.0, f64::NAN]]), [1, 2])?;
            /// let v = x.nanvar_axis(1, 0.0).compute()?;
            /// assert_eq!(v.into_raw_vec_and_offset().0, vec![1.0, 0.0]);
            /// assert!((x.nanvar(1.0).compute()?[[]] - 2.0).abs() < 1e-12);
            /// # Ok::<(), darray::Error>(())
            /// ```
            nanvar, nanvar_axis, nanvar_with (ddof: f64) [Numeric] -> T::Mean = ReduceOp::NanVar { ddof },
                group "Variance of each group, NaN skipped.";
            /// Standard deviation ignoring NaN, with `ddof` delta degrees of
            /// freedom (NumPy's `nanstd`).
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::from_array(ndarray::arr1(&[2.0, f64::NAN, 4.0, f64::NAN]), 2)?;
            /// assert_eq!(x.nanstd(0.0).compute()?[[]], 1.0);
            /// assert!(x.nanstd_axis(0, 2.0).compute()?[[]].is_nan());
            /// # Ok::<(), darray::Error>(())
            /// ```
            nanstd, nanstd_axis, nanstd_with (ddof: f64) [Numeric] -> T::Mean = ReduceOp::NanStd { ddof },
                group "Standard deviation of each group, NaN skipped.";
            /// Flat index of the smallest element (the first one on ties; the
            /// first NaN if any). An error for empty arrays, and for more
            /// than one axis.
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::from_array(ndarray::arr2(&[[3, 1], [1, 5]]), 1)?;
            /// assert_eq!(x.argmin().compute()?[[]], 1);
            /// assert_eq!(x.argmin_axis(0).compute()?.into_raw_vec_and_offset().0, vec![1, 0]);
            /// # Ok::<(), darray::Error>(())
            /// ```
            argmin, argmin_axis, argmin_with () [Numeric] -> i64 = ReduceOp::ArgMin;
            /// Flat index of the largest element (first on ties; first NaN if
            /// any). An error for empty arrays, and for more than one axis.
            argmax, argmax_axis, argmax_with () [Numeric] -> i64 = ReduceOp::ArgMax;
            /// True if any element is true.
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::arange(0i32, 10, 1, 3)?;
            /// assert!(x.greater(8).any().compute()?[[]]);
            /// assert!(!x.greater(8).all().compute()?[[]]);
            /// # Ok::<(), darray::Error>(())
            /// ```
            any, any_axis, any_with () [Element + Into<bool>] -> bool = ReduceOp::Any;
            /// True if every element is true.
            all, all_axis, all_with () [Element + Into<bool>] -> bool = ReduceOp::All;
            /// Product ignoring NaN (NumPy's `nanprod`: 1 where all are NaN).
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::from_array(ndarray::arr1(&[2.0, f64::NAN, 4.0]), 2)?;
            /// assert_eq!(x.nanprod().compute()?[[]], 8.0);
            /// # Ok::<(), darray::Error>(())
            /// ```
            nanprod, nanprod_axis, nanprod_with () [Numeric] -> T::Sum = ReduceOp::NanProd,
                group "Product of each group, NaN skipped.";
            /// Flat index of the smallest element ignoring NaN (first on
            /// ties). Computing it is an error where a slice holds NaN
            /// alone, as NumPy's `nanargmin` raises; an error for empty
            /// arrays and for more than one axis.
            ///
            /// ```
            /// use darray::DArray;
            /// let x = DArray::from_array(ndarray::arr2(&[[f64::NAN, 3.0], [1.0, f64::NAN]]), 1)?;
            /// assert_eq!(x.nanargmin().compute()?[[]], 2);
            /// assert_eq!(x.nanargmin_axis(1).compute()?.into_raw_vec_and_offset().0, vec![1, 0]);
            /// let all_nan = DArray::from_array(ndarray::arr1(&[f64::NAN, f64::NAN]), 1)?;
            /// assert!(all_nan.nanargmin().compute().is_err());
            /// # Ok::<(), darray::Error>(())
            /// ```
            nanargmin, nanargmin_axis, nanargmin_with () [Numeric] -> i64 = ReduceOp::NanArgMin;
            /// Flat index of the largest element ignoring NaN (see
            /// [`nanargmin`](DArray::nanargmin)).
            nanargmax, nanargmax_axis, nanargmax_with () [Numeric] -> i64 = ReduceOp::NanArgMax;
        }
    };
}
pub(crate) use reduction_table;

macro_rules! darray_reductions {
    ($($(#[$doc:meta])* $name:ident, $axis:ident, $with:ident ($($p:ident: $pt:ty),*) [$($bound:tt)*]
        -> $out:ty = $op:expr $(, group $gdoc:literal)?;)*) => {$(
        impl<T: $($bound)*> DArray<T> {
            $(#[$doc])*
            pub fn $name(&self $(, $p: $pt)*) -> DArray<$out> {
                self.$with(&ReduceOpts::all() $(, $p)*)
            }
            #[doc = concat!("`", stringify!($name), "` along one axis.")]
            pub fn $axis(&self, axis: usize $(, $p: $pt)*) -> DArray<$out> {
                self.$with(&ReduceOpts::axis(axis) $(, $p)*)
            }
            #[doc = concat!("`", stringify!($name), "` with explicit axes, keepdims and fan-in.")]
            pub fn $with(&self, o: &ReduceOpts $(, $p: $pt)*) -> DArray<$out> {
                self.reduce_node($op, o)
            }
        }
    )*};
}
reduction_table!(darray_reductions);
