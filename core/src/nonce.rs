//! Where nonces come from.
//!
//! Core never draws randomness itself: the caller supplies a
//! [`NonceSource`] (the std adapter uses the operating system's generator;
//! firmware uses its TRNG). Every seal asks for a fresh nonce.

use crate::error::Error;

/// A supplier of fresh, unpredictable nonces.
///
/// Each call must fill `nonce` with bytes that never repeat under the same
/// key: uniformly random bytes from a cryptographic generator satisfy this
/// up to the per-suite seal limits documented in FORMAT.md.
pub trait NonceSource {
    /// Fills `nonce` (the suite's nonce length) with fresh bytes.
    fn fill_nonce(&mut self, nonce: &mut [u8]) -> Result<(), Error>;
}

impl<F> NonceSource for F
where
    F: FnMut(&mut [u8]) -> Result<(), Error>,
{
    fn fill_nonce(&mut self, nonce: &mut [u8]) -> Result<(), Error> {
        self(nonce)
    }
}
