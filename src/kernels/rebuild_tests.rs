//! Kernels rebuilt from the op data they report (sent through serde, as
//! another process would receive them) compute what the originals do, for
//! every built-in op and every element type it takes.

use super::elementwise::kernel_for;
use super::reduce::{reducer_for, Dest};
use super::source::{source_for, Run};
use crate::dtype::{AnyArray, AnySlice, AnyVec, DType, Element};
use crate::ops::{ElemOp, ReduceOp, SourceOp};
use crate::{dispatch, with_dtype};
use proptest::prelude::*;

/// Sends a value through a CBOR round trip (a binary format: it carries
/// every float exactly, NaN and infinities too, which JSON cannot).
fn resend<T>(v: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let mut cbor = vec![];
    ciborium::into_writer(v, &mut cbor).expect("built-in ops serialise");
    let back: T = ciborium::from_reader(cbor.as_slice()).expect("and deserialise");
    assert_eq!(&back, v);
    back
}

/// A buffer of type `t` holding the values of the bit patterns `bits`.
fn values(t: DType, bits: &[u64]) -> AnyVec {
    with_dtype!(t, T => T::wrap_vec(bits.iter().map(|&b| T::el_from_bits(b)).collect()))
}

fn zeros(t: DType, n: usize) -> AnyVec {
    with_dtype!(t, T => T::wrap_vec(vec![T::default(); n]))
}

fn bits_of(v: &AnyVec) -> Vec<u64> {
    dispatch!(AnyVec, v, a => a.iter().map(|x| x.el_bits()).collect())
}

fn array_bits(a: &AnyArray) -> Vec<u64> {
    dispatch!(AnyArray, a, a => a.iter().map(|x| x.el_bits()).collect())
}

/// Bit patterns with the special values of every type mixed in: zeros,
/// extremes, NaN and infinities of both float widths.
fn patterns() -> impl Strategy<Value = Vec<u64>> {
    let special = prop_oneof![
        Just(0u64),
        Just(1),
        Just(u64::MAX),
        Just(0x8000_0000_0000_0000),
        Just(f64::NAN.to_bits()),
        Just(f64::INFINITY.to_bits()),
        Just((-0.0f64).to_bits()),
        Just(f32::NAN.to_bits() as u64),
        Just(f32::NEG_INFINITY.to_bits() as u64),
        Just(2.5f64.to_bits()),
        Just(2.5f32.to_bits() as u64),
    ];
    prop::collection::vec(prop_oneof![3 => any::<u64>(), 1 => special, 2 => 0u64..8], 1..200)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rebuilt_elementwise_kernels_give_the_same_values(bits in patterns(), more in patterns()) {
        let n = bits.len().min(more.len());
        for &t in DType::ALL {
            for (op, ins) in ElemOp::builtins_for(t) {
                let k = kernel_for(&op, &ins).unwrap();
                prop_assert_eq!(k.op(), &op);
                prop_assert_eq!(k.name(), op.name());
                prop_assert_eq!(k.out_dtype(), op.out_dtype(&ins).unwrap());
                let again = kernel_for(&resend(k.op()), &k.in_dtypes()).unwrap();
                // Inputs: the two bit streams, the condition of `where` as
                // their low bits.
                let args: Vec<AnyVec> = ins
                    .iter()
                    .enumerate()
                    .map(|(i, &d)| values(d, &if i % 2 == 0 { &bits } else { &more }[..n]))
                    .collect();
                let slices: Vec<AnySlice<'_>> = args.iter().map(|a| a.window(0, n)).collect();
                let (mut a, mut b) = (zeros(k.out_dtype(), n), zeros(again.out_dtype(), n));
                k.apply(&slices, a.window_mut(0, n));
                again.apply(&slices, b.window_mut(0, n));
                prop_assert_eq!(bits_of(&a), bits_of(&b), "{} on {:?}", op, ins);
            }
        }
    }

    #[test]
    fn rebuilt_reducers_give_the_same_values(bits in patterns(), split in 0usize..200) {
        let n = bits.len();
        let split = split.min(n);
        for &t in DType::ALL {
            let xs = values(t, &bits);
            for op in ReduceOp::builtins() {
                let Ok(r) = reducer_for(op, t) else {
                    prop_assert!(op.out_dtype(t).is_err(), "{} takes {:?} but has no reducer", op, t);
                    continue;
                };
                prop_assert_eq!(r.op(), op);
                prop_assert_eq!(r.in_dtype(), t);
                let again = reducer_for(resend(&r.op()), r.in_dtype()).unwrap();
                // Two partials (cell folds over the halves, range folds
                // cell by cell), merged, then finalised.
                let run = |r: &dyn super::Reducer| {
                    let mut acc = r.init(&[1]);
                    r.fold(&mut acc, xs.window(0, split), Dest::Cell(0), (0, 1));
                    let mut other = r.init(&[1]);
                    for j in split..n {
                        r.fold(&mut other, xs.window(j, j + 1), Dest::Range(0), (j as i64, 1));
                    }
                    r.merge(&mut acc, &other);
                    r.finalize(acc).map(|a| array_bits(&a)).map_err(|e| e.to_string())
                };
                prop_assert_eq!(run(&*r), run(&*again), "{} of {:?}", op, t);
            }
        }
    }

    #[test]
    fn rebuilt_sources_give_the_same_values(start in 0usize..50, len in 1usize..100, step in prop_oneof![Just(1isize), Just(-1)]) {
        let start = if step < 0 { start + len } else { start };
        for &t in DType::ALL {
            for op in SourceOp::builtins_for(t) {
                // Linspace makes its `num` values; the run may walk past
                // them (values are still defined there).
                let shape = match op {
                    SourceOp::Linspace { num, .. } => [num],
                    _ => [200],
                };
                let s = source_for(&op, t, &shape).unwrap();
                prop_assert_eq!(s.op(), &op);
                prop_assert_eq!(s.dtype(), t);
                let again = source_for(&resend(s.op()), s.dtype(), &shape).unwrap();
                let (mut a, mut b) = (zeros(t, len), zeros(t, len));
                let run = Run { axis: Some(0), step };
                s.fill(&[start], run, a.window_mut(0, len));
                again.fill(&[start], run, b.window_mut(0, len));
                prop_assert_eq!(bits_of(&a), bits_of(&b), "{} of {:?}", op, t);
            }
        }
    }
}

#[test]
fn every_element_type_has_kernels_and_the_type_rules_hold() {
    for &t in DType::ALL {
        let ops = ElemOp::builtins_for(t);
        // Comparisons and casts take every type.
        assert!(ops.len() >= 6 + DType::ALL.len(), "{t:?}: {ops:?}");
        for (op, ins) in &ops {
            assert!(kernel_for(op, ins).is_ok(), "{op} on {ins:?}");
        }
    }
    // Ops refused by their type rule have no kernel.
    let sqrt = ElemOp::Unary(crate::ops::UnaryOp::Sqrt);
    assert!(kernel_for(&sqrt, &[DType::I32]).is_err());
    assert!(kernel_for(&ElemOp::Binary(crate::ops::BinaryOp::Add), &[DType::F32, DType::F64]).is_err());
    assert!(kernel_for(&ElemOp::custom("mapv", 1), &[DType::F64]).is_err());
    assert!(reducer_for(ReduceOp::Mean, DType::Bool).is_err());
    assert!(source_for(&SourceOp::Arange { start: 0i32.into(), step: 1i32.into() }, DType::I32, &[2, 2]).is_err());
}
