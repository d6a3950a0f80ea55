//! Tamper matrix through the CLI: every page of a sealed file altered in
//! turn is reported by number; swapped, duplicated and foreign pages are
//! reported; `unseal` refuses and leaves no output; damaged header copies
//! are reported.

mod common;

use std::path::Path;

use common::*;

const PAGES: usize = 12;
const PAGE: usize = 512;

/// Seals exactly `PAGES` pages with `cipher`; returns (plain, sealed).
fn fixture(dir: &Path, key: &str, cipher: &str, seed: u64) -> (Vec<u8>, std::path::PathBuf) {
    let probe = write(dir, "probe", b"x");
    let probe_out = p(dir, &format!("probe-{cipher}"));
    seal(key, &probe, &probe_out, cipher, PAGE);
    let payload = info(&probe_out)["payload_per_page"].as_u64().unwrap() as usize;
    let plain = data(PAGES * payload, seed);
    let plain_path = write(dir, &format!("plain-{cipher}"), &plain);
    let sealed = p(dir, &format!("sealed-{cipher}"));
    seal(key, &plain_path, &sealed, cipher, PAGE);
    assert_eq!(info(&sealed)["pages"].as_u64(), Some(PAGES as u64));
    (plain, sealed)
}

fn verify_json(key: &str, cipher: &str, file: &Path) -> (Option<i32>, serde_json::Value) {
    let args = ["verify".as_ref(), file.as_os_str(), "--json".as_ref()];
    let r = if cipher == "checksum" {
        run(args)
    } else {
        run_key(key, args)
    };
    (r.code, r.json())
}

fn bad_pages(report: &serde_json::Value) -> Vec<u64> {
    report["bad_pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let page = b["page"].as_u64().unwrap();
            let reason = b["reason"].as_str().unwrap();
            assert!(
                reason.contains(&format!("page {page} ")),
                "the reason names the page: {reason:?}"
            );
            page
        })
        .collect()
}

fn page_range(n: usize) -> std::ops::Range<usize> {
    let start = data_offset(PAGE) as usize + n * PAGE;
    start..start + PAGE
}

/// Where in page `n` to flip a byte: payload start, middle and end, the
/// trailer's epoch, nonce and tag, in turn.
fn flip_offset(n: usize, payload: usize) -> usize {
    match n % 6 {
        0 => 0,
        1 => payload / 2,
        2 => payload - 1,
        3 => payload,
        4 => payload + 5,
        _ => PAGE - 1,
    }
}

fn tamper_matrix(cipher: &str) {
    let dir = scratch();
    let key = raw_key(0x77);
    let (plain, sealed) = fixture(dir.path(), &key, cipher, 21);
    let payload = plain.len() / PAGES;
    let original = std::fs::read(&sealed).unwrap();
    let (code, clean) = verify_json(&key, cipher, &sealed);
    assert_eq!(code, Some(EXIT_OK), "{clean:#}");

    let copy = p(dir.path(), "copy");
    for n in 0..PAGES {
        let mut bytes = original.clone();
        let at = page_range(n).start + flip_offset(n, payload);
        bytes[at] ^= 0x01 << (n % 8);
        std::fs::write(&copy, &bytes).unwrap();
        let (code, report) = verify_json(&key, cipher, &copy);
        assert_eq!(code, Some(EXIT_VERIFY), "page {n}: {report:#}");
        assert_eq!(report["ok"], false);
        assert_eq!(report["pages"].as_u64(), Some(PAGES as u64));
        assert_eq!(bad_pages(&report), vec![n as u64], "{cipher}: {report:#}");

        // unseal refuses, names the page, and leaves no output.
        if n == 0 || n == PAGES - 1 || n == 4 {
            let out = p(dir.path(), "out");
            let args = ["unseal".as_ref(), copy.as_os_str(), out.as_os_str()];
            let r = if cipher == "checksum" {
                run(args)
            } else {
                run_key(&key, args)
            };
            r.fails(
                EXIT_VERIFY,
                &[&copy.display().to_string(), &format!("page {n} ")],
            );
            assert!(!out.exists(), "unseal left a partial output");
            assert!(temp_files(dir.path()).is_empty(), "unseal left a temp file");
        }
    }

    // Several pages at once: all listed, in order.
    let mut bytes = original.clone();
    for n in [1, 5, 6, 11] {
        bytes[page_range(n).start + 3] ^= 0x80;
    }
    std::fs::write(&copy, &bytes).unwrap();
    let (code, report) = verify_json(&key, cipher, &copy);
    assert_eq!(code, Some(EXIT_VERIFY));
    assert_eq!(bad_pages(&report), vec![1, 5, 6, 11]);

    // Text output: one line per bad page, and a FAILED summary.
    let args = ["verify".as_ref(), copy.as_os_str()];
    let r = if cipher == "checksum" {
        run(args)
    } else {
        run_key(&key, args)
    };
    r.expect_code(EXIT_VERIFY);
    for n in [1, 5, 6, 11] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.starts_with(&format!("page {n} "))),
            "page {n} in\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout
            .contains(&format!("FAILED, 4 of {PAGES} pages bad")),
        "{}",
        r.stdout
    );
}

#[test]
fn tamper_matrix_aes_128_gcm() {
    tamper_matrix("aes-128-gcm");
}

#[test]
fn tamper_matrix_aegis_256x2() {
    tamper_matrix("aegis-256x2");
}

#[test]
fn tamper_matrix_checksum() {
    tamper_matrix("checksum");
}

fn moved_pages(cipher: &str) {
    let dir = scratch();
    let key = raw_key(0x78);
    let (_, sealed) = fixture(dir.path(), &key, cipher, 22);
    let original = std::fs::read(&sealed).unwrap();
    let copy = p(dir.path(), "copy");

    // Swap pages 3 and 8.
    let mut bytes = original.clone();
    let (a, b) = (page_range(3), page_range(8));
    let page3 = original[a.clone()].to_vec();
    bytes.copy_within(b.clone(), a.start);
    bytes[b].copy_from_slice(&page3);
    std::fs::write(&copy, &bytes).unwrap();
    let (code, report) = verify_json(&key, cipher, &copy);
    assert_eq!(code, Some(EXIT_VERIFY));
    assert_eq!(bad_pages(&report), vec![3, 8], "{report:#}");
    let out = p(dir.path(), "out");
    let args = ["unseal".as_ref(), copy.as_os_str(), out.as_os_str()];
    let r = if cipher == "checksum" {
        run(args)
    } else {
        run_key(&key, args)
    };
    r.expect_code(EXIT_VERIFY);
    assert!(!out.exists());

    // Page 2 copied over page 5 (a replay inside the file).
    let mut bytes = original.clone();
    bytes.copy_within(page_range(2), page_range(5).start);
    std::fs::write(&copy, &bytes).unwrap();
    let (_, report) = verify_json(&key, cipher, &copy);
    assert_eq!(bad_pages(&report), vec![5], "{report:#}");

    // Page 7 taken from another file sealed with the same key and data.
    let plain = p(dir.path(), &format!("plain-{cipher}"));
    let other = p(dir.path(), "other");
    seal(&key, &plain, &other, cipher, PAGE);
    let other_bytes = std::fs::read(&other).unwrap();
    let mut bytes = original.clone();
    bytes[page_range(7)].copy_from_slice(&other_bytes[page_range(7)]);
    std::fs::write(&copy, &bytes).unwrap();
    let (_, report) = verify_json(&key, cipher, &copy);
    assert_eq!(bad_pages(&report), vec![7], "{report:#}");

    // A zeroed page.
    let mut bytes = original;
    bytes[page_range(10)].fill(0);
    std::fs::write(&copy, &bytes).unwrap();
    let (_, report) = verify_json(&key, cipher, &copy);
    assert_eq!(bad_pages(&report), vec![10], "{report:#}");
}

#[test]
fn moved_pages_aegis_128l() {
    moved_pages("aegis-128l");
}

#[test]
fn moved_pages_checksum() {
    moved_pages("checksum");
}

/// A page sealed before a rotation does not open after it (the old file
/// key, data key and file id are gone), even though it was a genuine page
/// of this file.
#[test]
fn page_from_before_a_rotation_is_refused() {
    let dir = scratch();
    let key = raw_key(0x79);
    let (_, sealed) = fixture(dir.path(), &key, "chacha20-poly1305", 23);
    let before = std::fs::read(&sealed).unwrap();
    run_key(&key, ["rotate".as_ref(), sealed.as_os_str()]).ok();
    let mut after = std::fs::read(&sealed).unwrap();
    after[page_range(6)].copy_from_slice(&before[page_range(6)]);
    std::fs::write(&sealed, &after).unwrap();
    let (code, report) = verify_json(&key, "chacha20-poly1305", &sealed);
    assert_eq!(code, Some(EXIT_VERIFY));
    assert_eq!(bad_pages(&report), vec![6], "{report:#}");
    assert!(
        report["bad_pages"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("page 6 failed authentication"),
        "{report:#}"
    );
}

#[test]
fn damaged_header_copies() {
    let dir = scratch();
    let key = raw_key(0x7a);
    let (plain, sealed) = fixture(dir.path(), &key, "aes-256-gcm", 24);
    let original = std::fs::read(&sealed).unwrap();
    let copy = p(dir.path(), "copy");

    for (offset, name) in [(100usize, "A (offset 0)"), (2048 + 100, "B (offset 2048)")] {
        let mut bytes = original.clone();
        bytes[offset] ^= 0xff;
        std::fs::write(&copy, &bytes).unwrap();
        // verify reports the damaged copy (and exits 1) but every page is fine.
        let (code, report) = verify_json(&key, "aes-256-gcm", &copy);
        assert_eq!(code, Some(EXIT_VERIFY), "{report:#}");
        assert_eq!(bad_pages(&report), Vec::<u64>::new());
        assert_eq!(report["damaged_header_copy"], name, "{report:#}");
        let r = run_key(&key, ["verify".as_ref(), copy.as_os_str()]);
        r.expect_code(EXIT_VERIFY);
        assert!(
            r.stdout.contains(&format!("header copy {name} is damaged")),
            "{}",
            r.stdout
        );
        // info shows it without a key.
        let j = info(&copy);
        assert!(
            j["damaged_header_copy"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{name}: ")),
            "{j:#}"
        );
        // The data is still all there.
        let out = p(dir.path(), "out");
        run_key(&key, ["unseal".as_ref(), copy.as_os_str(), out.as_os_str()]).ok();
        assert_eq!(std::fs::read(&out).unwrap(), plain);
        std::fs::remove_file(&out).unwrap();
        // A writable open (rekey to the same key) repairs it.
        run_cmd(
            pageseal()
                .args(["rekey".as_ref(), copy.as_os_str()])
                .args(["--key-env", KEY_VAR, "--new-key-env", KEY_VAR])
                .env(KEY_VAR, &key),
        )
        .ok();
        let (code, report) = verify_json(&key, "aes-256-gcm", &copy);
        assert_eq!(code, Some(EXIT_OK), "{report:#}");
        assert!(report["damaged_header_copy"].is_null());
    }

    // Both copies damaged: not a usable file.
    let mut bytes = original;
    bytes[100] ^= 0xff;
    bytes[2048 + 100] ^= 0xff;
    std::fs::write(&copy, &bytes).unwrap();
    run_key(&key, ["verify".as_ref(), copy.as_os_str()]).fails(
        EXIT_FORMAT,
        &[
            &copy.display().to_string(),
            "both header copies are damaged (copy A: checksum mismatch; copy B: checksum mismatch)",
        ],
    );
    run(["info".as_ref(), copy.as_os_str()])
        .fails(EXIT_FORMAT, &["both header copies are damaged"]);
    let out = p(dir.path(), "out");
    run_key(&key, ["unseal".as_ref(), copy.as_os_str(), out.as_os_str()])
        .fails(EXIT_FORMAT, &["both header copies are damaged"]);
    assert!(!out.exists());
}
