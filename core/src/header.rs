//! The file header: what a file is (encrypted or checksum-only), its suite,
//! page size and id, its keyslots and key epochs, a keyed MAC and a keyless
//! digest. FORMAT.md gives the byte layout; [`read_header`] parses it
//! without a key and [`HeaderRead::unlock`] checks a secret against it.

use crate::epoch::{EPOCH_ENTRY_LEN, EpochEntry, FileKeys, MAX_EPOCHS};
use crate::error::{CopyFault, Error, HeaderCopy};
use crate::geometry::check_page_size;
use crate::kdf::{KdfBlock, KdfParams, hkdf_sha256, hmac_sha256, sha256};
use crate::keyslot::{FILE_KEY_LEN, KEYSLOT_LEN, Keyslot};
use crate::layout::{le32, le64, put32, put64};
use crate::nonce::NonceSource;
use crate::page::FILE_ID_LEN;
use crate::secret::Secret;
use crate::suite::Suite;

/// The magic bytes a pageseal file starts with.
pub const MAGIC: [u8; 8] = *b"PAGESEAL";
/// The format version this code reads and writes.
pub const FORMAT_VERSION: u16 = 1;
/// Length of one header copy.
pub const HEADER_COPY_LEN: usize = 2048;
/// Length of the header area (two copies) at the start of a file.
pub const HEADER_AREA_LEN: usize = 2 * HEADER_COPY_LEN;
/// Number of keyslots.
pub const KEYSLOTS: usize = 4;

const SLOTS_AT: usize = 64;
const EPOCHS_AT: usize = SLOTS_AT + KEYSLOTS * KEYSLOT_LEN;
const MAC_AT: usize = 1984;
const DIGEST_AT: usize = 2016;
const _: () = assert!(EPOCHS_AT + MAX_EPOCHS * EPOCH_ENTRY_LEN <= MAC_AT);

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

/// A parsed header copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    kind: FileKind,
    suite: Suite,
    page_size: usize,
    file_id: [u8; FILE_ID_LEN],
    generation: u64,
    data_len: u64,
    current_epoch: u32,
    slots: [Keyslot; KEYSLOTS],
    epochs: [EpochEntry; MAX_EPOCHS],
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
        header.add_epoch(&mut keys, rng)?;
        Ok((header, keys))
    }

    fn blank(kind: FileKind, suite: Suite, page_size: usize, file_id: [u8; FILE_ID_LEN]) -> Header {
        Header {
            kind,
            suite,
            page_size,
            file_id,
            generation: 0,
            data_len: 0,
            current_epoch: 0,
            slots: [const { Keyslot::EMPTY }; KEYSLOTS],
            epochs: [const { EpochEntry::EMPTY }; MAX_EPOCHS],
            mac: [0; 32],
        }
    }

    /// Encrypted or checksum-only.
    pub fn kind(&self) -> FileKind {
        self.kind
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

    /// Adds a key epoch with a fresh random data key and makes it current.
    pub fn add_epoch<R: NonceSource + ?Sized>(
        &mut self,
        keys: &mut FileKeys,
        rng: &mut R,
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
        let entry = self.entry_mut(epoch).ok_or(Error::NoSuchEpoch { epoch })?;
        *entry = EpochEntry::EMPTY;
        keys.remove(epoch);
        Ok(())
    }

    fn require_encrypted(&self) -> Result<(), Error> {
        match self.kind {
            FileKind::Encrypted => Ok(()),
            FileKind::ChecksumOnly => Err(Error::KeyNotExpected),
        }
    }

    /// The header copy's bytes, with the MAC (keyed from `keys`, required
    /// for encrypted files) and the digest filled in.
    pub fn encode(&self, keys: Option<&FileKeys>) -> Result<[u8; HEADER_COPY_LEN], Error> {
        let mut out = self.body();
        if self.kind == FileKind::Encrypted {
            let keys = keys.ok_or(Error::KeyRequired)?;
            let mac = header_mac(&keys.file_key, &self.file_id, &out[..MAC_AT]);
            out[MAC_AT..DIGEST_AT].copy_from_slice(&mac);
        }
        let digest = sha256(&out[..DIGEST_AT]);
        out[DIGEST_AT..].copy_from_slice(&digest);
        Ok(out)
    }

    /// Everything but the MAC and the digest.
    fn body(&self) -> [u8; HEADER_COPY_LEN] {
        let mut out = [0u8; HEADER_COPY_LEN];
        out[..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        out[10] = match self.kind {
            FileKind::Encrypted => 1,
            FileKind::ChecksumOnly => 2,
        };
        out[11] = self.suite.id();
        out[12] = self.page_size.trailing_zeros() as u8;
        out[16..32].copy_from_slice(&self.file_id);
        put64(&mut out[32..40], self.generation);
        put64(&mut out[40..48], self.data_len);
        put32(&mut out[48..52], self.current_epoch);
        for (i, slot) in self.slots.iter().enumerate() {
            let at = SLOTS_AT + i * KEYSLOT_LEN;
            out[at..at + KEYSLOT_LEN].copy_from_slice(slot.bytes());
        }
        for (i, entry) in self.epochs.iter().enumerate() {
            let at = EPOCHS_AT + i * EPOCH_ENTRY_LEN;
            out[at..at + EPOCH_ENTRY_LEN].copy_from_slice(entry.bytes());
        }
        out
    }

    /// Parses one header copy.
    pub fn decode(bytes: &[u8]) -> Result<Header, CopyFault> {
        let bytes = bytes.get(..HEADER_COPY_LEN).ok_or(CopyFault::Truncated)?;
        if bytes[..8] != MAGIC {
            return Err(CopyFault::BadMagic);
        }
        if sha256(&bytes[..DIGEST_AT])[..] != bytes[DIGEST_AT..] {
            return Err(CopyFault::DigestMismatch);
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != FORMAT_VERSION {
            return Err(CopyFault::UnsupportedVersion(version));
        }
        let suite = Suite::from_id(bytes[11]).map_err(|_| CopyFault::UnknownSuite(bytes[11]))?;
        let kind = match (bytes[10], suite) {
            (1, s) if s.is_keyed() => FileKind::Encrypted,
            (2, Suite::Checksum) => FileKind::ChecksumOnly,
            (1 | 2, _) => return Err(CopyFault::Invalid("file kind does not match the suite")),
            _ => return Err(CopyFault::Invalid("unknown file kind")),
        };
        let page_size = 1usize
            .checked_shl(u32::from(bytes[12]))
            .filter(|&s| check_page_size(s).is_ok())
            .ok_or(CopyFault::Invalid("page size out of range"))?;
        if bytes[13..16] != [0; 3]
            || bytes[52..64] != [0; 12]
            || bytes[EPOCHS_AT + MAX_EPOCHS * EPOCH_ENTRY_LEN..MAC_AT]
                .iter()
                .any(|&b| b != 0)
        {
            return Err(CopyFault::Invalid("reserved bytes are not zero"));
        }
        let mut header = Header::blank(kind, suite, page_size, [0; FILE_ID_LEN]);
        header.file_id.copy_from_slice(&bytes[16..32]);
        header.generation = le64(&bytes[32..40]);
        header.data_len = le64(&bytes[40..48]);
        header.current_epoch = le32(&bytes[48..52]);
        for (i, slot) in header.slots.iter_mut().enumerate() {
            let at = SLOTS_AT + i * KEYSLOT_LEN;
            *slot = Keyslot::decode(&bytes[at..at + KEYSLOT_LEN]).map_err(CopyFault::Invalid)?;
        }
        for (i, entry) in header.epochs.iter_mut().enumerate() {
            let at = EPOCHS_AT + i * EPOCH_ENTRY_LEN;
            *entry =
                EpochEntry::decode(&bytes[at..at + EPOCH_ENTRY_LEN]).map_err(CopyFault::Invalid)?;
        }
        header.mac.copy_from_slice(&bytes[MAC_AT..DIGEST_AT]);
        header.check_consistency().map_err(CopyFault::Invalid)?;
        Ok(header)
    }

    /// Argon2 working memory (in [`KdfBlock`]s) needed to try a
    /// passphrase on this header: the most any passphrase keyslot needs.
    pub fn kdf_blocks_needed(&self) -> usize {
        self.slots
            .iter()
            .filter_map(|s| match s.kdf() {
                Some(crate::keyslot::SlotKdf::Argon2id(p)) => Some(p.blocks_needed()),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    fn check_consistency(&self) -> Result<(), &'static str> {
        let live = || self.epochs.iter().filter(|e| e.is_live());
        for (i, a) in live().enumerate() {
            if live().skip(i + 1).any(|b| b.epoch() == a.epoch()) {
                return Err("an epoch appears twice");
            }
        }
        match self.kind {
            FileKind::ChecksumOnly => {
                if self.current_epoch != 0
                    || live().count() != 0
                    || self.slots.iter().any(|s| s.kdf().is_some())
                    || self.mac != [0; 32]
                {
                    return Err("checksum-only header holds keys");
                }
            }
            FileKind::Encrypted => {
                if self.entry(self.current_epoch).is_none() {
                    return Err("current epoch has no entry");
                }
                if self.slots.iter().all(|s| s.kdf().is_none()) {
                    return Err("encrypted header has no keyslot");
                }
            }
        }
        Ok(())
    }

    /// Tries `secret` on every keyslot, checks the MAC, and unwraps the
    /// data key of every live epoch.
    fn unlock_keys(
        &self,
        secret: &Secret<'_>,
        work: &mut [KdfBlock],
    ) -> Result<(FileKeys, usize), Error> {
        let mut tried = 0;
        for (index, slot) in self.slots.iter().enumerate() {
            if slot.kdf().map(|k| k.secret_kind()) != Some(secret.kind()) {
                continue;
            }
            tried += 1;
            if let Some(file_key) = slot.try_open(&self.file_id, index, secret, work)? {
                return Ok((self.keys_from(file_key)?, index));
            }
        }
        if tried == 0 {
            Err(Error::NoKeyslotFor {
                kind: secret.kind(),
            })
        } else {
            Err(Error::WrongKey)
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

/// A header read from a file without a key.
#[derive(Clone, Debug)]
pub struct HeaderRead {
    /// The copy in use: the valid one with the highest generation.
    pub header: Header,
    /// Which copy was used.
    pub copy: HeaderCopy,
    /// The copy that is damaged and should be rewritten, if any.
    pub damaged: Option<(HeaderCopy, CopyFault)>,
    other: Option<Header>,
}

/// A header whose secret has been checked.
#[derive(Debug)]
pub struct Opened {
    /// The header in use.
    pub header: Header,
    /// The unlocked keys (`None` for checksum-only files).
    pub keys: Option<FileKeys>,
    /// A header copy that is damaged (or failed its MAC) and should be
    /// rewritten from `header`; `None` when both copies are good.
    pub repair: Option<HeaderCopy>,
    /// The keyslot the secret opened (`None` for checksum-only files).
    pub slot: Option<usize>,
}

/// Reads the header area (the first [`HEADER_AREA_LEN`] bytes of a file)
/// without a key: picks a valid copy and says which one is damaged.
pub fn read_header(area: &[u8]) -> Result<HeaderRead, Error> {
    if area.get(..MAGIC.len()) != Some(&MAGIC[..])
        && area.get(HEADER_COPY_LEN..HEADER_COPY_LEN + MAGIC.len()) != Some(&MAGIC[..])
    {
        return Err(Error::NotPageseal {
            sqlite: area.starts_with(b"SQLite format 3\0"),
        });
    }
    if area.len() < HEADER_AREA_LEN {
        return Err(Error::HeaderTruncated {
            len: area.len(),
            needed: HEADER_AREA_LEN,
        });
    }
    let a = Header::decode(&area[..HEADER_COPY_LEN]);
    let b = Header::decode(&area[HEADER_COPY_LEN..HEADER_AREA_LEN]);
    match (a, b) {
        (Ok(a), Ok(b)) => {
            let (header, copy, other) = if b.generation > a.generation {
                (b, HeaderCopy::B, a)
            } else {
                (a, HeaderCopy::A, b)
            };
            let damaged =
                (header.generation != other.generation).then_some((copy.other(), CopyFault::Stale));
            Ok(HeaderRead {
                header,
                copy,
                damaged,
                other: Some(other),
            })
        }
        (Ok(a), Err(fault)) => Ok(HeaderRead {
            header: a,
            copy: HeaderCopy::A,
            damaged: Some((HeaderCopy::B, fault)),
            other: None,
        }),
        (Err(fault), Ok(b)) => Ok(HeaderRead {
            header: b,
            copy: HeaderCopy::B,
            damaged: Some((HeaderCopy::A, fault)),
            other: None,
        }),
        (Err(a), Err(b)) => Err(match (a, b) {
            (CopyFault::UnsupportedVersion(v), _) | (_, CopyFault::UnsupportedVersion(v)) => {
                Error::UnsupportedVersion { version: v }
            }
            (CopyFault::UnknownSuite(id), _) | (_, CopyFault::UnknownSuite(id)) => {
                Error::UnknownSuiteId { id }
            }
            (a, b) => Error::HeadersCorrupt { a, b },
        }),
    }
}

impl HeaderRead {
    /// Checks `secret` (which must be `None` for checksum-only files and
    /// `Some` for encrypted ones) and unlocks the file's keys. `work` is
    /// Argon2 memory for passphrase keyslots (may be empty for raw keys).
    pub fn unlock(
        self,
        secret: Option<&Secret<'_>>,
        work: &mut [KdfBlock],
    ) -> Result<Opened, Error> {
        let repair = self.damaged.map(|(copy, _)| copy);
        match (self.header.kind, secret) {
            (FileKind::ChecksumOnly, None) => Ok(Opened {
                header: self.header,
                keys: None,
                repair,
                slot: None,
            }),
            (FileKind::ChecksumOnly, Some(_)) => Err(Error::KeyNotExpected),
            (FileKind::Encrypted, None) => Err(Error::KeyRequired),
            (FileKind::Encrypted, Some(secret)) => match self.header.unlock_keys(secret, work) {
                Ok((keys, slot)) => Ok(Opened {
                    header: self.header,
                    keys: Some(keys),
                    repair,
                    slot: Some(slot),
                }),
                Err(Error::HeaderAuthentication) => {
                    // The copy in use was altered after it was written; fall
                    // back to the other copy if it authenticates.
                    let other = self.other.ok_or(Error::HeaderAuthentication)?;
                    let (keys, slot) = other.unlock_keys(secret, work)?;
                    Ok(Opened {
                        header: other,
                        keys: Some(keys),
                        repair: Some(self.copy),
                        slot: Some(slot),
                    })
                }
                Err(e) => Err(e),
            },
        }
    }
}
