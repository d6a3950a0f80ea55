//! [`Lanes`] on x86: word `i` of 8 consecutive ChaCha20 blocks in a
//! 256-bit register (`Avx2`) or of 16 in a 512-bit one (`Avx512`).
//!
//! # Soundness
//!
//! The methods are safe functions executing AVX2 (and, for `Avx512`,
//! AVX-512F) instructions. The types are private to the crate and only
//! used inside the `#[target_feature]` kernels of [`super::chacha`], which
//! run only for a [`crate::backend::Proven`] token of a level that includes those
//! features (`Avx512` only at the AVX-512 level). Every method is
//! `#[inline(always)]` into those kernels.

use core::arch::x86_64::{
    __m256i, __m512i, _mm256_add_epi32, _mm256_or_si256, _mm256_permute2x128_si256,
    _mm256_set_epi8, _mm256_set_epi32, _mm256_set1_epi32, _mm256_shuffle_epi8, _mm256_slli_epi32,
    _mm256_srli_epi32, _mm256_unpackhi_epi32, _mm256_unpackhi_epi64, _mm256_unpacklo_epi32,
    _mm256_unpacklo_epi64, _mm256_xor_si256, _mm512_add_epi32, _mm512_loadu_si512,
    _mm512_rol_epi32, _mm512_set_epi32, _mm512_set1_epi32, _mm512_shuffle_i32x4,
    _mm512_storeu_si512, _mm512_unpackhi_epi32, _mm512_unpackhi_epi64, _mm512_unpacklo_epi32,
    _mm512_unpacklo_epi64, _mm512_xor_si512,
};

use super::vaes_lanes::{load256, store256};
use crate::chacha::Lanes;

/// Eight blocks in 256-bit AVX2 registers.
#[derive(Clone, Copy)]
pub(crate) struct Avx2(__m256i);

/// Sixteen blocks in 512-bit AVX-512 registers.
#[derive(Clone, Copy)]
pub(crate) struct Avx512(__m512i);

impl Lanes for Avx2 {
    const BLOCKS: usize = 8;

    #[inline(always)]
    fn splat(word: u32) -> Self {
        // SAFETY: AVX was detected (module documentation).
        Avx2(unsafe { _mm256_set1_epi32(word as i32) })
    }

    #[inline(always)]
    fn counters(first: u32) -> Self {
        let c = |j: u32| first.wrapping_add(j) as i32;
        // SAFETY: AVX was detected (module documentation).
        Avx2(unsafe { _mm256_set_epi32(c(7), c(6), c(5), c(4), c(3), c(2), c(1), c(0)) })
    }

    #[inline(always)]
    fn add(self, other: Self) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Avx2(unsafe { _mm256_add_epi32(self.0, other.0) })
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Avx2(unsafe { _mm256_xor_si256(self.0, other.0) })
    }

    #[inline(always)]
    fn rotl<const BITS: u32>(self) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Avx2(unsafe {
            match BITS {
                // Whole-byte rotations are one byte shuffle.
                16 => _mm256_shuffle_epi8(
                    self.0,
                    _mm256_set_epi8(
                        13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2, 13, 12, 15, 14, 9, 8,
                        11, 10, 5, 4, 7, 6, 1, 0, 3, 2,
                    ),
                ),
                8 => _mm256_shuffle_epi8(
                    self.0,
                    _mm256_set_epi8(
                        14, 13, 12, 15, 10, 9, 8, 11, 6, 5, 4, 7, 2, 1, 0, 3, 14, 13, 12, 15, 10,
                        9, 8, 11, 6, 5, 4, 7, 2, 1, 0, 3,
                    ),
                ),
                12 => _mm256_or_si256(
                    _mm256_slli_epi32::<12>(self.0),
                    _mm256_srli_epi32::<20>(self.0),
                ),
                _ => _mm256_or_si256(
                    _mm256_slli_epi32::<7>(self.0),
                    _mm256_srli_epi32::<25>(self.0),
                ),
            }
        })
    }

    #[inline(always)]
    fn xor_into(words: &[Self; 16], out: &mut [u8]) {
        // Per group of four words, transpose 4×4 inside each 128-bit half:
        // afterwards `t[g][k]`'s half `h` holds words `4g..4g+4` of block
        // `4h + k`.
        let mut t = [[words[0].0; 4]; 4];
        for (g, group) in t.iter_mut().enumerate() {
            let w = |i: usize| words[4 * g + i].0;
            // SAFETY: AVX2 was detected (module documentation).
            unsafe {
                let a0 = _mm256_unpacklo_epi32(w(0), w(1));
                let a1 = _mm256_unpacklo_epi32(w(2), w(3));
                let a2 = _mm256_unpackhi_epi32(w(0), w(1));
                let a3 = _mm256_unpackhi_epi32(w(2), w(3));
                *group = [
                    _mm256_unpacklo_epi64(a0, a1),
                    _mm256_unpackhi_epi64(a0, a1),
                    _mm256_unpacklo_epi64(a2, a3),
                    _mm256_unpackhi_epi64(a2, a3),
                ];
            }
        }
        // Then block `4h + k` is half `h` of `t[0][k]`, `t[1][k]`, `t[2][k]`
        // and `t[3][k]`, in order.
        for k in 0..4 {
            // SAFETY: AVX2 was detected (module documentation).
            let halves = unsafe {
                [
                    [
                        _mm256_permute2x128_si256::<0x20>(t[0][k], t[1][k]),
                        _mm256_permute2x128_si256::<0x20>(t[2][k], t[3][k]),
                    ],
                    [
                        _mm256_permute2x128_si256::<0x31>(t[0][k], t[1][k]),
                        _mm256_permute2x128_si256::<0x31>(t[2][k], t[3][k]),
                    ],
                ]
            };
            for (h, pair) in halves.into_iter().enumerate() {
                let block = &mut out[64 * (4 * h + k)..][..64];
                for (p, ks) in pair.into_iter().enumerate() {
                    let bytes = &mut block[32 * p..];
                    // SAFETY: AVX2 was detected (module documentation).
                    store256(unsafe { _mm256_xor_si256(load256(bytes), ks) }, bytes);
                }
            }
        }
    }
}

impl Lanes for Avx512 {
    const BLOCKS: usize = 16;

    #[inline(always)]
    fn splat(word: u32) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Avx512(unsafe { _mm512_set1_epi32(word as i32) })
    }

    #[inline(always)]
    fn counters(first: u32) -> Self {
        let c = |j: u32| first.wrapping_add(j) as i32;
        // SAFETY: AVX-512F was detected (module documentation).
        Avx512(unsafe {
            _mm512_set_epi32(
                c(15),
                c(14),
                c(13),
                c(12),
                c(11),
                c(10),
                c(9),
                c(8),
                c(7),
                c(6),
                c(5),
                c(4),
                c(3),
                c(2),
                c(1),
                c(0),
            )
        })
    }

    #[inline(always)]
    fn add(self, other: Self) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Avx512(unsafe { _mm512_add_epi32(self.0, other.0) })
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Avx512(unsafe { _mm512_xor_si512(self.0, other.0) })
    }

    #[inline(always)]
    fn rotl<const BITS: u32>(self) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Avx512(unsafe {
            match BITS {
                16 => _mm512_rol_epi32::<16>(self.0),
                12 => _mm512_rol_epi32::<12>(self.0),
                8 => _mm512_rol_epi32::<8>(self.0),
                _ => _mm512_rol_epi32::<7>(self.0),
            }
        })
    }

    #[inline(always)]
    fn xor_into(words: &[Self; 16], out: &mut [u8]) {
        // Per group of four words, transpose 4×4 inside each 128-bit
        // quarter: `t[g][k]`'s quarter `q` holds words `4g..4g+4` of block
        // `4q + k`.
        let mut t = [[words[0].0; 4]; 4];
        for (g, group) in t.iter_mut().enumerate() {
            let w = |i: usize| words[4 * g + i].0;
            // SAFETY: AVX-512F was detected (module documentation).
            unsafe {
                let a0 = _mm512_unpacklo_epi32(w(0), w(1));
                let a1 = _mm512_unpacklo_epi32(w(2), w(3));
                let a2 = _mm512_unpackhi_epi32(w(0), w(1));
                let a3 = _mm512_unpackhi_epi32(w(2), w(3));
                *group = [
                    _mm512_unpacklo_epi64(a0, a1),
                    _mm512_unpackhi_epi64(a0, a1),
                    _mm512_unpacklo_epi64(a2, a3),
                    _mm512_unpackhi_epi64(a2, a3),
                ];
            }
        }
        // Then transpose the 4×4 matrix of quarters `t[0..4][k]`: block
        // `4q + k` is quarter `q` of each of them, in order.
        for k in 0..4 {
            // SAFETY: AVX-512F was detected (module documentation).
            let blocks = unsafe {
                let a0 = _mm512_shuffle_i32x4::<0x44>(t[0][k], t[1][k]);
                let a1 = _mm512_shuffle_i32x4::<0xee>(t[0][k], t[1][k]);
                let a2 = _mm512_shuffle_i32x4::<0x44>(t[2][k], t[3][k]);
                let a3 = _mm512_shuffle_i32x4::<0xee>(t[2][k], t[3][k]);
                [
                    _mm512_shuffle_i32x4::<0x88>(a0, a2),
                    _mm512_shuffle_i32x4::<0xdd>(a0, a2),
                    _mm512_shuffle_i32x4::<0x88>(a1, a3),
                    _mm512_shuffle_i32x4::<0xdd>(a1, a3),
                ]
            };
            for (q, ks) in blocks.into_iter().enumerate() {
                let block: &mut [u8; 64] = (&mut out[64 * (4 * q + k)..][..64])
                    .try_into()
                    .expect("64 bytes");
                // SAFETY: `block` is 64 readable and writable bytes,
                // `loadu`/`storeu` need no alignment, and AVX-512F was
                // detected (module documentation).
                unsafe {
                    let x = _mm512_xor_si512(_mm512_loadu_si512(block.as_ptr().cast()), ks);
                    _mm512_storeu_si512(block.as_mut_ptr().cast(), x);
                }
            }
        }
    }
}
