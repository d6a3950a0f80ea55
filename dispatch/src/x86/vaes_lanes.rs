//! AEGIS lanes on VAES registers: `Vaes256<1>` (two lanes, AEGIS-128X2 and
//! -256X2), `Vaes256<2>` (four lanes on two 256-bit registers, for CPUs with
//! VAES but no AVX-512) and `Vaes512` (four lanes in one 512-bit register).
//!
//! # Soundness
//!
//! As for [`super::aesni_lanes`]: these types are private to the crate and
//! only used inside the `#[target_feature]` kernels of [`super::aegis`]
//! that enable AVX2 + VAES (and AVX-512 for `Vaes512`), which run only for a
//! [`crate::backend::Proven`] token of a backend whose features detection
//! found. Every method is `#[inline(always)]` into those kernels.

use core::arch::x86_64::{
    __m256i, __m512i, _mm256_aesenc_epi128, _mm256_and_si256, _mm256_broadcastsi128_si256,
    _mm256_loadu_si256, _mm256_storeu_si256, _mm256_xor_si256, _mm512_aesenc_epi128,
    _mm512_and_si512, _mm512_broadcast_i32x4, _mm512_loadu_si512, _mm512_storeu_si512,
    _mm512_xor_si512,
};

use pageseal_core::aegis::AesLanes;
use zeroize::Zeroize;

use super::aesni_lanes::load128;

/// `2 * N` AES blocks in `N` 256-bit registers.
#[derive(Clone, Copy)]
pub(crate) struct Vaes256<const N: usize>([__m256i; N]);

/// Four AES blocks in one 512-bit register.
#[derive(Clone, Copy)]
pub(crate) struct Vaes512(__m512i);

/// Loads 32 bytes (unaligned) from the start of `bytes`.
#[inline(always)]
pub(crate) fn load256(bytes: &[u8]) -> __m256i {
    let block: &[u8; 32] = bytes[..32].try_into().expect("32 bytes");
    // SAFETY: `block` is 32 readable bytes and `loadu` needs no alignment;
    // AVX was detected (module documentation).
    unsafe { _mm256_loadu_si256(block.as_ptr().cast()) }
}

/// Stores `v` (unaligned) into the first 32 bytes of `out`.
#[inline(always)]
pub(crate) fn store256(v: __m256i, out: &mut [u8]) {
    let block: &mut [u8; 32] = (&mut out[..32]).try_into().expect("32 bytes");
    // SAFETY: `block` is 32 writable bytes and `storeu` needs no alignment;
    // AVX was detected (module documentation).
    unsafe { _mm256_storeu_si256(block.as_mut_ptr().cast(), v) }
}

impl<const N: usize> AesLanes for Vaes256<N> {
    const LANES: usize = 2 * N;

    #[inline(always)]
    fn load(bytes: &[u8]) -> Self {
        // Plain loops, not `array::from_fn`: library closures would not be
        // inlined into the `#[target_feature]` kernels.
        let mut out = [load256(bytes); N];
        for (i, o) in out.iter_mut().enumerate().skip(1) {
            *o = load256(&bytes[32 * i..]);
        }
        Vaes256(out)
    }

    #[inline(always)]
    fn store(self, out: &mut [u8]) {
        for (i, v) in self.0.into_iter().enumerate() {
            store256(v, &mut out[32 * i..]);
        }
    }

    #[inline(always)]
    fn splat(block: &[u8; 16]) -> Self {
        // SAFETY: AVX2 was detected (module documentation).
        Vaes256([unsafe { _mm256_broadcastsi128_si256(load128(block)) }; N])
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            // SAFETY: AVX2 was detected (module documentation).
            *o = unsafe { _mm256_xor_si256(*o, b) };
        }
        Vaes256(out)
    }

    #[inline(always)]
    fn and(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            // SAFETY: AVX2 was detected (module documentation).
            *o = unsafe { _mm256_and_si256(*o, b) };
        }
        Vaes256(out)
    }

    #[inline(always)]
    fn aes_round(self, round_key: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(round_key.0) {
            // SAFETY: VAES and AVX2 were detected (module documentation).
            *o = unsafe { _mm256_aesenc_epi128(*o, b) };
        }
        Vaes256(out)
    }

    fn wipe(&mut self) {
        self.0.zeroize();
    }
}

impl AesLanes for Vaes512 {
    const LANES: usize = 4;

    #[inline(always)]
    fn load(bytes: &[u8]) -> Self {
        let block: &[u8; 64] = bytes[..64].try_into().expect("64 bytes");
        // SAFETY: `block` is 64 readable bytes and `loadu` needs no
        // alignment; AVX-512F was detected (module documentation).
        Vaes512(unsafe { _mm512_loadu_si512(block.as_ptr().cast()) })
    }

    #[inline(always)]
    fn store(self, out: &mut [u8]) {
        let block: &mut [u8; 64] = (&mut out[..64]).try_into().expect("64 bytes");
        // SAFETY: `block` is 64 writable bytes and `storeu` needs no
        // alignment; AVX-512F was detected (module documentation).
        unsafe { _mm512_storeu_si512(block.as_mut_ptr().cast(), self.0) }
    }

    #[inline(always)]
    fn splat(block: &[u8; 16]) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Vaes512(unsafe { _mm512_broadcast_i32x4(load128(block)) })
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Vaes512(unsafe { _mm512_xor_si512(self.0, other.0) })
    }

    #[inline(always)]
    fn and(self, other: Self) -> Self {
        // SAFETY: AVX-512F was detected (module documentation).
        Vaes512(unsafe { _mm512_and_si512(self.0, other.0) })
    }

    #[inline(always)]
    fn aes_round(self, round_key: Self) -> Self {
        // SAFETY: VAES and AVX-512F were detected (module documentation).
        Vaes512(unsafe { _mm512_aesenc_epi128(self.0, round_key.0) })
    }

    fn wipe(&mut self) {
        self.0.zeroize();
    }
}
