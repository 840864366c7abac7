//! NumPy's further reductions and statistics (`nanprod`, `nanargmin`,
//! `ptp`, `count_nonzero`, `average`, `moment`, `cov`, `corrcoef`) and the
//! vector products (`inner`, `outer`, `vdot`) on random shapes and
//! chunkings, against plain loops from NumPy's definitions.

use crate::common;
use common::*;
use darray::{ChunkSpec, DArray, ReduceOpts};
use ndarray::{Array2, ArrayD, Dimension, IxDyn};
use proptest::prelude::*;

/// Non-empty arrays with NaN sometimes.
fn input(nan: bool) -> impl Strategy<Value = (ArrayD<f64>, ChunkSpec)> {
    shape_and_chunks(4, 5)
        .prop_filter("non-empty", |(s, _)| !s.contains(&0))
        .prop_flat_map(move |(s, c)| (values(&s, float(nan)), Just(c)))
}

fn opts(axis: Option<usize>) -> ReduceOpts {
    axis.map_or(ReduceOpts::all(), ReduceOpts::axis)
}

fn axes_vec(axis: Option<usize>, nd: usize) -> Vec<usize> {
    axis.map_or((0..nd).collect(), |a| vec![a])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn nan_reductions_skip_nan((a, c) in input(true), axis in (0..4usize).prop_map(Some)) {
        let axis = axis.filter(|&x| x < a.ndim());
        let x = DArray::from_array(a.clone(), c).unwrap();
        let axes = axes_vec(axis, a.ndim());
        let got = x.nanprod_with(&opts(axis)).compute().unwrap();
        let want = oracle(&a, &axes, false, |v| v.iter().filter(|x| !x.is_nan()).product::<f64>());
        assert_close(&got, &want, 1e-12)?;
        // Positions: flat over all axes, or along the one axis.
        let pos = |v: &[f64], max: bool| -> Option<i64> {
            let mut best: Option<usize> = None;
            for (i, &x) in v.iter().enumerate() {
                if x.is_nan() {
                    continue;
                }
                if best.is_none_or(|b| if max { x > v[b] } else { x < v[b] }) {
                    best = Some(i);
                }
            }
            best.map(|b| b as i64)
        };
        for max in [false, true] {
            let want = oracle(&a, &axes, false, |v| pos(v, max));
            let r = if max { x.nanargmax_with(&opts(axis)) } else { x.nanargmin_with(&opts(axis)) };
            match r.compute() {
                Ok(got) => {
                    for (g, w) in got.iter().zip(want.iter()) {
                        prop_assert_eq!(Some(*g), *w);
                    }
                }
                Err(e) => {
                    // Only a slice of NaN alone is an error.
                    prop_assert!(want.iter().any(|w| w.is_none()), "{e}");
                    prop_assert!(e.to_string().contains("all-NaN"), "{e}");
                }
            }
        }
    }

    #[test]
    fn ptp_and_count_nonzero((a, c) in input(true), axis in (0..4usize).prop_map(Some)) {
        let axis = axis.filter(|&x| x < a.ndim());
        let axes = axes_vec(axis, a.ndim());
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        let got = x.ptp_with(&opts(axis)).compute().unwrap();
        let want = oracle(&a, &axes, false, |v| {
            if v.iter().any(|x| x.is_nan()) {
                f64::NAN
            } else {
                v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
            }
        });
        assert_close(&got, &want, 0.0)?;
        // Integers (rounded values, zeros frequent), and bool.
        let ai = a.mapv(|v| if v.is_nan() { 0 } else { (v / 30.0) as i32 });
        let xi = DArray::from_array(ai.clone(), c.clone()).unwrap();
        let got = xi.count_nonzero_with(&opts(axis)).compute().unwrap();
        let want = oracle(&ai, &axes, false, |v| v.iter().filter(|&&x| x != 0).count() as i64);
        prop_assert_eq!(got, want);
        let got = x.count_nonzero_with(&opts(axis)).compute().unwrap();
        let want = oracle(&a, &axes, false, |v| v.iter().filter(|&&x| x != 0.0).count() as i64);
        prop_assert_eq!(got, want);
        let ab = ai.mapv(|v| v > 0);
        let got = DArray::from_array(ab.clone(), c).unwrap().count_nonzero().compute().unwrap()[[]];
        prop_assert_eq!(got, ab.iter().filter(|&&b| b).count() as i64);
    }

    #[test]
    fn average_and_moment((a, c) in input(false), axis in (0..4usize).prop_map(Some), k in 0u32..5) {
        let nd = a.ndim();
        let axis = axis.filter(|&x| x < nd);
        let axes = axes_vec(axis, nd);
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        // Weights of the array's shape.
        let w = a.mapv(|v| (v.abs() / 10.0).floor() + 1.0);
        let wd = DArray::from_array(w.clone(), c).unwrap();
        let got = x.average(&wd, &opts(axis)).compute().unwrap();
        let pairs = ndarray::Zip::from(&a).and(&w).map_collect(|&x, &w| (x, w));
        let want = oracle(&pairs, &axes, false, |v| {
            v.iter().map(|p| p.0 * p.1).sum::<f64>() / v.iter().map(|p| p.1).sum::<f64>()
        });
        assert_close(&got, &want, 1e-12)?;
        // 1-D weights along the one axis.
        if let Some(ax) = axis {
            let n = a.shape()[ax];
            let w1: Vec<f64> = (0..n).map(|i| (i % 3 + 1) as f64).collect();
            let d1 = DArray::from_array(ndarray::Array1::from(w1.clone()), 2).unwrap();
            let got = x.average(&d1, &ReduceOpts::axis(ax)).compute().unwrap();
            let wfull = ArrayD::from_shape_fn(a.raw_dim(), |i| w1[i[ax]]);
            let pairs = ndarray::Zip::from(&a).and(&wfull).map_collect(|&x, &w| (x, w));
            let want = oracle(&pairs, &[ax], false, |v| {
                v.iter().map(|p| p.0 * p.1).sum::<f64>() / v.iter().map(|p| p.1).sum::<f64>()
            });
            assert_close(&got, &want, 1e-12)?;
        }
        let got = x.moment(k, &opts(axis)).compute().unwrap();
        let want = oracle(&a, &axes, false, |v| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            match k {
                0 => 1.0,
                1 => 0.0,
                _ => v.iter().map(|x| (x - m).powi(k as i32)).sum::<f64>() / v.len() as f64,
            }
        });
        assert_close(&got, &want, 1e-9)?;
    }

    #[test]
    fn cov_and_corrcoef(
        (k, n) in (1usize..5, 1usize..9),
        seed in any::<u64>(),
        rowvar in any::<bool>(),
        ddof in prop::sample::select(vec![0.0, 1.0, 2.0]),
        ck in 1usize..4,
    ) {
        let vals: Vec<f64> = (0..k * n).map(|i| ((seed.wrapping_add(i as u64 * 7919) % 1000) as f64) / 10.0 - 50.0).collect();
        let m = Array2::from_shape_vec((k, n), vals).unwrap();
        // The user's layout: rows as variables, or columns.
        let user = if rowvar { m.clone() } else { m.t().to_owned() };
        let x = DArray::from_array(user.into_dyn(), ck).unwrap();
        // One variable is squeezed to 0-d, as NumPy's.
        let square = |a: ArrayD<f64>| {
            prop_assert_eq!(a.ndim(), if k == 1 { 0 } else { 2 });
            Ok(a.into_shape_with_order(IxDyn(&[k, k])).unwrap())
        };
        let got = square(x.cov(rowvar, ddof).compute().unwrap())?;
        let mean: Vec<f64> = (0..k).map(|i| m.row(i).sum() / n as f64).collect();
        let cov = |i: usize, j: usize| -> f64 {
            let s: f64 = (0..n).map(|t| (m[[i, t]] - mean[i]) * (m[[j, t]] - mean[j])).sum();
            s / (n as f64 - ddof).max(0.0)
        };
        for i in 0..k {
            for j in 0..k {
                prop_assert!(close(got[[i, j]], cov(i, j), 1e-10), "{} vs {}", got[[i, j]], cov(i, j));
            }
        }
        let got = square(x.corrcoef(rowvar).compute().unwrap())?;
        for i in 0..k {
            for j in 0..k {
                let r = (cov(i, j) / (cov(i, i) * cov(j, j)).sqrt()).clamp(-1.0, 1.0);
                let r = if ddof >= n as f64 { f64::NAN } else { r };
                if !r.is_nan() {
                    prop_assert!(close(got[[i, j]], r, 1e-10), "{} vs {}", got[[i, j]], r);
                }
            }
        }
    }

    #[test]
    fn inner_outer_vdot(
        (sa, ca) in shape_and_chunks(3, 5),
        lens in prop::collection::vec(1usize..5, 0..2),
        seed in any::<u64>(),
    ) {
        // b's last axis matches a's for inner.
        let last = sa.last().copied();
        let mut sb = lens.clone();
        if let Some(l) = last {
            sb.push(l);
        }
        let gen = |s: &[usize], off: u64| {
            ArrayD::from_shape_fn(IxDyn(s), |i| {
                let h = i.slice().iter().fold(seed.wrapping_add(off), |h, &x| h.wrapping_mul(31).wrapping_add(x as u64));
                (h % 17) as f64 - 8.0
            })
        };
        let (a, b) = (gen(&sa, 1), gen(&sb, 2));
        let x = DArray::from_array(a.clone(), ca).unwrap();
        let y = DArray::from_array(b.clone(), 2).unwrap();
        let got = x.inner(&y).compute().unwrap();
        // out[i.., j..] = sum_k a[i.., k] * b[j.., k]; a 0-d side multiplies.
        let want = if a.ndim() == 0 {
            b.mapv(|v| v * a[[]])
        } else {
            let (ka, kb) = (a.ndim() - 1, b.ndim() - 1);
            let mut shape = a.shape()[..ka].to_vec();
            shape.extend_from_slice(&b.shape()[..kb]);
            ArrayD::from_shape_fn(IxDyn(&shape), |o| {
                let o = o.slice();
                (0..a.shape()[ka])
                    .map(|t| {
                        let mut ia = o[..ka].to_vec();
                        ia.push(t);
                        let mut ib = o[ka..].to_vec();
                        ib.push(t);
                        a[IxDyn(&ia)] * b[IxDyn(&ib)]
                    })
                    .sum()
            })
        };
        assert_close(&got, &want, 1e-12)?;
        let o = x.outer(&y).compute().unwrap();
        let (fa, fb): (Vec<f64>, Vec<f64>) = (a.iter().cloned().collect(), b.iter().cloned().collect());
        prop_assert_eq!(o.shape(), &[fa.len(), fb.len()]);
        for i in 0..fa.len() {
            for j in 0..fb.len() {
                prop_assert_eq!(o[[i, j]], fa[i] * fb[j]);
            }
        }
        let v = x.vdot(&x.clone()).compute().unwrap()[[]];
        prop_assert!(close(v, fa.iter().map(|x| x * x).sum(), 1e-12));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn trace_sums_the_diagonal(
        (s, c) in shape_and_chunks(4, 5).prop_filter("2-D or more", |(s, _)| s.len() >= 2),
        seed in any::<u64>(),
        offset in -4isize..5,
        pick in (0usize..4, 0usize..3),
    ) {
        let nd = s.len();
        let a1 = pick.0 % nd;
        let a2 = (a1 + 1 + pick.1 % (nd - 1)) % nd;
        let a = ArrayD::from_shape_fn(IxDyn(&s), |i| {
            (i.slice().iter().fold(seed, |h, &x| h.wrapping_mul(31).wrapping_add(x as u64)) % 19) as i32 - 9
        });
        let x = DArray::from_array(a.clone(), c).unwrap();
        let got = x.trace(offset, a1, a2).compute().unwrap();
        // out[rest] = sum_i a[.., i (axis1), .., i + offset (axis2), ..]
        let rest: Vec<usize> = (0..nd).filter(|&d| d != a1 && d != a2).collect();
        let rshape: Vec<usize> = rest.iter().map(|&d| s[d]).collect();
        let want = ArrayD::from_shape_fn(IxDyn(&rshape), |o| {
            let mut sum = 0i64;
            for i in 0..s[a1] as isize {
                let j = i + offset;
                if j < 0 || j >= s[a2] as isize {
                    continue;
                }
                let mut idx = vec![0; nd];
                for (k, &d) in rest.iter().enumerate() {
                    idx[d] = o[k];
                }
                idx[a1] = i as usize;
                idx[a2] = j as usize;
                sum += a[IxDyn(&idx)] as i64;
            }
            sum
        });
        prop_assert_eq!(got, want);
    }
}

#[test]
fn bad_arguments_are_errors() {
    let x = DArray::<f64>::ones([3, 4], 2).unwrap();
    let w = DArray::<f64>::ones([5], 2).unwrap();
    assert!(x.average(&w, &ReduceOpts::axis(1)).compute().is_err());
    assert!(x.average(&w, &ReduceOpts::all()).compute().is_err());
    // np.cov of float32 is float64; one row squeezes: np.cov([[1., 2., 4.]]) == 2.333...
    let one: DArray<f64> = DArray::from_array(ndarray::arr2(&[[1.0f32, 2.0, 4.0]]), 2).unwrap().cov(true, 1.0);
    assert_eq!(one.shape(), &[] as &[usize]);
    assert!((one.compute().unwrap()[[]] - 7.0 / 3.0).abs() < 1e-15);
    let cube = DArray::<f64>::ones([2, 2, 2], 2).unwrap();
    let e = cube.cov(true, 1.0).compute().unwrap_err().to_string();
    assert!(e.contains("cov") && e.contains("3-D"), "{e}");
    assert!(x.vdot(&w).compute().is_err());
    assert!(DArray::<f64>::ones([0], 1).unwrap().nanargmin().compute().is_err());
    assert!(DArray::<f64>::ones([3], 1).unwrap().trace(0, 0, 1).compute().is_err());
    assert!(x.trace(0, 1, 1).compute().is_err());
    // NumPy values: np.nanargmax([nan, 2, 5]) == 2; np.argmin([1, nan, 0, nan]) == 1
    let v = DArray::from_array(ndarray::arr1(&[f64::NAN, 2.0, 5.0]), 2).unwrap();
    assert_eq!(v.nanargmax().compute().unwrap()[[]], 2);
    let v = DArray::from_array(ndarray::arr1(&[1.0, f64::NAN, 0.0, f64::NAN]), 2).unwrap();
    assert_eq!(v.argmin().compute().unwrap()[[]], 1);
    // np.ptp(np.array([-128, 127], dtype=np.int8)) == -1 (wraps)
    let i = DArray::from_array(ndarray::arr1(&[-128i8, 127]), 1).unwrap();
    assert_eq!(i.ptp().compute().unwrap()[[]], -1);
}
