//! Tokens derive from op data: the same op with the same parameters on the
//! same inputs gives the same token (and so the same tasks); any other
//! parameter, scalar bit pattern, scalar side or input gives another. A
//! closure has no data to hash, so each `mapv` gets a fresh token. Labels
//! shown in graphs keep the ops' names.

use darray::{DArray, ReduceOpts};
use proptest::prelude::*;

fn x() -> DArray<f64> {
    DArray::<f64>::arange(0.0, 12.0, 1.0, 5).unwrap()
}

#[test]
fn equal_op_data_gives_equal_tokens() {
    let (a, b) = (x(), x());
    assert_eq!(a.token(), b.token());
    assert_eq!((&a + 2.0).token(), (&b + 2.0).token());
    assert_eq!((&a + &a).token(), (&b + &b).token());
    assert_eq!(a.clip(1.0, 3.0).token(), b.clip(1.0, 3.0).token());
    assert_eq!(a.powi(3).token(), b.powi(3).token());
    assert_eq!(a.var(1.0).token(), b.var(1.0).token());
    assert_eq!(a.nanstd_axis(0, 0.5).token(), b.nanstd_axis(0, 0.5).token());
    assert_eq!(a.cast::<f32>().token(), b.cast::<f32>().token());
    assert_eq!((&a + f64::NAN).token(), (&b + f64::NAN).token(), "NaN scalars hash by bits");
    assert_eq!(a.log().token(), b.ln().token(), "log is ln");
    let g = |v: &DArray<f64>| v.groupby(0, &[0, 1, 0, 1, 2, 2, 0, 1, 0, 1, 2, 2]).nanvar(1.0).token();
    assert_eq!(g(&a), g(&b));
    let r = |s| DArray::<f64>::random_normal([10], 3, 0.0, 1.0, s).unwrap().token();
    assert_eq!(r(4), r(4));
    assert_ne!(r(4), r(5));
    let l = |n| DArray::<f32>::linspace(0.0, 1.0, n, true, 3).unwrap().token();
    assert_eq!(l(5), l(5));
    assert_ne!(l(5), l(6));
}

#[test]
fn different_op_data_gives_different_tokens() {
    let a = x();
    let distinct = [
        (&a + 2.0).token(),
        (&a + 3.0).token(),
        (&a - 2.0).token(),
        (2.0 - &a).token(),
        (&a + 0.0).token(),
        (&a + -0.0).token(),
        (&a * 2.0).token(),
        (&a + &a).token(),
        a.clip(1.0, 3.0).token(),
        a.clip(1.0, 4.0).token(),
        a.powi(2).token(),
        a.powi(3).token(),
        a.powf(2.0).token(),
        a.var(0.0).token(),
        a.var(1.0).token(),
        a.std(1.0).token(),
        a.nanvar(1.0).token(),
        a.sum().token(),
        a.sum_with(&ReduceOpts::all().keepdims(true)).token(),
        a.sum_with(&ReduceOpts::all().split_every(4)).token(),
        a.nansum().token(),
        a.mean().token(),
        a.min().token(),
        a.argmin().token(),
        a.sqrt().token(),
        a.exp().token(),
        a.less(2.0).token(),
        a.less_equal(2.0).token(),
        a.cast::<f32>().token(),
        a.cast::<i64>().token(),
        a.isnan().token(),
        (-&a).token(),
        a.abs().token(),
        a.maximum(2.0).token(),
        a.minimum(2.0).token(),
    ];
    let set: std::collections::HashSet<u64> = distinct.iter().copied().collect();
    assert_eq!(set.len(), distinct.len(), "{distinct:x?}");
    // The same op on another input.
    let b = DArray::<f64>::arange(0.0, 12.0, 2.0, 5).unwrap();
    assert_ne!((&a + 2.0).token(), (&b + 2.0).token());
    // Sources: the value, type and chunking are all in the token.
    let full = |v: f64, c: usize| DArray::full([6], v, c).unwrap().token();
    assert_ne!(full(1.0, 3), full(2.0, 3));
    assert_ne!(full(1.0, 3), full(1.0, 2));
    assert_ne!(DArray::full([6], 1i32, 3).unwrap().token(), DArray::full([6], 1u32, 3).unwrap().token());
}

#[test]
fn closures_get_fresh_tokens() {
    let a = x();
    assert_ne!(a.mapv(|v| v + 1.0).token(), a.mapv(|v| v + 1.0).token());
    let f = || DArray::from_fn([4], 2, |i| i[0] as f64).unwrap().token();
    assert_ne!(f(), f());
}

#[test]
fn graph_labels_keep_the_op_names() {
    let a = x();
    let b = DArray::from_array(ndarray::arr1(&[true, false]), 1).unwrap();
    let label = |d: String| d.split("op=").nth(1).map(|s| s.trim_end_matches(')').to_string());
    for (got, want) in [
        (format!("{:?}", &a + &a), "add"),
        (format!("{:?}", &a % 2.0), "mod"),
        (format!("{:?}", a.cast::<f32>()), "astype-float32"),
        (format!("{:?}", a.mean()), "mean"),
        (format!("{:?}", a.nanvar(0.0)), "nanvar"),
        (format!("{:?}", a.less(1.0)), "lt"),
        (format!("{:?}", a.log()), "ln"),
        (format!("{:?}", a.mapv(|v| v)), "mapv"),
        (format!("{:?}", !&b), "not"),
        (format!("{:?}", darray::where_(&b, 1.0, 2.0)), "where"),
        (format!("{:?}", DArray::full([2], 1u8, 1).unwrap()), "full"),
        (format!("{:?}", DArray::<f64>::random_uniform([2], 1, 0.0, 1.0, 3).unwrap()), "random_uniform"),
        (format!("{:?}", a.groupby(0, &[0; 12]).sum()), "groupby-sum"),
    ] {
        assert_eq!(label(got.clone()).as_deref(), Some(want), "{got}");
    }
}

proptest! {
    /// A scalar operand is hashed by its bits: two scalars give the same
    /// token exactly when their bit patterns are equal.
    #[test]
    fn scalar_tokens_follow_bits(p in any::<f64>(), q in any::<f64>(), same in any::<bool>()) {
        let q = if same { p } else { q };
        let a = x();
        let (tp, tq) = ((&a * p).token(), (&a * q).token());
        prop_assert_eq!(tp == tq, p.to_bits() == q.to_bits());
        let (cp, cq) = (a.clip(p, 1.0).token(), a.clip(q, 1.0).token());
        prop_assert_eq!(cp == cq, p.to_bits() == q.to_bits());
    }
}
