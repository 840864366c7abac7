//! Grouped reductions, group broadcasting, resampling, weighted means and
//! counts against plain loops over random shapes, chunkings, labels and
//! values (with NaN).

use crate::common;
use common::*;
use darray::{ChunkSpec, DArray, Error, ReduceOpts};
use ndarray::{ArrayD, Axis, Dimension, IxDyn};
use proptest::prelude::*;

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}
fn var(v: &[f64], ddof: f64) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - ddof)
}
fn nanless(v: &[f64]) -> Vec<f64> {
    v.iter().copied().filter(|x| !x.is_nan()).collect()
}

/// The oracle: for each group (labels in increasing order) and each cell
/// of the other axes, `f` of the group's values in position order.
fn grouped(a: &ArrayD<f64>, axis: usize, labels: &[i64], f: impl Fn(&[f64]) -> f64) -> ArrayD<f64> {
    let mut uniq: Vec<i64> = labels.iter().copied().filter(|&l| l >= 0).collect();
    uniq.sort_unstable();
    uniq.dedup();
    let mut shape = a.shape().to_vec();
    shape[axis] = uniq.len();
    let mut out = ArrayD::<f64>::zeros(IxDyn(&shape));
    for (g, &l) in uniq.iter().enumerate() {
        let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == l).collect();
        let sub = a.select(Axis(axis), &rows);
        let mut dst = out.index_axis_mut(Axis(axis), g);
        for (idx, d) in dst.indexed_iter_mut() {
            let vals: Vec<f64> = (0..rows.len())
                .map(|k| {
                    let mut full: Vec<usize> = idx.slice().to_vec();
                    full.insert(axis, k);
                    sub[IxDyn(&full)]
                })
                .collect();
            *d = f(&vals);
        }
    }
    out
}

/// A shape of 1-3 axes (the grouped axis at least 1 long), a chunking, an
/// axis, and labels for it (some negative: left out).
fn case() -> impl Strategy<Value = (Vec<usize>, ChunkSpec, usize, Vec<i64>)> {
    prop::collection::vec(1usize..7, 1..=3)
        .prop_flat_map(|shape| {
            let nd = shape.len();
            (Just(shape.clone()), chunking(shape), 0..nd)
        })
        .prop_flat_map(|(shape, chunks, axis)| {
            let n = shape[axis];
            (
                Just(shape),
                Just(chunks),
                Just(axis),
                prop::collection::vec(prop_oneof![1 => Just(-1i64), 6 => 0i64..4], n),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn grouped_reductions_match_loops((shape, chunks, axis, labels) in case(), seed in any::<u64>()) {
        prop_assume!(labels.iter().any(|&l| l >= 0));
        let a: ArrayD<f64> = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            let k = i.slice().iter().fold(seed % 1000, |acc, &v| acc * 31 + v as u64);
            if k % 11 == 3 { f64::NAN } else { (k % 97) as f64 - 48.0 }
        });
        let x = DArray::from_array(a.clone(), chunks).unwrap();
        let g = x.groupby(axis, &labels);
        let tol = 1e-9;
        assert_close(&g.sum().compute().unwrap(), &grouped(&a, axis, &labels, |v| v.iter().sum()), tol)?;
        assert_close(&g.mean().compute().unwrap(), &grouped(&a, axis, &labels, mean), tol)?;
        assert_close(&g.var(0.0).compute().unwrap(), &grouped(&a, axis, &labels, |v| var(v, 0.0)), tol)?;
        assert_close(&g.std(0.0).compute().unwrap(), &grouped(&a, axis, &labels, |v| var(v, 0.0).sqrt()), tol)?;
        let nan_or = |v: &[f64], f: &dyn Fn(&[f64]) -> f64| if v.iter().any(|x| x.is_nan()) { f64::NAN } else { f(v) };
        assert_close(&g.min().compute().unwrap(), &grouped(&a, axis, &labels, |v| nan_or(v, &|v| v.iter().copied().fold(f64::INFINITY, f64::min))), tol)?;
        assert_close(&g.max().compute().unwrap(), &grouped(&a, axis, &labels, |v| nan_or(v, &|v| v.iter().copied().fold(f64::NEG_INFINITY, f64::max))), tol)?;
        assert_close(&g.nansum().compute().unwrap(), &grouped(&a, axis, &labels, |v| nanless(v).iter().sum()), tol)?;
        let nanmean = |v: &[f64]| { let w = nanless(v); if w.is_empty() { f64::NAN } else { mean(&w) } };
        assert_close(&g.nanmean().compute().unwrap(), &grouped(&a, axis, &labels, nanmean), tol)?;
        let nanvar = |v: &[f64]| { let w = nanless(v); if w.is_empty() { f64::NAN } else { var(&w, 1.0) } };
        assert_close(&g.nanvar(1.0).compute().unwrap(), &grouped(&a, axis, &labels, nanvar), tol)?;
        let nanmax = |v: &[f64]| nanless(v).into_iter().fold(f64::NAN, |a, x| if a.is_nan() { x } else { a.max(x) });
        assert_close(&g.nanmax().compute().unwrap(), &grouped(&a, axis, &labels, nanmax), tol)?;
        let count = g.count().compute().unwrap().mapv(|c| c as f64);
        assert_close(&count, &grouped(&a, axis, &labels, |v| nanless(v).len() as f64), 0.0)?;
        // Without the optimizer (every view a task of its own): the same.
        let cfg = darray::Config::default().optimize(false);
        assert_close(&g.mean().compute_with(&cfg).unwrap().0, &grouped(&a, axis, &labels, mean), tol)?;
    }

    #[test]
    fn anomalies_against_group_means_match_loops((shape, chunks, axis, labels) in case(), seed in any::<u64>()) {
        let labels: Vec<i64> = labels.iter().map(|&l| l.max(0)).collect();
        let a: ArrayD<f64> = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            (i.slice().iter().fold(seed % 997, |acc, &v| acc * 17 + v as u64) % 89) as f64
        });
        let x = DArray::from_array(a.clone(), chunks).unwrap();
        let g = x.groupby(axis, &labels);
        let clim = g.mean();
        let anom = &x - &g.expand(&clim);
        prop_assert_eq!(anom.chunks()[axis].clone(), x.chunks()[axis].clone());
        let means = grouped(&a, axis, &labels, mean);
        let mut uniq = labels.clone();
        uniq.sort_unstable();
        uniq.dedup();
        let mut want = a.clone();
        for (idx, w) in want.indexed_iter_mut() {
            let mut m = idx.slice().to_vec();
            m[axis] = uniq.binary_search(&labels[idx[axis]]).unwrap();
            *w -= means[IxDyn(&m)];
        }
        assert_close(&anom.compute().unwrap(), &want, 1e-9)?;
        assert_close(&anom.std(0.0).compute().unwrap(), &ArrayD::from_elem(IxDyn(&[]), var(want.as_slice_memory_order().unwrap(), 0.0).sqrt()), 1e-9)?;
    }

    #[test]
    fn resample_and_weighted_mean_match_loops((shape, chunks) in shape_and_chunks(3, 9), every in 1usize..6, seed in any::<u64>()) {
        prop_assume!(!shape.is_empty() && shape[0] > 0);
        let a: ArrayD<f64> = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            let k = i.slice().iter().fold(seed % 991, |acc, &v| acc * 13 + v as u64);
            if k % 7 == 2 { f64::NAN } else { (k % 50) as f64 }
        });
        let x = DArray::from_array(a.clone(), chunks).unwrap();
        let labels: Vec<i64> = (0..shape[0]).map(|i| (i / every) as i64).collect();
        let want = grouped(&a, 0, &labels, |v| { let w = nanless(v); if w.is_empty() { f64::NAN } else { mean(&w) } });
        assert_close(&x.resample(0, every).nanmean().compute().unwrap(), &want, 1e-9)?;
        // Weighted mean along the last axis, NaN skipped with its weight.
        let last = shape.len() - 1;
        let w: Vec<f64> = (0..shape[last]).map(|i| 1.0 + i as f64 * 0.5).collect();
        let got = x.weighted_mean(last, &w).compute().unwrap();
        let want = a.map_axis(Axis(last), |lane| {
            let (mut num, mut den) = (0.0, 0.0);
            for (v, wi) in lane.iter().zip(&w) {
                if !v.is_nan() { num += v * wi; den += wi; }
            }
            num / den
        });
        assert_close(&got, &want, 1e-9)?;
        let count = x.count(&ReduceOpts::axis(0)).compute().unwrap().mapv(|c| c as f64);
        assert_close(&count, &a.map_axis(Axis(0), |l| l.iter().filter(|v| !v.is_nan()).count() as f64), 0.0)?;
    }
}

#[test]
fn task_counts_follow_the_labels_layout() {
    // Resampling 4 steps a group over chunks of 8: 2 groups per chunk, one
    // piece each; 10 chunks -> 20 partials and 20 merges.
    let x = DArray::<f64>::ones([80, 6], [8, 6]).unwrap();
    let g = x.resample(0, 4);
    let graph = g.mean().graph().unwrap();
    assert_eq!(graph.len(), 20 + 20);
    // Groups spread over every chunk (t mod 4): each step is a run of its
    // own, so one partial per step, merged per group.
    let labels: Vec<i64> = (0..80).map(|t| t % 4).collect();
    let graph = x.groupby(0, &labels).sum().graph().unwrap();
    assert_eq!(graph.len(), 80 + 4);
    // Runs of 2 steps inside chunks of 8: 4 runs per chunk.
    let labels: Vec<i64> = (0..80).map(|t| (t / 2) % 3).collect();
    assert_eq!(x.groupby(0, &labels).sum().graph().unwrap().len(), 40 + 3);
}

#[test]
fn bad_labels_are_typed_errors() {
    let x = DArray::<f64>::ones([10, 3], [5, 3]).unwrap();
    // A grouping that cannot be built carries its error, and so does every
    // reduction of it: reported by validate and compute, never a panic.
    let bad = x.groupby(0, &[0; 9]);
    assert!(matches!(bad.error(), Some(Error::Shape(_))));
    assert!(matches!(bad.sum().compute(), Err(Error::Shape(_))));
    assert!(matches!(bad.count().validate(), Err(Error::Shape(_))));
    // An errored result keeps the grouped array's shape, not `[]`.
    assert_eq!(bad.mean().shape(), x.shape());
    assert!(matches!(bad.clone().validate(), Err(Error::Shape(_))));
    assert!(matches!(bad.expand(&x).compute(), Err(Error::Shape(_))));
    assert!(matches!(x.groupby(2, &[0; 10]).var(1.0).compute(), Err(Error::Axis { .. })));
    assert!(matches!(x.resample(0, 0).max().validate(), Err(Error::Invalid(_))));
    // An errored input's error is passed on rather than a new one.
    let errored = x.sum_axis(7);
    assert!(matches!(errored.groupby(0, &[0; 9]).sum().compute(), Err(Error::Axis { axis: 7, .. })));
    assert!(matches!(errored.resample(0, 0).sum().compute(), Err(Error::Axis { axis: 7, .. })));
    assert!(matches!(errored.weighted_mean(1, &[1.0]).compute(), Err(Error::Axis { axis: 7, .. })));
    let g = x.groupby(0, &[0, 0, 1, 1, 2, 2, 0, 0, 1, -1]);
    assert_eq!(g.labels(), &[0, 1, 2]);
    assert!(matches!(g.expand(&g.mean()).compute(), Err(Error::Invalid(_))));
    let g = x.groupby(0, &[0, 0, 1, 1, 2, 2, 0, 0, 1, 1]);
    assert!(g.error().is_none());
    let e = g.expand(&x);
    assert!(matches!(e.validate(), Err(Error::Shape(_))));
    assert!(matches!(g.expand(&errored).compute(), Err(Error::Axis { axis: 7, .. })));
    let w = x.weighted_mean(1, &[1.0, 2.0]);
    assert_eq!(w.shape(), x.shape());
    assert!(matches!(w.compute(), Err(Error::Shape(_))));
    assert!(matches!(x.weighted_mean(2, &[1.0]).compute(), Err(Error::Axis { .. })));
}

#[test]
fn no_groups_and_distinct_parameters_do_not_collide() {
    let x = DArray::<f64>::from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, 5.0], [4.0, 9.0]]), [2, 1]).unwrap();
    // Every position left out: an empty group axis, not a panic.
    let g = x.groupby(0, &[-1, -1, -1]);
    assert_eq!(g.sum().compute().unwrap().shape(), &[0, 2]);
    // Reductions differing only in ddof, and maps differing only in output
    // type, are different computations.
    let g = x.groupby(0, &[0, 0, 0]);
    let d = (&g.var(0.0) - &g.var(1.0)).compute().unwrap();
    assert!(d.iter().all(|&v| v < 0.0), "{d:?}");
    let both = (&x.var(0.0) - &x.var(1.0)).compute().unwrap();
    assert!(both[[]] < 0.0);
    let (c, w) = darray::compute_all((&x.count(&ReduceOpts::all()), &x.weighted_mean(1, &[1.0, 1.0]))).unwrap();
    assert_eq!(c[[]], 6);
    assert_eq!(w.into_raw_vec_and_offset().0, vec![1.5, 4.0, 6.5]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Labels that change at almost every position (the hours of hourly
    /// data): one partial per chunk with a row per group, on the first or
    /// the innermost axis.
    #[test]
    fn fragmented_labels_match_loops(n in 40usize..200, m in 1usize..4, c in 3usize..80, k in 2i64..6,
                                     innermost: bool, seed in any::<u64>()) {
        let shape = if innermost { vec![m, n] } else { vec![n, m] };
        let axis = usize::from(innermost);
        let chunks = if innermost { vec![1, c] } else { vec![c, 1] };
        let a: ArrayD<f64> = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            let h = i.slice().iter().fold(seed % 1021, |acc, &v| acc * 19 + v as u64);
            if h % 17 == 4 { f64::NAN } else { (h % 41) as f64 - 20.0 }
        });
        let labels: Vec<i64> = (0..n as i64).map(|t| if (t * 7 + seed as i64 % 5) % 11 == 0 { -1 } else { t % k }).collect();
        let x = DArray::from_array(a.clone(), chunks).unwrap();
        let g = x.groupby(axis, &labels);
        let graph = g.sum().graph().unwrap();
        // Runs of one label inside one chunk; past 32 a chunk, one partial
        // per chunk (not per run); then a merge per group.
        let runs = (0..n).filter(|&t| labels[t] >= 0 && (t % c == 0 || labels[t - 1] != labels[t])).count();
        let chunks = n.div_ceil(c);
        let labelled = (0..chunks).filter(|&b| (b * c..((b + 1) * c).min(n)).any(|t| labels[t] >= 0)).count();
        let partials = if runs > 32 * chunks { labelled } else { runs };
        prop_assert_eq!(graph.len(), (partials + k as usize) * m);
        let tol = 1e-9;
        assert_close(&g.sum().compute().unwrap(), &grouped(&a, axis, &labels, |v| v.iter().sum()), tol)?;
        assert_close(&g.nanmean().compute().unwrap(), &grouped(&a, axis, &labels, |v| { let w = nanless(v); if w.is_empty() { f64::NAN } else { mean(&w) } }), tol)?;
        assert_close(&g.var(0.0).compute().unwrap(), &grouped(&a, axis, &labels, |v| var(v, 0.0)), tol)?;
        let nanmax = |v: &[f64]| nanless(v).into_iter().fold(f64::NAN, |a, x| if a.is_nan() { x } else { a.max(x) });
        assert_close(&g.nanmax().compute().unwrap(), &grouped(&a, axis, &labels, nanmax), tol)?;
    }
}
