//! What the AES-GCM kernels of every architecture share: the keyed suite
//! [`Gcm`] (the architecture modules supply its `setup` and `run`
//! kernels), the message length limit, and the scalar side of computing GHASH
//! in the POLYVAL domain (RFC 8452, appendix A): the hash key
//! `mulX_POLYVAL(ByteReverse(H))`, the Karatsuba keys of its powers, the
//! reduction constant, and the length block, all as POLYVAL's
//! little-endian bytes.

use pageseal_core::{Error, Suite, Tag};
use zeroize::Zeroize;

use crate::arch::AesProof;
use crate::arch::gcm::{run, setup};
use crate::arch::ghash::Powers;
use crate::kernel::OnePass;

/// `x^128 mod P` in POLYVAL's bit order: the reduction constant.
pub(crate) const POLY: u128 = 0xc200_0000_0000_0000_0000_0000_0000_0001;

/// AES-GCM keyed for a backend with AES and carry-less multiplication:
/// round keys and hash-key powers (in the layout of the architecture's
/// `Powers`), wiped on drop. The kernels read both from here at each use
/// and wipe whatever copies they make.
pub(crate) struct Gcm {
    /// The proof that the CPU runs the architecture's AES-GCM kernels.
    pub(crate) proof: AesProof,
    /// AES-256 (15 round keys) or AES-128 (11).
    pub(crate) aes256: bool,
    /// The AES round keys, as bytes.
    pub(crate) round_keys: [[u8; 16]; 15],
    /// The powers of the hash key.
    pub(crate) powers: Powers,
}

impl Gcm {
    /// Keys AES-GCM with a 16- or 32-byte `key` (length already checked).
    pub(crate) fn new(proof: AesProof, key: &[u8]) -> Gcm {
        let mut round_keys = [[0; 16]; 15];
        let powers = setup(proof, key, &mut round_keys);
        Gcm {
            proof,
            aes256: key.len() == 32,
            round_keys,
            powers,
        }
    }
}

impl OnePass for Gcm {
    fn suite(&self) -> Suite {
        if self.aes256 {
            Suite::Aes256Gcm
        } else {
            Suite::Aes128Gcm
        }
    }

    fn run<const DECRYPT: bool>(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<Tag, Error> {
        check_len(buf)?;
        run::<DECRYPT>(self, nonce, aad, buf, tag)
    }
}

impl Drop for Gcm {
    fn drop(&mut self) {
        self.round_keys.zeroize();
    }
}

/// Fails with [`Error::MessageTooLong`] when `buf` is longer than AES-GCM
/// allows.
pub(crate) fn check_len(buf: &[u8]) -> Result<(), Error> {
    Suite::Aes128Gcm.check_message_len(buf.len())
}

/// The POLYVAL key `mulX_POLYVAL(ByteReverse(h))` of the GHASH key `h`
/// (`AES_K(0)`, as bytes). The caller wipes the result.
#[inline(always)]
pub(crate) fn polyval_key(h: &[u8; 16]) -> [u8; 16] {
    // On the integer H read big-endian.
    let mut hv = u128::from_be_bytes(*h);
    hv = (hv << 1) ^ (POLY & 0u128.wrapping_sub(hv >> 127));
    let key = hv.to_le_bytes();
    hv.zeroize();
    key
}

/// The Karatsuba key of a power of the hash key (POLYVAL's little-endian
/// bytes): the XOR of its two 64-bit halves, in both halves.
#[inline(always)]
pub(crate) fn karatsuba_key(power: &[u8; 16]) -> [u8; 16] {
    let halves = u128::from_le_bytes(*power);
    let folded = ((halves >> 64) ^ halves) as u64;
    (u128::from(folded) * ((1 << 64) + 1)).to_le_bytes()
}

/// GHASH's final block, the bit lengths of the associated data and the
/// message, byte-reversed into the POLYVAL domain.
#[inline(always)]
pub(crate) fn lengths(aad_len: usize, msg_len: usize) -> [u8; 16] {
    let bits = |len: usize| u128::from((len as u64).wrapping_mul(8));
    ((bits(aad_len) << 64) | bits(msg_len)).to_le_bytes()
}
