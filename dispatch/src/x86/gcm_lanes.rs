//! The vector operations the AES-GCM kernel of [`super::gcm`] is written
//! over, on one 128-bit block (`Xmm`, AES-NI + PCLMULQDQ), two blocks per
//! 256-bit register (`Ymm`, VAES + VPCLMULQDQ) or four per 512-bit
//! register (`Zmm`, the same with AVX-512).
//!
//! # Soundness
//!
//! The methods are safe functions executing AES-NI, PCLMULQDQ, SSSE3, AVX2,
//! VAES and VPCLMULQDQ instructions. The types are private to the crate and
//! only used inside the `#[target_feature]` kernels of [`super::gcm`], which
//! run only for a [`crate::backend::Proven`] token created after detection found
//! every feature of its level (`Ymm` only at the VAES levels, `Zmm` only at
//! the AVX-512 level). Every method
//! is `#[inline(always)]` into those kernels.

use core::arch::asm;
use core::arch::x86_64::{
    __m128i, __m256i, __m512i, _MM_PERM_BADC, _mm_add_epi32, _mm_aesenc_si128,
    _mm_aesenclast_si128, _mm_clmulepi64_si128, _mm_cvtsi32_si128, _mm_set_epi8, _mm_set_epi32,
    _mm_shuffle_epi8, _mm_shuffle_epi32, _mm_xor_si128, _mm256_add_epi32, _mm256_aesenc_epi128,
    _mm256_aesenclast_epi128, _mm256_broadcastsi128_si256, _mm256_castsi256_si128,
    _mm256_clmulepi64_epi128, _mm256_extracti128_si256, _mm256_set_epi32, _mm256_shuffle_epi8,
    _mm256_shuffle_epi32, _mm256_xor_si256, _mm256_zextsi128_si256, _mm512_add_epi32,
    _mm512_aesenc_epi128, _mm512_aesenclast_epi128, _mm512_broadcast_i32x4, _mm512_castsi512_si256,
    _mm512_clmulepi64_epi128, _mm512_extracti64x4_epi64, _mm512_loadu_si512, _mm512_set_epi32,
    _mm512_shuffle_epi8, _mm512_shuffle_epi32, _mm512_storeu_si512, _mm512_xor_si512,
    _mm512_zextsi128_si512,
};

use zeroize::Zeroize;

use super::aesni_lanes::{load128, store128};
use super::vaes_lanes::{load256, store256};

/// One or more AES blocks in a register, with the operations GCM needs.
pub(crate) trait Wide: Copy {
    /// 16-byte blocks per register.
    const BLOCKS: usize;
    /// Loads `16 * BLOCKS` bytes.
    fn load(bytes: &[u8]) -> Self;
    /// Stores `16 * BLOCKS` bytes.
    fn store(self, out: &mut [u8]);
    /// `block` in every lane.
    fn broadcast(block: __m128i) -> Self;
    /// `block` in lane 0, zeros in the others.
    fn low(block: __m128i) -> Self;
    /// Lane-wise XOR.
    fn xor(self, other: Self) -> Self;
    /// One AES round (`AESENC`) per lane.
    fn aesenc(self, round_key: Self) -> Self;
    /// The last AES round (`AESENCLAST`) per lane.
    fn aesenclast(self, round_key: Self) -> Self;
    /// Reverses the bytes of each 128-bit lane.
    fn bswap(self) -> Self;
    /// Swaps the 64-bit halves of each 128-bit lane.
    fn swap_halves(self) -> Self;
    /// Lane `j` is the byte-reversed counter block `rev` plus `first + j`
    /// in its low 32 bits, wrapping: GCM's `inc32` in the byte-reversed
    /// domain ([`Wide::bswap`] gives the counter blocks).
    fn counters(rev: __m128i, first: u32) -> Self;
    /// The counters `BLOCKS` further on: `BLOCKS` added to each lane's
    /// low 32 bits, wrapping.
    fn next_counters(self) -> Self;
    /// Carry-less product of one 64-bit half of each lane of `self` and
    /// `other`, chosen by `IMM` as for `PCLMULQDQ`.
    fn clmul<const IMM: i32>(self, other: Self) -> Self;
    /// XOR of all lanes.
    fn fold(self) -> __m128i;
    /// Overwrites the register's copy in memory, if any, with zeros
    /// (a volatile store the compiler keeps): for key material.
    fn wipe(&mut self);
    /// Keeps the work on `regs` in program order: an empty assembly
    /// statement that takes each register in and hands it back, so LLVM
    /// must finish everything feeding `regs` before it and can start
    /// nothing that uses them until after it, and the statements stay in
    /// order among themselves. Used once per AES round on an iteration's
    /// eight registers (and on the three GHASH sums): without it LLVM
    /// regroups the rounds register by register and the GHASH
    /// multiplications all in one run, and the stitched kernels lose
    /// 7-10 % (AES-256-GCM, 4 KiB pages). Acts on 8 or 3 registers;
    /// other counts are left alone.
    fn fence<const N: usize>(regs: &mut [Self; N]);
}

/// The `PSHUFB` mask that reverses 16 bytes.
#[inline(always)]
fn reverse_mask() -> __m128i {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe { _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }
}

/// One block in a 128-bit register.
#[derive(Clone, Copy)]
pub(crate) struct Xmm(pub(crate) __m128i);

/// Two blocks in a 256-bit register.
#[derive(Clone, Copy)]
pub(crate) struct Ymm(__m256i);

/// Four blocks in a 512-bit register.
#[derive(Clone, Copy)]
pub(crate) struct Zmm(__m512i);

impl Wide for Xmm {
    const BLOCKS: usize = 1;

    #[inline(always)]
    fn load(bytes: &[u8]) -> Self {
        Xmm(load128(bytes))
    }

    #[inline(always)]
    fn store(self, out: &mut [u8]) {
        store128(self.0, out);
    }

    #[inline(always)]
    fn broadcast(block: __m128i) -> Self {
        Xmm(block)
    }

    #[inline(always)]
    fn low(block: __m128i) -> Self {
        Xmm(block)
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        Xmm(unsafe { _mm_xor_si128(self.0, other.0) })
    }

    #[inline(always)]
    fn aesenc(self, round_key: Self) -> Self {
        // SAFETY: AES-NI was detected (module documentation).
        Xmm(unsafe { _mm_aesenc_si128(self.0, round_key.0) })
    }

    #[inline(always)]
    fn aesenclast(self, round_key: Self) -> Self {
        // SAFETY: AES-NI was detected (module documentation).
        Xmm(unsafe { _mm_aesenclast_si128(self.0, round_key.0) })
    }

    #[inline(always)]
    fn bswap(self) -> Self {
        // SAFETY: SSSE3 was detected with AES-NI (module documentation).
        Xmm(unsafe { _mm_shuffle_epi8(self.0, reverse_mask()) })
    }

    #[inline(always)]
    fn swap_halves(self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        Xmm(unsafe { _mm_shuffle_epi32::<0x4e>(self.0) })
    }

    #[inline(always)]
    fn counters(rev: __m128i, first: u32) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        Xmm(unsafe { _mm_add_epi32(rev, _mm_cvtsi32_si128(first as i32)) })
    }

    #[inline(always)]
    fn next_counters(self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        Xmm(unsafe { _mm_add_epi32(self.0, _mm_set_epi32(0, 0, 0, 1)) })
    }

    #[inline(always)]
    fn clmul<const IMM: i32>(self, other: Self) -> Self {
        // SAFETY: PCLMULQDQ was detected (module documentation).
        Xmm(unsafe { _mm_clmulepi64_si128::<IMM>(self.0, other.0) })
    }

    #[inline(always)]
    fn fold(self) -> __m128i {
        self.0
    }

    #[inline(always)]
    fn wipe(&mut self) {
        self.0.zeroize();
    }

    #[inline(always)]
    fn fence<const N: usize>(regs: &mut [Self; N]) {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { fence_xmm(regs) }
    }
}

impl Wide for Ymm {
    const BLOCKS: usize = 2;

    #[inline(always)]
    fn load(bytes: &[u8]) -> Self {
        Ymm(load256(bytes))
    }

    #[inline(always)]
    fn store(self, out: &mut [u8]) {
        store256(self.0, out);
    }

    #[inline(always)]
    fn broadcast(block: __m128i) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Ymm(unsafe { _mm256_broadcastsi128_si256(block) })
    }

    #[inline(always)]
    fn low(block: __m128i) -> Self {
        // SAFETY: AVX was detected (module documentation).
        Ymm(unsafe { _mm256_zextsi128_si256(block) })
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Ymm(unsafe { _mm256_xor_si256(self.0, other.0) })
    }

    #[inline(always)]
    fn aesenc(self, round_key: Self) -> Self {
        // SAFETY: VAES was detected (module documentation).
        Ymm(unsafe { _mm256_aesenc_epi128(self.0, round_key.0) })
    }

    #[inline(always)]
    fn aesenclast(self, round_key: Self) -> Self {
        // SAFETY: VAES was detected (module documentation).
        Ymm(unsafe { _mm256_aesenclast_epi128(self.0, round_key.0) })
    }

    #[inline(always)]
    fn bswap(self) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Ymm(unsafe { _mm256_shuffle_epi8(self.0, Self::broadcast(reverse_mask()).0) })
    }

    #[inline(always)]
    fn swap_halves(self) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Ymm(unsafe { _mm256_shuffle_epi32::<0x4e>(self.0) })
    }

    #[inline(always)]
    fn counters(rev: __m128i, first: u32) -> Self {
        let base = Self::broadcast(Xmm::counters(rev, first).0);
        // SAFETY: AVX2 was detected (module documentation).
        Ymm(unsafe { _mm256_add_epi32(base.0, _mm256_set_epi32(0, 0, 0, 1, 0, 0, 0, 0)) })
    }

    #[inline(always)]
    fn next_counters(self) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Ymm(unsafe { _mm256_add_epi32(self.0, _mm256_set_epi32(0, 0, 0, 2, 0, 0, 0, 2)) })
    }

    #[inline(always)]
    fn clmul<const IMM: i32>(self, other: Self) -> Self {
        // SAFETY: VPCLMULQDQ and AVX were detected (module documentation).
        Ymm(unsafe { _mm256_clmulepi64_epi128::<IMM>(self.0, other.0) })
    }

    #[inline(always)]
    fn fold(self) -> __m128i {
        // SAFETY: AVX2 was detected (module documentation).
        unsafe {
            _mm_xor_si128(
                _mm256_castsi256_si128(self.0),
                _mm256_extracti128_si256::<1>(self.0),
            )
        }
    }

    #[inline(always)]
    fn wipe(&mut self) {
        self.0.zeroize();
    }

    #[inline(always)]
    fn fence<const N: usize>(regs: &mut [Self; N]) {
        // SAFETY: AVX was detected (module documentation).
        unsafe { fence_ymm(regs) }
    }
}

impl Wide for Zmm {
    const BLOCKS: usize = 4;

    #[inline(always)]
    fn load(bytes: &[u8]) -> Self {
        let block: &[u8; 64] = bytes[..64].try_into().expect("64 bytes");
        // SAFETY: `block` is 64 readable bytes, `loadu` needs no alignment,
        // and AVX-512F was detected (module documentation).
        Zmm(unsafe { _mm512_loadu_si512(block.as_ptr().cast()) })
    }

    #[inline(always)]
    fn store(self, out: &mut [u8]) {
        let block: &mut [u8; 64] = (&mut out[..64]).try_into().expect("64 bytes");
        // SAFETY: `block` is 64 writable bytes, `storeu` needs no
        // alignment, and AVX-512F was detected (module documentation).
        unsafe { _mm512_storeu_si512(block.as_mut_ptr().cast(), self.0) }
    }

    #[inline(always)]
    fn broadcast(block: __m128i) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Zmm(unsafe { _mm512_broadcast_i32x4(block) })
    }

    #[inline(always)]
    fn low(block: __m128i) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Zmm(unsafe { _mm512_zextsi128_si512(block) })
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Zmm(unsafe { _mm512_xor_si512(self.0, other.0) })
    }

    #[inline(always)]
    fn aesenc(self, round_key: Self) -> Self {
        // SAFETY: VAES and AVX-512F were detected (module documentation).
        Zmm(unsafe { _mm512_aesenc_epi128(self.0, round_key.0) })
    }

    #[inline(always)]
    fn aesenclast(self, round_key: Self) -> Self {
        // SAFETY: VAES and AVX-512F were detected (module documentation).
        Zmm(unsafe { _mm512_aesenclast_epi128(self.0, round_key.0) })
    }

    #[inline(always)]
    fn bswap(self) -> Self {
        // SAFETY: AVX-512BW was detected (module documentation).
        Zmm(unsafe { _mm512_shuffle_epi8(self.0, Self::broadcast(reverse_mask()).0) })
    }

    #[inline(always)]
    fn swap_halves(self) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Zmm(unsafe { _mm512_shuffle_epi32::<_MM_PERM_BADC>(self.0) })
    }

    #[inline(always)]
    fn counters(rev: __m128i, first: u32) -> Self {
        let base = Self::broadcast(Xmm::counters(rev, first).0);
        // SAFETY: AVX-512F was detected (module documentation).
        Zmm(unsafe {
            _mm512_add_epi32(
                base.0,
                _mm512_set_epi32(0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0),
            )
        })
    }

    #[inline(always)]
    fn next_counters(self) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Zmm(unsafe {
            _mm512_add_epi32(
                self.0,
                _mm512_set_epi32(0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4),
            )
        })
    }

    #[inline(always)]
    fn clmul<const IMM: i32>(self, other: Self) -> Self {
        // SAFETY: VPCLMULQDQ and AVX-512F were detected (module
        // documentation).
        Zmm(unsafe { _mm512_clmulepi64_epi128::<IMM>(self.0, other.0) })
    }

    #[inline(always)]
    fn fold(self) -> __m128i {
        // SAFETY: AVX-512F was detected (module documentation).
        let halves = unsafe {
            _mm256_xor_si256(
                _mm512_castsi512_si256(self.0),
                _mm512_extracti64x4_epi64::<1>(self.0),
            )
        };
        Ymm(halves).fold()
    }

    #[inline(always)]
    fn wipe(&mut self) {
        self.0.zeroize();
    }

    #[inline(always)]
    fn fence<const N: usize>(regs: &mut [Self; N]) {
        // SAFETY: AVX-512F was detected (module documentation).
        unsafe { fence_zmm(regs) }
    }
}

/// Defines `$name`, [`Wide::fence`] for `$t` (registers of class `$class`,
/// which needs `$feature`).
macro_rules! fence {
    ($name:ident, $t:ty, $class:ident, $feature:literal) => {
        #[doc = concat!("[`Wide::fence`] for [`", stringify!($t), "`].")]
        #[inline]
        #[target_feature(enable = $feature)]
        fn $name<const N: usize>(regs: &mut [$t; N]) {
            match regs.as_mut_slice() {
                // SAFETY: the template is empty, so the statement executes
                // nothing and touches no memory, stack or flags (as its
                // options say); it hands the registers' values through
                // unchanged. This function enables the register class's
                // feature.
                [a, b, c, d, e, f, g, h] => unsafe {
                    asm!(
                        "/* {0} {1} {2} {3} {4} {5} {6} {7} */",
                        inout($class) a.0, inout($class) b.0, inout($class) c.0,
                        inout($class) d.0, inout($class) e.0, inout($class) f.0,
                        inout($class) g.0, inout($class) h.0,
                        options(nomem, nostack, preserves_flags),
                    )
                },
                // SAFETY: as above.
                [a, b, c] => unsafe {
                    asm!(
                        "/* {0} {1} {2} */",
                        inout($class) a.0, inout($class) b.0, inout($class) c.0,
                        options(nomem, nostack, preserves_flags),
                    )
                },
                _ => {}
            }
        }
    };
}

fence!(fence_xmm, Xmm, xmm_reg, "sse2");
fence!(fence_ymm, Ymm, ymm_reg, "avx");
fence!(fence_zmm, Zmm, zmm_reg, "avx512f");
