//! The per-connection hook (an SQLite auto-extension) and the SQL
//! functions: the hook reports what went wrong at open (wrong key, a plain
//! SQLite file...) as the open's error message, sets SQLite's reserved
//! bytes per page to the trailer for a new database, and registers
//! `pageseal_last_error()`, `pageseal_rotate()` and `pageseal_reserve(suite)`.

use std::ffi::{c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use crate::ffi::{self, Api, Context, Sqlite3, Value};
use crate::vfs::{FCNTL_CHECK, FCNTL_CONNECTION, FCNTL_MIGRATE, FCNTL_ROTATE};

fn api() -> &'static Api {
    ffi::api().expect("the SQLite API table is set before any connection hook runs")
}

/// Sets a text result.
///
/// # Safety
/// `ctx` must be a live function context.
unsafe fn result_text(ctx: *mut Context, text: &str) {
    let api = api();
    // SAFETY: TRANSIENT makes SQLite copy the bytes; the length is given.
    unsafe {
        (api.result_text)(
            ctx,
            text.as_ptr().cast(),
            text.len() as c_int,
            std::mem::transmute::<isize, Option<unsafe extern "C" fn(*mut c_void)>>(ffi::TRANSIENT),
        )
    }
}

/// Sets an error result with `code`.
///
/// # Safety
/// `ctx` must be a live function context.
unsafe fn result_error(ctx: *mut Context, message: &str, code: c_int) {
    let api = api();
    // SAFETY: the message is copied by SQLite (length given).
    unsafe {
        (api.result_error)(ctx, message.as_ptr().cast(), message.len() as c_int);
        (api.result_error_code)(ctx, code);
    }
}

unsafe extern "C" fn fn_last_error(ctx: *mut Context, _n: c_int, _args: *mut *mut Value) {
    let _ = catch_unwind(|| {
        // SAFETY: SQLite calls with a live context.
        unsafe { result_text(ctx, &crate::error::last_error()) }
    });
}

unsafe extern "C" fn fn_rotate(ctx: *mut Context, _n: c_int, _args: *mut *mut Value) {
    // SAFETY: SQLite calls with a live context.
    unsafe { file_control_i64(ctx, FCNTL_ROTATE, "pageseal_rotate") }
}

unsafe extern "C" fn fn_migrate(ctx: *mut Context, _n: c_int, _args: *mut *mut Value) {
    // SAFETY: SQLite calls with a live context.
    unsafe { file_control_i64(ctx, FCNTL_MIGRATE, "pageseal_migrate") }
}

/// Runs a pageseal file control with an i64 result on the main database
/// and returns it as the function's result.
///
/// # Safety
/// `ctx` must be a live function context.
unsafe fn file_control_i64(ctx: *mut Context, op: c_int, name: &str) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let api = api();
        // SAFETY: SQLite calls with a live context.
        let db = unsafe { (api.context_db_handle)(ctx) };
        let mut epoch = 0i64;
        // SAFETY: the pageseal file controls used here take an i64 out
        // pointer.
        let rc = unsafe { (api.file_control)(db, c"main".as_ptr(), op, (&raw mut epoch).cast()) };
        if rc == ffi::OK {
            // SAFETY: live context.
            unsafe { (api.result_int64)(ctx, epoch) };
        } else {
            let message = match rc {
                ffi::NOTFOUND => {
                    format!("{name}: the main database does not use the pageseal VFS")
                }
                _ => crate::error::last_error(),
            };
            // SAFETY: live context.
            unsafe {
                result_error(
                    ctx,
                    &message,
                    if rc == ffi::NOTFOUND { ffi::ERROR } else { rc },
                )
            };
        }
    }));
}

unsafe extern "C" fn fn_reserve(ctx: *mut Context, n: c_int, args: *mut *mut Value) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let api = api();
        let suite = if n == 1 {
            // SAFETY: one argument was passed.
            let v = unsafe { *args };
            // SAFETY: `v` is a live value; text is NUL-terminated.
            let text = unsafe {
                let p = (api.value_text)(v);
                if p.is_null() {
                    String::from("auto")
                } else {
                    std::ffi::CStr::from_ptr(p.cast())
                        .to_string_lossy()
                        .into_owned()
                }
            };
            crate::keys::parse_suite(&text)
        } else {
            crate::keys::parse_suite("auto")
        };
        let suite = match suite {
            Ok(s) => s,
            // SAFETY: live context.
            Err(f) => return unsafe { result_error(ctx, &f.message, ffi::ERROR) },
        };
        let mut reserve = pageseal_core::trailer_len(suite) as c_int;
        // SAFETY: live context; RESERVE_BYTES takes an int in/out pointer.
        let rc = unsafe {
            let db = (api.context_db_handle)(ctx);
            (api.file_control)(
                db,
                c"main".as_ptr(),
                ffi::FCNTL_RESERVE_BYTES,
                (&raw mut reserve).cast(),
            )
        };
        if rc == ffi::OK {
            // SAFETY: live context.
            unsafe { (api.result_int64)(ctx, pageseal_core::trailer_len(suite) as i64) };
        } else {
            // SAFETY: live context.
            unsafe { result_error(ctx, "pageseal_reserve: SQLite refused the reserve", rc) };
        }
    }));
}

/// Registers the SQL functions on `db`.
///
/// # Safety
/// `db` must be an open connection.
unsafe fn register_functions(db: *mut Sqlite3) -> c_int {
    let api = api();
    let functions: [(&std::ffi::CStr, c_int, ffi::ScalarFn); 5] = [
        (c"pageseal_last_error", 0, fn_last_error),
        (c"pageseal_rotate", 0, fn_rotate),
        (c"pageseal_migrate", 0, fn_migrate),
        (c"pageseal_reserve", 1, fn_reserve),
        (c"pageseal_reserve", 0, fn_reserve),
    ];
    for (name, n, f) in functions {
        // SAFETY: `db` is open; the name is NUL-terminated and static.
        let rc = unsafe {
            (api.create_function_v2)(
                db,
                name.as_ptr(),
                n,
                ffi::UTF8 | ffi::DIRECTONLY,
                ptr::null_mut(),
                Some(f),
                None,
                None,
                None,
            )
        };
        if rc != ffi::OK {
            return rc;
        }
    }
    ffi::OK
}

/// The connection hook, run by SQLite for every new connection.
///
/// # Safety
/// Called by SQLite as an auto-extension entry point.
pub(crate) unsafe extern "C" fn connection_init(
    db: *mut Sqlite3,
    err: *mut *mut c_char,
    _api: *const c_void,
) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        let api = api();
        // SAFETY: SQLite passes an open connection.
        let rc = unsafe { register_functions(db) };
        if rc != ffi::OK {
            return rc;
        }
        let mut message: *mut c_char = ptr::null_mut();
        // SAFETY: FCNTL_CHECK takes a char** it fills with an mprintf
        // string; on a file that is not ours SQLite returns NOTFOUND.
        let rc = unsafe {
            (api.file_control)(db, c"main".as_ptr(), FCNTL_CHECK, (&raw mut message).cast())
        };
        if rc == ffi::NOTFOUND {
            return ffi::OK;
        }
        if rc != ffi::OK {
            if !err.is_null() {
                // SAFETY: SQLite frees *err with sqlite3_free; `message` was
                // made by sqlite3_mprintf.
                unsafe { *err = message };
            }
            return rc;
        }
        // SAFETY: FCNTL_CONNECTION takes the connection handle itself.
        unsafe { (api.file_control)(db, c"main".as_ptr(), FCNTL_CONNECTION, db) };
        ffi::OK
    }))
    .unwrap_or(ffi::ERROR)
}

/// Registers the VFS and the connection hook with `api`.
pub(crate) fn install(api: &'static Api) -> Result<(), String> {
    crate::vfs::register_vfs(api)?;
    // SAFETY: the hook has the auto-extension entry point signature,
    // passed as `void(*)(void)` as sqlite3_auto_extension expects; adding it
    // twice is a no-op.
    let rc = unsafe {
        (api.auto_extension)(Some(std::mem::transmute::<
            ffi::EntryPoint,
            unsafe extern "C" fn(),
        >(connection_init)))
    };
    if rc != ffi::OK {
        return Err(format!("sqlite3_auto_extension failed ({rc})"));
    }
    Ok(())
}

/// The loadable extension's entry point.
///
/// # Safety
/// Called by SQLite's extension loader.
pub unsafe fn extension_init(
    db: *mut Sqlite3,
    err: *mut *mut c_char,
    routines: *const c_void,
) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `routines` is the loader's pApi.
        let api = match unsafe { ffi::init_from_routines(routines) } {
            Ok(api) => api,
            Err(_) => return ffi::ERROR,
        };
        let fail = |message: String| {
            if let (false, Ok(t)) = (err.is_null(), std::ffi::CString::new(message)) {
                // SAFETY: the loader frees *err with sqlite3_free.
                unsafe { *err = (api.mprintf)(c"%s".as_ptr(), t.as_ptr()) };
            }
            ffi::ERROR
        };
        if let Err(e) = install(api) {
            return fail(format!("pageseal: {e}"));
        }
        // SAFETY: the loading connection is open.
        let rc = unsafe { register_functions(db) };
        if rc != ffi::OK {
            return rc;
        }
        ffi::OK_LOAD_PERMANENTLY
    }))
    .unwrap_or(ffi::ERROR)
}
