//! AEGIS kernels for the x86_64 backends: the generic state machines of
//! `pageseal_core::aegis` compiled inside `#[target_feature]` functions, one
//! pair (seal, open) per instruction-set level.

use pageseal_core::aegis::LaneSet;
use pageseal_core::{AegisVariant, Error, Tag};

use super::Isa;
use super::aesni_lanes::AesNi;
use super::vaes_lanes::{Vaes256, Vaes512};
use crate::aegis::aegis_kernels;
use crate::backend::Proven;

/// AES-NI only: the X variants on two or four 128-bit registers.
struct AesNiSet;
impl LaneSet for AesNiSet {
    type L1 = AesNi<1>;
    type L2 = AesNi<2>;
    type L4 = AesNi<4>;
}

/// VAES on AVX2: two lanes per 256-bit register.
struct Vaes256Set;
impl LaneSet for Vaes256Set {
    type L1 = AesNi<1>;
    type L2 = Vaes256<1>;
    type L4 = Vaes256<2>;
}

/// VAES on AVX-512: four lanes in one 512-bit register.
struct Vaes512Set;
impl LaneSet for Vaes512Set {
    type L1 = AesNi<1>;
    type L2 = Vaes256<1>;
    type L4 = Vaes512;
}

aegis_kernels!(seal_aesni, open_aesni, AesNiSet, "aes,ssse3,sse4.1");
aegis_kernels!(
    seal_vaes256,
    open_vaes256,
    Vaes256Set,
    "aes,ssse3,sse4.1,avx2,vaes"
);
aegis_kernels!(
    seal_vaes512,
    open_vaes512,
    Vaes512Set,
    "aes,ssse3,sse4.1,avx2,vaes,avx512f,avx512bw,avx512vl"
);

/// Seals with the AEGIS `variant` on the level `proof` vouches for.
#[inline]
pub(crate) fn seal(
    proof: Proven,
    variant: AegisVariant,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    // `proof` is only created by `Proven::check` after detection found every
    // feature of its level, which are the features its kernel enables.
    match proof.isa() {
        // SAFETY: `Isa::AesNi` proves AES-NI, SSSE3 and SSE4.1.
        Isa::AesNi => unsafe { seal_aesni(variant, key, nonce, aad, buf) },
        // SAFETY: `Isa::Vaes256` proves those plus AVX2 and VAES.
        Isa::Vaes256 => unsafe { seal_vaes256(variant, key, nonce, aad, buf) },
        // SAFETY: `Isa::Vaes512` proves those plus AVX-512 F/BW/VL.
        Isa::Vaes512 => unsafe { seal_vaes512(variant, key, nonce, aad, buf) },
    }
}

/// Opens with the AEGIS `variant` on the level `proof` vouches for; wipes
/// `buf` when the tag does not match.
#[inline]
pub(crate) fn open(
    proof: Proven,
    variant: AegisVariant,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<(), Error> {
    // As in `seal`, `proof` certifies the features its kernel enables.
    match proof.isa() {
        // SAFETY: `Isa::AesNi` proves AES-NI, SSSE3 and SSE4.1.
        Isa::AesNi => unsafe { open_aesni(variant, key, nonce, aad, buf, tag) },
        // SAFETY: `Isa::Vaes256` proves those plus AVX2 and VAES.
        Isa::Vaes256 => unsafe { open_vaes256(variant, key, nonce, aad, buf, tag) },
        // SAFETY: `Isa::Vaes512` proves those plus AVX-512 F/BW/VL.
        Isa::Vaes512 => unsafe { open_vaes512(variant, key, nonce, aad, buf, tag) },
    }
}
