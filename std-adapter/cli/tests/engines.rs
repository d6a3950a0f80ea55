//! `pageseal info` and `verify` on the files of block and log engines: key
//! rings (keys, audit trail) and sealed logs (every bad record by
//! position, as text and JSON).

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use pageseal::core::{KdfParams, RawKey, Secret, Suite};
use pageseal::{KeyRing, KeyRingOptions, LogOptions, SealedLog};

const KEY_BYTE: u8 = 0x5a;

fn ring_and_log(dir: &Path) -> (Vec<u64>, u64) {
    let key = RawKey::new([KEY_BYTE; 32]);
    let options = KeyRingOptions {
        suite: Suite::Aegis128L,
        kdf: KdfParams::DEFAULT,
        ..KeyRingOptions::default()
    };
    let ring =
        Arc::new(KeyRing::create(&dir.join("ring"), &Secret::RawKey(&key), &options).unwrap());
    let log = SealedLog::create(&dir.join("log"), ring.clone(), LogOptions::default()).unwrap();
    let mut positions: Vec<u64> = (0..3)
        .map(|i| log.append(format!("record number {i}").as_bytes()).unwrap())
        .collect();
    ring.rotate().unwrap();
    positions.extend((3..5).map(|i| log.append(format!("record number {i}").as_bytes()).unwrap()));
    log.sync().unwrap();
    (positions, log.end())
}

#[test]
fn info_shows_a_key_ring_and_its_verified_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    ring_and_log(dir.path());
    let ring = dir.path().join("ring");
    let ring_arg = ring.to_str().unwrap();
    // No key: the header, and how long the trail is.
    let out = run(["info", ring_arg]);
    out.ok();
    assert!(
        out.stdout
            .contains("kind:          key ring (format version 2)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("current key:   2"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("audit trail:   2 records (give the key"),
        "{}",
        out.stdout
    );
    // With the key: every record, verified.
    let out = run_key(&raw_key(KEY_BYTE), ["info", ring_arg]);
    out.ok();
    assert!(
        out.stdout.contains("audit trail:   2 records, verified"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(": key 1 created, keyslot 0"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(": key 2 rotated"), "{}", out.stdout);
    let json = run_key(&raw_key(KEY_BYTE), ["info", ring_arg, "--json"]).json();
    assert_eq!(json["kind"], "key ring");
    assert_eq!(json["audit"][1]["op"], "rotated");
    assert_eq!(json["keys"].as_array().unwrap().len(), 2);
    run_key(&raw_key(KEY_BYTE), ["verify", ring_arg])
        .ok()
        .stdout
        .contains("key ring header and 2 audit records verified")
        .then_some(())
        .unwrap();

    // An edited audit record: verify and info say which.
    let mut bytes = std::fs::read(&ring).unwrap();
    bytes[4096 + 64 + 8] ^= 1;
    std::fs::write(&ring, &bytes).unwrap();
    let message =
        format!("{ring_arg}: audit record 1 failed authentication: the audit trail was altered");
    run_key(&raw_key(KEY_BYTE), ["verify", ring_arg]).fails(EXIT_VERIFY, &[&message]);
    run_key(&raw_key(KEY_BYTE), ["info", ring_arg]).fails(EXIT_VERIFY, &[&message]);
    run_key(&raw_key(1), ["verify", ring_arg]).fails(EXIT_KEY, &["wrong key or passphrase"]);
    // A key ring is not a page file.
    run_key(&raw_key(KEY_BYTE), ["unseal", ring_arg, "/dev/null/x"]).fails(
        EXIT_FORMAT,
        &["this pageseal file is a key ring, not a page file"],
    );
}

#[test]
fn verify_lists_every_bad_record_of_a_sealed_log_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let (positions, end) = ring_and_log(dir.path());
    let ring = dir.path().join("ring");
    let log = dir.path().join("log");
    let (ring_arg, log_arg) = (ring.to_str().unwrap(), log.to_str().unwrap());
    let out = run_key(&raw_key(KEY_BYTE), ["verify", log_arg, "--ring", ring_arg]);
    out.ok();
    assert!(
        out.stdout
            .contains(&format!("{log_arg}: OK, 5 records verified")),
        "{}",
        out.stdout
    );
    let json = run_key(
        &raw_key(KEY_BYTE),
        ["info", log_arg, "--ring", ring_arg, "--json"],
    )
    .json();
    assert_eq!(json["records"], 5);
    assert_eq!(json["end"], end);
    assert_eq!(json["key_ids"], serde_json::json!([1, 2]));
    // Without a ring: what the prologue says, and how to check more.
    let out = run(["info", log_arg]);
    out.ok();
    assert!(
        out.stdout.contains("kind:          sealed log"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("give --ring PATH"), "{}", out.stdout);
    run_key(&raw_key(KEY_BYTE), ["verify", log_arg]).fails(
        EXIT_USAGE,
        &["a sealed log is verified with its key ring: give --ring PATH"],
    );

    // Records 1 and 3 damaged.
    let mut bytes = std::fs::read(&log).unwrap();
    bytes[positions[1] as usize + 8] ^= 0x01;
    bytes[positions[3] as usize + 10] ^= 0x80;
    std::fs::write(&log, &bytes).unwrap();
    let out = run_key(&raw_key(KEY_BYTE), ["verify", log_arg, "--ring", ring_arg]);
    out.expect_code(EXIT_VERIFY);
    for p in [positions[1], positions[3]] {
        assert!(
            out.stdout.contains(&format!(
                "{log_arg}: record at position {p}: failed authentication: it was altered, moved or replayed"
            )),
            "{}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains("FAILED, 2 of 5 records bad"),
        "{}",
        out.stdout
    );
    let out = run_key(
        &raw_key(KEY_BYTE),
        ["verify", log_arg, "--ring", ring_arg, "--json"],
    );
    out.expect_code(EXIT_VERIFY);
    let json = out.json();
    assert_eq!(json["ok"], false);
    let bad: Vec<u64> = json["bad_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["position"].as_u64().unwrap())
        .collect();
    assert_eq!(bad, [positions[1], positions[3]]);
}

#[test]
fn keyslot_commands_change_a_key_ring_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    ring_and_log(dir.path());
    let ring = dir.path().join("ring");
    let ring_arg = ring.to_str().unwrap();
    let mut cmd = pageseal();
    cmd.args([
        "rekey",
        ring_arg,
        "--key-env",
        KEY_VAR,
        "--new-key-env",
        NEW_KEY_VAR,
    ])
    .env(KEY_VAR, raw_key(KEY_BYTE))
    .env(NEW_KEY_VAR, raw_key(0x77));
    run_cmd(&mut cmd).ok();
    let mut cmd = pageseal();
    cmd.args([
        "keyslot",
        "add",
        ring_arg,
        "--key-env",
        KEY_VAR,
        "--new-key-env",
        NEW_KEY_VAR,
    ])
    .args(FAST_KDF)
    .env(KEY_VAR, raw_key(0x77))
    .env(NEW_KEY_VAR, "a recovery passphrase");
    run_cmd(&mut cmd).ok();
    run_key(
        &raw_key(0x77),
        ["keyslot", "remove", ring_arg, "--slot", "1"],
    )
    .ok();
    run_key(&raw_key(KEY_BYTE), ["info", ring_arg]).fails(EXIT_KEY, &["wrong key or passphrase"]);
    let json = run_key(&raw_key(0x77), ["info", ring_arg, "--json"]).json();
    let ops: Vec<&str> = json["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["op"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        [
            "created",
            "rotated",
            "keyslot secret replaced",
            "keyslot added",
            "keyslot removed"
        ]
    );
}
