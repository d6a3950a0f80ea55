//! What went wrong, for SQLite: an (extended) result code and a message
//! that names the file and, for a page, the page. Every failure the VFS
//! returns is also recorded as the thread's last error (read back with the
//! `pageseal_last_error()` SQL function or `PRAGMA pageseal_error`) and
//! sent to `sqlite3_log`.

use std::cell::RefCell;
use std::ffi::c_int;
use std::fmt;
use std::path::Path;

use pageseal_core::Error as CoreError;

use crate::ffi;

/// A failure of the pageseal VFS: the SQLite result code it returns and
/// what to tell the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The extended SQLite result code returned.
    pub code: i32,
    /// What is wrong, naming the file (and page).
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Result of the VFS's own operations.
pub type Result<T> = std::result::Result<T, Failure>;

impl Failure {
    /// A failure with `code` and `message`.
    pub fn new(code: c_int, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// An I/O failure of the underlying file.
    pub(crate) fn io(code: c_int, op: &str, path: &Path) -> Failure {
        Failure::new(
            code,
            format!(
                "pageseal: {op} of {} failed (SQLite code {code})",
                path.display()
            ),
        )
    }

    /// A core error met while working on `path` (page `page`, 0-based
    /// pageseal page; reported as SQLite's 1-based page number).
    pub(crate) fn core(path: &Path, error: CoreError) -> Failure {
        let p = path.display();
        match error {
            CoreError::WrongKey => Failure::new(
                ffi::AUTH,
                format!("pageseal: wrong key or passphrase for {p}"),
            ),
            e @ CoreError::NoKeyslotFor { .. } => {
                Failure::new(ffi::AUTH, format!("pageseal: {p}: {e}"))
            }
            CoreError::UnknownEpoch { page, epoch } => Failure::new(
                ffi::IOERR_DATA,
                format!(
                    "pageseal: page {} of {p} failed authentication (tampered or corrupt: its \
                     trailer names key epoch {epoch}, which the header does not have)",
                    page + 1
                ),
            ),
            CoreError::KeyRequired => Failure::new(
                ffi::AUTH_USER,
                format!(
                    "pageseal: {p} is encrypted and no key was given (use key_env=, key_file=, \
                     key_fd= in the URI, or PRAGMA key before the first statement)"
                ),
            ),
            CoreError::KeyNotExpected => Failure::new(
                ffi::AUTH,
                format!(
                    "pageseal: {p} is a checksum-only pageseal file: it has no key, do not give one"
                ),
            ),
            CoreError::NotPageseal { sqlite: true } => Failure::new(
                ffi::NOTADB,
                format!(
                    "pageseal: {p} is a plain (unencrypted) SQLite database, not a pageseal one: \
                     open it without vfs=pageseal, or convert it with \
                     VACUUM INTO 'file:NEW?vfs=pageseal&key_...'"
                ),
            ),
            CoreError::NotPageseal { sqlite: false } => Failure::new(
                ffi::NOTADB,
                format!("pageseal: {p} is not a pageseal file (no pageseal header)"),
            ),
            CoreError::PageAuthentication { page } => Failure::new(
                ffi::IOERR_DATA,
                format!(
                    "pageseal: page {} of {p} failed authentication (tampered or corrupt)",
                    page + 1
                ),
            ),
            e @ CoreError::WrongContents { .. } => Failure::new(
                ffi::NOTADB,
                format!("pageseal: {p}: {e}, not a SQLite database"),
            ),
            e @ (CoreError::HeadersCorrupt { .. }
            | CoreError::HeaderAuthentication
            | CoreError::HeaderTruncated { .. }
            | CoreError::UnsupportedVersion { .. }) => {
                Failure::new(ffi::NOTADB, format!("pageseal: {p}: {e}"))
            }
            e => Failure::new(ffi::IOERR, format!("pageseal: {p}: {e}")),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `failure` as this thread's last error, logs it through
/// `sqlite3_log`, and returns its code.
pub(crate) fn report(failure: &Failure) -> c_int {
    LAST_ERROR.with(|e| *e.borrow_mut() = failure.message.clone());
    if let Some(api) = ffi::api()
        && let Ok(text) = std::ffi::CString::new(failure.message.replace('\0', " "))
    {
        {
            // SAFETY: `log` is sqlite3_log, called with a "%s" format and
            // one NUL-terminated string argument.
            unsafe { (api.log)(failure.code, c"%s".as_ptr(), text.as_ptr()) };
        }
    }
    failure.code
}

/// The last error the pageseal VFS met on this thread (empty if none).
pub fn last_error() -> String {
    LAST_ERROR.with(|e| e.borrow().clone())
}

/// Clears this thread's last error.
pub fn clear_last_error() {
    LAST_ERROR.with(|e| e.borrow_mut().clear());
}
