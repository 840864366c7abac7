//! Creating arrays: constants, ranges, closures, random numbers, and
//! in-memory ndarray arrays.

use super::DArray;
use crate::chunks::{ChunkSpec, Chunks};
use crate::dtype::{AnyArray, CastFrom, DType, Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::expr::{build::closure_token, source, Node, NodeKind};
use crate::kernels::source::{source_for, Erased, FromFn, Source};
use crate::key::TokenHasher;
use crate::ops::{BlockReader, Dist, Scalar, SourceOp};
use ndarray::{ArrayBase, Data, Dimension};
use std::sync::Arc;

impl<T: Element> DArray<T> {
    /// An array of `shape` on `chunks` whose values `src` generates.
    fn source_node(shape: &[usize], chunks: ChunkSpec, src: Arc<dyn Source>) -> Result<Self> {
        let chunks = Chunks::new(shape, &chunks, std::mem::size_of::<T>())?;
        Ok(Self::from_node(source(src, shape.to_vec(), chunks)))
    }

    /// An array of the built-in source `op`.
    pub(super) fn builtin_source(shape: &[usize], chunks: ChunkSpec, op: SourceOp) -> Result<Self> {
        let src = source_for(&op, T::DTYPE, shape)?;
        Self::source_node(shape, chunks, src)
    }

    /// Random values of `dist` (its parameters are checked with the op,
    /// `Dist::check_params`).
    pub(super) fn random(shape: &[usize], chunks: ChunkSpec, seed: u64, dist: Dist) -> Result<Self> {
        Self::builtin_source(shape, chunks, SourceOp::Random { seed, dist })
    }

    /// An array filled with `value`.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::full([2, 3], 7i32, [1, 3])?;
    /// assert_eq!(a.compute()?, ndarray::ArrayD::from_elem(vec![2, 3], 7));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn full(shape: impl AsRef<[usize]>, value: T, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        Self::builtin_source(shape.as_ref(), chunks.into(), SourceOp::Const(Scalar::new(value)))
    }

    /// Builds an array by calling `f` on the global index of each element,
    /// block by block (the closure runs on worker threads).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::from_fn([3, 4], [2, 2], |i| (10 * i[0] + i[1]) as i64)?;
    /// assert_eq!(a.compute()?[[2, 3]], 23);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn from_fn<F>(shape: impl AsRef<[usize]>, chunks: impl Into<ChunkSpec>, f: F) -> Result<Self>
    where
        F: Fn(&[usize]) -> T + Send + Sync + 'static,
    {
        let op = SourceOp::Custom(crate::ops::CustomOp::new("from_fn", closure_token()));
        Self::source_node(shape.as_ref(), chunks.into(), Arc::new(Erased::<T, _>::new(op, FromFn { f })))
    }

    /// Splits an in-memory ndarray array into chunks. Blocks are read as
    /// views of it; nothing is copied until a task needs the values.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = ndarray::Array2::<f64>::eye(4);
    /// let d = DArray::from_array(a.clone(), [2, 2])?;
    /// assert_eq!(d.compute()?, a.into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn from_array<S, D>(a: ArrayBase<S, D>, chunks: impl Into<ChunkSpec>) -> Result<Self>
    where
        S: Data<Elem = T>,
        D: Dimension,
    {
        let a = a.into_owned().into_dyn();
        let shape = a.shape().to_vec();
        let chunks = Chunks::new(&shape, &chunks.into(), std::mem::size_of::<T>())?;
        // Array contents are not hashed (that would read them all): each
        // array gets the next number of a deterministic sequence.
        let token = TokenHasher::new("from_array").u64(closure_token()).finish();
        let node = Node::new(token, "from_array", shape, chunks, T::DTYPE, NodeKind::FromArray(Arc::new(T::wrap(a))));
        Ok(Self::from_node(node))
    }
}

impl<T: Element> DArray<T> {
    /// An array whose blocks are computed by delayed calls, given in
    /// row-major order of the chunk grid. A block of the wrong shape is an
    /// error naming its task when computed.
    ///
    /// ```
    /// use darray::{delayed::{call1, Delayed}, DArray};
    /// use ndarray::ArrayD;
    /// let make = |i: &usize| ArrayD::from_elem(vec![2], *i as f64);
    /// let blocks: Vec<_> = (0..3).map(|i| call1("make", make, Delayed::value(i))).collect();
    /// let x = DArray::from_delayed(blocks, [6], [2])?;
    /// assert_eq!(x.sum().compute()?[[]], 2.0 * (0.0 + 1.0 + 2.0));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn from_delayed(
        blocks: Vec<crate::delayed::Delayed<ndarray::ArrayD<T>>>,
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Self> {
        let shape = shape.as_ref().to_vec();
        let chunks = Chunks::new(&shape, &chunks.into(), std::mem::size_of::<T>())?;
        if blocks.len() != chunks.nblocks() {
            return Err(Error::Chunks(format!(
                "{} delayed blocks for a grid of {} blocks",
                blocks.len(),
                chunks.nblocks()
            )));
        }
        let nodes: Vec<_> = blocks.iter().map(|b| b.node.clone()).collect();
        if !crate::expr::DNode::arrays(&nodes).is_empty() {
            return Err(Error::Invalid(
                "from_delayed of values computed from an array's blocks (to_delayed): compute them, or use map_blocks"
                    .into(),
            ));
        }
        let mut h = TokenHasher::new("from_delayed");
        for b in &blocks {
            h.u64(b.node.token);
        }
        let convert = |v: &crate::ops::Value, shape: &[usize]| -> Result<crate::dtype::AnyArray> {
            let a = v.downcast_ref::<ndarray::ArrayD<T>>().expect("delayed blocks are arrays of T");
            if a.shape() != shape {
                return Err(Error::Shape(format!(
                    "delayed block has shape {:?}, the grid expects {:?}",
                    a.shape(),
                    shape
                )));
            }
            Ok(T::wrap(a.clone()))
        };
        let kind =
            NodeKind::FromDelayed { blocks: blocks.into_iter().map(|b| b.node).collect(), convert: Arc::new(convert) };
        Ok(Self::from_node(Node::new(h.finish(), "from_delayed", shape, chunks, T::DTYPE, kind)))
    }
}

impl<T: Element> DArray<T> {
    /// The array's blocks as delayed values, on the grid of its blocks
    /// (dask's `to_delayed`): a sequential algorithm can walk them carrying
    /// its state from one to the next (see `examples/online_fit.rs`), the
    /// counterpart of [`from_delayed`](DArray::from_delayed). Computing a
    /// delayed value computes the blocks it reads, in the same graph; each
    /// block is handed to the calls as a copy.
    ///
    /// ```
    /// use darray::{delayed, DArray};
    /// use ndarray::ArrayD;
    /// fn total(acc: &f64, b: &ArrayD<f64>) -> f64 { acc + b.sum() }
    /// let x = DArray::<f64>::arange(0.0, 10.0, 1.0, 4)?;
    /// let blocks = x.to_delayed()?;
    /// assert_eq!(blocks.shape(), &[3]);
    /// let mut acc = darray::delayed::Delayed::value(0.0);
    /// for b in blocks.iter() {
    ///     acc = delayed!(total(&acc, b));
    /// }
    /// assert_eq!(acc.compute()?, 45.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn to_delayed(&self) -> Result<ndarray::ArrayD<crate::delayed::Delayed<ndarray::ArrayD<T>>>> {
        let x = self.clone().validate()?;
        let n = &x.node;
        let convert: Arc<crate::ops::BlockValueFn> = Arc::new(|a: &crate::dtype::AnyArray| {
            let b = T::view_any(a).ok_or_else(|| Error::Internal("a block of another type".into()))?;
            Ok(Arc::new(b.clone()) as crate::ops::Value)
        });
        let blocks: Vec<_> = (0..n.chunks.nblocks())
            .map(|flat| {
                let mut h = TokenHasher::new("to_delayed");
                h.u64(n.token).u64(flat as u64);
                let node = crate::expr::DNode {
                    token: h.finish(),
                    name: Arc::from(format!("{}-block", n.label).as_str()),
                    deps: vec![],
                    f: Arc::new(|_: &[&crate::ops::Value]| Err(Error::Internal("an array block has no call".into()))),
                    block: Some(crate::expr::ArrayBlock { node: n.clone(), flat, convert: convert.clone() }),
                    item: None,
                };
                crate::delayed::Delayed::from_node(Arc::new(node))
            })
            .collect();
        Ok(ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&n.chunks.numblocks()), blocks).expect("one per block"))
    }
}

impl<T: Numeric> DArray<T> {
    /// An array of zeros.
    ///
    /// ```
    /// use darray::DArray;
    /// let z = DArray::<u8>::zeros([4, 4], 2)?;
    /// assert_eq!(z.numblocks(), vec![2, 2]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn zeros(shape: impl AsRef<[usize]>, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        Self::full(shape, T::zero(), chunks)
    }

    /// An array of ones.
    pub fn ones(shape: impl AsRef<[usize]>, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        Self::full(shape, T::one(), chunks)
    }

    /// Values `start, start + step, ...` below `stop` (above, for a negative
    /// step), like NumPy's `arange`.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::arange(0i32, 10, 3, 2)?;
    /// assert_eq!(a.compute()?.into_raw_vec_and_offset().0, vec![0, 3, 6, 9]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn arange(start: T, stop: T, step: T, chunks: impl Into<ChunkSpec>) -> Result<Self>
    where
        T: CastFrom<u64>,
    {
        if step == T::zero() {
            return Err(Error::Invalid("arange step must not be zero".into()));
        }
        let len = ((stop.el_to_f64() - start.el_to_f64()) / step.el_to_f64()).ceil();
        // NumPy raises for both: "cannot compute length" and "maximum
        // allowed size exceeded".
        let call = || format!("arange({}, {}, {})", start.el_to_f64(), stop.el_to_f64(), step.el_to_f64());
        if len.is_nan() {
            return Err(Error::Invalid(format!("{}: cannot compute the length", call())));
        }
        if len >= isize::MAX as f64 {
            return Err(Error::TooLarge(format!("{} would have {len:e} elements", call())));
        }
        let len = if len > 0.0 { len as usize } else { 0 };
        let op = SourceOp::Arange { start: Scalar::new(start), step: Scalar::new(step) };
        Self::builtin_source(&[len], chunks.into(), op)
    }
}

impl<T: Float + CastFrom<u64>> DArray<T> {
    /// `num` evenly spaced values from `start` to `stop` (included when
    /// `endpoint`), like NumPy's `linspace`.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::linspace(0.0, 1.0, 5, true, 2)?;
    /// assert_eq!(a.compute()?.into_raw_vec_and_offset().0, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn linspace(start: T, stop: T, num: usize, endpoint: bool, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        let op = SourceOp::Linspace { start: Scalar::new(start), stop: Scalar::new(stop), num, endpoint };
        Self::builtin_source(&[num], chunks.into(), op)
    }

    /// Uniform random values in `[low, high)` (in `(high, low]` when
    /// `high < low`, as NumPy's `uniform`). Each value depends only on
    /// `seed` and its position, so results are the same whatever the
    /// chunking, evaluation order or thread count.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::random_uniform([100], 10, 0.0, 1.0, 42)?.compute()?;
    /// let b = DArray::<f64>::random_uniform([100], 7, 0.0, 1.0, 42)?.compute()?;
    /// assert_eq!(a, b);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_uniform(
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
        low: f64,
        high: f64,
        seed: u64,
    ) -> Result<Self> {
        Self::random(shape.as_ref(), chunks.into(), seed, Dist::Uniform { low, high })
    }

    /// Normally distributed random values (reproducible like
    /// [`random_uniform`](DArray::random_uniform)).
    pub fn random_normal(
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
        mean: f64,
        std: f64,
        seed: u64,
    ) -> Result<Self> {
        Self::random(shape.as_ref(), chunks.into(), seed, Dist::Normal { mean, std })
    }
}

/// A typed block closure as a `BlockReader`.
struct ReadFn<T, F>(F, std::marker::PhantomData<fn() -> T>);

impl<T, F> BlockReader for ReadFn<T, F>
where
    T: Element,
    F: Fn(&[usize], &[usize]) -> Result<ndarray::ArrayD<T>> + Send + Sync,
{
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        (self.0)(offset, shape).map(T::wrap)
    }
}

impl<T: Element> DArray<T> {
    /// An array whose blocks are read by `f(offset, shape)` (the global
    /// index of the block's first element, and the block's shape): a task
    /// per block, run only for the blocks a result needs: the closure form
    /// of [`from_reader`](DArray::from_reader). An error or a block of the
    /// wrong shape fails the computation, naming the block's task.
    ///
    /// ```
    /// use darray::DArray;
    /// use ndarray::ArrayD;
    /// let x = DArray::<f64>::from_block_fn("rows", [6, 4], [2, 4], |off, shape| {
    ///     Ok(ArrayD::from_elem(shape.to_vec(), off[0] as f64))
    /// })?;
    /// assert_eq!(x.sum().compute()?[[]], 4.0 * 2.0 * (0.0 + 2.0 + 4.0));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn from_block_fn<F>(name: &str, shape: impl AsRef<[usize]>, chunks: impl Into<ChunkSpec>, f: F) -> Result<Self>
    where
        F: Fn(&[usize], &[usize]) -> Result<ndarray::ArrayD<T>> + Send + Sync + 'static,
    {
        let token = TokenHasher::new("from_block_fn").str(name).u64(closure_token()).finish();
        let reader = Arc::new(ReadFn(f, std::marker::PhantomData));
        Self::from_reader_keyed(name, shape.as_ref(), chunks.into(), token, reader)
    }

    /// An array whose blocks `reader` reads: a task per block, run only for
    /// the blocks a result needs. This is how data from outside the engine
    /// plugs in (a format of another crate implements
    /// [`BlockReader`]; the `darray::io` formats read
    /// through it too). A block of the wrong shape or element type, or an
    /// error, fails the computation, naming the block's task. Each call is
    /// a new array: two arrays from one reader share no tasks.
    ///
    /// ```
    /// use darray::{dtype::AnyArray, BlockReader, DArray};
    /// use std::sync::Arc;
    /// /// Element `[i, j]` is `i * 100 + j`.
    /// struct Grid;
    /// impl BlockReader for Grid {
    ///     fn read(&self, offset: &[usize], shape: &[usize]) -> darray::Result<AnyArray> {
    ///         let block = ndarray::ArrayD::from_shape_fn(shape, |i| ((offset[0] + i[0]) * 100 + offset[1] + i[1]) as i64);
    ///         Ok(AnyArray::I64(block))
    ///     }
    /// }
    /// let x = DArray::<i64>::from_reader("grid", [3, 4], [2, 3], Arc::new(Grid))?;
    /// assert_eq!(x.sum().compute()?[[]], (0..3).flat_map(|i| (0..4).map(move |j| i * 100 + j)).sum::<i64>());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn from_reader(
        name: &str,
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
        reader: Arc<dyn BlockReader>,
    ) -> Result<Self> {
        let token = TokenHasher::new("from_reader").str(name).u64(closure_token()).finish();
        Self::from_reader_keyed(name, shape.as_ref(), chunks.into(), token, reader)
    }

    /// An array read by `reader`, named by `token` (which callers derive
    /// from what identifies the data, so the same program gets the same
    /// keys). Blocks of another element type than `T` are an error.
    pub(crate) fn from_reader_keyed(
        name: &str,
        shape: &[usize],
        chunks: ChunkSpec,
        token: u64,
        reader: Arc<dyn BlockReader>,
    ) -> Result<Self> {
        let chunks = Chunks::new(shape, &chunks, std::mem::size_of::<T>())?;
        let reader = Arc::new(Typed { reader, dtype: T::DTYPE });
        let node = Node::new(token, name, shape.to_vec(), chunks, T::DTYPE, NodeKind::Read(reader));
        Ok(Self::from_node(node))
    }
}

/// A reader whose blocks are checked to be of the array's element type
/// (the engine's kernels rely on it; the shape is checked when the block
/// is read).
struct Typed {
    reader: Arc<dyn BlockReader>,
    dtype: DType,
}

impl BlockReader for Typed {
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        let a = self.reader.read(offset, shape)?;
        if a.dtype() != self.dtype {
            return Err(Error::Invalid(format!(
                "a reader gave a block of {} values for an array of {}",
                a.dtype().name(),
                self.dtype.name()
            )));
        }
        Ok(a)
    }
}
