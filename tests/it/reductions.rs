//! Reductions against a plain-loop oracle over random shapes, chunkings,
//! axes, keepdims and fan-ins.

use crate::common;
use common::*;
use darray::{DArray, Error, ReduceOpts};
use ndarray::ArrayD;
use proptest::prelude::*;

fn nanless(v: &[f64]) -> Vec<f64> {
    v.iter().copied().filter(|x| !x.is_nan()).collect()
}
fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}
fn var(v: &[f64], ddof: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - ddof).max(0.0)
}
fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, |a, x| if a.is_nan() || x.is_nan() { f64::NAN } else { a.min(x) })
}
fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, |a, x| if a.is_nan() || x.is_nan() { f64::NAN } else { a.max(x) })
}
fn nanmin(v: &[f64]) -> f64 {
    let w = nanless(v);
    if w.is_empty() {
        f64::NAN
    } else {
        min(&w)
    }
}
fn nanmax(v: &[f64]) -> f64 {
    let w = nanless(v);
    if w.is_empty() {
        f64::NAN
    } else {
        max(&w)
    }
}
/// NumPy's argmin/argmax: first NaN, else first best.
fn arg(v: &[f64], is_max: bool) -> i64 {
    if let Some(i) = v.iter().position(|x| x.is_nan()) {
        return i as i64;
    }
    let mut b = 0;
    for (i, &x) in v.iter().enumerate() {
        if (is_max && x > v[b]) || (!is_max && x < v[b]) {
            b = i;
        }
    }
    b as i64
}

/// A random array, chunking, set of axes, keepdims and fan-in.
fn case(nan: bool) -> impl Strategy<Value = (ArrayD<f64>, darray::ChunkSpec, Vec<usize>, bool, usize)> {
    shape_and_chunks(4, 7).prop_flat_map(move |(s, c)| {
        let nd = s.len();
        (values(&s, float(nan)), Just(c), prop::collection::vec(any::<bool>(), nd), any::<bool>(), 2..6usize).prop_map(
            |(v, c, mask, k, se)| {
                let axes: Vec<usize> = mask.iter().enumerate().filter(|(_, &m)| m).map(|(i, _)| i).collect();
                (v, c, axes, k, se)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn float_reductions_match_oracle((a, c, axes, keep, se) in case(true)) {
        let x = DArray::from_array(a.clone(), c).unwrap();
        let o = ReduceOpts::axes(&axes).keepdims(keep).split_every(se);
        let reduced: usize = axes.iter().map(|&d| a.shape()[d]).product();
        assert_close(&x.sum_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, |v| v.iter().sum()), 1e-9)?;
        assert_close(&x.nansum_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, |v| nanless(v).iter().sum()), 1e-9)?;
        assert_close(&x.mean_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, mean), 1e-9)?;
        assert_close(&x.nanmean_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, |v| mean(&nanless(v))), 1e-9)?;
        assert_close(&x.var_with(&o, 1.0).compute().unwrap(), &oracle(&a, &axes, keep, |v| var(v, 1.0)), 1e-8)?;
        assert_close(&x.std_with(&o, 0.0).compute().unwrap(), &oracle(&a, &axes, keep, |v| var(v, 0.0).sqrt()), 1e-8)?;
        let p = &x / 1000.0 + 1.0;
        assert_close(&p.prod_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, |v| v.iter().map(|x| 1.0 + x / 1000.0).product()), 1e-9)?;
        if reduced == 0 {
            let empty = matches!(x.min_with(&o).compute(), Err(Error::EmptyReduction { .. }));
            prop_assert!(empty);
        } else {
            assert_close(&x.min_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, min), 0.0)?;
            assert_close(&x.max_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, max), 0.0)?;
            assert_close(&x.nanmin_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, nanmin), 0.0)?;
            assert_close(&x.nanmax_with(&o).compute().unwrap(), &oracle(&a, &axes, keep, nanmax), 0.0)?;
        }
    }

    #[test]
    fn arg_reductions_follow_numpy_ties((a, c) in shape_and_chunks(3, 6).prop_flat_map(|(s, c)| (values(&s, prop_oneof![8 => (0..4i32).prop_map(f64::from), 1 => Just(f64::NAN)]), Just(c))), axis in 0..4usize) {
        let x = DArray::from_array(a.clone(), c).unwrap();
        if a.is_empty() {
            prop_assert!(x.argmin().compute().is_err());
        } else {
            // Flat index over all axes.
            let flat: Vec<f64> = a.iter().copied().collect();
            prop_assert_eq!(x.argmin().compute().unwrap()[[]], arg(&flat, false));
            prop_assert_eq!(x.argmax().compute().unwrap()[[]], arg(&flat, true));
        }
        if axis < a.ndim() && a.shape()[axis] > 0 {
            let want = oracle(&a, &[axis], false, |v| arg(v, false));
            prop_assert_eq!(x.argmin_axis(axis).compute().unwrap(), want);
            let want = oracle(&a, &[axis], false, |v| arg(v, true));
            prop_assert_eq!(x.argmax_axis(axis).compute().unwrap(), want);
        }
    }

    #[test]
    fn integer_reductions_widen((s, c) in shape_and_chunks(3, 8), seed in any::<u64>()) {
        let n: usize = s.iter().product();
        let vals: Vec<i8> = (0..n).map(|i| ((i as u64).wrapping_mul(seed | 1) >> 7) as i8).collect();
        let a = ArrayD::from_shape_vec(s.clone(), vals).unwrap();
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        let axes: Vec<usize> = (0..s.len()).filter(|d| d % 2 == 0).collect();
        let o = ReduceOpts::axes(&axes);
        let got: ArrayD<i64> = x.sum_with(&o).compute().unwrap();
        prop_assert_eq!(got, oracle(&a, &axes, false, |v| v.iter().map(|&x| x as i64).sum::<i64>()));
        let m: ArrayD<f64> = x.mean_with(&o).compute().unwrap();
        assert_close(&m, &oracle(&a, &axes, false, |v| mean(&v.iter().map(|&x| x as f64).collect::<Vec<_>>())), 1e-12)?;
        let u = DArray::from_array(a.mapv(|v| v as u8), c).unwrap();
        let got: ArrayD<u64> = u.sum_with(&o).compute().unwrap();
        prop_assert_eq!(got, oracle(&a, &axes, false, |v| v.iter().map(|&x| x as u8 as u64).sum::<u64>()));
    }

    #[test]
    fn f32_reductions_stay_f32_and_match((a, c, axes, keep, se) in case(true)) {
        let a32 = a.mapv(|v| v as f32);
        let x = DArray::from_array(a32.clone(), c).unwrap();
        let o = ReduceOpts::axes(&axes).keepdims(keep).split_every(se);
        let back = |v: ndarray::ArrayD<f32>| v.mapv(f64::from);
        let wide = a32.mapv(f64::from);
        let tol = 1e-5;
        assert_close(&back(x.sum_with(&o).compute().unwrap()), &oracle(&wide, &axes, keep, |v| v.iter().sum()), tol)?;
        assert_close(&back(x.nanmean_with(&o).compute().unwrap()), &oracle(&wide, &axes, keep, |v| mean(&nanless(v))), tol)?;
        assert_close(&back(x.std_with(&o, 0.0).compute().unwrap()), &oracle(&wide, &axes, keep, |v| var(v, 0.0).sqrt()), tol)?;
    }

    #[test]
    fn any_all_match_oracle((a, c) in shape_and_chunks(3, 6).prop_flat_map(|(s, c)| (values(&s, prop::bool::weighted(0.2)), Just(c)))) {
        let x = DArray::from_array(a.clone(), c).unwrap();
        prop_assert_eq!(x.any().compute().unwrap()[[]], a.iter().any(|&v| v));
        prop_assert_eq!(x.all().compute().unwrap()[[]], a.iter().all(|&v| v));
        if a.ndim() > 0 {
            prop_assert_eq!(x.any_axis(0).compute().unwrap(), oracle(&a, &[0], false, |v| v.iter().any(|&b| b)));
        }
    }
}

#[test]
fn reduction_tree_depth_grows_with_log_chunks() {
    let x = DArray::<f64>::ones([4096], [1]).unwrap();
    let g = x.sum_with(&ReduceOpts::all().split_every(4)).graph().unwrap();
    // 4096 partials, then 1024, 256, 64, 16, 4, 1 combines.
    assert_eq!(g.len(), 4096 + 1024 + 256 + 64 + 16 + 4 + 1);
    assert_eq!(g.depth(), 7);
}

#[test]
fn mean_and_variance_are_stable_with_a_large_offset() {
    // Sum-of-squares would lose every digit here; (count, mean, M2) keeps them.
    let a = DArray::from_fn([1_000_000], [1000], |i| 1e9 + (i[0] % 2) as f64).unwrap();
    let (v, m) = darray::compute_all((&a.var(0.0), &a.mean())).unwrap();
    assert!((v[[]] - 0.25).abs() < 1e-6, "{}", v[[]]);
    assert!((m[[]] - (1e9 + 0.5)).abs() < 1e-6);
}

#[test]
fn static_reduction_errors() {
    let x = DArray::<f64>::ones([3, 4], [2, 2]).unwrap();
    assert_eq!(x.sum_axis(2).compute().unwrap_err(), Error::Axis { axis: 2, ndim: 2 });
    assert!(matches!(x.sum_with(&ReduceOpts::all().split_every(1)).compute(), Err(Error::Invalid(_))));
    assert!(matches!(x.argmin_with(&ReduceOpts::axes([0, 1])).compute(), Err(Error::Invalid(_))));
    let e = DArray::<f64>::zeros([0, 3], [1, 1]).unwrap();
    assert_eq!(e.max_axis(0).compute().unwrap_err(), Error::EmptyReduction { op: "max" });
    // Empty output: fine, like NumPy.
    assert_eq!(e.max_axis(1).compute().unwrap().shape(), &[0]);
    assert!(e.mean().compute().unwrap()[[]].is_nan());
    assert_eq!(e.sum().compute().unwrap()[[]], 0.0);
}
