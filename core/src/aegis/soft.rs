//! Portable AES lanes on `aes::hazmat` rounds.
//!
//! With the primitive's software backend (forced with
//! `--cfg aes_backend="soft"`, or on CPUs without AES instructions) the
//! rounds are fixsliced: bitsliced arithmetic with no table lookups and no
//! secret-dependent branches, so this path is constant time. Eight rounds
//! go through one call, which is what the fixsliced code is fastest at.

use aes::hazmat::{Block8, cipher_round, cipher_round_par};

use zeroize::Zeroize;

use super::lanes::AesLanes;

/// `D` AES blocks held as bytes, rounds computed by `aes::hazmat`.
#[derive(Clone, Copy)]
pub struct SoftLanes<const D: usize>([[u8; 16]; D]);

impl<const D: usize> AesLanes for SoftLanes<D> {
    const LANES: usize = D;
    const DEFER_MESSAGE: bool = false;

    #[inline]
    fn load(bytes: &[u8]) -> Self {
        let mut lanes = [[0u8; 16]; D];
        for (lane, chunk) in lanes.iter_mut().zip(bytes.chunks_exact(16)) {
            lane.copy_from_slice(chunk);
        }
        SoftLanes(lanes)
    }

    #[inline]
    fn store(self, out: &mut [u8]) {
        for (chunk, lane) in out.chunks_exact_mut(16).zip(self.0) {
            chunk.copy_from_slice(&lane);
        }
    }

    #[inline]
    fn splat(block: &[u8; 16]) -> Self {
        SoftLanes([*block; D])
    }

    #[inline]
    fn xor(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().flatten().zip(other.0.iter().flatten()) {
            *o ^= b;
        }
        SoftLanes(out)
    }

    #[inline]
    fn and(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().flatten().zip(other.0.iter().flatten()) {
            *o &= b;
        }
        SoftLanes(out)
    }

    fn wipe(&mut self) {
        self.0.zeroize();
    }

    #[inline]
    fn aes_round(self, round_key: Self) -> Self {
        let mut out = self.0;
        for (o, k) in out.iter_mut().zip(round_key.0) {
            let mut block = (*o).into();
            cipher_round(&mut block, &k.into());
            *o = block.into();
        }
        SoftLanes(out)
    }

    #[inline]
    fn aes_rounds<const N: usize>(states: [Self; N], round_keys: [Self; N]) -> [Self; N] {
        let mut out = states;
        let total = N * D;
        let mut start = 0;
        while start < total {
            let mut blocks = Block8::default();
            let mut keys = Block8::default();
            let end = (start + 8).min(total);
            for k in start..end {
                blocks[k - start] = out[k / D].0[k % D].into();
                keys[k - start] = round_keys[k / D].0[k % D].into();
            }
            cipher_round_par(&mut blocks, &keys);
            for k in start..end {
                out[k / D].0[k % D] = blocks[k - start].into();
            }
            start = end;
        }
        out
    }
}
