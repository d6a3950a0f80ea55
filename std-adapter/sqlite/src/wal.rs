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

use pageseal_core::{Error as CoreError, PageFormat, TAG_LEN};

use crate::db::{Db, Io};
use crate::error::{Failure, Result};
use crate::ffi;

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
    let mut aad = Vec::with_capacity(56);
    aad.extend_from_slice(b"psqlwal1");
    aad.extend_from_slice(format.file_id());
    aad.extend_from_slice(&epoch.to_le_bytes());
    aad.push(format.suite().id());
    aad.push(format.page_size().trailing_zeros() as u8);
    aad.extend_from_slice(&[0, 0]);
    aad.extend_from_slice(&header[..16]);
    aad.extend_from_slice(&frame.to_le_bytes());
    aad
}

/// The checksum in the WAL header (bytes 24..32, two big-endian u32s):
/// the seed of frame 0's running checksum.
fn header_checksum(io: &dyn Io) -> Result<[u32; 2]> {
    let mut h = [0u8; 8];
    io.read_at(24, &mut h)?;
    Ok([
        u32::from_be_bytes([h[0], h[1], h[2], h[3]]),
        u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
    ])
}

/// SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing
/// from `s`; words are big-endian when `big_endian`.
pub fn wal_checksum(big_endian: bool, data: &[u8], s: [u32; 2]) -> [u32; 2] {
    let (mut s1, mut s2) = (s[0], s[1]);
    for pair in data.chunks_exact(8) {
        let word = |b: &[u8]| {
            let b = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s1 = s1.wrapping_add(word(&pair[..4])).wrapping_add(s2);
        s2 = s2.wrapping_add(word(&pair[4..])).wrapping_add(s1);
    }
    [s1, s2]
}

/// A frame read back: its header, its opened image (zeroed trailer) and
/// the image's tag, or why it did not open.
type Frame = (
    [u8; FRAME_HEADER_LEN],
    Vec<u8>,
    std::result::Result<[u8; TAG_LEN], CoreError>,
);

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

    fn frame_offset(&mut self, frame: u64) -> Result<u64> {
        Ok(WAL_HEADER_LEN + frame * self.frame_len()?)
    }

    fn read_header(&mut self, io: &dyn Io, frame: u64) -> Result<[u8; FRAME_HEADER_LEN]> {
        let mut header = [0u8; FRAME_HEADER_LEN];
        let at = self.frame_offset(frame)?;
        io.read_at(at, &mut header)?;
        Ok(header)
    }

    /// Reads and opens frame `frame`: `None` past the end of the file.
    fn open_frame(&mut self, io: &dyn Io, frame: u64) -> Result<Option<Frame>> {
        let ps = self.page_size()?;
        let at = self.frame_offset(frame)?;
        let mut raw = vec![0u8; FRAME_HEADER_LEN + ps];
        let got = io.read_at(at, &mut raw)?;
        if got < raw.len() {
            return Ok(None);
        }
        let mut header = [0u8; FRAME_HEADER_LEN];
        header.copy_from_slice(&raw[..FRAME_HEADER_LEN]);
        let mut image = raw.split_off(FRAME_HEADER_LEN);
        let bound = Self::bound(io, header)?;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&image[ps - TAG_LEN..]);
        let trailer = {
            let state = self.db.read();
            state
                .as_ref()
                .map_or(0, |u| u.session.format().trailer_len())
        };
        let opened = self
            .db
            .open_image(io, frame, &mut image, |epoch, format| {
                wal_aad(format, epoch, &bound, frame)
            })
            .map(|()| tag);
        image[ps - trailer..].fill(0);
        Ok(Some((header, image, opened)))
    }

    fn big_endian(&mut self, io: &dyn Io) -> Result<bool> {
        if let Some(big) = self.big {
            return Ok(big);
        }
        let mut magic = [0u8; 4];
        io.read_at(0, &mut magic)?;
        let big = u32::from_be_bytes(magic) & 1 == 1;
        self.big = Some(big);
        Ok(big)
    }

    /// The checksum SQLite expects after frame `frame`, over the plaintext
    /// this VFS returns.
    fn cksum_after(&mut self, io: &dyn Io, frame: u64) -> Result<[u32; 2]> {
        if let Some((k, s)) = self.last
            && k == frame
        {
            return Ok(s);
        }
        // Walk back to a frame whose checksum is known and still valid.
        let mut start = frame + 1;
        let mut running = None;
        while start > 0 {
            let k = start - 1;
            if let Some(known) = self.known.get(&k).copied() {
                let at = self.frame_offset(k)?;
                let ps = self.page_size()?;
                let mut salts = [0u8; 8];
                let mut tag = [0u8; TAG_LEN];
                io.read_at(at + 8, &mut salts)?;
                io.read_at(at + (FRAME_HEADER_LEN + ps - TAG_LEN) as u64, &mut tag)?;
                if salts == known.salts && tag == known.tag {
                    running = Some(known.cksum);
                    break;
                }
            }
            start -= 1;
        }
        let mut s = match running {
            Some(s) => s,
            None => header_checksum(io)?,
        };
        let big = self.big_endian(io)?;
        for k in start..=frame {
            let Some((header, image, opened)) = self.open_frame(io, k)? else {
                return Err(self.unexpected("checksum read past the end", k, 0));
            };
            let tag = opened.map_err(|e| self.frame_error(k, &header, e))?;
            s = wal_checksum(big, &header[..8], s);
            s = wal_checksum(big, &image, s);
            let mut salts = [0u8; 8];
            salts.copy_from_slice(&header[8..16]);
            self.known.insert(
                k,
                Known {
                    salts,
                    tag,
                    cksum: s,
                },
            );
        }
        Ok(s)
    }

    fn frame_error(&self, frame: u64, header: &[u8; FRAME_HEADER_LEN], e: CoreError) -> Failure {
        let pgno = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        match e {
            CoreError::PageAuthentication { .. } | CoreError::UnknownEpoch { .. } => Failure::new(
                ffi::IOERR_DATA,
                format!(
                    "pageseal: WAL frame {} (database page {pgno}) of {} failed authentication \
                     (tampered, replayed or corrupt)",
                    frame + 1,
                    self.name
                ),
            ),
            e => Failure::core(&self.db.path, e),
        }
    }

    /// Whether a frame after `frame` of the same WAL generation opens:
    /// then `frame` failing is tampering, not a torn tail.
    fn later_frame_opens(&mut self, io: &dyn Io, frame: u64, salts: &[u8]) -> Result<bool> {
        let fl = self.frame_len()?;
        let frames = io.size()?.saturating_sub(WAL_HEADER_LEN) / fl;
        for k in frame + 1..frames {
            if let Some((h, _, opened)) = self.open_frame(io, k)?
                && (&h[8..16] == salts || h[8..16] == [0; 8])
                && opened.is_ok()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub(crate) fn read(&mut self, io: &dyn Io, offset: u64, buf: &mut [u8]) -> Result<bool> {
        if offset >= WAL_HEADER_LEN {
            let fl = self.frame_len()?;
            let ps = self.page_size()?;
            let frame = (offset - WAL_HEADER_LEN) / fl;
            let within = ((offset - WAL_HEADER_LEN) % fl) as usize;
            if within == FRAME_HEADER_LEN && buf.len() == ps {
                return self.read_image(io, offset, frame, buf);
            }
            if within == 0 && buf.len() as u64 == fl {
                return self.read_frame(io, offset, frame, buf);
            }
        }
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset + done as u64;
            if at < WAL_HEADER_LEN {
                let n = ((WAL_HEADER_LEN - at) as usize).min(buf.len() - done);
                let got = io.read_at(at, &mut buf[done..done + n])?;
                if got < n {
                    buf[done..].fill(0);
                    return Ok(false);
                }
                done += n;
                continue;
            }
            let fl = self.frame_len()?;
            let frame = (at - WAL_HEADER_LEN) / fl;
            let within = ((at - WAL_HEADER_LEN) % fl) as usize;
            let n = (fl as usize - within).min(buf.len() - done);
            let Some((mut header, image, opened)) = self.open_frame(io, frame)? else {
                buf[done..].fill(0);
                return Ok(false);
            };
            let wants_header = within < FRAME_HEADER_LEN;
            match opened {
                Ok(tag) => {
                    if wants_header {
                        let s = if frame == 0 {
                            header_checksum(io)?
                        } else {
                            self.cksum_after(io, frame - 1)?
                        };
                        let big = self.big_endian(io)?;
                        let s = wal_checksum(big, &header[..8], s);
                        let s = wal_checksum(big, &image, s);
                        let mut salts = [0u8; 8];
                        salts.copy_from_slice(&header[8..16]);
                        self.known.insert(
                            frame,
                            Known {
                                salts,
                                tag,
                                cksum: s,
                            },
                        );
                        header[16..20].copy_from_slice(&s[0].to_be_bytes());
                        header[20..24].copy_from_slice(&s[1].to_be_bytes());
                    }
                }
                Err(e) => {
                    let salts = header[8..16].to_vec();
                    if !wants_header || self.later_frame_opens(io, frame, &salts)? {
                        buf[done..].fill(0);
                        return Err(self.frame_error(frame, &header, e));
                    }
                    // A torn frame at the end: show SQLite an invalid frame.
                    header[8] ^= 0xff;
                }
            }
            let mut view = Vec::with_capacity(fl as usize);
            view.extend_from_slice(&header);
            view.extend_from_slice(&image);
            buf[done..done + n].copy_from_slice(&view[within..within + n]);
            zeroize::Zeroize::zeroize(&mut view[..]);
            done += n;
        }
        Ok(true)
    }

    /// A whole frame (how SQLite reads them in recovery and checksum
    /// rewrites), opened in SQLite's buffer, with the checksum SQLite
    /// expects.
    fn read_frame(&mut self, io: &dyn Io, offset: u64, frame: u64, buf: &mut [u8]) -> Result<bool> {
        let got = io.read_at(offset, buf)?;
        if got < buf.len() {
            buf.fill(0);
            return Ok(false);
        }
        let ps = self.page_size()?;
        let (head, image) = buf.split_at_mut(FRAME_HEADER_LEN);
        let mut header = [0u8; FRAME_HEADER_LEN];
        header.copy_from_slice(head);
        let bound = Self::bound(io, header)?;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&image[ps - TAG_LEN..]);
        let trailer = {
            let state = self.db.read();
            state
                .as_ref()
                .map_or(0, |u| u.session.format().trailer_len())
        };
        let opened = self.db.open_image(io, frame, image, |epoch, format| {
            wal_aad(format, epoch, &bound, frame)
        });
        if let Err(e) = opened {
            image.fill(0);
            if self.later_frame_opens(io, frame, &header[8..16])? {
                head.fill(0);
                return Err(self.frame_error(frame, &header, e));
            }
            // A torn frame at the end: show SQLite an invalid frame.
            head[8] ^= 0xff;
            return Ok(true);
        }
        image[ps - trailer..].fill(0);
        let s = if frame == 0 {
            let mut h = [0u8; 8];
            io.read_at(24, &mut h)?;
            [
                u32::from_be_bytes([h[0], h[1], h[2], h[3]]),
                u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
            ]
        } else {
            self.cksum_after(io, frame - 1)?
        };
        let big = self.big_endian(io)?;
        let s = wal_checksum(big, &header[..8], s);
        let s = wal_checksum(big, image, s);
        let mut salts = [0u8; 8];
        salts.copy_from_slice(&header[8..16]);
        self.known.insert(
            frame,
            Known {
                salts,
                tag,
                cksum: s,
            },
        );
        self.last = Some((frame, s));
        head[16..20].copy_from_slice(&s[0].to_be_bytes());
        head[20..24].copy_from_slice(&s[1].to_be_bytes());
        Ok(true)
    }

    /// A page image alone (how SQLite reads pages from the WAL), opened in
    /// SQLite's buffer.
    fn read_image(&mut self, io: &dyn Io, offset: u64, frame: u64, buf: &mut [u8]) -> Result<bool> {
        // One read of header and image (a copy is cheaper than a second
        // system call), opened in the work buffer, then handed over.
        let mut raw = std::mem::take(&mut self.scratch);
        raw.resize(FRAME_HEADER_LEN + buf.len(), 0);
        let got = io.read_at(offset - FRAME_HEADER_LEN as u64, &mut raw);
        let result = got.and_then(|got| {
            if got < raw.len() {
                buf.fill(0);
                return Ok(false);
            }
            let (head, image) = raw.split_at_mut(FRAME_HEADER_LEN);
            let mut header = [0u8; FRAME_HEADER_LEN];
            header.copy_from_slice(head);
            let bound = Self::bound(io, header)?;
            let trailer = {
                let state = self.db.read();
                state
                    .as_ref()
                    .map_or(0, |u| u.session.format().trailer_len())
            };
            if let Err(e) = self.db.open_image(io, frame, image, |epoch, format| {
                wal_aad(format, epoch, &bound, frame)
            }) {
                buf.fill(0);
                return Err(self.frame_error(frame, &header, e));
            }
            let len = image.len();
            image[len - trailer..].fill(0);
            buf.copy_from_slice(image);
            Ok(true)
        });
        raw.fill(0);
        self.scratch = raw;
        result
    }

    pub(crate) fn truncate(&mut self, io: &dyn Io, size: u64) -> Result<()> {
        self.last = None;
        self.big = None;
        self.known.clear();
        self.pending = None;
        io.truncate(size)
    }
}
