//! A profiler: one record per task (key, operation, thread, start, end,
//! output bytes) and, optionally, memory and CPU samples over time.
//! Exports a Chrome trace (Perfetto, chrome://tracing), a self-contained
//! HTML timeline, and a text summary.

use crate::error::Result;
use crate::exec::{ExecStats, Observer, TaskEvent};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one task did.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    /// The task's key.
    pub key: String,
    /// The operation (the key's label).
    pub op: String,
    /// Worker thread (0-based).
    pub thread: usize,
    /// Start, in seconds since the profiler was made.
    pub start: f64,
    /// End, in seconds since the profiler was made.
    pub end: f64,
    /// Bytes of the task's output.
    pub bytes: usize,
}

/// Resident memory and CPU use at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResourceSample {
    /// Seconds since the profiler was made.
    pub time: f64,
    /// Resident memory of the process, bytes.
    pub rss_bytes: u64,
    /// CPU use since the previous sample, in percent of one core.
    pub cpu_percent: f64,
}

/// Records every task of the computations it observes.
///
/// ```
/// use darray::{diagnostics::Profiler, Config, DArray};
/// use std::sync::Arc;
/// let prof = Arc::new(Profiler::new());
/// let x = DArray::<f64>::ones([100, 100], [10, 10])?;
/// x.sum().compute_with(&Config::default().observe(prof.clone()))?;
/// assert_eq!(prof.records().len(), 100 + 9 + 1);
/// println!("{}", prof.summary());
/// # Ok::<(), darray::Error>(())
/// ```
pub struct Profiler {
    origin: Instant,
    records: Mutex<Vec<TaskRecord>>,
    /// Start times of running tasks per thread (a stack: a task may run
    /// a nested computation on its own thread).
    started: Mutex<Vec<Vec<Instant>>>,
    interval: Option<Duration>,
    samples: Arc<Mutex<Vec<ResourceSample>>>,
    sampling: Arc<AtomicBool>,
    sampler: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Default for Profiler {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads resident bytes and CPU ticks (user + system) of this process.
fn read_proc() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let rss_kb: u64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at ')'.
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?;
    Some((rss_kb * 1024, ticks))
}

/// A sample; CPU use is measured since `last` (0 without one).
fn sample(origin: Instant, last: &mut Option<(Instant, u64)>) -> Option<ResourceSample> {
    let (rss, ticks) = read_proc()?;
    let now = Instant::now();
    let cpu = last.map_or(0.0, |(t, k)| {
        let dt = now.duration_since(t).as_secs_f64().max(1e-9);
        100.0 * ticks.saturating_sub(k) as f64 / TICKS_PER_SECOND / dt
    });
    *last = Some((now, ticks));
    Some(ResourceSample { time: now.duration_since(origin).as_secs_f64(), rss_bytes: rss, cpu_percent: cpu })
}

/// Linux reports CPU time in units of 1/100 s (USER_HZ).
const TICKS_PER_SECOND: f64 = 100.0;

impl Profiler {
    /// A profiler of tasks only.
    pub fn new() -> Self {
        Profiler {
            origin: Instant::now(),
            records: Mutex::new(vec![]),
            started: Mutex::new(vec![]),
            interval: None,
            samples: Arc::default(),
            sampling: Arc::default(),
            sampler: Mutex::new(None),
        }
    }
    /// A profiler that also samples memory and CPU every `interval` while
    /// a computation runs.
    pub fn with_resources(interval: Duration) -> Self {
        let mut p = Self::new();
        p.interval = Some(interval);
        p
    }
    /// The task records so far, in order of completion.
    pub fn records(&self) -> Vec<TaskRecord> {
        self.records.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// The resource samples so far.
    pub fn samples(&self) -> Vec<ResourceSample> {
        self.samples.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Chrome trace JSON: one complete event per task on its thread's
    /// track, and counter events for memory and CPU.
    pub fn chrome_trace(&self) -> String {
        let mut s = String::from("{\"traceEvents\": [\n");
        let mut first = true;
        let mut sep = |s: &mut String| {
            if !first {
                s.push_str(",\n");
            }
            first = false;
        };
        for r in self.records() {
            sep(&mut s);
            let _ = write!(
                s,
                "{{\"name\": {}, \"cat\": \"task\", \"ph\": \"X\", \"ts\": {:.3}, \"dur\": {:.3}, \"pid\": 1, \"tid\": {}, \"args\": {{\"key\": {}, \"bytes\": {}}}}}",
                json(&r.op),
                r.start * 1e6,
                (r.end - r.start) * 1e6,
                r.thread,
                json(&r.key),
                r.bytes
            );
        }
        for x in self.samples() {
            sep(&mut s);
            let _ = write!(
                s,
                "{{\"name\": \"memory\", \"ph\": \"C\", \"ts\": {:.3}, \"pid\": 1, \"args\": {{\"rss_mb\": {:.3}}}}},\n{{\"name\": \"cpu\", \"ph\": \"C\", \"ts\": {:.3}, \"pid\": 1, \"args\": {{\"percent\": {:.1}}}}}",
                x.time * 1e6,
                x.rss_bytes as f64 / 1e6,
                x.time * 1e6,
                x.cpu_percent
            );
        }
        s.push_str("\n], \"displayTimeUnit\": \"ms\"}\n");
        s
    }

    /// Writes the Chrome trace (atomically).
    pub fn write_chrome_trace(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path, self.chrome_trace().as_bytes())
    }

    /// Time per operation and idle fraction per thread.
    pub fn summary(&self) -> String {
        let recs = self.records();
        if recs.is_empty() {
            return "no tasks recorded\n".into();
        }
        let t0 = recs.iter().map(|r| r.start).fold(f64::INFINITY, f64::min);
        let t1 = recs.iter().map(|r| r.end).fold(0.0, f64::max);
        let span = (t1 - t0).max(1e-12);
        let mut ops: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
        let mut threads: BTreeMap<usize, f64> = BTreeMap::new();
        for r in &recs {
            let e = ops.entry(&r.op).or_default();
            e.0 += 1;
            e.1 += r.end - r.start;
            *threads.entry(r.thread).or_default() += r.end - r.start;
        }
        let mut s = format!("{} tasks in {:.3} s\n", recs.len(), span);
        let mut by_time: Vec<_> = ops.into_iter().collect();
        by_time.sort_by(|a, b| b.1 .1.total_cmp(&a.1 .1));
        for (op, (n, t)) in by_time {
            let _ = writeln!(s, "  {op:<24} {n:>8} tasks {t:>10.4} s  {:>8.1} us/task", t / n as f64 * 1e6);
        }
        for (th, busy) in threads {
            let _ = writeln!(s, "  thread {th}: idle {:.1}%", 100.0 * (1.0 - busy / span).max(0.0));
        }
        s
    }

    /// Records one sample now (so even a short computation has two).
    fn sample_now(&self, last: &mut Option<(Instant, u64)>) {
        if let Some(s) = sample(self.origin, last) {
            self.samples.lock().unwrap_or_else(|e| e.into_inner()).push(s);
        }
    }

    fn stop_sampler(&self) {
        self.sampling.store(false, Ordering::SeqCst);
        if let Some(h) = self.sampler.lock().unwrap_or_else(|e| e.into_inner()).take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}

fn json(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

impl Observer for Profiler {
    fn on_start(&self, _tasks: usize, threads: usize) {
        let mut st = self.started.lock().unwrap_or_else(|e| e.into_inner());
        if st.len() < threads {
            st.resize(threads, vec![]);
        }
        drop(st);
        let Some(every) = self.interval else { return };
        self.stop_sampler();
        self.sample_now(&mut None);
        self.sampling.store(true, Ordering::SeqCst);
        let (on, out, origin) = (self.sampling.clone(), self.samples.clone(), self.origin);
        let handle = std::thread::spawn(move || {
            let mut last = read_proc().map(|(_, k)| (Instant::now(), k));
            while on.load(Ordering::SeqCst) {
                std::thread::park_timeout(every);
                if let Some(s) = sample(origin, &mut last) {
                    out.lock().unwrap_or_else(|e| e.into_inner()).push(s);
                }
            }
        });
        *self.sampler.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }
    fn on_task_start(&self, t: &TaskEvent<'_>) {
        let mut st = self.started.lock().unwrap_or_else(|e| e.into_inner());
        if st.len() <= t.thread {
            st.resize(t.thread + 1, vec![]);
        }
        st[t.thread].push(Instant::now());
    }
    fn on_task_end(&self, t: &TaskEvent<'_>, bytes: usize) {
        let end = Instant::now();
        let start = self.started.lock().unwrap_or_else(|e| e.into_inner()).get_mut(t.thread).and_then(Vec::pop);
        let start = start.unwrap_or(end);
        let rec = TaskRecord {
            key: t.key.to_string(),
            op: t.key.label.to_string(),
            thread: t.thread,
            start: start.duration_since(self.origin).as_secs_f64(),
            end: end.duration_since(self.origin).as_secs_f64(),
            bytes,
        };
        self.records.lock().unwrap_or_else(|e| e.into_inner()).push(rec);
    }
    fn on_end(&self, _stats: &ExecStats) {
        if self.interval.is_some() {
            self.stop_sampler();
            self.sample_now(&mut None);
        }
    }
}

impl Drop for Profiler {
    fn drop(&mut self) {
        self.stop_sampler();
    }
}
