//! The per-chunk task graph: what the scheduler runs.

mod codec;
mod memory;
mod wire;

pub use codec::PAYLOAD_FORMAT_VERSION;
pub use memory::MemoryProjection;
pub use wire::GraphSpec;

use crate::dtype::AnyArray;
use crate::kernels::Reducer;
use crate::key::Key;
pub(crate) use crate::program::GroupRows;
use crate::program::{Finish, Program};
use std::fmt;
use std::sync::Arc;

/// Index of a task in its graph.
pub(crate) type TaskId = u32;

/// What a task produces: a chunk, a reduction partial (its accumulators), a
/// delayed value, or the several outputs of a dense step.
#[derive(Clone)]
#[non_exhaustive]
pub enum Payload {
    /// A block of an array.
    Array(AnyArray),
    /// Accumulators of a reduction.
    Partial(Vec<AnyArray>),
    /// The result of a delayed call.
    Value(crate::ops::Value),
    /// The outputs of a dense step (`ops::DenseOp`), in its order of parts;
    /// read as a chunk, it is its first part.
    Parts(Vec<AnyArray>),
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Array(a) => write!(f, "Array({:?} {:?})", a.dtype(), a.shape()),
            Payload::Partial(p) => write!(f, "Partial({} arrays)", p.len()),
            Payload::Value(_) => write!(f, "Value"),
            Payload::Parts(p) => write!(f, "Parts({} arrays)", p.len()),
        }
    }
}

impl Payload {
    /// Whether it holds blocks (an array, or a dense step's parts), which
    /// the executors count as chunks held.
    pub fn is_chunk(&self) -> bool {
        matches!(self, Payload::Array(_) | Payload::Parts(_))
    }

    /// Bytes held.
    pub fn nbytes(&self) -> usize {
        match self {
            Payload::Array(a) => a.nbytes(),
            Payload::Partial(p) | Payload::Parts(p) => p.iter().map(AnyArray::nbytes).sum(),
            Payload::Value(_) => 0,
        }
    }
}

/// A chunk a fused task reads: another task's output or a held chunk.
#[derive(Clone)]
pub(crate) enum ChunkRef {
    /// Position in the task's `deps`.
    Dep(usize),
    /// A persisted chunk.
    Held(Arc<AnyArray>),
}

/// One chunk leaf of a fused task: the chunk and the window start in it.
#[derive(Clone)]
pub(crate) struct LeafInput {
    pub leaf: usize,
    pub chunk: ChunkRef,
    pub start: Vec<usize>,
}

impl LeafInput {
    /// The position of the dependency it reads (tests).
    #[cfg(test)]
    pub(crate) fn chunk_dep(&self) -> usize {
        match self.chunk {
            ChunkRef::Dep(d) => d,
            ChunkRef::Held(_) => panic!("a held chunk"),
        }
    }
}

/// A window of a dependency (or held chunk) copied into an assembled block.
#[derive(Clone)]
pub(crate) struct Piece {
    pub chunk: ChunkRef,
    pub src: Vec<usize>,
    pub dst: Vec<usize>,
    pub shape: Vec<usize>,
}

/// A window of a chunk copied into an extended block, walking the chunk
/// with a step of +1 or -1 per axis (mirrored halos run backwards).
#[derive(Clone)]
pub(crate) struct HaloPiece {
    pub chunk: ChunkRef,
    pub src: Vec<usize>,
    pub step: Vec<isize>,
    pub dst: Vec<usize>,
    pub shape: Vec<usize>,
}

/// Running a fusion group's program on one block.
pub(crate) struct FusedTask {
    pub program: Arc<Program>,
    pub offset: Vec<usize>,
    pub shape: Vec<usize>,
    pub block: Vec<usize>,
    pub inputs: Vec<LeafInput>,
    /// For a grouped partial: positions along an axis folded into group rows.
    pub group: Option<Arc<GroupRows>>,
}

/// What a task does.
pub(crate) enum TaskOp {
    Fused(FusedTask),
    /// A delayed call.
    Delayed(DelayedTask),
    /// A block assembled from windows of other blocks (rechunk).
    Assemble {
        dtype: crate::dtype::DType,
        shape: Vec<usize>,
        pieces: Vec<Piece>,
    },
    /// The product of a block of each operand (`a`, `b`).
    Product {
        kernel: Arc<dyn crate::kernels::product::BlockProduct>,
        spec: Arc<crate::kernels::product::ContractSpec>,
        a: ChunkRef,
        b: ChunkRef,
    },
    /// The sum of partial products (the deps).
    AddBlocks {
        kernel: Arc<dyn crate::kernels::product::BlockProduct>,
    },
    /// A dense step on whole blocks: each argument a chunk and which of
    /// its task's parts to read (0 for plain chunks).
    Dense {
        op: crate::ops::DenseOp,
        args: Vec<(ChunkRef, usize)>,
    },
    /// A step on whole blocks (boxed: its op data is large).
    Blockwise(Box<BlockwiseTask>),
    /// Picks positions along `axis`: each part's `local` positions of its
    /// block, the parts joined in order.
    Gather {
        axis: usize,
        parts: Vec<(ChunkRef, Vec<usize>)>,
    },
    /// The one input block in C order with another shape.
    ReshapeBlock {
        chunk: ChunkRef,
        shape: Vec<usize>,
    },
    /// A block read from outside (a file).
    Read {
        dtype: crate::dtype::DType,
        reader: Arc<dyn crate::ops::BlockReader>,
        label: Arc<str>,
        offset: Vec<usize>,
        shape: Vec<usize>,
    },
    /// A block extended by its halo, given to a user function, trimmed
    /// back (boxed: the largest and rarest op, which would otherwise set
    /// the size of every task).
    Overlap(Box<OverlapTask>),
    /// A delayed call's value taken as a chunk of the given shape.
    FromValue {
        convert: Arc<crate::ops::ConvertFn>,
        shape: Vec<usize>,
    },
    /// One group's rows of grouped partials (dep position, row along
    /// `axis`), merged and finalised (the axis kept, of length 1). With no
    /// parts (another axis is empty) the block is the empty `shape`.
    GroupCombine {
        reducer: Arc<dyn Reducer>,
        axis: usize,
        parts: Vec<(usize, usize)>,
        shape: Vec<usize>,
    },
    /// Merge reduction partials (the deps), finalising at the top of the tree.
    Combine {
        reducer: Arc<dyn Reducer>,
        reduced: Vec<bool>,
        finish: Option<Finish>,
    },
}

/// A delayed call as a task operation: its inputs are its deps' values.
pub(crate) struct DelayedTask {
    pub name: Arc<str>,
    pub f: Arc<crate::ops::CallFn>,
}

impl DelayedTask {
    pub(crate) fn run(&self, inputs: &[&Payload]) -> crate::Result<Payload> {
        // An array block (`to_delayed`) is handed over as a value (a copy).
        let blocks: Vec<Option<crate::ops::Value>> = inputs
            .iter()
            .map(|p| match p {
                Payload::Array(a) => Some(Arc::new(a.clone()) as crate::ops::Value),
                _ => None,
            })
            .collect();
        let vals: Vec<&crate::ops::Value> = inputs
            .iter()
            .zip(&blocks)
            .map(|(p, b)| match (p, b) {
                (Payload::Value(v), _) => v,
                (_, Some(b)) => b,
                _ => unreachable!("delayed calls read delayed values or blocks"),
            })
            .collect();
        (self.f)(&vals).map(Payload::Value)
    }
}

/// The position of task `t` in `deps`, added if missing.
pub(crate) fn dep_position(deps: &mut Vec<TaskId>, t: TaskId) -> usize {
    deps.iter().position(|&d| d == t).unwrap_or_else(|| {
        deps.push(t);
        deps.len() - 1
    })
}

/// A block of a lowered node: a task, or a chunk already held.
#[derive(Clone)]
pub(crate) enum BlockRef {
    Task(TaskId),
    Held(Arc<AnyArray>),
}

/// The blocks of one requested root (an array's, in row-major grid order;
/// a delayed value's one task).
pub(crate) struct Output {
    pub blocks: Vec<BlockRef>,
}

/// A block extended by its halo (pieces of neighbouring blocks, copied
/// with steps of +1 or -1; the rest `fill`), given to `f`, trimmed back.
pub(crate) struct OverlapTask {
    pub f: Arc<dyn crate::ops::BlockFn>,
    pub block: Vec<usize>,
    pub dtype: crate::dtype::DType,
    pub ext_shape: Vec<usize>,
    pub fill: Option<AnyArray>,
    pub pieces: Vec<HaloPiece>,
    /// Where the block starts in the extended block, and its shape.
    pub inner: Vec<usize>,
    pub shape: Vec<usize>,
}

/// A step on whole blocks (`ops::BlockOp`) giving a block of `shape` and
/// `dtype`.
pub(crate) struct BlockwiseTask {
    pub op: crate::ops::BlockOp,
    pub args: Vec<ChunkRef>,
    pub shape: Vec<usize>,
    pub dtype: crate::dtype::DType,
    /// The output block's index (for a user function).
    pub block: Vec<usize>,
    /// The user function of a `BlockOp::Custom` step.
    pub f: Option<Arc<dyn crate::ops::StepFn>>,
}

/// A task: key, dependencies (earlier tasks), operation.
pub(crate) struct Task {
    pub key: Key,
    pub deps: Vec<TaskId>,
    pub op: TaskOp,
    /// The projected bytes of its result (an upper bound where the lowering
    /// does not know the exact shape), for the memory plan.
    pub est_bytes: u64,
    /// Where the task would like to run: the process (rank) that owns its
    /// block, 0 for the calling process. Single-process executors ignore it.
    pub owner: u32,
}

/// The lowered graph of one or more arrays. Tasks are in a topological
/// order: every dependency comes before its dependents.
///
/// ```
/// use darray::DArray;
/// let x = DArray::<f64>::ones([40, 40], [10, 10]).unwrap();
/// let g = (&x + 1.0).sum().graph().unwrap();
/// assert_eq!(g.leaves().count(), 16); // one fused task per chunk
/// println!("{g}");
/// ```
pub struct TaskGraph {
    pub(crate) tasks: Vec<Task>,
    pub(crate) outputs: Vec<Output>,
}

/// What the optimizer decided, computed without building any task (graphs
/// stay symbolic until they must be lowered): see [`crate::DArray::explain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// Operations in the expression (distinct nodes).
    pub nodes: usize,
    /// Fusion groups: nodes that become tasks of their own.
    pub groups: usize,
    /// Tasks of the groups' blocks, and the first step of each reduction
    /// (before culling; combine levels of reduction trees not counted).
    pub block_tasks: usize,
    /// The projected peak memory of a run (`DArray::explain_with`), for
    /// graphs of at most `PROJECT_TASKS` block tasks.
    pub memory: Option<MemoryProjection>,
    /// The re-read budget the plan was made with (`Config::hold_bytes`,
    /// resolved): a file's blocks waiting for an aggregate of the same
    /// file are held while they fit it.
    pub hold_bytes: u64,
    /// File blocks read a second time because holding them would pass
    /// `hold_bytes` (known where the graph is built: for at most
    /// `PROJECT_TASKS` block tasks).
    pub reread_blocks: Option<usize>,
}

impl Plan {
    /// The most block tasks for which `explain` builds the graph to project
    /// memory (65536 tasks build in about 30 ms; a million take 0.5 s).
    pub const PROJECT_TASKS: usize = 1 << 16;
}

/// A read-only view of one task.
#[derive(Debug, Clone)]
pub struct TaskInfo<'a> {
    /// The task's key.
    pub key: &'a Key,
    /// Keys of the tasks it reads.
    pub deps: Vec<&'a Key>,
    /// The operations it runs, in order (several when fused).
    pub ops: Vec<String>,
}

impl TaskGraph {
    /// File blocks read a second time: reads that wait for other tasks
    /// (the `reread` rule makes them; a block's first read waits for
    /// nothing).
    pub fn reread_blocks(&self) -> usize {
        self.tasks.iter().filter(|t| matches!(t.op, TaskOp::Read { .. }) && !t.deps.is_empty()).count()
    }
    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }
    /// True when the graph has no tasks (a persisted array).
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
    /// All tasks, dependencies first.
    pub fn tasks(&self) -> impl Iterator<Item = TaskInfo<'_>> + '_ {
        self.tasks.iter().map(move |t| TaskInfo {
            key: &t.key,
            deps: t.deps.iter().map(|&d| &self.tasks[d as usize].key).collect(),
            ops: match &t.op {
                TaskOp::Fused(f) => f.program.fused.clone(),
                TaskOp::Delayed(d) => vec![d.name.to_string()],
                TaskOp::FromValue { .. } => vec!["from_delayed".to_string()],
                TaskOp::Read { label, .. } => vec![label.to_string()],
                TaskOp::Overlap(_) => vec!["map_overlap".to_string()],
                TaskOp::Assemble { .. } => vec!["rechunk".to_string()],
                TaskOp::Product { .. } => vec!["tensordot-product".to_string()],
                TaskOp::Gather { .. } => vec!["take".to_string()],
                TaskOp::Dense { op, .. } => vec![op.name().to_string()],
                TaskOp::Blockwise(b) => vec![b.op.name().to_string()],
                TaskOp::ReshapeBlock { .. } => vec!["reshape".to_string()],
                TaskOp::AddBlocks { .. } => vec!["tensordot-sum".to_string()],
                TaskOp::GroupCombine { reducer, .. } => vec![format!("{}-aggregate", reducer.name())],
                TaskOp::Combine { reducer, finish, .. } => {
                    vec![format!("{}-{}", reducer.name(), if finish.is_some() { "aggregate" } else { "combine" })]
                }
            },
        })
    }
    /// Tasks with no dependencies.
    pub fn leaves(&self) -> impl Iterator<Item = TaskInfo<'_>> + '_ {
        self.tasks().filter(|t| t.deps.is_empty())
    }
    /// Length of the longest dependency chain (in tasks).
    pub fn depth(&self) -> usize {
        let mut d = vec![0usize; self.tasks.len()];
        for (i, t) in self.tasks.iter().enumerate() {
            d[i] = 1 + t.deps.iter().map(|&p| d[p as usize]).max().unwrap_or(0);
        }
        d.into_iter().max().unwrap_or(0)
    }
}

impl TaskGraph {
    /// The output tasks in block order, each once: the scheduler's
    /// priorities start from them, so a fixed order gives the same schedule
    /// every run.
    pub(crate) fn output_tasks(&self) -> Vec<TaskId> {
        let mut seen = std::collections::HashSet::new();
        self.outputs
            .iter()
            .flat_map(|o| &o.blocks)
            .filter_map(|b| match b {
                BlockRef::Task(t) => Some(*t),
                BlockRef::Held(_) => None,
            })
            .filter(|t| seen.insert(*t))
            .collect()
    }

    /// Renames the output tasks after a pass renumbered the tasks
    /// (`remap[old]` is the new id).
    pub(crate) fn remap_outputs(&mut self, remap: &[TaskId]) {
        for b in self.outputs.iter_mut().flat_map(|o| o.blocks.iter_mut()) {
            if let BlockRef::Task(t) = b {
                *t = remap[*t as usize];
            }
        }
    }
}

impl fmt::Display for TaskGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "TaskGraph: {} tasks, depth {}", self.len(), self.depth())?;
        for t in self.tasks() {
            write!(f, "  {} = {}", t.key, t.ops.join(" > "))?;
            if !t.deps.is_empty() {
                let deps: Vec<String> = t.deps.iter().map(|k| k.to_string()).collect();
                write!(f, " <- [{}]", deps.join(", "))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-made graphs for the unit tests of the passes and executors.
    use super::*;

    /// A task that gives the empty value, reading `deps`.
    pub(crate) fn call(deps: &[TaskId], est_bytes: u64) -> Task {
        let f: Arc<crate::ops::CallFn> = Arc::new(|_| Ok(Arc::new(()) as crate::ops::Value));
        let label: Arc<str> = Arc::from("call");
        Task {
            key: Key { token: deps.len() as u64, label: label.clone(), block: Box::new([]) },
            deps: deps.to_vec(),
            op: TaskOp::Delayed(DelayedTask { name: label, f }),
            est_bytes,
            owner: 0,
        }
    }

    /// A graph of such tasks: `deps[i]` are the dependencies of task `i`.
    pub(crate) fn graph(deps: &[&[TaskId]]) -> TaskGraph {
        TaskGraph { tasks: deps.iter().map(|d| call(d, 8)).collect(), outputs: vec![] }
    }
}
#[cfg(test)]
#[test]
fn a_task_stays_small() {
    // A million-block graph holds a million tasks: the largest op sets the
    // size of every one, so rare large ops are boxed (`Overlap`).
    assert!(std::mem::size_of::<Task>() <= 192, "Task is {} bytes", std::mem::size_of::<Task>());
}
