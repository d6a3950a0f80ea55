//! The nine suite types, generated from one table by [`suites!`], and the
//! keying and sealing helpers the trait impls of both `aead` generations
//! share.

use core::fmt;

use pageseal_core::{Aead, Suite, Tag};
use pageseal_dispatch::{Backend, Cipher, Error};

/// Keys `suite` with `key` on the backend dispatch picks for it (what
/// `KeyInit::new` does).
///
/// # Panics
///
/// Never in practice: the traits' key types give `key` the suite's length,
/// and the automatic backend has a kernel for every suite.
#[cfg_attr(not(any(feature = "aead05", feature = "aead06")), allow(dead_code))]
pub(crate) fn auto(suite: Suite, key: &[u8]) -> Cipher {
    Cipher::new(suite, key).expect("dispatch keys every suite with a key of its length")
}

/// Encrypts `buf` in place and returns the tag; `None` when the message is
/// longer than the suite allows (then `buf` is untouched).
#[cfg_attr(not(any(feature = "aead05", feature = "aead06")), allow(dead_code))]
pub(crate) fn seal(cipher: &Cipher, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Option<Tag> {
    cipher.seal_detached(nonce, aad, buf).ok()
}

/// Verifies `tag` and decrypts `buf` in place; `None` on a wrong tag (then
/// `buf` is all zeros) or a message longer than the suite allows.
#[cfg_attr(not(any(feature = "aead05", feature = "aead06")), allow(dead_code))]
pub(crate) fn open(
    cipher: &Cipher,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> Option<()> {
    let tag: &Tag = tag.try_into().ok()?;
    cipher.open_detached(nonce, aad, buf, tag).ok()
}

/// Defines one type per row: `Name: Suite, "title", key KeySize, nonce
/// NonceSize;` (sizes as `typenum` constant names), with its inherent
/// items and the trait impls of each enabled `aead` generation.
macro_rules! suites {
    ($($name:ident: $suite:ident, $title:literal, key $key:ident, nonce $nonce:ident;)*) => {$(
        #[doc = concat!("A raw ", $title, " AEAD on the fastest kernel of this CPU.")]
        ///
        /// Implements `KeyInit` and `AeadInPlace` of `aead` 0.5 (feature
        /// `aead05`) and `KeyInit` and `AeadInOut` of `aead` 0.6 (feature
        /// `aead06`). The caller supplies the nonce, never repeated under a
        /// key, and the associated data: this is no page format (see the
        /// [crate documentation](crate)). The key schedule is wiped on drop;
        /// a failed decryption leaves the buffer all zeros.
        pub struct $name(Cipher);

        impl $name {
            #[doc = concat!("The suite: [`Suite::", stringify!($suite), "`].")]
            pub const SUITE: Suite = Suite::$suite;

            /// Keys the suite with `key` on `backend` (forcing a backend,
            /// e.g. to test each one); `KeyInit::new` picks the fastest.
            ///
            /// Fails with [`Error::Unsupported`] when this CPU or build
            /// cannot run the suite on `backend`, and with
            /// `Error::Core(InvalidKeyLength)` for a key of the wrong length.
            pub fn with_backend(key: &[u8], backend: Backend) -> Result<Self, Error> {
                Cipher::with_backend(Self::SUITE, key, backend).map(Self)
            }

            /// The backend this value runs on.
            pub fn backend(&self) -> Backend {
                self.0.backend()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({}, key redacted)", stringify!($name), self.0.backend())
            }
        }

        impl zeroize::ZeroizeOnDrop for $name {}

        #[cfg(feature = "aead05")]
        crate::v05::impl_traits!($name, $key, $nonce);
        #[cfg(feature = "aead06")]
        crate::v06::impl_traits!($name, $key, $nonce);
    )*};
}

suites! {
    Aes128Gcm: Aes128Gcm, "AES-128-GCM", key U16, nonce U12;
    Aes256Gcm: Aes256Gcm, "AES-256-GCM", key U32, nonce U12;
    ChaCha20Poly1305: ChaCha20Poly1305, "ChaCha20-Poly1305", key U32, nonce U12;
    Aegis128L: Aegis128L, "AEGIS-128L", key U16, nonce U16;
    Aegis128X2: Aegis128X2, "AEGIS-128X2", key U16, nonce U16;
    Aegis128X4: Aegis128X4, "AEGIS-128X4", key U16, nonce U16;
    Aegis256: Aegis256, "AEGIS-256", key U32, nonce U32;
    Aegis256X2: Aegis256X2, "AEGIS-256X2", key U32, nonce U32;
    Aegis256X4: Aegis256X4, "AEGIS-256X4", key U32, nonce U32;
}
