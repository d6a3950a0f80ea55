//! Temporary files (temp databases, their journals, statement journals,
//! transient databases): sealed in blocks under an ephemeral random key
//! that lives only in memory. They are deleted on close and never read by
//! another process, so their length is kept in memory too.

use std::collections::HashSet;

use pageseal_core::PageFormat;
use pageseal_dispatch::Cipher;
use zeroize::Zeroizing;

use crate::db::Io;
use crate::error::{Failure, Result};
use crate::ffi;

/// Physical block size of temporary files.
const BLOCK: usize = 4096;

/// A temporary file sealed under its own random key.
pub(crate) struct Temp {
    format: PageFormat,
    keys: pageseal_core::EpochCipher<Cipher>,
    seals: u64,
    len: u64,
    written: HashSet<u64>,
    name: String,
    /// A block-sized work buffer, wiped after each use.
    scratch: Zeroizing<Vec<u8>>,
}

impl Temp {
    pub(crate) fn new(name: String) -> Result<Temp> {
        let fail = |e: String| {
            Failure::new(
                ffi::CANTOPEN,
                format!("pageseal: temporary file {name}: {e}"),
            )
        };
        let suite = pageseal_dispatch::recommended_suite();
        let mut key = Zeroizing::new([0u8; 32]);
        pageseal::fill_random(&mut key[..]).map_err(|e| fail(e.to_string()))?;
        let file_id = pageseal::random_file_id().map_err(|e| fail(e.to_string()))?;
        let cipher =
            Cipher::new(suite, &key[..suite.key_len()]).map_err(|e| fail(e.to_string()))?;
        let format = PageFormat::new(suite, BLOCK, file_id).map_err(|e| fail(e.to_string()))?;
        Ok(Temp {
            format,
            keys: pageseal_core::EpochCipher { epoch: 1, cipher },
            seals: 0,
            len: 0,
            written: HashSet::new(),
            name,
            scratch: Zeroizing::new(vec![0u8; BLOCK]),
        })
    }

    fn payload(&self) -> usize {
        self.format.payload_len()
    }

    fn load(&self, io: &dyn Io, block: u64, out: &mut [u8]) -> Result<()> {
        if !self.written.contains(&block) {
            out.fill(0);
            return Ok(());
        }
        io.read_at(block * BLOCK as u64, out)?;
        self.format.open(&self.keys, block, out).map_err(|_| {
            Failure::new(
                ffi::IOERR_DATA,
                format!(
                    "pageseal: block {block} of temporary file {} failed authentication",
                    self.name
                ),
            )
        })
    }

    fn store(&mut self, io: &dyn Io, block: u64, page: &mut [u8]) -> Result<()> {
        self.seals += 1;
        if self.seals > self.format.suite().seal_limit() {
            return Err(Failure::new(
                ffi::IOERR_WRITE,
                format!(
                    "pageseal: temporary file {} wrote too many blocks for one key",
                    self.name
                ),
            ));
        }
        self.format
            .seal(&self.keys.cipher, 1, &mut pageseal::FastRandom, block, page)
            .map_err(|e| Failure::new(ffi::IOERR_WRITE, format!("pageseal: {e}")))?;
        self.written.insert(block);
        io.write_at(block * BLOCK as u64, page)
    }

    pub(crate) fn read(&mut self, io: &dyn Io, offset: u64, buf: &mut [u8]) -> Result<bool> {
        let mut page = std::mem::take(&mut self.scratch);
        let r = self.read_with(io, offset, buf, &mut page);
        page.fill(0);
        self.scratch = page;
        r
    }

    fn read_with(
        &mut self,
        io: &dyn Io,
        offset: u64,
        buf: &mut [u8],
        page: &mut [u8],
    ) -> Result<bool> {
        let p = self.payload() as u64;
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset + done as u64;
            if at >= self.len {
                buf[done..].fill(0);
                return Ok(false);
            }
            let block = at / p;
            let within = (at % p) as usize;
            let n = (p as usize - within)
                .min(buf.len() - done)
                .min((self.len - at) as usize);
            self.load(io, block, page)?;
            buf[done..done + n].copy_from_slice(&page[within..within + n]);
            done += n;
        }
        Ok(true)
    }

    pub(crate) fn write(&mut self, io: &dyn Io, offset: u64, buf: &[u8]) -> Result<()> {
        let mut page = std::mem::take(&mut self.scratch);
        let r = self.write_with(io, offset, buf, &mut page);
        page.fill(0);
        self.scratch = page;
        r
    }

    fn write_with(&mut self, io: &dyn Io, offset: u64, buf: &[u8], page: &mut [u8]) -> Result<()> {
        let p = self.payload() as u64;
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset + done as u64;
            let block = at / p;
            let within = (at % p) as usize;
            let n = (p as usize - within).min(buf.len() - done);
            if n < p as usize {
                self.load(io, block, page)?;
            }
            page[within..within + n].copy_from_slice(&buf[done..done + n]);
            self.store(io, block, page)?;
            done += n;
        }
        self.len = self.len.max(offset + buf.len() as u64);
        Ok(())
    }

    pub(crate) fn truncate(&mut self, io: &dyn Io, size: u64) -> Result<()> {
        let p = self.payload() as u64;
        if size < self.len && !size.is_multiple_of(p) {
            // Zero the cut-off part of the last block.
            let block = size / p;
            let mut page = Zeroizing::new(vec![0u8; BLOCK]);
            self.load(io, block, &mut page)?;
            page[(size % p) as usize..].fill(0);
            self.store(io, block, &mut page)?;
        }
        let blocks = size.div_ceil(p);
        self.written.retain(|b| *b < blocks);
        self.len = size;
        io.truncate(blocks * BLOCK as u64)
    }

    pub(crate) fn size(&self) -> u64 {
        self.len
    }
}
