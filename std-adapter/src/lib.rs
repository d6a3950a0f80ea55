//! `pageseal`: encrypted page files over `std::fs::File` for desktop and
//! server engines, and the `pageseal` command-line tool.
//!
//! * [`PageFile`] creates and opens page files; pages are read and written
//!   with positional I/O from many threads at once (see its concurrency
//!   contract), sealed by the fastest backend of `pageseal-dispatch`.
//! * Keys come from a [`KeySource`]: environment variable, file
//!   descriptor, standard input, key file, or a no-echo terminal prompt.
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

pub use pageseal_core as core;

mod bulk;
mod error;
mod keyslots;
mod keysource;
mod pagefile;
mod parallel;
mod random;
mod rotation;
mod storage;

pub use bulk::{BadPage, VerifyReport, rotate_file, seal_file, unseal_file, verify_file};
pub use error::{Error, Result};
pub use keysource::{DEFAULT_KEY_ENV, KeySource, OwnedSecret};
pub use pagefile::{CreateOptions, PageFile, Tuning};
pub use parallel::default_threads;
pub use random::{OsRandom, fill_random, random_file_id};
pub use rotation::Migration;
