//! `xFileControl`: pageseal's own file controls (key, checks, rotation,
//! migration, trailer) and the PRAGMAs the VFS answers; everything else
//! goes to SQLite's OS file.

use std::ffi::{CStr, c_char, c_int, c_void};

use crate::db::Io;
use crate::error::{Failure, report};
use crate::ffi::{self, File};
use crate::keys::Key;
use crate::main_db::MainDb;
use crate::pragma::pragma;
use crate::vfs::{
    FCNTL_CHECK, FCNTL_CONNECTION, FCNTL_KEY, FCNTL_MIGRATE, FCNTL_ROTATE, FCNTL_TRAILER, Kind,
    LOCK_EXCLUSIVE, done, guard, parts,
};

/// Sets a PRAGMA's result (`azArg[0]`) to `text`.
///
/// # Safety
/// `args` must be the `char**` of SQLITE_FCNTL_PRAGMA.
unsafe fn pragma_result(args: *mut *mut c_char, text: &str) {
    if let (Some(api), Ok(t)) = (ffi::api(), std::ffi::CString::new(text.replace('\0', " "))) {
        // SAFETY: mprintf copies the NUL-terminated string; SQLite frees
        // azArg[0] with sqlite3_free.
        unsafe { *args = (api.mprintf)(c"%s".as_ptr(), t.as_ptr()) };
    }
}

fn arg_text(p: *mut c_char) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: PRAGMA arguments are NUL-terminated strings.
    Some(zeroize::Zeroizing::new(
        unsafe { CStr::from_ptr(p) }.to_bytes().to_vec(),
    ))
}

pub(super) unsafe extern "C" fn x_file_control(
    file: *mut File,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    guard(|| {
        // SAFETY: SQLite passes an open file.
        let (state, io) = unsafe { parts(file) };
        match (op, &mut state.kind) {
            (ffi::FCNTL_MMAP_SIZE, _) => {
                if !arg.is_null() {
                    // SAFETY: the argument is an `i64*`.
                    unsafe { *arg.cast::<i64>() = 0 };
                }
                forward!(file, x_file_control, op, arg)
            }
            (ffi::FCNTL_SIZE_HINT, Kind::Main(_) | Kind::Temp(_)) => ffi::OK,
            (FCNTL_TRAILER, Kind::Main(m)) => match m.db.trailer_len(&io, &m.creation) {
                Ok(n) => {
                    // SAFETY: the argument is a `c_int*`.
                    unsafe { *arg.cast::<c_int>() = n as c_int };
                    ffi::OK
                }
                Err(f) => report(&f),
            },
            (FCNTL_CHECK, Kind::Main(_)) => match state.startup.take() {
                None => ffi::OK,
                Some(f) => {
                    // SAFETY: the argument is a `char**`.
                    unsafe { pragma_result(arg.cast(), &f.message) };
                    report(&f)
                }
            },
            (FCNTL_CONNECTION, Kind::Main(m)) => {
                state.connection = arg.cast();
                // With a key in the URI (or no key needed) the suite of a
                // new database is known now; otherwise PRAGMA key sets the
                // reserve (after PRAGMA cipher).
                if m.key.is_some() || m.creation.suite == pageseal_core::Suite::Checksum {
                    apply_reserve(state.connection, &mut state.reserve, m, &io);
                }
                ffi::OK
            }
            (FCNTL_KEY, Kind::Main(m)) => {
                // SAFETY: the argument is a `*const Secret` (crate API).
                let secret = unsafe { &*arg.cast::<pageseal_core::Secret<'_>>() };
                let r = m.set_key(&io, Some(Key::from_secret(secret)));
                if r.is_ok() {
                    apply_reserve(state.connection, &mut state.reserve, m, &io);
                }
                done(r)
            }
            (FCNTL_MIGRATE, Kind::Main(m)) => {
                let wal = format!("{}-wal", m.db.path.display());
                let wal_in_use = std::fs::metadata(&wal).is_ok_and(|md| md.len() > 0);
                let r = if state.lock < LOCK_EXCLUSIVE || wal_in_use {
                    Err(Failure::new(
                        ffi::ERROR,
                        "pageseal_migrate: needs the database's exclusive lock in a rollback \
                         journal mode (BEGIN EXCLUSIVE; SELECT pageseal_migrate(); COMMIT;); in \
                         WAL mode use VACUUM, which re-seals every page",
                    ))
                } else {
                    m.ready(&io).and_then(|_| m.db.migrate(&io))
                };
                match r {
                    Ok((pages, _)) => {
                        // SAFETY: the argument is an `i64*`.
                        unsafe { *arg.cast::<i64>() = pages as i64 };
                        ffi::OK
                    }
                    Err(f) => report(&f),
                }
            }
            (FCNTL_ROTATE, Kind::Main(m)) => {
                let r = m.ready(&io).and_then(|_| m.db.rotate(&io));
                match r {
                    Ok(e) => {
                        // SAFETY: the argument is an `i64*`.
                        unsafe { *arg.cast::<i64>() = i64::from(e) };
                        ffi::OK
                    }
                    Err(f) => report(&f),
                }
            }
            (ffi::FCNTL_PRAGMA, Kind::Main(m)) => {
                let args = arg.cast::<*mut c_char>();
                // SAFETY: SQLITE_FCNTL_PRAGMA passes a 3-element char* array.
                let (name, value) = unsafe { (arg_text(*args.add(1)), arg_text(*args.add(2))) };
                let name = String::from_utf8_lossy(name.as_deref().map_or(&[][..], |v| v))
                    .to_ascii_lowercase();
                let suite_before = m.creation.suite;
                let mut answer = pragma(m, &io, &name, value);
                let later = state
                    .reserve
                    .is_some_and(|r| pageseal_core::trailer_len(m.creation.suite) < r);
                if m.creation.suite != suite_before && later {
                    m.creation.suite = suite_before;
                    answer = Some(Err(Failure::new(
                        ffi::ERROR,
                        "pageseal: PRAGMA cipher: give it before the key (PRAGMA key), or use \
                         cipher= in the URI: SQLite's reserved bytes per page can only grow",
                    )));
                }
                if matches!(answer, Some(Ok(_)))
                    && matches!(name.as_str(), "key" | "hexkey" | "cipher")
                    && (name != "cipher" || state.reserve.is_some())
                {
                    apply_reserve(state.connection, &mut state.reserve, m, &io);
                }
                match answer {
                    None => forward!(file, x_file_control, op, arg),
                    Some(Ok(text)) => {
                        // SAFETY: as above.
                        unsafe { pragma_result(args, &text) };
                        ffi::OK
                    }
                    Some(Err(f)) => {
                        // SAFETY: as above.
                        unsafe { pragma_result(args, &f.message) };
                        report(&f);
                        ffi::ERROR
                    }
                }
            }
            _ => forward!(file, x_file_control, op, arg),
        }
    })
}

/// Sets the reserved bytes per page of the connection's main database to
/// its trailer (for a database not created yet; for an existing one SQLite
/// takes the reserve from page 1).
fn apply_reserve(
    connection: *mut ffi::Sqlite3,
    applied: &mut Option<usize>,
    m: &MainDb,
    io: &dyn Io,
) {
    if connection.is_null() {
        return;
    }
    let Ok(trailer) = m.db.trailer_len(io, &m.creation) else {
        return;
    };
    *applied = Some(trailer);
    if let Some(api) = ffi::api() {
        let mut reserve = trailer as c_int;
        // SAFETY: the connection hook gave this connection's handle, which
        // outlives its main database file; SQLITE_FCNTL_RESERVE_BYTES takes
        // an int in/out pointer and only records the reserve of a database
        // whose page size is not fixed yet.
        unsafe {
            (api.file_control)(
                connection,
                c"main".as_ptr(),
                ffi::FCNTL_RESERVE_BYTES,
                (&raw mut reserve).cast(),
            )
        };
    }
}
