//! aarch64 backend: ARMv8 AES rounds (`AESE` + `AESMC`) for the AEGIS
//! family and the `checksum` suite. AES-GCM and ChaCha20-Poly1305 stay on
//! the portable path there, whose primitive crates already use ARMv8 AES,
//! PMULL and NEON when the CPU has them.

mod lanes;

use pageseal_core::{Error, Key, Suite, Tag};

use crate::aegis::{self, LaneSet};
use crate::backend::Backend;
use crate::detect::Cpu;
use lanes::Neon;

/// Proof that detection found ARMv8 AES and PMULL: the only way to reach
/// the `#[target_feature]` kernels of this module.
#[derive(Clone, Copy)]
pub(crate) struct Proven(());

/// Whether an aarch64 kernel of `backend` exists for `suite`.
pub(crate) fn has_kernel(backend: Backend, suite: Suite) -> bool {
    backend == Backend::Armv8 && aegis::is_aegis(suite)
}

/// Lane types of the ARMv8 backend: X variants on several registers.
struct NeonSet;
impl LaneSet for NeonSet {
    type L1 = Neon<1>;
    type L2 = Neon<2>;
    type L4 = Neon<4>;
}

#[target_feature(enable = "neon,aes")]
fn seal_armv8(suite: Suite, key: &[u8], nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Tag {
    aegis::seal::<NeonSet>(suite, key, nonce, aad, buf)
}

#[target_feature(enable = "neon,aes")]
fn open_armv8(
    suite: Suite,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<(), Error> {
    aegis::open::<NeonSet>(suite, key, nonce, aad, buf, tag)
}

/// An AEGIS-based suite keyed for the ARMv8 backend.
pub(crate) struct Keyed {
    _proof: Proven,
    suite: Suite,
    key: Key,
}

impl Keyed {
    /// Keys `suite` for `backend`, or `None` when `cpu` lacks ARMv8 AES or
    /// the backend has no kernel for the suite.
    pub(crate) fn new(
        backend: Backend,
        cpu: Cpu,
        suite: Suite,
        key: &[u8],
    ) -> Result<Option<Keyed>, Error> {
        let key = Key::new(suite, key)?;
        let usable = has_kernel(backend, suite) && cpu.has_all(backend.features());
        Ok(usable.then_some(Keyed {
            _proof: Proven(()),
            suite,
            key,
        }))
    }

    /// The keyed suite.
    pub(crate) fn suite(&self) -> Suite {
        self.suite
    }

    /// Encrypts `buf` in place and returns the tag (nonce length checked).
    pub(crate) fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        // SAFETY: a `Keyed` exists only after `new` checked that detection
        // found ARMv8 AES (with NEON), the features the kernel enables.
        Ok(unsafe { seal_armv8(self.suite, self.key.as_bytes(), nonce, aad, buf) })
    }

    /// Verifies and decrypts `buf` in place, wiping it on a wrong tag.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        // SAFETY: as in `seal`, `new` checked for ARMv8 AES and NEON.
        unsafe { open_armv8(self.suite, self.key.as_bytes(), nonce, aad, buf, tag) }
    }
}
