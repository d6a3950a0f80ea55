//! [`OnePass`]: what every stitched AEAD kernel of this crate provides.

use pageseal_core::{Error, Suite, Tag};

/// A keyed kernel that seals, or decrypts and authenticates, in one pass
/// over the buffer. Callers have checked the nonce length.
pub(crate) trait OnePass {
    /// The keyed suite.
    fn suite(&self) -> Suite;

    /// With `DECRYPT` false, encrypts `buf` in place and returns the tag
    /// (`tag` is ignored). With `DECRYPT` true, decrypts `buf` in place,
    /// compares the tag it computes with `tag` in constant time and, when
    /// they differ, wipes `buf` and fails. Fails without touching `buf`
    /// when it is longer than the suite allows.
    fn run<const DECRYPT: bool>(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<Tag, Error>;

    /// Encrypts `buf` in place and returns the tag.
    fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        self.run::<false>(nonce, aad, buf, &[0; 16])
    }

    /// Decrypts `buf` in place and checks `tag`; on a mismatch wipes `buf`.
    fn open(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag: &Tag) -> Result<(), Error> {
        self.run::<true>(nonce, aad, buf, tag).map(drop)
    }
}
