//! Grouped quantiles, coarsening, histograms and binning, top-k, trends
//! and interpolation against plain-loop oracles written from NumPy's,
//! xarray's and dask's documented definitions, over random shapes,
//! chunkings and NaN patterns.
// The oracles index as the definitions are written.
#![allow(clippy::needless_range_loop)]

use crate::common;
use darray::ops::QuantileMethod;
use darray::{histogram2d, polyval, CoarsenBoundary, DArray};
use ndarray::{ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use std::cmp::Ordering;

fn array(shape: &[usize], values: &[f64]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), values.iter().cycle().take(n).copied().collect()).unwrap()
}

/// Linear-method quantile of sorted values (NumPy's default, H&F 7).
fn linear_quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn group_quantiles_match_per_group_loops(
        (shape, chunks) in common::shape_and_chunks(3, 7),
        labels in prop::collection::vec(-1i64..4, 7),
        q in 0.0..=1.0f64,
        skipna in any::<bool>(),
        values in prop::collection::vec(common::float(true), 343),
    ) {
        prop_assume!(!shape.is_empty());
        let a = array(&shape, &values);
        let labels: Vec<i64> = labels.iter().cycle().take(shape[0]).copied().collect();
        let g = DArray::from_array(a.clone(), chunks)?.groupby(0, &labels);
        let got = if skipna { g.nanquantile(q) } else { g.quantile(q) }.compute()?;
        let groups = g.labels().to_vec();
        let mut want_shape = shape.clone();
        want_shape[0] = groups.len();
        let mut want = ArrayD::<f64>::zeros(IxDyn(&want_shape));
        for (k, &label) in groups.iter().enumerate() {
            let rows: Vec<usize> = (0..shape[0]).filter(|&t| labels[t] == label).collect();
            let picked = a.select(Axis(0), &rows);
            let r = common::oracle(&picked, &[0], false, |lane: &[f64]| {
                if !skipna && lane.iter().any(|v| v.is_nan()) {
                    return f64::NAN;
                }
                let mut v: Vec<f64> = lane.iter().copied().filter(|v| !v.is_nan()).collect();
                v.sort_by(f64::total_cmp);
                linear_quantile(&v, q)
            });
            want.index_axis_mut(Axis(0), k).assign(&r);
        }
        common::assert_close(&got, &want, 1e-12)?;
    }

    #[test]
    fn coarsen_matches_window_loops(
        (shape, chunks) in common::shape_and_chunks(3, 9),
        wins in prop::collection::vec(1usize..4, 3),
        boundary in prop::sample::select(vec![CoarsenBoundary::Trim, CoarsenBoundary::Pad]),
        op in prop::sample::select(vec!["sum", "mean", "min", "max", "std", "count"]),
        values in prop::collection::vec(common::float(true), 729),
    ) {
        let a = array(&shape, &values);
        let nd = shape.len();
        let windows: Vec<(usize, usize)> = (0..nd).map(|d| (d, wins[d])).collect();
        let c = DArray::from_array(a.clone(), chunks)?.coarsen(&windows).boundary(boundary);
        let got = match op {
            "sum" => c.sum(),
            "mean" => c.mean(),
            "min" => c.min(),
            "max" => c.max(),
            "std" => c.std(1.0),
            _ => c.count(),
        }.compute()?;
        let out: Vec<usize> = (0..nd)
            .map(|d| if boundary == CoarsenBoundary::Trim { shape[d] / wins[d] } else { shape[d].div_ceil(wins[d]) })
            .collect();
        let mut cells: Vec<Vec<f64>> = vec![vec![]; out.iter().product()];
        for (idx, &v) in a.indexed_iter() {
            let o: Vec<usize> = (0..nd).map(|d| idx[d] / wins[d]).collect();
            if o.iter().zip(&out).any(|(i, n)| i >= n) || v.is_nan() {
                continue;
            }
            let f = o.iter().zip(&out).fold(0, |f, (i, n)| f * n + i);
            cells[f].push(v);
        }
        let want: Vec<f64> = cells.iter().map(|c| {
            let n = c.len() as f64;
            let mean = c.iter().sum::<f64>() / n;
            match op {
                "sum" => c.iter().sum(),
                "count" => n,
                _ if c.is_empty() => f64::NAN,
                "mean" => mean,
                "min" => c.iter().copied().fold(f64::INFINITY, f64::min),
                "max" => c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                _ => if n > 1.0 { (c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() } else { f64::NAN },
            }
        }).collect();
        common::assert_close(&got, &ArrayD::from_shape_vec(IxDyn(&out), want).unwrap(), 1e-9)?;
    }

    #[test]
    fn histograms_and_digitize_follow_numpy_rules(
        (shape, chunks) in common::shape_and_chunks(3, 6),
        mut edges in prop::collection::vec(-100.0..100.0f64, 2..6),
        right in any::<bool>(),
        decreasing in any::<bool>(),
        values in prop::collection::vec(common::float(true), 216),
    ) {
        edges.sort_by(f64::total_cmp);
        edges.dedup();
        prop_assume!(edges.len() >= 2);
        let mut a = array(&shape, &values);
        // Some values exactly on the edges.
        for (i, v) in a.iter_mut().enumerate() {
            if i % 5 == 0 {
                *v = edges[i % edges.len()];
            }
        }
        let x = DArray::from_array(a.clone(), chunks)?;
        let nb = edges.len() - 1;
        let mut want = vec![0i64; nb];
        for &v in a.iter() {
            if v.is_nan() || v < edges[0] || v > edges[nb] {
                continue;
            }
            let b = (0..nb).find(|&b| v >= edges[b] && (v < edges[b + 1] || (b == nb - 1 && v == edges[nb]))).unwrap();
            want[b] += 1;
        }
        prop_assert_eq!(x.histogram_edges(&edges).compute()?.into_raw_vec_and_offset().0, want);
        let y = a.mapv(|v| -v);
        let h2 = histogram2d(&x, &DArray::from_array(y.clone(), 2)?, &edges, &edges).compute()?;
        let mut want2 = ndarray::Array2::<i64>::zeros((nb, nb));
        let bin = |v: f64| (0..nb).find(|&b| v >= edges[b] && (v < edges[b + 1] || (b == nb - 1 && v == edges[nb])));
        for (&u, &w) in a.iter().zip(y.iter()) {
            if let (Some(i), Some(j)) = (bin(u), bin(w)) {
                want2[[i, j]] += 1;
            }
        }
        prop_assert_eq!(h2, want2.into_dyn());
        // digitize: the index i with bins[i-1] <= x < bins[i] (NumPy's table).
        let bins: Vec<f64> = if decreasing { edges.iter().rev().copied().collect() } else { edges.clone() };
        let d = x.digitize(&bins, right).compute()?;
        let want_d = a.mapv(|v| {
            let c = |p: &dyn Fn(f64) -> bool| bins.iter().filter(|&&b| p(b)).count() as i64;
            if v.is_nan() {
                return if decreasing { 0 } else { bins.len() as i64 };
            }
            match (decreasing, right) {
                (false, false) => c(&|b| b <= v),
                (false, true) => c(&|b| b < v),
                (true, false) => c(&|b| b > v),
                (true, true) => c(&|b| b >= v),
            }
        });
        prop_assert_eq!(d, want_d);
    }

    #[test]
    fn bincount_counts_each_value(
        (shape, chunks) in common::shape_and_chunks(2, 8),
        values in prop::collection::vec(0u8..12, 64),
        minlength in 0usize..20,
    ) {
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), values.iter().cycle().take(n).copied().collect()).unwrap();
        let got = DArray::from_array(a.clone(), chunks)?.bincount(minlength)?.compute()?;
        let len = a.iter().map(|&v| v as usize + 1).max().unwrap_or(0).max(minlength);
        let mut want = vec![0i64; len];
        a.iter().for_each(|&v| want[v as usize] += 1);
        prop_assert_eq!(got.into_raw_vec_and_offset().0, want);
    }

    #[test]
    fn topk_ranks_like_a_sort(
        (shape, chunks) in common::shape_and_chunks(3, 7),
        axis_seed in 0usize..3,
        k_seed in -7isize..8,
        values in prop::collection::vec(prop_oneof![6 => (-5i32..5).prop_map(f64::from), 1 => Just(f64::NAN)], 343),
    ) {
        prop_assume!(!shape.is_empty());
        let axis = axis_seed % shape.len();
        let n = shape[axis] as isize;
        let k = if n == 0 { 0 } else { k_seed.clamp(-n, n) };
        let a = array(&shape, &values);
        let x = DArray::from_array(a.clone(), chunks)?;
        let (got, got_i) = (x.topk(k, axis).compute()?, x.argtopk(k, axis).compute()?);
        let m = k.unsigned_abs();
        let mut want_shape = shape.clone();
        want_shape[axis] = m;
        let mut want = ArrayD::<f64>::zeros(IxDyn(&want_shape));
        let mut want_i = ArrayD::<i64>::zeros(IxDyn(&want_shape));
        let key = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
        for ((lane, mut o), mut oi) in a.lanes(Axis(axis)).into_iter().zip(want.lanes_mut(Axis(axis))).zip(want_i.lanes_mut(Axis(axis))) {
            let mut idx: Vec<usize> = (0..lane.len()).collect();
            // NaN largest (ahead of inf), ties by position.
            idx.sort_by(|&p, &q| {
                let (a, b) = (lane[p], lane[q]);
                let o = match (a.is_nan(), b.is_nan()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ => key(a).partial_cmp(&key(b)).unwrap(),
                };
                (if k > 0 { o.reverse() } else { o }).then(p.cmp(&q))
            });
            for j in 0..m {
                o[j] = lane[idx[j]];
                oi[j] = idx[j] as i64;
            }
        }
        prop_assert!(got.iter().zip(want.iter()).all(|(g, w)| g == w || (g.is_nan() && w.is_nan())), "{:?} vs {:?}", got, want);
        prop_assert_eq!(got_i, want_i);
    }

    #[test]
    fn polyfit_solves_the_normal_equations(
        (shape, chunks) in common::shape_and_chunks(2, 9),
        deg in 0usize..3,
        skipna in any::<bool>(),
        values in prop::collection::vec(common::float(true), 81),
    ) {
        prop_assume!(!shape.is_empty());
        let n = shape[0];
        let x: Vec<f64> = (0..n).map(|i| 0.5 * i as f64 - 1.0).collect();
        let a = array(&shape, &values);
        let arr = DArray::from_array(a.clone(), chunks)?;
        let got = arr.polyfit(0, &x, deg, skipna).compute()?;
        let m = deg + 1;
        let mut want_shape = vec![m];
        want_shape.extend_from_slice(&shape[1..]);
        let mut want = ArrayD::<f64>::from_elem(IxDyn(&want_shape), f64::NAN);
        for (j, lane) in a.lanes(Axis(0)).into_iter().enumerate() {
            let pts: Vec<(f64, f64)> = x.iter().zip(lane.iter()).filter(|(_, v)| !v.is_nan()).map(|(&a, &b)| (a, b)).collect();
            if (!skipna && pts.len() < n) || pts.len() < m {
                continue;
            }
            // Normal equations G c = r, G[i][k] = sum x^(2 deg - i - k), by elimination.
            let p = |i: usize| (deg - i) as i32;
            let mut g = vec![vec![0.0; m + 1]; m];
            for i in 0..m {
                for k in 0..m {
                    g[i][k] = pts.iter().map(|(x, _)| x.powi(p(i) + p(k))).sum();
                }
                g[i][m] = pts.iter().map(|(x, y)| y * x.powi(p(i))).sum();
            }
            for c in 0..m {
                let piv = (c..m).max_by(|&r, &s| g[r][c].abs().total_cmp(&g[s][c].abs())).unwrap();
                g.swap(c, piv);
                for r in 0..m {
                    if r != c {
                        let f = g[r][c] / g[c][c];
                        for k in c..=m {
                            g[r][k] -= f * g[c][k];
                        }
                    }
                }
            }
            let flat = want.len() / m;
            for i in 0..m {
                want.as_slice_mut().unwrap()[i * flat + j] = g[i][m] / g[i][i];
            }
        }
        common::assert_close(&got, &want, 1e-7)?;
        // polyval of the coefficients: the fitted values.
        let fitted = polyval(&arr.polyfit(0, &x, deg, skipna), &x, 0).compute()?;
        let flat = want.len() / m;
        for t in 0..n {
            for j in 0..flat {
                let v: f64 = (0..m).map(|i| want.as_slice().unwrap()[i * flat + j] * x[t].powi((deg - i) as i32)).sum();
                prop_assert!(common::close(fitted.as_slice().unwrap()[t * flat + j], v, 1e-7));
            }
        }
    }

    #[test]
    fn interpolation_matches_np_interp(
        (shape, chunks) in common::shape_and_chunks(2, 8),
        decreasing in any::<bool>(),
        extrapolate in any::<bool>(),
        new in prop::collection::vec(-3.0..12.0f64, 0..6),
        limit in prop::option::of(0usize..3),
        values in prop::collection::vec(common::float(true), 64),
    ) {
        prop_assume!(!shape.is_empty());
        let n = shape[0];
        let mut x: Vec<f64> = (0..n).map(|i| i as f64 * 1.5).collect();
        if decreasing {
            x.reverse();
        }
        let a = array(&shape, &values);
        let arr = DArray::from_array(a.clone(), chunks)?;
        let got = arr.interp(0, &x, &new, extrapolate).compute()?;
        // Points in increasing order of coordinate.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
        let interp = |lane: &[f64], u: f64| -> f64 {
            let xs: Vec<f64> = order.iter().map(|&i| x[i]).collect();
            let ys: Vec<f64> = order.iter().map(|&i| lane[i]).collect();
            if let Some(i) = xs.iter().position(|&v| v == u) {
                return ys[i];
            }
            if n < 2 {
                return if extrapolate && n == 1 { ys[0] } else { f64::NAN };
            }
            let seg = if u < xs[0] {
                if !extrapolate { return f64::NAN; }
                0
            } else if u > xs[n - 1] {
                if !extrapolate { return f64::NAN; }
                n - 2
            } else {
                (0..n - 1).find(|&i| xs[i] <= u && u <= xs[i + 1]).unwrap()
            };
            ys[seg] + (u - xs[seg]) / (xs[seg + 1] - xs[seg]) * (ys[seg + 1] - ys[seg])
        };
        let mut want_shape = shape.clone();
        want_shape[0] = new.len();
        let mut want = ArrayD::<f64>::zeros(IxDyn(&want_shape));
        for (lane, mut o) in a.lanes(Axis(0)).into_iter().zip(want.lanes_mut(Axis(0))) {
            let l = lane.to_vec();
            for (k, &u) in new.iter().enumerate() {
                o[k] = interp(&l, u);
            }
        }
        common::assert_close(&got, &want, 1e-12)?;
        // interpolate_na: each NaN between two values, at most `limit` per run.
        let filled = arr.interpolate_na(0, Some(&x), limit).compute()?;
        let mut want_f = a.clone();
        for mut lane in want_f.lanes_mut(Axis(0)) {
            let orig = lane.to_vec();
            let valid: Vec<usize> = (0..n).filter(|&i| !orig[i].is_nan()).collect();
            for w in valid.windows(2) {
                let (lo, hi) = (w[0], w[1]);
                for k in lo + 1..hi {
                    if limit.is_none_or(|l| k - lo <= l) {
                        lane[k] = orig[lo] + (x[k] - x[lo]) / (x[hi] - x[lo]) * (orig[hi] - orig[lo]);
                    }
                }
            }
        }
        common::assert_close(&filled, &want_f, 1e-12)?;
    }
}

#[test]
fn binning_and_fitting_refuse_bad_arguments() {
    let x = DArray::<f64>::ones([6, 4], [3, 2]).unwrap();
    assert!(x.histogram_edges(&[1.0]).validate().is_err());
    assert!(x.histogram_edges(&[2.0, 1.0]).validate().is_err());
    assert!(x.histogram(0, None).is_err());
    assert!(x.bincount(0).is_err());
    assert!(DArray::from_array(ndarray::arr1(&[-1i32, 2]), 1).unwrap().bincount(0).is_err());
    assert!(x.digitize(&[1.0, 0.0, 2.0], false).validate().is_err());
    assert!(x.topk(7, 0).validate().is_err());
    assert!(matches!(x.topk(1, 2).validate(), Err(darray::Error::Axis { .. })));
    assert!(x.polyfit(0, &[0.0, 1.0], 1, true).validate().is_err());
    assert!(x.interp(0, &[0.0, 1.0, 1.0, 2.0, 3.0, 4.0], &[0.5], false).validate().is_err());
    assert!(x.coarsen(&[(0, 4)]).mean().validate().is_err());
    assert!(x.coarsen(&[(0, 0)]).mean().validate().is_err());
    assert!(x.coarsen(&[(2, 2)]).mean().validate().is_err());
    let g = x.groupby(0, &[0, 0, 1, 1, 2, 2]);
    assert!(g.quantile(2.0).validate().is_err());
    assert_eq!(g.quantile_with(0.5, QuantileMethod::Lower, true).shape(), &[3, 4]);
}

#[test]
fn a_histogram_sums_one_count_block_per_chunk() {
    let x = DArray::<f64>::from_fn([40, 30], [10, 10], |i| (i[0] * 30 + i[1]) as f64).unwrap();
    let h = x.histogram_edges(&[0.0, 300.0, 600.0, 1200.0]);
    let g = h.graph().unwrap();
    assert_eq!(g.tasks().filter(|t| t.ops == ["histogram"]).count(), 12);
    assert_eq!(h.compute().unwrap().into_raw_vec_and_offset().0, vec![300, 300, 600]);
    // The detrended line is zero; the trend map is its slope.
    let y = DArray::<f64>::from_fn([20, 3], [6, 2], |i| 3.0 * i[0] as f64 - i[1] as f64).unwrap();
    assert!(y.detrend(0).compute().unwrap().iter().all(|v| v.abs() < 1e-9));
    let slope = y
        .polyfit(0, &(0..20).map(|t| t as f64).collect::<Vec<_>>(), 1, true)
        .slice(&[darray::Sel::index(0), darray::Sel::all()]);
    assert!(slope.compute().unwrap().iter().all(|v| (v - 3.0).abs() < 1e-9));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn user_block_functions_see_whole_core_axes(
        (shape, chunks) in common::shape_and_chunks(3, 6),
        other in prop::collection::vec(1usize..4, 3),
        core_seed in 0usize..3,
        axes_seed in prop::collection::vec(any::<bool>(), 3),
        split_every in 2usize..5,
        values in prop::collection::vec(-100.0..100.0f64, 216),
    ) {
        prop_assume!(!shape.is_empty());
        let nd = shape.len();
        let core = core_seed % nd;
        let a = array(&shape, &values);
        let b = a.mapv(|v| v * 0.5 + 1.0);
        let x = DArray::from_array(a.clone(), chunks)?;
        let ochunks: Vec<usize> = (0..nd).map(|d| other[d]).collect();
        let y = DArray::from_array(b.clone(), ochunks)?;
        // A sorted core axis (kept, moved last) and a dropped one (a dot product).
        let sorted = darray::apply_ufunc(&[&x], &[&[core]], &[shape[core]], |v| {
            let mut o = v[0].to_owned();
            let last = o.ndim() - 1;
            for mut lane in o.lanes_mut(Axis(last)) {
                let mut l = lane.to_vec();
                l.sort_by(f64::total_cmp);
                lane.iter_mut().zip(l).for_each(|(d, s)| *d = s);
            }
            o
        }).compute()?;
        let mut want = a.clone();
        for mut lane in want.lanes_mut(Axis(core)) {
            let mut l = lane.to_vec();
            l.sort_by(f64::total_cmp);
            lane.iter_mut().zip(l).for_each(|(d, s)| *d = s);
        }
        let mut moved = want.view();
        moved = moved.permuted_axes(IxDyn(&(0..nd).filter(|&d| d != core).chain([core]).collect::<Vec<_>>()));
        prop_assert_eq!(sorted, moved.to_owned());
        let dot = darray::apply_ufunc(&[&x, &y], &[&[core], &[core]], &[], |v| {
            let last = v[0].ndim() - 1;
            (&v[0] * &v[1]).sum_axis(Axis(last))
        }).compute()?;
        common::assert_close(&dot, &(&a * &b).sum_axis(Axis(core)), 1e-9)?;
        // Aligned blocks of differently chunked arrays.
        let prod = darray::map_blocks_multi(&[&x, &y], |v, _| &v[0] * &v[1]).compute()?;
        prop_assert_eq!(prod, &a * &b);
        // A custom mean over random axes, combined `split_every` at a time.
        let axes: Vec<usize> = (0..nd).filter(|&d| axes_seed[d]).collect();
        let red = axes.clone();
        let m = x.reduction(
            &axes,
            2,
            move |blk| {
                let mut s = blk.to_owned();
                let mut c = blk.mapv(|_| 1.0);
                for &ax in red.iter().rev() {
                    s = s.sum_axis(Axis(ax));
                    c = c.sum_axis(Axis(ax));
                }
                ndarray::stack(Axis(s.ndim()), &[s.view(), c.view()]).unwrap()
            },
            |p| p.sum_axis(Axis(0)),
            |p| {
                let last = p.ndim() - 1;
                &p.index_axis(Axis(last), 0) / &p.index_axis(Axis(last), 1)
            },
            split_every,
        ).compute()?;
        let want_m = common::oracle(&a, &axes, false, |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64);
        common::assert_close(&m, &want_m, 1e-9)?;
    }
}

#[test]
fn user_block_functions_report_their_errors() {
    let x = DArray::<f64>::ones([6, 4], [3, 2]).unwrap();
    // A panic names the task.
    let p = darray::map_blocks_multi(&[&x], |v: &[ndarray::ArrayViewD<'_, f64>], b: &[usize]| {
        assert!(b != [1, 1], "no block (1, 1)");
        v[0].to_owned()
    });
    match p.compute() {
        Err(darray::Error::TaskPanicked { task, message }) => {
            assert!(task.contains("map_blocks") && message.contains("no block (1, 1)"), "{task}: {message}");
        }
        other => panic!("{other:?}"),
    }
    // A block of the wrong shape is an error, not a wrong answer.
    let bad = darray::apply_ufunc(&[&x], &[&[1]], &[3], |v| v[0].to_owned());
    assert!(bad.compute().is_err());
    // Loop axes that differ, and user code leaving its process, are refused.
    let y = DArray::<f64>::ones([5, 4], [5, 4]).unwrap();
    assert!(darray::apply_ufunc(&[&x, &y], &[&[1], &[1]], &[], |v| v[0].sum_axis(Axis(1))).validate().is_err());
    let g = darray::map_blocks_multi(&[&x], |v, _| v[0].to_owned()).graph().unwrap();
    assert!(matches!(g.to_spec(), Err(darray::Error::NotEncodable(_))));
}

#[test]
fn blocks_as_delayed_values_carry_state_in_order() {
    use darray::delayed::Delayed;
    #[allow(clippy::ptr_arg)] // a delayed call takes its value, a Vec, by reference
    fn step(acc: &Vec<f64>, b: &ndarray::ArrayD<f64>) -> Vec<f64> {
        let mut a = acc.clone();
        a.push(b.sum());
        a
    }
    let x = DArray::<f64>::from_fn([10, 4], [3, 4], |i| (i[0] * 4 + i[1]) as f64).unwrap();
    for arr in [x.clone(), x.persist().unwrap()] {
        let blocks = arr.to_delayed().unwrap();
        assert_eq!(blocks.shape(), &[4, 1]);
        let mut acc = Delayed::value(vec![]);
        for b in blocks.iter() {
            acc = darray::delayed!(step(&acc, b));
        }
        let sums = acc.compute().unwrap();
        let want: Vec<f64> = (0..4).map(|k| (k * 12..((k + 1) * 12).min(40)).map(|v| v as f64).sum()).collect();
        assert_eq!(sums, want);
    }
    // Values computed from blocks cannot become blocks again (yet): refused.
    let b = x.to_delayed().unwrap();
    assert!(DArray::from_delayed(vec![b[[0, 0]].clone()], [3, 4], [3, 4]).is_err());
    assert!(x.sum_axis(7).to_delayed().is_err());
}
