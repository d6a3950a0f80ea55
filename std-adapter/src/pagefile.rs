//! Encrypted (or checksum-only) page files on disk.
//!
//! # Concurrency contract
//!
//! [`PageFile`] is `Sync`: reads and writes take `&self` and use positional
//! I/O, so any number of threads may read and write *different* pages at
//! once. Reading a page while another thread writes the *same* page may
//! observe a half-written page, which then fails to authenticate; callers
//! that need that case serialise it themselves, as storage engines do.
//! Page writes, [`PageFile::migrate`] and header changes coordinate among
//! themselves (per-page locks and a header lock), so a migration may run
//! while other threads use the file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use pageseal_core::{
    EpochCipher, FileKeys, FileKind, HEADER_AREA_LEN, Header, HeaderCopy, KdfBlock, KdfParams,
    PageFormat, Secret, Suite, data_offset, read_header,
};
use pageseal_dispatch::{Backend, Cipher};

use crate::error::{Error, Result};
use crate::random::{OsRandom, random_file_id};
use crate::storage;

/// Seals reserved in the header at a time: the persisted count runs ahead of
/// the real one, so a crash can only over-count seals, never under-count.
const SEAL_LEASE: u64 = 1 << 16;
/// Page locks (a page uses lock `page % PAGE_LOCKS`).
const PAGE_LOCKS: usize = 64;

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
}

pub(crate) struct KeyState {
    pub(crate) header: Header,
    keys: Option<FileKeys>,
    pub(crate) ciphers: Vec<EpochCipher<Cipher>>,
    /// Seals the header has reserved for the current epoch.
    reserved: u64,
}

/// An open page file. See the module documentation for concurrency.
pub struct PageFile {
    pub(crate) path: PathBuf,
    pub(crate) file: File,
    writable: bool,
    pub(crate) format: PageFormat,
    tuning: Tuning,
    pub(crate) state: RwLock<KeyState>,
    pages: AtomicU64,
    tail: u64,
    used: AtomicU64,
    pub(crate) page_locks: [Mutex<()>; PAGE_LOCKS],
    repaired: Option<HeaderCopy>,
    slot: Option<usize>,
}

impl PageFile {
    /// Creates a new, empty file at `path` (which must not exist). `secret`
    /// fills keyslot 0; it must be `None` for checksum-only files.
    pub fn create(
        path: &Path,
        options: &CreateOptions,
        secret: Option<&Secret<'_>>,
        tuning: Tuning,
    ) -> Result<PageFile> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Error::io("create", path, e))?;
        let made = Self::init(path, &file, options, secret).and_then(|(header, keys)| {
            Self::from_parts(path, file, true, header, keys, None, Some(0), tuning)
        });
        if made.is_err() {
            let _ = std::fs::remove_file(path);
        }
        made
    }

    /// Writes a fresh header into `file` (the header area, flushed).
    pub(crate) fn init(
        path: &Path,
        file: &File,
        options: &CreateOptions,
        secret: Option<&Secret<'_>>,
    ) -> Result<(Header, Option<FileKeys>)> {
        let file_id = random_file_id().map_err(Error::Invalid)?;
        let (mut header, keys) = match (options.suite.is_keyed(), secret) {
            (false, None) => (
                Header::new_checksum_only(options.page_size, file_id).map_err(Error::Invalid)?,
                None,
            ),
            (false, Some(_)) => return Err(Error::Invalid(pageseal_core::Error::KeyNotExpected)),
            (true, None) => return Err(Error::KeyMissing { path: path.into() }),
            (true, Some(secret)) => {
                let (mut header, keys) =
                    Header::new_encrypted(options.suite, options.page_size, file_id, &mut OsRandom)
                        .map_err(Error::Invalid)?;
                let mut work = kdf_memory(secret, options.kdf.blocks_needed());
                header
                    .set_keyslot(0, secret, &options.kdf, &keys, &mut OsRandom, &mut work)
                    .map_err(Error::Invalid)?;
                (header, Some(keys))
            }
        };
        let area = vec![0u8; data_offset(options.page_size) as usize];
        storage::write_at(file, path, 0, &area)?;
        write_header(file, path, &mut header, keys.as_ref())?;
        Ok((header, keys))
    }

    /// Opens an existing file; `secret` must be given for encrypted files
    /// and not for checksum-only ones. A damaged header copy is rewritten
    /// from the good one when `writable` (see [`PageFile::repaired`]).
    pub fn open(
        path: &Path,
        secret: Option<&Secret<'_>>,
        writable: bool,
        tuning: Tuning,
    ) -> Result<PageFile> {
        let file = storage::open(path, writable)?;
        let mut area = vec![0u8; HEADER_AREA_LEN];
        let got = storage::read_up_to(&file, path, 0, &mut area)?;
        area.truncate(got);
        let read = read_header(&area).map_err(|e| Error::format(path, e))?;
        if read.header.kind() == FileKind::Encrypted && secret.is_none() {
            return Err(Error::KeyMissing { path: path.into() });
        }
        let mut work = match secret {
            Some(s) => kdf_memory(s, read.header.kdf_blocks_needed()),
            None => Vec::new(),
        };
        let opened = read
            .unlock(secret, &mut work)
            .map_err(|e| Error::format(path, e))?;
        let (header, keys) = (opened.header, opened.keys);
        if let (Some(copy), true) = (opened.repair, writable) {
            let bytes = header
                .encode(keys.as_ref())
                .map_err(|e| Error::format(path, e))?;
            storage::write_at(&file, path, copy.offset(), &bytes)?;
            storage::flush(&file, path)?;
        }
        Self::from_parts(
            path,
            file,
            writable,
            header,
            keys,
            opened.repair,
            opened.slot,
            tuning,
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        path: &Path,
        file: File,
        writable: bool,
        header: Header,
        keys: Option<FileKeys>,
        repaired: Option<HeaderCopy>,
        slot: Option<usize>,
        tuning: Tuning,
    ) -> Result<PageFile> {
        let format = PageFormat::new(header.suite(), header.page_size(), *header.file_id())
            .map_err(|e| Error::format(path, e))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io("stat", path, e))?
            .len();
        let body = len.saturating_sub(data_offset(format.page_size()));
        let page_size = format.page_size() as u64;
        let used = header.seals(header.current_epoch());
        let ciphers = build_ciphers(&header, keys.as_ref(), tuning.backend)?;
        Ok(PageFile {
            path: path.to_path_buf(),
            file,
            writable,
            format,
            tuning,
            state: RwLock::new(KeyState {
                reserved: used,
                header,
                keys,
                ciphers,
            }),
            pages: AtomicU64::new(body / page_size),
            tail: body % page_size,
            used: AtomicU64::new(used),
            page_locks: std::array::from_fn(|_| Mutex::new(())),
            repaired,
            slot,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
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
        self.slot
    }
    /// The header and keys, for building a copy of this file.
    pub(crate) fn snapshot(&self) -> (Header, Option<FileKeys>) {
        let st = self.read_state();
        (st.header.clone(), st.keys.clone())
    }

    /// A copy of the header in use.
    pub fn header(&self) -> Header {
        self.read_state().header.clone()
    }
    /// The backend sealing this file's pages.
    pub fn backend(&self) -> Backend {
        self.read_state().ciphers[0].cipher.backend()
    }

    pub(crate) fn read_state(&self) -> RwLockReadGuard<'_, KeyState> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
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

    /// Flushes page data and the header (seal counters, data length) to
    /// stable storage.
    pub fn sync(&self) -> Result<()> {
        storage::flush(&self.file, &self.path)?;
        if self.writable {
            let mut st = self.state.write().unwrap_or_else(|p| p.into_inner());
            self.persist(&mut st)?;
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
        self.state
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .header
            .set_data_len(len);
    }

    pub(crate) fn lock_page(&self, page: u64) -> std::sync::MutexGuard<'_, ()> {
        self.page_locks[(page % PAGE_LOCKS as u64) as usize]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn check_payload(&self, len: usize) -> Result<()> {
        if len == self.payload_len() {
            Ok(())
        } else {
            Err(Error::Invalid(pageseal_core::Error::InvalidPageLength {
                expected: self.payload_len(),
                actual: len,
            }))
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
        storage::read_at(&self.file, &self.path, self.page_offset(page), buf)
    }

    /// Opens a sealed page in place.
    pub(crate) fn open_raw(&self, page: u64, buf: &mut [u8]) -> Result<()> {
        let st = self.read_state();
        self.format
            .open(st.ciphers.as_slice(), page, buf)
            .map_err(|source| Error::Page {
                path: self.path.clone(),
                page,
                source,
            })
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
            return Err(Error::Invalid(pageseal_core::Error::InvalidPageLength {
                expected: self.payload_len(),
                actual: payload.len(),
            }));
        }
        let mut buf = vec![0u8; self.page_size()];
        buf[..payload.len()].copy_from_slice(payload);
        let st = self.reserve_seal()?;
        let epoch = st.header.current_epoch();
        let cipher = st
            .ciphers
            .iter()
            .find(|c| c.epoch == epoch)
            .map(|c| &c.cipher);
        let sealed = match cipher {
            Some(cipher) => self
                .format
                .seal(cipher, epoch, &mut OsRandom, page, &mut buf),
            None => Err(pageseal_core::Error::UnknownEpoch { page, epoch }),
        };
        sealed.map_err(|source| Error::Page {
            path: self.path.clone(),
            page,
            source,
        })?;
        // Written while the state is still read-locked, so that a header
        // change (which takes the write lock) never sees a page sealed under
        // an epoch but not yet on disk.
        let written = storage::write_at(&self.file, &self.path, self.page_offset(page), &buf);
        drop(st);
        written
    }

    /// Counts one seal under the current epoch and returns the state to seal
    /// with. Extends the header's lease of seals, or rotates to a new epoch
    /// before the suite's safe limit, when needed.
    fn reserve_seal(&self) -> Result<RwLockReadGuard<'_, KeyState>> {
        loop {
            let st = self.read_state();
            let mut n = self.used.load(Ordering::SeqCst);
            while n < st.reserved {
                match self
                    .used
                    .compare_exchange(n, n + 1, Ordering::SeqCst, Ordering::SeqCst)
                {
                    Ok(_) => return Ok(st),
                    Err(now) => n = now,
                }
            }
            drop(st);
            let mut st = self.state.write().unwrap_or_else(|p| p.into_inner());
            if self.used.load(Ordering::SeqCst) < st.reserved {
                continue;
            }
            let limit = self.seal_limit();
            if st.reserved >= limit {
                self.add_epoch(&mut st)?;
            } else {
                st.reserved = st.reserved.saturating_add(SEAL_LEASE).min(limit);
                self.persist(&mut st)?;
            }
        }
    }

    fn seal_limit(&self) -> u64 {
        let suite_limit = self.suite().seal_limit();
        self.tuning
            .seal_limit
            .map_or(suite_limit, |l| l.min(suite_limit))
    }

    /// Adds a key epoch and makes it current; the header is written. When
    /// the epoch table is full, epochs that no page uses any more are
    /// dropped first.
    pub(crate) fn add_epoch(&self, st: &mut KeyState) -> Result<u32> {
        if st.header.epochs().count() == pageseal_core::MAX_EPOCHS {
            self.drop_unused_epochs(st)?;
        }
        let keys = st
            .keys
            .as_mut()
            .ok_or(Error::Invalid(pageseal_core::Error::KeyNotExpected))?;
        let epoch = st
            .header
            .add_epoch(keys, &mut OsRandom)
            .map_err(|e| Error::format(&self.path, e))?;
        st.ciphers = build_ciphers(&st.header, st.keys.as_ref(), self.tuning.backend)?;
        self.used.store(0, Ordering::SeqCst);
        st.reserved = SEAL_LEASE.min(self.seal_limit());
        self.persist(st)?;
        Ok(epoch)
    }

    /// Reads the epoch of every page and drops the epochs (other than the
    /// current one) that none uses. The caller holds the state write lock,
    /// so no page is between sealing and writing.
    fn drop_unused_epochs(&self, st: &mut KeyState) -> Result<()> {
        let mut used = std::collections::BTreeSet::new();
        let at = self.payload_len() as u64;
        for page in 0..self.page_count() {
            let mut epoch = [0u8; pageseal_core::EPOCH_LEN];
            let got = storage::read_up_to(
                &self.file,
                &self.path,
                self.page_offset(page) + at,
                &mut epoch,
            )?;
            if got == epoch.len() {
                used.insert(u32::from_le_bytes(epoch));
            }
        }
        let current = st.header.current_epoch();
        let unused: Vec<u32> = st
            .header
            .epochs()
            .map(|(e, _)| e)
            .filter(|e| *e != current && !used.contains(e))
            .collect();
        let keys = st
            .keys
            .as_mut()
            .ok_or(Error::Invalid(pageseal_core::Error::KeyNotExpected))?;
        for epoch in unused {
            st.header
                .drop_epoch(epoch, keys)
                .map_err(|e| Error::format(&self.path, e))?;
        }
        st.ciphers = build_ciphers(&st.header, st.keys.as_ref(), self.tuning.backend)?;
        Ok(())
    }

    /// Writes the header with the current seal reservation.
    pub(crate) fn persist(&self, st: &mut KeyState) -> Result<()> {
        if st.header.kind() == FileKind::Encrypted {
            let epoch = st.header.current_epoch();
            st.header
                .set_seals(epoch, st.reserved)
                .map_err(|e| Error::format(&self.path, e))?;
        }
        write_header(&self.file, &self.path, &mut st.header, st.keys.as_ref())
    }

    /// Runs `change` on the header and keys under the header lock, then
    /// writes the header (both copies, one after the other).
    pub(crate) fn change_header<T>(
        &self,
        change: impl FnOnce(
            &mut Header,
            Option<&mut FileKeys>,
        ) -> std::result::Result<T, pageseal_core::Error>,
    ) -> Result<T> {
        let mut st = self.state.write().unwrap_or_else(|p| p.into_inner());
        let st = &mut *st;
        let out =
            change(&mut st.header, st.keys.as_mut()).map_err(|e| Error::format(&self.path, e))?;
        st.ciphers = build_ciphers(&st.header, st.keys.as_ref(), self.tuning.backend)?;
        self.persist(st)?;
        Ok(out)
    }
}

/// Argon2 memory for `secret`: none for raw keys.
pub(crate) fn kdf_memory(secret: &Secret<'_>, blocks: usize) -> Vec<KdfBlock> {
    match secret {
        Secret::RawKey(_) => Vec::new(),
        Secret::Passphrase(_) => vec![KdfBlock::default(); blocks],
    }
}

/// Keyed ciphers for every live epoch (the checksum cipher, as epoch 0, for
/// checksum-only files).
fn build_ciphers(
    header: &Header,
    keys: Option<&FileKeys>,
    backend: Option<Backend>,
) -> Result<Vec<EpochCipher<Cipher>>> {
    let make = |key: &[u8]| match backend {
        Some(b) => Cipher::with_backend(header.suite(), key, b),
        None => Cipher::new(header.suite(), key),
    };
    match keys {
        None => Ok(vec![EpochCipher {
            epoch: 0,
            cipher: make(&[])?,
        }]),
        Some(keys) => keys
            .epochs()
            .map(|(epoch, key)| {
                Ok(EpochCipher {
                    epoch,
                    cipher: make(key.as_bytes())?,
                })
            })
            .collect(),
    }
}

/// Writes both header copies with a new generation: copy A, flush, copy B,
/// flush — so a crash leaves one valid copy, old or new.
pub(crate) fn write_header(
    file: &File,
    path: &Path,
    header: &mut Header,
    keys: Option<&FileKeys>,
) -> Result<()> {
    header.set_generation(header.generation() + 1);
    let bytes = header.encode(keys).map_err(|e| Error::format(path, e))?;
    for copy in [HeaderCopy::A, HeaderCopy::B] {
        storage::write_at(file, path, copy.offset(), &bytes)?;
        storage::flush(file, path)?;
    }
    Ok(())
}
