//! rusqlite (bundled SQLite) through the pageseal VFS: every suite, several
//! page sizes, every journal mode; no plaintext on disk at any point; the
//! result passes `PRAGMA integrity_check` and pageseal's own verify.

mod common;

use common::*;
use pageseal_sqlite::core::{Secret, Suite};
use rusqlite::Connection;

const MODES: [&str; 5] = ["WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY"];

/// Creates, fills, updates inside an open transaction (scanning the
/// journal or WAL while it is live), reopens, vacuums and checks.
fn exercise(suite: Suite, page_size: usize, mode: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let params = format!("&hexkey_insecure={KEY_HEX}&cipher={}", suite.name());
    let tag = format!("{}-{page_size}-{mode}", suite.name());
    let secret_row = |i: usize| format!("plaintext-row-{i:05}-{}", "x".repeat(i % 50));
    {
        let conn = open_uri(&path, &params).unwrap();
        conn.execute_batch(&format!("PRAGMA page_size={page_size};"))
            .unwrap();
        let m: String = conn
            .query_row(&format!("PRAGMA journal_mode={mode}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(m.to_uppercase(), mode, "{tag}");
        conn.execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX tb ON t(body);",
        )
        .unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        for i in 0..300 {
            conn.execute("INSERT INTO t(body) VALUES (?1)", [secret_row(i)])
                .unwrap();
        }
        tx.commit().unwrap();
        assert_no_plaintext(dir.path(), b"plaintext-row", &format!("{tag} after insert"));
        // A live write transaction: the journal (or WAL) holds old and new
        // page images now.
        conn.execute_batch("BEGIN; UPDATE t SET body = body || '-updated' WHERE id % 3 = 0;")
            .unwrap();
        assert_no_plaintext(
            dir.path(),
            b"plaintext-row",
            &format!("{tag} mid-transaction"),
        );
        conn.execute_batch("COMMIT;").unwrap();
        let ps: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ps as usize, page_size, "{tag}");
    }
    let conn = open_uri(&path, &params).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM t WHERE body LIKE '%-updated'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{tag}: {e} ({})", pageseal_sqlite::last_error()));
    assert_eq!(n, 100, "{tag}");
    let body: String = conn
        .query_row("SELECT body FROM t WHERE id = 7", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{tag}: {e} ({})", pageseal_sqlite::last_error()));
    assert_eq!(body, secret_row(6), "{tag}");
    conn.execute_batch("VACUUM;")
        .unwrap_or_else(|e| panic!("{tag}: {e} ({})", pageseal_sqlite::last_error()));
    integrity_ok(&conn);
    assert_no_plaintext(dir.path(), b"plaintext-row", &format!("{tag} after vacuum"));
    if mode == "WAL" {
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    drop(conn);
    let key = key();
    let secret = (suite != Suite::Checksum).then_some(Secret::RawKey(&key));
    if suite == Suite::Checksum {
        return;
    }
    let pages = verify(&path, secret.as_ref());
    assert!(pages >= 2, "{tag}");
}

#[test]
fn every_suite_every_journal_mode() {
    for suite in Suite::ALL {
        if suite == Suite::Checksum {
            continue;
        }
        for mode in MODES {
            exercise(suite, 4096, mode);
        }
    }
}

#[test]
fn page_sizes() {
    for (suite, ps) in [
        (Suite::Aes256Gcm, 512),
        (Suite::ChaCha20Poly1305, 1024),
        (Suite::Aegis128L, 2048),
        (Suite::Aegis256, 8192),
        (Suite::Aegis128X2, 16384),
        (Suite::Aegis256X4, 65536),
    ] {
        for mode in ["WAL", "DELETE"] {
            exercise(suite, ps, mode);
        }
    }
}

#[test]
fn temp_files_and_statement_journals_are_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let conn = open(&path);
    conn.execute_batch(
        "PRAGMA temp_store=FILE; PRAGMA cache_size=10;
         CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT UNIQUE);",
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..3000 {
        conn.execute(
            "INSERT INTO t(body) VALUES (?1)",
            [format!("tempsecret-{i:06}-{}", "y".repeat(80))],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    // A sort that spills to a temporary file, scanned while it is open.
    let mut stmt = conn
        .prepare("SELECT body FROM t ORDER BY substr(body, 12) DESC, random()")
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    let first: String = rows.next().unwrap().unwrap().get(0).unwrap();
    assert!(first.starts_with("tempsecret-002999"));
    assert_no_plaintext(dir.path(), b"tempsecret-", "during a spilled sort");
    drop(rows);
    drop(stmt);
    // A statement journal: a multi-row UPDATE in a transaction that fails
    // half way (UNIQUE), which SQLite undoes from the statement journal.
    conn.execute_batch("BEGIN; UPDATE t SET body = body || 'z' WHERE id < 2000;")
        .unwrap();
    let err = conn.execute(
        "UPDATE t SET body = 'tempsecret-000010' || substr(body, 18)",
        [],
    );
    assert!(err.is_err());
    assert_no_plaintext(dir.path(), b"tempsecret-", "after a statement rollback");
    conn.execute_batch("COMMIT;").unwrap();
    integrity_ok(&conn);
}

#[test]
fn two_connections_one_process_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let a = open(&path);
    a.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t(x);")
        .unwrap();
    let b = open(&path);
    for i in 0..200 {
        let (w, r) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        w.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
        let n: i64 = r
            .query_row("SELECT count(*) FROM t", [], |x| x.get(0))
            .unwrap();
        assert_eq!(n, i + 1);
    }
    a.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    let n: i64 = b
        .query_row("SELECT sum(x) FROM t", [], |x| x.get(0))
        .unwrap();
    assert_eq!(n, (0..200).sum::<i64>());
    integrity_ok(&b);
}

#[test]
fn memory_mapped_reads_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let c = open(&path);
    c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('mapped?');")
        .unwrap();
    let got: i64 = c
        .query_row("PRAGMA mmap_size=268435456", [], |r| r.get(0))
        .unwrap();
    assert_eq!(got, 0, "the VFS sets the mmap limit to 0");
    let x: String = c.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(x, "mapped?");
}

#[test]
fn checksum_only_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let c = open_uri(&path, "&cipher=checksum").unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('visible but checked');")
            .unwrap();
    }
    let c = open_uri(&path, "").unwrap();
    let x: String = c.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(x, "visible but checked");
    drop(c);
    verify(&path, None);
}

#[test]
fn plain_database_converts_with_vacuum_into_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    let sealed = dir.path().join("sealed.db");
    let back = dir.path().join("back.db");
    pageseal_sqlite::register().unwrap();
    let p = Connection::open(&plain).unwrap();
    p.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('convert me'), ('and me');")
        .unwrap();
    let r: i64 = p
        .query_row("SELECT pageseal_reserve('aegis-128l')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(r, 36);
    p.execute(
        &format!(
            "VACUUM INTO 'file:{}?vfs=pageseal&cipher=aegis-128l&hexkey_insecure={KEY_HEX}'",
            sealed.display()
        ),
        [],
    )
    .unwrap_or_else(|e| panic!("{e} ({})", pageseal_sqlite::last_error()));
    drop(p);
    assert_no_plaintext(
        dir.path().join("x").parent().unwrap(),
        b"zzz-never",
        "sanity",
    );
    let bytes = std::fs::read(&sealed).unwrap();
    assert_eq!(&bytes[..8], b"PAGESEAL");
    assert!(!bytes.windows(10).any(|w| w == b"convert me"));
    let s = open(&sealed);
    let n: i64 = s
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    integrity_ok(&s);
    // A bare path is opened through the connection's VFS: it would be a
    // pageseal file, and there is no key for it.
    let err = s
        .execute(&format!("VACUUM INTO '{}'", back.display()), [])
        .unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::AuthorizationForStatementDenied)
    );
    assert!(
        pageseal_sqlite::last_error().contains("no key was given"),
        "{}",
        pageseal_sqlite::last_error()
    );
    std::fs::remove_file(&back).unwrap();
    // Plaintext only when asked for by name.
    s.execute(
        &format!("VACUUM INTO 'file:{}?vfs=unix'", back.display()),
        [],
    )
    .unwrap();
    drop(s);
    let b = Connection::open(&back).unwrap();
    let x: String = b
        .query_row("SELECT x FROM t ORDER BY rowid LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(x, "convert me");
    integrity_ok(&b);
    verify(&sealed, Some(&Secret::RawKey(&key())));
}

#[test]
fn backup_to_a_pageseal_target() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.db");
    let dst = dir.path().join("dst.db");
    let s = open(&src);
    s.execute_batch("CREATE TABLE t(x); INSERT INTO t SELECT 'backed up ' || value FROM generate_series(1, 500);")
        .or_else(|_| {
            s.execute_batch(
                "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 500)
                 INSERT INTO t SELECT 'backed up ' || i FROM c;",
            )
        })
        .unwrap();
    let mut d = open(&dst);
    {
        let backup = rusqlite::backup::Backup::new(&s, &mut d).unwrap();
        backup
            .run_to_completion(50, std::time::Duration::ZERO, None)
            .unwrap();
    }
    let n: i64 = d
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 500);
    integrity_ok(&d);
    drop(d);
    assert_no_plaintext(dir.path(), b"backed up", "after backup");
    verify(&dst, Some(&Secret::RawKey(&key())));
}

#[test]
fn rotation_takes_effect_at_once_and_old_pages_stay_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let c = open(&path);
    c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('before rotation');")
        .unwrap();
    let e: i64 = c
        .query_row("SELECT pageseal_rotate()", [], |r| r.get(0))
        .unwrap();
    assert_eq!(e, 2);
    c.execute_batch("INSERT INTO t VALUES ('after rotation');")
        .unwrap();
    drop(c);
    // The last page written (the table's leaf) is under epoch 2.
    let bytes = std::fs::read(&path).unwrap();
    let ps = 4096;
    let trailer_at = |page: usize| {
        4096 + page * ps + ps - pageseal_sqlite::core::trailer_len(pageseal_dispatch_suite())
    };
    let epochs: Vec<u32> = (0..(bytes.len() - 4096) / ps)
        .map(|p| u32::from_le_bytes(bytes[trailer_at(p)..trailer_at(p) + 4].try_into().unwrap()))
        .collect();
    assert!(epochs.contains(&2), "{epochs:?}");
    let c = open(&path);
    let n: i64 = c
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    let e = pageseal_sqlite::rotate(&c).unwrap();
    assert_eq!(e, 3);
    // VACUUM re-seals every page, in a write transaction, under epoch 3.
    c.execute_batch("VACUUM;").unwrap();
    drop(c);
    let bytes = std::fs::read(&path).unwrap();
    let epochs: Vec<u32> = (0..(bytes.len() - 4096) / ps)
        .map(|p| u32::from_le_bytes(bytes[trailer_at(p)..trailer_at(p) + 4].try_into().unwrap()))
        .collect();
    assert!(epochs.iter().all(|e| *e == 3), "{epochs:?}");
    verify(&path, Some(&Secret::RawKey(&key())));
}

fn pageseal_dispatch_suite() -> Suite {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.db");
    let c = open(&path);
    let s: String = c.query_row("PRAGMA cipher", [], |r| r.get(0)).unwrap();
    s.parse().unwrap()
}

/// A WAL transaction larger than the cache: SQLite writes frames before the
/// commit, overwrites some in place and rewrites their checksums (reading
/// the frames back through the VFS); a copy taken with the WAL still
/// present then goes through recovery, which recomputes the checksum chain.
#[test]
fn big_wal_transaction_checksum_rewrite_and_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.db");
    let c = open(&live);
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=8;
         CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT);
         BEGIN;
         WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 3000)
           INSERT INTO t SELECT i, printf('%0300d', i) FROM c;
         UPDATE t SET body = body || 'x' WHERE id % 3 = 0;
         UPDATE t SET body = body || 'y' WHERE id % 5 = 0;
         COMMIT;",
    )
    .unwrap_or_else(|e| panic!("{e}: {}", pageseal_sqlite::last_error()));
    integrity_ok(&c);
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for name in ["live.db", "live.db-wal"] {
        std::fs::copy(dir.path().join(name), copy.join(name)).unwrap();
    }
    drop(c);
    let r = open(&copy.join("live.db"));
    let (n, x, y): (i64, i64, i64) = r
        .query_row(
            "SELECT count(*), sum(body LIKE '%x' OR body LIKE '%xy'), sum(body LIKE '%y') FROM t",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!((n, x, y), (3000, 1000, 600));
    integrity_ok(&r);
}

/// Every key source of the URI opens the same database; the suite and
/// Argon2id cost of a new database come from PRAGMAs too.
#[test]
fn key_sources_and_creation_pragmas() {
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "correct horse battery staple\n").unwrap();
    {
        let c = open_uri(&path, "").unwrap();
        for (pragma, want) in [
            ("PRAGMA cipher='chacha20-poly1305'", "chacha20-poly1305"),
            ("PRAGMA kdf_memory=64", "64"),
            ("PRAGMA kdf_iterations=1", "1"),
            ("PRAGMA key='correct horse battery staple'", "ok"),
        ] {
            let got: String = c.query_row(pragma, [], |r| r.get(0)).unwrap();
            assert_eq!(got, want, "{pragma}");
        }
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap_or_else(|e| panic!("{e}: {}", pageseal_sqlite::last_error()));
        let info: String = c
            .query_row("PRAGMA pageseal_info", [], |r| r.get(0))
            .unwrap();
        assert!(
            info.starts_with("suite=chacha20-poly1305 page_size=4096 epoch=1"),
            "{info}"
        );
    }
    let count = |c: &Connection| -> i64 {
        c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    };
    let by_file = open_uri(&path, &format!("&key_file={}", key_file.display())).unwrap();
    assert_eq!(count(&by_file), 1);
    drop(by_file);
    let fd_file = std::fs::File::open(&key_file).unwrap();
    let by_fd = open_uri(&path, &format!("&key_fd={}", fd_file.as_raw_fd())).unwrap();
    assert_eq!(count(&by_fd), 1);
    drop(by_fd);
    let var = format!("PAGESEAL_SQLITE_TEST_KEY_{}", std::process::id());
    // SAFETY: no other thread of this test binary reads this variable.
    unsafe { std::env::set_var(&var, "correct horse battery staple") };
    let by_env = open_uri(&path, &format!("&key_env={var}")).unwrap();
    assert_eq!(count(&by_env), 1);
    let err = open_uri(&path, "&key_file=/nonexistent/key").unwrap_err();
    assert!(err.to_string().contains("key"), "{err}");
    assert_eq!(
        pageseal_sqlite::last_error(),
        "pageseal: cannot read the key from key file /nonexistent/key: No such file or directory (os error 2)"
    );
}

/// SQLite's reserved bytes can only grow: a suite with a shorter trailer
/// than the one already applied (after the key) is refused by name.
#[test]
fn pragma_cipher_after_the_key_is_refused_when_it_cannot_apply() {
    let dir = tempfile::tempdir().unwrap();
    let c = open_uri(&dir.path().join("t.db"), "").unwrap();
    let _: String = c
        .query_row(&format!("PRAGMA hexkey='{KEY_HEX}'"), [], |r| r.get(0))
        .unwrap();
    let auto: String = c.query_row("PRAGMA cipher", [], |r| r.get(0)).unwrap();
    let auto: Suite = auto.parse().unwrap();
    let r = c.query_row("PRAGMA cipher='aes-128-gcm'", [], |r| r.get::<_, String>(0));
    if pageseal_sqlite::core::trailer_len(auto) > 32 {
        assert_eq!(
            r.unwrap_err().to_string(),
            "pageseal: PRAGMA cipher: give it before the key (PRAGMA key), or use cipher= in the \
             URI: SQLite's reserved bytes per page can only grow"
        );
    } else {
        assert_eq!(r.unwrap(), "aes-128-gcm");
    }
    c.execute_batch("CREATE TABLE t(x);").unwrap();
}

/// pageseal_migrate(): after rotations, old pages are re-sealed in a write
/// transaction and the epochs no page uses leave the header; refused
/// outside an exclusive lock or in WAL mode.
#[test]
fn migrate_reseals_old_pages_and_drops_their_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let c = open(&path);
    c.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500)
           INSERT INTO t SELECT i, printf('%0200d', i) FROM n;",
    )
    .unwrap();
    for _ in 0..2 {
        let _: i64 = c
            .query_row("SELECT pageseal_rotate()", [], |r| r.get(0))
            .unwrap();
        c.execute("UPDATE t SET body = body WHERE id = 1", [])
            .unwrap();
    }
    let info: String = c
        .query_row("PRAGMA pageseal_info", [], |r| r.get(0))
        .unwrap();
    assert!(info.contains("epoch=3 epochs=1,2,3"), "{info}");
    let err = c
        .query_row("SELECT pageseal_migrate()", [], |r| r.get::<_, i64>(0))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("pageseal_migrate: needs the database's exclusive lock"),
        "{err}"
    );
    c.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    let n: i64 = c
        .query_row("SELECT pageseal_migrate()", [], |r| r.get(0))
        .unwrap();
    c.execute_batch("COMMIT;").unwrap();
    assert!(n > 10, "{n} pages re-sealed");
    let info: String = c
        .query_row("PRAGMA pageseal_info", [], |r| r.get(0))
        .unwrap();
    assert!(info.contains("epoch=3 epochs=3 "), "{info}");
    integrity_ok(&c);
    let rows: i64 = c
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 500);
    drop(c);
    verify(&path, Some(&Secret::RawKey(&key())));
    // WAL mode: refused (VACUUM re-seals instead).
    let c = open(&path);
    c.execute_batch("PRAGMA journal_mode=WAL; INSERT INTO t(body) VALUES ('w');")
        .unwrap();
    c.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    assert!(
        c.query_row("SELECT pageseal_migrate()", [], |r| r.get::<_, i64>(0))
            .is_err()
    );
    c.execute_batch("COMMIT;").unwrap();
}
