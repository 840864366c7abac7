//! `linalg::einsum` against plain loops over ndarray values: every
//! assignment of the letters is visited, the operands' elements are
//! multiplied and added into the output cell (NumPy's definition, with
//! length-1 axes broadcasting).

use crate::common;
use common::*;
use darray::linalg::einsum;
use darray::{ChunkSpec, DArray, Error};
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;

/// The output letters NumPy's implicit mode gives: those appearing once,
/// in ASCII order.
fn implicit_output(terms: &[Vec<char>]) -> Vec<char> {
    let all: Vec<char> = terms.iter().flatten().copied().collect();
    let mut once: Vec<char> = all.iter().copied().filter(|c| all.iter().filter(|d| *d == c).count() == 1).collect();
    once.sort();
    once
}

/// Einstein summation by brute force over every assignment of the letters.
fn oracle(terms: &[Vec<char>], output: &[char], arrays: &[ArrayD<f64>]) -> ArrayD<f64> {
    let mut letters: Vec<char> = vec![];
    let mut len: Vec<usize> = vec![];
    for (t, a) in terms.iter().zip(arrays) {
        for (&c, &n) in t.iter().zip(a.shape()) {
            match letters.iter().position(|&d| d == c) {
                None => {
                    letters.push(c);
                    len.push(n);
                }
                Some(p) if len[p] == 1 => len[p] = n,
                Some(p) => assert!(n == 1 || n == len[p], "the oracle's input is consistent"),
            }
        }
    }
    let at = |c: char| letters.iter().position(|&d| d == c).unwrap();
    let out_shape: Vec<usize> = output.iter().map(|&c| len[at(c)]).collect();
    let mut out = ArrayD::<f64>::zeros(IxDyn(&out_shape));
    let total: usize = len.iter().product();
    let mut val = vec![0usize; letters.len()];
    for flat in 0..total {
        let mut r = flat;
        for k in (0..letters.len()).rev() {
            val[k] = r % len[k];
            r /= len[k];
        }
        let mut prod = 1.0;
        for (t, a) in terms.iter().zip(arrays) {
            // A length-1 axis broadcasts: its one element serves every value.
            let idx: Vec<usize> = t.iter().zip(a.shape()).map(|(&c, &n)| if n == 1 { 0 } else { val[at(c)] }).collect();
            prod *= a[IxDyn(&idx)];
        }
        let o: Vec<usize> = output.iter().map(|&c| val[at(c)]).collect();
        out[IxDyn(&o)] += prod;
    }
    out
}

fn subscripts(terms: &[Vec<char>], output: Option<&[char]>) -> String {
    let lhs: Vec<String> = terms.iter().map(|t| t.iter().collect()).collect();
    match output {
        Some(o) => format!("{}->{}", lhs.join(","), o.iter().collect::<String>()),
        None => lhs.join(","),
    }
}

const LETTERS: [char; 5] = ['a', 'b', 'c', 'd', 'Z'];

/// A random einsum: 1 to 3 operands, each naming up to 3 distinct letters
/// of five (one upper case, which sorts first), some axes of length 1 to
/// broadcast, and an explicit output (a random choice and order of the
/// letters used) or the implicit one.
#[derive(Debug, Clone)]
struct Case {
    terms: Vec<Vec<char>>,
    output: Option<Vec<char>>,
    shapes: Vec<Vec<usize>>,
}

fn case() -> impl Strategy<Value = Case> {
    let lens = prop::collection::vec(prop_oneof![1 => Just(0usize), 2 => Just(1usize), 8 => 2..=4usize], 5);
    let term =
        (Just(LETTERS.to_vec()).prop_shuffle(), 0..=3usize, prop::collection::vec(prop::bool::weighted(0.15), 3))
            .prop_map(|(l, k, bc)| (l[..k].to_vec(), bc));
    (lens, prop::collection::vec(term, 1..=3), any::<bool>(), Just(LETTERS.to_vec()).prop_shuffle(), 0..=5usize)
        .prop_map(|(lens, terms, explicit, order, nout)| {
            let used: Vec<char> = order.into_iter().filter(|c| terms.iter().any(|(t, _)| t.contains(c))).collect();
            let output = explicit.then(|| used[..nout.min(used.len())].to_vec());
            let shapes = terms
                .iter()
                .map(|(t, bc)| {
                    t.iter()
                        .zip(bc)
                        .map(|(c, &b)| if b { 1 } else { lens[LETTERS.iter().position(|d| d == c).unwrap()] })
                        .collect()
                })
                .collect();
            Case { terms: terms.into_iter().map(|(t, _)| t).collect(), output, shapes }
        })
}

/// A case with values and a random chunking (1-element chunks included)
/// of each operand.
fn case_with_data() -> impl Strategy<Value = (Case, Vec<ArrayD<f64>>, Vec<ChunkSpec>)> {
    case().prop_flat_map(|c| {
        let vals: Vec<_> = c.shapes.iter().map(|s| values(s, (-8i32..8).prop_map(|v| v as f64 / 4.0))).collect();
        let chunks: Vec<_> = c.shapes.iter().map(|s| chunking(s.clone())).collect();
        (Just(c), vals, chunks)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn einsum_matches_loops((c, arrays, chunks) in case_with_data()) {
        let ops: Vec<DArray<f64>> =
            arrays.iter().zip(&chunks).map(|(a, ch)| DArray::from_array(a.clone(), ch.clone()).unwrap()).collect();
        let refs: Vec<&DArray<f64>> = ops.iter().collect();
        let spec = subscripts(&c.terms, c.output.as_deref());
        let output = c.output.clone().unwrap_or_else(|| implicit_output(&c.terms));
        let want = oracle(&c.terms, &output, &arrays);
        let got = einsum(&spec, &refs);
        prop_assert_eq!(got.shape(), want.shape(), "{}", spec);
        let got = got.compute();
        prop_assert!(got.is_ok(), "{}: {:?}", spec, got);
        assert_close(&got.unwrap(), &want, 1e-12)?;
    }

    #[test]
    fn matrix_chains_and_batches_match_loops(
        (b, m, k, n, p) in (1..4usize, 1..5usize, 1..5usize, 1..5usize, 1..4usize),
        cb in 1..3usize, ck in 1..4usize, seed in 0..50u64,
    ) {
        let fill = |s: &[usize], off: u64| {
            ArrayD::from_shape_fn(IxDyn(s), |i| {
                ((i.slice().iter().enumerate().map(|(d, &x)| (d + 3) * x).sum::<usize>() as u64 * 7 + seed + off) % 11)
                    as f64
                    - 5.0
            })
        };
        let (a, x, y) = (fill(&[b, m, k], 0), fill(&[b, k, n], 1), fill(&[n, p], 2));
        let da = DArray::from_array(a.clone(), [cb, 1, ck]).unwrap();
        let dx = DArray::from_array(x.clone(), [1, ck, 2]).unwrap();
        let dy = DArray::from_array(y.clone(), [3, 1]).unwrap();
        let (arrays, ops) = ([a, x, y], [da, dx, dy]);
        // Each case names the operands it takes (positions in `arrays`).
        let cases: [(&str, &[usize]); 6] = [
            ("bij,bjk->bik", &[0, 1]),
            ("bij,bjk,kl->bli", &[0, 1, 2]),
            ("bij,bjk,kl", &[0, 1, 2]),
            ("bij,bjk->", &[0, 1]),
            ("bij,bjk->kb", &[0, 1]),
            ("bij,kl->ljbki", &[0, 2]),
        ];
        for (spec, which) in cases {
            let (lhs, out) = match spec.split_once("->") {
                Some((l, o)) => (l, Some(o.chars().collect::<Vec<_>>())),
                None => (spec, None),
            };
            let terms: Vec<Vec<char>> = lhs.split(',').map(|t| t.chars().collect()).collect();
            let output = out.unwrap_or_else(|| implicit_output(&terms));
            let owned: Vec<ArrayD<f64>> = which.iter().map(|&i| arrays[i].clone()).collect();
            let want = oracle(&terms, &output, &owned);
            let ops: Vec<&DArray<f64>> = which.iter().map(|&i| &ops[i]).collect();
            assert_close(&einsum(spec, &ops).compute().unwrap(), &want, 1e-12)?;
        }
    }

    #[test]
    fn f32_einsum_matches_loops((c, arrays, chunks) in case_with_data()) {
        let ops: Vec<DArray<f32>> = arrays
            .iter()
            .zip(&chunks)
            .map(|(a, ch)| DArray::from_array(a.mapv(|v| v as f32), ch.clone()).unwrap())
            .collect();
        let refs: Vec<&DArray<f32>> = ops.iter().collect();
        let spec = subscripts(&c.terms, c.output.as_deref());
        let output = c.output.clone().unwrap_or_else(|| implicit_output(&c.terms));
        let want = oracle(&c.terms, &output, &arrays);
        let got = einsum(&spec, &refs).compute().unwrap().mapv(|v| v as f64);
        assert_close(&got, &want, 1e-5)?;
    }
}

#[test]
fn numpy_examples() {
    let a = ArrayD::from_shape_fn(IxDyn(&[5, 5]), |i| (i[0] * 5 + i[1]) as f64);
    let b = ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as f64);
    let c = ArrayD::from_shape_fn(IxDyn(&[2, 3]), |i| (i[0] * 3 + i[1]) as f64);
    let da = DArray::from_array(a.clone(), [2, 3]).unwrap();
    let db = DArray::from_array(b.clone(), [2]).unwrap();
    let dc = DArray::from_array(c.clone(), [1, 2]).unwrap();
    let a2 = a.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
    let b1 = b.clone().into_dimensionality::<ndarray::Ix1>().unwrap();
    // np.einsum('ij,j', a, b) == a @ b
    assert_eq!(einsum("ij,j", &[&da, &db]).compute().unwrap(), a2.dot(&b1).into_dyn());
    // np.einsum('i,i', b, b) == inner product
    assert_eq!(einsum("i,i", &[&db, &db]).compute().unwrap()[[]], b1.dot(&b1));
    // np.einsum('ji', c) == c.T; np.einsum('ij->', c) == c.sum(); 'ij->j' column sums
    assert_eq!(einsum("ji", &[&dc]).compute().unwrap(), c.t().to_owned());
    assert_eq!(einsum(" i j -> ", &[&dc]).compute().unwrap()[[]], 15.0);
    assert_eq!(einsum("ij->j", &[&dc]).compute().unwrap().into_raw_vec_and_offset().0, vec![3.0, 5.0, 7.0]);
    // np.einsum('i,j', b, b) == outer; a single operand unchanged.
    let outer = einsum("i,j", &[&db, &db]).compute().unwrap();
    assert_eq!(outer, ArrayD::from_shape_fn(IxDyn(&[5, 5]), |i| (i[0] * i[1]) as f64));
    assert_eq!(einsum("ij", &[&da]).compute().unwrap(), a);
    // 0-d operands: scaling and a product of scalars.
    let s = DArray::from_array(ndarray::arr0(3.0).into_dyn(), ChunkSpec::Shape(vec![])).unwrap();
    assert_eq!(einsum(",ij->ij", &[&s, &dc]).compute().unwrap(), &c * 3.0);
    assert_eq!(einsum(",", &[&s, &s]).compute().unwrap()[[]], 9.0);
    assert_eq!(einsum("", &[&s]).compute().unwrap()[[]], 3.0);
    // Length 1 broadcasts, as in NumPy: np.einsum('i,i', ones(1), arange(5)) == 10.
    let one = DArray::<f64>::ones([1], [1]).unwrap();
    assert_eq!(einsum("i,i", &[&one, &db]).compute().unwrap()[[]], 10.0);
    assert_eq!(einsum("i,i->i", &[&one, &db]).compute().unwrap(), b);
}

#[test]
fn implicit_order_is_ascii() {
    // Upper case sorts before lower case, as in NumPy.
    let x = DArray::<f64>::ones([2, 3, 4], [1, 2, 3]).unwrap();
    assert_eq!(einsum("bAa", &[&x]).shape(), &[3, 4, 2]);
    let p = DArray::<f64>::ones([3, 4], [2, 2]).unwrap();
    let q = DArray::<f64>::ones([4, 2], [3, 1]).unwrap();
    let r = einsum("cb,ba", &[&p, &q]);
    assert_eq!(r.shape(), &[2, 3]);
    assert!(r.compute().unwrap().iter().all(|&v| v == 4.0));
}

#[test]
fn f32_matmul() {
    let a = ndarray::Array::from_shape_fn((7, 5), |(i, j)| ((i * 5 + j) % 7) as f32 * 0.25 - 0.5);
    let b = ndarray::Array::from_shape_fn((5, 6), |(i, j)| ((i + 2 * j) % 5) as f32 * 0.5 - 1.0);
    let x = DArray::from_array(a.clone(), [3, 2]).unwrap();
    let y = DArray::from_array(b.clone(), [1, 4]).unwrap();
    let got = einsum("ij,jk->ki", &[&x, &y]).compute().unwrap();
    let want = a.dot(&b).t().to_owned().into_dyn();
    for (g, w) in got.iter().zip(want.iter()) {
        assert!((g - w).abs() <= 1e-5 * (1.0 + w.abs()), "{g} vs {w}");
    }
}

fn err_of(x: DArray<f64>) -> Error {
    assert!(!x.is_valid());
    x.compute().unwrap_err()
}

#[test]
fn errors_are_typed_and_reported_at_compute() {
    let a = DArray::<f64>::ones([2, 3], [1, 2]).unwrap();
    let b = DArray::<f64>::ones([4, 2], [2, 2]).unwrap();
    let v = DArray::<f64>::ones([3], [3]).unwrap();
    let invalid = |x: DArray<f64>, what: &str| match err_of(x) {
        Error::Invalid(m) => assert!(m.contains(what), "{m:?} should say {what:?}"),
        e => panic!("expected Error::Invalid ({what}), got {e:?}"),
    };
    // Syntax.
    invalid(einsum("ij,jk->ik->i", &[&a, &a.t()]), "not a subscript letter");
    invalid(einsum("i1", &[&a]), "not a subscript letter");
    invalid(einsum("ij-ji", &[&a]), "not a subscript letter");
    invalid(einsum("ij->j,i", &[&a]), "not a subscript letter");
    // Ellipsis.
    invalid(einsum("...j->j...", &[&a]), "not supported");
    invalid(einsum("i...,j", &[&a, &v]), "not supported");
    // The number of operands.
    invalid(einsum("ij,jk", &[&a]), "operands");
    invalid(einsum("ij", &[&a, &b]), "operands");
    let none = einsum::<f64>("i", &[]);
    assert_eq!(none.shape(), &[0]);
    invalid(none, "at least one operand");
    // Output letters.
    invalid(einsum("ij->ik", &[&a]), "in no operand");
    invalid(einsum("ij->ii", &[&a]), "more than once");
    // Diagonals.
    let sq = DArray::<f64>::ones([3, 3], [2, 2]).unwrap();
    invalid(einsum("ii->i", &[&sq]), "repeated subscripts in one operand are not supported");
    invalid(einsum("ii", &[&sq]), "not supported");
    invalid(einsum("ij,kk->ij", &[&a, &sq]), "operand 1");
    // Shapes.
    assert!(matches!(err_of(einsum("ijk", &[&a])), Error::Shape(_)));
    assert!(matches!(err_of(einsum("i", &[&a])), Error::Shape(_)));
    assert!(matches!(err_of(einsum("ij,jk", &[&a, &b])), Error::Shape(_)));
    assert!(matches!(err_of(einsum("ij,j->i", &[&b, &v])), Error::Shape(_)));
    // An errored result keeps the first operand's shape.
    assert_eq!(einsum("ij,jk", &[&a, &b]).shape(), a.shape());
    // An operand's own error comes first.
    let bad = a.sum_axis(7);
    assert!(matches!(err_of(einsum("ij,jk", &[&b, &bad])), Error::Axis { axis: 7, .. }));
    assert!(matches!(err_of(einsum("i...", &[&bad])), Error::Axis { axis: 7, .. }));
}

#[test]
fn results_stay_blocked() {
    let a = DArray::<f64>::ones([6, 6], [2, 2]).unwrap();
    let b = DArray::<f64>::ones([3, 6, 6], [1, 2, 3]).unwrap();
    let c = einsum("ij,jk->ki", &[&a, &a]);
    assert_eq!(c.numblocks(), vec![3, 3]);
    assert!(c.compute().unwrap().iter().all(|&v| v == 6.0));
    let d = einsum("bij,bjk->kbi", &[&b, &b]);
    assert_eq!(d.shape(), &[6, 3, 6]);
    assert!(d.numblocks().iter().all(|&n| n > 1), "{:?}", d.numblocks());
    // Letters used once are summed away first: a scaled copy of b.
    let e = einsum("ij,bjk->bjk", &[&a, &b]);
    assert_eq!(e.numblocks(), b.numblocks());
    assert!(e.compute().unwrap().iter().all(|&v| v == 6.0));
}
