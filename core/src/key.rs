//! Secret key material: zeroized on drop, never printed, compared in
//! constant time.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::Error;
use crate::suite::Suite;

/// Largest key of any suite, in bytes.
pub const MAX_KEY_LEN: usize = 32;

/// A data key for one suite.
///
/// The bytes are wiped when the key is dropped, `Debug` shows only the
/// length, and `==` runs in constant time.
#[derive(Clone)]
pub struct Key {
    bytes: [u8; MAX_KEY_LEN],
    len: usize,
}

impl Key {
    /// Wraps `bytes` as a key for `suite`, checking its length.
    pub fn new(suite: Suite, bytes: &[u8]) -> Result<Key, Error> {
        if bytes.len() != suite.key_len() {
            return Err(Error::InvalidKeyLength {
                suite,
                expected: suite.key_len(),
                actual: bytes.len(),
            });
        }
        let mut key = Key {
            bytes: [0; MAX_KEY_LEN],
            len: bytes.len(),
        };
        key.bytes[..bytes.len()].copy_from_slice(bytes);
        Ok(key)
    }

    /// The key bytes. Keep the borrow short and never log it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The key length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the key is empty (the keyless `checksum` suite).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All 32 bytes as an array (for 256-bit suites).
    pub(crate) fn all32(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl ZeroizeOnDrop for Key {}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({} bytes, redacted)", self.len)
    }
}

impl ConstantTimeEq for Key {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        // Lengths are public (they follow from the suite); the bytes are not.
        self.len.ct_eq(&other.len) & self.bytes.ct_eq(&other.bytes)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Key {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_bytes() {
        let key = Key::new(Suite::Aes128Gcm, &[0xab; 16]).unwrap();
        let mut text = [0u8; 64];
        let mut w = Cursor(&mut text, 0);
        fmt::write(&mut w, format_args!("{key:?}")).unwrap();
        let len = w.1;
        let shown = core::str::from_utf8(&text[..len]).unwrap();
        assert_eq!(shown, "Key(16 bytes, redacted)");
    }

    #[test]
    fn length_is_checked_and_equality_compares_bytes() {
        assert_eq!(
            Key::new(Suite::Aes256Gcm, &[0; 16]).unwrap_err(),
            Error::InvalidKeyLength {
                suite: Suite::Aes256Gcm,
                expected: 32,
                actual: 16
            }
        );
        let a = Key::new(Suite::Aegis256, &[1; 32]).unwrap();
        let mut other = [1; 32];
        assert!(a == Key::new(Suite::Aegis256, &other).unwrap());
        other[31] = 2;
        assert!(a != Key::new(Suite::Aegis256, &other).unwrap());
    }

    struct Cursor<'a>(&'a mut [u8], usize);

    impl fmt::Write for Cursor<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.1 + s.len();
            self.0
                .get_mut(self.1..end)
                .ok_or(fmt::Error)?
                .copy_from_slice(s.as_bytes());
            self.1 = end;
            Ok(())
        }
    }
}
