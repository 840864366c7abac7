//! The optimizer: rules behind one trait, run by one driver.
//!
//! A rule works at one or more of three stages, each a method of [`Rule`]:
//!
//! 1. **rewrite**: expression nodes to equivalent expression nodes, applied
//!    bottom-up over the DAG until no rule changes anything (polars'
//!    `OptimizationRule`, dask's `RewriteRule`). Built in: the layout of
//!    grouped reductions (`group_layout.rs`) and rechunk planning
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

mod cull;
mod expr;
mod fuse;
mod group_layout;
mod materialise;
mod rechunk_plan;
pub(crate) mod reread;
mod rewrite;

pub use expr::Expr;

use crate::error::{Error, Result};
use crate::expr::Node;
use crate::graph::TaskGraph;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// An optimizer rule. Every method has a default that changes nothing, so
/// a rule implements only the stages it works at. A user rule usually
/// implements [`Rule::rewrite`] only:
///
/// ```
/// use darray::optimize::{Expr, Rule};
/// use darray::{Config, DArray};
/// use std::sync::Arc;
///
/// /// Counts the nodes it sees (a rule that rewrites nothing).
/// struct Count(std::sync::atomic::AtomicUsize);
/// impl Rule for Count {
///     fn name(&self) -> &str { "count" }
///     fn rewrite(&self, _e: &Expr) -> darray::Result<Option<Expr>> {
///         self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         Ok(None)
///     }
/// }
/// let rule = Arc::new(Count(Default::default()));
/// let x = DArray::<f64>::ones([4], [2])?;
/// let y = (&x + 1.0).compute_with(&Config::default().rule(rule.clone()))?.0;
/// assert_eq!(y[[0]], 2.0);
/// assert!(rule.0.load(std::sync::atomic::Ordering::Relaxed) >= 2);
/// # Ok::<(), darray::Error>(())
/// ```
pub trait Rule: Send + Sync {
    /// The rule's name: how `Config::without_rule` finds it.
    fn name(&self) -> &str;
    /// A replacement for `e` (whose inputs are already rewritten) that
    /// computes the same values, or `None` to leave it. The replacement
    /// is rewritten again, so a rule must not undo another's work.
    fn rewrite(&self, _e: &Expr) -> Result<Option<Expr>> {
        Ok(None)
    }
    /// Refines the plan; returns whether it changed anything (the driver
    /// repeats the plan stage until no rule does).
    #[doc(hidden)]
    fn plan(&self, _p: &mut PhysicalPlan) -> Result<bool> {
        Ok(false)
    }
    /// Rewrites the lowered task graph.
    #[doc(hidden)]
    fn graph(&self, _g: &mut TaskGraph, _p: &PhysicalPlan) -> Result<()> {
        Ok(())
    }
}

/// The optimized expression and the decisions made over it: what the
/// lowering turns into tasks.
pub struct PhysicalPlan {
    /// The roots, rewritten.
    pub(crate) roots: Vec<Arc<Node>>,
    /// Every node below the roots, inputs first, once each.
    pub(crate) order: Vec<Arc<Node>>,
    /// Distinct consumers of each node (by token).
    pub(crate) consumers: HashMap<u64, usize>,
    /// Nodes that become tasks of their own (the others are inlined into
    /// their consumers' fused programs). Without the fusion rule: all.
    pub(crate) materialised: HashSet<u64>,
    /// Nodes a rule requires to be materialised.
    pub(crate) forced: HashSet<u64>,
    /// Materialised rechunks that are views over sources (they fill any
    /// window, so they move no blocks).
    pub(crate) views: HashSet<u64>,
    /// The re-read budget (`Config::hold_bytes`).
    pub(crate) hold_bytes: usize,
}

impl PhysicalPlan {
    /// Operations in the plan (distinct nodes).
    pub fn nodes(&self) -> usize {
        self.order.len()
    }
    /// Nodes that become tasks of their own.
    pub fn groups(&self) -> usize {
        self.materialised.len()
    }

    fn new(roots: Vec<Arc<Node>>, hold_bytes: usize) -> Result<PhysicalPlan> {
        let (order, consumers) = collect(&roots)?;
        let materialised = order.iter().map(|n| n.token).collect();
        Ok(PhysicalPlan {
            roots,
            order,
            consumers,
            materialised,
            forced: HashSet::new(),
            views: HashSet::new(),
            hold_bytes,
        })
    }
}

/// Nodes reachable from `roots`, inputs first, deduplicated by token, and
/// the number of distinct consumers of each; a node standing for a build
/// error fails the plan.
fn collect(roots: &[Arc<Node>]) -> Result<(Vec<Arc<Node>>, HashMap<u64, usize>)> {
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
