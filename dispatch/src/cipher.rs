//! [`Cipher`]: a keyed suite on the backend chosen for it (or forced).

use core::fmt;

use pageseal_core::{Aead, Portable, Suite, Tag};

use crate::backend::{Backend, Choice};
use crate::error::Error;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use crate::kernel::OnePass;

/// A keyed cipher for one suite, running on one backend.
///
/// [`Cipher::new`] picks the backend with [`crate::backend_for`];
/// [`Cipher::with_backend`] forces one. Every backend produces exactly the
/// bytes of `pageseal_core::Portable`. Key material is wiped on drop and
/// never printed.
pub struct Cipher {
    backend: Backend,
    inner: Inner,
}

// No allocator to box the larger variant with; a cipher is built once per key.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Portable(Portable),
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    Hardware(crate::kernel::Keyed),
}

impl Cipher {
    /// Keys `suite` with `key` (empty for [`Suite::Checksum`]) on the
    /// fastest backend this CPU has for it ([`crate::backend_for`]).
    ///
    /// The CPU is consulted once (a cached load): the choice carries the
    /// proof that its kernel may run, and nothing asks again.
    pub fn new(suite: Suite, key: &[u8]) -> Result<Cipher, Error> {
        Cipher::keyed(suite, key, Choice::best(suite))
    }

    /// Keys `suite` with `key` on `backend`.
    ///
    /// Fails with [`Error::Unsupported`] when the CPU lacks the backend's
    /// instructions or the backend has no kernel for the suite (see
    /// [`Backend::is_available`]); [`Backend::Portable`] always works.
    pub fn with_backend(suite: Suite, key: &[u8], backend: Backend) -> Result<Cipher, Error> {
        Cipher::keyed(suite, key, Choice::require(backend, suite)?)
    }

    /// Keys `suite` with `key` on the backend `choice` proved.
    fn keyed(suite: Suite, key: &[u8], choice: Choice) -> Result<Cipher, Error> {
        let backend = choice.backend();
        let inner = match choice {
            Choice::Portable => Inner::Portable(Portable::new(suite, key)?),
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            Choice::Hardware(proof) => match crate::kernel::Keyed::new(proof, suite, key)? {
                Some(keyed) => Inner::Hardware(keyed),
                None => return Err(Error::Unsupported { backend, suite }),
            },
            #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
            // No proof exists on this target (`Proven` is uninhabited).
            Choice::Hardware(_) => return Err(Error::Unsupported { backend, suite }),
        };
        Ok(Cipher { backend, inner })
    }

    /// The backend this cipher runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Cipher({}, {}, key redacted)",
            self.suite(),
            self.backend
        )
    }
}

impl Aead for Cipher {
    fn suite(&self) -> Suite {
        match &self.inner {
            Inner::Portable(p) => p.suite(),
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
            Inner::Portable(p) => p.seal_detached(nonce, aad, buf),
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
            Inner::Portable(p) => p.open_detached(nonce, aad, buf, tag),
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            Inner::Hardware(h) => {
                pageseal_core::check_nonce(h.suite(), nonce)?;
                h.open(nonce, aad, buf, tag)
            }
        }
    }
}
