//! Creation functions against ndarray equivalents.

use crate::common;
use common::*;
use darray::{ChunkSpec, DArray, Error};
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn constants_and_from_fn((s, c) in shape_and_chunks(4, 6), v in -10i32..10) {
        prop_assert_eq!(DArray::<i32>::zeros(&s, c.clone()).unwrap().compute().unwrap(), ArrayD::<i32>::zeros(IxDyn(&s)));
        prop_assert_eq!(DArray::<u16>::ones(&s, c.clone()).unwrap().compute().unwrap(), ArrayD::<u16>::ones(IxDyn(&s)));
        prop_assert_eq!(DArray::full(&s, v, c.clone()).unwrap().compute().unwrap(), ArrayD::from_elem(IxDyn(&s), v));
        let f = |i: &[usize]| i.iter().enumerate().map(|(k, &x)| (x * (k + 3)) as i64).sum::<i64>();
        let want = ArrayD::from_shape_fn(IxDyn(&s), |i| f(i.slice()));
        prop_assert_eq!(DArray::from_fn(&s, c, f).unwrap().compute().unwrap(), want);
    }

    #[test]
    fn from_array_round_trips((a, c) in shape_and_chunks(4, 6).prop_flat_map(|(s, c)| (values(&s, any::<i64>()), Just(c)))) {
        let d = DArray::from_array(a.clone(), c).unwrap();
        prop_assert_eq!(d.shape(), a.shape());
        prop_assert_eq!(d.compute().unwrap(), a);
    }

    #[test]
    fn arange_and_linspace(start in -50i64..50, len in 0usize..60, step in 1i64..5, chunk in 1usize..20) {
        let stop = start + len as i64;
        let want: Vec<i64> = (start..stop).step_by(step as usize).collect();
        prop_assert_eq!(DArray::arange(start, stop, step, chunk).unwrap().compute().unwrap().into_raw_vec_and_offset().0, want.clone());
        let down: Vec<i64> = want.iter().map(|&v| stop + start - v).collect();
        prop_assert_eq!(DArray::arange(stop, start, -step, chunk).unwrap().compute().unwrap().into_raw_vec_and_offset().0, down);
        let l = DArray::linspace(-1.0, 3.0, len, true, chunk).unwrap().compute().unwrap();
        // NumPy: start + i * step, with the end point set exactly.
        let step = 4.0 / (len.max(2) - 1) as f64;
        let mut want: Vec<f64> = (0..len).map(|i| -1.0 + i as f64 * step).collect();
        if len > 1 {
            want[len - 1] = 3.0;
        }
        prop_assert_eq!(l.into_raw_vec_and_offset().0, want);
    }
}

#[test]
fn chunk_accessors() {
    let x = DArray::<f32>::ones([10, 0, 3], [4, 2, 3]).unwrap();
    assert_eq!(x.chunks(), &[vec![4, 4, 2], vec![0], vec![3]]);
    assert_eq!(x.numblocks(), vec![3, 1, 1]);
    assert_eq!((x.ndim(), x.len(), x.nbytes()), (3, 0, 0));
    let y = DArray::<f64>::zeros([1000, 1000], ChunkSpec::auto()).unwrap();
    assert_eq!(y.numblocks(), vec![1, 1]);
    assert_eq!(y.nbytes(), 8_000_000);
}

#[test]
fn bad_creation_arguments_are_errors() {
    assert!(matches!(DArray::<f64>::ones([10], [0]), Err(Error::Chunks(_))));
    assert!(matches!(DArray::<f64>::ones([10, 10], [5]), Err(Error::Chunks(_))));
    assert!(matches!(DArray::<f64>::ones([10], vec![vec![4, 4]]), Err(Error::Chunks(_))));
    assert!(matches!(DArray::arange(0, 10, 0, 2), Err(Error::Invalid(_))));
    assert!(matches!(DArray::<f64>::random_uniform([3], 1, 0.0, f64::INFINITY, 0), Err(Error::Invalid(_))));
    // NumPy's uniform(2, 1) is allowed: values in (1, 2].
    let u = DArray::<f64>::random_uniform([100], 10, 2.0, 1.0, 0).unwrap().compute().unwrap();
    assert!(u.iter().all(|&v| v > 1.0 && v <= 2.0));
    assert!(matches!(DArray::<f64>::random_normal([3], 1, 0.0, -1.0, 0), Err(Error::Invalid(_))));
}
