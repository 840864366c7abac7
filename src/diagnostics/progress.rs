//! A progress bar over tasks (indicatif): tasks done of total, elapsed
//! time and rate.

use crate::exec::{ExecStats, Observer, TaskEvent};
use indicatif::{ProgressDrawTarget, ProgressStyle, TermLike};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
/// [`forced`](ProgressBar::forced). A task only increments a counter; a
/// ticker thread moves the bar ten times a second.
pub struct ProgressBar {
    target: Mutex<Option<Box<dyn FnMut() -> ProgressDrawTarget + Send>>>,
    bar: Mutex<Option<(indicatif::ProgressBar, std::thread::JoinHandle<()>)>>,
    done: Arc<Counts>,
    running: Arc<AtomicBool>,
}

/// Tasks done, counted per worker thread on separate cache lines so that
/// threads never contend on one counter.
#[derive(Default)]
struct Counts([Padded; 16]);

#[derive(Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

impl Counts {
    fn add(&self, thread: usize) {
        self.0[thread % 16].0.fetch_add(1, Ordering::Relaxed);
    }
    fn total(&self) -> u64 {
        self.0.iter().map(|p| p.0.load(Ordering::Relaxed)).sum()
    }
    fn reset(&self) {
        self.0.iter().for_each(|p| p.0.store(0, Ordering::SeqCst));
    }
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
        ProgressBar {
            target: Mutex::new(Some(Box::new(make))),
            bar: Mutex::new(None),
            done: Arc::default(),
            running: Arc::default(),
        }
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
        self.done.reset();
        self.running.store(true, Ordering::SeqCst);
        let (b, done, running) = (bar.clone(), self.done.clone(), self.running.clone());
        let ticker = std::thread::spawn(move || {
            while running.load(Ordering::SeqCst) {
                b.set_position(done.total());
                std::thread::park_timeout(Duration::from_millis(100));
            }
        });
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some((bar, ticker));
    }
    fn on_task_end(&self, task: &TaskEvent<'_>, _bytes: usize) {
        self.done.add(task.thread);
    }
    fn on_end(&self, _stats: &ExecStats) {
        self.running.store(false, Ordering::SeqCst);
        if let Some((bar, ticker)) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            // Wake the ticker from its wait so the computation ends at once.
            ticker.thread().unpark();
            let _ = ticker.join();
            bar.set_position(self.done.total());
            bar.finish();
        }
    }
}
