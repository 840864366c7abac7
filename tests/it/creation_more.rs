//! NumPy's creation routines (`src/array/impl_creation.rs`) against oracles
//! written as plain loops from NumPy's definitions, over random shapes,
//! chunkings and element types; the random distributions: the same values
//! whatever the chunking or thread count, moments within 6 standard errors
//! (fixed seeds, sample sizes where that cannot fail by chance), their
//! support; choice and permutation; and one test per error path.

use crate::common;
use common::*;
use darray::ops::SourceOp;
use darray::{meshgrid, ChunkSpec, Config, DArray, DType, Element, Error, Indexing};
use ndarray::{arr1, arr2, ArrayD, Axis, Dimension, IxDyn};
use proptest::prelude::*;

fn cfg() -> ProptestConfig {
    ProptestConfig::with_cases(48)
}

/// Every value as f64 (integers and bools exactly).
fn as_f64<T: Element>(a: &ArrayD<T>) -> ArrayD<f64> {
    a.mapv(|v| v.el_to_f64())
}

/// Shapes of at least two axes, with a chunking.
fn matrix_like() -> impl Strategy<Value = (Vec<usize>, ChunkSpec)> {
    shape_and_chunks(4, 5).prop_filter("two or more axes", |(s, _)| s.len() >= 2)
}

/// np.tril / np.triu: element `[..., i, j]` kept where `j <= i + k`
/// (`j >= i + k`), zero elsewhere.
fn triangle_oracle<T: Clone + Default>(a: &ArrayD<T>, k: isize, lower: bool) -> ArrayD<T> {
    let nd = a.ndim();
    let mut out = a.clone();
    for (idx, v) in out.indexed_iter_mut() {
        let (i, j) = (idx[nd - 2] as isize, idx[nd - 1] as isize);
        let keep = if lower { j <= i + k } else { j >= i + k };
        if !keep {
            *v = T::default();
        }
    }
    out
}

/// np.diagonal(a, offset, axis1, axis2): the other axes in order, then the
/// diagonal `a[.., i, .., i + offset, ..]`.
fn diagonal_oracle<T: Clone>(a: &ArrayD<T>, offset: isize, axis1: usize, axis2: usize) -> ArrayD<T> {
    let nd = a.ndim();
    let (n1, n2) = (a.shape()[axis1] as isize, a.shape()[axis2] as isize);
    let (i0, j0) = if offset >= 0 { (0, offset) } else { (-offset, 0) };
    let len = (n1 - i0).min(n2 - j0).max(0) as usize;
    let others: Vec<usize> = (0..nd).filter(|&d| d != axis1 && d != axis2).collect();
    let mut shape: Vec<usize> = others.iter().map(|&d| a.shape()[d]).collect();
    shape.push(len);
    let mut vals = vec![];
    for out in ndarray::indices(IxDyn(&shape)) {
        let out = out.slice().to_vec();
        let t = out[nd - 2] as isize;
        let mut idx = vec![0usize; nd];
        for (k, &d) in others.iter().enumerate() {
            idx[d] = out[k];
        }
        idx[axis1] = (i0 + t) as usize;
        idx[axis2] = (j0 + t) as usize;
        vals.push(a[IxDyn(&idx)].clone());
    }
    ArrayD::from_shape_vec(IxDyn(&shape), vals).unwrap()
}

/// np.linspace then np.logspace's `base ** y`, as plain loops.
fn linspace_oracle(start: f64, stop: f64, num: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let step = if div > 0 { (stop - start) / div as f64 } else { 0.0 };
    let mut y: Vec<f64> = (0..num).map(|i| start + i as f64 * step).collect();
    if endpoint && num > 1 {
        y[num - 1] = stop;
    }
    y
}

fn values_of<T: Element>(a: DArray<T>) -> Vec<T> {
    a.compute().unwrap().into_raw_vec_and_offset().0
}

fn close_all(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w, tol), "got {got:?}\nwant {want:?}");
    }
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn eye_and_tri_follow_numpy(n in 0usize..8, m in 0usize..8, k in -9isize..9, c in 1usize..5, square in any::<bool>()) {
        let mm = if square { None } else { Some(m) };
        let m = mm.unwrap_or(n);
        let eye = ArrayD::from_shape_fn(IxDyn(&[n, m]), |i| if i[1] as isize - i[0] as isize == k { 1.0 } else { 0.0 });
        let tri = ArrayD::from_shape_fn(IxDyn(&[n, m]), |i| if i[1] as isize <= i[0] as isize + k { 1.0 } else { 0.0 });
        prop_assert_eq!(DArray::<f64>::eye(n, mm, k, c).unwrap().compute().unwrap(), eye.clone());
        prop_assert_eq!(as_f64(&DArray::<i32>::eye(n, mm, k, c).unwrap().compute().unwrap()), eye.clone());
        prop_assert_eq!(as_f64(&DArray::<u8>::eye(n, mm, k, c).unwrap().compute().unwrap()), eye);
        prop_assert_eq!(DArray::<f32>::tri(n, mm, k, c).unwrap().compute().unwrap().mapv(|v| v as f64), tri.clone());
        prop_assert_eq!(as_f64(&DArray::<i64>::tri(n, mm, k, c).unwrap().compute().unwrap()), tri.clone());
        prop_assert_eq!(as_f64(&DArray::<u16>::tri(n, mm, k, c).unwrap().compute().unwrap()), tri);
        let id = DArray::<i8>::identity(n, c).unwrap();
        prop_assert_eq!(id.chunks()[0].iter().max().copied().unwrap_or(0) <= c, true);
        prop_assert_eq!(as_f64(&id.compute().unwrap()), ArrayD::from_shape_fn(IxDyn(&[n, n]), |i| (i[0] == i[1]) as u8 as f64));
    }

    #[test]
    fn tril_and_triu_follow_numpy(
        (a, c) in matrix_like().prop_flat_map(|(s, c)| (values(&s, float(true)), Just(c))),
        k in -6isize..6,
    ) {
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        assert_close(&x.tril(k).compute().unwrap(), &triangle_oracle(&a, k, true), 0.0)?;
        assert_close(&x.triu(k).compute().unwrap(), &triangle_oracle(&a, k, false), 0.0)?;
        let l = x.tril(k);
        prop_assert_eq!(l.chunks(), x.chunks());
        let i = a.mapv(|v| if v.is_nan() { -7 } else { v as i32 });
        let xi = DArray::from_array(i.clone(), c.clone()).unwrap();
        prop_assert_eq!(xi.tril(k).compute().unwrap(), triangle_oracle(&i, k, true));
        prop_assert_eq!(xi.triu(k).compute().unwrap(), triangle_oracle(&i, k, false));
        let u = a.mapv(|v| if v.is_nan() { 200u8 } else { v.abs() as u8 });
        let xu = DArray::from_array(u.clone(), c.clone()).unwrap();
        prop_assert_eq!(xu.triu(k).compute().unwrap(), triangle_oracle(&u, k, false));
        let b = a.mapv(|v| v > 0.0);
        let xb = DArray::from_array(b.clone(), c).unwrap();
        prop_assert_eq!(xb.tril(k).compute().unwrap(), triangle_oracle(&b, k, true));
    }

    #[test]
    fn diagonal_follows_numpy(
        (a, c) in matrix_like().prop_flat_map(|(s, c)| (values(&s, float(true)), Just(c))),
        axes in (0usize..4, 0usize..4),
        offset in -6isize..6,
    ) {
        let nd = a.ndim();
        let (a1, a2) = (axes.0 % nd, axes.1 % nd);
        prop_assume!(a1 != a2);
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        let d = x.diagonal(offset, a1, a2);
        assert_close(&d.compute().unwrap(), &diagonal_oracle(&a, offset, a1, a2), 0.0)?;
        let i = a.mapv(|v| if v.is_nan() { i64::MIN } else { (v * 1000.0) as i64 });
        let xi = DArray::from_array(i.clone(), c.clone()).unwrap();
        prop_assert_eq!(xi.diagonal(offset, a1, a2).compute().unwrap(), diagonal_oracle(&i, offset, a1, a2));
        let u = a.mapv(|v| if v.is_nan() { 1u32 } else { v.abs() as u32 });
        let xu = DArray::from_array(u.clone(), c).unwrap();
        prop_assert_eq!(xu.diagonal(offset, a1, a2).compute().unwrap(), diagonal_oracle(&u, offset, a1, a2));
        let b = a.mapv(|v| v > 0.0);
        let xb = DArray::from_array(b.clone(), x.chunks().to_vec()).unwrap();
        prop_assert_eq!(xb.diagonal(offset, a1, a2).compute().unwrap(), diagonal_oracle(&b, offset, a1, a2));
        if nd == 2 && a1 == 0 && a2 == 1 {
            prop_assert_eq!(xi.diag(offset).compute().unwrap(), diagonal_oracle(&i, offset, 0, 1));
        }
    }

    #[test]
    fn diag_of_a_vector_follows_numpy(
        (v, c) in (0usize..8).prop_flat_map(|n| (values(&[n], float(true)), chunking(vec![n]))),
        k in -5isize..5,
    ) {
        // np.diag(v, k): N = len(v) + |k|, out[i, i + k] = v[i] (k >= 0),
        // out[i - k, i] = v[i] (k < 0).
        let n = v.len() + k.unsigned_abs();
        let oracle = |v: &[f64]| {
            let mut out = ArrayD::zeros(IxDyn(&[n, n]));
            for (i, &x) in v.iter().enumerate() {
                let (r, col) = if k >= 0 { (i, i + k as usize) } else { (i + k.unsigned_abs(), i) };
                out[[r, col]] = x;
            }
            out
        };
        let vals = v.as_slice().unwrap().to_vec();
        let x = DArray::from_array(v.clone(), c.clone()).unwrap();
        let m = x.diag(k);
        assert_close(&m.compute().unwrap(), &oracle(&vals), 0.0)?;
        let u = v.mapv(|x| if x.is_nan() { 9u8 } else { x.abs() as u8 });
        let xu = DArray::from_array(u.clone(), c.clone()).unwrap();
        let want = oracle(&u.iter().map(|&x| x as f64).collect::<Vec<_>>());
        prop_assert_eq!(as_f64(&xu.diag(k).compute().unwrap()), want);
        let i = v.mapv(|x| if x.is_nan() { -3i64 } else { x as i64 });
        let xi = DArray::from_array(i.clone(), c.clone()).unwrap();
        let want = oracle(&i.iter().map(|&x| x as f64).collect::<Vec<_>>());
        prop_assert_eq!(as_f64(&xi.diag(k).compute().unwrap()), want);
        let b = v.mapv(|x| x > 0.0);
        let xb = DArray::from_array(b.clone(), c).unwrap();
        let want = oracle(&b.iter().map(|&x| x as u8 as f64).collect::<Vec<_>>());
        prop_assert_eq!(as_f64(&xb.diag(k).compute().unwrap()), want);
        // And back: the k-th diagonal of diag(v, k) is v.
        assert_close(&m.diag(k).compute().unwrap(), &v, 0.0)?;
    }

    #[test]
    fn indices_follow_numpy((s, c) in shape_and_chunks(3, 5)) {
        let nd = s.len();
        let mut full = vec![nd];
        full.extend(&s);
        let want = if nd == 0 {
            ArrayD::zeros(IxDyn(&[0]))
        } else {
            ArrayD::from_shape_fn(IxDyn(&full), |i| i[1 + i[0]] as f64)
        };
        let g = DArray::<i64>::indices(&s, c.clone()).unwrap();
        prop_assert_eq!(g.shape(), want.shape());
        prop_assert_eq!(as_f64(&g.compute().unwrap()), want.clone());
        prop_assert_eq!(as_f64(&DArray::<u8>::indices(&s, c.clone()).unwrap().compute().unwrap()), want.clone());
        prop_assert_eq!(DArray::<f32>::indices(&s, c).unwrap().compute().unwrap().mapv(|v| v as f64), want);
    }

    #[test]
    fn meshgrid_follows_numpy(
        xs in prop::collection::vec((0usize..5).prop_flat_map(|n| (values(&[n], -50i32..50), chunking(vec![n]))), 0..4),
        ij in any::<bool>(),
    ) {
        let arrays: Vec<DArray<i32>> = xs.iter().map(|(v, c)| DArray::from_array(v.clone(), c.clone()).unwrap()).collect();
        let indexing = if ij { Indexing::Ij } else { Indexing::Xy };
        let grids = meshgrid(&arrays, indexing);
        prop_assert_eq!(grids.len(), xs.len());
        // NumPy: with 'xy' the first two output axes are swapped.
        let n = xs.len();
        let axis_of = |k: usize| if !ij && n >= 2 && k < 2 { 1 - k } else { k };
        let mut shape = vec![0; n];
        for (k, (v, _)) in xs.iter().enumerate() {
            shape[axis_of(k)] = v.len();
        }
        for (k, g) in grids.iter().enumerate() {
            let want = ArrayD::from_shape_fn(IxDyn(&shape), |i| xs[k].0[[i[axis_of(k)]]]);
            prop_assert_eq!(g.compute().unwrap(), want);
            prop_assert_eq!(&g.chunks()[axis_of(k)], &arrays[k].chunks()[0]);
        }
    }

    #[test]
    fn like_constructors_keep_shape_and_chunks((s, c) in shape_and_chunks(4, 6), v in -9i16..9) {
        let a = DArray::<f64>::from_fn(&s, c.clone(), |i| i.iter().sum::<usize>() as f64).unwrap();
        let z = DArray::zeros_like(&a).unwrap();
        prop_assert_eq!((z.shape(), z.chunks()), (a.shape(), a.chunks()));
        prop_assert_eq!(z.compute().unwrap(), ArrayD::<f64>::zeros(IxDyn(&s)));
        prop_assert_eq!(DArray::ones_like(&a).unwrap().compute().unwrap(), ArrayD::<f64>::ones(IxDyn(&s)));
        prop_assert_eq!(DArray::empty_like(&a).unwrap().compute().unwrap(), ArrayD::<f64>::zeros(IxDyn(&s)));
        let i = DArray::<i16>::zeros(&s, c.clone()).unwrap();
        let f = DArray::full_like(&i, v).unwrap();
        prop_assert_eq!(f.chunks(), i.chunks());
        prop_assert_eq!(f.compute().unwrap(), ArrayD::from_elem(IxDyn(&s), v));
        let u = DArray::<u32>::ones(&s, c.clone()).unwrap();
        prop_assert_eq!(DArray::ones_like(&u).unwrap().compute().unwrap(), ArrayD::<u32>::ones(IxDyn(&s)));
        let b = DArray::<bool>::full(&s, false, c).unwrap();
        let t = DArray::full_like(&b, true).unwrap();
        prop_assert_eq!(t.chunks(), b.chunks());
        prop_assert_eq!(t.compute().unwrap(), ArrayD::from_elem(IxDyn(&s), true));
    }

    #[test]
    fn logspace_and_geomspace_follow_numpy(
        start in -4.0..4.0f64, stop in -4.0..4.0f64, num in 0usize..12, endpoint in any::<bool>(),
        base in 0.5..10.0f64, chunk in 1usize..5, mags in (1e-3..1e3f64, 1e-3..1e3f64), negative in any::<bool>(),
    ) {
        let y = linspace_oracle(start, stop, num, endpoint);
        let want: Vec<f64> = y.iter().map(|&e| base.powf(e)).collect();
        close_all(&values_of(DArray::<f64>::logspace(start, stop, num, endpoint, base, chunk).unwrap()), &want, 1e-12);
        let got32 = values_of(DArray::<f32>::logspace(start as f32, stop as f32, num, endpoint, base as f32, chunk).unwrap());
        close_all(&got32.iter().map(|&v| v as f64).collect::<Vec<_>>(), &want, 1e-4);
        // np.geomspace: sign * 10 ** linspace(log10 |start|, log10 |stop|),
        // the ends set to start and stop exactly.
        let sign = if negative { -1.0 } else { 1.0 };
        let (s, e) = mags;
        let mut want: Vec<f64> = linspace_oracle(s.log10(), e.log10(), num, endpoint).iter().map(|&y| 10f64.powf(y)).collect();
        if num > 0 {
            want[0] = s;
            if endpoint && num > 1 {
                want[num - 1] = e;
            }
        }
        let want: Vec<f64> = want.iter().map(|v| v * sign).collect();
        let got = values_of(DArray::<f64>::geomspace(sign * s, sign * e, num, endpoint, chunk).unwrap());
        close_all(&got, &want, 1e-12);
        if num > 0 {
            prop_assert_eq!(got[0], sign * s);
        }
        if endpoint && num > 1 {
            prop_assert_eq!(got[num - 1], sign * e);
        }
    }
}

#[test]
fn numpy_documented_values() {
    // np.eye(2, dtype=int), np.eye(3, k=1)
    assert_eq!(DArray::<i64>::eye(2, None, 0, 1).unwrap().compute().unwrap(), arr2(&[[1, 0], [0, 1]]).into_dyn());
    let e = DArray::<f64>::eye(3, None, 1, 2).unwrap().compute().unwrap();
    assert_eq!(e, arr2(&[[0., 1., 0.], [0., 0., 1.], [0., 0., 0.]]).into_dyn());
    // np.tri(3, 5, 2, dtype=int), np.tri(3, 5, -1)
    let t = DArray::<i32>::tri(3, Some(5), 2, 2).unwrap().compute().unwrap();
    assert_eq!(t, arr2(&[[1, 1, 1, 0, 0], [1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]).into_dyn());
    let t = DArray::<f64>::tri(3, Some(5), -1, 4).unwrap().compute().unwrap();
    assert_eq!(t, arr2(&[[0., 0., 0., 0., 0.], [1., 0., 0., 0., 0.], [1., 1., 0., 0., 0.]]).into_dyn());
    // np.tril / np.triu of [[1,2,3],[4,5,6],[7,8,9],[10,11,12]] with k=-1
    let m = DArray::from_array(arr2(&[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]), [3, 2]).unwrap();
    assert_eq!(m.tril(-1).compute().unwrap(), arr2(&[[0, 0, 0], [4, 0, 0], [7, 8, 0], [10, 11, 12]]).into_dyn());
    assert_eq!(m.triu(-1).compute().unwrap(), arr2(&[[1, 2, 3], [4, 5, 6], [0, 8, 9], [0, 0, 12]]).into_dyn());
    // x = np.arange(9).reshape((3,3)): np.diag(x), k=1, k=-1, np.diag(np.diag(x))
    let x = DArray::arange(0i64, 9, 1, 4).unwrap().reshape([3, 3]);
    assert_eq!(x.diag(0).compute().unwrap(), arr1(&[0, 4, 8]).into_dyn());
    assert_eq!(x.diag(1).compute().unwrap(), arr1(&[1, 5]).into_dyn());
    assert_eq!(x.diag(-1).compute().unwrap(), arr1(&[3, 7]).into_dyn());
    assert_eq!(x.diag(0).diag(0).compute().unwrap(), arr2(&[[0, 0, 0], [0, 4, 0], [0, 0, 8]]).into_dyn());
    // a = np.arange(8).reshape(2,2,2); a.diagonal(0, 0, 1) == [[0,6],[1,7]]
    let a = DArray::arange(0i32, 8, 1, 3).unwrap().reshape([2, 2, 2]);
    assert_eq!(a.diagonal(0, 0, 1).compute().unwrap(), arr2(&[[0, 6], [1, 7]]).into_dyn());
    // np.meshgrid(np.linspace(0, 1, 3), np.linspace(0, 1, 2))
    let gx = DArray::<f64>::linspace(0.0, 1.0, 3, true, 2).unwrap();
    let gy = DArray::<f64>::linspace(0.0, 1.0, 2, true, 1).unwrap();
    let g = meshgrid(&[gx, gy], Indexing::default());
    assert_eq!(g[0].compute().unwrap(), arr2(&[[0., 0.5, 1.], [0., 0.5, 1.]]).into_dyn());
    assert_eq!(g[1].compute().unwrap(), arr2(&[[0., 0., 0.], [1., 1., 1.]]).into_dyn());
    // np.logspace(2.0, 3.0, num=4), endpoint=False
    let l = values_of(DArray::<f64>::logspace(2.0, 3.0, 4, true, 10.0, 3).unwrap());
    close_all(&l, &[100., 215.443469, 464.15888336, 1000.], 1e-8);
    let l = values_of(DArray::<f64>::logspace(2.0, 3.0, 4, false, 10.0, 3).unwrap());
    close_all(&l, &[100., 177.827941, 316.22776602, 562.34132519], 1e-8);
    // np.geomspace(1, 1000, num=4), num=3 endpoint=False, num=4 endpoint=False
    let g = values_of(DArray::<f64>::geomspace(1.0, 1000.0, 4, true, 2).unwrap());
    close_all(&g, &[1., 10., 100., 1000.], 1e-12);
    let g = values_of(DArray::<f64>::geomspace(1.0, 1000.0, 3, false, 2).unwrap());
    close_all(&g, &[1., 10., 100.], 1e-12);
    let g = values_of(DArray::<f64>::geomspace(1.0, 1000.0, 4, false, 2).unwrap());
    close_all(&g, &[1., 5.62341325, 31.6227766, 177.827941], 1e-8);
}

#[test]
fn diag_of_a_long_vector_keeps_blocks_bounded() {
    // One chunk of 10^5: the square would be a single 80 GB block.
    let v = DArray::<f64>::ones([100_000], 100_000).unwrap();
    let m = v.diag(3);
    assert_eq!(m.shape(), &[100_003, 100_003]);
    let biggest = |c: &[usize]| c.iter().copied().max().unwrap();
    assert!(biggest(&m.chunks()[0]) * biggest(&m.chunks()[1]) * 8 <= darray::DEFAULT_CHUNK_BYTES);
}

#[test]
fn diagonal_reads_only_the_blocks_it_crosses() {
    // A 100 x 100 grid of blocks: the diagonal crosses 100 of them.
    let x = DArray::<f64>::from_fn([1000, 1000], [10, 10], |i| (i[0] * 1000 + i[1]) as f64).unwrap();
    let d = x.diagonal(0, 0, 1);
    let g = d.graph().unwrap();
    assert!(g.len() < 1000, "{} tasks", g.len());
    let want: Vec<f64> = (0..1000).map(|i| (i * 1001) as f64).collect();
    assert_eq!(values_of(d), want);
}

// ---- random numbers ----

const N: usize = 200_000;

/// Mean and (population) variance.
fn moments(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var)
}

/// The sample mean within 6 standard errors (`sqrt(var / n)`) of `mean`
/// and the sample variance within 6 of its own (`sqrt((mu4 - var^2) / n)`,
/// `mu4` the fourth central moment, plus the mean's error squared): a
/// correct generator fails either with probability below 1e-8.
fn assert_moments(name: &str, xs: &[f64], mean: f64, var: f64, mu4: f64) {
    let n = xs.len() as f64;
    let (m, v) = moments(xs);
    let se_m = (var / n).sqrt();
    let se_v = ((mu4 - var * var) / n).sqrt();
    assert!((m - mean).abs() <= 6.0 * se_m, "{name}: mean {m}, want {mean} +- {}", 6.0 * se_m);
    // The sample variance is the mean square about the true mean (within
    // 6 se_v) less the squared error of the sample mean (below (6 se_m)^2).
    let tol = 6.0 * se_v + 36.0 * se_m * se_m;
    assert!((v - var).abs() <= tol, "{name}: variance {v}, want {var} +- {tol}");
}

/// The share of `xs` equal to `x` within 6 standard errors of `p`.
fn assert_frequency(name: &str, xs: &[f64], x: f64, p: f64) {
    let n = xs.len() as f64;
    let f = xs.iter().filter(|&&v| v == x).count() as f64 / n;
    let se = (p * (1.0 - p) / n).sqrt();
    assert!((f - p).abs() <= 6.0 * se, "{name}: P(X = {x}) = {f}, want {p} +- {}", 6.0 * se);
}

fn sample<T: Element>(a: DArray<T>) -> Vec<f64> {
    a.compute().unwrap().iter().map(|v| v.el_to_f64()).collect()
}

/// The same array computed on other chunkings and thread counts gives the
/// same values, bit for bit.
fn assert_chunking_free<T: Element>(make: impl Fn(ChunkSpec) -> DArray<T>) {
    let base = make(ChunkSpec::Shape(vec![37, 23])).compute().unwrap();
    for c in [vec![5, 7], vec![1, 23], vec![37, 1], vec![16, 16]] {
        let a = make(ChunkSpec::Shape(c.clone()));
        for threads in [1, 2] {
            let (got, _) = a.compute_with(&Config::default().threads(threads)).unwrap();
            assert!(
                got.iter().zip(base.iter()).all(|(g, b)| g.el_bits() == b.el_bits()),
                "chunks {c:?}, {threads} threads"
            );
        }
        let (got, _) =
            make(ChunkSpec::Shape(c.clone())).rechunk([37, 23]).compute_with(&Config::default().threads(2)).unwrap();
        assert_eq!(got, base, "chunks {c:?} then rechunked");
    }
}

#[test]
fn random_values_do_not_depend_on_chunking_or_threads() {
    let s = [37, 23];
    assert_chunking_free(|c| DArray::<f64>::random_standard_normal(s, c, 1).unwrap());
    assert_chunking_free(|c| DArray::<f64>::random_exponential(s, c, 2.0, 2).unwrap());
    assert_chunking_free(|c| DArray::<f32>::random_exponential(s, c, 0.5, 2).unwrap());
    assert_chunking_free(|c| DArray::<f64>::random_gamma(s, c, 0.3, 2.0, 3).unwrap());
    assert_chunking_free(|c| DArray::<f32>::random_gamma(s, c, 7.5, 1.0, 3).unwrap());
    assert_chunking_free(|c| DArray::<i64>::random_integers(s, c, -5, 1 << 40, false, 4).unwrap());
    assert_chunking_free(|c| DArray::<u8>::random_integers(s, c, 0, 255, true, 4).unwrap());
    assert_chunking_free(|c| DArray::<i32>::random_poisson(s, c, 2.5, 5).unwrap());
    assert_chunking_free(|c| DArray::<u64>::random_poisson(s, c, 500.0, 5).unwrap());
    assert_chunking_free(|c| DArray::<i16>::random_binomial(s, c, 30, 0.2, 6).unwrap());
    assert_chunking_free(|c| DArray::<u32>::random_binomial(s, c, 100_000, 0.7, 6).unwrap());
    // Another seed gives other values.
    let a = sample(DArray::<f64>::random_gamma([100], 10, 2.0, 1.0, 1).unwrap());
    let b = sample(DArray::<f64>::random_gamma([100], 10, 2.0, 1.0, 2).unwrap());
    assert_ne!(a, b);
}

proptest! {
    #![proptest_config(cfg())]

    /// Any shape and chunking gives the values of one block.
    #[test]
    fn random_values_on_random_chunkings((s, c) in shape_and_chunks(3, 12), seed in 0u64..1000) {
        let one = |s: &[usize]| ChunkSpec::Shape(s.iter().map(|&n| n.max(1)).collect());
        prop_assert_eq!(
            DArray::<f64>::random_gamma(&s, c.clone(), 1.5, 2.0, seed).unwrap().compute().unwrap(),
            DArray::<f64>::random_gamma(&s, one(&s), 1.5, 2.0, seed).unwrap().compute().unwrap()
        );
        prop_assert_eq!(
            DArray::<i8>::random_integers(&s, c.clone(), -100, 100, true, seed).unwrap().compute().unwrap(),
            DArray::<i8>::random_integers(&s, one(&s), -100, 100, true, seed).unwrap().compute().unwrap()
        );
        prop_assert_eq!(
            DArray::<u16>::random_poisson(&s, c.clone(), 30.0, seed).unwrap().compute().unwrap(),
            DArray::<u16>::random_poisson(&s, one(&s), 30.0, seed).unwrap().compute().unwrap()
        );
        prop_assert_eq!(
            DArray::<i64>::random_binomial(&s, c, 200, 0.5, seed).unwrap().compute().unwrap(),
            DArray::<i64>::random_binomial(&s, one(&s), 200, 0.5, seed).unwrap().compute().unwrap()
        );
    }
}

#[test]
fn continuous_distributions_have_their_moments_and_support() {
    let x = sample(DArray::<f64>::random_standard_normal([N], 10_000, 11).unwrap());
    assert_moments("standard_normal", &x, 0.0, 1.0, 3.0);
    for (scale, seed) in [(1.0, 12), (2.5, 13)] {
        let x = sample(DArray::<f64>::random_exponential([N], 10_000, scale, seed).unwrap());
        assert!(x.iter().all(|&v| v >= 0.0 && v.is_finite()));
        let s4 = scale * scale * scale * scale;
        assert_moments("exponential", &x, scale, scale * scale, 9.0 * s4);
    }
    // Gamma(k, theta): mean k theta, variance k theta^2, mu4 3k(k + 2) theta^4.
    for (k, theta, seed) in [(0.5, 2.0, 14), (1.0, 1.0, 15), (3.0, 1.5, 16), (20.0, 0.1, 17), (0.05, 1.0, 18)] {
        let x = sample(DArray::<f64>::random_gamma([N], 10_000, k, theta, seed).unwrap());
        assert!(x.iter().all(|&v| v >= 0.0 && v.is_finite()), "gamma({k}, {theta})");
        let t4 = theta * theta * theta * theta;
        assert_moments(&format!("gamma({k}, {theta})"), &x, k * theta, k * theta * theta, 3.0 * k * (k + 2.0) * t4);
    }
    let x = sample(DArray::<f32>::random_gamma([N], 10_000, 4.0, 1.0, 19).unwrap());
    assert_moments("gamma f32", &x, 4.0, 4.0, 3.0 * 4.0 * 6.0);
    // Shape 0 gives zeros, as NumPy's.
    assert!(sample(DArray::<f64>::random_gamma([100], 10, 0.0, 1.0, 1).unwrap()).iter().all(|&v| v == 0.0));
}

#[test]
fn discrete_distributions_have_their_moments_and_support() {
    // Poisson(lam): mean = variance = lam, mu4 = lam (1 + 3 lam).
    for (lam, seed) in [(0.5, 21), (3.5, 22), (9.99, 23), (10.0, 24), (42.0, 25), (1000.0, 26)] {
        let x = sample(DArray::<i64>::random_poisson([N], 10_000, lam, seed).unwrap());
        assert!(x.iter().all(|&v| v >= 0.0), "poisson({lam})");
        assert_moments(&format!("poisson({lam})"), &x, lam, lam, lam * (1.0 + 3.0 * lam));
        assert_frequency(&format!("poisson({lam})"), &x, 0.0, (-lam).exp());
    }
    assert!(sample(DArray::<u8>::random_poisson([100], 10, 0.0, 1).unwrap()).iter().all(|&v| v == 0.0));
    // Binomial(n, p): mean np, variance npq, mu4 npq (1 + 3 (n - 2) pq).
    for (n, p, seed) in
        [(20u64, 0.3, 31), (1, 0.5, 32), (1000, 0.4, 33), (500, 0.9, 34), (100_000, 0.5, 35), (61, 0.6, 36)]
    {
        let x = sample(DArray::<i64>::random_binomial([N], 10_000, n, p, seed).unwrap());
        assert!(x.iter().all(|&v| v >= 0.0 && v <= n as f64), "binomial({n}, {p})");
        let (nf, q) = (n as f64, 1.0 - p);
        let var = nf * p * q;
        assert_moments(&format!("binomial({n}, {p})"), &x, nf * p, var, var * (1.0 + 3.0 * (nf - 2.0) * p * q));
        assert_frequency(&format!("binomial({n}, {p})"), &x, 0.0, q.powf(nf));
    }
    assert!(sample(DArray::<u8>::random_binomial([50], 10, 200, 1.0, 1).unwrap()).iter().all(|&v| v == 200.0));
    assert!(sample(DArray::<u8>::random_binomial([50], 10, 200, 0.0, 1).unwrap()).iter().all(|&v| v == 0.0));
}

#[test]
fn integers_are_uniform_over_their_range() {
    // Uniform on m consecutive integers: variance (m^2 - 1) / 12, mu4
    // (m^2 - 1)(3 m^2 - 7) / 240.
    let check = |name: &str, x: &[f64], lo: f64, hi: f64| {
        assert!(x.iter().all(|&v| v >= lo && v <= hi), "{name}: outside [{lo}, {hi}]");
        let m = hi - lo + 1.0;
        let m2 = m * m;
        assert_moments(name, x, (lo + hi) / 2.0, (m2 - 1.0) / 12.0, (m2 - 1.0) * (3.0 * m2 - 7.0) / 240.0);
    };
    let x = sample(DArray::<i32>::random_integers([N], 10_000, -3, 4, false, 41).unwrap());
    check("[-3, 4)", &x, -3.0, 3.0);
    for v in -3..4 {
        assert_frequency("[-3, 4)", &x, v as f64, 1.0 / 7.0);
    }
    let x = sample(DArray::<i8>::random_integers([N], 10_000, i8::MIN, i8::MAX, true, 42).unwrap());
    check("i8", &x, -128.0, 127.0);
    let seen: std::collections::HashSet<i64> = x.iter().map(|&v| v as i64).collect();
    assert_eq!(seen.len(), 256);
    let x = sample(DArray::<u8>::random_integers([N], 10_000, 250, 255, false, 43).unwrap());
    check("[250, 255)", &x, 250.0, 254.0);
    let x =
        sample(DArray::<i64>::random_integers([N], 10_000, -1_000_000_000_000, 1_000_000_000_000, true, 44).unwrap());
    check("i64", &x, -1e12, 1e12);
    // The whole u64 range (no rejection): half the values have the top bit.
    let x = DArray::<u64>::random_integers([N], 10_000, 0, u64::MAX, true, 45).unwrap().compute().unwrap();
    let top = x.iter().map(|&v| (v >> 63) as f64).collect::<Vec<_>>();
    assert_frequency("u64 top bit", &top, 1.0, 0.5);
    let x = sample(DArray::<u64>::random_integers([10], 10, 7, 8, false, 46).unwrap());
    assert!(x.iter().all(|&v| v == 7.0));
}

#[test]
fn random_ops_are_data() {
    let names: std::collections::HashSet<String> =
        DType::ALL.iter().flat_map(|&t| SourceOp::builtins_for(t)).map(|op| op.name().to_string()).collect();
    for want in ["random_exponential", "random_gamma", "random_poisson", "random_binomial", "random_integers"] {
        assert!(names.contains(want), "no sample of {want}");
    }
    for &t in DType::ALL {
        for op in SourceOp::builtins_for(t) {
            let text = serde_json::to_string(&op).unwrap();
            assert_eq!(serde_json::from_str::<SourceOp>(&text).unwrap(), op, "{text}");
        }
    }
    let g = |k: f64, s: u64| DArray::<f64>::random_gamma([10], 5, k, 1.0, s).unwrap().token();
    assert_eq!(g(2.0, 1), g(2.0, 1));
    let tokens = [
        g(2.0, 1),
        g(2.0, 2),
        g(3.0, 1),
        DArray::<f64>::random_exponential([10], 5, 2.0, 1).unwrap().token(),
        DArray::<i64>::random_poisson([10], 5, 2.0, 1).unwrap().token(),
        DArray::<i64>::random_binomial([10], 5, 2, 0.5, 1).unwrap().token(),
        DArray::<i64>::random_integers([10], 5, 0, 2, false, 1).unwrap().token(),
        DArray::<i64>::random_integers([10], 5, 0, 2, true, 1).unwrap().token(),
        DArray::<i32>::random_integers([10], 5, 0, 2, false, 1).unwrap().token(),
    ];
    let set: std::collections::HashSet<u64> = tokens.iter().copied().collect();
    assert_eq!(set.len(), tokens.len());
    // The built graph is data: it serialises.
    // The built graphs are data: built-in ops only, so they serialise.
    let x = DArray::<u32>::random_binomial([40], 7, 50, 0.5, 3).unwrap();
    assert!(x.graph().unwrap().to_spec().is_ok());
    let m = DArray::<f64>::random_gamma([9, 8], [4, 3], 2.0, 1.0, 1).unwrap();
    let built = [
        DArray::<f64>::eye(5, Some(4), 1, 2).unwrap(),
        DArray::<f64>::tri(5, None, -1, 2).unwrap(),
        m.tril(1),
        m.diagonal(1, 1, 0),
        m.diagonal(0, 0, 1).diag(-2),
        m.random_permutation(4),
        m.diagonal(0, 0, 1).random_choice(20, true, 6, 2),
        DArray::<f64>::geomspace(2.0, 64.0, 6, true, 4).unwrap(),
        meshgrid(&[m.diagonal(0, 0, 1), m.diagonal(1, 0, 1)], Indexing::Xy)[1].clone(),
        DArray::<f64>::indices([3, 4], 2).unwrap(),
    ];
    for (i, a) in built.iter().enumerate() {
        assert!(a.graph().unwrap().to_spec().is_ok(), "case {i}");
    }
}

// ---- choice and permutation ----

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn permutation_is_a_permutation_whatever_the_chunking(
        (n, c1, c2) in (0usize..40).prop_flat_map(|n| (Just(n), chunking(vec![n]), chunking(vec![n]))),
        seed in 0u64..1000,
        cols in 1usize..4,
    ) {
        let base: Vec<i64> = (0..n as i64).map(|v| v * 3 - 7).collect();
        let a = DArray::from_array(arr1(&base), c1.clone()).unwrap();
        let p = a.random_permutation(seed);
        prop_assert_eq!(p.chunks(), a.chunks());
        let got = values_of(p.clone());
        let mut sorted = got.clone();
        sorted.sort();
        prop_assert_eq!(sorted, base.clone());
        // The same order on another chunking and thread count.
        let b = DArray::from_array(arr1(&base), c2.clone()).unwrap();
        let (other, _) = b.random_permutation(seed).compute_with(&Config::default().threads(2)).unwrap();
        prop_assert_eq!(other.into_raw_vec_and_offset().0, got.clone());
        // Of a range, and of rows of a 2-D array: the same order.
        let order = values_of(DArray::random_permutation_range(n, c2, seed).unwrap());
        prop_assert_eq!(order.iter().map(|&i| base[i as usize]).collect::<Vec<_>>(), got);
        let m = ArrayD::from_shape_fn(IxDyn(&[n, cols]), |i| (i[0] * 10 + i[1]) as f32);
        let c = match c1 { ChunkSpec::Explicit(mut v) => { v.push(vec![cols]); ChunkSpec::Explicit(v) } other => other };
        let x = DArray::from_array(m.clone(), c).unwrap();
        let rows: Vec<usize> = order.iter().map(|&i| i as usize).collect();
        prop_assert_eq!(x.random_permutation(seed).compute().unwrap(), m.select(Axis(0), &rows));
    }

    #[test]
    fn choice_picks_from_the_array(
        (n, c) in (1usize..40).prop_flat_map(|n| (Just(n), chunking(vec![n]))),
        size in 0usize..60, out in 1usize..9, replace in any::<bool>(), seed in 0u64..1000,
    ) {
        let base: Vec<u16> = (0..n as u16).map(|v| v * 2 + 1).collect();
        let a = DArray::from_array(arr1(&base), c).unwrap();
        let size = if replace { size } else { size.min(n) };
        let s = a.random_choice(size, replace, out, seed);
        prop_assert_eq!(s.shape(), &[size]);
        let got = values_of(s);
        prop_assert!(got.iter().all(|v| base.contains(v)));
        if !replace {
            let distinct: std::collections::HashSet<u16> = got.iter().copied().collect();
            prop_assert_eq!(distinct.len(), size);
        }
        // The same picks on other chunkings, and as positions of a range.
        let one = DArray::from_array(arr1(&base), n).unwrap();
        prop_assert_eq!(values_of(one.random_choice(size, replace, size.max(1), seed)), got.clone());
        let pos = values_of(DArray::random_choice_range(n, size, replace, 3, seed).unwrap());
        prop_assert_eq!(pos.iter().map(|&i| base[i as usize]).collect::<Vec<_>>(), got);
    }
}

#[test]
fn choice_and_permutation_are_uniform() {
    // With replacement: each of 5 values a fifth of the time.
    let x = sample(DArray::random_choice_range(5, N, true, 10_000, 51).unwrap());
    for v in 0..5 {
        assert_frequency("choice(5)", &x, v as f64, 0.2);
    }
    // A permutation of 4 puts each value first a quarter of the time
    // (over seeds), and a sample without replacement of 2 of 4 each value
    // half the time.
    let firsts: Vec<f64> =
        (0..2000).map(|s| values_of(DArray::random_permutation_range(4, 4, s).unwrap())[0] as f64).collect();
    let pairs: Vec<f64> = (0..2000)
        .flat_map(|s| values_of(DArray::random_choice_range(4, 2, false, 2, 10_000 + s).unwrap()))
        .map(|v| v as f64)
        .collect();
    for v in 0..4 {
        assert_frequency("permutation(4)[0]", &firsts, v as f64, 0.25);
        assert_frequency("choice(4, 2, replace=False)", &pairs, v as f64, 0.25);
    }
    // A large sample of a larger range without replacement (the sparse
    // shuffle) is distinct and uniform over halves.
    let x = values_of(DArray::random_choice_range(10_000_000, 50_000, false, 5000, 52).unwrap());
    let distinct: std::collections::HashSet<i64> = x.iter().copied().collect();
    assert_eq!(distinct.len(), x.len());
    let low: Vec<f64> = x.iter().map(|&v| (v < 5_000_000) as u8 as f64).collect();
    assert_frequency("low half", &low, 1.0, 0.5);
}

// ---- errors ----

fn invalid<T: Element>(a: DArray<T>) -> bool {
    matches!(a.error(), Some(Error::Invalid(_))) && a.compute().is_err()
}

#[test]
fn bad_matrix_arguments_are_errors() {
    assert!(matches!(DArray::<f64>::eye(3, None, 0, [0, 1]), Err(Error::Chunks(_))));
    assert!(matches!(DArray::<f64>::tri(3, Some(2), 0, vec![vec![3], vec![1]]), Err(Error::Chunks(_))));
    assert!(matches!(DArray::<i32>::identity(4, [2, 2, 2]), Err(Error::Chunks(_))));
    assert!(matches!(DArray::<u8>::eye(usize::MAX / 2, None, 0, 1 << 20), Err(Error::TooLarge(_))));
    let v = DArray::<f64>::ones([4], 2).unwrap();
    assert!(invalid(v.tril(0)) && invalid(v.triu(1)));
    assert_eq!(v.tril(0).shape(), &[4]);
    let m = DArray::<i32>::ones([2, 3, 4], 2).unwrap();
    assert!(matches!(m.diagonal(0, 0, 3).error(), Some(Error::Axis { axis: 3, ndim: 3 })));
    assert!(invalid(m.diagonal(0, 1, 1)));
    assert!(invalid(v.diagonal(0, 0, 1)));
    assert!(invalid(m.diag(0)));
    assert!(invalid(DArray::<u8>::ones([], ChunkSpec::Shape(vec![])).unwrap().diag(0)));
    // An error carried in is passed on.
    let bad = m.sum_axis(7);
    assert!(matches!(bad.tril(0).error(), Some(Error::Axis { axis: 7, .. })));
    assert!(matches!(bad.diagonal(0, 0, 1).error(), Some(Error::Axis { axis: 7, .. })));
}

#[test]
fn bad_grid_and_range_arguments_are_errors() {
    assert!(matches!(DArray::<u8>::indices([300], 10), Err(Error::Invalid(_))));
    assert!(matches!(DArray::<i64>::indices([3, 3], [0, 1]), Err(Error::Chunks(_))));
    let x = DArray::<f64>::ones([3], 2).unwrap();
    let m = DArray::<f64>::ones([3, 2], 2).unwrap();
    let g = meshgrid(&[x.clone(), m], Indexing::Ij);
    assert!(g.iter().all(|a| matches!(a.error(), Some(Error::Invalid(_)))));
    assert_eq!(g[0].shape(), &[3]);
    assert!(meshgrid::<f64>(&[], Indexing::Xy).is_empty());
    let bad = x.sum_axis(3);
    assert!(DArray::zeros_like(&bad).is_err() && DArray::full_like(&bad, 1.0).is_err());
    assert!(DArray::ones_like(&bad).is_err() && DArray::empty_like(&bad).is_err());
    assert!(matches!(DArray::<f64>::geomspace(0.0, 10.0, 5, true, 2), Err(Error::Invalid(_))));
    assert!(matches!(DArray::<f64>::geomspace(1.0, -10.0, 5, true, 2), Err(Error::Invalid(_))));
    assert!(matches!(DArray::<f64>::geomspace(1.0, f64::INFINITY, 5, true, 2), Err(Error::Invalid(_))));
    assert!(matches!(DArray::<f64>::geomspace(1.0, f64::NAN, 5, true, 2), Err(Error::Invalid(_))));
    assert!(matches!(DArray::<f32>::geomspace(1.0, 2.0, 5, true, 0), Err(Error::Chunks(_))));
    assert!(matches!(DArray::<f64>::logspace(1.0, 2.0, 5, true, 10.0, 0), Err(Error::Chunks(_))));
}

#[test]
fn bad_random_arguments_are_errors() {
    let inv = |r: darray::Result<()>| matches!(r, Err(Error::Invalid(_)));
    let ok = |r: darray::Result<()>| r.is_ok();
    assert!(inv(DArray::<i32>::random_integers([3], 1, 5, 5, false, 0).map(|_| ())));
    assert!(inv(DArray::<i32>::random_integers([3], 1, 5, 4, true, 0).map(|_| ())));
    assert!(ok(DArray::<i32>::random_integers([3], 1, 5, 5, true, 0).map(|_| ())));
    assert!(inv(DArray::<f64>::random_integers([3], 1, 0.0, 4.0, false, 0).map(|_| ())));
    for scale in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(inv(DArray::<f64>::random_exponential([3], 1, scale, 0).map(|_| ())), "{scale}");
        assert!(inv(DArray::<f64>::random_gamma([3], 1, 1.0, scale, 0).map(|_| ())), "{scale}");
        assert!(inv(DArray::<f32>::random_gamma([3], 1, scale, 1.0, 0).map(|_| ())), "{scale}");
        assert!(inv(DArray::<i64>::random_poisson([3], 1, scale, 0).map(|_| ())), "{scale}");
        assert!(inv(DArray::<i64>::random_binomial([3], 1, 5, scale, 0).map(|_| ())), "{scale}");
    }
    assert!(inv(DArray::<i64>::random_binomial([3], 1, 5, 1.5, 0).map(|_| ())));
    assert!(inv(DArray::<u8>::random_binomial([3], 1, 256, 0.5, 0).map(|_| ())));
    assert!(ok(DArray::<u8>::random_binomial([3], 1, 255, 0.5, 0).map(|_| ())));
    assert!(inv(DArray::<u8>::random_poisson([3], 1, 100.0, 0).map(|_| ())));
    assert!(inv(DArray::<f64>::random_poisson([3], 1, 1.0, 0).map(|_| ())));
    assert!(inv(DArray::<f32>::random_binomial([3], 1, 2, 0.5, 0).map(|_| ())));
    assert!(matches!(DArray::<f64>::random_gamma([3], [0], 1.0, 1.0, 0), Err(Error::Chunks(_))));
}

#[test]
fn bad_choice_arguments_are_errors() {
    let a = DArray::arange(0i32, 5, 1, 2).unwrap();
    assert!(invalid(a.random_choice(6, false, 2, 0)));
    assert!(a.random_choice(6, true, 2, 0).is_valid());
    assert!(matches!(a.random_choice(3, true, [0], 0).error(), Some(Error::Chunks(_))));
    let m = DArray::<f64>::ones([2, 2], 1).unwrap();
    assert!(invalid(m.random_choice(1, true, 1, 0)));
    let empty = DArray::<u8>::zeros([0], 1).unwrap();
    assert!(invalid(empty.random_choice(1, true, 1, 0)));
    assert_eq!(values_of(empty.random_choice(0, false, 1, 0)), Vec::<u8>::new());
    assert!(invalid(DArray::<f32>::ones([], ChunkSpec::Shape(vec![])).unwrap().random_permutation(0)));
    assert!(matches!(DArray::random_choice_range(3, 4, false, 2, 0), Err(Error::Invalid(_))));
    assert!(matches!(DArray::random_choice_range(0, 1, true, 2, 0), Err(Error::Invalid(_))));
    assert!(matches!(DArray::random_permutation_range(4, [0], 0), Err(Error::Chunks(_))));
    assert!(matches!(DArray::random_choice_range(4, usize::MAX / 4, true, 1 << 20, 0), Err(Error::TooLarge(_))));
}

#[test]
fn small_integer_types_take_poisson_with_a_small_mean() {
    // lam + 40 sqrt(lam) + 10 must fit: i8 takes lam = 2, not lam = 20.
    let x = DArray::<i8>::random_poisson([1000], 100, 2.0, 7).unwrap().compute().unwrap();
    assert!(x.iter().all(|&v| v >= 0));
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / 1000.0;
    // 6 standard errors of the mean (sqrt(2 / 1000)).
    assert!((mean - 2.0).abs() < 6.0 * (2.0f64 / 1000.0).sqrt(), "{mean}");
    assert!(DArray::<i8>::random_poisson([10], 10, 0.0, 7).is_ok());
    assert!(DArray::<i8>::random_poisson([10], 10, 20.0, 7).is_err());
}
