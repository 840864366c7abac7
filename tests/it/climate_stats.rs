//! Quantiles, scans and moving windows against plain-loop oracles written
//! from NumPy's, Hyndman & Fan's and pandas' definitions, over random
//! shapes, chunkings (length-0/1 axes, one-element chunks), NaN patterns,
//! axes and parameters.

use crate::common;
use darray::ops::QuantileMethod;
use darray::{DArray, ReduceOpts};
use ndarray::{ArrayD, Axis, IxDyn};
use proptest::prelude::*;

/// Hyndman & Fan's sample quantile `q` of sorted `x` (1-based order
/// statistics `x_1..x_n`, clipped at both ends), as their paper and NumPy's
/// documentation define each method.
fn hf_quantile(x: &[f64], q: f64, m: QuantileMethod) -> f64 {
    use QuantileMethod::*;
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let nf = n as f64;
    // x_j for any integer j, clipped to 1..=n.
    let at = |j: f64| x[(j.max(1.0).min(nf) as usize) - 1];
    let h = (nf - 1.0) * q; // 0-based position of the linear method
    match m {
        InvertedCdf => {
            let j = (nf * q).floor();
            if nf * q - j == 0.0 {
                at(j)
            } else {
                at(j + 1.0)
            }
        }
        AveragedInvertedCdf => {
            let j = (nf * q).floor();
            if nf * q - j == 0.0 {
                (at(j) + at(j + 1.0)) / 2.0
            } else {
                at(j + 1.0)
            }
        }
        ClosestObservation => {
            let j = (nf * q - 0.5).floor();
            let g = nf * q - 0.5 - j;
            if g == 0.0 && j % 2.0 == 0.0 {
                at(j)
            } else {
                at(j + 1.0)
            }
        }
        Lower => x[h.floor() as usize],
        Higher => x[h.ceil() as usize],
        Nearest => x[h.round_ties_even() as usize],
        Midpoint => (x[h.floor() as usize] + x[h.ceil() as usize]) / 2.0,
        _ => {
            let (a, b) = match m {
                InterpolatedInvertedCdf => (0.0, 1.0),
                Hazen => (0.5, 0.5),
                Weibull => (0.0, 0.0),
                Linear => (1.0, 1.0),
                MedianUnbiased => (1.0 / 3.0, 1.0 / 3.0),
                _ => (3.0 / 8.0, 3.0 / 8.0),
            };
            // p_k = (k - a) / (n + 1 - a - b): Q = x_j + g (x_{j+1} - x_j).
            let pos = q * (nf + 1.0 - a - b) + a;
            let j = pos.floor();
            let g = pos - j;
            if g == 0.0 || j >= nf {
                at(j)
            } else {
                at(j) + g * (at(j + 1.0) - at(j))
            }
        }
    }
}

fn method() -> impl Strategy<Value = QuantileMethod> {
    prop::sample::select(QuantileMethod::ALL.to_vec())
}

fn q_value() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 1 => Just(1.0), 1 => Just(0.5), 4 => 0.0..=1.0f64]
}

/// Bitwise equality, NaN equal to NaN.
fn same(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
    a.shape() == b.shape()
        && a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn quantiles_match_the_definitions(
        (shape, chunks) in common::shape_and_chunks(3, 6),
        seed_axes in prop::collection::vec(any::<bool>(), 3),
        qs in prop::collection::vec(q_value(), 1..4),
        m in method(),
        skipna in any::<bool>(),
        keepdims in any::<bool>(),
        nan in any::<bool>(),
        values in prop::collection::vec(common::float(true), 216),
    ) {
        let n: usize = shape.iter().product();
        let vals: Vec<f64> = values.iter().cycle().take(n).map(|&v| if nan { v } else if v.is_nan() { 1.0 } else { v.round() }).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), vals).unwrap();
        let axes: Vec<usize> = (0..shape.len()).filter(|&d| seed_axes[d]).collect();
        let x = DArray::from_array(a.clone(), chunks)?;
        let o = ReduceOpts::axes(&axes).keepdims(keepdims);
        let got = if skipna { x.nanquantile_with(&qs, m, &o) } else { x.quantile_with(&qs, m, &o) }.compute()?;
        // One block: the same values, bit for bit.
        let one = DArray::from_array(a.clone(), shape.clone())?;
        let whole = if skipna { one.nanquantile_with(&qs, m, &o) } else { one.quantile_with(&qs, m, &o) }.compute()?;
        prop_assert!(same(&got, &whole), "chunked {:?} vs whole {:?}", got, whole);
        let per_q: Vec<ArrayD<f64>> = qs.iter().map(|&q| common::oracle(&a, &axes, keepdims, |lane: &[f64]| {
            if !skipna && lane.iter().any(|v| v.is_nan()) {
                return f64::NAN;
            }
            let mut v: Vec<f64> = lane.iter().copied().filter(|v| !v.is_nan()).collect();
            v.sort_by(f64::total_cmp);
            hf_quantile(&v, q, m)
        })).collect();
        let views: Vec<_> = per_q.iter().map(|p| p.view().insert_axis(Axis(0))).collect();
        let want = ndarray::concatenate(Axis(0), &views).unwrap();
        common::assert_close(&got, &want, 1e-9)?;
    }

    #[test]
    fn quantile_of_integers_is_f64(
        (shape, chunks) in common::shape_and_chunks(2, 7),
        q in q_value(),
        values in prop::collection::vec(-50i32..50, 49),
    ) {
        prop_assume!(!shape.is_empty());
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), values.iter().cycle().take(n).copied().collect()).unwrap();
        let got = DArray::from_array(a.clone(), chunks)?.quantile(q, 0).compute()?;
        let want = common::oracle(&a, &[0], false, |lane: &[i32]| {
            let mut v: Vec<f64> = lane.iter().map(|&x| x as f64).collect();
            v.sort_by(f64::total_cmp);
            hf_quantile(&v, q, QuantileMethod::Linear)
        });
        common::assert_close(&got, &want, 1e-12)?;
    }
}

/// Scans a lane in order (`rev`: from the end), as NumPy's and xarray's
/// definitions read: `out[i] = f(out[i - 1], x[i])`.
fn scan_lane(lane: &[f64], op: &str, rev: bool, limit: Option<usize>) -> Vec<f64> {
    let n = lane.len();
    let order: Vec<usize> = if rev { (0..n).rev().collect() } else { (0..n).collect() };
    let mut out = vec![f64::NAN; n];
    let mut acc: Option<f64> = None;
    let mut last_valid: Option<(usize, f64)> = None;
    for (k, &i) in order.iter().enumerate() {
        let v = lane[i];
        let r = match op {
            "cumsum" => acc.map_or(v, |a| a + v),
            "cumprod" => acc.map_or(v, |a| a * v),
            "nancumsum" => acc.unwrap_or(0.0) + if v.is_nan() { 0.0 } else { v },
            "nancumprod" => acc.unwrap_or(1.0) * if v.is_nan() { 1.0 } else { v },
            "cummax" => acc.map_or(v, |a| if a.is_nan() || v.is_nan() { f64::NAN } else { a.max(v) }),
            "cummin" => acc.map_or(v, |a| if a.is_nan() || v.is_nan() { f64::NAN } else { a.min(v) }),
            _ => {
                if !v.is_nan() {
                    last_valid = Some((k, v));
                }
                match last_valid {
                    Some((kv, val)) if limit.is_none_or(|l| k - kv <= l) => val,
                    _ => f64::NAN,
                }
            }
        };
        acc = Some(r);
        out[i] = r;
    }
    out
}

/// `f` applied to every lane along `axis`.
fn along(a: &ArrayD<f64>, axis: usize, f: impl Fn(&[f64]) -> Vec<f64>) -> ArrayD<f64> {
    let mut out = a.clone();
    for (lane, mut o) in a.lanes(Axis(axis)).into_iter().zip(out.lanes_mut(Axis(axis))) {
        let r = f(&lane.to_vec());
        o.iter_mut().zip(r).for_each(|(d, v)| *d = v);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn scans_match_sequential_loops(
        (shape, chunks) in common::shape_and_chunks(3, 7),
        axis_seed in 0usize..3,
        op in prop::sample::select(vec!["cumsum", "cumprod", "nancumsum", "nancumprod", "cummax", "cummin", "ffill", "bfill"]),
        limit in prop::option::of(0usize..4),
        values in prop::collection::vec(common::float(true), 343),
    ) {
        prop_assume!(!shape.is_empty());
        let axis = axis_seed % shape.len();
        let n: usize = shape.iter().product();
        // Products stay finite: values near 1.
        let vals: Vec<f64> = values.iter().cycle().take(n).map(|&v| if op.contains("prod") { 1.0 + v / 400.0 } else { v }).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), vals).unwrap();
        let x = DArray::from_array(a.clone(), chunks)?;
        let got = match op {
            "cumsum" => x.cumsum(axis),
            "cumprod" => x.cumprod(axis),
            "nancumsum" => x.nancumsum(axis),
            "nancumprod" => x.nancumprod(axis),
            "cummax" => x.cummax(axis),
            "cummin" => x.cummin(axis),
            "ffill" => x.ffill(axis, limit),
            _ => x.bfill(axis, limit),
        }.compute()?;
        let want = along(&a, axis, |l| scan_lane(l, op, op == "bfill", if op.ends_with("fill") { limit } else { None }));
        // The same order of operations: equal bit for bit.
        prop_assert!(same(&got, &want), "{} along {}: got {:?} want {:?}", op, axis, got, want);
    }

    #[test]
    fn integer_cumsum_accumulates_in_i64(
        (shape, chunks) in common::shape_and_chunks(2, 9),
        values in prop::collection::vec(any::<i32>(), 81),
    ) {
        prop_assume!(!shape.is_empty());
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), values.iter().cycle().take(n).copied().collect()).unwrap();
        let got = DArray::from_array(a.clone(), chunks)?.cumsum(0).compute()?;
        let mut want = a.mapv(|v| v as i64);
        for mut lane in want.lanes_mut(Axis(0)) {
            for i in 1..lane.len() {
                lane[i] = lane[i].wrapping_add(lane[i - 1]);
            }
        }
        prop_assert_eq!(got, want);
    }
}

/// pandas' rolling reduction `op` at every position of a lane.
fn rolling_lane(lane: &[f64], op: &str, w: usize, center: bool, min_periods: usize) -> Vec<f64> {
    let n = lane.len() as isize;
    let after = if center { (w as isize - 1) / 2 } else { 0 };
    let before = w as isize - 1 - after;
    (0..n)
        .map(|i| {
            let (lo, hi) = ((i - before).max(0), (i + after).min(n - 1));
            let win: Vec<f64> = (lo..=hi).map(|k| lane[k as usize]).collect();
            let vals: Vec<f64> = win.iter().copied().filter(|v| !v.is_nan()).collect();
            let c = vals.len() as f64;
            if op == "count" {
                return if win.len() >= min_periods { c } else { f64::NAN };
            }
            if vals.len() < min_periods || (vals.is_empty() && op != "sum") {
                return f64::NAN;
            }
            let mean = vals.iter().sum::<f64>() / c;
            let var = |ddof: f64| {
                if c - ddof <= 0.0 {
                    f64::NAN
                } else {
                    vals.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (c - ddof)
                }
            };
            match op {
                "sum" => vals.iter().sum(),
                "mean" => mean,
                "min" => vals.iter().copied().fold(f64::INFINITY, f64::min),
                "max" => vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                "var" => var(1.0),
                _ => var(0.0).sqrt(),
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn rolling_matches_pandas_definitions(
        (shape, chunks) in common::shape_and_chunks(3, 8),
        axis_seed in 0usize..3,
        op in prop::sample::select(vec!["sum", "mean", "min", "max", "var", "std", "count"]),
        window in prop_oneof![4 => 1usize..6, 1 => 16usize..24],
        center in any::<bool>(),
        mp_seed in 0usize..30,
        default_mp in any::<bool>(),
        values in prop::collection::vec(common::float(true), 512),
    ) {
        prop_assume!(!shape.is_empty());
        let axis = axis_seed % shape.len();
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), values.iter().cycle().take(n).copied().collect()).unwrap();
        let min_periods = if default_mp { window } else { mp_seed % (window + 1) };
        let x = DArray::from_array(a.clone(), chunks)?;
        let mut r = x.rolling(axis, window).center(center);
        if !default_mp {
            r = r.min_periods(min_periods);
        }
        let got = match op {
            "sum" => r.sum(),
            "mean" => r.mean(),
            "min" => r.min(),
            "max" => r.max(),
            "var" => r.var(1.0),
            "std" => r.std(0.0),
            _ => r.count(),
        }.compute()?;
        let want = along(&a, axis, |l| rolling_lane(l, op, window, center, min_periods));
        common::assert_close(&got, &want, 1e-9)?;
    }
}

#[test]
fn bad_arguments_are_typed_errors() {
    let x = DArray::<f64>::ones([4, 5], [2, 2]).unwrap();
    assert!(matches!(x.quantile(0.5, 2).validate(), Err(darray::Error::Axis { axis: 2, ndim: 2 })));
    assert!(matches!(x.quantile(1.5, 0).validate(), Err(darray::Error::Invalid(_))));
    assert!(matches!(x.quantile(f64::NAN, 0).validate(), Err(darray::Error::Invalid(_))));
    let rep = x.quantile_with(&[0.5], QuantileMethod::Linear, &ReduceOpts::axes([1, 1]));
    assert!(matches!(rep.validate(), Err(darray::Error::Invalid(_))));
    assert!(matches!(x.cumsum(3).validate(), Err(darray::Error::Axis { axis: 3, ndim: 2 })));
    assert!(matches!(x.ffill(2, Some(1)).validate(), Err(darray::Error::Axis { .. })));
    assert!(matches!(x.rolling(0, 0).sum().validate(), Err(darray::Error::Invalid(_))));
    assert!(matches!(x.rolling(0, 2).min_periods(3).sum().validate(), Err(darray::Error::Invalid(_))));
    assert!(matches!(x.rolling(2, 2).max().validate(), Err(darray::Error::Axis { .. })));
}

#[test]
fn quantile_tasks_gather_bounded_lanes() {
    // 1000 steps of f64 lanes: 8000 bytes a lane, so a task holds at most
    // QUANTILE_TASK_BYTES / 8000 = 16777 lanes: the 200 x 200 lanes of a
    // block are split along the outer axis into 3 parts of at most 83 rows.
    let x = DArray::<f64>::from_fn([1000, 200, 200], [100, 200, 200], |i| i[0] as f64).unwrap();
    let q = x.quantile(0.9, 0);
    assert_eq!(q.chunks(), &[vec![67, 67, 66], vec![200]]);
    let lanes = 67 * 200;
    assert!(lanes * 1000 * 8 <= darray::QUANTILE_TASK_BYTES);
    // A small array is left as it is: one task per block of the other axes.
    let y = DArray::<f32>::ones([50, 6, 8], [10, 3, 4]).unwrap();
    let g = y.nanquantile(0.5, 0).graph().unwrap();
    assert_eq!(g.tasks().filter(|t| t.ops == ["quantile"]).count(), 4);
}

#[test]
fn a_scan_task_reads_its_block_and_the_carry() {
    let x = DArray::<f64>::ones([12, 4], [3, 2]).unwrap();
    let g = x.cumsum(0).graph().unwrap();
    let scans: Vec<_> = g.tasks().filter(|t| t.ops == ["cumsum"]).collect();
    assert_eq!(scans.len(), 8);
    // The first block along the axis reads its input only; the others
    // read the scanned block before them as well.
    assert_eq!(scans.iter().filter(|t| t.deps.len() == 1).count(), 2);
    assert_eq!(scans.iter().filter(|t| t.deps.len() == 2).count(), 6);
    let bf = x.bfill(0, None).graph().unwrap();
    assert_eq!(bf.tasks().filter(|t| t.ops == ["bfill"] && t.deps.len() == 2).count(), 6);
}

#[test]
fn a_window_reaches_past_its_neighbour() {
    // Chunks of 2, a window of 7: each block reads the blocks 6 positions back.
    let a = ndarray::Array1::from_iter((0..20).map(|i| (i * i % 7) as f64)).into_dyn();
    let x = DArray::from_array(a.clone(), 2).unwrap();
    let got = x.rolling(0, 7).max().compute().unwrap();
    let want = along(&a, 0, |l| rolling_lane(l, "max", 7, false, 7));
    assert!(same(&got, &want));
    let g = x.rolling(0, 7).max().graph().unwrap();
    let last = g.tasks().filter(|t| t.ops == ["rolling-max"]).last().unwrap();
    assert_eq!(last.deps.len(), 4);
}

#[test]
fn a_widening_cast_is_read_by_the_scan_and_window_kernels() {
    let a = ndarray::Array2::from_shape_fn((11, 5), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.1 - 0.3).into_dyn();
    let x = DArray::from_array(a.clone(), [3, 2]).unwrap();
    let wide = a.mapv(f64::from);
    let y = DArray::from_array(wide.clone(), [3, 2]).unwrap();
    for (got, want) in [
        (x.cast::<f64>().cumsum(0), y.cumsum(0)),
        (x.cast::<f64>().cummax(1), y.cummax(1)),
        (x.cast::<f64>().rolling(0, 4).max(), y.rolling(0, 4).max()),
        (x.cast::<f64>().rolling(0, 3).center(true).mean(), y.rolling(0, 3).center(true).mean()),
    ] {
        let g = got.graph().unwrap();
        assert!(g.tasks().all(|t| !t.ops.iter().any(|o| o.contains("astype"))), "{g}");
        assert!(same(&got.compute().unwrap(), &want.compute().unwrap()));
    }
}
