//! `pageseal`: encrypted page files for desktop and server engines (the
//! `pageseal` command-line tool is the separate `pageseal-cli` crate).
//!
//! * [`PageFile`] creates and opens page files on any [`Storage`]
//!   (`std::fs::File`, or [`MemStorage`] for crash tests that cut power at
//!   any byte); pages are read and written with positional I/O from many
//!   threads at once (see its concurrency contract), sealed by the fastest
//!   backend of `pageseal-dispatch`. The key lifecycle is
//!   `pageseal_core::Session`; writers hold an exclusive file lock.
//! * Nonces come from [`FastRandom`], a per-thread generator seeded from
//!   the operating system and reseeded after `fork()`.
//! * Keys come from a [`KeySource`]: environment variable, file
//!   descriptor, standard input or key file (at most 64 KiB).
//! * Keyslot changes (passphrase change, recovery keys) rewrite the header
//!   only; [`PageFile::rotate`] and [`PageFile::migrate`] move data to a new
//!   key epoch while the file is in use; the number of seals per data key is
//!   counted and a new epoch is started before the suite's safe limit.
//! * [`seal_file`], [`unseal_file`], [`verify_file`] and [`rotate_file`]
//!   work on whole files with every core, and are crash-safe: they write a
//!   new file and rename it into place.
//!
//! Header updates write copy A, flush, then copy B, flush, so a crash at
//! any moment leaves a header that opens in the old or the new state.
//!
//! ```
//! use pageseal::core::{KdfParams, Suite};
//! use pageseal::{CreateOptions, KeySource, PageFile, Tuning};
//!
//! # let dir = std::env::temp_dir().join(format!("pageseal-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let path = dir.join("db.pseal");
//! # let key_file = dir.join("key");
//! # std::fs::write(&key_file, "x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'\n").unwrap();
//! let secret = KeySource::File(key_file).read()?;
//! let options = CreateOptions { suite: Suite::Aegis128L, page_size: 4096, kdf: KdfParams::DEFAULT };
//! let file = PageFile::create(&path, &options, Some(&secret.as_secret()), Tuning::default())?;
//! let n = file.append_page(b"hello")?; // &self: from any thread
//! let mut page = vec![0; file.payload_len()];
//! file.read_page(n, &mut page)?; // verified before it is returned
//! assert_eq!(&page[..5], b"hello");
//! file.close()?;
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), pageseal::Error>(())
//! ```

#![forbid(unsafe_code)]

pub use pageseal_core as core;

mod blocks;
mod bulk;
mod ciphers;
mod error;
mod keyring;
mod keyslots;
mod keysource;
mod memstore;
mod pagefile;
mod parallel;
mod random;
mod rotation;
mod sealedlog;
mod storage;

pub use blocks::{Codec, open_block, seal_block};
pub use bulk::{BadPage, VerifyReport, rotate_file, seal_file, unseal_file, verify_file};
pub use ciphers::{Ciphers, HeapKdf};
pub use error::{Error, Result};
pub use keyring::{
    AUDIT_RECORD_LEN, AuditOp, AuditRecord, KeyInfo, KeyRing, KeyRingOptions, MAX_AUDIT_RECORDS,
};
pub use keysource::{
    DEFAULT_KEY_ENV, KeySource, MAX_KEY_INPUT, OwnedSecret, keygen, strip_newline,
};
pub use memstore::{MemStorage, Survivor};
pub use pagefile::{CreateOptions, PageFile, Tuning};
pub use parallel::default_threads;
pub use random::{FastRandom, OsRandom, fill_random, random_file_id};
pub use rotation::Migration;
pub use sealedlog::{
    FRAME_LEN, LOG_DATA_START, LOG_MAGIC, LOG_VERSION, LogIter, LogOptions, MAX_CUTS, SealedLog,
};
pub use storage::{Storage, open_regular, remove_temp_files};
