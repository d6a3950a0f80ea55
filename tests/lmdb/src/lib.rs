//! LMDB (`mdb.master3`, encryption at rest) through heed3 0.23, encrypted
//! with `pageseal-aead`'s types: a real client of the `aead` 0.5 traits.
//!
//! The tests (`tests/heed3.rs`) write and read a realistic data set across
//! many transactions, reopen the environment, look for plaintext in
//! `data.mdb`, open it with a wrong key and flip a byte of the data file;
//! the benchmark (`benches/lmdb.rs`, `cargo bench -p pageseal-lmdb-tests`)
//! times a put/get/scan workload unencrypted, with RustCrypto
//! `chacha20poly1305` (heed3's example) and with pageseal's types, and
//! what `KeyInit::new` costs (heed3 calls it for every page).
//!
//! **Needs a C compiler**: heed3's `lmdb-master3-sys` builds LMDB from C
//! source with the `cc` crate (gcc or clang, found as `cc` or through `CC`;
//! for cross builds `CC_<target>`). Nothing else is installed.
//!
//! LMDB gives the cipher a 16-byte IV (page number and transaction id) as
//! the nonce and no associated data, and stores the 16-byte tag at the end
//! of each page. AES-GCM and ChaCha20-Poly1305 take the IV's first 12
//! bytes; the AEGIS-128 types take all 16; the AEGIS-256 types need 32 and
//! so cannot encrypt an LMDB environment (every page write fails, cleanly).
//!
//! **A limit of LMDB, not of the cipher**: the encrypted mode of the LMDB
//! that heed3 0.23.1 builds (`lmdb-master3-sys` 0.2.6) fails deletes and
//! larger update transactions, with `MDB_PROBLEM`, `MDB_PAGE_NOTFOUND`, an
//! assertion abort or a segmentation fault, with heed3's own example cipher
//! (RustCrypto `chacha20poly1305`) as with pageseal's, while the same
//! workload unencrypted passes (`upstream_lmdb_encrypted_deletes_fail` in
//! `tests/heed3.rs`, run with `--ignored`). The data set and the benchmark
//! therefore insert in many transactions and update sparingly.

use std::path::Path;

use aead05::{AeadMutInPlace, Key, KeyInit};
use heed3::types::Bytes;
use heed3::{
    CommitOrAbort, Database, EncryptedDatabase, EncryptedEnv, Env, EnvFlags, EnvOpenOptions,
};

/// The map size of every environment here: 4 GiB of address space (the
/// file grows only as pages are written).
pub const MAP_SIZE: usize = 4 << 30;

/// Every value written here contains this text, so a scan of the data file
/// for it finds any value stored in the clear.
pub const MARKER: &[u8] = b"pageseal-secret-";

/// How often LMDB flushes to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// At every commit (LMDB's default).
    Synced,
    /// Never (`MDB_NOSYNC`): a crash may lose the last transactions. For
    /// the benchmark, which times the CPU work, not the disk.
    NoSync,
}

/// The open options of every environment here.
fn options(durability: Durability) -> EnvOpenOptions {
    let mut options = EnvOpenOptions::new();
    options.map_size(MAP_SIZE);
    if durability == Durability::NoSync {
        // SAFETY: `NO_SYNC` only weakens durability across a crash of the
        // machine; the benchmark's scratch data needs none.
        unsafe { options.flags(EnvFlags::NO_SYNC) };
    }
    options
}

/// Opens (creating if needed) the encrypted environment in directory
/// `path` with cipher `E` and `key` (of `E`'s key length).
///
/// The callers' directories are private to one test or benchmark run, and
/// nothing writes to `data.mdb` while an environment is open: the
/// condition heed3's `unsafe` open asks for.
///
/// # Panics
///
/// If `key` does not have `E`'s key length.
pub fn open_encrypted<E: AeadMutInPlace + KeyInit>(
    path: &Path,
    key: &[u8],
    durability: Durability,
) -> heed3::Result<EncryptedEnv> {
    let key = Key::<E>::clone_from_slice(key);
    // SAFETY: heed3 requires that the memory-mapped files not be modified
    // by anyone else while the environment is open; `path` is a private
    // scratch directory of the caller, which edits files only after closing.
    unsafe { options(durability).open_encrypted::<E, _>(key, path) }
}

/// Opens (creating if needed) the unencrypted environment in `path` (a
/// private directory, as for [`open_encrypted`]).
pub fn open_plain(path: &Path, durability: Durability) -> heed3::Result<Env> {
    // SAFETY: as in `open_encrypted`: a private directory, not modified
    // while open.
    unsafe { options(durability).open(path) }
}

/// The unnamed database of an encrypted environment, created if needed.
pub fn encrypted_db(env: &EncryptedEnv) -> heed3::Result<EncryptedDatabase<'_, Bytes, Bytes>> {
    let wtxn = env.write_txn()?;
    let created = env.create_databases_and_commit(wtxn, |opener, wtxn| {
        let db = opener.create_database::<Bytes, Bytes>(wtxn, None)?;
        Ok::<_, heed3::Error>(CommitOrAbort::<_, ()>::Commit(db))
    })?;
    Ok(created.unwrap_commit())
}

/// The unnamed database of an unencrypted environment, created if needed.
pub fn plain_db(env: &Env) -> heed3::Result<Database<'_, Bytes, Bytes>> {
    let wtxn = env.write_txn()?;
    let created = env.create_databases_and_commit(wtxn, |opener, wtxn| {
        let db = opener.create_database::<Bytes, Bytes>(wtxn, None)?;
        Ok::<_, heed3::Error>(CommitOrAbort::<_, ()>::Commit(db))
    })?;
    Ok(created.unwrap_commit())
}

/// The key of record `i`: 8 bytes, a bijection of `i` that spreads
/// consecutive records over the whole key space (random-order inserts).
pub fn record_key(i: u64) -> [u8; 8] {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes()
}

/// The value of record `i` in `version` (updates bump it): 100 bytes of
/// JSON-like text containing [`MARKER`].
pub fn record_value(i: u64, version: u32) -> Vec<u8> {
    let mut value = format!(
        "{{\"id\":{i},\"v\":{version},\"name\":\"{}{i:08}\",\"city\":\"Lyon\",\"note\":\"",
        std::str::from_utf8(MARKER).expect("ASCII marker"),
    )
    .into_bytes();
    value.resize(98, b'x');
    value.extend_from_slice(b"\"}");
    value
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
