//! The attacks of the hardening review, each with its exact error and exit
//! code: rotation that revokes a leaked secret, no silent downgrade to a
//! keyless file, bounded key derivation, writer locks, rotation through
//! links, temporary files on interruption, the other header copy when one
//! keyslot is damaged, hostile inputs, keyslot commands and `keygen`.

#![cfg(unix)]

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use common::*;
use pageseal::core::kdf::sha256;

const PAGE: usize = 512;

/// A sealed 512-byte-page file of `len` bytes under `key`.
fn sealed(dir: &Path, name: &str, key: &str, len: usize) -> std::path::PathBuf {
    let plain = write(dir, &format!("{name}.plain"), &data(len, len as u64));
    let out = p(dir, name);
    seal(key, &plain, &out, "aegis-128l", PAGE);
    out
}

/// Rewrites `edit`ed header copies with their digests recomputed (as an
/// attacker who knows the format would).
fn edit_header(path: &Path, copies: &[usize], edit: impl Fn(&mut [u8])) {
    let mut bytes = std::fs::read(path).unwrap();
    for &copy in copies {
        let c = &mut bytes[copy * 2048..copy * 2048 + 2048];
        edit(c);
        let digest = sha256(&c[..2016]);
        c[2016..].copy_from_slice(&digest);
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn rotate_revokes_the_old_secret_even_with_an_old_header() {
    let dir = scratch();
    let (old, new) = (raw_key(0x01), raw_key(0x02));
    let file = sealed(dir.path(), "f", &old, 5000);
    let old_header = std::fs::read(&file).unwrap()[..4096].to_vec();
    run_cmd(
        pageseal()
            .args(["rekey".as_ref(), file.as_os_str()])
            .args(["--key-env", "OLD", "--new-key-env", "NEW"])
            .env("OLD", &old)
            .env("NEW", &new),
    )
    .ok();
    // A recovery key that is not given to rotate is dropped and named.
    run_cmd(
        pageseal()
            .args(["keyslot", "add"])
            .arg(&file)
            .args(["--key-env", "NEW", "--new-key-env", "REC"])
            .env("NEW", &new)
            .env("REC", raw_key(0x03)),
    )
    .ok();
    let r = run_key(&new, ["rotate".as_ref(), file.as_os_str()]);
    r.ok();
    assert!(r.stdout.contains("dropped keyslots 1"), "{}", r.stdout);
    run_key(&raw_key(0x03), ["verify".as_ref(), file.as_os_str()])
        .fails(EXIT_KEY, &["wrong key or passphrase"]);
    // The leaked old secret with the old header opens nothing of the
    // rotated file: its file key unwraps, but no page authenticates.
    let mut spliced = std::fs::read(&file).unwrap();
    spliced[..4096].copy_from_slice(&old_header);
    let spliced_path = write(dir.path(), "spliced", &spliced);
    let r = run_key(
        &old,
        [
            "verify".as_ref(),
            spliced_path.as_os_str(),
            "--json".as_ref(),
        ],
    );
    r.expect_code(EXIT_VERIFY);
    let report = r.json();
    let pages = report["pages"].as_u64().unwrap();
    assert!(pages >= 10);
    assert_eq!(
        report["bad_pages"].as_array().unwrap().len() as u64,
        pages,
        "{report:#}"
    );
    let out = p(dir.path(), "out");
    run_key(
        &old,
        ["unseal".as_ref(), spliced_path.as_os_str(), out.as_os_str()],
    )
    .fails(EXIT_VERIFY, &["page 0 failed authentication"]);
    assert!(!out.exists());
}

#[test]
fn a_checksum_only_file_is_refused_when_a_key_is_at_hand() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(3000, 5));
    let sums = p(dir.path(), "sums");
    seal("", &plain, &sums, "checksum", PAGE);
    let expect = format!(
        "pageseal: {}: the file is checksum-only: it has no key, do not give one \
         (pass --checksum-only to accept a checksum-only file)",
        sums.display()
    );
    // The key in PAGESEAL_KEY: refused, exit 3.
    run_cmd(
        pageseal()
            .args(["verify".as_ref(), sums.as_os_str()])
            .env("PAGESEAL_KEY", raw_key(9)),
    )
    .fails(EXIT_KEY, &[&expect]);
    let out = p(dir.path(), "out");
    run_cmd(
        pageseal()
            .args(["unseal".as_ref(), sums.as_os_str(), out.as_os_str()])
            .env("PAGESEAL_KEY", raw_key(9)),
    )
    .fails(EXIT_KEY, &[&expect]);
    assert!(!out.exists());
    // Said explicitly: accepted, with or without a key at hand.
    run_cmd(
        pageseal()
            .args([
                "verify".as_ref(),
                sums.as_os_str(),
                "--checksum-only".as_ref(),
            ])
            .env("PAGESEAL_KEY", raw_key(9)),
    )
    .ok();
    // No key by any route: nothing could be downgraded, accepted.
    run(["verify".as_ref(), sums.as_os_str()]).ok();
    // --checksum-only on an encrypted file: the key is still required.
    let enc = sealed(dir.path(), "enc", &raw_key(7), 1000);
    run([
        "verify".as_ref(),
        enc.as_os_str(),
        "--checksum-only".as_ref(),
    ])
    .fails(EXIT_KEY, &["the file is encrypted and no key was given"]);
}

#[test]
fn key_derivation_cost_from_the_header_is_capped() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(1000, 8));
    let file = p(dir.path(), "f");
    run_key(
        "a passphrase",
        [
            "seal".as_ref(),
            plain.as_os_str(),
            file.as_os_str(),
            "--page-size".as_ref(),
            "512".as_ref(),
        ]
        .into_iter()
        .chain(FAST_KDF.iter().map(|s| s.as_ref())),
    )
    .ok();
    // 4 GiB of memory (keyslot 0's memory field, offset 64 + 4).
    let huge = dir.path().join("huge");
    std::fs::copy(&file, &huge).unwrap();
    edit_header(&huge, &[0, 1], |c| {
        c[68..72].copy_from_slice(&(4u32 << 20).to_le_bytes())
    });
    let start = std::time::Instant::now();
    run_key("a passphrase", ["verify".as_ref(), huge.as_os_str()]).fails(
        EXIT_KEY,
        &[
            "the keyslot asks for Argon2id with 4194304 KiB and 1 passes, above this reader's \
           limits (1048576 KiB, 16 passes); raise the limits only for a file you trust",
        ],
    );
    assert!(
        start.elapsed().as_secs() < 10,
        "no derivation was attempted"
    );
    // 65536 passes (offset 64 + 8).
    let slow = dir.path().join("slow");
    std::fs::copy(&file, &slow).unwrap();
    edit_header(&slow, &[0, 1], |c| {
        c[72..76].copy_from_slice(&65536u32.to_le_bytes())
    });
    run_key("a passphrase", ["verify".as_ref(), slow.as_os_str()])
        .fails(EXIT_KEY, &["65536 passes, above this reader's limits"]);
    // Raised explicitly, a slot of 20 passes is tried (and its edited
    // parameters, which its wrap authenticates, make it refuse the key).
    let edited = dir.path().join("edited");
    std::fs::copy(&file, &edited).unwrap();
    edit_header(&edited, &[0, 1], |c| {
        c[72..76].copy_from_slice(&20u32.to_le_bytes())
    });
    run_key("a passphrase", ["verify".as_ref(), edited.as_os_str()]).fails(
        EXIT_KEY,
        &["20 passes, above this reader's limits (1048576 KiB, 16 passes)"],
    );
    run_key(
        "a passphrase",
        [
            "verify".as_ref(),
            edited.as_os_str(),
            "--kdf-max-iterations".as_ref(),
            "20".as_ref(),
        ],
    )
    .fails(EXIT_KEY, &["wrong key or passphrase"]);
}

#[test]
fn a_second_writer_is_refused_while_a_library_writer_holds_the_file() {
    let dir = scratch();
    let key = raw_key(0x21);
    let file = sealed(dir.path(), "f", &key, 2000);
    let k = pageseal::core::RawKey::new([0x21; 32]);
    let writer = pageseal::PageFile::open(
        &file,
        Some(&pageseal::core::Secret::RawKey(&k)),
        true,
        pageseal::Tuning::default(),
    )
    .unwrap();
    let busy = format!(
        "pageseal: {}: in use by another process (it has the file open for writing)",
        file.display()
    );
    run_cmd(
        pageseal()
            .args(["rekey".as_ref(), file.as_os_str()])
            .args(["--key-env", "K", "--new-key-env", "N"])
            .env("K", &key)
            .env("N", raw_key(0x22)),
    )
    .fails(EXIT_IO, &[&busy]);
    run_key(&key, ["rotate".as_ref(), file.as_os_str()]).fails(EXIT_IO, &[&busy]);
    // Readers are not blocked.
    run_key(&key, ["verify".as_ref(), file.as_os_str()]).ok();
    drop(writer);
    run_key(&key, ["rotate".as_ref(), file.as_os_str()]).ok();
}

#[test]
fn rotate_follows_symlinks_refuses_hard_links_and_keeps_owner_and_mode() {
    let dir = scratch();
    let key = raw_key(0x31);
    let real = sealed(dir.path(), "real", &key, 2000);
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let owned = std::os::unix::fs::chown(&real, Some(4321), Some(4322)).is_ok();
    let link = p(dir.path(), "link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let id_before = info(&real)["file_id"].clone();
    run_key(&key, ["rotate".as_ref(), link.as_os_str()]).ok();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_ne!(
        info(&real)["file_id"],
        id_before,
        "the real file was rotated"
    );
    let meta = std::fs::metadata(&real).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    if owned {
        assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
    }
    let hard = p(dir.path(), "hard");
    std::fs::hard_link(&real, &hard).unwrap();
    run_key(&key, ["rotate".as_ref(), hard.as_os_str()]).fails(
        EXIT_IO,
        &["the file has 2 hard links; replacing it would leave the others on the old key"],
    );
}

#[test]
fn interrupted_unseal_leaves_no_plaintext_and_temp_names_are_unpredictable() {
    let dir = scratch();
    let key = raw_key(0x41);
    let plain = write(dir.path(), "plain", &data(48 << 20, 1));
    let file = p(dir.path(), "f");
    seal(&key, &plain, &file, "aes-256-gcm", 65536);
    std::fs::remove_file(&plain).unwrap();
    let mut interrupted = 0;
    for signal in ["-INT", "-TERM", "-HUP"] {
        let out = p(dir.path(), "out");
        let mut child = pageseal()
            .args(["unseal".as_ref(), file.as_os_str(), out.as_os_str()])
            .args(["--key-env", KEY_VAR, "--threads", "1"])
            .env(KEY_VAR, &key)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let temp = loop {
            if let Some(t) = temp_files(dir.path()).pop() {
                break Some(t);
            }
            if started.elapsed().as_secs() > 20 || child.try_wait().unwrap().is_some() {
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        };
        let status = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out_status = child.wait_with_output().unwrap();
        let Some(temp) = temp else {
            // The run finished before the temporary file was seen: nothing
            // to interrupt on this machine.
            continue;
        };
        // `.out.pageseal-PID-<16 hex>.tmp`: not guessable from the PID.
        let random = temp.trim_end_matches(".tmp").rsplit('-').next().unwrap();
        assert_eq!(random.len(), 16, "{temp}");
        assert!(random.chars().all(|c| c.is_ascii_hexdigit()), "{temp}");
        if out_status.status.success() {
            continue; // finished just before the signal
        }
        assert_eq!(
            temp_files(dir.path()),
            Vec::<String>::new(),
            "{signal}: temp left behind"
        );
        assert!(!out.exists());
        let stderr = String::from_utf8_lossy(&out_status.stderr);
        assert!(
            stderr.contains("temporary files removed"),
            "{signal}: {stderr}"
        );
        interrupted += 1;
    }
    assert!(interrupted > 0, "no run was interrupted while writing");
}

#[test]
fn a_damaged_keyslot_in_one_copy_falls_back_to_the_other() {
    let dir = scratch();
    let key = raw_key(0x51);
    let plain = write(dir.path(), "plain", &data(3000, 51));
    let file = p(dir.path(), "f");
    seal(&key, &plain, &file, "aegis-128l", PAGE);
    // Copy A's keyslot 0 wrapped key is damaged, its digest recomputed.
    edit_header(&file, &[0], |c| c[64 + 70] ^= 0x40);
    let out = p(dir.path(), "out");
    run_key(&key, ["unseal".as_ref(), file.as_os_str(), out.as_os_str()]).ok();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&plain).unwrap());
    // verify reports the copy to repair (and exits 1 for it).
    let r = run_key(
        &key,
        ["verify".as_ref(), file.as_os_str(), "--json".as_ref()],
    );
    r.expect_code(EXIT_VERIFY);
    assert_eq!(r.json()["damaged_header_copy"], "A (offset 0)");
}

#[test]
fn hostile_inputs_are_refused_with_a_clear_error() {
    let dir = scratch();
    let key = raw_key(0x61);
    let fifo = p(dir.path(), "fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = p(dir.path(), "out");
    let not_regular = "not a regular file (pipes, devices and directories are not supported)";
    run_key(&key, ["seal".as_ref(), fifo.as_os_str(), out.as_os_str()]).fails(
        EXIT_IO,
        &[&format!("{}: cannot open: {not_regular}", fifo.display())],
    );
    run_key(&key, ["verify".as_ref(), fifo.as_os_str()]).fails(EXIT_IO, &[not_regular]);
    let file = sealed(dir.path(), "f", &key, 1000);
    run([
        "verify".as_ref(),
        file.as_os_str(),
        "--key-file".as_ref(),
        "/dev/zero".as_ref(),
    ])
    .fails(
        EXIT_KEY,
        &["cannot read the key from key file /dev/zero: more than 65536 bytes: not a key"],
    );
    run_key(
        &key,
        [
            "verify".as_ref(),
            file.as_os_str(),
            "--threads".as_ref(),
            "1000000".as_ref(),
        ],
    )
    .fails(EXIT_USAGE, &["1000000 is not in 1..=256"]);
}

#[test]
fn keyslot_commands_and_keygen() {
    let dir = scratch();
    let key_file = p(dir.path(), "key");
    run(["keygen".as_ref(), key_file.as_os_str()]).ok();
    let text = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(text.len(), 68, "{text:?}");
    assert!(text.starts_with("x'") && text.ends_with("'\n"));
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    run(["keygen".as_ref(), key_file.as_os_str()]).fails(EXIT_IO, &["cannot create"]);

    let plain = write(dir.path(), "plain", &data(2000, 71));
    let file = p(dir.path(), "f");
    run([
        "seal".as_ref(),
        plain.as_os_str(),
        file.as_os_str(),
        "--key-file".as_ref(),
        key_file.as_os_str(),
    ])
    .ok();
    let add = |n: u8| {
        run_cmd(
            pageseal()
                .args(["keyslot".as_ref(), "add".as_ref(), file.as_os_str()])
                .args(["--key-file".as_ref(), key_file.as_os_str()])
                .args(["--new-key-env", "REC"])
                .env("REC", raw_key(n)),
        )
    };
    for n in 1..=3 {
        let r = add(n);
        r.ok();
        assert!(
            r.stdout.contains(&format!("keyslot {n} now opens")),
            "{}",
            r.stdout
        );
    }
    add(4).fails(
        EXIT_USAGE,
        &["all 4 keyslots are in use: remove one before adding another"],
    );
    let list = run([
        "keyslot".as_ref(),
        "list".as_ref(),
        file.as_os_str(),
        "--json".as_ref(),
    ])
    .ok()
    .json();
    assert_eq!(list["keyslots"].as_array().unwrap().len(), 4);
    assert_eq!(list["free"], 0);
    // A recovery key opens the file; removing its slot revokes it.
    run_key(&raw_key(2), ["verify".as_ref(), file.as_os_str()]).ok();
    run_cmd(
        pageseal()
            .args([
                "keyslot".as_ref(),
                "remove".as_ref(),
                file.as_os_str(),
                "--slot".as_ref(),
                "2".as_ref(),
            ])
            .args(["--key-file".as_ref(), key_file.as_os_str()]),
    )
    .ok();
    run_key(&raw_key(2), ["verify".as_ref(), file.as_os_str()])
        .fails(EXIT_KEY, &["wrong key or passphrase"]);
    let text = run(["keyslot".as_ref(), "list".as_ref(), file.as_os_str()])
        .ok()
        .stdout
        .clone();
    assert!(text.contains("3 of 4 keyslots in use"), "{text}");
    run_cmd(
        pageseal()
            .args([
                "keyslot".as_ref(),
                "remove".as_ref(),
                file.as_os_str(),
                "--slot".as_ref(),
                "7".as_ref(),
            ])
            .args(["--key-file".as_ref(), key_file.as_os_str()]),
    )
    .fails(EXIT_USAGE, &["there is no keyslot 7"]);
}

/// A running `pageseal` holding (or about to read) a key cannot dump core:
/// its core-file limit is 0, soft and hard (read from /proc while it waits
/// for its key on standard input).
#[cfg(target_os = "linux")]
#[test]
fn the_tool_runs_without_core_dumps() {
    use std::io::Write;
    let dir = scratch();
    let key = raw_key(0x71);
    let file = sealed(dir.path(), "f", &key, 1000);
    let mut child = pageseal()
        .args(["verify".as_ref(), file.as_os_str(), "--key-stdin".as_ref()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let limits_path = format!("/proc/{}/limits", child.id());
    let started = std::time::Instant::now();
    let line = loop {
        let limits = std::fs::read_to_string(&limits_path).unwrap_or_default();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .map(str::to_string);
        // "Max core file size  <soft>  <hard>  bytes": both 0 once set.
        let zero = |l: &String| l.split_whitespace().skip(4).take(2).all(|f| f == "0");
        match line {
            Some(l) if zero(&l) => break l,
            _ if started.elapsed().as_secs() > 10 => panic!("core limit never 0: {line:?}"),
            _ => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    };
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{line}");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(key.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}
