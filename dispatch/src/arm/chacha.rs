//! ChaCha20-Poly1305 kernel for aarch64 ([`crate::chacha`]): ChaCha20 on
//! 4 blocks per NEON batch ([`super::chacha_lanes`]), Poly1305 on the
//! 64-bit multiplier (`MUL`/`UMULH`).

use pageseal_core::{Error, Suite, Tag};

use super::chacha_lanes::Neon4;
use crate::chacha::{Words, crypt, finish, start};
use crate::kernel::OnePass;

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
}

impl OnePass for ChaCha {
    fn suite(&self) -> Suite {
        Suite::ChaCha20Poly1305
    }

    fn run<const DECRYPT: bool>(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<Tag, Error> {
        let words = start(nonce, buf.len())?;
        let computed = crypt::<Neon4, Neon4, DECRYPT>(&self.key.0, &words, aad, buf);
        finish::<DECRYPT>(computed, tag, buf)
    }
}
