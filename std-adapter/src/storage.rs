//! Where page files live: the [`Storage`] trait (positional reads and
//! writes, flushes, a writers' lock), its `std::fs::File` implementation,
//! and replacing a file atomically (write a temporary file, flush it,
//! rename it over the target, flush the directory).
//!
//! Test hook, in builds with debug assertions only (the test profile):
//! `PAGESEAL_TEST_CRASH_AT=N` in the environment aborts the process just
//! before its N-th durable step (write, flush, rename), so tests can check
//! that a crash at any point leaves a file that opens in its old or its new
//! state. Release builds do not contain it.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What a page file needs of the place it lives: positional reads and
/// writes, a flush to stable storage, the length, and an exclusive lock
/// for writers. `std::fs::File` is the production implementation;
/// [`MemStorage`](crate::MemStorage) is an in-memory one for tests that can
/// cut power at any byte.
///
/// Implementations are shared between threads: reads and writes of
/// different ranges may run at once.
pub trait Storage: Send + Sync {
    /// Reads up to `buf.len()` bytes at `offset`; fewer only at the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
    /// Writes all of `buf` at `offset`, extending the storage if needed.
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()>;
    /// Makes every completed write durable.
    fn flush(&self) -> io::Result<()>;
    /// The length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// Whether the storage is empty.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
    /// Takes the writers' exclusive lock without waiting: `Ok(false)`
    /// when another holder has it. Held until the storage is dropped.
    fn try_lock(&self) -> io::Result<bool>;
}

impl Storage for File {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            match pos::read_at(self, &mut buf[done..], offset + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        crash_point();
        pos::write_all_at(self, buf, offset)
    }
    fn flush(&self) -> io::Result<()> {
        crash_point();
        self.sync_data()
    }
    fn len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn try_lock(&self) -> io::Result<bool> {
        match File::try_lock(self) {
            Ok(()) => Ok(true),
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// Reads exactly `buf.len()` bytes at `offset`.
pub(crate) fn read_at<S: Storage + ?Sized>(
    storage: &S,
    path: &Path,
    offset: u64,
    buf: &mut [u8],
) -> Result<()> {
    match storage.read_at(offset, buf) {
        Ok(n) if n == buf.len() => Ok(()),
        Ok(_) => Err(Error::io("read", path, io::ErrorKind::UnexpectedEof.into())),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// Reads up to `buf.len()` bytes at `offset`, returning how many were read.
pub(crate) fn read_up_to<S: Storage + ?Sized>(
    storage: &S,
    path: &Path,
    offset: u64,
    buf: &mut [u8],
) -> Result<usize> {
    storage
        .read_at(offset, buf)
        .map_err(|e| Error::io("read", path, e))
}

/// Writes all of `buf` at `offset`.
pub(crate) fn write_at<S: Storage + ?Sized>(
    storage: &S,
    path: &Path,
    offset: u64,
    buf: &[u8],
) -> Result<()> {
    storage
        .write_at(offset, buf)
        .map_err(|e| Error::io("write", path, e))
}

/// Flushes the storage's data to stable storage.
pub(crate) fn flush<S: Storage + ?Sized>(storage: &S, path: &Path) -> Result<()> {
    storage.flush().map_err(|e| Error::io("flush", path, e))
}

/// Takes the writers' lock or fails with [`Error::InUse`].
pub(crate) fn lock<S: Storage + ?Sized>(storage: &S, path: &Path) -> Result<()> {
    match storage.try_lock() {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::InUse { path: path.into() }),
        Err(e) => Err(Error::io("lock", path, e)),
    }
}

/// Refuses a file with more than one hard link: replacing it by rename
/// would leave the other names on the old contents (and the old key).
pub(crate) fn refuse_hard_links(file: &File, path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let links = file
            .metadata()
            .map_err(|e| Error::io("stat", path, e))?
            .nlink();
        if links > 1 {
            return Err(Error::io(
                "replace",
                path,
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "the file has {links} hard links; replacing it would leave the \
                         others on the old key (copy it to a file of its own first)"
                    ),
                ),
            ));
        }
    }
    let _ = (file, path);
    Ok(())
}

/// Creates `path` (which must not exist) and builds something on it with
/// `build`; if that fails, the new file is removed, so a failed creation
/// leaves nothing behind.
pub(crate) fn create_new<T>(path: &Path, build: impl FnOnce(File) -> Result<T>) -> Result<T> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io("create", path, e))?;
    let made = build(file);
    if made.is_err() {
        let _ = std::fs::remove_file(path);
    }
    made
}

/// Opens an existing regular file for reading, and for writing when
/// `write`. A FIFO, device or directory is refused before it is opened (a
/// FIFO would block forever, a device may never end).
pub fn open_regular(path: &Path, write: bool) -> Result<File> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("open", path, e))?;
    if !meta.is_file() {
        return Err(Error::io(
            "open",
            path,
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file (pipes, devices and directories are not supported)",
            ),
        ));
    }
    OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)
        .map_err(|e| Error::io("open", path, e))
}

/// Temporary files this process is writing, for [`remove_temp_files`].
static TEMPS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn temps() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMPS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes every temporary file this process is writing next to a target
/// (an unseal's holds plaintext). For a signal handler that is about to
/// end the process: a later write to a removed file goes nowhere.
pub fn remove_temp_files() {
    for path in temps().drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

/// A file being written next to `target`, renamed over it by
/// [`Replacement::commit`] and deleted if dropped before that.
pub(crate) struct Replacement {
    target: PathBuf,
    temp: PathBuf,
    file: Option<File>,
}

impl Replacement {
    /// Creates the temporary file (mode 0600 on Unix: it may hold key
    /// material or, for unseal, plaintext).
    pub(crate) fn new(target: &Path) -> Result<Replacement> {
        let name = target
            .file_name()
            .ok_or_else(|| Error::io("create", target, std::io::Error::other("not a file name")))?;
        let mut random = [0u8; 8];
        crate::random::fill_random(&mut random)?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(
            ".pageseal-{}-{:016x}.tmp",
            std::process::id(),
            u64::from_le_bytes(random)
        ));
        let temp = target.with_file_name(temp_name);
        remove_stale_temps(target);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // Name the target in the error: the user never asked for `temp`.
        let file = options
            .open(&temp)
            .map_err(|e| Error::io("create", target, e))?;
        temps().push(temp.clone());
        Ok(Replacement {
            target: target.to_path_buf(),
            temp,
            file: Some(file),
        })
    }

    /// Gives the temporary file the owner, group and permission bits of
    /// `original`, so that replacing a file changes neither who owns it nor
    /// who may read it. Owner and group are set only where they differ
    /// (root rotating another user's file); a process that may not set
    /// them gets an error rather than a file that changed hands.
    pub(crate) fn keep_owner_and_mode_of(&self, original: &Path) -> Result<()> {
        let meta = std::fs::metadata(original).map_err(|e| Error::io("stat", original, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let file = self.file();
            let mine = file
                .metadata()
                .map_err(|e| Error::io("stat", &self.temp, e))?;
            if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
                std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()))
                    .map_err(|e| Error::io("set the owner of", &self.temp, e))?;
            }
        }
        std::fs::set_permissions(&self.temp, meta.permissions())
            .map_err(|e| Error::io("set permissions of", &self.temp, e))
    }

    /// The temporary file.
    pub(crate) fn file(&self) -> &File {
        self.file.as_ref().expect("present until commit")
    }

    /// The temporary file's path (for error messages).
    pub(crate) fn path(&self) -> &Path {
        &self.temp
    }

    /// Flushes the temporary file, renames it over the target and flushes
    /// the directory, so that after a crash the target is either wholly old
    /// or wholly new.
    pub(crate) fn commit(mut self) -> Result<()> {
        let file = self.file.take().expect("present until commit");
        crash_point();
        file.sync_all()
            .map_err(|e| Error::io("flush", &self.temp, e))?;
        drop(file);
        crash_point();
        std::fs::rename(&self.temp, &self.target)
            .map_err(|e| Error::io("rename", &self.temp, e))?;
        temps().retain(|t| *t != self.temp);
        let dir = match self.target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        crash_point();
        #[cfg(unix)]
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io("flush directory", &dir, e))?;
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for Replacement {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
            temps().retain(|t| *t != self.temp);
        }
    }
}

/// Removes temporary files left next to `target` by runs that died before
/// renaming them (`.NAME.pageseal-PID-RANDOM.tmp` whose process no longer exists:
/// an unseal's may hold plaintext). Linux only, where `/proc` tells whether
/// a process is alive; elsewhere nothing is removed.
fn remove_stale_temps(target: &Path) {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}.pageseal-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let pid = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Aborts the process at the N-th call when `PAGESEAL_TEST_CRASH_AT=N` is
/// set; does nothing otherwise. Compiled only into builds with debug
/// assertions (the test profile): a release build has no such hook.
#[cfg(debug_assertions)]
pub(crate) fn crash_point() {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static AT: OnceLock<Option<u64>> = OnceLock::new();
    static STEPS: AtomicU64 = AtomicU64::new(0);
    let at = AT.get_or_init(|| {
        std::env::var("PAGESEAL_TEST_CRASH_AT")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(at) = *at
        && STEPS.fetch_add(1, Ordering::SeqCst) + 1 == at
    {
        std::process::abort();
    }
}

/// Release builds: no crash hook.
#[cfg(not(debug_assertions))]
pub(crate) fn crash_point() {}

#[cfg(unix)]
mod pos {
    pub(super) use std::os::unix::fs::FileExt;

    pub(super) fn read_at(f: &std::fs::File, buf: &mut [u8], off: u64) -> std::io::Result<usize> {
        FileExt::read_at(f, buf, off)
    }
    pub(super) fn write_all_at(f: &std::fs::File, buf: &[u8], off: u64) -> std::io::Result<()> {
        f.write_all_at(buf, off)
    }
}

#[cfg(windows)]
mod pos {
    use std::os::windows::fs::FileExt;

    pub(super) fn read_at(f: &std::fs::File, buf: &mut [u8], off: u64) -> std::io::Result<usize> {
        f.seek_read(buf, off)
    }
    pub(super) fn write_all_at(
        f: &std::fs::File,
        mut buf: &[u8],
        mut off: u64,
    ) -> std::io::Result<()> {
        while !buf.is_empty() {
            let n = f.seek_write(buf, off)?;
            buf = &buf[n..];
            off += n as u64;
        }
        Ok(())
    }
}
