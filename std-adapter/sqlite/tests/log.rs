//! Every failure reaches `sqlite3_log` with its extended code and message
//! (its own test binary: the log callback must be configured before
//! SQLite initialises).

mod common;

use std::sync::Mutex;

use common::*;

static LOG: Mutex<Vec<(i32, String)>> = Mutex::new(Vec::new());

fn record(code: i32, message: &str) {
    LOG.lock().unwrap().push((code, message.to_string()));
}

#[test]
fn failures_reach_sqlite3_log() {
    // SAFETY: called once, before any other use of SQLite in this binary.
    unsafe { rusqlite::trace::config_log(Some(record)) }.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    open(&path).execute_batch("CREATE TABLE t(x)").unwrap();
    let c = open_uri(&path, "").unwrap();
    assert!(
        c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
            .is_err()
    );
    let expected = format!(
        "pageseal: {} is encrypted and no key was given (use key_env=, key_file=, key_fd= in the \
         URI, or PRAGMA key before the first statement)",
        path.display()
    );
    let log = LOG.lock().unwrap();
    assert!(
        log.iter().any(|(code, m)| *code == 279 && *m == expected),
        "{log:?}"
    );
    // No key material in any message.
    assert!(log.iter().all(|(_, m)| !m.contains(KEY_HEX)));
}
