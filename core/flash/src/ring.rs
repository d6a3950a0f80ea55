//! Writing: sealing a record into the next slot, moving to the next sector
//! of the ring when one is full, and carrying the live records of the
//! oldest sector forward before erasing it.

use embedded_storage::nor_flash::NorFlash;
use pageseal_core::{Aead, TAG_LEN, Tag};
use rand_core::CryptoRng;

use crate::error::Error;
use crate::slot::{HEADER_LEN, Header, MAX_UNIT, VERSION, marker};
use crate::store::FlashStore;

/// Maps a cipher error on opening record `id` to the store's error.
fn open_error<E>(id: u32, e: pageseal_core::Error) -> Error<E> {
    match e {
        pageseal_core::Error::Authentication => Error::Authentication(id),
        other => Error::Cipher(other),
    }
}

impl<F, A, R, const SLOT: usize> FlashStore<F, A, R, SLOT>
where
    F: NorFlash,
    A: Aead,
    R: CryptoRng,
{
    /// Seals the `len`-byte value waiting in the slot buffer as record
    /// `id` into the next free slot, moving to the next sector first if the
    /// head is full (and then carrying the oldest sector's live records
    /// forward).
    pub(crate) fn commit(&mut self, id: u32, len: usize) -> Result<(), Error<F::Error>> {
        let moved = self.next_slot >= self.per_sector;
        if moved {
            self.advance()?;
        }
        self.seal_next(id, len)?;
        if moved {
            self.collect(self.after(self.head))?;
        }
        Ok(())
    }

    /// Erases the next sector of the ring and makes it the head. It holds
    /// no live record (its records were carried forward when it followed
    /// the head); it is erased even if it reads blank, because an erase cut
    /// by a power loss can leave words that read 0xFF but are not erased.
    fn advance(&mut self) -> Result<(), Error<F::Error>> {
        let next = self.after(self.head);
        self.erase(next)?;
        self.head = next;
        self.next_slot = 0;
        Ok(())
    }

    /// Copies every record of `victim` whose newest copy lives there into
    /// the head (re-sealed with a new sequence number), so that `victim`
    /// holds nothing live and can be erased when the ring reaches it.
    /// Idempotent: opening runs it again, and copies already made are
    /// newer, so only the rest moves. A record whose newest copy no longer
    /// authenticates cannot be carried and is dropped.
    pub(crate) fn collect(&mut self, victim: u32) -> Result<(), Error<F::Error>> {
        for index in 0..self.per_sector {
            let at = self.addr(victim, index);
            let Some(header) = self.committed(at)? else {
                continue;
            };
            if self.newest(header.id)?.map(|(n, _)| n) != Some(at) {
                continue;
            }
            let len = match self.open_slot(at, &header) {
                Ok(len) => len,
                Err(Error::Authentication(_) | Error::Corrupted(_)) => continue,
                Err(e) => return Err(e),
            };
            if self.next_slot >= self.per_sector {
                return Err(Error::NoSpace);
            }
            self.seal_next(header.id, len)?;
        }
        Ok(())
    }

    /// Erases one sector of the store.
    fn erase(&mut self, sector: u32) -> Result<(), Error<F::Error>> {
        let from = self.addr(sector, 0);
        self.flash
            .erase(from, from + F::ERASE_SIZE as u32)
            .map_err(Error::Flash)
    }

    /// Seals the `len`-byte value in the slot buffer as record `id` with
    /// the next sequence number into the head's next free slot: one write
    /// of header, nonce, ciphertext and tag, then one of the commit marker.
    fn seal_next(&mut self, id: u32, len: usize) -> Result<(), Error<F::Error>> {
        let seq = self.next_seq;
        if seq > self.layout.suite.seal_limit() || seq == u64::MAX {
            return Err(Error::SealLimit);
        }
        let index = self.next_slot;
        let at = self.addr(self.head, index);
        let global = self.head * self.per_sector + index;
        // Both advance before the flash is touched: a failed write never
        // lets this session reuse the slot or the sequence number.
        self.next_slot += 1;
        self.next_seq += 1;

        let layout = self.layout;
        let header = Header {
            id,
            seq,
            len: len as u16,
            suite: layout.suite.id(),
            version: VERSION,
        };
        let bytes = header.encode();
        self.buf[..HEADER_LEN].copy_from_slice(&bytes);
        let mut nonce = [0u8; 32];
        let nonce = &mut nonce[..layout.nonce_len];
        self.nonces.fill(nonce, seq, global);
        self.buf[layout.nonce_at()..layout.value_at()].copy_from_slice(nonce);
        let value = layout.value_at()..layout.tag_at(len);
        let tag = self
            .cipher
            .seal_detached(nonce, &header.aad(), &mut self.buf[value])?;
        let tag_at = layout.tag_at(len);
        self.buf[tag_at..tag_at + TAG_LEN].copy_from_slice(&tag);
        let body = layout.body_len(len);
        self.buf[tag_at + TAG_LEN..body].fill(0xFF);
        self.flash
            .write(at, &self.buf[..body])
            .map_err(Error::Flash)?;

        let mut commit = [0xFF; MAX_UNIT];
        commit[..HEADER_LEN].copy_from_slice(&marker(&bytes));
        self.flash
            .write(at + layout.marker_at() as u32, &commit[..layout.unit])
            .map_err(Error::Flash)
    }

    /// Reads the committed slot at `at` into the slot buffer and opens it in
    /// place: the value is then at `layout.value_at()`, `len` bytes long.
    /// On failure the buffer holds no plaintext.
    pub(crate) fn open_slot(&mut self, at: u32, header: &Header) -> Result<usize, Error<F::Error>> {
        let layout = self.layout;
        if !layout.check(header) {
            return Err(Error::Corrupted(at));
        }
        let len = usize::from(header.len);
        let tag_at = layout.tag_at(len);
        let read = (tag_at + TAG_LEN).div_ceil(layout.unit) * layout.unit;
        self.flash
            .read(at, &mut self.buf[..read])
            .map_err(Error::Flash)?;
        let mut nonce = [0u8; 32];
        let nonce = &mut nonce[..layout.nonce_len];
        nonce.copy_from_slice(&self.buf[layout.nonce_at()..layout.value_at()]);
        let mut tag: Tag = [0; TAG_LEN];
        tag.copy_from_slice(&self.buf[tag_at..tag_at + TAG_LEN]);
        self.cipher
            .open_detached(
                nonce,
                &header.aad(),
                &mut self.buf[layout.value_at()..tag_at],
                &tag,
            )
            .map_err(|e| open_error(header.id, e))?;
        Ok(len)
    }
}
