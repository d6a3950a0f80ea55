//! What every hardware backend shares, written once for both
//! architectures: [`OnePass`], the interface of every stitched AEAD kernel,
//! and [`Keyed`], a suite keyed for a backend whose proof ([`Proven`]) was
//! taken once, when the cipher was built.
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

/// A suite keyed for one hardware backend.
// No allocator to box the GCM tables with; a cipher is built once per key.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Keyed {
    /// An AEGIS-based suite: the key, expanded on every call as AEGIS does.
    Aegis(Aegis),
    /// AES-GCM with its round keys and hash-key powers.
    Gcm(Gcm),
    /// ChaCha20-Poly1305 with its key.
    #[cfg(any(target_arch = "x86_64", target_feature = "neon"))]
    ChaCha(crate::chacha::ChaCha),
}

/// Runs `$body` with `$k` bound to the kernel inside `$keyed`.
macro_rules! each {
    ($keyed:expr, $k:ident => $body:expr) => {
        match $keyed {
            Keyed::Aegis($k) => $body,
            Keyed::Gcm($k) => $body,
            #[cfg(any(target_arch = "x86_64", target_feature = "neon"))]
            Keyed::ChaCha($k) => $body,
        }
    };
}

impl Keyed {
    /// Keys `suite` on the backend `proof` vouches for, or `None` when that
    /// backend has no kernel for the suite. Asks nothing of the CPU: the
    /// proof was taken when the backend was chosen.
    pub(crate) fn new(proof: Proven, suite: Suite, key: &[u8]) -> Result<Option<Keyed>, Error> {
        let key = Key::new(suite, key)?;
        Ok(match suite.construction() {
            Construction::AesGcm { .. } => {
                arch::aes_proof(proof).map(|aes| Keyed::Gcm(Gcm::new(aes, key.as_bytes())))
            }
            Construction::Aegis(variant) => {
                arch::aes_proof(proof).map(|aes| Keyed::Aegis(Aegis::new(aes, variant, key)))
            }
            #[cfg(any(target_arch = "x86_64", target_feature = "neon"))]
            Construction::ChaCha20Poly1305 => arch::chacha_proof(proof)
                .map(|chacha| Keyed::ChaCha(crate::chacha::ChaCha::new(chacha, key.as_bytes()))),
            #[cfg(not(any(target_arch = "x86_64", target_feature = "neon")))]
            Construction::ChaCha20Poly1305 => None,
        })
    }

    /// The keyed suite.
    pub(crate) fn suite(&self) -> Suite {
        each!(self, k => k.suite())
    }

    /// Encrypts `buf` in place and returns the tag (nonce length checked).
    pub(crate) fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        each!(self, k => k.seal(nonce, aad, buf))
    }

    /// Verifies and decrypts `buf` in place, wiping it on a wrong tag.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        each!(self, k => k.open(nonce, aad, buf, tag))
    }
}
