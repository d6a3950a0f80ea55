//! One database as the VFS sees it: its key session (shared by every
//! connection of this process that opens the same file), the header kept
//! consistent with other processes, and the mapping of SQLite's main
//! database file onto pageseal pages (SQLite page N = pageseal page N−1).
//!
//! # Header changes between processes
//!
//! SQLite locks the database itself, so pageseal's writers' lock is not
//! taken. The header is written only under a short exclusive `flock` of the
//! database file (a lock SQLite never uses): the header on disk is read
//! again first, and if another process changed it (a new seal
//! reservation, a rotation, a keyslot change) this session is replaced by
//! one unlocked from the disk header before anything is written — so no
//! change of another process is lost and no seal is handed out beyond the
//! count persisted on disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::{Duration, Instant};

use pageseal::{Ciphers, FastRandom, HeapKdf};
use pageseal_core::{
    Error as CoreError, Grant, HEADER_AREA_LEN, HeaderCopy, KdfLimits, Lease, Permit, Session,
    Suite, data_offset,
};

use crate::error::{Failure, Result};
use crate::ffi;
use crate::keys::{Creation, Key};

/// Seals taken from the session at a time.
const LEASE_BATCH: u64 = 1024;
/// The longest wait for the header lock.
const HEADER_LOCK_WAIT: Duration = Duration::from_secs(10);

/// Positional I/O on a file below the VFS (SQLite's own OS file).
pub(crate) trait Io {
    /// Reads into `buf` at `offset`; returns the bytes present (the rest
    /// of `buf` is zero-filled).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;
    /// Writes all of `buf` at `offset`.
    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<()>;
    /// The file's size in bytes.
    fn size(&self) -> Result<u64>;
    /// Flushes to stable storage.
    fn sync(&self) -> Result<()>;
    /// Cuts or extends the file to `size` bytes.
    fn truncate(&self, size: u64) -> Result<()>;
}

/// An unlocked database.
pub(crate) struct Unlocked {
    pub session: Session<Ciphers>,
    key: Option<Key>,
    /// The header generation last seen on disk.
    known_generation: u64,
}

/// A database file shared by the connections of this process.
pub(crate) struct Db {
    pub path: PathBuf,
    /// The same path, shared cheaply with every I/O call.
    pub shared_path: Arc<Path>,
    lock_file: Option<std::fs::File>,
    state: RwLock<Option<Unlocked>>,
    lease: Mutex<Lease>,
    /// The header area as last read or written by this process: a write
    /// transaction compares it with the disk before re-reading the header.
    seen: Mutex<Vec<u8>>,
}

type Registry = Mutex<HashMap<PathBuf, Weak<Db>>>;

fn registry() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl Db {
    /// The shared state of the database at `path` (made on first use).
    pub(crate) fn get(path: &Path) -> Arc<Db> {
        let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, w| w.strong_count() > 0);
        if let Some(db) = map.get(path).and_then(Weak::upgrade) {
            return db;
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .or_else(|_| std::fs::File::open(path))
            .ok();
        let db = Arc::new(Db {
            path: path.to_path_buf(),
            shared_path: Arc::from(path),
            lock_file: file,
            state: RwLock::new(None),
            lease: Mutex::new(Lease::EMPTY),
            seen: Mutex::new(Vec::new()),
        });
        map.insert(path.to_path_buf(), Arc::downgrade(&db));
        db
    }

    /// The shared state of an already open database (for its WAL and
    /// journals).
    pub(crate) fn find(path: &Path) -> Option<Arc<Db>> {
        let map = registry().lock().unwrap_or_else(|p| p.into_inner());
        map.get(path).and_then(Weak::upgrade)
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Option<Unlocked>> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Option<Unlocked>> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    fn lease(&self) -> MutexGuard<'_, Lease> {
        self.lease.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a session is open.
    pub(crate) fn is_unlocked(&self) -> bool {
        self.read().is_some()
    }

    /// The page size, from the session or the header on disk (`None` for
    /// an empty file).
    pub(crate) fn page_size(&self, io: &dyn Io) -> Result<Option<usize>> {
        if let Some(u) = self.read().as_ref() {
            return Ok(Some(u.session.format().page_size()));
        }
        let area = self.header_area(io)?;
        if area.is_empty() {
            return Ok(None);
        }
        let read = pageseal_core::read_header(&area).map_err(|e| Failure::core(&self.path, e))?;
        Ok(Some(read.header.page_size()))
    }

    /// The trailer length of the open file, or the one a new file will
    /// get with `creation`.
    pub(crate) fn trailer_len(&self, io: &dyn Io, creation: &Creation) -> Result<usize> {
        if let Some(u) = self.read().as_ref() {
            return Ok(u.session.format().trailer_len());
        }
        let area = self.header_area(io)?;
        let suite = if area.is_empty() {
            creation.suite
        } else {
            pageseal_core::read_header(&area)
                .map_err(|e| Failure::core(&self.path, e))?
                .header
                .suite()
        };
        Ok(pageseal_core::trailer_len(suite))
    }

    /// The header area, read from the database file itself (whatever
    /// file — WAL, journal — the caller is working on).
    fn header_area(&self, _io: &dyn Io) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let file = self.file()?;
        let mut area = vec![0u8; HEADER_AREA_LEN];
        let mut got = 0;
        while got < area.len() {
            match file.read_at(&mut area[got..], got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.file_error("read", e)),
            }
        }
        area.truncate(got);
        if area.iter().all(|&b| b == 0) && !area.is_empty() && self.never_created(file)? {
            return Ok(Vec::new());
        }
        Ok(area)
    }

    /// Whether the file is what a creation cut short leaves: the header
    /// area is written as zeros before the header itself, so a writer
    /// killed in between leaves zeros and no page (at most the largest
    /// header area, 64 KiB, all zero). Such a file holds nothing and is
    /// treated as not created yet; a file with any other byte never is.
    fn never_created(&self, file: &std::fs::File) -> Result<bool> {
        use std::os::unix::fs::FileExt;
        let len = file
            .metadata()
            .map_err(|e| self.file_error("stat", e))?
            .len();
        if len > data_offset(pageseal_core::MAX_PAGE_SIZE) {
            return Ok(false);
        }
        let mut all = vec![0u8; len as usize];
        file.read_exact_at(&mut all, 0)
            .map_err(|e| self.file_error("read", e))?;
        Ok(all.iter().all(|&b| b == 0))
    }

    fn file(&self) -> Result<&std::fs::File> {
        self.lock_file.as_ref().ok_or_else(|| {
            Failure::new(
                ffi::CANTOPEN,
                format!(
                    "pageseal: cannot open {} for its header",
                    self.path.display()
                ),
            )
        })
    }

    fn file_error(&self, op: &str, e: std::io::Error) -> Failure {
        Failure::new(
            ffi::IOERR,
            format!(
                "pageseal: {op} of the header of {} failed: {e}",
                self.path.display()
            ),
        )
    }

    /// Writes the session's header to the database file: copy A, flush,
    /// copy B, flush.
    fn write_header(&self, session: &mut Session<Ciphers>) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let file = self.file()?;
        let update = session
            .header_update()
            .map_err(|e| Failure::new(ffi::IOERR, format!("pageseal: {e}")))?;
        for copy in [HeaderCopy::A, HeaderCopy::B] {
            file.write_all_at(update.bytes(), copy.offset())
                .map_err(|e| self.file_error("write", e))?;
            file.sync_data().map_err(|e| self.file_error("sync", e))?;
        }
        session.persisted(&update);
        let mut area = update.bytes().to_vec();
        area.extend_from_slice(update.bytes());
        self.remember(&area);
        Ok(())
    }

    /// Unlocks the database with `key` (checks it against the open session
    /// when one exists). `Ok(false)` when the file is empty (a new
    /// database, created on its first write).
    pub(crate) fn unlock(&self, io: &dyn Io, key: Option<&Key>) -> Result<bool> {
        if let Some(u) = self.read().as_ref() {
            return match (key, u.key.as_ref()) {
                (Some(k), Some(held)) if k.same(held) => Ok(true),
                (None, None) => Ok(true),
                (key, _) => {
                    // Another secret: it must open the header itself.
                    self.unlock_area(&self.header_area(io)?, key)?;
                    Ok(true)
                }
            };
        }
        let area = self.header_area(io)?;
        if area.is_empty() {
            return Ok(false);
        }
        let session = self.unlock_area(&area, key)?;
        self.remember(&area);
        let mut state = self.write();
        if state.is_none() {
            *state = Some(Unlocked {
                known_generation: session.header().generation(),
                session,
                key: key.map(|k| Key::from_secret(&k.as_secret())),
            });
            *self.lease() = Lease::EMPTY;
        }
        Ok(true)
    }

    fn unlock_area(&self, area: &[u8], key: Option<&Key>) -> Result<Session<Ciphers>> {
        let secret = key.map(Key::as_secret);
        Session::unlock(
            Ciphers::new(None),
            area,
            secret.as_ref(),
            &KdfLimits::DEFAULT,
            &mut HeapKdf::default(),
        )
        .map_err(|e| Failure::core(&self.path, e))
    }

    /// Creates the pageseal header of a new (empty) database with pages of
    /// `page_size` bytes.
    pub(crate) fn create(
        &self,
        io: &dyn Io,
        key: Option<&Key>,
        creation: &Creation,
        page_size: usize,
    ) -> Result<()> {
        let mut state = self.write();
        if state.is_some() {
            return Ok(());
        }
        let _lock = self.header_lock()?;
        if self
            .file()?
            .metadata()
            .map_err(|e| self.file_error("stat", e))?
            .len()
            != 0
        {
            drop(state);
            if self.unlock(io, key)? {
                return Ok(());
            }
            state = self.write();
        }
        let suite = creation.suite;
        let secret = if suite == Suite::Checksum {
            if key.is_some() {
                return Err(Failure::core(&self.path, CoreError::KeyNotExpected));
            }
            None
        } else {
            Some(key.ok_or_else(|| Failure::core(&self.path, CoreError::KeyRequired))?)
        };
        let secret = secret.map(Key::as_secret);
        let file_id = pageseal::random_file_id()
            .map_err(|e| Failure::new(ffi::IOERR, format!("pageseal: {e}")))?;
        let mut session = Session::create(
            Ciphers::new(None),
            suite,
            page_size,
            file_id,
            secret.as_ref().map(|s| (s, &creation.kdf)),
            &mut FastRandom,
            &mut HeapKdf::default(),
        )
        .map_err(|e| Failure::core(&self.path, e))?;
        {
            use std::os::unix::fs::FileExt;
            self.file()?
                .write_all_at(&vec![0u8; data_offset(page_size) as usize], 0)
                .map_err(|e| self.file_error("write", e))?;
        }
        self.write_header(&mut session)?;
        *state = Some(Unlocked {
            known_generation: session.header().generation(),
            session,
            key: key.map(|k| Key::from_secret(&k.as_secret())),
        });
        *self.lease() = Lease::EMPTY;
        Ok(())
    }

    /// The exclusive header lock (an `flock` SQLite never takes).
    fn header_lock(&self) -> Result<Option<HeaderLock<'_>>> {
        let Some(file) = self.lock_file.as_ref() else {
            return Ok(None);
        };
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(HeaderLock(file))),
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < HEADER_LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Failure::new(
                        ffi::IOERR,
                        format!(
                            "pageseal: the header of {} stayed locked for {}s (is the pageseal \
                             tool working on it?)",
                            self.path.display(),
                            HEADER_LOCK_WAIT.as_secs()
                        ),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Failure::new(
                        ffi::IOERR,
                        format!("pageseal: cannot lock {}: {e}", self.path.display()),
                    ));
                }
            }
        }
    }

    /// Re-reads the header from disk when another process changed it and
    /// replaces the session (the caller holds the header lock and the
    /// state write lock).
    fn refresh(&self, io: &dyn Io, unlocked: &mut Unlocked) -> Result<bool> {
        let area = self.header_area(io)?;
        let read = pageseal_core::read_header(&area).map_err(|e| Failure::core(&self.path, e))?;
        self.remember(&area);
        if read.header.generation() == unlocked.known_generation {
            return Ok(false);
        }
        let session = self
            .unlock_area(&area, unlocked.key.as_ref())
            .map_err(|f| {
                if f.code == ffi::AUTH {
                    Failure::new(
                        ffi::AUTH,
                        format!(
                            "pageseal: the key of {} was changed by another connection: reopen it \
                         with the new key",
                            self.path.display()
                        ),
                    )
                } else {
                    f
                }
            })?;
        unlocked.known_generation = session.header().generation();
        unlocked.session = session;
        *self.lease() = Lease::EMPTY;
        Ok(true)
    }

    /// Persists the session's header, merging first with the header on
    /// disk (see the module documentation).
    fn persist(&self, io: &dyn Io, unlocked: &mut Unlocked) -> Result<()> {
        let _lock = self.header_lock()?;
        if self.refresh(io, unlocked)? {
            // The fresh session has nothing to persist of its own: the
            // caller asks it for a lease again.
            return Ok(());
        }
        self.write_header(&mut unlocked.session)?;
        unlocked.known_generation = unlocked.session.header().generation();
        Ok(())
    }

    /// Runs `change` on the session under the header lock (after merging
    /// with the disk header) and persists the result.
    pub(crate) fn change<T>(
        &self,
        io: &dyn Io,
        change: impl FnOnce(&mut Session<Ciphers>) -> std::result::Result<T, CoreError>,
    ) -> Result<T> {
        let mut state = self.write();
        let unlocked = state.as_mut().ok_or_else(|| self.no_key())?;
        let _lock = self.header_lock()?;
        self.refresh(io, unlocked)?;
        let out = change(&mut unlocked.session).map_err(|e| Failure::core(&self.path, e))?;
        self.write_header(&mut unlocked.session)?;
        unlocked.known_generation = unlocked.session.header().generation();
        *self.lease() = Lease::EMPTY;
        Ok(out)
    }

    /// Changes this connection's passphrase or key (its keyslot only; no
    /// page is rewritten).
    pub(crate) fn rekey(
        &self,
        io: &dyn Io,
        new: Key,
        kdf: &pageseal_core::KdfParams,
    ) -> Result<()> {
        self.change(io, |s| {
            s.rekey(
                &new.as_secret(),
                kdf,
                &mut FastRandom,
                &mut HeapKdf::default(),
            )
        })?;
        if let Some(u) = self.write().as_mut() {
            u.key = Some(new);
        }
        Ok(())
    }

    /// Starts a new key epoch: new seals use it at once.
    pub(crate) fn rotate(&self, io: &dyn Io) -> Result<u32> {
        self.change(io, |s| s.rotate(&mut FastRandom))
    }

    /// Re-reads the header when another process changed it since this one
    /// last read or wrote it (a write transaction starts: a rotation or
    /// epoch drop elsewhere must not be missed by this process's seals).
    pub(crate) fn refresh_if_changed(&self, io: &dyn Io) -> Result<()> {
        if !self.is_unlocked() {
            return Ok(());
        }
        // Unchanged bytes: nothing to do (one read, no lock, no parsing).
        let area = self.header_area(io)?;
        if *self.seen.lock().unwrap_or_else(|p| p.into_inner()) == area {
            return Ok(());
        }
        self.reload(io)
    }

    /// Records the header area as this process last saw it.
    fn remember(&self, area: &[u8]) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.clear();
        seen.extend_from_slice(area);
    }

    /// Re-seals every page of the database file that is under an older
    /// epoch than the current one, syncs, then drops the epochs no page
    /// uses; returns (pages re-sealed, epochs dropped). The caller holds
    /// SQLite's EXCLUSIVE lock in a rollback-journal mode, so no other
    /// writer touches the file meanwhile, and any process's next write
    /// transaction re-reads the header first.
    pub(crate) fn migrate(&self, io: &dyn Io) -> Result<(u64, usize)> {
        self.reload(io)?;
        let (format, current) = {
            let state = self.read();
            let u = state.as_ref().ok_or_else(|| self.no_key())?;
            (*u.session.format(), u.session.current_epoch())
        };
        let ps = format.page_size();
        let base = data_offset(ps);
        let pages = io.size()?.saturating_sub(base) / ps as u64;
        let mut page = vec![0u8; ps];
        let mut resealed = 0;
        for index in 0..pages {
            let at = base + index * ps as u64;
            io.read_at(at, &mut page)?;
            let epoch = format
                .epoch(&page)
                .map_err(|e| Failure::core(&self.path, e))?;
            if epoch == current {
                continue;
            }
            self.open_page(io, index, &mut page)?;
            self.seal_page(io, index, &mut page)?;
            io.write_at(at, &page)?;
            resealed += 1;
        }
        zeroize::Zeroize::zeroize(&mut page[..]);
        io.sync()?;
        // Every page is under the current epoch now (this connection holds
        // the exclusive lock): the others can go.
        let dropped = self.change(io, |s| {
            let old: Vec<u32> = s
                .header()
                .epochs()
                .map(|(e, _)| e)
                .filter(|e| *e != s.current_epoch())
                .collect();
            for &e in &old {
                s.drop_epoch(e)?;
            }
            Ok(old.len())
        })?;
        Ok((resealed, dropped))
    }

    /// A one-line description: suite, page size, current epoch, live epochs.
    pub(crate) fn info(&self) -> Option<String> {
        let state = self.read();
        let u = state.as_ref()?;
        let h = u.session.header();
        let epochs: Vec<String> = h.epochs().map(|(e, _)| e.to_string()).collect();
        Some(format!(
            "suite={} page_size={} epoch={} epochs={} generation={}",
            h.suite(),
            h.page_size(),
            h.current_epoch(),
            epochs.join(","),
            h.generation()
        ))
    }

    pub(crate) fn no_key(&self) -> Failure {
        Failure::core(&self.path, CoreError::KeyRequired)
    }

    /// One seal's permit with the session read-locked to seal under.
    fn permit(&self, io: &dyn Io) -> Result<(RwLockReadGuard<'_, Option<Unlocked>>, Permit)> {
        loop {
            let state = self.read();
            let unlocked = state.as_ref().ok_or_else(|| self.no_key())?;
            if let Some(permit) = self.lease().take(&unlocked.session) {
                return Ok((state, permit));
            }
            drop(state);
            let mut state = self.write();
            let unlocked = state.as_mut().ok_or_else(|| self.no_key())?;
            let mut lease = self.lease();
            if lease.is_usable(&unlocked.session) {
                continue;
            }
            match unlocked.session.lease(LEASE_BATCH, &mut FastRandom) {
                Ok(Grant::Ready(new)) => *lease = new,
                Ok(Grant::Persist) => {
                    drop(lease);
                    self.persist(io, unlocked)?;
                }
                Err(e) => return Err(Failure::core(&self.path, e)),
            }
        }
    }

    /// Seals database page `page` (0-based) in place.
    pub(crate) fn seal_page(&self, io: &dyn Io, page: u64, buf: &mut [u8]) -> Result<()> {
        let (state, permit) = self.permit(io)?;
        let unlocked = state.as_ref().ok_or_else(|| self.no_key())?;
        unlocked
            .session
            .seal(permit, &mut FastRandom, page, buf)
            .map_err(|e| Failure::core(&self.path, e))
    }

    /// Seals an image outside the database file with `aad(epoch, format)`.
    pub(crate) fn seal_image(
        &self,
        io: &dyn Io,
        buf: &mut [u8],
        aad: impl FnOnce(u32, &pageseal_core::PageFormat) -> Vec<u8>,
    ) -> Result<()> {
        let (state, permit) = self.permit(io)?;
        let unlocked = state.as_ref().ok_or_else(|| self.no_key())?;
        let format = *unlocked.session.format();
        unlocked
            .session
            .seal_bound(permit, &mut FastRandom, buf, |e| aad(e, &format))
            .map_err(|e| Failure::core(&self.path, e))
    }

    /// Opens database page `page` (0-based) in place; re-reads the header
    /// once when the page names an epoch this session does not know
    /// (another process rotated).
    pub(crate) fn open_page(&self, io: &dyn Io, page: u64, buf: &mut [u8]) -> Result<()> {
        // An unknown epoch is found before anything is decrypted: the
        // buffer still holds the sealed page for the second try.
        let attempt = |buf: &mut [u8]| -> Result<std::result::Result<(), CoreError>> {
            let state = self.read();
            let unlocked = state.as_ref().ok_or_else(|| self.no_key())?;
            Ok(unlocked.session.open(page, buf))
        };
        let opened = match attempt(buf)? {
            Err(CoreError::UnknownEpoch { .. }) => {
                self.reload(io)?;
                attempt(buf)?
            }
            other => other,
        };
        opened.map_err(|e| Failure::core(&self.path, e))
    }

    /// Opens an image sealed with [`seal_image`](Self::seal_image);
    /// `number` names it in errors.
    pub(crate) fn open_image(
        &self,
        io: &dyn Io,
        number: u64,
        buf: &mut [u8],
        aad: impl Fn(u32, &pageseal_core::PageFormat) -> Vec<u8>,
    ) -> std::result::Result<(), CoreError> {
        // As in `open_page`: an unknown epoch leaves the buffer sealed.
        let attempt = |buf: &mut [u8]| {
            let state = self.read();
            let Some(unlocked) = state.as_ref() else {
                return Err(CoreError::KeyRequired);
            };
            let format = *unlocked.session.format();
            unlocked
                .session
                .open_bound(number, buf, |e| aad(e, &format))
        };
        match attempt(buf) {
            Err(CoreError::UnknownEpoch { .. }) if self.reload(io).is_ok() => attempt(buf),
            other => other,
        }
    }

    /// Re-reads the header from disk (another process changed it).
    pub(crate) fn reload(&self, io: &dyn Io) -> Result<()> {
        let mut state = self.write();
        let unlocked = state.as_mut().ok_or_else(|| self.no_key())?;
        // Under the header lock: never a copy half written by another
        // process.
        let _lock = self.header_lock()?;
        self.refresh(io, unlocked)?;
        Ok(())
    }

    /// Persists the header when it changed.
    pub(crate) fn sync_header(&self, io: &dyn Io) -> Result<()> {
        let mut state = self.write();
        if let Some(unlocked) = state.as_mut()
            && unlocked.session.must_persist()
        {
            self.persist(io, unlocked)?;
        }
        Ok(())
    }
}

/// Holds the header `flock` until dropped.
struct HeaderLock<'a>(&'a std::fs::File);

impl Drop for HeaderLock<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}
