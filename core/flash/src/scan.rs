//! Reading slots without cryptography: committed headers, erased slots and
//! sectors, the newest copy of an id, the ids present.
//!
//! Every loop here runs over the store's fixed number of slots, whatever
//! the flash holds, so no content can cause unbounded work.

use embedded_storage::nor_flash::NorFlash;
use pageseal_core::Aead;
use rand_core::CryptoRng;

use crate::error::Error;
use crate::slot::{HEADER_LEN, Header, MAX_UNIT, is_erased, marker};
use crate::store::FlashStore;

impl<F, A, R, const SLOT: usize> FlashStore<F, A, R, SLOT>
where
    F: NorFlash,
    A: Aead,
    R: CryptoRng,
{
    /// Flash offset of slot `index` of `sector`.
    pub(crate) fn addr(&self, sector: u32, index: u32) -> u32 {
        self.config.offset + sector * F::ERASE_SIZE as u32 + index * SLOT as u32
    }

    /// The sector after `sector` in the ring.
    pub(crate) fn after(&self, sector: u32) -> u32 {
        (sector + 1) % self.config.sectors
    }

    /// Reads one unit (max(16, read size, write size) bytes) at `at`.
    fn read_unit(&mut self, at: u32) -> Result<[u8; MAX_UNIT], Error<F::Error>> {
        let mut unit = [0xFF; MAX_UNIT];
        self.flash
            .read(at, &mut unit[..self.layout.unit])
            .map_err(Error::Flash)?;
        Ok(unit)
    }

    /// The header of the slot at `at` if the slot is committed: its marker
    /// is the header's complement, and the id and sequence number are not
    /// the reserved values an erased or zeroed header reads as.
    pub(crate) fn committed(&mut self, at: u32) -> Result<Option<Header>, Error<F::Error>> {
        let head = self.read_unit(at)?;
        let mut bytes = [0u8; HEADER_LEN];
        bytes.copy_from_slice(&head[..HEADER_LEN]);
        let header = Header::decode(&bytes);
        if header.id == u32::MAX || header.seq == 0 || header.seq == u64::MAX {
            return Ok(None);
        }
        let tail = self.read_unit(at + self.layout.marker_at() as u32)?;
        Ok((tail[..HEADER_LEN] == marker(&bytes)).then_some(header))
    }

    /// Whether every byte of the slot at `at` is erased.
    pub(crate) fn slot_blank(&mut self, at: u32) -> Result<bool, Error<F::Error>> {
        let unit = self.layout.unit;
        for chunk in 0..(SLOT / unit) as u32 {
            if !is_erased(&self.read_unit(at + chunk * unit as u32)?[..unit]) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The committed copy of `id` with the highest sequence number, and its
    /// offset.
    pub(crate) fn newest(&mut self, id: u32) -> Result<Option<(u32, Header)>, Error<F::Error>> {
        let mut best: Option<(u32, Header)> = None;
        for sector in 0..self.config.sectors {
            for index in 0..self.per_sector {
                let at = self.addr(sector, index);
                if let Some(h) = self.committed(at)?
                    && h.id == id
                    && best.is_none_or(|(_, b)| h.seq > b.seq)
                {
                    best = Some((at, h));
                }
            }
        }
        Ok(best)
    }

    /// The smallest id above `after` (or the smallest id) that has a
    /// committed copy.
    pub(crate) fn next_id(&mut self, after: Option<u32>) -> Result<Option<u32>, Error<F::Error>> {
        let mut best: Option<u32> = None;
        for sector in 0..self.config.sectors {
            for index in 0..self.per_sector {
                if let Some(h) = self.committed(self.addr(sector, index))? {
                    let above = after.is_none_or(|a| h.id > a);
                    if above && best.is_none_or(|b| h.id < b) {
                        best = Some(h.id);
                    }
                }
            }
        }
        Ok(best)
    }

    /// Number of distinct ids with a committed copy (one pass per id, at
    /// most `sectors × slots per sector` passes).
    pub(crate) fn count(&mut self) -> Result<u32, Error<F::Error>> {
        let mut count = 0;
        let mut after = None;
        while let Some(id) = self.next_id(after)? {
            count += 1;
            after = Some(id);
        }
        Ok(count)
    }
}
