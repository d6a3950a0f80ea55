//! ChaCha20-Poly1305 kernels for x86_64 ([`crate::chacha`]): ChaCha20 on
//! 8 blocks per AVX2 batch, or 16 per AVX-512 batch with AVX2 tails
//! ([`super::chacha_lanes`]).

use pageseal_core::Tag;

use super::chacha_lanes::{Avx2, Avx512};
use super::{ChaChaProof, Isa};

/// Encrypts (or decrypts) `buf` in place on the level `proof` vouches for
/// and returns the tag of the ciphertext ([`crate::chacha::crypt`]).
#[inline]
pub(crate) fn crypt<const DECRYPT: bool>(
    proof: ChaChaProof,
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    if proof.0 == Isa::Vaes512 {
        // SAFETY: `Isa::Vaes512` certifies AVX2 and AVX-512F/BW/VL.
        unsafe { crypt_avx512::<DECRYPT>(key, nonce, aad, buf) }
    } else {
        // SAFETY: a `ChaChaProof` exists only for the VAES levels
        // (`super::chacha_proof`), which certify AVX2.
        unsafe { crypt_avx2::<DECRYPT>(key, nonce, aad, buf) }
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
    crate::chacha::crypt::<Avx2, Avx2, DECRYPT>(key, nonce, aad, buf)
}

/// ChaCha20-Poly1305 on 16-block AVX-512 batches (tails on AVX2).
#[target_feature(enable = "avx2,avx512f,avx512bw,avx512vl")]
fn crypt_avx512<const DECRYPT: bool>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    crate::chacha::crypt::<Avx512, Avx2, DECRYPT>(key, nonce, aad, buf)
}
