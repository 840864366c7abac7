//! A progress bar over tasks (indicatif): tasks done of total, elapsed
//! time and rate.

use crate::exec::{ExecStats, Observer, TaskEvent};
use indicatif::{ProgressDrawTarget, ProgressStyle, TermLike};
use std::sync::Mutex;

/// Shows computation progress on standard error.
///
/// Use it for one computation (`Config::default().progress(true)`) or for
/// every computation while a guard lives, like dask's `ProgressBar`:
///
/// ```
/// use darray::{diagnostics::ProgressBar, DArray};
/// let _guard = ProgressBar::new().register();
/// let s = DArray::<f64>::ones([1000], [10])?.sum().compute()?;
/// # Ok::<(), darray::Error>(())
/// ```
///
/// It draws only when standard error is a terminal, unless made with
/// [`forced`](ProgressBar::forced). Updating it costs an atomic increment
/// and a clock read per task.
pub struct ProgressBar {
    target: Mutex<Option<Box<dyn FnMut() -> ProgressDrawTarget + Send>>>,
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Default for ProgressBar {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressBar {
    /// Draws on standard error when it is a terminal.
    pub fn new() -> Self {
        Self::with_target(|| ProgressDrawTarget::stderr_with_hz(10))
    }
    /// Draws on standard error even when it is not a terminal.
    pub fn forced() -> Self {
        Self::with_target(|| ProgressDrawTarget::term_like_with_hz(Box::new(console::Term::stderr()), 10))
    }
    /// Draws on any terminal-like target (a new one per computation).
    pub fn to_term(make: impl Fn() -> Box<dyn TermLike> + Send + 'static) -> Self {
        Self::with_target(move || ProgressDrawTarget::term_like_with_hz(make(), 10))
    }
    fn with_target(make: impl FnMut() -> ProgressDrawTarget + Send + 'static) -> Self {
        ProgressBar { target: Mutex::new(Some(Box::new(make))), bar: Mutex::new(None) }
    }
    /// Registers the bar for every computation while the guard lives.
    pub fn register(self) -> crate::exec::ObserverGuard {
        crate::exec::register(std::sync::Arc::new(self))
    }
}

impl Observer for ProgressBar {
    fn on_start(&self, tasks: usize, _threads: usize) {
        let target = self.target.lock().unwrap_or_else(|e| e.into_inner()).as_mut().map(|f| f());
        let Some(target) = target else { return };
        let style = ProgressStyle::with_template("[{elapsed_precise}] {bar:40} {pos}/{len} tasks ({per_sec})")
            .expect("valid template");
        let bar = indicatif::ProgressBar::with_draw_target(Some(tasks as u64), target).with_style(style);
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }
    fn on_task_end(&self, _task: &TaskEvent<'_>, _bytes: usize) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            b.inc(1);
        }
    }
    fn on_end(&self, _stats: &ExecStats) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            b.finish();
        }
    }
}
