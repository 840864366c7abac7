//! Materialisation: operations that move whole blocks (a rechunk of held
//! chunks, concatenate, products, dense steps, take, reshape, overlap) read their
//! inputs' blocks, so those inputs must be tasks of their own. Forcing one
//! can turn a rechunk planned as a view over a source into one over held
//! chunks, which then needs its input held too: the driver repeats fusion
//! and this rule until the plan is stable (the forced set only grows, so
//! it ends).

use super::rule::{PhysicalPlan, Rule};
use crate::error::Result;
use crate::expr::NodeKind;
use std::collections::HashSet;

pub(super) struct Materialise;

impl Rule for Materialise {
    fn name(&self) -> &str {
        "materialise"
    }
    fn plan(&self, p: &mut PhysicalPlan) -> Result<bool> {
        let mut needed = HashSet::new();
        for n in &p.order {
            let moves_blocks = match &n.kind {
                NodeKind::Rechunk { .. } => p.materialised.contains(&n.token) && !p.views.contains(&n.token),
                NodeKind::Concat { .. }
                | NodeKind::Contract { .. }
                | NodeKind::Dense { .. }
                | NodeKind::Blockwise { .. }
                | NodeKind::Take { .. }
                | NodeKind::Reshape { .. }
                | NodeKind::Overlap { .. } => true,
                _ => false,
            };
            if moves_blocks {
                needed.extend(n.inputs().iter().map(|i| i.token));
            }
        }
        if needed.is_subset(&p.materialised) {
            return Ok(false);
        }
        let grown = p.forced.len();
        p.forced.extend(needed);
        p.forced.extend(p.materialised.iter().copied());
        Ok(p.forced.len() > grown)
    }
}
