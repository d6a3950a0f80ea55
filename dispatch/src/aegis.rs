//! The AEGIS suites (and the `checksum` suite) on a hardware backend:
//! [`Aegis`], the keyed suite, and [`aegis_kernels!`], which compiles
//! `pageseal_core::aegis::{seal_variant, open_variant}` (the one place
//! that maps each variant to its construction and lane count) on a
//! backend's lane set inside `#[target_feature]` functions, so the whole
//! state machine is compiled with the backend's instructions.

use pageseal_core::{AegisVariant, Error, Key, Suite, Tag};

use crate::arch::{AesProof, aegis};
use crate::kernel::OnePass;

/// An AEGIS-based suite keyed for a backend with AES instructions: the key,
/// expanded on every call as AEGIS does (wiped on drop by [`Key`]).
pub(crate) struct Aegis {
    proof: AesProof,
    variant: AegisVariant,
    key: Key,
}

impl Aegis {
    /// Keys `variant` with `key` (length already checked).
    pub(crate) fn new(proof: AesProof, variant: AegisVariant, key: Key) -> Aegis {
        Aegis {
            proof,
            variant,
            key,
        }
    }
}

impl OnePass for Aegis {
    fn suite(&self) -> Suite {
        self.variant.suite()
    }

    #[inline]
    fn run<const DECRYPT: bool>(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<Tag, Error> {
        let key = self.key.as_bytes();
        if DECRYPT {
            aegis::open(self.proof, self.variant, key, nonce, aad, buf, tag).map(|()| *tag)
        } else {
            Ok(aegis::seal(self.proof, self.variant, key, nonce, aad, buf))
        }
    }
}

/// Defines `$seal` and `$open`, `pageseal_core::aegis::seal_variant` and
/// `open_variant` on the lane set `$set`, compiled with `$features`. They
/// are unsafe to call unless the CPU has `$features`.
macro_rules! aegis_kernels {
    ($seal:ident, $open:ident, $set:ty, $features:literal) => {
        /// Seals with an AEGIS variant on this lane set.
        #[target_feature(enable = $features)]
        fn $seal(
            variant: AegisVariant,
            key: &[u8],
            nonce: &[u8],
            aad: &[u8],
            buf: &mut [u8],
        ) -> Tag {
            pageseal_core::aegis::seal_variant::<$set>(variant, key, nonce, aad, buf)
        }

        /// Opens with an AEGIS variant on this lane set; wipes `buf` when
        /// the tag does not match.
        #[target_feature(enable = $features)]
        fn $open(
            variant: AegisVariant,
            key: &[u8],
            nonce: &[u8],
            aad: &[u8],
            buf: &mut [u8],
            tag: &Tag,
        ) -> Result<(), Error> {
            pageseal_core::aegis::open_variant::<$set>(variant, key, nonce, aad, buf, tag)
        }
    };
}
pub(crate) use aegis_kernels;
