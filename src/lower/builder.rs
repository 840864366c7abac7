//! Collecting a fusion group into a `Program`: elementwise steps, views
//! folded into leaf maps, and leaves (sources, arrays, other nodes' chunks).

use crate::dtype::DType;
use crate::expr::{AxisSel, Node, NodeKind};
use crate::program::{AxisMap, Instr, LeafDef, Program, Terminal};
use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::Arc;

/// Collects a fusion group into a program.
pub(super) struct ProgramBuilder<'a> {
    /// The nodes that are tasks of their own: leaves of the program.
    materialised: &'a HashSet<u64>,
    leaves: Vec<LeafDef>,
    leaf_dtypes: Vec<DType>,
    chunk_leaves: Vec<ChunkLeaf>,
    steps: Vec<(Arc<dyn crate::kernels::Kernel>, Vec<Val>)>,
    memo: HashMap<(u64, Vec<AxisMap>), Val>,
    fused: Vec<String>,
}

/// A chunk leaf: its position among the leaves, its node, and its map.
pub(super) type ChunkLeaf = (usize, Arc<Node>, Vec<AxisMap>);

/// A value while building: leaves and steps are numbered separately because
/// they are discovered interleaved; `finish` numbers them leaves first.
#[derive(Clone, Copy)]
pub(super) enum Val {
    Leaf(usize),
    Step(usize),
}

impl<'a> ProgramBuilder<'a> {
    pub(super) fn new(materialised: &'a HashSet<u64>) -> Self {
        ProgramBuilder {
            materialised,
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
    pub(super) fn value(&mut self, n: &Arc<Node>, inline: bool, map: &[AxisMap]) -> Val {
        let memo_key = (n.token, map.to_vec());
        if let Some(&v) = self.memo.get(&memo_key) {
            return v;
        }
        let map = map.to_vec();
        let v = if self.materialised.contains(&n.token) && !inline {
            self.leaf(n, LeafDef::Chunk { map })
        } else {
            match &n.kind {
                NodeKind::Source(src) => {
                    self.leaf(n, LeafDef::Source { src: src.clone(), shape: n.shape.clone(), map })
                }
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
    pub(super) fn finish(
        self,
        out: Val,
        domain: &Node,
        terminal: Terminal,
        terminal_name: &str,
    ) -> (Program, Vec<ChunkLeaf>) {
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
