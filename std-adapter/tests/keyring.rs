//! Key rings: blocks sealed under key ids that survive rotation, rotation
//! by seal count and by age, retiring unused key ids, keyslot changes, and
//! an audit trail that detects any edit.

use std::path::Path;
use std::time::Duration;

use pageseal::core::{Contents, KdfParams, RawKey, Secret, Suite};
use pageseal::{AuditOp, Codec, CreateOptions, KeyRing, KeyRingOptions, PageFile, Tuning};

const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};
const TABLE: [u8; 16] = [7; 16];

fn options() -> KeyRingOptions {
    KeyRingOptions {
        suite: Suite::Aegis128L,
        kdf: FAST_KDF,
        ..KeyRingOptions::default()
    }
}

fn seal(ring: &KeyRing, id: u64, text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    ring.seal_block(&TABLE, id, Codec::Lz4, text, &mut out)
        .unwrap();
    out
}

fn open(ring: &KeyRing, id: u64, sealed: &[u8]) -> pageseal::Result<Vec<u8>> {
    let mut copy = sealed.to_vec();
    let mut out = Vec::new();
    ring.open_block(&TABLE, id, &mut copy, 1 << 20, &mut out)?;
    Ok(out)
}

fn ops(ring: &KeyRing) -> Vec<(AuditOp, u32)> {
    ring.audit()
        .unwrap()
        .into_iter()
        .map(|r| (r.op, r.key_id))
        .collect()
}

#[test]
fn blocks_keep_their_key_id_across_rotation_until_it_is_retired() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring");
    let key = RawKey::new([3; 32]);
    let secret = Secret::RawKey(&key);
    let ring = KeyRing::create(&path, &secret, &options()).unwrap();
    assert_eq!(ring.current_key_id(), 1);
    let old = seal(&ring, 0, b"block sealed under key 1");
    assert_eq!(ring.key_id_of(&old).unwrap(), 1);
    assert_eq!(ring.rotate().unwrap(), 2);
    let new = seal(&ring, 1, b"block sealed under key 2");
    assert_eq!(ring.key_id_of(&new).unwrap(), 2);
    drop(ring);

    let ring = KeyRing::open(&path, &secret, &options()).unwrap();
    assert_eq!(open(&ring, 0, &old).unwrap(), b"block sealed under key 1");
    assert_eq!(open(&ring, 1, &new).unwrap(), b"block sealed under key 2");
    // A block does not open under another block id or stream.
    let err = open(&ring, 1, &old).unwrap_err().to_string();
    assert!(err.contains("block 1"), "{err}");

    // Key 1 is in use: it stays. Once the engine says no block uses it,
    // it goes, and blocks under it no longer open.
    assert_eq!(ring.retire_unused(|id| id == 1).unwrap(), Vec::<u32>::new());
    assert_eq!(ring.retire_unused(|_| false).unwrap(), vec![1]);
    let err = open(&ring, 0, &old).unwrap_err().to_string();
    assert!(err.contains("epoch 1"), "{err}");
    assert_eq!(open(&ring, 1, &new).unwrap(), b"block sealed under key 2");
    assert_eq!(
        ops(&ring),
        vec![
            (AuditOp::Create, 1),
            (AuditOp::Rotate, 2),
            (AuditOp::Retire, 1)
        ]
    );
    let keys = ring.keys();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].current && keys[0].id == 2);
    assert!(keys[0].created.is_some(), "key rings stamp creation times");
    assert_eq!(ring.header().version(), 2);
}

#[test]
fn rotation_by_seal_count_is_recorded_in_the_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring");
    let key = RawKey::new([4; 32]);
    let secret = Secret::RawKey(&key);
    let mut opts = options();
    opts.tuning.seal_limit = Some(3);
    let ring = KeyRing::create(&path, &secret, &opts).unwrap();
    let sealed: Vec<Vec<u8>> = (0..10).map(|i| seal(&ring, i, b"x")).collect();
    let ids: Vec<u32> = sealed.iter().map(|b| ring.key_id_of(b).unwrap()).collect();
    assert_eq!(ids, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4]);
    let log = ops(&ring);
    assert_eq!(log[0], (AuditOp::Create, 1));
    assert_eq!(
        &log[1..],
        &[
            (AuditOp::RotateSealLimit, 2),
            (AuditOp::RotateSealLimit, 3),
            (AuditOp::RotateSealLimit, 4)
        ]
    );
    for (i, b) in sealed.iter().enumerate() {
        assert_eq!(open(&ring, i as u64, b).unwrap(), b"x");
    }
}

#[test]
fn rotation_by_age_follows_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring");
    let key = RawKey::new([5; 32]);
    let secret = Secret::RawKey(&key);
    // A day: nothing is due.
    let mut opts = options();
    opts.rotation_interval = Some(Duration::from_secs(86_400));
    let ring = KeyRing::create(&path, &secret, &opts).unwrap();
    seal(&ring, 0, b"a");
    assert_eq!(ring.rotate_if_due().unwrap(), None);
    assert_eq!(ring.current_key_id(), 1);
    drop(ring);
    // Zero: the current key is always due, so every seal starts a new one.
    opts.rotation_interval = Some(Duration::ZERO);
    let ring = KeyRing::open(&path, &secret, &opts).unwrap();
    let ids: Vec<u32> = (0..3)
        .map(|i| ring.key_id_of(&seal(&ring, i, b"b")).unwrap())
        .collect();
    assert_eq!(ids, [2, 3, 4]);
    assert_eq!(
        ops(&ring)[1..],
        [
            (AuditOp::RotateAge, 2),
            (AuditOp::RotateAge, 3),
            (AuditOp::RotateAge, 4)
        ]
    );
}

#[test]
fn keyslot_changes_are_audited_and_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring");
    let key = RawKey::new([6; 32]);
    let recovery = RawKey::new([8; 32]);
    let ring = KeyRing::create(&path, &Secret::RawKey(&key), &options()).unwrap();
    assert_eq!(
        ring.add_keyslot(&Secret::Passphrase(b"recovery")).unwrap(),
        1
    );
    assert_eq!(ring.rekey(&Secret::RawKey(&recovery)).unwrap(), 0);
    ring.remove_keyslot(1).unwrap();
    let audit = ring.audit().unwrap();
    let got: Vec<(AuditOp, Option<u8>)> = audit.iter().map(|r| (r.op, r.keyslot)).collect();
    assert_eq!(
        got,
        [
            (AuditOp::Create, Some(0)),
            (AuditOp::KeyslotAdd, Some(1)),
            (AuditOp::KeyslotSet, Some(0)),
            (AuditOp::KeyslotRemove, Some(1)),
        ]
    );
    drop(ring);
    let err = KeyRing::open(&path, &Secret::RawKey(&key), &options())
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!("{}: wrong key or passphrase", path.display())
    );
    KeyRing::open(&path, &Secret::RawKey(&recovery), &options()).unwrap();
}

#[test]
fn an_edited_audit_trail_is_caught_with_the_record_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring");
    let key = RawKey::new([9; 32]);
    let secret = Secret::RawKey(&key);
    let ring = KeyRing::create(&path, &secret, &options()).unwrap();
    ring.rotate().unwrap();
    ring.rotate().unwrap();
    drop(ring);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 4096 + 3 * 64);
    // Changing the operation or time of record 1 (its MAC then fails).
    for at in [4096 + 64 + 8, 4096 + 64, 4096 + 64 + 40] {
        let mut edited = bytes.clone();
        edited[at] ^= 1;
        std::fs::write(&path, &edited).unwrap();
        let ring = KeyRing::open_read_only(&path, &secret, Default::default()).unwrap();
        let err = ring.audit().unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: audit record 1 failed authentication: the audit trail was altered",
                path.display()
            )
        );
    }
    // Swapping records 1 and 2 breaks the chain at record 1.
    let mut swapped = bytes.clone();
    let (one, two) = swapped[4096 + 64..].split_at_mut(64);
    one.swap_with_slice(&mut two[..64]);
    std::fs::write(&path, &swapped).unwrap();
    let ring = KeyRing::open_read_only(&path, &secret, Default::default()).unwrap();
    assert!(
        ring.audit()
            .unwrap_err()
            .to_string()
            .contains("audit record 1")
    );
    // Cutting the last record off: the header still counts it.
    std::fs::write(&path, &bytes[..4096 + 128]).unwrap();
    let ring = KeyRing::open_read_only(&path, &secret, Default::default()).unwrap();
    assert_eq!(
        ring.audit().unwrap_err().to_string(),
        format!(
            "{}: audit record 2 is missing: the audit trail was truncated",
            path.display()
        )
    );
    // Restored, it verifies.
    std::fs::write(&path, &bytes).unwrap();
    let ring = KeyRing::open_read_only(&path, &secret, Default::default()).unwrap();
    assert_eq!(ring.audit().unwrap().len(), 3);
}

#[test]
fn key_rings_and_page_files_refuse_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let ring_path = dir.path().join("ring");
    let page_path = dir.path().join("pages");
    let key = RawKey::new([1; 32]);
    let secret = Secret::RawKey(&key);
    drop(KeyRing::create(&ring_path, &secret, &options()).unwrap());
    let create = CreateOptions {
        suite: Suite::Aegis128L,
        page_size: 4096,
        kdf: FAST_KDF,
    };
    let file = PageFile::create(&page_path, &create, Some(&secret), Tuning::default()).unwrap();
    assert_eq!(file.header().version(), 1, "page files stay at version 1");
    assert_eq!(file.header().contents(), Contents::Pages);
    drop(file);
    let err = PageFile::open(&ring_path, Some(&secret), false, Tuning::default())
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: this pageseal file is a key ring, not a page file",
            ring_path.display()
        )
    );
    let err = KeyRing::open(&page_path, &secret, &options())
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: this pageseal file is a page file, not a key ring",
            page_path.display()
        )
    );
}

#[test]
fn a_second_user_of_a_ring_is_refused_and_read_only_users_cannot_change_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring");
    let key = RawKey::new([2; 32]);
    let secret = Secret::RawKey(&key);
    let ring = KeyRing::create(&path, &secret, &options()).unwrap();
    let err = KeyRing::open(&path, &secret, &options()).err().unwrap();
    assert!(matches!(err, pageseal::Error::InUse { .. }), "{err}");
    let reader = KeyRing::open_read_only(&path, &secret, Default::default()).unwrap();
    let sealed = seal(&ring, 5, b"shared");
    assert_eq!(open(&reader, 5, &sealed).unwrap(), b"shared");
    assert!(reader.rotate().is_err());
    assert!(
        KeyRing::create(Path::new(&path), &secret, &options()).is_err(),
        "create never overwrites"
    );
}

#[test]
fn a_full_epoch_table_stops_sealing_until_unused_keys_retire() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring");
    let key = RawKey::new([12; 32]);
    let mut opts = options();
    opts.tuning.seal_limit = Some(1);
    let ring = KeyRing::create(&path, &Secret::RawKey(&key), &opts).unwrap();
    // One seal per key id: 16 key ids fill the table.
    for i in 0..16 {
        seal(&ring, i, b"x");
    }
    let mut out = Vec::new();
    let err = ring
        .seal_block(&TABLE, 99, Codec::Raw, b"y", &mut out)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the key epoch table is full") && err.contains("retire_unused"),
        "{err}"
    );
    // Nothing was dropped behind the engine's back: every key id is live.
    assert_eq!(ring.keys().len(), 16);
    assert_eq!(ring.retire_unused(|_| false).unwrap().len(), 15);
    seal(&ring, 100, b"z");
}
