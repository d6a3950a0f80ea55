//! The one error type of `pageseal-dispatch`.

use core::fmt;

use pageseal_core::Suite;

use crate::backend::Backend;

/// Everything that can go wrong in `pageseal-dispatch`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// An error of the cipher itself (bad key or nonce length, a tag that
    /// does not match, a message too long), as reported by `pageseal-core`.
    Core(pageseal_core::Error),
    /// The backend was forced but this CPU (or this build's target) lacks
    /// the instructions it needs, or it has no kernel for the suite.
    Unsupported {
        /// The backend that was asked for.
        backend: Backend,
        /// The suite it was asked for.
        suite: Suite,
    },
    /// A backend name that names no backend (see [`Backend::name`]).
    UnknownBackendName,
}

impl From<pageseal_core::Error> for Error {
    fn from(e: pageseal_core::Error) -> Self {
        Error::Core(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(e) => e.fmt(f),
            Error::Unsupported { backend, suite } => write!(
                f,
                "backend {} is not available for {suite} on this CPU",
                backend.name()
            ),
            Error::UnknownBackendName => f.write_str(
                "unknown backend name (expected portable, aes-ni, vaes256, vaes512 or armv8)",
            ),
        }
    }
}

impl core::error::Error for Error {}
