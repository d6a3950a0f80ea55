//! The types' own behaviour: which backend `KeyInit` picks, forcing one,
//! keys of the wrong length, sizes the traits declare, and a `Debug` that
//! hides the key.

mod common;

use common::Both;
use pageseal_aead::{Backend, Error};
use pageseal_core::Error as CoreError;
use pageseal_dispatch::backend_for;

/// Checks `T`; returns its suite's name for the summary.
fn check<T: Both>() -> &'static str {
    let suite = T::SUITE;
    let key = vec![0x5a; suite.key_len()];
    // `KeyInit` of both generations keys the automatic backend.
    let auto05 = <T as aead05::KeyInit>::new_from_slice(&key).unwrap();
    let auto06 = <T as aead06::KeyInit>::new_from_slice(&key).unwrap();
    assert_eq!(auto05.backend_of(), backend_for(suite), "{suite}");
    assert_eq!(auto06.backend_of(), backend_for(suite), "{suite}");
    // The sizes the traits declare are the suite's.
    assert_eq!(<T as aead05::KeySizeUser>::key_size(), suite.key_len());
    assert_eq!(<T as aead06::KeySizeUser>::key_size(), suite.key_len());
    assert_eq!(
        <<T as aead05::AeadCore>::NonceSize as aead05::generic_array::typenum::Unsigned>::USIZE,
        suite.nonce_len()
    );
    assert_eq!(
        <<T as aead06::AeadCore>::NonceSize as aead06::array::typenum::Unsigned>::USIZE,
        suite.nonce_len()
    );
    // Keys of other lengths are refused, not truncated or padded.
    for len in [0, suite.key_len() - 1, suite.key_len() + 1] {
        assert!(<T as aead05::KeyInit>::new_from_slice(&vec![1; len]).is_err());
        assert!(<T as aead06::KeyInit>::new_from_slice(&vec![1; len]).is_err());
        assert_eq!(
            T::keyed(&vec![1; len], Backend::Portable).unwrap_err(),
            Error::Core(CoreError::InvalidKeyLength {
                suite,
                expected: suite.key_len(),
                actual: len
            })
        );
    }
    // Every backend can be forced when available, and refused when not.
    for backend in Backend::ALL {
        match T::keyed(&key, backend) {
            Ok(aead) => {
                assert!(backend.is_available(suite));
                assert_eq!(aead.backend_of(), backend);
            }
            Err(e) => {
                assert!(!backend.is_available(suite));
                assert_eq!(e, Error::Unsupported { backend, suite });
            }
        }
    }
    // Debug names the type and backend, never the key.
    let debug = format!("{auto05:?}");
    assert!(debug.contains(backend_for(suite).name()), "{debug}");
    assert!(!debug.contains("5a") && !debug.contains("90"), "{debug}");
    suite.name()
}

#[test]
fn every_type_keys_sizes_and_backends() {
    let names = for_each_type!(check());
    assert_eq!(names.len(), 9);
}
