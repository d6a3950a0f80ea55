//! The one error type of `pageseal-flash`, generic over the flash driver's
//! own error.

use core::fmt;

/// Everything that can go wrong in the sealed flash store.
///
/// `E` is the error of the flash driver (`NorFlash::Error`), or of the
/// sequential-storage map or queue for the `sequential` helpers.
/// Each variant says who must act: the caller (a misuse), the device (a
/// flash fault), or nobody can (the data on flash was altered or the key is
/// wrong).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error<E> {
    /// The flash driver (or the sequential-storage map or queue) failed; the
    /// store is unchanged or, after a power cut, recovers at the next
    /// [`open`](crate::FlashStore::open).
    Flash(E),
    /// The geometry does not fit the flash (caller misuse): the reason
    /// names the rule broken, e.g. a slot that is not a multiple of the
    /// write size.
    InvalidConfig(&'static str),
    /// The output buffer is too small: the value needs this many bytes.
    BufferTooSmall(usize),
    /// The value is longer than a slot holds: at most this many bytes.
    TooLarge(usize),
    /// Id `u32::MAX` is reserved (it is what an erased header reads as).
    InvalidId,
    /// A new id would exceed the configured number of records.
    Full,
    /// Repeated power cuts while moving records to a fresh sector used up
    /// its spare slots: format the store (or give it larger sectors).
    NoSpace,
    /// A committed slot holds impossible fields (length past the slot, an
    /// unknown version or another suite): the flash was altered or belongs
    /// to another store. The address is the slot's offset on the flash.
    Corrupted(u32),
    /// The newest committed copy of the record with this id does not
    /// authenticate: the key is wrong, or the flash was altered. No byte of
    /// the value is released.
    Authentication(u32),
    /// The next seal would pass the suite's safe number of seals under one
    /// key (`Suite::seal_limit`): move the store to a new key.
    SealLimit,
    /// The cipher refused an operation (a caller-supplied
    /// [`Aead`](pageseal_core::Aead) of another suite, or a bad key).
    Cipher(pageseal_core::Error),
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Flash(e) => write!(f, "flash error: {e:?}"),
            Error::InvalidConfig(why) => write!(f, "invalid store geometry: {why}"),
            Error::BufferTooSmall(n) => write!(f, "buffer too small: {n} bytes needed"),
            Error::TooLarge(n) => write!(f, "value too large: a slot holds {n} bytes"),
            Error::InvalidId => f.write_str("record id u32::MAX is reserved"),
            Error::Full => f.write_str("every record id the store was sized for is in use"),
            Error::NoSpace => f.write_str("no free slot left after repeated power cuts"),
            Error::Corrupted(at) => write!(f, "corrupted slot at flash offset {at:#x}"),
            Error::Authentication(id) => {
                write!(
                    f,
                    "record {id} does not authenticate (wrong key or altered flash)"
                )
            }
            Error::SealLimit => f.write_str("seal limit of the key reached: change the key"),
            Error::Cipher(e) => write!(f, "cipher error: {e}"),
        }
    }
}

impl<E> From<pageseal_core::Error> for Error<E> {
    fn from(e: pageseal_core::Error) -> Self {
        Error::Cipher(e)
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}
