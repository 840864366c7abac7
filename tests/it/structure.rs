//! Transposes and slicing against ndarray on random shapes and chunkings,
//! alone and fused with elementwise operations and reductions.

use crate::common;
use common::*;
use darray::{Config, DArray, ReduceOpts, Sel};
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;

/// NumPy's basic indexing on an ndarray array, by explicit index
/// arithmetic (independent of ndarray's own negative-step rules).
fn oracle_slice(a: &ArrayD<f64>, sel: &[Sel]) -> ArrayD<f64> {
    let nd = a.ndim();
    let used = sel.iter().filter(|s| !matches!(s, Sel::NewAxis)).count();
    let mut sel = sel.to_vec();
    sel.extend(std::iter::repeat_n(Sel::all(), nd - used));
    // Per input axis: the list of coordinates taken, and whether it stays.
    let mut picks: Vec<(Vec<usize>, bool)> = vec![];
    let mut out_shape = vec![];
    let mut axis = 0;
    for s in &sel {
        match *s {
            Sel::NewAxis => out_shape.push(1),
            // The generated selections hold no ellipsis (tests/it/shape.rs checks it).
            Sel::Ellipsis => unreachable!("no ellipsis is generated here"),
            Sel::Index(i) => {
                let n = a.shape()[axis] as isize;
                picks.push((vec![(if i < 0 { i + n } else { i }) as usize], false));
                axis += 1;
            }
            Sel::Range { start, stop, step } => {
                let n = a.shape()[axis] as isize;
                let mut v = vec![];
                // Python's range over slice.indices.
                let fix = |x: isize| if x < 0 { x + n } else { x };
                if step > 0 {
                    let s = start.map_or(0, |x| fix(x).clamp(0, n));
                    let e = stop.map_or(n, |x| fix(x).clamp(0, n));
                    let mut i = s;
                    while i < e {
                        v.push(i as usize);
                        i += step;
                    }
                } else {
                    let s = start.map_or(n - 1, |x| fix(x).clamp(-1, n - 1));
                    let e = stop.map_or(-1, |x| fix(x).clamp(-1, n - 1));
                    let mut i = s;
                    while i > e {
                        v.push(i as usize);
                        i += step;
                    }
                }
                out_shape.push(v.len());
                picks.push((v, true));
                axis += 1;
            }
        }
    }
    // Walk the output in order: the kept picks give the coordinates.
    let kept: Vec<&Vec<usize>> = picks.iter().filter(|p| p.1).map(|p| &p.0).collect();
    let total: usize = kept.iter().map(|v| v.len()).product();
    let mut vals = Vec::with_capacity(total);
    let mut ctr = vec![0usize; kept.len()];
    for _ in 0..total {
        let mut k = 0;
        let idx: Vec<usize> = picks
            .iter()
            .map(|(v, keep)| {
                if *keep {
                    k += 1;
                    v[ctr[k - 1]]
                } else {
                    v[0]
                }
            })
            .collect();
        vals.push(a[IxDyn(&idx)]);
        for j in (0..ctr.len()).rev() {
            ctr[j] += 1;
            if ctr[j] < kept[j].len() {
                break;
            }
            ctr[j] = 0;
        }
    }
    ArrayD::from_shape_vec(IxDyn(&out_shape), vals).unwrap()
}

fn sel_for(shape: Vec<usize>) -> impl Strategy<Value = Vec<Sel>> {
    let per_axis: Vec<BoxedStrategy<Vec<Sel>>> = shape
        .iter()
        .map(|&n| {
            let n = n as isize;
            let pos = (-n - 2)..(n + 3);
            let range = (prop::option::of(pos.clone()), prop::option::of(pos), prop_oneof![1..4isize, -3..0isize])
                .prop_map(|(a, b, s)| vec![Sel::range(a, b, s)]);
            let mut opts = vec![range.boxed()];
            if n > 0 {
                opts.push((-n..n).prop_map(|i| vec![Sel::index(i)]).boxed());
            }
            opts.push(Just(vec![Sel::NewAxis, Sel::all()]).boxed());
            prop::strategy::Union::new(opts).boxed()
        })
        .collect();
    per_axis.prop_map(|v| v.into_iter().flatten().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn transposes_match_ndarray((a, c) in shape_and_chunks(4, 6).prop_flat_map(|(s, c)| (values(&s, float(false)), Just(c))), seed in any::<u64>()) {
        let nd = a.ndim();
        let mut perm: Vec<usize> = (0..nd).collect();
        // A random permutation from the seed.
        let mut r = seed;
        for i in (1..nd).rev() {
            r = r.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            perm.swap(i, (r >> 33) as usize % (i + 1));
        }
        let x = DArray::from_array(a.clone(), c).unwrap();
        let want = a.clone().permuted_axes(IxDyn(&perm));
        prop_assert_eq!(x.permuted_axes(&perm).compute().unwrap(), want.as_standard_layout().to_owned());
        prop_assert_eq!(x.t().compute().unwrap(), a.t().as_standard_layout().to_owned());
        // Fused: a transposed operand against the original.
        if nd == 2 && a.shape()[0] == a.shape()[1] {
            let got = (&x + &x.t() * 2.0).compute().unwrap();
            prop_assert_eq!(got, &a + &(a.t().to_owned() * 2.0));
        }
    }

    #[test]
    fn slices_match_numpy_rules((a, c, sel) in shape_and_chunks(3, 7).prop_flat_map(|(s, c)| (values(&s, float(false)), Just(c), sel_for(s.clone())))) {
        let x = DArray::from_array(a.clone(), c).unwrap();
        let y = x.slice(&sel);
        let want = oracle_slice(&a, &sel);
        prop_assert_eq!(y.shape(), want.shape());
        prop_assert_eq!(&y.compute().unwrap(), &want);
        // The same view of a source fused into a reduction.
        let shape = a.shape().to_vec();
        let f = move |i: &[usize]| i.iter().enumerate().map(|(k, &v)| (v * (k + 2)) as f64).sum::<f64>();
        let src = DArray::from_fn(&shape, vec![3; shape.len()], f).unwrap();
        let full = ArrayD::from_shape_fn(IxDyn(&shape), |i| f(i.slice()));
        let want = oracle_slice(&full, &sel);
        prop_assert!(close(src.slice(&sel).sum().compute().unwrap()[[]], want.sum(), 1e-9));
        // And of a materialised intermediate (map_blocks forces chunks).
        let m = x.map_blocks(|b, _| b * 2.0).slice(&sel);
        prop_assert_eq!(m.compute().unwrap(), oracle_slice(&a, &sel) * 2.0);
    }

    #[test]
    fn views_compose((a, c) in shape_and_chunks(3, 6).prop_flat_map(|(s, c)| (values(&s, float(false)), Just(c)))) {
        prop_assume!(a.ndim() > 0);
        let x = DArray::from_array(a.clone(), c).unwrap();
        let sel = vec![Sel::range(None, None, -1)];
        let y = x.t().slice(&sel).t();
        let mut want = a.clone();
        if a.ndim() > 0 {
            let last = a.ndim() - 1;
            want.invert_axis(ndarray::Axis(last));
        }
        prop_assert_eq!(y.compute().unwrap(), want.as_standard_layout().to_owned());
        if a.ndim() > 0 {
            let m = y.mean_with(&ReduceOpts::axis(0));
            let wm = oracle(&want, &[0], false, |v| if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 });
            assert_close(&m.compute().unwrap(), &wm, 1e-12)?;
        }
    }
}

#[test]
fn slices_touch_only_the_chunks_they_need() {
    let x = DArray::from_fn([1000, 1000], [100, 100], |i| (i[0] + i[1]) as f64).unwrap();
    // A 10 x 1000 strip of a 10 x 10 grid: one row of blocks.
    let strip = x.slice(&[Sel::span(250, 260)]).sum();
    assert_eq!(strip.graph().unwrap().leaves().count(), 10);
    let (v, stats) = strip.compute_with(&Config::default()).unwrap();
    assert_eq!(v[[]], (250..260).flat_map(|i| (0..1000).map(move |j| (i + j) as f64)).sum::<f64>());
    assert_eq!(stats.tasks_run, 10 + 1);
    // A single element of a materialised array: one of its 100 tasks runs.
    let m = x.map_blocks(|b, _| b + 1.0).slice(&[Sel::index(555), Sel::index(-1)]);
    let (e, stats) = m.compute_with(&Config::default()).unwrap();
    assert_eq!(e[[]], 555.0 + 999.0 + 1.0);
    assert_eq!(stats.tasks_run, 2);
}

#[test]
fn slices_generate_only_the_elements_they_need() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let x = DArray::from_fn([1000, 1000], [100, 100], move |i| {
        c.fetch_add(1, Ordering::Relaxed);
        (i[0] * 1000 + i[1]) as f64
    })
    .unwrap();
    // Rows 250..260, every third column from 7, transposed: parts of ten blocks.
    let v = x.slice(&[Sel::span(250, 260), Sel::range(Some(7), None, 3)]).t().compute().unwrap();
    assert_eq!(v.shape(), &[331, 10]);
    assert_eq!(v[[2, 3]], (253 * 1000 + 13) as f64);
    assert_eq!(calls.load(Ordering::Relaxed), 331 * 10, "only the selected elements are generated");
}

#[test]
fn bad_views_are_errors() {
    let x = DArray::<f64>::ones([3, 4], [2, 2]).unwrap();
    assert!(x.permuted_axes(&[0, 0]).compute().is_err());
    assert!(x.permuted_axes(&[1]).compute().is_err());
    assert!(x.swap_axes(0, 2).compute().is_err());
    assert!(x.slice(&[Sel::index(3)]).compute().is_err());
    assert!(x.slice(&[Sel::index(-4)]).compute().is_err());
    assert!(x.slice(&[Sel::all(), Sel::all(), Sel::all()]).compute().is_err());
    assert!(x.slice(&[Sel::range(None, None, 0)]).compute().is_err());
    assert_eq!(x.swap_axes(0, 1).shape(), &[4, 3]);
}

/// A shape with two independent chunkings of it.
fn two_chunkings(
    max_dims: usize,
    max_len: usize,
) -> impl Strategy<Value = (Vec<usize>, darray::ChunkSpec, darray::ChunkSpec)> {
    shape(max_dims, max_len).prop_flat_map(|s| (Just(s.clone()), chunking(s.clone()), chunking(s)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn rechunk_keeps_values((s, ca, cb) in two_chunkings(4, 7)) {
        let a = ArrayD::from_shape_fn(IxDyn(&s), |i| i.slice().iter().fold(0i64, |acc, &v| acc * 10 + v as i64));
        // Materialised input: blocks are assembled from overlapping blocks.
        let x = DArray::from_array(a.clone(), ca.clone()).unwrap().map_blocks(|b, _| b);
        let y = x.rechunk(cb.clone());
        let want_chunks = DArray::<i64>::zeros(&s, cb.clone()).unwrap().chunks().to_vec();
        prop_assert_eq!(y.chunks(), want_chunks.as_slice());
        prop_assert_eq!(y.compute().unwrap(), a.clone());
        prop_assert_eq!((&y + 1).sum().compute().unwrap()[[]], a.iter().map(|v| v + 1).sum::<i64>());
        // Over a source it is a view: no rechunk tasks at all.
        let src = DArray::from_fn(&s, ca, |i| i.iter().fold(0i64, |acc, &v| acc * 10 + v as i64)).unwrap().rechunk(cb);
        prop_assert_eq!(src.compute().unwrap(), a);
        prop_assert!(src.graph().unwrap().tasks().all(|t| !t.ops.iter().any(|o| o == "rechunk")));
    }

    #[test]
    fn concatenate_and_stack_match_ndarray((s, ca, cb) in two_chunkings(3, 5), axis in 0..3usize, extra in 0..4usize) {
        prop_assume!(!s.is_empty());
        let axis = axis % s.len();
        let a = ArrayD::from_shape_fn(IxDyn(&s), |i| i.slice().iter().sum::<usize>() as f64);
        let mut s2 = s.clone();
        s2[axis] = extra;
        let b = ArrayD::from_shape_fn(IxDyn(&s2), |i| -(i.slice().iter().sum::<usize>() as f64) - 1.0);
        let x = DArray::from_array(a.clone(), ca).unwrap();
        let y = DArray::from_array(b.clone(), vec![2; s2.len()]).unwrap();
        let c = darray::concatenate(&[x.clone(), y.clone(), x.clone()], axis);
        let want = ndarray::concatenate(ndarray::Axis(axis), &[a.view(), b.view(), a.view()]).unwrap();
        prop_assert_eq!(c.shape(), want.shape());
        prop_assert_eq!(c.compute().unwrap(), want.clone());
        prop_assert!(close(c.sum().compute().unwrap()[[]], want.sum(), 1e-12));
        let z = DArray::from_array(a.clone(), cb).unwrap() * 2.0;
        let st = darray::stack(&[x, z], axis);
        let want = ndarray::stack(ndarray::Axis(axis), &[a.view(), (&a * 2.0).view()]).unwrap();
        prop_assert_eq!(st.compute().unwrap(), want);
    }
}

#[test]
fn bad_joins_are_errors() {
    let a = DArray::<f64>::ones([3, 4], [2, 2]).unwrap();
    let b = DArray::<f64>::ones([3, 5], [2, 2]).unwrap();
    assert!(darray::concatenate(&[a.clone(), b.clone()], 0).compute().is_err());
    assert!(darray::concatenate(&[a.clone(), b.clone()], 1).compute().is_ok());
    assert!(darray::concatenate(std::slice::from_ref(&a), 2).compute().is_err());
    assert!(darray::concatenate::<f64>(&[], 0).compute().is_err());
    assert!(darray::stack(&[a.clone(), b], 0).compute().is_err());
    assert!(darray::stack(std::slice::from_ref(&a), 3).compute().is_err());
    assert!(a.rechunk([0, 1]).compute().is_err());
}

/// A random shape with the same number of elements as `s`.
fn reshape_target(s: Vec<usize>) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    let n: usize = s.iter().product();
    let factors: Vec<usize> = if n == 0 {
        vec![0]
    } else {
        let mut f = vec![];
        let mut m = n;
        let mut p = 2;
        while m > 1 {
            while m.is_multiple_of(p) {
                f.push(p);
                m /= p;
            }
            p += 1;
        }
        f
    };
    (Just(s), prop::collection::vec(0..4usize, factors.len()), 0..3usize).prop_map(move |(s, slots, ones)| {
        // Distribute the prime factors over up to four axes, sprinkle 1s.
        let mut t = vec![1usize; 4];
        for (f, &k) in factors.iter().zip(&slots) {
            t[k] *= f;
        }
        if n == 0 {
            t = vec![0, 2];
        }
        t.retain(|&x| x != 1);
        t.extend(std::iter::repeat_n(1, ones));
        (s, t)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn reshape_matches_c_order(((s, t), c) in shape(4, 6).prop_flat_map(reshape_target).prop_flat_map(|(s, t)| (Just((s.clone(), t)), chunking(s)))) {
        let a = ArrayD::from_shape_fn(IxDyn(&s), |i| i.slice().iter().fold(0i64, |acc, &v| acc * 10 + v as i64));
        let want = ArrayD::from_shape_vec(IxDyn(&t), a.iter().copied().collect()).unwrap();
        let x = DArray::from_array(a.clone(), c.clone()).unwrap();
        let y = x.reshape(&t);
        prop_assert_eq!(y.shape(), t.as_slice());
        prop_assert_eq!(y.compute().unwrap(), want.clone());
        let z = (x.map_blocks(|b, _| b) * 2).reshape(&t).sum();
        prop_assert_eq!(z.compute().unwrap()[[]], 2 * a.sum());
    }

    #[test]
    fn take_matches_select((s, c) in shape_and_chunks(3, 6), picks in prop::collection::vec(any::<u16>(), 0..12), axis in 0..3usize) {
        prop_assume!(!s.is_empty() && s[axis % s.len()] > 0);
        let axis = axis % s.len();
        let n = s[axis];
        let idx: Vec<usize> = picks.iter().map(|&p| p as usize % n).collect();
        let a = ArrayD::from_shape_fn(IxDyn(&s), |i| i.slice().iter().fold(0i64, |acc, &v| acc * 10 + v as i64));
        let x = DArray::from_array(a.clone(), c).unwrap();
        let signed: Vec<isize> = idx.iter().enumerate().map(|(k, &i)| if k % 2 == 1 { i as isize - n as isize } else { i as isize }).collect();
        let got = x.take(&signed, axis).compute().unwrap();
        prop_assert_eq!(got, a.select(ndarray::Axis(axis), &idx));
    }
}

#[test]
fn reshape_and_take_errors() {
    let x = DArray::<f64>::ones([3, 4], [2, 2]).unwrap();
    assert!(x.reshape([5, 2]).compute().is_err());
    assert!(x.take(&[3], 0).compute().is_err());
    assert!(x.take(&[-5], 1).compute().is_err());
    assert!(x.take(&[0], 2).compute().is_err());
    // Merging axes: only the first axis of the group stays chunked.
    let y = DArray::<f64>::ones([6, 4, 5], [2, 2, 5]).unwrap().reshape([24, 5]);
    assert_eq!(y.chunks(), &[vec![8, 8, 8], vec![5]]);
    // Splitting an axis: cuts at multiples of the trailing output axes.
    let z = DArray::<f64>::ones([24, 5], [7, 5]).unwrap().reshape([6, 4, 5]);
    assert_eq!(z.chunks()[1], vec![4]);
    assert_eq!(z.compute().unwrap().sum(), 120.0);
}

#[test]
fn rechunk_with_large_fan_in_and_out_goes_through_an_intermediate_grid() {
    // Column blocks to row blocks of a materialised array (E7's shape).
    let n = 400;
    let a = ArrayD::from_shape_fn(IxDyn(&[n, n]), |i| ((7 * i[0] + 13 * i[1]) % 101) as f64);
    let x = DArray::from_array(a.clone(), [n, 4]).unwrap().map_blocks(|b, _| b);
    let y = x.rechunk([4, n]);
    let g = y.graph().unwrap();
    let rechunk_tasks: Vec<_> = g.tasks().filter(|t| t.ops == ["rechunk"]).collect();
    // Directly, each row block would read all 100 column blocks. Through
    // 40 x 40 blocks: 100 tasks reading 10 column blocks each, then 100
    // reading 10 intermediate blocks each.
    assert_eq!(rechunk_tasks.len(), 100 + 100);
    assert!(rechunk_tasks.iter().all(|t| t.deps.len() <= 10), "{:?}", rechunk_tasks.iter().map(|t| t.deps.len()).max());
    assert_eq!(y.compute().unwrap(), a);
}
