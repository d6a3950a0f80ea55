//! ChaCha20-Poly1305 kernels (RFC 8439): ChaCha20 on 8 blocks per AVX2
//! batch or 16 per AVX-512 batch ([`super::chacha_lanes`]), Poly1305 in
//! radix 2^64 on the scalar multiplier ([`crate::poly1305`]), stitched per
//! batch so both stay in L1 and the two kinds of unit work side by side.
//!
//! The first batch starts at block counter 0: its block 0 becomes the
//! Poly1305 key and its other blocks encrypt the start of the message, so
//! no keystream is computed and thrown away. A tail shorter than a batch
//! runs on 8-block AVX2 batches.
//!
//! Sealing hashes each batch's ciphertext after encrypting it; opening
//! hashes it before decrypting, then compares tags in constant time and
//! wipes the buffer on a mismatch (as the `Aead` contract asks).

use pageseal_core::{Error, Suite, Tag, verify_or_wipe};
use zeroize::Zeroize;

use super::chacha_lanes::{Avx2, Avx512, Lanes};
use super::{Isa, Proven};
use crate::poly1305::Poly1305;
use crate::wipe::wipe;

/// Longest plaintext: 2^32 - 1 blocks of 64 bytes after the one that keys
/// Poly1305.
const MAX_MESSAGE: u64 = ((1 << 32) - 1) * 64;

/// "expand 32-byte k", the first four state words.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Widest batch, in bytes (16 blocks).
const MAX_BATCH: usize = 64 * 16;

/// Whether a kernel here runs `suite` on level `isa` (AVX2 is needed).
pub(crate) fn has_kernel(isa: Isa, suite: Suite) -> bool {
    suite == Suite::ChaCha20Poly1305 && isa != Isa::AesNi
}

/// ChaCha20-Poly1305 keyed for the AVX2 or AVX-512 level (key wiped on drop).
pub(crate) struct ChaCha {
    proof: Proven,
    key: [u32; 8],
}

impl ChaCha {
    /// Keys the kernel with the 32-byte `key` (length already checked), or
    /// `None` when `proof`'s level has no AVX2.
    pub(crate) fn new(proof: Proven, key: &[u8]) -> Option<ChaCha> {
        if !has_kernel(proof.0, Suite::ChaCha20Poly1305) {
            return None;
        }
        let mut words = [0u32; 8];
        for (w, bytes) in words.iter_mut().zip(key.chunks_exact(4)) {
            *w = le32(bytes);
        }
        Some(ChaCha { proof, key: words })
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        self.run::<false>(nonce, aad, buf, &[0; 16])
    }

    /// Decrypts `buf` in place and checks `tag`; on a mismatch wipes `buf`.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        self.run::<true>(nonce, aad, buf, tag).map(drop)
    }

    /// Seals, or opens against `tag`, on the level `proof` vouches for.
    fn run<const DECRYPT: bool>(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<Tag, Error> {
        if buf.len() as u64 > MAX_MESSAGE {
            return Err(Error::MessageTooLong);
        }
        let nonce = [le32(&nonce[0..]), le32(&nonce[4..]), le32(&nonce[8..])];
        let computed = if self.proof.0 == Isa::Vaes512 {
            // SAFETY: `Isa::Vaes512` certifies AVX2 and AVX-512F/BW/VL.
            unsafe { crypt_avx512::<DECRYPT>(&self.key, &nonce, aad, buf) }
        } else {
            // SAFETY: `new` keyed this only for a level with AVX2 (the
            // VAES levels), which `proof` certifies.
            unsafe { crypt_avx2::<DECRYPT>(&self.key, &nonce, aad, buf) }
        };
        if DECRYPT {
            verify_or_wipe(&computed, tag, buf)?;
        }
        Ok(computed)
    }
}

impl Drop for ChaCha {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

/// The little-endian `u32` at the start of `bytes`.
fn le32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// ChaCha20-Poly1305 on 8-block AVX2 batches.
#[target_feature(enable = "avx2")]
fn crypt_avx2<const DECRYPT: bool>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    crypt::<Avx2, DECRYPT>(key, nonce, aad, buf)
}

/// ChaCha20-Poly1305 on 16-block AVX-512 batches (tails on AVX2).
#[target_feature(enable = "avx2,avx512f,avx512bw,avx512vl")]
fn crypt_avx512<const DECRYPT: bool>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    crypt::<Avx512, DECRYPT>(key, nonce, aad, buf)
}

/// Encrypts (or decrypts) `buf` in place and returns the tag it should
/// carry: the tag of the ciphertext, which is `buf` after sealing and
/// before opening.
#[inline(always)]
fn crypt<V: Lanes, const DECRYPT: bool>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    let mut pad = [0u8; MAX_BATCH];
    // Counters 0 .. V::BLOCKS: block 0 keys Poly1305, the others cover the
    // start of the message.
    let first = buf.len().min(64 * (V::BLOCKS - 1));
    pad[64..64 + first].copy_from_slice(&buf[..first]);
    let words = rounds::<V>(key, nonce, 0, &mut Idle);
    V::xor_into(&words, &mut pad[..64 * V::BLOCKS]);
    let mut poly_key = [0u8; 32];
    poly_key.copy_from_slice(&pad[..32]);
    let mut poly = Poly1305::new(&poly_key);
    poly_key.zeroize();
    poly.absorb_padded(aad);
    if DECRYPT {
        poly.absorb_padded(&buf[..first]);
    }
    buf[..first].copy_from_slice(&pad[64..64 + first]);
    let mut at = Position {
        done: first,
        hashed: if DECRYPT { first } else { 0 },
        counter: V::BLOCKS as u32,
    };
    while buf.len() - at.done >= 64 * V::BLOCKS {
        batch::<V, DECRYPT>(key, nonce, &mut poly, buf, &mut at, &mut pad);
    }
    // The tail, in 8-block batches; the last one through `pad`.
    while at.done < buf.len() {
        batch::<Avx2, DECRYPT>(key, nonce, &mut poly, buf, &mut at, &mut pad);
    }
    wipe(&mut pad);
    poly.absorb_padded(&buf[at.hashed..]);
    let mut lengths = [0u8; 16];
    lengths[..8].copy_from_slice(&(aad.len() as u64).to_le_bytes());
    lengths[8..].copy_from_slice(&(buf.len() as u64).to_le_bytes());
    poly.absorb_padded(&lengths);
    poly.finish()
}

/// How far [`crypt`] has got through the message.
struct Position {
    /// Bytes encrypted or decrypted.
    done: usize,
    /// Bytes of ciphertext absorbed into Poly1305.
    hashed: usize,
    /// Block counter of the next batch.
    counter: u32,
}

/// Runs one batch of `W::BLOCKS` blocks (or what is left of `buf`) at
/// `at`, absorbing ciphertext into `poly` during its rounds: when sealing
/// the previous batch's (already written), when opening this batch's
/// (before it is overwritten).
#[inline(always)]
fn batch<W: Lanes, const DECRYPT: bool>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    poly: &mut Poly1305,
    buf: &mut [u8],
    at: &mut Position,
    pad: &mut [u8; MAX_BATCH],
) {
    let width = 64 * W::BLOCKS;
    let len = (buf.len() - at.done).min(width);
    let (before, after) = buf.split_at_mut(at.done);
    let batch = &mut after[..len];
    let words = {
        let bytes: &[u8] = if DECRYPT { batch } else { &before[at.hashed..] };
        rounds::<W>(key, nonce, at.counter, &mut Absorb { poly, bytes })
    };
    at.hashed = if DECRYPT { at.done + len } else { at.done };
    if len == width {
        W::xor_into(&words, batch);
    } else {
        pad[..len].copy_from_slice(batch);
        W::xor_into(&words, &mut pad[..width]);
        batch.copy_from_slice(&pad[..len]);
    }
    at.done += len;
    at.counter = at.counter.wrapping_add(W::BLOCKS as u32);
}

/// Scalar work [`rounds`] interleaves with its vector rounds. (A trait,
/// not a closure: closures are not inlined into `#[target_feature]`
/// kernels, and a call between rounds would spill the whole state.)
trait Side {
    /// The share of the work that goes before double round `round` (0-9).
    fn run(&mut self, round: usize);
}

/// No scalar work.
struct Idle;

impl Side for Idle {
    #[inline(always)]
    fn run(&mut self, _round: usize) {}
}

/// Absorbs `bytes` into `poly`, a tenth (rounded up to whole blocks) per
/// double round.
struct Absorb<'a> {
    poly: &'a mut Poly1305,
    bytes: &'a [u8],
}

impl Side for Absorb<'_> {
    #[inline(always)]
    fn run(&mut self, round: usize) {
        let step = 16 * self.bytes.len().div_ceil(16 * 10);
        let from = self.bytes.len().min(step * round);
        let to = self.bytes.len().min(from + step);
        self.poly.absorb_padded(&self.bytes[from..to]);
    }
}

/// The ChaCha20 block function on `V::BLOCKS` blocks from `counter`: the
/// state words after the 20 rounds and the final addition. Runs
/// `side.run(i)` before double round `i` so that scalar work executes
/// between the vector instructions.
#[inline(always)]
fn rounds<V: Lanes>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    counter: u32,
    side: &mut impl Side,
) -> [V; 16] {
    let mut init = [V::splat(0); 16];
    for (word, &value) in init.iter_mut().zip(SIGMA.iter().chain(key)) {
        *word = V::splat(value);
    }
    init[12] = V::counters(counter);
    for (word, &value) in init[13..].iter_mut().zip(nonce) {
        *word = V::splat(value);
    }
    let mut x = init;
    for round in 0..10 {
        side.run(round);
        quarter_round(&mut x, 0, 4, 8, 12);
        quarter_round(&mut x, 1, 5, 9, 13);
        quarter_round(&mut x, 2, 6, 10, 14);
        quarter_round(&mut x, 3, 7, 11, 15);
        quarter_round(&mut x, 0, 5, 10, 15);
        quarter_round(&mut x, 1, 6, 11, 12);
        quarter_round(&mut x, 2, 7, 8, 13);
        quarter_round(&mut x, 3, 4, 9, 14);
    }
    for (word, start) in x.iter_mut().zip(init) {
        *word = word.add(start);
    }
    x
}

/// The ChaCha quarter round on words `a`, `b`, `c`, `d` (RFC 8439 §2.1).
#[inline(always)]
fn quarter_round<V: Lanes>(x: &mut [V; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].add(x[b]);
    x[d] = x[d].xor(x[a]).rotl::<16>();
    x[c] = x[c].add(x[d]);
    x[b] = x[b].xor(x[c]).rotl::<12>();
    x[a] = x[a].add(x[b]);
    x[d] = x[d].xor(x[a]).rotl::<8>();
    x[c] = x[c].add(x[d]);
    x[b] = x[b].xor(x[c]).rotl::<7>();
}
