//! The key session: the whole key lifecycle of a page file, with no I/O and
//! no randomness of its own.
//!
//! A [`Session`] is created for a new file ([`Session::create`]) or
//! unlocked from the header area of an existing one ([`Session::unlock`]).
//! It holds the header, the unlocked keys and one cipher per live key
//! epoch; seals and opens pages by number; counts seals per data key and
//! rotates to a new epoch before the suite's safe limit; changes keyslots;
//! adds and drops epochs. Every engine (page files, SQLite, block and log
//! files) drives one, so none re-implements the nonce budget.
//!
//! # Persisting the header
//!
//! Whenever the header changes, [`Session::must_persist`] is true and the
//! caller writes [`Session::header_update`]'s bytes to header copy A,
//! flushes, writes them to copy B, flushes, and reports it with
//! [`Session::persisted`]. Seals are handed out in [`Lease`]s that never
//! exceed the count already persisted, so a crash can only over-count
//! seals, never under-count them: a nonce budget is never exceeded by
//! restoring a counter.
//!
//! ```
//! use pageseal_core::{
//!     Error, Grant, KdfParams, Lease, PortableCiphers, RawKey, Secret, Session, Suite,
//! };
//!
//! let mut counter = 0u8;
//! // A real caller fills nonces from a cryptographic random generator.
//! let mut rng = |n: &mut [u8]| -> Result<(), Error> {
//!     counter = counter.wrapping_add(1);
//!     n.iter_mut().enumerate().for_each(|(i, b)| *b = counter ^ i as u8);
//!     Ok(())
//! };
//! let key = RawKey::new([7; 32]);
//! let secret = Secret::RawKey(&key);
//! let mut session = Session::create(
//!     PortableCiphers,
//!     Suite::Aegis128L,
//!     4096,
//!     [1; 16],
//!     Some((&secret, &KdfParams::DEFAULT)),
//!     &mut rng,
//!     &mut [],
//! )?;
//! let mut disk = [0u8; 4096]; // header area: copy A then copy B
//! let mut lease = Lease::EMPTY;
//! let mut page = [0u8; 4096];
//! page[..5].copy_from_slice(b"hello");
//! let permit = loop {
//!     if let Some(permit) = lease.take(&session) {
//!         break permit;
//!     }
//!     match session.lease(1024, &mut rng)? {
//!         Grant::Ready(new) => lease = new,
//!         Grant::Persist => {
//!             let update = session.header_update()?;
//!             disk[..2048].copy_from_slice(update.bytes()); // then flush
//!             disk[2048..].copy_from_slice(update.bytes()); // then flush
//!             session.persisted(&update);
//!         }
//!     }
//! };
//! session.seal(permit, &mut rng, 0, &mut page)?;
//!
//! let reopened = Session::unlock(PortableCiphers, &disk, Some(&secret), &Default::default(), &mut [])?;
//! reopened.open(0, &mut page)?;
//! assert_eq!(&page[..5], b"hello");
//! # Ok::<(), Error>(())
//! ```

use crate::aead::Aead;
use crate::epoch::{FileKeys, MAX_EPOCHS};
use crate::error::{Error, HeaderCopy};
use crate::header::{FileKind, HEADER_COPY_LEN, Header};
use crate::header_read::read_header;
use crate::kdf::{KdfBlock, KdfLimits, KdfMemory, KdfParams};
use crate::nonce::NonceSource;
use crate::page::{EpochCipher, FILE_ID_LEN, Keyring, PageFormat};
use crate::portable::Portable;
use crate::secret::Secret;
use crate::suite::Suite;

/// Seals reserved in the header at a time: the persisted count runs ahead
/// of the seals made, so a crash can only over-count.
pub const SEAL_RESERVATION: u64 = 1 << 16;

/// Keys an AEAD implementation for a suite. The session asks for one
/// cipher per live key epoch; `pageseal-dispatch` supplies hardware
/// kernels, [`PortableCiphers`] the portable ones.
pub trait CipherFactory {
    /// The cipher built.
    type Cipher: Aead;
    /// A cipher for `suite` keyed with `key` (empty for `checksum`).
    fn cipher(&self, suite: Suite, key: &[u8]) -> Result<Self::Cipher, Error>;
}

/// Builds [`Portable`] ciphers.
#[derive(Clone, Copy, Debug, Default)]
pub struct PortableCiphers;

impl CipherFactory for PortableCiphers {
    type Cipher = Portable;
    fn cipher(&self, suite: Suite, key: &[u8]) -> Result<Portable, Error> {
        Portable::new(suite, key)
    }
}

/// What [`Session::lease`] gives.
#[derive(Debug)]
#[must_use]
pub enum Grant {
    /// Seals that may be made now.
    Ready(Lease),
    /// The header must be persisted ([`Session::header_update`], then
    /// [`Session::persisted`]) before more seals are handed out.
    Persist,
}

/// A number of seals under one key epoch, counted in a persisted header.
/// Take them one at a time with [`Lease::take`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    stamp: u64,
    epoch: u32,
    left: u64,
}

impl Lease {
    /// A lease with no seal in it.
    pub const EMPTY: Lease = Lease {
        stamp: u64::MAX,
        epoch: 0,
        left: 0,
    };

    /// One seal, if any is left and the session has not changed its
    /// current epoch since the lease was granted (then take a new lease).
    pub fn take<F: CipherFactory>(&mut self, session: &Session<F>) -> Option<Permit> {
        if self.left == 0 || self.stamp != session.stamp {
            return None;
        }
        self.left -= 1;
        Some(Permit {
            stamp: self.stamp,
            epoch: self.epoch,
        })
    }

    /// Seals left.
    pub fn left(&self) -> u64 {
        self.left
    }

    /// Whether [`take`](Self::take) would give a seal now.
    pub fn is_usable<F: CipherFactory>(&self, session: &Session<F>) -> bool {
        self.left > 0 && self.stamp == session.stamp
    }
}

/// The right to make one seal, consumed by [`Session::seal`].
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub struct Permit {
    stamp: u64,
    epoch: u32,
}

impl Permit {
    /// The key epoch the seal is made under.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }
}

/// Header bytes to persist: write them at [`HeaderCopy::A`]'s offset,
/// flush, then at [`HeaderCopy::B`]'s offset, flush; then call
/// [`Session::persisted`].
#[derive(Clone)]
pub struct HeaderUpdate {
    bytes: [u8; HEADER_COPY_LEN],
    generation: u64,
    reserved: u64,
}

impl HeaderUpdate {
    /// The header copy's bytes (identical for both copies).
    pub fn bytes(&self) -> &[u8; HEADER_COPY_LEN] {
        &self.bytes
    }
    /// The generation these bytes carry.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

impl core::fmt::Debug for HeaderUpdate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HeaderUpdate(generation {})", self.generation)
    }
}

/// The key lifecycle of one page file. See the module documentation.
pub struct Session<F: CipherFactory> {
    factory: F,
    header: Header,
    keys: Option<FileKeys>,
    format: PageFormat,
    ciphers: [Option<EpochCipher<F::Cipher>>; MAX_EPOCHS],
    seal_limit: u64,
    /// Seals handed out under the current epoch (counting from the number
    /// the header recorded when the epoch was opened).
    handed: u64,
    /// Seals of the current epoch recorded in the last persisted header.
    durable: u64,
    /// The header changed since it was last persisted.
    dirty: bool,
    /// Changes whenever the current epoch does; leases of another stamp
    /// are void.
    stamp: u64,
    slot: Option<usize>,
    repair: Option<HeaderCopy>,
    /// Stamps new epochs with their creation time (Unix seconds).
    clock: Option<fn() -> u64>,
}

impl<F: CipherFactory> Session<F> {
    /// A session for a new file: a fresh header (file key and the data key
    /// of epoch 1 drawn from `rng`), with keyslot 0 filled for `secret`
    /// (`None` for a checksum-only file, whose suite is `checksum`).
    /// The header must be persisted before the first seal.
    pub fn create<R, M>(
        factory: F,
        suite: Suite,
        page_size: usize,
        file_id: [u8; FILE_ID_LEN],
        secret: Option<(&Secret<'_>, &KdfParams)>,
        rng: &mut R,
        memory: &mut M,
    ) -> Result<Self, Error>
    where
        R: NonceSource + ?Sized,
        M: KdfMemory + ?Sized,
    {
        let (header, keys) = match (suite.is_keyed(), secret) {
            (false, None) => (Header::new_checksum_only(page_size, file_id)?, None),
            (false, Some(_)) => return Err(Error::KeyNotExpected),
            (true, None) => return Err(Error::KeyRequired),
            (true, Some((secret, params))) => {
                let (mut header, keys) = Header::new_encrypted(suite, page_size, file_id, rng)?;
                let work = kdf_work(secret, params, memory)?;
                header.set_keyslot(0, secret, params, &keys, rng, work)?;
                (header, Some(keys))
            }
        };
        let mut session = Session::from_parts(factory, header, keys, Some(0), None)?;
        session.dirty = true;
        Ok(session)
    }

    /// Unlocks an existing file from its header area (the first
    /// [`HEADER_AREA_LEN`](crate::HEADER_AREA_LEN) bytes). `secret` must be
    /// `Some` for an encrypted file and `None` for a checksum-only one —
    /// `None` is the caller saying it expects a checksum-only file, so an
    /// encrypted file swapped for a keyless one is never accepted silently.
    /// `limits` caps what one key derivation may cost; `memory` lends the
    /// Argon2 work area per keyslot tried.
    pub fn unlock<M: KdfMemory + ?Sized>(
        factory: F,
        area: &[u8],
        secret: Option<&Secret<'_>>,
        limits: &KdfLimits,
        memory: &mut M,
    ) -> Result<Self, Error> {
        let opened = read_header(area)?.unlock_with(secret, limits, memory)?;
        Session::from_parts(
            factory,
            opened.header,
            opened.keys,
            opened.slot,
            opened.repair,
        )
    }

    fn from_parts(
        factory: F,
        header: Header,
        keys: Option<FileKeys>,
        slot: Option<usize>,
        repair: Option<HeaderCopy>,
    ) -> Result<Self, Error> {
        let format = PageFormat::new(header.suite(), header.page_size(), *header.file_id())?;
        let seals = header.seals(header.current_epoch());
        let mut session = Session {
            factory,
            format,
            ciphers: Default::default(),
            seal_limit: header.suite().seal_limit(),
            handed: seals,
            durable: seals,
            dirty: false,
            stamp: 0,
            slot,
            repair,
            header,
            keys,
            clock: None,
        };
        session.build_ciphers()?;
        Ok(session)
    }

    /// Stamps every epoch created from now on with `clock`'s time, in Unix
    /// seconds (without a clock, epochs have no creation time and the file
    /// stays at format version 1). For a file being created (its header
    /// never persisted), the first epoch is stamped now.
    pub fn set_clock(&mut self, clock: fn() -> u64) -> Result<(), Error> {
        self.clock = Some(clock);
        let current = self.current_epoch();
        if self.header.generation() == 0 && self.keys.is_some() {
            self.header.set_created(current, clock())?;
            self.dirty = true;
        }
        Ok(())
    }

    /// Makes a file being created (its header never persisted) a key ring:
    /// a header-only key registry (see [`Contents::KeyRing`](crate::Contents)).
    pub fn make_key_ring(&mut self) -> Result<(), Error> {
        if self.keys.is_none() {
            return Err(Error::KeyRequired);
        }
        if self.header.generation() != 0 {
            return Err(Error::WrongContents {
                expected: crate::header::Contents::KeyRing,
                found: self.header.contents(),
            });
        }
        self.header.set_contents(crate::header::Contents::KeyRing);
        self.dirty = true;
        Ok(())
    }

    /// Lowers the number of seals per data key after which a new epoch
    /// starts (the suite's safe limit is the default and the maximum).
    pub fn set_seal_limit(&mut self, limit: u64) {
        self.seal_limit = limit.clamp(1, self.header.suite().seal_limit());
    }

    /// Keys one cipher per live epoch (the checksum cipher, as epoch 0,
    /// for checksum-only files).
    fn build_ciphers(&mut self) -> Result<(), Error> {
        self.ciphers = Default::default();
        let suite = self.header.suite();
        match &self.keys {
            None => {
                self.ciphers[0] = Some(EpochCipher {
                    epoch: 0,
                    cipher: self.factory.cipher(suite, &[])?,
                });
            }
            Some(keys) => {
                for (slot, (epoch, key)) in self.ciphers.iter_mut().zip(keys.epochs()) {
                    *slot = Some(EpochCipher {
                        epoch,
                        cipher: self.factory.cipher(suite, key.as_bytes())?,
                    });
                }
            }
        }
        self.stamp = self.stamp.wrapping_add(1);
        Ok(())
    }

    /// The header in use.
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// The page geometry and binding constants.
    pub fn format(&self) -> &PageFormat {
        &self.format
    }
    /// Encrypted or checksum-only.
    pub fn kind(&self) -> FileKind {
        self.header.kind()
    }
    /// The epoch new pages are sealed under (0 for checksum-only files).
    pub fn current_epoch(&self) -> u32 {
        self.header.current_epoch()
    }
    /// The keyslot the secret opened (`None` for checksum-only files).
    pub fn opened_keyslot(&self) -> Option<usize> {
        self.slot
    }
    /// The cipher of the current epoch (e.g. to report its backend).
    pub fn current_cipher(&self) -> Option<&F::Cipher> {
        self.cipher(self.current_epoch())
    }

    /// The header copy found damaged or stale at unlock, to be rewritten
    /// with [`repair_update`](Self::repair_update).
    pub fn repair(&self) -> Option<HeaderCopy> {
        self.repair
    }

    /// The bytes that repair the damaged copy (the header in use, same
    /// generation), and which copy to write them to.
    pub fn repair_update(&self) -> Result<Option<(HeaderCopy, [u8; HEADER_COPY_LEN])>, Error> {
        match self.repair {
            Some(copy) => Ok(Some((copy, self.header.encode(self.keys.as_ref())?))),
            None => Ok(None),
        }
    }

    /// Records the logical data length (persisted with the next header).
    pub fn set_data_len(&mut self, len: u64) {
        if self.header.data_len() != len {
            self.header.set_data_len(len);
            self.dirty = true;
        }
    }

    /// Whether the header changed since it was last persisted.
    pub fn must_persist(&self) -> bool {
        self.dirty
    }

    /// The header to persist, with the next generation. Write it to copy
    /// A, flush, to copy B, flush, then call [`persisted`](Self::persisted).
    pub fn header_update(&mut self) -> Result<HeaderUpdate, Error> {
        let generation = self.header.generation() + 1;
        self.header.set_generation(generation);
        Ok(HeaderUpdate {
            bytes: self.header.encode(self.keys.as_ref())?,
            generation,
            reserved: self.header.seals(self.current_epoch()),
        })
    }

    /// Records that `update` is on stable storage (both copies). An update
    /// older than the header's last change is ignored.
    pub fn persisted(&mut self, update: &HeaderUpdate) {
        if update.generation == self.header.generation() {
            self.dirty = false;
            self.durable = update.reserved;
            self.repair = None;
        }
    }

    /// Up to `want` seals under the current epoch, or [`Grant::Persist`]
    /// when the header must be persisted first (a new reservation, a new
    /// epoch, or another change). When the current data key reaches its
    /// seal limit a new epoch is started, with a data key drawn from
    /// `rng`; [`Error::NoFreeEpoch`] then means the caller must drop
    /// epochs no page uses ([`drop_epoch`](Self::drop_epoch)) and ask
    /// again.
    pub fn lease<R: NonceSource + ?Sized>(
        &mut self,
        want: u64,
        rng: &mut R,
    ) -> Result<Grant, Error> {
        if !self.header.suite().is_keyed() {
            return Ok(Grant::Ready(Lease {
                stamp: self.stamp,
                epoch: 0,
                left: want.max(1),
            }));
        }
        if self.dirty {
            return Ok(Grant::Persist);
        }
        if self.handed < self.durable {
            let n = want.clamp(1, self.durable - self.handed);
            self.handed += n;
            return Ok(Grant::Ready(Lease {
                stamp: self.stamp,
                epoch: self.current_epoch(),
                left: n,
            }));
        }
        if self.handed >= self.seal_limit {
            self.rotate(rng)?;
        } else {
            let reserved = self
                .handed
                .saturating_add(SEAL_RESERVATION)
                .min(self.seal_limit);
            self.header.set_seals(self.current_epoch(), reserved)?;
            self.dirty = true;
        }
        Ok(Grant::Persist)
    }

    /// Seals page `page_no` in place (see [`PageFormat::seal`]) under the
    /// permit's epoch, with a nonce from `nonces`.
    pub fn seal<N: NonceSource + ?Sized>(
        &self,
        permit: Permit,
        nonces: &mut N,
        page_no: u64,
        page: &mut [u8],
    ) -> Result<(), Error> {
        let (cipher, epoch) = self.permit_cipher(permit)?;
        self.format.seal(cipher, epoch, nonces, page_no, page)
    }

    /// The cipher to make the permit's one seal with (a block rather than a
    /// page, see [`BlockFormat::seal`](crate::BlockFormat::seal)), and the
    /// epoch to name in the trailer.
    pub fn permit_cipher(&self, permit: Permit) -> Result<(&F::Cipher, u32), Error> {
        if permit.stamp != self.stamp {
            return Err(Error::LeaseExhausted);
        }
        let cipher = self.cipher(permit.epoch).ok_or(Error::LeaseExhausted)?;
        Ok((cipher, permit.epoch))
    }

    /// HMAC-SHA256 of `message` under the file's audit key,
    /// HKDF-SHA256(ikm = file key, salt = file id, info = "pageseal v2
    /// audit"): the tag of one record of a key ring's audit trail
    /// (FORMAT.md, "Key rings").
    pub fn audit_tag(&self, message: &[u8]) -> Result<[u8; 32], Error> {
        let keys = self.keys.as_ref().ok_or(Error::KeyRequired)?;
        let mut key =
            crate::kdf::hkdf_sha256(&keys.file_key, self.header.file_id(), b"pageseal v2 audit");
        let tag = crate::kdf::hmac_sha256(&key, message);
        zeroize::Zeroize::zeroize(&mut key);
        Ok(tag)
    }

    /// Seals a page-sized image in place under the permit's epoch with
    /// caller-chosen associated data (see [`PageFormat::seal_bound`]),
    /// built by `aad` from the epoch: for page images an engine keeps
    /// outside the page file, in their own domain. Counts against the
    /// nonce budget like [`seal`](Self::seal).
    pub fn seal_bound<N, D>(
        &self,
        permit: Permit,
        nonces: &mut N,
        page: &mut [u8],
        aad: impl FnOnce(u32) -> D,
    ) -> Result<(), Error>
    where
        N: NonceSource + ?Sized,
        D: AsRef<[u8]>,
    {
        if permit.stamp != self.stamp {
            return Err(Error::LeaseExhausted);
        }
        let cipher = self.cipher(permit.epoch).ok_or(Error::LeaseExhausted)?;
        let epoch = if self.header.suite().is_keyed() {
            permit.epoch
        } else {
            0
        };
        self.format
            .seal_bound(cipher, epoch, nonces, aad(epoch).as_ref(), page)
    }

    /// Opens an image sealed with [`seal_bound`](Self::seal_bound) (see
    /// [`PageFormat::open_bound`]); `page_no` names it in errors.
    pub fn open_bound<D: AsRef<[u8]>>(
        &self,
        page_no: u64,
        page: &mut [u8],
        aad: impl FnOnce(u32) -> D,
    ) -> Result<(), Error> {
        self.format.open_bound(self, page_no, page, aad)
    }

    /// Verifies and decrypts page `page_no` in place (see
    /// [`PageFormat::open`]); on failure the buffer holds no plaintext.
    pub fn open(&self, page_no: u64, page: &mut [u8]) -> Result<(), Error> {
        self.format.open(self, page_no, page)
    }

    /// The key epoch a sealed page's trailer names.
    pub fn page_epoch(&self, page: &[u8]) -> Result<u32, Error> {
        self.format.epoch(page)
    }

    /// Starts a new key epoch with a fresh data key from `rng`; new seals
    /// use it and outstanding leases become void. Pages under older epochs
    /// stay readable. The header must be persisted before the next seal.
    pub fn rotate<R: NonceSource + ?Sized>(&mut self, rng: &mut R) -> Result<u32, Error> {
        let keys = self.keys.as_mut().ok_or(Error::KeyNotExpected)?;
        let now = self.clock.map_or(0, |clock| clock());
        let epoch = self.header.add_epoch(keys, rng, now)?;
        self.handed = 0;
        self.durable = 0;
        let reserved = SEAL_RESERVATION.min(self.seal_limit);
        self.header.set_seals(epoch, reserved)?;
        self.dirty = true;
        self.build_ciphers()?;
        Ok(epoch)
    }

    /// Drops key epoch `epoch`, which no page may use any more (the current
    /// epoch cannot be dropped).
    pub fn drop_epoch(&mut self, epoch: u32) -> Result<(), Error> {
        let keys = self.keys.as_mut().ok_or(Error::KeyNotExpected)?;
        self.header.drop_epoch(epoch, keys)?;
        self.dirty = true;
        for slot in &mut self.ciphers {
            if matches!(slot, Some(c) if c.epoch == epoch) {
                *slot = None;
            }
        }
        Ok(())
    }

    /// Fills keyslot `index` for `secret` (replacing what it held); only
    /// the header changes.
    pub fn set_keyslot<R, M>(
        &mut self,
        index: usize,
        secret: &Secret<'_>,
        params: &KdfParams,
        rng: &mut R,
        memory: &mut M,
    ) -> Result<(), Error>
    where
        R: NonceSource + ?Sized,
        M: KdfMemory + ?Sized,
    {
        let keys = self.keys.as_ref().ok_or(Error::KeyNotExpected)?;
        let work = kdf_work(secret, params, memory)?;
        self.header
            .set_keyslot(index, secret, params, keys, rng, work)?;
        self.dirty = true;
        Ok(())
    }

    /// Adds `secret` (e.g. a recovery key) in the first empty keyslot and
    /// returns its index; [`Error::KeyslotsFull`] when there is none.
    pub fn add_keyslot<R, M>(
        &mut self,
        secret: &Secret<'_>,
        params: &KdfParams,
        rng: &mut R,
        memory: &mut M,
    ) -> Result<usize, Error>
    where
        R: NonceSource + ?Sized,
        M: KdfMemory + ?Sized,
    {
        self.keys.as_ref().ok_or(Error::KeyNotExpected)?;
        let index = self.header.free_keyslot()?;
        self.set_keyslot(index, secret, params, rng, memory)?;
        Ok(index)
    }

    /// Replaces the secret that unlocked this session (the usual "change
    /// my passphrase") and returns the keyslot rewritten.
    pub fn rekey<R, M>(
        &mut self,
        secret: &Secret<'_>,
        params: &KdfParams,
        rng: &mut R,
        memory: &mut M,
    ) -> Result<usize, Error>
    where
        R: NonceSource + ?Sized,
        M: KdfMemory + ?Sized,
    {
        let index = self.slot.ok_or(Error::KeyNotExpected)?;
        self.set_keyslot(index, secret, params, rng, memory)?;
        Ok(index)
    }

    /// Empties keyslot `index` (the last filled keyslot cannot be removed).
    pub fn remove_keyslot(&mut self, index: usize) -> Result<(), Error> {
        self.keys.as_ref().ok_or(Error::KeyNotExpected)?;
        self.header.clear_keyslot(index)?;
        self.dirty = true;
        if self.slot == Some(index) {
            self.slot = None;
        }
        Ok(())
    }
}

impl<F: CipherFactory> Keyring for Session<F> {
    type Cipher = F::Cipher;
    fn cipher(&self, epoch: u32) -> Option<&F::Cipher> {
        self.ciphers
            .iter()
            .flatten()
            .find(|c| c.epoch == epoch)
            .map(|c| &c.cipher)
    }
}

impl<F: CipherFactory> core::fmt::Debug for Session<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("suite", &self.header.suite())
            .field("page_size", &self.header.page_size())
            .field("current_epoch", &self.current_epoch())
            .field("keys", &"redacted")
            .finish_non_exhaustive()
    }
}

/// Argon2 working memory for filling a keyslot for `secret`: none for a
/// raw key.
fn kdf_work<'m, M: KdfMemory + ?Sized>(
    secret: &Secret<'_>,
    params: &KdfParams,
    memory: &'m mut M,
) -> Result<&'m mut [KdfBlock], Error> {
    match secret {
        Secret::RawKey(_) => Ok(&mut []),
        Secret::Passphrase(_) => {
            params.validate()?;
            memory.blocks(params.blocks_needed())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::RawKey;

    fn rng() -> impl FnMut(&mut [u8]) -> Result<(), Error> {
        let mut n = 0u8;
        move |out: &mut [u8]| {
            for b in out.iter_mut() {
                n = n.wrapping_add(1);
                *b = n;
            }
            Ok(())
        }
    }

    /// Takes one permit, persisting whenever asked; returns the header
    /// writes it took.
    fn one_seal(s: &mut Session<PortableCiphers>, lease: &mut Lease) -> (Permit, u32) {
        let mut r = rng();
        let mut writes = 0;
        loop {
            if let Some(p) = lease.take(s) {
                return (p, writes);
            }
            match s.lease(4, &mut r).unwrap() {
                Grant::Ready(new) => *lease = new,
                Grant::Persist => {
                    let u = s.header_update().unwrap();
                    s.persisted(&u);
                    writes += 1;
                }
            }
        }
    }

    #[test]
    fn leases_never_pass_the_persisted_count_and_rotate_at_the_limit() {
        let key = RawKey::new([1; 32]);
        let mut s = Session::create(
            PortableCiphers,
            Suite::Aes128Gcm,
            512,
            [2; 16],
            Some((&Secret::RawKey(&key), &KdfParams::DEFAULT)),
            &mut rng(),
            &mut [],
        )
        .unwrap();
        s.set_seal_limit(10);
        assert!(s.must_persist());
        // Nothing is handed out before the header is persisted.
        assert!(matches!(s.lease(1, &mut rng()).unwrap(), Grant::Persist));
        let mut lease = Lease::EMPTY;
        let mut epochs = [0u32; 25];
        for e in &mut epochs {
            let (permit, _) = one_seal(&mut s, &mut lease);
            // Every seal handed out is covered by the persisted count.
            assert!(s.handed <= s.durable && s.durable <= 10);
            *e = permit.epoch();
            let mut page = [0u8; 512];
            s.seal(permit, &mut rng(), 0, &mut page).unwrap();
        }
        assert_eq!(epochs[..10], [1; 10]);
        assert_eq!(epochs[10..20], [2; 10]);
        assert_eq!(epochs[20..], [3; 5]);
        // A rotation voids the outstanding lease.
        let (permit, _) = one_seal(&mut s, &mut lease);
        s.rotate(&mut rng()).unwrap();
        assert_eq!(
            s.seal(permit, &mut rng(), 0, &mut [0u8; 512]),
            Err(Error::LeaseExhausted)
        );
        assert!(lease.take(&s).is_none());
    }

    #[test]
    fn checksum_sessions_need_no_key_and_no_persisting_to_seal() {
        let mut s = Session::create(
            PortableCiphers,
            Suite::Checksum,
            512,
            [3; 16],
            None,
            &mut rng(),
            &mut [],
        )
        .unwrap();
        let u = s.header_update().unwrap();
        s.persisted(&u);
        let mut lease = Lease::EMPTY;
        let (permit, writes) = one_seal(&mut s, &mut lease);
        assert_eq!((permit.epoch(), writes), (0, 0));
        assert_eq!(s.rotate(&mut rng()), Err(Error::KeyNotExpected));
        let key = RawKey::new([1; 32]);
        assert_eq!(
            Session::create(
                PortableCiphers,
                Suite::Checksum,
                512,
                [3; 16],
                Some((&Secret::RawKey(&key), &KdfParams::DEFAULT)),
                &mut rng(),
                &mut []
            )
            .err(),
            Some(Error::KeyNotExpected)
        );
    }
}
