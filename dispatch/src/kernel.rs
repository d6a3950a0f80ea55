//! What every hardware backend shares, written once for both
//! architectures: [`OnePass`], the interface of every stitched AEAD kernel,
//! and [`Keyed`], a suite keyed for a backend whose proof ([`Proven`]) was
//! taken once, when the cipher was built ([`Light`], its part without
//! precomputed tables, is what `crate::CompactCipher` holds).
//!
//! Each architecture module (`x86`, `arm`) exports the same names: `Isa`
//! (its backends, with `of`, `backend` and `kernels`), the proofs its
//! kernels take (`AesProof` and `ChaChaProof`, drawn from a
//! [`Proven`] by `aes_proof` and `chacha_proof`), and the kernel entry points
//! `aegis::{seal, open}`, `ghash::Powers`, `gcm::{setup, run}` and
//! `chacha::crypt`.

use pageseal_core::{Construction, Error, Key, Suite, Tag};

use crate::aegis::Aegis;
use crate::arch;
use crate::backend::Proven;
use crate::gcm::Gcm;

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

/// A suite keyed for one hardware backend: [`Light`] for the suites
/// without precomputed tables, [`Gcm`] with its tables.
// No allocator to box the GCM tables with; a cipher is built once per key.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Keyed {
    /// An AEGIS-based suite or ChaCha20-Poly1305: small, cheap to key.
    Light(Light),
    /// AES-GCM with its round keys and hash-key powers.
    Gcm(Gcm),
}

/// A suite keyed for one hardware backend whose kernels need no
/// precomputed tables (the AEGIS family with `checksum`, and
/// ChaCha20-Poly1305): the key and the proof, small and cheap to create.
/// `crate::CompactCipher` holds one; [`Keyed`] holds one for these suites.
pub(crate) enum Light {
    /// An AEGIS-based suite: the key, expanded on every call as AEGIS does.
    Aegis(Aegis),
    /// ChaCha20-Poly1305 with its key.
    #[cfg(any(target_arch = "x86_64", target_feature = "neon"))]
    ChaCha(crate::chacha::ChaCha),
}

impl Keyed {
    /// Keys `suite` on the backend `proof` vouches for, or `None` when that
    /// backend has no kernel for the suite. Asks nothing of the CPU: the
    /// proof was taken when the backend was chosen.
    pub(crate) fn new(proof: Proven, suite: Suite, key: &[u8]) -> Result<Option<Keyed>, Error> {
        Ok(match suite.construction() {
            Construction::AesGcm { .. } => {
                let key = Key::new(suite, key)?;
                arch::aes_proof(proof).map(|aes| Keyed::Gcm(Gcm::new(aes, key.as_bytes())))
            }
            Construction::Aegis(_) | Construction::ChaCha20Poly1305 => {
                Light::new(proof, suite, key)?.map(Keyed::Light)
            }
        })
    }
}

impl Light {
    /// Keys `suite` on the backend `proof` vouches for, or `None` when that
    /// backend has no kernel for the suite or the suite needs tables
    /// (AES-GCM: see [`Keyed`]). Asks nothing of the CPU.
    pub(crate) fn new(proof: Proven, suite: Suite, key: &[u8]) -> Result<Option<Light>, Error> {
        let key = Key::new(suite, key)?;
        Ok(match suite.construction() {
            Construction::AesGcm { .. } => None,
            Construction::Aegis(variant) => {
                arch::aes_proof(proof).map(|aes| Light::Aegis(Aegis::new(aes, variant, key)))
            }
            #[cfg(any(target_arch = "x86_64", target_feature = "neon"))]
            Construction::ChaCha20Poly1305 => arch::chacha_proof(proof)
                .map(|chacha| Light::ChaCha(crate::chacha::ChaCha::new(chacha, key.as_bytes()))),
            #[cfg(not(any(target_arch = "x86_64", target_feature = "neon")))]
            Construction::ChaCha20Poly1305 => None,
        })
    }
}

impl OnePass for Light {
    fn suite(&self) -> Suite {
        match self {
            Light::Aegis(aegis) => aegis.suite(),
            #[cfg(any(target_arch = "x86_64", target_feature = "neon"))]
            Light::ChaCha(chacha) => chacha.suite(),
        }
    }

    #[inline]
    fn run<const DECRYPT: bool>(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<Tag, Error> {
        match self {
            Light::Aegis(aegis) => aegis.run::<DECRYPT>(nonce, aad, buf, tag),
            #[cfg(any(target_arch = "x86_64", target_feature = "neon"))]
            Light::ChaCha(chacha) => chacha.run::<DECRYPT>(nonce, aad, buf, tag),
        }
    }
}

impl OnePass for Keyed {
    fn suite(&self) -> Suite {
        match self {
            Keyed::Light(light) => light.suite(),
            Keyed::Gcm(gcm) => gcm.suite(),
        }
    }

    #[inline]
    fn run<const DECRYPT: bool>(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<Tag, Error> {
        match self {
            Keyed::Light(light) => light.run::<DECRYPT>(nonce, aad, buf, tag),
            Keyed::Gcm(gcm) => gcm.run::<DECRYPT>(nonce, aad, buf, tag),
        }
    }
}
