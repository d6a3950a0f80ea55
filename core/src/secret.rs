//! User secrets: a raw 256-bit key written `x'<64 hex digits>'`, or a
//! passphrase.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::Error;

/// Length of a raw key.
pub const RAW_KEY_LEN: usize = 32;

/// A raw 256-bit key (wiped on drop, never printed).
#[derive(Clone)]
pub struct RawKey([u8; RAW_KEY_LEN]);

impl RawKey {
    /// Wraps 32 key bytes.
    pub fn new(bytes: [u8; RAW_KEY_LEN]) -> RawKey {
        RawKey(bytes)
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8; RAW_KEY_LEN] {
        &self.0
    }
}

impl Drop for RawKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for RawKey {}

impl fmt::Debug for RawKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawKey(redacted)")
    }
}

/// What a user unlocks a file with.
#[derive(Clone, Copy)]
pub enum Secret<'a> {
    /// A raw 256-bit key: the key-encryption key is derived with HKDF.
    RawKey(&'a RawKey),
    /// A passphrase: the key-encryption key is derived with Argon2id.
    Passphrase(&'a [u8]),
}

impl Secret<'_> {
    /// What kind of secret this is.
    pub fn kind(&self) -> SecretKind {
        match self {
            Secret::RawKey(_) => SecretKind::RawKey,
            Secret::Passphrase(_) => SecretKind::Passphrase,
        }
    }
}

impl fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret::{:?}(redacted)", self.kind())
    }
}

/// The two kinds of user secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// A raw key, `x'<hex>'`.
    RawKey,
    /// A passphrase.
    Passphrase,
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretKind::RawKey => "raw key",
            SecretKind::Passphrase => "passphrase",
        })
    }
}

/// Reads key text: `x'<64 hex digits>'` is a raw key (returned as
/// `Some`); anything else is a passphrase (`None`: use the text itself).
///
/// Text that starts with `x'` and ends with `'` but is not 64 hex digits is
/// an error rather than a passphrase, so a mistyped raw key is never
/// silently taken as a passphrase.
pub fn parse_raw_key(text: &[u8]) -> Result<Option<RawKey>, Error> {
    let inner = match text {
        [b'x' | b'X', b'\'', inner @ .., b'\''] => inner,
        _ => return Ok(None),
    };
    if inner.len() != 2 * RAW_KEY_LEN {
        return Err(Error::InvalidRawKey {
            hex_digits: inner.len(),
        });
    }
    let mut key = [0u8; RAW_KEY_LEN];
    for (out, pair) in key.iter_mut().zip(inner.chunks_exact(2)) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(hi), Some(lo)) => *out = hi << 4 | lo,
            _ => {
                key.zeroize();
                return Err(Error::InvalidRawKey {
                    hex_digits: inner.len(),
                });
            }
        }
    }
    Ok(Some(RawKey(key)))
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_keys_and_passphrases() {
        let text = b"x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1F'";
        let key = parse_raw_key(text).unwrap().unwrap();
        assert_eq!(key.as_bytes()[31], 0x1f);
        assert!(parse_raw_key(b"correct horse").unwrap().is_none());
        assert!(parse_raw_key(b"x'").unwrap().is_none());
        assert_eq!(
            parse_raw_key(b"x'abcd'").unwrap_err(),
            Error::InvalidRawKey { hex_digits: 4 }
        );
        let mut bad = *text;
        bad[5] = b'g';
        assert!(parse_raw_key(&bad).is_err());
    }
}
