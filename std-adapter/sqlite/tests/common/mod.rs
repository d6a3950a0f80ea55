//! Helpers shared by the pageseal-sqlite tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pageseal_sqlite::core::{RawKey, Secret};
use rusqlite::{Connection, OpenFlags};

/// The raw key used by most tests.
pub fn key() -> RawKey {
    RawKey::new([0x5a; 32])
}

/// 64 hex digits of [`key`].
pub const KEY_HEX: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/// Opens `path` through the pageseal VFS with a URI and extra parameters.
pub fn open_uri(path: &Path, params: &str) -> rusqlite::Result<Connection> {
    pageseal_sqlite::register().unwrap();
    let uri = format!("file:{}?vfs=pageseal{params}", path.display());
    Connection::open_with_flags(uri, OpenFlags::default() | OpenFlags::SQLITE_OPEN_URI)
}

/// Opens `path` with the test key.
pub fn open(path: &Path) -> Connection {
    pageseal_sqlite::open(path, &Secret::RawKey(&key())).unwrap()
}

/// Every file in `dir` (recursively) and every file this process holds
/// open (temporary files are unlinked at once), as (name, bytes).
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_file()
            && let Ok(b) = std::fs::read(&p)
        {
            out.push((p, b));
        }
    }
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let p = entry.path();
        let Ok(target) = std::fs::read_link(&p) else {
            continue;
        };
        let t = target.to_string_lossy();
        if !t.starts_with('/') || t.starts_with("/dev") || t.starts_with("/proc") {
            continue;
        }
        if t.contains("/target/") || t.contains("/.cargo/") || t.contains("/usr/") {
            continue;
        }
        if let Ok(meta) = std::fs::metadata(&p)
            && meta.is_file()
            && meta.len() < (64 << 20)
            && let Ok(b) = std::fs::read(&p)
        {
            out.push((target, b));
        }
    }
    out
}

/// Panics if `needle` appears in any file of `dir` or any open file.
pub fn assert_no_plaintext(dir: &Path, needle: &[u8], when: &str) {
    for (name, bytes) in all_files(dir) {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "plaintext {:?} found in {} ({when})",
            String::from_utf8_lossy(needle),
            name.display()
        );
    }
}

/// `PRAGMA integrity_check` says ok.
pub fn integrity_ok(conn: &Connection) {
    let r: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(r, "ok");
}

/// `pageseal verify` (the library call behind it) passes on `path`.
pub fn verify(path: &Path, secret: Option<&Secret<'_>>) -> u64 {
    let report =
        pageseal::verify_file(path, secret, pageseal::Tuning::default(), 1, &|_| {}).unwrap();
    assert!(report.ok(), "verify failed: {:?}", report.bad_pages);
    report.pages
}
