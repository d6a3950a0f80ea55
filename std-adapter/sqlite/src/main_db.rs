//! SQLite's main database file over a pageseal page file: the pageseal
//! header, then SQLite page N as pageseal page N−1. SQLite's reserved
//! bytes per page (database header offset 20) equal the suite's trailer,
//! so SQLite's usable page size is pageseal's payload.

use std::sync::Arc;

use pageseal_core::{MAX_PAGE_SIZE, MIN_PAGE_SIZE, data_offset};

use crate::db::{Db, Io};
use crate::error::{Failure, Result};
use crate::ffi;
use crate::keys::{Creation, Key};

/// The first bytes of a plain SQLite database.
pub(crate) const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// One connection's view of its main database file.
pub(crate) struct MainDb {
    pub db: Arc<Db>,
    pub key: Option<Key>,
    pub creation: Creation,
    /// This connection's key was checked against the shared session.
    verified: bool,
    /// Page size and payload length, once verified.
    geometry: Option<(usize, usize)>,
    /// A page-sized work buffer (no allocation per page).
    scratch: Vec<u8>,
}

/// What a read found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// Every byte was there.
    Full,
    /// The read went past the end: the rest is zero-filled.
    Short,
}

impl MainDb {
    pub(crate) fn new(db: Arc<Db>, key: Option<Key>, creation: Creation) -> MainDb {
        MainDb {
            db,
            key,
            creation,
            verified: false,
            geometry: None,
            scratch: Vec::new(),
        }
    }

    /// Sets this connection's key (PRAGMA key, the Rust API) and checks it
    /// at once when the file exists.
    pub(crate) fn set_key(&mut self, io: &dyn Io, key: Option<Key>) -> Result<()> {
        self.key = key;
        self.verified = false;
        self.ready(io).map(|_| ())
    }

    /// Unlocks (or checks this connection's key against) the database;
    /// `false` for a new, empty file.
    pub(crate) fn ready(&mut self, io: &dyn Io) -> Result<bool> {
        if self.verified {
            return Ok(true);
        }
        let mut magic = [0u8; 16];
        if io.read_at(0, &mut magic)? == 16 && &magic == SQLITE_MAGIC {
            return Err(Failure::core(
                &self.db.path,
                pageseal_core::Error::NotPageseal { sqlite: true },
            ));
        }
        let exists = self.db.unlock(io, self.key.as_ref())?;
        if exists {
            self.check_database(io)?;
        }
        self.verified = exists;
        Ok(exists)
    }

    /// At the open: a page file whose first page opens but is not a SQLite
    /// database page is refused with its reason (a first page that does
    /// not open is reported, naming it, by the read that needs it).
    fn check_database(&mut self, io: &dyn Io) -> Result<()> {
        let (ps, _) = self.geometry()?;
        let mut page = std::mem::take(&mut self.scratch);
        page.resize(ps, 0);
        let got = io.read_at(data_offset(ps), &mut page)?;
        let result = if got == ps && self.db.open_page(io, 0, &mut page).is_ok() {
            self.check_first_page(&mut page)
        } else {
            Ok(())
        };
        zeroize::Zeroize::zeroize(&mut page[..]);
        self.scratch = page;
        result
    }

    fn page_size(&self) -> Result<usize> {
        Ok(self.geometry()?.0)
    }

    /// Page size and payload length of the open file.
    fn geometry(&self) -> Result<(usize, usize)> {
        if let Some(g) = self.geometry {
            return Ok(g);
        }
        let state = self.db.read();
        let unlocked = state.as_ref().ok_or_else(|| self.db.no_key())?;
        let f = unlocked.session.format();
        Ok((f.page_size(), f.payload_len()))
    }

    /// Reads `buf.len()` bytes at SQLite offset `offset`.
    pub(crate) fn read(&mut self, io: &dyn Io, offset: u64, buf: &mut [u8]) -> Result<Read> {
        let ready = match self.ready(io) {
            // sqlite3_open reads the first 100 bytes before any key can be
            // given (PRAGMA key follows the open): show it nothing; the
            // real read of page 1 comes with the first statement. Any
            // other problem found then (wrong key, a plain SQLite file) was
            // recorded at xOpen and is reported by the connection hook with
            // its message.
            Err(_) if offset == 0 && buf.len() <= 100 => {
                buf.fill(0);
                return Ok(Read::Short);
            }
            other => other?,
        };
        if !ready {
            buf.fill(0);
            return Ok(Read::Short);
        }
        if self.geometry.is_none() {
            self.geometry = Some(self.geometry()?);
        }
        let (ps, payload) = self.geometry()?;
        let base = data_offset(ps);
        if offset.is_multiple_of(ps as u64) && buf.len() == ps {
            // A whole page, as SQLite reads all but page 1's header: read
            // and opened in SQLite's own buffer.
            let index = offset / ps as u64;
            let got = io.read_at(base + index * ps as u64, buf)?;
            if got == 0 {
                buf.fill(0);
                return Ok(Read::Short);
            }
            if got < ps {
                buf.fill(0);
                return Err(self.truncated(index, got, ps));
            }
            self.db.open_page(io, index, buf)?;
            buf[payload..].fill(0);
            if index == 0 {
                self.check_first_page(buf)?;
            }
            return Ok(Read::Full);
        }
        let mut page = std::mem::take(&mut self.scratch);
        page.resize(ps, 0);
        let mut done = 0usize;
        let mut short = false;
        while done < buf.len() {
            let at = offset + done as u64;
            let index = at / ps as u64;
            let within = (at % ps as u64) as usize;
            let n = (ps - within).min(buf.len() - done);
            let got = io.read_at(base + index * ps as u64, &mut page)?;
            if got == 0 {
                buf[done..].fill(0);
                short = true;
                break;
            }
            if got < ps {
                buf.fill(0);
                return Err(self.truncated(index, got, ps));
            }
            let opened = self.db.open_page(io, index, &mut page);
            if let Err(e) = opened {
                buf[done..].fill(0);
                return Err(e);
            }
            page[payload..].fill(0);
            if index == 0
                && let Err(e) = self.check_first_page(&mut page)
            {
                buf.fill(0);
                self.scratch = page;
                return Err(e);
            }
            buf[done..done + n].copy_from_slice(&page[within..within + n]);
            done += n;
        }
        zeroize::Zeroize::zeroize(&mut page[..]);
        self.scratch = page;
        Ok(if short { Read::Short } else { Read::Full })
    }

    /// Page 1 of a database begins with SQLite's header: a pageseal page
    /// file holding anything else (a file sealed by `pageseal seal`, say)
    /// is named as such, and the opened page is wiped, not shown to SQLite.
    fn check_first_page(&self, page: &mut [u8]) -> Result<()> {
        if page.starts_with(SQLITE_MAGIC) {
            return Ok(());
        }
        zeroize::Zeroize::zeroize(page);
        Err(Failure::new(
            ffi::NOTADB,
            format!(
                "pageseal: {} is a pageseal page file but not a SQLite database (its first \
                 page does not begin with SQLite's header)",
                self.db.path.display()
            ),
        ))
    }

    fn truncated(&self, index: u64, got: usize, ps: usize) -> Failure {
        Failure::new(
            ffi::IOERR_DATA,
            format!(
                "pageseal: page {} of {} is truncated ({got} of {ps} bytes)",
                index + 1,
                self.db.path.display()
            ),
        )
    }

    /// Writes whole pages at SQLite offset `offset`.
    pub(crate) fn write(&mut self, io: &dyn Io, offset: u64, buf: &[u8]) -> Result<()> {
        if !self.ready(io)? {
            let ps = buf.len();
            if offset != 0
                || !ps.is_power_of_two()
                || !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&ps)
            {
                return Err(self.bad_write(offset, buf.len()));
            }
            self.db.create(io, self.key.as_ref(), &self.creation, ps)?;
            self.verified = true;
        }
        let ps = self.page_size()?;
        if !offset.is_multiple_of(ps as u64) || !buf.len().is_multiple_of(ps) {
            return Err(self.bad_write(offset, buf.len()));
        }
        let base = data_offset(ps);
        let mut page = std::mem::take(&mut self.scratch);
        page.resize(ps, 0);
        for (i, chunk) in buf.chunks(ps).enumerate() {
            let index = offset / ps as u64 + i as u64;
            if index == 0 {
                self.check_page_one(chunk)?;
            }
            page.copy_from_slice(chunk);
            let sealed = self
                .db
                .seal_page(io, index, &mut page)
                .and_then(|()| io.write_at(base + index * ps as u64, &page));
            if let Err(e) = sealed {
                page.fill(0);
                self.scratch = page;
                return Err(e);
            }
        }
        self.scratch = page;
        Ok(())
    }

    /// SQLite's page 1 must reserve exactly the trailer.
    fn check_page_one(&self, page: &[u8]) -> Result<()> {
        let state = self.db.read();
        let unlocked = state.as_ref().ok_or_else(|| self.db.no_key())?;
        let format = unlocked.session.format();
        let want = format.trailer_len();
        let sqlite_ps = match u16::from_be_bytes([page[16], page[17]]) {
            1 => 65536,
            n => usize::from(n),
        };
        if sqlite_ps != format.page_size() {
            return Err(Failure::new(
                ffi::IOERR_WRITE,
                format!(
                    "pageseal: SQLite writes {sqlite_ps}-byte pages to {}, whose pageseal pages are {} bytes",
                    self.db.path.display(),
                    format.page_size()
                ),
            ));
        }
        if usize::from(page[20]) != want {
            return Err(Failure::new(
                ffi::IOERR_WRITE,
                format!(
                    "pageseal: SQLite reserves {} bytes per page in {} but the {} trailer needs \
                     {want}: the reserve is set when the pageseal extension is active on the \
                     connection that creates the database (sqlite3_file_control \
                     SQLITE_FCNTL_RESERVE_BYTES)",
                    page[20],
                    self.db.path.display(),
                    format.suite()
                ),
            ));
        }
        Ok(())
    }

    fn bad_write(&self, offset: u64, len: usize) -> Failure {
        Failure::new(
            ffi::IOERR_WRITE,
            format!(
                "pageseal: unexpected write of {len} bytes at offset {offset} of {} (not whole pages)",
                self.db.path.display()
            ),
        )
    }

    /// SQLite's view of the file size.
    pub(crate) fn size(&mut self, io: &dyn Io) -> Result<u64> {
        let physical = io.size()?;
        if physical == 0 {
            return Ok(0);
        }
        let Some(ps) = self.db.page_size(io)? else {
            return Ok(0);
        };
        Ok(physical.saturating_sub(data_offset(ps)))
    }

    /// Truncates to SQLite size `size`.
    pub(crate) fn truncate(&mut self, io: &dyn Io, size: u64) -> Result<()> {
        match self.db.page_size(io)? {
            Some(ps) => io.truncate(data_offset(ps) + size),
            None => Ok(()),
        }
    }

    /// Syncs the file and the header.
    pub(crate) fn sync(&mut self, io: &dyn Io) -> Result<()> {
        io.sync()?;
        self.db.sync_header(io)
    }
}
