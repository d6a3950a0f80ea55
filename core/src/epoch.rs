//! Key epochs: one random data key per epoch, wrapped under a key derived
//! from the file key, with a count of the pages sealed under it.
//!
//! An epoch entry is 80 bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | epoch number, u32 LE (1 or more) |
//! | 4 | 1 | state: 0 empty, 1 live |
//! | 5 | 3 | zero |
//! | 8 | 8 | seals under this epoch so far, u64 LE |
//! | 16 | 12 | wrap nonce |
//! | 28 | 32 | wrapped data-key seed |
//! | 60 | 16 | wrap tag |
//! | 76 | 4 | zero |
//!
//! An empty entry is 80 zero bytes.

use core::fmt;

use zeroize::Zeroize;

use crate::aead::Aead;
use crate::chacha::ChaCha20Poly1305;
use crate::error::Error;
use crate::kdf::hkdf_sha256;
use crate::key::Key;
use crate::keyslot::FILE_KEY_LEN;
use crate::layout::{le32, le64, put32, put64};
use crate::nonce::NonceSource;
use crate::page::FILE_ID_LEN;
use crate::suite::Suite;

/// Length of one epoch entry.
pub const EPOCH_ENTRY_LEN: usize = 80;
/// Number of epoch entries in a header.
pub const MAX_EPOCHS: usize = 16;

/// One entry of the epoch table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EpochEntry {
    bytes: [u8; EPOCH_ENTRY_LEN],
}

impl EpochEntry {
    pub(crate) const EMPTY: EpochEntry = EpochEntry {
        bytes: [0; EPOCH_ENTRY_LEN],
    };

    pub(crate) fn decode(bytes: &[u8]) -> Result<EpochEntry, &'static str> {
        let mut entry = EpochEntry::EMPTY;
        entry.bytes.copy_from_slice(bytes);
        if bytes[5..8] != [0; 3] || bytes[76..] != [0; 4] {
            return Err("epoch entry reserved bytes are not zero");
        }
        match bytes[4] {
            0 if bytes.iter().all(|&b| b == 0) => Ok(entry),
            0 => Err("empty epoch entry is not all zero"),
            1 if entry.epoch() == 0 => Err("live epoch entry numbered 0"),
            1 => Ok(entry),
            _ => Err("epoch entry has an unknown state"),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8; EPOCH_ENTRY_LEN] {
        &self.bytes
    }

    pub(crate) fn is_live(&self) -> bool {
        self.bytes[4] == 1
    }

    pub(crate) fn epoch(&self) -> u32 {
        le32(&self.bytes[..4])
    }

    pub(crate) fn seals(&self) -> u64 {
        le64(&self.bytes[8..16])
    }

    pub(crate) fn set_seals(&mut self, seals: u64) {
        put64(&mut self.bytes[8..16], seals);
    }

    /// A new live entry holding a fresh random data key for `epoch`.
    pub(crate) fn create<R: NonceSource + ?Sized>(
        file_id: &[u8; FILE_ID_LEN],
        suite: Suite,
        epoch: u32,
        file_key: &[u8; FILE_KEY_LEN],
        rng: &mut R,
    ) -> Result<(EpochEntry, Key), Error> {
        let mut entry = EpochEntry::EMPTY;
        put32(&mut entry.bytes[..4], epoch);
        entry.bytes[4] = 1;
        rng.fill_nonce(&mut entry.bytes[16..28])?;
        let mut seed = [0u8; 32];
        rng.fill_nonce(&mut seed)?;
        let key = Key::new(suite, &seed[..suite.key_len()]);
        entry.bytes[28..60].copy_from_slice(&seed);
        seed.zeroize();
        let wrap = wrap_cipher(file_id, file_key)?;
        let aad = aad(file_id, epoch, suite);
        let (head, rest) = entry.bytes.split_at_mut(28);
        let tag = wrap.seal_detached(&head[16..28], &aad, &mut rest[..32])?;
        entry.bytes[60..76].copy_from_slice(&tag);
        Ok((entry, key?))
    }

    /// Unwraps this entry's data key.
    pub(crate) fn unwrap_key(
        &self,
        file_id: &[u8; FILE_ID_LEN],
        suite: Suite,
        file_key: &[u8; FILE_KEY_LEN],
    ) -> Result<Key, Error> {
        let wrap = wrap_cipher(file_id, file_key)?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&self.bytes[28..60]);
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&self.bytes[60..76]);
        let aad = aad(file_id, self.epoch(), suite);
        wrap.open_detached(&self.bytes[16..28], &aad, &mut seed, &tag)
            .map_err(|_| Error::HeaderAuthentication)?;
        let key = Key::new(suite, &seed[..suite.key_len()]);
        seed.zeroize();
        key
    }
}

/// The cipher that wraps data keys: ChaCha20-Poly1305 under
/// HKDF-SHA256(file key, salt = file id, info = "pageseal v1 epoch wrap").
fn wrap_cipher(
    file_id: &[u8; FILE_ID_LEN],
    file_key: &[u8; FILE_KEY_LEN],
) -> Result<ChaCha20Poly1305, Error> {
    let mut k = hkdf_sha256(file_key, file_id, b"pageseal v1 epoch wrap");
    let cipher = ChaCha20Poly1305::new(&k);
    k.zeroize();
    cipher
}

/// Associated data of a data-key wrap: label, file id, epoch, suite id.
fn aad(file_id: &[u8; FILE_ID_LEN], epoch: u32, suite: Suite) -> [u8; 17 + FILE_ID_LEN + 5] {
    let mut aad = [0u8; 17 + FILE_ID_LEN + 5];
    aad[..17].copy_from_slice(b"pageseal v1 epoch");
    aad[17..33].copy_from_slice(file_id);
    aad[33..37].copy_from_slice(&epoch.to_le_bytes());
    aad[37] = suite.id();
    aad
}

/// The unlocked keys of a file: its file key and the data key of every live
/// epoch. Everything is wiped on drop and never printed.
#[derive(Clone)]
pub struct FileKeys {
    pub(crate) file_key: [u8; FILE_KEY_LEN],
    pub(crate) data: [Option<(u32, Key)>; MAX_EPOCHS],
}

impl FileKeys {
    pub(crate) fn new(file_key: [u8; FILE_KEY_LEN]) -> FileKeys {
        FileKeys {
            file_key,
            data: Default::default(),
        }
    }

    /// The data key of `epoch`, if the file has that epoch.
    pub fn data_key(&self, epoch: u32) -> Option<&Key> {
        self.data
            .iter()
            .flatten()
            .find(|(e, _)| *e == epoch)
            .map(|(_, k)| k)
    }

    /// Every live epoch with its data key.
    pub fn epochs(&self) -> impl Iterator<Item = (u32, &Key)> {
        self.data.iter().flatten().map(|(e, k)| (*e, k))
    }

    pub(crate) fn insert(&mut self, epoch: u32, key: Key) {
        if let Some(slot) = self.data.iter_mut().find(|d| d.is_none()) {
            *slot = Some((epoch, key));
        }
    }

    pub(crate) fn remove(&mut self, epoch: u32) {
        for d in &mut self.data {
            if matches!(d, Some((e, _)) if *e == epoch) {
                *d = None;
            }
        }
    }
}

impl Drop for FileKeys {
    fn drop(&mut self) {
        self.file_key.zeroize();
    }
}

impl fmt::Debug for FileKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileKeys({} epochs, redacted)", self.epochs().count())
    }
}
