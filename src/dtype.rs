//! Element types and the type-erased containers that carry them through the
//! graph. Tasks pass plain data (`AnyArray`), so the engine needs no generics
//! below the user API and a chunk could later cross a process boundary.

use ndarray::ArrayD;
use std::fmt::Debug;

/// The one list of element types, with their `DType` variants, handed to
/// the rule of this macro named first (`each`: to a caller's macro).
/// Every per-type list in the crate comes from here.
#[macro_export]
#[doc(hidden)]
macro_rules! __element_types {
    ($rule:ident $args:tt) => {
        $crate::__element_types! { @$rule $args bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64,
        u8 => U8, u16 => U16, u32 => U32, u64 => U64, f32 => F32, f64 => F64 }
    };
    (@each ($m:ident [$($arg:tt)*]) $($list:tt)*) => {
        $m! { $($arg)* $($list)* }
    };
    (@each_numeric ($m:ident [$($arg:tt)*]) bool => Bool, $($list:tt)*) => {
        $m! { $($arg)* $($list)* }
    };
    (@with (($dt:expr) $t:ident ($body:expr)) $($ty:ty => $v:ident),*) => {
        match $dt {
            $($crate::DType::$v => {
                #[allow(dead_code)]
                type $t = $ty;
                $body
            })*
        }
    };
    (@with_numeric (($dt:expr) $t:ident ($body:expr) ($bool:expr)) bool => Bool, $($ty:ty => $v:ident),*) => {
        match $dt {
            $crate::DType::Bool => $bool,
            $($crate::DType::$v => {
                #[allow(dead_code)]
                type $t = $ty;
                $body
            })*
        }
    };
    (@dispatch ($ty:ident ($val:expr) $a:ident ($body:expr)) $($t:ty => $v:ident),*) => {
        match $val {
            $($ty::$v($a) => $body,)*
        }
    };
}

/// Calls `$m!` with the extra arguments `$arg` (each followed by a comma),
/// then the list of every element type and its `DType` variant
/// (`bool => Bool, i8 => I8, ...`): code generated per type.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_element {
    ($m:ident $(, $arg:tt)*) => {
        $crate::__element_types! { each ($m [$($arg,)*]) }
    };
}

/// As `for_each_element!` for the numeric types (all but `bool`).
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_numeric {
    ($m:ident $(, $arg:tt)*) => {
        $crate::__element_types! { each_numeric ($m [$($arg,)*]) }
    };
}

/// Evaluates `$body` with the type alias `$t` set to the element type of
/// the `DType` value `$dt`: the one dispatch from a runtime type to
/// monomorphised code.
///
/// ```
/// use darray::{with_dtype, DType, Element};
/// let size = with_dtype!(DType::I16, T => std::mem::size_of::<T>());
/// assert_eq!(size, 2);
/// ```
#[macro_export]
macro_rules! with_dtype {
    ($dt:expr, $t:ident => $body:expr) => {
        $crate::__element_types!(with (($dt) $t ($body)))
    };
}

/// As `with_dtype!` for the numeric types; `Bool` evaluates `$bool`.
///
/// ```
/// use darray::{with_numeric, DType, Numeric};
/// let float = |d: DType| with_numeric!(d, T => <T as Numeric>::IS_FLOAT, bool => false);
/// assert!(float(DType::F32) && !float(DType::U8) && !float(DType::Bool));
/// ```
#[macro_export]
macro_rules! with_numeric {
    ($dt:expr, $t:ident => $body:expr, bool => $bool:expr) => {
        $crate::__element_types!(with_numeric (($dt) $t ($body) ($bool)))
    };
}

/// As `with_dtype!` for `f32`/`f64`; any other type evaluates `$other`.
#[macro_export]
macro_rules! with_float {
    ($dt:expr, $t:ident => $body:expr, other => $other:expr) => {
        match $dt {
            $crate::DType::F32 => {
                #[allow(dead_code)]
                type $t = f32;
                $body
            }
            $crate::DType::F64 => {
                #[allow(dead_code)]
                type $t = f64;
                $body
            }
            _ => $other,
        }
    };
}

/// Calls `$body` with `$a` bound to the typed content of an `AnyArray`,
/// `AnyVec`, `AnySlice` or `AnySliceMut`, whatever its element type.
#[macro_export]
#[doc(hidden)]
macro_rules! dispatch {
    ($ty:ident, $val:expr, $a:ident => $body:expr) => {
        $crate::__element_types!(dispatch ($ty ($val) $a ($body)))
    };
}

macro_rules! dtype_enum {
    ($($t:ty => $v:ident),*) => {
        /// The element type of an array, as a value.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum DType {
            $(
                #[doc = concat!("`", stringify!($t), "`")]
                $v,
            )*
        }

        impl DType {
            /// Every element type.
            pub const ALL: &'static [DType] = &[$(DType::$v),*];
        }
    };
}
for_each_element!(dtype_enum);

impl DType {
    /// True for `f32` and `f64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }
    /// Bytes per element.
    pub fn size(self) -> usize {
        with_dtype!(self, T => std::mem::size_of::<T>())
    }
    /// NumPy's name for the type.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }
}

macro_rules! any_container {
    ($name:ident, $inner:ident, $doc:literal, $($t:ty => $v:ident),*) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum $name {
            $(
                #[doc = concat!("Elements of type `", stringify!($t), "`.")]
                $v($inner<$t>),
            )*
        }
        impl $name {
            /// The element type held.
            pub fn dtype(&self) -> DType {
                match self {
                    $($name::$v(_) => DType::$v,)*
                }
            }
            /// Number of elements.
            pub fn len(&self) -> usize {
                dispatch!($name, self, a => a.len())
            }
            /// True when there are no elements.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
            /// Bytes of element data.
            pub fn nbytes(&self) -> usize {
                self.len() * self.dtype().size()
            }
        }
    };
}

for_each_element!(any_container, AnyArray, ArrayD, "An n-d array of any element type: the payload of a chunk.");
for_each_element!(any_container, AnyVec, Vec, "A flat buffer of any element type: a tile register of a fused kernel.");

impl AnyArray {
    /// An array of default values (zeros, `false`).
    pub fn default_of(dtype: DType, shape: &[usize]) -> AnyArray {
        with_dtype!(dtype, T => T::wrap(ArrayD::<T>::default(ndarray::IxDyn(shape))))
    }
    /// An array of `shape` filled with the value of the 0-d array `v`.
    pub(crate) fn filled(v: &AnyArray, shape: &[usize]) -> AnyArray {
        dispatch!(AnyArray, v, a => {
            let x = *a.iter().next().expect("a 0-d array holds one value");
            Element::wrap(ArrayD::from_elem(ndarray::IxDyn(shape), x))
        })
    }
    /// A copy of the window at `start` of `shape`.
    pub(crate) fn window(&self, start: &[usize], shape: &[usize]) -> AnyArray {
        let win: Vec<ndarray::SliceInfoElem> =
            start.iter().zip(shape).map(|(&s, &n)| ndarray::SliceInfoElem::from(s..s + n)).collect();
        dispatch!(AnyArray, self, a => Element::wrap(a.slice(win.as_slice()).to_owned()))
    }
    /// Copies a window of `src` into `self` at `dst_start`: along each axis
    /// `shape[a]` positions of `src` from `src_start[a]` by `step[a]` (+1 or
    /// -1). The element types must match.
    pub(crate) fn assign_stepped(
        &mut self,
        dst_start: &[usize],
        src: &AnyArray,
        src_start: &[usize],
        step: &[isize],
        shape: &[usize],
    ) {
        let d: Vec<ndarray::SliceInfoElem> =
            dst_start.iter().zip(shape).map(|(&s, &n)| ndarray::SliceInfoElem::from(s..s + n)).collect();
        let s: Vec<ndarray::SliceInfoElem> = src_start
            .iter()
            .zip(shape)
            .zip(step)
            .map(|((&s, &n), &k)| {
                if k < 0 {
                    ndarray::Slice::new((s + 1 - n) as isize, Some(s as isize + 1), -1).into()
                } else {
                    ndarray::SliceInfoElem::from(s..s + n)
                }
            })
            .collect();
        fn cp<T: Element>(
            dst: &mut ArrayD<T>,
            src: &AnyArray,
            d: &[ndarray::SliceInfoElem],
            s: &[ndarray::SliceInfoElem],
        ) {
            let src = T::view_any(src).expect("windows of one element type");
            dst.slice_mut(d).assign(&src.slice(s));
        }
        dispatch!(AnyArray, self, a => cp(a, src, &d, &s))
    }
    /// Positions `local` along `axis` of each part's array, joined in order
    /// (one copy of each picked row; the parts share their element type).
    pub(crate) fn gather(axis: usize, parts: &[(&AnyArray, &[usize])]) -> AnyArray {
        fn pick<T: Element>(first: &ArrayD<T>, parts: &[(&AnyArray, &[usize])], axis: usize) -> AnyArray {
            let ax = ndarray::Axis(axis);
            let mut shape = first.shape().to_vec();
            shape[axis] = parts.iter().map(|p| p.1.len()).sum();
            // Every row is written once, so the rows start uninitialised
            // (no zeroing pass over a chunk-sized buffer).
            let mut out = ArrayD::<T>::uninit(ndarray::IxDyn(&shape));
            let mut k = 0;
            for (a, local) in parts {
                let a = T::view_any(a).expect("parts of one element type");
                for &i in *local {
                    a.index_axis(ax, i).assign_to(out.index_axis_mut(ax, k));
                    k += 1;
                }
            }
            assert_eq!(k, shape[axis], "every row written");
            // SAFETY: rows 0..k along `axis` cover the array, and each was
            // written above.
            T::wrap(unsafe { out.assume_init() })
        }
        dispatch!(AnyArray, parts[0].0, x => pick(x, parts, axis))
    }
    /// Copies the window of `src` at `src_start` into the window of `self`
    /// at `dst_start`, both of `shape`. The element types must match.
    pub(crate) fn assign_window(&mut self, dst_start: &[usize], src: &AnyArray, src_start: &[usize], shape: &[usize]) {
        let win = |start: &[usize]| -> Vec<ndarray::SliceInfoElem> {
            start.iter().zip(shape).map(|(&s, &n)| ndarray::SliceInfoElem::from(s..s + n)).collect()
        };
        let (d, s) = (win(dst_start), win(src_start));
        macro_rules! cp {
            ($($t:ty => $v:ident),*) => {
                match (self, src) {
                    $((AnyArray::$v(a), AnyArray::$v(b)) => a.slice_mut(d.as_slice()).assign(&b.slice(s.as_slice())),)*
                    _ => unreachable!("windows of one element type"),
                }
            };
        }
        for_each_element!(cp)
    }
    /// The array's shape.
    pub fn shape(&self) -> &[usize] {
        dispatch!(AnyArray, self, a => a.shape())
    }
}

macro_rules! any_slices {
    ($($t:ty => $v:ident),*) => {
        /// A borrowed run of elements of any type (a tile register's window
        /// or a contiguous piece of a chunk, read in place).
        #[doc(hidden)]
        #[derive(Debug, Clone, Copy)]
        pub enum AnySlice<'a> {
            $($v(&'a [$t]),)*
        }

        /// A mutably borrowed run of elements of any type.
        #[doc(hidden)]
        #[derive(Debug)]
        pub enum AnySliceMut<'a> {
            $($v(&'a mut [$t]),)*
        }
    };
}
for_each_element!(any_slices);

impl<'a> AnySlice<'a> {
    /// The sub-run `[a, b)`.
    #[inline]
    pub fn sub(self, a: usize, b: usize) -> AnySlice<'a> {
        dispatch!(AnySlice, self, x => Element::wrap_slice(&x[a..b]))
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        dispatch!(AnySlice, self, a => a.len())
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl AnySliceMut<'_> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        dispatch!(AnySliceMut, self, a => a.len())
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The sub-run `[a, b)`, reborrowed.
    #[inline]
    pub fn sub(&mut self, a: usize, b: usize) -> AnySliceMut<'_> {
        dispatch!(AnySliceMut, self, x => Element::wrap_slice_mut(&mut x[a..b]))
    }
}

impl AnyVec {
    /// Appends a run of the same element type.
    #[inline]
    pub fn extend_from(&mut self, s: AnySlice<'_>) {
        dispatch!(AnyVec, self, v => v.extend_from_slice(Element::slice(s)))
    }
    /// The window `[a, b)` of the buffer.
    #[inline]
    pub fn window(&self, a: usize, b: usize) -> AnySlice<'_> {
        dispatch!(AnyVec, self, x => Element::wrap_slice(&x[a..b]))
    }
    /// The window `[a, b)` of the buffer, mutably.
    #[inline]
    pub fn window_mut(&mut self, a: usize, b: usize) -> AnySliceMut<'_> {
        dispatch!(AnyVec, self, x => Element::wrap_slice_mut(&mut x[a..b]))
    }

    /// An empty buffer of the given type with room for `cap` elements.
    pub fn with_capacity(dtype: DType, cap: usize) -> AnyVec {
        with_dtype!(dtype, T => T::wrap_vec(Vec::with_capacity(cap)))
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An element type a `DArray` can hold: the numeric types and `bool`.
pub trait Element: Copy + Send + Sync + Debug + PartialEq + PartialOrd + Default + 'static + sealed::Sealed {
    /// The matching `DType`.
    const DTYPE: DType;
    #[doc(hidden)]
    fn wrap(a: ArrayD<Self>) -> AnyArray;
    #[doc(hidden)]
    fn unwrap(a: AnyArray) -> Option<ArrayD<Self>>;
    #[doc(hidden)]
    fn view_any(a: &AnyArray) -> Option<&ArrayD<Self>>;
    #[doc(hidden)]
    fn view_any_mut(a: &mut AnyArray) -> Option<&mut ArrayD<Self>>;
    #[doc(hidden)]
    fn slice<'a>(s: AnySlice<'a>) -> &'a [Self];
    #[doc(hidden)]
    fn slice_mut<'a>(s: AnySliceMut<'a>) -> &'a mut [Self];
    #[doc(hidden)]
    fn wrap_slice(s: &[Self]) -> AnySlice<'_>;
    #[doc(hidden)]
    fn wrap_slice_mut(s: &mut [Self]) -> AnySliceMut<'_>;
    #[doc(hidden)]
    fn wrap_vec(v: Vec<Self>) -> AnyVec;
    #[doc(hidden)]
    fn el_is_nan(self) -> bool;
    #[doc(hidden)]
    fn el_to_f64(self) -> f64;
    #[doc(hidden)]
    fn el_from_f64(x: f64) -> Self;
    /// The bit pattern (integers sign- or zero-extended, floats' own bits).
    #[doc(hidden)]
    fn el_bits(self) -> u64;
    /// The value of bit pattern `bits` (the inverse of `el_bits`).
    #[doc(hidden)]
    fn el_from_bits(bits: u64) -> Self;
}

/// `NumPy`-style conversion between element types (`as` semantics; `bool` as 0/1).
pub trait CastFrom<T>: Sized {
    fn cast_from(x: T) -> Self;
}

macro_rules! element {
    ($t:ty, $v:ident, $is_nan:expr, $to:expr, $from:expr, $bits:expr, $from_bits:expr) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$v;
            fn wrap(a: ArrayD<Self>) -> AnyArray {
                AnyArray::$v(a)
            }
            fn unwrap(a: AnyArray) -> Option<ArrayD<Self>> {
                match a {
                    AnyArray::$v(a) => Some(a),
                    _ => None,
                }
            }
            fn view_any(a: &AnyArray) -> Option<&ArrayD<Self>> {
                match a {
                    AnyArray::$v(a) => Some(a),
                    _ => None,
                }
            }
            fn view_any_mut(a: &mut AnyArray) -> Option<&mut ArrayD<Self>> {
                match a {
                    AnyArray::$v(a) => Some(a),
                    _ => None,
                }
            }
            #[inline]
            fn slice<'a>(s: AnySlice<'a>) -> &'a [Self] {
                match s {
                    AnySlice::$v(a) => a,
                    _ => unreachable!("kernel typing: a run of another type where {} expected", stringify!($t)),
                }
            }
            #[inline]
            fn slice_mut<'a>(s: AnySliceMut<'a>) -> &'a mut [Self] {
                match s {
                    AnySliceMut::$v(a) => a,
                    _ => unreachable!("kernel typing: a run of another type where {} expected", stringify!($t)),
                }
            }
            #[inline]
            fn wrap_slice(s: &[Self]) -> AnySlice<'_> {
                AnySlice::$v(s)
            }
            #[inline]
            fn wrap_slice_mut(s: &mut [Self]) -> AnySliceMut<'_> {
                AnySliceMut::$v(s)
            }
            fn wrap_vec(v: Vec<Self>) -> AnyVec {
                AnyVec::$v(v)
            }
            #[allow(clippy::redundant_closure_call)]
            fn el_is_nan(self) -> bool {
                ($is_nan)(self)
            }
            #[allow(clippy::redundant_closure_call)]
            fn el_to_f64(self) -> f64 {
                ($to)(self)
            }
            #[allow(clippy::redundant_closure_call)]
            fn el_from_f64(x: f64) -> Self {
                ($from)(x)
            }
            #[allow(clippy::redundant_closure_call)]
            fn el_bits(self) -> u64 {
                ($bits)(self)
            }
            #[allow(clippy::redundant_closure_call)]
            fn el_from_bits(bits: u64) -> Self {
                ($from_bits)(bits)
            }
        }
    };
}

macro_rules! int_element {
    ($($t:ty => $v:ident),*) => {$(
        element!($t, $v, |_| false, |x: $t| x as f64, |x: f64| x as $t, |x: $t| x as u64, |b: u64| b as $t);
    )*};
}
int_element!(i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32, u64 => U64);
element!(f32, F32, |x: f32| x.is_nan(), |x: f32| x as f64, |x: f64| x as f32, |x: f32| x.to_bits() as u64, |b: u64| {
    f32::from_bits(b as u32)
});
element!(f64, F64, |x: f64| x.is_nan(), |x: f64| x, |x: f64| x, |x: f64| x.to_bits(), f64::from_bits);
element!(bool, Bool, |_| false, |x: bool| x as u8 as f64, |x: f64| x != 0.0, |x: bool| x as u64, |b: u64| b != 0);

macro_rules! cast_num {
    (list, $($t:ty => $v:ident),*) => {
        cast_num!($($t),*);
    };
    ($($from:ty),*) => {
        cast_num!(@each [$($from),*] [$($from),*]);
    };
    (@each [$($from:ty),*] $tos:tt) => {
        $( cast_num!(@one $from, $tos); )*
    };
    (@one $from:ty, [$($to:ty),*]) => {
        $(
            impl CastFrom<$from> for $to {
                #[inline(always)]
                fn cast_from(x: $from) -> $to { x as $to }
            }
        )*
        impl CastFrom<$from> for bool {
            #[inline(always)]
            #[allow(clippy::float_cmp)]
            fn cast_from(x: $from) -> bool { x != (0 as $from) }
        }
        impl CastFrom<bool> for $from {
            #[inline(always)]
            fn cast_from(x: bool) -> $from { x as u8 as $from }
        }
    };
}
for_each_numeric!(cast_num, list);
impl CastFrom<bool> for bool {
    fn cast_from(x: bool) -> bool {
        x
    }
}

/// A numeric element type (everything but `bool`).
pub trait Numeric:
    Element
    + num_traits::Num
    + num_traits::NumCast
    + num_traits::Bounded
    + std::ops::AddAssign
    + std::ops::MulAssign
    + CastFrom<f64>
    + CastFrom<Self>
{
    /// The type sums and products accumulate in: `i64`/`u64` for integers,
    /// `f64` for floats.
    type Accum: Numeric + CastFrom<Self>;
    /// The type `sum()` returns: `i64`/`u64` for integers (like NumPy), the
    /// same type for floats.
    type Sum: Numeric + CastFrom<Self::Accum>;
    /// The type `mean()`, `var()` and `std()` return: `f64` for integers, the
    /// same type for floats.
    type Mean: Float;
    /// True for `f32` and `f64`.
    const IS_FLOAT: bool;
    #[doc(hidden)]
    fn abs_val(self) -> Self;
    /// `+` with NumPy's integer wrap-around (never panics).
    #[doc(hidden)]
    fn add_(self, o: Self) -> Self;
    #[doc(hidden)]
    fn sub_(self, o: Self) -> Self;
    #[doc(hidden)]
    fn mul_(self, o: Self) -> Self;
    /// `/`: true division for floats; floored for integers (NumPy's `//`,
    /// in step with `rem_`), where division by zero gives 0, as NumPy does.
    #[doc(hidden)]
    fn div_(self, o: Self) -> Self;
    /// `%` as NumPy's `remainder`: the result takes the divisor's sign
    /// (floored division), unlike Rust's `%`; an integer remainder by zero
    /// gives 0, as NumPy does.
    #[doc(hidden)]
    fn rem_(self, o: Self) -> Self;
    /// `-x` (for floats the sign flips, so `-0.0` stays negative zero).
    #[doc(hidden)]
    fn neg_(self) -> Self;
    #[doc(hidden)]
    fn lowest() -> Self;
    #[doc(hidden)]
    fn highest() -> Self;
}

/// A floating-point element type.
pub trait Float: Numeric<Sum = Self, Mean = Self> + num_traits::Float + CastFrom<f64> {}
impl Float for f32 {}
impl Float for f64 {}

/// Element types with bitwise operations (`& | ^ !`): the integers and
/// `bool` (where they are logical).
pub trait Bitwise: Element {}
/// The integer element types (bit shifts).
pub trait Integer: Numeric + Bitwise {}
impl Bitwise for bool {}
macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Bitwise for $t {}
        impl Integer for $t {}
    )*};
}
integer!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! numeric {
    ($($t:ty => $acc:ty, $sum:ty, $mean:ty, $float:tt, $abs:expr, $lo:expr, $hi:expr);*) => {$(
        impl Numeric for $t {
            type Accum = $acc;
            type Sum = $sum;
            type Mean = $mean;
            const IS_FLOAT: bool = $float;
            #[inline(always)]
            #[allow(clippy::redundant_closure_call)]
            fn abs_val(self) -> Self { ($abs)(self) }
            #[inline(always)]
            fn lowest() -> Self { $lo }
            #[inline(always)]
            fn highest() -> Self { $hi }
            numeric!(@arith $float);
        }
    )*};
    (@arith true) => {
        #[inline(always)]
        fn add_(self, o: Self) -> Self { self + o }
        #[inline(always)]
        fn sub_(self, o: Self) -> Self { self - o }
        #[inline(always)]
        fn mul_(self, o: Self) -> Self { self * o }
        #[inline(always)]
        fn div_(self, o: Self) -> Self { self / o }
        #[inline(always)]
        fn rem_(self, o: Self) -> Self {
            // NumPy's npy_divmod: fmod, moved into the divisor's sign.
            let m = self % o;
            if m != 0.0 {
                if (o < 0.0) != (m < 0.0) { m + o } else { m }
            } else {
                // A zero (or NaN, for o == 0) with the divisor's sign.
                m.copysign(o)
            }
        }
        #[inline(always)]
        fn neg_(self) -> Self { -self }
    };
    (@arith false) => {
        #[inline(always)]
        fn add_(self, o: Self) -> Self { self.wrapping_add(o) }
        #[inline(always)]
        fn sub_(self, o: Self) -> Self { self.wrapping_sub(o) }
        #[inline(always)]
        fn mul_(self, o: Self) -> Self { self.wrapping_mul(o) }
        #[inline(always)]
        #[allow(unused_comparisons)]
        fn div_(self, o: Self) -> Self {
            if o == 0 {
                return 0;
            }
            // Floored, as NumPy's `//` and in step with `rem_`.
            let q = self.wrapping_div(o);
            let r = self.wrapping_rem(o);
            if r != 0 && ((r < 0) != (o < 0)) { q.wrapping_sub(1) } else { q }
        }
        #[inline(always)]
        #[allow(unused_comparisons)]
        fn rem_(self, o: Self) -> Self {
            if o == 0 {
                return 0;
            }
            // Python's floored modulo: a non-zero remainder takes o's sign.
            let m = self.wrapping_rem(o);
            if m != 0 && ((m < 0) != (o < 0)) { m.wrapping_add(o) } else { m }
        }
        #[inline(always)]
        fn neg_(self) -> Self { self.wrapping_neg() }
    };
}
numeric!(
    i8 => i64, i64, f64, false, |x: i8| x.wrapping_abs(), i8::MIN, i8::MAX;
    i16 => i64, i64, f64, false, |x: i16| x.wrapping_abs(), i16::MIN, i16::MAX;
    i32 => i64, i64, f64, false, |x: i32| x.wrapping_abs(), i32::MIN, i32::MAX;
    i64 => i64, i64, f64, false, |x: i64| x.wrapping_abs(), i64::MIN, i64::MAX;
    u8 => u64, u64, f64, false, |x: u8| x, 0, u8::MAX;
    u16 => u64, u64, f64, false, |x: u16| x, 0, u16::MAX;
    u32 => u64, u64, f64, false, |x: u32| x, 0, u32::MAX;
    u64 => u64, u64, f64, false, |x: u64| x, 0, u64::MAX;
    f32 => f64, f32, f32, true, |x: f32| x.abs(), f32::NEG_INFINITY, f32::INFINITY;
    f64 => f64, f64, f64, true, |x: f64| x.abs(), f64::NEG_INFINITY, f64::INFINITY
);
