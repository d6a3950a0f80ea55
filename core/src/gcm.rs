//! Portable AES-GCM (NIST SP 800-38D, 96-bit nonces, 128-bit tags),
//! composed from the `aes` block cipher and the `ghash` universal hash.
//!
//! Constant time: `aes` uses AES-NI or ARMv8 AES when present and otherwise
//! its fixsliced software backend (no tables); `ghash`/`polyval` uses
//! CLMUL/PMULL or a constant-time software multiplication.

use aes::cipher::array::Array;
use aes::cipher::{BlockCipherEncrypt, BlockSizeUser, KeyInit, consts::U16};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use zeroize::Zeroize;

use crate::aead::{Aead, Tag, check_nonce, verify_or_wipe};
use crate::error::Error;
use crate::suite::Suite;

/// Longest plaintext AES-GCM allows: 2^36 - 32 bytes.
const MAX_MESSAGE: u64 = (1 << 36) - 32;

/// Blocks of keystream computed per batch (32: the fixsliced software AES
/// amortises its bitslicing over many blocks; measured with callgrind,
/// 8 blocks cost 12% more instructions per page).
const BATCH: usize = 32;

/// A block cipher usable under GCM: 128-bit blocks, keyed from bytes.
pub trait GcmBlockCipher: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16> + KeyInit {
    /// The suite this cipher gives under GCM.
    const SUITE: Suite;
}

impl GcmBlockCipher for aes::Aes128 {
    const SUITE: Suite = Suite::Aes128Gcm;
}

impl GcmBlockCipher for aes::Aes256 {
    const SUITE: Suite = Suite::Aes256Gcm;
}

/// AES-GCM over block cipher `C`, with its key schedule and hash key
/// precomputed. Both are wiped on drop.
#[derive(Clone)]
pub struct AesGcm<C: GcmBlockCipher> {
    cipher: C,
    ghash: GHash,
}

/// AES-128-GCM.
pub type Aes128Gcm = AesGcm<aes::Aes128>;
/// AES-256-GCM.
pub type Aes256Gcm = AesGcm<aes::Aes256>;

impl<C: GcmBlockCipher> AesGcm<C> {
    /// Expands `key` (16 bytes for AES-128, 32 for AES-256).
    pub fn new(key: &[u8]) -> Result<Self, Error> {
        let cipher = C::new_from_slice(key).map_err(|_| Error::InvalidKeyLength {
            suite: C::SUITE,
            expected: C::SUITE.key_len(),
            actual: key.len(),
        })?;
        let mut h = Array::default();
        cipher.encrypt_block(&mut h);
        let ghash = GHash::new(&h);
        h.zeroize();
        Ok(AesGcm { cipher, ghash })
    }

    /// XORs `buf` with the keystream starting at counter `start`.
    fn ctr32(&self, nonce: &[u8], start: u32, buf: &mut [u8]) {
        let mut counter = start;
        let mut blocks: [Array<u8, U16>; BATCH] = Default::default();
        for chunk in buf.chunks_mut(16 * BATCH) {
            let n = chunk.len().div_ceil(16);
            for block in &mut blocks[..n] {
                block[..12].copy_from_slice(nonce);
                block[12..].copy_from_slice(&counter.to_be_bytes());
                counter = counter.wrapping_add(1);
            }
            self.cipher.encrypt_blocks(&mut blocks[..n]);
            let stream = Array::slice_as_flattened(&blocks[..n]);
            for (byte, key) in chunk.iter_mut().zip(stream) {
                *byte ^= key;
            }
        }
        for block in &mut blocks {
            block.zeroize();
        }
    }

    /// The tag over `aad` and `ciphertext`.
    fn tag(&self, nonce: &[u8], aad: &[u8], ciphertext: &[u8]) -> Tag {
        let mut ghash = self.ghash.clone();
        ghash.update_padded(aad);
        ghash.update_padded(ciphertext);
        let mut lengths = Array::default();
        lengths[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
        lengths[8..].copy_from_slice(&(ciphertext.len() as u64 * 8).to_be_bytes());
        ghash.update(&[lengths]);
        let mut tag: Tag = ghash.finalize().into();
        self.ctr32(nonce, 1, &mut tag);
        tag
    }

    fn check(&self, nonce: &[u8], len: usize) -> Result<(), Error> {
        check_nonce(C::SUITE, nonce)?;
        if len as u64 > MAX_MESSAGE {
            return Err(Error::MessageTooLong);
        }
        Ok(())
    }
}

impl<C: GcmBlockCipher> Aead for AesGcm<C> {
    fn suite(&self) -> Suite {
        C::SUITE
    }

    fn seal_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        self.check(nonce, buf.len())?;
        self.ctr32(nonce, 2, buf);
        Ok(self.tag(nonce, aad, buf))
    }

    fn open_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        self.check(nonce, buf.len())?;
        let computed = self.tag(nonce, aad, buf);
        verify_or_wipe(&computed, tag, buf)?;
        self.ctr32(nonce, 2, buf);
        Ok(())
    }
}
