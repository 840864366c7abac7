//! QR, SVD, randomized SVD, LU, solves, Cholesky, inverses and least
//! squares of blocked arrays, over random shapes and chunkings. The oracle
//! is the definition checked with plain loops (`Q R == A`, `Q^T Q == I`,
//! triangles, permutations, residuals), and for singular values and
//! minimum-norm solutions a dense SVD of the whole array (faer, on one
//! block: not the blocked algorithm under test).

use darray::{linalg, DArray, Error};
use ndarray::{Array2, ArrayD, Ix2};
use proptest::prelude::*;

/// Row-block sizes of `c` (the last shorter) over `n`.
fn regular(n: usize, c: usize) -> Vec<usize> {
    let c = c.clamp(1, n.max(1));
    let mut v = vec![c; n / c];
    if !n.is_multiple_of(c) || v.is_empty() {
        v.push(n % c);
    }
    v
}

fn values(m: usize, n: usize, seed: u64) -> Array2<f64> {
    // A small LCG: values in [-1, 1).
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    Array2::from_shape_fn((m, n), |_| {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    })
}

fn darr(a: &Array2<f64>, rows: usize, cols: usize) -> DArray<f64> {
    let (m, n) = a.dim();
    DArray::from_array(a.clone().into_dyn(), vec![regular(m, rows), regular(n, cols)]).unwrap()
}

fn two(a: ArrayD<f64>) -> Array2<f64> {
    a.into_dimensionality::<Ix2>().unwrap()
}

fn matmul(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.ncols();
    assert_eq!(b.nrows(), k);
    Array2::from_shape_fn((m, n), |(i, j)| (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum())
}

fn max_abs(a: &Array2<f64>) -> f64 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// `|a - b|_max <= tol * max(1, |b|_max)`.
fn close(a: &Array2<f64>, b: &Array2<f64>, tol: f64) -> bool {
    a.dim() == b.dim() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol * max_abs(b).max(1.0))
}

fn eye(n: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, n), |(i, j)| (i == j) as u8 as f64)
}

/// Dense singular values of the whole array (faer on one block).
fn dense_sv(a: &Array2<f64>) -> Vec<f64> {
    let m = faer::Mat::<f64>::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]]);
    m.singular_values().unwrap()
}

fn shape_and_chunks() -> impl Strategy<Value = (usize, usize, usize, usize, u64)> {
    (1usize..60, 1usize..8).prop_flat_map(|(m, n)| (Just(m), Just(n), 1..=m, 1..=n, any::<u64>()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn tsqr_factors_orthonormal_and_triangular((m, n, rc, cc, seed) in shape_and_chunks()) {
        let a = values(m, n, seed);
        let (q, r) = linalg::tsqr(&darr(&a, rc, cc));
        let (q, r) = (two(q.compute().unwrap()), two(r.compute().unwrap()));
        let k = m.min(n);
        prop_assert_eq!(q.dim(), (m, k));
        prop_assert_eq!(r.dim(), (k, n));
        prop_assert!(close(&matmul(&q, &r), &a, 1e-10));
        prop_assert!(close(&matmul(&q.t().to_owned(), &q), &eye(k), 1e-10));
        for i in 0..k {
            prop_assert!(r[[i, i]] >= 0.0);
            for j in 0..i.min(n) {
                prop_assert_eq!(r[[i, j]], 0.0);
            }
        }
    }

    #[test]
    fn qr_of_wide_arrays_goes_through_sfqr((n, m, cc, rc, seed) in shape_and_chunks()) {
        // m small (rows), n up to 60 (columns).
        let a = values(m, n, seed);
        let (q, r) = linalg::qr(&darr(&a, rc, cc));
        let (q, r) = (two(q.compute().unwrap()), two(r.compute().unwrap()));
        let k = m.min(n);
        prop_assert_eq!((q.dim(), r.dim()), ((m, k), (k, n)));
        prop_assert!(close(&matmul(&q, &r), &a, 1e-10));
        prop_assert!(close(&matmul(&q.t().to_owned(), &q), &eye(k), 1e-10));
    }

    #[test]
    fn svd_reconstructs_and_matches_dense_singular_values((m, n, rc, cc, seed) in shape_and_chunks(), wide in any::<bool>()) {
        let a = if wide { values(n, m, seed) } else { values(m, n, seed) };
        let (rc, cc) = if wide { (cc, rc) } else { (rc, cc) };
        let (u, s, vt) = linalg::svd(&darr(&a, rc, cc));
        let (u, s, vt) = (two(u.compute().unwrap()), s.compute().unwrap(), two(vt.compute().unwrap()));
        let k = m.min(n);
        let us = Array2::from_shape_fn(u.dim(), |(i, j)| u[[i, j]] * s[[j]]);
        prop_assert!(close(&matmul(&us, &vt), &a, 1e-10));
        prop_assert!(close(&matmul(&u.t().to_owned(), &u), &eye(k), 1e-10));
        prop_assert!(close(&matmul(&vt, &vt.t().to_owned()), &eye(k), 1e-10));
        let want = dense_sv(&a);
        for i in 0..k {
            prop_assert!((s[[i]] - want[i]).abs() <= 1e-10 * want[0].max(1.0), "{} vs {}", s[[i]], want[i]);
        }
    }

    #[test]
    fn svd_compressed_recovers_a_matrix_of_exact_rank((m, n, rc, cc, seed) in shape_and_chunks(), k in 1usize..4, power in 0usize..3) {
        let k = k.min(m).min(n);
        let a = matmul(&values(m, k, seed), &values(k, n, seed ^ 7));
        let (u, s, vt) = linalg::svd_compressed(&darr(&a, rc, cc), k, power, 3, seed);
        let (u, s, vt) = (two(u.compute().unwrap()), s.compute().unwrap(), two(vt.compute().unwrap()));
        let us = Array2::from_shape_fn(u.dim(), |(i, j)| u[[i, j]] * s[[j]]);
        prop_assert!(close(&matmul(&us, &vt), &a, 1e-8));
        let want = dense_sv(&a);
        for i in 0..k {
            prop_assert!((s[[i]] - want[i]).abs() <= 1e-8 * want[0].max(1.0));
        }
    }

    #[test]
    fn lu_is_a_pivoted_factorisation((n, _, c, _, seed) in shape_and_chunks()) {
        let a = values(n, n, seed);
        let (p, l, u) = linalg::lu(&darr(&a, c, c));
        let (p, l, u) = (two(p.compute().unwrap()), two(l.compute().unwrap()), two(u.compute().unwrap()));
        prop_assert!(close(&matmul(&matmul(&p, &l), &u), &a, 1e-9));
        for i in 0..n {
            prop_assert_eq!(l[[i, i]], 1.0);
            prop_assert_eq!(p.row(i).iter().filter(|&&x| x == 1.0).count(), 1);
            prop_assert_eq!(p.column(i).iter().filter(|&&x| x == 1.0).count(), 1);
            for j in 0..n {
                if j > i { prop_assert_eq!(l[[i, j]], 0.0); }
                if j < i { prop_assert_eq!(u[[i, j]], 0.0); }
                // Partial pivoting: no multiplier above 1 in magnitude.
                prop_assert!(l[[i, j]].abs() <= 1.0 + 1e-12);
            }
        }
    }

    #[test]
    fn solve_and_inv_satisfy_their_equations((n, r, c, bc, seed) in shape_and_chunks(), vector in any::<bool>()) {
        // Diagonal shifted by n, rows reversed: well conditioned, and
        // partial pivoting has to swap rows (across blocks) to find it.
        let d = &values(n, n, seed) + &(eye(n) * n as f64);
        let a = Array2::from_shape_fn((n, n), |(i, j)| d[[n - 1 - i, j]]);
        let b = values(n, r, seed ^ 3);
        let da = darr(&a, c, c);
        if vector {
            let bv = b.column(0).to_owned();
            let x = linalg::solve(&da, &DArray::from_array(bv.clone().into_dyn(), bc.min(n)).unwrap()).compute().unwrap();
            prop_assert_eq!(x.shape(), &[n]);
            let ax = matmul(&a, &x.into_shape_with_order((n, 1)).unwrap());
            prop_assert!(close(&ax, &bv.into_shape_with_order((n, 1)).unwrap(), 1e-10));
        } else {
            let x = two(linalg::solve(&da, &darr(&b, bc, 2)).compute().unwrap());
            prop_assert!(close(&matmul(&a, &x), &b, 1e-10));
        }
        let inv = two(linalg::inv(&da).compute().unwrap());
        prop_assert!(close(&matmul(&a, &inv), &eye(n), 1e-10));
    }

    #[test]
    fn solve_triangular_reads_one_triangle((n, r, c, bc, seed) in shape_and_chunks(), lower in any::<bool>()) {
        let full = &values(n, n, seed) + &(eye(n) * 4.0);
        let tri = Array2::from_shape_fn((n, n), |(i, j)| if (lower && j <= i) || (!lower && j >= i) { full[[i, j]] } else { 0.0 });
        let b = values(n, r, seed ^ 5);
        // The other triangle holds garbage that must not be read.
        let x = two(linalg::solve_triangular(&darr(&full, c, c), &darr(&b, bc, 3), lower).compute().unwrap());
        prop_assert!(close(&matmul(&tri, &x), &b, 1e-10));
    }

    #[test]
    fn cholesky_factor_is_lower_and_reconstructs((n, _, c, _, seed) in shape_and_chunks()) {
        let x = values(n, n, seed);
        let a = &matmul(&x, &x.t().to_owned()) + &(eye(n) * n as f64);
        let l = two(linalg::cholesky(&darr(&a, c, c)).compute().unwrap());
        for i in 0..n {
            prop_assert!(l[[i, i]] > 0.0);
            for j in i + 1..n { prop_assert_eq!(l[[i, j]], 0.0); }
        }
        prop_assert!(close(&matmul(&l, &l.t().to_owned()), &a, 1e-10));
    }

    #[test]
    fn lstsq_meets_the_normal_equations((m, n, rc, cc, seed) in shape_and_chunks(), deficient in any::<bool>()) {
        let mut a = values(m, n, seed);
        if deficient && n > 1 {
            // The last column repeats the first: rank n - 1 (or less).
            let c0 = a.column(0).to_owned();
            a.column_mut(n - 1).assign(&c0);
        }
        let b = values(m, 2, seed ^ 9);
        let fit = linalg::lstsq(&darr(&a, rc, cc), &darr(&b, rc, 2));
        let x = two(fit.x.compute().unwrap());
        // Minimum-norm solution: the pseudo-inverse's (dense, whole array).
        let fm = faer::Mat::<f64>::from_fn(m, n, |i, j| a[[i, j]]);
        let pinv = fm.thin_svd().unwrap().pseudoinverse();
        let pinv = Array2::from_shape_fn((n, m), |(i, j)| pinv[(i, j)]);
        prop_assert!(close(&x, &matmul(&pinv, &b), 1e-8));
        let want = dense_sv(&a);
        let tol = f64::EPSILON * m.max(n) as f64 * want[0];
        let rank = want.iter().filter(|&&s| s > tol).count() as i64;
        prop_assert_eq!(fit.rank.compute().unwrap()[[]], rank);
        let resid = &b - &matmul(&a, &x);
        let res = fit.residuals.compute().unwrap();
        for j in 0..2 {
            let want: f64 = resid.column(j).iter().map(|v| v * v).sum();
            prop_assert!((res[[j]] - want).abs() <= 1e-9 * want.max(1.0));
        }
    }
}

#[test]
fn empty_matrices_give_empty_factors() {
    let shape = |x: &DArray<f64>| x.compute().unwrap().shape().to_vec();
    let wide = DArray::<f64>::zeros([0, 3], 1).unwrap();
    let (q, r) = linalg::tsqr(&wide);
    assert_eq!((shape(&q), shape(&r)), (vec![0, 0], vec![0, 3]));
    let (u, s, vt) = linalg::svd(&wide);
    assert_eq!((shape(&u), shape(&s), shape(&vt)), (vec![0, 0], vec![0], vec![0, 3]));
    let (u, s, vt) = linalg::svd(&wide.t());
    assert_eq!((shape(&u), shape(&s), shape(&vt)), (vec![3, 0], vec![0], vec![0, 0]));
    let e = DArray::<f64>::zeros([0, 0], 1).unwrap();
    let (p, l, u) = linalg::lu(&e);
    assert_eq!((shape(&p), shape(&l), shape(&u)), (vec![0, 0], vec![0, 0], vec![0, 0]));
    assert_eq!(shape(&linalg::solve(&e, &DArray::<f64>::zeros([0], 1).unwrap())), vec![0]);
    assert_eq!(shape(&linalg::cholesky(&e)), vec![0, 0]);
    assert_eq!(shape(&linalg::inv(&e)), vec![0, 0]);
}

#[test]
fn svd_signs_follow_the_shape_not_the_chunking() {
    for (m, n) in [(30, 6), (6, 30)] {
        let a = values(m, n, 11);
        let (u1, _, v1) = linalg::svd(&darr(&a, m, n));
        let (u2, _, v2) = linalg::svd(&darr(&a, 4, 5));
        let (u1, u2) = (two(u1.compute().unwrap()), two(u2.compute().unwrap()));
        let (v1, v2) = (two(v1.compute().unwrap()), two(v2.compute().unwrap()));
        assert!(close(&u1, &u2, 1e-10) && close(&v1, &v2, 1e-10), "{m} x {n}");
    }
}

#[test]
fn f32_factorisations_work_in_f32() {
    let a = values(40, 5, 1).mapv(|x| x as f32);
    let d = DArray::from_array(a.clone().into_dyn(), [7, 5]).unwrap();
    let (q, r) = linalg::tsqr(&d);
    let back = q.dot(&r).compute().unwrap();
    assert!(back.iter().zip(a.iter()).all(|(x, y)| (x - y).abs() < 1e-5));
    let (_, s, _) = linalg::svd(&d);
    assert_eq!(s.compute().unwrap().len(), 5);
}

#[test]
fn singular_and_indefinite_matrices_are_typed_errors() {
    let z = DArray::<f64>::zeros([4, 4], 2).unwrap();
    let b = DArray::<f64>::ones([4], 2).unwrap();
    for e in [linalg::solve(&z, &b).compute().unwrap_err(), linalg::inv(&z).compute().unwrap_err()] {
        assert!(format!("{e}").contains("singular"), "{e}");
    }
    let neg = DArray::from_array(ndarray::arr2(&[[1.0, 2.0], [2.0, 1.0]]), 1).unwrap();
    let e = linalg::cholesky(&neg).compute().unwrap_err();
    assert!(format!("{e}").contains("positive definite"), "{e}");
    let lower = DArray::from_array(ndarray::arr2(&[[1.0, 0.0], [1.0, 0.0]]), 1).unwrap();
    assert!(linalg::solve_triangular(&lower, &b.slice(&darray::s![0..2]), true).compute().is_err());
    // Bad shapes: typed, at compute.
    let wide = DArray::<f64>::ones([3, 4], 2).unwrap();
    assert!(matches!(linalg::lu(&wide).0.compute(), Err(Error::Shape(_))));
    assert!(matches!(linalg::solve(&z, &DArray::<f64>::ones([3], 2).unwrap()).compute(), Err(Error::Shape(_))));
    let cube = DArray::<f64>::ones([2, 2, 2], 1).unwrap();
    assert!(matches!(linalg::tsqr(&cube).1.compute(), Err(Error::Shape(_))));
    assert!(matches!(linalg::svd_compressed(&wide, 9, 0, 2, 0).1.compute(), Err(Error::Invalid(_))));
}

#[test]
fn tsqr_graph_is_a_tree_over_the_row_blocks() {
    // 40 row blocks: 40 local QRs, the R factors in 3 groups of at most 16,
    // a root; Q comes back through 3 + 40 products.
    let a = DArray::<f64>::from_fn([4000, 5], [100, 5], |i| ((i[0] * 7 + i[1] * 13) % 11) as f64).unwrap();
    let (q, r) = linalg::tsqr(&a);
    let g = q.graph().unwrap();
    let count = |name: &str| g.tasks().filter(|t| t.ops.iter().any(|o| o == name)).count();
    assert_eq!(count("qr"), 40 + 3 + 1);
    assert_eq!(count("qr-q"), 3 + 40);
    let back = q.dot(&r).compute().unwrap();
    assert!(back.iter().zip(a.compute().unwrap().iter()).all(|(x, y)| (x - y).abs() < 1e-9));
}
