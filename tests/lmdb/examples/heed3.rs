//! An LMDB environment encrypted with pageseal's AEGIS-128L through heed3:
//! the README's example, compiled by `cargo test` (`tests/readme.rs` checks
//! that the README shows exactly this code).

use heed3::types::Str;
use heed3::{CommitOrAbort, EnvOpenOptions};
use pageseal_aead::Aegis128L;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let key = [0x42; 16].into(); // in real use: from a KDF or a key store
    // SAFETY: the directory is ours; nothing else maps or writes its files.
    let env = unsafe {
        EnvOpenOptions::new()
            .map_size(1 << 30)
            .open_encrypted::<Aegis128L, _>(key, dir.path())?
    };
    let wtxn = env.write_txn()?;
    let db = env
        .create_databases_and_commit(wtxn, |opener, wtxn| {
            let db = opener.create_database::<Str, Str>(wtxn, None)?;
            Ok::<_, heed3::Error>(CommitOrAbort::<_, ()>::Commit(db))
        })?
        .unwrap_commit();

    let mut wtxn = env.write_txn()?;
    db.put(&mut wtxn, "greeting", "hello, sealed pages")?;
    wtxn.commit()?;

    // Encrypted reads take `&mut RoTxn`: LMDB decrypts pages into a cache
    // that the next read may reuse.
    let mut rtxn = env.read_txn()?;
    assert_eq!(db.get(&mut rtxn, "greeting")?, Some("hello, sealed pages"));
    Ok(())
}
