//! File operations with the durability steps spelled out: positional reads
//! and writes, flushes, and replacing a file atomically (write a temporary
//! file, flush it, rename it over the target, flush the directory).
//!
//! Test hook: `PAGESEAL_TEST_CRASH_AT=N` in the environment aborts the
//! process just before its N-th durable step (write, flush, rename), so
//! tests can check that a crash at any point leaves a file that opens in its
//! old or its new state. Unset, it costs one cached lookup.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Reads exactly `buf.len()` bytes at `offset`.
pub(crate) fn read_at(file: &File, path: &Path, offset: u64, buf: &mut [u8]) -> Result<()> {
    pos::read_exact_at(file, buf, offset).map_err(|e| Error::io("read", path, e))
}

/// Reads up to `buf.len()` bytes at `offset`, returning how many were read.
pub(crate) fn read_up_to(file: &File, path: &Path, offset: u64, buf: &mut [u8]) -> Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match pos::read_at(file, &mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("read", path, e)),
        }
    }
    Ok(done)
}

/// Writes all of `buf` at `offset`.
pub(crate) fn write_at(file: &File, path: &Path, offset: u64, buf: &[u8]) -> Result<()> {
    crash_point();
    pos::write_all_at(file, buf, offset).map_err(|e| Error::io("write", path, e))
}

/// Flushes the file's data to stable storage.
pub(crate) fn flush(file: &File, path: &Path) -> Result<()> {
    crash_point();
    file.sync_data().map_err(|e| Error::io("flush", path, e))
}

/// Opens an existing file for reading, and for writing when `write`.
pub(crate) fn open(path: &Path, write: bool) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)
        .map_err(|e| Error::io("open", path, e))
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
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".pageseal-{}.tmp", std::process::id()));
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
        Ok(Replacement {
            target: target.to_path_buf(),
            temp,
            file: Some(file),
        })
    }

    /// Gives the temporary file the permission bits of `original`, so that
    /// replacing a file does not change who may read it.
    pub(crate) fn keep_permissions_of(&self, original: &Path) -> Result<()> {
        let permissions = std::fs::metadata(original)
            .map_err(|e| Error::io("stat", original, e))?
            .permissions();
        std::fs::set_permissions(&self.temp, permissions)
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
        }
    }
}

/// Removes temporary files left next to `target` by runs that died before
/// renaming them (`.NAME.pageseal-PID.tmp` whose process no longer exists:
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
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Aborts the process at the N-th call when `PAGESEAL_TEST_CRASH_AT=N` is
/// set; does nothing otherwise.
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

#[cfg(unix)]
mod pos {
    pub(super) use std::os::unix::fs::FileExt;

    pub(super) fn read_exact_at(
        f: &std::fs::File,
        buf: &mut [u8],
        off: u64,
    ) -> std::io::Result<()> {
        f.read_exact_at(buf, off)
    }
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

    pub(super) fn read_exact_at(
        f: &std::fs::File,
        mut buf: &mut [u8],
        mut off: u64,
    ) -> std::io::Result<()> {
        while !buf.is_empty() {
            match f.seek_read(buf, off)? {
                0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut buf[n..];
                    off += n as u64;
                }
            }
        }
        Ok(())
    }
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
