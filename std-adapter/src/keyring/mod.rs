//! Key rings: a standalone key-registry file for engines that keep their
//! own files (LSM tables, value logs). A key ring is a pageseal header —
//! keyslots, the file key, one wrapped data key per key id (epoch) with its
//! seal count and creation time — followed by an audit trail of every key
//! operation, each record chained to the one before it by an HMAC under a
//! key derived from the file key (FORMAT.md, "Key rings").
//!
//! Blocks sealed with [`KeyRing::seal_block`] carry their key id in the
//! trailer, so they stay readable after any number of rotations until
//! [`KeyRing::retire_unused`] drops a key id the engine no longer uses.
//! A new key id starts when the current one reaches its suite's safe number
//! of seals, when [`KeyRingOptions::rotation_interval`] has passed since it
//! was created (checked on every seal), or on [`KeyRing::rotate`].
//!
//! Crash safety: an audit record is written and flushed before the header
//! that accounts for it (the header's data length counts audit bytes), so a
//! crash leaves either the old state or the new one with its record. A
//! rotation at the seal limit happens while sealing; its record is written
//! just after, and a key id that a crash left without a record is recorded
//! when the ring is next opened for writing.
//!
//! An LSM engine's writer, and a value log, under one key ring:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use pageseal::core::Suite;
//! use pageseal::{Codec, KeyRing, KeyRingOptions, KeySource, LogOptions, SealedLog};
//!
//! # let dir = std::env::temp_dir().join(format!("pageseal-ring-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let key_file = dir.join("key");
//! # std::fs::write(&key_file, "x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'\n").unwrap();
//! let secret = KeySource::File(key_file).read()?;
//! let options = KeyRingOptions {
//!     suite: Suite::Aegis128L,
//!     rotation_interval: Some(Duration::from_secs(30 * 86_400)), // a new key id monthly
//!     ..KeyRingOptions::default()
//! };
//! let ring = Arc::new(KeyRing::create(&dir.join("keys.psring"), &secret.as_secret(), &options)?);
//!
//! // An SSTable writer: each block is compressed, sealed and bound to the
//! // table's id and the block's offset; its trailer names the key id.
//! let table = pageseal::random_file_id()?;
//! let mut old_block = Vec::new();
//! ring.seal_block(&table, 0, Codec::Lz4, b"block at offset 0", &mut old_block)?;
//! assert_eq!(ring.key_id_of(&old_block)?, 1);
//!
//! ring.rotate()?; // new blocks use key id 2; key id 1 still opens the old ones
//! let mut new_block = Vec::new();
//! ring.seal_block(&table, 4096, Codec::Lz4, b"block at offset 4096", &mut new_block)?;
//! assert_eq!(ring.key_id_of(&new_block)?, 2);
//!
//! let mut plain = Vec::new();
//! ring.open_block(&table, 0, &mut old_block, 1 << 20, &mut plain)?;
//! assert_eq!(plain, b"block at offset 0");
//! ring.open_block(&table, 4096, &mut new_block, 1 << 20, &mut plain)?;
//! assert_eq!(plain, b"block at offset 4096");
//!
//! // A value log under the same ring: append, sync, read by position.
//! let vlog = SealedLog::create(&dir.join("000001.vlog"), ring.clone(), LogOptions::default())?;
//! let at = vlog.append(b"a value")?;
//! vlog.sync()?;
//! assert_eq!(vlog.read(at)?, b"a value");
//!
//! // Once compaction has rewritten the table under key id 2, key id 1 can go.
//! let in_use = vlog.key_ids()?;
//! assert_eq!(ring.retire_unused(|id| id == 2 || in_use.contains(&id))?, [1]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), pageseal::Error>(())
//! ```

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pageseal_core::{
    BlockFormat, Contents, Error as CoreError, FILE_ID_LEN, KdfLimits, KdfParams, Keyring,
    STREAM_ID_LEN, Secret, Suite, block_overhead,
};

use crate::blocks::{Codec, open_block, seal_block};
use crate::ciphers::HeapKdf;
use crate::error::{Error, Result};
use crate::pagefile::{CreateOptions, FileSession, PageFile, Tuning, unix_now};
use crate::random::FastRandom;
use crate::storage;

mod audit;

pub use audit::{AUDIT_RECORD_LEN, AuditOp, AuditRecord, MAX_AUDIT_RECORDS};

/// The nominal page size of a key ring's header (it holds no page): the
/// audit trail starts at byte 4096.
const RING_PAGE_SIZE: usize = 4096;

/// How to create or open a key ring.
#[derive(Clone, Debug)]
pub struct KeyRingOptions {
    /// The suite of the data keys (creation only).
    pub suite: Suite,
    /// Argon2id parameters for a passphrase keyslot (creation and keyslot
    /// changes).
    pub kdf: KdfParams,
    /// Start a new key id once the current one is this old (Wombat's
    /// `key_rotation_interval_days`); `None` rotates by seal count only.
    pub rotation_interval: Option<Duration>,
    /// Backend, seal limit and key-derivation limits.
    pub tuning: Tuning,
}

impl Default for KeyRingOptions {
    fn default() -> KeyRingOptions {
        KeyRingOptions {
            suite: Suite::Aegis128L,
            kdf: KdfParams::DEFAULT,
            rotation_interval: None,
            tuning: Tuning::default(),
        }
    }
}

/// One key id of a ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key id (the epoch number in the header and in block trailers).
    pub id: u32,
    /// Seals reserved under it so far (an upper bound on seals made).
    pub seals: u64,
    /// When it was created (`None` if unknown).
    pub created: Option<SystemTime>,
    /// Whether new blocks are sealed under it.
    pub current: bool,
}

/// A key registry file. See the module documentation.
pub struct KeyRing {
    file: PageFile<File>,
    interval: Option<Duration>,
    kdf: KdfParams,
    /// The key id this handle last saw as current (to notice a rotation
    /// made while sealing).
    known: AtomicU32,
    /// Serialises audit appends.
    audit: Mutex<()>,
}

impl KeyRing {
    /// Creates a key ring at `path` (which must not exist), with keyslot 0
    /// for `secret` and key id 1.
    pub fn create(path: &Path, secret: &Secret<'_>, options: &KeyRingOptions) -> Result<KeyRing> {
        if !options.suite.is_keyed() {
            return Err(Error::Argument(format!(
                "a key ring needs an encrypting suite, not {}",
                options.suite
            )));
        }
        let create = CreateOptions {
            suite: options.suite,
            page_size: RING_PAGE_SIZE,
            kdf: options.kdf,
        };
        storage::create_new(path, |file| {
            let file = PageFile::create_holding(
                file,
                path,
                &create,
                Some(secret),
                options.tuning,
                Contents::KeyRing,
            )?;
            let ring = KeyRing::from_file(file, options);
            ring.record(AuditOp::Create, |s| Ok(((), s.current_epoch(), Some(0))))?;
            Ok(ring)
        })
    }

    /// Opens the key ring at `path` for use: takes its writers' lock (a
    /// second user gets [`Error::InUse`]), repairs a damaged header copy,
    /// and records any key id a crash left out of the audit trail.
    pub fn open(path: &Path, secret: &Secret<'_>, options: &KeyRingOptions) -> Result<KeyRing> {
        let file = storage::open_regular(path, true)?;
        let file = PageFile::open_holding(
            file,
            path,
            Some(secret),
            true,
            options.tuning,
            Contents::KeyRing,
        )?;
        let ring = KeyRing::from_file(file, options);
        ring.record_missing_keys()?;
        Ok(ring)
    }

    /// Opens the key ring at `path` to read it (its keys, its audit trail,
    /// and blocks sealed under it), without the writers' lock.
    pub fn open_read_only(path: &Path, secret: &Secret<'_>, limits: KdfLimits) -> Result<KeyRing> {
        let file = storage::open_regular(path, false)?;
        let tuning = Tuning {
            kdf_limits: limits,
            ..Tuning::default()
        };
        let file =
            PageFile::open_holding(file, path, Some(secret), false, tuning, Contents::KeyRing)?;
        Ok(KeyRing::from_file(file, &KeyRingOptions::default()))
    }

    fn from_file(file: PageFile<File>, options: &KeyRingOptions) -> KeyRing {
        let known = AtomicU32::new(file.current_epoch());
        KeyRing {
            file,
            interval: options.rotation_interval,
            kdf: options.kdf,
            known,
            audit: Mutex::new(()),
        }
    }

    /// The ring's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }
    /// The suite of its data keys.
    pub fn suite(&self) -> Suite {
        self.file.suite()
    }
    /// Its random id (what a sealed log records to name its ring).
    pub fn file_id(&self) -> [u8; FILE_ID_LEN] {
        *self.file.header().file_id()
    }
    /// The key id new blocks are sealed under.
    pub fn current_key_id(&self) -> u32 {
        self.file.current_epoch()
    }
    /// The most a sealed block has beyond its (possibly compressed)
    /// plaintext, for sizing buffers.
    pub fn max_overhead(&self) -> usize {
        block_overhead(self.suite())
    }

    /// Every key id, oldest first.
    pub fn keys(&self) -> Vec<KeyInfo> {
        let header = self.file.header();
        let current = header.current_epoch();
        let mut keys: Vec<KeyInfo> = header
            .epochs()
            .map(|(id, seals)| KeyInfo {
                id,
                seals,
                created: header
                    .created(id)
                    .map(|t| UNIX_EPOCH + Duration::from_secs(t)),
                current: id == current,
            })
            .collect();
        keys.sort_by_key(|k| k.id);
        keys
    }

    /// Seals `plain` as block `block_id` of stream `stream_id` (a table's
    /// or log's random id) and appends it to `out` (see
    /// [`seal_block`](crate::seal_block)), compressing it first with
    /// `codec` when that makes it smaller; returns the codec used. Rotates first
    /// when the current key id is older than the rotation interval.
    pub fn seal_block(
        &self,
        stream_id: &[u8; STREAM_ID_LEN],
        block_id: u64,
        codec: Codec,
        plain: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Codec> {
        self.rotate_if_due()?;
        let format = BlockFormat::new(self.suite(), *stream_id);
        let (session, permit) = self.file.permit()?;
        let (cipher, epoch) = session
            .permit_cipher(permit)
            .map_err(|e| Error::format(self.path(), e))?;
        let used = seal_block(
            &format,
            cipher,
            epoch,
            &mut FastRandom,
            block_id,
            codec,
            plain,
            out,
        )?;
        drop(session);
        if self.known.load(Ordering::Relaxed) < epoch {
            let seen = self.known.fetch_max(epoch, Ordering::SeqCst);
            // The session started this key id at the seal limit: record it.
            // The block is sealed either way; if the record cannot be
            // written now, the next seal (or the next open) tries again.
            if seen < epoch && self.record_missing_keys().is_err() {
                let _ =
                    self.known
                        .compare_exchange(epoch, seen, Ordering::SeqCst, Ordering::SeqCst);
            }
        }
        Ok(used)
    }

    /// Verifies and opens sealed block `block_id` of stream `stream_id`
    /// (decrypted in place, then wiped) into `out`, decompressed; a block
    /// that would be longer than `max_len` is refused before any memory is
    /// allocated for it. Returns the codec it was stored with.
    pub fn open_block(
        &self,
        stream_id: &[u8; STREAM_ID_LEN],
        block_id: u64,
        sealed: &mut [u8],
        max_len: usize,
        out: &mut Vec<u8>,
    ) -> Result<Codec> {
        let format = BlockFormat::new(self.suite(), *stream_id);
        let session = self.file.read_session();
        open_block(&format, &*session, block_id, sealed, max_len, out)
    }

    /// The key id a sealed block's trailer names (read without a key).
    pub fn key_id_of(&self, sealed: &[u8]) -> Result<u32> {
        BlockFormat::new(self.suite(), [0; STREAM_ID_LEN])
            .epoch(sealed)
            .map_err(Error::from)
    }

    /// Whether key id `id` is live in this ring (blocks under it open).
    pub fn has_key(&self, id: u32) -> bool {
        self.file.read_session().cipher(id).is_some()
    }

    /// Starts a new key id for new blocks; older ones stay readable.
    pub fn rotate(&self) -> Result<u32> {
        self.rotate_as(AuditOp::Rotate)
    }

    fn rotate_as(&self, op: AuditOp) -> Result<u32> {
        let serial = self.serial();
        self.rotate_locked(op, &serial)
    }

    fn rotate_locked(&self, op: AuditOp, serial: &MutexGuard<'_, ()>) -> Result<u32> {
        let id = self.record_locked(op, serial, |s| {
            let id = s.rotate(&mut FastRandom)?;
            Ok((id, id, None))
        })?;
        self.known.fetch_max(id, Ordering::SeqCst);
        Ok(id)
    }

    fn serial(&self) -> MutexGuard<'_, ()> {
        self.audit.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Rotates when the current key id is older than the rotation interval
    /// (or of unknown age); returns the new key id if it did.
    pub fn rotate_if_due(&self) -> Result<Option<u32>> {
        let Some(interval) = self.interval else {
            return Ok(None);
        };
        let due = |ring: &KeyRing| {
            let session = ring.file.read_session();
            let header = session.header();
            match header.created(header.current_epoch()) {
                Some(t) => unix_now().saturating_sub(t) >= interval.as_secs(),
                None => true,
            }
        };
        if !due(self) {
            return Ok(None);
        }
        let serial = self.serial();
        // Another thread may have rotated while this one waited.
        if !due(self) {
            return Ok(None);
        }
        self.rotate_locked(AuditOp::RotateAge, &serial).map(Some)
    }

    /// Drops every key id (other than the current one) for which `in_use`
    /// says no block uses it any more, and returns them. Blocks under a
    /// retired key id no longer open; ask the engine, not a guess.
    pub fn retire_unused(&self, mut in_use: impl FnMut(u32) -> bool) -> Result<Vec<u32>> {
        let current = self.current_key_id();
        let unused: Vec<u32> = self
            .keys()
            .into_iter()
            .map(|k| k.id)
            .filter(|&id| id != current && !in_use(id))
            .collect();
        for &id in &unused {
            self.record(AuditOp::Retire, |s| {
                s.drop_epoch(id).map(|()| ((), id, None))
            })?;
        }
        Ok(unused)
    }

    /// Replaces the secret that opened the ring (a passphrase change);
    /// only the header changes. Returns the keyslot rewritten.
    pub fn rekey(&self, secret: &Secret<'_>) -> Result<usize> {
        let kdf = self.kdf;
        self.record_slot(AuditOp::KeyslotSet, |s| {
            s.rekey(secret, &kdf, &mut FastRandom, &mut HeapKdf::default())
        })
    }

    /// Adds `secret` (e.g. a recovery key) in the first empty keyslot.
    pub fn add_keyslot(&self, secret: &Secret<'_>) -> Result<usize> {
        let kdf = self.kdf;
        self.record_slot(AuditOp::KeyslotAdd, |s| {
            s.add_keyslot(secret, &kdf, &mut FastRandom, &mut HeapKdf::default())
        })
    }

    /// Empties keyslot `index` (not the last one).
    pub fn remove_keyslot(&self, index: usize) -> Result<()> {
        self.record_slot(AuditOp::KeyslotRemove, |s| {
            s.remove_keyslot(index).map(|()| index)
        })
        .map(|_| ())
    }

    /// A copy of the ring's header (keyslots, key ids, seal counts).
    pub fn header(&self) -> pageseal_core::Header {
        self.file.header()
    }

    fn record_slot(
        &self,
        op: AuditOp,
        change: impl FnOnce(&mut FileSession) -> std::result::Result<usize, CoreError>,
    ) -> Result<usize> {
        self.record(op, |s| {
            let slot = change(s)?;
            Ok((slot, s.current_epoch(), u8::try_from(slot).ok()))
        })
    }

    /// Applies `change` to the session, appends its audit record (written
    /// and flushed first), then persists the header that counts it.
    /// `change` returns its result, the key id concerned and the keyslot.
    fn record<T>(
        &self,
        op: AuditOp,
        change: impl FnOnce(&mut FileSession) -> std::result::Result<(T, u32, Option<u8>), CoreError>,
    ) -> Result<T> {
        let serial = self.serial();
        self.record_locked(op, &serial, change)
    }

    /// [`record`](Self::record) with the audit lock already held.
    fn record_locked<T>(
        &self,
        op: AuditOp,
        _serial: &MutexGuard<'_, ()>,
        change: impl FnOnce(&mut FileSession) -> std::result::Result<(T, u32, Option<u8>), CoreError>,
    ) -> Result<T> {
        if !self.file.is_writable() {
            return Err(Error::io(
                "change",
                self.path(),
                std::io::ErrorKind::PermissionDenied.into(),
            ));
        }
        let mut session = self.file.write_session();
        let (records, prev) = self.read_audit(&session)?;
        let (out, key_id, keyslot) =
            change(&mut session).map_err(|e| Error::format(self.path(), e))?;
        let record = AuditRecord {
            index: records.len() as u64,
            unix_seconds: unix_now(),
            op,
            key_id,
            keyslot,
        };
        self.append_audit(&mut session, &record, &prev)?;
        Ok(out)
    }
}
