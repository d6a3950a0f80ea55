//! aarch64 backends. `armv8`: ARMv8 AES rounds (`AESE` + `AESMC`) for the
//! AEGIS family and the `checksum` suite, and a stitched AES-GCM kernel
//! (counter-mode AES on eight blocks per iteration interleaved with GHASH
//! on `PMULL`). `neon`: ChaCha20-Poly1305 on 4-block NEON batches stitched
//! with Poly1305, for every aarch64 CPU (NEON is part of the build's
//! baseline; no AES extension needed).

mod aes_key;
#[cfg(target_feature = "neon")]
mod chacha;
#[cfg(target_feature = "neon")]
mod chacha_lanes;
mod gcm;
mod ghash;
mod lanes;

use pageseal_core::{Error, Key, Suite, Tag};

use crate::aegis::{self, LaneSet};
use crate::backend::Backend;
use crate::detect::Cpu;
use crate::kernel::OnePass;
use lanes::Neon;

/// Proof that detection found ARMv8 AES and PMULL: the only way to reach
/// the `#[target_feature]` kernels of this module.
#[derive(Clone, Copy)]
pub(crate) struct Proven(());

/// Whether an aarch64 kernel of `backend` exists for `suite`.
pub(crate) fn has_kernel(backend: Backend, suite: Suite) -> bool {
    match backend {
        Backend::Armv8 => aegis::is_aegis(suite) || crate::gcm::is_gcm(suite),
        Backend::Neon => cfg!(target_feature = "neon") && suite == Suite::ChaCha20Poly1305,
        _ => false,
    }
}

/// Lane types of the ARMv8 backend: X variants on several registers.
struct NeonSet;
impl LaneSet for NeonSet {
    type L1 = Neon<1>;
    type L2 = Neon<2>;
    type L4 = Neon<4>;
}

/// Seals `buf` with an AEGIS-based `suite`, compiled with ARMv8 AES.
#[target_feature(enable = "neon,aes")]
fn seal_armv8(suite: Suite, key: &[u8], nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Tag {
    aegis::seal::<NeonSet>(suite, key, nonce, aad, buf)
}

/// Opens `buf` with an AEGIS-based `suite`, compiled with ARMv8 AES.
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

/// A suite keyed for the ARMv8 or NEON backend.
// No allocator to box the GCM tables with; a cipher is built once per key.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Keyed {
    /// A suite without precomputed tables.
    Light(Light),
    /// AES-GCM with its round keys and hash-key powers.
    Gcm(gcm::Gcm),
}

/// A suite keyed for the ARMv8 or NEON backend with no precomputed
/// tables: small, and cheap to create.
pub(crate) enum Light {
    /// An AEGIS-based suite: the key, expanded on every call as AEGIS does.
    Aegis(Proven, Suite, Key),
    /// ChaCha20-Poly1305 on NEON with its key.
    #[cfg(target_feature = "neon")]
    ChaCha(chacha::ChaCha),
}

impl Keyed {
    /// Keys `suite` for `backend`, or `None` when `cpu` lacks the backend's
    /// features (ARMv8 AES and PMULL for `armv8`) or the backend has no
    /// kernel for the suite.
    pub(crate) fn new(
        backend: Backend,
        cpu: Cpu,
        suite: Suite,
        key: &[u8],
    ) -> Result<Option<Keyed>, Error> {
        if !crate::gcm::is_gcm(suite) {
            return Light::new(backend, cpu, suite, key).map(|light| light.map(Keyed::Light));
        }
        let key = Key::new(suite, key)?;
        if !(has_kernel(backend, suite) && cpu.has_all(backend.features())) {
            return Ok(None);
        }
        // Detection found ARMv8 AES and PMULL (with NEON): the proof.
        Ok(Some(Keyed::Gcm(gcm::Gcm::new(Proven(()), key.as_bytes()))))
    }

    /// The keyed suite.
    pub(crate) fn suite(&self) -> Suite {
        match self {
            Keyed::Light(light) => light.suite(),
            Keyed::Gcm(gcm) => gcm.suite(),
        }
    }

    /// Encrypts `buf` in place and returns the tag (nonce length checked).
    pub(crate) fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        match self {
            Keyed::Light(light) => light.seal(nonce, aad, buf),
            Keyed::Gcm(gcm) => gcm.seal(nonce, aad, buf),
        }
    }

    /// Verifies and decrypts `buf` in place, wiping it on a wrong tag.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        match self {
            Keyed::Light(light) => light.open(nonce, aad, buf, tag),
            Keyed::Gcm(gcm) => gcm.open(nonce, aad, buf, tag),
        }
    }
}

impl Light {
    /// Keys `suite` (not AES-GCM) for `backend`, or `None` when `cpu` lacks
    /// the backend's features or the backend has no kernel for the suite.
    pub(crate) fn new(
        backend: Backend,
        cpu: Cpu,
        suite: Suite,
        key: &[u8],
    ) -> Result<Option<Light>, Error> {
        let key = Key::new(suite, key)?;
        if crate::gcm::is_gcm(suite)
            || !(has_kernel(backend, suite) && cpu.has_all(backend.features()))
        {
            return Ok(None);
        }
        // NEON is part of the build: no proof needed.
        #[cfg(target_feature = "neon")]
        if backend == Backend::Neon {
            return Ok(Some(Light::ChaCha(chacha::ChaCha::new(key.as_bytes()))));
        }
        // Detection found ARMv8 AES and PMULL (with NEON): the proof.
        Ok(Some(Light::Aegis(Proven(()), suite, key)))
    }

    /// The keyed suite.
    pub(crate) fn suite(&self) -> Suite {
        match self {
            Light::Aegis(_, suite, _) => *suite,
            #[cfg(target_feature = "neon")]
            Light::ChaCha(chacha) => chacha.suite(),
        }
    }

    /// Encrypts `buf` in place and returns the tag (nonce length checked).
    pub(crate) fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        match self {
            Light::Aegis(_, suite, key) => {
                // SAFETY: the `Proven` token exists only because `new`
                // checked that detection found ARMv8 AES (with NEON), the
                // features the kernel enables.
                Ok(unsafe { seal_armv8(*suite, key.as_bytes(), nonce, aad, buf) })
            }
            #[cfg(target_feature = "neon")]
            Light::ChaCha(chacha) => chacha.seal(nonce, aad, buf),
        }
    }

    /// Verifies and decrypts `buf` in place, wiping it on a wrong tag.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        match self {
            // SAFETY: as in `seal`, the `Proven` token vouches for ARMv8
            // AES and NEON.
            Light::Aegis(_, suite, key) => unsafe {
                open_armv8(*suite, key.as_bytes(), nonce, aad, buf, tag)
            },
            #[cfg(target_feature = "neon")]
            Light::ChaCha(chacha) => chacha.open(nonce, aad, buf, tag),
        }
    }
}
