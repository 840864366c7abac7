//! Lowering: the optimizer's physical plan -> per-chunk tasks, mechanically
//! (every decision was made in `crate::optimize`). Fusion groups become one
//! task per block running a compiled `Program` (`builder.rs`); reductions
//! become a tree of partial and combine tasks (`reduce.rs`); operations that
//! move whole blocks (rechunk, products) get tasks of their own (`blocks.rs`).

mod blocks;
mod blockwise;
mod builder;
mod delayed;
mod group;
mod overlap;
mod reduce;

use builder::{ChunkLeaf, ProgramBuilder};
pub(crate) use delayed::lower_delayed;

use crate::chunks::GridIter;
use crate::error::{Error, Result};
use crate::expr::{Node, NodeKind};
use crate::graph::{dep_position, BlockRef, ChunkRef, FusedTask, LeafInput, Output, Task, TaskGraph, TaskId, TaskOp};
use crate::key::Key;
use crate::optimize::PhysicalPlan;
use crate::program::{AxisMap, Program, Terminal};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Lowering switches.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LowerOptions {
    /// The memory limit in bytes, if any: a graph whose bookkeeping alone
    /// would exceed it is refused before it is built.
    pub memory_limit: Option<u64>,
}

/// Bytes of bookkeeping per task (key, dependencies, op, scheduler state),
/// for refusing graphs too large to build.
pub(crate) const GRAPH_BYTES_PER_TASK: u64 = 512;

/// Refuses a graph of `tasks` tasks that cannot be built: task ids are
/// 32-bit, and the graph itself must fit the memory limit.
fn check_graph_size(tasks: usize, opts: LowerOptions) -> Result<()> {
    if tasks >= u32::MAX as usize {
        return Err(Error::TooLarge(format!("{tasks} tasks: a graph holds at most {} tasks", u32::MAX - 1)));
    }
    let needed = tasks as u64 * GRAPH_BYTES_PER_TASK;
    match opts.memory_limit {
        Some(limit) if needed > limit => Err(Error::MemoryLimit {
            needed,
            limit,
            detail: format!("a task graph of {tasks} tasks, about {GRAPH_BYTES_PER_TASK} bytes each"),
        }),
        _ => Ok(()),
    }
}

struct Lowerer {
    tasks: Vec<Task>,
    /// Tasks of delayed calls, by token.
    delayed: HashMap<u64, TaskId>,
    blocks: HashMap<u64, Vec<BlockRef>>,
    materialised: HashSet<u64>,
    /// The node being lowered: the default size of its tasks' results.
    current_block_bytes: u64,
    /// Accumulator bytes per partial element, by reducer.
    acc_bytes: HashMap<usize, u64>,
}

/// Reading block `b` of the file node `n`.
fn read_op(n: &Node, reader: &Arc<dyn crate::ops::BlockReader>, b: &[usize]) -> TaskOp {
    TaskOp::Read {
        dtype: n.dtype,
        reader: reader.clone(),
        label: n.label.clone(),
        offset: n.chunks.block_offset(b),
        shape: n.chunks.block_shape(b),
    }
}

/// The projected bytes of a task's result: exact where the op carries its
/// shape; for merges, the largest of their `inputs` (merged partials keep
/// their shape, finalised ones are no larger); else `block` (the largest
/// block of the node being lowered: a product's result is never larger).
fn estimate_bytes(op: &TaskOp, inputs: Option<u64>, block: u64, acc_bytes: &mut HashMap<usize, u64>) -> u64 {
    let elems = |s: &[usize]| s.iter().product::<usize>() as u64;
    match op {
        TaskOp::Fused(t) => match &t.program.terminal {
            Terminal::Partial { reducer, reduced, .. } => {
                let mut acc: Vec<usize> = t.shape.iter().zip(reduced).map(|(&s, &r)| if r { 1 } else { s }).collect();
                if let Some(g) = &t.group {
                    acc[g.axis] = g.rows;
                }
                // Per reducer, not per task: `acc_bytes` allocates.
                let key = Arc::as_ptr(reducer) as *const () as usize;
                elems(&acc) * *acc_bytes.entry(key).or_insert_with(|| reducer.acc_bytes() as u64)
            }
            _ => elems(&t.shape) * t.program.out_dtype.size() as u64,
        },
        TaskOp::Read { dtype, shape, .. } => elems(shape) * dtype.size() as u64,
        TaskOp::Assemble { dtype, shape, .. } => elems(shape) * dtype.size() as u64,
        TaskOp::Overlap(o) => elems(&o.shape) * o.dtype.size() as u64,
        TaskOp::Blockwise(b) => elems(&b.shape) * b.dtype.size() as u64,
        TaskOp::Combine { .. } | TaskOp::AddBlocks { .. } => inputs.unwrap_or(block),
        TaskOp::Delayed(_) => 0,
        _ => block,
    }
}

/// Block tasks of each group; a reduction also has its partials (what
/// `explain` reports, before any task exists).
pub(crate) fn block_tasks(plan: &PhysicalPlan) -> usize {
    let mut tasks = 0usize;
    for n in plan.order.iter().filter(|n| plan.materialised.contains(&n.token)) {
        tasks = tasks.saturating_add(n.chunks.nblocks());
        if let NodeKind::Reduce { input, .. } = &n.kind {
            tasks = tasks.saturating_add(input.chunks.nblocks());
        }
    }
    tasks
}

/// Builds the graph computing every block of every root of `plan`.
pub(crate) fn lower(plan: &PhysicalPlan, opts: LowerOptions) -> Result<TaskGraph> {
    check_graph_size(block_tasks(plan), opts)?;
    let mut l = Lowerer {
        tasks: vec![],
        delayed: HashMap::new(),
        blocks: HashMap::new(),
        materialised: plan.materialised.clone(),
        current_block_bytes: 0,
        acc_bytes: HashMap::new(),
    };
    for n in &plan.order {
        if l.materialised.contains(&n.token) {
            l.emit(n);
        }
    }
    let outputs = plan.roots.iter().map(|r| Output { blocks: l.blocks[&r.token].clone() }).collect();
    Ok(TaskGraph { tasks: l.tasks, outputs })
}

impl Lowerer {
    fn push(&mut self, key: Key, deps: Vec<TaskId>, op: TaskOp) -> TaskId {
        let id = self.tasks.len() as TaskId;
        let inputs = deps.iter().map(|&d| self.tasks[d as usize].est_bytes).max();
        let est_bytes = estimate_bytes(&op, inputs, self.current_block_bytes, &mut self.acc_bytes);
        self.tasks.push(Task { key, deps, op, est_bytes, owner: 0 });
        id
    }

    fn emit(&mut self, n: &Arc<Node>) {
        self.current_block_bytes = (n.chunks.max_block_len() * n.dtype.size()) as u64;
        let refs = match &n.kind {
            NodeKind::Persisted(chunks) => chunks.iter().map(|c| BlockRef::Held(c.clone())).collect(),
            NodeKind::Source(_)
            | NodeKind::FromArray(_)
            | NodeKind::Elementwise { .. }
            | NodeKind::Transpose { .. }
            | NodeKind::Slice { .. } => {
                let mut b = ProgramBuilder::new(&self.materialised);
                let out = b.value(n, true, &AxisMap::identity(n.shape.len()));
                let (p, leaves) = b.finish(out, n, Terminal::Store, "");
                self.emit_group(n, n.token, &n.label, p, &leaves)
            }
            NodeKind::MapBlocks { f, input } => {
                let mut b = ProgramBuilder::new(&self.materialised);
                let out = b.value(input, false, &AxisMap::identity(input.shape.len()));
                let (p, leaves) = b.finish(out, input, Terminal::MapBlocks(f.clone()), "map_blocks");
                self.emit_group(input, n.token, &n.label, p, &leaves)
            }
            NodeKind::Reduce { reducer, input, axes, keepdims, split_every } => {
                self.emit_reduce(n, reducer, input, axes, *keepdims, *split_every)
            }
            NodeKind::Rechunk { input } if self.materialised.contains(&input.token) => self.emit_rechunk(n, input),
            NodeKind::Rechunk { .. } => {
                // Over sources: the group reads the new grid directly.
                let mut b = ProgramBuilder::new(&self.materialised);
                let out = b.value(n, true, &AxisMap::identity(n.shape.len()));
                let (p, leaves) = b.finish(out, n, Terminal::Store, "");
                self.emit_group(n, n.token, &n.label, p, &leaves)
            }
            NodeKind::Concat { inputs, axis } => {
                // Blocks are the inputs' blocks, in the joined grid's order.
                let grid = n.chunks.numblocks();
                let mut starts = vec![];
                let mut acc = 0;
                for i in inputs {
                    starts.push(acc);
                    acc += i.chunks.numblocks()[*axis];
                }
                GridIter::new(grid)
                    .map(|mut b| {
                        let k = starts.iter().rposition(|&s| s <= b[*axis]).expect("a part holds every block");
                        b[*axis] -= starts[k];
                        let part = &inputs[k];
                        let nb = part.chunks.numblocks();
                        let flat = b.iter().zip(&nb).fold(0, |acc, (&i, &n)| acc * n + i);
                        self.blocks[&part.token][flat].clone()
                    })
                    .collect()
            }
            NodeKind::GroupReduce { reducer, axis, layout: crate::expr::GroupLayout::Pieces(pieces) } => {
                self.emit_group_reduce(n, reducer, pieces, *axis)
            }
            NodeKind::GroupReduce { reducer, axis, layout: crate::expr::GroupLayout::PerChunk { input, group } } => {
                self.emit_group_per_chunk(n, reducer, input, group, *axis)
            }
            NodeKind::GroupReduce { layout: crate::expr::GroupLayout::Undecided { .. }, .. } => {
                unreachable!("the group-layout rule is required: every grouped reduction has a layout")
            }
            NodeKind::Overlap { f, input, depth, pad } => self.emit_overlap(n, f, input, depth, pad),
            NodeKind::Contract { a, b, spec, kernel, split_every } => {
                self.emit_contract(n, a, b, spec, kernel, *split_every)
            }
            NodeKind::Take { input, axis, indices } => {
                let label: Arc<str> = Arc::from("take");
                let grid = n.chunks.clone();
                grid.block_indices()
                    .map(|b| {
                        let start = grid.offset(*axis, b[*axis]);
                        let picks = &indices[start..start + grid.sizes()[*axis][b[*axis]]];
                        // Runs of picks within one input block, in order.
                        let mut deps = vec![];
                        let mut parts: Vec<(ChunkRef, Vec<usize>)> = vec![];
                        let mut last = usize::MAX;
                        let mut ib = b.clone();
                        for &p in picks {
                            let c = input.chunks.locate(*axis, p);
                            if c != last {
                                ib[*axis] = c;
                                parts.push((self.chunk_ref(input, &ib, &mut deps), vec![]));
                                last = c;
                            }
                            let local = p - input.chunks.offset(*axis, c);
                            parts.last_mut().expect("a part is open").1.push(local);
                        }
                        if parts.is_empty() {
                            ib[*axis] = 0;
                            parts.push((self.chunk_ref(input, &ib, &mut deps), vec![]));
                        }
                        let op = TaskOp::Gather { axis: *axis, parts };
                        BlockRef::Task(self.push(Key::new(n.token, &label, &b), deps, op))
                    })
                    .collect()
            }
            NodeKind::Reshape { input } => {
                // Input and output grids list their blocks in the same order.
                let label: Arc<str> = Arc::from("reshape");
                let (grid, igrid) = (n.chunks.clone(), input.chunks.clone());
                grid.block_indices()
                    .zip(igrid.block_indices())
                    .map(|(b, ib)| {
                        let mut deps = vec![];
                        let chunk = self.chunk_ref(input, &ib, &mut deps);
                        let op = TaskOp::ReshapeBlock { chunk, shape: grid.block_shape(&b) };
                        BlockRef::Task(self.push(Key::new(n.token, &label, &b), deps, op))
                    })
                    .collect()
            }
            NodeKind::Read(reader) => n
                .chunks
                .block_indices()
                .map(|b| BlockRef::Task(self.push(Key::new(n.token, &n.label, &b), vec![], read_op(n, reader, &b))))
                .collect(),
            NodeKind::FromDelayed { blocks, convert } => {
                // `from_delayed` refuses array blocks (`to_delayed`) at construction.
                let calls = delayed::lower_delayed(blocks, &mut self.tasks, &mut self.delayed, &HashMap::new());
                let label: Arc<str> = Arc::from("from_delayed");
                let grid = n.chunks.clone();
                grid.block_indices()
                    .zip(calls)
                    .map(|(b, call)| {
                        let op = TaskOp::FromValue { convert: convert.clone(), shape: grid.block_shape(&b) };
                        BlockRef::Task(self.push(Key::new(n.token, &label, &b), vec![call], op))
                    })
                    .collect()
            }
            NodeKind::Dense { op, inputs, args, parts } => {
                let mut deps = vec![];
                let args =
                    args.iter().map(|a| (self.chunk_ref_flat(&inputs[a.input], a.block, &mut deps), a.part)).collect();
                let op = TaskOp::Dense { op: op.clone(), args };
                let t = self.push(Key::new(n.token, &n.label, &vec![0; n.shape.len()]), deps, op);
                // Its parts are no larger than its first (the blocks of one
                // row or column, or smaller factors).
                self.tasks[t as usize].est_bytes *= *parts as u64;
                vec![BlockRef::Task(t)]
            }
            NodeKind::Blockwise { inputs, steps, f } => self.emit_blockwise(n, inputs, steps, f),
            NodeKind::Invalid(_) => unreachable!("invalid nodes are rejected before lowering"),
        };
        self.blocks.insert(n.token, refs);
    }

    /// One fused task per block of `domain`.
    fn emit_group(
        &mut self,
        domain: &Node,
        token: u64,
        label: &str,
        program: Program,
        leaves: &[ChunkLeaf],
    ) -> Vec<BlockRef> {
        let program = Arc::new(program);
        let label: Arc<str> = Arc::from(label);
        let grid = domain.chunks.clone();
        let mut out = Vec::with_capacity(grid.numblocks().iter().product());
        for b in grid.block_indices() {
            let offset = grid.block_offset(&b);
            let shape = grid.block_shape(&b);
            let (deps, inputs) = self.bind(&offset, leaves);
            let key = Key::new(token, &label, &b);
            let op =
                TaskOp::Fused(FusedTask { program: program.clone(), offset, shape, block: b, inputs, group: None });
            out.push(BlockRef::Task(self.push(key, deps, op)));
        }
        out
    }

    /// The chunk and window each chunk leaf reads for the block at `offset`.
    fn bind(&mut self, offset: &[usize], leaves: &[ChunkLeaf]) -> (Vec<TaskId>, Vec<LeafInput>) {
        let mut deps: Vec<TaskId> = vec![];
        let mut inputs = Vec::with_capacity(leaves.len());
        for (leaf, ln, map) in leaves {
            // The block's first element, in the leaf's coordinates; the
            // chunking guarantees the whole block lies in that chunk.
            let m = ln.shape.len();
            let mut idx = vec![0; m];
            let mut start = vec![0; m];
            for a in 0..m {
                let c = map[a].first(offset) as usize;
                idx[a] = ln.chunks.locate(a, c);
                start[a] = c - ln.chunks.offset(a, idx[a]);
            }
            let chunk = self.chunk_ref(ln, &idx, &mut deps);
            inputs.push(LeafInput { leaf: *leaf, chunk, start });
        }
        (deps, inputs)
    }

    /// The block of `node` at grid index `idx`, adding its task to `deps`
    /// (once) when it is not a held chunk.
    fn chunk_ref(&self, node: &Node, idx: &[usize], deps: &mut Vec<TaskId>) -> ChunkRef {
        let flat = idx.iter().zip(node.chunks.numblocks()).fold(0, |acc, (&i, n)| acc * n + i);
        self.chunk_ref_flat(node, flat, deps)
    }

    /// The block of `node` at flat (row-major) grid index `flat`.
    fn chunk_ref_flat(&self, node: &Node, flat: usize, deps: &mut Vec<TaskId>) -> ChunkRef {
        match &self.blocks[&node.token][flat] {
            BlockRef::Held(c) => ChunkRef::Held(c.clone()),
            BlockRef::Task(t) => ChunkRef::Dep(dep_position(deps, *t)),
        }
    }
}
