//! User functions on blocks of several arrays: `apply_ufunc` (core axes
//! gathered whole), `map_blocks_multi` (aligned blocks) and `reduction`
//! (a custom tree reduction: chunk, combine, aggregate). Each is a
//! blockwise node whose steps run the user's closure on its worker; a
//! panic in it is an error naming the task. Such graphs stay in their
//! process (closures cannot be serialised).

use super::DArray;
use crate::chunks::{Chunks, GridIter};
use crate::dtype::{AnyArray, Element};
use crate::error::{Error, Result};
use crate::expr::build::{blockwise, blockwise::blockwise_fn, closure_token};
use crate::expr::{rechunk, Node, Step, StepArg};
use crate::ops::{BlockOp, CustomOp, StepFn};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use std::sync::Arc;

/// `f` behind `StepFn`: typed views of the step's blocks in, a block out,
/// checked against the shape the node expects.
struct Typed<F> {
    f: F,
    /// Per step's output block index: the expected shape.
    out: Chunks,
    /// How to show each input block to `f` (axes permutation; the last
    /// one for any further blocks).
    perms: Vec<Vec<usize>>,
}

impl<T: Element, U: Element, F> StepFn for (Typed<F>, std::marker::PhantomData<fn(T) -> U>)
where
    F: Fn(&[ArrayViewD<'_, T>], &[usize]) -> ArrayD<U> + Send + Sync,
{
    fn call(&self, blocks: &[&AnyArray], block: &[usize]) -> Result<AnyArray> {
        let t = &self.0;
        // One permutation per input, or one for all (a combine's partials).
        let views = blocks
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let p = &t.perms[i.min(t.perms.len() - 1)];
                T::view_any(b)
                    .map(|a| a.view().permuted_axes(IxDyn(p)))
                    .ok_or_else(|| Error::Internal("a blockwise function read a block of another type".into()))
            })
            .collect::<Result<Vec<_>>>()?;
        let r = (t.f)(&views, block);
        let want = t.out.block_shape(block);
        if r.shape() != want.as_slice() {
            return Err(Error::Shape(format!(
                "a blockwise function returned a block of shape {:?} for block {block:?}, not {want:?}",
                r.shape()
            )));
        }
        Ok(U::wrap(r))
    }
}

fn step_fn<T: Element, U: Element>(
    f: impl Fn(&[ArrayViewD<'_, T>], &[usize]) -> ArrayD<U> + Send + Sync + 'static,
    out: Chunks,
    perms: Vec<Vec<usize>>,
) -> Arc<dyn StepFn> {
    Arc::new((Typed { f, out, perms }, std::marker::PhantomData::<fn(T) -> U>))
}

fn flat(b: &[usize], nb: &[usize]) -> usize {
    b.iter().zip(nb).fold(0, |acc, (&i, &n)| acc * n + i)
}

/// The first error of `inputs`, as an array of `U` shaped like the first.
fn first_error<T: Element, U: Element>(inputs: &[&DArray<T>]) -> Option<DArray<U>> {
    let first = inputs.first()?;
    inputs.iter().find_map(|x| x.error()).map(|e| first.failed_as(e.clone()))
}

/// Runs `f` on each input's blocks with the input's `core_dims[i]` axes
/// gathered whole (rechunked to one block) and moved last, in the order
/// given, as xarray's `apply_ufunc` shows them; the other axes ("loop"
/// axes, equal in every input, chunked as the first input's) keep their
/// order. `f` returns the loop block's shape followed by `out_core`: the
/// output is the loop axes then axes of those sizes, so core axes can be
/// dropped (`out_core` empty) or added. A block of another shape is an
/// error naming the task.
///
/// ```
/// use darray::{apply_ufunc, DArray};
/// use ndarray::Axis;
/// // A weighted mean over a core axis of length 4, per point of axis 0.
/// let x = DArray::from_array(ndarray::Array2::from_shape_fn((6, 4), |(i, j)| (i * 4 + j) as f64), [2, 2])?;
/// let w = DArray::from_array(ndarray::Array2::from_elem((6, 4), 0.25), [3, 4])?;
/// let m = apply_ufunc(&[&x, &w], &[&[1], &[1]], &[], |b| (&b[0] * &b[1]).sum_axis(Axis(1)));
/// assert_eq!(m.compute()?, x.mean_axis(1).compute()?);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn apply_ufunc<T: Element, U: Element>(
    inputs: &[&DArray<T>],
    core_dims: &[&[usize]],
    out_core: &[usize],
    f: impl Fn(&[ArrayViewD<'_, T>]) -> ArrayD<U> + Send + Sync + 'static,
) -> DArray<U> {
    let Some(first) = inputs.first() else {
        return DArray::from_node(Node::invalid_without_input(
            Error::Invalid("apply_ufunc of no array".into()),
            U::DTYPE,
        ));
    };
    if let Some(e) = first_error(inputs) {
        return e;
    }
    if core_dims.len() != inputs.len() {
        let e = format!("{} lists of core axes for {} arrays", core_dims.len(), inputs.len());
        return first.failed_as(Error::Invalid(e));
    }
    // Each input: its loop axes, and its blocks' view (loop, then core).
    let mut loops: Vec<Vec<usize>> = vec![];
    for (x, core) in inputs.iter().zip(core_dims) {
        let nd = x.ndim();
        if let Some(&a) = core.iter().find(|&&a| a >= nd) {
            return first.failed_as(Error::Axis { axis: a, ndim: nd });
        }
        if (1..core.len()).any(|i| core[..i].contains(&core[i])) {
            return first.failed_as(Error::Invalid(format!("repeated core axis in {core:?}")));
        }
        loops.push((0..nd).filter(|a| !core.contains(a)).collect());
    }
    let loop_shape: Vec<usize> = loops[0].iter().map(|&a| first.shape()[a]).collect();
    for (x, l) in inputs.iter().zip(&loops) {
        let s: Vec<usize> = l.iter().map(|&a| x.shape()[a]).collect();
        if s != loop_shape {
            return first.failed_as(Error::Shape(format!(
                "apply_ufunc: loop axes of shape {s:?} and {loop_shape:?} (the loop axes must match)"
            )));
        }
    }
    let loop_chunks: Vec<Vec<usize>> = loops[0].iter().map(|&a| first.chunks()[a].clone()).collect();
    let mut nodes = vec![];
    let mut perms = vec![];
    for ((x, core), l) in inputs.iter().zip(core_dims).zip(&loops) {
        let mut sizes = x.chunks().to_vec();
        for (k, &a) in l.iter().enumerate() {
            sizes[a] = loop_chunks[k].clone();
        }
        for &a in core.iter() {
            sizes[a] = vec![x.shape()[a]];
        }
        let n = if sizes.as_slice() == x.chunks() {
            x.node.clone()
        } else {
            rechunk(x.node.clone(), Chunks::from_sizes(sizes))
        };
        nodes.push(n);
        perms.push(l.iter().chain(core.iter()).copied().collect::<Vec<usize>>());
    }
    let mut shape = loop_shape.clone();
    shape.extend_from_slice(out_core);
    let mut sizes = loop_chunks.clone();
    sizes.extend(out_core.iter().map(|&s| vec![s]));
    let out = Chunks::from_sizes(sizes);
    let loop_grid: Vec<usize> = loop_chunks.iter().map(Vec::len).collect();
    let name = CustomOp::new("apply_ufunc", closure_token());
    let steps = GridIter::new(loop_grid)
        .map(|lb| {
            let args = nodes
                .iter()
                .zip(&loops)
                .enumerate()
                .map(|(i, (n, l))| {
                    let mut b = vec![0; n.shape.len()];
                    for (k, &a) in l.iter().enumerate() {
                        b[a] = lb[k];
                    }
                    StepArg::Input { input: i, block: flat(&b, &n.chunks.numblocks()) }
                })
                .collect();
            Step { op: BlockOp::Custom(name.clone()), args }
        })
        .collect();
    let f = step_fn(move |b: &[ArrayViewD<'_, T>], _: &[usize]| f(b), out.clone(), perms);
    DArray::from_node(blockwise_fn("apply_ufunc", nodes, steps, shape, out, U::DTYPE, Some(f)))
}

/// Runs `f` on the aligned blocks of several arrays of one shape (the
/// others rechunked to the first's chunks) with the block index; `f`
/// returns a block of the same shape, of any element type.
///
/// ```
/// use darray::{map_blocks_multi, DArray};
/// let a = DArray::<f64>::ones([4, 4], [2, 2])?;
/// let b = DArray::<f64>::full([4, 4], 2.0, [4, 1])?;
/// let c = map_blocks_multi(&[&a, &b], |x, _| x[1].mapv(|v| v > 1.0) & x[0].mapv(|v| v == 1.0));
/// assert!(c.all().compute()?[[]]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn map_blocks_multi<T: Element, U: Element>(
    inputs: &[&DArray<T>],
    f: impl Fn(&[ArrayViewD<'_, T>], &[usize]) -> ArrayD<U> + Send + Sync + 'static,
) -> DArray<U> {
    let Some(first) = inputs.first() else {
        return DArray::from_node(Node::invalid_without_input(
            Error::Invalid("map_blocks of no array".into()),
            U::DTYPE,
        ));
    };
    if let Some(e) = first_error(inputs) {
        return e;
    }
    if let Some(x) = inputs.iter().find(|x| x.shape() != first.shape()) {
        return first.failed_as(Error::Shape(format!("map_blocks of shapes {:?} and {:?}", first.shape(), x.shape())));
    }
    let chunks = first.node.chunks.clone();
    let nodes: Vec<Arc<Node>> = inputs
        .iter()
        .map(|x| if x.chunks() == first.chunks() { x.node.clone() } else { rechunk(x.node.clone(), chunks.clone()) })
        .collect();
    let op = BlockOp::Custom(CustomOp::new("map_blocks", closure_token()));
    let perms = vec![(0..first.ndim()).collect(); nodes.len()];
    let f = step_fn(f, chunks.clone(), perms);
    let shape = first.shape().to_vec();
    DArray::from_node(blockwise::per_block_fn("map_blocks", nodes, op, shape, chunks, U::DTYPE, Some(f)))
}

impl<T: Element> DArray<T> {
    /// A reduction over `axes` written as three functions, as dask's
    /// `reduction`: `chunk` turns a block into a partial state of shape
    /// `[other axes of the block..., width]` (the reduced axes gone, a
    /// last axis of `width` values: a sum and a count, say); `combine`
    /// turns a stack of partials `[m, other axes..., width]` into one; and
    /// `aggregate` turns the last partial into the result's block
    /// `[other axes...]`. Partials are combined `split_every` at a time,
    /// as a tree over the blocks along `axes`.
    ///
    /// ```
    /// use darray::DArray;
    /// use ndarray::{stack, Axis};
    /// // A mean along axis 0 from (sum, count) partials.
    /// let x = DArray::from_array(ndarray::Array2::from_shape_fn((10, 3), |(i, j)| (i + j) as f64), [3, 2])?;
    /// let m = x.reduction(
    ///     &[0],
    ///     2,
    ///     |b| stack![Axis(1), b.sum_axis(Axis(0)), b.map_axis(Axis(0), |l| l.len() as f64)].into_dyn(),
    ///     |p| p.sum_axis(Axis(0)),
    ///     |p| &p.index_axis(Axis(1), 0) / &p.index_axis(Axis(1), 1),
    ///     4,
    /// );
    /// assert_eq!(m.compute()?, x.mean_axis(0).compute()?);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn reduction<A: Element, U: Element>(
        &self,
        axes: &[usize],
        width: usize,
        chunk: impl Fn(ArrayViewD<'_, T>) -> ArrayD<A> + Send + Sync + 'static,
        combine: impl Fn(ArrayViewD<'_, A>) -> ArrayD<A> + Send + Sync + 'static,
        aggregate: impl Fn(ArrayViewD<'_, A>) -> ArrayD<U> + Send + Sync + 'static,
        split_every: usize,
    ) -> DArray<U> {
        if let Some(e) = self.error() {
            return self.failed_as(e.clone());
        }
        let nd = self.ndim();
        let mut axes = axes.to_vec();
        axes.sort_unstable();
        axes.dedup();
        if let Some(&a) = axes.iter().find(|&&a| a >= nd) {
            return self.failed_as(Error::Axis { axis: a, ndim: nd });
        }
        if split_every < 2 {
            return self.failed_as(Error::Invalid(format!("reduction: split_every {split_every} (at least 2)")));
        }
        let x = &self.node;
        let nb = x.chunks.numblocks();
        let others: Vec<usize> = (0..nd).filter(|a| !axes.contains(a)).collect();
        let other_sizes: Vec<Vec<usize>> = others.iter().map(|&a| x.chunks.sizes()[a].clone()).collect();
        let other_grid: Vec<usize> = other_sizes.iter().map(Vec::len).collect();
        let red_grid: Vec<usize> = axes.iter().map(|&a| nb[a]).collect();
        let r: usize = red_grid.iter().product();
        // A level of partials: `[r, others..., width]`, one block per
        // (partial, block of the others).
        let level = |r: usize| {
            let mut sizes = vec![vec![1; r]];
            sizes.extend(other_sizes.iter().cloned());
            sizes.push(vec![width]);
            Chunks::from_sizes(sizes)
        };
        let level_shape = |r: usize| {
            let mut s = vec![r];
            s.extend(others.iter().map(|&a| x.shape[a]));
            s.push(width);
            s
        };
        let ob_count: usize = other_grid.iter().product();
        let token = closure_token();
        // Level 0: `chunk` on every block of x.
        let chunks0 = level(r);
        let steps = GridIter::new(std::iter::once(r).chain(other_grid.iter().copied()).collect())
            .map(|pb| {
                let rb: Vec<usize> = GridIter::new(red_grid.clone()).nth(pb[0]).expect("a reduced block");
                let mut b = vec![0; nd];
                for (k, &a) in others.iter().enumerate() {
                    b[a] = pb[k + 1];
                }
                for (k, &a) in axes.iter().enumerate() {
                    b[a] = rb[k];
                }
                Step {
                    op: BlockOp::Custom(CustomOp::new("reduction-chunk", token)),
                    args: vec![StepArg::Input { input: 0, block: flat(&b, &nb) }],
                }
            })
            .collect();
        let f0 = step_fn(
            move |b: &[ArrayViewD<'_, T>], _: &[usize]| chunk(b[0].view()).insert_axis(Axis(0)),
            chunks0.clone(),
            vec![(0..nd).collect()],
        );
        let mut node =
            blockwise_fn("reduction-chunk", vec![x.clone()], steps, level_shape(r), chunks0, A::DTYPE, Some(f0));
        // Combine levels until one partial is left.
        let combine = Arc::new(combine);
        let mut r = r;
        while r > 1 {
            let next = r.div_ceil(split_every);
            let chunks = level(next);
            let steps = (0..next)
                .flat_map(|g| (0..ob_count).map(move |o| (g, o)))
                .map(|(g, o)| Step {
                    op: BlockOp::Custom(CustomOp::new("reduction-combine", token)),
                    args: (g * split_every..((g + 1) * split_every).min(r))
                        .map(|p| StepArg::Input { input: 0, block: p * ob_count + o })
                        .collect(),
                })
                .collect();
            let c = combine.clone();
            let f = step_fn(
                move |b: &[ArrayViewD<'_, A>], _: &[usize]| {
                    let stacked = ndarray::concatenate(Axis(0), b).expect("partials of one shape");
                    c(stacked.view()).insert_axis(Axis(0))
                },
                chunks.clone(),
                vec![(0..others.len() + 2).collect()],
            );
            node = blockwise_fn("reduction-combine", vec![node], steps, level_shape(next), chunks, A::DTYPE, Some(f));
            r = next;
        }
        // Aggregate each block of the others.
        let out = Chunks::from_sizes(other_sizes.clone());
        let steps = (0..ob_count)
            .map(|o| Step {
                op: BlockOp::Custom(CustomOp::new("reduction-aggregate", token)),
                args: vec![StepArg::Input { input: 0, block: o }],
            })
            .collect();
        let f = step_fn(
            move |b: &[ArrayViewD<'_, A>], _: &[usize]| aggregate(b[0].index_axis(Axis(0), 0)),
            out.clone(),
            vec![(0..others.len() + 2).collect()],
        );
        let shape: Vec<usize> = others.iter().map(|&a| x.shape[a]).collect();
        DArray::from_node(blockwise_fn("reduction-aggregate", vec![node], steps, shape, out, U::DTYPE, Some(f)))
    }
}
