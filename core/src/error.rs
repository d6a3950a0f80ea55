//! The one error type of `pageseal-core`.

use core::fmt;

use crate::header::Contents;
use crate::secret::SecretKind;
use crate::suite::Suite;

/// One of the two header copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderCopy {
    /// The first copy, at offset 0.
    A,
    /// The second copy, at offset 2048.
    B,
}

impl HeaderCopy {
    /// The other copy.
    pub fn other(self) -> HeaderCopy {
        match self {
            HeaderCopy::A => HeaderCopy::B,
            HeaderCopy::B => HeaderCopy::A,
        }
    }

    /// Byte offset of this copy in the file.
    pub fn offset(self) -> u64 {
        match self {
            HeaderCopy::A => 0,
            HeaderCopy::B => 2048,
        }
    }
}

impl fmt::Display for HeaderCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderCopy::A => "A (offset 0)",
            HeaderCopy::B => "B (offset 2048)",
        })
    }
}

/// Why one header copy could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyFault {
    /// Fewer bytes than a header copy.
    Truncated,
    /// The copy does not start with the pageseal magic.
    BadMagic,
    /// The SHA-256 digest does not match: the copy is damaged.
    DigestMismatch,
    /// A format version this code does not read.
    UnsupportedVersion(u16),
    /// A suite id this code does not know.
    UnknownSuite(u8),
    /// The digest matches but a field is impossible.
    Invalid(&'static str),
    /// Valid, but older than the other copy (an interrupted header write).
    Stale,
}

impl fmt::Display for CopyFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CopyFault::Truncated => f.write_str("truncated"),
            CopyFault::BadMagic => f.write_str("bad magic"),
            CopyFault::DigestMismatch => f.write_str("checksum mismatch"),
            CopyFault::UnsupportedVersion(v) => write!(f, "unsupported format version {v}"),
            CopyFault::UnknownSuite(id) => write!(f, "unknown suite id {id}"),
            CopyFault::Invalid(reason) => f.write_str(reason),
            CopyFault::Stale => f.write_str("older than the other copy"),
        }
    }
}

/// Everything that can go wrong in `pageseal-core`.
///
/// Authentication failures are deliberately opaque about *why* a tag did not
/// match; they only say *where* (which page).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A page size that is not a power of two between 512 and 65536 bytes.
    InvalidPageSize {
        /// The rejected size in bytes.
        size: usize,
    },
    /// A suite identifier byte that names no known suite.
    UnknownSuiteId {
        /// The rejected identifier.
        id: u8,
    },
    /// A suite name that names no known suite.
    UnknownSuiteName,
    /// A key whose length does not match the suite.
    InvalidKeyLength {
        /// The suite the key was meant for.
        suite: Suite,
        /// The length the suite needs.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// A nonce whose length does not match the suite.
    InvalidNonceLength {
        /// The suite the nonce was meant for.
        suite: Suite,
        /// The length the suite needs.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// A page buffer whose length is not the file's page size.
    InvalidPageLength {
        /// The page size of the file.
        expected: usize,
        /// The length of the buffer that was given.
        actual: usize,
    },
    /// A cipher for one suite was used with pages of another.
    SuiteMismatch {
        /// The suite of the pages.
        expected: Suite,
        /// The suite of the cipher that was given.
        actual: Suite,
    },
    /// A message too long for the suite (more than 2^36 bytes for AES-GCM,
    /// ChaCha20-Poly1305's 2^38 bytes, and so on).
    MessageTooLong,
    /// The tag did not verify: wrong key, wrong nonce, wrong associated data
    /// or altered ciphertext. Returned by the raw AEAD layer.
    Authentication,
    /// A page failed to authenticate (tampered, corrupted, moved to another
    /// number or file, or sealed under another key epoch). The page buffer has
    /// been zeroed.
    PageAuthentication {
        /// The number of the page that failed.
        page: u64,
    },
    /// A page names a key epoch for which no key was supplied.
    UnknownEpoch {
        /// The number of the page.
        page: u64,
        /// The key epoch stored in the page's trailer.
        epoch: u32,
    },
    /// Key text of the form `x'...'` that is not 64 hex digits.
    InvalidRawKey {
        /// Characters between the quotes.
        hex_digits: usize,
    },
    /// Argon2id parameters out of range.
    InvalidKdfParams {
        /// What is wrong with them.
        reason: &'static str,
    },
    /// The Argon2 working memory supplied is smaller than the parameters
    /// need.
    KdfMemoryTooSmall {
        /// KiB needed.
        needed_kib: u32,
        /// KiB supplied.
        have_kib: u32,
    },
    /// Every keyslot the secret could open asks for a key derivation above
    /// the reader's limits ([`crate::KdfLimits`]); the file was made with
    /// higher costs, or its header was edited. Raise the limits only for a
    /// file you trust.
    KdfCostTooHigh {
        /// The memory the cheapest such keyslot asks for, in KiB.
        memory_kib: u32,
        /// Its passes.
        iterations: u32,
        /// The memory limit, in KiB.
        max_memory_kib: u32,
        /// The pass limit.
        max_iterations: u32,
    },
    /// All keyslots are in use: remove one before adding another.
    KeyslotsFull,
    /// The AEAD implementation cannot key this suite (e.g. a forced
    /// hardware backend this CPU lacks).
    CipherUnavailable {
        /// The suite.
        suite: Suite,
    },
    /// A buffer too small for what it must hold.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        actual: usize,
    },
    /// A sealed block shorter than its suite's trailer.
    BlockTruncated {
        /// Bytes present.
        len: usize,
        /// The trailer's length.
        overhead: usize,
    },
    /// A block failed to authenticate (tampered, corrupted, moved to
    /// another id or stream, or sealed under another key). The buffer has
    /// been zeroed.
    BlockAuthentication {
        /// The block id.
        block: u64,
    },
    /// A block names a key epoch for which no key was supplied.
    UnknownBlockEpoch {
        /// The block id.
        block: u64,
        /// The key epoch in its trailer.
        epoch: u32,
    },
    /// A seal was attempted under a lease of another key epoch, or with no
    /// seal left: take a new lease from the session.
    LeaseExhausted,
    /// The bytes are not a pageseal file (no pageseal magic in either header
    /// copy).
    NotPageseal {
        /// The file starts like an SQLite database.
        sqlite: bool,
    },
    /// The file is shorter than the header area.
    HeaderTruncated {
        /// Bytes present.
        len: usize,
        /// Bytes needed.
        needed: usize,
    },
    /// A pageseal file of a format version this code does not read.
    UnsupportedVersion {
        /// The version found.
        version: u16,
    },
    /// Both header copies are damaged.
    HeadersCorrupt {
        /// What is wrong with copy A.
        a: CopyFault,
        /// What is wrong with copy B.
        b: CopyFault,
    },
    /// The file is encrypted and no key was given.
    KeyRequired,
    /// A key was given for a checksum-only file, which has none.
    KeyNotExpected,
    /// The key or passphrase opens none of the file's keyslots.
    WrongKey,
    /// The file has no keyslot for this kind of secret (e.g. a raw key was
    /// given but the file only has passphrase keyslots).
    NoKeyslotFor {
        /// The kind of secret given.
        kind: SecretKind,
    },
    /// The header's MAC does not verify under the unlocked key: it was
    /// altered after it was written.
    HeaderAuthentication,
    /// A keyslot index beyond the header's keyslots.
    NoSuchKeyslot {
        /// The index asked for.
        index: usize,
    },
    /// Removing this keyslot would leave the file with none.
    LastKeyslot,
    /// The epoch table is full (drop unused epochs first).
    NoFreeEpoch,
    /// The file has no such key epoch.
    NoSuchEpoch {
        /// The epoch asked for.
        epoch: u32,
    },
    /// The current epoch cannot be dropped.
    CurrentEpoch {
        /// The current epoch.
        epoch: u32,
    },
    /// The nonce source could not produce a nonce (for example, the OS random
    /// generator failed).
    NonceUnavailable,
    /// A pageseal file holding something else than was asked for (a key
    /// ring opened as a page file, or the reverse).
    WrongContents {
        /// What the caller expected.
        expected: Contents,
        /// What the header says the file is.
        found: Contents,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::InvalidPageSize { size } => write!(
                f,
                "invalid page size {size}: must be a power of two from 512 to 65536"
            ),
            Error::UnknownSuiteId { id } => write!(f, "unknown cipher suite id {id}"),
            Error::UnknownSuiteName => f.write_str("unknown cipher suite name"),
            Error::InvalidKeyLength {
                suite,
                expected,
                actual,
            } => write!(f, "{suite} needs a {expected}-byte key, got {actual} bytes"),
            Error::InvalidNonceLength {
                suite,
                expected,
                actual,
            } => write!(
                f,
                "{suite} needs a {expected}-byte nonce, got {actual} bytes"
            ),
            Error::InvalidPageLength { expected, actual } => write!(
                f,
                "page buffer is {actual} bytes, the page size is {expected}"
            ),
            Error::SuiteMismatch { expected, actual } => {
                write!(
                    f,
                    "pages are sealed with {expected}, the cipher given is {actual}"
                )
            }
            Error::MessageTooLong => f.write_str("message too long for the cipher suite"),
            Error::Authentication => f.write_str("authentication failed"),
            Error::PageAuthentication { page } => write!(
                f,
                "page {page} failed authentication (tampered, corrupted, moved, or sealed under another key)"
            ),
            Error::UnknownEpoch { page, epoch } => {
                write!(
                    f,
                    "page {page} is sealed under key epoch {epoch}, which has no key"
                )
            }
            Error::NonceUnavailable => f.write_str("no random bytes could be produced"),
            Error::InvalidRawKey { hex_digits } => write!(
                f,
                "raw key must be x'<64 hex digits>', got {hex_digits} characters between the quotes or a non-hex digit"
            ),
            Error::InvalidKdfParams { reason } => {
                write!(f, "invalid Argon2id parameters: {reason}")
            }
            Error::KdfMemoryTooSmall {
                needed_kib,
                have_kib,
            } => write!(
                f,
                "Argon2id needs {needed_kib} KiB of working memory, {have_kib} KiB were given"
            ),
            Error::KdfCostTooHigh {
                memory_kib,
                iterations,
                max_memory_kib,
                max_iterations,
            } => write!(
                f,
                "the keyslot asks for Argon2id with {memory_kib} KiB and {iterations} passes, \
                 above this reader's limits ({max_memory_kib} KiB, {max_iterations} passes); \
                 raise the limits only for a file you trust"
            ),
            Error::KeyslotsFull => {
                f.write_str("all 4 keyslots are in use: remove one before adding another")
            }
            Error::CipherUnavailable { suite } => {
                write!(f, "no implementation of {suite} is available here")
            }
            Error::BufferTooSmall { needed, actual } => {
                write!(f, "buffer of {actual} bytes, {needed} are needed")
            }
            Error::BlockTruncated { len, overhead } => write!(
                f,
                "sealed block of {len} bytes is shorter than its {overhead}-byte trailer"
            ),
            Error::BlockAuthentication { block } => write!(
                f,
                "block {block} failed authentication (tampered, corrupted, moved, or sealed under another key)"
            ),
            Error::UnknownBlockEpoch { block, epoch } => write!(
                f,
                "block {block} is sealed under key epoch {epoch}, which has no key"
            ),
            Error::LeaseExhausted => {
                f.write_str("no seal left under this lease: take a new one from the session")
            }
            Error::NotPageseal { sqlite: true } => {
                f.write_str("not a pageseal file: it is an unencrypted SQLite database")
            }
            Error::NotPageseal { sqlite: false } => {
                f.write_str("not a pageseal file (no pageseal header)")
            }
            Error::HeaderTruncated { len, needed } => write!(
                f,
                "pageseal header truncated: {len} bytes, the header area is {needed}"
            ),
            Error::UnsupportedVersion { version } => write!(
                f,
                "pageseal format version {version} is not supported (this build reads versions 1 and 2)"
            ),
            Error::HeadersCorrupt { a, b } => write!(
                f,
                "both header copies are damaged (copy A: {a}; copy B: {b})"
            ),
            Error::KeyRequired => {
                f.write_str("the file is encrypted: a key or passphrase is needed")
            }
            Error::KeyNotExpected => {
                f.write_str("the file is checksum-only: it has no key, do not give one")
            }
            Error::WrongKey => f.write_str("wrong key or passphrase"),
            Error::NoKeyslotFor { kind } => {
                write!(
                    f,
                    "wrong key: the file has no keyslot that opens with a {kind}"
                )
            }
            Error::HeaderAuthentication => {
                f.write_str("header authentication failed: the header was altered")
            }
            Error::NoSuchKeyslot { index } => write!(f, "there is no keyslot {index}"),
            Error::LastKeyslot => f.write_str("cannot remove the last keyslot"),
            Error::NoFreeEpoch => f.write_str(
                "the key epoch table is full (16 epochs): drop the epochs no data uses (a key ring: retire_unused)",
            ),
            Error::NoSuchEpoch { epoch } => write!(f, "there is no key epoch {epoch}"),
            Error::CurrentEpoch { epoch } => {
                write!(f, "key epoch {epoch} is current and cannot be dropped")
            }
            Error::WrongContents { expected, found } => write!(
                f,
                "this pageseal file is {}, not {}",
                found.describe(),
                expected.describe()
            ),
        }
    }
}

impl core::error::Error for Error {}
