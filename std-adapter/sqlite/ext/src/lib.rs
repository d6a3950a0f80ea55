//! The pageseal VFS as a loadable SQLite extension: `.load ./libpagesealvfs`
//! in the `sqlite3` shell (or `sqlite3_load_extension`) registers the
//! `pageseal` VFS for the rest of the process and the SQL functions on
//! every new connection. All of the code is `pageseal-sqlite`'s.

use std::ffi::{c_char, c_int, c_void};

/// The entry point SQLite derives from the file name `libpagesealvfs.so`.
///
/// # Safety
/// Only SQLite's extension loader calls it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sqlite3_pagesealvfs_init(
    db: *mut c_void,
    err: *mut *mut c_char,
    api: *const c_void,
) -> c_int {
    // SAFETY: forwarded unchanged from SQLite's loader.
    unsafe { pageseal_sqlite::extension_init(db, err, api) }
}

/// The generic entry point, for loaders given no entry point name.
///
/// # Safety
/// Only SQLite's extension loader calls it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sqlite3_extension_init(
    db: *mut c_void,
    err: *mut *mut c_char,
    api: *const c_void,
) -> c_int {
    // SAFETY: forwarded unchanged from SQLite's loader.
    unsafe { pageseal_sqlite::extension_init(db, err, api) }
}
