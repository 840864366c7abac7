//! Deterministic task keys. A key is an operation token (a stable hash of the
//! operation, its parameters and its inputs' tokens) plus a block index, so
//! the same program always builds the same keys and identical
//! sub-expressions built twice get the same tasks.

use std::fmt;
use std::sync::Arc;

/// A stable 64-bit hasher (FNV-1a with a final avalanche), independent of the
/// process and of the Rust release, so every rank of a distributed run
/// computes the same tokens.
#[derive(Clone)]
pub struct TokenHasher(u64);

impl Default for TokenHasher {
    fn default() -> Self {
        TokenHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl TokenHasher {
    /// A hasher seeded with an operation name.
    pub fn new(op: &str) -> Self {
        let mut h = Self::default();
        h.str(op);
        h
    }
    /// Feeds bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }
    /// Feeds a string (length-prefixed, so fields cannot run together).
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.u64(s.len() as u64).bytes(s.as_bytes())
    }
    /// Feeds an integer.
    pub fn u64(&mut self, x: u64) -> &mut Self {
        self.bytes(&x.to_le_bytes())
    }
    /// Feeds a list of integers.
    pub fn usizes(&mut self, xs: &[usize]) -> &mut Self {
        self.u64(xs.len() as u64);
        for &x in xs {
            self.u64(x as u64);
        }
        self
    }
    /// The token.
    pub fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A task's name: operation label, token and block index.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Token of the operation (and stage) that produces this block.
    pub token: u64,
    /// Human-readable operation name, for display only.
    pub label: Arc<str>,
    /// Block index in the operation's output grid.
    pub block: Box<[u32]>,
}

impl Key {
    pub(crate) fn new(token: u64, label: &Arc<str>, block: &[usize]) -> Key {
        Key { token, label: label.clone(), block: block.iter().map(|&i| i as u32).collect() }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:08x}", self.label, self.token >> 32)?;
        write!(f, "(")?;
        for (i, b) in self.block.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{b}")?;
        }
        write!(f, ")")
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stable_and_field_separated() {
        let a = TokenHasher::new("add").u64(1).finish();
        assert_eq!(a, TokenHasher::new("add").u64(1).finish());
        assert_ne!(TokenHasher::new("ab").str("c").finish(), TokenHasher::new("a").str("bc").finish());
    }
}

thread_local! {
    /// A thread's own sequence of closure tokens, while it runs one rank
    /// of a [`LocalRanks`](crate::exec::dist::LocalRanks) program.
    static RANK_SEQUENCE: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The next closure token: from the process-wide sequence, or from the
/// thread's own while it runs a rank (so ranks that are threads of one
/// process number their closures alike, as separate processes would).
pub(crate) fn next_closure_token() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    RANK_SEQUENCE.with(|s| match s.get() {
        Some(n) => {
            s.set(Some(n + 1));
            n
        }
        None => NEXT.fetch_add(1, Ordering::Relaxed),
    })
}

/// Gives the calling thread its own closure-token sequence (in a range
/// the process-wide one never reaches).
pub(crate) fn own_closure_tokens() {
    RANK_SEQUENCE.with(|s| s.set(Some(1 << 62)));
}
