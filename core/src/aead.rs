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

/// Checks that `nonce` has the length `suite` needs.
pub(crate) fn check_nonce(suite: Suite, nonce: &[u8]) -> Result<(), Error> {
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
    expected.ct_eq(actual).into()
}

/// Compares two 32-byte MACs in constant time.
pub(crate) fn tags_match_32(expected: &[u8; 32], actual: &[u8; 32]) -> bool {
    expected.ct_eq(actual).into()
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
