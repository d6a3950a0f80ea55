//! Deterministic crash tests on [`MemStorage`]: every write of create,
//! seal, rekey, rotate and migrate is cut at every byte (the write that
//! reaches the cut keeps only its first bytes, and nothing after it
//! happens). After each cut, what survives — everything written, or only
//! what was flushed — must open in the old or the new state with the right
//! data, and never in a third state.

use std::path::Path;

use pageseal::core::{KdfParams, RawKey, Secret, Suite};
use pageseal::{CreateOptions, MemStorage, PageFile, Storage, Survivor, Tuning};

const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};
const PAGE: usize = 512;
const NAME: &str = "mem";

fn options() -> CreateOptions {
    CreateOptions {
        suite: Suite::Aegis128L,
        page_size: PAGE,
        kdf: FAST_KDF,
    }
}

fn payload(page: u64, version: u8) -> Vec<u8> {
    let len = PAGE - pageseal::core::trailer_len(Suite::Aegis128L);
    (0..len)
        .map(|i| (i as u8) ^ (page as u8).wrapping_mul(31) ^ version)
        .collect()
}

/// The pages of a file that opens with `secret`, read back.
fn contents(storage: MemStorage, secret: &Secret<'_>) -> Option<Vec<Vec<u8>>> {
    let file = PageFile::open_on(
        storage,
        Path::new(NAME),
        Some(secret),
        false,
        Tuning::default(),
    )
    .ok()?;
    let mut out = Vec::new();
    for page in 0..file.page_count() {
        let mut buf = vec![0; file.payload_len()];
        file.read_page(page, &mut buf).ok()?;
        out.push(buf);
    }
    Some(out)
}

/// Runs `op` on a writable file opened on `start` with the cut at every
/// byte, until `op` completes without reaching it; checks every survivor
/// with `check`. Returns the number of cuts tried.
fn every_cut(
    start: &[u8],
    secret: &Secret<'_>,
    op: impl Fn(&PageFile<MemStorage>) -> pageseal::Result<()>,
    check: impl Fn(MemStorage, u64, Survivor),
) -> u64 {
    for cut in 0.. {
        let storage = MemStorage::with_bytes(start.to_vec());
        let handle = storage.handle();
        let file = PageFile::open_on(
            storage,
            Path::new(NAME),
            Some(secret),
            true,
            Tuning::default(),
        )
        .expect("the starting state opens");
        handle.cut_after(cut);
        let done = op(&file).and_then(|()| file.sync());
        let cut_reached = handle.is_cut();
        drop(file);
        for survivor in [Survivor::Written, Survivor::Flushed] {
            check(handle.after_cut(survivor), cut, survivor);
        }
        if done.is_ok() && !cut_reached {
            return cut;
        }
        assert!(done.is_err(), "cut {cut}: the operation hid a power cut");
    }
    unreachable!()
}

/// A file with `pages` pages of version 0 under `key`.
fn made(key: &RawKey, pages: u64) -> Vec<u8> {
    let storage = MemStorage::new();
    let handle = storage.handle();
    let file = PageFile::create_on(
        storage,
        Path::new(NAME),
        &options(),
        Some(&Secret::RawKey(key)),
        Tuning::default(),
    )
    .unwrap();
    for page in 0..pages {
        file.append_page(&payload(page, 0)).unwrap();
    }
    file.close().unwrap();
    handle.bytes()
}

#[test]
fn create_cut_at_every_byte_leaves_nothing_or_an_empty_file() {
    let key = RawKey::new([1; 32]);
    let secret = Secret::RawKey(&key);
    let mut cuts = 0;
    for cut in 0.. {
        let storage = MemStorage::new();
        let handle = storage.handle();
        storage.cut_after(cut);
        let made = PageFile::create_on(
            storage,
            Path::new(NAME),
            &options(),
            Some(&secret),
            Tuning::default(),
        );
        for survivor in [Survivor::Written, Survivor::Flushed] {
            let after = handle.after_cut(survivor);
            if let Some(pages) = contents(after, &secret) {
                assert!(pages.is_empty(), "cut {cut}: a new file with pages");
            }
        }
        cuts += 1;
        if made.is_ok() {
            break;
        }
    }
    assert!(cuts > 4096, "the header area is written: {cuts} cuts");
}

#[test]
fn page_writes_cut_at_every_byte_keep_each_page_old_or_new() {
    let key = RawKey::new([2; 32]);
    let secret = Secret::RawKey(&key);
    let start = made(&key, 3);
    let cuts = every_cut(
        &start,
        &secret,
        |file| {
            file.write_page(1, &payload(1, 1))?;
            file.append_page(&payload(3, 1))?;
            Ok(())
        },
        |after, cut, survivor| {
            let file = PageFile::open_on(
                after,
                Path::new(NAME),
                Some(&secret),
                false,
                Tuning::default(),
            )
            .unwrap_or_else(|e| panic!("cut {cut} ({survivor:?}): does not open: {e}"));
            for page in 0..file.page_count() {
                let mut buf = vec![0; file.payload_len()];
                match file.read_page(page, &mut buf) {
                    Ok(()) => assert!(
                        buf == payload(page, 0) || buf == payload(page, 1),
                        "cut {cut}: page {page} holds a third state"
                    ),
                    // A torn page write is the engine's journal's business;
                    // it must be detected, never misread.
                    Err(e) => assert!(
                        matches!(
                            e.core(),
                            Some(pageseal::core::Error::PageAuthentication { .. })
                        ),
                        "cut {cut}: page {page}: {e}"
                    ),
                }
            }
            // Pages no write touched are intact.
            for page in [0, 2] {
                let mut buf = vec![0; file.payload_len()];
                file.read_page(page, &mut buf).unwrap();
                assert_eq!(buf, payload(page, 0), "cut {cut}: untouched page {page}");
            }
        },
    );
    assert!(cuts > 2 * PAGE as u64, "{cuts} cuts");
}

#[test]
fn rekey_cut_at_every_byte_opens_with_the_old_or_the_new_key() {
    let old = RawKey::new([3; 32]);
    let new = RawKey::new([4; 32]);
    let start = made(&old, 2);
    let want = Some(vec![payload(0, 0), payload(1, 0)]);
    let cuts = every_cut(
        &start,
        &Secret::RawKey(&old),
        |file| file.rekey(&Secret::RawKey(&new), &FAST_KDF).map(|_| ()),
        |after, cut, survivor| {
            let by_old = contents(after.handle(), &Secret::RawKey(&old));
            let by_new = contents(after, &Secret::RawKey(&new));
            assert!(
                by_old.is_some() != by_new.is_some(),
                "cut {cut} ({survivor:?}): exactly one key opens (old {}, new {})",
                by_old.is_some(),
                by_new.is_some()
            );
            assert_eq!(by_old.or(by_new), want, "cut {cut} ({survivor:?})");
        },
    );
    assert!(cuts >= 4096, "both header copies are written: {cuts} cuts");
}

#[test]
fn rotate_and_migrate_cut_at_every_byte_keep_every_page() {
    let key = RawKey::new([5; 32]);
    let secret = Secret::RawKey(&key);
    let start = made(&key, 3);
    let want = Some((0..3).map(|p| payload(p, 0)).collect::<Vec<_>>());
    let cuts = every_cut(
        &start,
        &secret,
        |file| {
            file.rotate()?;
            file.migrate(1, &|_| {})?;
            Ok(())
        },
        |after, cut, survivor| {
            let pages = contents(after.handle(), &secret);
            if pages.as_ref() != want.as_ref() {
                // Only a torn page may fail, and it must fail cleanly.
                let file = PageFile::open_on(
                    after,
                    Path::new(NAME),
                    Some(&secret),
                    false,
                    Tuning::default(),
                )
                .unwrap_or_else(|e| panic!("cut {cut} ({survivor:?}): does not open: {e}"));
                let bad: Vec<u64> = (0..file.page_count())
                    .filter(|&p| {
                        let mut buf = vec![0; file.payload_len()];
                        file.read_page(p, &mut buf).is_err()
                    })
                    .collect();
                assert!(
                    bad.len() <= 1,
                    "cut {cut} ({survivor:?}): pages {bad:?} fail"
                );
            }
        },
    );
    assert!(cuts > 3 * PAGE as u64, "{cuts} cuts");
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_file() {
    let key = RawKey::new([6; 32]);
    let storage = MemStorage::with_bytes(made(&key, 1));
    let second = storage.handle();
    let first = PageFile::open_on(
        storage,
        Path::new(NAME),
        Some(&Secret::RawKey(&key)),
        true,
        Tuning::default(),
    )
    .unwrap();
    let err = PageFile::open_on(
        second.handle(),
        Path::new(NAME),
        Some(&Secret::RawKey(&key)),
        true,
        Tuning::default(),
    )
    .err()
    .expect("a second writer is refused");
    assert!(matches!(err, pageseal::Error::InUse { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "mem: in use by another process (it has the file open for writing)"
    );
    // Readers are not refused; once the first writer is gone, writers are not either.
    assert!(
        PageFile::open_on(
            second.handle(),
            Path::new(NAME),
            Some(&Secret::RawKey(&key)),
            false,
            Tuning::default()
        )
        .is_ok()
    );
    drop(first);
    assert!(
        PageFile::open_on(
            second,
            Path::new(NAME),
            Some(&Secret::RawKey(&key)),
            true,
            Tuning::default()
        )
        .is_ok()
    );
    assert!(MemStorage::new().try_lock().unwrap());
}
