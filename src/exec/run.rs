//! Running one task: the operations that move or merge whole blocks here,
//! fused programs through their interpreter (`crate::program`).

use crate::dispatch;
use crate::dtype::{AnyArray, Element};
use crate::error::{Error, Result};
use crate::graph::{BlockwiseTask, ChunkRef, OverlapTask, Payload, Piece, Task, TaskOp};
use crate::program::{finalize, BlockCall, Produced};
use ndarray::IxDyn;

/// Runs a task on its inputs (its deps' payloads, in order).
pub(crate) fn run_task(task: &Task, inputs: &[&Payload]) -> Result<Payload> {
    match &task.op {
        TaskOp::Fused(f) => {
            let mut bound: Vec<Option<(&AnyArray, &[usize])>> = vec![None; f.program.leaves.len()];
            for li in &f.inputs {
                bound[li.leaf] = Some((chunk_of(&li.chunk, inputs), &li.start));
            }
            let call =
                BlockCall { offset: &f.offset, shape: &f.shape, block: &f.block, bound, group: f.group.as_deref() };
            Ok(match crate::program::run(&f.program, &call)? {
                Produced::Array(a) => Payload::Array(a),
                Produced::Partial(p) => Payload::Partial(p),
            })
        }
        TaskOp::Delayed(d) => d.run(inputs),
        TaskOp::Product { kernel, spec, a, b } => {
            Ok(Payload::Array(kernel.product(chunk_of(a, inputs), chunk_of(b, inputs), spec)))
        }
        TaskOp::Dense { op, args } => {
            let blocks = args.iter().map(|(c, p)| part_of(c, *p, inputs)).collect::<Result<Vec<&AnyArray>>>()?;
            let mut out = crate::kernels::dense::run(op, &blocks)?;
            Ok(if out.len() == 1 { Payload::Array(out.pop().expect("one part")) } else { Payload::Parts(out) })
        }
        TaskOp::Blockwise(b) => {
            let BlockwiseTask { op, args, shape, dtype, block, f } = &**b;
            let blocks = args.iter().map(|c| part_of(c, 0, inputs)).collect::<Result<Vec<&AnyArray>>>()?;
            let out = match f {
                Some(f) => f.call(&blocks, block)?,
                None => crate::kernels::blocks::run(op, &blocks, shape, *dtype)?,
            };
            if out.shape() != shape.as_slice() || out.dtype() != *dtype {
                return Err(Error::Internal(format!(
                    "{} gave a {:?} block of shape {:?}, not {dtype:?} {shape:?}",
                    op.name(),
                    out.dtype(),
                    out.shape()
                )));
            }
            Ok(Payload::Array(out))
        }
        TaskOp::Gather { axis, parts } => {
            let chunks: Vec<(&AnyArray, &[usize])> =
                parts.iter().map(|(c, local)| (chunk_of(c, inputs), local.as_slice())).collect();
            Ok(Payload::Array(AnyArray::gather(*axis, &chunks)))
        }
        TaskOp::ReshapeBlock { chunk, shape } => {
            let a = chunk_of(chunk, inputs);
            Ok(Payload::Array(dispatch!(AnyArray, a, x => {
                let std = x.as_standard_layout().into_owned();
                Element::wrap(std.into_shape_with_order(IxDyn(shape)).expect("blocks of equal size"))
            })))
        }
        TaskOp::AddBlocks { kernel } => {
            let parts: Vec<&AnyArray> = inputs
                .iter()
                .map(|p| match p {
                    Payload::Array(x) => x,
                    _ => unreachable!("partial products are arrays"),
                })
                .collect();
            Ok(Payload::Array(kernel.add(&parts)))
        }
        TaskOp::Assemble { dtype, shape, pieces } => Ok(Payload::Array(assemble(*dtype, shape, pieces, inputs))),
        TaskOp::Read { reader, offset, shape, .. } => {
            let a = reader.read(offset, shape)?;
            if a.shape() != &shape[..] {
                return Err(Error::Shape(format!("a reader gave a block of shape {:?}, not {shape:?}", a.shape())));
            }
            Ok(Payload::Array(a))
        }
        TaskOp::Overlap(o) => {
            let OverlapTask { f, block, dtype, ext_shape, fill, pieces, inner, shape } = &**o;
            let mut ext = match fill {
                Some(v) => AnyArray::filled(v, ext_shape),
                None => AnyArray::default_of(*dtype, ext_shape),
            };
            for p in pieces {
                ext.assign_stepped(&p.dst, chunk_of(&p.chunk, inputs), &p.src, &p.step, &p.shape);
            }
            let out = f.call(ext, block)?;
            if out.shape() != ext_shape.as_slice() {
                return Err(Error::Shape(format!(
                    "map_overlap function returned a block of shape {:?} for block {block:?} extended to {ext_shape:?}",
                    out.shape()
                )));
            }
            Ok(Payload::Array(out.window(inner, shape)))
        }
        TaskOp::FromValue { convert, shape } => match inputs[0] {
            Payload::Value(v) => convert(v, shape).map(Payload::Array),
            _ => unreachable!("from_delayed reads a delayed value"),
        },
        TaskOp::GroupCombine { reducer, axis, parts, shape } => {
            let mut acc: Option<Vec<AnyArray>> = None;
            for &(d, row) in parts {
                let Payload::Partial(p) = inputs[d] else { unreachable!("grouped partials") };
                let rows: Vec<AnyArray> = p
                    .iter()
                    .map(|a| {
                        let mut start = vec![0; a.shape().len()];
                        let mut shape = a.shape().to_vec();
                        start[*axis] = row;
                        shape[*axis] = 1;
                        a.window(&start, &shape)
                    })
                    .collect();
                match &mut acc {
                    Some(acc) => reducer.merge(acc, &rows),
                    None => acc = Some(rows),
                }
            }
            let acc = match acc {
                Some(acc) => acc,
                None if shape.contains(&0) => reducer.init(shape),
                None => return Err(Error::Internal(format!("group block of shape {shape:?} has no partials"))),
            };
            Ok(Payload::Array(reducer.finalize(acc)?))
        }
        TaskOp::Combine { reducer, reduced, finish } => {
            let mut parts = inputs.iter().map(|p| match p {
                Payload::Partial(v) => v,
                _ => unreachable!("combine inputs are partials"),
            });
            let mut acc = parts.next().expect("a combine has inputs").clone();
            for p in parts {
                reducer.merge(&mut acc, p);
            }
            Ok(match finish {
                Some(f) => Payload::Array(finalize(reducer.as_ref(), acc, reduced, *f)?),
                None => Payload::Partial(acc),
            })
        }
    }
}

/// The chunk a reference names: a dependency's output (a dense step's
/// first part) or a held chunk.
fn chunk_of<'a>(c: &'a ChunkRef, inputs: &[&'a Payload]) -> &'a AnyArray {
    part_of(c, 0, inputs).expect("chunk references name arrays")
}

/// Part `part` of a dense step's outputs (0 for any other chunk); a part
/// its task does not give (a corrupt graph spec) is an error.
fn part_of<'a>(c: &'a ChunkRef, part: usize, inputs: &[&'a Payload]) -> Result<&'a AnyArray> {
    match c {
        ChunkRef::Dep(d) => match inputs[*d] {
            Payload::Array(a) if part == 0 => Ok(a),
            Payload::Parts(p) if part < p.len() => Ok(&p[part]),
            _ => Err(Error::Internal(format!("a dense step reads part {part} of a task that does not give it"))),
        },
        ChunkRef::Held(a) if part == 0 => Ok(a),
        ChunkRef::Held(_) => Err(Error::Internal(format!("a dense step reads part {part} of a held chunk"))),
    }
}

/// Copies each piece's window of its chunk into a new block.
fn assemble(dtype: crate::dtype::DType, shape: &[usize], pieces: &[Piece], inputs: &[&Payload]) -> AnyArray {
    let mut out = AnyArray::default_of(dtype, shape);
    for p in pieces {
        out.assign_window(&p.dst, chunk_of(&p.chunk, inputs), &p.src, &p.shape);
    }
    out
}
