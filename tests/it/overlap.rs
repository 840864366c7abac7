//! `map_overlap` with every boundary mode and `rolling_mean` against
//! computations on the whole array (padded as NumPy's `pad` does) over
//! random shapes, chunkings and depths.

use crate::common;
use common::*;
use darray::{Boundary, DArray, Error};
use ndarray::{ArrayD, Axis, Dimension, IxDyn};
use proptest::prelude::*;

/// NumPy's `pad` of coordinate `e` on an axis of length `n`; `None` means
/// the constant (or, for `Boundary::None`, no value).
fn np_pad(e: isize, n: isize, b: Boundary<f64>) -> Option<usize> {
    if e >= 0 && e < n {
        return Some(e as usize);
    }
    match b {
        Boundary::None | Boundary::Constant(_) => None,
        Boundary::Edge => Some(if e < 0 { 0 } else { n as usize - 1 }),
        Boundary::Reflect => Some(if e < 0 { (-e) as usize } else { (2 * (n - 1) - e) as usize }),
        Boundary::Symmetric => Some(if e < 0 { (-e - 1) as usize } else { (2 * n - 1 - e) as usize }),
        Boundary::Wrap => Some(e.rem_euclid(n) as usize),
    }
}

/// An asymmetric cross-shaped stencil: out[i] = sum over axes a and
/// offsets k in -d..=d of (10 + k) * x[i + k e_a], terms without a value
/// skipped (array edges under `Boundary::None`, or the edges of the
/// extended block, which are trimmed away).
fn stencil(x: &ArrayD<f64>, d: usize) -> ArrayD<f64> {
    let mut out = ArrayD::zeros(x.raw_dim());
    for (i, o) in out.indexed_iter_mut() {
        let mut s = 0.0;
        for a in 0..x.ndim() {
            for k in -(d as isize)..=(d as isize) {
                let j = i[a] as isize + k;
                if j >= 0 && (j as usize) < x.shape()[a] {
                    let mut idx = i.slice().to_vec();
                    idx[a] = j as usize;
                    s += (10.0 + k as f64) * x[IxDyn(&idx)];
                }
            }
        }
        *o = s;
    }
    out
}

fn boundary() -> impl Strategy<Value = Boundary<f64>> {
    prop_oneof![
        Just(Boundary::None),
        Just(Boundary::Constant(-7.5)),
        Just(Boundary::Edge),
        Just(Boundary::Reflect),
        Just(Boundary::Symmetric),
        Just(Boundary::Wrap),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn map_overlap_matches_the_padded_whole_array(
        (shape, chunks) in prop::collection::vec(2usize..8, 1..=3).prop_flat_map(|s| (Just(s.clone()), chunking(s))),
        b in boundary(), d in 0usize..3, seed in any::<u64>(),
    ) {
        prop_assume!(!matches!(b, Boundary::Reflect) || shape.iter().all(|&n| d < n));
        let a: ArrayD<f64> = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            (i.slice().iter().fold(seed % 1009, |acc, &v| acc * 7 + v as u64) % 23) as f64
        });
        let x = DArray::from_array(a.clone(), chunks).unwrap();
        let got = x.map_overlap(&vec![d; shape.len()], b, move |blk: ArrayD<f64>, _| stencil(&blk, d)).compute().unwrap();
        // The oracle: pad the whole array, apply the stencil, crop.
        let want = if matches!(b, Boundary::None) {
            stencil(&a, d)
        } else {
            let pshape: Vec<usize> = shape.iter().map(|&n| n + 2 * d).collect();
            let fill = if let Boundary::Constant(v) = b { v } else { f64::NAN };
            let padded = ArrayD::from_shape_fn(IxDyn(&pshape), |i| {
                let src: Option<Vec<usize>> = (0..shape.len())
                    .map(|k| np_pad(i[k] as isize - d as isize, shape[k] as isize, b))
                    .collect();
                src.map_or(fill, |s| a[IxDyn(&s)])
            });
            let full = stencil(&padded, d);
            let win: Vec<ndarray::SliceInfoElem> = shape.iter().map(|&n| ndarray::Slice::from(d..d + n).into()).collect();
            full.slice(win.as_slice()).to_owned()
        };
        assert_close(&got, &want, 1e-12)?;
    }

    #[test]
    fn rolling_mean_matches_loops(
        (shape, chunks) in prop::collection::vec(1usize..9, 1..=2).prop_flat_map(|s| (Just(s.clone()), chunking(s))),
        axis_pick in 0usize..2, window in 1usize..6, center: bool, seed in any::<u64>(),
    ) {
        let axis = axis_pick % shape.len();
        prop_assume!(window <= shape[axis]);
        let a: ArrayD<f64> = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            let k = i.slice().iter().fold(seed % 1013, |acc, &v| acc * 11 + v as u64);
            match k % 29 { 5 => f64::NAN, 7 => f64::INFINITY, 11 => f64::NEG_INFINITY, _ => (k % 31) as f64 }
        });
        let x = DArray::from_array(a.clone(), chunks).unwrap();
        let got = x.rolling_mean(axis, window, center).compute().unwrap();
        let after = if center { (window - 1) / 2 } else { 0 };
        let mut want = a.clone();
        for (mut o, lane) in want.lanes_mut(Axis(axis)).into_iter().zip(a.lanes(Axis(axis))) {
            let n = lane.len() as isize;
            for p in 0..n {
                let (lo, hi) = (p + after as isize + 1 - window as isize, p + after as isize);
                o[p as usize] = if lo < 0 || hi >= n {
                    f64::NAN
                } else {
                    (lo..=hi).map(|k| lane[k as usize]).sum::<f64>() / window as f64
                };
            }
        }
        assert_close(&got, &want, 1e-12)?;
    }
}

#[test]
fn bad_windows_and_depths_are_errors() {
    let x = DArray::<f64>::ones([5, 4], [2, 2]).unwrap();
    assert!(matches!(x.rolling_mean(0, 6, false).compute(), Err(Error::Invalid(_))));
    assert!(matches!(x.rolling_mean(0, 0, false).validate(), Err(Error::Invalid(_))));
    assert!(matches!(x.rolling_mean(2, 2, false).compute(), Err(Error::Axis { .. })));
    // The errored array keeps the input's shape; an input's own error wins.
    assert_eq!(x.rolling_mean(0, 6, false).shape(), x.shape());
    assert!(matches!(x.sum_axis(3).rolling_mean(0, 9, true).compute(), Err(Error::Axis { axis: 3, .. })));
    let f = |b: ArrayD<f64>, _: &[usize]| b;
    assert!(x.map_overlap(&[1], Boundary::Edge, f).validate().is_err());
    assert!(x.map_overlap(&[1, 4], Boundary::Reflect, f).validate().is_err());
    assert!(x.map_overlap(&[1, 4], Boundary::Wrap, f).validate().is_ok());
    // A function returning the wrong shape names the task.
    let e = x.map_overlap(&[1, 1], Boundary::Edge, |b: ArrayD<f64>, _| b.sum_axis(Axis(0))).compute().unwrap_err();
    assert!(matches!(e, Error::TaskFailed { .. }), "{e}");
}

#[test]
fn halo_tasks_read_only_their_neighbours() {
    let x = DArray::<f64>::ones([100, 100], [10, 10]).unwrap();
    let y = x.map_overlap(&[1, 1], Boundary::Edge, |b: ArrayD<f64>, _| b);
    let g = y.graph().unwrap();
    // A task per source block and per halo block; a halo block reads its
    // 3 x 3 neighbourhood (edge padding reads the block itself), clipped
    // at the array's edges.
    assert_eq!(g.len(), 200);
    let mut deps: Vec<usize> = g.tasks().filter(|t| t.ops == ["map_overlap"]).map(|t| t.deps.len()).collect();
    deps.sort_unstable();
    assert_eq!(deps.len(), 100);
    assert_eq!((deps[0], deps[3], deps[4], deps[35], deps[36], deps[99]), (4, 4, 6, 6, 9, 9));
    assert_eq!(y.sum().compute().unwrap()[[]], 10000.0);
}
