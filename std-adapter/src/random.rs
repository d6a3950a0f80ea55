//! Randomness for nonces, keys and file ids.
//!
//! Keys, salts and file ids come straight from the operating system
//! ([`OsRandom`], `getrandom`). Page nonces come from [`FastRandom`]: one
//! system call per nonce costs more than sealing a 4 KiB page, so each
//! thread keeps a user-space generator seeded from the operating system.
//!
//! The generator is an AEAD used as a stream cipher with fast key erasure:
//! a 32-byte key from `getrandom` encrypts a 1 KiB block of zeros (AEGIS-256X2
//! where the CPU has AES instructions, ChaCha20-Poly1305 elsewhere; the
//! ciphertext of zeros under a key used once is the suite's keystream); the
//! first 32 bytes of that output become the next key and the old key is
//! dropped; the rest is handed out as nonces. Nonces stay random: nothing is stored, so restoring a
//! file or a machine from a backup rewinds nothing.
//!
//! Uniqueness across threads: every thread seeds its own generator from the
//! operating system. Across `fork()`: the generator records the process's
//! fork generation (`pageseal_dispatch::fork_generation`, counted by a
//! `pthread_atfork` child handler) when it is seeded and reseeds when the
//! count has moved, so a child never continues its parent's stream. Where
//! forks cannot be detected, every nonce is drawn from the operating system.

use std::cell::RefCell;

use pageseal_core::{Aead, Error, FILE_ID_LEN, NonceSource, Suite};
use pageseal_dispatch::{Backend, CompactCipher, backend_for, fork_generation};
use zeroize::Zeroize;

/// Bytes of keystream produced per refill. A 4 KiB pool cost AES-256-GCM
/// page seals about 5 % of their speed (most likely by crowding the L1
/// cache next to the page and the key tables); 1 KiB costs about 1 %
/// (benches/RESULTS.md).
const POOL: usize = 1024;
/// Generator key length (both suites used take 32-byte keys).
const KEY_LEN: usize = 32;
/// Associated data of the generator's encryptions (domain separation).
const LABEL: &[u8] = b"pageseal v1 nonce generator";

/// Nonces drawn from the operating system's cryptographic generator
/// (`getrandom`): one system call per nonce.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl NonceSource for OsRandom {
    fn fill_nonce(&mut self, nonce: &mut [u8]) -> Result<(), Error> {
        fill_random(nonce)
    }
}

/// Fast random nonces: a per-thread user-space generator seeded from the
/// operating system, reseeded in a forked child (see the module
/// documentation). What page files seal with.
#[derive(Clone, Copy, Debug, Default)]
pub struct FastRandom;

impl NonceSource for FastRandom {
    fn fill_nonce(&mut self, nonce: &mut [u8]) -> Result<(), Error> {
        let Some(generation) = fork_generation() else {
            return fill_random(nonce);
        };
        GENERATOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            let generator = match slot.as_mut() {
                Some(g) if g.generation == generation => g,
                _ => slot.insert(Generator::seeded(generation)?),
            };
            generator.fill(nonce)
        })
    }
}

thread_local! {
    static GENERATOR: RefCell<Option<Generator>> = const { RefCell::new(None) };
}

/// One thread's generator.
struct Generator {
    suite: Suite,
    cipher: CompactCipher,
    pool: Box<[u8; POOL]>,
    /// Bytes of `pool` handed out (or used as the next key).
    used: usize,
    /// The fork generation it was seeded in.
    generation: u64,
}

impl Generator {
    fn seeded(generation: u64) -> Result<Generator, Error> {
        let suite = match backend_for(Suite::Aegis256X2) {
            Backend::Portable => Suite::ChaCha20Poly1305,
            _ => Suite::Aegis256X2,
        };
        let mut key = [0u8; KEY_LEN];
        fill_random(&mut key)?;
        let cipher = CompactCipher::new(suite, &key);
        key.zeroize();
        Ok(Generator {
            suite,
            cipher: cipher.map_err(|_| Error::NonceUnavailable)?,
            pool: Box::new([0; POOL]),
            used: POOL,
            generation,
        })
    }

    /// A new pool of keystream under a key used once, then the next key
    /// taken from its head (the old cipher, and its key, are dropped).
    fn refill(&mut self) -> Result<(), Error> {
        self.pool.fill(0);
        let nonce = [0u8; 32];
        self.cipher
            .seal_detached(&nonce[..self.suite.nonce_len()], LABEL, &mut self.pool[..])?;
        self.cipher = CompactCipher::new(self.suite, &self.pool[..KEY_LEN])
            .map_err(|_| Error::NonceUnavailable)?;
        self.pool[..KEY_LEN].zeroize();
        self.used = KEY_LEN;
        Ok(())
    }

    fn fill(&mut self, out: &mut [u8]) -> Result<(), Error> {
        for chunk in out.chunks_mut(POOL - KEY_LEN) {
            if POOL - self.used < chunk.len() {
                self.refill()?;
            }
            // Nonces are public once used (they are stored in the clear),
            // so the bytes handed out need no wiping; the key that made
            // them is already gone.
            let pool = &self.pool[self.used..self.used + chunk.len()];
            // The nonce lengths of the suites, as fixed-size moves (a
            // variable-length copy is a library call that costs more than
            // the rest of the draw).
            match chunk.len() {
                12 => chunk.copy_from_slice(&pool[..12]),
                16 => chunk.copy_from_slice(&pool[..16]),
                32 => chunk.copy_from_slice(&pool[..32]),
                _ => chunk.copy_from_slice(pool),
            }
            self.used += chunk.len();
        }
        Ok(())
    }
}

impl Drop for Generator {
    fn drop(&mut self) {
        self.pool.zeroize();
    }
}

/// Fills `out` from the operating system's cryptographic generator.
pub fn fill_random(out: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(out).map_err(|_| Error::NonceUnavailable)
}

/// A new random file id.
pub fn random_file_id() -> Result<[u8; FILE_ID_LEN], Error> {
    let mut id = [0u8; FILE_ID_LEN];
    fill_random(&mut id)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_differ() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        OsRandom.fill_nonce(&mut a).unwrap();
        OsRandom.fill_nonce(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(random_file_id().unwrap(), random_file_id().unwrap());
    }

    #[test]
    fn fast_nonces_never_repeat_across_refills_and_threads() {
        let draw = || {
            (0..3000)
                .map(|_| {
                    let mut n = [0u8; 16];
                    FastRandom.fill_nonce(&mut n).unwrap();
                    n
                })
                .collect::<Vec<_>>()
        };
        let mut all = draw();
        all.extend(std::thread::spawn(draw).join().unwrap());
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
        // A long request spans more than one pool.
        let mut long = vec![0u8; 3 * POOL];
        FastRandom.fill_nonce(&mut long).unwrap();
        assert!(long.chunks(16).all(|c| c != [0u8; 16]));
    }
}
