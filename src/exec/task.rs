//! Running one task as every executor does: observers told, panics and
//! errors turned into errors naming the task, results handed to the sink.

use super::observe::{Observer, TaskEvent};
use super::run::run_task;
use super::Sink;
use crate::error::{Error, Result};
use crate::graph::{Payload, Task, TaskId};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Runs task `t` on its inputs, telling the observers; a panic or an error
/// becomes an error naming the task.
pub(crate) fn run_observed(
    task: &Task,
    t: TaskId,
    inputs: &[&Payload],
    observers: &[Arc<dyn Observer>],
    thread: usize,
) -> Result<Payload> {
    let event = TaskEvent { index: t as usize, key: &task.key, thread };
    for o in observers {
        o.on_task_start(&event);
    }
    let result = catch_unwind(AssertUnwindSafe(|| run_task(task, inputs)));
    if !observers.is_empty() {
        let bytes = result.as_ref().map_or(0, |r| r.as_ref().map_or(0, Payload::nbytes));
        for o in observers {
            o.on_task_end(&event, bytes);
        }
    }
    match result {
        Ok(Ok(p)) => Ok(p),
        Ok(Err(e)) => Err(Error::TaskFailed { task: task.key.to_string(), source: Box::new(e) }),
        Err(p) => Err(Error::TaskPanicked { task: task.key.to_string(), message: panic_message(p) }),
    }
}

/// Hands an output's result to the sink; its failure names the task.
pub(crate) fn deliver(sink: &Sink<'_>, task: &Task, t: TaskId, p: Arc<Payload>) -> Result<()> {
    match catch_unwind(AssertUnwindSafe(|| sink(t, p))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Error::TaskFailed { task: task.key.to_string(), source: Box::new(e) }),
        Err(p) => Err(Error::TaskPanicked { task: task.key.to_string(), message: panic_message(p) }),
    }
}
