//! Every error the VFS reports, with its exact message and code: wrong
//! key, no key, a plain SQLite database, a checksum-only file given a key,
//! a pageseal file of another kind (a key ring, a page file that holds no
//! database), a tampered page, swapped pages, a tampered or replayed WAL
//! frame.

mod common;

use common::*;
use pageseal_sqlite::core::{RawKey, Secret};
use rusqlite::{Connection, ErrorCode};

fn code(e: &rusqlite::Error) -> i32 {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
        other => panic!("not a SQLite failure: {other:?}"),
    }
}

fn make(dir: &std::path::Path, rows: usize, mode: &str) -> std::path::PathBuf {
    let path = dir.join("t.db");
    let c = open(&path);
    c.execute_batch(&format!(
        "PRAGMA journal_mode={mode}; CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT);"
    ))
    .unwrap();
    let tx = c.unchecked_transaction().unwrap();
    for i in 0..rows {
        c.execute(
            "INSERT INTO t(body) VALUES (?1)",
            [format!("row {i} {}", "p".repeat(300))],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    path
}

#[test]
fn wrong_key_through_the_rust_api() {
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), 3, "DELETE");
    pageseal_sqlite::register().unwrap();
    let c = Connection::open_with_flags_and_vfs(&path, Default::default(), "pageseal").unwrap();
    let wrong = RawKey::new([1; 32]);
    let err = pageseal_sqlite::set_key(&c, &Secret::RawKey(&wrong)).unwrap_err();
    assert_eq!(err.code, 23);
    assert_eq!(
        err.message,
        format!("pageseal: wrong key or passphrase for {}", path.display())
    );
}

#[test]
fn wrong_key_in_the_uri_fails_the_open_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), 3, "DELETE");
    let err = open_uri(&path, &format!("&hexkey_insecure={}", "11".repeat(32))).unwrap_err();
    assert_eq!(code(&err), 23);
    assert_eq!(
        err.to_string(),
        format!(
            "automatic extension loading failed: pageseal: wrong key or passphrase for {}",
            path.display()
        )
    );
}

#[test]
fn no_key_names_the_ways_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), 3, "DELETE");
    let c = open_uri(&path, "").unwrap();
    let err = c
        .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
        .unwrap_err();
    assert_eq!(code(&err), 279);
    assert_eq!(
        err.sqlite_error_code(),
        Some(ErrorCode::AuthorizationForStatementDenied)
    );
    let expected = format!(
        "pageseal: {} is encrypted and no key was given (use key_env=, key_file=, key_fd= in the \
         URI, or PRAGMA key before the first statement)",
        path.display()
    );
    assert_eq!(pageseal_sqlite::last_error(), expected);
    // The PRAGMA reads it back without touching the database.
    let e: String = c
        .query_row("PRAGMA pageseal_error", [], |r| r.get(0))
        .unwrap();
    assert_eq!(e, expected);
    // PRAGMA key then works on the same connection.
    let ok: String = c
        .query_row(&format!("PRAGMA hexkey='{KEY_HEX}'"), [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let n: i64 = c
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn wrong_pragma_key_fails_at_the_pragma() {
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), 3, "DELETE");
    let c = open_uri(&path, "").unwrap();
    let err = c
        .query_row("PRAGMA key='not the passphrase'", [], |r| {
            r.get::<_, String>(0)
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "pageseal: {}: wrong key: the file has no keyslot that opens with a passphrase",
            path.display()
        )
    );
}

#[test]
fn a_plain_sqlite_database_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let err = open_uri(&path, &format!("&hexkey_insecure={KEY_HEX}")).unwrap_err();
    assert_eq!(code(&err), 26);
    assert_eq!(
        err.to_string(),
        format!(
            "automatic extension loading failed: pageseal: {} is a plain (unencrypted) SQLite \
             database, not a pageseal one: open it without vfs=pageseal, or convert it with \
             VACUUM INTO 'file:NEW?vfs=pageseal&key_...'",
            path.display()
        )
    );
}

#[test]
fn a_pageseal_file_of_another_kind_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let secret = Secret::RawKey(&key);
    // A key ring: refused at the open, before the key is tried.
    let ring = dir.path().join("keys.psring");
    pageseal::KeyRing::create(&ring, &secret, &pageseal::KeyRingOptions::default()).unwrap();
    let before = std::fs::read(&ring).unwrap();
    let err = open_uri(&ring, &format!("&hexkey_insecure={KEY_HEX}")).unwrap_err();
    assert_eq!(code(&err), 26);
    assert_eq!(
        err.to_string(),
        format!(
            "automatic extension loading failed: pageseal: {}: this pageseal file is a key ring, \
             not a page file, not a SQLite database",
            ring.display()
        )
    );
    assert_eq!(
        std::fs::read(&ring).unwrap(),
        before,
        "the key ring is untouched"
    );
    // A page file that holds something else: its first page opens, but
    // SQLite never sees it.
    let pages = dir.path().join("other.ps");
    let options = pageseal::CreateOptions {
        suite: pageseal_sqlite::core::Suite::Aes256Gcm,
        page_size: 4096,
        kdf: pageseal_sqlite::core::KdfParams::DEFAULT,
    };
    let file =
        pageseal::PageFile::create(&pages, &options, Some(&secret), Default::default()).unwrap();
    file.write_page(0, b"not a database: secret-other-kind")
        .unwrap();
    drop(file);
    let before = std::fs::read(&pages).unwrap();
    let err = open_uri(&pages, &format!("&hexkey_insecure={KEY_HEX}")).unwrap_err();
    let message = format!(
        "pageseal: {} is a pageseal page file but not a SQLite database (its first page does \
         not begin with SQLite's header)",
        pages.display()
    );
    assert_eq!(code(&err), 26);
    assert_eq!(
        err.to_string(),
        format!("automatic extension loading failed: {message}")
    );
    assert!(!err.to_string().contains("secret-other-kind"));
    assert_eq!(
        std::fs::read(&pages).unwrap(),
        before,
        "the page file is untouched"
    );
}

#[test]
fn a_checksum_only_file_refuses_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    open_uri(&path, "&cipher=checksum")
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let err = open_uri(&path, &format!("&hexkey_insecure={KEY_HEX}")).unwrap_err();
    assert_eq!(code(&err), 23);
    assert_eq!(
        err.to_string(),
        format!(
            "automatic extension loading failed: pageseal: {} is a checksum-only pageseal file: \
             it has no key, do not give one",
            path.display()
        )
    );
}

#[test]
fn key_source_errors_name_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), 1, "DELETE");
    let err = open_uri(&path, "&key_env=PAGESEAL_SQLITE_TEST_UNSET").unwrap_err();
    assert_eq!(code(&err), 14);
    assert_eq!(
        pageseal_sqlite::last_error(),
        "pageseal: cannot read the key from environment variable PAGESEAL_SQLITE_TEST_UNSET: it is not set"
    );
    let err = open_uri(&path, &format!("&key_env=X&hexkey_insecure={KEY_HEX}")).unwrap_err();
    assert_eq!(code(&err), 14);
    assert_eq!(
        pageseal_sqlite::last_error(),
        "pageseal: give one of key_env=, key_file=, key_fd=, hexkey_insecure=, not several"
    );
}

/// Flips one byte in the middle of SQLite page `page` (1-based).
fn flip(path: &std::path::Path, page: u64) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let at = 4096 + (page - 1) * 4096 + 1000;
    let mut b = [0u8];
    f.read_exact_at(&mut b, at).unwrap();
    f.write_all_at(&[b[0] ^ 0x01], at).unwrap();
}

#[test]
fn a_tampered_page_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), 60, "DELETE");
    flip(&path, 4);
    let c = open(&path);
    let err = c
        .query_row("SELECT count(*), sum(length(body)) FROM t", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert_eq!(code(&err), 8202, "{err}");
    assert_eq!(
        pageseal_sqlite::last_error(),
        format!(
            "pageseal: page 4 of {} failed authentication (tampered or corrupt)",
            path.display()
        )
    );
    // Pages not touched by a query still read.
    let one: String = c
        .query_row("SELECT substr(body, 1, 5) FROM t WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(one, "row 0");
}

#[test]
fn swapped_pages_are_caught() {
    use std::os::unix::fs::FileExt;
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), 60, "DELETE");
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let (mut a, mut b) = (vec![0u8; 4096], vec![0u8; 4096]);
    f.read_exact_at(&mut a, 4096 + 2 * 4096).unwrap();
    f.read_exact_at(&mut b, 4096 + 3 * 4096).unwrap();
    f.write_all_at(&b, 4096 + 2 * 4096).unwrap();
    f.write_all_at(&a, 4096 + 3 * 4096).unwrap();
    let c = open(&path);
    let err = c
        .query_row("SELECT sum(length(body)) FROM t", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert_eq!(code(&err), 8202);
    assert!(
        pageseal_sqlite::last_error().contains("page 3 of")
            || pageseal_sqlite::last_error().contains("page 4 of"),
        "{}",
        pageseal_sqlite::last_error()
    );
}

#[test]
fn an_all_zero_page_inside_the_file_is_a_failed_page() {
    use std::os::unix::fs::FileExt;
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), 60, "DELETE");
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.write_all_at(&[0u8; 4096], 4096 + 4 * 4096).unwrap();
    let c = open(&path);
    let err = c
        .query_row("SELECT sum(length(body)) FROM t", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert_eq!(code(&err), 8202);
    assert_eq!(
        pageseal_sqlite::last_error(),
        format!(
            "pageseal: page 5 of {} failed authentication (tampered or corrupt: its trailer \
             names key epoch 0, which the header does not have)",
            path.display()
        )
    );
}

/// A WAL database with three committed transactions left in the WAL (a
/// copy taken while the writer still had it open).
fn wal_snapshot(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let live = dir.join("live");
    std::fs::create_dir(&live).unwrap();
    let path = live.join("t.db");
    let c = open(&path);
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT);")
        .unwrap();
    for txn in 0..3 {
        c.execute("INSERT INTO t(body) VALUES (?1)", [format!("txn {txn}")])
            .unwrap();
    }
    let copy = dir.join("copy");
    std::fs::create_dir(&copy).unwrap();
    for name in ["t.db", "t.db-wal"] {
        std::fs::copy(live.join(name), copy.join(name)).unwrap();
    }
    drop(c);
    (copy.join("t.db"), copy.join("t.db-wal"))
}

fn frame_at(frame: u64) -> u64 {
    32 + frame * (24 + 4096)
}

#[test]
fn a_tampered_wal_frame_is_named() {
    use std::os::unix::fs::FileExt;
    let dir = tempfile::tempdir().unwrap();
    let (db, wal) = wal_snapshot(dir.path());
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&wal)
        .unwrap();
    let frames = (f.metadata().unwrap().len() - 32) / (24 + 4096);
    assert!(frames >= 3, "{frames}");
    let at = frame_at(1) + 24 + 100;
    let mut b = [0u8];
    f.read_exact_at(&mut b, at).unwrap();
    f.write_all_at(&[b[0] ^ 0x80], at).unwrap();
    let c = open(&db);
    let err = c
        .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
        .unwrap_err();
    assert_eq!(code(&err), 8202, "{err}");
    let msg = pageseal_sqlite::last_error();
    assert!(
        msg.starts_with("pageseal: WAL frame 2 (database page "),
        "{msg}"
    );
    assert!(
        msg.ends_with(&format!(
            "of {} failed authentication (tampered, replayed or corrupt)",
            wal.display()
        )),
        "{msg}"
    );
}

#[test]
fn a_replayed_wal_frame_is_caught() {
    use std::os::unix::fs::FileExt;
    let dir = tempfile::tempdir().unwrap();
    let (db, wal) = wal_snapshot(dir.path());
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&wal)
        .unwrap();
    // Frame 1 (an older image of the table's page) copied over frame 2,
    // which is followed by a valid frame.
    let mut old = vec![0u8; 24 + 4096];
    f.read_exact_at(&mut old, frame_at(0)).unwrap();
    let mut hdr = [0u8; 24];
    f.read_exact_at(&mut hdr, frame_at(1)).unwrap();
    old[..8].copy_from_slice(&hdr[..8]);
    f.write_all_at(&old, frame_at(1)).unwrap();
    let c = open(&db);
    let err = c
        .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
        .unwrap_err();
    assert_eq!(code(&err), 8202);
    assert!(
        pageseal_sqlite::last_error().contains("WAL frame 2"),
        "{}",
        pageseal_sqlite::last_error()
    );
}

#[test]
fn a_torn_last_wal_frame_ends_the_log_like_sqlite() {
    use std::os::unix::fs::FileExt;
    let dir = tempfile::tempdir().unwrap();
    let (db, wal) = wal_snapshot(dir.path());
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&wal)
        .unwrap();
    let frames = (f.metadata().unwrap().len() - 32) / (24 + 4096);
    // The last frame's image half written.
    f.write_all_at(&vec![0u8; 2048], frame_at(frames - 1) + 24 + 2048)
        .unwrap();
    let c = open(&db);
    let n: i64 = c
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        n, 2,
        "the torn last transaction is dropped, the others kept"
    );
    integrity_ok(&c);
}

#[test]
fn rekey_changes_the_passphrase_and_rewrites_no_page() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let kdf = "&kdf_memory=64&kdf_iterations=1";
    {
        let c = open_uri(&path, kdf).unwrap();
        let _: String = c
            .query_row("PRAGMA key='old passphrase'", [], |r| r.get(0))
            .unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('kept');")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    {
        let c = open_uri(&path, kdf).unwrap();
        let _: String = c
            .query_row("PRAGMA key='old passphrase'", [], |r| r.get(0))
            .unwrap();
        let _: String = c
            .query_row("PRAGMA rekey='new passphrase'", [], |r| r.get(0))
            .unwrap();
    }
    let after = std::fs::read(&path).unwrap();
    assert_eq!(before.len(), after.len());
    assert_eq!(before[4096..], after[4096..], "no page rewritten");
    assert_ne!(before[..4096], after[..4096], "the header changed");
    let c = open_uri(&path, kdf).unwrap();
    assert!(
        c.query_row("PRAGMA key='old passphrase'", [], |r| r.get::<_, String>(0))
            .is_err()
    );
    let c = open_uri(&path, kdf).unwrap();
    let _: String = c
        .query_row("PRAGMA key='new passphrase'", [], |r| r.get(0))
        .unwrap();
    let x: String = c.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(x, "kept");
}

/// A writer killed while creating a database, after the header area was
/// written as zeros and before the header: the file holds nothing, and
/// the next open creates the database. Zeros followed by anything else are
/// never taken for a new database.
#[test]
fn a_creation_cut_before_the_header_is_created_again() {
    let dir = tempfile::tempdir().unwrap();
    for len in [4096usize, 65536] {
        let path = dir.path().join(format!("cut-{len}.db"));
        std::fs::write(&path, vec![0u8; len]).unwrap();
        let conn = open(&path);
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('after the cut');")
            .unwrap();
        drop(conn);
        let conn = open(&path);
        let x: String = conn.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(x, "after the cut");
    }
    // A zero header area with data after it is a damaged file, not a new one.
    let path = dir.path().join("zeroed.db");
    let mut bytes = vec![0u8; 8192];
    bytes[5000] = 1;
    std::fs::write(&path, &bytes).unwrap();
    let err = pageseal_sqlite::open(&path, &Secret::RawKey(&key()))
        .expect_err("a zeroed header over data does not open")
        .to_string();
    assert!(err.contains("is not a pageseal file"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was written");
}
