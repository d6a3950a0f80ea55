//! AES-128 and AES-256 key expansion with `AESKEYGENASSIST`, and AES
//! encryption of independent blocks on round keys held in registers, for the
//! AES-GCM kernels of [`super::gcm`].
//!
//! # Soundness
//!
//! These safe functions execute AES-NI instructions. They are private to
//! the crate, `#[inline(always)]`, and only called from the
//! `#[target_feature(enable = "aes,...")]` functions of [`super::gcm`],
//! which run only for a [`crate::backend::Proven`] token (detection found AES-NI).

use core::arch::x86_64::{
    __m128i, _mm_aeskeygenassist_si128, _mm_setzero_si128, _mm_shuffle_epi32, _mm_slli_si128,
    _mm_xor_si128,
};

use super::aesni_lanes::load128;
use super::gcm_lanes::Wide;

/// Round keys of AES-128 (11 used) or AES-256 (15 used).
pub(crate) type Schedule = [__m128i; 15];

/// `k ^ (k << 32) ^ (k << 64) ^ (k << 96)`: the running XOR of the words
/// of the previous round key.
#[inline(always)]
fn prefix_xor(k: __m128i) -> __m128i {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe {
        let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
        let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
        _mm_xor_si128(k, _mm_slli_si128::<4>(k))
    }
}

/// `prefix_xor(prev)` XOR word `WORD` (`SHUF` selects it) of
/// `AESKEYGENASSIST(src, RCON)`.
#[inline(always)]
fn next<const RCON: i32, const SHUF: i32>(prev: __m128i, src: __m128i) -> __m128i {
    // SAFETY: AES-NI was detected (module documentation); SSE2 is baseline.
    unsafe {
        let assist = _mm_aeskeygenassist_si128::<RCON>(src);
        _mm_xor_si128(prefix_xor(prev), _mm_shuffle_epi32::<SHUF>(assist))
    }
}

/// Expands a 16- or 32-byte AES key (the caller checked the length).
#[inline(always)]
pub(crate) fn expand(key: &[u8]) -> Schedule {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    let mut rk = [unsafe { _mm_setzero_si128() }; 15];
    rk[0] = load128(key);
    if key.len() == 16 {
        rk[1] = next::<0x01, 0xff>(rk[0], rk[0]);
        rk[2] = next::<0x02, 0xff>(rk[1], rk[1]);
        rk[3] = next::<0x04, 0xff>(rk[2], rk[2]);
        rk[4] = next::<0x08, 0xff>(rk[3], rk[3]);
        rk[5] = next::<0x10, 0xff>(rk[4], rk[4]);
        rk[6] = next::<0x20, 0xff>(rk[5], rk[5]);
        rk[7] = next::<0x40, 0xff>(rk[6], rk[6]);
        rk[8] = next::<0x80, 0xff>(rk[7], rk[7]);
        rk[9] = next::<0x1b, 0xff>(rk[8], rk[8]);
        rk[10] = next::<0x36, 0xff>(rk[9], rk[9]);
    } else {
        rk[1] = load128(&key[16..]);
        rk[2] = next::<0x01, 0xff>(rk[0], rk[1]);
        rk[3] = next::<0x00, 0xaa>(rk[1], rk[2]);
        rk[4] = next::<0x02, 0xff>(rk[2], rk[3]);
        rk[5] = next::<0x00, 0xaa>(rk[3], rk[4]);
        rk[6] = next::<0x04, 0xff>(rk[4], rk[5]);
        rk[7] = next::<0x00, 0xaa>(rk[5], rk[6]);
        rk[8] = next::<0x08, 0xff>(rk[6], rk[7]);
        rk[9] = next::<0x00, 0xaa>(rk[7], rk[8]);
        rk[10] = next::<0x10, 0xff>(rk[8], rk[9]);
        rk[11] = next::<0x00, 0xaa>(rk[9], rk[10]);
        rk[12] = next::<0x20, 0xff>(rk[10], rk[11]);
        rk[13] = next::<0x00, 0xaa>(rk[11], rk[12]);
        rk[14] = next::<0x40, 0xff>(rk[12], rk[13]);
    }
    rk
}

/// Encrypts `N` independent registers of blocks under the `RK` round keys
/// `rk` (11 for AES-128, 15 for AES-256), round by round across all of
/// them so the AES units stay busy.
#[inline(always)]
pub(crate) fn encrypt<V: Wide, const RK: usize, const N: usize>(
    rk: &[V; RK],
    blocks: [V; N],
) -> [V; N] {
    encrypt_with(rk, blocks, &mut ())
}

/// [`encrypt`], with `between` stitched into the rounds
/// ([`middle_rounds`]).
#[inline(always)]
pub(crate) fn encrypt_with<V: Wide, const RK: usize, const N: usize>(
    rk: &[V; RK],
    blocks: [V; N],
    between: &mut impl Between,
) -> [V; N] {
    let mut s = blocks;
    // Plain loops, not `array::map`: closures in library code would not be
    // inlined into the `#[target_feature]` kernels.
    for v in &mut s {
        *v = v.xor(rk[0]);
    }
    middle_rounds(rk, &mut s, between);
    for v in &mut s {
        *v = v.aesenclast(rk[RK - 1]);
    }
    s
}

/// Work a kernel stitches between AES rounds (GHASH): a trait with an
/// always-inlined method rather than a closure, so that LLVM inlines it at
/// each round with the round number constant.
pub(crate) trait Between {
    /// Runs the share of the work that follows round `round`.
    fn after(&mut self, round: usize);
}

/// Nothing between the rounds.
impl Between for () {
    #[inline(always)]
    fn after(&mut self, _round: usize) {}
}

/// AES rounds `1 ..= RK - 2` (`AESENC` with `rk[i]`) on every register of
/// `s`, with `between.after(i)` once round `i` is issued.
///
/// Written out round by round: as a loop, LLVM keeps AES-256's thirteen
/// rounds of eight registers rolled, and the work of `after` then runs
/// before or after the AES rounds instead of between them.
#[inline(always)]
pub(crate) fn middle_rounds<V: Wide, const RK: usize, const N: usize>(
    rk: &[V; RK],
    s: &mut [V; N],
    between: &mut impl Between,
) {
    macro_rules! rounds {
        ($($i:literal)*) => {$(
            if $i + 1 < RK {
                for v in s.iter_mut() {
                    *v = v.aesenc(rk[$i]);
                }
                V::fence(s);
                between.after($i);
            }
        )*};
    }
    rounds!(1 2 3 4 5 6 7 8 9 10 11 12 13);
}
