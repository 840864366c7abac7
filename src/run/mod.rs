//! One run of a computation, whatever its roots: optimize and lower them
//! as the configuration says, execute the graph on the configured executor,
//! and hand each root's blocks to a sink. `compute`, `persist`,
//! `for_each_block`, `compute_all` and delayed values all run through here.

mod config;

pub use config::{Config, HoldBytes};

use crate::dtype::AnyArray;
use crate::error::Result;
use crate::exec::{ExecOptions, ExecStats};
use crate::expr::{DNode, Node};
use crate::graph::{BlockRef, Output, Payload, TaskGraph, TaskId};
use crate::lower::{block_tasks, lower, lower_delayed, LowerOptions};
use crate::optimize::{Optimizer, PhysicalPlan};
use std::collections::HashMap;
use std::sync::Arc;

/// What a computation computes.
#[derive(Clone, Copy)]
pub(crate) enum Roots<'a> {
    /// Arrays: each root's blocks, in row-major grid order.
    Arrays(&'a [Arc<Node>]),
    /// Delayed values: one block each.
    Delayed(&'a [Arc<DNode>]),
}

/// A block handed to a sink: a task's result (whole when nothing else
/// holds it) or a chunk that was already held (`persist`).
pub(crate) enum Block<'a> {
    Computed(Arc<Payload>),
    Held(&'a Arc<AnyArray>),
}

/// Receives a block with the (root, block) positions it fills, on the
/// worker that made it. An error stops the computation.
pub(crate) type OutputSink<'a> = dyn Fn(&[(usize, usize)], Block<'_>) -> Result<()> + Sync + 'a;

/// The memory limit in force, resolved; on several ranks the least of
/// theirs, so every rank plans alike (the re-read budget follows it).
fn memory_limit(cfg: &Config) -> Result<Option<u64>> {
    let limit = cfg.memory_limit.resolve();
    let agreed = cfg.executor.agree_min(limit.unwrap_or(u64::MAX))?;
    Ok((agreed != u64::MAX).then_some(agreed))
}

/// The optimizer a configuration asks for: its rules, gated by its flags,
/// its re-read budget under the memory limit `memory_limit` (resolved).
fn optimizer(cfg: &Config, memory_limit: Option<u64>) -> Result<Optimizer> {
    Optimizer::new(&cfg.rules, &cfg.disabled_rules, cfg.optimize, cfg.hold_bytes.resolve(memory_limit))
}

/// The tasks of an optimized plan: lowered, then the graph passes.
fn lower_plan(opt: &Optimizer, plan: &PhysicalPlan, memory_limit: Option<u64>) -> Result<TaskGraph> {
    let mut g = lower(plan, LowerOptions { memory_limit })?;
    opt.graph(&mut g, plan)?;
    Ok(g)
}

/// The task graph of `roots`: optimized (rewrite and plan), lowered, then
/// the graph passes.
pub(crate) fn graph(roots: Roots<'_>, cfg: &Config, memory_limit: Option<u64>) -> Result<TaskGraph> {
    match roots {
        Roots::Arrays(r) => {
            let opt = optimizer(cfg, memory_limit)?;
            let plan = opt.plan(r)?;
            lower_plan(&opt, &plan, memory_limit)
        }
        Roots::Delayed(r) => {
            // Arrays whose blocks are delayed values run first, in the same graph.
            let arrays = DNode::arrays(r);
            let (mut tasks, blocks) = if arrays.is_empty() {
                (vec![], HashMap::new())
            } else {
                let opt = optimizer(cfg, memory_limit)?;
                let plan = opt.plan(&arrays)?;
                let g = lower_plan(&opt, &plan, memory_limit)?;
                let blocks = arrays.iter().zip(g.outputs).map(|(a, o)| (a.token, o.blocks)).collect();
                (g.tasks, blocks)
            };
            let ids = lower_delayed(r, &mut tasks, &mut HashMap::new(), &blocks);
            let outputs = ids.into_iter().map(|t| Output { blocks: vec![BlockRef::Task(t)] }).collect();
            Ok(TaskGraph { tasks, outputs })
        }
    }
}

/// What the executor is told: threads, observers (the configuration's and
/// the registered ones), the limit and the result's size.
pub(crate) fn exec_options(cfg: &Config, memory_limit: Option<u64>, result_bytes: u64) -> ExecOptions {
    ExecOptions {
        threads: cfg.threads,
        observers: cfg.observers.iter().cloned().chain(crate::exec::observe::global_observers()).collect(),
        memory_limit,
        result_bytes,
    }
}

/// Lowers and runs `roots` together (shared work runs once), handing every
/// block to `sink`; `result_bytes` is what the caller assembles, for the
/// memory plan.
pub(crate) fn run(roots: Roots<'_>, cfg: &Config, result_bytes: u64, sink: &OutputSink<'_>) -> Result<ExecStats> {
    let limit = memory_limit(cfg)?;
    let g = graph(roots, cfg, limit)?;
    // Output task -> the (root, block) positions it fills.
    let mut wanted: HashMap<TaskId, Vec<(usize, usize)>> = HashMap::new();
    for (r, out) in g.outputs.iter().enumerate() {
        for (b, br) in out.blocks.iter().enumerate() {
            if let BlockRef::Task(t) = br {
                wanted.entry(*t).or_default().push((r, b));
            }
        }
    }
    let outputs = g.output_tasks();
    let opts = exec_options(cfg, limit, result_bytes);
    let stats = cfg.executor.execute(&g, &outputs, &opts, &|t, p| sink(&wanted[&t], Block::Computed(p)))?;
    // Held chunks were never tasks: handed over once the run succeeded.
    for (r, out) in g.outputs.iter().enumerate() {
        for (b, br) in out.blocks.iter().enumerate() {
            if let BlockRef::Held(a) = br {
                sink(&[(r, b)], Block::Held(a))?;
            }
        }
    }
    Ok(stats)
}

/// The optimizer's plan for `roots` and, for graphs of at most
/// `Plan::PROJECT_TASKS` block tasks, the executor's memory projection.
pub(crate) fn explain(roots: &[Arc<Node>], cfg: &Config, result_bytes: u64) -> Result<crate::graph::Plan> {
    let limit = memory_limit(cfg)?;
    let opt = optimizer(cfg, limit)?;
    let plan = opt.plan(roots)?;
    let tasks = block_tasks(&plan);
    let mut p = crate::graph::Plan {
        nodes: plan.nodes(),
        groups: plan.groups(),
        block_tasks: tasks,
        memory: None,
        hold_bytes: plan.hold_bytes as u64,
        reread_blocks: None,
    };
    if tasks <= crate::graph::Plan::PROJECT_TASKS {
        let g = lower_plan(&opt, &plan, limit)?;
        p.reread_blocks = Some(g.reread_blocks());
        let opts = exec_options(cfg, limit, result_bytes);
        p.memory = Some(cfg.executor.project(&g, &g.output_tasks(), &opts));
    }
    Ok(p)
}
