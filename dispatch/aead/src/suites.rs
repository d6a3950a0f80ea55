//! The nine suite types, generated from one table by [`suites!`], and the
//! keying and sealing helpers the trait impls of both `aead` generations
//! share.

use core::fmt;

use pageseal_core::{Aead, Suite, Tag};
use pageseal_dispatch::{Backend, Cipher, CompactCipher, Error};

/// What the suite types wrap: a dispatch cipher, keyed on the backend
/// dispatch picks or on a forced one.
pub(crate) trait Keyed: Aead + Sized {
    /// Keys `suite` with `key` on `backend`.
    fn with_backend(suite: Suite, key: &[u8], backend: Backend) -> Result<Self, Error>;

    /// The backend it runs on.
    fn backend(&self) -> Backend;

    /// Keys `suite` with `key` on the backend dispatch picks for it (what
    /// `KeyInit::new` does).
    ///
    /// # Panics
    ///
    /// Never in practice: the traits' key types give `key` the suite's
    /// length, and the automatic backend has a kernel for every suite.
    #[cfg_attr(not(any(feature = "aead05", feature = "aead06")), allow(dead_code))]
    fn auto(suite: Suite, key: &[u8]) -> Self {
        Self::with_backend(suite, key, pageseal_dispatch::backend_for(suite))
            .expect("dispatch keys every suite with a key of its length")
    }
}

/// AES-GCM: round keys and hash-key powers computed once per key.
impl Keyed for Cipher {
    fn with_backend(suite: Suite, key: &[u8], backend: Backend) -> Result<Self, Error> {
        Cipher::with_backend(suite, key, backend)
    }

    fn backend(&self) -> Backend {
        Cipher::backend(self)
    }
}

/// AEGIS and ChaCha20-Poly1305: no tables, so a small value that is cheap
/// to key for every message (heed3 keys one per page).
impl Keyed for CompactCipher {
    fn with_backend(suite: Suite, key: &[u8], backend: Backend) -> Result<Self, Error> {
        CompactCipher::with_backend(suite, key, backend)
    }

    fn backend(&self) -> Backend {
        CompactCipher::backend(self)
    }
}

/// Encrypts `buf` in place and returns the tag; `None` when the message is
/// longer than the suite allows (then `buf` is untouched).
#[cfg_attr(not(any(feature = "aead05", feature = "aead06")), allow(dead_code))]
pub(crate) fn seal(cipher: &impl Aead, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Option<Tag> {
    cipher.seal_detached(nonce, aad, buf).ok()
}

/// Verifies `tag` and decrypts `buf` in place; `None` on a wrong tag (then
/// `buf` is all zeros) or a message longer than the suite allows.
#[cfg_attr(not(any(feature = "aead05", feature = "aead06")), allow(dead_code))]
pub(crate) fn open(
    cipher: &impl Aead,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> Option<()> {
    let tag: &Tag = tag.try_into().ok()?;
    cipher.open_detached(nonce, aad, buf, tag).ok()
}

/// Defines one type per row: `Name: Suite, "title", Inner, key KeySize,
/// nonce NonceSize;` (`Inner` the [`Keyed`] dispatch type it wraps, sizes
/// as `typenum` constant names), with its inherent items and the trait
/// impls of each enabled `aead` generation.
macro_rules! suites {
    ($(
        $name:ident: $suite:ident, $title:literal, $inner:ident,
        key $key:ident, nonce $nonce:ident;
    )*) => {$(
        #[doc = concat!("A raw ", $title, " AEAD on the fastest kernel of this CPU.")]
        ///
        /// Implements `KeyInit` and `AeadInPlace` of `aead` 0.5 (feature
        /// `aead05`) and `KeyInit` and `AeadInOut` of `aead` 0.6 (feature
        /// `aead06`). The caller supplies the nonce, never repeated under a
        /// key, and the associated data: this is no page format (see the
        /// [crate documentation](crate)). The key schedule is wiped on drop;
        /// a failed decryption leaves the buffer all zeros.
        pub struct $name($inner);

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
                Keyed::with_backend(Self::SUITE, key, backend).map(Self)
            }

            /// The backend this value runs on.
            pub fn backend(&self) -> Backend {
                Keyed::backend(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({}, key redacted)", stringify!($name), self.backend())
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
    Aes128Gcm: Aes128Gcm, "AES-128-GCM", Cipher, key U16, nonce U12;
    Aes256Gcm: Aes256Gcm, "AES-256-GCM", Cipher, key U32, nonce U12;
    ChaCha20Poly1305: ChaCha20Poly1305, "ChaCha20-Poly1305", CompactCipher, key U32, nonce U12;
    Aegis128L: Aegis128L, "AEGIS-128L", CompactCipher, key U16, nonce U16;
    Aegis128X2: Aegis128X2, "AEGIS-128X2", CompactCipher, key U16, nonce U16;
    Aegis128X4: Aegis128X4, "AEGIS-128X4", CompactCipher, key U16, nonce U16;
    Aegis256: Aegis256, "AEGIS-256", CompactCipher, key U32, nonce U32;
    Aegis256X2: Aegis256X2, "AEGIS-256X2", CompactCipher, key U32, nonce U32;
    Aegis256X4: Aegis256X4, "AEGIS-256X4", CompactCipher, key U32, nonce U32;
}
