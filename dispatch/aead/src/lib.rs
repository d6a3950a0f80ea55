//! `pageseal-aead`: pageseal's AEAD kernels behind the RustCrypto `aead`
//! traits, one type per suite, for libraries that take any
//! `KeyInit + AeadInPlace` (or `AeadInOut`) cipher, such as
//! [heed3](https://docs.rs/heed3) for an encrypted LMDB environment.
//!
//! | type | suite | key | nonce | tag |
//! |---|---|---|---|---|
//! | [`Aes128Gcm`] | AES-128-GCM | 16 | 12 | 16 |
//! | [`Aes256Gcm`] | AES-256-GCM | 32 | 12 | 16 |
//! | [`ChaCha20Poly1305`] | ChaCha20-Poly1305 | 32 | 12 | 16 |
//! | [`Aegis128L`], [`Aegis128X2`], [`Aegis128X4`] | AEGIS-128L, -128X2, -128X4 | 16 | 16 | 16 |
//! | [`Aegis256`], [`Aegis256X2`], [`Aegis256X4`] | AEGIS-256, -256X2, -256X4 | 32 | 32 | 16 |
//!
//! Cargo features (none on by default; with neither, the types only have
//! their inherent methods):
//!
//! * `aead05`: `aead` 0.5 `KeyInit` and `AeadInPlace` (hence
//!   `AeadMutInPlace`), the traits heed3 0.23 takes;
//! * `aead06`: `aead` 0.6 `KeyInit` and `AeadInOut`.
//!
//! # Raw AEADs, not the page format
//!
//! These are raw AEADs: the caller chooses every nonce (and must never
//! repeat one under a key) and the associated data, and stores the tag.
//! There is no header, no key management, no nonce budget and no binding of
//! a page to its position. To seal pages or blocks of your own storage, use
//! the formats instead: `pageseal_core::PageFormat` and the `pageseal`
//! crate's `PageFile`, `KeyRing` and `SealedLog`, which do all of that.
//!
//! # Kernel choice, keys, failures
//!
//! `KeyInit::new` keys the suite on the fastest backend this CPU has for
//! it (`pageseal_dispatch::backend_for`, the CPU probed once per process);
//! `with_backend` forces one. Every backend gives the same bytes.
//!
//! Keying is cheap where the suite has no tables: the AEGIS types and
//! [`ChaCha20Poly1305`] wrap a `pageseal_dispatch::CompactCipher` (the key
//! and a backend token), so `KeyInit::new` costs tens of nanoseconds, a
//! fraction of sealing a 4 KiB page. The AES-GCM types wrap a
//! `pageseal_dispatch::Cipher`: keying expands the AES key and computes
//! the hash-key powers of the stitched kernels, about a microsecond, more
//! than sealing a 4 KiB page; keep one per key where the caller allows it
//! (heed3 does not: prefer an AEGIS type there). Numbers:
//! `benches/RESULTS.md`.
//! Key schedules are wiped when the value is dropped. Tags are compared in
//! constant time, and a decryption that fails to authenticate leaves the
//! buffer all zeros: no plaintext, partial or whole, is released. The one
//! error is the traits' opaque `aead::Error` (wrong tag, or a message
//! longer than the suite allows).
//!
//! # With heed3 (LMDB)
//!
//! LMDB calls the cipher once per page with a 16-byte IV (page number and
//! transaction id) as the nonce, no associated data, and a fresh
//! `KeyInit::new` every time. The AEGIS-128 types use the whole IV; AES-GCM
//! and ChaCha20-Poly1305 use its first 12 bytes, the page number and the
//! low 32 bits of the transaction id, so a page number's nonces repeat
//! after 2^32 transactions: prefer an AEGIS-128 type. The AEGIS-256 types
//! need a 32-byte nonce and cannot be used with heed3. The workspace's
//! `tests/lmdb` crate is a complete client; in short:
//!
//! ```ignore
//! let env = unsafe {
//!     heed3::EnvOpenOptions::new()
//!         .map_size(1 << 30)
//!         .open_encrypted::<pageseal_aead::Aegis128L, _>(key, path)?
//! };
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod suites;
#[cfg(feature = "aead05")]
mod v05;
#[cfg(feature = "aead06")]
mod v06;

pub use pageseal_core::Suite;
pub use pageseal_dispatch::{Backend, Error};
pub use suites::{
    Aegis128L, Aegis128X2, Aegis128X4, Aegis256, Aegis256X2, Aegis256X4, Aes128Gcm, Aes256Gcm,
    ChaCha20Poly1305,
};
