//! Indexing and selection (`compress`, `bool_index`, `extract`, `nonzero`,
//! `flatnonzero`, `argwhere`, `take_along_axis`, `vindex`, `select`,
//! `choose`, `isin`, `searchsorted`, `unique*`, `union1d`) against plain
//! loops written from NumPy's documented definitions, on random shapes,
//! chunkings and element types (f64 with NaN, inf and signed zeros; i32;
//! u8; bool), plus one test per error path.

use crate::common;
use common::*;
use darray::Operand;
use darray::{choose, extract, searchsorted, select, union1d, ChooseMode, DArray, Element, Error, Side};
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;
use std::cmp::Ordering;

/// Equality that treats NaN as equal to NaN (and `-0.0` as `0.0`).
fn same<T: Element>(a: &T, b: &T) -> bool {
    (is_nan(a) && is_nan(b)) || a == b
}

fn assert_same<T: Element>(got: &ArrayD<T>, want: &ArrayD<T>) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), want.shape());
    for (g, w) in got.iter().zip(want.iter()) {
        prop_assert!(same(g, w), "got {:?}\nwant {:?}", got, want);
    }
    Ok(())
}

/// NaN is the one value not ordered against itself.
fn is_nan<T: Element>(v: &T) -> bool {
    v.partial_cmp(v).is_none()
}

/// NumPy's sort order, written out: NaN after everything.
fn numpy_cmp<T: Element>(a: &T, b: &T) -> Ordering {
    match (is_nan(a), is_nan(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(b).unwrap(),
    }
}

/// The elements of `a` (C order) whose index passes `keep`, as an array of
/// `shape`.
fn filtered<T: Clone>(a: &ArrayD<T>, shape: Vec<usize>, keep: impl Fn(&[usize]) -> bool) -> ArrayD<T> {
    let v: Vec<T> = a.indexed_iter().filter(|(i, _)| keep(i.slice())).map(|(_, v)| v.clone()).collect();
    ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap()
}

fn f64s() -> BoxedStrategy<f64> {
    prop_oneof![
        6 => (-4i32..4).prop_map(|v| v as f64 * 0.5),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
    ]
    .boxed()
}
fn i32s() -> BoxedStrategy<i32> {
    prop_oneof![4 => -3i32..3, 1 => Just(i32::MIN), 1 => Just(i32::MAX)].boxed()
}
fn u8s() -> BoxedStrategy<u8> {
    prop_oneof![4 => 0u8..4, 1 => Just(u8::MAX)].boxed()
}
fn bools() -> BoxedStrategy<bool> {
    any::<bool>().boxed()
}

/// An array (shape, chunking, values) of 0-4 axes.
fn array<T: Element>(elem: BoxedStrategy<T>) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec)> {
    shape_and_chunks(4, 5).prop_flat_map(move |(s, c)| (values(&s, elem.clone()), Just(c)))
}

/// A 1-d chunking of `n`.
fn chunks1(n: usize) -> impl Strategy<Value = darray::ChunkSpec> {
    chunking(vec![n])
}

fn check_compress<T: Element>(
    a: ArrayD<T>,
    chunks: darray::ChunkSpec,
    axis: Option<usize>,
    cond: Vec<bool>,
    cchunks: darray::ChunkSpec,
) -> Result<(), TestCaseError> {
    let x = DArray::from_array(a.clone(), chunks).unwrap();
    let c = DArray::from_array(ndarray::arr1(&cond), cchunks).unwrap();
    let y = x.compress(&c, axis).unwrap();
    // np.compress: along `axis` (the flattened array for None), the
    // positions i < len(condition) with condition[i].
    let (a, axis) = match axis {
        None => (ArrayD::from_shape_vec(IxDyn(&[a.len()]), a.iter().cloned().collect()).unwrap(), 0),
        Some(ax) => (a, ax),
    };
    let mut shape = a.shape().to_vec();
    shape[axis] = (0..shape[axis]).filter(|&i| cond.get(i) == Some(&true)).count();
    let want = filtered(&a, shape, |i| cond.get(i[axis]) == Some(&true));
    // Known chunks: one block per input block with a selected position.
    prop_assert_eq!(y.chunks()[axis].iter().sum::<usize>(), want.shape()[axis]);
    prop_assert!(y.chunks()[axis].iter().all(|&c| c > 0) || want.shape()[axis] == 0);
    assert_same(&y.compute().unwrap(), &want)
}

fn compress_case<T: Element>(
    elem: BoxedStrategy<T>,
) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec, Option<usize>, Vec<bool>, darray::ChunkSpec)> {
    array(elem).prop_flat_map(|(a, c)| {
        let nd = a.ndim();
        let axis = if nd == 0 { Just(None).boxed() } else { prop::option::weighted(0.8, 0..nd).boxed() };
        (Just(a), Just(c), axis).prop_flat_map(|(a, c, axis)| {
            let n = axis.map_or(a.len(), |ax| a.shape()[ax]);
            // Shorter than the axis, as long, or longer with a false tail.
            (0..=n, 0..3usize, prop::collection::vec(any::<bool>(), n)).prop_flat_map(
                move |(short, extra, mut cond)| {
                    if extra == 0 {
                        cond.truncate(short);
                    } else {
                        cond.extend(std::iter::repeat_n(false, extra - 1));
                    }
                    let len = cond.len();
                    (Just(a.clone()), Just(c.clone()), Just(axis), Just(cond), chunks1(len))
                },
            )
        })
    })
}

fn check_bool_index<T: Element>(
    a: ArrayD<T>,
    chunks: darray::ChunkSpec,
    k: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    let x = DArray::from_array(a.clone(), chunks).unwrap();
    let k = k.min(a.ndim());
    let mshape = a.shape()[..k].to_vec();
    let mvals: Vec<bool> =
        (0..mshape.iter().product::<usize>()).map(|i| (i as u64 * 7 + seed).is_multiple_of(3)).collect();
    let mask = ArrayD::from_shape_vec(IxDyn(&mshape), mvals).unwrap();
    let m = DArray::from_array(mask.clone(), darray::ChunkSpec::Uniform(2)).unwrap();
    let y = x.bool_index(&m).unwrap();
    // x[mask]: elements whose leading index is true in the mask, in C order.
    let count = mask.iter().filter(|&&v| v).count();
    let mut shape = vec![count];
    shape.extend_from_slice(&a.shape()[k..]);
    let want = filtered(&a, shape, |i| mask[IxDyn(&i[..k])]);
    assert_same(&y.compute().unwrap(), &want)?;
    if k == a.ndim() {
        let e = extract(&m, &x).unwrap().compute().unwrap();
        let want: Vec<T> = want.iter().cloned().collect();
        assert_same(&e, &ArrayD::from_shape_vec(IxDyn(&[want.len()]), want).unwrap())?;
    }
    Ok(())
}

fn check_nonzero<T: Element>(a: ArrayD<T>, chunks: darray::ChunkSpec) -> Result<(), TestCaseError> {
    let x = DArray::from_array(a.clone(), chunks).unwrap();
    let zero = T::default();
    // np.flatnonzero / np.nonzero / np.argwhere: indices of elements != 0
    // (NaN is nonzero), in C order.
    let hits: Vec<(usize, Vec<usize>)> = a
        .indexed_iter()
        .enumerate()
        .filter(|(_, (_, v))| **v != zero)
        .map(|(f, (i, _))| (f, i.slice().to_vec()))
        .collect();
    let flat = x.flatnonzero().unwrap().compute().unwrap();
    prop_assert_eq!(flat.into_raw_vec_and_offset().0, hits.iter().map(|h| h.0 as i64).collect::<Vec<_>>());
    let w = x.argwhere().unwrap().compute().unwrap();
    prop_assert_eq!(w.shape(), &[hits.len(), a.ndim()]);
    for (r, (_, idx)) in hits.iter().enumerate() {
        for d in 0..a.ndim() {
            prop_assert_eq!(w[[r, d]], idx[d] as i64);
        }
    }
    if a.ndim() > 0 {
        let nz = x.nonzero().unwrap();
        prop_assert_eq!(nz.len(), a.ndim());
        for (d, arr) in nz.iter().enumerate() {
            let got = arr.compute().unwrap().into_raw_vec_and_offset().0;
            prop_assert_eq!(got, hits.iter().map(|h| h.1[d] as i64).collect::<Vec<_>>());
        }
    }
    Ok(())
}

fn check_unique<T: Element>(a: ArrayD<T>, chunks: darray::ChunkSpec) -> Result<(), TestCaseError> {
    let x = DArray::from_array(a.clone(), chunks).unwrap();
    // np.unique: sort the flattened array (NaN last), keep the first of
    // each run of equal values (NaNs equal: equal_nan=True).
    let flat: Vec<T> = a.iter().cloned().collect();
    let mut sorted = flat.clone();
    sorted.sort_by(numpy_cmp);
    let mut want: Vec<T> = vec![];
    for v in sorted {
        if want.last().is_none_or(|l| numpy_cmp(l, &v) != Ordering::Equal) {
            want.push(v);
        }
    }
    let pos = |v: &T| want.iter().position(|w| numpy_cmp(w, v) == Ordering::Equal).unwrap();
    let counts: Vec<i64> =
        want.iter().map(|w| flat.iter().filter(|v| numpy_cmp(w, v) == Ordering::Equal).count() as i64).collect();
    let first: Vec<i64> =
        want.iter().map(|w| flat.iter().position(|v| numpy_cmp(w, v) == Ordering::Equal).unwrap() as i64).collect();
    let inverse: Vec<i64> = flat.iter().map(|v| pos(v) as i64).collect();

    let want_arr = ArrayD::from_shape_vec(IxDyn(&[want.len()]), want.clone()).unwrap();
    assert_same(&x.unique().unwrap().into_dyn(), &want_arr)?;
    let (v, c) = x.unique_counts().unwrap();
    assert_same(&v.into_dyn(), &want_arr)?;
    prop_assert_eq!(c.to_vec(), counts.clone());
    let u = x.unique_all().unwrap();
    assert_same(&u.values.into_dyn(), &want_arr)?;
    prop_assert_eq!(u.counts.to_vec(), counts);
    prop_assert_eq!(u.indices.to_vec(), first);
    let inv = u.inverse_indices.compute().unwrap();
    prop_assert_eq!(inv.shape(), a.shape());
    prop_assert_eq!(inv.iter().copied().collect::<Vec<_>>(), inverse.clone());
    let (_, inv2) = x.unique_inverse().unwrap();
    prop_assert_eq!(inv2.compute().unwrap().iter().copied().collect::<Vec<_>>(), inverse);
    Ok(())
}

fn check_sets<T: Element>(
    a: ArrayD<T>,
    chunks: darray::ChunkSpec,
    b: Vec<T>,
    bc: darray::ChunkSpec,
) -> Result<(), TestCaseError> {
    let x = DArray::from_array(a.clone(), chunks).unwrap();
    let t = DArray::from_array(ndarray::arr1(&b), bc).unwrap();
    // np.isin: element == some test element (NaN never equal).
    let want = a.mapv(|v| {
        let mut found = false;
        for w in &b {
            found |= *w == v;
        }
        found
    });
    prop_assert_eq!(x.isin(&t).unwrap().compute().unwrap(), want);
    // np.union1d: unique of both, concatenated.
    let mut all: Vec<T> = a.iter().cloned().chain(b.iter().cloned()).collect();
    all.sort_by(numpy_cmp);
    all.dedup_by(|p, q| numpy_cmp(p, q) == Ordering::Equal);
    let got = union1d(&x, &t).unwrap().into_dyn();
    assert_same(&got, &ArrayD::from_shape_vec(IxDyn(&[all.len()]), all.clone()).unwrap())?;
    // np.searchsorted on the sorted union: left counts elements below
    // `v`, right those not above it (NaN last).
    let s = DArray::from_array(ndarray::arr1(&all), 3).unwrap();
    for side in [Side::Left, Side::Right] {
        let got = searchsorted(&s, &x, side).unwrap().compute().unwrap();
        let want = a.mapv(|v| {
            all.iter()
                .filter(|e| match side {
                    Side::Left => numpy_cmp(*e, &v) == Ordering::Less,
                    Side::Right => numpy_cmp(*e, &v) != Ordering::Greater,
                })
                .count() as i64
        });
        prop_assert_eq!(got, want);
    }
    Ok(())
}

fn check_take_along<T: Element>(
    a: ArrayD<T>,
    chunks: darray::ChunkSpec,
    axis: usize,
    k: usize,
    bcast: bool,
    seed: u64,
) -> Result<(), TestCaseError> {
    let nd = a.ndim();
    let n = a.shape()[axis];
    let x = DArray::from_array(a.clone(), chunks).unwrap();
    // Indices: the array's shape with `k` along the axis (1 on the other
    // axes when `bcast`), each in [-n, n).
    let mut ishape: Vec<usize> = a.shape().iter().map(|&s| if bcast { s.min(1) } else { s }).collect();
    ishape[axis] = k;
    let len: usize = ishape.iter().product();
    let ivals: Vec<i64> = (0..len)
        .map(|i| if n == 0 { 0 } else { ((i as u64 * 31 + seed) % (2 * n as u64)) as i64 - n as i64 })
        .collect();
    let ind = ArrayD::from_shape_vec(IxDyn(&ishape), ivals).unwrap();
    let idx = DArray::from_array(ind.clone(), darray::ChunkSpec::Uniform(2)).unwrap();
    let y = x.take_along_axis(&idx, axis);
    let mut oshape = a.shape().to_vec();
    oshape[axis] = k;
    if n == 0 && oshape.iter().product::<usize>() > 0 {
        // Every index is out of bounds of an empty axis.
        prop_assert!(y.compute().is_err());
        return Ok(());
    }
    // np.take_along_axis: out[..., j, ...] = a[..., ind[..., j, ...], ...],
    // `ind` broadcast on the other axes.
    let want = ArrayD::from_shape_fn(IxDyn(&oshape), |o| {
        let o = o.slice().to_vec();
        let ii: Vec<usize> = (0..nd).map(|d| if ishape[d] == 1 && d != axis { 0 } else { o[d] }).collect();
        let i = ind[IxDyn(&ii)];
        let mut src = o.clone();
        src[axis] = if i < 0 { (i + n as i64) as usize } else { i as usize };
        a[IxDyn(&src)]
    });
    assert_same(&y.compute().unwrap(), &want)
}

fn check_vindex<T: Element>(
    a: ArrayD<T>,
    chunks: darray::ChunkSpec,
    npoints: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    let x = DArray::from_array(a.clone(), chunks).unwrap();
    if a.is_empty() && a.ndim() > 0 {
        return Ok(());
    }
    // One index array per axis (the first of shape (npoints,), the others
    // (1,) or (npoints,) to broadcast), negative half the time.
    let idx: Vec<ArrayD<isize>> = (0..a.ndim())
        .map(|d| {
            let n = a.shape()[d] as u64;
            let len = if d % 2 == 1 { 1 } else { npoints };
            let v: Vec<isize> = (0..len)
                .map(|p| {
                    let i = ((p as u64 * 13 + seed * (d as u64 + 1)) % n) as isize;
                    if (p + d) % 2 == 0 {
                        i
                    } else {
                        i - n as isize
                    }
                })
                .collect();
            ArrayD::from_shape_vec(IxDyn(&[len]), v).unwrap()
        })
        .collect();
    let y = x.vindex(&idx);
    let out_len = if a.ndim() == 0 { 0 } else { npoints };
    let got = y.compute().unwrap();
    if a.ndim() == 0 {
        prop_assert_eq!(got.shape(), &[] as &[usize]);
        assert_same(&got, &a)?;
        return Ok(());
    }
    prop_assert_eq!(got.shape(), &[out_len]);
    for p in 0..out_len {
        let at: Vec<usize> = (0..a.ndim())
            .map(|d| {
                let i = idx[d][if idx[d].len() == 1 { 0 } else { p }];
                (if i < 0 { i + a.shape()[d] as isize } else { i }) as usize
            })
            .collect();
        prop_assert!(same(&got[p], &a[IxDyn(&at)]));
    }
    Ok(())
}

fn check_select_choose<T: Element>(
    a: ArrayD<T>,
    chunks: darray::ChunkSpec,
    b: ArrayD<T>,
    k: usize,
) -> Result<(), TestCaseError> {
    let x = DArray::from_array(a.clone(), chunks).unwrap();
    let y = DArray::from_array(b.clone(), darray::ChunkSpec::Uniform(3)).unwrap();
    let zero = T::default();
    // np.select([x != 0, y != 0], [y, x], default): first true condition.
    let conds = [x.not_equal(Operand::Scalar(zero)), y.not_equal(Operand::Scalar(zero))];
    let got = select(&conds, &[y.clone(), x.clone()], Operand::Scalar(zero)).compute().unwrap();
    let want = ArrayD::from_shape_fn(a.raw_dim(), |i| {
        if a[&i] != zero {
            b[&i]
        } else if b[&i] != zero {
            a[&i]
        } else {
            zero
        }
    });
    assert_same(&got, &want)?;
    // np.choose(idx, [x, y, x][:k]) with idx in [-1, 4): raise, wrap, clip.
    let choices: Vec<DArray<T>> = [x.clone(), y.clone(), x.clone()].into_iter().take(k).collect();
    let vals: Vec<&ArrayD<T>> = [&a, &b, &a].into_iter().take(k).collect();
    let ind = ArrayD::from_shape_fn(a.raw_dim(), |i| (i.slice().iter().sum::<usize>() as i64 % 5) - 1);
    let id = DArray::from_array(ind.clone(), darray::ChunkSpec::Uniform(2)).unwrap();
    let kk = k as i64;
    for mode in [ChooseMode::Raise, ChooseMode::Wrap, ChooseMode::Clip] {
        let r = choose(&id, &choices, mode).compute();
        let pick = |i: i64| match mode {
            ChooseMode::Raise => (0..kk).contains(&i).then_some(i),
            ChooseMode::Wrap => Some(i.rem_euclid(kk)),
            ChooseMode::Clip => Some(i.clamp(0, kk - 1)),
        };
        if ind.iter().any(|&i| pick(i).is_none()) {
            prop_assert!(r.is_err());
            continue;
        }
        let want = ArrayD::from_shape_fn(a.raw_dim(), |i| vals[pick(ind[&i]).unwrap() as usize][&i]);
        assert_same(&r.unwrap(), &want)?;
    }
    Ok(())
}

macro_rules! per_type {
    ($name:ident, $check:ident, $($strat:ident),*) => {
        mod $name {
            use super::*;
            proptest! {
                #![proptest_config(ProptestConfig::with_cases(48))]
                $(
                    #[test]
                    fn $strat(case in $check::Case::strategy(super::$strat())) {
                        $check::run(case)?;
                    }
                )*
            }
        }
    };
}

/// Each check as a strategy over one element type and a runner.
mod compress {
    use super::*;
    pub struct Case;
    impl Case {
        pub fn strategy<T: Element>(
            e: BoxedStrategy<T>,
        ) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec, Option<usize>, Vec<bool>, darray::ChunkSpec)>
        {
            compress_case(e)
        }
    }
    pub fn run<T: Element>(
        c: (ArrayD<T>, darray::ChunkSpec, Option<usize>, Vec<bool>, darray::ChunkSpec),
    ) -> Result<(), TestCaseError> {
        check_compress(c.0, c.1, c.2, c.3, c.4)
    }
}
mod boolidx {
    use super::*;
    pub struct Case;
    impl Case {
        pub fn strategy<T: Element>(
            e: BoxedStrategy<T>,
        ) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec, usize, u64)> {
            (array(e), 0..5usize, 0..3u64).prop_map(|((a, c), k, s)| (a, c, k, s))
        }
    }
    pub fn run<T: Element>(c: (ArrayD<T>, darray::ChunkSpec, usize, u64)) -> Result<(), TestCaseError> {
        check_bool_index(c.0, c.1, c.2, c.3)
    }
}
mod nonzero {
    use super::*;
    pub struct Case;
    impl Case {
        pub fn strategy<T: Element>(e: BoxedStrategy<T>) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec)> {
            array(e)
        }
    }
    pub fn run<T: Element>(c: (ArrayD<T>, darray::ChunkSpec)) -> Result<(), TestCaseError> {
        check_nonzero(c.0, c.1)
    }
}
mod unique {
    use super::*;
    pub struct Case;
    impl Case {
        pub fn strategy<T: Element>(e: BoxedStrategy<T>) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec)> {
            array(e)
        }
    }
    pub fn run<T: Element>(c: (ArrayD<T>, darray::ChunkSpec)) -> Result<(), TestCaseError> {
        check_unique(c.0, c.1)
    }
}
mod sets {
    use super::*;
    pub struct Case;
    impl Case {
        pub fn strategy<T: Element>(
            e: BoxedStrategy<T>,
        ) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec, Vec<T>, darray::ChunkSpec)> {
            (array(e.clone()), prop::collection::vec(e, 0..6)).prop_flat_map(|((a, c), b)| {
                let n = b.len();
                (Just(a), Just(c), Just(b), chunks1(n))
            })
        }
    }
    pub fn run<T: Element>(c: (ArrayD<T>, darray::ChunkSpec, Vec<T>, darray::ChunkSpec)) -> Result<(), TestCaseError> {
        check_sets(c.0, c.1, c.2, c.3)
    }
}
mod along {
    use super::*;
    pub struct Case;
    impl Case {
        pub fn strategy<T: Element>(
            e: BoxedStrategy<T>,
        ) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec, usize, usize, bool, u64)> {
            shape_and_chunks(4, 5).prop_filter("at least one axis", |(s, _)| !s.is_empty()).prop_flat_map(
                move |(s, c)| {
                    let nd = s.len();
                    (values(&s, e.clone()), Just(c), 0..nd, 0..5usize, any::<bool>(), 0..7u64)
                },
            )
        }
    }
    pub fn run<T: Element>(c: (ArrayD<T>, darray::ChunkSpec, usize, usize, bool, u64)) -> Result<(), TestCaseError> {
        check_take_along(c.0, c.1, c.2, c.3, c.4, c.5)
    }
}
mod vindex {
    use super::*;
    pub struct Case;
    impl Case {
        pub fn strategy<T: Element>(
            e: BoxedStrategy<T>,
        ) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec, usize, u64)> {
            (array(e), 0..12usize, 0..5u64).prop_map(|((a, c), n, s)| (a, c, n, s))
        }
    }
    pub fn run<T: Element>(c: (ArrayD<T>, darray::ChunkSpec, usize, u64)) -> Result<(), TestCaseError> {
        check_vindex(c.0, c.1, c.2, c.3)
    }
}
mod selchoose {
    use super::*;
    pub struct Case;
    impl Case {
        pub fn strategy<T: Element>(
            e: BoxedStrategy<T>,
        ) -> impl Strategy<Value = (ArrayD<T>, darray::ChunkSpec, ArrayD<T>, usize)> {
            array(e.clone()).prop_flat_map(move |(a, c)| {
                let s = a.shape().to_vec();
                (Just(a), Just(c), values(&s, e.clone()), 1..4usize)
            })
        }
    }
    pub fn run<T: Element>(c: (ArrayD<T>, darray::ChunkSpec, ArrayD<T>, usize)) -> Result<(), TestCaseError> {
        check_select_choose(c.0, c.1, c.2, c.3)
    }
}

per_type!(compress_props, compress, f64s, i32s, u8s, bools);
per_type!(bool_index_props, boolidx, f64s, i32s, u8s, bools);
per_type!(nonzero_props, nonzero, f64s, i32s, u8s, bools);
per_type!(unique_props, unique, f64s, i32s, u8s, bools);
per_type!(set_props, sets, f64s, i32s, u8s, bools);
per_type!(take_along_props, along, f64s, i32s, u8s, bools);
per_type!(vindex_props, vindex, f64s, i32s, u8s, bools);
per_type!(select_choose_props, selchoose, f64s, i32s, u8s, bools);

// NumPy documentation values.

#[test]
fn numpy_doc_examples() -> Result<(), Error> {
    // np.unique([1, 1, 2, 2, 3, 3]) -> [1, 2, 3]
    let x = DArray::from_array(ndarray::arr1(&[1, 1, 2, 2, 3, 3]), 4)?;
    assert_eq!(x.unique()?.to_vec(), vec![1, 2, 3]);
    // np.unique(['a','b','b','c','a'], return_index=True) as ints: indices [0, 1, 3]
    let x = DArray::from_array(ndarray::arr1(&[0u8, 1, 1, 2, 0]), 2)?;
    assert_eq!(x.unique_all()?.indices.to_vec(), vec![0, 1, 3]);
    // np.searchsorted([11,12,13,14,15], 13) -> 2; side='right' -> 3
    let a = DArray::from_array(ndarray::arr1(&[11, 12, 13, 14, 15]), 2)?;
    let v = DArray::from_array(ndarray::arr1(&[13]), 1)?;
    assert_eq!(searchsorted(&a, &v, Side::Left)?.compute()?[[0]], 2);
    assert_eq!(searchsorted(&a, &v, Side::Right)?.compute()?[[0]], 3);
    // np.isin of NaN is False
    let x = DArray::from_array(ndarray::arr1(&[f64::NAN, 1.0]), 1)?;
    assert_eq!(x.isin(&x)?.compute()?.into_raw_vec_and_offset().0, vec![false, true]);
    Ok(())
}

#[test]
fn results_are_chunked_per_input_block_and_built_deterministically() -> Result<(), Error> {
    let x = DArray::arange(0i64, 10, 1, 4)?;
    let y = x.compress(&x.less(5), Some(0))?;
    // Blocks [0..4) and [4..8) hold 4 and 1 selected values; [8..10) none.
    assert_eq!(y.chunks(), &[vec![4, 1]]);
    let m = x.less(5);
    assert_eq!(x.compress(&m, Some(0))?.token(), x.compress(&m, Some(0))?.token());
    let idx = DArray::from_array(ndarray::arr1(&[3i64, 1]), 1)?;
    assert_eq!(x.take_along_axis(&idx, 0).token(), x.take_along_axis(&idx, 0).token());
    Ok(())
}

// One test per error path.

#[test]
fn compress_errors() {
    let x = DArray::<f64>::ones([3, 2], [2, 1]).unwrap();
    let c2 = DArray::from_array(ndarray::arr2(&[[true]]), 1).unwrap();
    assert!(matches!(x.compress(&c2, Some(0)), Err(Error::Shape(_))));
    let c = DArray::from_array(ndarray::arr1(&[true]), 1).unwrap();
    assert!(matches!(x.compress(&c, Some(2)), Err(Error::Axis { axis: 2, ndim: 2 })));
    let long = DArray::from_array(ndarray::arr1(&[false, false, false, true]), 2).unwrap();
    assert!(matches!(x.compress(&long, Some(0)), Err(Error::Invalid(_))));
    let bad = x.sum_axis(7);
    assert!(bad.compress(&c, Some(0)).is_err());
    assert!(x.compress(&c.slice(&[darray::Sel::index(5)]), None).is_err());
}

#[test]
fn bool_index_and_extract_errors() {
    let x = DArray::<i32>::zeros([3, 2], [2, 1]).unwrap();
    let m = DArray::from_array(ndarray::arr1(&[true, false]), 1).unwrap();
    assert!(matches!(x.bool_index(&m), Err(Error::Shape(_))));
    assert!(matches!(extract(&m, &x), Err(Error::Shape(_))));
}

#[test]
fn nonzero_of_a_0d_array_is_refused() {
    let x = DArray::full([], 1u8, darray::ChunkSpec::Shape(vec![])).unwrap();
    assert!(matches!(x.nonzero(), Err(Error::Invalid(_))));
    assert_eq!(x.argwhere().unwrap().shape(), &[1, 0]);
}

#[test]
fn take_along_axis_errors() {
    let x = DArray::<f64>::ones([3, 2], [2, 1]).unwrap();
    let i = DArray::from_array(ndarray::arr2(&[[0i64], [1]]), 1).unwrap();
    assert!(matches!(x.take_along_axis(&i, 2).error(), Some(Error::Axis { .. })));
    let i1 = DArray::from_array(ndarray::arr1(&[0i64]), 1).unwrap();
    assert!(matches!(x.take_along_axis(&i1, 0).error(), Some(Error::Shape(_))));
    let i3 = DArray::from_array(ndarray::arr2(&[[0i64], [1], [0], [1]]), 1).unwrap();
    assert!(matches!(x.take_along_axis(&i3, 1).error(), Some(Error::Broadcast { .. })));
    let oob = DArray::from_array(ndarray::arr2(&[[0i64, 5], [1, 0], [0, 0]]), 1).unwrap();
    let y = x.take_along_axis(&oob, 0);
    assert!(y.is_valid());
    let r = y.compute();
    assert!(matches!(&r, Err(Error::TaskFailed { source, .. }) if matches!(**source, Error::Invalid(_))), "{r:?}");
}

#[test]
fn vindex_errors() {
    let x = DArray::<u8>::zeros([3, 2], [2, 1]).unwrap();
    let i = |v: &[isize]| ndarray::arr1(v).into_dyn();
    assert!(matches!(x.vindex(&[i(&[0])]).error(), Some(Error::Invalid(_))));
    assert!(matches!(x.vindex(&[i(&[3]), i(&[0])]).error(), Some(Error::Invalid(_))));
    assert!(matches!(x.vindex(&[i(&[0, 1]), i(&[0, 1, 0])]).error(), Some(Error::Broadcast { .. })));
}

#[test]
fn select_and_choose_errors() {
    let x = DArray::<i32>::zeros([3], 2).unwrap();
    assert!(matches!(select(&[x.less(1)], &[], 0).error(), Some(Error::Invalid(_))));
    assert!(matches!(select::<i32>(&[], &[], 0).error(), Some(Error::Invalid(_))));
    let a = DArray::from_array(ndarray::arr1(&[0i64, 2]), 1).unwrap();
    assert!(matches!(choose::<i32>(&a, &[], ChooseMode::Raise).error(), Some(Error::Invalid(_))));
    let r = choose(&a, &[x.slice(&[darray::Sel::span(0, 2)])], ChooseMode::Raise).compute();
    assert!(r.is_err());
}

#[test]
fn searchsorted_and_set_errors() {
    let v = DArray::<f64>::zeros([3], 2).unwrap();
    let unsorted = DArray::from_array(ndarray::arr1(&[2.0, 1.0]), 1).unwrap();
    assert!(matches!(searchsorted(&unsorted, &v, Side::Left), Err(Error::Invalid(_))));
    let nan_first = DArray::from_array(ndarray::arr1(&[f64::NAN, 1.0]), 1).unwrap();
    assert!(matches!(searchsorted(&nan_first, &v, Side::Left), Err(Error::Invalid(_))));
    let two_d = DArray::<f64>::zeros([2, 2], 1).unwrap();
    assert!(matches!(searchsorted(&two_d, &v, Side::Left), Err(Error::Shape(_))));
    let bad = v.sum_axis(3);
    assert!(bad.unique().is_err() && v.isin(&bad).is_err() && union1d(&v, &bad).is_err());
}

#[test]
fn plans_stay_blocked() -> Result<(), Error> {
    // 16 blocks: the selection is one task per block plus one slice each
    // (the mask is fused into the first), not one gathered block.
    let x = DArray::<f64>::random_normal([400, 400], [100, 100], 0.0, 1.0, 1)?;
    let m = x.slice(&[darray::Sel::all(), darray::Sel::index(0)]).greater(0.0);
    let y = x.compress(&m, Some(0))?;
    assert_eq!(y.numblocks()[1], 4);
    assert!(y.graph()?.len() <= 2 * 16, "{}", y.graph()?.len());
    let idx = DArray::<i64>::from_fn([400, 50], [100, 50], |i| ((i[0] * 7 + i[1] * 13) % 400) as i64)?;
    let t = x.take_along_axis(&idx, 1);
    assert_eq!(t.numblocks(), vec![4, 1]);
    assert!(t.graph()?.len() <= 3 * 16, "{}", t.graph()?.len());
    Ok(())
}
