//! Sealed values for stores that firmware already uses (a
//! `sequential-storage` map or queue): a value is sealed into a
//! self-contained envelope before it is stored, and opened after it is
//! fetched. With the `sequential-storage` feature,
//! [`crate::sequential`] does both around the map and queue calls.
//!
//! Envelope (FORMAT.md, "Sealed values"): `version (1) ‖ suite id ‖ nonce ‖
//! ciphertext ‖ tag`, with associated data `psvalue1 ‖ version ‖ suite id ‖
//! context length (1 byte) ‖ context`, where the context is the map key's
//! serialized bytes (or, for a queue, a name the caller picks). A value
//! moved to another key fails to open.

use pageseal_core::{Aead, TAG_LEN, Tag};
use rand_core::CryptoRng;

use crate::error::Error;

/// Envelope format version (first byte).
pub const VALUE_VERSION: u8 = 1;

/// Prefix of a sealed value's associated data.
pub const VALUE_DOMAIN: [u8; 8] = *b"psvalue1";

/// Longest context (map key bytes) bound into a value.
pub const MAX_CONTEXT: usize = 64;

/// Seals and opens values with one key and a random nonce per seal.
///
/// Unlike [`crate::FlashStore`] it keeps no sequence number: the map or
/// queue decides which copy is newest. Someone who can write the flash can
/// therefore put back an older sealed value of the same key (or drop,
/// replay or reorder queue items): each value is authentic and bound to its
/// key, not fresh.
#[derive(Debug)]
pub struct ValueSealer<A, R> {
    cipher: A,
    rng: R,
}

impl<A: Aead, R: CryptoRng> ValueSealer<A, R> {
    /// A sealer over `cipher` drawing nonces from `rng`.
    pub fn new(cipher: A, rng: R) -> Self {
        ValueSealer { cipher, rng }
    }

    /// Bytes an envelope adds to a value: 2 + nonce length + 16.
    pub fn overhead(&self) -> usize {
        2 + self.cipher.suite().nonce_len() + TAG_LEN
    }

    /// Seals `value`, bound to `context`, into the front of `out` and
    /// returns the envelope.
    pub fn seal<'o, E>(
        &mut self,
        context: &[u8],
        value: &[u8],
        out: &'o mut [u8],
    ) -> Result<&'o mut [u8], Error<E>> {
        let suite = self.cipher.suite();
        let (n, total) = (suite.nonce_len(), value.len() + self.overhead());
        let out = out.get_mut(..total).ok_or(Error::BufferTooSmall(total))?;
        let (aad, aad_len) = aad(suite.id(), context)?;
        out[0] = VALUE_VERSION;
        out[1] = suite.id();
        let (nonce, rest) = out[2..].split_at_mut(n);
        self.rng.fill_bytes(nonce);
        let (body, tag) = rest.split_at_mut(value.len());
        body.copy_from_slice(value);
        tag.copy_from_slice(&self.cipher.seal_detached(nonce, &aad[..aad_len], body)?);
        Ok(out)
    }

    /// Opens an envelope in place and returns the value (a part of
    /// `sealed`). Fails with [`Error::Authentication`] (id 0) when the key
    /// is wrong, the bytes were altered or the value belongs to another
    /// context; then `sealed` holds no plaintext.
    pub fn open<'b, E>(&self, context: &[u8], sealed: &'b mut [u8]) -> Result<&'b [u8], Error<E>> {
        let suite = self.cipher.suite();
        let n = suite.nonce_len();
        if sealed.len() < self.overhead() || sealed[0] != VALUE_VERSION || sealed[1] != suite.id() {
            return Err(Error::Corrupted(0));
        }
        let (aad, aad_len) = aad(suite.id(), context)?;
        let (nonce, rest) = sealed[2..].split_at_mut(n);
        let (body, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
        let mut t: Tag = [0; TAG_LEN];
        t.copy_from_slice(tag);
        self.cipher
            .open_detached(nonce, &aad[..aad_len], body, &t)
            .map_err(|e| match e {
                pageseal_core::Error::Authentication => Error::Authentication(0),
                other => Error::Cipher(other),
            })?;
        Ok(body)
    }
}

/// The associated data of a value bound to `context`, and its length.
fn aad<E>(suite: u8, context: &[u8]) -> Result<([u8; 11 + MAX_CONTEXT], usize), Error<E>> {
    if context.len() > MAX_CONTEXT {
        return Err(Error::TooLarge(MAX_CONTEXT));
    }
    let mut out = [0u8; 11 + MAX_CONTEXT];
    out[..8].copy_from_slice(&VALUE_DOMAIN);
    out[8] = VALUE_VERSION;
    out[9] = suite;
    out[10] = context.len() as u8;
    out[11..11 + context.len()].copy_from_slice(context);
    Ok((out, 11 + context.len()))
}
