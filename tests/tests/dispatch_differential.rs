//! Differential tests of `pageseal-dispatch`: for random keys, nonces,
//! associated data and payloads (odd lengths and whole page payloads of
//! every page size), every backend available on this CPU produces exactly
//! the portable path's ciphertext and tag, opens what the portable path
//! sealed, and rejects a flipped bit with a wiped buffer. Plus the rules of
//! forcing a backend.

use pageseal_core::{Aead, Error as CoreError, Portable, Suite, payload_len};
use pageseal_dispatch::{
    Backend, Cipher, CompactCipher, Cpu, Error, available_backends, backend_for, recommended_suite,
};
use proptest::prelude::*;

fn suite() -> impl Strategy<Value = Suite> {
    prop::sample::select(Suite::ALL.to_vec())
}

/// A payload length: short odd lengths, or a whole page's payload.
fn length(suite: Suite) -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => 0usize..=300,
        1 => (9u32..=16).prop_map(move |log| payload_len(suite, 1 << log).unwrap()),
        1 => 300usize..=5000,
    ]
}

/// A suite with a key, nonce, associated data and message for it.
fn case() -> impl Strategy<Value = (Suite, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>)> {
    suite().prop_flat_map(|suite| {
        (
            Just(suite),
            prop::collection::vec(any::<u8>(), suite.key_len()),
            prop::collection::vec(any::<u8>(), suite.nonce_len()),
            prop::collection::vec(any::<u8>(), 0..80),
            length(suite).prop_flat_map(|n| prop::collection::vec(any::<u8>(), n)),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_backend_matches_portable(
        (suite, key, nonce, aad, msg) in case(),
        flip in any::<prop::sample::Index>(),
    ) {
        let reference = Portable::new(suite, &key).unwrap();
        let mut expected = msg.clone();
        let expected_tag = reference.seal_detached(&nonce, &aad, &mut expected).unwrap();

        for backend in available_backends(suite) {
            let cipher = Cipher::with_backend(suite, &key, backend).unwrap();
            prop_assert_eq!(cipher.backend(), backend);
            prop_assert_eq!(cipher.suite(), suite);

            let mut sealed = msg.clone();
            let tag = cipher.seal_detached(&nonce, &aad, &mut sealed).unwrap();
            prop_assert!(sealed == expected, "{} ciphertext differs", backend);
            prop_assert_eq!(tag, expected_tag, "{} tag differs", backend);

            let mut opened = expected.clone();
            cipher.open_detached(&nonce, &aad, &mut opened, &expected_tag).unwrap();
            prop_assert!(opened == msg, "{} does not open the portable page", backend);

            // Flip one bit of the ciphertext (or of the tag when it is empty).
            let mut tampered = expected.clone();
            let mut bad_tag = expected_tag;
            let total_bits = 8 * (tampered.len() + bad_tag.len());
            let bit = flip.index(total_bits);
            if bit < 8 * tampered.len() {
                tampered[bit / 8] ^= 1 << (bit % 8);
            } else {
                let b = bit - 8 * tampered.len();
                bad_tag[b / 8] ^= 1 << (b % 8);
            }
            let result = cipher.open_detached(&nonce, &aad, &mut tampered, &bad_tag);
            prop_assert_eq!(result, Err(CoreError::Authentication), "{} accepted a flipped bit", backend);
            prop_assert!(tampered.iter().all(|&b| b == 0), "{} left bytes behind", backend);
        }
    }
}

/// Every message length up to 1100 bytes and from 2000 to 2100 bytes, so
/// that each kernel's batch boundaries (GCM chunks of 128-512 bytes, the
/// 448- and 960-byte first ChaCha20 batches, the portable 32-block AES
/// batches) and its partial-block tails all meet the portable bytes.
#[test]
fn every_length_across_batch_boundaries() {
    for suite in Suite::ALL {
        let key: Vec<u8> = (0..suite.key_len() as u8).map(|b| b ^ 0x5a).collect();
        let nonce = vec![0x6b; suite.nonce_len()];
        let reference = Portable::new(suite, &key).unwrap();
        let ciphers: Vec<Cipher> = available_backends(suite)
            .filter(|&b| b != Backend::Portable)
            .map(|b| Cipher::with_backend(suite, &key, b).unwrap())
            .collect();
        for len in (0..=1100).chain(2000..=2100) {
            let msg: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            let aad = &msg[..len % 67];
            let mut expected = msg.clone();
            let tag = reference.seal_detached(&nonce, aad, &mut expected).unwrap();
            let mut opened = expected.clone();
            reference
                .open_detached(&nonce, aad, &mut opened, &tag)
                .unwrap();
            assert!(opened == msg, "{suite}: portable round trip, {len} bytes");
            for cipher in &ciphers {
                let backend = cipher.backend();
                let mut sealed = msg.clone();
                let got = cipher.seal_detached(&nonce, aad, &mut sealed).unwrap();
                assert!(
                    sealed == expected,
                    "{suite}: {backend} ciphertext, {len} bytes"
                );
                assert_eq!(got, tag, "{suite}: {backend} tag, {len} bytes");
                cipher
                    .open_detached(&nonce, aad, &mut sealed, &tag)
                    .unwrap();
                assert!(sealed == msg, "{suite}: {backend} open, {len} bytes");
            }
        }
    }
}

/// Page-sized messages also open across backends (each backend opens what
/// every other sealed), with large associated data.
#[test]
fn backends_open_each_other() {
    for suite in Suite::ALL {
        let key: Vec<u8> = (0..suite.key_len() as u8).collect();
        let nonce = vec![0xa5; suite.nonce_len()];
        let aad = vec![0x3c; 1000];
        let msg: Vec<u8> = (0..65536u32).map(|i| (i * 7 + 3) as u8).collect();
        let backends: Vec<Backend> = available_backends(suite).collect();
        for &sealer in &backends {
            let a = Cipher::with_backend(suite, &key, sealer).unwrap();
            let mut buf = msg.clone();
            let tag = a.seal_detached(&nonce, &aad, &mut buf).unwrap();
            for &opener in &backends {
                let b = Cipher::with_backend(suite, &key, opener).unwrap();
                let mut copy = buf.clone();
                b.open_detached(&nonce, &aad, &mut copy, &tag)
                    .unwrap_or_else(|e| panic!("{suite}: {opener} cannot open {sealer}: {e}"));
                assert!(copy == msg, "{suite}: {opener} opened {sealer} wrongly");
            }
        }
    }
}

#[test]
fn forcing_an_unavailable_backend_is_an_error() {
    let other_arch = if cfg!(target_arch = "aarch64") {
        Backend::AesNi
    } else {
        Backend::Armv8
    };
    assert_eq!(
        Cipher::with_backend(Suite::Aegis128L, &[0; 16], other_arch).unwrap_err(),
        Error::Unsupported {
            backend: other_arch,
            suite: Suite::Aegis128L
        }
    );
    for backend in Backend::ALL {
        for suite in Suite::ALL {
            let key = vec![1; suite.key_len()];
            let forced = Cipher::with_backend(suite, &key, backend);
            if backend.is_available(suite) {
                assert_eq!(forced.unwrap().backend(), backend);
            } else {
                assert_eq!(
                    forced.unwrap_err(),
                    Error::Unsupported { backend, suite },
                    "{backend} for {suite}"
                );
            }
        }
    }
}

#[test]
fn the_automatic_choice_is_available_and_portable_always_is() {
    for suite in Suite::ALL {
        let available: Vec<Backend> = available_backends(suite).collect();
        assert_eq!(available.last(), Some(&Backend::Portable));
        // The fastest available one, unless the build forces the portable
        // path (`--cfg pageseal_backend="portable"`).
        let expected = if cfg!(pageseal_backend = "portable") {
            Backend::Portable
        } else {
            available[0]
        };
        assert_eq!(backend_for(suite), expected);
        let key = vec![9; suite.key_len()];
        assert_eq!(
            Cipher::new(suite, &key).unwrap().backend(),
            backend_for(suite)
        );
    }
    assert!(recommended_suite().is_keyed());
}

#[test]
fn wrong_key_and_nonce_lengths_are_errors_on_every_backend() {
    for suite in Suite::ALL.into_iter().filter(|s| s.is_keyed()) {
        for backend in available_backends(suite) {
            let short = vec![0; suite.key_len() - 1];
            assert!(matches!(
                Cipher::with_backend(suite, &short, backend),
                Err(Error::Core(CoreError::InvalidKeyLength { .. }))
            ));
            let cipher = Cipher::with_backend(suite, &vec![0; suite.key_len()], backend).unwrap();
            let mut buf = [0u8; 10];
            assert!(matches!(
                cipher.seal_detached(&[0; 7], b"", &mut buf),
                Err(CoreError::InvalidNonceLength { .. })
            ));
        }
    }
}

#[test]
fn names_round_trip_and_detection_is_stable() {
    for backend in Backend::ALL {
        assert_eq!(Backend::from_name(backend.name()), Ok(backend));
    }
    assert_eq!(Backend::from_name("sse9"), Err(Error::UnknownBackendName));
    assert_eq!(Cpu::detect(), Cpu::detect());
    // A backend whose features the CPU has runs every suite it has a kernel for.
    for backend in Backend::ALL {
        let cpu_has_it = backend.features().iter().all(|&f| Cpu::detect().has(f));
        for suite in Suite::ALL {
            assert_eq!(
                backend.is_available(suite),
                cpu_has_it && backend.has_kernel(suite),
                "{backend} for {suite}"
            );
        }
    }
}

/// `CompactCipher` runs every suite without tables on every backend that
/// has it, refuses the AES-GCM suites and wrong nonces, stays small (what
/// makes it cheap to key per message), and seals as `Cipher` does.
#[test]
fn compact_cipher_rules() {
    assert!(
        core::mem::size_of::<CompactCipher>() <= 96,
        "CompactCipher grew to {} bytes",
        core::mem::size_of::<CompactCipher>()
    );
    for suite in Suite::ALL {
        let key = vec![3; suite.key_len()];
        let gcm = matches!(suite, Suite::Aes128Gcm | Suite::Aes256Gcm);
        for backend in Backend::ALL {
            let compact = CompactCipher::with_backend(suite, &key, backend);
            if gcm || !backend.is_available(suite) {
                assert_eq!(
                    compact.unwrap_err(),
                    Error::Unsupported { backend, suite },
                    "{backend} {suite}"
                );
                continue;
            }
            let compact = compact.unwrap();
            assert_eq!((compact.backend(), compact.suite()), (backend, suite));
            let full = Cipher::with_backend(suite, &key, backend).unwrap();
            let nonce = vec![9; suite.nonce_len()];
            let (mut a, mut b) = ([0x77u8; 1000], [0x77u8; 1000]);
            assert_eq!(
                compact.seal_detached(&nonce, b"ad", &mut a).unwrap(),
                full.seal_detached(&nonce, b"ad", &mut b).unwrap()
            );
            assert_eq!(a, b);
            assert!(matches!(
                compact.seal_detached(&[0; 7], b"", &mut a),
                Err(CoreError::InvalidNonceLength { .. })
            ));
        }
        assert_eq!(
            CompactCipher::new(suite, &key).map(|c| c.backend()),
            if gcm {
                Err(Error::Unsupported {
                    backend: backend_for(suite),
                    suite,
                })
            } else {
                Ok(backend_for(suite))
            }
        );
    }
}
