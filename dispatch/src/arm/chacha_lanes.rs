//! [`Lanes`] on NEON: word `i` of 4 consecutive ChaCha20 blocks in one
//! 128-bit register.
//!
//! # Soundness
//!
//! The methods are safe functions executing NEON instructions. They are
//! compiled only when the whole build enables NEON
//! (`cfg(target_feature = "neon")`, true of every aarch64 target with an
//! FPU), so every CPU that runs the build has it. Every method is
//! `#[inline(always)]` into the kernels of [`super::chacha`].

use core::arch::aarch64::{
    uint32x4_t, vaddq_u32, vdupq_n_u32, veorq_u8, veorq_u32, vld1q_u8, vld1q_u32, vqtbl1q_u8,
    vreinterpretq_u8_u32, vreinterpretq_u16_u32, vreinterpretq_u32_u8, vreinterpretq_u32_u16,
    vreinterpretq_u32_u64, vreinterpretq_u64_u32, vrev32q_u16, vshlq_n_u32, vsriq_n_u32, vst1q_u8,
    vtrn1q_u32, vtrn1q_u64, vtrn2q_u32, vtrn2q_u64,
};

use crate::chacha::Lanes;

/// Four blocks in 128-bit NEON registers.
#[derive(Clone, Copy)]
pub(crate) struct Neon4(uint32x4_t);

/// `VTBL` indices rotating each 32-bit lane left by 8 bits.
const ROT8: [u8; 16] = [3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14];

impl Lanes for Neon4 {
    const BLOCKS: usize = 4;

    #[inline(always)]
    fn splat(word: u32) -> Self {
        // SAFETY: NEON is enabled for the whole build (module documentation).
        Neon4(unsafe { vdupq_n_u32(word) })
    }

    #[inline(always)]
    fn counters(first: u32) -> Self {
        let c = [
            first,
            first.wrapping_add(1),
            first.wrapping_add(2),
            first.wrapping_add(3),
        ];
        // SAFETY: `c` is 4 readable words; NEON is enabled for the whole
        // build (module documentation).
        Neon4(unsafe { vld1q_u32(c.as_ptr()) })
    }

    #[inline(always)]
    fn add(self, other: Self) -> Self {
        // SAFETY: NEON is enabled for the whole build (module documentation).
        Neon4(unsafe { vaddq_u32(self.0, other.0) })
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        // SAFETY: NEON is enabled for the whole build (module documentation).
        Neon4(unsafe { veorq_u32(self.0, other.0) })
    }

    #[inline(always)]
    fn rotl<const BITS: u32>(self) -> Self {
        let x = self.0;
        // SAFETY: NEON is enabled for the whole build (module documentation);
        // `ROT8` is 16 readable bytes.
        Neon4(unsafe {
            match BITS {
                // Half-word swap, byte table lookup, or shift + shift-insert.
                16 => vreinterpretq_u32_u16(vrev32q_u16(vreinterpretq_u16_u32(x))),
                8 => vreinterpretq_u32_u8(vqtbl1q_u8(
                    vreinterpretq_u8_u32(x),
                    vld1q_u8(ROT8.as_ptr()),
                )),
                12 => vsriq_n_u32::<20>(vshlq_n_u32::<12>(x), x),
                _ => vsriq_n_u32::<25>(vshlq_n_u32::<7>(x), x),
            }
        })
    }

    #[inline(always)]
    fn xor_into(words: &[Self; 16], out: &mut [u8]) {
        for g in 0..4 {
            let w = |i: usize| words[4 * g + i].0;
            // A 4×4 transpose: block `b` gets words `4g..4g+4` of lane `b`.
            // SAFETY: NEON is enabled for the whole build (module
            // documentation).
            let blocks = unsafe {
                let t0 = vreinterpretq_u64_u32(vtrn1q_u32(w(0), w(1)));
                let t1 = vreinterpretq_u64_u32(vtrn2q_u32(w(0), w(1)));
                let t2 = vreinterpretq_u64_u32(vtrn1q_u32(w(2), w(3)));
                let t3 = vreinterpretq_u64_u32(vtrn2q_u32(w(2), w(3)));
                [
                    vtrn1q_u64(t0, t2),
                    vtrn1q_u64(t1, t3),
                    vtrn2q_u64(t0, t2),
                    vtrn2q_u64(t1, t3),
                ]
            };
            for (b, ks) in blocks.into_iter().enumerate() {
                let bytes: &mut [u8; 16] = (&mut out[64 * b + 16 * g..][..16])
                    .try_into()
                    .expect("16 bytes");
                // SAFETY: `bytes` is 16 readable and writable bytes
                // (`vld1q_u8`/`vst1q_u8` need no alignment); NEON is enabled
                // for the whole build (module documentation).
                unsafe {
                    let x = veorq_u8(
                        vld1q_u8(bytes.as_ptr()),
                        vreinterpretq_u8_u32(vreinterpretq_u32_u64(ks)),
                    );
                    vst1q_u8(bytes.as_mut_ptr(), x);
                }
            }
        }
    }
}
