//! Indexing and selection: boolean masks (`compress`, `bool_index`,
//! `extract`), `nonzero` and friends, `take_along_axis`, `vindex`,
//! `select`, `choose`, `isin`, `searchsorted`, `unique` and `union1d`.
//!
//! # Data-dependent lengths
//!
//! A boolean selection's length is known only once its mask is computed.
//! dask leaves such chunk sizes unknown (NaN); here the call computes the
//! condition first (so the call returns `Result`), and the result has
//! known chunks: one output block per input block holding its selected
//! elements (blocks with none are dropped). A condition of up to 2^26
//! positions is computed whole and its positions taken (`take`); a longer
//! one (the full-shape mask of a large array) is not held: only its true
//! count per block is computed, and each output block reads its input block
//! and its mask block, so the mask is computed twice unless it is
//! [`persist`](DArray::persist)ed first.
//!
//! `unique`, `union1d`, and the test set of `isin` and the sorted array of
//! `searchsorted` have data-dependent values, not only lengths: they are
//! computed at the call (blockwise: sorted unique values per block, merged
//! as a tree) and returned as `ndarray` values (or held in the graph of a
//! lazy result). Building a `DArray` from them would only recompute what
//! is already known.
//!
//! # Several inputs to one block task
//!
//! A block function (`map_blocks`) reads one array. Where a task needs two
//! (the data and its mask, an array and its indices) they are joined into
//! one first: a mask is stacked onto the data along a new leading axis (as
//! 0/1 in the data's type, one fused elementwise pass); for indices, both
//! arrays are carried as bit patterns (`u64`, lossless for every element
//! type) and concatenated.

use super::{concatenate, stack, where_, DArray, Operand, Sel};
use crate::chunks::ChunkSpec;
use crate::dtype::{AnyArray, Element};
use crate::error::{Error, Result};
use crate::expr::build::broadcast_shapes;
use crate::expr::{take_chunked, BlockFn, Node, NodeKind};
use crate::key::TokenHasher;
use crate::run::Config;
use ndarray::{Array1, ArrayD, Axis, IxDyn};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

/// NumPy's sort order: NaN after everything, NaNs (and `-0.0`, `0.0`)
/// equal to each other.
fn total_cmp<T: Element>(a: &T, b: &T) -> Ordering {
    match (a.el_is_nan(), b.el_is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// `compress` of a condition too long to hold (a full-shape mask of a
/// large array, from `bool_index`): only its true count per block is
/// computed, then each output block compacts its input block with its mask
/// block. `x` is cut to the condition's length already.
fn compress_counted<T: Element>(x: &DArray<T>, cond: &DArray<bool>, axis: usize) -> Result<DArray<T>> {
    let (m, n) = (cond.len(), x.shape()[axis]);
    let past_end = || {
        Error::Invalid(format!("condition of length {m} selects a position past the end of axis {axis} (length {n})"))
    };
    // A condition too long to hold (a full-shape mask of a large array,
    // from `bool_index`): only its true count per block is computed.
    // The counts of the head (chunked like the axis) and of the tail.
    let mut spec = if n == 0 { vec![] } else { x.chunks()[axis].clone() };
    if m > n {
        spec.push(m - n);
    }
    if spec.is_empty() {
        return Ok(x.clone());
    }
    let counts = block_counts(&cond.rechunk(ChunkSpec::Explicit(vec![spec])))?;
    if m > n && counts.last().is_some_and(|&c| c > 0) {
        return Err(past_end());
    }
    if n == 0 {
        return Ok(x.clone());
    }
    let mask = cond.slice(&[Sel::span(0, n as isize)]).rechunk(ChunkSpec::Explicit(vec![x.chunks()[axis].clone()]));
    Ok(compact(x, &mask, axis, &counts))
}

/// The longest condition `compress` computes whole (64 Mi positions: 64
/// MiB of `bool` and at most 512 MiB of positions); a longer one is only
/// counted per block, so that its selection stays within memory.
const EAGER_CONDITION_LEN: usize = 1 << 26;

/// A token for an operation with fixed parameters over `input`.
fn token_of(name: &str, params: &[u64], input: u64) -> u64 {
    let mut h = TokenHasher::new(name);
    for &p in params {
        h.u64(p);
    }
    h.u64(input).finish()
}

/// A block function over one `DType::U64` or typed block that can fail.
struct TryBlockFn<F>(F);

impl<F: Fn(AnyArray) -> Result<AnyArray> + Send + Sync> BlockFn for TryBlockFn<F> {
    fn call(&self, chunk: AnyArray, _block: &[usize]) -> Result<AnyArray> {
        (self.0)(chunk)
    }
}

/// `map_blocks` with a fallible, type-erased function keeping block shapes;
/// `token` names it (it must identify the function and its parameters).
fn map_blocks_try<T: Element>(
    x: &DArray<T>,
    name: &'static str,
    token: u64,
    f: impl Fn(ArrayD<T>) -> Result<ArrayD<T>> + Send + Sync + 'static,
) -> DArray<T> {
    if x.error().is_some() {
        return x.clone();
    }
    let f = TryBlockFn(move |a: AnyArray| {
        let a = T::unwrap(a).ok_or_else(|| Error::Internal(format!("{name}: a block of another type")))?;
        f(a).map(T::wrap)
    });
    let n = &x.node;
    let token = token_of("map_blocks_try", &[token], n.token);
    let kind = NodeKind::MapBlocks { f: Arc::new(f), input: n.clone() };
    DArray::from_node(Node::new(token, name, n.shape.clone(), n.chunks.clone(), T::DTYPE, kind))
}

/// The elements as their bit patterns (lossless for every type).
fn to_bits<T: Element>(x: &DArray<T>) -> DArray<u64> {
    x.map_named("to_bits", token_of("to_bits", &[T::DTYPE as u64], 0), |v: T| v.el_bits())
}

/// The inverse of [`to_bits`].
fn from_bits<T: Element>(x: &DArray<u64>) -> DArray<T> {
    x.map_named("from_bits", token_of("from_bits", &[T::DTYPE as u64], 0), T::el_from_bits)
}

/// The number of true values in each block of the 1-d `mask` (computing
/// only these counts).
fn block_counts(mask: &DArray<bool>) -> Result<Vec<usize>> {
    let counts: Vec<AtomicUsize> = (0..mask.numblocks()[0]).map(|_| AtomicUsize::new(0)).collect();
    mask.for_each_block_with(&Config::default(), |b, _, chunk| {
        counts[b[0]].store(chunk.iter().filter(|&&v| v).count(), AtomicOrdering::Relaxed);
        Ok(())
    })?;
    Ok(counts.into_iter().map(AtomicUsize::into_inner).collect())
}

/// The positions of `x` along `axis` where the 1-d `mask` (chunked like
/// that axis) is true, given the mask's true count per block: per block,
/// the mask is stacked onto the data, the selected positions are moved to
/// the front, and the front is sliced off; the slices are concatenated.
fn compact<T: Element>(x: &DArray<T>, mask: &DArray<bool>, axis: usize, counts: &[usize]) -> DArray<T> {
    let nd = x.ndim();
    let flag = |v: bool| Operand::Scalar(T::el_from_bits(v as u64));
    let mut msel = vec![Sel::NewAxis; axis + 1];
    msel.push(Sel::all());
    msel.extend(std::iter::repeat_n(Sel::NewAxis, nd - 1 - axis));
    let m = where_(&mask.slice(&msel), flag(true), flag(false));
    // [false, true] along a new leading axis, from op data (so the same
    // selection always gets the same keys).
    let mut psel = vec![Sel::all()];
    psel.extend(std::iter::repeat_n(Sel::NewAxis, nd));
    let pick = match DArray::<u8>::arange(0, 2, 1, 2) {
        Ok(p) => p.slice(&psel).greater(0u8),
        Err(e) => return x.failed_with(e),
    };
    // Plane 0 the data (where `pick` is false), plane 1 the mask.
    let stacked = where_(&pick, &m, x.slice(&[Sel::NewAxis]));
    let y = map_blocks_try(&stacked, "compress", token_of("compress", &[axis as u64], 0), move |b: ArrayD<T>| {
        let mut out = ArrayD::<T>::default(b.raw_dim());
        let (data, flags) = (b.index_axis(Axis(0), 0), b.index_axis(Axis(0), 1));
        let mut front = out.index_axis_mut(Axis(0), 0);
        let mut j = 0;
        for i in 0..data.shape()[axis] {
            let lane = flags.index_axis(Axis(axis), i);
            // The mask is broadcast: any element of the lane is its value.
            if lane.iter().next().is_some_and(|v| v.el_bits() != 0) {
                front.index_axis_mut(Axis(axis), j).assign(&data.index_axis(Axis(axis), i));
                j += 1;
            }
        }
        Ok(out)
    });
    let piece = |start: usize, len: usize| {
        let mut sel = vec![Sel::index(0)];
        sel.extend(std::iter::repeat_n(Sel::all(), axis));
        sel.push(Sel::span(start as isize, (start + len) as isize));
        y.slice(&sel)
    };
    let mut pieces = vec![];
    let mut start = 0;
    for (&c, &len) in counts.iter().zip(&x.chunks()[axis]) {
        if c > 0 {
            pieces.push(piece(start, c));
        }
        start += len;
    }
    if pieces.is_empty() {
        return piece(0, 0);
    }
    concatenate(&pieces, axis)
}

impl<T: Element> DArray<T> {
    /// The positions along `axis` where `condition` is true (NumPy's
    /// `compress`; `None` works on the flattened array). A `condition`
    /// shorter than the axis selects nothing past its end; a longer one may
    /// hold only `false` there.
    ///
    /// The call computes `condition` (one value per position of the axis,
    /// small beside the array; dask's `compress` needs it computed too),
    /// which is why it returns `Result`; the selection is then a lazy
    /// [`take`](DArray::take) of the chosen positions, one output block per
    /// input block with any (so the chunks are known, where dask leaves
    /// them NaN). A condition of more than 2^26 positions (a full-shape
    /// mask of a large array, through [`bool_index`](DArray::bool_index))
    /// is not held: the call computes its true count per block, and each
    /// output block reads its input block and its mask block (the mask is
    /// so computed twice unless persisted).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4], [5, 6]]), [2, 1])?;
    /// // np.compress([False, True, True], a, axis=0) -> [[3, 4], [5, 6]]
    /// let c = DArray::from_array(ndarray::arr1(&[false, true, true]), 2)?;
    /// let y = a.compress(&c, Some(0))?;
    /// assert_eq!(y.compute()?, ndarray::arr2(&[[3, 4], [5, 6]]).into_dyn());
    /// // np.compress([False, True], a) (flattened) -> [2]
    /// let c = DArray::from_array(ndarray::arr1(&[false, true]), 2)?;
    /// assert_eq!(a.compress(&c, None)?.compute()?.into_raw_vec_and_offset().0, vec![2]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn compress(&self, condition: &DArray<bool>, axis: Option<usize>) -> Result<DArray<T>> {
        let x = self.clone().validate()?;
        let cond = condition.clone().validate()?;
        if cond.ndim() != 1 {
            return Err(Error::Shape(format!("condition must be 1-d, got shape {:?}", cond.shape())));
        }
        let (x, axis) = match axis {
            None => (x.ravel(), 0),
            Some(a) if a < x.ndim() => (x, a),
            Some(a) => return Err(Error::Axis { axis: a, ndim: x.ndim() }),
        };
        let m = cond.len();
        let x = if m < x.shape()[axis] { x.span_on(axis, 0, m) } else { x };
        let n = x.shape()[axis];
        let past_end = || {
            Error::Invalid(format!(
                "condition of length {m} selects a position past the end of axis {axis} (length {n})"
            ))
        };
        if m <= EAGER_CONDITION_LEN {
            // Gathering the chosen positions reads each input block once,
            // with no mask beside it: ten times faster than compacting data
            // and mask together.
            let c = cond.compute()?;
            if c.iter().skip(n).any(|&b| b) {
                return Err(past_end());
            }
            let picks: Vec<isize> = c.iter().take(n).enumerate().filter(|(_, &b)| b).map(|(i, _)| i as isize).collect();
            return Ok(x.take(&picks, axis));
        }
        compress_counted(&x, &cond, axis)
    }

    /// Boolean indexing, NumPy's `x[mask]`: `mask` has the shape of the
    /// leading axes of `x` (all of them, or fewer); the result has one axis
    /// of the selected positions (in C order) followed by the remaining
    /// axes. A 0-d mask adds a leading axis of length 1 or 0.
    ///
    /// The leading axes are flattened with dask's reshape rules (the axes
    /// merged into the first one become one chunk), then this is
    /// [`compress`](DArray::compress) along axis 0: the call computes the
    /// mask's true count per block, the selection stays lazy and blocked,
    /// and the mask is computed twice unless persisted.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1.0, -2.0], [-3.0, 4.0]]), [1, 2])?;
    /// // x[x > 0] -> [1.0, 4.0]
    /// let y = x.bool_index(&x.greater(0.0))?;
    /// assert_eq!(y.compute()?.into_raw_vec_and_offset().0, vec![1.0, 4.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn bool_index(&self, mask: &DArray<bool>) -> Result<DArray<T>> {
        let x = self.clone().validate()?;
        let mask = mask.clone().validate()?;
        let k = mask.ndim();
        if k > x.ndim() || mask.shape() != &x.shape()[..k] {
            return Err(Error::Shape(format!(
                "boolean index of shape {:?} does not match the leading axes of shape {:?}",
                mask.shape(),
                x.shape()
            )));
        }
        let lead: usize = mask.shape().iter().product();
        let mut shape = vec![lead];
        shape.extend_from_slice(&x.shape()[k..]);
        let x = x.reshape(&shape).validate()?;
        let mask = mask.reshape([lead]).validate()?;
        x.compress(&mask, Some(0))
    }

    /// The flat indices (C order) of the nonzero elements (`true`, NaN
    /// included; NumPy's `flatnonzero`), as `i64` (NumPy's `intp`). The call
    /// computes the nonzero count per block (see [`compress`](DArray::compress)).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[-2, -1, 0, 1, 2]), 2)?;
    /// // np.flatnonzero(np.arange(-2, 3)) -> [0, 1, 3, 4]
    /// assert_eq!(x.flatnonzero()?.compute()?.into_raw_vec_and_offset().0, vec![0, 1, 3, 4]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flatnonzero(&self) -> Result<DArray<i64>> {
        let x = self.clone().validate()?.ravel();
        let mask = x.not_equal(Operand::Scalar(T::default()));
        let idx = DArray::<i64>::arange(0, x.len() as i64, 1, ChunkSpec::Explicit(x.chunks().to_vec()))?;
        idx.compress(&mask, Some(0))
    }

    /// The indices of the nonzero elements, one `i64` array per axis, in C
    /// order (NumPy's `nonzero`). NumPy 2 refuses 0-d arrays, and so does
    /// this. The call computes the nonzero count per block (see
    /// [`compress`](DArray::compress)); the coordinates are lazy.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[3, 0, 0], [0, 4, 0], [5, 6, 0]]), [2, 2])?;
    /// // np.nonzero(x) -> ([0, 1, 2, 2], [0, 1, 0, 1])
    /// let nz = x.nonzero()?;
    /// assert_eq!(nz[0].compute()?.into_raw_vec_and_offset().0, vec![0, 1, 2, 2]);
    /// assert_eq!(nz[1].compute()?.into_raw_vec_and_offset().0, vec![0, 1, 0, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn nonzero(&self) -> Result<Vec<DArray<i64>>> {
        if self.ndim() == 0 {
            return Err(Error::Invalid("nonzero of a 0-d array: use a 1-d array of one element".into()));
        }
        let flat = self.flatnonzero()?;
        let shape = self.shape();
        Ok((0..shape.len())
            .map(|d| {
                let stride = shape[d + 1..].iter().product::<usize>().max(1) as i64;
                (&flat / stride) % shape[d].max(1) as i64
            })
            .collect())
    }

    /// The indices of the nonzero elements as a `(count, ndim)` array
    /// (NumPy's `argwhere`; a 0-d array gives `(count, 0)`). The call
    /// computes the nonzero count per block (see [`compress`](DArray::compress)).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[0, 1, 2], [3, 4, 5]]), [1, 2])?;
    /// // np.argwhere(x > 1) -> [[0, 2], [1, 0], [1, 1], [1, 2]]
    /// let w = x.greater(1).argwhere()?;
    /// assert_eq!(w.compute()?, ndarray::arr2(&[[0, 2], [1, 0], [1, 1], [1, 2]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn argwhere(&self) -> Result<DArray<i64>> {
        if self.ndim() == 0 {
            let count = self.flatnonzero()?.len();
            return DArray::full([count, 0], 0, ChunkSpec::Explicit(vec![vec![count], vec![0]]));
        }
        stack(&self.nonzero()?, 1).validate()
    }
}

/// The elements of `arr` where `condition` is true, flattened in C order
/// (NumPy's `extract(condition, arr)`; both have the same number of
/// elements). The call computes the condition's true count per block (see
/// [`DArray::compress`]); the selection is lazy and blocked.
///
/// ```
/// use darray::{extract, DArray};
/// let arr = DArray::from_fn([3, 4], [2, 3], |i| (4 * i[0] + i[1]) as i64)?;
/// // np.extract(np.mod(arr, 3) == 0, arr) -> [0, 3, 6, 9]
/// let y = extract(&(&arr % 3).equal(0), &arr)?;
/// assert_eq!(y.compute()?.into_raw_vec_and_offset().0, vec![0, 3, 6, 9]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn extract<T: Element>(condition: &DArray<bool>, arr: &DArray<T>) -> Result<DArray<T>> {
    let (c, a) = (condition.clone().validate()?, arr.clone().validate()?);
    if c.len() != a.len() {
        return Err(Error::Shape(format!(
            "extract: condition of shape {:?} and array of shape {:?} differ in size",
            c.shape(),
            a.shape()
        )));
    }
    a.ravel().bool_index(&c.ravel())
}

/// `x` broadcast to `shape` (same number of axes), chunked like `x` where
/// it is not stretched and like `hint` where it is.
fn broadcast_bits(x: &DArray<u64>, shape: &[usize], hint: &[Vec<usize>]) -> DArray<u64> {
    if x.shape() == shape {
        return x.clone();
    }
    let chunks: Vec<Vec<usize>> = (0..shape.len())
        .map(|d| if x.shape()[d] == shape[d] { x.chunks()[d].clone() } else { hint[d].clone() })
        .collect();
    match DArray::<u64>::full(shape, 0, ChunkSpec::Explicit(chunks)) {
        Ok(z) => x + &z,
        Err(e) => x.failed_with(e),
    }
}

impl<T: Element> DArray<T> {
    /// Picks values along `axis` at the matching positions of `indices`
    /// (NumPy's `take_along_axis`): `indices` has as many axes as the
    /// array, broadcasts against it on the others, and the result has its
    /// shape there and `indices`' length along `axis`. Negative indices
    /// count from the end; one out of bounds fails the computation.
    ///
    /// Lazy: any index may point anywhere along the axis, so each task
    /// holds a whole lane of the array along `axis` (the axis is one chunk
    /// there) next to its indices; the result is chunked like `indices`
    /// along `axis`. Errors in the shapes are deferred like other
    /// operations' (an array carrying the error).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::from_array(ndarray::arr2(&[[10, 30, 20], [60, 40, 50]]), [1, 2])?;
    /// // np.take_along_axis(a, np.argsort(a, axis=1), axis=1)
    /// let order = DArray::from_array(ndarray::arr2(&[[0i64, 2, 1], [1, 2, 0]]), [2, 2])?;
    /// let sorted = a.take_along_axis(&order, 1);
    /// assert_eq!(sorted.compute()?, ndarray::arr2(&[[10, 20, 30], [40, 50, 60]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn take_along_axis(&self, indices: &DArray<i64>, axis: usize) -> DArray<T> {
        if let Some(e) = self.error().or(indices.error()) {
            return self.failed_with(e.clone());
        }
        let nd = self.ndim();
        if axis >= nd {
            return self.failed_with(Error::Axis { axis, ndim: nd });
        }
        if indices.ndim() != nd {
            return self.failed_with(Error::Shape(format!(
                "take_along_axis: indices of shape {:?} need as many axes as the array of shape {:?}",
                indices.shape(),
                self.shape()
            )));
        }
        let (n, k) = (self.shape()[axis], indices.shape()[axis]);
        let mut other_a = self.shape().to_vec();
        let mut other_i = indices.shape().to_vec();
        other_a[axis] = 1;
        other_i[axis] = 1;
        let Some(mut shape_a) = broadcast_shapes(&other_a, &other_i).ok() else {
            return self.failed_with(Error::Broadcast { left: self.shape().to_vec(), right: indices.shape().to_vec() });
        };
        let mut shape_i = shape_a.clone();
        shape_a[axis] = n;
        shape_i[axis] = k;
        let a = broadcast_bits(&to_bits(self), &shape_a, indices.chunks());
        let i = broadcast_bits(&to_bits(indices), &shape_i, self.chunks());
        let cat = concatenate(&[a, i], axis);
        let mut whole = cat.chunks().to_vec();
        whole[axis] = vec![n + k];
        let cat = cat.rechunk(ChunkSpec::Explicit(whole));
        let gathered =
            map_blocks_try(&cat, "take_along_axis", token_of("take_along_axis", &[axis as u64, n as u64], 0), {
                move |mut b: ArrayD<u64>| {
                    for mut lane in b.lanes_mut(Axis(axis)) {
                        for j in 0..k {
                            let i = lane[n + j] as i64;
                            let p = if i < 0 { i + n as i64 } else { i };
                            if p < 0 || p >= n as i64 {
                                return Err(Error::Invalid(format!(
                                    "index {i} is out of bounds for axis {axis} with size {n}"
                                )));
                            }
                            lane[n + j] = lane[p as usize];
                        }
                    }
                    Ok(b)
                }
            });
        let out: DArray<T> = from_bits(&gathered.span_on(axis, n, n + k));
        let mut chunks = out.chunks().to_vec();
        chunks[axis] = indices.chunks()[axis].clone();
        out.rechunk(ChunkSpec::Explicit(chunks))
    }

    /// Point-wise selection (dask's `vindex`, NumPy's `x[i0, i1, ...]` with
    /// integer arrays): one index array per axis, broadcast together; the
    /// result has their broadcast shape and holds `x[i0[p], i1[p], ...]` at
    /// each point `p`. Negative indices count from the end.
    ///
    /// The indices are known at the call, so the plan is lazy and blocked:
    /// the points are grouped by the input block they fall in, each touched
    /// block gives the values of its points (a task reading only that
    /// block), and output blocks (of at most the largest input block's
    /// length) gather them back in the points' order. An index out of
    /// bounds or index arrays that do not broadcast give an array carrying
    /// the error.
    ///
    /// ```
    /// use darray::DArray;
    /// use ndarray::arr1;
    /// let x = DArray::from_fn([4, 5], [2, 2], |i| (10 * i[0] + i[1]) as i32)?;
    /// let y = x.vindex(&[arr1(&[0, 3, -1]).into_dyn(), arr1(&[4, 0, 2]).into_dyn()]);
    /// assert_eq!(y.compute()?.into_raw_vec_and_offset().0, vec![4, 30, 32]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn vindex(&self, indices: &[ArrayD<isize>]) -> DArray<T> {
        if let Some(e) = self.error() {
            return self.failed_with(e.clone());
        }
        let nd = self.ndim();
        if indices.len() != nd {
            return self.failed_with(Error::Invalid(format!(
                "vindex needs one index array per axis: {} for an array of {nd} axes",
                indices.len()
            )));
        }
        let mut shape: Vec<usize> = vec![];
        for i in indices {
            match broadcast_shapes(&shape, i.shape()).ok() {
                Some(s) => shape = s,
                None => {
                    return self.failed_with(Error::Broadcast { left: shape, right: i.shape().to_vec() });
                }
            }
        }
        let views: Vec<_> = indices.iter().map(|i| i.broadcast(IxDyn(&shape)).expect("shapes broadcast")).collect();
        let npoints: usize = shape.iter().product();
        let chunks = &self.node.chunks;
        let numblocks = chunks.numblocks();
        // Per touched block (in grid order): (point, flat index in the block).
        let mut by_block: BTreeMap<Vec<usize>, Vec<(usize, usize)>> = BTreeMap::new();
        let mut iters: Vec<_> = views.iter().map(|v| v.iter()).collect();
        for p in 0..npoints {
            let mut block = vec![0; nd];
            let mut local = 0;
            for d in 0..nd {
                let i = *iters[d].next().expect("one index per point");
                let len = self.shape()[d] as isize;
                let j = if i < 0 { i + len } else { i };
                if j < 0 || j >= len {
                    return self.failed_with(Error::Invalid(format!(
                        "index {i} is out of bounds for axis {d} with size {len}"
                    )));
                }
                let j = j as usize;
                block[d] = chunks.locate(d, j);
                local = local * chunks.sizes()[d][block[d]] + (j - chunks.offset(d, block[d]));
            }
            by_block.entry(block).or_default().push((p, local));
        }
        if npoints == 0 {
            let spec = ChunkSpec::Explicit(shape.iter().map(|&s| vec![s]).collect());
            return DArray::full(&shape, T::default(), spec).unwrap_or_else(|e| self.failed_with(e));
        }
        debug_assert!(by_block.keys().all(|b| b.iter().zip(&numblocks).all(|(i, n)| i < n)));
        let mut pieces = vec![];
        let mut perm = vec![0; npoints];
        let mut at = 0;
        for (block, points) in &by_block {
            let offset = chunks.block_offset(block);
            let bshape = chunks.block_shape(block);
            let sel: Vec<Sel> =
                offset.iter().zip(&bshape).map(|(&o, &s)| Sel::span(o as isize, (o + s) as isize)).collect();
            let local: Vec<isize> = points.iter().map(|&(_, l)| l as isize).collect();
            pieces.push(self.slice(&sel).reshape([bshape.iter().product::<usize>()]).take(&local, 0));
            for &(p, _) in points {
                perm[p] = at;
                at += 1;
            }
        }
        let flat = concatenate(&pieces, 0);
        let per = chunks.max_block_len().max(1);
        let out_chunks: Vec<usize> = (0..npoints.div_ceil(per)).map(|c| per.min(npoints - c * per)).collect();
        let flat: DArray<T> = DArray::from_node(take_chunked(flat.node, 0, perm, out_chunks));
        flat.reshape(&shape)
    }
}

/// Picks, per element, the choice of the first true condition, or
/// `default` where none is (NumPy's `select(condlist, choicelist,
/// default)`); everything broadcasts together. Lazy and elementwise (a
/// chain of `where_`). Lists of different lengths, or empty ones, give an
/// array carrying the error.
///
/// ```
/// use darray::{select, DArray};
/// let x = DArray::arange(0i64, 6, 1, 4)?;
/// // np.select([x < 3, x > 3], [x, x**2], 42) -> [0, 1, 2, 42, 16, 25]
/// let y = select(&[x.less(3), x.greater(3)], &[x.clone(), &x * &x], 42);
/// assert_eq!(y.compute()?.into_raw_vec_and_offset().0, vec![0, 1, 2, 42, 16, 25]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn select<T: Element>(
    condlist: &[DArray<bool>],
    choicelist: &[DArray<T>],
    default: impl Into<Operand<T>>,
) -> DArray<T> {
    let fail = |e: Error| match choicelist.first() {
        Some(c) => c.failed_with(e),
        None => DArray::from_node(Node::invalid_without_input(e, T::DTYPE)),
    };
    if condlist.len() != choicelist.len() {
        return fail(Error::Invalid(format!(
            "select: {} conditions for {} choices (they must match)",
            condlist.len(),
            choicelist.len()
        )));
    }
    if condlist.is_empty() {
        return fail(Error::Invalid("select with an empty condition list is not possible".into()));
    }
    let mut acc = default.into();
    for (c, ch) in condlist.iter().zip(choicelist).rev() {
        acc = Operand::Array(where_(c, ch, acc));
    }
    match acc {
        Operand::Array(a) => a,
        Operand::Scalar(_) => unreachable!("at least one condition"),
    }
}

/// What [`choose`] does with an index outside `0..n` (NumPy's `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChooseMode {
    /// Fail the computation (NumPy's `'raise'`, the default).
    #[default]
    Raise,
    /// Take the index modulo `n` (NumPy's `'wrap'`).
    Wrap,
    /// Clip it to `0..n` (NumPy's `'clip'`).
    Clip,
}

/// Picks, per element, the value of `choices[a]` (NumPy's `choose(a,
/// choices, mode)`); `a` and the choices broadcast together. Lazy and
/// elementwise. No choices give an array carrying the error; in
/// [`ChooseMode::Raise`] an index out of range fails the computation.
/// Other integer index arrays convert with `cast::<i64>()`.
///
/// ```
/// use darray::{choose, ChooseMode, DArray};
/// use ndarray::arr1;
/// let c: Vec<DArray<i32>> = [[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23], [30, 31, 32, 33]]
///     .iter()
///     .map(|r| DArray::from_array(arr1(r), 2))
///     .collect::<Result<_, _>>()?;
/// let a = DArray::from_array(arr1(&[2i64, 3, 1, 0]), 3)?;
/// // np.choose([2, 3, 1, 0], choices) -> [20, 31, 12, 3]
/// assert_eq!(choose(&a, &c, ChooseMode::Raise).compute()?.into_raw_vec_and_offset().0, vec![20, 31, 12, 3]);
/// // np.choose([2, 4, 1, 0], choices, mode='clip') -> [20, 31, 12, 3]
/// let a = DArray::from_array(arr1(&[2i64, 4, 1, 0]), 3)?;
/// assert_eq!(choose(&a, &c, ChooseMode::Clip).compute()?.into_raw_vec_and_offset().0, vec![20, 31, 12, 3]);
/// assert!(choose(&a, &c, ChooseMode::Raise).compute().is_err());
/// # Ok::<(), darray::Error>(())
/// ```
pub fn choose<T: Element>(a: &DArray<i64>, choices: &[DArray<T>], mode: ChooseMode) -> DArray<T> {
    let Some(last) = choices.last() else {
        let e = Error::Invalid("choose needs at least one choice".into());
        return DArray::from_node(Node::invalid(e, T::DTYPE, &a.node));
    };
    if let Some(e) = a.error() {
        return DArray::from_node(Node::invalid(e.clone(), T::DTYPE, &a.node));
    }
    let n = choices.len() as i64;
    let idx = match mode {
        ChooseMode::Raise => map_blocks_try(a, "choose_check", token_of("choose_check", &[n as u64], 0), move |b| {
            match b.iter().find(|&&i| i < 0 || i >= n) {
                Some(i) => Err(Error::Invalid(format!("choose: index {i} is out of range for {n} choices"))),
                None => Ok(b),
            }
        }),
        ChooseMode::Wrap => ((a % n) + n) % n,
        ChooseMode::Clip => a.clip(0, n - 1),
    };
    // The last choice is also a `where_`, so a single choice still
    // broadcasts against `a` (and checks it).
    let mut acc = where_(&idx.equal(n - 1), last, last);
    for (k, c) in choices.iter().enumerate().rev().skip(1) {
        acc = where_(&idx.equal(k as i64), c, &acc);
    }
    acc
}

/// Which of equal elements' positions [`searchsorted`] gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Side {
    /// The first position `i` with `v <= a[i]` (NumPy's `'left'`).
    #[default]
    Left,
    /// The first position `i` with `v < a[i]` (NumPy's `'right'`).
    Right,
}

/// Where each value of `v` would go in the sorted 1-d array `a` to keep it
/// sorted (NumPy's `searchsorted(a, v, side)`), as `i64`, in NumPy's order
/// (NaN after everything). `a` is computed at the call and held in the
/// graph; `v` stays lazy (elementwise, fused). `a` not 1-d, or not sorted
/// (NumPy leaves that undefined), is an error at the call.
///
/// ```
/// use darray::{searchsorted, DArray, Side};
/// let a = DArray::from_array(ndarray::arr1(&[1, 2, 3, 4, 5]), 2)?;
/// let v = DArray::from_array(ndarray::arr1(&[-10, 10, 2, 3]), 3)?;
/// // np.searchsorted([1,2,3,4,5], [-10, 10, 2, 3]) -> [0, 5, 1, 2]
/// assert_eq!(searchsorted(&a, &v, Side::Left)?.compute()?.into_raw_vec_and_offset().0, vec![0, 5, 1, 2]);
/// // side='right' -> [0, 5, 2, 3]
/// assert_eq!(searchsorted(&a, &v, Side::Right)?.compute()?.into_raw_vec_and_offset().0, vec![0, 5, 2, 3]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn searchsorted<T: Element>(a: &DArray<T>, v: &DArray<T>, side: Side) -> Result<DArray<i64>> {
    let v = v.clone().validate()?;
    let a = a.compute()?;
    if a.ndim() != 1 {
        return Err(Error::Shape(format!("searchsorted needs a 1-d sorted array, got shape {:?}", a.shape())));
    }
    let sorted: Vec<T> = a.iter().copied().collect();
    if let Some(w) = sorted.windows(2).position(|w| total_cmp(&w[0], &w[1]) == Ordering::Greater) {
        return Err(Error::Invalid(format!("searchsorted: the array is not sorted (at position {})", w + 1)));
    }
    let mut h = TokenHasher::new("searchsorted");
    h.u64(side as u64).u64(T::DTYPE as u64);
    sorted.iter().for_each(|x| {
        h.u64(x.el_bits());
    });
    let sorted = Arc::new(sorted);
    Ok(v.map_named("searchsorted", h.finish(), move |x: T| {
        let pos = match side {
            Side::Left => sorted.partition_point(|e| total_cmp(e, &x) == Ordering::Less),
            Side::Right => sorted.partition_point(|e| total_cmp(e, &x) != Ordering::Greater),
        };
        pos as i64
    }))
}

/// One distinct value: its count and the flat index of its first
/// occurrence (whose value represents equal ones, such as `-0.0`, `0.0`).
#[derive(Clone, Copy)]
struct Distinct<T> {
    value: T,
    count: u64,
    first: u64,
}

/// Merges two lists of distinct values sorted in NumPy's order.
fn merge<T: Element>(a: Vec<Distinct<T>>, b: Vec<Distinct<T>>) -> Vec<Distinct<T>> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match total_cmp(&x.value, &y.value) {
                Ordering::Less => a.next(),
                Ordering::Greater => b.next(),
                Ordering::Equal => {
                    let (x, y) = (a.next().expect("peeked"), b.next().expect("peeked"));
                    let rep = if x.first <= y.first { x } else { y };
                    Some(Distinct { value: rep.value, count: x.count + y.count, first: rep.first })
                }
            },
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        out.extend(next);
    }
    out
}

/// Merges sorted lists pairwise, as a tree (halves in parallel).
fn merge_tree<T: Element>(mut lists: Vec<Vec<Distinct<T>>>) -> Vec<Distinct<T>> {
    match lists.len() {
        0 => vec![],
        1 => lists.pop().expect("one list"),
        n => {
            let right = lists.split_off(n / 2);
            let (l, r) = rayon::join(|| merge_tree(lists), || merge_tree(right));
            merge(l, r)
        }
    }
}

/// The distinct values of `x` in NumPy's order (NaNs collapsed into one,
/// last): sorted per block on the workers, then merged as a tree.
fn distinct<T: Element>(x: &DArray<T>) -> Result<Vec<Distinct<T>>> {
    let x = x.clone().validate()?;
    let shape = x.shape().to_vec();
    let strides: Vec<u64> = (0..shape.len()).map(|d| shape[d + 1..].iter().product::<usize>() as u64).collect();
    let slots: Vec<Mutex<Vec<Distinct<T>>>> = (0..x.node.chunks.nblocks()).map(|_| Mutex::new(vec![])).collect();
    let numblocks = x.numblocks();
    x.for_each_block_with(&Config::default(), |b, offset, chunk| {
        let mut vals: Vec<(T, u64)> = chunk
            .indexed_iter()
            .map(|(i, &v)| {
                let flat = (0..offset.len()).map(|d| (offset[d] + i[d]) as u64 * strides[d]).sum();
                (v, flat)
            })
            .collect();
        vals.sort_unstable_by(|a, b| total_cmp(&a.0, &b.0).then(a.1.cmp(&b.1)));
        let mut runs: Vec<Distinct<T>> = vec![];
        for (v, flat) in vals {
            match runs.last_mut() {
                Some(r) if total_cmp(&r.value, &v) == Ordering::Equal => r.count += 1,
                _ => runs.push(Distinct { value: v, count: 1, first: flat }),
            }
        }
        let slot = b.iter().zip(&numblocks).fold(0, |acc, (&i, &n)| acc * n + i);
        *slots[slot].lock().unwrap_or_else(|e| e.into_inner()) = runs;
        Ok(())
    })?;
    Ok(merge_tree(slots.into_iter().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner())).collect()))
}

/// For each element of `x`, the position of its value in the sorted
/// distinct `values` (lazy, elementwise).
fn inverse_of<T: Element>(x: &DArray<T>, values: &Array1<T>) -> DArray<i64> {
    let mut h = TokenHasher::new("unique_inverse");
    h.u64(T::DTYPE as u64);
    values.iter().for_each(|v| {
        h.u64(v.el_bits());
    });
    let values: Arc<Vec<T>> = Arc::new(values.to_vec());
    x.map_named("unique_inverse", h.finish(), move |v: T| {
        values.partition_point(|e| total_cmp(e, &v) == Ordering::Less) as i64
    })
}

/// Everything [`DArray::unique_all`] gives (NumPy 2's `unique_all`).
#[derive(Clone, Debug)]
pub struct UniqueAll<T> {
    /// The sorted distinct values (NaN last, NaNs as one).
    pub values: ndarray::Array1<T>,
    /// The flat index (C order) of each value's first occurrence.
    pub indices: ndarray::Array1<i64>,
    /// For each element of the array (its shape), the position of its
    /// value in `values` (lazy).
    pub inverse_indices: DArray<i64>,
    /// How often each value occurs.
    pub counts: ndarray::Array1<i64>,
}

impl<T: Element> DArray<T> {
    /// The sorted distinct values (NumPy's `unique` of the flattened
    /// array): NaN last and all NaNs as one (NumPy 2's `equal_nan=True`;
    /// `-0.0` and `0.0` are one value, represented by the first to occur).
    /// Computed at the call: each block's distinct values are sorted on
    /// the workers, then merged as a tree; the result is an
    /// `ndarray::Array1` (its values are known now; `DArray::from_array`
    /// makes it lazy again).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 1], [2, 3]]), [1, 1])?;
    /// // np.unique([[1, 1], [2, 3]]) -> [1, 2, 3]
    /// assert_eq!(x.unique()?.to_vec(), vec![1, 2, 3]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn unique(&self) -> Result<Array1<T>> {
        Ok(distinct(self)?.iter().map(|d| d.value).collect())
    }

    /// The sorted distinct values and how often each occurs (NumPy's
    /// `unique(x, return_counts=True)`, `unique_counts`). Computed at the
    /// call, as [`unique`](DArray::unique).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.0, f64::NAN, 1.0, f64::NAN, 0.5]), 2)?;
    /// let (values, counts) = x.unique_counts()?;
    /// assert_eq!(values.len(), 3);
    /// assert!(values[2].is_nan());
    /// assert_eq!(counts.to_vec(), vec![1, 2, 2]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn unique_counts(&self) -> Result<(Array1<T>, Array1<i64>)> {
        let d = distinct(self)?;
        Ok((d.iter().map(|d| d.value).collect(), d.iter().map(|d| d.count as i64).collect()))
    }

    /// The sorted distinct values and, for each element, the position of
    /// its value among them (NumPy's `unique(x, return_inverse=True)`,
    /// `unique_inverse`; the inverse has the array's shape, as in NumPy 2).
    /// The values are computed at the call; the inverse is lazy (each
    /// element looked up in the values, fused).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1, 2, 6, 4, 2, 3, 2]), 3)?;
    /// // np.unique([1, 2, 6, 4, 2, 3, 2], return_inverse=True)
    /// let (values, inverse) = x.unique_inverse()?;
    /// assert_eq!(values.to_vec(), vec![1, 2, 3, 4, 6]);
    /// assert_eq!(inverse.compute()?.into_raw_vec_and_offset().0, vec![0, 1, 4, 3, 1, 2, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn unique_inverse(&self) -> Result<(Array1<T>, DArray<i64>)> {
        let values = self.unique()?;
        let inverse = inverse_of(self, &values);
        Ok((values, inverse))
    }

    /// Distinct values, first indices, inverse and counts together (NumPy
    /// 2's `unique_all`; `unique(x, return_index=True, return_inverse=True,
    /// return_counts=True)`). One computation at the call; the inverse is
    /// lazy.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[3, 1, 3, 2]), 2)?;
    /// let u = x.unique_all()?;
    /// assert_eq!(u.values.to_vec(), vec![1, 2, 3]);
    /// assert_eq!(u.indices.to_vec(), vec![1, 3, 0]);
    /// assert_eq!(u.counts.to_vec(), vec![1, 1, 2]);
    /// assert_eq!(u.inverse_indices.compute()?.into_raw_vec_and_offset().0, vec![2, 0, 2, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn unique_all(&self) -> Result<UniqueAll<T>> {
        let d = distinct(self)?;
        let values: Array1<T> = d.iter().map(|d| d.value).collect();
        Ok(UniqueAll {
            inverse_indices: inverse_of(self, &values),
            indices: d.iter().map(|d| d.first as i64).collect(),
            counts: d.iter().map(|d| d.count as i64).collect(),
            values,
        })
    }

    /// Whether each element is among the values of `test_elements` (NumPy's
    /// `isin`; NaN is never in: NaN != NaN; `invert=True` is `!x.isin(..)?`).
    /// `test_elements`' distinct values are computed at the call (as
    /// [`unique`](DArray::unique)) and held in the graph; the lookup is lazy
    /// and fused (a binary search per element).
    ///
    /// ```
    /// use darray::DArray;
    /// let element = DArray::from_array(ndarray::arr2(&[[0, 2], [4, 6]]), [1, 2])?;
    /// let test = DArray::from_array(ndarray::arr1(&[1, 2, 4, 8]), 2)?;
    /// // np.isin(2 * np.arange(4).reshape((2, 2)), [1, 2, 4, 8])
    /// let m = element.isin(&test)?;
    /// assert_eq!(m.compute()?, ndarray::arr2(&[[false, true], [true, false]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn isin(&self, test_elements: &DArray<T>) -> Result<DArray<bool>> {
        let x = self.clone().validate()?;
        let values: Vec<T> = test_elements.unique()?.into_iter().filter(|v| !v.el_is_nan()).collect();
        let mut h = TokenHasher::new("isin");
        h.u64(T::DTYPE as u64);
        values.iter().for_each(|v| {
            h.u64(v.el_bits());
        });
        let values = Arc::new(values);
        Ok(x.map_named("isin", h.finish(), move |v: T| {
            !v.el_is_nan() && values.binary_search_by(|e| total_cmp(e, &v)).is_ok()
        }))
    }
}

/// The sorted distinct values of both arrays together (NumPy's
/// `union1d`; NaN last, NaNs as one). Computed at the call, as
/// [`DArray::unique`]: each array's blocks are reduced to their sorted
/// distinct values, all merged as a tree.
///
/// ```
/// use darray::{union1d, DArray};
/// let a = DArray::from_array(ndarray::arr1(&[-1, 0, 1]), 2)?;
/// let b = DArray::from_array(ndarray::arr1(&[-2, 0, 2]), 2)?;
/// // np.union1d([-1, 0, 1], [-2, 0, 2]) -> [-2, -1, 0, 1, 2]
/// assert_eq!(union1d(&a, &b)?.to_vec(), vec![-2, -1, 0, 1, 2]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn union1d<T: Element>(a: &DArray<T>, b: &DArray<T>) -> Result<Array1<T>> {
    let (da, db) = (distinct(a)?, distinct(b)?);
    Ok(merge(da, db).iter().map(|d| d.value).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The counted path (long conditions) selects what the gathered
        /// path (short ones) does, on the same chunks.
        #[test]
        fn counted_compress_is_gathered_compress(
            (rows, cols) in (0usize..12, 1usize..4),
            (rc, cc) in (1usize..5, 1usize..3),
            bits in prop::collection::vec(any::<bool>(), 12),
        ) {
            let x = DArray::from_fn([rows, cols], [rc, cc], |i| (10 * i[0] + i[1]) as i32).unwrap();
            let cond = DArray::from_array(ndarray::Array1::from(bits[..rows].to_vec()), rc.max(1)).unwrap();
            let gathered = x.compress(&cond, Some(0)).unwrap();
            let counted = compress_counted(&x, &cond, 0).unwrap();
            prop_assert_eq!(gathered.shape(), counted.shape());
            prop_assert_eq!(gathered.chunks(), counted.chunks());
            prop_assert_eq!(gathered.compute().unwrap(), counted.compute().unwrap());
        }
    }
}
