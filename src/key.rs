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
