//! Lowering: expression DAG -> per-chunk tasks. Fusion groups become one
//! task per block running a compiled `Program` (`builder.rs`); reductions
//! become a tree of partial and combine tasks (`reduce.rs`); operations that
//! move whole blocks (rechunk, products) get tasks of their own (`blocks.rs`).

mod blocks;
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
use crate::graph::{BlockRef, ChunkRef, FusedTask, LeafInput, Output, Task, TaskGraph, TaskId, TaskOp};
use crate::key::{Key, TokenHasher};
use crate::optimize::fuse;
use crate::program::{AxisMap, Program, Terminal};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Lowering switches.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LowerOptions {
    /// Run the fusion pass (off: one task per node and block).
    pub fuse: bool,
    /// The re-read cost model's budget (`Config::hold_bytes`).
    pub hold_bytes: usize,
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

/// Nodes reachable from `roots`, inputs first, deduplicated by token, and the
/// number of distinct consumers of each.
type Collected = (Vec<Arc<Node>>, HashMap<u64, usize>);

fn collect(roots: &[Arc<Node>]) -> Result<Collected> {
    let mut order = vec![];
    let mut seen = HashSet::new();
    let mut consumers: HashMap<u64, usize> = HashMap::new();
    let mut stack: Vec<(Arc<Node>, bool)> = roots.iter().rev().map(|r| (r.clone(), false)).collect();
    while let Some((n, expanded)) = stack.pop() {
        if expanded {
            order.push(n);
            continue;
        }
        if !seen.insert(n.token) {
            continue;
        }
        if let Some(e) = n.error() {
            return Err(e.clone());
        }
        stack.push((n.clone(), true));
        let mut distinct = HashSet::new();
        for i in n.inputs().into_iter().rev() {
            if distinct.insert(i.token) {
                *consumers.entry(i.token).or_default() += 1;
            }
            if !seen.contains(&i.token) {
                stack.push((i.clone(), false));
            }
        }
    }
    Ok((order, consumers))
}

struct Lowerer {
    tasks: Vec<Task>,
    /// Tasks of delayed calls, by token.
    delayed: HashMap<u64, TaskId>,
    blocks: HashMap<u64, Vec<BlockRef>>,
    materialised: HashSet<u64>,
    /// The file reads below each node (`optimize::reread`).
    reads_below: HashMap<u64, HashSet<u64>>,
    hold_bytes: usize,
    /// Tasks re-reading a block, by (copy token, flat block index).
    reread_tasks: HashMap<(u64, usize), TaskId>,
    /// The blocks of a file (node token) each task depends on, if few.
    reach_memo: HashMap<(u64, TaskId), Option<Arc<Vec<TaskId>>>>,
    /// The read tasks of each file node, for `local_barrier`.
    read_tasks: HashMap<u64, Arc<HashSet<TaskId>>>,
    /// `local_barrier`'s answers, by file node and barrier tasks: the blocks
    /// of one consumer usually wait on the same few aggregate tasks.
    barrier_memo: HashMap<(u64, Vec<TaskId>), bool>,
    /// The node being lowered: the default size of its tasks' results.
    current_block_bytes: u64,
    /// Accumulator bytes per partial element, by reducer.
    acc_bytes: HashMap<usize, u64>,
}

/// The position of task `t` in `deps`, added if missing.
fn dep_position(deps: &mut Vec<TaskId>, t: TaskId) -> usize {
    deps.iter().position(|&d| d == t).unwrap_or_else(|| {
        deps.push(t);
        deps.len() - 1
    })
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
        TaskOp::Assemble { dtype, shape, .. } | TaskOp::Overlap { dtype, shape, .. } => {
            elems(shape) * dtype.size() as u64
        }
        TaskOp::Combine { .. } | TaskOp::AddBlocks { .. } => inputs.unwrap_or(block),
        TaskOp::Delayed(_) => 0,
        _ => block,
    }
}

/// The optimizer's plan, before any task exists: what `explain` reports.
pub(crate) fn plan(roots: &[Arc<Node>], opts: LowerOptions) -> Result<crate::graph::Plan> {
    let (order, materialised) = optimize(roots, opts)?;
    let tasks = block_tasks(&order, &materialised);
    Ok(crate::graph::Plan { nodes: order.len(), groups: materialised.len(), block_tasks: tasks, memory: None })
}

/// Block tasks of each group; a reduction also has its partials.
fn block_tasks(order: &[Arc<Node>], materialised: &HashSet<u64>) -> usize {
    let mut tasks = 0usize;
    for n in order.iter().filter(|n| materialised.contains(&n.token)) {
        tasks = tasks.saturating_add(n.chunks.nblocks());
        if let NodeKind::Reduce { input, .. } = &n.kind {
            tasks = tasks.saturating_add(input.chunks.nblocks());
        }
    }
    tasks
}

/// The nodes below `roots` (inputs first) and those that become tasks.
fn optimize(roots: &[Arc<Node>], opts: LowerOptions) -> Result<(Vec<Arc<Node>>, HashSet<u64>)> {
    let (order, consumers) = collect(roots)?;
    let root_set: HashSet<u64> = roots.iter().map(|r| r.token).collect();
    let materialised = fuse::plan(&order, &consumers, &root_set, opts.fuse);
    Ok((order, materialised))
}

/// Builds the graph computing every block of every root.
pub(crate) fn lower(roots: &[Arc<Node>], opts: LowerOptions) -> Result<TaskGraph> {
    let (order, materialised) = optimize(roots, opts)?;
    check_graph_size(block_tasks(&order, &materialised), opts)?;
    let reads_below = crate::optimize::reread::reads_below(&order);
    let mut l = Lowerer {
        tasks: vec![],
        delayed: HashMap::new(),
        blocks: HashMap::new(),
        materialised,
        reads_below,
        hold_bytes: opts.hold_bytes,
        reread_tasks: HashMap::new(),
        reach_memo: HashMap::new(),
        read_tasks: HashMap::new(),
        barrier_memo: HashMap::new(),
        current_block_bytes: 0,
        acc_bytes: HashMap::new(),
    };
    for n in &order {
        if l.materialised.contains(&n.token) {
            l.emit(n);
        }
    }
    let mut outputs: Vec<Output> = roots.iter().map(|r| Output { blocks: l.blocks[&r.token].clone() }).collect();
    let wanted: Vec<TaskId> = outputs
        .iter()
        .flat_map(|o| o.blocks.iter())
        .filter_map(|b| match b {
            BlockRef::Task(t) => Some(*t),
            BlockRef::Held(_) => None,
        })
        .collect();
    let remap = crate::optimize::cull::cull(&mut l.tasks, &wanted);
    for o in &mut outputs {
        for b in &mut o.blocks {
            if let BlockRef::Task(t) = b {
                *t = remap[*t as usize];
            }
        }
    }
    Ok(TaskGraph { tasks: l.tasks, outputs })
}

impl Lowerer {
    fn push(&mut self, key: Key, deps: Vec<TaskId>, op: TaskOp) -> TaskId {
        let id = self.tasks.len() as TaskId;
        let inputs = deps.iter().map(|&d| self.tasks[d as usize].est_bytes).max();
        let est_bytes = estimate_bytes(&op, inputs, self.current_block_bytes, &mut self.acc_bytes);
        self.tasks.push(Task { key, deps, op, est_bytes });
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
                let mut b = ProgramBuilder::new(self);
                let out = b.value(n, true, &AxisMap::identity(n.shape.len()));
                let (p, leaves) = b.finish(out, n, Terminal::Store, "");
                self.emit_group(n, n.token, &n.label, p, &leaves)
            }
            NodeKind::MapBlocks { f, input } => {
                let mut b = ProgramBuilder::new(self);
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
                let mut b = ProgramBuilder::new(self);
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
                let calls = delayed::lower_delayed(blocks, &mut self.tasks, &mut self.delayed);
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
            NodeKind::Invalid(_) => unreachable!("invalid nodes are rejected before lowering"),
        };
        self.blocks.insert(n.token, refs);
    }

    /// The file reads (`Read` leaves) the group `token` reads again rather
    /// than share (`optimize::reread`), each with its copy's token.
    fn own_reads(&self, token: u64, leaves: &[ChunkLeaf]) -> HashMap<u64, u64> {
        let nodes = leaves.iter().map(|(_, n, _)| &**n);
        crate::optimize::reread::rereads(nodes, &self.reads_below)
            .into_iter()
            .map(|r| (r, TokenHasher::new("reread").u64(r).u64(token).finish()))
            .collect()
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
        let own = self.own_reads(token, leaves);
        let mut out = Vec::with_capacity(grid.numblocks().iter().product());
        for b in grid.block_indices() {
            let offset = grid.block_offset(&b);
            let shape = grid.block_shape(&b);
            let (deps, inputs) = self.bind(&offset, leaves, &own);
            let key = Key::new(token, &label, &b);
            let op =
                TaskOp::Fused(FusedTask { program: program.clone(), offset, shape, block: b, inputs, group: None });
            out.push(BlockRef::Task(self.push(key, deps, op)));
        }
        out
    }

    /// The chunk and window each chunk leaf reads for the block at `offset`.
    fn bind(
        &mut self,
        offset: &[usize],
        leaves: &[ChunkLeaf],
        own: &HashMap<u64, u64>,
    ) -> (Vec<TaskId>, Vec<LeafInput>) {
        let mut deps: Vec<TaskId> = vec![];
        let mut inputs = Vec::with_capacity(leaves.len());
        let mut rereads = vec![];
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
            if own.contains_key(&ln.token) {
                rereads.push((inputs.len(), ln.clone(), idx));
                inputs.push(LeafInput { leaf: *leaf, chunk: ChunkRef::Dep(usize::MAX), start });
            } else {
                let chunk = self.chunk_ref(ln, &idx, &mut deps);
                inputs.push(LeafInput { leaf: *leaf, chunk, start });
            }
        }
        // A block read again waits for what the task's other inputs wait on
        // (the aggregate it is the barrier for): read any earlier and it
        // would only be held.
        let barrier = deps.clone();
        for (i, node, idx) in rereads {
            if self.local_barrier(&node, &barrier) {
                // The barrier needs only a few blocks of the file (a cohort):
                // share the block; the ordering finishes the cohort together.
                inputs[i].chunk = self.chunk_ref(&node, &idx, &mut deps);
                continue;
            }
            let copy = own[&node.token];
            let flat = idx.iter().zip(node.chunks.numblocks()).fold(0, |acc, (&i, n)| acc * n + i);
            let t = match self.reread_tasks.get(&(copy, flat)) {
                Some(&t) => t,
                None => {
                    let NodeKind::Read(reader) = &node.kind else { unreachable!("rereads are reads") };
                    let op = read_op(&node, reader, &idx);
                    let t = self.push(Key::new(copy, &node.label, &idx), barrier.clone(), op);
                    self.reread_tasks.insert((copy, flat), t);
                    t
                }
            };
            inputs[i].chunk = ChunkRef::Dep(dep_position(&mut deps, t));
        }
        (deps, inputs)
    }

    /// Whether the tasks `barrier` depend on few enough blocks of the file
    /// read by `node` to hold them (`optimize::reread::max_held_blocks`).
    fn local_barrier(&mut self, node: &Node, barrier: &[TaskId]) -> bool {
        let mut key_tasks = barrier.to_vec();
        key_tasks.sort_unstable();
        let key = (node.token, key_tasks);
        if let Some(&b) = self.barrier_memo.get(&key) {
            return b;
        }
        let blocks = &self.blocks;
        let reads = self
            .read_tasks
            .entry(node.token)
            .or_insert_with(|| {
                Arc::new(
                    blocks[&node.token]
                        .iter()
                        .filter_map(|b| match b {
                            BlockRef::Task(t) => Some(*t),
                            BlockRef::Held(_) => None,
                        })
                        .collect(),
                )
            })
            .clone();
        let limit = crate::optimize::reread::max_held_blocks(node, self.hold_bytes);
        // Within the budget even if it waits on every block of the file.
        let local = reads.len() <= limit || {
            let mut reach: HashSet<TaskId> = HashSet::new();
            let mut local = true;
            for &t in barrier {
                match self.reach(node.token, t, &reads, limit) {
                    Some(r) => reach.extend(r.iter().copied()),
                    None => local = false,
                }
                if !local || reach.len() > limit {
                    local = false;
                    break;
                }
            }
            local
        };
        self.barrier_memo.insert(key, local);
        local
    }

    /// The read tasks of `reads` (blocks of file node `token`) that task `t`
    /// depends on, or `None` past `limit` of them (memoised).
    fn reach(&mut self, token: u64, t: TaskId, reads: &HashSet<TaskId>, limit: usize) -> Option<Arc<Vec<TaskId>>> {
        if let Some(r) = self.reach_memo.get(&(token, t)) {
            return r.clone();
        }
        let r = if reads.contains(&t) {
            Some(Arc::new(vec![t]))
        } else {
            let mut set: HashSet<TaskId> = HashSet::new();
            let mut over = false;
            for d in self.tasks[t as usize].deps.clone() {
                match self.reach(token, d, reads, limit) {
                    Some(r) => set.extend(r.iter().copied()),
                    None => over = true,
                }
                if over || set.len() > limit {
                    over = true;
                    break;
                }
            }
            (!over).then(|| {
                let mut v: Vec<TaskId> = set.into_iter().collect();
                v.sort_unstable();
                Arc::new(v)
            })
        };
        self.reach_memo.insert((token, t), r.clone());
        r
    }

    /// The block of `node` at grid index `idx`, adding its task to `deps`
    /// (once) when it is not a held chunk.
    fn chunk_ref(&self, node: &Node, idx: &[usize], deps: &mut Vec<TaskId>) -> ChunkRef {
        let flat = idx.iter().zip(node.chunks.numblocks()).fold(0, |acc, (&i, n)| acc * n + i);
        match &self.blocks[&node.token][flat] {
            BlockRef::Held(c) => ChunkRef::Held(c.clone()),
            BlockRef::Task(t) => ChunkRef::Dep(dep_position(deps, *t)),
        }
    }
}
