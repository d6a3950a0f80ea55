//! The file header: what a file is (encrypted or checksum-only), its suite,
//! page size and id, its keyslots and key epochs, a keyed MAC and a keyless
//! digest. FORMAT.md gives the byte layout; [`read_header`] parses it
//! without a key and [`HeaderRead::unlock`] checks a secret against it.

mod codec;

use crate::epoch::{EPOCH_ENTRY_LEN, EpochEntry, FileKeys, MAX_EPOCHS};
use crate::error::Error;
use crate::geometry::check_page_size;
use crate::kdf::{KdfBlock, KdfLimits, KdfMemory, KdfParams, hkdf_sha256, hmac_sha256};
use crate::keyslot::{FILE_KEY_LEN, KEYSLOT_LEN, Keyslot, SlotKdf};
use crate::nonce::NonceSource;
use crate::page::FILE_ID_LEN;
use crate::secret::Secret;
use crate::suite::Suite;

/// The magic bytes a pageseal file starts with.
pub const MAGIC: [u8; 8] = *b"PAGESEAL";
/// The newest format version this code reads and writes. A writer writes
/// the lowest version that can express its header: version 1 unless the
/// file is a key ring or an epoch has a creation time (FORMAT.md, "Format
/// versions"). Readers read both.
pub const FORMAT_VERSION: u16 = 2;
/// Length of one header copy.
pub const HEADER_COPY_LEN: usize = 2048;
/// Length of the header area (two copies) at the start of a file.
pub const HEADER_AREA_LEN: usize = 2 * HEADER_COPY_LEN;
/// Number of keyslots.
pub const KEYSLOTS: usize = 4;

const SLOTS_AT: usize = 64;
const EPOCHS_AT: usize = SLOTS_AT + KEYSLOTS * KEYSLOT_LEN;
const CREATED_AT: usize = 1792;
const MAC_AT: usize = 1984;
const DIGEST_AT: usize = 2016;
const _: () = assert!(EPOCHS_AT + MAX_EPOCHS * EPOCH_ENTRY_LEN <= CREATED_AT);
const _: () = assert!(CREATED_AT + MAX_EPOCHS * 8 <= MAC_AT);

/// Byte offset of page 0: the header area, or one page if pages are larger.
pub const fn data_offset(page_size: usize) -> u64 {
    if page_size > HEADER_AREA_LEN {
        page_size as u64
    } else {
        HEADER_AREA_LEN as u64
    }
}

/// Whether a file keeps its pages secret or only checks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Pages are sealed with a keyed suite; opening needs a secret.
    Encrypted,
    /// Pages carry the keyless `checksum` tag; no secret is involved.
    ChecksumOnly,
}

/// What an encrypted or checksum-only file holds beyond its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contents {
    /// Fixed-size pages (page files, SQLite databases): header byte 13 = 0.
    Pages,
    /// Nothing but the header and an audit record of key operations: a
    /// key registry whose data keys seal blocks kept in other files
    /// (header byte 13 = 1, format version 2).
    KeyRing,
}

impl Contents {
    /// The header byte.
    pub const fn id(self) -> u8 {
        match self {
            Contents::Pages => 0,
            Contents::KeyRing => 1,
        }
    }

    /// What this holds, in a few words ("a page file", "a key ring").
    pub const fn describe(self) -> &'static str {
        match self {
            Contents::Pages => "a page file",
            Contents::KeyRing => "a key ring",
        }
    }
}

/// A parsed header copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    kind: FileKind,
    contents: Contents,
    suite: Suite,
    page_size: usize,
    file_id: [u8; FILE_ID_LEN],
    generation: u64,
    data_len: u64,
    current_epoch: u32,
    slots: [Keyslot; KEYSLOTS],
    epochs: [EpochEntry; MAX_EPOCHS],
    /// Creation time of the epoch entry at the same index, Unix seconds
    /// (0 = unknown).
    created: [u64; MAX_EPOCHS],
    mac: [u8; 32],
}

impl Header {
    /// A new checksum-only header.
    pub fn new_checksum_only(
        page_size: usize,
        file_id: [u8; FILE_ID_LEN],
    ) -> Result<Header, Error> {
        check_page_size(page_size)?;
        Ok(Header::blank(
            FileKind::ChecksumOnly,
            Suite::Checksum,
            page_size,
            file_id,
        ))
    }

    /// A new encrypted header with a fresh random file key and the data key
    /// of epoch 1. It has no keyslot yet: add one with
    /// [`set_keyslot`](Self::set_keyslot) before writing it.
    pub fn new_encrypted<R: NonceSource + ?Sized>(
        suite: Suite,
        page_size: usize,
        file_id: [u8; FILE_ID_LEN],
        rng: &mut R,
    ) -> Result<(Header, FileKeys), Error> {
        check_page_size(page_size)?;
        if !suite.is_keyed() {
            return Err(Error::KeyNotExpected);
        }
        let mut file_key = [0u8; FILE_KEY_LEN];
        rng.fill_nonce(&mut file_key)?;
        let mut keys = FileKeys::new(file_key);
        let mut header = Header::blank(FileKind::Encrypted, suite, page_size, file_id);
        header.add_epoch(&mut keys, rng, 0)?;
        Ok((header, keys))
    }

    fn blank(kind: FileKind, suite: Suite, page_size: usize, file_id: [u8; FILE_ID_LEN]) -> Header {
        Header {
            kind,
            contents: Contents::Pages,
            suite,
            page_size,
            file_id,
            generation: 0,
            data_len: 0,
            current_epoch: 0,
            slots: [const { Keyslot::EMPTY }; KEYSLOTS],
            epochs: [const { EpochEntry::EMPTY }; MAX_EPOCHS],
            created: [0; MAX_EPOCHS],
            mac: [0; 32],
        }
    }

    /// Encrypted or checksum-only.
    pub fn kind(&self) -> FileKind {
        self.kind
    }
    /// Pages or a key ring.
    pub fn contents(&self) -> Contents {
        self.contents
    }
    /// Makes this the header of a key ring (before it is first written).
    pub fn set_contents(&mut self, contents: Contents) {
        self.contents = contents;
    }
    /// The version this header is written with: 2 for key rings and
    /// headers with epoch creation times, 1 otherwise.
    pub fn version(&self) -> u16 {
        if self.contents != Contents::Pages || self.created.iter().any(|&t| t != 0) {
            2
        } else {
            1
        }
    }
    /// The page suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }
    /// The page size in bytes.
    pub fn page_size(&self) -> usize {
        self.page_size
    }
    /// The file id bound into every page.
    pub fn file_id(&self) -> &[u8; FILE_ID_LEN] {
        &self.file_id
    }
    /// Incremented on every header write; the newer valid copy wins.
    pub fn generation(&self) -> u64 {
        self.generation
    }
    /// Sets the generation (writers use `generation() + 1`).
    pub fn set_generation(&mut self, generation: u64) {
        self.generation = generation;
    }
    /// Logical length of the stored data in bytes (writer-defined; the
    /// std adapter stores the plaintext length here).
    pub fn data_len(&self) -> u64 {
        self.data_len
    }
    /// Sets the logical data length.
    pub fn set_data_len(&mut self, len: u64) {
        self.data_len = len;
    }
    /// The epoch new pages are sealed under (0 for checksum-only files).
    pub fn current_epoch(&self) -> u32 {
        self.current_epoch
    }
    /// The keyslots.
    pub fn keyslots(&self) -> &[Keyslot; KEYSLOTS] {
        &self.slots
    }

    /// Live epochs with the number of seals recorded under each.
    pub fn epochs(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.epochs
            .iter()
            .filter(|e| e.is_live())
            .map(|e| (e.epoch(), e.seals()))
    }

    /// When `epoch` was created, in Unix seconds, if known (epochs made
    /// without a clock, and every epoch of a version-1 file, have none).
    pub fn created(&self, epoch: u32) -> Option<u64> {
        self.index_of(epoch)
            .map(|i| self.created[i])
            .filter(|&t| t != 0)
    }

    /// Records when `epoch` was created (Unix seconds, 0 = unknown).
    pub fn set_created(&mut self, epoch: u32, unix_seconds: u64) -> Result<(), Error> {
        let i = self.index_of(epoch).ok_or(Error::NoSuchEpoch { epoch })?;
        self.created[i] = unix_seconds;
        Ok(())
    }

    fn index_of(&self, epoch: u32) -> Option<usize> {
        self.epochs
            .iter()
            .position(|e| e.is_live() && e.epoch() == epoch)
    }

    /// Seals recorded under `epoch` (0 if it is not live).
    pub fn seals(&self, epoch: u32) -> u64 {
        self.entry(epoch).map_or(0, |e| e.seals())
    }

    /// Records `seals` seals under `epoch` in total.
    pub fn set_seals(&mut self, epoch: u32, seals: u64) -> Result<(), Error> {
        self.entry_mut(epoch)
            .ok_or(Error::NoSuchEpoch { epoch })?
            .set_seals(seals);
        Ok(())
    }

    fn entry(&self, epoch: u32) -> Option<&EpochEntry> {
        self.epochs
            .iter()
            .find(|e| e.is_live() && e.epoch() == epoch)
    }

    fn entry_mut(&mut self, epoch: u32) -> Option<&mut EpochEntry> {
        self.epochs
            .iter_mut()
            .find(|e| e.is_live() && e.epoch() == epoch)
    }

    /// Fills keyslot `index` for `secret` (replacing what it held). Only
    /// the header changes; no page is touched.
    pub fn set_keyslot<R: NonceSource + ?Sized>(
        &mut self,
        index: usize,
        secret: &Secret<'_>,
        params: &KdfParams,
        keys: &FileKeys,
        rng: &mut R,
        work: &mut [KdfBlock],
    ) -> Result<(), Error> {
        self.require_encrypted()?;
        if index >= KEYSLOTS {
            return Err(Error::NoSuchKeyslot { index });
        }
        self.slots[index] = Keyslot::fill(
            &self.file_id,
            index,
            secret,
            params,
            &keys.file_key,
            rng,
            work,
        )?;
        Ok(())
    }

    /// The first empty keyslot, or [`Error::KeyslotsFull`].
    pub fn free_keyslot(&self) -> Result<usize, Error> {
        self.slots
            .iter()
            .position(|s| s.kdf().is_none())
            .ok_or(Error::KeyslotsFull)
    }

    /// Empties keyslot `index`. The last filled keyslot cannot be removed.
    pub fn clear_keyslot(&mut self, index: usize) -> Result<(), Error> {
        let slot = self
            .slots
            .get(index)
            .ok_or(Error::NoSuchKeyslot { index })?;
        if slot.kdf().is_some() && self.slots.iter().filter(|s| s.kdf().is_some()).count() == 1 {
            return Err(Error::LastKeyslot);
        }
        self.slots[index] = Keyslot::EMPTY;
        Ok(())
    }

    /// Adds a key epoch with a fresh random data key, created at
    /// `unix_seconds` (0 = unknown), and makes it current.
    pub fn add_epoch<R: NonceSource + ?Sized>(
        &mut self,
        keys: &mut FileKeys,
        rng: &mut R,
        unix_seconds: u64,
    ) -> Result<u32, Error> {
        self.require_encrypted()?;
        let epoch = self
            .epochs()
            .map(|(e, _)| e)
            .max()
            .unwrap_or(0)
            .checked_add(1)
            .ok_or(Error::NoFreeEpoch)?;
        let free = self
            .epochs
            .iter()
            .position(|e| !e.is_live())
            .ok_or(Error::NoFreeEpoch)?;
        let (entry, key) =
            EpochEntry::create(&self.file_id, self.suite, epoch, &keys.file_key, rng)?;
        self.epochs[free] = entry;
        self.created[free] = unix_seconds;
        keys.insert(epoch, key);
        self.current_epoch = epoch;
        Ok(epoch)
    }

    /// Drops `epoch` (once no page uses it). The current epoch cannot be
    /// dropped.
    pub fn drop_epoch(&mut self, epoch: u32, keys: &mut FileKeys) -> Result<(), Error> {
        if epoch == self.current_epoch {
            return Err(Error::CurrentEpoch { epoch });
        }
        let i = self.index_of(epoch).ok_or(Error::NoSuchEpoch { epoch })?;
        self.epochs[i] = EpochEntry::EMPTY;
        self.created[i] = 0;
        keys.remove(epoch);
        Ok(())
    }

    fn require_encrypted(&self) -> Result<(), Error> {
        match self.kind {
            FileKind::Encrypted => Ok(()),
            FileKind::ChecksumOnly => Err(Error::KeyNotExpected),
        }
    }

    /// Tries `secret` on the keyslots made for its kind, cheapest first,
    /// skipping those whose Argon2id cost exceeds `limits`; checks the MAC
    /// and unwraps the data key of every live epoch. Working memory is
    /// asked of `memory` per keyslot tried.
    pub(crate) fn unlock_keys<M: KdfMemory + ?Sized>(
        &self,
        secret: &Secret<'_>,
        limits: &KdfLimits,
        memory: &mut M,
    ) -> Result<(FileKeys, usize), Error> {
        let mut order = [0, 1, 2, 3];
        order.sort_unstable_by_key(|&i| match self.slots[i].kdf() {
            Some(SlotKdf::Argon2id(p)) => u64::from(p.memory_kib) * u64::from(p.iterations),
            _ => 0,
        });
        let mut tried = 0;
        let mut too_costly: Option<KdfParams> = None;
        for index in order {
            let slot = &self.slots[index];
            let Some(kdf) = slot.kdf() else { continue };
            if kdf.secret_kind() != secret.kind() {
                continue;
            }
            tried += 1;
            let work: &mut [KdfBlock] = match kdf {
                SlotKdf::RawKey => &mut [],
                SlotKdf::Argon2id(params) if !limits.allows(&params) => {
                    too_costly.get_or_insert(params);
                    continue;
                }
                SlotKdf::Argon2id(params) => memory.blocks(params.blocks_needed())?,
            };
            if let Some(file_key) = slot.try_open(&self.file_id, index, secret, work)? {
                return Ok((self.keys_from(file_key)?, index));
            }
        }
        match (tried, too_costly) {
            (0, _) => Err(Error::NoKeyslotFor {
                kind: secret.kind(),
            }),
            (_, Some(p)) => Err(Error::KdfCostTooHigh {
                memory_kib: p.memory_kib,
                iterations: p.iterations,
                max_memory_kib: limits.max_memory_kib,
                max_iterations: limits.max_iterations,
            }),
            _ => Err(Error::WrongKey),
        }
    }

    fn keys_from(&self, file_key: [u8; FILE_KEY_LEN]) -> Result<FileKeys, Error> {
        let mut keys = FileKeys::new(file_key);
        let body = self.body();
        let mac = header_mac(&keys.file_key, &self.file_id, &body[..MAC_AT]);
        if !crate::aead::tags_match_32(&mac, &self.mac) {
            return Err(Error::HeaderAuthentication);
        }
        for entry in self.epochs.iter().filter(|e| e.is_live()) {
            let key = entry.unwrap_key(&self.file_id, self.suite, &keys.file_key)?;
            keys.insert(entry.epoch(), key);
        }
        Ok(keys)
    }
}

/// HMAC-SHA256 under HKDF-SHA256(file key, salt = file id,
/// info = "pageseal v1 header mac").
fn header_mac(file_key: &[u8; FILE_KEY_LEN], file_id: &[u8; FILE_ID_LEN], body: &[u8]) -> [u8; 32] {
    let mut key = hkdf_sha256(file_key, file_id, b"pageseal v1 header mac");
    let mac = hmac_sha256(&key, body);
    zeroize::Zeroize::zeroize(&mut key);
    mac
}
