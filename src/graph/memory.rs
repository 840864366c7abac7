//! The projected memory of a run: what the plan says it will hold, before
//! it runs (computed by `exec::memory`).

/// The projected peak memory of a computation, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryProjection {
    /// Results held for their readers at the peak (comparable with
    /// `ExecStats::peak_bytes_held`).
    pub held: u64,
    /// Results being built by the workers at once (threads x the largest).
    pub in_flight: u64,
    /// The assembled result handed back.
    pub result: u64,
    /// `held + in_flight + result`.
    pub peak: u64,
    /// Worker threads assumed.
    pub threads: usize,
}

impl std::fmt::Display for MemoryProjection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} held for readers + {} in flight on {} threads + {} result",
            human(self.held),
            human(self.in_flight),
            self.threads,
            human(self.result)
        )
    }
}

/// Bytes in binary units, for messages.
pub(crate) fn human(b: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
