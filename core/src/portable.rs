//! The portable implementation of every suite, built from the primitive
//! crates: the reference every hardware backend is tested against, and what
//! runs on targets without AES or carry-less multiply instructions.

use crate::aead::{Aead, Tag, check_nonce};
use crate::aegis::{SoftSet, open_variant, seal_variant};
use crate::chacha::ChaCha20Poly1305;
use crate::error::Error;
use crate::gcm::{Aes128Gcm, Aes256Gcm};
use crate::key::Key;
use crate::suite::{AegisVariant, Construction, Suite};

/// A keyed portable cipher for any suite.
///
/// Construct it once per data key; sealing and opening then reuse the key
/// schedule. All key material is wiped on drop.
#[derive(Clone)]
pub struct Portable(Inner);

#[derive(Clone)]
enum Inner {
    Aes128Gcm(Aes128Gcm),
    Aes256Gcm(Aes256Gcm),
    ChaCha20Poly1305(ChaCha20Poly1305),
    /// An AEGIS variant or `checksum` (whose key is empty).
    Aegis(AegisVariant, Key),
}

impl Portable {
    /// Keys `suite` with `key` (empty for [`Suite::Checksum`]).
    pub fn new(suite: Suite, key: &[u8]) -> Result<Portable, Error> {
        let key = Key::new(suite, key)?;
        let inner = match suite.construction() {
            Construction::AesGcm { aes256: false } => {
                Inner::Aes128Gcm(Aes128Gcm::new(key.as_bytes())?)
            }
            Construction::AesGcm { aes256: true } => {
                Inner::Aes256Gcm(Aes256Gcm::new(key.as_bytes())?)
            }
            Construction::ChaCha20Poly1305 => {
                Inner::ChaCha20Poly1305(ChaCha20Poly1305::new(key.as_bytes())?)
            }
            Construction::Aegis(variant) => Inner::Aegis(variant, key),
        };
        Ok(Portable(inner))
    }
}

impl core::fmt::Debug for Portable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Portable({}, key redacted)", self.suite())
    }
}

impl Aead for Portable {
    fn suite(&self) -> Suite {
        match &self.0 {
            Inner::Aes128Gcm(_) => Suite::Aes128Gcm,
            Inner::Aes256Gcm(_) => Suite::Aes256Gcm,
            Inner::ChaCha20Poly1305(_) => Suite::ChaCha20Poly1305,
            Inner::Aegis(variant, _) => variant.suite(),
        }
    }

    fn seal_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        check_nonce(self.suite(), nonce)?;
        match &self.0 {
            Inner::Aes128Gcm(c) => c.seal_detached(nonce, aad, buf),
            Inner::Aes256Gcm(c) => c.seal_detached(nonce, aad, buf),
            Inner::ChaCha20Poly1305(c) => c.seal_detached(nonce, aad, buf),
            Inner::Aegis(variant, key) => Ok(seal_variant::<SoftSet>(
                *variant,
                key.as_bytes(),
                nonce,
                aad,
                buf,
            )),
        }
    }

    fn open_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        check_nonce(self.suite(), nonce)?;
        match &self.0 {
            Inner::Aes128Gcm(c) => c.open_detached(nonce, aad, buf, tag),
            Inner::Aes256Gcm(c) => c.open_detached(nonce, aad, buf, tag),
            Inner::ChaCha20Poly1305(c) => c.open_detached(nonce, aad, buf, tag),
            Inner::Aegis(variant, key) => {
                open_variant::<SoftSet>(*variant, key.as_bytes(), nonce, aad, buf, tag)
            }
        }
    }
}
