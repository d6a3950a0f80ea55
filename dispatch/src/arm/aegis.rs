//! AEGIS kernels for the `armv8` backend: the generic state machines of
//! `pageseal_core::aegis` compiled inside `#[target_feature(enable =
//! "neon,aes")]` functions, the X variants on several 128-bit registers.

use pageseal_core::aegis::LaneSet;
use pageseal_core::{AegisVariant, Error, Tag};

use super::AesProof;
use super::lanes::Neon;
use crate::aegis::aegis_kernels;

/// Lane types of the ARMv8 backend: X variants on several registers.
struct NeonSet;
impl LaneSet for NeonSet {
    type L1 = Neon<1>;
    type L2 = Neon<2>;
    type L4 = Neon<4>;
}

aegis_kernels!(seal_armv8, open_armv8, NeonSet, "neon,aes");

/// Seals with the AEGIS `variant` with ARMv8 AES.
#[inline]
pub(crate) fn seal(
    _proof: AesProof,
    variant: AegisVariant,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    // SAFETY: an `AesProof` exists only after detection found ARMv8 AES
    // (with NEON), the features the kernel enables (`super::aes_proof`).
    unsafe { seal_armv8(variant, key, nonce, aad, buf) }
}

/// Opens with the AEGIS `variant` with ARMv8 AES; wipes `buf` when the tag
/// does not match.
#[inline]
pub(crate) fn open(
    _proof: AesProof,
    variant: AegisVariant,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<(), Error> {
    // SAFETY: as in `seal`, the `AesProof` vouches for ARMv8 AES and NEON.
    unsafe { open_armv8(variant, key, nonce, aad, buf, tag) }
}
