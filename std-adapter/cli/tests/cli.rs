//! Every `pageseal` command works: create, seal, unseal, verify, info,
//! rekey, rotate, bench, cpu, with every way of giving a key.

mod common;

use std::ffi::OsStr;

use common::*;

#[test]
fn create_verify_info() {
    let dir = scratch();
    let f = p(dir.path(), "db");
    let key = raw_key(0x11);
    let created = run_key(
        &key,
        [
            "create".as_ref(),
            f.as_os_str(),
            "--pages".as_ref(),
            "5".as_ref(),
            "--page-size".as_ref(),
            "1024".as_ref(),
            "--cipher".as_ref(),
            "chacha20-poly1305".as_ref(),
        ],
    );
    created.ok();
    assert!(
        created
            .stdout
            .contains("5 pages of 1024 bytes, chacha20-poly1305"),
        "{}",
        created.stdout
    );
    assert_eq!(
        std::fs::metadata(&f).unwrap().len(),
        data_offset(1024) + 5 * 1024
    );

    let v = run_key(&key, ["verify".as_ref(), f.as_os_str()]);
    v.ok();
    assert!(v.stdout.contains("OK, 5 pages verified"), "{}", v.stdout);

    let j = info(&f);
    assert_eq!(j["kind"], "encrypted");
    assert_eq!(j["suite"], "chacha20-poly1305");
    assert_eq!(j["page_size"], 1024);
    assert_eq!(j["pages"], 5);
    assert_eq!(j["partial_tail_bytes"], 0);
    let payload = j["payload_per_page"].as_u64().unwrap();
    assert!(payload > 0 && payload < 1024);
    assert_eq!(j["data_len"].as_u64().unwrap(), 5 * payload);
    assert_eq!(j["current_epoch"], 1);
    assert_eq!(j["keyslots"].as_array().unwrap().len(), 1);
    assert_eq!(j["keyslots"][0]["kdf"], "raw-key");
    assert!(j["damaged_header_copy"].is_null());

    // Text info needs no key either.
    let t = run(["info".as_ref(), f.as_os_str()]);
    t.ok();
    for needle in [
        "kind:          encrypted",
        "suite:         chacha20-poly1305",
        "pages:         5",
        "keyslot 0: raw-key",
    ] {
        assert!(t.stdout.contains(needle), "{needle:?} in\n{}", t.stdout);
    }

    // Every page of a created file unseals to zeros.
    let out = p(dir.path(), "zeros");
    run_key(&key, ["unseal".as_ref(), f.as_os_str(), out.as_os_str()]).ok();
    let zeros = std::fs::read(&out).unwrap();
    assert_eq!(zeros.len() as u64, 5 * payload);
    assert!(zeros.iter().all(|&b| b == 0));

    // create refuses an existing file.
    run_key(
        &key,
        [
            "create".as_ref(),
            f.as_os_str(),
            "--pages".as_ref(),
            "1".as_ref(),
        ],
    )
    .fails(EXIT_IO, &[&f.display().to_string(), "exists"]);
}

#[test]
fn create_checksum_only_needs_no_key() {
    let dir = scratch();
    let f = p(dir.path(), "sums");
    run([
        "create".as_ref(),
        f.as_os_str(),
        "--pages".as_ref(),
        "3".as_ref(),
        "--cipher".as_ref(),
        "checksum".as_ref(),
        "--page-size".as_ref(),
        "512".as_ref(),
    ])
    .ok();
    run(["verify".as_ref(), f.as_os_str()]).ok();
    let j = info(&f);
    assert_eq!(j["kind"], "checksum-only");
    assert_eq!(j["suite"], "checksum");
    assert_eq!(j["pages"], 3);
    assert_eq!(j["keyslots"].as_array().unwrap().len(), 0);
}

#[test]
fn seal_unseal_verify_text_and_json() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(10_000, 1));
    let sealed = p(dir.path(), "sealed");
    let key = raw_key(0x22);
    let s = run_key(
        &key,
        [
            "seal".as_ref(),
            plain.as_os_str(),
            sealed.as_os_str(),
            "--page-size".as_ref(),
            "512".as_ref(),
            "--cipher".as_ref(),
            "aes-256-gcm".as_ref(),
            "--threads".as_ref(),
            "2".as_ref(),
        ],
    );
    s.ok();
    assert!(s.stdout.contains("(10000 bytes)"), "{}", s.stdout);
    // No progress bar when stderr is not a terminal.
    assert!(s.stderr.is_empty(), "{}", s.stderr);
    let j = info(&sealed);
    let payload = j["payload_per_page"].as_u64().unwrap();
    let pages = 10_000u64.div_ceil(payload);
    assert!(
        s.stdout.contains(&format!("{pages} pages of 512 bytes")),
        "{}",
        s.stdout
    );
    assert_eq!(j["pages"].as_u64().unwrap(), pages);
    assert_eq!(j["data_len"], 10_000);
    // The sealed file does not contain the plaintext.
    let raw = std::fs::read(&sealed).unwrap();
    let plain_bytes = std::fs::read(&plain).unwrap();
    assert!(!raw.windows(64).any(|w| w == &plain_bytes[..64]));

    let v = run_key(&key, ["verify".as_ref(), sealed.as_os_str()]);
    v.ok();
    assert!(
        v.stdout.contains(&format!("OK, {pages} pages verified")),
        "{}",
        v.stdout
    );
    let vj = run_key(
        &key,
        [
            "verify".as_ref(),
            sealed.as_os_str(),
            "--json".as_ref(),
            "--threads".as_ref(),
            "1".as_ref(),
        ],
    );
    vj.ok();
    let vj = vj.json();
    assert_eq!(vj["ok"], true);
    assert_eq!(vj["pages"].as_u64().unwrap(), pages);
    assert_eq!(vj["bad_pages"].as_array().unwrap().len(), 0);
    assert_eq!(vj["partial_tail_bytes"], 0);
    assert!(vj["damaged_header_copy"].is_null());

    let out = p(dir.path(), "out");
    let u = run_key(
        &key,
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    );
    u.ok();
    assert!(
        u.stdout.contains(&format!("{pages} pages verified")),
        "{}",
        u.stdout
    );
    assert_eq!(std::fs::read(&out).unwrap(), plain_bytes);

    // unseal and seal refuse to overwrite an existing file.
    run_key(
        &key,
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    )
    .fails(EXIT_IO, &[&out.display().to_string(), "exists"]);
    run_key(&key, ["seal".as_ref(), plain.as_os_str(), out.as_os_str()])
        .fails(EXIT_IO, &[&out.display().to_string(), "exists"]);
    assert_eq!(std::fs::read(&out).unwrap(), plain_bytes);
    assert!(temp_files(dir.path()).is_empty());
}

/// Every key source: --key-env, --key-file, --key-fd, --key-stdin and the
/// PAGESEAL_KEY fallback, with raw keys and passphrases.
#[test]
fn every_key_source() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(3000, 2));
    let key = raw_key(0x33);
    let sealed = p(dir.path(), "sealed");
    seal(&key, &plain, &sealed, "aegis-256", 512);
    let verify = ["verify".as_ref(), sealed.as_os_str()];

    // PAGESEAL_KEY when no flag is given.
    run_cmd(pageseal().args(verify).env("PAGESEAL_KEY", &key)).ok();
    // A key file, with and without a trailing newline (and CRLF).
    for (name, text) in [
        ("k1", key.clone()),
        ("k2", format!("{key}\n")),
        ("k3", format!("{key}\r\n")),
    ] {
        let kf = write(dir.path(), name, text.as_bytes());
        run_cmd(pageseal().args(verify).arg("--key-file").arg(&kf)).ok();
    }
    // Standard input.
    run_stdin(
        format!("{key}\n").as_bytes(),
        [
            "verify".as_ref(),
            sealed.as_os_str(),
            "--key-stdin".as_ref(),
        ],
    )
    .ok();
    // An inherited file descriptor (the shell opens fd 7 on the key file).
    let kf = write(dir.path(), "kfd", key.as_bytes());
    run_cmd(
        std::process::Command::new("sh")
            .arg("-c")
            .arg(r#"f=$1 k=$2; shift 2; exec "$@" verify "$f" --key-fd 7 7<"$k""#)
            .arg("sh")
            .arg(&sealed)
            .arg(&kf)
            .args(bin_argv())
            .env_remove("PAGESEAL_KEY")
            .stdin(std::process::Stdio::null()),
    )
    .ok();
    // An explicit flag wins over PAGESEAL_KEY.
    run_cmd(
        pageseal()
            .args(verify)
            .args(["--key-env", KEY_VAR])
            .env(KEY_VAR, &key)
            .env("PAGESEAL_KEY", raw_key(0x99)),
    )
    .ok();

    // A passphrase file, given through stdin at seal time.
    let sp = p(dir.path(), "sealed-pass");
    let mut args = vec![
        "seal".as_ref(),
        plain.as_os_str(),
        sp.as_os_str(),
        "--key-stdin".as_ref(),
        "--page-size".as_ref(),
        "512".as_ref(),
    ];
    args.extend(FAST_KDF.iter().map(OsStr::new));
    run_stdin(b"correct horse battery staple\n", args).ok();
    let j = info(&sp);
    assert_eq!(j["keyslots"][0]["kdf"], "argon2id");
    assert_eq!(j["keyslots"][0]["memory_kib"], 64);
    assert_eq!(j["keyslots"][0]["iterations"], 1);
    let out = p(dir.path(), "out");
    run_key(
        "correct horse battery staple",
        ["unseal".as_ref(), sp.as_os_str(), out.as_os_str()],
    )
    .ok();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&plain).unwrap());
}

#[test]
fn rekey_changes_the_key_and_touches_no_page() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(5000, 3));
    let old = raw_key(0x44);
    let sealed = p(dir.path(), "sealed");
    seal(&old, &plain, &sealed, "aegis-128l", 512);
    let before = page_bytes(&sealed, 512);
    let id_before = info(&sealed)["file_id"].clone();

    // Raw key -> passphrase.
    let pass = "new passphrase";
    let mut args = vec![
        "rekey".as_ref(),
        sealed.as_os_str(),
        "--new-key-env".as_ref(),
        NEW_KEY_VAR.as_ref(),
    ];
    args.extend(FAST_KDF.iter().map(OsStr::new));
    let r = run_cmd(
        pageseal()
            .args(&args)
            .args(["--key-env", KEY_VAR])
            .env(KEY_VAR, &old)
            .env(NEW_KEY_VAR, pass),
    );
    r.ok();
    assert!(
        r.stdout
            .contains("keyslot 0 now opens with the new passphrase"),
        "{}",
        r.stdout
    );
    assert_eq!(page_bytes(&sealed, 512), before, "rekey rewrote pages");
    let j = info(&sealed);
    assert_eq!(j["file_id"], id_before);
    assert_eq!(j["keyslots"].as_array().unwrap().len(), 1);
    assert_eq!(j["keyslots"][0]["kdf"], "argon2id");

    run_key(&old, ["verify".as_ref(), sealed.as_os_str()]).fails(
        EXIT_KEY,
        &["wrong key", "no keyslot that opens with a raw key"],
    );
    run_key(pass, ["verify".as_ref(), sealed.as_os_str()]).ok();

    // Passphrase -> another raw key, new key from stdin.
    let newer = raw_key(0x45);
    let r = run_cmd(
        pageseal()
            .args(["rekey".as_ref(), sealed.as_os_str()])
            .args(["--key-env", KEY_VAR, "--new-key-file"])
            .arg(write(dir.path(), "newkey", format!("{newer}\n").as_bytes()))
            .env(KEY_VAR, pass),
    );
    r.ok();
    assert_eq!(page_bytes(&sealed, 512), before, "rekey rewrote pages");
    run_key(pass, ["verify".as_ref(), sealed.as_os_str()]).fails(
        EXIT_KEY,
        &["wrong key", "no keyslot that opens with a passphrase"],
    );
    run_key(&old, ["verify".as_ref(), sealed.as_os_str()]).fails(EXIT_KEY, &["wrong key"]);
    let out = p(dir.path(), "out");
    run_key(
        &newer,
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    )
    .ok();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&plain).unwrap());

    // Raw key -> raw key: the old raw key is refused as a wrong key.
    let newest = raw_key(0x46);
    run_cmd(
        pageseal()
            .args(["rekey".as_ref(), sealed.as_os_str()])
            .args(["--key-env", KEY_VAR, "--new-key-env", NEW_KEY_VAR])
            .env(KEY_VAR, &newer)
            .env(NEW_KEY_VAR, &newest),
    )
    .ok();
    run_key(&newer, ["verify".as_ref(), sealed.as_os_str()])
        .fails(EXIT_KEY, &["wrong key or passphrase"]);
    run_key(&newest, ["verify".as_ref(), sealed.as_os_str()]).ok();
    assert_eq!(page_bytes(&sealed, 512), before, "rekey rewrote pages");
}

#[test]
fn rotate_moves_every_page_to_a_new_epoch() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(7000, 4));
    let key = raw_key(0x55);
    let sealed = p(dir.path(), "sealed");
    seal(&key, &plain, &sealed, "aes-128-gcm", 512);
    let before = page_bytes(&sealed, 512);
    let j0 = info(&sealed);
    assert_eq!(j0["current_epoch"], 1);

    for round in 2..=3u64 {
        let r = run_key(
            &key,
            [
                "rotate".as_ref(),
                sealed.as_os_str(),
                "--threads".as_ref(),
                "2".as_ref(),
            ],
        );
        r.ok();
        assert!(
            r.stdout
                .contains("new file key and data key, 15 pages re-sealed"),
            "{}",
            r.stdout
        );
        let j = info(&sealed);
        // A new file key starts a new key history: epoch 1 of a new file id.
        assert_eq!(j["current_epoch"].as_u64(), Some(1));
        let epochs = j["epochs"].as_array().unwrap();
        assert_eq!(epochs.len(), 1, "{j:#}");
        assert_ne!(j["file_id"], j0["file_id"], "round {round}");
        // Same data length, geometry and kind of keyslot.
        for field in ["data_len", "pages", "page_size", "suite"] {
            assert_eq!(j[field], j0[field], "{field}");
        }
        assert_eq!(j["keyslots"].as_array().unwrap().len(), 1, "{j:#}");
        let out = p(dir.path(), &format!("out{round}"));
        run_key(
            &key,
            ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
        )
        .ok();
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&plain).unwrap());
    }
    // Every page was re-sealed (fresh key, fresh nonce): no page is unchanged.
    let after = page_bytes(&sealed, 512);
    assert_eq!(after.len(), before.len());
    for (n, (a, b)) in before.chunks(512).zip(after.chunks(512)).enumerate() {
        assert_ne!(a, b, "page {n} was not re-sealed");
    }
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn checksum_files_seal_verify_unseal_without_key() {
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(2000, 5));
    let sealed = p(dir.path(), "sealed");
    seal("", &plain, &sealed, "checksum", 512);
    run(["verify".as_ref(), sealed.as_os_str(), "--json".as_ref()]).ok();
    let out = p(dir.path(), "out");
    run(["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()]).ok();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&plain).unwrap());
}

#[test]
fn bench_json_one_suite_and_all_backends() {
    let r = run([
        "bench",
        "--cipher",
        "aegis-128l",
        "--seconds",
        "0.05",
        "--json",
        "--page-size",
        "1024",
    ]);
    r.ok();
    let j = r.json();
    let results = j["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{j:#}");
    assert_eq!(results[0]["suite"], "aegis-128l");
    assert_eq!(results[0]["page_size"], 1024);
    assert!(results[0]["seal_mb_s"].as_f64().unwrap() > 0.0);
    assert!(results[0]["open_mb_s"].as_f64().unwrap() > 0.0);

    let cpu = run(["cpu", "--json"]).ok().json();
    let available: Vec<&str> = cpu["suites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["suite"] == "aegis-128l")
        .unwrap()["available"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(results[0]["backend"], cpu["suites"][3]["backend"]);

    let r = run([
        "bench",
        "--cipher",
        "aegis-128l",
        "--seconds",
        "0.02",
        "--backend",
        "all",
        "--json",
    ]);
    r.ok();
    let backends: Vec<String> = r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["backend"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(backends, available, "--backend all measures every backend");
    assert!(backends.iter().any(|b| b == "portable"));

    let r = run([
        "bench",
        "--cipher",
        "chacha20-poly1305",
        "--seconds",
        "0.02",
        "--backend",
        "portable",
    ]);
    r.ok();
    assert!(r.stdout.contains("seal MB/s"), "{}", r.stdout);
    assert!(r.stdout.contains("chacha20-poly1305"), "{}", r.stdout);
    assert!(r.stdout.contains("portable"), "{}", r.stdout);
}

#[test]
fn bench_every_suite() {
    let r = run(["bench", "--seconds", "0.01", "--json", "--page-size", "512"]);
    r.ok();
    let j = r.json();
    let suites: Vec<&str> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["suite"].as_str().unwrap())
        .collect();
    assert_eq!(suites, SUITES);
}

#[test]
fn cpu_reports_features_and_a_backend_per_suite() {
    let j = run(["cpu", "--json"]).ok().json();
    assert_eq!(j["arch"], std::env::consts::ARCH);
    assert!(j["features"].is_array());
    let suites = j["suites"].as_array().unwrap();
    let names: Vec<&str> = suites
        .iter()
        .map(|s| s["suite"].as_str().unwrap())
        .collect();
    assert_eq!(names, SUITES);
    for s in suites {
        let backend = s["backend"].as_str().unwrap();
        let available: Vec<&str> = s["available"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(available.contains(&backend), "{s}");
        assert!(available.contains(&"portable"), "{s}");
    }
    let recommended = j["recommended_suite"].as_str().unwrap();
    assert!(SUITES.contains(&recommended) && recommended != "checksum");

    let t = run(["cpu"]);
    t.ok();
    assert!(t.stdout.contains("features:"), "{}", t.stdout);
    assert!(
        t.stdout.contains(&format!("auto:      {recommended}")),
        "{}",
        t.stdout
    );
}

#[test]
fn help_and_version() {
    let h = run(["--help"]);
    h.ok();
    for cmd in [
        "create", "seal", "unseal", "verify", "info", "rekey", "rotate", "bench", "cpu",
    ] {
        assert!(h.stdout.contains(cmd), "{cmd} in\n{}", h.stdout);
    }
    let v = run(["--version"]);
    v.ok();
    assert!(v.stdout.starts_with("pageseal "), "{}", v.stdout);
    // The key flags are documented; there is no flag taking the key itself.
    let s = run(["seal", "--help"]);
    s.ok();
    for flag in ["--key-env", "--key-fd", "--key-stdin", "--key-file"] {
        assert!(s.stdout.contains(flag), "{flag} in\n{}", s.stdout);
    }
}
