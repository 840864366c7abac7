//! The lazy expression: a DAG of array-level operations. Each node knows its
//! shape, chunk grid and element type, and carries a token (a stable hash of
//! its operation, parameters and inputs) that names its tasks.

pub(crate) mod build;
mod delayed;

pub(crate) use delayed::{ArrayBlock, DNode};

pub(crate) use build::{
    concat, contract, dense, elementwise, elementwise_kernel, group_reduce_op, rechunk, reduce, reshape, slice, source,
    take, take_chunked, transpose,
};

use crate::chunks::Chunks;
use crate::dtype::{AnyArray, DType};
use crate::error::Error;
use crate::kernels::{Kernel, Reducer, Source};
pub(crate) use crate::ops::{BlockFn, BlockReader};
use std::sync::Arc;

/// One axis of a normalised basic index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum AxisSel {
    /// Input coordinates `start + step * k` for `k < len` (an output axis).
    Range { start: usize, step: isize, len: usize },
    /// One input coordinate; the axis is dropped.
    Index(usize),
    /// A new output axis of length 1 (no input axis).
    NewAxis,
}

/// How a grouped reduction reads its input (chosen by the optimizer's
/// `group-layout` rule).
#[derive(Clone)]
pub(crate) enum GroupLayout {
    /// Not chosen yet: `group[i]` is the group of position `i` along the
    /// axis, or `None` to leave it out.
    Undecided { input: Arc<Node>, group: Arc<Vec<Option<usize>>> },
    /// One partial per piece: a group's run inside one chunk, as a view of
    /// the input (few runs: contiguous groups, or groups in long runs).
    Pieces(Vec<(usize, Arc<Node>)>),
    /// One partial per input block, with a row per group present in it
    /// (flox's map-reduce: many short runs, such as hours of the day).
    PerChunk { input: Arc<Node>, group: Arc<Vec<Option<usize>>> },
}

/// How `map_overlap` fills a halo past the array's edge (NumPy's `pad`
/// modes), type-erased.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Pad {
    /// No halo at the edge: edge blocks grow only inwards.
    None,
    /// A constant (a 0-d array of the input's type).
    Constant(AnyArray),
    /// The edge value repeated.
    Edge,
    /// Mirrored without the edge value: `d c b | a b c d`.
    Reflect,
    /// Mirrored with the edge value: `c b a | a b c d`.
    Symmetric,
    /// From the other end: `b c d | a b c d`.
    Wrap,
}

pub(crate) use crate::ops::ConvertFn;

/// One node of the expression DAG.
pub struct Node {
    pub(crate) token: u64,
    pub(crate) label: Arc<str>,
    pub(crate) shape: Vec<usize>,
    pub(crate) chunks: Chunks,
    pub(crate) dtype: DType,
    pub(crate) kind: NodeKind,
}

/// What a node does.
#[derive(Clone)]
pub(crate) enum NodeKind {
    /// Values generated from the global index (the source holds its op
    /// data: `Source::op`).
    Source(Arc<dyn Source>),
    /// An in-memory array, read through views.
    FromArray(Arc<AnyArray>),
    /// Blocks read by a `BlockReader` (one task per block).
    Read(Arc<dyn BlockReader>),
    /// Chunks already computed and held (`persist`), in row-major grid order.
    Persisted(Arc<[Arc<AnyArray>]>),
    /// An elementwise operation with broadcasting (the kernel holds its op
    /// data: `Kernel::op`).
    Elementwise { kernel: Arc<dyn Kernel>, inputs: Vec<Arc<Node>> },
    /// Axes reordered: output axis `j` is input axis `perm[j]`.
    Transpose { input: Arc<Node>, perm: Vec<usize> },
    /// A basic-indexing view: strided ranges, indices, new axes.
    Slice { input: Arc<Node>, sel: Vec<AxisSel> },
    /// The same values on another chunk grid (the node's own chunks).
    Rechunk { input: Arc<Node> },
    /// Inputs joined along an axis; their chunks on other axes match.
    Concat { inputs: Vec<Arc<Node>>, axis: usize },
    /// A tensor contraction of two arrays, block products summed as a tree.
    Contract {
        a: Arc<Node>,
        b: Arc<Node>,
        spec: Arc<crate::kernels::product::ContractSpec>,
        kernel: Arc<dyn crate::kernels::product::BlockProduct>,
        split_every: usize,
    },
    /// Positions along `axis` picked by index; each output block reads one
    /// input block (`local` holds, per output block, its positions there).
    Take { input: Arc<Node>, axis: usize, indices: Arc<Vec<usize>> },
    /// The same values in another shape; blocks map one to one (the input
    /// was rechunked so that they do).
    Reshape { input: Arc<Node> },
    /// A user function over each chunk.
    MapBlocks { f: Arc<dyn BlockFn>, input: Arc<Node> },
    /// A user function over each chunk extended by `depth` neighbouring
    /// positions per axis (filled past the edges as `pad` says), its result
    /// trimmed back to the chunk.
    Overlap { f: Arc<dyn BlockFn>, input: Arc<Node>, depth: Vec<usize>, pad: Pad },
    /// A reduction over some axes, run as a tree of partials (the reducer
    /// holds its op data and input type: `Reducer::op`).
    Reduce { reducer: Arc<dyn Reducer>, input: Arc<Node>, axes: Vec<usize>, keepdims: bool, split_every: usize },
    /// A reduction of groups of positions along `axis`: each piece (a view
    /// of the input: one group's run inside one chunk) folds into a partial,
    /// and a group's partials merge into its block (one per group).
    GroupReduce { reducer: Arc<dyn Reducer>, axis: usize, layout: GroupLayout },
    /// Blocks computed by delayed calls, in row-major grid order, with the
    /// typed conversion of each call's value to a chunk.
    FromDelayed { blocks: Vec<Arc<DNode>>, convert: Arc<ConvertFn> },
    /// One dense step (`ops::DenseOp`) on whole blocks of its inputs, as one
    /// task: `args` name an input, its block (flat, row-major) and the part
    /// of it to read (dense inputs give several). A node of `parts > 1`
    /// outputs is read by dense nodes only; read as a chunk it is its first
    /// part. Its shape (one block) is that first part's.
    Dense { op: crate::ops::DenseOp, inputs: Vec<Arc<Node>>, args: Vec<DenseArg>, parts: usize },
    /// One step (`ops::BlockOp`) per output block, in row-major grid
    /// order, on whole blocks of the inputs or earlier blocks of this node
    /// (a scan's carry): quantiles, scans, moving windows.
    /// A step of `BlockOp::Custom` runs `f`.
    Blockwise { inputs: Vec<Arc<Node>>, steps: Arc<Vec<Step>>, f: Option<Arc<dyn crate::ops::StepFn>> },
    /// An operation that could not be built; computing reports the error.
    Invalid(Error),
}

/// The task of one output block of a `Blockwise` node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Step {
    pub op: crate::ops::BlockOp,
    pub args: Vec<StepArg>,
}

/// A block a step reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StepArg {
    /// Block `block` (flat, row-major) of `inputs[input]`.
    Input { input: usize, block: usize },
    /// Block `block` (flat) of the node itself, an earlier one.
    Own(usize),
}

/// One argument of a dense node: `inputs[input]`'s block `block`, part `part`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DenseArg {
    pub input: usize,
    pub block: usize,
    pub part: usize,
}

impl Node {
    pub(crate) fn new(
        token: u64,
        label: &str,
        shape: Vec<usize>,
        chunks: Chunks,
        dtype: DType,
        kind: NodeKind,
    ) -> Arc<Node> {
        // Every shape passes here (broadcasts and reshapes make new ones):
        // one that overflows is an error, not a wrapped count.
        let node = Node { token, label: Arc::from(label), shape, chunks, dtype, kind };
        if let Err(e) = crate::chunks::checked_len(&node.shape, dtype.size()) {
            // The error keeps the first input's shape (a valid one); an
            // overflowing shape is never reported.
            return match node.inputs().first() {
                Some(input) => Node::invalid(e, dtype, input),
                None => Node::invalid_without_input(e, dtype),
            };
        }
        Arc::new(node)
    }

    /// A node standing for a build error, with the shape and chunks of
    /// `like`: the input of the operation that failed (for an operation of
    /// several, the first), or the errored input an error is passed on
    /// from. An errored array so keeps a well-formed shape and chains of
    /// operations on it stay well-formed; the error surfaces at compute.
    pub(crate) fn invalid(err: Error, dtype: DType, like: &Node) -> Arc<Node> {
        Node::invalid_shaped(err, dtype, like.shape.clone(), like.chunks.clone())
    }

    /// A build error of an operation given no input at all (concatenating
    /// no arrays): shape `[0]`, an empty 1-d array.
    pub(crate) fn invalid_without_input(err: Error, dtype: DType) -> Arc<Node> {
        Node::invalid_shaped(err, dtype, vec![0], Chunks::from_sizes(vec![vec![0]]))
    }

    pub(crate) fn invalid_shaped(err: Error, dtype: DType, shape: Vec<usize>, chunks: Chunks) -> Arc<Node> {
        let token = crate::key::TokenHasher::new("invalid").str(&err.to_string()).finish();
        let label = Arc::from("invalid");
        Arc::new(Node { token, label, shape, chunks, dtype, kind: NodeKind::Invalid(err) })
    }

    /// The build error this node stands for (builders propagate an
    /// input's error, so a node below an error is itself `Invalid`).
    pub(crate) fn error(&self) -> Option<&Error> {
        match &self.kind {
            NodeKind::Invalid(e) => Some(e),
            _ => None,
        }
    }

    /// Direct inputs.
    pub(crate) fn inputs(&self) -> Vec<&Arc<Node>> {
        match &self.kind {
            NodeKind::Elementwise { inputs, .. }
            | NodeKind::Concat { inputs, .. }
            | NodeKind::Dense { inputs, .. }
            | NodeKind::Blockwise { inputs, .. } => inputs.iter().collect(),
            NodeKind::Contract { a, b, .. } => vec![a, b],
            NodeKind::GroupReduce { layout: GroupLayout::Pieces(pieces), .. } => {
                pieces.iter().map(|(_, p)| p).collect()
            }
            NodeKind::GroupReduce { layout: GroupLayout::PerChunk { input, .. }, .. }
            | NodeKind::GroupReduce { layout: GroupLayout::Undecided { input, .. }, .. } => vec![input],
            NodeKind::MapBlocks { input, .. }
            | NodeKind::Overlap { input, .. }
            | NodeKind::Reduce { input, .. }
            | NodeKind::Transpose { input, .. }
            | NodeKind::Slice { input, .. }
            | NodeKind::Rechunk { input }
            | NodeKind::Take { input, .. }
            | NodeKind::Reshape { input } => vec![input],
            _ => vec![],
        }
    }

    /// The same node (same token: it computes the same values) over other
    /// inputs, given in the order of `inputs()`.
    pub(crate) fn with_inputs(&self, new: Vec<Arc<Node>>) -> Arc<Node> {
        let mut kind = self.kind.clone();
        let mut it = new.into_iter();
        let mut next = || it.next().expect("one replacement per input");
        match &mut kind {
            NodeKind::Elementwise { inputs, .. }
            | NodeKind::Concat { inputs, .. }
            | NodeKind::Dense { inputs, .. }
            | NodeKind::Blockwise { inputs, .. } => inputs.iter_mut().for_each(|i| *i = next()),
            NodeKind::Contract { a, b, .. } => {
                *a = next();
                *b = next();
            }
            NodeKind::GroupReduce { layout: GroupLayout::Pieces(pieces), .. } => {
                pieces.iter_mut().for_each(|(_, p)| *p = next())
            }
            NodeKind::GroupReduce { layout: GroupLayout::PerChunk { input, .. }, .. }
            | NodeKind::GroupReduce { layout: GroupLayout::Undecided { input, .. }, .. }
            | NodeKind::MapBlocks { input, .. }
            | NodeKind::Overlap { input, .. }
            | NodeKind::Reduce { input, .. }
            | NodeKind::Transpose { input, .. }
            | NodeKind::Slice { input, .. }
            | NodeKind::Rechunk { input }
            | NodeKind::Take { input, .. }
            | NodeKind::Reshape { input } => *input = next(),
            _ => {}
        }
        self.with_kind(kind)
    }

    /// The same node (same token, shape, chunks and type) doing `kind`: an
    /// optimizer's physical choice for the same values.
    pub(crate) fn with_kind(&self, kind: NodeKind) -> Arc<Node> {
        let n = self;
        Arc::new(Node {
            token: n.token,
            label: n.label.clone(),
            shape: n.shape.clone(),
            chunks: n.chunks.clone(),
            dtype: n.dtype,
            kind,
        })
    }
}
