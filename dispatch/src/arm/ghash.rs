//! GHASH with PMULL for the AES-GCM kernels of [`super::gcm`], in the
//! POLYVAL domain (RFC 8452, appendix A) as on x86: blocks are
//! byte-reversed, the hash key is `mulX_POLYVAL(ByteReverse(H))`, and a
//! chunk of blocks is multiplied by precomputed powers `H^n .. H^1`
//! (Karatsuba: three 64-bit `PMULL`s per block), the 256-bit products
//! summed, and the sum reduced once (Montgomery reduction by
//! `x^128 + x^127 + x^126 + x^121 + 1`: two 64-bit folds with `PMULL`).
//!
//! The powers are read from [`Powers`] (wiped on drop) at each use, through
//! a [`ChunkKeys`] view: the kernels keep no copy of them.
//!
//! # Soundness
//!
//! These safe functions execute NEON and PMULL instructions. They are
//! private to the crate, `#[inline(always)]`, and only called from the
//! `#[target_feature(enable = "neon,aes")]` functions of [`super::gcm`],
//! which run only for a [`super::AesProof`] token (detection found ARMv8
//! AES, which `cpufeatures` reports together with PMULL).

use core::arch::aarch64::{
    uint8x16_t, uint64x2_t, vdupq_n_u64, veorq_u64, vextq_u8, vextq_u64, vgetq_lane_u64,
    vmull_high_p64, vmull_p64, vreinterpretq_p64_u64, vreinterpretq_u8_u64, vreinterpretq_u64_p128,
    vreinterpretq_u64_u8, vrev64q_u8,
};

use zeroize::Zeroize;

use super::lanes::{load, store};
use crate::gcm::{POLY, karatsuba_key, polyval_key};

/// Blocks per iteration, one per register.
pub(crate) const CHUNK: usize = 8;

/// Powers of the hash key, laid out so that the powers a chunk of `n`
/// blocks needs are contiguous: entry `CHUNK - k` is `H^k` for `k` in
/// `1..=CHUNK`, and the entries after them are zero. Beside each power,
/// its Karatsuba key: the XOR of its two 64-bit halves, in both halves.
/// Wiped on drop.
pub(crate) struct Powers {
    powers: [[u8; 16]; 2 * CHUNK],
    folded: [[u8; 16]; 2 * CHUNK],
}

/// The hash-key material one chunk of blocks is multiplied with: a view
/// into [`Powers`], loaded at each use, so that the kernels make no copy of
/// it that would need wiping (as on x86).
pub(crate) struct ChunkKeys<'a> {
    powers: &'a [[u8; 16]],
    folded: &'a [[u8; 16]],
}

impl Powers {
    /// The powers of the GHASH key `h` (`AES_K(0)`, as bytes).
    #[inline(always)]
    pub(crate) fn new(h: &[u8; 16]) -> Powers {
        let mut key = polyval_key(h);
        let h1 = load64(&key);
        key.zeroize();
        let mut table = Powers {
            powers: [[0; 16]; 2 * CHUNK],
            folded: [[0; 16]; 2 * CHUNK],
        };
        let mut power = h1;
        for k in 1..=CHUNK {
            let entry = &mut table.powers[CHUNK - k];
            store(as_bytes(power), entry);
            table.folded[CHUNK - k] = karatsuba_key(entry);
            power = mul(power, h1);
        }
        table
    }

    /// `H` itself (POLYVAL domain).
    #[inline(always)]
    pub(crate) fn h1(&self) -> uint64x2_t {
        load64(&self.powers[CHUNK - 1])
    }

    /// The keys for a chunk of `n` blocks: lane `i` gets `H^(n-i)` (and
    /// its Karatsuba key), lanes at `n` and after get zero.
    #[inline(always)]
    pub(crate) fn chunk(&self, n: usize) -> ChunkKeys<'_> {
        let start = CHUNK - n;
        ChunkKeys {
            powers: &self.powers[start..start + CHUNK],
            folded: &self.folded[start..start + CHUNK],
        }
    }
}

impl Drop for Powers {
    fn drop(&mut self) {
        self.powers.zeroize();
        self.folded.zeroize();
    }
}

/// Loads 16 bytes as two 64-bit lanes.
#[inline(always)]
pub(crate) fn load64(bytes: &[u8]) -> uint64x2_t {
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe { vreinterpretq_u64_u8(load(bytes)) }
}

/// The bytes of `v`.
#[inline(always)]
pub(crate) fn as_bytes(v: uint64x2_t) -> uint8x16_t {
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe { vreinterpretq_u8_u64(v) }
}

/// The all-zero block.
#[inline(always)]
pub(crate) fn zero() -> uint64x2_t {
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe { vdupq_n_u64(0) }
}

/// Lane-wise XOR.
#[inline(always)]
pub(crate) fn xor(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe { veorq_u64(a, b) }
}

/// Reverses the 16 bytes of `v`: between GHASH's and POLYVAL's byte order.
#[inline(always)]
pub(crate) fn bswap(v: uint8x16_t) -> uint64x2_t {
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe {
        let halves = vrev64q_u8(v);
        vreinterpretq_u64_u8(vextq_u8::<8>(halves, halves))
    }
}

/// Carry-less product of the low 64-bit lanes of `a` and `b`.
// The AES and PMULL intrinsics are inlined once this function is, into the
// `aes`-enabled kernels (the only callers), not into this function itself.
#[allow(unknown_lints, inline_always_mismatching_target_features)]
#[inline(always)]
fn clmul_lo(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
    // SAFETY: PMULL and NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe { vreinterpretq_u64_p128(vmull_p64(vgetq_lane_u64::<0>(a), vgetq_lane_u64::<0>(b))) }
}

/// Carry-less product of the high 64-bit lanes of `a` and `b`.
// The AES and PMULL intrinsics are inlined once this function is, into the
// `aes`-enabled kernels (the only callers), not into this function itself.
#[allow(unknown_lints, inline_always_mismatching_target_features)]
#[inline(always)]
fn clmul_hi(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
    // SAFETY: PMULL and NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe {
        vreinterpretq_u64_p128(vmull_high_p64(
            vreinterpretq_p64_u64(a),
            vreinterpretq_p64_u64(b),
        ))
    }
}

/// Swaps the 64-bit halves of `v`.
#[inline(always)]
fn swap_halves(v: uint64x2_t) -> uint64x2_t {
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe { vextq_u64::<1>(v, v) }
}

/// The POLYVAL product `a * b * x^-128`.
#[inline(always)]
pub(crate) fn mul(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
    let mid = xor(clmul_lo(a, swap_halves(b)), clmul_hi(a, swap_halves(b)));
    reduce(clmul_lo(a, b), mid, clmul_hi(a, b))
}

/// Reduces the 256-bit product `hi * x^128 + mid * x^64 + lo` times
/// `x^-128` modulo POLYVAL's polynomial.
#[inline(always)]
fn reduce(lo: uint64x2_t, mid: uint64x2_t, hi: uint64x2_t) -> uint64x2_t {
    // `POLY`'s high half in the low lane.
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    let poly = unsafe { vdupq_n_u64((POLY >> 64) as u64) };
    // Two Montgomery folds of 64 bits each: the low half times POLY's
    // high half, added to the halves swapped.
    let fold = |v: uint64x2_t| xor(swap_halves(v), clmul_lo(v, poly));
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    let (lo, hi) = unsafe {
        (
            xor(lo, vextq_u64::<1>(zero(), mid)),
            xor(hi, vextq_u64::<1>(mid, zero())),
        )
    };
    xor(hi, fold(fold(lo)))
}

/// Folds `blocks` (up to [`CHUNK`] of them, zeros after the last) into the
/// hash state `acc`, with keys from [`Powers::chunk`].
///
/// Karatsuba: three carry-less products per block (low halves, high
/// halves, XORed halves), summed over the chunk, then one reduction.
#[inline(always)]
pub(crate) fn ghash(acc: uint64x2_t, blocks: &[uint8x16_t; CHUNK], keys: &ChunkKeys) -> uint64x2_t {
    let (mut lo, mut mid, mut hi) = (zero(), zero(), zero());
    for (r, ((&block, h), hk)) in blocks.iter().zip(keys.powers).zip(keys.folded).enumerate() {
        // Loaded from the wiped table at each use: no copy to wipe.
        let (h, hk) = (load64(h), load64(hk));
        let mut x = bswap(block);
        if r == 0 {
            x = xor(x, acc);
        }
        lo = xor(lo, clmul_lo(x, h));
        hi = xor(hi, clmul_hi(x, h));
        mid = xor(mid, clmul_lo(xor(x, swap_halves(x)), hk));
    }
    let mid = xor(mid, xor(lo, hi));
    reduce(lo, mid, hi)
}

/// Loads one iteration's blocks from `bytes`.
#[inline(always)]
pub(crate) fn load_chunk(bytes: &[u8]) -> [uint8x16_t; CHUNK] {
    // Plain loops, not `array::from_fn`: library closures would not be
    // inlined into the `#[target_feature]` kernels.
    let mut out = [load(bytes); CHUNK];
    for (r, o) in out.iter_mut().enumerate().skip(1) {
        *o = load(&bytes[16 * r..]);
    }
    out
}

/// Hashes `data` (zero-padded to whole blocks) into `acc`. Only for
/// public data (associated data, ciphertext): the padding is not wiped.
#[inline(always)]
pub(crate) fn ghash_padded(powers: &Powers, mut acc: uint64x2_t, data: &[u8]) -> uint64x2_t {
    let full = powers.chunk(CHUNK);
    let mut chunks = data.chunks_exact(16 * CHUNK);
    for c in &mut chunks {
        acc = ghash(acc, &load_chunk(c), &full);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut pad = [0u8; 16 * CHUNK];
        pad[..rest.len()].copy_from_slice(rest);
        acc = ghash(
            acc,
            &load_chunk(&pad),
            &powers.chunk(rest.len().div_ceil(16)),
        );
    }
    acc
}
