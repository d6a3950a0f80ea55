//! The header and key hierarchy: every open-time error, keyslot changes,
//! damaged copies, epochs, and a parser that never panics.

use pageseal_core::{
    CopyFault, Error, FileKind, HEADER_AREA_LEN, HEADER_COPY_LEN, Header, HeaderCopy, KdfParams,
    RawKey, Secret, SecretKind, Suite, read_header,
};
use pageseal_tests::golden::{
    GOLDEN_KDF, TestRng, build_file, golden_payload, golden_raw_key, kdf_memory, open_file,
};
use proptest::prelude::*;

const PASS: &[u8] = b"hunter2 but longer";

fn raw(byte: u8) -> RawKey {
    RawKey::new([byte; 32])
}

/// A two-page AEGIS-128L file with a raw-key keyslot.
fn sample() -> Vec<u8> {
    let key = golden_raw_key();
    build_file(
        Suite::Aegis128L,
        512,
        Some(&Secret::RawKey(&key)),
        2,
        &mut TestRng::new(1),
    )
    .unwrap()
}

/// Recomputes a copy's SHA-256 digest after an edit (as a careless or
/// hostile writer would), so that the edit reaches the checks behind it.
fn redigest(copy: &mut [u8]) {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(&copy[..2016]);
    copy[2016..2048].copy_from_slice(&digest);
}

fn edit_both(file: &mut [u8], edit: impl Fn(&mut [u8])) {
    for copy in file[..HEADER_AREA_LEN].chunks_mut(HEADER_COPY_LEN) {
        edit(copy);
        redigest(copy);
    }
}

fn unlock(file: &[u8], secret: Option<&Secret<'_>>) -> Result<pageseal_core::Opened, Error> {
    read_header(file)?.unlock(secret, &mut kdf_memory(&GOLDEN_KDF))
}

#[test]
fn right_key_opens_and_reads_the_pages() {
    let key = golden_raw_key();
    let pages = open_file(&sample(), Some(&Secret::RawKey(&key))).unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1], golden_payload(1, 512 - 36));
}

#[test]
fn wrong_key_is_reported_as_wrong_key_before_any_page() {
    let file = sample();
    let wrong = raw(9);
    assert_eq!(
        unlock(&file, Some(&Secret::RawKey(&wrong))).unwrap_err(),
        Error::WrongKey
    );
    assert_eq!(
        unlock(&file, Some(&Secret::Passphrase(PASS))).unwrap_err(),
        Error::NoKeyslotFor {
            kind: SecretKind::Passphrase
        }
    );
    assert_eq!(unlock(&file, None).unwrap_err(), Error::KeyRequired);
}

#[test]
fn checksum_only_file_refuses_a_key() {
    let file = build_file(Suite::Checksum, 1024, None, 3, &mut TestRng::new(2)).unwrap();
    let opened = unlock(&file, None).unwrap();
    assert_eq!(opened.header.kind(), FileKind::ChecksumOnly);
    assert!(opened.keys.is_none());
    let key = golden_raw_key();
    assert_eq!(
        unlock(&file, Some(&Secret::RawKey(&key))).unwrap_err(),
        Error::KeyNotExpected
    );
    assert_eq!(
        open_file(&file, None).unwrap()[2],
        golden_payload(2, 1024 - 16)
    );
}

#[test]
fn recovery_key_and_passphrase_change_touch_only_the_header() {
    let mut rng = TestRng::new(3);
    let (mut header, keys) =
        Header::new_encrypted(Suite::Aes256Gcm, 4096, [7; 16], &mut rng).unwrap();
    let mut work = kdf_memory(&GOLDEN_KDF);
    let recovery = raw(0x5a);
    header
        .set_keyslot(
            0,
            &Secret::Passphrase(PASS),
            &GOLDEN_KDF,
            &keys,
            &mut rng,
            &mut work,
        )
        .unwrap();
    header
        .set_keyslot(
            1,
            &Secret::RawKey(&recovery),
            &GOLDEN_KDF,
            &keys,
            &mut rng,
            &mut work,
        )
        .unwrap();
    let data_key = keys.data_key(1).unwrap().clone();
    let area = |h: &Header| {
        let copy = h.encode(Some(&keys)).unwrap();
        [copy, copy].concat()
    };
    let before = area(&header);
    for secret in [Secret::Passphrase(PASS), Secret::RawKey(&recovery)] {
        let opened = unlock(&before, Some(&secret)).unwrap();
        assert!(opened.keys.unwrap().data_key(1).unwrap() == &data_key);
    }

    // Change the passphrase: slot 0 is rewritten, the data key is the same.
    header
        .set_keyslot(
            0,
            &Secret::Passphrase(b"new passphrase"),
            &GOLDEN_KDF,
            &keys,
            &mut rng,
            &mut work,
        )
        .unwrap();
    let after = area(&header);
    assert_eq!(
        unlock(&after, Some(&Secret::Passphrase(PASS))).unwrap_err(),
        Error::WrongKey
    );
    let opened = unlock(&after, Some(&Secret::Passphrase(b"new passphrase"))).unwrap();
    assert!(opened.keys.unwrap().data_key(1).unwrap() == &data_key);
    assert!(unlock(&after, Some(&Secret::RawKey(&recovery))).is_ok());

    // Remove the recovery key; the last keyslot cannot be removed.
    header.clear_keyslot(1).unwrap();
    let removed = area(&header);
    assert_eq!(
        unlock(&removed, Some(&Secret::RawKey(&recovery))).unwrap_err(),
        Error::NoKeyslotFor {
            kind: SecretKind::RawKey
        }
    );
    assert_eq!(header.clear_keyslot(0), Err(Error::LastKeyslot));
    assert_eq!(
        header.clear_keyslot(4),
        Err(Error::NoSuchKeyslot { index: 4 })
    );
}

#[test]
fn one_damaged_copy_is_repaired_from_the_other() {
    let key = golden_raw_key();
    for (copy, at) in [(HeaderCopy::A, 100), (HeaderCopy::B, HEADER_COPY_LEN + 100)] {
        let mut file = sample();
        file[at] ^= 0x40;
        let read = read_header(&file).unwrap();
        assert_eq!(read.damaged, Some((copy, CopyFault::DigestMismatch)));
        let opened = read.unlock(Some(&Secret::RawKey(&key)), &mut []).unwrap();
        assert_eq!(opened.repair, Some(copy));
        assert_eq!(
            open_file(&file, Some(&Secret::RawKey(&key))).unwrap().len(),
            2
        );
    }
}

#[test]
fn both_damaged_copies_are_reported() {
    let mut file = sample();
    file[0] = b'X';
    file[HEADER_COPY_LEN + 700] ^= 1;
    assert_eq!(
        read_header(&file).unwrap_err(),
        Error::HeadersCorrupt {
            a: CopyFault::BadMagic,
            b: CopyFault::DigestMismatch
        }
    );
}

#[test]
fn not_a_pageseal_file() {
    assert_eq!(
        read_header(b"").unwrap_err(),
        Error::NotPageseal { sqlite: false }
    );
    assert_eq!(
        read_header(&[0u8; 8192]).unwrap_err(),
        Error::NotPageseal { sqlite: false }
    );
    let mut sqlite = b"SQLite format 3\0".to_vec();
    sqlite.resize(4096, 0);
    assert_eq!(
        read_header(&sqlite).unwrap_err(),
        Error::NotPageseal { sqlite: true }
    );
    let plain = b"just some text that was never sealed\n".repeat(200);
    assert_eq!(
        read_header(&plain).unwrap_err(),
        Error::NotPageseal { sqlite: false }
    );
}

#[test]
fn truncated_header() {
    let file = sample();
    assert_eq!(
        read_header(&file[..3000]).unwrap_err(),
        Error::HeaderTruncated {
            len: 3000,
            needed: HEADER_AREA_LEN
        }
    );
}

#[test]
fn unsupported_version_and_unknown_suite() {
    let mut file = sample();
    edit_both(&mut file, |c| c[8] = 3);
    assert_eq!(
        read_header(&file).unwrap_err(),
        Error::UnsupportedVersion { version: 3 }
    );
    // Version 2 is read, but a writer writes the lowest version that
    // expresses the header: a page file without creation times is version
    // 1, and a version-1 header with a creation time or a key ring's
    // contents byte is refused.
    let mismatch = CopyFault::Invalid("format version does not match the header's contents");
    let mut file = sample();
    edit_both(&mut file, |c| c[8] = 2);
    assert_eq!(
        read_header(&file).unwrap_err(),
        Error::HeadersCorrupt {
            a: mismatch,
            b: mismatch
        }
    );
    for at in [13, 1792] {
        let mut file = sample();
        edit_both(&mut file, |c| c[at] = 1);
        assert_eq!(
            read_header(&file).unwrap_err(),
            Error::HeadersCorrupt {
                a: mismatch,
                b: mismatch
            },
            "byte {at}"
        );
    }
    let mut file = sample();
    edit_both(&mut file, |c| c[11] = 99);
    assert_eq!(
        read_header(&file).unwrap_err(),
        Error::UnknownSuiteId { id: 99 }
    );
}

#[test]
fn altered_header_fails_its_mac() {
    let key = golden_raw_key();
    // data length changed in both copies, digests fixed up: only the MAC
    // (checked after unlocking) can tell.
    let mut file = sample();
    edit_both(&mut file, |c| c[40] ^= 1);
    assert_eq!(
        unlock(&file, Some(&Secret::RawKey(&key))).unwrap_err(),
        Error::HeaderAuthentication
    );
    // Altered in copy A only, and made newer: copy B is used and A repaired.
    let mut file = sample();
    let a = &mut file[..HEADER_COPY_LEN];
    a[40] ^= 1;
    a[32] = 9;
    redigest(a);
    let opened = unlock(&file, Some(&Secret::RawKey(&key))).unwrap();
    assert_eq!(opened.repair, Some(HeaderCopy::A));
    assert_eq!(opened.header.generation(), 1);
}

#[test]
fn newer_copy_wins_and_stale_copy_is_flagged() {
    let key = golden_raw_key();
    let mut rng = TestRng::new(4);
    let (mut header, mut keys) =
        Header::new_encrypted(Suite::ChaCha20Poly1305, 512, [1; 16], &mut rng).unwrap();
    header
        .set_keyslot(
            0,
            &Secret::RawKey(&key),
            &GOLDEN_KDF,
            &keys,
            &mut rng,
            &mut [],
        )
        .unwrap();
    header.set_generation(5);
    let old = header.encode(Some(&keys)).unwrap();
    header.add_epoch(&mut keys, &mut rng, 0).unwrap();
    header.set_generation(6);
    let new = header.encode(Some(&keys)).unwrap();
    // Interrupted write: copy A has the new header, B still the old.
    let area = [new, old].concat();
    let read = read_header(&area).unwrap();
    assert_eq!(
        (read.copy, read.damaged),
        (HeaderCopy::A, Some((HeaderCopy::B, CopyFault::Stale)))
    );
    let opened = read.unlock(Some(&Secret::RawKey(&key)), &mut []).unwrap();
    assert_eq!(opened.header.current_epoch(), 2);
    assert_eq!(opened.keys.unwrap().epochs().count(), 2);
}

#[test]
fn epochs_are_added_counted_and_dropped() {
    let mut rng = TestRng::new(5);
    let (mut header, mut keys) =
        Header::new_encrypted(Suite::Aegis256, 512, [2; 16], &mut rng).unwrap();
    assert_eq!(header.current_epoch(), 1);
    header.set_seals(1, 41).unwrap();
    assert_eq!(header.add_epoch(&mut keys, &mut rng, 0).unwrap(), 2);
    assert_eq!(
        header.drop_epoch(2, &mut keys),
        Err(Error::CurrentEpoch { epoch: 2 })
    );
    assert_eq!(header.epochs().collect::<Vec<_>>(), vec![(1, 41), (2, 0)]);
    header.drop_epoch(1, &mut keys).unwrap();
    assert!(keys.data_key(1).is_none() && keys.data_key(2).is_some());
    assert_eq!(
        header.drop_epoch(1, &mut keys),
        Err(Error::NoSuchEpoch { epoch: 1 })
    );
    for expected in 3..=17 {
        assert_eq!(header.add_epoch(&mut keys, &mut rng, 0).unwrap(), expected);
    }
    assert_eq!(
        header.add_epoch(&mut keys, &mut rng, 0),
        Err(Error::NoFreeEpoch)
    );
}

#[test]
fn kdf_parameters_are_checked() {
    let bad = KdfParams {
        memory_kib: 4,
        iterations: 1,
        parallelism: 1,
    };
    let mut rng = TestRng::new(6);
    let (mut header, keys) =
        Header::new_encrypted(Suite::Aes128Gcm, 512, [3; 16], &mut rng).unwrap();
    assert!(matches!(
        header.set_keyslot(
            0,
            &Secret::Passphrase(PASS),
            &bad,
            &keys,
            &mut rng,
            &mut kdf_memory(&GOLDEN_KDF)
        ),
        Err(Error::InvalidKdfParams { .. })
    ));
    assert_eq!(
        header.set_keyslot(
            0,
            &Secret::Passphrase(PASS),
            &GOLDEN_KDF,
            &keys,
            &mut rng,
            &mut []
        ),
        Err(Error::KdfMemoryTooSmall {
            needed_kib: 64,
            have_kib: 0
        })
    );
    assert!(KdfParams::DEFAULT.validate().is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random bytes and mutated real headers never panic the reader or the
    /// unlock path.
    #[test]
    fn header_parsing_never_panics(
        noise in prop::collection::vec(any::<u8>(), 0..5000),
        flips in prop::collection::vec((0usize..HEADER_AREA_LEN, any::<u8>()), 0..8),
        fix_digest in any::<bool>(),
    ) {
        let _ = read_header(&noise);
        let mut file = sample();
        for (at, value) in flips {
            file[at] = value;
        }
        if fix_digest {
            for copy in file[..HEADER_AREA_LEN].chunks_mut(HEADER_COPY_LEN) {
                redigest(copy);
            }
        }
        let key = golden_raw_key();
        if let Ok(read) = read_header(&file) {
            let _ = read.unlock(Some(&Secret::RawKey(&key)), &mut kdf_memory(&GOLDEN_KDF));
        }
    }
}
