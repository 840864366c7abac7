//! The plainest executor: every task in graph order, one at a time, on the
//! calling thread. Its schedule is obvious, so it is the oracle the
//! threaded scheduler is tested against, and the reference for what an
//! executor must do (run each task once, dependencies first, free each
//! result at its last reader, stop at the first failure).

use super::task::{deliver, run_observed};
use super::{ExecOptions, ExecStats, Executor, Sink};
use crate::error::Result;
use crate::graph::{MemoryProjection, Payload, TaskGraph, TaskId};
use std::sync::Arc;

/// Runs tasks one by one in the graph's (topological) order.
///
/// ```
/// use darray::{exec::InOrder, Config, DArray};
/// use std::sync::Arc;
/// let x = DArray::<f64>::ones([100], [10])?;
/// let (s, stats) = x.sum().compute_with(&Config::default().executor(Arc::new(InOrder)))?;
/// assert_eq!(s[[]], 100.0);
/// assert_eq!(stats.tasks_run, 11);
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct InOrder;

/// Readers of each task, and whether it is an output.
fn uses(g: &TaskGraph, outputs: &[TaskId]) -> (Vec<u32>, Vec<bool>) {
    let mut uses = vec![0u32; g.tasks.len()];
    for t in &g.tasks {
        for &d in &t.deps {
            uses[d as usize] += 1;
        }
    }
    let mut is_output = vec![false; g.tasks.len()];
    for &o in outputs {
        is_output[o as usize] = true;
    }
    (uses, is_output)
}

impl Executor for InOrder {
    fn name(&self) -> &str {
        "in-order"
    }

    fn project(&self, g: &TaskGraph, _outputs: &[TaskId], opts: &ExecOptions) -> MemoryProjection {
        // Exact for this schedule: results live from their task to their
        // last reader; one task is built at a time.
        let (mut uses, _) = uses(g, &[]);
        let (mut held, mut peak, mut largest) = (0u64, 0u64, 0u64);
        for (i, t) in g.tasks.iter().enumerate() {
            largest = largest.max(t.est_bytes);
            for &d in &t.deps {
                uses[d as usize] -= 1;
                if uses[d as usize] == 0 {
                    held -= g.tasks[d as usize].est_bytes;
                }
            }
            if uses[i] > 0 {
                held += t.est_bytes;
                peak = peak.max(held);
            }
        }
        let result = opts.result_bytes;
        MemoryProjection { held: peak, in_flight: largest, result, peak: peak + largest + result, threads: 1 }
    }

    fn execute(&self, g: &TaskGraph, outputs: &[TaskId], opts: &ExecOptions, sink: &Sink<'_>) -> Result<ExecStats> {
        let memory = self.project(g, outputs, opts);
        super::memory::check(&memory, opts.memory_limit)?;
        let n = g.tasks.len();
        let (mut uses, is_output) = uses(g, outputs);
        let mut slots: Vec<Option<Arc<Payload>>> = vec![None; n];
        let mut stats = ExecStats { memory, ..ExecStats::default() };
        let (mut held, mut chunks, mut bytes) = (0usize, 0usize, 0usize);
        for o in &opts.observers {
            o.on_start(n, 1);
        }
        let result = (|| -> Result<()> {
            for (i, task) in g.tasks.iter().enumerate() {
                let t = i as TaskId;
                let out = {
                    let inputs: Vec<&Payload> = task
                        .deps
                        .iter()
                        .map(|&d| {
                            &**slots[d as usize].as_ref().expect("a dependency's result is held until its readers run")
                        })
                        .collect();
                    Arc::new(run_observed(task, t, &inputs, &opts.observers, 0)?)
                };
                stats.tasks_run += 1;
                for &d in &task.deps {
                    uses[d as usize] -= 1;
                    if uses[d as usize] == 0 {
                        if let Some(p) = slots[d as usize].take() {
                            held -= 1;
                            bytes -= p.nbytes();
                            chunks -= p.is_chunk() as usize;
                        }
                    }
                }
                if uses[i] == 0 {
                    // Nobody else reads it: handed over whole.
                    if is_output[i] {
                        deliver(sink, task, t, out)?;
                    }
                    continue;
                }
                if is_output[i] {
                    deliver(sink, task, t, out.clone())?;
                }
                {
                    held += 1;
                    bytes += out.nbytes();
                    chunks += out.is_chunk() as usize;
                    stats.peak_results_held = stats.peak_results_held.max(held);
                    stats.peak_bytes_held = stats.peak_bytes_held.max(bytes);
                    stats.peak_chunks_held = stats.peak_chunks_held.max(chunks);
                    slots[i] = Some(out);
                }
            }
            Ok(())
        })();
        for o in &opts.observers {
            o.on_end(&stats);
        }
        result.map(|()| stats)
    }
}
