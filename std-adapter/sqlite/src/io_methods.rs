//! The `sqlite3_io_methods` of the files the `pageseal` VFS opens: each
//! entry point catches panics and hands the work to the safe modules
//! (`main_db`, `wal`, `journal`, `temp`); locking, shared memory and sector
//! size go straight to SQLite's OS file; memory-mapped reads are refused.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;

use crate::db::Io;
use crate::error::{Failure, report};
use crate::ffi::{self, File, IoMethods};
use crate::keys::Key;
use crate::main_db::{MainDb, Read};
use crate::pragma::pragma;
use crate::vfs::{
    FCNTL_CHECK, FCNTL_CONNECTION, FCNTL_KEY, FCNTL_MIGRATE, FCNTL_ROTATE, FCNTL_TRAILER, Kind,
    LOCK_EXCLUSIVE, LOCK_RESERVED, PsFile, done, guard, lower, parts,
};

unsafe extern "C" fn x_close(file: *mut File) -> c_int {
    guard(|| {
        let ps = file.cast::<PsFile>();
        // SAFETY: SQLite closes a file once; the OS file is closed first
        // (releasing its locks), then our state is freed once.
        unsafe {
            let low = lower(file);
            let rc = if (*low).methods.is_null() {
                ffi::OK
            } else {
                ((*(*low).methods).x_close.expect("xClose"))(low)
            };
            if !(*ps).state.is_null() {
                drop(Box::from_raw((*ps).state));
                (*ps).state = ptr::null_mut();
            }
            rc
        }
    })
}

unsafe extern "C" fn x_read(file: *mut File, buf: *mut c_void, amt: c_int, offset: i64) -> c_int {
    guard(|| {
        // SAFETY: SQLite passes an open file and a buffer of `amt` bytes.
        let (state, io) = unsafe { parts(file) };
        // SAFETY: as above.
        let buf = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), amt.max(0) as usize) };
        let offset = offset.max(0) as u64;
        let full = match &mut state.kind {
            Kind::Main(m) => m.read(&io, offset, buf).map(|r| r == Read::Full),
            Kind::Wal(w) => w.read(&io, offset, buf),
            Kind::Journal(j) => j.read(&io, offset, buf),
            Kind::Temp(t) => t.read(&io, offset, buf),
            Kind::Plain => io.read_at(offset, buf).map(|n| {
                buf[n..].fill(0);
                n == buf.len()
            }),
        };
        match full {
            Ok(true) => ffi::OK,
            Ok(false) => ffi::IOERR_SHORT_READ,
            Err(f) => report(&f),
        }
    })
}

unsafe extern "C" fn x_write(
    file: *mut File,
    buf: *const c_void,
    amt: c_int,
    offset: i64,
) -> c_int {
    guard(|| {
        // SAFETY: SQLite passes an open file and a buffer of `amt` bytes.
        let (state, io) = unsafe { parts(file) };
        // SAFETY: as above.
        let buf = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), amt.max(0) as usize) };
        let offset = offset.max(0) as u64;
        done(match &mut state.kind {
            Kind::Main(m) => m.write(&io, offset, buf),
            Kind::Wal(w) => w.write(&io, offset, buf),
            Kind::Journal(j) => j.write(&io, offset, buf),
            Kind::Temp(t) => t.write(&io, offset, buf),
            Kind::Plain => io.write_at(offset, buf),
        })
    })
}

unsafe extern "C" fn x_truncate(file: *mut File, size: i64) -> c_int {
    guard(|| {
        // SAFETY: SQLite passes an open file.
        let (state, io) = unsafe { parts(file) };
        let size = size.max(0) as u64;
        done(match &mut state.kind {
            Kind::Main(m) => m.truncate(&io, size),
            Kind::Wal(w) => w.truncate(&io, size),
            Kind::Temp(t) => t.truncate(&io, size),
            Kind::Journal(_) | Kind::Plain => io.truncate(size),
        })
    })
}

unsafe extern "C" fn x_sync(file: *mut File, flags: c_int) -> c_int {
    guard(|| {
        // SAFETY: SQLite passes an open file.
        unsafe { (*file.cast::<PsFile>()).sync_flags = flags };
        // SAFETY: as above.
        let (state, io) = unsafe { parts(file) };
        done(match &mut state.kind {
            Kind::Main(m) => m.sync(&io),
            _ => io.sync(),
        })
    })
}

unsafe extern "C" fn x_file_size(file: *mut File, out: *mut i64) -> c_int {
    guard(|| {
        // SAFETY: SQLite passes an open file.
        let (state, io) = unsafe { parts(file) };
        let size = match &mut state.kind {
            Kind::Main(m) => m.size(&io),
            Kind::Temp(t) => Ok(t.size()),
            _ => io.size(),
        };
        match size {
            Ok(s) => {
                // SAFETY: `out` is SQLite's out pointer.
                unsafe { *out = s as i64 };
                ffi::OK
            }
            Err(f) => report(&f),
        }
    })
}

/// Forwards a call to the lower file's method `m`.
macro_rules! forward {
    ($file:expr, $m:ident $(, $arg:expr)*) => {{
        let low = lower($file);
        // SAFETY: the lower file is open while ours is.
        match unsafe { (*(*low).methods).$m } {
            // SAFETY: as above; the arguments are SQLite's own.
            Some(f) => unsafe { f(low $(, $arg)*) },
            None => ffi::IOERR,
        }
    }};
}

unsafe extern "C" fn x_lock(file: *mut File, level: c_int) -> c_int {
    let rc = forward!(file, x_lock, level);
    if rc != ffi::OK {
        return rc;
    }
    guard(|| {
        // SAFETY: SQLite passes an open file.
        let (state, io) = unsafe { parts(file) };
        let before = std::mem::replace(&mut state.lock, level);
        // A write transaction starts: see another process's header change
        // (an epoch dropped by pageseal_migrate) before sealing anything.
        if let Kind::Main(m) = &state.kind
            && before < LOCK_RESERVED
            && level >= LOCK_RESERVED
            && let Err(f) = m.db.refresh_if_changed(&io)
        {
            // SQLite must not believe it failed to lock what it holds:
            // give the lock back before reporting.
            let low = lower(file);
            // SAFETY: the lower file is open while ours is.
            if let Some(unlock) = unsafe { (*(*low).methods).x_unlock } {
                // SAFETY: as above; `before` is the level held before.
                unsafe { unlock(low, before) };
                state.lock = before;
            }
            return report(&f);
        }
        ffi::OK
    })
}
unsafe extern "C" fn x_unlock(file: *mut File, level: c_int) -> c_int {
    let rc = forward!(file, x_unlock, level);
    if rc == ffi::OK {
        let ps = file.cast::<PsFile>();
        // SAFETY: SQLite passes an open file; `state` is our live Box.
        unsafe {
            if !(*ps).state.is_null() {
                (*(*ps).state).lock = level;
            }
        }
    }
    rc
}
unsafe extern "C" fn x_check_reserved_lock(file: *mut File, out: *mut c_int) -> c_int {
    forward!(file, x_check_reserved_lock, out)
}
unsafe extern "C" fn x_sector_size(file: *mut File) -> c_int {
    forward!(file, x_sector_size)
}
unsafe extern "C" fn x_device_characteristics(file: *mut File) -> c_int {
    // SQLite then never splits a WAL frame write at a sector boundary.
    forward!(file, x_device_characteristics) | ffi::IOCAP_POWERSAFE_OVERWRITE
}
unsafe extern "C" fn x_shm_map(
    file: *mut File,
    region: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    forward!(file, x_shm_map, region, size, extend, out)
}
unsafe extern "C" fn x_shm_lock(file: *mut File, offset: c_int, n: c_int, flags: c_int) -> c_int {
    forward!(file, x_shm_lock, offset, n, flags)
}
unsafe extern "C" fn x_shm_barrier(file: *mut File) {
    let low = lower(file);
    // SAFETY: the lower file is open while ours is.
    if let Some(f) = unsafe { (*(*low).methods).x_shm_barrier } {
        // SAFETY: as above.
        unsafe { f(low) }
    }
}
unsafe extern "C" fn x_shm_unmap(file: *mut File, delete: c_int) -> c_int {
    forward!(file, x_shm_unmap, delete)
}
/// Memory-mapped reads are refused: no plaintext page is mapped from disk.
unsafe extern "C" fn x_fetch(
    _file: *mut File,
    _offset: i64,
    _amt: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: `out` is SQLite's out pointer.
    unsafe { *out = ptr::null_mut() };
    ffi::OK
}
unsafe extern "C" fn x_unfetch(_file: *mut File, _offset: i64, _p: *mut c_void) -> c_int {
    ffi::OK
}

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

unsafe extern "C" fn x_file_control(file: *mut File, op: c_int, arg: *mut c_void) -> c_int {
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

/// The methods of every file the VFS opens.
pub(crate) static IO_METHODS: IoMethods = IoMethods {
    i_version: 3,
    x_close: Some(x_close),
    x_read: Some(x_read),
    x_write: Some(x_write),
    x_truncate: Some(x_truncate),
    x_sync: Some(x_sync),
    x_file_size: Some(x_file_size),
    x_lock: Some(x_lock),
    x_unlock: Some(x_unlock),
    x_check_reserved_lock: Some(x_check_reserved_lock),
    x_file_control: Some(x_file_control),
    x_sector_size: Some(x_sector_size),
    x_device_characteristics: Some(x_device_characteristics),
    x_shm_map: Some(x_shm_map),
    x_shm_lock: Some(x_shm_lock),
    x_shm_barrier: Some(x_shm_barrier),
    x_shm_unmap: Some(x_shm_unmap),
    x_fetch: Some(x_fetch),
    x_unfetch: Some(x_unfetch),
};
