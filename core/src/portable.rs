//! The portable implementation of every suite, built from the primitive
//! crates: the reference every hardware backend is tested against, and what
//! runs on targets without AES or carry-less multiply instructions.

use crate::aead::{Aead, Tag, check_nonce, verify_or_wipe};
use crate::aegis::{SoftLanes, open128, open256, seal128, seal256, tag128};
use crate::chacha::ChaCha20Poly1305;
use crate::error::Error;
use crate::gcm::{Aes128Gcm, Aes256Gcm};
use crate::key::Key;
use crate::suite::Suite;

/// Key and nonce of the keyless `checksum` suite: AEGIS-128L under all
/// zeros, used as a fast keyed-by-nobody checksum.
const CHECKSUM_KEY: [u8; 16] = [0; 16];

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
    Aegis(Suite, Key),
    Checksum,
}

impl Portable {
    /// Keys `suite` with `key` (empty for [`Suite::Checksum`]).
    pub fn new(suite: Suite, key: &[u8]) -> Result<Portable, Error> {
        let key = Key::new(suite, key)?;
        let inner = match suite {
            Suite::Aes128Gcm => Inner::Aes128Gcm(Aes128Gcm::new(key.as_bytes())?),
            Suite::Aes256Gcm => Inner::Aes256Gcm(Aes256Gcm::new(key.as_bytes())?),
            Suite::ChaCha20Poly1305 => {
                Inner::ChaCha20Poly1305(ChaCha20Poly1305::new(key.as_bytes())?)
            }
            Suite::Checksum => Inner::Checksum,
            aegis => Inner::Aegis(aegis, key),
        };
        Ok(Portable(inner))
    }
}

impl core::fmt::Debug for Portable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Portable({}, key redacted)", self.suite())
    }
}

/// Copies a nonce already checked to be `N` bytes long into an array.
fn nonce_array<const N: usize>(nonce: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(nonce);
    out
}

impl Aead for Portable {
    fn suite(&self) -> Suite {
        match &self.0 {
            Inner::Aes128Gcm(_) => Suite::Aes128Gcm,
            Inner::Aes256Gcm(_) => Suite::Aes256Gcm,
            Inner::ChaCha20Poly1305(_) => Suite::ChaCha20Poly1305,
            Inner::Aegis(suite, _) => *suite,
            Inner::Checksum => Suite::Checksum,
        }
    }

    fn seal_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        check_nonce(self.suite(), nonce)?;
        Ok(match &self.0 {
            Inner::Aes128Gcm(c) => c.seal_detached(nonce, aad, buf)?,
            Inner::Aes256Gcm(c) => c.seal_detached(nonce, aad, buf)?,
            Inner::ChaCha20Poly1305(c) => c.seal_detached(nonce, aad, buf)?,
            Inner::Aegis(suite, key) => match suite {
                Suite::Aegis128L => {
                    seal128::<SoftLanes<1>>(&key.first16(), &nonce_array(nonce), aad, buf)
                }
                Suite::Aegis128X2 => {
                    seal128::<SoftLanes<2>>(&key.first16(), &nonce_array(nonce), aad, buf)
                }
                Suite::Aegis128X4 => {
                    seal128::<SoftLanes<4>>(&key.first16(), &nonce_array(nonce), aad, buf)
                }
                Suite::Aegis256 => {
                    seal256::<SoftLanes<1>>(key.all32(), &nonce_array(nonce), aad, buf)
                }
                Suite::Aegis256X2 => {
                    seal256::<SoftLanes<2>>(key.all32(), &nonce_array(nonce), aad, buf)
                }
                _ => seal256::<SoftLanes<4>>(key.all32(), &nonce_array(nonce), aad, buf),
            },
            Inner::Checksum => tag128::<SoftLanes<1>>(&CHECKSUM_KEY, &CHECKSUM_KEY, aad, buf),
        })
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
            Inner::Aegis(suite, key) => match suite {
                Suite::Aegis128L => {
                    open128::<SoftLanes<1>>(&key.first16(), &nonce_array(nonce), aad, buf, tag)
                }
                Suite::Aegis128X2 => {
                    open128::<SoftLanes<2>>(&key.first16(), &nonce_array(nonce), aad, buf, tag)
                }
                Suite::Aegis128X4 => {
                    open128::<SoftLanes<4>>(&key.first16(), &nonce_array(nonce), aad, buf, tag)
                }
                Suite::Aegis256 => {
                    open256::<SoftLanes<1>>(key.all32(), &nonce_array(nonce), aad, buf, tag)
                }
                Suite::Aegis256X2 => {
                    open256::<SoftLanes<2>>(key.all32(), &nonce_array(nonce), aad, buf, tag)
                }
                _ => open256::<SoftLanes<4>>(key.all32(), &nonce_array(nonce), aad, buf, tag),
            },
            Inner::Checksum => {
                let computed = tag128::<SoftLanes<1>>(&CHECKSUM_KEY, &CHECKSUM_KEY, aad, buf);
                verify_or_wipe(&computed, tag, buf)
            }
        }
    }
}
