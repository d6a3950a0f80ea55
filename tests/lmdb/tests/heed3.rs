//! heed3 environments encrypted with pageseal's types: a data set written
//! and read across many transactions and a reopen, no plaintext in
//! `data.mdb`, a wrong key and a flipped byte reported as errors, and the
//! AEAD-256 types (32-byte nonces) refused cleanly.
//!
//! Needs a C compiler (heed3 builds LMDB from source; see the crate docs).

use std::collections::BTreeMap;
use std::path::Path;

use aead05::{AeadMutInPlace, KeyInit};
use heed3::MdbError;
use pageseal_aead::{
    Aegis128L, Aegis128X2, Aegis128X4, Aegis256, Aegis256X2, Aegis256X4, Aes128Gcm, Aes256Gcm,
    ChaCha20Poly1305,
};
use pageseal_lmdb_tests::Durability::Synced;
use pageseal_lmdb_tests::{
    MARKER, contains, encrypted_db, open_encrypted, open_plain, plain_db, record_key, record_value,
};

/// Records of the data set.
const RECORDS: u64 = 20_000;
/// Records written per insert transaction.
const PER_TXN: u64 = 500;

type Expected = BTreeMap<Vec<u8>, Vec<u8>>;

/// A key of `len` bytes derived from `seed`.
fn key(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| seed ^ (i as u8).wrapping_mul(31))
        .collect()
}

/// Writes the data set into the encrypted environment in `dir` under
/// cipher `E`: inserts in many transactions (reading back a sample after
/// each), then updates of every 7th record and deletes of every 11th, in
/// more transactions. Returns what the database must hold.
fn write_data_set<E: AeadMutInPlace + KeyInit>(dir: &Path, key: &[u8]) -> Expected {
    let env = open_encrypted::<E>(dir, key, Synced).unwrap();
    let db = encrypted_db(&env).unwrap();
    let mut expected = Expected::new();
    for start in (0..RECORDS).step_by(PER_TXN as usize) {
        let mut wtxn = env.write_txn().unwrap();
        for i in start..start + PER_TXN {
            let (k, v) = (record_key(i), record_value(i, 0));
            db.put(&mut wtxn, &k, &v).unwrap();
            expected.insert(k.to_vec(), v);
        }
        wtxn.commit().unwrap();
        let mut rtxn = env.read_txn().unwrap();
        for i in (0..start + PER_TXN).step_by(97) {
            let got = db.get(&mut rtxn, &record_key(i)).unwrap();
            assert_eq!(got, Some(&expected[&record_key(i)[..]][..]), "record {i}");
        }
    }
    for phase in 0..10 {
        let mut wtxn = env.write_txn().unwrap();
        for i in (phase..RECORDS).step_by(700) {
            let (k, v) = (record_key(i), record_value(i, 1));
            db.put(&mut wtxn, &k, &v).unwrap();
            expected.insert(k.to_vec(), v);
        }
        wtxn.commit().unwrap();
    }
    assert_eq!(scan(&env, &db).unwrap(), expected);
    env.prepare_for_closing().wait();
    expected
}

/// Every record of `db`, or the first error of the scan.
fn scan(
    env: &heed3::EncryptedEnv,
    db: &heed3::EncryptedDatabase<'_, heed3::types::Bytes, heed3::types::Bytes>,
) -> Result<Expected, heed3::Error> {
    let mut rtxn = env.read_txn()?;
    let mut all = Expected::new();
    for entry in db.iter(&mut rtxn)? {
        let (k, v) = entry?;
        all.insert(k.to_vec(), v.to_vec());
    }
    Ok(all)
}

/// Writes, reopens and reads the data set with `E`, and checks that
/// `data.mdb` holds no value in the clear.
fn round_trip<E: AeadMutInPlace + KeyInit>(key_len: usize) {
    let dir = tempfile::tempdir().unwrap();
    let key = key(1, key_len);
    let expected = write_data_set::<E>(dir.path(), &key);
    assert_eq!(expected.len() as u64, RECORDS);

    let env = open_encrypted::<E>(dir.path(), &key, Synced).unwrap();
    let db = encrypted_db(&env).unwrap();
    assert_eq!(scan(&env, &db).unwrap(), expected);
    let mut rtxn = env.read_txn().unwrap();
    for i in (0..RECORDS).step_by(13) {
        let got = db.get(&mut rtxn, &record_key(i)).unwrap();
        assert_eq!(got, expected.get(&record_key(i)[..]).map(|v| &v[..]));
    }
    drop(rtxn);
    env.prepare_for_closing().wait();

    let file = std::fs::read(dir.path().join("data.mdb")).unwrap();
    assert!(file.len() > 2_000_000, "{} bytes", file.len());
    assert!(!contains(&file, MARKER), "a value is stored in the clear");
    assert!(!contains(&file, b"Lyon"), "a value is stored in the clear");
}

#[test]
fn round_trip_aes_128_gcm() {
    round_trip::<Aes128Gcm>(16);
}

#[test]
fn round_trip_aes_256_gcm() {
    round_trip::<Aes256Gcm>(32);
}

#[test]
fn round_trip_chacha20_poly1305() {
    round_trip::<ChaCha20Poly1305>(32);
}

#[test]
fn round_trip_aegis_128l() {
    round_trip::<Aegis128L>(16);
}

#[test]
fn round_trip_aegis_128x2() {
    round_trip::<Aegis128X2>(16);
}

#[test]
fn round_trip_aegis_128x4() {
    round_trip::<Aegis128X4>(16);
}

/// The control of the plaintext check: without encryption the values are
/// in `data.mdb` for all to read.
#[test]
fn an_unencrypted_environment_shows_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let env = open_plain(dir.path(), Synced).unwrap();
    let db = plain_db(&env).unwrap();
    let mut wtxn = env.write_txn().unwrap();
    for i in 0..1000 {
        db.put(&mut wtxn, &record_key(i), &record_value(i, 0))
            .unwrap();
    }
    wtxn.commit().unwrap();
    env.prepare_for_closing().wait();
    let file = std::fs::read(dir.path().join("data.mdb")).unwrap();
    assert!(contains(&file, &record_value(7, 0)));
}

/// Opens the environment in `dir` with `key` and reads everything: the
/// first error, or the records.
fn read_all<E: AeadMutInPlace + KeyInit>(dir: &Path, key: &[u8]) -> Result<Expected, heed3::Error> {
    let env = open_encrypted::<E>(dir, key, Synced)?;
    let result = encrypted_db(&env).and_then(|db| scan(&env, &db));
    env.prepare_for_closing().wait();
    result
}

/// A wrong key gives LMDB's decryption error: no panic, no data.
fn wrong_key<E: AeadMutInPlace + KeyInit>(key_len: usize) {
    let dir = tempfile::tempdir().unwrap();
    write_data_set::<E>(dir.path(), &key(1, key_len));
    let result = read_all::<E>(dir.path(), &key(2, key_len));
    assert!(
        matches!(result, Err(heed3::Error::Mdb(MdbError::CryptoFail))),
        "{result:?}"
    );
    // The right key still reads everything.
    assert_eq!(
        read_all::<E>(dir.path(), &key(1, key_len)).unwrap().len() as u64,
        RECORDS
    );
}

#[test]
fn wrong_key_fails_cleanly() {
    wrong_key::<Aegis128L>(16);
    wrong_key::<ChaCha20Poly1305>(32);
}

/// Flips one byte of a data page: reading reports LMDB's decryption error
/// and never returns a wrong record.
fn flipped_byte<E: AeadMutInPlace + KeyInit>(key_len: usize) {
    let dir = tempfile::tempdir().unwrap();
    let key = key(3, key_len);
    let expected = write_data_set::<E>(dir.path(), &key);
    let path = dir.path().join("data.mdb");
    let original = std::fs::read(&path).unwrap();
    let pages = original.len() / 4096;
    // A page in the middle of the file holds records; try a few in case
    // one is free.
    let mut reported = false;
    for page in pages / 2..pages / 2 + 8 {
        let mut file = original.clone();
        file[page * 4096 + 1000] ^= 0x40;
        std::fs::write(&path, &file).unwrap();

        let env = open_encrypted::<E>(dir.path(), &key, Synced).unwrap();
        let db = encrypted_db(&env).unwrap();
        match scan(&env, &db) {
            Ok(all) => assert_eq!(all, expected, "page {page}: wrong data returned"),
            Err(e) => {
                assert!(
                    matches!(e, heed3::Error::Mdb(MdbError::CryptoFail)),
                    "{e:?}"
                );
                reported = true;
            }
        }
        // Point reads: each record is right or an error, never wrong.
        let mut errors = 0;
        for (k, v) in expected.iter().step_by(5) {
            let mut rtxn = env.read_txn().unwrap();
            match db.get(&mut rtxn, k) {
                Ok(got) => assert_eq!(got, Some(&v[..]), "page {page}: wrong record"),
                Err(e) => {
                    assert!(
                        matches!(e, heed3::Error::Mdb(MdbError::CryptoFail)),
                        "{e:?}"
                    );
                    errors += 1;
                }
            }
        }
        assert_eq!(reported, errors > 0, "page {page}: scan and gets disagree");
        env.prepare_for_closing().wait();
        if reported {
            break;
        }
    }
    assert!(reported, "no flipped byte was reported");
}

#[test]
fn flipped_byte_is_reported() {
    flipped_byte::<Aegis128X2>(16);
    flipped_byte::<Aes256Gcm>(32);
}

/// Writes one record with `E`: the error of the commit, if any.
fn write_one<E: AeadMutInPlace + KeyInit>(key_len: usize) -> heed3::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let env = open_encrypted::<E>(dir.path(), &key(1, key_len), Synced)?;
    let result = encrypted_db(&env).and_then(|db| {
        let mut wtxn = env.write_txn()?;
        db.put(&mut wtxn, &record_key(1), &record_value(1, 0))?;
        wtxn.commit()
    });
    env.prepare_for_closing().wait();
    result
}

/// AEGIS-256 needs a 32-byte nonce and LMDB's IV has 16 bytes: the first
/// commit fails with LMDB's decryption error, not a panic, and writes no
/// page in the clear.
#[test]
fn the_aegis_256_types_are_refused_cleanly() {
    for result in [
        write_one::<Aegis256>(32),
        write_one::<Aegis256X2>(32),
        write_one::<Aegis256X4>(32),
    ] {
        assert!(
            matches!(result, Err(heed3::Error::Mdb(MdbError::CryptoFail))),
            "{result:?}"
        );
    }
    assert!(write_one::<Aegis128L>(16).is_ok());
}

/// Why the data set has no deletes and only small update transactions:
/// LMDB's encrypted mode as heed3 0.23.1 builds it (`lmdb-master3-sys`
/// 0.2.6) fails larger ones whatever the cipher — here heed3's own example
/// cipher, RustCrypto `chacha20poly1305` 0.10 — with `MDB_PROBLEM` or
/// `MDB_PAGE_NOTFOUND` (and,
/// with other ciphers, an assertion abort or a segmentation fault, so this
/// is not run by default), while the same workload unencrypted passes.
/// Run it with `--ignored`; when it fails, LMDB has been fixed and the data
/// set can grow.
#[test]
#[ignore = "reproduces an LMDB mdb.master3 bug that can crash the test process"]
fn upstream_lmdb_encrypted_deletes_fail() {
    type RustCrypto = chacha20poly1305_010::ChaCha20Poly1305;
    let dir = tempfile::tempdir().unwrap();
    let key = key(4, 32);
    write_data_set::<RustCrypto>(dir.path(), &key);
    let env = open_encrypted::<RustCrypto>(dir.path(), &key, Synced).unwrap();
    let db = encrypted_db(&env).unwrap();
    let outcome = (0..5).try_for_each(|phase| {
        let mut wtxn = env.write_txn()?;
        for i in (phase * 11..RECORDS).step_by(55) {
            db.delete(&mut wtxn, &record_key(i))?;
        }
        wtxn.commit()
    });
    // `MDB_PROBLEM` or `MDB_PAGE_NOTFOUND`, depending on the data.
    assert!(
        matches!(
            outcome,
            Err(heed3::Error::Mdb(
                MdbError::Problem | MdbError::PageNotFound
            ))
        ),
        "{outcome:?}"
    );

    // The same inserts and deletes, unencrypted: no error.
    let plain_dir = tempfile::tempdir().unwrap();
    let env = open_plain(plain_dir.path(), Synced).unwrap();
    let db = plain_db(&env).unwrap();
    for start in (0..RECORDS).step_by(PER_TXN as usize) {
        let mut wtxn = env.write_txn().unwrap();
        for i in start..start + PER_TXN {
            db.put(&mut wtxn, &record_key(i), &record_value(i, 0))
                .unwrap();
        }
        wtxn.commit().unwrap();
    }
    for phase in 0..5 {
        let mut wtxn = env.write_txn().unwrap();
        for i in (phase * 11..RECORDS).step_by(55) {
            assert!(db.delete(&mut wtxn, &record_key(i)).unwrap());
        }
        wtxn.commit().unwrap();
    }
}
