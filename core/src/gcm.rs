//! Portable AES-GCM (NIST SP 800-38D, 96-bit nonces, 128-bit tags),
//! composed from the `aes` block cipher and the `ghash` universal hash.
//!
//! Constant time: `aes` uses AES-NI or ARMv8 AES when present and otherwise
//! its fixsliced software backend (no tables); `ghash`/`polyval` uses
//! CLMUL/PMULL or a constant-time software multiplication.

use aes::cipher::array::Array;
use aes::cipher::typenum::Unsigned;
use aes::cipher::{
    BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, KeyInit,
    ParBlocks, consts::U16,
};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use zeroize::Zeroize;

use crate::aead::{Aead, Tag, check_nonce, verify_or_wipe};
use crate::error::Error;
use crate::suite::Suite;

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

    /// XORs `buf` with the keystream from counter 2 and returns the
    /// keystream block of counter 1, the tag mask (see [`Ctr32`]).
    fn ctr32(&self, nonce: &[u8], buf: &mut [u8]) -> Tag {
        let mut j0 = [0u8; 16];
        j0[..12].copy_from_slice(nonce);
        let mut mask = [0u8; 16];
        self.cipher.encrypt_with_backend(Ctr32 {
            j0: u128::from_be_bytes(j0),
            buf,
            mask: &mut mask,
        });
        mask
    }

    /// The tag over `aad` and `ciphertext`, masked with `mask`.
    fn tag(&self, mask: &Tag, aad: &[u8], ciphertext: &[u8]) -> Tag {
        let mut ghash = self.ghash.clone();
        ghash.update_padded(aad);
        ghash.update_padded(ciphertext);
        let mut lengths = Array::default();
        lengths[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
        lengths[8..].copy_from_slice(&(ciphertext.len() as u64 * 8).to_be_bytes());
        ghash.update(&[lengths]);
        let mut tag: Tag = ghash.finalize().into();
        for (t, m) in tag.iter_mut().zip(mask) {
            *t ^= m;
        }
        tag
    }

    fn check(&self, nonce: &[u8], len: usize) -> Result<(), Error> {
        check_nonce(C::SUITE, nonce)?;
        C::SUITE.check_message_len(len)
    }
}

/// Counter mode from counter 1 on one block-cipher backend, which is
/// obtained once per message (the software backend prepares its round keys
/// per call). Groups of the backend's parallel width are encrypted whole:
/// the first group starts with counter block 1, whose keystream is the tag
/// mask, so it costs no extra group. A last group at least half full is
/// padded with counters whose keystream is discarded (the fixsliced
/// software backend costs as much for one block as for its group of 4); a
/// shorter one goes block by block (the wide VAES backends' groups are 30
/// or 64 blocks).
struct Ctr32<'a> {
    /// The nonce followed by a zero 32-bit counter, as a big-endian integer.
    j0: u128,
    /// The message, XORed with the keystream from counter 2.
    buf: &'a mut [u8],
    /// Receives the keystream of counter 1.
    mask: &'a mut Tag,
}

impl BlockSizeUser for Ctr32<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for Ctr32<'_> {
    #[inline(always)]
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let width = B::ParBlocksSize::USIZE;
        let mut blocks = ParBlocks::<B>::default();
        let mut counter = 1u32;
        // The first group starts with the mask block.
        let mut skip = 1;
        let mut rest = self.buf;
        loop {
            let (chunk, tail) = rest.split_at_mut(rest.len().min(16 * (width - skip)));
            // A group at least half full is padded and encrypted whole; a
            // smaller one block by block.
            let needed = skip + chunk.len().div_ceil(16);
            let whole_group = 2 * needed >= width;
            let n = if whole_group { width } else { needed };
            for block in &mut blocks[..n] {
                block.0 = (self.j0 | u128::from(counter)).to_be_bytes();
                counter = counter.wrapping_add(1);
            }
            if whole_group {
                backend.encrypt_par_blocks_inplace(&mut blocks);
            } else {
                backend.encrypt_tail_blocks_inplace(&mut blocks[..n]);
            }
            if skip == 1 {
                *self.mask = blocks[0].0;
            }
            // Whole blocks as 128-bit words, then the partial last block.
            let last = (skip + chunk.len() / 16).min(width - 1);
            let mut whole = chunk.chunks_exact_mut(16);
            for (bytes, key) in (&mut whole).zip(&blocks[skip..]) {
                let word = u128::from_ne_bytes((*bytes).try_into().expect("16 bytes"))
                    ^ u128::from_ne_bytes(key.0);
                bytes.copy_from_slice(&word.to_ne_bytes());
            }
            for (byte, key) in whole.into_remainder().iter_mut().zip(blocks[last].iter()) {
                *byte ^= key;
            }
            skip = 0;
            rest = tail;
            if rest.is_empty() {
                break;
            }
        }
        for block in blocks.iter_mut() {
            block.zeroize();
        }
    }
}

impl<C: GcmBlockCipher> Aead for AesGcm<C> {
    fn suite(&self) -> Suite {
        C::SUITE
    }

    fn seal_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        self.check(nonce, buf.len())?;
        let mut mask = self.ctr32(nonce, buf);
        let tag = self.tag(&mask, aad, buf);
        mask.zeroize();
        Ok(tag)
    }

    fn open_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        self.check(nonce, buf.len())?;
        // Verify first: the mask alone, then the tag, then decrypt.
        let mut mask = self.ctr32(nonce, &mut []);
        let computed = self.tag(&mask, aad, buf);
        mask.zeroize();
        verify_or_wipe(&computed, tag, buf)?;
        self.ctr32(nonce, buf);
        Ok(())
    }
}
