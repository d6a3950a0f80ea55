//! The one error type of `pageseal-core`.

use core::fmt;

use crate::suite::Suite;

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
    /// The nonce source could not produce a nonce (for example, the OS random
    /// generator failed).
    NonceUnavailable,
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
            Error::NonceUnavailable => f.write_str("no nonce could be produced"),
        }
    }
}

impl core::error::Error for Error {}
