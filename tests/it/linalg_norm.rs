//! `linalg::norm` against NumPy's definitions of `numpy.linalg.norm`,
//! written as plain loops over ndarray values (singular values from a
//! Jacobi eigenvalue iteration on the Gram matrix).

use crate::common;
use common::*;
use darray::linalg::{norm, NormOrd};
use darray::{ChunkSpec, DArray, Error};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

/// Values with exact zeros now and then (for the count of non-zeros).
fn elem() -> BoxedStrategy<f64> {
    prop_oneof![1 => Just(0.0), 4 => (-40i32..40).prop_map(|v| v as f64 / 4.0)].boxed()
}

/// `P(±inf)` is `Inf`/`NegInf` (NumPy compares `ord == inf`).
fn plain(ord: Option<NormOrd>) -> Option<NormOrd> {
    match ord {
        Some(NormOrd::P(p)) if p == f64::INFINITY => Some(NormOrd::Inf),
        Some(NormOrd::P(p)) if p == f64::NEG_INFINITY => Some(NormOrd::NegInf),
        o => o,
    }
}

/// NumPy's vector norm of the values `v`.
fn vector_oracle(v: &[f64], ord: Option<NormOrd>) -> f64 {
    let abs = v.iter().map(|x| x.abs());
    match plain(ord) {
        None | Some(NormOrd::P(2.0)) => v.iter().map(|x| x * x).sum::<f64>().sqrt(),
        Some(NormOrd::Inf) => abs.fold(f64::NEG_INFINITY, f64::max),
        Some(NormOrd::NegInf) => abs.fold(f64::INFINITY, f64::min),
        Some(NormOrd::P(0.0)) => v.iter().filter(|&&x| x != 0.0).count() as f64,
        Some(NormOrd::P(1.0)) => abs.sum(),
        Some(NormOrd::P(p)) => abs.map(|x| x.powf(p)).sum::<f64>().powf(1.0 / p),
        Some(o) => panic!("{o:?} is no vector norm"),
    }
}

/// The matrices of `a` over axes `(r, c)`, one per cell of the other axes
/// (row-major), and the shape of those axes (with `keepdims`: `r` and `c`
/// as length 1).
fn matrices(a: &ArrayD<f64>, r: usize, c: usize, keepdims: bool) -> (Vec<usize>, Vec<Vec<Vec<f64>>>) {
    let nd = a.ndim();
    let (nr, nc) = (a.shape()[r], a.shape()[c]);
    let rest: Vec<usize> = (0..nd).filter(|&d| d != r && d != c).collect();
    let cells: usize = rest.iter().map(|&d| a.shape()[d]).product();
    let mut out = vec![vec![vec![0.0; nc]; nr]; cells];
    for (idx, &v) in a.indexed_iter() {
        let mut flat = 0;
        for &d in &rest {
            flat = flat * a.shape()[d] + idx[d];
        }
        out[flat][idx[r]][idx[c]] = v;
    }
    let shape =
        (0..nd).filter_map(|d| if d == r || d == c { keepdims.then_some(1) } else { Some(a.shape()[d]) }).collect();
    (shape, out)
}

/// Singular values (decreasing) of `m` (`nr` by `nc`): square roots of the
/// eigenvalues of the smaller Gram matrix, by cyclic Jacobi rotations.
fn singular_values(m: &[Vec<f64>], nr: usize, nc: usize) -> Vec<f64> {
    let k = nr.min(nc);
    let g_at = |i: usize, j: usize| -> f64 {
        if nr <= nc {
            (0..nc).map(|l| m[i][l] * m[j][l]).sum()
        } else {
            (0..nr).map(|l| m[l][i] * m[l][j]).sum()
        }
    };
    let mut g: Vec<Vec<f64>> = (0..k).map(|i| (0..k).map(|j| g_at(i, j)).collect()).collect();
    for _sweep in 0..100 {
        let off: f64 = (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| g[i][j].powi(2))
            .sum();
        let scale: f64 = (0..k).map(|i| g[i][i].powi(2)).sum::<f64>();
        if off <= 1e-30 * scale.max(1e-300) {
            break;
        }
        for p in 0..k {
            for q in p + 1..k {
                if g[p][q] == 0.0 {
                    continue;
                }
                let theta = (g[q][q] - g[p][p]) / (2.0 * g[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let cs = 1.0 / (t * t + 1.0).sqrt();
                let sn = t * cs;
                for row in g.iter_mut() {
                    let (x, y) = (row[p], row[q]);
                    row[p] = cs * x - sn * y;
                    row[q] = sn * x + cs * y;
                }
                let (gp, gq) = (g[p].clone(), g[q].clone());
                for (l, (x, y)) in gp.into_iter().zip(gq).enumerate() {
                    g[p][l] = cs * x - sn * y;
                    g[q][l] = sn * x + cs * y;
                }
            }
        }
    }
    let mut s: Vec<f64> = (0..k).map(|i| g[i][i].max(0.0).sqrt()).collect();
    s.sort_by(|a, b| b.partial_cmp(a).unwrap());
    s
}

/// NumPy's matrix norm of `m` (`nr` by `nc`).
fn matrix_oracle(m: &[Vec<f64>], nr: usize, nc: usize, ord: Option<NormOrd>) -> f64 {
    let row_sums = || (0..nr).map(|i| (0..nc).map(|j| m[i][j].abs()).sum::<f64>());
    let col_sums = || (0..nc).map(|j| (0..nr).map(|i| m[i][j].abs()).sum::<f64>());
    match plain(ord) {
        None | Some(NormOrd::Fro) => m.iter().flatten().map(|x| x * x).sum::<f64>().sqrt(),
        Some(NormOrd::Inf) => row_sums().fold(f64::NEG_INFINITY, f64::max),
        Some(NormOrd::NegInf) => row_sums().fold(f64::INFINITY, f64::min),
        Some(NormOrd::P(1.0)) => col_sums().fold(f64::NEG_INFINITY, f64::max),
        Some(NormOrd::P(-1.0)) => col_sums().fold(f64::INFINITY, f64::min),
        Some(NormOrd::P(2.0)) => singular_values(m, nr, nc)[0],
        Some(NormOrd::P(-2.0)) => *singular_values(m, nr, nc).last().unwrap(),
        Some(NormOrd::Nuc) => singular_values(m, nr, nc).iter().sum(),
        Some(o) => panic!("{o:?} is no matrix norm"),
    }
}

fn vector_ord() -> impl Strategy<Value = Option<NormOrd>> {
    prop::sample::select(vec![
        None,
        Some(NormOrd::P(2.0)),
        Some(NormOrd::Inf),
        Some(NormOrd::NegInf),
        Some(NormOrd::P(f64::INFINITY)),
        Some(NormOrd::P(f64::NEG_INFINITY)),
        Some(NormOrd::P(0.0)),
        Some(NormOrd::P(1.0)),
        Some(NormOrd::P(3.0)),
        Some(NormOrd::P(0.5)),
        Some(NormOrd::P(-1.0)),
        Some(NormOrd::P(-2.5)),
    ])
}

fn matrix_ord() -> impl Strategy<Value = Option<NormOrd>> {
    prop::sample::select(vec![
        None,
        Some(NormOrd::Fro),
        Some(NormOrd::Inf),
        Some(NormOrd::NegInf),
        Some(NormOrd::P(f64::INFINITY)),
        Some(NormOrd::P(1.0)),
        Some(NormOrd::P(-1.0)),
    ])
}

/// Orders whose reduction has no identity: the array they reduce must not be
/// empty (see `empty_extremes_fail_at_compute`).
fn needs_values(ord: Option<NormOrd>) -> bool {
    matches!(plain(ord), Some(NormOrd::Inf | NormOrd::NegInf))
}

fn data(max_dims: usize, min_dims: usize) -> impl Strategy<Value = (ArrayD<f64>, ChunkSpec)> {
    shape_and_chunks(max_dims, 4)
        .prop_filter("enough axes", move |(s, _)| s.len() >= min_dims)
        .prop_flat_map(|(s, ch)| (values(&s, elem()), Just(ch)))
}

fn check(got: &DArray<f64>, want: &ArrayD<f64>, tol: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), want.shape());
    let g = got.compute();
    prop_assert!(g.is_ok(), "{:?}", g);
    assert_close(&g.unwrap(), want, tol)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn default_norm_is_the_flat_2_norm((a, ch) in data(4, 0), keepdims in any::<bool>()) {
        let x = DArray::from_array(a.clone(), ch).unwrap();
        let v = a.iter().map(|x| x * x).sum::<f64>().sqrt();
        let shape = if keepdims { vec![1; a.ndim()] } else { vec![] };
        check(&norm(&x, None, None, keepdims), &ArrayD::from_elem(IxDyn(&shape), v), 1e-12)?;
    }

    #[test]
    fn vector_norms_match_loops((a, ch) in data(3, 1), pick in any::<usize>(), ord in vector_ord(), keepdims in any::<bool>()) {
        let axis = pick % a.ndim();
        prop_assume!(!needs_values(ord) || a.shape()[axis] > 0);
        let x = DArray::from_array(a.clone(), ch).unwrap();
        let want = oracle(&a, &[axis], keepdims, |v| vector_oracle(v, ord));
        check(&norm(&x, ord, Some(&[axis]), keepdims), &want, 1e-10)?;
        if a.ndim() == 1 {
            // With no axis, a 1-D array takes the vector norm.
            check(&norm(&x, ord, None, keepdims), &want, 1e-10)?;
        }
    }

    #[test]
    fn matrix_norms_match_loops((a, ch) in data(3, 2), pick in any::<(usize, usize)>(), ord in matrix_ord(), keepdims in any::<bool>()) {
        let nd = a.ndim();
        let r = pick.0 % nd;
        let c = (r + 1 + pick.1 % (nd - 1)) % nd;
        prop_assume!(!needs_values(ord) && ord != Some(NormOrd::P(1.0)) && ord != Some(NormOrd::P(-1.0))
            || !a.is_empty());
        let x = DArray::from_array(a.clone(), ch).unwrap();
        let (shape, ms) = matrices(&a, r, c, keepdims);
        let (nr, nc) = (a.shape()[r], a.shape()[c]);
        let vals: Vec<f64> = ms.iter().map(|m| matrix_oracle(m, nr, nc, ord)).collect();
        let want = ArrayD::from_shape_vec(IxDyn(&shape), vals).unwrap();
        check(&norm(&x, ord, Some(&[r, c]), keepdims), &want, 1e-12)?;
        if nd == 2 && (r, c) == (0, 1) {
            // With no axis, a 2-D array takes the matrix norm.
            check(&norm(&x, ord, None, keepdims), &want, 1e-12)?;
        }
    }

    #[test]
    fn f32_norms_match_loops((a, ch) in data(2, 2), ord in matrix_ord(), vord in vector_ord()) {
        prop_assume!(!a.is_empty());
        let x = DArray::from_array(a.mapv(|v| v as f32), ch).unwrap();
        let (shape, ms) = matrices(&a, 0, 1, false);
        let (nr, nc) = (a.shape()[0], a.shape()[1]);
        let want = ArrayD::from_shape_vec(IxDyn(&shape), ms.iter().map(|m| matrix_oracle(m, nr, nc, ord)).collect()).unwrap();
        let got = norm(&x, ord, None, false).compute().unwrap().mapv(|v| v as f64);
        assert_close(&got, &want, 1e-5)?;
        let want = oracle(&a, &[1], false, |v| vector_oracle(v, vord));
        let got = norm(&x, vord, Some(&[1]), false).compute().unwrap().mapv(|v| v as f64);
        assert_close(&got, &want, 1e-4)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The singular-value norms (through the blocked SVD).
    #[test]
    fn singular_value_norms_match_loops(
        (a, ch) in (1..=6usize, 1..=6usize).prop_flat_map(|(m, n)| (values(&[m, n], elem()), chunking(vec![m, n]))),
        ord in prop::sample::select(vec![NormOrd::P(2.0), NormOrd::P(-2.0), NormOrd::Nuc]),
        swap in any::<bool>(),
        keepdims in any::<bool>(),
    ) {
        let x = DArray::from_array(a.clone(), ch).unwrap();
        let (nr, nc) = (a.shape()[0], a.shape()[1]);
        let (_, ms) = matrices(&a, 0, 1, false);
        let want = matrix_oracle(&ms[0], nr, nc, Some(ord));
        let smax = singular_values(&ms[0], nr, nc)[0];
        let axes: &[usize] = if swap { &[1, 0] } else { &[0, 1] };
        let got = norm(&x, Some(ord), Some(axes), keepdims);
        prop_assert_eq!(got.shape(), if keepdims { &[1usize, 1][..] } else { &[][..] });
        let got = got.compute();
        prop_assert!(got.is_ok(), "{:?}", got);
        let g = got.unwrap().iter().next().copied().unwrap();
        // The oracle squares the matrix: its small singular values are good
        // to about sqrt(eps) of the largest.
        prop_assert!((g - want).abs() <= 1e-6 * (1.0 + smax), "{:?}: got {} want {}", ord, g, want);
        if !swap {
            let none = norm(&x, Some(ord), None, keepdims).compute().unwrap();
            prop_assert!((none.iter().next().unwrap() - want).abs() <= 1e-6 * (1.0 + smax));
        }
    }
}

#[test]
fn numpy_examples() {
    // numpy.linalg.norm's documented examples: a = arange(9) - 4, b = a.reshape(3, 3).
    let a = ndarray::Array1::from_iter((0..9).map(|v| v as f64 - 4.0));
    let x = DArray::from_array(a.clone(), [2]).unwrap();
    let b = x.reshape([3, 3]);
    let n = |x: &DArray<f64>, o: Option<NormOrd>| norm(x, o, None, false).compute().unwrap()[[]];
    let close = |g: f64, w: f64| assert!((g - w).abs() < 1e-12 * w.abs().max(1.0), "{g} vs {w}");
    close(n(&x, None), 7.745966692414834);
    close(n(&b, None), 7.745966692414834);
    close(n(&b, Some(NormOrd::Fro)), 7.745966692414834);
    close(n(&x, Some(NormOrd::Inf)), 4.0);
    close(n(&b, Some(NormOrd::Inf)), 9.0);
    close(n(&x, Some(NormOrd::NegInf)), 0.0);
    close(n(&b, Some(NormOrd::NegInf)), 2.0);
    close(n(&x, Some(NormOrd::P(1.0))), 20.0);
    close(n(&b, Some(NormOrd::P(1.0))), 7.0);
    close(n(&x, Some(NormOrd::P(-1.0))), 0.0);
    close(n(&b, Some(NormOrd::P(-1.0))), 6.0);
    close(n(&x, Some(NormOrd::P(2.0))), 7.745966692414834);
    close(n(&x, Some(NormOrd::P(-2.0))), 0.0);
    close(n(&x, Some(NormOrd::P(3.0))), 5.848035476425731);
    close(n(&x, Some(NormOrd::P(-3.0))), 0.0);
    close(n(&x, Some(NormOrd::P(0.0))), 8.0);
    // Using the axis argument to compute vector norms.
    let c = DArray::from_array(ndarray::arr2(&[[1.0, 2.0, 3.0], [-1.0, 1.0, 4.0]]), [1, 2]).unwrap();
    let v =
        |o: Option<NormOrd>, ax: usize| norm(&c, o, Some(&[ax]), false).compute().unwrap().into_raw_vec_and_offset().0;
    let want0 = [2f64.sqrt(), 5f64.sqrt(), 5.0];
    for (g, w) in v(None, 0).iter().zip(want0) {
        close(*g, w);
    }
    for (g, w) in v(None, 1).iter().zip([14f64.sqrt(), 18f64.sqrt()]) {
        close(*g, w);
    }
    assert_eq!(v(Some(NormOrd::P(1.0)), 1), vec![6.0, 6.0]);
    // Matrix norms of a stack of matrices, with keepdims.
    let m = DArray::from_array(
        ndarray::Array::from_iter((0..8).map(|v| v as f64)).into_shape_with_order((2, 2, 2)).unwrap(),
        [1, 1, 2],
    )
    .unwrap();
    let fro = norm(&m, None, Some(&[1, 2]), false).compute().unwrap().into_raw_vec_and_offset().0;
    close(fro[0], 3.7416573867739413);
    close(fro[1], 11.224972160321824);
    let kept = norm(&m, None, Some(&[2, 1]), true);
    assert_eq!(kept.shape(), &[2, 1, 1]);
    // NaN propagates through the extremes, as NumPy's max and min.
    let nan = DArray::from_array(ndarray::arr1(&[1.0, f64::NAN, -3.0]), [1]).unwrap();
    assert!(n(&nan, Some(NormOrd::Inf)).is_nan());
    assert!(n(&nan, Some(NormOrd::NegInf)).is_nan());
    assert_eq!(norm(&nan, Some(NormOrd::P(0.0)), None, false).compute().unwrap()[[]], 3.0);
}

#[test]
fn numpy_svd_examples() {
    // From numpy.linalg.norm's documentation: b = (arange(9) - 4).reshape(3, 3).
    let b = DArray::from_array(
        ndarray::Array::from_iter((0..9).map(|v| v as f64 - 4.0)).into_shape_with_order((3, 3)).unwrap(),
        [2, 2],
    )
    .unwrap();
    let n = |o: NormOrd| norm(&b, Some(o), None, false).compute().unwrap()[[]];
    assert!((n(NormOrd::P(2.0)) - 7.348469228349534).abs() < 1e-10);
    assert!(n(NormOrd::P(-2.0)).abs() < 1e-7);
    assert!((n(NormOrd::Nuc) - 9.797958971132712).abs() < 1e-9);
    let f = DArray::from_array(ndarray::arr2(&[[3.0f32, 0.0], [0.0, -4.0], [0.0, 0.0]]), [1, 2]).unwrap();
    assert!((norm(&f, Some(NormOrd::P(2.0)), None, false).compute().unwrap()[[]] - 4.0).abs() < 1e-5);
    assert!((norm(&f, Some(NormOrd::Nuc), None, true).compute().unwrap()[[0, 0]] - 7.0).abs() < 1e-5);
}

#[test]
fn empty_extremes_fail_at_compute() {
    let e = DArray::<f64>::zeros([0], [1]).unwrap();
    assert_eq!(norm(&e, None, None, false).compute().unwrap()[[]], 0.0);
    assert_eq!(norm(&e, Some(NormOrd::P(1.0)), None, false).compute().unwrap()[[]], 0.0);
    assert!(norm(&e, Some(NormOrd::Inf), None, false).compute().is_err());
    assert!(norm(&e, Some(NormOrd::NegInf), None, false).compute().is_err());
    let m = DArray::<f64>::zeros([0, 3], [1, 2]).unwrap();
    assert!(norm(&m, Some(NormOrd::Inf), None, false).compute().is_err());
    assert_eq!(norm(&m, Some(NormOrd::P(1.0)), None, false).compute().unwrap()[[]], 0.0);
    assert_eq!(norm(&m, Some(NormOrd::Fro), None, false).compute().unwrap()[[]], 0.0);
}

fn invalid(x: DArray<f64>, what: &str) {
    assert!(!x.is_valid());
    match x.compute().unwrap_err() {
        Error::Invalid(m) => assert!(m.contains(what), "{m:?} should say {what:?}"),
        e => panic!("expected Error::Invalid ({what}), got {e:?}"),
    }
}

#[test]
fn errors_are_typed_and_reported_at_compute() {
    let v = DArray::<f64>::ones([4], [3]).unwrap();
    let m = DArray::<f64>::ones([3, 4], [2, 2]).unwrap();
    let t = DArray::<f64>::ones([2, 3, 4], [1, 2, 2]).unwrap();
    let s = DArray::from_array(ndarray::arr0(2.0).into_dyn(), ChunkSpec::Shape(vec![])).unwrap();
    invalid(norm(&v, Some(NormOrd::Fro), None, false), "for vectors");
    invalid(norm(&m, Some(NormOrd::Nuc), Some(&[1]), false), "for vectors");
    invalid(norm(&t, Some(NormOrd::P(2.0)), None, false), "improper number of dimensions");
    invalid(norm(&s, Some(NormOrd::Inf), None, false), "improper number of dimensions");
    invalid(norm(&t, None, Some(&[0, 1, 2]), false), "improper number of dimensions");
    invalid(norm(&m, None, Some(&[]), false), "improper number of dimensions");
    invalid(norm(&m, None, Some(&[1, 1]), false), "duplicate axes");
    invalid(norm(&m, Some(NormOrd::P(3.0)), None, false), "for matrices");
    invalid(norm(&m, Some(NormOrd::P(0.0)), None, false), "for matrices");
    invalid(norm(&t, Some(NormOrd::P(2.0)), Some(&[1, 2]), false), "2-D");
    invalid(norm(&t, Some(NormOrd::Nuc), Some(&[0, 2]), false), "2-D");
    assert!(matches!(norm(&m, None, Some(&[2]), false).compute(), Err(Error::Axis { axis: 2, ndim: 2 })));
    assert!(matches!(norm(&m, None, Some(&[0, 5]), false).compute(), Err(Error::Axis { axis: 5, ndim: 2 })));
    // The errored result keeps the input's shape; an input's error comes first.
    assert_eq!(norm(&m, Some(NormOrd::P(3.0)), None, false).shape(), &[3, 4]);
    let bad = m.sum_axis(9);
    assert!(matches!(norm(&bad, None, None, false).compute(), Err(Error::Axis { axis: 9, .. })));
    assert!(matches!(norm(&bad, Some(NormOrd::P(3.0)), None, false).compute(), Err(Error::Axis { axis: 9, .. })));
    // 0-d with no order is the absolute value.
    assert_eq!(norm(&(&s * -1.0), None, None, false).compute().unwrap()[[]], 2.0);
}
