//! Reading the WAL back: frame headers with their checksum chain
//! recomputed, frame images opened, a torn tail told from tampering.

use pageseal_core::{Error as CoreError, TAG_LEN};

use super::checksum::{header_checksum, wal_checksum};
use super::{FRAME_HEADER_LEN, Known, WAL_HEADER_LEN, Wal, wal_aad};
use crate::db::Io;
use crate::error::{Failure, Result};
use crate::ffi;

/// A frame image's tag once it opened, or why it did not.
type Opened = std::result::Result<[u8; TAG_LEN], CoreError>;

/// A frame read back: its header, its opened image (zeroed trailer) and
/// the image's tag, or why it did not open.
type Frame = ([u8; FRAME_HEADER_LEN], Vec<u8>, Opened);

impl Wal {
    fn frame_offset(&mut self, frame: u64) -> Result<u64> {
        Ok(WAL_HEADER_LEN + frame * self.frame_len()?)
    }

    pub(super) fn read_header(
        &mut self,
        io: &dyn Io,
        frame: u64,
    ) -> Result<[u8; FRAME_HEADER_LEN]> {
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
        let mut image = raw.split_off(FRAME_HEADER_LEN);
        let (header, opened) = self.open_in_place(io, frame, &raw, &mut image)?;
        Ok(Some((header, image, opened)))
    }

    /// Opens the image of frame `frame` in place, bound to its frame
    /// header `head`; returns the frame header and the image's tag, or why
    /// it did not open. The image's trailer is zeroed.
    fn open_in_place(
        &self,
        io: &dyn Io,
        frame: u64,
        head: &[u8],
        image: &mut [u8],
    ) -> Result<([u8; FRAME_HEADER_LEN], Opened)> {
        let mut header = [0u8; FRAME_HEADER_LEN];
        header.copy_from_slice(head);
        let bound = Self::bound(io, header)?;
        let len = image.len();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&image[len - TAG_LEN..]);
        let trailer = {
            let state = self.db.read();
            state
                .as_ref()
                .map_or(0, |u| u.session.format().trailer_len())
        };
        let opened = self
            .db
            .open_image(io, frame, image, |epoch, format| {
                wal_aad(format, epoch, &bound, frame)
            })
            .map(|()| tag);
        image[len - trailer..].fill(0);
        Ok((header, opened))
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
        let (head, image) = buf.split_at_mut(FRAME_HEADER_LEN);
        let (header, opened) = self.open_in_place(io, frame, head, image)?;
        let tag = match opened {
            Ok(tag) => tag,
            Err(e) => {
                image.fill(0);
                if self.later_frame_opens(io, frame, &header[8..16])? {
                    head.fill(0);
                    return Err(self.frame_error(frame, &header, e));
                }
                // A torn frame at the end: show SQLite an invalid frame.
                head[8] ^= 0xff;
                return Ok(true);
            }
        };
        let s = if frame == 0 {
            header_checksum(io)?
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
            let (header, opened) = self.open_in_place(io, frame, head, image)?;
            if let Err(e) = opened {
                buf.fill(0);
                return Err(self.frame_error(frame, &header, e));
            }
            buf.copy_from_slice(image);
            Ok(true)
        });
        raw.fill(0);
        self.scratch = raw;
        result
    }
}
