//! Library-level tests of `PageFile`: many threads on one file, automatic
//! rotation at the seal limit, rotation and migration while the file is in
//! use, keyslot changes, header repair, and errors.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pageseal::core::{Error as CoreError, HeaderCopy, KdfParams, RawKey, Secret, Suite};
use pageseal::{CreateOptions, Error, PageFile, Tuning};

const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn key(byte: u8) -> RawKey {
    RawKey::new([byte; 32])
}

fn options(suite: Suite, page_size: usize) -> CreateOptions {
    CreateOptions {
        suite,
        page_size,
        kdf: FAST_KDF,
    }
}

fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("pageseal-lib-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("pages");
    (dir, path)
}

/// A payload that says which page and which version it is.
fn payload(len: usize, page: u64, version: u64) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for (i, chunk) in out.chunks_mut(16).enumerate() {
        let word = (page << 40) ^ (version << 8) ^ i as u64;
        let bytes = [word.to_le_bytes(), (!word).to_le_bytes()].concat();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    out
}

fn read(file: &PageFile, page: u64) -> Vec<u8> {
    let mut out = vec![0u8; file.payload_len()];
    file.read_page(page, &mut out)
        .unwrap_or_else(|e| panic!("page {page}: {e}"));
    out
}

fn create(path: &Path, suite: Suite, page_size: usize, k: &RawKey, tuning: Tuning) -> PageFile {
    PageFile::create(
        path,
        &options(suite, page_size),
        Some(&Secret::RawKey(k)),
        tuning,
    )
    .unwrap()
}

fn open(path: &Path, k: &RawKey) -> PageFile {
    PageFile::open(path, Some(&Secret::RawKey(k)), true, Tuning::default()).unwrap()
}

#[test]
fn many_threads_read_and_write_different_pages() {
    let (_dir, path) = scratch();
    let k = key(1);
    let file = create(&path, Suite::Aegis128L, 512, &k, Tuning::default());
    let len = file.payload_len();
    const THREADS: u64 = 8;
    const PAGES: u64 = 256;
    for page in 0..PAGES {
        assert_eq!(file.append_page(&payload(len, page, 0)).unwrap(), page);
    }
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let file = &file;
            s.spawn(move || {
                for version in 1..=20 {
                    for page in (t..PAGES).step_by(THREADS as usize) {
                        file.write_page(page, &payload(len, page, version)).unwrap();
                        assert_eq!(read(file, page), payload(len, page, version));
                    }
                }
            });
        }
    });
    // Concurrent appends get distinct page numbers.
    let appended: Vec<Vec<u64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let file = &file;
                s.spawn(move || {
                    (0..25)
                        .map(|i| file.append_page(&payload(len, 1000 + t, i)).unwrap())
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(file.page_count(), PAGES + THREADS * 25);
    let mut all: Vec<u64> = appended.iter().flatten().copied().collect();
    all.sort_unstable();
    assert_eq!(all, (PAGES..PAGES + THREADS * 25).collect::<Vec<_>>());
    file.close().unwrap();

    let file = open(&path, &k);
    assert_eq!(file.page_count(), PAGES + THREADS * 25);
    assert_eq!(file.partial_tail(), 0);
    for page in 0..PAGES {
        assert_eq!(read(&file, page), payload(len, page, 20), "page {page}");
    }
    for (t, pages) in appended.iter().enumerate() {
        for (i, &page) in pages.iter().enumerate() {
            assert_eq!(read(&file, page), payload(len, 1000 + t as u64, i as u64));
        }
    }
}

#[test]
fn seal_limit_rotates_to_new_epochs_automatically() {
    let (_dir, path) = scratch();
    let k = key(2);
    let limit = 8;
    let tuning = Tuning {
        seal_limit: Some(limit),
        ..Tuning::default()
    };
    let file = create(&path, Suite::Aes128Gcm, 512, &k, tuning);
    let len = file.payload_len();
    assert_eq!(file.current_epoch(), 1);
    let mut epochs_seen = vec![];
    for page in 0..30 {
        file.append_page(&payload(len, page, 0)).unwrap();
        epochs_seen.push(file.current_epoch());
    }
    for page in 0..30 {
        file.write_page(page, &payload(len, page, 1)).unwrap();
        epochs_seen.push(file.current_epoch());
    }
    // 60 seals at 8 per data key: epochs 1..=8.
    assert!(epochs_seen.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(file.current_epoch(), 60u32.div_ceil(limit as u32));
    let header = file.header();
    let epochs: Vec<(u32, u64)> = header.epochs().collect();
    let numbers: Vec<u32> = epochs.iter().map(|e| e.0).collect();
    assert_eq!(numbers, (1..=file.current_epoch()).collect::<Vec<_>>());
    for &(epoch, seals) in &epochs {
        assert!(seals <= limit, "epoch {epoch} recorded {seals} seals");
    }
    for page in 0..30 {
        assert_eq!(read(&file, page), payload(len, page, 1));
    }
    file.close().unwrap();

    // The epochs and their keys survive a reopen; every page reads back.
    let file = open(&path, &k);
    assert_eq!(file.current_epoch(), 60u32.div_ceil(limit as u32));
    for page in 0..30 {
        assert_eq!(read(&file, page), payload(len, page, 1));
    }
    // A migration moves every page to the current epoch and drops the rest.
    let m = file.migrate(2, &|_| {}).unwrap();
    assert!(m.resealed > 0);
    assert_eq!(
        m.dropped,
        (1..file.current_epoch()).collect::<Vec<_>>(),
        "{m:?}"
    );
    let live: Vec<u32> = file.header().epochs().map(|e| e.0).collect();
    assert_eq!(live, vec![file.current_epoch()]);
    for page in 0..30 {
        assert_eq!(read(&file, page), payload(len, page, 1));
    }
}

/// Fills the 16-entry epoch table with a tiny seal limit: appended pages
/// are sealed two per epoch and never rewritten, so every epoch stays in
/// use and the 33rd page finds no room for a 17th epoch.
fn fill_epoch_table(path: &Path, k: &RawKey) -> (PageFile, Vec<u64>) {
    let tuning = Tuning {
        seal_limit: Some(2),
        ..Tuning::default()
    };
    let file = create(path, Suite::ChaCha20Poly1305, 512, k, tuning);
    let len = file.payload_len();
    let err = loop {
        let page = file.page_count();
        assert!(page < 100, "the epoch table never filled up");
        if let Err(e) = file.append_page(&payload(len, page, 0)) {
            break e;
        }
    };
    assert_eq!(file.page_count(), 32, "two pages per epoch, 16 epochs");
    assert!(
        matches!(err.core(), Some(CoreError::NoFreeEpoch)),
        "{err:?}: {err}"
    );
    assert!(
        err.to_string().contains("the key epoch table is full"),
        "{err}"
    );
    (file, vec![0; 32])
}

/// At the limit, writes are refused: nothing is ever sealed past the seal
/// limit. A whole-file rotation (`rotate_file`, the CLI's `rotate`) empties
/// the table again.
#[test]
fn full_epoch_table_refuses_writes_and_rotate_file_recovers() {
    let (_dir, path) = scratch();
    let k = key(3);
    let (file, last) = fill_epoch_table(&path, &k);
    let len = file.payload_len();
    assert_eq!(file.header().epochs().count(), 16);
    for (epoch, seals) in file.header().epochs() {
        assert!(seals <= 2, "epoch {epoch}: {seals} seals");
    }
    for (page, &version) in last.iter().enumerate() {
        assert_eq!(read(&file, page as u64), payload(len, page as u64, version));
    }
    file.close().unwrap();

    let rotation =
        pageseal::rotate_file(&path, &Secret::RawKey(&k), Tuning::default(), 2, &|_| {}).unwrap();
    assert_eq!(rotation.pages, last.len() as u64);
    assert_eq!((rotation.keyslot, rotation.dropped_keyslots.len()), (0, 0));
    let file = open(&path, &k);
    assert_eq!(file.current_epoch(), 1, "a new file key starts at epoch 1");
    assert_eq!(file.header().epochs().count(), 1);
    for (page, &version) in last.iter().enumerate() {
        assert_eq!(read(&file, page as u64), payload(len, page as u64, version));
    }
    file.write_page(0, &payload(len, 0, 999)).unwrap();
    assert_eq!(read(&file, 0), payload(len, 0, 999));
}

/// Epochs that no page uses any more do not fill the table: rewriting the
/// same few pages across far more than 16 automatic rotations keeps
/// working, because a full table drops its unused epochs first.
#[test]
fn unused_epochs_are_dropped_when_the_table_fills() {
    let (_dir, path) = scratch();
    let k = key(3);
    let tuning = Tuning {
        seal_limit: Some(2),
        ..Tuning::default()
    };
    let file = create(&path, Suite::ChaCha20Poly1305, 512, &k, tuning);
    let len = file.payload_len();
    for page in 0..4 {
        file.append_page(&payload(len, page, 0)).unwrap();
    }
    let mut last = [0u64; 4];
    for version in 1..200u64 {
        let page = version % 4;
        file.write_page(page, &payload(len, page, version)).unwrap();
        last[page as usize] = version;
    }
    assert!(
        file.current_epoch() > 16,
        "{} rotations",
        file.current_epoch()
    );
    assert!(file.header().epochs().count() <= 16);
    for page in 0..4u64 {
        assert_eq!(read(&file, page), payload(len, page, last[page as usize]));
    }
    file.close().unwrap();
    let file = open(&path, &k);
    for page in 0..4u64 {
        assert_eq!(read(&file, page), payload(len, page, last[page as usize]));
    }
}

/// With every epoch of a full table still in use, `migrate` cannot start
/// (it needs one free entry to re-seal into): it fails with a clear error,
/// and nothing is lost.
#[test]
fn migrate_with_every_epoch_in_use_fails_cleanly() {
    let (_dir, path) = scratch();
    let k = key(3);
    let (file, last) = fill_epoch_table(&path, &k);
    let len = file.payload_len();
    let err = file.migrate(1, &|_| {}).unwrap_err();
    assert!(matches!(err.core(), Some(CoreError::NoFreeEpoch)), "{err}");
    for (page, &version) in last.iter().enumerate() {
        assert_eq!(read(&file, page as u64), payload(len, page as u64, version));
    }
}

/// rotate() + migrate() while writer threads keep rewriting pages and
/// reader threads keep reading pages nobody else writes: every read
/// succeeds, every page ends with the last value written, and the old
/// epochs are dropped.
#[test]
fn rotate_and_migrate_while_the_file_is_in_use() {
    // The races are timing-dependent: run the scenario a few times.
    for _ in 0..3 {
        rotate_and_migrate_in_use();
    }
}

fn rotate_and_migrate_in_use() {
    let (_dir, path) = scratch();
    let k = key(4);
    let file = Arc::new(create(&path, Suite::Aegis256, 4096, &k, Tuning::default()));
    let len = file.payload_len();
    const PAGES: u64 = 96;
    for page in 0..PAGES {
        file.append_page(&payload(len, page, 0)).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    // Writers own pages 0..64 (32 each); pages 64..96 are only read.
    let writers: Vec<_> = (0..2u64)
        .map(|w| {
            let (file, stop) = (Arc::clone(&file), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut last = vec![0u64; 32];
                let mut version = 0;
                while !stop.load(Ordering::Relaxed) {
                    version += 1;
                    for (i, v) in last.iter_mut().enumerate() {
                        let page = w * 32 + i as u64;
                        file.write_page(page, &payload(len, page, version)).unwrap();
                        *v = version;
                    }
                }
                last
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|r| {
            let (file, stop) = (Arc::clone(&file), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut reads = 0u64;
                let mut buf = vec![0u8; len];
                while !stop.load(Ordering::Relaxed) {
                    let pages: Vec<u64> = if r == 0 {
                        (64..PAGES).collect()
                    } else {
                        (64..PAGES).rev().collect()
                    };
                    for page in pages {
                        file.read_page(page, &mut buf)
                            .unwrap_or_else(|e| panic!("concurrent read of page {page}: {e}"));
                        assert_eq!(buf, payload(len, page, 0));
                        reads += 1;
                    }
                }
                reads
            })
        })
        .collect();
    let mut migrations = vec![];
    for round in 0..8 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        let before = file.current_epoch();
        let epoch = file.rotate().unwrap();
        assert_eq!(epoch, before + 1);
        let m = file.migrate(2, &|_| {}).unwrap();
        assert_eq!(m.dropped, vec![before], "round {round}: {m:?}");
        let live: Vec<u32> = file.header().epochs().map(|e| e.0).collect();
        assert_eq!(live, vec![epoch], "round {round}");
        migrations.push(m);
    }
    stop.store(true, Ordering::Relaxed);
    let last: Vec<Vec<u64>> = writers.into_iter().map(|h| h.join().unwrap()).collect();
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
    assert!(
        migrations.iter().all(|m| m.resealed >= 32),
        "{migrations:?}"
    );
    for (w, last) in last.iter().enumerate() {
        for (i, &version) in last.iter().enumerate() {
            let page = w as u64 * 32 + i as u64;
            assert_eq!(
                read(&file, page),
                payload(len, page, version),
                "page {page}"
            );
        }
    }
    for page in 64..PAGES {
        assert_eq!(read(&file, page), payload(len, page, 0));
    }
    let file = Arc::into_inner(file).unwrap();
    let final_epoch = file.current_epoch();
    file.close().unwrap();
    let file = open(&path, &k);
    assert_eq!(file.current_epoch(), final_epoch);
    assert_eq!(file.header().epochs().count(), 1);
    for page in 64..PAGES {
        assert_eq!(read(&file, page), payload(len, page, 0));
    }
}

#[test]
fn keyslots_recovery_key_and_rekey() {
    let (_dir, path) = scratch();
    let (main, recovery, newer) = (key(5), key(6), key(7));
    let file = create(&path, Suite::Aes256Gcm, 1024, &main, Tuning::default());
    let len = file.payload_len();
    for page in 0..5 {
        file.append_page(&payload(len, page, 0)).unwrap();
    }
    assert_eq!(file.opened_keyslot(), Some(0));
    let slot = file
        .add_keyslot(&Secret::RawKey(&recovery), &FAST_KDF)
        .unwrap();
    assert_eq!(slot, 1);
    let pass_slot = file
        .add_keyslot(&Secret::Passphrase(b"recovery words"), &FAST_KDF)
        .unwrap();
    assert_eq!(pass_slot, 2);
    file.close().unwrap();
    let pages_before = std::fs::read(&path).unwrap()[4096..].to_vec();

    // Each secret opens its own keyslot.
    let by_recovery = open(&path, &recovery);
    assert_eq!(by_recovery.opened_keyslot(), Some(1));
    assert_eq!(read(&by_recovery, 3), payload(len, 3, 0));
    drop(by_recovery);
    let by_pass = PageFile::open(
        &path,
        Some(&Secret::Passphrase(b"recovery words")),
        false,
        Tuning::default(),
    )
    .unwrap();
    assert_eq!(by_pass.opened_keyslot(), Some(2));
    assert_eq!(read(&by_pass, 4), payload(len, 4, 0));
    drop(by_pass);

    // Remove the main key: it no longer opens the file.
    let file = open(&path, &recovery);
    file.remove_keyslot(0).unwrap();
    drop(file);
    let err = PageFile::open(
        &path,
        Some(&Secret::RawKey(&main)),
        false,
        Tuning::default(),
    )
    .err()
    .expect("a removed key must not open the file");
    assert!(matches!(err.core(), Some(CoreError::WrongKey)), "{err}");
    assert!(err.to_string().contains("wrong key or passphrase"), "{err}");

    // Rekey the recovery slot through the library.
    let file = open(&path, &recovery);
    assert_eq!(file.rekey(&Secret::RawKey(&newer), &FAST_KDF).unwrap(), 1);
    file.close().unwrap();
    assert!(
        PageFile::open(
            &path,
            Some(&Secret::RawKey(&recovery)),
            false,
            Tuning::default()
        )
        .is_err()
    );
    let file = open(&path, &newer);
    assert_eq!(file.opened_keyslot(), Some(1));
    for page in 0..5 {
        assert_eq!(read(&file, page), payload(len, page, 0));
    }
    // Keyslot changes touch no page.
    assert_eq!(std::fs::read(&path).unwrap()[4096..], pages_before[..]);

    // The last keyslot of a kind can go, the very last one cannot.
    file.remove_keyslot(2).unwrap();
    let err = file.remove_keyslot(1).unwrap_err();
    assert!(matches!(err.core(), Some(CoreError::LastKeyslot)), "{err}");
    // Four keyslots at most.
    for i in 0..3 {
        file.add_keyslot(&Secret::RawKey(&key(10 + i)), &FAST_KDF)
            .unwrap();
    }
    let err = file
        .add_keyslot(&Secret::RawKey(&key(20)), &FAST_KDF)
        .unwrap_err();
    assert!(matches!(err.core(), Some(CoreError::KeyslotsFull)), "{err}");
}

fn damage_and_repair(copy: HeaderCopy) {
    let (_dir, path) = scratch();
    let k = key(8);
    let file = create(&path, Suite::Aegis128X2, 512, &k, Tuning::default());
    let len = file.payload_len();
    for page in 0..6 {
        file.append_page(&payload(len, page, 0)).unwrap();
    }
    file.close().unwrap();
    let good = std::fs::read(&path).unwrap();
    let mut bytes = good.clone();
    bytes[copy.offset() as usize + 200] ^= 0x5a;
    std::fs::write(&path, &bytes).unwrap();

    // Read-only: reported, not rewritten.
    let ro = PageFile::open(&path, Some(&Secret::RawKey(&k)), false, Tuning::default()).unwrap();
    assert_eq!(ro.repaired(), Some(copy));
    assert_eq!(read(&ro, 5), payload(len, 5, 0));
    drop(ro);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // Writable: repaired from the other copy.
    let rw = open(&path, &k);
    assert_eq!(rw.repaired(), Some(copy));
    for page in 0..6 {
        assert_eq!(read(&rw, page), payload(len, page, 0));
    }
    drop(rw);
    let repaired = std::fs::read(&path).unwrap();
    assert_eq!(repaired[..2048], repaired[2048..4096], "both copies equal");
    assert_eq!(repaired[4096..], good[4096..], "pages untouched");

    let again = open(&path, &k);
    assert_eq!(again.repaired(), None, "nothing left to repair");
}

#[test]
fn damaged_header_copy_a_is_repaired() {
    damage_and_repair(HeaderCopy::A);
}

#[test]
fn damaged_header_copy_b_is_repaired() {
    damage_and_repair(HeaderCopy::B);
}

#[test]
fn page_errors_name_the_page_and_release_no_plaintext() {
    let (_dir, path) = scratch();
    let k = key(9);
    let file = create(&path, Suite::Aes128Gcm, 512, &k, Tuning::default());
    let len = file.payload_len();
    for page in 0..4 {
        file.append_page(&payload(len, page, 0)).unwrap();
    }
    file.close().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[4096 + 2 * 512 + 10] ^= 1;
    std::fs::write(&path, &bytes).unwrap();

    let file = open(&path, &k);
    let mut out = vec![0xaau8; len];
    let err = file.read_page(2, &mut out).unwrap_err();
    assert!(matches!(err, Error::Core { page: Some(2), .. }), "{err:?}");
    assert!(
        err.to_string().contains("page 2 failed authentication"),
        "{err}"
    );
    assert!(out.iter().all(|&b| b == 0), "no plaintext after a failure");
    assert_eq!(read(&file, 3), payload(len, 3, 0));

    // Past the end, too long, wrong buffer size.
    let err = file.read_page(4, &mut out).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NoSuchPage {
                page: 4,
                pages: 4,
                ..
            }
        ),
        "{err:?}"
    );
    let err = file.write_page(5, &payload(len, 5, 0)).unwrap_err();
    assert!(matches!(err, Error::NoSuchPage { page: 5, .. }), "{err:?}");
    assert!(file.write_page(0, &vec![0; len + 1]).is_err());
    assert!(file.read_page(0, &mut vec![0; len - 1]).is_err());
    // Writing the page after the last one appends it.
    file.write_page(4, &payload(len, 4, 0)).unwrap();
    assert_eq!(file.page_count(), 5);
    drop(file);

    // Read-only files refuse writes.
    let ro = PageFile::open(&path, Some(&Secret::RawKey(&k)), false, Tuning::default()).unwrap();
    let err = ro.write_page(0, b"x").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}

#[test]
fn open_errors() {
    let (dir, path) = scratch();
    let k = key(10);
    create(&path, Suite::Aegis256X2, 512, &k, Tuning::default())
        .close()
        .unwrap();
    let err = PageFile::open(&path, None, false, Tuning::default())
        .err()
        .unwrap();
    assert!(matches!(err, Error::KeyMissing { .. }), "{err:?}");
    let err = PageFile::open(
        &path,
        Some(&Secret::RawKey(&key(11))),
        false,
        Tuning::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err.core(), Some(CoreError::WrongKey)), "{err:?}");

    let sums = dir.path().join("sums");
    let file = PageFile::create(
        &sums,
        &options(Suite::Checksum, 512),
        None,
        Tuning::default(),
    )
    .unwrap();
    file.append_page(b"checked, not secret").unwrap();
    file.close().unwrap();
    let err = PageFile::open(&sums, Some(&Secret::RawKey(&k)), false, Tuning::default())
        .err()
        .unwrap();
    assert!(
        matches!(err.core(), Some(CoreError::KeyNotExpected)),
        "{err:?}"
    );
    let file = PageFile::open(&sums, None, false, Tuning::default()).unwrap();
    let mut out = vec![0; file.payload_len()];
    file.read_page(0, &mut out).unwrap();
    assert!(out.starts_with(b"checked, not secret"));
    // A checksum-only file has no keyslots and no epochs to rotate.
    assert!(file.rotate().is_err());

    // Creating over an existing file is refused and leaves it alone.
    let before = std::fs::read(&path).unwrap();
    let err = PageFile::create(
        &path,
        &options(Suite::Aes128Gcm, 512),
        Some(&Secret::RawKey(&k)),
        Tuning::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let plain = dir.path().join("plain");
    std::fs::write(&plain, b"SQLite format 3\0 and more bytes").unwrap();
    let err = PageFile::open(&plain, Some(&Secret::RawKey(&k)), false, Tuning::default())
        .err()
        .unwrap();
    assert!(
        matches!(err.core(), Some(CoreError::NotPageseal { sqlite: true })),
        "{err:?}"
    );
}

/// The seal counter is reserved ahead in the header: a crash (no close,
/// no sync) can only over-count seals, never under-count them.
#[test]
fn seal_count_is_reserved_ahead_of_a_crash() {
    let (_dir, path) = scratch();
    let k = key(12);
    let file = create(&path, Suite::Aes128Gcm, 512, &k, Tuning::default());
    let len = file.payload_len();
    for page in 0..10 {
        file.append_page(&payload(len, page, 0)).unwrap();
    }
    drop(file); // a crash: neither close nor sync
    let file = open(&path, &k);
    let reserved = file.header().seals(1);
    assert!(reserved >= 10, "only {reserved} seals recorded for 10");
    for page in 0..10 {
        assert_eq!(read(&file, page), payload(len, page, 0));
    }
    file.write_page(0, &payload(len, 0, 1)).unwrap();
    drop(file);
    let file = open(&path, &k);
    assert!(
        file.header().seals(1) > reserved,
        "the seal after reopening was not counted beyond the earlier reservation"
    );
}

/// Pages sealed by one backend open with every other one (including
/// portable), for every suite.
#[test]
fn every_backend_reads_every_other_backends_pages() {
    use pageseal_dispatch::{Backend, available_backends};
    let k = key(13);
    for suite in Suite::ALL {
        let backends: Vec<Backend> = available_backends(suite).collect();
        assert!(backends.contains(&Backend::Portable), "{suite}");
        for &writer in &backends {
            let (_dir, path) = scratch();
            let secret = Secret::RawKey(&k);
            let secret = suite.is_keyed().then_some(&secret);
            let tuning = Tuning {
                backend: Some(writer),
                ..Tuning::default()
            };
            let file = PageFile::create(&path, &options(suite, 1024), secret, tuning).unwrap();
            assert_eq!(file.backend(), writer);
            let len = file.payload_len();
            for page in 0..3 {
                file.append_page(&payload(len, page, 7)).unwrap();
            }
            file.close().unwrap();
            for &reader in &backends {
                let tuning = Tuning {
                    backend: Some(reader),
                    ..Tuning::default()
                };
                let file = PageFile::open(&path, secret, false, tuning).unwrap();
                assert_eq!(file.backend(), reader);
                for page in 0..3 {
                    let mut out = vec![0u8; len];
                    file.read_page(page, &mut out).unwrap_or_else(|e| {
                        panic!("{suite}: sealed by {writer:?}, opened by {reader:?}: {e}")
                    });
                    assert_eq!(out, payload(len, page, 7));
                }
            }
        }
    }
}

/// Many threads sealing at once through a tiny seal limit: no epoch ever
/// seals more pages than its data key's limit, and the count recorded in
/// the header for each live epoch covers every page sealed under it.
#[test]
fn concurrent_seals_never_pass_the_limit_or_the_recorded_count() {
    let (_dir, path) = scratch();
    let k = key(31);
    let limit = 40;
    let tuning = Tuning {
        seal_limit: Some(limit),
        ..Tuning::default()
    };
    let file = Arc::new(create(&path, Suite::Aegis128L, 512, &k, tuning));
    let len = file.payload_len();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let file = Arc::clone(&file);
            std::thread::spawn(move || {
                for i in 0..25u64 {
                    // Appends and rewrites of the first pages, interleaved.
                    file.append_page(&payload(len, t * 100 + i, 0)).unwrap();
                    file.write_page(t, &payload(len, t, i)).unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    file.sync().unwrap();
    let header = file.header();
    let format = pageseal::core::PageFormat::new(Suite::Aegis128L, 512, *header.file_id()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut per_epoch = std::collections::BTreeMap::new();
    for page in bytes[4096..].chunks(512) {
        *per_epoch.entry(format.epoch(page).unwrap()).or_insert(0u64) += 1;
    }
    assert!(
        header.current_epoch() >= 5,
        "200 seals at 40 per key rotate at least 4 times"
    );
    for (epoch, pages) in &per_epoch {
        assert!(*pages <= limit, "epoch {epoch}: {pages} pages");
        if let Some((_, recorded)) = header.epochs().find(|(e, _)| e == epoch) {
            assert!(
                recorded >= *pages,
                "epoch {epoch}: {pages} pages, {recorded} recorded"
            );
            assert!(recorded <= limit, "epoch {epoch}: {recorded} recorded");
        }
    }
}
