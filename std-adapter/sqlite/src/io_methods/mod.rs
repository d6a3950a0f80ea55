//! The `sqlite3_io_methods` of the files the `pageseal` VFS opens: each
//! entry point catches panics and hands the work to the safe modules
//! (`main_db`, `wal`, `journal`, `temp`); locking, shared memory and sector
//! size go straight to SQLite's OS file; memory-mapped reads are refused.

use std::ffi::{c_int, c_void};
use std::ptr;

use crate::db::Io;
use crate::error::report;
use crate::ffi::{self, File, IoMethods};
use crate::main_db::Read;
use crate::vfs::{Kind, LOCK_RESERVED, PsFile, done, guard, lower, parts};

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
        let low = $crate::vfs::lower($file);
        // SAFETY: the lower file is open while ours is.
        match unsafe { (*(*low).methods).$m } {
            // SAFETY: as above; the arguments are SQLite's own.
            Some(f) => unsafe { f(low $(, $arg)*) },
            None => $crate::ffi::IOERR,
        }
    }};
}

mod file_control;
use file_control::x_file_control;

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
