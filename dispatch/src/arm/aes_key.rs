//! AES-128 and AES-256 key expansion and AES encryption of independent
//! blocks with ARMv8 `AESE`/`AESMC`, for the AES-GCM kernels of
//! [`super::gcm`].
//!
//! ARMv8 has no key-schedule instruction: `SubWord` is `AESE` with a zero
//! round key on the word broadcast to all four columns (`AESE` is
//! AddRoundKey, ShiftRows, SubBytes, and ShiftRows changes nothing when the
//! columns are equal); `RotWord` and `Rcon` are scalar. Since `AESE` adds
//! its round key *before* SubBytes, round `i` of `NR` is
//! `AESMC(AESE(x, rk[i]))`, the last is `AESE(x, rk[NR - 1]) ^ rk[NR]`.
//!
//! # Soundness
//!
//! These safe functions execute NEON and AES instructions. They are private
//! to the crate, `#[inline(always)]`, and only called from the
//! `#[target_feature(enable = "neon,aes")]` functions of [`super::gcm`],
//! which run only for a [`super::AesProof`] token (detection found ARMv8
//! AES).

use core::arch::aarch64::{
    uint8x16_t, vaeseq_u8, vaesmcq_u8, vdupq_n_u8, vdupq_n_u32, veorq_u8, vgetq_lane_u32,
    vreinterpretq_u8_u32, vreinterpretq_u32_u8,
};

use zeroize::Zeroize;

/// Round constants of the AES key schedule (AES-128 uses all ten).
const RCON: [u8; 10] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];

/// `SubWord`: the AES S-box on each byte of `word`.
// The AES and PMULL intrinsics are inlined once this function is, into the
// `aes`-enabled kernels (the only callers), not into this function itself.
#[allow(unknown_lints, inline_always_mismatching_target_features)]
#[inline(always)]
fn sub_word(word: u32) -> u32 {
    // SAFETY: ARMv8 AES and NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe {
        let columns = vreinterpretq_u8_u32(vdupq_n_u32(word));
        let sub = vaeseq_u8(columns, vdupq_n_u8(0));
        vgetq_lane_u32::<0>(vreinterpretq_u32_u8(sub))
    }
}

/// Expands a 16- or 32-byte AES key (the caller checked the length) into
/// the 11 or 15 round keys at the start of `round_keys`, as bytes.
#[inline(always)]
pub(crate) fn expand(key: &[u8], round_keys: &mut [[u8; 16]; 15]) {
    // Words little-endian, so byte 0 of a word is its low byte: `RotWord`
    // is a right rotation by 8 bits and `Rcon` goes into the low byte.
    let nk = key.len() / 4;
    let total = if nk == 8 { 60 } else { 44 };
    let mut w = [0u32; 60];
    for (word, bytes) in w.iter_mut().zip(key.chunks_exact(4)) {
        *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    for i in nk..total {
        let mut t = w[i - 1];
        if i % nk == 0 {
            t = sub_word(t.rotate_right(8)) ^ u32::from(RCON[i / nk - 1]);
        } else if nk == 8 && i % nk == 4 {
            t = sub_word(t);
        }
        w[i] = w[i - nk] ^ t;
    }
    for (out, words) in round_keys.iter_mut().zip(w[..total].chunks_exact(4)) {
        for (bytes, word) in out.chunks_exact_mut(4).zip(words) {
            bytes.copy_from_slice(&word.to_le_bytes());
        }
    }
    w.zeroize();
}

/// Encrypts `N` independent blocks under the `RK` round keys `rk` (11 for
/// AES-128, 15 for AES-256), round by round across all of them so the AES
/// units stay busy.
///
/// The rounds are written out (a macro, one step per round): as a loop
/// over the round keys, LLVM unrolled AES-128's rounds but kept AES-256's
/// thirteen rolled, so the GHASH work of the kernels could not interleave
/// with them.
// The AES and PMULL intrinsics are inlined once this function is, into the
// `aes`-enabled kernels (the only callers), not into this function itself.
#[allow(unknown_lints, inline_always_mismatching_target_features)]
#[inline(always)]
pub(crate) fn encrypt<const RK: usize, const N: usize>(
    rk: &[uint8x16_t; RK],
    blocks: [uint8x16_t; N],
) -> [uint8x16_t; N] {
    // Plain loops, not `array::map`: closures in library code would not be
    // inlined into the `#[target_feature]` kernels.
    let mut s = blocks;
    macro_rules! rounds {
        ($($i:literal)*) => {$(
            if $i + 2 < RK {
                for v in &mut s {
                    // SAFETY: ARMv8 AES and NEON: every caller runs under
                    // an `AesProof` (module documentation).
                    *v = unsafe { vaesmcq_u8(vaeseq_u8(*v, rk[$i])) };
                }
            }
        )*};
    }
    rounds!(0 1 2 3 4 5 6 7 8 9 10 11 12);
    for v in &mut s {
        // SAFETY: as above.
        *v = unsafe { veorq_u8(vaeseq_u8(*v, rk[RK - 2]), rk[RK - 1]) };
    }
    s
}
