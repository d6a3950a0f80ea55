//! AEGIS lanes on ARMv8 NEON registers, one AES block per `uint8x16_t`,
//! and the 16-byte loads and stores they share with the AES-GCM kernel.
//!
//! `AESE` XORs its key *before* `SubBytes`/`ShiftRows`, unlike x86
//! `AESENC`, so one AEGIS round is `AESMC(AESE(x, 0)) ^ round_key`.
//!
//! # Soundness
//!
//! The [`AesLanes`] methods are safe functions executing NEON and AES
//! instructions. The type is private to the crate and only used inside the
//! `#[target_feature(enable = "neon,aes")]` kernels of [`super::aegis`],
//! reached only with a [`super::AesProof`], which is created only after
//! detection found ARMv8 AES. Every method is `#[inline(always)]` into those kernels.

use core::arch::aarch64::{
    uint8x16_t, vaeseq_u8, vaesmcq_u8, vandq_u8, vdupq_n_u8, veorq_u8, vld1q_u8, vst1q_u8,
};

use pageseal_core::aegis::AesLanes;
use zeroize::Zeroize;

/// `N` AES blocks, one per 128-bit register.
#[derive(Clone, Copy)]
pub(crate) struct Neon<const N: usize>([uint8x16_t; N]);

/// Loads the first 16 bytes of `bytes` into a register.
#[inline(always)]
pub(super) fn load(bytes: &[u8]) -> uint8x16_t {
    let block: &[u8; 16] = bytes[..16].try_into().expect("16 bytes");
    // SAFETY: `block` is 16 readable bytes (`vld1q_u8` needs no alignment);
    // NEON: every caller runs under an `AesProof` (module documentation).
    unsafe { vld1q_u8(block.as_ptr()) }
}

/// Stores `v` into the first 16 bytes of `out`.
#[inline(always)]
pub(super) fn store(v: uint8x16_t, out: &mut [u8]) {
    let block: &mut [u8; 16] = (&mut out[..16]).try_into().expect("16 bytes");
    // SAFETY: `block` is 16 writable bytes (`vst1q_u8` needs no alignment);
    // NEON: every caller runs under an `AesProof` (module documentation).
    unsafe { vst1q_u8(block.as_mut_ptr(), v) }
}

impl<const N: usize> AesLanes for Neon<N> {
    const LANES: usize = N;

    #[inline(always)]
    fn load(bytes: &[u8]) -> Self {
        // Plain loops, not `array::from_fn`: library closures would not be
        // inlined into the `#[target_feature]` kernels.
        let mut out = [load(bytes); N];
        for (i, o) in out.iter_mut().enumerate().skip(1) {
            *o = load(&bytes[16 * i..]);
        }
        Neon(out)
    }

    #[inline(always)]
    fn store(self, out: &mut [u8]) {
        for (i, v) in self.0.into_iter().enumerate() {
            store(v, &mut out[16 * i..]);
        }
    }

    #[inline(always)]
    fn splat(block: &[u8; 16]) -> Self {
        Neon([load(block); N])
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            // SAFETY: NEON: every caller runs under an `AesProof` (detection
            // found ARMv8 AES and PMULL, with NEON; module documentation).
            *o = unsafe { veorq_u8(*o, b) };
        }
        Neon(out)
    }

    #[inline(always)]
    fn and(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            // SAFETY: NEON: every caller runs under an `AesProof` (detection
            // found ARMv8 AES and PMULL, with NEON; module documentation).
            *o = unsafe { vandq_u8(*o, b) };
        }
        Neon(out)
    }

    // The AES intrinsics are inlined once this method is, into the
    // `aes`-enabled kernels (the only callers), not into this method itself.
    #[allow(unknown_lints, inline_always_mismatching_target_features)]
    #[inline(always)]
    fn aes_round(self, round_key: Self) -> Self {
        let mut out = self.0;
        for (o, k) in out.iter_mut().zip(round_key.0) {
            // SAFETY: ARMv8 AES and NEON: every caller runs under an `AesProof` (detection
            // found ARMv8 AES and PMULL, with NEON; module documentation).
            *o = unsafe { veorq_u8(vaesmcq_u8(vaeseq_u8(*o, vdupq_n_u8(0))), k) };
        }
        Neon(out)
    }

    fn wipe(&mut self) {
        self.0.zeroize();
    }
}
