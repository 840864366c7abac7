//! NumPy's shape operations: padding, flips, rolls, differences and
//! gradients, squeezing and new axes, moving axes, broadcasting, tiling and
//! repeating, stacking and `block`, rotations, and the `s!` selection macro.
//!
//! Everything is built from the lazy primitives (strided slices, `take`,
//! concatenation, transposes, reshapes, elementwise broadcasting,
//! reductions, `map_overlap`), so results stay blocked: a pad is the input
//! plus thin edge blocks, a flip or roll reads the same chunks in another
//! order, and no operation gathers an array into one block. Errors follow
//! the crate's policy: the operation returns an array carrying the error
//! (reported by `compute`, visible through `error()`).

use super::impl_ops::{where_, Operand};
use super::impl_overlap::Boundary;
use super::impl_reduce::DEFAULT_SPLIT_EVERY;
use super::impl_structure::{concatenate, Sel};
use super::DArray;
use crate::chunks::{checked_len, refine, ChunkSpec, DEFAULT_CHUNK_BYTES, MAX_AXIS_BLOCKS};
use crate::dtype::{CastFrom, DType, Element, Float, Numeric};
use crate::error::Error;
use crate::expr::build::broadcast_shapes;
use crate::expr::{reduce, take_chunked, Node};
use crate::ops::{BinaryOp, ElemOp, ReduceOp};
use ndarray::{ArrayD, Axis};

// ------------------------------------------------------------ selections

/// A value the [`s!`](crate::s) macro turns into one [`Sel`]: an index,
/// a range (`a..b`, `a..`, `..b`, `a..=b`, `..=b`), `..` (the ellipsis)
/// or a `Sel`. Not meant to be implemented outside the crate.
#[doc(hidden)]
pub trait SelArg {
    /// The selection this value stands for.
    fn sel(self) -> Sel;
}

/// A range the [`s!`](crate::s) macro can give a step (`a..b;step`,
/// `..;step` for the whole axis).
#[doc(hidden)]
pub trait StepArg {
    /// The range with `step` (Python's `start:stop:step`).
    fn stepped(self, step: isize) -> Sel;
}

impl SelArg for Sel {
    fn sel(self) -> Sel {
        self
    }
}

impl SelArg for std::ops::RangeFull {
    fn sel(self) -> Sel {
        Sel::all()
    }
}

impl StepArg for std::ops::RangeFull {
    fn stepped(self, step: isize) -> Sel {
        Sel::range(None, None, step)
    }
}

/// The exclusive stop of an inclusive end `b` walked with `step`; `None`
/// where that would wrap to the other end (`..=-1`, or `..=0` backwards).
fn inclusive_stop(b: isize, step: isize) -> Option<isize> {
    let s = if step > 0 { b.checked_add(1) } else { b.checked_sub(1) }?;
    ((b >= 0) == (s >= 0)).then_some(s)
}

macro_rules! sel_args {
    ($($t:ty),*) => {$(
        impl SelArg for $t {
            fn sel(self) -> Sel {
                Sel::Index(isize::try_from(self).unwrap_or(isize::MAX))
            }
        }
        impl SelArg for std::ops::Range<$t> {
            fn sel(self) -> Sel {
                self.stepped(1)
            }
        }
        impl StepArg for std::ops::Range<$t> {
            fn stepped(self, step: isize) -> Sel {
                Sel::range(Some(ix(self.start)), Some(ix(self.end)), step)
            }
        }
        impl SelArg for std::ops::RangeFrom<$t> {
            fn sel(self) -> Sel {
                self.stepped(1)
            }
        }
        impl StepArg for std::ops::RangeFrom<$t> {
            fn stepped(self, step: isize) -> Sel {
                Sel::range(Some(ix(self.start)), None, step)
            }
        }
        impl SelArg for std::ops::RangeTo<$t> {
            fn sel(self) -> Sel {
                self.stepped(1)
            }
        }
        impl StepArg for std::ops::RangeTo<$t> {
            fn stepped(self, step: isize) -> Sel {
                Sel::range(None, Some(ix(self.end)), step)
            }
        }
        impl SelArg for std::ops::RangeInclusive<$t> {
            fn sel(self) -> Sel {
                self.stepped(1)
            }
        }
        impl StepArg for std::ops::RangeInclusive<$t> {
            fn stepped(self, step: isize) -> Sel {
                Sel::range(Some(ix(*self.start())), inclusive_stop(ix(*self.end()), step), step)
            }
        }
        impl SelArg for std::ops::RangeToInclusive<$t> {
            fn sel(self) -> Sel {
                self.stepped(1)
            }
        }
        impl StepArg for std::ops::RangeToInclusive<$t> {
            fn stepped(self, step: isize) -> Sel {
                Sel::range(None, inclusive_stop(ix(self.end), step), step)
            }
        }
    )*};
}

/// A position as `isize`, saturating (no axis is that long).
fn ix<T: TryInto<isize>>(v: T) -> isize {
    v.try_into().unwrap_or(isize::MAX)
}

sel_args!(i32, i64, isize, usize);

/// A basic index written like NumPy's `x[...]`, as an array of [`Sel`]
/// for [`DArray::slice`]: entries are separated by commas, and each is
///
/// - an index `i` (negative from the end; the axis is dropped),
/// - a range `a..b`, `a..`, `..b`, `a..=b`, `..=b`, optionally with a step
///   `;s` (Python's `a:b:s`, so `3..0;-1` is `3:0:-1` and `..;-1` is `::-1`,
///   the whole axis reversed),
/// - `..`: the whole axis (NumPy's `:`, as in ndarray's `s!`),
/// - `...`: NumPy's ellipsis, the axes not mentioned (at most one),
/// - `NewAxis`: a new axis of length 1,
/// - any other expression giving a [`Sel`].
///
/// So `s![.., 0]` is NumPy's `x[:, 0]` and `s![..., 0]` is `x[..., 0]`,
/// written as in NumPy. Unlike ndarray's `s!`, steps follow Python's
/// slicing rules. If both crates' macros are in scope, write `darray::s!`.
///
/// ```
/// use darray::{s, DArray, Sel};
/// let x = DArray::from_fn([2, 3, 4], [1, 2, 3], |i| (100 * i[0] + 10 * i[1] + i[2]) as i32)?;
/// // x[..., 1], x[:, 1] and x[1, ::-1, 1:3]
/// assert_eq!(x.slice(&s![..., 1]).shape(), &[2, 3]);
/// assert_eq!(x.slice(&s![..., 1]).compute()?[[1, 2]], 121);
/// assert_eq!(x.slice(&s![.., 1]).shape(), &[2, 4]);
/// let y = x.slice(&s![1, ..;-1, 1..3]).compute()?;
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![121, 122, 111, 112, 101, 102]);
/// // x[0, 0, 3:0:-2]
/// assert_eq!(x.slice(&s![0, 0, 3..0;-2]).compute()?.into_raw_vec_and_offset().0, vec![3, 1]);
/// // x[None, ..., -1]
/// assert_eq!(x.slice(&s![NewAxis, ..., -1]).shape(), &[1, 2, 3]);
/// assert_eq!(s![0..=2, Sel::all()], [Sel::span(0, 3), Sel::all()]);
/// # Ok::<(), darray::Error>(())
/// ```
#[macro_export]
macro_rules! s {
    (@sel [$($out:expr,)*]) => { [$($out),*] };
    (@sel [$($out:expr,)*] ... $(, $($rest:tt)*)?) => {
        $crate::s!(@sel [$($out,)* $crate::array::Sel::Ellipsis,] $($($rest)*)?)
    };
    (@sel [$($out:expr,)*] NewAxis $(, $($rest:tt)*)?) => {
        $crate::s!(@sel [$($out,)* $crate::array::Sel::NewAxis,] $($($rest)*)?)
    };
    (@sel [$($out:expr,)*] $r:expr ; $step:expr $(, $($rest:tt)*)?) => {
        $crate::s!(@sel [$($out,)* {
            // `3..0;-1` is Python's 3:0:-1, not an empty Rust range.
            #[allow(clippy::reversed_empty_ranges)]
            let r = $r;
            $crate::array::StepArg::stepped(r, $step)
        },] $($($rest)*)?)
    };
    (@sel [$($out:expr,)*] $r:expr $(, $($rest:tt)*)?) => {
        $crate::s!(@sel [$($out,)* $crate::array::SelArg::sel($r),] $($($rest)*)?)
    };
    ($($t:tt)*) => { $crate::s!(@sel [] $($t)*) };
}

// ------------------------------------------------------------ pad modes

/// How [`DArray::pad`] fills the new positions, named after NumPy's
/// `np.pad` modes (`[a b c d]` padded by 3 before shown).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PadMode<T> {
    /// `constant` with `constant_values=v`: `v v v | a b c d`.
    Constant(T),
    /// `edge`: `a a a | a b c d`.
    Edge,
    /// `reflect` (even): mirrored about the edge value, `d c b | a b c d`;
    /// wider pads go on reflecting, and an axis of length 1 repeats its
    /// value (as NumPy does).
    Reflect,
    /// `symmetric` (even): mirrored with the edge value, `c b a | a b c d`.
    Symmetric,
    /// `wrap`: from the other end, `b c d | a b c d`.
    Wrap,
    /// `linear_ramp` with `end_values=v`: from `v` towards the edge value,
    /// as NumPy's `linspace` computes it (in `f64`, where NumPy's end value
    /// enters too, whatever the array's type; floored for integers).
    /// Numeric types only.
    LinearRamp(f64),
    /// `maximum` over `stat_length` positions at each edge (`None`: the
    /// whole axis).
    Maximum(Option<usize>),
    /// `minimum`, like `Maximum`.
    Minimum(Option<usize>),
    /// `mean`, like `Maximum` (rounded half to even for integers). Numeric
    /// types only.
    Mean(Option<usize>),
    /// `median`, like `Maximum` (NaN where a NaN is among the values;
    /// rounded half to even for integers). Numeric types only; each edge's
    /// `stat_length` positions are gathered into one block along the axis.
    Median(Option<usize>),
}

impl<T> PadMode<T> {
    fn name(&self) -> &'static str {
        match self {
            PadMode::Constant(_) => "constant",
            PadMode::Edge => "edge",
            PadMode::Reflect => "reflect",
            PadMode::Symmetric => "symmetric",
            PadMode::Wrap => "wrap",
            PadMode::LinearRamp(_) => "linear_ramp",
            PadMode::Maximum(_) => "maximum",
            PadMode::Minimum(_) => "minimum",
            PadMode::Mean(_) => "mean",
            PadMode::Median(_) => "median",
        }
    }
}

// ------------------------------------------------------------ helpers

/// `s` along `axis` of an `nd`-axis array, the other axes whole.
fn along(nd: usize, axis: usize, s: Sel) -> Vec<Sel> {
    let mut v = vec![Sel::all(); nd];
    v[axis] = s;
    v
}

/// `n` cut into blocks of `c` (the last shorter), at most `MAX_AXIS_BLOCKS`.
fn split(n: usize, c: usize) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let c = c.max(1).max(n.div_ceil(MAX_AXIS_BLOCKS));
    let mut v = vec![c; n / c];
    if n % c != 0 {
        v.push(n % c);
    }
    v
}

/// Block lengths for `shape`: the axes with a list in `known` keep it; the
/// others (new or broadcast axes) are cut so that a block holds about
/// `DEFAULT_CHUNK_BYTES` (or as much as one block of the known axes), the
/// last axes whole first.
fn fill_sizes(shape: &[usize], known: Vec<Option<Vec<usize>>>, itemsize: usize) -> Vec<Vec<usize>> {
    let mut base: usize = known.iter().flatten().map(|l| l.iter().copied().max().unwrap_or(1).max(1)).product();
    let budget = (DEFAULT_CHUNK_BYTES / itemsize.max(1)).max(base);
    let mut out: Vec<Vec<usize>> = vec![vec![]; shape.len()];
    for a in (0..shape.len()).rev() {
        out[a] = match &known[a] {
            Some(l) => l.clone(),
            None => {
                let c = (budget / base.max(1)).clamp(1, shape[a].max(1));
                base = base.saturating_mul(c);
                split(shape[a], c)
            }
        };
    }
    out
}

/// Unique axes below `ndim`, or the error NumPy gives.
fn check_axes(axes: &[usize], ndim: usize) -> Result<(), Error> {
    if let Some(&a) = axes.iter().find(|&&a| a >= ndim) {
        return Err(Error::Axis { axis: a, ndim });
    }
    let mut seen = vec![false; ndim];
    for &a in axes {
        if std::mem::replace(&mut seen[a], true) {
            return Err(Error::Invalid(format!("repeated axis {a} in {axes:?}")));
        }
    }
    Ok(())
}

fn is_float(d: DType) -> bool {
    matches!(d, DType::F32 | DType::F64)
}

impl<T: Element> DArray<T> {
    /// Positions `lo..hi` along `axis`.
    fn span_on(&self, axis: usize, lo: usize, hi: usize) -> DArray<T> {
        self.slice(&along(self.ndim(), axis, Sel::span(lo as isize, hi as isize)))
    }

    /// Positions `hi - 1` down to `lo` along `axis`.
    fn rev_on(&self, axis: usize, lo: usize, hi: usize) -> DArray<T> {
        let stop = if lo == 0 { None } else { Some(lo as isize - 1) };
        self.slice(&along(self.ndim(), axis, Sel::range(Some(hi as isize - 1), stop, -1)))
    }

    /// The same values as `U` (no node for the same type).
    fn as_dtype<U: Element>(&self) -> DArray<U> {
        if U::DTYPE == T::DTYPE {
            return DArray::from_node(self.node.clone());
        }
        self.unary(ElemOp::Cast(U::DTYPE))
    }

    /// Block lengths of `self` with `w` positions along `axis`, cut like
    /// its longest block there.
    fn sizes_with(&self, axis: usize, w: usize) -> Vec<Vec<usize>> {
        let mut sizes = self.chunks().to_vec();
        let c = sizes[axis].iter().copied().max().unwrap_or(1);
        sizes[axis] = split(w, c);
        sizes
    }

    /// `self` broadcast to `shape` (a broadcast of its shape) on the grid
    /// `sizes`: rechunked to it on the axes it spans, each block then a
    /// fused elementwise read (a select under an all-true mask: the one
    /// elementwise op every element type has).
    fn broadcast_chunked(&self, shape: &[usize], sizes: Vec<Vec<usize>>) -> DArray<T> {
        let lead = shape.len() - self.ndim();
        let y = if lead > 0 { self.slice(&vec![Sel::NewAxis; lead]) } else { self.clone() };
        let ysizes: Vec<Vec<usize>> = (0..shape.len())
            .map(|a| if y.shape()[a] == shape[a] { sizes[a].clone() } else { vec![y.shape()[a]] })
            .collect();
        let y = y.rechunk(ChunkSpec::Explicit(ysizes));
        if y.shape() == shape || !y.is_valid() {
            return y;
        }
        match DArray::<bool>::full(shape, true, ChunkSpec::Explicit(sizes)) {
            Ok(all) => where_(&all, &y, &y),
            Err(e) => self.failed_with(e),
        }
    }

    /// The reduction `op` along `axis` (one giving `T`), kept as a
    /// length-1 axis.
    fn reduce_keep(&self, op: ReduceOp, axis: usize) -> DArray<T> {
        DArray::from_node(reduce(op, self.node.clone(), Some(&[axis]), true, DEFAULT_SPLIT_EVERY, T::DTYPE))
    }
}

// ------------------------------------------------------------ flips, rolls, axes

impl<T: Element> DArray<T> {
    /// Reverses the order of elements along every axis (NumPy's
    /// `np.flip(m)`). A view: the same chunks read backwards.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 1])?;
    /// assert_eq!(x.flip().compute()?, ndarray::arr2(&[[4, 3], [2, 1]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flip(&self) -> DArray<T> {
        self.flip_axes(&(0..self.ndim()).collect::<Vec<_>>())
    }

    /// Reverses the order of elements along `axis` (`np.flip(m, axis)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 1])?;
    /// assert_eq!(x.flip_axis(1).compute()?, ndarray::arr2(&[[2, 1], [4, 3]]).into_dyn());
    /// assert!(x.flip_axis(2).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flip_axis(&self, axis: usize) -> DArray<T> {
        self.flip_axes(&[axis])
    }

    /// Reverses the order of elements along each of `axes` (a tuple
    /// `axis` in NumPy; repeated axes are an error, as there).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [2, 1])?;
    /// assert_eq!(x.flip_axes(&[0, 1]).compute()?, x.flip().compute()?);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flip_axes(&self, axes: &[usize]) -> DArray<T> {
        if let Err(e) = check_axes(axes, self.ndim()) {
            return self.failed_with(e);
        }
        let mut sel = vec![Sel::all(); self.ndim()];
        for &a in axes {
            sel[a] = Sel::range(None, None, -1);
        }
        self.slice(&sel)
    }

    /// Flips the first axis (`np.flipud`); an error below 1-d.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i32, 4, 1, 3)?;
    /// assert_eq!(x.flipud().compute()?.into_raw_vec_and_offset().0, vec![3, 2, 1, 0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flipud(&self) -> DArray<T> {
        if self.ndim() < 1 {
            return self.failed_with(Error::Invalid("flipud: input must be >= 1-d".into()));
        }
        self.flip_axis(0)
    }

    /// Flips the second axis (`np.fliplr`); an error below 2-d.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2, 3]]), [1, 2])?;
    /// assert_eq!(x.fliplr().compute()?, ndarray::arr2(&[[3, 2, 1]]).into_dyn());
    /// assert!(DArray::arange(0i32, 4, 1, 3)?.fliplr().validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn fliplr(&self) -> DArray<T> {
        if self.ndim() < 2 {
            return self.failed_with(Error::Invalid("fliplr: input must be >= 2-d".into()));
        }
        self.flip_axis(1)
    }

    /// Rolls the flattened array by `shift` positions (NumPy's
    /// `np.roll(a, shift)` without an axis): elements pushed past the end
    /// come back at the start, in row-major order.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i64, 10, 1, 4)?;
    /// assert_eq!(x.roll(2).compute()?.into_raw_vec_and_offset().0, vec![8, 9, 0, 1, 2, 3, 4, 5, 6, 7]);
    /// assert_eq!(x.roll(-2).compute()?.into_raw_vec_and_offset().0, vec![2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn roll(&self, shift: isize) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        self.ravel().roll_axis(shift, 0).reshape(self.shape())
    }

    /// Rolls along `axis` by `shift` positions (`np.roll(a, shift, axis)`):
    /// the two pieces of the axis joined in the other order.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]), [1, 2])?;
    /// let y = x.roll_axis(1, 1).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[4, 0, 1, 2, 3], [9, 5, 6, 7, 8]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn roll_axis(&self, shift: isize, axis: usize) -> DArray<T> {
        self.roll_axes(&[shift], &[axis])
    }

    /// Rolls along several axes (`np.roll(a, shifts, axes)`): `shifts` and
    /// `axes` pair up, one of them may have a single entry for all, and
    /// shifts of a repeated axis add up.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]), [1, 2])?;
    /// let y = x.roll_axes(&[1, 1], &[1, 0]).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[9, 5, 6, 7, 8], [4, 0, 1, 2, 3]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn roll_axes(&self, shifts: &[isize], axes: &[usize]) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim();
        let pairs: Vec<(isize, usize)> = match (shifts.len(), axes.len()) {
            (s, a) if s == a => shifts.iter().copied().zip(axes.iter().copied()).collect(),
            (1, _) => axes.iter().map(|&a| (shifts[0], a)).collect(),
            (_, 1) => shifts.iter().map(|&s| (s, axes[0])).collect(),
            (s, a) => {
                return self.failed_with(Error::Invalid(format!("roll: {s} shifts do not pair with {a} axes")));
            }
        };
        if let Some(&(_, a)) = pairs.iter().find(|p| p.1 >= nd) {
            return self.failed_with(Error::Axis { axis: a, ndim: nd });
        }
        let mut total = vec![0i128; nd];
        for (s, a) in pairs {
            total[a] += s as i128;
        }
        let mut y = self.clone();
        for (axis, t) in total.into_iter().enumerate() {
            let n = self.shape()[axis];
            if n == 0 {
                continue;
            }
            let s = t.rem_euclid(n as i128) as usize;
            if s > 0 {
                y = concatenate(&[y.span_on(axis, n - s, n), y.span_on(axis, 0, n - s)], axis);
            }
        }
        y
    }

    /// Removes every axis of length 1 (`np.squeeze(a)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([1, 3, 1], [1, 2, 1])?;
    /// assert_eq!(x.squeeze().shape(), &[3]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn squeeze(&self) -> DArray<T> {
        let axes: Vec<usize> = (0..self.ndim()).filter(|&a| self.shape()[a] == 1).collect();
        self.squeeze_axes(&axes)
    }

    /// Removes the given axes (`np.squeeze(a, axis)`): each must have
    /// length 1.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([1, 3, 1], [1, 2, 1])?;
    /// assert_eq!(x.squeeze_axes(&[2]).shape(), &[1, 3]);
    /// assert!(x.squeeze_axes(&[1]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn squeeze_axes(&self, axes: &[usize]) -> DArray<T> {
        if let Err(e) = check_axes(axes, self.ndim()) {
            return self.failed_with(e);
        }
        if let Some(&a) = axes.iter().find(|&&a| self.shape()[a] != 1) {
            return self.failed_with(Error::Shape(format!(
                "cannot squeeze out axis {a} of length {} (not 1) from shape {:?}",
                self.shape()[a],
                self.shape()
            )));
        }
        let sel: Vec<Sel> =
            (0..self.ndim()).map(|a| if axes.contains(&a) { Sel::Index(0) } else { Sel::all() }).collect();
        self.slice(&sel)
    }

    /// Inserts an axis of length 1 at position `axis` of the result
    /// (`np.expand_dims(a, axis)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([2, 3], [1, 3])?;
    /// assert_eq!(x.expand_dims(1).shape(), &[2, 1, 3]);
    /// assert_eq!(x.expand_dims(2).shape(), &[2, 3, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn expand_dims(&self, axis: usize) -> DArray<T> {
        self.expand_dims_axes(&[axis])
    }

    /// Inserts axes of length 1 at the given positions of the result (a
    /// tuple `axis` in NumPy).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([2, 3], [1, 3])?;
    /// assert_eq!(x.expand_dims_axes(&[0, 3]).shape(), &[1, 2, 3, 1]);
    /// assert!(x.expand_dims_axes(&[4]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn expand_dims_axes(&self, axes: &[usize]) -> DArray<T> {
        let out = self.ndim() + axes.len();
        if let Err(e) = check_axes(axes, out) {
            return self.failed_with(e);
        }
        let sel: Vec<Sel> = (0..out).map(|a| if axes.contains(&a) { Sel::NewAxis } else { Sel::all() }).collect();
        self.slice(&sel)
    }

    /// Moves axis `source` to position `destination`, the others keeping
    /// their order (`np.moveaxis`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([3, 4, 5], [3, 2, 5])?;
    /// assert_eq!(x.moveaxis(0, 2).shape(), &[4, 5, 3]);
    /// assert_eq!(x.moveaxis(2, 0).shape(), &[5, 3, 4]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn moveaxis(&self, source: usize, destination: usize) -> DArray<T> {
        self.moveaxes(&[source], &[destination])
    }

    /// Moves several axes (`np.moveaxis` with sequences): `source[i]` goes
    /// to position `destination[i]`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([3, 4, 5], [3, 2, 5])?;
    /// assert_eq!(x.moveaxes(&[0, 1], &[2, 0]).shape(), &[4, 5, 3]);
    /// assert!(x.moveaxes(&[0, 0], &[1, 2]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn moveaxes(&self, source: &[usize], destination: &[usize]) -> DArray<T> {
        let nd = self.ndim();
        if let Err(e) = check_axes(source, nd).and_then(|_| check_axes(destination, nd)) {
            return self.failed_with(e);
        }
        if source.len() != destination.len() {
            return self.failed_with(Error::Invalid(format!(
                "moveaxis: {} source axes for {} destinations",
                source.len(),
                destination.len()
            )));
        }
        let mut order: Vec<usize> = (0..nd).filter(|a| !source.contains(a)).collect();
        let mut pairs: Vec<(usize, usize)> = destination.iter().copied().zip(source.iter().copied()).collect();
        pairs.sort_unstable();
        for (d, s) in pairs {
            order.insert(d, s);
        }
        self.permuted_axes(&order)
    }

    /// Exchanges two axes: NumPy's name for [`swap_axes`](DArray::swap_axes).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([2, 3, 4], [1, 3, 2])?;
    /// assert_eq!(x.swapaxes(0, 2).shape(), &[4, 3, 2]);
    /// assert_eq!(x.swapaxes(0, 2).token(), x.swap_axes(0, 2).token());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn swapaxes(&self, a: usize, b: usize) -> DArray<T> {
        self.swap_axes(a, b)
    }

    /// Rotates by 90 degrees `k` times in the plane of the first two axes,
    /// from the first towards the second (`np.rot90(m, k)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let m = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 2])?;
    /// assert_eq!(m.rot90(1).compute()?, ndarray::arr2(&[[2, 4], [1, 3]]).into_dyn());
    /// assert_eq!(m.rot90(2).compute()?, ndarray::arr2(&[[4, 3], [2, 1]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn rot90(&self, k: isize) -> DArray<T> {
        self.rot90_axes(k, (0, 1))
    }

    /// Rotates by 90 degrees `k` times in the plane of `axes`, from the
    /// first towards the second (`np.rot90(m, k, axes)`; `k < 0` turns the
    /// other way).
    ///
    /// ```
    /// use darray::DArray;
    /// let m = DArray::from_fn([2, 2, 2], [1, 2, 1], |i| (4 * i[0] + 2 * i[1] + i[2]) as u8)?;
    /// // NumPy: np.rot90(np.arange(8).reshape((2, 2, 2)), 1, (1, 2))
    /// let r = m.rot90_axes(1, (1, 2)).compute()?;
    /// assert_eq!(r.into_raw_vec_and_offset().0, vec![1, 3, 0, 2, 5, 7, 4, 6]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn rot90_axes(&self, k: isize, axes: (usize, usize)) -> DArray<T> {
        let nd = self.ndim();
        let (a0, a1) = axes;
        if a0 >= nd || a1 >= nd {
            return self.failed_with(Error::Axis { axis: a0.max(a1), ndim: nd });
        }
        if a0 == a1 {
            return self.failed_with(Error::Invalid(format!("rot90: axes {axes:?} must be different")));
        }
        let mut perm: Vec<usize> = (0..nd).collect();
        perm.swap(a0, a1);
        match k.rem_euclid(4) {
            0 => self.clone(),
            1 => self.flip_axis(a1).permuted_axes(&perm),
            2 => self.flip_axes(&[a0, a1]),
            _ => self.permuted_axes(&perm).flip_axis(a1),
        }
    }

    /// The elements in row-major order as a 1-d array (`np.ravel`). Blocks
    /// spanning the trailing axes whole are merged as `reshape` does.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2, 3], [4, 5, 6]]), [1, 3])?;
    /// assert_eq!(x.ravel().compute()?.into_raw_vec_and_offset().0, vec![1, 2, 3, 4, 5, 6]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn ravel(&self) -> DArray<T> {
        self.reshape([self.len()])
    }

    /// Same as [`ravel`](DArray::ravel) (NumPy's `flatten` copies; a lazy
    /// array has no views to share).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<u8>::ones([2, 2], [1, 2])?;
    /// assert_eq!(x.flatten().shape(), &[4]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flatten(&self) -> DArray<T> {
        self.ravel()
    }

    /// The array with at least one axis (`np.atleast_1d`): a 0-d array
    /// becomes shape `[1]`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::full([], 5i32, Vec::<usize>::new())?;
    /// assert_eq!(x.atleast_1d().shape(), &[1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn atleast_1d(&self) -> DArray<T> {
        match self.ndim() {
            0 => self.slice(&[Sel::NewAxis]),
            _ => self.clone(),
        }
    }

    /// The array with at least two axes (`np.atleast_2d`): `[n]` becomes
    /// `[1, n]`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([3], 2)?;
    /// assert_eq!(x.atleast_2d().shape(), &[1, 3]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn atleast_2d(&self) -> DArray<T> {
        match self.ndim() {
            0 => self.slice(&[Sel::NewAxis, Sel::NewAxis]),
            1 => self.slice(&[Sel::NewAxis]),
            _ => self.clone(),
        }
    }

    /// The array with at least three axes (`np.atleast_3d`): `[n]` becomes
    /// `[1, n, 1]` and `[m, n]` becomes `[m, n, 1]`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([3], 2)?;
    /// assert_eq!(x.atleast_3d().shape(), &[1, 3, 1]);
    /// assert_eq!(DArray::<f64>::zeros([2, 3], 2)?.atleast_3d().shape(), &[2, 3, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn atleast_3d(&self) -> DArray<T> {
        match self.ndim() {
            0 => self.slice(&[Sel::NewAxis, Sel::NewAxis, Sel::NewAxis]),
            1 => self.slice(&[Sel::NewAxis, Sel::all(), Sel::NewAxis]),
            2 => self.slice(&[Sel::all(), Sel::all(), Sel::NewAxis]),
            _ => self.clone(),
        }
    }
}

// ------------------------------------------------------------ broadcasting, tiling, repeating

impl<T: Element> DArray<T> {
    /// The array broadcast to `shape` with NumPy's rules
    /// (`np.broadcast_to`): axes are matched from the end, and an axis of
    /// length 1 (or a missing leading one) is repeated. Each block reads
    /// the input's block once per position; the broadcast axes are cut
    /// into blocks of about 128 MiB (whole where they fit).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(1i32, 4, 1, 2)?;
    /// let y = x.broadcast_to([3, 3]).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[1, 2, 3], [1, 2, 3], [1, 2, 3]]).into_dyn());
    /// assert!(x.broadcast_to([4]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn broadcast_to(&self, shape: impl AsRef<[usize]>) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let shape = shape.as_ref();
        let (nd, k) = (shape.len(), self.ndim());
        let fits = nd >= k && (0..k).all(|a| self.shape()[a] == shape[nd - k + a] || self.shape()[a] == 1);
        if !fits {
            return self.failed_with(Error::Broadcast { left: self.shape().to_vec(), right: shape.to_vec() });
        }
        if let Err(e) = checked_len(shape, std::mem::size_of::<T>()) {
            return self.failed_with(e);
        }
        let known = (0..nd)
            .map(|a| (a >= nd - k && self.shape()[a + k - nd] == shape[a]).then(|| self.chunks()[a + k - nd].clone()))
            .collect();
        self.broadcast_chunked(shape, fill_sizes(shape, known, std::mem::size_of::<T>()))
    }

    /// Repeats the whole array `reps[a]` times along each axis (`np.tile`):
    /// a shorter `reps` is padded with leading 1s, a longer one adds
    /// leading axes. The input's chunks are repeated.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::arange(0i32, 3, 1, 2)?;
    /// // NumPy: np.tile(np.array([0, 1, 2]), 2) and np.tile(a, (2, 2))
    /// assert_eq!(a.tile(&[2]).compute()?.into_raw_vec_and_offset().0, vec![0, 1, 2, 0, 1, 2]);
    /// let t = a.tile(&[2, 2]).compute()?;
    /// assert_eq!(t, ndarray::arr2(&[[0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn tile(&self, reps: &[usize]) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim().max(reps.len());
        let lead = nd - self.ndim();
        let mut y = if lead > 0 { self.slice(&vec![Sel::NewAxis; lead]) } else { self.clone() };
        let reps: Vec<usize> = std::iter::repeat_n(1, nd - reps.len()).chain(reps.iter().copied()).collect();
        // Checked before any node: the chunk lists grow with the copies.
        let shape: Vec<usize> = (0..nd).map(|a| y.shape()[a].saturating_mul(reps[a])).collect();
        if let Err(e) = checked_len(&shape, std::mem::size_of::<T>()) {
            return self.failed_with(e);
        }
        if let Some(a) = (0..nd).find(|&a| y.chunks()[a].len().saturating_mul(reps[a]) > MAX_AXIS_BLOCKS) {
            return self.failed_with(Error::TooLarge(format!(
                "tile: {} copies of {} blocks along axis {a} are more than {MAX_AXIS_BLOCKS} blocks",
                reps[a],
                y.chunks()[a].len()
            )));
        }
        for (axis, &r) in reps.iter().enumerate() {
            y = y.repeat_whole(axis, r);
        }
        y
    }

    /// `r` copies of the array joined along `axis`, by doubling (so a
    /// large `r` makes a few nodes, not `r`).
    fn repeat_whole(&self, axis: usize, r: usize) -> DArray<T> {
        match r {
            0 => return self.span_on(axis, 0, 0),
            1 => return self.clone(),
            _ => {}
        }
        let (mut power, mut left, mut acc) = (self.clone(), r, None::<DArray<T>>);
        loop {
            if left & 1 == 1 {
                acc = Some(match acc {
                    None => power.clone(),
                    Some(a) => concatenate(&[a, power.clone()], axis),
                });
            }
            left >>= 1;
            if left == 0 || !power.is_valid() {
                break;
            }
            power = concatenate(&[power.clone(), power], axis);
        }
        match acc {
            Some(a) if power.is_valid() => a,
            _ => power,
        }
    }

    /// Repeats each element `repeats` times along `axis` (`np.repeat(a,
    /// repeats, axis)`; for NumPy's flattening `axis=None`, use
    /// `x.ravel().repeat(r, 0)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 1])?;
    /// // NumPy: np.repeat(x, 2, axis=1)
    /// let y = x.repeat(2, 1).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[1, 1, 2, 2], [3, 3, 4, 4]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn repeat(&self, repeats: usize, axis: usize) -> DArray<T> {
        self.repeat_counts(&[repeats], axis)
    }

    /// Repeats element `i` along `axis` `counts[i]` times (`np.repeat` with
    /// an array of repeats; a single count applies to all). A gather: each
    /// output block reads one input block, and is no longer along `axis`
    /// than the input's longest block.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 1])?;
    /// // NumPy: np.repeat(x, [1, 2], axis=0)
    /// let y = x.repeat_counts(&[1, 2], 0).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[1, 2], [3, 4], [3, 4]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn repeat_counts(&self, counts: &[usize], axis: usize) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim();
        if axis >= nd {
            return self.failed_with(Error::Axis { axis, ndim: nd });
        }
        let n = self.shape()[axis];
        if counts.len() != n && counts.len() != 1 {
            return self
                .failed_with(Error::Shape(format!("repeat: {} counts for an axis of length {n}", counts.len())));
        }
        let count = |i: usize| if counts.len() == 1 { counts[0] } else { counts[i] };
        let total = (0..n).try_fold(0usize, |acc, i| acc.checked_add(count(i)));
        let mut shape = self.shape().to_vec();
        shape[axis] = total.unwrap_or(usize::MAX);
        if let Err(e) = total.ok_or_else(|| Error::TooLarge("repeat: the count overflows".into())).and_then(|_| {
            checked_len(&shape, std::mem::size_of::<T>())?;
            checked_len(&[shape[axis]], std::mem::size_of::<usize>())
        }) {
            return self.failed_with(e);
        }
        let mut indices: Vec<usize> = vec![];
        if indices.try_reserve_exact(shape[axis]).is_err() {
            return self.failed_with(Error::TooLarge(format!("repeat: {} positions do not fit memory", shape[axis])));
        }
        // Each input chunk's copies, cut at the input's longest block.
        let longest = self.chunks()[axis].iter().copied().max().unwrap_or(1).max(1);
        let mut out_chunks = vec![];
        let mut pos = 0;
        for &c in &self.chunks()[axis] {
            let start = indices.len();
            for i in pos..pos + c {
                indices.extend(std::iter::repeat_n(i, count(i)));
            }
            pos += c;
            let run = indices.len() - start;
            out_chunks.extend(split(run, longest).into_iter().filter(|&l| l > 0));
        }
        if out_chunks.is_empty() {
            out_chunks.push(0);
        }
        DArray::from_node(take_chunked(self.node.clone(), axis, indices, out_chunks))
    }
}

/// Broadcasts arrays against each other (`np.broadcast_arrays`): each
/// result has the common shape, and all share one chunk grid (the common
/// refinement of the inputs' chunks, so they meet blockwise). A shape
/// mismatch gives every result the error.
///
/// ```
/// use darray::{broadcast_arrays, DArray};
/// let x = DArray::arange(0i32, 3, 1, 2)?.reshape([1, 3]);
/// let y = DArray::arange(0i32, 2, 1, 1)?.reshape([2, 1]);
/// let b = broadcast_arrays(&[x, y]);
/// assert_eq!(b[0].shape(), &[2, 3]);
/// assert_eq!(b[1].compute()?, ndarray::arr2(&[[0, 0, 0], [1, 1, 1]]).into_dyn());
/// assert_eq!(b[0].chunks(), b[1].chunks());
/// # Ok::<(), darray::Error>(())
/// ```
pub fn broadcast_arrays<T: Element>(arrays: &[DArray<T>]) -> Vec<DArray<T>> {
    let fail = |e: &Error| arrays.iter().map(|a| a.failed_with(e.clone())).collect();
    if let Some(e) = arrays.iter().find_map(|a| a.error()) {
        return fail(e);
    }
    let mut shape: Vec<usize> = vec![];
    for a in arrays {
        match broadcast_shapes(&shape, a.shape()) {
            Ok(s) => shape = s,
            Err(e) => return fail(&e),
        }
    }
    if let Err(e) = checked_len(&shape, std::mem::size_of::<T>()) {
        return fail(&e);
    }
    let nd = shape.len();
    let known = (0..nd)
        .map(|a| {
            let lists: Vec<&[usize]> = arrays
                .iter()
                .filter_map(|x| {
                    let off = nd - x.ndim();
                    (a >= off && x.shape()[a - off] == shape[a]).then(|| x.chunks()[a - off].as_slice())
                })
                .collect();
            (!lists.is_empty()).then(|| refine(&lists))
        })
        .collect();
    let sizes = fill_sizes(&shape, known, std::mem::size_of::<T>());
    arrays.iter().map(|x| x.broadcast_chunked(&shape, sizes.clone())).collect()
}

// ------------------------------------------------------------ stacking

/// Stacks arrays along their first axis after making them at least 2-d
/// (`np.vstack`; `[n]` counts as a row `[1, n]`).
///
/// ```
/// use darray::{vstack, DArray};
/// let a = DArray::arange(1i32, 4, 1, 2)?;
/// let b = DArray::arange(4i32, 7, 1, 2)?;
/// assert_eq!(vstack(&[a, b]).compute()?, ndarray::arr2(&[[1, 2, 3], [4, 5, 6]]).into_dyn());
/// # Ok::<(), darray::Error>(())
/// ```
pub fn vstack<T: Element>(arrays: &[DArray<T>]) -> DArray<T> {
    concatenate(&arrays.iter().map(|a| a.atleast_2d()).collect::<Vec<_>>(), 0)
}

/// Stacks arrays column-wise (`np.hstack`): along the first axis for 1-d
/// arrays, the second otherwise (0-d arrays count as `[1]`).
///
/// ```
/// use darray::{hstack, DArray};
/// let a = DArray::arange(1i32, 4, 1, 2)?;
/// let b = DArray::arange(4i32, 7, 1, 2)?;
/// assert_eq!(hstack(&[a, b]).compute()?.into_raw_vec_and_offset().0, vec![1, 2, 3, 4, 5, 6]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn hstack<T: Element>(arrays: &[DArray<T>]) -> DArray<T> {
    let parts: Vec<DArray<T>> = arrays.iter().map(|a| a.atleast_1d()).collect();
    let axis = if parts.first().is_some_and(|a| a.ndim() == 1) { 0 } else { 1 };
    concatenate(&parts, axis)
}

/// Stacks arrays along the third axis after making them at least 3-d
/// (`np.dstack`; `[n]` becomes `[1, n, 1]`, `[m, n]` becomes `[m, n, 1]`).
///
/// ```
/// use darray::{dstack, DArray};
/// let a = DArray::arange(1i32, 4, 1, 2)?;
/// let b = DArray::arange(2i32, 5, 1, 2)?;
/// // NumPy: np.dstack(([1, 2, 3], [2, 3, 4])) -> [[[1, 2], [2, 3], [3, 4]]]
/// let d = dstack(&[a, b]);
/// assert_eq!(d.shape(), &[1, 3, 2]);
/// assert_eq!(d.compute()?.into_raw_vec_and_offset().0, vec![1, 2, 2, 3, 3, 4]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn dstack<T: Element>(arrays: &[DArray<T>]) -> DArray<T> {
    concatenate(&arrays.iter().map(|a| a.atleast_3d()).collect::<Vec<_>>(), 2)
}

/// A nested list of arrays for [`block`]: `Blocks::from(vec![vec![a, b],
/// vec![c, d]])` is NumPy's `[[a, b], [c, d]]`.
#[derive(Clone)]
pub enum Blocks<T> {
    /// One array.
    Array(DArray<T>),
    /// A list: its entries are joined along one axis.
    List(Vec<Blocks<T>>),
}

impl<T: Element> std::fmt::Debug for Blocks<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Blocks::Array(a) => write!(f, "{a:?}"),
            Blocks::List(v) => f.debug_list().entries(v).finish(),
        }
    }
}

impl<T> From<DArray<T>> for Blocks<T> {
    fn from(a: DArray<T>) -> Self {
        Blocks::Array(a)
    }
}

impl<T> From<&DArray<T>> for Blocks<T> {
    fn from(a: &DArray<T>) -> Self {
        Blocks::Array(a.clone())
    }
}

impl<T, X: Into<Blocks<T>>> From<Vec<X>> for Blocks<T> {
    fn from(v: Vec<X>) -> Self {
        Blocks::List(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Element> Blocks<T> {
    /// The list depth, checked to be the same everywhere and without
    /// empty lists (NumPy's rules); `at` names the position for errors.
    fn depth(&self, at: &str) -> Result<usize, Error> {
        match self {
            Blocks::Array(_) => Ok(0),
            Blocks::List(v) if v.is_empty() => Err(Error::Invalid(format!("block: list at arrays{at} is empty"))),
            Blocks::List(v) => {
                let mut depth = None;
                for (i, b) in v.iter().enumerate() {
                    let d = b.depth(&format!("{at}[{i}]"))?;
                    if depth.is_some_and(|e| e != d) {
                        return Err(Error::Invalid(format!("block: list depths are mismatched at arrays{at}[{i}]")));
                    }
                    depth = Some(d);
                }
                Ok(1 + depth.unwrap_or(0))
            }
        }
    }

    /// The arrays, depth first.
    fn leaves(&self) -> Vec<&DArray<T>> {
        match self {
            Blocks::Array(a) => vec![a],
            Blocks::List(v) => v.iter().flat_map(|b| b.leaves()).collect(),
        }
    }

    /// Joins level `level` of a nesting `depth` deep into `ndim` axes.
    fn join(&self, level: usize, depth: usize, ndim: usize) -> DArray<T> {
        match self {
            Blocks::Array(a) => match ndim - a.ndim() {
                0 => a.clone(),
                lead => a.slice(&vec![Sel::NewAxis; lead]),
            },
            Blocks::List(v) => {
                let parts: Vec<DArray<T>> = v.iter().map(|b| b.join(level + 1, depth, ndim)).collect();
                concatenate(&parts, ndim - depth + level)
            }
        }
    }
}

/// Assembles an array from nested lists of blocks (`np.block`): the
/// innermost lists are joined along the last axis, the lists around them
/// along the axis before, and so on; arrays with fewer axes than the
/// nesting depth (or than the others) get leading axes of length 1. All
/// lists must be nested equally deep and none may be empty.
///
/// ```
/// use darray::{block, DArray};
/// let a = DArray::<i32>::full([2, 2], 1, 1)?;
/// let b = DArray::<i32>::zeros([2, 1], 1)?;
/// let c = DArray::<i32>::full([1, 3], 2, 2)?;
/// let m = block(vec![vec![a, b], vec![c]]).compute()?;
/// assert_eq!(m, ndarray::arr2(&[[1, 1, 0], [1, 1, 0], [2, 2, 2]]).into_dyn());
/// // NumPy: np.block([1, 2, 3]) is hstack.
/// let v: Vec<DArray<i32>> = (1..4).map(|i| DArray::full([], i, Vec::<usize>::new())).collect::<Result<_, _>>()?;
/// assert_eq!(block(v).compute()?.into_raw_vec_and_offset().0, vec![1, 2, 3]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn block<T: Element>(blocks: impl Into<Blocks<T>>) -> DArray<T> {
    let blocks = blocks.into();
    let leaves = blocks.leaves();
    if let Some(bad) = leaves.iter().find(|a| !a.is_valid()) {
        return (*bad).clone();
    }
    let depth = match blocks.depth("") {
        Ok(d) => d,
        Err(e) => {
            return match leaves.first() {
                Some(a) => a.failed_with(e),
                None => DArray::from_node(Node::invalid_without_input(e, T::DTYPE)),
            }
        }
    };
    let ndim = leaves.iter().map(|a| a.ndim()).max().unwrap_or(0).max(depth);
    blocks.join(0, depth, ndim)
}

// ------------------------------------------------------------ differences

impl<T: Element> DArray<T> {
    /// The `n`-th discrete difference along `axis` (`np.diff(a, n,
    /// axis)`): `out[i] = a[i + 1] - a[i]`, applied `n` times, so the axis
    /// gets `n` shorter (down to 0). Integers wrap around as in NumPy;
    /// for `bool` the difference is `a[i + 1] != a[i]`, as NumPy's. The
    /// shifted operand is rechunked to the other's grid, so the result
    /// keeps the input's chunks.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1, 2, 4, 7, 0]), 2)?;
    /// // NumPy: np.diff(x) and np.diff(x, n=2)
    /// assert_eq!(x.diff(1, 0).compute()?.into_raw_vec_and_offset().0, vec![1, 2, 3, -7]);
    /// assert_eq!(x.diff(2, 0).compute()?.into_raw_vec_and_offset().0, vec![1, 1, -10]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn diff(&self, n: usize, axis: usize) -> DArray<T> {
        self.diff_with(n, axis, None, None)
    }

    /// [`diff`](DArray::diff) with NumPy's `prepend` and `append`: values
    /// joined to the array along `axis` before differencing. A scalar (or
    /// a 0-d array) stands for a slab of length 1 along `axis`; an array
    /// must match the others axes' lengths.
    ///
    /// ```
    /// use darray::{DArray, Operand};
    /// let x = DArray::from_array(ndarray::arr1(&[1, 2, 4, 7, 0]), 2)?;
    /// let d = x.diff_with(1, 0, Some(Operand::Scalar(0)), Some(Operand::Scalar(0)));
    /// assert_eq!(d.compute()?.into_raw_vec_and_offset().0, vec![1, 1, 2, 3, -7, 0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn diff_with(
        &self,
        n: usize,
        axis: usize,
        prepend: Option<Operand<T>>,
        append: Option<Operand<T>>,
    ) -> DArray<T> {
        if self.error().is_some() || n == 0 {
            return self.clone();
        }
        let nd = self.ndim();
        if nd == 0 {
            return self.failed_with(Error::Invalid("diff requires input that is at least one dimensional".into()));
        }
        if axis >= nd {
            return self.failed_with(Error::Axis { axis, ndim: nd });
        }
        let mut slab = self.shape().to_vec();
        slab[axis] = 1;
        let edge = |o: Operand<T>| -> DArray<T> {
            match o {
                Operand::Scalar(v) => DArray::full(&slab, v, ChunkSpec::Explicit(self.sizes_with(axis, 1)))
                    .unwrap_or_else(|e| self.failed_with(e)),
                Operand::Array(a) if a.ndim() == 0 => a.broadcast_to(&slab),
                Operand::Array(a) => a,
            }
        };
        let mut parts: Vec<DArray<T>> = prepend.map(edge).into_iter().collect();
        parts.push(self.clone());
        parts.extend(append.map(edge));
        let y = if parts.len() > 1 { concatenate(&parts, axis) } else { self.clone() };
        let len = y.shape()[axis];
        if !y.is_valid() || n >= len {
            return y.span_on(axis, 0, len.saturating_sub(n));
        }
        // Position i needs i..=i + n: each block with n positions of its
        // neighbours, differenced n times, the last n positions cut off.
        let mut depth = vec![0; nd];
        depth[axis] = n;
        let d = y.map_overlap(&depth, Boundary::None, move |b, _| diff_block(b, axis, n));
        d.span_on(axis, 0, len - n)
    }
}

/// NumPy's `a - b` of two elements: wrapping for integers, `!=` for bool
/// (as `np.diff`), the type's own rounding for floats (an `f32`
/// difference taken in `f64` and rounded back is the same: double
/// rounding is harmless for `+` and `-` when the wider type has more than
/// twice the digits).
fn minus<T: Element>(a: T, b: T) -> T {
    match T::DTYPE {
        DType::Bool => T::el_from_bits((a != b) as u64),
        DType::F32 | DType::F64 => T::el_from_f64(a.el_to_f64() - b.el_to_f64()),
        _ => T::el_from_bits(a.el_bits().wrapping_sub(b.el_bits())),
    }
}

/// `n` differences along `axis` of an (extended) block, in place: after
/// them position `i` holds the `n`-th difference of `i..=i + n` wherever
/// the block reaches that far.
fn diff_block<T: Element>(mut b: ArrayD<T>, axis: usize, n: usize) -> ArrayD<T> {
    let len = b.shape()[axis];
    for mut lane in b.lanes_mut(Axis(axis)) {
        for k in 0..n.min(len) {
            for i in 0..len - 1 - k {
                lane[i] = minus(lane[i + 1], lane[i]);
            }
        }
    }
    b
}

/// NumPy's gradient of one (extended) block along `axis`: central
/// differences inside, one-sided ones of `edge_order` at the block's ends
/// (which `map_overlap` trims off except at the array's own edges).
fn gradient_block<F: Float>(b: ArrayD<F>, axis: usize, h: f64, edge_order: usize) -> ArrayD<F> {
    let n = b.shape()[axis];
    let mut out = b.clone();
    if n < edge_order + 1 {
        return out;
    }
    let f = |v: f64| <F as CastFrom<f64>>::cast_from(v);
    let (two_h, h1) = (f(2.0 * h), f(h));
    for (x, mut o) in b.lanes(Axis(axis)).into_iter().zip(out.lanes_mut(Axis(axis))) {
        for i in 1..n - 1 {
            o[i] = (x[i + 1] - x[i - 1]) / two_h;
        }
        if edge_order == 1 {
            o[0] = (x[1] - x[0]) / h1;
            o[n - 1] = (x[n - 1] - x[n - 2]) / h1;
        } else {
            let (a, b, c) = (f(-1.5 / h), f(2.0 / h), f(-0.5 / h));
            o[0] = a * x[0] + b * x[1] + c * x[2];
            let (a, b, c) = (f(0.5 / h), f(-2.0 / h), f(1.5 / h));
            o[n - 1] = a * x[n - 3] + b * x[n - 2] + c * x[n - 1];
        }
    }
    out
}

impl<T: Numeric> DArray<T> {
    /// The gradient along every axis with spacing `spacing` (`np.gradient(f,
    /// spacing)`): one array per axis (none for a 0-d array). See
    /// [`gradient_axis`](DArray::gradient_axis); per-axis spacings are
    /// `gradient_axis` per axis.
    ///
    /// ```
    /// use darray::DArray;
    /// let f = DArray::from_array(ndarray::arr2(&[[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]]), [1, 2])?;
    /// // NumPy: np.gradient(np.array([[1, 2, 6], [3, 4, 5]], dtype=float))
    /// let g = f.gradient(1.0);
    /// assert_eq!(g[0].compute()?, ndarray::arr2(&[[2.0, 2.0, -1.0], [2.0, 2.0, -1.0]]).into_dyn());
    /// assert_eq!(g[1].compute()?, ndarray::arr2(&[[1.0, 2.5, 4.0], [1.0, 1.0, 1.0]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn gradient(&self, spacing: f64) -> Vec<DArray<T::Mean>> {
        (0..self.ndim()).map(|a| self.gradient_axis(a, spacing)).collect()
    }

    /// The gradient along `axis` with spacing `spacing`
    /// (`np.gradient(f, spacing, axis=axis)`): `(f[i+1] - f[i-1]) / (2 h)`
    /// inside, `(f[1] - f[0]) / h` and `(f[n-1] - f[n-2]) / h` at the ends.
    /// Integers are converted to `f64` first, as NumPy does. One task per
    /// block, reading one neighbouring position on each side
    /// (`map_overlap`). The axis needs 2 positions.
    ///
    /// ```
    /// use darray::DArray;
    /// let f = DArray::from_array(ndarray::arr1(&[1, 2, 4, 7, 11, 16]), 4)?;
    /// // NumPy: np.gradient(f) and np.gradient(f, 2)
    /// assert_eq!(f.gradient_axis(0, 1.0).compute()?.into_raw_vec_and_offset().0, vec![1.0, 1.5, 2.5, 3.5, 4.5, 5.0]);
    /// assert_eq!(f.gradient_axis(0, 2.0).compute()?.into_raw_vec_and_offset().0, vec![0.5, 0.75, 1.25, 1.75, 2.25, 2.5]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn gradient_axis(&self, axis: usize, spacing: f64) -> DArray<T::Mean> {
        self.gradient_with(axis, spacing, 1)
    }

    /// [`gradient_axis`](DArray::gradient_axis) with NumPy's `edge_order`
    /// (1 or 2): second-order one-sided differences at the ends for 2
    /// (the axis then needs 3 positions).
    ///
    /// ```
    /// use darray::DArray;
    /// let f = DArray::from_array(ndarray::arr1(&[1, 2, 4, 7, 11, 16]), 4)?;
    /// // NumPy: np.gradient(f, edge_order=2)
    /// let g = f.gradient_with(0, 1.0, 2).compute()?;
    /// assert_eq!(g.into_raw_vec_and_offset().0, vec![0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    /// assert!(f.gradient_with(0, 1.0, 3).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn gradient_with(&self, axis: usize, spacing: f64, edge_order: usize) -> DArray<T::Mean> {
        let f: DArray<T::Mean> = self.as_dtype();
        if f.error().is_some() {
            return f;
        }
        let nd = self.ndim();
        if axis >= nd {
            return f.failed_with(Error::Axis { axis, ndim: nd });
        }
        if !(1..=2).contains(&edge_order) {
            return f.failed_with(Error::Invalid(format!("gradient: edge_order must be 1 or 2, got {edge_order}")));
        }
        if self.shape()[axis] < edge_order + 1 {
            return f.failed_with(Error::Shape(format!(
                "gradient: axis {axis} of length {} is too short: at least {} positions are required",
                self.shape()[axis],
                edge_order + 1
            )));
        }
        let mut depth = vec![0; nd];
        depth[axis] = edge_order;
        f.map_overlap(&depth, Boundary::None, move |b, _| gradient_block(b, axis, spacing, edge_order))
    }
}

// ------------------------------------------------------------ pad

/// The median of `v` as NumPy's `np.median` gives it (NaN if any is NaN;
/// the mean of the two middle values, in the type's own arithmetic for
/// floats and rounded half to even for integers).
fn median_of<T: Element>(v: &mut [T]) -> T {
    if v.iter().any(|x| x.el_is_nan()) {
        return T::el_from_f64(f64::NAN);
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    let (a, b) = (v[(n - 1) / 2], v[n / 2]);
    match T::DTYPE {
        DType::F32 => T::el_from_f64(((a.el_to_f64() as f32 + b.el_to_f64() as f32) / 2.0) as f64),
        DType::F64 => T::el_from_f64((a.el_to_f64() + b.el_to_f64()) / 2.0),
        _ => T::el_from_f64(((a.el_to_f64() + b.el_to_f64()) / 2.0).round_ties_even()),
    }
}

impl<T: Element> DArray<T> {
    /// Pads with `mode` (NumPy's `np.pad(a, pad_width, mode)`):
    /// `width[a] = (before, after)` positions are added to axis `a`; a
    /// single pair applies to every axis. Axes are padded one after the
    /// other, as NumPy does, so corners come from the later axes' rule
    /// applied to the already padded earlier axes. The result is the input's
    /// blocks with the new positions as extra blocks at each edge: flipped
    /// or shifted slices of the input, constants, and per-edge statistics
    /// broadcast along the axis. Modes other than `Constant` cannot extend
    /// an empty axis; `LinearRamp`, `Mean` and `Median` need a numeric
    /// type; `stat_length` 0 is an error for `Maximum`/`Minimum` (as in
    /// NumPy) and for integer `Mean`/`Median` (NaN for floats).
    ///
    /// ```
    /// use darray::{DArray, PadMode};
    /// let a = DArray::from_array(ndarray::arr1(&[1, 2, 3, 4, 5]), 2)?;
    /// let pad = |m| a.pad(&[(2, 3)], m).compute().map(|r| r.into_raw_vec_and_offset().0);
    /// // The examples of NumPy's documentation of np.pad.
    /// assert_eq!(pad(PadMode::Edge)?, vec![1, 1, 1, 2, 3, 4, 5, 5, 5, 5]);
    /// assert_eq!(pad(PadMode::Reflect)?, vec![3, 2, 1, 2, 3, 4, 5, 4, 3, 2]);
    /// assert_eq!(pad(PadMode::Symmetric)?, vec![2, 1, 1, 2, 3, 4, 5, 5, 4, 3]);
    /// assert_eq!(pad(PadMode::Wrap)?, vec![4, 5, 1, 2, 3, 4, 5, 1, 2, 3]);
    /// let two = |m| a.pad(&[(2, 2)], m).compute().map(|r| r.into_raw_vec_and_offset().0);
    /// assert_eq!(two(PadMode::Maximum(None))?, vec![5, 5, 1, 2, 3, 4, 5, 5, 5]);
    /// assert_eq!(two(PadMode::Mean(None))?, vec![3, 3, 1, 2, 3, 4, 5, 3, 3]);
    /// assert_eq!(two(PadMode::Median(None))?, vec![3, 3, 1, 2, 3, 4, 5, 3, 3]);
    /// let m = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), 1)?;
    /// let p = m.pad(&[(3, 2), (2, 3)], PadMode::Minimum(None)).compute()?;
    /// let r = [1, 1, 1, 2, 1, 1, 1];
    /// assert_eq!(p, ndarray::arr2(&[r, r, r, r, [3, 3, 3, 4, 3, 3, 3], r, r]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn pad(&self, width: &[(usize, usize)], mode: PadMode<T>) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim();
        let widths: Vec<(usize, usize)> = match width.len() {
            1 => vec![width[0]; nd],
            l if l == nd => width.to_vec(),
            l => {
                return self.failed_with(Error::Invalid(format!(
                    "pad: {l} (before, after) pairs for an array of {nd} axes (give 1 or {nd})"
                )))
            }
        };
        let name = mode.name();
        let numeric_only = matches!(mode, PadMode::LinearRamp(_) | PadMode::Mean(_) | PadMode::Median(_));
        if numeric_only && T::DTYPE == DType::Bool {
            return self.failed_with(Error::Invalid(format!("pad mode {name} needs a numeric array, not bool")));
        }
        let mut shape = self.shape().to_vec();
        for (a, &(b, e)) in widths.iter().enumerate() {
            shape[a] = shape[a].saturating_add(b).saturating_add(e);
        }
        if let Err(e) = checked_len(&shape, std::mem::size_of::<T>()) {
            return self.failed_with(e);
        }
        if !matches!(mode, PadMode::Constant(_)) {
            if let Some(a) = (0..nd).find(|&a| self.shape()[a] == 0 && widths[a] != (0, 0)) {
                return self.failed_with(Error::Invalid(format!(
                    "pad: cannot extend the empty axis {a} with mode {name} (only constant can)"
                )));
            }
            if self.is_empty() {
                // NumPy returns at once: the result is empty too.
                return self.pad(width, PadMode::Constant(T::default()));
            }
        }
        let zero_stat = match mode {
            PadMode::Maximum(Some(0)) | PadMode::Minimum(Some(0)) => true,
            PadMode::Mean(Some(0)) | PadMode::Median(Some(0)) => !is_float(T::DTYPE),
            _ => false,
        };
        if zero_stat && nd > 0 {
            return self.failed_with(Error::Invalid(format!("pad: stat_length of 0 yields no value for {name}")));
        }
        let mut y = self.clone();
        for (axis, &(before, after)) in widths.iter().enumerate() {
            if before > 0 || after > 0 {
                y = y.pad_axis(axis, before, after, &mode);
            }
        }
        y
    }

    /// Pads one axis: the pieces before and after, joined around `self`.
    fn pad_axis(&self, axis: usize, before: usize, after: usize, mode: &PadMode<T>) -> DArray<T> {
        let n = self.shape()[axis];
        let (lo, hi) = (-(before as isize), (n + after) as isize);
        let side = |right: bool, w: usize| -> Vec<DArray<T>> {
            if w == 0 {
                return vec![];
            }
            let (from, to) = if right { (n as isize, hi) } else { (lo, 0) };
            match *mode {
                PadMode::Constant(v) => {
                    let mut shape = self.shape().to_vec();
                    shape[axis] = w;
                    vec![DArray::full(&shape, v, ChunkSpec::Explicit(self.sizes_with(axis, w)))
                        .unwrap_or_else(|e| self.failed_with(e))]
                }
                PadMode::Edge => vec![self.spread(axis, w, if right { n - 1 } else { 0 })],
                // NumPy's legacy rule: reflecting a single value repeats it.
                PadMode::Reflect if n == 1 => vec![self.spread(axis, w, 0)],
                PadMode::Reflect => {
                    let period = 2 * (n as isize - 1);
                    self.mapped(axis, from, to, period, |p| {
                        let m = p.rem_euclid(period);
                        (if m >= n as isize { period - m } else { m }) as usize
                    })
                }
                PadMode::Symmetric => {
                    let period = 2 * n as isize;
                    self.mapped(axis, from, to, period, |p| {
                        let m = p.rem_euclid(period);
                        (if m >= n as isize { period - 1 - m } else { m }) as usize
                    })
                }
                PadMode::Wrap => self.mapped(axis, from, to, n as isize, |p| p.rem_euclid(n as isize) as usize),
                PadMode::LinearRamp(end) => vec![self.ramp(axis, w, end, right)],
                PadMode::Maximum(l) | PadMode::Minimum(l) | PadMode::Mean(l) | PadMode::Median(l) => {
                    let l = l.unwrap_or(n).min(n);
                    let slab = if right { self.span_on(axis, n - l, n) } else { self.span_on(axis, 0, l) };
                    let mut shape = self.shape().to_vec();
                    shape[axis] = w;
                    vec![slab.stat(axis, mode).broadcast_chunked(&shape, self.sizes_with(axis, w))]
                }
            }
        };
        let mut parts = side(false, before);
        parts.push(self.clone());
        parts.extend(side(true, after));
        concatenate(&parts, axis)
    }

    /// Position `at` along `axis` repeated `w` times.
    fn spread(&self, axis: usize, w: usize, at: usize) -> DArray<T> {
        let mut shape = self.shape().to_vec();
        shape[axis] = w;
        self.span_on(axis, at, at + 1).broadcast_chunked(&shape, self.sizes_with(axis, w))
    }

    /// Positions `from..to` along `axis` (relative to `self`'s start)
    /// read from `map(position)`, which repeats with `period`: maximal runs
    /// stepping by +1 or -1 become one slice each, and whole periods past
    /// the first two one piece repeated by doubling (a few nodes for any
    /// width).
    fn mapped(
        &self,
        axis: usize,
        from: isize,
        to: isize,
        period: isize,
        map: impl Fn(isize) -> usize,
    ) -> Vec<DArray<T>> {
        // The whole periods: from the first multiple of `period` at or
        // after `from` to the last at or before `to`.
        let (a, b) = (from + (period - from.rem_euclid(period)) % period, to - to.rem_euclid(period));
        if b - a < 2 * period {
            return self.runs(axis, from, to, &map);
        }
        let mut out = self.runs(axis, from, a, &map);
        let one = concatenate(&self.runs(axis, a, a + period, &map), axis);
        let copies = ((b - a) / period) as usize;
        if copies.saturating_mul(one.chunks()[axis].len()) > MAX_AXIS_BLOCKS {
            let e =
                format!("pad: {copies} periods of the input along axis {axis} are more than {MAX_AXIS_BLOCKS} blocks");
            return vec![self.failed_with(Error::TooLarge(e))];
        }
        out.push(one.repeat_whole(axis, copies));
        out.extend(self.runs(axis, b, to, &map));
        out
    }

    /// The slices of [`mapped`](Self::mapped) for `from..to`.
    fn runs(&self, axis: usize, from: isize, to: isize, map: &impl Fn(isize) -> usize) -> Vec<DArray<T>> {
        let mut out = vec![];
        let mut p = from;
        while p < to {
            let s = map(p) as isize;
            let step = if p + 1 < to && map(p + 1) as isize == s - 1 { -1 } else { 1 };
            let mut len = 1;
            while p + len < to && map(p + len) as isize == s + step * len {
                len += 1;
            }
            let s = s as usize;
            let l = len as usize;
            out.push(if step == 1 { self.span_on(axis, s, s + l) } else { self.rev_on(axis, s + 1 - l, s + 1) });
            p += len;
        }
        out
    }

    /// The statistic of a stat mode along `axis`, kept as length 1.
    fn stat(&self, axis: usize, mode: &PadMode<T>) -> DArray<T> {
        let bool_ = T::DTYPE == DType::Bool;
        match mode {
            PadMode::Maximum(_) if bool_ => self.reduce_keep(ReduceOp::Any, axis),
            PadMode::Minimum(_) if bool_ => self.reduce_keep(ReduceOp::All, axis),
            PadMode::Maximum(_) => self.reduce_keep(ReduceOp::Max, axis),
            PadMode::Minimum(_) => self.reduce_keep(ReduceOp::Min, axis),
            PadMode::Mean(_) => {
                // NumPy's mean is the sum over the count (in f64 for
                // integers, exact for them), rounded half to even for
                // integers; the mean reduction's merged partials may round
                // a half differently.
                let count = self.shape()[axis] as f64;
                if is_float(T::DTYPE) {
                    let sum = self.reduce_keep(ReduceOp::Sum, axis);
                    return sum.binary(BinaryOp::Div, Operand::Scalar(T::el_from_f64(count)), false);
                }
                let signed = matches!(T::DTYPE, DType::I8 | DType::I16 | DType::I32 | DType::I64);
                let sum_type = if signed { DType::I64 } else { DType::U64 };
                let node = reduce(ReduceOp::Sum, self.node.clone(), Some(&[axis]), true, DEFAULT_SPLIT_EVERY, sum_type);
                let sum: DArray<f64> = if signed {
                    DArray::<i64>::from_node(node).as_dtype()
                } else {
                    DArray::<u64>::from_node(node).as_dtype()
                };
                (sum / count).round().as_dtype()
            }
            _ => {
                // Median: the slab in one block along the axis, each lane's
                // median spread over it, then one position kept.
                if self.shape()[axis] == 0 {
                    let mut shape = self.shape().to_vec();
                    shape[axis] = 1;
                    let nan = T::el_from_f64(f64::NAN);
                    return DArray::full(&shape, nan, ChunkSpec::Explicit(self.sizes_with(axis, 1)))
                        .unwrap_or_else(|e| self.failed_with(e));
                }
                let mut sizes = self.chunks().to_vec();
                sizes[axis] = vec![self.shape()[axis]];
                let med = self.rechunk(ChunkSpec::Explicit(sizes)).map_blocks(move |mut b: ArrayD<T>, _| {
                    for mut lane in b.lanes_mut(Axis(axis)) {
                        let m = median_of(&mut lane.to_vec());
                        lane.fill(m);
                    }
                    b
                });
                med.span_on(axis, 0, 1)
            }
        }
    }

    /// NumPy's linear ramp of `w` positions from `end` to the edge value
    /// (`np.linspace(end, edge, w, endpoint=False)` in `f64`, floored for
    /// integers), reversed after the array.
    fn ramp(&self, axis: usize, w: usize, start: f64, right: bool) -> DArray<T> {
        let n = self.shape()[axis];
        let edge: DArray<f64> = self.span_on(axis, if right { n - 1 } else { 0 }, if right { n } else { 1 }).as_dtype();
        let delta = &edge - start;
        let div = w as f64;
        let step = &delta / div;
        // linspace divides first when any step is zero (denormals, gh-5437).
        let any_zero = step.equal(0.0).any();
        let sizes = self.sizes_with(axis, w);
        let i = match DArray::<f64>::arange(0.0, div, 1.0, ChunkSpec::Explicit(vec![sizes[axis].clone()])) {
            Ok(i) => i,
            Err(e) => return self.failed_with(e),
        };
        let mut sel = vec![Sel::NewAxis; self.ndim()];
        sel[axis] = Sel::all();
        let i = i.slice(&sel);
        let plain = &(&i * &step) + start;
        let tiny = &(&(&i / div) * &delta) + start;
        let mut r = where_(&any_zero, &tiny, &plain);
        if !is_float(T::DTYPE) {
            r = r.floor();
        }
        let r: DArray<T> = r.as_dtype();
        if right {
            r.flip_axis(axis)
        } else {
            r
        }
    }
}
