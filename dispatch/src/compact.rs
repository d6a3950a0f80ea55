//! [`CompactCipher`]: a keyed suite without precomputed tables, small and
//! cheap to create (for callers that key a cipher per message).

use core::fmt;

use pageseal_core::{Aead, Construction, Key, Portable, Suite, Tag};

use crate::backend::{Backend, Choice};
use crate::error::Error;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use crate::kernel::OnePass;

/// A keyed suite whose kernels expand the key on every call: the AEGIS
/// family, ChaCha20-Poly1305 and `checksum`, on one backend.
///
/// It holds the key and the proof of the backend's CPU features, about a
/// tenth of a [`crate::Cipher`] (whose size is set by the AES-GCM hash-key
/// tables), so creating one costs little more than copying the key: the
/// type for callers that key a cipher for every message, as LMDB does
/// through heed3. As for [`crate::Cipher`], the backend is decided once,
/// when the cipher is keyed. Same bytes as every other backend; key
/// material is wiped on drop and never printed. On [`Backend::Portable`]
/// each call keys `pageseal_core::Portable` anew. AES-GCM suites need their
/// tables: use [`crate::Cipher`].
pub struct CompactCipher {
    backend: Backend,
    inner: Inner,
}

enum Inner {
    /// The portable path, keyed at each call.
    Portable(Suite, Key),
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    Hardware(crate::kernel::Light),
}

impl CompactCipher {
    /// Keys `suite` with `key` (empty for [`Suite::Checksum`]) on the
    /// fastest backend this CPU has for it ([`crate::backend_for`]).
    ///
    /// Fails with [`Error::Unsupported`] for the AES-GCM suites.
    pub fn new(suite: Suite, key: &[u8]) -> Result<CompactCipher, Error> {
        CompactCipher::keyed(suite, key, Choice::best(suite))
    }

    /// Keys `suite` with `key` on `backend`.
    ///
    /// Fails with [`Error::Unsupported`] for the AES-GCM suites and when
    /// the CPU lacks the backend's instructions or the backend has no
    /// kernel for the suite (see [`Backend::is_available`]);
    /// [`Backend::Portable`] works for every other suite.
    pub fn with_backend(
        suite: Suite,
        key: &[u8],
        backend: Backend,
    ) -> Result<CompactCipher, Error> {
        CompactCipher::keyed(suite, key, Choice::require(backend, suite)?)
    }

    /// Keys `suite` with `key` on the backend `choice` proved.
    fn keyed(suite: Suite, key: &[u8], choice: Choice) -> Result<CompactCipher, Error> {
        let backend = choice.backend();
        match suite.construction() {
            Construction::AesGcm { .. } => return Err(Error::Unsupported { backend, suite }),
            Construction::Aegis(_) | Construction::ChaCha20Poly1305 => {}
        }
        let inner = match choice {
            Choice::Portable => Inner::Portable(suite, Key::new(suite, key)?),
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            Choice::Hardware(proof) => match crate::kernel::Light::new(proof, suite, key)? {
                Some(light) => Inner::Hardware(light),
                None => return Err(Error::Unsupported { backend, suite }),
            },
            #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
            // No proof exists on this target (`Proven` is uninhabited).
            Choice::Hardware(_) => return Err(Error::Unsupported { backend, suite }),
        };
        Ok(CompactCipher { backend, inner })
    }

    /// The backend this cipher runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl fmt::Debug for CompactCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CompactCipher({}, {}, key redacted)",
            self.suite(),
            self.backend
        )
    }
}

impl Aead for CompactCipher {
    fn suite(&self) -> Suite {
        match &self.inner {
            Inner::Portable(suite, _) => *suite,
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            Inner::Hardware(h) => h.suite(),
        }
    }

    fn seal_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<Tag, pageseal_core::Error> {
        match &self.inner {
            Inner::Portable(suite, key) => {
                Portable::new(*suite, key.as_bytes())?.seal_detached(nonce, aad, buf)
            }
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            Inner::Hardware(h) => {
                pageseal_core::check_nonce(h.suite(), nonce)?;
                h.seal(nonce, aad, buf)
            }
        }
    }

    fn open_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), pageseal_core::Error> {
        match &self.inner {
            Inner::Portable(suite, key) => {
                Portable::new(*suite, key.as_bytes())?.open_detached(nonce, aad, buf, tag)
            }
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            Inner::Hardware(h) => {
                pageseal_core::check_nonce(h.suite(), nonce)?;
                h.open(nonce, aad, buf, tag)
            }
        }
    }
}
