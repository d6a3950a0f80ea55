//! Portable ChaCha20-Poly1305 (RFC 8439), composed from the `chacha20`
//! stream cipher and the `poly1305` one-time authenticator.
//!
//! Constant time: ChaCha20 is add-rotate-xor only, and Poly1305 uses
//! constant-time limb arithmetic in every backend of the `poly1305` crate.

use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher};
use poly1305::Poly1305;
use poly1305::universal_hash::{KeyInit, UniversalHash};
use zeroize::Zeroize;

use crate::aead::{Aead, Tag, check_nonce, verify_or_wipe};
use crate::error::Error;
use crate::key::Key;
use crate::suite::Suite;

/// ChaCha20-Poly1305 under one 256-bit key (wiped on drop).
#[derive(Clone, Debug)]
pub struct ChaCha20Poly1305 {
    key: Key,
}

impl ChaCha20Poly1305 {
    /// Keys the cipher with 32 bytes.
    pub fn new(key: &[u8]) -> Result<Self, Error> {
        Ok(ChaCha20Poly1305 {
            key: Key::new(Suite::ChaCha20Poly1305, key)?,
        })
    }

    /// The stream cipher positioned at block 1, and the Poly1305 instance
    /// keyed from block 0.
    fn start(&self, nonce: &[u8], len: usize) -> Result<(ChaCha20, Poly1305), Error> {
        check_nonce(Suite::ChaCha20Poly1305, nonce)?;
        Suite::ChaCha20Poly1305.check_message_len(len)?;
        let mut nonce_arr = [0u8; 12];
        nonce_arr.copy_from_slice(nonce);
        let mut stream = ChaCha20::new(self.key.all32().into(), &nonce_arr.into());
        let mut block0 = [0u8; 64];
        stream.apply_keystream(&mut block0);
        let mac = Poly1305::new_from_slice(&block0[..32]).map_err(|_| Error::Authentication)?;
        block0.zeroize();
        Ok((stream, mac))
    }
}

/// The Poly1305 tag over `aad` and `ciphertext`, padded as RFC 8439 §2.8.
fn poly_tag(mut mac: Poly1305, aad: &[u8], ciphertext: &[u8]) -> Tag {
    mac.update_padded(aad);
    mac.update_padded(ciphertext);
    let mut lengths = [0u8; 16];
    lengths[..8].copy_from_slice(&(aad.len() as u64).to_le_bytes());
    lengths[8..].copy_from_slice(&(ciphertext.len() as u64).to_le_bytes());
    mac.update_padded(&lengths);
    mac.finalize().into()
}

impl Aead for ChaCha20Poly1305 {
    fn suite(&self) -> Suite {
        Suite::ChaCha20Poly1305
    }

    fn seal_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        let (mut stream, mac) = self.start(nonce, buf.len())?;
        stream.apply_keystream(buf);
        Ok(poly_tag(mac, aad, buf))
    }

    fn open_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        let (mut stream, mac) = self.start(nonce, buf.len())?;
        verify_or_wipe(&poly_tag(mac, aad, buf), tag, buf)?;
        stream.apply_keystream(buf);
        Ok(())
    }
}
