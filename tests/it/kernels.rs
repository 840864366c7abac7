//! Kernel-level contracts: loop-invariant values (steps over constants are
//! computed once per task) give the same values as evaluating every
//! element; leaves read in place or through registers agree; float sums are
//! pairwise-accurate.

use crate::common;
use common::close;
use darray::DArray;
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

/// 2-D shapes up to 400 x 400 with blocks up to the whole array.
fn big_blocks() -> impl Strategy<Value = (Vec<usize>, [usize; 2])> {
    (1usize..400, 1usize..400).prop_flat_map(|(n, m)| (Just(vec![n, m]), (1..=n, 1..=m).prop_map(|(a, b)| [a, b])))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Constants and data mixed in one fused program, with enough live values
    /// that registers are reused, over blocks of many tiles (a tile is
    /// 512-8192 elements): hoisted steps must keep their registers.
    #[test]
    fn invariant_steps_mix_with_data((s, c) in big_blocks(), k in -4.0f64..4.0) {
        let n: usize = s.iter().product();
        let data = ArrayD::from_shape_vec(IxDyn(&s), (0..n).map(|i| (i % 7) as f64 - 3.0).collect()).unwrap();
        let x = DArray::from_array(data.clone(), c).unwrap();
        let cst = DArray::full(&s, k, c).unwrap();
        let a = (&cst + 1.0) * 2.0;
        let b = &cst - 0.5;
        let got = (((&x * &a) - &b) / (&a * &a + 1.0) + (&b - &x) * &cst).compute().unwrap();
        let (av, bv) = ((k + 1.0) * 2.0, k - 0.5);
        let want = data.mapv(|v| ((v * av) - bv) / (av * av + 1.0) + (bv - v) * k);
        prop_assert_eq!(got, want);
    }

    /// A program of constants only (every step hoisted) still reduces every
    /// element, a partial last tile included: the sum equals the ndarray sum
    /// of the materialised array.
    #[test]
    fn all_constant_program_reduces_every_element((s, c) in big_blocks(), k in -4i32..4) {
        let x = DArray::full(&s, k as f64, c).unwrap();
        let y = (&x + 1.0) * 2.0 - &x;
        let full = ArrayD::from_elem(IxDyn(&s), k as f64);
        let want = ((&full + 1.0) * 2.0 - &full).sum();
        prop_assert_eq!(y.sum().compute().unwrap()[[]], want);
        prop_assert_eq!(y.compute().unwrap(), (&full + 1.0) * 2.0 - &full);
    }

    /// Transposed (copied) and contiguous (read in place) leaves together.
    #[test]
    fn in_place_and_transposed_leaves_agree(n in 1usize..40, m in 1usize..40, cn in 1usize..12, cm in 1usize..12) {
        let data = ArrayD::from_shape_fn(IxDyn(&[n, m]), |i| (i[0] * 31 + i[1] * 7) as f64 % 13.0);
        let sq = ArrayD::from_shape_fn(IxDyn(&[n, n]), |i| (i[0] * 5 + i[1]) as f64);
        let x = DArray::from_array(data.clone(), [cn, cm]).unwrap();
        let y = DArray::from_array(sq.clone(), [cn, cn]).unwrap();
        let got = (&y + &y.t()).compute().unwrap();
        prop_assert_eq!(got, &sq + &sq.t());
        let got = (&x * 2.0 - 1.0).sum().compute().unwrap()[[]];
        prop_assert!(close(got, (&data * 2.0 - 1.0).sum(), 1e-12));
    }
}

/// Exact sum of `n` copies of `v` (as f64 values), by integer arithmetic on
/// the significand: the oracle for summation accuracy.
fn exact_repeated_sum(v: f64, n: u64) -> f64 {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
    (mant as u128 * n as u128) as f64 * 2f64.powi(exp)
}

#[test]
fn float_sums_are_pairwise_accurate() {
    // 0.1 ten million times: a running total is off by about 1.6e-4, a sum
    // over tiles added one after another by about 1e-6; pairwise stays
    // within a few ulps of 1e6 (an ulp there is 1.2e-10).
    let n = 10_000_000u64;
    let want = exact_repeated_sum(0.1, n);
    for chunks in [n as usize, 1_000_000, 999_983] {
        let x = DArray::full([n as usize], 0.1f64, chunks).unwrap();
        let got = x.sum().compute().unwrap()[[]];
        assert!((got - want).abs() < 1e-8, "chunks {chunks}: {got} vs {want}");
        let got = (x * 1.0).sum().compute().unwrap()[[]];
        assert!((got - want).abs() < 1e-8, "chunks {chunks}, computed values: {got} vs {want}");
    }
    // Read from memory rather than generated.
    let a = ArrayD::from_elem(IxDyn(&[2000, 5000]), 0.1f64);
    let got = DArray::from_array(a, [2000, 5000]).unwrap().sum().compute().unwrap()[[]];
    let want = exact_repeated_sum(0.1, 10_000_000);
    assert!((got - want).abs() < 1e-8, "{got} vs {want}");
}
