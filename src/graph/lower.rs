//! Lowering: expression DAG -> per-chunk tasks. Fusion groups become one
//! task per block running a compiled `Program`; reductions become a tree of
//! partial and combine tasks with a fan-in of `split_every`.

use super::program::{AxisMap, Finish, Instr, LeafDef, Program, Terminal};
use super::{ChunkRef, FusedTask, LeafInput, Piece, Task, TaskGraph, TaskId, TaskOp};
use crate::chunks::GridIter;
use crate::dtype::{AnyArray, DType};
use crate::error::Result;
use crate::expr::{AxisSel, Node, NodeKind};
use crate::key::{Key, TokenHasher};
use crate::optimize::fuse;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Lowering switches.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LowerOptions {
    /// Run the fusion pass (off: one task per node and block).
    pub fuse: bool,
}

/// A block of a lowered node: a task, or a chunk already held.
#[derive(Clone)]
pub(crate) enum BlockRef {
    Task(TaskId),
    Held(Arc<AnyArray>),
}

/// The blocks of one requested array, in row-major grid order.
pub(crate) struct Output {
    pub node: Arc<Node>,
    pub blocks: Vec<BlockRef>,
}

/// Nodes reachable from `roots`, inputs first, deduplicated by token, and the
/// number of distinct consumers of each.
/// Nodes in dependency order, and how many distinct nodes read each.
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
}

/// Builds the graph computing every block of every root.
pub(crate) fn lower(roots: &[Arc<Node>], opts: LowerOptions) -> Result<TaskGraph> {
    let (order, consumers) = collect(roots)?;
    let root_set: HashSet<u64> = roots.iter().map(|r| r.token).collect();
    let materialised = fuse::plan(&order, &consumers, &root_set, opts.fuse);
    let mut l = Lowerer { tasks: vec![], delayed: HashMap::new(), blocks: HashMap::new(), materialised };
    for n in &order {
        if l.materialised.contains(&n.token) {
            l.emit(n);
        }
    }
    let mut outputs: Vec<Output> =
        roots.iter().map(|r| Output { node: r.clone(), blocks: l.blocks[&r.token].clone() }).collect();
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

/// Collects a fusion group into a program.
struct ProgramBuilder<'a> {
    l: &'a Lowerer,
    leaves: Vec<LeafDef>,
    leaf_dtypes: Vec<DType>,
    chunk_leaves: Vec<ChunkLeaf>,
    steps: Vec<(Arc<dyn crate::kernels::Kernel>, Vec<Val>)>,
    memo: HashMap<(u64, Vec<AxisMap>), Val>,
    fused: Vec<String>,
}

/// A chunk leaf: its position among the leaves, its node, and its map.
type ChunkLeaf = (usize, Arc<Node>, Vec<AxisMap>);

/// A value while building: leaves and steps are numbered separately because
/// they are discovered interleaved; `finish` numbers them leaves first.
#[derive(Clone, Copy)]
enum Val {
    Leaf(usize),
    Step(usize),
}

impl<'a> ProgramBuilder<'a> {
    fn new(l: &'a Lowerer) -> Self {
        ProgramBuilder {
            l,
            leaves: vec![],
            leaf_dtypes: vec![],
            chunk_leaves: vec![],
            steps: vec![],
            memo: HashMap::new(),
            fused: vec![],
        }
    }

    fn leaf(&mut self, n: &Arc<Node>, def: LeafDef) -> Val {
        let v = self.leaves.len();
        if let LeafDef::Chunk { map, .. } = &def {
            self.chunk_leaves.push((v, n.clone(), map.clone()));
        } else {
            self.fused.push(n.label.to_string());
        }
        self.leaves.push(def);
        self.leaf_dtypes.push(n.dtype);
        Val::Leaf(v)
    }

    /// Value of `n`, read through `map` (one entry per axis of `n`), in the
    /// program; `inline` forces `n` itself inline.
    fn value(&mut self, n: &Arc<Node>, inline: bool, map: &[AxisMap]) -> Val {
        let memo_key = (n.token, map.to_vec());
        if let Some(&v) = self.memo.get(&memo_key) {
            return v;
        }
        let map = map.to_vec();
        let v = if self.l.materialised.contains(&n.token) && !inline {
            self.leaf(n, LeafDef::Chunk { map })
        } else {
            match &n.kind {
                NodeKind::Source(src) => self.leaf(n, LeafDef::Source { src: src.clone(), map }),
                NodeKind::FromArray(arr) => self.leaf(n, LeafDef::Array { arr: arr.clone(), map }),
                NodeKind::Elementwise { kernel, inputs } => {
                    let nd = n.shape.len();
                    let args: Vec<Val> = inputs
                        .iter()
                        .map(|i| {
                            // Inputs align right; a length-1 axis against a
                            // longer one is broadcast.
                            let k = i.shape.len();
                            let imap: Vec<AxisMap> = (0..k)
                                .map(|a| {
                                    let na = nd - k + a;
                                    if i.shape[a] == 1 && n.shape[na] != 1 {
                                        AxisMap::fixed(0)
                                    } else {
                                        map[na]
                                    }
                                })
                                .collect();
                            self.value(i, false, &imap)
                        })
                        .collect();
                    self.steps.push((kernel.clone(), args));
                    self.fused.push(n.label.to_string());
                    Val::Step(self.steps.len() - 1)
                }
                NodeKind::Transpose { input, perm } => {
                    let mut imap = vec![AxisMap::fixed(0); perm.len()];
                    for (j, &p) in perm.iter().enumerate() {
                        imap[p] = map[j];
                    }
                    self.value(input, false, &imap)
                }
                NodeKind::Rechunk { input } => self.value(input, false, &map),
                NodeKind::Slice { input, sel } => {
                    let mut imap = vec![];
                    let mut out = 0;
                    for s in sel {
                        match *s {
                            AxisSel::Range { start, step, .. } => {
                                let m = map[out];
                                imap.push(AxisMap {
                                    dom: m.dom,
                                    step: step * m.step,
                                    base: start as isize + step * m.base,
                                });
                                out += 1;
                            }
                            AxisSel::Index(i) => imap.push(AxisMap::fixed(i)),
                            AxisSel::NewAxis => out += 1,
                        }
                    }
                    self.value(input, false, &imap)
                }
                _ => self.leaf(n, LeafDef::Chunk { map }),
            }
        };
        self.memo.insert(memo_key, v);
        v
    }

    /// Compiles the program, numbering values leaves first.
    fn finish(self, out: Val, domain: &Node, terminal: Terminal, terminal_name: &str) -> (Program, Vec<ChunkLeaf>) {
        let nl = self.leaves.len();
        let num = |v: Val| match v {
            Val::Leaf(i) => i,
            Val::Step(i) => nl + i,
        };
        let instrs = self
            .steps
            .into_iter()
            .map(|(kernel, args)| Instr { kernel, args: args.into_iter().map(num).collect() })
            .collect();
        let mut fused = self.fused;
        if !terminal_name.is_empty() {
            fused.push(terminal_name.to_string());
        }
        let p = Program::new(self.leaves, self.leaf_dtypes, instrs, num(out), domain.shape.clone(), terminal, fused);
        (p, self.chunk_leaves)
    }
}

impl Lowerer {
    fn push(&mut self, key: Key, deps: Vec<TaskId>, op: TaskOp) -> TaskId {
        let id = self.tasks.len() as TaskId;
        self.tasks.push(Task { key, deps, op });
        id
    }

    fn emit(&mut self, n: &Arc<Node>) {
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
                        let mut ib = b.clone();
                        ib[*axis] = picks.first().map_or(0, |&p| input.chunks.locate(*axis, p));
                        let off = input.chunks.offset(*axis, ib[*axis]);
                        let mut deps = vec![];
                        let chunk = self.chunk_ref(input, &ib, &mut deps);
                        let op = TaskOp::Gather { chunk, axis: *axis, local: picks.iter().map(|&p| p - off).collect() };
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
            NodeKind::FromDelayed { blocks, convert } => {
                let calls = crate::delayed::lower_delayed(blocks, &mut self.tasks, &mut self.delayed);
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
        grid.block_indices()
            .map(|b| {
                let offset = grid.block_offset(&b);
                let shape = grid.block_shape(&b);
                let (deps, inputs) = self.bind(&offset, leaves);
                let key = Key::new(token, &label, &b);
                let op = TaskOp::Fused(FusedTask { program: program.clone(), offset, shape, block: b, inputs });
                BlockRef::Task(self.push(key, deps, op))
            })
            .collect()
    }

    /// The chunk and window each chunk leaf reads for the block at `offset`.
    fn bind(&self, offset: &[usize], leaves: &[ChunkLeaf]) -> (Vec<TaskId>, Vec<LeafInput>) {
        let mut deps: Vec<TaskId> = vec![];
        let inputs = leaves
            .iter()
            .map(|(leaf, ln, map)| {
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
                LeafInput { leaf: *leaf, chunk, start }
            })
            .collect();
        (deps, inputs)
    }

    /// Output blocks assembled from the input blocks they overlap.
    fn emit_rechunk(&mut self, n: &Arc<Node>, input: &Arc<Node>) -> Vec<BlockRef> {
        let (old, new) = (input.chunks.clone(), n.chunks.clone());
        let nd = n.shape.len();
        let label: Arc<str> = Arc::from("rechunk");
        new.block_indices()
            .map(|b| {
                let off = new.block_offset(&b);
                let shape = new.block_shape(&b);
                if shape.contains(&0) {
                    let op = TaskOp::Assemble { dtype: n.dtype, shape: shape.clone(), pieces: vec![] };
                    return (b, vec![], op);
                }
                let lo: Vec<usize> = (0..nd).map(|a| old.locate(a, off[a])).collect();
                let hi: Vec<usize> = (0..nd).map(|a| old.locate(a, off[a] + shape[a] - 1)).collect();
                let mut deps: Vec<TaskId> = vec![];
                let pieces = GridIter::new((0..nd).map(|a| hi[a] - lo[a] + 1).collect())
                    .map(|rel| {
                        let ob: Vec<usize> = (0..nd).map(|a| lo[a] + rel[a]).collect();
                        let oo = old.block_offset(&ob);
                        let os = old.block_shape(&ob);
                        let start: Vec<usize> = (0..nd).map(|a| off[a].max(oo[a])).collect();
                        let end: Vec<usize> = (0..nd).map(|a| (off[a] + shape[a]).min(oo[a] + os[a])).collect();
                        let chunk = self.chunk_ref(input, &ob, &mut deps);
                        Piece {
                            chunk,
                            src: (0..nd).map(|a| start[a] - oo[a]).collect(),
                            dst: (0..nd).map(|a| start[a] - off[a]).collect(),
                            shape: (0..nd).map(|a| end[a] - start[a]).collect(),
                        }
                    })
                    .collect();
                (b, deps, TaskOp::Assemble { dtype: n.dtype, shape, pieces })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(b, deps, op)| BlockRef::Task(self.push(Key::new(n.token, &label, &b), deps, op)))
            .collect()
    }

    /// The block of `node` at grid index `idx`, adding its task to `deps`
    /// (once) when it is not a held chunk.
    fn chunk_ref(&self, node: &Node, idx: &[usize], deps: &mut Vec<TaskId>) -> ChunkRef {
        let flat = idx.iter().zip(node.chunks.numblocks()).fold(0, |acc, (&i, n)| acc * n + i);
        match &self.blocks[&node.token][flat] {
            BlockRef::Held(c) => ChunkRef::Held(c.clone()),
            BlockRef::Task(t) => ChunkRef::Dep(match deps.iter().position(|d| d == t) {
                Some(p) => p,
                None => {
                    deps.push(*t);
                    deps.len() - 1
                }
            }),
        }
    }

    /// Per output block: one product per block of the contracted axes,
    /// then a tree of sums with fan-in `split_every`. The contracted axes
    /// are never gathered into one block.
    fn emit_contract(
        &mut self,
        n: &Arc<Node>,
        a: &Arc<Node>,
        b: &Arc<Node>,
        spec: &Arc<crate::kernels::product::ContractSpec>,
        kernel: &Arc<dyn crate::kernels::product::BlockProduct>,
        split_every: usize,
    ) -> Vec<BlockRef> {
        let (nb, fa) = (spec.batch.len(), spec.free_a.len());
        let kgrid: Vec<usize> = spec.contract.iter().map(|&(x, _)| a.chunks.numblocks()[x]).collect();
        let prod_label: Arc<str> = Arc::from("tensordot-product");
        let sum_label: Arc<str> = Arc::from("tensordot-sum");
        let prod_token = TokenHasher::new("product").u64(n.token).finish();
        let mut out = vec![];
        for o in n.chunks.block_indices() {
            let mut level: Vec<TaskId> = vec![];
            for k in GridIter::new(kgrid.clone()) {
                let mut ia = vec![0; a.shape.len()];
                let mut ib = vec![0; b.shape.len()];
                for (p, &(x, y)) in spec.batch.iter().enumerate() {
                    ia[x] = o[p];
                    ib[y] = o[p];
                }
                for (p, &x) in spec.free_a.iter().enumerate() {
                    ia[x] = o[nb + p];
                }
                for (p, &y) in spec.free_b.iter().enumerate() {
                    ib[y] = o[nb + fa + p];
                }
                for (p, &(x, y)) in spec.contract.iter().enumerate() {
                    ia[x] = k[p];
                    ib[y] = k[p];
                }
                let mut deps = vec![];
                let ca = self.chunk_ref(a, &ia, &mut deps);
                let cb = self.chunk_ref(b, &ib, &mut deps);
                let op = TaskOp::Product { kernel: kernel.clone(), spec: spec.clone(), a: ca, b: cb };
                let key: Vec<usize> = o.iter().chain(&k).copied().collect();
                let token = if kgrid.iter().product::<usize>() == 1 { n.token } else { prod_token };
                let label = if token == n.token { &n.label } else { &prod_label };
                level.push(self.push(Key::new(token, label, &key), deps, op));
            }
            let mut depth = 0u64;
            while level.len() > 1 {
                depth += 1;
                let last = level.len() <= split_every;
                let token = if last { n.token } else { TokenHasher::new("sum").u64(n.token).u64(depth).finish() };
                let label = if last { n.label.clone() } else { sum_label.clone() };
                level = level
                    .chunks(split_every)
                    .enumerate()
                    .map(|(g, group)| {
                        let key: Vec<usize> = if last { o.clone() } else { o.iter().copied().chain([g]).collect() };
                        let op = TaskOp::AddBlocks { kernel: kernel.clone() };
                        self.push(Key::new(token, &label, &key), group.to_vec(), op)
                    })
                    .collect();
            }
            out.push(BlockRef::Task(level[0]));
        }
        out
    }

    fn emit_reduce(
        &mut self,
        n: &Arc<Node>,
        reducer: &Arc<dyn crate::kernels::Reducer>,
        input: &Arc<Node>,
        axes: &[usize],
        keepdims: bool,
        split_every: usize,
    ) -> Vec<BlockRef> {
        let nd = input.shape.len();
        let reduced: Vec<bool> = (0..nd).map(|a| axes.contains(&a)).collect();
        let grid = input.chunks.clone();
        let mut dims = grid.numblocks();
        let finished = |dims: &[usize]| (0..nd).all(|a| !reduced[a] || dims[a] == 1);
        let name = reducer.name().to_string();

        // Level 0: one fused partial per input block.
        let mut b = ProgramBuilder::new(self);
        let out = b.value(input, false, &AxisMap::identity(nd));
        let finish0 = finished(&dims);
        let partial_name = format!("{name}-{}", if finish0 { "aggregate" } else { "partial" });
        let terminal = Terminal::Partial {
            reducer: reducer.clone(),
            reduced: reduced.clone(),
            finish: finish0.then_some(Finish { keepdims }),
        };
        let (p, leaves) = b.finish(out, input, terminal, &partial_name);
        let token0 = if finish0 { n.token } else { TokenHasher::new("partial").u64(n.token).finish() };
        let refs = self.emit_group(input, token0, &partial_name, p, &leaves);
        let mut level: Vec<TaskId> = refs
            .iter()
            .map(|r| match r {
                BlockRef::Task(t) => *t,
                BlockRef::Held(_) => unreachable!("partials are tasks"),
            })
            .collect();
        if finish0 {
            return refs;
        }

        // Tree levels: merge up to k blocks per reduced axis until one is left.
        let r = (0..nd).filter(|&a| reduced[a] && dims[a] > 1).count().max(1);
        let k = ((split_every as f64).powf(1.0 / r as f64) + 1e-9).floor().max(2.0) as usize;
        let mut depth = 0u64;
        loop {
            depth += 1;
            let new_dims: Vec<usize> =
                (0..nd).map(|a| if reduced[a] { dims[a].div_ceil(k) } else { dims[a] }).collect();
            let last = finished(&new_dims);
            let token = if last { n.token } else { TokenHasher::new("combine").u64(n.token).u64(depth).finish() };
            let label: Arc<str> = Arc::from(format!("{name}-{}", if last { "aggregate" } else { "combine" }).as_str());
            let mut next = Vec::with_capacity(new_dims.iter().product());
            for nb in GridIter::new(new_dims.clone()) {
                let ranges: Vec<std::ops::Range<usize>> = (0..nd)
                    .map(|a| if reduced[a] { nb[a] * k..((nb[a] + 1) * k).min(dims[a]) } else { nb[a]..nb[a] + 1 })
                    .collect();
                let deps: Vec<TaskId> = GridIter::new(ranges.iter().map(|r| r.len()).collect())
                    .map(|o| {
                        let flat = (0..nd).fold(0, |acc, a| acc * dims[a] + ranges[a].start + o[a]);
                        level[flat]
                    })
                    .collect();
                let finish = last.then_some(Finish { keepdims });
                let op = TaskOp::Combine { reducer: reducer.clone(), reduced: reduced.clone(), finish };
                next.push(self.push(Key::new(token, &label, &nb), deps, op));
            }
            level = next;
            dims = new_dims;
            if last {
                return level.into_iter().map(BlockRef::Task).collect();
            }
        }
    }
}
