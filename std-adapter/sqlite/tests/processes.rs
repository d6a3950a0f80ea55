//! Other processes: kill -9 of a writer at many points (WAL and rollback
//! modes: every reopen passes integrity_check and holds exactly the
//! committed transactions), and two processes writing one WAL database
//! while one of them rotates the key epoch.
//!
//! The children are this test binary run again with
//! `PAGESEAL_SQLITE_CHILD` set (see [`child`]).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use common::*;

const ROWS_PER_TXN: i64 = 5;

/// Runs as a child process when asked to; returns otherwise.
#[test]
fn child() {
    let Ok(task) = std::env::var("PAGESEAL_SQLITE_CHILD") else {
        return;
    };
    let parts: Vec<&str> = task.splitn(3, ':').collect();
    let path = Path::new(parts[2]);
    let conn = open(path);
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    match parts[0] {
        "writer" => {
            // "MODE-slow": pause after each commit, so that a process
            // waiting for the exclusive lock gets it (rollback-journal
            // writers in a tight loop starve it).
            let (mode, pause) = match parts[1].strip_suffix("-slow") {
                Some(mode) => (mode, Duration::from_millis(5)),
                None => (parts[1], Duration::ZERO),
            };
            conn.execute_batch(&format!(
                "PRAGMA journal_mode={mode}; PRAGMA synchronous=FULL;
                 CREATE TABLE IF NOT EXISTS t(txn INTEGER, k INTEGER, body TEXT);"
            ))
            .unwrap();
            let mut next: i64 = conn
                .query_row("SELECT coalesce(max(txn), -1) + 1 FROM t", [], |r| r.get(0))
                .unwrap();
            // Each report on a line of its own: with --nocapture, libtest's
            // "test child ... " line has no newline yet.
            println!("\nready");
            loop {
                let tx = conn
                    .unchecked_transaction()
                    .unwrap_or_else(|e| panic!("{e:?}: {}", pageseal_sqlite::last_error()));
                for k in 0..ROWS_PER_TXN {
                    conn.execute(
                        "INSERT INTO t VALUES (?1, ?2, ?3)",
                        rusqlite::params![
                            next,
                            k,
                            format!("crash-secret-{next}-{k}-{}", "c".repeat(400))
                        ],
                    )
                    .unwrap();
                }
                if next % 7 == 3 {
                    conn.execute("DELETE FROM t WHERE txn = ?1 AND k = 99", [next - 1])
                        .unwrap();
                }
                tx.commit()
                    .unwrap_or_else(|e| panic!("{}", failure(&conn, e)));
                println!("\ncommitted {next}");
                next += 1;
                std::thread::sleep(pause);
            }
        }
        "concurrent" => {
            let id: i64 = parts[1].parse().unwrap();
            for i in 0..150 {
                if id == 0 && i == 75 {
                    let e: i64 = conn
                        .query_row("SELECT pageseal_rotate()", [], |r| r.get(0))
                        .unwrap();
                    assert!(e >= 2);
                }
                conn.execute(
                    "INSERT INTO t VALUES (?1, ?2, ?3)",
                    rusqlite::params![id, i, "two-process"],
                )
                .unwrap();
                let n: i64 = conn
                    .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                    .unwrap();
                assert!(n > i);
            }
        }
        "spill" => {
            // A transaction bigger than the cache: SQLite writes changed
            // pages into the database file before the commit (the journal
            // holds the originals), then the process dies.
            let mode = parts[1];
            conn.execute_batch(&format!(
                "PRAGMA journal_mode={mode}; PRAGMA cache_size=5; BEGIN;
                 UPDATE t SET body = 'spilled-' || body;"
            ))
            .unwrap();
            println!("spilled");
            std::process::abort();
        }
        other => panic!("unknown child task {other}"),
    }
}

/// Everything known of a failed statement: SQLite's error, pageseal's
/// message and the OS error number behind an I/O error.
fn failure(conn: &rusqlite::Connection, e: rusqlite::Error) -> String {
    // SAFETY: `conn` is open; sqlite3_system_errno only reads its state.
    let errno = unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) };
    format!("{e:?}: {} (errno {errno})", pageseal_sqlite::last_error())
}

fn spawn(task: &str) -> std::process::Child {
    // Under cross/aarch64.sh the test runs in qemu-user, which cannot exec
    // an aarch64 binary by itself: start the child through the same runner.
    let runner = std::env::var("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER")
        .ok()
        .filter(|_| cfg!(target_arch = "aarch64"));
    let exe = std::env::current_exe().unwrap();
    let mut command = match runner.as_deref().map(str::split_whitespace) {
        Some(mut words) => {
            let mut c = Command::new(words.next().unwrap());
            c.args(words).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    command
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env("PAGESEAL_SQLITE_CHILD", task)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// What a writer child reports on its standard output, read on a thread.
struct Reports {
    events: Receiver<Report>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// The last transaction the child reported committed.
    last: Option<i64>,
}

enum Report {
    Ready,
    Committed(i64),
}

/// How long a child may take to report before the test fails. Generous:
/// an emulator on a busy machine is slow, and under `cross/qemu-run` a
/// child stuck in qemu-user's fork deadlock must be left to the runner's
/// shorter time limit, which kills the binary and runs it again.
const REPORT_WAIT: Duration = Duration::from_secs(600);

impl Reports {
    fn of(child: &mut Child) -> Reports {
        let stdout = child.stdout.take().unwrap();
        let (send, events) = channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let report = match line.trim() {
                    "ready" => Report::Ready,
                    l => match l.strip_prefix("committed ").map(str::parse) {
                        Some(Ok(n)) => Report::Committed(n),
                        _ => continue,
                    },
                };
                if send.send(report).is_err() {
                    return;
                }
            }
        });
        Reports {
            events,
            reader: Some(reader),
            last: None,
        }
    }

    /// Waits for the next report; panics (killing the child) when none
    /// comes in time or the child ended.
    fn next(&mut self, child: &mut Child, waiting_for: &str) -> Report {
        match self.events.recv_timeout(REPORT_WAIT) {
            Ok(report) => {
                if let Report::Committed(n) = report {
                    self.last = Some(n);
                }
                report
            }
            Err(e) => {
                child.kill().ok();
                let why = match e {
                    RecvTimeoutError::Timeout => format!("nothing in {REPORT_WAIT:?}"),
                    RecvTimeoutError::Disconnected => "it ended".to_string(),
                };
                panic!("waiting for the writer to report {waiting_for}: {why}");
            }
        }
    }

    /// Waits until the child has set up its table.
    fn wait_ready(&mut self, child: &mut Child) {
        while !matches!(self.next(child, "ready"), Report::Ready) {}
    }

    /// Waits until the child reports one more committed transaction.
    fn wait_commit(&mut self, child: &mut Child) {
        while !matches!(self.next(child, "a commit"), Report::Committed(_)) {}
    }

    /// After the child ended: the last transaction it reported committed.
    fn finish(mut self) -> Option<i64> {
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        for report in self.events.try_iter() {
            if let Report::Committed(n) = report {
                self.last = Some(n);
            }
        }
        self.last
    }
}

fn crash_loop(mode: &str, rounds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let mut previous = -1;
    for round in 0..rounds {
        let mut child = spawn(&format!("writer:{mode}:{}", path.display()));
        let mut reports = Reports::of(&mut child);
        // Round 0 dies while the database is being created, or soon after
        // (the delay counts from the start of the process); later rounds at
        // different points of different transactions, counted from the
        // writer's first transaction so that a slow start (an emulator, a
        // busy machine) cannot leave every round without one.
        if round > 0 {
            reports.wait_ready(&mut child);
        }
        std::thread::sleep(Duration::from_millis(40 + (round * 37) % 160));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let last_committed = reports.finish();
        let conn = open(&path);
        integrity_ok(&conn);
        let txns: i64 = conn
            .query_row("SELECT count(DISTINCT txn) FROM t", [], |r| r.get(0))
            .unwrap_or(0);
        let max: i64 = conn
            .query_row("SELECT coalesce(max(txn), -1) FROM t", [], |r| r.get(0))
            .unwrap_or(-1);
        assert_eq!(
            txns,
            max + 1,
            "{mode} round {round}: transactions are contiguous"
        );
        let partial: i64 = conn
            .query_row(
                "SELECT count(*) FROM (SELECT txn FROM t GROUP BY txn HAVING count(*) != ?1)",
                [ROWS_PER_TXN],
                |r| r.get(0),
            )
            .unwrap_or(0);
        assert_eq!(partial, 0, "{mode} round {round}: no partial transaction");
        // Nothing reported this round: the last transaction of the rounds before.
        let last_printed = last_committed.unwrap_or(previous);
        // Committed and printed, or committed with the print lost to the kill.
        assert!(
            max == last_printed || max == last_printed + 1,
            "{mode} round {round}: last printed {last_printed}, database has {max}"
        );
        eprintln!("{mode} round {round}: {} transactions committed", max + 1);
        previous = max;
        drop(conn);
        assert_no_plaintext(
            dir.path(),
            b"crash-secret",
            &format!("{mode} round {round}"),
        );
    }
    assert!(previous >= 0, "{mode}: no round committed a transaction");
    let key = key();
    let conn = open(&path);
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").ok();
    drop(conn);
    verify(&path, Some(&pageseal_sqlite::core::Secret::RawKey(&key)));
}

#[test]
fn kill_9_wal() {
    crash_loop("WAL", 8);
}

#[test]
fn kill_9_rollback() {
    crash_loop("DELETE", 8);
}

/// A hot journal left by a process that died after writing uncommitted
/// pages into the database: the next open rolls it back from the sealed
/// journal records (their checksums shifted back, FORMAT.md).
#[test]
fn hot_journal_rollback() {
    for mode in ["DELETE", "TRUNCATE", "PERSIST"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hot.db");
        {
            let c = open(&path);
            c.execute_batch(&format!(
                "PRAGMA journal_mode={mode}; CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT);"
            ))
            .unwrap();
            let tx = c.unchecked_transaction().unwrap();
            for i in 0..2000 {
                c.execute(
                    "INSERT INTO t(body) VALUES (?1)",
                    [format!("original-{i}-{}", "o".repeat(200))],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let mut child = spawn(&format!("spill:{mode}:{}", path.display()));
        let status = child.wait().unwrap();
        assert!(!status.success());
        let journal = dir.path().join("hot.db-journal");
        assert!(journal.exists(), "{mode}: a hot journal is left");
        assert_ne!(
            std::fs::read(&path).unwrap(),
            before,
            "{mode}: uncommitted pages were written"
        );
        assert_no_plaintext(dir.path(), b"original-", mode);
        let c = open(&path);
        let spilled: i64 = c
            .query_row(
                "SELECT count(*) FROM t WHERE body LIKE 'spilled-%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(spilled, 0, "{mode}: rolled back");
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2000);
        integrity_ok(&c);
    }
}

#[test]
fn two_processes_one_wal_database_with_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    {
        let c = open(&path);
        c.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER, i INTEGER, body TEXT);",
        )
        .unwrap();
    }
    let mut a = spawn(&format!("concurrent:0:{}", path.display()));
    let mut b = spawn(&format!("concurrent:1:{}", path.display()));
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let c = open(&path);
    let n: i64 = c
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 300);
    integrity_ok(&c);
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    let info: String = c
        .query_row("PRAGMA pageseal_info", [], |r| r.get(0))
        .unwrap();
    assert!(info.contains("epoch=2"), "{info}");
    drop(c);
    verify(&path, Some(&pageseal_sqlite::core::Secret::RawKey(&key())));
}

/// Another process keeps writing (rollback journal) while this one rotates
/// twice and migrates: the writer re-reads the header at each write
/// transaction, so it never seals under a dropped epoch; every page opens
/// afterwards.
#[test]
fn migrate_while_another_process_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    {
        let c = open(&path);
        c.execute_batch(
            "PRAGMA journal_mode=DELETE; CREATE TABLE t(txn INTEGER, k INTEGER, body TEXT);",
        )
        .unwrap();
    }
    let mut child = spawn(&format!("writer:DELETE-slow:{}", path.display()));
    let mut reports = Reports::of(&mut child);
    reports.wait_commit(&mut child);
    let c = open(&path);
    c.busy_timeout(Duration::from_secs(30)).unwrap();
    for round in 0..3 {
        let _: i64 = c
            .query_row("SELECT pageseal_rotate()", [], |r| r.get(0))
            .unwrap();
        std::thread::sleep(Duration::from_millis(60));
        c.execute_batch("BEGIN EXCLUSIVE;").unwrap();
        let n: i64 = c
            .query_row("SELECT pageseal_migrate()", [], |r| r.get(0))
            .unwrap();
        c.execute_batch("COMMIT;")
            .unwrap_or_else(|e| panic!("{}", failure(&c, e)));
        eprintln!("round {round}: {n} pages re-sealed");
        // The writer goes on under the new epoch before the next round.
        reports.wait_commit(&mut child);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let printed = reports.finish().expect("the writer reported commits") + 1;
    assert!(printed > 3, "the writer committed {printed} transactions");
    let info: String = c
        .query_row("PRAGMA pageseal_info", [], |r| r.get(0))
        .unwrap();
    eprintln!("{info}");
    integrity_ok(&c);
    let txns: i64 = c
        .query_row("SELECT count(DISTINCT txn) FROM t", [], |r| r.get(0))
        .unwrap();
    assert!(txns >= printed);
    drop(c);
    verify(&path, Some(&pageseal_sqlite::core::Secret::RawKey(&key())));
}
