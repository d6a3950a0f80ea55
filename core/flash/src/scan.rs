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

/// A decoded header and its 16 bytes.
type RawHeader = (Header, [u8; HEADER_LEN]);

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

    /// The header at `at`, unless its id or sequence number is a reserved
    /// value (what an erased or zeroed header reads as). Not yet known to
    /// be committed.
    fn header(&mut self, at: u32) -> Result<Option<RawHeader>, Error<F::Error>> {
        let head = self.read_unit(at)?;
        let mut bytes = [0u8; HEADER_LEN];
        bytes.copy_from_slice(&head[..HEADER_LEN]);
        let header = Header::decode(&bytes);
        let reserved = header.id == u32::MAX || header.seq == 0 || header.seq == u64::MAX;
        Ok((!reserved).then_some((header, bytes)))
    }

    /// Whether the slot at `at` with header `bytes` is committed: its
    /// marker is the header's complement.
    fn sealed(&mut self, at: u32, bytes: &[u8; HEADER_LEN]) -> Result<bool, Error<F::Error>> {
        let tail = self.read_unit(at + self.layout.marker_at() as u32)?;
        Ok(tail[..HEADER_LEN] == marker(bytes))
    }

    /// The header of the slot at `at` if the slot is committed.
    pub(crate) fn committed(&mut self, at: u32) -> Result<Option<Header>, Error<F::Error>> {
        match self.header(at)? {
            Some((header, bytes)) if self.sealed(at, &bytes)? => Ok(Some(header)),
            _ => Ok(None),
        }
    }

    /// The first committed slot (in slot order) whose header `wanted`
    /// accepts, given the best header so far; the marker is read only for
    /// headers that would be chosen.
    pub(crate) fn best(
        &mut self,
        wanted: impl Fn(&Header, Option<&Header>) -> bool,
    ) -> Result<Option<(u32, Header)>, Error<F::Error>> {
        let mut best: Option<(u32, Header)> = None;
        for sector in 0..self.config.sectors {
            for index in 0..self.per_sector {
                let at = self.addr(sector, index);
                if let Some((h, bytes)) = self.header(at)?
                    && wanted(&h, best.as_ref().map(|(_, b)| b))
                    && self.sealed(at, &bytes)?
                {
                    best = Some((at, h));
                }
            }
        }
        Ok(best)
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
        self.best(|h, best| h.id == id && best.is_none_or(|b| h.seq > b.seq))
    }

    /// The smallest id above `after` (or the smallest id) that has a
    /// committed copy.
    pub(crate) fn next_id(&mut self, after: Option<u32>) -> Result<Option<u32>, Error<F::Error>> {
        let found = self
            .best(|h, best| after.is_none_or(|a| h.id > a) && best.is_none_or(|b| h.id < b.id))?;
        Ok(found.map(|(_, h)| h.id))
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
