//! Poly1305 (RFC 8439 §2.5) in radix 2^64 for the ChaCha20-Poly1305
//! kernels: three 64-bit limbs and four 64×64→128-bit multiplications per
//! 16-byte block, the form that keeps a 64-bit CPU's multiplier busy
//! while vector units run ChaCha20.
//!
//! Constant time: fixed sequences of multiplications, additions with
//! carries and masks; the final reduction selects with a mask, not a
//! branch. Only whole 16-byte blocks are absorbed: the AEAD construction
//! pads every input to 16 bytes (RFC 8439 §2.8).

use pageseal_core::Tag;
use zeroize::Zeroize;

/// A Poly1305 computation in progress under a one-time key (wiped on drop).
pub(crate) struct Poly1305 {
    /// The clamped `r`, low and high 64 bits.
    r: [u64; 2],
    /// `r1 + r1 / 4`: `r1 * 2^64` times `2^128` reduced mod `2^130 - 5`
    /// (exact, clamping clears the low two bits of `r1`).
    s1: u64,
    /// The accumulator, `h0 + h1 * 2^64 + h2 * 2^128`, `h2` small.
    h: [u64; 3],
    /// The key's second half, added at the end.
    s: [u64; 2],
}

/// Reads the little-endian `u64` at `bytes[at..at + 8]`.
#[inline(always)]
fn le64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

impl Poly1305 {
    /// Keys Poly1305 with the 32-byte one-time key `r || s`.
    #[inline(always)]
    pub(crate) fn new(key: &[u8; 32]) -> Poly1305 {
        let r0 = le64(key, 0) & 0x0fff_fffc_0fff_ffff;
        let r1 = le64(key, 8) & 0x0fff_fffc_0fff_fffc;
        Poly1305 {
            r: [r0, r1],
            s1: r1 + (r1 >> 2),
            h: [0; 3],
            s: [le64(key, 16), le64(key, 24)],
        }
    }

    /// Absorbs `bytes` as 16-byte blocks, the last zero-padded to 16 (the
    /// padding of RFC 8439 §2.8).
    #[inline(always)]
    pub(crate) fn absorb_padded(&mut self, bytes: &[u8]) {
        let mut blocks = bytes.chunks_exact(16);
        for block in &mut blocks {
            self.block(le64(block, 0), le64(block, 8));
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            let mut pad = [0u8; 16];
            pad[..rest.len()].copy_from_slice(rest);
            self.block(le64(&pad, 0), le64(&pad, 8));
            pad.zeroize();
        }
    }

    /// `h = (h + m + 2^128) * r mod 2^130 - 5`, partially reduced.
    #[inline(always)]
    fn block(&mut self, m0: u64, m1: u64) {
        let [r0, r1] = self.r;
        let s1 = self.s1 as u128;
        let (h0, c) = self.h[0].overflowing_add(m0);
        let (h1, c1) = adc(self.h[1], m1, c);
        let h2 = self.h[2] + c1 as u64 + 1;
        let (h0, h1) = (h0 as u128, h1 as u128);
        // h * r, with the parts at 2^128 * r1 folded down by 5/4 (s1).
        let d0 = h0 * r0 as u128 + h1 * s1;
        let d1 = h0 * r1 as u128 + h1 * r0 as u128 + (h2 * self.s1) as u128 + (d0 >> 64);
        let d2 = h2 * r0 + (d1 >> 64) as u64;
        // Bits from 2^130 up are multiplied by 5 and added back in.
        let fold = (d2 & !3) + (d2 >> 2);
        let (h0, c) = (d0 as u64).overflowing_add(fold);
        let (h1, c1) = adc(d1 as u64, 0, c);
        self.h = [h0, h1, (d2 & 3) + c1 as u64];
    }

    /// The tag: `h` fully reduced, plus `s`, mod 2^128.
    #[inline(always)]
    pub(crate) fn finish(mut self) -> Tag {
        let [h0, h1, h2] = self.h;
        // g = h + 5; h >= p exactly when g reaches 2^130 (h < 2p here).
        let (g0, c) = h0.overflowing_add(5);
        let (g1, c1) = adc(h1, 0, c);
        let g2 = h2 + c1 as u64;
        let use_g = 0u64.wrapping_sub(g2 >> 2);
        let h0 = (g0 & use_g) | (h0 & !use_g);
        let h1 = (g1 & use_g) | (h1 & !use_g);
        let (t0, c) = h0.overflowing_add(self.s[0]);
        let (t1, _) = adc(h1, self.s[1], c);
        let mut tag = [0u8; 16];
        tag[..8].copy_from_slice(&t0.to_le_bytes());
        tag[8..].copy_from_slice(&t1.to_le_bytes());
        self.wipe();
        tag
    }

    /// Zeroizes the key and the accumulator.
    fn wipe(&mut self) {
        self.r.zeroize();
        self.s1.zeroize();
        self.h.zeroize();
        self.s.zeroize();
    }
}

impl Drop for Poly1305 {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// `a + b + carry`, and the carry out.
#[inline(always)]
fn adc(a: u64, b: u64, carry: bool) -> (u64, bool) {
    let (sum, c1) = a.overflowing_add(b);
    let (sum, c2) = sum.overflowing_add(carry as u64);
    (sum, c1 | c2)
}
