//! A fused program: the elementwise sub-DAG of a fusion group as SSA steps
//! over tile registers, plus what to do with the result (store the chunk,
//! hand it to a user function, or fold it into a reduction partial). The
//! IR and its interpreter (`interp.rs`, with the leaf loaders of `load.rs`)
//! live together, below the task graph that carries programs and the
//! scheduler that runs them.

mod interp;
pub(crate) mod load;

pub(crate) use interp::{finalize, run, BlockCall, Produced};

use crate::dtype::AnyArray;
use crate::dtype::DType;
use crate::kernels::{Kernel, Reducer, Source};
use crate::ops::BlockFn;
use std::sync::Arc;

/// How one axis of a leaf follows the fusion group's domain: the leaf
/// coordinate is `base + step * x[dom]` for domain coordinate `x`, or just
/// `base` without `dom` (a broadcast or indexed-away axis). Broadcasting,
/// transposes and strided slices all compose into these maps, so a fused
/// program reads every leaf in place, whatever view of it the expression
/// takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) struct AxisMap {
    pub dom: Option<usize>,
    pub step: isize,
    pub base: isize,
}

impl AxisMap {
    /// The domain axis itself.
    pub(crate) fn identity(nd: usize) -> Vec<AxisMap> {
        (0..nd).map(|d| AxisMap { dom: Some(d), step: 1, base: 0 }).collect()
    }
    /// A fixed coordinate.
    pub(crate) fn fixed(c: usize) -> AxisMap {
        AxisMap { dom: None, step: 0, base: c as isize }
    }
    /// The leaf coordinate at the block's first element.
    pub(crate) fn first(&self, offset: &[usize]) -> isize {
        match self.dom {
            Some(d) => self.base + self.step * offset[d] as isize,
            None => self.base,
        }
    }
    /// Lowest and highest leaf coordinates over a block.
    pub(crate) fn span(&self, offset: &[usize], shape: &[usize]) -> (isize, isize) {
        let a = self.first(offset);
        let b = match self.dom {
            Some(d) => a + self.step * (shape[d].max(1) as isize - 1),
            None => a,
        };
        (a.min(b), a.max(b))
    }
}

/// Where a leaf's values come from; `map` places it in the domain.
pub(crate) enum LeafDef {
    /// Generated from global indices of the source's array (of `shape`).
    Source { src: Arc<dyn Source>, shape: Vec<usize>, map: Vec<AxisMap> },
    /// A window of an in-memory array.
    Array { arr: Arc<AnyArray>, map: Vec<AxisMap> },
    /// A chunk of another node, bound per task.
    Chunk { map: Vec<AxisMap> },
}

impl LeafDef {
    /// A source with one value everywhere.
    pub(crate) fn is_constant(&self) -> bool {
        matches!(self, LeafDef::Source { src, .. } if src.is_constant())
    }
    pub(crate) fn map(&self) -> &[AxisMap] {
        match self {
            LeafDef::Source { map, .. } | LeafDef::Array { map, .. } | LeafDef::Chunk { map, .. } => map,
        }
    }
}

/// One step: value `leaves.len() + i` is `kernel(args)`.
pub(crate) struct Instr {
    pub kernel: Arc<dyn Kernel>,
    pub args: Vec<usize>,
}

/// What the program's result feeds.
pub(crate) enum Terminal {
    /// Store the block as a chunk.
    Store,
    /// Materialise the block, then run a user function on it.
    MapBlocks(Arc<dyn BlockFn>),
    /// Fold into a reduction partial; `reduced[a]` marks reduced axes.
    /// With `finish`, the partial is final: finalise and drop axes.
    Partial { reducer: Arc<dyn Reducer>, reduced: Vec<bool>, finish: Option<Finish> },
}

/// Finalising a reduction block: whether reduced axes stay as length 1.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Finish {
    pub keepdims: bool,
}

/// A fusion group compiled once and run for each of its blocks.
pub(crate) struct Program {
    pub leaves: Vec<LeafDef>,
    pub leaf_dtypes: Vec<DType>,
    pub instrs: Vec<Instr>,
    /// The value the terminal consumes.
    pub out: usize,
    pub out_dtype: DType,
    /// Full shape of the group's output (the domain every leaf broadcasts to).
    pub shape: Vec<usize>,
    pub terminal: Terminal,
    /// Physical register of each value, and the registers' element types.
    pub reg_of: Vec<usize>,
    pub reg_dtypes: Vec<DType>,
    /// Values that are the same in every tile (constant leaves and steps
    /// over them only): computed once per task, before the tile loop, in
    /// registers of their own.
    pub invariant: Vec<bool>,
    /// Names of the operations fused here, in order (for inspection).
    pub fused: Vec<String>,
}

impl Program {
    pub(crate) fn new(
        leaves: Vec<LeafDef>,
        leaf_dtypes: Vec<DType>,
        instrs: Vec<Instr>,
        out: usize,
        shape: Vec<usize>,
        terminal: Terminal,
        fused: Vec<String>,
    ) -> Program {
        let nvals = leaves.len() + instrs.len();
        let dtype_of =
            |v: usize| if v < leaves.len() { leaf_dtypes[v] } else { instrs[v - leaves.len()].kernel.out_dtype() };
        // Last use of each value, then a linear scan reusing dead registers
        // of the same type, so a long chain needs only a few tiles of cache.
        let mut last_use = vec![0usize; nvals];
        for (i, ins) in instrs.iter().enumerate() {
            for &a in &ins.args {
                last_use[a] = last_use[a].max(leaves.len() + i);
            }
        }
        last_use[out] = usize::MAX;
        let mut invariant: Vec<bool> = leaves.iter().map(LeafDef::is_constant).collect();
        for ins in &instrs {
            invariant.push(ins.args.iter().all(|&a| invariant[a]));
        }
        let mut reg_of = vec![usize::MAX; nvals];
        let mut reg_dtypes: Vec<DType> = vec![];
        let mut free: Vec<usize> = vec![];
        for v in 0..nvals {
            let dt = dtype_of(v);
            let shared = if invariant[v] { None } else { free.iter().position(|&r| reg_dtypes[r] == dt) };
            let r = match shared {
                Some(i) => free.swap_remove(i),
                None => {
                    reg_dtypes.push(dt);
                    reg_dtypes.len() - 1
                }
            };
            reg_of[v] = r;
            // Free args dying here only after the output has its register:
            // a kernel never writes a register it reads.
            if v >= leaves.len() {
                for &a in &instrs[v - leaves.len()].args {
                    if last_use[a] == v && !invariant[a] && !free.contains(&reg_of[a]) {
                        free.push(reg_of[a]);
                    }
                }
            } else if last_use[v] == 0 && v != out && !invariant[v] {
                free.push(r);
            }
        }
        let out_dtype = dtype_of(out);
        Program { leaves, leaf_dtypes, instrs, out, out_dtype, shape, terminal, reg_of, reg_dtypes, invariant, fused }
    }
}

/// How a block's positions along `axis` fold into accumulator rows (one
/// row per group present in the block; `SKIP` for positions in no group).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct GroupRows {
    pub axis: usize,
    pub row_of: Vec<u32>,
    pub rows: usize,
}

impl GroupRows {
    pub(crate) const SKIP: u32 = u32::MAX;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::elementwise::kernel_for;
    use crate::kernels::source::source_for;
    use crate::ops::{BinaryOp, ElemOp, Scalar, SourceOp, UnaryOp};
    use proptest::prelude::*;

    /// A program over `chunk` chunk leaves and `constant` constant leaves
    /// (f64), with `steps` as (unary?, args), its output the last value.
    fn program(chunk: usize, constant: usize, steps: &[(bool, usize, usize)]) -> Program {
        let shape = vec![8];
        let mut leaves = vec![];
        for _ in 0..chunk {
            leaves.push(LeafDef::Chunk { map: AxisMap::identity(1) });
        }
        for _ in 0..constant {
            let src = source_for(&SourceOp::Const(Scalar::F64(2.0)), DType::F64, &shape).expect("a constant");
            leaves.push(LeafDef::Source { src, shape: shape.clone(), map: AxisMap::identity(1) });
        }
        let nl = leaves.len();
        let instrs: Vec<Instr> = steps
            .iter()
            .enumerate()
            .map(|(i, &(unary, a, b))| {
                let n = nl + i;
                if unary {
                    Instr {
                        kernel: kernel_for(&ElemOp::Unary(UnaryOp::Neg), &[DType::F64]).unwrap(),
                        args: vec![a % n],
                    }
                } else {
                    let k = kernel_for(&ElemOp::Binary(BinaryOp::Add), &[DType::F64, DType::F64]).unwrap();
                    Instr { kernel: k, args: vec![a % n, b % n] }
                }
            })
            .collect();
        let out = nl + instrs.len() - 1;
        Program::new(leaves, vec![DType::F64; nl], instrs, out, shape, Terminal::Store, vec![])
    }

    #[test]
    fn a_long_chain_needs_few_registers() {
        let steps: Vec<(bool, usize, usize)> = (0..20).map(|i| (i % 2 == 0, i + 1, i)).collect();
        // Each step reads the value just before it (and one before that).
        let p = program(2, 0, &steps);
        assert!(p.reg_dtypes.len() <= 4, "{} registers for a chain", p.reg_dtypes.len());
    }

    proptest! {
        #[test]
        fn registers_never_clash(
            chunk in 1usize..4,
            constant in 0usize..3,
            steps in proptest::collection::vec((any::<bool>(), any::<usize>(), any::<usize>()), 1..24),
        ) {
            let p = program(chunk, constant, &steps);
            let nl = p.leaves.len();
            let n = nl + p.instrs.len();
            // Last use of each value (the output lives to the end).
            let mut last = vec![0usize; n];
            for (i, ins) in p.instrs.iter().enumerate() {
                for &a in &ins.args {
                    last[a] = last[a].max(nl + i);
                }
            }
            last[p.out] = usize::MAX;
            for (i, ins) in p.instrs.iter().enumerate() {
                let v = nl + i;
                // A kernel never writes a register it reads.
                for &a in &ins.args {
                    prop_assert_ne!(p.reg_of[v], p.reg_of[a], "step {} writes its input {}'s register", v, a);
                }
            }
            for (a, &last_a) in last.iter().enumerate() {
                prop_assert_eq!(p.reg_dtypes[p.reg_of[a]], DType::F64);
                for b in a + 1..n {
                    // b is made while a is still to be read: they clash.
                    let overlap = last_a >= b && (last_a > 0 || a == p.out);
                    if overlap || p.invariant[a] || p.invariant[b] {
                        prop_assert_ne!(p.reg_of[a], p.reg_of[b], "values {} and {} share a register", a, b);
                    }
                }
            }
            // Invariant: constant leaves and steps over them only.
            for v in 0..n {
                let expect = if v < nl { v >= chunk } else { p.instrs[v - nl].args.iter().all(|&a| p.invariant[a]) };
                prop_assert_eq!(p.invariant[v], expect);
            }
        }
    }
}
