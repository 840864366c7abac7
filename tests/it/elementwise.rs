//! Elementwise operations against ndarray on random shapes, chunkings,
//! broadcasting and random chains of operations.

use crate::common;
use common::*;
use darray::{where_, ChunkSpec, DArray, Error};
use ndarray::{ArrayD, IxDyn, Zip};
use proptest::prelude::*;

/// One step of a random chain, applied to both sides.
#[derive(Debug, Clone)]
enum Step {
    AddScalar(f64),
    MulScalar(f64),
    ScalarMinus(f64),
    DivScalar(f64),
    AddOther,
    SubOther,
    MulOther,
    Neg,
    Abs,
    SqrtAbs,
    Clip(f64, f64),
    MaxOther,
    WhereGt(f64),
    RoundTripF32,
    Exp,
}

fn step() -> impl Strategy<Value = Step> {
    let s = -5.0..5.0f64;
    prop_oneof![
        s.clone().prop_map(Step::AddScalar),
        s.clone().prop_map(Step::MulScalar),
        s.clone().prop_map(Step::ScalarMinus),
        (1.0..5.0f64).prop_map(Step::DivScalar),
        Just(Step::AddOther),
        Just(Step::SubOther),
        Just(Step::MulOther),
        Just(Step::Neg),
        Just(Step::Abs),
        Just(Step::SqrtAbs),
        (s.clone(), 0.0..5.0f64).prop_map(|(a, w)| Step::Clip(a, a + w)),
        Just(Step::MaxOther),
        s.prop_map(Step::WhereGt),
        Just(Step::RoundTripF32),
        Just(Step::Exp),
    ]
}

fn bin(a: &ArrayD<f64>, b: &ArrayD<f64>, f: impl Fn(f64, f64) -> f64) -> ArrayD<f64> {
    let shape = darray_shape(a.shape(), b.shape());
    let a = a.broadcast(IxDyn(&shape)).unwrap();
    let b = b.broadcast(IxDyn(&shape)).unwrap();
    Zip::from(&a).and(&b).map_collect(|&x, &y| f(x, y))
}

fn darray_shape(a: &[usize], b: &[usize]) -> Vec<usize> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let x = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
            let y = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
            if x == 1 {
                y
            } else {
                x
            }
        })
        .collect()
}

fn apply(x: DArray<f64>, o: &DArray<f64>, a: ArrayD<f64>, b: &ArrayD<f64>, s: &Step) -> (DArray<f64>, ArrayD<f64>) {
    match *s {
        Step::AddScalar(c) => (x + c, a.mapv(|v| v + c)),
        Step::MulScalar(c) => (x * c, a.mapv(|v| v * c)),
        Step::ScalarMinus(c) => (c - x, a.mapv(|v| c - v)),
        Step::DivScalar(c) => (x / c, a.mapv(|v| v / c)),
        Step::AddOther => (x + o, bin(&a, b, |p, q| p + q)),
        Step::SubOther => (&x - o, bin(&a, b, |p, q| p - q)),
        Step::MulOther => (x * o, bin(&a, b, |p, q| p * q)),
        Step::Neg => (-x, a.mapv(|v| -v)),
        Step::Abs => (x.abs(), a.mapv(f64::abs)),
        Step::SqrtAbs => (x.abs().sqrt(), a.mapv(|v| v.abs().sqrt())),
        Step::Clip(lo, hi) => (x.clip(lo, hi), a.mapv(|v| v.clamp(lo, hi))),
        Step::MaxOther => (x.maximum(o), bin(&a, b, |p, q| if p.is_nan() || p >= q { p } else { q })),
        Step::WhereGt(t) => (where_(&x.greater(t), &x, o), bin(&a, b, |p, q| if p > t { p } else { q })),
        Step::RoundTripF32 => (x.cast::<f32>().cast::<f64>(), a.mapv(|v| v as f32 as f64)),
        Step::Exp => ((x / 50.0).exp(), a.mapv(|v| (v / 50.0).exp())),
    }
}

/// Two broadcast-compatible shapes (axes of the second set to 1 or
/// dropped at random), each with its own chunking, and their values.
fn pair() -> impl Strategy<Value = (ArrayD<f64>, ChunkSpec, ArrayD<f64>, ChunkSpec)> {
    shape(4, 6)
        .prop_flat_map(|s| {
            let nd = s.len();
            (Just(s), prop::collection::vec(0..3u8, nd), 0..=nd)
        })
        .prop_flat_map(|(s, kinds, drop)| {
            let t: Vec<usize> = s.iter().zip(&kinds).map(|(&n, &k)| if k == 0 { 1 } else { n }).skip(drop).collect();
            (values(&s, float(false)), chunking(s.clone()), values(&t, float(false)), chunking(t))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_chains_match_ndarray((a, ca, b, cb) in pair(), steps in prop::collection::vec(step(), 1..6), swap in any::<bool>()) {
        // Either side may be the broadcast one.
        let (a, ca, b, cb) = if swap { (b, cb, a, ca) } else { (a, ca, b, cb) };
        let o = DArray::from_array(b.clone(), cb).unwrap();
        let mut x = DArray::from_array(a.clone(), ca).unwrap();
        let mut want = a;
        for s in &steps {
            let (nx, nw) = apply(x, &o, want, &b, s);
            x = nx;
            want = nw;
        }
        prop_assert_eq!(x.shape(), want.shape());
        assert_close(&x.compute().unwrap(), &want, 1e-12)?;
        // The same values through a reduction of the fused chain.
        let total: f64 = want.iter().sum();
        prop_assert!(close(x.sum().compute().unwrap()[[]], total, 1e-9));
    }

    #[test]
    fn integer_ops_wrap_like_numpy((s, c) in shape_and_chunks(3, 6), k in any::<i16>()) {
        let n: usize = s.iter().product();
        let a = ArrayD::from_shape_vec(s.clone(), (0..n).map(|i| (i as i16).wrapping_mul(7919)).collect()).unwrap();
        let x = DArray::from_array(a.clone(), c).unwrap();
        let got = ((&x * k) + 3i16 - &x).compute().unwrap();
        let want = a.mapv(|v| v.wrapping_mul(k).wrapping_add(3).wrapping_sub(v));
        prop_assert_eq!(got, want);
        // Integer division by zero gives 0, as in NumPy.
        let d = (&x / 0i16).compute().unwrap();
        prop_assert!(d.iter().all(|&v| v == 0));
        let cmp = x.less_equal(0i16).compute().unwrap();
        prop_assert_eq!(cmp, a.mapv(|v| v <= 0));
    }

    #[test]
    fn comparisons_and_logic((a, ca, b, cb) in pair()) {
        let x = DArray::from_array(a.clone(), ca).unwrap();
        let y = DArray::from_array(b.clone(), cb).unwrap();
        let m = (x.greater(&y) | x.equal(0.0)) & !x.less(-50.0);
        let shape = darray_shape(a.shape(), b.shape());
        let (ab, bb) = (a.broadcast(IxDyn(&shape)).unwrap(), b.broadcast(IxDyn(&shape)).unwrap());
        let want = Zip::from(&ab).and(&bb).map_collect(|&p, &q| (p > q || p == 0.0) && p >= -50.0);
        prop_assert_eq!(m.compute().unwrap(), want);
    }
}

#[test]
fn math_functions_match_std() {
    let a = ndarray::Array1::linspace(0.1, 3.0, 37).into_dyn();
    let x = DArray::from_array(a.clone(), 5).unwrap();
    let checks: Vec<(DArray<f64>, ArrayD<f64>)> = vec![
        (x.sqrt(), a.mapv(f64::sqrt)),
        (x.exp(), a.mapv(f64::exp)),
        (x.ln(), a.mapv(f64::ln)),
        (x.log10(), a.mapv(f64::log10)),
        (x.log2(), a.mapv(f64::log2)),
        (x.sin(), a.mapv(f64::sin)),
        (x.cos(), a.mapv(f64::cos)),
        (x.tan(), a.mapv(f64::tan)),
        (x.tanh(), a.mapv(f64::tanh)),
        (x.floor(), a.mapv(f64::floor)),
        (x.ceil(), a.mapv(f64::ceil)),
        (x.round(), a.mapv(f64::round)),
        (x.recip(), a.mapv(f64::recip)),
        (x.powi(3), a.mapv(|v| v.powi(3))),
        (x.powf(0.7), a.mapv(|v| v.powf(0.7))),
        (x.pow(&x), a.mapv(|v| v.powf(v))),
        // NumPy: x - floor(x / y) * y (exact here: y is a power of two).
        (&x % 0.5, a.mapv(|v| v - (v / 0.5).floor() * 0.5)),
        (x.mapv(|v| v * v + 1.0), a.mapv(|v| v * v + 1.0)),
        (x.minimum(1.0), a.mapv(|v| v.min(1.0))),
        ((-&x).signum(), a.mapv(|v| -v.signum())),
    ];
    for (got, want) in checks {
        assert_eq!(got.compute().unwrap(), want);
    }
    let n = DArray::from_array(ndarray::arr1(&[1.0, f64::NAN, f64::INFINITY]), 2).unwrap();
    assert_eq!(n.isnan().compute().unwrap().into_raw_vec_and_offset().0, vec![false, true, false]);
    assert_eq!(n.isfinite().compute().unwrap().into_raw_vec_and_offset().0, vec![true, false, false]);
}

#[test]
fn casts_follow_astype() {
    let a = ndarray::arr1(&[-1.5f64, 0.0, 2.7, 300.0]).into_dyn();
    let x = DArray::from_array(a.clone(), 3).unwrap();
    assert_eq!(x.cast::<i32>().compute().unwrap(), a.mapv(|v| v as i32));
    assert_eq!(x.cast::<u8>().compute().unwrap(), a.mapv(|v| v as u8));
    assert_eq!(x.cast::<bool>().compute().unwrap(), a.mapv(|v| v != 0.0));
    assert_eq!(x.cast::<bool>().cast::<i64>().compute().unwrap(), a.mapv(|v| (v != 0.0) as i64));
}

#[test]
fn broadcast_mismatch_is_reported_at_compute() {
    let a = DArray::<f64>::ones([3, 4], [2, 2]).unwrap();
    let b = DArray::<f64>::ones([3], [3]).unwrap();
    let c = (&a + &b) * 2.0;
    assert_eq!(c.error(), Some(&Error::Broadcast { left: vec![3, 4], right: vec![3] }));
    assert!(matches!(c.sum().compute(), Err(Error::Broadcast { .. })));
    assert!(c.clone().validate().is_err());
    assert!((&a + &b.clone()).graph().is_err());
}

#[test]
fn map_blocks_sees_block_index_and_checks_shape() {
    let x = DArray::<i32>::zeros([5, 4], [2, 3]).unwrap();
    let y = x.map_blocks(|b, idx| b.mapv(|_| (idx[0] * 10 + idx[1]) as i32));
    let got = y.compute().unwrap();
    assert_eq!(got[[4, 3]], 21);
    assert_eq!(got[[0, 0]], 0);
    assert_eq!(got[[2, 3]], 11);
    let bad = x.map_blocks(|_, _| ndarray::ArrayD::<i32>::zeros(IxDyn(&[1])));
    match bad.compute() {
        Err(Error::TaskFailed { task, source }) => {
            assert!(task.starts_with("map_blocks"), "{task}");
            assert!(matches!(*source, Error::Shape(_)));
        }
        other => panic!("expected a task failure, got {other:?}"),
    }
}

#[test]
fn different_chunkings_combine_on_common_refinement() {
    let a = DArray::<f64>::ones([10], vec![vec![5, 5]]).unwrap();
    let b = DArray::<f64>::ones([10], vec![vec![3, 7]]).unwrap();
    let c = &a + &b;
    assert_eq!(c.chunks(), &[vec![3, 2, 5]]);
    assert_eq!(c.compute().unwrap(), ArrayD::from_elem(IxDyn(&[10]), 2.0));
}
