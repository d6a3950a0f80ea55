//! Encrypted (or checksum-only) page files over a [`Storage`]: the key
//! session of `pageseal-core` driven with real I/O, random nonces and
//! locks.
//!
//! # Concurrency contract
//!
//! [`PageFile`] is `Sync`: reads and writes take `&self` and use positional
//! I/O, so any number of threads may read and write *different* pages at
//! once. Reading a page while another thread writes the *same* page may
//! observe a half-written page, which then fails to authenticate; callers
//! that need that case serialise it themselves, as storage engines do.
//! Page writes, [`PageFile::migrate`] and header changes coordinate among
//! themselves (per-page locks and the session lock), so a migration may run
//! while other threads use the file.
//!
//! A file opened for writing holds the writers' lock of its storage (an
//! exclusive `flock` for files) until it is dropped: a second writer, in
//! this process or another, gets [`Error::InUse`].

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use pageseal_core::{
    Contents, Error as CoreError, FileKind, Grant, HEADER_AREA_LEN, Header, HeaderCopy, KdfLimits,
    KdfParams, Lease, PageFormat, Permit, Secret, Session, Suite, data_offset,
};
use pageseal_dispatch::Backend;

use crate::ciphers::{Ciphers, HeapKdf};
use crate::error::{Error, Result};
use crate::random::{FastRandom, random_file_id};
use crate::storage::{self, Storage};

/// Page locks (a page uses lock `page % PAGE_LOCKS`).
const PAGE_LOCKS: usize = 64;
/// Seals taken from the session at a time.
const LEASE_BATCH: u64 = 1024;

/// How to create a file.
#[derive(Clone, Debug)]
pub struct CreateOptions {
    /// The page suite; [`Suite::Checksum`] makes a checksum-only file.
    pub suite: Suite,
    /// The page size: a power of two from 512 to 65536.
    pub page_size: usize,
    /// Argon2id parameters for a passphrase keyslot.
    pub kdf: KdfParams,
}

/// Options that tune an open file (all have sensible defaults).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tuning {
    /// Force a backend instead of the fastest one (see `pageseal cpu`).
    pub backend: Option<Backend>,
    /// Rotate to a new key epoch after this many seals under one data key
    /// instead of the suite's safe limit (FORMAT.md). Lower only, for
    /// tests or extra caution.
    pub seal_limit: Option<u64>,
    /// The most one key derivation may cost when opening
    /// ([`KdfLimits::DEFAULT`]: 1 GiB, 16 passes). Raise it only for
    /// files made with higher costs that you trust.
    pub kdf_limits: KdfLimits,
}

pub(crate) type FileSession = Session<Ciphers>;

/// An open page file. See the module documentation for concurrency.
pub struct PageFile<S: Storage = File> {
    path: PathBuf,
    storage: S,
    writable: bool,
    format: PageFormat,
    session: RwLock<FileSession>,
    lease: Mutex<Lease>,
    pages: AtomicU64,
    tail: u64,
    page_locks: [Mutex<()>; PAGE_LOCKS],
    repaired: Option<HeaderCopy>,
}

impl PageFile<File> {
    /// Creates a new, empty file at `path` (which must not exist). `secret`
    /// fills keyslot 0; it must be `None` for checksum-only files.
    pub fn create(
        path: &Path,
        options: &CreateOptions,
        secret: Option<&Secret<'_>>,
        tuning: Tuning,
    ) -> Result<PageFile> {
        storage::create_new(path, |file| {
            PageFile::create_on(file, path, options, secret, tuning)
        })
    }

    /// Opens an existing file. `secret` must be given for encrypted files
    /// and not for checksum-only ones (`None` says "I expect a
    /// checksum-only file"). Opened `writable`, it takes the writers' lock
    /// and rewrites a damaged header copy from the good one (see
    /// [`PageFile::repaired`]).
    pub fn open(
        path: &Path,
        secret: Option<&Secret<'_>>,
        writable: bool,
        tuning: Tuning,
    ) -> Result<PageFile> {
        let file = storage::open_regular(path, writable)?;
        PageFile::open_on(file, path, secret, writable, tuning)
    }
}

impl<S: Storage> PageFile<S> {
    /// Creates a new file on empty `storage` (named `path` in errors).
    pub fn create_on(
        storage: S,
        path: &Path,
        options: &CreateOptions,
        secret: Option<&Secret<'_>>,
        tuning: Tuning,
    ) -> Result<PageFile<S>> {
        PageFile::create_holding(storage, path, options, secret, tuning, Contents::Pages)
    }

    /// [`create_on`](Self::create_on) for a file holding `contents`; a key
    /// ring also stamps its epochs with their creation time.
    pub(crate) fn create_holding(
        storage: S,
        path: &Path,
        options: &CreateOptions,
        secret: Option<&Secret<'_>>,
        tuning: Tuning,
        contents: Contents,
    ) -> Result<PageFile<S>> {
        storage::lock(&storage, path)?;
        check_backend(tuning.backend, options.suite)?;
        let file_id = random_file_id()?;
        let mut session = Session::create(
            Ciphers::new(tuning.backend),
            options.suite,
            options.page_size,
            file_id,
            secret.map(|s| (s, &options.kdf)),
            &mut FastRandom,
            &mut HeapKdf::default(),
        )
        .map_err(|e| match e {
            CoreError::KeyRequired => Error::KeyMissing { path: path.into() },
            e => Error::from(e),
        })?;
        if contents == Contents::KeyRing {
            session
                .make_key_ring()
                .and_then(|()| session.set_clock(unix_now))
                .map_err(|e| Error::format(path, e))?;
        }
        let area = vec![0u8; data_offset(options.page_size) as usize];
        storage::write_at(&storage, path, 0, &area)?;
        let file = PageFile::from_session(storage, path, true, session, tuning)?;
        file.persist(&mut file.write_session())?;
        Ok(file)
    }

    /// Opens an existing file on `storage` (named `path` in errors); see
    /// [`PageFile::open`].
    pub fn open_on(
        storage: S,
        path: &Path,
        secret: Option<&Secret<'_>>,
        writable: bool,
        tuning: Tuning,
    ) -> Result<PageFile<S>> {
        PageFile::open_holding(storage, path, secret, writable, tuning, Contents::Pages)
    }

    /// [`open_on`](Self::open_on) for a file that must hold `contents`
    /// ([`CoreError::WrongContents`] otherwise, before any key is tried).
    pub(crate) fn open_holding(
        storage: S,
        path: &Path,
        secret: Option<&Secret<'_>>,
        writable: bool,
        tuning: Tuning,
        contents: Contents,
    ) -> Result<PageFile<S>> {
        if writable {
            storage::lock(&storage, path)?;
        }
        let mut area = vec![0u8; HEADER_AREA_LEN];
        let got = storage::read_up_to(&storage, path, 0, &mut area)?;
        area.truncate(got);
        if let Ok(read) = pageseal_core::read_header(&area) {
            let found = read.header.contents();
            if found != contents {
                return Err(Error::format(
                    path,
                    CoreError::WrongContents {
                        expected: contents,
                        found,
                    },
                ));
            }
            check_backend(tuning.backend, read.header.suite())?;
        }
        let mut session = Session::unlock(
            Ciphers::new(tuning.backend),
            &area,
            secret,
            &tuning.kdf_limits,
            &mut HeapKdf::default(),
        )
        .map_err(|e| match e {
            CoreError::KeyRequired => Error::KeyMissing { path: path.into() },
            e => Error::format(path, e),
        })?;
        if contents == Contents::KeyRing {
            session
                .set_clock(unix_now)
                .map_err(|e| Error::format(path, e))?;
        }
        let repair = session
            .repair_update()
            .map_err(|e| Error::format(path, e))?;
        let file = PageFile::from_session(storage, path, writable, session, tuning)?;
        if let (Some((copy, bytes)), true) = (repair, writable) {
            storage::write_at(&file.storage, path, copy.offset(), &bytes)?;
            storage::flush(&file.storage, path)?;
        }
        Ok(file)
    }

    fn from_session(
        storage: S,
        path: &Path,
        writable: bool,
        mut session: FileSession,
        tuning: Tuning,
    ) -> Result<PageFile<S>> {
        if let Some(limit) = tuning.seal_limit {
            session.set_seal_limit(limit);
        }
        let format = *session.format();
        let len = storage.len().map_err(|e| Error::io("stat", path, e))?;
        let body = len.saturating_sub(data_offset(format.page_size()));
        let page_size = format.page_size() as u64;
        Ok(PageFile {
            path: path.to_path_buf(),
            storage,
            writable,
            format,
            repaired: session.repair(),
            session: RwLock::new(session),
            lease: Mutex::new(Lease::EMPTY),
            pages: AtomicU64::new(body / page_size),
            tail: body % page_size,
            page_locks: std::array::from_fn(|_| Mutex::new(())),
        })
    }

    /// Whether the file was opened for writing.
    pub fn is_writable(&self) -> bool {
        self.writable
    }
    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The storage the file lives on.
    pub fn storage(&self) -> &S {
        &self.storage
    }
    /// The page suite.
    pub fn suite(&self) -> Suite {
        self.format.suite()
    }
    /// The physical page size.
    pub fn page_size(&self) -> usize {
        self.format.page_size()
    }
    /// Payload bytes per page.
    pub fn payload_len(&self) -> usize {
        self.format.payload_len()
    }
    /// Number of whole pages.
    pub fn page_count(&self) -> u64 {
        self.pages.load(Ordering::SeqCst)
    }
    /// Bytes of a partial page at the end of the file (0 when the file ends
    /// on a page boundary; anything else means it was truncated).
    pub fn partial_tail(&self) -> u64 {
        self.tail
    }
    /// The header copy that was damaged and repaired (or, when opened
    /// read-only, that needs repair), if any.
    pub fn repaired(&self) -> Option<HeaderCopy> {
        self.repaired
    }
    /// The keyslot the secret opened.
    pub fn opened_keyslot(&self) -> Option<usize> {
        self.read_session().opened_keyslot()
    }
    /// A copy of the header in use.
    pub fn header(&self) -> Header {
        self.read_session().header().clone()
    }
    /// Encrypted or checksum-only.
    pub fn kind(&self) -> FileKind {
        self.read_session().kind()
    }
    /// The backend sealing this file's pages.
    pub fn backend(&self) -> Backend {
        self.read_session()
            .current_cipher()
            .map_or(Backend::Portable, |c| c.backend())
    }
    /// The epoch new pages are sealed under.
    pub fn current_epoch(&self) -> u32 {
        self.read_session().current_epoch()
    }

    pub(crate) fn read_session(&self) -> RwLockReadGuard<'_, FileSession> {
        self.session.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write_session(&self) -> RwLockWriteGuard<'_, FileSession> {
        self.session.write().unwrap_or_else(|p| p.into_inner())
    }

    fn lease(&self) -> MutexGuard<'_, Lease> {
        self.lease.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn page_offset(&self, page: u64) -> u64 {
        data_offset(self.page_size()) + page * self.page_size() as u64
    }

    /// Reads page `page` and returns its payload in `out` (which must be
    /// [`payload_len`](Self::payload_len) bytes). On failure `out` holds no
    /// plaintext.
    pub fn read_page(&self, page: u64, out: &mut [u8]) -> Result<()> {
        self.check_payload(out.len())?;
        let mut buf = vec![0u8; self.page_size()];
        self.read_raw(page, &mut buf)?;
        let mut opened = self.open_raw(page, &mut buf);
        if opened.is_err() {
            // A migration may have re-sealed this page (and dropped the
            // epoch of the bytes read) or be writing it right now: read it
            // again under the page lock, which migration holds per page.
            let _guard = self.lock_page(page);
            self.read_raw(page, &mut buf)?;
            opened = self.open_raw(page, &mut buf);
        }
        if opened.is_ok() {
            out.copy_from_slice(&buf[..out.len()]);
        } else {
            out.fill(0);
        }
        zeroize::Zeroize::zeroize(&mut buf[..]);
        opened
    }

    /// Seals `payload` (at most [`payload_len`](Self::payload_len) bytes;
    /// the rest of the page is zero) as page `page`, which may be an
    /// existing page or the next one after the end.
    pub fn write_page(&self, page: u64, payload: &[u8]) -> Result<()> {
        let pages = self.page_count();
        if page > pages {
            return Err(Error::NoSuchPage {
                path: self.path.clone(),
                page,
                pages,
            });
        }
        let _guard = self.lock_page(page);
        self.seal_and_write(page, payload)?;
        self.pages.fetch_max(page + 1, Ordering::SeqCst);
        Ok(())
    }

    /// Appends a page and returns its number.
    pub fn append_page(&self, payload: &[u8]) -> Result<u64> {
        let page = self.pages.fetch_add(1, Ordering::SeqCst);
        let _guard = self.lock_page(page);
        if let Err(e) = self.seal_and_write(page, payload) {
            let _ = self
                .pages
                .compare_exchange(page + 1, page, Ordering::SeqCst, Ordering::SeqCst);
            return Err(e);
        }
        Ok(page)
    }

    /// Flushes page data and, when it changed, the header (seal counters,
    /// data length) to stable storage.
    pub fn sync(&self) -> Result<()> {
        storage::flush(&self.storage, &self.path)?;
        if self.writable {
            let mut session = self.write_session();
            if session.must_persist() {
                self.persist(&mut session)?;
            }
        }
        Ok(())
    }

    /// Syncs and closes the file.
    pub fn close(self) -> Result<()> {
        self.sync()
    }

    /// Records the logical data length in the header (written on the next
    /// sync or header change).
    pub fn set_data_len(&self, len: u64) {
        self.write_session().set_data_len(len);
    }

    pub(crate) fn lock_page(&self, page: u64) -> MutexGuard<'_, ()> {
        self.page_locks[(page % PAGE_LOCKS as u64) as usize]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn check_payload(&self, len: usize) -> Result<()> {
        if len == self.payload_len() {
            Ok(())
        } else {
            Err(CoreError::InvalidPageLength {
                expected: self.payload_len(),
                actual: len,
            }
            .into())
        }
    }

    /// Reads a whole sealed page.
    pub(crate) fn read_raw(&self, page: u64, buf: &mut [u8]) -> Result<()> {
        let pages = self.page_count();
        if page >= pages {
            if page == pages && self.tail != 0 {
                return Err(Error::Truncated {
                    path: self.path.clone(),
                    page,
                    present: self.tail,
                    page_size: self.page_size(),
                });
            }
            return Err(Error::NoSuchPage {
                path: self.path.clone(),
                page,
                pages,
            });
        }
        storage::read_at(&self.storage, &self.path, self.page_offset(page), buf)
    }

    /// Opens a sealed page in place.
    pub(crate) fn open_raw(&self, page: u64, buf: &mut [u8]) -> Result<()> {
        self.read_session()
            .open(page, buf)
            .map_err(|e| Error::page(&self.path, page, e))
    }

    /// Seals `payload` as `page` under the current epoch and writes it.
    /// The caller holds the page's lock.
    pub(crate) fn seal_and_write(&self, page: u64, payload: &[u8]) -> Result<()> {
        if !self.writable {
            return Err(Error::io(
                "write",
                &self.path,
                std::io::ErrorKind::PermissionDenied.into(),
            ));
        }
        if payload.len() > self.payload_len() {
            return Err(CoreError::InvalidPageLength {
                expected: self.payload_len(),
                actual: payload.len(),
            }
            .into());
        }
        let mut buf = vec![0u8; self.page_size()];
        buf[..payload.len()].copy_from_slice(payload);
        let (session, permit) = self.permit()?;
        session
            .seal(permit, &mut FastRandom, page, &mut buf)
            .map_err(|e| Error::page(&self.path, page, e))?;
        // Written while the session is still read-locked, so that a header
        // change (which takes the write lock) never sees a page sealed under
        // an epoch but not yet on disk.
        storage::write_at(&self.storage, &self.path, self.page_offset(page), &buf)
    }

    /// The right to one seal, with the session read-locked to seal under.
    /// Takes a new lease from the session when the shared one is used up,
    /// persisting the header first when the session says so.
    pub(crate) fn permit(&self) -> Result<(RwLockReadGuard<'_, FileSession>, Permit)> {
        loop {
            let session = self.read_session();
            if let Some(permit) = self.lease().take(&session) {
                return Ok((session, permit));
            }
            drop(session);
            let mut session = self.write_session();
            let mut lease = self.lease();
            if lease.is_usable(&session) {
                continue;
            }
            match session.lease(LEASE_BATCH, &mut FastRandom) {
                Ok(Grant::Ready(new)) => *lease = new,
                Ok(Grant::Persist) => self.persist(&mut session)?,
                Err(CoreError::NoFreeEpoch) => {
                    // A key ring's epochs seal blocks in other files: only
                    // its owner knows which are unused (`retire_unused`).
                    if session.header().contents() == Contents::KeyRing
                        || self.drop_unused_epochs(&mut session)? == 0
                    {
                        return Err(Error::format(&self.path, CoreError::NoFreeEpoch));
                    }
                }
                Err(e) => return Err(Error::format(&self.path, e)),
            }
        }
    }

    /// Reads the epoch of every page and drops the epochs (other than the
    /// current one) that none uses; returns how many were dropped. The
    /// caller holds the session write lock, so no page is between sealing
    /// and writing.
    pub(crate) fn drop_unused_epochs(&self, session: &mut FileSession) -> Result<usize> {
        let mut used = std::collections::BTreeSet::new();
        // Only each page's trailer is read: the epoch is in it.
        let mut trailer = vec![0u8; self.format.trailer_len()];
        let at = self.payload_len() as u64;
        for page in 0..self.page_count() {
            // A page being appended is counted but not yet on disk: it will
            // be sealed under the current epoch, so it uses no other.
            let offset = self.page_offset(page) + at;
            let got = storage::read_up_to(&self.storage, &self.path, offset, &mut trailer)?;
            if got < trailer.len() {
                continue;
            }
            used.insert(
                self.format
                    .trailer_epoch(&trailer)
                    .map_err(|e| Error::page(&self.path, page, e))?,
            );
        }
        let current = session.current_epoch();
        let unused: Vec<u32> = session
            .header()
            .epochs()
            .map(|(e, _)| e)
            .filter(|e| *e != current && !used.contains(e))
            .collect();
        for &epoch in &unused {
            session
                .drop_epoch(epoch)
                .map_err(|e| Error::format(&self.path, e))?;
        }
        Ok(unused.len())
    }

    /// Writes the session's header: copy A, flush, copy B, flush — so a
    /// crash leaves one valid copy, old or new.
    pub(crate) fn persist(&self, session: &mut FileSession) -> Result<()> {
        let update = session
            .header_update()
            .map_err(|e| Error::format(&self.path, e))?;
        for copy in [HeaderCopy::A, HeaderCopy::B] {
            storage::write_at(&self.storage, &self.path, copy.offset(), update.bytes())?;
            storage::flush(&self.storage, &self.path)?;
        }
        session.persisted(&update);
        Ok(())
    }

    /// Runs `change` on the session under its write lock, then persists
    /// the header.
    pub(crate) fn change<T>(
        &self,
        change: impl FnOnce(&mut FileSession) -> std::result::Result<T, CoreError>,
    ) -> Result<T> {
        if !self.writable {
            return Err(Error::io(
                "write",
                &self.path,
                std::io::ErrorKind::PermissionDenied.into(),
            ));
        }
        let mut session = self.write_session();
        let out = change(&mut session).map_err(|e| Error::format(&self.path, e))?;
        self.persist(&mut session)?;
        Ok(out)
    }
}

/// Now, in seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Fails when a forced backend cannot run `suite` on this CPU, with the
/// dispatch layer's own words.
fn check_backend(backend: Option<Backend>, suite: Suite) -> Result<()> {
    match backend {
        Some(backend) if !backend.is_available(suite) => {
            Err(pageseal_dispatch::Error::Unsupported { backend, suite }.into())
        }
        _ => Ok(()),
    }
}
