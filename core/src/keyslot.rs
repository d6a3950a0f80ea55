//! Keyslots: the file key wrapped under a key-encryption key derived from
//! a user secret. Changing a secret rewrites one keyslot and nothing else.
//!
//! A keyslot is 112 bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | KDF id: 0 empty, 1 raw key (HKDF-SHA256), 2 passphrase (Argon2id) |
//! | 1 | 3 | zero |
//! | 4 | 4 | Argon2 memory KiB, u32 LE (0 for raw keys) |
//! | 8 | 4 | Argon2 iterations, u32 LE (0 for raw keys) |
//! | 12 | 4 | Argon2 parallelism, u32 LE (0 for raw keys) |
//! | 16 | 32 | salt |
//! | 48 | 12 | wrap nonce |
//! | 60 | 32 | wrapped file key |
//! | 92 | 16 | wrap tag |
//! | 108 | 4 | zero |
//!
//! An empty slot is 112 zero bytes.

use zeroize::Zeroize;

use crate::aead::Aead;
use crate::chacha::ChaCha20Poly1305;
use crate::error::Error;
use crate::kdf::{KdfBlock, KdfParams, argon2id, raw_kek};
use crate::layout::{le32, put32};
use crate::nonce::NonceSource;
use crate::page::FILE_ID_LEN;
use crate::secret::{Secret, SecretKind};

/// Length of one keyslot.
pub const KEYSLOT_LEN: usize = 112;
/// Length of a file key.
pub const FILE_KEY_LEN: usize = 32;
/// Bytes of a keyslot covered by its wrap's associated data.
const SLOT_PARAMS_LEN: usize = 48;

/// The KDF a keyslot uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotKdf {
    /// A raw key through HKDF-SHA256.
    RawKey,
    /// A passphrase through Argon2id with these parameters.
    Argon2id(KdfParams),
}

impl SlotKdf {
    /// The kind of secret this slot opens with.
    pub fn secret_kind(&self) -> SecretKind {
        match self {
            SlotKdf::RawKey => SecretKind::RawKey,
            SlotKdf::Argon2id(_) => SecretKind::Passphrase,
        }
    }
}

/// One keyslot, empty (`kdf == None`) or holding a wrapped file key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyslot {
    bytes: [u8; KEYSLOT_LEN],
}

impl Keyslot {
    /// An empty keyslot.
    pub const EMPTY: Keyslot = Keyslot {
        bytes: [0; KEYSLOT_LEN],
    };

    /// Parses and checks a keyslot's bytes (structure only; the wrap is
    /// checked when a secret is tried).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Keyslot, &'static str> {
        let mut slot = Keyslot::EMPTY;
        slot.bytes.copy_from_slice(bytes);
        if bytes[1..4] != [0; 3] || bytes[108..] != [0; 4] {
            return Err("keyslot reserved bytes are not zero");
        }
        match bytes[0] {
            0 if bytes.iter().all(|&b| b == 0) => {}
            0 => return Err("empty keyslot is not all zero"),
            1 if bytes[4..16] != [0; 12] => return Err("raw-key keyslot has KDF parameters"),
            1 => {}
            2 => {
                let params = slot.params();
                params.validate().map_err(|e| match e {
                    Error::InvalidKdfParams { reason } => reason,
                    _ => "invalid KDF parameters",
                })?;
            }
            _ => return Err("keyslot has an unknown KDF id"),
        }
        Ok(slot)
    }

    /// The slot's bytes.
    pub(crate) fn bytes(&self) -> &[u8; KEYSLOT_LEN] {
        &self.bytes
    }

    fn params(&self) -> KdfParams {
        KdfParams {
            memory_kib: le32(&self.bytes[4..8]),
            iterations: le32(&self.bytes[8..12]),
            parallelism: le32(&self.bytes[12..16]),
        }
    }

    /// The slot's KDF, or `None` when the slot is empty.
    pub fn kdf(&self) -> Option<SlotKdf> {
        match self.bytes[0] {
            1 => Some(SlotKdf::RawKey),
            2 => Some(SlotKdf::Argon2id(self.params())),
            _ => None,
        }
    }

    /// Fills the slot: derives a key-encryption key from `secret` with a
    /// fresh salt and wraps `file_key` under it.
    pub(crate) fn fill<R: NonceSource + ?Sized>(
        file_id: &[u8; FILE_ID_LEN],
        index: usize,
        secret: &Secret<'_>,
        params: &KdfParams,
        file_key: &[u8; FILE_KEY_LEN],
        rng: &mut R,
        work: &mut [KdfBlock],
    ) -> Result<Keyslot, Error> {
        let mut slot = Keyslot::EMPTY;
        match secret {
            Secret::RawKey(_) => slot.bytes[0] = 1,
            Secret::Passphrase(_) => {
                params.validate()?;
                slot.bytes[0] = 2;
                put32(&mut slot.bytes[4..8], params.memory_kib);
                put32(&mut slot.bytes[8..12], params.iterations);
                put32(&mut slot.bytes[12..16], params.parallelism);
            }
        }
        rng.fill_nonce(&mut slot.bytes[16..48])?;
        rng.fill_nonce(&mut slot.bytes[48..60])?;
        let mut kek = slot.kek(secret, work)?;
        let wrap = ChaCha20Poly1305::new(&kek);
        kek.zeroize();
        let aad = slot.aad(file_id, index);
        slot.bytes[60..92].copy_from_slice(file_key);
        let (head, rest) = slot.bytes.split_at_mut(60);
        let tag = wrap?.seal_detached(&head[48..60], &aad, &mut rest[..32])?;
        slot.bytes[92..108].copy_from_slice(&tag);
        Ok(slot)
    }

    /// Tries `secret` on this slot: the file key, or `None` when the slot
    /// is empty, is for the other kind of secret, or the secret is wrong.
    pub(crate) fn try_open(
        &self,
        file_id: &[u8; FILE_ID_LEN],
        index: usize,
        secret: &Secret<'_>,
        work: &mut [KdfBlock],
    ) -> Result<Option<[u8; FILE_KEY_LEN]>, Error> {
        match self.kdf() {
            Some(kdf) if kdf.secret_kind() == secret.kind() => {}
            _ => return Ok(None),
        }
        let mut kek = self.kek(secret, work)?;
        let wrap = ChaCha20Poly1305::new(&kek);
        kek.zeroize();
        let mut file_key = [0u8; FILE_KEY_LEN];
        file_key.copy_from_slice(&self.bytes[60..92]);
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&self.bytes[92..108]);
        let aad = self.aad(file_id, index);
        match wrap?.open_detached(&self.bytes[48..60], &aad, &mut file_key, &tag) {
            Ok(()) => Ok(Some(file_key)),
            Err(Error::Authentication) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn kek(&self, secret: &Secret<'_>, work: &mut [KdfBlock]) -> Result<[u8; 32], Error> {
        let salt = &self.bytes[16..48];
        match (secret, self.kdf()) {
            (Secret::RawKey(key), _) => Ok(raw_kek(key, salt)),
            (Secret::Passphrase(p), Some(SlotKdf::Argon2id(params))) => {
                argon2id(p, salt, &params, work)
            }
            (Secret::Passphrase(_), _) => Err(Error::InvalidKdfParams {
                reason: "passphrase slot without Argon2id parameters",
            }),
        }
    }

    /// Associated data of the wrap: a label, the file id, the slot index
    /// and the slot's KDF id, parameters and salt.
    fn aad(
        &self,
        file_id: &[u8; FILE_ID_LEN],
        index: usize,
    ) -> [u8; 19 + FILE_ID_LEN + 1 + SLOT_PARAMS_LEN] {
        let mut aad = [0u8; 19 + FILE_ID_LEN + 1 + SLOT_PARAMS_LEN];
        aad[..19].copy_from_slice(b"pageseal v1 keyslot");
        aad[19..35].copy_from_slice(file_id);
        aad[35] = index as u8;
        aad[36..].copy_from_slice(&self.bytes[..SLOT_PARAMS_LEN]);
        aad
    }
}
