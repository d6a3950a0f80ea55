//! The ChaCha20-Poly1305 kernels' common part (RFC 8439), written over
//! [`Lanes`]: ChaCha20 "vertically" (register `i` holds word `i` of several
//! consecutive blocks, so a quarter round is plain lane-wise arithmetic and
//! no lane shuffles run until the keystream is written out), and Poly1305
//! in radix 2^64 on the scalar multiplier ([`crate::poly1305`]), stitched:
//! a tenth of a batch's ciphertext is absorbed before each of the ten
//! double rounds, so scalar and vector units work at once.
//!
//! The first batch starts at block counter 0: its block 0 becomes the
//! Poly1305 key and its other blocks encrypt the start of the message, so
//! no keystream is computed and thrown away. A tail shorter than a batch
//! runs on the narrower tail lanes.
//!
//! Sealing hashes each batch's ciphertext after encrypting it (during the
//! next batch's rounds); opening hashes it before decrypting (during its
//! own rounds), then the caller compares tags in constant time and wipes
//! the buffer on a mismatch ([`ChaCha`]).

use pageseal_core::{Error, Suite, Tag, verify_or_wipe};
use zeroize::Zeroize;

use crate::arch::{ChaChaProof, chacha};
use crate::kernel::OnePass;
use crate::poly1305::Poly1305;
use crate::wipe::wipe;

/// "expand 32-byte k", the first four state words.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Widest batch, in bytes (16 blocks).
const MAX_BATCH: usize = 64 * 16;

/// Word `i` of `BLOCKS` ChaCha20 blocks, one block per 32-bit lane.
pub(crate) trait Lanes: Copy {
    /// Blocks per register.
    const BLOCKS: usize;
    /// `word` in every lane.
    fn splat(word: u32) -> Self;
    /// Lane `j` holds `first + j` (wrapping): the block counters.
    fn counters(first: u32) -> Self;
    /// Lane-wise wrapping addition.
    fn add(self, other: Self) -> Self;
    /// Lane-wise XOR.
    fn xor(self, other: Self) -> Self;
    /// Lane-wise rotation left by `BITS` (16, 12, 8 or 7).
    fn rotl<const BITS: u32>(self) -> Self;
    /// XORs the keystream of the state `words` (block `j` in lane `j`)
    /// into `out`, `64 * BLOCKS` bytes: block 0 first, each block's words
    /// little-endian.
    fn xor_into(words: &[Self; 16], out: &mut [u8]);
}

/// A ChaCha20 key as state words (wiped on drop).
struct Words([u32; 8]);

impl Words {
    /// The words of the 32-byte `key` (length already checked).
    fn new(key: &[u8]) -> Words {
        let mut words = [0u32; 8];
        for (w, bytes) in words.iter_mut().zip(key.chunks_exact(4)) {
            *w = le32(bytes);
        }
        Words(words)
    }
}

impl Drop for Words {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The little-endian `u32` at the start of `bytes`.
fn le32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// ChaCha20-Poly1305 keyed for a backend with a ChaCha20 kernel (the
/// architecture's `chacha::crypt`).
pub(crate) struct ChaCha {
    proof: ChaChaProof,
    key: Words,
}

impl ChaCha {
    /// Keys the kernel with the 32-byte `key` (length already checked).
    pub(crate) fn new(proof: ChaChaProof, key: &[u8]) -> ChaCha {
        ChaCha {
            proof,
            key: Words::new(key),
        }
    }
}

impl OnePass for ChaCha {
    fn suite(&self) -> Suite {
        Suite::ChaCha20Poly1305
    }

    fn run<const DECRYPT: bool>(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<Tag, Error> {
        Suite::ChaCha20Poly1305.check_message_len(buf.len())?;
        let nonce = [le32(&nonce[0..]), le32(&nonce[4..]), le32(&nonce[8..])];
        let computed = chacha::crypt::<DECRYPT>(self.proof, &self.key.0, &nonce, aad, buf);
        if DECRYPT {
            verify_or_wipe(&computed, tag, buf)?;
        }
        Ok(computed)
    }
}

/// Encrypts (or decrypts) `buf` in place on `V` batches (the tail on `T`)
/// and returns the tag it should carry: the tag of the ciphertext, which
/// is `buf` after sealing and before opening.
#[inline(always)]
pub(crate) fn crypt<V: Lanes, T: Lanes, const DECRYPT: bool>(
    key: &[u32; 8],
    nonce: &[u32; 3],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    const { assert!(V::BLOCKS * 64 <= MAX_BATCH && T::BLOCKS * 64 <= MAX_BATCH) };
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
    // The tail, in `T` batches; the last one through `pad`.
    while at.done < buf.len() {
        batch::<T, DECRYPT>(key, nonce, &mut poly, buf, &mut at, &mut pad);
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
