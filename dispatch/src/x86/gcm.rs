//! AES-GCM kernels, eight registers per iteration (8 blocks with AES-NI
//! and PCLMULQDQ, 16 blocks with 256-bit VAES and VPCLMULQDQ, 32 with
//! 512-bit VAES and VPCLMULQDQ). Sealing and
//! opening are stitched: counter-mode AES and GHASH in one pass over the
//! page.
//!
//! GHASH ([`super::ghash`]) hashes a whole iteration with precomputed
//! powers of the hash key and one reduction. It is stitched in by hand:
//! after AES round `r` of an iteration comes the GHASH of register
//! `r - 1`, and after round 9 the reduction ([`Stitch`]); fences
//! ([`super::gcm_lanes::Wide::fence`]) keep LLVM from regrouping the two.
//!
//! Sealing hashes each iteration's ciphertext during the next iteration's
//! AES rounds. Opening hashes each iteration's ciphertext (read from the
//! buffer) while that iteration's keystream is computed, then decrypts it
//! in place; at the end it compares tags in constant time and on a
//! mismatch wipes the buffer (as the `Aead` contract asks), so no
//! plaintext is released.

use core::arch::x86_64::__m128i;

use pageseal_core::{Error, Tag, verify_or_wipe};
use zeroize::Zeroize;

use super::Isa;
use super::aes_key::{Between, encrypt, encrypt_with, expand};
use super::aesni_lanes::load128;
use super::gcm_lanes::{Wide, Xmm, Ymm, Zmm};
use super::ghash::{
    ChunkKeys, MAX_CHUNK, Powers, REGS, Sum, ghash, ghash_padded, load_chunk, mul, zero,
};
use crate::backend::Proven;
use crate::gcm::{Gcm, lengths};
use crate::wipe::wipe;

/// Expands `key` into `round_keys` and returns the powers of the hash key
/// on the level `proof` vouches for (every level has AES-NI and PCLMULQDQ).
pub(crate) fn setup(_proof: Proven, key: &[u8], round_keys: &mut [[u8; 16]; 15]) -> Powers {
    // SAFETY: every level a `Proven` can vouch for includes AES-NI,
    // PCLMULQDQ, SSSE3 and SSE4.1, the features `setup_kernel` enables.
    unsafe { setup_kernel(key, round_keys) }
}

/// Seals `buf` (`DECRYPT == false`) or opens it against `tag` with the
/// kernel of the level `gcm.proof` vouches for (length already checked).
#[inline]
pub(crate) fn run<const DECRYPT: bool>(
    gcm: &Gcm,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<Tag, Error> {
    match (gcm.proof.isa(), gcm.aes256) {
        // SAFETY: `proof` certifies AES-NI, PCLMULQDQ, SSSE3, SSE4.1.
        (Isa::AesNi, false) => unsafe { crypt_xmm::<11, DECRYPT>(gcm, nonce, aad, buf, tag) },
        // SAFETY: as above.
        (Isa::AesNi, true) => unsafe { crypt_xmm::<15, DECRYPT>(gcm, nonce, aad, buf, tag) },
        // SAFETY: the VAES levels certify AVX2, VAES and VPCLMULQDQ too.
        (Isa::Vaes256, false) => unsafe { crypt_ymm::<11, DECRYPT>(gcm, nonce, aad, buf, tag) },
        // SAFETY: as above.
        (Isa::Vaes256, true) => unsafe { crypt_ymm::<15, DECRYPT>(gcm, nonce, aad, buf, tag) },
        // SAFETY: `Isa::Vaes512` certifies AVX-512 F/BW/VL on top.
        (Isa::Vaes512, false) => unsafe { crypt_zmm::<11, DECRYPT>(gcm, nonce, aad, buf, tag) },
        // SAFETY: as above.
        (Isa::Vaes512, true) => unsafe { crypt_zmm::<15, DECRYPT>(gcm, nonce, aad, buf, tag) },
    }
}

/// Expands `key` into `round_keys` and returns the powers of the hash key
/// `H = AES_K(0)`.
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn setup_kernel(key: &[u8], round_keys: &mut [[u8; 16]; 15]) -> Powers {
    let mut rk = expand(key);
    let mut xmm_rk = [Xmm(zero()); 15];
    for ((x, k), out) in xmm_rk.iter_mut().zip(rk).zip(round_keys.iter_mut()) {
        *x = Xmm(k);
        x.store(out);
    }
    let [h] = if key.len() == 32 {
        encrypt(&xmm_rk, [Xmm(zero())])
    } else {
        let rk128: &[Xmm; 11] = xmm_rk[..11].try_into().expect("11 round keys");
        encrypt(rk128, [Xmm(zero())])
    };
    let mut h_bytes = [0u8; 16];
    h.store(&mut h_bytes);
    let powers = Powers::new(&h_bytes);
    rk.zeroize();
    xmm_rk.iter_mut().for_each(|x| x.0.zeroize());
    h_bytes.zeroize();
    powers
}

/// Defines `$name`, the kernel [`crypt`] on vectors `$v` compiled with
/// `$features`.
macro_rules! kernel {
    ($(#[$doc:meta])* $name:ident, $v:ty, $features:literal) => {
        $(#[$doc])*
        #[target_feature(enable = $features)]
        fn $name<const RK: usize, const DECRYPT: bool>(
            gcm: &Gcm,
            nonce: &[u8],
            aad: &[u8],
            buf: &mut [u8],
            tag: &Tag,
        ) -> Result<Tag, Error> {
            crypt::<$v, RK, DECRYPT>(gcm, nonce, aad, buf, tag)
        }
    };
}

kernel!(
    /// AES-NI and PCLMULQDQ: one block per register, 8 per iteration.
    crypt_xmm,
    Xmm,
    "aes,pclmulqdq,ssse3,sse4.1"
);
kernel!(
    /// VAES and VPCLMULQDQ on AVX2: two blocks per register, 16 per iteration.
    crypt_ymm,
    Ymm,
    "aes,pclmulqdq,ssse3,sse4.1,avx2,vaes,vpclmulqdq"
);
kernel!(
    /// VAES and VPCLMULQDQ on AVX-512: four blocks per register, 32 per
    /// iteration, 32 vector registers.
    crypt_zmm,
    Zmm,
    "aes,pclmulqdq,ssse3,sse4.1,avx2,vaes,vpclmulqdq,avx512f,avx512bw,avx512vl"
);

/// One iteration's keystream: `REGS` registers of counter blocks from
/// `ctr` (byte-reversed; advanced past them), encrypted under `rk`, with
/// `between` stitched into the AES rounds.
#[inline(always)]
fn keystream<V: Wide, const RK: usize>(
    rk: &[V; RK],
    ctr: &mut V,
    between: &mut impl Between,
) -> [V; REGS] {
    let mut blocks = [*ctr; REGS];
    for b in &mut blocks {
        *b = ctr.bswap();
        *ctr = ctr.next_counters();
    }
    encrypt_with(rk, blocks, between)
}

/// GHASH of one chunk of ciphertext spread over an iteration's AES rounds:
/// register `r` after round `r + 1`, the reduction after round
/// `REGS + 1` (AES-128 has nine middle rounds), so that the AES and
/// carry-less multiply units work at once.
struct Stitch<'a, V> {
    blocks: &'a [u8],
    keys: &'a ChunkKeys<'a, V>,
    acc: &'a mut __m128i,
    sum: Sum<V>,
}

impl<'a, V: Wide> Stitch<'a, V> {
    /// Folds the chunk `blocks` into `acc` during the next rounds.
    #[inline(always)]
    fn new(blocks: &'a [u8], keys: &'a ChunkKeys<'a, V>, acc: &'a mut __m128i) -> Self {
        Stitch {
            blocks,
            keys,
            acc,
            sum: Sum::new(),
        }
    }
}

impl<V: Wide> Between for Stitch<'_, V> {
    #[inline(always)]
    fn after(&mut self, round: usize) {
        if round <= REGS {
            let r = round - 1;
            let block = V::load(&self.blocks[16 * V::BLOCKS * r..]);
            self.sum.add(r, block, *self.acc, self.keys);
        } else if round == REGS + 1 {
            *self.acc = self.sum.reduce();
        }
    }
}

/// Seals `buf` (`DECRYPT == false`) and returns the tag, or opens it
/// against `tag` (which sealing ignores), with the `RK` round keys of
/// AES-128 (11) or AES-256 (15).
#[inline(always)]
fn crypt<V: Wide, const RK: usize, const DECRYPT: bool>(
    gcm: &Gcm,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<Tag, Error> {
    let mut rk = [V::broadcast(zero()); RK];
    for (k, bytes) in rk.iter_mut().zip(&gcm.round_keys) {
        *k = V::broadcast(load128(bytes));
    }
    let mut j0 = [0u8; 16];
    j0[..12].copy_from_slice(&nonce[..12]);
    // The counter block byte-reversed: the 32-bit counter is lane 0's low word.
    let rev = Xmm::load(&j0).bswap().0;
    // First, so that its serial AES rounds overlap with the rest.
    let mask = tag_mask::<RK>(gcm, rev);
    let acc = ghash_padded::<V>(&gcm.powers, zero(), aad);
    let acc = ctr::<V, RK, DECRYPT>(gcm, &rk, rev, buf, acc);
    let computed = finish(gcm, mask, acc, aad.len(), buf.len());
    for k in &mut rk {
        k.wipe();
    }
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
fn ctr<V: Wide, const RK: usize, const DECRYPT: bool>(
    gcm: &Gcm,
    rk: &[V; RK],
    rev: __m128i,
    buf: &mut [u8],
    mut acc: __m128i,
) -> __m128i {
    let chunk = REGS * V::BLOCKS;
    let full = gcm.powers.chunk::<V>(chunk);
    let mut ctr = V::counters(rev, 2);
    // Sealing: the previous chunk's ciphertext, hashed during this one.
    let mut previous: Option<&[u8]> = None;
    let mut chunks = buf.chunks_exact_mut(16 * chunk);
    for c in &mut chunks {
        let hashed = if DECRYPT { Some(&*c) } else { previous };
        let ks = match hashed {
            Some(blocks) => keystream(rk, &mut ctr, &mut Stitch::new(blocks, &full, &mut acc)),
            None => keystream(rk, &mut ctr, &mut ()),
        };
        for (r, k) in ks.iter().enumerate() {
            let at = 16 * V::BLOCKS * r;
            V::load(&c[at..]).xor(*k).store(&mut c[at..]);
        }
        if !DECRYPT {
            previous = Some(c);
        }
    }
    if let Some(blocks) = previous {
        acc = ghash(acc, &load_chunk(blocks), &full);
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let mut pad = [0u8; 16 * MAX_CHUNK];
        pad[..rest.len()].copy_from_slice(rest);
        let tail = gcm.powers.chunk::<V>(rest.len().div_ceil(16));
        if DECRYPT {
            acc = ghash(acc, &load_chunk(&pad), &tail);
        }
        let ks = keystream(rk, &mut ctr, &mut ());
        for (r, (x, k)) in load_chunk::<V>(&pad).iter().zip(&ks).enumerate() {
            x.xor(*k).store(&mut pad[16 * V::BLOCKS * r..]);
        }
        rest.copy_from_slice(&pad[..rest.len()]);
        if !DECRYPT {
            pad[rest.len()..].fill(0);
            acc = ghash(acc, &load_chunk(&pad), &tail);
        }
        wipe(&mut pad);
    }
    acc
}

/// The encrypted counter block 1, which masks the tag.
#[inline(always)]
fn tag_mask<const RK: usize>(gcm: &Gcm, rev: __m128i) -> Xmm {
    let mut xmm_rk = [Xmm(zero()); RK];
    for (k, bytes) in xmm_rk.iter_mut().zip(&gcm.round_keys) {
        *k = Xmm(load128(bytes));
    }
    let [mask] = encrypt(&xmm_rk, [Xmm::counters(rev, 1).bswap()]);
    for k in &mut xmm_rk {
        k.wipe();
    }
    mask
}

/// The tag from the hash state after the message: fold in the length
/// block, multiply by `H`, and XOR with `mask` ([`tag_mask`]).
#[inline(always)]
fn finish(gcm: &Gcm, mask: Xmm, acc: __m128i, aad_len: usize, msg_len: usize) -> Tag {
    let lengths = Xmm(load128(&lengths(aad_len, msg_len)));
    let h1 = gcm.powers.h1();
    let s = Xmm(mul(Xmm(acc).xor(lengths).0, h1)).bswap();
    let mut tag = [0u8; 16];
    s.xor(mask).store(&mut tag);
    tag
}
