//! Sealing and opening whole pages: trailer layout and associated data.
//!
//! A sealed page of `page_size` bytes is laid out as
//!
//! ```text
//! keyed suites:  payload | epoch (u32 LE) | nonce | tag (16)
//! checksum:      payload | tag (16)
//! ```
//!
//! and the associated data of every page is the 32-byte [`binding`] of the
//! file id, page number, key epoch, suite and page size.

use zeroize::Zeroize;

use crate::aead::{Aead, Tag};
use crate::error::Error;
use crate::geometry::{EPOCH_LEN, check_page_size, trailer_len};
use crate::nonce::NonceSource;
use crate::suite::{Suite, TAG_LEN};

/// Length of a file id.
pub const FILE_ID_LEN: usize = 16;
/// Length of the per-page associated data.
pub const BINDING_LEN: usize = 32;
/// Largest nonce of any suite.
const MAX_NONCE_LEN: usize = 32;

/// The associated data that binds a page to its place:
///
/// | bytes | field |
/// |---|---|
/// | 0..16 | file id |
/// | 16..24 | page number, u64 little-endian |
/// | 24..28 | key epoch, u32 little-endian (0 for `checksum`) |
/// | 28 | suite id |
/// | 29 | log2 of the page size |
/// | 30..32 | ASCII `pg` |
pub fn binding(
    file_id: &[u8; FILE_ID_LEN],
    page_no: u64,
    epoch: u32,
    suite: Suite,
    page_size: usize,
) -> [u8; BINDING_LEN] {
    let mut aad = [0u8; BINDING_LEN];
    aad[..16].copy_from_slice(file_id);
    aad[16..24].copy_from_slice(&page_no.to_le_bytes());
    aad[24..28].copy_from_slice(&epoch.to_le_bytes());
    aad[28] = suite.id();
    aad[29] = page_size.trailing_zeros() as u8;
    aad[30..32].copy_from_slice(b"pg");
    aad
}

/// A cipher together with the key epoch it belongs to.
#[derive(Clone, Debug)]
pub struct EpochCipher<A> {
    /// The key epoch.
    pub epoch: u32,
    /// The cipher keyed with that epoch's data key.
    pub cipher: A,
}

/// Finds the cipher for a key epoch when opening pages.
pub trait Keyring {
    /// The cipher type held.
    type Cipher: Aead;
    /// The cipher for `epoch`, if this keyring has it.
    fn cipher(&self, epoch: u32) -> Option<&Self::Cipher>;
}

impl<A: Aead> Keyring for EpochCipher<A> {
    type Cipher = A;
    fn cipher(&self, epoch: u32) -> Option<&A> {
        (self.epoch == epoch).then_some(&self.cipher)
    }
}

impl<A: Aead> Keyring for [EpochCipher<A>] {
    type Cipher = A;
    fn cipher(&self, epoch: u32) -> Option<&A> {
        self.iter().find(|e| e.epoch == epoch).map(|e| &e.cipher)
    }
}

impl<A: Aead, const N: usize> Keyring for [EpochCipher<A>; N] {
    type Cipher = A;
    fn cipher(&self, epoch: u32) -> Option<&A> {
        self.as_slice().cipher(epoch)
    }
}

/// The per-file constants needed to seal and open its pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageFormat {
    suite: Suite,
    page_size: usize,
    file_id: [u8; FILE_ID_LEN],
}

impl PageFormat {
    /// Checks the page size and fixes the suite and file id.
    pub fn new(suite: Suite, page_size: usize, file_id: [u8; FILE_ID_LEN]) -> Result<Self, Error> {
        check_page_size(page_size)?;
        Ok(PageFormat {
            suite,
            page_size,
            file_id,
        })
    }

    /// The suite pages are sealed with.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The physical page size in bytes.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// The file id bound into every page.
    pub fn file_id(&self) -> &[u8; FILE_ID_LEN] {
        &self.file_id
    }

    /// Payload bytes per page.
    pub fn payload_len(&self) -> usize {
        self.page_size - trailer_len(self.suite)
    }

    /// Trailer bytes per page.
    pub fn trailer_len(&self) -> usize {
        trailer_len(self.suite)
    }

    fn check_page(&self, page: &[u8]) -> Result<(), Error> {
        if page.len() == self.page_size {
            Ok(())
        } else {
            Err(Error::InvalidPageLength {
                expected: self.page_size,
                actual: page.len(),
            })
        }
    }

    fn check_cipher<A: Aead + ?Sized>(&self, cipher: &A) -> Result<(), Error> {
        if cipher.suite() == self.suite {
            Ok(())
        } else {
            Err(Error::SuiteMismatch {
                expected: self.suite,
                actual: cipher.suite(),
            })
        }
    }

    /// Seals page `page_no` in place: the first [`payload_len`](Self::payload_len)
    /// bytes of `page` are the plaintext; they are encrypted and the trailer
    /// is written after them. For `checksum` the payload stays as it is and
    /// `epoch` is ignored (recorded as 0).
    pub fn seal<A, N>(
        &self,
        cipher: &A,
        epoch: u32,
        nonces: &mut N,
        page_no: u64,
        page: &mut [u8],
    ) -> Result<(), Error>
    where
        A: Aead + ?Sized,
        N: NonceSource + ?Sized,
    {
        let epoch = if self.suite.is_keyed() { epoch } else { 0 };
        let aad = binding(&self.file_id, page_no, epoch, self.suite, self.page_size);
        self.seal_bound(cipher, epoch, nonces, &aad, page)
    }

    /// Seals a page-sized image in place like [`seal`](Self::seal), with
    /// associated data chosen by the caller instead of [`binding`]: for
    /// engines that keep page images outside the page file (a SQLite WAL
    /// or journal) and bind them to their own domain. The trailer layout is
    /// the same; `aad` must include the epoch when the caller relies on it.
    pub fn seal_bound<A, N>(
        &self,
        cipher: &A,
        epoch: u32,
        nonces: &mut N,
        aad: &[u8],
        page: &mut [u8],
    ) -> Result<(), Error>
    where
        A: Aead + ?Sized,
        N: NonceSource + ?Sized,
    {
        self.check_page(page)?;
        self.check_cipher(cipher)?;
        let epoch = if self.suite.is_keyed() { epoch } else { 0 };
        let nonce_len = self.suite.nonce_len();
        let mut nonce = [0u8; MAX_NONCE_LEN];
        nonces.fill_nonce(&mut nonce[..nonce_len])?;
        let (payload, trailer) = page.split_at_mut(self.payload_len());
        let tag = cipher.seal_detached(&nonce[..nonce_len], aad, payload)?;
        let (head, tag_out) = trailer.split_at_mut(trailer.len() - TAG_LEN);
        if self.suite.is_keyed() {
            head[..EPOCH_LEN].copy_from_slice(&epoch.to_le_bytes());
            head[EPOCH_LEN..].copy_from_slice(&nonce[..nonce_len]);
        }
        tag_out.copy_from_slice(&tag);
        Ok(())
    }

    /// The key epoch recorded in a sealed page's trailer (0 for `checksum`).
    pub fn epoch(&self, page: &[u8]) -> Result<u32, Error> {
        self.check_page(page)?;
        self.trailer_epoch(&page[self.payload_len()..])
    }

    /// The key epoch recorded in a trailer alone (the last
    /// [`trailer_len`](Self::trailer_len) bytes of a sealed page), for
    /// callers that scan epochs without reading whole pages.
    pub fn trailer_epoch(&self, trailer: &[u8]) -> Result<u32, Error> {
        if trailer.len() != self.trailer_len() {
            return Err(Error::InvalidPageLength {
                expected: self.trailer_len(),
                actual: trailer.len(),
            });
        }
        if !self.suite.is_keyed() {
            return Ok(0);
        }
        let mut bytes = [0u8; EPOCH_LEN];
        bytes.copy_from_slice(&trailer[..EPOCH_LEN]);
        Ok(u32::from_le_bytes(bytes))
    }

    /// Verifies and decrypts page `page_no` in place. On success the first
    /// [`payload_len`](Self::payload_len) bytes hold the plaintext. If the
    /// page does not authenticate, the whole buffer is zeroed and
    /// [`Error::PageAuthentication`] names the page.
    pub fn open<K: Keyring + ?Sized>(
        &self,
        keys: &K,
        page_no: u64,
        page: &mut [u8],
    ) -> Result<(), Error> {
        self.open_bound(keys, page_no, page, |epoch| {
            binding(&self.file_id, page_no, epoch, self.suite, self.page_size)
        })
    }

    /// Verifies and decrypts an image sealed with
    /// [`seal_bound`](Self::seal_bound): `aad` builds the associated data
    /// from the epoch the trailer names; `page_no` names the image in
    /// errors. On failure the buffer is zeroed.
    pub fn open_bound<K, D>(
        &self,
        keys: &K,
        page_no: u64,
        page: &mut [u8],
        aad: impl FnOnce(u32) -> D,
    ) -> Result<(), Error>
    where
        K: Keyring + ?Sized,
        D: AsRef<[u8]>,
    {
        let epoch = self.epoch(page)?;
        let cipher = keys.cipher(epoch).ok_or(Error::UnknownEpoch {
            page: page_no,
            epoch,
        })?;
        self.check_cipher(cipher)?;
        let aad = aad(epoch);
        let (payload, trailer) = page.split_at_mut(self.payload_len());
        let nonce_at = if self.suite.is_keyed() { EPOCH_LEN } else { 0 };
        let (head, tag_bytes) = trailer.split_at(trailer.len() - TAG_LEN);
        let mut tag: Tag = [0; TAG_LEN];
        tag.copy_from_slice(tag_bytes);
        match cipher.open_detached(&head[nonce_at..], aad.as_ref(), payload, &tag) {
            Ok(()) => Ok(()),
            Err(Error::Authentication) => {
                page.zeroize();
                Err(Error::PageAuthentication { page: page_no })
            }
            Err(other) => Err(other),
        }
    }
}
