//! The one error type of the `pageseal` crate: every error says what went
//! wrong and where (which file, which page, which key source).

use std::fmt;
use std::io;
use std::path::PathBuf;

use pageseal_core::Error as CoreError;

/// Everything that can go wrong with page files and key sources.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// An operating-system error on a file.
    Io {
        /// What was being done ("read", "write", "create", ...).
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// What `pageseal-core` found: in a file's header or format (`path`
    /// set), in one page (`path` and `page` set), or in the arguments or
    /// settings given (neither set). Every core error reaches the user by
    /// this one route.
    Core {
        /// The file, if the error is about one.
        path: Option<PathBuf>,
        /// The page, if the error is about one.
        page: Option<u64>,
        /// The error.
        source: CoreError,
    },
    /// The file ends in the middle of a page.
    Truncated {
        /// The file.
        path: PathBuf,
        /// The number of the partial page.
        page: u64,
        /// Bytes of it present.
        present: u64,
        /// The page size.
        page_size: usize,
    },
    /// A page number past the end of the file.
    NoSuchPage {
        /// The file.
        path: PathBuf,
        /// The page asked for.
        page: u64,
        /// Pages in the file.
        pages: u64,
    },
    /// A key could not be obtained from its source.
    KeySource {
        /// The source, e.g. "environment variable PAGESEAL_KEY" or "fd 3".
        source_name: String,
        /// What went wrong.
        reason: String,
    },
    /// An encrypted file was opened and no key source was given.
    KeyMissing {
        /// The file.
        path: PathBuf,
    },
    /// A command-line or API argument that names nothing valid.
    Argument(String),
    /// A block that authenticated but cannot be decoded (unknown codec,
    /// bad compressed data, longer than allowed).
    BadBlock {
        /// The block id.
        block: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// Another process (or another handle in this one) has the file open
    /// for writing.
    InUse {
        /// The file.
        path: PathBuf,
    },
    /// A key ring's audit trail does not verify.
    Audit {
        /// The key ring.
        path: PathBuf,
        /// The number of the first bad record.
        record: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A record of a sealed log is bad: tampered, moved, replayed, cut or
    /// malformed.
    Record {
        /// The log.
        path: PathBuf,
        /// The record's position (byte offset in the log).
        position: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The CPU backend layer refused the request (a forced backend this
    /// CPU lacks, an unknown backend name).
    Dispatch(pageseal_dispatch::Error),
}

impl Error {
    /// Wraps an I/O error with the operation and file.
    pub fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// A core error about the file `path` (its header or format).
    pub fn format(path: impl Into<PathBuf>, source: CoreError) -> Error {
        Error::Core {
            path: Some(path.into()),
            page: None,
            source,
        }
    }

    /// A core error about page `page` of `path`.
    pub fn page(path: impl Into<PathBuf>, page: u64, source: CoreError) -> Error {
        Error::Core {
            path: Some(path.into()),
            page: Some(page),
            source,
        }
    }

    /// The core error behind this one, if any.
    pub fn core(&self) -> Option<&CoreError> {
        match self {
            Error::Core { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { op, path, source } => {
                let hint = match source.kind() {
                    io::ErrorKind::StorageFull => " (the disk is full)",
                    io::ErrorKind::PermissionDenied => {
                        " (permission denied: is the path writable?)"
                    }
                    _ => "",
                };
                write!(f, "{}: cannot {op}: {source}{hint}", path.display())
            }
            Error::Core { path, page, source } => {
                if let Some(path) = path {
                    write!(f, "{}: ", path.display())?;
                }
                match (page, source) {
                    // These name the page themselves.
                    (_, CoreError::PageAuthentication { .. } | CoreError::UnknownEpoch { .. })
                    | (None, _) => write!(f, "{source}"),
                    (Some(page), _) => write!(f, "page {page}: {source}"),
                }
            }
            Error::Truncated {
                path,
                page,
                present,
                page_size,
            } => write!(
                f,
                "{}: truncated file: page {page} has only {present} of {page_size} bytes",
                path.display()
            ),
            Error::NoSuchPage { path, page, pages } => write!(
                f,
                "{}: page {page} does not exist (the file has {pages} pages)",
                path.display()
            ),
            Error::KeySource {
                source_name,
                reason,
            } => write!(f, "cannot read the key from {source_name}: {reason}"),
            Error::KeyMissing { path } => write!(
                f,
                "{}: the file is encrypted and no key was given",
                path.display()
            ),
            Error::Argument(message) => f.write_str(message),
            Error::BadBlock { block, reason } => write!(f, "block {block}: {reason}"),
            Error::InUse { path } => write!(
                f,
                "{}: in use by another process (it has the file open for writing)",
                path.display()
            ),
            Error::Audit {
                path,
                record,
                reason,
            } => write!(f, "{}: audit record {record} {reason}", path.display()),
            Error::Record {
                path,
                position,
                reason,
            } => write!(
                f,
                "{}: record at position {position}: {reason}",
                path.display()
            ),
            Error::Dispatch(source) => write!(f, "{source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Core { source, .. } => Some(source),
            Error::Dispatch(source) => Some(source),
            _ => None,
        }
    }
}

impl From<CoreError> for Error {
    /// A core error about no file in particular (arguments, settings).
    fn from(source: CoreError) -> Error {
        Error::Core {
            path: None,
            page: None,
            source,
        }
    }
}

impl From<pageseal_dispatch::Error> for Error {
    /// A cipher error reported through the dispatch layer takes the core
    /// route like any other.
    fn from(e: pageseal_dispatch::Error) -> Error {
        match e {
            pageseal_dispatch::Error::Core(source) => source.into(),
            other => Error::Dispatch(other),
        }
    }
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
