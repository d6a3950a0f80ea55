//! The AEAD interface every implementation (portable or hardware) provides.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::error::Error;
use crate::suite::{Suite, TAG_LEN};

/// An authentication tag.
pub type Tag = [u8; TAG_LEN];

/// A keyed authenticated cipher for one suite.
///
/// Implemented by [`crate::Portable`] here and by the hardware backends of
/// `pageseal-dispatch`; the page layer ([`crate::PageFormat`]) works with any
/// of them. Implementations must be deterministic: the same key, nonce,
/// associated data and message give the same bytes on every backend.
pub trait Aead {
    /// The suite this cipher implements.
    fn suite(&self) -> Suite;

    /// Encrypts `buf` in place and returns the tag over `aad` and the
    /// ciphertext.
    fn seal_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error>;

    /// Verifies `tag` and decrypts `buf` in place.
    ///
    /// On [`Error::Authentication`] the whole of `buf` has been zeroed: no
    /// plaintext, partial or whole, is left behind.
    fn open_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error>;
}

/// Fails with [`Error::InvalidNonceLength`] unless `nonce` has the length
/// `suite` needs ([`Suite::nonce_len`]): the check every [`Aead`]
/// implementation runs before it reads the nonce.
pub fn check_nonce(suite: Suite, nonce: &[u8]) -> Result<(), Error> {
    if nonce.len() == suite.nonce_len() {
        Ok(())
    } else {
        Err(Error::InvalidNonceLength {
            suite,
            expected: suite.nonce_len(),
            actual: nonce.len(),
        })
    }
}

/// Compares two tags in constant time.
pub fn tags_match(expected: &Tag, actual: &Tag) -> bool {
    equal_16s(expected, actual)
}

/// Compares two 32-byte MACs in constant time.
pub fn tags_match_32(expected: &[u8; 32], actual: &[u8; 32]) -> bool {
    equal_16s(expected, actual)
}

/// Whether `a` and `b` (equal lengths, whole 16-byte blocks) are equal, in
/// constant time: the blocks' XORs are ORed together as 128-bit integers,
/// without branches, and only the folded 64-bit result goes through
/// `subtle` (one comparison instead of one per byte).
fn equal_16s(a: &[u8], b: &[u8]) -> bool {
    let mut diff = 0u128;
    for (x, y) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        let word = |bytes: &[u8]| u128::from_ne_bytes(bytes.try_into().expect("16 bytes"));
        diff |= word(x) ^ word(y);
    }
    (((diff >> 64) as u64) | (diff as u64)).ct_eq(&0).into()
}

/// Compares `computed` with `received` in constant time; on mismatch wipes
/// `buf` and returns [`Error::Authentication`].
pub fn verify_or_wipe(computed: &Tag, received: &Tag, buf: &mut [u8]) -> Result<(), Error> {
    if tags_match(computed, received) {
        Ok(())
    } else {
        buf.zeroize();
        Err(Error::Authentication)
    }
}
