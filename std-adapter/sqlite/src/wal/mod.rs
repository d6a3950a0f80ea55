//! The write-ahead log, sealed in SQLite's own framing.
//!
//! The 32-byte WAL header is kept as SQLite writes it (its checksum covers
//! only the header's own fields). Each frame keeps its 24-byte frame
//! header (page number, commit size, salts) and a page image of the same
//! size as SQLite's, sealed like a database page but with the associated
//! data of [`wal_aad`]: the `psqlwal1` domain, the database's file id, the
//! epoch, suite and page size, the frame header fields and the frame's
//! index. A WAL image therefore cannot be opened as a database page, at
//! another frame index, in another WAL generation (salts) or with another
//! commit marker.
//!
//! SQLite's frame checksums are computed over plaintext, so they are never
//! written: the checksum field is stored as zeros, and when SQLite reads a
//! frame header (recovery, checksum rewrite) the VFS computes the checksum
//! chain, exactly as SQLite does, over the plaintext it returns. A frame
//! that fails authentication at the end of the log (a torn write) is shown
//! to SQLite as an invalid frame, ending the log as SQLite's checksum would;
//! one followed by a frame that authenticates is tampering, and an error.

use std::collections::HashMap;
use std::sync::Arc;

use pageseal_core::{PageFormat, TAG_LEN};

use crate::db::{Db, Io, image_aad};
use crate::error::{Failure, Result};
use crate::ffi;

mod checksum;
mod read;

pub use checksum::wal_checksum;

/// Length of the WAL header.
pub const WAL_HEADER_LEN: u64 = 32;
/// Length of a frame header.
pub const FRAME_HEADER_LEN: usize = 24;

/// The associated data of WAL frame image `frame` (0-based), whose frame
/// header is `header`: see FORMAT.md.
pub fn wal_aad(
    format: &PageFormat,
    epoch: u32,
    header: &[u8; FRAME_HEADER_LEN],
    frame: u64,
) -> Vec<u8> {
    let mut aad = image_aad(b"psqlwal1", format, epoch, 56);
    aad.extend_from_slice(&header[..16]);
    aad.extend_from_slice(&frame.to_le_bytes());
    aad
}

#[derive(Clone, Copy)]
struct Known {
    salts: [u8; 8],
    tag: [u8; TAG_LEN],
    cksum: [u32; 2],
}

/// A WAL file of one connection.
pub(crate) struct Wal {
    db: Arc<Db>,
    name: String,
    page_size: usize,
    pending: Option<(u64, [u8; FRAME_HEADER_LEN])>,
    known: HashMap<u64, Known>,
    /// A page-sized work buffer for sealing (holds only ciphertext after).
    scratch: Vec<u8>,
    /// The frame whose checksum was computed last, trusted without a
    /// re-read by the next frame's read (SQLite reads frames in order,
    /// holding its locks, in recovery and checksum rewrites); cleared by
    /// any write.
    last: Option<(u64, [u32; 2])>,
    /// Whether the WAL's checksum words are big-endian (from its magic).
    big: Option<bool>,
}

impl Wal {
    pub(crate) fn new(db: Arc<Db>, name: String) -> Wal {
        Wal {
            db,
            name,
            page_size: 0,
            pending: None,
            known: HashMap::new(),
            scratch: Vec::new(),
            last: None,
            big: None,
        }
    }

    fn page_size(&mut self) -> Result<usize> {
        if self.page_size == 0 {
            let state = self.db.read();
            let u = state.as_ref().ok_or_else(|| self.db.no_key())?;
            self.page_size = u.session.format().page_size();
        }
        Ok(self.page_size)
    }

    fn frame_len(&mut self) -> Result<u64> {
        Ok((FRAME_HEADER_LEN + self.page_size()?) as u64)
    }

    fn unexpected(&self, what: &str, offset: u64, len: usize) -> Failure {
        Failure::new(
            ffi::IOERR,
            format!(
                "pageseal: unexpected {what} of {len} bytes at offset {offset} of {}",
                self.name
            ),
        )
    }

    pub(crate) fn write(&mut self, io: &dyn Io, offset: u64, buf: &[u8]) -> Result<()> {
        self.last = None;
        if offset < WAL_HEADER_LEN {
            if offset != 0 || buf.len() as u64 != WAL_HEADER_LEN {
                return Err(self.unexpected("write", offset, buf.len()));
            }
            self.known.clear();
            self.pending = None;
            self.big = None;
            return io.write_at(0, buf);
        }
        let ps = self.page_size()?;
        let fl = self.frame_len()?;
        let frame = (offset - WAL_HEADER_LEN) / fl;
        let within = ((offset - WAL_HEADER_LEN) % fl) as usize;
        match (within, buf.len()) {
            (0, FRAME_HEADER_LEN) => self.write_header(io, offset, frame, buf),
            (FRAME_HEADER_LEN, n) if n == ps => self.write_image(io, offset, frame, buf),
            (0, n) if n == FRAME_HEADER_LEN + ps => {
                self.write_header(io, offset, frame, &buf[..FRAME_HEADER_LEN])?;
                self.write_image(
                    io,
                    offset + FRAME_HEADER_LEN as u64,
                    frame,
                    &buf[FRAME_HEADER_LEN..],
                )
            }
            _ => Err(self.unexpected("write", offset, buf.len())),
        }
    }

    fn write_header(&mut self, io: &dyn Io, offset: u64, frame: u64, buf: &[u8]) -> Result<()> {
        let mut header = [0u8; FRAME_HEADER_LEN];
        header.copy_from_slice(buf);
        // SQLite's checksum is over plaintext: never stored.
        header[16..].fill(0);
        if self
            .pending
            .map(|(f, h)| f == frame && h[..16] == header[..16])
            != Some(true)
        {
            self.known.remove(&frame);
        }
        self.pending = Some((frame, header));
        io.write_at(offset, &header)
    }

    fn write_image(&mut self, io: &dyn Io, offset: u64, frame: u64, buf: &[u8]) -> Result<()> {
        let header = match self.pending {
            Some((f, h)) if f == frame => h,
            _ => self.read_header(io, frame)?,
        };
        let bound = Self::bound(io, header)?;
        self.known.remove(&frame);
        let mut image = std::mem::take(&mut self.scratch);
        image.clear();
        image.extend_from_slice(buf);
        let sealed = self
            .db
            .seal_image(io, &mut image, |epoch, format| {
                wal_aad(format, epoch, &bound, frame)
            })
            .and_then(|()| io.write_at(offset, &image));
        if sealed.is_err() {
            image.fill(0);
        }
        self.scratch = image;
        sealed
    }

    /// The frame header as bound into the associated data: SQLite writes
    /// a frame with zero salts (and checksum) while a checksum rewrite is
    /// pending and fills them in at commit, so zero salts stand for the
    /// WAL header's.
    fn bound(io: &dyn Io, mut header: [u8; FRAME_HEADER_LEN]) -> Result<[u8; FRAME_HEADER_LEN]> {
        if header[8..16] == [0; 8] {
            io.read_at(16, &mut header[8..16])?;
        }
        Ok(header)
    }

    pub(crate) fn truncate(&mut self, io: &dyn Io, size: u64) -> Result<()> {
        self.last = None;
        self.big = None;
        self.known.clear();
        self.pending = None;
        io.truncate(size)
    }
}
