//! Where the store's nonces come from: a caller-supplied cryptographic RNG,
//! or, on devices without one, the record's sequence number and slot.

use rand_core::{CryptoRng, RngCore};

/// The nonce policy of a store.
///
/// * [`Nonces::Random`] (the default choice): every seal draws a fresh
///   nonce from the RNG (`rand_core` 0.9 `CryptoRng`: a TRNG driver of the
///   HAL, or a CSPRNG seeded from one). Safe up to the suite's
///   `Suite::seal_limit` seals per key, whatever happens to the flash.
/// * [`Nonces::Sequence`]: for devices without an RNG. The nonce is
///   `LE64(seq) ‖ LE32(slot index) ‖ zeros` (FORMAT.md). Sequence numbers
///   only grow while the flash keeps its history: a power cut can make the
///   store reuse a sequence number, but never in the same slot before that
///   slot's sector is erased, so the (seq, slot) pair does not repeat. What
///   **breaks** it — a nonce reused under the key, which for AES-GCM and
///   ChaCha20-Poly1305 leaks the XOR of two values and lets anyone forge
///   records, and for AEGIS leaks the values:
///   - restoring an older flash image (a backup, a rollback of the
///     firmware's data partition, a second device cloned from one image)
///     and writing again under the same key;
///   - [`format`](crate::FlashStore::format)ting the store (or erasing its
///     region) and writing again under the same key: sequence numbers
///     restart at 1;
///   - two stores (two regions, two devices) under the same key;
///   - an attacker who can write the flash (they can roll it back);
///   - every write after a cut being cut again for a whole turn of the
///     ring of sectors, so that nothing newer is ever committed (the slot
///     of the first cut write is then reused with its sequence number).
///
///   Derive the key per device and per format (e.g. a KDF of the
///   hardware-unique key and a format counter kept in OTP) when using it.
#[derive(Debug)]
pub enum Nonces<R> {
    /// A fresh random nonce for every seal.
    Random(R),
    /// A nonce derived from the sequence number and the slot index.
    Sequence,
}

/// The RNG type of [`Nonces::Sequence`] stores: it has no values, so it can
/// never be called.
#[derive(Debug)]
pub enum NoRng {}

impl Nonces<NoRng> {
    /// Deterministic nonces (see [`Nonces::Sequence`] for what breaks them).
    pub const fn sequence() -> Self {
        Nonces::Sequence
    }
}

impl RngCore for NoRng {
    fn next_u32(&mut self) -> u32 {
        match *self {}
    }
    fn next_u64(&mut self) -> u64 {
        match *self {}
    }
    fn fill_bytes(&mut self, _: &mut [u8]) {
        match *self {}
    }
}

impl CryptoRng for NoRng {}

impl<R: CryptoRng> Nonces<R> {
    /// Fills `nonce` (the suite's nonce length; empty for `checksum`) for
    /// the seal numbered `seq` written to slot `slot` of the store.
    pub(crate) fn fill(&mut self, nonce: &mut [u8], seq: u64, slot: u32) {
        match self {
            Nonces::Random(rng) => rng.fill_bytes(nonce),
            Nonces::Sequence => sequence_nonce(nonce, seq, slot),
        }
    }
}

/// `LE64(seq) ‖ LE32(slot) ‖ zeros`, cut to the nonce length (every keyed
/// suite's nonce holds at least these 12 bytes).
pub(crate) fn sequence_nonce(nonce: &mut [u8], seq: u64, slot: u32) {
    let mut full = [0u8; 32];
    full[..8].copy_from_slice(&seq.to_le_bytes());
    full[8..12].copy_from_slice(&slot.to_le_bytes());
    let n = nonce.len().min(full.len());
    nonce[..n].copy_from_slice(&full[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_nonces_differ_by_seq_and_by_slot() {
        let mut a = [0xAA; 12];
        sequence_nonce(&mut a, 0x0102, 7);
        assert_eq!(a, [2, 1, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0]);
        let mut b = [0u8; 16];
        sequence_nonce(&mut b, 0x0102, 8);
        assert_eq!(&b[..12], &[2, 1, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0]);
        assert_eq!(&b[12..], &[0; 4]);
    }
}
