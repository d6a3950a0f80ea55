//! Key derivation: Argon2id for passphrases, HKDF-SHA256 for raw keys and
//! for the subkeys of a file key, HMAC-SHA256 and SHA-256 for the header.

use argon2::{Algorithm, Argon2, Params, Version};
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::secret::RawKey;

/// One kibibyte of Argon2 working memory. no_std callers provide
/// `memory_kib` of these (see [`KdfParams::blocks_needed`]).
pub use argon2::Block as KdfBlock;

/// Argon2id cost parameters, stored in each passphrase keyslot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over the memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
}

impl KdfParams {
    /// The defaults for new keyslots: 64 MiB, 3 passes, 1 lane.
    ///
    /// RFC 9106 §4 recommends Argon2id with 64 MiB and t = 3 when 2 GiB is
    /// too much. One lane because the derivation runs on one thread here;
    /// on a 2020s desktop core it takes about a quarter of a second, which
    /// an interactive open can afford, while a guessing attacker pays
    /// 64 MiB of memory per guess. Embedded callers pick smaller values.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };

    /// Largest memory accepted from a header: 4 GiB (a larger value in a
    /// damaged or hostile header must not make a reader allocate it).
    pub const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
    /// Largest iteration count accepted.
    pub const MAX_ITERATIONS: u32 = 1 << 16;
    /// Largest lane count accepted.
    pub const MAX_PARALLELISM: u32 = 64;

    /// Checks the parameters against Argon2's rules and pageseal's limits.
    pub fn validate(&self) -> Result<(), Error> {
        let reason = if self.parallelism == 0 || self.parallelism > Self::MAX_PARALLELISM {
            "parallelism must be 1 to 64"
        } else if self.iterations == 0 || self.iterations > Self::MAX_ITERATIONS {
            "iterations must be 1 to 65536"
        } else if self.memory_kib < 8 * self.parallelism {
            "memory must be at least 8 KiB per lane"
        } else if self.memory_kib > Self::MAX_MEMORY_KIB {
            "memory must be at most 4 GiB"
        } else {
            return Ok(());
        };
        Err(Error::InvalidKdfParams { reason })
    }

    /// Number of [`KdfBlock`]s of working memory a derivation needs.
    pub fn blocks_needed(&self) -> usize {
        self.memory_kib as usize
    }
}

/// Argon2id (version 0x13) of `passphrase` with `salt`: a 32-byte key.
pub fn argon2id(
    passphrase: &[u8],
    salt: &[u8],
    params: &KdfParams,
    work: &mut [KdfBlock],
) -> Result<[u8; 32], Error> {
    params.validate()?;
    if work.len() < params.blocks_needed() {
        return Err(Error::KdfMemoryTooSmall {
            needed_kib: params.memory_kib,
            have_kib: u32::try_from(work.len()).unwrap_or(u32::MAX),
        });
    }
    let argon_params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|_| Error::InvalidKdfParams {
        reason: "rejected by Argon2",
    })?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into_with_memory(
            passphrase,
            salt,
            &mut out,
            &mut work[..params.blocks_needed()],
        )
        .map_err(|_| Error::InvalidKdfParams {
            reason: "rejected by Argon2",
        })?;
    Ok(out)
}

/// What a reader is willing to spend on one Argon2id derivation. The cost
/// parameters come from the header, which anyone can edit before the key
/// is checked: a slot asking for more than this is skipped (and reported
/// with [`Error::KdfCostTooHigh`] if no other slot opens), never run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfLimits {
    /// Most memory, in KiB.
    pub max_memory_kib: u32,
    /// Most passes over the memory.
    pub max_iterations: u32,
}

impl KdfLimits {
    /// 1 GiB and 16 passes: sixteen times the memory and five times the
    /// passes of [`KdfParams::DEFAULT`], so files made with pageseal's
    /// defaults (or costs well above them) open, while an edited header
    /// cannot make a reader allocate 4 GiB or derive for days.
    pub const DEFAULT: KdfLimits = KdfLimits {
        max_memory_kib: 1 << 20,
        max_iterations: 16,
    };

    /// Whether a derivation with `params` stays within these limits.
    pub fn allows(&self, params: &KdfParams) -> bool {
        params.memory_kib <= self.max_memory_kib && params.iterations <= self.max_iterations
    }
}

impl Default for KdfLimits {
    fn default() -> Self {
        KdfLimits::DEFAULT
    }
}

/// Argon2 working memory, handed out per keyslot tried, so that a reader
/// never holds more than the one derivation it runs needs.
///
/// Implemented for slices and arrays of [`KdfBlock`] (no_std callers
/// lend a fixed area); the std adapter allocates per request and wipes what
/// it allocated (the last block yields the key-encryption key).
pub trait KdfMemory {
    /// At least `blocks` blocks of working memory.
    fn blocks(&mut self, blocks: usize) -> Result<&mut [KdfBlock], Error>;
}

impl KdfMemory for [KdfBlock] {
    fn blocks(&mut self, blocks: usize) -> Result<&mut [KdfBlock], Error> {
        let len = self.len();
        self.get_mut(..blocks).ok_or(Error::KdfMemoryTooSmall {
            needed_kib: u32::try_from(blocks).unwrap_or(u32::MAX),
            have_kib: u32::try_from(len).unwrap_or(u32::MAX),
        })
    }
}

impl<const N: usize> KdfMemory for [KdfBlock; N] {
    fn blocks(&mut self, blocks: usize) -> Result<&mut [KdfBlock], Error> {
        self.as_mut_slice().blocks(blocks)
    }
}

/// HKDF-SHA256 (RFC 5869) with a 32-byte output.
pub fn hkdf_sha256(ikm: &[u8], salt: &[u8], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

/// The key-encryption key of a raw-key keyslot.
pub fn raw_kek(key: &RawKey, salt: &[u8]) -> [u8; 32] {
    hkdf_sha256(key.as_bytes(), salt, b"pageseal v1 raw kek")
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}
