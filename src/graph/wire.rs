//! Task graphs as data, as DataFusion's plan codec makes physical plans
//! data: every built-in task operation written as plain values (serde) and
//! rebuilt in another process, its kernels, sources and reducers through
//! the same dispatch that made them (`kernel_for`, `source_for`,
//! `reducer_for`, `product_for`). Fused programs are written once and
//! shared by their tasks; held chunks travel in the payload encoding
//! (`codec.rs`). What holds user code (closures, block readers, delayed
//! calls, `map_blocks`/`map_overlap` functions) stays in its process: such
//! a graph does not encode (`Error::NotEncodable`, naming it).
//!
//! A spec from elsewhere is checked as it is rebuilt (dependencies point
//! backwards, indices are in range, every step's types match its inputs),
//! so a corrupt one is an `Error::Decode`, not a panic.

use super::{BlockRef, BlockwiseTask, ChunkRef, FusedTask, LeafInput, Output, Piece, Task, TaskGraph, TaskId, TaskOp};
use crate::dtype::{AnyArray, DType};
use crate::error::{Error, Result};
use crate::kernels::elementwise::kernel_for;
use crate::kernels::product::{product_for, ContractSpec};
use crate::kernels::reduce::reducer_for;
use crate::kernels::source::source_for;
use crate::key::Key;
use crate::ops::{ElemOp, ReduceOp, SourceOp};
use crate::program::{AxisMap, Finish, GroupRows, Instr, LeafDef, Program, Terminal};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// A task graph as plain data: what [`TaskGraph::to_spec`] writes and
/// [`TaskGraph::from_spec`] rebuilds. Serialise it with any serde format
/// (a binary one, such as CBOR, carries every float exactly).
///
/// ```
/// use darray::{DArray, TaskGraph};
/// let x = DArray::<f64>::ones([6, 4], [3, 2])?;
/// let g = ((&x * 2.0).sum_axis(0)).graph()?;
/// let spec = g.to_spec()?;
/// let back = TaskGraph::from_spec(&spec)?;
/// assert_eq!(back.len(), g.len());
/// assert_eq!(back.to_string(), g.to_string()); // same keys, deps and ops
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GraphSpec {
    programs: Vec<ProgramSpec>,
    tasks: Vec<TaskSpec>,
    outputs: Vec<Vec<BlockSpec>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct TaskSpec {
    token: u64,
    label: String,
    block: Vec<u32>,
    deps: Vec<TaskId>,
    est_bytes: u64,
    owner: u32,
    op: OpSpec,
}

/// A chunk a task reads: a dependency's result, or a held chunk's bytes.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum ChunkW {
    Dep(usize),
    Held(#[serde(with = "bytes")] Vec<u8>),
}

/// A window copied into an assembled block: chunk, source start,
/// destination start, shape.
type PieceW = (ChunkW, Vec<usize>, Vec<usize>, Vec<usize>);

#[derive(Clone, Debug, Serialize, Deserialize)]
enum BlockSpec {
    Task(TaskId),
    Held(#[serde(with = "bytes")] Vec<u8>),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum OpSpec {
    Fused {
        program: usize,
        offset: Vec<usize>,
        shape: Vec<usize>,
        block: Vec<usize>,
        inputs: Vec<(usize, ChunkW, Vec<usize>)>,
        group: Option<GroupRows>,
    },
    Assemble {
        dtype: DType,
        shape: Vec<usize>,
        pieces: Vec<PieceW>,
    },
    Product {
        dtype: DType,
        spec: ContractSpec,
        a: ChunkW,
        b: ChunkW,
    },
    AddBlocks {
        dtype: DType,
    },
    Gather {
        axis: usize,
        parts: Vec<(ChunkW, Vec<usize>)>,
    },
    ReshapeBlock {
        chunk: ChunkW,
        shape: Vec<usize>,
    },
    GroupCombine {
        reduce: ReduceOp,
        in_dtype: DType,
        axis: usize,
        parts: Vec<(usize, usize)>,
        shape: Vec<usize>,
    },
    Dense {
        op: crate::ops::DenseOp,
        args: Vec<(ChunkW, usize)>,
    },
    Blockwise {
        op: crate::ops::BlockOp,
        args: Vec<ChunkW>,
        shape: Vec<usize>,
        dtype: DType,
    },
    Combine {
        reduce: ReduceOp,
        in_dtype: DType,
        reduced: Vec<bool>,
        finish: Option<Finish>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct ProgramSpec {
    leaves: Vec<LeafSpec>,
    leaf_dtypes: Vec<DType>,
    instrs: Vec<(ElemOp, Vec<DType>, Vec<usize>)>,
    out: usize,
    shape: Vec<usize>,
    terminal: TerminalSpec,
    fused: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum LeafSpec {
    Source {
        op: SourceOp,
        dtype: DType,
        shape: Vec<usize>,
        map: Vec<AxisMap>,
    },
    Array {
        #[serde(with = "bytes")]
        array: Vec<u8>,
        map: Vec<AxisMap>,
    },
    Chunk {
        map: Vec<AxisMap>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum TerminalSpec {
    Store,
    Partial { reduce: ReduceOp, in_dtype: DType, reduced: Vec<bool>, finish: Option<Finish> },
}

/// Byte strings as serde bytes (compact in binary formats).
mod bytes {
    use serde::{Deserializer, Serializer};
    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(b)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Vec<u8>, A::Error> {
                let mut v = Vec::new();
                while let Some(b) = a.next_element::<u8>()? {
                    v.push(b);
                }
                Ok(v)
            }
        }
        d.deserialize_byte_buf(V)
    }
}

fn refuse(what: &str, key: &Key) -> Error {
    Error::NotEncodable(format!("task {key}: {what} holds user code, which cannot leave its process"))
}

fn bad(msg: String) -> Error {
    Error::Decode(format!("task graph spec: {msg}"))
}

fn chunk_w(c: &ChunkRef) -> ChunkW {
    match c {
        ChunkRef::Dep(d) => ChunkW::Dep(*d),
        ChunkRef::Held(a) => ChunkW::Held(a.encode()),
    }
}

impl TaskGraph {
    /// The graph as plain data, for another process to rebuild
    /// ([`TaskGraph::from_spec`]). A task that holds user code (a closure,
    /// a block reader, a delayed call) is an `Error::NotEncodable` naming
    /// it.
    pub fn to_spec(&self) -> Result<GraphSpec> {
        let mut programs: Vec<ProgramSpec> = vec![];
        let mut seen: HashMap<*const Program, usize> = HashMap::new();
        let mut tasks = Vec::with_capacity(self.tasks.len());
        for t in &self.tasks {
            let op = match &t.op {
                TaskOp::Fused(f) => {
                    let ptr = Arc::as_ptr(&f.program);
                    let program = match seen.get(&ptr) {
                        Some(&i) => i,
                        None => {
                            programs.push(program_spec(&f.program, &t.key)?);
                            seen.insert(ptr, programs.len() - 1);
                            programs.len() - 1
                        }
                    };
                    OpSpec::Fused {
                        program,
                        offset: f.offset.clone(),
                        shape: f.shape.clone(),
                        block: f.block.clone(),
                        inputs: f.inputs.iter().map(|l| (l.leaf, chunk_w(&l.chunk), l.start.clone())).collect(),
                        group: f.group.as_deref().map(|g| GroupRows {
                            axis: g.axis,
                            row_of: g.row_of.clone(),
                            rows: g.rows,
                        }),
                    }
                }
                TaskOp::Assemble { dtype, shape, pieces } => OpSpec::Assemble {
                    dtype: *dtype,
                    shape: shape.clone(),
                    pieces: pieces
                        .iter()
                        .map(|p| (chunk_w(&p.chunk), p.src.clone(), p.dst.clone(), p.shape.clone()))
                        .collect(),
                },
                TaskOp::Product { kernel, spec, a, b } => {
                    OpSpec::Product { dtype: kernel.dtype(), spec: (**spec).clone(), a: chunk_w(a), b: chunk_w(b) }
                }
                TaskOp::AddBlocks { kernel } => OpSpec::AddBlocks { dtype: kernel.dtype() },
                TaskOp::Dense { op, args } => {
                    OpSpec::Dense { op: op.clone(), args: args.iter().map(|(c, p)| (chunk_w(c), *p)).collect() }
                }
                TaskOp::Blockwise(b) if b.f.is_some() => return Err(refuse("a blockwise function", &t.key)),
                TaskOp::Blockwise(b) => OpSpec::Blockwise {
                    op: b.op.clone(),
                    args: b.args.iter().map(chunk_w).collect(),
                    shape: b.shape.clone(),
                    dtype: b.dtype,
                },
                TaskOp::Gather { axis, parts } => {
                    OpSpec::Gather { axis: *axis, parts: parts.iter().map(|(c, l)| (chunk_w(c), l.clone())).collect() }
                }
                TaskOp::ReshapeBlock { chunk, shape } => {
                    OpSpec::ReshapeBlock { chunk: chunk_w(chunk), shape: shape.clone() }
                }
                TaskOp::GroupCombine { reducer, axis, parts, shape } => OpSpec::GroupCombine {
                    reduce: reducer.op(),
                    in_dtype: reducer.in_dtype(),
                    axis: *axis,
                    parts: parts.clone(),
                    shape: shape.clone(),
                },
                TaskOp::Combine { reducer, reduced, finish } => OpSpec::Combine {
                    reduce: reducer.op(),
                    in_dtype: reducer.in_dtype(),
                    reduced: reduced.clone(),
                    finish: *finish,
                },
                TaskOp::Read { .. } => return Err(refuse("a block read by a reader", &t.key)),
                TaskOp::Delayed(_) => return Err(refuse("a delayed call", &t.key)),
                TaskOp::Overlap(_) => return Err(refuse("a map_overlap function", &t.key)),
                TaskOp::FromValue { .. } => return Err(refuse("a delayed value's conversion", &t.key)),
            };
            tasks.push(TaskSpec {
                token: t.key.token,
                label: t.key.label.to_string(),
                block: t.key.block.to_vec(),
                deps: t.deps.clone(),
                est_bytes: t.est_bytes,
                owner: t.owner,
                op,
            });
        }
        let outputs = self
            .outputs
            .iter()
            .map(|o| {
                o.blocks
                    .iter()
                    .map(|b| match b {
                        BlockRef::Task(t) => BlockSpec::Task(*t),
                        BlockRef::Held(a) => BlockSpec::Held(a.encode()),
                    })
                    .collect()
            })
            .collect();
        Ok(GraphSpec { programs, tasks, outputs })
    }

    /// Rebuilds a graph from its spec (checked: a corrupt spec is an
    /// `Error::Decode`).
    pub fn from_spec(spec: &GraphSpec) -> Result<TaskGraph> {
        let programs: Vec<Arc<Program>> =
            spec.programs.iter().map(|p| rebuild_program(p).map(Arc::new)).collect::<Result<_>>()?;
        let mut tasks = Vec::with_capacity(spec.tasks.len());
        for (i, t) in spec.tasks.iter().enumerate() {
            if let Some(d) = t.deps.iter().find(|&&d| d as usize >= i) {
                return Err(bad(format!("task {i} depends on task {d}, which does not come before it")));
            }
            let chunk = |c: &ChunkW| -> Result<ChunkRef> {
                match c {
                    ChunkW::Dep(d) if *d < t.deps.len() => Ok(ChunkRef::Dep(*d)),
                    ChunkW::Dep(d) => Err(bad(format!("task {i} reads dependency {d} of {}", t.deps.len()))),
                    ChunkW::Held(b) => Ok(ChunkRef::Held(Arc::new(AnyArray::decode(b)?))),
                }
            };
            let op = match &t.op {
                OpSpec::Fused { program, offset, shape, block, inputs, group } => {
                    let p = programs.get(*program).ok_or_else(|| bad(format!("task {i} runs program {program}")))?;
                    let nd = p.shape.len();
                    if offset.len() != nd || shape.len() != nd || block.len() != nd {
                        return Err(bad(format!("task {i}: a block of another rank than its program's")));
                    }
                    let inputs = inputs
                        .iter()
                        .map(|(leaf, c, start)| {
                            if !matches!(p.leaves.get(*leaf), Some(LeafDef::Chunk { .. })) {
                                return Err(bad(format!("task {i} binds leaf {leaf}, not a chunk leaf")));
                            }
                            Ok(LeafInput { leaf: *leaf, chunk: chunk(c)?, start: start.clone() })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    let group = match group {
                        Some(g) if g.axis >= nd => return Err(bad(format!("task {i}: group axis {}", g.axis))),
                        Some(g) => Some(Arc::new(GroupRows { axis: g.axis, row_of: g.row_of.clone(), rows: g.rows })),
                        None => None,
                    };
                    TaskOp::Fused(FusedTask {
                        program: p.clone(),
                        offset: offset.clone(),
                        shape: shape.clone(),
                        block: block.clone(),
                        inputs,
                        group,
                    })
                }
                OpSpec::Assemble { dtype, shape, pieces } => TaskOp::Assemble {
                    dtype: *dtype,
                    shape: shape.clone(),
                    pieces: pieces
                        .iter()
                        .map(|(c, src, dst, shape)| {
                            Ok(Piece { chunk: chunk(c)?, src: src.clone(), dst: dst.clone(), shape: shape.clone() })
                        })
                        .collect::<Result<_>>()?,
                },
                OpSpec::Product { dtype, spec, a, b } => TaskOp::Product {
                    kernel: product_for(*dtype)?,
                    spec: Arc::new(spec.clone()),
                    a: chunk(a)?,
                    b: chunk(b)?,
                },
                OpSpec::AddBlocks { dtype } => TaskOp::AddBlocks { kernel: product_for(*dtype)? },
                OpSpec::Dense { op, args } => TaskOp::Dense {
                    op: op.clone(),
                    args: args.iter().map(|(c, p)| Ok((chunk(c)?, *p))).collect::<Result<_>>()?,
                },
                OpSpec::Blockwise { op, args, shape, dtype } => TaskOp::Blockwise(Box::new(BlockwiseTask {
                    op: op.clone(),
                    args: args.iter().map(chunk).collect::<Result<_>>()?,
                    shape: shape.clone(),
                    dtype: *dtype,
                    block: vec![],
                    f: None,
                })),
                OpSpec::Gather { axis, parts } => TaskOp::Gather {
                    axis: *axis,
                    parts: parts.iter().map(|(c, l)| Ok((chunk(c)?, l.clone()))).collect::<Result<_>>()?,
                },
                OpSpec::ReshapeBlock { chunk: c, shape } => {
                    TaskOp::ReshapeBlock { chunk: chunk(c)?, shape: shape.clone() }
                }
                OpSpec::GroupCombine { reduce, in_dtype, axis, parts, shape } => {
                    if let Some((d, _)) = parts.iter().find(|(d, _)| *d >= t.deps.len()) {
                        return Err(bad(format!("task {i} merges dependency {d} of {}", t.deps.len())));
                    }
                    TaskOp::GroupCombine {
                        reducer: reducer_for(*reduce, *in_dtype)?,
                        axis: *axis,
                        parts: parts.clone(),
                        shape: shape.clone(),
                    }
                }
                OpSpec::Combine { reduce, in_dtype, reduced, finish } => {
                    if t.deps.is_empty() {
                        return Err(bad(format!("task {i} combines no partials")));
                    }
                    TaskOp::Combine {
                        reducer: reducer_for(*reduce, *in_dtype)?,
                        reduced: reduced.clone(),
                        finish: *finish,
                    }
                }
            };
            let label: Arc<str> = Arc::from(t.label.as_str());
            let key = Key { token: t.token, label, block: t.block.clone().into_boxed_slice() };
            tasks.push(Task { key, deps: t.deps.clone(), op, est_bytes: t.est_bytes, owner: t.owner });
        }
        let n = tasks.len();
        let outputs = spec
            .outputs
            .iter()
            .map(|o| {
                let blocks = o
                    .iter()
                    .map(|b| match b {
                        BlockSpec::Task(t) if (*t as usize) < n => Ok(BlockRef::Task(*t)),
                        BlockSpec::Task(t) => Err(bad(format!("output task {t} of {n}"))),
                        BlockSpec::Held(b) => Ok(BlockRef::Held(Arc::new(AnyArray::decode(b)?))),
                    })
                    .collect::<Result<_>>()?;
                Ok(Output { blocks })
            })
            .collect::<Result<_>>()?;
        Ok(TaskGraph { tasks, outputs })
    }
}

fn program_spec(p: &Program, key: &Key) -> Result<ProgramSpec> {
    let leaves = p
        .leaves
        .iter()
        .zip(&p.leaf_dtypes)
        .map(|(l, dt)| match l {
            LeafDef::Source { src, shape, map } => {
                if matches!(src.op(), SourceOp::Custom(_)) {
                    return Err(refuse("a from_fn source", key));
                }
                Ok(LeafSpec::Source { op: src.op().clone(), dtype: *dt, shape: shape.clone(), map: map.clone() })
            }
            LeafDef::Array { arr, map } => Ok(LeafSpec::Array { array: arr.encode(), map: map.clone() }),
            LeafDef::Chunk { map } => Ok(LeafSpec::Chunk { map: map.clone() }),
        })
        .collect::<Result<_>>()?;
    let instrs = p
        .instrs
        .iter()
        .map(|ins| {
            if matches!(ins.kernel.op(), ElemOp::Custom(_)) {
                return Err(refuse(&format!("the elementwise closure `{}`", ins.kernel.name()), key));
            }
            Ok((ins.kernel.op().clone(), ins.kernel.in_dtypes(), ins.args.clone()))
        })
        .collect::<Result<_>>()?;
    let terminal = match &p.terminal {
        Terminal::Store => TerminalSpec::Store,
        Terminal::Partial { reducer, reduced, finish } => TerminalSpec::Partial {
            reduce: reducer.op(),
            in_dtype: reducer.in_dtype(),
            reduced: reduced.clone(),
            finish: *finish,
        },
        Terminal::MapBlocks(_) => return Err(refuse("a map_blocks function", key)),
    };
    Ok(ProgramSpec {
        leaves,
        leaf_dtypes: p.leaf_dtypes.clone(),
        instrs,
        out: p.out,
        shape: p.shape.clone(),
        terminal,
        fused: p.fused.clone(),
    })
}

fn rebuild_program(s: &ProgramSpec) -> Result<Program> {
    let nd = s.shape.len();
    if s.leaves.len() != s.leaf_dtypes.len() {
        return Err(bad("a program with leaves and leaf types of different lengths".into()));
    }
    let check_map = |map: &[AxisMap]| -> Result<()> {
        if map.iter().any(|m| m.dom.is_some_and(|d| d >= nd)) {
            return Err(bad(format!("a leaf map names an axis past the program's {nd}")));
        }
        Ok(())
    };
    let mut leaves = Vec::with_capacity(s.leaves.len());
    for (l, dt) in s.leaves.iter().zip(&s.leaf_dtypes) {
        leaves.push(match l {
            LeafSpec::Source { op, dtype, shape, map } => {
                check_map(map)?;
                if dtype != dt || map.len() != shape.len() {
                    return Err(bad("a source leaf of another type or rank than declared".into()));
                }
                LeafDef::Source { src: source_for(op, *dtype, shape)?, shape: shape.clone(), map: map.clone() }
            }
            LeafSpec::Array { array, map } => {
                check_map(map)?;
                let arr = AnyArray::decode(array)?;
                if arr.dtype() != *dt || arr.shape().len() != map.len() {
                    return Err(bad("an array leaf of another type or rank than declared".into()));
                }
                LeafDef::Array { arr: Arc::new(arr), map: map.clone() }
            }
            LeafSpec::Chunk { map } => {
                check_map(map)?;
                LeafDef::Chunk { map: map.clone() }
            }
        });
    }
    // Types of the values so far: every step's inputs must be of the types
    // its kernel is rebuilt for.
    let mut types: Vec<DType> = s.leaf_dtypes.clone();
    let mut instrs = Vec::with_capacity(s.instrs.len());
    for (op, in_dtypes, args) in &s.instrs {
        if args.len() != in_dtypes.len() || args.iter().zip(in_dtypes).any(|(&a, d)| types.get(a) != Some(d)) {
            return Err(bad(format!("step `{}` reads values of other types than it takes", op.name())));
        }
        let kernel = kernel_for(op, in_dtypes)?;
        types.push(kernel.out_dtype());
        instrs.push(Instr { kernel, args: args.clone() });
    }
    let out_type =
        *types.get(s.out).ok_or_else(|| bad(format!("program output {} of {} values", s.out, types.len())))?;
    let terminal = match &s.terminal {
        TerminalSpec::Store => Terminal::Store,
        TerminalSpec::Partial { reduce, in_dtype, reduced, finish } => {
            if *in_dtype != out_type || reduced.len() != nd {
                return Err(bad("a reduction of another type or rank than its program's result".into()));
            }
            Terminal::Partial { reducer: reducer_for(*reduce, *in_dtype)?, reduced: reduced.clone(), finish: *finish }
        }
    };
    Ok(Program::new(leaves, s.leaf_dtypes.clone(), instrs, s.out, s.shape.clone(), terminal, s.fused.clone()))
}
