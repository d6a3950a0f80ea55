//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use pageseal_core::{Portable, Suite};
use pageseal_flash::{Config, FlashStore, Nonces};
use rand_core::{CryptoRng, RngCore};

/// A deterministic generator standing in for a TRNG (splitmix64).
#[derive(Clone, Debug)]
pub struct TestRng(pub u64);

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

impl CryptoRng for TestRng {}

/// A key of the suite's length made of `byte`.
pub fn cipher(suite: Suite, byte: u8) -> Portable {
    Portable::new(suite, &[byte; 32][..suite.key_len()]).unwrap()
}

/// Random nonces (seeded) or sequence nonces.
pub fn nonces(random: bool, seed: u64) -> Nonces<TestRng> {
    if random {
        Nonces::Random(TestRng(seed))
    } else {
        Nonces::Sequence
    }
}

/// A small flash: 4 sectors of 1 KiB, 4-byte words.
pub type Small = pageseal_flash::mock::MockFlash<4096, 4, 1024>;

/// 128-byte slots: 8 per 1 KiB sector.
pub const SLOT: usize = 128;

/// The store used by most tests.
pub type Store<F> = FlashStore<F, Portable, TestRng, SLOT>;

/// Every sector of `Small`, up to 6 records (8 slots - 2).
pub fn config(sectors: u32, max_records: u32) -> Config {
    Config {
        offset: 0,
        sectors,
        max_records,
    }
}

/// The value written by step `step` of a script to record `id`: its length
/// varies from 0 to `max` bytes.
pub fn value(step: usize, id: u32, max: usize) -> Vec<u8> {
    let len = (step * 37 + id as usize * 11) % (max + 1);
    (0..len)
        .map(|i| (i as u8) ^ (step as u8).wrapping_mul(31) ^ id as u8)
        .collect()
}
