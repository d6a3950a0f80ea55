//! `pageseal-sqlite`: a SQLite VFS that keeps a database encrypted at rest
//! in the pageseal page-file format.
//!
//! The VFS, registered as `pageseal`, is a shim over SQLite's default OS
//! VFS (locking, shared memory and sync pass straight through). The main
//! database file is a pageseal page file — the pageseal header, then
//! SQLite page N as pageseal page N−1, with SQLite's reserved bytes per
//! page equal to the suite's trailer — so the `pageseal` tool's `info`,
//! `verify`, `rekey`, `keyslot` and `rotate` work on it while it is not
//! open. The WAL, the rollback journal, statement journals and temporary
//! files are sealed too (FORMAT.md, "SQLite").
//!
//! Built two ways from this source: this rlib, with [`register`] for Rust
//! programs (rusqlite, with SQLite bundled), and a loadable extension for
//! the stock `sqlite3` shell (`std-adapter/sqlite/ext`).
//!
//! ```
//! use pageseal_sqlite::core::{RawKey, Secret};
//!
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("app.db");
//! let key = RawKey::new([7; 32]); // e.g. from pageseal::KeySource
//! let conn = pageseal_sqlite::open(&path, &Secret::RawKey(&key))?;
//! conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('secret row');")?;
//! let x: String = conn.query_row("SELECT x FROM t", [], |r| r.get(0))?;
//! assert_eq!(x, "secret row");
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```

#![deny(unsafe_op_in_unsafe_fn)]

pub use pageseal_core as core;

mod db;
mod error;
mod ffi;
mod io_methods;
mod journal;
mod keys;
mod main_db;
mod pragma;
mod sql;
mod temp;
mod vfs;
mod wal;

pub use error::{Failure, Result, clear_last_error, last_error};
pub use journal::{journal_aad, sample_sum};
pub use vfs::{FCNTL_KEY, FCNTL_ROTATE, VFS_NAME};
pub use wal::{FRAME_HEADER_LEN, WAL_HEADER_LEN, wal_aad, wal_checksum};

/// The VFS name, as a string (`vfs=pageseal` in a URI).
pub const VFS: &str = "pageseal";

/// Registers the `pageseal` VFS (not as the default) and the connection
/// hook with the linked SQLite. Idempotent.
#[cfg(feature = "bundled")]
pub fn register() -> Result<()> {
    let api = ffi::init_linked();
    sql::install(api).map_err(|e| Failure::new(1, format!("pageseal: {e}")))
}

/// Opens (or creates) the database at `path` through the `pageseal` VFS
/// with `secret`, registering the VFS first.
#[cfg(feature = "bundled")]
pub fn open(
    path: &std::path::Path,
    secret: &pageseal_core::Secret<'_>,
) -> std::result::Result<rusqlite::Connection, Box<dyn std::error::Error + Send + Sync>> {
    register()?;
    let conn =
        rusqlite::Connection::open_with_flags_and_vfs(path, rusqlite::OpenFlags::default(), VFS)?;
    set_key(&conn, secret)?;
    Ok(conn)
}

/// Gives the connection's main database its key (before its first
/// statement, like `PRAGMA key`); a wrong key fails here.
#[cfg(feature = "bundled")]
pub fn set_key(conn: &rusqlite::Connection, secret: &pageseal_core::Secret<'_>) -> Result<()> {
    // SAFETY: the handle is a live connection; FCNTL_KEY takes a pointer
    // to a Secret that outlives the call.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            FCNTL_KEY,
            std::ptr::from_ref(secret).cast_mut().cast(),
        )
    };
    match rc {
        0 => Ok(()),
        12 => Err(Failure::new(
            12,
            "pageseal: the main database does not use the pageseal VFS",
        )),
        rc => Err(Failure::new(rc, last_error())),
    }
}

/// Starts a new key epoch for the connection's main database: new writes
/// use it at once; returns the epoch.
#[cfg(feature = "bundled")]
pub fn rotate(conn: &rusqlite::Connection) -> Result<u32> {
    let mut epoch = 0i64;
    // SAFETY: the handle is a live connection; FCNTL_ROTATE takes an i64
    // out pointer.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            FCNTL_ROTATE,
            (&raw mut epoch).cast(),
        )
    };
    if rc == 0 {
        Ok(epoch as u32)
    } else {
        Err(Failure::new(rc, last_error()))
    }
}

/// The loadable extension's entry point (`sqlite3_extension_init`), for
/// the `ext` crate to export.
///
/// # Safety
/// Only for SQLite's extension loader to call.
pub unsafe extern "C" fn extension_init(
    db: *mut std::ffi::c_void,
    err: *mut *mut std::ffi::c_char,
    routines: *const std::ffi::c_void,
) -> std::ffi::c_int {
    // SAFETY: forwarded from the loader.
    unsafe { sql::extension_init(db, err, routines) }
}
