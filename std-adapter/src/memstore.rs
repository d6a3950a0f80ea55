//! [`MemStorage`]: page-file storage in memory that can lose power, for
//! deterministic crash tests (the way `sequential-storage`'s mock flash
//! cuts power at any byte).
//!
//! Every byte written is counted. When a cut is armed at byte `n`, the
//! write that reaches it stores only the bytes before it and fails, and
//! every later write or flush fails too: the "machine" is off. What
//! survives is then read with [`MemStorage::after_cut`]: either everything
//! written up to the cut (the disk kept it all) or only what was flushed
//! before it (the disk lost its cache) — a crash test checks both.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::storage::Storage;

#[derive(Debug, Default)]
struct State {
    /// What reads see: every write so far.
    current: Vec<u8>,
    /// What the last flush made durable.
    flushed: Vec<u8>,
    /// Bytes written so far.
    written: u64,
    /// Cut power when this many bytes have been written.
    cut_at: Option<u64>,
    /// Power is off: writes and flushes fail.
    off: bool,
    /// A holder of the writers' lock exists.
    locked: bool,
}

/// In-memory storage that can cut power at a chosen byte. Clones share
/// the same bytes (like two handles on one file); the writers' lock is
/// held by whichever clone took it until that clone is dropped.
#[derive(Debug, Default)]
pub struct MemStorage {
    state: Arc<Mutex<State>>,
    holds_lock: AtomicBool,
}

/// Which bytes survive a power cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Survivor {
    /// Everything written before the cut, the torn write's prefix included.
    Written,
    /// Only what was flushed before the cut.
    Flushed,
}

impl MemStorage {
    /// Empty storage.
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    /// Storage holding `bytes`, all of them durable.
    pub fn with_bytes(bytes: Vec<u8>) -> MemStorage {
        let storage = MemStorage::new();
        {
            let mut st = storage.lock();
            st.flushed = bytes.clone();
            st.current = bytes;
        }
        storage
    }

    /// Another handle on the same bytes (without the lock).
    pub fn handle(&self) -> MemStorage {
        MemStorage {
            state: Arc::clone(&self.state),
            holds_lock: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Cuts power when `bytes` more bytes have been written (0: before the
    /// next byte).
    pub fn cut_after(&self, bytes: u64) {
        let mut st = self.lock();
        st.cut_at = Some(st.written + bytes);
    }

    /// Whether power was cut.
    pub fn is_cut(&self) -> bool {
        self.lock().off
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.lock().written
    }

    /// A snapshot of what reads see now.
    pub fn bytes(&self) -> Vec<u8> {
        self.lock().current.clone()
    }

    /// The bytes that survive the cut (or a crash now), as new storage
    /// with power on.
    pub fn after_cut(&self, survivor: Survivor) -> MemStorage {
        let st = self.lock();
        MemStorage::with_bytes(match survivor {
            Survivor::Written => st.current.clone(),
            Survivor::Flushed => st.flushed.clone(),
        })
    }

    fn power_cut() -> io::Error {
        io::Error::other("power cut (MemStorage)")
    }
}

impl Storage for MemStorage {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let st = self.lock();
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(st.current.len());
        let n = buf.len().min(st.current.len() - start);
        buf[..n].copy_from_slice(&st.current[start..start + n]);
        Ok(n)
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        let mut st = self.lock();
        if st.off {
            return Err(MemStorage::power_cut());
        }
        let allowed = match st.cut_at {
            Some(at) => usize::try_from(at - st.written.min(at)).unwrap_or(usize::MAX),
            None => usize::MAX,
        };
        let n = buf.len().min(allowed);
        let start = usize::try_from(offset).map_err(io::Error::other)?;
        if st.current.len() < start + n {
            st.current.resize(start + n, 0);
        }
        st.current[start..start + n].copy_from_slice(&buf[..n]);
        st.written += n as u64;
        if n < buf.len() {
            st.off = true;
            return Err(MemStorage::power_cut());
        }
        Ok(())
    }

    fn flush(&self) -> io::Result<()> {
        let mut st = self.lock();
        if st.off || st.cut_at == Some(st.written) {
            st.off = true;
            return Err(MemStorage::power_cut());
        }
        st.flushed = st.current.clone();
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.lock().current.len() as u64)
    }

    fn try_lock(&self) -> io::Result<bool> {
        let mut st = self.lock();
        if st.locked {
            return Ok(false);
        }
        st.locked = true;
        self.holds_lock.store(true, Ordering::SeqCst);
        Ok(true)
    }
}

impl Drop for MemStorage {
    fn drop(&mut self) {
        if *self.holds_lock.get_mut() {
            self.lock().locked = false;
        }
    }
}
