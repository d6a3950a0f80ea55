//! Reading a header from a file: choosing between the two copies without a
//! key, then checking a secret against the chosen one.

use crate::epoch::FileKeys;
use crate::error::{CopyFault, Error, HeaderCopy};
use crate::header::{FileKind, HEADER_AREA_LEN, HEADER_COPY_LEN, Header, MAGIC};
use crate::kdf::{KdfBlock, KdfLimits, KdfMemory};
use crate::secret::Secret;

/// A header read from a file without a key.
#[derive(Clone, Debug)]
pub struct HeaderRead {
    /// The copy in use: the valid one with the highest generation.
    pub header: Header,
    /// Which copy was used.
    pub copy: HeaderCopy,
    /// The copy that is damaged and should be rewritten, if any.
    pub damaged: Option<(HeaderCopy, CopyFault)>,
    other: Option<Header>,
}

/// A header whose secret has been checked.
#[derive(Debug)]
pub struct Opened {
    /// The header in use.
    pub header: Header,
    /// The unlocked keys (`None` for checksum-only files).
    pub keys: Option<FileKeys>,
    /// A header copy that is damaged (or failed its MAC) and should be
    /// rewritten from `header`; `None` when both copies are good.
    pub repair: Option<HeaderCopy>,
    /// The keyslot the secret opened (`None` for checksum-only files).
    pub slot: Option<usize>,
}

/// Reads the header area (the first [`HEADER_AREA_LEN`] bytes of a file)
/// without a key: picks a valid copy and says which one is damaged.
pub fn read_header(area: &[u8]) -> Result<HeaderRead, Error> {
    if area.get(..MAGIC.len()) != Some(&MAGIC[..])
        && area.get(HEADER_COPY_LEN..HEADER_COPY_LEN + MAGIC.len()) != Some(&MAGIC[..])
    {
        return Err(Error::NotPageseal {
            sqlite: area.starts_with(b"SQLite format 3\0"),
        });
    }
    if area.len() < HEADER_AREA_LEN {
        return Err(Error::HeaderTruncated {
            len: area.len(),
            needed: HEADER_AREA_LEN,
        });
    }
    let a = Header::decode(&area[..HEADER_COPY_LEN]);
    let b = Header::decode(&area[HEADER_COPY_LEN..HEADER_AREA_LEN]);
    match (a, b) {
        (Ok(a), Ok(b)) => {
            let (header, copy, other) = if b.generation() > a.generation() {
                (b, HeaderCopy::B, a)
            } else {
                (a, HeaderCopy::A, b)
            };
            let damaged = (header.generation() != other.generation())
                .then_some((copy.other(), CopyFault::Stale));
            Ok(HeaderRead {
                header,
                copy,
                damaged,
                other: Some(other),
            })
        }
        (Ok(a), Err(fault)) => Ok(HeaderRead {
            header: a,
            copy: HeaderCopy::A,
            damaged: Some((HeaderCopy::B, fault)),
            other: None,
        }),
        (Err(fault), Ok(b)) => Ok(HeaderRead {
            header: b,
            copy: HeaderCopy::B,
            damaged: Some((HeaderCopy::A, fault)),
            other: None,
        }),
        (Err(a), Err(b)) => Err(match (a, b) {
            (CopyFault::UnsupportedVersion(v), _) | (_, CopyFault::UnsupportedVersion(v)) => {
                Error::UnsupportedVersion { version: v }
            }
            (CopyFault::UnknownSuite(id), _) | (_, CopyFault::UnknownSuite(id)) => {
                Error::UnknownSuiteId { id }
            }
            (a, b) => Error::HeadersCorrupt { a, b },
        }),
    }
}

impl HeaderRead {
    /// Checks `secret` (which must be `None` for checksum-only files and
    /// `Some` for encrypted ones) and unlocks the file's keys, with the
    /// default [`KdfLimits`]. `work` is Argon2 memory for passphrase
    /// keyslots (may be empty for raw keys).
    pub fn unlock(
        self,
        secret: Option<&Secret<'_>>,
        work: &mut [KdfBlock],
    ) -> Result<Opened, Error> {
        self.unlock_with(secret, &KdfLimits::DEFAULT, work)
    }

    /// [`unlock`](Self::unlock) with explicit limits on what one key
    /// derivation may cost, and working memory asked for per keyslot tried.
    ///
    /// When the copy in use fails its MAC (it was altered), or does not
    /// open with `secret` although the other copy is of the same generation
    /// and differs (a damaged keyslot whose digest was recomputed), the
    /// other copy is tried; if it opens, it is used and the first is marked
    /// for repair. An older copy is never tried for a secret the newer one
    /// refuses: after an interrupted rekey the old secret must not roll the
    /// header back. If both fail, the error of the copy in use is returned.
    pub fn unlock_with<M: KdfMemory + ?Sized>(
        self,
        secret: Option<&Secret<'_>>,
        limits: &KdfLimits,
        memory: &mut M,
    ) -> Result<Opened, Error> {
        let repair = self.damaged.map(|(copy, _)| copy);
        let secret = match (self.header.kind(), secret) {
            (FileKind::ChecksumOnly, None) => {
                return Ok(Opened {
                    header: self.header,
                    keys: None,
                    repair,
                    slot: None,
                });
            }
            (FileKind::ChecksumOnly, Some(_)) => return Err(Error::KeyNotExpected),
            (FileKind::Encrypted, None) => return Err(Error::KeyRequired),
            (FileKind::Encrypted, Some(secret)) => secret,
        };
        let first = match self.header.unlock_keys(secret, limits, memory) {
            Ok((keys, slot)) => {
                return Ok(Opened {
                    header: self.header,
                    keys: Some(keys),
                    repair,
                    slot: Some(slot),
                });
            }
            Err(e) => e,
        };
        let retry = |other: &Header| match first {
            Error::HeaderAuthentication => true,
            Error::WrongKey | Error::NoKeyslotFor { .. } => {
                other.generation() == self.header.generation() && *other != self.header
            }
            _ => false,
        };
        match self.other {
            Some(other) if retry(&other) => match other.unlock_keys(secret, limits, memory) {
                Ok((keys, slot)) => Ok(Opened {
                    header: other,
                    keys: Some(keys),
                    repair: Some(self.copy),
                    slot: Some(slot),
                }),
                Err(_) => Err(first),
            },
            _ => Err(first),
        }
    }
}
