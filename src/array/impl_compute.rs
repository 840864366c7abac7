//! Running the graph: `compute`, `persist`, computing several arrays
//! together, and inspecting the task graph.

use super::DArray;
use crate::chunks::Chunks;
use crate::dtype::{AnyArray, Element};
use crate::error::Result;
use crate::exec::ExecStats;
use crate::expr::{Node, NodeKind};
use crate::graph::{Payload, TaskGraph};
use crate::key::TokenHasher;
use crate::run::{Block, Config, Roots};
use ndarray::ArrayD;
use std::sync::{Arc, Mutex};

/// What to do with the blocks of a requested array.
#[derive(Clone, Copy, PartialEq)]
enum Collect {
    /// Copy into one array.
    Assemble,
    /// Keep the blocks (`persist`).
    Keep,
}

enum Collected {
    Array(AnyArray),
    Blocks(Vec<Arc<AnyArray>>),
}

fn copy_block(dst: &mut AnyArray, block: &AnyArray, chunks: &Chunks, idx: &[usize]) {
    let shape = chunks.block_shape(idx);
    dst.assign_window(&chunks.block_offset(idx), block, &vec![0; shape.len()], &shape);
}

/// The array a block carries, unwrapped without a copy when the block was
/// handed over whole.
fn block_array(b: Block<'_>) -> Arc<AnyArray> {
    match b {
        Block::Held(a) => a.clone(),
        Block::Computed(p) => match Arc::try_unwrap(p) {
            Ok(Payload::Array(a)) => Arc::new(a),
            Ok(_) => unreachable!("outputs are arrays"),
            Err(shared) => match &*shared {
                Payload::Array(a) => Arc::new(a.clone()),
                _ => unreachable!("outputs are arrays"),
            },
        },
    }
}

/// Bytes of the arrays handed back (assembled, or kept as blocks).
fn result_bytes(roots: &[Arc<Node>]) -> u64 {
    roots.iter().map(|n| n.shape.iter().product::<usize>() as u64 * n.dtype.size() as u64).sum()
}

/// Runs `roots` together (shared work runs once) and collects their blocks.
fn run(roots: &[Arc<Node>], cfg: &Config, how: Collect) -> Result<(Vec<Collected>, ExecStats)> {
    let slots: Vec<Vec<Mutex<Option<Arc<AnyArray>>>>> =
        roots.iter().map(|n| (0..n.chunks.nblocks()).map(|_| Mutex::new(None)).collect()).collect();
    let single: Vec<bool> = roots.iter().map(|n| n.chunks.nblocks() == 1).collect();
    // Allocated at the first block, once the memory plan has been checked.
    let assembled: Vec<Mutex<Option<AnyArray>>> = roots.iter().map(|_| Mutex::new(None)).collect();
    let target = |r: usize| AnyArray::default_of(roots[r].dtype, &roots[r].shape);
    let block_index: Vec<Vec<Vec<usize>>> = roots.iter().map(|n| n.chunks.block_indices().collect()).collect();
    let sink = |at: &[(usize, usize)], b: Block<'_>| {
        let a = block_array(b);
        for &(r, b) in at {
            if how == Collect::Keep || single[r] {
                *slots[r][b].lock().unwrap_or_else(|e| e.into_inner()) = Some(a.clone());
            } else {
                let mut dst = assembled[r].lock().unwrap_or_else(|e| e.into_inner());
                let dst = dst.get_or_insert_with(|| target(r));
                copy_block(dst, &a, &roots[r].chunks, &block_index[r][b]);
            }
        }
        Ok(())
    };
    let stats = crate::run::run(Roots::Arrays(roots), cfg, result_bytes(roots), &sink)?;
    let mut results = vec![];
    for (r, slots) in slots.into_iter().enumerate() {
        let blocks = || -> Vec<Arc<AnyArray>> {
            slots
                .iter()
                .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()).take().expect("every block computed"))
                .collect()
        };
        results.push(match how {
            Collect::Keep => Collected::Blocks(blocks()),
            Collect::Assemble if single[r] => {
                let b = blocks().pop().expect("one block");
                Collected::Array(Arc::try_unwrap(b).unwrap_or_else(|a| (*a).clone()))
            }
            Collect::Assemble => Collected::Array(
                assembled[r].lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_else(|| target(r)),
            ),
        });
    }
    Ok((results, stats))
}

fn into_typed<T: Element>(c: Collected) -> ArrayD<T> {
    match c {
        Collected::Array(a) => T::unwrap(a).expect("result has the array's element type"),
        Collected::Blocks(_) => unreachable!("assembled"),
    }
}

impl<T: Element> DArray<T> {
    /// Computes the array and returns it in memory.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f32>::ones([3, 2], [2, 2])?;
    /// assert_eq!((&x * 3.0).compute()?, ndarray::ArrayD::from_elem(vec![3, 2], 3.0f32));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn compute(&self) -> Result<ArrayD<T>> {
        self.compute_with(&Config::default()).map(|(a, _)| a)
    }

    /// Computes with a configuration, also returning scheduler counts.
    pub fn compute_with(&self, cfg: &Config) -> Result<(ArrayD<T>, ExecStats)> {
        let (mut r, stats) = run(std::slice::from_ref(&self.node), cfg, Collect::Assemble)?;
        Ok((into_typed(r.pop().expect("one result")), stats))
    }

    /// Computes the array and keeps its chunks in memory: expressions built
    /// on the result start from these chunks and never recompute the
    /// sources.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = (DArray::<f64>::ones([100], [10])? * 2.0).persist()?;
    /// assert_eq!(x.graph()?.len(), 0);      // nothing left to run
    /// assert_eq!(x.sum().graph()?.leaves().count(), 10);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn persist(&self) -> Result<DArray<T>> {
        self.persist_with(&Config::default())
    }

    /// `persist` with a configuration.
    pub fn persist_with(&self, cfg: &Config) -> Result<DArray<T>> {
        let (mut r, _) = run(std::slice::from_ref(&self.node), cfg, Collect::Keep)?;
        let Some(Collected::Blocks(blocks)) = r.pop() else { unreachable!("kept blocks") };
        let n = &self.node;
        let token = TokenHasher::new("persist").u64(n.token).finish();
        let node =
            Node::new(token, &n.label, n.shape.clone(), n.chunks.clone(), n.dtype, NodeKind::Persisted(blocks.into()));
        Ok(DArray::from_node(node))
    }

    /// The optimized task graph that computes this array.
    pub fn graph(&self) -> Result<TaskGraph> {
        self.graph_with(&Config::default())
    }

    /// The task graph, optimized or not as `cfg` says.
    ///
    /// ```
    /// use darray::{Config, DArray};
    /// let x = DArray::<f64>::ones([10, 10], [5, 5])?;
    /// let y = ((&x + 1.0) * 2.0).sum();
    /// assert_eq!(y.graph()?.leaves().count(), 4);
    /// let raw = y.graph_with(&Config::default().optimize(false))?;
    /// assert_eq!(raw.len(), 4 * 4 + 1); // ones, add, mul, partial; aggregate
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn graph_with(&self, cfg: &Config) -> Result<TaskGraph> {
        crate::run::graph(Roots::Arrays(std::slice::from_ref(&self.node)), cfg, cfg.memory_limit.resolve())
    }

    /// The optimizer's plan without building the task graph: cheap even for
    /// millions of blocks (building that graph is what `compute` does). The
    /// plan counts fused tasks; file blocks read a second time under
    /// `Config::hold_bytes` are decided when the graph is built.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::ones([1_000_000, 1_000_000], [1000, 1000])?;
    /// let p = (&x + &x.t()).mean_axis(0).explain()?;
    /// assert_eq!(p.block_tasks, 1_000_000 + 1000); // fused partials + their aggregates
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn explain(&self) -> Result<crate::graph::Plan> {
        self.explain_with(&Config::default())
    }

    /// `explain` for a configuration. Where the graph has at most
    /// [`Plan::PROJECT_TASKS`](crate::Plan::PROJECT_TASKS) block tasks it is
    /// built to project the run's peak memory (`Plan::memory`), as
    /// `compute_with` does before it runs.
    ///
    /// ```
    /// use darray::{Config, DArray};
    /// let x = DArray::<f64>::ones([1000, 1000], [100, 100])?;
    /// let p = x.sum().explain_with(&Config::default().threads(2))?;
    /// let m = p.memory.expect("a small graph is projected");
    /// assert_eq!(m.result, 8); // one f64
    /// assert!(m.peak < 1 << 20); // a few 80 kB blocks at a time
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn explain_with(&self, cfg: &Config) -> Result<crate::graph::Plan> {
        let roots = std::slice::from_ref(&self.node);
        crate::run::explain(roots, cfg, result_bytes(roots))
    }
}

impl<T: Element> DArray<T> {
    /// Computes the array block by block, handing each block to `f` (with
    /// its block index and the global index of its first element) on the
    /// worker thread that made it, as soon as it is ready; the block is
    /// freed when `f` returns. Nothing is assembled, so memory stays bounded
    /// by the blocks in flight: this is how arrays are streamed to files.
    /// Blocks arrive in no particular order; the first error `f` returns
    /// stops the computation and is returned (naming the block's task).
    ///
    /// ```
    /// use darray::{Config, DArray};
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let x = DArray::<f64>::ones([100, 10], [25, 10])? * 2.0;
    /// let seen = AtomicUsize::new(0);
    /// x.for_each_block_with(&Config::default(), |_block, offset, chunk| {
    ///     assert_eq!(offset[0] % 25, 0);
    ///     seen.fetch_add(chunk.iter().filter(|&&v| v == 2.0).count(), Ordering::Relaxed);
    ///     Ok(())
    /// })?;
    /// assert_eq!(seen.into_inner(), 1000);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn for_each_block_with<F>(&self, cfg: &Config, f: F) -> Result<ExecStats>
    where
        F: Fn(&[usize], &[usize], ndarray::ArrayViewD<'_, T>) -> Result<()> + Sync,
    {
        let chunks = &self.node.chunks;
        let index: Vec<Vec<usize>> = chunks.block_indices().collect();
        let sink = |at: &[(usize, usize)], b: Block<'_>| {
            let a: &AnyArray = match &b {
                Block::Held(a) => a,
                Block::Computed(p) => match &**p {
                    Payload::Array(a) => a,
                    _ => unreachable!("outputs are arrays"),
                },
            };
            let v = T::view_any(a).expect("blocks have the array's element type");
            at.iter().try_for_each(|&(_, b)| f(&index[b], &chunks.block_offset(&index[b]), v.view()))
        };
        // Blocks are streamed: nothing is assembled.
        crate::run::run(Roots::Arrays(std::slice::from_ref(&self.node)), cfg, 0, &sink)
    }
}

/// Arrays that can be computed together, sharing common work: tuples of
/// `&DArray`s (up to six) and slices of same-typed arrays.
pub trait ComputeAll {
    /// The computed arrays.
    type Output;
    /// Computes all arrays in one graph.
    fn compute_all_with(&self, cfg: &Config) -> Result<(Self::Output, ExecStats)>;
}

/// Computes several arrays in one graph; shared sub-expressions run once.
///
/// ```
/// use darray::{compute_all, DArray};
/// let x = DArray::<f64>::random_normal([1000], 100, 0.0, 1.0, 7)?;
/// let (m, s) = compute_all((&x.mean(), &x.std(0.0)))?;
/// assert!(m[[]].abs() < 0.2 && (s[[]] - 1.0).abs() < 0.1);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn compute_all<C: ComputeAll>(arrays: C) -> Result<C::Output> {
    arrays.compute_all_with(&Config::default()).map(|(o, _)| o)
}

macro_rules! tuple_compute {
    ($($t:ident $i:tt),*) => {
        impl<$($t: Element),*> ComputeAll for ($(&DArray<$t>,)*) {
            type Output = ($(ArrayD<$t>,)*);
            fn compute_all_with(&self, cfg: &Config) -> Result<(Self::Output, ExecStats)> {
                let roots = vec![$(self.$i.node.clone()),*];
                let (r, stats) = run(&roots, cfg, Collect::Assemble)?;
                let mut it = r.into_iter();
                Ok((($(into_typed::<$t>(it.next().expect("one result per array")),)*), stats))
            }
        }
    };
}
tuple_compute!(A 0);
tuple_compute!(A 0, B 1);
tuple_compute!(A 0, B 1, C 2);
tuple_compute!(A 0, B 1, C 2, D 3);
tuple_compute!(A 0, B 1, C 2, D 3, E 4);
tuple_compute!(A 0, B 1, C 2, D 3, E 4, F 5);

impl<T: Element> ComputeAll for &[DArray<T>] {
    type Output = Vec<ArrayD<T>>;
    fn compute_all_with(&self, cfg: &Config) -> Result<(Self::Output, ExecStats)> {
        let roots: Vec<Arc<Node>> = self.iter().map(|a| a.node.clone()).collect();
        let (r, stats) = run(&roots, cfg, Collect::Assemble)?;
        Ok((r.into_iter().map(into_typed).collect(), stats))
    }
}
