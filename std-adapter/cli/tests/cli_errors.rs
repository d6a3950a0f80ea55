//! Every error of the `pageseal` CLI says what and where, with its
//! documented exit code: 1 verification failed, 2 usage, 3 key error,
//! 4 not a usable pageseal file, 5 I/O.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::*;

/// A small sealed file (5000 bytes in 512-byte aes-128-gcm pages) and its
/// plaintext.
fn sealed_fixture(dir: &Path, key: &str) -> (PathBuf, PathBuf) {
    let plain = write(dir, "plain", &data(5000, 7));
    let sealed = p(dir, "sealed");
    seal(key, &plain, &sealed, "aes-128-gcm", 512);
    (plain, sealed)
}

/// A sealed file whose only keyslot is a passphrase.
fn passphrase_fixture(dir: &Path, pass: &str) -> PathBuf {
    let plain = write(dir, "plain-pw", &data(3000, 8));
    let sealed = p(dir, "sealed-pw");
    let mut args = vec![
        OsStr::new("seal"),
        plain.as_os_str(),
        sealed.as_os_str(),
        OsStr::new("--page-size"),
        OsStr::new("512"),
    ];
    args.extend(FAST_KDF.iter().map(OsStr::new));
    run_key(pass, args).ok();
    sealed
}

#[test]
fn wrong_raw_key() {
    let dir = scratch();
    let (_, sealed) = sealed_fixture(dir.path(), &raw_key(1));
    let out = p(dir.path(), "out");
    let wrong = raw_key(2);
    for args in [
        vec!["verify".as_ref(), sealed.as_os_str()],
        vec!["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
        vec!["rotate".as_ref(), sealed.as_os_str()],
    ] {
        run_key(&wrong, &args).fails(
            EXIT_KEY,
            &[&sealed.display().to_string(), "wrong key or passphrase"],
        );
    }
    // rekey with a wrong old key.
    run_cmd(
        pageseal()
            .args(["rekey".as_ref(), sealed.as_os_str()])
            .args(["--key-env", KEY_VAR, "--new-key-env", NEW_KEY_VAR])
            .env(KEY_VAR, &wrong)
            .env(NEW_KEY_VAR, raw_key(3)),
    )
    .fails(EXIT_KEY, &["wrong key or passphrase"]);
    // A passphrase for a file that only has a raw-key keyslot.
    run_key("some passphrase", ["verify".as_ref(), sealed.as_os_str()]).fails(
        EXIT_KEY,
        &["wrong key", "no keyslot that opens with a passphrase"],
    );
    assert!(!out.exists());
    assert!(temp_files(dir.path()).is_empty());
    // Nothing was changed by the failed attempts.
    run_key(&raw_key(1), ["verify".as_ref(), sealed.as_os_str()]).ok();
}

#[test]
fn wrong_passphrase() {
    let dir = scratch();
    let sealed = passphrase_fixture(dir.path(), "right one");
    let out = p(dir.path(), "out");
    run_key(
        "wrong one",
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    )
    .fails(
        EXIT_KEY,
        &[&sealed.display().to_string(), "wrong key or passphrase"],
    );
    run_key("wrong one", ["verify".as_ref(), sealed.as_os_str()])
        .fails(EXIT_KEY, &["wrong key or passphrase"]);
    // A passphrase differing only by a trailing space is another passphrase.
    run_key("right one ", ["verify".as_ref(), sealed.as_os_str()])
        .fails(EXIT_KEY, &["wrong key or passphrase"]);
    run_key(&raw_key(1), ["verify".as_ref(), sealed.as_os_str()]).fails(
        EXIT_KEY,
        &["wrong key", "no keyslot that opens with a raw key"],
    );
    assert!(!out.exists());
    run_key("right one", ["verify".as_ref(), sealed.as_os_str()]).ok();
}

#[test]
fn missing_key_says_how_to_give_one() {
    let dir = scratch();
    let (plain, sealed) = sealed_fixture(dir.path(), &raw_key(1));
    let out = p(dir.path(), "out");
    let how = [
        "no key was given",
        "--key-env VAR",
        "--key-fd N",
        "--key-stdin",
        "--key-file PATH",
        "PAGESEAL_KEY",
    ];
    for args in [
        vec!["verify".as_ref(), sealed.as_os_str()],
        vec!["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
        vec!["rotate".as_ref(), sealed.as_os_str()],
        vec!["rekey".as_ref(), sealed.as_os_str()],
    ] {
        let r = run(&args);
        r.fails(EXIT_KEY, &how);
        assert!(
            r.stderr.contains(&sealed.display().to_string()),
            "{}",
            r.stderr
        );
    }
    // New files need a key too (unless checksum-only).
    let new = p(dir.path(), "new");
    run(["seal".as_ref(), plain.as_os_str(), new.as_os_str()]).fails(EXIT_KEY, &how);
    run([
        "create".as_ref(),
        new.as_os_str(),
        "--pages".as_ref(),
        "1".as_ref(),
    ])
    .fails(EXIT_KEY, &how);
    assert!(!out.exists() && !new.exists());
    assert!(temp_files(dir.path()).is_empty());

    // rekey with an old key but no new one.
    run_key(&raw_key(1), ["rekey".as_ref(), sealed.as_os_str()]).fails(
        EXIT_KEY,
        &[
            "the new key",
            "--new-key-env VAR",
            "--new-key-fd N",
            "--new-key-stdin",
            "--new-key-file PATH",
        ],
    );
}

#[test]
fn plain_files_are_not_pageseal_files() {
    let dir = scratch();
    let random = write(dir.path(), "random", &data(20_000, 9));
    let mut sqlite = b"SQLite format 3\0".to_vec();
    sqlite.extend(data(8192, 10));
    let sqlite = write(dir.path(), "app.db", &sqlite);
    let short = write(dir.path(), "short", b"hello");
    let empty = write(dir.path(), "empty", b"");
    let out = p(dir.path(), "out");
    let key = raw_key(1);
    for (file, text) in [
        (&random, "not a pageseal file (no pageseal header)"),
        (&short, "not a pageseal file (no pageseal header)"),
        (&empty, "not a pageseal file (no pageseal header)"),
        (
            &sqlite,
            "not a pageseal file: it is an unencrypted SQLite database",
        ),
    ] {
        let name = file.display().to_string();
        let f = file.as_os_str();
        let expect = [name.as_str(), text];
        run(["info".as_ref(), f]).fails(EXIT_FORMAT, &expect);
        run(["info".as_ref(), f, "--json".as_ref()]).fails(EXIT_FORMAT, &expect);
        // Without a key flag the header is read first.
        run(["verify".as_ref(), f]).fails(EXIT_FORMAT, &expect);
        run(["unseal".as_ref(), f, out.as_os_str()]).fails(EXIT_FORMAT, &expect);
        // With a key, the file is still refused as not pageseal, not as a
        // wrong key.
        run_key(&key, ["verify".as_ref(), f]).fails(EXIT_FORMAT, &expect);
        run_key(&key, ["unseal".as_ref(), f, out.as_os_str()]).fails(EXIT_FORMAT, &expect);
        run_key(&key, ["rotate".as_ref(), f]).fails(EXIT_FORMAT, &expect);
        run_cmd(
            pageseal()
                .args(["rekey".as_ref(), f])
                .args(["--key-env", KEY_VAR, "--new-key-env", NEW_KEY_VAR])
                .env(KEY_VAR, &key)
                .env(NEW_KEY_VAR, raw_key(2)),
        )
        .fails(EXIT_FORMAT, &expect);
    }
    assert!(!out.exists());
    assert!(temp_files(dir.path()).is_empty());
    // The plain files are untouched.
    assert_eq!(std::fs::read(&random).unwrap(), data(20_000, 9));
}

#[test]
fn a_file_cut_inside_the_header_is_reported() {
    let dir = scratch();
    let key = raw_key(1);
    let (_, sealed) = sealed_fixture(dir.path(), &key);
    let bytes = std::fs::read(&sealed).unwrap();
    let cut = write(dir.path(), "cut", &bytes[..3000]);
    run_key(&key, ["verify".as_ref(), cut.as_os_str()]).fails(
        EXIT_FORMAT,
        &[&cut.display().to_string(), "header truncated: 3000 bytes"],
    );
}

#[test]
fn truncated_file_partial_last_page() {
    let dir = scratch();
    let key = raw_key(1);
    let (_, sealed) = sealed_fixture(dir.path(), &key);
    let pages = info(&sealed)["pages"].as_u64().unwrap();
    assert!(pages > 3);
    let len = std::fs::metadata(&sealed).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&sealed)
        .unwrap();
    f.set_len(len - 5).unwrap();
    drop(f);
    let last = pages - 1;

    let v = run_key(&key, ["verify".as_ref(), sealed.as_os_str()]);
    v.expect_code(EXIT_VERIFY);
    assert!(
        v.stdout.contains(&format!(
            "page {last}: truncated file: only 507 bytes of the last page are present"
        )),
        "{}",
        v.stdout
    );
    assert!(v.stdout.contains("FAILED"), "{}", v.stdout);
    let j = run_key(
        &key,
        ["verify".as_ref(), sealed.as_os_str(), "--json".as_ref()],
    );
    j.expect_code(EXIT_VERIFY);
    let j = j.json();
    assert_eq!(j["ok"], false);
    assert_eq!(j["pages"].as_u64(), Some(last), "whole pages");
    assert_eq!(j["partial_tail_bytes"], 507);

    let out = p(dir.path(), "out");
    run_key(
        &key,
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    )
    .fails(
        EXIT_VERIFY,
        &[
            &sealed.display().to_string(),
            &format!("truncated file: page {last} has only 507 of 512 bytes"),
        ],
    );
    assert!(!out.exists(), "unseal left output behind");
    // rotate refuses too, and leaves the file as it was.
    let before = std::fs::read(&sealed).unwrap();
    run_key(&key, ["rotate".as_ref(), sealed.as_os_str()]).fails(EXIT_VERIFY, &["truncated file"]);
    assert_eq!(std::fs::read(&sealed).unwrap(), before);
    assert!(temp_files(dir.path()).is_empty());
    let info = run(["info".as_ref(), sealed.as_os_str()]);
    info.ok();
    assert!(info.stdout.contains("plus a partial page: truncated"));
}

/// A file cut on a page boundary has no partial page, but the header's
/// data length says pages are missing.
#[test]
fn truncated_file_missing_whole_pages() {
    let dir = scratch();
    let key = raw_key(1);
    let (_, sealed) = sealed_fixture(dir.path(), &key);
    let pages = info(&sealed)["pages"].as_u64().unwrap();
    let len = std::fs::metadata(&sealed).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&sealed)
        .unwrap();
    f.set_len(len - 2 * 512).unwrap();
    drop(f);
    let first_missing = pages - 2;

    let v = run_key(
        &key,
        ["verify".as_ref(), sealed.as_os_str(), "--json".as_ref()],
    );
    v.expect_code(EXIT_VERIFY);
    let j = v.json();
    assert_eq!(j["ok"], false);
    let bad = j["bad_pages"].as_array().unwrap();
    assert_eq!(bad.len(), 1, "{j:#}");
    assert_eq!(bad[0]["page"].as_u64(), Some(first_missing));
    assert!(
        bad[0]["reason"].as_str().unwrap().contains("missing"),
        "{j:#}"
    );
    let v = run_key(&key, ["verify".as_ref(), sealed.as_os_str()]);
    v.expect_code(EXIT_VERIFY);
    assert!(
        v.stdout.contains(&format!(
            "page {first_missing} missing: the file ends before it"
        )),
        "{}",
        v.stdout
    );
    let out = p(dir.path(), "out");
    run_key(
        &key,
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    )
    .fails(
        EXIT_VERIFY,
        &["truncated file", &format!("page {first_missing}")],
    );
    assert!(!out.exists());
}

#[test]
fn bad_key_sources_are_named() {
    let dir = scratch();
    let (_, sealed) = sealed_fixture(dir.path(), &raw_key(1));
    let f = sealed.as_os_str();

    // Environment variable not set.
    run([
        "verify".as_ref(),
        f,
        "--key-env".as_ref(),
        "PST_SURELY_UNSET".as_ref(),
    ])
    .fails(
        EXIT_KEY,
        &["cannot read the key from environment variable PST_SURELY_UNSET: it is not set"],
    );
    // Set but empty.
    run_key("", ["verify".as_ref(), f]).fails(
        EXIT_KEY,
        &["cannot read the key from environment variable PST_KEY: it is empty"],
    );
    // A malformed raw key is not silently taken as a passphrase.
    run_key("x'1234'", ["verify".as_ref(), f]).fails(
        EXIT_KEY,
        &[
            "environment variable PST_KEY",
            "raw key must be x'<64 hex digits>'",
        ],
    );
    // An fd that is not open.
    run(["verify".as_ref(), f, "--key-fd".as_ref(), "57".as_ref()]).fails(
        EXIT_KEY,
        &[
            "cannot read the key from file descriptor 57",
            "is the descriptor open for reading?",
        ],
    );
    // A key file that does not exist.
    let missing = p(dir.path(), "no-such-key");
    run([
        "verify".as_ref(),
        f,
        "--key-file".as_ref(),
        missing.as_os_str(),
    ])
    .fails(
        EXIT_KEY,
        &[&format!(
            "cannot read the key from key file {}",
            missing.display()
        )],
    );
    // A directory as key file.
    run([
        "verify".as_ref(),
        f,
        "--key-file".as_ref(),
        dir.path().as_os_str(),
    ])
    .fails(EXIT_KEY, &[&format!("key file {}", dir.path().display())]);
    // Empty standard input.
    run_stdin(b"", ["verify".as_ref(), f, "--key-stdin".as_ref()]).fails(
        EXIT_KEY,
        &["cannot read the key from standard input: it is empty"],
    );
    // A bad new-key source on rekey leaves the file as it was.
    let before = std::fs::read(&sealed).unwrap();
    run_cmd(
        pageseal()
            .args(["rekey".as_ref(), f])
            .args(["--key-env", KEY_VAR, "--new-key-env", "PST_SURELY_UNSET"])
            .env(KEY_VAR, raw_key(1)),
    )
    .fails(
        EXIT_KEY,
        &["cannot read the key from environment variable PST_SURELY_UNSET: it is not set"],
    );
    assert_eq!(std::fs::read(&sealed).unwrap(), before);
}

#[test]
fn rekey_refuses_both_keys_from_stdin() {
    let dir = scratch();
    let (_, sealed) = sealed_fixture(dir.path(), &raw_key(1));
    let before = std::fs::read(&sealed).unwrap();
    run_stdin(
        format!("{}\n{}\n", raw_key(1), raw_key(2)).as_bytes(),
        [
            "rekey".as_ref(),
            sealed.as_os_str(),
            "--key-stdin".as_ref(),
            "--new-key-stdin".as_ref(),
        ],
    )
    .fails(
        EXIT_KEY,
        &["the old and the new key cannot both come from standard input"],
    );
    assert_eq!(std::fs::read(&sealed).unwrap(), before);
}

#[test]
fn output_path_not_writable() {
    let dir = scratch();
    let key = raw_key(1);
    let (plain, sealed) = sealed_fixture(dir.path(), &key);
    // Root ignores permission bits, so use places nobody can create files:
    // a missing directory, and /proc.
    let missing_dir = dir.path().join("no-such-dir").join("out");
    for out in [PathBuf::from("/proc/pageseal-out"), missing_dir] {
        let name = out.display().to_string();
        run_key(&key, ["seal".as_ref(), plain.as_os_str(), out.as_os_str()])
            .fails(EXIT_IO, &[&name, "cannot create"]);
        run_key(
            &key,
            ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
        )
        .fails(EXIT_IO, &[&name, "cannot create"]);
        run_key(
            &key,
            [
                "create".as_ref(),
                out.as_os_str(),
                "--pages".as_ref(),
                "1".as_ref(),
            ],
        )
        .fails(EXIT_IO, &[&name, "cannot create"]);
        assert!(!out.exists());
    }
    // A pipe as input is refused, not sealed as an empty file.
    let out = p(dir.path(), "from-pipe");
    run_cmd_stdin(
        pageseal()
            .args(["seal".as_ref(), "/dev/stdin".as_ref(), out.as_os_str()])
            .args(["--key-env", KEY_VAR])
            .env(KEY_VAR, &key),
        &data(10_000, 15),
    )
    .fails(EXIT_IO, &["/dev/stdin", "not a regular file"]);
    assert!(!out.exists());
    assert!(temp_files(dir.path()).is_empty());
    // A missing input is named too.
    let nothing = p(dir.path(), "nothing");
    let out = p(dir.path(), "out");
    run_key(
        &key,
        ["seal".as_ref(), nothing.as_os_str(), out.as_os_str()],
    )
    .fails(EXIT_IO, &[&nothing.display().to_string(), "No such file"]);
    run_key(&key, ["verify".as_ref(), nothing.as_os_str()])
        .fails(EXIT_IO, &[&nothing.display().to_string(), "No such file"]);
    run(["info".as_ref(), nothing.as_os_str()])
        .fails(EXIT_IO, &[&nothing.display().to_string(), "No such file"]);
    assert!(!out.exists());
}

#[cfg(unix)]
#[test]
fn output_directory_without_write_permission() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch();
    let key = raw_key(1);
    let (plain, _) = sealed_fixture(dir.path(), &key);
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), b"x").is_ok() {
        println!("SKIPPED output_directory_without_write_permission: running as root");
        return;
    }
    let out = ro.join("out");
    run_key(&key, ["seal".as_ref(), plain.as_os_str(), out.as_os_str()]).fails(
        EXIT_IO,
        &[
            &out.display().to_string(),
            "permission denied: is the path writable?",
        ],
    );
}

/// A tmpfs of 256 KiB mounted for the test (root only), unmounted on drop.
struct TinyFs {
    dir: tempfile::TempDir,
}

impl TinyFs {
    fn mount() -> Option<TinyFs> {
        let dir = scratch();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(TinyFs { dir })
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn disk_full() {
    let Some(fs) = TinyFs::mount() else {
        println!("SKIPPED disk_full: cannot mount a tmpfs (needs root)");
        return;
    };
    let dir = scratch();
    let key = raw_key(1);
    let plain = write(dir.path(), "plain", &data(1 << 20, 11));

    let out = fs.path().join("sealed");
    run_key(&key, ["seal".as_ref(), plain.as_os_str(), out.as_os_str()]).fails(
        EXIT_IO,
        &[
            &fs.path().join(".sealed.pageseal-").display().to_string(),
            "cannot write",
            "(the disk is full)",
        ],
    );
    assert!(!out.exists());
    assert!(temp_files(fs.path()).is_empty(), "temp file left behind");

    // unseal into a full disk.
    let sealed = p(dir.path(), "sealed");
    seal(&key, &plain, &sealed, "aegis-128l", 4096);
    let out = fs.path().join("plain");
    run_key(
        &key,
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    )
    .fails(EXIT_IO, &["(the disk is full)"]);
    assert!(!out.exists());
    assert!(temp_files(fs.path()).is_empty(), "temp file left behind");
    // create fails cleanly too: no partial file that would verify.
    let db = fs.path().join("db");
    run_key(
        &key,
        [
            "create".as_ref(),
            db.as_os_str(),
            "--pages".as_ref(),
            "1000".as_ref(),
        ],
    )
    .fails(
        EXIT_IO,
        &[
            &db.display().to_string(),
            "cannot write",
            "(the disk is full)",
        ],
    );
    assert!(!db.exists(), "create left a partial file");
    // Everything was cleaned up: the tmpfs has room again.
    let small = write(dir.path(), "small", &data(10_000, 12));
    let out = fs.path().join("small-sealed");
    run_key(&key, ["seal".as_ref(), small.as_os_str(), out.as_os_str()]).ok();

    // Fill the disk, then rotate (which writes a whole new file) fails
    // cleanly and leaves the file as it was.
    let filler = fs.path().join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0x55u8; 4096];
    while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
    drop(f);
    let before = std::fs::read(&out).unwrap();
    run_key(&key, ["rotate".as_ref(), out.as_os_str()]).fails(EXIT_IO, &["(the disk is full)"]);
    assert_eq!(std::fs::read(&out).unwrap(), before);
    assert!(temp_files(fs.path()).is_empty(), "temp file left behind");
    // rekey rewrites the header in place: it needs no free space.
    run_cmd(
        pageseal()
            .args(["rekey".as_ref(), out.as_os_str()])
            .args(["--key-env", KEY_VAR, "--new-key-env", NEW_KEY_VAR])
            .env(KEY_VAR, &key)
            .env(NEW_KEY_VAR, raw_key(2)),
    )
    .ok();
    run_key(&raw_key(2), ["verify".as_ref(), out.as_os_str()]).ok();
}

#[test]
fn checksum_only_files_take_no_key() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(3000, 13));
    let sealed = p(dir.path(), "sums");
    seal("", &plain, &sealed, "checksum", 512);
    let out = p(dir.path(), "out");
    let key = raw_key(1);
    let expect = [
        sealed.display().to_string(),
        "the file is checksum-only: it has no key, do not give one".to_string(),
    ];
    let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
    run_key(&key, ["verify".as_ref(), sealed.as_os_str()]).fails(EXIT_KEY, &expect);
    run_key(
        &key,
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    )
    .fails(EXIT_KEY, &expect);
    run_key(&key, ["rotate".as_ref(), sealed.as_os_str()]).fails(EXIT_KEY, &expect);
    assert!(!out.exists());
    // Sealing or creating a checksum-only file with a key is a key error too.
    let new = p(dir.path(), "new");
    run_key(
        &key,
        [
            "seal".as_ref(),
            plain.as_os_str(),
            new.as_os_str(),
            "--cipher".as_ref(),
            "checksum".as_ref(),
        ],
    )
    .fails(
        EXIT_KEY,
        &["the file is checksum-only: it has no key, do not give one"],
    );
    run_key(
        &key,
        [
            "create".as_ref(),
            new.as_os_str(),
            "--pages".as_ref(),
            "1".as_ref(),
            "--cipher".as_ref(),
            "checksum".as_ref(),
        ],
    )
    .fails(
        EXIT_KEY,
        &["the file is checksum-only: it has no key, do not give one"],
    );
    assert!(!new.exists());
}

#[test]
fn usage_errors() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(100, 14));
    let out = p(dir.path(), "out");
    let key = raw_key(1);
    let seal_with = |extra: &[&str]| {
        run_key(
            &key,
            [OsStr::new("seal"), plain.as_os_str(), out.as_os_str()]
                .into_iter()
                .chain(extra.iter().map(OsStr::new)),
        )
    };
    seal_with(&["--cipher", "bogus"]).fails(
        EXIT_USAGE,
        &[
            "unknown --cipher \"bogus\"",
            "aes-128-gcm",
            "aegis-256x4",
            "checksum",
        ],
    );
    seal_with(&["--page-size", "1000"]).fails(
        EXIT_USAGE,
        &["invalid page size 1000: must be a power of two from 512 to 65536"],
    );
    seal_with(&["--page-size", "131072"]).fails(EXIT_USAGE, &["invalid page size 131072"]);
    seal_with(&["--kdf-memory", "1"]).fails(EXIT_USAGE, &["invalid Argon2id parameters"]);
    assert!(!out.exists());
    // The same on rekey: a usage error, not "not a usable file".
    let (_, sealed) = sealed_fixture(dir.path(), &key);
    let before = std::fs::read(&sealed).unwrap();
    for (flag, value, why) in [
        (
            "--kdf-memory",
            "1",
            "memory must be at least 8 KiB per lane",
        ),
        ("--kdf-iterations", "0", "iterations must be 1 to 65536"),
    ] {
        run_cmd(
            pageseal()
                .args(["rekey".as_ref(), sealed.as_os_str()])
                .args([
                    "--key-env",
                    KEY_VAR,
                    "--new-key-env",
                    NEW_KEY_VAR,
                    flag,
                    value,
                ])
                .env(KEY_VAR, &key)
                .env(NEW_KEY_VAR, "new passphrase"),
        )
        .fails(EXIT_USAGE, &["invalid Argon2id parameters", why]);
    }
    assert_eq!(std::fs::read(&sealed).unwrap(), before);
    run(["bench", "--cipher", "bogus", "--seconds", "0.01"])
        .fails(EXIT_USAGE, &["unknown --cipher \"bogus\""]);
    run(["bench", "--backend", "bogus", "--seconds", "0.01"])
        .fails(EXIT_USAGE, &["unknown backend name"]);
    run(["bench", "--seconds", "0"]).fails(
        EXIT_USAGE,
        &["--seconds must be more than 0 and at most 600, got 0"],
    );
    run(["bench", "--threads", "1000000"])
        .fails(EXIT_USAGE, &["--threads must be 1 to 256, got 1000000"]);
    run(["bench", "--page-size", "4096,x"])
        .fails(EXIT_USAGE, &["--page-size: \"x\" is not a number"]);

    // Argument-parser errors.
    let r = run(["frobnicate"]);
    r.expect_code(EXIT_USAGE);
    assert!(r.stderr.contains("unrecognized subcommand"), "{}", r.stderr);
    let r = run(["seal".as_ref(), plain.as_os_str()]);
    r.expect_code(EXIT_USAGE);
    assert!(r.stderr.contains("required"), "{}", r.stderr);
    // A key is never taken as a plain argument.
    let r = run([
        "verify".as_ref(),
        plain.as_os_str(),
        "--key".as_ref(),
        key.as_ref(),
    ]);
    r.expect_code(EXIT_USAGE);
    assert!(r.stderr.contains("unexpected argument"), "{}", r.stderr);
    let r = run(["verify".as_ref(), plain.as_os_str(), key.as_ref()]);
    r.expect_code(EXIT_USAGE);
    // Two key sources at once.
    let r = run([
        "verify".as_ref(),
        plain.as_os_str(),
        "--key-env".as_ref(),
        "A".as_ref(),
        "--key-stdin".as_ref(),
    ]);
    r.expect_code(EXIT_USAGE);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
    let r = run([
        "verify".as_ref(),
        plain.as_os_str(),
        "--key-fd".as_ref(),
        "x".as_ref(),
    ]);
    r.expect_code(EXIT_USAGE);
    assert!(r.stderr.contains("invalid value"), "{}", r.stderr);
}
