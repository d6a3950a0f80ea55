//! A NOR flash in RAM (no allocator) that behaves like the real thing where
//! it matters for power loss: erase before write, every word written at
//! most once per erase, and a power cut at any chosen byte of a write or an
//! erase that leaves that byte partially programmed (or partially erased).
//!
//! Used by the store's tests, the benchmarks and the emulated firmware; it
//! is plain `core` code, so it costs nothing unless used.

use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};

/// Why a [`MockFlash`] operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MockError {
    /// Offset or length not a multiple of the write size.
    NotAligned,
    /// Past the end of the flash.
    OutOfBounds,
    /// A word written twice without an erase in between (a store bug).
    Rewrite(u32),
    /// Power was cut during this operation (at the given offset).
    PowerCut(u32),
    /// The flash has no power (after a cut, until [`MockFlash::power_on`]).
    PowerOff,
}

impl NorFlashError for MockError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            MockError::NotAligned => NorFlashErrorKind::NotAligned,
            MockError::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            MockError::Rewrite(_) | MockError::PowerCut(_) | MockError::PowerOff => {
                NorFlashErrorKind::Other
            }
        }
    }
}

/// `BYTES` of NOR flash in RAM with write size `WRITE` and erase size
/// `ERASE` (reads of any size and alignment). Erased bytes read 0xFF.
#[derive(Clone, Debug)]
pub struct MockFlash<const BYTES: usize, const WRITE: usize, const ERASE: usize> {
    data: [u8; BYTES],
    /// Whether each byte's word has been written since its last erase.
    written: [bool; BYTES],
    /// Bytes of writes and erases left before the power cut, if one is set.
    cut_in: Option<u32>,
    /// Which bits of the byte being programmed (or erased) at the cut made
    /// it: the others keep their old value.
    partial: u8,
    powered: bool,
    /// Operation counters: (writes, erases, bytes written).
    stats: (u64, u64, u64),
}

impl<const BYTES: usize, const WRITE: usize, const ERASE: usize> Default
    for MockFlash<BYTES, WRITE, ERASE>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const BYTES: usize, const WRITE: usize, const ERASE: usize> MockFlash<BYTES, WRITE, ERASE> {
    /// An erased flash with power on.
    pub const fn new() -> Self {
        MockFlash {
            data: [0xFF; BYTES],
            written: [false; BYTES],
            cut_in: None,
            partial: 0b0101_0101,
            powered: true,
            stats: (0, 0, 0),
        }
    }

    /// A flash holding `image` (its first bytes; the rest erased). Words
    /// that are not all 0xFF count as written.
    pub fn from_image(image: &[u8]) -> Self {
        let mut flash = Self::new();
        let n = image.len().min(BYTES);
        flash.data[..n].copy_from_slice(&image[..n]);
        for word in 0..BYTES / WRITE {
            let r = word * WRITE..(word + 1) * WRITE;
            let used = flash.data[r.clone()].iter().any(|&b| b != 0xFF);
            flash.written[r].fill(used);
        }
        flash
    }

    /// The flash contents.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Cuts the power when `bytes` more bytes of writes or erases have been
    /// done: the next byte is left partly programmed (or partly erased) as
    /// set by [`set_partial_bits`](Self::set_partial_bits), the operation
    /// fails with [`MockError::PowerCut`], and every operation after it
    /// fails with [`MockError::PowerOff`] until [`power_on`](Self::power_on).
    pub fn cut_after(&mut self, bytes: u32) {
        self.cut_in = Some(bytes);
    }

    /// Which bits of the byte caught by a power cut reach their new value
    /// (1 bits of `mask`); the others keep their old value.
    pub fn set_partial_bits(&mut self, mask: u8) {
        self.partial = mask;
    }

    /// Restores power (a reboot) and clears any pending cut.
    pub fn power_on(&mut self) {
        self.powered = true;
        self.cut_in = None;
    }

    /// Whether a power cut has happened since the last `power_on`.
    pub fn is_cut(&self) -> bool {
        !self.powered
    }

    /// (writes, erases, bytes written) since creation.
    pub fn stats(&self) -> (u64, u64, u64) {
        self.stats
    }

    fn check(&self, offset: u32, len: usize, align: usize) -> Result<usize, MockError> {
        if !self.powered {
            return Err(MockError::PowerOff);
        }
        let at = offset as usize;
        if !at.is_multiple_of(align) || !len.is_multiple_of(align) {
            return Err(MockError::NotAligned);
        }
        if at.checked_add(len).is_none_or(|end| end > BYTES) {
            return Err(MockError::OutOfBounds);
        }
        Ok(at)
    }

    /// Counts down one byte; true when the power goes at this byte.
    fn cut_now(&mut self) -> bool {
        match self.cut_in {
            Some(0) => {
                self.cut_in = None;
                self.powered = false;
                true
            }
            Some(n) => {
                self.cut_in = Some(n - 1);
                false
            }
            None => false,
        }
    }
}

impl<const BYTES: usize, const WRITE: usize, const ERASE: usize> ErrorType
    for MockFlash<BYTES, WRITE, ERASE>
{
    type Error = MockError;
}

impl<const BYTES: usize, const WRITE: usize, const ERASE: usize> ReadNorFlash
    for MockFlash<BYTES, WRITE, ERASE>
{
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), MockError> {
        let at = self.check(offset, bytes.len(), 1)?;
        bytes.copy_from_slice(&self.data[at..at + bytes.len()]);
        Ok(())
    }

    fn capacity(&self) -> usize {
        BYTES
    }
}

impl<const BYTES: usize, const WRITE: usize, const ERASE: usize> NorFlash
    for MockFlash<BYTES, WRITE, ERASE>
{
    const WRITE_SIZE: usize = WRITE;
    const ERASE_SIZE: usize = ERASE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), MockError> {
        let len = (to as usize)
            .checked_sub(from as usize)
            .ok_or(MockError::OutOfBounds)?;
        let at = self.check(from, len, ERASE)?;
        self.stats.1 += 1;
        for i in at..at + len {
            if self.cut_now() {
                self.data[i] |= self.partial;
                return Err(MockError::PowerCut(i as u32));
            }
            self.data[i] = 0xFF;
            self.written[i] = false;
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), MockError> {
        let at = self.check(offset, bytes.len(), WRITE)?;
        if let Some(i) = (at..at + bytes.len()).find(|&i| self.written[i]) {
            return Err(MockError::Rewrite(i as u32));
        }
        self.stats.0 += 1;
        self.stats.2 += bytes.len() as u64;
        for (i, &b) in (at..).zip(bytes) {
            if self.cut_now() {
                // The 0 bits of `b` that made it. A torn word stays used
                // unless no bit of it was programmed (NOR without hidden
                // ECC bits: such a word is still blank and writable).
                self.data[i] &= b | !self.partial;
                let word = i - i % WRITE..i - i % WRITE + WRITE;
                let touched = self.data[word.clone()].iter().any(|&b| b != 0xFF);
                self.written[word].fill(touched);
                return Err(MockError::PowerCut(i as u32));
            }
            self.data[i] &= b;
            self.written[i] = true;
        }
        Ok(())
    }
}

#[cfg(feature = "sequential-storage")]
mod asynchronous {
    //! The same flash behind the async traits (what sequential-storage
    //! takes); every call completes at once.
    use embedded_storage_async::nor_flash::{NorFlash, ReadNorFlash};

    use super::{MockError, MockFlash};

    impl<const BYTES: usize, const WRITE: usize, const ERASE: usize> ReadNorFlash
        for MockFlash<BYTES, WRITE, ERASE>
    {
        const READ_SIZE: usize = 1;

        async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), MockError> {
            embedded_storage::nor_flash::ReadNorFlash::read(self, offset, bytes)
        }

        fn capacity(&self) -> usize {
            BYTES
        }
    }

    impl<const BYTES: usize, const WRITE: usize, const ERASE: usize> NorFlash
        for MockFlash<BYTES, WRITE, ERASE>
    {
        const WRITE_SIZE: usize = WRITE;
        const ERASE_SIZE: usize = ERASE;

        async fn erase(&mut self, from: u32, to: u32) -> Result<(), MockError> {
            embedded_storage::nor_flash::NorFlash::erase(self, from, to)
        }

        async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), MockError> {
            embedded_storage::nor_flash::NorFlash::write(self, offset, bytes)
        }
    }
}
