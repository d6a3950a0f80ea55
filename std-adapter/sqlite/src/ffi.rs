//! The C side of SQLite that the VFS needs: the VFS and file structs (laid
//! out as in `sqlite3.h`), the constants used, and the few API functions
//! called, reached through one table.
//!
//! The table is filled once: from the linked (bundled) SQLite in the rlib
//! build, or from the `sqlite3_api_routines` a host passes to a loadable
//! extension — so one source serves both builds, and the extension links
//! no SQLite of its own.

// Each transmute's target is the type of the `Api` field it fills.
#![allow(clippy::missing_transmute_annotations)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::OnceLock;

/// `sqlite3` (opaque).
pub type Sqlite3 = c_void;
/// `sqlite3_context` (opaque).
pub type Context = c_void;
/// `sqlite3_value` (opaque).
pub type Value = c_void;
/// `sqlite3_int64`.
pub type I64 = i64;

/// `sqlite3_file`.
#[repr(C)]
pub struct File {
    /// The methods of the open file.
    pub methods: *const IoMethods,
}

/// `sqlite3_io_methods` (version 3).
#[repr(C)]
pub struct IoMethods {
    pub i_version: c_int,
    pub x_close: Option<unsafe extern "C" fn(*mut File) -> c_int>,
    pub x_read: Option<unsafe extern "C" fn(*mut File, *mut c_void, c_int, I64) -> c_int>,
    pub x_write: Option<unsafe extern "C" fn(*mut File, *const c_void, c_int, I64) -> c_int>,
    pub x_truncate: Option<unsafe extern "C" fn(*mut File, I64) -> c_int>,
    pub x_sync: Option<unsafe extern "C" fn(*mut File, c_int) -> c_int>,
    pub x_file_size: Option<unsafe extern "C" fn(*mut File, *mut I64) -> c_int>,
    pub x_lock: Option<unsafe extern "C" fn(*mut File, c_int) -> c_int>,
    pub x_unlock: Option<unsafe extern "C" fn(*mut File, c_int) -> c_int>,
    pub x_check_reserved_lock: Option<unsafe extern "C" fn(*mut File, *mut c_int) -> c_int>,
    pub x_file_control: Option<unsafe extern "C" fn(*mut File, c_int, *mut c_void) -> c_int>,
    pub x_sector_size: Option<unsafe extern "C" fn(*mut File) -> c_int>,
    pub x_device_characteristics: Option<unsafe extern "C" fn(*mut File) -> c_int>,
    pub x_shm_map:
        Option<unsafe extern "C" fn(*mut File, c_int, c_int, c_int, *mut *mut c_void) -> c_int>,
    pub x_shm_lock: Option<unsafe extern "C" fn(*mut File, c_int, c_int, c_int) -> c_int>,
    pub x_shm_barrier: Option<unsafe extern "C" fn(*mut File)>,
    pub x_shm_unmap: Option<unsafe extern "C" fn(*mut File, c_int) -> c_int>,
    pub x_fetch: Option<unsafe extern "C" fn(*mut File, I64, c_int, *mut *mut c_void) -> c_int>,
    pub x_unfetch: Option<unsafe extern "C" fn(*mut File, I64, *mut c_void) -> c_int>,
}

/// `sqlite3_vfs` (version 3).
#[repr(C)]
pub struct Vfs {
    pub i_version: c_int,
    pub sz_os_file: c_int,
    pub mx_pathname: c_int,
    pub p_next: *mut Vfs,
    pub z_name: *const c_char,
    pub p_app_data: *mut c_void,
    pub x_open: Option<
        unsafe extern "C" fn(*mut Vfs, *const c_char, *mut File, c_int, *mut c_int) -> c_int,
    >,
    pub x_delete: Option<unsafe extern "C" fn(*mut Vfs, *const c_char, c_int) -> c_int>,
    pub x_access: Option<unsafe extern "C" fn(*mut Vfs, *const c_char, c_int, *mut c_int) -> c_int>,
    pub x_full_pathname:
        Option<unsafe extern "C" fn(*mut Vfs, *const c_char, c_int, *mut c_char) -> c_int>,
    pub x_dl_open: Option<unsafe extern "C" fn(*mut Vfs, *const c_char) -> *mut c_void>,
    pub x_dl_error: Option<unsafe extern "C" fn(*mut Vfs, c_int, *mut c_char)>,
    pub x_dl_sym: Option<
        unsafe extern "C" fn(
            *mut Vfs,
            *mut c_void,
            *const c_char,
        ) -> Option<unsafe extern "C" fn()>,
    >,
    pub x_dl_close: Option<unsafe extern "C" fn(*mut Vfs, *mut c_void)>,
    pub x_randomness: Option<unsafe extern "C" fn(*mut Vfs, c_int, *mut c_char) -> c_int>,
    pub x_sleep: Option<unsafe extern "C" fn(*mut Vfs, c_int) -> c_int>,
    pub x_current_time: Option<unsafe extern "C" fn(*mut Vfs, *mut f64) -> c_int>,
    pub x_get_last_error: Option<unsafe extern "C" fn(*mut Vfs, c_int, *mut c_char) -> c_int>,
    pub x_current_time_int64: Option<unsafe extern "C" fn(*mut Vfs, *mut I64) -> c_int>,
    pub x_set_system_call:
        Option<unsafe extern "C" fn(*mut Vfs, *const c_char, *mut c_void) -> c_int>,
    pub x_get_system_call: Option<unsafe extern "C" fn(*mut Vfs, *const c_char) -> *mut c_void>,
    pub x_next_system_call: Option<unsafe extern "C" fn(*mut Vfs, *const c_char) -> *const c_char>,
}

pub const OK: c_int = 0;
pub const ERROR: c_int = 1;
pub const NOTFOUND: c_int = 12;
pub const CANTOPEN: c_int = 14;
pub const AUTH: c_int = 23;
pub const NOTADB: c_int = 26;
pub const IOERR: c_int = 10;
pub const IOERR_SHORT_READ: c_int = IOERR | (2 << 8);
pub const IOERR_WRITE: c_int = IOERR | (3 << 8);
pub const IOERR_DATA: c_int = IOERR | (32 << 8);
pub const AUTH_USER: c_int = AUTH | (1 << 8);
pub const OK_LOAD_PERMANENTLY: c_int = 256;

pub const OPEN_MAIN_DB: c_int = 0x0000_0100;
pub const OPEN_TEMP_DB: c_int = 0x0000_0200;
pub const OPEN_TRANSIENT_DB: c_int = 0x0000_0400;
pub const OPEN_MAIN_JOURNAL: c_int = 0x0000_0800;
pub const OPEN_TEMP_JOURNAL: c_int = 0x0000_1000;
pub const OPEN_SUBJOURNAL: c_int = 0x0000_2000;
pub const OPEN_WAL: c_int = 0x0008_0000;

pub const FCNTL_SIZE_HINT: c_int = 5;
pub const FCNTL_PRAGMA: c_int = 14;
pub const FCNTL_MMAP_SIZE: c_int = 18;
pub const FCNTL_RESERVE_BYTES: c_int = 38;
pub const IOCAP_POWERSAFE_OVERWRITE: c_int = 0x0000_1000;

pub const UTF8: c_int = 1;
pub const DIRECTONLY: c_int = 0x0008_0000;
/// `SQLITE_TRANSIENT`: SQLite copies the text.
pub const TRANSIENT: isize = -1;

/// An extension or auto-extension entry point.
pub type EntryPoint = unsafe extern "C" fn(*mut Sqlite3, *mut *mut c_char, *const c_void) -> c_int;
/// A scalar SQL function.
pub type ScalarFn = unsafe extern "C" fn(*mut Context, c_int, *mut *mut Value);

/// The SQLite functions the VFS calls.
#[allow(clippy::type_complexity)]
pub struct Api {
    pub vfs_find: unsafe extern "C" fn(*const c_char) -> *mut Vfs,
    pub vfs_register: unsafe extern "C" fn(*mut Vfs, c_int) -> c_int,
    pub log: unsafe extern "C" fn(c_int, *const c_char, ...),
    pub mprintf: unsafe extern "C" fn(*const c_char, ...) -> *mut c_char,
    pub uri_parameter: unsafe extern "C" fn(*const c_char, *const c_char) -> *const c_char,
    pub filename_database: unsafe extern "C" fn(*const c_char) -> *const c_char,
    pub file_control:
        unsafe extern "C" fn(*mut Sqlite3, *const c_char, c_int, *mut c_void) -> c_int,
    pub auto_extension: unsafe extern "C" fn(Option<unsafe extern "C" fn()>) -> c_int,
    pub create_function_v2: unsafe extern "C" fn(
        *mut Sqlite3,
        *const c_char,
        c_int,
        c_int,
        *mut c_void,
        Option<ScalarFn>,
        Option<ScalarFn>,
        Option<unsafe extern "C" fn(*mut Context)>,
        Option<unsafe extern "C" fn(*mut c_void)>,
    ) -> c_int,
    pub result_text: unsafe extern "C" fn(
        *mut Context,
        *const c_char,
        c_int,
        Option<unsafe extern "C" fn(*mut c_void)>,
    ),
    pub result_error: unsafe extern "C" fn(*mut Context, *const c_char, c_int),
    pub result_error_code: unsafe extern "C" fn(*mut Context, c_int),
    pub result_int64: unsafe extern "C" fn(*mut Context, I64),
    pub value_text: unsafe extern "C" fn(*mut Value) -> *const u8,
    pub context_db_handle: unsafe extern "C" fn(*mut Context) -> *mut Sqlite3,
}

static API: OnceLock<Api> = OnceLock::new();

/// The API table (set by [`init_linked`] or [`init_from_routines`]).
pub fn api() -> Option<&'static Api> {
    API.get()
}

/// Fills the table from the linked SQLite.
#[cfg(feature = "bundled")]
pub fn init_linked() -> &'static Api {
    use libsqlite3_sys as s;
    // SAFETY: every pointer below is a function of the linked SQLite whose
    // C signature matches the field's type (pointers to the opaque structs
    // are passed through as `c_void`, the VFS structs are laid out as in
    // sqlite3.h); transmuting a function pointer to a pointer-compatible
    // signature is sound.
    API.get_or_init(|| unsafe {
        Api {
            vfs_find: std::mem::transmute::<*const (), _>(s::sqlite3_vfs_find as *const ()),
            vfs_register: std::mem::transmute::<*const (), _>(s::sqlite3_vfs_register as *const ()),
            log: std::mem::transmute::<*const (), _>(s::sqlite3_log as *const ()),
            mprintf: std::mem::transmute::<*const (), _>(s::sqlite3_mprintf as *const ()),
            uri_parameter: std::mem::transmute::<*const (), _>(
                s::sqlite3_uri_parameter as *const (),
            ),
            filename_database: std::mem::transmute::<*const (), _>(
                s::sqlite3_filename_database as *const (),
            ),
            file_control: std::mem::transmute::<*const (), _>(s::sqlite3_file_control as *const ()),
            auto_extension: std::mem::transmute::<*const (), _>(
                s::sqlite3_auto_extension as *const (),
            ),
            create_function_v2: std::mem::transmute::<*const (), _>(
                s::sqlite3_create_function_v2 as *const (),
            ),
            result_text: std::mem::transmute::<*const (), _>(s::sqlite3_result_text as *const ()),
            result_error: std::mem::transmute::<*const (), _>(s::sqlite3_result_error as *const ()),
            result_error_code: std::mem::transmute::<*const (), _>(
                s::sqlite3_result_error_code as *const (),
            ),
            result_int64: std::mem::transmute::<*const (), _>(s::sqlite3_result_int64 as *const ()),
            value_text: std::mem::transmute::<*const (), _>(s::sqlite3_value_text as *const ()),
            context_db_handle: std::mem::transmute::<*const (), _>(
                s::sqlite3_context_db_handle as *const (),
            ),
        }
    })
}

/// Positions of the functions used in `struct sqlite3_api_routines`
/// (sqlite3ext.h; the struct only ever grows at its end). Every field is a
/// pointer, so field `i` is at `i * size_of::<*const ()>()`.
mod slot {
    pub const LIBVERSION_NUMBER: usize = 67;
    pub const MPRINTF: usize = 69;
    pub const RESULT_ERROR: usize = 80;
    pub const RESULT_INT64: usize = 83;
    pub const RESULT_TEXT: usize = 85;
    pub const VALUE_TEXT: usize = 109;
    pub const FILE_CONTROL: usize = 127;
    pub const VFS_FIND: usize = 141;
    pub const VFS_REGISTER: usize = 142;
    pub const RESULT_ERROR_CODE: usize = 146;
    pub const CONTEXT_DB_HANDLE: usize = 149;
    pub const CREATE_FUNCTION_V2: usize = 162;
    pub const LOG: usize = 167;
    pub const URI_PARAMETER: usize = 189;
    pub const AUTO_EXTENSION: usize = 192;
    pub const FILENAME_DATABASE: usize = 246;
}

/// The oldest SQLite whose API table has every slot used (3.31.0 added
/// `sqlite3_filename_database`).
pub const MIN_VERSION: c_int = 3_031_000;

/// Fills the table from the `sqlite3_api_routines` a host passed to an
/// extension entry point. Fails (with a message) on a SQLite too old.
///
/// # Safety
/// `routines` must be the `pApi` argument SQLite passed to an extension
/// entry point (or null).
pub unsafe fn init_from_routines(routines: *const c_void) -> Result<&'static Api, String> {
    if routines.is_null() {
        return Err("no SQLite API table was passed to the extension".into());
    }
    let table = routines.cast::<*const ()>();
    // SAFETY: the caller passes SQLite's API table, an array of function
    // pointers at least up to `libversion_number`, present since 3.3.
    let get = |i: usize| unsafe { *table.add(i) };
    let version_fn = get(slot::LIBVERSION_NUMBER);
    if version_fn.is_null() {
        return Err("the SQLite API table has no libversion_number".into());
    }
    // SAFETY: slot 67 is `int (*libversion_number)(void)`.
    let version =
        unsafe { std::mem::transmute::<*const (), extern "C" fn() -> c_int>(version_fn)() };
    if version < MIN_VERSION {
        return Err(format!(
            "pageseal needs SQLite 3.31.0 or newer, this is {}.{}.{}",
            version / 1_000_000,
            version / 1000 % 1000,
            version % 1000
        ));
    }
    // SAFETY: the version check guarantees every slot below exists; each
    // holds the function named, whose C signature matches the field.
    let api = unsafe {
        Api {
            vfs_find: std::mem::transmute::<*const (), _>(get(slot::VFS_FIND)),
            vfs_register: std::mem::transmute::<*const (), _>(get(slot::VFS_REGISTER)),
            log: std::mem::transmute::<*const (), _>(get(slot::LOG)),
            mprintf: std::mem::transmute::<*const (), _>(get(slot::MPRINTF)),
            uri_parameter: std::mem::transmute::<*const (), _>(get(slot::URI_PARAMETER)),
            filename_database: std::mem::transmute::<*const (), _>(get(slot::FILENAME_DATABASE)),
            file_control: std::mem::transmute::<*const (), _>(get(slot::FILE_CONTROL)),
            auto_extension: std::mem::transmute::<*const (), _>(get(slot::AUTO_EXTENSION)),
            create_function_v2: std::mem::transmute::<*const (), _>(get(slot::CREATE_FUNCTION_V2)),
            result_text: std::mem::transmute::<*const (), _>(get(slot::RESULT_TEXT)),
            result_error: std::mem::transmute::<*const (), _>(get(slot::RESULT_ERROR)),
            result_error_code: std::mem::transmute::<*const (), _>(get(slot::RESULT_ERROR_CODE)),
            result_int64: std::mem::transmute::<*const (), _>(get(slot::RESULT_INT64)),
            value_text: std::mem::transmute::<*const (), _>(get(slot::VALUE_TEXT)),
            context_db_handle: std::mem::transmute::<*const (), _>(get(slot::CONTEXT_DB_HANDLE)),
        }
    };
    Ok(API.get_or_init(|| api))
}
