//! Op data crosses a process boundary: every built-in op of every kind
//! round-trips through serde (JSON, readable; CBOR, exact for every float
//! including NaN and infinities), and custom ops (closures) refuse to
//! serialise with an error naming them.

use darray::ops::{BinaryOp, CustomOp, Dist, ElemOp, ReduceOp, Scalar, SourceOp, UnaryOp};
use darray::DType;
use proptest::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

fn json<T: Serialize + DeserializeOwned + PartialEq + Debug>(v: &T) -> T {
    let text = serde_json::to_string(v).unwrap_or_else(|e| panic!("{v:?} serialises: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text} deserialises: {e}"))
}

fn cbor<T: Serialize + DeserializeOwned + PartialEq + Debug>(v: &T) -> T {
    let mut buf = vec![];
    ciborium::into_writer(v, &mut buf).unwrap_or_else(|e| panic!("{v:?} serialises: {e}"));
    ciborium::from_reader(buf.as_slice()).unwrap_or_else(|e| panic!("{v:?} deserialises: {e}"))
}

#[test]
fn every_builtin_op_round_trips() {
    let mut n = 0;
    for &t in DType::ALL {
        assert_eq!(json(&t), t);
        for (op, ins) in ElemOp::builtins_for(t) {
            assert_eq!(json(&op), op);
            assert_eq!(cbor(&op), op);
            // The rebuilt op has the same type rule and name.
            assert_eq!(json(&op).out_dtype(&ins).unwrap(), op.out_dtype(&ins).unwrap());
            assert_eq!(json(&op).name(), op.name());
            n += 1;
        }
        for op in SourceOp::builtins_for(t) {
            assert_eq!(json(&op), op);
            assert_eq!(cbor(&op), op);
            n += 1;
        }
    }
    for op in ReduceOp::builtins() {
        assert_eq!(json(&op), op);
        assert_eq!(cbor(&op), op);
        n += 1;
    }
    // Every unary and binary op, every cast, where, for some type; every
    // source kind; every reduction.
    assert!(n > 400, "{n} ops");
}

#[test]
fn the_builtin_lists_cover_every_variant() {
    // A variant missing from the sample lists would go untested: check that
    // each kind of op appears for the types that take it.
    let names: std::collections::HashSet<String> =
        DType::ALL.iter().flat_map(|&t| ElemOp::builtins_for(t)).map(|(op, _)| op.name().into_owned()).collect();
    for want in [
        "abs",
        "sqrt",
        "exp",
        "ln",
        "log10",
        "log2",
        "sin",
        "cos",
        "tan",
        "tanh",
        "floor",
        "ceil",
        "round",
        "signum",
        "recip",
        "neg",
        "not",
        "isnan",
        "isfinite",
        "clip",
        "powi",
        "powf",
        "add",
        "sub",
        "mul",
        "div",
        "mod",
        "pow",
        "maximum",
        "minimum",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "and",
        "or",
        "xor",
        "arcsin",
        "arccos",
        "arctan",
        "sinh",
        "cosh",
        "arcsinh",
        "arccosh",
        "arctanh",
        "log1p",
        "expm1",
        "exp2",
        "cbrt",
        "square",
        "trunc",
        "deg2rad",
        "rad2deg",
        "isinf",
        "isposinf",
        "isneginf",
        "signbit",
        "round_decimals",
        "nan_to_num",
        "invert",
        "floor_divide",
        "fmod",
        "fmax",
        "fmin",
        "arctan2",
        "hypot",
        "copysign",
        "left_shift",
        "right_shift",
        "where",
        "astype-float32",
        "astype-bool",
        "astype-uint64",
    ] {
        assert!(names.contains(want), "no sample of {want}");
    }
    let sources: std::collections::HashSet<String> =
        DType::ALL.iter().flat_map(|&t| SourceOp::builtins_for(t)).map(|op| op.name().to_string()).collect();
    for want in ["full", "arange", "linspace", "random_uniform", "random_normal"] {
        assert!(sources.contains(want), "no sample of {want}");
    }
    assert_eq!(ReduceOp::builtins().len(), 20);
}

#[test]
fn json_is_readable() {
    let op = ElemOp::ScalarRight { op: BinaryOp::Add, scalar: Scalar::F64(2.5) };
    assert_eq!(serde_json::to_string(&op).unwrap(), r#"{"ScalarRight":{"op":"Add","scalar":{"F64":2.5}}}"#);
    let op = ReduceOp::Var { ddof: 1.0 };
    assert_eq!(serde_json::to_string(&op).unwrap(), r#"{"Var":{"ddof":1.0}}"#);
}

#[test]
fn custom_ops_refuse_to_serialise_naming_the_op() {
    let e = serde_json::to_string(&ElemOp::custom("mapv", 17)).unwrap_err().to_string();
    assert!(e.contains("mapv") && e.contains("17"), "{e}");
    let e = serde_json::to_string(&SourceOp::Custom(CustomOp::new("from_fn", 3))).unwrap_err().to_string();
    assert!(e.contains("from_fn"), "{e}");
    let mut buf = vec![];
    assert!(ciborium::into_writer(&ElemOp::custom("cf-decode", 1), &mut buf).is_err());
    // Nor can one be made from data: there is no closure to rebuild.
    assert!(serde_json::from_str::<ElemOp>(r#"{"Custom":{"name":"mapv","token":1}}"#).is_err());
}

#[test]
fn non_finite_scalars_round_trip_exactly_in_a_binary_format() {
    for x in [f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, f64::from_bits(0x7ff0_0000_0000_0001)] {
        let op = SourceOp::Const(Scalar::F64(x));
        assert_eq!(cbor(&op), op, "{x}");
        let op = ElemOp::Unary(UnaryOp::Clip { min: Scalar::F32(x as f32), max: Scalar::F32(1.0) });
        assert_eq!(cbor(&op), op, "{x}");
    }
    let op = SourceOp::Random { seed: u64::MAX, dist: Dist::Normal { mean: -0.0, std: 1e-300 } };
    assert_eq!(cbor(&op), op);
}

fn scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        any::<bool>().prop_map(Scalar::Bool),
        any::<i8>().prop_map(Scalar::I8),
        any::<i16>().prop_map(Scalar::I16),
        any::<i32>().prop_map(Scalar::I32),
        any::<i64>().prop_map(Scalar::I64),
        any::<u8>().prop_map(Scalar::U8),
        any::<u16>().prop_map(Scalar::U16),
        any::<u32>().prop_map(Scalar::U32),
        any::<u64>().prop_map(Scalar::U64),
        any::<f32>().prop_map(Scalar::F32),
        any::<f64>().prop_map(Scalar::F64),
    ]
}

proptest! {
    /// Any scalar, of any type and value, round-trips bit for bit in CBOR;
    /// a finite one in JSON too.
    #[test]
    fn scalars_round_trip(s in scalar(), op in prop::sample::select(vec![BinaryOp::Sub, BinaryOp::Lt, BinaryOp::Xor])) {
        let elem = ElemOp::ScalarLeft { op, scalar: s };
        prop_assert_eq!(cbor(&elem), elem.clone());
        prop_assert_eq!(Scalar::from_bits(s.dtype(), s.bits()), s);
        if s.to_f64().is_finite() {
            prop_assert_eq!(json(&elem), elem);
        }
    }
}
