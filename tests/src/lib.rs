//! Shared helpers of the pageseal integration tests.
//!
//! The known-answer tests (`tests/kat.rs`) read vector files from
//! `data/vectors/` (format: `data/vectors/README.md`), turn them into
//! [`Vector`]s and run every one of them against every implementation that
//! [`implementations`] returns, through [`check_vector`].

mod check;
pub mod golden;
mod vectors;
mod wycheproof_sets;

pub use check::{Counts, Outcome, check_vector, report, run_vector_files};
pub use vectors::{
    Expected, ParseError, Vector, decode_hex, hex, load_vectors, parse_vectors, vectors_dir,
};
pub use wycheproof_sets::wycheproof_vectors;

use pageseal_core::{Aead, Error, Portable, Suite};
use pageseal_dispatch::{Backend, CompactCipher};

/// One implementation under test: a short name for failure messages, and
/// the keyed cipher.
pub type Implementation = (&'static str, Box<dyn Aead>);

/// Every implementation of `suite` to test, keyed with `key`, each with a
/// short name used in failure messages.
///
/// `pageseal-core`'s [`Portable`], then every hardware backend of
/// `pageseal-dispatch` that this CPU can run for `suite` (AES-NI, VAES256,
/// VAES512, ARMv8 ...), and for the suites without tables a
/// [`CompactCipher`] on every available backend (portable included), so
/// that every known-answer vector runs on each.
///
/// Fails as the constructors do, e.g. with [`Error::InvalidKeyLength`].
pub fn implementations(suite: Suite, key: &[u8]) -> Result<Vec<Implementation>, Error> {
    let mut all: Vec<Implementation> = vec![("portable", Box::new(Portable::new(suite, key)?))];
    let core_error = |backend: Backend| {
        move |e| match e {
            pageseal_dispatch::Error::Core(e) => e,
            other => panic!("{backend} is available for {suite} but: {other}"),
        }
    };
    for backend in pageseal_dispatch::available_backends(suite) {
        if backend != Backend::Portable {
            let cipher = pageseal_dispatch::Cipher::with_backend(suite, key, backend)
                .map_err(core_error(backend))?;
            all.push((backend.name(), Box::new(cipher)));
        }
        if !matches!(suite, Suite::Aes128Gcm | Suite::Aes256Gcm) {
            let compact =
                CompactCipher::with_backend(suite, key, backend).map_err(core_error(backend))?;
            all.push(("compact", Box::new(compact)));
        }
    }
    Ok(all)
}
