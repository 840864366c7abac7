//! The `s!` macro: NumPy's basic index written as in NumPy, expanding to
//! the [`Sel`] list [`DArray::slice`](super::DArray::slice) takes.

use super::impl_structure::Sel;

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
