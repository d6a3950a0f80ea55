//! ChaCha20-Poly1305 kernel for aarch64 ([`crate::chacha`]): ChaCha20 on
//! 4 blocks per NEON batch ([`super::chacha_lanes`]), Poly1305 on the
//! 64-bit multiplier (`MUL`/`UMULH`).

use pageseal_core::Tag;

use super::ChaChaProof;
use super::chacha_lanes::Neon4;

/// Encrypts (or decrypts) `buf` in place on NEON and returns the tag of
/// the ciphertext ([`crate::chacha::crypt`]). NEON is part of the build:
/// the proof carries nothing.
#[inline]
pub(crate) fn crypt<const DECRYPT: bool>(
    _proof: ChaChaProof,
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    crate::chacha::crypt::<Neon4, Neon4, DECRYPT>(key, nonce, aad, buf)
}
