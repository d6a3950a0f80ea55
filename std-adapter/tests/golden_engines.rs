//! Golden files of the block and log engines: a key ring
//! (`tests/data/golden/keyring-aegis-128l.psring`) and a sealed log under
//! it (`sealed-log-aegis-128l.pslog`). Today's code must read them to
//! their known contents; an independent reader written from FORMAT.md
//! alone (here, with nothing but HKDF, HMAC and the AEADs) must verify the
//! audit chain and open a record; and FORMAT.md's worked example must show
//! their bytes.
//!
//! They are made with random keys and ids, so they are not rebuilt byte
//! for byte; to make new ones after a deliberate format change:
//! `PAGESEAL_BLESS=1 cargo test -p pageseal --test golden_engines`.

use std::path::PathBuf;
use std::sync::Arc;

use pageseal::core::kdf::{hkdf_sha256, hmac_sha256};
use pageseal::core::{
    Aead, ChaCha20Poly1305, Contents, HEADER_COPY_LEN, RawKey, Secret, Suite, block_binding,
    read_header,
};
use pageseal::{
    AUDIT_RECORD_LEN, AuditOp, Codec, KeyRing, KeyRingOptions, LOG_DATA_START, LogOptions,
    SealedLog,
};

const RING: &str = "keyring-aegis-128l.psring";
const LOG: &str = "sealed-log-aegis-128l.pslog";
const START: &str = "<!-- engines-example:start -->\n";
const END: &str = "<!-- engines-example:end -->";

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/golden")
}

fn key() -> RawKey {
    RawKey::new(std::array::from_fn(|i| i as u8))
}

fn records() -> Vec<Vec<u8>> {
    vec![
        b"first record, key 1".to_vec(),
        b"second record, key 1".to_vec(),
        b"third record, key 2, compressible: abcabcabcabcabcabcabcabcabcabcabcabcabcabc".to_vec(),
    ]
}

/// Makes the golden pair in `dir`.
fn make(dir: &std::path::Path) {
    let options = KeyRingOptions {
        suite: Suite::Aegis128L,
        ..KeyRingOptions::default()
    };
    let ring =
        Arc::new(KeyRing::create(&dir.join(RING), &Secret::RawKey(&key()), &options).unwrap());
    let log = SealedLog::create(
        &dir.join(LOG),
        ring.clone(),
        LogOptions {
            codec: Codec::Lz4,
            ..LogOptions::default()
        },
    )
    .unwrap();
    let recs = records();
    log.append(&recs[0]).unwrap();
    log.append(&recs[1]).unwrap();
    ring.rotate().unwrap();
    log.append(&recs[2]).unwrap();
    log.sync().unwrap();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b[..4].try_into().unwrap())
}

fn le64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().unwrap())
}

/// The file key of keyslot 0 (a raw-key slot), unwrapped as FORMAT.md
/// says.
fn file_key(header: &[u8], raw: &[u8; 32]) -> [u8; 32] {
    let file_id = &header[16..32];
    let slot = &header[64..64 + 112];
    assert_eq!(slot[0], 1, "keyslot 0 is a raw-key slot");
    let kek = hkdf_sha256(raw, &slot[16..48], b"pageseal v1 raw kek");
    let mut ad = b"pageseal v1 keyslot".to_vec();
    ad.extend_from_slice(file_id);
    ad.push(0);
    ad.extend_from_slice(&slot[..48]);
    let mut key = [0u8; 32];
    key.copy_from_slice(&slot[60..92]);
    let tag: [u8; 16] = slot[92..108].try_into().unwrap();
    ChaCha20Poly1305::new(&kek)
        .unwrap()
        .open_detached(&slot[48..60], &ad, &mut key, &tag)
        .expect("the keyslot opens with the golden key");
    key
}

/// The worked example FORMAT.md shows, from the golden bytes.
fn example(ring: &[u8], log: &[u8]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Key ring `tests/data/golden/{RING}` ({} bytes; AEGIS-128L; raw key `000102…1e1f` in keyslot 0).\n\
         Header bytes 8–15 (version 2, kind 1, suite 4, log2 page size 12, contents 1, zero):\n\n\
         ```text\n{}\n```\n\n\
         Creation times of epoch entries 0 and 1 (bytes 1792–1807), then data length (bytes 40–47, two audit records):\n\n\
         ```text\n{} {}\n{}\n```\n\n\
         Audit record 0 (create, key 1, keyslot 0) and 1 (rotate, key 2):\n\n\
         ```text\n{}\n{}\n{}\n{}\n```\n\n",
        ring.len(),
        hex(&ring[8..16]),
        hex(&ring[1792..1800]),
        hex(&ring[1800..1808]),
        hex(&ring[40..48]),
        hex(&ring[4096..4128]),
        hex(&ring[4128..4160]),
        hex(&ring[4160..4192]),
        hex(&ring[4192..4224]),
    ));
    let n = le32(&log[4096..]) as usize;
    out.push_str(&format!(
        "Sealed log `tests/data/golden/{LOG}` ({} bytes) under that ring. Prologue:\n\n\
         ```text\n{}\n{}\n{}\n{}\n```\n\n\
         Record 0 at position 4096: frame LE32({n}), then ciphertext (19 bytes), codec 00, key id 1, nonce (16 bytes), tag:\n\n\
         ```text\n{}\n{} {} {} {} {}\n```\n",
        log.len(),
        hex(&log[0..16]),
        hex(&log[16..32]),
        hex(&log[32..48]),
        hex(&log[48..64]),
        hex(&log[4096..4100]),
        hex(&log[4100..4100 + n - 37]),
        hex(&log[4100 + n - 37..4100 + n - 36]),
        hex(&log[4100 + n - 36..4100 + n - 32]),
        hex(&log[4100 + n - 32..4100 + n - 16]),
        hex(&log[4100 + n - 16..4100 + n]),
    ));
    out
}

#[test]
fn golden_key_ring_and_sealed_log_read_and_match_format_md() {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../FORMAT.md");
    if std::env::var_os("PAGESEAL_BLESS").is_some() {
        make(dir.path());
        for name in [RING, LOG] {
            std::fs::copy(dir.path().join(name), golden_dir().join(name)).unwrap();
        }
    }
    let ring_bytes = std::fs::read(golden_dir().join(RING)).unwrap();
    let log_bytes = std::fs::read(golden_dir().join(LOG)).unwrap();
    for (name, bytes) in [(RING, &ring_bytes), (LOG, &log_bytes)] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }

    // Today's code reads them.
    let key = key();
    let ring = Arc::new(
        KeyRing::open_read_only(
            &dir.path().join(RING),
            &Secret::RawKey(&key),
            Default::default(),
        )
        .unwrap(),
    );
    let ops: Vec<(AuditOp, u32)> = ring
        .audit()
        .unwrap()
        .iter()
        .map(|r| (r.op, r.key_id))
        .collect();
    assert_eq!(ops, [(AuditOp::Create, 1), (AuditOp::Rotate, 2)]);
    let log = SealedLog::open_read_only(&dir.path().join(LOG), ring.clone(), LogOptions::default())
        .unwrap();
    let got: Vec<Vec<u8>> = log.iter(LOG_DATA_START).map(|r| r.unwrap().1).collect();
    assert_eq!(got, records());
    assert_eq!(
        log.key_ids().unwrap().into_iter().collect::<Vec<_>>(),
        [1, 2]
    );

    // An independent reader, from FORMAT.md: the header says key ring,
    // version 2; the audit chain verifies under
    // HKDF(file key, file id, "pageseal v2 audit").
    let read = read_header(&ring_bytes[..2 * HEADER_COPY_LEN]).unwrap();
    assert_eq!(read.header.contents(), Contents::KeyRing);
    assert_eq!(&ring_bytes[8..10], &[2, 0]);
    assert_eq!(ring_bytes[13], 1);
    let fk = file_key(
        &ring_bytes[..HEADER_COPY_LEN],
        &std::array::from_fn(|i| i as u8),
    );
    let audit_key = hkdf_sha256(&fk, &ring_bytes[16..32], b"pageseal v2 audit");
    let count = le64(&ring_bytes[40..]) as usize / AUDIT_RECORD_LEN;
    let mut prev = [0u8; 32];
    for i in 0..count {
        let rec = &ring_bytes[4096 + 64 * i..4096 + 64 * (i + 1)];
        let mut msg = (i as u64).to_le_bytes().to_vec();
        msg.extend_from_slice(&prev);
        msg.extend_from_slice(&rec[..32]);
        prev = hmac_sha256(&audit_key, &msg);
        assert_eq!(&rec[32..], &prev, "audit record {i}");
    }
    // The log's prologue names the ring; record 0's associated data is the
    // block binding of (log id, position 4096, its key id, suite, codec,
    // length).
    assert_eq!(&log_bytes[..8], b"PSEALLOG");
    assert_eq!(&log_bytes[32..48], &ring_bytes[16..32]);
    let n = le32(&log_bytes[4096..]) as usize;
    let sealed = &log_bytes[4100..4100 + n];
    let overhead = pageseal::core::block_overhead(Suite::Aegis128L);
    let len = n - overhead;
    let codec = sealed[len];
    let epoch = le32(&sealed[len + 1..]);
    let mut ad = b"psblock1".to_vec();
    ad.extend_from_slice(&log_bytes[16..32]);
    ad.extend_from_slice(&4096u64.to_le_bytes());
    ad.extend_from_slice(&epoch.to_le_bytes());
    ad.extend_from_slice(&[Suite::Aegis128L.id(), codec, 0, 0]);
    ad.extend_from_slice(&(len as u64).to_le_bytes());
    let log_id: [u8; 16] = log_bytes[16..32].try_into().unwrap();
    assert_eq!(
        ad,
        block_binding(&log_id, 4096, epoch, Suite::Aegis128L, codec, len)
    );
    assert_eq!((codec, epoch), (0, 1), "a short record is stored raw");

    // FORMAT.md shows these bytes.
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let start = doc.find(START).expect("FORMAT.md has the engines example") + START.len();
    let end = doc
        .find(END)
        .expect("FORMAT.md has the engines example end");
    let expected = example(&ring_bytes, &log_bytes);
    if std::env::var_os("PAGESEAL_BLESS").is_some() {
        std::fs::write(
            &doc_path,
            format!("{}{}{}", &doc[..start], expected, &doc[end..]),
        )
        .unwrap();
        return;
    }
    assert!(
        doc[start..end] == expected,
        "FORMAT.md's key ring and sealed log example is out of date; regenerate with PAGESEAL_BLESS=1"
    );
}
