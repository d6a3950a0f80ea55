//! One database as the VFS sees it: its key session (shared by every
//! connection of this process that opens the same file), the header kept
//! consistent with other processes, and the mapping of SQLite's main
//! database file onto pageseal pages (SQLite page N = pageseal page N−1).
//!
//! # Header changes between processes
//!
//! SQLite locks the database itself, so pageseal's writers' lock is not
//! taken. The header is written only under a short exclusive `flock` of the
//! database file (a lock SQLite never uses): the header on disk is read
//! again first, and if another process changed it (a new seal
//! reservation, a rotation, a keyslot change) this session is replaced by
//! one unlocked from the disk header before anything is written — so no
//! change of another process is lost and no seal is handed out beyond the
//! count persisted on disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

use pageseal::Ciphers;
use pageseal_core::{Error as CoreError, Lease, PageFormat, Session};

use crate::error::{Failure, Result};
use crate::keys::{Creation, Key};

mod header;
mod pages;

/// The first 32 bytes of an image's associated data (WAL frames, journal
/// records: FORMAT.md): the 8-byte `domain`, the database's file id, the
/// epoch (LE32), the suite, log2 of the page size and two zero bytes, in a
/// buffer with room for `len` bytes in all.
pub(crate) fn image_aad(domain: &[u8; 8], format: &PageFormat, epoch: u32, len: usize) -> Vec<u8> {
    let mut aad = Vec::with_capacity(len);
    aad.extend_from_slice(domain);
    aad.extend_from_slice(format.file_id());
    aad.extend_from_slice(&epoch.to_le_bytes());
    aad.push(format.suite().id());
    aad.push(format.page_size().trailing_zeros() as u8);
    aad.extend_from_slice(&[0, 0]);
    aad
}

/// Seals taken from the session at a time.
const LEASE_BATCH: u64 = 1024;
/// The longest wait for the header lock.
const HEADER_LOCK_WAIT: Duration = Duration::from_secs(10);

/// Positional I/O on a file below the VFS (SQLite's own OS file).
pub(crate) trait Io {
    /// Reads into `buf` at `offset`; returns the bytes present (the rest
    /// of `buf` is zero-filled).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;
    /// Writes all of `buf` at `offset`.
    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<()>;
    /// The file's size in bytes.
    fn size(&self) -> Result<u64>;
    /// Flushes to stable storage.
    fn sync(&self) -> Result<()>;
    /// Cuts or extends the file to `size` bytes.
    fn truncate(&self, size: u64) -> Result<()>;
}

/// An unlocked database.
pub(crate) struct Unlocked {
    pub session: Session<Ciphers>,
    key: Option<Key>,
    /// The header generation last seen on disk.
    known_generation: u64,
}

/// A database file shared by the connections of this process.
pub(crate) struct Db {
    pub path: PathBuf,
    /// The same path, shared cheaply with every I/O call.
    pub shared_path: Arc<Path>,
    lock_file: Option<std::fs::File>,
    state: RwLock<Option<Unlocked>>,
    lease: Mutex<Lease>,
    /// The header area as last read or written by this process: a write
    /// transaction compares it with the disk before re-reading the header.
    seen: Mutex<Vec<u8>>,
}

type Registry = Mutex<HashMap<PathBuf, Weak<Db>>>;

fn registry() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl Db {
    /// The shared state of the database at `path` (made on first use).
    pub(crate) fn get(path: &Path) -> Arc<Db> {
        let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, w| w.strong_count() > 0);
        if let Some(db) = map.get(path).and_then(Weak::upgrade) {
            return db;
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .or_else(|_| std::fs::File::open(path))
            .ok();
        let db = Arc::new(Db {
            path: path.to_path_buf(),
            shared_path: Arc::from(path),
            lock_file: file,
            state: RwLock::new(None),
            lease: Mutex::new(Lease::EMPTY),
            seen: Mutex::new(Vec::new()),
        });
        map.insert(path.to_path_buf(), Arc::downgrade(&db));
        db
    }

    /// The shared state of an already open database (for its WAL and
    /// journals).
    pub(crate) fn find(path: &Path) -> Option<Arc<Db>> {
        let map = registry().lock().unwrap_or_else(|p| p.into_inner());
        map.get(path).and_then(Weak::upgrade)
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Option<Unlocked>> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Option<Unlocked>> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    fn lease(&self) -> MutexGuard<'_, Lease> {
        self.lease.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a session is open.
    pub(crate) fn is_unlocked(&self) -> bool {
        self.read().is_some()
    }

    /// The page size, from the session or the header on disk (`None` for
    /// an empty file).
    pub(crate) fn page_size(&self, io: &dyn Io) -> Result<Option<usize>> {
        if let Some(u) = self.read().as_ref() {
            return Ok(Some(u.session.format().page_size()));
        }
        let area = self.header_area(io)?;
        if area.is_empty() {
            return Ok(None);
        }
        let read = pageseal_core::read_header(&area).map_err(|e| Failure::core(&self.path, e))?;
        Ok(Some(read.header.page_size()))
    }

    /// The trailer length of the open file, or the one a new file will
    /// get with `creation`.
    pub(crate) fn trailer_len(&self, io: &dyn Io, creation: &Creation) -> Result<usize> {
        if let Some(u) = self.read().as_ref() {
            return Ok(u.session.format().trailer_len());
        }
        let area = self.header_area(io)?;
        let suite = if area.is_empty() {
            creation.suite
        } else {
            pageseal_core::read_header(&area)
                .map_err(|e| Failure::core(&self.path, e))?
                .header
                .suite()
        };
        Ok(pageseal_core::trailer_len(suite))
    }

    /// A one-line description: suite, page size, current epoch, live epochs.
    pub(crate) fn info(&self) -> Option<String> {
        let state = self.read();
        let u = state.as_ref()?;
        let h = u.session.header();
        let epochs: Vec<String> = h.epochs().map(|(e, _)| e.to_string()).collect();
        Some(format!(
            "suite={} page_size={} epoch={} epochs={} generation={}",
            h.suite(),
            h.page_size(),
            h.current_epoch(),
            epochs.join(","),
            h.generation()
        ))
    }

    pub(crate) fn no_key(&self) -> Failure {
        Failure::core(&self.path, CoreError::KeyRequired)
    }
}
