//! The rollback journal, sealed in SQLite's own framing.
//!
//! Journal headers (and a super-journal name) are kept as SQLite writes
//! them: they hold counts, sizes and a random checksum nonce, no database
//! content. Each record keeps its layout — page number (4 bytes), page
//! image (page size), checksum (4 bytes) — with the page image sealed under
//! the associated data of [`journal_aad`]: the `psqljnl1` domain, the
//! database's file id, epoch, suite, page size, the record's page number,
//! the nonce of the journal's first header and the image's offset.
//!
//! SQLite's record checksum is the header nonce plus a sample of the page
//! bytes (every 200th) — of plaintext. It is stored shifted to the same
//! sample of the sealed image (`stored = sqlite − Σplain + Σsealed`), and
//! shifted back when SQLite reads it, so nothing of the plaintext is kept
//! in it. A record that fails authentication is an error naming it.

use std::sync::Arc;

use pageseal_core::PageFormat;

use crate::db::{Db, Io, image_aad};
use crate::error::{Failure, Result};
use crate::ffi;

/// The associated data of the journal image at byte `offset` for database
/// page `pgno`, in a journal whose first header has nonce `nonce`.
pub fn journal_aad(format: &PageFormat, epoch: u32, pgno: u32, nonce: u32, offset: u64) -> Vec<u8> {
    let mut aad = image_aad(b"psqljnl1", format, epoch, 48);
    aad.extend_from_slice(&pgno.to_be_bytes());
    aad.extend_from_slice(&nonce.to_be_bytes());
    aad.extend_from_slice(&offset.to_le_bytes());
    aad
}

/// SQLite's sample of a page for the journal checksum (without the nonce).
pub fn sample_sum(page: &[u8]) -> u32 {
    let mut sum = 0u32;
    let mut i = page.len() as isize - 200;
    while i > 0 {
        sum = sum.wrapping_add(u32::from(page[i as usize]));
        i -= 200;
    }
    sum
}

/// A rollback journal of one connection.
pub(crate) struct Journal {
    db: Arc<Db>,
    name: String,
    /// (image offset, Σplain − Σsealed) of the last image written or read.
    last: Option<(u64, u32)>,
}

impl Journal {
    pub(crate) fn new(db: Arc<Db>, name: String) -> Journal {
        Journal {
            db,
            name,
            last: None,
        }
    }

    fn page_size(&self) -> Result<usize> {
        let state = self.db.read();
        let u = state.as_ref().ok_or_else(|| self.db.no_key())?;
        Ok(u.session.format().page_size())
    }

    fn read_u32(io: &dyn Io, offset: u64) -> Result<u32> {
        let mut b = [0u8; 4];
        io.read_at(offset, &mut b)?;
        Ok(u32::from_be_bytes(b))
    }

    fn is_image(&self, offset: u64, len: usize) -> Result<bool> {
        // Before the database's first page is written there is no page to
        // journal (and no session yet).
        if !self.db.is_unlocked() {
            return Ok(false);
        }
        Ok(len == self.page_size()? && offset % 8 == 4)
    }

    pub(crate) fn write(&mut self, io: &dyn Io, offset: u64, buf: &[u8]) -> Result<()> {
        if self.is_image(offset, buf.len())? {
            let pgno = Self::read_u32(io, offset - 4)?;
            let nonce = Self::read_u32(io, 12)?;
            let mut image = buf.to_vec();
            self.db.seal_image(io, &mut image, |epoch, format| {
                journal_aad(format, epoch, pgno, nonce, offset)
            })?;
            let delta = sample_sum(buf).wrapping_sub(sample_sum(&image));
            self.last = Some((offset + buf.len() as u64, delta));
            return io.write_at(offset, &image);
        }
        if let (4, Some((at, delta))) = (buf.len(), self.last)
            && at == offset
        {
            let c = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
            return io.write_at(offset, &c.wrapping_sub(delta).to_be_bytes());
        }
        io.write_at(offset, buf)
    }

    pub(crate) fn read(&mut self, io: &dyn Io, offset: u64, buf: &mut [u8]) -> Result<bool> {
        if self.is_image(offset, buf.len())? {
            let got = io.read_at(offset, buf)?;
            if got < buf.len() {
                buf.fill(0);
                return Ok(false);
            }
            let pgno = Self::read_u32(io, offset - 4)?;
            let nonce = Self::read_u32(io, 12)?;
            let sealed = sample_sum(buf);
            let opened = self.db.open_image(io, offset, buf, |epoch, format| {
                journal_aad(format, epoch, pgno, nonce, offset)
            });
            if let Err(e) = opened {
                buf.fill(0);
                return Err(match e {
                    pageseal_core::Error::PageAuthentication { .. }
                    | pageseal_core::Error::UnknownEpoch { .. } => Failure::new(
                        ffi::IOERR_DATA,
                        format!(
                            "pageseal: journal record at offset {} (database page {pgno}) of {} \
                             failed authentication (tampered or corrupt)",
                            offset - 4,
                            self.name
                        ),
                    ),
                    e => Failure::core(&self.db.path, e),
                });
            }
            let trailer = {
                let state = self.db.read();
                state
                    .as_ref()
                    .map_or(0, |u| u.session.format().trailer_len())
            };
            let len = buf.len();
            buf[len - trailer..].fill(0);
            let delta = sample_sum(buf).wrapping_sub(sealed);
            self.last = Some((offset + buf.len() as u64, delta));
            return Ok(true);
        }
        let got = io.read_at(offset, buf)?;
        if let (4, 4, Some((at, delta))) = (buf.len(), got, self.last)
            && at == offset
        {
            let c = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
            buf.copy_from_slice(&c.wrapping_add(delta).to_be_bytes());
        }
        Ok(got == buf.len())
    }
}
