//! Shape operations (`impl_shape.rs`) against oracles written as plain
//! index loops from NumPy's documentation of each function, over random
//! shapes (0-4-d, with length-0 and length-1 axes), random chunkings and
//! four element types (`f64` with NaN and infinities, `i8`, `u8`, `bool`).

use crate::common;
use common::*;
use darray::{
    block, broadcast_arrays, dstack, hstack, s, vstack, Blocks, DArray, Element, Error, Operand, PadMode, Sel,
};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use std::fmt::Debug;

// ------------------------------------------------------------ element types

/// What the oracles need of an element type.
trait El: Element + Debug {
    const FLOAT: bool;
    const BOOL: bool;
    fn strat() -> BoxedStrategy<Self>;
    /// Equality with NaN equal to NaN.
    fn same(self, o: Self) -> bool;
    fn to_f(self) -> f64;
    /// NumPy's `astype` for values in range.
    fn from_f(v: f64) -> Self;
    /// NumPy's `a - b` (wrapping for integers; `!=` for bool, as `np.diff`).
    fn minus(self, o: Self) -> Self;
}

impl El for f64 {
    const FLOAT: bool = true;
    const BOOL: bool = false;
    fn strat() -> BoxedStrategy<f64> {
        prop_oneof![12 => -100.0..100.0f64, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY), 1 => Just(f64::NEG_INFINITY)]
            .boxed()
    }
    fn same(self, o: f64) -> bool {
        (self.is_nan() && o.is_nan()) || self == o
    }
    fn to_f(self) -> f64 {
        self
    }
    fn from_f(v: f64) -> f64 {
        v
    }
    fn minus(self, o: f64) -> f64 {
        self - o
    }
}

macro_rules! int_el {
    ($($t:ty),*) => {$(
        impl El for $t {
            const FLOAT: bool = false;
            const BOOL: bool = false;
            fn strat() -> BoxedStrategy<$t> {
                any::<$t>().boxed()
            }
            fn same(self, o: $t) -> bool {
                self == o
            }
            fn to_f(self) -> f64 {
                self as f64
            }
            fn from_f(v: f64) -> $t {
                v as $t
            }
            fn minus(self, o: $t) -> $t {
                self.wrapping_sub(o)
            }
        }
    )*};
}
int_el!(i8, u8);

impl El for bool {
    const FLOAT: bool = false;
    const BOOL: bool = true;
    fn strat() -> BoxedStrategy<bool> {
        any::<bool>().boxed()
    }
    fn same(self, o: bool) -> bool {
        self == o
    }
    fn to_f(self) -> f64 {
        self as u8 as f64
    }
    fn from_f(v: f64) -> bool {
        v != 0.0
    }
    fn minus(self, o: bool) -> bool {
        self != o
    }
}

/// An array of one of the tested types.
#[derive(Clone, Debug)]
enum Any {
    F(ArrayD<f64>),
    I(ArrayD<i8>),
    U(ArrayD<u8>),
    B(ArrayD<bool>),
}

/// Values of `shape` of a random type (bool only where `bools`).
fn any_values(shape: &[usize], bools: bool) -> BoxedStrategy<Any> {
    let mut opts = vec![
        values(shape, f64::strat()).prop_map(Any::F).boxed(),
        values(shape, i8::strat()).prop_map(Any::I).boxed(),
        values(shape, u8::strat()).prop_map(Any::U).boxed(),
    ];
    if bools {
        opts.push(values(shape, bool::strat()).prop_map(Any::B).boxed());
    }
    prop::strategy::Union::new(opts).boxed()
}

/// A random array (random type, shape and chunks).
fn case(max_dims: usize, max_len: usize, bools: bool) -> impl Strategy<Value = (Any, darray::ChunkSpec)> {
    shape_and_chunks(max_dims, max_len).prop_flat_map(move |(s, c)| (any_values(&s, bools), Just(c)))
}

macro_rules! dispatch {
    ($a:expr, $f:ident($($arg:expr),*)) => {
        match $a {
            Any::F(a) => $f(a, $($arg),*),
            Any::I(a) => $f(a, $($arg),*),
            Any::U(a) => $f(a, $($arg),*),
            Any::B(a) => $f(a, $($arg),*),
        }
    };
}

// ------------------------------------------------------------ oracle helpers

/// Every index of `shape` in row-major order.
fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0; shape.len()];
    for _ in 0..n {
        out.push(idx.clone());
        for a in (0..shape.len()).rev() {
            idx[a] += 1;
            if idx[a] < shape[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    out
}

fn build<T: Clone>(shape: &[usize], f: impl Fn(&[usize]) -> T) -> ArrayD<T> {
    let vals: Vec<T> = indices(shape).iter().map(|i| f(i)).collect();
    ArrayD::from_shape_vec(IxDyn(shape), vals).unwrap()
}

fn with(idx: &[usize], axis: usize, v: usize) -> Vec<usize> {
    let mut i = idx.to_vec();
    i[axis] = v;
    i
}

fn check_same<T: El>(got: &ArrayD<T>, want: &ArrayD<T>) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), want.shape());
    for (g, w) in got.iter().zip(want.iter()) {
        prop_assert!(g.same(*w), "got {:?}\nwant {:?}", got, want);
    }
    Ok(())
}

/// Computes `x` and compares it with `want`.
fn check<T: El>(x: &DArray<T>, want: &ArrayD<T>) -> Result<(), TestCaseError> {
    prop_assert_eq!(x.shape(), want.shape());
    prop_assert_eq!(x.chunks().len(), want.ndim());
    check_same(&x.compute().unwrap(), want)
}

fn dx<T: El>(a: &ArrayD<T>, c: &darray::ChunkSpec) -> DArray<T> {
    DArray::from_array(a.clone(), c.clone()).unwrap()
}

// ------------------------------------------------------------ pad

/// NumPy's pad modes from its documentation, one axis after the other.
fn pad_oracle<T: El>(a: &ArrayD<T>, widths: &[(usize, usize)], mode: PadMode<T>) -> ArrayD<T> {
    let mut cur = a.clone();
    for (axis, &(b, e)) in widths.iter().enumerate() {
        if b == 0 && e == 0 {
            continue;
        }
        let n = cur.shape()[axis];
        let mut shape = cur.shape().to_vec();
        shape[axis] = n + b + e;
        // linear_ramp: NumPy's linspace divides first on a side where any
        // step (edge - end) / width is zero.
        let tiny = |right: bool| match mode {
            PadMode::LinearRamp(end) => {
                let w = if right { e } else { b } as f64;
                indices(cur.shape()).iter().any(|i| {
                    let edge = cur[IxDyn(&with(i, axis, if right { n - 1 } else { 0 }))].to_f();
                    (edge - end) / w == 0.0
                })
            }
            _ => false,
        };
        let (tiny_l, tiny_r) = (tiny(false), tiny(true));
        cur = build(&shape, |idx| {
            let p = idx[axis] as isize - b as isize;
            let lane: Vec<T> = (0..n).map(|k| cur[IxDyn(&with(idx, axis, k))]).collect();
            if (0..n as isize).contains(&p) {
                return lane[p as usize];
            }
            let right = p >= n as isize;
            let stat = |l: Option<usize>, f: &dyn Fn(&[T]) -> T| {
                let l = l.unwrap_or(n).min(n);
                f(if right { &lane[n - l..] } else { &lane[..l] })
            };
            match mode {
                PadMode::Constant(v) => v,
                PadMode::Edge => lane[if right { n - 1 } else { 0 }],
                PadMode::Reflect if n == 1 => lane[0],
                PadMode::Reflect => lane[mirror(p, n, false)],
                PadMode::Symmetric => lane[mirror(p, n, true)],
                PadMode::Wrap => lane[wrap(p, n)],
                PadMode::LinearRamp(end) => {
                    let (w, i, edge, tiny) = if right {
                        (e, e - 1 - (p as usize - n), lane[n - 1], tiny_r)
                    } else {
                        (b, (p + b as isize) as usize, lane[0], tiny_l)
                    };
                    let (start, delta, div) = (end, edge.to_f() - end, w as f64);
                    let y = if tiny { i as f64 / div * delta + start } else { i as f64 * (delta / div) + start };
                    T::from_f(if T::FLOAT { y } else { y.floor() })
                }
                PadMode::Maximum(l) => stat(l, &|v| extreme(v, true)),
                PadMode::Minimum(l) => stat(l, &|v| extreme(v, false)),
                PadMode::Mean(l) => stat(l, &|v| {
                    let m = v.iter().map(|x| x.to_f()).sum::<f64>() / v.len() as f64;
                    T::from_f(if T::FLOAT { m } else { m.round_ties_even() })
                }),
                PadMode::Median(l) => stat(l, &|v| {
                    if v.iter().any(|x| x.to_f().is_nan()) || v.is_empty() {
                        return T::from_f(f64::NAN);
                    }
                    let mut s: Vec<f64> = v.iter().map(|x| x.to_f()).collect();
                    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
                    let k = s.len();
                    let m = (s[(k - 1) / 2] + s[k / 2]) / 2.0;
                    T::from_f(if T::FLOAT { m } else { m.round_ties_even() })
                }),
            }
        });
    }
    cur
}

/// Mirroring about the edges until inside `0..n` (reflect, or symmetric
/// with the edge value repeated).
fn mirror(p: isize, n: usize, with_edge: bool) -> usize {
    let n = n as isize;
    let e = with_edge as isize;
    if p < 0 {
        mirror(-p - e, n as usize, with_edge)
    } else if p >= n {
        mirror(2 * (n - 1) - p + e, n as usize, with_edge)
    } else {
        p as usize
    }
}

fn wrap(p: isize, n: usize) -> usize {
    let n = n as isize;
    if p < 0 {
        wrap(p + n, n as usize)
    } else if p >= n {
        wrap(p - n, n as usize)
    } else {
        p as usize
    }
}

/// np.max / np.min of a lane: NaN if any is NaN (for bool: any / all).
fn extreme<T: El>(v: &[T], max: bool) -> T {
    let mut best = v[0];
    for &x in v {
        if x.to_f().is_nan() {
            return x;
        }
        if best.to_f().is_nan() {
            continue;
        }
        if (max && x > best) || (!max && x < best) {
            best = x;
        }
    }
    best
}

fn pad_mode<T: El>(kind: usize, v: T, stat: Option<usize>) -> PadMode<T> {
    match kind {
        0 => PadMode::Constant(v),
        1 => PadMode::Edge,
        2 => PadMode::Reflect,
        3 => PadMode::Symmetric,
        4 => PadMode::Wrap,
        5 => PadMode::Maximum(stat),
        6 => PadMode::Minimum(stat),
        7 => PadMode::LinearRamp(v.to_f()),
        8 => PadMode::Mean(stat),
        _ => PadMode::Median(stat),
    }
}

fn pad_case<T: El>(
    a: ArrayD<T>,
    c: darray::ChunkSpec,
    widths: Vec<(usize, usize)>,
    kind: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    let kind = if T::BOOL { kind % 7 } else { kind };
    let v = a.iter().next().copied().unwrap_or_default();
    let stat = (!seed.is_multiple_of(3)).then_some((seed % 5) as usize + 1);
    let mode = pad_mode(kind, v, stat);
    let widths = &widths[..a.ndim()];
    let x = dx(&a, &c);
    let y = x.pad(widths, mode);
    // Modes other than constant cannot extend an empty axis.
    if kind != 0 && (0..a.ndim()).any(|ax| a.shape()[ax] == 0 && widths[ax] != (0, 0)) {
        prop_assert!(matches!(y.error(), Some(Error::Invalid(_))));
        return Ok(());
    }
    let want = pad_oracle(&a, widths, mode);
    if T::FLOAT && kind == 8 {
        // A mean is a sum over a count: the summation order may differ.
        prop_assert_eq!(y.shape(), want.shape());
        let got = y.compute().unwrap();
        for (g, w) in got.iter().zip(want.iter()) {
            prop_assert!(close(g.to_f(), w.to_f(), 1e-12), "got {:?}\nwant {:?}", got, want);
        }
    } else {
        check(&y, &want)?;
    }
    // Blocked: the input's blocks plus edge blocks no longer than its own.
    for (ax, l) in y.chunks().iter().enumerate() {
        let longest = x.chunks()[ax].iter().max().copied().unwrap_or(0);
        prop_assert!(l.iter().all(|&c| c <= longest.max(1)) || kind == 9, "{:?} against {:?}", y.chunks(), x.chunks());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn pad_matches_numpy(
        (a, c) in case(4, 4, true),
        widths in prop::collection::vec((0..6usize, 0..6usize), 4),
        kind in 0..10usize,
        seed in any::<u64>(),
    ) {
        dispatch!(a, pad_case(c, widths, kind, seed))?;
    }
}

// ------------------------------------------------------------ flips, rolls, rot90

fn flip_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, seed: u64) -> Result<(), TestCaseError> {
    let nd = a.ndim();
    let x = dx(&a, &c);
    let axes: Vec<usize> = (0..nd).filter(|k| seed >> k & 1 == 1).collect();
    let flipped = |axes: &[usize]| {
        build(a.shape(), |i| {
            let j: Vec<usize> =
                (0..nd).map(|k| if axes.contains(&k) { a.shape()[k] - 1 - i[k] } else { i[k] }).collect();
            a[IxDyn(&j)]
        })
    };
    check(&x.flip_axes(&axes), &flipped(&axes))?;
    check(&x.flip(), &flipped(&(0..nd).collect::<Vec<_>>()))?;
    if nd >= 1 {
        check(&x.flipud(), &flipped(&[0]))?;
        check(&x.flip_axis(nd - 1), &flipped(&[nd - 1]))?;
    }
    if nd >= 2 {
        check(&x.fliplr(), &flipped(&[1]))?;
    }
    Ok(())
}

fn roll_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, shift: isize, seed: u64) -> Result<(), TestCaseError> {
    let nd = a.ndim();
    let x = dx(&a, &c);
    // Flattened: element i moves to (i + shift) mod len.
    let flat: Vec<T> = a.iter().copied().collect();
    let len = flat.len() as isize;
    let mut out = flat.clone();
    for (i, &v) in flat.iter().enumerate() {
        out[(i as isize + shift).rem_euclid(len.max(1)) as usize] = v;
    }
    check(&x.roll(shift), &ArrayD::from_shape_vec(IxDyn(a.shape()), out).unwrap())?;
    if nd > 0 {
        let axis = seed as usize % nd;
        let shifts = [shift, (seed >> 8) as isize % 7 - 3];
        let other = (seed >> 16) as usize % nd;
        let want = build(a.shape(), |i| {
            let mut j = i.to_vec();
            let n = a.shape()[axis] as isize;
            j[axis] = (i[axis] as isize - shifts[0]).rem_euclid(n) as usize;
            let m = a.shape()[other] as isize;
            j[other] = (j[other] as isize - shifts[1]).rem_euclid(m) as usize;
            a[IxDyn(&j)]
        });
        check(&x.roll_axes(&shifts, &[axis, other]), &want)?;
        let want = build(a.shape(), |i| {
            let n = a.shape()[axis] as isize;
            a[IxDyn(&with(i, axis, (i[axis] as isize - shift).rem_euclid(n) as usize))]
        });
        check(&x.roll_axis(shift, axis), &want)?;
    }
    Ok(())
}

/// rot90 once from `a0` towards `a1`: out[.., i@a0, .., j@a1, ..] =
/// m[.., j@a0, .., n1 - 1 - i@a1, ..] (NumPy: flip along a1, then swap).
fn rot_once<T: El>(m: &ArrayD<T>, a0: usize, a1: usize) -> ArrayD<T> {
    let mut shape = m.shape().to_vec();
    shape.swap(a0, a1);
    let n1 = m.shape()[a1];
    build(&shape, |i| {
        let mut j = i.to_vec();
        j[a0] = i[a1];
        j[a1] = n1 - 1 - i[a0];
        m[IxDyn(&j)]
    })
}

fn rot_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, k: isize, seed: u64) -> Result<(), TestCaseError> {
    let nd = a.ndim();
    if nd < 2 {
        prop_assert!(dx(&a, &c).rot90(k).error().is_some());
        return Ok(());
    }
    let a0 = seed as usize % nd;
    let a1 = (a0 + 1 + (seed >> 8) as usize % (nd - 1)) % nd;
    let mut want = a.clone();
    for _ in 0..k.rem_euclid(4) {
        want = rot_once(&want, a0, a1);
    }
    check(&dx(&a, &c).rot90_axes(k, (a0, a1)), &want)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn flips_match_numpy((a, c) in case(4, 5, true), seed in any::<u64>()) {
        dispatch!(a, flip_case(c, seed))?;
    }

    #[test]
    fn rolls_match_numpy((a, c) in case(4, 5, true), shift in -20..20isize, seed in any::<u64>()) {
        dispatch!(a, roll_case(c, shift, seed))?;
    }

    #[test]
    fn rot90_matches_numpy((a, c) in case(4, 5, true), k in -6..7isize, seed in any::<u64>()) {
        dispatch!(a, rot_case(c, k, seed))?;
    }
}

// ------------------------------------------------------------ diff, gradient

/// np.diff: out[i] = a[i + 1] - a[i] along `axis`, `n` times.
fn diff_oracle<T: El>(a: &ArrayD<T>, n: usize, axis: usize) -> ArrayD<T> {
    let mut cur = a.clone();
    for _ in 0..n {
        let len = cur.shape()[axis];
        let mut shape = cur.shape().to_vec();
        shape[axis] = len.saturating_sub(1);
        cur = build(&shape, |i| cur[IxDyn(&with(i, axis, i[axis] + 1))].minus(cur[IxDyn(i)]));
    }
    cur
}

fn diff_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, n: usize, seed: u64) -> Result<(), TestCaseError> {
    let nd = a.ndim();
    let x = dx(&a, &c);
    if nd == 0 {
        prop_assert!(x.diff(1, 0).error().is_some());
        return Ok(());
    }
    let axis = seed as usize % nd;
    check(&x.diff(n, axis), &diff_oracle(&a, n, axis))?;
    // prepend a scalar, append a slab.
    let v = a.iter().next().copied().unwrap_or_default();
    let mut slab_shape = a.shape().to_vec();
    slab_shape[axis] = 2;
    let slab = build(&slab_shape, |i| a.iter().nth(i.iter().sum::<usize>() % a.len().max(1)).copied().unwrap_or(v));
    let mut joined_shape = a.shape().to_vec();
    joined_shape[axis] += 3;
    let joined = build(&joined_shape, |i| match i[axis] {
        0 => v,
        k if k <= a.shape()[axis] => a[IxDyn(&with(i, axis, k - 1))],
        k => slab[IxDyn(&with(i, axis, k - 1 - a.shape()[axis]))],
    });
    let y = x.diff_with(n, axis, Some(Operand::Scalar(v)), Some(Operand::Array(DArray::from_array(slab, 1).unwrap())));
    // NumPy returns the input itself for n = 0, before joining anything.
    check(&y, &if n == 0 { a } else { diff_oracle(&joined, n, axis) })
}

/// np.gradient with unit-less spacing `h`, from its documented formulas.
fn gradient_oracle(f: &ArrayD<f64>, axis: usize, h: f64, edge_order: usize) -> ArrayD<f64> {
    let n = f.shape()[axis];
    build(f.shape(), |i| {
        let at = |k: usize| f[IxDyn(&with(i, axis, k))];
        let k = i[axis];
        if k > 0 && k < n - 1 {
            (at(k + 1) - at(k - 1)) / (2.0 * h)
        } else if edge_order == 1 && k == 0 {
            (at(1) - at(0)) / h
        } else if edge_order == 1 {
            (at(n - 1) - at(n - 2)) / h
        } else if k == 0 {
            (-1.5 / h) * at(0) + (2.0 / h) * at(1) + (-0.5 / h) * at(2)
        } else {
            (0.5 / h) * at(n - 3) + (-2.0 / h) * at(n - 2) + (1.5 / h) * at(n - 1)
        }
    })
}

fn gradient_case<T: El + darray::Numeric<Mean = f64>>(
    a: ArrayD<T>,
    c: darray::ChunkSpec,
    h: f64,
    edge_order: usize,
) -> Result<(), TestCaseError> {
    let x = dx(&a, &c);
    let f = a.mapv(|v| v.to_f());
    let g = x.gradient(h);
    prop_assert_eq!(g.len(), a.ndim());
    for (axis, g) in g.iter().enumerate() {
        if a.shape()[axis] < 2 {
            prop_assert!(matches!(g.error(), Some(Error::Shape(_))));
        } else {
            check(g, &gradient_oracle(&f, axis, h, 1))?;
        }
        let g2 = x.gradient_with(axis, h, edge_order);
        if a.shape()[axis] < edge_order + 1 {
            prop_assert!(g2.error().is_some());
        } else {
            check(&g2, &gradient_oracle(&f, axis, h, edge_order))?;
            prop_assert_eq!(g2.chunks(), x.chunks());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn diff_matches_numpy((a, c) in case(4, 5, true), n in 0..5usize, seed in any::<u64>()) {
        dispatch!(a, diff_case(c, n, seed))?;
    }

    #[test]
    fn gradient_matches_numpy((a, c) in case(4, 6, false), h in prop_oneof![Just(1.0), 0.25..4.0f64], eo in 1..3usize) {
        match a {
            Any::F(a) => gradient_case(a, c, h, eo)?,
            Any::I(a) => gradient_case(a, c, h, eo)?,
            Any::U(a) => gradient_case(a, c, h, eo)?,
            Any::B(_) => unreachable!("no bools drawn"),
        }
    }
}

// ------------------------------------------------------------ axes

fn axes_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, seed: u64) -> Result<(), TestCaseError> {
    let nd = a.ndim();
    let x = dx(&a, &c);
    // squeeze: the same values without the length-1 axes.
    let kept: Vec<usize> = (0..nd).filter(|&k| a.shape()[k] != 1).map(|k| a.shape()[k]).collect();
    let want = ArrayD::from_shape_vec(IxDyn(&kept), a.iter().copied().collect()).unwrap();
    check(&x.squeeze(), &want)?;
    let ones: Vec<usize> = (0..nd).filter(|&k| a.shape()[k] == 1 && seed >> k & 1 == 1).collect();
    let kept: Vec<usize> = (0..nd).filter(|k| !ones.contains(k)).map(|k| a.shape()[k]).collect();
    check(&x.squeeze_axes(&ones), &ArrayD::from_shape_vec(IxDyn(&kept), a.iter().copied().collect()).unwrap())?;
    // expand_dims at a random output position.
    let at = seed as usize % (nd + 1);
    let mut shape = a.shape().to_vec();
    shape.insert(at, 1);
    check(&x.expand_dims(at), &ArrayD::from_shape_vec(IxDyn(&shape), a.iter().copied().collect()).unwrap())?;
    // moveaxis: the others keep their order.
    if nd > 0 {
        let (src, dst) = (seed as usize % nd, (seed >> 8) as usize % nd);
        let mut order: Vec<usize> = (0..nd).filter(|&k| k != src).collect();
        order.insert(dst, src);
        let shape: Vec<usize> = order.iter().map(|&k| a.shape()[k]).collect();
        let want = build(&shape, |i| {
            let mut j = vec![0; nd];
            for (o, &k) in order.iter().enumerate() {
                j[k] = i[o];
            }
            a[IxDyn(&j)]
        });
        check(&x.moveaxis(src, dst), &want)?;
        let other = (seed >> 16) as usize % nd;
        let mut sw: Vec<usize> = (0..nd).collect();
        sw.swap(src, other);
        let shape: Vec<usize> = sw.iter().map(|&k| a.shape()[k]).collect();
        let want = build(&shape, |i| {
            let mut j = i.to_vec();
            j.swap(src, other);
            a[IxDyn(&j)]
        });
        check(&x.swapaxes(src, other), &want)?;
    }
    // ravel: row-major order.
    let flat: Vec<T> = indices(a.shape()).iter().map(|i| a[IxDyn(i)]).collect();
    check(&x.ravel(), &ArrayD::from_shape_vec(IxDyn(&[flat.len()]), flat.clone()).unwrap())?;
    check(&x.flatten(), &ArrayD::from_shape_vec(IxDyn(&[flat.len()]), flat).unwrap())?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn axis_moves_match_numpy((a, c) in case(4, 5, true), seed in any::<u64>()) {
        dispatch!(a, axes_case(c, seed))?;
    }
}

// ------------------------------------------------------------ broadcasting, tile, repeat

/// A target shape `a` broadcasts to: leading axes, and length-1 axes grown.
fn broadcast_target(shape: &[usize], seed: u64) -> Vec<usize> {
    let lead = (seed % 3) as usize;
    let mut t: Vec<usize> = (0..lead).map(|k| (seed >> (4 + 2 * k)) as usize % 4).collect();
    for (k, &n) in shape.iter().enumerate() {
        t.push(if n == 1 { (seed >> (10 + 2 * k)) as usize % 4 } else { n });
    }
    t
}

/// NumPy broadcasting: axes matched from the end, length 1 read at 0.
fn broadcast_oracle<T: El>(a: &ArrayD<T>, shape: &[usize]) -> ArrayD<T> {
    let off = shape.len() - a.ndim();
    build(shape, |i| {
        let j: Vec<usize> = (0..a.ndim()).map(|k| if a.shape()[k] == 1 { 0 } else { i[k + off] }).collect();
        a[IxDyn(&j)]
    })
}

fn broadcast_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, seed: u64) -> Result<(), TestCaseError> {
    let x = dx(&a, &c);
    let target = broadcast_target(a.shape(), seed);
    check(&x.broadcast_to(&target), &broadcast_oracle(&a, &target))?;
    // Against an array of the target shape, and a reversed (1, ...) one.
    let other = ArrayD::from_elem(IxDyn(&target), a.iter().next().copied().unwrap_or_default());
    let y = DArray::from_array(other.clone(), 2).unwrap();
    let b = broadcast_arrays(&[x.clone(), y]);
    prop_assert_eq!(b.len(), 2);
    check(&b[0], &broadcast_oracle(&a, &target))?;
    check(&b[1], &other)?;
    prop_assert_eq!(b[0].chunks(), b[1].chunks());
    Ok(())
}

fn tile_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, reps: Vec<usize>) -> Result<(), TestCaseError> {
    let x = dx(&a, &c);
    // np.tile: reps padded with leading 1s, or the array with leading axes.
    let nd = a.ndim().max(reps.len());
    let reps: Vec<usize> = std::iter::repeat_n(1, nd - reps.len()).chain(reps.iter().copied()).collect();
    let ashape: Vec<usize> = std::iter::repeat_n(1, nd - a.ndim()).chain(a.shape().iter().copied()).collect();
    let a2 = a.clone().into_shape_with_order(IxDyn(&ashape)).unwrap();
    let shape: Vec<usize> = (0..nd).map(|k| ashape[k] * reps[k]).collect();
    let want = build(&shape, |i| a2[IxDyn(&(0..nd).map(|k| i[k] % ashape[k]).collect::<Vec<_>>())]);
    check(&x.tile(&reps), &want)
}

fn repeat_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, counts: Vec<usize>, seed: u64) -> Result<(), TestCaseError> {
    let nd = a.ndim();
    if nd == 0 {
        prop_assert!(dx(&a, &c).repeat(2, 0).error().is_some());
        return Ok(());
    }
    let x = dx(&a, &c);
    let axis = seed as usize % nd;
    let n = a.shape()[axis];
    let counts: Vec<usize> = (0..n).map(|i| counts[i % counts.len()]).collect();
    // Output position -> input position, from the counts.
    let mut src = vec![];
    for (i, &k) in counts.iter().enumerate() {
        src.extend(std::iter::repeat_n(i, k));
    }
    let mut shape = a.shape().to_vec();
    shape[axis] = src.len();
    let want = build(&shape, |i| a[IxDyn(&with(i, axis, src[i[axis]]))]);
    check(&x.repeat_counts(&counts, axis), &want)?;
    let r = counts.first().copied().unwrap_or(2);
    shape[axis] = n * r;
    let want = build(&shape, |i| a[IxDyn(&with(i, axis, i[axis] / r.max(1)))]);
    check(&x.repeat(r, axis), &want)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn broadcasts_match_numpy((a, c) in case(3, 4, true), seed in any::<u64>()) {
        dispatch!(a, broadcast_case(c, seed))?;
    }

    #[test]
    fn tile_matches_numpy((a, c) in case(3, 4, true), reps in prop::collection::vec(0..4usize, 0..5)) {
        dispatch!(a, tile_case(c, reps))?;
    }

    #[test]
    fn repeat_matches_numpy((a, c) in case(3, 5, true), counts in prop::collection::vec(0..4usize, 1..6), seed in any::<u64>()) {
        dispatch!(a, repeat_case(c, counts, seed))?;
    }
}

// ------------------------------------------------------------ stacking and block

fn stack_case<T: El>(a: ArrayD<T>, c: darray::ChunkSpec, k: usize) -> Result<(), TestCaseError> {
    let x = dx(&a, &c);
    // A second array like the first with another length along the joined axis.
    let nd = a.ndim();
    let grown = |axis: usize| {
        let mut s = a.shape().to_vec();
        s[axis] = k;
        build(&s, |i| a.iter().nth(i.iter().sum::<usize>() % a.len().max(1)).copied().unwrap_or_default())
    };
    // np.vstack/hstack/dstack: at least 2-d/1-d/3-d, then concatenate.
    let promote = |m: &ArrayD<T>, want: usize| -> ArrayD<T> {
        let s: Vec<usize> = match (m.ndim(), want) {
            (0, w) => vec![1; w],
            (1, 2) => vec![1, m.len()],
            (1, 3) => vec![1, m.len(), 1],
            (2, 3) => vec![m.shape()[0], m.shape()[1], 1],
            _ => m.shape().to_vec(),
        };
        m.clone().into_shape_with_order(IxDyn(&s)).unwrap()
    };
    let join = |ms: &[ArrayD<T>], axis: usize| -> ArrayD<T> {
        let mut shape = ms[0].shape().to_vec();
        shape[axis] = ms.iter().map(|m| m.shape()[axis]).sum();
        build(&shape, |i| {
            let mut p = i[axis];
            for m in ms {
                if p < m.shape()[axis] {
                    return m[IxDyn(&with(i, axis, p))];
                }
                p -= m.shape()[axis];
            }
            unreachable!()
        })
    };
    let a2 = promote(&a, 2);
    let other = if nd <= 1 { promote(&a, 2) } else { grown(0) };
    let y = DArray::from_array(if nd <= 1 { a.clone() } else { other.clone() }, 3).unwrap();
    check(&vstack(&[x.clone(), y]), &join(&[a2.clone(), other], 0))?;
    let hx = if nd == 0 { promote(&a, 1) } else { a.clone() };
    let haxis = if hx.ndim() == 1 { 0 } else { 1 };
    let other = grown_like(&hx, haxis, k);
    let y = DArray::from_array(other.clone(), 2).unwrap();
    check(&hstack(&[x.clone(), y]), &join(&[hx, other], haxis))?;
    let a3 = promote(&a, 3);
    let other = grown_like(&a3, 2, k);
    let y = DArray::from_array(other.clone(), 2).unwrap();
    check(&dstack(&[x.clone(), y]), &join(&[a3, other], 2))?;
    // np.block([[x, x], [x, x]]): 2-level nesting on the last two axes of
    // the array promoted to at least 2-d.
    let b = block(vec![vec![x.clone(), x.clone()], vec![x.clone(), x.clone()]]);
    let row = join(&[a2.clone(), a2.clone()], a2.ndim() - 1);
    check(&b, &join(&[row.clone(), row], a2.ndim() - 2))?;
    Ok(())
}

fn grown_like<T: El>(m: &ArrayD<T>, axis: usize, k: usize) -> ArrayD<T> {
    let mut s = m.shape().to_vec();
    s[axis] = k;
    let v = m.iter().next().copied().unwrap_or_default();
    build(&s, |i| if i.iter().sum::<usize>() % 2 == 0 { v } else { T::from_f(1.0) })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn stacking_matches_numpy((a, c) in case(3, 4, true), k in 0..4usize) {
        dispatch!(a, stack_case(c, k))?;
    }
}

#[test]
fn block_follows_numpys_nesting_rules() {
    // 3 levels: the innermost lists join along the last axis.
    let one = |v: i32, s: &[usize]| DArray::full(s, v, 1).unwrap();
    let b = block(vec![vec![vec![one(1, &[1, 1, 2]), one(2, &[1, 1, 1])]], vec![vec![one(3, &[1, 1, 3])]]]);
    assert_eq!(b.shape(), &[2, 1, 3]);
    assert_eq!(b.compute().unwrap().into_raw_vec_and_offset().0, vec![1, 1, 2, 3, 3, 3]);
    // A single array is itself; a 1-level list of 1-d arrays is hstack.
    let a = DArray::arange(0i32, 3, 1, 2).unwrap();
    assert_eq!(block(a.clone()).token(), a.token());
    assert_eq!(
        block(vec![a.clone(), a.clone()]).compute().unwrap(),
        hstack(&[a.clone(), a.clone()]).compute().unwrap()
    );
    // Blocks from references too.
    let nested: Blocks<i32> = vec![vec![&a], vec![&a]].into();
    assert_eq!(block(nested).shape(), &[2, 3]);
}

// ------------------------------------------------------------ s! and the ellipsis

/// NumPy's basic indexing with an ellipsis, by explicit index arithmetic.
fn index_oracle(a: &ArrayD<i64>, sel: &[Sel]) -> ArrayD<i64> {
    let nd = a.ndim();
    let used = sel.iter().filter(|s| !matches!(s, Sel::NewAxis | Sel::Ellipsis)).count();
    let mut full = vec![];
    for s in sel {
        if *s == Sel::Ellipsis {
            full.extend(std::iter::repeat_n(Sel::all(), nd - used));
        } else {
            full.push(*s);
        }
    }
    if !sel.contains(&Sel::Ellipsis) {
        full.extend(std::iter::repeat_n(Sel::all(), nd - used));
    }
    // Per entry: the positions read (None for a new axis), and whether kept.
    let mut picks: Vec<(Option<Vec<usize>>, bool)> = vec![];
    let mut axis = 0;
    for s in &full {
        match *s {
            Sel::NewAxis => picks.push((None, true)),
            Sel::Index(i) => {
                let n = a.shape()[axis] as isize;
                picks.push((Some(vec![(if i < 0 { i + n } else { i }) as usize]), false));
                axis += 1;
            }
            Sel::Range { start, stop, step } => {
                let n = a.shape()[axis] as isize;
                let fix = |x: isize| if x < 0 { x + n } else { x };
                let mut v = vec![];
                if step > 0 {
                    let (mut i, e) = (start.map_or(0, |x| fix(x).clamp(0, n)), stop.map_or(n, |x| fix(x).clamp(0, n)));
                    while i < e {
                        v.push(i as usize);
                        i += step;
                    }
                } else {
                    let (mut i, e) = (
                        start.map_or(n - 1, |x| fix(x).clamp(-1, n - 1)),
                        stop.map_or(-1, |x| fix(x).clamp(-1, n - 1)),
                    );
                    while i > e {
                        v.push(i as usize);
                        i += step;
                    }
                }
                picks.push((Some(v), true));
                axis += 1;
            }
            Sel::Ellipsis => unreachable!("expanded above"),
        }
    }
    let shape: Vec<usize> = picks.iter().filter(|p| p.1).map(|p| p.0.as_ref().map_or(1, |v| v.len())).collect();
    build(&shape, |i| {
        let mut k = 0;
        let mut j = vec![];
        for (p, kept) in &picks {
            let at = if *kept {
                k += 1;
                i[k - 1]
            } else {
                0
            };
            if let Some(v) = p {
                j.push(v[at]);
            }
        }
        a[IxDyn(&j)]
    })
}

fn sel_strategy(shape: Vec<usize>) -> impl Strategy<Value = Vec<Sel>> {
    let nd = shape.len();
    let entry = (0..4usize, -6..6isize, -6..6isize, prop_oneof![1..3isize, -2..0isize]);
    (0..=nd, 0..=nd, prop::collection::vec(entry, nd), any::<bool>()).prop_map(move |(keep, before, raw, new)| {
        // `keep` axes named: the first `before` of them before the
        // ellipsis, the rest at the end after it; maybe a new axis too.
        let before = before.min(keep);
        let axes: Vec<usize> = (0..before).chain(nd - (keep - before)..nd).collect();
        let mut sel: Vec<Sel> = axes
            .iter()
            .zip(&raw)
            .map(|(&k, &(kind, a, b, st))| {
                let n = shape[k] as isize;
                match kind {
                    0 if n > 0 => Sel::Index(a.rem_euclid(n) - if a < 0 { n } else { 0 }),
                    1 => Sel::range(Some(a), Some(b), st),
                    2 => Sel::range(None, Some(b), st),
                    _ => Sel::range(Some(a), None, st),
                }
            })
            .collect();
        sel.insert(before, Sel::Ellipsis);
        if new {
            sel.insert(if before % 2 == 0 { 0 } else { sel.len() }, Sel::NewAxis);
        }
        sel
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn ellipsis_selections_match_numpy(((s, c), sel) in shape_and_chunks(4, 5).prop_flat_map(|(s, c)| (Just((s.clone(), c)), sel_strategy(s)))) {
        let a = build(&s, |i| i.iter().fold(0i64, |acc, &v| acc * 10 + v as i64));
        let x = DArray::from_array(a.clone(), c).unwrap();
        let want = index_oracle(&a, &sel);
        let y = x.slice(&sel);
        prop_assert_eq!(y.shape(), want.shape());
        prop_assert_eq!(y.compute().unwrap(), want);
    }
}

#[test]
fn the_s_macro_writes_numpy_indices() {
    assert_eq!(s![...], [Sel::Ellipsis]);
    assert_eq!(s![..], [Sel::all()]);
    assert_eq!(s![1, ...], [Sel::Index(1), Sel::Ellipsis]);
    assert_eq!(s![..., -1], [Sel::Ellipsis, Sel::Index(-1)]);
    assert_eq!(s![.., -1], [Sel::all(), Sel::Index(-1)]);
    assert_eq!(
        s![1..3, 2.., ..4, ..;2],
        [Sel::span(1, 3), Sel::range(Some(2), None, 1), Sel::range(None, Some(4), 1), Sel::range(None, None, 2)]
    );
    assert_eq!(s![3..0;-1, ..;-1], [Sel::range(Some(3), Some(0), -1), Sel::range(None, None, -1)]);
    assert_eq!(
        s![0..=2, ..=-1, 4..=0;-2, ..=0;-1],
        [Sel::span(0, 3), Sel::range(None, None, 1), Sel::range(Some(4), None, -2), Sel::range(None, None, -1),]
    );
    assert_eq!(s![NewAxis, ..., NewAxis], [Sel::NewAxis, Sel::Ellipsis, Sel::NewAxis]);
    let (i, n) = (2usize, 5i64);
    assert_eq!(s![i, ..n, Sel::all()], [Sel::Index(2), Sel::range(None, Some(5), 1), Sel::all()]);
    let empty: [Sel; 0] = s![];
    assert!(empty.is_empty());
    // On an array: x[..., 0] of a 3-d array.
    let x = DArray::from_fn([2, 3, 4], [1, 2, 3], |i| (100 * i[0] + 10 * i[1] + i[2]) as i64).unwrap();
    let y = x.slice(&s![..., 0]).compute().unwrap();
    assert_eq!(y.shape(), &[2, 3]);
    assert_eq!(y.into_raw_vec_and_offset().0, vec![0, 10, 20, 100, 110, 120]);
    // x[:, 0] is another thing on 3-d arrays: the first row of each.
    let y = x.slice(&s![.., 0]).compute().unwrap();
    assert_eq!(y.shape(), &[2, 4]);
    assert_eq!(y.into_raw_vec_and_offset().0, vec![0, 1, 2, 3, 100, 101, 102, 103]);
}

// ------------------------------------------------------------ blocked plans

#[test]
fn results_keep_the_inputs_blocks() {
    let x = DArray::<f64>::ones([100, 60], [25, 20]).unwrap();
    // A pad adds edge blocks no longer than the input's (a reflection
    // reads the blocks it mirrors backwards: 98..=75 and 74..=59).
    let p = x.pad(&[(3, 40), (0, 5)], PadMode::Reflect);
    assert_eq!(p.chunks(), &[vec![3, 25, 25, 25, 25, 24, 16], vec![20, 20, 20, 5]]);
    // Wide pads repeat whole periods by doubling: a few nodes.
    let w = DArray::from_array(ndarray::arr1(&[1, 2, 3]), 2).unwrap().pad(&[(1000, 1001)], PadMode::Symmetric);
    let want: Vec<i32> = (-1000..1004isize).map(|p| [1, 2, 3, 3, 2, 1][p.rem_euclid(6) as usize]).collect();
    assert_eq!(w.compute().unwrap().into_raw_vec_and_offset().0, want);
    assert_eq!(kind(&x.pad(&[(1 << 40, 0)], PadMode::Wrap)), "too large");
    let p = x.pad(&[(2, 2)], PadMode::Mean(Some(3)));
    assert_eq!(p.chunks()[0], vec![2, 25, 25, 25, 25, 2]);
    // Flips read the same blocks backwards; diff and gradient keep them.
    let y = DArray::<f64>::ones([100], vec![vec![10, 30, 60]]).unwrap();
    assert_eq!(y.flip().chunks(), &[vec![60, 30, 10]]);
    assert_eq!(y.diff(1, 0).chunks(), &[vec![10, 30, 59]]);
    assert_eq!(y.gradient_axis(0, 1.0).chunks(), y.chunks());
    // Broadcasting along a new axis: blocks of about 128 MiB, whole here.
    assert_eq!(y.broadcast_to([7, 100]).chunks(), &[vec![7], vec![10, 30, 60]]);
    let big = DArray::<f64>::ones([1 << 16], 1 << 14).unwrap().broadcast_to([1 << 12, 1 << 16]);
    assert!(big.chunks()[0].iter().all(|&c| c * (1 << 14) * 8 <= 128 << 20), "{:?}", &big.chunks()[0][..2]);
    // repeat: no output block longer than the input's longest.
    assert_eq!(y.repeat(3, 0).chunks()[0].iter().max(), Some(&60));
    // tile repeats the chunks; a large count builds a few nodes, not one per copy.
    assert_eq!(y.tile(&[3]).chunks(), &[vec![10, 30, 60, 10, 30, 60, 10, 30, 60]]);
    assert_eq!(DArray::<u8>::ones([2], 2).unwrap().tile(&[1 << 20]).shape(), &[1 << 21]);
    // The same program builds the same keys.
    assert_eq!(x.pad(&[(1, 2)], PadMode::Edge).token(), x.pad(&[(1, 2)], PadMode::Edge).token());
    assert_eq!(x.roll(7).token(), x.roll(7).token());
    assert_ne!(x.roll(7).token(), x.roll(8).token());
}

// ------------------------------------------------------------ errors

fn kind<T: Element>(x: &DArray<T>) -> &'static str {
    match x.error() {
        Some(Error::Axis { .. }) => "axis",
        Some(Error::Broadcast { .. }) => "broadcast",
        Some(Error::Shape(_)) => "shape",
        Some(Error::Invalid(_)) => "invalid",
        Some(Error::TooLarge(_)) => "too large",
        Some(_) => "other",
        None => "none",
    }
}

/// Every error path: a typed error carried by the array (shaped like the
/// input), reported by `compute`.
#[test]
fn bad_arguments_give_typed_errors() {
    let x = DArray::<f64>::ones([3, 4], [2, 2]).unwrap();
    let v = DArray::<i32>::ones([5], 2).unwrap();
    let z = DArray::<f64>::full([], 1.0, Vec::<usize>::new()).unwrap();
    let b = DArray::<bool>::full([4], true, 2).unwrap();
    let e = DArray::<f64>::zeros([0, 3], [1, 3]).unwrap();
    let cases: Vec<(DArray<f64>, &str, &[usize])> = vec![
        (x.flip_axis(2), "axis", &[3, 4]),
        (x.flip_axes(&[1, 1]), "invalid", &[3, 4]),
        (z.flipud(), "invalid", &[]),
        (v.cast::<f64>().fliplr(), "invalid", &[5]),
        (x.roll_axes(&[1, 2, 3], &[0, 1]), "invalid", &[3, 4]),
        (x.roll_axis(1, 2), "axis", &[3, 4]),
        (x.squeeze_axes(&[0]), "shape", &[3, 4]),
        (x.squeeze_axes(&[3]), "axis", &[3, 4]),
        (x.expand_dims(3), "axis", &[3, 4]),
        (x.expand_dims_axes(&[1, 1]), "invalid", &[3, 4]),
        (x.moveaxes(&[0, 1], &[1]), "invalid", &[3, 4]),
        (x.moveaxes(&[0, 0], &[0, 1]), "invalid", &[3, 4]),
        (x.moveaxis(0, 2), "axis", &[3, 4]),
        (x.broadcast_to([4]), "broadcast", &[3, 4]),
        (x.broadcast_to([2, 4]), "broadcast", &[3, 4]),
        (x.broadcast_to([1 << 40, 1 << 40, 3, 4]), "too large", &[3, 4]),
        (broadcast_arrays(&[x.clone(), v.cast::<f64>()])[0].clone(), "broadcast", &[3, 4]),
        (x.repeat_counts(&[1, 2], 0), "shape", &[3, 4]),
        (x.repeat(2, 2), "axis", &[3, 4]),
        (x.repeat(usize::MAX / 2, 0), "too large", &[3, 4]),
        (x.tile(&[usize::MAX / 2, 1 << 40]), "too large", &[3, 4]),
        (z.diff(1, 0), "invalid", &[]),
        (x.diff(1, 2), "axis", &[3, 4]),
        (x.diff_with(1, 0, Some(Operand::Array(DArray::ones([1, 3], 1).unwrap())), None), "shape", &[1, 3]),
        (x.rot90_axes(1, (1, 1)), "invalid", &[3, 4]),
        (x.rot90_axes(1, (0, 2)), "axis", &[3, 4]),
        (v.cast::<f64>().rot90(1), "axis", &[5]),
        (x.pad(&[(1, 1), (1, 1), (1, 1)], PadMode::Edge), "invalid", &[3, 4]),
        (x.pad(&[], PadMode::Edge), "invalid", &[3, 4]),
        (e.pad(&[(1, 0), (0, 0)], PadMode::Wrap), "invalid", &[0, 3]),
        (x.pad(&[(1, 1)], PadMode::Maximum(Some(0))), "invalid", &[3, 4]),
        (x.pad(&[(usize::MAX / 4, 0)], PadMode::Edge), "too large", &[3, 4]),
        (block(Vec::<Blocks<f64>>::new()), "invalid", &[0]),
        (block(vec![Blocks::from(vec![x.clone()]), Blocks::from(x.clone())]), "invalid", &[3, 4]),
        (block(vec![vec![x.clone(), z.clone()]]), "shape", &[3, 4]),
        (block(vec![Blocks::<f64>::List(vec![])]), "invalid", &[0]),
        (hstack::<f64>(&[]), "invalid", &[0]),
        (vstack(&[x.clone(), v.cast::<f64>()]), "shape", &[3, 4]),
        (dstack(&[x.clone(), e.clone()]), "shape", &[3, 4, 1]),
        (x.slice(&s![..., 0, ...]), "invalid", &[3, 4]),
        (x.slice(&s![0, 0, 0]), "invalid", &[3, 4]),
        (x.gradient_axis(2, 1.0), "axis", &[3, 4]),
        (x.gradient_with(0, 1.0, 3), "invalid", &[3, 4]),
        (x.gradient_with(0, 1.0, 2).pad(&[(1, 1)], PadMode::Edge).slice(&s![..;0]), "invalid", &[5, 6]),
        (DArray::<f64>::ones([2, 4], 2).unwrap().gradient_with(0, 1.0, 2), "shape", &[2, 4]),
        (DArray::<f64>::ones([1, 4], 2).unwrap().gradient(1.0)[0].clone(), "shape", &[1, 4]),
    ];
    for (i, (y, k, shape)) in cases.into_iter().enumerate() {
        assert_eq!(kind(&y), k, "case {i}: {:?}", y.error());
        assert_eq!(y.shape(), shape, "case {i}");
        assert!(y.compute().is_err(), "case {i}");
    }
    // Modes NumPy has only for numbers, on bool; integer stats of nothing.
    assert_eq!(kind(&b.pad(&[(1, 1)], PadMode::Mean(None))), "invalid");
    assert_eq!(kind(&b.pad(&[(1, 1)], PadMode::LinearRamp(0.0))), "invalid");
    assert_eq!(kind(&b.pad(&[(1, 1)], PadMode::Median(None))), "invalid");
    assert_eq!(kind(&v.pad(&[(1, 1)], PadMode::Mean(Some(0)))), "invalid");
    assert_eq!(kind(&v.pad(&[(1, 1)], PadMode::Median(Some(0)))), "invalid");
    // ... while float means of nothing are NaN, as NumPy's.
    let m = x.pad(&[(1, 0)], PadMode::Mean(Some(0))).compute().unwrap();
    assert!(m[[0, 0]].is_nan() && m[[1, 1]] == 1.0);
    // An error is passed on, first one first.
    let bad = x.flip_axis(9);
    for y in [bad.pad(&[(1, 1)], PadMode::Edge), bad.roll(1), bad.tile(&[2]), bad.diff(1, 0), bad.broadcast_to([3, 4])]
    {
        assert!(matches!(y.error(), Some(Error::Axis { axis: 9, .. })), "{:?}", y.error());
    }
    assert!(broadcast_arrays(&[x.clone(), bad.clone()]).iter().all(|y| y.error().is_some()));
    assert!(matches!(bad.gradient(1.0)[0].error(), Some(Error::Axis { axis: 9, .. })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// `f32` differences are `f32` subtractions (taken blockwise).
    #[test]
    fn f32_diff_rounds_as_f32((s, c) in shape_and_chunks(2, 9), n in 1..4usize, seed in any::<u64>()) {
        if s.is_empty() {
            return Ok(());
        }
        let a = build(&s, |i| {
            let h = i.iter().fold(seed, |acc, &v| acc.wrapping_mul(6364136223846793005).wrapping_add(v as u64 + 1));
            f32::from_bits(0x3f80_0000 | (h >> 41) as u32) * if h & 1 == 1 { 1e-3 } else { -7.0 }
        });
        let axis = seed as usize % s.len();
        let mut want = a.clone();
        for _ in 0..n {
            let mut shape = want.shape().to_vec();
            shape[axis] = shape[axis].saturating_sub(1);
            want = build(&shape, |i| want[IxDyn(&with(i, axis, i[axis] + 1))] - want[IxDyn(i)]);
        }
        let got = DArray::from_array(a, c).unwrap().diff(n, axis).compute().unwrap();
        prop_assert_eq!(got, want);
    }
}
