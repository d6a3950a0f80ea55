//! Cipher suites: names, identifiers and sizes.

use core::fmt;

use crate::error::Error;

/// Length in bytes of every suite's authentication tag.
pub const TAG_LEN: usize = 16;

/// A page-sealing cipher suite.
///
/// The numeric identifier ([`Suite::id`]) is what the on-disk format stores;
/// the name ([`Suite::name`]) is what the CLI and API accept.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Suite {
    /// AES-128 in Galois/Counter Mode (NIST SP 800-38D), 96-bit nonce.
    Aes128Gcm,
    /// AES-256 in Galois/Counter Mode (NIST SP 800-38D), 96-bit nonce.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439), 96-bit nonce.
    ChaCha20Poly1305,
    /// AEGIS-128L (draft-irtf-cfrg-aegis-aead), 128-bit nonce.
    Aegis128L,
    /// AEGIS-128X2: two parallel AEGIS-128L lanes, 128-bit nonce.
    Aegis128X2,
    /// AEGIS-128X4: four parallel AEGIS-128L lanes, 128-bit nonce.
    Aegis128X4,
    /// AEGIS-256 (draft-irtf-cfrg-aegis-aead), 256-bit nonce.
    Aegis256,
    /// AEGIS-256X2: two parallel AEGIS-256 lanes, 256-bit nonce.
    Aegis256X2,
    /// AEGIS-256X4: four parallel AEGIS-256 lanes, 256-bit nonce.
    Aegis256X4,
    /// Integrity only: no key, no secrecy. Detects corruption and moved
    /// pages, but anyone can recompute the checksum, so it does not resist a
    /// deliberate forger.
    Checksum,
}

impl Suite {
    /// Every suite, in identifier order.
    pub const ALL: [Suite; 10] = [
        Suite::Aes128Gcm,
        Suite::Aes256Gcm,
        Suite::ChaCha20Poly1305,
        Suite::Aegis128L,
        Suite::Aegis128X2,
        Suite::Aegis128X4,
        Suite::Aegis256,
        Suite::Aegis256X2,
        Suite::Aegis256X4,
        Suite::Checksum,
    ];

    /// The identifier byte stored on disk.
    pub const fn id(self) -> u8 {
        match self {
            Suite::Aes128Gcm => 1,
            Suite::Aes256Gcm => 2,
            Suite::ChaCha20Poly1305 => 3,
            Suite::Aegis128L => 4,
            Suite::Aegis128X2 => 5,
            Suite::Aegis128X4 => 6,
            Suite::Aegis256 => 7,
            Suite::Aegis256X2 => 8,
            Suite::Aegis256X4 => 9,
            Suite::Checksum => 10,
        }
    }

    /// The suite with identifier `id`.
    pub fn from_id(id: u8) -> Result<Suite, Error> {
        Suite::ALL
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or(Error::UnknownSuiteId { id })
    }

    /// The name used by the CLI and the API, e.g. `aegis-128l`.
    pub const fn name(self) -> &'static str {
        match self {
            Suite::Aes128Gcm => "aes-128-gcm",
            Suite::Aes256Gcm => "aes-256-gcm",
            Suite::ChaCha20Poly1305 => "chacha20-poly1305",
            Suite::Aegis128L => "aegis-128l",
            Suite::Aegis128X2 => "aegis-128x2",
            Suite::Aegis128X4 => "aegis-128x4",
            Suite::Aegis256 => "aegis-256",
            Suite::Aegis256X2 => "aegis-256x2",
            Suite::Aegis256X4 => "aegis-256x4",
            Suite::Checksum => "checksum",
        }
    }

    /// The suite called `name` (ASCII case-insensitive).
    pub fn from_name(name: &str) -> Result<Suite, Error> {
        Suite::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
            .ok_or(Error::UnknownSuiteName)
    }

    /// Key length in bytes (0 for [`Suite::Checksum`]).
    pub const fn key_len(self) -> usize {
        match self {
            Suite::Aes128Gcm | Suite::Aegis128L | Suite::Aegis128X2 | Suite::Aegis128X4 => 16,
            Suite::Aes256Gcm
            | Suite::ChaCha20Poly1305
            | Suite::Aegis256
            | Suite::Aegis256X2
            | Suite::Aegis256X4 => 32,
            Suite::Checksum => 0,
        }
    }

    /// Nonce length in bytes (0 for [`Suite::Checksum`]).
    pub const fn nonce_len(self) -> usize {
        match self {
            Suite::Aes128Gcm | Suite::Aes256Gcm | Suite::ChaCha20Poly1305 => 12,
            Suite::Aegis128L | Suite::Aegis128X2 | Suite::Aegis128X4 => 16,
            Suite::Aegis256 | Suite::Aegis256X2 | Suite::Aegis256X4 => 32,
            Suite::Checksum => 0,
        }
    }

    /// Tag length in bytes: [`TAG_LEN`] for every suite.
    pub const fn tag_len(self) -> usize {
        TAG_LEN
    }

    /// The safe number of seals under one data key with random nonces
    /// (FORMAT.md, "Nonces and the number of seals per data key"): 2^32 for
    /// 96-bit nonces (NIST SP 800-38D §8.3), 2^48 for AEGIS-128 (RFC
    /// 10032), 2^64 - 1 for AEGIS-256 and `checksum` (no practical limit).
    pub const fn seal_limit(self) -> u64 {
        match self {
            Suite::Aes128Gcm | Suite::Aes256Gcm | Suite::ChaCha20Poly1305 => 1 << 32,
            Suite::Aegis128L | Suite::Aegis128X2 | Suite::Aegis128X4 => 1 << 48,
            Suite::Aegis256 | Suite::Aegis256X2 | Suite::Aegis256X4 | Suite::Checksum => u64::MAX,
        }
    }

    /// Fails with [`Error::MessageTooLong`] when a `len`-byte message is
    /// longer than the suite's construction allows: 2^36 - 32 bytes for
    /// AES-GCM (NIST SP 800-38D), (2^32 - 1) × 64 bytes for
    /// ChaCha20-Poly1305 (RFC 8439: a 32-bit block counter after the block
    /// that keys Poly1305). The AEGIS family and `checksum` allow 2^61
    /// bytes, more than any buffer holds, so they never fail here.
    pub fn check_message_len(self, len: usize) -> Result<(), Error> {
        let max: u64 = match self.construction() {
            Construction::AesGcm { .. } => (1 << 36) - 32,
            Construction::ChaCha20Poly1305 => ((1 << 32) - 1) * 64,
            Construction::Aegis(_) => return Ok(()),
        };
        if len as u64 > max {
            Err(Error::MessageTooLong)
        } else {
            Ok(())
        }
    }

    /// Whether the suite keeps pages secret and resists forgery (every suite
    /// but [`Suite::Checksum`]).
    pub const fn is_keyed(self) -> bool {
        !matches!(self, Suite::Checksum)
    }

    /// The construction behind the suite: what an implementation
    /// dispatches on (exhaustively, see [`Construction`]).
    pub const fn construction(self) -> Construction {
        match self {
            Suite::Aes128Gcm => Construction::AesGcm { aes256: false },
            Suite::Aes256Gcm => Construction::AesGcm { aes256: true },
            Suite::ChaCha20Poly1305 => Construction::ChaCha20Poly1305,
            Suite::Aegis128L => Construction::Aegis(AegisVariant::Aegis128L),
            Suite::Aegis128X2 => Construction::Aegis(AegisVariant::Aegis128X2),
            Suite::Aegis128X4 => Construction::Aegis(AegisVariant::Aegis128X4),
            Suite::Aegis256 => Construction::Aegis(AegisVariant::Aegis256),
            Suite::Aegis256X2 => Construction::Aegis(AegisVariant::Aegis256X2),
            Suite::Aegis256X4 => Construction::Aegis(AegisVariant::Aegis256X4),
            Suite::Checksum => Construction::Aegis(AegisVariant::Checksum),
        }
    }
}

/// The construction a [`Suite`] is built from ([`Suite::construction`]).
///
/// [`Suite`] is `#[non_exhaustive]`, so a `match` on it outside this crate
/// needs a catch-all arm. This enum is not: an implementation that matches
/// on it (as `Portable` and every backend of `pageseal-dispatch` do) names
/// every construction, so a new suite fails to compile wherever it has no
/// behaviour yet instead of falling into another suite's arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Construction {
    /// AES-GCM: [`Suite::Aes128Gcm`] (`aes256` false) or
    /// [`Suite::Aes256Gcm`].
    AesGcm {
        /// Whether the key is 256 bits (else 128).
        aes256: bool,
    },
    /// [`Suite::ChaCha20Poly1305`].
    ChaCha20Poly1305,
    /// A suite of the AEGIS family, or `checksum` (AEGIS-128L's tag under
    /// an all-zero key and nonce).
    Aegis(AegisVariant),
}

/// The suites built on the AEGIS state machine ([`crate::aegis`]), one per
/// variant; not `#[non_exhaustive]`, like [`Construction`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AegisVariant {
    /// [`Suite::Aegis128L`]: one AEGIS-128L lane.
    Aegis128L,
    /// [`Suite::Aegis128X2`]: two AEGIS-128L lanes.
    Aegis128X2,
    /// [`Suite::Aegis128X4`]: four AEGIS-128L lanes.
    Aegis128X4,
    /// [`Suite::Aegis256`]: one AEGIS-256 lane.
    Aegis256,
    /// [`Suite::Aegis256X2`]: two AEGIS-256 lanes.
    Aegis256X2,
    /// [`Suite::Aegis256X4`]: four AEGIS-256 lanes.
    Aegis256X4,
    /// [`Suite::Checksum`]: the AEGIS-128L tag under an all-zero key and
    /// nonce, no ciphertext.
    Checksum,
}

impl AegisVariant {
    /// The suite of this variant.
    pub const fn suite(self) -> Suite {
        match self {
            AegisVariant::Aegis128L => Suite::Aegis128L,
            AegisVariant::Aegis128X2 => Suite::Aegis128X2,
            AegisVariant::Aegis128X4 => Suite::Aegis128X4,
            AegisVariant::Aegis256 => Suite::Aegis256,
            AegisVariant::Aegis256X2 => Suite::Aegis256X2,
            AegisVariant::Aegis256X4 => Suite::Aegis256X4,
            AegisVariant::Checksum => Suite::Checksum,
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Suite {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Suite::from_name(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message-length limits sit exactly at the standards' bounds
    /// (checked without allocating: only the length is looked at).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn message_length_limits() {
        let gcm_max = (1usize << 36) - 32;
        let chacha_max = ((1usize << 32) - 1) * 64;
        for s in [Suite::Aes128Gcm, Suite::Aes256Gcm] {
            assert_eq!(s.check_message_len(gcm_max), Ok(()));
            assert_eq!(s.check_message_len(gcm_max + 1), Err(Error::MessageTooLong));
        }
        let s = Suite::ChaCha20Poly1305;
        assert_eq!(s.check_message_len(chacha_max), Ok(()));
        assert_eq!(
            s.check_message_len(chacha_max + 1),
            Err(Error::MessageTooLong)
        );
        assert_eq!(Suite::Aegis128L.check_message_len(usize::MAX), Ok(()));
    }

    #[test]
    fn constructions_name_their_suite() {
        for s in Suite::ALL {
            match s.construction() {
                Construction::AesGcm { aes256 } => {
                    assert_eq!(s, [Suite::Aes128Gcm, Suite::Aes256Gcm][usize::from(aes256)]);
                }
                Construction::ChaCha20Poly1305 => assert_eq!(s, Suite::ChaCha20Poly1305),
                Construction::Aegis(v) => assert_eq!(v.suite(), s),
            }
        }
    }

    #[test]
    fn ids_and_names_round_trip() {
        for s in Suite::ALL {
            assert_eq!(Suite::from_id(s.id()), Ok(s));
            assert_eq!(Suite::from_name(s.name()), Ok(s));
        }
        assert_eq!(Suite::from_id(0), Err(Error::UnknownSuiteId { id: 0 }));
        assert_eq!(Suite::from_id(255), Err(Error::UnknownSuiteId { id: 255 }));
        assert_eq!(
            Suite::from_name("aes-512-gcm"),
            Err(Error::UnknownSuiteName)
        );
    }
}
