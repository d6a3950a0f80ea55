//! Crash tests: `PAGESEAL_TEST_CRASH_AT=N` aborts the binary just before
//! its N-th durable step (write, flush, rename; see `src/storage.rs`). For
//! `seal`, `unseal`, `rekey` and `rotate`, every N from 1 up to the first
//! one the command no longer reaches is tried, and the file left behind must
//! open in its old or its new state with the right data.
//!
//! An abort skips destructors, so the temporary file of `seal`, `unseal`
//! and `rotate` (`.NAME.pageseal-PID.tmp`, next to the target) is left
//! behind when the crash comes before the rename. The target itself is
//! never partial. The next run for the same target removes temporary files
//! whose process is gone (an unseal's may hold plaintext); the tests check
//! that at most the latest crash's file is ever present, that it is private
//! (mode 0600), and that it never stops a retry.

mod common;

use std::path::Path;

use common::*;

const SIGABRT: i32 = 6;
/// More steps than any command here takes: the loop must end before this.
const MAX_STEPS: u64 = 200;

/// Runs `cmd` with the crash hook at `n`; returns true when the command
/// completed (it has fewer than `n` steps), false when it aborted.
#[track_caller]
fn run_crashing(cmd: &mut std::process::Command, n: u64) -> bool {
    let r = run_cmd(cmd.env("PAGESEAL_TEST_CRASH_AT", n.to_string()));
    match (r.code, r.signal) {
        (Some(0), _) => true,
        (None, Some(SIGABRT)) => false,
        _ => panic!("crash point {n}: neither success nor abort: {r:?}"),
    }
}

fn unseal_with(key: Option<&str>, file: &Path, out: &Path) -> Run {
    let args = ["unseal".as_ref(), file.as_os_str(), out.as_os_str()];
    match key {
        Some(key) => run_key(key, args),
        None => run(args),
    }
}

#[cfg(unix)]
fn assert_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
}

#[cfg(not(unix))]
fn assert_private(_: &Path) {}

/// Removes leftover temp files, returning how many there were.
fn clean_temps(dir: &Path) -> usize {
    let temps = temp_files(dir);
    for t in &temps {
        assert_private(&dir.join(t));
        std::fs::remove_file(dir.join(t)).unwrap();
    }
    temps.len()
}

fn crash_seal(cipher: &str) {
    let dir = scratch();
    let key = raw_key(0xc1);
    // Five 512-byte pages, the last one partial.
    let plain = data(4 * 480 + 100, 31);
    let plain_path = write(dir.path(), "plain", &plain);
    let out = p(dir.path(), "sealed");
    let check = p(dir.path(), "check");
    let (mut aborted, mut complete_after_abort, mut leftovers) = (0, 0, 0);
    let mut n = 1;
    loop {
        assert!(n < MAX_STEPS, "seal never completed");
        let mut cmd = pageseal();
        cmd.args(["seal".as_ref(), plain_path.as_os_str(), out.as_os_str()])
            .args(["--cipher", cipher, "--page-size", "512", "--threads", "2"]);
        if cipher != "checksum" {
            cmd.args(["--key-env", KEY_VAR]).env(KEY_VAR, &key);
        }
        let done = run_crashing(&mut cmd, n);
        let left = temp_files(dir.path());
        // Earlier crashes' files were cleaned up by this run.
        assert!(
            left.len() <= 1,
            "crash point {n}: stale temp files kept: {left:?}"
        );
        let new_temps = left.len();
        if !done {
            aborted += 1;
            leftovers += new_temps;
            // Never a partial target: absent, or whole and right.
            if out.exists() {
                complete_after_abort += 1;
                let key = (cipher != "checksum").then_some(key.as_str());
                unseal_with(key, &out, &check).ok();
                assert!(
                    std::fs::read(&check).unwrap() == plain,
                    "crash point {n}: sealed file has wrong data"
                );
                std::fs::remove_file(&check).unwrap();
                // After the rename nothing new is left over.
                assert_eq!(new_temps, 0, "crash point {n}: {left:?}");
            } else {
                assert!(new_temps <= 1, "crash point {n}: {left:?}");
            }
        }
        if done {
            let key = (cipher != "checksum").then_some(key.as_str());
            unseal_with(key, &out, &check).ok();
            assert!(std::fs::read(&check).unwrap() == plain);
            break;
        }
        if out.exists() {
            std::fs::remove_file(&out).unwrap();
        }
        // Leftover temp files stay: a retry must not trip over them.
        n += 1;
    }
    let removed = clean_temps(dir.path());
    println!(
        "seal ({cipher}): {} durable steps; {aborted} aborts; target complete after \
         {complete_after_abort} of them (crash after the rename); {leftovers} temp files \
         left behind by aborts ({removed} at the end)",
        n - 1
    );
    // Header area + 4 header writes/flushes + 5 pages + sync + commit: the
    // hook must have stopped the command at each of them.
    assert!(
        n > 15, // at least 15 steps
        "only {} steps: is the crash hook working?",
        n - 1
    );
    assert!(complete_after_abort >= 1, "no crash point after the rename");
    // The successful run removed the last crash's file and renamed its own.
    assert_eq!(removed, 0);
    // Every abort before the rename left its own temp file (no cleanup on
    // abort itself); the next run removed it.
    assert_eq!(leftovers, aborted - complete_after_abort);
}

#[test]
fn crash_during_seal() {
    crash_seal("aegis-128l");
}

#[test]
fn crash_during_seal_checksum() {
    crash_seal("checksum");
}

#[test]
fn crash_during_unseal() {
    let dir = scratch();
    let key = raw_key(0xc2);
    let plain = data(6000, 32);
    let plain_path = write(dir.path(), "plain", &plain);
    let sealed = p(dir.path(), "sealed");
    seal(&key, &plain_path, &sealed, "aes-256-gcm", 1024);
    let out = p(dir.path(), "out");
    let mut n = 1;
    let mut aborted = 0;
    loop {
        assert!(n < MAX_STEPS, "unseal never completed");
        let mut cmd = pageseal();
        cmd.args(["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()])
            .args(["--key-env", KEY_VAR])
            .env(KEY_VAR, &key);
        let done = run_crashing(&mut cmd, n);
        if out.exists() {
            assert!(
                std::fs::read(&out).unwrap() == plain,
                "crash point {n}: partial plaintext output"
            );
            std::fs::remove_file(&out).unwrap();
        }
        if done {
            break;
        }
        aborted += 1;
        n += 1;
    }
    // Plaintext temp files left by aborts are private to the owner.
    let left = clean_temps(dir.path());
    println!(
        "unseal: {} durable steps, {aborted} aborts, {left} plaintext temp files left (mode 0600)",
        n - 1
    );
    assert!(
        n > 7, // at least 7 steps
        "only {} steps: is the crash hook working?",
        n - 1
    );
}

/// Rekey from `old` to `new`: after a crash at any step the file opens
/// with one of them (old before the header switch, new after) and holds
/// the same data; a retried rekey then succeeds.
fn crash_rekey(old: &str, new: &str, kdf: &[&str]) {
    let dir = scratch();
    let plain = data(5 * 480, 33);
    let plain_path = write(dir.path(), "plain", &plain);
    let pristine = p(dir.path(), "pristine");
    let mut args = vec![
        std::ffi::OsStr::new("seal"),
        plain_path.as_os_str(),
        pristine.as_os_str(),
        "--page-size".as_ref(),
        "512".as_ref(),
        "--cipher".as_ref(),
        "aegis-256".as_ref(),
    ];
    args.extend(FAST_KDF.iter().map(std::ffi::OsStr::new));
    run_key(old, args).ok();
    let pristine_pages = page_bytes(&pristine, 512);
    let file = p(dir.path(), "file");
    let out = p(dir.path(), "out");
    let rekey = |n: Option<u64>| {
        let mut cmd = pageseal();
        cmd.args(["rekey".as_ref(), file.as_os_str()])
            .args(["--key-env", KEY_VAR, "--new-key-env", NEW_KEY_VAR])
            .args(kdf)
            .env(KEY_VAR, old)
            .env(NEW_KEY_VAR, new);
        match n {
            Some(n) => run_crashing(&mut cmd, n),
            None => {
                run_cmd(&mut cmd).ok();
                true
            }
        }
    };
    let mut history = Vec::new();
    let mut n = 1;
    loop {
        assert!(n < MAX_STEPS, "rekey never completed");
        std::fs::copy(&pristine, &file).unwrap();
        let done = rekey(Some(n));
        let with_old = unseal_with(Some(old), &file, &out);
        let opened_by = if with_old.code == Some(0) {
            "old"
        } else {
            with_old.fails(EXIT_KEY, &["wrong key"]);
            unseal_with(Some(new), &file, &out).ok();
            "new"
        };
        assert!(
            std::fs::read(&out).unwrap() == plain,
            "crash point {n}: wrong data"
        );
        std::fs::remove_file(&out).unwrap();
        assert_eq!(
            page_bytes(&file, 512),
            pristine_pages,
            "crash point {n}: rekey touched pages"
        );
        if done {
            assert_eq!(opened_by, "new", "a completed rekey switches the key");
            break;
        }
        // Recovery: a fresh rekey from whichever key opens the file works.
        if opened_by == "old" {
            rekey(None);
            unseal_with(Some(new), &file, &out).ok();
            std::fs::remove_file(&out).unwrap();
        }
        history.push(opened_by);
        n += 1;
    }
    println!(
        "rekey: {} durable steps; after a crash at step 1..: {history:?}",
        n - 1
    );
    assert!(
        n > 4, // at least copy A, flush, copy B, flush
        "only {} steps: is the crash hook working?",
        n - 1
    );
    // Old until the first header copy is rewritten, new from then on.
    let switch = history
        .iter()
        .position(|&h| h == "new")
        .unwrap_or(history.len());
    assert!(
        history[switch..].iter().all(|&h| h == "new"),
        "the key went back to the old one: {history:?}"
    );
    assert!(switch >= 1, "a crash before any write kept the old key");
    assert!(temp_files(dir.path()).is_empty(), "rekey works in place");
}

#[test]
fn crash_during_rekey_raw_keys() {
    crash_rekey(&raw_key(0xc3), &raw_key(0xc4), &[]);
}

#[test]
fn crash_during_rekey_passphrase_to_raw_key() {
    crash_rekey("old passphrase", &raw_key(0xc5), &[]);
}

#[test]
fn crash_during_rekey_raw_key_to_passphrase() {
    crash_rekey(&raw_key(0xc6), "new passphrase", &FAST_KDF);
}

#[test]
fn crash_during_rotate() {
    let dir = scratch();
    let key = raw_key(0xc7);
    let plain = data(5 * 480 - 7, 34);
    let plain_path = write(dir.path(), "plain", &plain);
    let pristine = p(dir.path(), "pristine");
    seal(&key, &plain_path, &pristine, "aes-128-gcm", 512);
    let file = p(dir.path(), "file");
    let out = p(dir.path(), "out");
    let mut epochs = Vec::new();
    let mut n = 1;
    let mut leftovers = 0;
    loop {
        assert!(n < MAX_STEPS, "rotate never completed");
        std::fs::copy(&pristine, &file).unwrap();
        let mut cmd = pageseal();
        cmd.args(["rotate".as_ref(), file.as_os_str()])
            .args(["--key-env", KEY_VAR, "--threads", "2"])
            .env(KEY_VAR, &key);
        let done = run_crashing(&mut cmd, n);
        unseal_with(Some(&key), &file, &out).ok();
        assert!(
            std::fs::read(&out).unwrap() == plain,
            "crash point {n}: wrong data"
        );
        std::fs::remove_file(&out).unwrap();
        let j = info(&file);
        // Wholly old (the old file id) or wholly new (a new file id, with
        // one epoch of a new file key).
        let old = j["file_id"] == info(&pristine)["file_id"];
        assert_eq!(
            j["epochs"].as_array().unwrap().len(),
            1,
            "crash point {n}: {j:#}"
        );
        if old {
            assert!(
                std::fs::read(&file).unwrap() == std::fs::read(&pristine).unwrap(),
                "crash point {n}: the old file was modified in place"
            );
        }
        let epoch = if old { 1 } else { 2 };
        if done {
            assert_eq!(epoch, 2);
            break;
        }
        epochs.push(epoch);
        leftovers += clean_temps(dir.path());
        n += 1;
    }
    println!(
        "rotate: {} durable steps; old (1) or new (2) file after a crash at step 1..: {epochs:?}; \
         {leftovers} temp files left behind by aborts",
        n - 1
    );
    assert!(
        n > 12, // at least 12 steps
        "only {} steps: is the crash hook working?",
        n - 1
    );
    assert!(epochs.contains(&1) && epochs.contains(&2), "{epochs:?}");
    let switch = epochs.iter().position(|&e| e == 2).unwrap();
    assert!(epochs[switch..].iter().all(|&e| e == 2), "{epochs:?}");
}
