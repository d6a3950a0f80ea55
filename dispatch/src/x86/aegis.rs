//! AEGIS kernels for the x86_64 backends: the generic state machines of
//! `pageseal_core::aegis` compiled inside `#[target_feature]` functions, one
//! pair (seal, open) per instruction-set level.

use pageseal_core::{Error, Suite, Tag};

use super::aesni_lanes::AesNi;
use super::vaes_lanes::{Vaes256, Vaes512};
use super::{Isa, Proven};
use crate::aegis::{self, LaneSet};

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

/// Defines a seal and an open kernel on lane set `$set` compiled with
/// `$features`.
macro_rules! kernels {
    ($seal:ident, $open:ident, $set:ty, $features:literal) => {
        #[target_feature(enable = $features)]
        fn $seal(suite: Suite, key: &[u8], nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Tag {
            aegis::seal::<$set>(suite, key, nonce, aad, buf)
        }

        #[target_feature(enable = $features)]
        fn $open(
            suite: Suite,
            key: &[u8],
            nonce: &[u8],
            aad: &[u8],
            buf: &mut [u8],
            tag: &Tag,
        ) -> Result<(), Error> {
            aegis::open::<$set>(suite, key, nonce, aad, buf, tag)
        }
    };
}

kernels!(seal_aesni, open_aesni, AesNiSet, "aes,ssse3,sse4.1");
kernels!(
    seal_vaes256,
    open_vaes256,
    Vaes256Set,
    "aes,ssse3,sse4.1,avx2,vaes"
);
kernels!(
    seal_vaes512,
    open_vaes512,
    Vaes512Set,
    "aes,ssse3,sse4.1,avx2,vaes,avx512f,avx512bw,avx512vl"
);

/// Seals with the AEGIS-based `suite` on the level `proof` vouches for.
pub(crate) fn seal(
    proof: Proven,
    suite: Suite,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    // `proof` is only created by `Proven::check` after detection found every
    // feature of its level, which are the features its kernel enables.
    match proof.0 {
        // SAFETY: `Isa::AesNi` proves AES-NI, SSSE3 and SSE4.1.
        Isa::AesNi => unsafe { seal_aesni(suite, key, nonce, aad, buf) },
        // SAFETY: `Isa::Vaes256` proves those plus AVX2 and VAES.
        Isa::Vaes256 => unsafe { seal_vaes256(suite, key, nonce, aad, buf) },
        // SAFETY: `Isa::Vaes512` proves those plus AVX-512 F/BW/VL.
        Isa::Vaes512 => unsafe { seal_vaes512(suite, key, nonce, aad, buf) },
    }
}

/// Opens with the AEGIS-based `suite` on the level `proof` vouches for;
/// wipes `buf` when the tag does not match.
pub(crate) fn open(
    proof: Proven,
    suite: Suite,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<(), Error> {
    // As in `seal`, `proof` certifies the features its kernel enables.
    match proof.0 {
        // SAFETY: `Isa::AesNi` proves AES-NI, SSSE3 and SSE4.1.
        Isa::AesNi => unsafe { open_aesni(suite, key, nonce, aad, buf, tag) },
        // SAFETY: `Isa::Vaes256` proves those plus AVX2 and VAES.
        Isa::Vaes256 => unsafe { open_vaes256(suite, key, nonce, aad, buf, tag) },
        // SAFETY: `Isa::Vaes512` proves those plus AVX-512 F/BW/VL.
        Isa::Vaes512 => unsafe { open_vaes512(suite, key, nonce, aad, buf, tag) },
    }
}
