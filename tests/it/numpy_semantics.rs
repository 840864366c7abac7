//! One test for each rule of README's "NumPy semantics" section: where
//! darray gives NumPy's value, the value from NumPy is written in; where
//! it deliberately differs, the test pins what darray does instead.

use darray::{DArray, Error};
use ndarray::arr1;

#[test]
fn integer_division_floors_and_true_divide_is_numpys_slash() {
    // NumPy: np.array([-7, 7]) // 2 == [-4, 3]; np.array([-7, 7]) / 2 == [-3.5, 3.5]
    let x = DArray::from_array(arr1(&[-7i32, 7]), 1).unwrap();
    assert_eq!((&x / 2).compute().unwrap().into_raw_vec_and_offset().0, vec![-4, 3]);
    assert_eq!(x.true_divide(2).compute().unwrap().into_raw_vec_and_offset().0, vec![-3.5, 3.5]);
    // Division and remainder by zero give 0 (NumPy: 0, with a warning).
    assert_eq!((&x / 0).compute().unwrap().into_raw_vec_and_offset().0, vec![0, 0]);
    assert_eq!((&x % 0).compute().unwrap().into_raw_vec_and_offset().0, vec![0, 0]);
}

#[test]
fn integer_overflow_wraps() {
    // NumPy: np.int8(127) + np.int8(1) == -128; np.abs(np.int8(-128)) == -128
    let x = DArray::from_array(arr1(&[127i8, -128]), 1).unwrap();
    assert_eq!((&x + 1).compute().unwrap()[0], -128);
    assert_eq!(x.abs().compute().unwrap()[1], -128);
    // The sum of int8 accumulates in int64 (NumPy: int64 on 64-bit platforms).
    assert_eq!(x.sum().compute().unwrap()[[]], -1i64);
}

#[test]
fn float32_sums_accumulate_in_float64() {
    // NumPy sums float32 in float32: np.float32(2**24) + 1 + 1 == 2**24.
    // darray accumulates in float64 and rounds once: 2**24 + 2.
    let x = DArray::from_array(arr1(&[16_777_216.0f32, 1.0, 1.0]), 3).unwrap();
    assert_eq!(x.sum().compute().unwrap()[[]], 16_777_218.0f32);
    assert_eq!(x.mean().compute().unwrap()[[]], (16_777_218.0f64 / 3.0) as f32);
}

#[test]
fn empty_reductions() {
    let e = DArray::<f64>::zeros([0], 1).unwrap();
    // NumPy raises ValueError for min/max/argmin/argmax/ptp of nothing.
    for r in [e.min(), e.max(), e.nanmin(), e.ptp()] {
        assert!(matches!(r.compute(), Err(Error::EmptyReduction { .. })));
    }
    assert!(matches!(e.argmin().compute(), Err(Error::EmptyReduction { .. })));
    // sum 0, prod 1, mean NaN (NumPy warns "Mean of empty slice").
    assert_eq!(e.sum().compute().unwrap()[[]], 0.0);
    assert_eq!(e.prod().compute().unwrap()[[]], 1.0);
    assert!(e.mean().compute().unwrap()[[]].is_nan());
}

#[test]
fn nan_propagates_in_min_max_and_is_skipped_by_the_nan_forms() {
    let x = DArray::from_array(arr1(&[1.0, f64::NAN, 0.0, f64::NAN]), 2).unwrap();
    let y = DArray::from_array(arr1(&[f64::NAN, 2.0, 3.0, f64::NAN]), 2).unwrap();
    assert!(x.max().compute().unwrap()[[]].is_nan());
    assert_eq!(x.nanmax().compute().unwrap()[[]], 1.0);
    // np.argmin([1, nan, 0, nan]) == 1 (the first NaN); np.nanargmin(...) == 2
    assert_eq!(x.argmin().compute().unwrap()[[]], 1);
    assert_eq!(x.nanargmin().compute().unwrap()[[]], 2);
    // np.maximum propagates, np.fmax ignores NaN unless both are.
    let m = x.maximum(&y).compute().unwrap();
    assert!(m[0].is_nan() && m[1].is_nan() && m[2] == 3.0);
    let f = x.fmax(&y).compute().unwrap();
    assert_eq!((f[0], f[1], f[2]), (1.0, 2.0, 3.0));
    assert!(f[3].is_nan());
    // An all-NaN slice: np.nanmin gives NaN (with a warning), np.nanargmin raises.
    let all = DArray::from_array(arr1(&[f64::NAN; 3]), 2).unwrap();
    assert!(all.nanmin().compute().unwrap()[[]].is_nan());
    let e = all.nanargmin().compute().unwrap_err();
    assert!(e.to_string().contains("all-NaN"), "{e}");
}

#[test]
fn average_with_weights_summing_to_zero_is_nan() {
    // NumPy raises ZeroDivisionError; darray is lazy and gives NaN.
    let x = DArray::from_array(arr1(&[1.0f64, 2.0]), 1).unwrap();
    let w = DArray::from_array(arr1(&[1.0, -1.0]), 1).unwrap();
    let a = x.average(&w, &darray::ReduceOpts::all()).compute().unwrap()[[]];
    assert!(a.is_infinite() || a.is_nan(), "{a}");
}

#[test]
fn scalars_take_the_array_type() {
    // NEP 50: a Python float meeting a float32 array is float32, so
    // x * 0.1 rounds 0.1 to float32 first, as here.
    let x = DArray::from_array(arr1(&[3.0f32]), 1).unwrap();
    assert_eq!((&x * 0.1f32).compute().unwrap()[0], 3.0f32 * 0.1f32);
    // Mixed arrays are cast explicitly (NumPy would promote to float64).
    let i = DArray::from_array(arr1(&[3i32]), 1).unwrap();
    let d = DArray::from_array(arr1(&[0.5f64]), 1).unwrap();
    assert_eq!((&i.cast::<f64>() + &d).compute().unwrap()[0], 3.5);
}

#[test]
fn sign_of_zero_and_rounding_follow_numpy() {
    // np.sign(-0.0) == 0.0; np.round(-0.5) == -0.0; np.round(2.5) == 2.0
    let x = DArray::from_array(arr1(&[-0.0f64, -0.5, 2.5]), 2).unwrap();
    let s = x.signum().compute().unwrap();
    assert!(s[0] == 0.0 && s[0].is_sign_positive());
    let r = x.round().compute().unwrap();
    assert!(r[1] == 0.0 && r[1].is_sign_negative());
    assert_eq!(r[2], 2.0);
}
