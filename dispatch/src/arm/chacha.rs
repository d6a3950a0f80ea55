//! ChaCha20-Poly1305 kernel for aarch64 ([`crate::chacha`]): ChaCha20 on
//! 4 blocks per NEON batch ([`super::chacha_lanes`]), Poly1305 on the
//! 64-bit multiplier (`MUL`/`UMULH`).

use pageseal_core::{Error, Tag};

use super::chacha_lanes::Neon4;
use crate::chacha::{Words, crypt, finish, start};

/// ChaCha20-Poly1305 keyed for the NEON backend.
pub(crate) struct ChaCha {
    key: Words,
}

impl ChaCha {
    /// Keys the kernel with the 32-byte `key` (length already checked).
    pub(crate) fn new(key: &[u8]) -> ChaCha {
        ChaCha {
            key: Words::new(key),
        }
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        let words = start(nonce, buf.len())?;
        let computed = crypt::<Neon4, Neon4, false>(&self.key.0, &words, aad, buf);
        finish::<false>(computed, &[0; 16], buf)
    }

    /// Decrypts `buf` in place and checks `tag`; on a mismatch wipes `buf`.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        let words = start(nonce, buf.len())?;
        let computed = crypt::<Neon4, Neon4, true>(&self.key.0, &words, aad, buf);
        finish::<true>(computed, tag, buf).map(drop)
    }
}
