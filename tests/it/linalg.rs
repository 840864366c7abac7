//! dot / matmul / tensordot against plain loops over ndarray values.

use crate::common;
use common::*;
use darray::{tensordot, Config, DArray};
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;

fn mat(r: usize, c: usize, seed: u64) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[r, c]), |i| ((i[0] * 31 + i[1] * 17 + seed as usize) % 23) as f64 - 11.0)
}

/// Blocks of `c` (the last shorter) over `n`.
fn regular(n: usize, c: usize) -> Vec<usize> {
    let c = c.min(n);
    let mut v = vec![c; n / c];
    if !n.is_multiple_of(c) {
        v.push(n % c);
    }
    v
}

fn chunks_for(n: usize) -> impl Strategy<Value = Vec<usize>> {
    chunking(vec![n]).prop_map(|c| match c {
        darray::ChunkSpec::Explicit(mut v) => v.remove(0),
        _ => unreachable!(),
    })
}

/// sum over pairs of a[free_a.., c..] * b[c.., free_b..] by brute force.
fn oracle_tensordot(a: &ArrayD<f64>, b: &ArrayD<f64>, axa: &[usize], axb: &[usize]) -> ArrayD<f64> {
    let fa: Vec<usize> = (0..a.ndim()).filter(|x| !axa.contains(x)).collect();
    let fb: Vec<usize> = (0..b.ndim()).filter(|x| !axb.contains(x)).collect();
    let out_shape: Vec<usize> = fa.iter().map(|&x| a.shape()[x]).chain(fb.iter().map(|&y| b.shape()[y])).collect();
    let cshape: Vec<usize> = axa.iter().map(|&x| a.shape()[x]).collect();
    ArrayD::from_shape_fn(IxDyn(&out_shape), |o| {
        let mut s = 0.0;
        let cells: usize = cshape.iter().product();
        for flat in 0..cells {
            let mut c = vec![0; cshape.len()];
            let mut r = flat;
            for k in (0..cshape.len()).rev() {
                c[k] = r % cshape[k];
                r /= cshape[k];
            }
            let mut ia = vec![0; a.ndim()];
            let mut ib = vec![0; b.ndim()];
            for (p, &x) in fa.iter().enumerate() {
                ia[x] = o[p];
            }
            for (p, &y) in fb.iter().enumerate() {
                ib[y] = o[fa.len() + p];
            }
            for (k, (&x, &y)) in axa.iter().zip(axb).enumerate() {
                ia[x] = c[k];
                ib[y] = c[k];
            }
            s += a[IxDyn(&ia)] * b[IxDyn(&ib)];
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn matrix_products_match_ndarray(
        (m, n) in (1..9usize, 1..9usize),
        seed in 0..100u64,
        cm in 1..5usize, cn in 1..5usize,
        cks in (1..9usize).prop_flat_map(|k| (chunks_for(k), chunks_for(k))),
    ) {
        let k = cks.0.iter().sum();
        let a = mat(m, k, seed);
        let b = mat(k, n, seed + 1);
        // Different chunkings of the contracted axis on each side.
        let x = DArray::from_array(a.clone(), vec![regular(m, cm), cks.0.clone()]).unwrap();
        let y = DArray::from_array(b.clone(), vec![cks.1.clone(), regular(n, cn)]).unwrap();
        let a2 = a.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        let b2 = b.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        assert_close(&x.dot(&y).compute().unwrap(), &a2.dot(&b2).into_dyn(), 1e-12)?;
        // Matrix-vector, vector-matrix, inner product.
        let v = DArray::from_array(b2.column(0).to_owned(), vec![cks.1.clone()]).unwrap();
        assert_close(&x.dot(&v).compute().unwrap(), &a2.dot(&b2.column(0)).into_dyn(), 1e-12)?;
        let w = DArray::from_array(a2.row(0).to_owned(), vec![cks.0.clone()]).unwrap();
        assert_close(&w.dot(&y).compute().unwrap(), &a2.row(0).dot(&b2).into_dyn(), 1e-12)?;
        prop_assert!(close(w.dot(&v).compute().unwrap()[[]], a2.row(0).dot(&b2.column(0)), 1e-12));
        // A product fused into what follows, over a transposed operand.
        let g = x.dot(&x.t()).mean_axis(0).sum().compute().unwrap()[[]];
        let want = a2.dot(&a2.t()).mean_axis(ndarray::Axis(0)).unwrap().sum();
        prop_assert!(close(g, want, 1e-9));
    }

    #[test]
    fn tensordot_matches_loops((sa, ca) in shape_and_chunks(3, 4), seed in 0..50u64, pick in any::<u64>()) {
        prop_assume!(!sa.is_empty());
        // b shares one or two of a's axes (in another order) plus one of its own.
        let nd = sa.len();
        let ncon = 1 + (pick as usize % nd.min(2));
        let axa: Vec<usize> = (0..ncon).map(|i| (i + pick as usize / 7) % nd).collect();
        prop_assume!(axa.iter().collect::<std::collections::HashSet<_>>().len() == ncon);
        let mut sb: Vec<usize> = axa.iter().rev().map(|&x| sa[x]).collect();
        sb.push(3);
        let axb: Vec<usize> = (0..ncon).rev().collect();
        let a = ArrayD::from_shape_fn(IxDyn(&sa), |i| (i.slice().iter().sum::<usize>() as u64 * 7 + seed) as f64 % 5.0);
        let b = ArrayD::from_shape_fn(IxDyn(&sb), |i| (i.slice().iter().sum::<usize>() as u64 * 3 + seed) as f64 % 7.0);
        let x = DArray::from_array(a.clone(), ca).unwrap();
        let y = DArray::from_array(b.clone(), vec![2; sb.len()]).unwrap();
        let got = tensordot(&x, &y, &axa, &axb).compute().unwrap();
        assert_close(&got, &oracle_tensordot(&a, &b, &axa, &axb), 1e-12)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn batched_matmul_matches_loops(
        (bt, m, k, n) in (1..4usize, 1..6usize, 1..6usize, 1..6usize),
        (c0, c1, c2, c3) in (1..4usize, 1..6usize, 1..6usize, 1..6usize),
        seed in 0..100u64,
    ) {
        let a = ArrayD::from_shape_fn(IxDyn(&[bt, m, k]), |i| ((i[0] * 7 + i[1] * 3 + i[2] + seed as usize) % 11) as f64 - 5.0);
        let b = ArrayD::from_shape_fn(IxDyn(&[bt, k, n]), |i| ((i[0] * 5 + i[1] * 2 + i[2] * 3 + seed as usize) % 13) as f64 - 6.0);
        let x = DArray::from_array(a.clone(), [c0, c1, c2]).unwrap();
        let y = DArray::from_array(b.clone(), [c0.min(2), c2.max(1), c3]).unwrap();
        let got = x.matmul(&y).compute().unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[bt, m, n]), |o| (0..k).map(|j| a[[o[0], o[1], j]] * b[[o[0], j, o[2]]]).sum::<f64>());
        assert_close(&got, &want, 1e-12)?;
    }
}

#[test]
fn batched_matmul_matches_per_batch_products() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| (i[0] * 20 + i[1] * 5 + i[2]) as f64 / 10.0);
    let b = ArrayD::from_shape_fn(IxDyn(&[3, 5, 2]), |i| (i[0] + i[1] * 2 + i[2] * 3) as f64);
    let x = DArray::from_array(a.clone(), [2, 3, 2]).unwrap();
    let y = DArray::from_array(b.clone(), [1, 4, 2]).unwrap();
    let got = x.matmul(&y).compute().unwrap();
    for t in 0..3 {
        let at = a.index_axis(ndarray::Axis(0), t).into_dimensionality::<ndarray::Ix2>().unwrap();
        let bt = b.index_axis(ndarray::Axis(0), t).into_dimensionality::<ndarray::Ix2>().unwrap();
        let want = at.dot(&bt);
        let g = got.index_axis(ndarray::Axis(0), t).into_dimensionality::<ndarray::Ix2>().unwrap().to_owned();
        assert!(g.iter().zip(want.iter()).all(|(p, q)| (p - q).abs() < 1e-9), "{g} vs {want}");
    }
    assert!(x.matmul(&DArray::<f64>::ones([2, 5, 2], 2).unwrap()).compute().is_err());
}

#[test]
fn contracted_axis_is_summed_as_a_tree_never_gathered() {
    // 4 x 4 output blocks, 64 blocks along the contracted axis.
    let a = DArray::<f64>::ones([40, 640], [10, 10]).unwrap();
    let b = DArray::<f64>::ones([640, 40], [10, 10]).unwrap();
    let c = a.dot(&b);
    let g = c.graph().unwrap();
    let counts = darray::diagnostics::task_counts(&g);
    assert_eq!(counts["tensordot-product"], 16 * 64);
    // 64 partial products per block: 4 groups of 16, then the final sum.
    assert_eq!(counts["tensordot-sum"], 16 * 4);
    assert_eq!(counts["tensordot"], 16);
    let (v, stats) = c.compute_with(&Config::default().threads(2)).unwrap();
    assert!(v.iter().all(|&x| x == 640.0));
    // Every product and sum is one 10 x 10 block (800 bytes). Held: the
    // operands' blocks (b's are read by every row of a), and per output
    // block in progress its 64 partial products and 4 group sums.
    let operands = (40 * 640 + 640 * 40) * 8;
    assert!(stats.peak_bytes_held <= operands + 2 * (64 + 4) * 800, "{stats:?}");
}

#[test]
fn bad_products_are_errors() {
    let a = DArray::<f64>::ones([3, 4], 2).unwrap();
    let b = DArray::<f64>::ones([5, 3], 2).unwrap();
    assert!(a.dot(&b).compute().is_err());
    assert!(tensordot(&a, &b, &[0], &[0]).compute().is_err());
    assert!(tensordot(&a, &b, &[0, 1], &[1]).compute().is_err());
    assert!(tensordot(&a, &b, &[2], &[0]).compute().is_err());
    assert!(a.dot(&DArray::<f64>::ones([4, 2, 2], 2).unwrap()).compute().is_err());
    assert!(a.t().dot(&b.t()).compute().is_ok());
}
