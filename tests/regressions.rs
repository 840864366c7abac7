//! Regression tests for wrong answers and panics found by testing the public
//! API from outside (issue "Correctness first"). Each compares against NumPy's
//! documented result, written out by hand or computed with plain loops.

use darray::{Config, DArray, Error, ReduceOpts, Sel};
use ndarray::{ArrayD, IxDyn};

fn arr(shape: &[usize], v: Vec<f64>) -> ArrayD<f64> {
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// Computed with the optimizer on and off, on 1 and 2 threads: all agree.
fn all_ways(x: &DArray<f64>) -> darray::Result<ArrayD<f64>> {
    let mut first: Option<darray::Result<ArrayD<f64>>> = None;
    for opt in [true, false] {
        for threads in [1, 2] {
            let r = x.compute_with(&Config::default().optimize(opt).threads(threads)).map(|(a, _)| a);
            match &first {
                None => first = Some(r),
                Some(f) => assert_eq!(format!("{f:?}"), format!("{r:?}"), "optimize {opt}, {threads} threads"),
            }
        }
    }
    first.unwrap()
}

/// `x` chunked [2, 2] made in every way that holds its chunks.
fn held_2x2() -> Vec<(&'static str, DArray<f64>)> {
    let a = arr(&[4, 4], (0..16).map(f64::from).collect());
    let base = DArray::from_array(a.clone(), [2, 2]).unwrap();
    vec![("map_blocks", base.map_blocks(|b, _| b)), ("persist", base.persist().unwrap()), ("from_array", base.clone())]
}

#[test]
fn rechunk_of_a_transposed_held_array() {
    let a = arr(&[4, 4], (0..16).map(f64::from).collect());
    for (how, x) in held_2x2() {
        let got = all_ways(&x.t().rechunk([2, 4])).unwrap();
        assert_eq!(got, a.t().to_owned(), "{how}");
        // NumPy: (x.T + 1).sum(axis=1) over rows of the transpose.
        let s = all_ways(&(&x.t() + 1.0).rechunk([2, 4]).sum_axis(1)).unwrap();
        let want: Vec<f64> = (0..4).map(|j| (0..4).map(|i| a[[i, j]] + 1.0).sum()).collect();
        assert_eq!(s, arr(&[4], want), "{how}");
    }
}

#[test]
fn reshape_beside_a_rechunk_of_the_same_source() {
    let x = DArray::from_array(arr(&[3], vec![1.0, 2.0, 3.0]), [1]).unwrap();
    let y = &x.reshape([3, 1]) + &x.rechunk([2]);
    let got = all_ways(&y).unwrap();
    let want = arr(&[3, 3], (0..9).map(|k| (k / 3 + 1 + k % 3 + 1) as f64).collect());
    assert_eq!(got, want);
}

#[test]
fn rolling_mean_does_not_lose_small_values_after_a_large_one() {
    let v = vec![1e16, 1.0, 1.0, 1.0, 1.0];
    for chunks in [1, 2, 3, 5] {
        let x = DArray::from_array(arr(&[5], v.clone()), [chunks]).unwrap();
        let m = x.rolling_mean(0, 2, false).compute().unwrap();
        // pandas: [NaN, 5e15, 1, 1, 1]
        assert!(m[0].is_nan());
        assert_eq!(m.as_slice().unwrap()[1..], [5e15, 1.0, 1.0, 1.0], "chunks {chunks}");
    }
}

#[test]
fn groupby_over_an_array_with_an_empty_axis() {
    for n in [3usize, 64, 200] {
        let x = DArray::<f64>::zeros([n, 0], [7, 1]).unwrap();
        let labels: Vec<i64> = (0..n as i64).map(|i| i % 5).collect();
        let g = x.groupby(0, &labels);
        let groups = n.min(5);
        assert_eq!(g.mean().compute().unwrap().shape(), &[groups, 0], "{n}");
        assert_eq!(g.sum().compute().unwrap().shape(), &[groups, 0], "{n}");
    }
}

#[test]
fn nanvar_past_the_degrees_of_freedom_is_nan() {
    let x = DArray::from_array(arr(&[3], vec![1.0, f64::NAN, 2.0]), [2]).unwrap();
    let o = ReduceOpts::all();
    // np.nanvar([1, nan, 2], ddof=2) and ddof=5: NaN (count is 2).
    for ddof in [2.0, 5.0, f64::NAN] {
        assert!(x.nanvar_with(&o, ddof).compute().unwrap()[[]].is_nan(), "nanvar ddof {ddof}");
        assert!(x.nanstd_with(&o, ddof).compute().unwrap()[[]].is_nan(), "nanstd ddof {ddof}");
    }
    assert_eq!(x.nanvar_with(&o, 1.0).compute().unwrap()[[]], 0.5);
    let y = DArray::from_array(arr(&[2], vec![1.0, 2.0]), [1]).unwrap();
    // np.var([1, 2], ddof=2) = 0.5 / 0 = inf; ddof=NaN: NaN; [1, 1] ddof=2: 0/0 = NaN.
    assert_eq!(y.var(2.0).compute().unwrap()[[]], f64::INFINITY);
    assert!(y.var(f64::NAN).compute().unwrap()[[]].is_nan());
    let z = DArray::from_array(arr(&[2], vec![1.0, 1.0]), [1]).unwrap();
    assert!(z.var(2.0).compute().unwrap()[[]].is_nan());
}

#[test]
fn extreme_slice_steps() {
    let a: Vec<f64> = (0..5).map(f64::from).collect();
    let x = DArray::from_array(arr(&[5], a.clone()), [2]).unwrap();
    // Python: list(range(5))[::sys.maxsize] == [0]; [::-sys.maxsize-1] == [4].
    let s = x.slice(&[Sel::range(None, None, isize::MAX)]).compute().unwrap();
    assert_eq!(s, arr(&[1], vec![0.0]));
    let s = x.slice(&[Sel::range(None, None, isize::MIN)]).compute().unwrap();
    assert_eq!(s, arr(&[1], vec![4.0]));
    let s = x.slice(&[Sel::range(Some(1), None, isize::MAX)]).compute().unwrap();
    assert_eq!(s, arr(&[1], vec![1.0]));
    let s = x.slice(&[Sel::range(Some(isize::MIN), Some(isize::MAX), 2)]).compute().unwrap();
    assert_eq!(s, arr(&[3], vec![0.0, 2.0, 4.0]));
}

#[test]
fn min_over_an_empty_axis_is_an_error() {
    let x = DArray::<f64>::zeros([0, 3], [1, 2]).unwrap();
    // NumPy: "zero-size array to reduction operation minimum which has no identity".
    assert!(matches!(x.min_axis(0).compute(), Err(Error::EmptyReduction { .. })));
    assert!(matches!(x.max_axis(0).compute(), Err(Error::EmptyReduction { .. })));
    // Over the non-empty axis the result is just empty.
    assert_eq!(x.min_axis(1).compute().unwrap().shape(), &[0]);
}

#[test]
fn arange_without_a_finite_length_is_an_error() {
    assert!(matches!(DArray::<f64>::arange(0.0, f64::INFINITY, 1.0, 10), Err(Error::TooLarge(_))));
    assert!(matches!(DArray::<f64>::arange(0.0, 10.0, f64::NAN, 10), Err(Error::Invalid(_))));
    assert!(matches!(DArray::<f64>::arange(0.0, 1e20, 1.0, 10), Err(Error::TooLarge(_))));
    assert_eq!(DArray::<f64>::arange(0.0, -1.0, 1.0, 10).unwrap().shape(), &[0]);
}

#[test]
fn shapes_that_overflow_are_errors() {
    assert!(matches!(DArray::<f64>::zeros([usize::MAX, 2], [1, 1]), Err(Error::TooLarge(_))));
    assert!(matches!(DArray::<f64>::zeros([usize::MAX / 8 + 1], darray::ChunkSpec::auto()), Err(Error::TooLarge(_))));
    assert!(matches!(DArray::<f64>::ones([1_000_000_000_000_000], [1]), Err(Error::TooLarge(_))));
    let e = DArray::<f64>::zeros([0], [1]).unwrap();
    assert!(matches!(e.reshape([1 << 32, 1 << 32]).compute(), Err(Error::TooLarge(_))));
    // A broadcast whose result overflows.
    let a = DArray::<f64>::zeros([1 << 32, 1], [1 << 31, 1]).unwrap();
    let b = DArray::<f64>::zeros([1, 1 << 32], [1, 1 << 31]).unwrap();
    assert!(matches!((&a + &b).validate(), Err(Error::TooLarge(_))));
}

#[test]
fn too_many_threads_is_an_error() {
    let x = DArray::<f64>::ones([10], [5]).unwrap();
    assert!(matches!(x.sum().compute_with(&Config::default().threads(200_000)), Err(Error::Invalid(_))));
    assert_eq!(x.sum().compute_with(&Config::default().threads(3)).unwrap().0[[]], 10.0);
}

#[test]
fn min_over_an_empty_axis_is_an_error_whatever_the_result_shape() {
    for (shape, axis) in [(vec![0, 0], 0), (vec![3, 0], 1), (vec![0], 0), (vec![2, 0, 2], 1)] {
        let x = DArray::<f64>::zeros(shape.clone(), vec![1; shape.len()]).unwrap();
        assert!(matches!(all_ways(&x.min_axis(axis)), Err(Error::EmptyReduction { .. })), "{shape:?} {axis}");
        assert!(matches!(all_ways(&x.argmax_axis(axis).cast::<f64>()), Err(Error::EmptyReduction { .. })), "{shape:?}");
    }
}

#[test]
fn remainder_takes_the_divisors_sign_as_in_numpy() {
    // np.array([-7, 7, -7, 7, 5]) % np.array([3, 3, -3, -3, 0]) == [2, 1, -1, -2, 0]
    let a = DArray::from_array(ndarray::arr1(&[-7i64, 7, -7, 7, 5]).into_dyn(), [2]).unwrap();
    let b = DArray::from_array(ndarray::arr1(&[3i64, 3, -3, -3, 0]).into_dyn(), [3]).unwrap();
    assert_eq!((&a % &b).compute().unwrap().into_raw_vec_and_offset().0, vec![2, 1, -1, -2, 0]);
    // -10.0 % 360.0 == 350.0; 10.0 % -360.0 == -350.0; -0.0 % 5 == 0.0 (sign of the divisor).
    let x = DArray::from_array(arr(&[3], vec![-10.0, 10.0, -0.0]), [2]).unwrap();
    let r = (&x % 360.0).compute().unwrap();
    assert_eq!(r.as_slice().unwrap()[..2], [350.0, 10.0]);
    assert!(r[2] == 0.0 && r[2].is_sign_positive());
    assert_eq!((&x % -360.0).compute().unwrap().as_slice().unwrap()[..2], [-10.0, -350.0]);
    // -x flips the sign of zero: 1 / -(0.0) is -inf.
    let z = DArray::from_array(arr(&[2], vec![0.0, 2.0]), [1]).unwrap();
    assert_eq!((1.0 / &(-&z)).compute().unwrap().as_slice().unwrap(), [f64::NEG_INFINITY, -0.5]);
}

#[test]
fn sign_of_a_negative_zero_is_positive_zero_as_in_numpy() -> darray::Result<()> {
    // np.sign(-0.0) == 0.0 (positive): so -1 / sign(-0.0) is -inf, not inf.
    // Found by a long run of the differential harness.
    let x = DArray::from_array(arr(&[3], vec![-0.0, 0.0, f64::NAN]), 2)?;
    let s = all_ways(&x.signum())?;
    assert!(s[[0]] == 0.0 && s[[0]].is_sign_positive(), "{}", s[[0]]);
    assert!(s[[1]] == 0.0 && s[[1]].is_sign_positive());
    assert!(s[[2]].is_nan());
    let r = all_ways(&(-1.0 / x.signum()))?;
    assert_eq!(r[[0]], f64::NEG_INFINITY);
    let f = DArray::from_array(ndarray::arr1(&[-0.0f32]).into_dyn(), 1)?.signum().compute()?;
    assert!(f[[0]].is_sign_positive());
    Ok(())
}
