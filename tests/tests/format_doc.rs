//! Checks FORMAT.md's worked example. The example is produced here by a
//! reader written from FORMAT.md alone (field offsets, KDF inputs,
//! associated data), using only primitive operations, and must match the
//! hex in the document exactly.
//!
//! To regenerate after a deliberate format change:
//! `PAGESEAL_BLESS=1 cargo test -p pageseal-tests --test format_doc`.

use std::fmt::Write;

use pageseal_core::kdf::{argon2id, hkdf_sha256, hmac_sha256, sha256};
use pageseal_core::{Aead, ChaCha20Poly1305, Portable, Secret, Suite};
use pageseal_tests::golden::{
    GOLDEN_KDF, GOLDEN_PASSPHRASE, TestRng, build_file, build_rotated_file, golden_raw_key,
    kdf_memory,
};
use pageseal_tests::hex;

const START: &str = "<!-- worked-example:start -->\n";
const END: &str = "<!-- worked-example:end -->";
const PAGE_SIZE: usize = 512;

/// `xxd`-like dump, 16 bytes a line, a line equal to the one before it
/// shown as `*`.
fn dump(bytes: &[u8]) -> String {
    let mut out = String::from("```text\n");
    let mut previous: Option<&[u8]> = None;
    let mut starred = false;
    for (i, line) in bytes.chunks(16).enumerate() {
        if previous == Some(line) && i + 1 < bytes.len().div_ceil(16) {
            if !starred {
                out.push_str("*\n");
                starred = true;
            }
            continue;
        }
        starred = false;
        previous = Some(line);
        let hexes: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        writeln!(out, "{:04x}  {}", i * 16, hexes.join(" ")).unwrap();
    }
    out.push_str("```\n");
    out
}

/// A label built at run time, for the value table.
fn leak(label: String) -> &'static str {
    Box::leak(label.into_boxed_str())
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().unwrap())
}

/// Reads one file as FORMAT.md describes and returns its section of the
/// worked example.
fn section(title: &str, suite: Suite, file: &[u8], show_header: bool, passphrase: bool) -> String {
    let mut out = format!("#### {title}\n\n");
    let header = &file[..2048];
    assert_eq!(
        &header[..2048],
        &file[2048..4096],
        "the two copies are identical"
    );
    assert_eq!(sha256(&header[..2016])[..], header[2016..2048], "digest");
    if show_header {
        writeln!(
            out,
            "Header copy A (bytes 0–2047; copy B at 2048 is identical):\n"
        )
        .unwrap();
        out.push_str(&dump(header));
        out.push('\n');
    }
    let file_id = &header[16..32];
    let epoch = le32(&header[48..52]);
    let mut values = vec![("file id (header bytes 16–31)", hex(file_id))];
    let data_key = if suite.is_keyed() {
        let slot = &header[64..176];
        let kek = if passphrase {
            assert_eq!(slot[0], 2, "KDF id 2: passphrase");
            assert_eq!(le32(&slot[4..8]), GOLDEN_KDF.memory_kib);
            assert_eq!(le32(&slot[8..12]), GOLDEN_KDF.iterations);
            assert_eq!(le32(&slot[12..16]), GOLDEN_KDF.parallelism);
            argon2id(
                GOLDEN_PASSPHRASE,
                &slot[16..48],
                &GOLDEN_KDF,
                &mut kdf_memory(&GOLDEN_KDF),
            )
            .unwrap()
        } else {
            assert_eq!(slot[0], 1, "KDF id 1: raw key");
            hkdf_sha256(
                golden_raw_key().as_bytes(),
                &slot[16..48],
                b"pageseal v1 raw kek",
            )
        };
        let mut aad = b"pageseal v1 keyslot".to_vec();
        aad.extend_from_slice(file_id);
        aad.push(0);
        aad.extend_from_slice(&slot[..48]);
        let mut file_key = slot[60..92].to_vec();
        ChaCha20Poly1305::new(&kek)
            .unwrap()
            .open_detached(
                &slot[48..60],
                &aad,
                &mut file_key,
                slot[92..108].try_into().unwrap(),
            )
            .expect("keyslot 0 opens with the raw key");
        let wrap_key = hkdf_sha256(&file_key, file_id, b"pageseal v1 epoch wrap");
        // The entry of the current epoch: whichever of the 16 holds it.
        let (index, entry) = header[512..1792]
            .chunks(80)
            .enumerate()
            .find(|(_, e)| e[4] == 1 && le32(&e[..4]) == epoch)
            .expect("the current epoch has a live entry");
        let mut aad = b"pageseal v1 epoch".to_vec();
        aad.extend_from_slice(file_id);
        aad.extend_from_slice(&epoch.to_le_bytes());
        aad.push(suite.id());
        let mut seed = entry[28..60].to_vec();
        ChaCha20Poly1305::new(&wrap_key)
            .unwrap()
            .open_detached(
                &entry[16..28],
                &aad,
                &mut seed,
                entry[60..76].try_into().unwrap(),
            )
            .expect("epoch entry unwraps");
        let mac_key = hkdf_sha256(&file_key, file_id, b"pageseal v1 header mac");
        assert_eq!(
            hmac_sha256(&mac_key, &header[..1984])[..],
            header[1984..2016],
            "header MAC"
        );
        if passphrase {
            values.push(("keyslot 0 salt (slot bytes 16–47)", hex(&slot[16..48])));
            values.push((
                "keyslot 0 KEK = Argon2id v1.3(passphrase, salt, m = 64 KiB, t = 1, p = 1, 32 bytes, no secret, no associated data)",
                hex(&kek),
            ));
        } else {
            values.push((
                "keyslot 0 KEK = HKDF(raw key, salt, \"pageseal v1 raw kek\")",
                hex(&kek),
            ));
        }
        values.push(("file key (unwrapped from keyslot 0)", hex(&file_key)));
        values.push(("epoch-wrap key", hex(&wrap_key)));
        values.push(("header MAC key", hex(&mac_key)));
        let at = 512 + index * 80;
        values.push((
            if epoch == 1 {
                "epoch entry (header bytes 512–591) wrap nonce, bytes 16–27"
            } else {
                "current epoch entry wrap nonce, bytes 16–27 of the entry"
            },
            format!(
                "{} (entry {index}, header bytes {at}–{})",
                hex(&entry[16..28]),
                at + 79
            ),
        ));
        let seed_label = format!("data-key seed of epoch {epoch} (unwrapped)");
        let key_label = format!("data key of epoch {epoch}");
        values.push((leak(seed_label), hex(&seed)));
        seed.truncate(suite.key_len());
        values.push((leak(key_label), hex(&seed)));
        seed
    } else {
        assert_eq!(
            header[1984..2016],
            [0; 32],
            "checksum-only files have no MAC"
        );
        Vec::new()
    };
    let page = &file[4096..4096 + PAGE_SIZE];
    let trailer = if suite.is_keyed() {
        4 + suite.nonce_len() + 16
    } else {
        16
    };
    let payload_len = PAGE_SIZE - trailer;
    let mut binding = file_id.to_vec();
    binding.extend_from_slice(&0u64.to_le_bytes());
    binding.extend_from_slice(&epoch.to_le_bytes());
    binding.extend_from_slice(&[suite.id(), PAGE_SIZE.trailing_zeros() as u8, b'p', b'g']);
    values.push(("binding of page 0 (associated data)", hex(&binding)));
    let nonce = if suite.is_keyed() {
        &page[payload_len + 4..PAGE_SIZE - 16]
    } else {
        &[][..]
    };
    if suite.is_keyed() {
        values.push(("page 0 nonce", hex(nonce)));
    }
    let tag = &page[PAGE_SIZE - 16..];
    values.push(("page 0 tag", hex(tag)));
    let cipher = Portable::new(suite, &data_key).unwrap();
    let mut payload = page[..payload_len].to_vec();
    cipher
        .open_detached(nonce, &binding, &mut payload, tag.try_into().unwrap())
        .expect("page 0 opens");
    let text = String::from_utf8(payload[..28].to_vec()).unwrap();
    values.push(("first 28 bytes of page 0's plaintext", format!("`{text}`")));

    out.push_str("| value | bytes (hex) |\n|---|---|\n");
    for (name, value) in values {
        writeln!(out, "| {name} | {value} |").unwrap();
    }
    writeln!(
        out,
        "\nPage 0 (file bytes 4096–4607; offsets below count from the start of the page; {payload_len} bytes of payload, then the trailer):\n"
    )
    .unwrap();
    out.push_str(&dump(page));
    out.push('\n');
    out
}

fn worked_example() -> String {
    let key = golden_raw_key();
    let mut out = format!(
        "Every file below has page size {PAGE_SIZE} and one page whose plaintext is the text \
         `pageseal golden page 0. ` repeated. The keyed files have one keyslot (slot 0) for the raw key\n\n\
         `x'{}'`\n\n\
         The values come from a reader written from this document alone \
         (`tests/tests/format_doc.rs`), which checks every digest, MAC and tag. \
         The hex dumps are in `hexdump`'s style: offset, then 16 bytes; a line holding only `*` \
         stands for one or more lines equal to the line above it, up to the next offset shown.\n\n",
        hex(key.as_bytes())
    );
    let families = [
        ("AES-256-GCM", Suite::Aes256Gcm, true),
        ("ChaCha20-Poly1305", Suite::ChaCha20Poly1305, false),
        ("AEGIS-128L", Suite::Aegis128L, false),
        ("AEGIS-256", Suite::Aegis256, false),
        (
            "checksum (checksum-only file, no key)",
            Suite::Checksum,
            true,
        ),
    ];
    for (title, suite, show_header) in families {
        let secret = Secret::RawKey(&key);
        let secret = suite.is_keyed().then_some(&secret);
        let file = build_file(
            suite,
            PAGE_SIZE,
            secret,
            1,
            &mut TestRng::new(1000 + u64::from(suite.id())),
        )
        .unwrap();
        out.push_str(&section(title, suite, &file, show_header, false));
    }
    // A passphrase keyslot, and a file rotated once: its pages are sealed
    // under epoch 2, whose entry is the second of the table.
    let passphrase = Secret::Passphrase(GOLDEN_PASSPHRASE);
    let file = build_rotated_file(
        Suite::ChaCha20Poly1305,
        PAGE_SIZE,
        Some(&passphrase),
        1,
        1,
        &mut TestRng::new(2000),
    )
    .unwrap();
    out.push_str(
        "The last file has a passphrase keyslot (passphrase `correct horse battery staple`, \
         Argon2id with m = 64 KiB, t = 1, p = 1: far below pageseal's defaults, to keep the example \
         quick to recompute) and was rotated once: epoch 1's entry is still live, and page 0 is \
         sealed under epoch 2.\n\n",
    );
    out.push_str(&section(
        "ChaCha20-Poly1305, passphrase keyslot, epoch 2",
        Suite::ChaCha20Poly1305,
        &file,
        true,
        true,
    ));
    out
}

#[test]
fn format_md_worked_example_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../FORMAT.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let start = doc
        .find(START)
        .expect("FORMAT.md has the worked-example start marker")
        + START.len();
    let end = doc
        .find(END)
        .expect("FORMAT.md has the worked-example end marker");
    let expected = worked_example();
    if std::env::var_os("PAGESEAL_BLESS").is_some() {
        std::fs::write(
            path,
            format!("{}{}{}", &doc[..start], expected, &doc[end..]),
        )
        .unwrap();
        return;
    }
    assert!(
        doc[start..end] == expected,
        "FORMAT.md's worked example is out of date; regenerate with PAGESEAL_BLESS=1"
    );
}
