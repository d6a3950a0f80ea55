//! Sealed logs: an append-only file of sealed variable-length records — a
//! value log or a write-ahead log — under a [`KeyRing`].
//!
//! [`SealedLog::append`] returns the record's position (its byte offset),
//! [`SealedLog::read`] returns the verified record at a position, and
//! [`SealedLog::iter`] walks the records from any position. Each record is
//! sealed as a block bound to the log's random id and its own position, so
//! a record that was altered, moved elsewhere in the log or copied from
//! another log fails with its position. Records keep the key id they were
//! sealed under; [`SealedLog::rewrite`] (value-log garbage collection)
//! copies the live ones into a new log under the current key id, after
//! which [`KeyRing::retire_unused`] can drop the old ones.
//!
//! # Durability and torn tails
//!
//! [`SealedLog::sync`] writes and flushes the records, then writes the
//! log's *state* (sealed, in one of two alternating slots): the length up
//! to which every record is durable. The state is made durable by the next
//! flush — the next sync, [`SealedLog::close`] or dropping the log — so it
//! never claims records that are not yet on disk, at the cost of one flush
//! per sync. Records below the durable state's length must verify (a bad
//! one fails with its position); anything after it is a tail a crash may
//! have torn. The records of the most recent sync are therefore guarded
//! against being cut off only once the next flush has recorded them.
//!
//! Opening the log for appending verifies the tail record by record and
//! cuts it at the first that is incomplete or
//! does not verify: the bytes from there to the end of the file become a
//! *cut region*, recorded in the state, whose positions are never used
//! again (so a record lost in a crash can never be replayed in place of a
//! later one), and appends continue after it. At most [`MAX_CUTS`] cut
//! regions are kept; past that the log refuses appends until it is
//! rewritten.
//!
//! # Concurrency
//!
//! A `SealedLog` is `Sync`: any number of threads may read while one
//! appends (appends are serialised). Readers see a record once `append`
//! has returned its position. The handle that appends holds the log's
//! writers' lock; other processes open it with
//! [`SealedLog::open_read_only`], which reads what was synced plus every
//! complete record after it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use pageseal_core::{BlockFormat, Error as CoreError, STREAM_ID_LEN};

use crate::blocks::Codec;
use crate::error::{Error, Result};
use crate::keyring::KeyRing;
use crate::storage::{self, Storage};

mod iter;
mod layout;
mod open;
mod read;
mod state;

pub use iter::LogIter;
use layout::{STATE_BLOCK, State};

/// The magic bytes a sealed log starts with.
pub const LOG_MAGIC: [u8; 8] = *b"PSEALLOG";
/// The sealed-log format version.
pub const LOG_VERSION: u16 = 1;
/// Byte offset of the first record.
pub const LOG_DATA_START: u64 = 4096;
/// The most cut regions a log keeps (see the module documentation).
pub const MAX_CUTS: usize = 64;
/// Length of a record's frame (the sealed length, u32 LE) before it.
pub const FRAME_LEN: usize = 4;

/// How a log seals its records.
#[derive(Clone, Copy, Debug)]
pub struct LogOptions {
    /// Compress records with LZ4 when that makes them smaller
    /// ([`Codec::Lz4`]; mind the length side channel described in
    /// [`seal_block`](crate::seal_block)) or store them as they are.
    pub codec: Codec,
    /// The longest record accepted, plaintext bytes (64 MiB by default):
    /// a longer frame found on disk is refused before anything is
    /// allocated for it.
    pub max_record: usize,
}

impl Default for LogOptions {
    fn default() -> LogOptions {
        LogOptions {
            codec: Codec::Raw,
            max_record: 64 << 20,
        }
    }
}

/// A sealed append-only log. See the module documentation.
pub struct SealedLog<S: Storage = File> {
    path: PathBuf,
    storage: S,
    ring: Arc<KeyRing>,
    format: BlockFormat,
    log_id: [u8; STREAM_ID_LEN],
    options: LogOptions,
    writable: bool,
    /// End of the published records (where the next append goes).
    end: AtomicU64,
    state: RwLock<State>,
    /// Serialises appends; holds the records not yet written to storage.
    appender: Mutex<Pending>,
}

/// Appended records not yet written: they are written together once
/// [`WRITE_BATCH`] bytes accumulate, on [`SealedLog::sync`], and on drop,
/// so a small append costs no system call. Readers see them meanwhile.
struct Pending {
    /// Where `bytes` start in the log (everything before is in storage).
    at: u64,
    /// Framed records, back to back.
    bytes: Vec<u8>,
}

/// Bytes of appended records gathered before they are written.
const WRITE_BATCH: usize = 64 << 10;

impl SealedLog<File> {
    /// Creates a log at `path` (which must not exist) under `ring`.
    pub fn create(path: &Path, ring: Arc<KeyRing>, options: LogOptions) -> Result<SealedLog> {
        storage::create_new(path, |file| SealedLog::create_on(file, path, ring, options))
    }

    /// Opens the log at `path` for appending (taking its writers' lock),
    /// cutting a torn tail (see the module documentation).
    pub fn open(path: &Path, ring: Arc<KeyRing>, options: LogOptions) -> Result<SealedLog> {
        let file = storage::open_regular(path, true)?;
        SealedLog::open_on(file, path, ring, options, true)
    }

    /// Opens the log at `path` to read it, alongside an appender in another
    /// process: the records synced, and every complete record after them.
    pub fn open_read_only(
        path: &Path,
        ring: Arc<KeyRing>,
        options: LogOptions,
    ) -> Result<SealedLog> {
        let file = storage::open_regular(path, false)?;
        SealedLog::open_on(file, path, ring, options, false)
    }
}

impl<S: Storage> SealedLog<S> {
    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The log's random id (bound into every record).
    pub fn log_id(&self) -> [u8; STREAM_ID_LEN] {
        self.log_id
    }
    /// The key ring it is sealed under.
    pub fn ring(&self) -> &Arc<KeyRing> {
        &self.ring
    }
    /// Where the next record goes: the end of the records.
    pub fn end(&self) -> u64 {
        self.end.load(Ordering::SeqCst)
    }
    /// The length up to which records are durable.
    pub fn synced(&self) -> u64 {
        self.state.read().unwrap_or_else(|p| p.into_inner()).synced
    }
    /// The cut regions (start, end): byte ranges a crash left torn.
    pub fn cuts(&self) -> Vec<(u64, u64)> {
        self.state_now().cuts
    }

    /// The cut region containing `pos`, if any (read under the state lock,
    /// without copying the state: every record read asks).
    fn cut_at(&self, pos: u64) -> Option<(u64, u64)> {
        self.state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .cut_at(pos)
    }

    fn state_now(&self) -> State {
        self.state.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn appender(&self) -> MutexGuard<'_, Pending> {
        self.appender.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Seals `record` and appends it; returns its position. It is durable
    /// after the next [`sync`](Self::sync).
    pub fn append(&self, record: &[u8]) -> Result<u64> {
        if !self.writable {
            return Err(Error::io(
                "append to",
                &self.path,
                std::io::ErrorKind::PermissionDenied.into(),
            ));
        }
        if record.len() > self.options.max_record {
            return Err(Error::Argument(format!(
                "{}: a record of {} bytes is longer than the log's maximum of {}",
                self.path.display(),
                record.len(),
                self.options.max_record
            )));
        }
        let mut pending = self.appender();
        let pos = self.end();
        if pos >= STATE_BLOCK {
            return Err(CoreError::MessageTooLong.into());
        }
        // The frame, then the sealed record appended right after it.
        let frame_at = pending.bytes.len();
        pending.bytes.extend_from_slice(&[0; FRAME_LEN]);
        let sealed = self.ring.seal_block(
            &self.log_id,
            pos,
            self.options.codec,
            record,
            &mut pending.bytes,
        );
        let sealed_len = pending.bytes.len() - frame_at - FRAME_LEN;
        match (sealed, u32::try_from(sealed_len)) {
            (Ok(_), Ok(len)) => {
                pending.bytes[frame_at..frame_at + FRAME_LEN].copy_from_slice(&len.to_le_bytes())
            }
            (sealed, _) => {
                pending.bytes.truncate(frame_at);
                sealed?;
                return Err(CoreError::MessageTooLong.into());
            }
        }
        self.end
            .store(pos + (FRAME_LEN + sealed_len) as u64, Ordering::SeqCst);
        if pending.bytes.len() >= WRITE_BATCH {
            self.write_pending(&mut pending)?;
        }
        Ok(pos)
    }

    /// Writes the pending records to storage.
    fn write_pending(&self, pending: &mut Pending) -> Result<()> {
        if pending.bytes.is_empty() {
            return Ok(());
        }
        storage::write_at(&self.storage, &self.path, pending.at, &pending.bytes)?;
        pending.at += pending.bytes.len() as u64;
        pending.bytes.clear();
        Ok(())
    }

    /// Reads `buf.len()` bytes of records at `pos`, from storage or from
    /// the records not yet written (a record is never split between them).
    fn read_bytes(&self, pos: u64, buf: &mut [u8]) -> Result<usize> {
        {
            let pending = self.appender();
            if pos >= pending.at {
                let from = (pos - pending.at) as usize;
                let have = pending.bytes.get(from..).unwrap_or_default();
                let n = have.len().min(buf.len());
                buf[..n].copy_from_slice(&have[..n]);
                return Ok(n);
            }
        }
        // Below `at`, bytes are in storage and never change.
        storage::read_up_to(&self.storage, &self.path, pos, buf)
    }

    /// Makes every appended record durable: writes them and flushes.
    /// Then it records the new synced length in the state, which the next
    /// flush (the next `sync`, or dropping the log) makes durable: one
    /// flush per sync, and the state never claims bytes that are not yet
    /// durable.
    pub fn sync(&self) -> Result<()> {
        if !self.writable {
            return Ok(());
        }
        let mut pending = self.appender();
        let end = self.end();
        let mut state = self.state_now();
        if state.synced == end && pending.bytes.is_empty() {
            return Ok(());
        }
        self.write_pending(&mut pending)?;
        self.flush()?;
        state.synced = end;
        self.write_state(state, false)
    }

    fn flush(&self) -> Result<()> {
        storage::flush(&self.storage, &self.path)
    }

    /// Syncs, then flushes the state too, so that every record is durable
    /// and covered by the durable state; closes the log.
    pub fn close(self) -> Result<()> {
        self.sync()?;
        self.flush()
    }

    /// The records from `position` on (the first at
    /// [`LOG_DATA_START`]), in order, verified. After a bad record the
    /// walk goes on when its frame still says where the next one starts.
    pub fn iter(&self, position: u64) -> LogIter<'_, S> {
        LogIter {
            log: self,
            pos: self.skip_cut(position),
            end: self.end(),
        }
    }

    /// Every bad record, by position: what `pageseal verify` reports.
    pub fn verify(&self) -> Vec<Error> {
        self.iter(LOG_DATA_START).filter_map(|r| r.err()).collect()
    }

    /// The key ids the log's records and state are sealed under (read
    /// from their trailers, without opening them), for
    /// [`KeyRing::retire_unused`].
    pub fn key_ids(&self) -> Result<std::collections::BTreeSet<u32>> {
        let mut ids = std::collections::BTreeSet::new();
        let end = self.end();
        let mut pos = self.skip_cut(LOG_DATA_START);
        while pos < end {
            let frame = self.frame_at(pos, end)?;
            let mut sealed = vec![0u8; frame.sealed_len];
            self.read_sealed(pos, &mut sealed)?;
            ids.insert(self.format.epoch(&sealed).map_err(Error::from)?);
            pos = self.next_after(pos, frame.sealed_len);
        }
        let mut head = vec![0u8; LOG_DATA_START as usize];
        storage::read_at(&self.storage, &self.path, 0, &mut head)?;
        for slot in 0..2 {
            if let Some(sealed) = self.state_slot(&head, slot)
                && let Ok(id) = self.format.epoch(sealed)
                && self.ring.has_key(id)
            {
                ids.insert(id);
            }
        }
        Ok(ids)
    }

    /// Value-log garbage collection: copies every record for which
    /// `live(position, record)` is true into a new log at `dest`, sealed
    /// under the ring's current key id, calls `moved(old, new)` for each,
    /// syncs the new log and returns it. The engine then switches to it and
    /// deletes this one; old key ids can retire once nothing uses them.
    pub fn rewrite(
        &self,
        dest: &Path,
        mut live: impl FnMut(u64, &[u8]) -> bool,
        mut moved: impl FnMut(u64, u64),
    ) -> Result<SealedLog> {
        let new = SealedLog::create(dest, self.ring.clone(), self.options)?;
        let copied = (|| {
            for record in self.iter(LOG_DATA_START) {
                let (pos, bytes) = record?;
                if live(pos, &bytes) {
                    moved(pos, new.append(&bytes)?);
                }
            }
            new.sync()
        })();
        if let Err(e) = copied {
            drop(new);
            let _ = std::fs::remove_file(dest);
            return Err(e);
        }
        Ok(new)
    }
}

impl<S: Storage> Drop for SealedLog<S> {
    /// Writes the records not yet written and flushes (with the last
    /// sync's state); errors are ignored here: call
    /// [`sync`](SealedLog::sync) to see them.
    fn drop(&mut self) {
        if self.writable {
            let mut pending = self.appender();
            let _ = self.write_pending(&mut pending);
            let _ = self.flush();
        }
    }
}
