//! Property tests of whole-page sealing: round trips for every suite and
//! page size, single-bit tampering anywhere, and pages opened at the wrong
//! number, in the wrong file or under the wrong key epoch.

use pageseal_core::{EpochCipher, Error, PageFormat, Portable, Suite, payload_len};
use proptest::prelude::*;

/// Deterministic nonces for tests (a real caller uses a CSPRNG): a counter
/// mixed with a seed so that different cases use different nonces.
fn nonces(seed: u64) -> impl FnMut(&mut [u8]) -> Result<(), Error> {
    let mut n = seed;
    move |out: &mut [u8]| {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        for (i, b) in out.iter_mut().enumerate() {
            *b = (n >> ((i % 8) * 8)) as u8 ^ i as u8;
        }
        Ok(())
    }
}

fn suite() -> impl Strategy<Value = Suite> {
    prop::sample::select(Suite::ALL.to_vec())
}

fn page_size() -> impl Strategy<Value = usize> {
    (9u32..=16).prop_map(|log| 1usize << log)
}

fn keyed(suite: Suite, key_seed: u8, epoch: u32) -> EpochCipher<Portable> {
    let key: Vec<u8> = (0..suite.key_len() as u8).map(|i| i ^ key_seed).collect();
    EpochCipher {
        epoch,
        cipher: Portable::new(suite, &key).expect("key length matches the suite"),
    }
}

/// A sealed page with known plaintext.
struct Sealed {
    format: PageFormat,
    keys: EpochCipher<Portable>,
    plain: Vec<u8>,
    page: Vec<u8>,
}

fn seal(
    suite: Suite,
    size: usize,
    file_id: [u8; 16],
    page_no: u64,
    epoch: u32,
    seed: u64,
) -> Sealed {
    let format = PageFormat::new(suite, size, file_id).unwrap();
    // Checksum pages carry no epoch: they are always epoch 0.
    let epoch = if suite.is_keyed() { epoch } else { 0 };
    let keys = keyed(suite, seed as u8, epoch);
    let mut page = vec![0u8; size];
    let mut fill = nonces(seed ^ 0x5eed);
    fill(&mut page).unwrap();
    let plain = page[..format.payload_len()].to_vec();
    format
        .seal(&keys.cipher, epoch, &mut nonces(seed), page_no, &mut page)
        .unwrap();
    Sealed {
        format,
        keys,
        plain,
        page,
    }
}

proptest! {
    #[test]
    fn round_trip(suite in suite(), size in page_size(), file_id in any::<[u8; 16]>(),
                  page_no in any::<u64>(), epoch in any::<u32>(), seed in any::<u64>()) {
        let mut s = seal(suite, size, file_id, page_no, epoch, seed);
        prop_assert_eq!(s.format.payload_len(), payload_len(suite, size).unwrap());
        if suite.is_keyed() {
            prop_assert_ne!(&s.page[..s.plain.len()], &s.plain[..]);
        }
        s.format.open(&s.keys, page_no, &mut s.page).unwrap();
        prop_assert_eq!(&s.page[..s.plain.len()], &s.plain[..]);
    }

    #[test]
    fn any_flipped_bit_fails_with_the_page_number(
        suite in suite(), size in page_size(), page_no in any::<u64>(),
        epoch in any::<u32>(), seed in any::<u64>(), bit in any::<prop::sample::Index>()) {
        let mut s = seal(suite, size, [1; 16], page_no, epoch, seed);
        let bit = bit.index(size * 8);
        s.page[bit / 8] ^= 1 << (bit % 8);
        let err = s.format.open(&s.keys, page_no, &mut s.page).unwrap_err();
        // A flip inside the epoch field names an epoch we have no key for;
        // anywhere else the tag fails.
        let at_epoch = suite.is_keyed() && (s.format.payload_len()..s.format.payload_len() + 4).contains(&(bit / 8));
        if at_epoch {
            prop_assert!(matches!(err, Error::UnknownEpoch { page, .. } if page == page_no), "{:?}", err);
        } else {
            prop_assert_eq!(err, Error::PageAuthentication { page: page_no });
            prop_assert!(s.page.iter().all(|&b| b == 0), "failed page must be wiped");
        }
    }

    #[test]
    fn moved_page_fails(suite in suite(), size in page_size(), page_no in any::<u64>(),
                        other in any::<u64>(), seed in any::<u64>()) {
        prop_assume!(other != page_no);
        let mut s = seal(suite, size, [2; 16], page_no, 7, seed);
        prop_assert_eq!(s.format.open(&s.keys, other, &mut s.page),
                        Err(Error::PageAuthentication { page: other }));
        prop_assert!(s.page.iter().all(|&b| b == 0));
    }

    #[test]
    fn page_from_another_file_fails(suite in suite(), size in page_size(),
                                    other_id in any::<[u8; 16]>(), seed in any::<u64>()) {
        prop_assume!(other_id != [3; 16]);
        let mut s = seal(suite, size, [3; 16], 5, 7, seed);
        let other = PageFormat::new(suite, size, other_id).unwrap();
        prop_assert_eq!(other.open(&s.keys, 5, &mut s.page), Err(Error::PageAuthentication { page: 5 }));
    }

    #[test]
    fn page_under_another_epoch_fails(suite in suite(), size in page_size(),
                                      other in any::<u32>(), seed in any::<u64>()) {
        prop_assume!(suite.is_keyed() && other != 7);
        let mut s = seal(suite, size, [4; 16], 9, 7, seed);
        // The same key filed under another epoch is not used for this page...
        let same_key_other_epoch = EpochCipher { epoch: other, cipher: s.keys.cipher.clone() };
        prop_assert_eq!(s.format.open(&same_key_other_epoch, 9, &mut s.page.clone()),
                        Err(Error::UnknownEpoch { page: 9, epoch: 7 }));
        // ...and rewriting the trailer's epoch to match it breaks the tag.
        let at = s.format.payload_len();
        s.page[at..at + 4].copy_from_slice(&other.to_le_bytes());
        prop_assert_eq!(s.format.open(&same_key_other_epoch, 9, &mut s.page),
                        Err(Error::PageAuthentication { page: 9 }));
    }

    #[test]
    fn garbage_never_panics(suite in suite(), size in page_size(), seed in any::<u64>(),
                            len_delta in -3i64..3) {
        let format = PageFormat::new(suite, size, [5; 16]).unwrap();
        let keys = [keyed(suite, 1, 0), keyed(suite, 2, 1)];
        let len = (size as i64 + len_delta) as usize;
        let mut page = vec![0u8; len];
        nonces(seed)(&mut page).unwrap();
        let result = format.open(&keys, 0, &mut page);
        prop_assert!(result.is_err());
        if len != size {
            prop_assert_eq!(result, Err(Error::InvalidPageLength { expected: size, actual: len }));
        }
    }
}

#[test]
fn wrong_key_fails_and_wipes() {
    for suite in Suite::ALL.into_iter().filter(|s| s.is_keyed()) {
        let mut s = seal(suite, 4096, [6; 16], 1, 0, 99);
        let wrong = keyed(suite, 0xff, 0);
        assert_eq!(
            s.format.open(&wrong, 1, &mut s.page),
            Err(Error::PageAuthentication { page: 1 }),
            "{suite}"
        );
        assert!(s.page.iter().all(|&b| b == 0), "{suite}");
    }
}

#[test]
fn cipher_of_another_suite_is_refused() {
    let mut s = seal(Suite::Aegis256, 4096, [6; 16], 1, 0, 1);
    let other = keyed(Suite::Aes256Gcm, 0, 0);
    assert_eq!(
        s.format.open(&other, 1, &mut s.page),
        Err(Error::SuiteMismatch {
            expected: Suite::Aegis256,
            actual: Suite::Aes256Gcm
        })
    );
    let mut fresh = vec![0u8; 4096];
    assert_eq!(
        s.format
            .seal(&other.cipher, 0, &mut nonces(1), 1, &mut fresh),
        Err(Error::SuiteMismatch {
            expected: Suite::Aegis256,
            actual: Suite::Aes256Gcm
        })
    );
}

#[test]
fn invalid_page_sizes_are_refused() {
    for size in [0, 256, 1000, 4095, 131072] {
        assert_eq!(
            PageFormat::new(Suite::Aegis128L, size, [0; 16]),
            Err(Error::InvalidPageSize { size })
        );
    }
}
