//! AES-GCM kernel with ARMv8 AES and PMULL, eight blocks per iteration.
//! Sealing and opening are stitched: counter-mode AES (`AESE`/`AESMC`) and
//! GHASH in one pass over the page.
//!
//! GHASH ([`super::ghash`]) hashes a whole iteration with precomputed
//! powers of the hash key and one reduction.
//!
//! Sealing hashes each iteration's ciphertext during the next iteration's
//! AES rounds. Opening hashes each iteration's ciphertext (read from the
//! buffer) while that iteration's keystream is computed, then decrypts it
//! in place; at the end it compares tags in constant time and on a
//! mismatch wipes the buffer (as the `Aead` contract asks), so no
//! plaintext is released.
//!
//! # Soundness
//!
//! The kernels `setup_kernel` and `crypt` are `#[target_feature(enable =
//! "neon,aes")]` functions called only from `setup` and `run`, which take
//! an [`AesProof`] (detection found ARMv8 AES and PMULL), directly or held
//! by the [`Gcm`]. The helpers here are safe functions executing NEON
//! instructions, private and `#[inline(always)]` into those kernels.
//!
//! # Key hygiene
//!
//! As on x86: the round keys loaded into registers are wiped when a call
//! ends, and the hash-key powers are read from the table of [`Powers`]
//! (wiped on drop) at each use, through a [`super::ghash::ChunkKeys`] view,
//! never copied into a local table.

use core::arch::aarch64::{
    uint8x16_t, uint32x4_t, uint64x2_t, veorq_u8, vreinterpretq_u8_u32, vreinterpretq_u32_u8,
    vsetq_lane_u32,
};

use pageseal_core::{Error, Tag, verify_or_wipe};
use zeroize::Zeroize;

use super::AesProof;
use super::aes_key::{encrypt, expand};
use super::ghash::{
    CHUNK, Powers, as_bytes, bswap, ghash, ghash_padded, load_chunk, load64, mul, xor, zero,
};
use super::lanes::{load, store};
use crate::gcm::{Gcm, lengths};

/// Expands `key` into `round_keys` and returns the powers of the hash key.
pub(crate) fn setup(_proof: AesProof, key: &[u8], round_keys: &mut [[u8; 16]; 15]) -> Powers {
    // SAFETY: an `AesProof` exists only after detection found ARMv8 AES
    // (with NEON and PMULL), the features `setup_kernel` enables.
    unsafe { setup_kernel(key, round_keys) }
}

/// Seals `buf` (`DECRYPT == false`) or opens it against `tag` (length
/// already checked).
#[inline]
pub(crate) fn run<const DECRYPT: bool>(
    gcm: &Gcm,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<Tag, Error> {
    let AesProof(()) = gcm.proof;
    if gcm.aes256 {
        // SAFETY: `gcm.proof` is an `AesProof`, which exists only after
        // detection found ARMv8 AES (with NEON and PMULL), the kernel's
        // features.
        unsafe { crypt::<15, DECRYPT>(gcm, nonce, aad, buf, tag) }
    } else {
        // SAFETY: as above.
        unsafe { crypt::<11, DECRYPT>(gcm, nonce, aad, buf, tag) }
    }
}

/// Expands `key` into `round_keys` and returns the powers of the hash key
/// `H = AES_K(0)`.
#[target_feature(enable = "neon,aes")]
fn setup_kernel(key: &[u8], round_keys: &mut [[u8; 16]; 15]) -> Powers {
    expand(key, round_keys);
    let mut rk = [as_bytes(zero()); 15];
    for (k, bytes) in rk.iter_mut().zip(round_keys.iter()) {
        *k = load(bytes);
    }
    let [h] = if key.len() == 32 {
        encrypt(&rk, [as_bytes(zero())])
    } else {
        let rk128: &[uint8x16_t; 11] = rk[..11].try_into().expect("11 round keys");
        encrypt(rk128, [as_bytes(zero())])
    };
    let mut h_bytes = [0u8; 16];
    store(h, &mut h_bytes);
    let powers = Powers::new(&h_bytes);
    rk.zeroize();
    h_bytes.zeroize();
    powers
}

/// Counter block `counter` of the pre-counter block `j0` (nonce and a
/// 32-bit big-endian counter): `j0` with its last word replaced.
#[inline(always)]
fn counter_block(j0: uint32x4_t, counter: u32) -> uint8x16_t {
    let word = u32::from_le_bytes(counter.to_be_bytes());
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    unsafe { vreinterpretq_u8_u32(vsetq_lane_u32::<3>(word, j0)) }
}

/// Counter-mode keystream for one iteration: counter blocks `first ..` of
/// `j0`, encrypted under `rk`.
#[inline(always)]
fn keystream<const RK: usize>(
    rk: &[uint8x16_t; RK],
    j0: uint32x4_t,
    first: u32,
) -> [uint8x16_t; CHUNK] {
    let mut blocks = [counter_block(j0, first); CHUNK];
    let mut counter = first;
    for b in blocks.iter_mut().skip(1) {
        counter = counter.wrapping_add(1);
        *b = counter_block(j0, counter);
    }
    encrypt(rk, blocks)
}

/// XORs `blocks` with the keystream `ks`.
#[inline(always)]
fn xor_keystream(blocks: &mut [uint8x16_t; CHUNK], ks: &[uint8x16_t; CHUNK]) {
    for (b, k) in blocks.iter_mut().zip(ks) {
        // SAFETY: NEON: every caller runs under an `AesProof` (detection
        // found ARMv8 AES and PMULL, with NEON; module documentation).
        *b = unsafe { veorq_u8(*b, *k) };
    }
}

/// Stores one iteration's blocks into `out`.
#[inline(always)]
fn store_chunk(blocks: &[uint8x16_t; CHUNK], out: &mut [u8]) {
    for (r, &b) in blocks.iter().enumerate() {
        store(b, &mut out[16 * r..]);
    }
}

/// Seals `buf` (`DECRYPT == false`) and returns the tag, or opens it
/// against `tag` (which sealing ignores), with the `RK` round keys of
/// AES-128 (11) or AES-256 (15).
#[target_feature(enable = "neon,aes")]
fn crypt<const RK: usize, const DECRYPT: bool>(
    gcm: &Gcm,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<Tag, Error> {
    let mut rk = [as_bytes(zero()); RK];
    for (k, bytes) in rk.iter_mut().zip(&gcm.round_keys) {
        *k = load(bytes);
    }
    let mut j0_bytes = [0u8; 16];
    j0_bytes[..12].copy_from_slice(&nonce[..12]);
    let j0 = vreinterpretq_u32_u8(load(&j0_bytes));
    let acc = ghash_padded(&gcm.powers, zero(), aad);
    let acc = ctr::<RK, DECRYPT>(gcm, &rk, j0, buf, acc);
    let computed = finish(gcm, &rk, j0, acc, aad.len(), buf.len());
    rk.zeroize();
    if DECRYPT {
        verify_or_wipe(&computed, tag, buf)?;
    }
    Ok(computed)
}

/// XORs `buf` with the keystream from counter 2 and folds the ciphertext
/// into `acc`, stitched: when sealing, each chunk's ciphertext is hashed
/// while the next chunk's AES rounds run; when opening (`DECRYPT`), each
/// chunk's ciphertext is hashed while its own keystream is computed,
/// before it is overwritten.
#[inline(always)]
fn ctr<const RK: usize, const DECRYPT: bool>(
    gcm: &Gcm,
    rk: &[uint8x16_t; RK],
    j0: uint32x4_t,
    buf: &mut [u8],
    mut acc: uint64x2_t,
) -> uint64x2_t {
    let full = gcm.powers.chunk(CHUNK);
    let mut counter = 2u32;
    let mut pending: Option<[uint8x16_t; CHUNK]> = None;
    let mut chunks = buf.chunks_exact_mut(16 * CHUNK);
    for c in &mut chunks {
        if DECRYPT {
            acc = ghash(acc, &load_chunk(c), &full);
        }
        let ks = keystream(rk, j0, counter);
        counter = counter.wrapping_add(CHUNK as u32);
        if let Some(previous) = &pending {
            acc = ghash(acc, previous, &full);
        }
        let mut out = load_chunk(c);
        xor_keystream(&mut out, &ks);
        store_chunk(&out, c);
        if !DECRYPT {
            pending = Some(out);
        }
    }
    if let Some(previous) = &pending {
        acc = ghash(acc, previous, &full);
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let mut pad = [0u8; 16 * CHUNK];
        pad[..rest.len()].copy_from_slice(rest);
        let tail = gcm.powers.chunk(rest.len().div_ceil(16));
        if DECRYPT {
            acc = ghash(acc, &load_chunk(&pad), &tail);
        }
        let mut out = load_chunk(&pad);
        xor_keystream(&mut out, &keystream(rk, j0, counter));
        store_chunk(&out, &mut pad);
        rest.copy_from_slice(&pad[..rest.len()]);
        if !DECRYPT {
            pad[rest.len()..].fill(0);
            acc = ghash(acc, &load_chunk(&pad), &tail);
        }
        pad.zeroize();
    }
    acc
}

/// The tag from the hash state after the message: fold in the length
/// block, multiply by `H`, and mask with the encrypted counter block 1.
#[inline(always)]
fn finish<const RK: usize>(
    gcm: &Gcm,
    rk: &[uint8x16_t; RK],
    j0: uint32x4_t,
    acc: uint64x2_t,
    aad_len: usize,
    msg_len: usize,
) -> Tag {
    let lengths = load64(&lengths(aad_len, msg_len));
    let s = as_bytes(bswap(as_bytes(mul(xor(acc, lengths), gcm.powers.h1()))));
    let [mask] = encrypt(rk, [counter_block(j0, 1)]);
    let mut tag = [0u8; 16];
    // SAFETY: NEON: every caller runs under an `AesProof` (detection
    // found ARMv8 AES and PMULL, with NEON; module documentation).
    store(unsafe { veorq_u8(s, mask) }, &mut tag);
    tag
}
