//! The `extern "C"` side of the VFS: the `sqlite3_vfs` registered as
//! `pageseal`, the `sqlite3_io_methods` of its files, and the calls down to
//! SQLite's default OS VFS. Every entry point catches panics, so bad input
//! never unwinds into C; all of the logic is in the safe modules.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::ptr;

use crate::db::{Db, Io};
use crate::error::{Failure, Result, report};
use crate::ffi::{self, File, IoMethods, Vfs};
use crate::io_methods::IO_METHODS;
use crate::journal::Journal;
use crate::keys;
use crate::main_db::MainDb;
use crate::temp::Temp;
use crate::wal::Wal;

/// The VFS name.
pub const VFS_NAME: &CStr = c"pageseal";

/// File control: the trailer length of the main database (`*mut c_int`).
pub const FCNTL_TRAILER: c_int = 0x7073_0001;
/// File control: the error met at open, if any (`*mut *mut c_char`, set to
/// an `sqlite3_mprintf` string).
pub const FCNTL_CHECK: c_int = 0x7073_0002;
/// File control: set the key (`*const Secret`).
pub const FCNTL_KEY: c_int = 0x7073_0003;
/// File control: start a new key epoch (`*mut i64`, set to the epoch).
pub const FCNTL_ROTATE: c_int = 0x7073_0004;
/// File control: the connection (`sqlite3*`) the main database belongs
/// to, given by the connection hook, so that `PRAGMA cipher` can set the
/// reserved bytes of a database not created yet.
pub(crate) const FCNTL_CONNECTION: c_int = 0x7073_0005;
/// File control: re-seal old pages and drop unused epochs (`*mut i64`, set
/// to the number of pages re-sealed); needs SQLite's EXCLUSIVE lock.
pub const FCNTL_MIGRATE: c_int = 0x7073_0006;

/// SQLite's lock levels (sqlite3.h).
pub(crate) const LOCK_RESERVED: c_int = 2;
pub(crate) const LOCK_EXCLUSIVE: c_int = 4;

pub(crate) enum Kind {
    Main(MainDb),
    Wal(Box<Wal>),
    Journal(Journal),
    Temp(Box<Temp>),
    Plain,
}

pub(crate) struct State {
    pub(crate) kind: Kind,
    /// An error met at open, reported by the connection hook.
    pub(crate) startup: Option<Failure>,
    /// The connection of a main database (set by the connection hook).
    pub(crate) connection: *mut ffi::Sqlite3,
    /// The reserved bytes per page set on that connection for a new
    /// database (SQLite only ever raises it).
    pub(crate) reserve: Option<usize>,
    /// SQLite's lock level on this file.
    pub(crate) lock: c_int,
}

/// Our `sqlite3_file`: the methods pointer, our state, then the OS VFS's
/// own file in the rest of the allocation.
#[repr(C)]
pub(crate) struct PsFile {
    base: File,
    pub(crate) state: *mut State,
    pub(crate) sync_flags: c_int,
}

const HEAD: usize = std::mem::size_of::<PsFile>().next_multiple_of(16);

/// The OS VFS's file, after ours.
pub(crate) fn lower(file: *mut File) -> *mut File {
    file.cast::<u8>().wrapping_add(HEAD).cast::<File>()
}

/// I/O on the OS VFS's file.
pub(crate) struct Lower {
    file: *mut File,
    path: std::sync::Arc<std::path::Path>,
    sync_flags: c_int,
}

impl Lower {
    fn methods(&self) -> &IoMethods {
        // SAFETY: `file` is an open OS-VFS file (opened by xOpen below and
        // not yet closed), so its methods pointer is valid.
        unsafe { &*(*self.file).methods }
    }
}

impl Io for Lower {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let read = self.methods().x_read.expect("xRead");
        // SAFETY: the buffer is valid for `buf.len()` bytes.
        let rc = unsafe {
            read(
                self.file,
                buf.as_mut_ptr().cast(),
                len(buf.len())?,
                offset as i64,
            )
        };
        match rc {
            ffi::OK => Ok(buf.len()),
            ffi::IOERR_SHORT_READ => {
                let size = self.size()?;
                Ok(size.saturating_sub(offset).min(buf.len() as u64) as usize)
            }
            rc => Err(Failure::io(rc, "read", &self.path)),
        }
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<()> {
        let write = self.methods().x_write.expect("xWrite");
        // SAFETY: the buffer is valid for `buf.len()` bytes.
        let rc = unsafe {
            write(
                self.file,
                buf.as_ptr().cast(),
                len(buf.len())?,
                offset as i64,
            )
        };
        check(rc, "write", &self.path)
    }
    fn size(&self) -> Result<u64> {
        let size_fn = self.methods().x_file_size.expect("xFileSize");
        let mut size = 0i64;
        // SAFETY: `size` is a valid out pointer.
        let rc = unsafe { size_fn(self.file, &mut size) };
        check(rc, "size", &self.path)?;
        Ok(size.max(0) as u64)
    }
    fn sync(&self) -> Result<()> {
        let sync = self.methods().x_sync.expect("xSync");
        // SAFETY: plain call on an open file.
        let rc = unsafe { sync(self.file, self.sync_flags) };
        check(rc, "sync", &self.path)
    }
    fn truncate(&self, size: u64) -> Result<()> {
        let truncate = self.methods().x_truncate.expect("xTruncate");
        // SAFETY: plain call on an open file.
        let rc = unsafe { truncate(self.file, size as i64) };
        check(rc, "truncate", &self.path)
    }
}

fn len(n: usize) -> Result<c_int> {
    c_int::try_from(n).map_err(|_| Failure::new(ffi::IOERR, "pageseal: I/O too large"))
}

fn check(rc: c_int, op: &str, path: &std::path::Path) -> Result<()> {
    if rc == ffi::OK {
        Ok(())
    } else {
        Err(Failure::io(rc, op, path))
    }
}

/// Runs `f`, turning a panic into SQLITE_IOERR with a message.
pub(crate) fn guard(f: impl FnOnce() -> c_int) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(rc) => rc,
        Err(_) => report(&Failure::new(
            ffi::IOERR,
            "pageseal: internal error (panic caught)",
        )),
    }
}

/// The OS VFS below ours.
fn root(vfs: *mut Vfs) -> *mut Vfs {
    // SAFETY: our VFS's app data is the root VFS pointer set at
    // registration.
    unsafe { (*vfs).p_app_data.cast() }
}

fn cstr_path(name: *const c_char) -> PathBuf {
    if name.is_null() {
        return PathBuf::new();
    }
    // SAFETY: SQLite passes NUL-terminated file names.
    let s = unsafe { CStr::from_ptr(name) };
    PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(s.to_bytes()))
}

unsafe extern "C" fn x_open(
    vfs: *mut Vfs,
    name: *const c_char,
    file: *mut File,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    guard(|| {
        // SAFETY: SQLite gives a file allocation of our szOsFile bytes.
        unsafe { (*file).methods = ptr::null() };
        let root = root(vfs);
        let low = lower(file);
        // SAFETY: `root` is the OS VFS; `low` is its szOsFile bytes inside
        // our allocation.
        let rc = unsafe { ((*root).x_open.expect("xOpen"))(root, name, low, flags, out_flags) };
        if rc != ffi::OK {
            return rc;
        }
        let path = cstr_path(name);
        let display = path.display().to_string();
        let kind = open_kind(name, flags, &path, display, low);
        let (kind, startup) = match kind {
            Ok(k) => k,
            Err(f) => {
                // SAFETY: the OS file was opened above and is closed once.
                unsafe {
                    if !(*low).methods.is_null() {
                        ((*(*low).methods).x_close.expect("xClose"))(low);
                    }
                }
                return report(&f);
            }
        };
        let state = Box::into_raw(Box::new(State {
            kind,
            startup,
            connection: ptr::null_mut(),
            reserve: None,
            lock: 0,
        }));
        let ps = file.cast::<PsFile>();
        // SAFETY: our allocation starts with a PsFile.
        unsafe {
            (*ps).state = state;
            (*ps).sync_flags = 2;
            (*file).methods = &IO_METHODS;
        }
        ffi::OK
    })
}

fn open_kind(
    name: *const c_char,
    flags: c_int,
    path: &std::path::Path,
    display: String,
    low: *mut File,
) -> Result<(Kind, Option<Failure>)> {
    let parent = || -> Result<std::sync::Arc<Db>> {
        let api =
            ffi::api().ok_or_else(|| Failure::new(ffi::CANTOPEN, "pageseal: not initialised"))?;
        // SAFETY: `name` is a WAL or journal name SQLite passed to xOpen,
        // for which sqlite3_filename_database is defined.
        let db = unsafe { (api.filename_database)(name) };
        let db_path = cstr_path(db);
        Db::find(&db_path).ok_or_else(|| {
            Failure::new(
                ffi::CANTOPEN,
                format!(
                    "pageseal: {display}: its database {} is not open",
                    db_path.display()
                ),
            )
        })
    };
    if flags & ffi::OPEN_MAIN_DB != 0 {
        let key = keys::key_from_uri(name)?;
        let creation = keys::creation_from_uri(name)?;
        let db = Db::get(path);
        let mut main = MainDb::new(db, key, creation);
        let io = Lower {
            file: low,
            path: std::sync::Arc::from(path),
            sync_flags: 2,
        };
        // Check the key (or find a plain SQLite file) now, so the
        // connection hook can say what is wrong; no key yet is not an
        // error (PRAGMA key may follow).
        let startup = match main.ready(&io) {
            Err(f) if f.code != ffi::AUTH_USER => Some(f),
            _ => None,
        };
        return Ok((Kind::Main(main), startup));
    }
    if flags & ffi::OPEN_WAL != 0 {
        return Ok((
            Kind::Wal(Box::new(Wal::new(parent()?, path.display().to_string()))),
            None,
        ));
    }
    if flags & ffi::OPEN_MAIN_JOURNAL != 0 {
        return Ok((
            Kind::Journal(Journal::new(parent()?, path.display().to_string())),
            None,
        ));
    }
    if flags
        & (ffi::OPEN_TEMP_DB
            | ffi::OPEN_TEMP_JOURNAL
            | ffi::OPEN_SUBJOURNAL
            | ffi::OPEN_TRANSIENT_DB)
        != 0
    {
        let name = if path.as_os_str().is_empty() {
            "(anonymous)".to_string()
        } else {
            path.display().to_string()
        };
        return Ok((Kind::Temp(Box::new(Temp::new(name)?)), None));
    }
    Ok((Kind::Plain, None))
}

/// The path of files whose errors name their database instead.
fn empty_path() -> std::sync::Arc<std::path::Path> {
    static EMPTY: std::sync::OnceLock<std::sync::Arc<std::path::Path>> = std::sync::OnceLock::new();
    EMPTY
        .get_or_init(|| std::sync::Arc::from(std::path::Path::new("")))
        .clone()
}

/// Our state and the lower file of an open file.
///
/// # Safety
/// `file` must be a file opened by [`x_open`] and not yet closed.
pub(crate) unsafe fn parts<'a>(file: *mut File) -> (&'a mut State, Lower) {
    let ps = file.cast::<PsFile>();
    // SAFETY: per the contract, `state` is our live Box.
    let state = unsafe { &mut *(*ps).state };
    let path = match &state.kind {
        Kind::Main(m) => m.db.shared_path.clone(),
        _ => empty_path(),
    };
    let lower = Lower {
        file: lower(file),
        path,
        // SAFETY: as above.
        sync_flags: unsafe { (*ps).sync_flags },
    };
    (state, lower)
}

pub(crate) fn done(r: Result<()>) -> c_int {
    match r {
        Ok(()) => ffi::OK,
        Err(f) => report(&f),
    }
}

macro_rules! pass_vfs {
    ($name:ident, $m:ident, ($($arg:ident: $t:ty),*) -> $r:ty, $default:expr) => {
        unsafe extern "C" fn $name(vfs: *mut Vfs $(, $arg: $t)*) -> $r {
            let root = root(vfs);
            // SAFETY: `root` is the registered OS VFS; arguments are SQLite's.
            match unsafe { (*root).$m } {
                // SAFETY: as above.
                Some(f) => unsafe { f(root $(, $arg)*) },
                None => $default,
            }
        }
    };
}

pass_vfs!(x_delete, x_delete, (name: *const c_char, sync: c_int) -> c_int, ffi::IOERR);
pass_vfs!(x_access, x_access, (name: *const c_char, flags: c_int, out: *mut c_int) -> c_int, ffi::IOERR);
pass_vfs!(x_full_pathname, x_full_pathname, (name: *const c_char, n: c_int, out: *mut c_char) -> c_int, ffi::IOERR);
pass_vfs!(x_dl_open, x_dl_open, (name: *const c_char) -> *mut c_void, ptr::null_mut());
pass_vfs!(x_dl_error, x_dl_error, (n: c_int, out: *mut c_char) -> (), ());
pass_vfs!(x_dl_sym, x_dl_sym, (h: *mut c_void, name: *const c_char) -> Option<unsafe extern "C" fn()>, None);
pass_vfs!(x_dl_close, x_dl_close, (h: *mut c_void) -> (), ());
pass_vfs!(x_randomness, x_randomness, (n: c_int, out: *mut c_char) -> c_int, 0);
pass_vfs!(x_sleep, x_sleep, (us: c_int) -> c_int, 0);
pass_vfs!(x_current_time, x_current_time, (out: *mut f64) -> c_int, ffi::ERROR);
pass_vfs!(x_get_last_error, x_get_last_error, (n: c_int, out: *mut c_char) -> c_int, 0);
pass_vfs!(x_current_time_int64, x_current_time_int64, (out: *mut i64) -> c_int, ffi::ERROR);

/// Registers the `pageseal` VFS over the default VFS (once per process).
pub(crate) fn register_vfs(api: &ffi::Api) -> std::result::Result<(), String> {
    // SAFETY: vfs_find with a NUL-terminated name.
    if !unsafe { (api.vfs_find)(VFS_NAME.as_ptr()) }.is_null() {
        return Ok(());
    }
    // SAFETY: a null name asks for the default VFS.
    let root = unsafe { (api.vfs_find)(ptr::null()) };
    if root.is_null() {
        return Err("SQLite has no default VFS".into());
    }
    // SAFETY: `root` is a registered VFS.
    let (root_size, mx_path) = unsafe { ((*root).sz_os_file, (*root).mx_pathname) };
    let vfs = Box::leak(Box::new(Vfs {
        i_version: 2,
        sz_os_file: (HEAD as c_int) + root_size,
        mx_pathname: mx_path,
        p_next: ptr::null_mut(),
        z_name: VFS_NAME.as_ptr(),
        p_app_data: root.cast(),
        x_open: Some(x_open),
        x_delete: Some(x_delete),
        x_access: Some(x_access),
        x_full_pathname: Some(x_full_pathname),
        x_dl_open: Some(x_dl_open),
        x_dl_error: Some(x_dl_error),
        x_dl_sym: Some(x_dl_sym),
        x_dl_close: Some(x_dl_close),
        x_randomness: Some(x_randomness),
        x_sleep: Some(x_sleep),
        x_current_time: Some(x_current_time),
        x_get_last_error: Some(x_get_last_error),
        x_current_time_int64: Some(x_current_time_int64),
        x_set_system_call: None,
        x_get_system_call: None,
        x_next_system_call: None,
    }));
    // SAFETY: the VFS struct lives for the rest of the process.
    let rc = unsafe { (api.vfs_register)(vfs, 0) };
    if rc != ffi::OK {
        return Err(format!("sqlite3_vfs_register failed ({rc})"));
    }
    Ok(())
}
