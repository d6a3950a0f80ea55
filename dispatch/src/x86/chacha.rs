//! ChaCha20-Poly1305 kernels for x86_64 ([`crate::chacha`]): ChaCha20 on
//! 8 blocks per AVX2 batch, or 16 per AVX-512 batch with AVX2 tails
//! ([`super::chacha_lanes`]).

use pageseal_core::{Error, Suite, Tag};

use super::chacha_lanes::{Avx2, Avx512};
use super::{Isa, Proven};
use crate::chacha::{Words, crypt, finish, start};
use crate::kernel::OnePass;

/// Whether a kernel here runs `suite` on level `isa` (AVX2 is needed).
pub(crate) fn has_kernel(isa: Isa, suite: Suite) -> bool {
    suite == Suite::ChaCha20Poly1305 && isa != Isa::AesNi
}

/// ChaCha20-Poly1305 keyed for the AVX2 or AVX-512 level.
pub(crate) struct ChaCha {
    proof: Proven,
    key: Words,
}

impl ChaCha {
    /// Keys the kernel with the 32-byte `key` (length already checked), or
    /// `None` when `proof`'s level has no AVX2.
    pub(crate) fn new(proof: Proven, key: &[u8]) -> Option<ChaCha> {
        if !has_kernel(proof.0, Suite::ChaCha20Poly1305) {
            return None;
        }
        Some(ChaCha {
            proof,
            key: Words::new(key),
        })
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
        let nonce = start(nonce, buf.len())?;
        let computed = if self.proof.0 == Isa::Vaes512 {
            // SAFETY: `Isa::Vaes512` certifies AVX2 and AVX-512F/BW/VL.
            unsafe { crypt_avx512::<DECRYPT>(&self.key.0, &nonce, aad, buf) }
        } else {
            // SAFETY: `new` keyed this only for a level with AVX2 (the
            // VAES levels), which `proof` certifies.
            unsafe { crypt_avx2::<DECRYPT>(&self.key.0, &nonce, aad, buf) }
        };
        finish::<DECRYPT>(computed, tag, buf)
    }
}

/// ChaCha20-Poly1305 on 8-block AVX2 batches.
#[target_feature(enable = "avx2")]
fn crypt_avx2<const DECRYPT: bool>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    crypt::<Avx2, Avx2, DECRYPT>(key, nonce, aad, buf)
}

/// ChaCha20-Poly1305 on 16-block AVX-512 batches (tails on AVX2).
#[target_feature(enable = "avx2,avx512f,avx512bw,avx512vl")]
fn crypt_avx512<const DECRYPT: bool>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    crypt::<Avx512, Avx2, DECRYPT>(key, nonce, aad, buf)
}
