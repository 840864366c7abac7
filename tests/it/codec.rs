//! The payload codec against the documented byte layout: round trips for
//! every element type, shape (0-d, empty) and memory layout; corrupt and
//! truncated bytes give typed errors, never a panic.

use darray::dtype::AnyArray;
use darray::graph::{Payload, PAYLOAD_FORMAT_VERSION};
use darray::Error;
use ndarray::{ArrayD, Axis, IxDyn, Slice};
use proptest::collection::vec;
use proptest::prelude::*;
use std::fmt::Debug;

/// The documented dtype codes, written out independently of the codec.
fn code(a: &AnyArray) -> u8 {
    match a {
        AnyArray::Bool(_) => 0,
        AnyArray::I8(_) => 1,
        AnyArray::I16(_) => 2,
        AnyArray::I32(_) => 3,
        AnyArray::I64(_) => 4,
        AnyArray::U8(_) => 5,
        AnyArray::U16(_) => 6,
        AnyArray::U32(_) => 7,
        AnyArray::U64(_) => 8,
        AnyArray::F32(_) => 9,
        AnyArray::F64(_) => 10,
    }
}

fn put_shape<T>(a: &ArrayD<T>, out: &mut Vec<u8>) {
    out.extend_from_slice(&(a.ndim() as u32).to_le_bytes());
    for &n in a.shape() {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
}

/// The layout of one array, element by element in logical order (ndarray's
/// `iter`), as the format's table describes it.
fn oracle_array(a: &AnyArray, out: &mut Vec<u8>) {
    out.push(code(a));
    macro_rules! le {
        ($x:expr) => {{
            put_shape($x, out);
            for v in $x.iter() {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }};
    }
    match a {
        AnyArray::Bool(x) => {
            put_shape(x, out);
            out.extend(x.iter().map(|&b| b as u8));
        }
        AnyArray::I8(x) => le!(x),
        AnyArray::I16(x) => le!(x),
        AnyArray::I32(x) => le!(x),
        AnyArray::I64(x) => le!(x),
        AnyArray::U8(x) => le!(x),
        AnyArray::U16(x) => le!(x),
        AnyArray::U32(x) => le!(x),
        AnyArray::U64(x) => le!(x),
        AnyArray::F32(x) => le!(x),
        AnyArray::F64(x) => le!(x),
    }
}

fn header(kind: u8) -> Vec<u8> {
    let mut out = b"DAPL".to_vec();
    out.push(PAYLOAD_FORMAT_VERSION);
    out.push(kind);
    out
}

fn oracle(p: &[AnyArray], partial: bool) -> Vec<u8> {
    let mut out = header(if partial { 2 } else { 1 });
    if partial {
        out.extend_from_slice(&(p.len() as u64).to_le_bytes());
    }
    for a in p {
        oracle_array(a, &mut out);
    }
    out
}

/// Equal dtype, shape and element bits (NaN payloads included).
fn same(a: &AnyArray, b: &AnyArray) -> bool {
    oracle(std::slice::from_ref(a), false) == oracle(std::slice::from_ref(b), false)
}

/// Views that are not in standard layout, chosen by the bits of `mask`.
fn relayout<T>(a: &mut ArrayD<T>, mask: u8) {
    let nd = a.ndim();
    if mask & 1 != 0 {
        a.slice_each_axis_inplace(|_| Slice::new(0, None, 2));
    }
    if mask & 2 != 0 {
        for ax in 0..nd {
            a.invert_axis(Axis(ax));
        }
    }
    if mask & 4 != 0 && nd >= 2 {
        a.swap_axes(0, nd - 1);
    }
    if mask & 8 != 0 && nd >= 1 {
        // An offset view: the first position of axis 0 dropped.
        let n = a.len_of(Axis(0));
        a.slice_axis_inplace(Axis(0), Slice::new(n.min(1) as isize, None, 1));
    }
}

fn array_of<T: Arbitrary + Clone + Debug + 'static>(
    wrap: fn(ArrayD<T>) -> AnyArray,
    max_len: usize,
) -> impl Strategy<Value = AnyArray> {
    (vec(0..=max_len, 0..=4), any::<u8>()).prop_flat_map(move |(shape, mask)| {
        let n: usize = shape.iter().product();
        vec(any::<T>(), n).prop_map(move |v| {
            let mut a = ArrayD::from_shape_vec(IxDyn(&shape), v).expect("one value per position");
            relayout(&mut a, mask);
            wrap(a)
        })
    })
}

fn any_array(max_len: usize) -> impl Strategy<Value = AnyArray> {
    prop_oneof![
        array_of::<bool>(AnyArray::Bool, max_len),
        array_of::<i8>(AnyArray::I8, max_len),
        array_of::<i16>(AnyArray::I16, max_len),
        array_of::<i32>(AnyArray::I32, max_len),
        array_of::<i64>(AnyArray::I64, max_len),
        array_of::<u8>(AnyArray::U8, max_len),
        array_of::<u16>(AnyArray::U16, max_len),
        array_of::<u32>(AnyArray::U32, max_len),
        array_of::<u64>(AnyArray::U64, max_len),
        array_of::<f32>(AnyArray::F32, max_len),
        array_of::<f64>(AnyArray::F64, max_len),
    ]
}

/// A payload and whether it is a partial.
fn any_payload(max_len: usize) -> impl Strategy<Value = (Vec<AnyArray>, bool)> {
    prop_oneof![
        any_array(max_len).prop_map(|a| (vec![a], false)),
        vec(any_array(max_len), 0..4).prop_map(|p| (p, true))
    ]
}

fn payload(arrays: &[AnyArray], partial: bool) -> Payload {
    if partial {
        Payload::Partial(arrays.to_vec())
    } else {
        Payload::Array(arrays[0].clone())
    }
}

fn check_round_trip(a: &AnyArray) -> Result<(), TestCaseError> {
    let bytes = Payload::Array(a.clone()).encode().expect("an array encodes");
    prop_assert_eq!(&bytes, &oracle(std::slice::from_ref(a), false));
    prop_assert_eq!(&a.encode(), &bytes);
    let Payload::Array(back) = Payload::decode(&bytes).expect("its own encoding decodes") else {
        return Err(TestCaseError::fail("an array payload decodes to an array"));
    };
    prop_assert!(same(&back, a), "{back:?} != {a:?}");
    prop_assert!(same(&AnyArray::decode(&bytes).expect("decodes as an array"), a));
    Ok(())
}

macro_rules! round_trip_per_dtype {
    ($($name:ident: $t:ty => $v:ident),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            $(
                #[test]
                fn $name(a in array_of::<$t>(AnyArray::$v, 5)) {
                    check_round_trip(&a)?;
                }
            )*
        }
    };
}

round_trip_per_dtype!(
    round_trip_bool: bool => Bool,
    round_trip_i8: i8 => I8,
    round_trip_i16: i16 => I16,
    round_trip_i32: i32 => I32,
    round_trip_i64: i64 => I64,
    round_trip_u8: u8 => U8,
    round_trip_u16: u16 => U16,
    round_trip_u32: u32 => U32,
    round_trip_u64: u64 => U64,
    round_trip_f32: f32 => F32,
    round_trip_f64: f64 => F64,
);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn partials_round_trip(p in vec(any_array(4), 0..5)) {
        let bytes = Payload::Partial(p.clone()).encode().expect("a partial encodes");
        prop_assert_eq!(&bytes, &oracle(&p, true));
        let Payload::Partial(back) = Payload::decode(&bytes).expect("its own encoding decodes") else {
            return Err(TestCaseError::fail("a partial decodes to a partial"));
        };
        prop_assert_eq!(back.len(), p.len());
        for (b, a) in back.iter().zip(&p) {
            prop_assert!(same(b, a), "{b:?} != {a:?}");
        }
        prop_assert!(matches!(AnyArray::decode(&bytes), Err(Error::Decode(_))));
    }

    /// Every strict prefix of an encoding is an error (the format knows its
    /// length from its header), never a panic.
    #[test]
    fn truncation_at_every_byte_is_an_error((arrays, partial) in any_payload(3)) {
        let bytes = payload(&arrays, partial).encode().expect("encodes");
        for k in 0..bytes.len() {
            let r = Payload::decode(&bytes[..k]);
            prop_assert!(matches!(r, Err(Error::Decode(_))), "prefix of {k} of {} bytes: {r:?}", bytes.len());
            prop_assert!(AnyArray::decode(&bytes[..k]).is_err());
        }
    }

    /// Flipped bytes decode to an error or to a payload that encodes back
    /// to exactly those bytes (every field is stored as is); never a panic.
    #[test]
    fn byte_flips_never_panic(
        (arrays, partial) in any_payload(4),
        flips in vec((any::<prop::sample::Index>(), 1..=255u8), 1..4),
    ) {
        let mut bytes = payload(&arrays, partial).encode().expect("encodes");
        for (i, x) in &flips {
            let i = i.index(bytes.len());
            bytes[i] ^= x;
        }
        match Payload::decode(&bytes) {
            Ok(p) => prop_assert_eq!(p.encode().expect("a decoded payload encodes"), bytes),
            Err(e) => prop_assert!(matches!(e, Error::Decode(_)), "{e}"),
        }
    }
}

#[test]
fn standard_layout_and_view_encode_alike() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| (i[0] * 100 + i[1] * 10 + i[2]) as f32);
    let t = a.clone().reversed_axes();
    let std = t.as_standard_layout().to_owned();
    assert!(t.as_slice().is_none() && std.as_slice().is_some());
    assert_eq!(AnyArray::F32(t).encode(), AnyArray::F32(std).encode());
}

#[test]
fn a_delayed_value_is_not_encodable() {
    let v: darray::delayed::Value = std::sync::Arc::new(5i32);
    assert!(matches!(Payload::Value(v).encode(), Err(Error::NotEncodable(_))));
}

/// Headers that claim more than the bytes hold are errors before anything
/// of their size is allocated.
#[test]
fn lengths_are_checked_against_the_bytes() {
    let array = |code: u8, shape: &[u64]| {
        let mut b = header(1);
        b.push(code);
        b.extend_from_slice(&(shape.len() as u32).to_le_bytes());
        for &n in shape {
            b.extend_from_slice(&n.to_le_bytes());
        }
        b
    };
    let decode_err = |b: &[u8]| matches!(Payload::decode(b), Err(Error::Decode(_)));
    // Axes claimed, none there.
    let mut b = header(1);
    b.push(10);
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode_err(&b));
    // Elements claimed, none there: within usize, and overflowing it.
    assert!(decode_err(&array(5, &[1 << 62])));
    assert!(decode_err(&array(10, &[1 << 40, 1 << 40])));
    assert!(decode_err(&array(10, &[u64::MAX, u64::MAX, 2])));
    // An empty array whose shape ndarray cannot represent.
    assert!(decode_err(&array(10, &[0, u64::MAX])));
    // An empty array of a shape it can: fine.
    let Payload::Array(e) = Payload::decode(&array(3, &[0, 1 << 40])).unwrap() else { panic!("an array") };
    assert_eq!(e, AnyArray::I32(ArrayD::zeros(IxDyn(&[0, 1 << 40]))));
    // A partial claiming more arrays than could fit.
    let mut b = header(2);
    b.extend_from_slice(&u64::MAX.to_le_bytes());
    assert!(decode_err(&b));
    let mut b = header(2);
    b.extend_from_slice(&0u64.to_le_bytes());
    assert!(matches!(Payload::decode(&b), Ok(Payload::Partial(p)) if p.is_empty()));
}

#[test]
fn malformed_headers_are_errors() {
    let good = AnyArray::Bool(ArrayD::from_elem(IxDyn(&[2]), true)).encode();
    let decode_err = |b: &[u8]| matches!(Payload::decode(b), Err(Error::Decode(_)));
    assert!(!decode_err(&good));
    let with = |i: usize, v: u8| {
        let mut b = good.clone();
        b[i] = v;
        b
    };
    assert!(decode_err(&with(0, b'X')), "magic");
    assert!(decode_err(&with(4, PAYLOAD_FORMAT_VERSION + 1)), "version");
    assert!(decode_err(&with(5, 3)), "kind");
    assert!(decode_err(&with(6, 11)), "dtype code");
    assert!(decode_err(&with(good.len() - 1, 2)), "a bool byte other than 0 or 1");
    let mut long = good.clone();
    long.push(0);
    assert!(decode_err(&long), "trailing bytes");
    assert!(decode_err(&[]));
}
