//! Writing so that a failure never leaves a partial file under the final
//! name: everything is written under a temporary name beside it, then
//! renamed.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The temporary name a file is written under before it is renamed, beside
/// it and used by no other writer: the process id, a process-wide counter
/// and the time (which keeps names apart across a pid reused after a crash
/// left a file behind).
pub(crate) fn temp_name(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.partial-{}-{n}-{nanos:x}", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let tmp = temp_name(path);
    let res = (|| {
        let mut f = std::fs::File::create_new(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// A file or directory being written under a temporary name: published
/// under its final name by [`publish`](Staged::publish), removed when
/// dropped if it is still there (not published, or publishing failed).
#[derive(Debug)]
pub(crate) struct Staged {
    path: PathBuf,
    tmp: PathBuf,
}

impl Staged {
    /// A new temporary name for `path` (nothing is created).
    pub(crate) fn new(path: &Path) -> Staged {
        Staged { path: path.to_path_buf(), tmp: temp_name(path) }
    }

    /// The final name.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary name, where the writer creates its file or directory.
    pub(crate) fn tmp(&self) -> &Path {
        &self.tmp
    }

    /// Puts what was written on disk, then under its final name, replacing
    /// what is there. A file replaces a file atomically. A directory (a
    /// store of many files) replaces a directory by moving the old one
    /// aside first (readers may find nothing there for that moment, never a
    /// mix), and puts it back if the move in fails. The data is on disk
    /// before it takes the final name (synced, as `write_atomic` does).
    pub(crate) fn publish(&self) -> Result<()> {
        std::fs::File::open(&self.tmp).and_then(|t| t.sync_all()).map_err(|e| Error::io(&self.path, e))?;
        let dir_over_dir = self.tmp.is_dir() && self.path.is_dir();
        if !dir_over_dir {
            return std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e));
        }
        let aside = temp_name(&self.path);
        std::fs::rename(&self.path, &aside).map_err(|e| Error::io(&self.path, e))?;
        if let Err(e) = std::fs::rename(&self.tmp, &self.path) {
            let _ = std::fs::rename(&aside, &self.path);
            return Err(Error::io(&self.path, e));
        }
        let _ = std::fs::remove_dir_all(&aside);
        Ok(())
    }
}

impl Drop for Staged {
    /// Removes the temporary file or directory (gone already once
    /// published).
    fn drop(&mut self) {
        match std::fs::symlink_metadata(&self.tmp) {
            Ok(m) if m.is_dir() => {
                let _ = std::fs::remove_dir_all(&self.tmp);
            }
            Ok(_) => {
                let _ = std::fs::remove_file(&self.tmp);
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IoError;

    fn leftovers(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".partial-"))
            .count()
    }

    #[test]
    fn atomic_write_replaces_and_cleans_up() {
        let dir = std::env::temp_dir().join(format!("darray-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(leftovers(&dir), 0);
        // Two names for one path never collide.
        assert_ne!(temp_name(&p), temp_name(&p));
        // A directory that does not exist: an error, and nothing left behind.
        assert!(matches!(write_atomic(dir.join("no/such/file"), b"x"), Err(Error::Io(IoError::File { .. }))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn staged_directories_replace_directories_and_vanish_when_dropped() {
        let dir = std::env::temp_dir().join(format!("darray-staged-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = dir.join("store");
        for round in 0..2 {
            let s = Staged::new(&store);
            std::fs::create_dir(s.tmp()).unwrap();
            std::fs::write(s.tmp().join(format!("part{round}")), b"x").unwrap();
            s.publish().unwrap();
            // Only this round's store is there: the old one is gone whole.
            let names: Vec<String> = std::fs::read_dir(&store)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names, [format!("part{round}")]);
        }
        // Dropped unpublished: nothing is left, file or directory.
        let s = Staged::new(&store);
        std::fs::create_dir(s.tmp()).unwrap();
        std::fs::write(s.tmp().join("half"), b"x").unwrap();
        drop(s);
        let s = Staged::new(&dir.join("f"));
        std::fs::write(s.tmp(), b"x").unwrap();
        drop(s);
        assert_eq!(leftovers(&dir), 0);
        assert!(!dir.join("f").exists() && store.join("part1").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
