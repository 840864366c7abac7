//! The optimizer: rules behind one trait, run by one driver.
//!
//! A rule works at one or more of three stages, each a method of [`Rule`]:
//!
//! 1. **rewrite**: expression nodes to equivalent expression nodes, applied
//!    bottom-up over the DAG until no rule changes anything (polars'
//!    `OptimizationRule`, dask's `RewriteRule`). Built in: the variance of
//!    an anomaly in one pass (`anomaly_var.rs`), the layout of grouped
//!    reductions (`group_layout.rs`) and rechunk planning
//!    (`rechunk_plan.rs`); user rules (`Config::rule`) run first.
//! 2. **plan**: decisions over the rewritten DAG, recorded in the
//!    [`PhysicalPlan`], repeated until none changes it: fusion
//!    (`fuse.rs`: which nodes become tasks of their own) and
//!    materialisation (`materialise.rs`: what block-moving operations need
//!    held).
//! 3. **graph**: passes over the lowered task graph: holding a file's blocks
//!    or reading them again (`reread.rs`), then culling what no output
//!    needs (`cull.rs`).
//!
//! Lowering, between stages 2 and 3, is mechanical (`crate::lower`): plan
//! in, tasks out. Common sub-expressions need no pass: equal tokens are one
//! node.

mod anomaly_var;
mod cull;
mod expr;
mod fuse;
mod group_layout;
mod materialise;
mod rechunk_plan;
pub(crate) mod reread;
mod rewrite;
mod rule;

pub use expr::Expr;
pub use rule::{PhysicalPlan, Rule};

use crate::error::{Error, Result};
use crate::expr::Node;
use crate::graph::TaskGraph;
use std::sync::Arc;

/// The rules of one computation, in the order they run, and their gates.
#[derive(Clone)]
pub struct Optimizer {
    rules: Vec<Arc<dyn Rule>>,
    hold_bytes: usize,
}

/// Most rounds of the plan stage before the driver reports rules that do
/// not settle (each built-in round only grows the forced set).
const MAX_PLAN_ROUNDS: usize = 64;

impl Optimizer {
    /// The built-in rules followed by `user` rules' rewrites first, without
    /// the rules named in `disabled`; `fuse: false` leaves fusion out.
    pub(crate) fn new(user: &[Arc<dyn Rule>], disabled: &[String], fuse: bool, hold_bytes: usize) -> Result<Self> {
        let builtin: Vec<Arc<dyn Rule>> = vec![
            Arc::new(anomaly_var::AnomalyVar),
            Arc::new(group_layout::GroupLayoutRule),
            Arc::new(rechunk_plan::RechunkPlan),
            Arc::new(fuse::Fusion),
            Arc::new(materialise::Materialise),
            Arc::new(reread::Reread),
            Arc::new(cull::Cull),
        ];
        for d in disabled {
            if REQUIRED.contains(&d.as_str()) {
                return Err(Error::Invalid(format!("rule {d:?} cannot be disabled: the plan is not valid without it")));
            }
            if !builtin.iter().chain(user).any(|r| r.name() == d) {
                let names: Vec<&str> = builtin.iter().chain(user).map(|r| r.name()).collect();
                return Err(Error::Invalid(format!("no rule named {d:?}; the rules are {names:?}")));
            }
        }
        let on = |r: &Arc<dyn Rule>| !disabled.iter().any(|d| d == r.name()) && (fuse || r.name() != "fuse");
        let rules = user.iter().chain(&builtin).filter(|r| on(r)).cloned().collect();
        Ok(Optimizer { rules, hold_bytes })
    }

    /// Names of the rules that run, in order.
    pub fn rule_names(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.name()).collect()
    }

    /// Stages 1 and 2: the rewritten expression and its plan.
    pub(crate) fn plan(&self, roots: &[Arc<Node>]) -> Result<PhysicalPlan> {
        let roots = rewrite::rewrite(roots, &self.rules)?;
        let mut p = PhysicalPlan::new(roots, self.hold_bytes)?;
        for round in 0.. {
            let mut changed = false;
            for r in &self.rules {
                changed |= r.plan(&mut p)?;
            }
            if !changed {
                break;
            }
            if round == MAX_PLAN_ROUNDS {
                return Err(Error::Internal(format!("the plan rules {:?} do not settle", self.rule_names())));
            }
        }
        Ok(p)
    }

    /// Stage 3: the passes over the lowered graph.
    pub(crate) fn graph(&self, g: &mut TaskGraph, p: &PhysicalPlan) -> Result<()> {
        for r in &self.rules {
            r.graph(g, p)?;
        }
        Ok(())
    }
}

/// Rules the plan is not valid without.
const REQUIRED: [&str; 2] = ["group-layout", "materialise"];
