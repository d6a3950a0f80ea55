//! AEGIS lanes on 128-bit AES-NI registers: `AesNi<1>` for AEGIS-128L and
//! AEGIS-256, `AesNi<2>`/`AesNi<4>` for the X variants on CPUs without VAES.
//!
//! # Soundness
//!
//! The [`AesLanes`] methods are safe functions that execute AES-NI
//! instructions. That is sound because the type is private to this crate
//! and only used inside the `#[target_feature(enable = "aes,...")]` kernels
//! of [`super::aegis`], which run only for a [`crate::backend::Proven`]
//! token, itself created only after detection found AES-NI. Every method is
//! `#[inline(always)]`, so it is compiled as part of those kernels.

use core::arch::x86_64::{
    __m128i, _mm_aesenc_si128, _mm_and_si128, _mm_loadu_si128, _mm_storeu_si128, _mm_xor_si128,
};

use pageseal_core::aegis::AesLanes;
use zeroize::Zeroize;

/// `N` AES blocks, one per 128-bit register.
#[derive(Clone, Copy)]
pub(crate) struct AesNi<const N: usize>([__m128i; N]);

/// Loads 16 bytes (unaligned) from the start of `bytes`.
#[inline(always)]
pub(crate) fn load128(bytes: &[u8]) -> __m128i {
    let block: &[u8; 16] = bytes[..16].try_into().expect("16 bytes");
    // SAFETY: `block` is 16 readable bytes; `loadu` has no alignment
    // requirement and SSE2 is part of the x86_64 baseline.
    unsafe { _mm_loadu_si128(block.as_ptr().cast()) }
}

/// Stores `v` (unaligned) into the first 16 bytes of `out`.
#[inline(always)]
pub(crate) fn store128(v: __m128i, out: &mut [u8]) {
    let block: &mut [u8; 16] = (&mut out[..16]).try_into().expect("16 bytes");
    // SAFETY: `block` is 16 writable bytes; `storeu` has no alignment
    // requirement and SSE2 is part of the x86_64 baseline.
    unsafe { _mm_storeu_si128(block.as_mut_ptr().cast(), v) }
}

impl<const N: usize> AesLanes for AesNi<N> {
    const LANES: usize = N;

    #[inline(always)]
    fn load(bytes: &[u8]) -> Self {
        // Plain loops, not `array::from_fn`: library closures would not be
        // inlined into the `#[target_feature]` kernels.
        let mut out = [load128(bytes); N];
        for (i, o) in out.iter_mut().enumerate().skip(1) {
            *o = load128(&bytes[16 * i..]);
        }
        AesNi(out)
    }

    #[inline(always)]
    fn store(self, out: &mut [u8]) {
        for (i, v) in self.0.into_iter().enumerate() {
            store128(v, &mut out[16 * i..]);
        }
    }

    #[inline(always)]
    fn splat(block: &[u8; 16]) -> Self {
        AesNi([load128(block); N])
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            *o = unsafe { _mm_xor_si128(*o, b) };
        }
        AesNi(out)
    }

    #[inline(always)]
    fn and(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            *o = unsafe { _mm_and_si128(*o, b) };
        }
        AesNi(out)
    }

    #[inline(always)]
    fn aes_round(self, round_key: Self) -> Self {
        let mut out = self.0;
        for (o, k) in out.iter_mut().zip(round_key.0) {
            // SAFETY: AES-NI was detected before any `AesNi` value can
            // exist (module documentation: reachable only through `Proven`).
            *o = unsafe { _mm_aesenc_si128(*o, k) };
        }
        AesNi(out)
    }

    fn wipe(&mut self) {
        self.0.zeroize();
    }
}
