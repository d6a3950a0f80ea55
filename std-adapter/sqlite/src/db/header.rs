//! The pageseal header of a database: read, unlocked, created, kept in
//! step with other processes under the header lock, and changed.

use std::time::{Duration, Instant};

use pageseal::{Ciphers, FastRandom, HeapKdf};
use pageseal_core::{
    Contents, Error as CoreError, HEADER_AREA_LEN, HeaderCopy, KdfLimits, Lease, Session, Suite,
    data_offset,
};

use super::{Db, HEADER_LOCK_WAIT, Io, Unlocked};
use crate::error::{Failure, Result};
use crate::ffi;
use crate::keys::{Creation, Key};

impl Db {
    /// The header area, read from the database file itself (whatever
    /// file — WAL, journal — the caller is working on).
    pub(super) fn header_area(&self, _io: &dyn Io) -> Result<Vec<u8>> {
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
        // A key ring (or any other kind of pageseal file) is named before
        // a key is tried, and never shown to SQLite as a database.
        if let Ok(read) = pageseal_core::read_header(area)
            && read.header.contents() != Contents::Pages
        {
            return Err(Failure::core(
                &self.path,
                CoreError::WrongContents {
                    expected: Contents::Pages,
                    found: read.header.contents(),
                },
            ));
        }
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
    pub(super) fn persist(&self, io: &dyn Io, unlocked: &mut Unlocked) -> Result<()> {
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
