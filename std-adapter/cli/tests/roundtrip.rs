//! `unseal` gives back exactly what `seal` was given, for every suite and
//! several page sizes, including lengths that are not a multiple of the
//! payload size: the plaintext length is kept in the header's data-length
//! field (`info --json` shows it as `data_len`) and `unseal` cuts the last
//! page's zero padding to it.

mod common;

use common::*;

/// Bytes of a page that are not payload (FORMAT.md): key epoch (4), nonce
/// and tag (16) for keyed suites, the tag alone for `checksum`.
fn trailer_len(cipher: &str) -> usize {
    let nonce = match cipher {
        "checksum" => return 16,
        "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305" => 12,
        "aegis-128l" | "aegis-128x2" | "aegis-128x4" => 16,
        "aegis-256" | "aegis-256x2" | "aegis-256x4" => 32,
        other => panic!("unknown suite {other}"),
    };
    4 + nonce + 16
}

fn round_trips(cipher: &str, page_size: usize) {
    let dir = scratch();
    let key = raw_key(0x5e);
    let payload = page_size - trailer_len(cipher);
    for (i, len) in [0, 1, payload - 1, payload, payload + 1, 3 * payload + 17]
        .into_iter()
        .enumerate()
    {
        let plain = data(len, (page_size + len) as u64);
        let plain_path = write(dir.path(), &format!("plain{i}"), &plain);
        let sealed = p(dir.path(), &format!("sealed{i}"));
        seal(&key, &plain_path, &sealed, cipher, page_size);
        let j = info(&sealed);
        assert_eq!(j["data_len"].as_u64(), Some(len as u64), "{cipher} {len}");
        assert_eq!(j["suite"], cipher);
        assert_eq!(j["page_size"].as_u64(), Some(page_size as u64));
        assert_eq!(j["payload_per_page"].as_u64(), Some(payload as u64));
        let pages = len.div_ceil(payload);
        assert_eq!(j["pages"].as_u64(), Some(pages as u64));
        assert_eq!(
            std::fs::metadata(&sealed).unwrap().len(),
            data_offset(page_size) + (pages * page_size) as u64,
            "{cipher} {page_size} {len}: whole pages only"
        );
        let out = p(dir.path(), &format!("out{i}"));
        let args = ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()];
        if cipher == "checksum" {
            run(args).ok();
        } else {
            run_key(&key, args).ok();
        }
        let got = std::fs::read(&out).unwrap();
        assert!(
            got == plain,
            "{cipher}, page size {page_size}, {len} bytes: unseal gave {} bytes that differ",
            got.len()
        );
    }
    assert!(temp_files(dir.path()).is_empty());
}

macro_rules! suite_tests {
    ($($name:ident => $cipher:literal),* $(,)?) => {$(
        #[test]
        fn $name() {
            for page_size in [512, 4096, 65536] {
                round_trips($cipher, page_size);
            }
        }
    )*};
}

suite_tests! {
    aes_128_gcm => "aes-128-gcm",
    aes_256_gcm => "aes-256-gcm",
    chacha20_poly1305 => "chacha20-poly1305",
    aegis_128l => "aegis-128l",
    aegis_128x2 => "aegis-128x2",
    aegis_128x4 => "aegis-128x4",
    aegis_256 => "aegis-256",
    aegis_256x2 => "aegis-256x2",
    aegis_256x4 => "aegis-256x4",
    checksum => "checksum",
}

/// Other page sizes, `auto`, a passphrase and thread counts, on a larger
/// input whose length is not a multiple of the payload.
#[test]
fn other_page_sizes_threads_and_auto() {
    let dir = scratch();
    let plain = data(300_001, 99);
    let plain_path = write(dir.path(), "plain", &plain);
    let key = raw_key(0x5f);
    for (i, page_size) in [1024usize, 2048, 8192, 16384, 32768]
        .into_iter()
        .enumerate()
    {
        let sealed = p(dir.path(), &format!("sealed{i}"));
        let ps = page_size.to_string();
        let threads = (1 + i % 3).to_string();
        run_key(
            &key,
            [
                "seal".as_ref(),
                plain_path.as_os_str(),
                sealed.as_os_str(),
                "--page-size".as_ref(),
                ps.as_ref(),
                "--threads".as_ref(),
                threads.as_ref(),
            ],
        )
        .ok();
        let j = info(&sealed);
        assert_ne!(j["suite"], "checksum", "auto picks an authenticated suite");
        let out = p(dir.path(), &format!("out{i}"));
        run_key(
            &key,
            [
                "unseal".as_ref(),
                sealed.as_os_str(),
                out.as_os_str(),
                "--threads".as_ref(),
                "3".as_ref(),
            ],
        )
        .ok();
        assert!(
            std::fs::read(&out).unwrap() == plain,
            "page size {page_size}"
        );
    }

    // A passphrase (cheap Argon2id) round trip.
    let sealed = p(dir.path(), "sealed-pw");
    let mut args = vec![
        std::ffi::OsStr::new("seal"),
        plain_path.as_os_str(),
        sealed.as_os_str(),
    ];
    args.extend(FAST_KDF.iter().map(std::ffi::OsStr::new));
    run_key("pass word", args).ok();
    let out = p(dir.path(), "out-pw");
    run_key(
        "pass word",
        ["unseal".as_ref(), sealed.as_os_str(), out.as_os_str()],
    )
    .ok();
    assert!(std::fs::read(&out).unwrap() == plain);
}
