//! Sealed logs: append, read, iterate, reopen; a torn tail cut at every
//! byte and never misread; tampered, moved and replayed records caught with
//! their position; key ids kept across rotation and retired after a
//! rewrite; readers alongside an appender; power cut at every byte of a
//! sync.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pageseal::core::{KdfParams, RawKey, Secret, Suite};
use pageseal::{
    Codec, KeyRing, KeyRingOptions, LOG_DATA_START, LogOptions, MemStorage, SealedLog, Survivor,
};

const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    ring: Arc<KeyRing>,
}

fn fixture(suite: Suite) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = RawKey::new([11; 32]);
    let options = KeyRingOptions {
        suite,
        kdf: FAST_KDF,
        ..KeyRingOptions::default()
    };
    let ring = KeyRing::create(&dir.path().join("ring"), &Secret::RawKey(&key), &options).unwrap();
    Fixture {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        ring: Arc::new(ring),
    }
}

fn record(i: usize) -> Vec<u8> {
    format!("record {i}: ").into_bytes().repeat(1 + i % 7)
}

fn all(log: &SealedLog<impl pageseal::Storage>) -> Vec<(u64, Vec<u8>)> {
    log.iter(LOG_DATA_START)
        .collect::<pageseal::Result<Vec<_>>>()
        .unwrap()
}

#[test]
fn records_round_trip_by_position_and_in_order_for_every_suite() {
    for suite in Suite::ALL.into_iter().filter(|s| s.is_keyed()) {
        for codec in [Codec::Raw, Codec::Lz4] {
            let fx = fixture(suite);
            let path = fx.dir.join("log");
            let options = LogOptions {
                codec,
                ..LogOptions::default()
            };
            let log = SealedLog::create(&path, fx.ring.clone(), options).unwrap();
            let positions: Vec<u64> = (0..50).map(|i| log.append(&record(i)).unwrap()).collect();
            assert_eq!(positions[0], LOG_DATA_START);
            for (i, &p) in positions.iter().enumerate() {
                assert_eq!(log.read(p).unwrap(), record(i));
            }
            log.sync().unwrap();
            drop(log);
            let log = SealedLog::open(&path, fx.ring.clone(), options).unwrap();
            let got = all(&log);
            assert_eq!(got.len(), 50);
            for (i, (p, r)) in got.iter().enumerate() {
                assert_eq!((*p, r), (positions[i], &record(i)));
            }
            // Iteration from the middle.
            assert_eq!(log.iter(positions[40]).count(), 10);
            // Not a record boundary: refused, never misread.
            assert!(log.read(positions[3] + 1).is_err());
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(9).any(|w| w == b"record 1:"),
                "{suite}: plaintext in the log"
            );
        }
    }
}

/// A log with `synced` records synced and `tail` more appended after.
fn log_with_tail(fx: &Fixture, synced: usize, tail: usize) -> (PathBuf, Vec<u64>, u64, Vec<u8>) {
    let path = fx.dir.join("log");
    let _ = std::fs::remove_file(&path);
    let log = SealedLog::create(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    let mut positions: Vec<u64> = (0..synced)
        .map(|i| log.append(&record(i)).unwrap())
        .collect();
    log.sync().unwrap();
    let synced_len = log.end();
    positions.extend((synced..synced + tail).map(|i| log.append(&record(i)).unwrap()));
    drop(log);
    let bytes = std::fs::read(&path).unwrap();
    (path, positions, synced_len, bytes)
}

#[test]
fn a_torn_tail_is_cut_at_every_byte_and_never_misread() {
    let fx = fixture(Suite::Aegis128L);
    let (path, positions, synced_len, bytes) = log_with_tail(&fx, 5, 3);
    let end = bytes.len() as u64;
    let mut cuts = 0;
    for cut in synced_len..=end {
        for garbage in [false, true] {
            let mut torn = bytes[..cut as usize].to_vec();
            if garbage {
                // The rest of the file is there, but as zeros (a crash
                // after the length was extended).
                torn.resize(bytes.len(), 0);
            }
            std::fs::write(&path, &torn).unwrap();
            let log = SealedLog::open(&path, fx.ring.clone(), LogOptions::default()).unwrap();
            // The records whose bytes are all still there. With the zero
            // fill that includes a record cut only in trailing bytes that
            // were zeros already (its tag's last byte, 1 time in 256): the
            // file then holds it whole, and it must be read.
            let complete: Vec<usize> = (0..positions.len())
                .filter(|&i| {
                    let (at, next) = (
                        positions[i] as usize,
                        positions.get(i + 1).copied().unwrap_or(end) as usize,
                    );
                    torn.get(at..next) == Some(&bytes[at..next])
                })
                .collect();
            let got = all(&log);
            assert_eq!(got.len(), complete.len(), "cut {cut} garbage {garbage}");
            for (i, (p, r)) in got.iter().enumerate() {
                assert_eq!((*p, r), (positions[i], &record(i)), "cut {cut}");
            }
            for (i, &p) in positions.iter().enumerate().skip(complete.len()) {
                assert!(log.read(p).is_err(), "cut {cut}: record {i} read");
            }
            // Appending goes on after the torn bytes, which are never used
            // again.
            let p = log.append(b"after the crash").unwrap();
            assert_eq!(p, torn.len() as u64, "cut {cut}");
            log.sync().unwrap();
            drop(log);
            let log = SealedLog::open(&path, fx.ring.clone(), LogOptions::default()).unwrap();
            let got = all(&log);
            assert_eq!(got.len(), complete.len() + 1, "cut {cut} garbage {garbage}");
            assert_eq!(got.last().unwrap(), &(p, b"after the crash".to_vec()));
            cuts += 1;
        }
    }
    assert!(cuts > 200, "{cuts} cuts");
}

#[test]
fn a_record_lost_in_a_crash_cannot_be_replayed_later() {
    let fx = fixture(Suite::Aegis128L);
    let (path, positions, _synced, bytes) = log_with_tail(&fx, 2, 1);
    // The attacker keeps the unsynced record; the crash tears it.
    let lost = positions[2];
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let log = SealedLog::open(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    let p = log.append(&record(2)).unwrap();
    log.sync().unwrap();
    drop(log);
    // Put the lost record back where it was.
    let mut replayed = std::fs::read(&path).unwrap();
    replayed[lost as usize..bytes.len()].copy_from_slice(&bytes[lost as usize..]);
    std::fs::write(&path, &replayed).unwrap();
    let log = SealedLog::open(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    let err = log.read(lost).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "record at position {lost}: the position lies in a region cut"
        )),
        "{err}"
    );
    // The walk never reads the cut region: it finds the records before it
    // and then the new record, whose first bytes the replay overwrote.
    let got: Vec<Result<u64, u64>> = log
        .iter(LOG_DATA_START)
        .map(|r| match r {
            Ok((p, _)) => Ok(p),
            Err(pageseal::Error::Record { position, .. }) => Err(position),
            Err(e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(got, [Ok(positions[0]), Ok(positions[1]), Err(p)]);
}

#[test]
fn tampered_moved_and_foreign_records_fail_with_their_position() {
    let fx = fixture(Suite::Aes256Gcm);
    let path = fx.dir.join("log");
    let log = SealedLog::create(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    // Records 0..4 of equal length, so they can be swapped.
    let positions: Vec<u64> = (0..4)
        .map(|i| log.append(format!("same-length {i}").as_bytes()).unwrap())
        .collect();
    log.sync().unwrap();
    drop(log);
    let bytes = std::fs::read(&path).unwrap();
    let len = (positions[1] - positions[0]) as usize;
    let at = |i: usize| positions[i] as usize;

    // A flipped byte in record 1's ciphertext.
    let mut flipped = bytes.clone();
    flipped[at(1) + 6] ^= 0x20;
    std::fs::write(&path, &flipped).unwrap();
    let log = SealedLog::open_read_only(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    let err = log.read(positions[1]).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: record at position {}: failed authentication: it was altered, moved or replayed",
            path.display(),
            positions[1]
        )
    );
    // Iteration reports it and goes on; verify lists exactly it.
    let results: Vec<bool> = log.iter(LOG_DATA_START).map(|r| r.is_ok()).collect();
    assert_eq!(results, [true, false, true, true]);
    let bad = log.verify();
    assert_eq!(bad.len(), 1);
    assert!(matches!(bad[0], pageseal::Error::Record { position, .. } if position == positions[1]));
    drop(log);

    // Records 1 and 2 swapped.
    let mut swapped = bytes.clone();
    let (a, b) = swapped[at(1)..].split_at_mut(len);
    a.swap_with_slice(&mut b[..len]);
    std::fs::write(&path, &swapped).unwrap();
    let log = SealedLog::open_read_only(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    let bad: Vec<u64> = log
        .verify()
        .into_iter()
        .map(|e| match e {
            pageseal::Error::Record { position, .. } => position,
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(bad, [positions[1], positions[2]]);
    drop(log);

    // A record of another log (same ring, same position) copied in.
    let other_path = fx.dir.join("other");
    let other = SealedLog::create(&other_path, fx.ring.clone(), LogOptions::default()).unwrap();
    for i in 0..4 {
        other.append(format!("same-length {i}").as_bytes()).unwrap();
    }
    other.sync().unwrap();
    let other_bytes = std::fs::read(&other_path).unwrap();
    let mut foreign = bytes.clone();
    foreign[at(3)..at(3) + len].copy_from_slice(&other_bytes[at(3)..at(3) + len]);
    std::fs::write(&path, &foreign).unwrap();
    let log = SealedLog::open_read_only(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    assert!(log.read(positions[3]).is_err());
    assert_eq!(log.verify().len(), 1);
    drop(log);

    // A synced record tampered with: opening for append refuses to cut it.
    std::fs::write(&path, &flipped).unwrap();
    let log = SealedLog::open(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    assert_eq!(
        log.end(),
        bytes.len() as u64,
        "synced records are never cut"
    );
    assert!(log.read(positions[1]).is_err());
    drop(log);

    // A log truncated below what was synced.
    std::fs::write(&path, &bytes[..at(2)]).unwrap();
    let err = SealedLog::open(&path, fx.ring.clone(), LogOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("the log was truncated"), "{err}");
}

#[test]
fn a_log_opens_only_with_its_own_ring() {
    let fx = fixture(Suite::Aegis128L);
    let other = fixture(Suite::Aegis128L);
    let path = fx.dir.join("log");
    drop(SealedLog::create(&path, fx.ring.clone(), LogOptions::default()).unwrap());
    let err = SealedLog::open(&path, other.ring.clone(), LogOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("the log belongs to another key ring"), "{err}");
    std::fs::write(&path, b"not a log at all").unwrap();
    let err = SealedLog::open(&path, fx.ring.clone(), LogOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not a pageseal sealed log"), "{err}");
}

#[test]
fn rotation_keeps_key_ids_and_rewrite_lets_old_keys_retire() {
    let fx = fixture(Suite::Aegis128X2);
    let path = fx.dir.join("vlog");
    let log = SealedLog::create(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    let old: Vec<u64> = (0..10).map(|i| log.append(&record(i)).unwrap()).collect();
    fx.ring.rotate().unwrap();
    let new: Vec<u64> = (10..20).map(|i| log.append(&record(i)).unwrap()).collect();
    log.sync().unwrap();
    assert_eq!(
        log.key_ids().unwrap().into_iter().collect::<Vec<_>>(),
        [1, 2]
    );
    for (i, &p) in old.iter().chain(&new).enumerate() {
        assert_eq!(log.read(p).unwrap(), record(i));
    }
    // Garbage collection: keep the odd records, under the current key.
    let mut moves = Vec::new();
    let live = |_: u64, r: &[u8]| r[7].wrapping_sub(b'0') % 2 == 1 || r.starts_with(b"record 1");
    let rewritten = log
        .rewrite(&fx.dir.join("vlog.new"), live, |a, b| moves.push((a, b)))
        .unwrap();
    assert!(!moves.is_empty());
    for &(from, to) in &moves {
        assert_eq!(rewritten.read(to).unwrap(), log.read(from).unwrap());
    }
    drop(log);
    std::fs::rename(fx.dir.join("vlog.new"), &path).unwrap();
    let ids = rewritten.key_ids().unwrap();
    assert_eq!(ids.iter().copied().collect::<Vec<_>>(), [2]);
    assert_eq!(fx.ring.retire_unused(|id| ids.contains(&id)).unwrap(), [1]);
    drop(rewritten);
    let log = SealedLog::open(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    assert_eq!(all(&log).len(), moves.len());
}

#[test]
fn readers_run_alongside_one_appender() {
    let fx = fixture(Suite::ChaCha20Poly1305);
    let path = fx.dir.join("log");
    let log = Arc::new(SealedLog::create(&path, fx.ring.clone(), LogOptions::default()).unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<(u64, usize)>();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut seen = 0;
                for _ in 0..200 {
                    // Every record published so far reads back whole.
                    let n = log
                        .iter(LOG_DATA_START)
                        .inspect(|r| assert!(r.is_ok()))
                        .count();
                    assert!(n >= seen);
                    seen = n;
                }
                seen
            })
        })
        .collect();
    let appender = {
        let log = log.clone();
        std::thread::spawn(move || {
            for i in 0..2000 {
                tx.send((log.append(&record(i)).unwrap(), i)).unwrap();
                if i % 100 == 0 {
                    log.sync().unwrap();
                }
            }
        })
    };
    appender.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
    for (p, i) in rx {
        assert_eq!(log.read(p).unwrap(), record(i));
    }
    // Another process's view: a read-only handle.
    log.sync().unwrap();
    let reader = SealedLog::open_read_only(&path, fx.ring.clone(), LogOptions::default()).unwrap();
    assert_eq!(reader.iter(LOG_DATA_START).count(), 2000);
    let err = SealedLog::open(&path, fx.ring.clone(), LogOptions::default())
        .err()
        .unwrap();
    assert!(matches!(err, pageseal::Error::InUse { .. }), "{err}");
}

#[test]
fn a_power_cut_at_every_byte_of_append_and_sync_keeps_what_was_synced() {
    let fx = fixture(Suite::Aegis128L);
    let name = Path::new("mem-log");
    let start = {
        let storage = MemStorage::new();
        let handle = storage.handle();
        let log =
            SealedLog::create_on(storage, name, fx.ring.clone(), LogOptions::default()).unwrap();
        for i in 0..3 {
            log.append(&record(i)).unwrap();
        }
        log.sync().unwrap();
        drop(log);
        handle.bytes()
    };
    let mut cuts = 0u64;
    for cut in 0.. {
        let storage = MemStorage::with_bytes(start.clone());
        let handle = storage.handle();
        let log = SealedLog::open_on(storage, name, fx.ring.clone(), LogOptions::default(), true)
            .unwrap();
        handle.cut_after(cut);
        let done = (|| {
            for i in 3..6 {
                log.append(&record(i))?;
            }
            log.sync()
        })();
        let reached = handle.is_cut();
        drop(log);
        for survivor in [Survivor::Written, Survivor::Flushed] {
            let after = handle.after_cut(survivor);
            let log = SealedLog::open_on(after, name, fx.ring.clone(), LogOptions::default(), true)
                .unwrap_or_else(|e| panic!("cut {cut} {survivor:?}: {e}"));
            let got = all(&log);
            assert!(got.len() >= 3 && got.len() <= 6, "cut {cut}: {}", got.len());
            for (i, (_, r)) in got.iter().enumerate() {
                assert_eq!(r, &record(i), "cut {cut} {survivor:?}");
            }
            if done.is_ok() && survivor == Survivor::Flushed {
                assert_eq!(got.len(), 6);
            }
        }
        cuts += 1;
        if done.is_ok() && !reached {
            break;
        }
        assert!(done.is_err(), "cut {cut}: the cut was hidden");
    }
    assert!(cuts > 300, "{cuts} cuts");
}
