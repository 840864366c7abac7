//! NumPy's ufuncs on random shapes, chunkings, dtypes and special values,
//! against oracles written from NumPy's definitions element by element.

use crate::common;
use common::*;
use darray::{ChunkSpec, DArray};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

/// Floats with the values that tell definitions apart: NaN, infinities,
/// both zeros, exact halves, and ordinary values.
fn special() -> BoxedStrategy<f64> {
    prop_oneof![
        6 => -100.0..100.0f64,
        2 => (-20i32..20).prop_map(|i| i as f64 + 0.5),
        2 => -1.0..1.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => Just(-0.0),
    ]
    .boxed()
}

fn input(max_dims: usize) -> impl Strategy<Value = (ArrayD<f64>, ChunkSpec)> {
    shape_and_chunks(max_dims, 6).prop_flat_map(|(s, c)| (values(&s, special()), Just(c)))
}

/// Same value, NaN equal to NaN, zeros by sign.
fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Half to even, from the definition: the nearer integer, the even one
/// at a tie, keeping the sign of zero.
fn half_even(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let f = x.floor();
    let d = x - f;
    let r = if d > 0.5 || (d == 0.5 && f % 2.0 != 0.0) { f + 1.0 } else { f };
    if r == 0.0 {
        0.0f64.copysign(x)
    } else {
        r
    }
}

type Unary = (&'static str, fn(&DArray<f64>) -> DArray<f64>, fn(f64) -> f64);

fn unary_table() -> Vec<Unary> {
    vec![
        ("round", |a| a.round(), half_even),
        ("rint", |a| a.rint(), half_even),
        ("arcsin", |a| a.arcsin(), f64::asin),
        ("arccos", |a| a.arccos(), f64::acos),
        ("arctan", |a| a.arctan(), f64::atan),
        ("sinh", |a| a.sinh(), f64::sinh),
        ("cosh", |a| a.cosh(), f64::cosh),
        ("arcsinh", |a| a.arcsinh(), f64::asinh),
        ("arccosh", |a| a.arccosh(), f64::acosh),
        ("arctanh", |a| a.arctanh(), f64::atanh),
        ("log1p", |a| a.log1p(), f64::ln_1p),
        ("expm1", |a| a.expm1(), f64::exp_m1),
        ("exp2", |a| a.exp2(), |x| 2f64.powf(x)),
        ("cbrt", |a| a.cbrt(), f64::cbrt),
        ("square", |a| a.square(), |x| x * x),
        // trunc: the integer part, the sign kept (-0.5 -> -0).
        (
            "trunc",
            |a| a.trunc(),
            |x| {
                let t = if x.is_finite() { x - x % 1.0 } else { x };
                if t == 0.0 {
                    0.0f64.copysign(x)
                } else {
                    t
                }
            },
        ),
        ("deg2rad", |a| a.deg2rad(), |x| x * (std::f64::consts::PI / 180.0)),
        ("rad2deg", |a| a.rad2deg(), |x| x * (180.0 / std::f64::consts::PI)),
        (
            "nan_to_num",
            |a| a.nan_to_num(),
            |x| {
                if x.is_nan() {
                    0.0
                } else if x == f64::INFINITY {
                    f64::MAX
                } else if x == f64::NEG_INFINITY {
                    f64::MIN
                } else {
                    x
                }
            },
        ),
    ]
}

type Pred = (&'static str, fn(&DArray<f64>) -> DArray<bool>, fn(f64) -> bool);

fn pred_table() -> Vec<Pred> {
    vec![
        ("isinf", |a| a.isinf(), |x| x.abs() == f64::INFINITY),
        ("isposinf", |a| a.isposinf(), |x| x == f64::INFINITY),
        ("isneginf", |a| a.isneginf(), |x| x == f64::NEG_INFINITY),
        ("signbit", |a| a.signbit(), |x| x.to_bits() >> 63 == 1),
    ]
}

/// The NumPy binary float ufuncs, each with its definition.
type Binary = (&'static str, fn(&DArray<f64>, &DArray<f64>) -> DArray<f64>, fn(f64, f64) -> f64);

fn binary_table() -> Vec<Binary> {
    vec![
        (
            "fmax",
            |a, b| a.fmax(b),
            |x, y| {
                if x.is_nan() {
                    y
                } else if y.is_nan() || x >= y {
                    x
                } else {
                    y
                }
            },
        ),
        (
            "fmin",
            |a, b| a.fmin(b),
            |x, y| {
                if x.is_nan() {
                    y
                } else if y.is_nan() || x <= y {
                    x
                } else {
                    y
                }
            },
        ),
        // C's fmod: x - trunc(x / y) * y, computed exactly by libm.
        ("fmod", |a, b| a.fmod(b), |x, y| x % y),
        ("arctan2", |a, b| a.arctan2(b), f64::atan2),
        ("hypot", |a, b| a.hypot(b), f64::hypot),
        (
            "copysign",
            |a, b| a.copysign(b),
            |x, y| f64::from_bits((x.to_bits() & !(1 << 63)) | (y.to_bits() & (1 << 63))),
        ),
    ]
}

fn check_unary(a: &ArrayD<f64>, c: &ChunkSpec, tol: f64) -> Result<(), TestCaseError> {
    let x = DArray::from_array(a.clone(), c.clone()).unwrap();
    for (name, f, want) in unary_table() {
        let got = f(&x).compute().unwrap();
        prop_assert_eq!(got.shape(), a.shape());
        for (g, v) in got.iter().zip(a.iter()) {
            let w = want(*v);
            prop_assert!(same(*g, w) || close(*g, w, tol), "{}({}) = {}, want {}", name, v, g, w);
        }
    }
    for (name, f, want) in pred_table() {
        let got = f(&x).compute().unwrap();
        for (g, v) in got.iter().zip(a.iter()) {
            prop_assert_eq!(*g, want(*v), "{}({})", name, v);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn unary_float_ufuncs_follow_numpy((a, c) in input(4)) {
        check_unary(&a, &c, 1e-15)?;
    }

    #[test]
    fn unary_ufuncs_of_f32_follow_numpy((a, c) in input(3)) {
        // The same definitions at f32: the oracle in f64, rounded once.
        let a32 = a.mapv(|v| v as f32);
        let x = DArray::from_array(a32.clone(), c).unwrap();
        let got = x.round().compute().unwrap();
        for (g, v) in got.iter().zip(a32.iter()) {
            prop_assert!(same(*g as f64, half_even(*v as f64)), "round({}) = {}", v, g);
        }
        let got = x.arcsinh().compute().unwrap();
        for (g, v) in got.iter().zip(a32.iter()) {
            let w = (*v as f64).asinh() as f32;
            prop_assert!(same(*g as f64, w as f64) || (g - w).abs() <= 2.0 * f32::EPSILON * w.abs(), "{} {}", g, w);
        }
    }

    #[test]
    fn binary_float_ufuncs_follow_numpy(
        (a, c) in input(3),
        bs in prop::collection::vec(special(), 1..8),
    ) {
        // `b` broadcasts along the last axis (or is 0-d for a 0-d `a`).
        let n = a.shape().last().copied().unwrap_or(1);
        let bvals: Vec<f64> = (0..n).map(|i| bs[i % bs.len()]).collect();
        let b = if a.ndim() == 0 {
            ArrayD::from_elem(IxDyn(&[]), bvals[0])
        } else {
            ArrayD::from_shape_vec(IxDyn(&[n]), bvals).unwrap()
        };
        let x = DArray::from_array(a.clone(), c).unwrap();
        let y = DArray::from_array(b.clone(), 2).unwrap();
        let bb = b.broadcast(a.raw_dim()).unwrap();
        for (name, f, want) in binary_table() {
            let got = f(&x, &y).compute().unwrap();
            prop_assert_eq!(got.shape(), a.shape());
            for ((g, u), v) in got.iter().zip(a.iter()).zip(bb.iter()) {
                let w = want(*u, *v);
                prop_assert!(same(*g, w) || close(*g, w, 1e-15), "{}({}, {}) = {}, want {}", name, u, v, g, w);
            }
        }
    }

    #[test]
    fn round_decimals_scales_rounds_and_scales_back(
        (a, c) in input(2),
        d in -3i32..5,
    ) {
        let x = DArray::from_array(a.clone(), c).unwrap();
        let got = x.round_decimals(d).compute().unwrap();
        let f = 10f64.powi(d.abs());
        for (g, v) in got.iter().zip(a.iter()) {
            let w = if d >= 0 { half_even(v * f) / f } else { half_even(v / f) * f };
            prop_assert!(same(*g, w), "round({}, {}) = {}, want {}", v, d, g, w);
        }
    }

    #[test]
    fn floor_divide_of_floats_is_the_floor_of_the_quotient(
        (s, c) in shape_and_chunks(3, 6),
        seed in any::<u64>(),
    ) {
        // Integer-valued operands: the exact floor is known.
        let n: usize = s.iter().product();
        let vals: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let h = seed.wrapping_mul(6364136223846793005).wrapping_add((i as u64).wrapping_mul(1442695040888963407));
                let a = ((h >> 33) % 201) as f64 - 100.0;
                let b = ((h >> 13) % 41) as f64 - 20.0;
                (a, if b == 0.0 { 7.0 } else { b })
            })
            .collect();
        let a = ArrayD::from_shape_vec(IxDyn(&s), vals.iter().map(|v| v.0).collect()).unwrap();
        let b = ArrayD::from_shape_vec(IxDyn(&s), vals.iter().map(|v| v.1).collect()).unwrap();
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        let y = DArray::from_array(b.clone(), c).unwrap();
        let q = x.floor_divide(&y).compute().unwrap();
        let r = (&x % &y).compute().unwrap();
        for (i, &(u, v)) in vals.iter().enumerate() {
            let (ui, vi) = (u as i64, v as i64);
            // Floor division in exact integers (euclid floors for v > 0).
            let want = if vi > 0 { ui.div_euclid(vi) } else { (-ui).div_euclid(-vi) };
            let (qi, ri) = (q.as_slice().unwrap()[i], r.as_slice().unwrap()[i]);
            prop_assert_eq!(qi, want as f64, "{} // {}", u, v);
            prop_assert_eq!(qi * v + ri, u, "divmod identity for {}, {}", u, v);
        }
    }

    #[test]
    fn integer_division_floors_and_pairs_with_remainder(
        (s, c) in shape_and_chunks(3, 6),
        vals in prop::collection::vec((any::<i32>(), any::<i32>()), 216),
    ) {
        let n: usize = s.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&s), vals[..n].iter().map(|v| v.0).collect()).unwrap();
        let b = ArrayD::from_shape_vec(IxDyn(&s), vals[..n].iter().map(|v| v.1 % 50).collect()).unwrap();
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        let y = DArray::from_array(b.clone(), c).unwrap();
        let q = (&x / &y).compute().unwrap();
        let fq = x.floor_divide(&y).compute().unwrap();
        let r = (&x % &y).compute().unwrap();
        let fm = x.fmod(&y).compute().unwrap();
        let td = x.true_divide(&y).compute().unwrap();
        for (i, (&u, &v)) in a.iter().zip(b.iter()).enumerate() {
            let (u, v) = (u as i128, v as i128);
            // Floor division in exact arithmetic (NumPy: 0 for a zero divisor).
            let want_q = if v == 0 { 0 } else if v > 0 { u.div_euclid(v) } else { (-u).div_euclid(-v) };
            let want_r = if v == 0 { 0 } else { u - want_q * v };
            let want_fmod = if v == 0 { 0 } else { u - (u / v) * v };
            prop_assert_eq!(q.as_slice().unwrap()[i] as i128, want_q as i32 as i128, "{} / {}", u, v);
            prop_assert_eq!(fq.as_slice().unwrap()[i] as i128, want_q as i32 as i128, "{} // {}", u, v);
            prop_assert_eq!(r.as_slice().unwrap()[i] as i128, want_r, "{} % {}", u, v);
            prop_assert_eq!(fm.as_slice().unwrap()[i] as i128, want_fmod, "fmod({}, {})", u, v);
            prop_assert!(same(td.as_slice().unwrap()[i], u as f64 / v as f64), "{} true_divide {}", u, v);
        }
    }

    #[test]
    fn bit_ops_and_shifts_follow_numpy(
        (s, c) in shape_and_chunks(3, 6),
        vals in prop::collection::vec((any::<i16>(), -20i16..20), 216),
    ) {
        let n: usize = s.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&s), vals[..n].iter().map(|v| v.0).collect()).unwrap();
        let b = ArrayD::from_shape_vec(IxDyn(&s), vals[..n].iter().map(|v| v.1).collect()).unwrap();
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        let y = DArray::from_array(b.clone(), c.clone()).unwrap();
        let got = [
            (&x & &y).compute().unwrap(),
            (&x | &y).compute().unwrap(),
            (&x ^ &y).compute().unwrap(),
            (!&x).compute().unwrap(),
            (&x << &y).compute().unwrap(),
            (&x >> &y).compute().unwrap(),
        ];
        for (i, (&u, &v)) in a.iter().zip(b.iter()).enumerate() {
            // Bits as two's complement in i64, cut back to 16 bits.
            let (u64_, v64) = (u as i64, v as i64);
            let shl = if (0..16).contains(&v64) { ((u64_ << v64) & 0xffff) as u16 as i16 } else { 0 };
            let shr = if (0..16).contains(&v64) { (u64_ >> v64) as i16 } else if u < 0 { -1 } else { 0 };
            let want = [(u64_ & v64) as i16, (u64_ | v64) as i16, (u64_ ^ v64) as i16, (-u64_ - 1) as i16, shl, shr];
            for (k, w) in want.iter().enumerate() {
                prop_assert_eq!(got[k].as_slice().unwrap()[i], *w, "op {} of {}, {}", k, u, v);
            }
        }
        // Unsigned: a shift past the width is 0 either way.
        let ua = DArray::from_array(a.mapv(|v| v as u8), c).unwrap();
        let r = (&ua >> 9u8).compute().unwrap();
        prop_assert!(r.iter().all(|&v| v == 0));
    }

    #[test]
    fn isclose_follows_numpy_definition(
        (a, c) in input(3),
        rel in prop::sample::select(vec![0.0, 1e-12, 1e-5, 0.5]),
        equal_nan in any::<bool>(),
    ) {
        // b is a perturbed a, with some values swapped for specials.
        let b = a.mapv(|v| if v.is_finite() && v.abs() > 1.0 { v * (1.0 + 1e-6) } else { v });
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        let y = DArray::from_array(b.clone(), c).unwrap();
        let (rtol, atol) = (rel, 1e-8);
        let got = x.isclose(&y, rtol, atol, equal_nan).compute().unwrap();
        let all = x.allclose(&y, rtol, atol, equal_nan).compute().unwrap()[[]];
        let mut every = true;
        for ((g, &u), &v) in got.iter().zip(a.iter()).zip(b.iter()) {
            // NumPy 2: |a - b| <= atol + rtol * |b| where b is finite, or a == b.
            let w = (v.is_finite() && (u - v).abs() <= atol + rtol * v.abs()) || u == v || (equal_nan && u.is_nan() && v.is_nan());
            every &= w;
            prop_assert_eq!(*g, w, "isclose({}, {})", u, v);
        }
        prop_assert_eq!(all, every);
        let eq = x.array_equal(&x.clone(), equal_nan).compute().unwrap()[[]];
        prop_assert_eq!(eq, equal_nan || !a.iter().any(|v| v.is_nan()));
    }
}

#[test]
fn numpy_values_written_in() {
    // From NumPy's documentation and its results for these calls.
    let x = DArray::from_array(ndarray::arr1(&[-10.0, 10.0, -0.0]), 2).unwrap();
    // np.remainder(-10.0, 360.0) == 350.0; np.fmod(-10.0, 360.0) == -10.0
    assert_eq!((&x % 360.0).compute().unwrap()[0], 350.0);
    assert_eq!(x.fmod(360.0).compute().unwrap()[0], -10.0);
    // np.floor_divide(1.0, 0.1) == 9.0 (not floor(1 / 0.1) == 10)
    let one = DArray::from_array(ndarray::arr1(&[1.0]), 1).unwrap();
    assert_eq!(one.floor_divide(0.1).compute().unwrap()[0], 9.0);
    // np.round([0.5, 1.5, 2.5, -0.5]) == [0, 2, 2, -0]
    let h = DArray::from_array(ndarray::arr1(&[0.5, 1.5, 2.5, -0.5]), 3).unwrap();
    let r: Vec<f64> = h.round().compute().unwrap().into_raw_vec_and_offset().0;
    assert_eq!(r, vec![0.0, 2.0, 2.0, -0.0]);
    assert!(r[3].is_sign_negative());
    // np.round(2.675, 2) == 2.68 and np.round(16.055, 2) == 16.06: the
    // scaled value rounds (Python's round gives 2.67, from the stored value)
    let v = DArray::from_array(ndarray::arr1(&[2.675, 1234.5, 16.055]), 1).unwrap();
    let r = v.round_decimals(2).compute().unwrap();
    assert_eq!((r[0], r[2]), (2.68, 16.06));
    // np.round(1234.5, -1) == 1230.0 (123.45 rounds to 123)
    assert_eq!(v.round_decimals(-1).compute().unwrap()[1], 1230.0);
    // np.array([-7, 7]) // 2 == [-4, 3]; np.array([-7, 7]) % 2 == [1, 1]
    let i = DArray::from_array(ndarray::arr1(&[-7i64, 7]), 1).unwrap();
    assert_eq!((&i / 2).compute().unwrap().into_raw_vec_and_offset().0, vec![-4, 3]);
    assert_eq!((&i % 2).compute().unwrap().into_raw_vec_and_offset().0, vec![1, 1]);
    // np.floor_divide(-5.0, inf) == -1.0; np.floor_divide(0.0, -3.0) == -0.0
    let z = DArray::from_array(ndarray::arr1(&[-5.0, 0.0]), 1).unwrap();
    let q: Vec<f64> = z
        .floor_divide(DArray::from_array(ndarray::arr1(&[f64::INFINITY, -3.0]), 1).unwrap())
        .compute()
        .unwrap()
        .into_raw_vec_and_offset()
        .0;
    assert_eq!(q[0], -1.0);
    assert!(q[1] == 0.0 && q[1].is_sign_negative());
    // np.int8(-128) // -1 wraps to -128 (NumPy warns); x // 0 == 0
    let m = DArray::from_array(ndarray::arr1(&[i8::MIN, 5]), 1).unwrap();
    assert_eq!((&m / -1).compute().unwrap()[0], i8::MIN);
    assert_eq!((&m / 0).compute().unwrap().into_raw_vec_and_offset().0, vec![0, 0]);
    // np.left_shift(1, 70) on int64 == 0; np.right_shift(-8, 70) == -1
    let s = DArray::from_array(ndarray::arr1(&[1i64, -8]), 1).unwrap();
    assert_eq!(s.left_shift(70).compute().unwrap()[0], 0);
    assert_eq!(s.right_shift(70).compute().unwrap()[1], -1);
    // np.invert(np.array([True, False])) == [False, True]
    let b = DArray::from_array(ndarray::arr1(&[true, false]), 1).unwrap();
    assert_eq!(b.invert().compute().unwrap().into_raw_vec_and_offset().0, vec![false, true]);
}

#[test]
fn wrong_types_are_refused() {
    use darray::ops::{BinaryOp, ElemOp, UnaryOp};
    use darray::DType;
    for (op, t) in [
        (ElemOp::Binary(BinaryOp::Shl), DType::F64),
        (ElemOp::Binary(BinaryOp::And), DType::F32),
        (ElemOp::Unary(UnaryOp::Invert), DType::F64),
        (ElemOp::Unary(UnaryOp::Arcsin), DType::I32),
        (ElemOp::Binary(BinaryOp::Hypot), DType::U8),
    ] {
        let n = op.arity().unwrap();
        let err = op.out_dtype(&vec![t; n]).unwrap_err().to_string();
        assert!(err.contains(op.name().as_ref()) && err.contains(t.name()), "{err}");
    }
}

/// `got` is NumPy's `want`: NaN for NaN, zeros by sign.
fn numpy_says(what: &str, got: f64, want: f64) {
    assert!(if want.is_nan() { got.is_nan() } else { got.to_bits() == want.to_bits() }, "{what}: {got}, NumPy {want}");
}

#[test]
fn special_values_are_numpys() {
    // Each value printed by NumPy 2.4 for the call named.
    let one = |v: f64| DArray::from_array(ndarray::arr1(&[v]), 1).unwrap();
    let pi = std::f64::consts::PI;
    let inf = f64::INFINITY;
    type Case1 = (&'static str, fn(&DArray<f64>) -> DArray<f64>, f64, f64);
    let unary: &[Case1] = &[
        ("arcsin(2)", |a| a.arcsin(), 2.0, f64::NAN),
        ("arccos(-1)", |a| a.arccos(), -1.0, pi),
        ("arccosh(0.5)", |a| a.arccosh(), 0.5, f64::NAN),
        ("arccosh(1)", |a| a.arccosh(), 1.0, 0.0),
        ("arctanh(1)", |a| a.arctanh(), 1.0, inf),
        ("arctanh(-1)", |a| a.arctanh(), -1.0, -inf),
        ("arcsinh(-0.0)", |a| a.arcsinh(), -0.0, -0.0),
        ("log1p(-1)", |a| a.log1p(), -1.0, -inf),
        ("log1p(-2)", |a| a.log1p(), -2.0, f64::NAN),
        ("expm1(-inf)", |a| a.expm1(), -inf, -1.0),
        ("exp2(-inf)", |a| a.exp2(), -inf, 0.0),
        ("exp2(1024)", |a| a.exp2(), 1024.0, inf),
        ("cbrt(-27)", |a| a.cbrt(), -27.0, -3.0),
        ("trunc(-0.5)", |a| a.trunc(), -0.5, -0.0),
        ("deg2rad(180)", |a| a.deg2rad(), 180.0, pi),
        ("rad2deg(pi)", |a| a.rad2deg(), pi, 180.0),
        ("sinh(-inf)", |a| a.sinh(), -inf, -inf),
        ("cosh(-inf)", |a| a.cosh(), -inf, inf),
        ("arctan(inf)", |a| a.arctan(), inf, std::f64::consts::FRAC_PI_2),
        ("round(-1.5)", |a| a.round(), -1.5, -2.0),
        ("round(-0.4)", |a| a.round(), -0.4, -0.0),
        ("round(0.125, 2)", |a| a.round_decimals(2), 0.125, 0.12),
        ("round(0.375, 2)", |a| a.round_decimals(2), 0.375, 0.38),
        ("round(1e300, 2)", |a| a.round_decimals(2), 1e300, 1e300),
        ("round(1.7e308, 2)", |a| a.round_decimals(2), 1.7e308, inf),
        ("round(123.456, -5)", |a| a.round_decimals(-5), 123.456, 0.0),
        ("round(5e-324, 3)", |a| a.round_decimals(3), 5e-324, 0.0),
    ];
    for (what, f, x, want) in unary {
        numpy_says(what, f(&one(*x)).compute().unwrap()[0], *want);
    }
    type Case2 = (&'static str, fn(&DArray<f64>, &DArray<f64>) -> DArray<f64>, f64, f64, f64);
    let binary: &[Case2] = &[
        ("fmod(-0.0, 3)", |a, b| a.fmod(b), -0.0, 3.0, -0.0),
        ("fmod(5, inf)", |a, b| a.fmod(b), 5.0, inf, 5.0),
        ("fmod(inf, 1)", |a, b| a.fmod(b), inf, 1.0, f64::NAN),
        ("fmod(1, 0)", |a, b| a.fmod(b), 1.0, 0.0, f64::NAN),
        ("hypot(inf, nan)", |a, b| a.hypot(b), inf, f64::NAN, inf),
        ("hypot(nan, -inf)", |a, b| a.hypot(b), f64::NAN, -inf, inf),
        ("arctan2(0, -0)", |a, b| a.arctan2(b), 0.0, -0.0, pi),
        ("arctan2(-0, -0)", |a, b| a.arctan2(b), -0.0, -0.0, -pi),
        ("arctan2(inf, inf)", |a, b| a.arctan2(b), inf, inf, std::f64::consts::FRAC_PI_4),
        ("copysign(3, -0.0)", |a, b| a.copysign(b), 3.0, -0.0, -3.0),
        ("fmax(nan, 1)", |a, b| a.fmax(b), f64::NAN, 1.0, 1.0),
        ("fmin(-0.0, nan)", |a, b| a.fmin(b), -0.0, f64::NAN, -0.0),
    ];
    for (what, f, x, y, want) in binary {
        numpy_says(what, f(&one(*x), &one(*y)).compute().unwrap()[0], *want);
    }
    // float32 scales in float32 (NEP 50): np.round(np.float32(2.675), 2)
    // == 2.68 (as f32), np.round(np.float32(1.005), 2) == 1.0,
    // np.round(np.float32(16777217.0), -1) == 16777220.0
    let f = DArray::from_array(ndarray::arr1(&[2.675f32, 1.005, 16777217.0]), 2).unwrap();
    let r2 = f.round_decimals(2).compute().unwrap();
    assert_eq!((r2[0], r2[1]), (2.68f32, 1.0f32));
    assert_eq!(f.round_decimals(-1).compute().unwrap()[2], 16777220.0f32);
}
