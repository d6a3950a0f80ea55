//! `pageseal-flash` keeps sealed records on NOR flash: a `no_std`,
//! allocation-free store over `embedded_storage::nor_flash::NorFlash`
//! (0.3), power-loss safe, on any [`pageseal_core::Aead`] (the portable
//! ciphers of `pageseal-core`, or a hardware backend).
//!
//! * [`FlashStore`] holds records by `u32` id in fixed-size slots (`SLOT`
//!   bytes, a multiple of the flash's write size) over a ring of at least
//!   two erase sectors. Each write seals the value with the next sequence
//!   number (bound into the associated data, so a stale copy never wins)
//!   into a fresh slot, written once per erase and committed by a marker
//!   written last; erased and torn slots are recognised before any
//!   cryptography. A power cut at any point leaves every record at its
//!   previous value or the one being written.
//! * Keys come from the caller (e.g. a hardware-unique or OTP key); nonces
//!   from a caller-supplied `rand_core` 0.9 [`CryptoRng`](rand_core::CryptoRng)
//!   or, without one, from the sequence number ([`Nonces`], which says what
//!   would break that).
//! * [`ValueSealer`] seals values for stores firmware already uses; with
//!   the `sequential-storage` feature, `sequential` wraps a
//!   `sequential-storage` map and queue.
//! * [`mock::MockFlash`] is a RAM flash that enforces erase-before-write
//!   and write-once words and cuts power at any byte.
//!
//! The on-flash format is in FORMAT.md ("Sealed records on NOR flash").
//!
//! ```
//! use pageseal_core::{Portable, Suite};
//! use pageseal_flash::{Config, FlashStore, Nonces, mock::MockFlash};
//!
//! // 4 sectors of 4 KiB, written 4 bytes at a time; 128-byte slots.
//! type Flash = MockFlash<16384, 4, 4096>;
//! let config = Config { offset: 0, sectors: 4, max_records: 16 };
//! let key = [0x42; 16]; // from OTP or a hardware-unique key
//! let cipher = Portable::new(Suite::Aegis128L, &key)?;
//! // Without a hardware RNG: deterministic nonces (see `Nonces`).
//! let mut store =
//!     FlashStore::<_, _, _, 128>::format(Flash::new(), cipher, Nonces::sequence(), config)?;
//! store.write(7, b"calibration: 1.013")?;
//!
//! // Reboot: a new store over the same flash contents.
//! let flash = store.into_flash();
//! let cipher = Portable::new(Suite::Aegis128L, &key)?;
//! let mut store = FlashStore::<_, _, _, 128>::open(flash, cipher, Nonces::sequence(), config)?;
//! let mut out = [0u8; 64];
//! let len = store.read(7, &mut out)?.expect("record 7");
//! assert_eq!(&out[..len], b"calibration: 1.013");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod mock;
mod nonce;
mod ring;
mod scan;
#[cfg(feature = "sequential-storage")]
pub mod sequential;
pub mod slot;
mod store;
mod value;

pub use error::Error;
pub use nonce::{NoRng, Nonces};
pub use store::{Config, FlashStore, Ids};
pub use value::{MAX_CONTEXT, VALUE_DOMAIN, VALUE_VERSION, ValueSealer};
