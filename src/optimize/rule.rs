//! What a rule is, and the plan the rules build.

use super::expr::Expr;
use crate::error::Result;
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

    pub(super) fn new(roots: Vec<Arc<Node>>, hold_bytes: usize) -> Result<PhysicalPlan> {
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

/// Nodes inputs first, and the distinct consumers of each.
type Collected = (Vec<Arc<Node>>, HashMap<u64, usize>);

/// Nodes reachable from `roots`, inputs first, deduplicated by token, and
/// the number of distinct consumers of each; a node standing for a build
/// error fails the plan.
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
