//! Operating-system randomness for nonces and file ids.

use pageseal_core::{Error, FILE_ID_LEN, NonceSource};

/// Nonces drawn from the operating system's cryptographic generator
/// (`getrandom`): a fresh random nonce for every seal.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl NonceSource for OsRandom {
    fn fill_nonce(&mut self, nonce: &mut [u8]) -> Result<(), Error> {
        fill_random(nonce)
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
}
