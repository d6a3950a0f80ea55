//! The sealed record store: its geometry, opening (recovery after a power
//! cut), and the public operations format, write, read and iterate.

use embedded_storage::nor_flash::NorFlash;
use pageseal_core::Aead;
use rand_core::CryptoRng;
use zeroize::Zeroize;

use crate::error::Error;
use crate::nonce::Nonces;
use crate::slot::Layout;

/// Where the store lives on the flash and how many records it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Offset of the store's first sector on the flash (a multiple of the
    /// erase size).
    pub offset: u32,
    /// Number of erase sectors, at least 2. Sectors are used as a ring, so
    /// each is erased once per turn: more sectors, less wear per sector.
    pub sectors: u32,
    /// How many distinct record ids the store holds, 1 to
    /// `slots per sector - 2` (one sector must take every live record plus
    /// the write that filled the previous one, with a spare slot for a
    /// power cut while records move).
    pub max_records: u32,
}

/// A store of sealed records on `NorFlash`, `SLOT` bytes per slot.
///
/// Every write seals the value with the next sequence number into the next
/// free slot (written once per erase, header and value first, then the
/// commit marker); the newest committed copy of an id is its value. When
/// the current sector is full the store erases the next one in the ring,
/// writes there, and copies forward the records whose newest copy sits in
/// the sector after that one (which is erased only when the ring comes
/// back to it): a power cut anywhere leaves the previous value or the new
/// one of every record. `SLOT` bytes of RAM hold one slot while it
/// is sealed or opened.
pub struct FlashStore<F, A, R, const SLOT: usize> {
    pub(crate) flash: F,
    pub(crate) cipher: A,
    pub(crate) nonces: Nonces<R>,
    pub(crate) config: Config,
    pub(crate) layout: Layout,
    /// Slots in one erase sector.
    pub(crate) per_sector: u32,
    /// The sector being filled.
    pub(crate) head: u32,
    /// The next free slot of `head` (`per_sector` when it is full).
    pub(crate) next_slot: u32,
    /// The sequence number of the next seal.
    pub(crate) next_seq: u64,
    /// Distinct ids with a committed copy.
    pub(crate) records: u32,
    pub(crate) buf: [u8; SLOT],
}

impl<F, A, R, const SLOT: usize> FlashStore<F, A, R, SLOT>
where
    F: NorFlash,
    A: Aead,
    R: CryptoRng,
{
    /// Erases the store's sectors and opens it empty.
    ///
    /// Sequence numbers restart at 1: with [`Nonces::Sequence`] use a new
    /// key after formatting. A format cut by a power loss must be run
    /// again (sectors it had not erased yet would still hold records).
    pub fn format(
        flash: F,
        cipher: A,
        nonces: Nonces<R>,
        config: Config,
    ) -> Result<Self, Error<F::Error>> {
        let mut store = Self::unopened(flash, cipher, nonces, config)?;
        let erase = F::ERASE_SIZE as u32;
        let end = config.offset + config.sectors * erase;
        store
            .flash
            .erase(config.offset, end)
            .map_err(Error::Flash)?;
        store.recover()?;
        Ok(store)
    }

    /// Opens the store from what the flash holds, finishing what a power
    /// cut interrupted: a half-done move of records to a new sector is
    /// completed (an interrupted erase needs nothing: a sector is always
    /// erased again right before it is reused). Reads every slot header;
    /// opens no record except those it must move.
    pub fn open(
        flash: F,
        cipher: A,
        nonces: Nonces<R>,
        config: Config,
    ) -> Result<Self, Error<F::Error>> {
        let mut store = Self::unopened(flash, cipher, nonces, config)?;
        store.recover()?;
        Ok(store)
    }

    /// Checks the geometry and builds a store that has not read the flash.
    fn unopened(
        flash: F,
        cipher: A,
        nonces: Nonces<R>,
        config: Config,
    ) -> Result<Self, Error<F::Error>> {
        let layout = Layout::new(cipher.suite(), SLOT, F::READ_SIZE, F::WRITE_SIZE)
            .map_err(Error::InvalidConfig)?;
        let erase = F::ERASE_SIZE;
        let per_sector = erase / SLOT;
        if per_sector < 3 {
            return Err(Error::InvalidConfig(
                "an erase sector must hold at least 3 slots",
            ));
        }
        if config.sectors < 2 {
            return Err(Error::InvalidConfig(
                "the store needs at least 2 erase sectors",
            ));
        }
        if config.max_records == 0 || config.max_records as usize > per_sector - 2 {
            return Err(Error::InvalidConfig(
                "max_records must be 1 to (slots per sector - 2)",
            ));
        }
        if !(config.offset as usize).is_multiple_of(erase) {
            return Err(Error::InvalidConfig(
                "offset must be a multiple of the erase size",
            ));
        }
        let end = u64::from(config.offset) + u64::from(config.sectors) * erase as u64;
        if end > flash.capacity() as u64 || end > u64::from(u32::MAX) {
            return Err(Error::InvalidConfig(
                "the sectors run past the end of the flash",
            ));
        }
        Ok(FlashStore {
            flash,
            cipher,
            nonces,
            config,
            layout,
            per_sector: per_sector as u32,
            head: 0,
            next_slot: 0,
            next_seq: 1,
            records: 0,
            buf: [0xFF; SLOT],
        })
    }

    /// Finds the newest committed record: its sector is the head, and the
    /// next free slot follows it. Then finishes carrying the live records
    /// of the sector after the head forward, if a power cut interrupted
    /// that. A store with no committed record starts with a full last
    /// sector, so that its first write erases sector 0 before using it.
    fn recover(&mut self) -> Result<(), Error<F::Error>> {
        let newest = self.best(|h, best| best.is_none_or(|b| h.seq > b.seq))?;
        let newest = newest.map(|(at, h)| {
            let rel = at - self.config.offset;
            let sector = rel / F::ERASE_SIZE as u32;
            (h.seq, sector, (rel % F::ERASE_SIZE as u32) / SLOT as u32)
        });
        self.next_slot = self.per_sector;
        let Some((seq, sector, index)) = newest else {
            self.head = self.config.sectors - 1;
            self.next_seq = 1;
            self.records = 0;
            return Ok(());
        };
        self.head = sector;
        self.next_seq = seq.saturating_add(1);
        for index in index + 1..self.per_sector {
            if self.slot_blank(self.addr(self.head, index))? {
                self.next_slot = index;
                break;
            }
        }
        self.collect(self.after(self.head))?;
        self.records = self.count()?;
        Ok(())
    }

    /// Seals `value` as the new value of record `id`.
    ///
    /// Once this returns `Ok`, the value is committed; after a power cut
    /// during the call, the record reads as its previous value or as
    /// `value`.
    pub fn write(&mut self, id: u32, value: &[u8]) -> Result<(), Error<F::Error>> {
        if id == u32::MAX {
            return Err(Error::InvalidId);
        }
        let capacity = self.layout.capacity();
        if value.len() > capacity {
            return Err(Error::TooLarge(capacity));
        }
        let exists = self.newest(id)?.is_some();
        if !exists && self.records >= self.config.max_records {
            return Err(Error::Full);
        }
        let at = self.layout.value_at();
        self.buf[at..at + value.len()].copy_from_slice(value);
        self.commit(id, value.len())?;
        if !exists {
            self.records += 1;
        }
        Ok(())
    }

    /// Reads the value of record `id` into `out`: `Ok(Some(len))` with the
    /// value in `out[..len]`, or `Ok(None)` when the store has no committed
    /// copy of `id`.
    pub fn read(&mut self, id: u32, out: &mut [u8]) -> Result<Option<usize>, Error<F::Error>> {
        if id == u32::MAX {
            return Err(Error::InvalidId);
        }
        let Some((at, header)) = self.newest(id)? else {
            return Ok(None);
        };
        if self.layout.check(&header) && out.len() < usize::from(header.len) {
            return Err(Error::BufferTooSmall(usize::from(header.len)));
        }
        let len = self.open_slot(at, &header)?;
        let from = self.layout.value_at();
        out[..len].copy_from_slice(&self.buf[from..from + len]);
        self.buf[from..from + len].zeroize();
        Ok(Some(len))
    }

    /// The ids that have a committed copy, in ascending order. Read each
    /// with [`read`](Self::read).
    pub fn ids(&mut self) -> Ids<'_, F, A, R, SLOT> {
        Ids {
            store: self,
            after: None,
            done: false,
        }
    }

    /// Number of distinct record ids stored.
    pub fn len(&self) -> u32 {
        self.records
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The largest value a slot holds, in bytes.
    pub fn capacity(&self) -> usize {
        self.layout.capacity()
    }

    /// Seals made under this key by this store so far (the sequence number
    /// of the newest seal), counted against `Suite::seal_limit`.
    pub fn seals(&self) -> u64 {
        self.next_seq - 1
    }

    /// The flash (e.g. to inspect a RAM-backed one).
    pub fn flash(&self) -> &F {
        &self.flash
    }

    /// Gives the flash back (e.g. to "reboot": open a new store on it).
    pub fn into_flash(self) -> F {
        self.flash
    }
}

/// Iterator over the ids of a store ([`FlashStore::ids`]).
pub struct Ids<'s, F, A, R, const SLOT: usize> {
    store: &'s mut FlashStore<F, A, R, SLOT>,
    after: Option<u32>,
    done: bool,
}

impl<F, A, R, const SLOT: usize> Iterator for Ids<'_, F, A, R, SLOT>
where
    F: NorFlash,
    A: Aead,
    R: CryptoRng,
{
    type Item = Result<u32, Error<F::Error>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.store.next_id(self.after) {
            Ok(Some(id)) => {
                self.after = Some(id);
                Some(Ok(id))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
